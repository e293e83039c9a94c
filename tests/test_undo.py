"""`sheetsync undo` through the real pipeline, on a workbook and on Google (the emulator):
a run undone gives back the sheet as it was before it, but for what an organizer changed
since, which stays and is listed; an undo is undone in turn; nothing personal is shown."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.changes import read_records, run_ids
from sheetsync.cli import cli
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.undo import CellLeft, NothingToUndoError, undo_run
from tests.conftest import (
    NOW,
    ZONES,
    all_values,
    checkin,
    make_config,
    offer,
    request,
    write_cell,
)

LATER = NOW + dt.timedelta(hours=1)
BOOKKEEPING = ("Run log", "Changes")  # what an undo adds to: its own record


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def sheet(backend):
    """Every tab but the Run log and Changes, as read."""
    return {t: rows for t, rows in all_values(backend).items() if t not in BOOKKEEPING}


def records(backend, config, logical):
    return {
        r[read_state(backend, config).tables[logical].schema.primary_key]: r
        for r in read_state(backend, config).tables[logical].frame.to_dict("records")
    }


@pytest.fixture
def before_second_run(backend, config, add_responses):
    """A network after its first weekly run; then new responses the second run takes in."""
    add_responses(
        "requests",
        request(),
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org", categories="Rides"),
    )
    add_responses(
        "offers",
        offer(
            offers="Groceries, Rides",
            weekly_capacity="5",
            availability="Weekday mornings, Weekends",
        ),
    )
    weekly(backend, config, now=NOW - dt.timedelta(days=1))
    add_responses(
        "requests",
        request(
            name="Joe Park",
            phone="201 555 0188",
            email="joe@example.org",
            categories="Groceries",
            details="Milk and bread",
        ),
    )
    add_responses("checkins", checkin(checkin_hours="10", checkin_note="Tired this week"))
    return backend, config


def test_undo_gives_back_the_sheet_as_it_was_before_the_run(before_second_run):
    backend, config = before_second_run
    before = sheet(backend)
    report = weekly(backend, config)
    assert report.rows_added and report.cells_changed  # the run both adds rows and changes cells
    undone = undo_run(backend, config, now=LATER)
    assert undone.run_id == report.run_id and undone.left == []
    assert sheet(backend) == before
    # The undo is a run of its own: on top of the Changes tab, and in the Run log.
    assert run_ids(read_records(read_state(backend, config).tables["changes"]))[0] == (
        undone.undo_id
    )
    log = records(backend, config, "run_log")[undone.undo_id]
    assert (log["job"], log["outcome"]) == ("undo", "ok")
    assert log["message"] == f"Undid run {report.run_id}."
    # And the next run works from there: it makes the same changes again.
    again = weekly(backend, config, now=LATER + dt.timedelta(minutes=1))
    assert again.rows_added == report.rows_added


def test_undoing_the_undo_gives_back_the_sheet_as_the_run_left_it(before_second_run):
    backend, config = before_second_run
    weekly(backend, config)
    after_run = sheet(backend)
    first = undo_run(backend, config, now=LATER)
    second = undo_run(backend, config, now=LATER + dt.timedelta(minutes=1))
    assert second.run_id == first.undo_id and second.left == []
    assert sheet(backend) == after_run


def test_what_an_organizer_changed_since_the_run_stays_and_is_listed(before_second_run):
    backend, config = before_second_run
    before = sheet(backend)
    report = weekly(backend, config)
    tasks = {t.tab: t for t in report.tabs}["Tasks"]
    new_task = tasks.added_ids[0]
    # Since the run: a note on a task the run added, and a sheetsync cell the run changed.
    write_cell(backend, config, "tasks", new_task, "notes", "Call first")
    people = {t.tab: t for t in report.tabs}["People"]
    changed = next(c for c in people.changed if c.column == "checkin_status")
    write_cell(backend, config, "people", changed.key, "checkin_status", "red")

    undone = undo_run(backend, config, now=LATER)

    assert CellLeft("Tasks", new_task, "", "row edited since") in undone.left
    assert CellLeft("People", changed.key, "checkin_status", "changed since") in undone.left
    assert len(undone.left) == 2
    assert records(backend, config, "tasks")[new_task]["notes"] == "Call first"
    assert records(backend, config, "people")[changed.key]["checkin_status"] == "red"
    # Everything else is as before the run.
    after = sheet(backend)
    assert after["Needs"] == before["Needs"]
    person = records(backend, config, "people")[changed.key]
    assert person["checkin_note"] == "" and person["checkin_hours"] == ""


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(before_second_run):
    backend, config = before_second_run
    report = weekly(backend, config)
    everything = all_values(backend)
    undone = undo_run(backend, config, dry_run=True)
    assert all_values(backend) == everything
    assert undone.dry_run and undone.undo_id == ""
    assert len([r for r in undone.reverted if r.what == "reverted"]) == report.cells_changed
    assert len([r for r in undone.reverted if r.what == "row blanked"]) == report.rows_added


def test_an_older_run_is_undone_where_later_runs_left_its_cells(before_second_run):
    backend, config = before_second_run
    first_id = run_ids(read_records(read_state(backend, config).tables["changes"]))[0]
    weekly(backend, config)
    undone = undo_run(backend, config, first_id, now=LATER)
    assert undone.run_id == first_id
    assert undone.notices and "not the newest run recorded" in undone.notices[0]
    # A row the second run changed is no longer as the first run wrote it: it stays.
    assert any(left.why == "row edited since" for left in undone.left)


def test_nothing_to_undo_and_an_unknown_run_say_what_there_is(backend, config):
    with pytest.raises(NothingToUndoError, match="records no run yet"):
        undo_run(backend, config)


def test_an_unknown_run_lists_the_runs_kept(before_second_run):
    backend, config = before_second_run
    report = weekly(backend, config)
    with pytest.raises(NothingToUndoError, match=f"R20990101.*{report.run_id}"):
        undo_run(backend, config, "R20990101-000000")


def _config_file(tmp_path: Path, workbook: Path) -> Path:
    path = tmp_path / "sheetsync.toml"
    zones = ", ".join(f'"{z}"' for z in ZONES)
    path.write_text(
        f'[network]\nname = "Test network"\nzones = [{zones}]\ntimezone = "America/Chicago"\n'
        f'[backend]\nkind = "local"\nworkbook = "{workbook}"\n'
    )
    return path


def test_the_command_lists_what_it_reverted_and_left_without_personal_values(
    before_second_run, tmp_path
):
    backend, config = before_second_run
    report = weekly(backend, config)
    task = {t.tab: t for t in report.tabs}["Tasks"].added_ids[0]
    write_cell(backend, config, "tasks", task, "notes", "Joe's neighbour has the key")
    path = _config_file(tmp_path, config.workbook)
    runner = CliRunner()

    dry = runner.invoke(cli, ["--config", str(path), "undo", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0].startswith(
        f"Undo (dry run, nothing written) of run {report.run_id}"
    )

    done = runner.invoke(cli, ["--config", str(path), "--verbose", "undo"])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert f"  ! Tasks {task}: row edited since" in lines
    assert "  ~ People P0001 checkin_note: reverted" in lines
    assert (
        lines[-1] == "The undo is recorded on the Changes tab: `sheetsync undo` again reverts it."
    )
    for word in ("Tired", "Joe", "Milk", "neighbour", "555"):
        assert word not in done.stdout

    as_json = runner.invoke(cli, ["--config", str(path), "undo", "--json"])
    data = json.loads(as_json.stdout)
    assert data["run_id"].startswith("U") and data["left"] == []
    assert "Tired" not in as_json.stdout

    nothing = runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "undo"])
    assert nothing.exit_code == 1


def test_forget_empties_their_values_from_the_record_and_undo_leaves_those_cells(
    before_second_run,
):
    from sheetsync.forget import forget_person

    backend, config = before_second_run
    weekly(backend, config)
    values = [
        (r.old, r.new)
        for r in read_records(read_state(backend, config).tables["changes"])
        if r.key == "P0001"
    ]
    assert ("", "Tired this week") in values
    forget_person(backend, config, "P0001")
    record = read_records(read_state(backend, config).tables["changes"])
    assert not [r for r in record if "Tired" in r.old + r.new + r.rows]
    assert not [r for r in record if r.key == "P0001" and r.kind == "changed" and (r.old or r.new)]
    undone = undo_run(backend, config, now=LATER)
    assert CellLeft("People", "P0001", "checkin_note", "forgotten") in undone.left


# Google Sheets, through the emulator


def test_on_google_sheets_undo_gives_back_the_sheet_in_one_write(
    sheets_emulator, service_account_key, tmp_path
):
    from tests.test_google_backend import WRITE_KINDS, Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    net.add_form_rows("requests", [request(), request(name="Ann Bell", email="ann@example.org")])
    net.add_form_rows("offers", [offer()])
    weekly(net.backend(), net.config, now=NOW - dt.timedelta(days=1))
    net.add_form_rows("checkins", [checkin(checkin_note="Tired this week")])
    net.add_form_rows("requests", [request(name="Joe Park", email="joe@example.org")])
    before = {t: v for t, v in net.snapshot().items() if t not in BOOKKEEPING}

    sheets_emulator.reset_requests()
    report = weekly(net.backend(), net.config)
    assert len(sheets_emulator.api_requests()) <= 4  # the record is in the run's one write
    assert report.rows_added and report.cells_changed

    sheets_emulator.reset_requests()
    undone = undo_run(net.backend(), net.config, now=LATER)
    writes = [r for r in sheets_emulator.api_requests() if r.kind in WRITE_KINDS]
    assert len(writes) == 1
    assert undone.left == []
    assert {t: v for t, v in net.snapshot().items() if t not in BOOKKEEPING} == before


# Any history: run + undo leaves each cell as before the run, or as an organizer typed it


@pytest.fixture(scope="module")
def first_run_book(tmp_path_factory) -> Path:
    """A workbook after a first weekly run, with responses the next run takes in."""
    folder = tmp_path_factory.mktemp("undo-property")
    config = make_config(folder / "network.xlsx")
    store = WorkbookBackend(folder / "network.xlsx")
    init_spreadsheet(store, config)
    from sheetsync.backends.base import TabChanges
    from sheetsync.schema import load_schemas

    schemas = load_schemas()

    def add(form, tab, *responses):
        rows = store.read_tabs([tab])[tab].rows
        store.apply(
            [
                TabChanges(
                    tab=tab,
                    start_row=len(rows) + 1,
                    append=[[r.get(n, "") for n in schemas[form].names] for r in responses],
                )
            ]
        )

    add("requests", "Form Responses 1", request(), request(name="Ann Bell", categories="Rides"))
    add("offers", "Form Responses 2", offer(offers="Groceries, Rides"))
    weekly(store, config, now=NOW - dt.timedelta(days=1))
    add("requests", "Form Responses 1", request(name="Joe Park", email="joe@example.org"))
    add("checkins", "Form Responses 3", checkin())
    return folder / "network.xlsx"


# (logical tab, column) an organizer may type in: theirs, and sheetsync's (replaced next run)
TYPED_IN = [
    ("tasks", "notes"),
    ("tasks", "status"),
    ("needs", "notes"),
    ("needs", "status"),
    ("people", "zone"),
    ("people", "notes"),
    ("load", "notes"),
]
edit = st.tuples(st.sampled_from(TYPED_IN), st.integers(0, 3), st.sampled_from(["x", "done", ""]))


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before_run=st.lists(edit, max_size=3), after_run=st.lists(edit, max_size=3))
def test_any_history_run_then_undo_leaves_cells_as_before_or_as_typed(
    first_run_book, before_run, after_run
):
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "network.xlsx"
        shutil.copy(first_run_book, book)
        config = make_config(book)
        store = WorkbookBackend(book)
        _type(store, config, before_run)
        before = _cells(store, config)
        weekly(store, config)
        typed = _type(store, config, after_run)
        undone = undo_run(store, config, now=LATER)
        after = _cells(store, config)
        left_rows = {(left.tab, left.key) for left in undone.left if left.column == ""}
        for (tab, key, column), value in after.items():
            if (tab, key) in left_rows:
                continue  # a row the run added and an organizer edited: kept whole, listed
            wanted = {before.get((tab, key, column), ""), typed.get((tab, key, column), "")}
            assert value in wanted, (tab, key, column)
        for (tab, key, column), value in before.items():
            if (tab, key, column) not in typed:
                assert after.get((tab, key, column), "") == value, (tab, key, column)


def _type(store, config, edits) -> dict[tuple[str, str, str], str]:
    """An organizer types each edit in the row it picks (by position); what was typed, by
    (tab, key, column)."""
    typed = {}
    for (logical, column), pick, value in edits:
        table = read_state(store, config).tables[logical]
        keys = [k for k in table.frame[table.schema.primary_key] if k]
        if not keys:
            continue
        key = keys[pick % len(keys)]
        write_cell(store, config, logical, key, column, value)
        typed[(table.tab, key, column)] = value
    return typed


def _cells(store, config) -> dict[tuple[str, str, str], str]:
    """Every cell of People, Needs, Tasks and Load with something in it, by (tab, row id,
    column)."""
    state = read_state(store, config)
    cells = {}
    for logical in ("people", "needs", "tasks", "load"):
        table = state.tables[logical]
        key = table.schema.primary_key
        for record in table.frame.to_dict("records"):
            for column in table.schema.names:
                if record[column] and record[key]:
                    cells[(table.tab, record[key], column)] = record[column]
    return cells
