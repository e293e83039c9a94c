"""bench/run_bench.py's figures: growth exponents, shares and the aims' verdicts (an aim not met
says NOT MET). The bench itself runs in `make bench`, never in a test."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_bench", module)
    spec.loader.exec_module(module)
    return module


run_bench = _bench()


def _run(seconds: float, responses: int, steps: dict[str, float], **extra: Any) -> Any:
    run = {
        "seconds": seconds,
        "peak_mib": 100.0,
        "responses": responses,
        "rows_added": 0,
        "cells_changed": 0,
        "steps": steps,
        "read": 0.0,
        "write": 0.0,
        "other": 0.0,
        "changed": {},
    }
    run.update(extra)
    return run


def test_exponents_fit_each_part_from_m_to_l_and_skip_small_ones() -> None:
    m = _run(2.0, 1_000, {"intake": 1.0, "expire": 0.01, "match": 0.5}, write=0.5)
    big = _run(60.0, 10_000, {"intake": 10.0, "expire": 0.1, "match": 50.0}, write=5.0)
    fitted = run_bench.exponents(m, big)
    assert math.isclose(fitted["intake"], 1.0)
    assert math.isclose(fitted["match"], 2.0)
    assert math.isclose(fitted["write"], 1.0)
    assert fitted["expire"] is None  # under 0.2 s at L: too small to fit
    assert fitted["read"] is None


def test_shares_count_read_write_and_other_as_parts() -> None:
    run = _run(10.0, 10, {"intake": 5.0}, read=2.0, write=2.0, other=1.0)
    assert run_bench.shares(run) == "intake 50%, read 20%, write 20%, other 10%"


def test_aims_not_met_are_printed_as_such() -> None:
    first = _run(120.0, 100, {"match": 30.0}, peak_mib=2000.0)
    changed = {"Needs": {"rows_added": 0, "cells_changed": 3, "columns": ["recurrence_note"]}}
    rerun = _run(1.0, 100, {}, cells_changed=3, changed=changed)
    settled = _run(4.0, 100, {}, skipped=False)
    hourly = _run(3.0, 101, {})
    figures = {"L": {"first": first, "rerun": rerun, "settled": settled, "hourly": hourly}}
    lines = run_bench.aims(figures, {"match": 1.5, "expire": None})
    assert lines == [
        "L first run 120.0 s (aim <= 60 s): NOT MET",
        "L first run peak 2000 MiB (aim <= 1536 MiB): NOT MET",
        "L re-run 1.0 s (aim <= 5 s): met",
        "L re-run changes no data but its Run log row (it changed Needs: 0 rows added, "
        "3 cells changed (recurrence_note)): NOT MET",
        "L re-run after a settled run 4.0 s, not skipped (aim <= 5 s): NOT MET",
        "L hourly job with one new response 3.0 s (aim <= 10 s): met",
        "growth of match: n^1.50 (aim <= n^1.1): NOT MET",
        "growth of expire: too small to fit (under 0.2 s at L)",
    ]


def test_aims_need_size_l() -> None:
    assert run_bench.aims({}, None) == ["aims: measured at size L only (run with L)"]


def test_the_floor_of_the_hourly_job_is_an_aim_of_its_own() -> None:
    runs = {r: _run(1.0, 100, {}, skipped=r == "settled") for r in run_bench.RUNS}
    floor = {"seconds": 11.6, "parse_every_tab": 8.8, "needs_inflate": 0.5, "needs_deflate": 2.3}
    lines = run_bench.aims({"L": {**runs, "floor": floor}}, {})
    assert lines[-1] == (
        "L floor of the hourly job, reading every tab and rewriting Needs before any step: "
        "11.6 s (under the hourly aim of 10 s): NOT MET"
    )
    floor["seconds"] = 3.0
    assert run_bench.aims({"L": {**runs, "floor": floor}}, {})[-1].endswith("10 s): met")


def test_the_floor_is_measured_on_the_workbook_the_runs_left(tmp_path: Path) -> None:
    config = run_bench.build("S", tmp_path)
    measured = run_bench.floor(config)
    assert measured["needs_part_mib"] > 0  # the Needs tab's part was found and read
    parts = ("parse_every_tab", "needs_inflate", "needs_deflate")
    assert all(measured[p] >= 0 for p in parts)
    assert math.isclose(measured["seconds"], sum(measured[p] for p in parts))
