"""Whether the volunteer of a series' previous need keeps its next one.

They do when they agreed to continue and every hard constraint of matching still holds.
Agreed means the previous need's task (accepted or done) says so: its `continues` column
(the organizers') yes, or, left empty, the volunteer's own answer on the Feedback form
(`volunteer_continues`) yes. The agreement carries on: the task made for the continuing
volunteer names it in its reasons, and stands for it until a no is written on one.

The constraints are matching's own (match/eligibility.py
`reasons`, on the network as match/network.py reads it): the category offered, language,
zone, availability, a car for rides, room left this week, not resting or red, not marked
do not contact, not the requester or in their household. Otherwise the need goes to
matching like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheetsync.config import MatchingConfig
from sheetsync.match.eligibility import Need, Volunteer, reasons
from sheetsync.match.reason_words import read_back
from sheetsync.match.volunteers import DO_NOT_CONTACT, RED, RESTING
from sheetsync.normalize import fold
from sheetsync.recur.series import CONTINUES, CONTINUES_OTHER, id_order
from sheetsync.statuses import WORK, TaskStatus
from sheetsync.translation import answer, gettext_noop, translate

YES, NO = "yes", "no"
# Why a volunteer may not be asked now (match/volunteers.py), as a recurrence note says it.
UNAVAILABLE = {
    RED: gettext_noop("is checked in red"),
    RESTING: gettext_noop("is resting (a rest confirmed on the Load tab)"),
    DO_NOT_CONTACT: gettext_noop("is marked do not contact"),
}


@dataclass(frozen=True)
class Agreement:
    """The previous need's task whose volunteer agreed to continue."""

    task_id: str
    volunteer_id: str


def agreement(
    previous: str, tasks: list[dict[str, Any]], status_of: list[TaskStatus]
) -> Agreement | None:
    """The agreement to continue behind the task of need `previous` (accepted or done, the
    latest); None when nobody agreed, or someone said no on that task."""
    held = [
        row
        for row, status in zip(tasks, status_of, strict=True)
        if row["need_id"] == previous and row["task_id"] and status in WORK
    ]
    if not held:
        return None
    task = max(held, key=lambda row: id_order(row["task_id"]))
    said = fold(str(task["continues"])) or fold(str(task["volunteer_continues"]))
    if said == YES:
        return Agreement(task["task_id"], task["volunteer_id"])
    if said == NO:
        return None
    # A task this step made for a continuing volunteer carries their agreement on, week
    # after week, until someone says no on one of them.
    earlier = carried_agreement(str(task["reasons"]))
    return Agreement(earlier, task["volunteer_id"]) if earlier else None


def carried_agreement(reasons: str) -> str | None:
    """The task a continuing volunteer agreed on, when `reasons` are those this step wrote
    for them (continuing_reasons), in any language sheetsync writes: the network's may
    have changed since. None for any other reasons."""
    for message in (*CONTINUES.values(), CONTINUES_OTHER):
        found = read_back(message, reasons, whole=True, **_READ)
        if found:
            return found[0]["task"]
    return None


_READ = {"series": r"\S+", "task": r"\S+"}


def continuing_reasons(message: str, series: str, agreed_on: str, language: str) -> str:
    """A continuing volunteer's task's reasons in `language` (the network's): `message` is
    series.CONTINUES' for the need's recurrence, else CONTINUES_OTHER."""
    return translate(language, message, series=series, task=agreed_on)


def why_not(need: Need, volunteer: Volunteer | None, config: MatchingConfig, language: str) -> str:
    """Why the volunteer who agreed to continue may not take the need now, in plain words
    in `language`; "" when they may (every hard constraint of matching holds)."""
    if volunteer is None:
        return translate(language, gettext_noop("no longer offers help"))
    if volunteer.unavailable:
        why = UNAVAILABLE.get(volunteer.unavailable)
        return translate(language, why) if why else f"is {volunteer.unavailable}"
    if volunteer.capacity <= 0:
        return translate(language, gettext_noop("has no room left this week"))
    if need.category not in volunteer.offers:
        category = answer(need.category, language, "categories")
        return translate(language, gettext_noop("no longer offers %(help)s"), help=category)
    if reasons(need, volunteer, config) is None:
        return translate(
            language, gettext_noop("no longer fits this need (zone, language, availability or car)")
        )
    return ""
