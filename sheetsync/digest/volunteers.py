"""What each volunteer who opted in sees about their tasks, as plain data (no I/O).

Consent decides what leaves the spreadsheet (docs/digest.md, "Privacy"):
- a digest goes only to a volunteer who opted in (People's weekly_email, an organizer
  column) and has an email, and lists only their tasks proposed or accepted;
- the requester appears as their consent allows (privacy.shown_name);
- the requester's phone and email and the need's details reach the assigned volunteer
  only with the requester's full consent and no do_not_contact mark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sheetsync.digest.content import period_of
from sheetsync.digest.privacy import may_share_contact, shown_name
from sheetsync.members import kept_ids
from sheetsync.normalize import one_line
from sheetsync.statuses import LIVE, TaskStatus, task_status
from sheetsync.tables import records_of


@dataclass
class TaskLine:
    task_id: str
    category: str
    zone: str
    status: TaskStatus
    due: str
    who: str
    contact: str  # "" unless the requester consented
    details: str  # "" unless the requester consented
    languages: str
    availability: str


@dataclass
class VolunteerDigest:
    network: str
    period: str
    person_id: str
    first_name: str
    tasks: list[TaskLine]
    name: str = ""  # for the To header
    email: str = ""
    languages: str = ""  # theirs, for the digest's language


@dataclass(frozen=True)
class _People:
    """The People tab as the volunteers' digests look it up."""

    by_id: dict[str, dict[str, Any]]
    kept: dict[str, str]  # a linked duplicate's id -> the kept person's id
    opted: set[str]  # who gets a digest: opted in, with an email

    @classmethod
    def of(cls, people: list[dict[str, Any]]) -> _People:
        """From the People tab's records."""
        return cls(
            by_id={p["person_id"]: p for p in people},
            kept=kept_ids(people),
            opted={p["person_id"] for p in people if _opted_in(p["weekly_email"]) and p["email"]},
        )


def volunteer_digests(
    frames: dict[str, pd.DataFrame], network: str, now: dt.datetime
) -> list[VolunteerDigest]:
    """One digest per volunteer who opted in (People's weekly_email, an organizer column)
    and has tasks proposed or accepted."""
    if not frames["people"]["weekly_email"].map(_opted_in).any():
        return []  # nobody asked: nothing to build (a large network's tasks are many)
    people = _People.of(records_of(frames["people"]))
    needs = {n["need_id"]: n for n in records_of(frames["needs"])}
    lines_of = _task_lines_by_volunteer(records_of(frames["tasks"]), needs, people)
    period = period_of(now)
    return [
        _volunteer_digest(people.by_id[pid], lines, network, period)
        for pid, lines in sorted(lines_of.items())
        if pid in people.opted
    ]


def _task_lines_by_volunteer(
    tasks: list[dict[str, Any]], needs: dict[str, dict[str, Any]], people: _People
) -> dict[str, list[TaskLine]]:
    """Each live task (proposed or accepted) that a volunteer who opted in helps with, as
    a line under each of its helpers (the kept person of a linked duplicate)."""
    kept = people.kept
    tasks_of: dict[str, list[TaskLine]] = {}
    for task in tasks:
        status = task_status(task["status"])
        helpers = {kept.get(h, h) for h in (task["volunteer_id"], task["co_volunteer_id"]) if h}
        if status is None or status not in LIVE or not helpers & people.opted:
            continue
        need = needs.get(task["need_id"])
        if need is None:
            continue
        line = _task_line(task, status, need, people.by_id.get(need["person_id"], {}))
        # Once per person: the volunteer and co-volunteer may be two rows of one person.
        for helper in sorted(helpers):
            tasks_of.setdefault(helper, []).append(line)
    return tasks_of


def _task_line(
    task: dict[str, Any], status: TaskStatus, need: dict[str, Any], requester: dict[str, Any]
) -> TaskLine:
    """A task as its volunteer sees it: the requester as their consent allows; contact and
    details only when they may be shared."""
    consent = need["consent"]
    share = _may_share(consent, requester)
    return TaskLine(
        task_id=task["task_id"],
        category=task["category"],
        zone=task["zone"],
        status=status,
        due=task["due"],
        who=shown_name(need["name"], consent, need["zone"]),
        contact=_contact(requester) if share else "",
        details=one_line(need["details"]) if share else "",
        languages=need["languages"],
        availability=need["availability"],
    )


def _may_share(consent: str, requester: dict[str, Any]) -> bool:
    """A requester's contact and their need's details go to the assigned volunteer only
    with full consent, and never to someone marked do_not_contact."""
    return may_share_contact(consent) and not requester.get("do_not_contact", "").strip()


def _contact(requester: dict[str, Any]) -> str:
    """The requester's phone and email, on one line."""
    return one_line(
        ", ".join(x for x in (requester.get("phone", ""), requester.get("email", "")) if x)
    )


def _volunteer_digest(
    person: dict[str, Any], lines: list[TaskLine], network: str, period: str
) -> VolunteerDigest:
    """A volunteer's digest, greeting them by first name, in their language."""
    return VolunteerDigest(
        network,
        period,
        person["person_id"],
        one_line(person["name"]).split(" ")[0],
        lines,
        name=person["name"],
        email=person["email"],
        languages=person["languages"],
    )


def _opted_in(weekly_email: str) -> bool:
    return weekly_email.strip().casefold() in ("yes", "y", "sí", "si", "x")
