"""Who is forgotten: all the person's People rows, their form responses and needs, and the
traces by which other text names them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from sheetsync.errors import SheetsyncError
from sheetsync.intake.consent import known_person
from sheetsync.intake.people import PeopleIndex
from sheetsync.intake.responses import split_refs
from sheetsync.normalize import cell_text, fold, normalize_phone
from sheetsync.state import State
from sheetsync.tables import FormTable, records_of

# Free text in which the person may be named again elsewhere (a digest, a log line).
TRACE_FIELDS = (
    "name",
    "phone",
    "email",
    "details",
    "offers_note",
    "volunteer_note",
    "checkin_note",
)
MIN_TRACE = 4  # shorter names and texts would be found inside other words


class UnknownPersonError(SheetsyncError):
    """No People row has the person id given."""


@dataclass(frozen=True)
class Traces:
    """What names the person in text: their ids, emails, names, phones and what they wrote.
    Compared folded (case, accents and runs of spaces do not matter)."""

    ids: frozenset[str]
    emails: frozenset[str]
    words: frozenset[str]

    def in_text(self, text: str) -> bool:
        """Whether a text names them: an id, an email, a name, a phone or their words."""
        folded = fold(text)
        return self.has_address(text) or any(word in folded for word in self.words)

    def has_address(self, text: str) -> bool:
        """Whether a text holds one of their ids or emails (a send log row, a file name)."""
        folded = fold(text)
        if any(address in folded for address in self.emails):
            return True
        return any(re.search(rf"(?<![A-Za-z0-9]){re.escape(i)}(?![0-9])", text) for i in self.ids)


@dataclass(frozen=True)
class Person:
    """The person as the sheet holds them now."""

    ids: list[str]  # their People ids, the person kept first
    rows: list[dict[str, Any]]  # their People rows
    responses: set[str]  # their form responses, as records name them ("Form Responses 1:17")
    needs: list[dict[str, Any]]
    traces: Traces


def find_person(state: State, person_id: str, region: str) -> Person:
    """The person with this id (any of their rows'), from the sheet as read."""
    people = records_of(state.tables["people"].frame)
    ids = their_ids(people, person_id, state.tables["people"].tab)
    rows = [p for p in people if p["person_id"] in ids]
    others = {ref for p in people if p["person_id"] not in ids for ref in split_refs(p["source"])}
    responses = their_responses(state, rows, others, region)
    needs = [
        n
        for n in records_of(state.tables["needs"].frame)
        if n["person_id"] in ids or n["source"] in responses
    ]
    answers = [v for table in state.forms.values() for v in _answers(table, responses, region)]
    traces = traces_of(ids, [*rows, *needs, *answers], _shared(people, ids))
    return Person(ids, rows, responses, needs, traces)


def _shared(people: list[dict[str, Any]], ids: list[str]) -> set[str]:
    """Everyone else's names, phones and emails, folded: one they share with the person (a
    household's phone) names that other person as well, so it is no trace of theirs."""
    return {
        fold(str(p[name]))
        for p in people
        if p["person_id"] not in ids
        for name in ("name", "phone", "email")
        if p[name]
    }


def their_ids(people: Iterable[Mapping[str, Any]], person_id: str, tab: str) -> list[str]:
    """The person's People ids, kept person first: the row given, the row it is linked to,
    and every row linked to that, whichever of them is given."""
    rows = list(people)
    wanted = person_id.strip().casefold()
    ids = {r["person_id"] for r in rows if r["person_id"] and r["person_id"].casefold() == wanted}
    if not ids:
        raise UnknownPersonError(
            f"No person {person_id!r} on the {tab!r} tab. Give their id from its person_id "
            "column (e.g. P0042): find their row in the spreadsheet (Edit → Find, on their "
            "name), then copy the id. sheetsync never takes a name, email or phone here, so "
            "that none stays in your shell's history."
        )
    while more := _linked(rows, ids) - ids:
        ids |= more
    kept = {r["person_id"] for r in rows if r["person_id"] in ids and not r["duplicate_of"]}
    return sorted(ids, key=lambda i: (i not in kept, i))


def _linked(rows: list[Mapping[str, Any]], ids: set[str]) -> set[str]:
    """The ids linked to these by duplicate_of, either way."""
    to = {r["duplicate_of"] for r in rows if r["person_id"] in ids and r["duplicate_of"]}
    return to | {r["person_id"] for r in rows if r["duplicate_of"] in ids}


def their_responses(
    state: State, rows: list[dict[str, Any]], others: set[str], region: str
) -> set[str]:
    """Their form responses: those their People rows name, and those sheetsync left out
    (an error, or newer than the last run) that intake would give them (the same email or
    phone with the same first name: intake.consent.known_person). Never a response another
    person's row names."""
    refs = {ref for p in rows for ref in split_refs(p["source"])}
    ids = {p["person_id"] for p in rows}
    people = records_of(state.tables["people"].frame)
    index = PeopleIndex.read(people, new_id=lambda: "")
    for table in state.forms.values():
        for row, values in zip(table.frame.index, records_of(table.frame), strict=True):
            ref = table.ref(int(row))
            if ref not in others and known_person(values, index, region) in ids:
                refs.add(ref)
    return refs


def _answers(table: FormTable, refs: set[str], region: str) -> list[dict[str, str]]:
    """The responses' answers that can name them, as text; a phone as intake reads it."""
    rows = records_of(table.frame)
    answers = [
        {name: cell_text(values[name]) for name in TRACE_FIELDS if name in values}
        for row, values in zip(table.frame.index, rows, strict=True)
        if table.ref(int(row)) in refs
    ]
    for answer in answers:
        answer["phone"] = normalize_phone(answer.get("phone", ""), region) or ""
    return answers


def traces_of(
    ids: Iterable[str], records: Iterable[Mapping[str, Any]], shared: Set[str] = frozenset()
) -> Traces:
    """The traces of a person in their records (People, Needs, responses), but those
    `shared` with someone else."""
    records = list(records)
    texts = {fold(str(r[name])) for r in records for name in TRACE_FIELDS if name in r}
    emails = {fold(str(r["email"])) for r in records if r.get("email")} - shared
    # Outbox file names write an address's other characters as "_" (Outbox._write).
    emails |= {re.sub(r"[^a-z0-9@._-]+", "_", address) for address in emails}
    words = {text for text in texts - shared if len(text) >= MIN_TRACE}
    return Traces(frozenset(ids), frozenset(emails), frozenset(words))
