"""WorkbookBackend on real .xlsx files in a temp folder."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from python_calamine import CalamineError, CalamineWorkbook

from sheetsync.backends import workbook as workbook_module
from sheetsync.backends import xlsx_patch
from sheetsync.backends.base import (
    SHORTENED,
    XLSX_CELL_LIMIT,
    CellUpdate,
    Guard,
    TabChanges,
    Value,
)
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.backends.workbook_backups import BACKUP_DIR
from sheetsync.backends.xlsx_patch import _Package
from sheetsync.config import Config
from sheetsync.errors import (
    BackendError,
    MissingColumnError,
    MissingTabError,
    SheetChangedError,
    WorkbookLockedError,
)
from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import NOW, request

TS1 = dt.datetime(2024, 5, 1, 9, 30, 15)
TS2 = dt.datetime(2024, 5, 2, 0, 0)  # midnight: calamine hands it back as a date
RED = "FFFF0000"
TABS = ["Form Responses 1", "People", "Empty", "Offset"]


@pytest.fixture
def xlsx(tmp_path: Path) -> Path:
    """network.xlsx, like an organizer's: a form tab, a People tab, an empty tab, offset data."""
    book = openpyxl.Workbook()
    form = book.worksheets[0]
    form.title = "Form Responses 1"
    form.append(["Timestamp", "Phone Number ", "Name", "Name", "Notes"])
    form.append([TS1, "+1 (555) 010-2000", "Ana", "Ana B", None])
    form.append([])  # an empty row in the middle
    form.append([TS2, None, "Bo", None, None])
    form.append([None, "555-0101", None, None, "call after 5"])
    form.append([None, None, None, None, ""])  # holds only "": trimmed like an empty row
    # openpyxl saves a lone space without xml:space="preserve", so calamine reads "" there
    # but still counts the row: trailing rows must be trimmed.
    form.append([None, None, " "])
    people = book.create_sheet("People")
    people.append(["id", "name", "phone", "active", "joined"])
    people.append(["P-0001", "Ana", "+1 (555) 010-2000", True, dt.date(2023, 1, 5)])
    people.append(["P-0002", "Bo", 5550101, False, 2.5])
    people["E1"].fill = PatternFill("solid", fgColor=RED)
    people.column_dimensions["B"].width = 33
    book.create_sheet("Empty")
    offset = book.create_sheet("Offset")
    offset["B3"] = "first"
    offset["C3"] = "second"
    offset["C5"] = 1.5
    target = tmp_path / "network.xlsx"
    book.save(target)
    return target


@pytest.fixture
def sample(xlsx: Path) -> WorkbookBackend:
    """A backend on the sample workbook (conftest's `backend` starts from `sheetsync init`)."""
    return WorkbookBackend(xlsx)


def files_in(folder: Path) -> list[str]:
    """The files beside the workbook; the backups' folder is tested in test_backups.py."""
    return sorted(p.name for p in folder.iterdir() if p.name != BACKUP_DIR)


def append_person() -> TabChanges:
    return TabChanges("People", start_row=4, append=[["P-0003", "Cy"]])


# Reading


def test_describe_and_list_tabs(sample: WorkbookBackend, xlsx: Path) -> None:
    assert sample.describe() == f"workbook {xlsx}"
    assert sample.list_tabs() == TABS


def test_read_trims_like_google(sample: WorkbookBackend) -> None:
    tab = sample.read_tabs(["Form Responses 1"])["Form Responses 1"]
    assert tab.rows == [
        ["Timestamp", "Phone Number ", "Name", "Name", "Notes"],
        [TS1, "+1 (555) 010-2000", "Ana", "Ana B"],
        [],
        [TS2.date(), "", "Bo"],
        ["", "555-0101", "", "", "call after 5"],
    ]
    assert tab.header == ["Timestamp", "Phone Number ", "Name", "Name", "Notes"]


def test_read_value_types(sample: WorkbookBackend) -> None:
    tabs = sample.read_tabs(["People", "Form Responses 1"])
    assert list(tabs) == ["People", "Form Responses 1"]
    people = tabs["People"].rows
    assert people[1] == ["P-0001", "Ana", "+1 (555) 010-2000", True, dt.date(2023, 1, 5)]
    # xlsx stores every number as a float, and calamine hands back 5550101.0, not an int.
    assert people[2] == ["P-0002", "Bo", 5550101.0, False, 2.5]
    assert [type(v) for v in people[2]] == [str, str, float, bool, float]
    form = tabs["Form Responses 1"].rows
    assert type(form[1][0]) is dt.datetime
    assert type(form[3][0]) is dt.date


def test_read_keeps_coordinates_when_data_does_not_start_at_a1(sample: WorkbookBackend) -> None:
    rows = sample.read_tabs(["Offset"])["Offset"].rows
    assert rows == [[], [], ["", "first", "second"], [], ["", "", 1.5]]
    assert rows[2][1] == "first"  # B3


def test_read_empty_tab(sample: WorkbookBackend) -> None:
    tab = sample.read_tabs(["Empty"])["Empty"]
    assert tab.rows == []
    assert tab.header == []


def test_time_and_duration_cells_read_as_text(xlsx: Path) -> None:
    book = openpyxl.load_workbook(xlsx)
    book["Empty"].append([dt.time(14, 5), dt.timedelta(hours=30, minutes=1)])
    book.save(xlsx)
    rows = WorkbookBackend(xlsx).read_tabs(["Empty"])["Empty"].rows
    assert rows == [["14:05:00", "30:01:00"]]


@pytest.mark.parametrize(
    ("tab", "hint"),
    [
        ("Requests", ""),
        ("people", " Did you mean 'People'?"),
        ("Form Responses", " Did you mean 'Form Responses 1'?"),
    ],
)
def test_missing_tab_message(sample: WorkbookBackend, xlsx: Path, tab: str, hint: str) -> None:
    with pytest.raises(MissingTabError) as caught:
        sample.read_tabs(["People", tab])
    assert str(caught.value) == (
        f"Tab {tab!r} not found in workbook {xlsx} "
        "(tabs: 'Form Responses 1', 'People', 'Empty', 'Offset')."
        f"{hint} Run `sheetsync init` to create sheetsync's tabs, or rename the tab back."
    )


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xlsx"
    sample = WorkbookBackend(missing)
    assert sample.list_tabs() == []
    assert sample.read_tabs([]) == {}
    expected = (
        f"Workbook {missing} not found. Run `sheetsync init --backend local --workbook "
        f"{missing}` to create it, or check the path in sheetsync.toml."
    )
    with pytest.raises(BackendError) as caught:
        sample.read_tabs(["People"])
    assert str(caught.value) == expected
    with pytest.raises(BackendError) as caught:
        sample.apply([append_person()])
    assert str(caught.value) == expected
    assert files_in(tmp_path) == []


def test_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "network.xlsx"
    bad.write_bytes(b"this is not a workbook")
    sample = WorkbookBackend(bad)
    calls = [
        sample.list_tabs,
        lambda: sample.read_tabs(["People"]),
        lambda: sample.apply([TabChanges("New", create=True, append=[["a"]])]),
    ]
    for call in calls:
        with pytest.raises(BackendError, match=r"is not a valid \.xlsx workbook") as caught:
            call()
        assert isinstance(caught.value.__cause__, CalamineError)
    assert bad.read_bytes() == b"this is not a workbook"


# Writing


def test_create_append_update_roundtrip(sample: WorkbookBackend, xlsx: Path) -> None:
    when = dt.datetime(2024, 6, 1, 18, 45, 0)
    sample.apply(
        [
            TabChanges(
                "Requests",
                create=True,
                append=[
                    ["id", "when", "day", "qty", "urgent"],
                    ["R-1", when, when.date(), 3, True],
                ],
            ),
            TabChanges(
                "People",
                start_row=4,
                append=[["P-0003", "Cy", "555-0199"], ["P-0004", None, "", 0.5]],
                update=[CellUpdate(2, 2, "Ana María"), CellUpdate(3, 6, "new column")],
                guards=[Guard(2, 1, "P-0001"), Guard(3, 1, "P-0002")],
            ),
        ]
    )
    assert sample.list_tabs() == [*TABS, "Requests"]
    tabs = sample.read_tabs(["Requests", "People"])
    assert tabs["Requests"].rows == [
        ["id", "when", "day", "qty", "urgent"],
        ["R-1", when, when.date(), 3.0, True],
    ]
    assert tabs["People"].rows == [
        ["id", "name", "phone", "active", "joined"],
        ["P-0001", "Ana María", "+1 (555) 010-2000", True, dt.date(2023, 1, 5)],
        ["P-0002", "Bo", 5550101.0, False, 2.5, "new column"],
        ["P-0003", "Cy", "555-0199"],
        ["P-0004", "", "", 0.5],
    ]
    sheet = openpyxl.load_workbook(xlsx)["Requests"]
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["C2"].is_date and sheet["C2"].number_format == "yyyy-mm-dd"
    assert files_in(xlsx.parent) == ["network.xlsx"]


def test_new_workbook_when_file_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "new.xlsx"
    sample = WorkbookBackend(target)
    sample.apply([TabChanges("Requests", create=True, append=[["id", "name"]])])
    assert sample.list_tabs() == ["Requests"]  # openpyxl's default "Sheet" is gone
    assert sample.read_tabs(["Requests"])["Requests"].rows == [["id", "name"]]


def test_a_workbook_sheetsync_creates_is_private_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "new.xlsx"
    umask = os.umask(0o000)
    try:
        WorkbookBackend(target).apply([TabChanges("Requests", create=True, append=[["id"]])])
    finally:
        os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("cleared", [None, ""])
def test_update_none_clears_a_cell(sample: WorkbookBackend, cleared: str | None) -> None:
    sample.apply(
        [TabChanges("People", start_row=4, update=[CellUpdate(3, 3, cleared), CellUpdate(3, 5, 1)])]
    )
    assert sample.read_tabs(["People"])["People"].rows[2] == ["P-0002", "Bo", "", False, 1.0]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","click")',
        "=1+1",
        "+1 (555) 010-2000",
        "-5",
        "@home",
    ],
)
def test_formula_looking_text_stays_text(sample: WorkbookBackend, xlsx: Path, text: str) -> None:
    sample.apply(
        [
            TabChanges("People", start_row=4, append=[["P-0003", text]]),
            TabChanges("Notes", create=True, append=[["note"], [text]]),
        ]
    )
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 5
        for name in sheets:
            assert not re.search(r"<f[\s>/]", archive.read(name).decode()), name
    tabs = sample.read_tabs(["People", "Notes"])
    assert tabs["People"].rows[3] == ["P-0003", text]
    assert tabs["Notes"].rows == [["note"], [text]]
    with CalamineWorkbook.from_path(xlsx) as book:
        assert book.get_sheet_by_name("Notes").to_python()[1] == [text]
    cell = openpyxl.load_workbook(xlsx)["People"]["B4"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_formatting_and_formulas_survive_a_write(sample: WorkbookBackend, xlsx: Path) -> None:
    book = openpyxl.load_workbook(xlsx)
    book["People"]["F4"] = "=1+1"  # filled down in advance; reads as empty (no cached value)
    book.save(xlsx)
    assert len(sample.read_tabs(["People"])["People"].rows) == 3
    sample.apply([TabChanges("People", start_row=4, append=[["P-0003", "Cy", None, None, None]])])
    sheet = openpyxl.load_workbook(xlsx)["People"]
    assert sheet["E1"].fill.fgColor.rgb == RED
    assert sheet.column_dimensions["B"].width == 33
    assert (sheet["F4"].value, sheet["F4"].data_type) == ("=1+1", "f")
    assert sample.read_tabs(["Form Responses 1"])["Form Responses 1"].rows[1][0] == TS1


@pytest.mark.parametrize("mode", [0o640, 0o664, 0o600])
def test_permission_bits_are_kept(sample: WorkbookBackend, xlsx: Path, mode: int) -> None:
    """The workbook is the organizers' file: its mode stays theirs, shared or not."""
    xlsx.chmod(mode)
    sample.apply([append_person()])
    assert stat.S_IMODE(xlsx.stat().st_mode) == mode


def killed_runs_copy(xlsx: Path, pid: int, *, host: str | None = None, age: float = 0) -> Path:
    """The temporary copy a run killed mid-save leaves beside the workbook."""
    name = workbook_module._temp_name(xlsx.name, pid)
    if host is not None:
        name = name.replace(workbook_module._HOST, host)
    path = xlsx.with_name(name)
    path.write_bytes(b"half a workbook")
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def a_pid_that_is_not_running() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has it (until the system hands it out again)


def test_the_next_write_removes_a_killed_runs_copy(sample: WorkbookBackend, xlsx: Path) -> None:
    stale = killed_runs_copy(xlsx, a_pid_that_is_not_running())
    sample.apply([append_person()])
    assert files_in(xlsx.parent) == ["network.xlsx"]
    assert not stale.exists()


def test_the_next_run_removes_it_on_opening_the_workbook(xlsx: Path) -> None:
    stale = killed_runs_copy(xlsx, a_pid_that_is_not_running())
    assert WorkbookBackend(xlsx).list_tabs() == TABS
    assert not stale.exists()


def test_a_running_writers_copy_is_left_alone(sample: WorkbookBackend, xlsx: Path) -> None:
    """Another sheetsync still saving (its process alive, here this one's parent) keeps its
    copy; so does a recent one from another machine sharing the folder."""
    mine = killed_runs_copy(xlsx, os.getppid())
    elsewhere = killed_runs_copy(xlsx, a_pid_that_is_not_running(), host="0123abcd")
    sample.apply([append_person()])
    assert mine.exists() and elsewhere.exists()
    assert files_in(xlsx.parent) == sorted(["network.xlsx", mine.name, elsewhere.name])


def test_a_day_old_copy_goes_whoever_made_it(xlsx: Path) -> None:
    old = [
        killed_runs_copy(xlsx, os.getppid(), age=25 * 3600),
        killed_runs_copy(xlsx, 1, host="0123abcd", age=25 * 3600),
    ]
    old.append(xlsx.with_name(f".{xlsx.name}.1a2b3c4d.sheetsync-tmp"))  # an older sheetsync's
    old[-1].write_bytes(b"")
    os.utime(old[-1], (time.time() - 25 * 3600,) * 2)
    assert sorted(WorkbookBackend(xlsx).remove_stale_temp_files()) == sorted(old)
    assert files_in(xlsx.parent) == ["network.xlsx"]


@pytest.mark.parametrize(
    "changes",
    [
        [],
        [TabChanges("People")],
        [TabChanges("Not a tab", start_row=99, guards=[Guard(1, 1, "x")])],
    ],
)
def test_empty_changes_do_not_touch_the_file(
    sample: WorkbookBackend, xlsx: Path, changes: list[TabChanges]
) -> None:
    before = xlsx.stat()
    sample.apply(changes)
    assert xlsx.stat().st_mtime_ns == before.st_mtime_ns
    assert files_in(xlsx.parent) == ["network.xlsx"]


def _raise(error: BaseException) -> Callable[..., None]:
    def boom(*args: object, **kwargs: object) -> None:
        raise error

    return boom


@pytest.mark.parametrize(
    ("owner", "attribute", "error", "expected"),
    [
        (_Package, "write", OSError(28, "No space left on device"), BackendError),
        # Fails after part of the zip is written, leaving a half-written temp file behind.
        (xlsx_patch, "_copy_raw", RuntimeError("boom"), RuntimeError),
        (os, "replace", PermissionError(13, "Permission denied"), WorkbookLockedError),
        (os, "replace", OSError(18, "Invalid cross-device link"), BackendError),
    ],
)
def test_failed_write_leaves_the_file_unchanged(
    sample: WorkbookBackend,
    xlsx: Path,
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    attribute: str,
    error: BaseException,
    expected: type[BaseException],
) -> None:
    original = xlsx.read_bytes()
    monkeypatch.setattr(owner, attribute, _raise(error))
    with pytest.raises(expected):
        sample.apply([append_person(), TabChanges("New", create=True, append=[["a"]])])
    monkeypatch.undo()
    assert xlsx.read_bytes() == original
    assert files_in(xlsx.parent) == ["network.xlsx"]


def test_a_full_disk_says_so_and_what_to_do(
    sample: WorkbookBackend, xlsx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = xlsx.read_bytes()
    monkeypatch.setattr(_Package, "write", _raise(OSError(errno.ENOSPC, "No space left")))
    with pytest.raises(BackendError) as caught:
        sample.apply([append_person()])
    assert str(caught.value) == (
        f"Cannot save {xlsx}: the disk is full. {xlsx} was not changed. Free some space on "
        f"the disk holding {xlsx.parent.resolve()} (sheetsync needs about twice the "
        "workbook's size while saving) and run again."
    )
    assert xlsx.read_bytes() == original
    assert files_in(xlsx.parent) == ["network.xlsx"]


def test_a_read_only_workbook_is_refused_before_anything_is_written(
    sample: WorkbookBackend, xlsx: Path
) -> None:
    """os.replace would swap a new file in over a read-only one: its mode is checked."""
    xlsx.chmod(0o444)
    original = xlsx.read_bytes()
    with pytest.raises(BackendError) as caught:
        sample.apply([append_person()])
    assert str(caught.value) == (
        f"{xlsx} is read-only, so sheetsync did not change it. If the network's workbook "
        f"should be updated, make it writable (`chmod u+w {xlsx}`, or untick Read-only in "
        "the file's properties) and run again; otherwise point [backend] workbook in "
        "sheetsync.toml at a copy you may change."
    )
    assert xlsx.read_bytes() == original
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o444
    assert files_in(xlsx.parent) == ["network.xlsx"]
    assert sample.read_tabs(["People"])["People"].rows[-1][0] == "P-0002"  # reading works
    xlsx.chmod(0o644)
    sample.apply([append_person()])
    assert people_rows(sample)[-1] == ["P-0003", "Cy"]


def test_a_workbook_in_a_read_only_folder_is_refused(sample: WorkbookBackend, xlsx: Path) -> None:
    original = xlsx.read_bytes()
    folder = xlsx.parent
    folder.chmod(0o555)
    try:
        with pytest.raises(BackendError) as caught:
            sample.apply([append_person()])
    finally:
        folder.chmod(0o755)
    assert str(caught.value) == (
        f"Cannot write {xlsx}: its folder {folder} is read-only, and sheetsync saves a "
        f"workbook by writing a new copy beside it. Allow writing in the folder (`chmod u+w "
        f"{folder}`) or move the workbook to a folder you may write in, and run again."
    )
    assert xlsx.read_bytes() == original
    assert files_in(folder) == ["network.xlsx"]


def test_saved_by_another_program_meanwhile(
    sample: WorkbookBackend, xlsx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = _Package.write

    def save_then_someone_else_saves(package: _Package, out: IO[bytes]) -> None:
        write(package, out)
        xlsx.write_bytes(b"someone else's save")

    monkeypatch.setattr(_Package, "write", save_then_someone_else_saves)
    with pytest.raises(SheetChangedError, match="saved by another program"):
        sample.apply([append_person()])
    assert xlsx.read_bytes() == b"someone else's save"
    assert files_in(xlsx.parent) == ["network.xlsx"]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            TabChanges(
                "People",
                start_row=4,
                update=[CellUpdate(9, 2, "x")],
                guards=[Guard(9, 1, "P-0009")],
            ),
            SheetChangedError,
            "the row sheetsync was about to update (row 9) is gone",
        ),
        (
            TabChanges(
                "People", start_row=4, append=[["x"]], header=["name", "id", "phone", "active"]
            ),
            SheetChangedError,
            "its columns moved (column 1 was 'name')",
        ),
        (TabChanges("People", create=True, append=[["x"]]), SheetChangedError, "already exists"),
        (
            TabChanges("Requests", start_row=2, append=[["x"]]),
            MissingTabError,
            "Run `sheetsync init`",
        ),
        (TabChanges("people", create=True, append=[["x"]]), BackendError, "not case-sensitive"),
        (TabChanges("A/B", create=True, append=[["x"]]), BackendError, "1 to 31 characters"),
        (TabChanges("x" * 32, create=True, append=[["x"]]), BackendError, "1 to 31 characters"),
    ],
)
def test_refused_changes_write_nothing(
    sample: WorkbookBackend,
    xlsx: Path,
    change: TabChanges,
    error: type[BaseException],
    message: str,
) -> None:
    original = xlsx.read_bytes()
    # The good change comes first: nothing of it may be written either.
    with pytest.raises(error, match=re.escape(message)) as caught:
        sample.apply([TabChanges("New", create=True, append=[["a"]]), change])
    if error is SheetChangedError:
        assert "Nothing was written" in str(caught.value)
    assert xlsx.read_bytes() == original
    assert files_in(xlsx.parent) == ["network.xlsx"]


# Rows typed between sheetsync's read and its write


def people_rows(sample: WorkbookBackend) -> list[list[Value]]:
    return sample.read_tabs(["People"])["People"].rows


@pytest.mark.parametrize("start_row", [3, 4, 6])
def test_appends_go_below_the_tab_as_it_is_now(sample: WorkbookBackend, start_row: int) -> None:
    """Whether rows were typed (3: read before P-0002 was there) or deleted (6) since the
    read, appended rows land below the last row holding anything: none is overwritten."""
    before = people_rows(sample)
    sample.apply([TabChanges("People", start_row=start_row, append=[["P-0003", "Cy"]])])
    assert people_rows(sample) == [*before, ["P-0003", "Cy"]]


def test_a_row_saved_by_another_program_before_the_write_stays_where_it_is(
    sample: WorkbookBackend, xlsx: Path
) -> None:
    """Read, someone adds a row in Excel and saves, then sheetsync writes what it planned."""
    read = sample.read_tabs(["People"])["People"]
    book = openpyxl.load_workbook(xlsx)
    book["People"].append(["P-0003", "Typed meanwhile"])
    book.save(xlsx)
    sample.apply(
        [
            TabChanges(
                "People",
                start_row=len(read.rows) + 1,
                append=[["P-0004", "Dee"]],
                update=[CellUpdate(3, 2, "Bo B")],
                guards=[Guard(3, 1, "P-0002")],
                header=[str(h) for h in read.header],
                key_col=1,
            )
        ]
    )
    rows = people_rows(sample)
    assert [row[:2] for row in rows] == [
        ["id", "name"],
        ["P-0001", "Ana"],
        ["P-0002", "Bo B"],
        ["P-0003", "Typed meanwhile"],
        ["P-0004", "Dee"],
    ]


def test_updates_follow_their_row_when_rows_are_inserted_or_sorted(
    sample: WorkbookBackend, xlsx: Path
) -> None:
    book = openpyxl.load_workbook(xlsx)
    sheet = book["People"]
    sheet.insert_rows(2)  # an organizer inserts a row at the top and types in it
    sheet["A2"], sheet["B2"] = "P-0000", "Zoe"
    book.save(xlsx)
    sample.apply(
        [
            TabChanges(
                "People",
                start_row=4,
                update=[CellUpdate(2, 2, "Ana B"), CellUpdate(3, 2, "Bo B")],
                guards=[Guard(2, 1, "P-0001"), Guard(3, 1, "P-0002")],
            )
        ]
    )
    assert [row[:2] for row in people_rows(sample)] == [
        ["id", "name"],
        ["P-0000", "Zoe"],
        ["P-0001", "Ana B"],
        ["P-0002", "Bo B"],
    ]


def test_a_row_whose_id_is_now_on_two_rows_stops_the_write(
    sample: WorkbookBackend, xlsx: Path
) -> None:
    book = openpyxl.load_workbook(xlsx)
    book["People"].insert_rows(2)
    book["People"]["A2"] = "P-0002"  # a copied row: which one is the person's?
    book.save(xlsx)
    original = xlsx.read_bytes()
    with pytest.raises(SheetChangedError, match=r"\(row 3\) is now on 2 rows"):
        sample.apply(
            [
                TabChanges(
                    "People",
                    start_row=4,
                    update=[CellUpdate(3, 2, "x")],
                    guards=[Guard(3, 1, "P-0002")],
                )
            ]
        )
    assert xlsx.read_bytes() == original


def test_a_keyed_row_whose_key_the_tab_holds_already_stops_the_write(
    sample: WorkbookBackend, xlsx: Path
) -> None:
    """The workbook never re-sends a write: a key the tab holds is an organizer's, typed
    since the read, and the run must recompute with fresh ids, not drop its row."""
    original = xlsx.read_bytes()
    with pytest.raises(SheetChangedError, match=r"row typed meanwhile \(row 3\) holds the id"):
        sample.apply(
            [
                TabChanges(
                    "People",
                    start_row=3,
                    append=[["P-0002", "Bo again"], ["P-0003", "Cy"]],
                    key_col=1,
                )
            ]
        )
    assert xlsx.read_bytes() == original


def test_a_need_typed_with_the_runs_next_id_makes_the_run_recompute_and_keeps_both(
    backend: WorkbookBackend, config: Config, add_responses: Callable[..., None], monkeypatch
) -> None:
    """Ids are the highest seen plus one. An organizer types a need by hand with the id the
    run is about to give its new need (N0002), after the read: the run's need is not
    dropped (its person and tasks would point at the organizer's row): the run reads again
    and gives it N0003."""
    add_responses("requests", request())
    run_job(find_job("weekly", config), backend, config, now=NOW)
    add_responses("requests", request(name="Nadia Okafor", email="nadia@example.org"))
    header = backend.read_tabs(["Needs"])["Needs"].header
    key = header.index("need_id")
    real_apply = WorkbookBackend.apply
    typed: list[int] = []

    def organizer_types_n0002_then_apply(
        self: WorkbookBackend, changes: Any, formats: Any = None
    ) -> None:
        if not typed:
            book = openpyxl.load_workbook(self.path)
            row: list[Value] = [None] * len(header)
            row[key], row[key + 1] = "N0002", "typed by hand"
            book["Needs"].append(row)
            typed.append(book["Needs"].max_row)
            book.save(self.path)
        real_apply(self, changes, formats)

    monkeypatch.setattr(WorkbookBackend, "apply", organizer_types_n0002_then_apply)
    report = run_job(find_job("weekly", config), backend, config, now=NOW)
    monkeypatch.undo()

    assert report.outcome == "ok" and report.attempts == 2
    needs = backend.read_tabs(["Needs"])["Needs"].rows
    assert typed == [3] and needs[2][key : key + 2] == ["N0002", "typed by hand"]
    ids = [row[key] for row in needs[1:]]
    assert ids == ["N0001", "N0002", "N0003"]  # each once: nothing dropped, nothing doubled
    [added] = [t for t in report.tabs if t.tab == "Needs"]
    assert added.added_ids == ["N0003"]
    people = read_state(backend, config).tables["people"].frame
    assert "Nadia Okafor" in people["name"].tolist()


def test_a_row_typed_into_a_tab_that_was_empty_is_kept_and_the_run_says_what_is_missing(
    backend: WorkbookBackend, config: Config, add_responses: Callable[..., None], monkeypatch
) -> None:
    """Needs was empty when read (no header either); an organizer types into row 1 before
    the write. The run's header must not be dropped with its rows going below, headerless:
    it reads again and says the tab lacks its columns, and nothing is written there."""
    book = openpyxl.load_workbook(backend.path)
    book["Needs"].delete_rows(1, book["Needs"].max_row)
    book.save(backend.path)
    add_responses("requests", request())
    real_apply = WorkbookBackend.apply
    typed: list[bool] = []

    def organizer_types_in_row_1_then_apply(
        self: WorkbookBackend, changes: Any, formats: Any = None
    ) -> None:
        if not typed:
            book = openpyxl.load_workbook(self.path)
            book["Needs"]["A1"] = "bread for Tuesday"
            book.save(self.path)
            typed.append(True)
        real_apply(self, changes, formats)

    monkeypatch.setattr(WorkbookBackend, "apply", organizer_types_in_row_1_then_apply)
    with pytest.raises(MissingColumnError, match="Column 'need_id' not found in tab 'Needs'"):
        run_job(find_job("weekly", config), backend, config, now=NOW)
    monkeypatch.undo()
    assert backend.read_tabs(["Needs"])["Needs"].rows == [["bread for Tuesday"]]


@pytest.mark.parametrize(
    "guard",
    [Guard(2, 1, "P-0001"), Guard(2, 1, " P-0001 "), Guard(3, 3, "5550101"), Guard(3, 5, "2.5")],
)
def test_guards_compare_as_stripped_text(sample: WorkbookBackend, guard: Guard) -> None:
    sample.apply([TabChanges("People", start_row=4, append=[["P-0003"]], guards=[guard])])
    assert sample.read_tabs(["People"])["People"].rows[3] == ["P-0003"]


LONG = "x" * 40_000


@pytest.mark.parametrize(
    ("value", "read_back"),
    [
        # Control characters become a space, so the words on either side stay apart.
        ("Maria\x0bGarcia", "Maria Garcia"),
        ("a\x00b\x1fc", "a b c"),
        ("tab\tnew\nline", "tab\tnew\nline"),  # XML holds these: kept
        # A lone surrogate and the noncharacters are no characters: dropped, as intake does;
        # a surrogate pair kept as two halves is one emoji again.
        ("half \ud83d emoji", "half  emoji"),
        ("a\ufffe\uffffb", "ab"),
        ("\ud83d\ude00", "\U0001f600"),
        ("C1\x85here", "C1 here"),
        (LONG, LONG[: XLSX_CELL_LIMIT - len(SHORTENED)] + SHORTENED),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (dt.datetime(2024, 1, 1, 9, 30, tzinfo=dt.UTC), "2024-01-01 09:30:00+00:00"),
    ],
)
def test_no_value_can_stop_a_write(
    sample: WorkbookBackend, xlsx: Path, value: Value, read_back: str
) -> None:
    """The writer's last defence: a cell Excel could not hold is made one it can."""
    sample.apply(
        [
            TabChanges(
                "People", start_row=4, append=[["P-0003", value]], update=[CellUpdate(2, 2, value)]
            )
        ]
    )
    rows = people_rows(sample)
    assert rows[3] == ["P-0003", read_back]
    assert rows[1][1] == read_back
    assert len(read_back) <= XLSX_CELL_LIMIT
    assert openpyxl.load_workbook(xlsx)["People"]["B4"].value == read_back
    assert files_in(xlsx.parent) == ["network.xlsx"]


@pytest.mark.parametrize(
    ("lock_name", "program"),
    [
        ("~$network.xlsx", "Excel"),
        ("~$twork.xlsx", "Excel"),  # Excel overwrites the first two characters of long names
        (".~lock.network.xlsx#", "LibreOffice"),
    ],
)
def test_lock_file_refuses_the_write(
    sample: WorkbookBackend, xlsx: Path, lock_name: str, program: str
) -> None:
    original = xlsx.read_bytes()
    lock = xlsx.with_name(lock_name)
    lock.write_text("someone")
    with pytest.raises(WorkbookLockedError) as caught:
        sample.apply([append_person()])
    assert str(caught.value) == (
        f"{xlsx} is open in {program} (lock file {lock}). Close the workbook there and run "
        "again. If nobody has it open, delete the lock file."
    )
    assert xlsx.read_bytes() == original
    lock.unlink()
    sample.apply([append_person()])
    assert sample.read_tabs(["People"])["People"].rows[3] == ["P-0003", "Cy"]


@pytest.mark.parametrize("name", ["network.xlsm", "network.ods", "network.xls"])
def test_only_xlsx_is_written(tmp_path: Path, name: str) -> None:
    with pytest.raises(BackendError, match=r"only writes \.xlsx workbooks"):
        WorkbookBackend(tmp_path / name).apply([TabChanges("New", create=True, append=[["a"]])])
    assert files_in(tmp_path) == []


def test_two_changes_for_one_tab_are_a_caller_bug(sample: WorkbookBackend) -> None:
    with pytest.raises(ValueError, match="more than one TabChanges"):
        sample.apply([append_person(), append_person()])
