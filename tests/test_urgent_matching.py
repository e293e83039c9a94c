"""The hourly matching (issue 20): the between-runs job proposes volunteers for needs that
cannot wait for the weekly run (urgent ones, [followup] urgent, and those whose proposal
expired), with the match step's engine: every hard constraint, capacity counted across the
week, nothing proposed or accepted moved. The end of run check judges its proposals against
the needs it weighed (MatchFindings.scope).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sheetsync.backends.base import TabChanges
from sheetsync.config_followup import FollowupConfig
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import IssueCode
from sheetsync.steps.findings import MatchFindings
from tests.conftest import NOW, request, write_cell
from tests.test_match import records, set_task_status, volunteer_offer, weekly
from tests.test_withdraw import run_steps

HOURLY = ["intake", "dedupe", "withdraw", "expire", "urgent", "check"]
SAM = ("Sam Lee", "201-555-0170", "sam@example.net")
ANA = ("Ana Diaz", "201-555-0171", "ana@example.net")
ANN = {"name": "Ann Bell", "phone": "201 555 0101", "email": "ann@example.org"}
BO = {"name": "Bo Chan", "phone": "201 555 0102", "email": "bo@example.org"}


def hourly(backend, config, now):
    return run_job(find_job("intake", config), backend, config, now=now)


def test_a_today_need_is_proposed_by_the_hourly_job_within_the_hour(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM))
    weekly(backend, config, now=NOW)
    asked = NOW + dt.timedelta(hours=2, minutes=5)
    add_responses("requests", request(**ANN, urgency="Today", timestamp=asked))
    at = asked + dt.timedelta(minutes=50)  # the next :15 tick
    report = hourly(backend, config, at)
    [task] = records(backend, config, "tasks")
    assert (task["status"], task["proposed"]) == ("proposed", at.strftime("%Y-%m-%d %H:%M"))
    assert task["reasons"].startswith("offers Groceries")
    assert report.step("urgent").counts["proposed"] == 1
    assert [n["status"] for n in records(backend, config, "needs")] == ["matched"]
    assert report.step("check").counts["rules_broken"] == 0
    # The next hour changes nothing.
    again = hourly(backend, config, at + dt.timedelta(hours=1))
    assert (again.rows_added, again.cells_changed) == (0, 0)


def test_a_need_for_when_someone_can_waits_for_the_weekly_run(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM))
    add_responses(
        "requests",
        request(**ANN, urgency="When someone can", timestamp=NOW + dt.timedelta(hours=1)),
    )
    report = hourly(backend, config, NOW + dt.timedelta(hours=2))
    assert records(backend, config, "tasks") == []
    assert [n["status"] for n in records(backend, config, "needs")] == ["open"]
    urgent = report.step("urgent").counts
    assert (urgent["open_needs"], urgent["proposed"]) == (0, 0)
    # The check judges the hourly matching by the needs it weighed: none, so nothing missed.
    check = report.step("check").counts
    assert (check["not-maximal"], check["rules_broken"]) == (0, 0)
    assert (
        weekly(backend, config, now=NOW + dt.timedelta(days=7)).step("match").counts["proposed"]
        == 1
    )


def test_only_the_urgencies_in_the_config_are_matched_hourly(backend, config, add_responses):
    config = dataclasses.replace(config, followup=FollowupConfig(urgent=("Today",)))
    add_responses("offers", volunteer_offer(*SAM))
    add_responses(
        "requests",
        request(**ANN, urgency="This week", timestamp=NOW),
        request(**BO, urgency="Today", timestamp=NOW),
    )
    report = hourly(backend, config, NOW + dt.timedelta(hours=1))
    [task] = records(backend, config, "tasks")
    bo_need = next(n for n in records(backend, config, "needs") if n["urgency"] == "Today")
    assert task["need_id"] == bo_need["need_id"]
    assert report.step("urgent").counts["open_needs"] == 1


def test_a_volunteer_full_this_week_gets_no_urgent_proposal(backend, config, add_responses):
    """Sam has room for one task a week and accepted one due Thursday: a Today need on
    Tuesday is not proposed to him; Ana, with room, gets it."""
    add_responses("offers", volunteer_offer(*SAM, weekly_capacity="1"))
    add_responses("requests", request(**BO, urgency="When someone can"))
    weekly(backend, config, now=NOW)
    [first] = records(backend, config, "tasks")
    set_task_status(backend, config, first["task_id"], "accepted")
    write_cell(backend, config, "tasks", first["task_id"], "due", "2026-11-26")
    add_responses("requests", request(**ANN, urgency="Today", timestamp=NOW + dt.timedelta(days=1)))
    report = hourly(backend, config, NOW + dt.timedelta(days=1, hours=1))
    assert len(records(backend, config, "tasks")) == 1
    urgent = report.step("urgent").counts
    assert (urgent["proposed"], urgent["not_matched"], urgent["volunteers_with_room"]) == (0, 1, 0)
    assert report.step("check").counts["rules_broken"] == 0
    add_responses("offers", volunteer_offer(*ANA, timestamp=NOW + dt.timedelta(days=1)))
    report = hourly(backend, config, NOW + dt.timedelta(days=1, hours=2))
    tasks = records(backend, config, "tasks")
    [ana] = [p["person_id"] for p in records(backend, config, "people") if p["email"] == ANA[2]]
    assert [(t["volunteer_id"], t["status"]) for t in tasks] == [
        (first["volunteer_id"], "accepted"),
        (ana, "proposed"),
    ]
    assert report.step("check").counts["rules_broken"] == 0


def test_nothing_proposed_or_accepted_is_moved_for_an_urgent_need(backend, config, add_responses):
    """Sam (one a week) holds a proposal for Bo's routine need; Ann's Today need arrives and
    only Sam could take it: the hourly job leaves his proposal where it is."""
    add_responses("offers", volunteer_offer(*SAM, weekly_capacity="1"))
    add_responses("requests", request(**BO, urgency="When someone can"))
    weekly(backend, config, now=NOW)
    before = records(backend, config, "tasks")
    add_responses(
        "requests", request(**ANN, urgency="Today", timestamp=NOW + dt.timedelta(hours=1))
    )
    report = hourly(backend, config, NOW + dt.timedelta(hours=2))
    after = records(backend, config, "tasks")
    assert [(t["task_id"], t["volunteer_id"], t["status"]) for t in after] == [
        (t["task_id"], t["volunteer_id"], t["status"]) for t in before
    ]
    assert report.step("urgent").counts["urgent_not_matched"] == 1


def test_the_urgent_step_reports_its_scope_for_the_check(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM, weekly_capacity="3"))
    add_responses(
        "requests",
        request(**ANN, urgency="Today", timestamp=NOW),
        request(**BO, urgency="When someone can", timestamp=NOW),
    )
    run = run_steps(backend, config, now=NOW + dt.timedelta(hours=1), steps=HOURLY)
    found = run["urgent"].findings
    assert isinstance(found, MatchFindings)
    today = next(n for n in run["frames"]["needs"] if n["urgency"] == "Today")
    [task] = run["frames"]["tasks"]
    assert found.scope == (today["need_id"],)
    assert found.proposed == (task["task_id"],)
    assert run["check"].counts[IssueCode.NOT_MAXIMAL.value] == 0
    # The weekly match weighs every need: no scope.
    week = run_steps(backend, config, now=NOW + dt.timedelta(hours=1))
    assert week["match"].findings.scope is None
    assert week["match"].counts["proposed"] == 2


def test_a_new_volunteer_goes_with_an_experienced_one_hourly_too(backend, config, add_responses):
    config = dataclasses.replace(
        config, matching=dataclasses.replace(config.matching, mentor_new_volunteers=True)
    )
    add_responses(
        "offers",
        volunteer_offer("Vera Old", "201-555-0180", "vera@example.net"),
        volunteer_offer("Nico New", "201-555-0181", "nico@example.net"),
    )
    add_responses("requests", request(urgency="Today"))
    tasks = read_state(backend, config).tables["tasks"]
    done = (NOW - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    earlier = {"need_id": "N0900", "volunteer_id": "P0001", "proposed": done, "status": "done"}
    rows = [
        [{**earlier, "task_id": f"T000{k}"}.get(f.name, "") for f in tasks.schema.fields]
        for k in (1, 2, 3)
    ]
    backend.apply([TabChanges(tab="Tasks", start_row=2, append=rows)])
    hourly(backend, config, NOW)
    task = records(backend, config, "tasks")[-1]
    assert (task["volunteer_id"], task["co_volunteer_id"]) == ("P0002", "P0001")
    assert task["reasons"].endswith("a first task, so with P0001 (3 tasks done)")


def test_an_hourly_run_never_resolves_a_not_maximal_row_the_weekly_check_opened(
    backend, config, add_responses
):
    """The urgent step weighs some needs only: it can show a weekly run's not-maximal row
    still holds, never that it is fixed. The next weekly run resolves it."""
    add_responses("offers", volunteer_offer(*SAM))
    add_responses("requests", request(**ANN, urgency="Today"))
    errors = read_state(backend, config).tables["errors"]
    values = {
        "error_id": "E0001",
        "form": "sheetsync check",
        "source": "Needs:N0001",
        "fields": "not-maximal",
        "first_seen": "2026-11-16 07:00",
        "reason": "This run proposed 0 tasks where the rules allowed 1 at once.",
        "status": "open",
    }
    row = [values.get(f.name, "") for f in errors.schema.fields]
    backend.apply([TabChanges(tab=errors.tab, start_row=errors.n_rows + 1, append=[row])])
    hourly(backend, config, NOW)
    [kept] = [e for e in records(backend, config, "errors") if e["error_id"] == "E0001"]
    assert kept["status"] == "open"
    weekly(backend, config, now=NOW + dt.timedelta(hours=1))
    [done] = [e for e in records(backend, config, "errors") if e["error_id"] == "E0001"]
    assert done["status"] == "resolved"
