"""A rest and a check-in: a check-in on the rest's last day is read as after the rest
(green or yellow: back that day; red: the rest is over and the red is a new one)."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.load.rest import Rest, RestStatus, read_rest, rests_in_force
from sheetsync.members import Checkin

CONFIRMED = dt.date(2026, 11, 20)
LAST_DAY = dt.date(2026, 11, 27)  # the rest's last day


def rest_row(until: dt.date = LAST_DAY, confirmed: dt.date = CONFIRMED) -> dict[str, str]:
    return {
        "person_id": "P0001",
        "rest_until": until.isoformat(),
        "resting_until": until.isoformat(),
        "rest_suggested": "",
        "rest_confirmed": confirmed.isoformat(),
    }


def read(status: str, on: dt.date | None, today: dt.date, **row: dt.date) -> Rest:
    return read_rest(rest_row(**row), Checkin(status, None, on), today, dayfirst=False)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("status", "on", "today", "expected", "back_on", "why"),
    [
        # During the rest: a check-in after it was confirmed ends it; on that day, not.
        ("green", CONFIRMED + days(2), LAST_DAY - days(3), "back", CONFIRMED + days(2), "green"),
        ("green", CONFIRMED, LAST_DAY - days(3), "resting", None, ""),
        ("red", CONFIRMED + days(2), LAST_DAY - days(3), "resting", None, ""),
        # On the last day: green or yellow is back that day.
        ("green", LAST_DAY, LAST_DAY, "back", LAST_DAY, "they checked in green"),
        ("yellow", LAST_DAY, LAST_DAY, "back", LAST_DAY, "they checked in yellow"),
        # ... and stays read so the days after.
        ("green", LAST_DAY, LAST_DAY + days(2), "back", LAST_DAY, "they checked in green"),
        # Red on the last day: the rest is over; the red check-in is a new one.
        ("red", LAST_DAY, LAST_DAY, "back", LAST_DAY, "their rest ended on 2026-11-27"),
        ("red", LAST_DAY, LAST_DAY + days(1), "back", LAST_DAY + days(1), "rest ended"),
        # The last day itself, no check-in that day: still resting; the day after, back.
        ("green", CONFIRMED - days(3), LAST_DAY, "resting", None, ""),
        ("", None, LAST_DAY + days(1), "back", LAST_DAY + days(1), "rest ended on 2026-11-27"),
        # A check-in after the rest ended: the rest ended on its day.
        ("green", LAST_DAY + days(2), LAST_DAY + days(3), "back", LAST_DAY + days(1), "ended"),
    ],
)
def test_a_check_in_and_the_rests_last_day(status, on, today, expected, back_on, why):
    rest = read(status, on, today)
    assert (rest.status, rest.until, rest.back_on) == (RestStatus(expected), LAST_DAY, back_on)
    assert why in rest.why_back


def test_a_rest_confirmed_on_its_last_day_ends_with_a_green_check_in_that_day():
    rest = read("green", LAST_DAY, LAST_DAY, confirmed=LAST_DAY)
    assert (rest.status, rest.back_on) == (RestStatus.BACK, LAST_DAY)


@pytest.mark.parametrize(
    ("status", "the_day_before"),
    [("green", set()), ("yellow", set()), ("red", {"P0001"})],
)
def test_matching_leaves_nobody_out_for_the_rest_after_a_check_in_on_its_last_day(
    status, the_day_before
):
    """On the last day, a check-in that day ends the rest for matching (red ones are left
    out by their red check-in, not by the rest); one the day before ends it unless red."""

    def resting(on: dt.date) -> set[str]:
        person = {
            "person_id": "P0001",
            "checkin_status": status,
            "checkin_hours": "",
            "checkin_date": on.isoformat(),
        }
        kept = {"P0001": "P0001"}
        return rests_in_force([rest_row()], [person], kept, LAST_DAY, dayfirst=False).members

    assert resting(LAST_DAY) == set()
    assert resting(LAST_DAY - days(1)) == the_day_before
