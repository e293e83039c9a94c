"""The followup step's tasks: a due date from the need's urgency when none is typed (set
once), a task past due flagged to organizers once, its volunteer reminded at most once per
[followup] remind_every_days when they may be emailed, in plain words on the Tasks tab;
an alert whose email never settled is carried by the next run; organizer columns are
never written."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.followup.model import PastDue, Reminder
from tests.followup_world import World, followup_config, stamp

PROPOSED = dt.datetime(2026, 12, 1, 9, 0)
DAY2 = dt.datetime(2026, 12, 2, 10, 15)  # the due date of a Today task proposed on Dec 1
DAY3 = dt.datetime(2026, 12, 3, 10, 15)  # Dec 2 was its due date: past due


@pytest.fixture
def world(tmp_path) -> World:
    world = World(followup_config(tmp_path))
    world.person("V1")
    world.need("N1", PROPOSED - dt.timedelta(hours=1), "Today", status="matched")
    return world


def accepted(world: World, task_id: str = "T1", need_id: str = "N1", **values) -> None:
    values.setdefault("proposed", stamp(PROPOSED))
    world.task(task_id, need_id, **values)


def hourly(world: World, start: dt.datetime, hours: int):
    """Run the step every hour from `start`: the past due and reminders made, with when."""
    flagged, reminded = [], []
    for h in range(hours):
        now = start + dt.timedelta(hours=h)
        found = world.run(now).findings
        flagged += [(p.task_id, now) for p in found.past_due]
        reminded += [(r.task_ids, now) for r in found.reminders]
    return flagged, reminded


def test_an_accepted_task_without_a_due_date_gets_one_from_its_urgency(world):
    world.need("N2", PROPOSED, "This week", status="matched")
    accepted(world)
    accepted(world, "T2", "N2")
    world.run(PROPOSED + dt.timedelta(hours=3))
    t1, t2 = world.row("tasks", "T1"), world.row("tasks", "T2")
    assert t1["due_from_urgency"] == "2026-12-02"
    assert t1["follow_up"] == "due 2026-12-02 by its urgency (Today): no due date was typed"
    assert t2["due_from_urgency"] == "2026-12-08"
    assert t1["overdue_flagged"] == t1["reminded"] == ""


def test_a_task_typed_by_hand_gets_its_due_date_once_and_keeps_it(world):
    accepted(world, proposed="")  # typed by hand: no proposal time
    world.run(dt.datetime(2026, 12, 1, 18, 15))
    assert world.row("tasks", "T1")["due_from_urgency"] == "2026-12-02"
    world.edit("needs", "N1", "urgency", "When someone can")
    world.run(dt.datetime(2026, 12, 2, 9, 15))
    assert world.row("tasks", "T1")["due_from_urgency"] == "2026-12-02"


def test_a_typed_due_date_wins_and_clears_the_one_from_urgency(world):
    accepted(world)
    world.run(PROPOSED + dt.timedelta(hours=1))
    assert world.row("tasks", "T1")["due_from_urgency"] == "2026-12-02"
    world.edit("tasks", "T1", "due", "12/20/2026")  # en_US, the spreadsheet's locale
    found = world.run(DAY3).findings
    task = world.row("tasks", "T1")
    assert (task["due"], task["due_from_urgency"], task["follow_up"]) == ("12/20/2026", "", "")
    assert found.past_due == ()


def test_a_due_date_typed_that_is_not_a_date_leaves_the_one_from_urgency(world):
    accepted(world, due="soon")
    world.run(PROPOSED + dt.timedelta(hours=1))
    task = world.row("tasks", "T1")
    assert task["due_from_urgency"] == "2026-12-02"
    assert task["follow_up"] == (
        "due 2026-12-02 by its urgency (Today): the due date typed is not a date"
    )


def test_a_task_past_due_is_flagged_once_and_its_volunteer_reminded(world):
    accepted(world)
    found = world.run(DAY3).findings
    assert found.past_due == (PastDue("T1", "N1", "V1", dt.date(2026, 12, 2), True, 1),)
    assert found.reminders == (Reminder("V1", ("T1",)),)
    task = world.row("tasks", "T1")
    assert task["overdue_flagged"] == task["reminded"] == "2026-12-03 10:15"
    assert task["follow_up"] == (
        "past due since 2026-12-02 (due by its urgency, Today): organizers told 2026-12-03; "
        "reminder emailed 2026-12-03"
    )
    flagged, _ = hourly(world, DAY3 + dt.timedelta(hours=1), 5 * 24)
    assert flagged == []
    assert world.row("tasks", "T1")["overdue_flagged"] == "2026-12-03 10:15"


def test_reminders_are_at_most_one_per_remind_every_days(world):
    accepted(world, due="12/01/2026")
    _, reminded = hourly(world, DAY2, 10 * 24)
    assert [when for _, when in reminded] == [DAY2 + dt.timedelta(days=d) for d in (0, 3, 6, 9)]


def test_a_volunteer_gets_one_reminder_a_run_for_all_their_tasks_past_due(world):
    world.person("V2")
    world.person("V9", duplicate_of="V2")  # a linked duplicate counts as V2
    world.need("N2", PROPOSED, "Today", status="matched")
    world.need("N3", PROPOSED, "Today", status="matched")
    accepted(world)
    accepted(world, "T2", "N2")
    accepted(world, "T3", "N3", volunteer_id="V9")
    found = world.run(DAY3).findings
    assert found.reminders == (Reminder("V1", ("T1", "T2")), Reminder("V2", ("T3",)))


@pytest.mark.parametrize(
    ("person", "why"),
    [
        ({"weekly": "no"}, "not on the weekly email"),
        ({"weekly": ""}, "not on the weekly email"),
        ({"do_not_contact": "x"}, "marked do not contact"),
        ({"email": " "}, "no email address"),
    ],
)
def test_a_volunteer_who_may_not_be_emailed_gets_no_reminder_and_the_task_says_why(
    tmp_path, person, why
):
    world = World(followup_config(tmp_path))
    world.person("V1", **person)
    world.need("N1", PROPOSED, "Today", status="matched")
    accepted(world)
    found = world.run(DAY3).findings
    assert found.reminders == () and [p.task_id for p in found.past_due] == ["T1"]
    task = world.row("tasks", "T1")
    assert task["reminded"] == ""
    assert task["follow_up"].endswith(f"organizers told 2026-12-03; no reminder ({why})")


@pytest.mark.parametrize("status", ["proposed", "done", "cancelled", "declined", "expired", "?"])
def test_a_task_not_accepted_has_no_follow_up(world, status):
    accepted(world, status=status, follow_up="past due since 2026-11-01: organizers told")
    found = world.run(DAY3).findings
    assert (found.escalations, found.past_due, found.reminders) == ((), (), ())
    assert world.row("tasks", "T1")["follow_up"] == ""


def test_a_task_done_keeps_its_ledger(world):
    accepted(world)
    world.run(DAY3)
    world.edit("tasks", "T1", "status", "done")
    world.run(DAY3 + dt.timedelta(hours=1))
    task = world.row("tasks", "T1")
    assert (task["due_from_urgency"], task["overdue_flagged"]) == ("2026-12-02", stamp(DAY3))


def test_a_past_due_flag_and_reminder_whose_email_failed_are_carried_until_sent(world):
    world.person("V2")
    world.need("N2", PROPOSED, "Today", status="matched")
    accepted(world)
    accepted(world, "T2", "N2", volunteer_id="V2")
    world.run(DAY3, sent=False)
    again = DAY3 + dt.timedelta(hours=1)
    found = world.run(again).findings
    assert [p.task_id for p in found.past_due] == ["T1", "T2"]
    assert [r.volunteer_id for r in found.reminders] == ["V1", "V2"]
    assert world.row("tasks", "T1")["overdue_flagged"] == stamp(again)
    flagged, reminded = hourly(world, again + dt.timedelta(hours=1), 24)
    assert flagged == reminded == []


def test_only_the_reminder_that_failed_is_carried(world):
    world.person("V2")
    world.need("N2", PROPOSED, "Today", status="matched")
    accepted(world)
    accepted(world, "T2", "N2", volunteer_id="V2")
    found = world.run(DAY3, sent=False).findings
    # The alert and V2's reminder went out; V1's failed.
    world.log = [
        {**row, "outcome": "sent"} if row["changes"] != "v1@example.net" else row
        for row in world.log
    ]
    assert len(found.reminders) == 2
    found = world.run(DAY3 + dt.timedelta(hours=1)).findings
    assert found.past_due == () and found.reminders == (Reminder("V1", ("T1",)),)


def test_an_unsent_alert_older_than_2_days_is_left_to_the_weekly_digest(world):
    accepted(world)
    world.run(DAY3, sent=False)
    found = world.run(DAY3 + dt.timedelta(days=2, hours=1)).findings
    assert found.past_due == () and found.reminders == ()


def test_without_organizers_a_task_past_due_is_flagged_in_the_sheet_only(tmp_path):
    world = World(followup_config(tmp_path, organizers=False))
    world.person("V1", weekly="no")
    world.need("N1", PROPOSED, "Today", status="matched")
    accepted(world)
    assert [p.task_id for p in world.run(DAY3).findings.past_due] == ["T1"]
    assert world.row("tasks", "T1")["follow_up"] == (
        "past due since 2026-12-02 (due by its urgency, Today): flagged 2026-12-03; "
        "no reminder (not on the weekly email)"
    )
    flagged, _ = hourly(world, DAY3 + dt.timedelta(hours=1), 3)
    assert flagged == []


def test_nothing_in_organizer_columns_changes(world):
    accepted(world, due="", hours="2", notes="call first")
    accepted(world, "T2", due="11/30/2026", status="in progress")
    world.person("V2", do_not_contact="x", weekly="yes")
    before = world.organizer_cells()
    hourly(world, PROPOSED, 5 * 24)
    assert world.organizer_cells() == before


def test_a_task_whose_need_is_gone_flags_organizers_but_reminds_nobody(world):
    accepted(world, "T9", "N-gone", due="2026-12-01")  # its need was deleted from Needs
    found = world.run(DAY3).findings
    assert [p.task_id for p in found.past_due] == ["T9"]
    assert found.reminders == ()
    task = world.row("tasks", "T9")
    assert task["reminded"] == ""
    assert "no reminder (its need is not on the Needs tab)" in task["follow_up"]
    # Nor is a reminder carried, or stamped, on the runs after.
    assert hourly(world, DAY3 + dt.timedelta(hours=1), 6) == ([], [])


def test_a_person_whose_duplicate_of_names_nobody_is_reminded_as_themselves(world, tmp_path):
    # duplicate_of typed by hand naming no row: the follow-up and the reminder email count
    # the row as its own person (one rule, followup/reach.py), so the reminder it stamps is
    # the one that is sent.
    from sheetsync.digest.alert_content import may_remind
    from sheetsync.tables import records_of

    world.edit("people", "V1", "duplicate_of", "P-nobody")
    accepted(world)
    found = world.run(DAY3).findings
    assert found.reminders == (Reminder("V1", ("T1",)),)
    person = may_remind("V1", records_of(world.frames["people"]))
    assert person["person_id"] == "V1"
