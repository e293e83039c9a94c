"""The intake step through the real pipeline on a temp workbook: People, Needs, Errors."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.backends.xlsx_patch import _Package
from sheetsync.errors import (
    FormRowsMovedError,
    MissingColumnError,
    SheetChangedError,
    StepError,
)
from sheetsync.feedback.model import answer_refs
from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import (
    FORM_OF,
    NOW,
    all_values,
    assert_only_the_failure_was_logged,
    checkin,
    edit_response,
    feedback,
    offer,
    request,
)


def weekly(backend, config, **kwargs):
    return run_job(find_job("weekly", config), backend, config, now=NOW, **kwargs)


def records(backend, config, logical):
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def test_valid_request_makes_a_person_and_one_need_per_category(backend, config, add_responses):
    add_responses("requests", request(categories="Groceries, Rides", name="MARIA  GARCIA"))
    report = weekly(backend, config)
    assert report.step("intake").counts["new_people"] == 1
    [person] = records(backend, config, "people")
    assert person["person_id"] == "P0001"
    assert person["name"] == "Maria Garcia"
    assert person["phone"] == "+12015550143"
    assert person["email"] == "maria@example.org"
    assert person["roles"] == "requester"
    assert person["consent"] == "yes"
    assert person["source"] == "Form Responses 1:2"
    needs = records(backend, config, "needs")
    assert [(n["need_id"], n["category"], n["status"], n["person_id"]) for n in needs] == [
        ("N0001", "Groceries", "open", "P0001"),
        ("N0002", "Rides", "open", "P0001"),
    ]
    assert needs[0]["opened"] == "2026-11-20 10:00"


def test_second_run_changes_nothing(backend, config, add_responses):
    add_responses(
        "requests",
        request(),
        request(name="Ann Bell", email="ann@example.org", phone="201 555 0101"),
    )
    add_responses("offers", offer())
    add_responses("checkins", checkin())
    first = weekly(backend, config)
    assert first.rows_added > 0
    second = weekly(backend, config)
    assert [t.tab for t in second.tabs] == []
    assert second.rows_added == 0 and second.cells_changed == 0


def test_every_response_row_ends_in_exactly_one_place(backend, config, add_responses):
    add_responses(
        "requests",
        request(),
        request(zone="", name="No Zone", email="nz@example.org"),
        request(email="maria@@example.org", name="Bad Email", phone=""),
        request(name="Ann Bell", email="ann@example.org", phone="2015550101"),
    )
    add_responses("offers", offer(phone="555-12", email=""), offer())
    report = weekly(backend, config)
    counts = report.step("intake").counts
    assert counts["responses"] == counts["valid"] + counts["invalid"] == 6
    people_refs = {
        ref for p in records(backend, config, "people") for ref in p["source"].split("; ")
    }
    error_refs = {e["source"] for e in records(backend, config, "errors") if e["status"] == "open"}
    assert people_refs & error_refs == set()
    assert people_refs | error_refs == {
        "Form Responses 1:2",
        "Form Responses 1:3",
        "Form Responses 1:4",
        "Form Responses 1:5",
        "Form Responses 2:2",
        "Form Responses 2:3",
    }
    assert error_refs == {"Form Responses 1:3", "Form Responses 1:4", "Form Responses 2:2"}
    errors = {e["source"]: e for e in records(backend, config, "errors")}
    assert errors["Form Responses 1:3"]["fields"] == "Neighbourhood"
    assert (errors["Form Responses 1:3"]["tab"], errors["Form Responses 1:3"]["row"]) == (
        "Form Responses 1",
        "3",
    )
    assert "'Neighbourhood' is empty" in errors["Form Responses 1:3"]["reason"]
    assert errors["Form Responses 2:2"]["fields"] == "Phone number"
    assert errors["Form Responses 2:2"]["reason"].startswith(
        "'Phone number' is not a valid US phone number"
    )


def test_edited_response_updates_its_records_instead_of_adding(
    backend, config, schemas, add_responses
):
    add_responses("requests", request(categories="Groceries, Meals"))
    weekly(backend, config)
    edit_response(
        backend,
        schemas,
        "requests",
        2,
        timestamp=dt.datetime(2026, 11, 21, 9, 30),
        phone="+1 201 555 0199",
        categories="Groceries, Childcare",
    )
    report = weekly(backend, config)
    assert report.step("intake").counts["new_people"] == 0
    [person] = records(backend, config, "people")
    assert person["phone"] == "+12015550199"
    needs = {n["category"]: n for n in records(backend, config, "needs")}
    assert needs["Groceries"]["need_id"] == "N0001"
    assert needs["Groceries"]["opened"] == "2026-11-20 10:00"  # waiting time keeps counting
    assert needs["Groceries"]["updated"] == "2026-11-21 09:30"
    assert needs["Meals"]["status"] == "withdrawn"
    assert needs["Childcare"]["status"] == "open"


def test_fixed_response_resolves_its_error(backend, config, schemas, add_responses):
    add_responses("requests", request(zone="Eastsid"))
    weekly(backend, config)
    [error] = records(backend, config, "errors")
    assert error["status"] == "open"
    assert "Did you mean 'Eastside'?" in error["reason"]
    edit_response(backend, schemas, "requests", 2, zone="Eastside")
    weekly(backend, config)
    [error] = records(backend, config, "errors")
    assert error["status"] == "resolved"
    assert len(records(backend, config, "people")) == 1


@pytest.mark.parametrize(
    ("second", "people"),
    [
        ({"phone": "2015550143", "email": "maria@example.org"}, 1),  # same email
        ({"phone": "(201) 555-0143", "email": "", "name": "maria garcia"}, 1),  # phone + name
        ({"phone": "(201) 555-0143", "email": "luis@example.org", "name": "Luis Garcia"}, 2),
        ({"phone": "", "email": "maria@example.org", "name": "Luis Garcia"}, 2),
        ({"phone": "", "email": "MARIA@example.org", "name": "Maria"}, 1),
        ({"phone": "", "email": "maria@example.org", "name": "Bob Garcia"}, 2),
    ],
    ids=[
        "same-email",
        "same-phone-same-name",
        "household-shares-phone",
        "household-shares-email",
        "first-name-only-same-email",
        "nickname-is-for-dedupe",
    ],
)
def test_people_are_linked_only_when_certain(backend, config, add_responses, second, people):
    add_responses("requests", request(), request(timestamp=dt.datetime(2026, 11, 21), **second))
    weekly(backend, config)
    assert len(records(backend, config, "people")) == people


def test_a_requester_who_also_offers_is_one_person_with_both_roles(backend, config, add_responses):
    add_responses("requests", request(offers_note="I can cook for a neighbour"))
    add_responses(
        "offers",
        offer(
            name="Maria Garcia", email="maria@example.org", phone="2015550143", weekly_capacity="2"
        ),
    )
    add_responses(
        "checkins",
        checkin(
            name="Maria Garcia",
            email="maria@example.org",
            checkin_status="Red – I need a break",
            checkin_hours="0",
        ),
    )
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert person["roles"] == "requester, volunteer"
    assert person["offers"] == "Groceries, Rides"
    assert person["offers_note"] == "I can cook for a neighbour"
    assert person["weekly_capacity"] == "2"
    assert (person["checkin_status"], person["checkin_hours"]) == ("red", "0")
    assert person["source"] == "Form Responses 1:2; Form Responses 2:2; Form Responses 3:2"


def test_formula_looking_text_is_stored_as_text(backend, config, add_responses):
    formula = '=HYPERLINK("http://example.com","click")'
    add_responses("requests", request(details=formula, offers_note="+1 more bag please"))
    weekly(backend, config)
    [need] = records(backend, config, "needs")
    assert need["details"] == formula
    with zipfile.ZipFile(config.workbook) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all("<f>" not in z.read(n).decode() for n in sheets)


def test_organizer_columns_and_rows_survive_a_run(backend, config, add_responses):
    add_responses("requests", request())
    weekly(backend, config)
    state = read_state(backend, config)
    people, errors = state.tables["people"], state.tables["errors"]
    col = people.columns
    backend.apply(
        [
            TabChanges(
                tab="People",
                start_row=people.n_rows + 1,
                update=[
                    CellUpdate(2, col["do_not_contact"] + 1, "x"),
                    CellUpdate(2, col["notes"] + 1, "prefers evenings"),
                    CellUpdate(2, len(people.header) + 1, "organizer's own column"),
                ],
                append=[[None, "Walk-in Neighbour", None, "walkin@example.org"]],
            )
        ]
    )
    # An edit to the response makes sheetsync rewrite the person's sheetsync-owned cells.
    add_responses("requests", request(timestamp=dt.datetime(2026, 11, 22), zone="Westside"))
    weekly(backend, config)
    rows = records(backend, config, "people")
    maria = next(r for r in rows if r["name"] == "Maria Garcia")
    assert (maria["zone"], maria["do_not_contact"], maria["notes"]) == (
        "Westside",
        "x",
        "prefers evenings",
    )
    walk_in = next(r for r in rows if r["name"] == "Walk-in Neighbour")
    assert walk_in["person_id"] == "P0002"
    raw = backend.read_tabs(["People"])["People"].rows
    assert raw[1][len(people.header)] == "organizer's own column"
    assert errors.n_rows == 1  # the Errors tab still holds only its header


def test_renamed_column_stops_before_anything_is_written(backend, config, add_responses):
    add_responses("requests", request())
    backend.apply(
        [
            TabChanges(
                tab="Form Responses 1",
                start_row=3,
                update=[CellUpdate(1, 3, "Phone Number (mobile)")],
            )
        ]
    )
    before = all_values(backend)
    with pytest.raises(MissingColumnError) as err:
        weekly(backend, config)
    message = str(err.value)
    assert "Column 'Phone number' not found in tab 'Form Responses 1'" in message
    assert "closest header is 'Phone Number (mobile)'" in message
    assert "[forms.requests.columns]" in message
    # Nothing written but a Run log row, so the next organizers' digest tells of it.
    assert_only_the_failure_was_logged(before, all_values(backend), "weekly", "Phone number")


def test_header_quirks_trailing_space_and_case_are_matched(backend, config, add_responses):
    add_responses("requests", request())
    backend.apply(
        [
            TabChanges(
                tab="Form Responses 1", start_row=3, update=[CellUpdate(1, 3, "Phone Number ")]
            )
        ]
    )
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert person["phone"] == "+12015550143"


def test_dry_run_writes_nothing_and_reports_the_changes(backend, config, add_responses):
    add_responses("requests", request())
    before = config.workbook.read_bytes()
    report = weekly(backend, config, dry_run=True)
    assert config.workbook.read_bytes() == before
    people = report.tab("People")
    assert people is not None and people.rows_added == 1
    assert people.added[0][:2] == ["P0001", "Maria Garcia"]


def test_a_failing_step_writes_no_data_and_logs_the_failure(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())
    before = read_state(backend, config)

    def broken(ctx):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("sheetsync.steps.summary.run", broken)
    with pytest.raises(StepError, match="Step 'summary' of job 'weekly' failed"):
        weekly(backend, config)
    after = read_state(backend, config)
    for tab in ("people", "needs", "errors", "summary"):
        assert after.tables[tab].n_rows == before.tables[tab].n_rows
    [log] = after.tables["run_log"].frame.to_dict("records")
    assert log["outcome"] == "failed"
    # Named by type and place, not by its message (which might quote a value).
    assert "RuntimeError at test_intake.py:" in log["message"]
    assert "disk on fire" not in log["message"]


def test_a_failing_write_leaves_the_workbook_byte_for_byte(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())
    before = config.workbook.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("sheetsync.backends.xlsx_patch._Package.write", crash)
    with pytest.raises(Exception, match="No space left on device"):
        weekly(backend, config)
    assert config.workbook.read_bytes() == before
    # No temporary copy is left (the backups are of earlier writes); the failure is kept
    # for the Run log in the state folder.
    assert sorted(p.name for p in config.workbook.parent.iterdir()) == [
        ".sheetsync",
        ".sheetsync-backups",
        "network.xlsx",
    ]
    assert sorted(p.name for p in config.state_dir.iterdir()) == ["failed-runs.json"]


def test_sheet_changed_during_the_run_is_read_again_once(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())
    weekly(backend, config)
    add_responses("requests", request(name="Ann Bell", email="ann@example.org", phone="2015550101"))
    write = _Package.write
    calls = []

    def interfere(package, out):
        write(package, out)
        calls.append(1)
        if len(calls) == 1:  # an organizer adds a person by hand and saves while sheetsync saves
            other = WorkbookBackend(config.workbook)
            other.apply(
                [TabChanges(tab="People", start_row=3, append=[[None, "Walk-in Neighbour"]])]
            )

    monkeypatch.setattr(_Package, "write", interfere)
    report = weekly(backend, config)
    assert report.attempts == 2
    assert "changed while sheetsync was working" in report.notices[0]
    names = [p["name"] for p in records(backend, config, "people")]
    assert names == ["Maria Garcia", "Walk-in Neighbour", "Ann Bell"]
    assert [r["outcome"] for r in records(backend, config, "run_log")] == ["ok", "ok"]


def test_sheet_that_keeps_changing_gives_up_with_nothing_written(
    backend, config, add_responses, monkeypatch
):
    add_responses("requests", request())

    def always_changed(self, changes, formats=None):
        raise SheetChangedError("Tab 'People' changed while sheetsync was working.")

    monkeypatch.setattr(type(backend), "apply", always_changed)
    before = config.workbook.read_bytes()
    with pytest.raises(SheetChangedError, match="changed again after sheetsync read it"):
        weekly(backend, config)
    assert config.workbook.read_bytes() == before


def test_checkin_from_unknown_person_and_blank_rows(backend, config, add_responses):
    add_responses(
        "checkins", {k: "" for k in checkin()}, checkin(name="New Person", email="new@example.com")
    )
    report = weekly(backend, config)
    counts = report.step("intake").counts
    assert (counts["responses"], counts["blank_rows"]) == (1, 1)
    [person] = records(backend, config, "people")
    assert (person["roles"], person["checkin_status"]) == ("volunteer", "green")


def test_a_case_only_rename_of_a_response_tab_keeps_every_record(backend, config, add_responses):
    add_responses("requests", request(), request(zone="", details="Ring@VT@"))
    _escape_in_xlsx(config)
    weekly(backend, config)
    # Google's newer name for the same tab: "Form responses 1".
    import openpyxl

    book = openpyxl.load_workbook(config.workbook)
    sheet = book["Form Responses 1"]
    sheet.title = "renaming"  # openpyxl would add a "1" to a name that differs only in case
    sheet.title = "Form responses 1"
    book.save(config.workbook)
    report = weekly(backend, config)
    assert report.rows_added == 0 and report.cells_changed == 0
    assert [n["source"] for n in records(backend, config, "needs")] == ["Form Responses 1:2"]
    # Its Errors row keeps its reasons: issues name the tab as read, records as configured.
    [error] = records(backend, config, "errors")
    assert (error["source"], error["fields"]) == (
        "Form Responses 1:3",
        "Neighbourhood, Tell us more",
    )


def test_a_typo_in_a_column_mapping_is_explained(tmp_path, add_responses):
    from sheetsync.backends.workbook import WorkbookBackend
    from sheetsync.bootstrap import init_spreadsheet
    from sheetsync.config import Config
    from sheetsync.errors import ConfigError

    config = Config.from_dict(
        {
            "network": {"zones": ["Eastside"]},
            "backend": {"workbook": str(tmp_path / "n.xlsx")},
            "forms": {"requests": {"columns": {"phnoe": "Phone"}}},
        }
    )
    store = WorkbookBackend(tmp_path / "n.xlsx")
    init_spreadsheet(store, config)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "maps 'phnoe', which is not a question sheetsync reads. Did you mean 'phone'?"
        ),
    ):
        weekly(store, config)


def clear_row(backend, form, row):
    """Clear every cell of a response, as an organizer removing a spam response should."""
    from tests.conftest import FORM_OF

    tab = FORM_OF[form]
    rows = backend.read_tabs([tab])[tab].rows
    width = len(rows[0])
    backend.apply(
        [
            TabChanges(
                tab=tab,
                start_row=len(rows) + 1,
                update=[CellUpdate(row, c, None) for c in range(1, width + 1)],
            )
        ]
    )


def test_a_response_made_invalid_leaves_no_stale_record(backend, config, schemas, add_responses):
    add_responses(
        "requests", request(), request(name="Ann Bell", email="ann@example.org", phone="2015550101")
    )
    weekly(backend, config)
    edit_response(backend, schemas, "requests", 2, zone="Mars")
    weekly(backend, config)
    people = {p["name"]: p for p in records(backend, config, "people")}
    assert people["Maria Garcia"]["source"] == ""  # the row is kept, its link is not
    [need] = [n for n in records(backend, config, "needs") if n["name"] == "Maria Garcia"]
    assert need["status"] == "withdrawn"
    [error] = records(backend, config, "errors")
    assert (error["source"], error["status"]) == ("Form Responses 1:2", "open")
    edit_response(backend, schemas, "requests", 2, zone="Eastside")
    weekly(backend, config)
    assert [n["status"] for n in records(backend, config, "needs")] == ["open", "open"]
    assert records(backend, config, "errors")[0]["status"] == "resolved"


def test_a_cleared_response_withdraws_its_needs(backend, config, add_responses):
    add_responses(
        "requests", request(), request(name="Ann Bell", email="ann@example.org", phone="2015550101")
    )
    weekly(backend, config)
    clear_row(backend, "requests", 2)
    report = weekly(backend, config)
    assert report.step("intake").counts["blank_rows"] == 1
    needs = {n["name"]: n["status"] for n in records(backend, config, "needs")}
    assert needs == {"Maria Garcia": "withdrawn", "Ann Bell": "open"}


def test_deleting_a_form_row_stops_the_run_before_writing(backend, config, add_responses):
    import openpyxl

    add_responses(
        "requests", request(), request(name="Ann Bell", email="ann@example.org", phone="2015550101")
    )
    weekly(backend, config)
    book = openpyxl.load_workbook(config.workbook)
    book["Form Responses 1"].delete_rows(2)
    book.save(config.workbook)
    before = all_values(backend)
    moved = (
        "Rows were sorted or deleted in tab 'Form Responses 1': "
        "row 2 now holds the response sheetsync read at row 3"
    )
    with pytest.raises(FormRowsMovedError, match=moved):
        weekly(backend, config)
    assert_only_the_failure_was_logged(before, all_values(backend), "weekly", "Rows were sorted")


def test_sorting_a_form_tab_stops_the_run_before_writing(backend, config, add_responses):
    import openpyxl

    add_responses(
        "requests",
        request(
            name="Zoe Adams",
            email="zoe@example.org",
            phone="2015550102",
            timestamp=dt.datetime(2026, 11, 1),
        ),
        request(
            name="Ann Bell",
            email="ann@example.org",
            phone="2015550101",
            timestamp=dt.datetime(2026, 11, 2),
        ),
    )
    weekly(backend, config)
    book = openpyxl.load_workbook(config.workbook)
    sheet = book["Form Responses 1"]
    first, second = ([c.value for c in sheet[r]] for r in (2, 3))
    for col, (a, b) in enumerate(zip(second, first, strict=True), start=1):  # newest first
        sheet.cell(2, col, a)
        sheet.cell(3, col, b)
    book.save(config.workbook)
    with pytest.raises(
        FormRowsMovedError, match="row 2 now holds the response sheetsync read at row 3"
    ):
        weekly(backend, config)


def test_consent_is_the_newest_answer_on_any_form(backend, config, add_responses):
    maria = {"name": "Maria Garcia", "email": "maria@example.org", "phone": "2015550143"}
    add_responses("requests", request(consent="Yes", timestamp=dt.datetime(2026, 11, 18, 9)))
    add_responses("offers", offer(**maria, consent="No", timestamp=dt.datetime(2026, 11, 19, 9)))
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert (person["consent"], person["consent_date"]) == ("no", "2026-11-19 09:00")
    add_responses(
        "requests", request(consent="First name only", timestamp=dt.datetime(2026, 11, 20, 9))
    )
    weekly(backend, config)
    [person] = records(backend, config, "people")
    assert person["consent"] == "first name"


def test_other_text_becomes_an_other_need_with_the_text(backend, config, add_responses):
    add_responses("requests", request(categories="Groceries, Dog walking", details="Small dog"))
    weekly(backend, config)
    needs = {n["category"]: n["details"] for n in records(backend, config, "needs")}
    assert needs == {"Groceries": "Small dog", "Other": "[Other: Dog walking] Small dog"}


def test_a_control_character_in_an_answer_does_not_block_the_run(backend, config, add_responses):
    add_responses("requests", request(details="Line one@VT@line two"))
    # Excel stores a vertical tab (pasted from Word) as the escape _x000B_.
    data = config.workbook.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    with zipfile.ZipFile(config.workbook, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content.replace(b"@VT@", b"_x000B_"))
    assert "\x0b" in backend.read_tabs(["Form Responses 1"])["Form Responses 1"].rows[1][6]
    weekly(backend, config)
    [need] = records(backend, config, "needs")
    assert need["details"] == "Line one line two"


# Nothing lost, nothing stuck: an answer no workbook can hold, or one too long to keep, is
# cleaned on the way in; the response is used all the same, and the Errors tab notes it.

FORMS = ("requests", "offers", "checkins")
MAKE = {"requests": request, "offers": offer, "checkins": checkin, "feedback": feedback}
# Each form's free text question, and the cell sheetsync writes it to.
NOTE = {
    "requests": ("details", "Tell us more", "needs"),
    "offers": ("volunteer_note", "Anything we should know?", "people"),
    "checkins": ("checkin_note", "Anything you want organizers to know?", "people"),
}
# openpyxl refuses to write control characters, but Excel saves them as escapes: tests
# write a placeholder, then swap in the escape a workbook saved by Excel would hold.
# Placed in the workbook's XML after the responses are written: sheetsync's own writer
# never writes these (it replaces them, and fits a cell to Excel's 32,767 characters), but
# a form response can hold them. Google Sheets holds 50,000 characters in a cell.
LONG_NOTE, LONG_NAME = "x" * 40_000, "Ann " * 10_000
XLSX_ESCAPES = {
    b"@VT@": b"_x000B_",
    b"@NUL@": b"_x0000_",
    b"@NEL@": b"_x0085_",
    b"@LONG_NOTE@": LONG_NOTE.encode(),
    b"@LONG_NAME@": LONG_NAME.encode(),
}


def _escape_in_xlsx(config):
    data = config.workbook.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    with zipfile.ZipFile(config.workbook, "w") as target:
        for name, content in parts.items():
            for placeholder, escape in XLSX_ESCAPES.items():
                content = content.replace(placeholder, escape)
            target.writestr(name, content)


def _someone_else(form, **answers):
    who = {"name": "Ann Bell", "email": "ann@example.org", "phone": "201 555 0101"}
    return MAKE[form](**{**who, **answers})


def accounted_for(backend, config, report):
    """Every response row is in exactly one place: a record made from it (its person's
    `source` lists it) or an open row on Errors. Returns the Errors rows by source."""
    counts = report.step("intake").counts
    assert counts["responses"] == counts["valid"] + counts["invalid"]
    used = {ref for p in records(backend, config, "people") for ref in p["source"].split("; ")}
    # A Feedback form answer is a record on its task (feedback_from), not on People.
    used |= {
        ref for t in records(backend, config, "tasks") for ref in answer_refs(t["feedback_from"])
    }
    errors = {e["source"]: e for e in records(backend, config, "errors")}
    stuck = {source for source, e in errors.items() if e["status"] == "open"}
    assert used & stuck == set()
    assert (len(used), len(stuck)) == (counts["valid"], counts["invalid"])
    return errors


CLEANED = [
    pytest.param(
        "name",
        "Ann@VT@Bell",
        "cleaned-text",
        "'Your name': replaced 1 control character with a space; the response row is unchanged.",
        id="vertical-tab-in-name",
    ),
    pytest.param(
        "note",
        "Ring twice@NUL@",
        "cleaned-text",
        "': replaced 1 control character with a space; the response row is unchanged.",
        id="nul-in-note",
    ),
    pytest.param(
        "note",
        "@NEL@Ring twice @VT@ or call",
        "cleaned-text",
        "': replaced 2 control characters with a space",
        id="c1-and-c0-in-note",
    ),
    pytest.param(
        "note",
        "@LONG_NOTE@",
        "shortened",
        "' was shortened from 40,000 to 5,000 characters; the full answer is in {tab}, row 3.",
        id="40000-characters",
    ),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("where", "answer", "code", "message"), CLEANED)
def test_an_answer_cleaned_on_the_way_in_is_used_and_noted_on_errors(
    backend, config, add_responses, form, where, answer, code, message
):
    field, title, written_to = NOTE[form]
    if where == "name":
        field, title, written_to = "name", "Your name", "people"
    add_responses(form, MAKE[form](), _someone_else(form, **{field: answer}))
    _escape_in_xlsx(config)
    tab = FORM_OF[form]
    report = weekly(backend, config)

    counts = report.step("intake").counts
    assert (counts["responses"], counts["valid"], counts["invalid"], counts["noted"]) == (
        2,
        2,
        0,
        1,
    )
    errors = accounted_for(backend, config, report)
    [(source, noted)] = errors.items()
    assert (source, noted["tab"], noted["row"], noted["status"]) == (f"{tab}:3", tab, "3", "noted")
    assert noted["fields"] == title
    assert message.format(tab=tab) in noted["reason"]
    assert "Ring" not in noted["reason"] and "xxx" not in noted["reason"]
    assert noted["name"] == "Ann Bell"
    notes = [i for i in report.issues if i.code in ("cleaned-text", "shortened")]
    assert [(i.source, i.field, i.code, i.severity) for i in notes] == [
        (f"{tab}:3", field, code, "warning")
    ]
    # The record is made, with the cleaned answer; the response row is left as it was.
    [person] = [p for p in records(backend, config, "people") if f"{tab}:3" in p["source"]]
    assert person["name"] == "Ann Bell"
    if where == "note":
        [record] = [r for r in records(backend, config, written_to) if f"{tab}:3" in r["source"]]
        kept = record[field if written_to == "people" else "details"]
        if code == "shortened":
            assert len(kept) == 5000
            assert kept.endswith(f" … [shortened: full answer in {tab}, row 3]")
        else:
            assert "Ring twice" in kept and not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x85]", kept)
    column = [f.name for f in read_state(backend, config).forms[form].schema.fields].index(field)
    raw = backend.read_tabs([tab])[tab].rows[2][column]
    for placeholder, escape in [("@VT@", "\x0b"), ("@NUL@", "\x00"), ("@NEL@", "\x85")]:
        answer = answer.replace(placeholder, escape)
    assert raw == answer.replace("@LONG_NOTE@", LONG_NOTE)
    # Noted once: the next run changes nothing.
    again = weekly(backend, config)
    assert (again.rows_added, again.cells_changed) == (0, 0)


def _reading_through(backend, monkeypatch, swaps):
    """The backend reads form answers with `swaps` made: what a JSON reader (the Google
    backend's) can hand over, though no xlsx file can hold it (a lone surrogate)."""
    read = backend.read_tabs

    def read_tabs(names):
        tabs = read(names)
        for name, data in tabs.items():
            if name in FORM_OF.values():
                for row in data.rows[1:]:
                    for i, cell in enumerate(row):
                        for placeholder, text in swaps.items():
                            if isinstance(cell, str) and placeholder in cell:
                                row[i] = cell = cell.replace(placeholder, text)
        return tabs

    monkeypatch.setattr(backend, "read_tabs", read_tabs)


@pytest.mark.parametrize("form", FORMS)
def test_an_unpaired_surrogate_is_removed_and_noted(
    backend, config, add_responses, form, monkeypatch
):
    field = NOTE[form][0]
    add_responses(form, _someone_else(form, name="Ann@LONE@ Bell", **{field: "Hi @PAIR@"}))
    _reading_through(backend, monkeypatch, {"@LONE@": "\ud800", "@PAIR@": "\ud83d\ude00"})
    report = weekly(backend, config)
    errors = accounted_for(backend, config, report)
    tab = FORM_OF[form]
    assert (errors[f"{tab}:2"]["status"], errors[f"{tab}:2"]["fields"]) == ("noted", "Your name")
    assert errors[f"{tab}:2"]["reason"] == (
        "'Your name': removed 1 broken character; the response row is unchanged."
    )
    [person] = records(backend, config, "people")
    assert person["name"] == "Ann Bell"
    # A pair kept as two halves is one emoji: joined, not removed, and nothing to note.
    if form != "requests":
        assert person[field] == "Hi 😀"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("2026-11-20T14:05:00", "2026-11-20 14:05"),
        ("2026-11-20T14:05", "2026-11-20 14:05"),
        ("2026-11-20 14:05", "2026-11-20 14:05"),
        ("2026-11-20 14:05:30", "2026-11-20 14:05:30"),
        ("2026-11-20T20:05:00Z", "2026-11-20 14:05"),  # the network is in America/Chicago
        ("2026-11-20T21:05:00+01:00", "2026-11-20 14:05"),
        ("2026-11-20", "2026-11-20 00:00"),
    ],
)
def test_iso_dates_and_datetimes_are_read(backend, config, add_responses, form, written, read_as):
    add_responses(form, MAKE[form](timestamp=written))
    report = weekly(backend, config)
    accounted_for(backend, config, report)
    assert report.step("intake").counts["valid"] == 1
    [person] = records(backend, config, "people")
    assert person["first_seen"] == read_as[:10]
    if form == "requests":
        assert {n["opened"] for n in records(backend, config, "needs")} == {read_as}


@pytest.mark.parametrize("form", FORMS)
def test_a_timestamp_in_the_future_goes_to_errors_with_a_hint(backend, config, add_responses, form):
    add_responses(
        form,
        MAKE[form](timestamp=dt.datetime(2027, 11, 20, 10, 0)),  # a year ahead: a typo
        _someone_else(form, timestamp=NOW + dt.timedelta(minutes=3)),  # clocks differ a little
        _someone_else(form, email="bo@example.org", name="Bo Diaz", timestamp="20.11.2026"),
    )
    report = weekly(backend, config)
    errors = accounted_for(backend, config, report)
    tab = FORM_OF[form]
    assert {s: e["status"] for s, e in errors.items()} == {f"{tab}:2": "open", f"{tab}:4": "open"}
    stuck = [(i.source, i.code) for i in report.issues if i.field == "timestamp"]
    assert stuck == [(f"{tab}:2", "future-date"), (f"{tab}:4", "type-datetime")]
    assert errors[f"{tab}:2"]["reason"] == (
        "'Timestamp' is in the future (after this run, 2026-11-23 09:00): check the year, "
        "and that day and month are not the wrong way round. If every new response lands "
        "here, set timezone under [network] in sheetsync.toml to the spreadsheet's time zone."
    )
    assert errors[f"{tab}:4"]["reason"] == (
        "'Timestamp' is not a date and time. Write it as 2026-11-20 14:05, 11/20/2026 14:05 "
        "or 2026-11-20."
    )
    assert errors[f"{tab}:2"]["timestamp"] == "2027-11-20 10:00"


def test_a_name_of_40000_characters_goes_to_errors_and_the_run_goes_on(
    backend, config, add_responses
):
    add_responses("requests", request(), _someone_else("requests", name="@LONG_NAME@"))
    _escape_in_xlsx(config)
    report = weekly(backend, config)
    errors = accounted_for(backend, config, report)
    [(source, error)] = errors.items()
    assert (source, error["status"], error["fields"]) == ("Form Responses 1:3", "open", "Your name")
    assert error["reason"].startswith(
        "'Your name' is longer than 200 characters (it has 39,999): correct it in the response"
    )
    # The Errors tab shows enough of it to find the row, and where the whole of it is.
    assert len(error["name"]) == 200
    assert error["name"].endswith(" … [shortened: full answer in Form Responses 1, row 3]")
    assert [n["source"] for n in records(backend, config, "needs")] == ["Form Responses 1:2"]


def test_a_long_other_answer_is_shortened_in_its_need(backend, config, add_responses):
    add_responses("requests", request(categories="Groceries, " + "Dog walking " * 4000))
    report = weekly(backend, config)
    accounted_for(backend, config, report)
    needs = {n["category"]: n["details"] for n in records(backend, config, "needs")}
    assert needs["Groceries"] == "Weekly shop"
    assert len(needs["Other"]) == 5000
    assert needs["Other"].startswith("[Other: Dog walking Dog walking")
    assert needs["Other"].endswith(" … [shortened: full answer in Form Responses 1, row 2]")


def test_a_cleaned_answer_on_an_invalid_response_joins_its_reasons_and_resolves(
    backend, config, schemas, add_responses
):
    add_responses("requests", request(zone="Mars", details="Ring twice@VT@"))
    _escape_in_xlsx(config)
    report = weekly(backend, config)
    errors = accounted_for(backend, config, report)
    error = errors["Form Responses 1:2"]
    assert (error["status"], error["fields"]) == ("open", "Neighbourhood, Tell us more")
    assert "'Tell us more': replaced 1 control character" in error["reason"]
    # The zone corrected: the response is used, the cleaning still noted.
    edit_response(backend, schemas, "requests", 2, zone="Eastside")
    weekly(backend, config)
    error = records(backend, config, "errors")[0]
    assert (error["status"], error["fields"]) == ("noted", "Tell us more")
    # The note answered too (the control character gone): nothing left to note.
    edit_response(backend, schemas, "requests", 2, details="Ring twice")
    report = weekly(backend, config)
    assert records(backend, config, "errors")[0]["status"] == "resolved"
    accounted_for(backend, config, report)


# Any text at all, in any answer of any form: what a reader may hand over.
ODD = [
    "\x00",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ud83d\ude00",
    "\ufffe",
    "\uffff",
    "\n",
    "\r\n",
    "\t",
    " ",
    "=1+1",
    ", ",
    "Other",
    "2026-11-20T14:05",
    "@LONG@",  # read as 33,000 characters (kept short here, for a readable failing example)
]
_odd_text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(ODD)), max_size=5).map("".join)


def _responses(form):
    """Up to three responses, each answer either a good one or odd text."""
    good = MAKE[form](phone="201 555 0101")
    answer = {name: st.one_of(st.just(value), _odd_text) for name, value in good.items()}
    return st.lists(st.fixed_dictionaries(answer), max_size=3)


def _long(answer):
    return answer.replace("@LONG@", "x" * 33_000) if isinstance(answer, str) else answer


class _Fresh:
    """A fresh workbook, made once per test and put back before each example."""

    def __init__(self, backend, config, schemas):
        self.backend, self.config, self.schemas = backend, config, schemas
        self.pristine = config.workbook.read_bytes()
        self.read = backend.read_tabs  # the workbook as it is, whatever an example patched

    def __repr__(self) -> str:  # Hypothesis prints the arguments of a failing example
        return "<a fresh workbook>"


@pytest.fixture
def fresh(backend, config, schemas):
    return _Fresh(backend, config, schemas)


@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # each example starts from `fresh` again
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(answers=st.fixed_dictionaries({form: _responses(form) for form in (*FORMS, "feedback")}))
def test_any_text_in_any_answer_never_stops_intake(fresh, monkeypatch, answers):
    backend, config = fresh.backend, fresh.config
    config.workbook.write_bytes(fresh.pristine)
    read = fresh.read

    def read_tabs(names):
        # The responses as a reader hands them over: no xlsx file could hold some of them.
        tabs = read(names)
        for form, tab in FORM_OF.items():
            if tab in tabs:
                fields = fresh.schemas[form].names
                tabs[tab].rows[1:] = [[_long(r[n]) for n in fields] for r in answers[form]]
        return tabs

    monkeypatch.setattr(backend, "read_tabs", read_tabs)
    report = run_job(find_job("intake", config), backend, config, now=NOW)
    assert report.outcome == "ok", report.message
    counts = report.step("intake").counts
    rows_in = sum(len(rows) for rows in answers.values())
    assert counts["responses"] + counts["blank_rows"] == rows_in
    accounted_for(backend, config, report)
    # Every cell written is one a workbook (and Google Sheets) can hold.
    for tab, data in read(backend.list_tabs()).items():
        for row in data.rows:
            for cell in row:
                text = str(cell or "")
                assert len(text) <= 32_767, tab
                assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", text)
