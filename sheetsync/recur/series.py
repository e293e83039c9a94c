"""A recurring need's series, read from the Needs tab, and what is due for it today.

A need whose request asks for help every week or every two weeks (`recurrence`) starts a
series named by its own need id (`series`); each repeat names that first need. The series'
schedule is kept on its latest need (`next_on`): the day the next need is created, one
period (7 or 14 days) after the day the latest need was opened. The weekday therefore
stays the request's own, unless sheetsync did not run on the day: the repeat is made on
the first run after (opened that day) and the series goes on from there. However long the
gap, a run creates one need at most per series: never a burst of missed weeks.

While the latest need is still open (nobody has taken it on) when the next is due, it
stands for that period too: no need is added, and the day moves a period on.

A series stops (no repeats; `next_on` cleared, the reason in `recurrence_note`) when the
request no longer asks for it (edited to Once, withdrawn, the category taken out), when an
organizer marks `end_recurrence` on any of its needs, or when the requester is marked do
not contact. Undoing that (clearing the mark) restarts it.

`recurrence_note` is written in the network's language (translation.tab_language). The
words sheetsync recomputes every run are known by their start in each language sheetsync
writes (recomputed_starts), so a note written before the language changed is replaced,
never taken for an organizer's words.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from sheetsync.members import parse_datetime
from sheetsync.normalize import cell_text, fold
from sheetsync.statuses import NeedStatus
from sheetsync.translation import available_languages, gettext_noop, translate


class Recurrence(StrEnum):
    """How often a request asks for its help: the Needs tab's `recurrence` column."""

    ONCE = "once"
    EVERY_WEEK = "every week"
    EVERY_TWO_WEEKS = "every two weeks"


PERIOD_DAYS = {Recurrence.EVERY_WEEK: 7, Recurrence.EVERY_TWO_WEEKS: 14}
# A continuing volunteer's task's reasons, by the need's recurrence (recur/continuing.py
# reads them back): whole messages, not a word put in one ("weekly" alone would be a
# catalog message found in every English text that says the word).
CONTINUES = {
    Recurrence.EVERY_WEEK: gettext_noop(
        "continues the weekly help of %(series)s (agreed on %(task)s)"
    ),
    Recurrence.EVERY_TWO_WEEKS: gettext_noop(
        "continues the fortnightly help of %(series)s (agreed on %(task)s)"
    ),
}
CONTINUES_OTHER = gettext_noop("continues the regular help of %(series)s (agreed on %(task)s)")

# recurrence_note texts sheetsync recomputes every run (the others are written once).
STOPPED = gettext_noop("No more repeats: %(reason)s.")
WAITING = gettext_noop(
    "No new need on %(day)s: %(need)s was still waiting for a volunteer that day, so it "
    "stands for that day's help too."
)
RECOMPUTED = (STOPPED, WAITING)


@cache
def recomputed_starts() -> tuple[str, ...]:
    """How the recomputed notes start (their words before the first value), in every
    language sheetsync writes: "No more repeats: ", "No hay más repeticiones: "…"""
    starts = {
        translate(language, message, reason=_VALUE, day=_VALUE, need=_VALUE).partition(_VALUE)[0]
        for language in sorted(available_languages())
        for message in RECOMPUTED
    }
    return tuple(sorted(s for s in starts if s.strip()))


_VALUE = "\x00"  # stands for a note's values: the words before it are how the note starts


def id_order(need_id: str) -> tuple[int, str]:
    """Ids in the order sheetsync handed them out: N0009 before N0010."""
    digits = "".join(c for c in need_id if c.isdigit())
    return (int(digits) if digits else 10**9, need_id)


def recurrence_of(answer: object) -> str:
    """The form's "How often do you need this?" answer as the Needs tab writes it: once,
    every week, every two weeks; "" when unanswered (once)."""
    text = fold(cell_text(answer)) if answer is not None else ""
    for value in Recurrence:
        if text == value:
            return value.value
    return ""


@lru_cache(maxsize=1024)
def period_of(recurrence: str) -> int:
    """Days between the needs of a series; 0 when the need does not recur (worked out once
    per distinct cell: every need of a city's Needs tab is asked about each run)."""
    for value, days in PERIOD_DAYS.items():
        if fold(recurrence) == value:
            return days
    return 0


def is_repeat(need: dict[str, Any]) -> bool:
    """A need sheetsync created for a series (not from a form response)."""
    return bool(need["series"]) and need["series"] != need["need_id"]


def repeat_source(series: str, number: int) -> str:
    """A repeat's `source`: the series it belongs to, never a form response ("N0107 repeat
    3"), so that intake neither withdraws nor updates it."""
    return f"{series} repeat {number}"


@dataclass
class Series:
    """One series: its first need (the request's) and every need of it, oldest first."""

    first: dict[str, Any]
    needs: list[dict[str, Any]]

    @property
    def series_id(self) -> str:
        return str(self.first["need_id"])

    @property
    def latest(self) -> dict[str, Any]:
        return self.needs[-1]

    @property
    def period(self) -> int:
        return period_of(self.first["recurrence"])


def start_series(needs: list[dict[str, Any]]) -> None:
    """A need from a request that recurs starts its series (`series` = its own id)."""
    for need in needs:
        if need["need_id"] and not need["series"] and period_of(need["recurrence"]):
            need["series"] = need["need_id"]


def read_series(needs: list[dict[str, Any]]) -> list[Series]:
    """Every series on the Needs tab, by its first need; a series whose first need is not
    there any more (its row deleted) is left as it is."""
    by_id = {n["need_id"]: n for n in needs if n["need_id"]}
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for need in needs:
        if need["need_id"] and need["series"]:
            members[need["series"]].append(need)
    found = []
    for series_id, group in members.items():
        first = by_id.get(series_id)
        if first is None or first["series"] != series_id:
            continue
        group.sort(key=lambda n: (opened_day(n) or dt.date.min, id_order(n["need_id"])))
        found.append(Series(first, group))
    return sorted(found, key=lambda s: id_order(s.series_id))


def opened_day(need: dict[str, Any]) -> dt.date | None:
    """The day a need was opened, None when its cell cannot be read."""
    opened = parse_datetime(str(need["opened"]))
    return opened.date() if opened else None


def stop_reason(series: Series, unreachable: set[str], language: str) -> str:
    """Why the series makes no more repeats, in plain words (ids only) in `language`; ""
    while it runs. `unreachable`: the person ids marked do not contact (linked rows too)."""
    first, series_id = series.first, series.series_id
    if first["status"] == NeedStatus.WITHDRAWN:
        return translate(
            language, gettext_noop("the request of %(id)s was withdrawn"), id=series_id
        )
    if first["recurrence"] == Recurrence.ONCE:
        return translate(
            language, gettext_noop("the request of %(id)s now says once"), id=series_id
        )
    if not series.period:
        return translate(
            language,
            gettext_noop("the request of %(id)s no longer asks for it regularly"),
            id=series_id,
        )
    marked = [n["need_id"] for n in series.needs if cell_text(n["end_recurrence"]).strip()]
    if marked:
        return translate(
            language,
            gettext_noop("end_recurrence is marked on %(ids)s (clear it to restart)"),
            ids=", ".join(marked),
        )
    if any(n["person_id"] in unreachable for n in (first, series.latest)):
        return translate(language, gettext_noop("the requester is marked do not contact"))
    return ""


@dataclass(frozen=True)
class Due:
    """What today brings a running series: a new need (`create`), or none, and the day
    the next one is due (`next_on`); `skipped` is the day passed while its latest need
    still waited for a volunteer. `changes_on`: the first day after today on which
    due_today answers otherwise for the same needs (None: only the needs can change it),
    when the step's output next changes by time alone (StepResult.until)."""

    create: bool
    next_on: dt.date | None
    skipped: dt.date | None = None
    changes_on: dt.date | None = None


def due_today(series: Series, today: dt.date, planned: dt.date | None) -> Due:
    """Whether a running series gets its next need today, and when the one after is due.
    `planned`: the latest need's `next_on` as the last run left it (a day passed while the
    need still waited moved it on), None when empty."""
    opened = opened_day(series.latest)
    if opened is None:
        return Due(False, None)
    period = dt.timedelta(days=series.period)
    due = opened + period
    moved = planned is not None and planned > due
    if planned is not None and moved:
        due = planned
    if due > today:
        # A day passed while the latest need waited moved `next_on` on: every run says so
        # again (the note is recomputed each run), until the series' next need is added.
        return Due(False, due, skipped=due - period if moved else None, changes_on=due)
    if series.latest["status"] == NeedStatus.OPEN:
        # Nobody has taken the latest need on yet: it stands for this period too.
        later = due
        while later <= today:
            later += period
        return Due(False, later, skipped=later - period, changes_on=later)
    # next_on counts from today: tomorrow it says another day.
    return Due(True, today + period, changes_on=today + dt.timedelta(days=1))
