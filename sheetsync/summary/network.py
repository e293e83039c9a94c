"""Network-wide flags for the Summary tab and the digest: is the work shared, and which
needs found no volunteer at all (whom to recruit).

The summary step writes each flag as the note of a Summary row (the largest groups of
needs one by one, the rest on one row: the tab stays short); the organizers' digest lists
those notes (`network_notes`), so both say the same.
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
from sheetsync.summary.layout import Line

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


MAX_GROUPS = 4  # groups of needs with no volunteer listed one by one; the rest on one row


def unserved_lines(unserved: Iterable[Unserved]) -> list[Line]:
    """The Summary's rows about needs without a volunteer: the largest groups no volunteer
    could take, one by one (whom to recruit), the other such groups on one row, and the
    needs that waited because the volunteers who could help were full, on one row."""
    groups = group_unserved(unserved)
    nobody = [g for g in groups if g.nobody]
    full = [g for g in groups if not g.nobody]
    lines = [Line(g.key, g.label, str(g.needs), g.sentence, keep=True) for g in nobody[:MAX_GROUPS]]
    more = nobody[MAX_GROUPS:]
    if more:
        needs = sum(g.needs for g in more)
        what = "need" if needs == 1 else "needs"
        lines.append(
            Line(
                f"{UNSERVED}nobody.more",
                f"{len(more)} more groups of needs no volunteer could take",
                str(needs),
                f"{needs} more {what} had no volunteer ({_listed(more)}): recruit volunteers "
                "for these too.",
                keep=True,
            )
        )
    if full:
        needs = sum(g.needs for g in full)
        what = "need" if needs == 1 else "needs"
        lines.append(
            Line(
                f"{UNSERVED}full",
                "Needs that waited: the volunteers who could help were full or resting",
                str(needs),
                f"{needs} {what} waited ({_listed(full)}): the volunteers who could help "
                "were full, resting, had declined it, or are family.",
                keep=True,
            )
        )
    return lines


def _listed(groups: list[UnservedGroup]) -> str:
    """E.g. "Rides in Northside: 2; Meals by phone or online: 1"."""
    return "; ".join(f"{g.label}: {g.needs}" for g in groups)
