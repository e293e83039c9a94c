"""Network-wide flags for the Summary tab and the digest: is the work shared, and which
needs found no volunteer at all (whom to recruit).

The summary step writes each flag as the note of a Summary row (the largest groups of
needs one by one, the rest on one row: the tab stays short); the organizers' digest lists
those notes (`network_notes`), so both say the same.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from sheetsync.form_languages import ENGLISH
from sheetsync.load.figures import MONTH_WEEKS, counts_since
from sheetsync.match.unserved import Unserved
from sheetsync.members import Help
from sheetsync.summary.layout import Line
from sheetsync.translation import (
    answer,
    ngettext_noop,
    number,
    translate,
    translate_plural,
)

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
        return self.label_in(ENGLISH)

    @property
    def sentence(self) -> str:
        """E.g. "4 Spanish-speaking Groceries needs in Westside had no volunteer." """
        return self.sentence_in(ENGLISH)

    def label_in(self, language: str) -> str:
        """The group as the Summary's row names it, in a language."""
        category = answer(self.category, language, "categories")
        if self.zone:
            what = translate(
                language, "%(category)s in %(zone)s", category=category, zone=self.zone
            )
        else:
            what = translate(language, "%(category)s by phone or online", category=category)
        if not self.language:
            return what
        spoken = self.spoken_in(language)
        return translate(language, "%(what)s, %(spoken)s-speaking", what=what, spoken=spoken)

    def spoken_in(self, language: str) -> str:
        """The languages a volunteer would need, named as the form names them: "Spanish",
        "Chinese or Haitian Creole"."""
        names = [answer(name, language, "languages") for name in self.language.split(" or ")]
        return functools.reduce(
            lambda one, other: translate(language, "%(one)s or %(other)s", one=one, other=other),
            names,
        )

    def sentence_in(self, language: str) -> str:
        """The Summary row's note, in a language: how many needs, and whom to recruit."""
        needs = self._needs_in(language)
        if not self.nobody:
            return translate_plural(language, *_WAITED, self.needs, needs=needs)
        category = answer(self.category, language, "categories")
        help_ = (
            translate(language, "%(category)s in %(zone)s", category=category, zone=self.zone)
            if self.zone
            else category
        )
        if self.language:
            recruit = translate(
                language,
                "Recruit %(spoken)s-speaking volunteers for %(help)s.",
                spoken=self.spoken_in(language),
                help=help_,
            )
        else:
            recruit = translate(language, "Recruit volunteers for %(help)s.", help=help_)
        return translate_plural(language, *_NO_VOLUNTEER, self.needs, needs=needs) + " " + recruit

    def _needs_in(self, language: str) -> str:
        """E.g. "4 Spanish-speaking Groceries needs in Westside (1 urgent)"."""
        values = {"category": answer(self.category, language, "categories"), "zone": self.zone}
        if self.language:
            values["spoken"] = self.spoken_in(language)
        forms = _NEEDS[(bool(self.language), bool(self.zone))]
        needs = translate_plural(language, *forms, self.needs, **values)
        if not self.urgent:
            return needs
        return translate_plural(language, *_URGENT, self.urgent, needs=needs)


# The messages of a group's note: (singular, plural), the number of needs choosing.
_NEEDS = {
    (False, False): ngettext_noop("%(num)s %(category)s need", "%(num)s %(category)s needs"),
    (False, True): ngettext_noop(
        "%(num)s %(category)s need in %(zone)s", "%(num)s %(category)s needs in %(zone)s"
    ),
    (True, False): ngettext_noop(
        "%(num)s %(spoken)s-speaking %(category)s need",
        "%(num)s %(spoken)s-speaking %(category)s needs",
    ),
    (True, True): ngettext_noop(
        "%(num)s %(spoken)s-speaking %(category)s need in %(zone)s",
        "%(num)s %(spoken)s-speaking %(category)s needs in %(zone)s",
    ),
}
_URGENT = ngettext_noop("%(needs)s (%(num)s urgent)", "%(needs)s (%(num)s urgent)")
# The same words in English for one need and for several; not in every language.
_NO_VOLUNTEER = ngettext_noop(
    "%(needs)s had no volunteer: nobody who offers it is within reach, speaks the language "
    "and is free at those times.",
    "%(needs)s had no volunteer: nobody who offers it is within reach, speaks the language "
    "and is free at those times.",
)
_WAITED = ngettext_noop(
    "%(needs)s waited: the volunteers who could help were full, resting, had declined it, "
    "or are family.",
    "%(needs)s waited: the volunteers who could help were full, resting, had declined it, "
    "or are family.",
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


def unserved_lines(unserved: Iterable[Unserved], language: str = ENGLISH) -> list[Line]:
    """The Summary's rows about needs without a volunteer, in a language: the largest
    groups no volunteer could take, one by one (whom to recruit), the other such groups on
    one row, and the needs that waited because the volunteers who could help were full, on
    one row."""
    groups = group_unserved(unserved)
    nobody = [g for g in groups if g.nobody]
    full = [g for g in groups if not g.nobody]
    lines = [
        Line(g.key, g.label_in(language), str(g.needs), g.sentence_in(language), keep=True)
        for g in nobody[:MAX_GROUPS]
    ]
    more = nobody[MAX_GROUPS:]
    if more:
        needs = sum(g.needs for g in more)
        lines.append(
            Line(
                f"{UNSERVED}nobody.more",
                translate_plural(
                    language,
                    "%(num)s more group of needs no volunteer could take",
                    "%(num)s more groups of needs no volunteer could take",
                    len(more),
                ),
                str(needs),
                translate_plural(
                    language,
                    "%(num)s more need had no volunteer (%(groups)s): recruit volunteers for "
                    "these too.",
                    "%(num)s more needs had no volunteer (%(groups)s): recruit volunteers for "
                    "these too.",
                    needs,
                    groups=_listed(more, language),
                ),
                keep=True,
            )
        )
    if full:
        needs = sum(g.needs for g in full)
        lines.append(
            Line(
                f"{UNSERVED}full",
                translate(
                    language,
                    "Needs that waited: the volunteers who could help were full or resting",
                ),
                str(needs),
                translate_plural(
                    language,
                    "%(num)s need waited (%(groups)s): the volunteers who could help were full, "
                    "resting, had declined it, or are family.",
                    "%(num)s needs waited (%(groups)s): the volunteers who could help were full, "
                    "resting, had declined it, or are family.",
                    needs,
                    groups=_listed(full, language),
                ),
                keep=True,
            )
        )
    return lines


def _listed(groups: list[UnservedGroup], language: str) -> str:
    """E.g. "Rides in Northside: 2; Meals by phone or online: 1"."""
    return "; ".join(f"{g.label_in(language)}: {number(g.needs, language)}" for g in groups)
