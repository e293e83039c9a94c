"""check: the rules matching keeps, checked at the end of every run (match/invariants.py).

It reads People, Needs, Tasks, Load and Duplicates as the earlier steps left them, and
changes none of them. A broken rule, whoever broke it, is a warning in the run report and a
row on the Errors tab: form "sheetsync check", source "<Tab>:<id>" of the row to look at,
fields the rule's code, status open; resolved on the first run that finds it holds again.
Errors rows from form responses are intake's, and left alone here.

It also checks every value organizers typed in their own columns against the schema
(steps/organizer_values.py): a bad one (a task status "donee") is a warning and a row on
the Errors tab, form "organizer column", source "<Tab>:<id>", fields the column; resolved on
the first run that finds the cell right. The steps read such a cell as they always have.

A row's reason is worded in the organizers' language (translation.tab_language); the row is
known by form, source and fields, never by its reason: in another language it is the same
row, its reason rewritten.

The network is read once, as matching reads it, and serves every rule. Whether the run
proposed as many tasks as it could (not-maximal) is checked when match (or urgent, the
hourly matching) ran in this run: against a max-flow bound over the needs and volunteers as
they stood before its proposals; for urgent, over the needs it weighed (MatchFindings.scope).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sheetsync.horizon import earliest
from sheetsync.ids import Ids
from sheetsync.match.eligibility import Volunteer
from sheetsync.match.invariants import (
    Violation,
    Week,
    max_matchable,
    not_maximal,
    over_capacity,
    overbooked_needs,
    tasks_this_week,
    unavailable_proposed,
)
from sheetsync.match.network import Network, start_of, waiting_needs, weighed_volunteers
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import (
    CHECK_FORM,
    CHECK_FORMS,
    ORGANIZER_FORM,
    ErrorStatus,
    statuses_of,
    update_need_statuses,
)
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings
from sheetsync.steps.match import network_of
from sheetsync.steps.organizer_values import VALUES_TO_FIX, BadValue, bad_values, issues_of
from sheetsync.tables import ROW, frame_of, records_of
from sheetsync.translation import tab_language

ALWAYS = (IssueCode.NEED_OVERBOOKED, IssueCode.OVER_CAPACITY, IssueCode.UNAVAILABLE_PROPOSED)


def run(ctx: StepContext) -> StepResult:
    """Check every rule; put what is broken on the Errors tab and in the report."""
    tasks = records_of(ctx.frames["tasks"])
    matched = ctx.findings.get(MatchFindings)
    new = set(matched.proposed) if matched is not None else set()
    reading = _read(ctx, tasks, [t for t in tasks if t["task_id"] not in new])
    net = reading.net
    language = tab_language(ctx.config)
    found = [
        *overbooked_needs(tasks, net.status_of, language),
        *over_capacity(reading.volunteers, reading.week, net.kept, net.joined, language),
        *unavailable_proposed(tasks, net.status_of, net.unavailable, net.kept, language),
    ]
    checked = set(ALWAYS)
    counted = set(ALWAYS)
    times = [reading.room_until]
    if matched is not None:
        broken, waiting_until = _maximal(ctx, tasks, reading, matched)
        found += broken
        if broken:
            # Its message names the most urgent need missed: the days waiting order them,
            # and recent weeks which flow the bound finds.
            times += [reading.recent_until, waiting_until]
        counted.add(IssueCode.NOT_MAXIMAL)
        if matched.scope is None:
            # Only a run that weighed every waiting need can say the rule holds again; the
            # hourly urgent step weighed some of them: it opens a row, never resolves one.
            checked.add(IssueCode.NOT_MAXIMAL)
    rows = _rows_of(ctx)
    bad = bad_values(ctx.tables, ctx.config)
    wanted = [*_violation_rows(ctx, found, rows), *_bad_value_rows(bad)]
    errors, added = _errors(ctx, wanted, checked)
    return StepResult(
        frames={"errors": errors},
        # A new Errors row says when it was first seen: another moment, another stamp.
        until=ctx.now if added else earliest(times, ctx.now),
        counts={
            "rules_broken": len(found),
            VALUES_TO_FIX: len(bad),
            "new_error_rows": added,
            **{code.value: sum(v.code == code for v in found) for code in sorted(counted)},
        },
        issues=[*(_issue(ctx, v, rows) for v in found), *issues_of(bad)],
    )


@dataclass(frozen=True)
class Reading:
    """The network as matching reads it, read once for every rule."""

    net: Network  # from the tasks as they are now
    # As this run's matching weighed them, before its proposals (all the tasks when match
    # did not run): the bound's room. The rules read only what no task changes (the
    # capacity a week, whether they may be asked).
    volunteers: list[Volunteer]
    week: dict[str, Week]  # joined id -> the tasks they hold this week, now
    # When who may be asked or anyone's room next changes by time alone, and when their
    # recent weeks do. The week's tasks count as the volunteers' (before this run's
    # proposals, which count in any week): no other day changes `week`.
    room_until: dt.datetime
    recent_until: dt.datetime


def _read(ctx: StepContext, tasks: list[dict[str, Any]], before: list[dict[str, Any]]) -> Reading:
    """People, Tasks, Load and Duplicates as matching reads them; `before` is Tasks without
    this run's proposals."""
    people = records_of(ctx.frames["people"])
    dayfirst = dayfirst_locale(ctx.config.locale)
    net = network_of(ctx, people, tasks, statuses_of(tasks))
    today = ctx.now.date()
    weighed = weighed_volunteers(
        people,
        before,
        net,
        today=today,
        dayfirst=dayfirst,
        config=ctx.config.matching,
        offers_tab=ctx.config.form_tab("offers"),
    )
    return Reading(
        net,
        weighed.volunteers,
        tasks_this_week(
            tasks, net.joined, today=today, dayfirst=dayfirst, language=tab_language(ctx.config)
        ),
        earliest([net.until, start_of(weighed.room_changes)], ctx.now),
        earliest([start_of(weighed.recent_changes)], ctx.now),
    )


def _maximal(
    ctx: StepContext, tasks: list[dict[str, Any]], reading: Reading, matched: MatchFindings
) -> tuple[list[Violation], dt.datetime]:
    """This run's proposals against a max-flow bound over the needs and volunteers as match
    weighed them: before its proposals, with the proposals withdrawn this run not to go
    back to the same volunteer. And when a need's days waiting next grow (Waiting.until)."""
    new = set(matched.proposed)
    proposed = [t for t in tasks if t["task_id"] in new]
    needs = records_of(ctx.frames["needs"])
    update_need_statuses(needs, [t for t in tasks if t["task_id"] not in new])
    withdrawn: dict[str, set[str]] = defaultdict(set)
    for need_id, volunteer_id in matched.withdrawn:
        withdrawn[need_id].add(volunteer_id)
    # This run's proposals change nothing waiting_needs reads in the network.
    waiting = waiting_needs(needs, replace(reading.net, withdrawn=withdrawn), ctx.now)
    if matched.scope is not None:
        scope = set(matched.scope)
        waiting.needs = [n for n in waiting.needs if n.need_id in scope]
    served = {t["need_id"] for t in proposed}
    bound = max_matchable(waiting.needs, reading.volunteers, ctx.config.matching, served)
    return not_maximal(len(proposed), bound, tab_language(ctx.config)), waiting.until


def _rows_of(ctx: StepContext) -> dict[tuple[str, str], int]:
    """(logical tab, id) -> the sheet row it sits on, or will once this run's rows are
    added at the end of the tab, in order (as tables.plan_changes appends them)."""
    keys = {"needs": "need_id", "people": "person_id", "tasks": "task_id"}
    rows: dict[tuple[str, str], int] = {}
    for tab, key in keys.items():
        after = max(ctx.tables[tab].n_rows, 1)  # the header is row 1
        for r in records_of(ctx.frames[tab]):
            row = int(r[ROW])
            if not row:
                after += 1
                row = after
            if r[key]:
                rows[(tab, str(r[key]))] = row
    return rows


def _where(ctx: StepContext, v: Violation) -> tuple[str, str]:
    """The tab's title and the Errors row's source: "Needs", "Needs:N0042"."""
    tab = ctx.tables[v.tab].tab
    return tab, f"{tab}:{v.subject}"


@dataclass(frozen=True)
class ErrorRow:
    """What an Errors row of the check says: form CHECK_FORM or ORGANIZER_FORM."""

    form: str
    source: str  # "Tasks:T0007"
    fields: str  # the rule broken, or the organizer's column
    tab: str
    row: int
    reason: str


def _violation_rows(
    ctx: StepContext, found: list[Violation], rows: dict[tuple[str, str], int]
) -> list[ErrorRow]:
    rows_of = []
    for v in found:
        tab, source = _where(ctx, v)
        row = rows.get((v.tab, v.subject), 0)
        rows_of.append(ErrorRow(CHECK_FORM, source, v.code.value, tab, row, v.message))
    return rows_of


def _bad_value_rows(found: list[BadValue]) -> list[ErrorRow]:
    return [ErrorRow(ORGANIZER_FORM, b.source, b.field, b.tab, b.row, b.reason) for b in found]


def _errors(ctx: StepContext, wanted: list[ErrorRow], checked: set[IssueCode]) -> tuple[Any, int]:
    """The Errors tab with a row per broken rule and per bad organizer value (opened, or
    open again) and the rows of those that hold again resolved. Rows from form responses
    are intake's: left as they are."""
    schema = ctx.schemas["errors"]
    records = records_of(ctx.frames["errors"])
    ids = Ids("E", (r["error_id"] for r in records))
    ours = {(r["form"], r["source"], r["fields"]): r for r in records if r["form"] in CHECK_FORMS}
    current: set[tuple[str, str, str]] = set()
    added = 0
    for want in wanted:
        key = (want.form, want.source, want.fields)
        current.add(key)
        record = ours.get(key)
        if record is None:
            record = dict.fromkeys(schema.names, "") | {ROW: 0}
            record |= {"error_id": ids(), "form": want.form, "source": want.source}
            record |= {"fields": want.fields, "first_seen": format_datetime(ctx.now)}
            records.append(record)
            ours[key] = record
            added += 1
        row = str(want.row) if want.row else ""
        record |= {"tab": want.tab, "row": row, "reason": want.reason}
        record["status"] = ErrorStatus.OPEN.value
    as_read = {
        (r["form"], r["source"], r["fields"]): r["status"]
        for r in records_of(ctx.tables["errors"].frame)
        if r["form"] in CHECK_FORMS
    }
    for key, record in ours.items():
        if key in current:
            continue
        form, _, fields = key
        if form == CHECK_FORM and fields not in {c.value for c in checked}:
            # Not checked this run (not-maximal, unless match weighed every need): as it was.
            record["status"] = as_read.get(key, record["status"])
        elif record["status"] == ErrorStatus.OPEN:
            record["status"] = ErrorStatus.RESOLVED.value
    return frame_of(records, schema), added


def _issue(ctx: StepContext, v: Violation, rows: dict[tuple[str, str], int]) -> Issue:
    tab, _ = _where(ctx, v)
    return Issue(
        tab=tab,
        row=rows.get((v.tab, v.subject), 0),
        field=v.subject,
        code=v.code,
        message=v.message,
        severity=Severity.WARNING,
    )
