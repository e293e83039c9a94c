"""The volunteer board on Google Sheets (the emulator, through gspread): a second spreadsheet,
shared with the same service account, that init fills with its tab and each run rewrites."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sheetsync_testkit.sheets_emulator import SheetsEmulator

from sheetsync.board.claims import WORDS, Answer, board_id
from sheetsync.board.store import board_schema
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import BoardConfig
from tests.board_world import ANA, ANN, BO, SAM, board, code_of, need_of, records, run, with_board
from tests.board_world import write_claim as claim
from tests.conftest import NOW, checkin, offer, request
from tests.test_google_backend import Network

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def google(sheets_emulator: SheetsEmulator, service_account_key: Path, tmp_path: Path):
    net = Network(sheets_emulator, service_account_key, tmp_path)
    board_id_ = sheets_emulator.create_spreadsheet(
        "Volunteer board", editors=[net.client_email], time_zone="America/Chicago"
    )
    config = with_board(net.config, BoardConfig(spreadsheet=board_id_))
    backend = net.backend()
    init_spreadsheet(backend, config)
    return net, config, backend, board_id_


def volunteers(net: Network, *people: dict[str, str], **answers: str) -> None:
    net.add_form_rows(
        "offers",
        [offer(**p, availability="Weekday mornings, Weekends", **answers) for p in people],
    )


def test_init_adds_the_board_tab_to_the_board_spreadsheet_only(google):
    net, _, _, board_sheet = google
    tabs = net.emulator.values(board_sheet, "Open needs")
    assert tabs == [board_schema().titles]
    assert "Open needs" not in net.backend().list_tabs()


def test_claims_on_google_valid_two_claimers_and_an_email_masked(google):
    net, config, backend, board_sheet = google
    volunteers(net, SAM, ANA)
    net.add_form_rows("requests", [request(**p, urgency="When someone can") for p in (ANN, BO)])
    run(backend, config, NOW)
    sam, ana = (code_of(backend, config, v["email"]) for v in (SAM, ANA))
    ann, bo = (board_id(need_of(backend, config, p["email"])) for p in (ANN, BO))
    assert sorted(r["board_id"] for r in board(config)) == sorted([ann, bo])
    claim(config, ann, f"{sam}, {ana}")
    claim(config, bo, ANA["email"].upper())
    report = run(backend, config, LATER)
    assert report.step("claims").counts["claims_taken"] == 2
    tasks = records(backend, config, "tasks")
    assert sorted((t["need_id"][1:], t["status"]) for t in tasks) == [
        (ann[1:], "accepted"),
        (bo[1:], "accepted"),
    ]
    rows = {r["board_id"]: r for r in board(config)}
    assert rows[ann]["claim"] == f"✓ …{sam[-2:]}, ✗ …{ana[-2:]}"
    assert rows[ann]["status"].endswith(WORDS[Answer.ALREADY_TAKEN])
    assert rows[bo]["claim"] == f"✓ …{ana[-2:]}"
    assert rows[bo]["status"] == WORDS[Answer.TAKEN]
    everything = str(net.emulator.values(board_sheet, "Open needs"))
    assert "@" not in everything and sam not in everything and ana not in everything
    assert report.step("check").counts["rules_broken"] == 0


def test_on_google_an_unknown_code_and_a_need_just_matched(google):
    net, config, backend, _ = google
    volunteers(net, SAM)
    net.add_form_rows("requests", [request(**ANN, urgency="When someone can")])
    run(backend, config, NOW)
    ann = board_id(need_of(backend, config, ANN["email"]))
    claim(config, ann, "NOPE-CODE")
    run(backend, config, LATER)
    [row] = board(config)
    assert (row["claim"], row["status"]) == ("✗ ?", WORDS[Answer.UNKNOWN])
    assert records(backend, config, "tasks") == []
    run(backend, config, LATER + dt.timedelta(minutes=30), job="weekly")
    assert [t["status"] for t in records(backend, config, "tasks")] == ["proposed"]
    assert board(config) == []


def test_on_google_over_capacity_and_resting_claims_are_not_taken(google):
    net, config, backend, _ = google
    volunteers(net, SAM, weekly_capacity="1")
    volunteers(net, ANA)
    net.add_form_rows("requests", [request(**p, urgency="When someone can") for p in (ANN, BO)])
    net.add_form_rows(
        "checkins",
        [checkin(name=ANA["name"], email=ANA["email"], checkin_status="Red – I need a break")],
    )
    run(backend, config, NOW)
    sam, ana = (code_of(backend, config, v["email"]) for v in (SAM, ANA))
    ann, bo = (board_id(need_of(backend, config, p["email"])) for p in (ANN, BO))
    claim(config, ann, sam)
    claim(config, bo, f"{sam} {ana}")  # Sam has no room left; Ana rests
    report = run(backend, config, LATER)
    assert report.step("claims").counts["claims_taken"] == 1
    [task] = records(backend, config, "tasks")
    assert (task["need_id"][1:], task["status"]) == (ann[1:], "accepted")
    rows = {r["board_id"]: r for r in board(config)}
    assert rows[bo]["claim"] == f"✗ …{sam[-2:]}, ✗ …{ana[-2:]}"
    assert rows[bo]["status"].count(WORDS[Answer.NOT_TAKEN]) == 2
    assert not any(w in rows[bo]["status"].casefold() for w in ("rest", "red", "break"))
    assert report.step("check").counts["rules_broken"] == 0
