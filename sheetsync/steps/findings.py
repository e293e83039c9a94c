"""What a step finds that later steps of the same run read: one small dataclass per step
that has something to pass on. The run report keeps them (`report.findings`)."""

from __future__ import annotations

from dataclasses import dataclass

from sheetsync.followup.model import FollowupFindings as FollowupFindings
from sheetsync.match.unserved import Unserved
from sheetsync.summary.outcomes import Outcomes


@dataclass(frozen=True)
class MatchFindings:
    """The match step: the open needs it could not serve this run, for the Summary's
    "whom to recruit" and "volunteers were full" rows."""

    unserved: tuple[Unserved, ...]
    # For the end of run check (steps/check.py): the tasks proposed this run, and the
    # (need id, volunteer id) pairs whose proposal was withdrawn this run.
    proposed: tuple[str, ...] = ()
    withdrawn: tuple[tuple[str, str], ...] = ()
    # The need ids the run weighed when it served only some of the waiting needs (the
    # hourly urgent step: urgent or expired ones); None when it weighed them all. The
    # check's not-maximal bound is taken over the same needs.
    scope: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SummaryFindings:
    """The summary step: the period outcomes it worked out, which the digest reuses."""

    outcomes: Outcomes
