"""Issue 17 on the local workbook, through real runs: nothing lost, nothing stuck.

A row typed while sheetsync works stays where it was; no cell can stop a write; a workbook
that cannot be written is left as it was, with a message saying what to do; and a failure
that could not reach the Run log is written there by the next run that can.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.backends.base import XLSX_CELL_LIMIT, TabData
from sheetsync.backends.workbook import TEMP_SUFFIX, WorkbookBackend
from sheetsync.backends.workbook_backups import BACKUP_DIR
from sheetsync.backends.xlsx_patch import _Package
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.errors import BackendError, WorkbookLockedError
from sheetsync.jobs import find_job, run_job
from sheetsync.report import RunReport
from sheetsync.run_log import NOT_LOGGED_THEN, PENDING
from sheetsync.state import read_state
from tests.conftest import NOW, all_values, make_config, offer, request

# Every tab a weekly run appends rows to.
APPENDED_TABS = [
    "People",
    "Needs",
    "Tasks",
    "Errors",
    "Duplicates",
    "Load",
    "Summary",
    "Call list",
    "Run log",
]
# Run log columns that do not depend on the clock or the folder (finished, steps' seconds
# and a digest's outbox path do).
STEADY_LOG_COLUMNS = ["run_id", "job", "started", "outcome", "changes", "problems"]


def weekly(backend: WorkbookBackend, config: Config, now: dt.datetime = NOW) -> RunReport:
    return run_job(find_job("weekly", config), backend, config, now=now)


@pytest.fixture
def busy(backend: WorkbookBackend, config: Config, add_responses: Callable[..., None]) -> int:
    """Responses that make a weekly run append to every one of its tabs: a need, a pair of
    possible duplicates (Robert and Bob on one phone), a volunteer who can take them, and a
    response without a name (an Errors row). Returns how many responses there are."""
    add_responses(
        "requests",
        request(),
        request(name="Robert Smith", phone="201 555 0111", email="rob@example.org"),
        request(
            name="Bob Smith",
            phone="2015550111",
            email="bob@other.org",
            timestamp=dt.datetime(2026, 11, 21, 10, 0),
        ),
        request(name="", email="x@example.org"),
    )
    add_responses(
        "offers", offer(availability="Weekday mornings, Weekends", languages="English, Spanish")
    )
    return 5


def assert_every_response_is_accounted_for(backend: WorkbookBackend, config: Config) -> None:
    """Rows in = records + errors: each form response is on People (its source) or on
    Errors, never both, and each usable request has its need."""
    state = read_state(backend, config)
    responses = {form.ref(int(row)) for form in state.forms.values() for row in form.frame.index}
    people = {
        ref
        for sources in state.tables["people"].frame["source"]
        for ref in sources.split("; ")
        if ref
    }
    on_errors = state.tables["errors"].frame
    # Open rows are responses that could not be used; "noted" ones were used once cleaned.
    errors = set(on_errors[on_errors["status"] == "open"]["source"])
    assert responses == people | errors
    assert not people & errors
    requests = {ref for ref in responses if ref.startswith(config.form_tab("requests"))}
    assert requests - errors == set(state.tables["needs"].frame["source"])


def files_beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != BACKUP_DIR)


def pending_file(config: Config) -> Path:
    return config.state_dir / PENDING


def run_log_rows(backend: WorkbookBackend, config: Config) -> list[dict[str, Any]]:
    frame = read_state(backend, config).tables["run_log"].frame
    return [dict(row) for row in frame.to_dict("records")]


# Rows typed between sheetsync's read and its write


def test_rows_saved_by_another_program_meanwhile_stay_and_the_run_goes_below(
    backend: WorkbookBackend,
    config: Config,
    busy: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An organizer types a row on every tab sheetsync appends to and saves, after the run
    read the workbook and before it writes: each typed row stays on its row, and below it
    the run writes exactly what it would have written without them."""
    assert config.workbook is not None
    twin_path = tmp_path / "twin" / "network.xlsx"
    twin_path.parent.mkdir()
    shutil.copy(config.workbook, twin_path)
    twin_config = make_config(twin_path)
    weekly(WorkbookBackend(twin_path), twin_config)
    undisturbed = all_values(WorkbookBackend(twin_path))

    real_apply = WorkbookBackend.apply
    typed: dict[str, int] = {}

    def typed_then_apply(self: WorkbookBackend, changes: Any, formats: Any = None) -> None:
        if not typed:  # the run's own write: Excel saves the organizer's rows just before
            book = openpyxl.load_workbook(self.path)
            for tab in APPENDED_TABS:
                book[tab].append([f"typed in {tab}"])
                typed[tab] = book[tab].max_row
            book.save(self.path)
        real_apply(self, changes, formats)

    monkeypatch.setattr(WorkbookBackend, "apply", typed_then_apply)
    report = weekly(backend, config)
    monkeypatch.undo()

    assert report.attempts == 1 and report.outcome == "ok"
    assert {tab.tab for tab in report.tabs} == set(APPENDED_TABS) - {"Run log"}
    assert typed == dict.fromkeys(APPENDED_TABS, 2)  # each tab held only its header
    after = all_values(backend)
    for tab in APPENDED_TABS:
        header, *rows = undisturbed[tab]
        assert after[tab][0] == header
        assert after[tab][1] == [f"typed in {tab}"], tab
        if tab == "Run log":
            steady = [header.index(name) for name in STEADY_LOG_COLUMNS]
            assert [[r[i] for i in steady] for r in after[tab][2:]] == [
                [r[i] for i in steady] for r in rows
            ]
        else:
            assert after[tab][2:] == rows, tab
    state = read_state(backend, config)  # the typed rows are read back as rows of their tab
    assert state.tables["needs"].frame["need_id"].tolist()[0] == "typed in Needs"


def test_a_save_during_sheetsyncs_own_save_reads_again_and_keeps_the_row(
    backend: WorkbookBackend, config: Config, busy: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program saving while sheetsync saves is caught by the file's fingerprint:
    nothing of the first attempt is written, the run reads again and recomputes once."""
    write = _Package.write
    saves: list[int] = []

    def someone_saves_meanwhile(package: _Package, out: Any) -> None:
        write(package, out)
        if not saves:
            saves.append(1)
            book = openpyxl.load_workbook(config.workbook)
            book["People"].append(["", "Walk-in Neighbour"])
            book.save(config.workbook)

    monkeypatch.setattr(_Package, "write", someone_saves_meanwhile)
    report = weekly(backend, config)
    assert report.attempts == 2
    assert report.notices[0].startswith("The sheet changed while sheetsync was working")
    people = all_values(backend)["People"]
    # Read again, the walk-in is a person like any other: on their row, with an id.
    assert people[1][:2] == ["P0001", "Walk-in Neighbour"]
    assert len(people) == 1 + 1 + 4  # the header, the walk-in, four people from the forms
    assert [row["outcome"] for row in run_log_rows(backend, config)] == ["ok"]
    assert_every_response_is_accounted_for(backend, config)


# No single cell can stop a write

MARKERS = {
    "[[VT]]": "_x000B_",  # a vertical tab, as Excel stores one (XML cannot hold it raw)
    "[[NUL]]": "_x0000_",
    "[[LONG]]": "y" * 40_000,  # longer than any Excel cell: Google Sheets holds 50,000
}
SURROGATE = "[[SURROGATE]]"  # half an emoji: only a store other than .xlsx can hand it over
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def put_raw_in_form_tabs(xlsx: Path) -> None:
    """Replace the markers in the form tabs' XML with what sheetsync's writer never writes."""
    source = zipfile.ZipFile(io.BytesIO(xlsx.read_bytes()))
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                for marker, raw in MARKERS.items():
                    body = body.replace(marker.encode(), raw.encode())
            out.writestr(info, body)


def with_surrogates(tabs: dict[str, TabData]) -> dict[str, TabData]:
    for data in tabs.values():
        for row in data.rows:
            for i, value in enumerate(row):
                if isinstance(value, str) and SURROGATE in value:
                    row[i] = value.replace(SURROGATE, "\ud83d")
    return tabs


def test_control_characters_and_huge_answers_cannot_stop_the_network(
    backend: WorkbookBackend,
    config: Config,
    add_responses: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert config.workbook is not None
    add_responses(
        "requests",
        request(name="Maria[[VT]]Garcia"),
        request(name="Ann[[NUL]] Bell", email="ann@example.org", phone="2015550101"),
        request(name=f"Cy {SURROGATE} Doe", email="cy@example.org", phone="2015550102"),
        request(name="Dee Lane", email="dee@example.org", phone="2015550103", details="[[LONG]]"),
    )
    add_responses("offers", offer(volunteer_note="call me[[VT]]evenings"))
    put_raw_in_form_tabs(config.workbook)
    form = backend.read_tabs(["Form Responses 1"])["Form Responses 1"].rows
    assert form[1][1] == "Maria\x0bGarcia" and form[2][1] == "Ann\x00 Bell"
    assert len(form[4][6]) == 40_000

    read_tabs = WorkbookBackend.read_tabs
    monkeypatch.setattr(
        WorkbookBackend, "read_tabs", lambda self, names: with_surrogates(read_tabs(self, names))
    )
    first = weekly(backend, config)
    second = weekly(backend, config, now=NOW + dt.timedelta(days=7))  # the next week's run
    monkeypatch.undo()

    assert (first.outcome, second.outcome) == ("ok", "ok")
    values = all_values(backend)  # calamine opens the file
    book = openpyxl.load_workbook(config.workbook)  # and so does openpyxl
    assert book.sheetnames == list(values)
    for tab in ["People", "Needs", "Errors", "Run log"]:
        for row in values[tab]:
            for cell in row:
                if isinstance(cell, str):
                    assert not FORBIDDEN.search(cell) and len(cell) <= XLSX_CELL_LIMIT, tab
    state = read_state(backend, config)
    names = state.tables["people"].frame["name"].tolist()
    assert "Maria Garcia" in names  # a vertical tab between words: a space
    assert any(re.fullmatch("Ann +Bell", name) for name in names)
    assert any(name.startswith("Cy ") and name.endswith(" Doe") for name in names)
    # The 40,000 characters' request is used: its need holds the answer shortened, with
    # where the whole of it is, and the Errors tab notes it (not as a response to fix).
    tab = config.form_tab("requests")
    needs, errors = state.tables["needs"].frame, state.tables["errors"].frame
    [details] = needs[needs["source"] == f"{tab}:5"]["details"].tolist()
    assert len(details) == 5000 and details.startswith("yyyy")
    assert details.endswith(f" … [shortened: full answer in {tab}, row 5]")
    assert errors[errors["source"] == f"{tab}:5"]["status"].tolist() == ["noted"]
    assert [row["outcome"] for row in run_log_rows(backend, config)] == ["ok", "ok"]
    assert_every_response_is_accounted_for(backend, config)


# A workbook that cannot be written: left as it was, and the failure logged later


def make_read_only(path: Path) -> Callable[[], None]:
    path.chmod(0o444)
    return lambda: path.chmod(0o644)


def make_locked(path: Path) -> Callable[[], None]:
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text("an organizer,laptop,01.12.2026 10:00")
    return lock.unlink


def make_disk_full(path: Path) -> Callable[[], None]:
    real = _Package.write

    def full(package: _Package, out: Any) -> None:
        out.write(b"PK")  # part of the copy is on disk when the disk fills up
        raise OSError(errno.ENOSPC, "No space left on device")

    _Package.write = full  # type: ignore[method-assign]

    def undo() -> None:
        _Package.write = real  # type: ignore[method-assign]

    return undo


def expected_message(how: str, path: Path) -> str:
    if how == "read-only":
        return (
            f"{path} is read-only, so sheetsync did not change it. If the network's workbook "
            f"should be updated, make it writable (`chmod u+w {path}`, or untick Read-only "
            "in the file's properties) and run again; otherwise point [backend] workbook in "
            "sheetsync.toml at a copy you may change."
        )
    if how == "locked":
        lock = path.with_name(f".~lock.{path.name}#")
        return (
            f"{path} is open in LibreOffice (lock file {lock}). Close the workbook there and "
            "run again. If nobody has it open, delete the lock file."
        )
    return (
        f"Cannot save {path}: the disk is full. {path} was not changed. Free some space on "
        f"the disk holding {path.parent.resolve()} (sheetsync needs about twice the "
        "workbook's size while saving) and run again."
    )


MAKE = {"read-only": make_read_only, "locked": make_locked, "disk full": make_disk_full}


@pytest.mark.parametrize("how", list(MAKE))
def test_a_workbook_that_cannot_be_written_is_untouched_and_the_next_run_logs_why(
    backend: WorkbookBackend, config: Config, busy: int, how: str
) -> None:
    assert config.workbook is not None
    message = expected_message(how, config.workbook)
    before = config.workbook.read_bytes()
    undo = MAKE[how](config.workbook)
    try:
        with pytest.raises(BackendError) as caught:
            weekly(backend, config)
    finally:
        undo()
    assert str(caught.value) == message
    assert isinstance(caught.value, WorkbookLockedError) == (how == "locked")
    assert config.workbook.read_bytes() == before  # not a byte changed
    assert not [name for name in files_beside(config.workbook) if name.endswith(TEMP_SUFFIX)]
    kept = pending_file(config)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    [run] = json.loads(kept.read_text())["runs"]
    assert (run["run_id"], run["outcome"]) == ("R20261123-090000", "failed")
    assert run["message"] == message + NOT_LOGGED_THEN

    report = weekly(backend, config)  # fixed: the next run writes both rows
    assert report.outcome == "ok"
    assert "Added 1 earlier failed run(s) to the Run log" in " ".join(report.notices)
    failed, ok = run_log_rows(backend, config)
    assert (failed["run_id"], failed["job"], failed["outcome"]) == (
        "R20261123-090000",
        "weekly",
        "failed",
    )
    assert failed["message"] == message + NOT_LOGGED_THEN
    assert (ok["run_id"], ok["outcome"]) == ("R20261123-090000-2", "ok")
    assert not kept.exists()
    assert_every_response_is_accounted_for(backend, config)


def test_failed_runs_wait_for_a_run_that_can_write_even_a_failed_one(
    backend: WorkbookBackend, config: Config, busy: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writes refused, then a run that fails in a step (so it can write its failed row):
    all three go in the Run log in that one write, oldest first."""

    def refused(self: WorkbookBackend, changes: Any, formats: Any = None) -> None:
        raise BackendError("The store refused the write. Run again later.")

    monkeypatch.setattr(WorkbookBackend, "apply", refused)
    for day in (0, 1):
        with pytest.raises(BackendError):
            weekly(backend, config, now=NOW + dt.timedelta(days=day))
    monkeypatch.undo()
    assert len(json.loads(pending_file(config).read_text())["runs"]) == 2
    assert run_log_rows(backend, config) == []

    def step_fails(ctx: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("sheetsync.jobs.get_step", lambda name: step_fails)
    with pytest.raises(Exception, match="failed: RuntimeError"):
        weekly(backend, config, now=NOW + dt.timedelta(days=2))
    rows = run_log_rows(backend, config)
    assert [(r["run_id"], r["outcome"]) for r in rows] == [
        ("R20261123-090000", "failed"),
        ("R20261124-090000", "failed"),
        ("R20261125-090000", "failed"),
    ]
    assert rows[0]["message"] == "The store refused the write. Run again later." + NOT_LOGGED_THEN
    assert "Please report this" in rows[2]["message"]
    assert not pending_file(config).exists()


def test_a_kept_failure_the_run_log_already_holds_is_not_added_again(
    backend: WorkbookBackend, config: Config, busy: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept file could not be cleared after its rows went in (or that write's answer
    was lost): the next runs see the run_id on the Run log and add it no second time."""

    def refused(self: WorkbookBackend, changes: Any, formats: Any = None) -> None:
        raise BackendError("The store refused the write. Run again later.")

    monkeypatch.setattr(WorkbookBackend, "apply", refused)
    with pytest.raises(BackendError):
        weekly(backend, config)
    monkeypatch.undo()
    left_behind = pending_file(config).read_text()
    weekly(backend, config, now=NOW + dt.timedelta(days=1))
    pending_file(config).write_text(left_behind)  # as if it could not be cleared

    for day in (2, 3):  # an ok run, then a failed one: neither adds it again
        weekly(backend, config, now=NOW + dt.timedelta(days=day))
    monkeypatch.setattr("sheetsync.jobs.get_step", lambda name: _fails)
    with pytest.raises(Exception, match="failed: RuntimeError"):
        weekly(backend, config, now=NOW + dt.timedelta(days=4))
    assert [(r["run_id"], r["outcome"]) for r in run_log_rows(backend, config)] == [
        ("R20261123-090000", "failed"),
        ("R20261124-090000", "ok"),
        ("R20261125-090000", "ok"),
        ("R20261126-090000", "ok"),
        ("R20261127-090000", "failed"),
    ]
    assert not pending_file(config).exists()


def _fails(ctx: Any) -> Any:
    raise RuntimeError("a bug")


def test_a_state_folder_that_cannot_be_written_is_said_and_the_failure_still_raised(
    backend: WorkbookBackend,
    config: Config,
    busy: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config.state_dir.parent.mkdir(parents=True, exist_ok=True)
    config.state_dir.write_text("a file where the folder should be")
    monkeypatch.setattr(
        WorkbookBackend,
        "apply",
        lambda self, changes, formats=None: (_ for _ in ()).throw(BackendError("No.")),
    )
    with pytest.raises(BackendError, match=r"^No\.$"):
        weekly(backend, config)
    assert (
        f"weekly: the failure could not be kept for the Run log either (Not a directory in "
        f"{config.state_dir})" in caplog.text
    )


def test_the_cli_says_what_to_do_and_the_next_run_logs_the_failure(tmp_path: Path) -> None:
    runner = CliRunner()
    config_path = tmp_path / "sheetsync.toml"
    workbook = tmp_path / "network.xlsx"
    result = runner.invoke(cli, ["--config", str(config_path), "init", "--workbook", str(workbook)])
    assert result.exit_code == 0, result.output
    store = WorkbookBackend(workbook)
    lock = tmp_path / "~$network.xlsx"
    lock.write_text("someone")

    failed = runner.invoke(cli, ["--config", str(config_path), "run", "weekly"])
    assert failed.exit_code == 1
    message = (
        f"{workbook} is open in Excel (lock file {lock}). Close the workbook there and run "
        "again. If nobody has it open, delete the lock file."
    )
    kept = tmp_path / ".sheetsync" / PENDING
    log_lines = [
        line.split(" ", 3)[3]
        for line in failed.stderr.splitlines()
        if " sheetsync " in line and " done in " not in line  # one line per step
    ]
    assert log_lines == [
        "weekly started",
        f"weekly failed: {message}",
        f"weekly: the spreadsheet could not be written, so the failure is kept in {kept}; "
        "the next run that can write adds it to the Run log.",
    ]
    assert failed.stderr.splitlines()[-1] == f"Error: {message}"
    assert len(store.read_tabs(["Run log"])["Run log"].rows) == 1  # the header only
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    lock.unlink()
    done = runner.invoke(cli, ["--config", str(config_path), "run", "weekly"])
    assert done.exit_code == 0, done.output
    header, *rows = store.read_tabs(["Run log"])["Run log"].rows
    outcome, said = header.index("outcome"), header.index("message")
    assert [row[outcome] for row in rows] == ["failed", "ok"]
    assert rows[0][said] == message + NOT_LOGGED_THEN
    assert not kept.exists()
    jobs = runner.invoke(cli, ["--config", str(config_path), "jobs"])
    assert re.search(r"^weekly .*\(ok\)", jobs.output, re.M)


# A killed run: the next one converges to what an uninterrupted run writes

KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.jobs import find_job, run_job
from tests.conftest import NOW, make_config

def killed(*args, **kwargs):  # killed after the copy is saved, before it is swapped in
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed
config = make_config(Path(sys.argv[1]))
run_job(find_job("weekly", config), WorkbookBackend(config.workbook), config, now=NOW)
"""


def test_a_run_killed_while_saving_leaves_the_workbook_and_the_next_run_converges(
    backend: WorkbookBackend, config: Config, busy: int, tmp_path: Path
) -> None:
    assert config.workbook is not None
    twin_path = tmp_path / "twin" / "network.xlsx"
    twin_path.parent.mkdir()
    shutil.copy(config.workbook, twin_path)
    twin = WorkbookBackend(twin_path)
    weekly(twin, make_config(twin_path))  # one uninterrupted run

    before = config.workbook.read_bytes()
    root = Path(__file__).resolve().parents[1]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(config.workbook)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    assert config.workbook.read_bytes() == before
    [_left] = [name for name in files_beside(config.workbook) if name.endswith(TEMP_SUFFIX)]

    weekly(WorkbookBackend(config.workbook), config)  # the next run
    assert files_beside(config.workbook) == ["network.xlsx", "twin"]  # the copy is gone
    after, expected = all_values(backend), all_values(twin)
    log_after, log_expected = after.pop("Run log"), expected.pop("Run log")
    assert after == expected
    steady = [log_expected[0].index(name) for name in STEADY_LOG_COLUMNS]
    assert [[row[i] for i in steady] for row in log_after] == [
        [row[i] for i in steady] for row in log_expected
    ]
    assert_every_response_is_accounted_for(backend, config)
