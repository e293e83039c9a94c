"""Pipeline steps. A step reads DataFrames from a StepContext and returns new frames for the
tabs it maintains; the job diffs them against the sheet and writes everything at once.

Each step has an engine of the same name that does the thinking, so the step itself only
reads the frames, calls it, and builds the tabs' rows:

    intake   -> sheetsync/intake/   (validate form responses, find each one's person)
    dedupe   -> sheetsync/dedupe/   (find the rows of one person)
    match    -> sheetsync/match/    (eligibility and the optimal assignment)
    load     -> sheetsync/load/     (each member's figures, flags and rest)
    summary  -> sheetsync/summary/  (period outcomes, goals, network-wide flags)
    digest   -> sheetsync/digest/   (what each audience's email says, rendered and sent)
    withdraw -> sheetsync/match/withdraw.py   (proposals follow the present, hourly too)
    expire   -> sheetsync/match/expire.py     (proposals nobody accepted in time move on)
    urgent   -> sheetsync/match/              (the hourly matching: urgent and expired needs)
    check    -> sheetsync/match/invariants.py (the rules matching keeps, whoever broke them)
    followup -> sheetsync/followup/ (days open, escalations, tasks past due, reminders)
    recur    -> sheetsync/recur/    (recurring needs: the next need of a series, its volunteer)
    confirm  -> sheetsync/confirm/  (each request answered once: an email, or the Call list)
    claims   -> sheetsync/board/     (the volunteer board's claims become accepted tasks)
    board    -> sheetsync/board/     (the board rewritten with the open needs, after the write)
    feedback -> sheetsync/feedback/ (after help: codes, asks once per person, answers)

What a step finds for later steps travels as a small dataclass (steps/findings.py); what it
asks to be done after the write, such as sending the digests, is an Effect.

Adding a step is one module with `run(ctx) -> StepResult` plus one line in STEPS.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from sheetsync.backends.base import Backend
from sheetsync.board.store import BoardState
from sheetsync.config import Config
from sheetsync.report import Delivery, Findings, Issue
from sheetsync.schema import TableSchema
from sheetsync.tables import FormTable, Table


@dataclass
class StepContext:
    """What a step may read: the config, the run's clock, the forms and the current frames."""

    config: Config
    now: dt.datetime  # naive, in the network's time zone, like form timestamps
    forms: dict[str, FormTable]
    tables: dict[str, Table]  # sheetsync's tabs as read
    frames: dict[str, pd.DataFrame]  # sheetsync's tabs as earlier steps left them
    schemas: dict[str, TableSchema]
    # What earlier steps of this run found: ctx.findings.get(MatchFindings), for example.
    findings: Findings = field(default_factory=Findings)
    # The volunteer board as read before the steps ([board] in sheetsync.toml), else None.
    board: BoardState | None = None


class Effect(Protocol):
    """What a step asks the job to do once the sheet is written (send the digests): it sees
    the sheet as written, and runs once, outside the write's retry."""

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        """Do it; say what was delivered, or refused."""
        ...

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        """A dry run: say what `run` would deliver."""
        ...

    def combine(self, other: Effect, config: Config) -> Effect | None:
        """This effect and the next one done as one, or None when they do not go together.
        A run's emails (alerts, confirmations, asks after help, digests) are sent as one:
        one read, check and write of the send log, not one per step."""
        ...

    def idle(self, backend: Backend, config: Config, now: dt.datetime) -> bool:
        """Whether running it would do nothing (every email sent already, the board as it
        is): a run that changes no tab and whose effects are idle has settled its inputs."""
        ...


@dataclass
class StepResult:
    """A step's output: full new frames for the tabs it maintains, figures and problems."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    findings: object | None = None  # this step's dataclass from steps/findings.py, if any
    effects: list[Effect] = field(default_factory=list)
    # When the output on the same frames next changes by time alone (sheetsync/horizon.py):
    # None when the step does not say, and then a run of its job is never skipped.
    until: dt.datetime | None = None


Step = Callable[[StepContext], StepResult]

# Step name -> module under sheetsync.steps holding its `run`.
STEPS: dict[str, str] = {
    "intake": "intake",
    "dedupe": "dedupe",
    "match": "match",
    "load": "load",
    "summary": "summary",
    "digest": "digest",
    "withdraw": "withdraw",
    "check": "check",
    "expire": "expire",
    "urgent": "urgent",
    "followup": "followup",
    "recur": "recur",
    "confirm": "confirm",
    "claims": "claims",
    "board": "board",
    "feedback": "feedback",
}


def get_step(name: str) -> Step:
    """The `run` function of a step, by name."""
    module = importlib.import_module(f"sheetsync.steps.{STEPS[name]}")
    run: Step = module.run
    return run
