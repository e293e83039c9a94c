"""What the followup step finds (ids and dates only: the emails read the rest from the tabs,
under the privacy policy), and the alert period that names its emails in the send log."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sheetsync.translation import gettext_noop, translate


def alert_period(stamp: dt.datetime) -> str:
    """The send log's period of the alerts made at `stamp`: "2026-12-03T1015". An alert
    email's send log row says steps "alerts <period>" (or "reminder <period>")."""
    return f"{stamp:%Y-%m-%dT%H%M}"


def task_ref(task_id: str, row: object) -> str:
    """How the follow-up names a task: its id, or, for one typed in by hand without an id,
    its row ("Tasks row 14")."""
    return task_id or f"Tasks row {row}"


TASKS_ROW = gettext_noop("Tasks row %(row)s")
_TASKS_ROW = re.compile(r"Tasks row (\d+)")


def task_ref_in(ref: str, language: str) -> str:
    """A task_ref as an email in `language` names it: an id as it is, "Tasks row 14" in
    the language's words (task_ref stays English: it is a key the follow-up matches on)."""
    row = _TASKS_ROW.fullmatch(ref)
    return translate(language, TASKS_ROW, row=row[1]) if row else ref


@dataclass(frozen=True)
class Escalation:
    """A need open longer than a level allows, told to organizers once per level."""

    need_id: str
    level: str  # "4 hours", "7 days": FollowupConfig.levels' label
    urgency: str
    category: str
    opened: dt.datetime
    waited: dt.timedelta  # real time open, at this run


@dataclass(frozen=True)
class PastDue:
    """An accepted task past its due date without done, flagged to organizers once."""

    task_id: str  # task_ref: the id, or "Tasks row N" for a task typed without one
    need_id: str
    volunteer_id: str
    due: dt.date
    from_urgency: bool  # the due date was set from the need's urgency, none was typed
    days_late: int


@dataclass(frozen=True)
class Reminder:
    """A volunteer to remind of their tasks past due (one email, however many tasks)."""

    volunteer_id: str
    task_ids: tuple[str, ...]  # task_ref of each


@dataclass(frozen=True)
class WaitingMember:
    """A volunteer flagged on the Load tab, or who checked in red, with needs of their own
    still open: everyone has needs."""

    person_id: str
    why: str  # the flag or check-in, in words
    need_ids: tuple[str, ...]


@dataclass(frozen=True)
class FollowupFindings:
    """The followup step's findings: what this run's alert emails carry (new, or made
    earlier but never settled in the send log). The members raised (WaitingMember) are
    the weekly digest's, from the tabs (followup/members.py)."""

    stamp: dt.datetime  # the run's clock: the alerts' period (alert_period)
    escalations: tuple[Escalation, ...] = ()
    past_due: tuple[PastDue, ...] = ()
    reminders: tuple[Reminder, ...] = ()
