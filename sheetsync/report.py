"""RunReport and Issue: what a run did and found, as data (rendered by the CLI, or --json)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # the row was not used; it is on the Errors tab
    WARNING = "warning"  # the row was used; something in it deserves a look


@dataclass(frozen=True)
class Issue:
    """One problem with one cell or row of a form response."""

    tab: str
    row: int
    field: str
    code: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def source(self) -> str:
        return f"{self.tab}:{self.row}"


@dataclass
class CellChange:
    """One cell a run changes (or would change, in a dry run)."""

    row: int
    column: str
    old: str
    new: str


@dataclass
class TabReport:
    """What a run adds to and changes in one tab."""

    tab: str
    created: bool = False
    rows_added: int = 0
    cells_changed: int = 0
    added: list[list[str]] = field(default_factory=list)  # the new rows, as text
    header: list[str] = field(default_factory=list)
    changed: list[CellChange] = field(default_factory=list)


@dataclass
class StepReport:
    """One step's figures and time."""

    name: str
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """One digest handed over, refused, or not sent again (already sent this period)."""

    audience: str  # organizers, volunteer, public
    to: str
    period: str  # the ISO week, e.g. 2026-W48
    outcome: str  # sent, failed, already sent; "would send" in a dry run
    detail: str = ""  # where it went, or why it was refused


@dataclass
class RunReport:
    """Everything one run of a job did and found."""

    job: str
    started: dt.datetime
    dry_run: bool = False
    finished: dt.datetime | None = None
    outcome: str = "running"
    message: str = ""
    run_id: str = ""
    steps: list[StepReport] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tabs: list[TabReport] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    attempts: int = 1
    deliveries: list[Delivery] = field(default_factory=list)  # a digest step's emails

    @property
    def rows_added(self) -> int:
        return sum(t.rows_added for t in self.tabs)

    @property
    def cells_changed(self) -> int:
        return sum(t.cells_changed for t in self.tabs)

    def step(self, name: str) -> StepReport | None:
        return next((s for s in self.steps if s.name == name), None)

    def tab(self, name: str) -> TabReport | None:
        return next((t for t in self.tabs if t.tab == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO strings)."""
        data = asdict(self)
        data["started"] = self.started.isoformat(timespec="seconds")
        data["finished"] = self.finished.isoformat(timespec="seconds") if self.finished else None
        data["rows_added"] = self.rows_added
        data["cells_changed"] = self.cells_changed
        return data
