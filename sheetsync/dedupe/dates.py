"""Birth dates as lists from elsewhere write them → one canonical form, ISO `YYYY-MM-DD`.

Read: ISO (`1956-04-09`, also with a time, as a workbook's date cells arrive), `19560409`,
`09/04/1956` and `4/9/56` (day first or month first: the region decides, and a value that
can only be read one way, such as `25/04/1956`, is read that way wherever the list comes
from), and month names in English or Spanish (`9 Apr 1956`, `April 9, 1956`, `9 de abril
de 1956`). A two-digit year is the latest year not after this one (`56` → 1956, `07` →
2007). A value that is not a plausible birth date is no evidence: it becomes "", never an
error.

"This year" is the run's (the network's date, passed as `today`): a two-digit year read on
New Year's Eve in the network's time zone must not be read as next year's because the
machine's clock says so. Without `today` (a contact list checked with no network), the
machine's date is used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

from sheetsync.horizon import NEVER

# Regions that write the month first: the United States and places that follow its usage.
MONTH_FIRST = frozenset({"US", "PH", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW", "BZ"})
EARLIEST_YEAR = 1900
# A column is taken for birth dates when this share of its non-empty values read as one.
BIRTH_COLUMN_SHARE = 0.8
MIN_VALUES = 5  # fewer values than this tell nothing about a column
ADULT_AGE = 16  # the median birth date of a list of people is at least this many years ago

_MONTHS = {
    **dict.fromkeys(("jan", "january", "ene", "enero"), 1),
    **dict.fromkeys(("feb", "february", "febrero"), 2),
    **dict.fromkeys(("mar", "march", "marzo"), 3),
    **dict.fromkeys(("apr", "april", "abr", "abril"), 4),
    **dict.fromkeys(("may", "mayo"), 5),
    **dict.fromkeys(("jun", "june", "junio"), 6),
    **dict.fromkeys(("jul", "july", "julio"), 7),
    **dict.fromkeys(("aug", "august", "ago", "agosto"), 8),
    **dict.fromkeys(("sep", "sept", "september", "septiembre", "setiembre"), 9),
    **dict.fromkeys(("oct", "october", "octubre"), 10),
    **dict.fromkeys(("nov", "november", "noviembre"), 11),
    **dict.fromkeys(("dec", "december", "dic", "diciembre"), 12),
}
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})")
_WORDS = re.compile(r"[a-z]+|\d+")
_FILLER = {"de", "del", "of", "the"}


def birth_key(raw: str, region: str = "US", today: dt.date | None = None) -> str:
    """The ISO form of a birth date written any common way, or "" when it is not one."""
    text = raw.strip().casefold()
    if not text:
        return ""
    return _parse(text, region.upper() in MONTH_FIRST, _year(today))


def year_until(values: Iterable[str], now: dt.datetime) -> dt.datetime:
    """When reading these birth dates again may give other keys by time alone: the next
    New Year's Day, when "this year" changes (two-digit years, the latest plausible year),
    if any is filled; else NEVER."""
    if not any(v.strip() for v in values):
        return NEVER
    return dt.datetime(now.year + 1, 1, 1)


def _year(today: dt.date | None) -> int:
    return (today or dt.date.today()).year


@lru_cache(maxsize=200_000)
def _parse(text: str, month_first: bool, this_year: int) -> str:
    date = (
        _iso(text, this_year)
        or _numeric(text, month_first, this_year)
        or _named(text, month_first, this_year)
    )
    return date.isoformat() if date else ""


def _iso(text: str, this_year: int) -> dt.date | None:
    """`1956-04-09`, `1956-04-09 00:00:00`, `1956/4/9`, `19560409`."""
    found = _ISO.fullmatch(text) or _COMPACT.fullmatch(text)
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups())
    return _date(year, month, day, this_year)


def _numeric(text: str, month_first: bool, this_year: int) -> dt.date | None:
    """`09/04/1956`, `4-9-56`: the region's order unless only the other one is a date."""
    found = _NUMERIC.fullmatch(text)
    if not found:
        return None
    first, second, year_text = found.groups()
    year = _full_year(year_text, this_year)
    a, b = int(first), int(second)
    orders = ((a, b), (b, a)) if month_first else ((b, a), (a, b))
    for month, day in orders:
        date = _date(year, month, day, this_year)
        if date:
            return date
    return None


def _named(text: str, month_first: bool, this_year: int) -> dt.date | None:
    """`9 Apr 1956`, `April 9, 1956`, `9 de abril de 1956`."""
    words = [w for w in _WORDS.findall(text) if w not in _FILLER]
    if len(words) != 3:
        return None
    months = [w for w in words if w in _MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or len(numbers) != 2:
        return None
    # The year is the four-digit number, or else the last one.
    year_text = next((n for n in numbers if len(n) == 4), numbers[-1])
    day_text = numbers[0] if numbers[1] is year_text else numbers[1]
    if len(day_text) > 2:
        return None
    return _date(_full_year(year_text, this_year), _MONTHS[months[0]], int(day_text), this_year)


def _full_year(text: str, this_year: int) -> int:
    """A two-digit year is the latest such year not after this one."""
    year = int(text)
    if len(text) > 2:
        return year
    century = this_year - this_year % 100
    return century + year if century + year <= this_year else century - 100 + year


def _date(year: int, month: int, day: int, this_year: int) -> dt.date | None:
    """A real calendar date in the range a living person's birth date can be in."""
    if not EARLIEST_YEAR <= year <= this_year:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def looks_like_birth_dates(
    values: Iterable[str], region: str = "US", today: dt.date | None = None
) -> bool:
    """Whether a column holds birth dates: most of its non-empty values read as one, over
    several years, most of them long ago (not the dates a form was sent, say)."""
    filled = [v for v in values if v.strip()]
    if len(filled) < MIN_VALUES:
        return False
    dates = [d for d in (birth_key(v, region, today) for v in filled) if d]
    if len(dates) < BIRTH_COLUMN_SHARE * len(filled):
        return False
    years = sorted(int(d[:4]) for d in dates)
    median = years[len(years) // 2]
    return len(set(years)) >= min(3, len(years)) and median <= _year(today) - ADULT_AGE
