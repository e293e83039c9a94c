"""Members as the weekly steps see them: a person with their linked duplicate rows, their
latest check-in, and the tasks they helped with.

Shared by match (who may help) and load (who is carrying too much), so both read People and
Tasks the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sheetsync.normalize import parse_date
from sheetsync.statuses import TaskStatus, statuses_of


def kept_ids(people: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Every person id -> the id of the person it counts for (itself unless linked)."""
    return {p["person_id"]: p["duplicate_of"] or p["person_id"] for p in people if p["person_id"]}


def rows_by_person(
    people: Iterable[dict[str, Any]], kept: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Kept person id -> their People rows (their own first, then linked ones)."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in people:
        if p["person_id"]:
            rows[kept[p["person_id"]]].append(p)
    for pid, group in rows.items():
        group.sort(key=lambda r: r["person_id"] != pid)
    return rows


def latest_checkin(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row holding a person's latest check-in (a red one wins a same-day tie)."""
    return max(rows, key=lambda r: (r["checkin_date"], r["checkin_status"] == "red"))


def is_volunteer(rows: list[dict[str, Any]]) -> bool:
    return any("volunteer" in r["roles"] for r in rows)


@dataclass(frozen=True)
class Checkin:
    """A person's latest capacity check-in; status "" when they never checked in."""

    status: str  # green, yellow, red or ""
    hours: float | None
    on: dt.date | None

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> Checkin:
        latest = latest_checkin(rows)
        hours = latest["checkin_hours"]
        return cls(
            status=latest["checkin_status"],
            hours=float(hours) if hours else None,
            on=dt.date.fromisoformat(latest["checkin_date"]) if latest["checkin_date"] else None,
        )


@dataclass(frozen=True)
class Help:
    """One task a member took part in (as its volunteer or co-volunteer)."""

    task_id: str
    need_id: str
    person_id: str  # the kept person
    status: TaskStatus
    on: dt.date | None  # the task's date: its due date, else the day it was proposed
    due: dt.date | None
    hours: float | None  # as recorded on the Tasks tab
    proposed: dt.date | None = None  # the day sheetsync proposed it (or it was typed in)


def task_helpers(task: dict[str, Any], kept: dict[str, str]) -> dict[str, str]:
    """The distinct people a task occupies: the id each counts under (`kept`) -> their id
    as on the task. A volunteer and co-volunteer who count as one person are one helper
    (the volunteer): the task takes one place in their week, not two."""
    helpers: dict[str, str] = {}
    for helper in (task["volunteer_id"], task["co_volunteer_id"]):
        if helper:
            helpers.setdefault(kept.get(helper, helper), helper)
    return helpers


def helps(tasks: Iterable[dict[str, Any]], kept: dict[str, str], *, dayfirst: bool) -> list[Help]:
    """Each (task, helper) pair on the Tasks tab, a helper being a person as `kept` counts
    them (task_helpers). A status nobody understands counts as proposed, as everywhere else."""
    tasks = list(tasks)
    found = []
    for task, status in zip(tasks, statuses_of(tasks), strict=True):
        due = parse_date(task["due"], dayfirst=dayfirst)
        proposed = parse_datetime(task["proposed"])
        on = due or (proposed.date() if proposed else None)
        hours = _number(task["hours"])
        for person in task_helpers(task, kept):
            found.append(
                Help(
                    task["task_id"],
                    task["need_id"],
                    person,
                    status,
                    on,
                    due,
                    hours,
                    proposed.date() if proposed else None,
                )
            )
    return found


def parse_datetime(text: str) -> dt.datetime | None:
    """sheetsync's own datetime text ("2026-11-23 07:00"), or any ISO form typed over it
    ("2026-11-23T07:00:00Z"), as a naive datetime; None otherwise."""
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    # Every datetime sheetsync compares is naive local time: one with an offset would
    # make the comparison raise. The offset is dropped, the clock time kept as typed.
    return parsed.replace(tzinfo=None)


def split_list(text: str) -> set[str]:
    """A list cell ("Groceries, Rides") as a set."""
    return {part.strip() for part in text.split(",") if part.strip()}


def whole_number(text: str) -> int:
    """A count typed in a cell; 0 when blank or not a number."""
    try:
        return max(0, int(float(text)))
    except ValueError:
        return 0


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 else None
