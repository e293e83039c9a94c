"""The Needs tab's colours for follow-up: days_open by urgency, escalated needs.

A need still open turns its days_open red once it has waited as long as its urgency's first
escalation level ([followup] escalate_after, in whole days rounded up: "4 hours" is from day
1), and amber from half of that; an escalated need's escalated cell is amber. The days come
from the config, so the sheet's colours and the escalation emails agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sheetsync.backends.formats import ColourRule
from sheetsync.config_followup import DEFAULT, FollowupConfig
from sheetsync.normalize import fold

DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Waiting:
    """From how many days open a need of this urgency shows amber, then red. `urgency` is
    "" for any urgency not listed (the config's default)."""

    urgency: str
    amber: int | None  # None: red comes first (a day or less to wait)
    red: int


def waiting_days(followup: FollowupConfig, answers: Iterable[str]) -> tuple[Waiting, ...]:
    """The thresholds of each urgency: the form's `answers` and those [followup] names,
    then "" for any other."""
    named: dict[str, str] = {}
    for answer in answers:
        named.setdefault(fold(answer), answer)
    for key in followup.escalate_after:
        if key != DEFAULT:
            named.setdefault(key, key)
    return (*(_waiting(followup, u) for u in named.values()), _waiting(followup, ""))


def _waiting(followup: FollowupConfig, urgency: str) -> Waiting:
    _, first = followup.levels(urgency)[0]
    red = max(1, math.ceil(first.total_seconds() / DAY_SECONDS))
    amber = math.ceil(red / 2)
    return Waiting(urgency, amber if amber < red else None, red)


def needs_rules(
    at: Mapping[str, int],
    ref: Mapping[str, str],
    waits: Sequence[Waiting],
    *,
    red: str,
    amber: str,
    is_open: str = "",
) -> tuple[ColourRule, ...]:
    """days_open red, then amber, by urgency while the need is open; escalated amber.
    `at`: field -> column; `ref`: field -> its anchored row-2 reference ($K2); `red` and
    `amber`: the fills; `is_open`: the test that a row's status is open (formatting.status_is),
    its English word by default."""
    rules: list[ColourRule] = []
    if {"urgency", "status", "days_open"} <= at.keys():
        col, days = at["days_open"], ref["days_open"]
        named = [w.urgency for w in waits if w.urgency]
        for level, fill in (("red", red), ("amber", amber)):
            for wait in waits:
                threshold = wait.red if level == "red" else wait.amber
                if threshold is None:
                    continue
                which = _urgency_is(ref["urgency"], wait.urgency, named)
                status = is_open or f'{ref["status"]}="open"'
                formula = f"=AND({status},{which},ISNUMBER({days}),{days}>={threshold})"
                rules.append(ColourRule(col, col, formula, fill, bold=level == "red"))
    if "escalated" in at:
        col = at["escalated"]
        rules.append(ColourRule(col, col, f'={ref["escalated"]}<>""', amber))
    return tuple(rules)


def _urgency_is(cell: str, urgency: str, named: Sequence[str]) -> str:
    """The test that a row's urgency is this one (both sheets compare text without regard
    to case), or, for "", none of the named ones."""
    if urgency:
        return f'{cell}="{_quoted(urgency)}"'
    if not named:
        return "TRUE"
    return "NOT(OR(" + ",".join(f'{cell}="{_quoted(u)}"' for u in named) + "))"


def _quoted(text: str) -> str:
    return text.replace('"', '""')
