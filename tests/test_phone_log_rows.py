"""Phone log rows edited, cleared and retyped, and the tab renamed (sheetsync/intake/
row_moves.py, steps/intake.py), on a temp workbook. (Found in review of issue 23.)"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from sheetsync.errors import MissingTabError
from sheetsync.jobs import find_job, run_job
from sheetsync.normalize import format_datetime
from tests.conftest import NOW, all_values
from tests.test_phone_log import TAB, log_rows, offered, phoned, records, type_cells, weekly
from tests.test_row_moves import body, rewrite

WHEN = dt.datetime(2026, 11, 20, 10, 0)


def _asked_and_offered(backend, config, *, offer_first: bool = False) -> None:
    """One caller asks for help and offers help in the same call: two rows, one When and
    one Name (an offer's row records no stamp of its own)."""
    rows = [
        phoned(timestamp=WHEN, name="Rosa Diaz"),
        offered(timestamp=WHEN, name="Rosa Diaz", phone="(201) 555-0188"),
    ]
    log_rows(backend, *(rows[::-1] if offer_first else rows))
    assert weekly(backend, config).outcome == "ok"


def test_the_request_of_a_caller_who_also_offered_may_have_its_name_put_right(
    backend, config
) -> None:
    _asked_and_offered(backend, config)
    type_cells(backend, 2, name="Rosa Díaz Soto")
    assert weekly(backend, config).outcome == "ok"
    [need] = records(backend, config, "needs")
    assert (need["name"], need["status"], need["source"]) == ("Rosa Díaz Soto", "open", f"{TAB}:2")
    [person] = records(backend, config, "people")
    assert person["source"] == f"{TAB}:2; {TAB}:3"


def test_the_request_of_a_caller_who_also_offered_may_have_its_date_put_right(
    backend, config
) -> None:
    _asked_and_offered(backend, config)
    type_cells(backend, 2, timestamp=dt.datetime(2026, 11, 19, 10, 0))
    assert weekly(backend, config).outcome == "ok"
    [need] = records(backend, config, "needs")
    assert (need["updated"], need["status"]) == ("2026-11-19 10:00", "open")


def test_the_request_of_a_caller_who_also_offered_may_be_cleared_as_the_last_row(
    backend, config
) -> None:
    _asked_and_offered(backend, config, offer_first=True)
    rewrite(config, TAB, body(config, TAB)[:1])  # the request was typed by mistake
    assert weekly(backend, config).outcome == "ok"
    assert weekly(backend, config).outcome == "ok"
    [need] = records(backend, config, "needs")
    assert need["status"] == "withdrawn"
    [person] = records(backend, config, "people")
    assert person["source"] == f"{TAB}:2"


def test_a_renamed_phone_log_stops_the_run_and_withdraws_nothing(backend, config) -> None:
    log_rows(backend, phoned(), offered())
    assert weekly(backend, config).outcome == "ok"
    assert config.workbook is not None
    book = openpyxl.load_workbook(config.workbook)
    book[TAB].title = "Phone log 2025"
    book.save(config.workbook)
    before = all_values(backend)
    with pytest.raises(MissingTabError, match="The Phone log's tab 'Phone log' is not in") as e:
        weekly(backend, config)
    assert "rename it back" in str(e.value) and "[forms.phone_log]" in str(e.value)
    after = all_values(backend)
    before.pop("Run log"), after.pop("Run log")
    assert after == before


def test_a_phone_log_tab_deleted_before_any_call_stops_nothing(backend, config) -> None:
    assert config.workbook is not None
    book = openpyxl.load_workbook(config.workbook)
    del book[TAB]
    book.save(config.workbook)
    assert weekly(backend, config).outcome == "ok"


def _run(backend, config, now: dt.datetime):
    return run_job(find_job("weekly", config), backend, config, now=now)


def test_a_new_call_with_no_when_on_a_cleared_row_reads_as_its_own_first_run(
    backend, config
) -> None:
    log_rows(backend, phoned(timestamp=dt.datetime(2026, 11, 1, 10, 0), name="Ana Old"))
    _run(backend, config, NOW)
    rewrite(config, TAB, [])  # the call taken back: its row (the last) cleared
    _run(backend, config, NOW + dt.timedelta(days=1))  # noted on Errors, first seen that day
    later = NOW + dt.timedelta(days=30)
    log_rows(backend, phoned(timestamp="", name="Bea New", phone="(201) 555-0122"))  # row 2
    assert _run(backend, config, later).outcome == "ok"
    new = [n for n in records(backend, config, "needs") if n["source"] == f"{TAB}:2"]
    assert [(n["name"], n["opened"], n["updated"]) for n in new] == [
        ("Bea New", format_datetime(later), format_datetime(later))
    ]
    [note] = [e for e in records(backend, config, "errors") if e["source"] == f"{TAB}:2"]
    assert (note["status"], note["fields"], note["first_seen"]) == (
        "noted",
        "When",
        format_datetime(later),
    )
    again = _run(backend, config, later + dt.timedelta(hours=3))
    assert again.cells_changed == 0  # read as the same time, run after run


def test_an_empty_when_read_at_a_time_with_seconds_stays_the_same(backend, config) -> None:
    now = dt.datetime(2026, 11, 23, 9, 0, 37, 123456)
    log_rows(backend, phoned(timestamp=""))
    _run(backend, config, now)
    later = _run(backend, config, now + dt.timedelta(hours=2, seconds=5))
    assert later.rows_added == 0 and later.cells_changed == 0


@pytest.mark.parametrize(
    "fixed",
    [
        {"name": "Rosa Díaz"},  # reached only through a note: the name was all that tied
        {"name": "Rosa Díaz", "reach": "Through her sister at no. 14"},
    ],
)
def test_a_caller_reached_through_a_note_stays_one_person_when_the_name_is_put_right(
    backend, config, fixed
) -> None:
    """Putting a name right is an edit (the When stays): the need is updated in place, not
    withdrawn for a new person's, and its volunteer is not proposed it twice. (Review of
    issue 23: the row was read as taken over by someone else.)"""
    log_rows(
        backend,
        phoned(phone="", reach="Through her neighbour at no. 12", name="Rosa Dias"),
        offered(),
    )
    assert weekly(backend, config).outcome == "ok"
    [task] = records(backend, config, "tasks")
    type_cells(backend, 2, **fixed)
    assert weekly(backend, config).outcome == "ok"
    [need] = records(backend, config, "needs")
    assert (need["name"], need["status"], need["source"]) == (fixed["name"], "matched", f"{TAB}:2")
    assert [t["task_id"] for t in records(backend, config, "tasks")] == [task["task_id"]]
    requester = [p for p in records(backend, config, "people") if p["name"] == fixed["name"]]
    assert [p["person_id"] for p in requester] == [need["person_id"]]


def test_a_new_call_typed_on_a_cleared_row_is_its_own_person(backend, config) -> None:
    """The other side of the rule: a row cleared and a different caller typed on it, at
    another time and with nothing in common, before a run: records of its own."""
    log_rows(backend, phoned(phone="", reach="Through her neighbour at no. 12"))
    assert weekly(backend, config).outcome == "ok"
    type_cells(
        backend,
        2,
        timestamp=dt.datetime(2026, 11, 21, 9, 0),
        name="Omar Haddad",
        reach="At the mosque on Fridays",
    )
    assert weekly(backend, config).outcome == "ok"
    needs = records(backend, config, "needs")
    assert [(n["name"], n["status"]) for n in needs] == [
        ("Rosa Diaz", "withdrawn"),
        ("Omar Haddad", "open"),
    ]
    assert len({n["person_id"] for n in needs}) == 2
