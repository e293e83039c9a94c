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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from sheetsync.errors import SheetsyncError

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
    priority = np.asarray(problem.priority, dtype=np.int64)
    capacity = np.maximum(np.asarray(problem.capacity, dtype=np.int64), 0)
    load = np.asarray(problem.load, dtype=np.int64)
    # Volunteer k-th unit costs: one arc per unit of capacity, rising with load.
    unit_volunteer = np.repeat(np.arange(m, dtype=np.int64), capacity)
    unit_rank = np.arange(len(unit_volunteer)) - np.repeat(np.cumsum(capacity) - capacity, capacity)
    unit_cost = FAIRNESS * (load[unit_volunteer] + unit_rank)
    spread = int(unit_cost.max(initial=0)) + 1
    big = (int(priority.max(initial=0)) + spread) * (n + 1) + 1

    # Nodes: needs 0..n-1, volunteers n..n+m-1, sink n+m.
    sink = n + m
    tails = np.concatenate([pairs[:, 0], n + unit_volunteer, np.arange(n)])
    heads = np.concatenate([n + pairs[:, 1], np.full(len(unit_volunteer), sink), np.full(n, sink)])
    capacities = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate([np.zeros(len(pairs), dtype=np.int64), unit_cost, big + priority])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(n + m + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingError(
            f"The matching solver stopped with status {status} instead of a result; nothing "
            "was written. Please report this with the run report (sheetsync run --json)."
        )
    used = flow.flows(arcs[: len(pairs)]) > 0
    return sorted((int(a), int(b)) for a, b in pairs[used])
