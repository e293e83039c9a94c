"""The Summary's "Feedback after help" section: what requesters answered on the Feedback
form (the Tasks tab's help_came), and who waits for an organizer's call (docs/feedback.md).
No figure is about a person: the answers are counted, never scored."""

from __future__ import annotations

import pandas as pd

from sheetsync.calls import CallReason
from sheetsync.summary.layout import Line, Section
from sheetsync.summary.outcomes import format_number


def feedback_section(frames: dict[str, pd.DataFrame]) -> Section:
    """Needs met, partly met, not met (opened again), and follow-up calls waiting."""
    tasks = frames["tasks"]
    came = tasks["help_came"].str.strip()
    calls = frames["call_list"]
    waiting = (calls["reason"] == CallReason.FOLLOW_UP.value) & (calls["called"].str.strip() == "")
    asked = tasks["feedback_asked"].str.contains(
        "requester (?:emailed|on the Call list)", regex=True
    )
    unanswered = asked & (came == "")
    return Section(
        "feedback",
        "Feedback after help",
        [
            Line(
                "feedback.met",
                "Needs met, the requester said (Tasks tab, feedback)",
                _n(came == "yes"),
            ),
            Line("feedback.partly", "Needs partly met, the requester said", _n(came == "partly")),
            Line(
                "feedback.not_met",
                "Needs not met, the requester said: open again (Needs tab)",
                _n(came == "no"),
            ),
            Line(
                "feedback.follow_up",
                "Asked for an organizer to contact them: not called yet (Call list, follow-up)",
                _n(waiting),
            ),
            Line(
                "feedback.waiting",
                "Requesters asked after help who have not answered yet",
                _n(unanswered),
            ),
        ],
    )


def _n(mask: pd.Series) -> str:
    return format_number(int(mask.sum()))
