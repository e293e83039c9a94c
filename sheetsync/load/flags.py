"""The Load tab's flags: each with a plain reason and a next step, in a caring tone.

A flag says what the network's own data shows and what organizers could offer; it never
blames anyone for doing too much, nor for not checking in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sheetsync.config import LoadConfig
from sheetsync.load.figures import Figures
from sheetsync.members import Checkin


class FlagCode(StrEnum):
    OVER_CAPACITY = "over capacity"
    RED_CHECKIN = "red check-in"
    STRETCHED = "stretched"
    MANY_SHIFTS = "many shifts"
    NO_WEEK_OFF = "no week off"
    OVERDUE = "overdue tasks"
    CHECKIN_DUE = "check-in due"


# Flags after which sheetsync suggests a rest.
RESTFUL = {FlagCode.OVER_CAPACITY, FlagCode.RED_CHECKIN, FlagCode.MANY_SHIFTS, FlagCode.NO_WEEK_OFF}


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    reason: str
    next_step: str


@dataclass(frozen=True)
class Member:
    """What the flags look at for one member."""

    person_id: str
    name: str
    since: dt.date | None  # first seen
    capacity: int | None  # tasks a week they said they can give; None if they did not say
    checkin: Checkin
    figures: Figures


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else "them"


def _tasks(n: int) -> str:
    return f"{n} task{'s' if n != 1 else ''}"


def flags_for(member: Member, cfg: LoadConfig, today: dt.date) -> list[Flag]:
    """Every flag that applies to a member today, in RULES order. The rest offer that
    RESTFUL flags call for is worded once, by the caller (offer_rest)."""
    return [flag for rule in RULES if (flag := rule(member, cfg, today)) is not None]


def _over_capacity(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """More tasks this week than they said they can give; else more hours than their check-in
    of the last 7 days gave."""
    f, checkin = member.figures, member.checkin
    if member.capacity is not None and f.tasks_week > member.capacity:
        return Flag(
            FlagCode.OVER_CAPACITY,
            f"{_tasks(f.tasks_week)} on their plate this week; they said they can give "
            f"{member.capacity} a week.",
            f"Thank {first_name(member.name)}, ask how it is going, and offer to pass a task on.",
        )
    checked_lately = checkin.on is not None and (today - checkin.on).days < 7
    if checkin.hours is not None and checked_lately and f.hours_week > checkin.hours:
        return Flag(
            FlagCode.OVER_CAPACITY,
            f"About {f.hours_week:g} hours of tasks this week; their check-in said "
            f"{checkin.hours:g} hours.",
            f"Ask {first_name(member.name)} which task someone else could take.",
        )
    return None


def _red_checkin(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """Their latest check-in is red."""
    if member.checkin.status != "red":
        return None
    return Flag(
        FlagCode.RED_CHECKIN,
        f"Their check-in on {member.checkin.on} was red.",
        f"Thank {first_name(member.name)} warmly. Matching already leaves them out until they "
        "check in again.",
    )


def _stretched(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """Their latest check-in is yellow and they have more than yellow_max_tasks this week."""
    tasks_week = member.figures.tasks_week
    if member.checkin.status != "yellow" or tasks_week <= cfg.yellow_max_tasks:
        return None
    return Flag(
        FlagCode.STRETCHED,
        f"Their check-in on {member.checkin.on} said they are stretched, and they have "
        f"{_tasks(tasks_week)} this week.",
        f"Ask {first_name(member.name)} whether one of them could go to someone else.",
    )


def _many_shifts(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """shifts_per_week shifts or more in the last 7 days."""
    shifts = member.figures.shifts_7_days
    if shifts < cfg.shifts_per_week:
        return None
    return Flag(
        FlagCode.MANY_SHIFTS, f"{shifts} shifts in the last 7 days.", "Suggest the next week off."
    )


def _no_week_off(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """Busy busy_weeks weeks in a row."""
    busy = member.figures.busy_weeks
    if busy < cfg.busy_weeks:
        return None
    return Flag(
        FlagCode.NO_WEEK_OFF,
        f"Busy {busy} weeks in a row without a week off.",
        "A week off would be well earned.",
    )


def _overdue_tasks(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """overdue_tasks or more accepted tasks past their due date."""
    overdue = member.figures.overdue
    if overdue < cfg.overdue_tasks:
        return None
    return Flag(
        FlagCode.OVERDUE,
        f"{_tasks(overdue)} past their due date are waiting with them.",
        f"Ask {first_name(member.name)} if they would like help: some could be handed over to "
        "another volunteer (decline them on Tasks and sheetsync proposes someone else).",
    )


def _checkin_due(member: Member, cfg: LoadConfig, today: dt.date) -> Flag | None:
    """No check-in for checkin_weeks weeks; or none yet, that long after they joined."""
    checkin, since, who = member.checkin, member.since, first_name(member.name)
    days = 7 * cfg.checkin_weeks
    if checkin.on is not None and (today - checkin.on).days >= days:
        return Flag(
            FlagCode.CHECKIN_DUE,
            f"No check-in since {checkin.on}.",
            f"Send {who} a friendly hello: how are they doing, and how much time do they "
            "have these days?",
        )
    if checkin.on is None and since and (today - since).days >= days:
        return Flag(
            FlagCode.CHECKIN_DUE,
            f"Has not filled in a check-in yet (with us since {since}).",
            f"Send {who} a friendly hello and the check-in form: it helps us never ask "
            "too much of anyone.",
        )
    return None


# The flags, in the order the Load tab lists them: each rule says whether its flag applies.
RULES: tuple[Callable[[Member, LoadConfig, dt.date], Flag | None], ...] = (
    _over_capacity,
    _red_checkin,
    _stretched,
    _many_shifts,
    _no_week_off,
    _overdue_tasks,
    _checkin_due,
)


def offer_rest(name: str, until: dt.date, *, yes_works: bool = True) -> str:
    """The one rest offer for a member flagged with any RESTFUL flag."""
    confirm = f"{until} (or yes)" if yes_works else f"{until}"
    return (
        f"Offer {first_name(name)} a rest until {until:%a} {until}; if they would like it, "
        f"write {confirm} in rest_until."
    )
