"""The Summary tab's layout: short sections, each a heading row and its figure rows, laid
out from the top on every run.

A row is keyed by its hidden `metric` cell. A figure at 0 is left out unless it is a goal
or a warning, so the rows move as figures come and go: each run writes the lines in order
onto the rows sheetsync wrote before (and the empty ones), and empties the rows it no
longer needs. A row someone typed (no metric, or a copy of a row whose metric comes
earlier) stays where it is, untouched; the lines go around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.schema import TableSchema
from sheetsync.tables import ROW, frame_of, records_of

HEADING_PREFIX = "section."  # the metric of a heading row: "section.attention"
# A heading row has its heading in `section` and nothing in `item`; in a new Summary tab
# they are columns A and B. For a ColourRule (backends.formats) that bolds heading rows.
HEADING_FORMULA = '=AND($A2<>"",$B2="")'


def heading_formula(section_col: int, item_col: int) -> str:
    """HEADING_FORMULA for a tab whose columns sit elsewhere (1-based columns, as the
    tab's header has them: tables locate columns by header)."""
    return f'=AND(${_letter(section_col)}2<>"",${_letter(item_col)}2="")'


def _letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    text = ""
    while col:
        col, rest = divmod(col - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


@dataclass(frozen=True)
class Line:
    """One row under a heading: a figure (value as the Summary writes it), or a sentence
    of advice (value "")."""

    key: str  # the metric
    item: str  # what it is, in plain words
    value: str = ""
    note: str = ""
    keep: bool = False  # a goal or a warning: shown at 0 too

    @property
    def shown(self) -> bool:
        return self.keep or self.value != "0"


@dataclass(frozen=True)
class Section:
    key: str  # "attention": the heading row's metric is "section.attention"
    heading: str
    lines: list[Line] = field(default_factory=list)

    def rows(self) -> list[dict[str, str]]:
        """The heading and the lines shown; nothing at all if no line is."""
        shown = [line for line in self.lines if line.shown]
        if not shown:
            return []
        head = {"section": self.heading, "item": "", "value": "", "note": ""}
        return [
            {**head, "metric": HEADING_PREFIX + self.key},
            *(
                {"section": "", "item": x.item, "value": x.value, "metric": x.key, "note": x.note}
                for x in shown
            ),
        ]


def lay_out(sections: list[Section], read: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """The Summary tab anew: the sections' rows in order on sheetsync's rows and the empty
    ones, new rows appended, the rows left over emptied, anyone else's rows as they are."""
    wanted = [row for s in sections for row in s.rows()]
    names = schema.names
    ours: list[int] = []
    others: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in records_of(read):
        metric = str(record["metric"])
        blank = all(str(record[n]).strip() == "" for n in names)
        if blank or (metric.strip() and metric not in seen):
            ours.append(int(record[ROW]))
            seen.add(metric)
        else:
            others.append(record)  # typed or copied by someone: never written
    ours.sort()
    placed = [{**row, ROW: ours[i] if i < len(ours) else 0} for i, row in enumerate(wanted)]
    emptied = [{**dict.fromkeys(names, ""), ROW: r} for r in ours[len(wanted) :]]
    return frame_of([*others, *placed, *emptied], schema)
