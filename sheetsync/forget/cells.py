"""Which cells forgetting a person empties, tab by tab, as one set of changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.backends.base import CellUpdate, Guard, TabChanges, TabData, Value, guard_text
from sheetsync.changes import ChangeKind
from sheetsync.forget.person import Person
from sheetsync.normalize import cell_text
from sheetsync.run_log import DIGEST_JOB
from sheetsync.state import State
from sheetsync.statuses import CHECK_FORMS, LIVE, ErrorStatus, NeedStatus, TaskStatus, task_status
from sheetsync.tables import ROW, Table, records_of

FORGOTTEN = "forgotten"  # written in People's do_not_contact: nobody contacts them again

# Rows wholly about the person are emptied but for these columns: the ids other rows point
# to, and what the network's figures count (a need's category, dates and escalations, an
# error's form).
KEEP = {
    "people": ("person_id",),
    "load": ("person_id",),
    "needs": (
        "need_id",
        "person_id",
        "category",
        "urgency",
        "status",
        "duplicate_of",
        "opened",
        "updated",
        "escalated",
        "escalated_at",
        "confirmed",  # how they were told: nothing personal, and never told again
    ),
    # A call: its id, why and when, and whether it was made; not whom, nor what to say.
    "call_list": ("call_id", "reason", "person_id", "need_id", "task_id", "added", "called"),
    "errors": ("error_id", "form", "first_seen", "status"),
}

Marks = Callable[[Mapping[str, Any]], dict[str, str]]


@dataclass
class RowCleared:
    """One row forget empties: where it is, its id, and the cells it empties or marks."""

    tab: str
    row: int
    id: str  # the row's id; for a form response, its tab and row ("Form Responses 1:17")
    cleared: list[str]  # the headers of the cells emptied
    marked: dict[str, str] = field(default_factory=dict)  # header -> the word written

    @property
    def cells(self) -> int:
        return len(self.cleared) + len(self.marked)


class Cells:
    """The cells to write, one TabChanges per tab, and the rows they empty."""

    def __init__(self, data: dict[str, TabData]) -> None:
        self.data = data
        self.changes: dict[str, TabChanges] = {}
        self.rows: list[RowCleared] = []

    def empty_response(self, tab: str, row: int, ref: str) -> None:
        """Every cell of a form response (a filled cell guards it against a moved row)."""
        filled = [c for c, value in enumerate(self._cells(tab, row)) if cell_text(value)]
        if filled:
            self._row(tab, row, ref, filled, {}, guard=filled[0])

    def empty(
        self,
        table: Table,
        records: Iterable[Mapping[str, Any]],
        *,
        keep: Iterable[str] = (),
        only: Iterable[str] = (),
        marks: Marks | None = None,
    ) -> None:
        """Empty records' cells: every column but `keep` (columns organizers added too), or
        only the columns `only`; then write the words `marks` gives for the record."""
        data = self.data[table.tab]
        width = max([len(table.header), *(len(r) for r in data.rows)])
        kept = {table.columns[name] for name in keep}
        columns = [table.columns[n] for n in only] or [c for c in range(width) if c not in kept]
        key = table.schema.primary_key or ""
        for record in records:
            # A mark is written in the tab's language; a cell already saying it (a status
            # in any language) keeps what was typed there.
            said = marks(record) if marks else {}
            row = int(record[ROW])
            words = {
                n: table.as_typed(row, n, w) if record.get(n) == w else table.written(n, w)
                for n, w in said.items()
            }
            self._row(
                table.tab,
                int(record[ROW]),
                str(record.get(key, "")),
                columns,
                {table.columns[name]: word for name, word in words.items()},
                guard=table.columns.get(key),
            )

    def _cells(self, tab: str, row: int) -> list[Value]:
        rows = self.data[tab].rows
        return rows[row - 1] if 0 < row <= len(rows) else []

    def _row(
        self,
        tab: str,
        row: int,
        row_id: str,
        columns: list[int],
        marks: dict[int, str],
        guard: int | None,
    ) -> None:
        cells = self._cells(tab, row)
        width = max([len(cells), *columns, *marks]) + 1
        texts = [cell_text(value) for value in cells] + [""] * (width - len(cells))
        emptied = [c for c in columns if c not in marks and texts[c]]
        marked = {c: word for c, word in marks.items() if texts[c] != word}
        if not emptied and not marked:
            return
        data = self.data[tab]
        change = self.changes.setdefault(tab, TabChanges(tab=tab, start_row=len(data.rows) + 1))
        change.update += [CellUpdate(row, c + 1, "") for c in emptied]
        change.update += [CellUpdate(row, c + 1, word) for c, word in marked.items()]
        if guard is not None:  # the write is refused if the row moved since this read
            change.guards.append(Guard(row, guard + 1, guard_text(_at(cells, guard))))
        title = _titles(data)
        self.rows.append(
            RowCleared(
                tab,
                row,
                row_id,
                [title(c) for c in emptied],
                {title(c): word for c, word in marked.items()},
            )
        )


def _at(cells: list[Value], col: int) -> Value:
    return cells[col] if col < len(cells) else None


def _titles(data: TabData) -> Callable[[int], str]:
    """A column's header, for telling what was emptied (a column without one by number)."""
    header = [cell_text(h).strip() for h in data.header]
    return lambda c: header[c] if c < len(header) and header[c] else f"column {c + 1}"


def plan_cells(state: State, person: Person) -> Cells:
    """Every cell of the sheet to empty (or mark) to forget the person."""
    cells = Cells(state.data)
    parts = (_responses, _people, _needs, _tasks, _calls, _load, _pairs, _errors, _sent, _summary)
    for part in parts:
        part(cells, state, person)
    _changes(cells, state, person)  # last: it looks for the rows the parts above empty
    return cells


def _responses(cells: Cells, state: State, person: Person) -> None:
    """Their form responses, every cell: the next run reads each as a blank row."""
    for table in state.forms.values():
        for row in table.frame.index:
            ref = table.ref(int(row))
            if ref in person.responses:
                cells.empty_response(table.tab, int(row), ref)


def _people(cells: Cells, state: State, person: Person) -> None:
    """Their People rows but the id, marked do-not-contact: with no source, intake never
    recomputes them, and dedupe finds nothing to link them by."""
    cells.empty(state.tables["people"], person.rows, keep=KEEP["people"], marks=_forgotten)


def _forgotten(record: Mapping[str, Any]) -> dict[str, str]:
    return {"do_not_contact": FORGOTTEN}


def _needs(cells: Cells, state: State, person: Person) -> None:
    """Their needs' story, place and times to reach them; matching stops: each is withdrawn
    unless met (a repeat too, or dedupe would reopen it once its first is withdrawn)."""

    def withdrawn(need: Mapping[str, Any]) -> dict[str, str]:
        return {} if need["status"] == NeedStatus.MET else {"status": NeedStatus.WITHDRAWN.value}

    cells.empty(state.tables["needs"], person.needs, keep=KEEP["needs"], marks=withdrawn)


def _tasks(cells: Cells, state: State, person: Person) -> None:
    """Tasks for their needs or with them as a volunteer: the reasons (they describe both
    people) and notes; one still proposed or accepted (or typed otherwise) is cancelled."""
    tasks = _their_tasks(state, person)

    def cancelled(task: Mapping[str, Any]) -> dict[str, str]:
        status = task_status(task["status"])
        live = status is None or status in LIVE
        return {"status": TaskStatus.CANCELLED.value} if live else {}

    cells.empty(state.tables["tasks"], tasks, only=("reasons", "notes"), marks=cancelled)


def _their_tasks(state: State, person: Person) -> list[dict[str, Any]]:
    """Tasks for their needs or with them as a volunteer."""
    needs = {n["need_id"] for n in person.needs if n["need_id"]}
    ids = set(person.ids)
    return [
        t
        for t in records_of(state.tables["tasks"].frame)
        if t["need_id"] in needs or ids & {t["volunteer_id"], t["co_volunteer_id"]}
    ]


def _calls(cells: Cells, state: State, person: Person) -> None:
    """Their Call list rows: name, phone, the script (it says what they asked for) and the
    outcome; a row stays, so that the call is never added again."""
    table = state.tables["call_list"]
    rows = [r for r in records_of(table.frame) if r["person_id"] in person.ids]
    cells.empty(table, rows, keep=KEEP["call_list"])


def _load(cells: Cells, state: State, person: Person) -> None:
    table = state.tables["load"]
    rows = [r for r in records_of(table.frame) if r["person_id"] in person.ids]
    cells.empty(table, rows, keep=KEEP["load"])


def _pairs(cells: Cells, state: State, person: Person) -> None:
    """Duplicates pairs with them: their side's name, the evidence (it quotes both names)
    and the notes; the other person's side stays."""
    table = state.tables["duplicates"]
    for pair in records_of(table.frame):
        sides = [
            n for n, p in (("name_a", "person_a"), ("name_b", "person_b")) if pair[p] in person.ids
        ]
        if sides:
            cells.empty(table, [pair], only=(*sides, "evidence", "notes"))


def _errors(cells: Cells, state: State, person: Person) -> None:
    """The Errors rows of their responses, resolved: a blank row has nothing to fix. And
    the reason of the end of run check's rows (and organizer column rows) about their
    rows, or naming them: it may quote what was typed about them, and the organizers'
    digest sends it. The row itself stays: the next run resolves it, or opens it again."""
    table = state.tables["errors"]
    records = records_of(table.frame)
    rows = [e for e in records if e["source"] in person.responses]
    cells.empty(table, rows, keep=KEEP["errors"], marks=_resolved)
    theirs = _their_ids(state, person)
    checks = [
        e
        for e in records
        if e["form"] in CHECK_FORMS
        and (_source_id(e["source"]) in theirs or person.traces.in_text(e["reason"]))
    ]
    cells.empty(table, checks, only=("reason",))


def _their_ids(state: State, person: Person) -> set[str]:
    """The ids of their People rows, their needs, and the tasks for those or with them."""
    needs = {n["need_id"] for n in person.needs if n["need_id"]}
    return set(person.ids) | needs | {t["task_id"] for t in _their_tasks(state, person)}


def _source_id(source: str) -> str:
    """The id an end of run check row's source names: "Tasks:T0007" -> "T0007"."""
    return source.rpartition(":")[2].strip()


def _resolved(record: Mapping[str, Any]) -> dict[str, str]:
    return {"status": ErrorStatus.RESOLVED.value}


def _sent(cells: Cells, state: State, person: Person) -> None:
    """The send log's rows of digests sent to them: the recipient, and the message (where
    it went: an outbox file name may hold their name and address)."""
    traces = person.traces
    table = state.tables["run_log"]
    rows = [
        r
        for r in records_of(table.frame)
        if r["job"] == DIGEST_JOB
        and (traces.has_address(r["changes"]) or traces.in_text(r["message"]))
    ]
    cells.empty(table, rows, only=("changes", "message"))


def _summary(cells: Cells, state: State, person: Person) -> None:
    """Summary notes naming them (the busiest volunteers); the next run writes them anew."""
    table = state.tables["summary"]
    rows = [r for r in records_of(table.frame) if person.traces.in_text(r["note"])]
    cells.empty(table, rows, only=("note",))


def _changes(cells: Cells, state: State, person: Person) -> None:
    """The Changes tab's record of their cells (old and new values) and of their rows an
    undo blanked (kept to put them back): of every row emptied above, and any other record
    whose values name them. Rows added are recorded by id and check only: they stay."""
    table = state.tables["changes"]
    if not table.exists or table.tab not in cells.data:
        return
    touched = {(row.tab, row.id) for row in cells.rows if row.id}
    traces = person.traces
    rows = [
        r
        for r in records_of(table.frame)
        if r["kind"] != ChangeKind.ROWS_ADDED  # ids and checks: nothing of theirs
        and (
            (r["tab"], r["key"]) in touched
            or traces.in_text(r["old"] + " " + r["new"])
            or (r["kind"] == ChangeKind.ROW_REMOVED and traces.in_text(r["rows"]))
        )
    ]
    cells.empty(table, rows, only=("old", "new", "rows"))
