"""A macOS LaunchAgent that runs `sheetsync tick` every few minutes, and its loading with
launchctl (a user's own agents need no administrator).

The plist is built with plistlib, so paths with spaces, quotes or accents need no
quoting: ProgramArguments is a list, given to the program as it is.
"""

from __future__ import annotations

import contextlib
import plistlib
from pathlib import Path

from sheetsync.errors import ScheduleError
from sheetsync.files import private_dir
from sheetsync.scheduling.command import PlannedFile, Rendering, Scheduler, TickCommand
from sheetsync.scheduling.installing import run_program, write_files

# What tick prints goes here (only failures, as it runs --quiet, and a crash's traceback),
# in the private state folder: launchd creates the file readable by all, and the log
# itself is the --log-file, which sheetsync keeps private.
OUTPUT_FILE = "launchd.log"


def label(slug: str) -> str:
    """The agent's name for launchctl, reverse-DNS as Apple asks."""
    return f"org.sheetsync.{slug}"


def agent_path(home: Path, slug: str) -> Path:
    """Where a user's own agents live: ~/Library/LaunchAgents."""
    return home / "Library" / "LaunchAgents" / f"{label(slug)}.plist"


def agent(tick: TickCommand, *, every: int) -> dict[str, object]:
    """The LaunchAgent's keys (launchd.plist(5))."""
    output = str(tick.state_dir / OUTPUT_FILE)
    return {
        "Label": label(tick.slug),
        "ProgramArguments": list(tick.argv),
        "WorkingDirectory": str(tick.workdir),
        # Seconds; a Mac asleep at that time runs it once on waking, not once per interval.
        "StartInterval": every * 60,
        "StandardOutPath": output,
        "StandardErrorPath": output,
        "ProcessType": "Background",  # a few seconds' work: let macOS save energy
    }


def render(tick: TickCommand, *, every: int, home: Path, uid: int) -> Rendering:
    """The plist, and the launchctl commands that (re)load it for this user."""
    path = agent_path(home, tick.slug)
    name = label(tick.slug)
    shown = f"~/Library/LaunchAgents/{name}.plist"  # the Mac's home, not this computer's
    text = plistlib.dumps(agent(tick, every=every), sort_keys=False).decode("utf-8")
    domain = f"gui/{uid}"
    return Rendering(
        scheduler=Scheduler.LAUNCHD,
        text=text,
        files=(PlannedFile(path, text),),
        commands=(
            ("launchctl", "bootout", f"{domain}/{name}"),
            ("launchctl", "bootstrap", domain, str(path)),
        ),
        hint=f"# To install it, on the Mac: sheetsync schedule --for launchd --install "
        f"(it saves this as {shown} and runs `launchctl bootstrap gui/$(id -u) {shown}`)",
        installed=f"Saved {path} and loaded it: `launchctl print {domain}/{name}` shows "
        f"it; what tick printed is in {tick.state_dir / OUTPUT_FILE}.",
        unchanged=f"{path} was in place and loaded already; nothing changed.",
    )


def install(rendering: Rendering, *, state_dir: Path, platform: str) -> bool:
    """Save the plist and (re)load the agent; True when the plist changed. Loading again
    takes the agent out first: bootstrap refuses an agent that is loaded already."""
    if platform != "darwin":
        path = f"~/Library/LaunchAgents/{rendering.files[0].path.name}"
        raise ScheduleError(
            f"launchd is the Mac's scheduler, and this computer is not a Mac ({platform}). "
            "On the Mac, run `sheetsync schedule --for launchd --install`; or save what "
            f"`sheetsync schedule --for launchd` prints as {path} there and run "
            f"`launchctl bootstrap gui/$(id -u) {path}`. Here, use --for cron or systemd."
        )
    private_dir(state_dir)  # launchd does not create the output file's folder
    changed = write_files(rendering.files)
    bootout, bootstrap = rendering.commands
    missing = "launchctl comes with macOS; check your PATH holds /bin."
    if not changed and _loaded(bootout[2], missing):
        # The same plist, loaded: left as it is. A bootout would stop a tick that is
        # running (mid-write to the spreadsheet) for nothing.
        return False
    with contextlib.suppress(ScheduleError):  # not loaded yet: nothing to take out
        run_program(bootout, missing=missing, failed="")
    run_program(
        bootstrap,
        missing=missing,
        failed="check the plist with `plutil -lint` on the file, and that you are logged "
        "in at the Mac (an agent needs your session), then run the command again.",
    )
    return changed


def _loaded(target: str, missing: str) -> bool:
    """Whether launchd has the agent (`launchctl print gui/UID/LABEL` succeeds)."""
    try:
        run_program(("launchctl", "print", target), missing=missing, failed="")
    except ScheduleError:
        return False
    return True
