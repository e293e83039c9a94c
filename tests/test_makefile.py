"""The Makefile's recipes that depend on who runs them, run by the real make with a PATH
of fakes (id, apt-get, sudo, env): Chromium (and LibreOffice) is installed as root (and a
failed install stops `make test`), or with passwordless sudo; anyone else is told the
test that needs it will be skipped and how to install it. And a first `make demo` says
what it is doing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
SKIPPED = (
    "Chromium is not installed, and installing it needs root: the digest's browser test\n"
    "will be skipped. To run it: sudo apt-get install chromium, then make test again.\n"
)
FAKES = {
    # uid from $FAKE_UID
    "id": 'if [ "$1" = -u ]; then echo "$FAKE_UID"; else echo "uid=$FAKE_UID"; fi\n',
    # notes each call; fails when $APT_FAILS is set
    "apt-get": 'echo "apt-get $*" >> "$CALLS"\n[ -z "$APT_FAILS" ]\n',
    # env VAR=value… command: sets them, runs the command
    "env": 'while case "$1" in *=*) export "$1";; *) false;; esac; do shift; done\n"$@"\n',
    # sudo -n: works only with $SUDO_OK set (passwordless); notes each call
    "sudo": 'echo "sudo $*" >> "$CALLS"\n[ "$1" = -n ] && shift\n'
    '[ -n "$SUDO_OK" ] || exit 1\n"$@"\n',
}


def make_chromium(
    tmp_path: Path,
    *,
    uid: int,
    tools: tuple[str, ...],
    chromium: bool = False,
    target: str = "chromium",
    **env: str,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`make chromium` (or `make libreoffice`: `target`) with only `tools` on the PATH
    (besides id); returns the result and the calls the fakes noted."""
    assert MAKE, "make runs these tests, as it runs the suite"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("id", *tools):
        fake = bin_dir / name
        fake.write_text("#!/bin/sh\n" + FAKES[name])
        fake.chmod(0o755)
    browser = tmp_path / "chromium"
    if chromium:
        browser.write_text("#!/bin/sh\n")
        browser.chmod(0o755)
    calls = tmp_path / "calls"
    calls.touch()
    result = subprocess.run(
        [
            MAKE,
            "-s",
            "--no-print-directory",
            target,
            f"CHROMIUM={browser}",
            f"SOFFICE={browser}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": str(bin_dir),
            "FAKE_UID": str(uid),
            "CALLS": str(calls),
            **env,
        },
    )
    return result, calls.read_text().splitlines()


def test_a_user_without_sudo_is_told_the_test_will_be_skipped_and_how_to_install(tmp_path):
    result, calls = make_chromium(tmp_path, uid=1000, tools=("apt-get", "env"))
    assert (result.returncode, result.stdout, calls) == (0, SKIPPED, [])


def test_a_user_whose_sudo_asks_for_a_password_is_not_asked(tmp_path):
    result, calls = make_chromium(tmp_path, uid=1000, tools=("apt-get", "env", "sudo"))
    assert (result.returncode, result.stdout) == (0, SKIPPED)
    assert calls == ["sudo -n true"]  # -n: never a password prompt


def test_passwordless_sudo_installs_it(tmp_path):
    result, calls = make_chromium(tmp_path, uid=1000, tools=("apt-get", "env", "sudo"), SUDO_OK="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Installing Chromium for the digest's browser test (sudo apt-get)…\n"
    assert calls == [
        "sudo -n true",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -q install -y chromium",
        "apt-get -q install -y chromium",
    ]


def test_root_installs_it(tmp_path):
    result, calls = make_chromium(tmp_path, uid=0, tools=("apt-get", "env"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Installing Chromium for the digest's browser test (apt-get)…\n"
    assert calls == ["apt-get -q install -y chromium"]


def test_libreoffice_for_the_workbook_check_is_installed_the_same_way(tmp_path):
    result, calls = make_chromium(tmp_path, uid=0, tools=("apt-get", "env"), target="libreoffice")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Installing LibreOffice for the workbook check (apt-get)…\n"
    assert calls == ["apt-get -q install -y libreoffice-calc-nogui"]
    (tmp_path / "calls").unlink()
    other = tmp_path / "user"
    other.mkdir()
    result, calls = make_chromium(other, uid=1000, tools=("apt-get", "env"), target="libreoffice")
    assert (result.returncode, result.stdout, calls) == (
        0,
        "LibreOffice is not installed, and installing it needs root: the workbook check\n"
        "will be skipped. To run it: sudo apt-get install libreoffice-calc-nogui, then make "
        "test again.\n",
        [],
    )


def test_root_whose_install_fails_stops_make_test(tmp_path):
    result, calls = make_chromium(tmp_path, uid=0, tools=("apt-get", "env"), APT_FAILS="1")
    assert result.returncode != 0
    assert "make: could not install Chromium with apt-get as root" in result.stderr
    assert calls == ["apt-get -q install -y chromium", "apt-get -q update"]


@pytest.mark.parametrize("uid", [0, 1000])
def test_nothing_happens_when_chromium_is_there(tmp_path, uid):
    result, calls = make_chromium(tmp_path, uid=uid, tools=("apt-get", "env"), chromium=True)
    assert (result.returncode, result.stdout, result.stderr, calls) == (0, "", "", [])


def test_make_test_runs_the_chromium_step_and_the_suite():
    dry = subprocess.run(
        [MAKE or "make", "-n", "--no-print-directory", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert 'if [ -x "/usr/bin/chromium" ]' in dry.stdout
    assert dry.stdout.rstrip().endswith(".venv/bin/python -m pytest")


def test_a_first_make_demo_says_what_it_is_doing_before_each_phase():
    dry = subprocess.run(
        [MAKE or "make", "-n", "--no-print-directory", "-W", "pyproject.toml", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = dry.stdout.splitlines()
    said = [n for n, line in enumerate(lines) if line.startswith("echo ")]
    venv = next(n for n, line in enumerate(lines) if " -m venv " in line)
    init = next(n for n, line in enumerate(lines) if " init " in line)
    run = next(n for n, line in enumerate(lines) if line.endswith(" run weekly"))
    assert lines[venv - 1] == (
        'echo "Setting up Python packages in .venv (a few minutes the first time)…"'
    )
    assert lines[init - 2].startswith('echo "Building the demo network in demo/')
    assert lines[run - 1] == 'echo "Running the weekly job on it…"'
    assert len(said) >= 3
