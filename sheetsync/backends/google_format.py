"""A FormatPlan as Sheets API v4 requests, for the Google backend's batchUpdate.

Applying a plan twice gives the same spreadsheet: before adding its conditional rules and
protected ranges, the requests delete the ones sheetsync added before, told apart from
organizers' own (which stay) by a marker: a rule's formula carries N("sheetsync"), which is
0 in both Google Sheets and Excel and so changes nothing; a protected range's description
starts with "sheetsync:". The plan's version is kept as developer metadata on the
spreadsheet (key FORMAT_KEY), read with the spreadsheets.get every run already makes.

The Sheets API deletes a conditional rule by its index only, read at the start of the run.
sheetsync's rules go first (indexes 0..n-1); a rule an organizer adds in the second between
that read and the write shifts them only if it goes above them. (Google Sheets' sidebar is
assumed to add a new rule below the others: not verified against Google.)

Formats, notes and validations cover each column down to the grid's last row when they are
applied (1000 rows on a tab sheetsync creates); rules and protected ranges have an open
end, so they cover rows added later too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.backends.formats import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    FORMAT_KEY,
    HEADER_FILL,
    OWNED_FILL,
    ColourRule,
    ColumnFormat,
    FormatPlan,
    TabFormat,
)

# The fields of spreadsheets.get that hold what formatting left behind.
METADATA_FIELDS = "sheets.conditionalFormats,sheets.protectedRanges,developerMetadata"
RULE_MARKER = 'N("sheetsync")'
PROTECTED_PREFIX = "sheetsync:"
PROTECTED_DESCRIPTION = (
    f"{PROTECTED_PREFIX} written by sheetsync; your edits here are replaced on the next run."
)
NUMBER_TYPES = {DATE_PATTERN: "DATE", DATETIME_PATTERN: "DATE_TIME"}  # the rest: NUMBER
Json = dict[str, Any]


@dataclass
class FormatsFound:
    """What earlier formatting left in the spreadsheet, from spreadsheets.get."""

    version: str | None = None
    version_id: int | None = None  # the developer metadata holding it
    rules: dict[int, list[int]] = field(default_factory=dict)  # sheetId -> indexes, ours
    protected: list[int] = field(default_factory=list)  # protectedRangeIds, ours


def formats_found(body: Mapping[str, Any]) -> FormatsFound:
    """sheetsync's own formatting among what spreadsheets.get answered."""
    found = FormatsFound()
    for item in body.get("developerMetadata", []):
        if item.get("metadataKey") == FORMAT_KEY:
            found.version = str(item.get("metadataValue", ""))
            found.version_id = int(item["metadataId"])
    for sheet in body.get("sheets", []):
        sheet_id = int(sheet.get("properties", {}).get("sheetId", 0))
        for index, rule in enumerate(sheet.get("conditionalFormats", [])):
            values = rule.get("booleanRule", {}).get("condition", {}).get("values", [])
            if any(RULE_MARKER in str(v.get("userEnteredValue", "")) for v in values):
                found.rules.setdefault(sheet_id, []).append(index)
        for protected in sheet.get("protectedRanges", []):
            if str(protected.get("description", "")).startswith(PROTECTED_PREFIX):
                found.protected.append(int(protected["protectedRangeId"]))
    return found


def format_requests(
    plan: FormatPlan, sheet_ids: Mapping[str, int], found: FormatsFound
) -> list[Json]:
    """The requests that apply `plan` (tabs by title -> sheetId) over what `found` saw."""
    requests: list[Json] = []
    for sheet_id, indexes in sorted(found.rules.items()):
        for index in sorted(indexes, reverse=True):  # later indexes first: the rest keep theirs
            requests.append({"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}})
    requests += [{"deleteProtectedRange": {"protectedRangeId": i}} for i in found.protected]
    for tab in plan.tabs:
        if tab.tab in sheet_ids:
            requests += _tab_requests(tab, sheet_ids[tab.tab])
    requests.append(_version_request(plan.version, found))
    return requests


def _tab_requests(tab: TabFormat, sheet_id: int) -> list[Json]:
    requests: list[Json] = [
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet_id,
                    "gridProperties": {"frozenRowCount": tab.frozen_rows},
                },
                "fields": "gridProperties.frozenRowCount",
            }
        }
    ]
    if tab.bold_header:
        requests.append(
            _repeat(
                _rows(sheet_id, 0, 1),
                {"textFormat": {"bold": True}},
                "userEnteredFormat.textFormat.bold",
            )
        )
    for column in tab.columns:
        requests += _column_requests(sheet_id, column)
    for index, rule in enumerate(tab.rules):
        requests.append(_rule_request(sheet_id, index, rule))
    for first, last in _owned_runs(tab.columns):
        requests.append(_protect(sheet_id, first, last))
    return requests


def _column_requests(sheet_id: int, column: ColumnFormat) -> list[Json]:
    below = _cols(sheet_id, column.col, column.col, first_row=1)
    requests: list[Json] = []
    body_format: Json = {}
    fields: list[str] = []
    if column.owned:
        body_format["backgroundColor"] = rgb(OWNED_FILL)
        fields.append("backgroundColor")
        header = _cols(sheet_id, column.col, column.col, first_row=0, last_row=1)
        requests.append(
            _repeat(
                header, {"backgroundColor": rgb(HEADER_FILL)}, "userEnteredFormat.backgroundColor"
            )
        )
    if column.wrap:
        body_format["wrapStrategy"] = "WRAP"
        fields.append("wrapStrategy")
    if column.number_format:
        kind = NUMBER_TYPES.get(column.number_format, "NUMBER")
        body_format["numberFormat"] = {"type": kind, "pattern": column.number_format}
        fields.append("numberFormat")
    if fields:
        requests.append(_repeat(below, body_format, f"userEnteredFormat({','.join(fields)})"))
    if column.note:
        start = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": column.col - 1}
        requests.append(
            {
                "updateCells": {
                    "start": start,
                    "rows": [{"values": [{"note": column.note}]}],
                    "fields": "note",
                }
            }
        )
    span = {
        "sheetId": sheet_id,
        "dimension": "COLUMNS",
        "startIndex": column.col - 1,
        "endIndex": column.col,
    }
    properties: Json = {"pixelSize": column.width}
    mask = "pixelSize"
    if column.hidden:  # only ever hidden: a column an organizer hid themselves stays hidden
        properties["hiddenByUser"] = True
        mask = "pixelSize,hiddenByUser"
    requests.append(
        {"updateDimensionProperties": {"range": span, "properties": properties, "fields": mask}}
    )
    validation = _validation(column)
    if validation:
        requests.append({"setDataValidation": {"range": below, "rule": validation}})
    return requests


def _validation(column: ColumnFormat) -> Json | None:
    """A dropdown of the choices, or a date check; both warn and accept (strict false):
    sheetsync reports a wrong value on the Errors tab, with advice."""
    if column.choices:
        values = [{"userEnteredValue": choice} for choice in column.choices]
        condition: Json = {"type": "ONE_OF_LIST", "values": values}
        return {"condition": condition, "strict": False, "showCustomUi": True}
    if column.date_check:
        return {"condition": {"type": "DATE_IS_VALID"}, "strict": False}
    return None


def _rule_request(sheet_id: int, index: int, rule: ColourRule) -> Json:
    formula = f"=AND({rule.formula.removeprefix('=')},{RULE_MARKER}=0)"
    fmt: Json = {"backgroundColor": rgb(rule.fill)}
    if rule.bold:
        fmt["textFormat"] = {"bold": True}
    return {
        "addConditionalFormatRule": {
            "rule": {
                "ranges": [_cols(sheet_id, rule.first_col, rule.last_col, first_row=1)],
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": formula}],
                    },
                    "format": fmt,
                },
            },
            "index": index,
        }
    }


def _owned_runs(columns: tuple[ColumnFormat, ...]) -> list[tuple[int, int]]:
    """Runs of adjacent owned columns: one protected range each."""
    runs: list[tuple[int, int]] = []
    for column in sorted(columns, key=lambda c: c.col):
        if not column.owned:
            continue
        if runs and runs[-1][1] == column.col - 1:
            runs[-1] = (runs[-1][0], column.col)
        else:
            runs.append((column.col, column.col))
    return runs


def _protect(sheet_id: int, first: int, last: int) -> Json:
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": _cols(sheet_id, first, last, first_row=0),
                "description": PROTECTED_DESCRIPTION,
                "warningOnly": True,
            }
        }
    }


def _version_request(version: str, found: FormatsFound) -> Json:
    if found.version_id is not None:
        lookup = {"developerMetadataLookup": {"metadataId": found.version_id}}
        return {
            "updateDeveloperMetadata": {
                "dataFilters": [lookup],
                "developerMetadata": {"metadataValue": version},
                "fields": "metadataValue",
            }
        }
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": FORMAT_KEY,
                "metadataValue": version,
                "location": {"spreadsheet": True},
                "visibility": "DOCUMENT",
            }
        }
    }


def _repeat(grid: Json, fmt: Json, fields: str) -> Json:
    return {"repeatCell": {"range": grid, "cell": {"userEnteredFormat": fmt}, "fields": fields}}


def _rows(sheet_id: int, first: int, end: int) -> Json:
    return {"sheetId": sheet_id, "startRowIndex": first, "endRowIndex": end}


def _cols(
    sheet_id: int, first_col: int, last_col: int, *, first_row: int, last_row: int | None = None
) -> Json:
    """Columns first_col..last_col (1-based) from row index first_row down to the grid's end
    (or to last_row, exclusive): an open end covers the whole column."""
    grid: Json = {
        "sheetId": sheet_id,
        "startRowIndex": first_row,
        "startColumnIndex": first_col - 1,
        "endColumnIndex": last_col,
    }
    if last_row is not None:
        grid["endRowIndex"] = last_row
    return grid


def rgb(colour: str) -> Json:
    """#RRGGBB as a Sheets Color (channels 0 to 1)."""
    text = colour.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": red, "green": green, "blue": blue}
