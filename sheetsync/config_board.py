"""[board] in sheetsync.toml: the volunteer board, a second spreadsheet (or workbook) that
organizers share with volunteers (docs/board.md). Without the section there is no board and
the claims and board steps do nothing.

    [board]
    workbook = "board.xlsx"        # local backend: a file beside sheetsync.toml
    # spreadsheet = "KEY"          # google backend: a spreadsheet of its own, shared with
    #                              # the service account (the same credentials)
    show_initials = false          # the requester's initials on the board (never for a
    #                              # sensitive category)
    link = "https://…"             # where volunteers open the board: told in their weekly email
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheetsync.config_sections import check_keys, table_section
from sheetsync.errors import ConfigError

_KEYS = {"workbook", "spreadsheet", "show_initials", "link"}


@dataclass(frozen=True)
class BoardConfig:
    """Where the volunteer board lives and what it shows."""

    workbook: Path | None = None  # the local backend's board file
    spreadsheet: str | None = None  # the Google backend's board spreadsheet id
    show_initials: bool = False
    link: str = ""  # the board's address for volunteers, in their weekly email


def read_board(
    data: Mapping[str, Any],
    where: str,
    base: Path,
    *,
    workbook: Path | None,
    spreadsheet: str | None,
) -> BoardConfig | None:
    """[board], checked; None when the file has no [board] section. `workbook` or
    `spreadsheet`: the organizers' own store, which the board must never be (with a
    workbook the board is a workbook too)."""
    local = spreadsheet is None
    if "board" not in data:
        return None
    section = table_section(data, "board", where)
    check_keys(section, _KEYS, f"[board] in {where}")
    board_book, board_sheet = _store(section, where, local=local)
    show = section.get("show_initials", False)
    if not isinstance(show, bool):
        raise ConfigError(f"[board] show_initials in {where} must be true or false.")
    link = section.get("link", "")
    if not isinstance(link, str) or (link and not re.match(r"https?://|file:", link)):
        raise ConfigError(
            f"[board] link in {where} must be the board's address for volunteers, "
            'e.g. "https://docs.google.com/spreadsheets/d/KEY/edit"; or leave it out.'
        )
    board = BoardConfig(
        workbook=(base / board_book) if board_book else None,
        spreadsheet=board_sheet,
        show_initials=show,
        link=link,
    )
    if same_store(board, workbook, spreadsheet):
        raise ConfigError(
            f"[board] in {where} names the organizers' own spreadsheet: the board is shared "
            "with volunteers, so it must be a workbook or spreadsheet of its own."
        )
    return board


def _store(section: Mapping[str, Any], where: str, *, local: bool) -> tuple[str, str | None]:
    """(the board's workbook, "") or ("", its spreadsheet id), as the backend wants it."""
    board_book, board_sheet = section.get("workbook"), section.get("spreadsheet")
    if local and not (isinstance(board_book, str) and board_book.strip()):
        raise ConfigError(
            f'[board] in {where} needs workbook = "board.xlsx": the volunteer board\'s own '
            "file (never the network's workbook), to share with volunteers."
        )
    if not local and not (isinstance(board_sheet, str) and board_sheet.strip()):
        raise ConfigError(
            f'[board] in {where} needs spreadsheet = "KEY": a spreadsheet of its own for the '
            "volunteer board (never the organizers' one), shared with the service account."
        )
    if local:
        return str(board_book), None
    return "", str(board_sheet).strip()


def same_store(board: BoardConfig, workbook: Path | None, spreadsheet: str | None) -> bool:
    """Whether the board would be the organizers' own spreadsheet: never allowed."""
    if board.workbook is not None and workbook is not None:
        return board.workbook.resolve() == workbook.resolve()
    return board.spreadsheet is not None and board.spreadsheet == spreadsheet
