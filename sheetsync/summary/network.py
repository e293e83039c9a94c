"""Network-wide flags for the Summary tab and the digest: is the work shared, and which
needs found no volunteer at all (whom to recruit).

The summary step writes each flag as the note of a Summary row; the organizers' digest
lists those notes (`network_notes`), so both say the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from sheetsync.load.figures import MONTH_WEEKS, counts_since
from sheetsync.match.unserved import Unserved
from sheetsync.members import Help

TOP_TWO_SHARE = "work.top_two_share"  # the Summary metric of the two busiest people's share
UNSERVED = "unserved."  # the metric prefix of the needs-without-volunteer groups
# The Summary metrics whose note is a flag about the whole network.
FLAG_METRICS = (TOP_TWO_SHARE, UNSERVED)


def network_notes(summary: pd.DataFrame) -> list[str]:
    """The network-wide flags as the Summary tab holds them, in its order."""
    flags = summary["metric"].str.startswith(FLAG_METRICS)
    return [str(n) for n in summary.loc[flags, "note"] if str(n).strip()]


@dataclass(frozen=True)
class Share:
    """How the last four weeks' work was spread."""

    tasks: int  # tasks taken part in (a task with a co-volunteer counts for both)
    people: int  # people who took part
    ranked: list[tuple[str, int]]  # (kept person id, tasks), busiest first

    @property
    def top(self) -> list[tuple[str, int]]:
        """The two busiest."""
        return self.ranked[:2]

    @property
    def top_share(self) -> float:
        return sum(n for _, n in self.top) / self.tasks if self.tasks else 0.0


def work_share(helps: Iterable[Help], today: dt.date) -> Share:
    counts = Counter(h.person_id for h in helps if counts_since(h, today, 7 * MONTH_WEEKS))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Share(sum(counts.values()), len(counts), ranked)


@dataclass(frozen=True)
class UnservedGroup:
    category: str
    zone: str
    language: str  # the language a volunteer would need, "" when any will do
    nobody: bool
    needs: int
    urgent: int

    @property
    def key(self) -> str:
        kind = "nobody" if self.nobody else "full"
        return f"{UNSERVED}{kind}.{self.category}.{self.zone or 'any zone'}.{self.language}"

    @property
    def label(self) -> str:
        """E.g. "Groceries in Westside, Spanish-speaking"."""
        where = f"in {self.zone}" if self.zone else "by phone or online"
        speaking = f", {self.language}-speaking" if self.language else ""
        return f"{self.category} {where}{speaking}"

    @property
    def sentence(self) -> str:
        """E.g. "4 Spanish-speaking Groceries needs in Westside had no volunteer." """
        speaking = f"{self.language}-speaking " if self.language else ""
        where = f" in {self.zone}" if self.zone else ""
        need = "need" if self.needs == 1 else "needs"
        urgent = f" ({self.urgent} urgent)" if self.urgent else ""
        if self.nobody:
            return (
                f"{self.needs} {speaking}{self.category} {need}{where}{urgent} had no "
                f"volunteer: nobody who offers it is within reach, speaks the language and is "
                f"free at those times. Recruit {speaking}volunteers for {self.category}{where}."
            )
        return (
            f"{self.needs} {speaking}{self.category} {need}{where}{urgent} waited: the "
            "volunteers who could help were full, resting, had declined it, or are family."
        )


def group_unserved(unserved: Iterable[Unserved]) -> list[UnservedGroup]:
    """Needs grouped by what a volunteer would have to offer, the largest groups first."""
    counts: Counter[tuple[str, str, str, bool]] = Counter()
    urgent: Counter[tuple[str, str, str, bool]] = Counter()
    for need in unserved:
        # A requester who also speaks English can be helped by anyone; else name a language.
        spoken = sorted(need.languages)
        language = "" if not spoken or "English" in spoken else " or ".join(spoken)
        key = (need.category, need.zone, language, need.nobody)
        counts[key] += 1
        urgent[key] += need.urgent
    groups = [
        UnservedGroup(c, z, lang, nobody, n, urgent[(c, z, lang, nobody)])
        for (c, z, lang, nobody), n in counts.items()
    ]
    return sorted(groups, key=lambda g: (not g.nobody, -g.urgent, -g.needs, g.key))
