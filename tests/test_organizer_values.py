"""Values organizers type in their own columns: a bad one (a task status "donee", a
decision "yes", a rest "next tuesday") goes to the Errors tab with tab, row, column, value,
owner and what to write; `sheetsync check` lists it and exits 1; the run's message tells it
apart from form responses; it stops nothing, and it resolves once fixed."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.cli import cli
from sheetsync.cli_render import report_lines
from sheetsync.jobs import check_spreadsheet, find_job, read_state, run_job
from sheetsync.report import IssueCode
from sheetsync.schema import Owner, load_schemas
from sheetsync.statuses import ORGANIZER_FORM, ErrorStatus
from sheetsync.steps.organizer_values import MEANWHILE, VALUES_TO_FIX, bad_values
from tests.conftest import NOW, request, write_cell
from tests.test_match import records, volunteer_offer, weekly
from tests.test_withdraw import run_steps

LATER = NOW + dt.timedelta(hours=1)


def organizer_rows(backend, config):
    return {
        (e["source"], e["fields"]): e
        for e in records(backend, config, "errors")
        if e["form"] == ORGANIZER_FORM
    }


@pytest.fixture
def network(backend, config, add_responses):
    """Maria asks for groceries; Sam and Ana can help; the weekly run proposed a task."""
    add_responses("requests", request())
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
    )
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    return task


def person(backend, config, name):
    return next(p for p in records(backend, config, "people") if p["name"] == name)


# (logical tab, column, bad value, quoted on the Errors tab, words of the fix)
BAD = [
    ("tasks", "status", "donee", True, "write proposed, accepted, done, declined"),
    ("tasks", "due", "someday", True, "write a date, e.g."),
    ("tasks", "hours", "lots", True, "write a number of 0 or more"),
    ("tasks", "continues", "maybe", True, "write yes or no"),
    ("people", "consent_override", "maybe later", False, "write yes, first name or no"),
    ("people", "weekly_email", "sure", False, "write yes or no"),  # People: never quoted
    ("load", "rest_until", "next tuesday", True, "write a date, e.g. 2026-11-30, or yes or no"),
]


# Free text typed in a column of words is described, never quoted: it is about a person,
# and the Errors tab's reasons reach the organizers' digest.
NOT_QUOTED = [
    ("tasks", "status", "only after her chemo ends"),
    ("people", "weekly_email", "only after her chemo ends"),
    ("people", "weekly_email", "sure"),
]


@pytest.mark.parametrize(("logical", "column", "value"), NOT_QUOTED)
def test_free_text_in_a_column_of_words_is_not_quoted(
    backend, config, network, logical, column, value
):
    key = _key_of(backend, config, logical, network)
    write_cell(backend, config, logical, key, column, value)
    weekly(backend, config, now=LATER)
    tab = read_state(backend, config).tables[logical].tab
    error = organizer_rows(backend, config)[(f"{tab}:{key}", column)]
    assert error["status"] == "open" and "write" in error["reason"]
    assert value not in error["reason"] and "chemo" not in error["reason"]


# What an organizer writes to fix it (empty, where an empty cell is fine).
FIXED = {"status": "Accepted", "due": "2026-11-30", "hours": "1.5", "weekly_email": "Yes"}


def _key_of(backend, config, logical, task):
    if logical == "tasks":
        return task["task_id"]
    return person(backend, config, "Sam Lee")["person_id"]


@pytest.mark.parametrize(("logical", "column", "value", "quoted", "fix"), BAD)
def test_a_bad_organizer_value_is_an_errors_row_until_fixed(
    backend, config, network, logical, column, value, quoted, fix
):
    key = _key_of(backend, config, logical, network)
    write_cell(backend, config, logical, key, column, value)
    tab = read_state(backend, config).tables[logical]
    [row] = [r["_row"] for r in tab.frame.to_dict("records") if r[tab.schema.primary_key] == key]
    report = weekly(backend, config, now=LATER)

    source = f"{tab.tab}:{key}"
    rows = organizer_rows(backend, config)
    assert set(rows) == {(source, column)}
    error = rows[(source, column)]
    assert (error["tab"], error["row"], error["status"]) == (tab.tab, str(row), "open")
    assert error["name"] == "" and error["person_id"] == ""
    assert fix in error["reason"] and "Owner: organizers" in error["reason"]
    assert (f"('{value}')" in error["reason"]) is quoted
    assert report.step("check").counts[VALUES_TO_FIX] == 1
    [issue] = [i for i in report.issues if i.code is IssueCode.ORGANIZER_VALUE]
    assert (issue.tab, issue.row, issue.field) == (tab.tab, row, column)
    assert value not in issue.message  # the run report reaches logs: never the value

    write_cell(backend, config, logical, key, column, FIXED.get(column, ""))
    report = weekly(backend, config, now=LATER + dt.timedelta(hours=1))
    assert organizer_rows(backend, config)[(source, column)]["status"] == "resolved"
    assert report.step("check").counts[VALUES_TO_FIX] == 0


def test_a_decision_yes_is_read_as_same_and_reported(backend, config, network):
    sam = person(backend, config, "Sam Lee")["person_id"]
    ana = person(backend, config, "Ana Diaz")["person_id"]
    table = read_state(backend, config).tables["duplicates"]
    values = {"pair_id": "D0900", "person_a": sam, "person_b": ana, "decision": "yes"}
    row = [values.get(f.name, "") for f in table.schema.fields]
    backend.apply([TabChanges("Duplicates", start_row=table.n_rows + 1, append=[row])])
    weekly(backend, config, now=LATER)
    error = organizer_rows(backend, config)[("Duplicates:D0900", "decision")]
    assert error["status"] == ErrorStatus.OPEN
    assert "('yes')" in error["reason"] and "write same or different" in error["reason"]
    assert "sheetsync reads it as same" in error["reason"]


def test_a_task_status_fixed_resolves_and_a_new_typo_reopens(backend, config, network):
    task_id = network["task_id"]
    write_cell(backend, config, "tasks", task_id, "status", "donee")
    weekly(backend, config, now=LATER)
    write_cell(backend, config, "tasks", task_id, "status", "Done")
    weekly(backend, config, now=LATER + dt.timedelta(hours=1))
    [error] = organizer_rows(backend, config).values()
    assert error["status"] == "resolved"
    write_cell(backend, config, "tasks", task_id, "status", "dnoe")
    weekly(backend, config, now=LATER + dt.timedelta(hours=2))
    [again] = organizer_rows(backend, config).values()
    assert (again["error_id"], again["status"]) == (error["error_id"], "open")


def test_a_bad_task_status_counts_as_live_so_nobody_is_overbooked(backend, config, network):
    write_cell(backend, config, "tasks", network["task_id"], "status", "donee")
    report = weekly(backend, config, now=LATER)
    tasks = records(backend, config, "tasks")
    assert len(tasks) == 1  # the need is still matched: not proposed to someone else
    [need] = records(backend, config, "needs")
    assert need["status"] == "matched"
    [error] = organizer_rows(backend, config).values()
    assert "counts the task as proposed" in error["reason"]
    assert report.outcome == "ok"


def test_intake_leaves_organizer_rows_alone(backend, config, network):
    write_cell(backend, config, "tasks", network["task_id"], "status", "donee")
    weekly(backend, config, now=LATER)
    before = [e for e in records(backend, config, "errors") if e["form"] == ORGANIZER_FORM]
    results = run_steps(backend, config, now=LATER, steps=["intake"])
    after = results["frames"]["errors"]
    assert [e for e in after if e["form"] == ORGANIZER_FORM] == before


def test_the_hourly_job_reports_them_too(backend, config, network):
    write_cell(backend, config, "tasks", network["task_id"], "status", "donee")
    report = run_job(find_job("intake", config), backend, config, now=LATER)
    assert report.step("check").counts[VALUES_TO_FIX] == 1
    [error] = organizer_rows(backend, config).values()
    assert error["status"] == "open"


def test_the_run_message_tells_form_responses_from_organizer_values(
    backend, config, network, add_responses
):
    add_responses("requests", request(name="", phone="", email=""))
    write_cell(backend, config, "tasks", network["task_id"], "status", "donee")
    write_cell(backend, config, "tasks", network["task_id"], "hours", "lots")
    report = weekly(backend, config, now=LATER)
    lines = list(report_lines(report, "the workbook", verbose=False))
    assert "1 form responses to fix; they are on the Errors tab:" in lines
    assert "2 values in your tabs to fix (Tasks); they are on the Errors tab:" in lines
    assert not any("need fixing" in line for line in lines)
    # The match step's own warning about the same cell is not listed twice.
    assert not any("has a status sheetsync does not know" in line for line in lines)


def test_sheetsync_check_lists_them_and_exits_1(backend, config, network, tmp_path):
    write_cell(backend, config, "tasks", network["task_id"], "status", "donee")
    result = check_spreadsheet(backend, config, now=LATER)
    assert result.counts[VALUES_TO_FIX] == 1
    [issue] = [i for i in result.issues if i.code is IssueCode.ORGANIZER_VALUE]
    assert (issue.tab, issue.field) == ("Tasks", "status")

    toml = tmp_path / "sheetsync.toml"
    toml.write_text(
        '[network]\nname = "Test network"\nzones = ["Northside", "Eastside", "Southside", '
        '"Westside", "Downtown"]\ndefault_region = "US"\ntimezone = "America/Chicago"\n'
        f'[backend]\nkind = "local"\nworkbook = "{config.workbook}"\n',
        encoding="utf-8",
    )
    out = CliRunner().invoke(cli, ["--config", str(toml), "check"])
    assert out.exit_code == 1, out.output
    assert "1 values in your tabs to fix (Tasks)" in out.output
    assert f"status on Tasks row 2, {network['task_id']} is not a value" in out.output
    assert "donee" not in out.output


def test_every_organizer_column_with_a_rule_has_a_reading_meanwhile():
    ruled = {
        (schema.name, f.name)
        for schema in load_schemas().values()
        for f in schema.fields
        if f.owner is Owner.ORGANIZER and (f.enum or f.required or f.type.value != "string")
    }
    assert ruled == set(MEANWHILE)


@pytest.mark.parametrize(
    ("logical", "column"), [(t, c) for (t, c, *_) in BAD] + [("duplicates", "decision")]
)
def test_every_value_the_schema_allows_passes(config, logical, column):
    spec = load_schemas()[logical].field(column)
    for value in spec.enum or ():
        state_like = _one_row_table(logical, column, value.upper())
        assert bad_values({logical: state_like}, config) == []


def _one_row_table(logical, column, value):
    import pandas as pd

    from sheetsync.tables import ROW, Table

    schema = load_schemas()[logical]
    # Every required column holds a good value but the one under test.
    good = {f.name: f.enum[0] for f in schema.fields if f.required and f.enum}
    frame = pd.DataFrame([{**dict.fromkeys(schema.names, ""), **good, column: value, ROW: 2}])
    header = [f.title for f in schema.fields]
    return Table(schema, schema.tab, header, {n: i for i, n in enumerate(schema.names)}, frame, 2)


ORGANIZER_COLUMNS = sorted(
    (schema.name, f.name)
    for schema in load_schemas().values()
    if schema.kind == "tab" and schema.name != "board"  # the board's claims: docs/board.md
    for f in schema.fields
    if f.owner is Owner.ORGANIZER
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    typed=st.lists(
        st.tuples(st.sampled_from(ORGANIZER_COLUMNS), st.text(max_size=30)),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_in_any_organizer_cell_never_stops_a_run(backend, config, network, typed):
    """Whatever organizers type in their columns, the run ends well, every response is a
    record or an Errors row, and each bad value has its row."""
    state = read_state(backend, config)
    updates: dict[str, list[CellUpdate]] = {}
    for (logical, column), text in typed:
        table = state.tables[logical]
        if table.n_rows >= 2:
            updates.setdefault(logical, []).append(CellUpdate(2, table.columns[column] + 1, text))
    backend.apply(
        [
            TabChanges(state.tables[t].tab, start_row=state.tables[t].n_rows + 1, update=cells)
            for t, cells in updates.items()
        ]
    )
    report = weekly(backend, config, now=LATER)
    assert report.outcome == "ok"
    state = read_state(backend, config)
    responses = sum(len(f.frame) for f in state.forms.values())
    used = {s for p in records(backend, config, "people") for s in p["source"].split("; ") if s}
    errors = {
        e["source"]
        for e in records(backend, config, "errors")
        if e["form"] not in ("sheetsync check", ORGANIZER_FORM) and e["status"] == "open"
    }
    assert len(used) + len(errors) == responses
    bad = bad_values(state.tables, config)
    rows = organizer_rows(backend, config)
    assert {(b.source, b.field) for b in bad} <= {
        k for k, r in rows.items() if r["status"] == "open"
    }


@pytest.fixture
def google(sheets_emulator, service_account_key, tmp_path):
    """A Google spreadsheet on the emulator, initialised, with a task proposed to Sam."""
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    net.add_form_rows("requests", [request()])
    net.add_form_rows(
        "offers",
        [
            volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
            volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
        ],
    )
    weekly(net.backend(), net.config)
    return net


def test_on_google_a_bad_status_is_an_errors_row_and_a_renamed_header_comes_back(google):
    config = google.config
    [task] = records(google.backend(), config, "tasks")
    google.emulator.set_values(google.id, "Tasks", "I2", [["donee"]])
    report = weekly(google.backend(), config, now=LATER)
    assert report.step("check").counts[VALUES_TO_FIX] == 1
    [error] = organizer_rows(google.backend(), config).values()
    assert (error["source"], error["tab"], error["row"], error["fields"]) == (
        f"Tasks:{task['task_id']}",
        "Tasks",
        "2",
        "status",
    )
    assert "('donee')" in error["reason"] and error["status"] == "open"

    google.emulator.set_values(google.id, "Tasks", "I1:I2", [["Task status"], ["accepted"]])
    report = init_spreadsheet(google.backend(), config)
    assert report.renamed_columns == {"Tasks": [("Task status", "status")]}
    weekly(google.backend(), config, now=LATER + dt.timedelta(hours=1))
    [task] = records(google.backend(), config, "tasks")
    assert task["status"] == "accepted"
    [error] = organizer_rows(google.backend(), config).values()
    assert error["status"] == "resolved"
