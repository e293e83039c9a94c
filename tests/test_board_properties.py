"""Claim histories on the volunteer board (hypothesis), through real runs on a workbook: over
any sequence of claims (codes, emails, unknown words, several in a cell, on needs just
taken), check-ins and runs, never two live tasks for one need, never a task breaking a hard
rule, and every claim answered on the board."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.board.codes import is_mark
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.statuses import LIVE, task_status
from tests.board_world import ANA, ANN, BO, SAM, board, local_board, records, run, write_claim
from tests.conftest import NOW, checkin, make_config, offer, request
from tests.test_board import add

CAROL = {"name": "Carol Ng", "phone": "201 555 0103", "email": "carol@example.org"}
VOLUNTEERS = (SAM, ANA)
NEEDS = (ANN, BO, CAROL)

# One step of a history: a volunteer (0, 1) or a stranger (2) claims need k by code or
# email; a volunteer checks in red; or a run (hourly or weekly).
claim_step = st.tuples(
    st.just("claim"),
    st.integers(0, 2),
    st.integers(0, len(NEEDS) - 1),
    st.sampled_from(["code", "email", "both"]),
)
rest_step = st.tuples(st.just("red"), st.integers(0, 1), st.just(0), st.just(""))
run_step = st.tuples(st.just("run"), st.integers(0, 1), st.just(0), st.sampled_from(["", "weekly"]))
history = st.lists(st.one_of(claim_step, claim_step, rest_step, run_step), min_size=1, max_size=8)


def _who(backend, config, k: int, how: str) -> str:
    if k == 2:
        return "stranger@example.com" if how == "email" else "ABCD-EFGH"
    person = VOLUNTEERS[k]
    [code] = [
        p["volunteer_code"]
        for p in records(backend, config, "people")
        if p["email"] == person["email"]
    ]
    return {"code": code, "email": person["email"], "both": f"{code} {person['email']}"}[how]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=history, capacity=st.sampled_from(["1", "2"]))
def test_claim_histories_keep_the_rules(steps, capacity):
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        config = local_board(make_config(tmp / "network.xlsx"), tmp)
        backend = WorkbookBackend(config.workbook)
        init_spreadsheet(backend, config)
        add(
            backend,
            "offers",
            *(
                offer(**v, availability="Weekday mornings, Weekends", weekly_capacity=capacity)
                for v in VOLUNTEERS
            ),
        )
        add(backend, "requests", *(request(**n, urgency="When someone can") for n in NEEDS))
        now = NOW
        run(backend, config, now)
        written: set[str] = set()
        for kind, k, need, how in [*steps, ("run", 0, 0, "")]:
            rows = {r["board_id"]: r for r in board(config)}
            if kind == "claim" and rows:
                target = sorted(rows)[need % len(rows)]
                write_claim(config, target, _who(backend, config, k, how))
                written.add(target)
            elif kind == "red":
                stamp = now + dt.timedelta(minutes=1)
                add(
                    backend,
                    "checkins",
                    checkin(**_contact(k), checkin_status="Red – I need a break", timestamp=stamp),
                )
            elif kind == "run":
                now += dt.timedelta(hours=1)
                report = run(backend, config, now, job=how or "intake")
                # A run with nothing new since one that changed nothing is skipped: it
                # would compute what that one did, whose check found nothing broken.
                check = report.step("check")
                assert report.skipped_for if check is None else check.counts["rules_broken"] == 0
                live = Counter(
                    t["need_id"]
                    for t in records(backend, config, "tasks")
                    if task_status(t["status"]) in LIVE
                )
                assert all(n == 1 for n in live.values())
                after = {r["board_id"]: r for r in board(config)}
                for bid in written:  # every claim is answered: a mark and a status
                    assert is_mark(after[bid]["claim"]) and after[bid]["status"]
                written = set()
        claimed = [
            t for t in records(backend, config, "tasks") if "volunteer board" in t["reasons"]
        ]
        assert all(t["status"] == "accepted" for t in claimed)


def _contact(k: int) -> dict[str, str]:
    person = VOLUNTEERS[k]
    return {"name": person["name"], "email": person["email"], "phone": ""}
