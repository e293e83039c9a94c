"""How sheetsync's tabs should look: a FormatPlan built from the schemas and the tabs' headers.

Columns are found by their header title, where they are now (an organizer may have moved
them); a column an organizer added gets nothing, and form response tabs are left as Google
Forms made them. The plan's version is a digest of the whole plan, positions included: a
column moved, a schema changed or sheetsync's look changed all mean "format again".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from openpyxl.utils import get_column_letter as column_letter  # 1 -> A, 27 -> AA

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.backends.formats import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    OWNED_NOTE,
    ColourRule,
    ColumnFormat,
    FormatPlan,
    TabFormat,
)
from sheetsync.config import SHEETSYNC_TABS, Config
from sheetsync.formatting_needs import Waiting, needs_rules, waiting_days
from sheetsync.formatting_phone import phone_log_format
from sheetsync.normalize import cell_text
from sheetsync.schema import FieldSpec, FieldType, Owner, TableSchema
from sheetsync.status_words import is_worded, status_language, written_word
from sheetsync.translation import tab_language

# Bump when the look changes in a way the plan's content does not show (it rarely should).
LOOK_REVISION = "1"

# Widths in pixels (Google's default column is 100).
ID_WIDTH = 80
NUMBER_WIDTH = 90
DATE_WIDTH = 100
DATETIME_WIDTH = 130
TEXT_WIDTH = 130
LIST_WIDTH = 170
LONG_WIDTH = 300
# Fields whose text runs to sentences: wide, and wrapped rather than cut off.
LONG_TEXT = frozenset(
    [
        "reasons",
        "reason",
        "next_steps",
        "notes",
        "evidence",
        "details",
        "message",
        "changes",
        "steps",
        "checkin_note",
        "volunteer_note",
        "offers_note",
        "note",
        "description",
    ]
)
NUMBER_FORMATS = {
    FieldType.DATE: DATE_PATTERN,
    FieldType.DATETIME: DATETIME_PATTERN,
    FieldType.INTEGER: "0",
    # FieldType.NUMBER: none, General: a count shows as 14, hours as 26.5 ("0.0#" showed 14.0).
}
# Organizer fields whose answers the code knows although the schema lists none.
KNOWN_CHOICES: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("duplicates", "decision"): ("same", "different"),
}
# Organizer fields that hold a date or a word: no date check (it would warn on "yes"), a
# hint in the header note instead.
DATE_OR_WORD = {
    ("load", "rest_until"): "The last day of the rest (yyyy-mm-dd), or yes for the day suggested."
}

# Fills of the conditional colours (Google's light palette; Excel shows the same).
RED = "#F4C7C3"
AMBER = "#FCE8B2"
GREEN = "#B7E1CD"
HEADING_FILL = "#DDE5F0"  # a Summary section's heading row

RuleBuilder = Callable[[Mapping[str, int], str], tuple[ColourRule, ...]]  # (columns, language)


def format_plan(
    schemas: Mapping[str, TableSchema],
    headers: Mapping[str, Sequence[object]],
    config: Config,
) -> FormatPlan:
    """The formatting of each of sheetsync's tabs in `headers` (tab title -> header row)."""
    tabs: list[TabFormat] = []
    waits = waiting_days(config.followup, _urgencies(schemas))
    language = tab_language(config)  # the status words' (status_words.py)
    for logical in SHEETSYNC_TABS:
        tab = config.tabs[logical]
        if tab not in headers or logical not in schemas:
            continue
        positions = _positions(schemas[logical], headers[tab])
        if not positions:
            continue  # an empty tab: nothing to format yet
        tabs.append(_tab_format(logical, tab, schemas[logical], positions, waits, language))
    phone_log = phone_log_format(schemas, headers, config)  # the organizers' own tab
    if phone_log is not None:
        tabs.append(phone_log)
    return FormatPlan(tuple(tabs), plan_version(tabs))


def write_formatted(
    backend: Backend,
    changes: Sequence[TabChanges],
    schemas: Mapping[str, TableSchema],
    headers: Mapping[str, Sequence[object]],
    config: Config,
) -> int:
    """Write `changes` in one go, with the formatting of the tabs in `headers` (each tab as
    it is once `changes` are written) when it is due: the spreadsheet was never formatted,
    or an upgrade (or a moved column) changed the plan. Returns the tabs formatted (0: the
    formatting in place was already this one)."""
    plan = format_plan(schemas, headers, config)
    if backend.formats_applied == plan.version:
        backend.apply(changes)
        return 0
    backend.apply(changes, formats=plan)
    return len(plan.tabs)


def plan_version(tabs: Sequence[TabFormat]) -> str:
    """A digest of the plan: the same tabs give the same version on every run and machine."""
    text = repr((LOOK_REVISION, tuple(tabs)))  # frozen dataclasses: a stable repr
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _positions(schema: TableSchema, header: Sequence[object]) -> dict[str, int]:
    """Field name -> 1-based column, for the schema's columns found by title (first match)."""
    by_title: dict[str, int] = {}
    for col, cell in enumerate(header, start=1):
        by_title.setdefault(cell_text(cell).strip(), col)
    return {f.name: by_title[f.title] for f in schema.fields if f.title in by_title}


def _urgencies(schemas: Mapping[str, TableSchema]) -> tuple[str, ...]:
    """The request form's urgency answers (Today, This week, When someone can)."""
    form = schemas.get("requests")
    spec = next((f for f in form.fields if f.name == "urgency"), None) if form else None
    return spec.enum if spec is not None and spec.enum else ()


def _tab_format(
    logical: str,
    tab: str,
    schema: TableSchema,
    positions: Mapping[str, int],
    waits: Sequence[Waiting],
    language: str,
) -> TabFormat:
    columns = tuple(
        sorted(
            (
                _column(logical, schema.field(name), col, language)
                for name, col in positions.items()
            ),
            key=lambda c: c.col,
        )
    )
    rules = _rules(logical, positions, waits, language)
    return TabFormat(tab=tab, columns=columns, rules=rules)


def _column(logical: str, spec: FieldSpec, col: int, language: str) -> ColumnFormat:
    long_text = spec.name in LONG_TEXT
    owned = spec.owner is Owner.SHEETSYNC
    choices: tuple[str, ...] = ()
    date_check = False
    note = OWNED_NOTE if owned else None
    if spec.owner is Owner.ORGANIZER:
        note = DATE_OR_WORD.get((logical, spec.name))
        # A date or a word: a dropdown of the words would warn on every date, and a date
        # check on the word; the header note says what to type.
        choices = () if note else spec.enum or KNOWN_CHOICES.get((logical, spec.name), ())
        if is_worded((logical, spec.name)):  # a status column: the network's words
            choices = tuple(written_word((logical, spec.name), c, language) for c in choices)
        date_check = spec.type in (FieldType.DATE, FieldType.DATETIME) and not (choices or note)
    return ColumnFormat(
        col=col,
        width=_width(spec, long_text),
        wrap=long_text,
        number_format=NUMBER_FORMATS.get(spec.type),
        owned=owned,
        note=note,
        hidden=spec.hidden,
        choices=tuple(choices),
        date_check=date_check,
    )


def _width(spec: FieldSpec, long_text: bool) -> int:
    if long_text:
        return LONG_WIDTH
    if spec.name.endswith("_id") or spec.name == "duplicate_of":
        return ID_WIDTH
    if spec.type in (FieldType.INTEGER, FieldType.NUMBER):
        return NUMBER_WIDTH
    if spec.type is FieldType.DATE:
        return DATE_WIDTH
    if spec.type is FieldType.DATETIME:
        return DATETIME_WIDTH
    if spec.type is FieldType.LIST:
        return LIST_WIDTH
    return TEXT_WIDTH


def _rules(
    logical: str, at: Mapping[str, int], waits: Sequence[Waiting], language: str
) -> tuple[ColourRule, ...]:
    """The tab's conditional colours, for the columns it has (Needs: days_open by urgency,
    from [followup]: sheetsync.formatting_needs). A rule on a status matches the network's
    word and the English one (both read as the status)."""
    if logical == "needs":
        refs = {name: _ref(at, name) for name in at}
        is_open = status_is(refs.get("status", ""), ("needs", "status"), "open", language)
        return needs_rules(at, refs, waits, red=RED, amber=AMBER, is_open=is_open)
    builder = RULES.get(logical)
    return builder(at, language) if builder else ()


def status_is(ref: str, column: tuple[str, str], status: str, language: str) -> str:
    """A formula's test that a status cell says `status`: $K2="open" in English, and
    OR($K2="abierta",$K2="open") in a network that writes another word for it."""
    words = dict.fromkeys([status_language(language).word(column, status), status])
    tests = [f'{ref}="{word}"' for word in words]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _ref(at: Mapping[str, int], name: str) -> str:
    """$K2: the field's column, anchored, on row 2 (the rule runs down the rows)."""
    return f"${column_letter(at[name])}2"


def _traffic_light(logical: str, name: str) -> RuleBuilder:
    """A check-in column red, yellow or green, as it says (in the network's word or the
    English one: both read as the light)."""

    def build(at: Mapping[str, int], language: str) -> tuple[ColourRule, ...]:
        if name not in at:
            return ()
        col, ref = at[name], _ref(at, name)
        return tuple(
            ColourRule(
                col,
                col,
                f"={status_is(ref, (logical, name), light, language)}",
                fill,
                bold=light == "red",
            )
            for light, fill in (("red", RED), ("yellow", AMBER), ("green", GREEN))
        )

    return build


def _status_rule(logical: str, name: str, value: str, fill: str) -> RuleBuilder:
    def build(at: Mapping[str, int], language: str) -> tuple[ColourRule, ...]:
        if name not in at:
            return ()
        test = status_is(_ref(at, name), (logical, name), value, language)
        return (ColourRule(at[name], at[name], f"={test}", fill),)

    return build


def _summary_rules(at: Mapping[str, int]) -> tuple[ColourRule, ...]:
    """The Summary's heading rows (a section's name, nothing in item: see
    sheetsync.summary.layout) bold on a band across the tab, so its sections stand out."""
    if not {"section", "item"} <= at.keys():
        return ()
    section, item = _ref(at, "section"), _ref(at, "item")
    last = max(at.values())
    return (ColourRule(1, last, f'=AND({section}<>"",{item}="")', HEADING_FILL, bold=True),)


RULES: dict[str, RuleBuilder] = {
    "load": _traffic_light("load", "checkin"),
    "people": _traffic_light("people", "checkin_status"),
    "errors": _status_rule("errors", "status", "open", RED),
    "duplicates": _status_rule("duplicates", "status", "to review", AMBER),
    "summary": lambda at, _: _summary_rules(at),
}
