"""The Sheets API v4 methods: request checks as Google makes them, then the workbook model."""

from __future__ import annotations

import copy
import json
import random

from sheetsync_testkit._a1 import Bounds
from sheetsync_testkit._batch import apply_requests
from sheetsync_testkit._cells import render
from sheetsync_testkit._fields import apply_mask, parse_mask
from sheetsync_testkit._format import cell_format, cell_validation, dimension_metadata
from sheetsync_testkit._workbook import (
    JsonObject,
    Sheet,
    Spreadsheet,
    Target,
    Written,
    append,
    as_rows,
    clear,
    field_violation,
    invalid,
    read,
    write,
)

Query = dict[str, list[str]]

_ENUMS = {
    "valueRenderOption": ("ValueRenderOption", ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")),
    "responseValueRenderOption": (
        "ValueRenderOption",
        ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"),
    ),
    "dateTimeRenderOption": ("DateTimeRenderOption", ("SERIAL_NUMBER", "FORMATTED_STRING")),
    "responseDateTimeRenderOption": (
        "DateTimeRenderOption",
        ("SERIAL_NUMBER", "FORMATTED_STRING"),
    ),
    "majorDimension": ("Dimension", ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED")),
    "valueInputOption": ("ValueInputOption", ("RAW", "USER_ENTERED")),
    "insertDataOption": ("InsertDataOption", ("OVERWRITE", "INSERT_ROWS")),
}
_DEFAULTS = {
    "valueRenderOption": "FORMATTED_VALUE",
    "responseValueRenderOption": "FORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "responseDateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
    "insertDataOption": "OVERWRITE",
}

DEFAULT_FORMAT: JsonObject = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
SPREADSHEET_THEME: JsonObject = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": rgb}} for t, rgb in _THEME_COLORS],
}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def option(source: Query | JsonObject, name: str, *, required: bool = False) -> str:
    """An enum parameter from the query string or a JSON body, checked as Google checks it."""
    raw = source.get(name)
    value = raw[-1] if isinstance(raw, list) else raw
    if value is None or value == "":
        if required:
            raise invalid(f"'{name}' is required but not specified")
        return _DEFAULTS[name]
    proto, allowed = _ENUMS[name]
    if value not in allowed:
        field_name = _snake(name)
        raise field_violation(
            field_name,
            f"Invalid value at '{field_name}' "
            f"(type.googleapis.com/google.apps.sheets.v4.{proto}), {json.dumps(value)}",
        )
    return "ROWS" if value == "DIMENSION_UNSPECIFIED" else str(value)


def flag(source: Query | JsonObject, name: str) -> bool:
    raw = source.get(name)
    value = raw[-1] if isinstance(raw, list) else raw
    if isinstance(value, bool):
        return value
    if value is None or str(value).lower() in ("", "false"):
        return False
    if str(value).lower() == "true":
        return True
    raise field_violation(name, f"Invalid value at '{_snake(name)}' (TYPE_BOOL), {value}")


def check_fields(body: JsonObject, known: tuple[str, ...], at: str = "") -> None:
    """Unknown JSON names are rejected, as Google's JSON parser rejects them."""
    for name in body:
        if name not in known:
            where = f" at '{at}'" if at else ""
            raise field_violation(
                at,
                f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.',
            )


def value_rows(body: JsonObject, at: str) -> list[list[object]]:
    """A ValueRange's values, type-checked: a list of lists of strings, numbers, booleans, null."""
    check_fields(body, ("range", "majorDimension", "values"), at)
    values = body.get("values")
    if values is None:
        return []
    list_type = "type.googleapis.com/google.protobuf.ListValue"
    if not isinstance(values, list):
        where = f"{at}.values" if at else "data.values"
        raise field_violation(
            where, f"Invalid value at '{where}' ({list_type}), {json.dumps(values)}"
        )
    for i, row in enumerate(values):
        if not isinstance(row, list):
            where = f"{at or 'data'}.values[{i}]"
            raise field_violation(
                where, f"Invalid value at '{where}' ({list_type}), {json.dumps(row)}"
            )
        for j, value in enumerate(row):
            if isinstance(value, list | dict):
                kind = "list_value" if isinstance(value, list) else "struct_value"
                raise invalid(f"Invalid values[{i}][{j}]: {kind} {json.dumps(value)}")
    return as_rows(values, option(body, "majorDimension"))


# --- spreadsheets -------------------------------------------------------------------------------


def spreadsheet_json(book: Spreadsheet) -> JsonObject:
    props = copy.deepcopy(book.props)
    props["defaultFormat"] = copy.deepcopy(DEFAULT_FORMAT)
    props["spreadsheetTheme"] = copy.deepcopy(SPREADSHEET_THEME)
    result: JsonObject = {
        "spreadsheetId": book.id,
        "properties": props,
        "sheets": [_sheet_json(s) for s in book.sheets],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.id}/edit",
    }
    if book.developer_metadata:
        result["developerMetadata"] = copy.deepcopy(book.developer_metadata)
    return result


def _sheet_json(sheet: Sheet) -> JsonObject:
    """A Sheet as spreadsheets.get answers it: empty lists are left out, as Google does."""
    result: JsonObject = {"properties": copy.deepcopy(sheet.props)}
    if sheet.conditional_formats:
        result["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
    if sheet.protected_ranges:
        result["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
    return result


def masked(result: JsonObject, query: Query) -> JsonObject:
    """Apply the 'fields' query parameter (a field mask) to a response."""
    fields = query.get("fields")
    if not fields or not fields[-1]:
        return result
    try:
        mask = parse_mask(fields[-1])
    except ValueError:
        raise invalid(f"Invalid field selection {fields[-1]}") from None
    masked_result: JsonObject = apply_mask(result, mask)
    return masked_result


def _mentions_grid_data(query: Query) -> bool:
    fields = query.get("fields")
    if not fields or not fields[-1]:
        return False
    try:
        sheets = parse_mask(fields[-1]).get("sheets")
    except ValueError:
        return False
    return isinstance(sheets, dict) and "data" in sheets


def get_spreadsheet(book: Spreadsheet, query: Query) -> JsonObject:
    """spreadsheets.get; with includeGridData (or sheets.data in the fields), each range's
    cells as GridData (values, formats, notes, validations) with its rows' and columns'
    metadata; without ranges, every tab up to its last filled cell."""
    result = spreadsheet_json(book)
    ranges = query.get("ranges") or []
    if ranges:
        wanted = {book.target(text).sheet.sheet_id for text in ranges}
        result["sheets"] = [s for s in result["sheets"] if s["properties"]["sheetId"] in wanted]
    if flag(query, "includeGridData") or _mentions_grid_data(query):
        _attach_full_grid_data(book, result, ranges)
    return masked(result, query)


def _attach_full_grid_data(book: Spreadsheet, result: JsonObject, ranges: list[str]) -> None:
    by_id = {s["properties"]["sheetId"]: s for s in result["sheets"]}
    targets = [book.target(text) for text in ranges]
    if not ranges:
        for sheet in book.sheets:
            rows, cols = sheet.extent()
            bounds = Bounds(0, 0, max(rows, 1) - 1, max(cols, 1) - 1)
            targets.append(Target(sheet, bounds, sheet.title))
    for target in targets:
        sheet, area = target.sheet, target.area()
        block: JsonObject = {}
        if area.row0:
            block["startRow"] = area.row0
        if area.col0:
            block["startColumn"] = area.col0
        row_data = [
            {"values": [_full_cell(book, sheet, r, c) for c in range(area.col0, area.col1 + 1)]}
            for r in range(area.row0, area.row1 + 1)
        ]
        while row_data and not any(row_data[-1]["values"]):
            row_data.pop()  # trailing empty rows are left out
        for row in row_data:
            while row["values"] and not row["values"][-1]:
                row["values"].pop()
            if not row["values"]:
                del row["values"]
        if row_data:
            block["rowData"] = row_data
        block["rowMetadata"] = [
            dimension_metadata(sheet, "ROWS", r) for r in range(area.row0, area.row1 + 1)
        ]
        block["columnMetadata"] = [
            dimension_metadata(sheet, "COLUMNS", c) for c in range(area.col0, area.col1 + 1)
        ]
        by_id[sheet.sheet_id].setdefault("data", []).append(block)


def _full_cell(book: Spreadsheet, sheet: Sheet, row: int, col: int) -> JsonObject:
    cell = sheet.cells.get((row, col))
    value = "" if cell is None else render(cell, "UNFORMATTED_VALUE", "SERIAL_NUMBER", book.locale)
    data = _cell_data(value)
    fmt = cell_format(sheet, row, col)
    if fmt:
        data["userEnteredFormat"] = fmt
    note = sheet.notes.get((row, col))
    if note:
        data["note"] = note
    rule = cell_validation(sheet, row, col)
    if rule:
        data["dataValidation"] = rule
    return data


def batch_update(
    book: Spreadsheet, body: JsonObject, rng: random.Random, query: Query | None = None
) -> JsonObject:
    """spreadsheets.batchUpdate on book (a copy the caller commits only if this returns)."""
    check_fields(
        body,
        (
            "requests",
            "includeSpreadsheetInResponse",
            "responseRanges",
            "responseIncludeGridData",
        ),
    )
    replies = apply_requests(book, body.get("requests") or [], rng)
    result: JsonObject = {"spreadsheetId": book.id, "replies": replies}
    if flag(body, "includeSpreadsheetInResponse"):
        updated = spreadsheet_json(book)
        if flag(body, "responseIncludeGridData"):
            _attach_grid_data(book, updated, body.get("responseRanges") or [])
        result["updatedSpreadsheet"] = updated
    fields = (query or {}).get("fields")
    if fields and fields[-1]:
        try:
            mask = parse_mask(fields[-1])
        except ValueError:
            raise invalid(f"Invalid field selection {fields[-1]}") from None
        result = apply_mask(result, mask)
    return result


def _attach_grid_data(book: Spreadsheet, updated: JsonObject, ranges: list[str]) -> None:
    """Each response range as a GridData block on its sheet, in the order asked, as Google
    answers responseRanges with responseIncludeGridData: effective values, formatted text,
    startRow/startColumn left out when 0, trailing empty rows and cells left out."""
    by_id = {s["properties"]["sheetId"]: s for s in updated["sheets"]}
    for text in ranges:
        target = book.target(text)
        area = target.area()
        values = read(book, target, "ROWS", "UNFORMATTED_VALUE", "SERIAL_NUMBER").get("values", [])
        block: JsonObject = {}
        if area.row0:
            block["startRow"] = area.row0
        if area.col0:
            block["startColumn"] = area.col0
        if values:
            block["rowData"] = [{"values": [_cell_data(v) for v in row]} for row in values]
        by_id[target.sheet.sheet_id].setdefault("data", []).append(block)


def _cell_data(value: object) -> JsonObject:
    if value == "" or value is None:
        return {}
    if isinstance(value, bool):
        kind, shown = "boolValue", "TRUE" if value else "FALSE"
    elif isinstance(value, int | float):
        kind, shown = "numberValue", str(value)
    else:
        kind, shown = "stringValue", str(value)
    return {
        "userEnteredValue": {kind: value},
        "effectiveValue": {kind: value},
        "formattedValue": shown,
    }


# --- values -------------------------------------------------------------------------------------


def values_get(book: Spreadsheet, text: str, query: Query) -> JsonObject:
    return read(
        book,
        book.target(text),
        option(query, "majorDimension"),
        option(query, "valueRenderOption"),
        option(query, "dateTimeRenderOption"),
    )


def values_batch_get(book: Spreadsheet, query: Query) -> JsonObject:
    major = option(query, "majorDimension")
    render = option(query, "valueRenderOption")
    dates = option(query, "dateTimeRenderOption")
    ranges = [read(book, book.target(t), major, render, dates) for t in query.get("ranges", [])]
    result: JsonObject = {"spreadsheetId": book.id}
    if ranges:
        result["valueRanges"] = ranges
    return result


def _updated(book: Spreadsheet, written: Written, options: Query | JsonObject) -> JsonObject:
    result = written.response(book.id)
    if flag(options, "includeValuesInResponse"):
        rng = result["updatedRange"]
        result["updatedData"] = read(
            book,
            book.target(rng),
            "ROWS",
            option(options, "responseValueRenderOption"),
            option(options, "responseDateTimeRenderOption"),
        )
    return result


def values_update(book: Spreadsheet, text: str, query: Query, body: JsonObject) -> JsonObject:
    input_option = option(query, "valueInputOption", required=True)
    rows = value_rows(body, "")
    written = write(book, book.target(text), rows, input_option)
    return _updated(book, written, query)


def values_batch_update(book: Spreadsheet, body: JsonObject) -> JsonObject:
    check_fields(
        body,
        (
            "valueInputOption",
            "data",
            "includeValuesInResponse",
            "responseValueRenderOption",
            "responseDateTimeRenderOption",
        ),
    )
    input_option = option(body, "valueInputOption", required=True)
    data = body.get("data") or []
    if not isinstance(data, list):
        raise field_violation("data", f"Invalid value at 'data', {json.dumps(data)}")
    responses = []
    touched: dict[int, Written] = {}
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise field_violation(f"data[{i}]", f"Invalid value at 'data[{i}]', {json.dumps(item)}")
        rows = value_rows(item, f"data[{i}]")
        text = item.get("range")
        if not isinstance(text, str):
            raise invalid(f"Invalid data[{i}]: range is required.")
        written = write(book, book.target(text), rows, input_option)
        responses.append(_updated(book, written, body))
        total = touched.setdefault(written.sheet.sheet_id, Written(written.sheet, set(), (0, 0)))
        total.cells |= written.cells
    result: JsonObject = {"spreadsheetId": book.id}
    totals = {
        "totalUpdatedRows": sum(len({r for r, _ in w.cells}) for w in touched.values()),
        "totalUpdatedColumns": sum(len({c for _, c in w.cells}) for w in touched.values()),
        "totalUpdatedCells": sum(len(w.cells) for w in touched.values()),
        "totalUpdatedSheets": sum(1 for w in touched.values() if w.cells),
    }
    result.update({k: v for k, v in totals.items() if v})
    if responses:
        result["responses"] = responses
    return result


def values_append(book: Spreadsheet, text: str, query: Query, body: JsonObject) -> JsonObject:
    input_option = option(query, "valueInputOption", required=True)
    insert_option = option(query, "insertDataOption")
    rows = value_rows(body, "")
    table, written = append(book, book.target(text), rows, input_option, insert_option)
    result: JsonObject = {"spreadsheetId": book.id}
    if table:
        result["tableRange"] = table
    result["updates"] = _updated(book, written, query)
    return result


def values_clear(book: Spreadsheet, text: str, body: JsonObject) -> JsonObject:
    check_fields(body, ())
    return {"spreadsheetId": book.id, "clearedRange": clear(book.target(text))}


def values_batch_clear(book: Spreadsheet, body: JsonObject) -> JsonObject:
    check_fields(body, ("ranges",))
    ranges = body.get("ranges") or []
    if not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
        raise field_violation("ranges", f"Invalid value at 'ranges', {json.dumps(ranges)}")
    cleared = [clear(book.target(text)) for text in ranges]
    result: JsonObject = {"spreadsheetId": book.id}
    if cleared:
        result["clearedRanges"] = cleared
    return result
