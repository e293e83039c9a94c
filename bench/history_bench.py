"""make bench: issue 18's multi-run history at sizes M and L, checked by an independent oracle.

Each size gets a generated network workbook (bench/out/history/SIZE/network.xlsx). The weekly
job runs four times, a week of events between runs (testkit histories.play_week: organizers
answer the proposals and mark tasks done, new requests and volunteers, resubmissions under
name variants with the same phone and email, check-ins red/yellow/green with hours, capacity
changes, a do-not-contact mark, a second task typed by hand for a need). After every run the
oracle (testkit history_oracle) counts the invariants broken; after the last, one fresh
weekly run on the final data (histories.fresh_run) gives the matched count to compare with.

Printed and written to bench/out/history.json, per size:
- invariant violations: those sheetsync made or could undo, plus any left unreported on
  the Errors tab (must be 0), and all of them by code (needs double-booked, volunteers over
  capacity, proposals held by someone unavailable, not maximal);
- matched count after the last run, against the fresh run and the max-flow bound;
- dedupe precision, recall and household merges on the generator's truth: pairs of valid
  responses attributed to the same kept person.
Usage: python bench/history_bench.py [--sizes M,L] [--weeks 4] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sheetsync_testkit.histories import HistorySim, dedupe_score, fresh_run, play_week
from sheetsync_testkit.history_oracle import (
    NEED_OVERBOOKED,
    NOT_MAXIMAL,
    OVER_CAPACITY,
    UNAVAILABLE_PROPOSED,
    Check,
    account,
    check,
)

from sheetsync.demo import SIZES

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CODES = (NEED_OVERBOOKED, OVER_CAPACITY, UNAVAILABLE_PROPOSED, NOT_MAXIMAL)


def figures(found: Check) -> dict[str, Any]:
    """One run's oracle findings as counts."""
    return {
        "matched": found.matched,
        "bound": found.bound,
        "bound_exact": found.bound_exact,
        "above_bound": found.above_bound,
        "violations": len(found.violations),
        "by_sheetsync": len(found.by_sheetsync),
        "unreported": len(found.unreported),
        "by_code": {code: found.count(code) for code in CODES},
    }


def history(size: str, weeks: int, seed: int) -> dict[str, Any]:
    """Four (or `weeks`) weekly runs with events between, then a fresh run; the figures."""
    folder = OUT / "history" / size
    shutil.rmtree(folder, ignore_errors=True)
    began = time.perf_counter()
    sim = HistorySim(folder / "history", size=SIZES[size], seed=seed)
    rng = random.Random(seed)
    scale = min(50, max(10, SIZES[size].people // 100))
    print(f"# {size}: network written in {time.perf_counter() - began:.1f} s", flush=True)
    runs = []
    for week in range(weeks):
        if week:
            t = time.perf_counter()
            play_week(sim, rng, scale=scale)
            events = time.perf_counter() - t
        else:
            events = 0.0
        t = time.perf_counter()
        sim.run_weekly()
        seconds = time.perf_counter() - t
        state = sim.state()
        found = figures(check(state, sim.config, sim.clock.date(), matching_ran=True))
        found.update(run=week + 1, seconds=round(seconds, 1), events_seconds=round(events, 1))
        found["accounted"] = account(state, sim.config).ok
        runs.append(found)
        print(
            f"{size} run {week + 1}: {seconds:6.1f} s, matched {found['matched']} "
            f"(bound {found['bound']}), violations {found['violations']} "
            f"(sheetsync {found['by_sheetsync']}, unreported {found['unreported']}) "
            f"{found['by_code']}, rows accounted {found['accounted']}",
            flush=True,
        )
    last = sim.state()
    final = check(last, sim.config, sim.clock.date(), matching_ran=True)
    t = time.perf_counter()
    fresh = check(fresh_run(sim, folder / "fresh"), sim.config, sim.clock.date(), matching_ran=True)
    fresh_seconds = time.perf_counter() - t
    score = dedupe_score(sim, last)
    result = {
        "size": size,
        "seed": seed,
        "events_per_kind": scale,
        "responses": sum(len(rows) for rows in sim.truth.values()),
        "runs": runs,
        "invariant_violations": len({*map(id, final.by_sheetsync), *map(id, final.unreported)}),
        "needs_double_booked": final.count(NEED_OVERBOOKED),
        "volunteers_over_capacity": final.count(OVER_CAPACITY),
        "unavailable_holding_proposals": final.count(UNAVAILABLE_PROPOSED),
        "matched": final.matched,
        "matched_fresh": fresh.matched,
        "bound": final.bound,
        "bound_exact": final.bound_exact,
        "fresh": figures(fresh) | {"seconds": round(fresh_seconds, 1)},
        "dedupe": asdict(score) | {"precision": score.precision, "recall": score.recall},
        "seconds": round(time.perf_counter() - began, 1),
    }
    print(
        f"{size}: invariant violations {result['invariant_violations']} (must be 0); "
        f"needs double-booked {result['needs_double_booked']}, volunteers over capacity "
        f"{result['volunteers_over_capacity']}, unavailable holding proposals "
        f"{result['unavailable_holding_proposals']}; matched {final.matched}, fresh run "
        f"{fresh.matched}, bound {final.bound}{'' if final.bound_exact else ' (relaxed)'}; "
        f"dedupe precision {score.precision:.3f}, recall {score.recall:.3f}, household "
        f"merges {score.household_merges}; {result['seconds']:.0f} s in all",
        flush=True,
    )
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="M,L", help="comma-separated sizes (S, M, L)")
    parser.add_argument("--weeks", type=int, default=4, help="weekly runs in the history")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    results = [history(s.strip(), args.weeks, args.seed) for s in args.sizes.split(",") if s]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "history.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT / 'history.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
