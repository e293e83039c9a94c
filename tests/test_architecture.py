"""The shape of sheetsync/: imports flow one way, cli → jobs → steps → engines → backends,
and no function grows past what one can hold in mind.

Every module belongs to a layer, and imports only from its own layer or those below it,
including imports inside functions. A new module needs a line in LAYERS: pick the lowest
layer whose modules it must import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sheetsync"

# Lowest first. A module's layer is that of the longest prefix listed here.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation: settings, schemas, reports, words, text",
        (
            "sheetsync",
            "sheetsync.errors",
            "sheetsync.files",
            "sheetsync.normalize",
            "sheetsync.nicknames",
            "sheetsync.config",
            "sheetsync.config_sections",
            "sheetsync.form_languages",
            "sheetsync.translation",
            "sheetsync.schema",
            "sheetsync.report",
            "sheetsync.statuses",
            "sheetsync.status_words",
            "sheetsync.members",
            "sheetsync.privacy",
        ),
    ),
    (
        "store: the backends and the tabs read through them",
        (
            "sheetsync.backends",
            "sheetsync.tables",
            "sheetsync.state",
            "sheetsync.run_log",
            "sheetsync.formatting",
            "sheetsync.formatting_needs",
            "sheetsync.formatting_phone",
            "sheetsync.changes",
            "sheetsync.calls",
        ),
    ),
    (
        "engines: the thinking behind each step",
        (
            "sheetsync.intake",
            "sheetsync.dedupe",
            "sheetsync.match",
            "sheetsync.load",
            "sheetsync.summary",
            "sheetsync.digest",
            "sheetsync.followup",
            "sheetsync.recur",
            "sheetsync.confirm",
            "sheetsync.board",
            "sheetsync.feedback",
        ),
    ),
    ("steps: frames in, frames out", ("sheetsync.steps",)),
    (
        "orchestration: jobs and what runs them",
        (
            "sheetsync.jobs",
            "sheetsync.bootstrap",
            "sheetsync.contacts",
            "sheetsync.call_sheet",
            "sheetsync.forget",
            "sheetsync.demo",
            "sheetsync.scheduling",
            "sheetsync.undo",
            "sheetsync.fingerprints",
            "sheetsync.skip",
        ),
    ),
    (
        "interface: the command line",
        ("sheetsync.cli", "sheetsync.cli_render", "sheetsync.cli_undo", "sheetsync.__main__"),
    ),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for level, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[0]):
                best = (len(prefix), level)
    return None if best is None else best[1]


def imports_of(path: Path) -> set[str]:
    """The sheetsync modules a file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "sheetsync":
                found.add(node.module)
                # `from sheetsync import jobs` imports the module sheetsync.jobs.
                found.update(
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if _is_module(f"{node.module}.{a.name}")
                )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sheetsync")
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


GRAPH = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    assert [m for m in GRAPH if layer_of(m) is None] == [], "add these modules to LAYERS"


def test_no_import_goes_against_the_flow() -> None:
    against = [
        f"{module} ({LAYERS[layer_of(module) or 0][0].split(':')[0]}) imports {target} "
        f"({LAYERS[layer_of(target) or 0][0].split(':')[0]})"
        for module, targets in GRAPH.items()
        for target in sorted(targets)
        if (layer_of(target) or 0) > (layer_of(module) or 0)
    ]
    assert against == []


def test_the_packages_import_each_other_without_a_cycle() -> None:
    """Between top-level parts (sheetsync.dedupe, sheetsync.jobs, ...), imports form no
    cycle: each part can be read knowing only the parts below it."""
    top = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = _part(module), _part(target)
            if a != b and b != "sheetsync":
                top[a].add(b)
    cycles = []
    for start in list(top):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in top.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, nxt]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


def _part(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("sheetsync.bootstrap", {"sheetsync.jobs", "sheetsync.demo"}),
        ("sheetsync.jobs", {"sheetsync.digest"}),
    ],
)
def test_named_arrows_stay_gone(module: str, forbidden: set[str]) -> None:
    """bootstrap creates tabs and nothing more; jobs runs effects without knowing them."""
    targets = {t for m, ts in GRAPH.items() if m == module for t in ts}
    assert {t for t in targets if any(t == f or t.startswith(f + ".") for f in forbidden)} == set()


MAX_COMPLEXITY = 15  # radon's cyclomatic complexity: past it, split along what it decides


def test_no_function_is_past_what_one_can_hold_in_mind() -> None:
    from radon.complexity import cc_visit

    too_complex = [
        f"{path.relative_to(PACKAGE.parent)}:{f.lineno} {f.fullname} ({f.complexity})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for f in _functions(cc_visit(path.read_text(encoding="utf-8")))
        if f.complexity > MAX_COMPLEXITY
    ]
    assert too_complex == []


def _functions(blocks: list[Any]) -> Iterator[Any]:
    """Every function radon found: top-level ones, methods, nested functions and classes."""
    from radon.visitors import Class

    for block in blocks:
        if isinstance(block, Class):
            yield from _functions(block.methods)
            yield from _functions(block.inner_classes)
        else:
            yield block
            yield from _functions(block.closures)
