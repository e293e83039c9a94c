"""A1 notation as Google Sheets reads and writes it: parsing, quoting and formatting."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COLUMNS = 18278  # column ZZZ: Sheets' widest grid

_CELLS = re.compile(
    r"(?P<c0>[A-Za-z]{1,3})?(?P<r0>[1-9][0-9]{0,8})?"
    r"(?::(?P<c1>[A-Za-z]{1,3})?(?P<r1>[1-9][0-9]{0,8})?)?"
)
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*")


def column_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def quote_title(title: str) -> str:
    """A tab title as Google writes it in a range: quoted unless it is a plain word that
    cannot be mistaken for a cell ('Sheet1' stays bare, 'D3' and 'Form Responses 1' do not)."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Bounds:
    """The cell part of a range, 0-based and inclusive; None is an open side ('A:A', '1:2')."""

    row0: int | None
    col0: int | None
    row1: int | None
    col1: int | None


@dataclass(frozen=True)
class ParsedRange:
    """A range as written: an optional tab title and optional cell bounds."""

    title: str | None
    bounds: Bounds | None


def parse_bounds(text: str) -> Bounds | None:
    """'A1', 'A1:B2', 'A:B', '1:2', 'A2:Z', 'A1:1' -> Bounds, or None if not A1 notation."""
    match = _CELLS.fullmatch(text)
    if not match:
        return None
    c0, r0, c1, r1 = match.group("c0", "r0", "c1", "r1")
    has_end = ":" in text
    if not (c0 or r0) or (has_end and not (c1 or r1)):
        return None
    if not has_end:
        if not (c0 and r0):
            return None  # 'A' or '7' alone is a name, not a cell
        c1, r1 = c0, r0
    bounds = Bounds(
        row0=int(r0) - 1 if r0 else None,
        col0=column_index(c0) if c0 else None,
        row1=int(r1) - 1 if r1 else None,
        col1=column_index(c1) if c1 else None,
    )
    return _ordered(bounds)


def _ordered(b: Bounds) -> Bounds:
    """'D4:A1' means 'A1:D4'."""
    row0, row1 = b.row0, b.row1
    if row0 is not None and row1 is not None and row0 > row1:
        row0, row1 = row1, row0
    col0, col1 = b.col0, b.col1
    if col0 is not None and col1 is not None and col0 > col1:
        col0, col1 = col1, col0
    return Bounds(row0, col0, row1, col1)


def parse_range(text: str) -> ParsedRange | None:
    """ "'My tab'!A1:B2", 'Sheet1!A:A', 'Sheet1', 'A1:B2' -> ParsedRange, or None.

    Without '!', text that reads as cells names cells of the first tab (Google reads 'DF1' as a
    cell even when a tab is called DF1); anything else is taken as a tab title.
    """
    if text.startswith("'"):
        title, rest = _quoted_title(text)
        if title is None:
            return None
        if rest == "":
            return ParsedRange(title, None)
        if not rest.startswith("!"):
            return None
        bounds = parse_bounds(rest[1:])
        return ParsedRange(title, bounds) if bounds else None
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        bounds = parse_bounds(cells)
        return ParsedRange(title, bounds) if bounds and title else None
    bounds = parse_bounds(text)
    if bounds:
        return ParsedRange(None, bounds)
    return ParsedRange(text, None) if text else None


def _quoted_title(text: str) -> tuple[str | None, str]:
    """ "'It''s'!A1" -> ("It's", "!A1")."""
    title = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == "'":
            if text[i + 1 : i + 2] == "'":
                title.append("'")
                i += 2
                continue
            return "".join(title), text[i + 1 :]
        title.append(char)
        i += 1
    return None, ""


def format_cells(row0: int, col0: int, row1: int, col1: int) -> str:
    """Inclusive 0-based corners -> 'A1' for one cell, else 'A1:B2'."""
    first = f"{column_letters(col0)}{row0 + 1}"
    if (row0, col0) == (row1, col1):
        return first
    return f"{first}:{column_letters(col1)}{row1 + 1}"


def format_range(title: str, row0: int, col0: int, row1: int, col1: int) -> str:
    """Inclusive 0-based corners -> "Sheet1!A1:B2" with the title quoted as Google does."""
    return f"{quote_title(title)}!{format_cells(row0, col0, row1, col1)}"
