"""The Run log tab: one row per run of a job, and one per digest sent (the send log)."""

from __future__ import annotations

from sheetsync.backends.base import Backend, Value
from sheetsync.config import Config
from sheetsync.errors import SheetsyncError
from sheetsync.normalize import cell_text, format_datetime
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.tables import Table, appended, read_table, records_of, to_cell


def log_row(report: RunReport, log: Table) -> list[Value]:
    """The Run log row describing a run, in the tab's column order."""
    values = {
        "run_id": report.run_id,
        "job": report.job,
        "started": format_datetime(report.started),
        "finished": format_datetime(report.finished) if report.finished else "",
        "outcome": report.outcome.value,
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


DIGEST_JOB = "digest"  # the job column of a digest handed over (the send log)


def log_failure(backend: Backend, config: Config, report: RunReport) -> None:
    """Best effort: record a failed run in the Run log, so the next reader sees it."""
    try:
        tab = config.tabs["run_log"]
        data = backend.read_tabs([tab])[tab]
        log = read_table(data, load_schemas()["run_log"], tab)
        backend.apply([appended(log, [log_row(report, log)])])
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
