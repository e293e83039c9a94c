"""Scored pairs → clusters of one person each, and households of different people.

Organizers' "same" decisions are joined first. Then certain pairs join, strongest first,
through a union-find that refuses a join when the two groups hold a pair of records that
are surely different people (clearly different given names, Jr./Sr.) or that organizers
marked "different". So Ana and her brother Luis are never chained together through the
landline they share with an "A. Ruiz" who matches both.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sheetsync.dedupe.compare import Verdict, births_differ, names_clash, suffixes_differ
from sheetsync.dedupe.evidence import evidence_in
from sheetsync.dedupe.prepare import Prepared

# A "household" bigger than this is a building, shelter or office sharing an address.
MAX_HOUSEHOLD = 8
# Joining stops growing a cluster past this many records; the rest go to review.
MAX_CLUSTER = 25
# A record linked to two people who must stay apart (a "John Smith" without a birth date, at
# the address of a father and a son both John Smith) joins neither, unless one link is
# stronger than the other by this much (log2 weight: a piece of evidence more).
AMBIGUITY_MARGIN = 3.0


class Decision(StrEnum):
    """What organizers decided about a pair."""

    SAME = "same"
    DIFFERENT = "different"


@dataclass(frozen=True)
class Pair:
    """Two records compared: their ids, score (0–1), verdict and the evidence."""

    a: str
    b: str
    score: float
    weight: float
    verdict: Verdict
    reason: str
    # The reason's pieces, each sayable in the tabs' language (dedupe/evidence.py).
    evidence: tuple[str, ...] = ()

    def reason_in(self, language: str) -> str:
        """The evidence in the tabs' language (a pair made without its pieces: its reason)."""
        return evidence_in(self.evidence, language) if self.evidence else self.reason


@dataclass
class Linkage:
    """The result: each record's kept record, the linked and uncertain pairs, households."""

    kept_of: dict[str, str]
    links: list[Pair] = field(default_factory=list)
    review: list[Pair] = field(default_factory=list)
    household_of: dict[str, str] = field(default_factory=dict)
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)  # by pair_key
    compared: int = 0
    refused: int = 0  # certain pairs not joined because it would merge different people
    # "same" decisions not applied: joining them would join a pair decided "different"
    contradictions: list[tuple[str, str]] = field(default_factory=list)

    def cluster_members(self) -> dict[str, list[str]]:
        """Kept id -> the ids of its cluster, kept first."""
        members: dict[str, list[str]] = {}
        for rid, kept in self.kept_of.items():
            members.setdefault(kept, []).append(rid)
        return members


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order-free key of a pair of ids."""
    return (a, b) if a <= b else (b, a)


class _Groups:
    """Union-find over record indexes; the root is the group's lowest index (kept record)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}

    def find(self, k: int) -> int:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def group(self, root: int) -> list[int]:
        return self.members.get(root, [root])

    def join(self, a: int, b: int) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        if ra == rb:
            return
        self.parent[rb] = ra
        self.members[ra] = self.group(ra) + self.group(rb)
        self.members.pop(rb, None)


def cluster(
    p: Prepared,
    scored: dict[tuple[int, int], Pair],
    decisions: dict[tuple[int, int], Decision],
    compared: int,
) -> Linkage:
    """Join certain and organizer-confirmed pairs into clusters; list what to ask about."""
    groups = _Groups(len(p))
    apart = {pair for pair, decision in decisions.items() if decision is Decision.DIFFERENT}
    contradictions = _join_decided_same(p, groups, decisions, apart)
    refused = _join_certain(p, groups, scored, decisions, apart)
    links, review = _links_and_review(groups, scored, decisions)
    return Linkage(
        kept_of={p.ids[k]: p.ids[groups.find(k)] for k in range(len(p))},
        links=links,
        review=review,
        household_of=_households(p, groups, scored),
        pairs={pair_key(pair.a, pair.b): pair for pair in scored.values()},
        compared=compared,
        refused=refused,
        contradictions=contradictions,
    )


def _join_decided_same(
    p: Prepared,
    groups: _Groups,
    decisions: dict[tuple[int, int], Decision],
    apart: set[tuple[int, int]],
) -> list[tuple[str, str]]:
    """Join the pairs organizers decided are the same person; return the ids of those not
    joined because that would join a pair they decided are different."""
    contradictions = []
    # In the order of the records' ids, not their places: the clusters do not depend on the
    # order of the rows when "same" decisions contradict one another.
    by_ids = sorted(decisions.items(), key=lambda item: sorted(p.ids[k] for k in item[0]))
    for (i, j), decision in by_ids:
        if decision is Decision.SAME:
            a, b = groups.group(groups.find(i)), groups.group(groups.find(j))
            if _any_pair(a, b, lambda x, y: (x, y) in apart):
                contradictions.append((p.ids[i], p.ids[j]))
            else:
                groups.join(i, j)  # organizers know: no name check
    return contradictions


def _join_certain(
    p: Prepared,
    groups: _Groups,
    scored: dict[tuple[int, int], Pair],
    decisions: dict[tuple[int, int], Decision],
    apart: set[tuple[int, int]],
) -> int:
    """Join the linked pairs organizers did not decide, strongest first; return how many
    joins were refused (a cluster too big, or two records that must stay apart)."""
    refused = 0
    certain = [
        (pair.weight, i, j)
        for (i, j), pair in scored.items()
        if pair.verdict is Verdict.LINK and (i, j) not in decisions
    ]
    ambiguous = _ambiguous_links(p, certain)
    # Ties go by the records' ids, not their places: the clusters do not depend on the order.
    for _, i, j in sorted(certain, key=lambda t: (-t[0], *sorted((p.ids[t[1]], p.ids[t[2]])))):
        ri, rj = groups.find(i), groups.find(j)
        if ri == rj:
            continue
        a, b = groups.group(ri), groups.group(rj)
        if (
            (i, j) in ambiguous
            or len(a) + len(b) > MAX_CLUSTER
            or _any_pair(a, b, lambda x, y: (x, y) in apart or _surely_two(p, x, y))
        ):
            refused += 1
            continue
        groups.join(i, j)
    return refused


def _surely_two(p: Prepared, i: int, j: int) -> bool:
    """Records of two people: their given names clash, Jr./Sr., or different birth dates.
    On a list with few households (households.py), given names typed over are common and
    twins rare: given names that clash are not enough to keep two records apart."""
    if births_differ(p, i, j):
        return True
    if p.few_households:
        return suffixes_differ(p, i, j)
    return names_clash(p, i, j)


def _ambiguous_links(p: Prepared, certain: list[tuple[float, int, int]]) -> set[tuple[int, int]]:
    """Links of a record to two records that are surely two people, neither link stronger
    by AMBIGUITY_MARGIN: which one it belongs to is for organizers to say. Not on a list
    with few households (households.py): two records of one name and home there are one
    person with a birth date typed over rather than a father and a son, and the record
    joins the one it matches best."""
    if p.few_households:
        return set()
    partners: dict[int, list[tuple[float, int]]] = {}
    for weight, i, j in certain:
        partners.setdefault(i, []).append((weight, j))
        partners.setdefault(j, []).append((weight, i))
    ambiguous: set[tuple[int, int]] = set()
    for k, links in partners.items():
        for (wx, x), (wy, y) in itertools.combinations(links, 2):
            if abs(wx - wy) < AMBIGUITY_MARGIN and _surely_two(p, min(x, y), max(x, y)):
                ambiguous |= {(min(k, x), max(k, x)), (min(k, y), max(k, y))}
    return ambiguous


def _links_and_review(
    groups: _Groups,
    scored: dict[tuple[int, int], Pair],
    decisions: dict[tuple[int, int], Decision],
) -> tuple[list[Pair], list[Pair]]:
    """The linked pairs that ended up in one cluster, and the pairs to ask about: linked or
    uncertain, left apart, and not decided by organizers; the most likely first."""
    links: list[Pair] = []
    review: list[Pair] = []
    for (i, j), pair in scored.items():
        together = groups.find(i) == groups.find(j)
        decided = (i, j) in decisions  # organizers said: same, or kept apart
        if pair.verdict is Verdict.LINK and together:
            links.append(pair)
        elif pair.verdict in (Verdict.LINK, Verdict.REVIEW) and not together and not decided:
            review.append(pair)
    review.sort(key=lambda pair: (-pair.weight, pair.a, pair.b))  # most likely first
    return links, review


def _any_pair(a: Iterable[int], b: list[int], apart: Callable[[int, int], bool]) -> bool:
    """Whether some record of group a and some of group b must stay apart: apart(i, j),
    i < j, says so for a pair (organizers marked it different, or the names clash)."""
    return any(apart(min(i, j), max(i, j)) for i in a for j in b)


def _households(
    p: Prepared, groups: _Groups, scored: dict[tuple[int, int], Pair]
) -> dict[str, str]:
    """Different people who share a phone, address or email: id -> the household's first id."""
    homes = _Groups(len(p))
    for (i, j), pair in scored.items():
        if pair.verdict is Verdict.HOUSEHOLD and groups.find(i) != groups.find(j):
            homes.join(groups.find(i), groups.find(j))
    for k in range(len(p)):
        homes.join(k, groups.find(k))
    household_of: dict[str, str] = {}
    for root, members in homes.members.items():
        people = {groups.find(k) for k in members}
        if 2 <= len(people) <= MAX_HOUSEHOLD:
            for k in members:
                household_of[p.ids[k]] = p.ids[root]
    return household_of
