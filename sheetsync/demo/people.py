"""The network's people: names from its communities, look-alikes, and their contact details.

Everyone is fictional: phones are in the 555 exchange, emails on example.org/.com/.net.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter

from sheetsync.demo.build import Build, Person
from sheetsync.demo.data import COMMUNITIES, COMMUNITY_WEIGHTS, NICKNAMES
from sheetsync.demo.options import AVAILABILITY, CONTACT_PREFS, cum
from sheetsync.demo.truth import PairKind


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Phones are (area code) 555-line. 555-0100..0199 is reserved for fiction, so those go first;
# the rest of 555 is unassigned in practice and gives room for 100k+ people. Every number here
# passes phonenumbers.is_valid_number (tests/test_demo.py checks a sample).
AREA_CODES = _words("201 551 973 862 908 732 848 609 856 718 347 929 917 646 212 332")
LINES = tuple(
    f"{n:04d}"
    for n in itertools.chain(range(100, 200), range(200, 10_000), range(1, 100))
    if n != 1212
)
MAX_PEOPLE = len(AREA_CODES) * len(LINES)  # each person needs a phone number of their own
PHONE_FORMATS = (
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
_DOMAINS = ("example.org", "example.com", "example.net")
_EMAIL_PATTERNS = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}", "{f}.{l}{n}", "{l}.{f}", "{f}{n}")
_EMAIL_WEIGHTS = (30, 15, 15, 5, 15, 5, 15)


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative weights where earlier items are much commoner, as real names are."""
    return cum(1 / (r + 1) ** s for r in range(n))


_FIRST_CUM = [_zipf(len(c.first), c.first_skew) for c in COMMUNITIES]
_LAST_CUM = [_zipf(len(c.last), c.last_skew) for c in COMMUNITIES]


def make_people(build: Build) -> None:
    """Everyone in the network, named, with the households, nicknames and namesakes of mess."""
    build.people = _draw_people(build)
    namesake = _choose_lookalikes(build)
    _make_households(build)
    _make_nicknamed(build)
    _make_namesakes(build, namesake)


def _draw_people(build: Build) -> list[Person]:
    """Each person's community, zone and name."""
    rng, n = build.rng, build.size.people
    zone_weights = [rng.uniform(0.5, 1.5) for _ in build.zones]
    communities = rng.choices(range(len(COMMUNITIES)), weights=COMMUNITY_WEIGHTS, k=n)
    zones = rng.choices(build.zones, weights=zone_weights, k=n)
    people = [Person("", "", c, zone) for c, zone in zip(communities, zones, strict=True)]
    for c, com in enumerate(COMMUNITIES):  # draws in bulk: L has 100k+ people
        members = [p for p in people if p.community == c]
        firsts = rng.choices(com.first, cum_weights=_FIRST_CUM[c], k=len(members))
        lasts = rng.choices(com.last, cum_weights=_LAST_CUM[c], k=len(members))
        for p, first, last in zip(members, firsts, lasts, strict=True):
            p.first, p.last = first, last
    return people


def _choose_lookalikes(build: Build) -> int | None:
    """Pick households and the nicknamed among pure requesters; return the one with a namesake."""
    size = build.size
    # Requesters are people[:requesters], volunteers people[requesters - both:].
    pure_requesters = list(range(size.requesters - size.both))
    special = build.rng.sample(pure_requesters, len(pure_requesters))
    namesake = special.pop() if special else None
    build.households = [
        (special.pop(), special.pop())
        for _ in range(min(build.count("household", size.requesters), len(special) // 2))
    ]
    build.nicknamed = [
        special.pop() for _ in range(min(build.count("nickname", size.requests), len(special)))
    ]
    return namesake


def _make_households(build: Build) -> None:
    """The second of each household takes the first's surname, zone and community."""
    for a, b in build.households:
        pa, pb = build.people[a], build.people[b]
        pb.last, pb.zone, pb.community = pa.last, pa.zone, pa.community
        firsts = [f for f in COMMUNITIES[pa.community].first if f != pa.first]
        pb.first = build.rng.choice(firsts)


def _make_nicknamed(build: Build) -> None:
    """Those who resubmit under a nickname get a first name that has one."""
    for i in build.nicknamed:
        p = build.people[i]
        if p.first not in NICKNAMES:
            names = [f for f in COMMUNITIES[p.community].first if f in NICKNAMES]
            p.first = build.rng.choice(names or ["Robert"])


def _make_namesakes(build: Build, namesake: int | None) -> None:
    """A requester and an unrelated volunteer with one name: dedupe must keep them apart."""
    volunteers_only = range(build.size.requesters, build.size.people)
    if namesake is not None and volunteers_only:
        other = build.rng.choice(volunteers_only)
        pa, pb = build.people[namesake], build.people[other]
        pb.first, pb.last, pb.community = pa.first, pa.last, pa.community
        build.namesakes.append((namesake, other))


def add_contact_details(build: Build) -> None:
    """Each person's phone, email, languages, availability and contact preference."""
    rng, people, n = build.rng, build.people, len(build.people)
    slots = list(range(n))
    rng.shuffle(slots)
    phone_only, email_only = _phone_or_email_only(build)
    fmts = _phone_formats(build, email_only)
    availability = rng.choices(AVAILABILITY[0], cum_weights=AVAILABILITY[1], k=n)
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
            area, line = AREA_CODES[slot % len(AREA_CODES)], LINES[slot // len(AREA_CODES)]
            p.digits = f"{area}555{line}"
            p.phone = format_phone(p.digits, p.fmt)
        if i not in phone_only:
            p.email = _make_email(build, p, patterns[i], domains[i], used)
        p.languages = next(spoken[p.community])
        p.availability = availability[i]
        # Nobody asks to be emailed without giving an email, or called without a phone.
        p.contact_pref = (
            any_pref[i] if p.email and p.digits else (phone_pref[i] if p.digits else "Email")
        )
    for a, b in build.households:
        people[b].digits, people[b].languages = people[a].digits, people[a].languages
        people[b].phone = format_phone(people[b].digits, people[b].fmt)
    _leave_blank(build)


def _phone_or_email_only(build: Build) -> tuple[set[int], set[int]]:
    """Who gives only a phone and who only an email; households and the nicknamed give both."""
    n = len(build.people)
    keep_both = {i for pair in build.households for i in pair} | set(build.nicknamed)
    others = [i for i in range(n) if i not in keep_both]
    n_phone_only = build.count("phone_only", n)
    chosen = build.pick(others, n_phone_only + build.count("email_only", n))
    return set(chosen[:n_phone_only]), set(chosen[n_phone_only:])


def _phone_formats(build: Build, email_only: set[int]) -> list[int]:
    """How each person writes their phone: PHONE_FORMATS' first, unless there is mess."""
    n = len(build.people)
    fmts = [0] * n
    if build.mess:
        fmts = build.rng.choices(range(len(PHONE_FORMATS)), weights=_PHONE_FORMAT_WEIGHTS, k=n)
        with_phone = [i for i in range(n) if i not in email_only]
        for fmt, i in enumerate(build.pick(with_phone, len(PHONE_FORMATS))):
            fmts[i] = fmt  # every format at least once
    return fmts


def _make_email(build: Build, p: Person, pattern: int, domain: str, used: dict[str, int]) -> str:
    number = int(build.rng.random() * 90) + 10  # only some patterns use it
    local = _EMAIL_PATTERNS[pattern].format(
        f=ascii_name(p.first), l=ascii_name(p.last), i=ascii_name(p.first)[:1], n=number
    )
    email = f"{local}@{domain}"
    while email in used:  # a namesake already has it: number the local part
        used[email] += 1
        email = email.replace("@", f"{used[email]}@", 1)
    used[email] = 1
    return email


def _leave_blank(build: Build) -> None:
    """Optional answers some people skip on every form."""
    n = len(build.people)
    for kind, attr in (
        ("no_languages", "languages"),
        ("no_availability", "availability"),
        ("no_contact_pref", "contact_pref"),
    ):
        for i in build.pick(range(n), build.count(kind, n)):
            setattr(build.people[i], attr, "")


def pair_lookalikes(build: Build) -> None:
    """Record namesakes and households by their first rows, once requests and offers have them."""
    if build.namesakes:
        a, b = build.namesakes[0]
        build.pairs.append((*build.first_row[a], *build.first_row[b], PairKind.NAMESAKE))
    for a, b in build.households:
        build.pairs.append((*build.first_row[a], *build.first_row[b], PairKind.HOUSEHOLD))


_ASCII: dict[str, str] = {}
_NO_DECOMPOSITION = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "ß": "ss"})


def ascii_name(name: str) -> str:
    """A name as it goes into an email address: "Nadège Saint-Fleur" -> "nadege", "saintfleur"."""
    if name not in _ASCII:
        plain = unicodedata.normalize("NFKD", name.translate(_NO_DECOMPOSITION))
        plain = plain.encode("ascii", "ignore").decode()
        _ASCII[name] = "".join(ch for ch in plain.lower() if ch.isalnum()) or "friend"
    return _ASCII[name]


def format_phone(digits: str, fmt: int) -> str:
    """Ten digits written in one of PHONE_FORMATS."""
    return PHONE_FORMATS[fmt].format(a=digits[:3], e=digits[3:6], l=digits[6:])
