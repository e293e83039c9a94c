"""The rules matching keeps, checked at the end of every run: a rule someone broke by hand is
reported on the Errors tab (form "sheetsync check") and in the run report, never fixed or
ignored, and resolved once it holds again. Matching's count is checked against an
independent max-flow bound."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabChanges
from sheetsync.config import MatchingConfig
from sheetsync.digest.content import organizer_digest
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.match.eligibility import Need, Volunteer, eligible_pairs, kind_graph
from sheetsync.match.invariants import (
    max_matchable,
    over_capacity,
    tasks_this_week,
    unavailable_proposed,
)
from sheetsync.match.solver import Problem, solve, solve_by_kind
from sheetsync.report import IssueCode
from sheetsync.statuses import TaskStatus
from tests.conftest import NOW, checkin, request
from tests.test_match import records, set_task_status, volunteer_offer, weekly
from tests.test_withdraw import MARI, MARIA, person_of, run_steps

CHECK = "sheetsync check"


def check_rows(backend, config):
    return [
        {k: e[k] for k in ("form", "tab", "row", "source", "fields", "status")}
        for e in records(backend, config, "errors")
        if e["form"] == CHECK
    ]


def hand_task(backend, config, task_id, need_id, volunteer_id, status, due="", co=""):
    """An organizer types a task row at the end of the Tasks tab."""
    table = read_state(backend, config).tables["tasks"]
    values = {
        "task_id": task_id,
        "need_id": need_id,
        "volunteer_id": volunteer_id,
        "co_volunteer_id": co,
        "status": status,
        "due": due,
    }
    row = [values.get(f.name, "") for f in table.schema.fields]
    backend.apply([TabChanges(tab="Tasks", start_row=table.n_rows + 1, append=[row])])


def test_a_need_accepted_twice_by_hand_is_reported_until_one_is_declined(
    backend, config, add_responses
):
    add_responses("requests", request())
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
    )
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "accepted")
    other = next(
        p["person_id"]
        for p in records(backend, config, "people")
        if "volunteer" in p["roles"] and p["person_id"] != task["volunteer_id"]
    )
    hand_task(backend, config, "T0900", task["need_id"], other, "accepted")
    report = weekly(backend, config)
    need_row = next(
        n["_row"] for n in records(backend, config, "needs") if n["need_id"] == task["need_id"]
    )
    assert check_rows(backend, config) == [
        {
            "form": CHECK,
            "tab": "Needs",
            "row": str(need_row),
            "source": f"Needs:{task['need_id']}",
            "fields": "need-overbooked",
            "status": "open",
        }
    ]
    [issue] = [i for i in report.issues if i.code == IssueCode.NEED_OVERBOOKED]
    assert issue.severity == "warning"
    assert f"{task['task_id']}, T0900" in issue.message and "Sam" not in issue.message
    # Never fixed by sheetsync: both tasks stay accepted.
    assert [t["status"] for t in records(backend, config, "tasks")] == ["accepted", "accepted"]
    summary = {r["metric"]: r["value"] for r in records(backend, config, "summary")}
    # No form response to fix: a figure at 0 is left out of the Summary.
    assert (summary["errors.rules_broken"], "errors.open" in summary) == ("1", False)
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    digest = organizer_digest(frames, "Test network", NOW, NOW - dt.timedelta(days=7))
    assert (digest.counts.rules_broken, digest.counts.errors, digest.errors) == (1, 0, [])
    # A rerun changes nothing; declining one resolves it.
    again = weekly(backend, config)
    assert [t.tab for t in again.tabs if t.cells_changed or t.rows_added] == []
    set_task_status(backend, config, "T0900", "declined")
    weekly(backend, config)
    assert [r["status"] for r in check_rows(backend, config)] == ["resolved"]


def test_a_volunteer_accepted_past_capacity_by_hand_is_reported(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="1"),
    )
    add_responses("requests", request())
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "accepted")
    sam = task["volunteer_id"]
    hand_task(backend, config, "T0900", "N0900", sam, "accepted", due=NOW.date().isoformat())
    report = weekly(backend, config)
    sam_row = next(p["_row"] for p in records(backend, config, "people") if p["person_id"] == sam)
    [row] = check_rows(backend, config)
    assert (row["tab"], row["row"], row["source"], row["fields"]) == (
        "People",
        str(sam_row),
        f"People:{sam}",
        "over-capacity",
    )
    [issue] = [i for i in report.issues if i.code == IssueCode.OVER_CAPACITY]
    assert f"Volunteer {sam} holds 2 tasks this week but has room for 1" in issue.message
    assert issue.message.endswith("mark the others declined on the Tasks tab.")  # no pair
    set_task_status(backend, config, "T0900", "cancelled")
    weekly(backend, config)
    assert [r["status"] for r in check_rows(backend, config)] == ["resolved"]


def plain_task(task_id, volunteer_id, co="", status="accepted", need_id="N0001"):
    """A task row as typed in by hand: no dates, so an accepted one is on their plate."""
    return {
        "task_id": task_id,
        "need_id": need_id,
        "volunteer_id": volunteer_id,
        "co_volunteer_id": co,
        "status": status,
        "due": "",
        "proposed": "",
        "hours": "",
    }


def helper(pid, weekly=1):
    return Volunteer(pid, {"Groceries"}, set(), "A", set(), False, weekly, 0, weekly=weekly)


KEPT = {"P0001": "P0001", "P0005": "P0005", "P0009": "P0001"}  # P0009 is linked to P0001


@pytest.mark.parametrize(
    ("label", "joined", "with_rows", "advice"),
    [
        ("linked only", KEPT, " (with linked rows P0009)", ""),
        (
            "under review",
            {"P0001": "P0001", "P0005": "P0001"},
            " (with rows P0005, counted as one person)",
            "; or decide the pair on Duplicates",
        ),
        (
            "both",
            KEPT | {"P0005": "P0001"},
            " (with linked rows P0009, and rows P0005 counted as one person)",
            "; or decide the pair on Duplicates",
        ),
    ],
)
def test_over_capacity_sends_to_duplicates_only_for_rows_under_review(
    label, joined, with_rows, advice
):
    """A linked row (duplicate_of) is already decided: no pair to decide on Duplicates."""
    tasks = [
        plain_task("T0001", "P0001"),
        plain_task("T0002", "P0009" if label == "linked only" else "P0005", need_id="N0002"),
    ]
    week = tasks_this_week(tasks, joined, today=NOW.date(), dayfirst=False)
    [found] = over_capacity([helper("P0001")], week, KEPT, joined)
    assert found.message == (
        f"Volunteer P0001{with_rows} holds 2 tasks this week but has room for 1 (their offer, "
        "lowered by their latest check-in). Live tasks: T0001, T0002. Ask them which to keep, "
        f"then mark the others declined on the Tasks tab{advice}."
    )


def test_a_task_whose_volunteer_and_co_volunteer_count_as_one_is_counted_once(
    backend, config, add_responses
):
    """Maria and Mari may be one person (a pair to review): a task with one as volunteer
    and the other as co-volunteer is one task of their week, not two."""
    add_responses(
        "offers",
        volunteer_offer(*MARIA, weekly_capacity="1"),
        volunteer_offer(*MARI, weekly_capacity="1"),
    )
    weekly(backend, config)
    maria, mari = person_of(backend, config, MARIA[2]), person_of(backend, config, MARI[2])
    hand_task(backend, config, "T0900", "N0900", maria, "accepted", co=mari)
    run = run_steps(backend, config)
    assert [p["status"] for p in run["frames"]["duplicates"]] == ["to review"]
    assert run["check"].counts["over-capacity"] == 0
    assert run["check"].counts["rules_broken"] == 0


def test_a_proposal_to_someone_red_is_withdrawn_within_the_hour(backend, config, add_responses):
    add_responses("requests", request())
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    assert weekly(backend, config).step("match").counts["proposed"] == 1
    red = checkin(timestamp=dt.datetime(2026, 11, 23, 9, 0), checkin_status="Red – I need a break")
    add_responses("checkins", red)
    hourly = run_job(find_job("intake", config), backend, config, now=NOW + dt.timedelta(hours=2))
    assert hourly.step("withdraw").counts["withdrawn"] == 1
    assert hourly.step("check").counts["unavailable-proposed"] == 0
    [after] = records(backend, config, "tasks")
    assert after["reasons"].endswith(f"withdrawn {NOW.date()}: checked in red")
    assert check_rows(backend, config) == []


def test_a_proposal_held_by_someone_unavailable_is_a_broken_rule():
    """What the check says if a proposal to someone red, resting or marked do not contact
    stands at the end of a run: one typed in by hand, which sheetsync leaves to the
    organizers. A volunteer and co-volunteer who are linked rows of one person are one."""
    tasks = [
        plain_task("T0001", "P0002", co="P0001", status="proposed"),
        plain_task("T0002", "P0002", need_id="N0002"),
    ]
    red = {"P0001": "checked in red", "P0002": "checked in red"}  # P0002 is linked to P0001
    statuses = [TaskStatus.PROPOSED, TaskStatus.ACCEPTED]
    [found] = unavailable_proposed(tasks, statuses, red, {"P0002": "P0001"})
    assert (found.code, found.tab, found.subject) == ("unavailable-proposed", "tasks", "T0001")
    assert found.message == (
        "T0001 is proposed to P0002, who is checked in red. Mark it cancelled on the Tasks "
        "tab, and its need N0001 goes to someone else."
    )


def test_a_task_typed_without_an_id_is_named_by_its_need_as_typed():
    """The need id keeps its capitals at the start of the sentence."""
    task = plain_task("", "P0001", status="proposed", need_id="N0042")
    [found] = unavailable_proposed([task], [TaskStatus.PROPOSED], {"P0001": "resting"}, {})
    assert (found.tab, found.subject) == ("needs", "N0042")
    assert found.message.startswith("A task for N0042 (no task_id) is proposed to P0001, who")


def test_a_run_that_serves_fewer_needs_than_it_could_is_reported(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    monkeypatch.setattr("sheetsync.steps.match.solve", lambda problem: [])  # a broken solver
    report = weekly(backend, config)
    [row] = check_rows(backend, config)
    assert (row["tab"], row["source"], row["fields"]) == ("Needs", "Needs:N0001", "not-maximal")
    assert report.step("check").counts["not-maximal"] == 1
    monkeypatch.undo()
    weekly(backend, config)
    assert [r["status"] for r in check_rows(backend, config)] == ["resolved"]


def test_the_hourly_run_leaves_the_weekly_only_rule_as_it_was(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    monkeypatch.setattr("sheetsync.steps.match.solve", lambda problem: [])
    weekly(backend, config)
    run_job(find_job("intake", config), backend, config, now=NOW + dt.timedelta(hours=1))
    assert [r["status"] for r in check_rows(backend, config)] == ["open"]


# --- the count matching reaches is the most the rules allow ---

CONFIG = MatchingConfig(neighbours={"A": ("B",), "B": ("A",)})
CATEGORIES = ("Groceries", "Rides", "Tech help")


@st.composite
def problems(draw):
    n = draw(st.integers(0, 12))
    m = draw(st.integers(0, 8))
    needs = [
        Need(
            need_id=f"N{i}",
            # Sometimes a volunteer's own need, their household's, or one they declined.
            person_id=draw(st.sampled_from([f"R{i}", "V0", "V1"])),
            household=draw(st.sampled_from(["", "", "H1"])),
            declined_by=draw(st.sets(st.sampled_from(["V2", "V3"]), max_size=1)),
            category=draw(st.sampled_from(CATEGORIES)),
            zone=draw(st.sampled_from("ABC")),
            languages=draw(st.sets(st.sampled_from(["English", "Spanish"]), max_size=1)),
            availability=set(),
            urgency=draw(st.sampled_from(["Today", "This week", ""])),
            days_waiting=draw(st.integers(0, 30)),
        )
        for i in range(n)
    ]
    volunteers = [
        Volunteer(
            person_id=f"V{v}",
            offers=draw(st.sets(st.sampled_from(CATEGORIES), min_size=1)),
            languages=draw(st.sets(st.sampled_from(["English", "Spanish"]), max_size=2)),
            zone=draw(st.sampled_from("ABC")),
            availability=set(),
            has_car=draw(st.booleans()),
            capacity=draw(st.integers(-1, 3)),
            recent=draw(st.integers(0, 5)),
            household=draw(st.sampled_from(["", "H1"])),
        )
        for v in range(m)
    ]
    return needs, volunteers


@settings(max_examples=150, deadline=None)
@given(problems())
def test_matching_serves_as_many_needs_as_an_independent_max_flow(problem):
    needs, volunteers = problem
    pairs = eligible_pairs(needs, volunteers, CONFIG).pairs
    chosen = solve(
        Problem(
            priority=[n.priority for n in needs],
            capacity=[v.capacity for v in volunteers],
            load=[v.recent for v in volunteers],
            pairs=pairs,
        )
    )
    assert len(chosen) == max_matchable(needs, volunteers, CONFIG, set()).most
    # Every choice is an eligible pair, each need once, each volunteer within capacity.
    assert set(chosen) <= set(pairs) and len({i for i, _ in chosen}) == len(chosen)
    for v, volunteer in enumerate(volunteers):
        assert sum(w == v for _, w in chosen) <= max(volunteer.capacity, 0)


def fairness_cost(chosen, volunteers):
    """What the solver pays for the work it gives: the k-th new task of a volunteer with
    `recent` tasks costs recent + k."""
    cost = 0
    for v, volunteer in enumerate(volunteers):
        given = sum(w == v for _, w in chosen)
        cost += sum(volunteer.recent + k for k in range(given))
    return cost


@settings(max_examples=150, deadline=None)
@given(problems())
def test_matching_by_kind_reaches_the_same_optimum_over_every_pair(problem):
    """On a very large network the solver takes the pairs by kind (never narrowed): the
    same count, and the same worth (needs' priorities served, less the spread of work)."""
    needs, volunteers = problem
    pairs = eligible_pairs(needs, volunteers, CONFIG).pairs
    priority = [n.priority for n in needs]
    capacity = [v.capacity for v in volunteers]
    load = [v.recent for v in volunteers]
    full = solve(Problem(priority, capacity, load, pairs))
    graph = kind_graph(needs, volunteers, CONFIG)
    by_kind = solve_by_kind(priority, capacity, load, graph)
    assert set(by_kind) <= set(pairs) and len({i for i, _ in by_kind}) == len(by_kind)
    assert len(by_kind) == len(full)

    def value(chosen):  # what the solver maximises once the count is the most it can be
        return sum(priority[i] for i, _ in chosen) - fairness_cost(chosen, volunteers)

    assert value(by_kind) == value(full)
    for v, volunteer in enumerate(volunteers):
        assert sum(w == v for _, w in by_kind) <= max(volunteer.capacity, 0)


def test_a_narrowed_network_still_serves_as_many_needs_as_it_can(
    backend, config, add_responses, monkeypatch
):
    """Past MAX_PAIRS the solver weighs needs by kind: still every need it can serve."""
    add_responses(
        "requests",
        request(),
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
    )
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="1"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net", weekly_capacity="1"),
    )
    monkeypatch.setattr(
        "sheetsync.steps.match.eligible_pairs", functools.partial(eligible_pairs, max_pairs=1)
    )
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 2
    assert report.step("check").counts["not-maximal"] == 0
    assert any("weighed together" in n for n in report.notices)
    tasks = records(backend, config, "tasks")
    assert len({t["volunteer_id"] for t in tasks}) == 2  # one each: capacity 1
