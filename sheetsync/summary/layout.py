"""The Summary tab's layout: short sections, each a heading row and its figure rows, laid
out from the top on every run.

A row is keyed by its hidden `metric` cell. A figure at 0 is left out unless it is a goal
or a warning, so the rows move as figures come and go: each run writes the lines in order
onto the rows sheetsync wrote before (and the empty ones), and empties the rows it no
longer needs. A row someone typed (no metric, or a copy of sheetsync's row: the same
metric, other words) stays where it is, untouched; the lines go around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.schema import TableSchema
from sheetsync.tables import ROW, frame_of, records_of

HEADING_PREFIX = "section."  # the metric of a heading row: "section.attention"
# A heading row has its heading in `section` and nothing in `item`: formatting bolds it
# (sheetsync.formatting._summary_rules).


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
    records = records_of(read)
    mine = _rows_of_metrics(records, _texts(sections))
    ours: list[int] = []
    others: list[dict[str, Any]] = []
    for record in records:
        blank = all(str(record[n]).strip() == "" for n in names)
        if blank or mine.get(str(record["metric"])) == record[ROW]:
            ours.append(int(record[ROW]))
        else:
            others.append(record)  # typed or copied by someone: never written
    ours.sort()
    placed = [{**row, ROW: ours[i] if i < len(ours) else 0} for i, row in enumerate(wanted)]
    emptied = [{**dict.fromkeys(names, ""), ROW: r} for r in ours[len(wanted) :]]
    return frame_of([*others, *placed, *emptied], schema)


def _texts(sections: list[Section]) -> dict[str, tuple[str, str]]:
    """{metric: (section, item)} as sheetsync writes each row, shown this run or not."""
    texts = {HEADING_PREFIX + s.key: (s.heading, "") for s in sections}
    texts.update((line.key, ("", line.item)) for s in sections for line in s.lines)
    return texts


def _rows_of_metrics(
    records: list[dict[str, Any]], texts: dict[str, tuple[str, str]]
) -> dict[str, int]:
    """{metric: the row sheetsync wrote it on}. A metric on several rows: an organizer
    copied sheetsync's row. Sheetsync's is the first whose section and item say what
    sheetsync writes (a copy is told apart by its words, "People in the network on 1 Dec",
    wherever it is, above or below), else the first of them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        metric = str(record["metric"])
        if metric.strip():
            rows.setdefault(metric, []).append(record)
    found = {}
    for metric, held in rows.items():
        said = [r for r in held if (str(r["section"]), str(r["item"])) == texts.get(metric)]
        found[metric] = int((said or held)[0][ROW])
    return found
