"""Issue 22, across runs: a run that skips (its inputs settled, fingerprints.py) leaves the
spreadsheet exactly as a full run would have, on random histories.

Before every run of the history, the network (workbook and state folder) is copied, and
the copy runs the same job at the same time with every step (`full=True`). After both:
every tab but the Run log and the Fingerprints is the same, cell for cell, and a run that
skipped sent nothing the full run sent. Histories mix the forms' events, organizers'
answers, hourly and weekly runs, and runs again a few minutes or hours later with nothing
new: the runs that can skip.

Reproducible in CI: derandomized, no example database, no shrinking.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sheetsync_testkit.histories import HistorySim, history_config

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.feedback.codes import network_key
from sheetsync.jobs import find_job, run_job
from sheetsync.report import DeliveryOutcome, RunReport
from sheetsync.state import read_state

picks = st.integers(min_value=0, max_value=10_000)
NOT_COMPARED = ("run_log", "fingerprints")  # a skipped run's row differs, by design


def tabs_of(folder: Path) -> dict[str, list[list[str]]]:
    """Every compared tab's cells as text, by logical name."""
    config = history_config(folder)
    state = read_state(WorkbookBackend(folder / "network.xlsx"), config)
    return {
        name: table.frame.astype(str).to_numpy().tolist()
        for name, table in state.tables.items()
        if name not in NOT_COMPARED
    }


def sent(report: RunReport) -> list[tuple[str, str, str]]:
    return [
        (d.audience, d.recipient, d.period)
        for d in report.deliveries
        if d.outcome is DeliveryOutcome.SENT
    ]


def first_difference(ours: list[list[str]], theirs: list[list[str]]) -> object:
    """The first row that differs (a missing row reads as []), None when none does."""
    width = max(len(ours), len(theirs))
    padded = zip(
        ours + [[]] * (width - len(ours)), theirs + [[]] * (width - len(theirs)), strict=True
    )
    return next(((a, b) for a, b in padded if a != b), None)


class SkipHistory(RuleBasedStateMachine):
    """Events and runs; each run compared with a full run on a copy of the network."""

    sim: HistorySim

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sheetsync-skip-"))
        self.skipped = 0

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(seed=st.integers(min_value=1, max_value=4))
    def network(self, seed: int) -> None:
        self.sim = HistorySim(self.folder / "net", seed=seed)
        # The feedback codes' key, made now: a key made by a run is drawn at random, so the
        # copy and the network would each draw their own and give different codes.
        network_key(self.sim.config.state_dir)
        self.run("weekly", minutes=0, next_monday=True)

    # Events between runs

    @rule(pick=picks, urgency=st.sampled_from(["Today", "This week", "When someone can"]))
    def request(self, pick: int, urgency: str) -> None:
        self.sim.request_of_urgency(pick, urgency)

    @rule(pick=picks)
    def new_offer(self, pick: int) -> None:
        self.sim.new_offer(pick)

    @rule(pick=picks, status=st.sampled_from(["green", "yellow", "red"]))
    def check_in(self, pick: int, status: str) -> None:
        self.sim.check_in(pick, status, None, first_name_only=False)

    @rule(pick=picks, action=st.sampled_from(["accepted", "declined", "done"]))
    def organize(self, pick: int, action: str) -> None:
        self.sim.organize(pick, action)

    # Runs: again soon with nothing new (they may skip), or later (time may have changed
    # what a step computes: then they must not)

    @rule(minutes=st.sampled_from([1, 10, 60, 61, 240, 1439, 1440, 2 * 1440 + 5]))
    def run_hourly(self, minutes: int) -> None:
        self.run("intake", minutes)

    @rule(minutes=st.sampled_from([1, 30, 1440]))
    def run_weekly_again(self, minutes: int) -> None:
        self.run("weekly", minutes)

    @rule()
    def run_weekly(self) -> None:
        self.run("weekly", minutes=0, next_monday=True)

    def run(self, job: str, minutes: int, *, next_monday: bool = False) -> None:
        sim = self.sim
        if next_monday:  # as sim.run_weekly moves it: next Monday at 07:00
            days = (7 - sim.clock.weekday()) % 7 or 7
            sim.clock = (sim.clock + dt.timedelta(days=days)).replace(hour=7, minute=0)
        else:
            sim.tick(minutes)
        sim.flush()
        twin = self.folder / f"twin-{len(sim.runs)}"
        shutil.copytree(sim.folder, twin)
        twin_config = history_config(twin)
        full = run_job(
            find_job(job, twin_config),
            WorkbookBackend(twin / "network.xlsx"),
            twin_config,
            now=sim.clock,
            full=True,
        )
        report = sim.run_job(job)
        self.skipped += bool(report.skipped_for)
        ours, theirs = tabs_of(sim.folder), tabs_of(twin)
        differ = {name: first_difference(ours[name], theirs[name]) for name in ours}
        differ = {name: rows for name, rows in differ.items() if rows is not None}
        assert differ == {}, (job, sim.clock, sim.events[-8:])
        if report.skipped_for:
            assert sent(full) == [], (job, sim.clock, sent(full))
        assert sent(report) == sent(full)
        shutil.rmtree(twin, ignore_errors=True)

    @invariant()
    def nothing_left_behind(self) -> None:
        assert not list(self.folder.glob("twin-*"))


SkipHistory.TestCase.settings = settings(
    max_examples=6,
    stateful_step_count=14,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
TestSkipHistory = SkipHistory.TestCase


def test_a_quiet_network_skips_its_runs_until_something_is_due(tmp_path):
    """The history's network after its weekly run: runs a minute apart with nothing new.
    Once one changed nothing, the next ones are skipped, each the same as a full run; a
    new response means a full run again."""
    history = SkipHistory()
    history.folder = tmp_path
    history.network(seed=1)
    for _ in range(4):
        history.run("intake", minutes=1)
    quiet = [r.report for r in history.sim.runs[1:]]
    assert [bool(r.skipped_for) for r in quiet][-2:] == [True, True]
    settled_by = quiet[-1].skipped_for
    assert settled_by in {r.run_id for r in quiet if not r.skipped_for}
    history.request(pick=3, urgency="This week")
    history.run("intake", minutes=1)
    assert not history.sim.runs[-1].report.skipped_for
