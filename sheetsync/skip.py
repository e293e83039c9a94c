"""Skipping a run whose inputs are settled, and settling them (issue 22).

jobs.py runs a job as one read, its steps and one write. Around that: `read_unless_settled`
reads what the run needs to tell whether its inputs are those of the job's last settled run
(fingerprints.py), and if so, before that run's horizon, skips it: only its Run log row is
written, saying which run it relied on. Otherwise it reads the whole spreadsheet for the
steps. After the steps, a run that changes nothing and whose effects would do nothing
`settle`s: its job's row on the Fingerprints tab goes in the run's one write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.board.store import BoardState
from sheetsync.config import Config
from sheetsync.fingerprints import TAB as FINGERPRINTS
from sheetsync.fingerprints import Settled, cell_tokens, inputs_of, settled_frame, settled_of
from sheetsync.horizon import NEVER
from sheetsync.normalize import format_datetime
from sheetsync.report import RunOutcome, RunReport
from sheetsync.run_log import fresh_run_id, log_cells, log_values, pending_failures
from sheetsync.state import Sheet, State, local_now, read_sheet, state_of, table_of
from sheetsync.tables import Table, appended, plan_changes
from sheetsync.translation import gettext_noop, tab_language, translate

_LOGS = ("run_log", FINGERPRINTS)  # the tabs a skipped run reads the cells of
# A skipped run's message (its Run log row's, in the network's language).
SKIPPED = gettext_noop(
    "Nothing new since run %(run)s, which changed nothing: skipped (a run reading the same "
    "computes the same; `sheetsync run --full` runs it anyway)."
)
SKIPPED_UNTIL = gettext_noop(
    "Nothing new since run %(run)s, which changed nothing: skipped (a run reading the same "
    "until %(until)s computes the same; `sheetsync run --full` runs it anyway)."
)


def read_unless_settled(
    job: str,
    steps: Sequence[str],
    backend: Backend,
    config: Config,
    report: RunReport,
    board: BoardState | None,
    *,
    dry_run: bool,
    full: bool,
) -> tuple[State, str] | None:
    """The spreadsheet as the run reads it, with the fingerprint of its inputs ("" for a
    dry run, or when it changed while being read); None when the run was skipped. A store
    with cheap tokens of its tabs (a workbook) reads the other tabs' cells only when the
    run is not skipped."""
    tokens = None if dry_run else backend.tab_tokens()
    sheet = read_sheet(backend, config, cells_of=None if tokens is None else _LOGS)
    inputs = "" if dry_run else _inputs(sheet, tokens, config, job, steps, board)
    settled = None if full or not inputs else settled_of(table_of(sheet, config, FINGERPRINTS), job)
    # A failed run's row kept on this machine waits for a run that writes: not skipped.
    if (
        settled is not None
        and settled.covers(inputs, report.started, config.tz)
        and not pending_failures(config)
    ):
        _skip(backend, config, table_of(sheet, config, "run_log"), report, settled, steps)
        return None
    if tokens is not None:
        sheet = read_sheet(backend, config)
        if backend.tab_tokens() != tokens:  # changed meanwhile: this run settles nothing
            inputs = ""
    return state_of(sheet, config), inputs


def _inputs(
    sheet: Sheet,
    tokens: dict[str, str] | None,
    config: Config,
    job: str,
    steps: Sequence[str],
    board: BoardState | None,
) -> str:
    """The fingerprint of what the run reads (fingerprints.py)."""
    run_log = table_of(sheet, config, "run_log")
    tabs = cell_tokens(sheet) if tokens is None else tokens
    return inputs_of(tabs, run_log, config, job, steps, board)


def settle(
    job: str,
    state: State,
    report: RunReport,
    inputs: str,
    untils: list[dt.datetime | None],
    *,
    idle: bool,
) -> list[TabChanges]:
    """A run that changes nothing settles its inputs: its job's row on the Fingerprints tab
    (fingerprints.py), so that a run reading the same before the steps' horizon is skipped.
    Not when a step does not say its horizon, when the horizon is now, or when an effect
    would still do something (not `idle`: an email due, the board to rewrite): the next
    run must do it, so it is not skipped."""
    if any(until is None for until in untils):
        return []
    until = min((u for u in untils if u is not None), default=NEVER)
    if until <= report.started or not idle:
        return []
    table = state.tables[FINGERPRINTS]
    frame = settled_frame(table, Settled(job, inputs, report.run_id, until))
    # Bookkeeping, as the Run log row is: not among the run's changes (report.tabs).
    tab_changes, _ = plan_changes(table, frame)
    report.settled_until = until
    return [] if tab_changes.is_empty else [tab_changes]


def _skip(
    backend: Backend,
    config: Config,
    run_log: Table,
    report: RunReport,
    settled: Settled,
    steps: Sequence[str],
) -> None:
    """The run of a job whose inputs are settled: only its Run log row, which says so. Its
    steps cell names the job's steps: a skipped run counts as one that read the responses
    and found nothing new (intake's "typed after" the last run that did)."""
    report.skipped_for = settled.settled_by
    report.outcome = RunOutcome.OK
    report.finished = max(report.started, local_now(config))
    report.run_id = fresh_run_id(report.run_id, run_log)
    language = tab_language(config)
    if settled.until == NEVER:
        report.say(SKIPPED, run=settled.settled_by)
    else:
        report.say(SKIPPED_UNTIL, run=settled.settled_by, until=format_datetime(settled.until))
    # The steps' names as the job names them: intake's "typed after" finds its own there.
    skipped = translate(language, gettext_noop("skipped: %(steps)s"), steps=", ".join(steps))
    values = log_values(report, language) | {"steps": skipped}
    backend.apply([appended(run_log, [log_cells(run_log, values)])])
