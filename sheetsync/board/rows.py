"""The board's rows from the run's final frames, and the one write that puts them there.

The board shows each open need as the privacy policy lets its readers see it
(Policy.on_board): category, zone, urgency, days waiting, the requester's initials only with
[board] show_initials (never for a sensitive category), languages and availability. Never a
name, contact or the need's details. Needs are ordered by urgency, then days waiting. A need
claimed this run stays one run more, marked taken, so its volunteer sees the answer.

The tab is rewritten in place, row by row. Readers write only in the claim column, so each
claim cell is written only if it still holds what the run read (a Condition): a claim typed
while the run worked stops the board's write, and the next run reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sheetsync.backends.base import Backend, CellUpdate, Condition, TabChanges, Value
from sheetsync.board.claims import RowAnswer, board_id
from sheetsync.board.store import open_board
from sheetsync.config import Config
from sheetsync.errors import SheetsyncError
from sheetsync.horizon import NEVER, earliest, next_whole_day
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.members import parse_datetime
from sheetsync.normalize import cell_text
from sheetsync.privacy import Policy
from sheetsync.report import Delivery
from sheetsync.tables import Table, records_of, to_cell

log = logging.getLogger(__name__)


@dataclass
class BoardRows:
    """The board's rows, and when their days waiting next grow (`until`: a row's days
    waiting, and the rows' order, change then; NEVER when no row counts any)."""

    rows: list[dict[str, str]]
    until: dt.datetime = NEVER


def board_rows(
    needs: list[dict[str, Any]],
    waiting: set[str],
    answers: Iterable[RowAnswer],
    policy: Policy,
    *,
    show_initials: bool,
    now: dt.datetime,
) -> BoardRows:
    """The board's rows: the needs waiting for a volunteer (`waiting`, their need ids: as
    matching sees them, so never a requester marked do not contact), and the needs
    answered this run, most urgent and longest waiting first."""
    answered = {a.board_id: a for a in answers}
    rows = []
    opened_at: dict[str, dt.datetime | None] = {}  # each opened cell parsed once
    for need in needs:
        bid = board_id(str(need["need_id"])) if need["need_id"] else ""
        is_open = need["need_id"] in waiting
        if not bid or not (is_open or (bid in answered and answered[bid].fresh)):
            continue
        answer = answered.get(bid)
        cell = str(need["opened"])
        if cell not in opened_at:
            opened_at[cell] = parse_datetime(cell)
        opened = opened_at[cell]
        days = 0 if opened is None else max(0, (now - opened).days)
        rank = URGENCY_RANK.get(str(need["urgency"]).strip().casefold(), 0)
        rows.append(
            {
                "board_id": bid,
                "category": str(need["category"]),
                "zone": str(need["zone"]),
                "urgency": str(need["urgency"]),
                "days_waiting": str(days),
                "requester": policy.on_board(
                    str(need["person_id"]), str(need["category"]), show_initials=show_initials
                ),
                "languages": str(need["languages"]),
                "availability": str(need["availability"]),
                "claim": answer.mark if answer else "",
                "status": answer.status if answer else "",
                "_order": f"{9 - rank}{999999 - min(days, 999999):06d}{bid}",
            }
        )
    rows.sort(key=lambda r: r["_order"])
    for row in rows:
        del row["_order"]
    grows = (next_whole_day(o, now) for o in opened_at.values() if o is not None)
    return BoardRows(rows, earliest(grows, now))


def rewrite(table: Table, rows: list[dict[str, str]]) -> TabChanges:
    """The board tab rewritten with `rows`, in place: every row read and every new one gets
    all its cells; rows beyond the new ones are emptied. Each claim cell of a row read is
    written only if it still holds what was read."""
    schema, width = table.schema, len(table.header)
    by_col = {i: name for name, i in table.columns.items()}
    claim_col = table.columns["claim"]
    read = {int(r): str(c) for r, c in zip(table.frame["_row"], table.frame["claim"], strict=True)}
    changes = TabChanges(
        tab=table.tab,
        create=not table.exists,
        start_row=1 if not table.exists else table.n_rows + 1,
        header=[str(h) for h in table.header] if table.n_rows else [],
    )
    if not table.exists or table.n_rows == 0:
        changes.append.append(list(table.header))
    last_read = max(table.n_rows, 1)
    for k in range(max(len(rows), last_read - 1)):
        sheet_row = k + 2
        record = rows[k] if k < len(rows) else {}
        cells: list[Value] = [
            to_cell(schema.field(by_col[i]), record.get(by_col[i], "")) if i in by_col else None
            for i in range(width)
        ]
        if sheet_row > last_read:
            changes.append.append(cells)
            continue
        for i, value in enumerate(cells):
            if i in by_col:
                changes.update.append(CellUpdate(sheet_row, i + 1, value))
        changes.expect.append(Condition(sheet_row, claim_col + 1, read.get(sheet_row, "")))
    return changes


@dataclass
class WriteBoard:
    """The board step's Effect: after the run's write, the board rewritten in one write."""

    table: Table
    rows: list[dict[str, str]]
    written: bool = False
    problem: str = ""

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        """Write the board; a board that cannot be written is logged, and the next run
        writes it (its claims are kept: none is made a task twice)."""
        if config.board is None:
            return []
        try:
            open_board(config, config.board).apply([rewrite(self.table, self.rows)])
            self.written = True
        except SheetsyncError as err:
            self.problem = str(err)
            log.warning("The volunteer board was not written (%s); the next run writes it.", err)
        return []

    def idle(self, backend: Backend, config: Config, now: dt.datetime) -> bool:
        """The board holds these rows already, cell for cell: rewriting it changes nothing."""
        table = self.table
        if config.board is None:
            return True
        if not table.exists or table.n_rows != len(self.rows) + 1:
            return False
        names = [f.name for f in table.schema.fields]
        held = records_of(table.frame[names])
        return all(
            [cell_text(h[n]) for n in names]
            == [cell_text(to_cell(table.schema.field(n), r.get(n, ""))) for n in names]
            for h, r in zip(held, self.rows, strict=True)
        )

    def combine(self, other: object, config: Config) -> None:
        """The board's write goes alone."""
        return None

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        """A dry run writes nothing, the board neither."""
        return []
