"""The confirm step's indexed code against the per-row code it replaced (kept here as the
reference): requests_of groups the Needs tab in one pass instead of filtering a pandas
group per request, and add_calls finds who is marked do not contact once instead of
scanning People per call. Hypothesis compares the two on random tabs; named cases pin
the edges (hand-typed rows, a source's needs out of order, marks with spaces)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.calls import Call, CallReason, CallsAdded, add_calls, listed_keys
from sheetsync.confirm.requests import Request, _need_order, requests_of
from sheetsync.ids import Ids
from sheetsync.members import kept_ids, parse_datetime
from sheetsync.normalize import format_datetime
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.statuses import NeedStatus
from sheetsync.tables import empty_record, frame_of, records_of

SCHEMAS = load_schemas()
NOW = dt.datetime(2026, 12, 1, 9, 0)
NEED_COLUMNS = [
    "need_id",
    "person_id",
    "category",
    "urgency",
    "languages",
    "contact_pref",
    "status",
    "opened",
    "source",
    "confirmed",
]


# --- the references: the code as it was before it was indexed -----------------------


def requests_reference(needs: pd.DataFrame) -> list[Request]:
    columns = ["need_id", "person_id", "category", "urgency", "languages", "contact_pref"]
    rows = needs[[*columns, "status", "opened", "source", "confirmed"]].astype(str)
    found = []
    for source, group in rows.groupby("source", sort=False):
        if not str(source).strip():
            continue
        group = group.iloc[
            sorted(range(len(group)), key=lambda i: _need_order(str(group.iloc[i, 0])))
        ]
        first = group.iloc[0]
        marks = [m for m in group["confirmed"] if m.strip()]
        asked = group[group["status"] != NeedStatus.WITHDRAWN.value]
        found.append(
            Request(
                reference=first["need_id"],
                person_id=first["person_id"],
                need_ids=tuple(group["need_id"]),
                categories=tuple(asked["category"]),
                urgency=first["urgency"],
                languages=first["languages"],
                contact_pref=first["contact_pref"],
                opened=parse_datetime(first["opened"]),
                confirmed=marks[0].strip() if marks else "",
                unmarked=tuple(group.loc[group["confirmed"].str.strip() == "", "need_id"]),
            )
        )
    return sorted(found, key=lambda r: _need_order(r.reference))


def _marked_reference(
    person: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], kept: Mapping[str, str]
) -> bool:
    pid = str(person["person_id"])
    return any(
        str(r.get("do_not_contact", "")).strip()
        for r in rows
        if kept.get(str(r["person_id"]), str(r["person_id"])) == pid
    )


def add_calls_reference(
    frame: pd.DataFrame,
    calls: Iterable[Call],
    people: pd.DataFrame,
    schema: TableSchema,
    now: dt.datetime,
) -> CallsAdded:
    records = records_of(frame)
    seen = listed_keys(frame)
    ids = Ids("C", (str(r["call_id"]) for r in records))
    columns = ["person_id", "name", "phone", "duplicate_of", "do_not_contact"]
    rows: Sequence[dict[str, Any]] = records_of(people[columns])
    by_id = {str(r["person_id"]): r for r in rows if r["person_id"]}
    kept = kept_ids(by_id.values())
    added = already = no_phone = dnc = 0
    for call in calls:
        person = by_id.get(kept.get(call.person_id, "")) or by_id.get(call.person_id)
        pid = str(person["person_id"]) if person is not None else call.person_id
        key = (call.reason.value, pid, call.need_id, call.task_id)
        if key in seen:
            already += 1
            continue
        if person is None or not str(person.get("phone", "")).strip():
            no_phone += 1
            continue
        if _marked_reference(person, by_id.values(), kept):
            dnc += 1
            continue
        seen.add(key)
        records.append(
            empty_record(
                schema,
                call_id=ids(),
                reason=call.reason.value,
                person_id=str(person["person_id"]),
                name=str(person.get("name", "")),
                phone=str(person["phone"]),
                language=call.language,
                need_id=call.need_id,
                task_id=call.task_id,
                what_to_say=call.what_to_say,
                added=format_datetime(now),
            )
        )
        added += 1
    new = frame_of(records, schema) if added else frame
    return CallsAdded(new, added, already, no_phone, dnc)


# --- requests_of ---------------------------------------------------------------------


def _needs(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=NEED_COLUMNS, dtype=object)


need_rows = st.fixed_dictionaries(
    {
        "need_id": st.sampled_from(["N1", "N2", "N9", "N10", "N0107", "N99999", "X", ""]),
        "person_id": st.sampled_from(["P1", "P2", ""]),
        "category": st.sampled_from(["food", "rides", ""]),
        "urgency": st.sampled_from(["high", "low", ""]),
        "languages": st.sampled_from(["English", "Spanish", ""]),
        "contact_pref": st.sampled_from(["Email", "Call", ""]),
        "status": st.sampled_from(["open", "withdrawn", "matched", ""]),
        "opened": st.sampled_from(["", "2026-11-30 10:00", "2026-11-29 08:15:00", "soon"]),
        "source": st.sampled_from(["", " ", "R1", "R2", " R1", "R3"]),
        "confirmed": st.sampled_from(["", " ", "emailed 2026-11-30 10:00", " x ", "y"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(need_rows, max_size=14))
def test_requests_of_is_the_per_group_reading(rows: list[dict[str, str]]) -> None:
    needs = _needs(rows)
    assert requests_of(needs) == requests_reference(needs)


def test_requests_of_named_cases() -> None:
    base = dict.fromkeys(NEED_COLUMNS, "")
    needs = _needs(
        [
            {**base, "need_id": "N10", "source": "R1", "category": "rides", "confirmed": " "},
            {**base, "need_id": "N9", "source": "R1", "category": "food", "status": "withdrawn"},
            {**base, "need_id": "N3", "source": ""},  # typed by hand
            {**base, "need_id": "N2", "source": "R2", "confirmed": " emailed x "},
            {**base, "need_id": "N11", "source": "R2"},
        ]
    )
    found = requests_of(needs)
    assert found == requests_reference(needs)
    assert [r.reference for r in found] == ["N2", "N9"]
    assert found[1].need_ids == ("N9", "N10") and found[1].categories == ("rides",)
    assert found[1].unmarked == ("N9", "N10")
    assert found[0].confirmed == "emailed x" and found[0].unmarked == ("N11",)
    assert requests_of(_needs([])) == requests_reference(_needs([])) == []


# --- add_calls -----------------------------------------------------------------------


def _people(rows: list[dict[str, str]]) -> pd.DataFrame:
    return frame_of([empty_record(SCHEMAS["people"], **r) for r in rows], SCHEMAS["people"])


PIDS = ["P1", "P2", "P3", "P4", ""]
people_rows = st.fixed_dictionaries(
    {
        "person_id": st.sampled_from(PIDS),
        "name": st.sampled_from(["Ana", "Bo"]),
        "phone": st.sampled_from(["", " ", "+15550100001"]),
        "duplicate_of": st.sampled_from(["", "P1", "P2", "P9"]),
        "do_not_contact": st.sampled_from(["", " ", "x"]),
    }
)
calls = st.builds(
    Call,
    st.sampled_from(list(CallReason)),
    st.sampled_from([*PIDS, "P9"]),
    st.just("Hello"),
    st.just("en"),
    need_id=st.sampled_from(["", "N1", "N2"]),
)


def _same(a: CallsAdded, b: CallsAdded) -> None:
    assert (a.added, a.already_listed, a.no_phone, a.do_not_contact) == (
        b.added,
        b.already_listed,
        b.no_phone,
        b.do_not_contact,
    )
    pd.testing.assert_frame_equal(a.frame, b.frame)


@settings(max_examples=300, deadline=None)
@given(st.lists(people_rows, max_size=8), st.lists(calls, max_size=8), st.lists(calls, max_size=3))
def test_add_calls_is_the_per_call_scan(
    people: list[dict[str, str]], new: list[Call], listed: list[Call]
) -> None:
    frame = frame_of([], SCHEMAS["call_list"])
    people_frame = _people(people)
    schema = SCHEMAS["call_list"]
    frame = add_calls_reference(frame, listed, people_frame, schema, NOW).frame
    _same(
        add_calls(frame, new, people_frame, schema, NOW),
        add_calls_reference(frame, new, people_frame, schema, NOW),
    )


def test_a_mark_on_a_linked_row_stops_the_call_to_its_kept_person() -> None:
    people = _people(
        [
            {"person_id": "P1", "name": "Ana", "phone": "+15550100001"},
            {"person_id": "P2", "duplicate_of": "P1", "do_not_contact": "x"},
            {"person_id": "P3", "name": "Bo", "phone": "+15550100003", "do_not_contact": " "},
        ]
    )
    new = [Call(CallReason.CONFIRMATION, p, "Hello", need_id="N1") for p in ("P1", "P2", "P3")]
    schema = SCHEMAS["call_list"]
    frame = frame_of([], schema)
    got = add_calls(frame, new, people, schema, NOW)
    _same(got, add_calls_reference(frame, new, people, schema, NOW))
    assert (got.added, got.do_not_contact, got.already_listed) == (1, 2, 0)
