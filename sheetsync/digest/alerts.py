"""The followup step's emails (steps/followup.py): the organizers' same-day alert
(escalations, tasks past due) and volunteers' reminders. INTERFACE PLACEHOLDER: helper C
implements it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sheetsync.backends.base import Backend
from sheetsync.config import Config
from sheetsync.followup.model import FollowupFindings
from sheetsync.report import Delivery
from sheetsync.tables import Table


@dataclass(frozen=True)
class SendAlerts:
    """The followup step's effect: once the sheet is written, send this run's alert email
    to each organizer and each reminder (steps.Effect), through the send log and journal
    as the digests go (digest/deliver.py)."""

    findings: FollowupFindings
    run_log: Table | None = None

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        raise NotImplementedError

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        raise NotImplementedError
