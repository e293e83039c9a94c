"""The Feedback form's answers, on their tasks (docs/feedback.md).

Each task keeps the newest answer of each role: `feedback` says them in plain words,
`help_came` the requester's "did the help happen" (no: the need is open again, by
statuses.update_need_statuses, while the task stays done), `volunteer_continues` the
volunteer's "will you keep helping", and `feedback_from` every answer naming the task
(role, response, timestamp; those replaced too), so that an answer acts once (a follow-up
call asked for, counted) and an edited one again, and every response is accounted for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.feedback.model import FROM_SEP, Answer, Happened, Role, noted_answers
from sheetsync.form_languages import ENGLISH
from sheetsync.translation import gettext_noop, translate

# What the feedback column says of an answer, by who answered and what they said. Written
# again whole in the tab's language each time it changes: never read back.
_SAID = {
    (Role.REQUESTER, Happened.YES): gettext_noop("Requester (%(day)s): the help happened."),
    (Role.REQUESTER, Happened.PARTLY): gettext_noop("Requester (%(day)s): partly."),
    (Role.REQUESTER, Happened.NO): gettext_noop("Requester (%(day)s): it did not."),
    (Role.VOLUNTEER, Happened.YES): gettext_noop("Volunteer (%(day)s): the help happened."),
    (Role.VOLUNTEER, Happened.PARTLY): gettext_noop("Volunteer (%(day)s): partly."),
    (Role.VOLUNTEER, Happened.NO): gettext_noop("Volunteer (%(day)s): it did not."),
}
_CONTINUES = {
    "yes": gettext_noop("Will keep helping."),
    "no": gettext_noop("Will not continue."),
}
_FOLLOW_UP = gettext_noop("Asked to be contacted.")


@dataclass
class Taken:
    """What the answers did this run."""

    new: list[Answer] = field(default_factory=list)  # answers (or edits) first taken in now
    changed: bool = False

    def count(self, role: Role | None = None, happened: Happened | None = None) -> int:
        return sum(
            (role is None or a.role is role) and (happened is None or a.happened is happened)
            for a in self.new
        )

    @property
    def follow_ups(self) -> list[Answer]:
        return [a for a in self.new if a.follow_up]


def take_answers(
    tasks: list[dict[str, Any]], answers: Mapping[str, list[Answer]], language: str = ENGLISH
) -> Taken:
    """Write each task's newest answers on it (in place), in the tab's language; say which
    are new. Every answer naming the task is listed in feedback_from, those replaced too: no
    response is lost. An answer noted in another language is not new (it acted once)."""
    taken = Taken()
    for task in tasks:
        every = answers.get(str(task["task_id"]), [])
        if not every:
            continue
        newest = {a.role: a for a in every}  # oldest first: the newest of each role stays
        seen = noted_answers(str(task["feedback_from"]))
        taken.new += [a for a in newest.values() if a.ident not in seen]
        cells = _cells(task, every, newest, language)
        if any(str(task[k]) != v for k, v in cells.items()):
            task.update(cells)
            taken.changed = True
    return taken


def _cells(
    task: Mapping[str, Any], every: list[Answer], newest: Mapping[Role, Answer], language: str
) -> dict[str, str]:
    """What a task's feedback columns say of its answers."""
    requester, volunteer = newest.get(Role.REQUESTER), newest.get(Role.VOLUNTEER)
    continues = volunteer.continues if volunteer else ""
    return {
        "feedback": " ".join(_words(newest[r], language) for r in Role if r in newest),
        "feedback_from": FROM_SEP.join(a.key(language) for a in every),
        "help_came": requester.happened.value if requester else str(task["help_came"]),
        "volunteer_continues": continues or str(task["volunteer_continues"]),
    }


def _words(answer: Answer, language: str) -> str:
    """One answer in plain words: "Requester (2026-11-30): partly. “…” Asked to be
    contacted."; the date stays ISO, as feedback_from's."""
    said = _SAID[answer.role, answer.happened]
    parts = [translate(language, said, day=answer.stamp.strftime("%Y-%m-%d"))]
    if answer.how:
        parts.append(f"“{answer.how}”")
    if answer.role is Role.VOLUNTEER and answer.continues:
        parts.append(translate(language, _CONTINUES["yes" if answer.continues == "yes" else "no"]))
    if answer.follow_up:
        parts.append(translate(language, _FOLLOW_UP))
    return " ".join(parts)
