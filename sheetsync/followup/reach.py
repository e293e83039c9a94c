"""Whom sheetsync may email of their own tasks: the rule of the weekly volunteer digest
(digest/volunteers.py), shared by the follow-up's reminders.

A volunteer may be emailed when they opted in (People's weekly_email, an organizer
column, on any of their rows), the People row they count as has an email, and none of
their rows is marked do not contact. A linked duplicate counts as its kept person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.members import kept_ids

# Why a volunteer is not emailed, in the words the Tasks tab's follow_up uses.
NOT_OPTED_IN = "not on the weekly email"
NOT_EMAILED_DO_NOT_CONTACT = "marked do not contact"
NOT_EMAILED_NO_EMAIL = "no email address"
NOT_A_PERSON = "not on the People tab"

_YES = ("yes", "y", "sí", "si", "x")


def opted_in(weekly_email: str) -> bool:
    """Whether a weekly_email cell says yes."""
    return weekly_email.strip().casefold() in _YES


@dataclass(frozen=True)
class Reach:
    """The People tab as the email rule reads it."""

    kept: Mapping[str, str]  # every person id -> the person it counts as
    why_not: Mapping[str, str]  # kept id -> why they may not be emailed ("" if they may)
    # kept id -> the address their email goes to (their own row's): the send log names a
    # reminder's recipient by it (the Run log's changes column)
    address: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, people: pd.DataFrame) -> Reach:
        """From the People tab's frame (one pass over the columns the rule reads)."""
        columns = ("person_id", "duplicate_of", "weekly_email", "email", "do_not_contact")
        rows = [
            dict(zip(columns, values, strict=True))
            for values in zip(*(people[c].tolist() for c in columns), strict=True)
        ]
        return cls.of_records(rows)

    @classmethod
    def of_records(cls, people: Iterable[Mapping[str, Any]]) -> Reach:
        """From People records (person_id, duplicate_of, weekly_email, email, do_not_contact)."""
        rows = [dict(p) for p in people if p["person_id"]]
        by_id = {p["person_id"]: p for p in rows}
        # A duplicate_of naming nobody (typed by hand) leaves the row its own person.
        kept = {pid: k if k in by_id else pid for pid, k in kept_ids(rows).items()}
        opted = {kept[p["person_id"]] for p in rows if opted_in(str(p["weekly_email"]))}
        barred = {kept[p["person_id"]] for p in rows if str(p["do_not_contact"]).strip()}
        why_not = {}
        for pid in set(kept.values()):
            if pid not in opted:
                why_not[pid] = NOT_OPTED_IN
            elif pid in barred:
                why_not[pid] = NOT_EMAILED_DO_NOT_CONTACT
            elif not str(by_id[pid]["email"]).strip():
                why_not[pid] = NOT_EMAILED_NO_EMAIL
            else:
                why_not[pid] = ""
        address = {pid: str(by_id[pid]["email"]) for pid in set(kept.values())}
        return cls(kept, why_not, address)

    def person(self, person_id: str) -> str:
        """The id a person counts as (a linked duplicate's kept person)."""
        return self.kept.get(person_id, person_id)

    def reason_not(self, person_id: str) -> str:
        """Why this person may not be emailed of their tasks; "" when they may."""
        return self.why_not.get(self.person(person_id), NOT_A_PERSON)

    def email(self, person_id: str) -> str:
        """The address a person's reminder goes to ("" when none)."""
        return self.address.get(self.person(person_id), "")

    def may_email(self, person_id: str) -> bool:
        return self.reason_not(person_id) == ""
