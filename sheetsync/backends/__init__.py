"""Stores behind one small interface: a local .xlsx workbook, Google Sheets."""

from __future__ import annotations

from sheetsync.backends.base import Backend, CellUpdate, Guard, TabChanges, TabData, Value
from sheetsync.config import Config
from sheetsync.errors import ConfigError

__all__ = ["Backend", "CellUpdate", "Guard", "TabChanges", "TabData", "Value", "open_backend"]


def open_backend(config: Config) -> Backend:
    """The backend a config names."""
    if config.backend == "local":
        from sheetsync.backends.workbook import WorkbookBackend

        assert config.workbook is not None  # Config.from_dict requires it for "local"
        return WorkbookBackend(config.workbook)
    raise ConfigError(
        f'[backend] kind = "{config.backend}" is not available in this release of sheetsync; '
        'use kind = "local" with a workbook for now.'
    )
