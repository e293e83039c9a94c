"""One run of a network at a time: an exclusive lock on a file beside its config.

The lock is the operating system's (flock): it goes when the process holding it ends,
however it ends, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from types import TracebackType

from sheetsync.config import Config
from sheetsync.errors import LockHeldError
from sheetsync.files import private_dir, private_fd


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
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LockHeldError(
                f"Another sheetsync run is working on this network ({holder}), so this one "
                "did nothing: two runs at once could propose the same task twice. Wait for "
                "it to finish; the lock goes by itself when that process ends."
            ) from None
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
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
