"""Files and folders sheetsync creates are private to the user (0600 and 0700), and what it
exports is inert when a spreadsheet opens it.

Every file sheetsync writes goes through here: the outbox, the state folder (lock, send
journal, tick's records), --log-file, `dedupe --out`, the digest preview, the config `init`
writes. The mode is given when the file is opened and set again with fchmod, so it holds
whatever the process umask is (tests and library callers run in-process with theirs), and
the umask itself is never changed. The organizers' workbook is the one exception: the
workbook backend keeps the mode an existing workbook has (backends/workbook.py).

The same code runs on Windows, where a mode is only the read-only flag: there a file is as
private as the folder it is made in, whose access list it takes (inside the user's profile
folder, the user's alone: docs/privacy.md). Each POSIX-only call has its Windows
counterpart or is skipped where it has no meaning there (private_fd, sync_dir,
open_to_others).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, cast

from sheetsync.normalize import FORMULA_PREFIXES

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# Whether permission bits say who may read a file. On Windows os.stat makes them up from
# the read-only flag (0o666 or 0o444 for every file): access lists decide instead.
MODES_MEAN_ACCESS = os.name != "nt"
# OWASP's CSV injection list: text starting with one of these is read as a formula (or its
# start) by Excel, LibreOffice and Google Sheets when they open an exported file.
FORMULA_STARTS = (*FORMULA_PREFIXES, "\t", "\r")


def private_dir(path: Path) -> Path:
    """Create a folder and its missing parents as 0700; a folder that exists is left as
    it is (it may be the user's own, shared on purpose)."""
    missing: list[Path] = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by another process: theirs to set
            continue
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode passes through the umask
    return path


def private_fd(path: Path, flags: int) -> int:
    """os.open a file as 0600 (its folder must exist). A file that exists is made 0600
    too, unless it belongs to someone else (then its owner's mode stands)."""
    fd = os.open(path, flags | open_flags(), PRIVATE_FILE)
    try:
        if os.fstat(fd).st_mode & 0o777 != PRIVATE_FILE:
            fchmod = getattr(os, "fchmod", None)  # Windows has one from Python 3.13 on
            if fchmod is not None:
                fchmod(fd, PRIVATE_FILE)
            else:  # there chmod only clears the read-only flag: the file stays writable
                os.chmod(path, PRIVATE_FILE)
    except PermissionError:
        pass  # not ours to change: a log file set up by an administrator, say
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_flags() -> int:
    """The flags every os.open here adds. O_CLOEXEC where there is one, so a program
    sheetsync starts does not inherit the file (Windows has none: Python's descriptors are
    not inherited there anyway, PEP 446). O_BINARY where there is one: without it Windows
    opens the file in text mode, writes each \\n of the bytes given as \\r\\n and reads
    them back changed."""
    return getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def open_private(path: Path, mode: str = "w", *, encoding: str | None = "utf-8") -> IO[Any]:
    """open() for a private file, its missing folders made private too: mode "w", "a",
    "wb" or "ab"; newline="" for text, so a csv writer's line ends are its own."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    fd = private_fd(path, flags)
    if "b" in mode:
        return os.fdopen(fd, mode)
    return os.fdopen(fd, mode, encoding=encoding, newline="")


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write a whole private file."""
    with open_private(path, "wb") as out:
        out.write(data)


def write_private_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write a whole private text file (line ends as given)."""
    with open_private(path, "w", encoding=encoding) as out:
        out.write(text)


def replace_private_text(path: Path, text: str) -> None:
    """Write a private text file whole or not at all: a temporary beside it, then a rename."""
    replace_private_bytes(path, text.encode("utf-8"))


def replace_private_bytes(path: Path, data: bytes) -> None:
    """Write a private file whole or not at all, and on disk when this returns: a temporary
    beside it (the same file system, so the rename is atomic), fsynced, renamed into place,
    the folder fsynced. Whatever fails (a full disk, no permission), the temporary is
    removed and the file is as it was; the OSError is raised for the caller to explain."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open_private(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # a crash after the rename must not leave it empty
        os.replace(temporary, path)
    finally:
        remove_quietly(temporary)
    sync_dir(path.parent)


def remove_quietly(path: Path) -> None:
    """Remove a file if it is there, while another error is being handled: that error is
    the one to tell (a folder that is a file, say, fails both)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def sync_dir(folder: Path) -> None:
    """fsync a folder, so that a file created or renamed in it survives a power cut. Where a
    folder cannot be opened as a file (Windows: no O_DIRECTORY), this does nothing: there
    a rename is as durable as the file system's own journal makes it (NTFS journals it)."""
    directory = getattr(os, "O_DIRECTORY", None)
    if directory is None:
        return
    fd = os.open(folder, os.O_RDONLY | directory | open_flags())
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_to_others(path: Path) -> int:
    """The permission bits a file gives its group and other users (0 when private or
    missing): a secret such as a service account key should have none. Always 0 where
    modes say nothing of access (Windows, see MODES_MEAN_ACCESS): a warning there would be
    about every file, and its `chmod 600` would change nothing."""
    if not MODES_MEAN_ACCESS:
        return 0
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o077
    except OSError:
        return 0


class PrivateFileHandler(logging.FileHandler):
    """logging.FileHandler whose file is private (--log-file: the log names rows and ids)."""

    def _open(self) -> Any:
        return open_private(Path(self.baseFilename), "a", encoding=self.encoding or "utf-8")


# Exports


def inert(value: object) -> object:
    """A cell for an exported file: text that a spreadsheet would read as a formula gets a
    leading ' (OWASP), so it shows as typed; numbers, dates and other values pass as they
    are, so -5 stored as a number stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_rows(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """Every cell of the rows made inert (see inert)."""
    return [[inert(v) for v in row] for row in rows]


def write_csv(path: Path, header: Sequence[object], rows: Iterable[Sequence[object]]) -> None:
    """A private, inert CSV: UTF-8 with a BOM, as Excel and Google Sheets open it."""
    with open_private(path, "w", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerows(inert_rows([header, *rows]))


def write_xlsx(
    path: Path, header: Sequence[object], rows: Iterable[Sequence[object]], title: str = "Sheet1"
) -> None:
    """A private, inert .xlsx: every text cell is a string cell (never a formula, even one
    starting with =), after the leading ' that inert gives text a spreadsheet would
    evaluate."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in inert_rows([header, *rows]):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=cast(Any, value))  # openpyxl's stubs are narrow
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would take text starting with = for a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    write_private_bytes(path, buffer.getvalue())
