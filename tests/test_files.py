"""sheetsync.files: private files and folders whatever the umask, and inert exports."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetsync.files import (
    PrivateFileHandler,
    inert,
    open_private,
    private_dir,
    replace_private_text,
    write_private_bytes,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: what sheetsync makes must be private all the same."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_new_folders_and_files_are_private(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "a" / "b" / "digest.eml"
    write_private_bytes(target, b"x")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", target)] == [
        0o700,
        0o700,
        0o600,
    ]


def test_a_file_sheetsync_rewrites_becomes_private_and_a_folder_that_exists_stays(
    tmp_path: Path, open_umask: None
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o775)
    old = shared / "out.csv"
    old.write_text("old")
    old.chmod(0o644)
    with open_private(old, "a") as f:
        f.write(" and new")
    assert (old.read_text(), mode(old), mode(shared)) == ("old and new", 0o600, 0o775)
    private_dir(shared)
    assert mode(shared) == 0o775  # the user's folder: not sheetsync's to close


def test_a_replaced_file_is_private_and_leaves_no_temporary(
    tmp_path: Path, open_umask: None
) -> None:
    target = tmp_path / "schedule.json"
    replace_private_text(target, "{}\n")
    replace_private_text(target, '{"jobs": {}}\n')
    assert (target.read_text(), mode(target)) == ('{"jobs": {}}\n', 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["schedule.json"]


def test_the_log_file_is_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "logs" / "sheetsync.log"
    handler = PrivateFileHandler(path, encoding="utf-8")
    logger = logging.getLogger("sheetsync.test_files")
    logger.addHandler(handler)
    try:
        logger.warning("weekly ok")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert path.read_text() == "weekly ok\n"
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1 212 555 0199", "'+1 212 555 0199"),  # text: neutralised, as OWASP asks
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "'=1"),  # already inert: a second export adds nothing
        ("Ann = Bo", "Ann = Bo"),
        ("", ""),
        (-5, -5),  # numbers stay numbers
        (2.5, 2.5),
        (None, None),
        (dt.date(2026, 11, 23), dt.date(2026, 11, 23)),
    ],
)
def test_inert_neutralises_text_a_spreadsheet_would_evaluate(
    value: object, expected: object
) -> None:
    assert inert(value) == expected
