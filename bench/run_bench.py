"""make bench: wall time and peak memory of `sheetsync run weekly` at sizes S, M and L.

Each size gets a generated network workbook (bench/out/SIZE/network.xlsx). The weekly job runs
twice in a fresh process each time: the first run takes every response in, the second finds
nothing new and must change no data (it still appends its Run log row).
Usage: python bench/run_bench.py [S] [M] [L]
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from sheetsync.config import DEFAULT_FORM_TABS, SHEETSYNC_TABS, render_config
from sheetsync.demo import SIZES, generate_responses
from sheetsync.schema import load_schemas

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NOW = dt.datetime(2026, 11, 23, 9, 0)
ZONES = ("Northside", "Eastside", "Southside", "Westside", "Downtown")
TARGETS = {"L": (60.0, 2048.0)}  # seconds, MiB: the aims for the first run at size L


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
        for response in responses.get(form, []):
            sheet.append([response[n] for n in names])
    for logical in SHEETSYNC_TABS:
        book.create_sheet(SHEETSYNC_TABS[logical]).append(schemas[logical].titles)
    book.save(folder / "network.xlsx")
    config = folder / "sheetsync.toml"
    config.write_text(render_config(backend="local", workbook="network.xlsx", zones=ZONES))
    return config


def measure(config: Path, job: str = "weekly", now: dt.datetime = NOW) -> dict[str, float]:
    """Run a job (the weekly one unless told) in a fresh process at `now`; its wall time,
    peak RSS and what it changed."""
    code = (
        "import json, resource, sys, time, datetime as dt\n"
        "from sheetsync.config import Config\n"
        "from sheetsync.backends import open_backend\n"
        "from sheetsync.jobs import find_job, run_job\n"
        "t = time.perf_counter()\n"
        "c = Config.from_file(sys.argv[1])\n"
        "r = run_job(find_job(sys.argv[2], c), open_backend(c), c,\n"
        "  now=dt.datetime.fromisoformat(sys.argv[3]))\n"
        "print(json.dumps({'seconds': time.perf_counter() - t,\n"
        "  'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,\n"
        "  'rows_added': r.rows_added, 'cells_changed': r.cells_changed,\n"
        "  'responses': r.step('intake').counts['responses'],\n"
        "  'steps': {s.name: s.seconds for s in r.steps}}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(config), job, now.isoformat()],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main(sizes: list[str]) -> int:
    print(
        f"{'size':<5}{'responses':>10}{'run':>8}{'wall s':>9}{'peak MiB':>10}"
        f"{'rows+':>9}{'cells~':>8}  steps"
    )
    verdicts = []
    for size in sizes:
        began = time.perf_counter()
        config = build(size)
        print(f"# {size}: workbook generated in {time.perf_counter() - began:.1f} s", flush=True)
        for run in ("first", "second"):
            m = measure(config)
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in m["steps"].items())
            print(
                f"{size:<5}{m['responses']:>10}{run:>8}{m['seconds']:>9.1f}"
                f"{m['peak_mib']:>10.0f}{m['rows_added']:>9}{m['cells_changed']:>8}  {steps}",
                flush=True,
            )
            if run == "second":
                ok = m["rows_added"] == 0 and m["cells_changed"] == 0
                verdicts.append(f"{size}: second run changed no data: {'yes' if ok else 'NO'}")
            if run == "first" and size in TARGETS:
                secs, mib = TARGETS[size]
                verdicts.append(
                    f"{size}: first run {m['seconds']:.0f} s (aim < {secs:.0f} s), "
                    f"peak {m['peak_mib']:.0f} MiB (aim < {mib:.0f} MiB)"
                )
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["S", "M", "L"]))
