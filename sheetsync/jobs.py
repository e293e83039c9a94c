"""jobs/*.toml → ordered steps; run_job() reads the sheet, runs the steps, writes once,
then runs the effects the steps asked for (the digest step's: send the digests).

Each step and the run's end are logged on the "sheetsync" logger, one line each: the CLI
shows them on stderr and in --log-file.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from croniter import croniter

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.board.store import BoardState, read_board
from sheetsync.changes import NOT_RECORDED, record_changes, run_records
from sheetsync.config import Config
from sheetsync.errors import (
    BackendError,
    JobError,
    SheetChangedError,
    SheetsyncError,
    StepError,
    failure_text,
)
from sheetsync.formatting import write_formatted
from sheetsync.report import Findings, RunOutcome, RunReport, StepReport
from sheetsync.run_log import (
    forget_failures,
    fresh_run_id,
    log_cells,
    log_failure,
    log_row,
    not_logged,
    pending_failures,
    remember_failure,
)
from sheetsync.schema import data_dir
from sheetsync.skip import read_unless_settled, settle
from sheetsync.state import State, local_now, read_state
from sheetsync.steps import STEPS, Effect, StepContext, StepResult, get_step
from sheetsync.steps.organizer_values import VALUES_TO_FIX, bad_values, issues_of
from sheetsync.tables import Table, appended, plan_changes
from sheetsync.translation import tab_language

log = logging.getLogger(__name__)


def _loggable(err: SheetsyncError) -> bool:
    """A failed run goes in the Run log unless the store itself failed: writing would fail
    (or wait out the retries) again, so its row is kept for the next run (_record_failure).
    A sheet that changed under the run can be written."""
    return isinstance(err, SheetChangedError) or not isinstance(err, BackendError)


def _record_failure(
    backend: Backend, config: Config, report: RunReport, err: SheetsyncError
) -> None:
    """Log a failed run in the Run log where the spreadsheet can be written, so the next
    digest reports it; else keep its row for the next run that can write."""
    if _loggable(err) and log_failure(backend, config, report, err):
        return
    try:
        kept = remember_failure(config, report, err)
    except OSError as keep_err:
        log.error(
            "%s: the failure could not be kept for the Run log either (%s in %s). Check that "
            "sheetsync may write in that folder ([schedule] state_dir in sheetsync.toml).",
            report.job,
            keep_err.strerror or type(keep_err).__name__,
            config.state_dir,
        )
        return
    log.warning(
        "%s: the spreadsheet could not be written, so the failure is kept in %s; the next "
        "run that can write adds it to the Run log.",
        report.job,
        kept,
    )


# on_step(step name, seconds so far or None when it starts): drives the CLI's progress display.
OnStep = Callable[[str, float | None], None]


@dataclass(frozen=True)
class Job:
    """A declared job: when it runs and which steps, in order."""

    name: str
    schedule: str
    steps: tuple[str, ...]
    description: str = ""
    path: Path | None = None


def jobs_folder(config: Config | None) -> Path:
    """The folder of job files: [jobs] dir in sheetsync.toml, else the shipped jobs/."""
    if config is not None and config.jobs_dir is not None:
        return config.jobs_dir
    return data_dir("jobs")


def load_job(path: Path) -> Job:
    """Read and check one job file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise JobError(f"Job file {path} cannot be read: {err}") from err
    unknown = set(raw) - {"description", "schedule", "steps"}
    if unknown:
        raise JobError(
            f"Job file {path}: unknown keys {sorted(unknown)}; use description, schedule and steps."
        )
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise JobError(f'Job file {path} needs steps = ["intake", ...].')
    for step in steps:
        if step not in STEPS:
            raise JobError(f"Job file {path}: unknown step {step!r}; steps are {', '.join(STEPS)}.")
    if "intake" in steps and "dedupe" not in steps[steps.index("intake") :]:
        raise JobError(
            f'Job file {path}: a job that runs "intake" must run "dedupe" after it. Intake '
            "rebuilds People and Needs from the forms, so without dedupe each run would undo "
            'the links to duplicate people. Use steps = ["intake", "dedupe", …].'
        )
    schedule = str(raw.get("schedule", ""))
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        raise JobError(
            f"Job file {path}: schedule = {schedule!r} is not a crontab expression "
            'of five fields, e.g. "0 7 * * 1" (Mondays at 07:00).'
        )
    return Job(path.stem, schedule, tuple(steps), str(raw.get("description", "")), path)


def list_jobs(folder: Path) -> list[Job]:
    """Every job in a folder, by name."""
    return [load_job(p) for p in sorted(folder.glob("*.toml"))]


def find_job(name: str, config: Config | None) -> Job:
    """A job by name, with the list of known jobs when it is not found."""
    folder = jobs_folder(config)
    path = folder / f"{name}.toml"
    if not path.exists():
        known = ", ".join(j.name for j in list_jobs(folder)) or "none"
        raise JobError(f"No job {name!r} in {folder}. Jobs: {known}. `sheetsync jobs` lists them.")
    return load_job(path)


def check_spreadsheet(
    backend: Backend, config: Config, now: dt.datetime | None = None
) -> StepResult:
    """Read everything and validate every response and every value in the organizers' own
    columns, as a run would; write nothing."""
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    ctx = StepContext(
        config, now or local_now(config), state.forms, state.tables, frames, state.schemas
    )
    result = get_step("intake")(ctx)
    # The values organizers typed in their own columns, as the end of run check reads them.
    bad = bad_values(state.tables, config)
    result.issues.extend(issues_of(bad))
    result.counts[VALUES_TO_FIX] = len(bad)
    result.notices.extend(backend.notices)
    sheet_tz = backend.time_zone
    if sheet_tz and sheet_tz != config.timezone:
        result.notices.append(
            f"The spreadsheet's time zone is {sheet_tz} but sheetsync.toml says "
            f"{config.timezone}: form timestamps are read as {config.timezone} times. Set "
            f'timezone = "{sheet_tz}" under [network] unless the spreadsheet\'s is wrong.'
        )
    return result


def run_job(
    job: Job,
    backend: Backend,
    config: Config,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    on_step: OnStep | None = None,
    full: bool = False,
) -> RunReport:
    """Run a job's steps on the sheet and write all changes at once (none when dry_run).

    Then the steps' effects run, such as the digest step's emails (a dry run lists what
    they would do).

    A run that reads what the job's last settled run read, before that run's horizon, is
    skipped: it writes only its Run log row (fingerprints.py). `full` runs every step
    anyway; a dry run always does.
    """
    started = now or local_now(config)
    report = RunReport(
        job=job.name, started=started, dry_run=dry_run, run_id=f"R{started:%Y%m%d-%H%M%S}"
    )
    log.info("%s started%s", job.name, " (dry run: nothing written)" if dry_run else "")
    try:
        effects = _read_again_if_changed(
            job, report, lambda: _run_once(job, backend, config, report, dry_run, on_step, full)
        )
    except SheetsyncError as err:
        report.outcome, report.message = RunOutcome.FAILED, str(err)
        report.finished = now or local_now(config)
        log.error("%s failed: %s", job.name, err)
        if not dry_run:
            _record_failure(backend, config, report, err)
        raise
    # After the write, outside the retry: a digest tells of the sheet as it now is, its
    # send log row goes below the run's, and nothing is sent twice.
    for effect in _combined(effects, config):
        act = effect.plan if dry_run else effect.run
        report.deliveries.extend(act(backend, config, report.started))
    _log_done(job, report)
    return report


def _combined(effects: list[Effect], config: Config) -> list[Effect]:
    """The effects, each next to one it goes with done as one (Effect.combine)."""
    out: list[Effect] = []
    for effect in effects:
        both = out[-1].combine(effect, config) if out else None
        if both is None:
            out.append(effect)
        else:
            out[-1] = both
    return out


def _read_again_if_changed(
    job: Job, report: RunReport, run_once: Callable[[], list[Effect]]
) -> list[Effect]:
    """Run once; if the sheet changed under the run (its write refused), read it again and
    recompute, once. A second change fails the run: editing is still going on."""
    effects: list[Effect] = []
    retried = False
    for attempt in (1, 2):
        report.attempts = attempt
        try:
            effects = run_once()
            break
        except SheetChangedError as err:
            if attempt == 2:
                raise SheetChangedError(
                    f"{err} It changed again after sheetsync read it a second time, so "
                    "nothing was written. Run the job again when editing has calmed down."
                ) from err
            retried = True
            log.info("%s: the sheet changed while working; reading it again", job.name)
    if retried:
        report.notices.insert(
            0, "The sheet changed while sheetsync was working; it read it again and recomputed."
        )
    return effects


def _log_done(job: Job, report: RunReport) -> None:
    """The run's last log line: its outcome, the steps' time and what it changed per tab."""
    if report.skipped_for:
        log.info("%s skipped: nothing new since %s", job.name, report.skipped_for)
        return
    took = sum(s.seconds for s in report.steps)
    changed = "; ".join(f"{t.tab} +{t.rows_added} ~{t.cells_changed}" for t in report.tabs)
    log.info("%s %s in %.1f s: %s", job.name, report.outcome, took, changed or "no changes")


def _write(
    backend: Backend, config: Config, state: State, changes: list[TabChanges], report: RunReport
) -> None:
    """The run's one write; the tabs' formatting goes with it only when it is due (the first
    run after an upgrade changed it, or on a spreadsheet never formatted). A tab the run
    does not create (the Changes tab of an older spreadsheet, on a run that changes
    nothing) is not there to format yet: it is formatted with the run that creates it."""
    created = {change.tab for change in changes if change.create}
    headers = {
        table.tab: table.header
        for table in state.tables.values()
        if table.exists or table.tab in created
    }
    phone_log = state.forms.get("phone_log")  # the organizers' tab, formatted as init does
    if phone_log is not None and phone_log.header:
        headers[phone_log.tab] = list(phone_log.header)
    report.formatted = write_formatted(backend, changes, state.schemas, headers, config)


def _plan_tabs(
    tables: dict[str, Table], frames: dict[str, pd.DataFrame], report: RunReport
) -> list[TabChanges]:
    """Each tab's changes (and, in `report`, what they are), but the Changes tab's: the
    record of the others, made once they are known (_changes_record)."""
    changes: list[TabChanges] = []
    for name, table in tables.items():
        if name == "changes":
            continue
        tab_changes, tab_report = plan_changes(table, frames[name])
        if not tab_changes.is_empty:
            changes.append(tab_changes)
            report.tabs.append(tab_report)
    return changes


def _changes_record(
    tables: dict[str, Table], report: RunReport, config: Config
) -> list[TabChanges]:
    """The Changes tab rewritten with this run's changes on top (changes.py), in the run's
    one write; nothing when the run changes nothing (the last run that did stays the one
    `sheetsync undo` reverts). A spreadsheet made before the tab existed gets it now."""
    by_title = {t.tab: t for name, t in tables.items() if name not in NOT_RECORDED}
    language = tab_language(config)
    records = run_records(report.run_id, report.tabs, by_title, language)
    if not records:
        return []
    record = tables["changes"]
    if not record.exists:
        report.notices.append(
            f"Created the {record.tab!r} tab: it records what each run changes, and "
            "`sheetsync undo` reverts the last run."
        )
    return [record_changes(record, records, config.keep_runs, language)]


def _run_once(
    job: Job,
    backend: Backend,
    config: Config,
    report: RunReport,
    dry_run: bool,
    on_step: OnStep | None,
    full: bool = False,
) -> list[Effect]:
    """One read, the steps, one write; returns the effects the steps asked for. A run whose
    inputs are settled writes only its Run log row (skip.py)."""
    report.steps, report.issues, report.tabs = [], [], []
    report.notices = list(backend.notices)  # e.g. a key file others can read
    report.findings = Findings()
    report.skipped_for = ""
    # The volunteer board, read once for its claims (steps/claims.py, steps/board.py).
    board = read_board(config) if {"claims", "board"} & set(job.steps) else None
    read = read_unless_settled(
        job.name, job.steps, backend, config, report, board, dry_run=dry_run, full=full
    )
    if read is None:  # skipped: only its Run log row is written
        return []
    state, inputs = read
    ran = _run_steps(job, config, report, state, board, on_step)
    frames, effects = ran.frames, ran.effects
    changes = _plan_tabs(state.tables, frames, report)
    report.outcome = RunOutcome.OK
    report.finished = report.started if dry_run else None
    if dry_run:
        return effects
    report.finished = max(report.started, local_now(config))
    run_log = state.tables["run_log"]
    # Failed runs that could not reach the spreadsheet go in with this run's row.
    pending = pending_failures(config)
    kept = not_logged(pending, run_log)
    report.run_id = fresh_run_id(report.run_id, run_log, kept)
    if inputs and not changes:
        idle = _idle(effects, backend, config, report.started)
        changes += settle(job.name, state, report, inputs, ran.untils, idle=idle)
    rows = [
        *(log_cells(run_log, values) for values in kept),
        log_row(report, run_log, tab_language(config)),
    ]
    # The record before the Run log row: a write split in parts has the Run log row last.
    changes += _changes_record(state.tables, report, config)
    changes.append(appended(run_log, rows))
    _write(backend, config, state, changes, report)
    forget_failures(config, pending)
    if kept:
        report.notices.append(
            f"Added {len(kept)} earlier failed run(s) to the Run log: they could not write "
            "to the spreadsheet at the time."
        )
    return effects


@dataclass
class _Ran:
    """What a run's steps left: the frames, the effects they asked for, their horizons."""

    frames: dict[str, pd.DataFrame]
    effects: list[Effect]
    untils: list[dt.datetime | None]


def _idle(effects: list[Effect], backend: Backend, config: Config, now: dt.datetime) -> bool:
    """Whether the run's effects would do nothing: no email due, the board as it is."""
    return all(effect.idle(backend, config, now) for effect in _combined(effects, config))


def _run_steps(
    job: Job,
    config: Config,
    report: RunReport,
    state: State,
    board: BoardState | None,
    on_step: OnStep | None,
) -> _Ran:
    """The job's steps in order, each on the frames the ones before it left."""
    ran = _Ran({name: table.frame for name, table in state.tables.items()}, [], [])
    for name in job.steps:
        ctx = StepContext(
            config,
            report.started,
            state.forms,
            state.tables,
            ran.frames,
            state.schemas,
            report.findings,
            board,
        )
        if on_step:
            on_step(name, None)
        began = time.perf_counter()
        result = _step(job, name, ctx)
        seconds = time.perf_counter() - began
        if on_step:
            on_step(name, seconds)
        figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.counts.items())
        log.info("%s %s done in %.1f s%s", job.name, name, seconds, f": {figures}" * bool(figures))
        ran.frames.update(result.frames)
        if result.findings is not None:
            report.findings.add(result.findings)
        ran.effects.extend(result.effects)
        ran.untils.append(result.until)
        report.steps.append(StepReport(name, round(seconds, 3), result.counts))
        report.issues.extend(result.issues)
        report.notices.extend(result.notices)
    return ran


def _step(job: Job, name: str, ctx: StepContext) -> StepResult:
    """One step; a failure that is not sheetsync's own becomes a StepError saying where."""
    try:
        return get_step(name)(ctx)
    except SheetsyncError:
        raise
    except Exception as err:
        raise StepError(
            f"Step {name!r} of job {job.name!r} failed: {failure_text(err)}. "
            "No data was changed; the failure is noted in the Run log tab. Please report "
            "this with the output of the same command run with --verbose."
        ) from err
