"""What a generated network is made of: its rows (Value, FORMS) and the truth behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

# A cell as Google Forms leaves it in the response tab.
Value = str | int | float | datetime

FORMS = ("requests", "offers", "checkins")


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
    CONSENT_WITHDRAWN = "consent_withdrawn"  # sent again, the same but "No" for "Yes"
    PHONE_FORMAT = "phone_format"  # one person sent it again, phone written another way
    NICKNAME = "nickname"  # one person sent it again as "Bob" not "Robert": same email, no phone
    HOUSEHOLD = "household"  # two people sharing a phone and surname
    NAMESAKE = "namesake"  # two unrelated people with the same name
    # Name variants (mess.add_name_variants), each with the same phone and email:
    NAME_TYPO = "name_typo"  # sent again with a typo at the end: "Gerald" then "Geralld"
    SWAPPED = "swapped"  # sent again family name first: "Smith Gerald"
    CJK_SPACING = "cjk_spacing"  # sent again with a space: "李娜" then "李 娜"
    FIRST_NAME_ONLY = "first_name_only"  # a check-in signed "Wei" by Wei Zhang
    # Sent again as "Bob" from the same phone but another email: it may be Robert's son,
    # so intake keeps a row apart and dedupe weighs it (organizers may be asked).
    NICKNAME_NEW_EMAIL = "nickname_new_email"


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
    formula_like: list[tuple[RowRef, str]]  # (row, field) holding text from mess.FORMULA_LIKE
    # Rows of one person written another way (NAME_TYPO, SWAPPED, CJK_SPACING,
    # FIRST_NAME_ONLY, NICKNAME_NEW_EMAIL), each pair one person: the first row as they
    # usually write, the second the variant. Same phone and email on both, but the last
    # kind's new email.
    name_variants: list[Pair] = field(default_factory=list)

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
