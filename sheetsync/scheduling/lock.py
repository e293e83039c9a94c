"""One run of a network at a time: an exclusive lock on a file beside its config.

The lock is the operating system's: flock on Linux and macOS, a byte-range lock through
the C runtime (msvcrt.locking) on Windows, which has no flock. Either goes when the process
holding it ends, however it ends, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import importlib
import os
import sys
from types import ModuleType, TracebackType

from sheetsync.config import Config
from sheetsync.errors import LockHeldError
from sheetsync.files import private_dir, private_fd

try:
    import fcntl
except ModuleNotFoundError:  # Windows: no fcntl, so sheetsync must not need it to start
    msvcrt: ModuleType | None = importlib.import_module("msvcrt")
else:
    msvcrt = None

# Windows locks are mandatory: nobody else may read a locked byte. The lock is on one byte
# far past the holder's line, so a refused run can still read who holds it; a lock beyond
# the end of a file is allowed and does not make the file any longer.
LOCKED_BYTE = 1 << 20
HOLDER_BYTES = 200  # what a refused run reads of the holder's line
# What msvcrt.locking raises when another process holds the byte (LK_NBLCK tries once).
# Windows' EDEADLOCK is EDEADLK; errno.EDEADLOCK itself is missing on macOS.
HELD_ERRNOS = frozenset({errno.EACCES, errno.EDEADLK})


class NetworkLock:
    """`with NetworkLock(config, "weekly"):` runs alone, or raises LockHeldError."""

    def __init__(self, config: Config, what: str) -> None:
        self.path = config.state_dir / "run.lock"
        self.what = what
        self.tz = config.tz  # the holder's start, as the network's organizers read time
        self._fd: int | None = None

    def __enter__(self) -> NetworkLock:
        private_dir(self.path.parent)
        fd = private_fd(self.path, os.O_RDWR | os.O_CREAT)
        try:
            locked = try_lock(fd)
        except OSError:  # not "held": a failure to tell as it is, without leaking the file
            os.close(fd)
            raise
        if not locked:
            holder = (
                os.read(fd, HOLDER_BYTES).decode("utf-8", "replace").strip() or "another process"
            )
            os.close(fd)
            raise LockHeldError(
                f"Another sheetsync run is working on this network ({holder}), so this one "
                "did nothing: two runs at once could propose the same task twice. Wait for "
                "it to finish; the lock goes by itself when that process ends."
            )
        os.ftruncate(fd, 0)
        started = dt.datetime.now(self.tz).replace(tzinfo=None)
        started_text = started.isoformat(sep=" ", timespec="seconds")
        os.write(fd, f"{self.what} since {started_text}, pid {os.getpid()}".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def try_lock(fd: int) -> bool:
    """Lock the open file for this run without waiting; False when another run holds it.
    The file's position is left at its start, where the holder's line is read or written."""
    if msvcrt is not None:
        return _try_lock_byte(fd, msvcrt)
    try:
        _flock(fd, take=True)
    except BlockingIOError:
        return False
    return True


def unlock(fd: int) -> None:
    """Release what try_lock took (closing the file would too; this says it is meant)."""
    if msvcrt is not None:
        _unlock_byte(fd, msvcrt)
    else:
        _flock(fd, take=False)


def _flock(fd: int, *, take: bool) -> None:
    if sys.platform == "win32":  # never reached (msvcrt is set there): mypy --platform win32
        raise AssertionError("no flock on Windows")  # then checks no fcntl call
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if take else fcntl.LOCK_UN)


def _try_lock_byte(fd: int, runtime: ModuleType) -> bool:
    """msvcrt.locking locks bytes from the file's position: LOCKED_BYTE, then back to 0."""
    os.lseek(fd, LOCKED_BYTE, os.SEEK_SET)
    try:
        runtime.locking(fd, runtime.LK_NBLCK, 1)
    except OSError as err:
        if err.errno not in HELD_ERRNOS:
            raise
        return False
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
    return True


def _unlock_byte(fd: int, runtime: ModuleType) -> None:
    os.lseek(fd, LOCKED_BYTE, os.SEEK_SET)
    try:
        runtime.locking(fd, runtime.LK_UNLCK, 1)
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
