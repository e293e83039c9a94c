"""load: who is carrying too much. The Load tab lists every volunteer (and anyone else who
took a task) with their figures, flags with a reason and a next step, and their rest.

Figures and flags: sheetsync/load/figures.py and flags.py; the rest cycle (suggested by
sheetsync, confirmed by an organizer in rest_until, honoured by matching):
sheetsync/load/rest.py. Rows are found by person_id, so organizers may sort the tab.
A row whose person is no longer a member (linked to another row, or no longer volunteering)
keeps its place and notes; its flags are cleared.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sheetsync.horizon import next_midnight
from sheetsync.load.figures import figures_of
from sheetsync.load.flags import (
    RESTFUL,
    Flag,
    Member,
    first_name,
    flag_codes,
    flag_name,
    flags_for,
    offer_rest,
)
from sheetsync.load.rest import BACK_NOTE_DAYS, Rest, RestStatus, read_rest
from sheetsync.members import (
    Checkin,
    Help,
    helps,
    is_volunteer,
    kept_ids,
    rows_by_person,
    whole_number,
)
from sheetsync.normalize import cell_text, dayfirst_locale, format_datetime, parse_date
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import WORK
from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import ROW, empty_record, frame_of, records_of
from sheetsync.translation import tab_language, translate, translate_plural


def run(ctx: StepContext) -> StepResult:
    """Recompute every member's Load row; keep organizers' rest_until and notes."""
    roster = _roster(ctx)
    rows = records_of(ctx.frames["load"])
    now = format_datetime(ctx.now)
    before = [dict(row) for row in rows]
    issues, counts = _refresh_members(ctx, roster, rows, now)
    issues += _clear_former_members(ctx, roster, rows, now)
    changed = rows != before  # a row added or changed: stamped with the run's time
    undated = _undated_tasks(ctx, roster)
    if undated is not None:
        issues.append(undated)
    return StepResult(
        frames={"load": frame_of(rows, ctx.schemas["load"])},
        counts={"members": len(roster.members), **counts},
        issues=issues,
        until=ctx.now if changed else _until(ctx),
    )


def _until(ctx: StepContext) -> dt.datetime:
    """When the Load tab may next change by time alone (sheetsync/horizon.py). The
    figures, flags and rests read the clock as today's date only (weeks of tasks, check-ins
    ageing, rests ending, the rest offered): the same all day, so at the latest the next
    midnight. (A row this run adds or changes holds the run's time in `updated`: another
    moment's run would write another, so such a run says `now`.)"""
    return next_midnight(ctx.now)


@dataclass(frozen=True)
class Roster:
    """Who the Load tab is about: the members, with their People rows and their tasks."""

    kept: dict[str, str]  # every person id -> the id it counts for
    groups: dict[str, list[dict[str, Any]]]  # kept id -> their People rows
    helped: defaultdict[str, list[Help]]  # kept id -> the tasks they took part in
    members: list[str]  # kept ids of volunteers and of anyone with accepted or done tasks


def _roster(ctx: StepContext) -> Roster:
    """The members: every volunteer, and anyone else who took a task."""
    people = records_of(ctx.frames["people"])
    kept = kept_ids(people)
    groups = rows_by_person(people, kept)
    helped: defaultdict[str, list[Help]] = defaultdict(list)
    tasks = records_of(ctx.frames["tasks"])
    for h in helps(tasks, kept, dayfirst=dayfirst_locale(ctx.config.locale)):
        helped[h.person_id].append(h)
    members = sorted(
        pid
        for pid, group in groups.items()
        if is_volunteer(group) or any(h.status in WORK for h in helped[pid])
    )
    return Roster(kept, groups, helped, members)


def _refresh_members(
    ctx: StepContext, roster: Roster, rows: list[dict[str, Any]], now: str
) -> tuple[list[Issue], dict[str, int]]:
    """Write each member's row, adding one for a new member; the rest_until cells that could
    not be read, and the counts for the run report."""
    today = ctx.now.date()
    dayfirst = dayfirst_locale(ctx.config.locale)
    by_person: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], row)  # a copied row: the first one is kept
    issues: list[Issue] = []
    counts: dict[str, int] = defaultdict(int)
    for pid in roster.members:
        found = by_person.get(pid)
        row = found if found is not None else empty_record(ctx.schemas["load"], person_id=pid)
        if found is None:
            rows.append(row)
        group = roster.groups[pid]
        member = _member(pid, group, roster.helped[pid], ctx, today)
        rest = read_rest(
            row, member.checkin, today, dayfirst=dayfirst, rest_days=ctx.config.load.rest_days
        )
        if rest.problem:
            issues.append(_rest_issue(ctx, row, rest.problem))
        new = _row(member, rest, row, ctx, today)
        new["zone"] = next((r["zone"] for r in group if r["zone"]), "")
        _tally(counts, new, rest)
        _update(row, new, now)
    return issues, counts


def _tally(counts: dict[str, int], new: dict[str, str], rest: Rest) -> None:
    """Count a member's flags and rest for the run report (and the Summary tab), by the
    flags' codes whatever the language of the tab."""
    for flag in flag_codes(new["flags"]):
        counts[f"flag.{flag}"] += 1
    counts["flagged"] += bool(new["flags"])
    counts["resting"] += rest.status is RestStatus.RESTING
    counts["rest_suggested"] += new["rest_status"] == RestStatus.SUGGESTED


def _clear_former_members(
    ctx: StepContext, roster: Roster, rows: list[dict[str, Any]], now: str
) -> list[Issue]:
    """Clear the flags and rest of the rows of people no longer members, saying why; their
    rows keep their place and notes. A rest written on a linked row is reported, not
    applied."""
    current = set(roster.members)
    issues = []
    for row in rows:
        pid = row["person_id"]
        if not pid or pid in current or not row[ROW]:
            continue
        kept_as = roster.kept.get(pid, pid)
        language = tab_language(ctx.config)
        why = (
            translate(language, "Linked to %(person)s: see their row.", person=kept_as)
            if kept_as != pid
            else translate(language, "Not volunteering now.")
        )
        if kept_as != pid and row["rest_until"].strip():
            issues.append(
                _rest_issue(
                    ctx,
                    row,
                    f"this row is linked to {kept_as}, so its rest_until is not applied: "
                    f"write it on {kept_as}'s row.",
                )
            )
        cleared = dict.fromkeys(("flags", "next_steps", "rest_status", "rest_suggested"), "")
        _update(row, {**cleared, "reasons": why, "resting_until": "", "rest_confirmed": ""}, now)
    return issues


def _undated_tasks(ctx: StepContext, roster: Roster) -> Issue | None:
    """A warning for members' accepted or done tasks with no date at all: no week counts
    them."""
    undated = {
        h.task_id
        for pid in roster.members
        for h in roster.helped[pid]
        if h.status in WORK and h.on is None
    }
    if not undated:
        return None
    tab = ctx.tables["tasks"].tab
    return Issue(
        tab=tab,
        row=0,
        field="due",
        code=IssueCode.UNDATED_TASK,
        message=(
            f"{len(undated)} accepted or done task(s) on {tab} have no due date and "
            f"were not proposed by sheetsync ({', '.join(sorted(undated)[:5]) or 'no id'}"
            f"{'…' if len(undated) > 5 else ''}): give them a due date so the Load tab "
            "can count them in the right week."
        ),
        severity=Severity.WARNING,
    )


def _member(
    pid: str, group: list[dict[str, Any]], helped: list[Help], ctx: StepContext, today: dt.date
) -> Member:
    """What the flags look at for one member, from their People rows and their tasks."""
    capacities = [whole_number(r["weekly_capacity"]) for r in group if r["weekly_capacity"]]
    seen = [r["first_seen"] for r in group if r["first_seen"]]
    main = group[0]
    return Member(
        person_id=pid,
        name=main["name"],
        since=dt.date.fromisoformat(min(seen)) if seen else None,
        capacity=max(capacities) if capacities else None,
        checkin=Checkin.of(group),
        figures=figures_of(
            helped,
            today,
            hours_per_task=ctx.config.matching.hours_per_task,
            weeks_back=max(ctx.config.load.busy_weeks, 1),
            busy_week_tasks=ctx.config.load.busy_week_tasks,
        ),
    )


def _row(
    member: Member, rest: Rest, old: dict[str, Any], ctx: StepContext, today: dt.date
) -> dict[str, str]:
    """The sheetsync columns of a member's row, its texts in the tab's language."""
    language = tab_language(ctx.config)
    flags = flags_for(member, ctx.config.load, today, language)
    suggested = _rest_to_suggest(old, today, ctx.config.load.rest_days)
    advice = _advise(member, rest, flags, suggested, language)
    return {
        "name": member.name,
        "flags": ", ".join(dict.fromkeys(flag_name(flag.code, language) for flag in flags)),
        "reasons": " ".join(_reasons(flags, rest, advice.status, today, language)),
        "next_steps": " ".join(advice.steps),
        **_figure_cells(member),
        "rest_suggested": advice.offer.isoformat() if advice.offer else "",
        "rest_status": advice.status.value,
        "resting_until": rest.until.isoformat() if rest.until else "",
        "rest_confirmed": rest.confirmed_on.isoformat() if rest.confirmed_on else "",
    }


@dataclass(frozen=True)
class Advice:
    """What a member's row advises: the next steps, and the rest status it shows."""

    status: RestStatus  # the confirmed rest's status, or SUGGESTED when a rest is offered
    offer: dt.date | None  # the last day of the rest offered now, if one is
    steps: list[str]


def _advise(
    member: Member, rest: Rest, flags: list[Flag], suggested: dt.date, language: str
) -> Advice:
    """While resting, what the rest means for matching and their tasks; else each flag's
    next step, and after a RESTFUL flag the offer of a rest until `suggested`."""
    if rest.status is RestStatus.RESTING:
        return Advice(rest.status, None, _while_resting(member, rest, language))
    steps = [f.next_step for f in flags]
    if not any(f.code in RESTFUL for f in flags):
        return Advice(rest.status, None, steps)
    # After a rest confirmed with "yes", yes still means that rest: ask for the date.
    yes_works = not (rest.status is RestStatus.BACK and rest.until is not None)
    steps.append(offer_rest(member.name, suggested, yes_works=yes_works, language=language))
    return Advice(RestStatus.SUGGESTED, suggested, steps)


def _rest_to_suggest(old: dict[str, Any], today: dt.date, rest_days: int) -> dt.date:
    """The last day of a rest to suggest: the one the row already suggests, while that day
    is ahead, so that the suggestion stays the same from run to run; else rest_days on."""
    suggested = parse_date(old["rest_suggested"], dayfirst=False)
    if suggested is None or suggested <= today or old["rest_status"] != RestStatus.SUGGESTED:
        return today + dt.timedelta(days=rest_days)
    return suggested


def _reasons(
    flags: list[Flag], rest: Rest, status: RestStatus, today: dt.date, language: str
) -> list[str]:
    """Each flag's reason; for BACK_NOTE_DAYS after a rest, that they are back and why."""
    reasons = [flag.reason for flag in flags]
    if status is RestStatus.BACK and rest.back_on and (today - rest.back_on).days < BACK_NOTE_DAYS:
        reasons.append(
            translate(language, "Back from rest: %(why)s.", why=rest.why_back_in(language))
        )
    return reasons


def _figure_cells(member: Member) -> dict[str, str]:
    """A member's figures, the capacity they offered and their latest check-in, as cells."""
    f, checkin = member.figures, member.checkin
    return {
        "tasks_this_week": str(f.tasks_week),
        "hours_this_week": cell_text(f.hours_week),
        "tasks_4_weeks": str(f.tasks_month),
        "hours_4_weeks": cell_text(f.hours_month),
        "shifts_7_days": str(f.shifts_7_days),
        "busy_weeks": str(f.busy_weeks),
        "overdue": str(f.overdue),
        "weekly_capacity": "" if member.capacity is None else str(member.capacity),
        "checkin": checkin.status,
        "checkin_hours": "" if checkin.hours is None else cell_text(checkin.hours),
        "checkin_date": checkin.on.isoformat() if checkin.on else "",
    }


def _while_resting(member: Member, rest: Rest, language: str) -> list[str]:
    """The next steps during a confirmed rest: matching leaves them out; hand on their tasks."""
    steps = [
        translate(
            language,
            "Resting until %(date)s (confirmed): matching leaves %(name)s out until then, or "
            "until they check in again.",
            date=rest.until,
            name=first_name(member.name, language),
        )
    ]
    if member.figures.accepted:
        steps.append(
            translate_plural(
                language,
                "%(num)s accepted task still with them: hand it to someone else (decline on "
                "Tasks and sheetsync proposes someone new).",
                "%(num)s accepted tasks still with them: hand them to someone else (decline on "
                "Tasks and sheetsync proposes someone new).",
                member.figures.accepted,
            )
        )
    return steps


def _update(row: dict[str, Any], new: dict[str, str], now: str) -> None:
    """Write the new values; stamp `updated` only when something changed."""
    if any(row.get(k, "") != v for k, v in new.items()):
        row.update(new, updated=now)


def _rest_issue(ctx: StepContext, row: dict[str, Any], problem: str) -> Issue:
    """A warning that a row's rest_until is not applied, and why."""
    tab = ctx.tables["load"].tab
    where = f"{tab} row {row[ROW]}" if row[ROW] else tab
    return Issue(
        tab=tab,
        row=int(row[ROW]),
        field="rest_until",
        code=IssueCode.UNREADABLE_REST,
        message=f"{row['person_id']} on {where}: {problem} Until then no rest is in force.",
        severity=Severity.WARNING,
    )
