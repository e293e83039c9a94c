"""How a requester may be told their request came in: the one rule (docs/confirmations.md).

Asking the network for help and leaving an email or a phone number is agreeing to be
contacted about that request by the network's organizers; the form's consent question is
about something else (what the volunteer who helps may learn: privacy.py), so it does not
enter here. What does:

- do_not_contact on any of the person's linked People rows: nobody contacts them;
- the request's "Best way to reach you": Call, Text, WhatsApp or Signal with a phone
  number given means a person phones them (the Call list), even when an email is there too;
- otherwise an email address means an email (Email, or no answer, or no phone at all);
- otherwise a phone number means the Call list; with neither, nobody can tell them.
"""

from __future__ import annotations

from enum import StrEnum

from sheetsync.normalize import fold

# The form's "Best way to reach you" answers that ask for a phone rather than an email.
BY_PHONE = frozenset({"call", "text", "whatsapp", "signal"})


class Way(StrEnum):
    """How a requester is told their request came in."""

    EMAIL = "email"
    CALL = "call"
    NO_WAY = "no way to reach them"
    DO_NOT_CONTACT = "do not contact"


def way_to_confirm(*, email: str, phone: str, contact_pref: str, do_not_contact: bool) -> Way:
    """The rule of the module's docstring."""
    if do_not_contact:
        return Way.DO_NOT_CONTACT
    prefers_phone = fold(contact_pref) in BY_PHONE
    if email.strip() and not (prefers_phone and phone.strip()):
        return Way.EMAIL
    if phone.strip():
        return Way.CALL
    return Way.NO_WAY
