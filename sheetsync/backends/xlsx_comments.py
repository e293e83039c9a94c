"""Header notes as real cell comments: what Excel and LibreOffice show as a note (a red
corner, the text on hover).

A tab's comments live in two parts, both reached from the sheet's relationships: the
comments part (the texts, xl/commentsN.xml) and a VML drawing (the boxes that show them,
xl/drawings/vmlDrawingN.vml, named by the sheet's <legacyDrawing>). sheetsync's comments
are those whose author is "sheetsync": they are replaced on each formatting; an
organizer's comment, and its box, are kept as they are, and a cell holding one gets no
note from sheetsync.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import column_index_from_string, get_column_letter

from sheetsync.backends.xlsx_xml import attrs

AUTHOR = "sheetsync"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
VML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
SHAPES_PER_SHEET = 1024  # VML shape ids: _x0000_s<1024 * idmap + n>, as Excel numbers them

_COMMENT = re.compile(r"<(?:\w+:)?comment\b(?P<attrs>[^>]*?)(?:/>|>.*?</(?:\w+:)?comment>)", re.S)
_AUTHOR = re.compile(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>", re.S)
_SHAPE = re.compile(r"<v:shape\b[^>]*>.*?</v:shape>", re.S)
_REF = re.compile(r"([A-Z]+)(\d+)")


def comments_part(existing: str | None, notes: dict[str, str]) -> tuple[str, list[str], set[str]]:
    """The comments part with sheetsync's notes (cell ref -> text) set anew and every
    organizer's comment kept; the refs that carry one of sheetsync's notes now, and those
    that carried one before."""
    authors: list[str] = []
    kept: list[tuple[str, str]] = []  # (ref, comment element)
    before: set[str] = set()
    if existing:
        authors = [a.strip() for a in _AUTHOR.findall(existing)]
        for found in _COMMENT.finditer(existing):
            own = attrs(found.group("attrs"))
            author_id = int(own.get("authorId", "0") or 0)
            author = authors[author_id] if author_id < len(authors) else ""
            if author != AUTHOR:
                kept.append((own.get("ref", ""), found.group(0)))
            else:
                before.add(own.get("ref", ""))
    theirs = {ref for ref, _ in kept}
    names = [a for a in authors if a != AUTHOR] + [AUTHOR]
    ours = [ref for ref in notes if ref not in theirs]
    elements = [_with_author_id(element, authors, names) for _, element in kept]
    mine = names.index(AUTHOR)
    for ref in ours:
        elements.append(
            f'<comment ref="{ref}" authorId="{mine}"><text><r><t xml:space="preserve">'
            f"{escape(notes[ref])}</t></r></text></comment>"
        )
    author_list = "".join(f"<author>{escape(name)}</author>" for name in names)
    text = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN_NS}"><authors>{author_list}</authors>'
        f"<commentList>{''.join(elements)}</commentList></comments>"
    )
    return text, ours, before


def _with_author_id(element: str, old: list[str], new: list[str]) -> str:
    """A kept comment renumbered for the new author list."""
    found = re.search(r'authorId="(\d+)"', element)
    if found is None or int(found.group(1)) >= len(old):
        return element
    index = new.index(old[int(found.group(1))])
    return element[: found.start(1)] + str(index) + element[found.end(1) :]


def vml_part(existing: str | None, refs: list[str], before: set[str], sheet: int) -> str:
    """The VML drawing with a note box for each of `refs` (sheetsync's notes), the boxes
    of its notes `before` removed, and every other shape kept."""
    kept = []
    if existing:
        for shape in _SHAPE.findall(existing):
            if _shape_cell(shape) not in before:
                kept.append(shape)
    ids = [int(n) for n in re.findall(r'id="_x0000_s(\d+)"', "".join(kept))]
    first = max([SHAPES_PER_SHEET * sheet, *ids]) + 1
    boxes = [_box(ref, first + n) for n, ref in enumerate(refs)]
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{sheet}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(kept)}{''.join(boxes)}</xml>"
    )


def _shape_cell(shape: str) -> str | None:
    """The cell a note box belongs to (A1 style), None for another kind of shape."""
    if 'ObjectType="Note"' not in shape:
        return None
    row = re.search(r"<x:Row>(\d+)</x:Row>", shape)
    col = re.search(r"<x:Column>(\d+)</x:Column>", shape)
    if row is None or col is None:
        return None
    return f"{get_column_letter(int(col.group(1)) + 1)}{int(row.group(1)) + 1}"


def _box(ref: str, number: int) -> str:
    """A hidden note box beside its cell, as Excel draws one."""
    found = _REF.fullmatch(ref)
    assert found is not None
    col, row = column_index_from_string(found.group(1)) - 1, int(found.group(2)) - 1
    anchor = f"{col + 1}, 15, {max(row - 1, 0)}, 10, {col + 3}, 15, {row + 3}, 4"
    return (
        f'<v:shape id="_x0000_s{number}" type="#_x0000_t202" style="position:absolute;'
        "margin-left:80pt;margin-top:2pt;width:160pt;height:60pt;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
    )


def relationship(rid: str, kind: str, target: str) -> str:
    return f"<Relationship Id={quoteattr(rid)} Type={quoteattr(kind)} Target={quoteattr(target)}/>"
