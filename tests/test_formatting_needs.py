"""The Needs tab's follow-up colours: days_open by urgency (red from the first escalation
level, amber from half of it, only while open), escalated in amber; from [followup], so the
sheet agrees with the escalation emails. The rules' formulas are evaluated here on rows as
Google Sheets and Excel read them (text compared regardless of case; the first rule that
holds wins)."""

from __future__ import annotations

import re
from typing import Any

import openpyxl
import pytest

from sheetsync.config import Config
from sheetsync.config_followup import read_followup
from sheetsync.formatting import AMBER, RED, format_plan
from sheetsync.formatting_needs import Waiting, waiting_days
from sheetsync.schema import TableSchema
from tests.test_formatting import by_title, headers_of, tab_of

FORM_ANSWERS = ("Today", "This week", "When someone can")
_REF = re.compile(r"\$([A-Z]+)2")
_TEXT = re.compile(r'"((?:[^"]|"")*)"')


def evaluate(formula: str, row: dict[str, Any]) -> bool:
    """A rule's formula on one row ({column letter: value}): AND, OR, NOT, ISNUMBER, =, <>,
    >= and text compared without regard to case, as both sheets do."""
    assert formula.startswith("=")
    texts: list[str] = []

    def text(found: re.Match[str]) -> str:
        texts.append(found[1].replace('""', '"').casefold())
        return f"_t[{len(texts) - 1}]"

    code = _TEXT.sub(text, formula[1:])
    code = _REF.sub(lambda m: f'_v("{m[1]}")', code)
    for op, mark in (("<>", "\1"), (">=", "\0")):  # kept apart from = while it becomes ==
        code = code.replace(op, mark)
    code = code.replace("=", "==").replace("\1", "!=").replace("\0", ">=")
    code = re.sub(r"\bAND\(", "_all(", code)
    code = re.sub(r"\bOR\(", "_any(", code)
    code = re.sub(r"\bNOT\(", "_not(", code)
    code = re.sub(r"\bISNUMBER\(", "_isnumber(", code)
    code = code.replace("TRUE", "True")

    def value(letter: str) -> Cell:
        return Cell(row.get(letter))

    names = {
        "_t": texts,
        "_v": value,
        "_all": lambda *a: all(a),
        "_any": lambda *a: any(a),
        "_not": lambda a: not a,
        "_isnumber": lambda a: isinstance(a.value, int | float),
    }
    return bool(eval(code, {"__builtins__": {}}, names))  # only the names above


class Cell:
    """A cell as the sheets compare it: text without regard to case, an empty cell as ""
    or 0, and any text greater than any number (so "soon" >= 1 holds, as in Sheets)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        mine = "" if self.value is None else self.value
        if isinstance(mine, str) and isinstance(other, str):
            return mine.casefold() == other
        return bool(mine == other)

    def __ge__(self, other: float) -> bool:
        if isinstance(self.value, str):
            return True
        return (self.value or 0) >= other

    __hash__ = None  # type: ignore[assignment]


def letter(col: int) -> str:
    return chr(64 + col)


def fills(config: Config, schemas: dict[str, TableSchema], **cells: Any) -> dict[str, str]:
    """The fill each Needs column gets on a row with these cells (field -> value)."""
    plan = format_plan(schemas, headers_of(schemas, config), config)
    at = by_title(schemas, "needs")
    row = {letter(at[name]): value for name, value in cells.items()}
    got: dict[str, str] = {}
    for rule in tab_of(plan, "Needs").rules:
        field = next(name for name, col in at.items() if col == rule.first_col)
        if field not in got and evaluate(rule.formula, row):
            got[field] = rule.fill
    return got


def test_the_thresholds_follow_the_first_escalation_level_of_each_urgency(config):
    assert waiting_days(config.followup, FORM_ANSWERS) == (
        Waiting("Today", None, 1),  # 4 hours: red from day 1, no amber before it
        Waiting("This week", 1, 2),  # 2 days
        Waiting("When someone can", 4, 7),  # the default, 7 days: amber from 3.5
        Waiting("", 4, 7),  # any other urgency
    )


@pytest.mark.parametrize(
    ("urgency", "status", "days_open", "fill"),
    [
        ("Today", "open", 0, None),
        ("Today", "open", 1, RED),
        ("today", "open", 3, RED),  # whatever the case
        ("This week", "open", 0, None),
        ("This week", "open", 1, AMBER),
        ("This week", "open", 2, RED),
        ("When someone can", "open", 3, None),
        ("When someone can", "open", 4, AMBER),
        ("When someone can", "open", 7, RED),
        ("Next month", "open", 4, AMBER),  # not a form answer: the default
        ("Next month", "open", 8, RED),
        ("", "open", 7, RED),
        ("Today", "matched", 5, None),  # only while open
        ("Today", "met", 5, None),
        ("Today", "open", None, None),  # not counted yet
        ("Today", "open", "soon", None),  # text, not days
    ],
)
def test_days_open_is_coloured_by_urgency_while_open(
    schemas, config, urgency, status, days_open, fill
):
    got = fills(config, schemas, urgency=urgency, status=status, days_open=days_open)
    assert got.get("days_open") == fill


@pytest.mark.parametrize(
    ("escalated", "fill"), [("4 hours", AMBER), ("14 days", AMBER), ("", None)]
)
def test_an_escalated_need_shows_amber(schemas, config, escalated, fill):
    got = fills(config, schemas, urgency="Today", status="open", days_open=0, escalated=escalated)
    assert got.get("escalated") == fill


def test_the_colours_follow_the_followup_config(schemas, config):
    """Today needs given 2 days before escalating: amber on day 1, red on day 2; the plan's
    version changes, so the sheet is formatted again."""
    before = format_plan(schemas, headers_of(schemas, config), config)
    followup = read_followup({"followup": {"escalate_after": {"Today": "2 days"}}}, "test")
    patient = config.__class__(**{**vars(config), "followup": followup})
    assert format_plan(schemas, headers_of(schemas, patient), patient).version != before.version
    day = {n: fills(patient, schemas, urgency="Today", status="open", days_open=n) for n in (1, 2)}
    assert (day[1].get("days_open"), day[2].get("days_open")) == (AMBER, RED)


def test_the_rules_go_where_days_open_and_escalated_are(schemas, config):
    plan = format_plan(schemas, headers_of(schemas, config), config)
    rules = tab_of(plan, "Needs").rules
    at = by_title(schemas, "needs")
    assert {(r.first_col, r.last_col) for r in rules} == {
        (at["days_open"], at["days_open"]),
        (at["escalated"], at["escalated"]),
    }
    u, s, d = (letter(at[n]) for n in ("urgency", "status", "days_open"))
    assert rules[0].formula == f'=AND(${s}2="open",${u}2="Today",ISNUMBER(${d}2),${d}2>=1)'
    assert rules[0].bold and rules[0].fill == RED


def test_a_workbook_gets_the_rules_on_its_needs_tab(backend, config, schemas):
    """The workbook backend writes them (as for the other tabs, marked as sheetsync's)."""
    plan = format_plan(schemas, headers_of(schemas, config), config)
    at = by_title(schemas, "needs")
    book = openpyxl.load_workbook(config.workbook)
    written = {
        str(r.sqref).split(":")[0]: [x.formula[0] for x in r.rules]
        for r in book["Needs"].conditional_formatting
    }
    days, escalated = (f"{letter(at[n])}2" for n in ("days_open", "escalated"))
    assert set(written) == {days, escalated}
    expected = [r.formula[1:] for r in tab_of(plan, "Needs").rules]
    assert [f.removeprefix("AND(").removesuffix(',N("sheetsync")=0)') for f in written[days]] == (
        expected[:-1]
    )
