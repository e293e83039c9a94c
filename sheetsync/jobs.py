"""jobs/*.toml → ordered steps; run_job() reads the sheet, runs the steps, writes once."""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetsync.backends.base import Backend, TabChanges, Value
from sheetsync.config import FORMS, SHEETSYNC_TABS, Config
from sheetsync.errors import (
    JobError,
    MissingTabError,
    SheetChangedError,
    SheetsyncError,
    StepError,
)
from sheetsync.normalize import cell_text, format_datetime
from sheetsync.report import RunReport, StepReport
from sheetsync.schema import TableSchema, data_dir, load_schemas
from sheetsync.steps import STEPS, StepContext, StepResult, get_step
from sheetsync.tables import (
    FormTable,
    Table,
    plan_changes,
    read_form,
    read_table,
    records_of,
    to_cell,
)

FORM_SCHEMAS = {"requests": "requests", "offers": "offers", "checkins": "checkins"}
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
    if len(schedule.split()) != 5:
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


@dataclass
class State:
    """The spreadsheet as read at the start of a run."""

    forms: dict[str, FormTable]
    tables: dict[str, Table]
    schemas: dict[str, TableSchema] = field(default_factory=dict)


def resolve_tab(name: str, tabs: list[str]) -> str | None:
    """A tab by name; Google's 'Form Responses 1' and 'Form responses 1' are the same tab."""
    if name in tabs:
        return name
    folded = [t for t in tabs if t.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def read_state(backend: Backend, config: Config) -> State:
    """Read every form tab and sheetsync tab in one go; stop on a missing tab or column."""
    schemas = load_schemas()
    tabs = backend.list_tabs()
    if not tabs:
        raise MissingTabError(
            f"{backend.describe()} has no tabs, or does not exist yet. Run `sheetsync init` "
            "to create it with the tabs sheetsync needs, or check the path in sheetsync.toml."
        )
    form_tabs: dict[str, str] = {}
    for form in FORMS:
        wanted = config.form_tab(form)
        found = resolve_tab(wanted, tabs)
        if found is None:
            raise MissingTabError(
                f"The {schemas[FORM_SCHEMAS[form]].title!r} form's tab {wanted!r} is not in "
                f"{backend.describe()} (tabs: {', '.join(tabs) or 'none'}). If the form writes "
                f'to another tab, set it in sheetsync.toml:\n  [forms.{form}]\n  tab = "…"'
            )
        form_tabs[form] = found
    own: dict[str, str] = {}
    for logical in SHEETSYNC_TABS:
        title = config.tabs[logical]
        if title not in tabs:
            raise MissingTabError(
                f"sheetsync's tab {title!r} is not in {backend.describe()}. If you renamed it, "
                f'rename it back, or tell sheetsync its new name:\n  [tabs]\n  {logical} = "…"\n'
                "If it was never created, run `sheetsync init`."
            )
        own[logical] = title
    data = backend.read_tabs([*form_tabs.values(), *own.values()])
    forms = {
        form: read_form(data[tab], schemas[FORM_SCHEMAS[form]], config.forms[form], form)
        for form, tab in form_tabs.items()
    }
    tables = {logical: read_table(data[tab], schemas[logical], tab) for logical, tab in own.items()}
    return State(forms, tables, schemas)


def check_spreadsheet(
    backend: Backend, config: Config, now: dt.datetime | None = None
) -> StepResult:
    """Read everything and validate every response, as a run would; write nothing."""
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    ctx = StepContext(
        config, now or local_now(config), state.forms, state.tables, frames, state.schemas
    )
    result = get_step("intake")(ctx)
    sheet_tz = backend.time_zone
    if sheet_tz and sheet_tz != config.timezone:
        result.notices.append(
            f"The spreadsheet's time zone is {sheet_tz} but sheetsync.toml says "
            f"{config.timezone}: form timestamps are read as {config.timezone} times. Set "
            f'timezone = "{sheet_tz}" under [network] unless the spreadsheet\'s is wrong.'
        )
    return result


def local_now(config: Config) -> dt.datetime:
    """The network's wall-clock time, naive like the forms' timestamps."""
    return dt.datetime.now(config.tz).replace(tzinfo=None, microsecond=0)


def run_job(
    job: Job,
    backend: Backend,
    config: Config,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    on_step: OnStep | None = None,
) -> RunReport:
    """Run a job's steps on the sheet and write all changes at once (none when dry_run)."""
    started = now or local_now(config)
    report = RunReport(
        job=job.name, started=started, dry_run=dry_run, run_id=f"R{started:%Y%m%d-%H%M%S}"
    )
    retried = False
    try:
        for attempt in (1, 2):
            report.attempts = attempt
            try:
                _run_once(job, backend, config, report, dry_run, on_step)
                break
            except SheetChangedError as err:
                if attempt == 2:
                    raise SheetChangedError(
                        f"{err} It changed again after sheetsync read it a second time, so "
                        "nothing was written. Run the job again when editing has calmed down."
                    ) from err
                retried = True
        if retried:
            report.notices.insert(
                0, "The sheet changed while sheetsync was working; it read it again and recomputed."
            )
    except SheetsyncError as err:
        report.outcome, report.message = "failed", str(err)
        report.finished = now or local_now(config)
        # A step that crashed is logged. A missing tab or column stops before anything is
        # written, and a store that failed to write is not asked to write again.
        if not dry_run and isinstance(err, StepError):
            _log_failure(backend, config, report)
        raise
    return report


def _run_once(
    job: Job,
    backend: Backend,
    config: Config,
    report: RunReport,
    dry_run: bool,
    on_step: OnStep | None,
) -> None:
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    report.steps, report.issues, report.notices, report.tabs = [], [], [], []
    findings: dict[str, Any] = {}
    for name in job.steps:
        ctx = StepContext(
            config, report.started, state.forms, state.tables, frames, state.schemas, findings
        )
        if on_step:
            on_step(name, None)
        began = time.perf_counter()
        try:
            result = get_step(name)(ctx)
        except SheetsyncError:
            raise
        except Exception as err:
            raise StepError(
                f"Step {name!r} of job {job.name!r} failed: {type(err).__name__}: {err}. "
                "No data was changed; the failure is noted in the Run log tab. Please report "
                "this with the output of the same command run with --verbose."
            ) from err
        seconds = time.perf_counter() - began
        if on_step:
            on_step(name, seconds)
        frames.update(result.frames)
        findings.update(result.findings)
        report.steps.append(StepReport(name, round(seconds, 3), result.counts))
        report.issues.extend(result.issues)
        report.notices.extend(result.notices)

    changes: list[TabChanges] = []
    for name, table in state.tables.items():
        tab_changes, tab_report = plan_changes(table, frames[name])
        if not tab_changes.is_empty:
            changes.append(tab_changes)
            report.tabs.append(tab_report)
    report.outcome = "ok"
    report.finished = report.started if dry_run else None
    if dry_run:
        return
    report.finished = max(report.started, local_now(config))
    log = state.tables["run_log"]
    changes.append(
        TabChanges(tab=log.tab, start_row=log.n_rows + 1, append=[_log_row(report, log)])
    )
    backend.apply(changes)


def _log_row(report: RunReport, log: Table) -> list[Value]:
    """The Run log row describing a run, in the tab's column order."""
    values = {
        "run_id": report.run_id,
        "job": report.job,
        "started": format_datetime(report.started),
        "finished": format_datetime(report.finished) if report.finished else "",
        "outcome": report.outcome,
        "steps": ", ".join(f"{s.name} {s.seconds:.1f}s" for s in report.steps),
        "changes": "; ".join(f"{t.tab} +{t.rows_added} ~{t.cells_changed}" for t in report.tabs)
        or "no changes",
        "problems": str(len(report.issues)),
        "message": report.message[:500],
    }
    return log_cells(log, values)


def log_cells(log: Table, values: dict[str, str]) -> list[Value]:
    """A Run log row from its values by field name, in the tab's column order."""
    specs = {f.name: f for f in log.schema.fields}
    by_column = {i: n for n, i in log.columns.items()}
    return [
        to_cell(specs[by_column[i]], values[by_column[i]]) if i in by_column else None
        for i in range(len(log.header))
    ]


def _log_failure(backend: Backend, config: Config, report: RunReport) -> None:
    """Best effort: record a failed run in the Run log, so the next reader sees it."""
    try:
        tab = config.tabs["run_log"]
        data = backend.read_tabs([tab])[tab]
        log = read_table(data, load_schemas()["run_log"], tab)
        row = _log_row(report, log)
        header: list[list[Value]] = [] if log.n_rows else [list(log.header)]
        backend.apply([TabChanges(tab=tab, start_row=log.n_rows + 1, append=[*header, row])])
    except SheetsyncError as err:
        report.notices.append(f"The failure could not be written to the Run log: {err}")


def last_runs(backend: Backend, config: Config) -> dict[str, dict[str, str]]:
    """The newest Run log row of each job (empty when there is no Run log yet)."""
    tab = config.tabs["run_log"]
    if tab not in backend.list_tabs():
        return {}
    log = read_table(backend.read_tabs([tab])[tab], load_schemas()["run_log"], tab)
    latest: dict[str, dict[str, str]] = {}
    for record in records_of(log.frame):
        job = cell_text(record["job"])
        if job and record["started"] >= latest.get(job, {}).get("started", ""):
            latest[job] = {k: cell_text(v) for k, v in record.items()}
    return latest
