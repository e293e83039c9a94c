"""Write changes into an .xlsx by rewriting only the rows they touch.

Every other part of the file — the form tabs, styles, column widths, charts, images, the
cached values of formulas — is copied over unchanged. openpyxl cannot do this: a load and
save round trip re-serialises the whole workbook, drops what it does not model (images,
charts, some data validation) and loses formulas' cached values, and at 100,000 responses
it needs minutes and gigabytes. The sheet XML is spliced as text: rows and cells cannot
nest, and text inside them is escaped, so a row is the span from `<row` to its `</row>`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import posixpath
import re
import shutil
from collections.abc import Sequence
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr, unescape
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetsync.backends.base import XLSX_CELL_LIMIT, TabChanges, Value, storable_text
from sheetsync.errors import BackendError
from sheetsync.normalize import FORMULA_PREFIXES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
# Google Sheets and Excel count days from 1899-12-30.
EPOCH = dt.datetime(1899, 12, 30)
# Dates are shown the same way in every locale (built-in formats 14 and 22 are not).
DATETIME_FORMAT, DATE_FORMAT = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"

_ROW = re.compile(
    r"<(?P<px>(?:\w+:)?)row\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=px)row>)", re.S
)
_CELL = re.compile(r"<(?P<px>(?:\w+:)?)c\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=px)c>)", re.S)
_ATTR = re.compile(r'([\w:]+)\s*=\s*("[^"]*"|\'[^\']*\')')
_REF = re.compile(r"([A-Z]+)(\d+)")


class _Clear:
    """An update to None: empty the cell but keep its formatting."""


CLEAR = _Clear()
Cells = dict[int, dict[int, "Value | _Clear"]]  # row -> column -> value


def patch(data: BinaryIO, changes: Sequence[TabChanges], out: BinaryIO) -> None:
    """Apply `changes` to the workbook in `data`, writing the new workbook to `out`."""
    with ZipFile(data) as source:
        package = _Package(source)
        for change in changes:
            if change.create:
                package.add_sheet(change.tab)
            package.patch_sheet(change.tab, _cells(change))
        package.write(out)


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
        self.workbook = self._office_document()
        self.workbook_rels = _rels_path(self.workbook)
        self.sheets = self._sheet_parts()
        self.added_styles: dict[str, int] = {}  # what -> cellXfs index

    # Reading the package

    def read(self, name: str) -> str:
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
        xml = self.read(part)
        px = _prefix(xml, "sheetData")
        start, end = _sheet_data(xml, px, tab)
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
        body = "".join(pieces)
        head = xml[:start]
        if head.endswith("/>"):  # <sheetData/>: open it
            head = head[:-2] + ">"
            body += f"</{px}sheetData>"
        new = head + body + xml[end:]
        self.replaced[part] = _with_dimension(new, px, cells).encode("utf-8")
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
            cell = f"{get_column_letter(col)}{number}"
            cells[col] = self._cell(px, cell, value, styles.get(col, ""))
        # "spans" is an optional hint about the row's first and last cell; drop it, not fix it.
        kept = re.sub(r'\s+spans="[^"]*"', "", attrs)
        return f"<{px}row{kept}>{''.join(cells[c] for c in sorted(cells))}</{px}row>", had_formula

    def _cell(self, px: str, ref: str, value: Value | _Clear, style: str) -> str:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            # A cell has no time zone: keep the moment as text with its offset, rather than
            # a time that would silently read as another zone's.
            value = value.isoformat(sep=" ")
        if isinstance(value, dt.datetime | dt.date):
            style = str(self._date_style(value))
        s = f' s="{style}"' if style else ""
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

    def _date_style(self, value: dt.date) -> int:
        """A cell format showing a date (and time) the same way in every locale: added once."""
        code = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        if code in self.added_styles:
            return self.added_styles[code]
        name, styles = self._styles()
        styles, format_id = _add_number_format(styles, _prefix(styles, "cellXfs"), code)
        attrs = (
            f'numFmtId="{format_id}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"'
        )
        index = self._add_cell_format(name, styles, attrs, "")
        self.added_styles[code] = index
        return index

    def _styles(self) -> tuple[str, str]:
        """The styles part's name and text."""
        rels = self.read(self.workbook_rels)
        for attrs in _elements(rels, "Relationship"):
            if attrs.get("Type", "").endswith("/styles"):
                name = _resolve(self.workbook, attrs["Target"])
                return name, self.read(name)
        raise BackendError(
            "The workbook has no styles part, so sheetsync cannot format a cell. Open it in "
            "Excel or LibreOffice, save it, and run again."
        )

    def _quote_style(self, base: str) -> int:
        """A cell format like `base` (the cell's own) with quotePrefix on: added once."""
        key = f"quote:{base or 0}"
        if key in self.added_styles:
            return self.added_styles[key]
        name, styles = self._styles()
        xfs = _cell_formats(styles)
        source = xfs[int(base)] if base and int(base) < len(xfs) else "<xf/>"
        attrs = _attrs(re.match(r"<(?:\w+:)?xf\b([^>]*?)/?>", source).group(1))  # type: ignore[union-attr]
        attrs.update(quotePrefix="1", applyAlignment=attrs.get("applyAlignment", "0"))
        attrs.setdefault("numFmtId", "0")
        for k in ("fontId", "fillId", "borderId", "xfId"):
            attrs.setdefault(k, "0")
        inner = re.search(r"<(?:\w+:)?xf\b[^>]*?(?<!/)>(.*)</(?:\w+:)?xf>", source, re.S)
        xf_attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        index = self._add_cell_format(name, styles, xf_attrs, inner.group(1) if inner else "")
        self.added_styles[key] = index
        return index

    def _add_cell_format(self, name: str, styles: str, attrs: str, inner: str) -> int:
        """Append an <xf> to cellXfs; return its index."""
        px = _prefix(styles, "cellXfs")
        found = re.search(rf"<{px}cellXfs\b[^>]*>(.*?)</{px}cellXfs>", styles, re.S)
        if found is None:
            raise BackendError(
                "The workbook's styles part has no cell formats; open it in Excel or "
                "LibreOffice, save it, and run again."
            )
        index = len(_cell_formats(styles))
        xf = f"<{px}xf {attrs}>{inner}</{px}xf>" if inner else f"<{px}xf {attrs}/>"
        styles = styles[: found.end(1)] + xf + styles[found.end(1) :]
        styles = re.sub(
            rf'(<{px}cellXfs\b[^>]*\bcount=")\d+(")', rf"\g<1>{index + 1}\2", styles, count=1
        )
        self.replaced[name] = styles.encode("utf-8")
        return index

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
        """The new zip: replaced parts, added parts, and every other part copied unchanged."""
        with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as target:
            for info in self.source.infolist():
                if info.filename in self.removed:
                    continue
                copy = ZipInfo(info.filename, info.date_time)
                copy.compress_type = ZIP_DEFLATED
                copy.external_attr = info.external_attr
                if info.filename in self.replaced:
                    target.writestr(copy, self.replaced[info.filename])
                    continue
                with self.source.open(info) as src, target.open(copy, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            for name in sorted(set(self.replaced) - self.names):
                target.writestr(name, self.replaced[name])


def _cell_formats(styles: str) -> list[str]:
    """The <xf> elements of cellXfs, in order (a cell's s="N" is an index into them)."""
    found = re.search(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles, re.S)
    if found is None:
        return []
    return re.findall(r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", found.group(1), re.S)


def _add_number_format(styles: str, px: str, code: str) -> tuple[str, int]:
    """Add a custom number format to styles.xml (ids from 164 are custom); return its id."""
    ids = [int(i) for i in re.findall(rf'<{px}numFmt\b[^>]*\bnumFmtId="(\d+)"', styles)]
    format_id = max([163, *ids]) + 1
    entry = f'<{px}numFmt numFmtId="{format_id}" formatCode={quoteattr(code)}/>'
    closing = styles.find(f"</{px}numFmts>")
    if closing >= 0:
        styles = styles[:closing] + entry + styles[closing:]
        styles = re.sub(
            rf'(<{px}numFmts\b[^>]*\bcount=")\d+(")', rf"\g<1>{len(ids) + 1}\2", styles, count=1
        )
        return styles, format_id
    # numFmts must be the first child of styleSheet.
    opening = re.search(rf"<{px}styleSheet\b[^>]*>", styles)
    if opening is None:
        raise BackendError(
            "The workbook's styles part is not valid; open the workbook in "
            "Excel or LibreOffice, save it, and run again."
        )
    block = f'<{px}numFmts count="1">{entry}</{px}numFmts>'
    return styles[: opening.end()] + block + styles[opening.end() :], format_id


def _elements(xml: str, tag: str) -> list[dict[str, str]]:
    """The attributes of every <tag .../> (with any namespace prefix) in a small XML part."""
    pattern = re.compile(rf"<(?:\w+:)?{tag}\b([^>]*?)/?>")
    return [_attrs(m.group(1)) for m in pattern.finditer(xml)]


def _attrs(text: str) -> dict[str, str]:
    return {k: unescape(v[1:-1], {"&quot;": '"', "&apos;": "'"}) for k, v in _ATTR.findall(text)}


def _prefix(xml: str, tag: str) -> str:
    """The namespace prefix ("" or "x:") a part uses for spreadsheetml elements."""
    found = re.search(rf"<(\w+:)?{tag}\b", xml)
    return (found.group(1) or "") if found else ""


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
