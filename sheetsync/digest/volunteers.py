"""What each volunteer who opted in sees about their tasks, as plain data (no I/O).

A volunteer learns only what their own task needs (privacy.Policy, docs/privacy.md):
- a digest goes only to a volunteer who opted in (People's weekly_email, an organizer
  column), has an email and is not marked do-not-contact; it lists only their own tasks,
  proposed or accepted;
- a proposal shows category, zone, timing and the requester's initials;
- an accepted task adds what the requester's current consent allows: their name, contact
  and that need's details; a sensitive category's details are never emailed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.digest.content import period_of
from sheetsync.followup.reach import opted_in as opted_in  # the weekly email rule, shared
from sheetsync.members import kept_ids
from sheetsync.normalize import one_line
from sheetsync.privacy import Policy
from sheetsync.statuses import LIVE, TaskStatus, task_status
from sheetsync.tables import records_of

# Why a volunteer who asked for the weekly email gets none (the organizers' digest counts).
NOT_EMAILED_DO_NOT_CONTACT = "marked do not contact"
NOT_EMAILED_NO_EMAIL = "no email address"


@dataclass
class TaskLine:
    task_id: str
    category: str
    zone: str
    status: TaskStatus
    due: str
    who: str  # initials on a proposal; on an accepted task, as the requester consented
    contact: str  # "" unless accepted and the requester consented
    details: str  # "" unless accepted, consented and not a sensitive category
    languages: str
    availability: str
    urgency: str = ""
    ask_organizer: bool = False  # details exist that only an organizer gives (by phone)

    @property
    def proposed(self) -> bool:
        return self.status is TaskStatus.PROPOSED


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
    organizer_phone: str = ""  # whom to call for what the email does not say
    # With a volunteer board ([board]): their code to claim needs on it, and its address.
    board_code: str = ""
    board_link: str = ""


@dataclass
class VolunteerDigests:
    """The volunteers' digests, and how many who asked for one get none, and why (the
    organizers' digest says so, without naming them)."""

    digests: list[VolunteerDigest] = field(default_factory=list)
    not_emailed: Counter[str] = field(default_factory=Counter)  # reason -> how many


@dataclass(frozen=True)
class _People:
    """The People tab as the volunteers' digests look it up."""

    by_id: dict[str, dict[str, Any]]
    kept: dict[str, str]  # a linked duplicate's id -> the kept person's id
    opted: set[str]  # who asked for a digest (weekly_email on any of their rows), kept ids

    @classmethod
    def of(cls, people: list[dict[str, Any]]) -> _People:
        """From the People tab's records."""
        by_id = {p["person_id"]: p for p in people}
        # A duplicate_of naming nobody (typed by hand) leaves the row its own person.
        kept = {pid: k if k in by_id else pid for pid, k in kept_ids(people).items()}
        return cls(
            by_id=by_id,
            kept=kept,
            opted={kept[p["person_id"]] for p in people if opted_in(p["weekly_email"])},
        )


def volunteer_digests(
    frames: dict[str, pd.DataFrame],
    network: str,
    now: dt.datetime,
    policy: Policy,
    *,
    organizer_phone: str = "",
    board_link: str | None = None,
) -> VolunteerDigests:
    """One digest per volunteer who opted in (People's weekly_email, an organizer column)
    and has tasks proposed or accepted (or, with a board, a volunteer code). Who opted in
    but is marked do-not-contact or has no email address gets none, counted in
    `not_emailed`. `board_link`: the network has a
    volunteer board (its address, or ""), so each digest tells its volunteer their code."""
    result = VolunteerDigests()
    if not frames["people"]["weekly_email"].map(opted_in).any():
        return result  # nobody asked: nothing to build (a large network's tasks are many)
    people = _People.of(records_of(frames["people"]))
    needs = {n["need_id"]: n for n in records_of(frames["needs"])}
    lines_of = _task_lines_by_volunteer(records_of(frames["tasks"]), needs, people, policy)
    period = period_of(now)
    for pid in sorted(people.opted):
        person = people.by_id[pid]
        if not policy.may_email(pid):
            result.not_emailed[NOT_EMAILED_DO_NOT_CONTACT] += 1
        elif not person["email"]:
            result.not_emailed[NOT_EMAILED_NO_EMAIL] += 1
        elif pid in lines_of or _on_board(person, board_link):  # else nothing to say
            digest = _volunteer_digest(person, lines_of.get(pid, []), network, period)
            digest.organizer_phone = organizer_phone
            if board_link is not None:
                digest.board_code = str(person["volunteer_code"])
                digest.board_link = board_link
            result.digests.append(digest)
    return result


def _on_board(person: dict[str, Any], board_link: str | None) -> bool:
    """With a volunteer board, a volunteer without tasks is told their code and the board."""
    return board_link is not None and bool(str(person["volunteer_code"]).strip())


def _task_lines_by_volunteer(
    tasks: list[dict[str, Any]],
    needs: dict[str, dict[str, Any]],
    people: _People,
    policy: Policy,
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
        line = task_line(task, status, need, policy)
        # Once per person: the volunteer and co-volunteer may be two rows of one person.
        for helper in sorted(helpers):
            tasks_of.setdefault(helper, []).append(line)
    return tasks_of


def task_line(
    task: dict[str, Any],
    status: TaskStatus,
    need: dict[str, Any],
    policy: Policy,
) -> TaskLine:
    """A task as its volunteer sees it, as the policy allows."""
    shown = policy.for_volunteer(
        need["person_id"],
        accepted=status is TaskStatus.ACCEPTED,
        category=need["category"],
        details=need["details"],
    )
    return TaskLine(
        task_id=task["task_id"],
        category=task["category"],
        zone=task["zone"],
        status=status,
        due=task["due"],
        who=shown.who,
        contact=shown.contact,
        details=shown.details,
        languages=need["languages"],
        availability=need["availability"],
        urgency=need["urgency"],
        ask_organizer=shown.ask_organizer,
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
