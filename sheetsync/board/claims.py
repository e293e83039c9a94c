"""The claims engine: each claim written on the board becomes an accepted task when the
volunteer may take the need under every hard rule of matching (match/eligibility.py: the
category offered, language, zone, availability, room this week counting proposals and
accepted tasks, not resting, not red, not do not contact, not the requester's own), and the
need is still open. Anything else is answered on the board in words that say nothing about
anyone's health or rest: every board reader sees them.

Two claims on one need make one task: the first in the sheet's order (row, then the order
within a cell) takes it, the others are answered "Already taken". A claim already turned
into a task (the board could not be written after the run's write) is recognised by its
task (its reasons start with BOARD_REASON, its volunteer is the claimer): it is answered
"Taken" again, never made a second task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sheetsync.board.codes import claim_tokens, code_tail, is_email, is_mark, mark, normal_code
from sheetsync.config import MatchingConfig
from sheetsync.form_languages import ENGLISH
from sheetsync.ids import Ids
from sheetsync.match.eligibility import Need, Volunteer, reasons, why
from sheetsync.match.network import Network
from sheetsync.match.reason_words import read_back
from sheetsync.normalize import format_datetime
from sheetsync.schema import TableSchema
from sheetsync.statuses import LIVE, NeedStatus, TaskStatus, task_status
from sheetsync.tables import empty_record
from sheetsync.translation import gettext_noop, translate

BOARD_REASON = "claimed on the volunteer board"
# The reasons a claim's task starts with, in the network's language (read back in any).
CLAIMED = gettext_noop("claimed on the volunteer board (%(board)s)")
_HELD = LIVE | {TaskStatus.DONE}  # a need with such a task is someone's


class Answer(StrEnum):
    """What the board says to one claim."""

    TAKEN = "taken"
    ALREADY_TAKEN = "already taken"
    NOT_TAKEN = "not taken"
    UNKNOWN = "unknown code"
    CLOSED = "no longer open"


# The board's status words: plain, and never why about a person (everyone reads them).
WORDS = {
    Answer.TAKEN: "Taken — thank you! It is on your tasks; an organizer will be in touch.",
    Answer.ALREADY_TAKEN: "Already taken.",
    Answer.NOT_TAKEN: (
        "Not taken: this need is outside what you offer, or you have no room this week "
        "— ask an organizer."
    ),
    Answer.UNKNOWN: "Unknown code: check the code in your weekly email, or ask an organizer.",
    Answer.CLOSED: "No longer open.",
}


@dataclass(frozen=True)
class Claim:
    """One code or email written in a board row's claim cell."""

    board_id: str
    row: int
    token: str


@dataclass(frozen=True)
class Answered:
    """A claim and its answer; `code` the claimer's volunteer code (None: nobody's)."""

    claim: Claim
    answer: Answer
    code: str | None = None
    task_id: str = ""


@dataclass(frozen=True)
class RowAnswer:
    """What one board row says after this run: its claim cell's mark and its status."""

    board_id: str
    claim: str  # the claim cell as read
    mark: str
    status: str
    fresh: bool = True  # answered this run (else a mark kept from an earlier run)


@dataclass(frozen=True)
class ClaimsFindings:
    """The claims step, for the board step: each answered row, by board id."""

    rows: tuple[RowAnswer, ...] = ()
    answered: tuple[Answered, ...] = ()


def board_id(need_id: str) -> str:
    """A need's id on the board: N0107 -> B0107 (stable; the need's id stays in the
    organizers' sheet)."""
    return f"B{need_id[1:]}" if need_id.startswith("N") else f"B-{need_id}"


def read_claims(rows: Iterable[dict[str, Any]]) -> list[Claim]:
    """The claims written on the board, in the sheet's order."""
    claims = []
    for row in sorted(rows, key=lambda r: int(r["_row"])):
        for token in claim_tokens(str(row["claim"])):
            claims.append(Claim(str(row["board_id"]).strip(), int(row["_row"]), token))
    return claims


@dataclass
class Claimers:
    """Who a code or email names: the kept (joined) person id of a volunteer."""

    by_code: dict[str, str] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)
    code_of: dict[str, str] = field(default_factory=dict)  # joined id -> their code

    @classmethod
    def of(cls, people: list[dict[str, Any]], net: Network) -> Claimers:
        found = cls()
        for person in people:
            pid = net.joined.get(person["person_id"], person["person_id"])
            code = str(person["volunteer_code"]).strip()
            if code and "volunteer" in person["roles"]:
                found.by_code[normal_code(code)] = pid
                found.code_of.setdefault(pid, code)
            email = str(person["email"]).strip().casefold()
            if email and "volunteer" in person["roles"]:
                found.by_email.setdefault(email, pid)
        return found

    def who(self, token: str) -> str | None:
        if is_email(token):
            return self.by_email.get(token.strip().casefold())
        return self.by_code.get(normal_code(token))


def take_claims(
    claims: list[Claim],
    *,
    needs: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    waiting: list[Need],
    volunteers: list[Volunteer],
    claimers: Claimers,
    config: MatchingConfig,
    schema: TableSchema,
    now: dt.datetime,
    language: str = ENGLISH,
) -> list[Answered]:
    """Answer each claim; a valid one appends an accepted task to `tasks` (its reasons in
    `language`, the network's) and marks its need matched in `needs` (both changed in
    place)."""
    open_now = {board_id(n.need_id): n for n in waiting}
    by_board = {board_id(str(n["need_id"])): n for n in needs if n["need_id"]}
    volunteer_of = {v.person_id: v for v in volunteers}
    ids = Ids("T", (str(t["task_id"]) for t in tasks))
    answers: list[Answered] = []
    for claim in claims:
        pid = claimers.who(claim.token)
        volunteer = volunteer_of.get(pid) if pid else None
        if pid is None or volunteer is None:
            answers.append(Answered(claim, Answer.UNKNOWN))
            continue
        code = claimers.code_of.get(pid)
        need = open_now.pop(claim.board_id, None)
        if need is None:
            row = by_board.get(claim.board_id)
            answers.append(Answered(claim, _not_open(row, pid, tasks), code))
            continue
        if volunteer.unavailable or reasons(need, volunteer, config) is None:
            open_now[claim.board_id] = need  # still open to someone who may take it
            answers.append(Answered(claim, Answer.NOT_TAKEN, code))
            continue
        task_id = ids()
        made = _task(schema, task_id, need, volunteer, claim, config, now, language)
        tasks.append(made)
        by_board[claim.board_id]["status"] = NeedStatus.MATCHED.value
        volunteer.capacity -= 1
        answers.append(Answered(claim, Answer.TAKEN, code, task_id))
    return answers


def _not_open(row: dict[str, Any] | None, pid: str, tasks: list[dict[str, Any]]) -> Answer:
    """A claim on a need that is not open: the claimer's own (a task made from their claim
    by an earlier run), taken by someone else, or no longer there."""
    if row is None:
        return Answer.CLOSED
    live = [
        t
        for t in tasks
        if t["need_id"] == row["need_id"] and task_status(str(t["status"])) in _HELD
    ]
    if any(t["volunteer_id"] == pid and _claimed(str(t["reasons"])) for t in live):
        return Answer.TAKEN
    if live or row["status"] == NeedStatus.MATCHED:
        return Answer.ALREADY_TAKEN
    return Answer.CLOSED


def _task(
    schema: TableSchema,
    task_id: str,
    need: Need,
    volunteer: Volunteer,
    claim: Claim,
    config: MatchingConfig,
    now: dt.datetime,
    language: str,
) -> dict[str, Any]:
    claimed = translate(language, CLAIMED, board=claim.board_id)
    words = [claimed, *why(need, volunteer, config, language)]
    return empty_record(
        schema,
        task_id=task_id,
        need_id=need.need_id,
        volunteer_id=volunteer.person_id,
        category=need.category,
        zone=need.zone,
        reasons="; ".join(words),
        proposed=format_datetime(now),
        status=TaskStatus.ACCEPTED.value,
    )


def _claimed(reasons: str) -> bool:
    """Whether a task's reasons start as a claim's task's do, in any language sheetsync
    writes (the network's may have changed since)."""
    return any(m.start() == 0 for m in read_back(CLAIMED, reasons, board=r"[^)]*"))


def row_answers(rows: Iterable[dict[str, Any]], answered: list[Answered]) -> list[RowAnswer]:
    """Each board row with a claim answered this run, or a mark and status from an earlier
    run kept while its need stays on the board."""
    by_row: dict[int, list[Answered]] = {}
    for a in answered:
        by_row.setdefault(a.claim.row, []).append(a)
    out = []
    for row in rows:
        cell, status = str(row["claim"]), str(row["status"])
        mine = by_row.get(int(row["_row"]))
        if mine:
            marks = ", ".join(mark(a.answer is Answer.TAKEN, a.code) for a in mine)
            out.append(RowAnswer(str(row["board_id"]).strip(), cell, marks, _status(mine)))
        elif cell.strip() and is_mark(cell):
            bid = str(row["board_id"]).strip()
            out.append(RowAnswer(bid, cell, cell.strip(), status, fresh=False))
    return out


def _status(answers: list[Answered]) -> str:
    """One row's status: the answer, or each claimer's by their code's tail."""
    if len(answers) == 1:
        return WORDS[answers[0].answer]
    return " ".join(f"{code_tail(a.code) if a.code else '?'}: {WORDS[a.answer]}" for a in answers)
