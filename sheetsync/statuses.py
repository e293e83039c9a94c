"""The words in status columns: what sheetsync writes there, and what organizers may type.

Each is a StrEnum whose values are the schema's enumeration for that column
(tests/test_vocabulary.py checks that they agree).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sheetsync.normalize import fold


class TaskStatus(StrEnum):
    """A task on the Tasks tab; organizers move it on (the column is theirs)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    # sheetsync withdrew a proposal nobody had answered: its volunteer became unavailable
    # or no longer had room (the reason is in the task's reasons). Not live, not work.
    WITHDRAWN = "withdrawn"
    # sheetsync moved on a proposal nobody accepted within [followup] expire_after (the
    # reason is in the task's reasons): not live, and its need is never proposed to that
    # volunteer again.
    EXPIRED = "expired"


# A task someone is on: it counts against their week, and its need is matched.
LIVE = frozenset({TaskStatus.PROPOSED, TaskStatus.ACCEPTED})
# A task that is work done or on someone's plate (the Load tab and the figures count these).
WORK = frozenset({TaskStatus.ACCEPTED, TaskStatus.DONE})
# English words organizers have always typed in a task's status (read, never written).
TASK_SYNONYMS = {"in progress": TaskStatus.ACCEPTED, "canceled": TaskStatus.CANCELLED}
# What organizers may type in a task's status, folded, in English. The words of the other
# languages are read where a tab is read (status_words.py, tables.read_table), so a task
# from a tab holds its canonical status already.
_TYPED = {**{status.value: status for status in TaskStatus}, **TASK_SYNONYMS}


def task_status(text: str) -> TaskStatus | None:
    """A task's status as sheetsync reads what was typed; None when it is not one."""
    return _TYPED.get(fold(text))


def statuses_of(tasks: Iterable[dict[str, Any]]) -> list[TaskStatus]:
    """Each task's status, in order; one nobody understands counts as proposed (nothing is
    proposed twice meanwhile). The match step reports those (steps/match.py)."""
    return [task_status(task["status"]) or TaskStatus.PROPOSED for task in tasks]


class NeedStatus(StrEnum):
    """A need on the Needs tab."""

    OPEN = "open"
    MATCHED = "matched"  # a task on it is proposed or accepted
    MET = "met"  # a task on it is done
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"  # the same person asked again while it was still open


# Needs that are real requests for help (not withdrawn, not a repeat of another).
REAL_NEEDS = (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.MET)


class ErrorStatus(StrEnum):
    """A response on the Errors tab."""

    OPEN = "open"  # the response could not be used
    NOTED = "noted"  # the response was used after sheetsync cleaned an answer: a look will do
    RESOLVED = "resolved"  # the response is fine now


# The Errors tab's form for the rows the end of run check writes (a rule matching keeps,
# broken): their source is "<Tab>:<id>" of the row to look at, not a form response.
CHECK_FORM = "sheetsync check"
# The Errors tab's form for a value in an organizer's column that breaks its schema (a task
# status "donee"): source "<Tab>:<id>", fields the column; also the end of run check's.
ORGANIZER_FORM = "organizer column"
# The Errors rows that are not about a form response: the check step keeps them, intake
# leaves them alone, and they are not "form responses to fix".
CHECK_FORMS = frozenset({CHECK_FORM, ORGANIZER_FORM})


class PairStatus(StrEnum):
    """A pair of people on the Duplicates tab."""

    TO_REVIEW = "to review"
    LINKED = "linked"
    LINKED_BY_ORGANIZERS = "linked by organizers"
    KEPT_APART = "kept apart"
    NO_LONGER_ALIKE = "no longer alike"
    CONTRADICTED = "contradicts another decision"


def update_need_statuses(needs: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> None:
    """Needs' status from their tasks': done -> met; proposed or accepted -> matched;
    only declined or cancelled -> open; a done task whose requester answered that the help
    did not come (help_came no) does not meet it.

    Both the dedupe step (hourly and weekly) and the match step bring it up to date first,
    so that a need met on Tuesday is met for Wednesday's hourly run too.

    Needs that are withdrawn or repeat another (duplicate) keep their status. A task whose
    status is not understood counts as proposed (nothing is proposed twice meanwhile).
    """
    by_need: dict[str, set[TaskStatus]] = defaultdict(set)
    not_met: set[str] = set()
    for task, status in zip(tasks, statuses_of(tasks), strict=True):
        if status is TaskStatus.DONE and str(task.get("help_came", "")) == "no":
            # The requester said on the Feedback form that the help did not come: the task
            # stays done, its need is open again (docs/feedback.md).
            not_met.add(task["need_id"])
            continue
        by_need[task["need_id"]].add(status)
    for need in needs:
        if need["status"] not in REAL_NEEDS:
            continue
        statuses = by_need.get(need["need_id"], set())
        if TaskStatus.DONE in statuses:
            need["status"] = NeedStatus.MET.value
        elif LIVE & statuses:
            need["status"] = NeedStatus.MATCHED.value
        elif need["status"] == NeedStatus.MET and need["need_id"] in not_met:
            need["status"] = NeedStatus.OPEN.value
        elif need["status"] == NeedStatus.MATCHED:
            need["status"] = NeedStatus.OPEN.value  # declined or cancelled: free for someone else
