"""Formatting on Google, through the real client stack against the Sheets emulator: init
formats in its one batchUpdate, runs format only after an upgrade, nothing is added twice,
and what organizers added stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheetsync.backends.formats import FORMAT_KEY, OWNED_NOTE
from sheetsync.backends.google_format import PROTECTED_PREFIX, RULE_MARKER
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import SHEETSYNC_TABS
from sheetsync.jobs import find_job, run_job
from sheetsync.schema import load_schemas
from tests.conftest import NOW, request
from tests.test_google_backend import WRITE, Network, weekly

TABS = len(SHEETSYNC_TABS) + 1  # and the Phone log, formatted as the organizers'
STRUCTURE = "sheets(properties(sheetId,title,gridProperties),conditionalFormats,protectedRanges)"


@pytest.fixture
def fresh(sheets_emulator: Any, service_account_key: Path, tmp_path: Path) -> Network:
    """A network whose spreadsheet init has not touched yet."""
    return Network(sheets_emulator, service_account_key, tmp_path)


def metadata(net: Network) -> dict[str, Any]:
    body = net.backend().http.fetch_sheet_metadata(
        net.id, params={"fields": f"{STRUCTURE},developerMetadata"}
    )
    return dict(body)


def sheet(meta: dict[str, Any], title: str) -> dict[str, Any]:
    [found] = [s for s in meta["sheets"] if s["properties"]["title"] == title]
    return found


def ours(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rules if RULE_MARKER in repr(r)]


def header_cells(net: Network, tab: str) -> list[dict[str, Any]]:
    body = net.backend().http.fetch_sheet_metadata(
        net.id,
        params={
            "includeGridData": "true",
            "ranges": f"'{tab}'!1:2",
            "fields": "sheets.data(rowData.values(note,userEnteredFormat,dataValidation),"
            "columnMetadata)",
        },
    )
    data = body["sheets"][0]["data"][0]
    rows = data["rowData"]
    return [
        {
            "header": rows[0]["values"][i] if i < len(rows[0]["values"]) else {},
            "below": rows[1]["values"][i] if len(rows) > 1 and i < len(rows[1]["values"]) else {},
            "width": meta,
        }
        for i, meta in enumerate(data["columnMetadata"])
    ]


def writes_of(net: Network) -> list[Any]:
    return [r for r in net.emulator.api_requests() if r.kind == WRITE]


def kinds_in(write: Any) -> set[str]:
    return {next(iter(r)) for r in write.body["requests"]}


def test_init_creates_and_formats_every_tab_in_one_batch_update(fresh: Network) -> None:
    report = init_spreadsheet(fresh.backend(), fresh.config)
    assert report.formatted == TABS
    [write] = writes_of(fresh)
    assert [r.kind for r in fresh.emulator.api_requests()].count(WRITE) == 1
    assert {
        "addSheet",
        "repeatCell",
        "updateCells",
        "updateDimensionProperties",
        "setDataValidation",
        "addConditionalFormatRule",
        "addProtectedRange",
        "createDeveloperMetadata",
    } <= kinds_in(write)

    meta = metadata(fresh)
    [version] = meta["developerMetadata"]
    assert (version["metadataKey"], version["visibility"]) == (FORMAT_KEY, "DOCUMENT")
    assert fresh.backend().formats_applied == version["metadataValue"]
    for title in SHEETSYNC_TABS.values():
        tab = sheet(meta, title)
        assert tab["properties"]["gridProperties"]["frozenRowCount"] == 1, title
        assert all(
            p["description"].startswith(PROTECTED_PREFIX) and p["warningOnly"]
            for p in tab["protectedRanges"]
        ), title
    assert len(ours(sheet(meta, "Load")["conditionalFormats"])) == 3  # red, yellow, green


def test_what_organizers_see_on_the_tasks_tab(fresh: Network) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    names = load_schemas()["tasks"].names
    cells = header_cells(fresh, "Tasks")
    task_id, status, due = (cells[names.index(n)] for n in ("task_id", "status", "due"))
    assert task_id["header"]["note"] == OWNED_NOTE
    assert task_id["header"]["userEnteredFormat"]["textFormat"] == {"bold": True}
    assert "backgroundColor" in task_id["below"]["userEnteredFormat"]
    assert task_id["width"]["pixelSize"] < cells[names.index("reasons")]["width"]["pixelSize"]
    assert cells[names.index("reasons")]["below"]["userEnteredFormat"]["wrapStrategy"] == "WRAP"
    # Yours: no shading, no note; a dropdown that warns but accepts.
    assert "note" not in status["header"]
    assert "backgroundColor" not in status["below"].get("userEnteredFormat", {})
    rule = status["below"]["dataValidation"]
    assert rule["condition"]["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]][:3] == [
        "proposed",
        "accepted",
        "done",
    ]
    assert (rule.get("strict", False), rule["showCustomUi"]) == (False, True)
    assert due["below"]["dataValidation"] == {"condition": {"type": "DATE_IS_VALID"}}
    assert due["below"]["userEnteredFormat"]["numberFormat"] == {
        "type": "DATE",
        "pattern": "yyyy-mm-dd",
    }


def test_a_second_init_and_a_run_do_not_format_again(fresh: Network) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    before = metadata(fresh)
    fresh.emulator.reset_requests()
    again = init_spreadsheet(fresh.backend(), fresh.config)
    assert (again.changed, again.formatted) == (False, 0)
    assert writes_of(fresh) == []

    fresh.add_form_rows("requests", [request()])
    fresh.emulator.reset_requests()
    report = weekly(fresh.backend(), fresh.config)
    assert report.formatted == 0
    [write] = writes_of(fresh)
    assert kinds_in(write) <= {"appendCells", "updateCells", "appendDimension"}
    assert metadata(fresh) == before  # no second rule, protected range or version


def test_the_run_after_an_upgrade_formats_once_and_organizers_own_stay(fresh: Network) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    meta = metadata(fresh)
    load_id = sheet(meta, "Load")["properties"]["sheetId"]
    own_rule = {
        "addConditionalFormatRule": {
            "rule": {
                "ranges": [{"sheetId": load_id, "startColumnIndex": 1, "endColumnIndex": 2}],
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": '=$B2="Ana"'}],
                    },
                    "format": {"textFormat": {"italic": True}},
                },
            }
        }
    }
    own_protection = {
        "addProtectedRange": {
            "protectedRange": {
                "range": {"sheetId": load_id, "startColumnIndex": 26, "endColumnIndex": 27},
                "description": "Coordinators only",
                "warningOnly": True,
            }
        }
    }
    # An organizer's rule and protection; and an older sheetsync's version.
    [version] = meta["developerMetadata"]
    older = {
        "updateDeveloperMetadata": {
            "dataFilters": [{"developerMetadataLookup": {"metadataKey": FORMAT_KEY}}],
            "developerMetadata": {"metadataValue": "an-older-version"},
            "fields": "metadataValue",
        }
    }
    backend = fresh.backend()
    backend.http.batch_update(fresh.id, {"requests": [own_rule, own_protection, older]})
    load_before = sheet(metadata(fresh), "Load")

    fresh.add_form_rows("requests", [request()])
    fresh.emulator.reset_requests()
    report = weekly(fresh.backend(), fresh.config)
    assert report.formatted == TABS
    [write] = writes_of(fresh)  # the formatting went with the run's one write
    assert {"appendCells", "deleteConditionalFormatRule", "updateDeveloperMetadata"} <= kinds_in(
        write
    )
    after = metadata(fresh)
    load = sheet(after, "Load")
    assert len(load["conditionalFormats"]) == len(load_before["conditionalFormats"])
    assert [r for r in load["conditionalFormats"] if RULE_MARKER not in repr(r)] == [
        r for r in load_before["conditionalFormats"] if RULE_MARKER not in repr(r)
    ]
    assert "Coordinators only" in [p.get("description") for p in load["protectedRanges"]]
    assert len(load["protectedRanges"]) == len(load_before["protectedRanges"])
    assert [m["metadataValue"] for m in after["developerMetadata"]] == [version["metadataValue"]]

    fresh.emulator.reset_requests()
    assert weekly(fresh.backend(), fresh.config).formatted == 0  # once
    assert metadata(fresh) == after


def test_a_dry_run_never_formats(fresh: Network) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    backend = fresh.backend()
    backend.http.batch_update(
        fresh.id,
        {
            "requests": [
                {
                    "deleteDeveloperMetadata": {
                        "dataFilter": {"developerMetadataLookup": {"metadataKey": FORMAT_KEY}}
                    }
                }
            ]
        },
    )
    fresh.emulator.reset_requests()
    report = run_job(
        find_job("weekly", fresh.config), fresh.backend(), fresh.config, now=NOW, dry_run=True
    )
    assert report.formatted == 0
    assert writes_of(fresh) == []
    assert fresh.backend().formats_applied is None


def test_init_formats_an_existing_spreadsheet_that_lacks_it(fresh: Network) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    fresh.backend().http.batch_update(
        fresh.id,
        {
            "requests": [
                {
                    "deleteDeveloperMetadata": {
                        "dataFilter": {"developerMetadataLookup": {"metadataKey": FORMAT_KEY}}
                    }
                }
            ]
        },
    )
    rules = len(ours(sheet(metadata(fresh), "Needs")["conditionalFormats"]))
    fresh.emulator.reset_requests()
    report = init_spreadsheet(fresh.backend(), fresh.config)
    assert (report.changed, report.formatted) == (False, TABS)
    [write] = writes_of(fresh)
    assert "createDeveloperMetadata" in kinds_in(write)
    assert len(ours(sheet(metadata(fresh), "Needs")["conditionalFormats"])) == rules


def test_a_formatting_write_whose_answer_was_lost_is_not_applied_twice(
    fresh: Network, sheets_emulator: Any
) -> None:
    init_spreadsheet(fresh.backend(), fresh.config)
    once = metadata(fresh)
    fresh.backend().http.batch_update(
        fresh.id,
        {
            "requests": [
                {
                    "updateDeveloperMetadata": {
                        "dataFilters": [{"developerMetadataLookup": {"metadataKey": FORMAT_KEY}}],
                        "developerMetadata": {"metadataValue": "an-older-version"},
                        "fields": "metadataValue",
                    }
                }
            ]
        },
    )
    fresh.add_form_rows("requests", [request()])
    sheets_emulator.lose_answer(WRITE)  # the run's write (with its formatting) applied, unheard
    fresh.emulator.reset_requests()
    report = weekly(fresh.backend(), fresh.config)
    # Read again: the version was there and no row was missing, so nothing was resent.
    assert len(writes_of(fresh)) == 1
    assert report.formatted == TABS
    assert without_ids(metadata(fresh)) == without_ids(once)  # no rule or protection twice


def without_ids(meta: dict[str, Any]) -> dict[str, Any]:
    """The metadata with the protected ranges' ids left out: formatting again replaces them."""
    return {
        **meta,
        "sheets": [
            {
                **s,
                "protectedRanges": [
                    {k: v for k, v in p.items() if k != "protectedRangeId"}
                    for p in s.get("protectedRanges", [])
                ],
            }
            for s in meta["sheets"]
        ],
    }
