"""Matching solver: optimal min-cost flow against a first-come-first-served dispatcher.

Sizes: 10,000 open needs x 5,000 volunteers and 50,000 x 20,000, about 50 eligible
volunteers a need (category offered, same or neighbouring zone, a shared language), as
much capacity as needs. Eligibility is generated here from those attributes; the step's
own eligibility code is not part of this measure. Each size runs in a fresh process that
reports its time and peak memory.

Prints per method: seconds, needs matched against the maximum (the optimum's count is the
max-flow bound), urgent needs matched, and the share of tasks held by the busiest 10% of
volunteers.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from sheetsync.match.solver import Problem, solve

OUT = Path(__file__).parent / "out"
SIZES = {"10k": (10_000, 5_000), "50k": (50_000, 20_000)}
AIMS = {"10k": (3.0, 1024), "50k": (30.0, None)}  # seconds, MiB
CATEGORIES, ZONES, LANGUAGES = 8, 8, ("en", "es", "zh", "ar", "ht")
URGENCY = (("today", 0.15, 2), ("this week", 0.5, 1), ("whenever", 0.35, 0))


def instance(n: int, m: int, seed: int = 1) -> tuple[Problem, list[bool]]:
    """A random network: needs, volunteers, eligible pairs (~50 a need)."""
    rng = random.Random(seed)
    volunteers = []
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for v in range(m):
        offers = rng.sample(range(CATEGORIES), rng.randint(1, 3))
        zone = rng.randrange(ZONES)
        langs = {"en"} | ({rng.choice(LANGUAGES)} if rng.random() < 0.4 else set())
        volunteers.append(langs)
        for c in offers:
            for z in (zone, (zone + 1) % ZONES):  # their zone and one neighbour
                buckets[(c, z)].append(v)
    priority, urgent, pairs = [], [], []
    for i in range(n):
        kind = rng.choices(URGENCY, weights=[u[1] for u in URGENCY])[0]
        priority.append(kind[2] * 100_000 + 100 * rng.randint(0, 60))  # urgency, then days
        urgent.append(kind[0] == "today")
        lang = "en" if rng.random() < 0.7 else rng.choice(LANGUAGES)
        pool = buckets[(rng.randrange(CATEGORIES), rng.randrange(ZONES))]
        eligible = [v for v in pool if lang in volunteers[v]]
        for v in rng.sample(eligible, min(len(eligible), 50)):
            pairs.append((i, v))
    # Fewer task slots than needs, as in most networks: who gets served matters.
    capacity = [rng.choice((1, 1, 1, 2, 2, 3)) for _ in range(m)]
    load = [rng.choice((0, 0, 0, 1, 2, 4)) for _ in range(m)]
    return Problem(priority, capacity, load, pairs), urgent


def first_come(problem: Problem, order: list[int]) -> list[tuple[int, int]]:
    """A dispatcher: each need in arrival order takes its first volunteer with room."""
    left = list(problem.capacity)
    options: dict[int, list[int]] = defaultdict(list)
    for i, v in problem.pairs:
        options[i].append(v)
    taken = []
    for i in order:
        for v in options[i]:
            if left[v] > 0:
                left[v] -= 1
                taken.append((i, v))
                break
    return taken


def figures(problem: Problem, urgent: list[bool], taken: list[tuple[int, int]]) -> dict:
    per: dict[int, int] = defaultdict(int)
    for _, v in taken:
        per[v] += 1
    busiest = sorted(per.values(), reverse=True)[: max(1, len(problem.capacity) // 10)]
    return {
        "matched": len(taken),
        "urgent_matched": sum(urgent[i] for i, _ in taken),
        "urgent": sum(urgent),
        "busiest_10pct_share": sum(busiest) / max(1, len(taken)),
    }


def worker(size: str) -> dict:
    n, m = SIZES[size]
    problem, urgent = instance(n, m)
    began = time.perf_counter()
    best = solve(problem)
    optimal_s = time.perf_counter() - began
    order = list(range(n))  # arrival order: the generator's
    began = time.perf_counter()
    greedy = first_come(problem, order)
    greedy_s = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size,
        "needs": n,
        "volunteers": m,
        "pairs": len(problem.pairs),
        "optimal": {"seconds": optimal_s, **figures(problem, urgent, best)},
        "first_come": {"seconds": greedy_s, **figures(problem, urgent, greedy)},
        "peak_mib": peak,
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2])))
        return 0
    results = []
    for size in SIZES:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", size], capture_output=True, text=True
        )
        if done.returncode:
            print(f"{size}: failed: {done.stderr.strip().splitlines()[-1]}")
            return 1
        results.append(json.loads(done.stdout))
    print(
        "size  needs x volunteers  pairs      method       secs  matched (of max)  urgent  top 10%"
    )
    for r in results:
        best = r["optimal"]["matched"]
        for method in ("optimal", "first_come"):
            f = r[method]
            print(
                f"{r['size']:<5} {r['needs']:>6,} x {r['volunteers']:<8,} {r['pairs']:>9,}  "
                f"{method:<10} {f['seconds']:6.2f}  {f['matched']:>7,} ({f['matched'] / best:.1%})"
                f"  {f['urgent_matched']:>5,}/{f['urgent']:<6,} {f['busiest_10pct_share']:.1%}"
            )
        seconds, mib = AIMS[r["size"]]
        verdict = "ok" if r["optimal"]["seconds"] < seconds else "MISSED"
        memory = f", peak {r['peak_mib']:.0f} MiB" + (
            f" (aim < {mib} MiB) {'ok' if r['peak_mib'] < mib else 'MISSED'}" if mib else ""
        )
        took = r["optimal"]["seconds"]
        print(f"      optimum in {took:.2f} s (aim < {seconds:.0f} s) {verdict}{memory}")
    OUT.mkdir(exist_ok=True)
    (OUT / "matching.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
