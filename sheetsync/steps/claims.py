"""claims: the volunteer board's claims become accepted tasks (sheetsync/board/claims.py).

Runs early, before expire and matching, when sheetsync.toml has a [board]: the job read the
board once before its steps (ctx.board). Every volunteer without a volunteer code gets one
on People (their weekly email tells it). Each claim is checked against the hard rules of
matching, with the week as it stands; a valid one is an accepted task and its need is
matched, so matching never proposes it again. The board step (last) writes the answers.

Its output changes by time alone (`until`) at the next midnight: the week as matching sees
it (follow_the_present) reads only today's date, and a claim's answer nothing finer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sheetsync.board.claims import (
    Answer,
    Claimers,
    ClaimsFindings,
    read_claims,
    row_answers,
    take_claims,
)
from sheetsync.board.codes import new_code
from sheetsync.horizon import NEVER, next_midnight
from sheetsync.match.network import waiting_needs
from sheetsync.report import Issue
from sheetsync.statuses import update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.match import follow_the_present
from sheetsync.tables import frame_of, records_of
from sheetsync.translation import tab_language


def run(ctx: StepContext) -> StepResult:
    """Give volunteers their codes; turn the board's valid claims into accepted tasks."""
    if ctx.config.board is None or ctx.board is None:
        return StepResult(until=NEVER)
    people = records_of(ctx.frames["people"])
    given = give_codes(people)
    frames = {"people": frame_of(people, ctx.schemas["people"])} if given else {}
    if ctx.board.table is None:
        return StepResult(
            frames=frames,
            counts={"codes_given": given},
            notices=[f"{ctx.board.problem}: its claims wait for the next run."],
            # New codes are drawn at random: another run would draw others.
            until=ctx.now if given else NEVER,
        )
    needs = records_of(ctx.frames["needs"])
    tasks = records_of(ctx.frames["tasks"])
    ignored: list[Issue] = []  # a task status nobody understands: the match step reports it
    net, volunteers, _ = follow_the_present(ctx, people, tasks, ignored)
    update_need_statuses(needs, tasks)
    board_rows = records_of(ctx.board.table.frame)
    answered = take_claims(
        read_claims(board_rows),
        needs=needs,
        tasks=tasks,
        waiting=waiting_needs(needs, net, ctx.now).needs,
        volunteers=volunteers,
        claimers=Claimers.of(people, net),
        config=ctx.config.matching,
        schema=ctx.schemas["tasks"],
        now=ctx.now,
        language=tab_language(ctx.config),
    )
    frames["needs"] = frame_of(needs, ctx.schemas["needs"])
    frames["tasks"] = frame_of(tasks, ctx.schemas["tasks"])
    made = any(a.answer is Answer.TAKEN and bool(a.task_id) for a in answered)
    return StepResult(
        frames=frames,
        counts={
            "codes_given": given,
            "claims": len(answered),
            "claims_taken": sum(a.answer is Answer.TAKEN and bool(a.task_id) for a in answered),
            "claims_refused": sum(a.answer is not Answer.TAKEN for a in answered),
        },
        findings=ClaimsFindings(tuple(row_answers(board_rows, answered)), tuple(answered)),
        until=_until(ctx.now, changed=bool(given) or made),
    )


def _until(now: dt.datetime, *, changed: bool) -> dt.datetime:
    """When the step's output on the same sheet and board next changes by time alone. A
    run that gives codes (drawn at random) or makes a task (stamped `now`, to the second)
    would write otherwise at any moment. Otherwise the next midnight: follow_the_present
    reads only today's date (each volunteer's room this week, their rest on the Load tab,
    the date a withdrawn proposal's note gives), and take_claims no more than the needs
    waiting (which ones wait does not depend on the clock; their days waiting are not
    read) and the volunteers."""
    return now if changed else next_midnight(now)


def give_codes(people: list[dict[str, Any]]) -> int:
    """A volunteer code for every volunteer's row without one (kept once written)."""
    taken = [str(p["volunteer_code"]) for p in people if p["volunteer_code"]]
    given = 0
    for person in people:
        if "volunteer" in person["roles"] and not str(person["volunteer_code"]).strip():
            person["volunteer_code"] = new_code(taken)
            taken.append(person["volunteer_code"])
            given += 1
    return given
