"""Recurring needs across runs: random histories of runs (hourly and weekly, at any hour,
with gaps) and organizers' moves between them (tasks accepted, done, declined; continues
yes or no; end_recurrence marked and cleared; a volunteer checking in red), played through
the real pipeline on a workbook. After every run:

- the needs of a series are at least its period apart (by day): one per period at most;
- a repeat is never made before its day, nor by a run that read an end_recurrence mark
  on its series, and a run after a gap makes one at most per series;
- everything organizers typed (statuses, continues, end_recurrence, notes) is as they
  typed it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.members import parse_datetime
from sheetsync.recur.series import period_of
from sheetsync.schema import load_schemas
from tests.conftest import FORM_OF, checkin, make_config, request
from tests.test_match import volunteer_offer

START = dt.datetime(2026, 11, 20, 10, 0)
SCHEMAS = load_schemas()
picks = st.integers(min_value=0, max_value=1_000)


class Recurring(RuleBasedStateMachine):
    """Two recurring requests, two volunteers, and the weeks that follow."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sheetsync-recur-"))
        self.config = make_config(self.folder / "network.xlsx")
        self.backend = WorkbookBackend(self.folder / "network.xlsx")
        init_spreadsheet(self.backend, self.config)
        self.now = START
        # (logical tab, row id, column) -> what the organizer typed there.
        self.typed: dict[tuple[str, str, str], str] = {}
        self.marked_before: set[str] = set()  # series with an end mark the next run reads

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, form: str, *responses: dict[str, Any]) -> None:
        tab = FORM_OF[form]
        rows = self.backend.read_tabs([tab])[tab].rows
        names = SCHEMAS[form].names
        cells = [[r.get(n, "") for n in names] for r in responses]
        self.backend.apply([TabChanges(tab=tab, start_row=len(rows) + 1, append=cells)])

    @initialize(two_weeks=st.booleans())
    def network(self, two_weeks: bool) -> None:
        self.add(
            "offers",
            volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"),
            volunteer_offer("Ana Diaz", "201-555-0171", "ana@example.net"),
        )
        self.add(
            "requests",
            request(timestamp=START, recurrence="Every week"),
            request(
                timestamp=START,
                name="Bo Chan",
                phone="201 555 0102",
                email="bo@example.org",
                recurrence="Every two weeks" if two_weeks else "Every week",
                urgency="When someone can",
            ),
        )
        self.run(weekly=True)

    # Runs

    @rule(hours=st.integers(min_value=1, max_value=24 * 12), weekly=st.booleans())
    def later_run(self, hours: int, weekly: bool) -> None:
        self.now += dt.timedelta(hours=hours)
        self.run(weekly=weekly)

    def run(self, *, weekly: bool) -> None:
        before = self.state()
        job = find_job("weekly" if weekly else "intake", self.config)
        run_job(job, self.backend, self.config, now=self.now)
        after = self.state()
        self.check_run(before, after)

    # Organizers' moves

    @rule(pick=picks, status=st.sampled_from(["accepted", "done", "declined"]))
    def move_task(self, pick: int, status: str) -> None:
        self.type_in("tasks", pick, "status", status)

    @rule(pick=picks, said=st.sampled_from(["yes", "no", ""]))
    def say_continues(self, pick: int, said: str) -> None:
        self.type_in("tasks", pick, "continues", said)

    @rule(pick=picks, mark=st.sampled_from(["x", ""]))
    def mark_end(self, pick: int, mark: str) -> None:
        self.type_in("needs", pick, "end_recurrence", mark)

    @rule(pick=picks)
    def note(self, pick: int) -> None:
        self.type_in("needs", pick, "notes", f"called {pick}")

    @rule(red=st.booleans())
    def sam_checks_in(self, red: bool) -> None:
        status = "Red – I need a break" if red else "Green – I have capacity"
        self.add("checkins", checkin(checkin_status=status, timestamp=self.now))

    def type_in(self, logical: str, pick: int, column: str, value: str) -> None:
        table = read_state(self.backend, self.config).tables[logical]
        rows = table.frame.to_dict("records")
        if not rows:
            return
        row = rows[pick % len(rows)]
        key = row[table.schema.primary_key]
        update = CellUpdate(int(row["_row"]), table.columns[column] + 1, value)
        self.backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=[update])])
        self.typed[(logical, key, column)] = value

    # What holds

    def state(self) -> dict[str, list[dict[str, Any]]]:
        tables = read_state(self.backend, self.config).tables
        return {name: tables[name].frame.to_dict("records") for name in ("needs", "tasks")}

    def check_run(
        self, before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
    ) -> None:
        known = {n["need_id"] for n in before["needs"]}
        marked = {n["series"] for n in before["needs"] if n["end_recurrence"].strip()}
        made: dict[str, int] = {}
        for need in after["needs"]:
            if need["need_id"] in known or need["series"] in ("", need["need_id"]):
                continue
            made[need["series"]] = made.get(need["series"], 0) + 1
            assert need["series"] not in marked, f"{need['need_id']}: made after an end mark"
            assert need["opened"] == self.now.strftime("%Y-%m-%d %H:%M")
        assert all(count == 1 for count in made.values()), made

    @invariant()
    def one_need_a_period(self) -> None:
        if not hasattr(self, "backend"):
            return
        needs = self.state()["needs"]
        series: dict[str, list[dict[str, Any]]] = {}
        for need in needs:
            if need["series"]:
                series.setdefault(need["series"], []).append(need)
        for sid, group in series.items():
            first = next(n for n in group if n["need_id"] == sid)
            period = period_of(first["recurrence"]) or 7
            days = sorted(parse_datetime(n["opened"]).date() for n in group)  # type: ignore[union-attr]
            gaps = [(b - a).days for a, b in itertools.pairwise(days)]
            assert all(gap >= period for gap in gaps), (sid, gaps)
            latest = [n for n in group if n["next_on"]]
            assert len(latest) <= 1, sid

    @invariant()
    def organizers_columns_as_typed(self) -> None:
        if not self.typed:
            return
        state = self.state()
        keys = {"needs": "need_id", "tasks": "task_id"}
        for (logical, key, column), value in self.typed.items():
            [row] = [r for r in state[logical] if r[keys[logical]] == key]
            assert row[column] == value, (logical, key, column)


# About a minute here: 12 histories of up to 12 steps, each run a second or less.
Recurring.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
TestRecurring = Recurring.TestCase
