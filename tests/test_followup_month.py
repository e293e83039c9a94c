"""Issue 20: a month of hourly ticks on a fake clock (testkit month.MonthSim), checked after
every run by an oracle that reads only the tabs, the Run log and the outbox
(testkit month_oracle): urgent needs proposed within the hour when a volunteer could take
them, no proposal older than its limit, each escalation in exactly one alert email per
organizer, reminders never closer than remind_every_days, rows in = records + errors, and
the weekly digest's follow-up counts agreeing with the sheet."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sheetsync_testkit.month import END, ORGANIZERS, START, MonthSim
from sheetsync_testkit.month_oracle import MonthOracle

from sheetsync.scheduling.tick import TickAction


def local_hours(start: dt.datetime, end: dt.datetime) -> int:
    """The hourly job's slots (:15) on the wall clock from start to end: the hour the clocks
    repeat counts once, as cron's schedule names it once."""
    first = start.replace(minute=15)
    return (end - first) // dt.timedelta(hours=1) + 1


def findings_by_code(oracle: MonthOracle) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in oracle.findings:
        found.setdefault(f.code, []).append(f"{f.at:%m-%d %H:%M} {f.detail}")
    return found


def test_a_month_of_hourly_ticks_across_the_clocks_falling_back(tmp_path: Path) -> None:
    month = MonthSim(tmp_path, seed=20)
    oracle = month.play()

    assert findings_by_code(oracle) == {}
    assert month.ran(TickAction.FAILED) == 0
    # Each job once per slot of its schedule, the night of 2026-11-01 included.
    assert month.counts["runs weekly"] == 4
    assert month.counts["runs intake"] == local_hours(START, END)
    # The events happened, so that the oracle had something to check.
    assert len(oracle.urgent_needs) >= 20
    assert len(oracle.urgent_proposed) >= 10
    assert len(oracle.expired_tasks) >= 3
    assert len(oracle.ledger) >= 3  # escalations (need, level)
    assert len(oracle.past_due_tasks) >= 1
    assert sum(len(times) for times in oracle.reminded.values()) >= 1
    assert oracle.digests_checked == 4 * len(ORGANIZERS)  # the weekly organizers' digests
    assert oracle.reminder_emails >= 1
    assert month.counts["accepted"] >= 10
    assert month.counts["done"] >= 3
    assert month.counts["red check-ins"] == 1


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    start=st.sampled_from(
        [
            dt.datetime(2026, 10, 19, 0, 0),  # a Monday: the weekly job runs at 07:00
            dt.datetime(2026, 10, 31, 18, 0),  # over the night the clocks fall back
            dt.datetime(2026, 11, 5, 9, 0),
        ]
    ),
    hours=st.integers(6, 36),
    busy=st.sampled_from([0.1, 0.3, 0.6]),
)
def test_short_random_histories_keep_the_followup_rules(
    seed: int, start: dt.datetime, hours: int, busy: float
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        month = MonthSim(
            Path(folder),
            seed=seed,
            start=start,
            end=start + dt.timedelta(hours=hours),
            requests_per_hour=busy,
        )
        oracle = month.play()
        assert findings_by_code(oracle) == {}
        assert month.ran(TickAction.FAILED) == 0
        assert oracle.runs >= hours - 1
