"""The assignment solver against brute force on small random instances."""

from __future__ import annotations

import itertools
import random

import pytest

from sheetsync.match.solver import FAIRNESS, Problem, solve


def ranked(problem: Problem, assignment: dict[int, int]) -> tuple[int, list[int], int]:
    """The issue's order, not the solver's sum: the most needs; then the served needs'
    priorities, highest first, compared in turn; then the least fairness cost."""
    tasks = [list(assignment.values()).count(v) for v in range(len(problem.capacity))]
    fairness = sum(FAIRNESS * (problem.load[v] + k) for v, t in enumerate(tasks) for k in range(t))
    served = sorted((problem.priority[i] for i in assignment), reverse=True)
    return len(assignment), served, -fairness


def brute_force_ranked(problem: Problem) -> tuple[int, list[int], int]:
    options = [
        [None, *[v for (i, v) in problem.pairs if i == need]]
        for need in range(len(problem.priority))
    ]
    best = None
    for choice in itertools.product(*options):
        assignment = {i: v for i, v in enumerate(choice) if v is not None}
        used = [list(assignment.values()).count(v) for v in range(len(problem.capacity))]
        if any(u > c for u, c in zip(used, problem.capacity, strict=True)):
            continue
        rank = ranked(problem, assignment)
        if best is None or rank > best:
            best = rank
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(200))
def test_lexicographic_order_of_the_issue(seed):
    """The flow's weighted sum gives exactly the issue's order: most needs, then urgency and
    waiting, then fairness."""
    problem = random_problem(random.Random(1000 + seed))
    assert ranked(problem, dict(solve(problem))) == brute_force_ranked(problem)


def objective(problem: Problem, assignment: dict[int, int]) -> tuple[int, int]:
    """(needs matched, cost of the rest): larger first, smaller second is better."""
    unmatched = sum(p for i, p in enumerate(problem.priority) if i not in assignment)
    tasks = [list(assignment.values()).count(v) for v in range(len(problem.capacity))]
    fairness = sum(FAIRNESS * (problem.load[v] + k) for v, t in enumerate(tasks) for k in range(t))
    return len(assignment), unmatched + fairness


def brute_force(problem: Problem) -> tuple[int, int]:
    options = [
        [None, *[v for (i, v) in problem.pairs if i == need]]
        for need in range(len(problem.priority))
    ]
    best: tuple[int, int] | None = None
    for choice in itertools.product(*options):
        assignment = {i: v for i, v in enumerate(choice) if v is not None}
        used = [list(assignment.values()).count(v) for v in range(len(problem.capacity))]
        if any(u > c for u, c in zip(used, problem.capacity, strict=True)):
            continue
        count, cost = objective(problem, assignment)
        if best is None or (count, -cost) > (best[0], -best[1]):
            best = (count, cost)
    assert best is not None
    return best


def random_problem(rng: random.Random) -> Problem:
    n, m = rng.randint(1, 6), rng.randint(1, 4)
    pairs = sorted({(rng.randrange(n), rng.randrange(m)) for _ in range(rng.randint(0, n * m))})
    return Problem(
        priority=[rng.choice([0, 10, 1000, 100_000]) + rng.randint(0, 9) for _ in range(n)],
        capacity=[rng.randint(0, 3) for _ in range(m)],
        load=[rng.randint(0, 4) for _ in range(m)],
        pairs=pairs,
    )


@pytest.mark.parametrize("seed", range(300))
def test_optimal_against_brute_force(seed):
    problem = random_problem(random.Random(seed))
    found = dict(solve(problem))
    used = [list(found.values()).count(v) for v in range(len(problem.capacity))]
    assert all(u <= c for u, c in zip(used, problem.capacity, strict=True))
    assert all((i, v) in set(problem.pairs) for i, v in found.items())
    assert objective(problem, found) == brute_force(problem)


def test_maximum_count_before_priority():
    # Volunteer 0 can take need 0 or need 1; volunteer 1 only need 1. Matching the most
    # needs (2) means need 0 -> v0 and need 1 -> v1, whatever the priorities.
    problem = Problem(
        priority=[0, 100], capacity=[1, 1], load=[0, 0], pairs=[(0, 0), (1, 0), (1, 1)]
    )
    assert solve(problem) == [(0, 0), (1, 1)]


def test_urgent_first_when_not_all_can_be_served():
    problem = Problem(priority=[5, 900, 40], capacity=[1], load=[0], pairs=[(0, 0), (1, 0), (2, 0)])
    assert solve(problem) == [(1, 0)]


def test_work_goes_to_the_volunteer_with_fewer_recent_tasks():
    problem = Problem(
        priority=[0, 0], capacity=[2, 2], load=[3, 0], pairs=[(0, 0), (0, 1), (1, 0), (1, 1)]
    )
    # v1 has none: both go to v1 (its second task still makes 1 < 3).
    assert solve(problem) == [(0, 1), (1, 1)]
    even = Problem(priority=[0, 0], capacity=[2, 2], load=[1, 0], pairs=problem.pairs)
    assert solve(even) in ([(0, 0), (1, 1)], [(0, 1), (1, 0)])  # one each
    one = Problem(priority=[0], capacity=[2, 2], load=[3, 0], pairs=[(0, 0), (0, 1)])
    assert solve(one) == [(0, 1)]
