"""Run sheetsync as far as this machine can play Windows: started by tests/test_portable.py.

Before sheetsync is imported, fcntl is made unimportable, os loses what Windows lacks
(O_CLOEXEC, O_DIRECTORY, fchmod before Python 3.13) and gains O_BINARY, and msvcrt is a
stand-in whose locking() keeps msvcrt's contract (bytes from the file's position, EACCES
when held) with POSIX record locks, logging each call to $WINDOWS_STANDIN_LOG.

    python windows_standin.py cli ARGS...              sheetsync ARGS..., its exit code
    python windows_standin.py windowless ARGS...       the same without stdout and stderr,
                                                       as pythonw.exe starts it
    python windows_standin.py hold CONFIG READY        hold the network's lock until killed
    python windows_standin.py hold-posix CONFIG READY  the same on Linux as it is (flock)
"""

from __future__ import annotations

import errno
import fcntl as posix_fcntl  # the stand-in's own tool, taken before fcntl is made unimportable
import getpass  # noqa: F401  # these three ask "import msvcrt?" to learn they are on
import mailbox  # noqa: F401  # Windows: imported before the stand-in, they stay on Linux
import os
import subprocess  # noqa: F401
import sys
import time
import types
from pathlib import Path

LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = range(5)  # msvcrt's values


def locking(fd: int, mode: int, nbytes: int) -> None:
    """msvcrt.locking: lock or unlock `nbytes` from the file's position."""
    start = os.lseek(fd, 0, os.SEEK_CUR)
    with open(os.environ["WINDOWS_STANDIN_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{mode} {start} {nbytes}\n")
    if mode == LK_UNLCK:
        posix_fcntl.lockf(fd, posix_fcntl.LOCK_UN, nbytes, start)
        return
    if mode != LK_NBLCK:
        raise AssertionError("sheetsync must not wait for the lock (LK_NBLCK only)")
    try:
        posix_fcntl.lockf(fd, posix_fcntl.LOCK_EX | posix_fcntl.LOCK_NB, nbytes, start)
    except OSError:
        raise PermissionError(errno.EACCES, "Permission denied") from None


def play_windows() -> None:
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.__dict__.update(
        LK_UNLCK=LK_UNLCK,
        LK_LOCK=LK_LOCK,
        LK_NBLCK=LK_NBLCK,
        LK_RLCK=LK_RLCK,
        LK_NBRLCK=LK_NBRLCK,
        locking=locking,
    )
    sys.modules["msvcrt"] = msvcrt
    sys.modules["fcntl"] = None  # import fcntl now fails
    for name in ("O_CLOEXEC", "O_DIRECTORY", "fchmod"):
        delattr(os, name)
    os.O_BINARY = 0  # Windows has it; its value would mean something else to Linux


def hold(config_path: str, ready: str) -> None:
    from sheetsync.config import Config
    from sheetsync.scheduling.lock import NetworkLock

    with NetworkLock(Config.from_file(Path(config_path)), "run weekly"):
        Path(ready).touch()
        time.sleep(120)


if __name__ == "__main__":
    if sys.argv[1] != "hold-posix":
        play_windows()
    if sys.argv[1].startswith("hold"):
        hold(*sys.argv[2:4])
    else:
        from sheetsync.cli import cli

        if sys.argv[1] == "windowless":
            sys.stdout = sys.stderr = None  # type: ignore[assignment]  # so under pythonw

        cli.main(args=sys.argv[2:], prog_name="sheetsync")
