"""Recurring needs (issue 21) through the real pipeline on a workbook: a request asking
for help every week or every two weeks gets its next need when its day comes, kept with
the same volunteer when they agreed to continue, until the requester or an organizer
ends the series."""

from __future__ import annotations

import datetime as dt

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


def test_a_weekly_need_continues_with_its_volunteer_for_six_weeks(
    backend, config, add_responses
):
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
        again = hourly(backend, config, friday(week) + dt.timedelta(hours=1))
        assert again.step("recur").counts["repeats"] == 0
        write_cell(backend, config, "tasks", task_id, "status", "done")
        weekly(backend, config, monday(week))
    # The organizers' columns were never written by sheetsync: continues stays on T0001.
    assert [t["continues"] for t in tasks(backend, config).values()] == ["yes"] + [""] * 6
