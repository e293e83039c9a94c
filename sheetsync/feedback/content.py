"""What the ask after help says, by email or read out on a call (docs/feedback.md).

It holds only what the person asked knows already: their own first name, the kind of help
(left out when it is a sensitive category), the task's reference and its feedback code.
Never the other person's name or contact: the requester is not told who helped, the
volunteer not whom they helped (they know; an email can be forwarded).
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetsync.digest.render import translate
from sheetsync.feedback.model import Role
from sheetsync.privacy import first_name


@dataclass(frozen=True)
class FeedbackAsk:
    """One ask, for the feedback templates (templates/digest/feedback.*)."""

    network: str
    first_name: str
    role: str  # Role's value: the templates say "the help you asked for" or "you gave"
    category: str  # "" when it is sensitive: never emailed
    task_id: str
    code: str
    link: str  # the prefilled form link, "" when [feedback] form_url is not set
    organizer_phone: str = ""
    recurring: bool = False  # the volunteer is asked whether they keep helping


def feedback_ask(
    *,
    network: str,
    name: str,
    role: Role,
    category: str,
    sensitive: bool,
    task_id: str,
    code: str,
    link: str,
    organizer_phone: str,
    recurring: bool,
) -> FeedbackAsk:
    """The ask's data, with what it may say and nothing more."""
    return FeedbackAsk(
        network=network,
        first_name=first_name(name),
        role=role.value,
        category="" if sensitive else category,
        task_id=task_id,
        code=code,
        link=link,
        organizer_phone=organizer_phone,
        recurring=recurring and role is Role.VOLUNTEER,
    )


def call_script(ask: FeedbackAsk, language: str) -> str:
    """What the caller says and asks, in the person's language: the questions of the form,
    whose answers the caller types on the Feedback form with the code."""

    def say(message: str, **values: object) -> str:
        return translate(language, message, **values)

    if ask.role == Role.REQUESTER:
        about = (
            say("the help with %(kind)s you requested", kind=ask.category)
            if ask.category
            else say("the help you requested")
        )
    else:
        about = (
            say("the help with %(kind)s you gave", kind=ask.category)
            if ask.category
            else say("the help you gave")
        )
    parts = [
        say("Hello, we are calling from %(network)s.", network=ask.network),
        say("We are calling about %(about)s (%(task)s).", about=about, task=ask.task_id),
        say("Did the help happen: yes, partly or no? How did it go?"),
        say("Would you like an organizer to contact you?"),
    ]
    if ask.recurring:
        parts.append(say("It is a regular need: will you keep helping?"))
    parts.append(
        say(
            "(For the caller: write the answers on the Feedback form with the code %(code)s.)",
            code=ask.code,
        )
    )
    return " ".join(parts)


def follow_up_script(role: Role, task_id: str, language: str, network: str) -> str:
    """What the caller says to someone who asked on the Feedback form to be contacted."""
    key = (
        "You asked on our feedback form to be contacted about the help you asked for (%(task)s)."
        if role is Role.REQUESTER
        else "You asked on our feedback form to be contacted about the help you gave (%(task)s)."
    )
    return " ".join(
        [
            translate(language, "Hello, we are calling from %(network)s.", network=network),
            translate(language, key, task=task_id),
            translate(language, "How can we help?"),
        ]
    )
