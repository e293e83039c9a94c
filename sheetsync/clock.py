"""The network's clock: naive local datetimes (as form timestamps are) measured as real
time in the network's time zone, so that "open 4 hours" is 4 real hours across a change
of the clocks (a night of 23 or 25 hours)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def aware(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A naive local time in `tz`; an hour the clocks skip or repeat is read as the first."""
    return local.replace(tzinfo=tz) if local.tzinfo is None else local


def elapsed(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> dt.timedelta:
    """The real time between two naive local times of the network."""
    return aware(end, tz).astimezone(dt.UTC) - aware(start, tz).astimezone(dt.UTC)


def local_after(start: dt.datetime, delta: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """The naive local time `delta` of real time after `start`."""
    later = aware(start, tz).astimezone(dt.UTC) + delta
    return later.astimezone(tz).replace(tzinfo=None)
