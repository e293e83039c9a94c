"""The Backend protocol: read many tabs at once, write one set of changes at once."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sheetsync.errors import MissingTabError, SheetChangedError

# A cell as a backend hands it over. Text stays text: a backend must never let a string that
# starts with "=" become a formula. None is an empty cell.
Value = str | int | float | bool | dt.datetime | dt.date | None


@dataclass
class TabData:
    """A tab's values as read: rows[0] is the header row; rows[i] is sheet row i + 1.

    Like Google's values API, trailing empty cells of a row and trailing empty rows are
    trimmed, so rows may be ragged and len(rows) is the last row holding anything.
    """

    name: str
    rows: list[list[Value]]

    @property
    def header(self) -> list[Value]:
        return self.rows[0] if self.rows else []


@dataclass(frozen=True)
class CellUpdate:
    """Set one cell; row and col are 1-based sheet coordinates."""

    row: int
    col: int
    value: Value


@dataclass(frozen=True)
class Guard:
    """The updates of sheet row `row` belong to the row whose cell in column `col` holds
    `expected` (an id sheetsync read). At write time the row is found again by that cell:
    a row that moved is followed; one that is gone, or no longer told apart, stops the write
    (SheetChangedError) so the run reads the sheet afresh."""

    row: int
    col: int
    expected: str


@dataclass
class TabChanges:
    """What one run changes in one tab. Nothing here can delete a row or a column."""

    tab: str
    create: bool = False  # the tab does not exist yet: create it (append[0] is its header)
    # One past the last row read. Appended rows go below whatever the tab holds at write
    # time (a row typed meanwhile stays where it is); start_row is where they were expected.
    start_row: int = 1
    append: list[list[Value]] = field(default_factory=list)
    update: list[CellUpdate] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    # The header as read (row 1): if the columns moved since, the write stops (recompute).
    header: list[str] = field(default_factory=list)
    # 1-based column of the row key (the schema's primaryKey) in `append` rows: a row whose
    # key the tab already holds at write time is not appended again (a retried write).
    key_col: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.create or self.append or self.update)


class Backend(Protocol):
    """A spreadsheet store. Implementations: backends.workbook (local .xlsx), backends.google."""

    def describe(self) -> str:
        """A short human description, e.g. "workbook demo/network.xlsx"."""
        ...

    @property
    def time_zone(self) -> str | None:
        """The spreadsheet's own time zone, if it has one (an .xlsx file has none)."""
        ...

    @property
    def notices(self) -> list[str]:
        """What a person should fix in how the store is set up (a key file other users can
        read), for the run report; [] when nothing."""
        ...

    def list_tabs(self) -> list[str]:
        """The names of all tabs, in the spreadsheet's order."""
        ...

    def read_tabs(self, names: Iterable[str]) -> dict[str, TabData]:
        """Read the named tabs in one go; a missing tab raises MissingTabError."""
        ...

    def apply(self, changes: Sequence[TabChanges]) -> None:
        """Write all changes at once, or nothing at all.

        Each change is addressed against its tab as it is at write time (readdress): rows
        typed meanwhile stay, appends go below them, updates follow their row. When that
        cannot be done (a guarded row gone, the columns moved, the store saved by someone
        else during the write), raise SheetChangedError and write nothing.
        """
        ...


def missing_tab_error(tab: str, existing: Sequence[str], where: str) -> MissingTabError:
    """A MissingTabError naming the tabs there are and the closest one."""
    listed = ", ".join(repr(name) for name in existing) or "none"
    folded = [name for name in existing if name.casefold().strip() == tab.casefold().strip()]
    close = folded or difflib.get_close_matches(tab, list(existing), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return MissingTabError(
        f"Tab {tab!r} not found in {where} (tabs: {listed}).{hint} "
        "Run `sheetsync init` to create sheetsync's tabs, or rename the tab back."
    )


def guard_text(value: Value) -> str:
    """A cell as the text a guard compares: 17.0 is "17", TRUE for true, "" for empty."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def changes_to_write(changes: Sequence[TabChanges]) -> list[TabChanges]:
    """The changes that carry something (empty ones are not checked); one per tab at most."""
    todo = [change for change in changes if not change.is_empty]
    tabs = [change.tab for change in todo]
    duplicates = sorted({tab for tab in tabs if tabs.count(tab) > 1})
    if duplicates:
        raise ValueError(f"apply() got more than one TabChanges for tab(s) {duplicates}")
    return todo


# The most characters a cell may hold: Excel's limit, and Google Sheets' per-cell limit.
XLSX_CELL_LIMIT = 32_767
SHEETS_CELL_LIMIT = 50_000
SHORTENED = " … [shortened by sheetsync]"


def fit_cell(value: Value, limit: int) -> Value:
    """Text longer than `limit` characters, shortened to fit with a marker saying so; the
    last defence: steps shorten long answers themselves, with a pointer to the full text."""
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - len(SHORTENED)] + SHORTENED
    return value


@dataclass(frozen=True)
class TabNow:
    """What a tab holds at write time, as re-read just before writing.

    `columns` maps a 1-based column number to its cells from row 1 down (trailing empty
    cells may be missing); it holds at least every guarded column and the key column.
    `last_row` is the last row holding anything (0 when the tab is empty).
    """

    header: list[Value]
    columns: dict[int, list[Value]]
    last_row: int


def readdress(change: TabChanges, now: TabNow) -> TabChanges:
    """`change` addressed against the tab as it is now.

    - Appended rows start below the tab's current last row; rows whose key the tab already
      holds are left out (a write applied once is never applied twice).
    - Updates follow their row's guard to where that row is now.
    - If the columns sheetsync named moved, or a guarded row is gone or is no longer the
      only row holding its id, raise SheetChangedError: the run must read the sheet again.
    """
    if change.create:
        return change
    if change.start_row > 1 and change.header:
        _check_header(change, now)
    moved = _moved_rows(change, now)
    update = [
        CellUpdate(moved.get(u.row, u.row), u.col, u.value) if moved else u for u in change.update
    ]
    guards = [Guard(moved.get(g.row, g.row), g.col, g.expected) for g in change.guards]
    return replace(
        change,
        start_row=now.last_row + 1,
        append=_not_yet_written(change, now),
        update=update,
        guards=guards,
    )


def _not_yet_written(change: TabChanges, now: TabNow) -> list[list[Value]]:
    """The rows to append but those whose key the tab holds now, and but the header row a
    new or empty tab gets if the tab has one now (a retried write that had created it)."""
    append = change.append
    first = 1 if change.start_row == 1 else 0  # a header row is never a record
    if change.key_col is not None and now.last_row > 0:
        held = {guard_text(v).strip() for v in now.columns.get(change.key_col, [])[1:]} - {""}
        append = append[:first] + [
            row
            for row in append[first:]
            if guard_text(_cell(row, change.key_col)).strip() not in held
        ]
    if first and append and any(guard_text(v).strip() for v in now.header):
        append = append[1:]
    return append


def _cell(row: Sequence[Value], col: int) -> Value:
    return row[col - 1] if 0 < col <= len(row) else None


def _check_header(change: TabChanges, now: TabNow) -> None:
    for col, title in enumerate(change.header, start=1):
        if title and guard_text(_cell(now.header, col)).strip() != title.strip():
            raise SheetChangedError(
                f"Tab {change.tab!r} changed while sheetsync was working: its columns moved "
                f"(column {col} was {title!r}). Nothing was written; the run reads the sheet "
                "again."
            )


def _moved_rows(change: TabChanges, now: TabNow) -> dict[int, int]:
    """Guarded rows that moved: {row as read: row now}; raise if a row cannot be found."""
    moved: dict[int, int] = {}
    for guard in change.guards:
        cells = now.columns.get(guard.col, [])
        expected = guard.expected.strip()
        if guard_text(_at(cells, guard.row)).strip() == expected:
            continue
        rows = [i + 1 for i, v in enumerate(cells) if guard_text(v).strip() == expected]
        if len(rows) != 1:
            how = "is gone" if not rows else f"is now on {len(rows)} rows"
            raise SheetChangedError(
                f"Tab {change.tab!r} changed while sheetsync was working: the row sheetsync "
                f"was about to update (row {guard.row}) {how}. Nothing was written; the run "
                "reads the sheet again."
            )
        moved[guard.row] = rows[0]
    return moved


def _at(cells: Sequence[Value], row: int) -> Value:
    return cells[row - 1] if 0 < row <= len(cells) else None
