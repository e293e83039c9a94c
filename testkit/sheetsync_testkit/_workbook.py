"""The emulator's state: spreadsheets, their tabs and cells, and the values operations on them."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetsync_testkit._a1 import (
    MAX_COLUMNS,
    Bounds,
    column_letters,
    format_cells,
    format_range,
    parse_range,
    quote_title,
)
from sheetsync_testkit._cells import Cell, raw_cell, render, user_entered_cell

CELL_LIMIT = 10_000_000  # Sheets counts grid size, not filled cells
JsonObject = dict[str, Any]


class ApiError(Exception):
    """An error answer in Google's shape: {"error": {"code", "message", "status"}}."""

    def __init__(
        self, code: int, message: str, status: str, details: list[JsonObject] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> JsonObject:
        error: JsonObject = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid(message: str) -> ApiError:
    """400 INVALID_ARGUMENT, the answer to most bad requests."""
    return ApiError(400, message, "INVALID_ARGUMENT")


def field_violation(field_path: str, message: str) -> ApiError:
    """400 with a BadRequest detail naming the field, as Google answers JSON type errors."""
    detail = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": field_path, "description": message}],
    }
    return ApiError(400, message, "INVALID_ARGUMENT", [detail])


def cell_limit_error() -> ApiError:
    return invalid(
        f"This action would increase the number of cells in the workbook above the limit of "
        f"{CELL_LIMIT} cells."
    )


class Sheet:
    """One tab: its properties as the API shows them, and its non-empty cells by (row, col)."""

    def __init__(self, props: JsonObject) -> None:
        self.props = props
        self.cells: dict[tuple[int, int], Cell] = {}
        # Formatting, as layers applied in order (a later one wins where they overlap), so a
        # whole-column format costs one entry, not one per cell: (area, fields, CellData).
        self.formats: list[tuple[Area, list[tuple[str, ...]], JsonObject]] = []
        self.notes: dict[tuple[int, int], str] = {}
        self.validations: list[tuple[Area, JsonObject | None]] = []
        self.dimensions: dict[tuple[str, int], JsonObject] = {}  # (ROWS|COLUMNS, index)
        self.conditional_formats: list[JsonObject] = []
        self.protected_ranges: list[JsonObject] = []

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def sheet_id(self) -> int:
        return int(self.props["sheetId"])

    @property
    def rows(self) -> int:
        return int(self.props["gridProperties"]["rowCount"])

    @property
    def cols(self) -> int:
        return int(self.props["gridProperties"]["columnCount"])

    def copy(self) -> Sheet:
        twin = Sheet(copy.deepcopy(self.props))
        twin.cells = dict(self.cells)  # Cells are immutable
        twin.formats = list(self.formats)  # layers are never changed in place
        twin.notes = dict(self.notes)
        twin.validations = list(self.validations)
        twin.dimensions = copy.deepcopy(self.dimensions)
        twin.conditional_formats = copy.deepcopy(self.conditional_formats)
        twin.protected_ranges = copy.deepcopy(self.protected_ranges)
        return twin

    def resize(self, rows: int, cols: int) -> None:
        """Set the grid size; cells outside it are lost, as in Sheets."""
        if rows < 1 or cols < 1:
            raise invalid("A sheet must have at least one row and one column.")
        if cols > MAX_COLUMNS:
            raise invalid(f"This action would increase the number of columns above {MAX_COLUMNS}.")
        self.props["gridProperties"]["rowCount"] = rows
        self.props["gridProperties"]["columnCount"] = cols
        self.cells = {(r, c): v for (r, c), v in self.cells.items() if r < rows and c < cols}

    def grow_to(self, rows: int, cols: int) -> None:
        self.resize(max(rows, self.rows), max(cols, self.cols))

    def put(self, row: int, col: int, cell: Cell | None) -> None:
        if cell is None:
            self.cells.pop((row, col), None)
        else:
            self.cells[(row, col)] = cell

    def insert(self, dimension: str, start: int, count: int) -> None:
        """Insert empty rows or columns before index start, shifting cells after it."""
        axis = 0 if dimension == "ROWS" else 1
        moved: dict[tuple[int, int], Cell] = {}
        for key, cell in self.cells.items():
            if key[axis] >= start:
                key = (key[0] + count, key[1]) if axis == 0 else (key[0], key[1] + count)
            moved[key] = cell
        self.cells = moved
        self._shift(axis, start, count)
        if axis == 0:
            self.props["gridProperties"]["rowCount"] = self.rows + count
        else:
            self.resize(self.rows, self.cols + count)

    def delete(self, dimension: str, start: int, end: int) -> None:
        """Delete rows or columns start..end-1, shifting later cells back."""
        axis = 0 if dimension == "ROWS" else 1
        count = end - start
        kept: dict[tuple[int, int], Cell] = {}
        for key, cell in self.cells.items():
            if start <= key[axis] < end:
                continue
            if key[axis] >= end:
                key = (key[0] - count, key[1]) if axis == 0 else (key[0], key[1] - count)
            kept[key] = cell
        self.cells = kept
        self._shift(axis, start, -count)
        grid = self.props["gridProperties"]
        grid["rowCount" if axis == 0 else "columnCount"] -= count

    def _shift(self, axis: int, start: int, count: int) -> None:
        """Formats, validations, notes and sizes follow their cells when rows or columns are
        inserted (count > 0) or deleted (count < 0) at start; an area spanning the insertion
        grows, as in Sheets."""

        def moved(index: int) -> int:
            if count < 0 and start <= index < start - count:
                return -1  # deleted
            return index + count if index >= start else index

        def area(a: Area) -> Area | None:
            lo, hi = (a.row0, a.row1) if axis == 0 else (a.col0, a.col1)
            new_lo = lo + count if lo >= start else lo
            new_hi = hi + count if hi >= start else hi
            if count < 0:
                new_lo = lo if lo < start else max(start, lo + count)
                new_hi = hi if hi < start else max(start - 1, hi + count)
            if new_hi < new_lo:
                return None
            if axis == 0:
                return Area(new_lo, a.col0, new_hi, a.col1)
            return Area(a.row0, new_lo, a.row1, new_hi)

        self.formats = [(b, p, f) for a, p, f in self.formats if (b := area(a)) is not None]
        self.validations = [(b, r) for a, r in self.validations if (b := area(a)) is not None]
        notes: dict[tuple[int, int], str] = {}
        for (r, c), note in self.notes.items():
            key = (moved(r), c) if axis == 0 else (r, moved(c))
            if min(key) >= 0:
                notes[key] = note
        self.notes = notes
        name = "ROWS" if axis == 0 else "COLUMNS"
        self.dimensions = {
            (d, moved(i) if d == name else i): p
            for (d, i), p in self.dimensions.items()
            if d != name or moved(i) >= 0
        }

    def extent(self) -> tuple[int, int]:
        """(rows, cols) up to the last non-empty cell."""
        if not self.cells:
            return 0, 0
        return max(r for r, _ in self.cells) + 1, max(c for _, c in self.cells) + 1


def new_sheet_props(sheet_id: int, title: str, index: int, rows: int, cols: int) -> JsonObject:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


@dataclass
class Spreadsheet:
    """A spreadsheet: properties, tabs in index order, who may edit it, Drive timestamps."""

    id: str
    props: JsonObject
    sheets: list[Sheet]
    editors: set[str] = field(default_factory=set)
    developer_metadata: list[JsonObject] = field(default_factory=list)
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    caller: str = ""  # who sends the request being applied (set per request)

    @property
    def locale(self) -> str:
        return str(self.props.get("locale", "en_US"))

    def copy(self) -> Spreadsheet:
        return Spreadsheet(
            self.id,
            copy.deepcopy(self.props),
            [s.copy() for s in self.sheets],
            set(self.editors),
            copy.deepcopy(self.developer_metadata),
            self.created,
            self.modified,
        )

    def touch(self) -> None:
        self.modified = dt.datetime.now(dt.UTC)

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.props["index"] = index

    def find_title(self, title: str) -> Sheet | None:
        """Tab titles match case-insensitively in ranges, as in Sheets formulas."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        return next((s for s in self.sheets if s.title.casefold() == folded), None)

    def find_id(self, sheet_id: object) -> Sheet | None:
        return next((s for s in self.sheets if s.props["sheetId"] == sheet_id), None)

    def cell_count(self) -> int:
        return sum(s.rows * s.cols for s in self.sheets)

    def check_cell_limit(self) -> None:
        if self.cell_count() > CELL_LIMIT:
            raise cell_limit_error()

    def target(self, text: str) -> Target:
        """Resolve a range string, or 400 'Unable to parse range' as Google answers."""
        parsed = parse_range(text)
        if parsed is None:
            raise invalid(f"Unable to parse range: {text}")
        if parsed.title is None:
            sheet: Sheet | None = self.sheets[0]
        else:
            sheet = self.find_title(parsed.title)
        if sheet is None:
            raise invalid(f"Unable to parse range: {text}")
        return Target(sheet, parsed.bounds, text)


@dataclass(frozen=True)
class Area:
    """An inclusive 0-based rectangle on one tab."""

    row0: int
    col0: int
    row1: int
    col1: int


@dataclass
class Target:
    """A range resolved to a tab; bounds None means the whole tab."""

    sheet: Sheet
    bounds: Bounds | None
    text: str

    def area(self) -> Area:
        """The range on the grid, open sides running to the grid's edge; 400 if any side the
        caller gave lies outside the grid (Google does not clamp those)."""
        sheet, b = self.sheet, self.bounds or Bounds(None, None, None, None)
        area = Area(
            b.row0 or 0,
            b.col0 or 0,
            sheet.rows - 1 if b.row1 is None else b.row1,
            sheet.cols - 1 if b.col1 is None else b.col1,
        )
        if max(area.row0, area.row1) >= sheet.rows or max(area.col0, area.col1) >= sheet.cols:
            raise grid_error(sheet, _bounds_text(b))
        return area

    def is_single_cell(self) -> bool:
        b = self.bounds
        if b is None or b.row0 is None or b.col0 is None:
            return False
        return (b.row0, b.col0) == (b.row1, b.col1)


def _bounds_text(b: Bounds) -> str:
    start = (column_letters(b.col0) if b.col0 is not None else "") + (
        str(b.row0 + 1) if b.row0 is not None else ""
    )
    end = (column_letters(b.col1) if b.col1 is not None else "") + (
        str(b.row1 + 1) if b.row1 is not None else ""
    )
    return start if start == end else f"{start}:{end}"


def grid_error(sheet: Sheet, cells: str) -> ApiError:
    return invalid(
        f"Range ({quote_title(sheet.title)}!{cells}) exceeds grid limits. "
        f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
    )


def range_text(sheet: Sheet, area: Area) -> str:
    return format_range(sheet.title, area.row0, area.col0, area.row1, area.col1)


# --- values operations ----------------------------------------------------------------------


def read(
    book: Spreadsheet, target: Target, major: str, value_render: str, date_render: str
) -> JsonObject:
    """values.get for one range: trailing empty cells and rows trimmed, no 'values' if empty."""
    sheet, area = target.sheet, target.area()
    used_rows, used_cols = sheet.extent()
    last_row, last_col = min(area.row1, used_rows - 1), min(area.col1, used_cols - 1)
    grid: list[list[object]] = []
    for r in range(area.row0, last_row + 1):
        row: list[object] = []
        for c in range(area.col0, last_col + 1):
            cell = sheet.cells.get((r, c))
            row.append("" if cell is None else render(cell, value_render, date_render, book.locale))
        grid.append(row)
    if major == "COLUMNS":
        grid = [list(col) for col in zip(*grid, strict=True)] if grid else []
    result: JsonObject = {"range": range_text(sheet, area), "majorDimension": major}
    values = _trim(grid)
    if values:
        result["values"] = values
    return result


def _trim(grid: list[list[object]]) -> list[list[object]]:
    trimmed = []
    for row in grid:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        trimmed.append(row[:end])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


@dataclass
class Written:
    """What a write touched, for updatedRange / updatedRows / updatedColumns / updatedCells."""

    sheet: Sheet
    cells: set[tuple[int, int]]
    anchor: tuple[int, int]

    def response(self, spreadsheet_id: str) -> JsonObject:
        result: JsonObject = {"spreadsheetId": spreadsheet_id}
        if not self.cells:
            row, col = self.anchor
            result["updatedRange"] = range_text(self.sheet, Area(row, col, row, col))
            return result
        rows = {r for r, _ in self.cells}
        cols = {c for _, c in self.cells}
        area = Area(min(rows), min(cols), max(rows), max(cols))
        result["updatedRange"] = range_text(self.sheet, area)
        result["updatedRows"] = len(rows)
        result["updatedColumns"] = len(cols)
        result["updatedCells"] = len(self.cells)
        return result


def as_rows(values: Sequence[Sequence[object]], major: str) -> list[list[object]]:
    """Values in row-major order: COLUMNS input is transposed, ragged columns padded with None."""
    rows = [list(row) for row in values]
    if major != "COLUMNS":
        return rows
    height = max((len(col) for col in rows), default=0)
    return [[col[i] if i < len(col) else None for col in rows] for i in range(height)]


def write(
    book: Spreadsheet,
    target: Target,
    rows: list[list[object]],
    input_option: str,
    *,
    grow: bool = False,
) -> Written:
    """values.update: write from the range's top-left corner. A one-cell range is only an anchor;
    a larger range bounds the data. null leaves a cell alone, "" clears it. Past the grid is an
    error unless grow (values.append grows the grid)."""
    sheet = target.sheet
    if grow:
        corner = target.bounds or Bounds(None, None, None, None)
        area = Area(corner.row0 or 0, corner.col0 or 0, corner.row0 or 0, corner.col0 or 0)
    else:
        area = target.area()
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    if height and width:
        last_row, last_col = area.row0 + height - 1, area.col0 + width - 1
        b = target.bounds
        if not grow and b is not None and not target.is_single_cell():
            if b.row1 is not None and last_row > area.row1:
                raise invalid(
                    f"Requested writing within range [{target.text}], but tried writing to "
                    f"row [{last_row + 1}]"
                )
            if b.col1 is not None and last_col > area.col1:
                raise invalid(
                    f"Requested writing within range [{target.text}], but tried writing to "
                    f"column [{column_letters(last_col)}]"
                )
        if grow:
            sheet.grow_to(last_row + 1, last_col + 1)
            book.check_cell_limit()
        elif last_row >= sheet.rows or last_col >= sheet.cols:
            raise grid_error(sheet, format_cells(area.row0, area.col0, last_row, last_col))
    written = Written(sheet, set(), (area.row0, area.col0))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            cell = (
                raw_cell(value) if input_option == "RAW" else user_entered_cell(value, book.locale)
            )
            sheet.put(area.row0 + i, area.col0 + j, cell)
            written.cells.add((area.row0 + i, area.col0 + j))
    return written


def clear(target: Target) -> str:
    """values.clear: empty the range's cells (formats stay); answers the cleared range."""
    sheet, area = target.sheet, target.area()
    for r, c in [k for k in sheet.cells if _inside(k, area)]:
        del sheet.cells[(r, c)]
    return range_text(sheet, area)


def _inside(key: tuple[int, int], area: Area) -> bool:
    return area.row0 <= key[0] <= area.row1 and area.col0 <= key[1] <= area.col1


def find_table(sheet: Sheet, area: Area) -> Area | None:
    """values.append's table detection: the runs of filled cells (4-neighbour connected) that
    touch the range; the last one (lowest, then rightmost) is the table appended to."""
    seen: set[tuple[int, int]] = set()
    best: Area | None = None
    for start in sorted(k for k in sheet.cells if _inside(k, area)):
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            r, c = stack.pop()
            component.append((r, c))
            for near in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if near in sheet.cells and near not in seen:
                    seen.add(near)
                    stack.append(near)
        rows = [r for r, _ in component]
        cols = [c for _, c in component]
        table = Area(min(rows), min(cols), max(rows), max(cols))
        if best is None or (table.row1, table.col0) > (best.row1, best.col0):
            best = table
    return best


def append(
    book: Spreadsheet,
    target: Target,
    rows: list[list[object]],
    input_option: str,
    insert_option: str,
) -> tuple[str | None, Written]:
    """values.append: write below the table found in the range (or at the range's corner when
    it holds none), growing the grid as needed. Returns (tableRange or None, what was written)."""
    sheet, area = target.sheet, target.area()
    table = find_table(sheet, area)
    row, col = (table.row1 + 1, table.col0) if table else (area.row0, area.col0)
    if insert_option == "INSERT_ROWS" and rows and row < sheet.rows:
        sheet.insert("ROWS", row, len(rows))
        book.check_cell_limit()
    anchor = Target(sheet, Bounds(row, col, row, col), target.text)
    written = write(book, anchor, rows, input_option, grow=True)
    return (range_text(sheet, table) if table else None), written
