"""The Backend protocol: read many tabs at once, write one set of changes at once."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from sheetsync.backends.formats import FormatPlan
from sheetsync.errors import MissingTabError, SheetChangedError
from sheetsync.normalize import ISO_DATE_TEXT, cell_text, clean_text, date_cell_text

# A cell as a backend hands it over. Text stays text: a backend must never let a string that
# starts with "=" become a formula. None is an empty cell.
Value = str | int | float | bool | dt.datetime | dt.date | None
T = TypeVar("T")


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


@dataclass(frozen=True)
class Condition:
    """The update of the cell at (`row`, `col`) is written only if the cell still holds
    `expected`, the text sheetsync read (cell_text): an organizer's cell sheetsync may move
    on (a proposal it withdraws) must not overwrite what was typed there meanwhile. It is
    checked where the row is now, after its guard followed it; a cell holding anything else
    stops the write (SheetChangedError) so the run reads the sheet afresh."""

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
    # key the tab already holds at write time is never appended twice (see readdress).
    key_col: int | None = None
    # Updates written only if their cell still holds what was read (see Condition); each
    # names a cell of `update`. Other updates are written whatever their cell holds.
    expect: list[Condition] = field(default_factory=list)
    # {key of a row in `append`: how many rows read held it and keep it} (the Summary keeps
    # an organizer's copy of one of its rows, keyed as the row it copied, and may append a
    # row with that key). Those rows are no clash at write time; a row beyond them holding
    # the key is one typed meanwhile (see readdress).
    kept_keys: dict[str, int] = field(default_factory=dict)

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

    def tab_tokens(self) -> dict[str, str] | None:
        """Without reading any cell, a token per tab that changes whenever its cells may
        have (the same token: the same cells), and under "" one for what every tab's cells
        read through (a workbook's shared strings and styles). None when the store cannot
        tell without reading the cells (then a run hashes them: fingerprints.py)."""
        ...

    @property
    def formats_applied(self) -> str | None:
        """The FormatPlan.version last applied to this spreadsheet, None if never."""
        ...

    def apply(self, changes: Sequence[TabChanges], formats: FormatPlan | None = None) -> None:
        """Write all changes at once, or nothing at all; with `formats`, apply that
        formatting in the same write (Google: the same batchUpdate) and record its version.

        Each change is addressed against its tab as it is at write time (readdress): rows
        typed meanwhile stay, appends go below them, updates follow their row, and a
        conditioned update (TabChanges.expect) is made only where its cell still holds what
        was read. When that cannot be done (a guarded row gone, the columns moved, an
        organizer's cell typed meanwhile, the store saved by someone else during the
        write), raise SheetChangedError and write nothing.
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


def storable_text(text: str, limit: int) -> str:
    """Text as a cell can hold it, whatever it holds, and no longer than `limit` (the store's
    cell limit). A writer's own last defence: a single cell can never stop a write. XML 1.0
    cannot hold control characters (Excel refuses the file) and no JSON request can carry a
    lone surrogate; both stores get the rule form answers get (normalize.clean_text), so
    what is written is the same wherever it goes."""
    text = clean_text(text).text
    return text if len(text) <= limit else text[: limit - len(SHORTENED)] + SHORTENED


@dataclass(frozen=True)
class TabNow:
    """What a tab holds at write time, as re-read just before writing.

    `columns` maps a 1-based column number to its cells from row 1 down (trailing empty
    cells may be missing); it holds at least every guarded column, every conditioned column
    (TabChanges.expect) and the key column.
    `last_row` is the last row holding anything (0 when the tab is empty).
    """

    header: list[Value]
    columns: dict[int, list[Value]]
    last_row: int
    # The whole rows (rows[i] is sheet row i + 1), when read: a retry compares them.
    rows: list[list[Value]] | None = None


def checked_columns(change: TabChanges) -> set[int]:
    """The 1-based columns readdress looks at: guarded, conditioned and the key column."""
    wanted = {guard.col for guard in change.guards} | {cond.col for cond in change.expect}
    if change.key_col is not None:
        wanted.add(change.key_col)
    return wanted


def tab_now(rows: list[list[Value]], change: TabChanges) -> TabNow:
    """A TabNow from a tab's whole rows as read (rows[i] is sheet row i + 1, trailing empty
    rows trimmed), with the columns `change` needs to find its rows."""
    wanted = checked_columns(change)
    columns = {col: [_cell(row, col) for row in rows] for col in wanted}
    return TabNow(rows[0] if rows else [], columns, len(rows), rows)


def _as_is(value: Value) -> Value:
    return value


def readdress(
    change: TabChanges,
    now: TabNow,
    *,
    retry: bool = False,
    as_stored: Callable[[Value], Value] = _as_is,
) -> TabChanges:
    """`change` addressed against the tab as it is now.

    - Appended rows start below the tab's current last row.
    - An appended row whose key the tab holds now is someone else's (an organizer typed that
      id): SheetChangedError, and the run recomputes with fresh ids. Only on a `retry` after
      a write Google did not confirm may it be this run's own, written by the lost write: it
      is left out when every row holding that key holds the same cells (`now.rows` is read
      for that; `as_stored` is a cell as the store reads it back, e.g. a date as a number).
      The rows read that held the key and keep it (`change.kept_keys`: a copy an organizer
      made of a Summary row) are no clash; only a row beyond them is.
    - Updates follow their row's guard to where that row is now.
    - A conditioned update (`change.expect`) is written only if its cell, where its row is
      now, still holds the text read; else SheetChangedError. On a `retry`, a cell already
      holding the value this run was writing was written by the lost write: it is left out.
    - If the columns sheetsync named moved, a guarded row is gone or is no longer the only
      row holding its id, or a tab that was empty now holds another first row, raise
      SheetChangedError: the run must read the sheet again.
    """
    if change.create:
        return change
    if change.start_row > 1 and change.header:
        _check_header(change, now)
    if change.start_row == 1 and change.append:
        _check_first_row(change, now, as_stored)
    moved = _moved_rows(change, now, retry)
    done = _conditions_met(change, now, moved, retry, as_stored)
    update = [
        CellUpdate(moved.get(u.row, u.row), u.col, u.value) if moved else u
        for u in change.update
        if (u.row, u.col) not in done
    ]
    guards = [Guard(moved.get(g.row, g.row), g.col, g.expected) for g in change.guards]
    expect = [
        Condition(moved.get(c.row, c.row), c.col, c.expected)
        for c in change.expect
        if (c.row, c.col) not in done
    ]
    return replace(
        change,
        start_row=now.last_row + 1,
        append=_not_yet_written(change, now, retry, as_stored, _keys_rewritten(change, update)),
        update=update,
        guards=guards,
        expect=expect,
    )


def _same_date(raw: Value, expected: str) -> bool:
    """A date cell holding the date `expected` says, as a store answers it (Google: a serial
    number; a workbook: a datetime): sheetsync writes its dates as dates."""
    if not ISO_DATE_TEXT.fullmatch(expected):
        return False
    return date_cell_text(raw, date_only=len(expected) == len("2026-11-24")) == expected


def _conditions_met(
    change: TabChanges,
    now: TabNow,
    moved: dict[int, int],
    retry: bool,
    as_stored: Callable[[Value], Value],
) -> set[tuple[int, int]]:
    """The conditioned cells (row as read, column) a lost write had written already (on a
    retry: the cell holds the value this run writes there); raise SheetChangedError for a
    cell holding neither what was read nor, on a retry, that value.

    The message names the tab, row and column only: the cell may hold personal text."""
    writing = {(u.row, u.col): u.value for u in change.update}
    done: set[tuple[int, int]] = set()
    for cond in change.expect:
        row = moved.get(cond.row, cond.row)
        raw = _at(now.columns.get(cond.col, []), row)
        held = cell_text(raw)
        if held == cond.expected or _same_date(raw, cond.expected):
            continue
        mine = writing.get((cond.row, cond.col))
        if retry and mine is not None and held == cell_text(as_stored(mine)):
            done.add((cond.row, cond.col))
            continue
        title = guard_text(_cell(now.header, cond.col)).strip()
        column = f"column {cond.col}" + (f", {title!r}" if title else "")
        raise SheetChangedError(
            f"Tab {change.tab!r} changed while sheetsync was working: a cell sheetsync was "
            f"about to change (row {row}, {column}) no longer holds what sheetsync read: "
            "someone typed there meanwhile. Nothing was written; the run reads the sheet "
            "again and leaves what was typed."
        )
    return done


def _keys_rewritten(change: TabChanges, update: list[CellUpdate]) -> dict[int, str]:
    """{row now: its new key} for the key cells this change rewrites (a tab laid out anew
    on each run, as the Summary is, moves its keys from row to row)."""
    if change.key_col is None:
        return {}
    return {u.row: guard_text(u.value).strip() for u in update if u.col == change.key_col}


def _not_yet_written(
    change: TabChanges,
    now: TabNow,
    retry: bool,
    as_stored: Callable[[Value], Value],
    rewritten: dict[int, str],
) -> list[list[Value]]:
    """The rows to append but this run's own that a lost write had written (on a retry),
    and but the header row a new or empty tab gets if the tab has it now. A key cell this
    change rewrites holds its new key."""
    first = 1 if change.start_row == 1 else 0  # a header row is never a record
    header = change.append[:first]
    if first and any(guard_text(v).strip() for v in now.header):
        header = []  # _check_first_row made sure it is this header
    rows = change.append[first:]
    if change.key_col is not None and now.last_row > 0:
        held: dict[str, list[int]] = {}
        for number, value in enumerate(now.columns.get(change.key_col, []), start=1):
            key = rewritten.get(number, guard_text(value).strip())
            if number > 1 and key:
                held.setdefault(key, []).append(number)
        rows = [row for row in rows if not _written(change, row, held, now, retry, as_stored)]
    return header + rows


def _written(
    change: TabChanges,
    row: list[Value],
    held: dict[str, list[int]],
    now: TabNow,
    retry: bool,
    as_stored: Callable[[Value], Value],
) -> bool:
    """Whether `row` is there already, written by a lost write; raise if its key is taken.
    The rows read that held the key and keep it (change.kept_keys) are no clash."""
    assert change.key_col is not None
    key = guard_text(_cell(row, change.key_col)).strip()
    numbers = held.get(key, [])
    kept = change.kept_keys.get(key, 0)
    if len(numbers) <= kept:
        return False
    if retry and now.rows is not None:
        mine = [as_stored(v) for v in row]
        same = [n for n in numbers if _same_cells(_at(now.rows, n) or [], mine)]
        if same and len(numbers) - len(same) <= kept:
            return True
    typed = [n for n in numbers if n >= change.start_row] or numbers[kept:]
    raise SheetChangedError(
        f"Tab {change.tab!r} changed while sheetsync was working: a row typed meanwhile "
        f"(row {typed[0]}) holds the id of a row sheetsync was about to add (column "
        f"{change.key_col}). Nothing was written; the run reads the sheet again and gives its "
        "new rows ids not taken."
    )


def _same_cells(held: Sequence[Value], mine: Sequence[Value]) -> bool:
    """Two rows holding the same text cell by cell, compared as guards compare."""
    width = max(len(held), len(mine))
    return all(
        guard_text(_cell(held, col)).strip() == guard_text(_cell(mine, col)).strip()
        for col in range(1, width + 1)
    )


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


def _check_first_row(change: TabChanges, now: TabNow, as_stored: Callable[[Value], Value]) -> None:
    """A tab empty when read (its header comes first in `append`) must be empty now, or hold
    that header in row 1: rows typed meanwhile would leave the tab headerless (its header
    would go below them), and the next run could not read it."""
    if now.last_row == 0 and not any(guard_text(v).strip() for v in now.header):
        return
    if not _same_cells(now.header, [as_stored(v) for v in change.append[0]]):
        raise SheetChangedError(
            f"Tab {change.tab!r} changed while sheetsync was working: it was empty, and now "
            "holds rows, row 1 other than the header sheetsync was about to write. Nothing "
            "was written; the run reads the sheet again."
        )


def _moved_rows(change: TabChanges, now: TabNow, retry: bool = False) -> dict[int, int]:
    """Guarded rows that moved: {row as read: row now}; raise if a row cannot be found.
    On a `retry`, a row whose key this change rewrites and that holds the new key now was
    written by the lost write: it is where it was."""
    moved: dict[int, int] = {}
    rewritten = {
        u.row: guard_text(u.value).strip() for u in change.update if u.col == change.key_col
    }
    for guard in change.guards:
        cells = now.columns.get(guard.col, [])
        expected = guard.expected.strip()
        held = guard_text(_at(cells, guard.row)).strip()
        if held == expected:
            continue
        if retry and guard.col == change.key_col and rewritten.get(guard.row) == held:
            continue
        # A row without an id cannot be told from other rows without one: it must still be
        # where it was read, blank there, or the write stops.
        rows = (
            [i + 1 for i, v in enumerate(cells) if guard_text(v).strip() == expected]
            if expected
            else []
        )
        if len(rows) != 1:
            how = "is gone" if not rows else f"is now on {len(rows)} rows"
            if not expected:
                how = "has no id, and another row is in its place now"
            raise SheetChangedError(
                f"Tab {change.tab!r} changed while sheetsync was working: the row sheetsync "
                f"was about to update (row {guard.row}) {how}. Nothing was written; the run "
                "reads the sheet again."
            )
        moved[guard.row] = rows[0]
    return moved


def _at(cells: Sequence[T], row: int) -> T | None:
    return cells[row - 1] if 0 < row <= len(cells) else None
