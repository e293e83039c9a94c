"""What organizers read about the follow-up says what the code does: the config that
`sheetsync init` writes and docs/followup.md show [followup]'s real defaults, and the docs
link to it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from sheetsync.config import Config, render_config
from sheetsync.config_followup import FollowupConfig, read_followup

ROOT = Path(__file__).parent.parent
FOLLOWUP_DOC = (ROOT / "docs" / "followup.md").read_text(encoding="utf-8")


def section(text: str, name: str) -> str:
    """The lines of a TOML section, up to the next blank line after it."""
    found = re.search(rf"(?ms)^\[{name}\]\n(.*?)(?:\n\n|\Z)", text)
    assert found, f"no [{name}] section"
    return found.group(1)


def test_the_written_config_has_a_commented_followup_section_with_the_defaults(tmp_path):
    text = render_config(backend="local", workbook="network.xlsx")
    commented = section(text, "followup").splitlines()
    assert commented and all(line.startswith("# ") for line in commented)
    uncommented = "\n".join(line.removeprefix("# ") for line in commented)
    data = tomllib.loads(f"[followup]\n{uncommented}\n")
    assert set(data["followup"]) == {
        "urgent",
        "expire_after",
        "escalate_after",
        "escalate_days",
        "due_after",
        "remind_every_days",
    }
    assert read_followup(data, "template") == FollowupConfig()
    # As written (all commented out), the config loads with those defaults too.
    path = tmp_path / "sheetsync.toml"
    path.write_text(text)
    assert Config.from_file(path).followup == FollowupConfig()


def test_the_docs_show_the_defaults():
    [block] = re.findall(r"(?ms)^```toml\n(.*?)^```", FOLLOWUP_DOC)
    assert read_followup(tomllib.loads(block), "docs/followup.md") == FollowupConfig()


def test_the_schedule_and_sheet_docs_link_to_the_followup_doc():
    for doc in ("schedule.md", "sheet.md"):
        assert "(followup.md)" in (ROOT / "docs" / doc).read_text(encoding="utf-8"), doc
    assert "## Changes of the clocks" in (ROOT / "docs" / "schedule.md").read_text()
    assert "(schedule.md#changes-of-the-clocks)" in FOLLOWUP_DOC


def test_the_docs_name_every_followup_column():
    needs = ("days_open", "escalated", "escalated_at")
    tasks = ("status", "due_from_urgency", "follow_up", "overdue_flagged", "reminded")
    for column in (*needs, *tasks):
        assert f"| `{column}` |" in FOLLOWUP_DOC, column
