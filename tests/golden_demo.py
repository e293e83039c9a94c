"""The golden demo: what `make demo` makes, at a fixed clock, as files a person can diff.

`build_demo` runs what `make demo` runs (init with the demo's responses and four weeks of
history, then the weekly job), with the clock fixed. `snapshot` turns the result into text
and bytes that say everything an organizer would see:

- the sheetsync.toml that init writes;
- every tab of the workbook, one JSON line per row, each cell as openpyxl reads it (its value
  and its type; a number format other than General beside it). Run log times are masked:
  `finished` is the real clock, and the seconds each step took are in `steps`; the folder
  the demo was built in reads "demo", as in `make demo`;
- every file of the outbox, byte for byte, but for what changes on each send: an email's
  Message-ID and its MIME boundaries.

tests/test_golden_demo.py compares a fresh demo with tests/golden/demo/; `make golden`
writes that folder anew when a change of behaviour is meant (review its diff in the commit).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

from sheetsync.backends import open_backend
from sheetsync.config import Config, render_config
from sheetsync.demo.network import create_demo
from sheetsync.jobs import find_job, run_job

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo"
# A Monday at 07:00, when the weekly job runs (jobs/weekly.toml), in the demo's time zone.
NOW = dt.datetime(2026, 11, 23, 7, 0)
MASKED = "<masked>"


def build_demo(folder: Path, now: dt.datetime = NOW) -> Path:
    """`make demo` in `folder` with the clock at `now`; returns the folder."""
    config_path = folder / "sheetsync.toml"
    config_path.write_text(
        render_config(
            backend="local",
            workbook="network.xlsx",
            organizers=("organizers@example.org",),
            public=("newsletter@example.org",),
            board_workbook="board.xlsx",  # as `init --demo` writes it: the volunteer board
        ),
        encoding="utf-8",
    )
    config = Config.from_file(config_path)
    store = open_backend(config)
    create_demo(store, config, history_weeks=4, now=now)
    run_job(find_job("weekly", config), store, config, now=now)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Relative path -> content: the workbook's tabs and the outbox's files, normalised."""
    files: dict[str, bytes] = {"sheetsync.toml": (folder / "sheetsync.toml").read_bytes()}
    workbook = openpyxl.load_workbook(folder / "network.xlsx")
    for sheet in workbook.worksheets:
        rows = [[_cell(c) for c in row] for row in sheet.iter_rows()]
        if sheet.title == "Run log":
            rows = _mask_run_log(rows)
        lines = [json.dumps(row, ensure_ascii=False) for row in rows]
        # Where the demo was built (the outbox's path in the send log) is not behaviour.
        text = "\n".join(lines).replace(json.dumps(str(folder))[1:-1], "demo")
        files[f"tabs/{sheet.title}.jsonl"] = _mask_codes((text + "\n").encode("utf-8"))
    for path in sorted((folder / "outbox").iterdir()):
        data = _mask_codes(path.read_bytes())
        files[f"outbox/{path.name}"] = _normalise_email(data) if path.suffix == ".eml" else data
    return files


# A volunteer's code for the board (board/codes.py) is drawn at random: unguessable, so it
# differs on every build. The golden files show where one goes, not which.
_CODE = re.compile(rb"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")


# The Changes tab's check of a People row added covers its code too: masked the same way
# (the row's other cells are in People.jsonl, unmasked).
_PEOPLE_CHECK = re.compile(rb"(P\d{4}):[0-9a-f]{8}")


def _mask_codes(data: bytes) -> bytes:
    return _PEOPLE_CHECK.sub(rb"\1:<check>", _CODE.sub(b"CODE-CODE", data))


def _cell(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        value = {type(value).__name__: value.isoformat()}
    number_format = _number_format(cell)
    if number_format != "General":
        return {"value": value, "format": number_format}
    return value


def _number_format(cell: Any) -> str:
    """The cell's number format, read by its id: a workbook whose styles list a format twice
    makes openpyxl's `cell.number_format` fail, and the golden files must still say so."""
    if cell._style is None:  # a cell openpyxl made up, beyond the written ones
        return "General"
    number_id = cell._style.numFmtId
    if number_id in BUILTIN_FORMATS:
        return str(BUILTIN_FORMATS[number_id])
    custom = cell.parent.parent._number_formats
    index = number_id - BUILTIN_FORMATS_MAX_SIZE
    return str(custom[index]) if 0 <= index < len(custom) else f"<numFmt {number_id} missing>"


def _mask_run_log(rows: list[list[Any]]) -> list[list[Any]]:
    """The Run log's wall-clock parts: `finished`, and the seconds in `steps`."""
    header = rows[0]
    finished, steps = header.index("finished"), header.index("steps")
    masked = [header]
    for row in rows[1:]:
        row = list(row)
        if row[finished] not in (None, ""):
            row[finished] = MASKED
        if isinstance(row[steps], str):
            row[steps] = re.sub(r"\b\d+\.\ds\b", "<s>", row[steps])
        masked.append(row)
    return masked


def _normalise_email(data: bytes) -> bytes:
    """An .eml without what differs on every send: the Message-ID and the MIME boundaries."""
    # A long Message-ID is folded onto the next line (RFC 5322 allows it), as the alerts' are.
    data = re.sub(
        rb"(?m)^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<[^>\r\n]*>", b"Message-ID: <normalised>", data
    )
    boundaries = list(dict.fromkeys(re.findall(rb'boundary="([^"]+)"', data)))
    for k, boundary in enumerate(boundaries, start=1):
        data = data.replace(boundary, b"BOUNDARY-%d" % k)
    return data


def write_golden(files: dict[str, bytes], folder: Path = GOLDEN) -> None:
    """Write the snapshot as the golden files, removing golden files no longer made."""
    for old in sorted(folder.rglob("*")) if folder.exists() else []:
        if old.is_file() and old.relative_to(folder).as_posix() not in {*files, RENDERER}:
            old.unlink()
    for name, data in {**files, RENDERER: renderer().encode()}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_golden(folder: Path = GOLDEN) -> dict[str, bytes]:
    """The golden snapshot (without the renderer's note)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != RENDERER
    }


RENDERER = "chart-renderer.txt"  # the matplotlib the golden charts were drawn with


def renderer() -> str:
    import matplotlib

    return f"matplotlib {matplotlib.__version__}\n"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
