"""Volunteers as the matching weighs them: a person's linked duplicate rows joined into one,
with their room this week and the work they had in recent weeks.

Room is the weekly capacity offered, lowered by the hours of the latest check-in
([matching] hours_per_task), minus the tasks held this week, counted as on the Load tab.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sheetsync.config import MatchingConfig
from sheetsync.load.figures import counts_since
from sheetsync.match.eligibility import Volunteer
from sheetsync.members import (
    helps,
    is_volunteer,
    latest_checkin,
    rows_by_person,
    split_list,
    whole_number,
)
from sheetsync.normalize import fold
from sheetsync.statuses import TaskStatus


def gather_volunteers(
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    kept: dict[str, str],
    resting: set[str],
    *,
    today: dt.date,
    dayfirst: bool,
    config: MatchingConfig,
) -> list[Volunteer]:
    """One Volunteer per person (linked duplicate rows joined), with their room this week.
    `kept` maps each person id to the one their rows count under (match.network.joined_ids:
    linked rows, and pairs still to review); `resting` holds those ids for the members
    whose rest is confirmed on the Load tab."""
    rows = rows_by_person(people, kept)
    held = _tasks_held(tasks, kept, today=today, dayfirst=dayfirst, weeks=config.recent_weeks)
    hours_per_task = config.hours_per_task
    return [
        _volunteer(pid, group, held, resting, hours_per_task)
        for pid, group in rows.items()
        if is_volunteer(group)
    ]


@dataclass
class Held:
    """The tasks each volunteer holds (by kept id)."""

    this_week: dict[str, int]  # taking room this week
    recent: dict[str, int]  # over the last recent_weeks, for fairness


def _tasks_held(
    tasks: list[dict[str, Any]], kept: dict[str, str], *, today: dt.date, dayfirst: bool, weeks: int
) -> Held:
    """Count each volunteer's tasks this week and in the last `weeks` weeks."""
    held = Held(this_week=defaultdict(int), recent=defaultdict(int))
    # Counted as on the Load tab (load.figures.counts_since): a task's date is its due
    # date, else the day it was proposed, so tasks typed in by hand count too. A proposal
    # waiting for a yes holds its place this week as well.
    for task in helps(tasks, kept, dayfirst=dayfirst):
        proposed = task.status == TaskStatus.PROPOSED
        if proposed or counts_since(task, today, 7):
            held.this_week[task.person_id] += 1
        if counts_since(task, today, 7 * weeks) or (
            proposed and task.on is not None and task.on > today - dt.timedelta(weeks=weeks)
        ):
            held.recent[task.person_id] += 1
    return held


def _volunteer(
    pid: str, group: list[dict[str, Any]], held: Held, resting: set[str], hours_per_task: float
) -> Volunteer:
    """One person's rows as one Volunteer: offers, languages and availability taken
    together; resting with a red latest check-in or a rest confirmed on the Load tab."""
    latest = latest_checkin(group)
    capacity = _weekly_capacity(group, latest, hours_per_task)
    red = latest["checkin_status"] == "red"
    do_not_contact = any(r["do_not_contact"].strip() for r in group)
    return Volunteer(
        person_id=pid,
        offers=_union(group, "offers"),
        languages=_union(group, "languages"),
        zone=_zone(group, pid),
        availability=_union(group, "availability"),
        has_car=any(fold(r["has_car"]) == "yes" for r in group),
        capacity=capacity - held.this_week[pid],
        recent=held.recent[pid],
        household=next((r["household"] for r in group if r["household"]), ""),
        resting=red or pid in resting,
        do_not_contact=do_not_contact,
        unavailable=(
            "checked in red"
            if red
            else "resting (a rest confirmed on the Load tab)"
            if pid in resting
            else "marked do not contact"
            if do_not_contact
            else ""
        ),
        weekly=capacity,
    )


def _weekly_capacity(
    group: list[dict[str, Any]], latest: dict[str, Any], hours_per_task: float
) -> int:
    """The most tasks a week offered on any of their rows, lowered to the tasks the hours
    in their latest check-in allow."""
    capacity = max((whole_number(r["weekly_capacity"]) for r in group), default=0)
    if latest["checkin_hours"]:
        hours = float(latest["checkin_hours"])
        capacity = min(capacity, math.floor(hours / hours_per_task))
    return capacity


def _zone(group: list[dict[str, Any]], pid: str) -> str:
    """The zone on their own row, else the first zone on a linked row."""
    main = next(r for r in group if r["person_id"] == pid)
    return main["zone"] or next((r["zone"] for r in group if r["zone"]), "")


def _union(rows: list[dict[str, Any]], name: str) -> set[str]:
    """Every item of a list column (offers, languages, availability) across the rows."""
    return set().union(*(split_list(r[name]) for r in rows))
