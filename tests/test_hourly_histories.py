"""Issue 20, across runs: random histories of hourly runs (intake, dedupe, withdraw, expire,
urgent, check), with time passing between them, organizers answering some proposals and
leaving others, new requests of every urgency, new volunteers, check-ins and capacity
changes. After every run:

- no proposal sheetsync made still says proposed past its limit ([followup] expire_after
  for its need's urgency, real time);
- no need is ever proposed again to a volunteer whose proposal for it expired or who
  declined it;
- a task proposed or accepted before the run keeps its volunteer; an accepted one keeps
  its status, a proposed one stays proposed unless withdrawn or expired (the urgent step
  itself withdraws nothing: it never moves a proposed or accepted task);
- the urgent step serves as many of the needs it weighed as the rules allow (the check's
  not-maximal, over its scope), and sheetsync breaks no rule the oracle knows;
- rows in = records + errors.

Reproducible in CI: derandomized, no example database, no shrinking.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sheetsync_testkit.histories import HistorySim
from sheetsync_testkit.history_oracle import account, check

from sheetsync.clock import elapsed
from sheetsync.match.expire import proposed_at
from sheetsync.report import RunReport
from sheetsync.state import State
from sheetsync.tables import records_of

picks = st.integers(min_value=0, max_value=10_000)
URGENCIES = ("Today", "This week", "When someone can")


def folded(status: Any) -> str:
    return " ".join(str(status).split()).casefold()


def tasks_of(state: State) -> list[dict[str, Any]]:
    return records_of(state.tables["tasks"].frame)


class HourlyHistory(RuleBasedStateMachine):
    """Hours and days between weekly runs: events, hourly runs, the properties after each."""

    sim: HistorySim

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sheetsync-hourly-"))

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(seed=st.integers(min_value=1, max_value=4))
    def network(self, seed: int) -> None:
        self.sim = HistorySim(self.folder / "net", seed=seed)
        before = self.sim.state()
        report = self.sim.run_weekly()
        self.after_run(before, report, hourly=False)

    # Forms

    @rule(pick=picks, urgency=st.sampled_from(URGENCIES))
    def request(self, pick: int, urgency: str) -> None:
        self.sim.request_of_urgency(pick, urgency)

    @rule(pick=picks)
    def new_offer(self, pick: int) -> None:
        self.sim.new_offer(pick)

    @rule(
        pick=picks,
        status=st.sampled_from(["green", "yellow", "red"]),
        hours=st.none() | st.integers(min_value=0, max_value=8),
    )
    def check_in(self, pick: int, status: str, hours: int | None) -> None:
        self.sim.check_in(pick, status, hours, first_name_only=False)

    @rule(pick=picks, capacity=st.integers(min_value=0, max_value=4))
    def change_capacity(self, pick: int, capacity: int) -> None:
        self.sim.change_capacity(pick, capacity)

    # Organizers

    @rule(pick=picks, action=st.sampled_from(["accepted", "declined", "done"]))
    def organize(self, pick: int, action: str) -> None:
        self.sim.organize(pick, action)

    # Runs

    @rule(hours=st.sampled_from([0, 0, 0, 4, 11, 23, 30, 49, 71]))
    def run_hourly(self, hours: int) -> None:
        """The hourly job, an hour on, or later when the machine was off (or nothing ran
        between: a quiet night)."""
        if hours:
            self.sim.wait(hours)
        before = self.sim.state()
        report = self.sim.run_hourly()
        self.after_run(before, report, hourly=True)

    @rule(hours=st.sampled_from([4, 11, 23, 30, 49, 71]))
    def run_hourly_later(self, hours: int) -> None:
        self.run_hourly(hours)

    @rule()
    def run_weekly(self) -> None:
        before = self.sim.state()
        report = self.sim.run_weekly()
        self.after_run(before, report, hourly=False)

    def after_run(self, before: State, report: RunReport, *, hourly: bool) -> None:
        state = self.sim.state()
        events = self.sim.events[-12:]
        accounting = account(state, self.sim.config)
        assert accounting.ok, accounting
        assert self.overdue_proposals(state) == [], events
        assert self.asked_again(state) == [], events
        assert self.moved(before, state) == [], events
        # A skipped run (nothing new since one that changed nothing) ran no step: it
        # computes what that run did, and the spreadsheet is checked below all the same.
        if not report.skipped_for:
            if hourly:
                assert report.step("urgent").counts["withdrawn"] == 0
            assert report.step("check").counts["not-maximal"] == 0, events
        found = check(state, self.sim.config, self.sim.clock.date(), matching_ran=not hourly)
        assert [v.detail for v in found.by_sheetsync] == [], events

    def overdue_proposals(self, state: State) -> list[str]:
        """Tasks sheetsync proposed that still say proposed past their limit."""
        config = self.sim.config
        urgency = {n["need_id"]: n["urgency"] for n in records_of(state.tables["needs"].frame)}
        late = []
        for task in tasks_of(state):
            since = proposed_at(task)
            if folded(task["status"]) != "proposed" or since is None:
                continue
            limit = config.followup.expires(str(urgency.get(task["need_id"], "")))
            if elapsed(since, self.sim.clock, config.tz) >= limit:
                late.append(str(task["task_id"]))
        return late

    def asked_again(self, state: State) -> list[str]:
        """Tasks sheetsync proposed to a volunteer (kept id) who declined that need or let a
        proposal of it expire on an earlier row."""
        people = records_of(state.tables["people"].frame)
        kept = {p["person_id"]: p["duplicate_of"] or p["person_id"] for p in people}
        turned: dict[str, set[str]] = defaultdict(set)
        again = []
        for task in tasks_of(state):
            who = kept.get(task["volunteer_id"], task["volunteer_id"])
            if proposed_at(task) is not None and who in turned[task["need_id"]]:
                again.append(str(task["task_id"]))
            if folded(task["status"]) in ("declined", "expired"):
                turned[task["need_id"]].add(who)
        return again

    def moved(self, before: State, after: State) -> list[str]:
        """Tasks proposed or accepted before the run whose volunteer or status the run
        changed beyond what withdraw and expire may write over a proposal."""
        moved = []
        for old, new in zip(tasks_of(before), tasks_of(after), strict=False):
            status = folded(old["status"])
            if status not in ("proposed", "accepted"):
                continue
            allowed = {status} | ({"withdrawn", "expired"} if status == "proposed" else set())
            if new["volunteer_id"] != old["volunteer_id"] or folded(new["status"]) not in allowed:
                moved.append(f"{old['task_id']}: {status} -> {new['status']}")
        return moved


# About a minute here: 8 histories of up to 20 steps on a network of a few dozen people.
HourlyHistory.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
TestHourlyHistory = HourlyHistory.TestCase
