"""The one exception tree: failures that stop a run. Row problems are data (report.Issue)."""

from __future__ import annotations


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


class PartlyWrittenError(BackendError):
    """A write split into several requests failed after some of them were applied."""


class InputFileError(SheetsyncError):
    """A file given to a command cannot be read or used."""


class LockHeldError(SheetsyncError):
    """Another sheetsync run holds the network's lock."""


class ScheduleError(SheetsyncError):
    """The crontab cannot be read or written, or a schedule cannot be followed."""
