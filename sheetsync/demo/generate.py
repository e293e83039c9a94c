"""Deterministic, realistic responses to the three forms, for the demo, tests and benchmarks.

`generate(size, now=..., zones=...)` returns the responses of each form (dicts keyed by the
schema's field names, as Google Forms writes the cells) and the ground truth behind them:
who each row really is, which rows are deliberately invalid, which are duplicates of one
person, which are different people that look alike. Everyone is fictional: phones are in the
555 exchange, emails on example.org/.com/.net.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from sheetsync.demo.data import (
    CHECKIN_NOTES,
    COMMUNITIES,
    COMMUNITY_WEIGHTS,
    DETAILS,
    NICKNAMES,
    OFFERS_NOTES,
    VOLUNTEER_NOTES,
)

# A cell as Google Forms leaves it in the response tab.
Value = str | int | float | datetime

FORMS = ("requests", "offers", "checkins")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Options in the forms' own order (schemas/*.yaml); checkbox answers list them in this order.
CATEGORIES = (
    "Groceries",
    "Meals",
    "Medicine pickup",
    "Childcare",
    "Rides",
    "Translation",
    "Emotional support",
    "Tech help",
    "Benefits help",
    "Financial support",
    "Other",
)
URGENCIES = ("Today", "This week", "When someone can")
CONTACT_PREFS = ("Call", "Text", "Email", "WhatsApp", "Signal")
SLOTS = ("Weekday mornings", "Weekday afternoons", "Weekday evenings", "Weekends")
REQUEST_CONSENTS = ("Yes", "First name only", "No")
YES_NO = ("Yes", "No")
CHECKIN_STATUSES = ("Green – I have capacity", "Yellow – I'm stretched", "Red – I need a break")
# The schema leaves languages open; these are the demo form's checkbox options, in order.
LANGUAGES = ("English", "Spanish", "Chinese", "Vietnamese", "Arabic", "Haitian Creole")
# Free text a spreadsheet would take for a formula if written unescaped.
FORMULA_LIKE = (
    '=HYPERLINK("http://example.com","click")',
    "+1 more bag please",
    "-- call after 5",
    "@home most days",
)


@dataclass(frozen=True)
class NetworkSize:
    """How many people and form responses a generated network has."""

    name: str
    requesters: int  # people who ask for help
    volunteers: int  # people who offer help
    requests: int  # responses to the Request help form
    offers: int  # responses to the Offer help form
    checkins: int  # responses to the Weekly check-in form
    both: int = 0  # people counted in requesters and in volunteers

    @property
    def people(self) -> int:
        """Distinct people in the network."""
        return self.requesters + self.volunteers - self.both

    @property
    def responses(self) -> int:
        """Form responses in all."""
        return self.requests + self.offers + self.checkins


DEMO = NetworkSize(
    "demo", requesters=24, volunteers=22, both=6, requests=48, offers=24, checkins=48
)
SIZES: dict[str, NetworkSize] = {
    "S": NetworkSize(
        "S", requesters=16, volunteers=18, both=4, requests=30, offers=20, checkins=40
    ),
    "M": NetworkSize(
        "M", requesters=1_200, volunteers=300, both=60, requests=2_000, offers=330, checkins=900
    ),
    "L": NetworkSize(
        "L",
        requesters=90_000,
        volunteers=20_000,
        both=2_000,
        requests=100_000,
        offers=22_000,
        checkins=60_000,
    ),
}


class RowRef(NamedTuple):
    """A form response: its form ("requests", "offers", "checkins") and 0-based row index."""

    form: str
    row: int


class Problem(StrEnum):
    """Why a deliberately invalid row is invalid."""

    MISSING = "missing"  # a required answer is empty
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"


class Invalid(NamedTuple):
    """A deliberately invalid answer."""

    ref: RowRef
    field: str
    problem: Problem


class PairKind(StrEnum):
    """How two rows relate."""

    SAME_ANSWERS = "same_answers"  # one person sent the same form twice, identical answers
    PHONE_FORMAT = "phone_format"  # one person sent it again, phone written another way
    NICKNAME = "nickname"  # one person sent it again as "Bob" not "Robert": same email, no phone
    HOUSEHOLD = "household"  # two people sharing a phone and surname
    NAMESAKE = "namesake"  # two unrelated people with the same name


class Pair(NamedTuple):
    """Two rows, `first` above `second` when in one form."""

    first: RowRef
    second: RowRef
    kind: PairKind


@dataclass(frozen=True)
class Truth:
    """What the generated rows really are, for tests and benchmarks to score against."""

    person_ids: dict[str, list[int]]  # form -> the true person (0..people-1) behind each row
    invalid: list[Invalid]  # the only rows that break the schemas
    duplicates: list[Pair]  # deliberate resubmissions: each pair is one person
    households: list[Pair]  # each pair is two people
    namesakes: list[Pair]  # each pair is two people
    formula_like: list[tuple[RowRef, str]]  # (row, field) holding text from FORMULA_LIKE

    @property
    def invalid_rows(self) -> set[RowRef]:
        """The rows holding a deliberately invalid answer."""
        return {bad.ref for bad in self.invalid}

    @property
    def people(self) -> int:
        """Distinct people behind all rows."""
        return len({p for ids in self.person_ids.values() for p in ids})


@dataclass(frozen=True)
class GeneratedNetwork:
    """Form responses (form -> rows, oldest first) and the truth behind them."""

    responses: dict[str, list[dict[str, Value]]]
    truth: Truth


# Phones are (area code) 555-line. 555-0100..0199 is reserved for fiction, so those go first;
# the rest of 555 is unassigned in practice and gives room for 100k+ people. Every number here
# passes phonenumbers.is_valid_number (tests/test_demo.py checks a sample).
AREA_CODES = _words("201 551 973 862 908 732 848 609 856 718 347 929 917 646 212 332")
_LINES = tuple(
    f"{n:04d}"
    for n in itertools.chain(range(100, 200), range(200, 10_000), range(1, 100))
    if n != 1212
)
MAX_PEOPLE = len(AREA_CODES) * len(_LINES)  # each person needs a phone number of their own
_PHONE_FORMATS = (
    "({a}) {e}-{l}",
    "{a}-{e}-{l}",
    "{a}{e}{l}",
    "{a}.{e}.{l}",
    "+1 {a} {e} {l}",
    "+1{a}{e}{l}",
    "{a} {e} {l}",
    "1-{a}-{e}-{l}",
)
_PHONE_FORMAT_WEIGHTS = (30, 25, 18, 8, 7, 5, 4, 3)
_BAD_PHONES = ("555-12", "201-555-01", "555 0143", "12345")
_DOMAINS = ("example.org", "example.com", "example.net")
_EMAIL_PATTERNS = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}", "{f}.{l}{n}", "{l}.{f}", "{f}{n}")
_EMAIL_WEIGHTS = (30, 15, 15, 5, 15, 5, 15)
_WINDOW = 56 * 86_400  # responses fall in the 8 weeks before `now`, in seconds

# Rates of each kind of mess (mess=True); every kind appears at least once.
_RATES = {
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


def _cum(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative weights where earlier items are much commoner, as real names are."""
    return _cum(1 / (r + 1) ** s for r in range(n))


# Where each FORMULA_LIKE text is placed, in the same order.
_FORMULA_TARGETS = (
    ("requests", "details"),
    ("requests", "details"),
    ("checkins", "checkin_note"),
    ("offers", "volunteer_note"),
)


def _combos(
    options: Sequence[str], sizes: dict[int, float], weights: Sequence[float]
) -> tuple[list[str], list[float]]:
    """Every checkbox answer of the given sizes, in option order, with cumulative weights."""
    answers: list[str] = []
    probs: list[float] = []
    for k, share in sizes.items():
        combos = list(itertools.combinations(range(len(options)), k))
        raw = [math.prod(weights[i] for i in c) for c in combos]
        total = sum(raw)
        answers += [", ".join(options[i] for i in c) for c in combos]
        probs += [share * w / total for w in raw]
    return answers, _cum(probs)


_CATEGORY_WEIGHTS = (30, 14, 10, 6, 10, 6, 6, 5, 6, 8, 3)
_NEEDS = _combos(CATEGORIES, {1: 0.6, 2: 0.3, 3: 0.1}, _CATEGORY_WEIGHTS)
_OFFERS = _combos(CATEGORIES, {1: 0.25, 2: 0.3, 3: 0.25, 4: 0.12, 5: 0.08}, _CATEGORY_WEIGHTS)
_AVAILABILITY = _combos(SLOTS, {1: 0.5, 2: 0.35, 3: 0.15}, (5, 6, 8, 9))
_CAPACITIES = (0, 1, 2, 3, 4, 5, 6, 8, 10)
_CAPACITY_CUM = _cum((2, 25, 30, 20, 10, 8, 2, 2, 1))


@dataclass(slots=True)
class _Person:
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
class _Draft:
    t: int  # seconds into the window
    person: int
    values: dict[str, Value]


def generate(
    size: NetworkSize, *, now: datetime, zones: Sequence[str], seed: int = 7, mess: bool = True
) -> GeneratedNetwork:
    """The responses of a network of `size` in the 8 weeks before `now`, and their truth.

    `now` is network local time (an aware datetime's wall clock is used). With `mess`, rows
    hold what real forms collect: mixed phone formats and name case, resubmissions, households,
    empty optional answers, three kinds of invalid rows and formula-like text. Without it,
    every row is valid, fully answered and tidily written.
    """
    if not zones:
        raise ValueError("No zones: pass the network's neighbourhoods, e.g. zones=['Eastside'].")
    counts = (
        size.requesters,
        size.volunteers,
        size.both,
        size.requests,
        size.offers,
        size.checkins,
    )
    if min(counts) < 0 or size.both > min(size.requesters, size.volunteers):
        raise ValueError(f"{size}: counts must be >= 0 and both <= requesters and volunteers.")
    if size.requests < size.requesters or size.offers < size.volunteers:
        raise ValueError(f"{size}: each requester needs a request and each volunteer an offer.")
    if size.checkins and not size.volunteers:
        raise ValueError(f"{size}: check-ins come from volunteers; there are none.")
    if size.people > MAX_PEOPLE:
        raise ValueError(f"{size}: at most {MAX_PEOPLE} people get distinct phone numbers.")
    return _Builder(size, now, zones, random.Random(seed), mess).build()


def generate_responses(
    size: NetworkSize, *, now: datetime, zones: Sequence[str], seed: int = 7, mess: bool = True
) -> dict[str, list[dict[str, Value]]]:
    """Responses per form ("requests", "offers", "checkins"), keyed by field name, oldest first."""
    return generate(size, now=now, zones=zones, seed=seed, mess=mess).responses


class _Builder:
    """One generation run: people first, then each form's rows, then the mess, then order."""

    def __init__(
        self, size: NetworkSize, now: datetime, zones: Sequence[str], rng: random.Random, mess: bool
    ) -> None:
        self.size = size
        self.start = now.replace(tzinfo=None, microsecond=0) - timedelta(seconds=_WINDOW)
        self.zones = list(zones)
        self.rng = rng
        self.mess = mess
        self.people: list[_Person] = []
        self.drafts: dict[str, list[_Draft]] = {form: [] for form in FORMS}
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
        return min(n, max(1, round(_RATES[kind] * n))) if self.mess and n else 0

    def pick(self, candidates: Sequence[int], k: int) -> list[int]:
        return self.rng.sample(candidates, min(k, len(candidates)))

    def build(self) -> GeneratedNetwork:
        self.make_people()
        self.make_requests()
        self.make_offers()
        self.make_checkins()
        self.add_invalid()
        self.add_formulas()
        return self.finish()

    # People -------------------------------------------------------------------------------

    def make_people(self) -> None:
        size, rng = self.size, self.rng
        n = size.people
        zone_weights = [rng.uniform(0.5, 1.5) for _ in self.zones]
        communities = rng.choices(range(len(COMMUNITIES)), weights=COMMUNITY_WEIGHTS, k=n)
        zones = rng.choices(self.zones, weights=zone_weights, k=n)
        self.people = [_Person("", "", c, zone) for c, zone in zip(communities, zones, strict=True)]
        for c, com in enumerate(COMMUNITIES):  # draws in bulk: L has 100k+ people
            members = [p for p in self.people if p.community == c]
            firsts = rng.choices(com.first, cum_weights=_FIRST_CUM[c], k=len(members))
            lasts = rng.choices(com.last, cum_weights=_LAST_CUM[c], k=len(members))
            for p, first, last in zip(members, firsts, lasts, strict=True):
                p.first, p.last = first, last
        # Requesters are people[:requesters], volunteers people[requesters - both:].
        pure_requesters = list(range(size.requesters - size.both))
        special = rng.sample(pure_requesters, len(pure_requesters))
        namesake = special.pop() if special else None
        self.households = [
            (special.pop(), special.pop())
            for _ in range(min(self.count("household", size.requesters), len(special) // 2))
        ]
        self.nicknamed = [
            special.pop() for _ in range(min(self.count("nickname", size.requests), len(special)))
        ]
        for a, b in self.households:
            pa, pb = self.people[a], self.people[b]
            pb.last, pb.zone, pb.community = pa.last, pa.zone, pa.community
            firsts = [f for f in COMMUNITIES[pa.community].first if f != pa.first]
            pb.first = rng.choice(firsts)
        for i in self.nicknamed:
            p = self.people[i]
            if p.first not in NICKNAMES:
                names = [f for f in COMMUNITIES[p.community].first if f in NICKNAMES]
                p.first = rng.choice(names or ["Robert"])
        # A requester and an unrelated volunteer with one name: dedupe must keep them apart.
        volunteers_only = range(size.requesters, n)
        if namesake is not None and volunteers_only:
            other = rng.choice(volunteers_only)
            pa, pb = self.people[namesake], self.people[other]
            pb.first, pb.last, pb.community = pa.first, pa.last, pa.community
            self.namesakes.append((namesake, other))
        self.contact_details()

    def contact_details(self) -> None:
        rng, people, n = self.rng, self.people, len(self.people)
        slots = list(range(n))
        rng.shuffle(slots)
        keep_both = {i for pair in self.households for i in pair} | set(self.nicknamed)
        others = [i for i in range(n) if i not in keep_both]
        n_phone_only = self.count("phone_only", n)
        chosen = self.pick(others, n_phone_only + self.count("email_only", n))
        phone_only, email_only = set(chosen[:n_phone_only]), set(chosen[n_phone_only:])
        fmts = [0] * n
        if self.mess:
            fmts = rng.choices(range(len(_PHONE_FORMATS)), weights=_PHONE_FORMAT_WEIGHTS, k=n)
            with_phone = [i for i in range(n) if i not in email_only]
            for fmt, i in enumerate(self.pick(with_phone, len(_PHONE_FORMATS))):
                fmts[i] = fmt  # every format at least once
        availability = rng.choices(_AVAILABILITY[0], cum_weights=_AVAILABILITY[1], k=n)
        any_pref = rng.choices(CONTACT_PREFS, weights=(30, 35, 10, 20, 5), k=n)
        phone_pref = rng.choices(("Call", "Text", "WhatsApp", "Signal"), (30, 35, 20, 5), k=n)
        sizes = Counter(p.community for p in people)
        spoken = {
            c: iter(rng.choices(com.languages, weights=com.language_weights, k=sizes[c]))
            for c, com in enumerate(COMMUNITIES)
        }
        patterns = rng.choices(range(len(_EMAIL_PATTERNS)), weights=_EMAIL_WEIGHTS, k=n)
        domains = rng.choices(_DOMAINS, weights=(4, 4, 2), k=n)
        used: dict[str, int] = {}
        for i, p in enumerate(people):
            p.fmt = fmts[i]
            if i not in email_only:
                slot = slots[i]
                area, line = AREA_CODES[slot % len(AREA_CODES)], _LINES[slot // len(AREA_CODES)]
                p.digits = f"{area}555{line}"
                p.phone = _format_phone(p.digits, p.fmt)
            if i not in phone_only:
                p.email = self.make_email(p, patterns[i], domains[i], used)
            p.languages = next(spoken[p.community])
            p.availability = availability[i]
            # Nobody asks to be emailed without giving an email, or called without a phone.
            p.contact_pref = (
                any_pref[i] if p.email and p.digits else (phone_pref[i] if p.digits else "Email")
            )
        for a, b in self.households:
            people[b].digits, people[b].languages = people[a].digits, people[a].languages
            people[b].phone = _format_phone(people[b].digits, people[b].fmt)
        for kind, attr in (
            ("no_languages", "languages"),
            ("no_availability", "availability"),
            ("no_contact_pref", "contact_pref"),
        ):
            for i in self.pick(range(n), self.count(kind, n)):
                setattr(people[i], attr, "")

    def make_email(self, p: _Person, pattern: int, domain: str, used: dict[str, int]) -> str:
        number = int(self.rng.random() * 90) + 10  # only some patterns use it
        local = _EMAIL_PATTERNS[pattern].format(
            f=_ascii(p.first), l=_ascii(p.last), i=_ascii(p.first)[:1], n=number
        )
        email = f"{local}@{domain}"
        while email in used:  # a namesake already has it: number the local part
            used[email] += 1
            email = email.replace("@", f"{used[email]}@", 1)
        used[email] = 1
        return email

    # Forms --------------------------------------------------------------------------------

    def schedule(self, people: Sequence[int], total: int, attr: str) -> list[tuple[int, int]]:
        """(person, t): each person's first response, then `total - len` more at later times."""
        rng = self.rng
        out = []
        for i in people:
            t = int(rng.random() * _WINDOW)
            setattr(self.people[i], attr, t)
            out.append((i, t))
        for i in rng.choices(people, k=total - len(people)) if people else []:
            t0 = getattr(self.people[i], attr)
            out.append((i, t0 + int(rng.random() * (_WINDOW - t0))))
        return out

    def name(self, p: _Person, style: int) -> str:
        if style == 1:
            return f"{p.first} {p.last}".upper()
        if style == 2:
            return f"{p.first} {p.last}".lower()
        if style == 3:
            return (f"{p.first}  {p.last}", f" {p.first} {p.last}", f"{p.first} {p.last} ")[
                self.rng.randrange(3)
            ]
        return f"{p.first} {p.last}"

    def name_styles(self, n: int) -> list[int]:
        styles = [0] * n
        k = [self.count(kind, n) for kind in ("upper", "lower", "spaces")]
        rows = self.pick(range(n), sum(k))
        for style, lo, hi in ((1, 0, k[0]), (2, k[0], k[0] + k[1]), (3, k[0] + k[1], sum(k))):
            for i in rows[lo:hi]:
                styles[i] = style
        return styles

    def blanks(self, kind: str, n: int) -> set[int]:
        return set(self.pick(range(n), self.count(kind, n)))

    def make_requests(self) -> None:
        size, rng, people = self.size, self.rng, self.people
        n_same = self.count("same_answers", size.requests)
        n_phone = self.count("phone_format", size.requests)
        # Resubmissions are extra rows: a tiny custom size may leave room for fewer.
        spare = size.requests - size.requesters
        self.nicknamed = self.nicknamed[:spare]
        n_phone = min(n_phone, spare - len(self.nicknamed))
        n_same = min(n_same, spare - len(self.nicknamed) - n_phone)
        n_dups = n_same + n_phone + len(self.nicknamed)
        base = self.schedule(range(size.requesters), size.requests - n_dups, "t_request")
        n = len(base)
        needs = rng.choices(range(len(_NEEDS[0])), cum_weights=_NEEDS[1], k=n)
        urgency = rng.choices(URGENCIES, weights=(10, 45, 45), k=n)
        consent = rng.choices(REQUEST_CONSENTS, weights=(80, 12, 8), k=n)
        styles = self.name_styles(n)
        no_details = self.blanks("no_details", n)
        drafts = self.drafts["requests"]
        for row, (i, t) in enumerate(base):
            p = people[i]
            categories = _NEEDS[0][needs[row]]
            details = ""
            if row not in no_details:
                com = COMMUNITIES[p.community]
                details = (
                    _one(rng, com.details)
                    if com.details and rng.random() < 0.3
                    else _one(rng, DETAILS[categories.split(", ")[0]])
                )
            note = ""
            if rng.random() < (0.5 if i >= size.requesters - size.both else 0.1):
                note = _one(rng, OFFERS_NOTES)
            self.first_row.setdefault(i, ("requests", row))
            drafts.append(
                _Draft(
                    t,
                    i,
                    {
                        "timestamp": 0,
                        "name": self.name(p, styles[row]),
                        "phone": p.phone,
                        "email": p.email,
                        "zone": p.zone,
                        "categories": categories,
                        "details": details,
                        "urgency": urgency[row],
                        "languages": p.languages,
                        "contact_pref": p.contact_pref,
                        "availability": p.availability,
                        "consent": consent[row],
                        "offers_note": note,
                    },
                )
            )
        self.add_resubmissions(n_same, n_phone)

    def add_resubmissions(self, n_same: int, n_phone: int) -> None:
        rng, people, drafts = self.rng, self.people, self.drafts["requests"]
        reserved = self.reserved["requests"]
        for a, b in self.households:
            reserved.update((self.first_row[a][1], self.first_row[b][1]))
        plans: list[tuple[int, PairKind]] = [
            (self.first_row[i][1], PairKind.NICKNAME) for i in self.nicknamed
        ]
        reserved.update(row for row, _ in plans)
        free = [r for r in range(len(drafts)) if r not in reserved]
        same = self.pick(free, n_same)
        reserved.update(same)
        with_phone = [r for r in free if r not in reserved and people[drafts[r].person].digits]
        plans += [(r, PairKind.SAME_ANSWERS) for r in same]
        plans += [(r, PairKind.PHONE_FORMAT) for r in self.pick(with_phone, n_phone)]
        for row, kind in plans:
            original = drafts[row]
            p = people[original.person]
            values = dict(original.values)
            if kind is PairKind.SAME_ANSWERS:
                delta = rng.choice((rng.randint(40, 150), 86_400 + rng.randint(-3600, 3600)))
            else:
                delta = rng.randint(3600, 5 * 86_400)
            if kind is PairKind.PHONE_FORMAT:
                values["phone"] = _format_phone(p.digits, (p.fmt + rng.randint(1, 7)) % 8)
            elif kind is PairKind.NICKNAME:
                values["name"] = f"{NICKNAMES[p.first]} {p.last}"
                values["phone"] = ""
            if original.t + delta >= _WINDOW:  # keep the resubmission after, and before now
                original.t -= delta
            t = original.t + delta
            reserved.update((row, len(drafts)))
            self.pairs.append(("requests", row, "requests", len(drafts), kind))
            drafts.append(_Draft(t, original.person, values))

    def make_offers(self) -> None:
        size, rng, people = self.size, self.rng, self.people
        volunteers = range(size.requesters - size.both, size.people)
        base = self.schedule(volunteers, size.offers, "t_offer")
        n = len(base)
        offers = rng.choices(_OFFERS[0], cum_weights=_OFFERS[1], k=n)
        capacity = rng.choices(_CAPACITIES, cum_weights=_CAPACITY_CUM, k=n)
        car = rng.choices(YES_NO, weights=(35, 65), k=n)
        consent = rng.choices(YES_NO, weights=(90, 10), k=n)
        styles = self.name_styles(n)
        no_car, as_int = self.blanks("no_car", n), self.blanks("int_number", n)
        drafts = self.drafts["offers"]
        for row, (i, t) in enumerate(base):
            p = people[i]
            self.first_row.setdefault(i, ("offers", row))
            drafts.append(
                _Draft(
                    t,
                    i,
                    {
                        "timestamp": 0,
                        "name": self.name(p, styles[row]),
                        "phone": p.phone,
                        "email": p.email,
                        "zone": p.zone,
                        "offers": offers[row],
                        "languages": p.languages,
                        "availability": p.availability
                        if row < len(volunteers)
                        else rng.choices(_AVAILABILITY[0], cum_weights=_AVAILABILITY[1])[0],
                        # Google writes numbers as text; a sheet read unformatted gives an int.
                        "weekly_capacity": capacity[row] if row in as_int else str(capacity[row]),
                        "has_car": "" if row in no_car else car[row],
                        "volunteer_note": _one(rng, VOLUNTEER_NOTES) if rng.random() < 0.25 else "",
                        "consent": consent[row],
                    },
                )
            )
        if self.namesakes:
            a, b = self.namesakes[0]
            self.pairs.append((*self.first_row[a], *self.first_row[b], PairKind.NAMESAKE))
        for a, b in self.households:
            self.pairs.append((*self.first_row[a], *self.first_row[b], PairKind.HOUSEHOLD))

    def make_checkins(self) -> None:
        size, rng, people = self.size, self.rng, self.people
        n = size.checkins
        volunteers = range(size.requesters - size.both, size.people)
        who = self.checkin_times(volunteers, n)
        status = rng.choices(range(3), weights=(70, 22, 8), k=n)
        styles = self.name_styles(n)
        no_hours, as_int = self.blanks("no_hours", n), self.blanks("int_number", n)
        drafts = self.drafts["checkins"]
        for row, (i, t) in enumerate(who):
            p = people[i]
            lo, hi = ((2, 20), (1, 6), (0, 2))[status[row]]
            hours = lo + int(rng.random() * (hi - lo + 1))
            drafts.append(
                _Draft(
                    t,
                    i,
                    {
                        "timestamp": 0,
                        "name": self.name(p, styles[row]),
                        "phone": p.phone,
                        "email": p.email,
                        "checkin_status": CHECKIN_STATUSES[status[row]],
                        "checkin_hours": ""
                        if row in no_hours
                        else hours
                        if row in as_int
                        else str(hours),
                        "checkin_note": _one(rng, CHECKIN_NOTES) if rng.random() < 0.2 else "",
                    },
                )
            )

    def checkin_times(self, volunteers: range, n: int) -> list[tuple[int, int]]:
        """(person, t) of n check-ins: one a week at most, from keen volunteers more often."""
        rng, week = self.rng, 7 * 86_400
        slots: list[tuple[float, int, int]] = []
        for i in volunteers:
            keen = rng.random() ** 2 + 0.05
            t0 = self.people[i].t_offer
            for start in range(t0 // week * week, _WINDOW, week):
                t = max(start, t0)
                t += int(rng.random() * (start + week - t))
                # Efraimidis-Spirakis: the n largest keys are a weighted sample without replacement.
                slots.append((rng.random() ** (1 / keen), i, t))
        chosen = [(i, t) for _, i, t in heapq.nlargest(n, slots)]
        # More check-ins than volunteer-weeks (a custom size): some check in twice a week.
        for i in rng.choices(volunteers, k=n - len(chosen)) if volunteers else []:
            t0 = self.people[i].t_offer
            chosen.append((i, t0 + int(rng.random() * (_WINDOW - t0))))
        return chosen

    # Mess ---------------------------------------------------------------------------------

    def add_invalid(self) -> None:
        size, people = self.size, self.people
        requests, offers = self.drafts["requests"], self.drafts["offers"]
        taken = self.reserved["requests"]
        free = [r for r in range(len(requests)) if r not in taken]
        rows = self.pick(free, self.count("missing", size.requests))
        for k, row in enumerate(rows):
            field = ("zone", "urgency", "categories", "consent")[k % 4]
            requests[row].values[field] = ""
            self.invalid.append(("requests", row, field, Problem.MISSING))
        taken.update(rows)
        # The person's phone stays, so the email is the row's only problem.
        free = [r for r in free if r not in taken and people[requests[r].person].digits]
        for row in self.pick(free, self.count("invalid_email", size.requests)):
            p = people[requests[row].person]
            email = p.email or f"{_ascii(p.first)}@example.org"
            requests[row].values["email"] = email.replace("@", "@@")
            self.invalid.append(("requests", row, "email", Problem.INVALID_EMAIL))
            taken.add(row)
        free = [r for r in range(len(offers)) if people[offers[r].person].email]
        for k, row in enumerate(self.pick(free, self.count("invalid_phone", size.offers))):
            offers[row].values["phone"] = _BAD_PHONES[k % len(_BAD_PHONES)]
            self.invalid.append(("offers", row, "phone", Problem.INVALID_PHONE))
            self.reserved["offers"].add(row)

    def add_formulas(self) -> None:
        total = self.count("formula", self.size.responses)
        if self.mess:
            total = max(total, len(FORMULA_LIKE))
        targets: dict[tuple[str, str], list[int]] = {}
        for k in range(total):
            targets.setdefault(_FORMULA_TARGETS[k % 4], []).append(k % 4)
        for (form, field), texts in targets.items():
            drafts, taken = self.drafts[form], self.reserved[form]
            free = [r for r in range(len(drafts)) if r not in taken]
            for row, text in zip(self.pick(free, len(texts)), texts, strict=False):
                drafts[row].values[field] = FORMULA_LIKE[text]
                self.formula.append((form, row, field))
                taken.add(row)

    # Order --------------------------------------------------------------------------------

    def finish(self) -> GeneratedNetwork:
        responses: dict[str, list[dict[str, Value]]] = {}
        person_ids: dict[str, list[int]] = {}
        position: dict[str, list[int]] = {}
        for form, drafts in self.drafts.items():
            # sorted() is stable: rows with one timestamp keep the order they were drawn in.
            order = sorted(range(len(drafts)), key=[d.t for d in drafts].__getitem__)
            where = [0] * len(drafts)
            start = self.start
            for index, r in enumerate(order):
                where[r] = index
                drafts[r].values["timestamp"] = start + timedelta(0, drafts[r].t)
            position[form] = where
            responses[form] = [drafts[r].values for r in order]
            person_ids[form] = [drafts[r].person for r in order]

        def ref(form: str, row: int) -> RowRef:
            return RowRef(form, position[form][row])

        pairs: dict[PairKind, list[Pair]] = {kind: [] for kind in PairKind}
        for form_a, a, form_b, b, kind in self.pairs:
            first, second = sorted(
                (ref(form_a, a), ref(form_b, b)), key=lambda r: (FORMS.index(r.form), r.row)
            )
            pairs[kind].append(Pair(first, second, kind))
        truth = Truth(
            person_ids=person_ids,
            invalid=sorted(
                Invalid(ref(form, row), field, problem)
                for form, row, field, problem in self.invalid
            ),
            duplicates=sorted(
                pairs[PairKind.SAME_ANSWERS]
                + pairs[PairKind.PHONE_FORMAT]
                + pairs[PairKind.NICKNAME]
            ),
            households=sorted(pairs[PairKind.HOUSEHOLD]),
            namesakes=sorted(pairs[PairKind.NAMESAKE]),
            formula_like=sorted((ref(form, row), field) for form, row, field in self.formula),
        )
        return GeneratedNetwork(responses, truth)


_FIRST_CUM = [_zipf(len(c.first), c.first_skew) for c in COMMUNITIES]
_LAST_CUM = [_zipf(len(c.last), c.last_skew) for c in COMMUNITIES]
_ASCII: dict[str, str] = {}
_NO_DECOMPOSITION = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "ß": "ss"})


def _ascii(name: str) -> str:
    """A name as it goes into an email address: "Nadège Saint-Fleur" -> "nadege", "saintfleur"."""
    if name not in _ASCII:
        plain = unicodedata.normalize("NFKD", name.translate(_NO_DECOMPOSITION))
        plain = plain.encode("ascii", "ignore").decode()
        _ASCII[name] = "".join(ch for ch in plain.lower() if ch.isalnum()) or "friend"
    return _ASCII[name]


def _one(rng: random.Random, options: Sequence[str]) -> str:
    """rng.choice, several times faster; the generator draws a few per row."""
    return options[int(rng.random() * len(options))]


def _format_phone(digits: str, fmt: int) -> str:
    return _PHONE_FORMATS[fmt].format(a=digits[:3], e=digits[3:6], l=digits[6:])
