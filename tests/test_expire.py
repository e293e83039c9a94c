"""Stale proposals move on (issue 20): a proposal sheetsync made that nobody accepted within
[followup] expire_after for its need's urgency (1 day for Today, 3 days otherwise) becomes
`expired`, its need goes to the next best volunteer, and the one who did not answer is
never asked that need again. Waiting is real time in the network's time zone.

The engine on plain rows first (match/expire.py), then through the hourly and weekly jobs
(writing `expired` over the organizer's status cell is a conditional write: tasks.yaml
sheetsync_writes, only over the `proposed` that was read).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config_followup import FollowupConfig
from sheetsync.jobs import find_job, run_job
from sheetsync.match.expire import apply_expiries, expired_on, expiring
from sheetsync.steps import get_step
from tests.conftest import NOW, make_config, offer, request
from tests.test_match import records, set_task_status, volunteer_offer, weekly
from tests.test_withdraw import EMAILS, hand_task, person_of, run_steps

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
PROPOSED = dt.datetime(2026, 11, 23, 9, 0)


def hourly(backend, config, now):
    return run_job(find_job("intake", config), backend, config, now=now)


# --- the engine, on plain rows ---


def task_row(task_id="T0001", need_id="N0001", status="proposed", proposed="2026-11-23 09:00"):
    return {
        "task_id": task_id,
        "need_id": need_id,
        "volunteer_id": "P0001",
        "co_volunteer_id": "",
        "status": status,
        "proposed": proposed,
        "reasons": "offers Groceries",
    }


def need_row(need_id="N0001", urgency="This week"):
    return {"need_id": need_id, "urgency": urgency}


@pytest.mark.parametrize(
    ("urgency", "limit"),
    [
        ("Today", dt.timedelta(days=1)),
        ("This week", dt.timedelta(days=3)),
        ("When someone can", dt.timedelta(days=3)),
        ("", dt.timedelta(days=3)),
    ],
)
def test_a_proposal_expires_after_1_day_for_today_and_3_days_otherwise(urgency, limit):
    tasks, needs = [task_row()], [need_row(urgency=urgency)]
    just_before = PROPOSED + limit - dt.timedelta(minutes=1)
    assert expiring(tasks, needs, FollowupConfig(), just_before, CHICAGO) == []
    [found] = expiring(tasks, needs, FollowupConfig(), PROPOSED + limit, CHICAGO)
    assert (found.task, found.limit) == (0, limit)


def test_a_need_not_found_on_needs_has_the_default_limit():
    tasks = [task_row(need_id="N0404")]
    at = PROPOSED + dt.timedelta(days=1)
    assert expiring(tasks, [need_row(urgency="Today")], FollowupConfig(), at, CHICAGO) == []
    [found] = expiring(tasks, [], FollowupConfig(), PROPOSED + dt.timedelta(days=3), CHICAGO)
    assert found.limit == dt.timedelta(days=3)


def test_expiry_is_real_time_across_the_clocks_going_back():
    """America/New_York falls back on 2026-11-01 at 02:00: the night has 25 hours. A Today
    proposal made at noon on the 31st has waited 1 day at 11:00 on the 1st, not 12:00."""
    tasks = [task_row(proposed="2026-10-31 12:00")]
    needs = [need_row(urgency="Today")]
    follow = FollowupConfig()
    assert expiring(tasks, needs, follow, dt.datetime(2026, 11, 1, 10, 59), NEW_YORK) == []
    assert len(expiring(tasks, needs, follow, dt.datetime(2026, 11, 1, 11, 0), NEW_YORK)) == 1
    # And when they spring forward (2027-03-14: a 23-hour night), 1 day is 13:00 the next day.
    tasks = [task_row(proposed="2027-03-13 12:00")]
    assert expiring(tasks, needs, follow, dt.datetime(2027, 3, 14, 12, 59), NEW_YORK) == []
    assert len(expiring(tasks, needs, follow, dt.datetime(2027, 3, 14, 13, 0), NEW_YORK)) == 1


@pytest.mark.parametrize(
    "task",
    [
        task_row(proposed=""),  # an organizer typed proposed, with no time
        task_row(task_id=""),  # typed by hand: no id sheetsync gave it
        task_row(proposed="next week"),  # not a time
        task_row(status="accepted"),
        task_row(status="declined"),
        task_row(status="withdrawn"),
        task_row(status="expired"),
        task_row(status="propsed"),  # a typo: the check reports it, expiry leaves it
    ],
)
def test_only_a_proposal_sheetsync_made_that_still_reads_proposed_expires(task):
    later = PROPOSED + dt.timedelta(days=30)
    assert expiring([task], [need_row()], FollowupConfig(), later, CHICAGO) == []


def test_the_reason_is_said_once_and_a_co_volunteer_goes_with_the_task():
    tasks = [task_row() | {"co_volunteer_id": "P0002"}]
    now = PROPOSED + dt.timedelta(days=3)
    found = expiring(tasks, [need_row()], FollowupConfig(), now, CHICAGO)
    apply_expiries(tasks, found, now.date())
    apply_expiries(tasks, found, now.date())
    [task] = tasks
    assert task["status"] == "expired"
    assert task["reasons"] == "offers Groceries; expired 2026-11-26: no answer within 3 days"
    # Not live any more: neither holds room for it, nor is it proposed to them again
    # (the co-volunteer was not the one asked).
    assert task["co_volunteer_id"] == "P0002"


def test_the_day_a_task_expired_is_read_back_from_its_reason():
    tasks = [task_row(), task_row("T0002", "N0002"), task_row("T0003", "N0003")]
    found = expiring(
        tasks[:2], [need_row()], FollowupConfig(), PROPOSED + dt.timedelta(days=3), CHICAGO
    )
    apply_expiries(tasks, found, dt.date(2026, 11, 26))
    tasks[2]["status"] = "withdrawn"
    tasks[2]["reasons"] = "offers Groceries; withdrawn 2026-11-24: checked in red"
    assert [expired_on(t) for t in tasks] == [dt.date(2026, 11, 26)] * 2 + [None]
    # Typed expired by hand, with no reason sheetsync wrote: no day.
    assert expired_on(task_row(status="expired")) is None


def test_the_limits_come_from_the_followup_config():
    follow = FollowupConfig(
        expire_after={"today": dt.timedelta(hours=6), "default": dt.timedelta(days=2)}
    )
    needs = [need_row("N0001", "Today"), need_row("N0002", "When someone can")]
    tasks = [task_row("T0001", "N0001"), task_row("T0002", "N0002")]
    found = expiring(tasks, needs, follow, PROPOSED + dt.timedelta(hours=6), CHICAGO)
    assert [f.task for f in found] == [0]
    apply_expiries(tasks, found, PROPOSED.date())
    assert tasks[0]["reasons"].endswith("expired 2026-11-23: no answer within 6 hours")


# --- through the jobs ---


@pytest.fixture
def proposed(backend, config, add_responses):
    """Maria asks for groceries (urgency by parameter); Sam and Ana can help; the weekly
    run at NOW proposed one of them."""

    def make(urgency):
        add_responses("requests", request(languages="Spanish, English", urgency=urgency))
        add_responses(
            "offers",
            volunteer_offer(
                "Sam Lee", "201-555-0170", "sam@example.net", languages="English, Spanish"
            ),
            volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net", languages="Spanish"),
        )
        weekly(backend, config, now=NOW)
        [task] = records(backend, config, "tasks")
        return task

    return make


@pytest.mark.parametrize(
    ("urgency", "days"), [("Today", 1), ("This week", 3), ("When someone can", 3)]
)
def test_the_hourly_job_expires_a_proposal_and_the_next_best_is_asked(
    proposed, backend, config, urgency, days
):
    first = proposed(urgency)
    before = hourly(backend, config, NOW + dt.timedelta(days=days, minutes=-45))
    assert before.step("expire").counts["expired"] == 0
    assert [t["status"] for t in records(backend, config, "tasks")] == ["proposed"]
    at = NOW + dt.timedelta(days=days, minutes=15)
    report = hourly(backend, config, at)
    assert report.step("expire").counts["expired"] == 1
    old, new = records(backend, config, "tasks")
    assert (old["task_id"], old["status"]) == (first["task_id"], "expired")
    assert old["reasons"] == (
        f"{first['reasons']}; expired {at.date()}: no answer within {days} "
        f"day{'s' if days > 1 else ''}"
    )
    # The next best, within the same run (urgent or not: the need had a proposal expire).
    assert (new["need_id"], new["status"]) == (first["need_id"], "proposed")
    assert new["volunteer_id"] not in ("", first["volunteer_id"])
    assert report.step("urgent").counts["proposed"] == 1
    assert report.step("check").counts["rules_broken"] == 0
    assert [n["status"] for n in records(backend, config, "needs")] == ["matched"]


def test_the_expired_volunteer_is_never_asked_again_hourly_or_weekly(proposed, backend, config):
    first = proposed("Today")
    hourly(backend, config, NOW + dt.timedelta(days=1))
    second = records(backend, config, "tasks")[1]
    # The second volunteer does not answer either: nobody is left to ask.
    report = hourly(backend, config, NOW + dt.timedelta(days=2))
    assert report.step("expire").counts["expired"] == 1
    assert report.step("urgent").counts["proposed"] == 0
    assert [t["status"] for t in records(backend, config, "tasks")] == ["expired", "expired"]
    assert [n["status"] for n in records(backend, config, "needs")] == ["open"]
    # Nor the weekly run, a week on, when both have room again.
    later = weekly(backend, config, now=NOW + dt.timedelta(days=7))
    assert later.step("match").counts["proposed"] == 0
    assert {t["volunteer_id"] for t in records(backend, config, "tasks")} == {
        first["volunteer_id"],
        second["volunteer_id"],
    }
    assert later.step("check").counts["rules_broken"] == 0


def test_the_weekly_run_expires_what_waited_and_proposes_it_to_someone_else(
    proposed, backend, config
):
    first = proposed("When someone can")
    report = weekly(backend, config, now=NOW + dt.timedelta(days=7))
    assert report.step("expire").counts["expired"] == 1
    old, new = records(backend, config, "tasks")
    assert old["status"] == "expired"
    assert new["volunteer_id"] not in ("", first["volunteer_id"])
    assert report.step("match").counts["proposed"] == 1
    assert report.step("check").counts["rules_broken"] == 0
    # A rerun changes nothing: the reason is written once.
    again = weekly(backend, config, now=NOW + dt.timedelta(days=7))
    assert (again.rows_added, again.cells_changed) == (0, 0)


def test_a_proposed_typed_by_hand_never_expires(proposed, backend, config):
    first = proposed("Today")
    set_task_status(backend, config, first["task_id"], "accepted")
    sam = person_of(backend, config, EMAILS["Sam Lee"])
    hand_task(backend, config, "", "N0900", sam, proposed="2026-11-01 10:00")  # no id
    hand_task(backend, config, "T0900", "N0901", sam)  # no proposed time
    report = hourly(backend, config, NOW + dt.timedelta(days=30))
    assert report.step("expire").counts["expired"] == 0
    tasks = records(backend, config, "tasks")
    assert [t["status"] for t in tasks] == ["accepted", "proposed", "proposed"]


def test_an_organizer_who_typed_accepted_just_before_the_write_keeps_it(
    proposed, backend, config, monkeypatch
):
    """The run read `proposed` and expired it; the organizer typed `accepted` while it was
    thinking: the write finds the cell changed under the run, the run reads again and
    starts over, and the organizer's answer stands, with nobody else proposed."""
    first = proposed("Today")
    real = get_step("check")
    typed: list[str] = []

    def organizer_accepts_then_check(ctx):
        if not typed:
            set_task_status(backend, config, first["task_id"], "accepted")
            typed.append(first["task_id"])
        return real(ctx)

    monkeypatch.setattr(
        "sheetsync.jobs.get_step",
        lambda step: organizer_accepts_then_check if step == "check" else get_step(step),
    )
    report = hourly(backend, config, NOW + dt.timedelta(days=2))
    assert typed == [first["task_id"]]
    assert report.attempts == 2
    [task] = records(backend, config, "tasks")
    assert (task["status"], task["reasons"]) == ("accepted", first["reasons"])
    assert report.step("expire").counts["expired"] == 0
    assert report.step("check").counts["rules_broken"] == 0


def test_the_steps_of_a_run_see_the_need_open_again(proposed, backend, config):
    """Between expire and the matching, the need reads open; the frames handed on say
    expired and the new proposal."""
    proposed("This week")
    run = run_steps(
        backend,
        config,
        now=NOW + dt.timedelta(days=3),
        steps=["intake", "dedupe", "withdraw", "expire"],
    )
    assert [t["status"] for t in run["frames"]["tasks"]] == ["expired"]
    assert [n["status"] for n in run["frames"]["needs"]] == ["open"]


# --- across a change of the clocks, through the job ---


def test_the_hourly_job_measures_expiry_in_real_time_across_dst(tmp_path, schemas):
    """New York, clocks back on 2026-11-01: a Today proposal made at noon on Saturday the
    31st expires at 11:00 on Sunday (24 real hours), not at noon."""
    config = make_config(tmp_path / "ny.xlsx", timezone="America/New_York")
    assert config.workbook is not None
    backend = WorkbookBackend(config.workbook)
    init_spreadsheet(backend, config)

    def add(tab, form, *rows):
        n = len(backend.read_tabs([tab])[tab].rows)
        values = [[r.get(k, "") for k in schemas[form].names] for r in rows]
        backend.apply([TabChanges(tab=tab, start_row=n + 1, append=values)])

    add(
        "Form Responses 1",
        "requests",
        request(urgency="Today", timestamp=dt.datetime(2026, 10, 31, 10, 0)),
    )
    add(
        "Form Responses 2",
        "offers",
        offer(timestamp=dt.datetime(2026, 10, 20, 9), availability="Weekday mornings, Weekends"),
        offer(
            name="Ana Diaz",
            phone="201-555-0171",
            email="ana@example.net",
            timestamp=dt.datetime(2026, 10, 20, 9),
            availability="Weekday mornings, Weekends",
            languages="Spanish",
        ),
    )
    noon = dt.datetime(2026, 10, 31, 12, 0)
    hourly(backend, config, noon)
    [task] = records(backend, config, "tasks")
    assert task["status"] == "proposed"
    before = hourly(backend, config, dt.datetime(2026, 11, 1, 10, 59))
    assert before.step("expire").counts["expired"] == 0
    at = hourly(backend, config, dt.datetime(2026, 11, 1, 11, 0))
    assert at.step("expire").counts["expired"] == 1
    assert [t["status"] for t in records(backend, config, "tasks")] == ["expired", "proposed"]
