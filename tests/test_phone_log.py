"""The Phone log: requests and offers typed by whoever took a call or a paper form, taken in
as form responses (sheetsync/intake/phone_log.py, docs/phone-log.md), on a temp workbook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import CellUpdate, TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config
from sheetsync.errors import FormRowsMovedError
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from tests.conftest import NOW, ZONES, all_values, make_config, spanish_network

TAB = "Phone log"
NAMES = load_schemas()["phone_log"].names


def phoned(**answers: Any) -> dict[str, Value]:
    """A request taken by phone with only what the Phone log requires, overridden by field."""
    base: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 20, 10, 0),
        "entered_by": "Dee",
        "kind": "Request",
        "name": "Rosa Diaz",
        "phone": "(201) 555-0188",
        "zone": "Eastside",
        "help": "Groceries",
        "urgency": "This week",
        "consent": "Yes",
    }
    base.update(answers)
    return base


def offered(**answers: Any) -> dict[str, Value]:
    """An offer taken by phone."""
    return phoned(
        **{
            "kind": "Offer",
            "name": "Ken Ito",
            "phone": "201-555-0177",
            "help": "Rides, Groceries",
            "urgency": "",
            "weekly_capacity": "2",
            "has_car": "Yes",
            **answers,
        }
    )


def log_rows(backend: WorkbookBackend, *rows: dict[str, Value]) -> None:
    """Type rows at the end of the Phone log."""
    n = len(backend.read_tabs([TAB])[TAB].rows)
    append = [[r.get(name, "") for name in NAMES] for r in rows]
    backend.apply([TabChanges(tab=TAB, start_row=n + 1, append=append)])


def type_cells(backend: WorkbookBackend, row: int, **answers: Value) -> None:
    """An organizer edits (or clears, with "") cells of a Phone log row."""
    n = len(backend.read_tabs([TAB])[TAB].rows)
    updates = [CellUpdate(row, NAMES.index(k) + 1, v) for k, v in answers.items()]
    backend.apply([TabChanges(tab=TAB, start_row=n + 1, update=updates)])


def weekly(backend: WorkbookBackend, config: Config) -> RunReport:
    return run_job(find_job("weekly", config), backend, config, now=NOW)


def records(backend: WorkbookBackend, config: Config, logical: str) -> list[dict[str, Any]]:
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def test_init_creates_the_phone_log_with_its_header(backend: WorkbookBackend) -> None:
    rows = backend.read_tabs([TAB])[TAB].rows
    assert rows == [[f.title for f in load_schemas()["phone_log"].fields]]


def test_a_phoned_request_becomes_a_person_and_a_need(backend, config) -> None:
    log_rows(backend, phoned(help="Groceries, Rides"))
    report = weekly(backend, config)
    counts = report.step("intake").counts
    assert (counts["responses"], counts["phone_log"], counts["valid"], counts["invalid"]) == (
        1,
        1,
        1,
        0,
    )
    [person] = records(backend, config, "people")
    assert (person["name"], person["phone"], person["roles"]) == (
        "Rosa Diaz",
        "+12015550188",
        "requester",
    )
    assert person["source"] == "Phone log:2"
    assert person["consent"] == "yes"
    needs = records(backend, config, "needs")
    assert [(n["category"], n["status"], n["source"], n["urgency"]) for n in needs] == [
        ("Groceries", "open", "Phone log:2", "This week"),
        ("Rides", "open", "Phone log:2", "This week"),
    ]


def test_a_phoned_offer_becomes_a_volunteer(backend, config) -> None:
    log_rows(backend, offered())
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert (person["roles"], person["offers"], person["weekly_capacity"], person["has_car"]) == (
        "volunteer",
        "Groceries, Rides",
        "2",
        "Yes",
    )
    assert person["source"] == "Phone log:2"
    assert records(backend, config, "needs") == []


def open_errors(backend: WorkbookBackend, config: Config) -> dict[str, dict[str, Any]]:
    return {e["source"]: e for e in records(backend, config, "errors") if e["status"] == "open"}


def test_a_row_missing_what_is_required_goes_to_errors_and_stays(backend, config) -> None:
    log_rows(backend, phoned(), phoned(name="Ana Ruiz", phone="", urgency="", entered_by=""))
    report = weekly(backend, config)
    counts = report.step("intake").counts
    assert (counts["responses"], counts["valid"], counts["invalid"]) == (2, 1, 1)
    error = open_errors(backend, config)["Phone log:3"]
    assert (error["form"], error["tab"], error["row"]) == ("Phone log", "Phone log", "3")
    assert error["fields"] == "Entered by, Phone, How urgent (requests)"
    assert error["reason"] == (
        "'Entered by' is empty; it is required. Needs 'Phone' or 'Email' or 'No phone? How to "
        "reach them': the response has neither. 'How urgent (requests)' is empty; it is required."
    )
    assert error["name"] == "Ana Ruiz"  # the Errors tab's name column, as for a form
    assert len(backend.read_tabs([TAB])[TAB].rows) == 3  # the row is still there, as typed
    assert [p["source"] for p in records(backend, config, "people")] == ["Phone log:2"]


def test_no_phone_but_a_way_to_reach_them_is_enough(backend, config) -> None:
    log_rows(backend, phoned(phone="", reach="Through her neighbour at no. 12", details="Bread"))
    report = weekly(backend, config)
    assert report.step("intake").counts["invalid"] == 0
    [need] = records(backend, config, "needs")
    assert need["details"] == "[How to reach them: Through her neighbour at no. 12] Bread"


def test_a_kind_typed_in_lower_case_is_read(backend, config) -> None:
    log_rows(backend, phoned(kind=" request"), offered(kind="OFFER"))
    report = weekly(backend, config)
    assert report.step("intake").counts["invalid"] == 0
    assert sorted(p["roles"] for p in records(backend, config, "people")) == [
        "requester",
        "volunteer",
    ]


def test_a_row_of_neither_kind_goes_to_errors(backend, config) -> None:
    log_rows(backend, phoned(kind="Maybe"), phoned(kind=""))
    weekly(backend, config)
    errors = open_errors(backend, config)
    assert sorted(errors) == ["Phone log:2", "Phone log:3"]
    assert {e["fields"] for e in errors.values()} == {"Request or offer"}
    assert records(backend, config, "people") == []


def test_an_offer_may_not_share_a_first_name_only(backend, config) -> None:
    log_rows(backend, offered(consent="First name only"))
    weekly(backend, config)
    assert open_errors(backend, config)["Phone log:2"]["fields"] == (
        "May we share their contact with who helps?"
    )


def test_an_edit_updates_its_records(backend, config) -> None:
    log_rows(backend, phoned(help="Groceries"))
    weekly(backend, config)
    type_cells(backend, 2, help="Rides", urgency="Today")
    weekly(backend, config)
    needs = records(backend, config, "needs")
    assert [(n["category"], n["status"], n["urgency"]) for n in needs] == [
        ("Groceries", "withdrawn", "This week"),
        ("Rides", "open", "Today"),
    ]


def test_a_request_typed_anew_as_an_offer_withdraws_its_needs(backend, config) -> None:
    log_rows(backend, phoned())
    weekly(backend, config)
    type_cells(backend, 2, kind="Offer", weekly_capacity="1")
    weekly(backend, config)
    [need] = records(backend, config, "needs")
    assert need["status"] == "withdrawn"
    [person] = records(backend, config, "people")
    assert person["roles"] == "volunteer"


def test_a_date_put_right_to_an_earlier_one_is_an_edit_not_a_moved_row(backend, config) -> None:
    log_rows(backend, phoned(timestamp=dt.datetime(2026, 11, 21, 9, 0)))
    weekly(backend, config)
    type_cells(backend, 2, timestamp=dt.datetime(2026, 11, 19, 9, 0))
    report = weekly(backend, config)
    assert report.step("intake").counts["valid"] == 1
    [need] = records(backend, config, "needs")
    assert need["status"] == "open"


def test_a_cleared_row_withdraws(backend, config) -> None:
    log_rows(backend, phoned(), offered())
    weekly(backend, config)
    type_cells(backend, 2, **dict.fromkeys(NAMES, ""))
    report = weekly(backend, config)
    assert report.step("intake").counts["blank_rows"] == 1
    [need] = records(backend, config, "needs")
    assert need["status"] == "withdrawn"
    people = {p["name"]: p["source"] for p in records(backend, config, "people")}
    assert people == {"Rosa Diaz": "", "Ken Ito": "Phone log:3"}


def test_who_entered_it_is_on_the_row_its_records_point_to(backend, config) -> None:
    log_rows(backend, phoned(entered_by="Dee"), offered(entered_by="Luis"))
    weekly(backend, config)
    rows = backend.read_tabs([TAB])[TAB].rows
    by_source = {
        f"{TAB}:{i}": row[NAMES.index("entered_by")] for i, row in enumerate(rows[1:], start=2)
    }
    [need] = records(backend, config, "needs")
    assert by_source[need["source"]] == "Dee"
    people = {p["roles"]: p["source"] for p in records(backend, config, "people")}
    assert by_source[people["volunteer"]] == "Luis"


def test_a_phoned_request_and_a_form_response_are_one_person(backend, config) -> None:
    from tests.conftest import FORM_OF, request

    rows = [
        [
            request(phone="(201) 555-0188", name="Rosa Diaz").get(n, "")
            for n in load_schemas()["requests"].names
        ]
    ]
    backend.apply([TabChanges(tab=FORM_OF["requests"], start_row=2, append=rows)])
    log_rows(backend, phoned())
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert person["source"] == "Form Responses 1:2; Phone log:2"


def test_a_spanish_network_takes_spanish_answers_on_its_phone_log(tmp_path: Path) -> None:
    store, config = spanish_network(tmp_path)
    header = store.read_tabs([TAB])[TAB].header
    assert header[:4] == ["Cuándo", "Anotado por", "Pedido u oferta", "Nombre"]
    log_rows(
        store,
        phoned(kind="Pedido", help="Comida, Transporte", urgency="Hoy", consent="Sí"),
        offered(kind="Oferta", help="Transporte", has_car="Sí", consent="No"),
    )
    report = weekly(store, config)
    assert report.step("intake").counts["invalid"] == 0
    needs = records(store, config, "needs")
    assert [(n["category"], n["urgency"]) for n in needs] == [
        ("Groceries", "Today"),
        ("Rides", "Today"),
    ]
    people = {p["roles"]: p for p in records(store, config, "people")}
    assert people["volunteer"]["offers"] == "Rides"
    assert people["volunteer"]["consent"] == "no"


# -- any history of typing, editing and clearing rows ---------------------------------------

_ROWS = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["Request", "Offer", "", "Other", "offer "]),
        "entered_by": st.sampled_from(["Dee", ""]),
        "help": st.sampled_from(["Groceries", "Rides, Meals", "Nope", ""]),
        "urgency": st.sampled_from(["Today", ""]),
        "weekly_capacity": st.sampled_from(["1", "", "99"]),
        "phone": st.sampled_from(["(201) 555-0188", "201-555-0177", "", "12"]),
        "reach": st.sampled_from(["", "Via the corner shop"]),
        "consent": st.sampled_from(["Yes", "No", "First name only", ""]),
    }
)
# A name or When put right: every row is typed with the same When and Name unless one is,
# so a request and an offer of one call share their stamp (row_moves.Recorded.holds).
_PUT_RIGHT = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["Rosa Díaz Soto", "Rosa Diaz"]),
        "timestamp": st.sampled_from(
            [dt.datetime(2026, 11, 19, 10, 0), dt.datetime(2026, 11, 20, 10, 0)]
        ),
    },
)
_EVENTS = st.one_of(
    st.tuples(st.just("add"), _ROWS),
    st.tuples(st.just("edit"), st.integers(0, 20), _ROWS),
    st.tuples(st.just("edit"), st.integers(0, 20), _PUT_RIGHT),
    st.tuples(st.just("clear"), st.integers(0, 20)),
)


def _apply(backend: WorkbookBackend, event: tuple[Any, ...]) -> None:
    """Type one event of a history on the Phone log (edits and clears of a row not there
    yet are no event)."""
    n = len(backend.read_tabs([TAB])[TAB].rows) - 1
    if event[0] == "add":
        log_rows(backend, phoned(**event[1]))
    elif n and event[0] == "edit":
        type_cells(backend, 2 + event[1] % n, **event[2])
    elif n:
        type_cells(backend, 2 + event[1] % n, **dict.fromkeys(NAMES, ""))


def _check_nothing_lost(backend: WorkbookBackend, config: Config, report: RunReport) -> None:
    """Every row typed is a person's or an open error, never both nor neither; the run's
    counts say the same."""
    rows = backend.read_tabs([TAB])[TAB].rows[1:]
    typed = {
        f"{TAB}:{i}" for i, row in enumerate(rows, start=2) if any(c not in ("", None) for c in row)
    }
    people = {
        ref for p in records(backend, config, "people") for ref in p["source"].split("; ") if ref
    }
    errors = set(open_errors(backend, config))
    assert people | errors == typed
    assert not people & errors
    intake = report.step("intake")
    if intake is not None:  # None: nothing changed since the last run, which was checked
        counts = intake.counts
        assert counts["responses"] == len(typed) == counts["valid"] + counts["invalid"]
        assert counts["phone_log"] == len(typed)  # the only tab with rows here
    asked = {n["source"] for n in records(backend, config, "needs") if n["status"] == "open"}
    k = NAMES.index("kind")
    kinds = {f"{TAB}:{i}": str(r[k] if k < len(r) else "") for i, r in enumerate(rows, start=2)}
    assert asked <= {ref for ref in people if kinds[ref].strip().casefold() == "request"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_EVENTS, min_size=1, max_size=4), min_size=1, max_size=3))
def test_no_phone_log_row_is_ever_lost(history: list[list[tuple[Any, ...]]]) -> None:
    """Each run goes on and loses nothing, or stops writing nothing (several rows cleared
    at the end at once; a swap by hand); one typed change alone never stops it. A stop is
    undone, as it asks."""
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder) / "network.xlsx")
        assert config.workbook is not None
        backend = WorkbookBackend(config.workbook)
        init_spreadsheet(backend, config)
        for run in history:
            good = _rows_typed(backend)
            for event in run:
                _apply(backend, event)
            before = all_values(backend)
            try:
                report = weekly(backend, config)
            except FormRowsMovedError:
                assert len(run) > 1
                after = all_values(backend)
                before.pop("Run log"), after.pop("Run log")
                assert after == before
                _retype(backend, good, before=len(_rows_typed(backend)))
                continue
            _check_nothing_lost(backend, config, report)


def test_forgetting_a_person_clears_their_phone_log_row(backend, config) -> None:
    from sheetsync.forget import forget_person

    log_rows(backend, phoned(details="Lives above the bakery"), offered())
    weekly(backend, config)
    [rosa] = [
        p["person_id"] for p in records(backend, config, "people") if p["name"] == "Rosa Diaz"
    ]
    forget_person(backend, config, rosa)
    rows = backend.read_tabs([TAB])[TAB].rows
    texts = {str(c) for c in rows[1] if c not in ("", None)}
    assert not texts & {"Rosa Diaz", "(201) 555-0188", "Lives above the bakery"}
    assert rows[2][NAMES.index("name")] == "Ken Ito"  # the other row is left alone


def test_init_gives_the_phone_log_dropdowns_in_the_network_language(tmp_path: Path) -> None:
    from sheetsync.formatting import format_plan

    store, config = spanish_network(tmp_path)
    headers = {TAB: store.read_tabs([TAB])[TAB].header}
    [tab] = [t for t in format_plan(load_schemas(), headers, config).tabs if t.tab == TAB]
    by_col = {c.col: c for c in tab.columns}
    assert by_col[NAMES.index("kind") + 1].choices == ("Pedido", "Oferta")
    assert by_col[NAMES.index("zone") + 1].choices == ZONES
    assert by_col[NAMES.index("help") + 1].choices == ()  # several answers: no dropdown
    assert by_col[NAMES.index("timestamp") + 1].date_check
    assert not any(c.owned for c in tab.columns)  # every cell is the organizers'


def test_a_run_formats_nothing_again_after_init(backend, config) -> None:
    log_rows(backend, phoned())
    assert weekly(backend, config).formatted == 0


# -- a row with no When; rows moved; a row retyped; someone reached only by a note ----------


def _rows_typed(backend: WorkbookBackend) -> list[list[Any]]:
    return [list(r) for r in backend.read_tabs([TAB])[TAB].rows[1:]]


def _retype(backend: WorkbookBackend, rows: list[list[Any]], before: int) -> None:
    """The Phone log's rows replaced by `rows` (`before` rows were there): a deletion or a
    sort done by hand, the rows left over emptied (a sheet reads them as no rows)."""
    width = len(NAMES)
    padded = [list(r) + [""] * (width - len(r)) for r in rows]
    padded += [[""] * width] * (before - len(rows))
    updates = [
        CellUpdate(i, c, v) for i, row in enumerate(padded, start=2) for c, v in enumerate(row, 1)
    ]
    backend.apply([TabChanges(tab=TAB, start_row=before + 2, update=updates)])


def test_an_empty_when_reads_as_the_run_that_first_took_the_row_in(backend, config) -> None:
    log_rows(backend, phoned(timestamp=""))
    first = weekly(backend, config)
    assert first.step("intake").counts["valid"] == 1
    [need] = records(backend, config, "needs")
    assert (need["status"], need["opened"]) == ("open", "2026-11-23 09:00")  # the run's time
    [note] = records(backend, config, "errors")
    assert (note["status"], note["fields"], note["source"]) == ("noted", "When", f"{TAB}:2")
    assert note["reason"] == (
        "'When' is empty: read as 2026-11-23 09:00, when sheetsync first took the row in. "
        "Type the date of the call or the paper form there."
    )
    assert _rows_typed(backend)[0][NAMES.index("timestamp")] in ("", None)  # never written
    later = run_job(find_job("weekly", config), backend, config, now=NOW + dt.timedelta(hours=2))
    assert later.rows_added == 0 and later.cells_changed == 0  # the same time, run after run
    assert records(backend, config, "needs")[0]["updated"] == "2026-11-23 09:00"
    type_cells(backend, 2, timestamp=dt.datetime(2026, 11, 22, 15, 0))
    weekly(backend, config)
    [need] = records(backend, config, "needs")
    assert need["updated"] == "2026-11-22 15:00"
    assert records(backend, config, "errors")[0]["status"] == "resolved"


def test_an_empty_when_is_noted_in_the_organizers_language(tmp_path: Path) -> None:
    backend, config = spanish_network(tmp_path)
    config = dataclasses.replace(
        config, email=dataclasses.replace(config.email, organizers_language="es")
    )
    log_rows(backend, phoned(timestamp=""))
    weekly(backend, config)
    [note] = records(backend, config, "errors")
    assert note["reason"].startswith("'Cuándo' está vacío: se leyó como 2026-11-23 09:00")


def test_a_phone_log_row_deleted_in_the_middle_stops_the_run(backend, config) -> None:
    log_rows(
        backend,
        phoned(name="Rosa Diaz"),
        phoned(name="Ana Ruiz", phone="201-555-0190"),
        phoned(name="Luz Vega", phone="201-555-0191"),
    )
    weekly(backend, config)
    rows = _rows_typed(backend)
    _retype(backend, [rows[0], rows[2]], before=3)
    with pytest.raises(FormRowsMovedError, match="row 3 now holds the response sheetsync read at"):
        weekly(backend, config)
    _retype(backend, rows[::-1], before=3)  # sorted instead
    with pytest.raises(FormRowsMovedError, match="Rows were sorted or deleted in tab 'Phone log'"):
        weekly(backend, config)


def test_a_call_typed_on_a_row_cleared_earlier_gets_needs_of_its_own(backend, config) -> None:
    log_rows(backend, phoned(name="Rosa Diaz"), phoned(name="Ana Ruiz", phone="201-555-0190"))
    weekly(backend, config)
    type_cells(backend, 2, **dict.fromkeys(NAMES, ""))
    weekly(backend, config)
    log_row = phoned(name="Luz Vega", phone="201-555-0191", help="Meals")
    type_cells(backend, 2, **{k: v for k, v in log_row.items() if k in NAMES})
    weekly(backend, config)
    needs = {
        (n["name"], n["category"]): (n["status"], n["source"])
        for n in records(backend, config, "needs")
    }
    assert needs == {
        ("Rosa Diaz", "Groceries"): ("withdrawn", ""),
        ("Ana Ruiz", "Groceries"): ("open", f"{TAB}:3"),
        ("Luz Vega", "Meals"): ("open", f"{TAB}:2"),
    }


def test_someone_reached_only_through_a_note_is_on_the_call_list_and_sheet(backend, config) -> None:
    from sheetsync.call_sheet import read_call_sheet, render_call_sheet

    note = "Through her neighbour at no. 12, afternoons"
    log_rows(backend, phoned(phone="", reach=note, timestamp=NOW - dt.timedelta(hours=1)))
    weekly(backend, config)
    [call] = records(backend, config, "call_list")
    assert (call["reason"], call["name"], call["phone"]) == ("confirmation", "Rosa Diaz", note)
    [need] = records(backend, config, "needs")
    assert need["confirmed"] == "on the call list 2026-11-23 09:00"
    sheet = read_call_sheet(backend, config, NOW)
    assert [c.phone for c in sheet.selection.calls] == [note]
    page = render_call_sheet(sheet)
    assert (
        f'<div class="reach"><span class="label">No phone. How to reach them:</span> {note}' in page
    )
    assert '<div class="phone">' not in page


def test_a_note_never_puts_someone_on_the_sheet_without_their_consent(backend, config) -> None:
    from sheetsync.call_sheet import LeftOut, read_call_sheet

    log_rows(
        backend,
        phoned(
            phone="",
            reach="At the corner shop",
            consent="First name only",
            timestamp=NOW - dt.timedelta(hours=1),
        ),
    )
    weekly(backend, config)
    assert len(records(backend, config, "call_list")) == 1  # the organizers call her
    sheet = read_call_sheet(backend, config, NOW)
    assert sheet.selection.calls == () and sheet.selection.left_out == {LeftOut.NO_CONSENT: 1}
