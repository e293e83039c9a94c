"""The Load tab's flags: each with a plain reason and a next step, in a caring tone.

A flag says what the network's own data shows and what organizers could offer; it never
blames anyone for doing too much, nor for not checking in.
"""

from __future__ import annotations

import datetime as dt
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
    """Every flag that applies to a member today. The rest offer that RESTFUL flags call
    for is worded once, by the caller (offer_rest)."""
    f, checkin, who = member.figures, member.checkin, first_name(member.name)
    flags = []
    if member.capacity is not None and f.tasks_week > member.capacity:
        flags.append(
            Flag(
                FlagCode.OVER_CAPACITY,
                f"{_tasks(f.tasks_week)} on their plate this week; they said they can give "
                f"{member.capacity} a week.",
                f"Thank {who}, ask how it is going, and offer to pass a task on.",
            )
        )
    checked_lately = checkin.on is not None and (today - checkin.on).days < 7
    if (
        checkin.hours is not None
        and checked_lately
        and f.hours_week > checkin.hours
        and not any(x.code is FlagCode.OVER_CAPACITY for x in flags)
    ):
        flags.append(
            Flag(
                FlagCode.OVER_CAPACITY,
                f"About {f.hours_week:g} hours of tasks this week; their check-in said "
                f"{checkin.hours:g} hours.",
                f"Ask {who} which task someone else could take.",
            )
        )
    if checkin.status == "red":
        flags.append(
            Flag(
                FlagCode.RED_CHECKIN,
                f"Their check-in on {checkin.on} was red.",
                f"Thank {who} warmly. Matching already leaves them out until they check in again.",
            )
        )
    elif checkin.status == "yellow" and f.tasks_week > cfg.yellow_max_tasks:
        flags.append(
            Flag(
                FlagCode.STRETCHED,
                f"Their check-in on {checkin.on} said they are stretched, and they have "
                f"{_tasks(f.tasks_week)} this week.",
                f"Ask {who} whether one of them could go to someone else.",
            )
        )
    if f.shifts_7_days >= cfg.shifts_per_week:
        flags.append(
            Flag(
                FlagCode.MANY_SHIFTS,
                f"{f.shifts_7_days} shifts in the last 7 days.",
                "Suggest the next week off.",
            )
        )
    if f.busy_weeks >= cfg.busy_weeks:
        flags.append(
            Flag(
                FlagCode.NO_WEEK_OFF,
                f"Busy {f.busy_weeks} weeks in a row without a week off.",
                "A week off would be well earned.",
            )
        )
    if f.overdue >= cfg.overdue_tasks:
        flags.append(
            Flag(
                FlagCode.OVERDUE,
                f"{_tasks(f.overdue)} past their due date are waiting with them.",
                f"Ask {who} if they would like help: some could be handed over to another "
                "volunteer (decline them on Tasks and sheetsync proposes someone else).",
            )
        )
    weeks = cfg.checkin_weeks
    if checkin.on is not None and (today - checkin.on).days >= 7 * weeks:
        flags.append(
            Flag(
                FlagCode.CHECKIN_DUE,
                f"No check-in since {checkin.on}.",
                f"Send {who} a friendly hello: how are they doing, and how much time do they "
                "have these days?",
            )
        )
    elif checkin.on is None and member.since and (today - member.since).days >= 7 * weeks:
        flags.append(
            Flag(
                FlagCode.CHECKIN_DUE,
                f"Has not filled in a check-in yet (with us since {member.since}).",
                f"Send {who} a friendly hello and the check-in form: it helps us never ask "
                "too much of anyone.",
            )
        )
    return flags


def offer_rest(name: str, until: dt.date, *, yes_works: bool = True) -> str:
    """The one rest offer for a member flagged with any RESTFUL flag."""
    confirm = f"{until} (or yes)" if yes_works else f"{until}"
    return (
        f"Offer {first_name(name)} a rest until {until:%a} {until}; if they would like it, "
        f"write {confirm} in rest_until."
    )
