"""make bench: wall time, peak memory and where the time goes, at sizes S, M and L.

Each size gets a generated network workbook (bench/out/SIZE/network.xlsx). Three runs follow,
each in a fresh process:
- first: the weekly job takes every response in;
- rerun: the weekly job again at the same time, with nothing new: it must change no data
  (its Run log row is written outside the run's tabs); having changed nothing, it settles
  its inputs (its job's row on the Fingerprints tab, sheetsync/fingerprints.py);
- settled: the weekly job a third time, still at the same time and with nothing new: it
  reads what the settled run read, so it is skipped (it writes only its Run log row);
- hourly: one new request comes in on the form tab, and the between-runs job (jobs/intake.toml,
  the job named "intake") runs an hour and a quarter after the weekly run.
Printed per run: wall time, peak memory, what it changed, and each step's share of the wall
time, with "read" (the backend's reads), "write" (its writes) and "other" (planning the
changes and the run report: wall time minus steps, reads and writes) as shares of their own.
Then the growth exponent of each part of the first run from M to L, log(tL/tM)/log(nL/nM)
with n the responses, and the aims of issue 22 with pass or fail: an aim not met is printed
as NOT MET. The figures go to bench/out/figures.json.
Usage: python bench/run_bench.py [S] [M] [L]
"""

from __future__ import annotations

import datetime as dt
import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from sheetsync.backends.base import TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.config import DEFAULT_FORM_TABS, SHEETSYNC_TABS, Config, render_config
from sheetsync.demo import SIZES, generate_responses
from sheetsync.schema import load_schemas

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NOW = dt.datetime(2026, 11, 23, 9, 0)
HOURLY_AT = NOW + dt.timedelta(hours=1, minutes=15)  # the next hourly slot (:15)
HOURLY_JOB = "intake"  # jobs/intake.toml: the between-runs job, every hour at :15
ZONES = ("Northside", "Eastside", "Southside", "Westside", "Downtown")
RUNS = ("first", "rerun", "settled", "hourly")

# The aims of issue 22, at size L.
AIM_FIRST_SECONDS = 60.0
AIM_FIRST_MIB = 1536.0
AIM_RERUN_SECONDS = 5.0
AIM_HOURLY_SECONDS = 10.0
AIM_EXPONENT = 1.1
FIT_FLOOR_SECONDS = 0.2  # parts shorter than this at L are too small to fit an exponent
# The tab the hourly job rewrites at L even with nothing new: needs' escalations change it
# by time alone (docs/performance.md).
HOURLY_WRITES = "Needs"

Figures = dict[str, Any]


def build(size: str, folder: Path | None = None) -> Path:
    """Write a network workbook for a size (form tabs filled, sheetsync tabs with headers),
    in bench/out/SIZE unless told."""
    folder = folder or OUT / size
    folder.mkdir(parents=True, exist_ok=True)
    schemas = load_schemas()
    responses = generate_responses(SIZES[size], now=NOW, zones=ZONES)
    # write_only streams rows: the L workbook has about 1.5 million cells.
    book = openpyxl.Workbook(write_only=True)
    for form, tab in DEFAULT_FORM_TABS.items():
        sheet = book.create_sheet(tab)
        names = schemas[form].names
        sheet.append(schemas[form].titles)
        # The generated network has no answers on some forms (feedback): a header only.
        for response in responses.get(form, []):
            sheet.append([response[n] for n in names])
    for logical in SHEETSYNC_TABS:
        book.create_sheet(SHEETSYNC_TABS[logical]).append(schemas[logical].titles)
    book.save(folder / "network.xlsx")
    config = folder / "sheetsync.toml"
    config.write_text(render_config(backend="local", workbook="network.xlsx", zones=ZONES))
    return config


def new_request(first: dict[str, Value], at: dt.datetime) -> dict[str, Value]:
    """A request for today from someone new, shaped as the network's first request."""
    answers = dict(first)
    answers.update(
        {
            "timestamp": at,
            "name": "Benchmark Newcomer",
            "phone": "(212) 555-0142",
            "email": "newcomer@example.net",
            "urgency": "Today",
        }
    )
    return answers


def append_request(config_path: Path, at: dt.datetime) -> None:
    """The request form writes one new request below the responses the tab holds."""
    config = Config.from_file(config_path)
    assert config.workbook is not None
    backend = WorkbookBackend(config.workbook)
    names = load_schemas()["requests"].names
    tab = DEFAULT_FORM_TABS["requests"]
    rows = backend.read_tabs([tab])[tab].rows
    answers = new_request(dict(zip(names, rows[1], strict=False)), at)
    row = [answers.get(n, "") for n in names]
    backend.apply([TabChanges(tab=tab, start_row=len(rows) + 1, append=[row])])


def measure(config: Path, job: str = "weekly", now: dt.datetime = NOW) -> Figures:
    """Run a job (the weekly one unless told) in a fresh process at `now`: its figures
    (see `_child`)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config), job, now.isoformat()],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: Figures = json.loads(out.stdout)
    return figures


def _timed(method: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    """`method`, adding the seconds each call takes to spent[0]."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began

    return timed


def floor(config_path: Path) -> Figures:
    """What any run that reads the workbook and rewrites the Needs tab must spend, measured
    on the workbook as the runs left it, in this process: calamine (the reader the backend
    uses, in Rust) parsing each tab's cells, and the Needs tab's worksheet part inflated and
    deflated again as a save writes it (zipfile's default level). No step, no conversion to
    Python values, no planning: a floor under the hourly job's time, not an estimate of it."""
    import zipfile
    import zlib

    from python_calamine import CalamineWorkbook

    from sheetsync.backends.xlsx_patch import sheet_parts

    config = Config.from_file(config_path)
    assert config.workbook is not None
    began = time.perf_counter()
    book = CalamineWorkbook.from_path(config.workbook)
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    parse = time.perf_counter() - began
    with zipfile.ZipFile(config.workbook) as source:
        part = sheet_parts(source)[HOURLY_WRITES]
        began = time.perf_counter()
        xml = source.read(part)
        inflate = time.perf_counter() - began
    began = time.perf_counter()
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    packer.compress(xml)
    packer.flush()
    deflate = time.perf_counter() - began
    return {
        "parse_every_tab": parse,
        "needs_part_mib": len(xml) / 2**20,
        "needs_inflate": inflate,
        "needs_deflate": deflate,
        "seconds": parse + inflate + deflate,
    }


def _child(config_path: str, job: str, now: str) -> Figures:
    """In the fresh process: run the job and return its wall time, peak RSS, the seconds of
    each step and of the backend's reads and writes, and what it changed (tabs and columns,
    never values)."""
    from sheetsync.backends import open_backend
    from sheetsync.jobs import find_job, run_job

    began = time.perf_counter()
    config = Config.from_file(Path(config_path))
    backend = open_backend(config)
    read, write = [0.0], [0.0]
    # Instance attributes shadow the class's methods: every read and write of the run.
    backend.read_tabs = _timed(backend.read_tabs, read)  # type: ignore[method-assign]
    backend.apply = _timed(backend.apply, write)  # type: ignore[method-assign]
    report = run_job(find_job(job, config), backend, config, now=dt.datetime.fromisoformat(now))
    seconds = time.perf_counter() - began
    intake = report.step("intake")
    steps = {s.name: s.seconds for s in report.steps}
    return {
        "seconds": seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "responses": intake.counts.get("responses", 0) if intake else 0,
        "rows_added": report.rows_added,
        "cells_changed": report.cells_changed,
        "skipped": bool(report.skipped_for),
        "steps": steps,
        "read": read[0],
        "write": write[0],
        "other": max(0.0, seconds - sum(steps.values()) - read[0] - write[0]),
        "changed": {
            t.tab: {
                "rows_added": t.rows_added,
                "cells_changed": t.cells_changed,
                "columns": sorted({c.column for c in t.changed}),
            }
            for t in report.tabs
            if t.rows_added or t.cells_changed
        },
    }


def parts(run: Figures) -> dict[str, float]:
    """A run's seconds by part: its steps, then read, write and other."""
    return {**run["steps"], "read": run["read"], "write": run["write"], "other": run["other"]}


def shares(run: Figures) -> str:
    """Each part's share of a run's wall time, largest first."""
    wall = run["seconds"] or 1.0
    ranked = sorted(parts(run).items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {100 * v / wall:.0f}%" for k, v in ranked)


def exponents(m: Figures, big: Figures) -> dict[str, float | None]:
    """The growth exponent of each part of a run from M to L, log(tL/tM)/log(nL/nM), n the
    responses; None for a part under FIT_FLOOR_SECONDS at L (too small to fit)."""
    ratio = math.log(big["responses"] / m["responses"])
    small, large = parts(m), parts(big)
    fitted: dict[str, float | None] = {}
    for name, seconds in large.items():
        before = small.get(name, 0.0)
        if seconds < FIT_FLOOR_SECONDS or before <= 0.0:
            fitted[name] = None
        else:
            fitted[name] = math.log(seconds / before) / ratio
    return fitted


def rerun_changes(run: Figures) -> str:
    """What an unchanged re-run changed, by tab and column ("" when nothing)."""
    return "; ".join(
        f"{tab}: {c['rows_added']} rows added, {c['cells_changed']} cells changed"
        + (f" ({', '.join(c['columns'])})" if c["columns"] else "")
        for tab, c in run["changed"].items()
    )


def aims(figures: dict[str, Figures], fitted: dict[str, float | None] | None) -> list[str]:
    """The aims of issue 22 at size L with met / NOT MET (a line each)."""
    if "L" not in figures:
        return ["aims: measured at size L only (run with L)"]
    first, rerun, settled, hourly = (figures["L"][r] for r in RUNS)
    least = figures["L"].get("floor")
    lines = [
        _aim(
            f"L first run {first['seconds']:.1f} s (aim <= {AIM_FIRST_SECONDS:.0f} s)",
            first["seconds"] <= AIM_FIRST_SECONDS,
        ),
        _aim(
            f"L first run peak {first['peak_mib']:.0f} MiB (aim <= {AIM_FIRST_MIB:.0f} MiB)",
            first["peak_mib"] <= AIM_FIRST_MIB,
        ),
        _aim(
            f"L re-run {rerun['seconds']:.1f} s (aim <= {AIM_RERUN_SECONDS:.0f} s)",
            rerun["seconds"] <= AIM_RERUN_SECONDS,
        ),
        _aim(
            "L re-run changes no data but its Run log row"
            + (f" (it changed {rerun_changes(rerun)})" if rerun["changed"] else ""),
            not rerun["changed"],
        ),
        _aim(
            f"L re-run after a settled run {settled['seconds']:.1f} s, "
            + ("skipped" if settled.get("skipped") else "not skipped")
            + f" (aim <= {AIM_RERUN_SECONDS:.0f} s)",
            settled["seconds"] <= AIM_RERUN_SECONDS and bool(settled.get("skipped")),
        ),
        _aim(
            f"L hourly job with one new response {hourly['seconds']:.1f} s "
            f"(aim <= {AIM_HOURLY_SECONDS:.0f} s)",
            hourly["seconds"] <= AIM_HOURLY_SECONDS,
        ),
    ]
    if least is not None:
        lines.append(
            _aim(
                f"L floor of the hourly job, reading every tab and rewriting {HOURLY_WRITES} "
                f"before any step: {least['seconds']:.1f} s "
                f"(under the hourly aim of {AIM_HOURLY_SECONDS:.0f} s)",
                least["seconds"] < AIM_HOURLY_SECONDS,
            )
        )
    if fitted is None:
        lines.append("growth M to L: needs sizes M and L")
        return lines
    for name, exponent in fitted.items():
        if exponent is None:
            lines.append(f"growth of {name}: too small to fit (under {FIT_FLOOR_SECONDS} s at L)")
        else:
            lines.append(
                _aim(
                    f"growth of {name}: n^{exponent:.2f} (aim <= n^{AIM_EXPONENT})",
                    exponent <= AIM_EXPONENT,
                )
            )
    return lines


def _aim(text: str, met: bool) -> str:
    return f"{text}: {'met' if met else 'NOT MET'}"


def main(sizes: list[str]) -> int:
    print(
        f"{'size':<5}{'responses':>10}{'run':>8}{'wall s':>9}{'peak MiB':>10}"
        f"{'rows+':>9}{'cells~':>8}  shares of the wall time"
    )
    figures: dict[str, Figures] = {}
    for size in sizes:
        began = time.perf_counter()
        config = build(size)
        print(f"# {size}: workbook generated in {time.perf_counter() - began:.1f} s", flush=True)
        figures[size] = {}
        for run in RUNS:
            if run == "hourly":
                append_request(config, NOW + dt.timedelta(hours=1))
                m = measure(config, HOURLY_JOB, HOURLY_AT)
            else:
                m = measure(config)
            figures[size][run] = m
            print(
                f"{size:<5}{m['responses']:>10}{run:>8}{m['seconds']:>9.1f}"
                f"{m['peak_mib']:>10.0f}{m['rows_added']:>9}{m['cells_changed']:>8}  {shares(m)}",
                flush=True,
            )
            if run == "rerun" and m["changed"]:
                print(f"#   the re-run changed {rerun_changes(m)}", flush=True)
        if size == "L":
            figures[size]["floor"] = f = floor(config)
            print(
                f"# floor of a run that reads the L workbook and rewrites {HOURLY_WRITES}: "
                f"{f['seconds']:.1f} s (calamine parsing every tab {f['parse_every_tab']:.1f} s; "
                f"{HOURLY_WRITES}'s part, {f['needs_part_mib']:.0f} MiB, inflated "
                f"{f['needs_inflate']:.1f} s and deflated {f['needs_deflate']:.1f} s)",
                flush=True,
            )
    fitted = (
        exponents(figures["M"]["first"], figures["L"]["first"])
        if {"M", "L"} <= set(figures)
        else None
    )
    if fitted is not None:
        print(
            "growth M to L (first run): "
            + ", ".join(f"{k} {'-' if v is None else f'{v:.2f}'}" for k, v in fitted.items())
        )
    verdicts = aims(figures, fitted)
    print("\n".join(verdicts))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "figures.json").write_text(
        json.dumps({"sizes": figures, "growth": fitted, "aims": verdicts}, indent=1) + "\n"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(_child(*sys.argv[2:])))
        sys.exit(0)
    sys.exit(main(sys.argv[1:] or ["S", "M", "L"]))
