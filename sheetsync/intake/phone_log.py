"""The Phone log: requests and offers taken by phone or on paper, read as form responses.

Whoever takes a call types a row: its kind (Request or Offer) says which form it stands
for. A row is split off to a view of that form (its columns named as the form's fields,
the same options, the same normalisation), so intake takes it in exactly like a response,
known by "Phone log:12". Fewer answers are required than on the forms: what a phone
volunteer can always get. A row of neither kind is checked against the whole tab and
goes to the Errors tab. The tab is the organizers': sheetsync never writes a row of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sheetsync.form_languages import ENGLISH
from sheetsync.intake.responses import answer_text
from sheetsync.members import parse_datetime
from sheetsync.normalize import cell_text, fold, format_datetime
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.schema import FieldSpec, TableSchema
from sheetsync.tables import FormTable
from sheetsync.translation import gettext_noop, translate

PHONE_LOG = "phone_log"
# The kind typed on a row -> the form it is taken in as.
KIND_FORMS = {"Request": "requests", "Offer": "offers"}
# A Phone log field -> its name in each form (the same as the Phone log's where not listed).
_RENAMED = {
    "requests": {"help": "categories"},
    "offers": {"help": "offers", "details": "volunteer_note"},
}
# Required on a row of that kind beyond the tab's own required answers: a request's urgency
# sorts the week's work; an offer's tasks a week is what matching gives a volunteer.
_REQUIRED = {"requests": {"urgency"}, "offers": {"weekly_capacity"}}
# The forms' own fields the Phone log does not ask, read as unanswered.
_NOT_ASKED = {"requests": ("offers_note",), "offers": ()}
# The Phone log's own fields, kept on the view for the Errors tab and reading by hand.
PHONE_ONLY = ("entered_by", "kind", "reach")
_EMPTY_WHEN = gettext_noop(
    "'%(title)s' is empty: read as %(when)s, when sheetsync first took the row in. Type the "
    "date of the call or the paper form there."
)


@dataclass(frozen=True)
class View:
    """The rows of one kind, read as a form's responses (`form`: "requests", "offers";
    "" for rows of neither kind, judged by the Phone log's own schema)."""

    key: str  # validation's name for the view: "phone_log.requests"
    form: str
    table: FormTable


def with_when(
    table: FormTable, first_seen: Mapping[str, str], now: dt.datetime, language: str
) -> FormTable:
    """The Phone log with each empty When read as when sheetsync first took its row in, and
    a note saying so (the Errors tab: noted). That time is the row's Errors first_seen,
    written by the run that first met the empty cell, else `now` (that run): it stays the
    same from run to run with nothing written in the organizers' tab, where a default typed
    by sheetsync could race whoever is typing the row. A row's When orders a person's answers
    (the newest wins); the time a call is first read is the nearest sheetsync knows."""
    column = table.frame["timestamp"]
    rows = [int(row) for row in table.frame.index]
    empty = [row for row, v in zip(rows, column.tolist(), strict=True) if not cell_text(v).strip()]
    if not empty:
        return table
    frame = table.frame.copy()
    title = table.titles.get("timestamp", "When")
    notes = []
    for row in empty:
        when = parse_datetime(first_seen.get(table.ref(row), "")) or now
        frame.at[row, "timestamp"] = when
        text = translate(language, _EMPTY_WHEN, title=title, when=format_datetime(when))
        notes.append(
            Issue(table.tab, row, "timestamp", IssueCode.EMPTY_WHEN, text, Severity.WARNING)
        )
    cleaned = sorted([*table.cleaned, *notes], key=lambda i: i.row)
    return dataclasses.replace(table, frame=frame, cleaned=cleaned)


def views(table: FormTable, schemas: Mapping[str, TableSchema]) -> list[View]:
    """The Phone log's rows split by kind, each as a view of its form, and the rows of
    neither kind as a view of their own: together, every row typed (blank rows are the
    Phone log's table's, as a form's are). A kind is told as forgivingly as validation
    reads an option ("request", " Offer"), more so: a row in no view is impossible."""
    kinds = [_kind(v) for v in table.frame["kind"].tolist()]
    rows = [int(r) for r in table.frame.index]
    found: list[View] = []
    for kind, form in KIND_FORMS.items():
        mine = [r for r, k in zip(rows, kinds, strict=True) if k == kind]
        schema = view_schema(table.schema, schemas[form], form)
        found.append(View(f"{PHONE_LOG}.{form}", form, _view(table, mine, schema, form)))
    rest = [r for r, k in zip(rows, kinds, strict=True) if k not in KIND_FORMS]
    found.append(View(PHONE_LOG, "", _view(table, rest, table.schema, "")))
    return found


def _kind(value: object) -> str:
    """The kind typed on a row, as KIND_FORMS writes it ("" if neither)."""
    typed = fold(answer_text(value))
    return next((k for k in KIND_FORMS if fold(k) == typed), "")


def view_schema(phone: TableSchema, form: TableSchema, name: str) -> TableSchema:
    """The Phone log's fields named and required as a row of `form`'s kind is read: the
    form's options and limits, the Phone log's titles (messages name its columns)."""
    renamed = _RENAMED[name]
    fields: list[FieldSpec] = []
    for spec in phone.fields:
        target = renamed.get(spec.name, spec.name)
        required = spec.required or spec.name in _REQUIRED[name]
        if target in form.names and spec.name not in PHONE_ONLY:
            own = form.field(target)
            fields.append(dataclasses.replace(own, title=spec.title, required=required))
        else:
            fields.append(dataclasses.replace(spec, name=target, required=required))
    fields.extend(form.field(n) for n in _NOT_ASKED[name])
    return dataclasses.replace(phone, fields=tuple(fields))


def _view(table: FormTable, rows: list[int], schema: TableSchema, form: str) -> FormTable:
    """A FormTable of some of the Phone log's rows, its columns renamed for `form`."""
    renamed = _RENAMED.get(form, {})
    frame = table.frame.loc[rows].rename(columns=renamed)
    for name in _NOT_ASKED.get(form, ()):
        frame[name] = ""
    kept = set(rows)
    return FormTable(
        form=PHONE_LOG,
        tab=table.tab,
        schema=schema,
        frame=frame,
        titles={renamed.get(k, k): v for k, v in table.titles.items()},
        notices=[],
        ref_tab=table.ref_tab,
        last_row=table.last_row,
        cleaned=[
            dataclasses.replace(i, field=renamed.get(i.field, i.field))
            for i in table.cleaned
            if i.row in kept
        ],
        words=table.words,
        answered_in={renamed.get(k, k): v for k, v in table.answered_in.items()},
    )


def with_reach(values: dict[str, object], form: str, language: str = ENGLISH) -> dict[str, object]:
    """A row's answers with its note on how to reach someone without a phone or email
    kept where a helper reads it: first in a request's details, an offer's note, labelled
    in the tabs' language (never read back: calls.reach_notes reads the Phone log's own
    column)."""
    reach = str(values.get("reach") or "").strip()
    if not reach:
        return values
    field = "details" if form == "requests" else "volunteer_note"
    text = str(values.get(field) or "").strip()
    label = translate(language, "[How to reach them: %(reach)s]", reach=reach)
    return {**values, field: f"{label} {text}".strip()}
