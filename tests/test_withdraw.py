"""Proposals follow the present: a proposal whose volunteer became unavailable, or no longer
has room, is withdrawn at the start of matching, and its need goes to someone else in the
same run. Accepted tasks are never withdrawn. Pairs still to review count as one person.

Most tests look at the frames the steps hand to the write; the last ones go through it
(writing `withdrawn` into the organizer's status cell is a conditional write: the field's
`sheetsync_writes`, only over the `proposed` that was read).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sheetsync.backends.base import TabChanges
from sheetsync.config import MatchingConfig
from sheetsync.jobs import Job, read_state, run_job
from sheetsync.match.eligibility import Volunteer
from sheetsync.match.network import Network, read_network, weighed_volunteers
from sheetsync.match.withdraw import Withdrawal, apply_withdrawals, withdrawals
from sheetsync.members import helps
from sheetsync.report import Findings
from sheetsync.statuses import TaskStatus
from sheetsync.steps import StepContext, StepResult, get_step
from sheetsync.tables import empty_record
from tests.conftest import NOW, checkin, request, write_cell
from tests.test_match import records, set_task_status, volunteer_offer, weekly

LATER = NOW + dt.timedelta(days=1)
WEEKLY = ["intake", "dedupe", "match", "load", "check"]


def run_steps(backend, config, now=LATER, steps=WEEKLY) -> dict[str, Any]:
    """The steps of a run, as jobs._run_once runs them, without writing: each step's
    result by name, and the frames as the last step left them ("frames")."""
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    findings = Findings()
    results: dict[str, Any] = {}
    for name in steps:
        ctx = StepContext(config, now, state.forms, state.tables, frames, state.schemas, findings)
        result: StepResult = get_step(name)(ctx)
        frames.update(result.frames)
        if result.findings is not None:
            findings.add(result.findings)
        results[name] = result
    results["frames"] = {k: f.to_dict("records") for k, f in frames.items()}
    return results


def person_of(backend, config, email):
    [pid] = [p["person_id"] for p in records(backend, config, "people") if p["email"] == email]
    return pid


EMAILS = {"Sam Lee": "sam@example.net", "Ana Diaz": "ana@example.net"}


@pytest.fixture
def proposed(backend, config, add_responses):
    """Maria asks for groceries; Sam and Ana can help; the weekly run proposed one of them.
    Returns the task, and the name of who has it."""
    add_responses("requests", request(languages="Spanish, English"))
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", languages="English, Spanish"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net", languages="Spanish"),
    )
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    name = next(
        n for n, e in EMAILS.items() if person_of(backend, config, e) == task["volunteer_id"]
    )
    return task, name


def red(name):
    return checkin(
        name=name,
        email=EMAILS[name],
        timestamp=dt.datetime(2026, 11, 23, 9, 0),
        checkin_status="Red – I need a break",
    )


def make_unavailable(cause, backend, config, add_responses, name, pid):
    if cause == "red check-in":
        add_responses("checkins", red(name))
    elif cause == "rest confirmed":
        write_cell(
            backend,
            config,
            "load",
            pid,
            "rest_until",
            (LATER + dt.timedelta(days=7)).date().isoformat(),
        )
    else:
        write_cell(backend, config, "people", pid, "do_not_contact", "x")


@pytest.mark.parametrize(
    ("cause", "says"),
    [
        ("red check-in", "checked in red"),
        ("rest confirmed", "resting (a rest confirmed on the Load tab)"),
        ("do not contact", "marked do not contact"),
    ],
)
def test_a_proposal_is_withdrawn_and_its_need_goes_to_someone_else(
    proposed, backend, config, add_responses, cause, says
):
    task, name = proposed
    make_unavailable(cause, backend, config, add_responses, name, task["volunteer_id"])
    run = run_steps(backend, config)
    tasks = run["frames"]["tasks"]
    first, again = tasks
    assert first["task_id"] == task["task_id"] and first["status"] == "withdrawn"
    assert first["reasons"] == f"{task['reasons']}; withdrawn {LATER.date()}: {says}"
    # Free again in the same run, for someone else.
    assert (again["need_id"], again["status"]) == (task["need_id"], "proposed")
    assert again["volunteer_id"] not in ("", task["volunteer_id"])
    assert run["match"].counts["withdrawn"] == 1
    assert [n["status"] for n in run["frames"]["needs"]] == ["matched"]
    assert run["check"].counts["rules_broken"] == 0
    # The reason is said once, however many runs see the same proposal.
    assert "withdrawn" not in task["reasons"]


def test_an_accepted_task_is_never_withdrawn(proposed, backend, config, add_responses):
    task, name = proposed
    set_task_status(backend, config, task["task_id"], "accepted")
    add_responses("checkins", red(name))
    run = run_steps(backend, config)
    [kept] = run["frames"]["tasks"]
    assert (kept["status"], kept["reasons"]) == ("accepted", task["reasons"])
    assert run["match"].counts["withdrawn"] == 0 and run["match"].counts["proposed"] == 0


def test_a_lowered_capacity_withdraws_the_newest_proposals_first(backend, config, add_responses):
    """Sam offered 3 tasks a week and was proposed 3, over two runs; a check-in with 2 hours
    leaves room for one: the two newest go, the oldest stays; Ana, new, takes theirs."""
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="3"),
    )
    add_responses("requests", request())
    weekly(backend, config, now=NOW)
    add_responses(
        "requests",
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            timestamp=dt.datetime(2026, 11, 23, 8, 0),
        ),
        request(
            name="Bo Chan",
            phone="201 555 0102",
            email="bo@example.org",
            timestamp=dt.datetime(2026, 11, 23, 8, 5),
        ),
    )
    weekly(backend, config, now=NOW + dt.timedelta(hours=3))
    before = records(backend, config, "tasks")
    assert [t["status"] for t in before] == ["proposed"] * 3
    add_responses(
        "checkins", checkin(timestamp=dt.datetime(2026, 11, 23, 12, 0), checkin_hours="2")
    )
    add_responses(
        "offers",
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net", weekly_capacity="3"),
    )
    run = run_steps(backend, config)
    tasks = run["frames"]["tasks"]
    oldest = before[0]["task_id"]
    assert [(t["task_id"], t["status"]) for t in tasks[:3]] == [
        (oldest, "proposed"),
        (before[1]["task_id"], "withdrawn"),
        (before[2]["task_id"], "withdrawn"),
    ]
    assert tasks[1]["reasons"].endswith(
        f"withdrawn {LATER.date()}: no room left this week (capacity 1 a week)"
    )
    [ana] = [p["person_id"] for p in run["frames"]["people"] if p["email"] == "ana@example.net"]
    assert sorted((t["need_id"], t["volunteer_id"]) for t in tasks[3:]) == sorted(
        (t["need_id"], ana) for t in before[1:]
    )
    assert run["check"].counts["rules_broken"] == 0


@pytest.mark.parametrize("steps", [WEEKLY, ["intake", "dedupe", "withdraw", "match", "check"]])
def test_a_withdrawn_need_is_not_proposed_again_to_the_same_volunteer_this_run(
    backend, config, add_responses, steps
):
    """Sam, over capacity, loses the newest proposal; nobody else can take it: it waits,
    and is not proposed back to Sam in the same run although a place freed."""
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="2"),
    )
    add_responses("requests", request())
    weekly(backend, config, now=NOW)
    add_responses(
        "requests",
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            timestamp=dt.datetime(2026, 11, 23, 8, 0),
        ),
    )
    weekly(backend, config, now=NOW + dt.timedelta(hours=3))
    add_responses(
        "checkins", checkin(timestamp=dt.datetime(2026, 11, 23, 12, 0), checkin_hours="2")
    )
    run = run_steps(backend, config, steps=steps)
    assert [t["status"] for t in run["frames"]["tasks"]] == ["proposed", "withdrawn"]
    assert [n["status"] for n in run["frames"]["needs"]] == ["matched", "open"]
    assert run["match"].counts["proposed"] == 0


# --- pairs still to review on Duplicates count as one person ---

MARIA = ("Maria Garcia", "(201) 555-0143", "maria@example.org")
MARI = ("Mari Garcia", "(201) 555-0143", "mg@other.org")  # maybe Maria: dedupe asks


def test_a_pair_to_review_has_one_volunteers_capacity(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer(*MARIA, weekly_capacity="1"),
        volunteer_offer(*MARI, weekly_capacity="1"),
    )
    add_responses(
        "requests",
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
        request(name="Bo Chan", phone="201 555 0102", email="bo@example.org"),
    )
    run = run_steps(backend, config)
    assert [p["status"] for p in run["frames"]["duplicates"]] == ["to review"]
    assert run["match"].counts["proposed"] == 1  # not one each
    assert run["check"].counts["rules_broken"] == 0


def test_a_pair_to_review_has_one_need_of_a_category(backend, config, add_responses):
    add_responses(
        "requests",
        request(name=MARIA[0], phone=MARIA[1], email=MARIA[2]),
        request(name=MARI[0], phone=MARI[1], email=MARI[2]),
    )
    add_responses(
        "offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net", weekly_capacity="3")
    )
    run = run_steps(backend, config)
    assert [p["status"] for p in run["frames"]["duplicates"]] == ["to review"]
    counts = run["match"].counts
    assert (counts["proposed"], counts["held_for_review"], counts["not_matched"]) == (1, 1, 0)
    assert sorted(n["status"] for n in run["frames"]["needs"]) == ["matched", "open"]


def test_a_pair_to_review_counts_apart_once_decided_different(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer(*MARIA, weekly_capacity="1"),
        volunteer_offer(*MARI, weekly_capacity="1"),
    )
    add_responses(
        "requests",
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
        request(name="Bo Chan", phone="201 555 0102", email="bo@example.org"),
    )
    weekly(backend, config, now=NOW)
    [pair] = records(backend, config, "duplicates")
    write_cell(backend, config, "duplicates", pair["pair_id"], "decision", "different")
    run = run_steps(backend, config)
    assert run["match"].counts["proposed"] == 1  # the second one now: one each
    assert len(run["frames"]["tasks"]) == 2


def test_the_other_row_of_a_pair_to_review_checking_in_red_leaves_the_proposal(
    backend, config, add_responses
):
    """Maria holds a proposal; Mari, maybe Maria, checks in red: Maria's proposal stays
    (if the pair is decided different it would have been taken for nothing)."""
    add_responses(
        "offers",
        volunteer_offer(*MARIA, weekly_capacity="1"),
        volunteer_offer(*MARI, weekly_capacity="1"),
    )
    add_responses(
        "requests", request(name="Ann Bell", phone="201 555 0101", email="ann@example.org")
    )
    weekly(backend, config, now=NOW)
    [task] = records(backend, config, "tasks")
    maria = person_of(backend, config, MARIA[2])
    assert task["volunteer_id"] == maria
    add_responses(
        "checkins",
        checkin(
            name=MARI[0],
            email=MARI[2],
            timestamp=dt.datetime(2026, 11, 23, 9, 0),
            checkin_status="Red – I need a break",
        ),
    )
    run = run_steps(backend, config)
    assert [p["status"] for p in run["frames"]["duplicates"]] == ["to review"]
    [kept] = run["frames"]["tasks"]
    assert (kept["status"], kept["reasons"]) == ("proposed", task["reasons"])
    assert run["match"].counts["withdrawn"] == 0
    assert run["check"].counts["rules_broken"] == 0


def hand_task(backend, config, task_id, need_id, volunteer_id, proposed=""):
    """An organizer types a proposed task at the end of the Tasks tab."""
    table = read_state(backend, config).tables["tasks"]
    values = {
        "task_id": task_id,
        "need_id": need_id,
        "volunteer_id": volunteer_id,
        "status": "proposed",
        "proposed": proposed,
    }
    row = [values.get(f.name, "") for f in table.schema.fields]
    backend.apply([TabChanges(tab="Tasks", start_row=table.n_rows + 1, append=[row])])


def test_a_proposed_typed_by_hand_is_never_withdrawn(proposed, backend, config, add_responses):
    """Only what sheetsync proposed (a task_id and a proposed time) is withdrawn; the
    organizers' own `proposed` rows stay as they typed them (the check reports them)."""
    task, name = proposed
    pid = task["volunteer_id"]
    hand_task(backend, config, "", "N0900", pid, proposed="2026-11-22 10:00")
    hand_task(backend, config, "T0900", "N0901", pid)
    add_responses("checkins", red(name))
    run = run_steps(backend, config)
    ours, no_id, no_time = run["frames"]["tasks"][:3]
    assert ours["status"] == "withdrawn"
    assert [(t["status"], t["reasons"]) for t in (no_id, no_time)] == [("proposed", "")] * 2
    assert run["match"].counts["withdrawn"] == 1
    # Said, not fixed: the end of run check reports both.
    assert run["check"].counts["unavailable-proposed"] == 2


@pytest.mark.parametrize("decided", [True, False])
def test_a_newer_lower_offer_on_another_row_withdraws_the_newest_proposals(
    backend, config, add_responses, decided
):
    """Maria offered 3 a week and holds 3 proposals; a newer offer of 1 a week comes in on
    another row (Mari): linked by organizers, or still to review, it is the capacity that
    counts. The two newest go; still under review, the reason says the rows are counted
    together."""
    add_responses("offers", volunteer_offer(*MARIA, weekly_capacity="3"))
    add_responses(
        "requests",
        request(name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
        request(name="Bo Chan", phone="201 555 0102", email="bo@example.org"),
        request(name="Cy Dunn", phone="201 555 0103", email="cy@example.org"),
    )
    weekly(backend, config, now=NOW)
    before = records(backend, config, "tasks")
    assert [t["status"] for t in before] == ["proposed"] * 3
    newer = volunteer_offer(*MARI, weekly_capacity="1", timestamp=dt.datetime(2026, 11, 23, 9))
    add_responses("offers", newer)
    run_job(Job("people", "", ("intake", "dedupe")), backend, config, now=NOW)
    [pair] = records(backend, config, "duplicates")
    if decided:
        write_cell(backend, config, "duplicates", pair["pair_id"], "decision", "same")
    run = run_steps(backend, config)
    tasks = run["frames"]["tasks"]
    assert [t["status"] for t in tasks] == ["proposed", "withdrawn", "withdrawn"]
    also = (
        ""
        if decided
        else (", counted with another People row until their pair on Duplicates is decided")
    )
    assert tasks[2]["reasons"].endswith(
        f"withdrawn {LATER.date()}: no room left this week (capacity 1 a week{also})"
    )
    assert run["check"].counts["rules_broken"] == 0


# --- the engine, on plain rows ---


def task_row(task_id, need_id, volunteer, co="", status="proposed", proposed="2026-11-16 07:00"):
    return {
        "task_id": task_id,
        "need_id": need_id,
        "volunteer_id": volunteer,
        "co_volunteer_id": co,
        "status": status,
        "proposed": proposed,
        "reasons": "offers Groceries",
    }


def helper(pid, capacity=1, weekly=1, unavailable=""):
    return Volunteer(
        pid,
        {"Groceries"},
        set(),
        "A",
        set(),
        False,
        capacity,
        0,
        unavailable=unavailable,
        weekly=weekly,
    )


def plain_net(joined=None, kept=None, unavailable=None):
    """A network with only who counts as whom and who may not be asked."""
    return Network(
        kept=kept or {},
        joined=joined or {},
        status_of=[],
        unavailable=unavailable or {},
        households={},
        declined={},
        maybe_same={},
        unreachable=set(),
    )


def test_a_co_volunteer_who_is_unavailable_is_taken_off_and_the_task_stays():
    tasks = [task_row("T0001", "N0001", "P0001", co="P0002")]
    net = plain_net(unavailable={"P0002": "checked in red"})
    found = withdrawals(tasks, [helper("P0001"), helper("P0002")], net)
    again = apply_withdrawals(tasks, found, dt.date(2026, 11, 24))
    [task] = tasks
    assert (task["status"], task["co_volunteer_id"]) == ("proposed", "")
    assert task["reasons"] == (
        "offers Groceries; a co-volunteer was taken off 2026-11-24: no longer available"
    )
    assert again == {"N0001": {"P0002"}}


def test_the_co_volunteer_reason_names_nobody_and_no_wellbeing_state():
    """`sheetsync forget P0002` finds tasks by volunteer_id and co_volunteer_id: once P0002
    is off the task, its reasons must not keep their id, nor that they checked in red."""
    tasks = [task_row("T0001", "N0001", "P0001", co="P0002")]
    gone = Withdrawal(0, "P0002", "P0002", co_volunteer=True, why="checked in red")
    apply_withdrawals(tasks, [gone], dt.date(2026, 11, 24))
    [task] = tasks
    assert task["co_volunteer_id"] == ""
    assert "P0002" not in task["reasons"] and "red" not in task["reasons"]
    assert task["reasons"].endswith("a co-volunteer was taken off 2026-11-24: no longer available")


def test_over_capacity_withdraws_the_newest_and_never_an_accepted_one():
    tasks = [
        task_row("T0001", "N0001", "P0001", status="accepted", proposed="2026-11-23 07:00"),
        task_row("T0002", "N0002", "P0001", proposed="2026-11-09 07:00"),
        task_row("T0003", "N0003", "P0001", proposed="2026-11-16 07:00"),
        task_row("T0004", "N0004", "P0003", proposed="2026-11-16 07:00"),  # joined: P0001
    ]
    net = plain_net(joined={"P0001": "P0001", "P0003": "P0001"})
    # Room 1 a week, 4 held: 3 over. The accepted one stays; the 3 proposals go.
    found = withdrawals(tasks, [helper("P0001", capacity=-3)], net)
    assert [tasks[w.task]["task_id"] for w in found] == ["T0002", "T0003", "T0004"]
    # 2 over: the two newest proposals (T0003, T0004 on the same day: the lower row first).
    found = withdrawals(tasks, [helper("P0001", capacity=-2)], net)
    assert sorted(tasks[w.task]["task_id"] for w in found) == ["T0003", "T0004"]
    found = withdrawals(tasks, [helper("P0001", capacity=-1)], net)
    assert [tasks[w.task]["task_id"] for w in found] == ["T0004"]
    # Counted with a row still to review: the reason says so, without naming it.
    assert found[0].why == (
        "no room left this week (capacity 1 a week, counted with another People row "
        "until their pair on Duplicates is decided)"
    )


def person(schemas, pid, duplicate_of="", **values):
    """A People row offering groceries, as intake writes it."""
    values = {
        "roles": "volunteer",
        "offers": "Groceries",
        "zone": "Eastside",
        "weekly_capacity": "1",
        "last_seen": "2026-11-18",
        **values,
    }
    return empty_record(schemas["people"], person_id=pid, duplicate_of=duplicate_of, **values)


def pair(a, b, status):
    return {"person_a": a, "person_b": b, "status": status}


def weigh(people, tasks, pairs):
    """The network and its volunteers (by id) as matching reads them, on plain rows."""
    for t in tasks:
        t.setdefault("due", "")
        t.setdefault("hours", "")
    status_of = [TaskStatus(t["status"]) for t in tasks]
    net = read_network(people, tasks, pairs, set(), status_of)
    found = weighed_volunteers(
        people, tasks, net, today=LATER.date(), dayfirst=False, config=MatchingConfig()
    ).volunteers
    return net, {v.person_id: v for v in found}


def test_a_pair_decided_different_inside_a_chain_of_pairs_to_review_counts_as_two(schemas):
    """P1-P2 and P2-P3 to review, P1-P3 kept apart: P3 is never counted with P1, so they
    do not share one capacity (P2, who may be either, joins the first pair read)."""
    people = [person(schemas, p) for p in ("P0001", "P0002", "P0003")]
    pairs = [
        pair("P0001", "P0002", "to review"),
        pair("P0002", "P0003", "to review"),
        pair("P0001", "P0003", "kept apart"),
    ]
    tasks = [task_row("T0001", "N0001", "P0001")]
    net, volunteers = weigh(people, tasks, pairs)
    assert net.joined == {"P0001": "P0001", "P0002": "P0001", "P0003": "P0003"}
    assert (volunteers["P0001"].capacity, volunteers["P0003"].capacity) == (0, 1)
    # P2 may still be P3: neither is proposed to help the other.
    assert "P0003" in net.maybe_same["P0002"] and "P0002" in net.maybe_same["P0003"]


def test_a_task_whose_volunteer_and_co_volunteer_count_as_one_takes_one_place(schemas):
    people = [person(schemas, "P0001"), person(schemas, "P0002")]
    tasks = [task_row("T0001", "N0001", "P0001", co="P0002")]
    net, volunteers = weigh(people, tasks, [pair("P0001", "P0002", "to review")])
    assert len(helps(tasks, net.joined, dayfirst=False)) == 1
    [one] = volunteers.values()
    assert (one.weekly, one.capacity) == (1, 0)  # full, not over
    assert withdrawals(tasks, [one], net) == []


def test_unavailable_is_each_persons_own_not_their_pair_to_reviews(schemas):
    """P2, under review with P1, checked in red: P2's proposals go, P1's stay; new
    proposals go to neither until the pair is decided (matching stays careful)."""
    people = [
        person(schemas, "P0001"),
        person(schemas, "P0002", checkin_status="red", checkin_date="2026-11-23"),
    ]
    tasks = [task_row("T0001", "N0001", "P0001"), task_row("T0002", "N0002", "P0002")]
    net, volunteers = weigh(people, tasks, [pair("P0001", "P0002", "to review")])
    [one] = volunteers.values()
    assert one.resting and one.unavailable == "checked in red"
    found = withdrawals(tasks, [one], net)
    assert [(tasks[w.task]["task_id"], w.why) for w in found] == [("T0002", "checked in red")]


# --- through the write (conditional writes: schemas/tasks.yaml sheetsync_writes) ---


def test_the_weekly_run_writes_withdrawn_and_proposes_the_need_again(
    proposed, backend, config, add_responses
):
    task, name = proposed
    add_responses("checkins", red(name))
    report = weekly(backend, config, now=LATER)
    first, again = records(backend, config, "tasks")
    assert (first["task_id"], first["status"]) == (task["task_id"], "withdrawn")
    assert first["reasons"].endswith(f"withdrawn {LATER.date()}: checked in red")
    assert (again["need_id"], again["status"]) == (task["need_id"], "proposed")
    assert report.step("check").counts["rules_broken"] == 0
    # The next run finds nothing to withdraw and changes nothing.
    rerun = weekly(backend, config, now=LATER)
    assert rerun.step("match").counts["withdrawn"] == 0
    assert [t.tab for t in rerun.tabs if t.cells_changed or t.rows_added] == []


def test_a_proposal_answered_before_the_write_is_left_as_the_organizer_wrote_it(
    proposed, backend, config, add_responses, monkeypatch
):
    """The organizer accepts the proposal while the run is thinking: the withdrawal is not
    written over their answer, and the need is not proposed to a second volunteer."""
    task, name = proposed
    add_responses("checkins", red(name))
    real = get_step("load")

    def load_then_organizer_accepts(ctx):
        set_task_status(backend, config, task["task_id"], "accepted")
        return real(ctx)

    monkeypatch.setattr(
        "sheetsync.jobs.get_step",
        lambda step: load_then_organizer_accepts if step == "load" else get_step(step),
    )
    report = weekly(backend, config, now=LATER)
    assert [t["status"] for t in records(backend, config, "tasks")] == ["accepted"]
    assert report.step("check").counts["rules_broken"] == 0
