"""load: who is carrying too much. The Load tab lists every volunteer (and anyone else who
took a task) with their figures, flags with a reason and a next step, and their rest.

Figures and flags: sheetsync/workload/figures.py and flags.py; the rest cycle (suggested by
sheetsync, confirmed by an organizer in rest_until, honoured by matching):
sheetsync/workload/rest.py. Rows are found by person_id, so organizers may sort the tab.
A row whose person is no longer a member (linked to another row, or no longer volunteering)
keeps its place and notes; its flags are cleared.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sheetsync.load.figures import figures_of
from sheetsync.load.flags import RESTFUL, Member, first_name, flags_for, offer_rest
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


def run(ctx: StepContext) -> StepResult:
    """Recompute every member's Load row; keep organizers' rest_until and notes."""
    people = records_of(ctx.frames["people"])
    rows = records_of(ctx.frames["load"])
    today = ctx.now.date()
    dayfirst = dayfirst_locale(ctx.config.locale)
    kept = kept_ids(people)
    groups = rows_by_person(people, kept)
    helped: dict[str, list[Help]] = defaultdict(list)
    for h in helps(records_of(ctx.frames["tasks"]), kept, dayfirst=dayfirst):
        helped[h.person_id].append(h)
    members = sorted(
        pid
        for pid, group in groups.items()
        if is_volunteer(group) or any(h.status in WORK for h in helped[pid])
    )
    by_person: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], row)  # a copied row: the first one is kept
    issues: list[Issue] = []
    counts: dict[str, int] = defaultdict(int)
    now = format_datetime(ctx.now)
    for pid in members:
        found = by_person.get(pid)
        row = found if found is not None else empty_record(ctx.schemas["load"], person_id=pid)
        if found is None:
            rows.append(row)
        member = _member(pid, groups[pid], helped[pid], ctx, today)
        rest = read_rest(
            row, member.checkin, today, dayfirst=dayfirst, rest_days=ctx.config.load.rest_days
        )
        if rest.problem:
            issues.append(_rest_issue(ctx, row, rest.problem))
        new = _row(member, rest, row, ctx, today)
        new["zone"] = next((r["zone"] for r in groups[pid] if r["zone"]), "")
        for flag in new["flags"].split(", ") if new["flags"] else []:
            counts[f"flag.{flag}"] += 1
        counts["flagged"] += bool(new["flags"])
        counts["resting"] += rest.status is RestStatus.RESTING
        counts["rest_suggested"] += new["rest_status"] == RestStatus.SUGGESTED
        _update(row, new, now)
    current = set(members)
    for row in rows:
        pid = row["person_id"]
        if not pid or pid in current or not row[ROW]:
            continue
        linked = kept.get(pid, pid) != pid
        why = f"Linked to {kept[pid]}: see their row." if linked else "Not volunteering now."
        if linked and row["rest_until"].strip():
            issues.append(
                _rest_issue(
                    ctx,
                    row,
                    f"this row is linked to {kept[pid]}, so its rest_until is not applied: "
                    f"write it on {kept[pid]}'s row.",
                )
            )
        cleared = dict.fromkeys(("flags", "next_steps", "rest_status", "rest_suggested"), "")
        _update(row, {**cleared, "reasons": why, "resting_until": "", "rest_confirmed": ""}, now)
    undated = {
        h.task_id for pid in members for h in helped[pid] if h.status in WORK and h.on is None
    }
    if undated:
        tab = ctx.tables["tasks"].tab
        issues.append(
            Issue(
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
        )
    return StepResult(
        frames={"load": frame_of(rows, ctx.schemas["load"])},
        counts={"members": len(members), **counts},
        issues=issues,
    )


def _member(
    pid: str, group: list[dict[str, Any]], helped: list[Help], ctx: StepContext, today: dt.date
) -> Member:
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
    """The sheetsync columns of a member's row."""
    cfg = ctx.config.load
    suggested = parse_date(old["rest_suggested"], dayfirst=False)
    if suggested is None or suggested <= today or old["rest_status"] != RestStatus.SUGGESTED:
        suggested = today + dt.timedelta(days=cfg.rest_days)
    flags = flags_for(member, cfg, today)
    steps = [f.next_step for f in flags]
    status = rest.status
    offer = None
    if status is RestStatus.RESTING:
        steps = _while_resting(member, rest)
    elif any(f.code in RESTFUL for f in flags):
        status, offer = RestStatus.SUGGESTED, suggested
        # After a rest confirmed with "yes", yes still means that rest: ask for the date.
        yes_works = not (rest.status is RestStatus.BACK and rest.until is not None)
        steps.append(offer_rest(member.name, suggested, yes_works=yes_works))
    f = member.figures
    checkin = member.checkin
    reasons = [flag.reason for flag in flags]
    if status is RestStatus.BACK and rest.back_on and (today - rest.back_on).days < BACK_NOTE_DAYS:
        reasons.append(f"Back from rest: {rest.why_back}.")
    return {
        "name": member.name,
        "flags": ", ".join(dict.fromkeys(flag.code.value for flag in flags)),
        "reasons": " ".join(reasons),
        "next_steps": " ".join(steps),
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
        "rest_suggested": offer.isoformat() if offer else "",
        "rest_status": status.value,
        "resting_until": rest.until.isoformat() if rest.until else "",
        "rest_confirmed": rest.confirmed_on.isoformat() if rest.confirmed_on else "",
    }


def _while_resting(member: Member, rest: Rest) -> list[str]:
    who = first_name(member.name)
    steps = [
        f"Resting until {rest.until} (confirmed): matching leaves {who} out until then, or "
        "until they check in again."
    ]
    if member.figures.accepted:
        n = member.figures.accepted
        steps.append(
            f"{n} accepted task{'s' if n != 1 else ''} still with them: hand "
            f"{'them' if n != 1 else 'it'} to someone else (decline on Tasks and sheetsync "
            "proposes someone new)."
        )
    return steps


def _update(row: dict[str, Any], new: dict[str, str], now: str) -> None:
    """Write the new values; stamp `updated` only when something changed."""
    if any(row.get(k, "") != v for k, v in new.items()):
        row.update(new, updated=now)


def _rest_issue(ctx: StepContext, row: dict[str, Any], problem: str) -> Issue:
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
