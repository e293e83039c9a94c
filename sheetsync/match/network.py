"""The network as matching weighs it, read the same way by the match step and by the end of
run check: who counts as one person, who may be asked, what each volunteer has room for,
and which needs are waiting.

Two People rows count as one person when linked (`duplicate_of`) and, conservatively, while
a pair of them is still to review on the Duplicates tab: until an organizer decides, they
have one volunteer's capacity, and their needs of one category are one need. Pairs to
review never join rows an organizer decided are different people (a pair "kept apart"),
even through a chain of them. Whether someone may be asked (red, resting, do not contact)
is each person's own, from their own rows (match.volunteers.unavailable_people).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sheetsync.config import MatchingConfig
from sheetsync.horizon import NEVER, earliest, next_whole_day
from sheetsync.match.eligibility import URGENCY_RANK, Need
from sheetsync.match.volunteers import Weighed, unavailable_people, weigh_volunteers
from sheetsync.members import is_volunteer, kept_ids, parse_datetime, rows_by_person, split_list
from sheetsync.statuses import NeedStatus, PairStatus, TaskStatus


@dataclass
class Network:
    """What the sheet says this week about who may be asked to help whom."""

    kept: dict[str, str]  # person id -> the id their linked duplicate rows are kept under
    # person id -> the kept id matching counts them under: linked rows and pairs still to
    # review joined, a volunteer among them first.
    joined: dict[str, str]
    status_of: list[TaskStatus]  # per task; a status nobody understands counts as proposed
    # person id -> why they may not be asked (red, resting, do not contact), from their own
    # rows and linked ones only: match.volunteers.unavailable_people
    unavailable: dict[str, str]
    households: dict[str, str]  # kept id -> household
    # need id -> joined ids of the volunteers who declined it or let a proposal of it expire
    declined: dict[str, set[str]]
    maybe_same: dict[str, set[str]]  # kept id -> those who may be them (to review, joined)
    unreachable: set[str]  # kept ids marked do not contact
    # need id -> joined ids it may not go to this run (a proposal just withdrawn from them)
    withdrawn: dict[str, set[str]] = field(default_factory=dict)
    # When what was read from the clock next changes (sheetsync/horizon.py). `until`: who
    # may be asked (a rest starting or ending: steps.match.network_of), and after
    # steps.match.follow_the_present also each volunteer's room and recent weeks, and the
    # day a withdrawal is dated. `room_until`: the same but for the recent weeks, which
    # only weigh who is chosen for a new proposal and that proposal's reasons.
    until: dt.datetime = NEVER
    room_until: dt.datetime = NEVER


def read_network(
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    pairs: list[dict[str, Any]],
    resting: set[str],
    status_of: list[TaskStatus],
) -> Network:
    """The network from People, Tasks and the Duplicates tab's pairs; `resting` holds the
    kept ids whose rest the Load tab confirms (load.rest.rests_in_force)."""
    kept = kept_ids(people)
    to_review, apart = [
        sorted((p["person_a"], p["person_b"]) for p in pairs if p["status"] == status)
        for status in (PairStatus.TO_REVIEW, PairStatus.KEPT_APART)
    ]
    joined = joined_ids(people, kept, to_review, apart)
    maybe_same: dict[str, set[str]] = defaultdict(set)
    for pid, rep in joined.items():
        maybe_same[kept[pid]].add(rep)
    for a, b in to_review:
        a, b = kept.get(a, a), kept.get(b, b)
        maybe_same[a].add(b)
        maybe_same[b].add(a)
    return Network(
        kept=kept,
        joined=joined,
        status_of=status_of,
        unavailable=unavailable_people(people, kept, resting),
        households={kept[p["person_id"]]: p["household"] for p in people if p["household"]},
        declined=_not_asked_again(tasks, status_of, joined),
        maybe_same=maybe_same,
        unreachable={
            kept[p["person_id"]] for p in people if p["person_id"] and p["do_not_contact"].strip()
        },
    )


def joined_ids(
    people: Iterable[dict[str, Any]],
    kept: dict[str, str],
    to_review: list[tuple[str, str]],
    apart: list[tuple[str, str]],
) -> dict[str, str]:
    """Every person id -> the kept id its group counts under: linked rows, and pairs still
    to review joined, but never two groups holding people decided different (`apart`): with
    P1-P2 and P2-P3 to review and P1-P3 kept apart, P3 stays on its own. The group's id is
    one of its volunteers' if it has any, the lowest id first."""
    decided = [(kept[a], kept[b]) for a, b in apart if a in kept and b in kept]
    groups = _Groups(kept.values(), decided)
    for a, b in to_review:
        if a in kept and b in kept:
            groups.join(kept[a], kept[b])
    rows = rows_by_person(people, kept)
    rep = {
        root: min(members, key=lambda m: (not is_volunteer(rows.get(m, [])), m))
        for root, members in groups.members.items()
    }
    return {pid: rep[groups.find(k)] for pid, k in kept.items()}


class _Groups:
    """Union-find over kept ids that never joins two people decided different."""

    def __init__(self, ids: Iterable[str], apart: list[tuple[str, str]]) -> None:
        self.parent = {k: k for k in ids}
        self.members = {k: {k} for k in self.parent}
        self.apart: dict[str, set[str]] = defaultdict(set)
        for a, b in apart:
            self.apart[a].add(b)
            self.apart[b].add(a)

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        if ra == rb or any(self.apart[m] & self.members[rb] for m in self.members[ra]):
            return
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)


# A volunteer who said no, or never answered in time, is not asked that need again.
NOT_ASKED_AGAIN = frozenset({TaskStatus.DECLINED, TaskStatus.EXPIRED})


def _not_asked_again(
    tasks: list[dict[str, Any]], status_of: list[TaskStatus], joined: dict[str, str]
) -> dict[str, set[str]]:
    """Need id -> the volunteers who declined it or let a proposal of it expire: it is
    never proposed to them again, in any run after."""
    turned: dict[str, set[str]] = defaultdict(set)
    for task, status in zip(tasks, status_of, strict=True):
        if status in NOT_ASKED_AGAIN:
            turned[task["need_id"]].add(joined.get(task["volunteer_id"], task["volunteer_id"]))
    return turned


def start_of(day: dt.date | None) -> dt.datetime | None:
    """Midnight at the start of `day`: when a date compared with today's reaches it (None
    for None, as horizon.earliest leaves out)."""
    return None if day is None else dt.datetime.combine(day, dt.time())


def weighed_volunteers(
    people: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    net: Network,
    *,
    today: dt.date,
    dayfirst: bool,
    config: MatchingConfig,
    offers_tab: str = "",
) -> Weighed:
    """One Volunteer per joined group, with their room this week, and the days their tasks
    next count differently (match.volunteers.Weighed). `offers_tab` is the Offer help
    form's tab (config.forms["offers"].tab), which tells the newest offer."""
    return weigh_volunteers(
        people,
        tasks,
        net.joined,
        net.unavailable,
        today=today,
        dayfirst=dayfirst,
        config=config,
        offers_tab=offers_tab,
    )


@dataclass
class Waiting:
    """The needs to propose a volunteer for, and how many wait for a Duplicates decision
    (a need of the same category by someone who may be the same person is served first)."""

    needs: list[Need]
    held_for_review: int = 0
    # When a need's days_waiting next grows (sheetsync/horizon.py): the order in which they
    # are served, and what the board shows, may change then.
    until: dt.datetime = NEVER


def waiting_needs(needs: list[dict[str, Any]], net: Network, now: dt.datetime) -> Waiting:
    """The open needs to propose a volunteer for. A requester marked do not contact is never
    sent a volunteer. Of the standing needs of one category by rows joined only by a pair
    still to review, one is served: the others wait for the organizers' decision."""
    open_needs = [
        n
        for n in needs
        if n["status"] == NeedStatus.OPEN and n["need_id"] and n["person_id"] not in net.unreachable
    ]
    taken = _taken_by_review(needs, open_needs, net)
    lists: dict[str, frozenset[str]] = {}  # list cells repeat: each is split once
    waiting = [n for n in open_needs if n["need_id"] not in taken]
    opened = {cell: parse_datetime(cell) for cell in {n["opened"] for n in waiting}}
    return Waiting(
        [_need(n, net, now, lists, opened[n["opened"]]) for n in waiting],
        len(taken),
        earliest((next_whole_day(o, now) for o in opened.values() if o is not None), now),
    )


def _taken_by_review(
    needs: list[dict[str, Any]], open_needs: list[dict[str, Any]], net: Network
) -> set[str]:
    """The open needs that wait because a need of the same category by someone who may be
    the same person (a pair to review) is matched, or is served before them."""
    standing: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for n in needs:
        if n["status"] in (NeedStatus.MATCHED, NeedStatus.OPEN) and n["need_id"]:
            standing[(net.joined.get(n["person_id"], n["person_id"]), n["category"])].append(n)
    taken: set[str] = set()
    open_ids = {n["need_id"] for n in open_needs}
    for group in standing.values():
        kept_people = {net.kept.get(n["person_id"], n["person_id"]) for n in group}
        if len(group) < 2 or len(kept_people) < 2:
            continue  # one person's own needs: dedupe decides what repeats
        matched = [n for n in group if n["status"] == NeedStatus.MATCHED]
        first = matched[0] if matched else min(group, key=_serve_first)
        taken |= {n["need_id"] for n in group if n is not first and n["need_id"] in open_ids}
    return taken


def _serve_first(need: dict[str, Any]) -> tuple[int, str, str]:
    """The need of a group served first: the most urgent, then the oldest."""
    rank = URGENCY_RANK.get(need["urgency"].strip().casefold(), 0)
    return (-rank, need["opened"] or "9999", need["need_id"])


def _need(
    need: dict[str, Any],
    net: Network,
    now: dt.datetime,
    lists: dict[str, frozenset[str]],
    opened: dt.datetime | None,
) -> Need:
    days = 0 if opened is None else max(0, (now - opened).days)
    pid = need["person_id"]
    return Need(
        need_id=need["need_id"],
        person_id=pid,
        category=need["category"],
        zone=need["zone"],
        languages=_split(need["languages"], lists),
        availability=_split(need["availability"], lists),
        urgency=need["urgency"],
        days_waiting=days,
        household=net.households.get(pid, ""),
        declined_by=net.declined.get(need["need_id"], set())
        | net.withdrawn.get(need["need_id"], set()),
        maybe_same=net.maybe_same.get(net.kept.get(pid, pid), set()) | {net.joined.get(pid, pid)},
    )


def _split(text: str, lists: dict[str, frozenset[str]]) -> set[str]:
    """`split_list`, each different cell split once (a set of its own for each need)."""
    if text not in lists:
        lists[text] = frozenset(split_list(text))
    return set(lists[text])
