"""Volunteer codes, and how the board's claim cells are read and masked.

A volunteer's code is eight letters and digits (no 0/O or 1/I/L to misread), shown as
"K7PM-3QXA": unguessable (32^8 codes), written once on People (volunteer_code) and never
changed. A claim cell holds codes or emails, separated by spaces, commas or semicolons.
Once sheetsync has answered a claim it replaces the cell with a mark that names nobody:
"✓ …XA" (taken) or "✗ …XA" (not taken), "…XA" being the code's last two characters so
its volunteer recognises their claim; an email or a code nobody has becomes "✗ ?".
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed back
CODE_LENGTH = 8
TAKEN_MARK = "✓"
REFUSED_MARK = "✗"
UNKNOWN_MARK = f"{REFUSED_MARK} ?"
_SEPARATORS = re.compile(r"[\s,;/]+")


def new_code(taken: Iterable[str]) -> str:
    """A fresh code no one holds, as typed: "K7PM-3QXA"."""
    held = {normal_code(c) for c in taken}
    while True:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if raw not in held:
            return f"{raw[:4]}-{raw[4:]}"


def normal_code(text: str) -> str:
    """A code as compared: capitals, without dashes or spaces ("k7pm-3qxa" -> "K7PM3QXA")."""
    return re.sub(r"[\s\-]", "", text).upper()


def code_tail(code: str) -> str:
    """What a mark shows of a code: "…XA"."""
    return f"…{normal_code(code)[-2:]}"


def is_mark(cell: str) -> bool:
    """Whether a claim cell holds sheetsync's answer mark rather than a claim."""
    return cell.strip().startswith((TAKEN_MARK, REFUSED_MARK))


def claim_tokens(cell: str) -> list[str]:
    """The codes and emails a claim cell holds, in order, each once; [] for an empty cell
    or sheetsync's own mark."""
    if is_mark(cell):
        return []
    seen: list[str] = []
    for token in _SEPARATORS.split(cell.strip()):
        if token and token.casefold() not in {s.casefold() for s in seen}:
            seen.append(token)
    return seen


def is_email(token: str) -> bool:
    return "@" in token


def mark(taken: bool, code: str | None) -> str:
    """The mark that replaces one claim: who only its volunteer can tell."""
    if code is None:
        return UNKNOWN_MARK
    return f"{TAKEN_MARK if taken else REFUSED_MARK} {code_tail(code)}"
