"""make bench: the between-runs (hourly) job at size L with one new response.

The hourly job runs every hour, so it must be cheap whatever the network's size. On run_bench's
L network (bench/out/hourly/L/network.xlsx): the weekly job takes every response in (a fresh
process), one new request for today comes in on the form tab, then the hourly job (jobs/intake)
runs in a fresh process an hour and a quarter later. Printed: its wall time, peak memory and
what it changed, each step's seconds, and the aim (under 10 s) with pass or fail: an aim not met
is printed as such. bench/google_requests.py counts the same run's requests to Google.
Usage: python bench/hourly_bench.py [S] [M] [L]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from run_bench import NOW, OUT, build, measure

from sheetsync.backends.base import TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.config import DEFAULT_FORM_TABS, Config
from sheetsync.schema import load_schemas

AIM_SECONDS = 10.0  # the hourly job's wall time at size L
HOURLY_AT = NOW + dt.timedelta(hours=1, minutes=15)  # the next hourly slot (:15)


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


def main(sizes: list[str]) -> int:
    print(f"{'size':<5}{'run':>8}{'wall s':>9}{'peak MiB':>10}{'rows+':>9}{'cells~':>8}  steps")
    verdicts = []
    for size in sizes:
        began = time.perf_counter()
        config = build(size, OUT / "hourly" / size)
        print(f"# {size}: workbook generated in {time.perf_counter() - began:.1f} s", flush=True)
        for run, job, at in (("weekly", "weekly", NOW), ("hourly", "intake", HOURLY_AT)):
            if run == "hourly":
                append_request(config, NOW + dt.timedelta(hours=1))
            m = measure(config, job, at)
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in m["steps"].items())
            print(
                f"{size:<5}{run:>8}{m['seconds']:>9.1f}{m['peak_mib']:>10.0f}"
                f"{m['rows_added']:>9}{m['cells_changed']:>8}  {steps}",
                flush=True,
            )
            if run == "hourly":
                ok = m["seconds"] < AIM_SECONDS
                verdicts.append(
                    f"{size}: hourly job with one new response {m['seconds']:.1f} s "
                    f"(aim < {AIM_SECONDS:.0f} s: {'met' if ok else 'NOT MET'}), "
                    f"peak {m['peak_mib']:.0f} MiB"
                )
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["L"]))
