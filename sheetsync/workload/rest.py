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

from sheetsync.members import Checkin, rows_by_person
from sheetsync.normalize import fold, parse_date

# What an organizer may write in rest_until to confirm the suggested day, folded.
YES = {"yes", "y", "ok", "okay", "si", "confirmed", "confirm", "x", "✓", "✔"}


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
    why_back: str = ""  # for BACK, in words
    problem: str = ""  # what is wrong with the rest_until cell, for the run report


def read_rest(
    row: dict[str, Any] | None, checkin: Checkin, today: dt.date, *, dayfirst: bool
) -> Rest:
    """The rest a Load row confirms (None: the member has no row yet)."""
    cell = (row or {}).get("rest_until", "").strip()
    if row is None or not cell:
        return Rest()
    pinned = parse_date(row["resting_until"], dayfirst=False)
    example = (today + dt.timedelta(days=7)).isoformat()
    if fold(cell) in YES:
        until = pinned or parse_date(row["rest_suggested"], dayfirst=False)
        if until is None:
            return Rest(
                problem=f"rest_until says {cell!r}, but no rest was suggested to confirm: "
                f"write the rest's last day instead, e.g. {example}."
            )
    else:
        until = parse_date(cell, dayfirst=dayfirst)
        if until is None:
            return Rest(
                problem=f"rest_until holds {cell!r}, which is not a date: write the rest's "
                f"last day, e.g. {example}, or yes to confirm the suggested day."
            )
    seen = parse_date(row["rest_confirmed"], dayfirst=False)
    confirmed_on = seen if seen is not None and pinned == until else today
    if today > until:
        return Rest(RestStatus.BACK, until, confirmed_on, f"their rest ended on {until}")
    if checkin.status in ("green", "yellow") and checkin.on and checkin.on > confirmed_on:
        why = f"they checked in {checkin.status} on {checkin.on}"
        return Rest(RestStatus.BACK, until, confirmed_on, why)
    return Rest(RestStatus.RESTING, until, confirmed_on)


def resting_members(
    load_rows: Iterable[dict[str, Any]],
    people: list[dict[str, Any]],
    kept: dict[str, str],
    today: dt.date,
    *,
    dayfirst: bool,
) -> set[str]:
    """Kept ids of the members whose confirmed rest is in force today."""
    groups = rows_by_person(people, kept)
    resting = set()
    for row in load_rows:
        pid = kept.get(row["person_id"], row["person_id"])
        if pid not in groups or not row["rest_until"].strip():
            continue
        rest = read_rest(row, Checkin.of(groups[pid]), today, dayfirst=dayfirst)
        if rest.status is RestStatus.RESTING:
            resting.add(pid)
    return resting
