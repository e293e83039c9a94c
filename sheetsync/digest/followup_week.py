"""The organizers' digest's follow-up section, as plain data counted from the sheet (no I/O).

"This week" is the 7 days up to the digest's day, that day included (`week_from` to
`week_to`): an escalation, a reminder or an expiry made on any of those days counts. Every
count is one the sheet itself shows, so that anyone (or a test) can count it again:

- escalated: needs whose latest escalation (Needs escalated_at) was made this week, by
  that escalation's level (Needs escalated); a need escalated twice this week counts once,
  at its latest level, as the sheet keeps only that;
- open_past_first_level: needs open now for longer than their urgency's first escalation
  level allows ([followup] escalate_after; real time from opened, clock.elapsed);
- tasks_past_due: tasks accepted now whose due date (due, else due_from_urgency) is
  before the digest's day;
- proposals_expired: tasks expired whose reasons say "expired <date>" with a date this week;
- tasks_reminded: tasks whose volunteer was last reminded (Tasks reminded) this week;
- waiting: the members carrying too much who wait for help themselves (followup.members).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from sheetsync.clock import elapsed
from sheetsync.config_followup import FollowupConfig
from sheetsync.followup.members import waiting_members
from sheetsync.match.expire import expired_on
from sheetsync.members import parse_datetime
from sheetsync.normalize import parse_date
from sheetsync.privacy import Policy
from sheetsync.statuses import NeedStatus, TaskStatus, task_status
from sheetsync.tables import records_of

WEEK_DAYS = 7


@dataclass(frozen=True)
class WaitingLine:
    """A member carrying too much who waits for help: as the organizers' email may name
    them (Policy.for_organizers), why, and their open needs (id and category)."""

    who: str
    why: str
    needs: tuple[tuple[str, str], ...]


@dataclass
class FollowupWeek:
    """What the follow-up did and what waits, for the organizers' digest (module doc)."""

    week_from: dt.date
    week_to: dt.date
    escalated: dict[str, int] = field(default_factory=dict)  # level label -> needs
    open_past_first_level: int = 0
    tasks_past_due: int = 0
    proposals_expired: int = 0
    tasks_reminded: int = 0
    waiting: list[WaitingLine] = field(default_factory=list)

    @property
    def escalated_total(self) -> int:
        return sum(self.escalated.values())

    @property
    def anything(self) -> bool:
        """Whether the section has anything to say."""
        return bool(
            self.escalated
            or self.open_past_first_level
            or self.tasks_past_due
            or self.proposals_expired
            or self.tasks_reminded
            or self.waiting
        )


def followup_week(
    frames: dict[str, pd.DataFrame],
    now: dt.datetime,
    followup: FollowupConfig,
    tz: ZoneInfo,
    policy: Policy,
    *,
    dayfirst: bool = False,
    language: str = "en",
) -> FollowupWeek:
    """The follow-up section of a digest made at `now` (naive local time), its words in
    `language` (the organizers')."""
    today = now.date()
    week = FollowupWeek(week_from=today - dt.timedelta(days=WEEK_DAYS - 1), week_to=today)
    needs = records_of(frames["needs"])
    tasks = records_of(frames["tasks"])
    week.escalated = dict(sorted(_escalated(needs, week).items(), key=lambda x: x[0]))
    week.open_past_first_level = sum(_past_first_level(n, now, followup, tz) for n in needs)
    week.tasks_past_due = tasks_past_due(tasks, today, dayfirst=dayfirst)
    week.proposals_expired = sum(
        _in_week(expired_on(t), week) for t in tasks if _is(t, TaskStatus.EXPIRED)
    )
    week.tasks_reminded = sum(_in_week(_day(t["reminded"]), week) for t in tasks)
    categories = {n["need_id"]: n["category"] for n in needs}
    week.waiting = [
        WaitingLine(
            policy.for_organizers(m.person_id),
            m.why,
            tuple((nid, categories.get(nid, "")) for nid in m.need_ids),
        )
        for m in waiting_members(frames, language)
    ]
    return week


def _is(task: dict[str, Any], status: TaskStatus) -> bool:
    return task_status(task["status"]) is status


def _day(text: str) -> dt.date | None:
    when = parse_datetime(text)
    return None if when is None else when.date()


def _in_week(day: dt.date | None, week: FollowupWeek) -> bool:
    return day is not None and week.week_from <= day <= week.week_to


def _escalated(needs: list[dict[str, Any]], week: FollowupWeek) -> Counter[str]:
    """Needs whose latest escalation was made this week, by its level."""
    return Counter(
        n["escalated"].strip() or "?" for n in needs if _in_week(_day(n["escalated_at"]), week)
    )


def _past_first_level(
    need: dict[str, Any], now: dt.datetime, followup: FollowupConfig, tz: ZoneInfo
) -> bool:
    """An open need that has waited longer than its urgency's first escalation level."""
    opened = parse_datetime(need["opened"])
    if need["status"] != NeedStatus.OPEN or opened is None:
        return False
    return elapsed(opened, now, tz) >= followup.levels(need["urgency"])[0][1]


def due_day(task: Mapping[str, Any], *, dayfirst: bool = False) -> dt.date | None:
    """A task's due date: the one typed (due), else the one set from its urgency."""
    typed = parse_date(str(task["due"]), dayfirst=dayfirst)
    return typed or parse_date(str(task["due_from_urgency"]), dayfirst=dayfirst)


def tasks_past_due(tasks: list[dict[str, Any]], today: dt.date, *, dayfirst: bool = False) -> int:
    """The tasks accepted now whose due date (due, else due_from_urgency) is before today."""
    return sum(_past_due(t, today, dayfirst=dayfirst) for t in tasks if _is(t, TaskStatus.ACCEPTED))


def escalated_waiting(needs: list[dict[str, Any]]) -> Counter[str]:
    """The needs still open that were escalated to organizers, by their latest level."""
    return Counter(
        n["escalated"].strip()
        for n in needs
        if n["status"] == NeedStatus.OPEN and n["escalated"].strip()
    )


def _past_due(task: dict[str, Any], today: dt.date, *, dayfirst: bool) -> bool:
    due = due_day(task, dayfirst=dayfirst)
    return due is not None and due < today
