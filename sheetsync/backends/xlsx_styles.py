"""The styles part of an .xlsx (xl/styles.xml), edited as text and idempotently.

A cell's look is an index into cellXfs; an <xf> points into numFmts, fonts and fills.
sheetsync only ever adds what is missing: a format, font, fill, cell format or
conditional format (dxf) identical to one already there is reused, so running again adds
nothing. Nothing is ever removed or renumbered: cells and organizers' rules point at these
indexes. A workbook written by an older sheetsync may hold several <numFmts> (invalid:
openpyxl refuses it and pandas then reads dates as numbers); they are merged into one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from sheetsync.backends.xlsx_xml import (
    STYLESHEET_ORDER,
    attrs,
    element_pattern,
    prefix,
    put_in_order,
    top_level,
)
from sheetsync.errors import BackendError

# Number formats every spreadsheet knows by id (ECMA-376 18.8.30); others are custom, 164 on.
BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "@": 49,
}
FIRST_CUSTOM_FORMAT = 164
# Built-in formats showing a date (14-17: m/d/yyyy, d-mmm-yy, d-mmm, mmm-yy) or a date and
# time (22: m/d/yyyy h:mm); 18-21 show only a time of day.
BUILTIN_DATES = {14: "date", 15: "date", 16: "date", 17: "date", 22: "datetime"}
INVALID = (
    "The workbook's styles part is not valid; open the workbook in Excel or LibreOffice, "
    "save it, and run again."
)


@dataclass(frozen=True)
class Look:
    """What sheetsync sets on top of a cell's own format; None or False leaves it as it is."""

    number_format: str | None = None
    fill: str | None = None  # #RRGGBB
    bold: bool = False
    wrap: bool = False
    quote: bool = False  # Excel's leading ': text that looks like a formula stays text


class Styles:
    """styles.xml's text, and the cell formats sheetsync adds to it."""

    def __init__(self, xml: str) -> None:
        self.px = prefix(xml, "styleSheet")
        if not re.search(rf"<{self.px}styleSheet\b", xml):
            raise BackendError(INVALID)
        self.xml = _one_number_formats(xml, self.px)
        self.original = xml
        self._looks: dict[tuple[int, Look], int] = {}
        self._kinds: dict[int, str | None] = {}  # cell format -> date_kind (xfs never change)

    @property
    def changed(self) -> bool:
        return self.xml != self.original

    # Reading

    def _children(self, container: str, child: str) -> list[re.Match[str]]:
        found = top_level(self.xml, self.px, container)
        if not found or found[0].group("body") is None:
            return []
        pattern = element_pattern(self.px, child)
        return list(pattern.finditer(self.xml, found[0].start("body"), found[0].end("body")))

    def cell_formats(self) -> list[str]:
        """The <xf> elements of cellXfs, in order (a cell's s="N" is an index into them)."""
        return [m.group(0) for m in self._children("cellXfs", "xf")]

    def date_kind(self, index: int) -> str | None:
        """ "datetime" or "date" if cell format `index` shows a date with or without the
        time of day; None if it shows no date."""
        if index not in self._kinds:
            self._kinds[index] = self._date_kind(index)
        return self._kinds[index]

    def _date_kind(self, index: int) -> str | None:
        xfs = self.cell_formats()
        if not 0 <= index < len(xfs):
            return None
        number = int(_start_attrs(xfs[index]).get("numFmtId", "0"))
        if number < FIRST_CUSTOM_FORMAT:
            return BUILTIN_DATES.get(number)
        for m in self._children("numFmts", "numFmt"):
            found = attrs(m.group("attrs"))
            if found.get("numFmtId") == str(number):
                # Quoted text and [colours] aside, a date format has day or year parts.
                code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", found.get("formatCode", ""))
                if re.search(r"[dDyY]", code) is None:
                    return None
                return "datetime" if re.search(r"[hHsS]", code) else "date"
        return None

    # Adding

    def number_format(self, code: str) -> int:
        """The id of a number format: built-in, already there, or added."""
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        existing = [attrs(m.group("attrs")) for m in self._children("numFmts", "numFmt")]
        for found in existing:
            if found.get("formatCode") == code:
                return int(found["numFmtId"])
        ids = [int(found.get("numFmtId", "0")) for found in existing]
        number = max([FIRST_CUSTOM_FORMAT - 1, *ids]) + 1
        self._append(
            "numFmts", f'<{self.px}numFmt numFmtId="{number}" formatCode={quoteattr(code)}/>'
        )
        return number

    def cell_format(self, base: int, look: Look) -> int:
        """A cellXfs index: format `base` (a cell's own) with `look` on top, reusing an
        identical format already there."""
        key = (base, look)
        if key in self._looks:
            return self._looks[key]
        xfs = self.cell_formats()
        if not xfs:
            raise BackendError(INVALID)
        source = xfs[base] if 0 <= base < len(xfs) else xfs[0]
        found = _start_attrs(source)
        for name in ("numFmtId", "fontId", "fillId", "borderId"):
            found.setdefault(name, "0")
        found.setdefault("xfId", "0")
        inner = _inner(source)
        if look.number_format is not None:
            found["numFmtId"] = str(self.number_format(look.number_format))
            found["applyNumberFormat"] = "1"
        if look.bold:
            found["fontId"] = str(self._bold_font(int(found["fontId"])))
            found["applyFont"] = "1"
        if look.fill is not None:
            found["fillId"] = str(self._fill(look.fill))
            found["applyFill"] = "1"
        if look.wrap:
            inner = _with_wrap(inner, self.px)
            found["applyAlignment"] = "1"
        if look.quote:
            found["quotePrefix"] = "1"
        index = self._find_or_add("cellXfs", "xf", found, inner)
        self._looks[key] = index
        return index

    def dxf(self, fill: str, bold: bool) -> int:
        """A differential format (a conditional rule's look): a solid fill, bold or not."""
        font = f"<{self.px}font><{self.px}b/></{self.px}font>" if bold else ""
        rgb = _argb(fill)
        body = (
            f'{font}<{self.px}fill><{self.px}patternFill patternType="solid">'
            f'<{self.px}fgColor rgb="{rgb}"/><{self.px}bgColor rgb="{rgb}"/>'
            f"</{self.px}patternFill></{self.px}fill>"
        )
        for index, m in enumerate(self._children("dxfs", "dxf")):
            if _squeeze(m.group("body") or "") == _squeeze(body):
                return index
        return self._append("dxfs", f"<{self.px}dxf>{body}</{self.px}dxf>")

    def _bold_font(self, base: int) -> int:
        fonts = self._children("fonts", "font")
        source = fonts[base].group(0) if 0 <= base < len(fonts) else f"<{self.px}font/>"
        inner = _inner(source)
        if re.search(rf"<{self.px}b\b", inner):
            return base
        # <b> is the first child of a font.
        return self._find_or_add("fonts", "font", _start_attrs(source), f"<{self.px}b/>{inner}")

    def _fill(self, colour: str) -> int:
        rgb = _argb(colour)
        inner = (
            f'<{self.px}patternFill patternType="solid"><{self.px}fgColor rgb="{rgb}"/>'
            f'<{self.px}bgColor indexed="64"/></{self.px}patternFill>'
        )
        return self._find_or_add("fills", "fill", {}, inner)

    def _find_or_add(self, container: str, child: str, found: dict[str, str], inner: str) -> int:
        """The index of a child with these attributes and content, added if none has."""
        for index, m in enumerate(self._children(container, child)):
            if attrs(m.group("attrs")) == found and _squeeze(m.group("body") or "") == _squeeze(
                inner
            ):
                return index
        text = " ".join(f"{k}={quoteattr(v)}" for k, v in found.items())
        space = " " if text else ""
        element = (
            f"<{self.px}{child}{space}{text}>{inner}</{self.px}{child}>"
            if inner
            else f"<{self.px}{child}{space}{text}/>"
        )
        return self._append(container, element)

    def _append(self, container: str, element: str) -> int:
        """Add `element` at the end of `container` (made if missing); return its index."""
        count = len(self._children(container, element_tag(element, self.px)))
        found = top_level(self.xml, self.px, container)
        if not found:
            block = f'<{self.px}{container} count="1">{element}</{self.px}{container}>'
            self.xml = put_in_order(self.xml, self.px, STYLESHEET_ORDER, container, block)
            return 0
        m = found[0]
        opening = re.sub(r'\s+count="[^"]*"', "", m.group("attrs")).rstrip()
        body = m.group("body") or ""
        block = (
            f'<{self.px}{container}{opening} count="{count + 1}">{body}{element}'
            f"</{self.px}{container}>"
        )
        self.xml = self.xml[: m.start()] + block + self.xml[m.end() :]
        return count


def element_tag(element: str, px: str) -> str:
    found = re.match(rf"<{px}(\w+)", element)
    assert found is not None
    return found.group(1)


def _one_number_formats(xml: str, px: str) -> str:
    """One <numFmts> holding every number format of all of them (each id once)."""
    blocks = top_level(xml, px, "numFmts")
    if len(blocks) <= 1:
        return xml
    entries: dict[str, str] = {}
    for block in blocks:
        for m in element_pattern(px, "numFmt").finditer(block.group("body") or ""):
            entries.setdefault(attrs(m.group("attrs")).get("numFmtId", ""), m.group(0))
    for block in reversed(blocks):
        xml = xml[: block.start()] + xml[block.end() :]
    merged = f'<{px}numFmts count="{len(entries)}">{"".join(entries.values())}</{px}numFmts>'
    return put_in_order(xml, px, STYLESHEET_ORDER, "numFmts", merged)


def _start_attrs(element: str) -> dict[str, str]:
    found = re.match(r"<(?:\w+:)?\w+\b([^>]*?)/?>", element)
    return attrs(found.group(1)) if found else {}


def _inner(element: str) -> str:
    found = re.match(r"<((?:\w+:)?\w+)\b[^>]*?(?<!/)>(.*)</\1>\s*$", element, re.S)
    return found.group(2) if found else ""


def _with_wrap(inner: str, px: str) -> str:
    """An xf's content with wrapText on its <alignment> (added first: it precedes protection)."""
    found = re.search(rf"<{px}alignment\b([^>]*?)(/?)>", inner)
    if found is None:
        return f'<{px}alignment wrapText="1" vertical="top"/>{inner}'
    if "wrapText=" in found.group(1):
        own = re.sub(r'wrapText="[^"]*"', 'wrapText="1"', found.group(1))
    else:
        own = f'{found.group(1)} wrapText="1"'
    return inner[: found.start()] + f"<{px}alignment{own}{found.group(2)}>" + inner[found.end() :]


def _argb(colour: str) -> str:
    """#RRGGBB as Excel's opaque AARRGGBB."""
    return "FF" + colour.lstrip("#").upper()


def _squeeze(xml: str) -> str:
    """XML text compared without the blanks between tags and before />."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+/>", "/>", xml)).strip()
