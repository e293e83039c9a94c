"""What organizers type in their own columns, checked against the schema.

Every column with `owner: organizer` in schemas/*.yaml is checked by what its schema says,
and nothing else: `required`, the `enum` (read case- and accent-insensitively), the `type`
(a date, a number, an integer), `minimum`/`maximum`, `pattern` and `maxLength`. A field with
both an enum and a type other than text takes either: Load's rest_until is a date, or yes
or no. A column with no rule (notes, do_not_contact: any mark) is never wrong.

A bad value stops nothing: each step reads the cell as it always has (a task status nobody
understands counts as proposed, so its volunteer is never overbooked meanwhile; see
`MEANWHILE`), and the end of run check (steps/check.py) puts a row on the Errors tab for it,
form ORGANIZER_FORM, until the cell is fixed. `sheetsync check` lists them too.

The value is quoted on the Errors tab (the spreadsheet, where it is anyway) only when it is
a short typo in a column of words, dates or numbers of Tasks, Load or Duplicates ("donee"):
never a longer value (a note typed in the wrong column: "only after her chemo ends"), never
on People (what a person told an organizer), never in a personal column, and never in the
run report, which reaches logs and cron mail. The Errors tab's reasons reach the
organizers' digest, and forget empties those about the person (forget/cells.py).

The words are the organizers' language (translation.tab_language); the column, the values
it takes and the examples stay as the tab writes them. The Errors row is keyed by form,
source and column, never by its reason: a reason worded in another language updates it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sheetsync.config import Config
from sheetsync.digest.volunteers import opted_in
from sheetsync.form_languages import ENGLISH
from sheetsync.intake.reasons import one_of
from sheetsync.load.rest import NO, YES
from sheetsync.normalize import dayfirst_locale, fold, one_line, parse_date
from sheetsync.privacy import consent_of
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.schema import FieldSpec, FieldType, Owner
from sheetsync.status_words import DECISION, TASK_STATUS, is_worded, written_word
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.steps.dedupe import DECISIONS
from sheetsync.tables import ROW, Table, is_personal, records_of
from sheetsync.translation import gettext_noop, number, tab_language, translate

# Types a cell must read as; the others (text, lists) take any text.
_TYPED = (FieldType.DATE, FieldType.DATETIME, FieldType.NUMBER, FieldType.INTEGER)
# Tabs whose values are never quoted on the Errors tab: what a person told an organizer.
_NOT_QUOTED = frozenset({"people"})
# A longer value is not quoted: a typo is short; a sentence was not meant for the column.
QUOTE_LIMIT = 20
_EXAMPLE_DATE = "2026-11-30"
# The run report's count of them: report.step("check").counts[VALUES_TO_FIX] (and
# `sheetsync check`'s); the Errors tab's open rows of form ORGANIZER_FORM are the same.
VALUES_TO_FIX = "values_to_fix"


@dataclass(frozen=True)
class BadValue:
    """One organizer's cell that breaks its column's rule."""

    table: str  # the logical tab: "tasks"
    tab: str  # its title on the spreadsheet: "Tasks"
    row: int  # the sheet row
    subject: str  # the row's id (T0007), "" when it has none
    field: str  # the column: "status"
    value: str  # as typed; personal perhaps: see `reason`
    problem: str  # what is wrong, without the value: "is not a status sheetsync knows"
    fix: str  # what to write: "write proposed, accepted, …"
    meanwhile: str  # what sheetsync does with the cell until then
    quoted: bool  # whether the Errors tab may show the value
    language: str = ENGLISH  # the organizers' (translation.tab_language): the words'

    @property
    def source(self) -> str:
        """The Errors row's source: "Tasks:T0007", or "Tasks:17" for a row without an id."""
        return f"{self.tab}:{self.subject or self.row}"

    @property
    def where(self) -> str:
        named = f", {self.subject}" if self.subject else ""
        return f"{self.tab} row {self.row}{named}"

    @property
    def message(self) -> str:
        """For the run report and logs: no value."""
        return translate(
            self.language,
            "%(field)s on %(tab)s row %(row)s%(named)s %(problem)s: %(fix)s. Meanwhile "
            "%(meanwhile)s. The column is the organizers'.",
            **self._parts(""),
        )

    @property
    def reason(self) -> str:
        """For the Errors tab: the value too where it is not personal."""
        value = one_line(self.value).strip()
        said = f" ('{value}')" if self.quoted and value else ""
        return translate(
            self.language,
            "%(field)s on %(tab)s row %(row)s%(named)s%(said)s %(problem)s: %(fix)s. "
            "Meanwhile %(meanwhile)s. Owner: organizers (sheetsync never overwrites it); the "
            "row is resolved on the first run that finds it right.",
            **self._parts(said),
        )

    def _parts(self, said: str) -> dict[str, str]:
        return {
            "field": self.field,
            "tab": self.tab,
            "row": str(self.row),
            "named": f", {self.subject}" if self.subject else "",
            "said": said,
            "problem": self.problem,
            "fix": self.fix,
            "meanwhile": self.meanwhile,
        }

    def issue(self) -> Issue:
        return Issue(
            tab=self.tab,
            row=self.row,
            field=self.field,
            code=IssueCode.ORGANIZER_VALUE,
            message=self.message,
            severity=Severity.WARNING,
        )


def bad_values(tables: Mapping[str, Table], config: Config) -> list[BadValue]:
    """Every organizer's cell, in every tab, that breaks its column's rule; tab by tab, row
    by row. Rows with nothing typed at all are skipped."""
    dayfirst = dayfirst_locale(config.locale)
    language = tab_language(config)
    found: list[BadValue] = []
    for name, table in tables.items():
        checked = [f for f in table.schema.fields if f.owner is Owner.ORGANIZER and _ruled(f)]
        if not checked or table.frame.empty:
            continue
        key = table.schema.primary_key
        for record in records_of(table.frame):
            if not any(str(record[f]).strip() for f in table.schema.names):
                continue
            for spec in checked:
                wrong = value_problem(
                    spec, str(record[spec.name]), dayfirst=dayfirst, language=language, table=name
                )
                if wrong is None:
                    continue
                value = str(record[spec.name])
                found.append(
                    BadValue(
                        table=name,
                        tab=table.tab,
                        row=int(record[ROW]),
                        subject=str(record[key]).strip() if key else "",
                        field=spec.name,
                        value=value,
                        problem=wrong,
                        fix=_fix(spec, language, table=name),
                        meanwhile=_meanwhile(name, spec.name, value, config),
                        quoted=_quotable(name, spec, value),
                        language=language,
                    )
                )
    return found


def issues_of(found: Iterable[BadValue]) -> list[Issue]:
    return [b.issue() for b in found]


def _ruled(spec: FieldSpec) -> bool:
    """Whether the schema gives the column any rule to break."""
    return bool(
        spec.required
        or spec.enum
        or spec.type in _TYPED
        or spec.minimum is not None
        or spec.maximum is not None
        or spec.pattern
        or spec.max_length
    )


def value_problem(
    spec: FieldSpec, value: str, *, dayfirst: bool, language: str = ENGLISH, table: str = ""
) -> str | None:
    """What is wrong with the value, in words and without it; None when it is right.
    `table` (the schema's name) names the column's words in the language."""
    text = value.strip()
    if not text:
        return translate(language, "is empty") if spec.required else None
    if spec.max_length is not None and len(text) > spec.max_length:
        return translate(
            language,
            "is longer than %(limit)s characters",
            limit=number(spec.max_length, language),
        )
    if spec.enum is not None and fold(text) in {fold(v) for v in spec.enum}:
        return None
    if spec.type in _TYPED:
        wrong = _type_problem(spec, text, dayfirst=dayfirst, language=language)
        if wrong is None or spec.enum is None:
            return wrong
        choices = _choices(spec, language, table)
        return translate(language, "%(problem)s, nor %(choices)s", problem=wrong, choices=choices)
    if spec.enum is not None:
        return translate(language, "is not a value this column takes")
    if spec.pattern and re.fullmatch(spec.pattern, text) is None:
        return translate(language, "does not have the form this column takes")
    return None


def _type_problem(spec: FieldSpec, text: str, *, dayfirst: bool, language: str) -> str | None:
    """A typed column's value read as sheetsync's steps read it."""
    if spec.type in (FieldType.DATE, FieldType.DATETIME):
        if parse_date(text, dayfirst=dayfirst):
            return None
        return translate(language, "is not a date sheetsync can read")
    try:
        value = float(text)
    except ValueError:
        return translate(language, "is not a number")
    if not math.isfinite(value):
        return translate(language, "is not a number")
    if spec.type is FieldType.INTEGER and not value.is_integer():
        return translate(language, "is not a whole number")
    if spec.minimum is not None and value < spec.minimum:
        return translate(language, "is less than %(limit)s", limit=number(spec.minimum, language))
    if spec.maximum is not None and value > spec.maximum:
        return translate(language, "is more than %(limit)s", limit=number(spec.maximum, language))
    return None


def _fix(spec: FieldSpec, language: str = ENGLISH, table: str = "") -> str:
    """What to write instead, from the schema, in the words the tab uses in the language."""
    words = _choices(spec, language, table) if spec.enum else ""
    if spec.type in (FieldType.DATE, FieldType.DATETIME):
        if words:
            return translate(
                language,
                "write a date, e.g. %(example)s, or %(choices)s",
                example=_EXAMPLE_DATE,
                choices=words,
            )
        return translate(language, "write a date, e.g. %(example)s", example=_EXAMPLE_DATE)
    if spec.type in (FieldType.NUMBER, FieldType.INTEGER):
        low = ""
        if spec.minimum is not None:
            low = translate(language, " of %(limit)s or more", limit=number(spec.minimum, language))
        if spec.type is FieldType.INTEGER:
            message = gettext_noop("write a whole number%(low)s, e.g. %(example)s")
            return translate(language, message, low=low, example=number(2, language))
        message = gettext_noop("write a number%(low)s, e.g. %(example)s")
        return translate(language, message, low=low, example=number(1.5, language))
    if words:
        if spec.required:
            return translate(language, "write %(choices)s", choices=words)
        return translate(language, "write %(choices)s, or leave it empty", choices=words)
    if spec.max_length is not None:
        return translate(
            language, "keep it to %(limit)s characters", limit=number(spec.max_length, language)
        )
    return translate(language, "write it as the column's description says (docs/errors.md)")


def _choices(spec: FieldSpec, language: str = ENGLISH, table: str = "") -> str:
    """The values a column takes, as the tab writes them in the language: "yes or no",
    "propuesta, aceptada, … o vencida" (status_words: a column of words)."""
    column = (table, spec.name)
    enum = list(spec.enum or ())
    if is_worded(column):
        enum = list(dict.fromkeys(written_word(column, v, language) for v in enum))
    return one_of(enum, language)


def _quotable(table: str, spec: FieldSpec, value: str) -> bool:
    """A short value of a column of words, dates or numbers, not personal and not on
    People: shown on Errors (a typo to find); anything else is described, not quoted."""
    closed = spec.enum is not None or spec.type in _TYPED
    short = 0 < len(one_line(value).strip()) <= QUOTE_LIMIT
    return closed and short and not is_personal(spec) and table not in _NOT_QUOTED


def _reads_as(value: str, config: Config) -> str:
    """sheetsync reads the cell as another value of the column (as the tab writes it)."""
    return translate(tab_language(config), "sheetsync reads it as %(value)s", value=value)


def _task_status(value: str, config: Config) -> str:
    language = tab_language(config)
    status = task_status(value)
    if status is not None:
        return _reads_as(written_word(TASK_STATUS, status.value, language), config)
    return translate(
        language,
        "sheetsync counts the task as %(proposed)s: it keeps its volunteer's place and its "
        "need stays matched, so nobody is booked twice",
        proposed=written_word(TASK_STATUS, TaskStatus.PROPOSED.value, language),
    )


def _decision(value: str, config: Config) -> str:
    decision = DECISIONS.get(fold(value))
    if decision is not None:
        return _reads_as(written_word(DECISION, decision.value, tab_language(config)), config)
    return translate(tab_language(config), "sheetsync treats the pair as undecided")


def _rest(value: str, config: Config) -> str:
    if fold(value) in YES:
        return translate(tab_language(config), "sheetsync reads it as yes")
    if fold(value) in NO:
        return translate(tab_language(config), "sheetsync reads it as no")
    return translate(tab_language(config), "no rest is in force")


def _consent(value: str, config: Config) -> str:
    consent = consent_of(one_line(value))
    if consent is not None:
        return _reads_as(consent.value, config)
    return translate(tab_language(config), "sheetsync reads it as no (organizers only)")


def _weekly_email(value: str, config: Config) -> str:
    if opted_in(value):
        return translate(tab_language(config), "sheetsync reads it as yes")
    return translate(tab_language(config), "they get no weekly email")


def _continues(value: str, config: Config) -> str:
    return translate(
        tab_language(config), "the volunteer's answer on the Feedback form decides, else matching"
    )


def _due(value: str, config: Config) -> str:
    return translate(tab_language(config), "the task counts in the week it was proposed")


def _hours(value: str, config: Config) -> str:
    language = tab_language(config)
    return translate(
        language,
        "the task counts as %(hours)s hours ([matching] hours_per_task)",
        hours=number(config.matching.hours_per_task, language),
    )


# What the steps do with a cell of each column until it is fixed: the same reading they use.
MEANWHILE: dict[tuple[str, str], Callable[[str, Config], str]] = {
    ("tasks", "status"): _task_status,
    ("tasks", "due"): _due,
    ("tasks", "hours"): _hours,
    ("duplicates", "decision"): _decision,
    ("load", "rest_until"): _rest,
    ("people", "consent_override"): _consent,
    ("people", "weekly_email"): _weekly_email,
    ("tasks", "continues"): _continues,
}


def _meanwhile(table: str, field: str, value: str, config: Config) -> str:
    reading = MEANWHILE.get((table, field))
    if reading is None:
        return translate(tab_language(config), "sheetsync leaves the cell out")
    return reading(value, config)
