"""The CLI: exact messages and exit codes (0 done, 1 failed, 2 usage). Every command's
--help is checked in test_docs.py."""

from __future__ import annotations

import datetime as dt
import json
import re

import click
import pytest
from click.testing import CliRunner

from sheetsync import __version__
from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.cli_render import render_report
from sheetsync.report import CellChange, RunReport, TabReport
from tests.conftest import FORM_OF, request


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def network(tmp_path, runner, schemas):
    """A config and an initialised workbook with two responses, one of them bad."""
    config = tmp_path / "sheetsync.toml"
    result = runner.invoke(
        cli, ["--config", str(config), "init", "--workbook", str(tmp_path / "network.xlsx")]
    )
    assert result.exit_code == 0, result.output
    store = WorkbookBackend(tmp_path / "network.xlsx")
    names = schemas["requests"].names
    rows = [request(zone="Eastside"), request(name="", email="x@example.org")]
    store.apply(
        [
            TabChanges(
                tab=FORM_OF["requests"], start_row=2, append=[[r[n] for n in names] for r in rows]
            )
        ]
    )
    return config, store


def invoke(runner, config, *args):
    return runner.invoke(cli, ["--config", str(config), *args])


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.output == f"sheetsync, version {__version__}\n"


def test_init_writes_config_and_tabs_then_changes_nothing(tmp_path, runner):
    config = tmp_path / "sheetsync.toml"
    args = [
        "--config",
        str(config),
        "init",
        "--backend",
        "local",
        "--workbook",
        str(tmp_path / "network.xlsx"),
    ]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0
    assert f"Wrote {config}" in first.output
    assert "Created tab 'People'." in first.output
    assert 'workbook = "network.xlsx"' in config.read_text()
    before = (tmp_path / "network.xlsx").read_bytes()
    second = runner.invoke(cli, args)
    assert second.exit_code == 0
    assert second.output.splitlines() == [
        f"Kept {config}: it exists already. --workbook not used: to change them, edit "
        f"[backend] in {config} or remove it and run init again.",
        f"workbook {tmp_path / 'network.xlsx'} has every tab and column sheetsync needs.",
    ]
    assert (tmp_path / "network.xlsx").read_bytes() == before
    plain = runner.invoke(cli, ["--config", str(config), "init"])
    assert plain.output.splitlines()[0] == f"Kept {config}: it exists already."


def test_a_shortened_answer_is_listed_apart_from_the_responses_to_fix(network, runner, schemas):
    config, store = network
    names = schemas["requests"].names
    long = request(name="Ann Bell", email="ann@example.org", details="x" * 30_000)
    store.apply([TabChanges(FORM_OF["requests"], start_row=4, append=[[long[n] for n in names]])])
    check = invoke(runner, config, "check")
    assert "3 form responses, 2 usable, 1 with problems." in check.output
    assert "1 usable responses had an answer cleaned on the way in" in check.output
    result = invoke(runner, config, "run", "intake")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    fix = lines.index("1 form responses to fix; they are on the Errors tab:")
    assert lines[fix + 1] == "  Form Responses 1:3  'Your name' is empty; it is required."
    look = lines.index(
        "Worth a look (1), the run went on; each is on the Errors tab (a rule an edit broke, "
        "or a form answer cleaned on the way in):"
    )
    assert lines[look + 1] == (
        "  Form Responses 1:4  'Tell us more' was shortened from 30,000 to 5,000 characters; "
        "the full answer is in Form Responses 1, row 4."
    )


def test_init_without_workbook_is_a_usage_error(tmp_path, runner):
    result = runner.invoke(cli, ["--config", str(tmp_path / "s.toml"), "init"])
    assert result.exit_code == 2
    assert "--workbook PATH is needed" in result.output


def test_check_lists_row_problems_and_exits_0(network, runner):
    config, _ = network
    result = invoke(runner, config, "check")
    assert result.exit_code == 0, result.output
    assert "2 form responses, 1 usable, 1 with problems." in result.output
    assert "Form Responses 1:3  'Your name' is empty; it is required." in result.output


def test_check_exits_1_when_a_column_is_missing(network, runner):
    config, store = network
    store.apply(
        [TabChanges(tab="Form Responses 1", start_row=4, update=[CellUpdate(1, 5, "Area")])]
    )
    result = invoke(runner, config, "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Column 'Neighbourhood' not found in tab 'Form Responses 1'."
    )


def test_missing_config_exits_1_with_a_way_forward(tmp_path, runner):
    result = runner.invoke(cli, ["--config", str(tmp_path / "nope.toml"), "check"])
    assert result.exit_code == 1
    assert "Create one with `sheetsync init`" in result.output


def test_config_from_environment(network, runner):
    config, _ = network
    result = runner.invoke(cli, ["check"], env={"SHEETSYNC_CONFIG": str(config)})
    assert result.exit_code == 0, result.output


def test_run_json_is_the_run_report(network, runner):
    config, _ = network
    result = invoke(runner, config, "run", "weekly", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["job"] == "weekly" and report["outcome"] == "ok"
    assert [s["name"] for s in report["steps"]] == [
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
    assert report["steps"][0]["counts"]["invalid"] == 1
    assert [(i["row"], i["field"], i["code"]) for i in report["issues"]] == [
        (3, "name", "required")
    ]
    tabs = {t["tab"]: t["rows_added"] for t in report["tabs"]}
    assert tabs["People"] == 1 and tabs["Needs"] == 1 and tabs["Errors"] == 1


def test_run_dry_run_prints_changes_and_writes_nothing(network, runner):
    config, store = network
    before = store.path.read_bytes()
    result = invoke(runner, config, "run", "weekly", "--dry-run")
    assert result.exit_code == 0, result.output
    assert store.path.read_bytes() == before
    assert "dry run, nothing written" in result.output
    assert "People: would add 1 rows, would change 0 cells" in result.output
    assert "\n  + P0001\n" in result.output  # by id: the values are in the sheet, not here
    assert "Maria" not in result.output and "5550143" not in result.output


def test_run_then_jobs_shows_the_last_run(network, runner):
    config, _ = network
    assert invoke(runner, config, "run", "weekly").exit_code == 0
    second = invoke(runner, config, "run", "weekly")
    assert "No changes: the spreadsheet was already up to date." in second.output
    result = invoke(runner, config, "jobs")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "never run" in lines["intake"]
    assert "(ok)" in lines["weekly"] and "0 7 * * 1" in lines["weekly"]


def test_unknown_job_lists_the_jobs(network, runner):
    config, _ = network
    result = invoke(runner, config, "run", "daily")
    assert result.exit_code == 1
    assert "No job 'daily'" in result.output and "Jobs: intake, weekly." in result.output


def test_unknown_option_is_a_usage_error(network, runner):
    config, _ = network
    result = invoke(runner, config, "run", "weekly", "--fast")
    assert result.exit_code == 2


def test_run_without_a_terminal_logs_one_line_per_step(network, runner):
    config, _ = network
    result = invoke(runner, config, "run", "weekly")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if " sheetsync " in line]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d sheetsync ", line) for line in lines)
    steps = [re.sub(r" [\d.]+ s(:.*)?$", " N s", line.split(" ", 3)[3]) for line in lines]
    assert steps == [
        "weekly started",
        "weekly intake done in N s",
        "weekly dedupe done in N s",
        "weekly withdraw done in N s",
        "weekly feedback done in N s",
        "weekly recur done in N s",
        "weekly claims done in N s",
        "weekly expire done in N s",
        "weekly match done in N s",
        "weekly load done in N s",
        "weekly followup done in N s",
        "weekly confirm done in N s",
        "weekly check done in N s",
        "weekly summary done in N s",
        "weekly digest done in N s",
        "weekly board done in N s",
        "weekly ok in N s",
    ]
    assert "Job weekly on workbook" in result.stdout


@pytest.mark.parametrize(
    ("added", "changed", "more"),
    [(0, 7, 2), (7, 0, 2), (3, 3, 0), (6, 9, 5), (5, 5, 0)],
)
def test_a_dry_run_says_how_many_changes_it_does_not_show(added, changed, more):
    """Five rows and five cells a tab are shown; the rest are counted, whichever is long."""
    tab = TabReport(
        "Needs",
        rows_added=added,
        cells_changed=changed,
        added=[[f"N{i:04d}"] for i in range(added)],
        added_ids=[f"N{i:04d}" for i in range(added)],
        changed=[CellChange(i + 2, "status", "open", "matched") for i in range(changed)],
    )
    report = RunReport("weekly", dt.datetime(2026, 11, 23, 7), dry_run=True, tabs=[tab])

    def show() -> None:
        render_report(report, "workbook net.xlsx", verbose=False)

    result = CliRunner().invoke(click.command()(show))
    shown = [line for line in result.output.splitlines() if line.startswith(("  +", "  ~"))]
    assert len(shown) == min(added, 5) + min(changed, 5)
    hint = [line for line in result.output.splitlines() if line.startswith("  …")]
    assert hint == ([f"  … and {more} more (--verbose shows every change)"] if more else [])
