"""`sheetsync schedule --for X`: the one function that renders tick's schedule for any
scheduler, and the one that installs it where a user can without root.

Every scheduler only starts `sheetsync ... tick` every N minutes (scheduling/command.py);
the modules beside this one each know one scheduler's files and programs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sheetsync.config import Config
from sheetsync.errors import ScheduleError
from sheetsync.jobs import Job
from sheetsync.scheduling import crontab, github, launchd, systemd, windows
from sheetsync.scheduling.command import Rendering, Scheduler, tick_command

DEFAULT_EVERY = 5  # minutes between ticks: a job starts at most this late
# GitHub bills a private repository's runs by the minute: every 30 minutes stays within
# the free plan's 2,000 minutes a month (a run takes about a minute).
DEFAULT_EVERY_GITHUB = 30


def default_every(scheduler: Scheduler) -> int:
    """Minutes between ticks when --every is not given."""
    return DEFAULT_EVERY_GITHUB if scheduler == Scheduler.GITHUB else DEFAULT_EVERY


def render_schedule(
    config: Config,
    jobs: list[Job],
    scheduler: Scheduler,
    *,
    every: int,
    home: Path,
    environ: Mapping[str, str],
    uid: int,
    package: str | None = None,
    task_xml: Path | None = None,
) -> Rendering:
    """What `sheetsync schedule --for scheduler` prints, and the files and commands that
    --install would write and run. `home`, `environ` and `uid` are the user's (tests
    give their own); `package` is what a GitHub runner installs (github.package_spec);
    `task_xml`, where Windows' task is saved as XML (windows.render_xml)."""
    tick = tick_command(config)
    match scheduler:
        case Scheduler.CRON:
            block = crontab.crontab_block(config, jobs, every=every)
            return Rendering(
                Scheduler.CRON,
                "\n".join(block) + "\n",
                hint="# To add these lines to your crontab: sheetsync schedule --install",
                installed="Installed in your crontab (`crontab -l` shows it):\n" + "\n".join(block),
                unchanged="Your crontab has these lines already; nothing changed.",
            )
        case Scheduler.SYSTEMD:
            return systemd.render(tick, every=every, home=home, environ=environ)
        case Scheduler.LAUNCHD:
            return launchd.render(tick, every=every, home=home, uid=uid)
        case Scheduler.WINDOWS if task_xml is not None:
            return windows.render_xml(tick, every=every, xml_file=task_xml)
        case Scheduler.WINDOWS:
            return windows.render(tick, every=every)
        case Scheduler.GITHUB:
            return github.render(config, tick, jobs, every=every, package=package)
    raise AssertionError(scheduler)  # pragma: no cover: the match covers every scheduler


def install_schedule(rendering: Rendering, config: Config, *, platform: str) -> bool:
    """Install what was rendered for this user; True when anything changed. Windows and
    GitHub are printed only: they are set up where they run, as the error says."""
    match rendering.scheduler:
        case Scheduler.CRON:
            return crontab.install(rendering.text.splitlines())
        case Scheduler.SYSTEMD:
            return systemd.install(rendering)
        case Scheduler.LAUNCHD:
            return launchd.install(rendering, state_dir=config.state_dir, platform=platform)
        case Scheduler.WINDOWS:
            raise ScheduleError(
                "sheetsync does not create the Windows task itself: run `sheetsync schedule "
                "--for windows --xml sheetsync-task.xml` on the Windows computer and paste the "
                "command it prints in a Command Prompt there (docs/schedule.md)."
            )
        case Scheduler.GITHUB:
            raise ScheduleError(
                "A GitHub workflow is installed by saving it in the repository: run "
                f"`sheetsync schedule --for github > {github.WORKFLOW_PATH}`, add the secret "
                f"{github.KEY_SECRET}, then commit and push (docs/schedule.md)."
            )
    raise AssertionError(rendering.scheduler)  # pragma: no cover
