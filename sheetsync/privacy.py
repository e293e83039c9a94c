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
| the volunteer board  | nothing, or initials ([board]        | never                     |
|                      | show_initials; never for a sensitive |                           |
|                      | category or someone who asked one)   |                           |
| logs, terminal       | never: tab, row and id               | never                     |

Consent is the person's current answer: the newest answer to the consent question on any
of their forms (their linked duplicate rows' too), or an organizer's `consent_override` on
People, which counts from when a run first saw it (current_consent). A "No" withdraws an
earlier "Yes" from the next run on. People's `consent` shows the result; it is never read
back, so a run's result never feeds the next run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
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
    answered: bool = False  # a form answer or an override on one of their rows


UNKNOWN = Person(person_id="", name="", zone="", consent=Consent.NO, do_not_contact=True)


Answer = tuple[Consent, str]  # a consent answer and when it was given ("" unknown)
FRESH = "9999"  # an override no run has seen yet: typed after every answer there is
_DT = r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?"
_SEEN = re.compile(rf"^({_DT}) (.+?)(?: \(typed after ({_DT})\))?$", re.S)


@dataclass(frozen=True)
class Override:
    """An organizer's consent_override and what sheetsync knows of when it was typed:
    after `after` (the run before the one that first saw it; "" if none), by `seen`."""

    consent: Consent
    seen: str
    after: str


def current_consent(rows: Iterable[Mapping[str, Any]]) -> Consent:
    """A person's consent in force from all their People rows: a pure function of what the
    forms and organizers wrote, never of what sheetsync wrote as a result.

    The newest override counts unless a form answer came after it. An answer known to be
    newer (given after a run first saw the override) wins; one given between the run before
    and that run may be older or newer, so it wins only if it is narrower: the careful
    reading. Without an override the newest answer wins (of two at the same time, the
    narrower). No answer at all: "no"."""
    rows = list(rows)
    answers = [a for r in rows if (a := row_answer(r)) is not None]
    overrides = [o for r in rows if (o := row_override(r)) is not None]
    if overrides:
        override = max(overrides, key=lambda o: (o.seen, -_openness(o.consent)))
        answers = [a for a in answers if _beats(a, override)]
        if not answers:
            return override.consent
    if not answers:
        return Consent.NO
    return max(answers, key=lambda a: (a[1], -_openness(a[0])))[0]


def _beats(answer: Answer, override: Override) -> bool:
    """Whether a form answer wins over an override (see current_consent)."""
    if answer[1] > override.seen:
        return True
    return answer[1] > override.after and _openness(answer[0]) < _openness(override.consent)


def row_answer(row: Mapping[str, Any]) -> Answer | None:
    """A People row's newest form answer (consent_answer, consent_date)."""
    consent = consent_of(str(row.get("consent_answer", "")))
    return None if consent is None else (consent, str(row.get("consent_date", "")))


def row_override(row: Mapping[str, Any]) -> Override | None:
    """A People row's consent_override, if typed: one not understood reads as "no"; one no
    run has seen yet is the newest of all."""
    typed = one_line(row.get("consent_override", ""))
    if not typed:
        return None
    consent = consent_of(typed) or Consent.NO
    seen, what, after = override_seen(str(row.get("consent_override_seen", "")))
    if what != typed:
        return Override(consent, FRESH, FRESH)
    return Override(consent, seen, after)


def override_seen(cell: str) -> tuple[str, str, str]:
    """consent_override_seen, "2026-11-23 09:00 no (typed after 2026-11-16 07:00)" ->
    (first seen, what was typed, typed after); empty strings where it says nothing."""
    found = _SEEN.match(cell.strip())
    if not found:
        return "", "", ""
    return found.group(1), found.group(2), found.group(3) or ""


def note_override(record: MutableMapping[str, Any], *, now: str, last_run: str) -> None:
    """Remember when a run first saw what an organizer typed in consent_override, and that
    it was typed after the last run (or at any time before, when there was none). Written
    only when the override changes, so it never depends on a run's results."""
    typed = one_line(record.get("consent_override", ""))
    if not typed:
        record["consent_override_seen"] = ""
        return
    if override_seen(str(record.get("consent_override_seen", "")))[1] == typed:
        return
    after = f" (typed after {last_run})" if last_run else ""
    record["consent_override_seen"] = f"{now} {typed}{after}"


def override_followed(rows: Iterable[Mapping[str, Any]]) -> bool | None:
    """Whether the consent in force is the newest override's (None: there is none). False
    asks organizers to look: a later form answer, or an override not understood."""
    rows = list(rows)
    overrides = [(o, r) for r in rows if (o := row_override(r)) is not None]
    if not overrides:
        return None
    override, row = max(overrides, key=lambda x: (x[0].seen, -_openness(x[0].consent)))
    understood = consent_of(one_line(row.get("consent_override", ""))) is not None
    return understood and current_consent(rows) is override.consent


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
        records = [p if isinstance(p, dict) else dict(p) for p in people]  # no copies
        self._kept = kept_ids(records)
        self._rows = rows_by_person(records, self._kept)
        self._people: dict[str, Person] = {}  # worked out when first asked for
        self.sensitive = frozenset(fold(c) for c in sensitive)
        # Each distinct category is folded once (a city has 100,000 needs).
        needs = list(needs)
        kinds = {str(n["category"]) for n in needs}
        sensitive_kinds = {c for c in kinds if self.is_sensitive(c)}
        asking = [str(n["person_id"]) for n in needs if str(n["category"]) in sensitive_kinds]
        # Their kept ids, as self.person(pid).person_id would give ("" for an id nobody has),
        # without working out each Person.
        self._asked_sensitive = {
            kept if kept in self._rows else "" for kept in (self._kept.get(p, p) for p in asking)
        }

    def person(self, person_id: str) -> Person:
        """The person (kept, with their linked rows) behind any of their ids."""
        pid = self._kept.get(person_id, person_id)
        if pid not in self._people:
            rows = self._rows.get(pid)
            self._people[pid] = UNKNOWN if rows is None else _person_of(pid, rows)
        return self._people[pid]

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

    def on_board(self, person_id: str, category: str, *, show_initials: bool) -> str:
        """The requester of an open need on the volunteer board, which every volunteer
        reads: nothing, or with [board] show_initials their initials, but never for a
        sensitive category, nor for someone who asked for one (a small zone knows them)."""
        person = self.person(person_id)
        if not show_initials or not person.person_id or self.is_sensitive(category):
            return ""
        if person.person_id in self._asked_sensitive:
            return ""
        return initials(person.name)

    def overrides_not_followed(self) -> list[str]:
        """The people (kept ids) whose consent_override sheetsync does not follow: not
        understood, or outdated by a later form answer. Organizers should look."""
        return sorted(pid for pid, rows in self._rows.items() if override_followed(rows) is False)

    def may_email(self, person_id: str) -> bool:
        """Whether sheetsync may email this person at all (never when marked do-not-contact)."""
        person = self.person(person_id)
        return bool(person.person_id) and not person.do_not_contact


def _person_of(pid: str, rows: Sequence[Mapping[str, Any]]) -> Person:
    """A person from their People rows, their own first."""
    own = rows[0]
    return Person(
        person_id=pid,
        name=one_line(own["name"]),
        zone=own["zone"],
        consent=current_consent(rows),
        do_not_contact=any(str(r["do_not_contact"]).strip() for r in rows),
        phone=own["phone"],
        email=own["email"],
        answered=any(row_answer(r) or row_override(r) for r in rows),
    )


def _by_consent(person: Person) -> str:
    if person.consent is Consent.YES:
        return person.name or "?"
    if person.consent is Consent.FIRST_NAME:
        return first_name(person.name)
    return initials(person.name)
