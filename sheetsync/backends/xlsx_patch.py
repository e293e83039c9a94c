"""Write changes into an .xlsx by rewriting only the rows they touch.

Every other part of the file — the form tabs, styles, column widths, charts, images, the
cached values of formulas — is copied over unchanged. openpyxl cannot do this: a load and
save round trip re-serialises the whole workbook, drops what it does not model (images,
charts, some data validation) and loses formulas' cached values, and at 100,000 responses
it needs minutes and gigabytes. The sheet XML is spliced as text: rows and cells cannot
nest, and text inside them is escaped, so a row is the span from `<row` to its `</row>`.
With a FormatPlan, the same patch formats sheetsync's tabs (xlsx_format) and records the
plan's version as a custom document property (xlsx_docprops); styles.xml changes only by
what is missing (xlsx_styles), so a second run adds nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import posixpath
import re
import shutil
import struct
from collections.abc import Sequence
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetsync.backends.base import XLSX_CELL_LIMIT, TabChanges, Value, storable_text
from sheetsync.backends.formats import FORMAT_KEY, FormatPlan, TabFormat
from sheetsync.backends.xlsx_comments import (
    AUTHOR,
    COMMENTS_CONTENT,
    COMMENTS_REL,
    VML_CONTENT,
    VML_REL,
    comments_part,
    relationship,
    vml_part,
)
from sheetsync.backends.xlsx_docprops import (
    CUSTOM_CONTENT,
    CUSTOM_PART,
    CUSTOM_REL,
    custom_part,
    read_property,
    with_property,
)
from sheetsync.backends.xlsx_format import format_rows, format_skeleton
from sheetsync.backends.xlsx_styles import Look, Styles
from sheetsync.backends.xlsx_xml import CELL as _CELL
from sheetsync.backends.xlsx_xml import REF as _REF
from sheetsync.backends.xlsx_xml import ROW as _ROW
from sheetsync.backends.xlsx_xml import (
    WORKSHEET_ORDER,
    element_pattern,
    join_sheet,
    put_in_order,
    sheet_pieces,
    split_sheet,
    top_level,
)
from sheetsync.backends.xlsx_xml import attrs as _attrs
from sheetsync.backends.xlsx_xml import prefix as _prefix
from sheetsync.errors import BackendError
from sheetsync.normalize import FORMULA_PREFIXES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
EMPTY_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "</Relationships>"
)
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
# Google Sheets and Excel count days from 1899-12-30.
EPOCH = dt.datetime(1899, 12, 30)
# Dates are shown the same way in every locale (built-in formats 14 and 22 are not).
DATETIME_FORMAT, DATE_FORMAT = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"


class _Clear:
    """An update to None: empty the cell but keep its formatting."""


CLEAR = _Clear()
Cells = dict[int, dict[int, "Value | _Clear"]]  # row -> column -> value


def patch(
    data: BinaryIO,
    changes: Sequence[TabChanges],
    out: BinaryIO,
    formats: FormatPlan | None = None,
) -> None:
    """Apply `changes` to the workbook in `data`, and `formats` if given, writing the new
    workbook to `out`."""
    with ZipFile(data) as source:
        package = _Package(source)
        for change in changes:
            if change.create:
                package.add_sheet(change.tab)
            package.patch_sheet(change.tab, _cells(change))
        if formats is not None:
            package.format(formats)
        package.write(out)


def sheet_parts(source: ZipFile) -> dict[str, str]:
    """Each tab's worksheet part in the zip, by the tab's name (from the workbook's part
    and its relationships: nothing else is read)."""
    return _Package(source).sheets


def format_version(data: BinaryIO) -> str | None:
    """The FormatPlan version recorded in a workbook; None if none was ever applied."""
    with ZipFile(data) as source:
        try:
            part = custom_part(source.read("_rels/.rels").decode("utf-8"))
            if part is None:
                return None
            return read_property(source.read(part).decode("utf-8"), FORMAT_KEY)
        except KeyError:
            return None


def _cells(change: TabChanges) -> Cells:
    """Every cell a TabChanges sets. Appended empty cells are left alone, not cleared."""
    cells: Cells = {}
    for offset, values in enumerate(change.append):
        row = cells.setdefault(change.start_row + offset, {})
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                row[col] = value
    for update in change.update:
        value = update.value
        cells.setdefault(update.row, {})[update.col] = CLEAR if value in (None, "") else value
    return cells


class _Package:
    """The parts of an .xlsx zip that a patch reads, replaces, adds or removes."""

    def __init__(self, source: ZipFile) -> None:
        self.source = source
        self.names = set(source.namelist())
        self.replaced: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self._styles: tuple[str, Styles] | None = None
        # Found once per package: a text's cell content, and the formats dates and
        # formula-like texts get on top of a cell's style (cell formats are only added).
        self._texts: dict[str, tuple[str, bool]] = {}
        self._date_styles: dict[tuple[bool, str], int] = {}
        self._quote_styles: dict[str, int] = {}
        # Worksheet parts changed, kept split (xlsx_xml.split_sheet) as (prefix, skeleton,
        # rows) until written: their rows are neither scanned nor copied for other edits.
        self._split: dict[str, tuple[str, str, str]] = {}
        self.workbook = self._office_document()
        self.workbook_rels = _rels_path(self.workbook)
        self.sheets = self._sheet_parts()

    # Reading the package

    def read(self, name: str) -> str:
        if name in self._split:
            px, skeleton, rows = self._split[name]
            return join_sheet(skeleton, px, rows)
        if name in self.replaced:
            return self.replaced[name].decode("utf-8")
        try:
            return self.source.read(name).decode("utf-8")
        except KeyError as err:
            raise BackendError(
                f"The workbook has no part {name}; it is not a valid .xlsx."
            ) from err

    def _office_document(self) -> str:
        for attrs in _elements(self.read("_rels/.rels"), "Relationship"):
            if attrs.get("Type", "").endswith("/officeDocument"):
                return attrs["Target"].lstrip("/")
        return "xl/workbook.xml"

    def _sheet_parts(self) -> dict[str, str]:
        targets = {
            a["Id"]: _resolve(self.workbook, a["Target"])
            for a in _elements(self.read(self.workbook_rels), "Relationship")
        }
        parts = {}
        for attrs in _elements(self.read(self.workbook), "sheet"):
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            if rid in targets:
                parts[attrs["name"]] = targets[rid]
        return parts

    def _sheet(self, part: str) -> tuple[str, str, str]:
        """A worksheet part as its namespace prefix, skeleton and rows (split_sheet)."""
        found = self._split.get(part)
        if found is None:
            xml = self.read(part)
            px = _prefix(xml, "sheetData")
            found = (px, *split_sheet(xml, px))
        return found

    def _set_sheet(self, part: str, px: str, skeleton: str, rows: str) -> None:
        self._split[part] = (px, skeleton, rows)
        self.replaced[part] = b""  # the part is replaced: by the split text, when written

    # Changing the package

    def add_sheet(self, tab: str) -> None:
        """Add an empty tab with a frozen header row at the end of the workbook."""
        number = 1
        while f"xl/worksheets/sheet{number}.xml" in self.names | set(self.replaced):
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        self.replaced[part] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews><sheetData/></worksheet>"
        ).encode()

        rels = self.read(self.workbook_rels)
        ids = {a["Id"] for a in _elements(rels, "Relationship")}
        rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
        target = posixpath.relpath(part, posixpath.dirname(self.workbook))
        self._insert(
            self.workbook_rels,
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="{target}"/>',
        )

        book = self.read(self.workbook)
        sheet_ids = [int(a.get("sheetId", "0")) for a in _elements(book, "sheet")]
        prefix = re.search(rf'xmlns:(\w+)="{re.escape(REL_NS)}"', book)
        rel_attr = f"{prefix.group(1)}:id" if prefix else f'xmlns:r="{REL_NS}" r:id'
        px = _prefix(book, "sheets")
        self._insert(
            self.workbook,
            f"</{px}sheets>",
            f'<{px}sheet name={quoteattr(tab)} sheetId="{max(sheet_ids, default=0) + 1}"'
            f' {rel_attr}="{rid}"/>',
        )
        self._insert(
            "[Content_Types].xml",
            "</Types>",
            f'<Override PartName="/{part}" ContentType="{WORKSHEET_CONTENT}"/>',
        )
        self.sheets[tab] = part

    def patch_sheet(self, tab: str, cells: Cells) -> None:
        """Rewrite the rows of one tab that `cells` touches; insert the rows it adds."""
        if not cells:
            return
        part = self.sheets.get(tab)
        if part is None:
            raise BackendError(f"Tab {tab!r} has no worksheet part in the workbook.")
        px, skeleton, xml = self._sheet(part)
        _sheet_data(skeleton, px, tab)
        start, end = 0, len(xml)
        rows = [
            (m, int(_attrs(m.group("attrs")).get("r", "0"))) for m in _ROW.finditer(xml, start, end)
        ]
        if any(number == 0 for _, number in rows):
            raise BackendError(
                f"Tab {tab!r} has rows without row numbers, which sheetsync cannot update. "
                "Open the workbook in Excel or LibreOffice, save it, and run again."
            )
        numbers = [number for _, number in rows]
        by_number = {number: match for match, number in rows}
        self.column_styles = _column_styles(skeleton, px)
        pieces: list[str] = []
        cursor = start
        dropped_formula = False
        for number in sorted(cells):
            match = by_number.get(number)
            if match is not None:
                pieces.append(xml[cursor : match.start()])
                text, had_formula = self._row(
                    px, match.group("attrs"), match.group("body") or "", number, cells[number]
                )
                dropped_formula |= had_formula
                pieces.append(text)
                cursor = match.end()
            else:
                at = bisect.bisect_right(numbers, number)
                position = rows[at][0].start() if at < len(rows) else end
                pieces.append(xml[cursor:position])
                pieces.append(self._row(px, f' r="{number}"', "", number, cells[number])[0])
                cursor = position
        pieces.append(xml[cursor:end])
        del xml, rows, by_number
        body = "".join(pieces)
        del pieces
        # A <sheetData/> is opened when the part is put together (xlsx_xml.sheet_pieces).
        self._set_sheet(part, px, _with_dimension(skeleton, px, cells), body)
        if dropped_formula:
            self._drop_calc_chain()

    def _row(
        self,
        px: str,
        attrs: str,
        body: str,
        number: int,
        values: dict[int, Value | _Clear],
    ) -> tuple[str, bool]:
        if not body:
            # A new or empty row: every cell is written anew, looking like its column.
            column_styles = self.column_styles
            kept = re.sub(r'\s+spans="[^"]*"', "", attrs) if "spans" in attrs else attrs
            row = str(number)
            text = "".join(
                self._cell(px, _letter(col) + row, values[col], column_styles.get(col, ""))
                for col in sorted(values)
            )
            return f"<{px}row{kept}>{text}</{px}row>", False
        cells: dict[int, str] = {}
        styles: dict[int, str] = {}
        had_formula = False
        col = 0
        for match in _CELL.finditer(body):
            found = _attrs(match.group("attrs"))
            # A cell without r="B4" sits one right of the cell before it.
            where = _REF.fullmatch(found.get("r", ""))
            col = column_index_from_string(where.group(1)) if where else col + 1
            cells[col] = match.group(0)
            styles[col] = found.get("s", "")
            had_formula |= col in values and _has_formula(match)
        for col, value in values.items():
            cell = f"{_letter(col)}{number}"
            # A new cell looks like its column (a formatted column's style), as in Excel.
            style = styles[col] if col in styles else self.column_styles.get(col, "")
            cells[col] = self._cell(px, cell, value, style)
        # "spans" is an optional hint about the row's first and last cell; drop it, not fix it.
        kept = re.sub(r'\s+spans="[^"]*"', "", attrs)
        return f"<{px}row{kept}>{''.join(cells[c] for c in sorted(cells))}</{px}row>", had_formula

    def _cell(self, px: str, ref: str, value: Value | _Clear, style: str) -> str:
        if type(value) is str:
            return self._text_cell(px, ref, value, style)
        return self._other_cell(px, ref, value, style)

    def _text_cell(self, px: str, ref: str, value: str, style: str) -> str:
        """_other_cell for text, with each short text's cleaning and escaping done once."""
        found = self._texts.get(value)
        if found is None:
            text = storable_text(value, XLSX_CELL_LIMIT)
            found = (escape(text), text.startswith(FORMULA_PREFIXES))
            if len(value) <= _TEXT_CACHED:
                self._texts[value] = found
        escaped, formula = found
        if formula:
            s = f' s="{self._quote_style(style)}"'
        else:
            s = f' s="{style}"' if style and style != "0" else ""
        return (
            f'<{px}c r="{ref}"{s} t="inlineStr"><{px}is><{px}t xml:space="preserve">'
            f"{escaped}</{px}t></{px}is></{px}c>"
        )

    def _other_cell(self, px: str, ref: str, value: Value | _Clear, style: str) -> str:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            # A cell has no time zone: keep the moment as text with its offset, rather than
            # a time that would silently read as another zone's.
            value = value.isoformat(sep=" ")
        if isinstance(value, dt.datetime | dt.date):
            style = str(self._date_style(value, style))
        s = f' s="{style}"' if style and style != "0" else ""
        if isinstance(value, _Clear):
            return f'<{px}c r="{ref}"{s}/>'
        if isinstance(value, bool):
            return f'<{px}c r="{ref}"{s} t="b"><{px}v>{int(value)}</{px}v></{px}c>'
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                # No spreadsheet holds NaN or infinity as a number: keep it as its text.
                return self._cell(px, ref, str(value), style)
            return f'<{px}c r="{ref}"{s}><{px}v>{value!r}</{px}v></{px}c>'
        if isinstance(value, dt.datetime | dt.date):
            moment = (
                value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
            )
            serial = (moment - EPOCH) / dt.timedelta(days=1)
            return f'<{px}c r="{ref}"{s}><{px}v>{serial!r}</{px}v></{px}c>'
        text = storable_text(str(value), XLSX_CELL_LIMIT)
        if text.startswith(FORMULA_PREFIXES):
            # quotePrefix (Excel's leading ') keeps it text when someone edits the cell too.
            s = f' s="{self._quote_style(style)}"'
        # An inline string is text by type: a spreadsheet never evaluates it as a formula.
        return (
            f'<{px}c r="{ref}"{s} t="inlineStr"><{px}is><{px}t xml:space="preserve">'
            f"{escape(text)}</{px}t></{px}is></{px}c>"
        )

    def _date_style(self, value: dt.date, style: str) -> int:
        """A cell format showing a date (and time) the same way in every locale: the cell's
        own if it shows one already, else the cell's own with such a number format."""
        key = (isinstance(value, dt.datetime), style)
        found = self._date_styles.get(key)
        if found is None:
            found = self._date_styles[key] = self._new_date_style(value, style)
        return found

    def _new_date_style(self, value: dt.date, style: str) -> int:
        styles = self.styles()
        base = int(style or 0)
        kind = styles.date_kind(base)
        wanted = "datetime" if isinstance(value, dt.datetime) else "date"
        if kind == wanted or (kind == "datetime" and wanted == "date"):
            return base
        code = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        return styles.cell_format(base, Look(number_format=code))

    def styles(self) -> Styles:
        """The styles part, read once; written back by write() if it changed."""
        if self._styles is None:
            self._styles = (self._styles_part(), Styles(self.read(self._styles_part())))
        return self._styles[1]

    def _styles_part(self) -> str:
        """The styles part's name."""
        rels = self.read(self.workbook_rels)
        for attrs in _elements(rels, "Relationship"):
            if attrs.get("Type", "").endswith("/styles"):
                return _resolve(self.workbook, attrs["Target"])
        raise BackendError(
            "The workbook has no styles part, so sheetsync cannot format a cell. Open it in "
            "Excel or LibreOffice, save it, and run again."
        )

    def _quote_style(self, base: str) -> int:
        """A cell format like `base` (the cell's own) with quotePrefix on."""
        found = self._quote_styles.get(base)
        if found is None:
            found = self._quote_styles[base] = self.styles().cell_format(
                int(base or 0), Look(quote=True)
            )
        return found

    # Formatting

    def format(self, plan: FormatPlan) -> None:
        """Apply a FormatPlan to its tabs and record its version."""
        styles = self.styles()
        for tab in plan.tabs:
            part = self.sheets.get(tab.tab)
            if part is None:
                raise BackendError(
                    f"Tab {tab.tab!r} is not in the workbook, so sheetsync cannot format it. "
                    "Run `sheetsync init` to create sheetsync's tabs."
                )
            px, skeleton, rows = self._sheet(part)
            self._split.pop(part, None)  # no second copy of the rows while they are restyled
            rows = format_rows(rows, styles, tab)
            skeleton = format_skeleton(skeleton, px, styles, tab)
            self._set_sheet(part, px, skeleton, rows)
            self._set_sheet(part, px, self._with_notes(part, tab, skeleton), rows)
        self._set_property(FORMAT_KEY, plan.version)

    def _has(self, name: str) -> bool:
        return name in self.replaced or (name in self.names and name not in self.removed)

    def _with_notes(self, part: str, tab: TabFormat, xml: str) -> str:
        """The tab's header notes as comments (xlsx_comments); the sheet's skeleton `xml`
        (xlsx_xml.split_sheet), with its <legacyDrawing> naming the note boxes."""
        notes = {f"{get_column_letter(c.col)}1": c.note for c in tab.columns if c.note}
        rels_name = _rels_path(part)
        rels = self.read(rels_name) if self._has(rels_name) else EMPTY_RELS
        found = {a.get("Type", ""): a for a in _elements(rels, "Relationship")}
        comments = found.get(COMMENTS_REL)
        existing = self.read(_resolve(part, comments["Target"])) if comments else None
        if not notes and (existing is None or f">{AUTHOR}<" not in existing):
            return xml
        text, ours, before = comments_part(existing, notes)
        comments_name = (
            _resolve(part, comments["Target"]) if comments else self._new_part("xl/comments", "xml")
        )
        self.replaced[comments_name] = text.encode("utf-8")
        vml = found.get(VML_REL)
        vml_name = (
            _resolve(part, vml["Target"])
            if vml
            else self._new_part("xl/drawings/vmlDrawing", "vml")
        )
        old_vml = self.read(vml_name) if vml else None
        number = list(self.sheets.values()).index(part) + 1
        self.replaced[vml_name] = vml_part(old_vml, ours, before, number).encode("utf-8")
        if comments is None:
            rels = _add_relationship(
                rels, COMMENTS_REL, posixpath.relpath(comments_name, posixpath.dirname(part))
            )[0]
            self._declare(comments_name, COMMENTS_CONTENT)
        if vml is None:
            rels, rid = _add_relationship(
                rels, VML_REL, posixpath.relpath(vml_name, posixpath.dirname(part))
            )
            types = self.read("[Content_Types].xml")
            if 'Extension="vml"' not in types:
                self._insert(
                    "[Content_Types].xml",
                    "</Types>",
                    f'<Default Extension="vml" ContentType="{VML_CONTENT}"/>',
                )
            xml = _with_legacy_drawing(xml, rid)
        self.replaced[rels_name] = rels.encode("utf-8")
        return xml

    def _new_part(self, stem: str, ext: str) -> str:
        number = 1
        while self._has(f"{stem}{number}.{ext}"):
            number += 1
        return f"{stem}{number}.{ext}"

    def _declare(self, name: str, content: str) -> None:
        if f'PartName="/{name}"' not in self.read("[Content_Types].xml"):
            self._insert(
                "[Content_Types].xml",
                "</Types>",
                f'<Override PartName="/{name}" ContentType="{content}"/>',
            )

    def _set_property(self, name: str, value: str) -> None:
        """Set a custom document property, adding the part and its declarations if needed."""
        part = custom_part(self.read("_rels/.rels"))
        if part is not None and part in self.names | set(self.replaced):
            self.replaced[part] = with_property(self.read(part), name, value).encode("utf-8")
            return
        part = part or CUSTOM_PART
        self.replaced[part] = with_property(None, name, value).encode("utf-8")
        if custom_part(self.read("_rels/.rels")) is None:
            rels = self.read("_rels/.rels")
            ids = {a["Id"] for a in _elements(rels, "Relationship")}
            rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
            self._insert(
                "_rels/.rels",
                "</Relationships>",
                f'<Relationship Id="{rid}" Type="{CUSTOM_REL}" Target="{part}"/>',
            )
        if f'PartName="/{part}"' not in self.read("[Content_Types].xml"):
            self._insert(
                "[Content_Types].xml",
                "</Types>",
                f'<Override PartName="/{part}" ContentType="{CUSTOM_CONTENT}"/>',
            )

    def _drop_calc_chain(self) -> None:
        """An overwritten formula leaves calcChain stale; Excel rebuilds it when it is gone."""
        chain = next((n for n in self.names if n.endswith("calcChain.xml")), None)
        if chain is None:
            return
        self.removed.add(chain)
        rels = self.read(self.workbook_rels)
        rels = re.sub(r"<Relationship\b[^>]*calcChain[^>]*/>", "", rels)
        self.replaced[self.workbook_rels] = rels.encode("utf-8")
        types = self.read("[Content_Types].xml")
        types = re.sub(r"<Override\b[^>]*calcChain[^>]*/>", "", types)
        self.replaced["[Content_Types].xml"] = types.encode("utf-8")

    def _insert(self, name: str, before: str, text: str) -> None:
        xml = self.read(name)
        at = xml.rfind(before)
        if at < 0:
            raise BackendError(
                f"The workbook part {name} has no {before}; it is not a valid "
                ".xlsx. Open it in Excel or LibreOffice, save it, and run again."
            )
        self.replaced[name] = (xml[:at] + text + xml[at:]).encode("utf-8")

    def write(self, out: BinaryIO) -> None:
        """The new zip: replaced parts, added parts, and every other part copied unchanged,
        as its compressed bytes (_copy_raw): an unchanged part is not inflated and
        deflated again."""
        if self._styles is not None and self._styles[1].changed:
            self.replaced[self._styles[0]] = self._styles[1].xml.encode("utf-8")
        with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as target:
            for info in self.source.infolist():
                if info.filename in self.removed:
                    continue
                copy = ZipInfo(info.filename, info.date_time)
                copy.compress_type = ZIP_DEFLATED
                copy.external_attr = info.external_attr
                if info.filename in self._split:
                    self._write_sheet(target, copy)
                    continue
                if info.filename in self.replaced:
                    target.writestr(copy, self.replaced[info.filename])
                    continue
                if _copy_raw(self.source, info, target):
                    continue
                with self.source.open(info) as src, target.open(copy, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            for name in sorted(set(self.replaced) - self.names):
                target.writestr(name, self.read(name).encode("utf-8"))

    def _write_sheet(self, target: ZipFile, copy: ZipInfo) -> None:
        """A changed worksheet, compressed as it is encoded, a slice of its rows at a time."""
        px, skeleton, rows = self._split[copy.filename]
        head, rows, tail = sheet_pieces(skeleton, px, rows)
        large = 4 * (len(head) + len(rows) + len(tail)) > _ZIP64_LIMIT  # UTF-8: <= 4 bytes
        with target.open(copy, "w", force_zip64=large) as out:
            out.write(head.encode("utf-8"))
            for at in range(0, len(rows), _SLICE):
                out.write(rows[at : at + _SLICE].encode("utf-8"))
            out.write(tail.encode("utf-8"))


def _copy_raw(source: ZipFile, info: ZipInfo, target: ZipFile) -> bool:
    """Copy one member's compressed bytes as they are, with its CRC and sizes; False (and
    nothing written) for a member that cannot be copied so: encrypted, or compressed
    otherwise than stored or deflated."""
    if info.flag_bits & _ENCRYPTED or info.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
        return False
    src, dst = source.fp, target.fp
    if src is None or dst is None:
        return False
    src.seek(info.header_offset)
    header = src.read(_LOCAL_HEADER)
    if len(header) != _LOCAL_HEADER or header[:4] != _LOCAL_SIGNATURE:
        return False
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    src.seek(info.header_offset + _LOCAL_HEADER + name_length + extra_length)
    raw = src.read(info.compress_size)
    if len(raw) != info.compress_size:
        return False
    copy = ZipInfo(info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.CRC = info.CRC
    copy.compress_size = info.compress_size
    copy.file_size = info.file_size
    # The sizes are in the header: no data descriptor follows the data.
    copy.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR
    dst.seek(target.start_dir)
    copy.header_offset = dst.tell()
    dst.write(copy.FileHeader())
    dst.write(raw)
    target.start_dir = dst.tell()
    target.filelist.append(copy)
    target.NameToInfo[copy.filename] = copy
    return True


_ENCRYPTED, _DATA_DESCRIPTOR = 0x1, 0x8
_ZIP64_LIMIT = (1 << 31) - 1  # zipfile's: a larger member needs zip64 headers
_SLICE = 1 << 22  # characters of a sheet's rows encoded at a time
_LOCAL_HEADER, _LOCAL_SIGNATURE = 30, b"PK\x03\x04"


_TEXT_CACHED = 64  # texts up to this long are cleaned and escaped once per package


@functools.lru_cache(maxsize=1024)
def _letter(col: int) -> str:
    return get_column_letter(col)


def _elements(xml: str, tag: str) -> list[dict[str, str]]:
    """The attributes of every <tag .../> (with any namespace prefix) in a small XML part."""
    pattern = re.compile(rf"<(?:\w+:)?{tag}\b([^>]*?)/?>")
    return [_attrs(m.group(1)) for m in pattern.finditer(xml)]


def _add_relationship(rels: str, kind: str, target: str) -> tuple[str, str]:
    """A relationships part with one more relationship; and its id."""
    ids = {a["Id"] for a in _elements(rels, "Relationship")}
    rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
    at = rels.rfind("</Relationships>")
    return rels[:at] + relationship(rid, kind, target) + rels[at:], rid


def _with_legacy_drawing(xml: str, rid: str) -> str:
    """The sheet naming its note boxes' VML drawing (one <legacyDrawing> at most)."""
    px = _prefix(xml, "sheetData")
    root = re.search(r"<(?:\w+:)?worksheet\b[^>]*>", xml)
    assert root is not None  # format_sheet read it as a worksheet
    found = re.search(rf'xmlns:(\w+)="{re.escape(REL_NS)}"', root.group(0))
    if found is None:
        xml = xml[: root.end() - 1] + f' xmlns:r="{REL_NS}"' + xml[root.end() - 1 :]
    r = found.group(1) if found else "r"
    element = f'<{px}legacyDrawing {r}:id="{rid}"/>'
    return put_in_order(xml, px, WORKSHEET_ORDER, "legacyDrawing", element)


def _column_styles(xml: str, px: str) -> dict[int, str]:
    """The style each column gives its new cells (<col style>), by column number."""
    styles: dict[int, str] = {}
    for block in top_level(xml, px, "cols"):
        for entry in element_pattern(px, "col").finditer(block.group("body") or ""):
            found = _attrs(entry.group("attrs"))
            if found.get("style", "0") not in ("", "0"):
                for col in range(int(found.get("min", "1")), int(found.get("max", "0")) + 1):
                    styles[col] = found["style"]
    return styles


def _sheet_data(xml: str, px: str, tab: str) -> tuple[int, int]:
    """The span of <sheetData>'s content (for <sheetData/>, an empty span after its tag)."""
    opening = re.search(rf"<{px}sheetData\b[^>]*?(/?)>", xml)
    if opening is None:
        raise BackendError(f"Tab {tab!r} has no sheetData; the workbook is not a valid .xlsx.")
    if opening.group(1):
        return opening.end(), opening.end()
    closing = xml.rfind(f"</{px}sheetData>")
    return opening.end(), closing


def _with_dimension(xml: str, px: str, cells: Cells) -> str:
    """Widen <dimension ref> to cover the cells just written (it is only ever widened)."""
    found = re.search(rf'<{px}dimension\b[^>]*\bref="([^"]*)"', xml)
    if found is None:
        return xml
    end = _REF.fullmatch(found.group(1).rpartition(":")[2].replace("$", ""))
    last_row = max([int(end.group(2))] if end else [1]) if end else 1
    last_col = column_index_from_string(end.group(1)) if end else 1
    last_row = max(last_row, max(cells))
    last_col = max(last_col, *(max(row) for row in cells.values() if row))
    ref = f"A1:{get_column_letter(last_col)}{last_row}"
    return xml[: found.start(1)] + ref + xml[found.end(1) :]


def _has_formula(cell: re.Match[str]) -> bool:
    return re.search(r"<(?:\w+:)?f\b", cell.group("body") or "") is not None


def _resolve(base: str, target: str) -> str:
    """A relationship target as a zip path: relative to the base part's folder, or absolute."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")
