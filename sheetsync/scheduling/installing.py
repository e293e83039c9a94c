"""Putting a scheduler's files in place and running its program (systemctl, launchctl),
with messages that say what to do when the program is missing or refuses.

Each program's name can be replaced through an environment variable, as crontab.py's
SHEETSYNC_CRONTAB: tests point it at a stand-in script.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable

from sheetsync.errors import ScheduleError
from sheetsync.scheduling.command import PlannedFile

# program -> the variable naming another program to run instead (a stand-in in tests)
PROGRAM_ENV = {"systemctl": "SHEETSYNC_SYSTEMCTL", "launchctl": "SHEETSYNC_LAUNCHCTL"}
TIMEOUT = 60  # seconds: enabling a timer or loading an agent takes well under one


def write_files(files: Iterable[PlannedFile]) -> bool:
    """Write the files whose text or permissions differ; True when any did."""
    changed = False
    for planned in files:
        path = planned.path
        try:
            same = path.read_text(encoding="utf-8") == planned.text
            same = same and (path.stat().st_mode & 0o777) == planned.mode
        except (FileNotFoundError, UnicodeDecodeError):
            same = False
        if same:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(planned.text, encoding="utf-8")
            path.chmod(planned.mode)
        except OSError as err:
            raise ScheduleError(
                f"Cannot write {path}: {err.strerror}. Check that the folder is yours "
                "and writable, or copy the text `sheetsync schedule` prints there yourself."
            ) from err
        changed = True
    return changed


def program(name: str) -> str:
    """The program to run for `name`: the stand-in named in its variable, else `name`."""
    return os.environ.get(PROGRAM_ENV.get(name, ""), "") or name


def run_program(argv: tuple[str, ...], *, missing: str, failed: str) -> None:
    """Run a scheduler's program; `missing` and `failed` say what to do when it is absent
    or exits with an error (its own message is added to `failed`)."""
    command = (program(argv[0]), *argv[1:])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except FileNotFoundError as err:
        raise ScheduleError(f"There is no {argv[0]!r} program on this machine: {missing}") from err
    except subprocess.TimeoutExpired as err:
        raise ScheduleError(
            f"`{' '.join(argv)}` did not answer in {TIMEOUT} seconds: {failed}"
        ) from err
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        raise ScheduleError(f"`{' '.join(argv)}` failed ({said}): {failed}")
