"""The format plan: built from the schemas and the tabs' headers as they are."""

from __future__ import annotations

import dataclasses
import re

import pytest

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.formats import OWNED_NOTE, ColumnFormat, FormatPlan, TabFormat
from sheetsync.config import DEFAULT_FORM_TABS, SHEETSYNC_TABS, Config
from sheetsync.formatting import AMBER, GREEN, RED, column_letter, format_plan
from sheetsync.jobs import find_job, run_job
from sheetsync.schema import TableSchema
from sheetsync.summary.layout import HEADING_PREFIX
from tests.conftest import NOW, offer, request


def headers_of(schemas: dict[str, TableSchema], config: Config) -> dict[str, list[object]]:
    return {config.tabs[name]: list(schemas[name].titles) for name in SHEETSYNC_TABS}


def tab_of(plan: FormatPlan, tab: str) -> TabFormat:
    [found] = [t for t in plan.tabs if t.tab == tab]
    return found


def column(tab: TabFormat, col: int) -> ColumnFormat:
    [found] = [c for c in tab.columns if c.col == col]
    return found


def by_title(schemas: dict[str, TableSchema], name: str) -> dict[str, int]:
    """Field name -> column, on a header in the schema's order."""
    return {f.name: i + 1 for i, f in enumerate(schemas[name].fields)}


def test_every_sheetsync_tab_is_formatted_and_form_tabs_are_left_alone(schemas, config):
    headers = headers_of(schemas, config)
    headers[DEFAULT_FORM_TABS["requests"]] = list(schemas["requests"].titles)
    plan = format_plan(schemas, headers, config)
    assert [t.tab for t in plan.tabs] == [config.tabs[n] for n in SHEETSYNC_TABS]
    assert all(t.frozen_rows == 1 and t.bold_header for t in plan.tabs)


def test_columns_by_owner_and_type(schemas, config):
    plan = format_plan(schemas, headers_of(schemas, config), config)
    tasks = tab_of(plan, "Tasks")
    at = by_title(schemas, "tasks")
    task_id, reasons = column(tasks, at["task_id"]), column(tasks, at["reasons"])
    assert (task_id.owned, task_id.note, task_id.width < reasons.width) == (True, OWNED_NOTE, True)
    assert (reasons.wrap, task_id.wrap) == (True, False)
    assert column(tasks, at["proposed"]).number_format == "yyyy-mm-dd hh:mm"
    status = column(tasks, at["status"])
    # Yours: a dropdown (withdrawn and expired included: sheetsync writes them in these cells,
    # and a value off the list would show Google's warning on them), no shading, no note.
    assert status.choices == (
        "proposed",
        "accepted",
        "done",
        "declined",
        "cancelled",
        "withdrawn",
        "expired",
    )
    assert (status.owned, status.note) == (False, None)
    due = column(tasks, at["due"])
    assert (due.date_check, due.number_format, due.choices) == (True, "yyyy-mm-dd", ())
    # A number shows as it is (General): 14 as 14, 26.5 as 26.5; a count as a whole number.
    assert column(tasks, at["hours"]).number_format is None
    load = tab_of(plan, "Load")
    at_load = by_title(schemas, "load")
    assert column(load, at_load["hours_this_week"]).number_format is None
    assert column(load, at_load["tasks_this_week"]).number_format == "0"


def test_a_decision_gets_its_known_answers_and_rest_until_a_hint_not_a_date_check(schemas, config):
    plan = format_plan(schemas, headers_of(schemas, config), config)
    duplicates = tab_of(plan, "Duplicates")
    decision = column(duplicates, by_title(schemas, "duplicates")["decision"])
    assert decision.choices == ("same", "different")
    load = tab_of(plan, "Load")
    rest_until = column(load, by_title(schemas, "load")["rest_until"])
    # "yes" is a right answer there: a date check would warn on it.
    assert (rest_until.date_check, rest_until.choices) == (False, ())
    assert rest_until.note and "yes" in rest_until.note


def test_a_tab_whose_organizer_moved_columns_is_formatted_where_they_are_now(schemas, config):
    headers = headers_of(schemas, config)
    tasks = headers["Tasks"]
    tasks.insert(0, tasks.pop(tasks.index("status")))  # status moved to the front
    plan = format_plan(schemas, headers, config)
    first = column(tab_of(plan, "Tasks"), 1)
    assert first.choices[0] == "proposed" and not first.owned
    assert column(tab_of(plan, "Tasks"), 2).owned  # task_id, one to the right now


def test_an_organizers_extra_column_gets_nothing(schemas, config):
    headers = headers_of(schemas, config)
    headers["Needs"].insert(3, "Called back?")
    plan = format_plan(schemas, headers, config)
    needs = tab_of(plan, "Needs")
    assert 4 not in {c.col for c in needs.columns}
    assert len(needs.columns) == len(schemas["needs"].fields)
    # The rules' column letters follow the columns' places (each moved one right).
    days_open, escalated = (by_title(schemas, "needs")[n] + 1 for n in ("days_open", "escalated"))
    assert {(r.first_col, r.last_col) for r in needs.rules} == {
        (days_open, days_open),
        (escalated, escalated),
    }
    assert all(f"${column_letter(days_open)}2" in r.formula for r in needs.rules[:-1])


def test_a_tab_without_a_header_yet_is_left_out(schemas, config):
    headers = headers_of(schemas, config)
    headers["Load"] = []
    plan = format_plan(schemas, headers, config)
    assert "Load" not in [t.tab for t in plan.tabs]


def test_the_version_is_stable_and_changes_with_the_schema_or_a_move(schemas, config):
    headers = headers_of(schemas, config)
    first = format_plan(schemas, headers, config)
    again = format_plan(schemas, headers_of(schemas, config), config)
    assert first == again and first.version == again.version
    changed = dict(schemas)
    load = schemas["load"]
    changed["load"] = dataclasses.replace(
        load,
        fields=tuple(dataclasses.replace(f, hidden=f.name == "busy_weeks") for f in load.fields),
    )
    assert format_plan(changed, headers, config).version != first.version
    moved = headers_of(schemas, config)
    moved["People"].reverse()
    assert format_plan(schemas, moved, config).version != first.version


@pytest.mark.parametrize(
    ("tab", "field", "formulas"),
    [
        ("Load", "checkin", {('="red"', RED), ('="yellow"', AMBER), ('="green"', GREEN)}),
        ("Errors", "status", {('="open"', RED)}),
        ("Duplicates", "status", {('="to review"', AMBER)}),
    ],
)
def test_colours_where_they_help(schemas, config, tab, field, formulas):
    plan = format_plan(schemas, headers_of(schemas, config), config)
    logical = next(n for n, t in config.tabs.items() if t == tab)
    col = [f.name for f in schemas[logical].fields].index(field) + 1
    rules = tab_of(plan, tab).rules
    letter = chr(64 + col)
    assert {(r.formula.removeprefix(f"=${letter}2"), r.fill) for r in rules} == formulas
    assert all((r.first_col, r.last_col) == (col, col) for r in rules)


def test_a_need_open_too_long_for_its_urgency_turns_red(schemas, config):
    """Its days_open, from its urgency's first escalation level (tests/test_formatting_needs.py
    evaluates every rule)."""
    plan = format_plan(schemas, headers_of(schemas, config), config)
    rules = tab_of(plan, "Needs").rules
    # urgency F, status K, days_open P on the schema's order
    assert rules[0].formula == '=AND($K2="open",$F2="Today",ISNUMBER($P2),$P2>=1)'
    assert [r.fill for r in rules] == [RED] * 4 + [AMBER] * 4


def test_hidden_fields_are_hidden(schemas, config):
    people = schemas["people"]
    hidden = dataclasses.replace(
        people,
        fields=tuple(dataclasses.replace(f, hidden=f.name == "household") for f in people.fields),
    )
    plan = format_plan({**schemas, "people": hidden}, headers_of(schemas, config), config)
    tab = tab_of(plan, "People")
    col = [f.name for f in people.fields].index("household") + 1
    assert [c.col for c in tab.columns if c.hidden] == [col]


def _matches(formula: str, row: dict[str, str]) -> bool:
    """A heading rule's formula, =AND($A2<>"",$B2=""), on one row ({column letter: text})."""
    tests = re.findall(r'\$([A-Z]+)2(<>|=)""', formula)
    assert formula == "=AND(" + ",".join(f'${c}2{op}""' for c, op in tests) + ")", formula
    return all((row.get(col, "") != "") == (op == "<>") for col, op in tests)


@pytest.mark.parametrize("moved", [False, True])
def test_the_summary_heading_rule_bolds_heading_rows_not_item_rows(
    schemas, config, backend, add_responses, moved
):
    """Run on a real Summary tab (the weekly job's), its columns as the schema has them or
    moved by an organizer: a heading row is matched, an item row is not."""
    add_responses("requests", request())
    add_responses("offers", offer())
    if moved:  # the organizer put the note first
        rows = backend.read_tabs(["Summary"])["Summary"].rows
        header = list(rows[0])
        backend.apply(
            [
                TabChanges(
                    tab="Summary",
                    start_row=2,
                    update=[
                        CellUpdate(1, i + 1, v) for i, v in enumerate([header[-1], *header[:-1]])
                    ],
                )
            ]
        )
    run_job(find_job("weekly", config), backend, config, now=NOW)
    rows = backend.read_tabs(["Summary"])["Summary"].rows
    header = [str(h) for h in rows[0]]
    plan = format_plan(schemas, {"Summary": list(rows[0])}, config)
    [rule] = tab_of(plan, "Summary").rules
    assert rule.bold and (rule.first_col, rule.last_col) == (1, len(header))
    metric = header.index("metric")
    headings = items = 0
    for cells in rows[1:]:
        row = {column_letter(i + 1): "" if v is None else str(v) for i, v in enumerate(cells)}
        heading = str(cells[metric]).startswith(HEADING_PREFIX)
        assert _matches(rule.formula, row) == heading, cells
        headings, items = headings + heading, items + (not heading)
    assert headings >= 3 and items >= 3
