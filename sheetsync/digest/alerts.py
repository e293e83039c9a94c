"""The followup step's emails (steps/followup.py): the organizers' same-day alert
(escalations, tasks past due) and volunteers' reminders of their tasks past due.

They go as the digests go (digest/deliver.py): a send log row per email in the Run log tab
(job "digest", steps "alerts <period>" or "reminder <period>", the period being
followup.model.alert_period of the run's clock), noted in the send journal before and
after, once per (period, recipient). An alert that failed is not tried again under its
own period: the next followup run carries what it said (it reads the send log).
What each email may say is decided by privacy.Policy (alert_content.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sheetsync.backends.base import Backend
from sheetsync.config import Config
from sheetsync.digest.alert_content import alert_email, may_remind, reminder_email
from sheetsync.digest.deliver import Digest, SendDigests, policy_of, send_digests
from sheetsync.digest.render import language_for, render
from sheetsync.followup.model import FollowupFindings, alert_period
from sheetsync.normalize import dayfirst_locale
from sheetsync.privacy import Policy
from sheetsync.report import Audience, Delivery
from sheetsync.tables import Table, records_of

TABS = ("needs", "tasks", "people")  # what the emails are made from
Records = dict[str, list[dict[str, Any]]]  # a tab's records, by its name


@dataclass(frozen=True)
class SendAlerts:
    """The followup step's effect: once the sheet is written, send this run's alert email
    to each organizer and each reminder (steps.Effect), through the send log and journal
    as the digests go (digest/deliver.py)."""

    findings: FollowupFindings
    # People, Needs and Tasks as the run writes them (the steps after followup change none
    # of them): the emails are made from these, without reading the sheet again.
    frames: Mapping[str, pd.DataFrame]
    run_log: Table | None = None  # the Run log as the run read it: a dry run plans from it

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        digests = self.digests(config)
        return send_digests(backend, config, digests, now=now) if digests else []

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        """What a dry run would send (the run wrote nothing)."""
        return SendDigests(tuple(self.digests(config)), self.run_log).plan(backend, config, now)

    def idle(self, backend: Backend, config: Config, now: dt.datetime) -> bool:
        """Nothing to send (SendDigests.idle)."""
        return SendDigests(tuple(self.digests(config)), self.run_log).idle(backend, config, now)

    def digests(self, config: Config) -> list[Digest]:
        """The alert to each organizer and the reminders, rendered (no I/O)."""
        return alert_digests(self.findings, dict(self.frames), config)

    def rendered(self, config: Config) -> tuple[Digest, ...]:
        return tuple(self.digests(config))

    def combine(self, other: object, config: Config) -> SendDigests | None:
        """With the next email effect, one send (SendDigests.combine)."""
        return SendDigests(self.rendered(config), self.run_log).combine(other, config)


def alert_digests(
    findings: FollowupFindings, frames: dict[str, pd.DataFrame], config: Config
) -> list[Digest]:
    """The organizers' alert (when something is escalated or past due) to each address
    under [email] organizers, and each reminder to a volunteer who may be emailed."""
    tabs = {name: records_of(frames[name]) for name in TABS}
    policy = policy_of(frames, config)
    return [
        *_to_organizers(findings, tabs, policy, config),
        *_reminders(findings, tabs, policy, config),
    ]


def _to_organizers(
    findings: FollowupFindings, tabs: Records, policy: Policy, config: Config
) -> list[Digest]:
    """The alert, the same to each organizers' address (organizers-N, as the weekly
    digest's), when something is escalated or past due."""
    if not config.email.organizers or not (findings.escalations or findings.past_due):
        return []
    period = alert_period(findings.stamp)
    data = alert_email(
        config.network_name,
        period,
        findings.stamp,
        findings.escalations,
        findings.past_due,
        tabs,
        policy,
    )
    rendered = render(Audience.ALERTS, data, config.email.organizers_language)
    return [
        Digest(Audience.ALERTS, to, "", rendered, f"organizers-{number}", period)
        for number, to in enumerate(config.email.organizers, start=1)
    ]


def _reminders(
    findings: FollowupFindings, tabs: Records, policy: Policy, config: Config
) -> list[Digest]:
    """A reminder to each volunteer the findings name who may be emailed, in their
    language; one who may not is left to the organizers' alert."""
    period = alert_period(findings.stamp)
    past_due = {p.task_id: p for p in findings.past_due}
    digests = []
    for reminder in findings.reminders:
        person = may_remind(reminder.volunteer_id, tabs["people"])
        if not person:
            continue
        data = reminder_email(
            config.network_name,
            period,
            reminder,
            past_due,
            person,
            tabs,
            policy,
            today=findings.stamp.date(),
            dayfirst=dayfirst_locale(config.locale),
        )
        if data is None:
            continue
        data.organizer_phone = config.privacy.organizer_phone
        rendered = render(Audience.REMINDER, data, language_for(data.languages))
        digests.append(
            Digest(Audience.REMINDER, data.email, data.name, rendered, data.person_id, period)
        )
    return digests
