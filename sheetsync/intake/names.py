"""How well a response's name fits a name already known by the same phone or email.

A response attaches to a person only through a contact (never by name alone); the name then
decides which of the people known by that contact it is, or that it is someone new (a
household member sharing a landline or a family email). `name_fit` grades two folded names:
the same words in another order or spacing ("Zhang Wei" / "Wei Zhang", "李娜" / "李 娜"),
the same given name, a first name alone or a nickname ("Wei" for "Wei Zhang", "Bob" for
"Robert"), and a slip of the keyboard (Gerald / Geralld), which only counts when the phone
and the email both point to one person. Household members share a family name and often a
given name written in the other's middle ("José López" / "María José López"), so a family
name is only read as a given name when one name is the other written family first, and a
different given name needs the very same family name; Jr. and Sr. are two people.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

from sheetsync.dedupe.compare import GivenMatch, compare_given, name_slip
from sheetsync.dedupe.prepare import split_name


class Fit(IntEnum):
    """How well two names fit, best last; NONE: two people."""

    NONE = 0
    TYPO = 1  # a typo or short form of the given name: only with phone and email agreeing
    SIGNATURE = 2  # a nickname with the same family name, or a given name alone written
    # after the family name ("Wei" for "Zhang Wei")
    GIVEN = 3  # the same given name (alone, or with the family name the same or in part)
    ORDER = 4  # the same words in another order, or spaced another way
    SAME = 5


# A name read as (given name, family name words).
_Reading = tuple[str, tuple[str, ...]]


@lru_cache(maxsize=100_000)
def name_fit(a: str, b: str) -> Fit:
    """How well two folded names ("wei zhang", "wei") fit each other (cached: a contact's
    names are compared with each of its responses)."""
    if not a or not b:
        return Fit.NONE
    if a == b:
        return Fit.SAME
    (wa, suffix_a), (wb, suffix_b) = _words(a), _words(b)
    if not wa or not wb or _suffixes_differ(wa, suffix_a, wb, suffix_b):
        return Fit.NONE
    if "".join(wa) == "".join(wb) or _rotated(wa, wb):
        return Fit.ORDER
    if len(wa) == 1 or len(wb) == 1:
        single, other = (wa[0], wb) if len(wa) == 1 else (wb[0], wa)
        # A first name alone: given first ("Wei Zhang"), or family first ("Zhang Wei").
        return max(_given_fit(single, other[0]), min(_given_fit(single, other[-1]), Fit.SIGNATURE))
    # Both given name first, or one of them written family first ("Smith Bob" / "Robert
    # Smith"). Never both given name last: that reads the shared family name as the given
    # name, and the given names as family names ("José López" / "María José López").
    first_a, last_a = _readings(wa)
    first_b, last_b = _readings(wb)
    return max(
        _full_fit(first_a, first_b),
        _swapped_fit(first_a, last_b),
        _swapped_fit(last_a, first_b),
    )


def _words(name: str) -> tuple[list[str], str]:
    """A name's words without stray punctuation or a generational suffix, and the suffix
    (as dedupe reads it): "garcia, maria g." -> garcia, maria, g; "john smith jr." -> jr."""
    words = [w for w in (w.strip(".,;'\"()") for w in name.split()) if w]
    return [w for w in words if not _suffix(w)], split_name(name)[2]


def _suffix(word: str) -> str:
    """The generational suffix a word is ("jr", "sr", "ii"), or ""."""
    given, family, suffix = split_name(word)
    return "" if given or family else suffix


def _suffixes_differ(wa: list[str], suffix_a: str, wb: list[str], suffix_b: str) -> bool:
    """John Smith / John Smith Jr.: a father and a son. Stricter than dedupe's
    suffixes_differ, where a suffix written on one name only tells nothing: on a shared
    contact the father is the one who leaves it out. A given name alone carries none."""
    if suffix_a == suffix_b:
        return False
    return bool(suffix_a and suffix_b) or (len(wa) > 1 and len(wb) > 1)


def _rotated(wa: list[str], wb: list[str]) -> bool:
    """The same words, one name written family first: "Lopez Maria Jose" / "Maria Jose
    Lopez". Not any order: "Jose Maria Lopez" and "Maria Jose Lopez" are two people."""
    return len(wa) == len(wb) and any(wa[k:] + wa[:k] == wb for k in range(1, len(wa)))


def _readings(words: list[str]) -> tuple[_Reading, _Reading]:
    """(given, family words) with the given name first, then with it last."""
    return (words[0], tuple(words[1:])), (words[-1], tuple(words[:-1]))


def _full_fit(a: _Reading, b: _Reading) -> Fit:
    """Two full names' fit, both given name first: with the same given name, the family
    names agree (one may hold more words: a second family name, a middle name, or an
    initial); with another form of it (a nickname, a typo), the family names are the same."""
    (given_a, family_a), (given_b, family_b) = a, b
    fit = _given_fit(given_a, given_b)
    if fit is Fit.GIVEN:
        return fit if _families_agree(family_a, family_b) else Fit.NONE
    return fit if family_a == family_b else Fit.NONE


def _swapped_fit(a: _Reading, b: _Reading) -> Fit:
    """A name written family first against one written given name first: the same family
    name, a nickname or typo of the given name ("Smith Bob" / "Robert Smith"; the very same
    words are ORDER). A family name in part would read "López José" as "María José López"."""
    (given_a, family_a), (given_b, family_b) = a, b
    fit = _given_fit(given_a, given_b)
    return fit if family_a == family_b and fit is not Fit.GIVEN else Fit.NONE


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
    if match in (GivenMatch.TYPO, GivenMatch.SHORT) or _slip_of_same_letters(a, b):
        return Fit.TYPO
    return Fit.NONE


def _slip_of_same_letters(a: str, b: str) -> bool:
    """Dedupe's name_slip that brings no letter of its own: a letter typed twice (Gerald /
    Geralld) or two neighbours swapped (Gerald / Geradl), in names of five letters or more
    (compare_given calls the first a different ending). A letter changed or added is often
    another name: Maria / Marta, Maria / Marian."""
    return min(len(a), len(b)) >= 5 and set(a) == set(b) and name_slip(a, b)
