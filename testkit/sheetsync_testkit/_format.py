"""spreadsheets.batchUpdate's formatting requests, as Google applies and checks them.

repeatCell (userEnteredFormat), updateDimensionProperties, setDataValidation,
add/deleteConditionalFormatRule, add/deleteProtectedRange and create/update/
deleteDeveloperMetadata; notes come with updateCells (in _batch). Each request is checked as
Google checks it (a sheetId that does not exist, a range outside the grid, an unknown field
in a mask, a bad colour, a list rule without values, a conditional rule without ranges) and
answered as Google answers it (its reply, or 400 INVALID_ARGUMENT).
"""

from __future__ import annotations

import copy
import json
import math
import random
import struct
from collections.abc import Callable
from typing import Any

from sheetsync_testkit._a1 import format_cells
from sheetsync_testkit._fields import Mask, leaf_paths, parse_mask
from sheetsync_testkit._workbook import (
    ApiError,
    Area,
    JsonObject,
    Sheet,
    Spreadsheet,
    field_violation,
    grid_error,
    invalid,
)

# The fields of a CellFormat (userEnteredFormat) a mask may name; None: a leaf.
_COLOR: Mask = {"red": None, "green": None, "blue": None, "alpha": None}
_COLOR_STYLE: Mask = {"rgbColor": _COLOR, "themeColor": None}
_TEXT_FORMAT: Mask = {
    "foregroundColor": _COLOR,
    "foregroundColorStyle": _COLOR_STYLE,
    "fontFamily": None,
    "fontSize": None,
    "bold": None,
    "italic": None,
    "strikethrough": None,
    "underline": None,
    "link": {"uri": None},
}
CELL_FORMAT: Mask = {
    "numberFormat": {"type": None, "pattern": None},
    "backgroundColor": _COLOR,
    "backgroundColorStyle": _COLOR_STYLE,
    "borders": None,
    "padding": None,
    "horizontalAlignment": None,
    "verticalAlignment": None,
    "wrapStrategy": None,
    "textDirection": None,
    "textFormat": _TEXT_FORMAT,
    "hyperlinkDisplayType": None,
    "textRotation": None,
}
CELL_DATA: Mask = {
    "userEnteredValue": None,
    "effectiveValue": None,
    "formattedValue": None,
    "userEnteredFormat": CELL_FORMAT,
    "effectiveFormat": CELL_FORMAT,
    "hyperlink": None,
    "note": None,
    "textFormatRuns": None,
    "dataValidation": None,
    "pivotTable": None,
    "dataSourceTable": None,
    "dataSourceFormula": None,
}
SHEET_PROPERTIES: Mask = {
    "sheetId": None,
    "title": None,
    "index": None,
    "sheetType": None,
    "gridProperties": {
        "rowCount": None,
        "columnCount": None,
        "frozenRowCount": None,
        "frozenColumnCount": None,
        "hideGridlines": None,
        "rowGroupControlAfter": None,
        "columnGroupControlAfter": None,
    },
    "hidden": None,
    "tabColor": _COLOR,
    "tabColorStyle": _COLOR_STYLE,
    "rightToLeft": None,
    "dataSourceSheetProperties": None,
}
DIMENSION_PROPERTIES: Mask = {
    "hiddenByFilter": None,
    "hiddenByUser": None,
    "pixelSize": None,
    "developerMetadata": None,
    "dataSourceColumnReference": None,
}
_ENUMS = {
    "numberFormat.type": (
        ["TEXT", "NUMBER", "PERCENT", "CURRENCY", "DATE", "TIME", "DATE_TIME", "SCIENTIFIC"],
        "NumberFormatType",
    ),
    "wrapStrategy": (["OVERFLOW_CELL", "LEGACY_WRAP", "CLIP", "WRAP"], "WrapStrategy"),
    "horizontalAlignment": (["LEFT", "CENTER", "RIGHT"], "HorizontalAlign"),
    "verticalAlignment": (["TOP", "MIDDLE", "BOTTOM"], "VerticalAlign"),
}
CONDITION_TYPES = frozenset(
    """NUMBER_GREATER NUMBER_GREATER_THAN_EQ NUMBER_LESS NUMBER_LESS_THAN_EQ NUMBER_EQ
    NUMBER_NOT_EQ NUMBER_BETWEEN NUMBER_NOT_BETWEEN TEXT_CONTAINS TEXT_NOT_CONTAINS
    TEXT_STARTS_WITH TEXT_ENDS_WITH TEXT_EQ TEXT_IS_EMAIL TEXT_IS_URL DATE_EQ DATE_BEFORE
    DATE_AFTER DATE_ON_OR_BEFORE DATE_ON_OR_AFTER DATE_BETWEEN DATE_NOT_BETWEEN DATE_IS_VALID
    ONE_OF_RANGE ONE_OF_LIST BLANK NOT_BLANK CUSTOM_FORMULA BOOLEAN TEXT_NOT_EQ DATE_NOT_EQ
    FILTER_EXPRESSION""".split()  # noqa: SIM905
)
# Condition types that take no values (Google refuses values on them).
NO_VALUES = frozenset({"DATE_IS_VALID", "TEXT_IS_EMAIL", "TEXT_IS_URL", "BLANK", "NOT_BLANK"})
# What a conditional format may set: Google refuses the rest ("Conditional formatting can
# only apply a subset of formatting: bold, italic, strikethrough, foreground color and
# background color").
CONDITIONAL_FORMAT_FIELDS = frozenset(
    {"backgroundColor", "backgroundColorStyle", "textFormat", "borders"}
)
CONDITIONAL_TEXT_FIELDS = frozenset(
    {"bold", "italic", "strikethrough", "underline", "foregroundColor", "foregroundColorStyle"}
)


def quantize_color(color: Any) -> Any:
    """Colors as Google stores them: 8 bits a channel, shown as float32, zeros left out."""
    if not isinstance(color, dict):
        return color
    result: JsonObject = {}
    for channel in ("red", "green", "blue", "alpha"):
        value = color.get(channel)
        if not isinstance(value, int | float) or value == 0:
            continue
        quantized = math.floor(float(value) * 255 + 1e-6) / 255  # 0.5 -> 127/255, as recorded
        result[channel] = 1 if quantized == 1 else _float32_text(quantized)
    return result


def _float32_text(value: float) -> float:
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        shortest = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", shortest))[0] == single:
            return shortest
    return float(single)


# Google's words, as quoted in node-google-spreadsheet issue #308.
NO_FIELDS = "At least one field must be listed in 'fields'. (Use '*' to indicate all fields.)"


# --- checks shared by the requests ---------------------------------------------------------


def grid_range(book: Spreadsheet, given: Any, where: str) -> tuple[Sheet, Area]:
    """A GridRange on a tab that exists, inside its grid; open sides run to the grid's edge."""
    if not isinstance(given, dict):
        raise invalid(f"Missing {where}.")
    sheet = book.find_id(given.get("sheetId", 0))
    if sheet is None:
        raise invalid(f"No grid with id: {given.get('sheetId', 0)}")
    row0, col0 = _index(given, "startRowIndex", 0), _index(given, "startColumnIndex", 0)
    row_end = _index(given, "endRowIndex", sheet.rows)
    col_end = _index(given, "endColumnIndex", sheet.cols)
    if row_end <= row0 or col_end <= col0:
        raise invalid(
            f"Invalid {where}: the end index must be greater than the start index "
            f"(rows {row0}..{row_end}, columns {col0}..{col_end})."
        )
    if row_end > sheet.rows or col_end > sheet.cols:
        raise grid_error(sheet, format_cells(row0, col0, row_end - 1, col_end - 1))
    return sheet, Area(row0, col0, row_end - 1, col_end - 1)


def _index(given: JsonObject, key: str, default: int) -> int:
    value = given.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise field_violation(key, f"Invalid value at '{key}' (TYPE_INT32), {json.dumps(value)}")
    return value


def stored_range(given: JsonObject) -> JsonObject:
    """A GridRange as Google keeps and answers it: as given (an open side stays open, so a
    rule or protection on whole columns covers rows added later), sheetId 0 left out (the
    proto3 default)."""
    keys = ("sheetId", "startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    result = {key: given[key] for key in keys if given.get(key) is not None}
    if not result.get("sheetId"):
        result.pop("sheetId", None)
    return result


def mask_paths(fields: Any, tree: Mask, where: str) -> list[tuple[str, ...]]:
    """The leaf paths of a field mask, each checked against the message's fields."""
    if not isinstance(fields, str) or not fields.strip():
        raise invalid(NO_FIELDS)
    try:
        mask = parse_mask(fields)
    except ValueError:
        raise invalid(f"Invalid field mask: {fields}") from None
    if "*" in mask:
        return [(name,) for name in tree]
    paths = leaf_paths(mask)
    for path in paths:
        node: Mask | None = tree
        for depth, name in enumerate(path):
            if node is None or name not in node:
                shown = ".".join(path[: depth + 1])
                raise invalid(f"Cannot find matching fields for path '{where}.{shown}'.")
            node = node[name]
    return paths


def check_color(color: Any, where: str) -> JsonObject:
    """A Color: numbers from 0 to 1 a channel; stored as Google stores them (8 bits, zeros
    left out)."""
    if not isinstance(color, dict):
        raise field_violation(
            where,
            f"Invalid value at '{where}' (type.googleapis.com/google.type.Color), "
            f"{json.dumps(color)}",
        )
    for channel, value in color.items():
        if channel not in ("red", "green", "blue", "alpha"):
            raise field_violation(
                where,
                f"Invalid JSON payload received. Unknown name \"{channel}\" at '{where}': "
                "Cannot find field.",
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise field_violation(
                f"{where}.{channel}",
                f"Invalid value at '{where}.{channel}' (TYPE_FLOAT), {json.dumps(value)}",
            )
        if not 0 <= value <= 1 or math.isnan(value):
            raise invalid(f"Invalid color value at '{where}.{channel}': {value} is not in [0, 1].")
    return dict(quantize_color(color))


def check_format(fmt: Any, where: str) -> JsonObject:
    """A CellFormat, its enums and colours checked; colours as Google stores them."""
    if not isinstance(fmt, dict):
        raise field_violation(where, f"Invalid value at '{where}', {json.dumps(fmt)}")
    result = copy.deepcopy(fmt)
    for name, value in fmt.items():
        if name not in CELL_FORMAT:
            raise field_violation(
                where,
                f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': "
                "Cannot find field.",
            )
        if name == "backgroundColor":
            result[name] = check_color(value, f"{where}.{name}")
        if name == "textFormat" and isinstance(value, dict):
            if "foregroundColor" in value:
                color = check_color(value["foregroundColor"], f"{where}.textFormat.foregroundColor")
                result[name]["foregroundColor"] = color
            for key in value:
                if key not in _TEXT_FORMAT:
                    raise field_violation(
                        f"{where}.textFormat",
                        f'Invalid JSON payload received. Unknown name "{key}" at '
                        f"'{where}.textFormat': Cannot find field.",
                    )
    number = fmt.get("numberFormat")
    if number is not None and (not isinstance(number, dict) or not number.get("type")):
        # NumberFormat.type: "When writing, this field must be set." (Sheets API reference)
        raise invalid(f"Invalid {where}.numberFormat: a number format type must be set.")
    for dotted, (allowed, proto) in _ENUMS.items():
        head, _, tail = dotted.partition(".")
        value = fmt.get(head)
        if tail:
            value = value.get(tail) if isinstance(value, dict) else None
        if value is not None and value not in allowed:
            at = f"{where}.{dotted}"
            raise field_violation(
                at,
                f"Invalid value at '{at}' (type.googleapis.com/google.apps.sheets.v4.{proto}), "
                f"{json.dumps(value)}",
            )
    return result


def _unset(value: Any, name: str) -> bool:
    return value is None or value == {}


def set_path(
    target: JsonObject,
    path: tuple[str, ...],
    source: JsonObject,
    *,
    is_default: Callable[[Any, str], bool] = _unset,
    prune: bool = False,
) -> None:
    """Copy source's value at path into target; absent in source (or at its default, by
    `is_default`) resets it. With `prune`, a parent left empty goes too."""
    value: Any = source
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    node = target
    for name in path[:-1]:
        node = node.setdefault(name, {})
    if is_default(value, path[-1]):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)
    if prune and not node and len(path) > 1:
        _prune(target, path[:-1])


def _prune(target: JsonObject, path: tuple[str, ...]) -> None:
    parent = target
    for name in path[:-1]:
        parent = parent[name]
    if parent.get(path[-1]) == {}:
        del parent[path[-1]]


# --- the requests -----------------------------------------------------------------------------


def repeat_cell(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    """The cell's masked fields on every cell of the range (formats only here)."""
    sheet, area = grid_range(book, body.get("range"), "range")
    paths = mask_paths(body.get("fields"), CELL_DATA, "cell")
    cell = body.get("cell") or {}
    if not isinstance(cell, dict):
        raise field_violation("cell", f"Invalid value at 'cell', {json.dumps(cell)}")
    if any(path[0] != "userEnteredFormat" for path in paths):
        raise ApiError(
            501,
            "The Sheets emulator's repeatCell sets userEnteredFormat only.",
            "UNIMPLEMENTED",
        )
    stored = {"userEnteredFormat": check_format(cell.get("userEnteredFormat") or {}, "cell")}
    sheet.formats.append((area, paths, stored))


def write_cell_formats(
    sheet: Sheet, paths: list[tuple[str, ...]], cells: list[list[Any]], area: Area
) -> None:
    """updateCells' and appendCells' userEnteredFormat fields (`paths`) on each cell of
    `area`, given row by row in `cells` (CellData lists); a cell they leave out, or one
    without the field, is reset, as at Google. Kept as layers like repeatCell's, one per run
    of equal formats down a column, so rows appended alike cost a layer a column."""
    height, width = area.row1 - area.row0 + 1, area.col1 - area.col0 + 1
    checked = [
        [
            _given_format(row[j] if j < len(row) else {}, f"rows[{i}].values[{j}]")
            for j in range(width)
        ]
        for i, row in enumerate(cells[:height] + [[]] * (height - len(cells)))
    ]
    row0, col0 = area.row0, area.col0
    for j in range(width):
        i = 0
        while i < height:
            shown = _masked(checked[i][j], paths)
            end = i
            while end + 1 < height and _masked(checked[end + 1][j], paths) == shown:
                end += 1
            run = Area(row0 + i, col0 + j, row0 + end, col0 + j)
            if shown != "{}" or any(_overlap(run, layer[0]) for layer in sheet.formats):
                sheet.formats.append((run, paths, checked[i][j]))
            i = end + 1


def _given_format(data: Any, where: str) -> JsonObject:
    fmt = data.get("userEnteredFormat") if isinstance(data, dict) else None
    if fmt is None:
        return {}
    return {"userEnteredFormat": check_format(fmt, f"{where}.userEnteredFormat")}


def _masked(stored: JsonObject, paths: list[tuple[str, ...]]) -> str:
    """What the mask takes from a cell's CellData, as text to compare cells by."""
    result: JsonObject = {}
    for path in paths:
        set_path(result, path, stored)
    return json.dumps(result, sort_keys=True)


def _overlap(a: Area, b: Area) -> bool:
    return a.row0 <= b.row1 and b.row0 <= a.row1 and a.col0 <= b.col1 and b.col0 <= a.col1


def cell_format(sheet: Sheet, row: int, col: int) -> JsonObject:
    """The userEnteredFormat of a cell, as spreadsheets.get answers it."""
    result: JsonObject = {}
    for area, paths, stored in sheet.formats:
        if area.row0 <= row <= area.row1 and area.col0 <= col <= area.col1:
            for path in paths:
                set_path(result, path, stored)
    fmt: JsonObject = result.get("userEnteredFormat", {})
    # Google answers the legacy colour and its *Style twin together.
    if "backgroundColor" in fmt:
        fmt["backgroundColorStyle"] = {"rgbColor": fmt["backgroundColor"]}
    text = fmt.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text:
        text["foregroundColorStyle"] = {"rgbColor": text["foregroundColor"]}
    return fmt


def update_dimension_properties(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    span = body.get("range")
    if not isinstance(span, dict):
        raise invalid("range is required.")
    sheet = book.find_id(span.get("sheetId", 0))
    if sheet is None:
        raise invalid(f"No grid with id: {span.get('sheetId', 0)}")
    dimension = span.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise invalid("dimension must be ROWS or COLUMNS.")
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start, end = _index(span, "startIndex", 0), _index(span, "endIndex", size)
    if not start < end:
        raise invalid(f"Invalid dimension range: startIndex {start}, endIndex {end}.")
    if end > size:
        raise invalid(
            f"Invalid requests: range ({start}..{end}) exceeds grid limits. "
            f"Max {dimension.lower()}: {size}"
        )
    paths = mask_paths(body.get("fields"), DIMENSION_PROPERTIES, "properties")
    given = body.get("properties") or {}
    for path in paths:
        if path[0] not in ("pixelSize", "hiddenByUser"):
            raise ApiError(
                501,
                f"The Sheets emulator does not set {path[0]} of a dimension.",
                "UNIMPLEMENTED",
            )
        value = given.get(path[0])
        bad_size = isinstance(value, bool) or not isinstance(value, int) or value < 0
        if path[0] == "pixelSize" and value is not None and bad_size:
            raise invalid(f"Invalid pixelSize: {json.dumps(value)}")
    for index in range(start, end):
        props = sheet.dimensions.setdefault((dimension, index), {})
        for path in paths:
            set_path(props, path, given)
            if props.get("hiddenByUser") is False:
                del props["hiddenByUser"]


def dimension_metadata(sheet: Sheet, dimension: str, index: int) -> JsonObject:
    """A row's or column's DimensionProperties as spreadsheets.get answers them."""
    props = {"pixelSize": 21 if dimension == "ROWS" else 100}
    props.update(sheet.dimensions.get((dimension, index), {}))
    return props


def set_data_validation(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    """The rule on every cell of the range; no rule clears the range's validation."""
    sheet, area = grid_range(book, body.get("range"), "range")
    rule = body.get("rule")
    if rule is None:
        sheet.validations.append((area, None))
        return
    if not isinstance(rule, dict):
        raise field_violation("rule", f"Invalid value at 'rule', {json.dumps(rule)}")
    condition = _check_condition(rule.get("condition"), "rule.condition")
    if condition["type"] == "CUSTOM_FORMULA" or condition["type"] == "FILTER_EXPRESSION":
        raise ApiError(501, "The Sheets emulator does not validate by formula.", "UNIMPLEMENTED")
    stored: JsonObject = {"condition": condition}
    for key in ("inputMessage", "strict", "showCustomUi"):
        if rule.get(key):  # Google leaves false and empty out of its answers
            stored[key] = rule[key]
    sheet.validations.append((area, stored))


def _check_condition(condition: Any, where: str) -> JsonObject:
    if not isinstance(condition, dict) or "type" not in condition:
        raise invalid(f"Invalid {where}: a condition type must be set.")
    kind = condition["type"]
    if kind not in CONDITION_TYPES:
        raise field_violation(
            f"{where}.type",
            f"Invalid value at '{where}.type' "
            f"(type.googleapis.com/google.apps.sheets.v4.ConditionType), {json.dumps(kind)}",
        )
    values = condition.get("values") or []
    if not isinstance(values, list) or not all(
        isinstance(v, dict) and isinstance(v.get("userEnteredValue", ""), str) for v in values
    ):
        raise field_violation(f"{where}.values", f"Invalid value at '{where}.values'")
    texts = [v.get("userEnteredValue", "") for v in values]
    if kind == "ONE_OF_LIST" and (not texts or not all(t.strip() for t in texts)):
        raise invalid(f"Invalid {where}: ONE_OF_LIST must have at least one non-empty value.")
    if kind in NO_VALUES and texts:
        raise invalid(f"Invalid {where}: {kind} takes no values.")
    if kind == "CUSTOM_FORMULA" and (len(texts) != 1 or not texts[0].startswith("=")):
        raise invalid(f"Invalid {where}: CUSTOM_FORMULA takes one value, a formula starting '='.")
    result: JsonObject = {"type": kind}
    if values:
        result["values"] = [{"userEnteredValue": t} for t in texts]
    return result


def cell_validation(sheet: Sheet, row: int, col: int) -> JsonObject | None:
    found: JsonObject | None = None
    for area, rule in sheet.validations:
        if area.row0 <= row <= area.row1 and area.col0 <= col <= area.col1:
            found = rule
    return copy.deepcopy(found)


def add_conditional_format_rule(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    rule = body.get("rule")
    if not isinstance(rule, dict):
        raise invalid("rule is required.")
    ranges = rule.get("ranges")
    if not isinstance(ranges, list) or not ranges:
        raise invalid("At least one range must be specified for a conditional format rule.")
    resolved = [grid_range(book, r, f"rule.ranges[{i}]") for i, r in enumerate(ranges)]
    sheet = resolved[0][0]
    if any(s is not sheet for s, _ in resolved):
        raise invalid("All ranges of a conditional format rule must be on the same sheet.")
    boolean = rule.get("booleanRule")
    if "gradientRule" in rule:
        raise ApiError(501, "The Sheets emulator has no gradient rules.", "UNIMPLEMENTED")
    if not isinstance(boolean, dict):
        raise invalid("Invalid rule: exactly one of booleanRule or gradientRule must be set.")
    condition = _check_condition(boolean.get("condition"), "rule.booleanRule.condition")
    fmt = boolean.get("format") or {}
    checked = check_format(fmt, "rule.booleanRule.format")
    for name in fmt:
        if name not in CONDITIONAL_FORMAT_FIELDS or (
            name == "textFormat" and not set(fmt[name]) <= CONDITIONAL_TEXT_FIELDS
        ):
            raise invalid(
                "Conditional formatting can only apply a subset of formatting: bold, italic, "
                "strikethrough, foreground color and background color."
            )
    stored: JsonObject = {
        "ranges": [stored_range(r) for r in ranges],
        "booleanRule": {"condition": condition, "format": checked},
    }
    index = _index(body, "index", 0)
    if index > len(sheet.conditional_formats):
        raise invalid(
            f"Invalid index {index}: the sheet has {len(sheet.conditional_formats)} rules."
        )
    sheet.conditional_formats.insert(index, stored)


def delete_conditional_format_rule(
    book: Spreadsheet, body: JsonObject, rng: random.Random
) -> JsonObject:
    sheet = book.find_id(body.get("sheetId", 0))
    if sheet is None:
        raise invalid(f"No grid with id: {body.get('sheetId', 0)}")
    index = _index(body, "index", 0)
    if index >= len(sheet.conditional_formats):
        raise invalid(f"No conditional format on sheet {sheet.sheet_id} at index {index}.")
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def add_protected_range(book: Spreadsheet, body: JsonObject, rng: random.Random) -> JsonObject:
    given = body.get("protectedRange")
    if not isinstance(given, dict):
        raise invalid("protectedRange is required.")
    if given.get("namedRangeId") or given.get("unprotectedRanges"):
        raise ApiError(501, "The Sheets emulator protects plain ranges only.", "UNIMPLEMENTED")
    if "range" in given:
        sheet, _ = grid_range(book, given["range"], "protectedRange.range")
        stored_area = stored_range(given["range"])
    else:
        raise invalid("Invalid protectedRange: a range or a named range must be set.")
    warning = bool(given.get("warningOnly"))
    editors = given.get("editors") or {}
    if warning and editors:
        raise invalid("Invalid protectedRange: a warning-only protected range cannot have editors.")
    used = {p["protectedRangeId"] for s in book.sheets for p in s.protected_ranges}
    protected_id = rng.randint(1, 2**31 - 1)
    while protected_id in used:
        protected_id = rng.randint(1, 2**31 - 1)
    stored: JsonObject = {"protectedRangeId": protected_id, "range": stored_area}
    if given.get("description"):
        stored["description"] = given["description"]
    if warning:
        stored["warningOnly"] = True
    stored["requestingUserCanEdit"] = True
    # As recorded: the reply lists no editors; spreadsheets.get then names whoever added it.
    reply = {**copy.deepcopy(stored), "editors": {}}
    stored["editors"] = {"users": [book.caller]} if book.caller else {}
    sheet.protected_ranges.append(stored)
    return {"addProtectedRange": {"protectedRange": reply}}


def delete_protected_range(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    wanted = body.get("protectedRangeId")
    for sheet in book.sheets:
        for protected in sheet.protected_ranges:
            if protected["protectedRangeId"] == wanted:
                sheet.protected_ranges.remove(protected)
                return
    raise invalid(f"No protected range with id: {wanted}")


_VISIBILITIES = ("DOCUMENT", "PROJECT")


def create_developer_metadata(
    book: Spreadsheet, body: JsonObject, rng: random.Random
) -> JsonObject:
    given = body.get("developerMetadata")
    if not isinstance(given, dict):
        raise invalid("developerMetadata is required.")
    key = given.get("metadataKey")
    if not isinstance(key, str) or not key:
        raise invalid("Invalid developerMetadata: metadataKey is required.")
    if given.get("visibility") not in _VISIBILITIES:
        raise invalid("Invalid developerMetadata: visibility must be DOCUMENT or PROJECT.")
    location = given.get("location")
    if not isinstance(location, dict) or location.get("spreadsheet") is not True:
        if isinstance(location, dict) and location:
            raise ApiError(
                501, "The Sheets emulator keeps spreadsheet-level metadata only.", "UNIMPLEMENTED"
            )
        raise invalid("Invalid developerMetadata: a location is required.")
    metadata_id = given.get("metadataId") or rng.randint(1, 2**31 - 1)
    if any(m["metadataId"] == metadata_id for m in book.developer_metadata):
        raise invalid(f"Developer metadata with id {metadata_id} already exists.")
    stored: JsonObject = {
        "metadataId": metadata_id,
        "metadataKey": key,
        "location": {"locationType": "SPREADSHEET", "spreadsheet": True},
        "visibility": given["visibility"],
    }
    if given.get("metadataValue"):
        stored["metadataValue"] = str(given["metadataValue"])
    book.developer_metadata.append(stored)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(stored)}}


def _matching(book: Spreadsheet, data_filter: Any, where: str) -> list[JsonObject]:
    lookup = data_filter.get("developerMetadataLookup") if isinstance(data_filter, dict) else None
    if not isinstance(lookup, dict) or not lookup:
        raise invalid(f"Invalid {where}: a developerMetadataLookup must be set.")
    found = []
    for item in book.developer_metadata:
        if "metadataId" in lookup and item["metadataId"] != lookup["metadataId"]:
            continue
        if "metadataKey" in lookup and item["metadataKey"] != lookup["metadataKey"]:
            continue
        if "metadataValue" in lookup and item.get("metadataValue") != lookup["metadataValue"]:
            continue
        found.append(item)
    return found


def update_developer_metadata(
    book: Spreadsheet, body: JsonObject, rng: random.Random
) -> JsonObject:
    filters = body.get("dataFilters")
    if not isinstance(filters, list) or not filters:
        raise invalid("At least one data filter must be specified.")
    paths = mask_paths(
        body.get("fields"),
        {"metadataKey": None, "metadataValue": None, "location": None, "visibility": None},
        "developerMetadata",
    )
    given = body.get("developerMetadata") or {}
    updated: list[JsonObject] = []
    for i, data_filter in enumerate(filters):
        for item in _matching(book, data_filter, f"dataFilters[{i}]"):
            for path in paths:
                if path[0] == "location":
                    raise ApiError(501, "The emulator does not move metadata.", "UNIMPLEMENTED")
                set_path(item, path, given)
            if item not in updated:
                updated.append(item)
    return {"updateDeveloperMetadata": {"developerMetadata": copy.deepcopy(updated)}}


def delete_developer_metadata(
    book: Spreadsheet, body: JsonObject, rng: random.Random
) -> JsonObject:
    found = _matching(book, body.get("dataFilter"), "dataFilter")
    book.developer_metadata = [m for m in book.developer_metadata if m not in found]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": copy.deepcopy(found)}}


HANDLERS = {
    "repeatCell": repeat_cell,
    "updateDimensionProperties": update_dimension_properties,
    "setDataValidation": set_data_validation,
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "createDeveloperMetadata": create_developer_metadata,
    "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
}
