"""The golden demo guard: a refactor leaves the demo's tabs and digests exactly as they were.

`make demo`, run at a fixed clock (tests/golden_demo.py), must give tests/golden/demo/ cell
for cell and byte for byte, apart from Run log times, Message-IDs and MIME boundaries. When
a change of behaviour is meant, `make golden` writes the golden files anew; review their
diff in the commit like any other change.
"""

from __future__ import annotations

import difflib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden_demo import (
    GOLDEN,
    RENDERER,
    build_demo,
    png_size,
    read_golden,
    renderer,
    snapshot,
    write_golden,
)

HOW_TO_UPDATE = (
    "If this change of behaviour is meant, run `make golden` and review the diff of "
    "tests/golden/demo/ in the commit."
)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return snapshot(build_demo(tmp_path_factory.mktemp("golden-demo")))


def test_the_demo_is_what_the_golden_files_say(
    demo_files: dict[str, bytes], request: pytest.FixtureRequest
) -> None:
    if request.config.getoption("--update-golden"):
        write_golden(demo_files)
    golden = read_golden()
    assert golden, f"No golden files in {GOLDEN}: run `make golden` once."
    assert sorted(demo_files) == sorted(golden), (
        f"The demo makes other files than the golden ones. {HOW_TO_UPDATE}"
    )
    drawn_with = (GOLDEN / RENDERER).read_text(encoding="utf-8")
    differ = []
    for name, expected in golden.items():
        made = demo_files[name]
        if name.endswith(".png") and drawn_with != renderer():
            # Another matplotlib may draw the same chart with other pixels. What the chart
            # shows is compared all the same: the HTML's alt text lists its every figure.
            assert png_size(made) == png_size(expected), name
            continue
        if made != expected:
            differ.append(name)
    assert not differ, f"{len(differ)} files differ:\n{_diff(differ, golden, demo_files)}\n" + (
        HOW_TO_UPDATE
    )


def test_the_snapshot_masks_the_wall_clock_and_what_each_send_makes_anew(
    demo_files: dict[str, bytes],
) -> None:
    """The Run log's real times and each email's Message-ID and boundaries are masked, so
    the rest can be compared byte for byte (the next test builds the demo again)."""
    log = demo_files["tabs/Run log.jsonl"].decode()
    assert "<masked>" in log and "<s>" in log
    eml = next(v for k, v in demo_files.items() if k.endswith(".eml"))
    assert b"Message-ID: <normalised>" in eml and b'boundary="BOUNDARY-1"' in eml


def test_a_build_in_another_process_gives_the_same_snapshot(
    demo_files: dict[str, bytes], tmp_path: Path
) -> None:
    """The demo is deterministic: another process, with other string hashes (so other set
    orders), builds the same files."""
    script = (
        "import sys, pathlib, pickle; from tests.golden_demo import build_demo, snapshot; "
        "sys.stdout.buffer.write(pickle.dumps(snapshot(build_demo(pathlib.Path(sys.argv[1])))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "20261123"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    again = pickle.loads(done.stdout)
    assert sorted(again) == sorted(demo_files)
    assert [k for k in again if again[k] != demo_files[k]] == []


def _diff(names: list[str], golden: dict[str, bytes], made: dict[str, bytes]) -> str:
    out = []
    for name in names[:5]:
        if name.endswith(".png"):
            out.append(f"--- {name}: the chart's pixels differ")
            continue
        lines = difflib.unified_diff(
            golden[name].decode("utf-8", "replace").splitlines(),
            made[name].decode("utf-8", "replace").splitlines(),
            f"golden/{name}",
            f"made/{name}",
            n=1,
            lineterm="",
        )
        out.append("\n".join(list(lines)[:40]))
    return "\n".join(out)
