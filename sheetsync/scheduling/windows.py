"""The schtasks command that makes Windows' Task Scheduler run `sheetsync tick` every few
minutes, quoted for cmd.exe. Printed only: the organizer pastes it in a Command Prompt.

Two parsers read it. cmd.exe first (quotes, carets, %VARIABLES%), then schtasks splits
what is left by the C runtime's rules, and the task's command line (/TR) is split again
by the same rules when it runs. mslex quotes for both, as Windows itself parses, which
hand-written quoting gets wrong at the edges (a trailing backslash before a quote, a %
inside quotes).
"""

from __future__ import annotations

from collections.abc import Sequence

import mslex

from sheetsync.errors import ScheduleError
from sheetsync.scheduling.command import Rendering, Scheduler, TickCommand

MAX_TASK_RUN = 261  # characters schtasks accepts after /TR (its documented limit)


def task_name(slug: str) -> str:
    """The task's name in Task Scheduler's library."""
    return f"sheetsync {slug}"


def task_run(argv: Sequence[str]) -> str:
    """/TR's value: the command line the task starts (no cmd.exe in between). Every path
    in it is absolute, so the task needs no starting folder (schtasks cannot set one)."""
    return mslex.join(list(argv), for_cmd=False)


def schtasks_argv(tick: TickCommand, *, every: int) -> list[str]:
    """schtasks' arguments: every N minutes, as this user, replacing a task of that name."""
    run = task_run(tick.argv)
    if len(run) > MAX_TASK_RUN:
        raise ScheduleError(
            f"The command the task would run is {len(run)} characters long, and schtasks "
            f"accepts at most {MAX_TASK_RUN}: the network's folder is too deep. Move it "
            "nearer the top of the drive (e.g. C:\\mutual-aid), or create the task by hand "
            "in Task Scheduler (docs/schedule.md shows how)."
        )
    return [
        "schtasks",
        "/Create",
        "/SC",
        "MINUTE",
        "/MO",
        str(every),
        "/TN",
        task_name(tick.slug),
        "/TR",
        run,
        "/F",
    ]


def render(tick: TickCommand, *, every: int) -> Rendering:
    """The command line to paste in a Command Prompt."""
    argv = schtasks_argv(tick, every=every)
    name = mslex.quote(task_name(tick.slug), for_cmd=True)
    return Rendering(
        scheduler=Scheduler.WINDOWS,
        text=mslex.join(argv, for_cmd=True) + "\n",
        commands=(tuple(argv),),
        hint=f"REM Paste this in a Command Prompt (Start, type cmd). To check it: "
        f"schtasks /Query /TN {name}; to remove it: schtasks /Delete /TN {name} /F",
    )
