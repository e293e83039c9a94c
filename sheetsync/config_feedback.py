"""[feedback] in sheetsync.toml: asking after help whether it came (docs/feedback.md).

[feedback]
enabled = true
# The Feedback form's prefilled link, {code} where the task's code goes (in Google
# Forms: ⋮ → Get pre-filled link, type CODE in the code question, copy the link and
# write {code} in place of CODE). Without it, the email gives the code alone.
form_url = "https://docs.google.com/forms/d/e/…/viewform?usp=pp_url&entry.123={code}"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sheetsync.config_sections import table_of
from sheetsync.errors import ConfigError

CODE_MARK = "{code}"
_KEYS = {"enabled", "form_url"}


@dataclass(frozen=True)
class FeedbackConfig:
    """Whether done tasks are asked about, and the link to the Feedback form."""

    enabled: bool = True
    form_url: str = ""

    def link(self, code: str) -> str:
        """The form's link for a task: prefilled with its code where {code} is."""
        return self.form_url.replace(CODE_MARK, code)


def read_feedback(data: Mapping[str, Any], where: str) -> FeedbackConfig:
    """[feedback], checked."""
    section = table_of(data, "feedback", _KEYS, where)
    enabled = section.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(
            f"[feedback] enabled in {where} is true (ask after help) or false, without quotes."
        )
    url = section.get("form_url", "")
    if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
        raise ConfigError(
            f"[feedback] form_url in {where} is the Feedback form's link, starting with "
            'https://, e.g. "https://docs.google.com/forms/d/e/…/viewform?usp=pp_url&entry.123={code}".'
        )
    return FeedbackConfig(enabled=enabled, form_url=url)
