"""What makes Windows' Task Scheduler run `sheetsync tick` every few minutes: a schtasks
command quoted for cmd.exe, or (`--xml FILE`) the task as Task Scheduler XML and the one
schtasks line that imports it. Printed only: the organizer pastes it in a Command Prompt.

Two parsers read it. cmd.exe first (quotes, carets, %VARIABLES%), then schtasks splits
what is left by the C runtime's rules, and the task's command line (/TR) is split again
by the same rules when it runs. mslex quotes for both, as Windows itself parses, which
hand-written quoting gets wrong at the edges (a trailing backslash before a quote, a %
inside quotes).

The XML holds what schtasks' options cannot say: a program started with no console window
(pythonw.exe), ticks on battery power, a tick missed while the computer was off run when
it is back, one tick at a time and a time limit, and a starting folder. It follows the
Task Scheduler schema (https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-
schema), version 1.2 (Windows Vista and later), and is saved as UTF-16 little-endian with
a byte order mark and a matching declaration, the form Task Scheduler exports and the one
schtasks /XML reads.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path, PurePath

import mslex

from sheetsync.errors import ScheduleError
from sheetsync.files import write_private_bytes
from sheetsync.scheduling.command import PlannedFile, Rendering, Scheduler, TickCommand

MAX_TASK_RUN = 261  # characters schtasks accepts after /TR (its documented limit)

TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
TASK_VERSION = "1.2"  # every element below is in 1.2 (Windows Vista and later)
MAX_TASK_PATH = 260  # the schema's pathType: Command and WorkingDirectory
# schtasks /XML reads UTF-16 little-endian with its byte order mark (and plain ASCII);
# UTF-8, with or without a BOM, and UTF-16 big-endian are refused as malformed.
XML_ENCODING = "utf-16-le"
BYTE_ORDER_MARK = "\ufeff"
# Local time, no zone: ticks fall on the clock's multiples of N minutes, as cron's */N
# do, whenever the task is imported. A start in the past is usual for a repeating task.
START_BOUNDARY = "2026-01-01T00:00:00"
# The longest a tick may run: a weekly job takes seconds to a few minutes. A tick stuck
# on a network that never answers is stopped (its lock goes with it), else IgnoreNew
# would skip every later tick while it hangs.
EXECUTION_TIME_LIMIT = "PT1H"
PRINCIPAL = "Author"  # the id the action's Context names: the user who imports the task
# Settings (settingsType), with why each is not Task Scheduler's default.
TASK_SETTINGS = (
    ("MultipleInstancesPolicy", "IgnoreNew"),  # a tick still running: skip this one
    ("DisallowStartIfOnBatteries", "false"),  # schema default true: no tick on battery
    ("StopIfGoingOnBatteries", "false"),  # schema default true: unplugged, tick stopped
    ("AllowHardTerminate", "true"),  # so the time limit can stop a stuck tick
    ("StartWhenAvailable", "true"),  # a tick missed (off, asleep) runs when it is back
    ("RunOnlyIfNetworkAvailable", "false"),  # a workbook needs none; tick retries Google
    ("Enabled", "true"),
    ("Hidden", "false"),
    ("ExecutionTimeLimit", EXECUTION_TIME_LIMIT),
)
# Task Scheduler expands %NAME% in Command, Arguments and WorkingDirectory (IExecAction)
# and has no way to escape it: a path holding a name between two % could run something
# else. A variable's name has no space, quote, slash or colon: "100% (or 50%)" is safe.
EXPANDED = re.compile(r'%[^%\s"\\/:]+%')
# What XML 1.0 cannot hold (Char production): control characters but tab, LF and CR,
# lone surrogates, U+FFFE and U+FFFF. No Windows path holds them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
        f"schtasks /Query /TN {name}; to remove it: schtasks /Delete /TN {name} /F. "
        "With --xml FILE instead, the task opens no window and runs on battery too.",
    )


def pythonw_path() -> Path | None:
    """pythonw.exe beside the Python running sheetsync (a Windows venv's Scripts folder
    holds both), else None. pythonw starts Python without a console, so no window opens on
    each tick; its stdout and stderr are None, which click and logging write nothing to,
    and tick's lines go to the --log-file. `conhost --headless` is not used: the flag is
    undocumented and has been seen to flash a window anyway."""
    candidate = Path(sys.executable).with_name("pythonw.exe")
    return candidate if candidate.exists() else None


def windowless_argv(tick: TickCommand, pythonw: PurePath | None) -> tuple[str, ...]:
    """tick as pythonw starts it (`pythonw -P -m sheetsync --config ... tick`); without
    pythonw, tick's own command, whose console window flashes on each tick. -P: the task
    starts in the network's folder, and `-m` alone would put that folder first on the
    import path, so a yaml.py or click.py left there would run in sheetsync's place."""
    if pythonw is None:
        return tick.argv
    options = tick.argv[tick.argv.index("--config") :]  # after sheetsync's own command
    return (str(pythonw), "-P", "-m", "sheetsync", *options)


def task_xml(tick: TickCommand, *, every: int, pythonw: PurePath | None) -> str:
    """The task as Task Scheduler XML: every N minutes, as whoever imports it, while
    they are logged on (no password is stored), running tick from the network's folder."""
    command, *arguments = windowless_argv(tick, pythonw)
    action = {
        # Quoted when it holds a space, as Task Scheduler's own dialog saves a program.
        "Command": mslex.quote(command, for_cmd=False),
        "Arguments": task_run(arguments),
        "WorkingDirectory": str(tick.workdir),
    }
    _check_action(action)
    task = ET.Element("Task", {"version": TASK_VERSION, "xmlns": TASK_NAMESPACE})
    info = _add(task, "RegistrationInfo")
    _add(info, "Description", f"sheetsync tick every {every} minutes ({tick.slug})")
    trigger = _add(_add(task, "Triggers"), "TimeTrigger")
    _add(trigger, "Enabled", "true")  # triggerBaseType is a sequence: this order
    _add(trigger, "StartBoundary", START_BOUNDARY)
    repetition = _add(trigger, "Repetition")
    _add(repetition, "Interval", f"PT{every}M")  # no Duration: repeated indefinitely
    _add(repetition, "StopAtDurationEnd", "false")
    principal = _add(_add(task, "Principals"), "Principal", id=PRINCIPAL)
    _add(principal, "LogonType", "InteractiveToken")
    _add(principal, "RunLevel", "LeastPrivilege")
    settings = _add(task, "Settings")
    for name, value in TASK_SETTINGS:
        _add(settings, name, value)
    run = _add(_add(task, "Actions", Context=PRINCIPAL), "Exec")
    for name, value in action.items():
        _add(run, name, value)
    ET.indent(task)
    declaration = '<?xml version="1.0" encoding="UTF-16"?>\n'
    return declaration + ET.tostring(task, encoding="unicode") + "\n"


def task_xml_bytes(text: str) -> bytes:
    """The XML as schtasks /XML reads it: UTF-16 little-endian after its byte order mark,
    whatever this machine's byte order (Python's "utf-16" would follow it)."""
    return (BYTE_ORDER_MARK + text).encode(XML_ENCODING)


def import_argv(xml_file: Path, slug: str) -> list[str]:
    """schtasks' arguments that create (or replace) the task from the XML file."""
    return ["schtasks", "/Create", "/XML", str(xml_file), "/TN", task_name(slug), "/F"]


def render_xml(tick: TickCommand, *, every: int, xml_file: Path) -> Rendering:
    """The XML file to save (private: it names the user's folders) and the schtasks line
    that imports it, to paste in a Command Prompt."""
    pythonw = pythonw_path()
    path = xml_file.resolve()  # a Command Prompt opens in the user's home, not here
    argv = import_argv(path, tick.slug)
    name = mslex.quote(task_name(tick.slug), for_cmd=True)
    window = (
        ""
        if pythonw
        else " There is no pythonw.exe beside this Python, so a window will flash on each tick."
    )
    return Rendering(
        scheduler=Scheduler.WINDOWS,
        text=mslex.join(argv, for_cmd=True) + "\n",
        files=(PlannedFile(path, task_xml(tick, every=every, pythonw=pythonw), 0o600),),
        commands=(tuple(argv),),
        hint=f"REM Saved the task in {path}. Paste the line above in a Command Prompt "
        f"(Start, type cmd). To check it: schtasks /Query /TN {name}; to remove it: "
        f"schtasks /Delete /TN {name} /F.{window}",
    )


def save_task_xml(rendering: Rendering) -> None:
    """Write the XML file render_xml planned, as UTF-16, readable by the user alone."""
    [planned] = rendering.files
    try:
        write_private_bytes(planned.path, task_xml_bytes(planned.text))
    except OSError as err:
        raise ScheduleError(
            f"Cannot write {planned.path}: {err.strerror}. Give --xml a file in a folder "
            "of yours, such as the network's folder."
        ) from err


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _check_action(action: dict[str, str]) -> None:
    """Refuse what Task Scheduler would read otherwise than written, saying what to do."""
    for field, value in action.items():
        if NOT_XML.search(value):
            raise ScheduleError(
                f"The task's {field} holds a control character (or another character "
                "XML cannot hold). Rename the folder without it, then run the command again."
            )
        if EXPANDED.search(value):
            raise ScheduleError(
                f"The task's {field} holds a name between two % signs, which Task Scheduler "
                "would read as an environment variable. Rename the network's folder "
                "(or sheetsync's) without %, then run the command again."
            )
        if field != "Arguments" and len(value) > MAX_TASK_PATH:
            raise ScheduleError(
                f"The task's {field} is {len(value)} characters long, and Task Scheduler "
                f"accepts at most {MAX_TASK_PATH}: move the folder nearer the top of the "
                "drive (e.g. C:\\mutual-aid), then run the command again."
            )
