"""Contact records → comparable keys: folded names, E.164 phones, canonical emails, addresses."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish
import pandas as pd
import phonenumbers

from sheetsync.dedupe.dates import birth_key
from sheetsync.nicknames import formal_names
from sheetsync.normalize import fold

# Hyphens and apostrophes join: "Jean-Baptiste" is one name, "O'Brien" is "obrien".
_NOT_NAME = re.compile(r"[^\w\s]|[\d_]")
_NOT_WORD = re.compile(r"[^\w\s]|_")
# Generational suffixes tell a father from a son with the same name; titles tell nothing.
_SUFFIXES = {"jr": "jr", "junior": "jr", "sr": "sr", "senior": "sr", "ii": "ii", "iii": "iii"}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sra", "srta", "don", "dona", "mx"}
# Providers that deliver a.b+tag@ to ab@: dots only for Gmail, "+tags" for these.
_DOTS_IGNORED = {"gmail.com"}
_PLUS_TAGS = {
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "proton.me",
    "protonmail.com",
}
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
_ADDRESS_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "terrace": "ter",
    "highway": "hwy",
    "apartment": "apt",
    "unit": "apt",
    "suite": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "calle": "c",
    "avenida": "ave",
}


@dataclass
class Prepared:
    """Column lists of comparable keys, one entry per record, in the input's order."""

    ids: list[str]
    names: list[str]  # as given, for evidence
    given: list[str]  # folded first given name
    family: list[str]  # folded family name(s), space separated
    family_tokens: list[frozenset[str]]
    formal: list[frozenset[str]]  # formal names the given name may stand for
    suffix: list[str]
    phone: list[str]
    email: list[str]
    email_user: list[str]  # the part before @, for "same name at another provider"
    address: list[str]
    postcode: list[str]
    zone: list[str]
    birth: list[str]  # ISO YYYY-MM-DD, or "" when not a readable birth date
    # The 8 digits of a birth date that is not a date (19160017), else "": a slip apart from
    # another record's date, they still tell something.
    birth_digits: list[str] = field(default_factory=list)
    family_count: Counter[str] = field(default_factory=Counter)
    given_count: Counter[str] = field(default_factory=Counter)
    family_weights: dict[str, float] = field(default_factory=dict)  # memo of compare's
    # Emails used by people with different given names: a family's, not one person's.
    family_emails: set[str] = field(default_factory=set)
    # Set by households.py when the list has few households: why, in plain words; else "".
    few_households: str = ""

    def __len__(self) -> int:
        return len(self.ids)


def prepare(records: pd.DataFrame, region: str, today: dt.date | None = None) -> Prepared:
    """Normalise a frame of contact records (missing columns count as empty); `today` is
    the run's date, for two-digit years of birth (dates.birth_key)."""
    names, given, family, suffix = _split_names(records)
    emails = _keys(records, "email", email_key)
    prepared = Prepared(
        ids=_column(records, "id"),
        names=names,
        given=given,
        family=family,
        family_tokens=[frozenset(f.split()) for f in family],
        formal=[formal_names(g) if g else frozenset() for g in given],
        suffix=suffix,
        phone=_keys(records, "phone", _phone_normaliser(region)),
        email=emails,
        email_user=[e.partition("@")[0] for e in emails],
        address=_keys(records, "address", address_key),
        postcode=_keys(records, "postcode", _compact),
        zone=_keys(records, "zone", fold),
        birth=_keys(records, "birth_date", lambda raw: birth_key(raw, region, today)),
    )
    prepared.birth_digits = [
        _unreadable_date_digits(raw, iso)
        for raw, iso in zip(_column(records, "birth_date"), prepared.birth, strict=True)
    ]
    prepared.family_count = Counter(t for tokens in prepared.family_tokens for t in tokens)
    prepared.given_count = Counter(g for g in prepared.given if g)
    return prepared


def _unreadable_date_digits(raw: str, iso: str) -> str:
    """ "19160017", "1916-00-17": eight digits written like a date, that are not one."""
    digits = re.sub(r"\D", "", raw)
    return digits if not iso and len(digits) == 8 and digits[:2] in ("19", "20") else ""


def _column(records: pd.DataFrame, name: str) -> list[str]:
    """A column's values as text: "" for an empty cell (None, NaN) or a missing column."""
    if name not in records.columns:
        return [""] * len(records)
    return ["" if v is None or v != v else str(v) for v in records[name].tolist()]


def _keys(records: pd.DataFrame, name: str, key: Callable[[str], str]) -> list[str]:
    """The comparable key of each value of a column."""
    return [key(value) for value in _column(records, name)]


# Per record: the name as given (for evidence), and the folded given name, family name(s)
# and suffix.
_NameColumns = tuple[list[str], list[str], list[str], list[str]]


def _split_names(records: pd.DataFrame) -> _NameColumns:
    """Names from given_name and family_name columns when there are, else from name."""
    if "given_name" in records.columns or "family_name" in records.columns:
        return _split_given_and_family(
            _column(records, "given_name"), _column(records, "family_name")
        )
    return _split_full_names(_column(records, "name"))


def _split_given_and_family(given_names: list[str], family_names: list[str]) -> _NameColumns:
    """From two columns: the given name's first word, the family column's words, and a
    suffix from either."""
    names, given, family, suffix = [], [], [], []
    for g, f in zip(given_names, family_names, strict=True):
        names.append(f"{g} {f}".strip())
        gn, _, sx1 = split_name(g)
        fn_given, fn_family, sx2 = split_name(f)
        given.append(gn)
        family.append(" ".join(filter(None, [fn_given, fn_family])))
        suffix.append(sx1 or sx2)
    return names, given, family, suffix


def _split_full_names(raw_names: list[str]) -> _NameColumns:
    """From one column, as split_name reads it ("Family, Given" too)."""
    names, given, family, suffix = [], [], [], []
    for raw in raw_names:
        names.append(raw.strip())
        g, f, sx = split_name(raw)
        given.append(g)
        family.append(f)
        suffix.append(sx)
    return names, given, family, suffix


@lru_cache(maxsize=200_000)
def split_name(raw: str) -> tuple[str, str, str]:
    """(given, family, suffix), folded: "GARCÍA, María Elena" -> ("maria", "elena garcia", "")."""
    text = raw
    if "," in text:  # "Family, Given"
        family, _, given = text.partition(",")
        text = f"{given} {family}"
    words = _NOT_NAME.sub("", fold(text)).split()
    suffix = ""
    kept: list[str] = []
    for w in words:
        if w in _SUFFIXES:
            suffix = _SUFFIXES[w]
        elif kept or w not in _TITLES or len(words) <= 2:  # "Dr Ana Ruiz", not "Don Ruiz"
            kept.append(w)
    if not kept:
        return "", "", suffix
    return kept[0], " ".join(kept[1:]), suffix


def email_key(raw: str) -> str:
    """An address as its mailbox receives it: lower case; Gmail dots and +tags dropped.
    (normalize.normalize_email validates; this only compares, so it never raises.)"""
    text = raw.strip().casefold()
    user, at, domain = text.rpartition("@")
    if not at or not user or "." not in domain:
        return ""
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_TAGS:
        user = user.partition("+")[0]
    if domain in _DOTS_IGNORED:
        user = user.replace(".", "")
    return f"{user}@{domain}"


@lru_cache(maxsize=200_000)
def address_key(raw: str) -> str:
    """An address with common words abbreviated: "12 Main Street, Apt 3" -> "12 main st apt 3"."""
    words = _NOT_WORD.sub(" ", fold(raw).replace("#", " apt ")).split()
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in words)


def family_key(word: str) -> str:
    """A phonetic key of a family name, for blocking: "Smyth" and "Smith" share it."""
    return jellyfish.metaphone(word) or word


def _compact(text: str) -> str:
    return "".join(text.split()).casefold()


def _phone_normaliser(region: str) -> Callable[[str], str]:
    # Not normalize.normalize_phone: that one validates form answers. Here a number only
    # has to be possible, because even a mistyped number, typed twice, tells who came back.
    @lru_cache(maxsize=200_000)
    def phone_key(raw: str) -> str:
        text = raw.strip()
        if not text:
            return ""
        if text.startswith("+") and text[1:].isdigit():
            return text  # already E.164, as sheetsync's People tab holds phones
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return ""
        if not phonenumbers.is_possible_number(number):
            return ""
        return f"+{number.country_code}{number.national_number}"

    return phone_key
