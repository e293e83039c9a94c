"""Labelled People records with the duplicates real intake forms produce, for dedupe tests.

`generate_contacts(n_rows, seed)` returns form-like contact rows and the truth behind them:
which person (`person`) and household (`household`) each row belongs to, and what kind of
duplicate it is (`kind`: "original", or the corruptions applied joined by "+", such as
"typo+phone_format"). The people are made up, but their phones are random valid US numbers
(no 555, which phonenumbers accepts but fiction overuses), so never call or text them.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import Generic, TypeVar

import pandas as pd
import phonenumbers
from rapidfuzz.distance import JaroWinkler

from sheetsync.demo.data import COMMUNITIES, COMMUNITY_WEIGHTS

COLUMNS = (
    "id",
    "name",
    "phone",
    "email",
    "address",
    "postcode",
    "zone",
    "person",
    "household",
    "kind",
)
TRUTH_COLUMNS = ("person", "household", "kind")
_Row = tuple[str, ...]  # one row's values in COLUMNS order, without the id


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


class Kind(StrEnum):
    """What a row is: the first sending, or a corruption a later sending shows."""

    ORIGINAL = "original"
    EXACT = "exact"  # sent again with the same answers
    NICKNAME = "nickname"
    TYPO = "typo"  # applied after NICKNAME, so a typo never hides which name it was
    ACCENTS = "accents"  # José typed Jose, or the other way
    CASE = "case"
    SWAPPED_NAMES = "swapped_names"
    PHONE_FORMAT = "phone_format"
    NEW_PHONE = "new_phone"
    MISSING_PHONE = "missing_phone"
    NEW_EMAIL = "new_email"
    GMAIL_VARIANT = "gmail_variant"  # dots moved or a +tag: the same Gmail inbox
    MISSING_EMAIL = "missing_email"
    MOVED = "moved"
    ADDRESS_FORMAT = "address_format"  # the same address written another way


# Relative weights of the corruptions; a kind that cannot apply to a person is skipped.
CORRUPTION_WEIGHTS = {
    Kind.EXACT: 6,
    Kind.TYPO: 16,
    Kind.NICKNAME: 24,
    Kind.ACCENTS: 16,
    Kind.CASE: 8,
    Kind.SWAPPED_NAMES: 6,
    Kind.PHONE_FORMAT: 14,
    Kind.NEW_PHONE: 7,
    Kind.MISSING_PHONE: 5,
    Kind.NEW_EMAIL: 8,
    Kind.GMAIL_VARIANT: 6,
    Kind.MISSING_EMAIL: 5,
    Kind.MOVED: 6,
    Kind.ADDRESS_FORMAT: 6,
}
# Two corruptions of one row never touch the same part of it.
_PART = {
    Kind.NICKNAME: "given",
    Kind.ACCENTS: "given",  # the nickname of José has no accent to drop
    Kind.PHONE_FORMAT: "phone",
    Kind.NEW_PHONE: "phone",
    Kind.MISSING_PHONE: "phone",
    Kind.NEW_EMAIL: "email",
    Kind.GMAIL_VARIANT: "email",
    Kind.MISSING_EMAIL: "email",
    Kind.MOVED: "address",
    Kind.ADDRESS_FORMAT: "address",
}
_NAME_CHANGES = {Kind.TYPO, Kind.NICKNAME, Kind.SWAPPED_NAMES}
_NO_CONTACT = {Kind.MISSING_PHONE, Kind.MISSING_EMAIL}  # a form needs one of the two


APPEARANCES = {1: 0.65, 2: 0.24, 3: 0.08, 4: 0.03}  # how many rows a person has
TWO_CORRUPTIONS = 0.35  # share of duplicate rows with two corruptions rather than one
HARD_SHARE = 0.02  # duplicate rows left with too little evidence for a person to tell
HOUSEHOLD_SIZES = {2: 0.55, 3: 0.25, 4: 0.13, 5: 0.07}
HOUSEHOLD_START = 0.11  # a new unit is a household: about 25% of people live in one
NAMESAKE_SHARE = 0.03  # new people given the full name of someone already there

# Rarer names after the demo network's, per community (same order as COMMUNITIES): without
# them nearly everyone at 100k rows would share their full name with someone.
_MORE_FIRST = (
    "Gary Larry Dennis Jerry Tyler Aaron Jose Adam Nathan Zachary Jeremy Sean Christian Austin "
    "Jordan Jesse Bryan Bruce Albert Joe Roger Terry Keith Carl Arthur Lawrence Dylan Jacob "
    "Logan Wayne Ralph Roy Louis Russell Bobby Philip Johnny Vincent Randy Howard Carol Sandra "
    "Donna Sharon Kimberly Cynthia Kathleen Amy Shirley Anna Brenda Pamela Nicole Helen "
    "Samantha Christine Debra Catherine Virginia Carolyn Janet Frances Heather Diane Joyce "
    "Victoria Kelly Christina Lauren Joan Judith Megan Cheryl Andrea Martha Gloria Teresa Sara "
    "Madison Kathryn Janice Jean Abigail Alice Judy Sophia Julia Marie Denise Amber Danielle "
    "Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Kayla Alexis Lori Tamika",
    "Adriana Alma Angélica Armando Arturo Blanca Cecilia Claudia Cristina Eduardo Elsa Emilio "
    "Enrique Ernesto Esteban Fabiola Felipe Gerardo Gloria Graciela Gustavo Hilda Hugo Irma "
    "Jaime Josefina Leticia Lorena Lourdes Luz Marco Mario Martín Mercedes Miriam Nicolás Norma "
    "Pablo Patricia Rafael Raquel Rebeca Roberto Rodrigo Rubén Salvador Sergio Silvia Susana "
    "Tomás Víctor Yolanda",
    "Bo Chun Dan Feng Gang Hua Jian Jiayi Kang Li Lian Na Qing Rong Shan Ting Wen Xia Yong Zhen",
    "An Binh Chau Cuong Diep Giang Ha Hanh Hien Hoang Kim Lien Loan Nga Nhung Phuc Son Thuy "
    "Tien Trinh Truc Uyen Vinh Xuan Yen",
    "Adel Ahmad Amal Amir Asma Bashir Farah Fadi Ghada Hadi Hamza Hiba Ismail Jamila Khaled "
    "Lina Majid Nadia Nasser Rami Reem Said Sana Suha Tamer Wafa Ziad",
    "Anne Carline Daphney Edeline Evens Gary Gerda Guirlande Jameson Jonas Judith Lovely "
    "Merline Nathalie Patrick Phanie Rolande Samuel Sonia Tania Vladimir Wesner Widline",
)
_MORE_LAST = (
    "Ross Henderson Coleman Perry Butler Barnes Fisher Simmons Patterson Jordan Reynolds "
    "Hamilton Graham Wallace West Cole Hayes Bryant Gibson Ellis Stevens Murray Ford Marshall "
    "Owens McDonald Harrison Kennedy Wells Alvarez Woods Mendez Castillo Olson Webb Hunter "
    "Hicks Palmer Robertson Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice Moreno "
    "Patel Ferguson Nichols Herrera Weaver Daniels Stephens Gardner Payne Kelley Dunn Pierce "
    "Arnold Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott Cunningham Knight "
    "Bradley Carroll Hudson Duncan Armstrong Berry Andrews Johnston Ray Lane Riley Carpenter "
    "Perkins Aguilar Silva Richards Willis Matthews Chapman Lawrence Garza Vargas Watkins "
    "Wheeler Larson Carlson Harper George Greene Burke Guzman Morrison Munoz Jacobs Lawson "
    "Franklin Lynch Bishop Carr Salazar Austin Mendoza Gilbert Jensen Williamson Montgomery "
    "Harvey Oliver Howell Dean Hanson Weber Garrett Sims Burton Fuller Soto McCoy Welch Chen "
    "Schultz Walters Reid Fields Walsh Little Fowler Bowman Davidson May Day Schneider Newman "
    "Brewer Lucas Holland Wong Banks Santos Curtis Pearson Delgado Valdez Rios Goldberg Cohen "
    "Levy Novak Romano Ricci Costa Fischer Weiss Nowak Wojcik Brennan Gallagher Doyle Quinn",
    "Acosta Aguirre Alvarado Ávila Benítez Cano Cervantes Contreras Cortés Domínguez Espinoza "
    "Estrada Fernández Figueroa Fuentes Gallegos Guzmán Ibarra Juárez Lara León Luna Maldonado "
    "Marín Márquez Mejía Miranda Molina Montoya Muñoz Navarro Orozco Pacheco Padilla Palacios "
    "Paredes Ríos Rosales Rosas Salazar Salinas Sandoval Serrano Silva Solís Suárez Trujillo "
    "Valdez Valencia Vega Velázquez Zamora",
    "Tang Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu "
    "Ding Ren Shen Yao Tam Leung Ho Yip",
    "Lam Mai Cao Trinh Dinh Luong Truong Lu Ton Quach Thai Ta Chau Kieu Vuong",
    "Bakri Barakat Bitar Daher Fakhoury Ghanem Habib Hijazi Issa Jaber Kassem Makki Malouf "
    "Nassar Obeid Sabri Shami Suleiman Tannous Yassin Zaher Zaki",
    "Altidor Bastien Bellamy Blanc Charlot Clerge Delva Duverne Exantus Fleurant Gedeon "
    "Hyppolite Jeune Lamour Moise Nelson Orelus Philogene Remy Simeon Thermidor Valcourt "
    "Vilsaint",
)

# Given names and the nicknames or other spellings the same person uses (Kind.NICKNAME).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Betty"),
    "Margaret": ("Peggy", "Maggie"),
    "Richard": ("Rick", "Dick"),
    "James": ("Jim", "Jimmy"),
    "Katherine": ("Kate", "Kathy"),
    "Michael": ("Mike",),
    "Jennifer": ("Jen", "Jenny"),
    "Patricia": ("Pat", "Patty", "Trish"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris",),
    "Joseph": ("Joe", "Joey"),
    "Daniel": ("Dan", "Danny"),
    "Deborah": ("Debbie", "Deb"),
    "Samuel": ("Sam",),
    "Rebecca": ("Becky",),
    "Anthony": ("Tony",),
    "Matthew": ("Matt",),
    "Steven": ("Steve",),
    "Gregory": ("Greg",),
    "Jonathan": ("Jon",),
    "Susan": ("Sue", "Susie"),
    "Barbara": ("Barb",),
    "Dorothy": ("Dot", "Dottie"),
    "Walter": ("Walt",),
    "Harold": ("Hal",),
    "Eugene": ("Gene",),
    "Jessica": ("Jess",),
    "Amanda": ("Mandy",),
    "Peter": ("Pete",),
    "Patrick": ("Pat",),
    "Evelyn": ("Evie",),
    "John": ("Johnny", "Jack"),
    "Lawrence": ("Larry",),
    "Judith": ("Judy",),
    "Catherine": ("Cathy", "Kate"),
    "Kathryn": ("Kathy", "Kate"),
    "Kathleen": ("Kathy", "Kate"),
    "Christina": ("Chris", "Tina"),
    "Christine": ("Chris", "Tina"),
    "Samantha": ("Sam",),
    "Victoria": ("Vicky", "Tori"),
    "Kimberly": ("Kim",),
    "Pamela": ("Pam",),
    "Cynthia": ("Cindy",),
    "Sandra": ("Sandy",),
    "Abigail": ("Abby",),
    "Vincent": ("Vince",),
    "Philip": ("Phil",),
    "Zachary": ("Zach",),
    "Nathan": ("Nate",),
    "Jacob": ("Jake",),
    "Arthur": ("Art",),
    "Russell": ("Russ",),
    "José": ("Pepe",),
    "Francisco": ("Paco", "Pancho"),
    "Guadalupe": ("Lupe",),
    "Alejandro": ("Alex",),
    "Alejandra": ("Ale",),
    "Jesús": ("Chuy",),
    "Ignacio": ("Nacho",),
    "Rosario": ("Charo",),
    "Antonio": ("Tony", "Toño"),
    "Manuel": ("Manny", "Manolo"),
    "Ricardo": ("Rico",),
    "Gabriela": ("Gaby",),
    "Santiago": ("Santi",),
    "Isabel": ("Isa", "Chabela"),
    "Beatriz": ("Bea",),
    "Teresa": ("Tere", "Terry"),
    "Lucía": ("Lucy",),
    "Javier": ("Javi",),
    "Mohammed": ("Mo", "Mohamed", "Muhammad"),
    "Youssef": ("Yusuf", "Yousef"),  # spellings count too: never two in one household
    "Abdullah": ("Abdul",),
    "Emmanuel": ("Manno",),
    "Jean-Claude": ("JC",),
}

ZONES: dict[str, tuple[str, ...]] = {
    "Northside": ("11206", "11211"),
    "Eastside": ("11207", "11208", "11239"),
    "Southside": ("11220", "11232"),
    "Westside": ("11231", "11215"),
    "Downtown": ("11201", "11217"),
    "Riverside": ("11222", "11249"),
    "Hillcrest": ("11213", "11216", "11233"),
    "Old Town": ("11225", "11226"),
}
AREA_CODES = ("718", "718", "718", "347", "929", "917", "646", "212", "332")
_PHONE_STYLES = (
    "({a}) {e}-{l}",
    "{a}-{e}-{l}",
    "{a}{e}{l}",
    "{a}.{e}.{l}",
    "+1 {a} {e} {l}",
    "+1 ({a}) {e}-{l}",
    "+1{a}{e}{l}",
    "1-{a}-{e}-{l}",
    "{a} {e} {l}",
    "1{a}{e}{l}",
)
_PHONE_STYLE_WEIGHTS = (30, 25, 18, 6, 6, 3, 4, 3, 3, 2)
_PROVIDERS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com")
_PROVIDER_WEIGHTS = (45, 16, 10, 10, 10, 5)
_EMAIL_PATTERNS = ("{g}.{f}", "{g}{f}", "{i}{f}", "{g}_{f}", "{g}.{f}{n}", "{f}.{g}", "{g}{n}")
_EMAIL_WEIGHTS = (25, 15, 15, 5, 15, 5, 20)
_GMAIL_TAGS = ("food", "aid", "mutualaid", "forms", "help")
_STREETS = _words(
    "Oak Maple Cedar Pine Elm Walnut Chestnut Willow Park Lake Hill River Spring Church Main "
    "Broad Market Union Franklin Washington Lincoln Jefferson Madison Adams Grant Highland "
    "Sunset Prospect Pleasant Ridge Valley Forest Garden Meadow Orchard Grove Center Mill "
    "Water Bridge Liberty Hope Fulton Atlantic Bedford Nostrand Myrtle Dekalb Halsey Gates "
    "Putnam Hancock Marcy Tompkins Throop Lewis Ralph Howard Saratoga Rockaway Pitkin Sutter"
)
_SUFFIXES = (("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Pl", "Place"))
_SUFFIX_WEIGHTS = (50, 35, 8, 7)
_ADDRESS_STYLES = 5  # see _Address.render
_ADDRESS_STYLE_WEIGHTS = (50, 20, 10, 10, 10)
# Keys next to each other on a QWERTY keyboard, for typos.
_NEIGHBOURS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        _words(
            "qwsz vghn xdfv serfcx wsdr drtgvc ftyhbv gyujnb ujko huikmn jiolm kop njk bhjm "
            "iklp ol wa edft awedxz rfgy yhji cfgb qase zsdc tghu asx"
        ),
        strict=True,
    )
)


T = TypeVar("T")


@dataclass(frozen=True)
class _Weighted(Generic[T]):
    """Options drawn with fixed weights; cumulative sums kept, as rng.choices would redo them."""

    options: tuple[T, ...]
    cum: tuple[float, ...]

    @classmethod
    def of(cls, weights: Mapping[T, float]) -> _Weighted[T]:
        return cls(tuple(weights), tuple(itertools.accumulate(weights.values())))

    def draw(self, rng: random.Random) -> T:
        return self.options[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _weighted(options: Sequence[T], weights: Sequence[float]) -> _Weighted[T]:
    return _Weighted.of(dict(zip(options, weights, strict=True)))


_APPEARANCES = _Weighted.of(APPEARANCES)
_HOUSEHOLD_SIZES = _Weighted.of(HOUSEHOLD_SIZES)
_CASE_HABITS = _Weighted.of({"title": 94, "upper": 3, "lower": 3})
_COMMUNITY = _weighted(range(len(COMMUNITIES)), COMMUNITY_WEIGHTS)
_PHONE_STYLE = _weighted(range(len(_PHONE_STYLES)), _PHONE_STYLE_WEIGHTS)
_EMAIL_PATTERN = _weighted(_EMAIL_PATTERNS, _EMAIL_WEIGHTS)
_PROVIDER = _weighted(_PROVIDERS, _PROVIDER_WEIGHTS)
_SUFFIX = _weighted(range(len(_SUFFIXES)), _SUFFIX_WEIGHTS)
_ADDRESS_STYLE = _weighted(range(_ADDRESS_STYLES), _ADDRESS_STYLE_WEIGHTS)


def generate_contacts(n_rows: int, seed: int = 0, region: str = "US") -> pd.DataFrame:
    """Contact rows as typed in forms, shuffled, with `person`, `household` and `kind` truth."""
    if region != "US":
        raise ValueError(f"Contacts can be generated for region 'US' only, not {region!r}.")
    with _gc_paused():
        rows = _Generator(random.Random(seed)).rows(n_rows)
    # Ids follow the shuffled order, so they say nothing about who is who.
    columns = [[f"R{i:06d}" for i in range(1, n_rows + 1)], *map(list, zip(*rows, strict=True))]
    if not rows:
        columns = [[] for _ in COLUMNS]
    return pd.DataFrame(dict(zip(COLUMNS, columns, strict=True)), dtype=object)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector: it rescans every live record and makes 100k rows 40% slower."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def true_pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    """Sorted id pairs of rows that are the same person."""
    return _pairs_within(frame, "person")


def household_pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    """Sorted id pairs of rows of different people who live in the same household."""
    return _pairs_within(frame, "household") - true_pairs(frame)


def _pairs_within(frame: pd.DataFrame, key: str) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for row_id, value in zip(frame["id"], frame[key], strict=True):
        groups[value].append(row_id)
    return {
        (a, b) if a < b else (b, a)
        for ids in groups.values()
        for a, b in itertools.combinations(ids, 2)
    }


@dataclass(frozen=True, slots=True)
class _Address:
    number: int
    street: str
    suffix: int  # index into _SUFFIXES
    unit: str  # "" for a house

    def render(self, style: int) -> str:
        """The street line in one of the ways people write it."""
        short, full = _SUFFIXES[self.suffix]
        street = f"{self.number} {self.street} {full if style == 1 else short}"
        if style == 3:
            street = street + "."
        unit = ""
        if self.unit:
            unit = (
                f" Apt {self.unit}",
                f", Apt {self.unit}",
                f" #{self.unit}",
                f" Apt. {self.unit}",
                f" Apt {self.unit}",
            )[style]
        line = street + unit
        return line.lower() if style == 2 else line.upper() if style == 4 else line


@dataclass(frozen=True, slots=True)
class _Draft:
    """One row's answers before they are typed out."""

    given: str
    family: str
    order: str  # "gf", "fg" (family first) or "f,g"
    case: str  # "title", "upper" or "lower"
    accents: bool  # types the name's accents
    digits: str  # ten digits, "" for no phone
    phone_style: int
    email: str
    address: _Address | None
    address_style: int
    postcode: str
    zone: str


@dataclass(slots=True)
class _Person:
    key: str
    household: str
    community: int
    usual: _Draft  # how they answer the first time
    others: tuple[str, ...] = ()  # given names of the rest of their household


class _Generator:
    """Builds people household by household, then the rows they send."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self.inboxes: set[str] = set()  # Gmail ignores dots: a.b@ and ab@ are one inbox
        self.homes: set[tuple[_Address, str]] = set()
        self.buildings: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
        self.singles: list[_Person] = []
        self.n_people = 0
        self.n_households = 0
        self.names = [
            (
                _zipf(c.first + _words(more_first), c.first_skew),
                _zipf(c.last + _words(more_last), c.last_skew),
            )
            for c, more_first, more_last in zip(COMMUNITIES, _MORE_FIRST, _MORE_LAST, strict=True)
        ]

    def rows(self, n_rows: int) -> list[_Row]:
        """Exactly n_rows rows (all columns but `id`), shuffled."""
        rows: list[_Row] = []
        while len(rows) < n_rows:
            for person in self.unit():
                count = _APPEARANCES.draw(self.rng)
                rows += self.person_rows(person, min(count, n_rows - len(rows)))
        self.rng.shuffle(rows)
        return rows

    # --- people ---

    def unit(self) -> list[_Person]:
        """A person living alone, or every member of a new household."""
        self.n_households += 1
        household = f"H{self.n_households:06d}"
        if self.rng.random() >= HOUSEHOLD_START:
            person = self.new_person(household, self.community(), self.zone())
            self.singles.append(person)
            return [person]
        return self.household(household, _HOUSEHOLD_SIZES.draw(self.rng))

    def household(self, key: str, size: int) -> list[_Person]:
        """People sharing a landline and/or a home, often a family name, never a given name."""
        rng = self.rng
        head = self.new_person(key, self.community(), self.zone())
        shares_phone = rng.random() < 0.6 and bool(head.usual.digits)
        shares_home = not shares_phone or rng.random() < 0.8
        shared_email = head.usual.email if rng.random() < 0.15 else ""
        members = [head]
        for _ in range(size - 1):
            first = head.usual.given[0] if rng.random() < 0.35 else ""
            given = self.household_given(head.community, [p.usual.given for p in members], first)
            family = head.usual.family if rng.random() < 0.8 else self.family(head.community)
            person = self.new_person(key, head.community, head.usual.zone, given, family)
            draft = person.usual
            if shares_phone and rng.random() < 0.85:
                draft = replace(draft, digits=head.usual.digits)
            if shares_home:
                draft = replace(draft, address=head.usual.address, postcode=head.usual.postcode)
            elif rng.random() < 0.6:
                draft = replace(draft, address=None)
            if shared_email and (rng.random() < 0.5 or not draft.email):
                draft = replace(draft, email=shared_email)
                shared_email = ""  # one other member uses it, as a parent uses a child's
            person.usual = draft
            members.append(person)
        for person in members:
            person.others = tuple(p.usual.given for p in members if p is not person)
        return members

    def household_given(self, community: int, taken: Sequence[str], first: str) -> str:
        """A given name clearly unlike the household's others, starting with `first` if it can."""
        for attempt in range(60):
            given = self.given(community)
            if first and attempt < 40 and not given.startswith(first):
                continue
            if not any(_alike(given, other) for other in taken):
                return given
        return self.given((community + 1) % len(COMMUNITIES))

    def new_person(
        self, household: str, community: int, zone: str, given: str = "", family: str = ""
    ) -> _Person:
        rng = self.rng
        if not given and self.singles and rng.random() < NAMESAKE_SHARE:
            namesake = rng.choice(self.singles).usual
            given, family = namesake.given, namesake.family
            zone = namesake.zone if rng.random() < 0.5 else zone
        given = given or self.given(community)
        family = family or self.family(community)
        has_phone = rng.random() < 0.93
        address = self.home(zone) if rng.random() < 0.92 else None
        far_east = COMMUNITIES[community].last_skew >= 0.8  # family name first is common
        draft = _Draft(
            given=given,
            family=family,
            order="fg" if far_east and rng.random() < 0.15 else "gf",
            case=_CASE_HABITS.draw(rng),
            accents=rng.random() < 0.6,
            digits=self.phone() if has_phone else "",
            phone_style=_PHONE_STYLE.draw(rng),
            email=self.email(given, family) if not has_phone or rng.random() < 0.82 else "",
            address=address,
            address_style=_ADDRESS_STYLE.draw(rng),
            postcode=rng.choice(ZONES[zone]) if rng.random() < 0.94 else "",
            zone=zone,
        )
        self.n_people += 1
        return _Person(f"P{self.n_people:06d}", household, community, draft)

    def community(self) -> int:
        return _COMMUNITY.draw(self.rng)

    def zone(self) -> str:
        return self.rng.choice(tuple(ZONES))

    def given(self, community: int) -> str:
        return self.names[community][0].draw(self.rng)

    def family(self, community: int) -> str:
        return self.names[community][1].draw(self.rng)

    def phone(self) -> str:
        """Ten digits nobody else has, valid for phonenumbers (no 555, no N11 exchanges)."""
        while True:
            area = self.rng.choice(AREA_CODES)
            exchange = self.rng.randrange(200, 1000)
            if exchange == 555 or exchange % 100 == 11:
                continue
            digits = f"{area}{exchange}{self.rng.randrange(10_000):04d}"
            if digits not in self.phones and _valid_prefix(digits[:6]):
                self.phones.add(digits)
                return digits

    def email(self, given: str, family: str, provider: str = "") -> str:
        """An address nobody else has, made from the name as people make theirs."""
        g, f = _handle(given), _handle(family)
        pattern = _EMAIL_PATTERN.draw(self.rng)
        provider = provider or _PROVIDER.draw(self.rng)
        number = self.rng.randrange(1, 100)
        local = pattern.format(g=g, f=f, i=g[:1], n=number)
        while _inbox(f"{local}@{provider}") in self.inboxes:
            number += self.rng.randrange(1, 50)
            local = f"{g}{f}{number}"
        self.inboxes.add(_inbox(f"{local}@{provider}"))
        return f"{local}@{provider}"

    def home(self, zone: str) -> _Address:
        """A home nobody else has: a house, or a flat in a building others may live in."""
        rng = self.rng
        while True:
            buildings = self.buildings[zone]
            if buildings and rng.random() < 0.35:
                number, street, suffix = rng.choice(buildings)
            else:
                number, street = rng.randrange(1, 3000), rng.choice(_STREETS)
                suffix = _SUFFIX.draw(rng)
                if rng.random() < 0.4:
                    buildings.append((number, street, suffix))
            unit = f"{rng.randrange(1, 12)}{rng.choice('ABCDEF')}" if rng.random() < 0.5 else ""
            address = _Address(number, street, suffix, unit)
            if (address, zone) not in self.homes:
                self.homes.add((address, zone))
                return address

    # --- rows ---

    def person_rows(self, person: _Person, count: int) -> list[_Row]:
        rows = [self.render(person, person.usual, [Kind.ORIGINAL])] if count else []
        for _ in range(count - 1):
            kinds, draft = self.corrupt(person, hard=self.rng.random() < HARD_SHARE)
            rows.append(self.render(person, draft, kinds))
        return rows

    def corrupt(self, person: _Person, hard: bool) -> tuple[list[Kind], _Draft]:
        """One or two corruptions leaving enough evidence to tell, or a hard case (`hard`)."""
        usual = person.usual
        kinds = self.hard_kinds(usual) if hard else self.pick_kinds(usual)
        draft = usual
        for kind in kinds:
            draft = self.apply(kind, draft, person)
        if hard or _evidence(usual, draft, kinds):
            return kinds, draft
        return self.corrupt(person, hard=False)

    def pick_kinds(self, usual: _Draft) -> list[Kind]:
        """One or two corruptions that apply and touch different parts of the row."""
        # Drawn with replacement: a repeat makes a set of one where two were wanted, redrawn.
        options = _corruptions(_traits(usual))
        while True:
            n = 1 + (self.rng.random() < TWO_CORRUPTIONS)
            kinds = sorted({options.draw(self.rng) for _ in range(n)}, key=_ORDER.__getitem__)
            if len(kinds) == n and _compatible(kinds):
                return kinds

    def hard_kinds(self, usual: _Draft) -> list[Kind]:
        """A new phone, a new or no email and a new home: only the name is left to go on."""
        kinds = [Kind.NEW_PHONE] if usual.digits else []
        if usual.email:
            missing = usual.digits and self.rng.random() < 0.3
            kinds.append(Kind.MISSING_EMAIL if missing else Kind.NEW_EMAIL)
        if usual.address is not None or self.rng.random() < 0.5:
            kinds.append(Kind.MOVED)
        return kinds

    def apply(self, kind: Kind, d: _Draft, person: _Person) -> _Draft:
        rng = self.rng
        match kind:
            case Kind.EXACT:
                return d
            case Kind.TYPO:
                return self.typo(d, person)
            case Kind.NICKNAME:
                return replace(d, given=rng.choice(NICKNAMES[d.given]))
            case Kind.ACCENTS:
                return replace(d, accents=not d.accents)
            case Kind.CASE:
                return replace(d, case=rng.choice([c for c in _CASES if c != d.case]))
            case Kind.SWAPPED_NAMES:
                return replace(d, order="f,g" if rng.random() < 0.3 else _SWAP[d.order])
            case Kind.PHONE_FORMAT:
                styles = [s for s in range(len(_PHONE_STYLES)) if s != d.phone_style]
                return replace(d, phone_style=rng.choice(styles))
            case Kind.NEW_PHONE:
                return replace(d, digits=self.phone())
            case Kind.MISSING_PHONE:
                return replace(d, digits="")
            case Kind.NEW_EMAIL:
                return replace(d, email=self.new_email(d))
            case Kind.GMAIL_VARIANT:
                return replace(d, email=self.gmail_variant(d.email))
            case Kind.MISSING_EMAIL:
                return replace(d, email="")
            case Kind.MOVED:
                zone = d.zone if rng.random() < 0.5 else self.zone()
                postcode = rng.choice(ZONES[zone]) if d.postcode else ""
                return replace(d, address=self.home(zone), zone=zone, postcode=postcode)
            case Kind.ADDRESS_FORMAT:
                styles = [s for s in range(_ADDRESS_STYLES) if s != d.address_style]
                return replace(d, address_style=rng.choice(styles))
        raise ValueError(f"{kind} is not a corruption.")

    def typo(self, d: _Draft, person: _Person) -> _Draft:
        """One slip of the keyboard in the given or family name, never turning into a housemate."""
        given_ok = len(d.given) > 3 and d.given not in _nicknames_used()
        on_given = given_ok and (len(d.family) <= 3 or self.rng.random() < 0.5)
        for _ in range(20):
            name = _slip(self.rng, d.given if on_given else d.family)
            if not on_given:
                return replace(d, family=name)
            if not any(_similarity(name, other) >= 0.85 for other in person.others):
                return replace(d, given=name)
        return replace(d, family=_slip(self.rng, d.family))

    def new_email(self, d: _Draft) -> str:
        """Another provider with the same handle, or a new handle."""
        local, _, provider = d.email.partition("@")
        if self.rng.random() < 0.5:
            others = [p for p in _PROVIDERS if p != provider]
            moved = f"{local}@{self.rng.choice(others)}"
            if _inbox(moved) not in self.inboxes:
                self.inboxes.add(_inbox(moved))
                return moved
        return self.email(d.given, d.family)

    def gmail_variant(self, email: str) -> str:
        """The same inbox: dots added or dropped, a +tag, or capitals."""
        local, _, provider = email.partition("@")
        roll = self.rng.random()
        if roll < 0.4:
            local = f"{local}+{self.rng.choice(_GMAIL_TAGS)}"
        elif "." in local:
            local = local.replace(".", "")
        else:
            cut = self.rng.randrange(1, len(local)) if len(local) > 1 else 1
            local = f"{local[:cut]}.{local[cut:]}"
        if roll > 0.85:
            return f"{local[:1].upper()}{local[1:]}@Gmail.com"
        return f"{local}@{provider}"

    def render(self, person: _Person, d: _Draft, kinds: Iterable[Kind]) -> _Row:
        """The row as the form stored it."""
        given = d.given if d.accents else _ascii(d.given)
        family = d.family if d.accents else _ascii(d.family)
        name = {"gf": f"{given} {family}", "fg": f"{family} {given}", "f,g": f"{family}, {given}"}
        text = name[d.order]
        text = text.upper() if d.case == "upper" else text.lower() if d.case == "lower" else text
        digits = d.digits
        style = _PHONE_STYLES[d.phone_style]
        return (  # in COLUMNS order, after id
            text,
            style.format(a=digits[:3], e=digits[3:6], l=digits[6:]) if digits else "",
            d.email,
            d.address.render(d.address_style) if d.address else "",
            d.postcode,
            d.zone,
            person.key,
            person.household,
            "+".join(kinds),
        )


_ORDER = {kind: i for i, kind in enumerate(Kind)}
_NOT_DECOMPOSED = str.maketrans("Đđ", "Dd")  # NFKD leaves the Vietnamese D with stroke
_CASES = ("title", "upper", "lower")
_SWAP = {"gf": "fg", "fg": "gf", "f,g": "gf"}


def _traits(d: _Draft) -> tuple[bool, ...]:
    """What decides which corruptions can show on a person's answers."""
    return (
        d.given in NICKNAMES,
        _ascii(d.given) != d.given or _ascii(d.family) != d.family,
        bool(d.digits),
        bool(d.email),
        d.email.endswith("@gmail.com"),
        d.address is not None,
    )


@lru_cache(maxsize=64)
def _corruptions(traits: tuple[bool, ...]) -> _Weighted[Kind]:
    """The corruptions that can show on answers with these traits, weighted."""
    nickname, accents, phone, email, gmail, address = traits
    can = {
        Kind.NICKNAME: nickname,
        Kind.ACCENTS: accents,
        Kind.PHONE_FORMAT: phone,
        Kind.NEW_PHONE: phone,
        Kind.NEW_EMAIL: email,
        Kind.GMAIL_VARIANT: gmail,
        Kind.MISSING_PHONE: phone and email,
        Kind.MISSING_EMAIL: phone and email,
        Kind.ADDRESS_FORMAT: address,
    }
    return _Weighted.of({k: w for k, w in CORRUPTION_WEIGHTS.items() if can.get(k, True)})


def _compatible(kinds: Sequence[Kind]) -> bool:
    """Corruptions of one row touch different parts of it; an exact copy has no other."""
    if len(kinds) > 1 and (Kind.EXACT in kinds or _NO_CONTACT.issubset(kinds)):
        return False
    return len({_PART.get(k, k) for k in kinds}) == len(kinds)


def _evidence(usual: _Draft, d: _Draft, kinds: Sequence[Kind]) -> bool:
    """Whether an organizer could tell: the same phone or inbox, or the name and the home."""
    if d.digits and d.digits == usual.digits:
        return True
    if d.email and _inbox(d.email) == _inbox(usual.email):
        return True
    name_kept = len(_NAME_CHANGES.intersection(kinds)) <= 1
    return name_kept and d.address is not None and d.address == usual.address


def _inbox(email: str) -> str:
    local, _, domain = email.lower().partition("@")
    local = local.partition("+")[0]
    return f"{local.replace('.', '')}@{domain}" if domain == "gmail.com" else f"{local}@{domain}"


def _slip(rng: random.Random, name: str) -> str:
    """The name with one insertion, deletion, substitution or transposition."""
    while True:
        i = rng.randrange(1, len(name)) if rng.random() < 0.85 else 0
        low = name[i].lower()
        near = _NEIGHBOURS.get(low, "e")
        op = rng.randrange(4)
        if op == 0:
            typed = name[:i] + rng.choice(near + low) + name[i:]
        elif op == 1 and len(name) > 2:
            typed = name[:i] + name[i + 1 :]
        elif op == 2:
            typed = name[:i] + rng.choice(near) + name[i + 1 :]
        else:
            j = min(i, len(name) - 2)
            typed = name[:j] + name[j + 1] + name[j] + name[j + 2 :]
        typed = typed[:1].upper() + typed[1:] if name[:1].isupper() else typed
        if typed != name and typed.lower() != name.lower():
            return typed


def _alike(a: str, b: str) -> bool:
    """Whether two given names could be taken for one (same, nicknames, or Jaro-Winkler ≥ 0.85)."""
    if a == b or a in NICKNAMES.get(b, ()) or b in NICKNAMES.get(a, ()):
        return True
    if set(NICKNAMES.get(a, ())) & set(NICKNAMES.get(b, ())):
        return True
    return _similarity(a, b) >= 0.85


@lru_cache(maxsize=65_536)
def _similarity(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(_ascii(a).lower(), _ascii(b).lower()))


@lru_cache(maxsize=1)
def _nicknames_used() -> frozenset[str]:
    return frozenset(itertools.chain.from_iterable(NICKNAMES.values()))


@lru_cache(maxsize=16_384)
def _ascii(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).translate(_NOT_DECOMPOSED)


def _handle(name: str) -> str:
    """A name as it goes into an email address: ASCII letters and hyphens."""
    return re.sub(r"[^a-z-]", "", _ascii(name).lower())


@lru_cache(maxsize=8192)
def _valid_prefix(prefix: str) -> bool:
    number = phonenumbers.parse(f"{prefix}2345", "US")
    return phonenumbers.is_valid_number(number)


def _zipf(names: Sequence[str], s: float) -> _Weighted[str]:
    """Names weighted so that earlier ones are commoner, as real names are."""
    return _weighted(names, [1 / (r + 1) ** s for r in range(len(names))])
