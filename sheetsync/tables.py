"""Tabs as DataFrames keyed by field name, and the diff that turns new frames into changes.

Ownership is enforced here, once, for every step: an existing row only ever gets cells of
sheetsync-owned columns rewritten; organizer columns are written only when a row is added,
but for a value the schema lets sheetsync write (`sheetsync_writes`, e.g. a proposal it
withdraws), which is written only if the cell still holds what was read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from sheetsync.backends.base import CellUpdate, Condition, Guard, TabChanges, TabData, Value
from sheetsync.config import FormConfig
from sheetsync.errors import ConfigError, MissingColumnError
from sheetsync.form_languages import ENGLISH, FormWords, form_words
from sheetsync.normalize import (
    ISO_DATE_TEXT,
    Cleaned,
    cell_text,
    clean_text,
    date_cell_text,
    response_place,
    storable,
)
from sheetsync.report import CellChange, Issue, IssueCode, Severity, TabReport
from sheetsync.schema import FieldSpec, FieldType, Owner, TableSchema
from sheetsync.status_words import is_worded, read_word, written_word
from sheetsync.translation import translate, translate_plural

ROW = "_row"  # column of a tab frame: the sheet row a record sits on; 0 for a new record


@dataclass
class FormTable:
    """A form's response tab: raw cells by field name, indexed by sheet row number."""

    form: str
    tab: str
    schema: TableSchema
    frame: pd.DataFrame
    titles: dict[str, str]  # field name -> the header it was read from
    blank_rows: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    ref_tab: str = ""  # the tab's name in sheetsync.toml: refs survive "Form responses 1"
    last_row: int = 1  # the last sheet row holding anything
    cleaned: list[Issue] = field(default_factory=list)  # answers read without what a sheet refuses
    words: FormWords | None = None  # its words in the network's languages (answers read back)
    header: tuple[str, ...] = ()  # the header row as read; () for a tab not there yet
    # A question read from a column per language (or two of one title): the header each
    # row's answer was read from, so a message names the question as that person saw it.
    answered_in: dict[str, pd.Series] = field(default_factory=dict)

    def ref(self, row: int) -> str:
        """How records name a response: "Form Responses 1:17"."""
        return f"{self.ref_tab or self.tab}:{row}"

    def where(self, row: int) -> str:
        """Where a response is, for a person: "Form Responses 1, row 17"."""
        return response_place(self.ref_tab or self.tab, row)

    def title(self, name: str, row: int) -> str:
        """The header of the column a row answered a question in (`titles` when one)."""
        headers = self.answered_in.get(name)
        if headers is not None and row in headers.index:
            return str(headers[row])
        return self.titles.get(name, name)


T = TypeVar("T")


@dataclass
class Table:
    """One of sheetsync's tabs: text cells by field name, with `_row` for the sheet row."""

    schema: TableSchema
    tab: str
    header: list[str]
    columns: dict[str, int]  # field name -> 0-based column
    frame: pd.DataFrame
    n_rows: int  # rows read, header included: the last sheet row holding anything
    exists: bool = True
    # (sheet row, field) of sheetsync's date cells that hold their date as text (as earlier
    # versions wrote them): written once more, as a date, by the next run.
    text_dates: set[tuple[int, str]] = field(default_factory=set)
    # The language sheetsync writes status words in (status_words.py): the network's.
    language: str = ENGLISH
    # (sheet row, field) -> the text of a status cell as typed, where the frame holds its
    # canonical status instead ("Hecho" read as done): what a Condition expects there.
    typed: dict[tuple[int, str], str] = field(default_factory=dict)

    def written(self, name: str, value: str) -> str:
        """The text sheetsync writes for a field's value: a status in the tab's language."""
        column = (self.schema.name, name)
        return written_word(column, value, self.language) if is_worded(column) else value

    def as_typed(self, row: int, name: str, text: str) -> str:
        """A cell's text as it is on the sheet (`text`: as the frame holds it)."""
        return self.typed.get((row, name), text)

    def typed_frame(self) -> pd.DataFrame:
        """The frame with each status cell as typed, not read: for what compares cells with
        what was written (undo's checks)."""
        if not self.typed:
            return self.frame
        frame = self.frame.copy()
        at = {row: i for i, row in enumerate(frame[ROW].tolist())}
        columns = {str(name): i for i, name in enumerate(frame.columns)}
        for (row, name), text in self.typed.items():
            frame.iat[at[row], columns[name]] = text
        return frame


def _grid(rows: list[list[Value]], width: int) -> list[list[Value]]:
    return [r[:width] + [""] * (width - len(r)) for r in rows]


def read_form(
    data: TabData, schema: TableSchema, form: FormConfig, name: str, language: str = ENGLISH
) -> FormTable:
    """Map a response tab's headers to the form schema; fail before anything is written.
    `language`: the organizers' (translation.tab_language), for the notes on answers
    cleaned, which the Errors tab shows."""
    if not data.rows:
        raise MissingColumnError(
            f"Tab '{data.name}' is empty: it has no header row yet. Link the form to this "
            "spreadsheet (in the form: Responses → Link to Sheets), or run `sheetsync init` "
            "to write the headers."
        )
    _check_column_map(schema, form, name)
    words = form_words(schema.name, form.languages)
    headers = [cell_text(h) for h in data.header]
    positions, titles = _locate_fields(headers, schema, form, name, data.name, words)
    body = _grid(data.rows[1:], len(headers))
    frame = pd.DataFrame(body, columns=range(len(headers)), dtype=object)
    frame.index = pd.RangeIndex(2, 2 + len(body))
    out, notices = _answers(frame, schema, positions, headers, data.name)
    blank = blank_mask(frame)
    blank_rows = [int(r) for r in frame.index[blank]]
    answered_in = _answered_in(frame[~blank], positions, headers)
    answers, cleaned = _clean_answers(out[~blank], titles, data.name, answered_in, language)
    answers = _canonical_answers(answers, schema, words)
    return FormTable(
        form=name,
        tab=data.name,
        schema=schema,
        frame=answers,
        cleaned=cleaned,
        titles=titles,
        blank_rows=blank_rows,
        notices=notices,
        ref_tab=form.tab,
        last_row=len(data.rows),
        words=words,
        header=tuple(headers),
        answered_in=answered_in,
    )


def blank_mask(frame: pd.DataFrame) -> pd.Series:
    """Whether each row's cells are all empty (as text, spaces aside). A row stops at its
    first answer (a response's Timestamp, mostly): not every cell is turned into text."""
    if len(frame.columns) == 0:
        return pd.Series(True, index=frame.index, dtype=bool)
    columns = [frame[c].tolist() for c in frame.columns]
    blank = [all(not cell_text(v).strip() for v in row) for row in zip(*columns, strict=True)]
    return pd.Series(blank, index=frame.index, dtype=bool)


def _check_column_map(schema: TableSchema, form: FormConfig, name: str) -> None:
    """[forms.NAME.columns] may only map the form's fields: a typo would go unread."""
    unknown = sorted(set(form.columns) - set(schema.names))
    if unknown:
        close = difflib.get_close_matches(unknown[0], schema.names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"[forms.{name}.columns] maps {unknown[0]!r}, which is not a question sheetsync "
            f"reads.{hint} The fields are: {', '.join(schema.names)}."
        )


def _locate_fields(
    headers: list[str],
    schema: TableSchema,
    form: FormConfig,
    name: str,
    tab: str,
    words: FormWords,
) -> tuple[dict[str, list[int]], dict[str, str]]:
    """The columns each field is read from (field -> 0-based columns, first first) and the
    header found for it. A field mapped to "" is not asked by this form: it has neither.

    Without a mapping, a question is found by its title in any of the form's languages
    ([forms] languages). A form translated by renaming its questions keeps its columns
    (Google renames the header); one translated by adding questions in the new language
    gets a second column per question beside the old one, which keeps the earlier
    answers: the two are read as one, the first answer given, like two columns of one
    title."""
    positions: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for spec in schema.fields:
        alias = form.columns.get(spec.name)
        if alias == "":
            if spec.required:
                raise ConfigError(
                    f"[forms.{name}.columns] maps {spec.name} to \"\", but '{spec.title}' is "
                    "required: map it to the question that asks it."
                )
            continue
        wanted = [alias] if alias is not None else list(words.titles[spec.name])
        found = sorted({i for title in wanted for i in _columns_titled(headers, title)})
        if not found and spec.optional_question and alias is None:
            continue  # an older form that does not ask it: read as unanswered
        if not found:
            raise _missing_column(
                tab, wanted[0], headers, f"forms.{name}.columns", spec, also=wanted[1:]
            )
        positions[spec.name] = found
        titles[spec.name] = headers[found[0]]
    return positions, titles


def _columns_titled(headers: list[str], wanted: str) -> list[int]:
    """The columns headed `wanted`; failing that, those headed it but for spaces and case."""
    found = [i for i, h in enumerate(headers) if h == wanted]
    if not found:  # Forms keep trailing spaces and editors change case: match loosely.
        key = wanted.strip().casefold()
        found = [i for i, h in enumerate(headers) if h.strip().casefold() == key]
    return found


def _answers(
    frame: pd.DataFrame,
    schema: TableSchema,
    positions: dict[str, list[int]],
    headers: list[str],
    tab: str,
) -> tuple[pd.DataFrame, list[str]]:
    """Each field's answers by field name ("" where the form does not ask it), and a notice
    for each field read from more than one column of one title."""
    notices = []
    out = pd.DataFrame(index=frame.index)
    for spec in schema.fields:
        cols = positions.get(spec.name)
        if cols is None:
            out[spec.name] = ""
            continue
        values = frame[cols[0]]
        for extra in cols[1:]:
            # Two questions with one title give two identical headers, a form translated by
            # adding its questions anew a column per language: use the first answer.
            values = values.where(values.map(cell_text).str.strip() != "", frame[extra])
        title, same = _most_repeated([headers[c] for c in cols])
        if same > 1:  # the columns of a translation are expected; a repeated title is not
            notices.append(
                f"Tab '{tab}' has {same} columns titled '{title}'; "
                f"sheetsync uses the first answer given. Rename one question to tell them apart."
            )
        out[spec.name] = values
    return out, notices


def _most_repeated(headers: list[str]) -> tuple[str, int]:
    """The header (as first written) that most of the columns share, and how many do."""
    keys = [h.strip().casefold() for h in headers]
    best = max(range(len(keys)), key=lambda i: keys.count(keys[i]))
    return headers[best], keys.count(keys[best])


def _canonical_answers(frame: pd.DataFrame, schema: TableSchema, words: FormWords) -> pd.DataFrame:
    """Answers written in any of the form's languages, as the schema's options: "Comida,
    Transporte" is "Groceries, Rides". An answer in none stays as written (validation
    refuses it, naming the languages). A form in English alone is left as it is."""
    if words.english_only or frame.empty:
        return frame
    out = frame.copy()
    for spec in schema.fields:
        if spec.name not in words.answers:
            continue
        column = out[spec.name]
        texts = column.map(lambda v: isinstance(v, str) and v.strip() != "")
        if not texts.any():
            continue
        read = {v: words.canonical(spec, v) for v in set(column[texts].tolist())}
        out.loc[texts, spec.name] = column[texts].map(read)
    return out


def _answered_in(
    frame: pd.DataFrame, positions: dict[str, list[int]], headers: list[str]
) -> dict[str, pd.Series]:
    """For each question read from more than one column: the header of the column each row
    answered it in (the first answer given, as `_answers` reads it). A row that left it
    empty gets the column of the version of the form it answered most questions in: the
    language it read the form in, so "'Barrio' is empty" is said to a Spanish answer."""
    several = {name: cols for name, cols in positions.items() if len(cols) > 1}
    if not several or frame.empty:
        return {}
    # Per question and row: which of its columns (0, 1, …) holds the answer; -1 if none.
    used = pd.DataFrame(index=frame.index)
    for name, cols in several.items():
        filled = pd.DataFrame(
            {k: frame[c].map(cell_text).str.strip() != "" for k, c in enumerate(cols)}
        )
        used[name] = filled.idxmax(axis=1).where(filled.any(axis=1), -1)
    answered = used.where(used >= 0)
    version = answered.mode(axis=1)[0].fillna(0) if answered.notna().any().any() else 0
    found = {}
    for name, cols in several.items():
        k = used[name].where(used[name] >= 0, version).clip(upper=len(cols) - 1).astype(int)
        found[name] = k.map(lambda i, cols=cols: headers[cols[i]])
    return found


def _clean_answers(
    frame: pd.DataFrame,
    titles: dict[str, str],
    tab: str,
    answered_in: Mapping[str, pd.Series] | None = None,
    language: str = ENGLISH,
) -> tuple[pd.DataFrame, list[Issue]]:
    """The answers without characters a workbook refuses (control characters, broken
    surrogates), and a warning for each answer cleaned: one such cell would otherwise stop
    every run at the write. The response tab itself is never changed. The warning names the
    question as the row's column is headed, in the organizers' language."""
    notes: list[Issue] = []
    out = frame.copy()
    for name in frame.columns:
        column = frame[name]
        # Only text can hold them; numbers and dates the backend read as such cannot. A
        # column is searched in one go first: nearly every column has none.
        if storable("\n".join(v for v in column.tolist() if isinstance(v, str))):
            continue
        texts = column[column.map(lambda v: isinstance(v, str) and not storable(v))]
        if texts.empty:
            continue
        cleaned = texts.map(clean_text)
        out.loc[texts.index, name] = cleaned.map(lambda c: c.text)
        changed = cleaned[cleaned.map(bool)]
        headers = (answered_in or {}).get(str(name))
        title = titles.get(str(name), str(name))
        notes.extend(
            Issue(
                tab=tab,
                row=int(row),
                field=str(name),
                code=IssueCode.CLEANED_TEXT,
                message=cleaned_reason(
                    str(headers[row]) if headers is not None else title, c, language
                ),
                severity=Severity.WARNING,
            )
            for row, c in zip(changed.index.tolist(), changed.tolist(), strict=True)
        )
    notes.sort(key=lambda i: i.row)
    return out, notes


def cleaned_reason(title: str, cleaned: Cleaned, language: str = ENGLISH) -> str:
    """What was taken out of an answer, for the Errors tab: "'Name': replaced 1 control
    character with a space; the response row is unchanged." (never the answer itself)."""
    done = []
    if cleaned.controls:
        done.append(
            translate_plural(
                language,
                "replaced %(num)s control character with a space",
                "replaced %(num)s control characters with a space",
                cleaned.controls,
            )
        )
    if cleaned.removed:
        done.append(
            translate_plural(
                language,
                "removed %(num)s broken character",
                "removed %(num)s broken characters",
                cleaned.removed,
            )
        )
    what = (
        done[0]
        if len(done) == 1
        else translate(language, "%(first)s and %(then)s", first=done[0], then=done[1])
    )
    return translate(
        language, "'%(title)s': %(done)s; the response row is unchanged.", title=title, done=what
    )


def read_table(
    data: TabData | None, schema: TableSchema, tab: str, language: str = ENGLISH
) -> Table:
    """Read one of sheetsync's tabs (None: it does not exist yet). Its status cells are read
    in any language as their canonical status; `language` is the one written back."""
    if data is None or not data.rows:
        header = [f.title for f in schema.fields]
        frame = pd.DataFrame({f.name: pd.Series(dtype=object) for f in schema.fields})
        frame[ROW] = pd.Series(dtype="int64")
        return Table(
            schema,
            tab,
            header,
            {n: i for i, n in enumerate(schema.names)},
            frame,
            n_rows=0,
            exists=data is not None,
            language=language,
        )
    header = [cell_text(h).strip() for h in data.header]
    columns: dict[str, int] = {}
    for spec in schema.fields:
        if spec.title not in header:
            raise _missing_column(tab, spec.title, header, None, spec, key=schema.primary_key)
        if header.count(spec.title) > 1:
            raise MissingColumnError(
                f"Tab '{tab}' has {header.count(spec.title)} columns titled '{spec.title}'; "
                "sheetsync cannot tell which one it keeps up to date. Rename the copy."
            )
        columns[spec.name] = header.index(spec.title)
    body = _grid(data.rows[1:], len(header))
    frame = pd.DataFrame(body, columns=range(len(header)), dtype=object)
    frame = frame[[columns[n] for n in schema.names]]
    frame.columns = pd.Index(schema.names)
    text_dates = _dates_as_written(frame, schema)
    frame = frame.map(cell_text)
    typed = _read_words(frame, schema)
    frame[ROW] = range(2, 2 + len(body))
    return Table(
        schema,
        tab,
        header,
        columns,
        frame,
        n_rows=len(data.rows),
        text_dates=text_dates,
        language=language,
        typed=typed,
    )


def _read_words(frame: pd.DataFrame, schema: TableSchema) -> dict[tuple[int, str], str]:
    """The status cells of `frame` (status_words.py) as their canonical status, in place;
    returns (sheet row, field) -> the text as typed, for the cells read otherwise."""
    typed: dict[tuple[int, str], str] = {}
    for name in schema.names:
        if not is_worded((schema.name, name)) or frame.empty:
            continue
        column = frame[name]
        read = {v: read_word((schema.name, name), v) for v in set(column.tolist())}
        canonical = column.map(read)
        differs = np.flatnonzero((canonical != column).to_numpy())
        texts = column.tolist()
        typed.update(((int(i) + 2, name), texts[i]) for i in differs)
        frame[name] = canonical
    return typed


def _dates_as_written(frame: pd.DataFrame, schema: TableSchema) -> set[tuple[int, str]]:
    """sheetsync's dates are written as dates (to_cell): in `frame`, back to the text
    written (Google answers a serial number, a workbook a datetime). Returns the (sheet row,
    field) of those still held as text, as earlier versions wrote them."""
    text_dates: set[tuple[int, str]] = set()
    for spec in schema.fields:
        if spec.owner is not Owner.SHEETSYNC or spec.type not in (
            FieldType.DATE,
            FieldType.DATETIME,
        ):
            continue
        column = frame[spec.name]
        as_text = column.map(lambda v: isinstance(v, str) and bool(ISO_DATE_TEXT.fullmatch(v)))
        text_dates.update((int(i) + 2, spec.name) for i in np.flatnonzero(as_text.to_numpy()))
        frame[spec.name] = column.map(
            lambda v, s=spec: date_cell_text(v, date_only=s.type is FieldType.DATE)
        )
    return text_dates


def _missing_column(
    tab: str,
    title: str,
    headers: list[str],
    mapping: str | None,
    spec: FieldSpec,
    key: str | None = None,
    also: Sequence[str] = (),
) -> MissingColumnError:
    close = difflib.get_close_matches(title, [h for h in headers if h], n=1, cutoff=0.5)
    hint = f" The closest header is '{close[0]}'." if close else ""
    # The question's titles in the form's other languages, tried too.
    named = f"'{title}'" + "".join(f" (or '{t}')" for t in also)
    if mapping:
        example = close[0] if close else "Your question title"
        how = (
            f" If the question was renamed, map it in sheetsync.toml:\n"
            f'  [{mapping}]\n  {spec.name} = "{example}"\n'
            + ("" if spec.required else 'If your form does not ask it, map it to "".')
        )
    elif spec.name == key:
        how = (
            f" It holds the ids that other tabs point to: rename the column back to '{title}', "
            "or restore it (Undo, or File → Version history). Adding it again empty would "
            "give everyone new ids."
        )
    elif spec.owner is Owner.ORGANIZER:
        how = (
            " The column is the organizers': sheetsync reads what you write there and never "
            f"overwrites it. Rename the column back to '{title}'; `sheetsync init` does it "
            "for you when it recognises the column, and otherwise says which one it could be."
        )
    else:
        how = (
            " sheetsync writes this column: rename the column back to "
            f"'{title}'. `sheetsync init` does it for you when it recognises the column, and "
            "adds the column at the end when nothing in the tab could be it."
        )
    return MissingColumnError(f"Column {named} not found in tab '{tab}'.{hint}{how}")


def to_cell(spec: FieldSpec | None, text: str) -> Value:
    """The value to write for a field's text: numbers as numbers; sheetsync's own dates as
    dates (so the sheet sorts them, shows them in its date format and formulas count days
    with them); everything else as text."""
    if text == "":
        return None
    if spec is not None and spec.type in (FieldType.INTEGER, FieldType.NUMBER):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if spec is not None and spec.owner is Owner.SHEETSYNC:
        if spec.type is FieldType.DATE and _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        if spec.type is FieldType.DATETIME and _ISO_DATETIME.fullmatch(text):
            return dt.datetime.fromisoformat(text)
    return text


# The text sheetsync writes for a date and a date-time (normalize.format_datetime).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")


def plan_changes(table: Table, new: pd.DataFrame) -> tuple[TabChanges, TabReport]:
    """Diff a step's frame against the tab as read: cells to update, rows to append."""
    changes, report = _start_plan(table)
    existing = new[new[ROW] > 0].set_index(ROW)
    if not existing.empty:
        _update_owned_cells(table, existing, changes, report)
    added = new[new[ROW] == 0]
    _append_rows(table, added, changes, report)
    changes.kept_keys = _kept_keys(table, existing, added)
    report.rows_added = len(added)
    report.cells_changed = len(changes.update)
    return changes, report


def appended(table: Table, rows: list[list[Value]]) -> TabChanges:
    """Rows added at the end of a tab (its header first if it has none), keyed so that a
    retried write never adds them twice."""
    changes, _ = _start_plan(table)
    changes.append.extend(rows)
    return changes


def _start_plan(table: Table) -> tuple[TabChanges, TabReport]:
    """Empty changes for the tab, but for the header a new or empty tab needs first."""
    report = TabReport(tab=table.tab, created=not table.exists, header=list(table.header))
    key = table.columns.get(table.schema.primary_key) if table.schema.primary_key else None
    changes = TabChanges(
        tab=table.tab,
        create=not table.exists,
        start_row=table.n_rows + 1,
        header=[cell_text(h) for h in table.header] if table.n_rows else [],
        key_col=None if key is None else key + 1,
    )
    if not table.exists:
        changes.start_row = 1
        changes.append.append(list(table.header))
    elif table.n_rows == 0:  # the tab exists but is empty: write its header first
        changes.append.append(list(table.header))
    return changes, report


def _update_owned_cells(
    table: Table, existing: pd.DataFrame, changes: TabChanges, report: TabReport
) -> None:
    """Add to `changes` and `report` the sheetsync-owned cells of rows on the sheet whose
    text differs, and a guard on each such row's id: nothing is written if a row moved.

    Then the organizers' cells a step moved to a value the schema lets sheetsync write
    (`sheetsync_writes`), each with a condition: the cell must still hold the text read.
    Any other change a step made to an organizer's column is left out."""
    schema = table.schema
    old = table.frame.set_index(ROW)
    owned = [f.name for f in schema.fields if f.owner is Owner.SHEETSYNC]
    guarded: set[int] = set()
    cells = _changed_cells(old, existing, owned)
    changed = {(row, name) for row, name, _, _ in cells}
    for row, name in sorted(table.text_dates - changed):
        if row in existing.index:  # a date kept as text: written once more, as a date
            text = str(existing.at[row, name])
            cells.append((row, name, text, text))
    for row, name, before, after in cells:
        _update_cell(table, old, changes, report, (row, name, before, after), guarded)
    movable = {
        f.name: f.sheetsync_writes
        for f in schema.fields
        if f.owner is Owner.ORGANIZER and f.sheetsync_writes
    }
    for row, name, before, after in _changed_cells(old, existing, list(movable)):
        if after in movable[name]:
            _update_cell(table, old, changes, report, (row, name, before, after), guarded)
            typed = table.as_typed(row, name, before)
            changes.expect.append(Condition(row, table.columns[name] + 1, typed))


def _changed_cells(
    old: pd.DataFrame, existing: pd.DataFrame, names: list[str]
) -> list[tuple[int, str, str, str]]:
    """(row, field, text read, new text) of each cell of `names` whose text differs."""
    if not names:
        return []
    before = old.loc[list(existing.index), names]
    after = existing[names].astype(str)
    changed_at = np.nonzero(before.to_numpy() != after.to_numpy())
    cells = []
    for i, j in zip(*changed_at, strict=True):
        row, name = int(before.index[i]), names[j]
        cells.append((row, name, str(before.at[row, name]), str(after.at[row, name])))
    return cells


def _update_cell(
    table: Table,
    old: pd.DataFrame,
    changes: TabChanges,
    report: TabReport,
    cell: tuple[int, str, str, str],
    guarded: set[int],
) -> None:
    """One changed cell written and reported, its row guarded by its id (once per row);
    `old` is the tab as read, indexed by sheet row."""
    row, name, before, after = cell
    schema = table.schema
    # A status is compared as read (canonical) and written in the tab's language.
    before, after = table.as_typed(row, name, before), table.written(name, after)
    changes.update.append(
        CellUpdate(row, table.columns[name] + 1, to_cell(schema.field(name), after))
    )
    key_col = table.columns.get(schema.primary_key) if schema.primary_key else None
    key = str(old.at[row, schema.primary_key]) if schema.primary_key else ""
    personal = is_personal(schema.field(name))
    report.changed.append(CellChange(row, name, before, after, key=key, personal=personal))
    if key_col is not None and row not in guarded and schema.primary_key:
        guarded.add(row)
        changes.guards.append(Guard(row, key_col + 1, str(old.at[row, schema.primary_key])))


# Free text that can name or describe people though its field is not `pii`: its values are
# kept off the terminal and --json like a pii field's (a dry run lists it as changed). Text
# sheetsync writes is here too when it can hold a name: Load's next_steps ("Send Jing a
# friendly hello"), the reasons of Tasks, Load and Errors, Duplicates' evidence, the send
# log's recipient and message, and the Changes tab's record of any cell's values.
FREE_TEXT = frozenset(
    {
        "notes",
        "note",
        "offers_note",
        "volunteer_note",
        "evidence",
        "reasons",
        "reason",
        "fixed",
        "next_steps",
        "message",
        "changes",
        "old",
        "new",
        "rows",
    }
)


def is_personal(spec: FieldSpec) -> bool:
    """Whether a column's values may be personal: a `pii` field, or free text."""
    return spec.pii or spec.name in FREE_TEXT


def _append_rows(table: Table, added: pd.DataFrame, changes: TabChanges, report: TabReport) -> None:
    """Add the new records to `changes` and `report` as whole rows in the tab's column
    order: organizers' columns too (a new row has nothing to overwrite); columns the schema
    does not name stay empty.

    Built a column at a time (each column's cells, then their texts), then turned into
    rows: a first run on a large network appends ~300,000 rows."""
    n = len(added)
    if n == 0:
        return
    cells, texts = _added_columns(table, added)
    changes.append.extend(_rows_of(cells, n))
    report.added.extend(_rows_of(texts, n))
    key = table.schema.primary_key
    if key and key in added.columns:
        report.added_ids.extend(str(v) for v in added[key].tolist())
    else:
        report.added_ids.extend([""] * n)


def _added_columns(table: Table, added: pd.DataFrame) -> tuple[list[list[Value]], list[list[str]]]:
    """The tab's columns of the rows added: their cells, and the cells' texts."""
    n = len(added)
    specs = {f.name: f for f in table.schema.fields}
    by_column = {i: name for name, i in table.columns.items()}
    cells_by_column: list[list[Value]] = []
    texts_by_column: list[list[str]] = []
    for i in range(len(table.header)):
        name = by_column.get(i)
        if name is None:  # a column the schema does not name
            cells_by_column.append([None] * n)
            texts_by_column.append([""] * n)
            continue
        texts = [str(v) for v in added[name].tolist()] if name in added.columns else [""] * n
        if is_worded((table.schema.name, name)):  # a status in the tab's language
            words = {t: table.written(name, t) for t in set(texts)}
            texts = [words[t] for t in texts]
        cells, written = _cells_of(specs[name], texts)
        cells_by_column.append(cells)
        texts_by_column.append(written)
    return cells_by_column, texts_by_column


def _rows_of(columns: list[list[T]], n: int) -> list[list[T]]:
    """`n` rows from their columns (empty rows when there are no columns)."""
    if not columns:
        return [[] for _ in range(n)]
    return [list(row) for row in zip(*columns, strict=True)]


def _cells_of(spec: FieldSpec, texts: list[str]) -> tuple[list[Value], list[str]]:
    """to_cell of each text of one field's column, and the text of each such cell (as the
    report lists it); a text repeated in the column is converted once."""
    cache: dict[str, tuple[Value, str]] = {}
    for text in texts:
        if text not in cache:
            cell = to_cell(spec, text)
            cache[text] = (cell, cell_text(cell))
    pairs = [cache[text] for text in texts]
    return [cell for cell, _ in pairs], [written for _, written in pairs]


def _kept_keys(table: Table, existing: pd.DataFrame, added: pd.DataFrame) -> dict[str, int]:
    """{key of a row added: how many rows read held it and keep it}: the Summary keeps an
    organizer's copy of one of its rows where it is, and may append a row with that metric.
    Such rows are no clash at write time (TabChanges.kept_keys); other tabs add fresh ids."""
    key = table.schema.primary_key
    if not key or added.empty or existing.empty:
        return {}
    keys = set(added[key].astype(str).str.strip()) - {""}
    now = existing[key].astype(str).str.strip()
    read = table.frame.set_index(ROW)[key].reindex(existing.index).astype(str).str.strip()
    kept = now[now.isin(keys) & (now == read)]
    return {str(k): int(n) for k, n in kept.value_counts().items()}


def empty_record(schema: TableSchema, **values: Any) -> dict[str, Any]:
    """A new row: every field empty but `values`, and `_row` 0 (not on the sheet yet)."""
    return {**schema.blank, **values, ROW: 0}


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts keyed by column name (Python values, as to_dict gives).

    Built from each column's tolist(): pandas' to_dict("records") boxes every cell one by
    one, which took most of the digest step's time on a large network.
    """
    columns = [str(c) for c in frame.columns]
    values = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def frame_of(records: Sequence[Mapping[str, Any]], schema: TableSchema) -> pd.DataFrame:
    """A tab frame from records (fields as text, `_row` as int)."""
    if not records:  # typed columns, not float: fillna("") would refuse
        return pd.DataFrame(
            {**{n: pd.Series(dtype=str) for n in schema.names}, ROW: pd.Series(dtype="int64")}
        )
    frame = pd.DataFrame.from_records(records, columns=[*schema.names, ROW])
    for name in schema.names:
        frame[name] = frame[name].fillna("").astype(str)
    frame[ROW] = frame[ROW].fillna(0).astype("int64")
    return frame
