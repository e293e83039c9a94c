"""Rotating backups of the local workbook (backends/workbook_backups.py, docs/backups.md)."""

from __future__ import annotations

import errno
import re
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from sheetsync.backends import open_backend
from sheetsync.backends import workbook as workbook_module
from sheetsync.backends import workbook_backups as backups_module
from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import TEMP_SUFFIX, WorkbookBackend
from sheetsync.backends.workbook_backups import BACKUP_DIR, backups
from sheetsync.backends.xlsx_patch import _Package
from sheetsync.config import DEFAULT_BACKUPS, Config
from sheetsync.errors import BackendError, ConfigError, SheetChangedError, WorkbookLockedError
from tests.conftest import make_config

NAME = re.compile(r"network-\d{8}T\d{6}\.\d{6}Z\.xlsx")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "People"
    sheet.append(["person_id", "name"])
    sheet.append(["P0001", "Ana"])
    path = tmp_path / "network.xlsx"
    book.save(path)
    return path


def rename(n: int) -> TabChanges:
    return TabChanges("People", start_row=3, update=[CellUpdate(2, 2, f"name {n}")])


def test_each_write_keeps_the_file_as_it_was_before(workbook: Path):
    store = WorkbookBackend(workbook)
    first = workbook.read_bytes()
    store.apply([rename(1)])
    second = workbook.read_bytes()
    store.apply([rename(2)])
    kept = backups(workbook)
    assert [p.read_bytes() for p in kept] == [first, second]
    assert all(NAME.fullmatch(p.name) for p in kept)
    # Private, like every file sheetsync makes: the workbook holds people's contacts.
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in kept} == {0o600}


def test_only_the_newest_are_kept(workbook: Path):
    store = WorkbookBackend(workbook, backups=3)
    versions = []
    for n in range(5):
        versions.append(workbook.read_bytes())
        store.apply([rename(n)])
    assert [p.read_bytes() for p in backups(workbook)] == versions[-3:]


def test_a_refused_write_keeps_no_copy_and_rotates_out_no_backup(workbook: Path, monkeypatch):
    store = WorkbookBackend(workbook, backups=2)
    versions = []
    for n in range(2):
        versions.append(workbook.read_bytes())
        store.apply([rename(n)])
    kept = backups(workbook)
    assert [p.read_bytes() for p in kept] == versions
    write = _Package.write

    def save_then_someone_else_saves(package: _Package, out) -> None:
        write(package, out)
        workbook.write_bytes(versions[0])  # an organizer's save, while sheetsync writes

    monkeypatch.setattr(_Package, "write", save_then_someone_else_saves)
    for n in range(3):  # each retry is refused again
        with pytest.raises(SheetChangedError, match="saved by another program"):
            store.apply([rename(10 + n)])
    # The two real backups are still there, and no copy of a write that did not happen.
    assert backups(workbook) == kept
    assert [p.read_bytes() for p in kept] == versions


def test_a_workbook_locked_against_replacing_keeps_no_copy(workbook: Path, monkeypatch):
    store = WorkbookBackend(workbook, backups=1)
    first = workbook.read_bytes()
    store.apply([rename(1)])

    def locked(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")  # Excel has it open

    monkeypatch.setattr(workbook_module.os, "replace", locked)
    with pytest.raises(WorkbookLockedError):
        store.apply([rename(2)])
    assert [p.read_bytes() for p in backups(workbook)] == [first]


def test_no_backups_when_turned_off(workbook: Path):
    WorkbookBackend(workbook, backups=0).apply([rename(1)])
    assert not (workbook.parent / BACKUP_DIR).exists()


def test_a_new_workbook_has_nothing_to_back_up(tmp_path: Path):
    path = tmp_path / "new.xlsx"
    WorkbookBackend(path).apply([TabChanges("People", create=True, append=[["person_id"]])])
    assert backups(path) == []


def test_a_failed_backup_stops_the_write_and_loses_nothing(workbook: Path, monkeypatch):
    before = workbook.read_bytes()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backups_module, "open_private", full)
    with pytest.raises(BackendError) as caught:
        WorkbookBackend(workbook).apply([rename(1)])
    message = str(caught.value)
    assert "Cannot keep a backup of" in message and "the disk is full" in message
    assert f"{workbook} was not changed" in message and "backups = 0" in message
    assert workbook.read_bytes() == before
    leftovers = [p.name for p in workbook.parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert leftovers == [] and backups(workbook) == []


def test_a_backup_cut_short_leaves_no_half_copy(workbook: Path, monkeypatch):
    real = backups_module.open_private

    class Cut:
        def __init__(self, path: Path, mode: str) -> None:
            self.file = real(path, mode)

        def __enter__(self) -> Cut:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: bytes) -> None:
            self.file.write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backups_module, "open_private", Cut)
    before = workbook.read_bytes()
    with pytest.raises(BackendError, match="the disk is full"):
        WorkbookBackend(workbook).apply([rename(1)])
    assert workbook.read_bytes() == before
    assert list((workbook.parent / BACKUP_DIR).iterdir()) == []


def test_restoring_a_backup_as_the_docs_say(workbook: Path):
    store = WorkbookBackend(workbook)
    store.apply([rename(1)])
    store.apply([rename(2)])
    newest = backups(workbook)[-1]  # the file before the last write
    shutil.copyfile(newest, workbook)
    assert store.read_tabs(["People"])["People"].rows[1] == ["P0001", "name 1"]


def test_the_number_kept_is_set_in_the_config(tmp_path: Path):
    workbook = tmp_path / "network.xlsx"
    assert make_config(workbook).workbook_backups == DEFAULT_BACKUPS == 10
    data = {
        "network": {"zones": ["North"]},
        "backend": {"kind": "local", "workbook": "network.xlsx", "backups": 3},
    }
    config = Config.from_dict(data, base_dir=tmp_path)
    store = open_backend(config)
    assert isinstance(store, WorkbookBackend) and store.backups == 3


@pytest.mark.parametrize("value", [-1, "ten", True, 2.5])
def test_a_wrong_number_kept_says_what_to_write(tmp_path: Path, value: object):
    data = {
        "network": {"zones": ["North"]},
        "backend": {"kind": "local", "workbook": "network.xlsx", "backups": value},
    }
    with pytest.raises(ConfigError) as caught:
        Config.from_dict(data, base_dir=tmp_path)
    assert str(caught.value) == (
        f"[backend] backups = {value!r} in the config must be a whole number of copies of "
        "the workbook to keep, e.g. 10; 0 keeps none."
    )
