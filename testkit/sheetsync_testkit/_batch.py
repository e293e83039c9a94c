"""spreadsheets.batchUpdate: the requests the emulator implements, applied in order."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from sheetsync_testkit._a1 import MAX_COLUMNS, format_cells
from sheetsync_testkit._cells import Cell, evaluate
from sheetsync_testkit._fields import leaf_paths, parse_mask
from sheetsync_testkit._format import (
    CELL_DATA,
    NO_FIELDS,
    SHEET_PROPERTIES,
    mask_paths,
    quantize_color,
    set_path,
    write_cell_formats,
)
from sheetsync_testkit._format import HANDLERS as FORMAT_HANDLERS
from sheetsync_testkit._workbook import (
    ApiError,
    Area,
    JsonObject,
    Sheet,
    Spreadsheet,
    field_violation,
    grid_error,
    invalid,
    new_sheet_props,
)

# Every request type Sheets API v4 knows: one outside this set is a JSON error, one inside it
# that the emulator lacks is 501 UNIMPLEMENTED, so a test never passes on a silent no-op.
KNOWN_REQUESTS = frozenset(
    """updateSpreadsheetProperties updateSheetProperties updateDimensionProperties
    updateNamedRange repeatCell addNamedRange deleteNamedRange addSheet deleteSheet autoFill
    cutPaste copyPaste mergeCells unmergeCells updateBorders updateCells addFilterView
    appendCells clearBasicFilter deleteDimension deleteEmbeddedObject deleteFilterView
    duplicateFilterView duplicateSheet findReplace insertDimension insertRange moveDimension
    updateEmbeddedObjectPosition pasteData textToColumns updateFilterView deleteRange
    appendDimension addConditionalFormatRule updateConditionalFormatRule
    deleteConditionalFormatRule sortRange setDataValidation setBasicFilter addProtectedRange
    updateProtectedRange deleteProtectedRange autoResizeDimensions addChart updateChartSpec
    updateBanding addBanding deleteBanding createDeveloperMetadata updateDeveloperMetadata
    deleteDeveloperMetadata randomizeRange addDimensionGroup deleteDimensionGroup
    updateDimensionGroup trimWhitespace deleteDuplicates updateEmbeddedObjectBorder
    addSlicer updateSlicerSpec addDataSource updateDataSource deleteDataSource
    refreshDataSource cancelDataSourceRefresh addTable updateTable deleteTable""".split()  # noqa: SIM905
)

Handler = Callable[[Spreadsheet, JsonObject, random.Random], JsonObject | None]


def apply_requests(book: Spreadsheet, requests: object, rng: random.Random) -> list[JsonObject]:
    """Apply requests in order to book (the caller passes a copy: all or nothing)."""
    if not isinstance(requests, list):
        raise _bad_value("requests", requests, "type.googleapis.com/google.apps.sheets.v4.Request")
    replies: list[JsonObject] = []
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise invalid(f"Invalid requests[{i}]: exactly one kind of request must be set.")
        [(name, body)] = request.items()
        if name not in KNOWN_REQUESTS:
            message = (
                f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': "
                "Cannot find field."
            )
            raise field_violation(f"requests[{i}]", message)
        handler = HANDLERS.get(name)
        if handler is None:
            raise ApiError(
                501, f"The Sheets emulator does not implement the {name} request.", "UNIMPLEMENTED"
            )
        if not isinstance(body, dict):
            raise _bad_value(f"requests[{i}].{name}", body, "object")
        try:
            reply = handler(book, body, rng)
        except ApiError as err:
            if err.code != 400:
                raise
            raise ApiError(
                400, f"Invalid requests[{i}].{name}: {err.message}", err.status, err.details
            ) from err
        replies.append(reply or {})
    return replies


def _bad_value(path: str, value: object, kind: str) -> ApiError:
    return field_violation(path, f"Invalid value at '{path}' ({kind}), {json.dumps(value)}")


def _int(body: JsonObject, key: str, default: int | None = None) -> int:
    value = body.get(key, default)
    if value is None:
        raise invalid(f"Missing {key}.")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad_value(key, value, "TYPE_INT32")
    try:
        return int(value)  # protobuf JSON accepts "5" for 5
    except ValueError:
        raise _bad_value(key, value, "TYPE_INT32") from None


def _sheet(book: Spreadsheet, sheet_id: object) -> Sheet:
    sheet = book.find_id(sheet_id if sheet_id is not None else 0)
    if sheet is None:
        raise invalid(f"No grid with id: {sheet_id}")
    return sheet


def _check_title(book: Spreadsheet, title: object, keep: Sheet | None = None) -> str:
    if not isinstance(title, str) or not title.strip():
        raise invalid("The sheet name cannot be empty.")
    other = book.find_title(title)
    if other is not None and other is not keep and other.title.casefold() == title.casefold():
        raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
    return title


def _set_path(target: JsonObject, path: tuple[str, ...], source: JsonObject) -> None:
    """Copy source's value at path into target; absent in source means reset (delete)."""
    set_path(target, path, source, is_default=_is_default, prune=True)


def _is_default(value: Any, name: str) -> bool:
    """Google's JSON leaves out fields at their default (0, false, empty); index 0 stays."""
    if name == "index":
        return value is None
    return value is None or value == {} or (isinstance(value, int | float) and value == 0)


def _mask_paths(body: JsonObject, props: JsonObject) -> list[tuple[str, ...]]:
    fields = body.get("fields")
    if not isinstance(fields, str) or not fields:
        raise invalid(NO_FIELDS)
    try:
        mask = parse_mask(fields)
    except ValueError:
        raise invalid(f"Invalid field mask: {fields}") from None
    if "*" in mask:
        return [(name,) for name in props]
    return leaf_paths(mask)


# --- the requests ------------------------------------------------------------------------------


def add_sheet(book: Spreadsheet, body: JsonObject, rng: random.Random) -> JsonObject:
    given = body.get("properties") or {}
    taken = {s.title.casefold() for s in book.sheets}
    title = given.get("title")
    if title is None:
        n = len(book.sheets) + 1
        while f"sheet{n}" in taken:
            n += 1
        title = f"Sheet{n}"
    _check_title(book, title)
    if given.get("sheetType", "GRID") != "GRID":
        raise ApiError(501, "The Sheets emulator only has GRID sheets.", "UNIMPLEMENTED")
    if "sheetId" in given:
        sheet_id = _int(given, "sheetId")
        if sheet_id < 0 or book.find_id(sheet_id) is not None:
            raise invalid(f"A sheet with the id {sheet_id} already exists.")
    else:
        sheet_id = new_sheet_id(book, rng)
    grid = given.get("gridProperties") or {}
    rows, cols = _int(grid, "rowCount", 1000), _int(grid, "columnCount", 26)
    index = min(max(_int(given, "index", len(book.sheets)), 0), len(book.sheets))
    sheet = Sheet(new_sheet_props(sheet_id, title, index, rows, cols))
    sheet.resize(rows, cols)
    for name in grid:
        if name not in ("rowCount", "columnCount"):
            _set_path(sheet.props, ("gridProperties", name), grid)
    for name in given:
        if name not in ("sheetId", "title", "index", "sheetType", "gridProperties"):
            _update_sheet_field(book, sheet, (name,), given)
    book.sheets.insert(index, sheet)
    book.reindex()
    book.check_cell_limit()
    return {"addSheet": {"properties": sheet.props}}


def new_sheet_id(book: Spreadsheet, rng: random.Random) -> int:
    while True:
        sheet_id = rng.randint(1, 2**31 - 1)
        if book.find_id(sheet_id) is None:
            return sheet_id


def delete_sheet(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    sheet = _sheet(book, _int(body, "sheetId"))
    if len(book.sheets) == 1:
        raise invalid("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()


def update_sheet_properties(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    given = body.get("properties") or {}
    sheet = _sheet(book, given.get("sheetId", 0))
    if body.get("fields") != "*":  # an unknown field in the mask is an error, as at Google
        mask_paths(body.get("fields"), SHEET_PROPERTIES, "properties")
    for path in _mask_paths(body, given):
        _update_sheet_field(book, sheet, path, given)


def _update_sheet_field(
    book: Spreadsheet, sheet: Sheet, path: tuple[str, ...], given: JsonObject
) -> None:
    head = path[0]
    if head == "sheetId" or head == "sheetType":
        return
    if head == "title":
        sheet.props["title"] = _check_title(book, given.get("title"), keep=sheet)
    elif head == "index":
        _move(book, sheet, _int(given, "index", 0))
    elif head == "gridProperties" and len(path) == 1:
        for name in given.get("gridProperties") or {}:
            _update_sheet_field(book, sheet, ("gridProperties", name), given)
    elif path in (("gridProperties", "rowCount"), ("gridProperties", "columnCount")):
        grid = given.get("gridProperties") or {}
        rows = _int(grid, "rowCount", sheet.rows)
        cols = _int(grid, "columnCount", sheet.cols)
        if path[1] == "rowCount":
            sheet.resize(rows, sheet.cols)
        else:
            sheet.resize(sheet.rows, cols)
        book.check_cell_limit()
    elif head == "hidden":
        hidden = bool(given.get("hidden"))
        others = [s for s in book.sheets if s is not sheet]
        if hidden and all(s.props.get("hidden") for s in others):
            raise invalid("You can't hide all the sheets in a document.")
        _set_path(sheet.props, ("hidden",), given)
    elif head in ("tabColor", "tabColorStyle"):
        _set_tab_color(sheet, head, given.get(head))
    else:
        _set_path(sheet.props, path, given)


def _set_tab_color(sheet: Sheet, name: str, value: Any) -> None:
    rgb = value.get("rgbColor") if name == "tabColorStyle" and isinstance(value, dict) else value
    theme = value.get("themeColor") if name == "tabColorStyle" and isinstance(value, dict) else None
    sheet.props.pop("tabColor", None)
    sheet.props.pop("tabColorStyle", None)
    if theme:
        sheet.props["tabColorStyle"] = {"themeColor": theme}
    elif isinstance(rgb, dict):
        # Sheets keeps the legacy tabColor and tabColorStyle in step.
        sheet.props["tabColor"] = quantize_color(rgb)
        sheet.props["tabColorStyle"] = {"rgbColor": quantize_color(rgb)}


def _move(book: Spreadsheet, sheet: Sheet, index: int) -> None:
    """Indexes count before the move: to put the first of three tabs last, ask for index 3."""
    old = book.sheets.index(sheet)
    book.sheets.remove(sheet)
    if index > old:
        index -= 1
    book.sheets.insert(min(max(index, 0), len(book.sheets)), sheet)
    book.reindex()


def update_spreadsheet_properties(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    given = body.get("properties") or {}
    for path in _mask_paths(body, given):
        if path == ("title",) and not given.get("title"):
            raise invalid("The spreadsheet title cannot be empty.")
        _set_path(book.props, path, given)


def append_dimension(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    sheet = _sheet(book, body.get("sheetId"))
    length = _int(body, "length")
    if length < 1:
        raise invalid("length must be greater than 0.")
    if _dimension(body) == "ROWS":
        sheet.resize(sheet.rows + length, sheet.cols)
    else:
        sheet.resize(sheet.rows, sheet.cols + length)
    book.check_cell_limit()


def _dimension(body: JsonObject) -> str:
    dimension = body.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise invalid("dimension must be ROWS or COLUMNS.")
    return str(dimension)


def insert_dimension(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    span = body.get("range") or {}
    sheet = _sheet(book, span.get("sheetId"))
    dimension = _dimension(span)
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start, end = _int(span, "startIndex", 0), _int(span, "endIndex", -1)
    if not 0 <= start < end or start > size:
        raise invalid(f"Invalid dimension range: startIndex {start}, endIndex {end}.")
    if body.get("inheritFromBefore") and start == 0:
        raise invalid("Cannot inherit properties from before when inserting at index 0.")
    sheet.insert(dimension, start, end - start)
    book.check_cell_limit()


def delete_dimension(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    span = body.get("range") or {}
    sheet = _sheet(book, span.get("sheetId"))
    dimension = _dimension(span)
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start, end = _int(span, "startIndex", 0), _int(span, "endIndex", size)
    end = min(end, size)
    if not 0 <= start < end:
        raise invalid(f"Invalid dimension range: startIndex {start}, endIndex {end}.")
    if end - start >= size:
        what = "rows" if dimension == "ROWS" else "columns"
        raise invalid(f"You can't delete all the {what} on the sheet.")
    sheet.delete(dimension, start, end)


# Google's per-cell limit on text (the Sheets UI and the API refuse more).
CELL_CHARACTERS = 50_000


# The CellData fields the emulator writes with updateCells and appendCells.
WRITTEN_FIELDS = ("userEnteredValue", "note", "userEnteredFormat")


def _cell_mask(body: JsonObject) -> list[tuple[str, ...]]:
    """The CellData paths the mask names (checked as Google checks them, userEnteredFormat's
    sub-fields as repeatCell checks them); the emulator writes userEnteredValue, note and
    userEnteredFormat."""
    fields = body.get("fields")
    if fields == "*":
        return [(name,) for name in WRITTEN_FIELDS]
    paths = mask_paths(fields, CELL_DATA, "rows.values")
    if any(path[0] not in WRITTEN_FIELDS for path in paths):
        raise ApiError(
            501,
            "The Sheets emulator only writes userEnteredValue, note and userEnteredFormat of "
            f"cells, not {fields!r}.",
            "UNIMPLEMENTED",
        )
    return paths


def _write_cells(
    sheet: Sheet,
    paths: list[tuple[str, ...]],
    rows: list[Any],
    area: tuple[int, int, int, int],
) -> None:
    """The masked fields of the height x width area from (row0, col0)."""
    row0, col0, height, width = area
    heads = {path[0] for path in paths}
    if "note" in heads:
        _write_notes(sheet, rows, row0, col0, height, width)
    formats = [path for path in paths if path[0] == "userEnteredFormat"]
    if formats:
        given = [_row_values(rows, i) for i in range(height)]
        span = Area(row0, col0, row0 + height - 1, col0 + width - 1)
        write_cell_formats(sheet, formats, given, span)
    if "userEnteredValue" in heads:
        _write_rows(sheet, rows, row0, col0, height, width)


def _row_values(rows: Any, i: int) -> list[Any]:
    row = rows[i] if i < len(rows) else {}
    if not isinstance(row, dict):
        raise _bad_value(f"rows[{i}]", row, "type.googleapis.com/google.apps.sheets.v4.RowData")
    values = row.get("values") or []
    if not isinstance(values, list):
        raise _bad_value(f"rows[{i}].values", values, "list")
    return values


def update_cells(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    """Cells from `start` on (as many as rows give) or every cell of `range` (cells rows do
    not give are cleared); exactly one of the two (a protobuf oneof)."""
    paths = _cell_mask(body)
    rows = body.get("rows") or []
    if "start" in body and "range" in body:
        raise invalid(
            "Invalid JSON payload received. Oneof field 'area' is already set. Cannot set 'range'"
        )
    if "start" in body:
        start = body["start"] or {}
        sheet = _sheet(book, start.get("sheetId"))
        row0, col0 = _int(start, "rowIndex", 0), _int(start, "columnIndex", 0)
        height = len(rows)
        width = max((len(_row_values(rows, i)) for i in range(len(rows))), default=0)
    elif "range" in body:
        span = body["range"] or {}
        sheet = _sheet(book, span.get("sheetId"))
        row0, col0 = _int(span, "startRowIndex", 0), _int(span, "startColumnIndex", 0)
        height = _int(span, "endRowIndex", sheet.rows) - row0
        width = _int(span, "endColumnIndex", sheet.cols) - col0
    else:
        raise invalid("Either start or range must be set.")
    if height <= 0 or width <= 0:
        return
    last_row, last_col = row0 + height - 1, col0 + width - 1
    if last_row >= sheet.rows or last_col >= sheet.cols or last_col >= MAX_COLUMNS:
        raise grid_error(sheet, format_cells(row0, col0, last_row, last_col))
    _write_cells(sheet, paths, rows, (row0, col0, height, width))


def _write_notes(
    sheet: Sheet, rows: list[Any], row0: int, col0: int, height: int, width: int
) -> None:
    """Each cell's note from rows; a cell rows leave out (or an empty note) loses its note."""
    for i in range(height):
        values = _row_values(rows, i)
        for j in range(width):
            data = values[j] if j < len(values) else {}
            note = data.get("note") if isinstance(data, dict) else None
            if note is not None and not isinstance(note, str):
                raise _bad_value(f"rows[{i}].values[{j}].note", note, "TYPE_STRING")
            if note:
                sheet.notes[(row0 + i, col0 + j)] = note
            else:
                sheet.notes.pop((row0 + i, col0 + j), None)


def append_cells(book: Spreadsheet, body: JsonObject, rng: random.Random) -> None:
    """Rows after the last row with data in the whole sheet, inserting rows as needed; more
    columns than the grid has is an error (Google does not add columns here)."""
    sheet = _sheet(book, body.get("sheetId"))
    paths = _cell_mask(body)
    if ("userEnteredValue",) not in paths:
        # Rows without values would not move the sheet's end: the next append would land on them.
        raise ApiError(501, "The Sheets emulator appends values.", "UNIMPLEMENTED")
    rows = body.get("rows") or []
    if not isinstance(rows, list):
        raise _bad_value("rows", rows, "list")
    width = max((len(_row_values(rows, i)) for i in range(len(rows))), default=0)
    if width > sheet.cols:
        # As Google words it (0-based columns), e.g. in OpenRefine issue #2760.
        raise invalid(
            f"Attempting to write column: {sheet.cols}, beyond the last requested column "
            f"of: {sheet.cols - 1}"
        )
    if not rows:
        return
    row0 = sheet.extent()[0]
    if row0 + len(rows) > sheet.rows:
        sheet.resize(row0 + len(rows), sheet.cols)
        book.check_cell_limit()
    _write_cells(sheet, paths, rows, (row0, 0, len(rows), width))


def _write_rows(
    sheet: Sheet, rows: list[Any], row0: int, col0: int, height: int, width: int
) -> None:
    """Each cell of the height x width area from (row0, col0): what rows give, else cleared.
    Every cell is checked before any is written."""
    cells: list[tuple[int, int, Cell | None]] = []
    for i in range(height):
        values = _row_values(rows, i)
        for j in range(width):
            data = values[j] if j < len(values) else {}
            cells.append((row0 + i, col0 + j, _cell_data(data, f"rows[{i}].values[{j}]")))
    for row, col, cell in cells:
        sheet.put(row, col, cell)


def _cell_data(data: Any, path: str) -> Cell | None:
    if not isinstance(data, dict):
        raise _bad_value(path, data, "type.googleapis.com/google.apps.sheets.v4.CellData")
    value = data.get("userEnteredValue")
    if not value:
        return None
    if not isinstance(value, dict) or len(value) != 1:
        raise invalid(f"Invalid {path}.userEnteredValue: exactly one kind of value must be set.")
    [(kind, content)] = value.items()
    if isinstance(content, str) and len(content) > CELL_CHARACTERS:
        raise invalid(
            f"Your input contains more than the maximum of {CELL_CHARACTERS} characters in a "
            "single cell."
        )
    if kind == "stringValue" and isinstance(content, str):
        return Cell(content) if content else None  # text, never a formula
    if kind == "numberValue" and isinstance(content, int | float) and not isinstance(content, bool):
        return Cell(float(content))
    if kind == "boolValue" and isinstance(content, bool):
        return Cell(content)
    if kind == "formulaValue" and isinstance(content, str) and content.startswith("="):
        return Cell(evaluate(content[1:]), formula=content)
    raise _bad_value(f"{path}.userEnteredValue.{kind}", content, kind)


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "updateCells": update_cells,
    "appendCells": append_cells,
    **FORMAT_HANDLERS,
}
