"""The Google backend through the real client stack (gspread, google-auth, requests) against
the local Sheets API emulator and its token endpoint."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sheetsync_testkit.sheets_emulator import SheetsEmulator, write_service_account_key

from sheetsync.backends.google import GoogleBackend, column_letter, quote_tab, spreadsheet_key
from sheetsync.backends.google_http import RetryPolicy
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.cli import cli
from sheetsync.config import DEFAULT_FORM_TABS, SHEETSYNC_TABS, Config
from sheetsync.demo import SIZES, generate_responses
from sheetsync.demo.network import create_demo
from sheetsync.errors import (
    AccessDeniedError,
    ConfigError,
    GoogleUnavailableError,
    MissingTabError,
)
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.schema import load_schemas
from tests.conftest import NOW, ZONES, assert_only_the_failure_was_logged, make_config, request

WRITE_KINDS = {"values.batchUpdate", "spreadsheets.batchUpdate", "values.update", "values.append"}


class Network:
    """A Google spreadsheet on the emulator, shared with a service account, and its config."""

    def __init__(self, emulator: SheetsEmulator, key_file: Path, tmp_path: Path) -> None:
        self.emulator = emulator
        self.key_file = key_file
        self.client_email = json.loads(key_file.read_text())["client_email"]
        self.id = emulator.create_spreadsheet(
            "Eastside mutual aid", editors=[self.client_email], time_zone="America/Chicago"
        )
        self.sleeps: list[float] = []
        self.config = Config.from_dict(
            {
                "network": {
                    "name": "Test network",
                    "zones": list(ZONES),
                    "timezone": "America/Chicago",
                },
                "backend": {
                    "kind": "google",
                    "spreadsheet": self.id,
                    "credentials": str(key_file),
                },
                "google": {"endpoint": emulator.url},
            },
            base_dir=tmp_path,
        )

    def backend(self, **options: Any) -> GoogleBackend:
        options.setdefault("sleep", self.sleeps.append)
        options.setdefault("timeout", 5.0)
        return GoogleBackend(self.id, self.key_file, endpoint=self.emulator.url, **options)

    def writes(self) -> list[str]:
        return [r.kind for r in self.emulator.api_requests() if r.kind in WRITE_KINDS]

    def snapshot(self) -> dict[str, list[list[object]]]:
        backend = self.backend()
        return {tab: self.emulator.values(self.id, tab) for tab in backend.list_tabs()}

    def add_form_rows(self, form: str, rows: list[dict[str, object]]) -> None:
        """Append responses below a form tab's last row, as Google Forms does."""
        names = load_schemas()[form].names
        tab = DEFAULT_FORM_TABS[form]
        start = len(self.emulator.values(self.id, tab)) + 1
        self.emulator.set_values(self.id, tab, f"A{start}", [[r[n] for n in names] for r in rows])


@pytest.fixture
def network(sheets_emulator: SheetsEmulator, service_account_key: Path, tmp_path: Path) -> Network:
    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    sheets_emulator.reset_requests()
    return net


def weekly(backend: Any, config: Config, now: dt.datetime = NOW) -> Any:
    return run_job(find_job("weekly", config), backend, config, now=now)


def frames(backend: Any, config: Config) -> dict[str, list[dict[str, str]]]:
    state = read_state(backend, config)
    return {
        name: table.frame.drop(columns="_row").to_dict("records")
        for name, table in state.tables.items()
        if name != "run_log"
    }


def test_demo_network_gives_the_same_tabs_as_the_local_backend(
    sheets_emulator, service_account_key, tmp_path
):
    local_config = make_config(tmp_path / "network.xlsx")
    assert local_config.workbook is not None
    local = WorkbookBackend(local_config.workbook)
    create_demo(local, local_config, now=NOW)
    weekly(local, local_config)

    net = Network(sheets_emulator, service_account_key, tmp_path)
    google = net.backend()
    create_demo(google, net.config, now=NOW)
    report = weekly(google, net.config)

    assert report.step("intake").counts["responses"] == 120
    assert report.step("intake").counts["invalid"] == 3
    got, want = frames(net.backend(), net.config), frames(local, local_config)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name
    # Form tabs are never written by a run: only sheetsync's own tabs.
    tabs = set(net.snapshot())
    assert {*DEFAULT_FORM_TABS.values(), *SHEETSYNC_TABS.values()} <= tabs


def test_a_weekly_run_on_the_m_network_makes_at_most_four_requests(network):
    responses = generate_responses(SIZES["M"], now=NOW, zones=ZONES)
    for form in ("requests", "offers", "checkins"):
        network.add_form_rows(form, responses[form])
    backend = network.backend()
    network.emulator.reset_requests()
    first = weekly(backend, network.config)
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert first.rows_added > 2000
    assert len(kinds) <= 4, kinds
    # Tabs grew past their 1000 rows: the grow request also carried the pre-write check.
    assert kinds == [
        "spreadsheets.get",
        "values.batchGet",
        "spreadsheets.batchUpdate",
        "values.batchUpdate",
    ]

    network.add_form_rows("requests", [request(name="Nadia Okafor", email="nadia@example.org")])
    network.emulator.reset_requests()
    second = weekly(network.backend(), network.config)
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert second.rows_added == 2  # a person and a need (the Run log row is not counted)
    assert kinds == ["spreadsheets.get", "values.batchGet", "values.batchGet", "values.batchUpdate"]


def test_writes_are_raw_so_form_text_never_becomes_a_formula(network):
    network.add_form_rows("requests", [request(details='=HYPERLINK("http://x")', name="+Ann")])
    weekly(network.backend(), network.config)
    writes = [r for r in network.emulator.api_requests() if r.kind == "values.batchUpdate"]
    assert writes and all(w.body["valueInputOption"] == "RAW" for w in writes)
    # Every value goes by values.batchUpdate: no append or update with another input option.
    assert set(network.writes()) <= {"values.batchUpdate", "spreadsheets.batchUpdate"}
    people = network.emulator.values(network.id, "People")
    names = [row[people[0].index("name")] for row in people[1:]]
    assert names == ["+Ann"]


def test_a_key_file_other_users_can_read_is_a_warning_in_the_run_report(network, caplog):
    from sheetsync.jobs import check_spreadsheet

    network.key_file.chmod(0o644)
    warning = (
        f"The service account key {network.key_file} is open to other users of this machine "
        "(mode 644): whoever reads it can open the spreadsheet as sheetsync. Make it yours "
        f"alone: chmod 600 {network.key_file}"
    )
    # The CLI's logging may have stopped "sheetsync" propagating: listen on the module itself.
    logger = logging.getLogger("sheetsync.backends.google")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level("INFO", logger="sheetsync.backends.google"):
            report = weekly(network.backend(), network.config)
    finally:
        logger.removeHandler(caplog.handler)
    assert [n for n in report.notices if "service account key" in n] == [warning]
    assert warning in caplog.messages  # also in the log, for commands without a report
    checked = check_spreadsheet(network.backend(), network.config, now=NOW)
    assert warning in checked.notices
    network.key_file.chmod(0o600)
    again = weekly(network.backend(), network.config)
    assert not [n for n in again.notices if "service account key" in n]


def test_second_run_writes_only_the_run_log(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    before = network.snapshot()
    network.emulator.reset_requests()
    report = weekly(network.backend(), network.config)
    assert report.rows_added == 0 and report.cells_changed == 0
    after = network.snapshot()
    assert {tab: rows for tab, rows in after.items() if tab != "Run log"} == {
        tab: rows for tab, rows in before.items() if tab != "Run log"
    }
    [write] = [r for r in network.emulator.api_requests() if r.kind == "values.batchUpdate"]
    assert [d["range"].split("!")[0] for d in write.body["data"]] == [quote_tab("Run log")]


def test_dry_run_sends_no_write(network):
    network.add_form_rows("requests", [request()])
    report = run_job(
        find_job("weekly", network.config), network.backend(), network.config, now=NOW, dry_run=True
    )
    assert report.rows_added > 0
    assert network.writes() == []


def test_quota_429_twice_then_success(network):
    network.add_form_rows("requests", [request()])
    network.emulator.fail("values.batchGet", 429, times=2, retry_after=3)
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok"
    statuses = [r.status for r in network.emulator.api_requests() if r.kind == "values.batchGet"]
    assert statuses[:3] == [429, 429, 200]
    assert network.sleeps == [3, 3]  # Retry-After honoured


def test_a_persistent_429_gives_up_after_bounded_attempts(network):
    network.emulator.fail("spreadsheets.get", 429, times=100)
    backend = network.backend(policy=RetryPolicy(attempts=6, total_seconds=120))
    with pytest.raises(GoogleUnavailableError, match=r"after 6 attempts.*HTTP 429.*wait a minute"):
        weekly(backend, network.config)
    assert len(network.emulator.api_requests()) == 6
    assert len(network.sleeps) == 5
    assert all(0 < s <= 32 for s in network.sleeps)
    assert sum(network.sleeps) <= 120


def test_500_on_the_write_fails_clearly_writes_nothing_and_the_next_run_succeeds(network):
    network.add_form_rows("requests", [request()])
    before = network.snapshot()
    network.emulator.fail("values.batchUpdate", 500, times=6)
    with pytest.raises(GoogleUnavailableError, match="HTTP 500"):
        weekly(network.backend(), network.config)
    assert network.snapshot() == before
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok"
    assert len(network.emulator.values(network.id, "People")) == 2


# A client timeout that the emulator's delay() outlasts, yet that no request answered at
# once reaches, even on a loaded machine (0.5 s did: a large batchGet took longer).
SHORT_TIMEOUT, LATE = 2.5, 4.0


def test_a_timeout_is_retried(network):
    network.add_form_rows("requests", [request()])
    network.emulator.delay("values.batchGet", LATE)
    report = weekly(network.backend(timeout=SHORT_TIMEOUT), network.config)
    assert report.outcome == "ok"
    assert len(network.sleeps) == 1


def test_token_endpoint_down_gives_a_clear_message(network, tmp_path):
    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    key = json.loads(network.key_file.read_text())
    key["token_uri"] = f"http://127.0.0.1:{closed}/token"
    broken = tmp_path / "broken-key.json"
    broken.write_text(json.dumps(key))
    backend = GoogleBackend(network.id, broken, endpoint=network.emulator.url, timeout=2.0)
    with pytest.raises(AccessDeniedError, match=f"access token.*127.0.0.1:{closed}.*network"):
        backend.list_tabs()
    assert network.emulator.api_requests() == []


def test_a_sheet_not_shared_names_the_client_email(sheets_emulator, service_account_key, tmp_path):
    net = Network(sheets_emulator, service_account_key, tmp_path)
    private = sheets_emulator.create_spreadsheet("Someone else's sheet")
    backend = GoogleBackend(private, service_account_key, endpoint=sheets_emulator.url)
    with pytest.raises(AccessDeniedError) as caught:
        backend.list_tabs()
    assert net.client_email in str(caught.value)
    assert "as Editor" in str(caught.value)


def test_a_tab_renamed_by_an_organizer_stops_the_run_before_writing(network):
    network.add_form_rows("requests", [request()])
    network.emulator.rename_sheet(network.id, "People", "Members")
    before = network.snapshot()
    with pytest.raises(MissingTabError, match=r"(?s)'People'.*\[tabs\]"):
        weekly(network.backend(), network.config)
    # Only the Run log row telling of the failure, for the next organizers' digest.
    assert_only_the_failure_was_logged(before, network.snapshot(), "weekly", "'People'")
    assert network.writes() == ["values.batchUpdate"]


def test_a_tab_renamed_between_read_and_write_writes_nothing(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    network.add_form_rows("requests", [request(name="Ann Bell", email="ann@example.org")])
    before = network.snapshot()

    def rename_on_the_check(emulator: SheetsEmulator) -> None:
        # The first batchGet is the run's read; rename just before the second (the check).
        emulator.before(
            "values.batchGet", lambda e: e.rename_sheet(network.id, "Needs", "Old needs")
        )

    network.emulator.before("values.batchGet", rename_on_the_check)
    with pytest.raises(MissingTabError, match="renamed or deleted while it was working"):
        weekly(network.backend(), network.config)
    after = network.snapshot()
    after["Needs"] = after.pop("Old needs")
    assert_only_the_failure_was_logged(before, after, "weekly", "renamed or deleted")


def test_an_organizer_edit_between_read_and_write_survives(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    people = network.emulator.values(network.id, "People")
    notes = people[0].index("notes")
    network.add_form_rows("requests", [request(categories="Meals")])  # same person: updates P1

    def organizer_writes_a_note(emulator: SheetsEmulator) -> None:
        cell = f"{column_letter(notes + 1)}2"
        emulator.set_values(network.id, "People", cell, [["called Tuesday"]])

    network.emulator.before("values.batchUpdate", organizer_writes_a_note)
    report = weekly(network.backend(), network.config)
    assert report.cells_changed > 0
    people = network.emulator.values(network.id, "People")
    assert people[1][notes] == "called Tuesday"


def test_rows_inserted_between_read_and_write_make_the_run_read_again(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    network.add_form_rows("requests", [request(categories="Meals")])

    def organizer_adds_a_row(emulator: SheetsEmulator) -> None:
        rows = emulator.values(network.id, "Needs")
        emulator.set_values(network.id, "Needs", f"A{len(rows) + 1}", [["", "hand-added need"]])

    network.emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_adds_a_row)
    )
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    needs = network.emulator.values(network.id, "Needs")
    assert ["", "hand-added need"] in [row[:2] for row in needs]  # kept, not overwritten
    category = needs[0].index("category")
    assert [row[category] for row in needs[1:] if len(row) > category].count("Meals") == 1


def test_big_writes_are_split_with_the_run_log_in_the_last_part(network, monkeypatch):
    import sheetsync.backends.google as google

    monkeypatch.setattr(google, "MAX_PAYLOAD", 4_000)
    network.add_form_rows(
        "requests",
        [request(name=f"Person {i}", email=f"p{i}@example.org", phone="") for i in range(40)],
    )
    weekly(network.backend(), network.config)
    writes = [r for r in network.emulator.api_requests() if r.kind == "values.batchUpdate"]
    assert len(writes) > 2
    assert all(w.body_bytes < 8_000 for w in writes)
    last_ranges = [d["range"] for d in writes[-1].body["data"]]
    assert last_ranges[-1].startswith(quote_tab("Run log"))
    assert all(
        not r.startswith(quote_tab("Run log"))
        for w in writes[:-1]
        for r in [d["range"] for d in w.body["data"]]
    )
    assert len(network.emulator.values(network.id, "People")) == 41


def test_form_timestamps_are_read_as_serial_numbers(network):
    network.add_form_rows("requests", [request(timestamp=dt.datetime(2026, 11, 20, 10, 0, 5))])
    weekly(network.backend(), network.config)
    [need] = read_state(network.backend(), network.config).tables["needs"].frame.to_dict("records")
    assert need["opened"] == "2026-11-20 10:00:05"


def test_init_through_the_cli_finds_the_form_tabs_by_their_questions(
    sheets_emulator, service_account_key, tmp_path, monkeypatch
):
    schemas = load_schemas()
    client_email = json.loads(service_account_key.read_text())["client_email"]
    key = sheets_emulator.create_spreadsheet(
        "Westside network",
        sheets={
            "Form responses 1": [schemas["offers"].titles],
            "Respuestas de formulario 2": [schemas["requests"].titles],
            "Form responses 3": [],
        },
        editors=[client_email],
        time_zone="Europe/London",
        locale="en_GB",
    )
    monkeypatch.setenv("SHEETSYNC_GOOGLE_ENDPOINT", sheets_emulator.url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    url = f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"
    result = runner.invoke(
        cli,
        [
            "init",
            "--backend",
            "google",
            "--spreadsheet",
            url,
            "--credentials",
            str(service_account_key),
        ],
    )
    assert result.exit_code == 0, result.output
    assert client_email in result.output
    config = Config.from_file(tmp_path / "sheetsync.toml")
    assert config.spreadsheet == key
    assert config.timezone == "Europe/London" and config.locale == "en_GB"
    assert config.form_tab("offers") == "Form responses 1"
    assert config.form_tab("requests") == "Respuestas de formulario 2"
    tabs = GoogleBackend(key, service_account_key, endpoint=sheets_emulator.url).list_tabs()
    assert set(SHEETSYNC_TABS.values()) <= set(tabs)

    again = runner.invoke(cli, ["init"])
    assert again.exit_code == 0, again.output
    assert "has every tab and column" in again.output
    check = runner.invoke(cli, ["check"])
    assert check.exit_code == 0, check.output


def test_init_on_a_sheet_not_shared_says_whom_to_share_it_with(
    sheets_emulator, service_account_key, tmp_path, monkeypatch
):
    key = sheets_emulator.create_spreadsheet("Private")
    monkeypatch.setenv("SHEETSYNC_GOOGLE_ENDPOINT", sheets_emulator.url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init", "--backend", "google", "--spreadsheet", key])
    assert result.exit_code == 1
    client_email = json.loads(service_account_key.read_text())["client_email"]
    assert client_email in result.output and "Editor" in result.output
    assert not (tmp_path / "sheetsync.toml").exists()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
        ),
        (
            "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit#gid=0",
            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
        ),
    ],
)
def test_spreadsheet_key_from_key_or_address(text, key):
    assert spreadsheet_key(text) == key


def test_a_bad_spreadsheet_key_is_explained():
    with pytest.raises(ConfigError, match=r"docs\.google\.com/spreadsheets/d/KEY"):
        spreadsheet_key("my sheet")


def test_a_missing_key_file_is_explained(tmp_path):
    backend = GoogleBackend("1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms", tmp_path / "nope.json")
    with pytest.raises(ConfigError, match=r"does not exist.*Service accounts"):
        backend.list_tabs()


def test_retry_policy_delays_grow_and_stay_bounded():
    import random

    policy = RetryPolicy()
    rng = random.Random(1)
    delays = [policy.delay(n, None, rng) for n in range(1, 8)]
    assert all(0.5 <= d <= 32 for d in delays)
    assert delays[0] <= 1 and delays[-1] >= 16
    assert policy.delay(1, 7.0, rng) == 7.0


def test_the_written_key_file_is_a_real_service_account_key(tmp_path, sheets_emulator):
    info = write_service_account_key(tmp_path / "k.json", sheets_emulator)
    assert info["type"] == "service_account"
    assert info["token_uri"] == sheets_emulator.token_uri


def test_check_notes_a_time_zone_that_differs_from_the_spreadsheets(
    sheets_emulator, service_account_key, tmp_path
):
    from sheetsync.jobs import check_spreadsheet

    net = Network(sheets_emulator, service_account_key, tmp_path)  # the sheet is in Chicago
    init_spreadsheet(net.backend(), net.config)
    same = check_spreadsheet(net.backend(), net.config, now=NOW)
    assert not [n for n in same.notices if "time zone" in n]
    other = Config.from_dict(
        {
            "network": {"zones": list(ZONES), "timezone": "Europe/Madrid"},
            "backend": {"kind": "google", "spreadsheet": net.id, "credentials": str(net.key_file)},
            "google": {"endpoint": sheets_emulator.url},
        }
    )
    differs = check_spreadsheet(net.backend(), other, now=NOW)
    [notice] = [n for n in differs.notices if "time zone" in n]
    assert "America/Chicago" in notice and 'timezone = "America/Chicago"' in notice


def test_payload_parts_stay_under_the_limit_and_keep_every_row_in_order():
    import json as json_module

    from sheetsync.backends.base import CellUpdate, TabChanges
    from sheetsync.backends.google import _payloads

    people = TabChanges(
        "People", start_row=5, append=[[f"P{i:04d}", "x" * 50, i] for i in range(300)]
    )
    log = TabChanges("Run log", start_row=3, append=[["R1", "weekly"]], update=[])
    needs = TabChanges(
        "Needs", start_row=10, update=[CellUpdate(2, 3, "met"), CellUpdate(2, 4, None)]
    )
    parts = _payloads([people, needs, log], 5_000)
    assert len(parts) > 3
    assert all(len(json_module.dumps(p)) <= 5_000 for p in parts)
    rows = [
        row
        for part in parts
        for d in part
        if d["range"].startswith("'People'")
        for row in d["values"]
    ]
    assert rows == [[f"P{i:04d}", "x" * 50, i] for i in range(300)]
    starts = [
        int(d["range"].split("!A")[1].split(":")[0])
        for part in parts
        for d in part
        if d["range"].startswith("'People'")
    ]
    assert starts[0] == 5 and starts == sorted(starts)
    assert {"range": "'Needs'!C2:D2", "values": [["met", ""]]} in parts[-1]
    assert parts[-1][-1]["range"] == "'Run log'!A3:B3"


def many_requests(n: int) -> list[dict[str, object]]:
    return [
        request(
            name=f"Neighbour {i}", email=f"n{i}@example.org", phone="", categories="Meals, Rides"
        )
        for i in range(n)
    ]


def test_a_row_typed_just_before_a_growing_write_is_kept(network):
    network.add_form_rows("requests", many_requests(600))  # 1200 needs: Needs must grow

    def organizer_types_a_row(emulator: SheetsEmulator) -> None:
        emulator.set_values(network.id, "People", "A2", [["", "typed by hand"]])

    network.emulator.before("spreadsheets.batchUpdate", organizer_types_a_row)
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    people = network.emulator.values(network.id, "People")
    assert people[1][1] == "typed by hand"  # kept where it was typed (and given an id)
    assert len(people) == 602  # the header, the typed row and 600 neighbours below it
    assert len(network.emulator.values(network.id, "Needs")) == 1201


def test_rows_sorted_between_read_and_write_are_caught_by_the_id_check(network):
    network.add_form_rows(
        "requests", [request(), request(name="Ann Bell", email="ann@example.org")]
    )
    weekly(network.backend(), network.config)
    network.add_form_rows("requests", [request(categories="Meals", zone="Westside")])  # Maria moved

    def organizer_sorts_people(emulator: SheetsEmulator) -> None:
        rows = emulator.values(network.id, "People")
        emulator.set_values(network.id, "People", "A2", [rows[2], rows[1]])

    network.emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_sorts_people)
    )
    report = weekly(network.backend(), network.config)
    assert report.attempts == 2
    people = network.emulator.values(network.id, "People")
    header = people[0]
    by_name = {row[header.index("name")]: row for row in people[1:]}
    assert by_name["Maria Garcia"][header.index("zone")] == "Westside"
    assert by_name["Ann Bell"][header.index("zone")] == "Eastside"


def test_a_split_write_failing_part_way_is_reported_and_the_next_run_completes_it(
    network, monkeypatch
):
    import sheetsync.backends.google as google
    from sheetsync.errors import PartlyWrittenError

    monkeypatch.setattr(google, "MAX_PAYLOAD", 4_000)
    network.add_form_rows("requests", many_requests(30))
    kind = "values.batchUpdate"
    network.emulator.before(kind, lambda e: e.before(kind, lambda e2: e2.fail(kind, 500, times=6)))
    with pytest.raises(PartlyWrittenError, match=r"parts 1 to 1 of \d+ were written"):
        weekly(network.backend(), network.config)
    assert len(network.emulator.values(network.id, "Run log")) == 1  # no row for that run
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok"
    people = network.emulator.values(network.id, "People")
    names = [row[people[0].index("name")] for row in people[1:]]
    assert sorted(names) == sorted(f"Neighbour {i}" for i in range(30))
    needs = network.emulator.values(network.id, "Needs")
    assert len(needs) == 61


def test_a_grow_that_timed_out_is_not_sent_twice(network):
    network.add_form_rows("requests", many_requests(600))
    network.emulator.delay("spreadsheets.batchUpdate", LATE)  # applied, answered too late
    report = weekly(network.backend(timeout=SHORT_TIMEOUT), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    grows = [r for r in network.emulator.api_requests() if r.kind == "spreadsheets.batchUpdate"]
    assert len(grows) == 1
    rows, _ = network.emulator.grid(network.id, "Needs")
    assert rows == 1201 + google_headroom()


def google_headroom() -> int:
    from sheetsync.backends.google import ROW_HEADROOM

    return ROW_HEADROOM
