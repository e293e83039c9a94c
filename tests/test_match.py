"""Matching: every hard constraint, priority, fairness, stability and declines."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sheetsync.backends.base import TabChanges
from sheetsync.config import Config, MatchingConfig
from sheetsync.errors import ConfigError
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.match.eligibility import Need, Volunteer, eligible_pairs, reasons
from tests.conftest import NOW, checkin, offer, request, write_cell

CONFIG = MatchingConfig(neighbours={"Eastside": ("Northside",), "Northside": ("Eastside",)})


def need(**changes):
    base = Need(
        need_id="N1",
        person_id="P1",
        category="Groceries",
        zone="Eastside",
        languages={"Spanish"},
        availability={"Weekends"},
        urgency="This week",
        days_waiting=3,
        household="H0001",
    )
    return dataclasses.replace(base, **changes)


def volunteer(**changes):
    base = Volunteer(
        person_id="P9",
        offers={"Groceries", "Rides", "Tech help"},
        languages={"Spanish", "English"},
        zone="Eastside",
        availability={"Weekends", "Weekday evenings"},
        has_car=True,
        capacity=2,
        recent=1,
    )
    return dataclasses.replace(base, **changes)


def test_reasons_in_plain_words():
    assert reasons(need(), volunteer(), CONFIG) == [
        "offers Groceries",
        "speaks Spanish",
        "same zone (Eastside)",
        "free weekends",
        "1 task in recent weeks",
    ]


@pytest.mark.parametrize(
    ("label", "the_need", "the_volunteer"),
    [
        ("does not offer the category", need(category="Meals"), volunteer()),
        ("no shared language", need(), volunteer(languages={"English"})),
        ("another zone, not a neighbour", need(), volunteer(zone="Westside")),
        ("no common availability", need(), volunteer(availability={"Weekday mornings"})),
        ("no room this week", need(), volunteer(capacity=0)),
        ("red check-in: resting", need(), volunteer(resting=True)),
        ("do not contact", need(), volunteer(do_not_contact=True)),
        ("their own need", need(), volunteer(person_id="P1")),
        ("their household's need", need(), volunteer(household="H0001")),
        ("a ride needs a car", need(category="Rides"), volunteer(has_car=False)),
    ],
)
def test_hard_constraints(label, the_need, the_volunteer):
    assert reasons(the_need, the_volunteer, CONFIG) is None, label


@pytest.mark.parametrize(
    ("the_need", "the_volunteer", "says"),
    [
        (need(), volunteer(zone="Northside"), "neighbouring zone (Northside)"),
        (need(category="Tech help"), volunteer(zone="Westside"), "can help by phone (any zone)"),
        (need(category="Rides"), volunteer(), "has a car"),
        (need(languages=set()), volunteer(languages={"English"}), "offers Groceries"),
        (need(availability=set()), volunteer(), "same zone (Eastside)"),
    ],
)
def test_what_is_allowed(the_need, the_volunteer, says):
    assert says in (reasons(the_need, the_volunteer, CONFIG) or [])


def test_priority_is_urgency_then_waiting_never_anything_else():
    today_new = need(urgency="Today", days_waiting=0)
    week_old = need(urgency="This week", days_waiting=40)
    whenever_older = need(urgency="When someone can", days_waiting=300)
    assert today_new.priority > week_old.priority > whenever_older.priority
    assert need(days_waiting=9).priority > need(days_waiting=2).priority


def test_matching_config(tmp_path):
    base = {
        "network": {"zones": ["Northside", "Eastside", "Westside"]},
        "backend": {"kind": "local", "workbook": "n.xlsx"},
    }
    config = Config.from_dict({**base, "matching": {"neighbours": {"Northside": ["Eastside"]}}})
    assert config.matching.neighbours == {"Northside": ("Eastside",), "Eastside": ("Northside",)}
    assert "Tech help" in config.matching.remote_categories
    with pytest.raises(ConfigError, match="'Southside', which is not one of"):
        Config.from_dict({**base, "matching": {"neighbours": {"Southside": ["Eastside"]}}})


# --- through the pipeline on a workbook ---


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def records(backend, config, logical):
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def set_task_status(backend, config, task_id, status):
    write_cell(backend, config, "tasks", task_id, "status", status)


def volunteer_offer(name, phone, email, **answers):
    """An offer free when the default request is (weekday mornings) and on weekends."""
    answers.setdefault("availability", "Weekday mornings, Weekends")
    return offer(name=name, phone=phone, email=email, **answers)


@pytest.fixture
def network(backend, config, add_responses):
    """Maria asks for groceries; Sam and Ana (both in Eastside) can help."""
    add_responses("requests", request(languages="Spanish, English"))
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", languages="English, Spanish"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net", languages="Spanish"),
    )
    return backend, config


def test_a_need_gets_one_proposed_task_with_reasons_and_a_rerun_changes_nothing(network):
    backend, config = network
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 1
    [task] = records(backend, config, "tasks")
    assert (task["need_id"], task["status"]) == ("N0001", "proposed")
    assert task["volunteer_id"] in ("P0001", "P0002")
    assert task["reasons"].startswith("offers Groceries; speaks Spanish; same zone (Eastside)")
    [need_row] = records(backend, config, "needs")
    assert need_row["status"] == "matched"
    again = weekly(backend, config)
    assert (again.rows_added, again.cells_changed) == (0, 0)


def test_declined_goes_to_someone_else_and_never_back(network):
    backend, config = network
    weekly(backend, config)
    [first] = records(backend, config, "tasks")
    set_task_status(backend, config, first["task_id"], "Declined")
    weekly(backend, config)
    tasks = records(backend, config, "tasks")
    assert len(tasks) == 2 and tasks[1]["volunteer_id"] != first["volunteer_id"]
    set_task_status(backend, config, tasks[1]["task_id"], "declined")
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 0  # nobody else is left
    assert records(backend, config, "needs")[0]["status"] == "open"


def test_accepted_tasks_stay_and_done_meets_the_need(network, add_responses):
    backend, config = network
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "accepted")
    # A more urgent need arrives: the accepted task is never moved to make room.
    add_responses(
        "requests",
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            urgency="Today",
            languages="Spanish",
        ),
    )
    weekly(backend, config)
    tasks = records(backend, config, "tasks")
    assert tasks[0]["volunteer_id"] == task["volunteer_id"] and tasks[0]["status"] == "accepted"
    assert tasks[1]["volunteer_id"] != task["volunteer_id"]
    set_task_status(backend, config, task["task_id"], "done")
    weekly(backend, config)
    assert records(backend, config, "needs")[0]["status"] == "met"


def test_check_in_lowers_capacity_and_red_means_rest(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Maria Garcia", phone="201 555 0143", email="maria@example.org"),
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
    )
    add_responses(
        "offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="5")
    )
    add_responses("checkins", checkin(checkin_hours="2"))  # 2 hours: one task, not five
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 1
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "done")
    # A week later Sam checks in red: no new task although there is room and a need.
    red = checkin(timestamp=dt.datetime(2026, 11, 29, 9, 0), checkin_status="Red – I need a break")
    add_responses("checkins", red)
    later = NOW + dt.timedelta(days=8)
    assert weekly(backend, config, now=later).step("match").counts["proposed"] == 0
    # Back on their own check-in.
    add_responses("checkins", checkin(timestamp=dt.datetime(2026, 11, 30, 9, 0)))
    assert weekly(backend, config, now=later).step("match").counts["proposed"] == 1


def test_urgent_needs_first_when_volunteers_are_few(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Maria Garcia", urgency="When someone can"),
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            urgency="Today",
            timestamp=dt.datetime(2026, 11, 22, 10, 0),
        ),
    )
    add_responses(
        "offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="1")
    )
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    needs = {n["need_id"]: n for n in records(backend, config, "needs")}
    assert needs[task["need_id"]]["urgency"] == "Today"


def test_work_is_spread_to_the_volunteer_with_fewer_tasks(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Maria Garcia"),
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
    )
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
    )
    weekly(backend, config)
    assert sorted(t["volunteer_id"] for t in records(backend, config, "tasks")) == [
        "P0001",
        "P0002",
    ]


def test_needs_of_one_kind_share_candidates_and_a_huge_network_is_narrowed():
    needs = [need(need_id=f"N{k}", person_id=f"P{k}", household="") for k in range(30)]
    volunteers = [volunteer(person_id=f"V{k}", recent=k % 5) for k in range(40)]
    full = eligible_pairs(needs, volunteers, CONFIG)
    assert len(full.pairs) == 30 * 40 and full.narrowed_to is None
    narrow = eligible_pairs(needs, volunteers, CONFIG, max_pairs=100)
    assert narrow.narrowed_to == 10
    first = [v for (i, v) in narrow.pairs if i == 0]
    # least busy first: the 8 with no recent task, then 2 with one
    assert sorted(volunteers[v].recent for v in first) == [0] * 8 + [1] * 2
    # Needs of the kind take turns: together they reach every volunteer.
    assert {v for (_, v) in narrow.pairs} == set(range(40))
    # The requester never helps themself, even when they volunteer.
    own = eligible_pairs([need(person_id="V3", household="")], volunteers, CONFIG)
    assert all(volunteers[v].person_id != "V3" for (_, v) in own.pairs)


def test_a_new_volunteer_goes_with_an_experienced_one(backend, config, add_responses):
    config = dataclasses.replace(
        config, matching=dataclasses.replace(config.matching, mentor_new_volunteers=True)
    )
    add_responses(
        "offers",
        volunteer_offer("Vera Old", "201-555-0180", "vera@example.net"),
        volunteer_offer("Nico New", "201-555-0181", "nico@example.net"),
    )
    add_responses("requests", request())
    # Vera (P0001) has done three tasks in recent weeks; Nico (P0002) none.
    tasks = read_state(backend, config).tables["tasks"]
    done = (NOW - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    earlier = {"need_id": "N0900", "volunteer_id": "P0001", "proposed": done, "status": "done"}
    rows = [
        [{**earlier, "task_id": f"T000{k}"}.get(f.name, "") for f in tasks.schema.fields]
        for k in (1, 2, 3)
    ]
    backend.apply([TabChanges(tab="Tasks", start_row=2, append=rows)])
    weekly(backend, config)
    task = records(backend, config, "tasks")[-1]
    assert (task["volunteer_id"], task["co_volunteer_id"]) == ("P0002", "P0001")
    assert task["reasons"].endswith("a first task, so with P0001 (3 tasks done)")


def test_no_one_helps_themself_nor_their_household_nor_a_maybe_same_person(
    backend, config, add_responses
):
    add_responses(
        "requests",
        request(name="Maria Garcia", phone="(201) 555-0143", email="maria@example.org"),
    )
    add_responses(
        "offers",
        # Maybe Maria herself: dedupe asks organizers (same phone, "Mari").
        volunteer_offer("Mari Garcia", "(201) 555-0143", "mg@other.org"),
        # Her household: same phone, another given name.
        volunteer_offer("Luis Garcia", "(201) 555-0143", "luis@other.org"),
    )
    weekly(backend, config)
    assert records(backend, config, "tasks") == []
    pairs = records(backend, config, "duplicates")
    assert [p["status"] for p in pairs] == ["to review"]
    people = {p["name"]: p for p in records(backend, config, "people")}
    assert people["Luis Garcia"]["household"] == people["Maria Garcia"]["household"] != ""


def test_a_need_met_between_weekly_runs_is_met_for_the_hourly_run(network, add_responses):
    backend, config = network
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "done")
    # Maria asks again on Wednesday; the hourly job runs before the next weekly one. (Not
    # urgent: the hourly job's urgent step would propose a volunteer for a need this week.)
    again = request(timestamp=dt.datetime(2026, 11, 25, 10, 0), urgency="When someone can")
    add_responses("requests", again)
    run_job(find_job("intake", config), backend, config, now=NOW + dt.timedelta(days=2, hours=2))
    needs = records(backend, config, "needs")
    assert [(n["status"], n["duplicate_of"]) for n in needs] == [("met", ""), ("open", "")]
    weekly(backend, config, now=NOW + dt.timedelta(days=7))
    assert records(backend, config, "needs")[1]["status"] == "matched"


def test_a_task_accepted_for_weeks_ahead_leaves_this_weeks_room(backend, config, add_responses):
    """Room this week is counted as the Load tab counts it: a task due in three weeks is
    not this week's, one due in three days is."""
    add_responses("requests", request())
    add_responses(
        "offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="1")
    )
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    set_task_status(backend, config, task["task_id"], "accepted")
    write_cell(backend, config, "tasks", task["task_id"], "due", "2026-12-14")
    add_responses(
        "requests", request(name="Ann Bell", phone="201 555 0101", email="ann@example.org")
    )
    weekly(backend, config)
    tasks = records(backend, config, "tasks")
    # Sam had room this week for Ann's need; the Load tab agrees that the task three weeks
    # ahead is not this week's (the new proposal counts there once accepted).
    assert [t["volunteer_id"] for t in tasks] == [task["volunteer_id"]] * 2
    [sam] = records(backend, config, "load")
    assert sam["tasks_this_week"] == "0"
    # Due in three days instead: it is this week's, and Sam's one slot is taken.
    set_task_status(backend, config, tasks[1]["task_id"], "declined")
    write_cell(backend, config, "tasks", task["task_id"], "due", "2026-11-26")
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 0
