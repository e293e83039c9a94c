"""feedback: after help, ask whether it came, and take the answers in (sheetsync/feedback/).

Hourly and weekly, after intake: every accepted or done task gets its feedback code once;
each done task's requester and volunteer are asked once each (an email with the Feedback
form's link, sent after the write through the send log as the digests go; else a Call
list row); the Feedback form's answers intake validated land on their task. A requester's
"it did not happen" opens the need again (the task stays done); an answer asking to be
contacted puts the person on the Call list (reason follow-up) for organizers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sheetsync.calls import Call, CallReason, add_calls, reach_notes, with_reach_notes
from sheetsync.digest.deliver import Digest, SendDigests, policy_of
from sheetsync.digest.render import language_for, render
from sheetsync.feedback.answers import Taken, take_answers
from sheetsync.feedback.asks import ASKED_SEP, Ask, Way, asks_due
from sheetsync.feedback.codes import network_key, new_code
from sheetsync.feedback.content import call_script, feedback_ask, follow_up_script
from sheetsync.feedback.model import FeedbackAnswers, Happened, Role, answers_by_task
from sheetsync.followup.reach import Reach
from sheetsync.horizon import NEVER
from sheetsync.privacy import Policy
from sheetsync.report import Audience
from sheetsync.statuses import WORK, task_status, update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import frame_of, records_of
from sheetsync.translation import tab_language

_ONCE = ("", "once")  # a need's recurrence that is not a regular need


def run(ctx: StepContext) -> StepResult:
    """Codes, asks and answers; the Call list rows and the emails they need."""
    config = ctx.config
    if not config.feedback.enabled:
        return StepResult(until=NEVER)  # nobody is ever asked
    tasks = records_of(ctx.frames["tasks"])
    needs = records_of(ctx.frames["needs"])
    coded = _give_codes(tasks, ctx)
    taken = _take(tasks, ctx)
    before = [n["status"] for n in needs]
    update_need_statuses(needs, tasks)
    reopened = sum(b != n["status"] == "open" for b, n in zip(before, needs, strict=True))

    # Someone reached through a Phone log note gets a call, the note read as their phone.
    people = with_reach_notes(ctx.frames["people"], reach_notes(ctx.frames["needs"], ctx.forms))
    policy = policy_of({**ctx.frames, "people": people}, config)
    by_need = {str(n["need_id"]): n for n in needs}
    asks = asks_due(tasks, by_need, policy, Reach.of(people), ctx.now)
    _mark_asked(tasks, asks, ctx)
    digests, calls = _asks(asks, tasks, by_need, policy, ctx)
    calls += _follow_ups(taken, tasks, by_need, ctx)
    added = add_calls(ctx.frames["call_list"], calls, people, ctx.schemas["call_list"], ctx.now)
    frames: dict[str, pd.DataFrame] = {}  # only the tabs that changed are built again
    if coded or taken.changed or asks:
        frames["tasks"] = frame_of(tasks, ctx.schemas["tasks"])
    if before != [n["status"] for n in needs]:
        frames["needs"] = frame_of(needs, ctx.schemas["needs"])
    if added.added:
        frames["call_list"] = added.frame
    run_log = ctx.tables.get("run_log")
    return StepResult(
        frames=frames,
        counts={
            "feedback_codes": coded,
            "feedback_emailed": len(digests),
            "feedback_to_call": sum(a.way is Way.CALL for a in asks),
            "feedback_not_asked": sum(a.way not in (Way.EMAIL, Way.CALL) for a in asks),
            "feedback_answers_new": len(taken.new),
            "feedback_met": taken.count(Role.REQUESTER, Happened.YES),
            "feedback_partly": taken.count(Role.REQUESTER, Happened.PARTLY),
            "feedback_not_met": taken.count(Role.REQUESTER, Happened.NO),
            "needs_reopened": reopened,
            "feedback_follow_up": len(taken.follow_ups),
            "calls_added": added.added,
        },
        notices=[FOLLOW_UP_NOTICE.format(n=len(taken.follow_ups))] if taken.follow_ups else [],
        effects=[SendDigests(tuple(digests), run_log)] if digests else [],
        until=_until(asks, added.added, ctx),
    )


def _until(asks: list[Ask], calls_added: int, ctx: StepContext) -> dt.datetime:
    """When the same tabs would come out otherwise by time alone (sheetsync/horizon.py).

    An ask, and a Call list row, is stamped with the run's clock: now, when there is one.
    Else never: the only clock the asks read is ASK_WITHIN (a done task proposed longer
    ago is not asked), and time only ever takes tasks out of it; codes and answers do not
    read the clock at all."""
    return ctx.now if asks or calls_added else NEVER


FOLLOW_UP_NOTICE = (
    "{n} Feedback form answer(s) ask an organizer to get in touch: see the Call list "
    "(reason follow-up) and the Tasks tab's feedback column."
)


def _take(tasks: list[dict[str, Any]], ctx: StepContext) -> Taken:
    """The Feedback form's answers intake passed on, written on their tasks."""
    found = ctx.findings.get(FeedbackAnswers) or FeedbackAnswers()
    code_of = {
        str(t["feedback_code"]).casefold(): t["task_id"] for t in tasks if t["feedback_code"]
    }
    return take_answers(tasks, answers_by_task(found.responses, code_of), tab_language(ctx.config))


def _follow_ups(
    taken: Taken, tasks: list[dict[str, Any]], needs: dict[str, dict[str, Any]], ctx: StepContext
) -> list[Call]:
    """A Call list row for each new answer asking an organizer to get in touch."""
    by_task = {str(t["task_id"]): t for t in tasks}
    calls = []
    for answer in taken.follow_ups:
        task = by_task[answer.task_id]
        language = _language(answer.role, task, needs, ctx)
        script = follow_up_script(answer.role, answer.task_id, language, ctx.config.network_name)
        calls.append(
            Call(
                CallReason.FOLLOW_UP,
                _person_of(answer.role, task, needs),
                script,
                language,
                need_id=str(task["need_id"]),
                task_id=answer.task_id,
            )
        )
    return calls


def _give_codes(tasks: list[dict[str, Any]], ctx: StepContext) -> int:
    """A code for each accepted or done task without one; how many were given."""
    # A row typed by hand without a task_id cannot be told apart from another: no code.
    waiting = [
        t
        for t in tasks
        if t["task_id"] and not t["feedback_code"] and task_status(str(t["status"])) in WORK
    ]
    if not waiting:
        return 0
    key = network_key(ctx.config.state_dir)
    taken = {str(t["feedback_code"]).casefold() for t in tasks if t["feedback_code"]}
    for task in waiting:
        task["feedback_code"] = new_code(key, str(task["task_id"]), taken)
        taken.add(task["feedback_code"].casefold())
    return len(waiting)


def _mark_asked(tasks: list[dict[str, Any]], asks: list[Ask], ctx: StepContext) -> None:
    """Note each ask on its task: it is never made again."""
    by_task = {str(t["task_id"]): t for t in tasks}
    language = tab_language(ctx.config)
    for ask in asks:
        task = by_task[ask.task_id]
        marks = [m for m in str(task["feedback_asked"]).split(ASKED_SEP) if m]
        task["feedback_asked"] = ASKED_SEP.join([*marks, ask.mark(ctx.now, language)])


def _person_of(role: Role, task: dict[str, Any], needs: dict[str, dict[str, Any]]) -> str:
    if role is Role.VOLUNTEER:
        return str(task["volunteer_id"])
    return str(needs.get(str(task["need_id"]), {}).get("person_id", ""))


def _language(
    role: Role, task: dict[str, Any], needs: dict[str, dict[str, Any]], ctx: StepContext
) -> str:
    """The person's language: the request's languages for a requester, People's for a
    volunteer (the first sheetsync speaks, else English)."""
    if role is Role.REQUESTER:
        return language_for(str(needs.get(str(task["need_id"]), {}).get("languages", "")))
    people = ctx.frames["people"]
    row = people[people["person_id"] == str(task["volunteer_id"])]
    return language_for(str(row["languages"].iloc[0]) if len(row) else "")


def _asks(
    asks: list[Ask],
    tasks: list[dict[str, Any]],
    needs: dict[str, dict[str, Any]],
    policy: Policy,
    ctx: StepContext,
) -> tuple[list[Digest], list[Call]]:
    """The emails (rendered) and the calls the asks need, in each person's language."""
    config = ctx.config
    by_task = {str(t["task_id"]): t for t in tasks}
    digests, calls = [], []
    for ask in asks:
        if ask.way not in (Way.EMAIL, Way.CALL):
            continue
        task = by_task[ask.task_id]
        need = needs.get(str(task["need_id"]), {})
        person = policy.person(ask.person_id)
        data = feedback_ask(
            network=config.network_name,
            name=person.name,
            role=ask.role,
            category=str(task["category"]),
            sensitive=policy.is_sensitive(str(task["category"])),
            task_id=ask.task_id,
            code=str(task["feedback_code"]),
            link=config.feedback.link(str(task["feedback_code"])),
            organizer_phone=config.privacy.organizer_phone,
            recurring=str(need.get("recurrence", "")).strip().casefold() not in _ONCE,
        )
        language = _language(ask.role, task, needs, ctx)
        if ask.way is Way.EMAIL:
            digests.append(
                Digest(
                    Audience.FEEDBACK,
                    ask.email,
                    person.name,
                    render(Audience.FEEDBACK, data, language),
                    person.person_id,
                    f"{ask.task_id}-{ask.role}",
                )
            )
        else:
            calls.append(
                Call(
                    CallReason.FEEDBACK,
                    ask.person_id,
                    call_script(data, language),
                    language,
                    need_id=str(task["need_id"]),
                    task_id=ask.task_id,
                )
            )
    return digests, calls
