"""Issue 18, right across runs: random multi-run histories, checked after every run.

A hypothesis state machine plays a small generated network (testkit histories.HistorySim)
through random events between runs: new requests and offers, resubmissions under name
variants with the same phone and email, check-ins red/yellow/green (with hours that lower
capacity), rests confirmed on Load, do-not-contact marks, capacity changes, organizers
accepting, declining and marking done, and an organizer hand-accepting a second task for a
need. After every run the oracle (testkit history_oracle, independent of the matching code)
must find:

- every form response behind a People row or an open Errors row, never both (rows in =
  records + errors), and every usable request with its need;
- after a weekly run, no violation sheetsync made or could undo (double-booked need,
  volunteer over capacity, a proposal held by someone red, resting or do-not-contact, fewer
  needs matched than the max-flow bound);
- after any run, every violation left (those made by hand, or by events since the last
  matching) reported as an open Errors row: form "sheetsync check", source "<Tab>:<id>",
  fields the code.

Reproducible in CI: derandomized, no example database, no shrinking (a failing history is
printed step by step as it was played).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sheetsync_testkit.histories import VARIANTS, HistorySim
from sheetsync_testkit.history_oracle import (
    NEED_OVERBOOKED,
    Check,
    Violation,
    account,
    check,
)

picks = st.integers(min_value=0, max_value=10_000)


def describe(violations: list[Violation]) -> list[str]:
    return [f"{v.code} ({'by hand' if v.by_hand else 'sheetsync'}): {v.detail}" for v in violations]


class History(RuleBasedStateMachine):
    """A network's weeks: events between runs, the invariants after each run."""

    sim: HistorySim

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sheetsync-history-"))

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(seed=st.integers(min_value=1, max_value=4))
    def network(self, seed: int) -> None:
        self.sim = HistorySim(self.folder / "net", seed=seed)
        self.sim.run_weekly()
        self.after_run(weekly=True)

    # Forms

    @rule(pick=picks)
    def new_request(self, pick: int) -> None:
        self.sim.new_request(pick)

    @rule(pick=picks)
    def new_offer(self, pick: int) -> None:
        self.sim.new_offer(pick)

    @rule(pick=picks)
    def new_household_member(self, pick: int) -> None:
        self.sim.new_household_member(pick)

    @rule(pick=picks, variant=st.sampled_from(VARIANTS))
    def resubmit(self, pick: int, variant: str) -> None:
        self.sim.resubmit(pick, variant)

    @rule(
        pick=picks,
        status=st.sampled_from(["green", "yellow", "red"]),
        hours=st.none() | st.integers(min_value=0, max_value=8),
        first_name_only=st.booleans(),
    )
    def check_in(self, pick: int, status: str, hours: int | None, first_name_only: bool) -> None:
        self.sim.check_in(pick, status, hours, first_name_only)

    @rule(pick=picks, capacity=st.integers(min_value=0, max_value=4))
    def change_capacity(self, pick: int, capacity: int) -> None:
        self.sim.change_capacity(pick, capacity)

    # Organizers

    @rule(pick=picks)
    def rest(self, pick: int) -> None:
        self.sim.rest(pick)

    @rule(pick=picks)
    def do_not_contact(self, pick: int) -> None:
        self.sim.do_not_contact(pick)

    @rule(pick=picks, action=st.sampled_from(["accepted", "declined", "done"]))
    def organize(self, pick: int, action: str) -> None:
        self.sim.organize(pick, action)

    @rule(pick=picks)
    def hand_accept_second(self, pick: int) -> None:
        self.sim.hand_accept_second(pick)

    # Runs

    @rule()
    def run_weekly(self) -> None:
        self.sim.run_weekly()
        self.after_run(weekly=True)

    @rule()
    def run_hourly(self) -> None:
        self.sim.run_hourly()
        self.after_run(weekly=False)

    def after_run(self, *, weekly: bool) -> None:
        state = self.sim.state()
        accounting = account(state, self.sim.config)
        assert accounting.ok, accounting
        found = check(state, self.sim.config, self.sim.clock.date(), matching_ran=weekly)
        self.oracle_sees_the_hand_made(found)
        events = self.sim.events[-12:]
        if weekly:
            assert found.by_sheetsync == [], (describe(found.by_sheetsync), events)
        assert found.unreported == [], (describe(found.unreported), events)

    def oracle_sees_the_hand_made(self, found: Check) -> None:
        """The oracle's own check: a second task typed by hand that is still live with the
        first is found, and found made by hand."""
        overbooked = {i for v in found.violations if v.code == NEED_OVERBOOKED for i in v.ids}
        state = self.sim.state()
        live: dict[str, int] = {}
        for task in state.tables["tasks"].frame.to_dict("records"):
            if str(task["status"]).strip() in ("proposed", "accepted"):
                live[task["need_id"]] = live.get(task["need_id"], 0) + 1
        for made in self.sim.hand_made:
            [need] = made.ids
            if live.get(need, 0) > 1:
                assert need in overbooked


# About 20 s here: 15 histories of up to 15 steps, each a network of a few dozen people.
History.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=15,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
TestHistory = History.TestCase


def test_the_oracle_finds_a_hand_made_double_booking_and_calls_it_by_hand(tmp_path: Path) -> None:
    """The oracle itself, on a history whose one violation is known: an organizer typed a
    second accepted task for a need that has one."""
    sim = HistorySim(tmp_path / "net", seed=3)
    sim.run_weekly()
    assert sim.hand_accept_second(1) is not None
    [made] = sim.hand_made
    found = check(sim.state(), sim.config, sim.clock.date(), matching_ran=False)
    [overbooked] = [v for v in found.violations if v.code == NEED_OVERBOOKED]
    assert overbooked.ids == frozenset(made.ids)
    assert overbooked.by_hand
    assert overbooked.sources == {f"Needs:{made.ids[0]}"}


def test_a_fresh_weekly_run_reaches_the_oracles_bound(tmp_path: Path) -> None:
    """On a first run, with nothing accepted yet, the matching reaches the max-flow bound
    and breaks no invariant: the oracle and the matching agree where nothing is stale."""
    sim = HistorySim(tmp_path / "net", seed=2)
    sim.run_weekly()
    found = check(sim.state(), sim.config, sim.clock.date(), matching_ran=True)
    assert found.matched > 0
    assert found.bound == found.matched
    assert describe(found.violations) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_name_variant_is_played(tmp_path: Path, variant: str) -> None:
    """Every variant the histories use exists for some person in the simulator's networks
    (a history that could never play one would test nothing about it)."""
    sim = HistorySim(tmp_path / "net", seed=1)
    for pick in range(len(sim.people)):
        if sim.resubmit(pick, variant) is not None:
            break
    else:
        sim.new_person(5 if variant == "spacing" else 0, volunteer=False)  # 李娜 / Gerald
        sim.new_person(1, volunteer=False)  # Robert: a nickname
        assert sim.resubmit(0, variant) is not None
    assert sim.events[-1].startswith(f"resubmission ({variant})")
