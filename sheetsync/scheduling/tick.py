"""tick: run every job whose time has come, once, one run at a time.

A job is due when the latest time its schedule names (croniter, in the network's time
zone) is later than the slot it last ran for. Slots missed while the machine was off are
caught up by one run, not one per slot. A failed run is tried again after RETRY_AFTER, up
to ATTEMPTS times for the same slot; after that it waits for its next slot (the failure
is in the Run log tab and the next organizers' digest).

What tick has run is kept in .sheetsync/schedule.json beside the config. A job tick has
never seen starts from its last run in the Run log: caught up if that is older than its
latest slot, else (never run) from the next slot, so installing never runs a job at once.

Changes of the clocks: each wall-clock slot runs once (sheetsync.scheduling.slots); only
the retry wait is real time (sheetsync.clock): `now`'s fold, which state.local_now keeps,
tells the two halves of the hour the clocks repeat apart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sheetsync.backends.base import Backend
from sheetsync.clock import aware, elapsed
from sheetsync.config import Config
from sheetsync.digest.mail import DeliveryError
from sheetsync.errors import (
    LockHeldError,
    ScheduleError,
    SheetsyncError,
    failure_text,
    trace_text,
)
from sheetsync.files import private_dir, replace_private_text
from sheetsync.jobs import Job, jobs_folder, list_jobs, run_job
from sheetsync.members import parse_datetime
from sheetsync.report import DeliveryOutcome, RunOutcome
from sheetsync.run_log import last_runs
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.scheduling.slots import due_slot, latest_slot, slots_between

__all__ = ["latest_slot", "tick", "tick_network"]

log = logging.getLogger(__name__)
ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=30)

# Steps that do another step's work and more: a job with "match" covers one with "urgent"
# (the hourly matching of urgent and expired needs; the weekly matching proposes for every
# open need, those included).
STEP_INCLUDES: dict[str, frozenset[str]] = {"match": frozenset({"urgent"})}

RunJob = Callable[[Job], RunOutcome]  # runs a job; returns its outcome, raises on failure
LastRuns = Callable[[], dict[str, dt.datetime]]  # each job's last run, from the Run log


@dataclass
class Record:
    """What tick last did for a job."""

    slot: dt.datetime  # the schedule time it ran (or would have run) for
    outcome: RunOutcome | None = None  # None when only the starting point was noted
    attempts: int = 0
    tried: dt.datetime | None = None  # aware (its UTC offset kept); naive in older files


class TickAction(StrEnum):
    """What tick did about a job."""

    RAN = "ran"
    FAILED = "failed"
    NOT_DUE = "not due"
    STARTED = "started"  # first seen: its schedule counts from now on
    SKIPPED = "skipped"  # another run holds the lock
    COVERED = "covered"  # a wider job due at the same time runs its steps
    WOULD_RUN = "would run"  # a dry run


@dataclass(frozen=True)
class TickResult:
    job: str
    slot: dt.datetime
    action: TickAction
    missed: int = 0  # slots missed before this one (caught up by one run)
    detail: str = ""


def state_path(config: Config) -> Path:
    return config.state_dir / "schedule.json"


def load_records(path: Path) -> dict[str, Record]:
    if not path.exists():
        return {}
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: Record(
                dt.datetime.fromisoformat(r["slot"]),
                RunOutcome(r["outcome"]) if r.get("outcome") else None,
                int(r.get("attempts", 0)),
                dt.datetime.fromisoformat(r["tried"]) if r.get("tried") else None,
            )
            for name, r in raw.get("jobs", {}).items()
        }
    except (ValueError, KeyError, TypeError) as err:
        raise ScheduleError(
            f"{path} cannot be read ({err}). Delete it: tick starts again from each job's "
            "last run in the Run log tab."
        ) from err


def save_records(path: Path, records: dict[str, Record]) -> None:
    data = {
        "jobs": {
            name: {
                "slot": r.slot.isoformat(),
                "outcome": r.outcome.value if r.outcome else "",
                "attempts": r.attempts,
                "tried": r.tried.isoformat() if r.tried else None,
            }
            for name, r in sorted(records.items())
        }
    }
    private_dir(path.parent)
    replace_private_text(path, json.dumps(data, indent=2) + "\n")  # whole or not at all


def tick(
    config: Config,
    jobs: list[Job],
    now: dt.datetime,
    run: RunJob,
    last_runs: LastRuns,
    *,
    dry_run: bool = False,
) -> list[TickResult]:
    """Run the due jobs under the network's lock; say what was done for each job.

    `now` is the network's wall-clock time (naive). When the lock is held, nothing runs
    and every due job stays due for the next tick. A dry run says what would run at
    `now`, runs nothing and records nothing.
    """
    try:
        with NetworkLock(config, "tick"):
            return _tick(state_path(config), jobs, now, run, last_runs, dry_run, config.tz)
    except LockHeldError as err:
        log.info("tick: %s", err)
        return [
            TickResult(j.name, latest_slot(j.schedule, now), TickAction.SKIPPED, detail=str(err))
            for j in jobs
        ]


class _Due(NamedTuple):
    """A job to run now: the slot it runs for, and how many slots before that it missed."""

    job: Job
    slot: dt.datetime
    missed: int


def _tick(
    path: Path,
    jobs: list[Job],
    now: dt.datetime,
    run: RunJob,
    last_runs: LastRuns,
    dry_run: bool,
    tz: ZoneInfo,
) -> list[TickResult]:
    """tick's work under the lock: find the due jobs, run each (or note it covered), and
    keep the records in `path`."""
    records = load_records(path)
    instant = aware(now, tz)  # when this tick is, for the retry wait
    due, results = _find_due(jobs, records, now, instant, tz, last_runs)
    due.sort(key=lambda d: d.slot)
    for item in due:
        wider = _covering_job(item.job, due)
        if wider is not None:
            records[item.job.name] = Record(item.slot, RunOutcome.OK, 1, instant)
            detail = f"by {wider.name}"
            results.append(TickResult(item.job.name, item.slot, TickAction.COVERED, detail=detail))
        elif dry_run:
            results.append(TickResult(item.job.name, item.slot, TickAction.WOULD_RUN, item.missed))
        else:
            results.append(_run_due(item, run, records, instant))
            save_records(path, records)  # after each run: a crash later never reruns it
    if not dry_run:
        save_records(path, records)
    return results


def _find_due(
    jobs: list[Job],
    records: dict[str, Record],
    now: dt.datetime,
    instant: dt.datetime,
    tz: ZoneInfo,
    last_runs: LastRuns,
) -> tuple[list[_Due], list[TickResult]]:
    """The jobs due now, and what tick says of the others: not due, or first seen (whose
    starting slot goes in `records`). The Run log is read only if a job is new to tick."""
    due: list[_Due] = []
    results: list[TickResult] = []
    seen_runs: dict[str, dt.datetime] | None = None
    for job in jobs:
        slot = latest_slot(job.schedule, now)
        record = records.get(job.name)
        if record is None:
            if seen_runs is None:
                seen_runs = last_runs()
            last = seen_runs.get(job.name)
            if last is None or last >= slot:  # never run, or ran since: wait for the next slot
                records[job.name] = Record(slot)
                results.append(TickResult(job.name, slot, TickAction.STARTED))
                continue
            record = Record(last)
        slot = due_slot(job.schedule, now, record.slot, tz)
        if slot > record.slot:
            due.append(_Due(job, slot, slots_between(job.schedule, record.slot, slot) - 1))
        elif _retry_due(record, instant, tz):
            due.append(_Due(job, slot, 0))
        else:
            results.append(TickResult(job.name, slot, TickAction.NOT_DUE))
    return due, results


def _retry_due(record: Record, instant: dt.datetime, tz: ZoneInfo) -> bool:
    """A failed run is tried again RETRY_AFTER after its last attempt (real time, whatever
    the clocks did meanwhile), ATTEMPTS times in all."""
    return (
        record.outcome == RunOutcome.FAILED
        and record.attempts < ATTEMPTS
        and record.tried is not None
        and elapsed(record.tried, instant, tz) >= RETRY_AFTER
    )


def steps_done(steps: Iterable[str]) -> frozenset[str]:
    """The steps a job's run does, counting the work its wider steps include (STEP_INCLUDES)."""
    named = frozenset(steps)
    return named.union(*(STEP_INCLUDES.get(step, frozenset()) for step in named))


def covers(wider: Iterable[str], narrower: Iterable[str]) -> bool:
    """Whether a job with the `wider` steps does all the work of one with the `narrower`
    steps and more (two jobs doing the same work do not cover each other)."""
    return steps_done(narrower) < steps_done(wider)


def _covering_job(job: Job, due: list[_Due]) -> Job | None:
    """The first other due job that does all of this one's work and more: its run covers
    this one, which would only repeat the work."""
    wider = [d.job for d in due if d.job is not job and covers(d.job.steps, job.steps)]
    return wider[0] if wider else None


def _run_due(due: _Due, run: RunJob, records: dict[str, Record], now: dt.datetime) -> TickResult:
    """Run a due job and record how it went in `records`; a failure is recorded, not
    raised, so the other jobs still run and the retries stay bounded."""
    job, slot, missed = due
    if missed:
        log.info("tick: %s missed %d slots; catching up with one run", job.name, missed)
    previous = records.get(job.name)
    attempts = previous.attempts + 1 if previous and previous.slot == slot else 1
    try:
        outcome = run(job)
    except Exception as err:  # any failure is recorded, so retries stay bounded
        if not isinstance(err, SheetsyncError):
            log.error("tick: %s failed unexpectedly:\n%s", job.name, trace_text(err))
        records[job.name] = Record(slot, RunOutcome.FAILED, attempts, now)
        return TickResult(job.name, slot, TickAction.FAILED, missed, failure_text(err))
    records[job.name] = Record(slot, RunOutcome(outcome), attempts, now)
    return TickResult(job.name, slot, TickAction.RAN, missed)


def tick_network(
    config: Config,
    backend: Backend,
    now: dt.datetime,
    *,
    dry_run: bool = False,
    run_at: dt.datetime | None = None,
) -> list[TickResult]:
    """tick for a network's jobs/ and spreadsheet. Each job runs on the real clock (its own
    run_id), or at `run_at`. A run whose digests were not all sent counts as failed, so
    the retry sends them."""

    def run_one(job: Job) -> RunOutcome:
        report = run_job(job, backend, config, now=run_at)
        failed = [d for d in report.deliveries if d.outcome == DeliveryOutcome.FAILED]
        if failed:
            raise DeliveryError(
                f"The sheet was updated, but {len(failed)} digests were not sent "
                f"({failed[0].detail})"
            )
        return report.outcome

    def last_started() -> dict[str, dt.datetime]:
        found = {}
        for name, row in last_runs(backend, config).items():
            when = parse_datetime(row["started"])
            if when is not None:
                found[name] = when
        return found

    jobs = list_jobs(jobs_folder(config))
    return tick(config, jobs, now, run_one, last_started, dry_run=dry_run)
