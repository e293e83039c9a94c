"""`sheetsync schedule --for windows --xml FILE`: the task as Task Scheduler XML, checked
against the rules of Microsoft's schema (below, element by element), read back as the same
tick for any folder, saved as UTF-16 for the user alone, and tick run as pythonw runs it
(no stdout, no stderr) without a crash.

The schema rules checked (https://learn.microsoft.com/windows/win32/taskschd/task-
scheduler-schema, and MS-TSCH 2.5, "XML Task Definition Format"):

- taskType: the root is Task in the task namespace, with a version of the form N.N; its
  children are xs:all of RegistrationInfo, Triggers, Settings, Data, Principals and
  Actions, each at most once, Actions required.
- registrationInfoType: xs:all of URI, SecurityDescriptor, Source, Date, Author, Version,
  Description, Documentation.
- triggerBaseType is an xs:sequence: Enabled, StartBoundary, EndBoundary, Repetition,
  ExecutionTimeLimit (then RandomDelay for timeTriggerType), in that order; a time
  trigger needs its StartBoundary (an xs:dateTime).
- repetitionType: Interval required, PT1M to P31D; Duration optional, at least PT1M (none
  repeats indefinitely); StopAtDurationEnd a boolean.
- principalType: an id attribute; xs:all of UserId, LogonType, GroupId, DisplayName,
  RunLevel, ProcessTokenSidType, RequiredPrivileges; logonType is S4U, Password or
  InteractiveToken; runLevelType is LeastPrivilege or HighestAvailable.
- settingsType (1.2): xs:all of the names in SETTINGS below, each at most once; booleans
  written true or false; multipleInstancesPolicyType is Parallel, Queue, IgnoreNew or
  StopExisting; durations as xs:duration.
- actionsType: 1 to 32 actions (Exec, ComHandler, SendEmail, ShowMessage); its Context
  names a Principal's id (the schema's ContextKeyRef).
- execType: xs:all of Command (pathType: 1 to 260 characters), Arguments (a string) and
  WorkingDirectory (pathType).
- The file: UTF-16 little-endian with its byte order mark and a declaration saying
  UTF-16, as Task Scheduler exports a task; schtasks /XML refuses UTF-8 (with or without
  a BOM) and UTF-16 big-endian as malformed.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path, PureWindowsPath

import mslex
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.cli import cli
from sheetsync.errors import ScheduleError
from sheetsync.scheduling import command, windows
from sheetsync.scheduling.command import Scheduler, network_slug, tick_command
from tests.test_schedulers import FOLDER_NAMES, NOWHERE, WINDOWS_SHEETSYNC, config_in

NS = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"
PYTHONW = PureWindowsPath("C:\\sheetsync\\Scripts\\pythonw.exe")

TASK = {"RegistrationInfo", "Triggers", "Settings", "Data", "Principals", "Actions"}
REGISTRATION = {
    "URI",
    "SecurityDescriptor",
    "Source",
    "Date",
    "Author",
    "Version",
    "Description",
    "Documentation",
}
TRIGGERS = {
    "BootTrigger",
    "RegistrationTrigger",
    "IdleTrigger",
    "TimeTrigger",
    "EventTrigger",
    "LogonTrigger",
    "SessionStateChangeTrigger",
    "CalendarTrigger",
}
TRIGGER_SEQUENCE = (
    "Enabled",
    "StartBoundary",
    "EndBoundary",
    "Repetition",
    "ExecutionTimeLimit",
    "RandomDelay",
)
REPETITION = {"Interval", "Duration", "StopAtDurationEnd"}
PRINCIPAL = {
    "UserId",
    "LogonType",
    "GroupId",
    "DisplayName",
    "RunLevel",
    "ProcessTokenSidType",
    "RequiredPrivileges",
}
LOGON_TYPES = {"S4U", "Password", "InteractiveToken"}
RUN_LEVELS = {"LeastPrivilege", "HighestAvailable"}
SETTINGS_BOOLEANS = {
    "AllowStartOnDemand",
    "DisallowStartIfOnBatteries",
    "StopIfGoingOnBatteries",
    "AllowHardTerminate",
    "StartWhenAvailable",
    "RunOnlyIfNetworkAvailable",
    "WakeToRun",
    "Enabled",
    "Hidden",
    "RunOnlyIfIdle",
}
SETTINGS = SETTINGS_BOOLEANS | {
    "RestartOnFailure",
    "MultipleInstancesPolicy",
    "NetworkProfileName",
    "DeleteExpiredTaskAfter",
    "IdleSettings",
    "NetworkSettings",
    "ExecutionTimeLimit",
    "Priority",
}
INSTANCES = {"Parallel", "Queue", "IgnoreNew", "StopExisting"}
ACTIONS = {"Exec", "ComHandler", "SendEmail", "ShowMessage"}
EXEC = {"Command", "Arguments", "WorkingDirectory"}
MAX_PATH = 260
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)?$")


def minutes(duration: str) -> float:
    """An xs:duration of days, hours, minutes and seconds, in minutes."""
    found = DURATION.match(duration)
    assert found and duration not in ("P", "PT"), f"not a duration: {duration!r}"
    days, hours, mins, secs = (int(x or 0) for x in found.groups())
    return days * 1440 + hours * 60 + mins + secs / 60


def local(element: ET.Element) -> str:
    assert element.tag.startswith(NS), f"{element.tag} is outside the task namespace"
    return element.tag[len(NS) :]


def children(element: ET.Element, allowed: set[str]) -> dict[str, ET.Element]:
    """The children by name, each allowed and at most once (the schema's xs:all)."""
    names = [local(child) for child in element]
    assert set(names) <= allowed, f"{local(element)}: {set(names) - allowed}"
    assert len(names) == len(set(names)), f"{local(element)}: {names}"
    return {local(child): child for child in element}


def assert_follows_the_schema(data: bytes) -> ET.Element:
    """The rules of the module's docstring; the parsed Task for the test to read on."""
    assert data[:2] == b"\xff\xfe", "UTF-16 little-endian, after its byte order mark"
    assert data[2:].decode("utf-16-le").startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = ET.fromstring(data)
    assert local(task) == "Task" and set(task.attrib) <= {"version"}
    assert re.fullmatch(r"\d+\.\d+", task.get("version", "1.2"))
    parts = children(task, TASK)
    assert "Actions" in parts
    children(parts.get("RegistrationInfo", ET.Element("x")), REGISTRATION)
    for trigger in parts["Triggers"]:
        assert local(trigger) in TRIGGERS
        order = [TRIGGER_SEQUENCE.index(local(child)) for child in trigger]
        assert order == sorted(order) and len(order) == len(set(order))
        _check_trigger(trigger)
    ids = _check_principals(parts["Principals"])
    _check_settings(parts["Settings"])
    actions = parts["Actions"]
    assert actions.get("Context") in ids, "Context names a Principal (ContextKeyRef)"
    assert 1 <= len(actions) <= 32 and {local(a) for a in actions} <= ACTIONS
    for action in actions.iter(f"{NS}Exec"):
        fields = children(action, EXEC)
        assert 1 <= len(fields["Command"].text or "") <= MAX_PATH
        assert 1 <= len(fields["WorkingDirectory"].text or "") <= MAX_PATH
    return task


def _check_trigger(trigger: ET.Element) -> None:
    parts = {local(child): child for child in trigger}
    if local(trigger) == "TimeTrigger":
        assert DATE_TIME.match(parts["StartBoundary"].text or "")
    assert parts.get("Enabled", ET.Element("x", text="true")).text in ("true", "false")
    repetition = children(parts["Repetition"], REPETITION)
    assert 1 <= minutes(repetition["Interval"].text or "") <= 31 * 1440
    if "Duration" in repetition:
        assert minutes(repetition["Duration"].text or "") >= 1
    assert repetition["StopAtDurationEnd"].text in ("true", "false")


def _check_principals(principals: ET.Element) -> set[str]:
    ids = set()
    for principal in principals:
        assert local(principal) == "Principal"
        fields = children(principal, PRINCIPAL)
        assert fields["LogonType"].text in LOGON_TYPES
        assert fields["RunLevel"].text in RUN_LEVELS
        ids.add(principal.get("id"))
    assert None not in ids and len(ids) == len(principals), "ids are there and unique"
    return ids  # type: ignore[return-value]


def _check_settings(settings_element: ET.Element) -> None:
    fields = children(settings_element, SETTINGS)
    for name in fields.keys() & SETTINGS_BOOLEANS:
        assert fields[name].text in ("true", "false"), name
    assert fields["MultipleInstancesPolicy"].text in INSTANCES
    minutes(fields["ExecutionTimeLimit"].text or "")


def field(task: ET.Element, path: str) -> str:
    found = task.find("/".join(f"{NS}{part}" for part in path.split("/")))
    assert found is not None, path
    return found.text or ""


def ran(task: ET.Element) -> list[str]:
    """What the task starts: Command, then Arguments split by the C runtime's rules."""
    return [
        *mslex.split(field(task, "Actions/Exec/Command"), like_cmd=False),
        *mslex.split(field(task, "Actions/Exec/Arguments"), like_cmd=False),
    ]


def xml_of(config, every: int = 5, *, pythonw: PureWindowsPath | None = PYTHONW) -> bytes:
    text = windows.task_xml(tick_command(config), every=every, pythonw=pythonw)
    return windows.task_xml_bytes(text)


@pytest.fixture(autouse=True)
def windows_sheetsync(monkeypatch):
    """sheetsync as a Windows venv installs it, whatever the path of the one running."""
    monkeypatch.setattr(command, "sheetsync_command", lambda: [WINDOWS_SHEETSYNC])


# The task ----------------------------------------------------------------------------


def test_the_task_ticks_every_n_minutes_windowless_on_battery_one_at_a_time():
    config = config_in(NOWHERE / "net")
    task = assert_follows_the_schema(xml_of(config, 15))
    tick = tick_command(config)
    assert task.get("version") == "1.2"
    assert field(task, "Triggers/TimeTrigger/Repetition/Interval") == "PT15M"
    assert task.find(f"{NS}Triggers/{NS}TimeTrigger/{NS}Repetition/{NS}Duration") is None
    assert ran(task) == [str(PYTHONW), "-P", "-m", "sheetsync", *tick.argv[1:]]
    assert field(task, "Actions/Exec/WorkingDirectory") == str(tick.workdir)
    settings_ = {local(s): s.text for s in task.find(f"{NS}Settings")}
    assert {
        name: settings_[name]
        for name in (
            "DisallowStartIfOnBatteries",
            "StopIfGoingOnBatteries",
            "StartWhenAvailable",
            "MultipleInstancesPolicy",
            "ExecutionTimeLimit",
        )
    } == {
        "DisallowStartIfOnBatteries": "false",
        "StopIfGoingOnBatteries": "false",
        "StartWhenAvailable": "true",
        "MultipleInstancesPolicy": "IgnoreNew",
        "ExecutionTimeLimit": "PT1H",
    }
    assert field(task, "Principals/Principal/LogonType") == "InteractiveToken"
    assert task.find(f"{NS}Principals/{NS}Principal/{NS}UserId") is None  # whoever imports it


def test_without_pythonw_the_task_runs_sheetsync_itself_and_the_hint_says_a_window_flashes(
    monkeypatch, tmp_path
):
    config = config_in(NOWHERE / "net")
    task = assert_follows_the_schema(xml_of(config, pythonw=None))
    assert ran(task) == list(tick_command(config).argv)
    monkeypatch.setattr(windows, "pythonw_path", lambda: None)
    rendering = render_xml(config, tmp_path / "task.xml")
    assert rendering.hint.endswith("so a window will flash on each tick.")


def test_a_program_path_with_spaces_is_quoted_as_task_schedulers_dialog_saves_it():
    config = config_in(NOWHERE / "net")
    pythonw = PureWindowsPath("C:\\Program Files\\Python311\\pythonw.exe")
    task = ET.fromstring(xml_of(config, pythonw=pythonw))
    assert field(task, "Actions/Exec/Command") == f'"{pythonw}"'
    assert ran(task)[0] == str(pythonw)


def render_xml(config, xml_file: Path, every: int = 5):
    from sheetsync.scheduling.schedulers import render_schedule

    return render_schedule(
        config, [], Scheduler.WINDOWS, every=every, home=NOWHERE, environ={}, uid=0,
        task_xml=xml_file,
    )  # fmt: skip


def test_the_printed_line_imports_the_file_by_its_full_path(monkeypatch, tmp_path):
    monkeypatch.setattr(windows, "pythonw_path", lambda: PYTHONW)
    monkeypatch.chdir(tmp_path)
    config = config_in(NOWHERE / "net")
    rendering = render_xml(config, Path("my task.xml"))
    slug = network_slug(config)
    words = mslex.split(rendering.text.rstrip("\n"), like_cmd=True)
    assert words == [
        "schtasks",
        "/Create",
        "/XML",
        str(tmp_path / "my task.xml"),
        "/TN",
        f"sheetsync {slug}",
        "/F",
    ]
    assert [(f.path, f.mode) for f in rendering.files] == [(tmp_path / "my task.xml", 0o600)]
    assert rendering.commands == (tuple(words),)
    assert f'schtasks /Delete /TN "sheetsync {slug}" /F' in rendering.hint


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("C:\\%USERPROFILE%\\net", "between two % signs"),
        ("sale%50%off", "between two % signs"),
        ("deep" * 70, "at most 260"),
        ("bell\x07here", "control character"),
    ],
)
def test_a_folder_task_scheduler_would_read_otherwise_is_refused_with_what_to_do(folder, message):
    config = config_in(NOWHERE / folder)
    with pytest.raises(ScheduleError, match=message) as caught:
        xml_of(config)
    assert "then run the command again" in str(caught.value)


@pytest.mark.parametrize(
    "folder",
    [
        "C:\\Users\\Ana\\Mutual Aid",
        'say "hi" & <b>bold</b> ]]> &amp;',
        "Tom & Jerry's (100%) ^caret^ !bang!",
        "50% off, 100% given",
        "ends with a backslash\\",
        "ayuda mutua añasco 🤝",
    ],
)
def test_folders_with_xml_and_cmd_characters_read_back_as_written(folder):
    config = config_in(NOWHERE / folder)
    task = assert_follows_the_schema(xml_of(config))
    assert field(task, "Actions/Exec/WorkingDirectory") == str(config.path.parent)
    assert ran(task)[4:] == list(tick_command(config).argv[1:])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(every=st.integers(1, 30), name=FOLDER_NAMES)
def test_any_folder_gives_a_task_that_follows_the_schema_or_a_refusal(every, name):
    config = config_in(NOWHERE / "net" / name)
    folder = str(config.path.parent)
    try:
        data = xml_of(config, every)
    except ScheduleError as refused:
        # %NAME% would be expanded; U+FFFE and U+FFFF are no XML characters.
        not_xml = {"\ufffe", "\uffff"} & set(folder)
        assert re.search(r'%[^%\s"\\/:]+%', folder) or not_xml, str(refused)
        return
    task = assert_follows_the_schema(data)
    assert field(task, "Triggers/TimeTrigger/Repetition/Interval") == f"PT{every}M"
    assert field(task, "Actions/Exec/WorkingDirectory") == folder
    assert ran(task) == [str(PYTHONW), "-P", "-m", "sheetsync", *tick_command(config).argv[1:]]


# The command line --------------------------------------------------------------------


def invoke(runner, config_path, *args):
    return runner.invoke(cli, ["--config", str(config_path), "schedule", *args])


def test_schedule_xml_saves_the_task_for_the_user_alone_and_prints_the_import_line(
    runner, network, tmp_path, monkeypatch
):
    monkeypatch.setattr(windows, "pythonw_path", lambda: PYTHONW)
    xml_file = tmp_path / "out" / "sheetsync task.xml"
    result = invoke(runner, network, "--for", "windows", "--xml", str(xml_file), "--every", "10")
    assert result.exit_code == 0, result.output
    assert mslex.split(result.stdout.rstrip("\n"), like_cmd=True)[:4] == [
        "schtasks",
        "/Create",
        "/XML",
        str(xml_file),
    ]
    assert result.stderr.startswith(f"REM Saved the task in {xml_file}.")
    assert stat.S_IMODE(xml_file.stat().st_mode) == 0o600
    task = assert_follows_the_schema(xml_file.read_bytes())
    assert field(task, "Triggers/TimeTrigger/Repetition/Interval") == "PT10M"
    assert ran(task)[4:6] == ["--config", str(network.resolve())]
    again = invoke(runner, network, "--for", "windows", "--xml", str(xml_file), "--json")
    assert again.exit_code == 0, again.output
    assert '"mode": "0600"' in again.stdout and "IgnoreNew" in again.stdout


def test_the_schtasks_line_and_the_install_refusal_point_to_xml(runner, network):
    printed = invoke(runner, network, "--for", "windows")
    assert printed.exit_code == 0
    assert printed.stderr.rstrip().endswith(
        "With --xml FILE instead, the task opens no window and runs on battery too."
    )
    refused = invoke(runner, network, "--for", "windows", "--install")
    assert refused.exit_code == 1
    assert "--for windows --xml sheetsync-task.xml` on the Windows computer" in refused.output


def test_xml_is_only_for_windows(runner, network, tmp_path):
    result = invoke(runner, network, "--for", "systemd", "--xml", str(tmp_path / "t.xml"))
    assert result.exit_code == 2
    assert "use it with --for windows" in result.output
    assert not (tmp_path / "t.xml").exists()


def test_schedule_xml_in_a_folder_it_cannot_write_says_what_to_do(runner, network, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    result = invoke(runner, network, "--for", "windows", "--xml", str(blocked / "t.xml"))
    assert result.exit_code == 1
    assert "Give --xml a file in a folder of yours" in result.output


# tick as pythonw runs it --------------------------------------------------------------

AS_PYTHONW = (
    "import sys; sys.stdout = sys.stderr = None; "  # what pythonw gives a program
    "from sheetsync.cli import cli; cli(prog_name='sheetsync')"
)


@pytest.mark.parametrize(("args", "code"), [((), 0), (("--now", "someday"), 2)])
def test_tick_without_stdout_or_stderr_runs_and_exits_with_its_code(network, args, code):
    log_file = network.parent / ".sheetsync" / "sheetsync.log"
    argv = ["--config", str(network), "--quiet", "--log-file", str(log_file), "tick", *args]
    done = subprocess.run(
        [sys.executable, "-c", AS_PYTHONW, *argv],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    # Nothing reached the real stdout and stderr, and click's own exit code came back
    # (an exception from writing to None would exit 1 with a traceback).
    assert (done.returncode, done.stdout, done.stderr) == (code, b"", b"")
    if code == 0:
        assert (network.parent / ".sheetsync" / "schedule.json").exists()


def test_the_network_s_folder_cannot_stand_in_for_sheetsync_s_imports(tmp_path: Path) -> None:
    """The task starts Python in the network's folder: a yaml.py left there must not be
    imported in place of the real one. The started arguments, run by this Python from such
    a folder, import the real yaml (without -P they import the folder's)."""
    (tmp_path / "yaml.py").write_text("raise SystemExit('the folder was imported')\n")
    started = windows.windowless_argv(tick_command(config_in(tmp_path)), PYTHONW)
    python_flags = list(started[1 : started.index("sheetsync")])  # between pythonw and "sheetsync"
    probe = [sys.executable, *python_flags[:-1], "-c", "import yaml; print(yaml.__file__)"]
    found = subprocess.run(probe, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(tmp_path) not in found.stdout
    bare = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, ''); import yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "the folder was imported" in bare.stderr  # the control: the trap works
    fallback = command.sheetsync_command()
    if fallback[0] == sys.executable:  # no sheetsync script beside this Python
        assert fallback[1:3] == ["-P", "-m"]
