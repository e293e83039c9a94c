"""match: propose a volunteer for every open need that can be served, each with its reasons.

Runs after dedupe. Organizers move each task on in the Tasks tab's status column (theirs):
proposed -> accepted -> done, or declined / cancelled. From those statuses:
- a need with a task done is met; with a task proposed or accepted, matched; a need whose
  only tasks were declined or cancelled is open again, and is proposed to someone else;
- proposed and accepted tasks are never moved: their volunteer keeps them, and they count
  against the volunteer's week;
- a volunteer who declined a need, or let a proposal of it expire (steps/expire.py), is
  never proposed it again.
The assignment among what is left is optimal (sheetsync/match/solver.py): the most needs served,
urgent and long-waiting ones first, and work spread to whoever has had the least of it.
Members resting (a red check-in, or a rest confirmed on the Load tab) are left out.

Findings for later steps (MatchFindings): the needs left open (match.unserved.Unserved),
each saying whether no volunteer could ever take it or those who could were full or resting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sheetsync.config import MatchingConfig
from sheetsync.horizon import earliest, next_midnight
from sheetsync.ids import Ids
from sheetsync.load.rest import rests_in_force
from sheetsync.match.eligibility import (
    Eligibility,
    Need,
    Volunteer,
    eligible_pairs,
    kind_graph,
    why,
    without_volunteer,
)
from sheetsync.match.network import (
    Network,
    read_network,
    start_of,
    waiting_needs,
    weighed_volunteers,
)
from sheetsync.match.reason_words import FIRST_TASK_ALONE, FIRST_TASK_WITH
from sheetsync.match.solver import Problem, solve, solve_by_kind
from sheetsync.match.unserved import Unserved
from sheetsync.match.withdraw import Withdrawal, apply_withdrawals, withdrawals
from sheetsync.members import kept_ids
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import (
    WORK,
    NeedStatus,
    TaskStatus,
    statuses_of,
    task_status,
    update_need_statuses,
)
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings
from sheetsync.tables import ROW, empty_record, frame_of, records_of
from sheetsync.translation import number, tab_language, translate

MENTOR_DONE = 3  # tasks done that make a volunteer experienced enough to go along


def run(ctx: StepContext) -> StepResult:
    """Bring Needs' status up to date from Tasks, withdraw the proposals whose volunteer can
    no longer take them, then propose tasks for open needs."""
    return propose_for(ctx, only=None)


# Which of the waiting needs a run serves (the urgent step's: urgent or expired ones).
NeedFilter = Callable[[Need, dict[str, Any]], bool]


def propose_for(ctx: StepContext, only: NeedFilter | None) -> StepResult:
    """The matching of `run`, among the waiting needs `only` keeps (need, its Needs row):
    all of them when None. Everything else is the same: every hard constraint, the week's
    capacity, proposed and accepted tasks never moved, co-volunteers for someone new."""
    people = records_of(ctx.frames["people"])
    needs = records_of(ctx.frames["needs"])
    tasks = records_of(ctx.frames["tasks"])
    issues: list[Issue] = []
    net, volunteers, found = follow_the_present(ctx, people, tasks, issues)
    update_need_statuses(needs, tasks)
    waiting = waiting_needs(needs, net, ctx.now)
    scope: tuple[str, ...] | None = None
    if only is not None:
        row_of = {n["need_id"]: n for n in needs}
        waiting.needs = [n for n in waiting.needs if only(n, row_of[n.need_id])]
        scope = tuple(n.need_id for n in waiting.needs)
    assignment = _assign(waiting.needs, volunteers, ctx.config.matching)
    co = (
        _mentors(
            assignment.chosen,
            assignment.eligibility.pairs,
            volunteers,
            tasks,
            net.status_of,
            net.joined,
            tab_language(ctx.config),
        )
        if ctx.config.matching.mentor_new_volunteers
        else {}
    )
    new_tasks = _propose(ctx, assignment, co, needs, tasks)
    result = _result(ctx, assignment, needs, tasks, issues)
    result.counts["withdrawn"] = sum(not w.co_volunteer for w in found)
    result.counts["held_for_review"] = waiting.held_for_review
    assert isinstance(result.findings, MatchFindings)
    result.findings = replace(
        result.findings,
        proposed=tuple(new_tasks),
        withdrawn=tuple(sorted((n, v) for n, vs in net.withdrawn.items() for v in vs)),
        scope=scope,
    )
    # A new proposal is stamped with the time it was made: another moment, another stamp.
    # Without one, the days waiting only order needs nobody can take, and recent weeks
    # only the choice among those who can: what may change is who rests, room and a
    # withdrawal's day (Network.room_until).
    result.until = ctx.now if new_tasks else net.room_until
    return result


def follow_the_present(
    ctx: StepContext, people: list[dict[str, Any]], tasks: list[dict[str, Any]], issues: list[Issue]
) -> tuple[Network, list[Volunteer], list[Withdrawal]]:
    """Withdraw (in `tasks`) the proposals whose volunteer can no longer take them; the
    network and its volunteers as they stand after that, and what was withdrawn. The
    network's `until` and `room_until` say when any of it may change by time alone: a rest
    starting or ending, a task starting or stopping counting in a volunteer's week (or
    recent weeks), and the next day when a withdrawal is dated today."""
    net = _read_network(ctx, people, tasks, issues)
    weigh = partial(
        weighed_volunteers,
        people,
        tasks,
        net,
        today=ctx.now.date(),
        dayfirst=dayfirst_locale(ctx.config.locale),
        config=ctx.config.matching,
        offers_tab=ctx.config.form_tab("offers"),
    )
    weighed = [weigh()]
    found = withdrawals(tasks, weighed[0].volunteers, net)
    if found:
        net.withdrawn = apply_withdrawals(tasks, found, ctx.now.date(), tab_language(ctx.config))
        net.status_of = statuses_of(tasks)
        weighed.append(weigh())
    for need_id, who in _withdrawn_earlier(ctx, tasks, net.joined):
        net.withdrawn.setdefault(need_id, set()).add(who)
    room = [net.until, *(start_of(w.room_changes) for w in weighed)]
    if found:
        room.append(next_midnight(ctx.now))  # the withdrawals' reasons say today's date
    net.room_until = earliest(room, ctx.now)
    net.until = earliest([*room, *(start_of(w.recent_changes) for w in weighed)], ctx.now)
    return net, weighed[-1].volunteers, found


def _withdrawn_earlier(
    ctx: StepContext, tasks: list[dict[str, Any]], joined: dict[str, str]
) -> list[tuple[str, str]]:
    """(need id, volunteer) of the proposals an earlier step of this run withdrew (the
    withdraw step, in the weekly job): not proposed again to them this run either."""
    read = {
        t["task_id"]: t["status"] for t in records_of(ctx.tables["tasks"].frame) if t["task_id"]
    }
    return [
        (t["need_id"], joined.get(t["volunteer_id"], t["volunteer_id"]))
        for t in tasks
        if t["task_id"]
        and task_status(t["status"]) == TaskStatus.WITHDRAWN
        and task_status(read.get(t["task_id"], "")) == TaskStatus.PROPOSED
    ]


def _read_network(
    ctx: StepContext, people: list[dict[str, Any]], tasks: list[dict[str, Any]], issues: list[Issue]
) -> Network:
    """Read the week from People, Tasks, Load and Duplicates; a task status nobody
    understands is reported in `issues`."""
    return network_of(ctx, people, tasks, [_task_status(ctx, t, issues) for t in tasks])


def network_of(
    ctx: StepContext,
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    statuses: list[TaskStatus],
) -> Network:
    """The network as matching reads it (match/network.py) from People, Tasks (with their
    statuses read), Load (who rests) and Duplicates: the steps that weigh volunteers share it.
    Its `until` is when a rest starts or ends by the day alone."""
    resting = rests_in_force(
        records_of(ctx.frames["load"]),
        people,
        kept_ids(people),
        ctx.now.date(),
        dayfirst=dayfirst_locale(ctx.config.locale),
        rest_days=ctx.config.load.rest_days,
    )
    net = read_network(
        people, tasks, records_of(ctx.frames["duplicates"]), resting.members, statuses
    )
    net.until = net.room_until = earliest([start_of(resting.changes)], ctx.now)
    return net


@dataclass
class Assignment:
    """The needs waiting, the volunteers, the pairs the hard constraints allow and the
    solver's choice among them, as (need index, volunteer index)."""

    waiting: list[Need]
    volunteers: list[Volunteer]
    eligibility: Eligibility
    chosen: list[tuple[int, int]]

    @property
    def unserved(self) -> list[Need]:
        """The needs waiting that no volunteer was chosen for, in order."""
        served = {i for i, _ in self.chosen}
        return [n for k, n in enumerate(self.waiting) if k not in served]


def _assign(waiting: list[Need], volunteers: list[Volunteer], config: MatchingConfig) -> Assignment:
    """The optimal assignment among the pairs the hard constraints allow."""
    eligibility = eligible_pairs(waiting, volunteers, config)
    problem = Problem(
        priority=[n.priority for n in waiting],
        capacity=[v.capacity for v in volunteers],
        load=[v.recent for v in volunteers],
        pairs=eligibility.pairs,
    )
    if eligibility.narrowed_to:
        # Too many pairs to list: the same optimum over all of them, taken by kind. The
        # narrowed pairs serve only to find a co-volunteer.
        graph = kind_graph(waiting, volunteers, config, eligibility)
        chosen = solve_by_kind(problem.priority, problem.capacity, problem.load, graph)
    else:
        chosen = solve(problem)
    return Assignment(waiting, volunteers, eligibility, chosen)


def _propose(
    ctx: StepContext,
    assignment: Assignment,
    co: dict[int, tuple[str, str]],
    needs: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
) -> list[str]:
    """Append a proposed task for each chosen pair, the most urgent first, with its reasons
    and any co-volunteer, and mark its need matched. The new tasks' ids."""
    ids = Ids("T", (t["task_id"] for t in tasks))
    by_id = {n["need_id"]: n for n in needs}
    now = format_datetime(ctx.now)
    language = tab_language(ctx.config)
    for i, v in sorted(assignment.chosen, key=lambda iv: -assignment.waiting[iv[0]].priority):
        served, volunteer = assignment.waiting[i], assignment.volunteers[v]
        mentor, note = co.get(i, ("", ""))
        tasks.append(
            empty_record(
                ctx.schemas["tasks"],
                task_id=ids(),
                need_id=served.need_id,
                volunteer_id=volunteer.person_id,
                co_volunteer_id=mentor,
                category=served.category,
                zone=served.zone,
                reasons="; ".join(
                    [*why(served, volunteer, ctx.config.matching, language), *filter(None, [note])]
                ),
                proposed=now,
                status=TaskStatus.PROPOSED.value,
            )
        )
        by_id[served.need_id]["status"] = NeedStatus.MATCHED.value
    return [t["task_id"] for t in tasks[len(tasks) - len(assignment.chosen) :]]


def _result(
    ctx: StepContext,
    assignment: Assignment,
    needs: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    issues: list[Issue],
) -> StepResult:
    """Needs and Tasks as they now stand, the run's figures, and the needs left open with
    whether anyone could ever have taken them."""
    unserved = assignment.unserved
    nobody = without_volunteer(unserved, assignment.volunteers, ctx.config.matching)
    remote = ctx.config.matching.remote_categories
    return StepResult(
        frames={
            "needs": frame_of(needs, ctx.schemas["needs"]),
            "tasks": frame_of(tasks, ctx.schemas["tasks"]),
        },
        counts={
            "open_needs": len(assignment.waiting),
            "volunteers_with_room": sum(v.capacity > 0 for v in assignment.volunteers),
            "proposed": len(assignment.chosen),
            "not_matched": len(unserved),
            "urgent_not_matched": sum(n.urgent for n in unserved),
            "no_volunteer_at_all": sum(nobody),
            "volunteers_resting": sum(v.resting for v in assignment.volunteers),
        },
        issues=issues,
        notices=_narrowing_notice(assignment),
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


def _narrowing_notice(assignment: Assignment) -> list[str]:
    """Say so when a very large network was weighed by kind of need."""
    narrowed_to = assignment.eligibility.narrowed_to
    if not narrowed_to:
        return []
    needs, volunteers = len(assignment.waiting), len(assignment.volunteers)
    return [
        f"{needs:,} open needs and {volunteers:,} volunteers make too many possible pairs "
        "to list them all: the needs of one kind (category, zone, languages, availability) "
        "were weighed together against their candidates, for the same best result. A "
        f"co-volunteer for someone new was looked for among {narrowed_to} candidates a need."
    ]


def _mentors(
    chosen: list[tuple[int, int]],
    pairs: list[tuple[int, int]],
    volunteers: list[Volunteer],
    tasks: list[dict[str, Any]],
    status_of: list[TaskStatus],
    kept: dict[str, str],
    language: str,
) -> dict[int, tuple[str, str]]:
    """For a new volunteer's proposal (no task accepted or done yet): an experienced
    co-volunteer (MENTOR_DONE tasks done) eligible for the same need with room left, the
    least busy first. Need index -> (their id, the reason's words in `language`)."""
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
            co[i] = ("", translate(language, FIRST_TASK_ALONE))
            continue
        u = min(mentors, key=lambda u: (volunteers[u].recent, volunteers[u].person_id))
        room[u] -= 1
        mentor = volunteers[u].person_id
        done_ = number(done[mentor], language)
        co[i] = (mentor, translate(language, FIRST_TASK_WITH, mentor=mentor, done=done_))
    return co


def _task_status(ctx: StepContext, task: dict[str, Any], issues: list[Issue]) -> TaskStatus:
    status = task_status(task["status"])
    if status is None:
        tab = ctx.tables["tasks"].tab
        # What was typed is not quoted: a note typed in the wrong column would reach the log.
        what = "has a status sheetsync does not know" if task["status"].strip() else "has no status"
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
