"""Google field masks ('properties,sheets.properties.title', 'files(id,name)') as trees."""

from __future__ import annotations

import re
from typing import Any

# A mask as a tree: a name maps to None (the whole value) or to the mask of its own fields.
Mask = dict[str, "Mask | None"]

_TOKENS = re.compile(r"[A-Za-z0-9_*@$]+|[(),./]")


def parse_mask(text: str) -> Mask:
    """'a.b,c(d,e)' or 'a/b' -> {'a': {'b': None}, 'c': {'d': None, 'e': None}}."""
    tokens = _TOKENS.findall(text.replace(" ", ""))
    mask, at = _parse_list(tokens, 0)
    if at != len(tokens):
        raise ValueError(f"bad field mask: {text!r}")
    return mask


def _parse_list(tokens: list[str], at: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while at < len(tokens) and tokens[at] != ")":
        path = [tokens[at]]
        at += 1
        while at < len(tokens) and tokens[at] in "./":
            path.append(tokens[at + 1])
            at += 2
        sub: Mask | None = None
        if at < len(tokens) and tokens[at] == "(":
            sub, at = _parse_list(tokens, at + 1)
            at += 1  # the ')'
        _merge(mask, path, sub)
        if at < len(tokens) and tokens[at] == ",":
            at += 1
    return mask, at


def _merge(mask: Mask, path: list[str], leaf: Mask | None) -> None:
    node = mask
    for name in path[:-1]:
        child = node.get(name, {})
        if child is None:
            return  # already selected whole
        node[name] = child
        node = child
    last = path[-1]
    if leaf is None or node.get(last, {}) is None:
        node[last] = None
    else:
        existing = node.setdefault(last, {})
        assert existing is not None
        for key, value in leaf.items():
            _merge(existing, [key], value)


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """Keep only the masked fields; lists are masked element by element."""
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: apply_mask(value[key], sub) for key, sub in mask.items() if key in value}
    return value


def leaf_paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """{'a': {'b': None}, 'c': None} -> [('a', 'b'), ('c',)]."""
    paths: list[tuple[str, ...]] = []
    for name, sub in mask.items():
        if sub is None or not sub:
            paths.append((*prefix, name))
        else:
            paths.extend(leaf_paths(sub, (*prefix, name)))
    return paths
