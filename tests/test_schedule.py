"""Scheduling: the crontab lines, their installation (twice: no duplicate), and tick:
due jobs run once, a held lock runs nothing, missed slots are caught up by one run, a
failed run is retried, and each step leaves a log line in --log-file."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from croniter import croniter

from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.errors import LockHeldError, StepError
from sheetsync.jobs import find_job, run_job
from sheetsync.run_log import last_runs
from sheetsync.scheduling.crontab import CRONTAB_ENV
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.scheduling.tick import RETRY_AFTER, state_path, tick, tick_network
from sheetsync.state import read_state
from tests.conftest import request

# Monday 23 November 2026; the weekly job's slot is Mondays 07:00.
MONDAY_0705 = dt.datetime(2026, 11, 23, 7, 5)

# A stand-in for crontab(1), with its interface: -l prints the table or says "no crontab
# for USER" and exits 1; "-" replaces the table with standard input.
FAKE_CRONTAB = textwrap.dedent(
    """\
    import sys, pathlib
    table = pathlib.Path(sys.argv[0]).with_name("crontab.txt")
    if sys.argv[1:] == ["-l"]:
        if not table.exists():
            sys.exit("no crontab for tester")
        sys.stdout.write(table.read_text())
    elif sys.argv[1:] == ["-"]:
        table.write_text(sys.stdin.read())
    else:
        sys.exit("usage: crontab [-l | -]")
    """
)


@pytest.fixture
def crontab(tmp_path, monkeypatch):
    script = tmp_path / "bin" / "crontab.py"
    script.parent.mkdir()
    script.write_text(FAKE_CRONTAB)
    wrapper = tmp_path / "bin" / "crontab"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv(CRONTAB_ENV, str(wrapper))
    return tmp_path / "bin" / "crontab.txt"


def invoke(runner, config_path, *args):
    return runner.invoke(cli, ["--config", str(config_path), *args])


def test_schedule_prints_one_tick_line_and_the_jobs(runner, network):
    result = invoke(runner, network, "schedule")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"# >>> sheetsync {network.resolve()}"
    assert lines[-1] == f"# <<< sheetsync {network.resolve()}"
    [entry] = [line for line in lines if not line.startswith("#")]
    minute, hour, day, month, weekday, command = entry.split(" ", 5)
    assert croniter.is_valid(" ".join((minute, hour, day, month, weekday)))
    assert (minute, hour) == ("*/5", "*")
    assert f"--config {network.resolve()}" in command and command.endswith(" tick")
    assert "--quiet --log-file" in command
    assert any("weekly" in line and "0 7 * * 1" in line for line in lines)
    assert any("intake" in line and "15 * * * *" in line for line in lines)


def test_schedule_install_twice_adds_the_lines_once_and_keeps_the_others(runner, network, crontab):
    crontab.write_text("MAILTO=ana@example.org\n30 2 * * * /usr/local/bin/backup\n")
    first = invoke(runner, network, "schedule", "--install")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Installed in your crontab")
    installed = crontab.read_text()
    second = invoke(runner, network, "schedule", "--install")
    assert second.exit_code == 0
    assert second.stdout == "Your crontab has these lines already; nothing changed.\n"
    assert crontab.read_text() == installed
    lines = installed.splitlines()
    assert lines[:2] == ["MAILTO=ana@example.org", "30 2 * * * /usr/local/bin/backup"]
    assert sum(line.endswith(" tick") for line in lines) == 1
    # A changed block replaces the old one in place.
    third = invoke(runner, network, "schedule", "--install", "--every", "10")
    assert third.exit_code == 0
    lines = crontab.read_text().splitlines()
    ticks = [line for line in lines if line.endswith(" tick")]
    assert len(ticks) == 1 and ticks[0].startswith("*/10 * * * * ")
    assert lines[:2] == ["MAILTO=ana@example.org", "30 2 * * * /usr/local/bin/backup"]


def test_schedule_install_into_an_empty_crontab(runner, network, crontab):
    result = invoke(runner, network, "schedule", "--install")
    assert result.exit_code == 0, result.output
    assert crontab.read_text().splitlines()[0] == f"# >>> sheetsync {network.resolve()}"


def test_no_crontab_program_says_what_to_do(runner, network, monkeypatch, tmp_path):
    monkeypatch.setenv(CRONTAB_ENV, str(tmp_path / "no-such-crontab"))
    result = invoke(runner, network, "schedule", "--install")
    assert result.exit_code == 1
    assert "apt-get install cron" in result.output


# tick -----------------------------------------------------------------------------


def weekly_runs(config_path):
    config = Config.from_file(config_path)
    from sheetsync.backends import open_backend

    log = read_state(open_backend(config), config).tables["run_log"].frame
    return log[log["job"] == "weekly"]["started"].tolist()


def seed_state(config_path, **slots):
    config = Config.from_file(config_path)
    path = state_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    jobs = {name: {"slot": slot, "outcome": "ok", "attempts": 1} for name, slot in slots.items()}
    path.write_text(json.dumps({"jobs": jobs}))


def tick_at(config_path, when, *, dry_run=False):
    """tick as cron runs it, at a chosen time; the jobs run at that time too."""
    from sheetsync.backends import open_backend

    config = Config.from_file(config_path)
    results = tick_network(config, open_backend(config), when, dry_run=dry_run, run_at=when)
    return {r.job: r for r in results}


def test_the_first_tick_runs_nothing_and_the_next_slot_runs_the_job(runner, network):
    first = tick_at(network, dt.datetime(2026, 11, 20, 10, 0))
    assert {j: r.action for j, r in first.items()} == {"intake": "started", "weekly": "started"}
    assert weekly_runs(network) == []
    monday = tick_at(network, MONDAY_0705)
    assert monday["weekly"].action == "ran"
    assert monday["weekly"].slot == dt.datetime(2026, 11, 23, 7, 0)
    assert weekly_runs(network) == ["2026-11-23 07:05"]
    again = tick_at(network, MONDAY_0705 + dt.timedelta(minutes=5))
    assert again["weekly"].action == "not due"
    assert weekly_runs(network) == ["2026-11-23 07:05"]


def test_the_cli_tick_on_the_real_clock_and_its_dry_run(runner, network):
    first = invoke(runner, network, "tick")
    assert first.exit_code == 0, first.output
    assert [line.split()[:2] for line in first.stdout.splitlines()] == [
        ["intake", "started"],
        ["weekly", "started"],
    ]
    quiet = invoke(runner, network, "--quiet", "tick")
    assert quiet.exit_code == 0 and quiet.stdout == ""  # cron mails nothing
    # --now says what would run then, and neither runs nor records it.
    before = state_path(Config.from_file(network)).read_text()
    later = dt.datetime.now() + dt.timedelta(days=8)
    dry = invoke(runner, network, "tick", "--now", f"{later:%Y-%m-%d %H:%M}")
    assert dry.exit_code == 0, dry.output
    assert "weekly     would run" in dry.stdout
    assert state_path(Config.from_file(network)).read_text() == before
    assert weekly_runs(network) == []


def test_a_missed_slot_is_caught_up_once_not_once_per_slot(network):
    seed_state(network, weekly="2026-11-02T07:00:00", intake="2026-11-23T06:15:00")
    got = tick_at(network, dt.datetime(2026, 11, 23, 9, 0))
    # 9, 16 and 23 November were missed: one run, for the latest slot.
    assert (got["weekly"].action, got["weekly"].missed) == ("ran", 2)
    assert got["weekly"].slot == dt.datetime(2026, 11, 23, 7, 0)
    # intake was due too (08:15), but weekly runs its steps: covered, not run twice.
    assert (got["intake"].action, got["intake"].detail) == ("covered", "by weekly")
    assert weekly_runs(network) == ["2026-11-23 09:00"]
    state = json.loads(state_path(Config.from_file(network)).read_text())
    assert state["jobs"]["weekly"]["slot"] == "2026-11-23T07:00:00"
    later = tick_at(network, dt.datetime(2026, 11, 23, 9, 5))
    assert later["weekly"].action == "not due"
    assert weekly_runs(network) == ["2026-11-23 09:00"]


def test_a_job_seen_first_catches_up_from_its_last_run_in_the_run_log(network):
    config = Config.from_file(network)
    from sheetsync.backends import open_backend

    store = open_backend(config)
    run_job(find_job("weekly", config), store, config, now=dt.datetime(2026, 11, 10, 7, 0))
    got = tick_at(network, MONDAY_0705)
    assert got["weekly"].action == "ran"
    assert weekly_runs(network) == ["2026-11-10 07:00", "2026-11-23 07:05"]
    assert last_runs(store, config)["weekly"]["outcome"] == "ok"


def test_tick_with_the_lock_held_runs_nothing_and_the_job_stays_due(runner, network, tmp_path):
    seed_state(network, weekly="2026-11-16T07:00:00", intake="2026-11-23T07:15:00")
    config = Config.from_file(network)
    lock = NetworkLock(config, "run weekly").path
    ready = tmp_path / "ready"
    holder = subprocess.Popen(  # another process, as a run started by hand would be
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'run weekly by hand');"
            "open(sys.argv[2], 'w').close(); time.sleep(60)",
            str(lock),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 30  # a loaded machine starts Python slowly
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the process holding the lock did not start"
        held = tick_at(network, dt.datetime(2026, 11, 23, 7, 20))
        assert held["weekly"].action == "skipped"
        assert "run weekly by hand" in held["weekly"].detail
        assert weekly_runs(network) == []
        cli_tick = invoke(runner, network, "tick")
        assert cli_tick.exit_code == 0 and "weekly     skipped" in cli_tick.stdout
        manual = invoke(runner, network, "run", "weekly")
        assert manual.exit_code == 1 and "Another sheetsync run" in manual.output
    finally:
        holder.kill()
        holder.wait()
    freed = tick_at(network, dt.datetime(2026, 11, 23, 7, 25))
    assert (freed["weekly"].action, freed["weekly"].slot) == ("ran", dt.datetime(2026, 11, 23, 7))
    assert weekly_runs(network) == ["2026-11-23 07:25"]


def test_a_digest_refused_makes_the_run_failed_for_tick_and_the_retry_sends_it(network):
    import dataclasses

    from sheetsync.backends import open_backend

    config = Config.from_file(network)
    seed_state(network, weekly="2026-11-16T07:00:00", intake="2026-11-23T07:15:00")
    outbox = config.email.outbox
    outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox.write_text("a file where the outbox folder should be")
    mailing = dataclasses.replace(
        config, email=dataclasses.replace(config.email, organizers=("org@example.org",))
    )
    store = open_backend(mailing)
    first = tick_network(mailing, store, MONDAY_0705, run_at=MONDAY_0705)
    [weekly] = [r for r in first if r.job == "weekly"]
    assert weekly.action == "failed" and "1 digests were not sent" in weekly.detail
    assert "outbox folder" in weekly.detail
    outbox.unlink()
    retry_at = MONDAY_0705 + RETRY_AFTER
    second = tick_network(mailing, store, retry_at, run_at=retry_at)
    assert [r.action for r in second if r.job == "weekly"] == ["ran"]
    log = read_state(store, mailing).tables["run_log"].frame
    sends = log[log["job"] == "digest"][["outcome", "changes"]].values.tolist()
    assert sends == [["failed", "org@example.org"], ["sent", "org@example.org"]]
    assert len(list(outbox.glob("*.eml"))) == 1


def test_a_failed_run_is_retried_after_half_an_hour_at_most_three_times(network):
    config = Config.from_file(network)
    seed_state(network, weekly="2026-11-16T07:00:00", intake="2026-11-23T07:15:00")
    jobs = [find_job("weekly", config)]
    attempts = []

    def failing(job):
        attempts.append(job.name)
        raise StepError("match crashed")

    def no_runs():
        return {}

    at = MONDAY_0705
    assert [r.action for r in tick(config, jobs, at, failing, no_runs)] == ["failed"]
    soon = at + RETRY_AFTER - dt.timedelta(minutes=5)
    assert [r.action for r in tick(config, jobs, soon, failing, no_runs)] == ["not due"]
    for n in (2, 3):
        at += RETRY_AFTER
        assert [r.action for r in tick(config, jobs, at, failing, no_runs)] == ["failed"]
        assert len(attempts) == n
    at += RETRY_AFTER
    assert [r.action for r in tick(config, jobs, at, failing, no_runs)] == ["not due"]
    assert len(attempts) == 3
    next_week = MONDAY_0705 + dt.timedelta(days=7)
    assert [r.action for r in tick(config, jobs, next_week, lambda j: "ok", no_runs)] == ["ran"]


def test_a_run_while_tick_holds_the_lock_is_refused(network):
    config = Config.from_file(network)
    with (
        NetworkLock(config, "tick"),
        pytest.raises(LockHeldError, match="tick since"),
        NetworkLock(config, "run weekly"),
    ):
        pass
    with NetworkLock(config, "run weekly"):  # released: free again
        pass


def test_log_file_has_a_line_per_step_and_the_run(runner, network, tmp_path):
    from sheetsync.backends import open_backend
    from sheetsync.backends.base import TabChanges
    from sheetsync.schema import load_schemas

    config = Config.from_file(network)
    names = load_schemas()["requests"].names
    open_backend(config).apply(
        [TabChanges(tab="Form Responses 1", start_row=2, append=[[request()[n] for n in names]])]
    )
    log_file = tmp_path / "logs" / "sheetsync.log"
    result = runner.invoke(
        cli, ["--config", str(network), "--quiet", "--log-file", str(log_file), "run", "weekly"]
    )
    assert result.exit_code == 0, result.output
    assert " sheetsync " not in result.stderr  # --quiet: nothing below a warning on stderr
    lines = log_file.read_text().splitlines()
    steps = [line.split(" ", 4)[4].split(" done")[0] for line in lines if " done in " in line]
    assert steps == [
        "intake",
        "dedupe",
        "withdraw",
        "feedback",
        "recur",
        "claims",
        "expire",
        "match",
        "load",
        "followup",
        "confirm",
        "check",
        "summary",
        "digest",
        "board",
    ]
    assert lines[0].endswith("weekly started") and " weekly ok in " in lines[-1]
    assert "new people 1" in next(line for line in lines if "weekly intake" in line)


def test_a_failed_run_is_logged_as_an_error_even_when_quiet(runner, network, tmp_path):
    config = Config.from_file(network)
    os.remove(config.workbook)
    log_file = tmp_path / "sheetsync.log"
    result = runner.invoke(
        cli, ["--config", str(network), "--quiet", "--log-file", str(log_file), "run", "weekly"]
    )
    assert result.exit_code == 1
    assert "weekly failed: " in result.stderr
    assert "weekly failed: " in log_file.read_text()


def test_a_broken_sheetsync_block_in_the_crontab_is_not_guessed_at(runner, network, crontab):
    assert invoke(runner, network, "schedule", "--install").exit_code == 0
    lines = crontab.read_text().splitlines()
    crontab.write_text("\n".join([*lines[:-1], "0 3 * * * /usr/local/bin/mine"]) + "\n")
    result = invoke(runner, network, "schedule", "--install")
    assert result.exit_code == 1
    assert "block for this network is broken" in result.output and "crontab -e" in result.output
    assert crontab.read_text().splitlines()[-1] == "0 3 * * * /usr/local/bin/mine"


def test_a_schedule_cron_cannot_follow_is_refused_when_the_job_is_read(tmp_path):
    from sheetsync.errors import JobError
    from sheetsync.jobs import load_job

    path = tmp_path / "daily.toml"
    path.write_text('schedule = "60 7 * * 1"\nsteps = ["summary"]\n')
    with pytest.raises(JobError, match="not a crontab expression"):
        load_job(path)
