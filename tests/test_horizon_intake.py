"""The horizons (StepResult.until) of intake, dedupe, load, summary and digest: run again on
the same frames at any time before `until`, each step writes and sends the same; at its
`until` (where it is finite in the demo) something does change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.config import Config
from sheetsync.dedupe import find_duplicates, linkage_until
from sheetsync.dedupe.dates import birth_key
from sheetsync.digest import deliver
from sheetsync.horizon import NEVER
from sheetsync.steps import get_step
from tests.golden_demo import NOW
from tests.horizon_world import StepRun, differences, rerun, settled, step_runs

STEPS = ("intake", "dedupe", "load", "summary", "digest")
JOBS = {"weekly": STEPS, "intake": ("intake", "dedupe")}
CASES = [(job, step) for job, steps in JOBS.items() for step in steps]
BASES = (
    NOW + dt.timedelta(minutes=5),
    NOW + dt.timedelta(days=1, hours=3),
    NOW + dt.timedelta(days=3, hours=11, minutes=15),
    NOW + dt.timedelta(days=6, hours=23, minutes=59),
)
MONTH = dt.timedelta(days=30)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Config]:
    # The organizers' chart is most of a digest's time, and no part of what the horizon
    # compares (who gets which period's email): a blank picture keeps the module fast.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver, "chart_png", lambda *args, **kwargs: b"")
        yield settled(tmp_path_factory.mktemp("horizon_intake"))


_RUNS: dict[tuple[int, str, dt.datetime], dict[str, StepRun]] = {}


def run_of(world: Config, job: str, step: str, base: dt.datetime) -> StepRun:
    """The step's run in `job` at `base`, computed once per world, job and base time."""
    key = (id(world), job, base)
    if key not in _RUNS:
        _RUNS[key] = {r.name: r for r in step_runs(world, job, base) if r.name in STEPS}
    return _RUNS[key][step]


def until_of(run: StepRun) -> dt.datetime:
    until = run.result.until
    assert until is not None, f"{run.name} says no until"
    return until


@pytest.mark.parametrize("step", STEPS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), base=st.sampled_from(BASES), fraction=st.floats(0, 1, exclude_max=True))
def test_the_output_stays_the_same_before_until(
    world: Config, step: str, data: st.DataObject, base: dt.datetime, fraction: float
) -> None:
    job = data.draw(st.sampled_from([j for j, steps in JOBS.items() if step in steps]))
    run = run_of(world, job, step, base)
    until = until_of(run)
    if until <= base:
        return  # "at any moment": nothing to hold
    # A fraction just below 1 may round to `until` itself: stay before it.
    at = min(base + fraction * min(until - base, MONTH), until - dt.timedelta(microseconds=1))
    assert differences(run, rerun(run, at), at) == [], (job, step, base, at, until)


@pytest.mark.parametrize(("job", "step"), CASES)
def test_the_output_stays_the_same_a_second_before_until(
    world: Config, job: str, step: str
) -> None:
    for base in BASES:
        run = run_of(world, job, step, base)
        until = until_of(run)
        if base < until <= base + MONTH:
            at = until - SECOND
            assert differences(run, rerun(run, at), at) == [], (job, step, base, until)


@pytest.mark.parametrize(("job", "step"), CASES)
def test_every_until_is_set_and_not_in_the_past(world: Config, job: str, step: str) -> None:
    for base in BASES:
        run = run_of(world, job, step, base)
        # At the settled state only load's rows change at later days (stamped: any moment).
        assert until_of(run) >= base


def _changes_at_until(world: Config, step: str) -> list[str]:
    """What the step writes or sends differently a second after its until, at the first
    base time where until is finite and later than the base time."""
    for base in BASES:
        run = run_of(world, "weekly", step, base)
        until = until_of(run)
        if base < until <= base + MONTH:
            at = until + SECOND
            found = differences(run, rerun(run, at), at)
            if found:
                return found
    return []


def test_load_changes_at_the_next_midnight(world: Config) -> None:
    # The demo's busiest member loses "no week off" the next day, and its figures change.
    run = run_of(world, "weekly", "load", BASES[0])
    assert until_of(run) == dt.datetime.combine(BASES[0].date() + dt.timedelta(days=1), dt.time())
    assert _changes_at_until(world, "load")


def test_load_changed_rows_hold_the_run_time_so_any_moment(world: Config) -> None:
    # A day later the settled Load rows change, stamped with the run's time.
    run = run_of(world, "weekly", "load", BASES[1])
    assert run.result.frames["load"]["updated"].eq("2026-11-24 10:00").any()
    assert until_of(run) == BASES[1]


def test_summary_changes_when_the_oldest_need_has_waited_a_day_more(world: Config) -> None:
    run = run_of(world, "weekly", "summary", BASES[0])
    until = until_of(run)
    assert BASES[0] < until < dt.datetime.combine(BASES[0].date() + dt.timedelta(days=1), dt.time())
    found = _changes_at_until(world, "summary")
    assert found and "waited" in found[0]


def test_summary_changes_at_midnight_when_the_needs_waiting_do_not(world: Config) -> None:
    # Later in the week the periods' figures ("the last 7 days") change at midnight.
    run = run_of(world, "weekly", "summary", BASES[1])
    assert until_of(run) == dt.datetime(2026, 11, 25)
    at = until_of(run) + SECOND
    assert differences(run, rerun(run, at), at)


def test_digest_changes_on_the_next_monday(world: Config) -> None:
    for base in BASES:
        run = run_of(world, "weekly", "digest", base)
        monday = base.date() + dt.timedelta(days=7 - base.weekday())
        assert until_of(run) == dt.datetime.combine(monday, dt.time())
    assert _changes_at_until(world, "digest") == ["effects differ"]


def test_digest_without_recipients_never_changes(world: Config) -> None:
    run = run_of(world, "weekly", "digest", BASES[0])
    frames = dict(run.ctx.frames)
    frames["people"] = frames["people"].assign(weekly_email="")
    config = replace(run.ctx.config, email=replace(run.ctx.config.email, organizers=(), public=()))
    result = get_step("digest")(replace(run.ctx, frames=frames, config=config))
    assert result.effects and not result.effects[0].rendered(config)  # type: ignore[attr-defined]
    assert result.until == NEVER


@pytest.mark.parametrize("job", JOBS)
def test_intake_and_dedupe_never_change_by_time_alone_when_settled(world: Config, job: str) -> None:
    # Intake reads the clock only to find a Timestamp in the future, and `_last_run` (the
    # Run log) only to note an override seen the first time; dedupe reads only the year,
    # for birth dates, which People's comparison does not hold. Settled, neither has any.
    for base in BASES:
        for step in ("intake", "dedupe"):
            assert until_of(run_of(world, job, step, base)) == NEVER


def test_intake_with_a_timestamp_in_the_future_may_change_at_any_moment(world: Config) -> None:
    run = run_of(world, "intake", "intake", BASES[0])
    forms = dict(run.ctx.forms)
    table = forms["requests"]
    frame = table.frame.copy()
    row = frame.index[-1]
    ahead = BASES[0] + dt.timedelta(hours=2)
    frame.loc[row, "timestamp"] = ahead.strftime("%Y-%m-%d %H:%M")
    forms["requests"] = replace(table, frame=frame)
    ctx = replace(run.ctx, forms=forms, frames=dict(run.ctx.frames))
    result = get_step("intake")(ctx)
    assert any(i.code == "future-date" for i in result.issues)
    assert result.until == BASES[0]  # the message names the run's time
    # And the threshold is real: later, the reason on the Errors tab says another time.
    later = get_step("intake")(replace(ctx, now=BASES[0] + SECOND, frames=dict(run.ctx.frames)))
    assert [i.message for i in later.issues] != [i.message for i in result.issues]


def test_dedupe_with_birth_dates_may_change_on_new_years_day() -> None:
    eve = dt.datetime(2026, 12, 31, 23, 0)
    records = pd.DataFrame({"id": ["a", "b"], "name": ["Ana Ruiz", "Bo Diaz"]})
    assert linkage_until(records, eve) == NEVER
    find_duplicates(records, today=eve.date())  # without birth dates: no year read
    dated = records.assign(birth_date=["5/5/27", ""])
    assert linkage_until(dated, eve) == dt.datetime(2027, 1, 1)
    # A two-digit year is the latest not after this one: it is read otherwise on New Year.
    assert birth_key("5/5/27", today=eve.date()) == "1927-05-05"
    assert birth_key("5/5/27", today=dt.date(2027, 1, 1)) == "2027-05-05"
