"""The board's store: the same Backend classes as the organizers' spreadsheet, opened on
the board's own workbook or spreadsheet ([board] in sheetsync.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.config import BoardConfig, Config
from sheetsync.errors import SheetsyncError
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.tables import Table, read_table

BOARD = "board"  # the board tab's schema (schemas/board.yaml)


def board_schema() -> TableSchema:
    return load_schemas()[BOARD]


def board_tab() -> str:
    """The board's one tab: "Open needs"."""
    return board_schema().tab


def open_board(config: Config, board: BoardConfig) -> Backend:
    """The board's own store, with the network's credentials (Google) or as a workbook."""
    if board.workbook is not None:
        from sheetsync.backends.workbook import WorkbookBackend

        return WorkbookBackend(board.workbook, backups=0)
    from sheetsync.backends.google import open_google_backend

    assert board.spreadsheet is not None  # read_board requires one without a workbook
    return open_google_backend(board.spreadsheet, config.credentials, config.google_endpoint)


@dataclass
class BoardState:
    """The board as the run read it: its tab (not there yet: `table.exists` is False), or
    why it could not be read (`problem`, then claims wait and the board is not written)."""

    table: Table | None
    problem: str = ""


def read_board(config: Config) -> BoardState | None:
    """Read the board once at the start of a run; None when the network has no board. A
    board that cannot be read does not stop the run: its claims wait for the next one."""
    if config.board is None:
        return None
    schema = board_schema()
    try:
        store = open_board(config, config.board)
        tabs = store.list_tabs()
        data = store.read_tabs([schema.tab]) if schema.tab in tabs else {}
        return BoardState(read_table(data.get(schema.tab), schema, schema.tab))
    except SheetsyncError as err:
        return BoardState(None, f"The volunteer board could not be read ({err})")


def init_board(config: Config) -> str | None:
    """`sheetsync init`: create the board's tab (and, for a workbook, its file, private
    like every file sheetsync makes). The tab's title, or None when there was nothing to do."""
    if config.board is None:
        return None
    schema = board_schema()
    store = open_board(config, config.board)
    if schema.tab in store.list_tabs():
        return None
    store.apply([TabChanges(tab=schema.tab, create=True, append=[list(schema.titles)])])
    return schema.tab
