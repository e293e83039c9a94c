"""A member's load from the Tasks tab: tasks and hours this week and over four weeks,
shifts in the last seven days, busy weeks in a row, overdue tasks.

A task counts as work once it is accepted (it is on their plate) or done. Its date is its
due date, else the day sheetsync proposed it. Hours are the Tasks tab's hours; a task
without them counts as [matching] hours_per_task, and the figures say they are estimated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sheetsync.members import Help
from sheetsync.statuses import WORK, TaskStatus

WEEK = dt.timedelta(days=7)
MONTH_WEEKS = 4  # "the last four weeks": the month the figures and the group flag use


@dataclass(frozen=True)
class Figures:
    tasks_week: int = 0  # accepted and not done yet, or done in the last 7 days
    hours_week: float = 0.0
    tasks_month: int = 0  # the same over the last four weeks
    hours_month: float = 0.0
    shifts_7_days: int = 0  # tasks dated in the last 7 days
    busy_weeks: int = 0  # weeks in a row, back from this one, with busy_week_tasks tasks
    overdue: int = 0  # accepted, not done, past their due date
    accepted: int = 0  # accepted and not done yet
    estimated: bool = False  # some hours were not recorded and were estimated


def counts_since(h: Help, today: dt.date, days: int) -> bool:
    """Whether a task counts as work over the last `days` days: accepted and due by the
    coming week (or undated: on their plate until done), or done in those days."""
    if h.status not in WORK:
        return False
    if h.on is None:
        return h.status == TaskStatus.ACCEPTED
    if h.on > today + dt.timedelta(days=6):
        return False
    return h.status == TaskStatus.ACCEPTED or h.on > today - dt.timedelta(days=days)


def figures_of(
    helps: Iterable[Help],
    today: dt.date,
    *,
    hours_per_task: float,
    weeks_back: int,
    busy_week_tasks: int = 1,
) -> Figures:
    """One member's figures on `today` from the tasks they took part in. A week is busy
    with at least `busy_week_tasks` tasks dated in it."""
    work = [h for h in helps if h.status in WORK]
    week = [h for h in work if counts_since(h, today, 7)]
    month = [h for h in work if counts_since(h, today, 7 * MONTH_WEEKS)]
    dated = [h.on for h in work if h.on is not None]
    accepted = [h for h in work if h.status == TaskStatus.ACCEPTED]
    return Figures(
        tasks_week=len(week),
        hours_week=_hours(week, hours_per_task),
        tasks_month=len(month),
        hours_month=_hours(month, hours_per_task),
        shifts_7_days=_dated_in_week(dated, today),
        busy_weeks=_busy_weeks(dated, today, weeks_back, busy_week_tasks),
        overdue=_overdue(accepted, today),
        accepted=len(accepted),
        estimated=any(h.hours is None for h in month),
    )


def _hours(found: list[Help], hours_per_task: float) -> float:
    """The hours of some tasks; one without recorded hours counts as `hours_per_task`."""
    return sum(hours_per_task if h.hours is None else h.hours for h in found)


def _overdue(accepted: list[Help], today: dt.date) -> int:
    """How many accepted tasks are past their due date (an undated one never is)."""
    return sum(h.due is not None and h.due < today for h in accepted)


def _dated_in_week(dated: list[dt.date], end: dt.date) -> int:
    """How many of the dates fall in the seven days ending on `end`."""
    start = end - dt.timedelta(days=6)
    return sum(start <= on <= end for on in dated)


def _busy_weeks(dated: list[dt.date], today: dt.date, weeks_back: int, busy_week_tasks: int) -> int:
    """Busy weeks in a row, back from the one ending today, looking at most `weeks_back`."""
    busy = 0
    while busy < weeks_back and _dated_in_week(dated, today - WEEK * busy) >= busy_week_tasks:
        busy += 1
    return busy
