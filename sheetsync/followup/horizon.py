"""When the follow-up's rules next turn by time alone (sheetsync/horizon.py): the naive local
time at which a real-time duration is reached, as the engines measure it (clock.elapsed).

Shared by the steps that wait in real time: followup (escalation levels, reminders, the
ledger's retries), expire (a proposal's limit) and confirm (the `within` window).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sheetsync.clock import aware
from sheetsync.horizon import DAY


def reached_at(start: dt.datetime, delta: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """The first naive local time t with elapsed(start, t, tz) >= delta, or a little
    earlier: when a rule "waited `delta` or longer since `start`" turns."""
    return local_at(aware(start, tz).astimezone(dt.UTC) + delta, tz)


def local_at(real: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The first naive local time the engines read (clock.aware) as `real` (an aware time)
    or later; or a little earlier.

    The local time of `real` is it, save on a night the clocks go forward: a time they
    skip is read with the offset from before the change, so one of those may already read
    as `real` though it comes before. The earlier of the two is taken (an hour the clocks
    go back only makes the local time early, which is safe)."""
    after = real.astimezone(tz).replace(tzinfo=None, fold=0)
    offset = (after - DAY).replace(tzinfo=tz).utcoffset()
    skipped = (real + offset).replace(tzinfo=None) if offset is not None else after
    return min(after, skipped)


def reached_before(end: dt.datetime, delta: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """A naive local time t at or before the first one with local_after(t, delta) >= end:
    the real-time `delta` before `end`, or `delta` before it on the wall clock when that
    is earlier (the two differ only across a change of the clocks)."""
    real = aware(end, tz).astimezone(dt.UTC) - delta
    return min(real.astimezone(tz).replace(tzinfo=None, fold=0), end - delta)
