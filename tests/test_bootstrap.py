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


def _tasks_with_statuses(backend, config, add_responses):
    """A network whose Tasks tab has rows with organizers' statuses on them."""
    from tests.conftest import request, write_cell
    from tests.test_match import records, volunteer_offer, weekly

    add_responses("requests", request(), request(name="Ana Diaz", phone="201-555-0199"))
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
        volunteer_offer("Bo Chen", "201-555-0171", "bo@example.net"),
    )
    weekly(backend, config)
    tasks = records(backend, config, "tasks")
    assert len(tasks) == 2
    for task, status in zip(tasks, ("accepted", "done"), strict=True):
        write_cell(backend, config, "tasks", task["task_id"], "status", status)
    return {t["task_id"]: s for t, s in zip(tasks, ("accepted", "done"), strict=True)}


def _rename_header(backend, config, logical, column, header):
    from sheetsync.jobs import read_state

    table = read_state(backend, config).tables[logical]
    update = CellUpdate(1, table.columns[column] + 1, header)
    backend.apply([TabChanges(table.tab, start_row=table.n_rows + 1, update=[update])])


@pytest.mark.parametrize("header", ["Status", " task status ", "Stauts", "STATUS"])
def test_init_gives_a_renamed_status_column_its_name_back_keeping_every_status(
    backend, config, add_responses, header
):
    from tests.test_match import records, weekly

    statuses = _tasks_with_statuses(backend, config, add_responses)
    _rename_header(backend, config, "tasks", "status", header)
    with pytest.raises(MissingColumnError, match="The column is the organizers'"):
        weekly(backend, config)
    report = init_spreadsheet(backend, config)
    assert report.renamed_columns == {"Tasks": [(header.strip(), "status")]}
    assert report.added_columns == {}
    assert {t["task_id"]: t["status"] for t in records(backend, config, "tasks")} == statuses
    assert weekly(backend, config).outcome == "ok"
    assert {t["task_id"]: t["status"] for t in records(backend, config, "tasks")} == statuses


def test_init_stops_with_advice_when_it_cannot_tell_which_column_status_became(
    backend, config, add_responses
):
    _tasks_with_statuses(backend, config, add_responses)
    _rename_header(backend, config, "tasks", "status", "Where it's at")
    before = config.workbook.read_bytes()
    with pytest.raises(MissingColumnError) as stopped:
        init_spreadsheet(backend, config)
    message = str(stopped.value)
    assert message.startswith("Column 'status' is missing from tab 'Tasks', which has rows")
    assert "'Where it's at' (column I) could be it" in message
    assert "The column is the organizers'" in message
    assert "Rename the right column back to 'status'" in message
    assert config.workbook.read_bytes() == before


def test_a_close_header_whose_values_do_not_fit_is_not_taken_for_the_column(
    backend, config, add_responses
):
    """Statuses replaced by notes under a header like 'status': init asks, it does not
    rename a column of notes into the status column."""
    from sheetsync.jobs import read_state

    statuses = _tasks_with_statuses(backend, config, add_responses)
    table = read_state(backend, config).tables["tasks"]
    column = table.columns["status"] + 1
    notes = [CellUpdate(row, column, "called twice") for row in range(2, 2 + len(statuses))]
    backend.apply(
        [
            TabChanges(
                "Tasks",
                start_row=table.n_rows + 1,
                update=[CellUpdate(1, column, "Status"), *notes],
            )
        ]
    )
    with pytest.raises(MissingColumnError, match=r"'Status' .*could be it"):
        init_spreadsheet(backend, config)


def test_a_renamed_sheetsync_column_is_named_back_too(backend, config, add_responses):
    from tests.test_match import records

    _tasks_with_statuses(backend, config, add_responses)
    volunteers = [t["volunteer_id"] for t in records(backend, config, "tasks")]
    _rename_header(backend, config, "tasks", "volunteer_id", "Volunteer ID")
    report = init_spreadsheet(backend, config)
    assert report.renamed_columns == {"Tasks": [("Volunteer ID", "volunteer_id")]}
    assert [t["volunteer_id"] for t in records(backend, config, "tasks")] == volunteers


def test_a_missing_sheetsync_column_says_sheetsync_writes_it(backend, config, add_responses):
    from tests.test_match import weekly

    _tasks_with_statuses(backend, config, add_responses)
    _rename_header(backend, config, "tasks", "reasons", "")
    with pytest.raises(MissingColumnError, match="sheetsync writes this column"):
        weekly(backend, config)


def _organizer_column_in_place_of(backend, config, logical, column, header, typed):
    """The organizers' own column, `header`, holding `typed`, where sheetsync's `column`
    was (deleted, or its header typed over): returns the column's letter."""
    from sheetsync.jobs import read_state

    table = read_state(backend, config).tables[logical]
    col = table.columns[column] + 1
    cells = [CellUpdate(row, col, typed) for row in range(2, table.n_rows + 1)]
    update = [CellUpdate(1, col, header), *cells]
    backend.apply([TabChanges(table.tab, start_row=table.n_rows + 1, update=update)])
    return chr(ord("A") + col - 1)


@pytest.mark.parametrize(
    ("column", "header", "typed"),
    [
        ("reasons", "Decline reasons", "she said no: her mother is ill"),  # sheetsync writes it
        ("zone", "Delivery zone", "back door, not the front"),
        ("category", "Categroy", "Groceries"),  # a typo, but nothing says its values fit
        ("status", "Old status (2024)", "done"),  # the organizers': words of its own
    ],
)
def test_init_never_takes_an_organizers_column_for_another_without_asking(
    backend, config, add_responses, column, header, typed
):
    from tests.test_match import records, weekly

    _tasks_with_statuses(backend, config, add_responses)
    letter = _organizer_column_in_place_of(backend, config, "tasks", column, header, typed)
    before = config.workbook.read_bytes()
    with pytest.raises(MissingColumnError) as stopped:
        init_spreadsheet(backend, config)
    message = str(stopped.value)
    assert f"'{header}' (column {letter}) could be it" in message
    assert f"add an empty column headed '{column}'" in message
    assert typed not in message
    assert config.workbook.read_bytes() == before

    # The advice followed: a new empty column for sheetsync's; the organizers' keeps its text.
    rows = backend.read_tabs(["Tasks"])["Tasks"].rows
    added = CellUpdate(1, max(len(r) for r in rows) + 1, column)
    backend.apply([TabChanges("Tasks", start_row=len(rows) + 1, update=[added])])
    assert not init_spreadsheet(backend, config).renamed_columns
    assert weekly(backend, config).outcome == "ok"
    rows = backend.read_tabs(["Tasks"])["Tasks"].rows
    at = rows[0].index(header)
    assert [r[at] for r in rows[1:]] == [typed] * (len(rows) - 1)
    assert len(records(backend, config, "tasks")) == len(rows) - 1


def test_init_takes_a_status_column_headed_with_its_tabs_name(backend, config, add_responses):
    """'Tasks status' on Tasks is the status column: the extra word names the tab."""
    statuses = _tasks_with_statuses(backend, config, add_responses)
    _rename_header(backend, config, "tasks", "status", "Tasks status")
    report = init_spreadsheet(backend, config)
    assert report.renamed_columns == {"Tasks": [("Tasks status", "status")]}
    from tests.test_match import records

    assert {t["task_id"]: t["status"] for t in records(backend, config, "tasks")} == statuses
