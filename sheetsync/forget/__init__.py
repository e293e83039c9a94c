"""`sheetsync forget`: remove a person on request, so that no copy of their data stays in
sheetsync's tabs, in the form responses it reads, or in its own files.

The person is all their People rows: the kept person and the rows linked to it by
duplicate_of, whichever of their ids is given (person.py). In one write, sheetsync empties
(cells.py):

- their form responses, every cell (rows are never deleted: a response is known by its row,
  so the next run reads the row as blank and goes on);
- their People rows but for person_id, so the id is never given to anyone else, with
  "forgotten" in do_not_contact; with no source left, intake never recomputes them;
- their Needs' personal cells (withdrawn unless met), the reasons and notes of tasks for
  those needs or with them as a volunteer (cancelled unless done or declined), their Load
  rows, their side of Duplicates pairs, the Errors rows of their responses, the reason of
  the end of run check's Errors rows about their rows or naming them, and the cells of the
  send log and of the Summary that name them.

Just before that write it removes sheetsync's own files naming them (files.py): outbox
digests, and lines of the send journal and of the scheduled log. It holds the network's run
lock and reads the sheet right before writing, so a scheduled run cannot bring them back
half way. Household members and everyone else are left as they are. Nothing here prints:
the CLI renders the Forgotten it returns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sheetsync.backends.base import Backend
from sheetsync.backends.workbook_backups import backups, remove_backups
from sheetsync.config import BackendKind, Config
from sheetsync.errors import SheetChangedError
from sheetsync.forget.cells import FORGOTTEN, Cells, RowCleared, plan_cells
from sheetsync.forget.files import remove_files
from sheetsync.forget.person import Person, UnknownPersonError, find_person
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.state import read_state

# What sheetsync cannot reach: the CLI tells the organizer (docs/privacy.md says more).
NOT_ERASED = (
    "Google Forms keeps its own copy of each response: in each form, open Responses → "
    "Individual, find theirs and delete it (the bin icon).",
    "The spreadsheet's version history (File → Version history) still shows older versions "
    "with their data: Google keeps them, and Sheets cannot delete them one by one.",
    "Emails already sent (digests that named them) stay in their recipients' mailboxes.",
    "Copies made outside sheetsync: downloads, exports, printouts, backups of the workbook, "
    "log files given with --log-file, and notes typed about them in other rows (search the "
    "sheet for their name: Edit → Find and replace).",
)

__all__ = [
    "FORGOTTEN",
    "NOT_ERASED",
    "Forgotten",
    "RowCleared",
    "UnknownPersonError",
    "forget_person",
]


@dataclass
class Forgotten:
    """What forgetting a person cleared (or, in a dry run, would clear). Rows are named by
    tab, row and id: never by the person's name or contact."""

    person_id: str  # the person kept (the id given may be one of their linked rows')
    linked: list[str]  # their other People rows' ids
    rows: list[RowCleared] = field(default_factory=list)
    files_removed: int = 0  # outbox files naming them
    lines_removed: int = 0  # lines of the send journal and the scheduled log naming them
    dry_run: bool = False
    backups_removed: int = 0  # copies of the local workbook kept before writes (all hold them)

    @property
    def cells_by_tab(self) -> dict[str, int]:
        cells: dict[str, int] = {}
        for row in self.rows:
            cells[row.tab] = cells.get(row.tab, 0) + row.cells
        return cells

    @property
    def nothing_left(self) -> bool:
        return not (self.rows or self.files_removed or self.lines_removed)

    def to_dict(self) -> dict[str, Any]:
        """As `sheetsync forget --json` prints it."""
        return {**asdict(self), "cells_by_tab": self.cells_by_tab, "not_erased": list(NOT_ERASED)}


def forget_person(
    backend: Backend, config: Config, person_id: str, *, dry_run: bool = False
) -> Forgotten:
    """Empty every cell and remove every file of sheetsync's that holds the person's data
    (a dry run only says which). Raises UnknownPersonError for an id not on People."""
    if dry_run:
        person, cells = _read(backend, config, person_id)
        files = remove_files(config, person.traces, dry_run=True)
        kept = _backups(config, dry_run=True)
        return Forgotten(
            person.ids[0], person.ids[1:], cells.rows, *files, dry_run=True, backups_removed=kept
        )
    with NetworkLock(config, f"forget {person_id}"):
        person, cells = _read(backend, config, person_id)
        # Files first: should the write below fail, the sheet still names them for a rerun.
        files = remove_files(config, person.traces, dry_run=False)
        try:
            _write(backend, cells)
        except SheetChangedError:
            person, cells = _read(backend, config, person_id)  # edited meanwhile: once more
            try:
                _write(backend, cells)
            except SheetChangedError as err:
                raise SheetChangedError(
                    f"{err} It changed again after sheetsync read it a second time, so "
                    f"nothing was written. Run `sheetsync forget {person_id}` again when "
                    "editing has calmed down."
                ) from err
        # After the write, which kept one more copy naming them.
        kept = _backups(config, dry_run=False)
        return Forgotten(person.ids[0], person.ids[1:], cells.rows, *files, backups_removed=kept)


def _backups(config: Config, *, dry_run: bool) -> int:
    """The local workbook's backups (docs/backups.md) removed, or counted in a dry run."""
    if config.backend != BackendKind.LOCAL or config.workbook is None:
        return 0
    return len(backups(config.workbook)) if dry_run else remove_backups(config.workbook)


def _read(backend: Backend, config: Config, person_id: str) -> tuple[Person, Cells]:
    """The person and their cells, from a fresh read of the whole sheet."""
    state = read_state(backend, config, keep_cells=True)
    person = find_person(state, person_id, config.default_region)
    return person, plan_cells(state, person)


def _write(backend: Backend, cells: Cells) -> None:
    if cells.changes:
        backend.apply(list(cells.changes.values()))
