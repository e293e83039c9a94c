"""The Run log tab: one row per run of a job, and one per digest sent (the send log).

A failed run goes in the Run log in its own write. When that write cannot be made (the
spreadsheet cannot be reached or written: a locked or read-only workbook, a full disk,
Google down), its row is kept in the network's state folder (PENDING) and the next run that
writes to the spreadsheet, ok or failed, adds it in the same write.

The rows' texts are in the network's language (translation.tab_language): a run's message
as its report words it (RunReport.say), "no changes", a failure's kind. What other code
reads back stays as it is in any language: the job, the outcome, the steps' names.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sheetsync.backends.base import Backend, Value
from sheetsync.config import Config
from sheetsync.errors import (
    AccessDeniedError,
    BackendError,
    ConfigError,
    FormRowsMovedError,
    MissingColumnError,
    MissingTabError,
    SheetChangedError,
    SheetsyncError,
    StepError,
    WorkbookLockedError,
)
from sheetsync.files import private_dir, replace_private_text
from sheetsync.form_languages import ENGLISH
from sheetsync.normalize import cell_text, format_datetime
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.tables import Table, appended, read_table, records_of, to_cell
from sheetsync.translation import gettext_noop, known, tab_language, translate, translate_plural

log = logging.getLogger(__name__)

MESSAGE_MAX = 1000  # characters of a run's message in its Run log row: room for what to do
PENDING = "failed-runs.json"  # failed runs not in the Run log yet, in the state folder
PENDING_MAX = 100  # the newest are kept: a store down for weeks must not grow the file
NOT_LOGGED = gettext_noop("[Logged by a later run: this run could not write to the spreadsheet.]")
NOT_LOGGED_THEN = f" {NOT_LOGGED}"  # how a kept run's message ends, in English
NO_CHANGES = gettext_noop("no changes")
LogValues = dict[str, str]  # a Run log row by field name

# What failed, by the failure's kind, first match first: said in the network's language
# before the failure's own message, which is English (errors.py: the terminal and the log
# show it as it is) and says exactly what to do.
FAILED_BECAUSE: tuple[tuple[type[SheetsyncError], str], ...] = (
    (
        SheetChangedError,
        gettext_noop("The sheet changed while sheetsync worked on it; the next run tries again."),
    ),
    (
        WorkbookLockedError,
        gettext_noop("The workbook was open in another program: close it there."),
    ),
    (
        AccessDeniedError,
        gettext_noop("sheetsync may not open the spreadsheet: share it with sheetsync again."),
    ),
    (BackendError, gettext_noop("The spreadsheet could not be read or written.")),
    (MissingTabError, gettext_noop("A tab sheetsync needs is missing or was renamed.")),
    (MissingColumnError, gettext_noop("A column sheetsync needs is missing or was renamed.")),
    (
        FormRowsMovedError,
        gettext_noop("Rows of a form's responses tab were deleted or sorted."),
    ),
    (ConfigError, gettext_noop("sheetsync.toml needs a fix before the next run.")),
    (StepError, gettext_noop("A step of the run failed.")),
)
FAILED = gettext_noop("The run failed.")
FAILED_DETAIL = gettext_noop("%(what)s Details, in English: %(detail)s")


def log_values(
    report: RunReport, language: str, failure: SheetsyncError | None = None
) -> LogValues:
    """The Run log row describing a run, by field name, its texts in `language`
    (`failure`: what stopped a failed run)."""
    return {
        "run_id": report.run_id,
        "job": report.job,
        "started": format_datetime(report.started),
        "finished": format_datetime(report.finished) if report.finished else "",
        "outcome": report.outcome.value,
        "steps": ", ".join(f"{s.name} {s.seconds:.1f}s" for s in report.steps),
        "changes": "; ".join(f"{t.tab} +{t.rows_added} ~{t.cells_changed}" for t in report.tabs)
        or translate(language, NO_CHANGES),
        "problems": str(len(report.issues)),
        "message": run_message(report, language, failure)[:MESSAGE_MAX],
    }


def run_message(report: RunReport, language: str, failure: SheetsyncError | None = None) -> str:
    """A run's message in `language`: as its report words it, or what stopped it."""
    if failure is not None:
        return failure_message(failure, language)
    words = report.wording
    if words is None:
        return report.message
    if words.plural:
        return translate_plural(language, words.message, words.plural, words.num, **words.values)
    return translate(language, words.message, **words.values)


def failure_message(err: SheetsyncError, language: str) -> str:
    """What stopped a run, for its Run log row: the failure's own message in English (as
    the terminal shows it); in another language, what failed in its words, then the
    message for whoever fixes it. Either way no cell's value: errors.py never quotes one."""
    if known(language) == ENGLISH:
        return str(err)
    what = next((words for kind, words in FAILED_BECAUSE if isinstance(err, kind)), FAILED)
    return translate(language, FAILED_DETAIL, what=translate(language, what), detail=str(err))


def log_row(report: RunReport, log: Table, language: str) -> list[Value]:
    """The Run log row describing a run, in the tab's column order."""
    return log_cells(log, log_values(report, language))


def log_cells(log: Table, values: dict[str, str]) -> list[Value]:
    """A Run log row from its values by field name, in the tab's column order."""
    specs = {f.name: f for f in log.schema.fields}
    by_column = {i: n for n, i in log.columns.items()}
    return [
        to_cell(specs[by_column[i]], values[by_column[i]]) if i in by_column else None
        for i in range(len(log.header))
    ]


def fresh_run_id(run_id: str, log: Table, kept: list[LogValues] | None = None) -> str:
    """`run_id`, or run_id-2, -3… when the Run log (or a kept failed run) has it already:
    two runs started in the same second. Rows are keyed by run_id, and a row whose key the
    tab holds is taken for one written before, so it would be left out."""
    taken = {cell_text(v) for v in log.frame["run_id"]} | {v["run_id"] for v in kept or []}
    fresh, number = run_id, 1
    while fresh in taken:
        number += 1
        fresh = f"{run_id}-{number}"
    return fresh


DIGEST_JOB = "digest"  # the job column of a digest handed over (the send log)


def log_failure(
    backend: Backend, config: Config, report: RunReport, failure: SheetsyncError
) -> bool:
    """Best effort: record a run `failure` stopped in the Run log (with the failed runs
    kept for it), so the next reader sees it; False, with a notice in the report, when it
    cannot be."""
    try:
        tab = config.tabs["run_log"]
        data = backend.read_tabs([tab])[tab]
        log = read_table(data, load_schemas()["run_log"], tab)
        pending = pending_failures(config)
        kept = not_logged(pending, log)
        report.run_id = fresh_run_id(report.run_id, log, kept)
        rows = [log_cells(log, values) for values in kept]
        row = log_cells(log, log_values(report, tab_language(config), failure))
        backend.apply([appended(log, [*rows, row])])
    except SheetsyncError as err:
        report.notices.append(f"The failure could not be written to the Run log: {err}")
        return False
    forget_failures(config, pending)
    return True


# Failed runs kept for the next run


def pending_path(config: Config) -> Path:
    return config.state_dir / PENDING


def pending_failures(config: Config) -> list[LogValues]:
    """The failed runs waiting to go in the Run log, oldest first. A file that cannot be
    read is left out with a warning: it must never stop a run."""
    path = pending_path(config)
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
        if not all(isinstance(run, dict) and "run_id" in run for run in runs):
            raise TypeError("not a list of runs")
        return [{str(k): str(v) for k, v in run.items()} for run in runs]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning(
            "%s cannot be read (%s): failed runs kept in it are not added to the Run log. "
            "Delete it, or move it away to look at it.",
            path,
            type(err).__name__,
        )
        return []


def remember_failure(config: Config, report: RunReport, failure: SheetsyncError) -> Path:
    """Keep the Run log row of a run `failure` stopped for the next run that can write (a
    private file: messages never quote a cell, but the file is sheetsync's own), worded in
    the network's language now. Raises OSError."""
    language = tab_language(config)
    values = log_values(report, language, failure)
    later = " " + translate(language, NOT_LOGGED)
    values["message"] = values["message"][: MESSAGE_MAX - len(later)] + later
    runs = [*pending_failures(config), values][-PENDING_MAX:]
    path = pending_path(config)
    private_dir(path.parent)
    replace_private_text(path, json.dumps({"runs": runs}, indent=2) + "\n")
    return path


def not_logged(kept: list[LogValues], log: Table) -> list[LogValues]:
    """The kept failed runs the Run log does not hold yet: one written by a run whose
    answer was lost, or whose kept file could not be cleared, is not added again."""
    logged = {cell_text(v) for v in log.frame["run_id"]}
    return [values for values in kept if values["run_id"] not in logged]


def forget_failures(config: Config, written: list[LogValues]) -> None:
    """Drop the kept runs that are now in the Run log (one kept meanwhile stays)."""
    if not written:
        return
    done = {values["run_id"] for values in written}
    left = [values for values in pending_failures(config) if values["run_id"] not in done]
    path = pending_path(config)
    try:
        if left:
            replace_private_text(path, json.dumps({"runs": left}, indent=2) + "\n")
        else:
            path.unlink(missing_ok=True)
    except OSError as err:  # written already: a run_id the tab holds is never added twice
        log.warning("%s could not be cleared (%s); delete it by hand.", path, err.strerror)


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
