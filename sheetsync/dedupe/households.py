"""How common households are in this list, told by the list itself.

A Fellegi–Sunter model's u-probabilities encode how often two different people agree on a
field; ECM estimates them from the data. The prior that matters most here is how many
households a list holds: on a census-style list, records sharing a family name and an address
are mostly different people (a family), so a pair with the same family name, address and
birth date but another given name is twins. On a list with (almost) no households, the same
pair is one person whose given name was typed over.

The list tells which it is: among its candidate pairs that share a family name and an
address, both with a given name and a readable birth date, households show up as pairs
whose birth dates and given names both clearly differ (parents and children, brothers and
sisters). When there are at least MIN_PAIRS such pairs to count, and fewer than
FEW_HOUSEHOLDS_SHARE of them look like that, the list has few households, and compare.py
links given names that differ when everything else agrees (`typed_over`).

With fewer pairs (a network's People tab holds no birth dates, and few records) nothing is
estimated, and the rules stay as strict as ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sheetsync.dedupe.compare import GivenMatch, births_differ, compare_given, same_home
from sheetsync.dedupe.evidence import Said
from sheetsync.dedupe.prepare import Prepared
from sheetsync.translation import gettext_noop

# Pairs sharing a family name and an address, both with a given name and a birth date,
# needed before the list's share of households is taken as evidence.
MIN_PAIRS = 50
# Below this share of those pairs being different people, the list has few households. Low,
# because twins hide among them: with 2% households, at most about one pair in 1,500 that
# share a family name and an address may be twins, linked there as one person.
FEW_HOUSEHOLDS_SHARE = 0.02


@dataclass(frozen=True)
class HouseholdEstimate:
    """Of the pairs sharing a family name and an address (both with a given name and a
    birth date), how many are surely two people: different birth dates and given names."""

    pairs: int
    households: int

    @property
    def enough(self) -> bool:
        return self.pairs >= MIN_PAIRS

    @property
    def few(self) -> bool:
        """Enough pairs to tell, and few of them households."""
        return self.enough and self.households < FEW_HOUSEHOLDS_SHARE * self.pairs

    @property
    def text(self) -> Said:
        return Said(
            gettext_noop(
                "this list has few households: %(households)s of the %(pairs)s pairs "
                "sharing a family name and an address have different birth dates and given "
                "names"
            ),
            households=self.households,
            pairs=self.pairs,
        )


def estimate_households(p: Prepared, pairs: Iterable[tuple[int, int]]) -> HouseholdEstimate:
    """Count, among candidate pairs, those sharing a family name and an address, and those
    of them that are surely two people (a household). Order-independent: a count."""
    counted = 0
    households = 0
    for i, j in pairs:
        if not (_comparable(p, i) and _comparable(p, j)):
            continue
        if p.family[i] != p.family[j] or not same_home(p, i, j):
            continue
        counted += 1
        clash = compare_given(p.given[i], p.given[j]) is GivenMatch.CLASH
        households += clash and births_differ(p, i, j)
    return HouseholdEstimate(pairs=counted, households=households)


def _comparable(p: Prepared, k: int) -> bool:
    return bool(p.given[k] and p.family[k] and p.address[k] and p.birth[k])
