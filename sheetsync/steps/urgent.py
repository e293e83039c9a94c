"""urgent: the hourly matching, for the needs that cannot wait for the weekly run.

The match step's engine (steps/match.py propose_for) among the open needs that either are
urgent ([followup] urgent: Today and This week by default) or had a proposal expire (the
expire step runs just before it: the need goes to the next best volunteer within the hour).
Everything else is as the weekly match: every hard constraint, each volunteer's room counted
across the week (proposals and this week's tasks hold it), proposed and accepted tasks never
moved, an experienced co-volunteer for someone new. Other needs wait for the weekly run.

It returns MatchFindings like match, with `scope` naming the needs it weighed, so that the
end of run check (steps/check.py) checks its proposals against the same needs. Its
`until` is propose_for's: the next moment when it proposes (each proposal is stamped), else
when a rest ends or a task starts or stops counting in someone's week (Network.room_until).
"""

from __future__ import annotations

from typing import Any

from sheetsync.match.eligibility import Need
from sheetsync.statuses import TaskStatus, task_status
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.match import propose_for
from sheetsync.tables import records_of


def run(ctx: StepContext) -> StepResult:
    """Propose volunteers for the open needs that are urgent or had a proposal expire."""
    expired = {
        t["need_id"]
        for t in records_of(ctx.frames["tasks"])
        if task_status(str(t["status"])) == TaskStatus.EXPIRED
    }
    followup = ctx.config.followup

    def now_or_next(need: Need, row: dict[str, Any]) -> bool:
        return followup.is_urgent(str(row["urgency"])) or need.need_id in expired

    return propose_for(ctx, only=now_or_next)
