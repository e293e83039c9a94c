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

from sheetsync.clock import elapsed, local_after
from sheetsync.config_followup import FollowupConfig, parse_duration
from sheetsync.errors import ConfigError
from sheetsync.followup.ledger import Ledger
from sheetsync.followup.model import Escalation
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
    for i, status in enumerate(cols["status"]):
        if status not in _LIVE:
            continue
        opened = parse_datetime(cols["opened"][i])
        if opened is None or opened > clock.now:
            continue  # no date, or a date to come: nothing waits yet
        days[i] = str((today - opened.date()).days)
        if status != NeedStatus.OPEN:
            continue
        waited = elapsed(opened, clock.now, clock.tz)
        level = _due_level(clock.levels(cols["urgency"][i]), waited, escalated[i])
        again = level is None and _to_carry(clock, escalated[i], escalated_at[i], opened)
        if level is None and not again:
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
    return NeedsFollowup(frame, found, carried, changed)


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
