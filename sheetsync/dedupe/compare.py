"""Score a pair of records: field by field, with weights and the evidence in plain words.

The weights are Fellegi–Sunter style log2 likelihood ratios, set by hand and tuned on the
labelled generator in bench/ (sheetsync_testkit.contacts_generator): agreement on a field
adds log2(m/u), disagreement subtracts. A family name's weight follows how common it is in
the data, so "Garcia" counts for less than "Oyelaran".

Two rules sit above the weights, because a false merge hides a person who asked for help:
- clearly different given names (not a nickname, short form, typo or swap) are two people,
  whatever else they share — a household sharing a phone, an address or an email;
- names that only nearly match (a nickname, a typo) link automatically only with personal
  evidence (the same email or birth date) or two shared contacts; otherwise organizers decide;
- two identifiers outrank a name quirk: the same phone and the same personal email link a
  name that differs only by a slip of the keyboard (Gerald/Geralld, Gerald/Geral), its order
  or its spacing (李娜 / 李 娜, De La Cruz / Delacruz) — never a gender ending (Daniel/Daniela);
- different birth dates (not a slip of one digit, or day and month swapped) are two people:
  never linked automatically, and a household when they share a contact (a father and son
  both "John Smith" at one address);
- on a list the households.py count finds few households in, what would be twins or a
  father and son elsewhere is one person whose data was typed over (`few_households_link`),
  said so in the evidence; different birth dates and Jr./Sr. stay two people there too.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import partial_ratio, ratio, token_set_ratio, token_sort_ratio

from sheetsync.dedupe.evidence import Said, Value

# GivenMatch, compare_given and name_slip are also read from here (intake, households).
from sheetsync.dedupe.given_names import GENDER_ENDINGS, name_match, transposed
from sheetsync.dedupe.given_names import GivenMatch as GivenMatch
from sheetsync.dedupe.given_names import compare_given as compare_given
from sheetsync.dedupe.given_names import name_slip as name_slip
from sheetsync.dedupe.prepare import Prepared
from sheetsync.translation import gettext_noop

LINK_WEIGHT = 11.0  # at or above: the same person, linked without asking
REVIEW_WEIGHT = 6.0  # at or above (and below LINK_WEIGHT): organizers decide
MAX_EMAIL_USERS = 30  # an email on more records than this is an organization's
RARE_FAMILY = 10  # a family name on this many records or fewer is rare in the list
KNOWN_NAME = 3  # a given name on this many records of the list is a name, not a slip


class Verdict(StrEnum):
    """What the comparison of two records concluded."""

    LINK = "link"
    REVIEW = "review"
    HOUSEHOLD = "household"  # different people sharing a phone, address or email
    DIFFERENT = "different"


_GIVEN_WEIGHT = {
    GivenMatch.SAME: 3.0,
    GivenMatch.NICKNAME: 3.0,
    GivenMatch.SHORT: 2.0,
    GivenMatch.TYPO: 2.0,
    GivenMatch.INITIAL: 1.0,
    GivenMatch.CLOSE: 0.5,
    GivenMatch.ENDING: 0.5,
    GivenMatch.MISSING: 0.0,
    GivenMatch.CLASH: -6.0,
}
# Given names that may belong to two people: never linked without organizers, never chained.
_UNSURE = (GivenMatch.CLASH, GivenMatch.ENDING, GivenMatch.CLOSE)
# Given names too unsure for personal evidence to link them.
_NOT_AGREEING = (*_UNSURE, GivenMatch.MISSING)
_SWAPPED_TEXT = Said(gettext_noop("given and family names swapped"))
_SPACING_TEXT = Said(gettext_noop("the same name spaced differently"))
# How the given names compare, in a pair's evidence ("same" says nothing there).
_FIRST_NAMES = {
    GivenMatch.NICKNAME: gettext_noop("first names: nickname"),
    GivenMatch.SHORT: gettext_noop("first names: short form"),
    GivenMatch.INITIAL: gettext_noop("first names: initial"),
    GivenMatch.TYPO: gettext_noop("first names: typo"),
    GivenMatch.CLOSE: gettext_noop("first names: close"),
    GivenMatch.ENDING: gettext_noop("first names: different endings"),
    GivenMatch.MISSING: gettext_noop("first names: missing"),
    GivenMatch.CLASH: gettext_noop("first names: clash"),
}
_FIRST_NAMES_SLIP = gettext_noop("first names: a slip of the keyboard")
# How the family names compare: made once, _family runs for every pair compared.
_SAME_FAMILY = Said(gettext_noop("same family name"))
_FAMILY_SPACED = Said(gettext_noop("family names spaced differently"))
_FAMILY_SHARED = Said(gettext_noop("a family name in common"))
_FAMILY_DIFFERENT = Said(gettext_noop("different family names"))


@dataclass(frozen=True)
class Comparison:
    """The outcome for one pair: weight, verdict, the 0–1 score shown, and the evidence."""

    weight: float
    verdict: Verdict
    evidence: tuple[str, ...]

    @property
    def score(self) -> float:
        """A 0–1 confidence: 0.05 at the review threshold, 0.95 at the link threshold."""
        middle = (LINK_WEIGHT + REVIEW_WEIGHT) / 2
        slope = math.log(19) / (LINK_WEIGHT - middle)
        return round(1 / (1 + math.exp(-slope * (self.weight - middle))), 2)

    @property
    def reason(self) -> str:
        return "; ".join(self.evidence)


def find_family_emails(p: Prepared) -> set[str]:
    """Emails that records of surely different people (by their names) have in common."""
    users: dict[str, list[int]] = {}
    for k, email in enumerate(p.email):
        if email and p.given[k]:
            users.setdefault(email, []).append(k)
    return {
        email
        for email, ks in users.items()
        if len(ks) > 1
        and (
            len(ks) > MAX_EMAIL_USERS
            or any(
                names_clash(p, i, j)
                and not slip_between(p, i, j)
                and not _named_after(p.email_user[i], p.given[i], p.given[j])
                for i, j in itertools.combinations(ks, 2)
            )
        )
    }


def _named_after(user: str, a: str, b: str) -> bool:
    """ "jessica.mendez52@" used by a Jessica and a "Jessic": an email named after the longer
    of two names an ending apart is that person's, and the shorter name a slip."""
    longest = max(len(a), len(b))
    letters = "".join(c for c in user if c.isalpha())
    return (
        longest >= 4
        and compare_given(a, b) is GivenMatch.ENDING
        and any(len(name) == longest and name in letters for name in (a, b))
    )


def births_differ(p: Prepared, i: int, j: int) -> bool:
    """Two birth dates not one slip apart: two people."""
    a, b = p.birth[i], p.birth[j]
    return bool(a and b and a != b and not _one_slip(a, b) and not _day_and_month_swapped(a, b))


def names_clash(p: Prepared, i: int, j: int) -> bool:
    """Whether two records may not join one cluster without organizers: their given names
    clash, are only close (Mario/Margo) or one letter longer (Daniel/Daniela), or Jr./Sr."""
    if suffixes_differ(p, i, j):
        return True
    if typed_over(p, i, j):
        return False
    given = compare_given(p.given[i], p.given[j])
    if given not in _UNSURE or _swapped(p, i, j) or _spaced_alike(p, i, j):
        return False
    personal = two_identifiers(p, i, j) or bool(p.birth[i] and p.birth[i] == p.birth[j])
    return not (personal and slip_between(p, i, j))


def typed_over(p: Prepared, i: int, j: int) -> bool:
    """On a list with few households (households.py): the same birth date at the same
    address, whatever the names (two people of one home born the same day are twins, and the
    list has few families); or the same birth date in the same postcode (or under a rare
    family name) with one name agreeing — the given name, or the family name (nearly) in
    either place — or the whole name left out: one person whose name was typed over. Never
    Jr./Sr."""
    if not p.few_households or suffixes_differ(p, i, j):
        return False
    if not (p.birth[i] and p.birth[i] == p.birth[j]):
        return False
    if same_home(p, i, j) or _near_home(p, i, j):
        return True
    same_postcode = bool(p.postcode[i] and p.postcode[i] == p.postcode[j])
    return (same_postcode or _rare_family_shared(p, i, j)) and _a_name_agrees(p, i, j)


def _a_name_agrees(p: Prepared, i: int, j: int) -> bool:
    """Given names that do not clash, or the family name (nearly) in either place (a swapped
    name with the other part typed over), or a record without any name."""
    if not (p.given[i] or p.family[i]) or not (p.given[j] or p.family[j]):
        return True  # a record without a name: the name left out
    if compare_given(p.given[i], p.given[j]) not in (GivenMatch.CLASH, GivenMatch.MISSING):
        return True
    words_i = {w for w in (p.given[i], *p.family_tokens[i]) if w}
    words_j = {w for w in (p.given[j], *p.family_tokens[j]) if w}
    return any(
        JaroWinkler.normalized_similarity(a, b) >= 0.85
        for a, b in itertools.product(words_i, words_j)
        if a in p.family_tokens[i] or b in p.family_tokens[j]
    )


def _same_name_home(p: Prepared, i: int, j: int, names: _Names) -> bool:
    """On a list with few households: given names that do not clash (or one name alone, as
    "Felicity" / "Felicity Pulford") and family names alike, at one address, birth dates
    not differing — one person, not a father and a son both John Smith, nor a brother and a
    sister (a list with few households holds few of those). Never Jr./Sr."""
    if not p.few_households or suffixes_differ(p, i, j) or births_differ(p, i, j):
        return False
    if not (same_home(p, i, j) or _near_home(p, i, j)):
        return False
    return _names_alike(p, i, j, names)


def _names_alike(p: Prepared, i: int, j: int, names: _Names) -> bool:
    """Given names that do not clash and family names alike, or one name alone on either
    side ("Felicity" / "Felicity Pulford")."""
    if names.given is GivenMatch.CLASH:
        return False
    one_alone = not (p.family[i] and p.family[j]) and names.given is GivenMatch.SAME
    return names.family_weight >= 1.0 or one_alone


def _same_name_and_birth(p: Prepared, i: int, j: int, names: _Names) -> bool:
    """On a list with few households: names alike and the same birth date (or the very same
    name and birth dates a slip apart), wherever each lives — one person who moved or whose
    address was typed over. Never Jr./Sr."""
    if not p.few_households or suffixes_differ(p, i, j) or not p.birth[i] or not p.birth[j]:
        return False
    if p.birth[i] != p.birth[j]:
        same_name = (p.given[i], p.family[i]) == (p.given[j], p.family[j])
        if not (same_name and not births_differ(p, i, j)):
            return False
    return _names_alike(p, i, j, names)


def few_households_link(p: Prepared, i: int, j: int, names: _Names) -> bool:
    """The links a list with few households allows beyond the weights (households.py)."""
    return (
        typed_over(p, i, j)
        or _same_name_home(p, i, j, names)
        or _same_name_and_birth(p, i, j, names)
    )


def _rare_family_shared(p: Prepared, i: int, j: int) -> bool:
    """The same family name, one that few records of the list hold (RARE_FAMILY at most):
    with the same birth date, a coincidence is unlikely wherever each lives."""
    a = p.family[i]
    return bool(a) and a == p.family[j] and max(p.family_count[t] for t in a.split()) <= RARE_FAMILY


def _lone_word_as_family(p: Prepared, i: int, j: int) -> tuple[str, str, str, str]:
    """Given and family names of i and j; on a list with few households, a name of one word
    that is the other record's family name is read as a family name, the given name left out
    ("Donaldson" / "Matthew Donaldson")."""
    given_i, family_i, given_j, family_j = p.given[i], p.family[i], p.given[j], p.family[j]
    if p.few_households:
        if not family_i and family_j and given_i == family_j:
            given_i, family_i = "", given_i
        elif not family_j and family_i and given_j == family_i:
            given_j, family_j = "", given_j
    return given_i, family_i, given_j, family_j


def same_home(p: Prepared, i: int, j: int) -> bool:
    """The same street address, or two written alike."""
    a, b = p.address[i], p.address[j]
    return bool(a and b and (a == b or _addresses_alike(a, b)))


def _near_home(p: Prepared, i: int, j: int) -> bool:
    """ "117 william webb dr" / "171 william webb dr": house numbers one slip apart, the
    rest alike. Only on a list with few households: in a city, those are neighbours."""
    a, b = p.address[i].split(" ", 1), p.address[j].split(" ", 1)
    if len(a) < 2 or len(b) < 2 or not (a[0].isdigit() and b[0].isdigit()) or a[0] == b[0]:
        return False
    rest_a, rest_b = a[1].replace(" ", ""), b[1].replace(" ", "")
    return OSA.distance(a[0], b[0]) == 1 and ratio(rest_a, rest_b) >= 90


def two_identifiers(p: Prepared, i: int, j: int) -> bool:
    """The same phone and the same email, not a family's: one person's two identifiers."""
    return bool(
        p.phone[i]
        and p.phone[i] == p.phone[j]
        and p.email[i]
        and p.email[i] == p.email[j]
        and p.email[i] not in p.family_emails
    )


def _spaced_alike(p: Prepared, i: int, j: int) -> bool:
    """ "李娜" / "李 娜", "Mary Ann" / "Maryann": the same letters, spaced otherwise."""
    a = (p.given[i] + p.family[i]).replace(" ", "")
    b = (p.given[j] + p.family[j]).replace(" ", "")
    return bool(a) and a == b and (p.given[i], p.family[i]) != (p.given[j], p.family[j])


def slip_between(p: Prepared, i: int, j: int) -> bool:
    """The given names of i and j one slip of the keyboard apart (name_slip), unless the two
    records share a birth date and both spellings are names the list holds several times
    (KNOWN_NAME): Jean and Joan born the same day are twins, not one name typed wrong."""
    a, b = p.given[i], p.given[j]
    if not name_slip(a, b):
        return False
    twins = bool(p.birth[i] and p.birth[i] == p.birth[j])
    return not (twins and min(p.given_count[a], p.given_count[b]) >= KNOWN_NAME)


def suffixes_differ(p: Prepared, i: int, j: int) -> bool:
    """Jr. and Sr. (or II and III): a father and a son with the same name."""
    return bool(p.suffix[i] and p.suffix[j] and p.suffix[i] != p.suffix[j])


def _swapped(p: Prepared, i: int, j: int) -> bool:
    """ "Smith John" / "John Smith" (or "Smith Johnny"): given and family typed the other way."""
    if not (p.given[i] and p.given[j] and p.family[i] and p.family[j]):
        return False
    cross = (name_match(p.given[i], p.family[j]), name_match(p.family[i], p.given[j]))
    # both parts alike, or one the same and the other close ("Vega Teresa" / "Teresa Cega")
    return min(cross) >= 2 or (max(cross) == 3 and min(cross) >= 1)


def _family(p: Prepared, i: int, j: int) -> tuple[float, str]:
    a, b = p.family[i], p.family[j]
    if not a or not b:
        return 0.0, ""
    if a == b:
        return _common_name_weight(p, a), _SAME_FAMILY
    if a.replace(" ", "") == b.replace(" ", ""):  # "de la cruz" / "delacruz"
        return min(_common_name_weight(p, a), 3.5), _FAMILY_SPACED
    if p.family_tokens[i] & p.family_tokens[j]:
        shared = min(p.family_tokens[i] & p.family_tokens[j])
        return min(_common_name_weight(p, shared), 3.5), _FAMILY_SHARED
    similarity = JaroWinkler.normalized_similarity(a, b)
    if similarity >= 0.92:
        return 2.5, Said(gettext_noop("family names close (%(similarity)s)"), similarity=similarity)
    if similarity >= 0.85:
        alike = gettext_noop("family names somewhat alike (%(similarity)s)")
        return 1.0, Said(alike, similarity=similarity)
    return -3.0, _FAMILY_DIFFERENT


def _common_name_weight(p: Prepared, family: str) -> float:
    """log2(m/u) for agreeing on this family name: rarer names are stronger evidence."""
    weight = p.family_weights.get(family)
    if weight is None:
        count = max(1, min(p.family_count[t] for t in family.split()))
        weight = p.family_weights[family] = min(4.5, max(2.0, math.log2(0.9 * len(p) / count)))
    return weight


def compare(p: Prepared, i: int, j: int, explain: bool = False) -> Comparison:
    """Compare records i and j of a prepared set. The evidence names the names only when
    the pair is not plainly different, or when asked to `explain`."""
    evidence: list[str] = []
    # Each part adds its own weight, in this order: floats summed in another order could
    # round differently, and a pair's weight decides its verdict and its rank in clusters.
    weight, shared, personal, agreed = _contact_evidence(p, i, j, evidence)
    names = _compare_names(p, i, j)
    weight += _GIVEN_WEIGHT[names.given] + names.family_weight
    address_weight, address_agrees = _address_evidence(p, i, j, evidence)
    weight += address_weight
    weight += _place_evidence(p, i, j, evidence)
    birth = _birth_evidence(p, i, j, evidence)
    weight += birth.weight

    facts = _Facts(
        given=names.given,
        swapped=names.swapped,
        family_differs=names.family_weight < 0,
        family_agrees=names.family_weight > 0,
        shared=shared + address_agrees,
        personal=personal or birth.same,
        personal_email=personal,
        same_birth=birth.same,
        same_address=bool(address_agrees),
        agreed=agreed + address_agrees + birth.agrees,
        birth_differs=birth.differs,
        slip=names.slip,
    )
    verdict = _verdict(p, i, j, weight, facts)
    if verdict is not Verdict.LINK and few_households_link(p, i, j, names):
        verdict = Verdict.LINK
        evidence.append(p.few_households)
    if explain or verdict is not Verdict.DIFFERENT:  # most pairs compared are different
        evidence.insert(0, _names_evidence(p, i, j, names.given, names.family_text))
    return Comparison(weight=weight, verdict=verdict, evidence=tuple(evidence))


def _contact_evidence(
    p: Prepared, i: int, j: int, evidence: list[str]
) -> tuple[float, int, bool, int]:
    """Phone and email: the weight, and the shared, personal and agreed counts `_Facts` holds."""
    weight = 0.0
    shared = 0
    personal = False
    agreed = 0
    if p.phone[i] and p.phone[j]:
        if p.phone[i] == p.phone[j]:
            weight += 6.0
            evidence.append(gettext_noop("same phone"))
            agreed += 1
            shared += 1  # a household may share a phone
        else:
            weight -= 3.5
            evidence.append(gettext_noop("different phones"))
    email = p.email[i]
    if email and p.email[j]:
        if email == p.email[j]:
            weight += 7.0
            evidence.append(gettext_noop("same email"))
            agreed += 1
            # A family's email is shared like a landline; one person's is personal.
            if email in p.family_emails:
                shared += 1
            else:
                personal = True
        elif len(p.email_user[i]) >= 5 and p.email_user[i] == p.email_user[j]:
            # Neutral: people with the same name often pick the same handle.
            evidence.append(gettext_noop("same email name at another provider"))
        else:
            weight -= 2.5
            evidence.append(gettext_noop("different emails"))
    return weight, shared, personal, agreed


class _Names(NamedTuple):
    """How the names of two records compare."""

    given: GivenMatch
    swapped: bool  # given and family names typed the other way round
    family_weight: float
    family_text: str
    slip: bool = False  # given names one slip of the keyboard apart (Gerald/Geralld)


def _compare_names(p: Prepared, i: int, j: int) -> _Names:
    """The given names' match and the family names' weight, read as swapped when that is
    what makes them agree."""
    given_i, family_i, given_j, family_j = _lone_word_as_family(p, i, j)
    if (given_i, family_i) != (p.given[i], p.family[i]) or (given_j, family_j) != (
        p.given[j],
        p.family[j],
    ):
        return _Names(GivenMatch.MISSING, False, _common_name_weight(p, family_i), "")
    given = compare_given(p.given[i], p.given[j])
    if given is not GivenMatch.SAME and _spaced_alike(p, i, j):
        family = (p.given[i] + p.family[i]).replace(" ", "")
        return _Names(GivenMatch.SAME, False, _common_name_weight(p, family), _SPACING_TEXT)
    family_weight, family_text = _family(p, i, j)
    if (given is GivenMatch.CLASH or family_weight < 0) and _swapped(p, i, j):
        return _swapped_names(p, i, j)
    slip = given is not GivenMatch.SAME and slip_between(p, i, j)
    return _Names(given, False, family_weight, family_text, slip)


def _swapped_names(p: Prepared, i: int, j: int) -> _Names:
    """ "Smith John" / "John Smith" weighs as the same name, "Smith Johnny" as a typo. Which
    word is the family name is not known: the commoner's weight, whichever record is first."""
    if p.given[i] == p.family[j] and p.family[i] == p.given[j]:
        weight = min(_common_name_weight(p, p.given[i]), _common_name_weight(p, p.given[j])) - 0.5
        return _Names(GivenMatch.SAME, True, weight, _SWAPPED_TEXT)
    return _Names(GivenMatch.TYPO, True, 2.5, _SWAPPED_TEXT)


def _address_evidence(p: Prepared, i: int, j: int, evidence: list[str]) -> tuple[float, int]:
    """The street address: its weight, and 1 if it agrees (households share one) else 0."""
    a, b = p.address[i], p.address[j]
    if not (a and b):
        return 0.0, 0
    if a == b:
        evidence.append(gettext_noop("same address"))
        return 3.0, 1
    if _addresses_alike(a, b):
        evidence.append(gettext_noop("addresses alike"))
        return 2.0, 1
    evidence.append(gettext_noop("different addresses"))
    return -2.5, 0


def _place_evidence(p: Prepared, i: int, j: int, evidence: list[str]) -> float:
    """The neighbourhood: the postcode, or else the zone; weak evidence either way."""
    if p.postcode[i] and p.postcode[j]:
        same = p.postcode[i] == p.postcode[j]
        evidence.append(
            gettext_noop("same postcode") if same else gettext_noop("different postcodes")
        )
        return 1.0 if same else -1.0
    if p.zone[i] and p.zone[j]:
        same = p.zone[i] == p.zone[j]
        evidence.append(gettext_noop("same zone") if same else gettext_noop("different zones"))
        return 0.5 if same else -1.0
    return 0.0


class _Birth(NamedTuple):
    """How two birth dates compare."""

    weight: float
    agrees: int  # 1 if they agree or nearly, else 0
    same: bool  # evidence one person does not share
    differs: bool  # two people: two birth dates not one slip apart


def _birth_evidence(p: Prepared, i: int, j: int, evidence: list[str]) -> _Birth:
    """The birth date (ISO, prepare.py): the same, a slip apart, or different."""
    a, b = p.birth[i], p.birth[j]
    if not (a and b):
        if _digits_one_slip(p, i, j):
            evidence.append(gettext_noop("birth dates one slip apart (one not a real date)"))
            return _Birth(2.0, 1, False, False)
        return _Birth(0.0, 0, False, False)
    if a == b:
        evidence.append(gettext_noop("same birth date"))
        return _Birth(8.0, 1, True, False)
    if _one_slip(a, b) or _day_and_month_swapped(a, b):
        evidence.append(gettext_noop("birth dates one slip apart"))
        return _Birth(2.0, 1, False, False)
    evidence.append(gettext_noop("different birth dates"))
    return _Birth(-5.0, 0, False, True)


class _Facts(NamedTuple):
    """What the verdict rules look at beyond the weight."""

    given: GivenMatch
    swapped: bool
    family_differs: bool
    family_agrees: bool
    shared: int  # contacts a household may share that agree: phone, address (family email)
    personal: bool  # the same email or birth date: evidence one person does not share
    agreed: int  # phone, email, address or birth date agreeing
    birth_differs: bool = False
    slip: bool = False  # given names one slip of the keyboard apart (Gerald/Geralld)
    personal_email: bool = False  # the same email, not a family's
    same_birth: bool = False
    same_address: bool = False  # the same address, or alike


def _verdict(p: Prepared, i: int, j: int, weight: float, facts: _Facts) -> Verdict:
    """The rules above the weights, in order: the clash rule, the link rules, the review rule."""
    if facts.given is GivenMatch.CLASH or suffixes_differ(p, i, j):
        return _clash_verdict(p, i, j, facts)
    if facts.birth_differs and not facts.personal:
        # A father and son both "John Smith", a brother and sister: two people.
        return Verdict.HOUSEHOLD if facts.shared else Verdict.DIFFERENT
    if _family_email_shared(p, i, j) and _gender_ending(p, i, j, facts):
        return Verdict.HOUSEHOLD  # Daniel and Daniela on the family's email (twins too)
    if weight >= LINK_WEIGHT:
        return _link_verdict(p, i, j, facts)
    # Names (and a neighbourhood) alone never make a pair worth asking about: a phone, an
    # email, an address or a birth date must agree.
    if weight >= REVIEW_WEIGHT and facts.agreed:
        return Verdict.REVIEW
    return Verdict.DIFFERENT


def _clash_verdict(p: Prepared, i: int, j: int, facts: _Facts) -> Verdict:
    """Clearly different given names, or Jr./Sr.: two people, whatever the weight."""
    # An email two clashing names share is a family's (find_family_emails): in `shared`.
    same_birth = p.birth[i] and p.birth[i] == p.birth[j]
    if facts.shared:
        return Verdict.HOUSEHOLD  # twins too: one birth date, two names, one home
    if facts.given is GivenMatch.CLASH and same_birth and facts.family_agrees:
        return Verdict.REVIEW  # a name typed wrong? organizers know
    return Verdict.DIFFERENT


def _link_verdict(p: Prepared, i: int, j: int, facts: _Facts) -> Verdict:
    """At or above LINK_WEIGHT: linked when a link rule holds, otherwise organizers decide."""
    if facts.family_differs and _new_family_name(p, i, facts):
        return Verdict.LINK
    if facts.family_differs or facts.birth_differs:
        # "Nguyen Hung" / "Nguyen Quang" (family name first), or a new married name: asked.
        return Verdict.REVIEW
    if bool(p.suffix[i]) != bool(p.suffix[j]) and not facts.personal:
        return Verdict.REVIEW  # "John Smith Jr." says there is another John Smith: asked
    if (
        _linked_by_two_identifiers(p, i, j, facts)
        or _linked_by_personal_evidence(facts)
        or _linked_by_same_name(p, i, j, facts)
        or _linked_by_shared_contacts(facts)
    ):
        return Verdict.LINK
    return Verdict.REVIEW


def _family_email_shared(p: Prepared, i: int, j: int) -> bool:
    """The same email, a family's (find_family_emails)."""
    return bool(p.email[i] and p.email[i] == p.email[j] and p.email[i] in p.family_emails)


def _gender_ending(p: Prepared, i: int, j: int, facts: _Facts) -> bool:
    """Given names apart only at the end, where one ends in a vowel the other does not:
    Daniel/Daniela, Patrick/Patricia, Robert/Roberta — a brother and a sister."""
    if facts.given is not GivenMatch.ENDING or facts.slip:
        return False
    a, b = p.given[i][-1], p.given[j][-1]
    return a != b and bool({a, b} & GENDER_ENDINGS)


def _linked_by_two_identifiers(p: Prepared, i: int, j: int, facts: _Facts) -> bool:
    """The same phone and personal email, and names a slip at the end apart, swapped or
    spaced otherwise (a spacing or a swap counts as the same name)."""
    agreeing = facts.given not in _NOT_AGREEING or facts.slip
    return agreeing and two_identifiers(p, i, j)


def _new_family_name(p: Prepared, i: int, facts: _Facts) -> bool:
    """The same given name, birth date and address under another family name: a married
    name. Not when the "given" name is someone's family name in the list: family name first,
    "Nguyen Hung" / "Nguyen Quang", may be twins."""
    return (
        facts.given is GivenMatch.SAME
        and not facts.swapped
        and facts.same_birth
        and facts.same_address
        and (p.family_count[p.given[i]] == 0 or bool(p.few_households))
    )


def _linked_by_personal_evidence(facts: _Facts) -> bool:
    """The same email or birth date, and given names that agree: same, nickname, short form,
    typo, a slip of the keyboard or initial (a swap counts as same or typo)."""
    return facts.personal and (facts.given not in _NOT_AGREEING or facts.slip)


def _linked_by_same_name(p: Prepared, i: int, j: int, facts: _Facts) -> bool:
    """The same given name, not swapped, with a shared contact or the same family name."""
    certain_name = facts.given is GivenMatch.SAME and not facts.swapped
    return certain_name and bool(facts.shared or p.family[i] == p.family[j])


def _linked_by_shared_contacts(facts: _Facts) -> bool:
    """A nickname or short form, with two contacts a household may share (phone, address,
    a family's email). A household can hold a Mark and a Mary, a Jon and a Joan: with only
    a shared phone and address, a typo-like difference is for organizers to judge."""
    return facts.given in (GivenMatch.NICKNAME, GivenMatch.SHORT) and facts.shared >= 2


def _names_evidence(p: Prepared, i: int, j: int, given: GivenMatch, family_text: str) -> str:
    a, b = p.names[i], p.names[j]
    if a.casefold() == b.casefold():
        return gettext_noop("same name")
    similarity = token_sort_ratio(f"{p.given[i]} {p.family[i]}", f"{p.given[j]} {p.family[j]}")
    score = similarity / 100
    slip = given is not GivenMatch.SAME and slip_between(p, i, j)
    notes: list[Value] = []
    if given is not GivenMatch.SAME:
        notes.append(Said(_FIRST_NAMES_SLIP if slip else _FIRST_NAMES[given]))
    if family_text and family_text != _SAME_FAMILY:
        notes.append(family_text if isinstance(family_text, Said) else Said(family_text))
    if not notes:
        return Said(gettext_noop("names '%(a)s' / '%(b)s' %(score)s"), a=a, b=b, score=score)
    with_notes = gettext_noop("names '%(a)s' / '%(b)s' %(score)s (%(notes)s)")
    return Said(with_notes, a=a, b=b, score=score, notes=tuple(notes))


def _addresses_alike(a: str, b: str) -> bool:
    """ "12 main st apt 3" / "12 main st #3", "65 plant rd" / "65 plantroad": typed apart;
    with the same house number, one holding most of the other ("20 brentwoodvlge penshurst" /
    "20 rupp place brentwood vlge penshurst": a line left out, spaces lost)."""
    if token_sort_ratio(a, b) >= 90:
        return True
    if a.split()[0] != b.split()[0]:
        return False
    compact_a, compact_b = a.replace(" ", ""), b.replace(" ", "")
    return (
        ratio(compact_a, compact_b) >= 90
        or token_set_ratio(a, b) >= 80
        or partial_ratio(compact_a, compact_b) >= 90
    )


def _day_and_month_swapped(a: str, b: str) -> bool:
    """ "1956-04-09" / "1956-09-04": a date read the other way round."""
    return a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _digits_one_slip(p: Prepared, i: int, j: int) -> bool:
    """ "19160017" (not a date) and 1916-01-17: the digits one slip apart."""
    if not (p.birth_digits[i] or p.birth_digits[j]):
        return False
    a = p.birth[i].replace("-", "") or p.birth_digits[i]
    b = p.birth[j].replace("-", "") or p.birth_digits[j]
    return bool(a and b) and a != b and _one_slip(a, b)


def _one_slip(a: str, b: str) -> bool:
    """Two dates written the same but for one wrong or two swapped digits."""
    if len(a) != len(b):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or transposed(a, b)
