"""Task statuses (typed by organizers on the Tasks tab) and the needs' status they drive.

Both the dedupe step (hourly and weekly) and the match step (weekly) bring Needs' status
up to date from Tasks first, so that a need met on Tuesday is met for Wednesday's hourly
run too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sheetsync.normalize import fold

LIVE = {"proposed", "accepted"}
ENDED = {"declined", "cancelled"}
# What organizers may type in a task's status, folded.
STATUSES = {
    "proposed": "proposed",
    "accepted": "accepted",
    "in progress": "accepted",
    "done": "done",
    "declined": "declined",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


def task_status(text: str) -> str | None:
    """A task's status as sheetsync reads it; None when it is not one of STATUSES."""
    return STATUSES.get(fold(text))


def update_need_statuses(needs: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> None:
    """done -> met; proposed or accepted -> matched; only declined or cancelled -> open.

    Needs that are withdrawn or repeat another (duplicate) keep their status. A task whose
    status is not understood counts as proposed (nothing is proposed twice meanwhile).
    """
    by_need: dict[str, set[str]] = defaultdict(set)
    for task in tasks:
        by_need[task["need_id"]].add(task_status(task["status"]) or "proposed")
    for need in needs:
        if need["status"] not in ("open", "matched", "met"):
            continue
        statuses = by_need.get(need["need_id"], set())
        if "done" in statuses:
            need["status"] = "met"
        elif LIVE & statuses:
            need["status"] = "matched"
        elif need["status"] == "matched":
            need["status"] = "open"  # declined or cancelled: free for someone else
