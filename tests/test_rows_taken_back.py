"""Responses taken back at a tab's end, and rows reused (sheetsync/intake/row_moves.py,
steps/intake.py), on a temp workbook: one cleared last response is taken back; several at
once stop the run, writing nothing and saying how to go on; a new response landing on a
cleared row before a run gets records of its own. (Found in review of issue 23.)"""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.errors import FormRowsMovedError
from sheetsync.schema import load_schemas
from tests.conftest import all_values
from tests.test_row_moves import REQUESTS, append, body, notes_of, person, records, rewrite, weekly


def _stops_writing_nothing(backend, config, match: str) -> str:
    before = all_values(backend)
    with pytest.raises(FormRowsMovedError, match=match) as stopped:
        weekly(backend, config)
    after = all_values(backend)
    before.pop("Run log"), after.pop("Run log")
    assert after == before
    message = str(stopped.value)
    assert "Person" not in message and "example" not in message and "555" not in message
    return message


def test_every_response_row_deleted_stops_the_run(backend, config) -> None:
    append(backend, REQUESTS, "requests", *(person(i) for i in range(6)))
    assert weekly(backend, config).outcome == "ok"
    rewrite(config, REQUESTS, [])  # rows 2-7 selected, Delete rows
    message = _stops_writing_nothing(
        backend, config, rf"6 responses are gone from the end of tab '{REQUESTS}' \(rows 2 to 7\)"
    )
    assert "Undo" in message and "one at a time from the last row up" in message
    assert {n["status"] for n in records(backend, config, "needs")} == {"open"}


def test_the_last_rows_deleted_stop_the_run_and_one_at_a_time_goes_on(backend, config) -> None:
    append(backend, REQUESTS, "requests", *(person(i) for i in range(6)))
    weekly(backend, config)
    rows = body(config, REQUESTS)
    rewrite(config, REQUESTS, rows[:3])
    _stops_writing_nothing(backend, config, r"3 responses are gone .* \(rows 5 to 7\)")
    # What the message says: put them back, then clear them one at a time, a run after each.
    for keep in (5, 4, 3):
        rewrite(config, REQUESTS, rows[:keep])
        assert weekly(backend, config).outcome == "ok"
    needs = [(n["name"], n["status"]) for n in records(backend, config, "needs")]
    assert needs == [
        (f"Person {c} Example", "open" if c in "ABC" else "withdrawn") for c in "ABCDEF"
    ]
    assert set(notes_of(backend, config)) == {f"{REQUESTS}:{row}" for row in (5, 6, 7)}


def test_the_only_response_cleared_is_taken_back(backend, config) -> None:
    """A test or spam response on a new network: the common case stops nothing."""
    append(backend, REQUESTS, "requests", person(0))
    weekly(backend, config)
    rewrite(config, REQUESTS, [])
    assert weekly(backend, config).outcome == "ok"
    [need] = records(backend, config, "needs")
    assert need["status"] == "withdrawn"


def test_a_new_response_on_a_cleared_row_before_a_run_gets_records_of_its_own(
    backend, config
) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    rewrite(config, REQUESTS, body(config, REQUESTS)[:1])
    append(backend, REQUESTS, "requests", person(2))  # lands on row 3, no run in between
    assert weekly(backend, config).outcome == "ok"
    people = {p["name"]: (p["person_id"], p["source"]) for p in records(backend, config, "people")}
    assert people == {
        "Person A Example": ("P0001", f"{REQUESTS}:2"),
        "Person B Example": ("P0002", ""),
        "Person C Example": ("P0003", f"{REQUESTS}:3"),
    }
    needs = {n["need_id"]: n for n in records(backend, config, "needs")}
    old = needs["N0002"]
    assert (old["person_id"], old["name"], old["source"], old["status"]) == (
        "P0002",
        "Person B Example",
        "",
        "withdrawn",
    )
    [new] = [n for n in needs.values() if n["source"] == f"{REQUESTS}:3"]
    assert (new["person_id"], new["name"], new["status"]) == ("P0003", "Person C Example", "open")


@pytest.mark.parametrize(
    "edit",
    [
        {"name": "Person B Example-Diaz"},  # the name spelled out, contacts the same
        {"email": "b.new@example.org", "phone": "(201) 555-0199"},  # new contacts, same name
    ],
)
def test_an_edit_keeping_a_contact_or_the_name_stays_its_persons(
    backend, config, edit: dict[str, str]
) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    rows = body(config, REQUESTS)
    names = load_schemas()["requests"].names
    for field, value in {**edit, "timestamp": dt.datetime(2026, 11, 19, 9, 0)}.items():
        rows[1][names.index(field)] = value
    rewrite(config, REQUESTS, rows)
    assert weekly(backend, config).outcome == "ok"
    [b] = [p for p in records(backend, config, "people") if p["person_id"] == "P0002"]
    assert b["source"] == f"{REQUESTS}:3"
    need = {n["need_id"]: n for n in records(backend, config, "needs")}["N0002"]
    assert (need["source"], need["status"], need["updated"]) == (
        f"{REQUESTS}:3",
        "open",
        "2026-11-19 09:00",
    )
