"""Proposals follow the present: a proposal nobody has answered yet is withdrawn when its
volunteer can no longer be asked (a red check-in, a rest confirmed on the Load tab, marked
do not contact) or no longer has room for it (a lower capacity in a check-in or a new
offer: the newest proposals go first, until the rest fit).

An accepted task is never withdrawn: that is the organizers' call (the end of run check
reports it if it breaks a rule). A co-volunteer who can no longer be asked is taken off the
proposal, which stays with its volunteer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sheetsync.match.eligibility import Volunteer
from sheetsync.members import parse_datetime
from sheetsync.statuses import TaskStatus, task_status


@dataclass(frozen=True)
class Withdrawal:
    """One helper taken off one proposal: its volunteer (the task is withdrawn) or its
    co-volunteer (the task stays with its volunteer)."""

    task: int  # index in the tasks
    person_id: str  # the helper's id as on the task
    joined_id: str  # the id matching counts them under
    co_volunteer: bool
    why: str  # plain words, no personal data: "checked in red", "no room left this week"


def withdrawals(
    tasks: list[dict[str, Any]], volunteers: list[Volunteer], joined: dict[str, str]
) -> list[Withdrawal]:
    """The helpers to take off proposals still unanswered, given `volunteers` as matching
    weighs them (match.volunteers: capacity is their room after the tasks they hold)."""
    by_id = {v.person_id: v for v in volunteers}
    held: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    for k, task in enumerate(tasks):
        if task_status(task["status"]) != TaskStatus.PROPOSED:
            continue
        for helper, co in ((task["volunteer_id"], False), (task["co_volunteer_id"], True)):
            if helper:
                held[joined.get(helper, helper)].append((k, helper, co))
    found: list[Withdrawal] = []
    for rep, proposals in held.items():
        volunteer = by_id.get(rep)
        if volunteer is None:
            continue  # no longer a volunteer at all: the check reports it if it matters
        if volunteer.unavailable:
            found += [Withdrawal(k, h, rep, co, volunteer.unavailable) for k, h, co in proposals]
        elif volunteer.capacity < 0:
            newest = sorted(proposals, key=lambda p: _newest_first(tasks[p[0]], p[0]), reverse=True)
            why = f"no room left this week (capacity {volunteer.weekly} a week)"
            over = -volunteer.capacity
            found += [Withdrawal(k, h, rep, co, why) for k, h, co in newest[:over]]
    return sorted(found, key=lambda w: (w.task, w.co_volunteer))


def _newest_first(task: dict[str, Any], k: int) -> tuple[dt.datetime, int]:
    """Sort key, reversed: the latest proposed first (a task typed in without a date counts
    as the oldest), then the lowest on the tab."""
    return (parse_datetime(task["proposed"]) or dt.datetime.min, k)


def apply_withdrawals(
    tasks: list[dict[str, Any]], found: list[Withdrawal], today: dt.date
) -> dict[str, set[str]]:
    """Mark each withdrawn task `withdrawn` and say why in its reasons; take a co-volunteer
    off theirs. Need id -> the helpers' joined ids: not proposed it again this run."""
    again: dict[str, set[str]] = defaultdict(set)
    for w in found:
        task = tasks[w.task]
        if w.co_volunteer:
            task["co_volunteer_id"] = ""
            note = f"co-volunteer {w.person_id} withdrawn {today.isoformat()}: {w.why}"
        else:
            task["status"] = TaskStatus.WITHDRAWN.value
            note = f"withdrawn {today.isoformat()}: {w.why}"
        if note not in task["reasons"]:
            task["reasons"] = "; ".join(filter(None, [task["reasons"], note]))
        again[task["need_id"]].add(w.joined_id)
    return again
