"""init (bootstrap): creates what is missing, changes nothing the second time, loses nothing."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.errors import MissingColumnError, MissingTabError
from sheetsync.jobs import find_job, run_job
from tests.conftest import NOW


def test_init_twice_changes_nothing(backend, config):
    before = config.workbook.read_bytes()
    report = init_spreadsheet(backend, config)
    assert not report.changed
    assert config.workbook.read_bytes() == before


def test_a_missing_column_is_added_after_the_widest_row(backend, config):
    people = backend.read_tabs(["People"])["People"].rows[0]
    width = len(people)
    # An organizer's note in the first free column, without a header; then a column goes.
    backend.apply(
        [
            TabChanges(
                "People",
                start_row=2,
                append=[["P0001", "Ana"]],
                update=[CellUpdate(1, width, None)],
            )
        ]
    )
    backend.apply(
        [
            TabChanges(
                "People",
                start_row=3,
                update=[CellUpdate(2, width + 1, "called 11/21, call back Fri")],
            )
        ]
    )
    report = init_spreadsheet(backend, config)
    assert report.added_columns == {"People": [people[-1]]}
    rows = backend.read_tabs(["People"])["People"].rows
    assert rows[1][width] == "called 11/21, call back Fri"
    assert rows[0][width + 1] == people[-1]


def test_init_will_not_re_add_an_id_column_to_a_tab_with_rows(backend, config):
    backend.apply(
        [
            TabChanges(
                "People",
                start_row=2,
                append=[["P0001", "Ana"]],
                update=[CellUpdate(1, 1, "renamed")],
            )
        ]
    )
    with pytest.raises(MissingColumnError, match=r"restore it .*rather than adding it again"):
        init_spreadsheet(backend, config)


def test_an_empty_form_tab_gets_its_headers_from_init(tmp_path, config):
    store = WorkbookBackend(config.workbook)
    store.apply(
        [
            TabChanges("Form Responses 1", create=True, append=[["placeholder"]]),
            TabChanges("Form Responses 2", create=True, append=[["x"]]),
        ]
    )
    store.apply([TabChanges("Form Responses 1", start_row=2, update=[CellUpdate(1, 1, None)])])
    init_spreadsheet(store, config)
    assert store.read_tabs(["Form Responses 1"])["Form Responses 1"].rows[0][:2] == [
        "Timestamp",
        "Your name",
    ]


def test_an_empty_form_tab_is_explained_by_a_run(backend, config):
    backend.apply(
        [
            TabChanges(
                "Form Responses 2",
                start_row=2,
                update=[CellUpdate(1, c, None) for c in range(1, 13)],
            )
        ]
    )
    with pytest.raises(
        MissingColumnError,
        match=re.escape("Tab 'Form Responses 2' is empty: it has no header row yet. Link the form"),
    ):
        run_job(find_job("weekly", config), backend, config, now=NOW)


def test_a_missing_workbook_says_to_run_init(config):
    with pytest.raises(
        MissingTabError, match=re.escape("has no tabs, or does not exist yet. Run `sheetsync init`")
    ):
        run_job(find_job("weekly", config), WorkbookBackend(config.workbook), config, now=NOW)


def test_demo_network_end_to_end_against_its_ground_truth(tmp_path, config):
    from sheetsync.demo import DEMO, generate
    from sheetsync.demo.network import create_demo
    from sheetsync.jobs import read_state

    store = WorkbookBackend(config.workbook)
    create_demo(store, config, now=NOW)
    report = run_job(find_job("weekly", config), store, config, now=NOW)
    truth = generate(DEMO, now=NOW, zones=config.zones).truth
    tabs = {
        "requests": "Form Responses 1",
        "offers": "Form Responses 2",
        "checkins": "Form Responses 3",
    }
    expected_errors = {f"{tabs[r.form]}:{r.row + 2}" for r in truth.invalid_rows}
    state = read_state(store, config)
    errors = set(state.tables["errors"].frame["source"])
    assert errors == expected_errors
    # Nobody is merged with another real person: every People row holds one true person.
    true_person = {
        f"{tabs[form]}:{i + 2}": pid
        for form, ids in truth.person_ids.items()
        for i, pid in enumerate(ids)
    }
    for sources in state.tables["people"].frame["source"]:
        owners = {true_person[ref] for ref in sources.split("; ") if ref}
        assert len(owners) <= 1, sources
    counts = report.step("intake").counts
    assert counts["responses"] == 120 and counts["invalid"] == len(expected_errors)
    assert counts["new_people"] >= truth.people  # unsure pairs stay apart for dedupe


def test_init_needs_neither_the_jobs_nor_the_demo():
    # init only creates tabs and columns; `init --demo` is sheetsync.demo.network's to do.
    code = (
        "import sys, sheetsync.bootstrap; "
        "print(sorted(m for m in sys.modules "
        "if m.startswith(('sheetsync.jobs', 'sheetsync.demo'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_form_rows_go_only_into_the_form_tabs_init_creates(config):
    store = WorkbookBackend(config.workbook)
    store.apply([TabChanges("Form Responses 2", create=True, append=[["x"]])])
    report = init_spreadsheet(
        store, config, form_rows={"requests": [["first answer"]], "offers": [["not written"]]}
    )
    assert "Form Responses 1" in report.created_tabs
    assert "Form Responses 2" not in report.created_tabs
    tabs = store.read_tabs(["Form Responses 1", "Form Responses 2"])
    assert [row[:1] for row in tabs["Form Responses 1"].rows] == [["Timestamp"], ["first answer"]]
    assert [row[:1] for row in tabs["Form Responses 2"].rows] == [["x"]]
