"""Schedule slots: the wall-clock times of the network that a crontab expression names.

A slot is a wall-clock time, and each one runs once, whatever the clocks do. croniter is
given naive datetimes on purpose: it then counts wall-clock times and nothing else, so
- a slot in the hour the clocks skip ("30 2 * * *" on a night they spring forward) is the
  latest slot at the first tick after the jump, so it runs then, once;
- a slot in the hour the clocks repeat ("30 1 * * *", or 01:15 of an hourly job, on the
  night they fall back) runs the first time; the second time round it is not later than
  the slot recorded, so it is not due again.
Given aware datetimes, croniter 7 runs a repeated slot twice (01:30 EDT and 01:30 EST) and
moves a skipped one to 03:00, so tick never gives it any.
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter

from sheetsync.errors import ScheduleError

MAX_COUNT = 10_000  # slots_between stops counting here (about a week of a job every minute)


def latest_slot(schedule: str, now: dt.datetime) -> dt.datetime:
    """The latest time at or before `now` that a crontab expression names (naive, local)."""
    try:
        slots = croniter(schedule, now + dt.timedelta(seconds=1))
    except (ValueError, KeyError) as err:
        raise ScheduleError(f"schedule = {schedule!r} is not a crontab expression: {err}") from err
    previous: dt.datetime = slots.get_prev(dt.datetime)
    return previous


def slots_between(schedule: str, after: dt.datetime, until: dt.datetime) -> int:
    """How many slots fall after `after`, up to and including `until`."""
    count, slots = 0, croniter(schedule, after)
    while slots.get_next(dt.datetime) <= until and count < MAX_COUNT:
        count += 1
    return count
