"""The horizons (StepResult.until) of the recur, claims and board steps, in the settled demo.

Before a step's `until`, the step run on the same frames gives the same output (property);
at its `until` the output does change for some base time where the demo has a finite one
(the threshold is real, not a guess). sheetsync/horizon.py says the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.config import Config
from sheetsync.horizon import NEVER, next_midnight
from sheetsync.recur.series import Recurrence, Series, due_today
from sheetsync.statuses import NeedStatus, TaskStatus
from tests.golden_demo import NOW
from tests.horizon_world import StepRun, differences, rerun, settled, step_runs

STEPS = ("recur", "claims", "board")
JOBS = ("weekly", "intake")
BASES = (
    NOW + dt.timedelta(minutes=5),
    NOW + dt.timedelta(days=1, hours=3),
    NOW + dt.timedelta(days=3, hours=11, minutes=15),
    NOW + dt.timedelta(days=6, hours=23, minutes=59),
)
SPAN = dt.timedelta(days=30)  # how far past a base time a property looks, at most
SECOND = dt.timedelta(seconds=1)

Runs = Callable[[str, dt.datetime], dict[str, StepRun]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return settled(Path(tmp_path_factory.mktemp("horizon_board")))


@pytest.fixture(scope="module")
def runs(world: Config) -> Runs:
    """Each step's run of a job at a base time, by step name (each job run once a base)."""
    cache: dict[tuple[str, dt.datetime], dict[str, StepRun]] = {}

    def of(job: str, base: dt.datetime) -> dict[str, StepRun]:
        if (job, base) not in cache:
            cache[(job, base)] = {r.name: r for r in step_runs(world, job, base)}
        return cache[(job, base)]

    return of


def _until(run: StepRun) -> dt.datetime:
    until = run.result.until
    assert until is not None, f"{run.name} does not say its until"
    return until


@pytest.mark.parametrize("job", JOBS)
@pytest.mark.parametrize("step", STEPS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.sampled_from(BASES),
    fraction=st.floats(min_value=0, max_value=1, exclude_max=True),
    last=st.booleans(),
)
def test_nothing_changes_before_until(
    runs: Runs, step: str, job: str, base: dt.datetime, fraction: float, last: bool
) -> None:
    run = runs(job, base)[step]
    now, until = run.ctx.now, _until(run)
    if until == now:
        return  # "any moment": nothing is promised
    end = min(until, now + SPAN)
    at = until - SECOND if last and until <= now + SPAN else now + fraction * (end - now)
    at = min(at, until - dt.timedelta(microseconds=1))  # the product rounds up, at times
    assert now <= at < until
    assert differences(run, rerun(run, at), at) == [], (step, job, base, at, until)


@pytest.mark.parametrize("job", JOBS)
def test_every_until_is_said_and_later_than_now(runs: Runs, job: str) -> None:
    """Each step says its until, and it is later than now, unless the step writes at
    once what it would write otherwise a moment later (recur adding a series' next need,
    opened now): "any moment"."""
    for base in BASES:
        for step in STEPS:
            run = runs(job, base)[step]
            until = _until(run)
            assert until > base or (until == base and _writes(run)), (step, job, base)


def _writes(run: StepRun) -> bool:
    """Whether the step changes a tab it was given."""
    given = run.ctx.frames
    return any(
        not frame.astype(str).equals(given[name].astype(str))
        for name, frame in run.result.frames.items()
    )


def _changes_at_until(runs: Runs, step: str, job: str) -> list[tuple[dt.datetime, list[str]]]:
    """For each base time with a finite until: what the step's output at until (and a
    second after) changes."""
    found = []
    for base in BASES:
        run = runs(job, base)[step]
        until = _until(run)
        if until == NEVER:
            continue
        for at in (until, until + SECOND):
            found.append((base, differences(run, rerun(run, at), at)))
    return found


def test_recur_until_is_the_day_a_series_moves_on(runs: Runs) -> None:
    """At the start of the day a series' next need falls due, or its next_on moves a period
    on while its latest need waits, the Needs tab says otherwise."""
    for job in JOBS:
        for base in BASES:
            run = runs(job, base)["recur"]
            until = _until(run)
            if until == base:  # a series' next need made now, stamped with the time
                assert run.result.counts["repeats"] and _writes(run)
                continue
            assert until == NEVER or (until.time() == dt.time() and until > base)
        changed = [base for base, found in _changes_at_until(runs, "recur", job) if found]
        assert changed, f"recur's until changes nothing in the {job} job"


def test_board_until_is_when_a_days_waiting_grows(runs: Runs) -> None:
    """At `until` some open need has waited one more whole day: the board's rows say so."""
    for job in JOBS:
        changes = _changes_at_until(runs, "board", job)
        assert changes, f"the board shows no need in the {job} job"
        assert all(found == ["effects differ"] for _, found in changes), changes


def test_claims_until_is_the_next_midnight(runs: Runs) -> None:
    """follow_the_present reads only today's date (each volunteer's room this week, rest,
    the date a withdrawal's note gives), and take_claims nothing finer: claims says the
    next midnight."""
    for job in JOBS:
        for base in BASES:
            assert _until(runs(job, base)["claims"]) == next_midnight(base)


def test_claims_midnight_is_real_when_a_proposal_is_withdrawn(runs: Runs) -> None:
    """In the settled demo nothing the claims step writes changes at midnight (no claim
    waits, no proposal to withdraw): with a proposal's volunteer just marked do not
    contact, the step withdraws it with today's date in its reasons, so the same frames
    a second before the next midnight give the same tasks, and at midnight other ones."""
    base = BASES[0]
    run = _volunteer_marked_do_not_contact(runs("weekly", base)["claims"])
    until = _until(run)
    assert until == next_midnight(run.ctx.now)
    assert "withdrawn" in set(run.result.frames["tasks"]["status"])
    assert differences(run, rerun(run, until - SECOND), until - SECOND) == []
    [found] = differences(run, rerun(run, until), until)
    assert found.startswith("tasks: ") and " reasons: " in found, found
    assert f"withdrawn {base.date()}" in found and f"withdrawn {until.date()}" in found


def _volunteer_marked_do_not_contact(run: StepRun) -> StepRun:
    """`run` again on its frames with the volunteer of a proposal sheetsync made (nobody
    answered it yet) marked do not contact on People."""
    tasks, people = run.ctx.frames["tasks"], run.ctx.frames["people"].copy()
    proposals = tasks[(tasks["status"] == TaskStatus.PROPOSED.value) & (tasks["proposed"] != "")]
    assert len(proposals), "the settled demo has no proposal waiting for a yes"
    people.loc[people["person_id"] == proposals["volunteer_id"].iloc[0], "do_not_contact"] = "yes"
    ctx = replace(run.ctx, frames={**run.ctx.frames, "people": people})
    marked = StepRun(run.name, ctx, run.findings, run.result)
    return replace(marked, result=rerun(marked, run.ctx.now))


@settings(max_examples=200, deadline=None)
@given(
    opened=st.integers(min_value=-40, max_value=5),
    planned=st.none() | st.integers(min_value=-40, max_value=40),
    every=st.sampled_from([Recurrence.EVERY_WEEK, Recurrence.EVERY_TWO_WEEKS]),
    waiting=st.booleans(),
    later=st.integers(min_value=0, max_value=60),
)
def test_a_series_answers_the_same_until_it_changes_on(
    opened: int, planned: int | None, every: Recurrence, waiting: bool, later: int
) -> None:
    """due_today gives the same answer every day before its `changes_on`, another on it."""
    today = NOW.date()
    need = {
        "need_id": "N1",
        "series": "N1",
        "recurrence": every.value,
        "opened": f"{today + dt.timedelta(days=opened)} 09:30",
        "status": (NeedStatus.OPEN if waiting else NeedStatus.MATCHED).value,
    }
    series = Series(need, [need])
    day = None if planned is None else today + dt.timedelta(days=planned)
    due = due_today(series, today, day)
    assert due.changes_on is not None and due.changes_on > today
    on = min(today + dt.timedelta(days=later), due.changes_on - dt.timedelta(days=1))
    assert due_today(series, on, day) == due
    assert due_today(series, due.changes_on, day) != due
