"""Restyling a tab's cells (xlsx_format) on rows kept apart from the rest of the sheet
gives exactly what the earlier whole-sheet restyle gave: the same text, the same cell
formats added to styles.xml in the same order."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string, get_column_letter

from sheetsync.backends.formats import ColumnFormat, TabFormat
from sheetsync.backends.xlsx_format import _body_look, _header_fill, format_sheet
from sheetsync.backends.xlsx_styles import Look, Styles
from sheetsync.backends.xlsx_xml import CELL, REF, ROW, attrs

_CELLS_SPAN = re.compile(
    r"<(?:\w+:)?sheetData\b[^>]*(?<!/)>(?P<cells>.*)</(?:\w+:)?sheetData>", re.S
)
_CELL_TAG = re.compile(r"<(?P<px>(?:\w+:)?)c\b(?P<attrs>[^>]*?)(?P<end>/?)>")
_CELL_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
_CELL_STYLE = re.compile(r'\s+s="(\d*)"')


class _NoReference(Exception):
    pass


def reference_restyle_cells(
    xml: str, px: str, styles: Styles, body: dict[int, Look], header: dict[int, Look]
) -> str:
    """xlsx_format._restyle_cells as it was: one callback per cell tag, on the whole sheet."""
    data = _CELLS_SPAN.search(xml)
    if data is None:
        return xml
    letters = {get_column_letter(col): col for col in body}
    chosen: dict[tuple[int, bool, str], int] = {}

    def restyle(tag: re.Match[str]) -> str:
        found = _CELL_REF.search(tag.group("attrs"))
        if found is None:
            raise _NoReference
        col = letters.get(found.group(1))
        if col is None:
            return tag.group(0)
        own = _CELL_STYLE.search(tag.group("attrs"))
        key = (col, found.group(2) == "1", own.group(1) if own else "")
        if key not in chosen:
            look = (header if key[1] else body)[col]
            chosen[key] = styles.cell_format(int(key[2] or 0), look)
        rest = _CELL_STYLE.sub("", tag.group("attrs"))
        style = f' s="{chosen[key]}"' if chosen[key] else ""
        return f"<{tag.group('px')}c{rest}{style}{tag.group('end')}>"

    start, end = data.span("cells")
    try:
        cells = _CELL_TAG.sub(restyle, xml[start:end])
    except _NoReference:
        return reference_restyle_rows(xml, styles, body, header)
    return xml[:start] + cells + xml[end:]


def reference_restyle_rows(
    xml: str, styles: Styles, body: dict[int, Look], header: dict[int, Look]
) -> str:
    pieces: list[str] = []
    cursor = 0
    for row in ROW.finditer(xml):
        number = int(attrs(row.group("attrs")).get("r", "0"))
        looks = header if number == 1 else body
        content = row.group("body")
        if not content:
            continue
        cells: list[str] = []
        col = 0
        changed = False
        for cell in CELL.finditer(content):
            found = attrs(cell.group("attrs"))
            where = REF.fullmatch(found.get("r", ""))
            col = column_index_from_string(where.group(1)) if where else col + 1
            text = cell.group(0)
            if col in looks:
                style = styles.cell_format(int(found.get("s", "0") or 0), looks[col])
                tag = re.match(r"<(?:\w+:)?c\b[^>]*?(?=/?>)", text)
                assert tag is not None
                opening = re.sub(r'\s+s="[^"]*"', "", tag.group(0))
                if style:
                    opening += f' s="{style}"'
                text = opening + text[tag.end() :]
                changed = True
            cells.append(text)
        if not changed:
            continue
        pieces.append(xml[cursor : row.start("body")])
        pieces.append("".join(cells))
        cursor = row.end("body")
    pieces.append(xml[cursor:])
    return "".join(pieces)


def styles_xml() -> str:
    book = openpyxl.Workbook()
    book.active["A1"].number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        return z.read("xl/styles.xml").decode()


STYLES = styles_xml()
TAB = TabFormat(
    "People",
    columns=(
        ColumnFormat(1, 96, owned=True),
        ColumnFormat(2, 250, wrap=True),
        ColumnFormat(4, 110, number_format="yyyy-mm-dd"),
        ColumnFormat(28, 80, owned=True, number_format="0"),
    ),
)


def both(xml: str, px: str = "") -> None:
    """format_sheet's cells against the reference restyle, and the formats each added."""
    new_styles, old_styles = Styles(STYLES), Styles(STYLES)
    new = format_sheet(xml, px, new_styles, TAB)
    body = {c.col: _body_look(c) for c in TAB.columns}
    header = {c.col: Look(bold=TAB.bold_header, fill=_header_fill(c)) for c in TAB.columns}
    old_rows = reference_restyle_cells(xml, px, old_styles, body, header)
    assert _rows(new, px) == _rows(old_rows, px)
    # The cell formats the rows needed come first, then the columns' own.
    for c in TAB.columns:
        old_styles.cell_format(0, body[c.col])
    assert new_styles.xml == old_styles.xml


def _rows(xml: str, px: str) -> str:
    found = _CELLS_SPAN.search(xml)
    return found.group("cells") if found else ""


def sheet(rows: str, px: str = "") -> str:
    ns = f' xmlns:{px[:-1]}="x"' if px else ' xmlns="x"'
    return (
        f'<?xml version="1.0"?><{px}worksheet{ns}><{px}dimension ref="A1"/>'
        f"<{px}sheetData>{rows}</{px}sheetData></{px}worksheet>"
    )


def test_named_cases() -> None:
    both(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"/></row>'))
    both(sheet('<row r="2"><c r="A2" t="s" s="1"><v>0</v></c><c s="1" r="D2"/></row>'))
    both(sheet('<row r="2"><c r="AB2"/><c r="C2" s=""/><c  r="D2"  s="1" /></row>'))
    both(sheet('<row r="3"><c t="n"><v>1</v></c><c r="D3" s="1"/></row>'))  # no r: by order
    both(sheet('<x:row r="2"><x:c r="A2" s="1"><x:v>1</x:v></x:c></x:row>', "x:"), "x:")
    both(sheet(""))
    both('<worksheet xmlns="x"><sheetData/></worksheet>')


_letters = st.sampled_from(["A", "B", "C", "D", "AB", "E"])
_style = st.sampled_from(["", "0", "1", None])
_row_number = st.integers(1, 4)


@st.composite
def cell_tags(draw: st.DrawFn, row: int) -> str:
    parts = []
    if draw(st.integers(0, 20)):
        parts.append(f'r="{draw(_letters)}{row}"')
    style = draw(_style)
    if style is not None:
        parts.append(f's="{style}"')
    if draw(st.booleans()):
        parts.append('t="s"')
    parts = draw(st.permutations(parts)) if draw(st.booleans()) else parts
    space = draw(st.sampled_from([" ", "  "]))
    text = "".join(space + p for p in parts)
    if draw(st.booleans()):
        return f"<c{text}/>"
    return f"<c{text}><v>1</v></c>"


@st.composite
def sheets(draw: st.DrawFn) -> str:
    rows = []
    for number in sorted(set(draw(st.lists(_row_number, max_size=4)))):
        cells = draw(st.lists(cell_tags(number), max_size=5))
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    return sheet("".join(rows))


@settings(max_examples=300, deadline=None)
@given(sheets())
def test_restyle_matches_the_reference(xml: str) -> None:
    both(xml)
