"""followup: nothing waits unseen between digests (sheetsync/followup/).

Hourly and weekly, after matching: each need open or matched shows its days open; a need
open longer than a level of its urgency allows is escalated to organizers, once per level;
an accepted task gets a due date from its urgency when none is typed, is flagged to
organizers once when past due, and its volunteer reminded at most once per
[followup] remind_every_days if they may be emailed. The emails (digest/alerts.py) are sent
after the write; one that never settled is carried by the next run (followup/ledger.py).
"""

from __future__ import annotations

import logging

import pandas as pd

from sheetsync.config import Config
from sheetsync.digest.alerts import SendAlerts
from sheetsync.digest.journal import JOURNAL, read_journal
from sheetsync.followup.ledger import Ledger
from sheetsync.followup.model import FollowupFindings
from sheetsync.followup.needs import Clock, follow_needs
from sheetsync.followup.reach import Reach
from sheetsync.followup.tasks import TaskRules, follow_tasks
from sheetsync.normalize import dayfirst_locale
from sheetsync.report import DeliveryOutcome
from sheetsync.run_log import DIGEST_JOB
from sheetsync.steps import Effect, StepContext, StepResult

log = logging.getLogger(__name__)
_SEND_LOG = ("job", "outcome", "steps", "changes")  # the Run log columns the ledger reads


def run(ctx: StepContext) -> StepResult:
    """Days open, escalations, due dates, tasks past due and reminders; the alert email."""
    config = ctx.config
    run_log = ctx.tables.get("run_log")
    sent = run_log.frame if run_log is not None else None
    ledger = Ledger.of(with_journal(sent, config), ctx.now, config.tz)
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
    effects: list[Effect] = [SendAlerts(findings, written, run_log)] if emails else []
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
        # Days open at midnight, the next escalation level, a task's due date passing, the
        # next reminder, an alert's retries (followup/needs.py, tasks.py); now when this
        # run stamps anything with its clock.
        until=min(needs.until, tasks.until),
    )


def with_journal(run_log: pd.DataFrame | None, config: Config) -> pd.DataFrame | None:
    """The send log as the Run log tab has it, with what the send journal holds that the tab
    does not yet (digest/journal.py): rows a crash or a failed write of the send log kept
    there, and emails in doubt (handed over, or maybe: never carried again, as unconfirmed).
    Else an alert that went out would be carried, and sent twice."""
    try:
        journal = read_journal(config.state_dir / JOURNAL)
    except OSError as err:  # unreadable: the Run log alone decides, as before the journal
        log.warning("followup: the send journal cannot be read (%s)", err.strerror or err)
        return run_log
    rows = [
        *({k: r.get(k, "") for k in _SEND_LOG} for r in journal.rows),
        *(
            {
                "job": DIGEST_JOB,
                "outcome": DeliveryOutcome.UNCONFIRMED.value,
                "steps": f"{line.get('audience', '')} {line.get('period', '')}",
                "changes": line.get("changes", ""),
            }
            for line in journal.in_doubt
        ),
    ]
    if not rows:
        return run_log
    extra = pd.DataFrame(rows, columns=list(_SEND_LOG))
    if run_log is None or run_log.empty:
        return extra
    return pd.concat([run_log[list(_SEND_LOG)], extra], ignore_index=True)
