"""The call sheet (sheetsync/call_sheet.py): the week's open calls of the Call list, on
paper. The page is parsed back (html.parser) and checked by its structure: groups, rows,
cells, boxes; privacy by who is left out; the week by a property over any dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.call_sheet import (
    CallSheet,
    LeftOut,
    Paper,
    dialled,
    page_language,
    paper_of,
    read_call_sheet,
    render_call_sheet,
    select_calls,
    summary_lines,
    week_of,
    week_start,
)
from sheetsync.calls import CallReason
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.privacy import Policy
from sheetsync.schema import load_schemas
from sheetsync.tables import empty_record, records_of
from tests.conftest import NOW, make_config, request, write_cell

SCHEMAS = load_schemas()
WEEK = "2026-W49"  # Monday 30 November to Sunday 6 December 2026
IN_WEEK = "2026-12-01 09:00"
MADE = dt.datetime(2026, 12, 3, 18, 30)


def person(pid: str, name: str, consent: str = "yes", **cells: str) -> dict[str, Any]:
    """A People row whose form answer to the consent question is `consent`."""
    base = {
        "person_id": pid,
        "name": name,
        "phone": "+12015550100",
        "consent_answer": consent,
        "consent_date": "2026-11-20 10:00",
    }
    return empty_record(SCHEMAS["people"], **(base | cells))


def call(cid: str, pid: str, reason: str = "confirmation", **cells: str) -> dict[str, Any]:
    """A Call list row as the confirm and feedback steps add it."""
    base = {
        "call_id": cid,
        "reason": reason,
        "person_id": pid,
        "name": f"Name of {pid}",
        "phone": "+12015550143",
        "language": "en",
        "what_to_say": f"Script for {cid}.",
        "added": IN_WEEK,
    }
    return empty_record(SCHEMAS["call_list"], **(base | cells))


def sheet_of(rows, people, *, language="en", locale="en_US", week=WEEK) -> CallSheet:
    return CallSheet(
        network="Eastside Mutual Aid & Friends",
        week=week,
        made=MADE,
        language=language,
        locale=locale,
        paper=Paper.LETTER,
        selection=select_calls(rows, Policy(people), week),
    )


class Page(HTMLParser):
    """What a printed call sheet shows: its groups (reason, title), each row's cells by
    class, and how many boxes each row has to tick."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.groups: list[dict[str, Any]] = []
        self.rows: list[dict[str, Any]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._cell: str | None = None
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        classes = (found.get("class") or "").split()
        if tag == "section" and "group" in classes:
            self.groups.append({"reason": found["data-reason"], "title": "", "rows": []})
        elif tag == "tr" and "call" in classes:
            row = {"call": found["data-call"], "boxes": 0}
            self.rows.append(row)
            self.groups[-1]["rows"].append(row["call"])
        elif "box" in classes:
            self.rows[-1]["boxes"] += 1
        elif tag in ("td", "div") and classes and self.rows:
            self._cell = classes[0]
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in:
            self._in.pop()
        if tag in ("td", "div"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] == "h2" and self.groups:
            self.groups[-1]["title"] += data
        elif self._cell and self.rows and data.strip():
            cells = self.rows[-1]
            cells[self._cell] = (cells.get(self._cell, "") + " " + data.strip()).strip()

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


# --- what the page shows ---


def test_one_row_per_call_grouped_by_kind_with_name_phone_language_script_and_boxes():
    people = [person("P0001", "Ana Ruiz"), person("P0002", "Bo Li")]
    rows = [
        call("C0003", "P0001", "feedback", added="2026-12-02 10:00"),
        call("C0001", "P0001", "confirmation", language="es", what_to_say="Hola, somos…"),
        call("C0002", "P0002", "follow-up", phone="+525512345678"),
        call("C0004", "P0002", "confirmation", added="2026-12-01 08:00", name="Bo Li"),
    ]
    page = Page(render_call_sheet(sheet_of(rows, people)))
    assert [(g["reason"], g["rows"]) for g in page.groups] == [
        ("confirmation", ["C0004", "C0001"]),  # oldest first
        ("follow-up", ["C0002"]),
        ("feedback", ["C0003"]),
    ]
    assert [g["title"] for g in page.groups] == [
        "Confirmations: tell them their request came in (2)",
        "Follow-ups: they asked to be called (1)",
        "After help: ask whether it came (1)",
    ]
    first = next(r for r in page.rows if r["call"] == "C0001")
    assert first == {
        "call": "C0001",
        "boxes": 4,
        "name": "Name of P0001",
        "phone": "(201) 555-0143",  # as dialled at home
        "call-id": "Call no. C0001",
        "language": "Spanish",
        "script": "Hola, somos…",
        "outcome": "Reached No answer Left a message Wrong number",
    }
    abroad = next(r for r in page.rows if r["call"] == "C0002")
    assert abroad["phone"] == "011 52 55 1234 5678"  # the US exit code, never a leading +
    assert all(r["boxes"] == 4 for r in page.rows)
    text = page.all_text
    assert "Eastside Mutual Aid & Friends" in text
    assert "Calls to make, week 2026-W49 (Nov 30 – Dec 6, 2026). Printed December 3, 2026." in text


def test_a_name_or_script_with_markup_is_shown_as_text_and_never_runs():
    people = [person("P0001", "x")]
    rows = [
        call(
            "C0001",
            "P0001",
            name='<script>alert("x")</script> Ana',
            what_to_say="<b>Hello</b> & <img src=x onerror=alert(1)>",
        ),
        call("C0002", "P0001", name='=HYPERLINK("http://example.com")'),
    ]
    html = render_call_sheet(sheet_of(rows, people))
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    cells = {r["call"]: r for r in page.rows}
    assert cells["C0001"]["name"] == '<script>alert("x")</script> Ana'
    assert cells["C0001"]["script"] == "<b>Hello</b> & <img src=x onerror=alert(1)>"
    # A spreadsheet opening the .html would take =… for a formula: prefixed, as the digests.
    assert cells["C0002"]["name"] == '\'=HYPERLINK("http://example.com")'


def test_the_print_stylesheet_sets_the_paper_page_breaks_and_large_type():
    people = [person("P0001", "Ana")]
    rows = [call("C0001", "P0001"), call("C0002", "P0001", "feedback")]
    for paper in Paper:
        sheet = dataclasses.replace(sheet_of(rows, people), paper=paper)
        html = render_call_sheet(sheet)
        assert f"@page {{ size: {paper.value} portrait;" in html
    assert "section.group + section.group { break-before: page;" in html
    assert "tr { break-inside: avoid;" in html
    assert "thead { display: table-header-group; }" in html  # headers again on a new page
    assert "font-size: 13pt" in html and "color: #000; background: #fff" in html


def test_no_calls_says_so():
    page = Page(render_call_sheet(sheet_of([], [])))
    assert page.groups == [] and "No open calls this week." in page.all_text


@pytest.mark.parametrize(
    ("locale", "language", "paper"),
    [
        ("en_US", "en", Paper.LETTER),
        ("es_MX", "es", Paper.LETTER),
        ("es_ES", "es", Paper.A4),
        ("en_GB", "en", Paper.A4),
        ("fr_CA", "en", Paper.LETTER),  # no French catalog yet: English words
        ("en", "en", Paper.A4),
    ],
)
def test_the_page_language_and_paper_follow_the_networks_locale(tmp_path, locale, language, paper):
    config = make_config(tmp_path / "n.xlsx", locale=locale)
    assert (page_language(config), paper_of(config)) == (language, paper)


def test_in_spanish_the_pages_own_words_dates_and_language_names_are_spanish():
    people = [person("P0001", "Ana Ruiz")]
    rows = [
        call("C0001", "P0001", language="es", what_to_say="Hola."),
        call("C0002", "P0001", "feedback", language="en"),
        call("C0003", "P0001", "follow-up", language="es"),
    ]
    page = Page(render_call_sheet(sheet_of(rows, people, language="es", locale="es_MX")))
    assert [g["title"] for g in page.groups] == [
        "Confirmaciones: decirles que recibimos su pedido (1)",
        "Seguimiento: pidieron que les llamáramos (1)",
        "Después de la ayuda: preguntar si llegó (1)",
    ]
    cells = {r["call"]: r for r in page.rows}
    assert (cells["C0001"]["language"], cells["C0002"]["language"]) == ("Español", "Inglés")
    assert cells["C0001"]["outcome"] == "Contestó No contestó Dejé un mensaje Número equivocado"
    assert cells["C0001"]["call-id"] == "Llamada n.º C0001"
    text = page.all_text
    assert "Quién Hablar en Qué decir Resultado" in text
    assert "Impreso el 3 de diciembre de 2026." in text
    assert "semana 2026-W49" in text
    english = [
        "Calls to make",
        "Printed",
        "Who",
        "What to say",
        "Outcome",
        "Reached",
        "No answer",
        "Tick a box",
        "keep it with you",
        "Made by sheetsync",
        "Confirmations",
    ]
    assert [w for w in english if w in text] == []


# --- who is on it ---


@pytest.mark.parametrize(
    ("rows_of_person", "why"),
    [
        # Marked on a linked duplicate row: it counts for the person.
        (
            [
                person("P0001", "Ana"),
                person("P0009", "Ana R", duplicate_of="P0001", do_not_contact="x"),
            ],
            LeftOut.DO_NOT_CONTACT,
        ),
        # Said yes, then no on a later form: withdrawn.
        (
            [
                person("P0001", "Ana"),
                person(
                    "P0009",
                    "Ana R",
                    consent="No",
                    consent_date="2026-11-28 10:00",
                    duplicate_of="P0001",
                ),
            ],
            LeftOut.NO_CONSENT,
        ),
        # Said yes; an organizer wrote what she said by phone since.
        ([person("P0001", "Ana", consent_override="no")], LeftOut.NO_CONSENT),
        ([person("P0001", "Ana", consent="First name only")], LeftOut.NO_CONSENT),
        ([person("P0001", "Ana", consent="")], LeftOut.NO_CONSENT),  # never answered
        ([person("P0002", "Bo")], LeftOut.NOT_ON_PEOPLE),
    ],
)
def test_who_may_not_go_on_paper_is_left_out_and_counted(rows_of_person, why):
    people = [*rows_of_person, person("P0003", "Cy")]
    rows = [call("C0001", "P0001"), call("C0002", "P0003")]
    sheet = sheet_of(rows, people)
    assert [c.call_id for c in sheet.selection.calls] == ["C0002"]
    assert sheet.counts()["left_out"] == {k.value: int(k is why) for k in LeftOut}
    html = render_call_sheet(sheet)
    assert "C0001" not in html and "Name of P0001" not in html


def test_do_not_contact_wins_over_a_yes_and_an_empty_phone_is_left_out():
    people = [person("P0001", "Ana", do_not_contact="yes"), person("P0002", "Bo")]
    rows = [call("C0001", "P0001"), call("C0002", "P0002", phone=" ")]
    left = sheet_of(rows, people).counts()["left_out"]
    assert (left["do_not_contact"], left["no_phone"], left["no_consent"]) == (1, 1, 0)


def test_what_the_command_says_counts_and_never_names():
    people = [person("P0001", "Ana Ruiz", consent="No"), person("P0002", "Bo Li")]
    rows = [
        call("C0001", "P0001", name="Ana Ruiz"),
        call("C0002", "P0002", name="Bo Li"),
        call("C0003", "P0002", added="2026-11-25 09:00"),  # last week, still open
    ]
    sheet = sheet_of(rows, people)
    lines = summary_lines(sheet)
    assert lines == [
        "2 calls to make in 2026-W49: 2 confirmations, 0 follow-ups, 0 asks after help.",
        "1 calls are not on the page: the person has not agreed to share their contact "
        "beyond the organizers. Call them from the Call list tab.",
        "1 of these calls are from before 2026-W49 (or have no date in their added column) "
        "and are still open: they are on the page too.",
    ]
    said = " ".join(lines) + str(sheet.to_dict())
    assert not [w for w in ("Ana", "Ruiz", "Bo Li", "555", "Script") if w in said]
    assert sheet.file_name == "calls-2026-W49.html"


# --- which week ---

moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    added=st.lists(st.tuples(moments, st.booleans(), st.booleans()), max_size=12),
    now=moments,
)
def test_exactly_the_calls_still_open_by_the_end_of_the_week(added, now):
    """Whatever the calls' dates and the day it is printed: the page holds the open calls
    (nothing in called; an outcome alone does not close one) added before the end of now's
    ISO week: this week's and earlier weeks' still open, never a later week's."""
    people = [person("P0001", "Ana")]
    rows = [
        call(
            f"C{k:04d}",
            "P0001",
            added=when.strftime("%Y-%m-%d %H:%M:%S"),
            called="2026-12-01" if called else "",
            outcome="no answer" if noted else "",
        )
        for k, (when, called, noted) in enumerate(added)
    ]
    week = week_of(now)
    selection = select_calls(rows, Policy(people), week)
    start, end = week_start(week), week_start(week) + dt.timedelta(days=7)
    by_end = [(f"C{k:04d}", when, called) for k, (when, called, _) in enumerate(added)]
    assert {c.call_id for c in selection.calls} == {
        c for c, when, called in by_end if not called and when < end
    }
    assert selection.done == sum(called and start <= when < end for _, when, called in by_end)
    assert selection.earlier_open == sum(not called and when < start for _, when, called in by_end)


@pytest.mark.parametrize(
    ("added", "on_page"),
    [
        ("2026-11-30 00:00", True),  # Monday midnight starts the week
        ("2026-12-06 23:59:59", True),
        ("2026-11-29 23:59", True),  # last week's, still open
        ("2026-12-07 00:00", False),  # next week's
        ("2026-12-01", True),  # a date typed over the stamp
        ("2026-12-01T10:00:00Z", True),  # ISO with an offset: the clock time as typed
        ("yesterday", True),  # no date to place it by: on the page, not hidden
        ("", True),
    ],
)
def test_the_weeks_edges_and_stamps_typed_over(added, on_page):
    sheet = sheet_of([call("C0001", "P0001", added=added)], [person("P0001", "Ana")])
    assert bool(sheet.selection.calls) is on_page


@pytest.mark.parametrize(
    ("text", "week", "start"),
    [
        ("2026-W49", "2026-W49", dt.datetime(2026, 11, 30)),
        ("2026-w9", "2026-W09", dt.datetime(2026, 2, 23)),
        ("2026-W53", "2026-W53", dt.datetime(2026, 12, 28)),  # 2026 has 53 ISO weeks
        ("2027-W01", "2027-W01", dt.datetime(2027, 1, 4)),
    ],
)
def test_an_iso_week_and_its_monday(text, week, start):
    assert week_start(text) == start
    assert week_of(week_start(text)) == week


@pytest.mark.parametrize("text", ["2026-49", "W49", "2025-W53", "2026-W00", "next week"])
def test_what_is_not_an_iso_week(text):
    with pytest.raises(ValueError):
        week_start(text)


@pytest.mark.parametrize(
    ("phone", "region", "shown"),
    [
        ("+12015550143", "US", "(201) 555-0143"),
        ("+525512345678", "US", "011 52 55 1234 5678"),
        ("+525512345678", "MX", "55 1234 5678"),
        ("+12015550143", "MX", "00 1 201-555-0143"),
        ("+447911123456", "GB", "07911 123456"),
        ("ask at the shop", "US", "ask at the shop"),
        ("+1", "US", "+1"),
    ],
)
def test_a_phone_is_shown_as_dialled_from_the_networks_country(phone, region, shown):
    assert dialled(phone, region) == shown


# --- through the backend: the Call list the steps fill ---


def test_the_sheet_of_a_run_leaves_out_whom_it_must(backend, config, add_responses):
    """Three requesters by phone only: Luis (yes), Rosa (answered no) and Pat (yes, marked
    do not contact by an organizer after the Call list got his row)."""
    just_now = NOW - dt.timedelta(hours=2)
    phoned = {"email": "", "contact_pref": "Call", "timestamp": just_now}
    add_responses(
        "requests",
        request(name="Luis Ortega", phone="201 555 0102", languages="Spanish", **phoned),
        request(name="Rosa Diaz", phone="201 555 0103", consent="No", **phoned),
        request(name="Pat Kim", phone="201 555 0104", languages="English", **phoned),
    )
    run_job(find_job("intake", config), backend, config, now=NOW)
    tables = read_state(backend, config).tables
    listed = records_of(tables["call_list"].frame)
    assert len(listed) == 3  # the Call list has everyone; the page does not
    pat = next(p for p in records_of(tables["people"].frame) if p["name"] == "Pat Kim")
    write_cell(backend, config, "people", pat["person_id"], "do_not_contact", "x")

    sheet = read_call_sheet(backend, config, NOW + dt.timedelta(days=2))
    assert sheet.week == "2026-W48" and sheet.paper is Paper.LETTER
    [luis] = sheet.selection.calls
    assert (luis.name, luis.reason, luis.language) == ("Luis Ortega", CallReason.CONFIRMATION, "es")
    assert sheet.counts()["left_out"] == {
        "do_not_contact": 1,
        "no_consent": 1,
        "no_phone": 0,
        "not_on_people": 0,
    }
    page = Page(render_call_sheet(sheet))
    assert [r["name"] for r in page.rows] == ["Luis Ortega"]
    assert page.rows[0]["phone"] == "(201) 555-0102"
    assert "Hola" in page.rows[0]["script"]  # the script in his language

    # The next week, nothing new: last week's call still open is on that week's page too.
    later = read_call_sheet(backend, config, NOW + dt.timedelta(days=7))
    assert [c.call_id for c in later.selection.calls] == [c.call_id for c in sheet.selection.calls]
    assert later.selection.earlier_open == len(later.selection.calls) == 1
