"""Needs that wait: how many days each has been open, and escalations to the organizers,
once per need per level ([followup] escalate_after, escalate_days).

The Needs tab's escalated column (the level's label, "4 hours", "14 days") is the ledger:
a need is escalated for the highest level it reached, only when that level is above the
one it holds, so a need matched and reopened never hears of a level twice. escalated_at
says when, so that an alert whose email never settled is carried again (ledger.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

from sheetsync.clock import aware, elapsed, local_after
from sheetsync.config_followup import FollowupConfig, parse_duration
from sheetsync.errors import ConfigError
from sheetsync.followup.ledger import Ledger
from sheetsync.followup.model import Escalation
from sheetsync.horizon import NEVER, earliest, local_at, next_midnight
from sheetsync.members import parse_datetime
from sheetsync.normalize import format_datetime
from sheetsync.report import Audience
from sheetsync.statuses import NeedStatus

Level = tuple[str, dt.timedelta]
_LIVE = (NeedStatus.OPEN.value, NeedStatus.MATCHED.value)


@dataclass(frozen=True)
class Clock:
    """The follow-up's clock and rules: this run's naive local time in the network's zone."""

    now: dt.datetime
    tz: ZoneInfo
    followup: FollowupConfig
    # Alerts whose email never settled, to carry again; None when no email goes to
    # organizers ([email] organizers empty): the sheet still records each escalation.
    ledger: Ledger | None = None
    _levels: dict[str, tuple[Level, ...]] = field(default_factory=dict, compare=False)

    def levels(self, urgency: str) -> tuple[Level, ...]:
        if urgency not in self._levels:
            self._levels[urgency] = self.followup.levels(urgency)
        return self._levels[urgency]


@dataclass
class NeedsFollowup:
    """The Needs frame with days_open, escalated and escalated_at brought up to date, and
    the escalations this run's alert carries."""

    frame: pd.DataFrame
    escalations: list[Escalation]
    carried: int = 0  # of which made earlier, their email never settled
    changed: bool = False
    # When the same frame followed again could come out otherwise (sheetsync/horizon.py):
    # now when this run stamps an escalation (escalated_at is the run's clock).
    until: dt.datetime = NEVER


@dataclass
class _Turns:
    """Where follow_needs gathers when its answers next turn: days open at midnight, a
    need's date to come, the next escalation level, an alert's retries."""

    times: list[dt.datetime] = field(default_factory=list)
    midnight: bool = False  # a need shows its days open
    wait: dt.timedelta | None = None  # the least real time before a need reaches a level

    def level(self, levels: tuple[Level, ...], waited: dt.timedelta, had: str) -> None:
        """The next level a need open for `waited` would be escalated for."""
        held = held_level(had)
        floor = waited if held is None else max(waited, held)
        ahead = next((after for _, after in levels if after > floor), None)
        if ahead is not None and (self.wait is None or ahead - waited < self.wait):
            self.wait = ahead - waited

    def until(self, clock: Clock) -> dt.datetime:
        """The first of the times gathered after the clock's now; the least wait is measured
        in real time from it (converted once, not once per need)."""
        times = [*self.times, next_midnight(clock.now) if self.midnight else None]
        if self.wait is not None:
            real = aware(clock.now, clock.tz).astimezone(dt.UTC) + self.wait
            times.append(local_at(real, clock.tz))
        return earliest(times, clock.now)


def follow_needs(needs: pd.DataFrame, clock: Clock) -> NeedsFollowup:
    """Days open for every need open or matched; escalations for open needs."""
    cols = {c: needs[c].tolist() for c in ("need_id", "status", "opened", "urgency", "category")}
    days = [""] * len(needs)
    escalated = needs["escalated"].tolist()
    escalated_at = needs["escalated_at"].tolist()
    stamp = format_datetime(clock.now)
    found: list[Escalation] = []
    carried = 0
    today = clock.now.date()
    turns = _Turns()
    for i, status in enumerate(cols["status"]):
        if status not in _LIVE:
            continue
        opened = parse_datetime(cols["opened"][i])
        if opened is None or opened > clock.now:
            if opened is not None:
                turns.times.append(opened)  # it starts waiting then
            continue  # no date, or a date to come: nothing waits yet
        days[i] = str((today - opened.date()).days)
        turns.midnight = True  # days open grows by one then
        if status != NeedStatus.OPEN:
            continue
        waited = elapsed(opened, clock.now, clock.tz)
        levels = clock.levels(cols["urgency"][i])
        level = _due_level(levels, waited, escalated[i])
        again = level is None and _to_carry(clock, escalated[i], escalated_at[i], opened)
        if level is None and not again:
            turns.level(levels, waited, escalated[i])
            turns.times.extend(_carry_turns(clock, escalated[i], escalated_at[i], opened))
            continue
        label = level[0] if level else escalated[i]
        found.append(
            Escalation(
                need_id=cols["need_id"][i],
                level=label,
                urgency=cols["urgency"][i],
                category=cols["category"][i],
                opened=opened,
                waited=waited,
            )
        )
        carried += again
        escalated[i], escalated_at[i] = label, stamp
    frame = needs.copy()
    frame["days_open"] = days
    frame["escalated"] = escalated
    frame["escalated_at"] = escalated_at
    changed = bool(found) or days != needs["days_open"].tolist()
    # An escalation made now is stamped with the run's clock: another clock, another stamp.
    until = clock.now if found else turns.until(clock)
    return NeedsFollowup(frame, found, carried, changed, until)


def _due_level(levels: tuple[Level, ...], waited: dt.timedelta, had: str) -> Level | None:
    """The highest level a need open for `waited` reached, if above the one it had."""
    reached = [level for level in levels if level[1] <= waited]
    if not reached:
        return None
    held = held_level(had)
    return reached[-1] if held is None or reached[-1][1] > held else None


@lru_cache(maxsize=256)
def held_level(label: str) -> dt.timedelta | None:
    """How long open the escalated column's label says ("7 days"); None when empty or
    not a duration (then the need is escalated for the level it reached)."""
    if not label.strip():
        return None
    try:
        return parse_duration(label, "escalated")
    except ConfigError:
        return None


def _to_carry(clock: Clock, label: str, stamp: str, opened: dt.datetime) -> bool:
    """An escalation whose alert never settled, while its level is at most RETRY_FOR old."""
    held = held_level(label)
    if held is None or clock.ledger is None:
        return False
    reached = local_after(opened, held, clock.tz)
    return clock.ledger.to_carry(stamp, Audience.ALERTS, since=reached)


def _carry_turns(clock: Clock, label: str, stamp: str, opened: dt.datetime) -> list[dt.datetime]:
    """When `_to_carry`'s answer for a need it says no to may turn (Ledger.turns_at)."""
    held = held_level(label)
    if held is None or clock.ledger is None:
        return []
    reached = local_after(opened, held, clock.tz)
    return clock.ledger.turns_at(stamp, Audience.ALERTS, since=reached)
