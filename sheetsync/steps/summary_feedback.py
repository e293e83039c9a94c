"""The Summary's "Feedback after help" section: what requesters answered on the Feedback
form (the Tasks tab's help_came), and who waits for an organizer's call (docs/feedback.md).
No figure is about a person: the answers are counted, never scored."""

from __future__ import annotations

import functools

import pandas as pd

from sheetsync.calls import CallReason
from sheetsync.summary.layout import Line, Section
from sheetsync.summary.outcomes import format_number, said_number
from sheetsync.translation import translate


def feedback_section(frames: dict[str, pd.DataFrame], language: str = "en") -> Section:
    """Needs met and not met (open again), as requesters said, and follow-up calls waiting."""
    came = frames["tasks"]["help_came"].str.strip()
    calls = frames["call_list"]
    waiting = (calls["reason"] == CallReason.FOLLOW_UP.value) & (calls["called"].str.strip() == "")
    partly = int((came == "partly").sum())
    t = functools.partial(translate, language)
    return Section(
        "feedback",
        t("Feedback after help"),
        [
            Line(
                "feedback.met",
                t("Needs met, the requester said (Tasks tab, feedback column)"),
                _n(came == "yes"),
                t("Partly met, they said: %(n)s.", n=said_number(partly, language))
                if partly
                else "",
                keep=bool(partly),  # shown at 0 too, for its note
            ),
            Line(
                "feedback.not_met",
                t("Needs not met, the requester said: open again (Needs tab)"),
                _n(came == "no"),
            ),
            Line(
                "feedback.follow_up",
                t("Asked for an organizer to contact them, not called yet (Call list, follow-up)"),
                _n(waiting),
            ),
        ],
    )


def _n(mask: pd.Series) -> str:
    return format_number(int(mask.sum()))
