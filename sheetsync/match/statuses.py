"""The needs' status, driven by their tasks' status (typed by organizers on the Tasks tab).

Both the dedupe step (hourly and weekly) and the match step (weekly) bring Needs' status
up to date from Tasks first, so that a need met on Tuesday is met for Wednesday's hourly
run too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sheetsync.statuses import LIVE, REAL_NEEDS, NeedStatus, TaskStatus, task_status


def update_need_statuses(needs: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> None:
    """done -> met; proposed or accepted -> matched; only declined or cancelled -> open.

    Needs that are withdrawn or repeat another (duplicate) keep their status. A task whose
    status is not understood counts as proposed (nothing is proposed twice meanwhile).
    """
    by_need: dict[str, set[TaskStatus]] = defaultdict(set)
    for task in tasks:
        by_need[task["need_id"]].add(task_status(task["status"]) or TaskStatus.PROPOSED)
    for need in needs:
        if need["status"] not in REAL_NEEDS:
            continue
        statuses = by_need.get(need["need_id"], set())
        if TaskStatus.DONE in statuses:
            need["status"] = NeedStatus.MET.value
        elif LIVE & statuses:
            need["status"] = NeedStatus.MATCHED.value
        elif need["status"] == NeedStatus.MATCHED:
            need["status"] = NeedStatus.OPEN.value  # declined or cancelled: free for someone else
