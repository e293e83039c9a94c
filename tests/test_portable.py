"""sheetsync on Windows, as far as Linux can tell: it starts and runs without fcntl,
O_CLOEXEC, O_DIRECTORY or fchmod; its lock keeps a second process out with flock and with
the msvcrt branch (a stand-in keeping msvcrt.locking's contract: tests/windows_standin.py);
nothing POSIX-only is used unguarded (and `make lint` runs mypy as Windows sees the code).

Only a Windows machine can verify the rest: that msvcrt.locking refuses a second handle,
in this process or another, and the lock goes when its holder is killed; that O_BINARY
keeps bytes as written; that os.replace, os.fsync and os.ftruncate behave as relied on;
and what docs/privacy.md says about the profile folder's access list.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import os
import stat
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sheetsync
from sheetsync import files
from sheetsync.backends import workbook
from sheetsync.backends.google import key_file_notice
from sheetsync.config import Config
from sheetsync.errors import LockHeldError
from sheetsync.scheduling import lock
from sheetsync.scheduling.lock import HOLDER_BYTES, LOCKED_BYTE, NetworkLock
from tests import windows_standin

STANDIN = Path(windows_standin.__file__)
WINDOWS_LACKS = ("O_CLOEXEC", "O_DIRECTORY", "fchmod")


def standin_env(log: Path) -> dict[str, str]:
    return {**os.environ, "WINDOWS_STANDIN_LOG": str(log)}


def lock_calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture
def msvcrt_standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The lock module's Windows branch, in this process: the stand-in msvcrt. Its log."""
    log = tmp_path / "locking.log"
    monkeypatch.setenv("WINDOWS_STANDIN_LOG", str(log))
    standin = types.ModuleType("msvcrt")
    standin.__dict__.update(
        LK_UNLCK=windows_standin.LK_UNLCK,
        LK_NBLCK=windows_standin.LK_NBLCK,
        locking=windows_standin.locking,
    )
    monkeypatch.setattr(lock, "msvcrt", standin)
    return log


@pytest.fixture
def windows_os(monkeypatch: pytest.MonkeyPatch) -> None:
    """os without what Windows lacks, in this process (sheetsync looks at call time)."""
    for name in WINDOWS_LACKS:
        monkeypatch.delattr(os, name)


# The whole command line, playing Windows


def run_standin(folder: Path, mode: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(STANDIN), mode, *args],
        cwd=folder,
        env=standin_env(folder / "locking.log"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_init_and_run_weekly_without_fcntl_o_cloexec_o_directory_or_fchmod(
    tmp_path: Path,
) -> None:
    log = tmp_path / "locking.log"
    for args in (["init", "--workbook", "n.xlsx", "--demo"], ["run", "weekly"]):
        done = run_standin(tmp_path, "cli", *args)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "Digest sent: organizers" in done.stdout
    # The run took the lock through msvcrt (LK_NBLCK, then LK_UNLCK), one byte past the line.
    assert lock_calls(log) == [f"2 {LOCKED_BYTE} 1", f"0 {LOCKED_BYTE} 1"]
    made = [tmp_path / "n.xlsx", *(tmp_path / "outbox").iterdir(), tmp_path / ".sheetsync"]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in made} <= {"0o600", "0o700"}
    assert (tmp_path / ".sheetsync" / "run.lock").read_bytes() == b""


def test_a_run_without_a_console_as_pythonw_starts_it(tmp_path: Path) -> None:
    # Task Scheduler starts tick with pythonw.exe: sys.stdout and sys.stderr are None.
    assert run_standin(tmp_path, "cli", "init", "--workbook", "n.xlsx").returncode == 0
    for args in (["run", "intake"], ["tick"]):
        done = run_standin(tmp_path, "windowless", "--log-file", "sheetsync.log", *args)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    logged = (tmp_path / "sheetsync.log").read_text(encoding="utf-8")
    assert " sheetsync intake ok in " in logged


# The lock: one run at a time, across processes


@contextlib.contextmanager
def another_process_holding(network: Path, folder: Path, branch: str) -> Iterator[int]:
    """Another process holding the network's lock with flock or msvcrt's stand-in: its pid."""
    ready = folder / "ready"
    holder = subprocess.Popen(
        [sys.executable, str(STANDIN), HOLD[branch], str(network), str(ready)],
        env=standin_env(folder / "holder-locking.log"),
    )
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
        while not ready.exists() and time.monotonic() < deadline and holder.poll() is None:
            time.sleep(0.05)
        assert ready.exists(), "the process holding the lock did not start"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


HOLD = {"flock": "hold-posix", "msvcrt": "hold"}


@pytest.mark.parametrize("branch", ["flock", "msvcrt"])
def test_a_run_is_refused_while_another_process_holds_the_lock_and_runs_once_it_ends(
    branch: str, network: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if branch == "msvcrt":
        request.getfixturevalue("msvcrt_standin")
    config = Config.from_file(network)
    with another_process_holding(network, tmp_path, branch) as pid:
        with pytest.raises(LockHeldError) as refused:
            NetworkLock(config, "tick").__enter__()
        message = str(refused.value)
        assert "Another sheetsync run is working on this network (run weekly since " in message
        assert message.count(f", pid {pid}), so this one did nothing") == 1
    with NetworkLock(config, "tick") as alone:  # the holder ended: the lock went with it
        assert alone.path.read_text(encoding="utf-8").startswith("tick since ")


@pytest.mark.parametrize("branch", ["flock", "msvcrt"])
def test_the_lock_is_free_again_once_its_holder_leaves(
    branch: str, network: Path, request: pytest.FixtureRequest
) -> None:
    if branch == "msvcrt":
        request.getfixturevalue("msvcrt_standin")
    config = Config.from_file(network)
    with NetworkLock(config, "run weekly") as held:
        assert held.path.read_text(encoding="utf-8").startswith("run weekly since ")
    with NetworkLock(config, "tick") as again:
        assert again.path.read_text(encoding="utf-8").startswith("tick since ")
    assert again.path.read_bytes() == b""


def test_the_windows_lock_is_one_byte_past_the_line_a_refused_run_reads(
    network: Path, msvcrt_standin: Path
) -> None:
    # Windows locks are mandatory: a lock on the line would hide who holds it.
    assert LOCKED_BYTE >= HOLDER_BYTES
    with NetworkLock(Config.from_file(network), "run weekly") as held:
        line = held.path.read_bytes()
        assert line.startswith(b"run weekly since ") and len(line) < HOLDER_BYTES
        assert held.path.stat().st_size == len(line)  # the locked byte adds nothing
    assert lock_calls(msvcrt_standin) == [f"2 {LOCKED_BYTE} 1", f"0 {LOCKED_BYTE} 1"]


@pytest.mark.parametrize(
    ("code", "refused"),
    [(errno.EACCES, LockHeldError), (errno.EDEADLK, LockHeldError), (errno.EBADF, OSError)],
)
def test_only_a_held_lock_is_a_refusal_on_windows(
    code: int, refused: type[Exception], network: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locking(fd: int, mode: int, nbytes: int) -> None:
        raise OSError(code, os.strerror(code))

    standin = types.SimpleNamespace(LK_UNLCK=0, LK_NBLCK=2, locking=locking)
    monkeypatch.setattr(lock, "msvcrt", standin)
    with pytest.raises(refused) as raised:
        NetworkLock(Config.from_file(network), "tick").__enter__()
    assert (type(raised.value) is LockHeldError) == (refused is LockHeldError)


# Private files without fchmod, O_CLOEXEC, O_DIRECTORY


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ({"O_CLOEXEC": 0o2000000}, 0o2000000),  # Linux
        ({"O_BINARY": 0x8000}, 0x8000),  # Windows: no O_CLOEXEC, O_BINARY
        ({"O_CLOEXEC": 0x1000000, "O_BINARY": 0x8000}, 0x1008000),
        ({}, 0),
    ],
)
def test_open_flags_are_those_the_system_has(
    present: dict[str, int], expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("O_CLOEXEC", "O_BINARY"):
        monkeypatch.delattr(os, name, raising=False)
    for name, value in present.items():
        monkeypatch.setattr(os, name, value, raising=False)
    assert files.open_flags() == expected


@given(data=st.binary(max_size=2000), atomic=st.booleans())
def test_private_bytes_are_written_as_given_without_posix_calls(
    data: bytes, atomic: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = tmp_path_factory.mktemp("portable") / "out" / "file.bin"
    with pytest.MonkeyPatch.context() as patch:
        for name in WINDOWS_LACKS:
            patch.delattr(os, name)
        write = files.replace_private_bytes if atomic else files.write_private_bytes
        write(target, data)
    assert target.read_bytes() == data
    assert stat.S_IMODE(target.stat().st_mode) == files.PRIVATE_FILE
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]  # no temporary left


def test_an_existing_file_is_made_private_with_chmod_where_there_is_no_fchmod(
    tmp_path: Path, windows_os: None
) -> None:
    log = tmp_path / "sheetsync.log"
    log.write_text("before\n", encoding="utf-8")
    log.chmod(0o644)
    with files.open_private(log, "a") as out:
        out.write("after\n")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_bytes() == b"before\nafter\n"


def test_a_folder_is_not_opened_to_be_synced_where_it_cannot_be(
    tmp_path: Path, windows_os: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: opened.append(args))
    files.sync_dir(tmp_path)
    assert opened == []


# What a mode means


@pytest.mark.parametrize(("modes_mean_access", "warned"), [(True, True), (False, False)])
def test_a_key_open_to_others_is_a_notice_only_where_modes_say_who_reads(
    modes_mean_access: bool, warned: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "service-account.json"
    key.write_text("{}", encoding="utf-8")
    key.chmod(0o644)  # what os.stat shows for every writable file on Windows is 0o666
    monkeypatch.setattr(files, "MODES_MEAN_ACCESS", modes_mean_access)
    assert bool(files.open_to_others(key)) is warned
    assert bool(key_file_notice(key)) is warned


@pytest.mark.parametrize(("signal_zero_checks", "stale"), [(True, True), (False, False)])
def test_a_fresh_temporary_copy_of_a_gone_process_is_kept_where_no_pid_can_be_checked(
    signal_zero_checks: bool, stale: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(gone.stdout)  # its process has ended
    copy = tmp_path / workbook._temp_name("n.xlsx", pid)
    copy.write_bytes(b"half a workbook")
    monkeypatch.setattr(workbook, "SIGNAL_ZERO_CHECKS", signal_zero_checks)
    if not signal_zero_checks:  # on Windows os.kill(pid, 0) would send Ctrl+C
        monkeypatch.setattr(os, "kill", lambda *args: pytest.fail("os.kill was called"))
    assert workbook._is_stale(copy, "n.xlsx") is stale
    old = time.time() - workbook.STALE_AFTER - 60
    os.utime(copy, (old, old))
    assert workbook._is_stale(copy, "n.xlsx") is True  # a day old: stale everywhere


# Nothing POSIX-only unguarded

# Modules Windows does not have, and os names it lacks or that mean something else there.
POSIX_MODULES = {"fcntl", "pwd", "grp", "termios", "tty", "pty", "resource", "syslog", "posix"}
POSIX_OS_NAMES = {
    "O_CLOEXEC", "O_DIRECTORY", "O_NOFOLLOW", "O_NOCTTY", "fchmod", "fchown", "chown",
    "lchmod", "getuid", "geteuid", "getgid", "getegid", "getpgid", "setsid", "fork",
    "killpg", "mkfifo", "sync", "statvfs", "uname", "getloadavg", "WNOHANG", "pread",
    "pwrite", "readv", "writev", "sendfile", "posix_fallocate", "posix_fadvise",
}  # fmt: skip


def posix_only_uses(tree: ast.AST) -> list[str]:
    """`import fcntl` outside a try that catches its absence, and `os.X` for X in
    POSIX_OS_NAMES (getattr(os, "X", default) and hasattr are how to ask)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(catches_absence(h) for h in node.handlers):
            guarded |= {id(inner) for part in node.body for inner in ast.walk(part)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in guarded:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"import {n}" for n in names if n and n.split(".")[0] in POSIX_MODULES]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in POSIX_OS_NAMES
        ):
            found.append(f"os.{node.attr}")
    return found


def catches_absence(handler: ast.ExceptHandler) -> bool:
    """Whether an except clause catches ImportError (ModuleNotFoundError is one)."""
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names
    )


def test_no_module_uses_a_posix_only_call_unguarded() -> None:
    package = Path(sheetsync.__file__).parent
    found = {
        path.relative_to(package).as_posix(): uses
        for path in sorted(package.rglob("*.py"))
        if (uses := posix_only_uses(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import fcntl", ["import fcntl"]),
        ("from pwd import getpwuid", ["import pwd"]),
        ("try:\n    import fcntl\nexcept ImportError:\n    fcntl = None", []),
        ("try:\n    import fcntl\nexcept ValueError:\n    pass", ["import fcntl"]),
        ("os.fchmod(fd, 0o600)", ["os.fchmod"]),
        ("flags = os.O_RDONLY | os.O_DIRECTORY", ["os.O_DIRECTORY"]),
        ('getattr(os, "O_CLOEXEC", 0)', []),
    ],
)
def test_the_posix_scan_finds_what_it_should(source: str, found: list[str]) -> None:
    assert posix_only_uses(ast.parse(source)) == found


@pytest.mark.parametrize(("modes_mean_access", "refused"), [(True, True), (False, False)])
def test_a_folder_flagged_read_only_is_written_in_on_windows(
    modes_mean_access: bool, refused: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows sets a folder's read-only flag to mark it customised (Documents, say), and
    # Python shows it as mode 0o555; Windows' Python says any folder may be written.
    folder = tmp_path / "Documents"
    folder.mkdir()
    folder.chmod(0o555)
    monkeypatch.setattr(workbook, "MODES_MEAN_ACCESS", modes_mean_access)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: True)
    try:
        assert workbook._read_only(folder, os.W_OK | os.X_OK) is refused
    finally:
        folder.chmod(0o700)
