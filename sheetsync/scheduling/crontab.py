"""The crontab lines for a network, and their installation in the user's crontab.

One line runs `sheetsync tick` every few minutes; tick decides which job is due from
jobs/ (in the network's time zone), so changing a job's schedule needs no new crontab.
The lines sit in a block marked with the config's path: installing again replaces the
block (no duplicates), and the user's other lines are kept as they are.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from sheetsync.config import Config
from sheetsync.errors import ScheduleError
from sheetsync.jobs import Job
from sheetsync.scheduling.command import scheduled_log_file as scheduled_log_file
from sheetsync.scheduling.command import sheetsync_command as sheetsync_command
from sheetsync.scheduling.command import tick_command

CRONTAB_ENV = "SHEETSYNC_CRONTAB"  # the crontab program (tests point it at a stand-in)


def crontab_block(config: Config, jobs: list[Job], *, every: int = 5) -> list[str]:
    """The lines `sheetsync schedule` prints and `--install` writes."""
    tick = tick_command(config)
    path = tick.config_path
    width = max((len(j.name) for j in jobs), default=0)
    return [
        f"# >>> sheetsync {path}",
        "# Managed by `sheetsync schedule --install`; `sheetsync tick` runs these jobs when",
        f"# due, in {config.timezone} time (edit jobs/*.toml, not these lines):",
        *(f"#   {j.name:<{width}}  {j.schedule:<13}  {j.description}" for j in jobs),
        f"*/{every} * * * * " + cron_command(tick.workdir, tick.argv),
        f"# <<< sheetsync {path}",
    ]


def cron_command(workdir: Path, argv: tuple[str, ...]) -> str:
    """A crontab line's command: the shell's words, with each % escaped (crontab(5): cron
    turns an unescaped % into a new line, and takes the backslash out again)."""
    command = f"cd {shlex.quote(str(workdir))} && {shlex.join(argv)}"
    return command.replace("%", "\\%")


def merged(current: str, block: list[str]) -> str:
    """The crontab with this network's block put in (replacing an older one)."""
    begin, end = block[0], block[-1]
    lines = current.splitlines()
    starts = [i for i, line in enumerate(lines) if line == begin]
    stops = [i for i, line in enumerate(lines) if line == end]
    if not starts and not stops:
        lines += block
    elif len(starts) == 1 and len(stops) == 1 and starts[0] < stops[0]:
        lines[starts[0] : stops[0] + 1] = block
    else:
        raise ScheduleError(
            f"Your crontab's sheetsync block for this network is broken: it should have "
            f"one line {begin!r} and, below it, one line {end!r}, but has {len(starts)} "
            f"and {len(stops)}. Fix it with `crontab -e` (or delete the block's lines), "
            "then run `sheetsync schedule --install` again."
        )
    return "\n".join(lines) + "\n"


def _crontab() -> str:
    return os.environ.get(CRONTAB_ENV, "crontab")


def read_crontab() -> str:
    """The user's crontab ("" when they have none yet)."""
    try:
        done = subprocess.run([_crontab(), "-l"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError as err:
        raise ScheduleError(
            f"There is no {_crontab()!r} program on this machine: install cron (on Debian "
            "or Ubuntu: sudo apt-get install cron), or copy the lines `sheetsync schedule` "
            "prints into your scheduler."
        ) from err
    if done.returncode != 0:
        if "no crontab" in done.stderr.casefold():
            return ""
        raise ScheduleError(
            f"`crontab -l` failed: {done.stderr.strip()}. Check that you may use cron "
            "(/etc/cron.allow, /etc/cron.deny), or copy the lines `sheetsync schedule` "
            "prints into your scheduler."
        )
    return done.stdout


def install(block: list[str]) -> bool:
    """Put the block in the user's crontab; False when it was there already, unchanged."""
    current = read_crontab()
    wanted = merged(current, block)
    if wanted == current:
        return False
    done = subprocess.run(
        [_crontab(), "-"], input=wanted, capture_output=True, text=True, timeout=30
    )
    if done.returncode != 0:
        raise ScheduleError(f"`crontab -` refused the new crontab: {done.stderr.strip()}")
    return True
