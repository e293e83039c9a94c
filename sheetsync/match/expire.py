"""Stale proposals move on: a proposal sheetsync made that still says proposed after
[followup] expire_after for its need's urgency (1 day for Today, 3 days otherwise, by
default) becomes `expired`, with the reason in its reasons. Its need is open again, goes to
the next best volunteer (the hourly urgent step, or the weekly match), and is never proposed
to that volunteer again (match.network reads expired like declined).

Only what sheetsync proposed itself expires (a task_id and the `proposed` time it wrote): a
`proposed` typed by hand without that time is the organizers' and never expires. Waiting
is measured in real time in the network's time zone (clock.elapsed), right across a change
of the clocks. A co-volunteer on an expiring task goes with it: the task is no longer live.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sheetsync.clock import aware, elapsed
from sheetsync.config_followup import FollowupConfig
from sheetsync.form_languages import ENGLISH
from sheetsync.horizon import NEVER, local_at
from sheetsync.match.reason_words import duration_in
from sheetsync.members import parse_datetime
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.translation import available_languages, gettext_noop, translate, translations


@dataclass(frozen=True)
class Expiry:
    """One proposal that waited too long for a yes."""

    task: int  # index in the tasks
    limit: dt.timedelta  # how long its need's urgency lets a proposal wait


def proposed_at(task: dict[str, Any]) -> dt.datetime | None:
    """When sheetsync proposed the task (it writes a task_id and the time); None for a
    task typed by hand without them."""
    if not str(task["task_id"]).strip():
        return None
    return parse_datetime(str(task["proposed"]))


def expiring(
    tasks: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    config: FollowupConfig,
    now: dt.datetime,
    tz: ZoneInfo,
) -> list[Expiry]:
    """The proposals sheetsync made that still read proposed and have waited their need's
    limit or longer by `now` (naive local time in `tz`). A need not found on Needs: the
    default limit."""
    return [
        Expiry(k, limit)
        for k, since, limit in _proposals(tasks, needs, config)
        if elapsed(since, now, tz) >= limit
    ]


def next_expiry(
    tasks: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    config: FollowupConfig,
    now: dt.datetime,
    tz: ZoneInfo,
) -> dt.datetime:
    """When the next proposal still waiting by `now` reaches its limit (`expiring` finds
    one more then), as a naive local time; NEVER when none waits (sheetsync/horizon.py).
    The least real time is found first and turned into local time once."""
    real_now = aware(now, tz).astimezone(dt.UTC)
    ends = (
        aware(since, tz).astimezone(dt.UTC) + limit
        for _, since, limit in _proposals(tasks, needs, config)
    )
    soonest = min((end for end in ends if end > real_now), default=None)
    return NEVER if soonest is None else local_at(soonest, tz)


def _proposals(
    tasks: list[dict[str, Any]], needs: list[dict[str, Any]], config: FollowupConfig
) -> Iterator[tuple[int, dt.datetime, dt.timedelta]]:
    """The proposals sheetsync made that still read proposed: their index in `tasks`, when
    they were made, and how long their need's urgency lets them wait (a need not found on
    Needs: the default limit)."""
    urgency = {n["need_id"]: str(n["urgency"]) for n in needs if n["need_id"]}
    for k, task in enumerate(tasks):
        if task_status(str(task["status"])) != TaskStatus.PROPOSED:
            continue
        since = proposed_at(task)
        if since is not None:
            yield k, since, config.expires(urgency.get(task["need_id"], ""))


EXPIRED = gettext_noop("expired %(day)s: no answer within %(limit)s")
_DAY = r"\d{4}-\d\d-\d\d"


@cache
def _expired_on() -> re.Pattern[str]:
    """Where a reasons cell says a task expired, in any shipped language: the words of
    EXPIRED before its day ("expired ", "caducada el "), at the cell's start or after "; ",
    then the day and a colon."""
    before = sorted(
        {
            translations(language).gettext(EXPIRED).split("%(day)s")[0]
            for language in available_languages()
        }
    )
    words = "|".join(re.escape(b) for b in before)
    return re.compile(rf"(?:^|; )({words})({_DAY}):")


def reason(today: dt.date, limit: dt.timedelta, language: str = ENGLISH) -> str:
    """ "expired 2026-11-24: no answer within 1 day", in `language` (the network's)."""
    return translate(language, EXPIRED, day=today.isoformat(), limit=duration_in(limit, language))


def expired_on(task: dict[str, Any]) -> dt.date | None:
    """The day a task expired, from the reason sheetsync added (for the weekly digest's
    count of the week's expired proposals); None when it did not expire."""
    if task_status(str(task["status"])) != TaskStatus.EXPIRED:
        return None
    # Said in any language sheetsync writes (the network's may have changed since); read
    # up to the day and its colon, as before languages: the rest may have been shortened.
    found = [m[1] for m in _expired_on().findall(str(task["reasons"]))]
    try:
        return dt.date.fromisoformat(found[-1]) if found else None
    except ValueError:  # the reasons cell edited into a day that is none
        return None


def apply_expiries(
    tasks: list[dict[str, Any]], found: list[Expiry], today: dt.date, language: str = ENGLISH
) -> None:
    """Mark each expiring task `expired` and say why in its reasons (once), in `language`."""
    for e in found:
        task = tasks[e.task]
        task["status"] = TaskStatus.EXPIRED.value
        note = reason(today, e.limit, language)
        if note not in task["reasons"]:
            task["reasons"] = "; ".join(filter(None, [task["reasons"], note]))
