"""Recurring needs (issue 21) through the real pipeline on a workbook: a request asking
for help every week or every two weeks gets its next need when its day comes, kept with
the same volunteer when they agreed to continue, until the requester or an organizer
ends the series."""

from __future__ import annotations

import datetime as dt

from sheetsync.bootstrap import init_spreadsheet
from sheetsync.jobs import find_job, run_job
from tests.conftest import checkin, edit_response, request, write_cell
from tests.test_match import records, volunteer_offer

MONDAY = dt.datetime(2026, 11, 23, 7, 0)  # the weekly job's hour
ASKED = dt.datetime(2026, 11, 20, 10, 0)  # a Friday: the series' weekday
SAM = ("Sam Lee", "201-555-0170", "sam@example.net")
ANA = ("Ana Diaz", "201-555-0171", "ana@example.net")


def weekly(backend, config, now):
    return run_job(find_job("weekly", config), backend, config, now=now)


def hourly(backend, config, now):
    return run_job(find_job("intake", config), backend, config, now=now)


def friday(week: int) -> dt.datetime:
    """The series' day, `week` weeks after the request, at the first hourly run."""
    return ASKED.replace(hour=0, minute=15) + dt.timedelta(weeks=week)


def monday(week: int) -> dt.datetime:
    return MONDAY + dt.timedelta(weeks=week)


def needs(backend, config):
    return {n["need_id"]: n for n in records(backend, config, "needs")}


def tasks(backend, config):
    return {t["task_id"]: t for t in records(backend, config, "tasks")}


def start(backend, config, add_responses, *, recurrence="Every week", **offer):
    """Maria asks for weekly groceries on a Friday; Sam can help; Monday's run proposes Sam,
    and the organizers mark the task accepted."""
    add_responses("offers", volunteer_offer(*SAM, **offer))
    add_responses("requests", request(timestamp=ASKED, recurrence=recurrence))
    weekly(backend, config, monday(0))
    write_cell(backend, config, "tasks", "T0001", "status", "accepted")


def test_a_weekly_need_continues_with_its_volunteer_for_six_weeks(backend, config, add_responses):
    start(backend, config, add_responses)
    first = needs(backend, config)["N0001"]
    assert (first["recurrence"], first["series"], first["next_on"]) == (
        "every week",
        "N0001",
        "2026-11-27",
    )
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    for week in range(1, 7):
        report = hourly(backend, config, friday(week))
        assert report.step("recur").counts["repeats"] == 1
        assert report.step("recur").counts["continued"] == 1
        need_id, task_id = f"N{week + 1:04d}", f"T{week + 1:04d}"
        new = needs(backend, config)[need_id]
        assert (new["series"], new["source"], new["status"]) == (
            "N0001",
            f"N0001 repeat {week}",
            "matched",
        )
        assert new["opened"] == friday(week).strftime("%Y-%m-%d %H:%M")
        assert new["next_on"] == (friday(week + 1)).date().isoformat()
        task = tasks(backend, config)[task_id]
        assert (task["need_id"], task["volunteer_id"], task["status"]) == (
            need_id,
            "P0001",
            "accepted",
        )
        assert task["reasons"] == "continues the weekly help of N0001 (agreed on T0001)"
        # The previous need hands its day on; nothing else moves the same day.
        assert needs(backend, config)[f"N{week:04d}"]["next_on"] == ""
        # The next run gives the new task its feedback code (the feedback step runs before
        # recur); then nothing moves.
        first = hourly(backend, config, friday(week) + dt.timedelta(hours=1))
        assert [(t.tab, t.cells_changed) for t in first.tabs] in ([], [("Tasks", 1)])
        again = hourly(backend, config, friday(week) + dt.timedelta(hours=2))
        assert (again.step("recur").counts["repeats"], again.cells_changed) == (0, 0)
        write_cell(backend, config, "tasks", task_id, "status", "done")
        weekly(backend, config, monday(week))
    # The organizers' columns were never written by sheetsync: continues stays on T0001.
    assert [t["continues"] for t in tasks(backend, config).values()] == ["yes"] + [""] * 6


def test_the_volunteers_own_feedback_answer_keeps_the_next_need_with_them(
    backend, config, add_responses
):
    start(backend, config, add_responses)
    # What the Feedback form's answer leaves on the task (the feedback step's column).
    write_cell(backend, config, "tasks", "T0001", "volunteer_continues", "yes")
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["continued"] == 1
    task = tasks(backend, config)["T0002"]
    assert (task["volunteer_id"], task["status"], task["reasons"]) == (
        "P0001",
        "accepted",
        "continues the weekly help of N0001 (agreed on T0001)",
    )
    assert (
        needs(backend, config)["N0002"]["recurrence_note"]
        == "Kept with P0001, who agreed on T0001."
    )


def test_the_organizers_no_wins_over_the_volunteers_yes(backend, config, add_responses):
    start(backend, config, add_responses)
    write_cell(backend, config, "tasks", "T0001", "volunteer_continues", "yes")
    write_cell(backend, config, "tasks", "T0001", "continues", "no")
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts == {
        "series_running": 1,
        "series_stopped": 0,
        "repeats": 1,
        "continued": 0,
        "repeats_withdrawn": 0,
    }
    # The new need goes to matching like any other: This week is urgent, so within the hour.
    task = tasks(backend, config)["T0002"]
    assert (task["need_id"], task["status"]) == ("N0002", "proposed")
    assert task["reasons"].startswith("offers Groceries")
    assert needs(backend, config)["N0002"]["recurrence_note"] == ""


def test_nobody_agreed_so_the_repeat_goes_to_the_weekly_matching(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM))
    add_responses(
        "requests", request(timestamp=ASKED, recurrence="Every week", urgency="When someone can")
    )
    weekly(backend, config, monday(0))
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    hourly(backend, config, friday(1))
    assert needs(backend, config)["N0002"]["status"] == "open"
    assert len(tasks(backend, config)) == 1  # not urgent: it waits for Monday
    report = weekly(backend, config, monday(1))
    assert report.step("match").counts["proposed"] == 1
    assert tasks(backend, config)["T0002"]["need_id"] == "N0002"


def test_end_recurrence_stops_the_series_and_clearing_it_restarts_it(
    backend, config, add_responses
):
    start(backend, config, add_responses)
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    hourly(backend, config, friday(1))
    write_cell(backend, config, "needs", "N0001", "end_recurrence", "x")
    weekly(backend, config, monday(1))
    report = hourly(backend, config, friday(2))
    assert report.step("recur").counts["repeats"] == 0
    assert report.step("recur").counts["series_stopped"] == 1
    latest = needs(backend, config)["N0002"]
    assert latest["next_on"] == ""
    assert latest["recurrence_note"] == (
        "Kept with P0001, who agreed on T0001. "
        "No more repeats: end_recurrence is marked on N0001 (clear it to restart)."
    )
    for day in range(1, 15):  # nothing more, however long
        assert (
            hourly(backend, config, friday(2) + dt.timedelta(days=day))
            .step("recur")
            .counts["repeats"]
            == 0
        )
    assert len(needs(backend, config)) == 2
    assert needs(backend, config)["N0001"]["end_recurrence"] == "x"  # the organizer's mark stays
    # Cleared: the day has passed, so the next need comes with the next run (one only).
    write_cell(backend, config, "needs", "N0001", "end_recurrence", "")
    at = friday(4) + dt.timedelta(days=1)
    report = hourly(backend, config, at)
    assert report.step("recur").counts["repeats"] == 1
    now = needs(backend, config)
    assert (now["N0002"]["recurrence_note"], now["N0002"]["next_on"]) == (
        "Kept with P0001, who agreed on T0001.",
        "",
    )
    assert (now["N0003"]["source"], now["N0003"]["next_on"]) == (
        "N0001 repeat 2",
        (at + dt.timedelta(days=7)).date().isoformat(),
    )
    # The agreement carried on: T0002 was made for the continuing volunteer.
    assert tasks(backend, config)["T0003"]["reasons"] == (
        "continues the weekly help of N0001 (agreed on T0001)"
    )


def test_the_requester_editing_their_request_to_once_ends_the_series(
    backend, config, add_responses, schemas
):
    start(backend, config, add_responses)
    edit_response(
        backend, schemas, "requests", 2, recurrence="Once", timestamp=ASKED + dt.timedelta(days=3)
    )
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["repeats"] == 0
    first = needs(backend, config)["N0001"]
    assert (first["recurrence"], first["next_on"], first["recurrence_note"]) == (
        "once",
        "",
        "No more repeats: the request of N0001 now says once.",
    )
    # Asked again every two weeks: the series restarts on the new period.
    edit_response(
        backend,
        schemas,
        "requests",
        2,
        recurrence="Every two weeks",
        timestamp=ASKED + dt.timedelta(days=7),
    )
    report = hourly(backend, config, friday(1) + dt.timedelta(days=1))
    first = needs(backend, config)["N0001"]
    assert (first["recurrence"], first["next_on"], first["recurrence_note"]) == (
        "every two weeks",
        friday(2).date().isoformat(),
        "",
    )


def test_a_withdrawn_request_ends_the_series_and_its_repeats_stay(
    backend, config, add_responses, schemas
):
    start(backend, config, add_responses)
    hourly(backend, config, friday(1))
    # The requester drops the category: the first need is withdrawn, the repeat is not.
    edit_response(
        backend,
        schemas,
        "requests",
        2,
        categories="Rides",
        timestamp=ASKED + dt.timedelta(days=8),
    )
    report = hourly(backend, config, friday(2))
    assert report.step("recur").counts["repeats"] == 0  # the Rides need starts its own series
    now = needs(backend, config)
    assert now["N0001"]["status"] == "withdrawn"
    assert now["N0002"]["status"] != "withdrawn"
    assert now["N0002"]["recurrence_note"] == (
        "No more repeats: the request of N0001 was withdrawn."
    )
    assert now["N0003"]["series"] == "N0003"  # Rides, every week


def test_a_requester_marked_do_not_contact_gets_no_more_repeats(backend, config, add_responses):
    start(backend, config, add_responses)
    write_cell(backend, config, "people", "P0002", "do_not_contact", "yes")
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["repeats"] == 0
    assert needs(backend, config)["N0001"]["recurrence_note"] == (
        "No more repeats: the requester is marked do not contact."
    )


def test_every_two_weeks_comes_every_other_friday(backend, config, add_responses):
    start(backend, config, add_responses, recurrence="Every two weeks")
    assert needs(backend, config)["N0001"]["next_on"] == friday(2).date().isoformat()
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    made = []
    for week in range(1, 7):
        report = hourly(backend, config, friday(week))
        made.append(report.step("recur").counts["repeats"])
        weekly(backend, config, monday(week))
    assert made == [0, 1, 0, 1, 0, 1]
    repeats = [n for n in needs(backend, config).values() if n["source"].startswith("N0001 ")]
    assert [n["opened"][:10] for n in repeats] == [friday(w).date().isoformat() for w in (2, 4, 6)]
    assert {t["reasons"] for t in tasks(backend, config).values() if t["need_id"] != "N0001"} == {
        "continues the fortnightly help of N0001 (agreed on T0001)"
    }


def test_after_a_gap_one_need_is_made_never_a_burst_of_missed_weeks(backend, config, add_responses):
    start(backend, config, add_responses)
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    # No run for three and a half weeks.
    late = friday(3) + dt.timedelta(days=4, hours=8)
    report = weekly(backend, config, late)
    assert report.step("recur").counts["repeats"] == 1
    now = needs(backend, config)
    assert len(now) == 2
    assert now["N0002"]["opened"] == late.strftime("%Y-%m-%d %H:%M")
    # The series goes on from the day it was made.
    assert now["N0002"]["next_on"] == (late + dt.timedelta(days=7)).date().isoformat()
    for day in range(1, 7):
        later = hourly(backend, config, late + dt.timedelta(days=day))
        assert later.step("recur").counts["repeats"] == 0


def test_a_need_still_waiting_stands_for_its_next_period(backend, config, add_responses):
    add_responses("requests", request(timestamp=ASKED, recurrence="Every week"))  # nobody offers
    hourly(backend, config, ASKED + dt.timedelta(hours=1))
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["repeats"] == 0
    first = needs(backend, config)["N0001"]
    assert (first["status"], first["next_on"], first["recurrence_note"]) == (
        "open",
        friday(2).date().isoformat(),
        f"No new need on {friday(1).date().isoformat()}: N0001 was still waiting for a volunteer "
        "that day, so it stands for that day's help too.",
    )
    # The runs after it say so again and change nothing (an unchanged re-run cleared the note).
    again = hourly(backend, config, friday(1) + dt.timedelta(hours=1))
    assert again.cells_changed == 0 and again.rows_added == 0
    assert needs(backend, config)["N0001"]["recurrence_note"] == first["recurrence_note"]
    # Taken on the next Monday: the next need comes on the Friday after, not at once.
    add_responses("offers", volunteer_offer(*SAM, timestamp=monday(1) - dt.timedelta(days=1)))
    weekly(backend, config, monday(1))
    assert needs(backend, config)["N0001"]["status"] == "matched"
    assert (
        hourly(backend, config, monday(1) + dt.timedelta(days=1)).step("recur").counts["repeats"]
        == 0
    )
    assert hourly(backend, config, friday(2)).step("recur").counts["repeats"] == 1
    assert needs(backend, config)["N0001"]["recurrence_note"] == ""


def test_a_resting_volunteer_does_not_keep_the_next_need(backend, config, add_responses):
    start(backend, config, add_responses)
    add_responses("offers", volunteer_offer(*ANA))
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    add_responses(
        "checkins",
        checkin(
            name=SAM[0],
            email=SAM[2],
            checkin_status="Red – I need a break",
            timestamp=friday(1) - dt.timedelta(days=1),
        ),
    )
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["continued"] == 0
    assert needs(backend, config)["N0002"]["recurrence_note"] == (
        "To matching: P0001 agreed to continue on T0001 but is checked in red."
    )
    # Matching proposes someone else within the hour (This week is urgent).
    new = [t for t in tasks(backend, config).values() if t["need_id"] == "N0002"]
    assert [(t["volunteer_id"], t["status"]) for t in new] == [("P0003", "proposed")]


def test_a_volunteer_with_no_room_left_does_not_keep_the_next_need(backend, config, add_responses):
    start(backend, config, add_responses, weekly_capacity="1")
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    report = hourly(backend, config, friday(1))  # T0001 still holds this week's room
    assert report.step("recur").counts["continued"] == 0
    assert needs(backend, config)["N0002"]["recurrence_note"] == (
        "To matching: P0001 agreed to continue on T0001 but has no room left this week."
    )
    assert report.step("check").counts["rules_broken"] == 0


def test_two_series_continue_in_one_run_each_with_its_volunteer(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM), volunteer_offer(*ANA))
    bo = {"name": "Bo Chan", "phone": "201 555 0102", "email": "bo@example.org"}
    add_responses(
        "requests",
        request(timestamp=ASKED, recurrence="Every week"),
        request(**bo, timestamp=ASKED, recurrence="Every week"),
    )
    weekly(backend, config, monday(0))
    for task_id in ("T0001", "T0002"):
        write_cell(backend, config, "tasks", task_id, "status", "accepted")
        write_cell(backend, config, "tasks", task_id, "continues", "yes")
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["continued"] == 2
    before = {t["need_id"]: t["volunteer_id"] for t in tasks(backend, config).values()}
    assert before["N0003"] == before["N0001"] and before["N0004"] == before["N0002"]
    assert before["N0001"] != before["N0002"]
    assert report.step("check").counts["rules_broken"] == 0


def test_on_google_a_weekly_need_continues_then_an_organizer_ends_it(
    sheets_emulator, service_account_key, tmp_path
):
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    config = net.config
    init_spreadsheet(net.backend(), config)
    net.add_form_rows("offers", [volunteer_offer(*SAM)])
    net.add_form_rows("requests", [request(timestamp=ASKED, recurrence="Every week")])
    weekly(net.backend(), config, monday(0))
    assert needs(net.backend(), config)["N0001"]["next_on"] == "2026-11-27"
    write_cell(net.backend(), config, "tasks", "T0001", "status", "accepted")
    write_cell(net.backend(), config, "tasks", "T0001", "continues", "yes")

    report = hourly(net.backend(), config, friday(1))
    assert report.step("recur").counts["continued"] == 1
    now = needs(net.backend(), config)
    assert (now["N0002"]["source"], now["N0002"]["status"], now["N0002"]["next_on"]) == (
        "N0001 repeat 1",
        "matched",
        "2026-12-04",
    )
    task = tasks(net.backend(), config)["T0002"]
    assert (task["volunteer_id"], task["status"], task["continues"]) == ("P0001", "accepted", "")
    hourly(net.backend(), config, friday(1) + dt.timedelta(hours=1))  # the feedback code
    again = hourly(net.backend(), config, friday(1) + dt.timedelta(hours=2))
    assert (again.rows_added, again.cells_changed) == (0, 0)

    write_cell(net.backend(), config, "needs", "N0002", "end_recurrence", "stop")
    report = hourly(net.backend(), config, friday(2))
    assert report.step("recur").counts["repeats"] == 0
    now = needs(net.backend(), config)
    assert len(now) == 2
    assert (now["N0002"]["next_on"], now["N0002"]["end_recurrence"]) == ("", "stop")
    assert now["N0002"]["recurrence_note"].endswith(
        "No more repeats: end_recurrence is marked on N0002 (clear it to restart)."
    )


def test_a_withdrawn_request_withdraws_its_repeat_nobody_took_on(
    backend, config, add_responses, schemas
):
    start(backend, config, add_responses, weekly_capacity="1")  # T0001 accepted
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["repeats"] == 1
    assert needs(backend, config)["N0002"]["status"] == "open"  # Sam has no room this week
    # The requester unticks groceries: the request no longer asks for them.
    edit_response(
        backend, schemas, "requests", 2, categories="Rides", timestamp=ASKED + dt.timedelta(days=6)
    )
    report = hourly(backend, config, friday(1) + dt.timedelta(hours=3))
    assert report.step("recur").counts["repeats_withdrawn"] == 1
    now = needs(backend, config)
    assert (now["N0001"]["status"], now["N0002"]["status"]) == ("withdrawn", "withdrawn")
    assert now["N0002"]["recurrence_note"] == "No more repeats: the request of N0001 was withdrawn."


def test_unticking_the_category_of_a_met_need_ends_its_series(
    backend, config, add_responses, schemas
):
    start(backend, config, add_responses)
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    hourly(backend, config, ASKED + dt.timedelta(days=5))  # N0001 met
    edit_response(
        backend, schemas, "requests", 2, categories="Rides", timestamp=ASKED + dt.timedelta(days=6)
    )
    report = hourly(backend, config, friday(1))
    assert report.step("recur").counts["repeats"] == 0
    first = needs(backend, config)["N0001"]
    assert (first["status"], first["recurrence"], first["recurrence_note"]) == (
        "met",
        "",
        "No more repeats: the request of N0001 no longer asks for it regularly.",
    )
