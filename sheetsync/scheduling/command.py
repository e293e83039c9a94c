"""What every scheduler runs: `sheetsync ... tick`, from the config's folder, and the
short name (slug) that tells this network's timer, agent or task apart from another's.

Cron, systemd, launchd, Task Scheduler and GitHub Actions only differ in how they start
this one command every few minutes; tick decides which job in jobs/ is due.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2

from sheetsync.config import Config
from sheetsync.errors import ScheduleError

SLUG_NAME_CHARS = 24  # of the network's name, so the slug stays readable in a listing


class Scheduler(StrEnum):
    """The programs `sheetsync schedule --for` writes for."""

    CRON = "cron"
    SYSTEMD = "systemd"
    LAUNCHD = "launchd"
    WINDOWS = "windows"  # a schtasks command, or the task as Task Scheduler XML (--xml)
    GITHUB = "github"


@dataclass(frozen=True)
class TickCommand:
    """How a scheduler on this machine starts tick: the program and its arguments, the
    folder to start in, the config, the log file, and the network's slug."""

    argv: tuple[str, ...]
    workdir: Path
    config_path: Path
    log_file: Path
    state_dir: Path  # sheetsync's own folder for the network, private (0700)
    slug: str


@dataclass(frozen=True)
class PlannedFile:
    """A file a scheduler needs, with the permissions it is written with."""

    path: Path
    text: str
    mode: int = 0o644


@dataclass(frozen=True)
class Rendering:
    """What `sheetsync schedule --for X` prints (text), the files it would write and the
    commands that would enable them (each an argv, none run yet)."""

    scheduler: Scheduler
    text: str
    files: tuple[PlannedFile, ...] = ()
    commands: tuple[tuple[str, ...], ...] = ()
    hint: str = ""  # the next step, printed on stderr beside the text
    installed: str = ""  # said after --install changed something: how to check it runs
    unchanged: str = ""  # said after --install found everything in place


def sheetsync_command() -> list[str]:
    """How a scheduler starts this sheetsync: the script beside this Python (sheetsync.exe
    in a Windows venv's Scripts folder), else python -P -m sheetsync (-P: jobs run from the
    network's folder, which -m alone would put first on the import path)."""
    for name in ("sheetsync", "sheetsync.exe"):
        script = Path(sys.executable).with_name(name)
        if script.exists():
            return [str(script)]
    return [sys.executable, "-P", "-m", "sheetsync"]


def scheduled_log_file(config: Config) -> Path:
    """Where the scheduled tick appends the log: [schedule] log_file, else sheetsync.log in
    the state folder."""
    return config.schedule.log_file or config.state_dir / "sheetsync.log"


def network_slug(config: Config) -> str:
    """A name for this network's timer, agent or task: its name in lowercase ASCII (so a
    person recognises it in a listing) and a hash of the config's folder (so two networks,
    or two copies of the demo, on one machine never overwrite each other's). It holds
    nothing about a person: the network's name and a one-way hash of a path."""
    path = _config_path(config)
    digest = hashlib.sha256(str(path.parent).encode("utf-8")).hexdigest()[:8]
    ascii_name = unicodedata.normalize("NFKD", config.network_name)
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii").casefold()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_NAME_CHARS].strip("-")
    return f"{words}-{digest}" if words else digest


def tick_command(config: Config) -> TickCommand:
    """The tick every scheduler on this machine runs: quiet (only failures reach stderr,
    which cron mails and the others keep) and appending to the log file."""
    path = _config_path(config)
    log_file = scheduled_log_file(config).resolve()
    argv = (
        *sheetsync_command(),
        "--config",
        str(path),
        "--quiet",
        "--log-file",
        str(log_file),
        "tick",
    )
    return TickCommand(
        argv=argv,
        workdir=path.parent,
        config_path=path,
        log_file=log_file,
        state_dir=config.state_dir.resolve(),
        slug=network_slug(config),
    )


def _config_path(config: Config) -> Path:
    if config.path is None:
        raise ScheduleError("A schedule needs a config file: run `sheetsync init` first.")
    return config.path.resolve()


def render_template(name: str, **values: Any) -> str:
    """A template of templates/schedule/ filled in. Values arrive quoted for the file's
    format by the caller (systemd, YAML): the templates add no escaping of their own."""
    return _templates().get_template(name).render(**values)


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sheetsync", "templates/schedule"),
        autoescape=False,  # unit files and YAML, not HTML
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
