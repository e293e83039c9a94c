"""Who may see what: a person's current consent, and the one policy every output follows.

The spreadsheet is where organizers read people's names, contacts and stories; anything
that leaves it (an email, a public summary, a log line, an export) shows only what the
person agreed to and what its reader needs (docs/privacy.md):

| audience             | a person is shown as                 | contact, details          |
|----------------------|--------------------------------------|---------------------------|
| organizers' email    | by consent: name, first name and     | never; rows are named by  |
|                      | initial, or initials; with their id  | id to look up in the sheet|
| a volunteer, proposed| initials and zone                    | never                     |
| a volunteer, accepted| by consent (as above)                | contact with "yes"; the   |
|                      |                                      | need's details with "yes" |
|                      |                                      | or "first name"; never for|
|                      |                                      | a sensitive category      |
| the public           | never: counts only, 1-4 as "<5"      | never                     |
| logs, terminal       | never: tab, row and id               | never                     |

Consent is the person's current answer: the newest answer to the consent question on any
of their forms (their linked duplicate rows' too); an organizer's `consent_override` on
People wins over the forms. A "No" withdraws an earlier "Yes" from the next run on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sheetsync.members import kept_ids, rows_by_person
from sheetsync.normalize import fold, one_line


class Consent(StrEnum):
    """How far a person's name, contact and story may go beyond the organizers."""

    NO = "no"  # organizers only: outside the sheet, initials and zone
    FIRST_NAME = "first name"  # their volunteer, once the task is accepted: first name,
    # initial and the need's details; contact through the organizers
    YES = "yes"  # their volunteer, once accepted: full name, contact and the need's details


# The forms' answers to the consent question -> Consent.
FORM_ANSWERS: Mapping[str, Consent] = {
    "Yes": Consent.YES,
    "First name only": Consent.FIRST_NAME,
    "No": Consent.NO,
}
# Categories whose details never go by email: the volunteer is told to ask an organizer.
DEFAULT_SENSITIVE = (
    "Medicine pickup",
    "Emotional support",
    "Benefits help",
    "Financial support",
    "Immigration help",
    "Safety at home",
)
SMALL_COUNT = 5  # a public count below this (and above 0) is shown as "<5"


def consent_of(text: str) -> Consent | None:
    """A consent column's value ("yes", "first name", "First name only", " No ") -> Consent;
    None if it is empty or not understood."""
    folded = " ".join(fold(text).replace("_", " ").split())
    for consent in Consent:
        if folded == consent.value:
            return consent
    return FORM_ANSWERS.get(one_line(text))


def initials(name: str) -> str:
    """ "Maria Garcia" -> "M. G." """
    parts = [p for p in one_line(name).split(" ") if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "?"


def first_and_initial(name: str) -> str:
    """ "Maria del Carmen Garcia" -> "Maria G." """
    parts = one_line(name).split()
    if len(parts) < 2:
        return parts[0] if parts else "?"
    return f"{parts[0]} {parts[-1][0].upper()}."


def public_count(n: int) -> str:
    """A count for the public: 1 to 4 as "<5", so that one household can't be picked out."""
    return f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else str(n)


@dataclass(frozen=True)
class Person:
    """One person as the policy sees them: all their linked People rows together."""

    person_id: str  # the kept person's id
    name: str
    zone: str
    consent: Consent
    do_not_contact: bool
    phone: str = ""
    email: str = ""


UNKNOWN = Person(person_id="", name="", zone="", consent=Consent.NO, do_not_contact=True)


def current_consent(rows: Iterable[Mapping[str, Any]]) -> Consent:
    """A person's consent from their People rows: an organizer's override (the most careful
    one, if their rows disagree; one not understood counts as "no"), else the newest answer
    on any form, else "no"."""
    rows = list(rows)
    typed = [str(r.get("consent_override", "")).strip() for r in rows]
    overrides = [consent_of(t) or Consent.NO for t in typed if t]
    if overrides:
        return min(overrides, key=_openness)
    answered = [r for r in rows if consent_of(str(r.get("consent", "")))]
    if not answered:
        return Consent.NO
    newest = max(answered, key=lambda r: str(r.get("consent_date", "")))
    return consent_of(str(newest["consent"])) or Consent.NO


def _openness(consent: Consent) -> int:
    return (Consent.NO, Consent.FIRST_NAME, Consent.YES).index(consent)


@dataclass(frozen=True)
class Shown:
    """What a volunteer's email may say about the requester of one of their tasks."""

    who: str
    contact: str = ""
    details: str = ""
    ask_organizer: bool = False  # the details exist but are only given by an organizer


class Policy:
    """Every output's one source of what it may show about a person (see the module doc)."""

    def __init__(
        self, people: Iterable[Mapping[str, Any]], sensitive: Iterable[str] = DEFAULT_SENSITIVE
    ) -> None:
        records = [dict(p) for p in people]
        kept = kept_ids(records)
        self._kept = kept
        self._people: dict[str, Person] = {}
        for pid, rows in rows_by_person(records, kept).items():
            own = rows[0]
            self._people[pid] = Person(
                person_id=pid,
                name=one_line(own["name"]),
                zone=own["zone"],
                consent=current_consent(rows),
                do_not_contact=any(str(r["do_not_contact"]).strip() for r in rows),
                phone=own["phone"],
                email=own["email"],
            )
        self.sensitive = frozenset(fold(c) for c in sensitive)

    def person(self, person_id: str) -> Person:
        """The person (kept, with their linked rows) behind any of their ids."""
        return self._people.get(self._kept.get(person_id, person_id), UNKNOWN)

    def is_sensitive(self, category: str) -> bool:
        return fold(category) in self.sensitive

    def for_organizers(self, person_id: str) -> str:
        """A person in the organizers' email: as far as their consent allows, and their id
        to find them in the sheet."""
        person = self.person(person_id)
        return f"{_by_consent(person)} ({person.person_id or person_id or '?'})"

    def for_volunteer(
        self,
        person_id: str,
        *,
        accepted: bool,
        category: str,
        details: str,
        sensitive_response: bool = False,
    ) -> Shown:
        """The requester of a task as its volunteer's email shows them. A proposal shows
        initials only; an accepted task what the requester's consent allows. A sensitive
        category (or a response that also asks for one: its text covers both) sends no
        details by email, and no name or contact either."""
        person = self.person(person_id)
        if not accepted:
            return Shown(initials(person.name))
        if self.is_sensitive(category):
            return Shown(initials(person.name), ask_organizer=True)
        contact = ""
        if person.consent is Consent.YES and not person.do_not_contact:
            contact = ", ".join(x for x in (person.phone, person.email) if x)
        shared = (
            person.consent is not Consent.NO
            and not sensitive_response
            and not person.do_not_contact
        )
        return Shown(
            _by_consent(person),
            contact=one_line(contact),
            details=one_line(details) if shared else "",
            ask_organizer=bool(details.strip()) and not shared,
        )

    def may_email(self, person_id: str) -> bool:
        """Whether sheetsync may email this person at all (never when marked do-not-contact)."""
        person = self.person(person_id)
        return bool(person.person_id) and not person.do_not_contact


def _by_consent(person: Person) -> str:
    if person.consent is Consent.YES:
        return person.name or "?"
    if person.consent is Consent.FIRST_NAME:
        return first_and_initial(person.name)
    return initials(person.name)
