"""Issue 22: a run whose inputs are settled is skipped (sheetsync/fingerprints.py).

These tests pin the mechanism with steps made to say a horizon of their choosing (the
`horizon` fixture): when a run settles, what makes the next run skip or not, and what a
skipped run writes. Whether each step's own horizon is right is tested step by step
(tests/test_horizon_*.py), and the whole on random histories (tests/test_skip_histories.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner

import sheetsync.jobs as jobs
from sheetsync import fingerprints
from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.cli import cli
from sheetsync.fingerprints import Settled, cell_tokens, inputs_of, settled_of
from sheetsync.horizon import NEVER
from sheetsync.jobs import find_job, run_job
from sheetsync.normalize import format_datetime
from sheetsync.run_log import pending_path
from sheetsync.state import read_sheet, read_state
from sheetsync.steps import Step
from tests.conftest import offer, request

NOW = dt.datetime(2026, 11, 23, 7, 0)
LATER = NOW + dt.timedelta(hours=3)


class Horizon:
    """What every step says as its horizon: `until` (None: the steps do not say)."""

    def __init__(self) -> None:
        self.until: dt.datetime | None = NEVER


@pytest.fixture
def horizon(monkeypatch: pytest.MonkeyPatch) -> Iterator[Horizon]:
    said = Horizon()
    real = jobs.get_step

    def get_step(name: str) -> Step:
        step = real(name)

        def run(ctx):  # type: ignore[no-untyped-def]
            result = step(ctx)
            result.until = said.until
            return result

        return run

    monkeypatch.setattr(jobs, "get_step", get_step)
    yield said


def weekly(backend, config, now=NOW, **options):  # type: ignore[no-untyped-def]
    return run_job(find_job("weekly", config), backend, config, now=now, **options)


def tabs(config) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(config.workbook)
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


def without(found: dict[str, list[tuple[object, ...]]], *names: str) -> dict[str, object]:
    return {tab: rows for tab, rows in found.items() if tab not in names}


def settle(backend, config, add_responses) -> None:  # type: ignore[no-untyped-def]
    """A request taken in, then runs until one changes nothing (it settles)."""
    add_responses("requests", request())
    for minutes in range(5):
        report = weekly(backend, config, NOW + dt.timedelta(minutes=minutes))
        if report.settled_until is not None:
            return
    raise AssertionError("no run settled")


def test_a_run_that_changes_nothing_settles_and_the_next_one_is_skipped(
    backend, config, add_responses, horizon
):
    add_responses("requests", request())
    first = weekly(backend, config)
    assert first.rows_added > 0 and first.settled_until is None  # it changed things
    second = weekly(backend, config, NOW + dt.timedelta(minutes=1))
    # It changed nothing: no tab among its changes, and it settled.
    assert second.tabs == [] and second.settled_until == NEVER
    assert second.to_dict()["settled_until"] == "never"
    state = read_state(backend, config)
    settled = settled_of(state.tables["fingerprints"], "weekly")
    assert settled is not None and settled.settled_by == second.run_id
    assert settled.until == NEVER and len(settled.inputs) == 64
    before = tabs(config)

    third = weekly(backend, config, LATER)

    assert third.skipped_for == second.run_id
    assert third.steps == [] and third.tabs == [] and third.deliveries == []
    after = tabs(config)
    assert without(after, "Run log") == without(before, "Run log")
    assert after["Run log"][:-1] == before["Run log"]
    row = dict(zip(after["Run log"][0], after["Run log"][-1], strict=True))
    assert row["job"] == "weekly" and row["outcome"] == "ok"
    assert row["steps"] == "skipped: " + ", ".join(find_job("weekly", config).steps)
    assert second.run_id in row["message"] and "--full" in row["message"]


def test_skipped_runs_follow_one_another_and_each_job_settles_on_its_own(
    backend, config, add_responses, horizon
):
    settle(backend, config, add_responses)
    assert weekly(backend, config, LATER).skipped_for
    assert weekly(backend, config, LATER + dt.timedelta(hours=1)).skipped_for
    hourly = run_job(find_job("intake", config), backend, config, now=LATER)
    assert not hourly.skipped_for  # the hourly job has not settled yet: its own row
    assert run_job(find_job("intake", config), backend, config, now=LATER).skipped_for


@pytest.mark.parametrize(
    "change",
    ["new response", "organizer note", "people note", "failed run", "state file"],
)
def test_anything_new_a_step_reads_means_a_full_run(
    backend, config, add_responses, horizon, change
):
    settle(backend, config, add_responses)
    if change == "new response":
        add_responses("requests", request(name="Ana Lima", email="ana@example.org"))
    elif change in ("organizer note", "people note"):
        tab, column, value = {
            "organizer note": ("Needs", "notes", "call her first"),
            "people note": ("People", "notes", "prefers texts"),
        }[change]
        header = backend.read_tabs([tab])[tab].rows[0]
        at = CellUpdate(2, header.index(column) + 1, value)
        backend.apply([TabChanges(tab=tab, start_row=3, update=[at])])
    elif change == "failed run":
        failing = find_job("weekly", config)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(jobs, "get_step", lambda name: _raise)
            with pytest.raises(jobs.StepError):
                run_job(failing, backend, config, now=LATER, full=True)
    else:  # the send journal, as a run that crashed mid-send leaves it
        config.state_dir.mkdir(parents=True, exist_ok=True)
        (config.state_dir / "sent.jsonl").write_text("{}\n", encoding="utf-8")

    report = weekly(backend, config, LATER + dt.timedelta(minutes=1))

    assert not report.skipped_for
    assert report.steps  # every step ran


def _raise(ctx):  # type: ignore[no-untyped-def]
    raise RuntimeError("a step broke")


def test_a_run_after_the_horizon_runs_in_full(backend, config, add_responses, horizon):
    horizon.until = NOW + dt.timedelta(hours=2)
    settle(backend, config, add_responses)
    state = read_state(backend, config)
    settled = settled_of(state.tables["fingerprints"], "weekly")
    assert settled is not None and settled.until == NOW + dt.timedelta(hours=2)
    assert weekly(backend, config, NOW + dt.timedelta(hours=1)).to_dict()["skipped_for"]
    assert weekly(backend, config, NOW + dt.timedelta(hours=1, minutes=59)).skipped_for
    assert not weekly(backend, config, NOW + dt.timedelta(hours=2)).skipped_for


@pytest.mark.parametrize("until", [None, "now"])
def test_a_run_settles_only_when_every_step_says_a_horizon_after_now(
    backend, config, add_responses, horizon, until
):
    horizon.until = None if until is None else NOW
    add_responses("requests", request())
    for minutes in range(4):
        report = weekly(backend, config, NOW + dt.timedelta(minutes=minutes))
        assert report.settled_until is None and not report.skipped_for
    assert settled_of(read_state(backend, config).tables["fingerprints"], "weekly") is None


def test_full_and_dry_runs_are_never_skipped(backend, config, add_responses, horizon):
    settle(backend, config, add_responses)
    before = tabs(config)
    dry = weekly(backend, config, LATER, dry_run=True)
    assert not dry.skipped_for and dry.steps and tabs(config) == before
    full = weekly(backend, config, LATER, full=True)
    assert not full.skipped_for and full.steps
    # It settles the same inputs again: its job's row names it.
    assert full.tabs == [] and full.settled_until is not None
    settled = settled_of(read_state(backend, config).tables["fingerprints"], "weekly")
    assert settled is not None and settled.settled_by == full.run_id


def test_a_failed_run_kept_on_this_machine_is_written_by_the_next_run_not_skipped(
    backend, config, add_responses, horizon
):
    settle(backend, config, add_responses)
    kept = {"run_id": "R20261123-080000", "job": "weekly", "started": "2026-11-23 08:00"}
    kept |= {"finished": "2026-11-23 08:00", "outcome": "failed", "steps": "", "changes": ""}
    kept |= {"problems": "0", "message": "The workbook was locked."}
    pending_path(config).parent.mkdir(parents=True, exist_ok=True)
    pending_path(config).write_text(json.dumps({"runs": [kept]}), encoding="utf-8")

    report = weekly(backend, config, LATER)

    assert not report.skipped_for
    log = [row[0] for row in tabs(config)["Run log"]]
    assert "R20261123-080000" in log and not pending_path(config).exists()


def test_a_fingerprints_row_cleared_or_garbled_means_a_full_run_that_writes_it_anew(
    backend, config, add_responses, horizon
):
    settle(backend, config, add_responses)
    garbled = CellUpdate(2, 2, "not a fingerprint")
    backend.apply([TabChanges(tab="Fingerprints", start_row=3, update=[garbled])])
    report = weekly(backend, config, LATER)
    assert not report.skipped_for and report.settled_until is not None
    assert weekly(backend, config, LATER + dt.timedelta(minutes=1)).skipped_for


def test_the_fingerprint_covers_the_cells_the_settings_and_the_job(backend, config, add_responses):
    add_responses("requests", request())

    def inputs(config=config, job="weekly", steps=("intake", "dedupe"), cells=False):  # type: ignore[no-untyped-def]
        sheet = read_sheet(backend, config)
        tokens = cell_tokens(sheet) if cells else backend.tab_tokens()
        run_log = read_state(backend, config).tables["run_log"]
        return inputs_of(tokens, run_log, config, job, steps, None)

    base = inputs()
    assert base == inputs() and inputs(cells=True) == inputs(cells=True)
    assert base != inputs(job="intake") and base != inputs(steps=("intake",))
    other = type(config).from_dict(
        {
            "network": {"name": "Another", "zones": ["Eastside"], "timezone": "America/Chicago"},
            "backend": {"kind": "local", "workbook": str(config.workbook)},
        },
        base_dir=Path(str(config.workbook)).parent,
    )
    assert base != inputs(config=other)
    by_cells = inputs(cells=True)
    add_responses("requests", request(name="Ana Lima", email="ana@example.org"))
    assert inputs() != base and inputs(cells=True) != by_cells


def test_a_workbook_write_keeps_the_tokens_of_the_tabs_it_does_not_change(
    backend, config, add_responses
):
    add_responses("requests", request())
    before = backend.tab_tokens()
    add_responses("offers", offer())
    after = backend.tab_tokens()
    assert before is not None and after is not None
    changed = {tab for tab in before if before[tab] != after[tab]}
    assert changed == {"Form Responses 2"}


def test_the_cli_says_a_run_was_skipped_and_full_runs_it(tmp_path, horizon):
    config = tmp_path / "sheetsync.toml"
    runner = CliRunner()
    made = runner.invoke(
        cli, ["--config", str(config), "init", "--workbook", str(tmp_path / "network.xlsx")]
    )
    assert made.exit_code == 0, made.output
    outputs = [runner.invoke(cli, ["--config", str(config), "run", "weekly"]) for _ in range(3)]
    assert [o.exit_code for o in outputs] == [0, 0, 0]
    assert "Nothing new since run" in outputs[-1].output
    assert "--full" in outputs[-1].output  # how to run it anyway

    full = runner.invoke(cli, ["--config", str(config), "run", "weekly", "--full"])

    assert full.exit_code == 0, full.output
    assert "Nothing new since run" not in full.output and "intake" in full.output


def test_in_the_hour_the_clocks_repeat_the_horizon_is_real_time():
    """The second 01:10 of the night the clocks go back (fold=1, as the clock reads it) is
    an hour after the first, and half an hour after a horizon at 01:40."""
    tz = ZoneInfo("America/New_York")
    settled = Settled("weekly", "a" * 64, "R20261101-004000", dt.datetime(2026, 11, 1, 1, 40))
    assert settled.covers("a" * 64, dt.datetime(2026, 11, 1, 1, 10), tz)
    assert not settled.covers("a" * 64, dt.datetime(2026, 11, 1, 1, 10, fold=1), tz)
    assert not settled.covers("a" * 64, dt.datetime(2026, 11, 1, 1, 40), tz)
    assert not settled.covers("b" * 64, dt.datetime(2026, 11, 1, 1, 10), tz)
    never = Settled("weekly", "a" * 64, "R1", NEVER)
    assert never.covers("a" * 64, dt.datetime(2026, 11, 1, 1, 10, fold=1), tz)


def test_a_new_build_of_sheetsync_means_a_full_run(backend, config, add_responses, horizon):
    """An upgrade, or a `git pull` of a checkout, changes sheetsync's files: the
    fingerprint is new, so the next run runs in full (and applies what changed)."""
    settle(backend, config, add_responses)
    assert len(fingerprints.build_id()) == 64
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprints, "build_id", lambda: "another build")
        assert not weekly(backend, config, LATER).skipped_for


def test_a_skipped_run_counts_as_the_last_run_that_read_the_responses(
    backend, config, add_responses, horizon
):
    """An organizer's consent_override is noted as typed after the last run that read the
    responses: a skipped run read them too (and found nothing new)."""
    settle(backend, config, add_responses)
    assert weekly(backend, config, LATER).skipped_for
    header = backend.read_tabs(["People"])["People"].rows[0]
    typed = CellUpdate(2, header.index("consent_override") + 1, "first name")
    backend.apply([TabChanges(tab="People", start_row=3, update=[typed])])

    weekly(backend, config, LATER + dt.timedelta(hours=1))

    [person] = read_state(backend, config).tables["people"].frame.to_dict("records")
    assert person["consent_override_seen"].endswith(f"(typed after {format_datetime(LATER)})")
