"""The horizons (StepResult.until, sheetsync/horizon.py) of followup, expire, confirm and
feedback: run again on the same frames at any time before `until`, each step gives the
same output; at `until` (or just after) it does not, where the demo has a threshold.

Three settled demo worlds (tests/horizon_world.py): the demo as built ("fresh", both
jobs), and copies of it where the hourly job ran again a day later ("later") and five days
later ("late"), so that the follow-up finds escalations and due dates already made and its
thresholds are the next ones (days open at midnight, the next level, a due date).
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends import open_backend
from sheetsync.clock import elapsed
from sheetsync.config import Config
from sheetsync.followup.reach import Reach
from sheetsync.horizon import NEVER, reached_at
from sheetsync.jobs import find_job, run_job
from sheetsync.steps import get_step
from tests.golden_demo import NOW
from tests.horizon_world import StepRun, differences, rerun, settled, step_runs

STEPS = ("followup", "expire", "confirm", "feedback")
JOBS = ("weekly", "intake")
D, H, M = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)
LATER = NOW + D + 3 * H  # the hourly job ran again then ("later")
LATE = NOW + 5 * D + 3 * H  # and again then ("late")
# (world, job, base time): the step runs the tests look at.
BASES = (
    *(
        ("fresh", "weekly", NOW + delta)
        for delta in (5 * M, D + 3 * H, 3 * D + 11 * H + 15 * M, 6 * D + 23 * H + 59 * M)
    ),
    *(("fresh", "intake", NOW + delta) for delta in (5 * M, D + 3 * H, 6 * D + 23 * H + 59 * M)),
    ("later", "intake", LATER + 5 * M),
    ("late", "intake", LATE + 5 * M),
    ("late", "intake", LATE + 9 * H),
)
MONTH = 30 * D
SECOND = dt.timedelta(seconds=1)


@dataclass
class Worlds:
    configs: dict[str, Config]
    _runs: dict[tuple[str, str, dt.datetime], dict[str, StepRun]] = field(default_factory=dict)

    def run(self, world: str, job: str, base: dt.datetime, step: str) -> StepRun:
        """The step's run in a world's job at `base` (each job run once, then cached)."""
        key = (world, job, base)
        if key not in self._runs:
            runs = step_runs(self.configs[world], job, base)
            self._runs[key] = {r.name: r for r in runs}
        return self._runs[key][step]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    fresh = tmp_path_factory.mktemp("horizon_followup")
    configs = {"fresh": settled(fresh)}
    previous = fresh
    for name, at in (("later", LATER), ("late", LATE)):
        folder = tmp_path_factory.mktemp(f"horizon_followup_{name}") / "demo"
        shutil.copytree(previous, folder)
        configs[name] = _ran(folder, at)
        previous = folder
    return Worlds(configs)


def _ran(folder: Path, at: dt.datetime) -> Config:
    """The demo in `folder` after the hourly job ran at `at`."""
    config = Config.from_file(folder / "sheetsync.toml")
    run_job(find_job("intake", config), open_backend(config), config, now=at)
    return config


def _same(run: StepRun, at: dt.datetime) -> list[str]:
    return differences(run, rerun(run, at), at)


@pytest.mark.parametrize("step", STEPS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(base=st.sampled_from(BASES), fraction=st.floats(0, 1, exclude_max=True))
def test_the_same_output_before_until(
    worlds: Worlds, step: str, base: tuple[str, str, dt.datetime], fraction: float
) -> None:
    run = worlds.run(*base, step)
    now, until = run.ctx.now, run.result.until
    assert until is not None
    if until <= now:
        return  # "any moment": no time before it
    at = min(now + min(until - now, MONTH) * fraction, until - dt.timedelta(microseconds=1))
    assert _same(run, at) == [], (step, base, until, at)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("base", BASES, ids=lambda b: f"{b[0]}-{b[1]}-{b[2]:%d%H%M}")
def test_the_same_output_a_second_before_until(
    worlds: Worlds, step: str, base: tuple[str, str, dt.datetime]
) -> None:
    run = worlds.run(*base, step)
    now, until = run.ctx.now, run.result.until
    assert until is not None and until >= now  # never in the past
    if now < until - SECOND and until - SECOND <= now + MONTH:
        assert _same(run, until - SECOND) == [], (step, base, until)
    assert _same(run, now) == []  # the step on the same frames: the same output


def _turns(worlds: Worlds, step: str) -> list[tuple[tuple[str, str, dt.datetime], list[str]]]:
    """For each base where the step's until is finite: what differs just after it."""
    found = []
    for base in BASES:
        run = worlds.run(*base, step)
        until = run.result.until
        assert until is not None
        if run.ctx.now < until < NEVER:
            found.append((base, _same(run, until + SECOND)))
    return found


def test_followup_turns_at_its_until(worlds: Worlds) -> None:
    """The next escalation level (4 hours for a need of Today), days open at midnight:
    just after `until` the follow-up writes or sends something else, at every base where
    it is finite."""
    turns = _turns(worlds, "followup")
    assert len(turns) >= 3
    assert all(differ for _, differ in turns), turns
    later = worlds.run("later", "intake", LATER + 5 * M, "followup")
    assert later.result.until == dt.datetime.combine(LATER.date() + D, dt.time())  # midnight
    assert any("days_open" in d for d in _same(later, later.result.until))


def _one_task(run: StepRun, **cells: str) -> dict[str, pd.DataFrame]:
    """The frames of `run` with no need waiting (all met), one accepted task whose
    volunteer may be emailed, with `cells`, and every other task done: what the follow-up
    then waits for is that task's alone."""
    needs = run.ctx.frames["needs"].copy()
    needs["status"] = "met"
    tasks = run.ctx.frames["tasks"].copy()
    reach = Reach.of(run.ctx.frames["people"])
    accepted = tasks["status"] == "accepted"
    mailable = accepted & tasks["volunteer_id"].map(reach.may_email)
    assert mailable.any()
    one = mailable.idxmax()
    tasks.loc[tasks.index != one, "status"] = "done"
    for column, value in cells.items():
        tasks.loc[one, column] = value
    return {"needs": needs, "tasks": tasks}


def _stamp(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M}"


def test_followup_turns_when_a_task_falls_due(worlds: Worlds) -> None:
    """A task due tomorrow is past due from the day after: flagged, its volunteer
    reminded."""
    run = worlds.run("later", "intake", LATER + 5 * M, "followup")
    due = run.ctx.now.date() + D
    changed = _again(run, **_one_task(run, due=due.isoformat(), overdue_flagged="", reminded=""))
    assert changed.result.until == dt.datetime.combine(due + D, dt.time())
    assert _same(changed, changed.result.until - SECOND) == []
    differ = _same(changed, changed.result.until)
    assert "effects differ" in differ and any(d.startswith("tasks:") for d in differ), differ


def test_followup_turns_at_the_next_reminder(worlds: Worlds) -> None:
    """A task long past due, flagged and reminded more than RETRY_FOR ago (nothing to
    carry): its volunteer is reminded again remind_every_days (3) after the last."""
    run = worlds.run("later", "intake", LATER + 5 * M, "followup")
    now = run.ctx.now
    cells = {
        "due": "2026-11-01",
        "overdue_flagged": _stamp(now - 3 * D),
        "reminded": _stamp(now - 2 * D - 12 * H),
    }
    changed = _again(run, **_one_task(run, **cells))
    assert changed.result.counts["reminders"] == 0
    assert changed.result.until == now - 2 * D - 12 * H + 3 * D
    assert _same(changed, changed.result.until - SECOND) == []
    differ = _same(changed, changed.result.until)
    assert "effects differ" in differ and any(d.startswith("tasks:") for d in differ), differ


def test_followup_until_is_now_when_it_stamps(worlds: Worlds) -> None:
    """An escalation, a flag or a reminder made by the run is stamped with its clock."""
    run = worlds.run("fresh", "intake", NOW + D + 3 * H, "followup")
    assert sum(run.result.counts[k] for k in ("escalated", "past_due", "reminders")) > 0
    assert run.result.until == run.ctx.now


def test_expire_turns_at_its_until(worlds: Worlds) -> None:
    """The next proposal's limit ([followup] expire_after), and midnight when proposals
    expire now (their reasons say the day)."""
    turns = _turns(worlds, "expire")
    assert len(turns) == len(BASES)
    assert all(differ for _, differ in turns), turns
    fresh = worlds.run("fresh", "intake", NOW + 5 * M, "expire")
    assert fresh.result.counts["expired"] == 0
    assert fresh.result.until == NOW + D  # a proposal of the run at NOW, for a need of Today
    expiring = worlds.run("fresh", "intake", NOW + D + 3 * H, "expire")
    assert expiring.result.counts["expired"] > 0
    assert expiring.result.until == dt.datetime.combine((NOW + D).date() + D, dt.time())


def _again(run: StepRun, **frames: pd.DataFrame) -> StepRun:
    """The step of `run` on frames changed as given, at the same time."""
    findings = copy.copy(run.findings)
    findings._found = dict(run.findings._found)
    ctx = replace(run.ctx, frames={**run.ctx.frames, **frames}, findings=findings)
    return replace(run, ctx=ctx, result=get_step(run.name)(ctx))


def _request(needs: pd.DataFrame, need_id: str) -> pd.Series:
    """The rows of the request (form response) that made `need_id`."""
    source = needs.loc[needs["need_id"] == need_id, "source"].iloc[0]
    return needs["source"] == source


def test_confirm_turns_when_within_runs_out(worlds: Worlds) -> None:
    """A request come in an hour ago whose requester may not be contacted is marked so;
    past [confirmations] within (2 days), it is one from before confirmations instead."""
    run = worlds.run("fresh", "intake", NOW + 5 * M, "confirm")
    now = run.ctx.now
    needs = run.ctx.frames["needs"].copy()
    rows = _request(needs, "N0001")
    needs.loc[rows, "confirmed"] = ""
    needs.loc[rows, "opened"] = f"{now - H:%Y-%m-%d %H:%M}"
    people = run.ctx.frames["people"].copy()
    people.loc[people["person_id"] == needs.loc[rows, "person_id"].iloc[0], "do_not_contact"] = (
        "yes"
    )
    changed = _again(run, needs=needs, people=people)
    assert changed.result.until == now - H + run.ctx.config.confirmations.within
    assert _same(changed, changed.result.until - SECOND) == []
    assert _same(changed, changed.result.until + SECOND) != []


def test_confirm_turns_when_the_retries_end(worlds: Worlds) -> None:
    """An email that never went is sent again for RETRY_FOR (2 days) after its mark; then
    the Call list takes over."""
    run = worlds.run("fresh", "intake", NOW + 5 * M, "confirm")
    now = run.ctx.now
    needs = run.ctx.frames["needs"].copy()
    needs.loc[_request(needs, "N0001"), "confirmed"] = f"emailed {now - H:%Y-%m-%d %H:%M}"
    changed = _again(run, needs=needs)
    assert changed.result.counts["confirmations_sent_again"] == 1
    assert changed.result.until == now - H + 2 * D
    assert _same(changed, changed.result.until - SECOND) == []
    assert _same(changed, changed.result.until + SECOND) != []


def test_confirm_until_in_the_demo(worlds: Worlds) -> None:
    """Every request of the settled demo is confirmed and its email settled: nothing turns
    by time (its threshold is shown by the two tests above, on a request changed)."""
    run = worlds.run("fresh", "weekly", NOW + 5 * M, "confirm")
    assert run.result.until == NEVER


def test_feedback_until_is_never_when_nobody_is_to_be_asked(worlds: Worlds) -> None:
    """Feedback's only clock is ASK_WITHIN, and time only takes done tasks out of it: with
    every ask made (or the task too old), nothing it writes changes by time alone."""
    for base in BASES:
        assert worlds.run(*base, "feedback").result.until == NEVER, base


def test_feedback_until_is_now_when_it_asks(worlds: Worlds) -> None:
    """An ask is marked with the run's clock on its task."""
    run = worlds.run("fresh", "intake", NOW + 5 * M, "feedback")
    tasks = run.ctx.frames["tasks"].copy()
    asked = tasks["feedback_asked"].str.startswith("requester emailed")
    assert asked.any()
    tasks.loc[asked, "feedback_asked"] = ""
    changed = _again(run, tasks=tasks)
    assert changed.result.counts["feedback_emailed"] > 0
    assert changed.result.until == run.ctx.now


CHICAGO = ZoneInfo("America/Chicago")


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 9)).map(
        lambda t: t.replace(microsecond=0)
    )
    | st.datetimes(dt.datetime(2026, 10, 29), dt.datetime(2026, 11, 2)).map(
        lambda t: t.replace(microsecond=0)
    ),
    minutes=st.integers(1, 4 * 24 * 60),
)
def test_reached_at_is_never_late_across_a_change_of_the_clocks(
    start: dt.datetime, minutes: int
) -> None:
    """No naive local time before reached_at has waited `delta` already (a time the clocks
    skip included), and reached_at has, or is at most the hour the clocks go back early."""
    delta = dt.timedelta(minutes=minutes)
    at = reached_at(start, delta, CHICAGO)
    for back in range(1, 181):
        assert elapsed(start, at - back * M, CHICAGO) < delta
    assert elapsed(start, at + H, CHICAGO) >= delta
