"""Stores behind one small interface: a local .xlsx workbook, Google Sheets."""

from __future__ import annotations

from sheetsync.backends.base import Backend, CellUpdate, Guard, TabChanges, TabData, Value
from sheetsync.config import BackendKind, Config
from sheetsync.errors import ConfigError

__all__ = ["Backend", "CellUpdate", "Guard", "TabChanges", "TabData", "Value", "open_backend"]


def open_backend(config: Config) -> Backend:
    """The backend a config names."""
    if config.backend == BackendKind.LOCAL:
        from sheetsync.backends.workbook import WorkbookBackend

        assert config.workbook is not None  # Config.from_dict requires it for "local"
        return WorkbookBackend(config.workbook, backups=config.workbook_backups)
    if config.backend == BackendKind.GOOGLE:
        from sheetsync.backends.google import open_google_backend

        assert config.spreadsheet is not None  # Config.from_dict requires it for "google"
        return open_google_backend(config.spreadsheet, config.credentials, config.google_endpoint)
    raise ConfigError(f'[backend] kind = "{config.backend}": use "local" or "google".')
