"""The wheel ships sheetsync, its data and nothing of the tests; the runtime needs no test kit.

The wheel is built by hatchling's own command, in the running environment (the `test` extra
installs hatchling): unlike `python -m build` or `pip wheel`, it makes no isolated build
environment, so no pip and no registry are involved, and the build takes well under a second.
The build runs with sockets refused, so a build step that wants the network fails here first.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# Installed only with the `test` extra or by the test kit; `pip install sheetsync` must not
# bring them. cryptography reaches users through google-auth, never as our own requirement.
TEST_ONLY = {"pytest", "aiosmtpd", "hatchling", "cryptography", "sheetsync-testkit"}


BUILD_OFFLINE = """
import runpy, socket, sys

def offline(self, address):
    raise OSError(f"the wheel build tried to connect to {address!r}")

socket.socket.connect = offline
sys.argv = ["hatchling", "build", "-t", "wheel", "-d", sys.argv[1]]
runpy.run_module("hatchling", run_name="__main__")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sheetsync's wheel, built once from this checkout into a temp folder, offline."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-c", BUILD_OFFLINE, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("sheetsync-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> list[PurePosixPath]:
    with zipfile.ZipFile(wheel) as zf:
        return [PurePosixPath(n) for n in zf.namelist() if not n.endswith("/")]


@pytest.fixture(scope="module")
def metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        (entry_points,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        message = Parser().parsestr(zf.read(meta).decode("utf-8"))
        return {
            "Requires-Dist": message.get_all("Requires-Dist") or [],
            "entry_points": zf.read(entry_points).decode("utf-8").splitlines(),
        }


def test_wheel_holds_only_the_sheetsync_package(wheel: Path, names: list[PurePosixPath]) -> None:
    name_version = "-".join(wheel.name.split("-")[:2])  # sheetsync-0.1.0-py3-none-any.whl
    assert {n.parts[0] for n in names} == {"sheetsync", f"{name_version}.dist-info"}


def test_wheel_holds_no_test_code(names: list[PurePosixPath]) -> None:
    def is_test_code(path: PurePosixPath) -> bool:
        return (
            any(
                p in {"sheetsync_testkit", "testkit", "testing", "tests", "test"}
                for p in path.parts
            )
            or path.name.startswith(("test_", "conftest"))
            or "emulator" in path.name
            or path.name == "contacts_generator.py"
        )

    assert [str(n) for n in names if is_test_code(n)] == []
    assert not [n for n in names if n.suffix == ".pyc" or "__pycache__" in n.parts]


def shipped(root: Path, pattern: str) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file()}


@pytest.mark.parametrize(
    ("source", "in_wheel", "pattern"),
    [
        ("schemas", "sheetsync/_data/schemas", "*.yaml"),
        ("jobs", "sheetsync/_data/jobs", "*.toml"),
        ("sheetsync/templates", "sheetsync/templates", "**/*"),
        ("sheetsync/locale", "sheetsync/locale", "**/*.*"),  # catalogs and forms' words
    ],
)
def test_wheel_holds_the_package_data(
    names: list[PurePosixPath], source: str, in_wheel: str, pattern: str
) -> None:
    expected = shipped(ROOT / source, pattern)
    assert expected, f"nothing matches {source}/{pattern} in the checkout"
    prefix = PurePosixPath(in_wheel)
    got = {n.relative_to(prefix).as_posix() for n in names if n.is_relative_to(prefix)}
    assert got == expected


def test_wheel_requires_no_test_tools(metadata: dict[str, list[str]]) -> None:
    runtime = set()
    for line in metadata["Requires-Dist"]:
        req = Requirement(line)
        # The extras (`test`, `lint`, `bench`) are asked for by name; plain installs skip them.
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            runtime.add(canonicalize_name(req.name))
    assert {"pandas", "gspread", "google-auth", "jinja2"} <= runtime
    assert runtime & TEST_ONLY == set()
    assert "sheetsync = sheetsync.cli:cli" in metadata["entry_points"]


def test_every_module_imports_without_the_test_kit(
    wheel: Path, names: list[PurePosixPath], tmp_path: Path
) -> None:
    """Each module of the wheel imports while `import sheetsync_testkit` fails."""
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(tmp_path / "site")
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        sys.modules["sheetsync_testkit"] = None  # any import of it raises ImportError
        sys.path.insert(0, sys.argv[1])
        import sheetsync
        assert sheetsync.__file__.startswith(sys.argv[1]), sheetsync.__file__

        def fail(name):
            raise ImportError(f"cannot import {name}")

        walked = pkgutil.walk_packages(sheetsync.__path__, "sheetsync.", fail)
        # __main__ is `python -m sheetsync`: importing it runs the CLI (its import is cli's).
        modules = [m.name for m in walked if not m.name.endswith(".__main__")]
        for name in modules:
            importlib.import_module(name)
        print(*modules)
        """
    )
    # -I: neither the checkout (cwd) nor PYTHONPATH on sys.path, so only the wheel's copy counts.
    done = subprocess.run(
        [sys.executable, "-I", "-c", script, str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # Every module of the wheel was walked and imported, not only the top package.
    in_wheel = {
        ".".join(n.with_suffix("").parts).removesuffix(".__init__")
        for n in names
        if n.suffix == ".py" and n.name != "__main__.py"
    }
    assert set(done.stdout.split()) == in_wheel - {"sheetsync"}
