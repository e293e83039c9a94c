"""The organizers' weekly digest's follow-up section: counts that agree with the sheet
(escalations, needs open past their first level, tasks past due, proposals expired,
reminders, all of the last 7 days), and the members carrying too much who wait for help."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheetsync.config_followup import FollowupConfig
from sheetsync.digest.content import organizer_digest
from sheetsync.digest.followup_week import FollowupWeek, WaitingLine, followup_week
from sheetsync.digest.render import Image, render
from sheetsync.followup.members import waiting_members
from sheetsync.followup.model import WaitingMember
from sheetsync.match.expire import expired_on
from sheetsync.privacy import Policy
from sheetsync.schema import load_schemas
from sheetsync.tables import empty_record, frame_of, records_of

NOW = dt.datetime(2026, 11, 23, 9, 0)  # a Monday
CHICAGO = ZoneInfo("America/Chicago")
CHART = Image("chart@sheetsync", "chart.png", b"")
TABS = ("people", "needs", "tasks", "load", "duplicates", "errors", "run_log", "summary")


def frames(**rows):
    """Every tab the digest reads, with the given rows (by field name) and none else."""
    schemas = load_schemas()
    return {
        tab: frame_of([empty_record(schemas[tab], **r) for r in rows.get(tab, [])], schemas[tab])
        for tab in TABS
    }


def day(days_ago: int, hour: int = 8) -> str:
    return (
        (NOW - dt.timedelta(days=days_ago)).replace(hour=hour, minute=0).strftime("%Y-%m-%d %H:%M")
    )


def date(days_ago: int) -> str:
    return (NOW.date() - dt.timedelta(days=days_ago)).isoformat()


def need(need_id, **values):
    base = {"need_id": need_id, "status": "matched", "urgency": "When someone can"}
    return {**base, "category": "Groceries", "opened": day(30), **values}


def task(task_id, status, **values):
    return {"task_id": task_id, "need_id": "N0001", "status": status, **values}


def week_of(tabs, now=NOW, tz=CHICAGO):
    policy = Policy(records_of(tabs["people"]), needs=records_of(tabs["needs"]))
    return followup_week(tabs, now, FollowupConfig(), tz, policy)


def test_escalations_this_week_are_counted_by_their_latest_level():
    week = week_of(
        frames(
            needs=[
                need("N0001", escalated="4 hours", escalated_at=day(2)),
                need("N0002", escalated="7 days", escalated_at=day(7)),  # 7 days ago: before
                need("N0003", escalated="14 days", escalated_at=day(6, hour=0)),
                need("N0004", status="met", escalated="4 hours", escalated_at=day(0)),
                need("N0005", escalated="", escalated_at=""),
            ]
        )
    )
    assert (week.week_from, week.week_to) == (dt.date(2026, 11, 17), dt.date(2026, 11, 23))
    assert week.escalated == {"14 days": 1, "4 hours": 2}
    assert week.escalated_total == 3


@pytest.mark.parametrize(
    ("urgency", "opened", "status", "past"),
    [
        ("Today", day(0, hour=4), "open", True),  # 5 hours: past 4 hours
        ("Today", day(0, hour=6), "open", False),  # 3 hours
        ("This week", day(3), "open", True),  # past 2 days
        ("When someone can", day(6), "open", False),  # 7 days not reached
        ("When someone can", day(8), "open", True),
        ("Today", day(2), "matched", False),  # someone is on it
        ("Today", "", "open", False),  # no date: cannot tell
    ],
)
def test_needs_open_past_their_urgencys_first_level(urgency, opened, status, past):
    tabs = frames(needs=[need("N0001", urgency=urgency, opened=opened, status=status)])
    assert week_of(tabs).open_past_first_level == int(past)


def test_open_past_the_first_level_counts_real_hours_across_the_clock_change():
    # 2026-11-01 in Chicago: 01:00-02:00 happens twice. From 00:30 to 04:00 is 4.5 hours.
    tabs = frames(needs=[need("N0001", urgency="Today", opened="2026-11-01 00:30", status="open")])
    assert week_of(tabs, now=dt.datetime(2026, 11, 1, 4, 0)).open_past_first_level == 1
    assert (
        week_of(tabs, now=dt.datetime(2026, 11, 1, 4, 0), tz=ZoneInfo("UTC")).open_past_first_level
        == 0
    )


def test_tasks_past_due_expired_and_reminded_are_counted_as_the_tasks_tab_shows():
    tasks = [
        task("T0001", "accepted", due=date(1)),  # past due
        task("T0002", "accepted", due_from_urgency=date(2)),  # past due, from urgency
        task("T0003", "accepted", due=date(0)),  # due today: not yet
        task("T0004", "done", due=date(9)),
        task("T0005", "accepted", due=date(-3), due_from_urgency=date(5)),  # typed date wins
        task("T0006", "Accepted ", due=date(4)),  # as typed by hand: accepted
        task("T0007", "expired", reasons=f"Near; expired {date(3)}: no answer within 1 day"),
        task("T0008", "expired", reasons=f"expired {date(10)}: no answer within 3 days"),
        task("T0009", "proposed", reasons=f"expired {date(1)}"),  # not expired now
        task("T0010", "accepted", reminded=day(2), due=date(5)),
        task("T0011", "done", reminded=day(8)),
    ]
    week = week_of(frames(tasks=tasks))
    assert week.tasks_past_due == 4  # T0001, T0002, T0006, T0010
    assert week.proposals_expired == 1
    assert week.tasks_reminded == 1


@pytest.mark.parametrize(
    ("reasons", "on"),
    [
        ("expired 2026-11-24: no answer within 1 day", dt.date(2026, 11, 24)),
        ("Speaks Spanish; expired 2026-11-20: no answer", dt.date(2026, 11, 20)),
        ("expired 2026-13-40: no answer", None),
        ("Near; no answer", None),
    ],
)
def test_the_day_a_proposal_expired_is_read_from_its_reasons(reasons, on):
    assert expired_on({"status": "expired", "reasons": reasons}) == on


def people_and_load():
    people = [
        {"person_id": "P0001", "name": "Ann Bell", "roles": "volunteer"},
        {"person_id": "P0002", "name": "Bo Chen", "roles": "volunteer", "consent_answer": "Yes"},
        {"person_id": "P0003", "name": "Bo Chen", "duplicate_of": "P0002", "roles": "requester"},
        {"person_id": "P0004", "name": "Cy Diaz", "roles": "volunteer"},
        {"person_id": "P0005", "name": "Di Egan", "roles": "volunteer"},
        {"person_id": "P0006", "name": "Ed Fox", "roles": "volunteer", "checkin_status": "red"},
        {"person_id": "P0007", "name": "Flo Gil", "roles": "volunteer"},
    ]
    people[1].update(checkin_status="red", checkin_date="2026-11-20")
    people[6].update(checkin_status="red", checkin_date="2026-11-10")
    people.append(
        {"person_id": "P0008", "name": "Flo Gil", "duplicate_of": "P0007", "roles": "volunteer"}
    )
    people[7].update(checkin_status="green", checkin_date="2026-11-18")  # later: not red
    load = [
        {"person_id": "P0001", "flags": "over capacity, check-in due"},
        {"person_id": "P0004", "flags": "check-in due"},  # says nothing of their load
        {"person_id": "P0005", "flags": "many shifts"},
    ]
    needs = [
        need("N0001", person_id="P0001", status="open", opened=day(3), category="Rides"),
        need("N0002", person_id="P0001", status="met"),
        need("N0003", person_id="P0003", status="matched", urgency="Today", opened=day(1)),
        need("N0004", person_id="P0004", status="open"),
        need("N0005", person_id="P0005", status="withdrawn"),
        need("N0006", person_id="P0006", status="open", opened=day(20)),
        need("N0007", person_id="P0008", status="open"),
        need("N0008", person_id="P0001", status="matched", opened=day(9), category="Meals"),
    ]
    return frames(people=people, load=load, needs=needs)


def test_members_flagged_or_red_with_needs_of_their_own_are_raised_most_urgent_first():
    assert waiting_members(people_and_load()) == (
        # Bo's need for today, asked under a linked duplicate row.
        WaitingMember("P0002", "red check-in on 2026-11-20", ("N0003",)),
        WaitingMember("P0006", "red check-in", ("N0006",)),  # waited longest (20 days)
        WaitingMember("P0001", "over capacity", ("N0008", "N0001")),
    )
    # In a Spanish network the Load tab's flags are Spanish, and so is a red check-in the
    # tab does not show.
    spanish = waiting_members(people_and_load(), "es")
    assert [m.why for m in spanish[:2]] == ["chequeo en rojo el 2026-11-20", "chequeo en rojo"]


def test_the_organizers_digest_lists_them_as_their_consent_allows_in_each_language():
    tabs = people_and_load()
    week = week_of(tabs)
    assert week.waiting[0] == WaitingLine(
        "Bo Chen (P0002)", "red check-in on 2026-11-20", (("N0003", "Groceries"),)
    )
    assert week.waiting[2] == WaitingLine(
        "A. B. (P0001)", "over capacity", (("N0008", "Meals"), ("N0001", "Rides"))
    )
    data = organizer_digest(tabs, "Net", NOW, since=NOW, followup=week)
    english = render("organizers", data, "en", chart=CHART)
    assert "Members carrying too much who wait for help themselves" in english.text
    assert "- A. B. (P0001): over capacity. Their needs: N0008 Meals, N0001 Rides" in english.text
    assert "Bo Chen (P0002)</strong>: red check-in on 2026-11-20" in english.html
    assert "Ann" not in english.text + english.html
    spanish = render("organizers", data, "es", chart=CHART)
    assert "Miembros con demasiada carga que esperan ayuda ellos mismos" in spanish.text
    assert "Sus necesidades: N0008 Comidas preparadas, N0001 Transporte" in spanish.text


def test_the_follow_up_section_says_the_counts_and_is_left_out_when_there_is_nothing():
    week = FollowupWeek(
        NOW.date() - dt.timedelta(days=6),
        NOW.date(),
        escalated={"14 days": 1, "4 hours": 2},
        open_past_first_level=4,
        tasks_past_due=5,
        proposals_expired=6,
        tasks_reminded=7,
    )
    tabs = frames()
    text = render(
        "organizers", organizer_digest(tabs, "Net", NOW, since=NOW, followup=week), chart=CHART
    ).text
    assert "Follow-up this week\n" in text
    assert "- Needs escalated to you: 3 (14 days: 1, 4 hours: 2)\n" in text
    assert "- Needs open now longer than their urgency allows: 4\n" in text
    assert "- Accepted tasks past their date now: 5\n" in text
    assert "- Proposals that expired without an answer: 6\n" in text
    assert "- Tasks whose volunteer was reminded: 7\n" in text
    quiet = FollowupWeek(week.week_from, week.week_to)
    assert not quiet.anything
    text = render(
        "organizers", organizer_digest(tabs, "Net", NOW, since=NOW, followup=quiet), chart=CHART
    ).text
    assert "Follow-up this week" not in text
