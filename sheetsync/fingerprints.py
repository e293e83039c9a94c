"""A settled run, and the runs it lets the job skip (issue 22: an unchanged re-run in seconds).

A run that finds nothing to change has settled its inputs: run again on the same inputs it
computes the same, until the clock reaches something a step reads (horizon.py). Such a run
writes its job's row on the Fingerprints tab: a fingerprint of everything the job's steps
read, and that time. The next run of the job that reads the same before then is skipped:
it writes only its Run log row, which says so.

What the fingerprint covers: sheetsync as installed (build_id: its code, templates, schemas),
the job and its steps, the settings, every
tab by a token (Backend.tab_tokens: a workbook's worksheet part by its CRC and size, read from
the zip's directory without reading a cell; else a hash of the tab's cells as read, the
organizers' own columns too), the volunteer board, and the files in the state folder that
steps read (the send journal and the feedback key, by their bytes). Two things are left
out, because a settled state does not depend on them: the Fingerprints tab itself, and the
Run log's rows of runs that ended ok
(a run's own row changes each time; a failed run's row and the send log's rows are kept in,
since the digests report failed runs and emails go once per period by the send log).

The fingerprint is a SHA-256 of those; nothing can be read back from it, so the tab holds
no personal data. Storing it in the spreadsheet, not on this machine, keeps the skip right
when the job moves to another machine or two machines share a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from sheetsync import __version__
from sheetsync.board.store import BoardState
from sheetsync.clock import elapsed
from sheetsync.config import Config
from sheetsync.digest.journal import JOURNAL
from sheetsync.feedback.codes import KEY_FILE
from sheetsync.horizon import NEVER
from sheetsync.members import parse_datetime
from sheetsync.normalize import format_datetime
from sheetsync.report import RunOutcome
from sheetsync.run_log import DIGEST_JOB
from sheetsync.schema import data_dir
from sheetsync.state import Sheet
from sheetsync.tables import ROW, Table, frame_of, records_of

TAB = "fingerprints"  # the logical name of the Fingerprints tab
_STATE_FILES = (JOURNAL, KEY_FILE)  # the state folder's files a step reads


@dataclass(frozen=True)
class Settled:
    """A job's row on the Fingerprints tab: what its settled run read, and until when."""

    job: str
    inputs: str
    settled_by: str
    until: dt.datetime  # NEVER: no time limit

    def covers(self, inputs: str, now: dt.datetime, tz: ZoneInfo) -> bool:
        """A run reading `inputs` at `now` would compute what the settled run did. `now`
        and `until` are naive local times compared as real time: in the hour the clocks
        repeat, the second 01:10 (fold=1, as local_now reads it) comes after 01:40."""
        if inputs != self.inputs:
            return False
        return self.until == NEVER or elapsed(now, self.until, tz) > dt.timedelta(0)


def inputs_of(
    tabs: Mapping[str, str],
    run_log: Table,
    config: Config,
    job: str,
    steps: Sequence[str],
    board: BoardState | None,
) -> str:
    """The fingerprint of everything a run of `job` reads (module docstring). `tabs`: a
    token per tab title (Backend.tab_tokens, or cell_tokens), the Run log's and the
    Fingerprints' left out here; `run_log`: the Run log as read."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("build", build_id().encode())
    add("job", "\0".join([job, *steps]).encode())
    add("config", repr(config).encode())
    left_out = (config.tabs["run_log"], config.tabs[TAB])
    for title, token in sorted(tabs.items()):
        if title not in left_out:
            add(f"tab {title}", token.encode())
    # The Run log's length, too, changes with each run's row: only the rows kept count.
    add("tab run_log", "\0".join(run_log.header).encode())
    add("tab run_log rows", _frame_bytes(_settled_part(run_log.frame)))
    if board is not None:
        add("board", board.problem.encode())
        if board.table is not None:
            add("board tab", _table_bytes(board.table, board.table.frame))
    for path in _state_files(config.state_dir):
        add(f"file {path.name}", path.read_bytes() if path.exists() else b"\0absent")
    return digest.hexdigest()


@cache
def build_id() -> str:
    """sheetsync as installed: a SHA-256 of its package's files and its schemas (the code,
    templates, translations, shipped jobs), with the version. A change of any of them, an
    upgrade or a `git pull` alike, makes every fingerprint new: the next runs run in full."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    folders = [package, data_dir("schemas"), data_dir("jobs")]
    for folder in dict.fromkeys(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cell_tokens(sheet: Sheet) -> dict[str, str]:
    """A token per tab read from its cells (SHA-256 of each row as read, its types too),
    for a store that has no cheaper one (Backend.tab_tokens); a form added later whose tab
    is not there yet by its name, so that adding the tab changes the fingerprint."""
    tokens = {f"later form {name}": "" for name in sheet.later}
    for title, data in sheet.data.items():
        digest = hashlib.sha256()
        for row in data.rows:
            digest.update(repr(row).encode())
            digest.update(b"\n")
        tokens[title] = digest.hexdigest()
    return tokens


def _state_files(folder: Path) -> Iterable[Path]:
    return (folder / name for name in _STATE_FILES)


def _settled_part(run_log: pd.DataFrame) -> pd.DataFrame:
    """The Run log but for the rows of runs that ended ok (module docstring)."""
    ran_ok = (run_log["job"] != DIGEST_JOB) & (run_log["outcome"] == RunOutcome.OK.value)
    return run_log[~ran_ok.to_numpy()]


def _table_bytes(table: Table, frame: pd.DataFrame) -> bytes:
    """A tab's title, header, last row and cells (and its dates still written as text)."""
    head = "\0".join([table.tab, str(table.exists), str(table.n_rows), *table.header])
    dates = repr(sorted(table.text_dates)).encode()
    return head.encode() + b"\0" + dates + b"\0" + _frame_bytes(frame)


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """Every cell of a frame, its columns and row numbers, as bytes to hash: pandas' own
    64-bit hash of each row (cells and index), with the columns' names."""
    names = "\0".join(map(str, frame.columns)).encode()
    if frame.empty:
        return names
    rows = pd.util.hash_pandas_object(frame.astype(str), index=True).to_numpy()
    return names + b"\0" + rows.tobytes()


def settled_of(table: Table, job: str) -> Settled | None:
    """The job's row on the Fingerprints tab, or None (none yet, or not one sheetsync wrote:
    then the job's next run runs in full and writes it anew)."""
    for record in records_of(table.frame):
        if record["job"] != job:
            continue
        inputs, until_text = record["inputs"], record["until"]
        until = parse_datetime(until_text) if until_text else NEVER
        if len(inputs) != 64 or until is None:
            return None
        return Settled(job, inputs, record["settled_by"], until)
    return None


def settled_frame(table: Table, settled: Settled) -> pd.DataFrame:
    """The Fingerprints tab with the job's row written (added, or updated in place)."""
    records = records_of(table.frame)
    values = {
        "job": settled.job,
        "inputs": settled.inputs,
        "settled_by": settled.settled_by,
        "until": "" if settled.until == NEVER else format_datetime(settled.until),
    }
    for record in records:
        if record["job"] == settled.job:
            record.update(values)
            break
    else:
        records.append({**values, ROW: 0})
    return frame_of(records, table.schema)
