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

from sheetsync.backends.base import CellUpdate, Guard, TabChanges
from sheetsync.backends.google import (
    GoogleBackend,
    _batches,
    column_letter,
    spreadsheet_key,
)
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
    PartlyWrittenError,
    UnconfirmedWriteError,
)
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import Audience
from sheetsync.schema import load_schemas
from tests.conftest import NOW, ZONES, assert_only_the_failure_was_logged, make_config, request

WRITE_KINDS = {"values.batchUpdate", "spreadsheets.batchUpdate", "values.update", "values.append"}
WRITE = "spreadsheets.batchUpdate"


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
                # Each network its own: failed runs kept for the Run log live there.
                "schedule": {"state_dir": str(tmp_path / f".sheetsync-{self.id}")},
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
    # Only appends, but checked all the same (a key typed meanwhile, columns moved);
    # appendCells inserts the rows it needs, so no grow either.
    one_round = ["spreadsheets.get", "values.batchGet", "values.batchGet", WRITE]
    assert kinds[:4] == one_round
    # The requests of the last two days are confirmed by email (docs/confirmations.md): the
    # run's send log (all its emails as one) is one read, check and write after the run.
    confirmed = [d for d in first.deliveries if d.audience == Audience.CONFIRMATION]
    assert confirmed and kinds[4:] == one_round

    network.add_form_rows("requests", [request(name="Nadia Okafor", email="nadia@example.org")])
    network.emulator.reset_requests()
    second = weekly(network.backend(), network.config)
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert second.rows_added == 2  # a person and a need (the Run log row is not counted)
    # Summary figures change: the check reads the touched tabs' headers and ids first.
    assert kinds == ["spreadsheets.get", "values.batchGet", "values.batchGet", WRITE]


def test_writes_are_raw_so_form_text_never_becomes_a_formula(network):
    network.add_form_rows("requests", [request(details='=HYPERLINK("http://x")', name="+Ann")])
    weekly(network.backend(), network.config)
    # Every value goes by spreadsheets.batchUpdate as a typed userEnteredValue; text is a
    # stringValue, which Sheets never parses: no formulaValue anywhere.
    assert network.writes() == [WRITE]
    [write] = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    kinds = {
        kind
        for request in write.body["requests"]
        for body in request.values()
        for row in body.get("rows", [])
        for cell in row["values"]
        for kind in cell.get("userEnteredValue", {})
    }
    assert "stringValue" in kinds and "formulaValue" not in kinds
    people = network.emulator.values(network.id, "People")
    names = [row[people[0].index("name")] for row in people[1:]]
    assert names == ["+Ann"]
    needs = network.emulator.values(network.id, "Needs")
    assert needs[1][needs[0].index("details")] == '=HYPERLINK("http://x")'  # text, not a link


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


def test_second_run_writes_only_the_run_log_and_its_fingerprint(network):
    """Nothing new: no data changes. Having changed nothing, the run settles: its job's row
    on the Fingerprints tab goes in the same write as its Run log row."""
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    before = network.snapshot()
    network.emulator.reset_requests()
    report = weekly(network.backend(), network.config)
    assert report.tabs == [] and report.settled_until is not None
    after = network.snapshot()
    logs = ("Run log", "Fingerprints")
    assert {tab: rows for tab, rows in after.items() if tab not in logs} == {
        tab: rows for tab, rows in before.items() if tab not in logs
    }
    [write] = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    assert [list(r) for r in write.body["requests"]] == [["appendCells"], ["appendCells"]]
    sheets = {r["appendCells"]["sheetId"] for r in write.body["requests"]}
    assert sheets == {sheet_id(network, "Run log"), sheet_id(network, "Fingerprints")}


def test_a_run_with_nothing_new_after_a_settled_one_is_skipped_in_four_requests(network):
    """The second run changes nothing, so it settles (the Fingerprints tab); the third reads
    the same and is skipped: a read, the write's check and one appendCells to the Run log."""
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    second = weekly(network.backend(), network.config)
    assert second.tabs == [] and second.settled_until is not None
    before = network.snapshot()
    network.emulator.reset_requests()

    third = weekly(network.backend(), network.config, NOW + dt.timedelta(minutes=1))

    assert third.skipped_for == second.run_id and third.steps == []
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert len(kinds) <= 4 and kinds[-1] == WRITE
    [write] = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    assert [list(r) for r in write.body["requests"]] == [["appendCells"]]
    assert write.body["requests"][0]["appendCells"]["sheetId"] == sheet_id(network, "Run log")
    after = network.snapshot()
    assert {tab: rows for tab, rows in after.items() if tab != "Run log"} == {
        tab: rows for tab, rows in before.items() if tab != "Run log"
    }
    assert len(after["Run log"]) == len(before["Run log"]) + 1


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


def test_a_persistent_503_gives_up_after_bounded_attempts(network):
    network.emulator.fail("spreadsheets.get", 503, times=100)
    backend = network.backend(policy=RetryPolicy(attempts=6, total_seconds=120))
    with pytest.raises(GoogleUnavailableError, match=r"after 6 attempts.*HTTP 503\).*few minutes"):
        weekly(backend, network.config)
    assert len(network.emulator.api_requests()) == 6
    assert len(network.sleeps) == 5
    assert all(0 < s <= 32 for s in network.sleeps)
    assert sum(network.sleeps) <= 120


def test_a_persistent_500_on_the_write_fails_clearly_writes_nothing_and_the_next_run_succeeds(
    network,
):
    network.add_form_rows("requests", [request()])
    before = network.snapshot()
    clock = FakeClock()
    # Not applied, but the backend can't know: each try reads the sheet again first.
    writes_fail_until(network.emulator, clock, 1000, 500)
    with pytest.raises(UnconfirmedWriteError, match=r"HTTP 500.*read the sheet again and sent"):
        weekly(network.backend(sleep=clock.sleep, clock=clock.monotonic), network.config)
    assert network.snapshot() == before
    assert 60 <= clock.now <= 70  # waited between tries, within the policy's budget
    clock.now = 1000  # Google is back
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
    assert network.writes() == [WRITE]


def test_a_tab_renamed_between_read_and_check_writes_nothing(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    network.add_form_rows("requests", [request(categories="Meals")])  # updates People's row
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

    network.emulator.before(WRITE, organizer_writes_a_note)
    report = weekly(network.backend(), network.config)
    assert report.cells_changed > 0
    people = network.emulator.values(network.id, "People")
    assert people[1][notes] == "called Tuesday"


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


def many_requests(n: int) -> list[dict[str, object]]:
    return [
        request(
            name=f"Neighbour {i}", email=f"n{i}@example.org", phone="", categories="Meals, Rides"
        )
        for i in range(n)
    ]


def sheet_id(network: Network, tab: str) -> int:
    backend = network.backend()
    backend.list_tabs()
    return backend._known_sheets()[tab].sheet_id


def requests_of(write: Any, kind: str) -> list[dict[str, Any]]:
    return [r[kind] for r in write.body["requests"] if kind in r]


def test_big_writes_are_split_with_the_run_log_in_the_last_part(network, monkeypatch):
    import sheetsync.backends.google as google

    monkeypatch.setattr(google, "MAX_PAYLOAD", 4_000)
    network.add_form_rows(
        "requests",
        [request(name=f"Person {i}", email=f"p{i}@example.org", phone="") for i in range(40)],
    )
    weekly(network.backend(), network.config)
    writes = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    assert len(writes) > 2
    assert all(w.body_bytes < 8_000 for w in writes)
    run_log = sheet_id(network, "Run log")
    assert requests_of(writes[-1], "appendCells")[-1]["sheetId"] == run_log
    assert all(a["sheetId"] != run_log for w in writes[:-1] for a in requests_of(w, "appendCells"))
    assert len(network.emulator.values(network.id, "People")) == 41


def test_batches_stay_under_the_limit_keep_every_row_in_order_and_the_run_log_last():
    people = TabChanges(
        "People", start_row=5, append=[[f"P{i:04d}", "x" * 50, i] for i in range(300)]
    )
    needs = TabChanges(
        "Needs",
        start_row=10,
        update=[CellUpdate(2, 3, "met"), CellUpdate(2, 4, None), CellUpdate(7, 1, "=1")],
        guards=[Guard(2, 1, "N1")],
    )
    log = TabChanges("Run log", start_row=3, append=[["R1", "weekly"]])
    from sheetsync.backends.google import SheetInfo

    sheets = {
        tab: SheetInfo(i + 1, tab, i, 1000, 26)
        for i, tab in enumerate(["People", "Needs", "Run log"])
    }
    grow = [{"appendDimension": {"sheetId": 1, "dimension": "COLUMNS", "length": 2}}]
    parts = _batches([people, needs, log], sheets, grow, 5_000)
    assert len(parts) > 3
    assert all(len(json.dumps({"requests": p}, separators=(",", ":"))) <= 5_000 for p in parts)
    assert parts[0][0] == grow[0]
    appended = [
        [c["userEnteredValue"] for c in row["values"]]
        for part in parts
        for r in part
        if "appendCells" in r and r["appendCells"]["sheetId"] == 1
        for row in r["appendCells"]["rows"]
    ]
    assert appended == [
        [{"stringValue": f"P{i:04d}"}, {"stringValue": "x" * 50}, {"numberValue": i}]
        for i in range(300)
    ]
    updates = [r["updateCells"] for part in parts for r in part if "updateCells" in r]
    assert updates == [
        {
            "start": {"sheetId": 2, "rowIndex": 1, "columnIndex": 2},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "met"}}, {}]}],
            "fields": "userEnteredValue",
        },
        {
            "start": {"sheetId": 2, "rowIndex": 6, "columnIndex": 0},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "=1"}}]}],
            "fields": "userEnteredValue",
        },
    ]
    assert parts[-1][-1] == {
        "appendCells": {
            "sheetId": 3,
            "rows": [
                {"values": [{"userEnteredValue": {"stringValue": s}} for s in ("R1", "weekly")]}
            ],
            "fields": "userEnteredValue",
        }
    }


def test_cells_are_typed_dates_become_serial_numbers_and_long_text_is_shortened():
    from sheetsync.backends.google import _cell_data

    assert _cell_data(dt.datetime(2026, 11, 23, 12, 0)) == {
        "userEnteredValue": {"numberValue": 46349.5},
        "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}},
    }
    assert _cell_data(dt.date(2026, 11, 23)) == {
        "userEnteredValue": {"numberValue": 46349},
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
    }
    assert _cell_data(True) == {"userEnteredValue": {"boolValue": True}}
    assert _cell_data("") == _cell_data(None) == {}
    long = _cell_data("y" * 60_000)["userEnteredValue"]["stringValue"]
    assert len(long) == 50_000 and long.endswith("[shortened by sheetsync]")


def test_text_no_json_can_carry_is_made_storable_not_a_traceback(network):
    # A lone surrogate (half an emoji) anywhere, not only in form answers, cannot be encoded
    # as UTF-8: the whole write would fail. Both backends clean text the same way.
    backend = network.backend()
    header = network.emulator.values(network.id, "People")[0]
    start = len(network.emulator.values(network.id, "People")) + 1
    odd = ["a\ud83db", "tab\x0bbed\x00", "fine \u00e9\U0001f600"]
    backend.apply([TabChanges("People", start_row=start, append=[odd], header=header)])
    people = network.emulator.values(network.id, "People")
    assert people[-1] == ["ab", "tab bed ", "fine \u00e9\U0001f600"]
    assert len(people) == start


def test_a_split_write_failing_part_way_is_reported_and_the_next_run_completes_it(
    network, monkeypatch
):
    import sheetsync.backends.google as google

    monkeypatch.setattr(google, "MAX_PAYLOAD", 4_000)
    network.add_form_rows("requests", many_requests(30))
    refused = "The caller does not have permission"  # sharing changed mid-write
    network.emulator.before(
        WRITE, lambda e: e.before(WRITE, lambda e2: e2.fail(WRITE, 403, message=refused))
    )
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


# --- nothing lost, nothing stuck (issue 17) ---------------------------------------------------

# Every tab a weekly run appends to; the demo's first run adds rows to each.
APPENDED_TABS = ["People", "Needs", "Tasks", "Errors", "Duplicates", "Load", "Summary", "Run log"]
TYPED = "typed by hand"


def rows_added(report: Any, tab: str) -> tuple[int, list[str]]:
    """Rows the run appended to a tab and their ids (the Run log row is not in report.tabs)."""
    if tab == "Run log":
        return 1, []
    [tab_report] = [t for t in report.tabs if t.tab == tab]
    return tab_report.rows_added, tab_report.added_ids


@pytest.mark.parametrize("tab", APPENDED_TABS)
def test_a_row_typed_just_before_the_write_stays_and_the_runs_rows_go_below_it(
    sheets_emulator, service_account_key, tmp_path, tab
):
    network = Network(sheets_emulator, service_account_key, tmp_path)
    create_demo(network.backend(), network.config, now=NOW)  # its first run only appends
    before_write: dict[str, list[list[object]]] = {}

    def organizer_types_a_row(emulator: SheetsEmulator) -> None:
        before_write["rows"] = emulator.values(network.id, tab)
        below = len(before_write["rows"]) + 1
        emulator.set_values(network.id, tab, f"B{below}", [[TYPED]])

    network.emulator.before(WRITE, organizer_types_a_row)
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 1
    read = before_write["rows"]
    after = network.emulator.values(network.id, tab)
    added, ids = rows_added(report, tab)
    assert added > 0
    assert after[: len(read)] == read  # what was there is untouched
    assert after[len(read)] == ["", TYPED]  # the typed row, where it was typed
    # Every row accounted for: in the Run log, the send log's rows come after the run's (the
    # confirmation the demo's newest request gets).
    sent = len(report.deliveries) if tab == "Run log" else 0
    assert len(after) == len(read) + 1 + added + sent
    below = {cell for row in after[len(read) + 1 :] for cell in row}
    assert set(ids) <= below
    counts = report.step("intake").counts
    assert counts["responses"] == counts["valid"] + counts["invalid"] == 120
    errors = network.emulator.values(network.id, "Errors")
    assert len(errors) - 1 - (tab == "Errors") == counts["invalid"] == 3


def twin_networks(emulator: SheetsEmulator, key: Path, tmp_path: Path) -> tuple[Network, Network]:
    """Two demo networks with the same history: one runs undisturbed, for comparison."""
    nets = []
    for name in ("calm", "troubled"):
        (tmp_path / name).mkdir()
        net = Network(emulator, key, tmp_path / name)
        create_demo(net.backend(), net.config, history_weeks=2, now=NOW)
        nets.append(net)
    return nets[0], nets[1]


def by_id(rows: list[list[object]]) -> dict[object, list[object]]:
    return {row[0]: row for row in rows[1:] if row and row[0]}


SHEETSYNC_TAB_NAMES = [t for t in SHEETSYNC_TABS.values() if t != "Run log"]


@pytest.mark.parametrize("loss", ["timeout", "reset", 500, 503, "refused"])
def test_a_write_whose_answer_is_lost_is_read_again_and_never_applied_twice(
    sheets_emulator, service_account_key, tmp_path, loss
):
    calm, troubled = twin_networks(sheets_emulator, service_account_key, tmp_path)
    weekly(calm.backend(), calm.config)
    sheets_emulator.reset_requests()
    if loss == "timeout":
        sheets_emulator.delay(WRITE, LATE)  # applied, answered after the client gave up
    elif loss == "refused":
        sheets_emulator.fail(WRITE, 503)  # not applied: the backend cannot tell
    else:
        sheets_emulator.lose_answer(WRITE, None if loss == "reset" else loss)
    report = weekly(troubled.backend(timeout=SHORT_TIMEOUT), troubled.config)
    assert report.outcome == "ok" and report.attempts == 1
    kinds = [r.kind for r in sheets_emulator.api_requests() if r.spreadsheet_id == troubled.id]
    # The write; then a fresh look (the tabs, the touched tabs' ids) and what was missing.
    read_and_check = ["spreadsheets.get", "values.batchGet", "values.batchGet"]
    again = ["spreadsheets.get", "values.batchGet", WRITE]
    assert kinds[:7] == [*read_and_check, WRITE, *again]
    # The emails' send log, after the run, as in the calm run: the asks after help, the
    # follow-up's alerts, the confirmations and the weekly digests are sent as one (the
    # steps' effects combined), so the send log is read, checked and written once.
    assert kinds[7:] == [*read_and_check, WRITE]
    first, retried = [r for r in sheets_emulator.api_requests() if r.kind == WRITE][:2]
    if loss != "refused":  # it was applied: only idempotent updates go again, no row
        assert requests_of(retried, "appendCells") == []
    else:
        assert retried.body == first.body
    for tab in SHEETSYNC_TAB_NAMES:
        calm_rows = sheets_emulator.values(calm.id, tab)
        assert sheets_emulator.values(troubled.id, tab) == calm_rows, tab
    assert len(sheets_emulator.values(troubled.id, "Run log")) == len(
        sheets_emulator.values(calm.id, "Run log")
    )


def test_a_row_moved_before_the_write_gets_its_update_where_it_is_now(
    sheets_emulator, service_account_key, tmp_path
):
    calm, troubled = twin_networks(sheets_emulator, service_account_key, tmp_path)
    weekly(calm.backend(), calm.config)

    def padded(rows: list[list[object]]) -> list[list[object]]:
        width = max(len(row) for row in rows)
        return [row + [""] * (width - len(row)) for row in rows]  # "" empties a cell

    def organizer_sorts_and_inserts(emulator: SheetsEmulator) -> None:
        people = emulator.values(troubled.id, "People")
        emulator.set_values(troubled.id, "People", "A2", padded(people[:0:-1]))  # sorted
        needs = emulator.values(troubled.id, "Needs")
        inserted = padded([["", TYPED], *needs[1:]])  # a row inserted above the others
        emulator.set_values(troubled.id, "Needs", "A2", inserted)

    # The first batchGet is the run's read; the organizer acts before the second (the check).
    sheets_emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_sorts_and_inserts)
    )
    report = weekly(troubled.backend(), troubled.config)
    assert report.outcome == "ok" and report.attempts == 1
    assert any(t.changed for t in report.tabs if t.tab == "People")  # updates were followed
    people = sheets_emulator.values(troubled.id, "People")
    calm_people = sheets_emulator.values(calm.id, "People")
    assert by_id(people) == by_id(calm_people) and len(people) == len(calm_people)
    needs = sheets_emulator.values(troubled.id, "Needs")
    calm_needs = sheets_emulator.values(calm.id, "Needs")
    assert needs[1] == ["", TYPED]
    assert by_id(needs) == by_id(calm_needs) and len(needs) == len(calm_needs) + 1


def next_id(rows: list[list[object]], prefix: str) -> str:
    """The id a run gives its next new row: the highest seen plus one."""
    numbers = [int(str(r[0])[1:]) for r in rows[1:] if r and str(r[0]).startswith(prefix)]
    return f"{prefix}{max(numbers) + 1:04d}"


@pytest.mark.parametrize("typed_id", ["", "next"], ids=["without-id", "with-the-next-id"])
def test_a_row_typed_before_a_write_that_also_updates_rows_is_kept_and_nothing_is_lost(
    sheets_emulator, service_account_key, tmp_path, typed_id
):
    """An organizer types a need by hand after the run's read, before its check. Without an
    id it stays where it was typed, the run's rows below. With the id the run is about to
    give its first new need (ids are the highest seen plus one), the run's need must not be
    dropped: the run reads again (attempts 2) and gives its rows ids not taken."""
    calm, troubled = twin_networks(sheets_emulator, service_account_key, tmp_path)
    weekly(calm.backend(), calm.config)
    needs_read = sheets_emulator.values(troubled.id, "Needs")
    key = next_id(needs_read, "N") if typed_id else ""

    def organizer_types_a_need(emulator: SheetsEmulator) -> None:
        below = len(emulator.values(troubled.id, "Needs")) + 1
        emulator.set_values(troubled.id, "Needs", f"A{below}", [[key, TYPED]])

    # The first batchGet is the run's read; the organizer types before the second (the check).
    sheets_emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_types_a_need)
    )
    report = weekly(troubled.backend(), troubled.config)
    assert report.outcome == "ok" and report.attempts == (2 if typed_id else 1)
    assert any(t.changed for t in report.tabs if t.tab == "People")  # the run updates rows
    needs = sheets_emulator.values(troubled.id, "Needs")
    calm_needs = sheets_emulator.values(calm.id, "Needs")
    assert [r[0] for r in needs[: len(needs_read)]] == [r[0] for r in needs_read]  # in place
    assert needs[len(needs_read)] == [key, TYPED]  # kept, where it was typed
    assert len(needs) == len(calm_needs) + 1  # every need of the run is there too
    ids = [row[0] for row in needs[1:] if row and row[0]]
    assert len(ids) == len(set(ids))  # no id on two rows
    [added] = [t for t in report.tabs if t.tab == "Needs"]
    assert added.added_ids and key not in added.added_ids
    assert set(added.added_ids) <= set(ids)
    for tab in ("People", "Tasks"):  # what points at the needs, all there
        assert len(sheets_emulator.values(troubled.id, tab)) == len(
            sheets_emulator.values(calm.id, tab)
        ), tab
    tasks = sheets_emulator.values(troubled.id, "Tasks")
    need_col = tasks[0].index("need_id")
    assert key not in {row[need_col] for row in tasks[1:] if len(row) > need_col} - {""}


def test_a_write_that_only_appends_is_checked_too(network):
    """A first run only appends; an organizer types a need with the id the run is about to
    give its first need, after the read. The check sees it: the run recomputes."""
    network.add_form_rows("requests", [request()])

    def organizer_types_n0001(emulator: SheetsEmulator) -> None:
        emulator.set_values(network.id, "Needs", "A2", [["N0001", TYPED]])

    network.emulator.before(
        "values.batchGet", lambda e: e.before("values.batchGet", organizer_types_n0001)
    )
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    needs = network.emulator.values(network.id, "Needs")
    assert needs[1] == ["N0001", TYPED]
    assert [row[0] for row in needs[2:]] == ["N0002"]  # the run's need, under a free id


def test_on_a_retry_a_key_typed_meanwhile_is_not_taken_for_the_lost_writes_row(network):
    """The write is refused (503: not applied, but the backend cannot tell). Before the
    retry's re-read an organizer types a need with the id the run gave its need. That row
    is not the run's (its cells differ): the run recomputes, and its need gets a free id."""
    network.add_form_rows("requests", [request()])
    network.emulator.fail(WRITE, 503)

    def organizer_types_n0001(emulator: SheetsEmulator) -> None:
        emulator.set_values(network.id, "Needs", "A2", [["N0001", TYPED]])

    # Before the refused write, arm the typing for the retry's re-read (spreadsheets.get).
    network.emulator.before(WRITE, lambda e: e.before("spreadsheets.get", organizer_types_n0001))
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 2
    needs = network.emulator.values(network.id, "Needs")
    assert needs[1] == ["N0001", TYPED]
    assert [row[0] for row in needs[2:]] == ["N0002"]


class FakeClock:
    """time.monotonic and time.sleep for the HTTP client: sleeping moves the clock on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def writes_fail_until(
    emulator: SheetsEmulator,
    clock: FakeClock,
    seconds: float,
    status: int,
    *,
    applied: bool = False,
    retry_after: float | None = None,
) -> None:
    """Every write answers `status` until the fake clock reaches `seconds`: refused (nothing
    applied), or `applied` and its answer lost (Google's error body instead)."""

    def fail_for_now(e: SheetsEmulator) -> None:
        if clock.now < seconds and applied:
            e.lose_answer(WRITE, status)
        elif clock.now < seconds:
            e.fail(WRITE, status, retry_after=retry_after)

    emulator.before(WRITE, fail_for_now, times=1000)


def quota_used_up(network: Network, clock: FakeClock, seconds: float) -> None:
    """Every write answers 429 until the fake clock reaches `seconds`."""
    writes_fail_until(network.emulator, clock, seconds, 429)


def test_a_429_lasting_50_seconds_is_waited_out(network):
    network.add_form_rows("requests", many_requests(3))
    clock = FakeClock()
    quota_used_up(network, clock, 50)
    report = weekly(network.backend(sleep=clock.sleep, clock=clock.monotonic), network.config)
    assert report.outcome == "ok"
    assert 50 <= clock.now <= 70
    statuses = [r.status for r in network.emulator.api_requests() if r.kind == WRITE]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {429}
    assert len(network.emulator.values(network.id, "People")) == 1 + 3
    assert len(network.emulator.values(network.id, "Needs")) == 1 + 6
    assert len(network.emulator.values(network.id, "Run log")) == 2


def test_a_429_with_a_retry_after_of_1_s_lasting_50_seconds_is_waited_out(network):
    retry_after = 1
    # Retry-After: 1 honoured alone would use up 12 attempts in 12 s; a 429 is bounded by
    # the time budget only, and waits at least the backoff.
    network.add_form_rows("requests", many_requests(3))
    clock = FakeClock()
    writes_fail_until(network.emulator, clock, 50, 429, retry_after=retry_after)
    report = weekly(network.backend(sleep=clock.sleep, clock=clock.monotonic), network.config)
    assert report.outcome == "ok"
    assert 50 <= clock.now <= 70
    assert all(wait >= retry_after for wait in clock.sleeps)
    assert len(network.emulator.values(network.id, "People")) == 1 + 3
    assert len(network.emulator.values(network.id, "Run log")) == 2


def test_a_429_is_not_bounded_by_attempts_but_a_503_is(network):
    network.add_form_rows("requests", many_requests(3))
    clock = FakeClock()
    policy = RetryPolicy(attempts=3)
    writes_fail_until(network.emulator, clock, 30, 429, retry_after=1)
    backend = network.backend(sleep=clock.sleep, clock=clock.monotonic, policy=policy)
    assert weekly(backend, network.config).outcome == "ok"
    network.emulator.fail("values.batchGet", 503, times=3)
    backend = network.backend(sleep=clock.sleep, clock=clock.monotonic, policy=policy)
    with pytest.raises(GoogleUnavailableError, match=r"after 3 attempts.*HTTP 503\)"):
        weekly(backend, network.config)


@pytest.mark.parametrize("applied", [True, False], ids=["answer-lost", "refused"])
def test_a_5xx_burst_of_five_seconds_on_the_write_is_waited_out_without_duplicates(
    sheets_emulator, service_account_key, tmp_path, applied
):
    calm, troubled = twin_networks(sheets_emulator, service_account_key, tmp_path)
    weekly(calm.backend(), calm.config)
    clock = FakeClock()
    writes_fail_until(sheets_emulator, clock, 5, 503, applied=applied)
    report = weekly(troubled.backend(sleep=clock.sleep, clock=clock.monotonic), troubled.config)
    assert report.outcome == "ok" and report.attempts == 1
    assert 5 <= clock.now <= 20 and len(clock.sleeps) >= 3  # backoff, not three tries at once
    for tab in SHEETSYNC_TAB_NAMES:
        calm_rows = sheets_emulator.values(calm.id, tab)
        assert sheets_emulator.values(troubled.id, tab) == calm_rows, tab
    assert len(sheets_emulator.values(troubled.id, "Run log")) == len(
        sheets_emulator.values(calm.id, "Run log")
    )


def test_a_429_lasting_80_seconds_fails_clearly_and_changes_nothing(network):
    network.add_form_rows("requests", many_requests(3))
    before = network.snapshot()
    clock = FakeClock()
    quota_used_up(network, clock, 80)
    with pytest.raises(GoogleUnavailableError) as caught:
        weekly(network.backend(sleep=clock.sleep, clock=clock.monotonic), network.config)
    message = str(caught.value)
    assert "over quota (HTTP 429)" in message and "Nothing more was written" in message
    assert "Wait a few minutes and run the job again" in message
    assert 60 <= clock.now <= 70
    assert network.snapshot() == before


def test_tabs_created_by_a_write_whose_answer_was_lost_are_created_once(
    sheets_emulator, service_account_key, tmp_path
):
    calm = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(calm.backend(), calm.config)
    troubled = Network(sheets_emulator, service_account_key, tmp_path)
    sheets_emulator.lose_answer(WRITE)  # addSheet and the headers applied, the answer lost
    init_spreadsheet(troubled.backend(), troubled.config)
    tabs = calm.backend().list_tabs()
    assert troubled.backend().list_tabs() == tabs
    for tab in tabs:
        assert sheets_emulator.values(troubled.id, tab) == sheets_emulator.values(calm.id, tab)
    writes = [r for r in sheets_emulator.api_requests() if r.kind == WRITE]
    # calm's and the lost one: read again, the sheet held everything, so nothing was resent.
    assert len(writes) == 2
    kinds = [r.kind for r in sheets_emulator.api_requests() if r.spreadsheet_id == troubled.id]
    assert kinds[1:4] == [WRITE, "spreadsheets.get", "values.batchGet"]


def test_a_split_write_losing_a_later_answer_completes_without_duplicates(network, monkeypatch):
    import sheetsync.backends.google as google

    monkeypatch.setattr(google, "MAX_PAYLOAD", 4_000)
    network.add_form_rows("requests", many_requests(30))
    network.emulator.before(WRITE, lambda e: e.before(WRITE, lambda e2: e2.lose_answer(WRITE)))
    report = weekly(network.backend(), network.config)
    assert report.outcome == "ok" and report.attempts == 1
    writes = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    # The second part's answer dropped; the sheet read again and only what was missing sent.
    assert [w.status for w in writes[:3]] == [200, 0, 200]
    kinds = [r.kind for r in network.emulator.api_requests()]
    assert kinds[kinds.index(WRITE) + 2 : kinds.index(WRITE) + 4] == [
        "spreadsheets.get",
        "values.batchGet",
    ]
    people = network.emulator.values(network.id, "People")
    names = [row[people[0].index("name")] for row in people[1:]]
    assert sorted(names) == sorted(f"Neighbour {i}" for i in range(30))  # each once
    assert len(network.emulator.values(network.id, "Needs")) == 1 + 60
    assert len(network.emulator.values(network.id, "Run log")) == 2
