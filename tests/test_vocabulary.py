"""The closed sets of words sheetsync writes (StrEnums) agree with the schemas and the docs."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum
from pathlib import Path

import pytest

import sheetsync
from sheetsync.config import BackendKind
from sheetsync.load.rest import RestStatus
from sheetsync.report import DeliveryOutcome, IssueCode, RunOutcome
from sheetsync.schema import TableSchema
from sheetsync.statuses import ErrorStatus, NeedStatus, PairStatus, TaskStatus

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("tab", "column", "words"),
    [
        ("tasks", "status", set(TaskStatus)),
        ("needs", "status", set(NeedStatus)),
        ("errors", "status", set(ErrorStatus)),
        ("duplicates", "status", set(PairStatus)),
        ("load", "rest_status", set(RestStatus)),
        # A job's run ends ok or failed; a digest handed over is sent, or failed, or
        # unconfirmed (a run stopped mid-send over SMTP: docs/digest.md).
        (
            "run_log",
            "outcome",
            {
                RunOutcome.OK,
                RunOutcome.FAILED,
                DeliveryOutcome.SENT,
                DeliveryOutcome.FAILED,
                DeliveryOutcome.UNCONFIRMED,
            },
        ),
    ],
)
def test_each_status_column_allows_exactly_the_words_sheetsync_writes(
    schemas: dict[str, TableSchema], tab: str, column: str, words: set[StrEnum]
) -> None:
    assert schemas[tab].field(column).enum is not None
    # An empty cell is no status (RestStatus.NONE): the schema lists only the words.
    assert set(schemas[tab].field(column).enum or ()) == {str(w) for w in words if str(w)}


def every_strenum() -> list[type[StrEnum]]:
    """Every StrEnum defined in sheetsync/, so a new one is held to the same style."""
    found: dict[str, type[StrEnum]] = {}
    for info in pkgutil.walk_packages(sheetsync.__path__, "sheetsync."):
        if info.name.endswith("__main__"):
            continue
        for value in vars(importlib.import_module(info.name)).values():
            ours = isinstance(value, type) and value.__module__.startswith("sheetsync.")
            if ours and issubclass(value, StrEnum):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


# Never written on a tab: the demo's truth labels (for tests and benchmarks), and the call
# sheet's keys of `--json` counts (LeftOut, snake_case as every JSON key) and CSS page sizes
# (Paper: @page size A4 / Letter, as CSS spells them).
NOT_WRITTEN = {
    "sheetsync.demo.truth.PairKind",
    "sheetsync.demo.truth.Problem",
    "sheetsync.call_sheet.LeftOut",
    "sheetsync.call_sheet.Paper",
}
WORDS = re.compile(r"[a-z]+(-[a-z]+)*( [a-z]+(-[a-z]+)*)*")  # "red check-in", "to review"
CODE = re.compile(r"[a-z]+(-[a-z]+)*")  # "format-phone"


@pytest.mark.parametrize(
    "kind",
    [k for k in every_strenum() if f"{k.__module__}.{k.__qualname__}" not in NOT_WRITTEN],
    ids=lambda k: k.__qualname__,
)
def test_every_word_is_spelled_in_one_style(kind: type[StrEnum]) -> None:
    """Lower case: codes are words joined by hyphens, words people read are spaced. An empty
    value means no status (an empty cell)."""
    pattern = CODE if kind is IssueCode else WORDS
    assert [m.value for m in kind if m.value and not pattern.fullmatch(m.value)] == []


def test_the_closed_sets_are_found() -> None:
    names = {k.__qualname__ for k in every_strenum()}
    assert {"IssueCode", "TaskStatus", "BackendKind", "RunOutcome", "FlagCode"} <= names


def test_every_issue_code_is_documented() -> None:
    text = (DOCS / "schemas.md").read_text(encoding="utf-8")
    assert [code.value for code in IssueCode if f"`{code.value}`" not in text] == []


def test_every_backend_kind_is_accepted_by_the_config() -> None:
    from sheetsync.config import Config

    for kind in BackendKind:
        backend = {"kind": kind.value, "workbook": "w.xlsx", "spreadsheet": "KEY"}
        config = Config.from_dict({"network": {"zones": ["A"]}, "backend": backend})
        assert config.backend is kind
