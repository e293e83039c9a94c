"""One generation run's working state, shared by the parts that draw people, rows and mess.

Every part draws from the run's one random generator, in a fixed order (responses.py), so a
seed always gives the same rows: a new draw, or a reordered one, changes every row after it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sheetsync.demo.sizes import NetworkSize
from sheetsync.demo.truth import FORMS, PairKind, Problem, Value

WINDOW = 56 * 86_400  # responses fall in the 8 weeks before `now`, in seconds

# Rates of each kind of mess (mess=True); every kind appears at least once.
RATES = {
    "same_answers": 0.01,
    "phone_format": 0.005,
    "nickname": 0.002,
    "household": 0.005,
    "missing": 0.003,
    "invalid_email": 0.002,
    "invalid_phone": 0.003,
    "formula": 0.01,
    "upper": 0.04,
    "lower": 0.04,
    "spaces": 0.04,
    "phone_only": 0.15,
    "email_only": 0.08,
    "no_details": 0.25,
    "no_languages": 0.08,
    "no_availability": 0.12,
    "no_contact_pref": 0.08,
    "no_car": 0.05,
    "no_hours": 0.05,
    "int_number": 0.2,
}


@dataclass(slots=True)
class Person:
    """Someone in the network, as they answer every form."""

    first: str
    last: str
    community: int
    zone: str
    digits: str = ""  # ten digits; "" when they give no phone
    phone: str = ""  # the phone as they usually write it
    fmt: int = 0
    email: str = ""
    languages: str = ""
    availability: str = ""
    contact_pref: str = ""
    t_request: int = 0  # seconds into the window of their first request
    t_offer: int = 0


@dataclass(slots=True)
class Draft:
    """A form response before the rows are put in time order."""

    t: int  # seconds into the window
    person: int
    values: dict[str, Value]


class Build:
    """One generation run: its random draws, people, draft rows and what the mess did to them."""

    def __init__(
        self, size: NetworkSize, now: datetime, zones: Sequence[str], rng: random.Random, mess: bool
    ) -> None:
        self.size = size
        self.start = now.replace(tzinfo=None, microsecond=0) - timedelta(seconds=WINDOW)
        self.zones = list(zones)
        self.rng = rng
        self.mess = mess
        self.people: list[Person] = []
        self.drafts: dict[str, list[Draft]] = {form: [] for form in FORMS}
        self.reserved: dict[str, set[int]] = {form: set() for form in FORMS}  # mess goes once
        self.first_row: dict[int, tuple[str, int]] = {}  # person -> their first draft
        self.invalid: list[tuple[str, int, str, Problem]] = []
        self.pairs: list[tuple[str, int, str, int, PairKind]] = []
        self.formula: list[tuple[str, int, str]] = []
        self.households: list[tuple[int, int]] = []  # people sharing a phone and surname
        self.nicknamed: list[int] = []  # people who send a request again under a nickname
        self.namesakes: list[tuple[int, int]] = []

    def count(self, kind: str, n: int) -> int:
        """How many of n items get this kind of mess: at least one, unless mess is off."""
        return min(n, max(1, round(RATES[kind] * n))) if self.mess and n else 0

    def pick(self, candidates: Sequence[int], k: int) -> list[int]:
        """k of the candidates (fewer when there are fewer), in random order."""
        return self.rng.sample(candidates, min(k, len(candidates)))


def one(rng: random.Random, options: Sequence[str]) -> str:
    """rng.choice, several times faster; the generator draws a few per row."""
    return options[int(rng.random() * len(options))]
