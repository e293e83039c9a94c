"""followup: nothing waits unseen between digests (sheetsync/followup/).

Hourly and weekly, after matching: each need open or matched shows its days open; a need
open longer than a level of its urgency allows is escalated to organizers, once per level;
an accepted task gets a due date from its urgency when none is typed, is flagged to
organizers once when past due, and its volunteer reminded at most once per
[followup] remind_every_days if they may be emailed. The emails (digest/alerts.py) are sent
after the write; one that never settled is carried by the next run (followup/ledger.py).
"""

from __future__ import annotations

from sheetsync.digest.alerts import SendAlerts
from sheetsync.followup.ledger import Ledger
from sheetsync.followup.model import FollowupFindings
from sheetsync.followup.needs import Clock, follow_needs
from sheetsync.followup.reach import Reach
from sheetsync.followup.tasks import TaskRules, follow_tasks
from sheetsync.normalize import dayfirst_locale
from sheetsync.steps import Effect, StepContext, StepResult


def run(ctx: StepContext) -> StepResult:
    """Days open, escalations, due dates, tasks past due and reminders; the alert email."""
    config = ctx.config
    run_log = ctx.tables.get("run_log")
    ledger = Ledger.of(run_log.frame if run_log is not None else None, ctx.now, config.tz)
    organizers = bool(config.email.organizers)
    needs_frame = ctx.frames["needs"]
    needs = follow_needs(
        needs_frame,
        # With no organizers to email, escalations are recorded in the sheet, not retried.
        Clock(ctx.now, config.tz, config.followup, ledger if organizers else None),
    )
    rules = TaskRules(
        clock=Clock(ctx.now, config.tz, config.followup, ledger),
        urgency_of=dict(zip(needs_frame["need_id"], needs_frame["urgency"], strict=True)),
        reach=Reach.of(ctx.frames["people"]),
        dayfirst=dayfirst_locale(config.locale),
        organizers=organizers,
    )
    tasks = follow_tasks(ctx.frames["tasks"], rules)
    findings = FollowupFindings(
        stamp=ctx.now,
        escalations=tuple(needs.escalations),
        past_due=tuple(tasks.past_due),
        reminders=tuple(tasks.reminders),
    )
    frames = {}
    if needs.changed:
        frames["needs"] = needs.frame
    if tasks.changed:
        frames["tasks"] = tasks.frame
    # An email only when someone gets one: organizers for escalations and tasks past due
    # (without them, both are recorded in the sheet only), volunteers for reminders.
    emails = (organizers and (findings.escalations or findings.past_due)) or findings.reminders
    written = {name: frames.get(name, ctx.frames[name]) for name in ("people", "needs", "tasks")}
    effects: list[Effect] = [SendAlerts(findings, run_log, written)] if emails else []
    return StepResult(
        frames=frames,
        counts={
            "escalated": len(needs.escalations),
            "past_due": len(tasks.past_due),
            "reminders": len(tasks.reminders),
            "alerts_carried": needs.carried + tasks.carried,
        },
        findings=findings,
        effects=effects,
    )
