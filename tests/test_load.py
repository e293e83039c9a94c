"""The load step: figures, each flag with its reason, the rest cycle through matching, the
network-wide flags on the Summary tab, and the demo's go-to volunteer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from sheetsync.backends.base import TabChanges
from sheetsync.config import Config, LoadConfig
from sheetsync.demo.network import create_demo
from sheetsync.errors import ConfigError
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.load.figures import Figures, figures_of
from sheetsync.load.flags import FlagCode, Member, flags_for
from sheetsync.match.unserved import Unserved
from sheetsync.members import Checkin, Help
from sheetsync.normalize import parse_date
from sheetsync.summary.network import group_unserved
from tests.conftest import NOW, checkin, offer, request, write_cell

TODAY = NOW.date()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def help_(status="done", on=0, due=None, hours=None, task="T1"):
    return Help(task, "N1", "P1", status, day(on), None if due is None else day(due), hours)


# --- figures ---


def test_figures_count_accepted_work_and_done_work_by_its_date():
    helps = [
        help_("done", on=-2, hours=3),  # this week
        help_("done", on=-10, hours=1),  # the last four weeks only
        help_("done", on=-40, hours=5),  # neither
        help_("accepted", on=-20, due=-20),  # on their plate: this week, and overdue
        help_("accepted", on=3, due=3),  # on their plate, due later this week
        help_("proposed", on=-1),  # not theirs yet
        help_("declined", on=-1),
    ]
    f = figures_of(helps, TODAY, hours_per_task=2, weeks_back=4)
    assert (f.tasks_week, f.hours_week) == (3, 3 + 2 + 2)
    assert (f.tasks_month, f.hours_month) == (4, 3 + 1 + 2 + 2)
    assert (f.shifts_7_days, f.overdue, f.accepted) == (1, 1, 2)
    assert f.estimated  # two accepted tasks have no hours yet
    assert f.busy_weeks == 3  # tasks dated -2, -10 and -20 days; nothing 21-27 days ago


def test_busy_weeks_count_weeks_in_a_row_back_from_this_one():
    every_week = [help_("done", on=-7 * k - 1, hours=1) for k in range(6)]
    assert figures_of(every_week, TODAY, hours_per_task=2, weeks_back=4).busy_weeks == 4
    gap = [h for h in every_week if h.on != day(-8)]  # nothing 7-13 days ago
    assert figures_of(gap, TODAY, hours_per_task=2, weeks_back=4).busy_weeks == 1


def test_a_busy_week_takes_the_configured_number_of_tasks_and_far_tasks_wait():
    one_a_week = [help_("done", on=-7 * k - 1, hours=1) for k in range(5)]
    steady = figures_of(one_a_week, TODAY, hours_per_task=2, weeks_back=4, busy_week_tasks=2)
    assert steady.busy_weeks == 0  # one task a week is a steady pace, not a busy one
    later = [help_("accepted", on=20, due=20)]  # due next month: not this week's load
    assert figures_of(later, TODAY, hours_per_task=2, weeks_back=4).tasks_week == 0


def test_a_week_with_no_tasks_at_all():
    assert figures_of([], TODAY, hours_per_task=2, weeks_back=4) == Figures()


# --- each flag with its reason ---

CFG = LoadConfig()


def member(capacity=3, status="green", hours=None, on=-2, since=-60, **figures):
    return Member(
        person_id="P1",
        name="Sam Lee",
        since=day(since),
        capacity=capacity,
        checkin=Checkin(status, hours, None if on is None else day(on)),
        figures=Figures(**figures),
    )


@pytest.mark.parametrize(
    ("the_member", "code", "reason", "step"),
    [
        (
            member(capacity=2, tasks_week=3),
            FlagCode.OVER_CAPACITY,
            "3 tasks on their plate this week; they said they can give 2 a week.",
            "Thank Sam, ask how it is going",
        ),
        (
            member(capacity=None, hours=4, hours_week=7),
            FlagCode.OVER_CAPACITY,
            "About 7 hours of tasks this week; their check-in said 4 hours.",
            "Ask Sam which task someone else could take.",
        ),
        (
            member(status="red"),
            FlagCode.RED_CHECKIN,
            f"Their check-in on {day(-2)} was red.",
            "Matching already leaves them out",
        ),
        (
            member(status="yellow", tasks_week=3),
            FlagCode.STRETCHED,
            f"Their check-in on {day(-2)} said they are stretched, and they have 3 tasks",
            "whether one of them could go to someone else",
        ),
        (
            member(shifts_7_days=3),
            FlagCode.MANY_SHIFTS,
            "3 shifts in the last 7 days.",
            "Suggest the next week off.",
        ),
        (
            member(busy_weeks=4),
            FlagCode.NO_WEEK_OFF,
            "Busy 4 weeks in a row without a week off.",
            "A week off would be well earned.",
        ),
        (
            member(overdue=2),
            FlagCode.OVERDUE,
            "2 tasks past their due date are waiting with them.",
            "some could be handed over to another volunteer",
        ),
        (
            member(on=-21),
            FlagCode.CHECKIN_DUE,
            f"No check-in since {day(-21)}.",
            "Send Sam a friendly hello",
        ),
        (
            member(status="", on=None, since=-30),
            FlagCode.CHECKIN_DUE,
            f"Has not filled in a check-in yet (with us since {day(-30)}).",
            "the check-in form",
        ),
    ],
)
def test_each_flag_has_a_plain_reason_and_a_caring_next_step(the_member, code, reason, step):
    [flag] = flags_for(the_member, CFG, TODAY)
    assert flag.code is code
    assert reason in flag.reason
    assert step in flag.next_step
    blame = re.compile(r"\b(fail\w*|late|lazy|should have|must)\b", re.IGNORECASE)
    assert not blame.search(flag.reason + flag.next_step)


@pytest.mark.parametrize(
    "calm",
    [
        member(capacity=3, tasks_week=3),  # at capacity is fine
        member(status="yellow", tasks_week=2),  # stretched, with few tasks
        member(shifts_7_days=2, busy_weeks=3, overdue=1),
        member(on=-20),  # checked in under three weeks ago
        member(status="", on=None, since=-10),  # new, never checked in: not yet
        member(hours=4, hours_week=7, on=-9),  # an old check-in's hours are not this week's
    ],
)
def test_below_every_threshold_nothing_is_flagged(calm):
    assert flags_for(calm, CFG, TODAY) == []


def test_thresholds_come_from_the_config():
    config = {
        "network": {"zones": ["Eastside"]},
        "backend": {"kind": "local", "workbook": "n.xlsx"},
    }
    loaded = Config.from_dict({**config, "load": {"shifts_per_week": 5, "top_two_share": 0.7}})
    assert (loaded.load.shifts_per_week, loaded.load.top_two_share) == (5, 0.7)
    assert Config.from_dict(config).load == LoadConfig()
    with pytest.raises(ConfigError, match=r"shifts_per_week .* whole number of shifts, 1 or more"):
        Config.from_dict({**config, "load": {"shifts_per_week": 0}})
    with pytest.raises(ConfigError, match=r"top_two_share .* a fraction between 0 and 1"):
        Config.from_dict({**config, "load": {"top_two_share": 60}})
    with pytest.raises(ConfigError, match="Did you mean 'busy_weeks'"):
        Config.from_dict({**config, "load": {"busy_week": 3}})


def test_needs_without_a_volunteer_are_grouped_for_recruiting():
    westside = Unserved("Groceries", "Westside", frozenset({"Spanish"}), False, True)
    groups = group_unserved(
        [westside] * 3
        + [dataclasses.replace(westside, urgent=True)]
        + [Unserved("Groceries", "Westside", frozenset({"Spanish", "English"}), False, True)]
        + [Unserved("Tech help", "", frozenset(), False, False)]
    )
    first = groups[0]
    assert (first.needs, first.urgent, first.label) == (
        4,
        1,
        "Groceries in Westside, Spanish-speaking",
    )
    assert first.sentence.startswith(
        "4 Spanish-speaking Groceries needs in Westside (1 urgent) had no volunteer"
    )
    assert "Recruit Spanish-speaking volunteers for Groceries in Westside." in first.sentence
    # Someone who also speaks English can be helped by any volunteer: no language named.
    assert groups[1].label == "Groceries in Westside" and groups[1].needs == 1
    assert groups[2].sentence == (
        "1 Tech help need waited: the volunteers who could help were full, resting, had "
        "declined it, or are family."
    )


# --- through the pipeline on a workbook ---


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def rows(backend, config, logical):
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def load_row(backend, config, pid="P0001"):
    [row] = [r for r in rows(backend, config, "load") if r["person_id"] == pid]
    return row


def add_tasks(backend, config, *tasks):
    """Tasks rows as an organizer types them (by field name)."""
    table = read_state(backend, config).tables["tasks"]
    cells = [[t.get(f.name, "") for f in table.schema.fields] for t in tasks]
    backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, append=cells)])


def shifts(pid, *days, status="done", need="N0900"):
    return [
        {
            "task_id": f"T09{k:02d}",
            "need_id": need,
            "volunteer_id": pid,
            "status": status,
            "due": day(d).isoformat(),
            "hours": "1",
        }
        for k, d in enumerate(days)
    ]


def volunteer_offer(name, phone, email, **answers):
    answers.setdefault("availability", "Weekday mornings, Weekends")
    return offer(name=name, phone=phone, email=email, **answers)


@pytest.fixture
def sam(backend, config, add_responses):
    """Sam (P0001) volunteers in Eastside, checked in green on Sunday; Maria asks for
    groceries in Eastside on Friday."""
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    add_responses("checkins", checkin())
    return backend, config


def test_three_shifts_suggest_a_rest_that_an_organizer_confirms_and_matching_honours(
    sam, add_responses
):
    backend, config = sam
    add_tasks(backend, config, *shifts("P0001", -1, -3, -5))
    weekly(backend, config)
    row = load_row(backend, config)
    assert row["flags"] == "many shifts"
    assert row["reasons"] == "3 shifts in the last 7 days."
    until = day(7).isoformat()
    assert (row["rest_status"], row["rest_suggested"]) == ("suggested", until)
    assert f"Offer Sam a rest until {day(7):%a} {until}" in row["next_steps"]
    assert f"write {until} (or yes) in rest_until" in row["next_steps"]
    # A rerun the same week changes nothing.
    again = weekly(backend, config)
    assert [t.tab for t in again.tabs if t.cells_changed or t.rows_added] == []

    # The organizer confirms; Maria's need arrives: Sam has room, but rests.
    write_cell(backend, config, "load", "P0001", "rest_until", "yes")
    add_responses("requests", request(timestamp=NOW + dt.timedelta(hours=2)))
    later = NOW + dt.timedelta(days=1)
    report = weekly(backend, config, now=later)
    assert report.step("match").counts["proposed"] == 0
    assert report.step("match").counts["volunteers_resting"] == 1
    row = load_row(backend, config)
    assert (row["rest_status"], row["resting_until"], row["rest_confirmed"]) == (
        "resting",
        until,
        later.date().isoformat(),
    )
    assert row["next_steps"].startswith(f"Resting until {until} (confirmed): matching leaves Sam")
    summary = {r["metric"]: r for r in rows(backend, config, "summary")}
    assert summary["load.resting"]["value"] == "1"

    # Sam checks in green two days later: back, and matched again.
    add_responses("checkins", checkin(timestamp=NOW + dt.timedelta(days=2), checkin_hours="8"))
    back = NOW + dt.timedelta(days=3)
    assert weekly(backend, config, now=back).step("match").counts["proposed"] == 1
    row = load_row(backend, config)
    assert row["rest_status"] == "back"
    assert f"Back from rest: they checked in green on {day(2)}." in row["reasons"]


def test_yes_after_the_suggested_day_rests_from_today_and_clearing_ends_a_rest(sam, add_responses):
    backend, config = sam
    add_tasks(backend, config, *shifts("P0001", -1, -3, -5))
    weekly(backend, config)
    write_cell(backend, config, "load", "P0001", "rest_until", "yes")
    add_responses("requests", request(timestamp=NOW + dt.timedelta(hours=2)))
    late = NOW + dt.timedelta(days=9)  # the next run is late: the suggested day has passed
    assert weekly(backend, config, now=late).step("match").counts["proposed"] == 0
    row = load_row(backend, config)
    assert (row["rest_status"], row["resting_until"]) == ("resting", day(16).isoformat())
    # A rerun while resting changes nothing.
    again = weekly(backend, config, now=late)
    assert [t.tab for t in again.tabs if t.cells_changed or t.rows_added] == []
    # The member would rather help after all: clearing rest_until ends the rest.
    write_cell(backend, config, "load", "P0001", "rest_until", "")
    assert weekly(backend, config, now=late).step("match").counts["proposed"] == 1
    assert load_row(backend, config)["rest_status"] == ""


def test_no_thanks_is_not_a_problem_and_a_serial_date_confirms(sam):
    backend, config = sam
    weekly(backend, config)
    write_cell(backend, config, "load", "P0001", "rest_until", "no")
    assert not [i for i in weekly(backend, config).issues if i.code == "unreadable-rest"]
    write_cell(backend, config, "load", "P0001", "rest_until", 46357)  # Google's 2026-12-01
    weekly(backend, config)
    assert load_row(backend, config)["resting_until"] == "2026-12-01"


def test_a_rest_written_on_a_linked_row_is_reported_not_applied(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer("Robert Smith", "201-555-0170", "rob@example.net"),
        volunteer_offer("Bob Smith", "201-555-0170", "bob@example.net"),
    )
    weekly(backend, config)
    [pair] = rows(backend, config, "duplicates")
    write_cell(backend, config, "duplicates", pair["pair_id"], "decision", "same")
    write_cell(backend, config, "load", "P0002", "rest_until", day(5).isoformat())
    add_responses("requests", request(timestamp=NOW + dt.timedelta(hours=2)))
    report = weekly(backend, config)
    assert report.step("match").counts["volunteers_resting"] == 0
    [issue] = [i for i in report.issues if i.code == "unreadable-rest"]
    assert "linked to P0001, so its rest_until is not applied" in issue.message


def test_a_rest_ends_when_its_day_passes(sam, add_responses):
    backend, config = sam
    weekly(backend, config)
    write_cell(backend, config, "load", "P0001", "rest_until", day(4).isoformat())
    add_responses("requests", request(timestamp=NOW + dt.timedelta(hours=2)))
    resting = weekly(backend, config, now=NOW + dt.timedelta(days=4))  # the last day of rest
    assert resting.step("match").counts["proposed"] == 0
    after = weekly(backend, config, now=NOW + dt.timedelta(days=5))
    assert after.step("match").counts["proposed"] == 1
    row = load_row(backend, config)
    assert row["rest_status"] == "back"
    assert f"their rest ended on {day(4)}" in row["reasons"]


def test_a_green_check_in_on_the_rests_last_day_is_back_that_day(sam, add_responses):
    """Even when the first run to see the rest is on its last day (so it was confirmed that
    day too): the check-in that day is read as after the rest."""
    backend, config = sam
    weekly(backend, config)
    write_cell(backend, config, "load", "P0001", "rest_until", day(4).isoformat())
    add_responses("requests", request(timestamp=NOW + dt.timedelta(hours=2)))
    last_day = NOW + dt.timedelta(days=4)
    add_responses("checkins", checkin(timestamp=last_day - dt.timedelta(hours=1)))
    assert weekly(backend, config, now=last_day).step("match").counts["proposed"] == 1
    row = load_row(backend, config)
    assert row["rest_status"] == "back"
    assert f"Back from rest: they checked in green on {day(4)}." in row["reasons"]


def test_a_red_check_in_on_the_rests_last_day_is_a_new_red(sam, add_responses):
    backend, config = sam
    weekly(backend, config)
    write_cell(backend, config, "load", "P0001", "rest_until", day(4).isoformat())
    weekly(backend, config, now=NOW + dt.timedelta(days=1))
    last_day = NOW + dt.timedelta(days=4)
    add_responses(
        "checkins",
        checkin(timestamp=last_day - dt.timedelta(hours=1), checkin_status="Red – I need a break"),
    )
    add_responses("requests", request(timestamp=last_day - dt.timedelta(minutes=30)))
    report = weekly(backend, config, now=last_day)
    assert report.step("match").counts["proposed"] == 0  # red: left out all the same
    row = load_row(backend, config)
    assert (row["flags"], row["rest_status"]) == ("red check-in", "suggested")
    assert f"Their check-in on {day(4)} was red." in row["reasons"]
    assert f"Offer Sam a rest until {day(11):%a} {day(11)}" in row["next_steps"]


def test_a_date_typed_the_spreadsheet_way_confirms_and_nonsense_is_reported(sam):
    backend, config = sam
    weekly(backend, config)
    # Google gives an organizer's date back as a serial number; en_US types 12/1/2026.
    assert parse_date("46357", dayfirst=False) == dt.date(2026, 12, 1)
    write_cell(backend, config, "load", "P0001", "rest_until", "12/1/2026")
    weekly(backend, config)
    assert load_row(backend, config)["resting_until"] == "2026-12-01"
    write_cell(backend, config, "load", "P0001", "rest_until", "next week")
    report = weekly(backend, config)
    [issue] = [i for i in report.issues if i.code == "unreadable-rest"]
    assert "rest_until holds something that is not a date" in issue.message
    assert "next week" not in issue.message  # an organizer's typing is described, not quoted
    assert issue.field == "rest_until" and issue.row == 2
    assert load_row(backend, config)["rest_status"] == ""  # no rest in force


def test_red_check_in_suggests_rest_and_matching_leaves_them_out(sam, add_responses):
    backend, config = sam
    add_responses(
        "checkins",
        checkin(timestamp=NOW - dt.timedelta(hours=3), checkin_status="Red – I need a break"),
    )
    add_responses("requests", request())
    report = weekly(backend, config)
    assert report.step("match").counts["proposed"] == 0
    row = load_row(backend, config)
    assert row["flags"] == "red check-in" and row["rest_status"] == "suggested"
    assert row["checkin"] == "red"


def test_over_capacity_and_overdue_tasks_on_the_load_tab(sam):
    backend, config = sam  # Sam said 3 tasks a week
    add_tasks(
        backend,
        config,
        *shifts("P0001", -12, -9, status="accepted"),  # overdue, still on the plate
        *shifts("P0001", 1, 2, status="accepted"),
    )
    weekly(backend, config)
    row = load_row(backend, config)
    assert row["flags"] == "over capacity, overdue tasks"
    assert "4 tasks on their plate this week; they said they can give 3 a week." in row["reasons"]
    assert "2 tasks past their due date are waiting with them." in row["reasons"]
    assert (row["tasks_this_week"], row["overdue"], row["hours_this_week"]) == ("4", "2", "4")


def test_a_member_who_never_checked_in(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer(
            "Ana Diaz", "201-555-0171", "ana@example.net", timestamp=dt.datetime(2026, 10, 1, 9)
        ),
    )
    weekly(backend, config)
    row = load_row(backend, config)
    assert row["checkin"] == "" and row["checkin_date"] == ""
    assert row["flags"] == "check-in due"
    assert row["reasons"] == "Has not filled in a check-in yet (with us since 2026-10-01)."
    assert row["rest_status"] == "" and row["rest_suggested"] == ""


def test_a_week_with_no_tasks_at_all_flags_nobody(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
        volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
    )
    add_responses("checkins", checkin())
    report = weekly(backend, config)
    assert report.step("load").counts["members"] == 2
    assert report.step("load").counts["flagged"] == 0
    for row in rows(backend, config, "load"):
        assert (row["tasks_this_week"], row["tasks_4_weeks"], row["flags"]) == ("0", "0", "")
    summary = {r["metric"]: r for r in rows(backend, config, "summary")}
    # Figures at 0 are left out of the Summary; no warning either.
    assert "work.tasks_4_weeks" not in summary and "work.top_two_share" not in summary


def test_two_people_doing_most_of_the_work_is_a_group_flag(backend, config, add_responses):
    add_responses(
        "offers",
        *(
            volunteer_offer(name, f"201-555-01{70 + k}", f"v{k}@example.net")
            for k, name in enumerate(["Sam Lee", "Ana Diaz", "Bo Tran", "Cy Ray"])
        ),
    )
    add_tasks(
        backend,
        config,
        *shifts("P0001", -1, -4, -8, -11, -15, -18),
        *[{**t, "task_id": f"TA{k}"} for k, t in enumerate(shifts("P0002", -2, -9, -16, -20))],
        *[{**t, "task_id": f"TB{k}"} for k, t in enumerate(shifts("P0003", -3))],
    )
    weekly(backend, config)
    summary = {r["metric"]: r for r in rows(backend, config, "summary")}
    assert summary["work.tasks_4_weeks"]["value"] == "11"
    assert summary["work.top_two_share"]["value"] == "91"
    note = summary["work.top_two_share"]["note"]
    # Named as in the organizers' email (it goes there too): by consent, with their id.
    assert note.startswith(
        "Sam Lee (P0001) with 6 and Ana Diaz (P0002) with 4 hold 91% of the last 4 weeks' tasks."
    )
    assert "One or two people are carrying most of the work" in note
    # Below the configured share: no flag.
    relaxed = dataclasses.replace(config, load=LoadConfig(top_two_share=0.95))
    weekly(backend, relaxed)
    summary = {r["metric"]: r for r in rows(backend, relaxed, "summary")}
    assert summary["work.top_two_share"]["note"] == ""


def test_needs_with_no_eligible_volunteer_are_on_the_summary_until_met(
    backend, config, add_responses
):
    spanish = {"languages": "Spanish", "zone": "Westside"}
    add_responses(
        "requests",
        *(
            request(name=name, phone=f"201 555 01{k}0", email=f"r{k}@example.org", **spanish)
            for k, name in enumerate(["Maria Garcia", "Ann Bell", "Lu Ortiz", "Eva Cruz"])
        ),
    )
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    weekly(backend, config)
    key = "unserved.nobody.Groceries.Westside.Spanish"
    summary = {r["metric"]: r for r in rows(backend, config, "summary")}
    assert summary[key]["value"] == "4"
    assert summary[key]["item"] == "Groceries in Westside, Spanish-speaking"
    assert summary[key]["note"].startswith(
        "4 Spanish-speaking Groceries needs in Westside had no volunteer"
    )
    # A Spanish-speaking volunteer in Westside joins: the group is gone, and so is its row.
    add_responses(
        "offers",
        volunteer_offer(
            "Ana Diaz",
            "201-555-0171",
            "ana@example.net",
            zone="Westside",
            languages="Spanish",
            weekly_capacity="5",
        ),
    )
    weekly(backend, config)
    summary = {r["metric"]: r for r in rows(backend, config, "summary")}
    assert key not in summary and not any(k.startswith("unserved.") for k in summary)


def test_a_linked_row_keeps_its_notes_and_loses_its_flags(backend, config, add_responses):
    add_responses(
        "offers",
        volunteer_offer(
            "Robert Smith", "201-555-0170", "rob@example.net", timestamp=dt.datetime(2026, 10, 1)
        ),
        # A nickname and the same phone: organizers are asked.
        volunteer_offer(
            "Bob Smith", "201-555-0170", "bob@example.net", timestamp=dt.datetime(2026, 10, 2)
        ),
    )
    weekly(backend, config)
    assert {r["person_id"] for r in rows(backend, config, "load")} == {"P0001", "P0002"}
    assert load_row(backend, config, "P0002")["flags"] == "check-in due"
    write_cell(backend, config, "load", "P0002", "notes", "prefers texts")
    [pair] = rows(backend, config, "duplicates")
    assert pair["status"] == "to review"
    write_cell(backend, config, "duplicates", pair["pair_id"], "decision", "same")
    weekly(backend, config)
    row = load_row(backend, config, "P0002")
    assert row["notes"] == "prefers texts"
    assert (row["flags"], row["reasons"]) == ("", "Linked to P0001: see their row.")


def test_the_demo_network_shows_an_overloaded_member_and_the_suggestion(tmp_path):
    from tests.conftest import make_config

    config = make_config(tmp_path / "demo.xlsx")
    from sheetsync.backends.workbook import WorkbookBackend

    backend = WorkbookBackend(tmp_path / "demo.xlsx")
    report = create_demo(backend, config, history_weeks=4, now=NOW)
    assert report.history_runs == 4
    weekly(backend, config)
    go_to = load_row(backend, config, report.go_to)
    flags = set(go_to["flags"].split(", "))
    assert {"many shifts", "no week off"} <= flags
    assert go_to["rest_status"] == "suggested"
    assert f"a rest until {day(7):%a} {day(7)}" in go_to["next_steps"]
    # The organizer's hand-given tasks made the go-to volunteer the busiest of all.
    loads = {r["person_id"]: int(r["tasks_4_weeks"]) for r in rows(backend, config, "load")}
    assert max(loads, key=loads.__getitem__) == report.go_to
