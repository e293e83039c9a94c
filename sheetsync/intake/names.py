"""How well a response's name fits a name already known by the same phone or email.

A response attaches to a person only through a contact (never by name alone); the name then
decides which of the people known by that contact it is, or that it is someone new (a
household member sharing a landline or a family email). `name_fit` grades two folded names:
the same words in another order or spacing ("Zhang Wei" / "Wei Zhang", "李娜" / "李 娜"),
the same given name, a first name alone or a nickname ("Wei" for "Wei Zhang", "Bob" for
"Robert"), and a slip of the keyboard (Gerald / Geralld), which only counts when the phone
and the email both point to one person.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

from sheetsync.dedupe.compare import GivenMatch, compare_given


class Fit(IntEnum):
    """How well two names fit, best last; NONE: two people."""

    NONE = 0
    TYPO = 1  # a typo or short form of the given name: only with phone and email agreeing
    SIGNATURE = 2  # a nickname with the same family name, or a given name alone written
    # after the family name ("Wei" for "Zhang Wei")
    GIVEN = 3  # the same given name (alone, or with the family name the same or in part)
    ORDER = 4  # the same words in another order, or spaced another way
    SAME = 5


@lru_cache(maxsize=100_000)
def name_fit(a: str, b: str) -> Fit:
    """How well two folded names ("wei zhang", "wei") fit each other (cached: a contact's
    names are compared with each of its responses)."""
    if not a or not b:
        return Fit.NONE
    if a == b:
        return Fit.SAME
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return Fit.NONE
    if "".join(wa) == "".join(wb) or sorted(wa) == sorted(wb):
        return Fit.ORDER
    if len(wa) == 1 or len(wb) == 1:
        single, other = (wa[0], wb) if len(wa) == 1 else (wb[0], wa)
        # A first name alone: given first ("Wei Zhang"), or family first ("Zhang Wei").
        return max(_given_fit(single, other[0]), min(_given_fit(single, other[-1]), Fit.SIGNATURE))
    # Each name read given name first, and given name last (a name typed family first).
    return max(
        _full_fit(given_a, family_a, given_b, family_b)
        for given_a, family_a in _readings(wa)
        for given_b, family_b in _readings(wb)
    )


def _words(name: str) -> list[str]:
    """A name's words without stray punctuation: "garcia, maria g." -> garcia, maria, g."""
    return [w for w in (w.strip(".,;'\"()") for w in name.split()) if w]


def _readings(words: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(given, family words) with the given name first, then with it last."""
    return (words[0], tuple(words[1:])), (words[-1], tuple(words[:-1]))


def _full_fit(
    given_a: str, family_a: tuple[str, ...], given_b: str, family_b: tuple[str, ...]
) -> Fit:
    """Two full names' fit: the family names must agree (one may hold more words)."""
    if not _families_agree(family_a, family_b):
        return Fit.NONE
    return _given_fit(given_a, given_b)


def _families_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """García / García López, or García / G: one family name is the other, part of it, or
    its initial."""
    if set(a) <= set(b) or set(b) <= set(a):
        return True
    initial, other = (a, b) if len("".join(a)) < len("".join(b)) else (b, a)
    return len(initial) == 1 and len(initial[0]) == 1 and other[0].startswith(initial[0])


def _given_fit(a: str, b: str) -> Fit:
    """Two given names' fit: the same, a nickname, or a typo."""
    if a == b:
        return Fit.GIVEN
    match = compare_given(a, b)
    if match is GivenMatch.NICKNAME:
        return Fit.SIGNATURE
    if match in (GivenMatch.TYPO, GivenMatch.SHORT) or _typo_at_end(a, b):
        return Fit.TYPO
    return Fit.NONE


def _typo_at_end(a: str, b: str) -> bool:
    """Gerald / Geralld, Gerald / Geradl: a letter typed twice, or two neighbours swapped.
    A letter more or less at the end is not one: Daniel / Daniela are often two people."""
    short, long = sorted((a, b), key=len)
    if len(short) < 5:
        return False
    if len(long) == len(short) + 1:
        k = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
        doubled = k > 0 and long[k] == long[k - 1]
        return doubled and long[:k] + long[k + 1 :] == short
    if len(long) == len(short):
        diffs = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
    return False
