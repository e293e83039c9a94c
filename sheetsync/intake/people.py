"""Which person each form response is, and what a person's newest answers say.

A response finds its person by its own row (an edited response keeps its person), then by an
email or phone known with a name that fits (intake/names.py); a person's People row is then
recomputed from all their responses, the newest answer winning, each role's fields from
that role's form alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sheetsync.intake.names import Fit, name_fit
from sheetsync.intake.responses import (
    SOURCE_SEP,
    Response,
    answer_text,
    ref_key,
    split_refs,
)
from sheetsync.normalize import cell_text, fold, format_datetime
from sheetsync.privacy import Consent, consent_of

# The check-in answer's first word ("Green – I have capacity") -> People's checkin_status.
CHECKIN = {"Green": "green", "Yellow": "yellow", "Red": "red"}


@dataclass
class PeopleIndex:
    """The people intake knows, and how a response finds its person: by its row, or by contact."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_ref: dict[str, str] = field(default_factory=dict)  # response -> its person's id
    # Contact -> the people known by it, each with the folded names they gave: a shared
    # household phone or email links only responses whose name fits (intake/names.py).
    by_contact: defaultdict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # Person -> the emails, and the phones, they are known by.
    emails_of: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    phones_of: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    typed: set[str] = field(default_factory=set)  # People rows an organizer typed by hand

    @classmethod
    def read(cls, records: list[dict[str, Any]], new_id: Callable[[], str]) -> PeopleIndex:
        """Index the People rows; a row an organizer added by hand gets its id here."""
        index = cls()
        for record in records:
            if not record["person_id"] and record["name"]:
                record["person_id"] = new_id()  # a person an organizer added by hand
            pid = record["person_id"]
            if not pid:
                continue
            index.by_id[pid] = record
            if not record["source"]:
                index.typed.add(pid)
            for ref in split_refs(record["source"]):
                index.by_ref.setdefault(ref, pid)
            index.remember(pid, record["email"], record["phone"], record["name"])
        return index

    def remember(self, pid: str, email: str, phone: str, name: str) -> None:
        """Know a person by their email and phone, with the name they gave."""
        folded = fold(name)
        for contact, known in ((email.casefold(), self.emails_of), (phone, self.phones_of)):
            if contact:
                self.by_contact[contact].setdefault(pid, set()).add(folded)
                known[pid].add(contact)

    def known(self, email: str, phone: str, name: str) -> str:
        """The person known by this email or phone whose name fits this one best; "" if
        nobody's does, or two people's fit it equally well but for the very same name.

        A nickname or a first name written after the family name needs no other contact
        against it (Bob on Robert's landline with an email of his own may be his son); a
        typo needs the phone and the email both, and both only that person's."""
        folded, email = fold(name), email.casefold()
        on_email = self.by_contact.get(email, {}) if email else {}
        on_phone = self.by_contact.get(phone, {}) if phone else {}
        sole = set(on_email) == set(on_phone) and len(on_email) == 1
        fits: dict[str, Fit] = {}
        for people in (on_email, on_phone):
            for pid, names in people.items():
                fit = max(name_fit(folded, known) for known in names)
                enough = fit >= self._least_fit(pid, email, phone, sole)
                if enough and fit > fits.get(pid, Fit.NONE):
                    fits[pid] = fit
        if not fits:
            return ""
        best = max(fits.values())
        chosen = [pid for pid, fit in fits.items() if fit == best]
        return chosen[0] if len(chosen) == 1 or best == Fit.SAME else ""

    def _least_fit(self, pid: str, email: str, phone: str, sole: bool) -> Fit:
        """The least fit of names that links a response to a person known by one of its
        contacts: the other contact decides how sure the name must be."""
        if pid in self.typed:
            return Fit.GIVEN  # a variant of the name typed by hand is for dedupe to weigh
        if sole:
            return Fit.TYPO
        other_email = email and self.emails_of[pid] and email not in self.emails_of[pid]
        other_phone = phone and self.phones_of[pid] and phone not in self.phones_of[pid]
        return Fit.GIVEN if other_email or other_phone else Fit.SIGNATURE

    def attach(self, ref: str, email: str, phone: str, name: str, new_id: Callable[[], str]) -> str:
        """The person a response is: by its row, by its contact and name, or someone new
        (`new_id` gives their id; add their People row). Known by this response from now."""
        pid = self.by_ref.get(ref) or self.known(email, phone, name) or new_id()
        self.by_ref.setdefault(ref, pid)
        self.remember(pid, email, phone, name)
        return pid


def forget_gone(records: list[dict[str, Any]], gone: set[str]) -> None:
    """Records stay, but their sources stop naming responses that no longer stand."""
    for record in records:
        refs = split_refs(record["source"])
        if any(ref in gone for ref in refs):
            record["source"] = SOURCE_SEP.join(ref for ref in refs if ref not in gone)


def _latest(group: list[Response], field: str, forms: tuple[str, ...]) -> Any:
    """The newest non-empty answer to a field among a person's responses to some forms."""
    for response in reversed(group):
        if response.form in forms:
            value = response.values.get(field, "")
            if value not in ("", None, []):
                return value
    return None


_BOTH = ("requests", "offers", "checkins")
_SOURCES = ("requests", "offers")
# A People field -> the forms that may set it. Who a person is (name, contacts, zone,
# languages) any form they answer says; what they give as a volunteer only the Offer help
# form (a request's availability is the need's: steps/intake.py's _need_answers), what they
# can offer others as a requester only the Request help form; check-ins set the check-in
# columns (_checkin_cells).
_ASKED_BY = {
    "phone": _BOTH,
    "email": _BOTH,
    "zone": _SOURCES,
    "languages": _SOURCES,
    "availability": ("offers",),
    "contact_pref": ("requests",),
    "offers": ("offers",),
    "offers_note": ("requests",),
    "weekly_capacity": ("offers",),
    "has_car": ("offers",),
    "volunteer_note": ("offers",),
}


def merge_person(record: dict[str, Any], group: list[Response]) -> None:
    """Update a person from their responses (oldest first): the newest answer wins."""
    # Recomputed from the responses alone, so that what dedupe copied from a linked row
    # goes away when organizers undo the link.
    for name, forms in _ASKED_BY.items():
        value = _latest(group, name, forms)
        record[name] = "" if value is None else answer_text(value)
    record["name"] = _person_name(group)
    record.update(_checkin_cells(group))
    record["roles"] = _roles(group)
    record["first_seen"] = group[0].ts.date().isoformat()
    record["last_seen"] = group[-1].ts.date().isoformat()
    refs = set(split_refs(record["source"]))
    refs.update(r.ref for r in group)
    record["source"] = SOURCE_SEP.join(sorted(refs, key=ref_key))


def _person_name(group: list[Response]) -> str:
    """The newest name a person gave, but not a slip: a first name alone ("Wei") never
    replaces a full name, nor the same name written another way (family name first,
    spaced otherwise, a typo) one they wrote as often, so a digest's "first name" stays
    their given name."""
    chosen, times = "", Counter[str]()
    for response in group:
        name = str(response.values.get("name") or "")
        if not name:
            continue
        times[fold(name)] += 1
        if chosen and len(name.split()) < 2 <= len(chosen.split()):
            continue
        variant = chosen and name_fit(fold(name), fold(chosen)) in (Fit.ORDER, Fit.TYPO)
        if not variant or times[fold(name)] > times[fold(chosen)]:
            chosen = name
    return chosen


def consent_answer(group: list[Response]) -> tuple[Consent, str] | None:
    """A person's newest answer to the consent question, on whichever form they gave it
    (privacy.py): a later "No" withdraws an earlier "Yes". With when they gave it."""
    answer = next((r for r in reversed(group) if r.values.get("consent")), None)
    if answer is None:
        return None
    consent = consent_of(str(answer.values["consent"])) or Consent.NO
    return consent, format_datetime(answer.ts)


def _checkin_cells(group: list[Response]) -> dict[str, str]:
    """A person's check-in columns from their newest check-in; empty if they have none."""
    checkin = next((r for r in reversed(group) if r.form == "checkins"), None)
    if checkin is None:
        return dict.fromkeys(
            ("checkin_status", "checkin_hours", "checkin_date", "checkin_note"), ""
        )
    v = checkin.values
    return {
        "checkin_status": CHECKIN.get(v["checkin_status"].split(" ", 1)[0], ""),
        "checkin_hours": cell_text(v["checkin_hours"]),
        "checkin_date": checkin.ts.date().isoformat(),
        "checkin_note": v["checkin_note"],
    }


def _roles(group: list[Response]) -> str:
    """Requester if they asked for help; volunteer if they offered it or checked in."""
    roles = set()
    if any(r.form == "requests" for r in group):
        roles.add("requester")
    if any(r.form in ("offers", "checkins") for r in group):
        roles.add("volunteer")
    return ", ".join(sorted(roles))
