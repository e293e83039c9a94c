"""Consent decides what leaves the spreadsheet.

A requester who answered "yes" may be named, with their contact, to the volunteer who helps
them; "first_name" shares the first name only; "no" (or no answer) shares initials and
zone. Organizers' notes and check-in notes never leave the spreadsheet at all.
"""

from __future__ import annotations

from sheetsync.normalize import one_line


def initials(name: str) -> str:
    """ "Maria Garcia" -> "M. G." """
    parts = [p for p in one_line(name).split(" ") if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "?"


def shown_name(name: str, consent: str, zone: str) -> str:
    """How a requester appears outside the spreadsheet, by their consent."""
    name = one_line(name)
    if consent == "yes":
        return name
    if consent == "first_name":
        return name.split(" ")[0] if name else "?"
    where = f" ({zone})" if zone else ""
    return f"{initials(name)}{where}"


def may_share_contact(consent: str) -> bool:
    return consent == "yes"
