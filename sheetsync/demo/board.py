"""The demo's volunteer board (demo/board.xlsx, [board] in the demo's sheetsync.toml).

After the demo's past is played, the hourly job runs once (the last responses reach Needs
and the board), and one volunteer who may take a need on the board writes their volunteer
code in its claim column, as a volunteer would: the demo's next weekly run (`make demo`'s
`run weekly`) turns the claim into an accepted task, and the board says so.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.backends.base import Backend, CellUpdate, TabChanges
from sheetsync.board.claims import Claimers, board_id
from sheetsync.board.store import BoardState, open_board, read_board
from sheetsync.config import Config
from sheetsync.jobs import find_job, run_job
from sheetsync.match.eligibility import Need, Volunteer, reasons
from sheetsync.match.network import waiting_needs
from sheetsync.report import Issue
from sheetsync.state import read_state
from sheetsync.statuses import update_need_statuses
from sheetsync.steps import StepContext
from sheetsync.steps.match import follow_the_present
from sheetsync.tables import records_of

DEMO_BOARD = "board.xlsx"  # beside the demo's sheetsync.toml


def claim_on_demo_board(backend: Backend, config: Config, now: dt.datetime) -> str | None:
    """Run the hourly job, then have a volunteer claim a need on the board they may take.
    The board id claimed, or None when the demo has no board or no such pair."""
    if config.board is None:
        return None
    run_job(find_job("intake", config), backend, config, now=now)
    board = read_board(config)
    if board is None or board.table is None:
        return None
    pair = _a_valid_pair(backend, config, board, now)
    if pair is None:
        return None
    row, code = pair
    table = board.table
    store = open_board(config, config.board)
    update = CellUpdate(row, table.columns["claim"] + 1, code)
    store.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=[update])])
    return str(table.frame.set_index("_row").at[row, "board_id"])


def _a_valid_pair(
    backend: Backend, config: Config, board: BoardState, now: dt.datetime
) -> tuple[int, str] | None:
    """(board row, a volunteer's code) for the first need on the board that a volunteer
    with a code may take under matching's hard rules."""
    assert board.table is not None
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    ctx = StepContext(config, now, state.forms, state.tables, frames, state.schemas)
    people, needs = records_of(frames["people"]), records_of(frames["needs"])
    tasks = records_of(frames["tasks"])
    ignored: list[Issue] = []
    net, volunteers, _ = follow_the_present(ctx, people, tasks, ignored)
    update_need_statuses(needs, tasks)
    open_needs = {board_id(n.need_id): n for n in waiting_needs(needs, net, now).needs}
    claimers = Claimers.of(people, net)
    for row in records_of(board.table.frame):
        need = open_needs.get(str(row["board_id"]))
        if need is None or str(row["claim"]).strip():
            continue
        for volunteer in volunteers:
            code = claimers.code_of.get(volunteer.person_id)
            if code and _may_take(need, volunteer, config):
                return int(row["_row"]), code
    return None


def _may_take(need: Need, volunteer: Volunteer, config: Config) -> bool:
    return not volunteer.unavailable and reasons(need, volunteer, config.matching) is not None
