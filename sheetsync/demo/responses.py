"""Deterministic, realistic responses to the three forms, for the demo, tests and benchmarks.

`generate(size, now=..., zones=...)` returns the responses of each form (dicts keyed by the
schema's field names, as Google Forms writes the cells) and the ground truth behind them:
who each row really is, which rows are deliberately invalid, which are duplicates of one
person, which are different people that look alike. Everyone is fictional: phones are in the
555 exchange, emails on example.org/.com/.net.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sheetsync.demo.build import Build
from sheetsync.demo.forms import make_checkins, make_offers, make_requests
from sheetsync.demo.mess import (
    add_formulas,
    add_invalid,
    add_name_variants,
    add_privacy_cases,
    add_resubmissions,
    count_resubmissions,
)
from sheetsync.demo.people import MAX_PEOPLE, add_contact_details, make_people, pair_lookalikes
from sheetsync.demo.recurring import add_recurrence
from sheetsync.demo.sizes import NetworkSize
from sheetsync.demo.truth import (
    FORMS,
    GeneratedNetwork,
    Invalid,
    Pair,
    PairKind,
    RowRef,
    Truth,
    Value,
)


def generate(
    size: NetworkSize, *, now: datetime, zones: Sequence[str], seed: int = 7, mess: bool = True
) -> GeneratedNetwork:
    """The responses of a network of `size` in the 8 weeks before `now`, and their truth.

    `now` is network local time (an aware datetime's wall clock is used). With `mess`, rows
    hold what real forms collect: mixed phone formats and name case, resubmissions, households,
    empty optional answers, three kinds of invalid rows and formula-like text. Without it,
    every row is valid, fully answered and tidily written.
    """
    _check(size, zones)
    build = Build(size, now, zones, random.Random(seed), mess)
    # The order of the draws: changing it changes every row (tests/golden/demo/ too).
    make_people(build)
    add_contact_details(build)
    n_same, n_phone = count_resubmissions(build)
    make_requests(build, size.requests - n_same - n_phone - len(build.nicknamed))
    add_resubmissions(build, n_same, n_phone)
    make_offers(build)
    pair_lookalikes(build)
    make_checkins(build)
    add_invalid(build)
    add_formulas(build)
    add_privacy_cases(build)
    add_name_variants(build)
    network = _in_time_order(build)
    add_recurrence(network, now, mess=mess)  # chosen after the draws: no row drawn changes
    return network


def generate_responses(
    size: NetworkSize, *, now: datetime, zones: Sequence[str], seed: int = 7, mess: bool = True
) -> dict[str, list[dict[str, Value]]]:
    """Responses per form ("requests", "offers", "checkins"), keyed by field name, oldest first."""
    return generate(size, now=now, zones=zones, seed=seed, mess=mess).responses


def _check(size: NetworkSize, zones: Sequence[str]) -> None:
    """Refuse a size no network can have, or a network without zones."""
    if not zones:
        raise ValueError("No zones: pass the network's neighbourhoods, e.g. zones=['Eastside'].")
    counts = (
        size.requesters,
        size.volunteers,
        size.both,
        size.requests,
        size.offers,
        size.checkins,
    )
    if min(counts) < 0 or size.both > min(size.requesters, size.volunteers):
        raise ValueError(f"{size}: counts must be >= 0 and both <= requesters and volunteers.")
    if size.requests < size.requesters or size.offers < size.volunteers:
        raise ValueError(f"{size}: each requester needs a request and each volunteer an offer.")
    if size.checkins and not size.volunteers:
        raise ValueError(f"{size}: check-ins come from volunteers; there are none.")
    if size.people > MAX_PEOPLE:
        raise ValueError(f"{size}: at most {MAX_PEOPLE} people get distinct phone numbers.")


def _in_time_order(build: Build) -> GeneratedNetwork:
    """Each form's rows sorted by time and stamped, with the truth pointing at the new rows."""
    responses: dict[str, list[dict[str, Value]]] = {}
    person_ids: dict[str, list[int]] = {}
    position: dict[str, list[int]] = {}
    for form, drafts in build.drafts.items():
        # sorted() is stable: rows with one timestamp keep the order they were drawn in.
        order = sorted(range(len(drafts)), key=[d.t for d in drafts].__getitem__)
        where = [0] * len(drafts)
        start = build.start
        for index, r in enumerate(order):
            where[r] = index
            drafts[r].values["timestamp"] = start + timedelta(0, drafts[r].t)
        position[form] = where
        responses[form] = [drafts[r].values for r in order]
        person_ids[form] = [drafts[r].person for r in order]
    return GeneratedNetwork(responses, _truth(build, position, person_ids))


def _truth(build: Build, position: dict[str, list[int]], person_ids: dict[str, list[int]]) -> Truth:
    """The truth of the run, its rows named by their place once in time order."""

    def ref(form: str, row: int) -> RowRef:
        return RowRef(form, position[form][row])

    pairs: dict[PairKind, list[Pair]] = {kind: [] for kind in PairKind}
    for form_a, a, form_b, b, kind in build.pairs:
        first, second = sorted(
            (ref(form_a, a), ref(form_b, b)), key=lambda r: (FORMS.index(r.form), r.row)
        )
        pairs[kind].append(Pair(first, second, kind))
    return Truth(
        person_ids=person_ids,
        invalid=sorted(
            Invalid(ref(form, row), field, problem) for form, row, field, problem in build.invalid
        ),
        duplicates=sorted(
            pairs[PairKind.SAME_ANSWERS]
            + pairs[PairKind.CONSENT_WITHDRAWN]
            + pairs[PairKind.PHONE_FORMAT]
            + pairs[PairKind.NICKNAME]
        ),
        households=sorted(pairs[PairKind.HOUSEHOLD]),
        namesakes=sorted(pairs[PairKind.NAMESAKE]),
        formula_like=sorted((ref(form, row), field) for form, row, field in build.formula),
        name_variants=sorted(
            pairs[PairKind.NAME_TYPO]
            + pairs[PairKind.SWAPPED]
            + pairs[PairKind.CJK_SPACING]
            + pairs[PairKind.FIRST_NAME_ONLY]
            + pairs[PairKind.NICKNAME_NEW_EMAIL]
        ),
    )
