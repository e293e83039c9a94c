"""The Changes tab: what the last runs changed, cell by cell, newest run first, so that a
run can be undone (undo.py, docs/undo.md).

The record is built from the run report's CellChanges, the data the dry run lists, so what
a dry run shows and what the Changes tab records are one and the same. A changed cell is
one row (tab, key, column, old, new). Rows a run appends are not copied cell by cell (a
first run on a large network appends ~100,000 rows: that would double its write): they
are one row per tab and up to ROWS_PER_RECORD rows, keyed by the first and last id, whose
hidden `rows` cell holds each row's id and a check of what was written (fingerprint), so
undo blanks only the rows nobody edited since.

TabChanges cannot delete a row, so the whole tab is rewritten in place on each run that
changes something: the how-to row, this run's records, then the kept runs' (keep_runs in
all), and the rows left over below are blanked. Every cell of the tab is sheetsync's.

The how-to row and a rows-added record's count are in the network's language
(translation.tab_language); what undo reads back is not: the run id, the tab, the key
(a keyless row's "row 12" too), the column, the kind (a closed value, as a status is), the
old and new values and the hidden `rows` cell. So undo reads a tab written in any language,
or in several after the language changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from enum import StrEnum

from sheetsync.backends.base import CellUpdate, Condition, TabChanges, Value
from sheetsync.normalize import cell_text
from sheetsync.report import TabReport
from sheetsync.tables import Table, appended, records_of, to_cell
from sheetsync.translation import gettext_noop, ngettext_noop, translate, translate_plural

HOW_TO_UNDO = gettext_noop(
    "How to undo a run: run `sheetsync undo` to put back the old values of the newest run "
    "below (`sheetsync undo --run RUN_ID` for another, `--dry-run` to see first). A cell "
    "changed since the run is left as it is, and listed. Newest run first; sheetsync "
    "rewrites this tab on every run that changes something."
)
# A rows-added record's `new` cell: what the run did, for the eye (undo reads `rows`).
ROWS_ADDED = ngettext_noop("%(count)s row added", "%(count)s rows added")
ROWS_PER_RECORD = 1000  # rows added, per record: their ids and checks fit one cell
ROWS_TEXT_MAX = 30_000  # characters of the hidden `rows` cell (Excel holds 32,767)


class ChangeKind(StrEnum):
    """What one record of the Changes tab stands for."""

    CHANGED = "changed"  # one cell: old → new
    ROWS_ADDED = "rows added"  # rows the run appended (their ids and checks in `rows`)
    ROW_REMOVED = "row removed"  # a row an undo blanked (its cells in `rows`, as JSON)


@dataclass(frozen=True)
class Record:
    """One row of the Changes tab, as text."""

    run_id: str
    tab: str
    key: str
    column: str
    kind: str
    old: str = ""
    new: str = ""
    rows: str = ""

    def by_field(self) -> dict[str, str]:
        return {f.name: value for f, value in zip(fields(self), astuple(self), strict=True)}


def fingerprint(values: Iterable[str]) -> str:
    """A short check of a row's cells as text (stripped): tells a row edited since."""
    text = "\x1f".join(v.strip() for v in values)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def row_texts(table: Table, row: Sequence[str]) -> list[str]:
    """A row in tab column order, as its schema fields' texts in schema order."""
    return [row[i] if i < len(row) else "" for i in (table.columns[n] for n in table.schema.names)]


def _texts_at(row: Sequence[str], at: Sequence[int]) -> list[str]:
    """row_texts, the columns' places found once for all of a tab's rows."""
    width = len(row)
    return [row[i] if i < width else "" for i in at]


# Tabs the Changes record leaves out: the record itself, the Run log (a line per run) and
# the Fingerprints (a settled run, which changed nothing, is not the run undo reverts).
NOT_RECORDED = ("changes", "run_log", "fingerprints")


def run_records(
    run_id: str, tabs: Sequence[TabReport], tables: Mapping[str, Table], language: str
) -> list[Record]:
    """The records of a run's changes: one per changed cell, and the rows it added in
    chunks. `tables` are the run's tabs by title (the Run log and Changes are left out:
    they are the record itself); `language` the tab's."""
    records: list[Record] = []
    for tab in tabs:
        table = tables.get(tab.tab)
        if table is None:
            continue
        key = table.schema.primary_key
        # A row is found again by what it holds after the run: a tab laid out anew (the
        # Summary) moves its keys between rows, or empties a row's key.
        after = {c.row: c.new.strip() for c in tab.changed if key and c.column == key}
        records += [
            Record(
                run_id,
                tab.tab,
                after.get(c.row, c.key) or f"row {c.row}",
                c.column,
                ChangeKind.CHANGED,
                c.old,
                c.new,
            )
            for c in tab.changed
        ]
        at = [table.columns[n] for n in table.schema.names]
        checks = [(key, fingerprint(_texts_at(row, at))) for key, row in _added(tab)]
        records += added_records(run_id, tab.tab, checks, language)
    return records


def _added(tab: TabReport) -> list[tuple[str, list[str]]]:
    """The rows a tab report adds, with their ids."""
    return list(zip(tab.added_ids, tab.added, strict=False))


def added_records(
    run_id: str, tab: str, checks: Sequence[tuple[str, str]], language: str
) -> list[Record]:
    """Rows added, as few records as fit: `rows` holds a line "id:check" per row (ids may
    hold spaces: a Summary metric's does); their count said in `language`."""
    records: list[Record] = []
    chunk: list[tuple[str, str]] = []
    size = 0
    for key, check in checks:
        if chunk and (len(chunk) == ROWS_PER_RECORD or size + len(key) + 10 > ROWS_TEXT_MAX):
            records.append(_chunk_record(run_id, tab, chunk, language))
            chunk, size = [], 0
        chunk.append((key, check))
        size += len(key) + 10
    if chunk:
        records.append(_chunk_record(run_id, tab, chunk, language))
    return records


def _chunk_record(run_id: str, tab: str, chunk: list[tuple[str, str]], language: str) -> Record:
    first, last = chunk[0][0], chunk[-1][0]
    key = first if len(chunk) == 1 else f"{first}–{last}"
    # The count in plain digits, as the tab has always written it (up to ROWS_PER_RECORD).
    count = translate_plural(language, *ROWS_ADDED, len(chunk), count=str(len(chunk)))
    rows = "\n".join(f"{k}:{check}" for k, check in chunk)
    return Record(run_id, tab, key, "", ChangeKind.ROWS_ADDED, "", count, rows)


def added_checks(record: Record) -> list[tuple[str, str]]:
    """A rows-added record's (id, check) pairs."""
    pairs = []
    for line in record.rows.splitlines():
        key, _, check = line.rpartition(":")
        if key:
            pairs.append((key, check))
    return pairs


def removed_record(run_id: str, tab: str, key: str, cells: Mapping[str, str]) -> Record:
    """A row an undo blanks, with its cells so that undoing the undo can put it back (not
    when they would not fit one cell: that row cannot be put back)."""
    kept = {name: text for name, text in cells.items() if text}
    text = json.dumps(kept, ensure_ascii=False)
    return Record(
        run_id,
        tab,
        key,
        "",
        ChangeKind.ROW_REMOVED,
        "",
        "",
        text if len(text) <= ROWS_TEXT_MAX else "",
    )


def removed_cells(record: Record) -> dict[str, str] | None:
    """A row-removed record's cells by field, None when they were not kept."""
    try:
        cells = json.loads(record.rows) if record.rows else None
    except ValueError:
        return None
    if not isinstance(cells, dict):
        return None
    return {str(k): str(v) for k, v in cells.items()}


def read_records(table: Table) -> list[Record]:
    """The Changes tab's records as read, newest run first (the how-to row left out)."""
    records = []
    for row in records_of(table.frame):
        if cell_text(row.get("kind")).strip() and cell_text(row.get("run_id")).strip():
            records.append(Record(**{f.name: cell_text(row.get(f.name)) for f in fields(Record)}))
    return records


def run_ids(records: Sequence[Record]) -> list[str]:
    """The runs recorded, newest first."""
    return list(dict.fromkeys(r.run_id for r in records))


def record_changes(
    table: Table, new: Sequence[Record], keep_runs: int, language: str
) -> TabChanges:
    """The write that puts a run's records on top of the Changes tab, keeping the newest
    `keep_runs` runs in all: the tab is rewritten in place, rows left over blanked. The
    how-to row is written in `language`; the kept records stay as they were written."""
    old = read_records(table)
    kept_ids = run_ids(old)[: max(0, keep_runs - 1)]
    kept = [r for r in old if r.run_id in kept_ids]
    lines = [_how_to_row(table, language), *(_cells(table, r) for r in [*new, *kept])]
    change = appended(table, [])
    if not table.exists or table.n_rows == 0:
        change.append.extend(lines)
        return change
    # Cell updates at fixed rows, also below the tab's end, rather than appended rows, each
    # on the condition that the cell holds what was read: a write resent after Google lost
    # its answer finds them written and leaves them out, where appended rows would go in
    # twice.
    width = len(table.header)
    present = _present_rows(table)
    for number in range(2, max(len(lines), len(present)) + 2):
        line = lines[number - 2] if number - 2 < len(lines) else [None] * width
        held = present[number - 2] if number - 2 < len(present) else [""] * width
        for col in range(width):
            if cell_text(line[col]) != held[col]:
                change.update.append(CellUpdate(number, col + 1, line[col] or ""))
                change.expect.append(Condition(number, col + 1, held[col]))
    return change


def _present_rows(table: Table) -> list[list[str]]:
    """The tab's rows (from row 2) as text in column order, the schema's columns only
    (others are blank here: an organizer's column next to the record is left alone)."""
    width = len(table.header)
    by_column = {i: n for n, i in table.columns.items()}
    rows = []
    for record in records_of(table.frame):
        rows.append(
            [cell_text(record[by_column[c]]) if c in by_column else "" for c in range(width)]
        )
    return rows


def _how_to_row(table: Table, language: str) -> list[Value]:
    first = table.columns["run_id"]
    how_to = translate(language, HOW_TO_UNDO)
    return [how_to if i == first else None for i in range(len(table.header))]


def _cells(table: Table, record: Record) -> list[Value]:
    """A record in the tab's column order; columns the schema does not name stay as they
    are (None: written empty only where the tab is new)."""
    values = record.by_field()
    specs = {f.name: f for f in table.schema.fields}
    by_column = {i: n for n, i in table.columns.items()}
    return [
        to_cell(specs[by_column[i]], values[by_column[i]]) if i in by_column else None
        for i in range(len(table.header))
    ]
