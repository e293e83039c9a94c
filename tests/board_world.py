"""A network with a volunteer board, on either backend, and what tests do with it: run a job,
read the board, write a claim as a volunteer would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.board.store import board_schema, open_board
from sheetsync.config import BoardConfig, Config
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import RunReport
from sheetsync.tables import read_table

HOURLY = "intake"  # jobs/intake.toml: the between-runs job
SAM = {"name": "Sam Lee", "phone": "201-555-0170", "email": "sam@example.net"}
ANA = {"name": "Ana Diaz", "phone": "201-555-0171", "email": "ana@example.net"}
ANN = {"name": "Ann Bell", "phone": "201 555 0101", "email": "ann@example.org"}
BO = {"name": "Bo Chan", "phone": "201 555 0102", "email": "bo@example.org"}


def with_board(config: Config, board: BoardConfig) -> Config:
    return dataclasses.replace(config, board=board)


def local_board(config: Config, tmp_path: Path, **options: Any) -> Config:
    return with_board(config, BoardConfig(workbook=tmp_path / "board.xlsx", **options))


def run(backend: Any, config: Config, now: dt.datetime, job: str = HOURLY) -> RunReport:
    return run_job(find_job(job, config), backend, config, now=now)


def board(config: Config) -> list[dict[str, str]]:
    """The board's rows as its readers see them, by field name."""
    assert config.board is not None
    store = open_board(config, config.board)
    schema = board_schema()
    table = read_table(store.read_tabs([schema.tab])[schema.tab], schema, schema.tab)
    return [{k: str(v) for k, v in r.items()} for r in table.frame.to_dict("records")]


def write_claim(config: Config, board_id: str, text: str) -> None:
    """A volunteer writes `text` in the claim cell of the board's row for `board_id`."""
    assert config.board is not None
    store = open_board(config, config.board)
    schema = board_schema()
    table = read_table(store.read_tabs([schema.tab])[schema.tab], schema, schema.tab)
    [row] = [int(r["_row"]) for r in table.frame.to_dict("records") if r["board_id"] == board_id]
    update = CellUpdate(row, table.columns["claim"] + 1, text)
    store.apply([TabChanges(tab=schema.tab, start_row=table.n_rows + 1, update=[update])])


def records(backend: Any, config: Config, logical: str) -> list[dict[str, Any]]:
    return list(read_state(backend, config).tables[logical].frame.to_dict("records"))


def code_of(backend: Any, config: Config, email: str) -> str:
    [code] = [
        p["volunteer_code"] for p in records(backend, config, "people") if p["email"] == email
    ]
    assert code
    return str(code)


def need_of(backend: Any, config: Config, email: str) -> str:
    people = {p["person_id"]: p["email"] for p in records(backend, config, "people")}
    [need] = [
        n["need_id"] for n in records(backend, config, "needs") if people[n["person_id"]] == email
    ]
    return str(need)
