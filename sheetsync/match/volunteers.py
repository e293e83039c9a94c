"""Volunteers as the matching weighs them: a person's linked duplicate rows joined into one,
with their room this week and the work they had in recent weeks.

Room is the weekly capacity of their newest offer, lowered by the hours of the latest
check-in ([matching] hours_per_task), minus the tasks held this week, counted as on the Load
tab.

Whether someone may be asked at all (a red check-in, a rest, do not contact) is read from
each person's own rows (unavailable_people): a row joined to theirs only by a pair still to
review never takes their proposals away.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sheetsync.config import MatchingConfig
from sheetsync.intake.responses import ref_key, split_refs
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
from sheetsync.statuses import WORK, TaskStatus

RED = "checked in red"
RESTING = "resting (a rest confirmed on the Load tab)"
DO_NOT_CONTACT = "marked do not contact"
NO_DAY = dt.date.max.toordinal() + 1  # a day number past the calendar: no day


def unavailable_people(
    people: list[dict[str, Any]], kept: dict[str, str], resting: set[str]
) -> dict[str, str]:
    """Person id -> why they may not be asked now, in plain words, read from their own rows
    (linked duplicate rows included, never rows joined only by a pair to review): a red
    latest check-in, a rest confirmed on the Load tab (`resting`: kept ids), or marked do
    not contact. Absent when they may be asked."""
    why: dict[str, str] = {}
    for pid, group in rows_by_person(people, kept).items():
        if latest_checkin(group)["checkin_status"] == "red":
            why[pid] = RED
        elif pid in resting:
            why[pid] = RESTING
        elif any(r["do_not_contact"].strip() for r in group):
            why[pid] = DO_NOT_CONTACT
    return {pid: why[k] for pid, k in kept.items() if k in why}


@dataclass(frozen=True)
class Weighed:
    """The volunteers, and the first day after today on which a task starts or stops
    counting (None: no day does): in their week (`room_changes`: their room, so what they
    may be proposed and which proposals they keep), or in their recent weeks
    (`recent_changes`: the fairness that orders who is chosen, and a new task's reasons)."""

    volunteers: list[Volunteer]
    room_changes: dt.date | None = None
    recent_changes: dt.date | None = None


def weigh_volunteers(
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    joined: dict[str, str],
    unavailable: dict[str, str],
    *,
    today: dt.date,
    dayfirst: bool,
    config: MatchingConfig,
    offers_tab: str = "",
) -> Weighed:
    """One Volunteer per joined group, with their room this week, and when the tasks they
    hold next count differently by the day alone. `joined` maps each person id to the one
    their rows count under (match.network.joined_ids: linked rows, and pairs still to
    review); `unavailable` is unavailable_people's; `offers_tab` the Offer help form's tab,
    to tell the newest offer (_newest_offer)."""
    rows = rows_by_person(people, joined)
    held = _tasks_held(tasks, joined, today=today, dayfirst=dayfirst, weeks=config.recent_weeks)
    return Weighed(
        [
            _volunteer(pid, group, held, unavailable, config.hours_per_task, offers_tab)
            for pid, group in rows.items()
            if is_volunteer(group)
        ],
        held.room_changes,
        held.recent_changes,
    )


@dataclass
class Held:
    """The tasks each volunteer holds (by kept id)."""

    this_week: dict[str, int]  # taking room this week
    recent: dict[str, int]  # over the last recent_weeks, for fairness
    # The first day after today on which a task counts differently in them (Weighed).
    room_changes: dt.date | None = None
    recent_changes: dt.date | None = None


def _tasks_held(
    tasks: list[dict[str, Any]], kept: dict[str, str], *, today: dt.date, dayfirst: bool, weeks: int
) -> Held:
    """Count each volunteer's tasks this week and in the last `weeks` weeks."""
    held = Held(this_week=defaultdict(int), recent=defaultdict(int))
    # The next day a task counts differently, as a day number (date.toordinal): one pass.
    day = today.toordinal()
    room = recent = NO_DAY
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
        if task.on is not None:
            on = task.on.toordinal()
            if not proposed:
                room = min(room, _next_count_day(task.status, on, day, 7))
            recent = min(recent, _next_count_day(task.status, on, day, 7 * weeks))
    held.room_changes = _date(room)
    held.recent_changes = _date(recent)
    return held


def _next_count_day(status: TaskStatus, on: int, today: int, days: int) -> int:
    """The first day after `today` on which a task dated `on` may start or stop counting
    over the last `days` days, as _tasks_held counts it (load.figures.counts_since, and a
    proposal by its date), all as day numbers: six days before its date, one accepted or
    done is due by the coming week; `days` days after it, one done or proposed is too old
    (an accepted one counts until done). NO_DAY when no day changes it."""
    if status == TaskStatus.PROPOSED:
        shifts: tuple[int, ...] = (days,)
    elif status == TaskStatus.ACCEPTED:
        shifts = (-6,)
    elif status in WORK:
        shifts = (-6, days)
    else:
        return NO_DAY
    return min((on + k for k in shifts if on + k > today), default=NO_DAY)


def _date(day: int) -> dt.date | None:
    """A day number as a date; None for NO_DAY (or past the calendar)."""
    return dt.date.fromordinal(day) if day < NO_DAY else None


def _volunteer(
    pid: str,
    group: list[dict[str, Any]],
    held: Held,
    unavailable: dict[str, str],
    hours_per_task: float,
    offers_tab: str,
) -> Volunteer:
    """One joined group's rows as one Volunteer: offers, languages and availability taken
    together. For new proposals the group is left out when anyone in it may not be asked:
    rows still to review may be the same person, and asking a red, resting or do not
    contact person by their other row is worse than waiting for the decision."""
    whys = [unavailable[r["person_id"]] for r in group if r["person_id"] in unavailable]
    capacity = _weekly_capacity(group, hours_per_task, offers_tab)
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
        resting=RED in whys or RESTING in whys,
        do_not_contact=DO_NOT_CONTACT in whys,
        unavailable=whys[0] if whys else "",
        weekly=capacity,
    )


def _weekly_capacity(group: list[dict[str, Any]], hours_per_task: float, offers_tab: str) -> int:
    """The tasks a week of their newest offer, lowered to the tasks the hours in their
    latest check-in allow. A lower capacity offered later lowers it, whichever row it
    landed on."""
    capacity = whole_number(_newest_offer(group, offers_tab)["weekly_capacity"])
    latest = latest_checkin(group)
    if latest["checkin_hours"]:
        hours = float(latest["checkin_hours"])
        capacity = min(capacity, math.floor(hours / hours_per_task))
    return capacity


def _newest_offer(group: list[dict[str, Any]], offers_tab: str) -> dict[str, Any]:
    """The row holding the newest offer. Each row's weekly_capacity is its own newest
    offer's (intake), and offers come in down the Offer help tab, so the row whose `source`
    cites the response furthest down that tab has the newest. A row with no capacity never
    wins; without the tab or a source, the row seen last (last_seen), then the newer id."""

    def newest(row: dict[str, Any]) -> tuple[bool, int, str, str]:
        on_tab = [n for tab, n in map(ref_key, split_refs(row["source"])) if tab == offers_tab]
        return (
            bool(str(row["weekly_capacity"]).strip()),
            max(on_tab, default=0),
            row["last_seen"],
            row["person_id"],
        )

    return max(group, key=newest)


def _zone(group: list[dict[str, Any]], pid: str) -> str:
    """The zone on their own row, else the first zone on a linked row."""
    main = next(r for r in group if r["person_id"] == pid)
    return main["zone"] or next((r["zone"] for r in group if r["zone"]), "")


def _union(rows: list[dict[str, Any]], name: str) -> set[str]:
    """Every item of a list column (offers, languages, availability) across the rows."""
    return set().union(*(split_list(r[name]) for r in rows))
