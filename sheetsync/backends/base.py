"""The Backend protocol: read many tabs at once, write one set of changes at once."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sheetsync.errors import MissingTabError

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
    """Before writing, the cell at (row, col) must still hold `expected` (an id sheetsync read)."""

    row: int
    col: int
    expected: str


@dataclass
class TabChanges:
    """What one run changes in one tab. Nothing here can delete a row or a column."""

    tab: str
    create: bool = False  # the tab does not exist yet: create it (append[0] is its header)
    start_row: int = 1  # the sheet row where `append` starts: one past the last row read
    append: list[list[Value]] = field(default_factory=list)
    update: list[CellUpdate] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)

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

        Before writing, check that every tab still ends at `start_row - 1` and that every
        guard still holds; otherwise raise SheetChangedError and write nothing.
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
