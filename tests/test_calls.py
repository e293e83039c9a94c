"""The Call list (sheetsync/calls.py): each call once, from the People row the person
counts as; nobody without a phone or marked do not contact."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sheetsync.calls import Call, CallReason, add_calls
from sheetsync.schema import load_schemas
from sheetsync.tables import empty_record, frame_of

SCHEMAS = load_schemas()
NOW = dt.datetime(2026, 12, 1, 9, 0)


def _people(*rows: dict[str, str]) -> pd.DataFrame:
    return frame_of([empty_record(SCHEMAS["people"], **r) for r in rows], SCHEMAS["people"])


def _empty() -> pd.DataFrame:
    return frame_of([], SCHEMAS["call_list"])


PEOPLE = _people(
    {"person_id": "P0001", "name": "Ana", "phone": "+15550100001"},
    {"person_id": "P0002", "name": "Ana R", "phone": "", "duplicate_of": "P0001"},
    {"person_id": "P0003", "name": "Bo", "phone": ""},
    {"person_id": "P0004", "name": "Cy", "phone": "+15550100004", "do_not_contact": "x"},
)


def test_a_call_is_added_once_with_name_and_phone_of_the_kept_person() -> None:
    call = Call(CallReason.CONFIRMATION, "P0002", "Hello", "es", need_id="N0001")
    first = add_calls(_empty(), [call], PEOPLE, SCHEMAS["call_list"], NOW)
    assert first.added == 1
    row = first.frame.iloc[0]
    assert (row["call_id"], row["person_id"], row["phone"], row["language"]) == (
        "C0001",
        "P0001",
        "+15550100001",
        "es",
    )
    assert row["added"] == "2026-12-01 09:00"
    again = add_calls(first.frame, [call], PEOPLE, SCHEMAS["call_list"], NOW)
    assert (again.added, again.already_listed, len(again.frame)) == (0, 1, 1)


def test_no_phone_and_do_not_contact_are_left_out_and_counted() -> None:
    calls = [
        Call(CallReason.FEEDBACK, "P0003", "Hi", task_id="T0001"),
        Call(CallReason.FEEDBACK, "P0004", "Hi", task_id="T0002"),
        Call(CallReason.FEEDBACK, "P0099", "Hi", task_id="T0003"),
    ]
    result = add_calls(_empty(), calls, PEOPLE, SCHEMAS["call_list"], NOW)
    assert (result.added, result.no_phone, result.do_not_contact) == (0, 2, 1)
    assert result.frame.empty
