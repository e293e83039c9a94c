"""board: the volunteer board rewritten with the open needs, once the run's write is done.

The last step of a job, when sheetsync.toml has a [board]: its rows come from the run's
final frames (sheetsync/board/rows.py), with this run's answers to claims (steps/claims.py).
It returns an Effect: the board is written after the organizers' spreadsheet, in one write,
so a run that fails writes no board; a board that cannot be written is written by the next
run, whose claims step answers the same claims again without making a task twice.
Its output changes by time alone when a row's days waiting grow (BoardRows.until).
"""

from __future__ import annotations

from sheetsync.board.claims import ClaimsFindings
from sheetsync.board.rows import WriteBoard, board_rows
from sheetsync.horizon import NEVER, next_midnight
from sheetsync.match.network import waiting_needs
from sheetsync.privacy import Policy
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.match import follow_the_present
from sheetsync.tables import records_of


def run(ctx: StepContext) -> StepResult:
    """The board's rows now; the Effect that writes them after the run's write."""
    board = ctx.config.board
    if board is None or ctx.board is None:
        return StepResult(until=NEVER)
    if ctx.board.table is None:
        return StepResult(
            notices=[f"{ctx.board.problem}: it was not written this run."], until=NEVER
        )
    people = records_of(ctx.frames["people"])
    needs = records_of(ctx.frames["needs"])
    found = ctx.findings.get(ClaimsFindings) or ClaimsFindings()
    policy = Policy(people, ctx.config.privacy.sensitive_categories, needs)
    tasks = records_of(ctx.frames["tasks"])
    # The week as matching sees it: proposals withdrawn from volunteers who rest or are
    # full today, which changes which needs wait (so the next midnight is a horizon too).
    net, _, _ = follow_the_present(ctx, people, tasks, [])
    waiting = {n.need_id for n in waiting_needs(needs, net, ctx.now).needs}
    shown = board_rows(
        needs, waiting, found.rows, policy, show_initials=board.show_initials, now=ctx.now
    )
    notices = []
    if not ctx.board.table.exists:
        notices.append(
            f"Created the volunteer board's {ctx.board.table.tab!r} tab: share the board "
            "(never the organizers' spreadsheet) with your volunteers (docs/board.md)."
        )
    return StepResult(
        counts={"board_needs": len(shown.rows)},
        notices=notices,
        effects=[WriteBoard(ctx.board.table, shown.rows)],
        # The rows' days waiting, and the day follow_the_present reads.
        until=min(shown.until, next_midnight(ctx.now)),
    )
