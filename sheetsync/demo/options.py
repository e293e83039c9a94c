"""The forms' answer options, in the forms' own order, and how often each answer is given."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

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


def cum(weights: Iterable[float]) -> list[float]:
    """Cumulative weights, for random.choices(cum_weights=...), which is faster with them."""
    return list(itertools.accumulate(weights))


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
    return answers, cum(probs)


_CATEGORY_WEIGHTS = (30, 14, 10, 6, 10, 6, 6, 5, 6, 8, 3)
# Checkbox answers and their cumulative weights: (answers, cum_weights).
NEEDS = _combos(CATEGORIES, {1: 0.6, 2: 0.3, 3: 0.1}, _CATEGORY_WEIGHTS)
OFFERS = _combos(CATEGORIES, {1: 0.25, 2: 0.3, 3: 0.25, 4: 0.12, 5: 0.08}, _CATEGORY_WEIGHTS)
AVAILABILITY = _combos(SLOTS, {1: 0.5, 2: 0.35, 3: 0.15}, (5, 6, 8, 9))
CAPACITIES = (0, 1, 2, 3, 4, 5, 6, 8, 10)
CAPACITY_CUM = cum((2, 25, 30, 20, 10, 8, 2, 2, 1))
