"""The Load tab's flags: each with a plain reason and a next step, in a caring tone.

A flag says what the network's own data shows and what organizers could offer; it never
blames anyone for doing too much, nor for not checking in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from sheetsync.config import LoadConfig
from sheetsync.form_languages import ENGLISH
from sheetsync.load.figures import Figures
from sheetsync.members import Checkin
from sheetsync.normalize import fold
from sheetsync.translation import (
    available_languages,
    number,
    translate,
    translate_plural,
    weekday,
)


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


def flag_name(code: FlagCode, language: str) -> str:
    """A flag as the Load tab names it in a language: "check-in due", "chequeo pendiente"."""
    return translate(language, code.value)


@cache
def _flags_by_name() -> dict[str, FlagCode]:
    """Every flag's name in every language sheetsync speaks, folded, -> the flag."""
    return {
        fold(flag_name(code, language)): code
        for language in sorted(available_languages())
        for code in FlagCode
    }


def flag_codes(cell: str) -> list[FlagCode | str]:
    """A Load flags cell's flags in its order, each read in any language sheetsync writes
    (a network may change its language, or an organizer copy a row); a flag typed by hand
    stays as it is."""
    names = _flags_by_name()
    parts = [part.strip() for part in cell.split(",") if part.strip()]
    return [names.get(fold(part), part) for part in parts]


def first_name(name: str, language: str = ENGLISH) -> str:
    return name.split()[0] if name.strip() else translate(language, "this person")


def flags_for(
    member: Member, cfg: LoadConfig, today: dt.date, language: str = ENGLISH
) -> list[Flag]:
    """Every flag that applies to a member today, in RULES order, worded in a language. The
    rest offer that RESTFUL flags call for is worded once, by the caller (offer_rest)."""
    return [flag for rule in RULES if (flag := rule(member, cfg, today, language)) is not None]


def _over_capacity(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """More tasks this week than they said they can give; else more hours than their check-in
    of the last 7 days gave."""
    f, checkin = member.figures, member.checkin
    who = first_name(member.name, language)
    if member.capacity is not None and f.tasks_week > member.capacity:
        return Flag(
            FlagCode.OVER_CAPACITY,
            translate_plural(
                language,
                "%(num)s task on their plate this week; they said they can give "
                "%(capacity)s a week.",
                "%(num)s tasks on their plate this week; they said they can give "
                "%(capacity)s a week.",
                f.tasks_week,
                capacity=number(member.capacity, language),
            ),
            translate(
                language,
                "Thank %(name)s, ask how it is going, and offer to pass a task on.",
                name=who,
            ),
        )
    checked_lately = checkin.on is not None and (today - checkin.on).days < 7
    if checkin.hours is not None and checked_lately and f.hours_week > checkin.hours:
        return Flag(
            FlagCode.OVER_CAPACITY,
            translate(
                language,
                "About %(hours)s hours of tasks this week; their check-in said %(checkin)s hours.",
                hours=number(f.hours_week, language),
                checkin=number(checkin.hours, language),
            ),
            translate(language, "Ask %(name)s which task someone else could take.", name=who),
        )
    return None


def _red_checkin(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """Their latest check-in is red."""
    if member.checkin.status != "red":
        return None
    return Flag(
        FlagCode.RED_CHECKIN,
        translate(language, "Their check-in on %(date)s was red.", date=member.checkin.on),
        translate(
            language,
            "Thank %(name)s warmly. Matching already leaves them out until they check in again.",
            name=first_name(member.name, language),
        ),
    )


def _stretched(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """Their latest check-in is yellow and they have more than yellow_max_tasks this week."""
    tasks_week = member.figures.tasks_week
    if member.checkin.status != "yellow" or tasks_week <= cfg.yellow_max_tasks:
        return None
    return Flag(
        FlagCode.STRETCHED,
        translate_plural(
            language,
            "Their check-in on %(date)s said they are stretched, and they have %(num)s task "
            "this week.",
            "Their check-in on %(date)s said they are stretched, and they have %(num)s tasks "
            "this week.",
            tasks_week,
            date=member.checkin.on,
        ),
        translate(
            language,
            "Ask %(name)s whether one of them could go to someone else.",
            name=first_name(member.name, language),
        ),
    )


def _many_shifts(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """shifts_per_week shifts or more in the last 7 days."""
    shifts = member.figures.shifts_7_days
    if shifts < cfg.shifts_per_week:
        return None
    return Flag(
        FlagCode.MANY_SHIFTS,
        translate_plural(
            language,
            "%(num)s shift in the last 7 days.",
            "%(num)s shifts in the last 7 days.",
            shifts,
        ),
        translate(language, "Suggest the next week off."),
    )


def _no_week_off(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """Busy busy_weeks weeks in a row."""
    busy = member.figures.busy_weeks
    if busy < cfg.busy_weeks:
        return None
    return Flag(
        FlagCode.NO_WEEK_OFF,
        translate_plural(
            language,
            "Busy %(num)s week in a row without a week off.",
            "Busy %(num)s weeks in a row without a week off.",
            busy,
        ),
        translate(language, "A week off would be well earned."),
    )


def _overdue_tasks(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """overdue_tasks or more accepted tasks past their due date."""
    overdue = member.figures.overdue
    if overdue < cfg.overdue_tasks:
        return None
    return Flag(
        FlagCode.OVERDUE,
        translate_plural(
            language,
            "%(num)s task past its due date is waiting with them.",
            "%(num)s tasks past their due date are waiting with them.",
            overdue,
        ),
        translate(
            language,
            "Ask %(name)s if they would like help: some could be handed over to another "
            "volunteer (decline them on Tasks and sheetsync proposes someone else).",
            name=first_name(member.name, language),
        ),
    )


def _checkin_due(member: Member, cfg: LoadConfig, today: dt.date, language: str) -> Flag | None:
    """No check-in for checkin_weeks weeks; or none yet, that long after they joined."""
    checkin, since, who = member.checkin, member.since, first_name(member.name, language)
    days = 7 * cfg.checkin_weeks
    if checkin.on is not None and (today - checkin.on).days >= days:
        return Flag(
            FlagCode.CHECKIN_DUE,
            translate(language, "No check-in since %(date)s.", date=checkin.on),
            translate(
                language,
                "Send %(name)s a friendly hello: how are they doing, and how much time do "
                "they have these days?",
                name=who,
            ),
        )
    if checkin.on is None and since and (today - since).days >= days:
        return Flag(
            FlagCode.CHECKIN_DUE,
            translate(
                language, "Has not filled in a check-in yet (with us since %(date)s).", date=since
            ),
            translate(
                language,
                "Send %(name)s a friendly hello and the check-in form: it helps us never ask "
                "too much of anyone.",
                name=who,
            ),
        )
    return None


# The flags, in the order the Load tab lists them: each rule says whether its flag applies.
RULES: tuple[Callable[[Member, LoadConfig, dt.date, str], Flag | None], ...] = (
    _over_capacity,
    _red_checkin,
    _stretched,
    _many_shifts,
    _no_week_off,
    _overdue_tasks,
    _checkin_due,
)


def offer_rest(
    name: str, until: dt.date, *, yes_works: bool = True, language: str = ENGLISH
) -> str:
    """The one rest offer for a member flagged with any RESTFUL flag."""
    confirm = (
        translate(language, "%(date)s (or yes)", date=until) if yes_works else until.isoformat()
    )
    return translate(
        language,
        "Offer %(name)s a rest until %(weekday)s %(date)s; if they would like it, write "
        "%(confirm)s in rest_until.",
        name=first_name(name, language),
        weekday=weekday(until, language),
        date=until,
        confirm=confirm,
    )
