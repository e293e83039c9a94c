"""confirm: each request taken in is answered once (sheetsync/confirm/, docs/confirmations.md).

After intake and the follow-up, hourly and weekly: a request that came in lately and was
never confirmed is, in its requester's language: by email (sent after the write, through
the send log as the digests go: audience "confirmation", period the request's reference,
so it never goes twice), or by a row on the Call list for someone to phone. The Needs
tab's confirmed column says what was done, or why nothing was; an email that failed is
sent again by the next runs for a while (confirm/requests.py).
"""

from __future__ import annotations

import pandas as pd

from sheetsync.calls import Call, CallReason, add_calls, reach_notes, with_reach_notes
from sheetsync.confirm.content import call_script, confirmation_email, language_of
from sheetsync.confirm.requests import BEFORE, Decision, Rules, decide, requests_of
from sheetsync.digest.deliver import SETTLED, Digest, SendDigests, policy_of
from sheetsync.digest.render import render
from sheetsync.horizon import NEVER, at_least_now
from sheetsync.privacy import Policy
from sheetsync.report import Audience
from sheetsync.run_log import DIGEST_JOB
from sheetsync.steps import Effect, StepContext, StepResult
from sheetsync.steps.followup import with_journal

_PREFIX = f"{Audience.CONFIRMATION} "


def run(ctx: StepContext) -> StepResult:
    """Confirm the requests that came in lately; mark what was done on Needs."""
    config = ctx.config
    if not config.confirmations.enabled:
        return StepResult(until=NEVER)  # nothing is ever confirmed
    run_log = ctx.tables.get("run_log")
    sent = with_journal(run_log.frame if run_log is not None else None, config)
    rules = Rules(ctx.now, config.tz, config.confirmations.within, settled_references(sent))
    # Someone reached through a Phone log note gets a call, the note read as their phone.
    people = with_reach_notes(ctx.frames["people"], reach_notes(ctx.frames["needs"], ctx.forms))
    policy = policy_of({**ctx.frames, "people": people}, config)
    decisions = [
        decide(request, policy.person, rules) for request in requests_of(ctx.frames["needs"])
    ]
    turns = [d.turns_at for d in decisions if d.turns_at is not None]
    needs = _marked(ctx.frames["needs"], decisions)
    digests, calls = _confirmations(decisions, policy, ctx)
    added = add_calls(ctx.frames["call_list"], calls, people, ctx.schemas["call_list"], ctx.now)
    frames = {}
    if needs is not None:
        frames["needs"] = needs
    if added.added:
        frames["call_list"] = added.frame
    effects: list[Effect] = [SendDigests(tuple(digests), run_log)] if digests else []
    return StepResult(
        frames=frames,
        counts=_counts(decisions, added.added),
        effects=effects,
        # A request's `within` running out, an email's retries ending; now when a mark
        # or a Call list row is stamped with the run's clock (confirm/requests.py).
        until=at_least_now(min(turns, default=NEVER), ctx.now),
    )


def _counts(decisions: list[Decision], to_call: int) -> dict[str, int]:
    """The step's figures: what was emailed, sent again, put on the Call list, not sent."""
    return {
        "confirmations_emailed": sum(d.email and not d.retry for d in decisions),
        "confirmations_sent_again": sum(d.retry for d in decisions),
        "confirmations_to_call": to_call,
        "confirmations_not_sent": sum(
            d.mark not in ("", BEFORE, d.request.confirmed) and not (d.email or d.call)
            for d in decisions
        ),
        "before_confirmations": sum(
            d.mark == BEFORE and not d.request.confirmed for d in decisions
        ),
    }


def settled_references(sent: pd.DataFrame | None) -> frozenset[str]:
    """The requests whose confirmation the send log (or journal) says was sent, or may have
    been (unconfirmed: never sent again by itself)."""
    if sent is None or sent.empty:
        return frozenset()
    rows = sent[
        (sent["job"] == DIGEST_JOB)
        & sent["outcome"].isin([o.value for o in SETTLED])
        & sent["steps"].astype(str).str.startswith(_PREFIX)
    ]
    return frozenset(s.removeprefix(_PREFIX) for s in rows["steps"])


def _marked(needs: pd.DataFrame, decisions: list[Decision]) -> pd.DataFrame | None:
    """Needs with each decided request's mark on every one of its needs (None: no change)."""
    marks = {n: d.mark for d in decisions if d.mark for n in d.request.need_ids}
    if not marks:
        return None
    new = needs["need_id"].map(marks)
    changed = new.notna() & (new != needs["confirmed"])
    if not changed.any():
        return None
    frame = needs.copy()
    frame.loc[changed, "confirmed"] = new[changed]
    return frame


def _confirmations(
    decisions: list[Decision], policy: Policy, ctx: StepContext
) -> tuple[list[Digest], list[Call]]:
    """The emails to send (rendered) and the calls to add, in each requester's language."""
    config = ctx.config
    digests, calls = [], []
    for decision in decisions:
        if not (decision.email or decision.call):
            continue
        request = decision.request
        person = policy.person(request.person_id)
        data = confirmation_email(
            request, person, policy, config.network_name, config.privacy.organizer_phone
        )
        language = language_of(request)
        if decision.email:
            rendered = render(Audience.CONFIRMATION, data, language)
            digests.append(
                Digest(
                    Audience.CONFIRMATION,
                    person.email,
                    person.name,
                    rendered,
                    person.person_id,
                    request.reference,
                )
            )
        if decision.call:
            script = call_script(data, language)
            calls.append(
                Call(
                    CallReason.CONFIRMATION,
                    request.person_id,
                    script,
                    language,
                    need_id=request.reference,
                )
            )
    return digests, calls
