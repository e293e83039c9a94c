"""The Call list tab: people to phone, for those sheetsync cannot email.

Steps that would email someone who gave no email (or may not be emailed) ask for a call
instead: the confirm step (their request came in), the feedback step (after help, did it
come). Each call is added once per (reason, person, need, task): a row already on the tab,
called or not, is never added again, so a call struck from the list by an organizer (its
called column marked) stays done. Nothing here removes or rewrites a row.

A person marked do not contact, or with no phone, gets no call: `add_calls` says how many
were left out so the step can count them. Someone without a phone whom the Phone log says
how to reach ("No phone? How to reach them": through a neighbour, at the community centre on
Tuesdays) has a phone for this purpose: that note (with_reach_notes), so a step decides to
call them, and whoever calls reads the note where a phone would be, on the tab and the call
sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from sheetsync.ids import Ids
from sheetsync.members import kept_ids
from sheetsync.normalize import cell_text, format_datetime
from sheetsync.schema import TableSchema
from sheetsync.tables import FormTable, empty_record, frame_of, records_of

PHONE_LOG = "phone_log"  # the Phone log's form name (intake/phone_log.py)


class CallReason(StrEnum):
    """Why a person is on the Call list (the tab's reason column)."""

    CONFIRMATION = "confirmation"
    FEEDBACK = "feedback"
    FOLLOW_UP = "follow-up"


@dataclass(frozen=True)
class Call:
    """A call a step asks for. `what_to_say` is the script, already in `language`: it must
    hold nothing the person did not tell the network themselves (no other person's data)."""

    reason: CallReason
    person_id: str
    what_to_say: str
    language: str = "en"
    need_id: str = ""
    task_id: str = ""


@dataclass(frozen=True)
class CallsAdded:
    """What add_calls did: the new frame, and how many calls it added or left out."""

    frame: pd.DataFrame
    added: int
    already_listed: int
    no_phone: int
    do_not_contact: int


def listed_keys(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """The (reason, person, need, task) of every call on the tab: a call is keyed by the
    person its People row counts as (a linked duplicate, by its kept person)."""
    columns = ("reason", "person_id", "need_id", "task_id")
    return set(zip(*(frame[c].astype(str).tolist() for c in columns), strict=True))


def add_calls(
    frame: pd.DataFrame,
    calls: Iterable[Call],
    people: pd.DataFrame,
    schema: TableSchema,
    now: dt.datetime,
) -> CallsAdded:
    """The Call list with `calls` appended, each once: the person's name and phone are taken
    from the People row they count as (a linked duplicate counts as its kept person)."""
    records = records_of(frame)
    seen = listed_keys(frame)
    ids = Ids("C", (str(r["call_id"]) for r in records))
    by_id = _people(people)
    kept = kept_ids(by_id.values())
    marked = marked_ids(by_id.values(), kept)
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
        if str(person["person_id"]) in marked:
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


def reach_notes(needs: pd.DataFrame, forms: Mapping[str, FormTable]) -> dict[str, str]:
    """Person id -> their newest note on how to reach them without a phone: the Phone log's
    "No phone? How to reach them" on the rows their needs came from (the newest need's
    last). Read from the row itself, not from the need's details, where it is a prefix."""
    table = forms.get(PHONE_LOG)
    if table is None or "reach" not in table.frame.columns or needs.empty:
        return {}
    tab = table.ref_tab or table.tab
    notes: dict[str, str] = {}
    columns = (needs[c].tolist() for c in ("updated", "source", "person_id"))
    rows = zip(*columns, strict=True)
    for _, source, pid in sorted(rows, key=lambda r: str(r[0])):
        at, _, row = str(source).rpartition(":")
        if at != tab or not row.isdigit() or int(row) not in table.frame.index:
            continue
        note = cell_text(table.frame.at[int(row), "reach"]).strip()
        if note and pid:
            notes[str(pid)] = note
    return notes


def with_reach_notes(people: pd.DataFrame, notes: Mapping[str, str]) -> pd.DataFrame:
    """People as the steps that ask for calls read them: a person without a phone but with
    a note on how to reach them has the note as their phone (the module's docs). Never
    written back: People keeps what the forms and the Phone log said."""
    if not notes or people.empty:
        return people
    ids = people["person_id"].astype(str)
    empty = people["phone"].astype(str).str.strip() == ""
    noted = ids.map(lambda pid: notes.get(pid, ""))
    filled = empty & (noted != "")
    if not filled.any():
        return people
    out = people.copy()
    out.loc[filled, "phone"] = noted[filled]
    return out


def _people(people: pd.DataFrame) -> dict[str, dict[str, Any]]:
    columns = ["person_id", "name", "phone", "duplicate_of", "do_not_contact"]
    rows: Sequence[dict[str, Any]] = records_of(people[columns])
    return {str(r["person_id"]): r for r in rows if r["person_id"]}


def marked_ids(rows: Iterable[Mapping[str, Any]], kept: Mapping[str, str]) -> set[str]:
    """The people (as the id they count as) any of whose linked rows is marked do not
    contact: gathered in one pass, so a person's mark is a set lookup, not a scan of People
    per call."""
    return {
        kept.get(str(r["person_id"]), str(r["person_id"]))
        for r in rows
        if str(r.get("do_not_contact", "")).strip()
    }
