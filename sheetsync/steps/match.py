"""match: propose a volunteer for every open need that can be served, each with its reasons.

Runs after dedupe. Organizers move each task on in the Tasks tab's status column (theirs):
proposed -> accepted -> done, or declined / cancelled. From those statuses:
- a need with a task done is met; with a task proposed or accepted, matched; a need whose
  only tasks were declined or cancelled is open again, and is proposed to someone else;
- proposed and accepted tasks are never moved: their volunteer keeps them, and they count
  against the volunteer's week;
- a volunteer who declined a need is never proposed it again.
The assignment among what is left is optimal (sheetsync/match/solver.py): the most needs served,
urgent and long-waiting ones first, and work spread to whoever has had the least of it.
Members resting (a red check-in, or a rest confirmed on the Load tab) are left out.

Findings for later steps (MatchFindings): the needs left open (summary.network.Unserved),
each saying whether no volunteer could ever take it or those who could were full or resting.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from sheetsync.load.figures import counts_since
from sheetsync.load.rest import resting_members
from sheetsync.match.eligibility import (
    Need,
    Volunteer,
    eligible_pairs,
    why,
    without_volunteer,
)
from sheetsync.match.solver import Problem, solve
from sheetsync.match.statuses import update_need_statuses
from sheetsync.members import (
    helps,
    is_volunteer,
    kept_ids,
    latest_checkin,
    parse_datetime,
    rows_by_person,
    split_list,
    whole_number,
)
from sheetsync.normalize import dayfirst_locale, fold, format_datetime
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import WORK, NeedStatus, PairStatus, TaskStatus, task_status
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings
from sheetsync.steps.ids import Ids
from sheetsync.summary.network import Unserved
from sheetsync.tables import ROW, empty_record, frame_of, records_of

MENTOR_DONE = 3  # tasks done that make a volunteer experienced enough to go along


def run(ctx: StepContext) -> StepResult:
    """Bring Needs' status up to date from Tasks, then propose tasks for open needs."""
    people = records_of(ctx.frames["people"])
    needs = records_of(ctx.frames["needs"])
    tasks = records_of(ctx.frames["tasks"])
    issues: list[Issue] = []
    kept = kept_ids(people)
    status_of = [_task_status(ctx, t, issues) for t in tasks]
    update_need_statuses(needs, tasks)

    resting = resting_members(
        records_of(ctx.frames["load"]),
        people,
        kept,
        ctx.now.date(),
        dayfirst=dayfirst_locale(ctx.config.locale),
        rest_days=ctx.config.load.rest_days,
    )
    volunteers = _volunteers(ctx, people, tasks, kept, resting)
    households = {kept[p["person_id"]]: p["household"] for p in people if p["household"]}
    declined: dict[str, set[str]] = defaultdict(set)
    for task, status in zip(tasks, status_of, strict=True):
        if status == TaskStatus.DECLINED:
            declined[task["need_id"]].add(kept.get(task["volunteer_id"], task["volunteer_id"]))
    maybe_same: dict[str, set[str]] = defaultdict(set)
    for pair in records_of(ctx.frames["duplicates"]):
        if pair["status"] == PairStatus.TO_REVIEW:
            a, b = (kept.get(p, p) for p in (pair["person_a"], pair["person_b"]))
            maybe_same[a].add(b)
            maybe_same[b].add(a)
    unreachable = {
        kept[p["person_id"]] for p in people if p["person_id"] and p["do_not_contact"].strip()
    }
    # Open now means no task on it is proposed, accepted or done. A requester marked do
    # not contact is never sent a volunteer.
    waiting = [
        _need(ctx, n, households, declined, maybe_same)
        for n in needs
        if n["status"] == NeedStatus.OPEN and n["need_id"] and n["person_id"] not in unreachable
    ]
    eligibility = eligible_pairs(waiting, volunteers, ctx.config.matching)
    pairs = eligibility.pairs
    notices = []
    if eligibility.narrowed_to:
        notices.append(
            f"{len(waiting):,} open needs and {len(volunteers):,} volunteers make too many "
            f"possible pairs to weigh them all: each need was weighed against "
            f"{eligibility.narrowed_to} of its candidates, the needs of one kind taking turns "
            "through them. The result is close to, but not surely, the best possible."
        )
    chosen = solve(
        Problem(
            priority=[n.priority for n in waiting],
            capacity=[v.capacity for v in volunteers],
            load=[v.recent for v in volunteers],
            pairs=pairs,
        )
    )
    co = (
        _mentors(chosen, pairs, volunteers, tasks, status_of, kept)
        if ctx.config.matching.mentor_new_volunteers
        else {}
    )
    ids = Ids("T", (t["task_id"] for t in tasks))
    by_id = {n["need_id"]: n for n in needs}
    now = format_datetime(ctx.now)
    for i, v in sorted(chosen, key=lambda iv: -waiting[iv[0]].priority):
        served = waiting[i]
        mentor, note = co.get(i, ("", ""))
        tasks.append(
            empty_record(
                ctx.schemas["tasks"],
                task_id=ids(),
                need_id=served.need_id,
                volunteer_id=volunteers[v].person_id,
                co_volunteer_id=mentor,
                category=served.category,
                zone=served.zone,
                reasons="; ".join(
                    [*why(served, volunteers[v], ctx.config.matching), *filter(None, [note])]
                ),
                proposed=now,
                status=TaskStatus.PROPOSED.value,
            )
        )
        by_id[served.need_id]["status"] = NeedStatus.MATCHED.value
    served_at = {i for i, _ in chosen}
    unserved = [n for k, n in enumerate(waiting) if k not in served_at]
    nobody = without_volunteer(unserved, volunteers, ctx.config.matching)
    remote = ctx.config.matching.remote_categories
    return StepResult(
        frames={
            "needs": frame_of(needs, ctx.schemas["needs"]),
            "tasks": frame_of(tasks, ctx.schemas["tasks"]),
        },
        counts={
            "open_needs": len(waiting),
            "volunteers_with_room": sum(v.capacity > 0 for v in volunteers),
            "proposed": len(chosen),
            "not_matched": len(unserved),
            "urgent_not_matched": sum(n.urgent for n in unserved),
            "no_volunteer_at_all": sum(nobody),
            "volunteers_resting": sum(v.resting for v in volunteers),
        },
        issues=issues,
        notices=notices,
        findings=MatchFindings(
            tuple(
                Unserved(
                    category=n.category,
                    zone="" if n.category in remote else n.zone,
                    languages=frozenset(n.languages),
                    urgent=n.urgent,
                    nobody=none,
                )
                for n, none in zip(unserved, nobody, strict=True)
            )
        ),
    )


def _mentors(
    chosen: list[tuple[int, int]],
    pairs: list[tuple[int, int]],
    volunteers: list[Volunteer],
    tasks: list[dict[str, Any]],
    status_of: list[TaskStatus],
    kept: dict[str, str],
) -> dict[int, tuple[str, str]]:
    """For a new volunteer's proposal (no task accepted or done yet): an experienced
    co-volunteer (MENTOR_DONE tasks done) eligible for the same need with room left, the
    least busy first. Need index -> (their id, the reason's words)."""
    done: dict[str, int] = defaultdict(int)
    started: set[str] = set()
    for task, status in zip(tasks, status_of, strict=True):
        who = kept.get(task["volunteer_id"], task["volunteer_id"])
        if status in WORK:
            started.add(who)
        done[who] += status == TaskStatus.DONE
    room = [v.capacity for v in volunteers]
    for _, v in chosen:
        room[v] -= 1
    eligible: dict[int, list[int]] = defaultdict(list)
    for i, v in pairs:
        eligible[i].append(v)
    co: dict[int, tuple[str, str]] = {}
    for i, v in chosen:
        if volunteers[v].person_id in started:
            continue
        mentors = [
            u
            for u in eligible[i]
            if u != v and room[u] > 0 and done[volunteers[u].person_id] >= MENTOR_DONE
        ]
        if not mentors:
            co[i] = ("", "a first task: no experienced co-volunteer is free")
            continue
        u = min(mentors, key=lambda u: (volunteers[u].recent, volunteers[u].person_id))
        room[u] -= 1
        mentor = volunteers[u].person_id
        co[i] = (mentor, f"a first task, so with {mentor} ({done[mentor]} tasks done)")
    return co


def _task_status(ctx: StepContext, task: dict[str, Any], issues: list[Issue]) -> TaskStatus:
    status = task_status(task["status"])
    if status is None:
        tab = ctx.tables["tasks"].tab
        typed = task["status"].strip()
        what = f"has status {typed!r}" if typed else "has no status"
        issues.append(
            Issue(
                tab=tab,
                row=int(task[ROW]),
                field="status",
                code=IssueCode.UNKNOWN_TASK_STATUS,
                message=(
                    f"Task {task['task_id']} on {tab} row {task[ROW]} {what}: write "
                    "proposed, accepted, done, declined or cancelled. Until then sheetsync "
                    "counts it as proposed."
                ),
                severity=Severity.WARNING,
            )
        )
        return TaskStatus.PROPOSED
    return status


def _volunteers(
    ctx: StepContext,
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    kept: dict[str, str],
    resting: set[str],
) -> list[Volunteer]:
    """One Volunteer per person (linked duplicate rows joined), with their room this week."""
    cfg = ctx.config.matching
    rows = rows_by_person(people, kept)
    today = ctx.now.date()
    this_week: dict[str, int] = defaultdict(int)
    recent: dict[str, int] = defaultdict(int)
    # Counted as on the Load tab (load.figures.counts_since): a task's date is its due
    # date, else the day it was proposed, so tasks typed in by hand count too. A proposal
    # waiting for a yes holds its place this week as well.
    for task in helps(tasks, kept, dayfirst=dayfirst_locale(ctx.config.locale)):
        proposed = task.status == TaskStatus.PROPOSED
        if proposed or counts_since(task, today, 7):
            this_week[task.person_id] += 1
        if counts_since(task, today, 7 * cfg.recent_weeks) or (
            proposed
            and task.on is not None
            and task.on > today - dt.timedelta(weeks=cfg.recent_weeks)
        ):
            recent[task.person_id] += 1
    volunteers = []
    for pid, group in rows.items():
        if not is_volunteer(group):
            continue
        capacity = max((whole_number(r["weekly_capacity"]) for r in group), default=0)
        latest = latest_checkin(group)
        if latest["checkin_hours"]:
            hours = float(latest["checkin_hours"])
            capacity = min(capacity, math.floor(hours / cfg.hours_per_task))
        main = next(r for r in group if r["person_id"] == pid)
        volunteers.append(
            Volunteer(
                person_id=pid,
                offers=_union(group, "offers"),
                languages=_union(group, "languages"),
                zone=main["zone"] or next((r["zone"] for r in group if r["zone"]), ""),
                availability=_union(group, "availability"),
                has_car=any(fold(r["has_car"]) == "yes" for r in group),
                capacity=capacity - this_week[pid],
                recent=recent[pid],
                household=next((r["household"] for r in group if r["household"]), ""),
                resting=latest["checkin_status"] == "red" or pid in resting,
                do_not_contact=any(r["do_not_contact"].strip() for r in group),
            )
        )
    return volunteers


def _need(
    ctx: StepContext,
    need: dict[str, Any],
    households: dict[str, str],
    declined: dict[str, set[str]],
    maybe_same: dict[str, set[str]],
) -> Need:
    opened = parse_datetime(need["opened"])
    days = 0 if opened is None else max(0, (ctx.now - opened).days)
    return Need(
        need_id=need["need_id"],
        person_id=need["person_id"],
        category=need["category"],
        zone=need["zone"],
        languages=split_list(need["languages"]),
        availability=split_list(need["availability"]),
        urgency=need["urgency"],
        days_waiting=days,
        household=households.get(need["person_id"], ""),
        declined_by=declined.get(need["need_id"], set()),
        maybe_same=maybe_same.get(need["person_id"], set()),
    )


def _union(rows: list[dict[str, Any]], name: str) -> set[str]:
    return set().union(*(split_list(r[name]) for r in rows))
