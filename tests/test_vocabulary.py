"""The closed sets of words sheetsync writes (StrEnums) agree with the schemas and the docs."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

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
        # A job's run ends ok or failed; a digest handed over is sent, or failed.
        (
            "run_log",
            "outcome",
            {RunOutcome.OK, RunOutcome.FAILED, DeliveryOutcome.SENT, DeliveryOutcome.FAILED},
        ),
    ],
)
def test_each_status_column_allows_exactly_the_words_sheetsync_writes(
    schemas: dict[str, TableSchema], tab: str, column: str, words: set[StrEnum]
) -> None:
    assert schemas[tab].field(column).enum is not None
    # An empty cell is no status (RestStatus.NONE): the schema lists only the words.
    assert set(schemas[tab].field(column).enum or ()) == {str(w) for w in words if str(w)}


@pytest.mark.parametrize(
    "kind", [IssueCode, RunOutcome, DeliveryOutcome, TaskStatus, NeedStatus, BackendKind]
)
def test_every_word_is_spelled_in_one_style(kind: type[StrEnum]) -> None:
    """Lower case, words joined by hyphens (codes) or spaces (words people read)."""
    separator = "-" if kind is IssueCode else " "
    pattern = re.compile(rf"[a-z]+({re.escape(separator)}[a-z]+)*")
    assert [m.value for m in kind if not pattern.fullmatch(m.value)] == []


def test_every_issue_code_is_documented() -> None:
    text = (DOCS / "schemas.md").read_text(encoding="utf-8")
    assert [code.value for code in IssueCode if f"`{code.value}`" not in text] == []


def test_every_backend_kind_is_accepted_by_the_config() -> None:
    from sheetsync.config import Config

    for kind in BackendKind:
        backend = {"kind": kind.value, "workbook": "w.xlsx", "spreadsheet": "KEY"}
        config = Config.from_dict({"network": {"zones": ["A"]}, "backend": backend})
        assert config.backend is kind
