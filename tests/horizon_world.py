"""A settled demo network and each step's result in it, for the horizon tests: a step run
on the same frames at any time before its `until` must give the same output.

`settled(folder)` builds the golden demo (init, four weeks of history, the weekly job at
its clock) and runs the weekly job once more, so its tabs are what a run leaves.
`step_runs(folder, job, now)` runs a job's steps on that workbook without writing, and
keeps each step's context and result; `rerun(run, at)` runs one step again on the very
same frames at another time; `differences(run, result, at)` says what the result at `at`
writes or sends that the run's does not (frames, issues, effects), [] when nothing.

Emails are compared by who gets which period's email: each goes once per recipient and
period (the send log), so a run that found them sent sends nothing until the period
changes, whatever the text would say then.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sheetsync.backends import open_backend
from sheetsync.board.rows import WriteBoard
from sheetsync.board.store import read_board
from sheetsync.config import Config
from sheetsync.jobs import find_job, run_job
from sheetsync.report import Findings
from sheetsync.state import read_state
from sheetsync.steps import StepContext, StepResult, get_step
from tests.golden_demo import NOW, build_demo


@dataclass
class StepRun:
    name: str
    ctx: StepContext  # the context the step saw (frames as the earlier steps left them)
    findings: Findings  # what the earlier steps had found, as the step saw it
    result: StepResult


def settled(folder: Path, now: dt.datetime = NOW) -> Config:
    """The golden demo in `folder`, with the weekly job run once more at `now`."""
    build_demo(folder, now)
    config = Config.from_file(folder / "sheetsync.toml")
    run_job(find_job("weekly", config), open_backend(config), config, now=now)
    return config


def step_runs(config: Config, job: str, now: dt.datetime) -> list[StepRun]:
    """Each step of `job` run in order on the workbook as it is, at `now`; nothing written."""
    steps = find_job(job, config).steps
    state = read_state(open_backend(config), config)
    frames = {name: table.frame for name, table in state.tables.items()}
    findings = Findings()
    board = read_board(config) if {"claims", "board"} & set(steps) else None
    runs = []
    for name in steps:
        ctx = StepContext(
            config, now, state.forms, state.tables, dict(frames), state.schemas, findings, board
        )
        before = copy.copy(findings)
        before._found = dict(findings._found)
        result = get_step(name)(ctx)
        runs.append(StepRun(name, ctx, before, result))
        frames.update(result.frames)
        if result.findings is not None:
            findings.add(result.findings)
    return runs


def rerun(run: StepRun, at: dt.datetime) -> StepResult:
    """The step of `run` again on the same frames and findings, with the clock at `at`."""
    findings = copy.copy(run.findings)
    findings._found = dict(run.findings._found)
    frames = {name: frame.copy() for name, frame in run.ctx.frames.items()}
    ctx = replace(run.ctx, now=at, frames=frames, findings=findings)
    return get_step(run.name)(ctx)


def _effect(effect: object, config: Config, now: dt.datetime) -> object:
    """What an effect writes or sends, comparable with ==."""
    if isinstance(effect, WriteBoard):
        return ("board", effect.rows)
    rendered = getattr(effect, "rendered", None)
    if rendered is not None:
        sent = {(d.audience, d.recipient_id, d.to, d.period_at(now)) for d in rendered(config)}
        return ("emails", sorted(sent, key=repr))
    return ("other", repr(effect))


def differences(run: StepRun, b: StepResult, at: dt.datetime) -> list[str]:
    """What `b` (the step at `at`) writes or sends that the run's result does not."""
    a, config = run.result, run.ctx.config
    found = []
    for name in sorted(set(a.frames) | set(b.frames)):
        # A step returns the frames it changed: one it left is the frame it was given.
        left = a.frames.get(name, run.ctx.frames.get(name))
        right = b.frames.get(name, run.ctx.frames.get(name))
        if left is None or right is None:
            found.append(f"{name}: not a tab the step was given")
        elif not _same_frame(left, right):
            found.append(f"{name}: {_first_difference(left, right)}")
    if [repr(i) for i in a.issues] != [repr(i) for i in b.issues]:
        found.append("issues differ")
    effects_a = [_effect(e, config, run.ctx.now) for e in a.effects]
    if effects_a != [_effect(e, config, at) for e in b.effects]:
        found.append("effects differ")
    return found


def _same_frame(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    return left.shape == right.shape and left.astype(str).equals(right.astype(str))


def _first_difference(left: pd.DataFrame, right: pd.DataFrame) -> str:
    if left.shape != right.shape or list(left.columns) != list(right.columns):
        return f"shape {left.shape} != {right.shape}"
    diff = left.astype(str).ne(right.astype(str))
    row, col = next(zip(*diff.to_numpy().nonzero(), strict=False))
    column = left.columns[col]
    return f"row {row} {column}: {left.iat[row, col]!r} != {right.iat[row, col]!r}"
