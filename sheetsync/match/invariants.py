"""The rules matching keeps, checked at the end of every run whoever broke them: sheetsync
reports a broken one (an organizer accepted two tasks for one need by hand), and never
fixes or hides it.

- need-overbooked: a need has at most one live task (proposed or accepted);
- over-capacity: a volunteer's tasks this week are within their capacity (counted as matching
  counts room, match.volunteers, each task once);
- unavailable-proposed: nobody red, resting or marked do not contact holds a proposed task;
- not-maximal: the run proposed as many tasks as the rules allow at once, given the tasks
  that stay (a max-flow bound over the same eligibility, never narrowed).

A broken rule's message is the Errors tab's reason: worded in the organizers' language
(`language`, translation.tab_language), ids and counts only. The rule's code, not the
message, keys its Errors row (steps/check.py): a message in another language updates it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from sheetsync.config import MatchingConfig
from sheetsync.form_languages import ENGLISH
from sheetsync.load.figures import counts_since
from sheetsync.match.eligibility import Need, Volunteer, kind_graph
from sheetsync.match.solver import kind_arcs
from sheetsync.match.volunteers import DO_NOT_CONTACT, RED, RESTING
from sheetsync.members import helps, task_helpers
from sheetsync.report import IssueCode
from sheetsync.status_words import TASK_STATUS, written_word
from sheetsync.statuses import LIVE, TaskStatus
from sheetsync.translation import gettext_noop, number, translate

PEOPLE_PER_NEED = 1  # the Needs tab has no column for more
SHOWN = 5  # ids named in one message at most


@dataclass(frozen=True)
class Violation:
    """One rule broken, about one row: `tab` is the logical tab (needs, people, tasks)."""

    code: IssueCode
    tab: str
    subject: str  # the row's id: N0042, P0007, T0101
    message: str  # ids and counts only, and what to do


def _statuses(language: str) -> dict[str, str]:
    """The task statuses a message asks organizers to write, as the Tasks tab writes them
    in the language ("declined", "rechazada")."""
    return {
        "declined": written_word(TASK_STATUS, TaskStatus.DECLINED.value, language),
        "cancelled": written_word(TASK_STATUS, TaskStatus.CANCELLED.value, language),
    }


_PROPOSED_TO_UNAVAILABLE = gettext_noop(
    "%(task)s is proposed to %(person)s, who is %(why)s. Mark it %(cancelled)s on the Tasks "
    "tab, and its need %(need)s goes to someone else."
)
# Why someone may not be asked (match.volunteers), each worded whole: the words differ by
# reason in other languages ("whose latest check-in was red").
_UNAVAILABLE = {
    RED: gettext_noop(
        "%(task)s is proposed to %(person)s, who is checked in red. Mark it %(cancelled)s on "
        "the Tasks tab, and its need %(need)s goes to someone else."
    ),
    RESTING: gettext_noop(
        "%(task)s is proposed to %(person)s, who is resting (a rest confirmed on the Load "
        "tab). Mark it %(cancelled)s on the Tasks tab, and its need %(need)s goes to someone "
        "else."
    ),
    DO_NOT_CONTACT: gettext_noop(
        "%(task)s is proposed to %(person)s, who is marked do not contact. Mark it "
        "%(cancelled)s on the Tasks tab, and its need %(need)s goes to someone else."
    ),
}


def _task(task: dict[str, Any], language: str = ENGLISH) -> str:
    """A task by its id; one typed in by hand without an id, by its need."""
    if task["task_id"]:
        return str(task["task_id"])
    need = task["need_id"] or translate(language, "no need")
    return translate(language, "a task for %(need)s (no task_id)", need=need)


def _sentence(text: str) -> str:
    """`text` starting a sentence: its first letter upper case, ids left as they are."""
    return text[:1].upper() + text[1:]


def _ids(ids: list[str], language: str = ENGLISH) -> str:
    more = ""
    if len(ids) > SHOWN:
        more = translate(language, " and %(num)s more", num=number(len(ids) - SHOWN, language))
    return ", ".join(ids[:SHOWN]) + more


def overbooked_needs(
    tasks: list[dict[str, Any]], status_of: list[TaskStatus], language: str = ENGLISH
) -> list[Violation]:
    """Needs with more live tasks than the people they need."""
    live: dict[str, list[str]] = defaultdict(list)
    for task, status in zip(tasks, status_of, strict=True):
        if status in LIVE and task["need_id"]:
            live[task["need_id"]].append(_task(task, language))
    return [
        Violation(
            IssueCode.NEED_OVERBOOKED,
            "needs",
            need_id,
            translate(
                language,
                "Need %(need)s has %(num)s tasks proposed or accepted (%(tasks)s) but needs "
                "%(people)s volunteer. On the Tasks tab keep one and mark the others "
                "%(declined)s or %(cancelled)s.",
                need=need_id,
                num=number(len(ids), language),
                tasks=_ids(ids, language),
                people=number(PEOPLE_PER_NEED, language),
                **_statuses(language),
            ),
        )
        for need_id, ids in sorted(live.items())
        if len(ids) > PEOPLE_PER_NEED
    ]


@dataclass
class Week:
    """One volunteer's tasks this week: how many take room, and the live ones by id."""

    taken: int = 0
    live: list[str] = field(default_factory=list)


def tasks_this_week(
    tasks: list[dict[str, Any]],
    joined: dict[str, str],
    *,
    today: dt.date,
    dayfirst: bool,
    language: str = ENGLISH,
) -> dict[str, Week]:
    """Joined id -> their week. A task takes room as matching counts it (match.volunteers):
    proposed, accepted and due by the coming week (or undated), or done in the last 7 days.
    Each task counts once for a person, even when its volunteer and co-volunteer are two
    rows counted as one."""
    week: dict[str, Week] = defaultdict(Week)
    for task in tasks:
        for h in {h.person_id: h for h in helps([task], joined, dayfirst=dayfirst)}.values():
            theirs = week[h.person_id]
            theirs.taken += h.status == TaskStatus.PROPOSED or counts_since(h, today, 7)
            if h.status in LIVE:
                theirs.live.append(_task(task, language))
    return week


def over_capacity(
    volunteers: list[Volunteer],
    week: dict[str, Week],
    kept: dict[str, str],
    joined: dict[str, str],
    language: str = ENGLISH,
) -> list[Violation]:
    """Volunteers holding more tasks this week than their capacity, with live tasks among
    them (over it with work done only, there is nothing to undo). `week` comes from
    tasks_this_week; rows linked (`kept`) or joined by a pair still to review (`joined`)
    count as one person."""
    over = []
    for v in volunteers:
        theirs = week.get(v.person_id)
        if theirs is not None and theirs.taken > v.weekly and theirs.live:
            over.append((v, theirs))
    if not over:
        return []
    linked, reviewed = _rows_with(kept, joined)
    found = []
    for v, theirs in over:
        also = _with(linked[v.person_id], reviewed[v.person_id], language)
        pair = ""
        if reviewed[v.person_id]:
            pair = translate(language, "; or decide the pair on Duplicates")
        found.append(
            Violation(
                IssueCode.OVER_CAPACITY,
                "people",
                v.person_id,
                translate(
                    language,
                    "Volunteer %(person)s%(also)s holds %(taken)s tasks this week but has room "
                    "for %(room)s (their offer, lowered by their latest check-in). Live tasks: "
                    "%(tasks)s. Ask them which to keep, then mark the others %(declined)s on the "
                    "Tasks tab%(pair)s.",
                    person=v.person_id,
                    also=also,
                    taken=number(theirs.taken, language),
                    room=number(v.weekly, language),
                    tasks=_ids(theirs.live, language),
                    pair=pair,
                    **_statuses(language),
                ),
            )
        )
    return found


def _rows_with(
    kept: dict[str, str], joined: dict[str, str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Joined id -> the other rows counted under it: those linked to it (`duplicate_of`),
    and those joined to it by a pair still to review (with their own linked rows)."""
    linked: dict[str, list[str]] = defaultdict(list)
    reviewed: dict[str, list[str]] = defaultdict(list)
    for pid, rep in sorted(joined.items()):
        if pid != rep:
            (linked if kept.get(pid, pid) == rep else reviewed)[rep].append(pid)
    return linked, reviewed


def _with(linked: list[str], reviewed: list[str], language: str = ENGLISH) -> str:
    """The rows counted with a volunteer, after their id: " (with linked rows P0009, and
    rows P0005 counted as one person)"; "" when none."""
    parts = (
        [translate(language, "linked rows %(ids)s", ids=_ids(linked, language))] if linked else []
    )
    if reviewed:
        rows = _ids(reviewed, language)
        parts.append(
            translate(language, "rows %(ids)s counted as one person", ids=rows)
            if linked
            else translate(language, "rows %(ids)s, counted as one person", ids=rows)
        )
    if not parts:
        return ""
    joined = (
        parts[0]
        if len(parts) == 1
        else translate(language, "%(one)s, and %(other)s", one=parts[0], other=parts[1])
    )
    return translate(language, " (with %(rows)s)", rows=joined)


def unavailable_proposed(
    tasks: list[dict[str, Any]],
    status_of: list[TaskStatus],
    unavailable: dict[str, str],
    kept: dict[str, str],
    language: str = ENGLISH,
) -> list[Violation]:
    """Proposed tasks held by someone red, resting or marked do not contact: `unavailable`
    maps a person id to why (match.network.Network.unavailable, each person's own rows and
    linked ones, never a row joined by a pair still to review)."""
    found = []
    for task, status in zip(tasks, status_of, strict=True):
        if status != TaskStatus.PROPOSED:
            continue
        # A volunteer and co-volunteer who are linked rows of one person: said once.
        for helper in task_helpers(task, kept).values():
            if helper not in unavailable:
                continue
            # A task typed in without an id is shown by its need.
            tab, subject = ("tasks", task["task_id"]) if task["task_id"] else ("needs", "")
            found.append(
                Violation(
                    IssueCode.UNAVAILABLE_PROPOSED,
                    tab,
                    subject or task["need_id"],
                    translate(
                        language,
                        _UNAVAILABLE.get(unavailable[helper], _PROPOSED_TO_UNAVAILABLE),
                        task=_sentence(_task(task, language)),
                        person=helper,
                        why=unavailable[helper],
                        need=task["need_id"],
                        **_statuses(language),
                    ),
                )
            )
    return found


@dataclass(frozen=True)
class Bound:
    """The most needs the rules allow to be served at once, and one need served in such a
    matching (the most urgent) that `served` leaves waiting, if any."""

    most: int
    example: str = ""


def max_matchable(
    waiting: list[Need], volunteers: list[Volunteer], config: MatchingConfig, served: set[str]
) -> Bound:
    """An independent bound: max flow (OR-Tools SimpleMaxFlow) over every eligible pair,
    never narrowed, taken by kind so that it stays small on a very large network:
    source -> need (1) -> its kind, or its own volunteers (1) -> volunteer -> sink (room)."""
    graph = kind_graph(waiting, volunteers, config)
    n, m, kinds = len(waiting), len(volunteers), len(graph.candidates)
    if n == 0 or m == 0:
        return Bound(0)
    kind_of = np.asarray(graph.kind_of, dtype=np.int64)
    clean = np.flatnonzero(kind_of >= 0)
    size = np.bincount(kind_of[clean], minlength=kinds)
    kv = kind_arcs(graph, size)
    own = np.asarray(graph.own, dtype=np.int64).reshape(-1, 2)
    at_v = n + kinds
    source, sink = at_v + m, at_v + m + 1
    room = np.maximum(np.asarray([v.capacity for v in volunteers], dtype=np.int64), 0)
    tails = np.concatenate(
        [np.full(n, source), clean, own[:, 0], n + kv[:, 0], at_v + np.arange(m)]
    )
    heads = np.concatenate(
        [np.arange(n), n + kind_of[clean], at_v + own[:, 1], at_v + kv[:, 1], np.full(m, sink)]
    )
    ones = np.ones(n + len(clean) + len(own), dtype=np.int64)
    caps = np.concatenate([ones, size[kv[:, 0]], room])
    flow = max_flow.SimpleMaxFlow()
    arcs = flow.add_arcs_with_capacity(tails, heads, caps)
    if flow.solve(source, sink) != flow.OPTIMAL:
        return Bound(0)
    used = flow.flows(arcs[:n]) > 0
    missed = [waiting[i] for i in np.flatnonzero(used) if waiting[i].need_id not in served]
    example = max(missed, key=lambda w: w.priority).need_id if missed else ""
    return Bound(int(flow.optimal_flow()), example)


def not_maximal(proposed: int, bound: Bound, language: str = ENGLISH) -> list[Violation]:
    """The run's proposals against the bound."""
    if proposed >= bound.most:
        return []
    subject = bound.example
    return [
        Violation(
            IssueCode.NOT_MAXIMAL,
            "needs",
            subject,
            translate(
                language,
                "This run proposed %(proposed)s tasks where the rules allowed %(most)s at "
                "once; need %(need)s is one that could have been served. Please report this "
                "with the run report (sheetsync run --json): matching should always serve as "
                "many needs as it can.",
                proposed=number(proposed, language),
                most=number(bound.most, language),
                need=subject or translate(language, "(none named)"),
            ),
        )
    ]
