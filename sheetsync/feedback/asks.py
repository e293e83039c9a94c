"""Whom to ask after help, and how: each done task's requester and volunteer, once each.

A task is asked about once it is done (its status, typed by organizers), if it was proposed
in the last ASK_WITHIN days: a network that starts using feedback is not asking about
last year's tasks. Each of the two people is asked once (the task's feedback_asked cell
says whom, how and when, or why not), in the way they may be reached:

- the requester, as their request came in (the confirmations' rule, confirm/reach.py on
  helper A's branch): nobody when marked do not contact; a phone call when their "Best way
  to reach you" is a call, text, WhatsApp or Signal and they gave a phone; else an email
  if they gave one; else a call if they gave a phone;
- the volunteer, as their reminders (followup/reach.py): an email when they may be emailed
  of their tasks, else a call if they gave a phone and are not marked do not contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sheetsync.confirm.reach import way_to_confirm
from sheetsync.feedback.model import Role, role_of_word
from sheetsync.followup.reach import Reach
from sheetsync.form_languages import ENGLISH
from sheetsync.normalize import format_datetime, parse_timestamp
from sheetsync.privacy import Policy
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.translation import available_languages, gettext_noop, translate

ASK_WITHIN = dt.timedelta(days=60)
# The request form's "Best way to reach you" answers that ask for a phone, not an email.
ASKED_SEP = "; "


class Way(StrEnum):
    """How a person is asked after help, if at all."""

    EMAIL = "email"
    CALL = "call"
    DO_NOT_CONTACT = "do not contact"
    NO_WAY = "no email or phone"


# What the Tasks tab's feedback_asked notes of each ask, by role and way, in the tab's
# language: whole, so that each message is one a digest never says. Only its first word,
# the role (model.role_word's), and whether the way reached them are read back.
MARKS = {
    (Role.REQUESTER, Way.EMAIL): gettext_noop("requester emailed %(when)s"),
    (Role.REQUESTER, Way.CALL): gettext_noop("requester on the Call list %(when)s"),
    (Role.REQUESTER, Way.DO_NOT_CONTACT): gettext_noop(
        "requester not asked: marked do not contact %(when)s"
    ),
    (Role.REQUESTER, Way.NO_WAY): gettext_noop("requester not asked: no email or phone %(when)s"),
    (Role.VOLUNTEER, Way.EMAIL): gettext_noop("volunteer emailed %(when)s"),
    (Role.VOLUNTEER, Way.CALL): gettext_noop("volunteer on the Call list %(when)s"),
    (Role.VOLUNTEER, Way.DO_NOT_CONTACT): gettext_noop(
        "volunteer not asked: marked do not contact %(when)s"
    ),
    (Role.VOLUNTEER, Way.NO_WAY): gettext_noop("volunteer not asked: no email or phone %(when)s"),
}


@dataclass(frozen=True)
class Ask:
    """One person to ask about one task."""

    task_id: str
    need_id: str
    role: Role
    person_id: str
    way: Way
    email: str = ""

    def mark(self, now: dt.datetime, language: str = ENGLISH) -> str:
        """What feedback_asked notes of it, in the tab's language."""
        return translate(language, MARKS[self.role, self.way], when=format_datetime(now))


def asked_roles(cell: str) -> set[Role]:
    """The roles a feedback_asked cell says were asked (or decided not to be), noted in
    any language sheetsync writes: a network that changes its language asks nobody twice."""
    words = (part.strip().split(" ", 1)[0] for part in cell.split(ASKED_SEP) if part.strip())
    return {role for role in map(role_of_word, words) if role is not None}


def reached_roles(cell: str) -> list[Role]:
    """The roles a feedback_asked cell says were asked by email or on the Call list (not
    those nobody could ask), noted in any language sheetsync writes."""
    reached = _reached_marks()
    found = []
    for part in cell.split(ASKED_SEP):
        role = role_of_word(part.strip().partition(" ")[0])
        if role is not None and any(part.strip().startswith(mark) for mark in reached[role]):
            found.append(role)
    return found


@cache
def _reached_marks() -> dict[Role, tuple[str, ...]]:
    """Each role's marks of an ask that reached them, up to the time, in every language."""
    return {
        role: tuple(
            translate(language, MARKS[role, way], when="")
            for language in sorted(available_languages())
            for way in (Way.EMAIL, Way.CALL)
        )
        for role in Role
    }


def requester_way(*, email: str, phone: str, contact_pref: str, do_not_contact: bool) -> Way:
    """How a requester is asked: as they are told their request came in (one rule,
    confirm/reach.way_to_confirm: their preferred way, email else phone)."""
    way = way_to_confirm(
        email=email, phone=phone, contact_pref=contact_pref, do_not_contact=do_not_contact
    )
    return Way[way.name]


def volunteer_way(person_id: str, reach: Reach, policy: Policy) -> tuple[Way, str]:
    """How a volunteer is asked, and the address when by email."""
    if reach.may_email(person_id):
        return Way.EMAIL, reach.email(person_id)
    person = policy.person(person_id)
    if person.do_not_contact or not person.person_id:
        return (Way.DO_NOT_CONTACT if person.person_id else Way.NO_WAY), ""
    return (Way.CALL if person.phone.strip() else Way.NO_WAY), ""


def asks_due(
    tasks: list[dict[str, Any]],
    needs: Mapping[str, Mapping[str, Any]],
    policy: Policy,
    reach: Reach,
    now: dt.datetime,
) -> list[Ask]:
    """The asks this run makes: done tasks, recent enough, each role not asked yet."""
    found = []
    for task in tasks:
        done = task_status(str(task["status"])) is TaskStatus.DONE
        if not (done and task["task_id"] and task["feedback_code"]):
            continue
        proposed = parse_timestamp(task["proposed"], dayfirst=False)
        if proposed is not None and now - proposed > ASK_WITHIN:
            continue
        asked = asked_roles(str(task["feedback_asked"]))
        need = needs.get(str(task["need_id"]), {})
        if Role.REQUESTER not in asked and need:
            person = policy.person(str(need["person_id"]))
            way = requester_way(
                email=person.email,
                phone=person.phone,
                contact_pref=str(need.get("contact_pref", "")),
                do_not_contact=person.do_not_contact or not person.person_id,
            )
            found.append(
                Ask(
                    task["task_id"],
                    task["need_id"],
                    Role.REQUESTER,
                    person.person_id or str(need["person_id"]),
                    way,
                    person.email if way is Way.EMAIL else "",
                )
            )
        if Role.VOLUNTEER not in asked and task["volunteer_id"]:
            vid = str(task["volunteer_id"])
            way, address = volunteer_way(vid, reach, policy)
            found.append(
                Ask(
                    task["task_id"],
                    task["need_id"],
                    Role.VOLUNTEER,
                    reach.person(vid),
                    way,
                    address,
                )
            )
    return found
