"""`sheetsync undo`: revert a run's changes as the Changes tab records them (changes.py).

In one write, each cell the run changed gets its old value back, but only if it still holds
what the run wrote (a Condition, its row found by its id: a Guard); a cell changed since is
left as it is and listed. Rows the run added are blanked where nobody edited them since
(their check, changes.fingerprint, still matches); a row edited since stays. A row an undo
blanked is added again when that undo is undone. The undo is itself a run: its changes go
on top of the Changes tab (so it can be undone in turn) and it has a Run log row.

Nothing here prints: the CLI renders the Undone it returns. Messages and the report name
cells by tab, row id and column only, never by what they hold. What undo writes on the tabs
(its Run log row, its records' counts, the Changes tab's how-to row) is in the network's
language; what it reads back of the Changes tab never is (changes.py), so a tab written in
another language, or in two, is undone alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sheetsync.backends.base import (
    Backend,
    CellUpdate,
    Condition,
    Guard,
    TabChanges,
    TabData,
    Value,
)
from sheetsync.changes import (
    NOT_RECORDED,
    ChangeKind,
    Record,
    added_checks,
    added_records,
    fingerprint,
    read_records,
    record_changes,
    removed_cells,
    removed_record,
    run_ids,
)
from sheetsync.config import Config
from sheetsync.errors import SheetChangedError, SheetsyncError
from sheetsync.normalize import cell_text
from sheetsync.report import RunOutcome, RunReport, TabReport
from sheetsync.run_log import fresh_run_id, log_row
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.state import State, local_now, read_state
from sheetsync.tables import ROW, Table, appended, records_of, to_cell
from sheetsync.translation import gettext_noop, ngettext_noop, tab_language

UNDO_JOB = "undo"  # the job column of an undo's Run log row
UNDID = gettext_noop("Undid run %(run)s.")
# The cells left, in plain digits as the message has always given them.
UNDID_LEFT = ngettext_noop(
    "Undid run %(run)s; %(count)s cells or rows left as they were changed since.",
    "Undid run %(run)s; %(count)s cells or rows left as they were changed since.",
)


class NothingToUndoError(SheetsyncError):
    """The Changes tab records no such run (or none at all)."""


@dataclass(frozen=True)
class CellLeft:
    """A cell (or a row, column "") undo leaves as it is, and why."""

    tab: str
    key: str
    column: str
    why: str


@dataclass(frozen=True)
class CellReverted:
    """A cell undo puts back (column ""), or a row it blanks or adds again."""

    tab: str
    key: str
    column: str
    what: str  # "reverted", "row blanked", "row added again"


@dataclass
class Undone:
    """What an undo reverted (or, in a dry run, would), and what it left: by tab, row id
    and column, never by the cells' values."""

    run_id: str  # the run undone
    undo_id: str = ""  # this undo's own id (Changes tab, Run log); "" in a dry run
    dry_run: bool = False
    reverted: list[CellReverted] = field(default_factory=list)
    left: list[CellLeft] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As `sheetsync undo --json` prints it."""
        return asdict(self)


def undo_run(
    backend: Backend,
    config: Config,
    run_id: str | None = None,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Undone:
    """Revert the newest run the Changes tab records (or `run_id`) in one write; a dry run
    only says what it would do. Holds the network's run lock: no run comes in between."""
    if dry_run:
        return _plan(read_state(backend, config, keep_cells=True), config, run_id, now, True)[0]
    with NetworkLock(config, UNDO_JOB):
        try:
            return _undo_once(backend, config, run_id, now)
        except SheetChangedError:  # edited while it worked: read again, once
            try:
                return _undo_once(backend, config, run_id, now)
            except SheetChangedError as err:
                raise SheetChangedError(
                    f"{err} It changed again after sheetsync read it a second time, so "
                    "nothing was undone. Run `sheetsync undo` again when editing has "
                    "calmed down."
                ) from err


def _undo_once(
    backend: Backend, config: Config, run_id: str | None, now: dt.datetime | None
) -> Undone:
    """One read, one write."""
    state = read_state(backend, config, keep_cells=True)
    undone, changes = _plan(state, config, run_id, now, False)
    if changes:
        backend.apply(changes)
    return undone


def _plan(
    state: State, config: Config, run_id: str | None, now: dt.datetime | None, dry_run: bool
) -> tuple[Undone, list[TabChanges]]:
    """What to write to undo the run, and the report of it."""
    record_table = state.tables["changes"]
    records = read_records(record_table)
    undone = Undone(_target(records, run_id, record_table.tab, config.keep_runs), dry_run=dry_run)
    newest = run_ids(records)[0]
    if undone.run_id != newest:
        undone.notices.append(
            f"Run {undone.run_id} is not the newest run recorded ({newest} is): a cell a "
            "later run changed again is left as it is now, and listed."
        )
    tables = {t.tab: t for name, t in state.tables.items() if name not in NOT_RECORDED}
    plans: dict[str, _TabPlan] = {}
    for record in (r for r in records if r.run_id == undone.run_id):
        table = tables.get(record.tab)
        if table is None:
            undone.left.append(CellLeft(record.tab, record.key, record.column, "tab not found"))
            continue
        plan = plans.setdefault(record.tab, _TabPlan(table, state.data.get(table.tab)))
        plan.undo(record, undone)
    if dry_run:
        return undone, []
    started = now or local_now(config)
    language = tab_language(config)
    run_log = state.tables["run_log"]
    undone.undo_id = fresh_run_id(f"U{started:%Y%m%d-%H%M%S}", run_log)
    changes = [p.changes for p in plans.values() if not p.changes.is_empty]
    new_records = [r for p in plans.values() for r in p.records(undone.undo_id, language)]
    if new_records:
        changes.append(record_changes(record_table, new_records, config.keep_runs, language))
    report = _run_report(undone.undo_id, started, plans.values(), undone)
    changes.append(appended(run_log, [log_row(report, run_log, language)]))
    return undone, changes


def _target(records: Sequence[Record], run_id: str | None, tab: str, keep_runs: int) -> str:
    """The run to undo: `run_id`, else the newest recorded; raise if there is none."""
    runs = run_ids(records)
    if not runs:
        raise NothingToUndoError(
            f"The {tab!r} tab records no run yet, so there is nothing to undo. Each run that "
            "changes something is recorded there."
        )
    if run_id is not None and run_id not in runs:
        raise NothingToUndoError(
            f"Run {run_id!r} is not in the {tab!r} tab, which keeps the last {keep_runs} "
            f"runs that changed something: {', '.join(runs)}. Run `sheetsync undo` without "
            "--run for the newest."
        )
    return run_id or runs[0]


def _run_report(
    undo_id: str, started: dt.datetime, plans: Iterable[_TabPlan], undone: Undone
) -> RunReport:
    """The Run log row's report: what the undo changed per tab, and which run it undid."""
    tabs = [
        TabReport(
            p.table.tab, rows_added=len(p.changes.append), cells_changed=len(p.changes.update)
        )
        for p in plans
        if not p.changes.is_empty
    ]
    report = RunReport(
        job=UNDO_JOB,
        started=started,
        finished=started,
        outcome=RunOutcome.OK,
        run_id=undo_id,
        tabs=tabs,
    )
    if undone.left:
        report.say_plural(
            UNDID_LEFT, len(undone.left), run=undone.run_id, count=str(len(undone.left))
        )
    else:
        report.say(UNDID, run=undone.run_id)
    return report


class _TabPlan:
    """One tab's part of an undo: its write, and the records of what it changes."""

    def __init__(self, table: Table, data: TabData | None) -> None:
        self.table = table
        self.changes = appended(table, [])
        self.changes.start_row = table.n_rows + 1
        self.schema = table.schema
        key = self.schema.primary_key or ""
        self.key_col = table.columns.get(key)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.blank_keyed: list[dict[str, Any]] = []
        # The cells as they are on the sheet (a status as typed, not as read): undo compares
        # them with what the run wrote.
        for row in records_of(table.typed_frame()):
            text = cell_text(row.get(key)).strip()
            if text:
                self.rows.setdefault(text, []).append(row)
            else:
                self.blank_keyed.append(row)
        self.raw: Sequence[Sequence[Value]] = data.rows if data is not None else []
        self.guarded: set[int] = set()
        self.changed: list[Record] = []
        self.removed: list[tuple[str, dict[str, str]]] = []
        self.added: list[tuple[str, str]] = []

    def undo(self, record: Record, undone: Undone) -> None:
        if record.kind == ChangeKind.CHANGED:
            self._revert_cell(record, undone)
        elif record.kind == ChangeKind.ROWS_ADDED:
            for key, check in added_checks(record):
                self._blank_row(key, check, undone)
        elif record.kind == ChangeKind.ROW_REMOVED:
            self._add_again(record, undone)

    def _one_row(self, key: str, column: str, undone: Undone) -> dict[str, Any] | None:
        found = self.rows.get(key, []) or self._keyless(key)
        if len(found) != 1:
            why = "row gone" if not found else f"id on {len(found)} rows"
            undone.left.append(CellLeft(self.table.tab, key, column, why))
            return None
        return found[0]

    def _keyless(self, key: str) -> list[dict[str, Any]]:
        """The row a record names by number ("row 12": it had no key after the run), if
        it still has none: a row sheetsync emptied, found where it was left."""
        number = re.fullmatch(r"row (\d+)", key)
        if number is None:
            return []
        row = int(number.group(1))
        return [r for r in self.blank_keyed if int(r[ROW]) == row]

    def _guard(self, row: int, key: str) -> None:
        if self.key_col is not None and row not in self.guarded:
            self.guarded.add(row)
            # A row found by number has no key: it must still be blank there (base.Guard).
            expected = "" if self._keyless(key) else key
            self.changes.guards.append(Guard(row, self.key_col + 1, expected))

    def _revert_cell(self, record: Record, undone: Undone) -> None:
        tab, key, name = self.table.tab, record.key, record.column
        if name not in self.table.columns:
            undone.left.append(CellLeft(tab, key, name, "column gone"))
            return
        found = self._one_row(key, name, undone)
        if found is None:
            return
        if not (record.old or record.new):  # emptied by `sheetsync forget`
            undone.left.append(CellLeft(tab, key, name, "forgotten"))
            return
        spec = self.schema.field(name)
        held = cell_text(found[name])
        if held != cell_text(to_cell(spec, record.new)):
            undone.left.append(CellLeft(tab, key, name, "changed since"))
            return
        row, col = int(found[ROW]), self.table.columns[name] + 1
        value = to_cell(spec, record.old)
        self.changes.update.append(CellUpdate(row, col, "" if value is None else value))
        self.changes.expect.append(Condition(row, col, held))
        self._guard(row, key)
        self.changed.append(Record("", tab, key, name, ChangeKind.CHANGED, held, record.old))
        undone.reverted.append(CellReverted(tab, key, name, "reverted"))

    def _blank_row(self, key: str, check: str, undone: Undone) -> None:
        tab = self.table.tab
        found = self._one_row(key, "", undone)
        if found is None:
            return
        row = int(found[ROW])
        texts = [cell_text(found[n]) for n in self.schema.names]
        if fingerprint(texts) != check or self._typed_beside(row):
            undone.left.append(CellLeft(tab, key, "", "row edited since"))
            return
        for name, text in zip(self.schema.names, texts, strict=True):
            if text:
                col = self.table.columns[name] + 1
                self.changes.update.append(CellUpdate(row, col, ""))
                self.changes.expect.append(Condition(row, col, text))
        self._guard(row, key)
        self.removed.append((key, dict(zip(self.schema.names, texts, strict=True))))
        undone.reverted.append(CellReverted(tab, key, "", "row blanked"))

    def _typed_beside(self, row: int) -> bool:
        """Whether a column the schema does not name holds something on this row: an
        organizer's note beside a row sheetsync added."""
        cells = self.raw[row - 1] if 0 < row <= len(self.raw) else []
        own = set(self.table.columns.values())
        return any(cell_text(v).strip() for i, v in enumerate(cells) if i not in own)

    def _add_again(self, record: Record, undone: Undone) -> None:
        tab, key = self.table.tab, record.key
        cells = removed_cells(record)
        if cells is None:
            undone.left.append(CellLeft(tab, key, "", "row not kept (too long to record)"))
            return
        if key in self.rows:
            undone.left.append(CellLeft(tab, key, "", "id on the sheet again"))
            return
        by_column = {i: n for n, i in self.table.columns.items()}
        specs = {f.name: f for f in self.schema.fields}
        line: list[Value] = [
            to_cell(specs[by_column[i]], cells.get(by_column[i], "")) if i in by_column else None
            for i in range(len(self.table.header))
        ]
        self.changes.append.append(line)
        self.added.append((key, fingerprint(cells.get(n, "") for n in self.schema.names)))
        undone.reverted.append(CellReverted(tab, key, "", "row added again"))

    def records(self, undo_id: str, language: str) -> list[Record]:
        """The Changes tab's records of this tab's part of the undo (counts in `language`)."""
        out = [
            Record(undo_id, r.tab, r.key, r.column, r.kind, r.old, r.new, r.rows)
            for r in self.changed
        ]
        out += [removed_record(undo_id, self.table.tab, k, cells) for k, cells in self.removed]
        out += added_records(undo_id, self.table.tab, self.added, language)
        return out
