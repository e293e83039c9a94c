"""Valid form responses as intake reads them, and how its records name them.

A response is named by its tab and row ("Form Responses 1:17"), as Google identifies it; a
People row lists all of its person's responses in `source`, joined with SOURCE_SEP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheetsync.normalize import cell_text

SOURCE_SEP = "; "


@dataclass
class Response:
    """One valid form response."""

    form: str
    ref: str
    row: int
    values: dict[str, Any]

    @property
    def ts(self) -> Any:
        return self.values["timestamp"]


def split_refs(text: str, sep: str = SOURCE_SEP) -> list[str]:
    """The refs in a `source` cell: "Form Responses 1:3; Form Responses 1:9" -> two refs."""
    return [part for part in text.split(sep) if part]


def ref_key(ref: str) -> tuple[str, int]:
    """A ref as (tab, row), to sort refs by row; 0 for a row that is not a number."""
    tab, _, row = ref.rpartition(":")
    return tab, int(row) if row.isdigit() else 0


def answer_text(value: Any, sep: str = ", ") -> str:
    """An answer as a cell's text: a list joined with `sep`."""
    if isinstance(value, list):
        return sep.join(value)
    return cell_text(value)
