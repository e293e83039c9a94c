"""[followup] in sheetsync.toml: what the between-runs job does about needs and tasks that
wait (docs/followup.md). Times are written in words ("4 hours", "1 day", "3 days"), per
urgency (the request form's answer: Today, This week, When someone can) with a `default`
for any other.

    [followup]
    urgent = ["Today", "This week"]        # matched by the hourly job the same day
    expire_after = { Today = "1 day", default = "3 days" }
    escalate_after = { Today = "4 hours", "This week" = "2 days", default = "7 days" }
    escalate_days = [7, 14]                # and again, whatever the urgency
    due_after = { Today = "1 day", "This week" = "7 days", default = "14 days" }
    remind_every_days = 3
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.config_sections import is_str_list, table_of
from sheetsync.errors import ConfigError
from sheetsync.normalize import fold

DEFAULT = "default"  # the key of a per-urgency table that holds the value for any other
_KEYS = {
    "urgent",
    "expire_after",
    "escalate_after",
    "escalate_days",
    "due_after",
    "remind_every_days",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)\s*$", re.IGNORECASE)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
_LONGEST_DAYS = 3650  # ten years: longer is surely a typo (and dates past 9999 overflow)
_LONGEST_HOURS = _LONGEST_DAYS * 24

Durations = Mapping[str, dt.timedelta]  # folded urgency (or "default") -> how long


def _hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


@dataclass(frozen=True)
class FollowupConfig:
    """How the follow-up between digests treats waiting needs and tasks."""

    urgent: tuple[str, ...] = ("Today", "This week")
    expire_after: Durations = field(
        default_factory=lambda: {"today": _hours(24), DEFAULT: _hours(72)}
    )
    escalate_after: Durations = field(
        default_factory=lambda: {
            "today": _hours(4),
            "this week": _hours(48),
            DEFAULT: _hours(24 * 7),
        }
    )
    escalate_days: tuple[int, ...] = (7, 14)
    due_after: Durations = field(
        default_factory=lambda: {
            "today": _hours(24),
            "this week": _hours(24 * 7),
            DEFAULT: _hours(24 * 14),
        }
    )
    remind_every_days: int = 3

    def is_urgent(self, urgency: str) -> bool:
        """Whether the hourly job proposes a volunteer for a need of this urgency."""
        return fold(urgency) in {fold(u) for u in self.urgent}

    def expires(self, urgency: str) -> dt.timedelta:
        """How long a proposal for a need of this urgency waits for a yes."""
        return _for(self.expire_after, urgency)

    def due(self, urgency: str) -> dt.timedelta:
        """How long after it was proposed (or first seen) an accepted task with no due
        date typed is due."""
        return _for(self.due_after, urgency)

    def levels(self, urgency: str) -> tuple[tuple[str, dt.timedelta], ...]:
        """The escalation levels of a need of this urgency, in order: (label, how long
        open), e.g. (("4 hours", 4h), ("7 days", 7d), ("14 days", 14d)). Labels are unique:
        they are what the Needs tab's escalated column holds."""
        first = _for(self.escalate_after, urgency)
        levels = {duration_label(first): first}
        for days in self.escalate_days:
            after = dt.timedelta(days=days)
            if after > first:
                levels.setdefault(duration_label(after), after)
        return tuple(sorted(levels.items(), key=lambda item: item[1]))


def _for(table: Durations, urgency: str) -> dt.timedelta:
    return table.get(fold(urgency), table[DEFAULT])


def duration_label(delta: dt.timedelta) -> str:
    """ "4 hours", "1 day", "14 days": how the docs and the sheet write a duration."""
    hours = delta.total_seconds() / 3600
    if hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day" if days == 1 else f"{days} days"
    whole = int(hours) if hours == int(hours) else round(hours, 1)
    return f"{whole} hour" if whole == 1 else f"{whole} hours"


def parse_duration(text: Any, where: str) -> dt.timedelta:
    """ "4 hours", "1 day", "2 weeks" (or 4h, 1d, 2w) as a timedelta above zero."""
    found = _DURATION.match(text) if isinstance(text, str) else None
    hours = float(found[1]) * _UNIT_HOURS[found[2][0].lower()] if found else 0.0
    if found is None or not 0 < hours <= _LONGEST_HOURS:
        raise ConfigError(
            f'{where} is a time in words, e.g. "4 hours", "1 day" or "3 days", up to '
            f"{_LONGEST_DAYS} days (got {text!r})."
        )
    return _hours(hours)


def _durations(section: Mapping[str, Any], key: str, where: str, default: Durations) -> Durations:
    """A per-urgency table of durations; urgencies left out keep their default, and
    `default` covers any other."""
    raw = section.get(key)
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f'[followup] {key} in {where} is a table by urgency, e.g. {key} = {{ Today = "1 day", '
            'default = "3 days" }.'
        )
    values = dict(default)
    for urgency, text in raw.items():
        values[fold(urgency)] = parse_duration(text, f"[followup] {key}.{urgency} in {where}")
    return values


def read_followup(data: Mapping[str, Any], where: str) -> FollowupConfig:
    """[followup]: the urgencies matched the same day, and the times proposals, needs and
    tasks may wait."""
    section = table_of(data, "followup", _KEYS, where)
    base = FollowupConfig()
    urgent = section.get("urgent", list(base.urgent))
    if not is_str_list(urgent):
        raise ConfigError(
            f'[followup] urgent in {where} lists urgencies, e.g. urgent = ["Today", "This week"].'
        )
    days = section.get("escalate_days", list(base.escalate_days))
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 < d <= _LONGEST_DAYS for d in days
    ):
        raise ConfigError(
            f"[followup] escalate_days in {where} lists whole numbers of days up to "
            f"{_LONGEST_DAYS}, e.g. [7, 14]."
        )
    every = section.get("remind_every_days", base.remind_every_days)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= _LONGEST_DAYS:
        raise ConfigError(
            f"[followup] remind_every_days in {where} must be a whole number of days, from 1 "
            f"to {_LONGEST_DAYS}."
        )
    return FollowupConfig(
        urgent=tuple(urgent),
        expire_after=_durations(section, "expire_after", where, base.expire_after),
        escalate_after=_durations(section, "escalate_after", where, base.escalate_after),
        escalate_days=tuple(sorted(set(days))),
        due_after=_durations(section, "due_after", where, base.due_after),
        remind_every_days=every,
    )
