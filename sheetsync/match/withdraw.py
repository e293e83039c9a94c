"""Proposals follow the present: a proposal nobody has answered yet is withdrawn when its
volunteer can no longer be asked (a red check-in, a rest confirmed on the Load tab, marked
do not contact) or no longer has room for it (a lower capacity in a check-in or a new
offer: the newest proposals go first, until the rest fit).

Only what sheetsync proposed itself is withdrawn (a task_id and a `proposed` time): a
`proposed` typed by hand is the organizers', and the end of run check reports it if it
breaks a rule. So is an accepted task: never withdrawn. A co-volunteer who can no longer be
asked is taken off the proposal, which stays with its volunteer.

Whether a helper can be asked is their own (their rows and linked ones), never a row
joined to theirs only by a pair still to review; their room is counted with such rows, and
the reason then says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sheetsync.form_languages import ENGLISH
from sheetsync.match.eligibility import Volunteer
from sheetsync.match.network import Network
from sheetsync.match.reason_words import WITHDRAWN, WITHDRAWN_AS
from sheetsync.members import parse_datetime, task_helpers
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.translation import gettext_noop, number, translate

# Said of a co-volunteer taken off: no id and no wellbeing state, which `sheetsync forget`
# could not find on a task that is not theirs.
CO_VOLUNTEER_OFF = gettext_noop("a co-volunteer was taken off %(day)s: no longer available")
NO_ROOM = gettext_noop("no room left this week (capacity %(capacity)s a week)")
NO_ROOM_COUNTED_WITH = gettext_noop(
    "no room left this week (capacity %(capacity)s a week, counted with another People row "
    "until their pair on Duplicates is decided)"
)


@dataclass(frozen=True)
class Withdrawal:
    """One helper taken off one proposal: its volunteer (the task is withdrawn) or its
    co-volunteer (the task stays with its volunteer)."""

    task: int  # index in the tasks
    person_id: str  # the helper's id as on the task
    joined_id: str  # the id matching counts them under
    co_volunteer: bool
    why: str  # plain words, no personal data: "checked in red", "no room left this week"
    # For want of room: their tasks a week, and whether rows still to review count with
    # theirs (the reason in another language is worded from these); None otherwise.
    room: tuple[int, bool] | None = None

    def why_in(self, language: str) -> str:
        """`why` in `language` (a reason sheetsync does not word is kept as it is)."""
        if self.room is None:
            return self.why
        weekly, shared = self.room
        message = NO_ROOM_COUNTED_WITH if shared else NO_ROOM
        return translate(language, message, capacity=number(weekly, language))

    def note(self, day: dt.date, language: str) -> str:
        """What the withdrawn task's reasons say, in `language`."""
        if self.co_volunteer:
            return translate(language, CO_VOLUNTEER_OFF, day=day.isoformat())
        if self.room is None and self.why in WITHDRAWN_AS:
            return translate(language, WITHDRAWN_AS[self.why], day=day.isoformat())
        return translate(language, WITHDRAWN, day=day.isoformat(), why=self.why_in(language))


# A proposal a helper holds: (task index, the helper's id as on the task, co-volunteer?).
Held = tuple[int, str, bool]


def withdrawals(
    tasks: list[dict[str, Any]], volunteers: list[Volunteer], net: Network
) -> list[Withdrawal]:
    """The helpers to take off proposals sheetsync made that nobody answered yet, given
    `volunteers` as matching weighs them (match.volunteers: capacity is their room after
    the tasks they hold, hand-typed ones included)."""
    held = _proposals(tasks, net.joined)
    gone = [
        Withdrawal(k, h, rep, co, net.unavailable[h])
        for rep, proposals in held.items()
        for k, h, co in proposals
        if h in net.unavailable
    ]
    # A task withdrawn frees all its helpers; a co-volunteer taken off, only them.
    withdrawn = {w.task for w in gone if not w.co_volunteer}
    off = {(w.task, w.person_id) for w in gone}
    by_id = {v.person_id: v for v in volunteers}
    found = list(gone)
    for rep, proposals in held.items():
        volunteer = by_id.get(rep)
        if volunteer is not None and volunteer.capacity < 0:
            left = [p for p in proposals if p[0] not in withdrawn and p[:2] not in off]
            over = -volunteer.capacity - (len(proposals) - len(left))
            found += _newest(tasks, left, over, rep, _no_room(volunteer, rep, net))
    return sorted(found, key=lambda w: (w.task, w.co_volunteer))


def _no_room(volunteer: Volunteer, rep: str, net: Network) -> Withdrawal:
    """Why a proposal goes for want of room (a Withdrawal with only that filled in); rows
    still to review counted with theirs are mentioned, not named (an id here would
    outlive `sheetsync forget` of that row)."""
    people = {net.kept.get(p, p) for p, r in net.joined.items() if r == rep}
    room = (volunteer.weekly, len(people) > 1)
    why = Withdrawal(-1, "", rep, False, "", room)
    return replace(why, why=why.why_in(ENGLISH))


def _proposals(tasks: list[dict[str, Any]], joined: dict[str, str]) -> dict[str, list[Held]]:
    """Joined id -> the proposals sheetsync made that they hold, each task once a person."""
    held: dict[str, list[Held]] = defaultdict(list)
    for k, task in enumerate(tasks):
        if task_status(task["status"]) != TaskStatus.PROPOSED or not _ours(task):
            continue
        for rep, helper in task_helpers(task, joined).items():
            held[rep].append((k, helper, helper != task["volunteer_id"]))
    return held


def _ours(task: dict[str, Any]) -> bool:
    """Whether sheetsync proposed the task: it writes a task_id and the time it proposed."""
    return bool(task["task_id"].strip()) and parse_datetime(task["proposed"]) is not None


def _newest(
    tasks: list[dict[str, Any]], proposals: list[Held], over: int, rep: str, why: Withdrawal
) -> list[Withdrawal]:
    """The `over` newest of `proposals` taken off, for the reason `why` gives."""
    if over <= 0:
        return []
    newest = sorted(proposals, key=lambda p: _newest_first(tasks[p[0]], p[0]), reverse=True)
    return [replace(why, task=k, person_id=h, co_volunteer=co) for k, h, co in newest[:over]]


def _newest_first(task: dict[str, Any], k: int) -> tuple[dt.datetime, int]:
    """Sort key, reversed: the latest proposed first, then the lowest on the tab."""
    return (parse_datetime(task["proposed"]) or dt.datetime.min, k)


def apply_withdrawals(
    tasks: list[dict[str, Any]], found: list[Withdrawal], today: dt.date, language: str = ENGLISH
) -> dict[str, set[str]]:
    """Mark each withdrawn task `withdrawn` and say why in its reasons, in `language` (the
    network's); take a co-volunteer off theirs. Need id -> the helpers' joined ids: not
    proposed it again this run."""
    again: dict[str, set[str]] = defaultdict(set)
    for w in found:
        task = tasks[w.task]
        if w.co_volunteer:
            task["co_volunteer_id"] = ""
        else:
            task["status"] = TaskStatus.WITHDRAWN.value
        note = w.note(today, language)
        if note not in task["reasons"]:
            task["reasons"] = "; ".join(filter(None, [task["reasons"], note]))
        again[task["need_id"]].add(w.joined_id)
    return again
