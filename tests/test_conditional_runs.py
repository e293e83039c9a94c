"""Conditional writes through real runs, on the local workbook and on the Google emulator
(through gspread): sheetsync withdraws a proposal only if the organizer has not answered it
between the run's read and its write.

The run is a one-step job whose step withdraws every proposed task, with the Tasks schema
declaring `sheetsync_writes: [withdrawn]` (tests/test_conditional_writes.tasks_schema): the
matching that decides which proposals to withdraw is another part of issue 18.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheetsync_testkit.sheets_emulator import SheetsEmulator

from sheetsync import jobs
from sheetsync.backends.google import column_letter
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.config import Config
from sheetsync.jobs import Job, run_job
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.steps import StepContext, StepResult
from tests.conftest import NOW
from tests.test_conditional_writes import tasks_schema
from tests.test_google_backend import WRITE, Network

WITHDRAW_JOB = Job(name="withdraw", schedule="weekly", steps=("withdraw",))
NAMES = tasks_schema().names
STATUS = NAMES.index("status") + 1
TASKS = [
    ["T0001", "N0001", "P0002", "Groceries", "Eastside", "", "", "", "proposed"],
    ["T0002", "N0002", "P0003", "Rides", "Eastside", "", "", "", "accepted"],
    ["T0003", "N0003", "P0004", "Groceries", "Westside", "", "", "", "proposed"],
]


def withdraw_proposals(ctx: StepContext) -> StepResult:
    """The step: every proposed task becomes withdrawn."""
    frame = ctx.frames["tasks"].copy()
    proposed = frame["status"] == "proposed"
    frame.loc[proposed, "status"] = "withdrawn"
    return StepResult(frames={"tasks": frame}, counts={"withdrawn": int(proposed.sum())})


@pytest.fixture(autouse=True)
def withdrawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs read Tasks with the withdrawing schema and know the `withdraw` step."""
    schemas = {**load_schemas(), "tasks": tasks_schema()}
    monkeypatch.setattr("sheetsync.state.load_schemas", lambda: schemas)
    real_get_step = jobs.get_step
    monkeypatch.setattr(
        jobs,
        "get_step",
        lambda name: withdraw_proposals if name == "withdraw" else real_get_step(name),
    )


def withdraw(backend: Any, config: Config) -> RunReport:
    return run_job(WITHDRAW_JOB, backend, config, now=NOW)


def statuses(rows: list[list[Any]]) -> dict[str, str]:
    return {str(r[0]): str(r[STATUS - 1]) for r in rows[1:] if r and r[0]}


def tasks_changed(report: RunReport) -> list[tuple[int, str, str, str]]:
    changed = [t.changed for t in report.tabs if t.tab == "Tasks"]
    return [(c.row, c.column, c.old, c.new) for c in (changed[0] if changed else [])]


# The local workbook


def workbook_tasks(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book["Tasks"].iter_rows(values_only=True)]


@pytest.fixture
def with_tasks(backend: WorkbookBackend) -> WorkbookBackend:
    book = openpyxl.load_workbook(backend.path)
    for row in TASKS:
        book["Tasks"].append(row)
    book.save(backend.path)
    return backend


def test_workbook_a_proposal_nobody_answered_is_withdrawn(with_tasks, config):
    report = withdraw(with_tasks, config)
    assert report.outcome == "ok" and report.attempts == 1
    assert statuses(workbook_tasks(with_tasks.path)) == {
        "T0001": "withdrawn",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }
    assert tasks_changed(report) == [
        (2, "status", "proposed", "withdrawn"),
        (4, "status", "proposed", "withdrawn"),
    ]


def test_workbook_a_proposal_accepted_meanwhile_keeps_accepted_and_the_run_recomputes(
    with_tasks, config, monkeypatch
):
    """The organizer accepts T0001 and saves after the run read the workbook, before it
    writes: the write stops, the run reads again, and withdraws only T0003."""
    real_apply = WorkbookBackend.apply
    typed: list[int] = []

    def accepted_then_apply(self: WorkbookBackend, changes: Any, formats: Any = None) -> None:
        if not typed:
            book = openpyxl.load_workbook(self.path)
            book["Tasks"].cell(row=2, column=STATUS, value="accepted")
            book.save(self.path)
            typed.append(2)
        real_apply(self, changes, formats)

    monkeypatch.setattr(WorkbookBackend, "apply", accepted_then_apply)
    report = withdraw(with_tasks, config)
    assert report.outcome == "ok" and report.attempts == 2
    assert report.notices[0].startswith("The sheet changed while sheetsync was working")
    assert statuses(workbook_tasks(with_tasks.path)) == {
        "T0001": "accepted",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }
    assert tasks_changed(report) == [(4, "status", "proposed", "withdrawn")]
    assert report.step("withdraw").counts == {"withdrawn": 1}


def test_workbook_a_row_moved_meanwhile_is_withdrawn_where_it_is_now(
    with_tasks, config, monkeypatch
):
    """The organizer sorts the tab (T0003 first) after the read: both proposals still hold
    `proposed`, so both are withdrawn, each on the row it is on now, in one attempt."""
    real_apply = WorkbookBackend.apply
    sorted_once: list[bool] = []

    def sorted_then_apply(self: WorkbookBackend, changes: Any, formats: Any = None) -> None:
        if not sorted_once:
            book = openpyxl.load_workbook(self.path)
            for number, row in enumerate(reversed(TASKS), start=2):
                for col, value in enumerate(row, start=1):
                    book["Tasks"].cell(row=number, column=col, value=value or None)
            book.save(self.path)
            sorted_once.append(True)
        real_apply(self, changes, formats)

    monkeypatch.setattr(WorkbookBackend, "apply", sorted_then_apply)
    report = withdraw(with_tasks, config)
    assert report.outcome == "ok" and report.attempts == 1
    rows = workbook_tasks(with_tasks.path)
    assert [r[0] for r in rows[1:4]] == ["T0003", "T0002", "T0001"]
    assert statuses(rows) == {"T0001": "withdrawn", "T0002": "accepted", "T0003": "withdrawn"}


# Google Sheets (the emulator, through gspread)


@pytest.fixture
def network(sheets_emulator: SheetsEmulator, service_account_key: Path, tmp_path: Path) -> Network:
    from sheetsync.bootstrap import init_spreadsheet

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    sheets_emulator.set_values(net.id, "Tasks", "A2", [list(r) for r in TASKS])
    sheets_emulator.reset_requests()
    return net


def google_tasks(network: Network) -> list[list[Any]]:
    return network.emulator.values(network.id, "Tasks")


def test_google_a_proposal_nobody_answered_is_withdrawn_in_four_requests(network):
    report = withdraw(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 1
    assert statuses(google_tasks(network)) == {
        "T0001": "withdrawn",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }
    requests = network.emulator.api_requests()
    kinds = [r.kind for r in requests]
    assert kinds == ["spreadsheets.get", "values.batchGet", "values.batchGet", WRITE]
    # The check: the header row and the id and status columns of Tasks, whole, in one request.
    status = column_letter(STATUS)
    assert {"'Tasks'!1:1", "'Tasks'!A:A", f"'Tasks'!{status}:{status}"} <= set(
        requests[2].query["ranges"]
    )


def test_google_a_proposal_accepted_meanwhile_keeps_accepted_and_the_run_recomputes(network):
    """The organizer types `accepted` into T0001's status after the run's read, before its
    check: nothing is written, the run reads again and withdraws only T0003."""

    def organizer_accepts(emulator: SheetsEmulator) -> None:
        emulator.set_values(network.id, "Tasks", f"{column_letter(STATUS)}2", [["accepted"]])

    # The first batchGet is the run's read; the organizer acts before the second (the check).
    network.emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_accepts)
    )
    report = withdraw(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    assert statuses(google_tasks(network)) == {
        "T0001": "accepted",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }
    assert tasks_changed(report) == [(4, "status", "proposed", "withdrawn")]
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert kinds.count(WRITE) == 1  # the stopped attempt sent nothing


def test_google_a_withdrawal_whose_answer_was_lost_is_not_taken_for_a_typed_status(network):
    """Google applies the write but its answer is lost: the re-read finds `withdrawn`, which
    the run was writing, so it counts as written: the run ends ok in one attempt, sending
    nothing again."""
    network.emulator.lose_answer(WRITE, 500)
    report = withdraw(network.backend(timeout=5.0), network.config)
    assert report.outcome == "ok" and report.attempts == 1
    assert statuses(google_tasks(network)) == {
        "T0001": "withdrawn",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }
    kinds = [r.kind for r in network.emulator.api_requests()]
    # The write, then a fresh look finding all of it there: nothing is sent again.
    assert kinds == [
        "spreadsheets.get",
        "values.batchGet",
        "values.batchGet",
        WRITE,
        "spreadsheets.get",
        "values.batchGet",
    ]
    assert len(google_tasks(network)) == 1 + len(TASKS)
    run_log = network.emulator.values(network.id, "Run log")
    assert len(run_log) == 2  # the header and this run's one row, once


def test_google_a_status_typed_before_a_retried_write_is_kept(network):
    """The write is refused (503: not applied, the backend cannot tell). Before the retry's
    re-read the organizer accepts T0001: the retry sees neither what was read nor what was
    being written, so the run recomputes and T0001 stays accepted."""
    network.emulator.fail(WRITE, 503)

    def organizer_accepts(emulator: SheetsEmulator) -> None:
        emulator.set_values(network.id, "Tasks", f"{column_letter(STATUS)}2", [["accepted"]])

    network.emulator.before(WRITE, lambda e: e.before("spreadsheets.get", organizer_accepts))
    report = withdraw(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    assert statuses(google_tasks(network)) == {
        "T0001": "accepted",
        "T0002": "accepted",
        "T0003": "withdrawn",
    }


def test_workbook_and_google_agree(network, with_tasks, config):
    """One run on each store withdraws the same cells and reports the same changes."""
    on_google = withdraw(network.backend(), network.config)
    on_workbook = withdraw(with_tasks, config)
    assert tasks_changed(on_google) == tasks_changed(on_workbook)
    assert statuses(google_tasks(network)) == statuses(workbook_tasks(with_tasks.path))
