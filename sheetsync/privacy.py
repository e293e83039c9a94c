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

import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sheetsync.members import kept_ids, rows_by_person
from sheetsync.normalize import fold, one_line


class Consent(StrEnum):
    """How far a person's name, contact and story may go beyond the organizers."""

    NO = "no"  # organizers only: outside the sheet, initials and zone
    FIRST_NAME = "first name"  # their volunteer, once the task is accepted: first name and
    # the need's details; contact through the organizers
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
    "Other",  # free text about anything the form does not list
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


def first_name(name: str) -> str:
    """ "Maria del Carmen Garcia" -> "Maria": what "First name only" agreed to."""
    parts = one_line(name).split()
    return parts[0] if parts else "?"


def first_and_initial(name: str) -> str:
    """ "Maria del Carmen Garcia" -> "Maria G." """
    parts = one_line(name).split()
    if len(parts) < 2:
        return parts[0] if parts else "?"
    return f"{parts[0]} {parts[-1][0].upper()}."


def public_count(n: int) -> str:
    """A count for the public: 1 to 4 as "<5", so that one household can't be picked out."""
    return f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else str(n)


def public_detail(n: int) -> bool:
    """Whether figures about n needs (hours given, days to match, a goal's percent) may go
    to the public: not for 1 to 4, where they would tell the suppressed count again."""
    return n == 0 or n >= SMALL_COUNT


OTHER_KINDS = "other_kinds"  # the public's line for the small categories together


def public_by_kind(counts: Mapping[str, int]) -> dict[str, str]:
    """Needs per category for the public. Categories with 1 to 4 go together in one line
    (OTHER_KINDS); when only one would, the next smallest joins it, so that no small count
    can be worked out from the total."""
    ranked = sorted(((c, n) for c, n in counts.items() if n > 0), key=lambda x: (-x[1], x[0]))
    small = [c for c, n in ranked if not public_detail(n)]
    if len(small) == 1 and len(ranked) > 1:
        small.append(ranked[-2][0])
    shown = {c: str(n) for c, n in ranked if c not in small}
    if small:
        shown[OTHER_KINDS] = public_count(sum(counts[c] for c in small))
    return shown


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


FRESH = "9999"  # an override typed since the last run: newer than any answer
_SEEN = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?) (.+)$")


def current_consent(rows: Iterable[Mapping[str, Any]]) -> Consent:
    """A person's consent from their People rows: the newest answer on any of them, an
    organizer's override counting from when sheetsync first saw it (one typed since the
    last run is the newest of all); "no" when there is none."""
    newest = newest_consent(rows)
    return Consent.NO if newest is None else newest[0]


def newest_consent(rows: Iterable[Mapping[str, Any]]) -> tuple[Consent, str] | None:
    """The newest consent answer on a person's rows, and when it was given (of two given at
    the same time, the more careful)."""
    answers = [a for r in rows if (a := _answer_on(r)) is not None]
    return max(answers, key=lambda a: (a[1], -_openness(a[0]))) if answers else None


def _answer_on(row: Mapping[str, Any]) -> tuple[Consent, str] | None:
    typed = str(row.get("consent_override", "")).strip()
    if typed and override_seen(str(row.get("consent_override_seen", "")))[1] != typed:
        return consent_of(typed) or Consent.NO, FRESH  # not settled by a run yet
    consent = consent_of(str(row.get("consent", "")))
    return None if consent is None else (consent, str(row.get("consent_date", "")))


def override_seen(cell: str) -> tuple[str, str]:
    """People's consent_override_seen, "2026-11-23 09:00 no" -> (when, what was typed)."""
    found = _SEEN.match(cell.strip())
    return (found.group(1), found.group(2)) if found else ("", "")


class Settled(StrEnum):
    """What settling a row's consent found for organizers to look at."""

    FINE = "fine"
    OVERRIDE_NOT_UNDERSTOOD = "override not understood"  # read as "no"
    OVERRIDE_OUTDATED = "override outdated"  # a form answer came after it


def settle_consent(
    record: MutableMapping[str, Any],
    answer: tuple[Consent, str] | None,
    now: str,
    since: str = "",
) -> Settled:
    """Write a People row's consent in force: its newest form answer (`answer`: consent and
    when), unless an organizer's consent_override came after it. sheetsync remembers when it
    first saw each override (consent_override_seen), so that a form answer given later, a
    "No" withdrawing a "Yes" the person gave by phone, wins over it. An override seen for
    the first time cannot tell whether a form answer since the last run (`since`) came
    before or after it: a narrower one wins, and organizers are asked to look."""
    typed = str(record.get("consent_override", "")).strip()
    if not typed:
        record["consent_override_seen"] = ""
        record["consent"], record["consent_date"] = (
            (answer[0].value, answer[1]) if answer else ("", "")
        )
        return Settled.FINE
    override = consent_of(typed)
    when, seen = override_seen(str(record.get("consent_override_seen", "")))
    fresh = seen != typed or not when
    if fresh:
        when = now  # typed, or changed, since the last run
    record["consent_override_seen"] = f"{when} {typed}"
    unsure = fresh and answer is not None and answer[1] > since
    if answer is not None and (
        answer[1] > when
        or (unsure and narrower(answer[0], override or Consent.NO) is not (override or Consent.NO))
    ):
        record["consent"], record["consent_date"] = answer[0].value, answer[1]
        return Settled.OVERRIDE_OUTDATED
    record["consent"], record["consent_date"] = (override or Consent.NO).value, when
    return Settled.FINE if override else Settled.OVERRIDE_NOT_UNDERSTOOD


def overrides_to_check(people: Iterable[Mapping[str, Any]]) -> list[str]:
    """The people whose consent_override sheetsync does not follow (not understood, or a
    later form answer outdates it): organizers should clear or rewrite it."""
    return [
        str(p["person_id"])
        for p in people
        if (typed := str(p.get("consent_override", "")).strip())
        and override_seen(str(p.get("consent_override_seen", "")))[1] == typed
        and (consent_of(typed) is None or str(p.get("consent", "")) != consent_of(typed))
    ]


def narrower(a: Consent, b: Consent) -> Consent:
    """The more careful of two answers."""
    return min(a, b, key=_openness)


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
        self,
        people: Iterable[Mapping[str, Any]],
        sensitive: Iterable[str] = DEFAULT_SENSITIVE,
        needs: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """`needs`: the Needs tab's records, so that a person who asked for a sensitive kind
        of help is known (their free text may speak of it in any of their needs)."""
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
        self._asked_sensitive = {
            self.person(str(n["person_id"])).person_id
            for n in needs
            if self.is_sensitive(str(n["category"]))
        }

    def person(self, person_id: str) -> Person:
        """The person (kept, with their linked rows) behind any of their ids."""
        return self._people.get(self._kept.get(person_id, person_id), UNKNOWN)

    def is_sensitive(self, category: str) -> bool:
        return fold(category) in self.sensitive

    def for_organizers(self, person_id: str) -> str:
        """A person in the organizers' email (and the Summary): as far as their consent
        allows, and their id to find them in the sheet; "?" for an id nobody has."""
        person = self.person(person_id)
        if not person.person_id:
            return "?"  # what was typed in an id column could be anything
        return f"{_by_consent(person)} ({person.person_id})"

    def short_name(self, person_id: str) -> str:
        """A volunteer on the organizers' chart: "Ann B." with yes, "Ann" with first name,
        else initials."""
        person = self.person(person_id)
        if not person.person_id:
            return "?"
        if person.consent is Consent.YES:
            return first_and_initial(person.name)
        return _by_consent(person)

    def may_name(self, person_id: str) -> bool:
        """Whether a text naming the person by first name (the Load tab's next steps) may go
        in the organizers' email."""
        return self.person(person_id).consent is not Consent.NO

    def for_volunteer(
        self,
        person_id: str,
        *,
        accepted: bool,
        category: str,
        details: str,
    ) -> Shown:
        """The requester of a task as its volunteer's email shows them. A proposal shows
        initials only; an accepted task what the requester's consent allows. A sensitive
        category sends nothing about the requester by email, not even initials: an
        organizer tells the volunteer by phone. Someone who asked for a sensitive kind of
        help gets none of their text emailed for their other needs either."""
        person = self.person(person_id)
        sensitive_response = person.person_id in self._asked_sensitive
        if self.is_sensitive(category):  # not even initials: a small zone knows them
            return Shown("", ask_organizer=accepted)
        if not accepted:
            return Shown(initials(person.name))
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
        return first_name(person.name)
    return initials(person.name)
