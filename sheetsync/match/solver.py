"""The assignment itself: as many needs as possible, the most urgent and oldest first, work spread.

A min-cost flow (OR-Tools' SimpleMinCostFlow, exact and fast on sparse graphs):

    need --(1, 0)--> volunteer --(1 each, rising cost)--> sink
    need --(1, BIG + priority)-----------------------------------> sink   (left unmatched)

Every need sends one unit. Leaving a need unmatched costs BIG, more than all other costs
together can differ, so the flow matches the maximum number of needs the hard constraints
allow. Among those matchings it leaves out the needs of lowest priority (urgency first,
then waiting time) and, at equal priority, uses the volunteers with the least work: the
k-th task of a volunteer who already has `load` tasks costs FAIRNESS * (load + k), a convex
cost that spreads tasks instead of piling them on the first volunteer found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from sheetsync.errors import SheetsyncError
from sheetsync.match.eligibility import KindGraph

FAIRNESS = 1  # cost of each task a volunteer already has, per new task


class MatchingError(SheetsyncError):
    """The solver did not find an optimal flow (a bug: the model is always feasible)."""


@dataclass(frozen=True)
class Problem:
    """Needs 0..n-1 with priorities, volunteers 0..m-1 with capacity and load, and the
    eligible (need, volunteer) pairs. Every eligible pair is as good as any other: the
    hard constraints decide eligibility, priority and fairness decide the rest."""

    priority: Sequence[int]  # per need: higher is served first
    capacity: Sequence[int]  # per volunteer: tasks they can still take
    load: Sequence[int]  # per volunteer: tasks they already have (recent)
    pairs: Sequence[tuple[int, int]]  # eligible (need, volunteer)


def solve(problem: Problem) -> list[tuple[int, int]]:
    """The optimal (need, volunteer) assignment, sorted by need."""
    n, m = len(problem.priority), len(problem.capacity)
    if not problem.pairs or n == 0:
        return []
    pairs = np.asarray(problem.pairs, dtype=np.int64).reshape(-1, 2)
    unit_volunteer, unit_cost = _units(problem.capacity, problem.load)
    big = _big(problem.priority, unit_cost, n)
    priority = np.asarray(problem.priority, dtype=np.int64)

    # Nodes: needs 0..n-1, volunteers n..n+m-1, sink n+m.
    sink = n + m
    tails = np.concatenate([pairs[:, 0], n + unit_volunteer, np.arange(n)])
    heads = np.concatenate([n + pairs[:, 1], np.full(len(unit_volunteer), sink), np.full(n, sink)])
    capacities = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate([np.zeros(len(pairs), dtype=np.int64), unit_cost, big + priority])
    flows = _min_cost_flow(tails, heads, capacities, costs, n, sink)
    used = flows[: len(pairs)] > 0
    return sorted((int(a), int(b)) for a, b in pairs[used])


def _units(capacity: Sequence[int], load: Sequence[int]) -> tuple[Any, Any]:
    """One arc per unit of each volunteer's capacity, its cost rising with their load:
    (the volunteer of each unit, its cost)."""
    room = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    work = np.asarray(load, dtype=np.int64)
    m = len(room)
    unit_volunteer = np.repeat(np.arange(m, dtype=np.int64), room)
    unit_rank = np.arange(len(unit_volunteer)) - np.repeat(np.cumsum(room) - room, room)
    return unit_volunteer, FAIRNESS * (work[unit_volunteer] + unit_rank)


def _big(priority: Sequence[int], unit_cost: Any, n: int) -> int:
    """The cost of leaving a need unmatched: more than all other costs can differ."""
    spread = int(unit_cost.max(initial=0)) + 1
    return (int(max(priority, default=0)) + spread) * (n + 1) + 1


def _min_cost_flow(tails: Any, heads: Any, capacities: Any, costs: Any, n: int, sink: int) -> Any:
    """The optimal flow on each arc, every need sending one unit to the sink."""
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingError(
            f"The matching solver stopped with status {status} instead of a result; nothing "
            "was written. Please report this with the run report (sheetsync run --json)."
        )
    return flow.flows(arcs)


def solve_by_kind(
    priority: Sequence[int], capacity: Sequence[int], load: Sequence[int], graph: KindGraph
) -> list[tuple[int, int]]:
    """The same optimal assignment as `solve` over every eligible pair, on a very large
    network: the pairs come by kind (eligibility.KindGraph), so the flow goes need -> kind
    -> volunteer and stays small. Pairs cost nothing in either model, so both reach the
    same optimum. Any need of a kind may take any volunteer its kind sent flow to."""
    n, m, kinds = len(priority), len(capacity), len(graph.candidates)
    if n == 0:
        return []
    clean = np.asarray([i for i in range(n) if graph.kind_of[i] >= 0], dtype=np.int64)
    kind_of = np.asarray(graph.kind_of, dtype=np.int64)
    size = np.bincount(kind_of[clean], minlength=kinds) if len(clean) else np.zeros(kinds, int)
    kv = kind_arcs(graph, size)
    own = np.asarray(graph.own, dtype=np.int64).reshape(-1, 2)
    unit_volunteer, unit_cost = _units(capacity, load)
    big = _big(priority, unit_cost, n)
    # Nodes: needs 0..n-1, kinds n..n+kinds-1, volunteers after, then the sink.
    at_v, sink = n + kinds, n + kinds + m
    tails = np.concatenate([clean, own[:, 0], n + kv[:, 0], at_v + unit_volunteer, np.arange(n)])
    heads = np.concatenate(
        [
            n + kind_of[clean],
            at_v + own[:, 1],
            at_v + kv[:, 1],
            np.full(len(unit_volunteer), sink),
            np.full(n, sink),
        ]
    )
    capacities = np.concatenate(
        [
            np.ones(len(clean) + len(own), dtype=np.int64),
            size[kv[:, 0]],
            np.ones(len(unit_volunteer) + n, dtype=np.int64),
        ]
    )
    free = np.zeros(len(clean) + len(own) + len(kv), dtype=np.int64)
    costs = np.concatenate([free, unit_cost, big + np.asarray(priority, dtype=np.int64)])
    flows = _min_cost_flow(tails, heads, capacities, costs, n, sink)
    chosen = [(int(a), int(b)) for a, b in own[flows[len(clean) : len(clean) + len(own)] > 0]]
    into = flows[: len(clean)] > 0
    waiting: dict[int, list[int]] = defaultdict(list)
    for i in clean[into]:
        waiting[int(kind_of[i])].append(int(i))
    sent = flows[len(clean) + len(own) : len(clean) + len(own) + len(kv)]
    for arc in np.flatnonzero(sent):
        k, v = int(kv[arc, 0]), int(kv[arc, 1])
        chosen += [(waiting[k].pop(), v) for _ in range(int(sent[arc]))]
    return sorted(chosen)


def kind_arcs(graph: KindGraph, size: Any) -> Any:
    """The (kind, volunteer) arcs of the kinds with `size` > 0 needs, as an n x 2 array
    (built without a Python tuple per arc: there are millions on a very large network)."""
    kinds = [k for k in range(len(graph.candidates)) if size[k] and graph.candidates[k]]
    if not kinds:
        return np.zeros((0, 2), dtype=np.int64)
    lengths = np.asarray([len(graph.candidates[k]) for k in kinds], dtype=np.int64)
    volunteers = np.concatenate([np.asarray(graph.candidates[k], dtype=np.int64) for k in kinds])
    return np.stack([np.repeat(np.asarray(kinds, dtype=np.int64), lengths), volunteers], axis=1)
