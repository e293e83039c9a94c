"""`forget`: a person removed on request, through the real pipeline on a temp workbook.

Robert asks for groceries, asks again as "Bob" (linked as a duplicate), offers tech help,
checks in (once with a phone that cannot be read: an Errors row), has a task on each side
and has had a digest sent. Linda shares his phone (his household); Ann and Sam are others.
After `forget`, no cell and no file holds anything of his, Linda, Ann and Sam keep theirs,
and the next weekly run brings nothing back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import zipfile
from pathlib import Path

import pytest

import sheetsync.forget as forget
from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.backends.xlsx_patch import _Package
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import EmailConfig, ScheduleConfig
from sheetsync.errors import LockHeldError
from sheetsync.forget import FORGOTTEN, UnknownPersonError, forget_person
from sheetsync.forget.person import find_person
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.summary.network import TOP_TWO_SHARE
from tests.conftest import FORM_OF, NOW, all_values, checkin, offer, request, write_cell

ROBERT = {"name": "Robert Smith", "phone": "201 555 0111", "email": "rob.smith@gmail.com"}
BOB = {"name": "Bob Smith", "phone": "", "email": "robsmith+help@gmail.com"}
LINDA = {"name": "Linda Smith", "phone": "201 555 0111", "email": "linda@example.org"}
ANN = {"name": "Ann Bell", "phone": "201 555 0101", "email": "ann@example.org"}
# Everything of Robert's that must not be left anywhere (his phone is Linda's too).
HIS = (
    "Robert",
    "Bob Smith",
    "rob.smith",
    "robsmith",
    "Insulin pickup",
    "blue pot",
    "Ride to the clinic",
    "back pain",
    "eviction notice",
    "Call him before 5",
)
PHONE = ("+12015550111", "201 555 0111")


def at(day, hour=10):
    return dt.datetime(2026, 11, 16 + day, hour, 0)


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def records(backend, config, logical):
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def by_id(backend, config, logical, key):
    return {r[key]: r for r in records(backend, config, logical)}


@pytest.fixture
def network(backend, config, add_responses, tmp_path):
    """Robert's network after a weekly run that sent the digests (see the module doc)."""
    config = dataclasses.replace(
        config,
        email=EmailConfig(
            outbox=tmp_path / "outbox",
            organizers=("org@example.org",),
            public=("news@example.org",),
        ),
    )
    common = {"availability": "Weekday mornings, Weekends", "languages": "English"}
    add_responses(
        "requests",
        request(
            **ROBERT,
            **common,
            timestamp=at(0),
            details="Insulin pickup; the key is under the blue pot",
        ),
        request(**LINDA, **common, timestamp=at(1), categories="Meals", details="Soup for two"),
        request(**ANN, **common, timestamp=at(2), categories="Tech help", details="Laptop"),
        # Robert again, as Bob from another address: linked as his duplicate.
        request(**BOB, **common, timestamp=at(3), categories="Rides", details="Ride to the clinic"),
    )
    add_responses(
        "offers",
        offer(**common, timestamp=at(3, 12), offers="Groceries, Meals, Rides", weekly_capacity="5"),
        offer(
            **ROBERT,
            **common,
            timestamp=at(1, 9),
            offers="Tech help",
            has_car="No",
            volunteer_note="Evenings are hard, back pain",
        ),
    )
    add_responses(
        "checkins",
        checkin(
            **ROBERT,
            timestamp=at(4),
            checkin_status="Yellow – I'm stretched",
            checkin_note="Struggling since the eviction notice",
        ),
        # A check-in with a phone that cannot be read: left out, on the Errors tab.
        checkin(**{**ROBERT, "phone": "555-01"}, timestamp=at(5)),
    )
    weekly(backend, config, now=NOW - dt.timedelta(days=1))
    people = by_id(backend, config, "people", "person_id")
    assert [p["name"] for p in people.values()] == [
        "Robert Smith",
        "Linda Smith",
        "Ann Bell",
        "Bob Smith",
        "Sam Lee",
    ]
    assert people["P0004"]["duplicate_of"] == "P0001"
    assert people["P0002"]["household"] == people["P0001"]["household"] != ""
    tasks = records(backend, config, "tasks")
    assert {(t["need_id"], t["volunteer_id"]) for t in tasks} >= {("N0001", "P0005")}
    [his_task] = [t for t in tasks if t["need_id"] == "N0001"]
    write_cell(backend, config, "tasks", his_task["task_id"], "status", "accepted")
    write_cell(backend, config, "tasks", his_task["task_id"], "notes", "Call him before 5")
    for pid in ("P0001", "P0005"):
        write_cell(backend, config, "people", pid, "weekly_email", "yes")
    report = weekly(backend, config)
    assert sorted((d.audience, d.to) for d in report.deliveries if d.outcome == "sent") == [
        ("organizers", "org@example.org"),
        ("public", "news@example.org"),
        ("volunteer", "rob.smith@gmail.com"),
        ("volunteer", "sam@example.net"),
    ]
    # What the summary step writes when one or two people carry most of the work.
    note = "Robert Smith (4) and Sam Lee (3) hold 90% of the last 4 weeks' tasks."
    write_cell(backend, config, "summary", TOP_TWO_SHARE, "note", note)
    # He asks again after the run: a response no People row names yet.
    add_responses("requests", request(**ROBERT, timestamp=at(7), details="Insulin pickup again"))
    # A crash's leftovers: a send journal line for him and one for Sam, and the cron log.
    # Their run_ids were fresh when noted (a run at 09:05 that crashed before its write):
    # a row whose id the Run log holds is another row, and stops the send log's write.
    state = config.state_dir
    state.mkdir(parents=True, exist_ok=True)
    lines = [
        {
            "run_id": f"M20261123-090500-00{n + 1}",
            "job": "digest",
            "started": "2026-11-23 09:00",
            "finished": "2026-11-23 09:00",
            "outcome": "sent",
            "steps": "volunteer 2026-W48",
            "changes": to,
            "problems": "0",
            "message": "",
        }
        for n, to in enumerate(("rob.smith@gmail.com", "sam@example.net"))
    ]
    (state / "sent.jsonl").write_text("".join(json.dumps(v) + "\n" for v in lines))
    (state / "sheetsync.log").write_text(
        "2026-11-23 07:00:01 sheetsync weekly ok\n"
        "2026-11-23 07:00:02 sheetsync digest volunteer 2026-W48 sent to rob.smith@gmail.com\n"
    )
    return backend, config


def cells_naming_him(backend, skip=()):
    """(tab, row, column) of every cell holding any of his words, but the rows in `skip`."""
    found = []
    for tab, rows in all_values(backend).items():
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                text = str(value or "")
                words = HIS + (() if (tab, r) in skip else PHONE)
                if any(word.casefold() in text.casefold() for word in words):
                    found.append((tab, r, c))
    return found


def files_naming_him(folder: Path, words=HIS):
    """Files under the config folder holding any of his words: as stored, decoded, unzipped."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        texts = [path.name, path.read_bytes().decode("utf-8", "replace")]
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            texts += [
                str(p.get_content()) for p in message.walk() if p.get_content_maintype() == "text"
            ]
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
        if any(word.casefold() in t.casefold() for t in texts for word in words):
            found.append(path.relative_to(folder))
    return found


def recipient(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"]


def linda_and_others(backend, config):
    """What forget must leave alone: the household member's and the others' data."""
    values = all_values(backend)
    people = by_id(backend, config, "people", "person_id")
    return {
        "people": {pid: people[pid] for pid in ("P0002", "P0003", "P0005")},
        "responses": [values[FORM_OF["requests"]][r] for r in (2, 3)],
        "offers": values[FORM_OF["offers"]][1],
        "needs": [
            n for n in records(backend, config, "needs") if n["person_id"] in ("P0002", "P0003")
        ],
    }


LINDAS = {(FORM_OF["requests"], 3), ("People", 3)}  # her rows hold the phone they share


@pytest.fixture
def forgotten(network):
    """The network, what forget must leave alone as it was before, and forget's result."""
    backend, config = network
    others = linda_and_others(backend, config)
    result = forget_person(backend, config, "P0004")  # his linked row's id finds him too
    return backend, config, others, result


def test_no_cell_or_file_holds_anything_of_his_and_his_household_keeps_theirs(
    network, forgotten, tmp_path
):
    backend, config, others, result = forgotten
    assert (result.person_id, result.linked) == ("P0001", ["P0004"])
    assert cells_naming_him(backend, skip=LINDAS) == []
    assert files_naming_him(tmp_path) == []
    assert files_naming_him(tmp_path, PHONE) == [Path("network.xlsx")]  # Linda's, still hers
    assert linda_and_others(backend, config) == others
    # The public digest (counts only) stays; every digest that named him is gone.
    left = [p for p in config.email.outbox.iterdir() if p.suffix == ".eml"]
    assert sorted(recipient(p) for p in left) == ["news@example.org"] * 2  # weeks 47 and 48
    sent = [r for r in records(backend, config, "run_log") if r["job"] == "digest"]
    assert sorted((r["steps"], r["changes"], bool(r["message"])) for r in sent) == [
        ("organizers 2026-W47", "org@example.org", True),
        ("organizers 2026-W48", "org@example.org", True),
        ("public 2026-W47", "news@example.org", True),
        ("public 2026-W48", "news@example.org", True),
        ("volunteer 2026-W48", "", False),  # his: the address, and the file it went to
        ("volunteer 2026-W48", "sam@example.net", True),
    ]
    journal = (config.state_dir / "sent.jsonl").read_text()
    assert "sam@example.net" in journal and "rob.smith" not in journal
    log = (config.state_dir / "sheetsync.log").read_text()
    assert log == "2026-11-23 07:00:01 sheetsync weekly ok\n"
    assert (result.files_removed, result.lines_removed) == (10, 2)
    # What forget reports names rows by tab, row and id only.
    assert not [w for w in (*HIS, *PHONE) if w in json.dumps(result.to_dict())]


def test_his_rows_keep_their_ids_and_nothing_goes_on_for_him(forgotten):
    backend, config, _, result = forgotten
    people = by_id(backend, config, "people", "person_id")
    for pid in ("P0001", "P0004"):
        assert filled(people[pid]) == {"person_id": pid, "do_not_contact": FORGOTTEN}
    needs = by_id(backend, config, "needs", "need_id")
    assert [filled(needs[n]) for n in ("N0001", "N0004")] == [
        {"need_id": "N0001", "person_id": "P0001", "category": "Groceries", "status": "withdrawn"}
        | {k: needs["N0001"][k] for k in ("urgency", "opened", "updated", "confirmed")},
        {"need_id": "N0004", "person_id": "P0001", "category": "Rides", "status": "withdrawn"}
        | {k: needs["N0004"][k] for k in ("urgency", "opened", "updated", "confirmed")},
    ]
    tasks = by_id(backend, config, "tasks", "task_id")
    # His task (Sam's for his groceries), Sam's for his ride, and his for Ann's laptop.
    assert {t: (tasks[t]["status"], tasks[t]["reasons"], tasks[t]["notes"]) for t in tasks} == {
        "T0001": ("cancelled", "", ""),
        "T0002": ("proposed", tasks["T0002"]["reasons"], ""),  # Linda's meals: untouched
        "T0003": ("cancelled", "", ""),
        "T0004": ("cancelled", "", ""),
    }
    assert tasks["T0002"]["reasons"]
    [error] = records(backend, config, "errors")
    assert filled(error) == {
        "error_id": "E0001",
        "form": "Weekly check-in",
        "first_seen": error["first_seen"],
        "status": "resolved",
    }
    [pair] = records(backend, config, "duplicates")
    assert (pair["name_a"], pair["name_b"], pair["evidence"]) == ("", "", "")
    load = by_id(backend, config, "load", "person_id")
    assert filled(load["P0001"]) == {"person_id": "P0001"}
    assert by_id(backend, config, "summary", "metric")[TOP_TWO_SHARE]["note"] == ""
    assert [(r.tab, r.row, r.id) for r in result.rows if r.tab == "People"] == [
        ("People", 2, "P0001"),
        ("People", 5, "P0004"),
    ]


def test_the_next_weekly_run_brings_nothing_back(forgotten, add_responses):
    """It reads his emptied responses as blank rows (or as a shorter tab): no new People or
    Errors row, his needs stay withdrawn, nobody is proposed for them nor he for anyone.
    A new response on a row that was his is someone new."""
    backend, config, _, _ = forgotten
    people = by_id(backend, config, "people", "person_id")
    tasks = records(backend, config, "tasks")
    rows = {tab: len(rows) for tab, rows in all_values(backend).items()}
    assert rows[FORM_OF["requests"]] == 4  # his last two requests ended the tab
    nina = {"name": "Nina Ortiz", "phone": "201 555 0199", "email": "nina@example.org"}
    add_responses("requests", request(**nina, timestamp=at(8), categories="Groceries"))

    report = weekly(backend, config, now=NOW + dt.timedelta(days=7))

    intake = report.step("intake").counts
    assert intake["responses"] == intake["valid"] + intake["invalid"]
    assert (intake["blank_rows"], intake["new_people"], intake["new_errors"]) == (1, 1, 0)
    after = by_id(backend, config, "people", "person_id")
    assert {pid: after[pid] for pid in ("P0001", "P0004")} == {
        pid: people[pid] for pid in ("P0001", "P0004")
    }
    # Linda shares her phone with nobody left: the run (not forget) ends her household.
    assert after["P0002"] == {**people["P0002"], "household": ""}
    assert (after["P0006"]["name"], after["P0006"]["source"]) == (
        "Nina Ortiz",
        "Form Responses 1:5",
    )
    needs = records(backend, config, "needs")
    assert [n["status"] for n in needs if n["person_id"] == "P0001"] == ["withdrawn", "withdrawn"]
    assert [(n["need_id"], n["source"]) for n in needs if n["person_id"] == "P0006"] == [
        ("N0005", "Form Responses 1:5")
    ]
    new_tasks = records(backend, config, "tasks")[len(tasks) :]
    assert new_tasks and not [
        t
        for t in new_tasks
        if t["need_id"] in ("N0001", "N0004")
        or "P0001" in (t["volunteer_id"], t["co_volunteer_id"])
    ]
    assert len(all_values(backend)["Errors"]) == rows["Errors"]
    assert cells_naming_him(backend, skip=LINDAS) == []


@pytest.mark.parametrize("given", ["P0001", "P0004", "p0004"])
def test_any_of_his_ids_gives_all_his_rows_and_a_dry_run_changes_nothing(network, tmp_path, given):
    backend, config = network
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    result = forget_person(backend, config, given, dry_run=True)

    assert (result.person_id, result.linked, result.dry_run) == ("P0001", ["P0004"], True)
    assert (result.files_removed, result.lines_removed) == (10, 2)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files
    done = forget_person(backend, config, given)
    assert done.rows == result.rows and not done.dry_run
    assert forget_person(backend, config, given).nothing_left


def test_an_unknown_id_says_where_to_find_the_id(network):
    backend, config = network
    with pytest.raises(UnknownPersonError) as caught:
        forget_person(backend, config, "P0099")
    assert str(caught.value) == (
        "No person 'P0099' on the 'People' tab. Give their id from its person_id column "
        "(e.g. P0042): find their row in the spreadsheet (Edit → Find, on their name), then "
        "copy the id. sheetsync never takes a name, email or phone here, so that none stays "
        "in your shell's history."
    )


def test_it_waits_for_no_run_and_writes_nothing_while_one_holds_the_lock(network, tmp_path):
    backend, config = network
    before = all_values(backend)
    with NetworkLock(config, "run weekly"), pytest.raises(LockHeldError):
        forget_person(backend, config, "P0001")
    assert all_values(backend) == before
    assert files_naming_him(tmp_path)


def test_a_response_arriving_while_it_works_stays_and_his_cells_are_still_emptied(
    network, monkeypatch
):
    """A response arriving between the read and the write lands below the rows forget
    read; forget's write goes where his rows are, so one read is enough."""
    backend, config = network
    reads = []
    real_read = forget.read_state

    def read_then_a_response_arrives(*args, **kwargs):
        state = real_read(*args, **kwargs)
        reads.append(state)
        if len(reads) == 1:
            tab = FORM_OF["offers"]
            n_rows = len(backend.read_tabs([tab])[tab].rows)
            row = list(offer(**ANN, timestamp=at(9)).values())
            backend.apply([TabChanges(tab=tab, start_row=n_rows + 1, append=[row])])
        return state

    monkeypatch.setattr(forget, "read_state", read_then_a_response_arrives)
    result = forget_person(backend, config, "P0001")
    assert len(reads) == 1 and result.rows
    assert cells_naming_him(backend, skip=LINDAS) == []
    assert all_values(backend)[FORM_OF["offers"]][-1][1] == "Ann Bell"


def test_a_sheet_saved_while_it_writes_is_read_again_before_writing(network, monkeypatch):
    """Another program saving the workbook during forget's own save refuses the write;
    forget reads the sheet again and writes then."""
    backend, config = network
    reads = []
    real_read = forget.read_state
    write = _Package.write

    def saved_meanwhile(package, out):
        write(package, out)
        if len(reads) == 1:
            tab = FORM_OF["offers"]
            n_rows = len(backend.read_tabs([tab])[tab].rows)
            row = list(offer(**ANN, timestamp=at(9)).values())
            reads.append("saved")  # once
            WorkbookBackend(config.workbook).apply(
                [TabChanges(tab=tab, start_row=n_rows + 1, append=[row])]
            )

    def read(*args, **kwargs):
        state = real_read(*args, **kwargs)
        reads.append(state)
        return state

    monkeypatch.setattr(forget, "read_state", read)
    monkeypatch.setattr(_Package, "write", saved_meanwhile)
    result = forget_person(backend, config, "P0001")
    assert len(reads) == 3 and result.rows  # read, the other save, read again
    assert cells_naming_him(backend, skip=LINDAS) == []
    assert all_values(backend)[FORM_OF["offers"]][-1][1] == "Ann Bell"


def test_what_he_shares_with_his_household_is_not_taken_for_him(network):
    """Linda's phone is his too: text naming only it is hers as much as his, so forget
    leaves it (her digests, her send log rows) and looks for his name, email and words."""
    backend, config = network
    traces = find_person(read_state(backend, config, keep_cells=True), "P0001", "US").traces
    assert not traces.in_text("Linda Smith, +12015550111")
    assert traces.in_text("ROBERT  SMITH") and traces.in_text(
        "Details: Insulin pickup; the key is under the blue pot."
    )
    assert traces.has_address("Your-tasks--Robert_Smith_rob.smith@gmail.com_.eml")
    assert traces.has_address("Your-tasks-2026-W48-P0004.eml")
    assert not traces.has_address("Your-tasks-2026-W48-P00041.eml")


def filled(record):
    """A record's non-empty cells (without the sheet row)."""
    return {k: v for k, v in record.items() if v and k != "_row"}


def test_on_google_sheets_her_emptied_last_row_reads_as_a_shorter_tab(
    sheets_emulator, service_account_key, tmp_path
):
    """The Google backend through the emulator: the same write, and Google's trimmed values
    (her response was the tab's last row) stop nothing on the next run."""
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    # Its lock and journal beside the test's files, not in the working directory.
    net.config = dataclasses.replace(net.config, schedule=ScheduleConfig(state_dir=tmp_path))
    init_spreadsheet(net.backend(), net.config)
    net.add_form_rows("requests", [request(**ANN, timestamp=at(0)), request(timestamp=at(1))])
    weekly(net.backend(), net.config)
    people = by_id(net.backend(), net.config, "people", "person_id")
    assert people["P0002"]["name"] == "Maria Garcia"

    result = forget_person(net.backend(), net.config, "P0002")

    assert [(r.tab, r.row, r.id) for r in result.rows][:2] == [
        ("Form Responses 1", 3, "Form Responses 1:3"),
        ("People", 3, "P0002"),
    ]
    values = net.snapshot()
    assert len(values["Form Responses 1"]) == 2  # her row, emptied, is trimmed away
    assert not [v for rows in values.values() for row in rows for v in row if "Maria" in str(v)]
    report = weekly(net.backend(), net.config, now=NOW + dt.timedelta(days=7))
    assert report.step("intake").counts["new_people"] == 0
    assert by_id(net.backend(), net.config, "people", "person_id")["P0001"] == people["P0001"]


def test_the_changes_tab_keeps_none_of_his_values(network):
    """A run records the cells it changes, old and new (the Changes tab, for undo): his
    among them. Forget empties those too; rows added stay recorded by id only."""
    backend, config = network
    write_cell(backend, config, "people", "P0001", "name", "Robert Smith Jr")
    write_cell(backend, config, "people", "P0001", "volunteer_note", "Call him before 5 pm")
    weekly(backend, config, now=NOW + dt.timedelta(hours=1))  # puts his name back: recorded
    assert {c[0] for c in cells_naming_him(backend, skip=LINDAS)} >= {"Changes"}
    forget_person(backend, config, "P0001")
    assert [c for c in cells_naming_him(backend, skip=LINDAS) if c[0] == "Changes"] == []
    changes = read_state(backend, config).tables["changes"].frame
    assert (changes["kind"] == "rows added").any()  # what other rows' undo needs stays


def test_the_errors_tab_keeps_no_reason_about_him(network):
    """Values organizers typed in his rows break their column's rule: the end of run check
    puts them on the Errors tab (a short typo quoted), and the organizers' digest sends its
    reasons. Forget empties the reason of every such row about his rows; the row stays,
    and the next run resolves it."""
    backend, config = network
    [task] = [t for t in records(backend, config, "tasks") if t["volunteer_id"] == "P0001"]
    write_cell(backend, config, "tasks", task["task_id"], "status", "ask Robert")
    write_cell(backend, config, "people", "P0001", "weekly_email", "only after his pain ends")
    weekly(backend, config, now=NOW + dt.timedelta(hours=1))
    sources = {"People:P0001", f"Tasks:{task['task_id']}"}
    before = {e["source"]: e for e in records(backend, config, "errors") if e["source"] in sources}
    assert set(before) == sources
    assert "('ask Robert')" in before[f"Tasks:{task['task_id']}"]["reason"]

    forget_person(backend, config, "P0001")
    after = {e["source"]: e for e in records(backend, config, "errors") if e["source"] in sources}
    kept = ("error_id", "form", "status", "first_seen")
    assert {s: (e["reason"], *(e[k] for k in kept)) for s, e in after.items()} == {
        s: ("", *(e[k] for k in kept)) for s, e in before.items()
    }
    weekly(backend, config, now=NOW + dt.timedelta(hours=2))
    errors = {e["source"]: e for e in records(backend, config, "errors") if e["source"] in sources}
    assert {s: e["status"] for s, e in errors.items()} == dict.fromkeys(sources, "resolved")
    assert [c for c in cells_naming_him(backend, skip=LINDAS) if c[0] == "Errors"] == []
