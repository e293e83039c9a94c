"""A local .xlsx workbook as a Backend: python-calamine reads, openpyxl writes atomically."""

from __future__ import annotations

import datetime as dt
import errno
import glob
import hashlib
import io
import os
import re
import secrets
import socket
import stat
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import cast

from openpyxl.workbook.workbook import Workbook
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from sheetsync.backends.base import (
    TabChanges,
    TabData,
    Value,
    changes_to_write,
    missing_tab_error,
    readdress,
    tab_now,
)
from sheetsync.backends.formats import FormatPlan
from sheetsync.backends.workbook_backups import backup_folder, keep_backup, rotate_backups
from sheetsync.backends.xlsx_patch import format_version, patch, sheet_parts
from sheetsync.config import DEFAULT_BACKUPS
from sheetsync.errors import BackendError, MissingTabError, SheetChangedError, WorkbookLockedError
from sheetsync.files import MODES_MEAN_ACCESS, private_fd, remove_quietly

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
# Text typed with one of these first is read by Excel and LibreOffice as a formula or a number.
# Excel refuses tab names longer than 31 characters or holding any of these.
TAB_NAME_MAX = 31
TAB_NAME_FORBIDDEN = set("[]:*?/\\")
RUN_AGAIN = "Nothing was written; run sheetsync again to pick up the change."
RETRY_SAVE = "Run sheetsync again; if it fails the same way, check the disk and the folder."
# A save writes .<workbook>.<host>-<pid>-<random>.sheetsync-tmp beside the workbook, then
# renames it over the workbook. A run killed meanwhile leaves it behind; the next run
# removes it (_is_stale).
TEMP_SUFFIX = ".sheetsync-tmp"
# The disk is full, or the user's quota is (EDQUOT is not defined on Windows).
DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
STALE_AFTER = 24 * 3600  # seconds: no save takes that long
# os.kill(pid, 0) asks whether a process exists on POSIX only (see _alive).
SIGNAL_ZERO_CHECKS = os.name != "nt"
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]

# What calamine's to_python() hands over: Value plus time-of-day and duration.
CalamineValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta


class WorkbookBackend:
    """The Backend protocol on a local .xlsx file."""

    def __init__(self, path: str | os.PathLike[str], backups: int = DEFAULT_BACKUPS) -> None:
        self.path = Path(path)
        self.backups = backups  # copies of the workbook kept before writes (0: none)
        self._swept = False

    def describe(self) -> str:
        """A short human description, e.g. "workbook demo/network.xlsx"."""
        return f"workbook {self.path}"

    @property
    def time_zone(self) -> str | None:
        """An .xlsx workbook has no time zone of its own."""
        return None

    @property
    def notices(self) -> list[str]:
        """Nothing: the workbook's own mode is the organizers' to set."""
        return []

    def list_tabs(self) -> list[str]:
        """The names of all tabs in workbook order; [] if the file does not exist yet."""
        if not self.path.exists():
            return []
        self.remove_stale_temp_files()
        with self._open(self.path) as book:
            return list(book.sheet_names)

    def tab_tokens(self) -> dict[str, str] | None:
        """Each tab's worksheet part by its CRC-32 and size in the zip's directory (no part is
        read, let alone parsed: a millisecond on a 500 MB workbook), and under "" those of
        every other part but docProps/ (which each write stamps): shared strings, styles,
        the workbook. A write copies the parts it does not change byte for byte
        (xlsx_patch), so their tokens stay. None when the file is not a readable .xlsx."""
        try:
            with zipfile.ZipFile(self.path) as book:
                parts = sheet_parts(book)
                infos = {info.filename: info for info in book.infolist()}
        except (OSError, zipfile.BadZipFile, KeyError, BackendError):
            return None
        tokens = {
            name: f"{part}:{infos[part].CRC:08x}:{infos[part].file_size}"
            for name, part in parts.items()
            if part in infos
        }
        sheets = set(parts.values())
        shared = sorted(
            f"{n}:{i.CRC:08x}:{i.file_size}"
            for n, i in infos.items()
            if n not in sheets and not n.startswith("docProps/")
        )
        tokens[""] = " ".join(shared)
        return tokens

    def read_tabs(self, names: Iterable[str]) -> dict[str, TabData]:
        """Read the named tabs, opening the file once; a missing tab raises MissingTabError."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        if not self.path.exists():
            raise self._not_found()
        with self._open(self.path) as book:
            return {name: TabData(name, self._rows(book, name)) for name in wanted}

    @property
    def formats_applied(self) -> str | None:
        """The formatting version stored in the workbook (a custom document property,
        see xlsx_docprops); None if never formatted or the file does not exist yet."""
        try:
            with self.path.open("rb") as file:
                return format_version(file)
        except FileNotFoundError:
            return None
        except (OSError, zipfile.BadZipFile) as err:
            raise BackendError(
                f"Cannot read {self.path}: it is not a valid .xlsx workbook ({err}). "
                "Check the path, or open it in Excel or LibreOffice and save it as .xlsx."
            ) from err

    def apply(self, changes: Sequence[TabChanges], formats: FormatPlan | None = None) -> None:
        """Write all changes at once, or nothing at all (see Backend.apply)."""
        # Empty changes carry nothing to write, so their start_row and guards are not checked.
        todo = changes_to_write(changes)
        if not todo and formats is None:
            return
        if self.path.suffix.lower() != ".xlsx":
            # openpyxl would drop an .xlsm's macros; it cannot write .xls or .ods at all.
            raise BackendError(
                f"Cannot write {self.path}: sheetsync only writes .xlsx workbooks. "
                "Save a copy as .xlsx and point sheetsync.toml at it."
            )
        self._check_locks()
        self._check_writable()
        self.remove_stale_temp_files()

        # Address and write the same snapshot of the file, so a save in between cannot slip
        # in: one after it is caught by the fingerprint check in _save.
        before, data = self._snapshot(todo)
        if before is None:
            self._check_new_tabs(todo, existing=[])
            # Start from openpyxl's empty workbook, its one sheet named as the first new tab.
            data = _new_workbook(todo[0].tab)
            todo[0] = replace(todo[0], create=False)
        else:
            with self._open(io.BytesIO(data)) as snapshot:
                todo = self._readdressed(todo, snapshot)
        self._save(data, todo, before, formats)

    def _snapshot(self, todo: list[TabChanges]) -> tuple[os.stat_result | None, bytes]:
        """The file's bytes and what it was when read; (None, b"") if it does not exist and
        every change creates its tab."""
        try:
            with self.path.open("rb") as file:
                return os.fstat(file.fileno()), file.read()
        except FileNotFoundError:
            if not todo or not all(change.create for change in todo):
                raise self._not_found() from None
            return None, b""
        except OSError as err:
            raise BackendError(
                f"Cannot read {self.path}: {err.strerror}. Check that you may read the file."
            ) from err

    # Reading

    def _open(self, source: Path | io.BytesIO) -> CalamineWorkbook:
        """Open the workbook with calamine, turning its errors into a BackendError."""
        try:
            if isinstance(source, Path):
                return CalamineWorkbook.from_path(source)
            return CalamineWorkbook.from_filelike(source)
        except (CalamineError, OSError) as err:
            raise BackendError(
                f"Cannot read {self.path}: it is not a valid .xlsx workbook ({err}). "
                "Check the path, or open it in Excel or LibreOffice and save it as .xlsx."
            ) from err

    def _rows(self, book: CalamineWorkbook, name: str) -> list[list[Value]]:
        """One tab's rows, trimmed like Google's values API; rows[i] is sheet row i + 1."""
        if name not in book.sheet_names:
            raise self._missing_tab(name, book.sheet_names)
        try:
            return _trimmed_rows(book.get_sheet_by_name(name))
        except CalamineError as err:
            raise BackendError(f"Cannot read tab {name!r} of {self.path}: {err}.") from err

    # Writing

    def _check_locks(self) -> None:
        """Refuse to write while Excel or LibreOffice has the workbook open."""
        name = self.path.name
        # Excel names its owner file "~$" + name, but overwrites the first two characters of
        # longer names ("~$twork.xlsx" for "network.xlsx"), so look for both.
        candidates = [
            ("Excel", f"~${name}"),
            ("Excel", f"~${name[2:]}"),
            ("LibreOffice", f".~lock.{name}#"),
        ]
        for program, lock_name in candidates:
            lock = self.path.with_name(lock_name)
            if lock.exists():
                raise WorkbookLockedError(
                    f"{self.path} is open in {program} (lock file {lock}). Close the workbook "
                    "there and run again. If nobody has it open, delete the lock file."
                )

    def _check_writable(self) -> None:
        """Refuse a read-only workbook, or one in a read-only folder, before writing anything.

        The save replaces the file by renaming a new copy over it, which a read-only file
        does not stop: its own mode is checked, as the organizers' word that it must not
        change. A file or folder without any write permission bit counts as read-only even
        for a user (such as root) whom the system would let write."""
        if self.path.exists() and _read_only(self.path):
            raise BackendError(
                f"{self.path} is read-only, so sheetsync did not change it. If the network's "
                f"workbook should be updated, make it writable (`chmod u+w {self.path}`, or "
                "untick Read-only in the file's properties) and run again; otherwise point "
                "[backend] workbook in sheetsync.toml at a copy you may change."
            )
        folder = self.path.parent
        if folder.is_dir() and _read_only(folder, os.W_OK | os.X_OK):
            raise BackendError(
                f"Cannot write {self.path}: its folder {folder} is read-only, and sheetsync "
                "saves a workbook by writing a new copy beside it. Allow writing in the folder "
                f"(`chmod u+w {folder}`) or move the workbook to a folder you may write in, "
                "and run again."
            )

    def _readdressed(self, todo: list[TabChanges], book: CalamineWorkbook) -> list[TabChanges]:
        """Every change addressed against the tab as it is in `book` now (base.readdress):
        rows typed meanwhile stay where they are, updates follow their row, and an
        organizer's cell sheetsync moves on must still hold what was read. Raises before
        anything is written when a change cannot be placed."""
        existing = list(book.sheet_names)
        self._check_new_tabs(todo, existing)
        placed = []
        for change in todo:
            if not change.create and change.tab not in existing:
                raise self._missing_tab(change.tab, existing)
            # Read with calamine, exactly as read_tabs did, so "empty" means the same thing.
            now = None if change.create else tab_now(self._rows(book, change.tab), change)
            placed.append(change if now is None else readdress(change, now))
        return placed

    def _check_new_tabs(self, todo: list[TabChanges], existing: list[str]) -> None:
        for change in todo:
            if change.create:
                self._check_new_tab(change.tab, existing)

    def _check_new_tab(self, tab: str, existing: list[str]) -> None:
        """A tab to create must have a name Excel accepts and must not exist yet."""
        if tab in existing:
            raise SheetChangedError(
                f"Tab {tab!r} already exists in {self.path}: it was created while sheetsync was "
                f"working. {RUN_AGAIN}"
            )
        # Excel compares tab names without regard to case; openpyxl would add a "1" instead.
        clash = [name for name in existing if name.casefold() == tab.casefold()]
        if clash:
            raise BackendError(
                f"Cannot create tab {tab!r} in {self.path}: tab {clash[0]!r} already exists and "
                "tab names are not case-sensitive. Rename that tab, or use its name."
            )
        if not tab or len(tab) > TAB_NAME_MAX or TAB_NAME_FORBIDDEN & set(tab):
            raise BackendError(
                f"Cannot create tab {tab!r} in {self.path}: a tab name must be 1 to 31 "
                "characters long, without any of [ ] : * ? / \\."
            )

    def _save(
        self,
        data: bytes,
        todo: list[TabChanges],
        before: os.stat_result | None,
        formats: FormatPlan | None = None,
    ) -> None:
        """Save beside the original, then swap it in with one atomic rename. Whatever fails,
        the workbook is as it was and the temporary copy is gone."""
        tmp = self.path.with_name(_temp_name(self.path.name, os.getpid()))
        try:
            # Private while it is written; an existing workbook's mode is copied before the
            # rename (it is the organizers' file), and a new one stays private.
            fd = private_fd(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except OSError as err:
            raise self._write_error(
                err, "Check that the folder exists and that you may write in it."
            ) from err
        try:
            try:
                with os.fdopen(fd, "wb") as out:
                    patch(io.BytesIO(data), todo, out, formats)
                    out.flush()
                    os.fsync(out.fileno())
                if before is not None:
                    os.chmod(tmp, stat.S_IMODE(before.st_mode))
            except OSError as err:
                raise self._write_error(err, "") from err
            # The copy is made once the new file is ready, and a backup that fails stops the
            # write. A write refused or failing after it removes it again, and the oldest
            # copies go only once the workbook was replaced: retried conflicts rotate out
            # no real backup.
            backup = self._keep_backup(data) if before is not None and self.backups > 0 else None
            try:
                if _fingerprint(self.path) != _fingerprint_of(before):
                    raise SheetChangedError(
                        f"{self.path} was saved by another program while sheetsync was "
                        f"working. {RUN_AGAIN}"
                    )
                self._swap_in(tmp)
            except BaseException:
                if backup is not None:
                    remove_quietly(backup)
                raise
            if backup is not None:
                rotate_backups(self.path, self.backups)
        finally:
            tmp.unlink(missing_ok=True)

    def _keep_backup(self, data: bytes) -> Path:
        """Keep the workbook as it is before writing; a backup that fails stops the write."""
        try:
            return keep_backup(self.path, data)
        except OSError as err:
            folder = backup_folder(self.path)
            reason = (
                "the disk is full"
                if err.errno in DISK_FULL
                else (err.strerror or type(err).__name__)
            )
            raise BackendError(
                f"Cannot keep a backup of {self.path} in {folder} before writing: {reason}. "
                f"{self.path} was not changed. Free some space or allow writing in {folder} "
                "and run again (or set backups = 0 under [backend] in sheetsync.toml to "
                "write without backups)."
            ) from err

    def _swap_in(self, tmp: Path) -> None:
        """Rename the saved copy over the workbook (atomic on one file system)."""
        try:
            os.replace(tmp, self.path)
        except PermissionError as err:
            # On Windows, Excel keeps an open workbook locked against replacement.
            raise WorkbookLockedError(
                f"Cannot replace {self.path}: permission denied. If the workbook is open in "
                "Excel or another program, close it there and run again; otherwise check "
                "the file's permissions."
            ) from err
        except OSError as err:
            raise self._write_error(err, "") from err

    def _write_error(self, err: OSError, hint: str) -> BackendError:
        """What went wrong saving the workbook, and what to do: the file is unchanged."""
        unchanged = f"{self.path} was not changed."
        if err.errno in DISK_FULL:
            return BackendError(
                f"Cannot save {self.path}: the disk is full. {unchanged} Free some space on "
                f"the disk holding {self.path.parent.resolve()} (sheetsync needs about twice "
                "the workbook's size while saving) and run again."
            )
        reason = err.strerror or str(err) or type(err).__name__
        return BackendError(
            f"Cannot save {self.path}: {reason}. {unchanged} {hint or RETRY_SAVE}".rstrip()
        )

    def remove_stale_temp_files(self) -> list[Path]:
        """Remove the temporary copies a killed run left beside the workbook (see
        _is_stale); return them. Once per backend: every run opens its own."""
        if self._swept:
            return []
        self._swept = True
        removed = []
        for path in self.path.parent.glob(f".{glob.escape(self.path.name)}.*{TEMP_SUFFIX}"):
            if not _is_stale(path, self.path.name):
                continue
            try:
                path.unlink()
            except FileNotFoundError:  # removed meanwhile
                continue
            except OSError:  # not ours to remove; the workbook itself is what matters
                continue
            removed.append(path)
        return removed

    # Messages

    def _not_found(self) -> BackendError:
        return BackendError(
            f"Workbook {self.path} not found. Run `sheetsync init --backend local --workbook "
            f"{self.path}` to create it, or check the path in sheetsync.toml."
        )

    def _missing_tab(self, tab: str, existing: list[str]) -> MissingTabError:
        return missing_tab_error(tab, existing, f"workbook {self.path}")


def _temp_name(workbook: str, pid: int) -> str:
    return f".{workbook}.{_HOST}-{pid}-{secrets.token_hex(4)}{TEMP_SUFFIX}"


def _is_stale(path: Path, workbook: str) -> bool:
    """Whether a temporary copy was left by a run that is gone. One made on this machine is
    stale once its process has ended: a run still writing (its pid alive) keeps its copy.
    One made elsewhere (a shared folder) or by an older sheetsync (no pid in its name) is
    stale only when older than a day. So is any copy a day old: its pid may have been
    reused since."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    if age > STALE_AFTER:
        return True
    middle = path.name[len(workbook) + 2 : -len(TEMP_SUFFIX)]
    made = re.fullmatch(r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]+", middle)
    return made is not None and made["host"] == _HOST and not _alive(int(made["pid"]))


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 only checks). On
    Windows there is no signal 0: os.kill(pid, 0) is signal.CTRL_C_EVENT there, a Ctrl+C
    sent to a console instead of a check. So every pid counts as alive on Windows, and a
    copy is removed once it is a day old, as one from another machine is."""
    if not SIGNAL_ZERO_CHECKS:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OverflowError:  # not a pid at all
        return False
    return True


def _read_only(path: Path, access: int = os.W_OK) -> bool:
    """Whether this user may not write `path`, or its mode lets nobody write it. Not a
    folder's mode on Windows: there the read-only flag marks a customised folder (such as
    Documents), which anyone allowed may write in; a refused save says so itself."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # gone meanwhile: the write reports what it finds
    if stat.S_ISDIR(mode) and not MODES_MEAN_ACCESS:
        return not os.access(path, access)
    return not os.access(path, access) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _trimmed_rows(sheet: CalamineSheet) -> list[list[Value]]:
    """Rows from A1 on, trailing empty cells and rows dropped."""
    rows: list[list[Value]] = []
    last = 0
    # skip_empty_area=False: by default calamine drops leading empty rows and columns, which
    # would shift every coordinate when the data does not start at A1.
    for raw in sheet.to_python(skip_empty_area=False):
        # Most rows hold no time of day or duration: their cells pass as they are (the types
        # of a row found in C, not cell by cell in Python: a quarter of a large read).
        row: list[Value]
        if _SHOWN_AS_TEXT.isdisjoint(map(type, raw)):
            row = cast(list[Value], list(raw))  # no time nor duration among them
        else:
            row = [_from_calamine(value) for value in raw]
        while row and row[-1] == "":
            row.pop()
        rows.append(row)
        if row:
            last = len(rows)
    del rows[last:]
    return rows


_SHOWN_AS_TEXT = frozenset({dt.time, dt.timedelta})  # the types _from_calamine turns to text


def _from_calamine(value: CalamineValue) -> Value:
    """Pass a calamine value on; time-of-day and duration cells become text as Excel shows them."""
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return value


def _new_workbook(first_tab: str) -> bytes:
    """An empty .xlsx holding one empty tab."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new openpyxl Workbook always has its one worksheet
    sheet.title = first_tab
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    """What tells a file apart from a newer save of it; None if it does not exist."""
    try:
        return _fingerprint_of(path.stat())
    except FileNotFoundError:
        return None


def _fingerprint_of(info: os.stat_result | None) -> tuple[int, int, int] | None:
    return None if info is None else (info.st_ino, info.st_size, info.st_mtime_ns)
