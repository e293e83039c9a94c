"""The followup step's needs: days open, and escalations to organizers once per need per
level (Today after 4 hours; every need after 7 and 14 days), in real hours across a change
of the clocks, retried by the next run when their email never settled."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.digest.alerts import SendAlerts
from sheetsync.followup.model import Escalation
from tests.followup_world import World, followup_config, stamp

OPENED = dt.datetime(2026, 12, 1, 9, 0)


def hourly(world: World, start: dt.datetime, hours: int) -> list[tuple[str, str, dt.datetime]]:
    """Run the step every hour from `start`: each escalation made, (need, level, when)."""
    made = []
    for h in range(hours):
        now = start + dt.timedelta(hours=h)
        result = world.run(now)
        made += [(e.need_id, e.level, now) for e in result.findings.escalations]
    return made


@pytest.fixture
def world(tmp_path) -> World:
    return World(followup_config(tmp_path))


def test_a_need_for_today_is_escalated_after_4_hours_then_7_and_14_days_each_once(world):
    world.need("N1", OPENED, "Today")
    made = hourly(world, OPENED + dt.timedelta(minutes=15), 16 * 24)
    assert made == [
        ("N1", "4 hours", dt.datetime(2026, 12, 1, 13, 15)),
        ("N1", "7 days", dt.datetime(2026, 12, 8, 9, 15)),
        ("N1", "14 days", dt.datetime(2026, 12, 15, 9, 15)),
    ]
    need = world.row("needs", "N1")
    assert need["escalated"] == "14 days" and need["escalated_at"] == "2026-12-15 09:15"


@pytest.mark.parametrize(
    ("urgency", "levels"),
    [
        ("This week", ["2 days", "7 days", "14 days"]),
        ("When someone can", ["7 days", "14 days"]),
        ("", ["7 days", "14 days"]),
    ],
)
def test_every_need_is_escalated_at_7_and_14_days_once(world, urgency, levels):
    world.need("N1", OPENED, urgency)
    made = hourly(world, OPENED + dt.timedelta(minutes=15), 16 * 24)
    assert [level for _, level, _ in made] == levels


def test_a_need_first_seen_late_gets_one_line_for_the_highest_level_reached(world):
    world.need("N1", OPENED, "Today")
    [escalation] = world.run(OPENED + dt.timedelta(days=8)).findings.escalations
    assert escalation == Escalation(
        "N1", "7 days", "Today", "Groceries", OPENED, dt.timedelta(days=8)
    )
    assert world.run(OPENED + dt.timedelta(days=8, hours=1)).findings.escalations == ()


def test_a_need_matched_then_reopened_is_not_escalated_again_for_a_level_it_had(world):
    world.need("N1", OPENED, "Today")
    assert len(world.run(OPENED + dt.timedelta(hours=5)).findings.escalations) == 1
    world.edit("needs", "N1", "status", "matched")
    assert world.run(OPENED + dt.timedelta(hours=6)).findings.escalations == ()
    world.edit("needs", "N1", "status", "open")  # the proposal was declined
    made = hourly(world, OPENED + dt.timedelta(hours=7), 24)
    assert made == []


def test_a_matched_need_is_not_escalated_but_shows_its_days_open(world):
    world.need("N1", OPENED, "Today", status="matched")
    world.need("N2", OPENED, "Today", status="met")
    world.need("N3", OPENED, "Today", status="withdrawn")
    result = world.run(OPENED + dt.timedelta(days=9))
    assert result.findings.escalations == ()
    assert [world.row("needs", n)["days_open"] for n in ("N1", "N2", "N3")] == ["9", "", ""]


def test_days_open_counts_the_network_s_local_dates(world):
    world.need("N1", dt.datetime(2026, 12, 1, 23, 30), "When someone can")
    world.run(dt.datetime(2026, 12, 2, 0, 15))
    assert world.row("needs", "N1")["days_open"] == "1"
    world.run(dt.datetime(2026, 12, 1, 23, 45))
    assert world.row("needs", "N1")["days_open"] == "0"


@pytest.mark.parametrize(
    ("opened", "at", "escalated"),
    [
        # The clocks go back at 02:00 on 2026-11-01 (America/Chicago): 4 real hours after
        # 00:30 is 03:30 by the clock.
        (dt.datetime(2026, 11, 1, 0, 30), dt.datetime(2026, 11, 1, 3, 30), True),
        (dt.datetime(2026, 11, 1, 0, 30), dt.datetime(2026, 11, 1, 3, 29), False),
        # They go forward at 02:00 on 2026-03-08: 04:30 by the clock is only 3 real hours.
        (dt.datetime(2026, 3, 8, 0, 30), dt.datetime(2026, 3, 8, 4, 30), False),
        (dt.datetime(2026, 3, 8, 0, 30), dt.datetime(2026, 3, 8, 5, 30), True),
    ],
)
def test_a_night_the_clocks_change_is_counted_in_real_hours(world, opened, at, escalated):
    world.need("N1", opened, "Today")
    found = world.run(at).findings.escalations
    assert [e.level for e in found] == (["4 hours"] if escalated else [])
    if escalated:
        assert found[0].waited == dt.timedelta(hours=4)


@pytest.mark.parametrize("opened", ["", "next Tuesday", "2027-01-05 10:00"])
def test_a_need_opened_in_the_future_or_at_no_readable_time_waits_for_nothing(world, opened):
    world.add("needs", need_id="N1", opened=opened, urgency="Today", status="open")
    world.need("N2", OPENED, "Today")
    result = world.run(OPENED + dt.timedelta(days=1))
    assert [e.need_id for e in result.findings.escalations] == ["N2"]
    assert (
        world.row("needs", "N1")["days_open"] == "" and world.row("needs", "N1")["escalated"] == ""
    )
    assert len(world.frames["needs"]) == 2


def test_an_escalation_whose_email_failed_is_carried_by_the_next_run_until_sent(world):
    world.need("N1", OPENED, "Today")
    first = OPENED + dt.timedelta(hours=4, minutes=15)
    assert [e.level for e in world.run(first, sent=False).findings.escalations] == ["4 hours"]
    again = first + dt.timedelta(hours=1)
    result = world.run(again)  # sent this time
    assert [e.level for e in result.findings.escalations] == ["4 hours"]
    assert result.counts["alerts_carried"] == 1
    assert world.row("needs", "N1")["escalated_at"] == stamp(again)
    assert hourly(world, again + dt.timedelta(hours=1), 24) == []


def test_an_unsent_escalation_is_not_carried_after_2_days_nor_once_the_need_is_matched(world):
    world.need("N1", OPENED, "Today")
    world.need("N2", OPENED, "Today")
    world.run(OPENED + dt.timedelta(hours=5), sent=False)
    world.edit("needs", "N2", "status", "matched")
    assert world.run(OPENED + dt.timedelta(days=2, hours=6)).findings.escalations == ()


def test_without_organizers_to_email_escalations_are_recorded_and_not_carried(tmp_path):
    world = World(followup_config(tmp_path, organizers=False))
    world.need("N1", OPENED, "Today")
    assert len(world.run(OPENED + dt.timedelta(hours=5)).findings.escalations) == 1
    assert world.row("needs", "N1")["escalated"] == "4 hours"
    assert hourly(world, OPENED + dt.timedelta(hours=6), 5) == []


def test_an_unreadable_level_in_escalated_is_replaced_by_the_level_reached(world):
    world.need("N1", OPENED, "Today", escalated="lots")
    [escalation] = world.run(OPENED + dt.timedelta(hours=5)).findings.escalations
    assert escalation.level == "4 hours"


def test_levels_follow_the_config(tmp_path):
    world = World(
        followup_config(
            tmp_path, escalate_after={"Today": "2 hours", "default": "3 days"}, escalate_days=[5]
        )
    )
    world.need("N1", OPENED, "Today")
    world.need("N2", OPENED, "When someone can")  # "This week" keeps its own 2 days
    made = hourly(world, OPENED + dt.timedelta(minutes=30), 6 * 24)
    assert [(n, level) for n, level, _ in made] == [
        ("N1", "2 hours"),
        ("N2", "3 days"),
        ("N1", "5 days"),
        ("N2", "5 days"),
    ]


def test_the_step_asks_for_the_alert_email_only_when_there_is_something_to_send(world):
    world.need("N1", OPENED, "Today")
    quiet = world.run(OPENED + dt.timedelta(hours=1))
    assert quiet.effects == [] and quiet.counts == {
        "escalated": 0,
        "past_due": 0,
        "reminders": 0,
        "alerts_carried": 0,
    }
    assert set(quiet.frames) == {"needs"}  # days_open: 0
    assert world.run(OPENED + dt.timedelta(hours=2)).frames == {}  # nothing new to write
    alert = world.run(OPENED + dt.timedelta(hours=4))
    [effect] = alert.effects
    assert isinstance(effect, SendAlerts) and effect.findings is alert.findings
    assert alert.findings.stamp == OPENED + dt.timedelta(hours=4)


def test_a_failing_alert_is_retried_hourly_only_while_its_level_is_at_most_2_days_old(world):
    # Every send fails (an organizer address that always refuses): each hourly run carries
    # the escalation again, moving its stamp, but only until the 4 hours level is 2 days old.
    world.need("N1", OPENED, "Today")
    reached = OPENED + dt.timedelta(hours=4)
    carried_at = []
    for h in range(5, 5 + 24 * 4):
        now = OPENED + dt.timedelta(hours=h)
        result = world.run(now, sent=False)
        if result.counts["alerts_carried"]:
            carried_at.append(now)
    assert carried_at[0] == OPENED + dt.timedelta(hours=6)
    assert max(carried_at) <= reached + dt.timedelta(days=2)
    # Every hour from the second try (15:00) to 2 days after the level was reached (13:00).
    assert len(carried_at) == 47 and max(carried_at) == reached + dt.timedelta(days=2)


def test_an_alert_the_send_journal_holds_as_sent_is_not_carried(world):
    # The email went out, but writing its send log row to the Run log failed: the journal
    # still holds the row, and the ledger reads it too. Carrying it would send it twice.
    from sheetsync.digest.journal import JOURNAL, open_journal

    world.need("N1", OPENED, "Today")
    first = OPENED + dt.timedelta(hours=5)
    world.run(first, sent=False)
    world.log.clear()  # the Run log tab never got the row
    with open_journal(world.config.state_dir / JOURNAL) as record:
        record(
            {
                "run_id": "M1",
                "job": "digest",
                "outcome": "sent",
                "steps": f"alerts {first:%Y-%m-%dT%H%M}",
                "changes": "org@example.net",
            }
        )
    result = world.run(first + dt.timedelta(hours=1))
    assert result.findings.escalations == () and result.counts["alerts_carried"] == 0


def test_an_alert_in_doubt_in_the_journal_is_not_carried(world):
    from sheetsync.digest.journal import JOURNAL, open_journal, pending_line

    world.need("N1", OPENED, "Today")
    first = OPENED + dt.timedelta(hours=5)
    world.run(first, sent=False)
    world.log.clear()
    with open_journal(world.config.state_dir / JOURNAL) as record:
        period = f"{first:%Y-%m-%dT%H%M}"
        record(pending_line("<m@x>", "alerts-x", "alerts", period, "org@example.net", "o-1"))
    assert world.run(first + dt.timedelta(hours=1)).findings.escalations == ()
