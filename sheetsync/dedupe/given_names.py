"""Two given names compared as people write them: the same, a nickname, a short form, a slip
of the keyboard, a gender ending (Daniel/Daniela: another name) or a clash. Pure functions of
the two folded names, cached: a network's names repeat."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler

from sheetsync.nicknames import formal_names, near_formal_names

# Pairs of given names that differ by their last letter are usually a brother and a sister.
GENDER_ENDINGS = {"a", "o", "e"}
_VOWELS = frozenset("aeiouy")


class GivenMatch(StrEnum):
    """How two given names compare."""

    SAME = "same"
    NICKNAME = "nickname"
    SHORT = "short form"
    INITIAL = "initial"
    TYPO = "typo"
    CLOSE = "close"
    ENDING = "different endings"  # Patrick/Patricia, Daniel/Daniela, or Jessic/Jessica: asked
    MISSING = "missing"
    CLASH = "clash"


@lru_cache(maxsize=500_000)
def compare_given(a: str, b: str) -> GivenMatch:
    """Compare two folded given names (cached: a network's names repeat)."""
    if not a or not b:
        return GivenMatch.MISSING
    if a == b:
        return GivenMatch.SAME
    if formal_names(a) & formal_names(b):
        return GivenMatch.NICKNAME
    if len(a) == 1 or len(b) == 1:
        return GivenMatch.INITIAL if a[0] == b[0] else GivenMatch.CLASH
    if _gender_pair(a, b):
        return GivenMatch.CLASH
    if _ending_differs(a, b):
        return GivenMatch.ENDING
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and long.startswith(short):
        return GivenMatch.SHORT  # Alex/Alexander, Max/Maximilian
    similarity = JaroWinkler.normalized_similarity(a, b)
    if _typo(a, b, similarity):
        return GivenMatch.TYPO
    if near_formal_names(a) & near_formal_names(b):  # "Robrt" / "Bobby": typo and nickname
        return GivenMatch.TYPO
    if similarity >= 0.85:
        return GivenMatch.CLOSE
    return GivenMatch.CLASH


def transposed(a: str, b: str) -> bool:
    """Same letters with two neighbours swapped ("Nathan" / "Nathna"), either way round: both
    swapped letters are checked, so "Ausitn" / "Ausein" (two letters changed) is not one."""
    diffs = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
        return False
    first, second = diffs
    return a[first] == b[second] and a[second] == b[first]


def _gender_pair(a: str, b: str) -> bool:
    """Mario/Maria, Francisco/Francisca: the last vowel tells a brother from a sister."""
    return len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} <= GENDER_ENDINGS


def _ending_differs(a: str, b: str) -> bool:
    """Patrick/Patricia, Francis/Frances, Daniel/Danielle, or a dropped last letter (Jessic):
    at most two letters differ, at the end. Often two relatives, so never certain."""
    shortest = min(len(a), len(b))
    start = next((k for k in range(shortest) if a[k] != b[k]), shortest)
    return start >= 3 and max(len(a), len(b)) - start <= 2


def _typo(a: str, b: str, similarity: float) -> bool:
    """A slip of the keyboard inside a name: "Jonathon", "Rbert", "Amria". Short names are
    left out ("Jon" / "Joan" are a couple), and so are names several edits apart."""
    if len(a) == len(b) >= 4 and transposed(a, b):
        return True
    shortest = min(len(a), len(b))
    if shortest < 5 or OSA.distance(a, b) > (1 if shortest < 8 else 2):
        return False
    return similarity >= 0.92 or (similarity >= 0.88 and shortest >= 6)


@lru_cache(maxsize=200_000)
def name_slip(a: str, b: str) -> bool:
    """One slip of the keyboard, not another name: a letter doubled (Gerald/Geralld, Ruth/
    Ruuth), dropped (Gerald/Geral), mistyped (Grace/Gtace) or two swapped (Nathan/Nathna), in
    names of four letters or more. A vowel added at the end or changed into another
    (Daniel/Daniela, Mario/Maria) is a gender ending: another name."""
    short, long = sorted((a, b), key=len)
    if len(short) < 4 or a == b or OSA.distance(a, b) != 1:
        return False
    if len(long) == len(short) + 1:
        return not (long.startswith(short) and long[-1] in _VOWELS)
    return not (a[:-1] == b[:-1] and {a[-1], b[-1]} <= _VOWELS)


@lru_cache(maxsize=500_000)
def name_match(a: str, b: str) -> int:
    """3 the same, 2 a nickname, short form or typo, 1 close, 0 different."""
    if a == b:
        return 3
    match = compare_given(a, b)
    if match in (GivenMatch.NICKNAME, GivenMatch.SHORT, GivenMatch.TYPO):
        return 2
    return 1 if match in (GivenMatch.CLOSE, GivenMatch.ENDING) else 0
