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
from zoneinfo import ZoneInfo

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


def happens(slot: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether a wall-clock time happens at all (not in the time the clocks skip)."""
    instant = slot.replace(tzinfo=tz).astimezone(dt.UTC)
    return instant.astimezone(tz).replace(tzinfo=None) == slot


def due_slot(schedule: str, now: dt.datetime, after: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The slot a tick at `now` runs for, the last one run being `after`: the latest slot,
    unless that one never happens (the clocks skipped it) and the slot before it, which did
    happen, has not run yet. Where the clocks jump at a time that is not on the hour
    (Pacific/Chatham: 02:45 to 03:45), a slot just before the jump and one skipped by it are
    a minute apart: the first runs for its own slot, the skipped one at the next tick."""
    slot = latest_slot(schedule, now)
    if happens(slot, tz):
        return slot
    before: dt.datetime = croniter(schedule, slot).get_prev(dt.datetime)
    return before if before > after and happens(before, tz) else slot


def slots_between(schedule: str, after: dt.datetime, until: dt.datetime) -> int:
    """How many slots fall after `after`, up to and including `until`."""
    count, slots = 0, croniter(schedule, after)
    while slots.get_next(dt.datetime) <= until and count < MAX_COUNT:
        count += 1
    return count
