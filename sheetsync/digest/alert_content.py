"""What the followup step's emails say, as plain data built from the tabs (no I/O).

- the organizers' alert: the needs escalated (id, category, urgency, zone, who asked as the
  organizers' email may name them, how long open, the level) and the accepted tasks past
  due (task and need ids, the volunteer as the organizers' email may name them, the due
  date and whether it came from the urgency, days late), with what to do; never a need's
  details (privacy.Policy: organizers read those in the sheet);
- a volunteer's reminder: only their own tasks past due, as their weekly email shows an
  accepted task (Policy.for_volunteer: a sensitive category's details never), with the due
  date and how to tell the organizers it is done or that they can't do it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.digest.content import MAX_LINES
from sheetsync.digest.followup_week import due_day
from sheetsync.digest.volunteers import TaskLine, task_line
from sheetsync.followup.model import Escalation, PastDue, Reminder, task_ref
from sheetsync.followup.reach import Reach
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.normalize import fold, format_datetime, one_line, parse_date
from sheetsync.privacy import Policy
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.tables import ROW

HOURS_SHOWN = 48  # an escalation open less than this long says hours, else days


@dataclass(frozen=True)
class Waited:
    """How long something has waited, in words: hours under two days, else days."""

    hours: int
    days: int

    @classmethod
    def of(cls, delta: dt.timedelta) -> Waited:
        hours = max(0, int(delta.total_seconds() // 3600))
        return cls(hours if hours < HOURS_SHOWN else 0, 0 if hours < HOURS_SHOWN else hours // 24)


@dataclass(frozen=True)
class EscalationLine:
    need_id: str
    category: str
    urgency: str
    zone: str
    who: str  # the requester, as the organizers' email may name them (Policy.for_organizers)
    waited: Waited
    level: str  # "4 hours", "7 days": the Needs tab's escalated


@dataclass(frozen=True)
class PastDueLine:
    task_id: str
    need_id: str
    category: str
    volunteer: str  # as the organizers' email may name them, with their id
    due: str  # ISO date
    from_urgency: bool  # set from the need's urgency: nobody typed a due date
    days_late: int


@dataclass
class AlertEmail:
    """The organizers' same-day alert (period: followup.model.alert_period)."""

    network: str
    period: str
    made: str  # when the run made it, "2026-12-03 10:15"
    escalations: list[EscalationLine] = field(default_factory=list)
    past_due: list[PastDueLine] = field(default_factory=list)
    # Each list's full length: the email shows the first MAX_LINES (the rest are in the tabs).
    escalations_total: int = 0
    past_due_total: int = 0

    @property
    def more_escalations(self) -> int:
        return self.escalations_total - len(self.escalations)

    @property
    def more_past_due(self) -> int:
        return self.past_due_total - len(self.past_due)


@dataclass(frozen=True)
class ReminderTask:
    line: TaskLine  # as the volunteer's weekly email shows an accepted task
    due: str  # ISO date
    from_urgency: bool
    days_late: int


@dataclass
class ReminderEmail:
    """A volunteer's reminder of their own tasks past due."""

    network: str
    period: str
    person_id: str
    first_name: str
    tasks: list[ReminderTask]
    name: str = ""  # for the To header
    email: str = ""
    languages: str = ""
    organizer_phone: str = ""


def alert_email(
    network: str,
    period: str,
    stamp: dt.datetime,
    escalations: tuple[Escalation, ...],
    past_due: tuple[PastDue, ...],
    tabs: Mapping[str, list[dict[str, Any]]],
    policy: Policy,
) -> AlertEmail:
    """The organizers' alert: needs the most urgent first, then the longest waiting (as
    needs are ordered everywhere), tasks the latest first; the first MAX_LINES of each."""
    needs = {n["need_id"]: n for n in tabs["needs"]}
    tasks = {task_ref(t["task_id"], t[ROW]): t for t in tabs["tasks"]}
    ranked = sorted(
        escalations, key=lambda e: (-URGENCY_RANK.get(fold(e.urgency), 0), -e.waited, e.need_id)
    )[:MAX_LINES]
    late = sorted(past_due, key=lambda p: (-p.days_late, p.task_id))[:MAX_LINES]
    return AlertEmail(
        network,
        period,
        format_datetime(stamp),
        [_escalation_line(e, needs.get(e.need_id, {}), policy) for e in ranked],
        [_past_due_line(p, tasks.get(p.task_id, {}), policy) for p in late],
        escalations_total=len(escalations),
        past_due_total=len(past_due),
    )


def _escalation_line(e: Escalation, need: Mapping[str, Any], policy: Policy) -> EscalationLine:
    return EscalationLine(
        need_id=e.need_id,
        category=e.category or str(need.get("category", "")),
        urgency=e.urgency,
        zone=str(need.get("zone", "")),
        who=policy.for_organizers(str(need.get("person_id", ""))),
        waited=Waited.of(e.waited),
        level=e.level,
    )


def _past_due_line(p: PastDue, task: Mapping[str, Any], policy: Policy) -> PastDueLine:
    return PastDueLine(
        task_id=p.task_id,
        need_id=p.need_id,
        category=str(task.get("category", "")),
        volunteer=policy.for_organizers(p.volunteer_id),
        due=p.due.isoformat(),
        from_urgency=p.from_urgency,
        days_late=p.days_late,
    )


def _late(task: Mapping[str, Any], today: dt.date, *, dayfirst: bool) -> PastDue | None:
    """A task past due as the Tasks tab shows it (due, else due_from_urgency)."""
    due = due_day(task, dayfirst=dayfirst)
    if due is None or due >= today:
        return None
    typed = parse_date(str(task["due"]), dayfirst=dayfirst) is not None
    return PastDue(
        task_ref(task["task_id"], task[ROW]),
        task["need_id"],
        task["volunteer_id"],
        due,
        not typed,
        (today - due).days,
    )


def may_remind(person_id: str, people: list[dict[str, Any]]) -> dict[str, Any]:
    """The People row to email a volunteer's reminder to, or {} when they may not get one:
    as the weekly volunteer email (digest/volunteers.py), they must have opted in
    (weekly_email on any of their rows), have an email and not be marked do not contact."""
    # One rule with the follow-up that decided to remind them (followup/reach.py).
    reach = Reach.of_records(people)
    if not reach.may_email(person_id):
        return {}
    pid = reach.person(person_id)
    return next((r for r in people if r["person_id"] == pid), {})


def reminder_email(
    network: str,
    period: str,
    reminder: Reminder,
    past_due: Mapping[str, PastDue],
    person: Mapping[str, Any],
    tabs: Mapping[str, list[dict[str, Any]]],
    policy: Policy,
    *,
    today: dt.date,
    dayfirst: bool = False,
) -> ReminderEmail | None:
    """A volunteer's reminder: only the tasks they help with (as volunteer or co-volunteer,
    any of their linked ids), accepted and past due (as this run's findings say, else as
    the Tasks tab does: a reminder comes again after the task was first flagged). None if
    none is left."""
    kept = Reach.of_records(tabs["people"]).kept  # as may_remind counts people
    pid = str(person["person_id"])
    needs = {n["need_id"]: n for n in tabs["needs"]}
    wanted = set(reminder.task_ids)
    lines = []
    for task in tabs["tasks"]:
        helpers = {kept.get(h, h) for h in (task["volunteer_id"], task["co_volunteer_id"]) if h}
        need = needs.get(task["need_id"])
        ref = task_ref(task["task_id"], task[ROW])
        if ref not in wanted or pid not in helpers or need is None:
            continue
        late = past_due.get(ref) or _late(task, today, dayfirst=dayfirst)
        if late is None or task_status(task["status"]) is not TaskStatus.ACCEPTED:
            continue
        line = task_line(task, TaskStatus.ACCEPTED, need, policy)
        lines.append(ReminderTask(line, late.due.isoformat(), late.from_urgency, late.days_late))
    if not lines:
        return None
    lines.sort(key=lambda t: (t.due, t.line.task_id))
    return ReminderEmail(
        network,
        period,
        pid,
        one_line(person["name"]).split(" ")[0],
        lines,
        name=str(person["name"]),
        email=str(person["email"]),
        languages=str(person["languages"]),
    )
