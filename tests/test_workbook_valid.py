"""The workbook sheetsync writes is a valid .xlsx: openpyxl loads it (normal and read-only),
pandas reads its dates as dates, LibreOffice converts it; styles.xml holds one <numFmts>
and a run adds no style that is there already."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from sheetsync.backends import open_backend
from sheetsync.backends.base import TabChanges
from sheetsync.backends.formats import OWNED_NOTE, ColourRule, ColumnFormat, FormatPlan, TabFormat
from sheetsync.backends.xlsx_patch import patch
from sheetsync.config import Config
from sheetsync.jobs import find_job, run_job
from tests.golden_demo import NOW, build_demo

WEEK = dt.timedelta(days=7)
LIBREOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def styles_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/styles.xml").decode()


def style_counts(styles: str) -> dict[str, int]:
    return {
        tag: len(re.findall(rf"<{tag}\b", styles))
        for tag in ("numFmts", "numFmt", "xf", "font", "fill", "dxf")
    }


def check_valid(path: Path) -> None:
    """Every XML part parses; openpyxl loads the workbook both ways; pandas reads dates."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))  # raises on malformed XML
    assert style_counts(styles_of(path))["numFmts"] == 1
    book = openpyxl.load_workbook(path)
    assert "Tasks" in book.sheetnames
    assert book["Tasks"]["A1"].value == "task_id"
    read_only = openpyxl.load_workbook(path, read_only=True)
    assert next(read_only["Tasks"].iter_rows(values_only=True))[0] == "task_id"
    read_only.close()
    tasks = pd.read_excel(path, sheet_name="Tasks", engine="openpyxl")
    form = pd.read_excel(path, sheet_name="Form Responses 1", engine="openpyxl")
    assert pd.api.types.is_datetime64_any_dtype(tasks["due"])
    assert pd.api.types.is_datetime64_any_dtype(form["Timestamp"])


def weekly(folder: Path, now: dt.datetime) -> None:
    config = Config.from_file(folder / "sheetsync.toml")
    run_job(find_job("weekly", config), open_backend(config), config, now=now)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_the_demo_workbook_is_valid_before_and_after_two_weekly_runs(demo: Path, tmp_path: Path):
    folder = tmp_path / "demo"
    shutil.copytree(demo, folder)
    workbook = folder / "network.xlsx"
    check_valid(workbook)
    styles = styles_of(workbook)
    weekly(folder, NOW + WEEK)
    weekly(folder, NOW + 2 * WEEK)
    check_valid(workbook)
    # The runs wrote dates again, with the formats already there.
    assert style_counts(styles_of(workbook)) == style_counts(styles)


def tasks_plan(version: str) -> FormatPlan:
    tasks = TabFormat(
        "Tasks",
        columns=(
            ColumnFormat(1, 90, owned=True, note=OWNED_NOTE),
            ColumnFormat(2, 90, owned=True, hidden=True),
            ColumnFormat(5, 120, choices=("proposed", "accepted", "done")),
        ),
        rules=(ColourRule(1, 5, '=$E2="done"', "#C6EFCE"),),
    )
    return FormatPlan((tasks,), version)


def test_a_formatted_demo_stays_valid_through_two_weekly_runs(demo: Path, tmp_path: Path):
    folder = tmp_path / "demo"
    shutil.copytree(demo, folder)
    workbook = folder / "network.xlsx"
    backend = open_backend(Config.from_file(folder / "sheetsync.toml"))
    backend.apply([], tasks_plan("v1"))
    # The first run finds another version than sheetsync's: it formats every tab again
    # (an upgrade); the second finds its own and adds no style.
    weekly(folder, NOW + WEEK)
    styles = styles_of(workbook)
    applied = backend.formats_applied
    assert applied not in (None, "v1")
    weekly(folder, NOW + 2 * WEEK)
    check_valid(workbook)
    assert style_counts(styles_of(workbook)) == style_counts(styles)
    assert backend.formats_applied == applied
    book = openpyxl.load_workbook(workbook)
    assert book["Tasks"].freeze_panes == "A2"
    assert book["People"].column_dimensions["X"].hidden  # source: a detail column


def test_an_older_workbooks_two_numfmts_are_merged_into_one(tmp_path: Path):
    """What sheetsync wrote before: formats added again by each run, in a second <numFmts>
    after openpyxl's empty one."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tasks"
    sheet.append(["task_id", "due"])
    buffer = io.BytesIO()
    book.save(buffer)
    broken = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/styles.xml":
                text = re.sub(
                    r"<numFmts[^>]*/>|<numFmts\b.*?</numFmts>", "", data.decode(), flags=re.S
                )
                text = text.replace(
                    "<fonts",
                    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
                    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
                    '<numFmts count="0"/><fonts',
                    1,
                )
                data = text.encode()
            target.writestr(info, data)
    assert text.count("<numFmts") == 2
    out = io.BytesIO()
    patch(
        io.BytesIO(broken.getvalue()),
        [TabChanges("Tasks", start_row=2, append=[["T1", dt.date(2026, 5, 1)]])],
        out,
    )
    path = tmp_path / "fixed.xlsx"
    path.write_bytes(out.getvalue())
    styles = styles_of(path)
    assert style_counts(styles)["numFmts"] == 1
    assert re.findall(r'formatCode="([^"]*)"', styles) == ["yyyy-mm-dd", "yyyy-mm-dd"]
    assert openpyxl.load_workbook(path)["Tasks"]["B2"].number_format == "yyyy-mm-dd"


def test_libreoffice_converts_the_demo_workbook(demo: Path, tmp_path: Path):
    if LIBREOFFICE is None:
        # make test installs it where it can (root, passwordless sudo); CI runs as root.
        assert not os.environ.get("CI"), "make test installs LibreOffice (Debian's) as root"
        pytest.skip(
            "LibreOffice is not installed, and `make test` installs it only as root or with "
            "passwordless sudo: run `sudo apt-get install libreoffice-calc-nogui`, then "
            "`make test` again"
        )
    folder = tmp_path / "demo"
    shutil.copytree(demo, folder)
    open_backend(Config.from_file(folder / "sheetsync.toml")).apply([], tasks_plan("v1"))
    done = subprocess.run(
        [
            LIBREOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path / "csv"),
            str(folder / "network.xlsx"),
        ],
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    # The first tab, as LibreOffice read it.
    text = (tmp_path / "csv" / "network.csv").read_text(encoding="utf-8", errors="replace")
    assert text.startswith("Timestamp")
    # Its Timestamps read as dates in their format, not as serial numbers (the numFmts
    # bug LibreOffice, like openpyxl, would have shown).
    first = text.splitlines()[1].split(",")[0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", first), first
