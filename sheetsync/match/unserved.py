"""What the match step could not do: the open needs it left unserved this run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unserved:
    """An open need the match step could not serve this week."""

    category: str
    zone: str  # "" when the help is remote (any zone would do)
    languages: frozenset[str]
    urgent: bool
    nobody: bool  # no volunteer could ever take it; else those who could were full or resting
