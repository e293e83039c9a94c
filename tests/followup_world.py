"""A small network for the followup step's tests: frames built by hand, the step run at
any clock, its frames kept as the write would keep them, and the alert emails' send log
rows noted as the alerts effect notes them (sent, or failed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from sheetsync.config import Config
from sheetsync.followup.model import FollowupFindings, alert_period
from sheetsync.report import Audience, Findings
from sheetsync.schema import Owner, load_schemas
from sheetsync.steps import StepContext, StepResult, get_step
from sheetsync.tables import empty_record, frame_of, read_table, records_of

TZ = "America/Chicago"


def followup_config(tmp_path: Path, *, organizers: bool = True, **followup: Any) -> Config:
    data: dict[str, Any] = {
        "network": {"name": "Test network", "zones": ["Northside"], "timezone": TZ},
        "backend": {"kind": "local", "workbook": str(tmp_path / "network.xlsx")},
        "email": {"organizers": ["org@example.net"] if organizers else []},
    }
    if followup:
        data["followup"] = followup
    return Config.from_dict(data, base_dir=tmp_path)


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


class World:
    """People, Needs and Tasks frames, and the Run log's send log rows."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.schemas = load_schemas()
        self.frames = {
            name: frame_of([], self.schemas[name]) for name in ("people", "needs", "tasks")
        }
        self.log: list[dict[str, Any]] = []
        self.results: list[StepResult] = []

    def add(self, name: str, **values: Any) -> None:
        record = empty_record(self.schemas[name], **values)
        record["_row"] = len(self.frames[name]) + 2
        self.frames[name] = frame_of([*records_of(self.frames[name]), record], self.schemas[name])

    def person(self, pid: str, *, email: str = "", weekly: str = "yes", **values: Any) -> None:
        email = email or f"{pid.lower()}@example.net"
        self.add("people", person_id=pid, email=email, weekly_email=weekly, **values)

    def need(self, need_id: str, opened: dt.datetime, urgency: str = "Today", **values: Any):
        values.setdefault("status", "open")
        self.add(
            "needs",
            need_id=need_id,
            opened=stamp(opened),
            urgency=urgency,
            person_id="R1",
            category="Groceries",
            **values,
        )

    def task(self, task_id: str, need_id: str, volunteer_id: str = "V1", **values: Any) -> None:
        values.setdefault("status", "accepted")
        self.add("tasks", task_id=task_id, need_id=need_id, volunteer_id=volunteer_id, **values)

    def edit(self, name: str, key: str, field: str, value: str) -> None:
        frame = self.frames[name].copy()
        frame.loc[frame[self.schemas[name].primary_key] == key, field] = value
        self.frames[name] = frame

    def row(self, name: str, key: str) -> dict[str, Any]:
        [found] = [
            r for r in records_of(self.frames[name]) if r[self.schemas[name].primary_key] == key
        ]
        return found

    def run(self, now: dt.datetime, *, sent: bool = True) -> StepResult:
        """The followup step at `now`; its frames kept, its emails noted in the send log."""
        log = read_table(None, self.schemas["run_log"], "Run log")
        log.frame = pd.DataFrame(self.log, columns=["job", "outcome", "steps", "changes"])
        ctx = StepContext(
            self.config, now, {}, {"run_log": log}, dict(self.frames), self.schemas, Findings()
        )
        result = get_step("followup")(ctx)
        self.frames.update(result.frames)
        assert isinstance(result.findings, FollowupFindings)
        self.note_sends(result.findings, "sent" if sent else "failed")
        self.results.append(result)
        return result

    def note_sends(self, found: FollowupFindings, outcome: str) -> None:
        period = alert_period(found.stamp)
        if (found.escalations or found.past_due) and self.config.email.organizers:
            self.log.append(
                {
                    "job": "digest",
                    "outcome": outcome,
                    "steps": f"{Audience.ALERTS} {period}",
                    "changes": self.config.email.organizers[0],
                }
            )
        for reminder in found.reminders:
            self.log.append(
                {
                    "job": "digest",
                    "outcome": outcome,
                    "steps": f"{Audience.REMINDER} {period}",
                    # The send log names the recipient by address, as the real one does.
                    "changes": self.row("people", reminder.volunteer_id)["email"],
                }
            )

    def organizer_cells(self) -> dict[str, list[dict[str, Any]]]:
        """Every organizer-owned column of every tab, as it stands."""
        cells = {}
        for name, frame in self.frames.items():
            owned = [f.name for f in self.schemas[name].fields if f.owner is Owner.ORGANIZER]
            cells[name] = frame[owned].to_dict("records")
        return cells
