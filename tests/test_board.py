"""The volunteer board (issue 21) through the real pipeline on a workbook: claims become
accepted tasks under matching's hard rules, and are answered on the board."""

from __future__ import annotations

import datetime as dt
import re
import stat

import pytest

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.board.claims import WORDS, Answer, board_id
from sheetsync.bootstrap import init_spreadsheet
from tests.board_world import (
    ANA,
    ANN,
    BO,
    SAM,
    board,
    code_of,
    local_board,
    need_of,
    records,
    run,
    write_claim,
)
from tests.conftest import NOW, checkin, make_config, request
from tests.test_match import volunteer_offer

LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def world(tmp_path, add_responses):
    """Sam (Groceries and Rides, Eastside, room for 3) and Ann's Groceries need, waiting
    for the weekly run; the hourly job has run once: Sam has his code, the board its row."""
    config = local_board(make_config(tmp_path / "network.xlsx"), tmp_path)
    backend = WorkbookBackend(config.workbook)
    init_spreadsheet(backend, config)
    return config, backend


def add(backend, form, *responses):
    from sheetsync.backends.base import TabChanges
    from sheetsync.schema import load_schemas
    from tests.conftest import FORM_OF

    tab = FORM_OF[form]
    rows = backend.read_tabs([tab])[tab].rows
    names = load_schemas()[form].names
    backend.apply(
        [
            TabChanges(
                tab=tab,
                start_row=len(rows) + 1,
                append=[[r.get(n, "") for n in names] for r in responses],
            )
        ]
    )


def ready(world, *needs, volunteers=(SAM,), **offer):
    config, backend = world
    add(backend, "offers", *(volunteer_offer(*v.values(), **offer) for v in volunteers))
    add(
        backend,
        "requests",
        *(request(**n, urgency="When someone can") for n in (needs or (ANN,))),
    )
    run(backend, config, NOW)
    return config, backend


def test_init_creates_the_board_workbook_private(world):
    config, _ = world
    assert config.board.workbook.exists()
    assert stat.S_IMODE(config.board.workbook.stat().st_mode) & 0o077 == 0
    assert board(config) == []


def test_a_valid_claim_becomes_an_accepted_task_and_is_answered(world):
    config, backend = ready(world)
    code = code_of(backend, config, SAM["email"])
    [row] = board(config)
    bid = board_id(need_of(backend, config, ANN["email"]))
    assert (row["board_id"], row["category"], row["zone"], row["claim"]) == (
        bid,
        "Groceries",
        "Eastside",
        "",
    )
    write_claim(config, bid, code.lower())
    report = run(backend, config, LATER)
    assert report.step("claims").counts["claims_taken"] == 1
    [task] = records(backend, config, "tasks")
    sam = next(p for p in records(backend, config, "people") if p["email"] == SAM["email"])
    assert (task["volunteer_id"], task["status"]) == (sam["person_id"], "accepted")
    assert task["reasons"].startswith(f"claimed on the volunteer board ({bid})")
    assert [n["status"] for n in records(backend, config, "needs")] == ["matched"]
    [row] = board(config)
    assert row["status"] == WORDS[Answer.TAKEN]
    assert row["claim"] == f"✓ …{code[-2:]}"
    assert report.step("check").counts["rules_broken"] == 0
    # The next run: the need is gone from the board, no second task.
    run(backend, config, LATER + dt.timedelta(hours=1))
    assert board(config) == []
    assert len(records(backend, config, "tasks")) == 1


def test_an_email_claim_is_taken_and_masked_on_the_board(world):
    config, backend = ready(world)
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, "  SAM@Example.net ")
    run(backend, config, LATER)
    [task] = records(backend, config, "tasks")
    assert task["status"] == "accepted"
    [row] = board(config)
    assert "@" not in row["claim"] and "sam" not in row["claim"].casefold()
    assert row["claim"].startswith("✓")


def test_a_claim_over_capacity_is_not_taken(world):
    config, backend = ready(world, ANN, BO, weekly_capacity="1")
    code = code_of(backend, config, SAM["email"])
    ann, bo = (board_id(need_of(backend, config, p["email"])) for p in (ANN, BO))
    write_claim(config, ann, code)
    write_claim(config, bo, code)
    report = run(backend, config, LATER)
    assert report.step("claims").counts == {
        "codes_given": 0,
        "claims": 2,
        "claims_taken": 1,
        "claims_refused": 1,
    }
    rows = {r["board_id"]: r for r in board(config)}
    assert rows[ann]["status"] == WORDS[Answer.TAKEN]
    assert rows[bo]["status"] == WORDS[Answer.NOT_TAKEN]
    assert rows[bo]["claim"] == f"✗ …{code[-2:]}"
    assert len(records(backend, config, "tasks")) == 1
    assert report.step("check").counts["rules_broken"] == 0


def test_a_claim_by_a_resting_volunteer_is_not_taken_and_says_nothing_of_why(world):
    config, backend = ready(world)
    add(backend, "checkins", checkin(checkin_status="Red – I need a break", timestamp=NOW))
    code = code_of(backend, config, SAM["email"])
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, code)
    run(backend, config, LATER)
    assert records(backend, config, "tasks") == []
    [row] = board(config)
    assert row["status"] == WORDS[Answer.NOT_TAKEN]
    assert not any(w in row["status"].casefold() for w in ("rest", "red", "break", "health"))


def test_two_volunteers_claiming_one_need_make_one_task(world):
    config, backend = ready(world, volunteers=(SAM, ANA))
    sam, ana = (code_of(backend, config, v["email"]) for v in (SAM, ANA))
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, f"{ana} {sam}")
    run(backend, config, LATER)
    [task] = records(backend, config, "tasks")
    assert task["status"] == "accepted"
    [row] = board(config)
    assert row["claim"] == f"✓ …{ana[-2:]}, ✗ …{sam[-2:]}"
    assert f"…{sam[-2:]}: {WORDS[Answer.ALREADY_TAKEN]}" in row["status"]


def test_a_second_claim_after_the_first_was_taken_is_already_taken(world):
    config, backend = ready(world, volunteers=(SAM, ANA))
    sam, ana = (code_of(backend, config, v["email"]) for v in (SAM, ANA))
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, sam)
    run(backend, config, LATER)
    write_claim(config, bid, ana)  # over Sam's mark, on the row still showing "Taken"
    run(backend, config, LATER + dt.timedelta(hours=1))
    assert len(records(backend, config, "tasks")) == 1
    [row] = board(config)
    assert row["status"] == WORDS[Answer.ALREADY_TAKEN]


def test_a_claim_on_a_need_just_matched_by_the_weekly_run_is_already_taken(world):
    config, backend = ready(world, volunteers=(SAM, ANA))
    bid = board_id(need_of(backend, config, ANN["email"]))
    run(backend, config, NOW + dt.timedelta(minutes=30), job="weekly")  # proposes Sam or Ana
    [proposal] = records(backend, config, "tasks")
    assert proposal["status"] == "proposed"
    assert board(config) == []  # matched: off the board
    ana = code_of(backend, config, ANA["email"])
    from sheetsync.backends.base import TabChanges
    from tests.board_world import board_schema, open_board

    # Ana had the board open from before the weekly run: her claim lands on the old row 2.
    store = open_board(config, config.board)
    schema = board_schema()
    store.apply(
        [TabChanges(tab=schema.tab, start_row=2, append=[[bid, "", "", "", "", "", "", "", ana]])]
    )
    run(backend, config, LATER)
    assert len(records(backend, config, "tasks")) == 1
    [row] = board(config)
    assert row["status"] == WORDS[Answer.ALREADY_TAKEN]


def test_an_unknown_code_is_answered_and_masked(world):
    config, backend = ready(world)
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, "ZZZZ-ZZZZ")
    run(backend, config, LATER)
    assert records(backend, config, "tasks") == []
    [row] = board(config)
    assert (row["claim"], row["status"]) == ("✗ ?", WORDS[Answer.UNKNOWN])


def test_a_claim_is_made_a_task_once_when_the_board_write_failed(world, monkeypatch):
    config, backend = ready(world)
    code = code_of(backend, config, SAM["email"])
    bid = board_id(need_of(backend, config, ANN["email"]))
    write_claim(config, bid, code)
    from sheetsync.board import rows as board_rows
    from sheetsync.errors import BackendError

    def failing(self, changes, formats=None):
        raise BackendError("The board's file is open elsewhere.")

    with monkeypatch.context() as m:
        m.setattr(board_rows, "open_board", lambda c, b: type("S", (), {"apply": failing})())
        run(backend, config, LATER)
    assert len(records(backend, config, "tasks")) == 1
    assert board(config)[0]["claim"] == code  # the board kept the claim as it was
    run(backend, config, LATER + dt.timedelta(hours=1))
    assert len(records(backend, config, "tasks")) == 1
    [row] = board(config)
    assert (row["claim"], row["status"]) == (f"✓ …{code[-2:]}", WORDS[Answer.TAKEN])


def test_no_board_section_means_no_board_and_no_codes(backend, config, add_responses):
    add_responses("offers", volunteer_offer(*SAM.values()))
    report = run(backend, config, NOW)
    assert report.step("claims").counts == {}
    assert [p["volunteer_code"] for p in records(backend, config, "people")] == [""]


def test_the_volunteer_digest_tells_the_code_and_the_boards_link(tmp_path):
    from dataclasses import replace

    from sheetsync.digest.deliver import digests_of
    from sheetsync.jobs import read_state
    from sheetsync.report import Audience
    from tests.conftest import write_cell

    config = local_board(make_config(tmp_path / "network.xlsx"), tmp_path)
    config = replace(config, board=replace(config.board, link="https://board.example.org/x"))
    backend = WorkbookBackend(config.workbook)
    init_spreadsheet(backend, config)
    add(backend, "offers", volunteer_offer(*SAM.values()))
    add(backend, "requests", request(**ANN, urgency="When someone can"))
    run(backend, config, NOW)
    code = code_of(backend, config, SAM["email"])
    write_claim(config, board_id(need_of(backend, config, ANN["email"])), code)
    run(backend, config, LATER)
    sam = next(p for p in records(backend, config, "people") if p["email"] == SAM["email"])
    write_cell(backend, config, "people", sam["person_id"], "weekly_email", "yes")
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    [digest] = [d for d in digests_of(frames, config, LATER) if d.audience is Audience.VOLUNTEER]
    assert f"Your volunteer code for the volunteer board is {code}." in digest.rendered.text
    assert "https://board.example.org/x" in digest.rendered.text
    assert code in digest.rendered.html
    # Without a board, nothing about it.
    plain = replace(config, board=None)
    [digest] = [d for d in digests_of(frames, plain, LATER) if d.audience is Audience.VOLUNTEER]
    assert "volunteer code" not in digest.rendered.text


def test_a_volunteer_without_tasks_is_sent_their_code_when_there_is_a_board(world):
    from sheetsync.digest.deliver import digests_of
    from sheetsync.jobs import read_state
    from sheetsync.report import Audience
    from tests.conftest import write_cell

    config, backend = ready(world)  # Ann's need waits on the board; Sam has no task
    sam = next(p for p in records(backend, config, "people") if p["email"] == SAM["email"])
    write_cell(backend, config, "people", sam["person_id"], "weekly_email", "yes")
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    [digest] = [d for d in digests_of(frames, config, LATER) if d.audience is Audience.VOLUNTEER]
    assert sam["volunteer_code"] in digest.rendered.text
    assert "None yet: the volunteer board lists the needs" in digest.rendered.text


def test_the_demo_board_has_a_claim_that_the_next_weekly_run_makes_a_task(tmp_path):
    """`init --demo --history N` sets up demo/board.xlsx; a volunteer has claimed a need on
    it; `run weekly` (make demo) turns the claim into their accepted task."""
    from sheetsync.board.claims import BOARD_REASON
    from sheetsync.config import Config, render_config
    from sheetsync.demo.board import DEMO_BOARD
    from sheetsync.demo.network import create_demo

    path = tmp_path / "sheetsync.toml"
    path.write_text(
        render_config(backend="local", workbook="network.xlsx", board_workbook=DEMO_BOARD)
    )
    config = Config.from_file(path)
    assert config.board is not None and config.board.workbook == tmp_path / "board.xlsx"
    backend = WorkbookBackend(config.workbook)
    now = dt.datetime(2026, 11, 30, 9, 0)
    made = create_demo(backend, config, history_weeks=2, now=now)
    assert made.board_claim is not None
    [claimed] = [r for r in board(config) if r["board_id"] == made.board_claim]
    assert claimed["claim"] and not claimed["status"]
    report = run(backend, config, now + dt.timedelta(hours=1), job="weekly")
    assert report.step("claims").counts["claims_taken"] == 1
    [task] = [t for t in records(backend, config, "tasks") if BOARD_REASON in t["reasons"]]
    assert task["status"] == "accepted"
    assert task["need_id"][1:] == made.board_claim[1:]
    [claimed] = [r for r in board(config) if r["board_id"] == made.board_claim]
    assert claimed["status"] == WORDS[Answer.TAKEN]


BASE = {"network": {"zones": ["Eastside"]}, "backend": {"kind": "local", "workbook": "n.xlsx"}}


@pytest.mark.parametrize(
    ("board", "message"),
    [
        ({}, 'needs workbook = "board.xlsx"'),
        ({"workbook": "n.xlsx"}, "names the organizers' own spreadsheet"),
        ({"workbook": "b.xlsx", "show_initials": "yes"}, "show_initials"),
        ({"workbook": "b.xlsx", "link": "board"}, "link"),
        ({"workbook": "b.xlsx", "sheet": "x"}, "Unknown setting 'sheet' in [board]"),
    ],
)
def test_board_settings_are_checked(tmp_path, board, message):
    from sheetsync.config import Config
    from sheetsync.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_dict({**BASE, "board": board}, base_dir=tmp_path)


def test_board_settings_read(tmp_path):
    from sheetsync.config import BoardConfig, Config

    config = Config.from_dict(
        {**BASE, "board": {"workbook": "b.xlsx", "show_initials": True}}, base_dir=tmp_path
    )
    assert config.board == BoardConfig(workbook=tmp_path / "b.xlsx", show_initials=True)
    assert Config.from_dict(BASE, base_dir=tmp_path).board is None
    google = {
        "network": {"zones": ["Eastside"]},
        "backend": {"kind": "google", "spreadsheet": "MAIN"},
        "board": {"spreadsheet": "BOARD", "link": "https://example.org/board"},
    }
    assert Config.from_dict(google, base_dir=tmp_path).board == BoardConfig(
        spreadsheet="BOARD", link="https://example.org/board"
    )
    with pytest.raises(Exception, match="organizers' own"):
        Config.from_dict({**google, "board": {"spreadsheet": "MAIN"}}, base_dir=tmp_path)
