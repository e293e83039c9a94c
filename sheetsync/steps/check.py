"""check: the rules matching keeps, checked at the end of every run (match/invariants.py).

It reads People, Needs, Tasks, Load and Duplicates as the earlier steps left them, and
changes none of them. A broken rule, whoever broke it, is a warning in the run report and a
row on the Errors tab: form "sheetsync check", source "<Tab>:<id>" of the row to look at,
fields the rule's code, status open; resolved on the first run that finds it holds again.
Errors rows from form responses are intake's, and left alone here.

Whether the run proposed as many tasks as it could (not-maximal) is checked when match ran
in this run: against the needs and tasks as they stood before its proposals.
"""

from __future__ import annotations

from typing import Any

from sheetsync.load.rest import resting_members
from sheetsync.match.eligibility import Volunteer
from sheetsync.match.invariants import (
    Violation,
    max_matchable,
    not_maximal,
    over_capacity,
    overbooked_needs,
    unavailable_proposed,
)
from sheetsync.match.network import Network, read_network, volunteers_of, waiting_needs
from sheetsync.members import kept_ids
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import (
    CHECK_FORM,
    ErrorStatus,
    TaskStatus,
    task_status,
    update_need_statuses,
)
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings
from sheetsync.steps.ids import Ids
from sheetsync.tables import ROW, frame_of, records_of

ALWAYS = (IssueCode.NEED_OVERBOOKED, IssueCode.OVER_CAPACITY, IssueCode.UNAVAILABLE_PROPOSED)


def run(ctx: StepContext) -> StepResult:
    """Check every rule; put what is broken on the Errors tab and in the report."""
    people = records_of(ctx.frames["people"])
    tasks = records_of(ctx.frames["tasks"])
    net, volunteers = _network(ctx, people, tasks)
    found = [
        *overbooked_needs(tasks, net.status_of),
        *over_capacity(volunteers, tasks, net.status_of, net.joined),
        *unavailable_proposed(tasks, net.status_of, volunteers, net.joined),
    ]
    checked = set(ALWAYS)
    matched = ctx.findings.get(MatchFindings)
    if matched is not None:
        found += _maximal(ctx, people, tasks, matched)
        checked.add(IssueCode.NOT_MAXIMAL)
    rows = _rows_of(ctx)
    errors, added = _errors(ctx, found, checked, rows)
    return StepResult(
        frames={"errors": errors},
        counts={
            "rules_broken": len(found),
            "new_error_rows": added,
            **{code.value: sum(v.code == code for v in found) for code in sorted(checked)},
        },
        issues=[_issue(ctx, v, rows) for v in found],
    )


def _network(
    ctx: StepContext, people: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> tuple[Network, list[Volunteer]]:
    """The network and its volunteers as matching reads them."""
    dayfirst = dayfirst_locale(ctx.config.locale)
    resting = resting_members(
        records_of(ctx.frames["load"]),
        people,
        kept_ids(people),
        ctx.now.date(),
        dayfirst=dayfirst,
        rest_days=ctx.config.load.rest_days,
    )
    status_of = [task_status(t["status"]) or TaskStatus.PROPOSED for t in tasks]
    net = read_network(people, tasks, records_of(ctx.frames["duplicates"]), resting, status_of)
    volunteers = volunteers_of(
        people, tasks, net, today=ctx.now.date(), dayfirst=dayfirst, config=ctx.config.matching
    )
    return net, volunteers


def _maximal(
    ctx: StepContext,
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    matched: MatchFindings,
) -> list[Violation]:
    """This run's proposals against a max-flow bound over the needs and tasks as they stood
    before them (proposals withdrawn this run included, as match saw them)."""
    new = set(matched.proposed)
    before = [t for t in tasks if t["task_id"] not in new]
    needs = records_of(ctx.frames["needs"])
    update_need_statuses(needs, before)
    net, volunteers = _network(ctx, people, before)
    for need_id, volunteer_id in matched.withdrawn:
        net.withdrawn.setdefault(need_id, set()).add(volunteer_id)
    waiting = waiting_needs(needs, net, ctx.now)
    proposed = [t for t in tasks if t["task_id"] in new]
    served = {t["need_id"] for t in proposed}
    bound = max_matchable(waiting.needs, volunteers, ctx.config.matching, served)
    return not_maximal(len(proposed), bound)


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


def _errors(
    ctx: StepContext,
    found: list[Violation],
    checked: set[IssueCode],
    rows: dict[tuple[str, str], int],
) -> tuple[Any, int]:
    """The Errors tab with a row per broken rule (opened, or open again) and the rows of
    rules that hold again resolved. Rows from form responses are left as they are."""
    schema = ctx.schemas["errors"]
    records = records_of(ctx.frames["errors"])
    ids = Ids("E", (r["error_id"] for r in records))
    ours = {(r["source"], r["fields"]): r for r in records if r["form"] == CHECK_FORM}
    current: set[tuple[str, str]] = set()
    added = 0
    for v in found:
        tab, source = _where(ctx, v)
        key = (source, v.code.value)
        current.add(key)
        record = ours.get(key)
        if record is None:
            record = dict.fromkeys(schema.names, "") | {ROW: 0}
            record |= {"error_id": ids(), "form": CHECK_FORM, "source": source}
            record |= {"fields": v.code.value, "first_seen": format_datetime(ctx.now)}
            records.append(record)
            ours[key] = record
            added += 1
        row = rows.get((v.tab, v.subject), 0)
        record |= {"tab": tab, "row": str(row) if row else "", "reason": v.message}
        record["status"] = ErrorStatus.OPEN.value
    as_read = {
        (r["source"], r["fields"]): r["status"]
        for r in records_of(ctx.tables["errors"].frame)
        if r["form"] == CHECK_FORM
    }
    for key, record in ours.items():
        if key in current:
            continue
        if record["fields"] not in {c.value for c in checked}:
            # Not checked this run (not-maximal, when match did not run): as it was.
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
