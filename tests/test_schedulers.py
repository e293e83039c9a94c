"""Schedulers beyond cron: each rendering of `sheetsync schedule --for X` is valid for the
program that reads it (the unit files for systemd, checked by `systemd-analyze verify`
too; the plist; the schtasks command through cmd.exe's and Windows' parsing rules; the
GitHub workflow's YAML), runs the same tick as the crontab line, and installs where it
can: systemd and launchd against stand-in programs, into a temporary home."""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import plistlib
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import jsonschema
import mslex
import pytest
import yaml
from croniter import croniter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.errors import ScheduleError
from sheetsync.jobs import Job
from sheetsync.scheduling import command, launchd, systemd, windows
from sheetsync.scheduling.command import Scheduler, network_slug, tick_command
from sheetsync.scheduling.installing import PROGRAM_ENV
from sheetsync.scheduling.schedulers import install_schedule, render_schedule

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json" / "sheetsync.schema.json").read_text())
JOBS = [
    Job("intake", "15 * * * *", ("intake",), "Hourly"),
    Job("weekly", "0 7 * * 1", ("intake", "match"), "Weekly"),
]
# Where a Windows venv puts the sheetsync command.
WINDOWS_SHEETSYNC = "C:\\sheetsync\\Scripts\\sheetsync.exe"
# A folder no test creates: configs built in code need no files, and no .git above them.
NOWHERE = Path("/nonexistent-sheetsync-test")

# A stand-in for systemctl and launchctl: notes its arguments, one line each, and fails
# as told by $STANDIN_FAIL ("bootout" fails that subcommand, "all" every call).
STANDIN = textwrap.dedent(
    """\
    import os, sys, pathlib
    calls = pathlib.Path(sys.argv[0]).with_name("calls.txt")
    with calls.open("a") as f:
        f.write(" ".join(sys.argv[1:]) + "\\n")
    fail = os.environ.get("STANDIN_FAIL", "")
    if fail == "all" or (fail and fail in sys.argv[1:]):
        sys.exit("Failed to connect to bus: No medium found")
    """
)


def config_in(folder: Path, name: str = "Eastside Mutual Aid", **backend: str) -> Config:
    """A network's config at folder/sheetsync.toml, built in code (no file is read)."""
    data = {
        "network": {"name": name, "zones": ["Eastside"], "timezone": "America/Chicago"},
        "backend": backend or {"kind": "local", "workbook": "network.xlsx"},
    }
    return Config.from_dict(data, base_dir=folder, path=folder / "sheetsync.toml")


# Where the workflow's runner installs sheetsync from (`schedule --package`).
PACKAGE = "git+https://github.com/eastside/sheetsync@v0.1.0"
# Emails go by SMTP on GitHub: its runner throws an outbox away.
SMTP = {"smtp": {"host": "smtp.example.org", "user": "u"}}


def google_config(folder: Path, **extra: object) -> Config:
    data: dict[str, object] = {
        "network": {"name": "Eastside", "zones": ["Eastside"], "timezone": "America/Chicago"},
        "backend": {"kind": "google", "spreadsheet": "KEY"},
        "email": SMTP,
        **extra,
    }
    return Config.from_dict(data, base_dir=folder, path=folder / "sheetsync.toml")


def render(
    config: Config,
    scheduler: Scheduler,
    every: int = 5,
    home: Path = NOWHERE,
    package: str | None = PACKAGE,
):
    return render_schedule(
        config,
        JOBS,
        scheduler,
        every=every,
        home=home,
        environ={},
        uid=501,
        package=package if scheduler is Scheduler.GITHUB else None,
    )


def systemd_split(line: str) -> list[str]:
    """ExecStart= as systemd reads it (systemd.service(5), "Command lines"): `%%` is `%`,
    words split on spaces outside double quotes, C escapes undone inside them, and `$$`
    is `$` in each word."""
    line = line.replace("%%", "%")
    words, i = [], 0
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        word = ""
        if line[i] == '"':
            i += 1
            while line[i] != '"':
                if line[i] == "\\":
                    assert line[i + 1] in '\\"', f"unexpected escape in {line!r}"
                    word += line[i + 1]
                    i += 2
                else:
                    word += line[i]
                    i += 1
            i += 1
            assert i == len(line) or line[i] == " ", f"text after a quote in {line!r}"
        else:
            while i < len(line) and line[i] != " ":
                assert line[i] not in "\"'\\", f"an unquoted quote or backslash in {line!r}"
                word += line[i]
                i += 1
        words.append(word.replace("$$", "$"))
    return words


def unit_value(text: str, key: str) -> str:
    """A setting's value as systemd reads the line: spaces and tabs around it stripped
    (configparser strips any Unicode space, which systemd keeps)."""
    [value] = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]
    return value.strip(" \t")


def units(rendering) -> tuple[configparser.ConfigParser, configparser.ConfigParser]:
    """The service and the timer, parsed as INI (systemd's format is close to it)."""
    parsed = []
    for planned in rendering.files:
        parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#", ";"))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(planned.text)
        parsed.append(parser)
    return parsed[0], parsed[1]


def workflow(text: str) -> dict:
    """The workflow as GitHub reads it. PyYAML reads YAML 1.1, where a bare `on` is true:
    GitHub reads it as the key "on", as here."""
    data = yaml.safe_load(text)
    data["on"] = data.pop(True)
    return data


def step(data: dict, name: str) -> dict:
    [found] = [s for s in data["jobs"]["tick"]["steps"] if s.get("name") == name]
    return found


KEY_STEP = "Write the service account key from the repository secret"


# the slug ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Eastside Mutual Aid", "eastside-mutual-aid"),
        ("Ayuda Mutua de Añasco", "ayuda-mutua-de-anasco"),
        ("  Ünïcode!!  & Co. ", "unicode-co"),
        ("🤝🤝", ""),
        ("A very long network name that goes on and on", "a-very-long-network-name"),
    ],
)
def test_the_slug_is_the_network_name_in_ascii_and_a_hash_of_the_folder(name, words):
    slug = network_slug(config_in(NOWHERE / "a", name))
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*-)?[0-9a-f]{8}", slug)
    assert slug == (f"{words}-{slug[-8:]}" if words else slug[-8:])
    # Another folder, another slug: two networks never share a timer.
    assert network_slug(config_in(NOWHERE / "b", name)) != slug
    assert network_slug(config_in(NOWHERE / "a", name)) == slug


# systemd ------------------------------------------------------------------------------


def test_systemd_units_run_tick_every_n_minutes_from_the_config_folder():
    config = config_in(NOWHERE / "net")
    rendering = render(config, Scheduler.SYSTEMD, every=7, home=Path("/home/ana"))
    service_file, timer_file = rendering.files
    slug = network_slug(config)
    folder = Path("/home/ana/.config/systemd/user")
    assert (service_file.path, timer_file.path) == (
        folder / f"sheetsync-{slug}.service",
        folder / f"sheetsync-{slug}.timer",
    )
    assert (service_file.mode, timer_file.mode) == (0o644, 0o644)
    service, timer = units(rendering)
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["WorkingDirectory"] == str(NOWHERE / "net")
    argv = systemd_split(service["Service"]["ExecStart"])
    assert argv == list(tick_command(config).argv)
    assert argv[-1] == "tick" and argv[argv.index("--config") + 1] == str(config.path)
    assert argv[argv.index("--log-file") + 1] == str(NOWHERE / "net/.sheetsync/sheetsync.log")
    assert dict(timer["Timer"]) == {
        "OnCalendar": "*:0/7",
        "Persistent": "true",
        "Unit": f"sheetsync-{slug}.service",
    }
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert rendering.commands == (
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", f"sheetsync-{slug}.timer"),
    )
    # The printed text is both files, each under its path.
    assert rendering.text.splitlines()[0] == f"# {service_file.path}"
    assert f"# {timer_file.path}\n{timer_file.text}" in rendering.text


def test_systemd_units_go_under_xdg_config_home_when_it_is_set():
    rendering = render_schedule(
        config_in(NOWHERE / "net"),
        JOBS,
        Scheduler.SYSTEMD,
        every=5,
        home=Path("/home/ana"),
        environ={"XDG_CONFIG_HOME": "/home/ana/conf"},
        uid=501,
    )
    assert {f.path.parent for f in rendering.files} == {Path("/home/ana/conf/systemd/user")}


@pytest.mark.parametrize(
    ("arg", "written"),
    [
        ("/home/ana/net/sheetsync.toml", "/home/ana/net/sheetsync.toml"),
        ("/home/ana/my network/s.toml", '"/home/ana/my network/s.toml"'),
        ('/x/say "hi"/s.toml', '"/x/say \\"hi\\"/s.toml"'),
        ("/x/back\\slash", '"/x/back\\\\slash"'),
        ("/x/100%/s.toml", '"/x/100%%/s.toml"'),
        ("/x/$HOME/s.toml", '"/x/$$HOME/s.toml"'),
        ("/x/it's", '"/x/it\'s"'),
        ("/x/añasco", "/x/añasco"),
        ("", '""'),
    ],
)
def test_systemd_exec_words_are_quoted_and_read_back(arg, written):
    assert systemd.exec_start([arg]) == written
    assert systemd_split(systemd.exec_start(["/bin/true", arg, "tick"])) == [
        "/bin/true",
        arg,
        "tick",
    ]


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("line\nbreak", "holds a line break or another control character"),
        ("tab\there", "holds a line break or another control character"),
        ("ends with a space ", "ends with a space or a backslash"),
        ("ends with a backslash\\", "ends with a space or a backslash"),
    ],
)
def test_systemd_refuses_a_folder_a_unit_cannot_hold(folder, message):
    with pytest.raises(ScheduleError, match=message) as caught:
        render(config_in(NOWHERE / folder), Scheduler.SYSTEMD)
    assert "Rename the folder" in str(caught.value) or "Move the network" in str(caught.value)


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None,
    reason="systemd-analyze is missing: install it with `apt-get install systemd`",
)


def verify_units(rendering, folder: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on the rendered files, saved under their own names."""
    paths = []
    for planned in rendering.files:
        path = folder / planned.path.name
        path.write_text(planned.text, encoding="utf-8")
        paths.append(str(path))
    return subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", *paths], capture_output=True, text=True, timeout=60
    )


@needs_systemd_analyze
@pytest.mark.parametrize(
    "folder",
    ["net", "my network", 'say "hi" & it\'s 100% $HOME', "ayuda mutua añasco 🤝", "back\\slash"],
)
def test_systemd_analyze_verify_accepts_the_units(tmp_path, folder):
    rendering = render(config_in(tmp_path / folder), Scheduler.SYSTEMD, every=5)
    done = verify_units(rendering, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@needs_systemd_analyze
@settings(max_examples=20, deadline=None)
@given(
    every=st.integers(1, 30),
    name=st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
        min_size=1,
        max_size=20,
    ),
)
def test_systemd_analyze_verify_accepts_the_units_for_any_folder(every, name):
    assume(name not in (".", "..") and not name.endswith((" ", "\\")))
    with tempfile.TemporaryDirectory() as folder:
        rendering = render(config_in(Path(folder) / name), Scheduler.SYSTEMD, every=every)
        done = verify_units(rendering, Path(folder))
    assert (done.returncode, done.stderr) == (0, "")


@needs_systemd_analyze
def test_systemd_analyze_verify_would_see_a_broken_unit(tmp_path):
    """The check has teeth: the same units with ExecStart's quote left open fail it."""
    rendering = render(config_in(tmp_path / "my network"), Scheduler.SYSTEMD)
    service, timer = rendering.files
    broken = dataclasses.replace(service, text=service.text.replace('"', "", 1))
    done = verify_units(dataclasses.replace(rendering, files=(broken, timer)), tmp_path)
    assert done.returncode != 0 and "quot" in done.stderr.casefold()


@needs_systemd_analyze
@pytest.mark.parametrize("every", [1, 5, 7, 30])
def test_the_timer_fires_every_n_minutes_as_cron_would(every):
    done = subprocess.run(
        [str(SYSTEMD_ANALYZE), "calendar", "--iterations=3", f"*:0/{every}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    minutes = [int(m) for m in re.findall(r"\d\d:(\d\d):00", done.stdout)]
    assert len(minutes) >= 3 and all(m % every == 0 for m in minutes)  # as */N in cron


# launchd ------------------------------------------------------------------------------


def test_the_launchd_plist_runs_tick_every_n_minutes():
    config = config_in(NOWHERE / "net")
    rendering = render(config, Scheduler.LAUNCHD, every=10, home=Path("/Users/ana"))
    [planned] = rendering.files
    slug = network_slug(config)
    assert planned.path == Path(f"/Users/ana/Library/LaunchAgents/org.sheetsync.{slug}.plist")
    agent = plistlib.loads(rendering.text.encode("utf-8"))
    assert agent["Label"] == f"org.sheetsync.{slug}"
    assert agent["ProgramArguments"] == list(tick_command(config).argv)
    assert agent["WorkingDirectory"] == str(NOWHERE / "net")
    assert agent["StartInterval"] == 600
    assert agent["StandardOutPath"] == agent["StandardErrorPath"]
    assert agent["StandardOutPath"] == str(NOWHERE / "net/.sheetsync/launchd.log")
    assert rendering.commands == (
        ("launchctl", "bootout", f"gui/501/org.sheetsync.{slug}"),
        ("launchctl", "bootstrap", "gui/501", str(planned.path)),
    )


def test_launchd_install_off_a_mac_says_what_to_run_on_the_mac_and_writes_nothing(tmp_path):
    config = config_in(tmp_path / "net")
    rendering = render(config, Scheduler.LAUNCHD, home=tmp_path / "home")
    with pytest.raises(ScheduleError) as caught:
        install_schedule(rendering, config, platform="linux")
    message = str(caught.value)
    assert "not a Mac (linux)" in message
    assert "sheetsync schedule --for launchd --install" in message
    assert (
        f"launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/{rendering.files[0].path.name}"
        in message
    )
    assert not (tmp_path / "home").exists()


@pytest.fixture
def standin(tmp_path, monkeypatch):
    """systemctl and launchctl replaced by the stand-in; returns the file of its calls."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "standin.py").write_text(STANDIN)
    for name, variable in PROGRAM_ENV.items():
        wrapper = folder / name
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {folder / "standin.py"} "$@"\n')
        wrapper.chmod(0o755)
        monkeypatch.setenv(variable, str(wrapper))
    monkeypatch.delenv("STANDIN_FAIL", raising=False)
    return folder / "calls.txt"


def test_launchd_install_on_a_mac_saves_the_plist_and_loads_it_again(
    tmp_path, standin, monkeypatch
):
    config = config_in(tmp_path / "net")
    home = tmp_path / "home"
    rendering = render(config, Scheduler.LAUNCHD, home=home)
    monkeypatch.setenv("STANDIN_FAIL", "bootout")  # not loaded yet: bootout fails
    assert install_schedule(rendering, config, platform="darwin") is True
    [planned] = rendering.files
    assert planned.path.read_text() == rendering.text
    assert stat.S_IMODE(planned.path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "net/.sheetsync").stat().st_mode) == 0o700
    label = launchd.label(network_slug(config))
    assert standin.read_text().splitlines() == [
        f"bootout gui/501/{label}",
        f"bootstrap gui/501 {planned.path}",
    ]
    # The same plist, loaded (print answers): nothing runs that could stop a tick.
    monkeypatch.delenv("STANDIN_FAIL")
    assert install_schedule(rendering, config, platform="darwin") is False  # same plist
    assert standin.read_text().splitlines()[2:] == [f"print gui/501/{label}"]
    # The same plist, not loaded (after a restart it is, but say it was taken out): loaded.
    monkeypatch.setenv("STANDIN_FAIL", "print")
    assert install_schedule(rendering, config, platform="darwin") is False
    assert standin.read_text().splitlines()[3:] == [
        f"print gui/501/{label}",
        f"bootout gui/501/{label}",
        f"bootstrap gui/501 {planned.path}",
    ]


def test_launchd_install_says_what_to_do_when_bootstrap_fails(tmp_path, standin, monkeypatch):
    config = config_in(tmp_path / "net")
    rendering = render(config, Scheduler.LAUNCHD, home=tmp_path / "home")
    monkeypatch.setenv("STANDIN_FAIL", "all")
    with pytest.raises(ScheduleError, match="plutil -lint") as caught:
        install_schedule(rendering, config, platform="darwin")
    assert "Failed to connect to bus" in str(caught.value)


# Windows ------------------------------------------------------------------------------


def test_the_schtasks_command_creates_a_task_every_n_minutes():
    config = config_in(NOWHERE / "net")
    rendering = render(config, Scheduler.WINDOWS, every=15)
    tick = tick_command(config)
    slug = network_slug(config)
    assert rendering.text == (
        f'schtasks /Create /SC MINUTE /MO 15 /TN "sheetsync {slug}" '
        f'/TR "{" ".join(tick.argv)}" /F\n'
    )
    assert rendering.files == ()
    with pytest.raises(ScheduleError, match="paste the command"):
        install_schedule(rendering, config, platform="win32")


@pytest.mark.parametrize(
    "folder",
    [
        "C:\\Users\\Ana\\Mutual Aid",
        'say "hi"',
        "Tom & Jerry's (100%) ^caret^ !bang! <x|y>",
        "ends with a backslash\\",
        "ayuda mutua añasco 🤝",
    ],
)
def test_the_schtasks_command_reads_back_through_cmd_and_the_task(folder, monkeypatch):
    # sheetsync as a Windows venv installs it, whatever the path of the one running the
    # tests (a fresh clone's can be long enough to pass schtasks' 261 characters).
    monkeypatch.setattr(command, "sheetsync_command", lambda: [WINDOWS_SHEETSYNC])
    config = config_in(NOWHERE / folder)
    rendering = render(config, Scheduler.WINDOWS)
    assert_schtasks_reads_back(rendering.text, list(tick_command(config).argv))


def assert_schtasks_reads_back(line: str, argv: list[str]) -> None:
    """cmd.exe then schtasks read the line (mslex.split, like_cmd: carets, quotes, no
    unquoted & | < > % !); the task then splits /TR by the C runtime's rules."""
    words = mslex.split(line.rstrip("\n"), like_cmd=True)
    assert words[:7] == ["schtasks", "/Create", "/SC", "MINUTE", "/MO", words[5], "/TN"]
    assert words[-1] == "/F" and words[-3] == "/TR"
    assert mslex.split(words[-2], like_cmd=False) == argv


def test_a_task_command_past_schtasks_limit_is_refused_with_what_to_do():
    config = config_in(NOWHERE / ("deep" * 40))
    with pytest.raises(ScheduleError, match="at most 261") as caught:
        render(config, Scheduler.WINDOWS)
    assert "Move it" in str(caught.value)


# GitHub Actions -----------------------------------------------------------------------


def test_the_github_workflow_runs_tick_with_the_key_from_the_secret():
    config = google_config(NOWHERE / "net")
    rendering = render(config, Scheduler.GITHUB, every=30)
    data = workflow(rendering.text)
    assert data["on"]["schedule"][0]["cron"] == "*/30 * * * *"
    assert croniter.is_valid(data["on"]["schedule"][0]["cron"])
    assert "workflow_dispatch" in data["on"]
    assert data["on"]["workflow_dispatch"]["inputs"]["what"]["options"] == [
        "tick",
        "intake",
        "weekly",
    ]
    assert data["concurrency"]["cancel-in-progress"] is False
    steps = data["jobs"]["tick"]["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps[:2]] == [
        "actions/checkout",
        "actions/setup-python",
    ]
    assert steps[0]["with"]["persist-credentials"] is False  # no token left on the runner
    install = step(data, "Install sheetsync")
    assert install["env"]["SHEETSYNC_PACKAGE"] == PACKAGE
    key = step(data, KEY_STEP)
    assert key["env"]["KEY"] == "${{ secrets.SHEETSYNC_GOOGLE_KEY }}"
    assert "umask 077" in key["run"]
    run = step(data, "sheetsync")
    assert run["env"]["SHEETSYNC_CONFIG"] == "sheetsync.toml"
    assert run["env"]["GOOGLE_APPLICATION_CREDENTIALS"] == key["env"]["KEY_FILE"]
    assert key["env"]["KEY_FILE"] == "${{ runner.temp }}/service-account.json"
    # The secret is only ever an environment value: no command line names it or echoes it.
    secrets = re.findall(r"\$\{\{\s*secrets\.\w+\s*\}\}", rendering.text)
    assert secrets == [
        "${{ secrets.SHEETSYNC_GOOGLE_KEY }}",
        "${{ secrets.SHEETSYNC_SMTP_PASSWORD }}",  # [email.smtp]'s password, as an env value
    ]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "secrets." not in runs and "set -x" not in runs
    uses = [line.strip() for line in runs.splitlines() if re.search(r"\$KEY\b", line)]
    assert uses == ['if [ -z "$KEY" ]; then', 'printf \'%s\' "$KEY" > "$KEY_FILE"']


def test_the_key_step_writes_the_key_for_its_user_alone_and_prints_nothing(tmp_path):
    key = step(workflow(render(google_config(NOWHERE / "n"), Scheduler.GITHUB).text), KEY_STEP)
    secret = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nX"}'
    key_file = tmp_path / "runner" / "service-account.json"
    env = {"PATH": os.environ["PATH"], "KEY": secret, "KEY_FILE": str(key_file)}
    done = subprocess.run(["bash", "-e", "-c", key["run"]], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert key_file.read_text() == secret
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Without the secret, the step stops and says which secret to add.
    env["KEY"] = ""
    done = subprocess.run(["bash", "-e", "-c", key["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.startswith(
        "::error::Add the service account key as the repository secret SHEETSYNC_GOOGLE_KEY"
    )


@pytest.mark.parametrize(
    ("what", "called"), [("", "tick"), ("tick", "tick"), ("weekly", "run weekly")]
)
def test_the_run_step_ticks_on_schedule_and_runs_a_job_when_asked(tmp_path, what, called):
    run = step(workflow(render(google_config(NOWHERE / "n"), Scheduler.GITHUB).text), "sheetsync")
    fake = tmp_path / "sheetsync"
    fake.write_text('#!/bin/sh\necho "$*" > "$(dirname "$0")/called.txt"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "WHAT": what}
    done = subprocess.run(["bash", "-e", "-c", run["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "called.txt").read_text().strip() == called


def test_the_github_workflow_writes_the_key_where_the_config_points_inside_the_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "networks" / "eastside"
    config = google_config(
        folder,
        backend={"kind": "google", "spreadsheet": "KEY", "credentials": "keys/sa.json"},
        email={"smtp": {"host": "smtp.example.org", "user": "u", "password_env": "EAST_SMTP"}},
    )
    data = workflow(render(config, Scheduler.GITHUB).text)
    assert step(data, KEY_STEP)["env"]["KEY_FILE"] == "networks/eastside/keys/sa.json"
    run = step(data, "sheetsync")
    assert run["env"]["SHEETSYNC_CONFIG"] == "networks/eastside/sheetsync.toml"
    assert "GOOGLE_APPLICATION_CREDENTIALS" not in run["env"]  # the config names the key
    assert run["env"]["EAST_SMTP"] == "${{ secrets.EAST_SMTP }}"


def test_the_github_workflow_installs_sheetsync_from_its_own_source_for_the_demo(tmp_path):
    (tmp_path / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sheetsync"\n')
    rendering = render(google_config(tmp_path / "demo"), Scheduler.GITHUB, package=None)
    data = workflow(rendering.text)
    assert step(data, "Install sheetsync")["env"]["SHEETSYNC_PACKAGE"] == "."


@pytest.mark.parametrize("given", ["sheetsync==0.1.0", "sheetsync", " SheetSync>=0.1", ""])
def test_github_never_installs_sheetsync_by_name_from_the_package_index(given):
    """The name sheetsync on the package index is another project's: a runner installing it
    would run someone else's code with the network's key."""
    with pytest.raises(ScheduleError, match="another project") as caught:
        render(google_config(NOWHERE / "net"), Scheduler.GITHUB, package=given)
    assert "--package git+https://" in str(caught.value)


def test_github_asks_where_sheetsync_comes_from_outside_its_own_source():
    with pytest.raises(ScheduleError, match="pinned to a tag or commit") as caught:
        render(google_config(NOWHERE / "net"), Scheduler.GITHUB, package=None)
    assert "--for github --package git+https://" in str(caught.value)
    wheel = "https://example.org/sheetsync-0.1.0-py3-none-any.whl"
    data = workflow(render(google_config(NOWHERE / "net"), Scheduler.GITHUB, package=wheel).text)
    assert step(data, "Install sheetsync")["env"]["SHEETSYNC_PACKAGE"] == wheel


@pytest.mark.parametrize(
    ("config", "every", "message"),
    [
        (config_in(NOWHERE / "net"), 30, "a workbook on this computer"),
        (google_config(NOWHERE / "net"), 4, "at most every 5 minutes: use --every 5"),
        (
            google_config(NOWHERE / "net", email={"organizers": ["ana@example.org"]}),
            30,
            r"Without \[email.smtp\].*throws that folder away",
        ),
        (
            google_config(
                NOWHERE / "net",
                backend={"kind": "google", "spreadsheet": "K", "credentials": "/keys/sa.json"},
            ),
            30,
            r"\[backend\] credentials \(/keys/sa.json\) is outside",
        ),
        (
            google_config(
                NOWHERE / "net", email={"smtp": {"host": "h", "password_env": "GITHUB_TOKEN"}}
            ),
            30,
            "cannot name a GitHub secret",
        ),
        (
            google_config(
                NOWHERE / "net",
                backend={"kind": "google", "spreadsheet": "K", "credentials": "${{ x }}.json"},
            ),
            30,
            "GitHub would read as an expression",
        ),
    ],
)
def test_the_github_workflow_is_refused_where_it_could_not_work(config, every, message):
    with pytest.raises(ScheduleError, match=message):
        render(config, Scheduler.GITHUB, every=every)


def test_github_is_not_installed_by_sheetsync_but_saved_in_the_repository():
    config = google_config(NOWHERE / "net")
    with pytest.raises(
        ScheduleError, match=re.escape("--for github > .github/workflows/sheetsync.yml")
    ):
        install_schedule(render(config, Scheduler.GITHUB, every=30), config, platform="linux")


# every rendering, any folder ----------------------------------------------------------

FOLDER_NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1,
    max_size=30,
).filter(lambda name: name not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(every=st.integers(1, 30), name=FOLDER_NAMES)
def test_any_folder_and_interval_give_renderings_that_read_back_as_the_same_tick(every, name):
    config = config_in(NOWHERE / "net" / name)
    argv = list(tick_command(config).argv)
    # cron: the line, as cron hands it to sh and sh splits it, is cd FOLDER && the argv.
    [line] = [x for x in render(config, Scheduler.CRON, every).text.splitlines() if x[0] != "#"]
    assert line.startswith(f"*/{every} * * * * ")
    words = shlex.split(_as_cron_reads(line.split(" ", 5)[5]))
    assert words == ["cd", str(config.path.parent), "&&", *argv]
    # systemd: ExecStart reads back as the argv, the timer every N minutes.
    if str(config.path.parent).endswith((" ", "\\")):
        with pytest.raises(ScheduleError):
            render(config, Scheduler.SYSTEMD, every)
    else:
        rendering = render(config, Scheduler.SYSTEMD, every)
        service = rendering.files[0].text
        assert systemd_split(unit_value(service, "ExecStart")) == argv
        assert unit_value(service, "WorkingDirectory").replace("%%", "%") == str(config.path.parent)
        assert unit_value(rendering.files[1].text, "OnCalendar") == f"*:0/{every}"
    # launchd: the plist holds the argv as a list.
    agent = plistlib.loads(render(config, Scheduler.LAUNCHD, every).text.encode("utf-8"))
    assert (agent["ProgramArguments"], agent["StartInterval"]) == (argv, every * 60)
    # Windows: through cmd.exe, schtasks and the task, the same argv.
    if len(windows.task_run(argv)) > windows.MAX_TASK_RUN:
        with pytest.raises(ScheduleError, match="at most 261"):
            render(config, Scheduler.WINDOWS, every)
    else:
        assert_schtasks_reads_back(render(config, Scheduler.WINDOWS, every).text, argv)


@settings(max_examples=60, deadline=None)
@given(every=st.integers(5, 30), name=FOLDER_NAMES)
def test_any_config_file_name_gives_a_workflow_that_parses_and_names_it(every, name):
    assume("${{" not in name)
    folder = NOWHERE / "repo"
    data = {
        "network": {"name": "N", "zones": ["Z"]},
        "backend": {"kind": "google", "spreadsheet": "K", "credentials": f"{name}.json"},
        "email": SMTP,
    }
    config = Config.from_dict(data, base_dir=folder, path=folder / f"{name}.toml")
    parsed = workflow(render(config, Scheduler.GITHUB, every).text)
    assert parsed["on"]["schedule"] == [{"cron": f"*/{every} * * * *"}]
    assert step(parsed, "sheetsync")["env"]["SHEETSYNC_CONFIG"] == f"{name}.toml"
    assert step(parsed, KEY_STEP)["env"]["KEY_FILE"] == f"{name}.json"


# the command line ---------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return folder


def invoke(runner, config_path, *args):
    return runner.invoke(cli, ["--config", str(config_path), "schedule", *args])


def test_schedule_for_systemd_install_writes_the_units_and_enables_the_timer(
    runner, network, home, standin
):
    first = invoke(runner, network, "--for", "systemd", "--install")
    assert first.exit_code == 0, first.output
    slug = network_slug(Config.from_file(network))
    folder = home / ".config" / "systemd" / "user"
    service, timer = folder / f"sheetsync-{slug}.service", folder / f"sheetsync-{slug}.timer"
    assert first.stdout.startswith(
        f"Installed sheetsync-{slug}.service and sheetsync-{slug}.timer in {folder}"
    )
    assert "systemctl --user list-timers" in first.stdout
    assert {stat.S_IMODE(p.stat().st_mode) for p in (service, timer)} == {0o644}
    assert "ExecStart=" in service.read_text() and "OnCalendar=*:0/5" in timer.read_text()
    enable = f"--user enable --now sheetsync-{slug}.timer"
    assert standin.read_text().splitlines() == ["--user daemon-reload", enable]
    # Again: nothing changes, and the timer is enabled again (harmless).
    before = service.stat().st_mtime_ns
    second = invoke(runner, network, "--for", "systemd", "--install")
    assert second.exit_code == 0
    assert second.stdout.endswith(
        "are installed already and the timer is enabled; nothing changed.\n"
    )
    assert service.stat().st_mtime_ns == before
    # Another interval rewrites the timer.
    third = invoke(runner, network, "--for", "systemd", "--install", "--every", "10")
    assert third.stdout.startswith("Installed") and "OnCalendar=*:0/10" in timer.read_text()


def test_schedule_for_systemd_without_systemctl_says_to_use_cron(
    runner, network, home, monkeypatch, tmp_path
):
    monkeypatch.setenv(PROGRAM_ENV["systemctl"], str(tmp_path / "no-such-systemctl"))
    result = invoke(runner, network, "--for", "systemd", "--install")
    assert result.exit_code == 1
    assert "There is no 'systemctl' program on this machine" in result.output
    assert "sheetsync schedule --for cron --install" in result.output


def test_schedule_for_systemd_when_systemctl_fails_says_why_and_what_to_check(
    runner, network, home, standin, monkeypatch
):
    monkeypatch.setenv("STANDIN_FAIL", "all")
    result = invoke(runner, network, "--for", "systemd", "--install")
    assert result.exit_code == 1
    assert "`systemctl --user daemon-reload` failed (Failed to connect to bus" in result.output
    assert "systemctl --user status" in result.output


def test_schedule_for_launchd_install_on_linux_exits_1_with_the_mac_commands(runner, network, home):
    if sys.platform == "darwin":  # pragma: no cover: the tests run on Linux
        pytest.skip("on a Mac, --install loads the agent: see the stand-in test above")
    result = invoke(runner, network, "--for", "launchd", "--install")
    assert result.exit_code == 1
    assert "launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/org.sheetsync." in result.output
    assert not (home / "Library").exists()


@pytest.mark.parametrize("scheduler", ["cron", "systemd", "launchd", "windows"])
def test_schedule_json_for_each_scheduler_matches_the_schema(runner, network, home, scheduler):
    result = invoke(runner, network, "--for", scheduler, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert (data["scheduler"], data["install"], data["changed"]) == (scheduler, False, False)
    assert any("tick" in line for line in data["lines"])
    files = {"cron": 0, "systemd": 2, "launchd": 1, "windows": 0}[scheduler]
    assert len(data["files"]) == files
    assert all(
        f["mode"] == "0644" and f["text"].rstrip() in "\n".join(data["lines"])
        for f in data["files"]
    )
    if scheduler == "windows":
        assert data["commands"][0][:2] == ["schtasks", "/Create"]


def test_schedule_json_for_github_on_a_workbook_is_the_error(runner, network):
    result = invoke(runner, network, "--for", "github", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["error"]["type"] == "ScheduleError"
    assert "a workbook on this computer" in data["error"]["message"]


def test_schedule_prints_the_text_on_stdout_and_the_next_step_on_stderr(runner, network, home):
    result = invoke(runner, network, "--for", "launchd")
    assert result.exit_code == 0
    assert plistlib.loads(result.stdout.encode("utf-8"))["StartInterval"] == 300
    assert result.stderr.startswith(
        "# To install it, on the Mac: sheetsync schedule --for launchd --install"
    )


def test_package_is_only_for_github(runner, network):
    result = invoke(runner, network, "--for", "cron", "--package", PACKAGE)
    assert result.exit_code == 2
    assert "use it with --for github" in result.output


def test_schedule_for_windows_install_is_refused_with_what_to_do(runner, network):
    result = invoke(runner, network, "--for", "windows", "--install")
    assert result.exit_code == 1
    assert "paste the command it prints in a Command Prompt" in result.output


def test_schedule_for_github_prints_the_workflow_for_a_google_network(runner, tmp_path):
    config_path = tmp_path / "repo" / "sheetsync.toml"
    config_path.parent.mkdir()
    config_path.write_text(
        textwrap.dedent(
            """\
            [network]
            name = "Eastside"
            zones = ["Eastside"]
            [backend]
            kind = "google"
            spreadsheet = "KEY"
            [email.smtp]
            host = "smtp.example.org"
            """
        )
    )
    refused = invoke(runner, config_path, "--for", "github")
    assert refused.exit_code == 1 and "--package git+https://" in refused.output
    result = invoke(runner, config_path, "--for", "github", "--package", PACKAGE)
    assert result.exit_code == 0, result.output
    assert step(workflow(result.stdout), "Install sheetsync")["env"]["SHEETSYNC_PACKAGE"] == PACKAGE
    data = workflow(result.stdout)
    assert data["on"]["schedule"] == [{"cron": "*/30 * * * *"}]  # GitHub's default
    assert data["on"]["workflow_dispatch"]["inputs"]["what"]["options"] == [
        "tick",
        "intake",
        "weekly",
    ]
    assert step(data, "sheetsync")["env"]["SHEETSYNC_CONFIG"] == "sheetsync.toml"
    assert result.stderr.startswith("# Save this as .github/workflows/sheetsync.yml")
    assert "SHEETSYNC_GOOGLE_KEY" in result.stderr


def _as_cron_reads(command: str) -> str:
    """What cron hands the shell (crontab(5)): an unescaped % ends the command (the rest
    is its input), and \\% is a %."""
    unescaped = re.search(r"(?<!\\)%", command)
    assert unescaped is None, f"cron would cut the command at {unescaped.start()}"
    return command.replace("\\%", "%")


@settings(max_examples=60, deadline=None)
@given(name=FOLDER_NAMES)
def test_the_crontab_line_gives_the_shell_the_same_words_in_any_folder(name):
    assume("\n" not in name and "\r" not in name)
    config = config_in(NOWHERE / name / "100% volunteers")
    rendering = render(config, Scheduler.CRON)
    [line] = [x for x in rendering.text.splitlines() if x.startswith("*/5 ")]
    words = shlex.split(_as_cron_reads(line.removeprefix("*/5 * * * * ")))
    tick = tick_command(config)
    assert words == ["cd", str(tick.workdir), "&&", *tick.argv]
