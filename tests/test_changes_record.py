"""The Changes tab: each run's changes by tab, key and column, kept for the last runs, and
the dry run listing the same changes by key, personal values masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.changes import HOW_TO_UNDO, ChangeKind, added_checks, read_records, run_ids
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.errors import ConfigError
from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import NOW, all_values, checkin, offer, request, write_cell


def weekly(backend, config, now=NOW, **options):
    return run_job(find_job("weekly", config), backend, config, now=now, **options)


def recorded(backend, config):
    return read_records(read_state(backend, config).tables["changes"])


@pytest.fixture
def after_first_run(backend, config, add_responses):
    """Two requests and a volunteer, after the first weekly run."""
    add_responses(
        "requests",
        request(),
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org", categories="Rides"),
    )
    add_responses("offers", offer())
    report = weekly(backend, config, now=NOW - dt.timedelta(days=1))
    return backend, config, report


def test_a_first_run_records_its_added_rows_one_record_per_tab(after_first_run):
    backend, config, report = after_first_run
    records = recorded(backend, config)
    assert run_ids(records) == [report.run_id]
    assert {r.kind for r in records} == {ChangeKind.ROWS_ADDED}
    added = {r.tab: [key for key, _ in added_checks(r)] for r in records}
    assert added == {t.tab: t.added_ids for t in report.tabs}
    people = next(r for r in records if r.tab == "People")
    assert (people.key, people.new) == ("P0001–P0003", "3 rows added")
    # The tab tells how to undo, in its first row under the header.
    rows = all_values(backend)["Changes"]
    assert rows[0] == ["run_id", "tab", "key", "column", "kind", "old", "new", "rows"]
    assert rows[1] == [HOW_TO_UNDO]


def test_a_run_records_each_cell_it_changes_as_the_report_lists_it(after_first_run, add_responses):
    backend, config, first = after_first_run
    add_responses("checkins", checkin(checkin_note="Tired this week"))
    report = weekly(backend, config)
    records = recorded(backend, config)
    assert run_ids(records) == [report.run_id, first.run_id]  # newest first
    mine = [
        (r.tab, r.key, r.column, r.old, r.new)
        for r in records
        if r.run_id == report.run_id and r.kind == ChangeKind.CHANGED
    ]
    assert mine == [(t.tab, c.key, c.column, c.old, c.new) for t in report.tabs for c in t.changed]
    assert ("People", "P0001", "checkin_status", "", "green") in mine
    assert ("People", "P0001", "checkin_note", "", "Tired this week") in mine


def test_a_run_that_changes_nothing_adds_no_record(after_first_run):
    backend, config, _ = after_first_run
    before = all_values(backend)["Changes"]
    report = weekly(backend, config, now=NOW - dt.timedelta(days=1) + dt.timedelta(minutes=1))
    assert report.tabs == []
    assert all_values(backend)["Changes"] == before


def test_the_record_keeps_the_last_n_runs_and_blanks_older_rows(after_first_run):
    backend, config, first = after_first_run
    config = dataclasses.replace(config, keep_runs=2)
    runs = [first.run_id]
    for day in range(1, 5):
        # An organizer types in a sheetsync column: each run puts the value back.
        write_cell(backend, config, "people", "P0001", "zone", f"Zone {day}")
        runs.append(weekly(backend, config, now=NOW + dt.timedelta(days=day)).run_id)
    records = recorded(backend, config)
    assert run_ids(records) == [runs[-1], runs[-2]]
    rows = all_values(backend)["Changes"]
    # Rows of older runs are blanked, not left: the tab is the header, the how-to and two runs.
    assert len(rows) == 2 + len(records)


def test_keep_runs_is_checked_in_sheetsync_toml(tmp_path):
    base = {"network": {"zones": ["A"]}, "backend": {"kind": "local", "workbook": "n.xlsx"}}
    assert Config.from_dict({**base, "changes": {"keep_runs": 3}}).keep_runs == 3
    assert Config.from_dict(base).keep_runs == 5
    with pytest.raises(ConfigError, match=r"\[changes\] keep_runs .* from 1 to 100"):
        Config.from_dict({**base, "changes": {"keep_runs": 0}})


def test_a_spreadsheet_made_before_the_changes_tab_gets_it_from_the_next_run(
    config, add_responses, schemas
):
    assert config.workbook is not None
    store = WorkbookBackend(config.workbook)
    from sheetsync.bootstrap import init_spreadsheet

    init_spreadsheet(store, dataclasses.replace(config))
    # As if made by an older sheetsync: no Changes tab.
    import openpyxl

    book = openpyxl.load_workbook(config.workbook)
    del book["Changes"]
    book.save(config.workbook)
    store = WorkbookBackend(config.workbook)
    assert "Changes" not in store.list_tabs()
    add_responses("requests", request())
    report = weekly(store, config)
    assert "Changes" in store.list_tabs()
    assert any("Created the 'Changes' tab" in n for n in report.notices)
    assert run_ids(recorded(store, config)) == [report.run_id]


def test_dry_run_lists_changes_by_tab_key_and_column_with_personal_values_masked(
    after_first_run, add_responses, tmp_path
):
    backend, config, _ = after_first_run
    write_cell(backend, config, "people", "P0001", "zone", "Northside")
    add_responses("checkins", checkin(checkin_note="Tired this week"))
    path = tmp_path / "sheetsync.toml"
    path.write_text(
        '[network]\nname = "Test network"\nzones = ["Northside", "Eastside", "Southside", '
        '"Westside", "Downtown"]\ntimezone = "America/Chicago"\n'
        f'[backend]\nkind = "local"\nworkbook = "{config.workbook}"\n'
    )
    before = all_values(backend)
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--verbose", "run", "weekly", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  ~ People P0001 zone: Northside → Eastside" in lines
    assert "  ~ People P0001 checkin_status: (empty) → green" in lines
    assert "  ~ People P0001 checkin_note: (personal, changed)" in lines
    assert "Tired" not in result.output
    assert all_values(backend) == before  # a dry run writes nothing, the record neither

    result = CliRunner().invoke(
        cli, ["--config", str(path), "run", "weekly", "--dry-run", "--json"]
    )
    data = json.loads(result.stdout)
    people = next(t for t in data["tabs"] if t["tab"] == "People")
    assert {"row": 2, "key": "P0001", "column": "zone", "old": "Northside", "new": "Eastside"} in (
        people["changed"]
    )
    assert {"row": 2, "key": "P0001", "column": "checkin_note"} in people["changed"]
    assert "Tired" not in result.output
