"""Text helpers for the small XML parts of an .xlsx: find, replace and insert elements in
the order the schema requires, without parsing and re-serialising the part.

Excel refuses a part whose children are out of the schema's order (CT_Worksheet,
CT_Stylesheet), so every insertion goes through `put_in_order` with the order declared once
here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import unescape

# CT_Worksheet's children, in the only order Excel accepts (ECMA-376 part 1, 18.3.1.99).
WORKSHEET_ORDER = (
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
# CT_Stylesheet's children (18.8.39).
STYLESHEET_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)

_ATTR = re.compile(r'([\w:]+)\s*=\s*("[^"]*"|\'[^\']*\')')
# A sheet's rows and cells: they cannot nest, and text inside them is escaped, so a row is
# the span from `<row` to its `</row>`.
ROW = re.compile(
    r"<(?P<px>(?:\w+:)?)row\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=px)row>)", re.S
)
CELL = re.compile(r"<(?P<px>(?:\w+:)?)c\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=px)c>)", re.S)
REF = re.compile(r"([A-Z]+)(\d+)")


def attrs(text: str) -> dict[str, str]:
    """The attributes in the text of a start tag, unescaped."""
    return {k: unescape(v[1:-1], {"&quot;": '"', "&apos;": "'"}) for k, v in _ATTR.findall(text)}


def prefix(xml: str, tag: str) -> str:
    """The namespace prefix ("" or "x:") a part uses for spreadsheetml elements."""
    found = re.search(rf"<(\w+:)?{tag}\b", xml)
    return (found.group(1) or "") if found else ""


def element_pattern(px: str, tag: str) -> re.Pattern[str]:
    """An element <px:tag .../> or <px:tag ...>...</px:tag> (it must not nest in itself)."""
    return re.compile(rf"<{px}{tag}\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</{px}{tag}>)", re.S)


def top_level(
    xml: str, px: str, tag: str, segments: list[tuple[int, int]] | None = None
) -> list[re.Match[str]]:
    """The elements <tag> directly in the part's root: none inside sheetData (cells hold
    only escaped text there, and a big tab's rows need not be scanned) or extLst (whose
    x14 children share some names)."""
    pattern = element_pattern(px, tag)
    found: list[re.Match[str]] = []
    if tag in ("sheetData", "extLst") or segments is None:
        segments = _segments(xml, px, tag)
    for start, end in segments:
        found.extend(pattern.finditer(xml, start, end))
    return found


def _segments(xml: str, px: str, tag: str) -> list[tuple[int, int]]:
    """The parts of the text outside sheetData's and extLst's content."""
    holes = []
    for hole in ("sheetData", "extLst"):
        if hole == tag:
            continue
        opening = re.search(rf"<{px}{hole}\b[^>]*?(/?)>", xml)
        if opening is None or opening.group(1):
            continue
        closing = xml.rfind(f"</{px}{hole}>")
        if closing > opening.end():
            holes.append((opening.end(), closing))
    segments, cursor = [], 0
    for start, end in sorted(holes):
        segments.append((cursor, start))
        cursor = end
    segments.append((cursor, len(xml)))
    return segments


def _sheet_data_end(xml: str, px: str) -> int:
    """Where <sheetData> ends (0 if there is none)."""
    closing = xml.rfind(f"</{px}sheetData>")
    if closing >= 0:
        return closing + len(f"</{px}sheetData>")
    empty = re.search(rf"<{px}sheetData\b[^>]*/>", xml)
    return empty.end() if empty else 0


def put_in_order(
    xml: str, px: str, order: Sequence[str], tag: str, elements: str, *, replace: bool = True
) -> str:
    """`elements` (the text of zero or more <tag> elements) in the part at `tag`'s place in
    `order`; with replace, every <tag> already there is removed first."""
    if replace:
        for found in reversed(top_level(xml, px, tag)):
            xml = xml[: found.start()] + xml[found.end() :]
    if not elements:
        return xml
    at = insertion_point(xml, px, order, tag)
    return xml[:at] + elements + xml[at:]


def insertion_point(xml: str, px: str, order: Sequence[str], tag: str) -> int:
    """Where a <tag> goes: after the last element of its kind or of an earlier kind, before
    the root's end tag otherwise."""
    rank = order.index(tag)
    after = 0
    outside = _segments(xml, px, "")  # found once: a big tab's rows are long to scan
    for earlier in order[: rank + 1]:
        if earlier == "sheetData":
            after = max(after, _sheet_data_end(xml, px))
            continue
        for found in top_level(xml, px, earlier, outside):
            after = max(after, found.end())
    if after:
        return after
    root = re.search(r"<(?:\w+:)?(?:worksheet|styleSheet)\b[^>]*>", xml)
    if root is None:
        raise ValueError("not a worksheet or stylesheet part")
    return root.end()


def split_sheet(xml: str, px: str) -> tuple[str, str]:
    """A worksheet part as its skeleton (every element, with an empty <sheetData>) and its
    rows (sheetData's content), so that the elements around the rows are found and edited
    without scanning or copying a big tab's rows; join_sheet puts them together again."""
    opening = re.search(rf"<{px}sheetData\b[^>]*?(/?)>", xml)
    if opening is None or opening.group(1):
        return xml, ""
    closing = xml.rfind(f"</{px}sheetData>")
    if closing < opening.end():
        return xml, ""
    return xml[: opening.end()] + xml[closing:], xml[opening.end() : closing]


def sheet_pieces(skeleton: str, px: str, rows: str) -> tuple[str, str, str]:
    """The text before the rows, the rows, and the text after them (see split_sheet); a
    <sheetData/> is opened when there are rows to hold."""
    if not rows:
        return skeleton, "", ""
    opening = re.search(rf"<{px}sheetData\b[^>]*?(/?)>", skeleton)
    if opening is None:
        raise ValueError("a worksheet with rows has no sheetData")
    if opening.group(1):
        # <sheetData/> opened, as patch_sheet always did: its text up to "/>", then ">".
        return (
            skeleton[: opening.start()] + opening.group(0)[:-2] + ">",
            rows,
            f"</{px}sheetData>" + skeleton[opening.end() :],
        )
    return skeleton[: opening.end()], rows, skeleton[opening.end() :]


def join_sheet(skeleton: str, px: str, rows: str) -> str:
    """The worksheet part split_sheet split."""
    return "".join(sheet_pieces(skeleton, px, rows))
