"""expire: stale proposals move on (match/expire.py).

Hourly and weekly, after withdraw and before the matching: a proposal sheetsync made that
nobody accepted within [followup] expire_after for its need's urgency becomes `expired`
(written only over a status cell that still says proposed: tasks.yaml sheetsync_writes),
its need is open again, and the urgent step (hourly) or match (weekly) proposes it to the
next best volunteer, never to this one again.
"""

from __future__ import annotations

from sheetsync.horizon import next_midnight
from sheetsync.match.expire import apply_expiries, expiring, next_expiry
from sheetsync.statuses import update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import frame_of, records_of
from sheetsync.translation import tab_language


def run(ctx: StepContext) -> StepResult:
    """Expire the proposals that waited too long; bring the needs' status up to date."""
    needs = records_of(ctx.frames["needs"])
    tasks = records_of(ctx.frames["tasks"])
    followup, tz = ctx.config.followup, ctx.config.tz
    found = expiring(tasks, needs, followup, ctx.now, tz)
    # The next proposal to reach its limit; and with some expired now, their reasons say
    # today's date, another one from midnight.
    until = next_expiry(tasks, needs, followup, ctx.now, tz)
    if not found:
        return StepResult(counts={"expired": 0}, until=until)
    apply_expiries(tasks, found, ctx.now.date(), tab_language(ctx.config))
    update_need_statuses(needs, tasks)
    return StepResult(
        frames={
            "needs": frame_of(needs, ctx.schemas["needs"]),
            "tasks": frame_of(tasks, ctx.schemas["tasks"]),
        },
        counts={"expired": len(found)},
        until=min(until, next_midnight(ctx.now)),
    )
