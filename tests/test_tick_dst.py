"""tick across the nights the clocks change: each wall-clock slot of each job runs once (a
slot in the skipped hour once, not never; a slot in the repeated hour once, not twice), the
retry wait is real time, and the weekly job covers the hourly one when both are due."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.clock import aware
from sheetsync.config import Config
from sheetsync.errors import StepError
from sheetsync.jobs import Job
from sheetsync.report import RunOutcome
from sheetsync.scheduling.tick import (
    RETRY_AFTER,
    TickAction,
    TickResult,
    covers,
    latest_slot,
    steps_done,
    tick,
)
from tests.conftest import make_config

NEW_YORK = ZoneInfo("America/New_York")
FALL_BACK = dt.date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST: 01:00-01:59 happens twice
SPRING_FORWARD = dt.date(2027, 3, 14)  # 02:00 EST -> 03:00 EDT: 02:00-02:59 never happens
HOURLY_STEPS = ("intake", "dedupe", "withdraw", "expire", "urgent", "followup", "check")
WEEKLY_STEPS = (
    "intake",
    "dedupe",
    "withdraw",
    "expire",
    "match",
    "load",
    "followup",
    "check",
    "summary",
    "digest",
)
JOBS = [
    Job("hourly", "15 * * * *", HOURLY_STEPS),
    Job("night", "30 1 * * *", ("night",)),  # in the repeated hour in autumn
    Job("early", "30 2 * * *", ("early",)),  # in the skipped hour in spring
    Job("weekly", "15 2 * * 0", WEEKLY_STEPS),  # Sundays, with the hourly's 02:15 slot
]


def network_config(tmp_path: Path, tz: str = "America/New_York") -> Config:
    return make_config(tmp_path / "network.xlsx", timezone=tz)


def local(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The network's wall clock at an instant, as state.local_now gives it: naive, its fold
    telling the repeated hour's second half."""
    return instant.astimezone(tz).replace(tzinfo=None)


def exists(slot: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether a wall-clock time happens at all (not in the hour the clocks skip)."""
    return local(aware(slot, tz).astimezone(dt.UTC), tz) == slot


class FakeClock:
    """Ticks at the given instants; notes each run (job, slot, when) and each result."""

    def __init__(self, config: Config, jobs: list[Job], tz: ZoneInfo) -> None:
        self.config, self.jobs, self.tz = config, jobs, tz
        self.runs: list[tuple[str, dt.datetime]] = []  # job, the wall clock when it ran
        self.results: list[tuple[dt.datetime, TickResult]] = []

    def tick_at(self, instant: dt.datetime) -> list[TickResult]:
        now = local(instant, self.tz)

        def run(job: Job) -> RunOutcome:
            self.runs.append((job.name, now))
            return RunOutcome.OK

        results = tick(self.config, self.jobs, now, run, dict)
        self.results += [(now, r) for r in results]
        return results

    def every(self, start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> None:
        instant = start
        while instant <= end:
            self.tick_at(instant)
            instant += step

    def slots_done(self, job: str) -> list[dt.datetime]:
        """The slots a job ran for or was covered for, in order (missed ones included)."""
        done = []
        for _, r in self.results:
            if r.job == job and r.action in (TickAction.RAN, TickAction.COVERED):
                done += [*_slots_before(_schedule(self.jobs, job), r.slot, r.missed), r.slot]
        return done


def _schedule(jobs: list[Job], name: str) -> str:
    return next(j.schedule for j in jobs if j.name == name)


def _slots_before(schedule: str, slot: dt.datetime, count: int) -> list[dt.datetime]:
    slots = croniter(schedule, slot)
    return sorted(slots.get_prev(dt.datetime) for _ in range(count))


def expected_slots(schedule: str, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """Every wall-clock slot after the first tick's latest slot up to the last tick's."""
    slots, found = croniter(schedule, latest_slot(schedule, first)), []
    end = latest_slot(schedule, last)
    while (slot := slots.get_next(dt.datetime)) <= end:
        found.append(slot)
    return found


def night_of(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Noon the day before to noon the day after, as instants."""
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), NEW_YORK)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=2)).astimezone(dt.UTC)


@pytest.mark.parametrize("day", [FALL_BACK, SPRING_FORWARD], ids=["fall back", "spring forward"])
def test_ticks_every_5_minutes_run_each_slot_of_each_job_once(tmp_path, day):
    clock = FakeClock(network_config(tmp_path), JOBS, NEW_YORK)
    start, end = night_of(day)
    clock.every(start, end, dt.timedelta(minutes=5))
    first, last = local(start, NEW_YORK), local(end, NEW_YORK)
    for job in JOBS:
        assert clock.slots_done(job.name) == expected_slots(job.schedule, first, last), job.name
    assert all(r.missed == 0 for _, r in clock.results)


def test_spring_forward_runs_the_skipped_slot_once_right_after_the_jump(tmp_path):
    clock = FakeClock(network_config(tmp_path), JOBS, NEW_YORK)
    clock.every(*night_of(SPRING_FORWARD), dt.timedelta(minutes=5))
    that_night = [(job, when) for job, when in clock.runs if when.date() == SPRING_FORWARD]
    # 02:30 never happens that night: "early" runs at the first tick after 01:55 EST.
    assert [when for job, when in that_night if job == "early"] == [dt.datetime(2027, 3, 14, 3, 0)]
    # The weekly's 02:15 slot too; it covers the hourly's 02:15, due with it.
    assert [when for job, when in that_night if job == "weekly"] == [dt.datetime(2027, 3, 14, 3, 0)]
    covered = [(r.slot, r.detail) for _, r in clock.results if r.action == TickAction.COVERED]
    assert covered == [(dt.datetime(2027, 3, 14, 2, 15), "by weekly")]
    hourly = [when.time() for job, when in that_night if job == "hourly"]
    assert hourly[:3] == [dt.time(0, 15), dt.time(1, 15), dt.time(3, 15)]


def test_fall_back_runs_the_repeated_slots_once_the_first_time_round(tmp_path):
    clock = FakeClock(network_config(tmp_path), JOBS, NEW_YORK)
    clock.every(*night_of(FALL_BACK), dt.timedelta(minutes=5))
    night = [when for job, when in clock.runs if job == "night" and when.date() == FALL_BACK]
    assert night == [dt.datetime(2026, 11, 1, 1, 30)] and night[0].fold == 0  # 01:30 EDT
    hourly = [when for job, when in clock.runs if job == "hourly" and when.date() == FALL_BACK]
    assert [(w.hour, w.fold) for w in hourly[:3]] == [(0, 0), (1, 0), (3, 0)]
    # The weekly (Sunday 02:15, once that night) covered the hourly's 02:15.
    weekly = [when for job, when in clock.runs if job == "weekly"]
    assert weekly == [dt.datetime(2026, 11, 1, 2, 15)]
    slots = Counter(clock.slots_done("hourly"))
    assert max(slots.values()) == 1 and dt.datetime(2026, 11, 1, 2, 15) in slots


def test_a_failed_run_waits_half_an_hour_of_real_time_across_fall_back(tmp_path):
    config = network_config(tmp_path)
    jobs = [Job("night", "40 1 * * *", ("night",))]
    attempts: list[str] = []

    def failing(job: Job) -> RunOutcome:
        attempts.append(job.name)
        raise StepError("match crashed")

    def at(utc_hour: int, minute: int) -> dt.datetime:
        return local(dt.datetime(2026, 11, 1, utc_hour, minute, tzinfo=dt.UTC), NEW_YORK)

    assert dt.timedelta(minutes=30) == RETRY_AFTER  # the times below are chosen around it
    tick(config, jobs, at(4, 0), failing, dict)  # 00:00 EDT: starts counting
    first = tick(config, jobs, at(5, 40), failing, dict)  # 01:40 EDT
    assert [r.action for r in first] == [TickAction.FAILED]
    # 01:05 EST is 25 minutes later, though the wall clock went back 35.
    assert [r.action for r in tick(config, jobs, at(6, 5), failing, dict)] == ["not due"]
    assert [r.action for r in tick(config, jobs, at(6, 10), failing, dict)] == ["failed"]
    assert len(attempts) == 2


def test_a_failed_run_waits_half_an_hour_of_real_time_across_spring_forward(tmp_path):
    config = network_config(tmp_path)
    jobs = [Job("night", "50 1 * * *", ("night",))]
    calls = []

    def failing(job: Job) -> RunOutcome:
        calls.append(job.name)
        raise StepError("match crashed")

    def at(utc_hour: int, minute: int) -> dt.datetime:
        return local(dt.datetime(2027, 3, 14, utc_hour, minute, tzinfo=dt.UTC), NEW_YORK)

    tick(config, jobs, at(5, 0), failing, dict)  # 00:00 EST
    assert [r.action for r in tick(config, jobs, at(6, 50), failing, dict)] == ["failed"]
    # 03:05 EDT is 75 minutes on by the wall clock, 15 in real time (RETRY_AFTER is 30).
    assert at(7, 5) == dt.datetime(2027, 3, 14, 3, 5)
    assert [r.action for r in tick(config, jobs, at(7, 5), failing, dict)] == ["not due"]
    assert [r.action for r in tick(config, jobs, at(7, 20), failing, dict)] == ["failed"]
    assert calls == ["night", "night"]


@pytest.mark.parametrize(
    ("wider", "narrower", "covered"),
    [
        (WEEKLY_STEPS, HOURLY_STEPS, True),  # match does urgent's work
        (("intake", "match"), ("intake", "urgent"), True),
        (("intake", "urgent"), ("intake", "match"), False),
        (HOURLY_STEPS, HOURLY_STEPS, False),  # the same work: neither covers the other
        (("intake", "match"), ("intake", "match", "urgent"), False),  # the same work too
        (("intake", "dedupe"), ("intake", "urgent"), False),
        (WEEKLY_STEPS, ("intake", "dedupe", "withdraw", "check"), True),  # the older hourly
    ],
)
def test_a_job_covers_another_when_it_does_all_its_work_and_more(wider, narrower, covered):
    assert covers(wider, narrower) is covered


def test_steps_done_counts_what_match_includes():
    assert steps_done(["intake", "match"]) == {"intake", "match", "urgent"}


def test_the_shipped_jobs_weekly_covers_the_hourly():
    from sheetsync.jobs import jobs_folder, list_jobs

    jobs = {j.name: j for j in list_jobs(jobs_folder(None))}
    assert covers(jobs["weekly"].steps, jobs["intake"].steps)


# --- property: random zones, random ticks at most 5 minutes apart --------------------------

ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # the clocks move by 30 minutes
    "America/Santiago",  # at midnight
    "America/Havana",  # at midnight, to 01:00
    "Pacific/Chatham",  # at 02:45
    "Asia/Kolkata",  # no changes at all
)


@cache
def changes(zone: str) -> tuple[dt.datetime, ...]:
    """The zone's clock changes in 2026-2027, each as the first whole hour (UTC) after it;
    noon on 1 March 2026 for a zone whose clocks never change."""
    tz, found = ZoneInfo(zone), []
    instant = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    offset = instant.astimezone(tz).utcoffset()
    while instant.year < 2028:
        instant += dt.timedelta(hours=1)
        if (now := instant.astimezone(tz).utcoffset()) != offset:
            found.append(instant)
            offset = now
    return tuple(found) or (dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),)


@st.composite
def nights(draw: st.DrawFn) -> tuple[str, list[dt.datetime], list[Job]]:
    """A zone, 60 tick instants 2 to 5 minutes apart from up to 2 hours before one of its
    changes (so across it), and an hourly and two daily jobs near the change's hour."""
    zone = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(changes(zone)))
    instant = change - dt.timedelta(hours=1, seconds=draw(st.integers(0, 3600)))
    ticks = []
    for gap in draw(st.lists(st.integers(120, 300), min_size=60, max_size=60)):
        ticks.append(instant)
        instant += dt.timedelta(seconds=gap)
    hour = change.astimezone(ZoneInfo(zone)).hour
    jobs = [Job("hourly", f"{draw(st.integers(0, 59))} * * * *", ("a",))]
    for name in ("daily", "other"):
        minute, near = draw(st.integers(0, 59)), draw(st.integers(-2, 0))
        jobs.append(Job(name, f"{minute} {(hour + near) % 24} * * *", (name,)))
    return zone, ticks, jobs


@settings(max_examples=25, deadline=None)
@given(night=nights())
def test_property_each_slot_runs_once_when_ticks_are_at_most_5_minutes_apart(night):
    zone, ticks, jobs = night
    tz = ZoneInfo(zone)
    with tempfile.TemporaryDirectory() as folder:  # a new network for each example
        clock = FakeClock(network_config(Path(folder), zone), jobs, tz)
        for instant in ticks:
            clock.tick_at(instant)
    # The latest wall clock the ticks reached, not the last tick's: a night that ends in the
    # repeated time (the clocks fell back) has already run the slots up to it.
    first, last = local(ticks[0], tz), max(local(t, tz) for t in ticks)
    for job in jobs:
        done = clock.slots_done(job.name)
        assert len(done) == len(set(done)), f"{job.name} ran twice for one slot"
        assert done == expected_slots(job.schedule, first, last), job.name
    # A run catches up only slots that never happened (in the hour the clocks skip).
    for _, r in clock.results:
        missed = _slots_before(_schedule(jobs, r.job), r.slot, r.missed)
        assert not [s for s in missed if exists(s, tz)], r


def test_a_slot_just_before_a_jump_that_is_not_on_the_hour_runs_for_itself(tmp_path):
    """Pacific/Chatham springs forward from 02:45 to 03:45: the 02:44 slot, which happens,
    and the 03:44 one, which the clocks skip, are a minute apart. A tick after the jump runs
    02:44 for its own slot (not as a slot missed by 03:44's run), and 03:44 at the next tick."""
    chatham = ZoneInfo("Pacific/Chatham")
    jobs = [Job("hourly", "44 * * * *", ("a",))]
    clock = FakeClock(network_config(tmp_path, "Pacific/Chatham"), jobs, chatham)
    start = dt.datetime(2026, 9, 27, 1, 0, tzinfo=chatham).astimezone(dt.UTC)
    for k in range(90):  # every 2 minutes to 04:45 after the jump
        clock.tick_at(start + dt.timedelta(minutes=2 * k + 1))
    ran = [(r.slot, r.missed) for _, r in clock.results if r.action is TickAction.RAN]
    day = dt.datetime(2026, 9, 27)
    assert ran == [
        (day.replace(hour=1, minute=44), 0),
        (day.replace(hour=2, minute=44), 0),
        (day.replace(hour=3, minute=44), 0),
        (day.replace(hour=4, minute=44), 0),
    ]
