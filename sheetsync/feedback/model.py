"""What the feedback step works with: the Feedback form's answers as intake passed them on,
the two people asked about a task, and the words the Tasks tab keeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import pandas as pd

from sheetsync.intake.responses import Response
from sheetsync.intake.validate import FEEDBACK_CODES
from sheetsync.translation import available_languages, gettext_noop, translate

FROM_SEP = "; "  # between the answers a task's feedback_from lists


class Role(StrEnum):
    """Who is asked about a task (the order they are asked and recorded in)."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"


# The form's answers (schemas/feedback_form.yaml) -> what they mean.
ROLE_ANSWERS = {"I asked for help": Role.REQUESTER, "I helped": Role.VOLUNTEER}

# The word the Tasks tab's feedback_asked and feedback_from note a role by, in the tabs'
# language. One word each in every language: a cell is read back by its first word. The
# msgid says what the word is: a bare "volunteer" would be every "volunteer" an email says
# to the catalog's checks (tests/test_docs.py). English writes the role's own value.
ROLE_WORDS = {
    Role.REQUESTER: gettext_noop("requester (the role, as the Tasks tab's feedback notes say it)"),
    Role.VOLUNTEER: gettext_noop("volunteer (the role, as the Tasks tab's feedback notes say it)"),
}


def role_word(role: Role, language: str) -> str:
    """A role as the Tasks tab notes it in a language: "requester", "solicitante"."""
    said = translate(language, ROLE_WORDS[role])
    return role.value if said == ROLE_WORDS[role] else said


def role_of_word(word: str) -> Role | None:
    """The role a noted word names, in any language sheetsync writes (the network's
    language may have changed since the cell was written), or None."""
    return _roles_by_word().get(word.strip().casefold())


@cache
def _roles_by_word() -> dict[str, Role]:
    return {
        role_word(role, language).casefold(): role
        for language in sorted(available_languages())
        for role in Role
    }


class Happened(StrEnum):
    """Whether the help came, as the form asks it (no score: the three plain answers)."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


@dataclass(frozen=True)
class FeedbackAnswers:
    """Intake's finding: the Feedback form's valid responses (never People's)."""

    responses: tuple[Response, ...] = ()


@dataclass(frozen=True)
class Answer:
    """One role's newest answer about one task."""

    task_id: str
    role: Role
    ref: str  # the response, "Form Responses 4:7"
    stamp: dt.datetime
    happened: Happened
    how: str
    follow_up: bool
    continues: str  # "yes", "no" or "" (not asked, or not answered)

    def key(self, language: str) -> str:
        """What the Tasks tab's feedback_from notes of it, in the tab's language: an edit
        gives a new key."""
        return f"{role_word(self.role, language)} {self.ref} {self._when}"

    @property
    def ident(self) -> tuple[Role, str, str]:
        """What tells it from another answer, in any language its key was written in."""
        return self.role, self.ref, self._when

    @property
    def _when(self) -> str:
        return f"{self.stamp:%Y-%m-%d %H:%M:%S}"


def noted_answers(cell: str) -> set[tuple[Role, str, str]]:
    """The answers a task's feedback_from cell lists (Answer.ident), whatever language
    each was noted in; a part not written by sheetsync is passed over."""
    found = set()
    for key in cell.split(FROM_SEP):
        word, _, rest = key.strip().partition(" ")
        role = role_of_word(word)
        ref, _, when = rest.rpartition(" ")
        ref, _, day = ref.rpartition(" ")
        if role is not None and ref:
            found.add((role, ref, f"{day} {when}"))
    return found


def answer_refs(cell: str) -> list[str]:
    """The responses a task's feedback_from cell lists ("Form Responses 4:7", ...)."""
    keys = [k for k in cell.split(FROM_SEP) if k.strip()]
    return [k.split(" ", 1)[1].rsplit(" ", 2)[0] for k in keys]


def feedback_codes(tasks: pd.DataFrame) -> dict[str, Sequence[str]]:
    """The validation list of the form's code question: every code on the Tasks tab."""
    codes = [str(c).strip() for c in tasks["feedback_code"].tolist() if str(c).strip()]
    return {FEEDBACK_CODES: codes}


def answers_by_task(
    responses: Sequence[Response], task_of_code: Mapping[str, str]
) -> dict[str, list[Answer]]:
    """Task id -> every answer naming it, oldest first: the newest of each role counts (a
    later answer from the same role replaces an earlier one; a Google form edit rewrites
    its row with a new timestamp)."""
    found: dict[str, list[Answer]] = {}
    for response in sorted(responses, key=lambda r: (r.ts, r.row)):
        answer = _answer(response.values, response.ref, task_of_code)
        if answer is not None:
            found.setdefault(answer.task_id, []).append(answer)
    return found


def _answer(values: Mapping[str, Any], ref: str, task_of_code: Mapping[str, str]) -> Answer | None:
    task_id = task_of_code.get(str(values["code"]).strip().casefold())
    role = ROLE_ANSWERS.get(str(values["role"]))
    if task_id is None or role is None:
        return None  # validated already: a code of a task since removed from the tab
    return Answer(
        task_id=task_id,
        role=role,
        ref=ref,
        stamp=values["timestamp"],
        happened=Happened(str(values["happened"]).casefold()),
        how=str(values.get("how") or "").strip(),
        follow_up=str(values.get("follow_up") or "").startswith("Yes"),
        continues=str(values.get("continue") or "").casefold(),
    )
