"""Accepted tasks followed up: a due date (the organizer's, else one from the need's
urgency, set once), flagged to organizers once when past due, and the volunteer reminded
at most once per [followup] remind_every_days when they may be emailed.

The Tasks tab's own columns are the ledger: due_from_urgency, overdue_flagged (when the
task was first flagged), reminded (when its volunteer was last reminded); follow_up says
it all in plain words. Organizer columns (status, due, hours, notes) are only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from sheetsync.clock import elapsed, local_after
from sheetsync.followup.model import PastDue, Reminder, task_ref
from sheetsync.followup.needs import Clock
from sheetsync.followup.reach import Reach
from sheetsync.horizon import NEVER, earliest, next_midnight, reached_at, reached_before
from sheetsync.members import parse_datetime
from sheetsync.normalize import format_datetime, parse_date
from sheetsync.report import Audience
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.tables import ROW

# Cells repeat (a status, a due date typed, a run's stamp): each text is read once, which
# keeps the hourly run on 100,000 tasks well under a second.
_status = lru_cache(maxsize=256)(task_status)
_datetime = lru_cache(maxsize=4096)(parse_datetime)
_typed_date = lru_cache(maxsize=4096)(parse_date)


@lru_cache(maxsize=4096)
def _own_date(text: str) -> dt.date | None:
    """A date sheetsync wrote (2026-12-05), or whatever was typed over it."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return parse_date(text, dayfirst=False)


_OWN = ("due_from_urgency", "follow_up", "overdue_flagged", "reminded")
_READ = ("task_id", "need_id", "volunteer_id", "status", "due", "proposed", ROW, *_OWN)


@dataclass(frozen=True)
class TaskRules:
    """What the tasks' follow-up reads besides the Tasks tab."""

    clock: Clock
    urgency_of: dict[str, str]  # need id -> its urgency
    reach: Reach
    dayfirst: bool  # the spreadsheet locale's short dates, for a due date typed
    organizers: bool = True  # whether alerts are emailed to organizers ([email] organizers)


@dataclass
class TasksFollowup:
    """The Tasks frame with sheetsync's follow-up columns up to date, and the alert's items."""

    frame: pd.DataFrame
    past_due: list[PastDue] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    carried: int = 0  # items made earlier whose email never settled
    changed: bool = False
    # When the same frame followed again could come out otherwise (sheetsync/horizon.py):
    # now when this run stamps a flag or a reminder (the run's clock).
    until: dt.datetime = NEVER
    turns: list[dt.datetime] = field(default_factory=list, repr=False)  # gathered
    stamped: bool = False


@dataclass
class _Due:
    day: dt.date
    from_urgency: bool
    urgency: str
    typed_unread: bool  # a due date was typed that is not a date


def follow_tasks(tasks: pd.DataFrame, rules: TaskRules) -> TasksFollowup:
    """One pass over the tasks: only accepted ones not done have anything to follow."""
    cols = {c: tasks[c].tolist() for c in _READ}
    own = {c: list(cols[c]) for c in _OWN}
    result = TasksFollowup(tasks)
    remind: dict[str, list[str]] = {}
    for i, status in enumerate(cols["status"]):
        if _status(str(status)) is not TaskStatus.ACCEPTED:
            own["follow_up"][i] = ""
            continue
        row = {c: str(v[i]) for c, v in cols.items()}
        _follow_one(row, rules, result, remind)
        for c in _OWN:
            own[c][i] = row[c]
    result.reminders = [Reminder(v, tuple(ids)) for v, ids in sorted(remind.items())]
    now = rules.clock.now
    result.until = now if result.stamped else earliest(result.turns, now)
    frame = tasks.copy()
    for c in _OWN:
        frame[c] = own[c]
        result.changed = result.changed or own[c] != cols[c]
    result.frame = frame
    return result


def _follow_one(
    row: dict[str, str], rules: TaskRules, result: TasksFollowup, remind: dict[str, list[str]]
) -> None:
    """An accepted task: its due date, and if past it, the flag and the reminder."""
    clock = rules.clock
    due = _due(row, rules, result.turns)
    today = clock.now.date()
    late_since = dt.datetime.combine(due.day + dt.timedelta(days=1), dt.time())
    if not today > due.day:
        row["follow_up"] = _due_words(due)
        result.turns.append(late_since)  # past due from then
        return
    stamp = format_datetime(clock.now)
    flagged = _datetime(row["overdue_flagged"])
    ledger = clock.ledger if rules.organizers else None
    carried = ledger is not None and ledger.to_carry(
        row["overdue_flagged"], Audience.ALERTS, since=late_since
    )
    if flagged is None or carried:
        result.stamped = True
        row["overdue_flagged"] = stamp
        result.carried += carried
        result.past_due.append(
            PastDue(
                task_id=task_ref(row["task_id"], row[ROW]),
                need_id=row["need_id"],
                volunteer_id=row["volunteer_id"],
                due=due.day,
                from_urgency=due.from_urgency,
                days_late=(today - due.day).days,
            )
        )
    elif ledger is not None:
        result.turns.extend(
            ledger.turns_at(row["overdue_flagged"], Audience.ALERTS, since=late_since)
        )
    why_not = _why_not_reminded(row, rules)
    if not why_not and _to_remind(row, rules, late_since, result.turns):
        result.stamped = True
        row["reminded"] = stamp
        ref = task_ref(row["task_id"], row[ROW])
        remind.setdefault(rules.reach.person(row["volunteer_id"]), []).append(ref)
    row["follow_up"] = _past_due_words(due, row, rules, why_not)


def _due(row: dict[str, str], rules: TaskRules, turns: list[dt.datetime]) -> _Due:
    """The organizer's due date when one is typed, else the one set from the need's
    urgency (set now if the task has none yet: from its proposal, else from this run; then
    `turns` gets when this run's clock would give another day)."""
    urgency = rules.urgency_of.get(row["need_id"], "")
    typed = row["due"].strip()
    day = _typed_date(typed, dayfirst=rules.dayfirst) if typed else None
    if day is not None:
        row["due_from_urgency"] = ""  # the organizer's date wins
        return _Due(day, False, urgency, False)
    kept = _own_date(row["due_from_urgency"])
    if kept is None:
        clock = rules.clock
        after = clock.followup.due(urgency)
        proposed = _datetime(row["proposed"])
        due_at = local_after(proposed or clock.now, after, clock.tz)
        kept = due_at.date()
        if proposed is None:  # from this run's clock: the day is another from then
            turns.append(reached_before(next_midnight(due_at), after, clock.tz))
        row["due_from_urgency"] = kept.isoformat()
    return _Due(kept, True, urgency, bool(typed))


def _why_not_reminded(row: dict[str, str], rules: TaskRules) -> str:
    """Why the task's volunteer gets no reminder ("" when they do): the email rule
    (followup/reach.py), or a task whose need is gone from the Needs tab (the reminder
    says what the need is, so it could not be written)."""
    if not row["volunteer_id"]:
        return "no volunteer"
    if row["need_id"] not in rules.urgency_of:
        return "its need is not on the Needs tab"
    return rules.reach.reason_not(row["volunteer_id"])


def _to_remind(
    row: dict[str, str], rules: TaskRules, late_since: dt.datetime, turns: list[dt.datetime]
) -> bool:
    """Never reminded, reminded remind_every_days ago or more, or a reminder made
    earlier whose email never settled (while the task is at most RETRY_FOR late). When
    not, `turns` gets when the answer may turn."""
    clock = rules.clock
    last = _datetime(row["reminded"])
    if last is None:
        return True
    if last > clock.now:  # the repeated hour of a night the clocks go back: just reminded
        turns.append(last)
        return False
    every = dt.timedelta(days=clock.followup.remind_every_days)
    if elapsed(last, clock.now, clock.tz) >= every:
        return True
    # The send log names a reminder's recipient by address (digest/alerts.py), as the
    # weekly digests'.
    to = rules.reach.email(row["volunteer_id"])
    ledger = clock.ledger
    if ledger is not None and ledger.to_carry(
        row["reminded"], Audience.REMINDER, to, since=late_since
    ):
        return True
    turns.append(reached_at(last, every, clock.tz))
    if ledger is not None:
        turns.extend(ledger.turns_at(row["reminded"], Audience.REMINDER, to, since=late_since))
    return False


def _due_words(due: _Due) -> str:
    """An accepted task not yet past due: only a due date from its urgency is worth words."""
    if not due.from_urgency:
        return ""
    why = "the due date typed is not a date" if due.typed_unread else "no due date was typed"
    return f"due {due.day.isoformat()} by its urgency ({due.urgency or 'none given'}): {why}"


def _past_due_words(due: _Due, row: dict[str, str], rules: TaskRules, why_not: str) -> str:
    """The words of a task past due, e.g. "past due since 2026-12-01: organizers told
    2026-12-02; reminder emailed 2026-12-02"."""
    since = f"past due since {due.day.isoformat()}"
    if due.from_urgency:
        since += f" (due by its urgency, {due.urgency or 'none given'})"
    told = "organizers told" if rules.organizers else "flagged"
    parts = [f"{told} {_day(row['overdue_flagged'])}"]
    if why_not:
        parts.append(f"no reminder ({why_not})")
    elif row["reminded"]:
        parts.append(f"reminder emailed {_day(row['reminded'])}")
    return f"{since}: {'; '.join(parts)}"


def _day(stamp: str) -> str:
    when = _datetime(stamp)
    return when.date().isoformat() if when else stamp
