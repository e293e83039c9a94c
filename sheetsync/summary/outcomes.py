"""What the network achieved over a period, from the tabs: needs opened and met, people and
households helped, days to a match, volunteers active, hours given.

A need is *met* on the date of its first task marked done (the task's due date, else the
day it was proposed, as on the Load tab). It is *matched* on the day its first task that
a volunteer accepted (or did) was proposed. Linked duplicate rows count as one person.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.config import GOAL_MEASURES, Goal
from sheetsync.form_languages import ENGLISH
from sheetsync.horizon import NEVER, next_whole_day
from sheetsync.members import Help, helps, kept_ids, parse_datetime
from sheetsync.statuses import REAL_NEEDS, WORK, NeedStatus, TaskStatus
from sheetsync.tables import records_of
from sheetsync.translation import month, number, translate


@dataclass(frozen=True)
class NeedOutcome:
    need_id: str
    person_id: str  # the kept person
    household: str  # the household, else the person: "families helped"
    category: str
    status: NeedStatus
    opened: dt.date | None
    matched: dt.date | None
    met: dt.date | None


@dataclass(frozen=True)
class Period:
    key: str  # week, month, last_month
    label: str  # "the last 7 days", "November 2026 (so far)"
    start: dt.date
    end: dt.date  # inclusive

    def holds(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass
class PeriodFigures:
    period: Period
    needs_opened: int = 0
    needs_met: int = 0
    people_helped: int = 0
    households_helped: int = 0
    volunteers_active: int = 0
    hours_given: float = 0.0
    hours_estimated: bool = False
    median_days_to_match: float | None = None  # None: nothing was matched in the period
    met_by_category: dict[str, int] = field(default_factory=dict)
    unmet_by_category: dict[str, int] = field(default_factory=dict)  # opened, not met yet


@dataclass(frozen=True)
class WeekCount:
    label: str  # the week's first day, e.g. "17 Nov" (the chart's; emails format `first`)
    opened: int
    met: int
    first: dt.date | None = None  # that day


def periods(today: dt.date) -> list[Period]:
    """The last 7 days, this calendar month so far, and last month."""
    month_start = today.replace(day=1)
    last_end = month_start - dt.timedelta(days=1)
    last_start = last_end.replace(day=1)
    return [
        Period("week", "the last 7 days", today - dt.timedelta(days=6), today),
        Period("month", f"{today:%B %Y} (so far)", month_start, today),
        Period("last_month", f"{last_end:%B %Y}", last_start, last_end),
    ]


def need_outcomes(
    needs: Iterable[dict[str, Any]],
    people: Iterable[dict[str, Any]],
    help_list: Iterable[Help],
) -> list[NeedOutcome]:
    """Each real need with the day it opened, was matched and was met."""
    people = list(people)
    kept = kept_ids(people)
    household = {p["person_id"]: p["household"] for p in people}
    matched: dict[str, dt.date] = {}
    met: dict[str, dt.date] = {}
    for h in help_list:
        if h.status not in WORK:
            continue
        # Matched when proposed, not when due: a task due in a fortnight was matched today.
        if h.proposed is not None and (h.need_id not in matched or h.proposed < matched[h.need_id]):
            matched[h.need_id] = h.proposed
        if (
            h.status == TaskStatus.DONE
            and h.on is not None
            and (h.need_id not in met or h.on < met[h.need_id])
        ):
            met[h.need_id] = h.on
    found = []
    for need in needs:
        if need["status"] not in REAL_NEEDS:
            continue
        opened = parse_datetime(need["opened"])
        person = kept.get(need["person_id"], need["person_id"])
        found.append(
            NeedOutcome(
                need["need_id"],
                person,
                household.get(person) or person,
                need["category"],
                NeedStatus(need["status"]),
                opened.date() if opened else None,
                matched.get(need["need_id"]),
                # A need marked met by hand, without a done task, has no date: not counted.
                met.get(need["need_id"]),
            )
        )
    return found


def period_figures(
    period: Period,
    outcomes: list[NeedOutcome],
    help_list: list[Help],
    *,
    hours_per_task: float,
) -> PeriodFigures:
    """One period's figures: the needs it saw opened and met, and the work given in it."""
    met = [o for o in outcomes if period.holds(o.met)]
    # Not met yet by its status: a need set to met by hand, with no done task, is met here.
    unmet = [o for o in outcomes if period.holds(o.opened) and o.status != NeedStatus.MET]
    active, hours, estimated = _work_given(period, help_list, hours_per_task)
    return PeriodFigures(
        period,
        needs_opened=sum(period.holds(o.opened) for o in outcomes),
        needs_met=len(met),
        people_helped=len({o.person_id for o in met}),
        households_helped=len({o.household for o in met}),
        volunteers_active=active,
        hours_given=hours,
        hours_estimated=estimated,
        median_days_to_match=_median_days_to_match(period, outcomes),
        met_by_category=_by_category(met),
        unmet_by_category=_by_category(unmet),
    )


def _by_category(outcomes: list[NeedOutcome]) -> dict[str, int]:
    """How many needs in each category, in the order the categories first appear."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.category] = counts.get(o.category, 0) + 1
    return counts


def _median_days_to_match(period: Period, outcomes: list[NeedOutcome]) -> float | None:
    """The median days from a need's opening to its match, over the needs matched in the
    period, never below 0; None when none was matched."""
    waits = [
        (o.matched - o.opened).days
        for o in outcomes
        if period.holds(o.matched) and o.opened is not None and o.matched is not None
    ]
    return max(0.0, statistics.median(waits)) if waits else None


def _work_given(
    period: Period, help_list: list[Help], hours_per_task: float
) -> tuple[int, float, bool]:
    """The people who took on or did a task in the period, the hours its done tasks gave
    (each task and helper once), and whether any was estimated: a done task without hours
    counts `hours_per_task`."""
    worked = [h for h in help_list if h.status in WORK and period.holds(h.on)]
    done = {(h.task_id, h.person_id): h for h in worked if h.status == TaskStatus.DONE}
    hours, estimated = 0.0, False
    for h in done.values():
        hours += h.hours if h.hours is not None else hours_per_task
        estimated |= h.hours is None
    return len({h.person_id for h in worked}), hours, estimated


def weekly_series(outcomes: list[NeedOutcome], today: dt.date, weeks: int = 8) -> list[WeekCount]:
    """Needs opened and met in each of the last `weeks` 7-day weeks, oldest first."""
    opened, met = [0] * weeks, [0] * weeks  # index 0: the week ending today

    def count(day: dt.date | None, into: list[int]) -> None:
        back = (today - day).days // 7 if day is not None and day <= today else weeks
        if back < weeks:
            into[back] += 1

    for o in outcomes:
        count(o.opened, opened)
        count(o.met, met)
    firsts = [today - dt.timedelta(days=7 * back + 6) for back in range(weeks)]
    return [
        WeekCount(f"{firsts[back]:%d %b}", opened[back], met[back], firsts[back])
        for back in range(weeks - 1, -1, -1)
    ]


@dataclass(frozen=True)
class Outcomes:
    """What the network achieved, worked out once per run: the Summary tab and the digests
    both read it."""

    needs: list[NeedOutcome]  # each real need with the days it opened, was matched and met
    helps: list[Help]  # each (task, helper) on the Tasks tab
    periods: list[PeriodFigures]  # the last 7 days, this month so far, last month

    @property
    def week(self) -> PeriodFigures:
        return self.periods[0]

    @property
    def month(self) -> PeriodFigures:
        return self.periods[1]


def figures_for(
    frames: dict[str, Any], today: dt.date, *, dayfirst: bool, hours_per_task: float
) -> Outcomes:
    """The outcomes, the helps and the figures of each period, from the frames."""
    people = records_of(frames["people"])
    help_list = helps(records_of(frames["tasks"]), kept_ids(people), dayfirst=dayfirst)
    outcomes = need_outcomes(records_of(frames["needs"]), people, help_list)
    return Outcomes(
        outcomes,
        help_list,
        [
            period_figures(p, outcomes, help_list, hours_per_task=hours_per_task)
            for p in periods(today)
        ],
    )


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    achieved: float
    period: Period  # the month so far, or the last 7 days

    @property
    def percent(self) -> int:
        return round(100 * self.achieved / self.goal.target)

    @property
    def sentence(self) -> str:
        return self.sentence_in(ENGLISH)

    def sentence_in(self, language: str) -> str:
        """How far along the goal is, in a language: "40 of 500 households (families)
        helped (8%) in December 2026 (so far); at this pace, 200 by the end of the month." """
        text = translate(
            language,
            "%(done)s of %(target)s %(what)s (%(percent)s%%) in %(period)s",
            done=said_number(self.achieved, language),
            target=said_number(self.goal.target, language),
            what=translate(language, GOAL_MEASURES[self.goal.measure]),
            percent=said_number(self.percent, language),
            period=period_name(self.period, language),
        )
        if self.goal.per == "month":
            days = (self.period.end - self.period.start).days + 1
            length = _month_days(self.period.start)
            if days < length and self.achieved < self.goal.target:
                pace = self.achieved * length / days
                text = translate(
                    language,
                    "%(progress)s; at this pace, %(pace)s by the end of the month",
                    progress=text,
                    pace=said_number(round(pace), language),
                )
        return text + "."


def period_name(period: Period, language: str) -> str:
    """A period as the Summary names it, in a language: "the last 7 days", "December 2026
    (so far)", "November 2026" (the digests' words for them: digest/formats.period)."""
    if period.key == "week":
        return translate(language, "the last 7 days")
    if period.key == "month":
        return translate(language, "%(month)s (so far)", month=month(period.start, language))
    return month(period.start, language)


def goal_progress(goals: Iterable[Goal], figures: list[PeriodFigures]) -> list[GoalProgress]:
    """Each goal against its period's figures: the last 7 days, or this month so far."""
    by_key = {f.period.key: f for f in figures}
    return [
        GoalProgress(
            goal,
            float(getattr(by_key["week" if goal.per == "week" else "month"], goal.measure)),
            by_key["week" if goal.per == "week" else "month"].period,
        )
        for goal in goals
    ]


def _month_days(first: dt.date) -> int:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - first).days


def format_number(value: float) -> str:
    """A figure as the Summary writes it: 3, or 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def said_number(value: float, language: str) -> str:
    """A figure in a sentence: rounded as the Summary writes it (3, 2.5), with the
    language's separators (2,5; 1,234 or 1.234)."""
    return number(float(format_number(value)), language)


WAITED_LONG = dt.timedelta(days=7)  # "waiting more than 7 days", on the Summary


def waited_until(opened: pd.Series, now: dt.datetime) -> dt.datetime:
    """When the Summary's figures of the needs waiting next change by time alone
    (sheetsync/horizon.py): a need opened at o waits "more than 7 days" once past o + 7
    days, and the days the oldest has waited grow at each whole day after it opened.
    `opened`: the waiting needs' opening times (NaT when unreadable). Vectorised."""
    known = opened.dropna()
    if known.empty:
        return NEVER
    week = known + WAITED_LONG
    coming = week[week >= pd.Timestamp(now)]  # at o + 7 days exactly, still not counted
    first = coming.min().to_pydatetime() if len(coming) else NEVER
    return min(first, next_whole_day(known.min().to_pydatetime(), now))
