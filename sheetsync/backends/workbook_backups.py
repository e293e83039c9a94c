"""Rotating backups of a local workbook: before each write, the file as it was is kept.

Copies go to .sheetsync-backups/ beside the workbook, named <workbook stem>-<UTC time>.xlsx
(the time of the write that replaced it, to the microsecond, so names sort by age and hold
nothing about people). Folder and files are private (0700, 0600: the workbook holds
people's contact details), and only the newest `keep` copies stay. docs/backups.md says
how to restore one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from sheetsync.files import open_private, private_dir, remove_quietly

BACKUP_DIR = ".sheetsync-backups"
STAMP = "%Y%m%dT%H%M%S.%fZ"


def backup_folder(workbook: Path) -> Path:
    """Where a workbook's backups are kept."""
    return workbook.parent / BACKUP_DIR


def backups(workbook: Path) -> list[Path]:
    """A workbook's backups, oldest first."""
    folder = backup_folder(workbook)
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(workbook.stem)}-\d{{8}}T\d{{6}}\.\d{{6}}Z\.xlsx")
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))


def keep_backup(workbook: Path, data: bytes, now: dt.datetime | None = None) -> Path:
    """Save `data` (the workbook before a write) as its newest backup, on disk when this
    returns. An OSError (a full disk) is raised for the caller to explain, with no partial
    backup left behind. The older copies stay until the write succeeded (rotate_backups);
    a write that does not happen removes this one (remove_quietly)."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    folder = private_dir(backup_folder(workbook))
    path = folder / f"{workbook.stem}-{moment.strftime(STAMP)}.xlsx"
    try:
        with open_private(path, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # the backup must be on disk before the workbook changes
    except BaseException:
        remove_quietly(path)  # half a backup is no backup
        raise
    return path


def rotate_backups(workbook: Path, keep: int) -> None:
    """Remove all but the newest `keep` backups, once a write has replaced the workbook."""
    for old in backups(workbook)[:-keep]:
        remove_quietly(old)  # one left over is harmless: the next write tries again


def remove_backups(workbook: Path) -> int:
    """Remove every backup of a workbook (`sheetsync forget`: each holds the person's
    data); how many there were."""
    found = backups(workbook)
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)
