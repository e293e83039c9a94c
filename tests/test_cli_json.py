"""`--json` on every command: one envelope (ok, command, json_version, error), the command's
keys beside it, a JSON error object on failure with the exit code unchanged. Every real
output here is validated against docs/json/sheetsync.schema.json, which allows no key it
does not list; and none of them holds a name, email or phone the text output would not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.cli_json import JsonCommand
from tests.conftest import FORM_OF, offer, request

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json" / "sheetsync.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
MARIA = ("Maria", "Garcia", "maria@example.org", "555-0143", "+12015550143", "Weekly shop")
# Commands that print nothing to report (none today); a new command gets --json or is named
# here with the reason.
WITHOUT_JSON: dict[str, str] = {}


@pytest.fixture
def network(tmp_path, schemas):
    """A config and a workbook with Maria's request (P0002 after a run), Sam's offer and a
    request without a name (a row with a problem)."""
    config = tmp_path / "sheetsync.toml"
    assert invoke(config, "init", "--workbook", str(tmp_path / "network.xlsx")).exit_code == 0
    store = WorkbookBackend(tmp_path / "network.xlsx")
    for form, answers in (
        ("requests", request()),
        ("offers", offer(availability="Weekday mornings")),
        ("requests", request(name="", email="x@example.org", phone="(201) 555-0199")),
    ):
        row = [answers[name] for name in schemas[form].names]
        store.apply([TabChanges(tab=FORM_OF[form], start_row=2, append=[row])])
    return config, store


def invoke(config, *args, input=None):
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)


def printed(result, command: str, *, ok: bool = True) -> dict:
    """The one JSON object on stdout, valid against the schema, of this command."""
    data = json.loads(result.stdout)
    VALIDATOR.validate(data)
    assert (data["ok"], data["command"], data["json_version"]) == (ok, command, 1)
    assert not [w for w in MARIA if w in result.stdout], "personal data in --json"
    return data


def test_every_command_that_reports_has_json_and_the_json_command_class():
    for name, command in cli.commands.items():
        if name in WITHOUT_JSON:
            continue
        options = {o for p in command.params for o in p.opts}
        assert "--json" in options, f"sheetsync {name} has no --json ({WITHOUT_JSON=})"
        assert isinstance(command, JsonCommand), f"sheetsync {name}: use cls=JsonCommand"
        assert name in SCHEMA["$defs"], f"sheetsync {name}: not in sheetsync.schema.json"


def test_the_schema_rejects_a_key_it_does_not_list_and_an_error_without_ok_false():
    good = {"ok": True, "command": "schedule", "json_version": 1, "lines": []}
    good |= {"install": False, "changed": False}
    VALIDATOR.validate(good)
    assert not VALIDATOR.is_valid(good | {"email": "maria@example.org"})
    assert not VALIDATOR.is_valid({k: v for k, v in good.items() if k != "lines"})
    error = {"type": "ConfigError", "message": "…", "exit_code": 1}
    assert not VALIDATOR.is_valid(good | {"error": error})
    assert VALIDATOR.is_valid({"ok": False, "command": "run", "json_version": 1, "error": error})


def test_init_json_says_what_it_wrote_and_created(tmp_path):
    config = tmp_path / "sheetsync.toml"
    args = ("init", "--workbook", str(tmp_path / "network.xlsx"), "--json")
    result = invoke(config, *args)
    assert result.exit_code == 0, result.output
    data = printed(result, "init")
    assert (data["config"], data["config_written"], data["demo"]) == (str(config), True, None)
    assert data["created_tabs"][:3] == ["Form Responses 1", "Form Responses 2", "Form Responses 3"]
    assert data["messages"][0].startswith(f"Wrote {config}")
    again = printed(invoke(config, *args), "init")
    assert (again["config_written"], again["created_tabs"], again["added_columns"]) == (
        False,
        [],
        {},
    )


def test_check_json_lists_each_problem_by_tab_row_and_field(network):
    config, _ = network
    result = invoke(config, "check", "--json")
    assert result.exit_code == 0, result.output
    data = printed(result, "check")
    assert (data["counts"]["responses"], data["counts"]["invalid"]) == (3, 1)
    assert [(i["tab"], i["row"], i["field"], i["code"]) for i in data["issues"]] == [
        ("Form Responses 1", 3, "name", "required")
    ]


def test_run_json_is_the_run_report_in_the_envelope(network):
    config, _ = network
    result = invoke(config, "run", "weekly", "--json")
    assert result.exit_code == 0, result.output
    data = printed(result, "run")
    assert (data["job"], data["outcome"], data["dry_run"]) == ("weekly", "ok", False)
    people = next(t for t in data["tabs"] if t["tab"] == "People")
    assert people["added"] == ["P0001", "P0002"]
    dry = printed(invoke(config, "run", "weekly", "--dry-run", "--json"), "run")
    assert dry["dry_run"] is True


def test_a_failed_run_prints_the_error_object_and_exits_1(network):
    config, _ = network
    config.write_text(config.read_text().replace("[tabs]\n", '[tabs]\ntasks = "Tasks renamed"\n'))
    result = invoke(config, "run", "weekly", "--json")
    assert result.exit_code == 1
    data = printed(result, "run", ok=False)
    assert data["error"]["type"] == "MissingTabError"
    assert data["error"]["exit_code"] == 1
    assert "'Tasks renamed' is not in" in data["error"]["message"]
    assert set(data) == {"ok", "command", "json_version", "error"}
    assert "\nError: sheetsync's tab 'Tasks renamed'" in result.stderr  # for cron's mail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--bogus", "--json"), "No such option '--bogus'."),
        (("tick", "--now", "Tuesday", "--json"), "Invalid value: 'Tuesday'"),
        (("dedupe", "in.csv", "--out", "out.csv", "--column", "x", "--json"), "'x': write"),
    ],
)
def test_a_usage_error_is_a_json_error_with_exit_code_2(network, args, message):
    config, _ = network
    result = invoke(config, *args)
    assert result.exit_code == 2
    data = printed(result, args[0], ok=False)
    assert data["error"]["type"] == "UsageError" and data["error"]["exit_code"] == 2
    assert message in data["error"]["message"]


def test_a_missing_config_is_a_json_error(tmp_path):
    result = invoke(tmp_path / "none.toml", "jobs", "--json")
    assert result.exit_code == 0  # jobs lists the shipped jobs without a config
    assert [j["name"] for j in printed(result, "jobs")["jobs"]] == ["intake", "weekly"]
    result = invoke(tmp_path / "none.toml", "check", "--json")
    assert result.exit_code == 1
    assert printed(result, "check", ok=False)["error"]["type"] == "ConfigError"


def test_forget_json_and_a_no_to_its_question(network):
    config, _ = network
    assert invoke(config, "run", "weekly").exit_code == 0
    result = invoke(config, "forget", "P0002", "--json", input="n\n")
    assert result.exit_code == 1
    error = printed(result, "forget", ok=False)["error"]
    assert (error["type"], error["exit_code"]) == ("Aborted", 1)
    dry = printed(invoke(config, "forget", "P0002", "--dry-run", "--json"), "forget")
    assert (dry["person_id"], dry["dry_run"], dry["cells_by_tab"]["People"]) == ("P0002", True, 14)


def test_dedupe_json_names_headers_and_figures_not_values(tmp_path):
    source = tmp_path / "contacts.csv"
    source.write_text(
        "Name,Phone,Email\nMaria Garcia,(201) 555-0143,maria@example.org\n"
        "Maria Garcia,201 555 0143,maria@example.org\n",
        encoding="utf-8",
    )
    out = tmp_path / "checked.csv"
    result = invoke(tmp_path / "none.toml", "dedupe", str(source), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = printed(result, "dedupe")
    assert data["columns"] == {"name": "Name", "phone": "Phone", "email": "Email"}
    assert (data["counts"]["rows"], data["counts"]["people"], data["out"]) == (2, 1, str(out))


def test_digest_jobs_schedule_and_tick_json(network, tmp_path):
    config, _ = network
    assert invoke(config, "run", "weekly").exit_code == 0
    preview = printed(
        invoke(config, "digest", "--preview", "--out", str(tmp_path / "p"), "--json"), "digest"
    )
    assert preview["mode"] == "preview" and Path(preview["preview"]).is_file()
    sent = printed(invoke(config, "digest", "--json"), "digest")
    assert (sent["mode"], sent["deliveries"]) == ("send", [])
    jobs = printed(invoke(config, "jobs", "--json"), "jobs")["jobs"]
    weekly = next(j for j in jobs if j["name"] == "weekly")
    assert weekly["last_run"]["outcome"] == "ok" and weekly["steps"][0] == "intake"
    schedule = printed(invoke(config, "schedule", "--json"), "schedule")
    assert (schedule["install"], schedule["changed"]) == (False, False)
    assert any(re.search(r"sheetsync .*tick", line) for line in schedule["lines"])
    tick = printed(invoke(config, "tick", "--now", "2026-11-23 07:05", "--json"), "tick")
    assert tick["dry_run"] is True
    assert {r["job"] for r in tick["results"]} == {"intake", "weekly"}


def test_json_version_and_envelope_keys_are_documented():
    text = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    for key in ("ok", "command", "json_version", "error", "type", "message", "exit_code"):
        assert f"`{key}`" in text
    for name, definition in SCHEMA["$defs"].items():
        if name == "error":
            continue
        section = re.search(rf"(?ms)^## `sheetsync {name}`\n(.*?)(?=^## |\Z)", text)
        assert section, f"docs/json.md has no section ## `sheetsync {name}`"
        for key in definition["properties"]:
            assert f"`{key}`" in section.group(1), f"docs/json.md: {name}'s key {key!r}"
