"""Numbers, dates, periods and durations in an email's language, through Babel (CLDR).

The templates never format a number or a date themselves: they pass it through one of
these filters, so a Spanish email reads "1.234,5", "23 nov 2026" and "octubre de 2026"
where an English one reads "1,234.5", "Nov 23, 2026" and "October 2026". A value that is
already text, such as a count the public sees as "<5" (privacy.public_count), is shown as
it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Protocol

from babel.dates import format_skeleton
from babel.units import format_unit

from sheetsync import translation

# A duration as [followup] writes it ("4 hours", "7 days", "2w"): config_followup's words.
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)\s*$", re.IGNORECASE)
_UNITS = {"h": "duration-hour", "d": "duration-day", "w": "duration-week"}


class PeriodLike(Protocol):
    """A Summary period (summary/outcomes.Period, digest/content.PublicPeriod)."""

    key: str
    label: str
    start: dt.date


Gettext = Callable[[str], str]


def number(value: Any, language: str) -> Any:
    """A count or an amount with the language's separators; text (a public "<5") as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return translation.number(value, language)


def day(value: Any, language: str) -> Any:
    """A date ("2026-11-23" or a date) as the language writes it in short: "Nov 23, 2026",
    "23 nov 2026". Text that is not an ISO date is shown as it is."""
    found = _as_date(value)
    return value if found is None else format_skeleton("yMMMd", found, locale=language)


def day_of_month(value: Any, language: str) -> Any:
    """A date without its year: "Nov 17", "17 nov" (a week's first day on a chart's row)."""
    found = _as_date(value)
    return value if found is None else format_skeleton("MMMd", found, locale=language)


def duration(label: Any, language: str) -> Any:
    """An escalation level's label ("4 hours", "7d") in the language: "4 horas", "7 días".
    A label sheetsync did not write (typed by hand) is shown as it is."""
    found = _DURATION.match(label) if isinstance(label, str) else None
    if found is None:
        return label
    amount = float(found[1])
    count: int | float = int(amount) if amount.is_integer() else amount
    return format_unit(count, _UNITS[found[2][0].lower()], length="long", locale=language)


def answer(value: Any, language: str, field: str) -> Any:
    """A request form's answer kept canonical on the tabs ("Groceries", "Today") in the
    words the form uses in the language ("Comida", "Hoy": sheetsync/locale/LANG/forms.yaml),
    so that a Spanish email does not name the help in English. An answer the forms do not
    offer (typed by hand, "Other: …") is shown as it is."""
    return translation.answer(value, language, field) if isinstance(value, str) else value


def period(value: PeriodLike, language: str, gettext: Gettext) -> str:
    """A Summary period's name: the last 7 days, a month so far, last month."""
    month = translation.month(value.start, language)
    if value.key == "week":
        return gettext("the last 7 days")
    if value.key == "month":
        return gettext("%(month)s (so far)") % {"month": month}
    if value.key == "last_month":
        return month
    return value.label


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None
