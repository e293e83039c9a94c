"""The followup step over many runs: whatever the run times (hourly, or days apart, across
a change of the clocks), the edits organizers make between runs and the alert emails that
fail, each (need, level) is escalated in a sent email at most once, each task past due is
flagged in a sent email at most once, reminders of a task that went out are at least
remind_every_days apart, no row is lost and no organizer column is written."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.clock import elapsed
from tests.followup_world import TZ, World, followup_config, stamp

START = dt.datetime(2026, 10, 29, 8, 0)  # the clocks go back on 2026-11-01
URGENCIES = ["Today", "This week", "When someone can"]
NEEDS = [f"N{i}" for i in range(1, 6)]
TASKS = {"T1": "N1", "T2": "N2", "T3": "N3", "T4": "N4"}
VOLUNTEERS = ["V1", "V2", "V3"]

edits = st.one_of(
    st.none(),
    st.tuples(
        st.just("needs"),
        st.sampled_from(NEEDS),
        st.just("status"),
        st.sampled_from(["open", "matched", "met"]),
    ),
    st.tuples(
        st.just("tasks"),
        st.sampled_from(list(TASKS)),
        st.just("status"),
        st.sampled_from(["accepted", "done", "proposed", "cancelled", "In progress"]),
    ),
    st.tuples(
        st.just("tasks"),
        st.sampled_from(list(TASKS)),
        st.just("due"),
        st.sampled_from(["", "10/30/2026", "11/02/2026", "11/20/2026", "soon"]),
    ),
    st.tuples(
        st.just("people"),
        st.sampled_from(VOLUNTEERS),
        st.just("weekly_email"),
        st.sampled_from(["yes", "no", ""]),
    ),
)
runs = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=80),  # hours since the last run
        st.integers(min_value=0, max_value=59),  # minute of the run
        edits,
        st.booleans(),  # whether this run's emails went out
    ),
    min_size=1,
    max_size=40,
)
network = st.fixed_dictionaries(
    {
        "urgency": st.lists(st.sampled_from(URGENCIES), min_size=5, max_size=5),
        "opened_hours_before": st.lists(
            st.integers(min_value=-30, max_value=400), min_size=5, max_size=5
        ),
        "organizers": st.booleans(),
    }
)


def build(config_dir: Path, spec: dict) -> World:
    world = World(followup_config(config_dir, organizers=spec["organizers"]))
    for v in VOLUNTEERS:
        world.person(v)
    for need, urgency, before in zip(
        NEEDS, spec["urgency"], spec["opened_hours_before"], strict=True
    ):
        world.need(need, START - dt.timedelta(hours=before), urgency)
    for i, (task, need) in enumerate(sorted(TASKS.items())):
        proposed = stamp(START - dt.timedelta(days=i)) if i % 2 else ""
        world.task(task, need, VOLUNTEERS[i % 3], status="accepted", proposed=proposed)
    return world


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=network, sequence=runs)
def test_alerts_are_made_once_and_reminders_spaced_over_any_runs(tmp_path_factory, spec, sequence):
    world = build(tmp_path_factory.mktemp("followup"), spec)
    tz = ZoneInfo(TZ)
    every = dt.timedelta(days=world.config.followup.remind_every_days)
    now = START
    escalated: list[tuple[str, str]] = []
    flagged: list[str] = []
    reminded: dict[str, list[dt.datetime]] = {}
    for hours, minute, edit, sent in sequence:
        now = (now + dt.timedelta(hours=hours)).replace(minute=minute)
        if edit is not None:
            world.edit(*edit)
        before = world.organizer_cells()
        sizes = {name: len(frame) for name, frame in world.frames.items()}
        found = world.run(now, sent=sent).findings
        assert world.organizer_cells() == before
        assert {name: len(frame) for name, frame in world.frames.items()} == sizes
        if not sent:
            continue
        if spec["organizers"]:
            escalated += [(e.need_id, e.level) for e in found.escalations]
            flagged += [p.task_id for p in found.past_due]
        for reminder in found.reminders:
            for task in reminder.task_ids:
                reminded.setdefault(task, []).append(now)
    assert len(escalated) == len(set(escalated))
    assert len(flagged) == len(set(flagged))
    for times in reminded.values():
        gaps = [elapsed(a, b, tz) for a, b in pairwise(times)]
        assert all(gap >= every for gap in gaps), times
