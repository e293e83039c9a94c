"""make bench (Google part): API requests per weekly run at sizes S, M and L, through the real
client stack (gspread, google-auth) against the local Sheets API emulator; then one new request
comes in on the form tab and the between-runs (hourly) job runs: its requests too (aim <= 4).

The request count is what matters here (Google's quota is 60 reads and 60 writes a minute per
user); wall times include the emulator's own work in the same process, so they are not
Google's. Usage: python bench/google_requests.py [S] [M] [L]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from pathlib import Path

from run_bench import (  # the same network, clock and new request as the workbook bench
    HOURLY_AT,
    NOW,
    ZONES,
    new_request,
)
from sheetsync_testkit.sheets_emulator import SheetsEmulator, write_service_account_key

from sheetsync.backends.google import MAX_PAYLOAD, GoogleBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import DEFAULT_FORM_TABS, Config
from sheetsync.demo import SIZES, generate_responses
from sheetsync.jobs import find_job, run_job
from sheetsync.schema import load_schemas

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "google"
AIM = 4  # requests per weekly run, whatever the size, unless the write passes MAX_PAYLOAD


def main(sizes: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    schemas = load_schemas()
    print(
        f"{'size':<5}{'responses':>10}{'run':>8}{'requests':>10}{'MB sent':>9}{'wall s':>8}  kinds"
    )
    verdicts = []
    split = f": the write split past {MAX_PAYLOAD / 1e6:.0f} MB"
    with SheetsEmulator() as emulator:
        key = write_service_account_key(OUT / "key.json", emulator)
        for size in sizes:
            responses = generate_responses(SIZES[size], now=NOW, zones=ZONES)
            sheets = {
                DEFAULT_FORM_TABS[form]: [
                    list(schemas[form].titles),
                    # The generated network has no answers on some forms (feedback).
                    *([r[n] for n in schemas[form].names] for r in responses.get(form, [])),
                ]
                for form in DEFAULT_FORM_TABS
            }
            sheet_id = emulator.create_spreadsheet(
                f"{size} network", sheets=sheets, editors=[key["client_email"]], cols=1
            )
            config = Config.from_dict(
                {
                    "network": {"zones": list(ZONES), "timezone": "America/New_York"},
                    "backend": {
                        "kind": "google",
                        "spreadsheet": sheet_id,
                        "credentials": str(OUT / "key.json"),
                    },
                    "google": {"endpoint": emulator.url},
                }
            )
            init_spreadsheet(_backend(config), config)
            n = sum(len(r) for r in responses.values())
            for run, job, at in (
                ("first", "weekly", NOW),
                ("second", "weekly", NOW),
                ("hourly", "intake", HOURLY_AT),
            ):
                if run == "hourly":  # the request form adds one row, as Forms does
                    tab = DEFAULT_FORM_TABS["requests"]
                    answers = new_request(responses["requests"][0], NOW + dt.timedelta(hours=1))
                    row = [answers.get(n, "") for n in schemas["requests"].names]
                    emulator.set_values(sheet_id, tab, f"A{len(responses['requests']) + 2}", [row])
                    n += 1
                emulator.reset_requests()
                began = time.perf_counter()
                run_job(find_job(job, config), _backend(config), config, now=at)
                seconds = time.perf_counter() - began
                requests = emulator.api_requests()
                kinds = Counter(r.kind for r in requests)
                sent = sum(r.body_bytes for r in requests) / 1e6
                listed = ", ".join(f"{k} x{v}" for k, v in kinds.items())
                print(
                    f"{size:<5}{n:>10}{run:>8}{len(requests):>10}{sent:>9.1f}{seconds:>8.1f}"
                    f"  {listed}",
                    flush=True,
                )
                met = len(requests) <= AIM
                split_write = sent * 1e6 > MAX_PAYLOAD
                verdicts.append(
                    f"{size} {run} run: {len(requests)} requests (aim <= {AIM}: "
                    f"{'met' if met else 'NOT MET'}{split if split_write else ''})"
                )
    print("\n".join(verdicts))
    return 0


def _backend(config: Config) -> GoogleBackend:
    assert config.spreadsheet and config.credentials
    return GoogleBackend(config.spreadsheet, config.credentials, endpoint=config.google_endpoint)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["S", "M", "L"]))
