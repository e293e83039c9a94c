"""The rest cycle: sheetsync suggests a rest, an organizer confirms it, matching leaves the
member out, and they are back when the date passes or when they check in again.

The Load tab carries it. sheetsync writes the suggestion (rest_suggested); the organizer
confirms in their own column, rest_until, with the rest's last day or "yes" (the suggested
day). sheetsync pins the confirmed day (resting_until) and the day it first saw it
(rest_confirmed), so that "yes" keeps meaning the day that was suggested when it was typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sheetsync.form_languages import ENGLISH
from sheetsync.members import Checkin, rows_by_person
from sheetsync.normalize import fold, parse_date
from sheetsync.translation import gettext_noop, translate

# What an organizer may write in rest_until to confirm the suggested day, folded (TRUE: a
# ticked checkbox); and to note that the member said no thanks.
YES = {"yes", "y", "ok", "okay", "si", "confirmed", "confirm", "x", "✓", "✔", "true"}
NO = {"no", "n", "no thanks", "declined", "false"}
BACK_NOTE_DAYS = 7  # "back from rest" shows on the Load tab this long
# Why a rest ended early, by the check-in's colour: one message each, so that a language
# may agree its words with the colour.
_CHECKED_IN = {
    "green": gettext_noop("they checked in green on %(date)s"),
    "yellow": gettext_noop("they checked in yellow on %(date)s"),
}


class RestStatus(StrEnum):
    NONE = ""
    SUGGESTED = "suggested"  # flagged: sheetsync suggests a rest until rest_suggested
    RESTING = "resting"  # confirmed and in force: matching leaves them out
    BACK = "back"  # a confirmed rest that ended: its day passed, or they checked in


@dataclass(frozen=True)
class Rest:
    """A member's confirmed rest as of today; status NONE when none is confirmed."""

    status: RestStatus = RestStatus.NONE
    until: dt.date | None = None  # the rest's last day
    confirmed_on: dt.date | None = None
    back_checkin: str = ""  # for BACK: the check-in (green, yellow) that ended it; "": its day
    back_on: dt.date | None = None  # for BACK: the day they were back
    problem: str = ""  # what is wrong with the rest_until cell, for the run report

    @property
    def why_back(self) -> str:
        """For BACK, why, in words."""
        return self.why_back_in(ENGLISH)

    def why_back_in(self, language: str) -> str:
        """For BACK, why, in a language: "they checked in green on 2026-12-03"."""
        if self.back_checkin:
            return translate(language, _CHECKED_IN[self.back_checkin], date=self.back_on)
        return translate(language, "their rest ended on %(date)s", date=self.until)


def read_rest(
    row: dict[str, Any] | None,
    checkin: Checkin,
    today: dt.date,
    *,
    dayfirst: bool,
    rest_days: int = 7,
) -> Rest:
    """The rest a Load row confirms (None: the member has no row yet)."""
    cell = row["rest_until"].strip() if row is not None else ""
    if row is None or not cell or fold(cell) in NO:
        return Rest()
    pinned = parse_date(row["resting_until"], dayfirst=False)
    if fold(cell) in YES:
        suggested = parse_date(row["rest_suggested"], dayfirst=False)
        until, problem = _day_yes_means(pinned, suggested, today, rest_days)
    else:
        until, problem = _day_written(cell, today, dayfirst=dayfirst, rest_days=rest_days)
    if until is None:
        return Rest(problem=problem)
    seen = parse_date(row["rest_confirmed"], dayfirst=False)
    confirmed_on = seen if seen is not None and pinned == until else today
    return _resting_or_back(until, confirmed_on, checkin, today, problem)


# The rest's last day that rest_until confirms, or None; and what is wrong with the cell.
RestDay = tuple[dt.date | None, str]


def _day_yes_means(
    pinned: dt.date | None, suggested: dt.date | None, today: dt.date, rest_days: int
) -> RestDay:
    """The day a "yes" confirms: the one it was pinned to when first seen, else the suggested
    day. A yes seen only after that day passed (a late run) rests from today."""
    problem = ""
    if pinned is not None and suggested is not None and suggested > pinned:
        # The rest "yes" confirmed has ended and a new one is suggested.
        problem = (
            f"rest_until says yes, which confirmed the rest until {pinned}; for the "
            f"new suggestion, write its last day ({suggested}) instead."
        )
    until = pinned or suggested
    if until is None:
        example = (today + dt.timedelta(days=rest_days)).isoformat()
        return None, (
            "rest_until says yes, but no rest was suggested to confirm: "
            f"write the rest's last day instead, e.g. {example}."
        )
    if pinned is None and until < today:
        until = today + dt.timedelta(days=rest_days)
    return until, problem


def _day_written(cell: str, today: dt.date, *, dayfirst: bool, rest_days: int) -> RestDay:
    """The day written in rest_until, read the spreadsheet locale's way."""
    until = parse_date(cell, dayfirst=dayfirst)
    if until is None:
        example = (today + dt.timedelta(days=rest_days)).isoformat()
        return None, (
            "rest_until holds something that is not a date: write the rest's "
            f"last day, e.g. {example}, yes to confirm the suggested day, or no."
        )
    return until, ""


def _resting_or_back(
    until: dt.date, confirmed_on: dt.date, checkin: Checkin, today: dt.date, problem: str
) -> Rest:
    """A confirmed rest is in force until its last day has passed, or until they check in
    green or yellow after the day it was confirmed; then they are back.

    A check-in on the rest's last day is read as after the rest (they wrote it as the rest
    ended): green or yellow, they are back that day; red, the rest is over all the same, and
    the red check-in is a new one (flagged, with a new rest offered), not one made during
    the rest."""
    on, status = checkin.on, checkin.status
    # A check-in during the rest: after the day it was confirmed, or on its last day.
    during = on is not None and on <= until and (on > confirmed_on or on == until)
    if during and status in ("green", "yellow"):
        return Rest(RestStatus.BACK, until, confirmed_on, status, on, problem)
    if today > until or (on == until and status == "red"):
        back = min(today, until + dt.timedelta(days=1))
        return Rest(RestStatus.BACK, until, confirmed_on, "", back, problem)
    return Rest(RestStatus.RESTING, until, confirmed_on, problem=problem)


def rest_changes(
    row: dict[str, Any], checkin: Checkin, today: dt.date, *, dayfirst: bool, rest_days: int = 7
) -> dt.date | None:
    """The first day after `today` on which the rest a Load row confirms may start or end
    (read_rest's status may differ from today's); None when no day changes it. The days
    read_rest compares today with: the day after the rest's last day (pinned, suggested or
    written), and around their latest check-in (a check-in dated ahead, and a "yes" seen
    late, whose rest moves with the day). Some may change nothing: earlier is safe."""
    cell = row["rest_until"].strip()
    if not cell or fold(cell) in NO:
        return None
    last_days = [
        parse_date(row["resting_until"], dayfirst=False),
        parse_date(row["rest_suggested"], dayfirst=False),
        None if fold(cell) in YES else parse_date(cell, dayfirst=dayfirst),
    ]
    days = [_shift(d, 1) for d in last_days if d is not None]
    if checkin.on is not None:
        days += [_shift(checkin.on, k) for k in (-rest_days, 1 - rest_days, 0)]
    return min((d for d in days if d is not None and d > today), default=None)


def _shift(day: dt.date, days: int) -> dt.date | None:
    """`day` moved by `days`; None past the calendar's ends."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


@dataclass(frozen=True)
class Resting:
    """The members whose confirmed rest is in force today, and the first day after today on
    which one of the rests read may start or end (rest_changes; None: no day does)."""

    members: set[str]
    changes: dt.date | None


def rests_in_force(
    load_rows: Iterable[dict[str, Any]],
    people: list[dict[str, Any]],
    kept: dict[str, str],
    today: dt.date,
    *,
    dayfirst: bool,
    rest_days: int = 7,
) -> Resting:
    """The members whose confirmed rest is in force today, by kept id, and when that may
    next change by the day alone. Only a member's own row counts (the first, if it was
    copied), as on the Load tab: a rest written on a row since linked to another person is
    reported there, not applied."""
    groups = rows_by_person(people, kept)
    resting = set()
    changes: list[dt.date] = []
    seen: set[str] = set()
    for row in load_rows:
        pid = row["person_id"]
        if pid in seen or pid not in groups:
            continue
        seen.add(pid)
        if not row["rest_until"].strip():
            continue
        checkin = Checkin.of(groups[pid])
        rest = read_rest(row, checkin, today, dayfirst=dayfirst, rest_days=rest_days)
        if rest.status is RestStatus.RESTING:
            resting.add(pid)
        day = rest_changes(row, checkin, today, dayfirst=dayfirst, rest_days=rest_days)
        if day is not None:
            changes.append(day)
    return Resting(resting, min(changes, default=None))
