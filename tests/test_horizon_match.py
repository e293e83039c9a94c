"""The horizons of the matching steps (match, urgent, withdraw, check): run again on the
same frames at any time before their `until`, they write and say the same.

What they read from the clock: who rests (a confirmed rest ends on its day: Load tab),
each volunteer's room this week and their recent weeks (a task starts counting six days
before its date, stops a week after it is done), a withdrawal's day, a new proposal's or
a new Errors row's stamp (any moment), and for the check's not-maximal message the days a
need waits. The settled demo has no rest confirmed and no task done in the last week, so
where nothing is proposed no day changes them (NEVER); the thresholds are shown on the
same demo with accepted tasks dated a week ahead for a volunteer holding a proposal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.config import Config
from sheetsync.horizon import NEVER
from sheetsync.load.rest import read_rest, rest_changes
from sheetsync.match.volunteers import Held, _tasks_held
from sheetsync.members import Checkin, parse_datetime
from sheetsync.tables import empty_record, frame_of, records_of
from tests.golden_demo import NOW
from tests.horizon_world import StepRun, differences, rerun, settled, step_runs

BASES = (
    dt.timedelta(minutes=5),
    dt.timedelta(days=1, hours=3),
    dt.timedelta(days=3, hours=11, minutes=15),
    dt.timedelta(days=6, hours=23, minutes=59),
)
# The jobs each step runs in.
STEPS = (
    ("weekly", "withdraw"),
    ("weekly", "match"),
    ("weekly", "check"),
    ("intake", "withdraw"),
    ("intake", "urgent"),
    ("intake", "check"),
)
CAP = dt.timedelta(days=30)
SECOND = dt.timedelta(seconds=1)
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class World:
    """The settled demo, built once, and each job's step runs at each base time, once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.runs = cache(self._runs)

    def _runs(self, job: str, base: dt.timedelta) -> dict[str, StepRun]:
        return {r.name: r for r in step_runs(self.config, job, NOW + base)}

    def run(self, job: str, step: str, base: dt.timedelta) -> StepRun:
        return self.runs(job, base)[step]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(settled(tmp_path_factory.mktemp("horizon_match")))


def _same_until(run: StepRun, at: dt.datetime) -> list[str]:
    return differences(run, rerun(run, at), at)


@pytest.mark.parametrize(("job", "step"), STEPS)
@HYPOTHESIS
@given(base=st.sampled_from(BASES), fraction=st.floats(0, 1, exclude_max=True))
def test_same_output_before_until(
    world: World, job: str, step: str, base: dt.timedelta, fraction: float
) -> None:
    run = world.run(job, step, base)
    now, until = run.ctx.now, run.result.until
    assert until is not None
    end = min(until, now + CAP)
    at = now + fraction * (end - now)
    assert _same_until(run, at) == [], (job, step, now, until, at)


@pytest.mark.parametrize(("job", "step"), STEPS)
@pytest.mark.parametrize("base", BASES)
def test_same_output_a_second_before_until(
    world: World, job: str, step: str, base: dt.timedelta
) -> None:
    run = world.run(job, step, base)
    now, until = run.ctx.now, run.result.until
    assert until is not None and until >= now
    if now < until < NEVER:
        assert _same_until(run, until - SECOND) == []


@pytest.mark.parametrize(("job", "step"), STEPS)
@pytest.mark.parametrize("base", BASES)
def test_until_is_later_unless_any_moment(
    world: World, job: str, step: str, base: dt.timedelta
) -> None:
    """Every step says; `now` only when it wrote a stamp of the moment (a new proposal, a
    new Errors row), and then the next moment indeed writes another."""
    run = world.run(job, step, base)
    now, until = run.ctx.now, run.result.until
    assert until is not None and until >= now
    if until == now:
        assert _same_until(run, now + SECOND) != []


def test_never_in_the_settled_demo(world: World) -> None:
    """Five minutes after the weekly run nothing is proposed, no rest is confirmed on the
    Load tab and no task is done within the last week or dated ahead: no day changes what
    the steps read (who rests, anyone's room), so time alone never changes their output.
    (A volunteer's recent weeks do change, but only weigh who is chosen for a proposal.)"""
    for job, step in STEPS:
        run = world.run(job, step, BASES[0])
        assert run.result.until == NEVER, (job, step)
        assert _same_until(run, run.ctx.now + CAP) == []


def test_a_new_proposal_is_any_moment(world: World) -> None:
    """A day later the expired proposals' needs are proposed again: stamped now."""
    for job, step in (("weekly", "match"), ("intake", "urgent")):
        run = world.run(job, step, BASES[1])
        assert run.result.frames["tasks"].shape != run.ctx.frames["tasks"].shape
        assert run.result.until == run.ctx.now


# --- the thresholds, on the demo with accepted tasks dated ahead -----------------------

AHEAD = 8  # days: such a task counts in the week six days before, in two days' time


def _held_ahead(run: StepRun) -> StepRun:
    """The run with a volunteer holding one of sheetsync's proposals given accepted tasks
    dated AHEAD days from now, more than their capacity: from six days before that date
    their week is over capacity (their proposal is withdrawn, the check reports it)."""
    schema = run.ctx.schemas["tasks"]
    tasks = records_of(run.ctx.frames["tasks"])
    holder = next(
        t["volunteer_id"]
        for t in tasks
        if t["status"] == "proposed" and t["task_id"] and parse_datetime(t["proposed"])
    )
    due = (run.ctx.now.date() + dt.timedelta(days=AHEAD)).isoformat()
    tasks += [
        empty_record(schema, volunteer_id=holder, status="accepted", due=due) for _ in range(20)
    ]
    frames = dict(run.ctx.frames) | {"tasks": frame_of(tasks, schema)}
    ahead = StepRun(run.name, replace(run.ctx, frames=frames), run.findings, run.result)
    return replace(ahead, result=rerun(ahead, run.ctx.now))


@pytest.mark.parametrize(("job", "step"), STEPS)
def test_a_task_dated_ahead_is_the_threshold(world: World, job: str, step: str) -> None:
    run = _held_ahead(world.run(job, step, BASES[0]))
    now, until = run.ctx.now, run.result.until
    assert until == dt.datetime.combine(now.date() + dt.timedelta(days=AHEAD - 6), dt.time())
    assert _same_until(run, until - SECOND) == []
    assert _same_until(run, until) != []


# --- rests: the day one may start or end ----------------------------------------------

TODAY = dt.date(2026, 11, 23)
DAYS = st.integers(-12, 12).map(lambda k: TODAY + dt.timedelta(days=k))
CELLS = st.one_of(st.just(""), st.just("no"), st.just("yes"), DAYS.map(dt.date.isoformat))
OPTIONAL_DAYS = st.one_of(st.just(""), DAYS.map(dt.date.isoformat))


@settings(max_examples=100, deadline=None)
@given(
    cell=CELLS,
    pinned=OPTIONAL_DAYS,
    suggested=OPTIONAL_DAYS,
    seen=OPTIONAL_DAYS,
    status=st.sampled_from(["", "green", "yellow", "red"]),
    on=st.one_of(st.none(), DAYS),
)
def test_a_rest_holds_until_rest_changes(
    cell: str, pinned: str, suggested: str, seen: str, status: str, on: dt.date | None
) -> None:
    """Whether a member rests is the same every day from today until rest_changes' day."""
    row = {
        "rest_until": cell,
        "resting_until": pinned,
        "rest_suggested": suggested,
        "rest_confirmed": seen,
    }
    checkin = Checkin(status, None, on)
    changes = rest_changes(row, checkin, TODAY, dayfirst=False, rest_days=7)
    assert changes is None or changes > TODAY
    first = read_rest(row, checkin, TODAY, dayfirst=False, rest_days=7).status
    for k in range(1, 40):
        day = TODAY + dt.timedelta(days=k)
        if changes is not None and day >= changes:
            break
        assert read_rest(row, checkin, day, dayfirst=False, rest_days=7).status == first, day


# --- tasks: the day one starts or stops counting in a volunteer's week -----------------

TASK = st.fixed_dictionaries(
    {
        "volunteer_id": st.sampled_from(["P1", "P2"]),
        "status": st.sampled_from(["proposed", "accepted", "done", "declined", "expired"]),
        "due": OPTIONAL_DAYS,
        "proposed": st.one_of(st.just(""), DAYS.map(lambda d: f"{d.isoformat()} 07:00")),
    }
)


@settings(max_examples=100, deadline=None)
@given(tasks=st.lists(TASK, max_size=6), weeks=st.integers(1, 4))
def test_room_and_recent_weeks_hold_until_they_change(
    tasks: list[dict[str, str]], weeks: int
) -> None:
    """Each volunteer's tasks this week and in recent weeks are the same every day from
    today until the day _tasks_held says they next change."""
    rows = [{"task_id": "", "need_id": "", "co_volunteer_id": "", "hours": "", **t} for t in tasks]
    kept = {"P1": "P1", "P2": "P2"}

    def held(day: dt.date) -> Held:
        return _tasks_held(rows, kept, today=day, dayfirst=False, weeks=weeks)

    first = held(TODAY)
    for k in range(1, 7 * weeks + 20):
        day = TODAY + dt.timedelta(days=k)
        then = held(day)
        if first.room_changes is None or day < first.room_changes:
            assert dict(then.this_week) == dict(first.this_week), day
        if first.recent_changes is None or day < first.recent_changes:
            assert dict(then.recent) == dict(first.recent), day
