"""Eligibility by groups of alike volunteers against the per-pair reference (issue 22)."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.config import MatchingConfig
from sheetsync.match.eligibility import (
    RIDES,
    Kind,
    Need,
    Volunteer,
    _Candidates,
    _candidates,
    _excluded,
    _fits,
    _has_room,
    _kind,
    _least_busy_first,
    _pairs,
    eligible_pairs,
    kind_graph,
    reasons,
)

ZONES = ("A", "B", "C", "D")
CATEGORIES = (RIDES, "Groceries", "Tech help")
LANGUAGES = ("English", "Spanish", "Arabic")
TIMES = ("Mornings", "Evenings", "Weekends")
CONFIG = MatchingConfig(
    neighbours={"A": ("B",), "B": ("A", "C"), "C": ("B", "C")}, remote_categories=("Tech help",)
)


def reference_candidates(
    needs: list[Need], volunteers: list[Volunteer], config: MatchingConfig
) -> tuple[dict[Kind, list[int]], list[Kind]]:
    """The per-pair path _candidates replaced: each volunteer with room offering the
    category within reach is tried by `_fits`, one by one."""
    of_kind: dict[Kind, list[int]] = {}
    kind_of: list[Kind] = []
    for need in needs:
        kind = _kind(need, config)
        kind_of.append(kind)
        if kind in of_kind:
            continue
        if need.category in config.remote_categories:
            zones: tuple[str | None, ...] = (None,)
        else:
            zones = (need.zone, *config.neighbours.get(need.zone, ()))
        pool = [
            v
            for z in zones
            for v, volunteer in enumerate(volunteers)
            if _has_room(volunteer)
            and need.category in volunteer.offers
            and (z is None or volunteer.zone == z)
        ]
        of_kind[kind] = [v for v in pool if _fits(need, volunteers[v], config)]
    return of_kind, kind_of


def reference_pairs(
    needs: list[Need], volunteers: list[Volunteer], found: _Candidates, narrowed: int | None
) -> list[tuple[int, int]]:
    """The per-pair path _pairs replaced: `_excluded` tried on each candidate in turn."""
    of_kind, kind_of = found.of_kind, found.kind_of
    seen: dict[Kind, int] = defaultdict(int)
    pairs: list[tuple[int, int]] = []
    for i, need in enumerate(needs):
        candidates = of_kind[kind_of[i]]
        start = 0
        if narrowed and len(candidates) > narrowed:
            start = seen[kind_of[i]] * narrowed
            seen[kind_of[i]] += 1
        kept = 0
        for t in range(len(candidates)):
            v = candidates[(start + t) % len(candidates)]
            if _excluded(need, volunteers[v]):
                continue
            pairs.append((i, v))
            kept += 1
            if narrowed and kept == narrowed:
                break
    return pairs


def some(values: tuple[str, ...]) -> st.SearchStrategy[set[str]]:
    return st.sets(st.sampled_from(values), max_size=len(values))


volunteers_st = st.lists(
    st.builds(
        Volunteer,
        person_id=st.sampled_from([f"P{i}" for i in range(8)]),
        offers=some(CATEGORIES),
        languages=some(LANGUAGES),
        zone=st.sampled_from(ZONES),
        availability=some(TIMES),
        has_car=st.booleans(),
        capacity=st.integers(-1, 2),
        recent=st.integers(0, 3),
        household=st.sampled_from(["", "H1", "H2"]),
        resting=st.booleans(),
        do_not_contact=st.booleans(),
    ),
    max_size=8,
    unique_by=lambda v: v.person_id,  # one row per person, linked rows joined
)
needs_st = st.lists(
    st.builds(
        Need,
        need_id=st.just("N"),
        person_id=st.sampled_from([f"P{i}" for i in range(8)]),
        category=st.sampled_from(CATEGORIES),
        zone=st.sampled_from(ZONES),
        languages=some(LANGUAGES),
        availability=some(TIMES),
        urgency=st.sampled_from(["today", "this week", ""]),
        days_waiting=st.integers(0, 30),
        household=st.sampled_from(["", "H1", "H2"]),
        declined_by=some(("P1", "P2")),
        maybe_same=some(("P3",)),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(needs_st, volunteers_st)
def test_candidates_by_groups_are_the_per_pair_ones(
    needs: list[Need], volunteers: list[Volunteer]
) -> None:
    found = _candidates(needs, volunteers, CONFIG)
    of_kind, kind_of = reference_candidates(needs, volunteers, CONFIG)
    assert found.kind_of == kind_of
    assert found.of_kind == of_kind
    assert list(found.of_kind) == list(of_kind)  # kinds in the same order
    # The pairs (and their reasons) are those of the per-pair test, in the same order.
    expected = [
        (i, v)
        for i, need in enumerate(needs)
        for v in of_kind[kind_of[i]]
        if reasons(need, volunteers[v], CONFIG) is not None
    ]
    assert eligible_pairs(needs, volunteers, CONFIG).pairs == expected
    narrowed = eligible_pairs(needs, volunteers, CONFIG, max_pairs=3)
    assert set(narrowed.pairs) <= set(expected)
    for keep in (None, 1, 2, 3, 5):
        assert _pairs(needs, volunteers, found, keep) == reference_pairs(
            needs, volunteers, found, keep
        )
    graph = kind_graph(needs, volunteers, CONFIG)
    assert {
        (i, v) for i, k in enumerate(graph.kind_of) if k >= 0 for v in graph.candidates[k]
    } | set(graph.own) == set(expected)


def _volunteer(v: str, **kw: object) -> Volunteer:
    fields: dict[str, object] = dict(
        person_id=v,
        offers={"Groceries", RIDES, "Tech help"},
        languages={"English"},
        zone="A",
        availability={"Mornings"},
        has_car=True,
        capacity=1,
        recent=0,
    )
    fields.update(kw)
    return Volunteer(**fields)  # type: ignore[arg-type]


def _need(**kw: object) -> Need:
    fields: dict[str, object] = dict(
        need_id="N1",
        person_id="R",
        category="Groceries",
        zone="A",
        languages={"Spanish"},
        availability={"Mornings"},
        urgency="",
        days_waiting=0,
    )
    fields.update(kw)
    return Need(**fields)  # type: ignore[arg-type]


def test_named_cases_of_groups() -> None:
    volunteers = [
        _volunteer("V0", languages={"Spanish"}),  # fits
        _volunteer("V1"),  # English only: no shared language
        _volunteer("V2", languages=set()),  # gave none: fits
        _volunteer("V3", languages={"Spanish"}, zone="B"),  # neighbouring zone
        _volunteer("V4", languages={"Spanish"}, zone="D"),  # out of reach
        _volunteer("V5", languages={"Spanish"}, availability={"Evenings"}),  # no common time
        _volunteer("V6", languages={"Spanish"}, has_car=False),  # no car: not for rides
        _volunteer("V7", languages={"Spanish"}, capacity=0),  # full
        _volunteer("V8", languages={"Spanish"}, zone="D"),  # by phone: any zone
    ]
    needs = [_need(), _need(category=RIDES), _need(category="Tech help", zone="C")]
    found = _candidates(needs, volunteers, CONFIG)
    assert [found.of_kind[k] for k in found.kind_of] == [
        [0, 2, 6, 3],
        [0, 2, 3],
        [0, 2, 3, 4, 6, 8],
    ]
    assert found.of_kind == reference_candidates(needs, volunteers, CONFIG)[0]


def test_past_63_different_words_volunteers_are_tried_by_groups() -> None:
    volunteers = [
        _volunteer(f"V{k}", languages={f"L{k}", "Spanish"} if k % 3 else {f"L{k}"})
        for k in range(70)
    ]
    needs = [_need(), _need(languages={"L4", "L5"}), _need(category=RIDES, languages=set())]
    found = _candidates(needs, volunteers, CONFIG)
    assert found.of_kind == reference_candidates(needs, volunteers, CONFIG)[0]
    assert found.of_kind[found.kind_of[1]] == [4, 5]


@settings(max_examples=200, deadline=None)
@given(needs_st, volunteers_st)
def test_least_busy_first_is_the_sort_by_recent_then_room(
    needs: list[Need], volunteers: list[Volunteer]
) -> None:
    found = _candidates(needs, volunteers, CONFIG)
    expected = {
        kind: sorted(vs, key=lambda v: (volunteers[v].recent, -volunteers[v].capacity))
        for kind, vs in found.of_kind.items()
    }
    _least_busy_first(found, volunteers)
    assert found.of_kind == expected
