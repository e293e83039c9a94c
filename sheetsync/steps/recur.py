"""recur: recurring needs (sheetsync/recur/). A request asking for help every week or every
two weeks starts a series; when its day (`next_on`) comes, this step adds the series' next
need: a new Needs row with the request's answers, opened now, its `source` naming the
series ("N0107 repeat 3"), never a form response, so intake leaves it alone. When the
volunteer of the previous need agreed to continue (Tasks `continues`, else their Feedback
answer) and every hard constraint of matching still holds, the new need gets its task with
them, accepted; otherwise it waits for matching like any other need (an urgent one within
the hour). A series stops when the request stops asking for it, an organizer marks
`end_recurrence`, or the requester is marked do not contact: `recurrence_note` says why, in
the network's language (translation.tab_language).

Runs after dedupe (a need's person is the kept one, needs' statuses are brought up to date
from Tasks) and before matching.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sheetsync.horizon import earliest
from sheetsync.ids import Ids
from sheetsync.match.eligibility import Need, Volunteer
from sheetsync.match.network import waiting_needs, weighed_volunteers
from sheetsync.members import kept_ids
from sheetsync.normalize import dayfirst_locale, format_datetime, parse_date
from sheetsync.recur.continuing import Agreement, agreement, continuing_reasons, why_not
from sheetsync.recur.series import (
    CONTINUES,
    CONTINUES_OTHER,
    STOPPED,
    WAITING,
    Due,
    Recurrence,
    Series,
    due_today,
    is_repeat,
    read_series,
    recomputed_starts,
    repeat_source,
    start_series,
    stop_reason,
)
from sheetsync.statuses import NeedStatus, TaskStatus, statuses_of, update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.match import network_of
from sheetsync.tables import empty_record, frame_of, records_of
from sheetsync.translation import gettext_noop, tab_language, translate

# A repeat's note, written once when it is made (in the language of the day).
KEPT = gettext_noop("Kept with %(who)s, who agreed on %(task)s.")
TO_MATCHING = gettext_noop("To matching: %(who)s agreed to continue on %(task)s but %(why)s.")

# The request's answers a repeat carries over from the series' first need.
CARRIED = (
    "person_id",
    "name",
    "zone",
    "category",
    "urgency",
    "details",
    "languages",
    "availability",
    "contact_pref",
    "recurrence",
)


def run(ctx: StepContext) -> StepResult:
    """Start, continue and stop the series on the Needs tab; tasks for continuing volunteers."""
    needs = records_of(ctx.frames["needs"])
    tasks = records_of(ctx.frames["tasks"])
    people = records_of(ctx.frames["people"])
    update_need_statuses(needs, tasks)
    start_series(needs)
    unreachable = _unreachable(people)
    counts = dict.fromkeys(
        ("series_running", "series_stopped", "repeats", "continued", "repeats_withdrawn"), 0
    )
    new: list[tuple[Series, dict[str, Any]]] = []
    changes: list[dt.date | None] = []  # the day each running series' answer next changes
    ids = Ids("N", (n["need_id"] for n in needs))
    dayfirst = dayfirst_locale(ctx.config.locale)
    language = tab_language(ctx.config)
    for series in read_series(needs):
        _tidy(series)
        reason = stop_reason(series, unreachable, language)
        if reason:
            counts["series_stopped"] += 1
            series.latest["next_on"] = ""
            _say(series.latest, translate(language, STOPPED, reason=reason))
            counts["repeats_withdrawn"] += _withdraw_waiting(series)
            continue
        counts["series_running"] += 1
        planned = parse_date(str(series.latest["next_on"]), dayfirst=dayfirst)
        due = due_today(series, ctx.now.date(), planned)
        changes.append(due.changes_on)
        repeat = _follow(ctx, series, due, ids)
        if repeat is not None:
            needs.append(repeat)
            new.append((series, repeat))
    counts["repeats"] = len(new)
    if new:
        counts["continued"] = _continue(ctx, new, needs, tasks, people)
    return StepResult(
        frames={
            "needs": frame_of(needs, ctx.schemas["needs"]),
            "tasks": frame_of(tasks, ctx.schemas["tasks"]),
        },
        counts=counts,
        until=_until(ctx.now, changes, made=bool(new)),
    )


def _until(now: dt.datetime, changes: Iterable[dt.date | None], *, made: bool) -> dt.datetime:
    """When the step's output on the same Needs and Tasks next changes by time alone: a
    run that adds a need stamps it (and any continuing task) with `now` to the second, so
    any moment; otherwise the first day a running series' next need falls due, or its
    `next_on` moves on, starts (series.Due.changes_on). A stopped series waits for the
    sheet, not the clock."""
    if made:
        return now
    return earliest((dt.datetime.combine(d, dt.time()) for d in changes if d is not None), now)


def _unreachable(people: list[dict[str, Any]]) -> set[str]:
    """The person ids marked do not contact, on their own row or a linked one."""
    kept = kept_ids(people)
    marked = {kept[p["person_id"]] for p in people if p["person_id"] and _dnc(p)}
    return {pid for pid, k in kept.items() if k in marked}


def _tidy(series: Series) -> None:
    """Each need of the series with the request's recurrence and without last run's words
    on the series; only the latest need keeps a next_on."""
    for need in series.needs:
        need["recurrence"] = series.first["recurrence"]
        need["recurrence_note"] = _own_note(need["recurrence_note"])
    for need in series.needs[:-1]:
        need["next_on"] = ""


def _withdraw_waiting(series: Series) -> int:
    """When the request no longer stands (its first need withdrawn), its repeats nobody
    has taken on yet are withdrawn with it; one with a volunteer on it stays for the
    organizers to settle. How many were withdrawn."""
    if series.first["status"] != NeedStatus.WITHDRAWN:
        return 0
    waiting = [n for n in series.needs if is_repeat(n) and n["status"] == NeedStatus.OPEN]
    for need in waiting:
        need["status"] = NeedStatus.WITHDRAWN.value
    return len(waiting)


def _follow(ctx: StepContext, series: Series, due: Due, ids: Ids) -> dict[str, Any] | None:
    """A running series today: its next need when due (None otherwise), `next_on` moved on
    and, when the latest need still waited on the day, a note saying so."""
    latest = series.latest
    if due.skipped is not None:
        day, need = due.skipped.isoformat(), latest["need_id"]
        _say(latest, translate(tab_language(ctx.config), WAITING, day=day, need=need))
    next_on = due.next_on.isoformat() if due.next_on else ""
    if not due.create:
        latest["next_on"] = next_on
        return None
    latest["next_on"] = ""
    return _repeat(ctx, series, ids(), next_on)


def _dnc(person: dict[str, Any]) -> bool:
    return bool(str(person["do_not_contact"]).strip())


def _own_note(note: str) -> str:
    """A need's note without what this step writes afresh each run (why its series
    stopped, a day passed while it waited), in whichever language it was written: what is
    left was written once, with a repeat."""
    cuts = [at for at in (note.find(start) for start in recomputed_starts()) if at >= 0]
    return note[: min(cuts)].rstrip() if cuts else note


def _say(need: dict[str, Any], words: str) -> None:
    """Add this run's words on the series to a need's note (after any written once)."""
    need["recurrence_note"] = " ".join(filter(None, (need["recurrence_note"], words)))


def _repeat(ctx: StepContext, series: Series, need_id: str, next_on: str) -> dict[str, Any]:
    """The series' next need: the request's answers, opened now, waiting for a volunteer."""
    now = format_datetime(ctx.now)
    return empty_record(
        ctx.schemas["needs"],
        **{name: series.first[name] for name in CARRIED},
        need_id=need_id,
        status=NeedStatus.OPEN.value,
        opened=now,
        updated=now,
        source=repeat_source(series.series_id, len(series.needs)),
        series=series.series_id,
        next_on=next_on,
    )


def _continue(
    ctx: StepContext,
    new: list[tuple[Series, dict[str, Any]]],
    needs: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    people: list[dict[str, Any]],
) -> int:
    """Give each new need whose previous need's volunteer agreed to continue its task with
    them, accepted, when matching's hard constraints allow; the others go to matching
    (`recurrence_note` says why, when someone had agreed). How many continued."""
    status_of = statuses_of(tasks)
    net = network_of(ctx, people, tasks, status_of)
    volunteers = {
        v.person_id: v
        for v in weighed_volunteers(
            people,
            tasks,
            net,
            today=ctx.now.date(),
            dayfirst=dayfirst_locale(ctx.config.locale),
            config=ctx.config.matching,
            offers_tab=ctx.config.form_tab("offers"),
        ).volunteers
    }
    waiting = {n.need_id: n for n in waiting_needs(needs, net, ctx.now).needs}
    task_ids = Ids("T", (task["task_id"] for task in tasks))
    language = tab_language(ctx.config)
    # Read before any task is added: status_of is the tasks' as read.
    agreements = [agreement(series.latest["need_id"], tasks, status_of) for series, _ in new]
    continued = 0
    for (series, repeat), agreed in zip(new, agreements, strict=True):
        need = waiting.get(repeat["need_id"])
        if agreed is None or need is None:
            continue
        who = net.joined.get(agreed.volunteer_id, agreed.volunteer_id)
        volunteer = volunteers.get(who)
        blocked = why_not(need, volunteer, ctx.config.matching, language)
        if blocked or volunteer is None:
            repeat["recurrence_note"] = translate(
                language, TO_MATCHING, who=who, task=agreed.task_id, why=blocked
            )
            continue
        tasks.append(_task(ctx, series, repeat, need, volunteer, agreed, task_ids()))
        volunteer.capacity -= 1
        repeat["status"] = NeedStatus.MATCHED.value
        repeat["recurrence_note"] = translate(language, KEPT, who=who, task=agreed.task_id)
        continued += 1
    return continued


def _task(
    ctx: StepContext,
    series: Series,
    repeat: dict[str, Any],
    need: Need,
    volunteer: Volunteer,
    agreed: Agreement,
    task_id: str,
) -> dict[str, Any]:
    """The continuing volunteer's task for the new need, accepted as they agreed."""
    words = CONTINUES.get(Recurrence(series.first["recurrence"]), CONTINUES_OTHER)
    return empty_record(
        ctx.schemas["tasks"],
        task_id=task_id,
        need_id=repeat["need_id"],
        volunteer_id=volunteer.person_id,
        category=need.category,
        zone=need.zone,
        reasons=continuing_reasons(
            words, series.series_id, agreed.task_id, tab_language(ctx.config)
        ),
        proposed=format_datetime(ctx.now),
        status=TaskStatus.ACCEPTED.value,
    )
