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
from sheetsync_testkit.month_oracle import STALE_PROPOSAL, URGENT_NOT_PROPOSED, MonthOracle

from sheetsync.scheduling.tick import TickAction
from sheetsync.schema import data_dir


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
    # Each job once per slot of its schedule, the night of 2026-11-01 included: 674 real
    # hours at :15 (the clocks fall back once), 673 of them on distinct wall-clock times.
    quarter_past = [t for t in month.hours() if t.minute == 15]
    assert len(quarter_past) == (END - START) // dt.timedelta(hours=1) + 2
    assert month.counts["runs intake"] == len(set(quarter_past)) == len(quarter_past) - 1
    assert month.counts["runs weekly"] == 4
    # The events happened, so that the oracle had something to check.
    assert len(oracle.urgent_needs) >= 20
    assert len(oracle.urgent_proposed) >= 10
    assert len(oracle.expired_tasks) >= 5
    assert len(oracle.ledger) >= 20  # escalations (need, level)
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


def test_the_oracle_sees_a_between_runs_job_without_expiry_or_urgent_matching(
    tmp_path: Path,
) -> None:
    """The same harness with the hourly job as it was before issue 20 (no expire, urgent or
    followup step): the oracle must find urgent needs left waiting and stale proposals."""
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    for name in ("intake", "weekly"):
        text = (data_dir("jobs") / f"{name}.toml").read_text(encoding="utf-8")
        for step in ("expire", "urgent", "followup"):
            text = text.replace(f'"{step}", ', "")
        (jobs / f"{name}.toml").write_text(text, encoding="utf-8")
    month = MonthSim(
        tmp_path / "network",
        seed=3,
        end=START + dt.timedelta(days=1),
        requests_per_hour=0.3,
        settings={
            "jobs": {"dir": str(jobs)},
            "followup": {"expire_after": {"Today": "2 hours", "default": "3 hours"}},
        },
    )
    found = findings_by_code(month.play())
    assert found.get(URGENT_NOT_PROPOSED)
    assert found.get(STALE_PROPOSAL)
