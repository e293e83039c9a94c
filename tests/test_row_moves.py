"""Rows taken back, rows moved (sheetsync/intake/row_moves.py, steps/intake.py) on a temp
workbook: a cleared last response stops nothing and is noted on Errors; a row deleted in
the middle, or a sorted tab, stops the run saying what to do; a row taken back and filled
again by the next response gets records of its own."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from babel.messages.extract import extract_from_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config
from sheetsync.errors import FormRowsMovedError
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.translation import available_languages
from tests.conftest import FORM_OF, NOW, all_values, make_config, offer, request
from tests.test_docs import catalog

REQUESTS = FORM_OF["requests"]
OFFERS = FORM_OF["offers"]
SHEETSYNC = Path(__file__).resolve().parents[1] / "sheetsync"


def weekly(backend: WorkbookBackend, config: Config) -> RunReport:
    return run_job(find_job("weekly", config), backend, config, now=NOW)


def records(backend: WorkbookBackend, config: Config, logical: str) -> list[dict[str, Any]]:
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def body(config: Config, tab: str) -> list[list[Any]]:
    """A tab's rows below its header, as the workbook holds them."""
    assert config.workbook is not None
    sheet = openpyxl.load_workbook(config.workbook)[tab]
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def rewrite(config: Config, tab: str, rows: list[list[Any]]) -> None:
    """Replace a tab's rows below its header: what deleting, sorting or clearing its last
    rows leaves (a sheet reads cleared last rows as no rows)."""
    assert config.workbook is not None
    book = openpyxl.load_workbook(config.workbook)
    sheet = book[tab]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    book.save(config.workbook)


def person(i: int) -> dict[str, Value]:
    """The i-th requester: a name, phone, email and Timestamp of their own."""
    return request(
        name=f"Person {chr(65 + i % 26)}{'x' * (i // 26)} Example",
        email=f"p{i}@example.org",
        phone=f"(201) 555-01{i:02d}",
        timestamp=dt.datetime(2026, 11, 10, 9, 0) + dt.timedelta(hours=i),
    )


def append(backend: WorkbookBackend, tab: str, form: str, *answers: dict[str, Value]) -> None:
    """Responses added at the tab's end, as Google Forms adds them."""
    names = load_schemas()[form].names
    n = len(backend.read_tabs([tab])[tab].rows)
    rows = [[a.get(k, "") for k in names] for a in answers]
    backend.apply([TabChanges(tab=tab, start_row=n + 1, append=rows)])


def notes_of(backend: WorkbookBackend, config: Config) -> dict[str, dict[str, Any]]:
    return {e["source"]: e for e in records(backend, config, "errors") if e["status"] == "noted"}


# -- named cases ------------------------------------------------------------------------------


def test_a_cleared_last_response_withdraws_its_needs_and_is_noted(backend, config) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    rewrite(config, REQUESTS, body(config, REQUESTS)[:1])  # the last response cleared
    report = weekly(backend, config)
    assert report.outcome == "ok"
    needs = {n["name"]: n["status"] for n in records(backend, config, "needs")}
    assert needs == {"Person A Example": "open", "Person B Example": "withdrawn"}
    assert {p["name"] for p in records(backend, config, "people")} == {
        "Person A Example",
        "Person B Example",
    }
    note = notes_of(backend, config)[f"{REQUESTS}:3"]
    assert (note["tab"], note["row"], note["name"], note["timestamp"]) == (REQUESTS, "3", "", "")
    assert note["reason"].startswith(f"This response is gone from tab '{REQUESTS}'")
    assert "Person" not in note["reason"] and "example" not in note["reason"]
    again = weekly(backend, config)  # the note stays while the row stays gone
    assert again.outcome == "ok" and f"{REQUESTS}:3" in notes_of(backend, config)


def test_the_next_response_on_a_cleared_row_gets_needs_of_its_own(backend, config) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    [_, old] = records(backend, config, "needs")
    rewrite(config, REQUESTS, body(config, REQUESTS)[:1])
    weekly(backend, config)
    append(backend, REQUESTS, "requests", person(2))  # lands on row 3 again
    assert weekly(backend, config).outcome == "ok"
    needs = {n["need_id"]: n for n in records(backend, config, "needs")}
    assert (needs[old["need_id"]]["name"], needs[old["need_id"]]["status"]) == (
        "Person B Example",
        "withdrawn",
    )
    assert needs[old["need_id"]]["source"] == ""  # it no longer names the row
    [new] = [n for n in needs.values() if n["source"] == f"{REQUESTS}:3"]
    assert (new["name"], new["status"]) == ("Person C Example", "open")
    assert new["need_id"] != old["need_id"]
    assert notes_of(backend, config) == {}  # the note resolved: a response is on the row


def test_a_cleared_last_response_put_back_is_taken_in_as_it_was(backend, config) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    rows = body(config, REQUESTS)
    rewrite(config, REQUESTS, rows[:1])
    weekly(backend, config)
    rewrite(config, REQUESTS, rows)  # File → Version history
    assert weekly(backend, config).outcome == "ok"
    needs = [(n["need_id"], n["name"], n["status"]) for n in records(backend, config, "needs")]
    assert needs == [
        ("N0001", "Person A Example", "open"),
        ("N0002", "Person B Example", "open"),
    ]


def test_a_row_deleted_in_the_middle_stops_the_run_saying_what_to_do(backend, config) -> None:
    append(backend, REQUESTS, "requests", person(0), person(1), person(2))
    weekly(backend, config)
    rows = body(config, REQUESTS)
    rewrite(config, REQUESTS, [rows[0], rows[2]])
    before = all_values(backend)
    with pytest.raises(FormRowsMovedError) as stopped:
        weekly(backend, config)
    assert str(stopped.value).startswith(
        f"Rows were sorted or deleted in tab '{REQUESTS}': row 3 now holds the response "
        "sheetsync read at row 4."
    )
    assert "Undo the change" in str(stopped.value)
    after = all_values(backend)
    before.pop("Run log"), after.pop("Run log")
    assert after == before


def test_an_offer_deleted_in_the_middle_stops_the_run(backend, config) -> None:
    """Offers make no needs: their rows are told by the person each one is."""
    volunteers = [
        offer(name=n, email=f"{n.split()[0].lower()}@example.net", phone=p)
        for n, p in (
            ("Sam Lee", "201-555-0170"),
            ("Ada Ray", "201-555-0171"),
            ("Bo Chan", "201-555-0172"),
        )
    ]
    append(backend, OFFERS, "offers", *volunteers)
    weekly(backend, config)
    rows = body(config, OFFERS)
    rewrite(config, OFFERS, [rows[0], rows[2]])
    with pytest.raises(
        FormRowsMovedError, match="row 3 now holds the response sheetsync read at row 4"
    ):
        weekly(backend, config)


def test_an_edited_response_is_no_moved_row(backend, config) -> None:
    """An edit gives a row new answers and a newer Timestamp: never another row's."""
    append(backend, REQUESTS, "requests", person(0), person(1))
    weekly(backend, config)
    rows = body(config, REQUESTS)
    rows[0][0] = dt.datetime(2026, 11, 19, 9, 0)
    rows[0][1] = "Person A Example-Diaz"
    rewrite(config, REQUESTS, rows[:1])  # and the last one cleared
    assert weekly(backend, config).outcome == "ok"


def test_the_messages_have_their_spanish() -> None:
    """Every message these modules write has its entry in each catalog (Babel's extractor,
    as tests/test_tab_messages.py checks the tabs')."""
    keywords = {"translate": (2,), "gettext_noop": (1,)}
    found = [
        message
        for module in ("intake/row_moves.py", "intake/phone_log.py")
        for _, message, _, _ in extract_from_file(
            "python", str(SHEETSYNC / module), keywords=keywords
        )
    ]
    found.append("No phone. How to reach them:")  # templates/calls/sheet.html
    assert len(found) == 4  # the cleared note, the empty When, the reach label, the sheet's
    for language in sorted(available_languages() - {"en"}):
        words = catalog(language)
        assert [m for m in found if not (words.get(m) and words.get(m).string)] == []


# -- any history of appending, clearing the last rows, deleting and sorting --------------------

_EVENTS = st.one_of(
    st.just(("append",)),
    st.just(("clear_last",)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.just(("sort",)),
)


class _History:
    """A form's tab under a history of events, run after each; what must always hold."""

    def __init__(self, folder: str, form: str) -> None:
        self.form, self.tab = form, FORM_OF[form]
        self.config = make_config(Path(folder) / "network.xlsx")
        assert self.config.workbook is not None
        self.backend = WorkbookBackend(self.config.workbook)
        init_spreadsheet(self.backend, self.config)
        self.added = 0
        self.names: dict[str, str] = {}  # need or person id -> the name it was made for
        self.people: set[str] = set()
        self.good: list[list[Any]] = []  # the rows of the last run that went on

    def apply(self, event: tuple[Any, ...]) -> bool:
        """Do the event on the tab; whether it moves a response off its row."""
        rows = body(self.config, self.tab)
        if event[0] == "append":
            append(self.backend, self.tab, self.form, answers_of(self.form, self.added))
            self.added += 1
            return False
        if event[0] == "clear_last":
            rewrite(self.config, self.tab, rows[:-1])
            return False
        if event[0] == "delete" and rows:
            k = event[1] % len(rows)
            rewrite(self.config, self.tab, rows[:k] + rows[k + 1 :])
            return k < len(rows) - 1  # the last row deleted is the last row cleared
        if event[0] == "sort":
            rewrite(self.config, self.tab, rows[::-1])
            return len(rows) > 1
        return False

    def run(self, moves: bool) -> None:
        """Run: it stops exactly when a response moved, writing nothing; else check."""
        rows = body(self.config, self.tab)
        before = all_values(self.backend)
        try:
            weekly(self.backend, self.config)
        except FormRowsMovedError as stopped:
            assert moves, str(stopped)
            assert "Undo the change" in str(stopped)
            after = all_values(self.backend)
            before.pop("Run log"), after.pop("Run log")
            assert after == before
            rewrite(self.config, self.tab, self.good)  # what it asks: undo the change
            return
        assert not moves
        self.check(rows)

    def check(self, rows: list[list[Any]]) -> None:
        """Each row's response is its person's and its need's; no record lost or re-aimed."""
        self.good = rows
        needs = records(self.backend, self.config, "needs")
        people = records(self.backend, self.config, "people")
        by_ref = {f"{self.tab}:{i}": row[1] for i, row in enumerate(rows, start=2)}
        for person in people:
            pid = person["person_id"]
            assert self.names.setdefault(pid, person["name"]) == person["name"]
        for need in needs:
            assert self.names.setdefault(need["need_id"], need["name"]) == need["name"]
            if need["source"] in by_ref:
                assert (need["name"], need["status"]) == (by_ref[need["source"]], "open")
            else:
                assert need["status"] == "withdrawn"
        ids = {n["need_id"] for n in needs} | {p["person_id"] for p in people}
        assert set(self.names) == ids  # none lost
        listed = {ref: p["name"] for p in people for ref in p["source"].split("; ") if ref}
        assert listed == by_ref
        self.people |= {p["name"] for p in people}
        assert self.people == {p["name"] for p in people}  # nobody lost


def answers_of(form: str, i: int) -> dict[str, Value]:
    """The i-th response to a form: the i-th requester's, or an offer of theirs."""
    answers = person(i)
    if form == "requests":
        return answers
    keys = ("name", "email", "phone", "timestamp")
    return offer(**{k: answers[k] for k in keys})


@pytest.mark.parametrize("form", ["requests", "offers"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_EVENTS, min_size=1, max_size=7))
def test_no_response_is_ever_mispointed_nor_lost(form: str, events: list[tuple[Any, ...]]) -> None:
    """Offers make no needs: their rows are told apart by their people."""
    with tempfile.TemporaryDirectory() as folder:
        history = _History(folder, form)
        for event in events:
            history.run(history.apply(event))
