"""When a step's output next changes by time alone: its horizon (StepResult.until).

A run whose inputs are those a run of the same job found already settled (it changed
nothing) computes the same again, until the clock reaches a threshold some step reads: a
need's escalation, a proposal's deadline, the next day, the next week's digest. Each step
says the earliest such time for the inputs it saw (`until`), and the job may skip a run
with the same inputs before the earliest of its steps' (jobs.py, fingerprints.py).

The rule for a step's `until`: for every time t with ctx.now <= t < until, the step run on
the same frames at t returns the same frames, issues and effects (what it writes or sends;
its counts and notices may differ). Earlier than the true threshold is always safe, later
is a bug: when unsure, say `now` (the step's output may change at any moment).

Times here are naive local times of the network, as ctx.now is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sheetsync.clock import aware

DAY = dt.timedelta(days=1)
# Time does not change the step's output: only its inputs do.
NEVER = dt.datetime.max


def earliest(times: Iterable[dt.datetime | None], now: dt.datetime) -> dt.datetime:
    """The first of `times` after `now` (None and times at or before now are thresholds
    already passed, so they are left out); NEVER when there is none."""
    later = [t for t in times if t is not None and t > now]
    return min(later, default=NEVER)


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The start of tomorrow: when `now.date()` changes."""
    return dt.datetime.combine(now.date() + DAY, dt.time())


def next_whole_day(start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When `(now - start).days` next changes: the first start + k days after now (the
    count of whole days since `start`, negative before it)."""
    return start + ((now - start) // DAY + 1) * DAY


def at_least_now(until: dt.datetime, now: dt.datetime) -> dt.datetime:
    """`until`, or `now` when it is earlier: a horizon is never in the past."""
    return max(until, now)


# The rules that wait in real time (followup's escalations, reminders and retries, expire's
# limit, confirm's `within`): the naive local time at which a real-time duration is
# reached, as the engines measure it (clock.elapsed).


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
