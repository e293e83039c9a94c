"""The words in status columns: what sheetsync writes there, and what organizers may type.

Each is a StrEnum whose values are the schema's enumeration for that column
(tests/test_schemas_and_jobs.py checks that they agree).
"""

from __future__ import annotations

from enum import StrEnum

from sheetsync.normalize import fold


class TaskStatus(StrEnum):
    """A task on the Tasks tab; organizers move it on (the column is theirs)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"


# A task someone is on (counts against their week); a task that ended without help.
LIVE = frozenset({TaskStatus.PROPOSED, TaskStatus.ACCEPTED})
# A task that is work done or on someone's plate (the Load tab and the figures count these).
WORK = frozenset({TaskStatus.ACCEPTED, TaskStatus.DONE})
ENDED = frozenset({TaskStatus.DECLINED, TaskStatus.CANCELLED})
# What organizers may type in a task's status, folded.
_TYPED = {
    **{status.value: status for status in TaskStatus},
    "in progress": TaskStatus.ACCEPTED,
    "canceled": TaskStatus.CANCELLED,
}


def task_status(text: str) -> TaskStatus | None:
    """A task's status as sheetsync reads what was typed; None when it is not one."""
    return _TYPED.get(fold(text))


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

    OPEN = "open"
    RESOLVED = "resolved"


class PairStatus(StrEnum):
    """A pair of people on the Duplicates tab."""

    TO_REVIEW = "to review"
    LINKED = "linked"
    LINKED_BY_ORGANIZERS = "linked by organizers"
    KEPT_APART = "kept apart"
    NO_LONGER_ALIKE = "no longer alike"
    CONTRADICTED = "contradicts another decision"
