"""Who may help with what: the hard constraints, and the reasons for a match in plain words.

Hard constraints (never broken): the volunteer offers the category; shares a language with
the requester (when both gave theirs); is in the same zone, a neighbouring zone from
[matching] neighbours, or any zone for a remote category; has availability in common
(when both gave it); has room left this week; is not resting (a red check-in); is not
marked do not contact; is not the requester or in their household; has a car for Rides.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from sheetsync.config import MatchingConfig
from sheetsync.form_languages import ENGLISH
from sheetsync.translation import answer, gettext_noop, ngettext_noop, translate, translate_plural

RIDES = "Rides"
ENGLISH_NAME = "English"  # a language a volunteer speaks, as the forms keep it
URGENCY_RANK = {"today": 2, "this week": 1}  # "When someone can" and anything else: 0
DAY = 100  # priority per day waited; an urgency step outweighs 1,000 days
URGENCY_STEP = 100_000
# Above this many candidate pairs each need keeps its MIN_CANDIDATES.. best candidates.
MAX_PAIRS = 3_000_000
MIN_CANDIDATES = 10


# Needs of one kind share their candidates: (category, zone or "" if remote, languages,
# availability).
Kind = tuple[str, str, frozenset[str], frozenset[str]]


@dataclass
class Volunteer:
    """One person (with their linked duplicate rows) as a possible helper."""

    person_id: str
    offers: set[str]
    languages: set[str]
    zone: str
    availability: set[str]
    has_car: bool
    capacity: int  # tasks they can still take this week
    recent: int  # tasks over the last weeks, for fairness
    household: str = ""
    resting: bool = False
    do_not_contact: bool = False
    # Why they may not be asked now, in plain words ("checked in red"); "" when they may.
    unavailable: str = ""
    weekly: int = 0  # the tasks a week they can take (capacity before the tasks held)


@dataclass
class Need:
    """One open need."""

    need_id: str
    person_id: str
    category: str
    zone: str
    languages: set[str]
    availability: set[str]
    urgency: str
    days_waiting: int
    household: str = ""
    declined_by: set[str] = field(default_factory=set)
    # People the Duplicates tab is still asking about: they may be the requester.
    maybe_same: set[str] = field(default_factory=set)

    @property
    def rank(self) -> int:
        return URGENCY_RANK.get(self.urgency.strip().casefold(), 0)

    @property
    def urgent(self) -> bool:
        return self.rank == max(URGENCY_RANK.values())

    @property
    def priority(self) -> int:
        """Urgency first, then waiting time: never anything about the person."""
        return self.rank * URGENCY_STEP + min(self.days_waiting, 999) * DAY


def _kind(need: Need, config: MatchingConfig) -> Kind:
    """What the needs sharing their candidates have in common; by phone, any zone."""
    zone = "" if need.category in config.remote_categories else need.zone
    return (need.category, zone, frozenset(need.languages), frozenset(need.availability))


def reasons(need: Need, volunteer: Volunteer, config: MatchingConfig) -> list[str] | None:
    """Why this volunteer fits this need, or None when a hard constraint rules them out."""
    if _excluded(need, volunteer) or not _has_room(volunteer) or not _fits(need, volunteer, config):
        return None
    return why(need, volunteer, config)


def _excluded(need: Need, volunteer: Volunteer) -> bool:
    """The requester themself (or maybe: a pair still to review), their household, or
    someone who declined this need."""
    who = volunteer.person_id
    if who == need.person_id or who in need.maybe_same or who in need.declined_by:
        return True
    return bool(need.household) and need.household == volunteer.household


def _has_room(volunteer: Volunteer) -> bool:
    """Their week: not resting, reachable, with room left."""
    return not (volunteer.resting or volunteer.do_not_contact or volunteer.capacity <= 0)


def _fits(need: Need, volunteer: Volunteer, config: MatchingConfig) -> bool:
    """The constraints every need of one kind shares (all but who the requester is and the
    volunteer's week): category, language, zone, availability, a car for rides."""
    if need.category not in volunteer.offers:
        return False
    if need.category not in config.remote_categories and not (
        need.zone == volunteer.zone or volunteer.zone in config.neighbours.get(need.zone, ())
    ):
        return False
    return _alike_fits(need, volunteer.languages, volunteer.availability, volunteer.has_car)


def why(
    need: Need, volunteer: Volunteer, config: MatchingConfig, language: str = ENGLISH
) -> list[str]:
    """The reasons a fitting volunteer was chosen, in plain words in `language` (the
    network's: translation.tab_language), written only for the pairs the solver chose: a
    large network weighs millions."""
    t = functools.partial(translate, language)
    words = [t(gettext_noop("offers %(help)s"), help=answer(need.category, language, "categories"))]
    if need.languages and volunteer.languages:
        shared = sorted(need.languages & volunteer.languages)
        if shared != [ENGLISH_NAME]:
            spoken = [s for s in shared if s != ENGLISH_NAME] or shared[:1]
            names = [answer(s, language, "languages") for s in spoken]
            words.append(t(gettext_noop("speaks %(languages)s"), languages=_and(names, language)))
    if need.category in config.remote_categories:
        words.append(t(gettext_noop("can help by phone (any zone)")))
    elif need.zone == volunteer.zone:
        words.append(t(gettext_noop("same zone (%(zone)s)"), zone=need.zone))
    else:
        words.append(t(gettext_noop("neighbouring zone (%(zone)s)"), zone=volunteer.zone))
    if need.availability and volunteer.availability:
        common = [
            answer(a, language, "availability")
            for a in sorted(need.availability & volunteer.availability)
        ]
        words.append(t(gettext_noop("free %(times)s"), times=", ".join(common).lower()))
    if need.category == RIDES:
        words.append(t(gettext_noop("has a car")))
    words.append(translate_plural(language, *_RECENT, volunteer.recent))
    return words


_RECENT = ngettext_noop("%(num)s task in recent weeks", "%(num)s tasks in recent weeks")


def _and(names: list[str], language: str) -> str:
    """ "Spanish and Chinese": names joined as the language joins them."""
    return functools.reduce(
        lambda one, other: translate(language, "%(one)s and %(other)s", one=one, other=other),
        names,
    )


@dataclass
class Eligibility:
    """Eligible (need index, volunteer index) pairs."""

    pairs: list[tuple[int, int]]
    narrowed_to: int | None = None  # set when each need kept only its best candidates
    candidates: _Candidates | None = None  # each kind's, when narrowed (for kind_graph)


def eligible_pairs(
    needs: list[Need],
    volunteers: list[Volunteer],
    config: MatchingConfig,
    max_pairs: int = MAX_PAIRS,
) -> Eligibility:
    """Every pair the hard constraints allow. Needs of one kind (category, zone, languages,
    availability) share their candidates, so each kind is worked out once. Past `max_pairs`
    candidate pairs (a very large network), each need is weighed against a share of its
    kind's candidates only, the needs of a kind taking turns through them, least busy
    first: the solver stays fast and small, at some cost to exactness."""
    found = _candidates(needs, volunteers, config)
    narrowed = _narrowed_to(found, len(needs), max_pairs)
    if narrowed:
        _least_busy_first(found, volunteers)
    return Eligibility(
        _pairs(needs, volunteers, found, narrowed), narrowed, found if narrowed else None
    )


@dataclass
class _Candidates:
    """Each kind's candidates (volunteer indexes), worked out once, and each need's kind."""

    of_kind: dict[Kind, list[int]]
    kind_of: list[Kind]


def _candidates(
    needs: list[Need], volunteers: list[Volunteer], config: MatchingConfig
) -> _Candidates:
    """For each kind of need, the volunteers with room who fit it: only those offering the
    category within reach (any zone for a remote category) are tried, and those alike in
    what a kind asks of them (languages, availability, a car) are tried as one."""
    pools = _Pools(volunteers)
    of_kind: dict[Kind, list[int]] = {}
    kind_of: list[Kind] = []
    for need in needs:
        kind = _kind(need, config)
        kind_of.append(kind)
        if kind in of_kind:
            continue
        if need.category in config.remote_categories:
            of_kind[kind] = pools.fitting(need, None).tolist()
        else:
            zones = (need.zone, *config.neighbours.get(need.zone, ()))
            parts = [pools.fitting(need, z) for z in zones]
            of_kind[kind] = np.concatenate(parts).tolist() if parts else []
    return _Candidates(of_kind, kind_of)


# What a kind asks of a volunteer beyond the category and the zone: their languages,
# availability and whether they have a car.
_Alike = tuple[frozenset[str], frozenset[str], bool]


class _Pools:
    """The volunteers with room, by (category offered, zone) and by category (zone None),
    each pool with its volunteers grouped by what a kind asks of them (`_Alike`): a kind
    tries each group once, not each volunteer. Pools keep the volunteers' order."""

    def __init__(self, volunteers: list[Volunteer]) -> None:
        in_zone, anywhere = _with_room(volunteers)
        self._volunteers = volunteers
        self._raw: dict[tuple[str, str | None], list[int]] = {
            **{(c, z): vs for (c, z), vs in in_zone.items()},
            **{(c, None): vs for c, vs in anywhere.items()},
        }
        self._grouped: dict[
            tuple[str, str | None], tuple[np.ndarray, np.ndarray, list[_Alike]]
        ] = {}
        self._fitting: dict[tuple[str, str | None, frozenset[str], frozenset[str]], np.ndarray] = {}
        # Languages and times as bits (when there are few enough different ones): a pool
        # is then tried for a kind in one array operation.
        self._bits = (
            _bits_of(v.languages for v in volunteers),
            _bits_of(v.availability for v in volunteers),
        )
        self._masks: dict[tuple[str, str | None], tuple[np.ndarray, ...]] = {}

    def _as_masks(self, key: tuple[str, str | None]) -> tuple[np.ndarray, ...]:
        if key not in self._masks:
            members = self._raw.get(key, [])
            people = [self._volunteers[v] for v in members]
            (languages, times) = self._bits
            assert languages is not None and times is not None
            self._masks[key] = (
                np.asarray(members, dtype=np.int64),
                np.asarray([_mask(p.languages, languages) for p in people], dtype=np.uint64),
                np.asarray([_mask(p.availability, times) for p in people], dtype=np.uint64),
                np.asarray([p.has_car for p in people], dtype=bool),
            )
        return self._masks[key]

    def _by_masks(self, need: Need, zone: str | None) -> np.ndarray:
        members, languages, times, car = self._as_masks((need.category, zone))
        (language_bits, time_bits) = self._bits
        assert language_bits is not None and time_bits is not None
        fits = np.ones(len(members), dtype=bool)
        if need.languages:
            wanted = np.uint64(_mask(need.languages, language_bits))
            fits &= (languages == 0) | ((languages & wanted) != 0)
        if need.availability:
            wanted = np.uint64(_mask(need.availability, time_bits))
            fits &= (times == 0) | ((times & wanted) != 0)
        if need.category == RIDES:
            fits &= car
        return members[fits]

    def _groups(self, key: tuple[str, str | None]) -> tuple[np.ndarray, np.ndarray, list[_Alike]]:
        if key not in self._grouped:
            members = self._raw.get(key, [])
            ids: dict[_Alike, int] = {}
            group = []
            for v in members:
                volunteer = self._volunteers[v]
                alike = (
                    frozenset(volunteer.languages),
                    frozenset(volunteer.availability),
                    volunteer.has_car,
                )
                group.append(ids.setdefault(alike, len(ids)))
            self._grouped[key] = (
                np.asarray(members, dtype=np.int64),
                np.asarray(group, dtype=np.int64),
                list(ids),
            )
        return self._grouped[key]

    def fitting(self, need: Need, zone: str | None) -> np.ndarray:
        """The pool's volunteers (of `need`'s category, in `zone` or any zone for None)
        who fit `need`'s languages, availability and car, in the pool's order."""
        key = (need.category, zone, frozenset(need.languages), frozenset(need.availability))
        if key not in self._fitting and None not in self._bits:
            self._fitting[key] = self._by_masks(need, zone)
        if key not in self._fitting:
            members, group, alike = self._groups((need.category, zone))
            fits = np.asarray([_alike_fits(need, *a) for a in alike], dtype=bool)
            self._fitting[key] = members[fits[group]] if len(alike) else members
        return self._fitting[key]


def _bits_of(lists: Iterable[set[str]]) -> dict[str, int] | None:
    """A bit for each different word in `lists`; None past 63 of them."""
    bits: dict[str, int] = {}
    for words in lists:
        for word in words:
            if word not in bits:
                if len(bits) == 63:
                    return None
                bits[word] = 1 << len(bits)
    return bits


def _mask(words: set[str], bits: dict[str, int]) -> int:
    """The bits of `words` (a word no volunteer has: none)."""
    mask = 0
    for word in words:
        mask |= bits.get(word, 0)
    return mask


def _alike_fits(
    need: Need, languages: AbstractSet[str], availability: AbstractSet[str], has_car: bool
) -> bool:
    """Whether a volunteer with these languages, availability and car, who offers the
    need's category within its reach, fits it (the part of `_fits` that volunteers alike
    share, so a group of them is tried once)."""
    if need.languages and languages and not need.languages & languages:
        return False
    if need.availability and availability and not need.availability & availability:
        return False
    return need.category != RIDES or has_car


def _with_room(
    volunteers: list[Volunteer],
) -> tuple[dict[tuple[str, str], list[int]], dict[str, list[int]]]:
    """The volunteers with room this week, by (category offered, zone) and by category."""
    in_zone: dict[tuple[str, str], list[int]] = defaultdict(list)
    anywhere: dict[str, list[int]] = defaultdict(list)
    for v, volunteer in enumerate(volunteers):
        if not _has_room(volunteer):
            continue
        for category in volunteer.offers:
            in_zone[(category, volunteer.zone)].append(v)
            anywhere[category].append(v)
    return in_zone, anywhere


def _narrowed_to(found: _Candidates, needs: int, max_pairs: int) -> int | None:
    """How many candidates each need keeps when all candidate pairs would be more than
    `max_pairs`; None when every need keeps them all."""
    total = sum(len(found.of_kind[k]) for k in found.kind_of)
    if total <= max_pairs:
        return None
    return max(MIN_CANDIDATES, max_pairs // max(1, needs))


def _least_busy_first(found: _Candidates, volunteers: list[Volunteer]) -> None:
    """Sort each kind's candidates by recent tasks, then most room: a narrowed need keeps
    those who have had the least work."""
    # One number per volunteer orders as (recent, -capacity); a stable sort keeps ties as
    # they were, as sorting by the pair would.
    recent = np.asarray([v.recent for v in volunteers], dtype=np.int64)
    capacity = np.asarray([v.capacity for v in volunteers], dtype=np.int64)
    key = (recent - recent.min(initial=0)) * (
        capacity.max(initial=0) - capacity.min(initial=0) + 1
    ) + (capacity.max(initial=0) - capacity)
    for candidates in found.of_kind.values():
        if len(candidates) > 1:
            at = np.asarray(candidates, dtype=np.int64)
            candidates[:] = at[np.argsort(key[at], kind="stable")].tolist()


def _pairs(
    needs: list[Need], volunteers: list[Volunteer], found: _Candidates, narrowed: int | None
) -> list[tuple[int, int]]:
    """Each need with its kind's candidates, less the requester themself (or who may be
    them), their household and who declined it; when `narrowed`, only that many of them."""
    of_kind, kind_of = found.of_kind, found.kind_of
    excluded = _excluded_from(volunteers)
    seen: dict[Kind, int] = defaultdict(int)  # needs of each kind so far
    pairs: list[tuple[int, int]] = []
    for i, need in enumerate(needs):
        candidates = of_kind[kind_of[i]]
        out = excluded(need)
        if not (narrowed and len(candidates) > narrowed):
            pairs += [(i, v) for v in candidates if v not in out] if out else _all(i, candidates)
            continue
        # Needs of one kind take turns through its candidates, least busy first, so that
        # narrowing never piles a whole kind on the same few volunteers.
        start = seen[kind_of[i]] * narrowed % len(candidates)
        seen[kind_of[i]] += 1
        pairs += [(i, v) for v in _turn(candidates, start, narrowed, out)]
    return pairs


def _all(i: int, candidates: list[int]) -> list[tuple[int, int]]:
    return [(i, v) for v in candidates]


def _turn(candidates: list[int], start: int, narrowed: int, out: set[int]) -> list[int]:
    """The first `narrowed` candidates not `out`, from `start` on and round to the start."""
    size = min(len(candidates), narrowed + len(out))
    window = candidates[start : start + size]
    window += candidates[: size - len(window)]
    kept = [v for v in window if v not in out] if out else window
    if len(kept) >= narrowed or size == len(candidates):
        return kept[:narrowed]
    # Someone left out is among the candidates more than once: go round them all.
    turn = candidates[start:] + candidates[:start]
    return [v for v in turn if v not in out][:narrowed]


def _excluded_from(volunteers: list[Volunteer]) -> Callable[[Need], set[int]]:
    """For a need: the volunteers (by index) `_excluded` leaves out, looked up, not tried."""
    by_person: dict[str, set[int]] = defaultdict(set)
    by_household: dict[str, set[int]] = defaultdict(set)
    for k, v in enumerate(volunteers):
        by_person[v.person_id].add(k)
        if v.household:
            by_household[v.household].add(k)

    def excluded(need: Need) -> set[int]:
        out = set(by_person.get(need.person_id, ()))
        for p in (*need.maybe_same, *need.declined_by):
            out |= by_person.get(p, set())
        return out | by_household.get(need.household, set()) if need.household else out

    return excluded


@dataclass
class KindGraph:
    """Every eligible pair, never narrowed, in a size that stays small on a very large
    network: needs of one kind share their candidates, so a need whose kind's candidates
    are all eligible for it points at its kind; a need with someone among them it may not
    go to (the requester themself, their household, who declined it) has its own pairs."""

    kind_of: list[int]  # per need: its kind's index in `candidates`; -1 if it has its own
    candidates: list[list[int]]  # per kind: the volunteers with room who fit it
    own: list[tuple[int, int]]  # the (need, volunteer) pairs of the needs with their own


def kind_graph(
    needs: list[Need],
    volunteers: list[Volunteer],
    config: MatchingConfig,
    eligibility: Eligibility | None = None,
) -> KindGraph:
    """The eligible pairs of `eligible_pairs`, all of them, by kind (each kind's candidates
    taken from `eligibility` when given: eligible_pairs worked them out already)."""
    found = (
        eligibility.candidates
        if eligibility is not None and eligibility.candidates is not None
        else _candidates(needs, volunteers, config)
    )
    index = {kind: k for k, kind in enumerate(found.of_kind)}
    left_out = _left_out(volunteers)
    as_sets: dict[Kind, set[int]] = {}
    kind_of: list[int] = []
    own: list[tuple[int, int]] = []
    for i, need in enumerate(needs):
        kind = found.kind_of[i]
        out = left_out(need)
        if out and kind not in as_sets:
            as_sets[kind] = set(found.of_kind[kind])
        if out and out & as_sets[kind]:
            kind_of.append(-1)
            own += [(i, v) for v in found.of_kind[kind] if v not in out]
        else:
            kind_of.append(index[kind])
    return KindGraph(kind_of, list(found.of_kind.values()), own)


def _left_out(volunteers: list[Volunteer]) -> Callable[[Need], set[int]]:
    """For a need: the volunteers `_excluded` leaves out (by index), looked up, not tried."""
    by_person = {v.person_id: k for k, v in enumerate(volunteers)}
    by_household: dict[str, set[int]] = defaultdict(set)
    for k, v in enumerate(volunteers):
        if v.household:
            by_household[v.household].add(k)

    def left_out(need: Need) -> set[int]:
        people = {need.person_id} | need.maybe_same | need.declined_by
        out = {by_person[p] for p in people if p in by_person}
        return out | by_household.get(need.household, set()) if need.household else out

    return left_out


def without_volunteer(
    needs: list[Need], volunteers: list[Volunteer], config: MatchingConfig
) -> list[bool]:
    """For each need: True when no volunteer could ever take it, whatever their week: none
    offers the category within reach with a shared language, common availability and (for
    Rides) a car. False when some could, but were full, resting, declined or are the
    requester's own. These are the needs to recruit for."""
    by_category: dict[str, list[Volunteer]] = defaultdict(list)
    for volunteer in (v for v in volunteers if not v.do_not_contact):
        for category in volunteer.offers:
            by_category[category].append(volunteer)
    answers: dict[Kind, bool] = {}
    result = []
    for need in needs:
        kind = _kind(need, config)
        if kind not in answers:
            answers[kind] = not any(
                _fits(need, v, config) for v in by_category.get(need.category, [])
            )
        result.append(answers[kind])
    return result
