"""A TabFormat written into a worksheet part's XML (see backends/formats.py).

Each element goes at its place in CT_Worksheet's order (xlsx_xml.WORKSHEET_ORDER).
sheetsync replaces only what it wrote itself, marked as on Google (google_format): its
conditional formats' formulas carry N("sheetsync"), which is 0 and so changes nothing; its
data validations carry the prompt title "sheetsync". Its column entries are the plan's
columns, but an organizer's hidden or grouped column stays hidden and grouped. Organizers'
own widths, validations and rules are kept as they are, whatever their ranges. Header
notes are real comments (xlsx_comments), added by the package with their parts.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr, unescape

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetsync.backends.formats import HEADER_FILL, OWNED_FILL, ColourRule, ColumnFormat, TabFormat
from sheetsync.backends.google_format import RULE_MARKER
from sheetsync.backends.xlsx_styles import Look, Styles
from sheetsync.backends.xlsx_xml import (
    CELL,
    REF,
    ROW,
    WORKSHEET_ORDER,
    attrs,
    element_pattern,
    join_sheet,
    put_in_order,
    split_sheet,
    top_level,
)

# A cell's start tag and its style.
_CELL_TAG = re.compile(r"<(?P<px>(?:\w+:)?)c\b(?P<attrs>[^>]*?)(?P<end>/?)>")
# A cell's start tag as Excel, LibreOffice, openpyxl and sheetsync write it (r="B7" first,
# then s="3" if styled), or any other cell start tag (_CELL_TAG).
_ANY_CELL_TAG = re.compile(
    r'<(?:(?P<fpx>(?:\w+:)?)c r="(?P<col>[A-Z]+)(?P<row>\d+)"(?: s="(?P<s>\d*)")?'
    r"(?P<rest>[^>]*?)(?P<fend>/?)>|(?:\w+:)?c\b[^>]*?/?>)"
)
_CELL_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
_CELL_STYLE = re.compile(r'\s+s="(\d*)"')
LAST_ROW = 1048576  # Excel's last row: "from row 2 down" is rows 2..LAST_ROW
MARK = "sheetsync"  # the prompt title of sheetsync's own data validations
FORMULA_MAX = 255  # Excel's limit on a list validation's "a,b,c" text
DATE_MIN = 1  # serial of 1900-01-01: a date validation accepts any date from then on
CHOICES_ERROR = "Pick a value from the list. sheetsync reports other values on the Errors tab."
DATE_ERROR = "Type a date, e.g. 2026-05-01. sheetsync reports other values on the Errors tab."


def width_chars(pixels: int) -> float:
    """A column width in pixels as Excel's width in characters of the default font."""
    return round(max(pixels - 5, 0) / 7, 2)


def format_sheet(xml: str, px: str, styles: Styles, tab: TabFormat) -> str:
    """The worksheet `xml` with `tab`'s formatting applied (idempotently)."""
    skeleton, rows = split_sheet(xml, px)
    rows = format_rows(rows, styles, tab)
    return join_sheet(format_skeleton(skeleton, px, styles, tab), px, rows)


def format_rows(rows: str, styles: Styles, tab: TabFormat) -> str:
    """A worksheet's rows (sheetData's content) with `tab`'s cell looks. Run before
    format_skeleton: the cell formats it adds come first, as they always did."""
    body_looks = {c.col: _body_look(c) for c in tab.columns}
    header_looks = {c.col: Look(bold=tab.bold_header, fill=_header_fill(c)) for c in tab.columns}
    return _restyle_cells(rows, styles, body_looks, header_looks)


def format_skeleton(skeleton: str, px: str, styles: Styles, tab: TabFormat) -> str:
    """A worksheet's elements around its rows (split_sheet) with `tab`'s columns, frozen
    header, conditional colours and validations."""
    columns = {c.col: c for c in tab.columns}
    column_styles = {col: styles.cell_format(0, _body_look(c)) for col, c in columns.items()}
    xml = _with_cols(skeleton, px, columns, column_styles)
    if tab.frozen_rows:
        xml = _with_frozen_rows(xml, px, tab.frozen_rows)
    xml = _with_rules(xml, px, styles, tab.rules, set(columns))
    return _with_validations(xml, px, columns)


def _body_look(column: ColumnFormat) -> Look:
    return Look(
        number_format=column.number_format,
        fill=OWNED_FILL if column.owned else None,
        wrap=column.wrap,
    )


def _header_fill(column: ColumnFormat) -> str | None:
    return HEADER_FILL if column.owned else None


# Cells


def _restyle_cells(
    rows: str, styles: Styles, body: dict[int, Look], header: dict[int, Look]
) -> str:
    """Every existing cell of a plan column in `rows` (sheetData's content) gets the
    column's look on top of its own.

    Only the cells' start tags are rewritten, each placed by its r="B7" (Excel and
    LibreOffice always write it). A tab with a cell without it is walked row by row
    (_restyle_rows)."""
    if not rows:
        return rows
    letters = {get_column_letter(col): col for col in body}
    chosen: dict[tuple[str, bool, str], str] = {}

    def style_of(letter: str, header_row: bool, own: str) -> str | None:
        """The s="…" attribute a cell of this column and row with style `own` gets; None
        outside the plan's columns."""
        key = (letter, header_row, own)
        found = chosen.get(key)
        if found is None:
            col = letters.get(letter)
            if col is None:
                return None
            look = (header if header_row else body)[col]
            number = styles.cell_format(int(own or 0), look)
            found = chosen[key] = f' s="{number}"' if number else ""
        return found

    def general(tag: re.Match[str]) -> str:
        found = _CELL_REF.search(tag.group("attrs"))
        if found is None:
            raise _NoReference
        own = _CELL_STYLE.search(tag.group("attrs"))
        style = style_of(found.group(1), found.group(2) == "1", own.group(1) if own else "")
        if style is None:
            return tag.group(0)
        rest = _CELL_STYLE.sub("", tag.group("attrs"))
        return f"<{tag.group('px')}c{rest}{style}{tag.group('end')}>"

    def restyle(tag: re.Match[str]) -> str:
        px, letter, row, own, rest, end = tag.group("fpx", "col", "row", "s", "rest", "fend")
        if letter is None or (own is None and 's="' in rest):
            whole = _CELL_TAG.fullmatch(tag.group(0))
            assert whole is not None  # _ANY_CELL_TAG's second branch is _CELL_TAG
            return general(whole)
        style = chosen.get((letter, row == "1", own or ""))
        if style is None:
            style = style_of(letter, row == "1", own or "")
            if style is None:
                return tag.group(0)
        return f'<{px}c r="{letter}{row}"{rest}{style}{end}>'

    try:
        return _ANY_CELL_TAG.sub(restyle, rows)
    except _NoReference:
        return _restyle_rows(rows, styles, body, header)


class _NoReference(Exception):
    """A cell without r="…": its column is known only by walking its row."""


def _restyle_rows(xml: str, styles: Styles, body: dict[int, Look], header: dict[int, Look]) -> str:
    """_restyle_cells for a tab with cells placed by their order in the row."""
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
                text = _with_style(text, style)
                changed = True
            cells.append(text)
        if not changed:
            continue
        start = row.start("body")
        pieces.append(xml[cursor:start])
        pieces.append("".join(cells))
        cursor = row.end("body")
    pieces.append(xml[cursor:])
    return "".join(pieces)


def _with_style(cell: str, style: int) -> str:
    """A cell element with s="style" (0 is the default: no attribute)."""
    tag = re.match(r"<(?:\w+:)?c\b[^>]*?(?=/?>)", cell)
    assert tag is not None  # CELL matched it
    opening = re.sub(r'\s+s="[^"]*"', "", tag.group(0))
    if style:
        opening += f' s="{style}"'
    return opening + cell[tag.end() :]


# Columns


def _with_cols(xml: str, px: str, columns: dict[int, ColumnFormat], styles: dict[int, int]) -> str:
    """<cols>: the plan's columns set anew, every other column's entry kept (a range over
    both is split). A plan column an organizer hid or grouped stays hidden and grouped:
    the plan may hide a column, never show one."""
    kept = _other_columns(xml, px, set(columns))
    existing = _found_columns(xml, px, set(columns))
    for col, column in columns.items():
        own = {"width": f"{width_chars(column.width):g}", "customWidth": "1"}
        if styles[col]:
            own["style"] = str(styles[col])
        own |= {k: v for k, v in existing.get(col, {}).items() if k in _ORGANIZERS_COLUMN}
        if column.hidden:
            own["hidden"] = "1"
        kept.append((col, col, own))
    entries = []
    for first, last, found in sorted(kept, key=lambda entry: entry[0]):
        rest = {k: v for k, v in found.items() if k not in ("min", "max")}
        text = "".join(f" {k}={quoteattr(v)}" for k, v in rest.items())
        entries.append(f'<{px}col min="{first}" max="{last}"{text}/>')
    cols = f"<{px}cols>{''.join(entries)}</{px}cols>" if entries else ""
    return put_in_order(xml, px, WORKSHEET_ORDER, "cols", cols)


_ORGANIZERS_COLUMN = ("hidden", "outlineLevel", "collapsed")  # kept on a plan column


def _found_columns(xml: str, px: str, plan: set[int]) -> dict[int, dict[str, str]]:
    """The attributes of the <col> entry each plan column has now."""
    found: dict[int, dict[str, str]] = {}
    for block in top_level(xml, px, "cols"):
        for entry in element_pattern(px, "col").finditer(block.group("body") or ""):
            values = attrs(entry.group("attrs"))
            first, last = int(values.get("min", "0")), int(values.get("max", "0"))
            for col in plan:
                if first <= col <= last:
                    found.setdefault(col, values)
    return found


def _other_columns(xml: str, px: str, plan: set[int]) -> list[tuple[int, int, dict[str, str]]]:
    """The <col> entries outside the plan's columns, as (min, max, attributes)."""
    kept = []
    for block in top_level(xml, px, "cols"):
        for entry in element_pattern(px, "col").finditer(block.group("body") or ""):
            found = attrs(entry.group("attrs"))
            first, last = int(found.get("min", "0")), int(found.get("max", "0"))
            mine = sorted(col for col in plan if first <= col <= last)
            starts, ends = [first] + [c + 1 for c in mine], [c - 1 for c in mine] + [last]
            for start, end in zip(starts, ends, strict=True):
                if start <= end:
                    kept.append((start, end, found))
    return kept


# The frozen header


def _with_frozen_rows(xml: str, px: str, rows: int) -> str:
    """Every sheetView shows the first `rows` rows frozen; a frozen column is kept."""
    views = top_level(xml, px, "sheetViews")
    if not views:
        new = f"<{px}sheetViews>{_view(px, {'workbookViewId': '0'}, '', rows)}</{px}sheetViews>"
        return put_in_order(xml, px, WORKSHEET_ORDER, "sheetViews", new)
    block = views[0]
    inner = element_pattern(px, "sheetView").sub(
        lambda m: _view(px, attrs(m.group("attrs")), m.group("body") or "", rows),
        block.group("body") or "",
    )
    if not inner:
        inner = _view(px, {"workbookViewId": "0"}, "", rows)
    opening = block.group(0)[: block.group(0).index(">")].rstrip("/")
    new = f"{opening}>{inner}</{px}sheetViews>"
    return xml[: block.start()] + new + xml[block.end() :]


def _view(px: str, found: dict[str, str], body: str, rows: int) -> str:
    pane = element_pattern(px, "pane").search(body)
    x_split = int(float(attrs(pane.group("attrs")).get("xSplit", "0"))) if pane else 0
    x_split = x_split if pane and attrs(pane.group("attrs")).get("state") == "frozen" else 0
    active = "bottomRight" if x_split else "bottomLeft"
    top_left = f"{get_column_letter(x_split + 1)}{rows + 1}"
    x_attr = f' xSplit="{x_split}"' if x_split else ""
    new_pane = (
        f'<{px}pane{x_attr} ySplit="{rows}" topLeftCell="{top_left}" activePane="{active}"'
        ' state="frozen"/>'
    )
    selection = f'<{px}selection pane="{active}" activeCell="{top_left}" sqref="{top_left}"/>'
    rest = element_pattern(px, "selection").sub("", element_pattern(px, "pane").sub("", body))
    opening = "".join(f" {k}={quoteattr(v)}" for k, v in found.items())
    return f"<{px}sheetView{opening}>{new_pane}{selection}{rest}</{px}sheetView>"


# Conditional colours


def _with_rules(
    xml: str, px: str, styles: Styles, rules: tuple[ColourRule, ...], plan: set[int]
) -> str:
    """sheetsync's conditional formats replaced; organizers' kept, and tried first."""
    for block in reversed(top_level(xml, px, "conditionalFormatting")):
        xml = xml[: block.start()] + _without_marked_rules(px, block) + xml[block.end() :]
    priorities = [
        int(p)
        for block in top_level(xml, px, "conditionalFormatting")
        for p in re.findall(r'\bpriority="(\d+)"', block.group(0))
    ]
    priority = max(priorities, default=0)
    blocks = []
    for rule in rules:
        priority += 1
        sqref = _column_range(rule.first_col, rule.last_col)
        formula = escape(marked_formula(rule.formula))
        dxf = styles.dxf(rule.fill, rule.bold)
        blocks.append(
            f'<{px}conditionalFormatting sqref="{sqref}"><{px}cfRule type="expression"'
            f' dxfId="{dxf}" priority="{priority}" stopIfTrue="1"><{px}formula>{formula}'
            f"</{px}formula></{px}cfRule></{px}conditionalFormatting>"
        )
    return put_in_order(
        xml, px, WORKSHEET_ORDER, "conditionalFormatting", "".join(blocks), replace=False
    )


def _column_range(first: int, last: int, top: int = 2) -> str:
    return f"{get_column_letter(first)}{top}:{get_column_letter(last)}{LAST_ROW}"


def marked_formula(formula: str) -> str:
    """A rule's formula marked as sheetsync's, as on Google: N("sheetsync") is 0, so the
    rule applies when the formula is true."""
    return f"AND({formula.removeprefix('=')},{RULE_MARKER}=0)"


def _without_marked_rules(px: str, block: re.Match[str]) -> str:
    """A <conditionalFormatting> without sheetsync's rules: gone if none is left, kept as it
    was if it held none."""
    body = block.group("body") or ""
    rules = list(element_pattern(px, "cfRule").finditer(body))
    ours = [rule for rule in rules if RULE_MARKER in unescape(rule.group(0), {"&quot;": '"'})]
    if not ours:
        return block.group(0)
    if len(ours) == len(rules):
        return ""
    for rule in reversed(ours):
        body = body[: rule.start()] + body[rule.end() :]
    start, end = block.span("body")
    offset = block.start()
    whole = block.group(0)
    return whole[: start - offset] + body + whole[end - offset :]


# Dropdowns, date checks and header notes


def _with_validations(xml: str, px: str, columns: dict[int, ColumnFormat]) -> str:
    """sheetsync's data validations replaced, organizers' kept."""
    kept = []
    for block in top_level(xml, px, "dataValidations"):
        for entry in element_pattern(px, "dataValidation").finditer(block.group("body") or ""):
            found = attrs(entry.group("attrs"))
            if found.get("promptTitle") == MARK:
                continue
            kept.append(entry.group(0))
    new = [
        v
        for column in sorted(columns.values(), key=lambda c: c.col)
        for v in _validations(px, column)
    ]
    entries = kept + new
    validations = (
        f'<{px}dataValidations count="{len(entries)}">{"".join(entries)}</{px}dataValidations>'
        if entries
        else ""
    )
    return put_in_order(xml, px, WORKSHEET_ORDER, "dataValidations", validations)


def _validations(px: str, column: ColumnFormat) -> list[str]:
    found = []
    sqref = _column_range(column.col, column.col)
    warning = f'errorStyle="warning" allowBlank="1" showErrorMessage="1" promptTitle="{MARK}"'
    listed = ",".join(column.choices)
    if (
        column.choices
        and len(listed) <= FORMULA_MAX - 2
        and not any("," in c for c in column.choices)
    ):
        formula = escape('"' + listed.replace('"', '""') + '"')
        found.append(
            f'<{px}dataValidation type="list" {warning} error={quoteattr(CHOICES_ERROR)}'
            f' sqref="{sqref}"><{px}formula1>{formula}</{px}formula1></{px}dataValidation>'
        )
    elif column.date_check:
        found.append(
            f'<{px}dataValidation type="date" operator="greaterThanOrEqual" {warning}'
            f' error={quoteattr(DATE_ERROR)} sqref="{sqref}"><{px}formula1>{DATE_MIN}'
            f"</{px}formula1></{px}dataValidation>"
        )
    return found
