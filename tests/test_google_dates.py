"""sheetsync's dates on Google, through the real pipeline against the Sheets emulator: rows
appended after the formatting ran show their dates as dates, a second run changes nothing,
and an update leaves the organizers' formats on the cells that are not dates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from gspread.exceptions import APIError

from sheetsync.backends.google import DATED_FIELDS, READ_OPTIONS, GoogleBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import DEFAULT_FORM_TABS
from sheetsync.formatting import NUMBER_FORMATS
from sheetsync.schema import FieldType, load_schemas
from tests.conftest import NOW, request
from tests.test_google_backend import WRITE, Network, requests_of, sheet_id, weekly

DATE_TIME = {"type": "DATE_TIME", "pattern": NUMBER_FORMATS[FieldType.DATETIME]}
NEEDS = load_schemas()["needs"].names
ORGANIZER_FORMAT = {"numberFormat": {"type": "NUMBER", "pattern": "0.00"}}
YELLOW = {"red": 1, "green": 1}


@pytest.fixture
def network(sheets_emulator: Any, service_account_key: Path, tmp_path: Path) -> Network:
    """A spreadsheet init has created and formatted."""
    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    sheets_emulator.reset_requests()
    return net


def needs_row(net: Network, row: int) -> list[dict[str, Any]]:
    """The cells of one row (1-based) of Needs, values and formats, as spreadsheets.get
    answers them."""
    body = net.backend().http.fetch_sheet_metadata(
        net.id,
        params={
            "includeGridData": "true",
            "ranges": f"Needs!{row}:{row}",
            "fields": "sheets.data.rowData.values(userEnteredValue,userEnteredFormat)",
        },
    )
    [data] = body["sheets"][0]["data"]
    [found] = data["rowData"]
    values: list[dict[str, Any]] = found["values"]
    return values + [{}] * (len(NEEDS) - len(values))


def cell(cells: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return cells[NEEDS.index(name)]


def delete_rows_below_header(net: Network, tab: str) -> None:
    """An organizer tidies the tab: the empty rows init made (and formatted) go."""
    backend = net.backend()
    backend.list_tabs()
    rows = backend._known_sheets()[tab].rows
    span = {"sheetId": sheet_id(net, tab), "dimension": "ROWS", "startIndex": 1, "endIndex": rows}
    backend.http.batch_update(net.id, {"requests": [{"deleteDimension": {"range": span}}]})


def test_a_need_appended_beyond_the_formatted_rows_shows_its_dates_as_dates(network):
    delete_rows_below_header(network, "Needs")
    assert needs_row(network, 1)  # the header stays
    network.add_form_rows("requests", [request(timestamp=dt.datetime(2026, 11, 20, 10, 0))])
    network.emulator.reset_requests()
    weekly(network.backend(), network.config)

    [write] = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    needs_id = sheet_id(network, "Needs")
    [append] = [a for a in requests_of(write, "appendCells") if a["sheetId"] == needs_id]
    assert append["fields"] == DATED_FIELDS
    cells = needs_row(network, 2)
    assert cell(cells, "need_id")["userEnteredValue"] == {"stringValue": "N0001"}
    opened = cell(cells, "opened")
    assert opened["userEnteredValue"] == {"numberValue": 46346.41666667}  # 10:00, to 8 places
    assert opened["userEnteredFormat"]["numberFormat"] == DATE_TIME
    assert cell(cells, "updated")["userEnteredFormat"]["numberFormat"] == DATE_TIME
    # Text and the empty cells take no number format; nothing else formats this row.
    assert "userEnteredFormat" not in cell(cells, "category")
    assert cell(cells, "notes") == {}


def test_the_run_after_changes_nothing_the_dates_read_back_as_written(network):
    delete_rows_below_header(network, "Needs")
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    before = network.snapshot()
    formats = needs_row(network, 2)
    network.emulator.reset_requests()

    report = weekly(network.backend(), network.config)
    # The run's usual requests: the tabs, the read, the check, the one write.
    assert len(network.emulator.api_requests()) <= 4
    assert (report.rows_added, report.cells_changed) == (0, 0)
    assert report.settled_until is not None  # its Fingerprints row goes with its Run log row
    after = network.snapshot()
    logs = ("Run log", "Fingerprints")
    assert {t: rows for t, rows in after.items() if t not in logs} == {
        t: rows for t, rows in before.items() if t not in logs
    }
    assert needs_row(network, 2) == formats


def test_an_update_keeps_an_organizers_formats_except_a_dates_number_format(network):
    network.add_form_rows("requests", [request()])
    weekly(network.backend(), network.config)
    # An organizer gives the need's row their own look: a number format and a colour.
    needs_id = sheet_id(network, "Needs")
    own = {**ORGANIZER_FORMAT, "backgroundColor": YELLOW}
    span = {"sheetId": needs_id, "startRowIndex": 1, "endRowIndex": 2}
    repeat = {"range": span, "cell": {"userEnteredFormat": own}, "fields": "userEnteredFormat"}
    network.backend().http.batch_update(network.id, {"requests": [{"repeatCell": repeat}]})

    # The requester edits their answer: Google Forms rewrites the row and its Timestamp.
    form = DEFAULT_FORM_TABS["requests"]
    edited = request(timestamp=dt.datetime(2026, 11, 23, 15, 30), details="Weekly shop, no eggs")
    row = [edited[n] for n in load_schemas()["requests"].names]
    network.emulator.set_values(network.id, form, "A2", [row])
    network.emulator.reset_requests()
    report = weekly(network.backend(), network.config, now=NOW + dt.timedelta(days=1))
    assert report.cells_changed > 0

    [write] = [r for r in network.emulator.api_requests() if r.kind == WRITE]
    updates = [u for u in requests_of(write, "updateCells") if u["start"]["sheetId"] == needs_id]
    assert {u["fields"] for u in updates} == {"userEnteredValue", DATED_FIELDS}
    cells = needs_row(network, 2)
    details = cell(cells, "details")
    assert details["userEnteredValue"] == {"stringValue": "Weekly shop, no eggs"}
    assert details["userEnteredFormat"]["numberFormat"] == ORGANIZER_FORMAT["numberFormat"]
    assert details["userEnteredFormat"]["backgroundColor"] == YELLOW
    updated = cell(cells, "updated")
    assert updated["userEnteredValue"] == {"numberValue": 46349.64583333}  # 15:30
    assert updated["userEnteredFormat"]["numberFormat"] == DATE_TIME
    assert updated["userEnteredFormat"]["backgroundColor"] == YELLOW
    # A cell the run left alone keeps the organizer's format whole.
    assert cell(cells, "opened")["userEnteredFormat"] == details["userEnteredFormat"]


# The emulator: updateCells and appendCells write userEnteredFormat fields as Google does.


@pytest.fixture
def scratch(sheets_emulator: Any, service_account_key: Path) -> Any:
    """The HTTP client of a service account on a one-tab spreadsheet (Sheet1, id 0)."""
    email = json.loads(service_account_key.read_text())["client_email"]
    book = sheets_emulator.create_spreadsheet("Scratch", sheets={"Sheet1": []}, editors=[email])
    backend = GoogleBackend(book, service_account_key, endpoint=sheets_emulator.url)
    return backend.http, book


def formats(http: Any, book: str, cells: str) -> list[list[dict[str, Any]]]:
    body = http.fetch_sheet_metadata(
        book,
        params={
            "includeGridData": "true",
            "ranges": f"Sheet1!{cells}",
            "fields": "sheets.data.rowData.values.userEnteredFormat",
        },
    )
    rows = body["sheets"][0]["data"][0].get("rowData", [])
    return [[c.get("userEnteredFormat", {}) for c in row.get("values", [])] for row in rows]


def dated(serial: float, number_format: dict[str, str] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"userEnteredValue": {"numberValue": serial}}
    if number_format:
        data["userEnteredFormat"] = {"numberFormat": number_format}
    return data


def test_the_emulator_keeps_the_number_formats_cells_are_written_with(scratch):
    http, book = scratch
    fill = {
        "repeatCell": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2},
            "cell": {"userEnteredFormat": {"backgroundColor": YELLOW}},
            "fields": "userEnteredFormat.backgroundColor",
        }
    }
    update = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [dated(46349.5, DATE_TIME), dated(7, None)]}],
            "fields": DATED_FIELDS,
        }
    }
    append = {
        "appendCells": {
            "sheetId": 0,
            "rows": [{"values": [dated(46350, DATE_TIME)]}, {"values": [dated(46351, DATE_TIME)]}],
            "fields": DATED_FIELDS,
        }
    }
    http.batch_update(book, {"requests": [fill, update, append]})
    got = formats(http, book, "A1:B3")
    assert got[0][0] == {
        "numberFormat": DATE_TIME,
        "backgroundColor": YELLOW,  # the mask names the number format only
        "backgroundColorStyle": {"rgbColor": YELLOW},
    }
    assert got[0][1] == {"backgroundColor": YELLOW, "backgroundColorStyle": {"rgbColor": YELLOW}}
    assert [row[0]["numberFormat"] for row in got[1:]] == [DATE_TIME, DATE_TIME]

    # A value-only write keeps the format; the values read unformatted are serial numbers.
    value_only = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [dated(1.25, DATE_TIME)]}],
            "fields": "userEnteredValue",
        }
    }
    http.batch_update(book, {"requests": [value_only]})
    assert formats(http, book, "A1")[0][0]["numberFormat"] == DATE_TIME
    read = http.values_get(book, "Sheet1!A1:A3", params=dict(READ_OPTIONS))
    assert read["values"] == [[1.25], [46350], [46351]]


@pytest.mark.parametrize(
    ("fields", "number_format", "code", "message"),
    [
        (
            "userEnteredValue,userEnteredFormat.numberFormat.kind",
            DATE_TIME,
            400,
            "matching fields for path 'rows.values.userEnteredFormat.numberFormat.kind'",
        ),
        (
            DATED_FIELDS,
            {"type": "DATETIME", "pattern": "yyyy"},
            400,
            "Invalid value at 'rows[0].values[0].userEnteredFormat.numberFormat.type'",
        ),
        (
            DATED_FIELDS,
            {"pattern": "yyyy-mm-dd"},
            400,
            "a number format type must be set",
        ),
        ("userEnteredValue,effectiveFormat", DATE_TIME, 501, "only writes userEnteredValue"),
    ],
)
def test_the_emulator_refuses_cell_formats_google_refuses(
    scratch, fields, number_format, code, message
):
    http, book = scratch
    for kind, body in (
        ("updateCells", {"start": {"sheetId": 0}}),
        ("appendCells", {"sheetId": 0}),
    ):
        request_ = {
            kind: {**body, "rows": [{"values": [dated(1, number_format)]}], "fields": fields}
        }
        with pytest.raises(APIError) as refused:
            http.batch_update(book, {"requests": [request_]})
        assert refused.value.response.status_code == code
        assert message in refused.value.error["message"]
    assert http.values_get(book, "Sheet1!A1:B2").get("values") is None  # nothing was written
