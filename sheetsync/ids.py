"""Stable ids for rows sheetsync adds: P0001 for people, N0001 for needs, and so on."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBER = re.compile(r"(\d+)$")


class Ids:
    """Hands out the next stable id with a prefix: P0001, P0002, … after the largest seen."""

    def __init__(self, prefix: str, existing: Iterable[str]) -> None:
        self.prefix = prefix
        pattern = re.compile(rf"{re.escape(prefix)}(\d+)$")
        numbers = [int(m.group(1)) for x in existing if (m := pattern.match(x))]
        self.next = max(numbers, default=0) + 1

    def __call__(self) -> str:
        value = f"{self.prefix}{self.next:04d}"
        self.next += 1
        return value


def id_number(value: str) -> float:
    """The number at the end of an id, for ordering ("P0012" -> 12); ids without one last."""
    match = _NUMBER.search(value)
    return int(match.group(1)) if match else float("inf")
