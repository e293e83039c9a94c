"""`sheetsync call-sheet`: the page written private under a name without personal data (or
on stdout), what the command says and its --json (counts only), and the page printed to
PDF by headless Chromium, a page per kind of call."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.call_sheet import CallSheet, Paper, render_call_sheet, select_calls
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.jobs import find_job, run_job
from sheetsync.privacy import Policy
from tests.chromium import chromium_or_skip, headless_flags
from tests.conftest import FORM_OF, NOW, request
from tests.test_call_sheet import MADE, WEEK, call, person
from tests.test_cli_json import VALIDATOR

NAMES = ("Luis", "Ortega", "Rosa", "Diaz", "555", "0102", "0103", "Hola", "Hello")


@pytest.fixture
def network(tmp_path, schemas):
    """`init`'s config and workbook; Luis (yes) and Rosa (no) asked for help by phone, and
    the hourly job put both on the Call list on Monday 23 November (week 2026-W48)."""
    config_path = tmp_path / "sheetsync.toml"
    made = invoke(config_path, "init", "--workbook", str(tmp_path / "network.xlsx"))
    assert made.exit_code == 0, made.output
    store = WorkbookBackend(tmp_path / "network.xlsx")
    phoned = {"email": "", "contact_pref": "Call", "timestamp": NOW.replace(hour=7)}
    rows = [
        request(name="Luis Ortega", phone="201 555 0102", languages="Spanish", **phoned),
        request(name="Rosa Diaz", phone="201 555 0103", consent="No", **phoned),
    ]
    from sheetsync.backends.base import TabChanges

    names = schemas["requests"].names
    store.apply(
        [
            TabChanges(
                tab=FORM_OF["requests"],
                start_row=2,
                append=[[r[n] for n in names] for r in rows],
            )
        ]
    )
    config = Config.from_file(config_path)
    run_job(find_job("intake", config), store, config, now=NOW)
    return config_path


def invoke(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def test_the_page_is_written_private_and_named_by_the_week(network, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o000)  # whatever the umask: the page names people
    try:
        result = invoke(network, "call-sheet", "--week", "2026-w48")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    page = tmp_path / "calls-2026-W48.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert result.stdout.splitlines() == [
        "1 calls to make in 2026-W48: 1 confirmations, 0 follow-ups, 0 asks after help.",
        "1 calls are not on the page: the person has not agreed to share their contact "
        "beyond the organizers. Call them from the Call list tab.",
        "Wrote calls-2026-W48.html: open it in a browser and print it.",
    ]
    html = page.read_text(encoding="utf-8")
    assert "Luis Ortega" in html and "Rosa" not in html
    assert not [w for w in NAMES if w in result.stdout + result.stderr]


def test_out_writes_the_file_given_in_private_folders_or_stdout(network, tmp_path):
    out = tmp_path / "print" / "monday.html"
    result = invoke(network, "call-sheet", "--week", "2026-W48", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert result.stdout.splitlines()[-1] == f"Wrote {out}: open it in a browser and print it."

    printed = invoke(network, "call-sheet", "--week", "2026-W48", "--out", "-")
    assert printed.exit_code == 0
    assert printed.stdout == out.read_text(encoding="utf-8")
    assert printed.stdout.startswith("<!doctype html>")
    assert "1 calls to make in 2026-W48" in printed.stderr  # the counts beside, on stderr


def test_the_log_names_the_week_and_counts_only(network, tmp_path):
    log = tmp_path / "sheetsync.log"
    out = tmp_path / "page.html"
    logged = ["--config", str(network), "--log-file", str(log)]
    result = CliRunner().invoke(
        cli, [*logged, "call-sheet", "--week", "2026-W48", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = log.read_text(encoding="utf-8")
    assert "call sheet 2026-W48: 1 calls, 1 left out" in text
    assert not [w for w in NAMES if w in text]


def test_json_holds_counts_and_no_personal_data(network, tmp_path):
    out = tmp_path / "page.html"
    result = invoke(network, "call-sheet", "--week", "2026-W48", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    VALIDATOR.validate(data)
    assert data == {
        "ok": True,
        "command": "call-sheet",
        "json_version": 1,
        "out": str(out),
        "week": "2026-W48",
        "language": "en",
        "paper": "Letter",
        "calls": 1,
        "by_reason": {"confirmation": 1, "follow-up": 0, "feedback": 0},
        "left_out": {"do_not_contact": 0, "no_consent": 1, "no_phone": 0, "not_on_people": 0},
        "done": 0,
        "earlier_open": 0,
    }
    assert not [w for w in NAMES if w in result.stdout]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "49"], "Invalid value for --week: write an ISO week, e.g. 2026-W49."),
        (["--out", "-", "--json"], "--json prints the counts on stdout: give --out a FILE."),
        (["--paper", "A5"], "Invalid value for '--paper'"),
    ],
)
def test_usage_errors_exit_2_with_what_to_do(network, args, message):
    result = invoke(network, "call-sheet", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    if "--json" in args:
        data = json.loads(result.stdout)
        VALIDATOR.validate(data)
        assert data["error"]["type"] == "UsageError" and data["error"]["exit_code"] == 2


def test_an_out_that_cannot_be_written_says_what_to_do(network, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = invoke(network, "call-sheet", "--out", str(blocked / "page.html"))
    assert result.exit_code == 1
    assert f"--out {blocked / 'page.html'}: cannot write it (" in result.stderr
    assert "Give a file in a folder you can write to." in result.stderr


def test_spanish_network_with_a4_paper(network, tmp_path):
    text = network.read_text(encoding="utf-8")
    network.write_text(re.sub(r'locale = "[^"]*"', 'locale = "es_ES"', text), encoding="utf-8")
    out = tmp_path / "page.html"
    result = invoke(network, "call-sheet", "--week", "2026-W48", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["language"], json.loads(result.stdout)["paper"]) == (
        "es",
        "A4",
    )
    html = out.read_text(encoding="utf-8")
    assert '<html lang="es">' in html and "@page { size: A4 portrait;" in html
    assert "Llamadas por hacer, semana 2026-W48" in html


# --- printed by a real browser ---


def print_to_pdf(html: str, folder: Path) -> bytes:
    """The page printed by headless Chromium, as Print would, without its header/footer."""
    chromium = chromium_or_skip()
    page = folder / "calls.html"
    page.write_text(html, encoding="utf-8")
    pdf = folder / "calls.pdf"
    subprocess.run(
        [
            chromium,
            *headless_flags(folder / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}"),
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return pdf.read_bytes()


def pages_of(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, from its /MediaBox (one /Type /Page object per page)."""
    assert pdf.startswith(b"%PDF-")
    count = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    sizes = [(float(w), float(h)) for w, h in boxes]
    assert len(sizes) >= count > 0
    return sizes[:count]


def sheet_with(rows, paper: Paper) -> CallSheet:
    return CallSheet(
        network="Eastside Mutual Aid",
        week=WEEK,
        made=MADE,
        language="en",
        locale="en_US",
        paper=paper,
        selection=select_calls(rows, Policy([person("P0001", "Ana Ruiz")]), WEEK),
    )


@pytest.mark.parametrize(
    ("paper", "size"), [(Paper.LETTER, (612, 792)), (Paper.A4, (595.3, 841.9))]
)
def test_each_kind_of_call_prints_on_its_own_page(tmp_path, paper, size):
    rows = [
        call("C0001", "P0001"),
        call("C0002", "P0001"),
        call("C0003", "P0001", "follow-up"),
        call("C0004", "P0001", "feedback"),
    ]
    pages = pages_of(print_to_pdf(render_call_sheet(sheet_with(rows, paper)), tmp_path))
    assert len(pages) == 3  # confirmations, follow-ups, asks after help
    for width, height in pages:
        assert abs(width - size[0]) < 1 and abs(height - size[1]) < 1


def test_a_long_list_runs_over_pages_and_the_next_kind_starts_a_new_one(tmp_path):
    script = "Hello, this is Eastside Mutual Aid, calling about your request. " * 6
    long = [call(f"C{k:04d}", "P0001", what_to_say=script) for k in range(1, 31)]
    one_kind = pages_of(print_to_pdf(render_call_sheet(sheet_with(long, Paper.A4)), tmp_path))
    assert len(one_kind) > 3  # 30 calls with long scripts do not fit on three pages
    both = [*long, call("C0099", "P0001", "feedback")]
    folder = tmp_path / "both"
    folder.mkdir()
    two_kinds = pages_of(print_to_pdf(render_call_sheet(sheet_with(both, Paper.A4)), folder))
    assert len(two_kinds) == len(one_kind) + 1  # the ask after help on a page of its own


def test_no_call_is_split_across_two_pages(tmp_path):
    """Rows made 160 mm tall (A4 holds 269 mm between its margins): two never fit on one
    page, so five rows kept whole take five pages. Without the rule they would be cut and
    packed onto fewer (the control), so the count shows no row was split."""
    rows = [call(f"C{k:04d}", "P0001") for k in range(1, 6)]
    html = render_call_sheet(sheet_with(rows, Paper.A4)).replace(
        '<td class="script">', '<td class="script"><div style="height: 160mm"></div>'
    )
    assert len(pages_of(print_to_pdf(html, tmp_path))) == 5
    control = tmp_path / "control"
    control.mkdir()
    split = html.replace("tr { break-inside: avoid; page-break-inside: avoid; }", "")
    assert split != html
    assert len(pages_of(print_to_pdf(split, control))) < 5
