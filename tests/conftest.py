"""Fixtures: a network config and a real local workbook backend on a temp file."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sheetsync.backends.base import TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config
from sheetsync.schema import TableSchema, load_schemas

pytest_plugins = ["tests.emulator_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Write tests/golden/ anew from this run (make golden); review the diff.",
    )


NOW = dt.datetime(2026, 11, 23, 9, 0)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Tests never open a connection beyond 127.0.0.1: any other address fails loudly."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            attempts.append(address)
            raise OSError(f"test tried to connect to {address!r}: only 127.0.0.1 is allowed")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


ZONES = ("Northside", "Eastside", "Southside", "Westside", "Downtown")


def make_config(workbook: Path, **network: Any) -> Config:
    data = {
        "network": {
            "name": "Test network",
            "zones": list(ZONES),
            "default_region": "US",
            "timezone": "America/Chicago",
            **network,
        },
        "backend": {"kind": "local", "workbook": str(workbook)},
    }
    return Config.from_dict(data, base_dir=workbook.parent)


@pytest.fixture
def schemas() -> dict[str, TableSchema]:
    return load_schemas()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "network.xlsx")


@pytest.fixture
def backend(config: Config) -> WorkbookBackend:
    """A fresh workbook with every tab sheetsync expects and no responses yet."""
    assert config.workbook is not None
    store = WorkbookBackend(config.workbook)
    init_spreadsheet(store, config)
    return store


def request(**answers: Any) -> dict[str, Value]:
    """A valid Request help response, with answers overridden by field name."""
    base: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 20, 10, 0),
        "name": "Maria Garcia",
        "phone": "(201) 555-0143",
        "email": "maria@example.org",
        "zone": "Eastside",
        "categories": "Groceries",
        "details": "Weekly shop",
        "urgency": "This week",
        "languages": "Spanish, English",
        "contact_pref": "Text",
        "availability": "Weekday mornings",
        "consent": "Yes",
        "offers_note": "",
        "recurrence": "",
    }
    base.update(answers)
    return base


def offer(**answers: Any) -> dict[str, Value]:
    """A valid Offer help response."""
    base: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 18, 18, 0),
        "name": "Sam Lee",
        "phone": "201-555-0170",
        "email": "sam@example.net",
        "zone": "Eastside",
        "offers": "Groceries, Rides",
        "languages": "English",
        "availability": "Weekends",
        "weekly_capacity": "3",
        "has_car": "Yes",
        "volunteer_note": "",
        "consent": "Yes",
    }
    base.update(answers)
    return base


def checkin(**answers: Any) -> dict[str, Value]:
    """A valid Weekly check-in response."""
    base: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 22, 8, 0),
        "name": "Sam Lee",
        "phone": "",
        "email": "sam@example.net",
        "checkin_status": "Green – I have capacity",
        "checkin_hours": "4",
        "checkin_note": "",
    }
    base.update(answers)
    return base


def feedback(**answers: Any) -> dict[str, Value]:
    """A Feedback after help response (its code matches a task only if one has it)."""
    base: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 22, 9, 0),
        "code": "K7QF2M",
        "role": "I asked for help",
        "happened": "Yes",
        "how": "",
        "follow_up": "No",
        "continue": "",
    }
    base.update(answers)
    return base


FORM_OF = {
    "requests": "Form Responses 1",
    "offers": "Form Responses 2",
    "checkins": "Form Responses 3",
    "feedback": "Form Responses 4",
}


@pytest.fixture
def add_responses(backend: WorkbookBackend, schemas: dict[str, TableSchema]) -> Callable[..., None]:
    """Append responses (dicts by field name) to a form's tab, as Google Forms would."""

    def add(form: str, *responses: dict[str, Value]) -> None:
        tab = FORM_OF[form]
        rows = backend.read_tabs([tab])[tab].rows
        names = schemas[form].names
        backend.apply(
            [
                TabChanges(
                    tab=tab,
                    start_row=len(rows) + 1,
                    append=[[r.get(n, "") for n in names] for r in responses],
                )
            ]
        )

    return add


def edit_response(
    backend: WorkbookBackend, schemas: dict[str, TableSchema], form: str, row: int, **answers: Value
) -> None:
    """Rewrite a response in place with a new Timestamp, as an edited Google Form response."""
    from sheetsync.backends.base import CellUpdate

    tab = FORM_OF[form]
    names = schemas[form].names
    n_rows = len(backend.read_tabs([tab])[tab].rows)
    updates = [CellUpdate(row, names.index(k) + 1, v) for k, v in answers.items()]
    backend.apply([TabChanges(tab=tab, start_row=n_rows + 1, update=updates)])


def write_cell(
    backend: WorkbookBackend, config: Config, logical: str, key: str, column: str, value: str
) -> None:
    """An organizer types `value` in `column` of the row whose primary key is `key`."""
    from sheetsync.backends.base import CellUpdate
    from sheetsync.jobs import read_state

    table = read_state(backend, config).tables[logical]
    id_column = table.schema.primary_key
    [row] = [r["_row"] for r in table.frame.to_dict("records") if r[id_column] == key]
    update = CellUpdate(row, table.columns[column] + 1, value)
    backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=[update])])


def all_values(backend) -> dict[str, list[list]]:
    """Every tab's values, as the backend reads them."""
    tabs = backend.list_tabs()
    return {tab: data.rows for tab, data in backend.read_tabs(tabs).items()}


def assert_only_the_failure_was_logged(before, after, job: str, message: str) -> None:
    """A run that stopped changed no tab but the Run log, where it added one failed row."""
    log_before, log_after = before.pop("Run log"), after.pop("Run log")
    assert after == before
    assert log_after[: len(log_before)] == log_before
    [row] = log_after[len(log_before) :]
    header = log_after[0]
    assert row[header.index("job")] == job and row[header.index("outcome")] == "failed"
    assert message in row[header.index("message")]


# Networks made by `sheetsync init` ----------------------------------------------------


@pytest.fixture
def runner() -> Any:
    """click's test runner: the command line as a person types it."""
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def network(tmp_path: Path, runner: Any) -> Path:
    """The config `sheetsync init` writes in tmp_path/net, with its workbook: its path. A
    test module that needs another network defines its own `network`, which pytest uses
    there instead of this one."""
    from sheetsync.cli import cli

    config_path = tmp_path / "net" / "sheetsync.toml"
    result = runner.invoke(
        cli,
        ["--config", str(config_path), "init", "--workbook", str(tmp_path / "net" / "n.xlsx")],
    )
    assert result.exit_code == 0, result.output
    return config_path


def init_demo(folder: Path, *options: str) -> Path:
    """`sheetsync init --demo` in folder, with `options` ("--language", "es", "--history",
    "3"), then `sheetsync run weekly`, through the command line: the config's path."""
    from click.testing import CliRunner

    from sheetsync.cli import cli

    config = folder / "sheetsync.toml"
    runner = CliRunner()
    workbook = str(folder / "network.xlsx")
    made = runner.invoke(
        cli, ["--config", str(config), "init", "--workbook", workbook, "--demo", *options]
    )
    assert made.exit_code == 0, made.output
    ran = runner.invoke(cli, ["--config", str(config), "run", "weekly"])
    assert ran.exit_code == 0, ran.output
    return config


def spanish_network(folder: Path) -> tuple[WorkbookBackend, Config]:
    """A network whose forms are in Spanish first, then English, with the workbook `init`
    makes for it (init_spreadsheet, as a library caller makes it)."""
    workbook = folder / "network.xlsx"
    config = Config.from_dict(
        {
            "network": {"zones": list(ZONES), "timezone": "America/Chicago"},
            "backend": {"kind": "local", "workbook": str(workbook)},
            "forms": {"languages": ["es", "en"]},
        },
        base_dir=folder,
    )
    store = WorkbookBackend(workbook)
    init_spreadsheet(store, config)
    return store, config
