"""What a confirmation says, by email or on the phone (no I/O).

Only what the requester told the network themselves: the kinds of help they asked for and
how urgent they said it is, never their details (someone else may read their inbox, or
answer their phone), nor anything about a volunteer. A sensitive category
([privacy] sensitive_categories: Safety at home, Immigration help…) is not even named:
"and other help you asked for", so that a shared inbox or phone learns nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetsync.confirm.requests import Request
from sheetsync.digest.formats import answer
from sheetsync.digest.render import language_for, translate
from sheetsync.normalize import fold
from sheetsync.privacy import Person, Policy, first_name

# The request form's urgencies -> what the email says of when (templates: d.when).
WHEN = {"today": "today", "this week": "this week", "when someone can": "later"}


@dataclass
class ConfirmationEmail:
    """A requester's confirmation: what the templates (digest/confirmation.*) show."""

    network: str
    reference: str  # the request's first need id, to give when they call
    first_name: str
    categories: list[str]  # the kinds of help asked for, sensitive ones left out
    unnamed: int  # how many sensitive ones are left out
    when: str  # today, this week, later, or "" (an urgency the form does not offer)
    organizer_phone: str = ""
    languages: list[str] = field(default_factory=list)
    name: str = ""  # for the To header
    email: str = ""
    person_id: str = ""


def confirmation_email(
    request: Request, person: Person, policy: Policy, network: str, organizer_phone: str
) -> ConfirmationEmail:
    """The confirmation of one request to its requester."""
    named = [c for c in request.categories if not policy.is_sensitive(c)]
    return ConfirmationEmail(
        network=network,
        reference=request.reference,
        first_name=first_name(person.name),
        categories=named,
        unnamed=len(request.categories) - len(named),
        when=WHEN.get(fold(request.urgency), ""),
        organizer_phone=organizer_phone,
        languages=[request.languages],
        name=person.name,
        email=person.email,
        person_id=person.person_id,
    )


def language_of(request: Request) -> str:
    """The requester's language: the first they listed that sheetsync speaks, else en."""
    return language_for(request.languages)


# The call's script, sentence by sentence: the same messages as the email's, so one
# translation serves both (sheetsync/locale).
_WHEN_SAID = {
    "today": "You said it is for today: we look for a volunteer today.",
    "this week": "You said it is for this week: we look for a volunteer in the next few days.",
    "later": "You said it can wait until someone can: we look for a volunteer at our weekly "
    "matching, and keep looking until one is found.",
    "": "We look for a volunteer as soon as we can.",
}


def call_script(data: ConfirmationEmail, language: str) -> str:
    """What the caller says, in the requester's language, in a few sentences."""

    def say(message: str, **values: object) -> str:
        return translate(language, message, **values)

    asked = ", ".join(answer(c, language, "categories") for c in data.categories)
    if data.categories and data.unnamed:
        kinds = say("%(kinds)s and other help you asked for", kinds=asked)
    else:
        kinds = asked or say("the help you asked for")
    parts = [
        say("Hello, this is %(network)s.", network=data.network),
        say("We got your request for help with %(kinds)s.", kinds=kinds),
        say(_WHEN_SAID[data.when]),
        say("When a volunteer has agreed, they or an organizer will get in touch with you."),
        say("Your request's reference is %(reference)s.", reference=data.reference),
    ]
    if data.organizer_phone:
        parts.append(
            say("Questions, or something changed? Call %(phone)s.", phone=data.organizer_phone)
        )
    return " ".join(parts)
