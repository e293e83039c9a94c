"""Pipeline steps. A step reads DataFrames from a StepContext and returns new frames for the
tabs it maintains; the job diffs them against the sheet and writes everything at once.

Adding a step is one module with `run(ctx) -> StepResult` plus one line in STEPS.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.config import Config
from sheetsync.report import Issue
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
    # What earlier steps of this run found that later ones report on (match's needs that
    # found no volunteer, for the Summary): name -> value, see each step's docstring.
    findings: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    """A step's output: full new frames for the tabs it maintains, figures and problems."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    findings: dict[str, Any] = field(default_factory=dict)


Step = Callable[[StepContext], StepResult]

# Step name -> module under sheetsync.steps holding its `run`.
STEPS: dict[str, str] = {
    "intake": "intake",
    "dedupe": "dedupe",
    "match": "match",
    "load": "load",
    "summary": "summary",
    "digest": "digest",
}


def get_step(name: str) -> Step:
    """The `run` function of a step, by name."""
    module = importlib.import_module(f"sheetsync.steps.{STEPS[name]}")
    run: Step = module.run
    return run
