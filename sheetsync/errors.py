"""The one exception tree: failures that stop a run. Row problems are data (report.Issue).

sheetsync's own messages say what to do and never quote a cell's value: they reach the
terminal, the log, the Run log tab and the organizers' digest. failure_text and trace_text
describe any other exception without its message, which might quote one.
"""

from __future__ import annotations

import traceback
from pathlib import Path


class SheetsyncError(Exception):
    """A failure that stops a run; its message tells a person what to do."""


class ConfigError(SheetsyncError):
    """sheetsync.toml is missing, unreadable or holds a value that cannot be used."""


class SchemaError(SheetsyncError):
    """A file in schemas/ is not a valid table schema."""


class JobError(SheetsyncError):
    """A job file in jobs/ cannot be found or used."""


class MissingTabError(SheetsyncError):
    """A tab sheetsync needs is not in the spreadsheet."""


class MissingColumnError(SheetsyncError):
    """A column sheetsync needs is not in a tab (renamed or deleted)."""


class BackendError(SheetsyncError):
    """The spreadsheet could not be read or written."""


class WorkbookLockedError(BackendError):
    """The local workbook is open and locked by another program."""


class SheetChangedError(BackendError):
    """The sheet changed between sheetsync's read and its write."""


class FormRowsMovedError(SheetsyncError):
    """Rows of a form response tab were deleted or sorted: responses lost their row."""


class StepError(SheetsyncError):
    """A pipeline step failed."""


class AccessDeniedError(BackendError):
    """The credentials cannot open the spreadsheet (not shared, or a revoked key)."""


class GoogleUnavailableError(BackendError):
    """Google kept answering 429/5xx, or not at all, past the retry policy's bounds."""


class UnconfirmedWriteError(GoogleUnavailableError):
    """Google did not confirm a spreadsheets.batchUpdate it may or may not have applied."""


class PartlyWrittenError(BackendError):
    """A write split into several requests failed after some of them were applied."""


class InputFileError(SheetsyncError):
    """A file given to a command cannot be read or used."""


class LockHeldError(SheetsyncError):
    """Another sheetsync run holds the network's lock."""


class ScheduleError(SheetsyncError):
    """The crontab cannot be read or written, or a schedule cannot be followed."""


def failure_text(err: BaseException) -> str:
    """An exception for a message or a log line: sheetsync's own message, or another
    exception's type and where it was raised (its message might quote a value)."""
    if isinstance(err, SheetsyncError):
        return str(err)
    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(err).__name__}{where}"


def trace_text(err: BaseException) -> str:
    """A traceback to report a bug with (--verbose, the log): the code's lines, each
    exception of the chain by its type (and sheetsync's own message), so no value shows."""
    chain: list[BaseException] = []
    here: BaseException | None = err
    while here is not None and all(here is not seen for seen in chain):
        chain.append(here)
        here = here.__cause__ or (None if here.__suppress_context__ else here.__context__)
    parts = []
    for link in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        said = str(link) if isinstance(link, SheetsyncError) else "(message left out)"
        parts.append(f"{type(link).__name__}: {said}\n")
    return "".join(parts)
