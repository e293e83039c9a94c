"""withdraw: proposals follow the present, between weekly runs too.

The hourly job runs it after intake and dedupe: a proposal sheetsync made that nobody
answered yet, whose volunteer checked in red, started a confirmed rest, was marked do not
contact or lowered their capacity, is withdrawn within the hour, as the match step does
first thing (match/withdraw.py). Its need is open again: the hourly urgent step proposes
it again if it is urgent; otherwise it waits for the weekly run's matching.
"""

from __future__ import annotations

from sheetsync.report import Issue
from sheetsync.statuses import update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.match import follow_the_present
from sheetsync.tables import frame_of, records_of


def run(ctx: StepContext) -> StepResult:
    """Withdraw what can no longer stand; bring the needs' status up to date."""
    people = records_of(ctx.frames["people"])
    tasks = records_of(ctx.frames["tasks"])
    # A status nobody understands is reported by the weekly match step, not every hour.
    ignored: list[Issue] = []
    net, _, found = follow_the_present(ctx, people, tasks, ignored)
    # What is withdrawn reads who rests and their room (and dates it): Network.room_until.
    if not found:
        return StepResult(counts={"withdrawn": 0}, until=net.room_until)
    needs = records_of(ctx.frames["needs"])  # read only when a status may change
    update_need_statuses(needs, tasks)
    return StepResult(
        frames={
            "needs": frame_of(needs, ctx.schemas["needs"]),
            "tasks": frame_of(tasks, ctx.schemas["tasks"]),
        },
        counts={"withdrawn": sum(not w.co_volunteer for w in found)},
        until=net.room_until,
    )
