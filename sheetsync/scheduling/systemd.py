"""A systemd user service and timer that run `sheetsync tick` every few minutes, and their
installation in ~/.config/systemd/user (no root needed).

Unit files have their own quoting (systemd.syntax(7), systemd.service(5)): ExecStart
splits on spaces outside double quotes and undoes C escapes inside them; `%` starts a
specifier and `$` a variable everywhere, so they are doubled. WorkingDirectory takes the
rest of the line as it is, apart from specifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from sheetsync.errors import ScheduleError
from sheetsync.scheduling.command import (
    PlannedFile,
    Rendering,
    Scheduler,
    TickCommand,
    render_template,
)
from sheetsync.scheduling.installing import run_program, write_files

_BARE = re.compile(r"[\w./:=@+,-]+")  # a word ExecStart reads as it is, unquoted
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unit_dir(home: Path, environ: Mapping[str, str]) -> Path:
    """Where systemd looks for a user's own units: $XDG_CONFIG_HOME/systemd/user, else
    ~/.config/systemd/user."""
    base = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(base) / "systemd" / "user"


def unit_names(slug: str) -> tuple[str, str]:
    """The service's and the timer's file names."""
    return f"sheetsync-{slug}.service", f"sheetsync-{slug}.timer"


def exec_start(argv: Sequence[str]) -> str:
    """The ExecStart= value that systemd splits back into exactly these arguments."""
    return " ".join(_exec_word(arg) for arg in argv)


def _exec_word(arg: str) -> str:
    _refuse_control(arg)
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _BARE.fullmatch(arg):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unit_path(path: Path) -> str:
    """A path as WorkingDirectory= reads it: specifiers doubled; no quoting exists there,
    so a path systemd would read otherwise is refused."""
    text = str(path)
    _refuse_control(text)
    if text.endswith((" ", "\\")):  # systemd strips spaces; a backslash continues the line
        raise ScheduleError(
            f"The folder {text!r} ends with a space or a backslash, which a systemd unit "
            "cannot hold. Rename the folder, or use `sheetsync schedule --for cron`."
        )
    return text.replace("%", "%%")


def _refuse_control(text: str) -> None:
    if _CONTROL.search(text):
        raise ScheduleError(
            f"The path {text!r} holds a line break or another control character, which a "
            "scheduler cannot be given. Move the network to a folder without one."
        )


def render(tick: TickCommand, *, every: int, home: Path, environ: Mapping[str, str]) -> Rendering:
    """The two unit files, and the systemctl commands that enable them."""
    service, timer = unit_names(tick.slug)
    folder = unit_dir(home, environ)
    for text in (str(tick.config_path), str(tick.log_file)):
        _refuse_control(text)
    values = {
        "config_path": tick.config_path,
        "log_file": tick.log_file,
        "slug": tick.slug,
        "every": every,
        "service": service,
        "timer": timer,
    }
    files = (
        PlannedFile(
            folder / service,
            render_template(
                "sheetsync.service.jinja",
                workdir=_unit_path(tick.workdir),
                exec_start=exec_start(tick.argv),
                **values,
            ),
        ),
        PlannedFile(folder / timer, render_template("sheetsync.timer.jinja", **values)),
    )
    return Rendering(
        scheduler=Scheduler.SYSTEMD,
        text="".join(f"# {f.path}\n{f.text}\n" for f in files).rstrip("\n") + "\n",
        files=files,
        commands=(
            ("systemctl", "--user", "daemon-reload"),
            ("systemctl", "--user", "enable", "--now", timer),
        ),
        hint="# To install them: sheetsync schedule --for systemd --install",
        installed=f"Installed {service} and {timer} in {folder} and started the timer: "
        f"`systemctl --user list-timers {timer}` shows its next tick, `journalctl --user "
        f"-u {service}` what tick printed. On a server, `loginctl enable-linger` keeps it "
        "running when you log out.",
        unchanged=f"{service} and {timer} are installed already and the timer is enabled; "
        "nothing changed.",
    )


def install(rendering: Rendering) -> bool:
    """Write the unit files and enable the timer; True when a file changed. Enabling runs
    every time: it is harmless when the timer runs already and restarts it if stopped."""
    changed = write_files(rendering.files)
    for argv in rendering.commands:
        run_program(
            argv,
            missing="this machine does not run systemd (or it is not on your PATH). Use "
            "`sheetsync schedule --for cron --install`, or copy the unit files it prints.",
            failed="check that your user has a systemd session (`systemctl --user status`; "
            "over ssh or in a container there may be none), or use "
            "`sheetsync schedule --for cron --install`.",
        )
    return changed
