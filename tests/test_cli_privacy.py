"""What a run leaves on disk and says: private files (0600, folders 0700) whatever the
umask, and no personal data in the terminal's output, the log file or file names, through
the real commands on the demo network."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.errors import BackendError
from sheetsync.schema import load_schemas
from sheetsync.state import read_state
from sheetsync.tables import records_of
from tests.conftest import FORM_OF, checkin, offer, request, write_cell


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, which leaves new files readable by everyone: sheetsync must not."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def sheetsync(config: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code in (0, 1), result.output
    return result


def demo(folder: Path) -> Path:
    """`sheetsync init --demo` with a week of history, in a folder init creates."""
    config = folder / "sheetsync.toml"
    result = sheetsync(
        config, "init", "--workbook", str(folder / "network.xlsx"), "--demo", "--history", "1"
    )
    assert result.exit_code == 0, result.output
    return config


def write_contacts(path: Path) -> None:
    path.write_text("Name,Phone\nAnn Lee,212-555-0100\nAnn Lee,(212) 555-0100\n", "utf-8")


def test_every_file_and_folder_a_run_creates_is_private(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    network = tmp_path / "network"
    config = demo(network)
    log_file = str(network / "logs" / "sheetsync.log")
    # The send log's write fails once the emails are out: the send journal stays behind.
    import sheetsync.digest.deliver as deliver

    def refused(*args: object) -> None:
        raise BackendError("the sheet could not be written")

    with monkeypatch.context() as patched:
        patched.setattr(deliver, "_run_log_changes", refused)
        failed = sheetsync(config, "--log-file", log_file, "run", "weekly")
    assert failed.exit_code == 1
    journal = network / ".sheetsync" / "sent.jsonl"
    assert journal.stat().st_mode & 0o777 == 0o600
    assert sheetsync(config, "--log-file", log_file, "run", "weekly").exit_code == 0
    assert not journal.exists()  # written to the Run log this time
    assert (
        sheetsync(config, "digest", "--preview", "--out", str(network / "preview")).exit_code == 0
    )
    assert sheetsync(config, "--log-file", log_file, "tick").exit_code == 0
    contacts = tmp_path / "contacts.csv"  # the user's file, outside the network's folder
    write_contacts(contacts)
    for out in ("checked.csv", "checked.xlsx"):
        result = sheetsync(config, "dedupe", str(contacts), "--out", str(network / "out" / out))
        assert result.exit_code == 0, result.output

    made = sorted(network.rglob("*"))
    names = {p.relative_to(network).as_posix() for p in made}
    expected = {
        "sheetsync.toml",
        "network.xlsx",
        ".sheetsync",
        ".sheetsync/run.lock",
        ".sheetsync/schedule.json",
        "logs/sheetsync.log",
        "outbox",
        "preview",
        "out/checked.csv",
        "out/checked.xlsx",
    }
    assert expected <= names
    assert {p.suffix for p in (network / "outbox").iterdir()} == {".eml", ".html", ".png"}
    assert {p.suffix for p in (network / "preview").iterdir()} == {".html", ".txt", ".png"}
    open_to_others = {
        p.relative_to(network).as_posix(): oct(p.stat().st_mode & 0o777)
        for p in [network, *made]
        if p.stat().st_mode & 0o077
    }
    assert open_to_others == {}


# Answers nobody else has: none may show on the terminal, in the log file or in a file name.
DISTINCT = {
    "requests": [
        request(
            name="Zebediah Quokkason",
            phone="(312) 555-0199",
            email="zeb.quokkason@example.org",
            details="Axolotl food, and insulin from the pharmacy",
        ),
        # Invalid answers: a message describes them, never quotes them.
        request(
            name="Wilhelmina Narwhal",
            phone="55-QUOKKA-9",
            email="wil@@narwhal.example",
            zone="Wombatville",
            details="Platypus " * 700,  # past 5000 characters: shortened, with a note
            urgency="Marmoset asap",
        ),
        request(name="Cornelius Capybara", timestamp="Capybara day"),
    ],
    "offers": [
        offer(
            name="Ignatius Pangolin",
            phone="(415) 555-0177",
            email="ignatius.pangolin@example.net",
            volunteer_note="Pangolin note: has a van",
        ),
        offer(name="Ophelia Tapir", email="ophelia@example.net", weekly_capacity="lots, ask Tapir"),
    ],
    "checkins": [
        checkin(
            name="Ignatius Pangolin",
            email="ignatius.pangolin@example.net",
            checkin_status="Red – I need a break",
            checkin_note="Pangolin is exhausted, back pain",
        ),
    ],
}
WORDS = [
    *("Zebediah", "Quokka", "Axolotl", "Wilhelmina", "Narwhal", "Wombat", "Platypus"),
    *("Marmoset", "Capybara", "Cornelius", "Ignatius", "Pangolin", "Ophelia", "Tapir"),
    *("555-0199", "5550199", "555-0177", "5550177"),
]


def add_responses(workbook: Path) -> None:
    store, schemas = WorkbookBackend(workbook), load_schemas()
    for form, responses in DISTINCT.items():
        tab = FORM_OF[form]
        rows = store.read_tabs([tab])[tab].rows
        names = schemas[form].names
        append = [[r.get(n, "") for n in names] for r in responses]
        store.apply([TabChanges(tab=tab, start_row=len(rows) + 1, append=append)])


def personal_values(config: Config) -> set[str]:
    """Every value of a field the schemas mark pii, in every tab and form, as it is now."""
    state = read_state(WorkbookBackend(config.workbook), config)
    frames = [
        *((t.schema, t.frame) for t in state.tables.values()),
        *((state.schemas[f], t.frame) for f, t in state.forms.items()),
    ]
    found = set()
    for schema, frame in frames:
        for spec in schema.fields:
            if spec.pii and spec.name in frame:
                found |= {str(v).strip() for v in frame[spec.name] if len(str(v).strip()) >= 6}
    return found


def organizer_types(config: Config, logical: str, column: str, value: str) -> None:
    """An organizer's typing in a column of theirs, on the tab's first row."""
    store = WorkbookBackend(config.workbook)
    table = read_state(store, config).tables[logical]
    [first, *_] = records_of(table.frame)
    write_cell(store, config, logical, first[table.schema.primary_key], column, value)


def test_no_personal_data_on_the_terminal_in_the_log_or_in_file_names(tmp_path: Path) -> None:
    config_path = demo(tmp_path / "network")
    config = Config.from_file(config_path)
    add_responses(config.workbook)
    log_file = tmp_path / "logs" / "sheetsync.log"
    said: list[str] = []

    def run(*args: str) -> Result:
        result = sheetsync(config_path, "--verbose", "--log-file", str(log_file), *args)
        said.extend([result.stdout, result.stderr])
        return result

    assert run("check").exit_code == 0
    assert run("run", "weekly", "--dry-run").exit_code == 0
    assert run("run", "weekly").exit_code == 0
    # What organizers type in their own columns is described in warnings, not quoted.
    organizer_types(config, "tasks", "status", "called Quokkason twice")
    organizer_types(config, "load", "rest_until", "Zebediah's holiday")
    organizer_types(config, "duplicates", "decision", "same? ask Tapir")
    people = read_state(WorkbookBackend(config.workbook), config).tables["people"].frame
    [pangolin] = people.loc[people["email"] == "ignatius.pangolin@example.net", "person_id"]
    write_cell(WorkbookBackend(config.workbook), config, "people", pangolin, "weekly_email", "yes")
    report = run("run", "weekly", "--json")
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    codes = {i["code"] for i in data["issues"]}
    assert {"format-phone", "format-email", "enum", "shortened", "type-datetime"} <= codes
    assert {"type-integer", "unknown-task-status", "unreadable-rest", "unknown-decision"} <= codes
    assert {d["recipient"] for d in data["deliveries"]} >= {"organizers-1", "public-1"}
    assert run("run", "weekly").exit_code == 0
    assert run("digest").exit_code == 0
    assert run("jobs").exit_code == 0

    logged = log_file.read_text(encoding="utf-8")
    assert "digest organizers" in logged and "sent to organizers-1" in logged
    assert re.search(r"digest volunteer \S+ sent to P\d{4}\n", logged)
    outbox = sorted(p.name for p in config.email.outbox.iterdir())
    assert any(re.fullmatch(r"volunteer-\d{4}-W\d\d-P\d{4}\.eml", name) for name in outbox)
    shown = "\n".join([*said, logged, *outbox])
    private = {*WORDS, *personal_values(config), *config.email.organizers, *config.email.public}
    leaks = sorted(w for w in private if w.casefold() in shown.casefold())
    assert leaks == []
