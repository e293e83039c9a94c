"""Cell values as Google Sheets stores, parses (USER_ENTERED / RAW) and renders them."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import zoneinfo
from dataclasses import dataclass

EPOCH = dt.datetime(1899, 12, 30)  # serial number 0 in Sheets (and Lotus, and Excel)


@dataclass(frozen=True)
class NumberFormat:
    """How a number is shown: kind is DATE, TIME, DATE_TIME, NUMBER or PERCENT."""

    kind: str
    pattern: str = ""  # date/time tokens yyyy MM M dd d HH H mm ss; for numbers unused
    decimals: int = 0
    grouping: bool = False


@dataclass(frozen=True)
class Cell:
    """A non-empty cell: its value, the formula it came from, and its number format."""

    value: str | float | bool | None  # None: a formula the emulator cannot compute
    formula: str | None = None
    number_format: NumberFormat | None = None

    @property
    def is_date(self) -> bool:
        return self.number_format is not None and self.number_format.kind in DATE_KINDS


DATE_KINDS = frozenset({"DATE", "TIME", "DATE_TIME"})


@dataclass(frozen=True)
class LocaleStyle:
    """What a spreadsheet locale changes: date order and the decimal and group separators."""

    date: str
    date_time: str
    decimal: str = "."
    group: str = ","


# Locales covered; any other locale renders like en_US. Patterns are Sheets' defaults for
# Forms timestamps and typed dates (en_US shows 8/31/2023 19:08:16).
_LOCALES = {
    "en_US": LocaleStyle("M/d/yyyy", "M/d/yyyy H:mm:ss"),
    "en_GB": LocaleStyle("dd/MM/yyyy", "dd/MM/yyyy HH:mm:ss"),
    "es": LocaleStyle("dd/MM/yyyy", "dd/MM/yyyy H:mm:ss", ",", "."),
    "fr": LocaleStyle("dd/MM/yyyy", "dd/MM/yyyy HH:mm:ss", ",", "\u202f"),
    "de": LocaleStyle("dd.MM.yyyy", "dd.MM.yyyy HH:mm:ss", ",", "."),
}
_DAY_FIRST_ENGLISH = {"en_GB", "en_AU", "en_IE", "en_NZ", "en_IN", "en_ZA"}


def locale_style(locale: str) -> LocaleStyle:
    """The style for a locale such as 'en_US', 'de_DE' or 'fr_CA'; unknown ones read as en_US."""
    if locale in _DAY_FIRST_ENGLISH:
        return _LOCALES["en_GB"]
    return _LOCALES.get(locale.split("_")[0], _LOCALES["en_US"])


def to_serial(value: dt.datetime | dt.date | dt.time) -> float:
    """Days since 1899-12-30, the fraction being the time of day."""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def from_serial(serial: float) -> dt.datetime:
    """Serial number -> naive datetime, rounded to the second as Sheets shows it."""
    return EPOCH + dt.timedelta(seconds=round(serial * 86400))


# --- input ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PERCENT = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s?%")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_LOCAL_DATE = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def raw_cell(value: object) -> Cell | None:
    """valueInputOption=RAW: text stays text ('=1+1' too); JSON numbers and booleans stay so.
    Returns None for an empty cell."""
    if isinstance(value, bool):
        return Cell(value)
    if isinstance(value, numbers.Real):  # int, float, and numpy's numbers too
        return Cell(float(value))
    text = str(value)
    return Cell(text) if text != "" else None


def user_entered_cell(value: object, locale: str) -> Cell | None:
    """valueInputOption=USER_ENTERED: parse text as if typed into the Sheets UI."""
    if not isinstance(value, str):
        return raw_cell(value)
    if value == "":
        return None
    if value.startswith("'"):
        return Cell(value[1:]) if len(value) > 1 else None
    if value.startswith("=") and len(value) > 1:
        return Cell(evaluate(value[1:]), formula=value)
    text = value.strip()
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE")
    return _parse_number(text, locale_style(locale)) or _parse_date(text, locale) or Cell(value)


def _parse_number(text: str, style: LocaleStyle) -> Cell | None:
    if style.decimal == ",":
        # '3,5' in de_DE is 3.5; '1.234,5' is 1234.5: swap to the en_US form and parse that.
        if "." in text and "," not in text and not re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):
            return None
        text = text.replace(".", "\0").replace(",", ".").replace("\0", ",")
    if _NUMBER.fullmatch(text):
        return Cell(float(text))
    if _GROUPED.fullmatch(text):
        decimals = 2 if "." in text else 0
        return Cell(
            float(text.replace(",", "")), number_format=NumberFormat("NUMBER", "", decimals, True)
        )
    match = _PERCENT.fullmatch(text)
    if match:
        decimals = 2 if "." in match.group(1) else 0
        return Cell(
            float(match.group(1)) / 100, number_format=NumberFormat("PERCENT", "", decimals)
        )
    return None


def _parse_date(text: str, locale: str) -> Cell | None:
    style = locale_style(locale)
    try:
        match = _ISO_DATE.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.group(1, 2, 3))
            return _date_cell(
                year, month, day, match.group(4, 5, 6), "yyyy-MM-dd", "yyyy-MM-dd H:mm:ss"
            )
        match = _LOCAL_DATE.fullmatch(text)
        if match:
            first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
            month, day = (first, second) if style.date.startswith("M") else (second, first)
            return _date_cell(year, month, day, match.group(5, 6, 7), style.date, style.date_time)
        match = _TIME.fullmatch(text)
        if match:
            hour, minute, second = (
                int(match.group(1)),
                int(match.group(2)),
                int(match.group(3) or 0),
            )
            serial = to_serial(dt.time(hour, minute, second))
            pattern = "H:mm:ss" if match.group(3) else "H:mm"
            return Cell(serial, number_format=NumberFormat("TIME", pattern))
    except ValueError:  # 2/30/2023, 25:00: not a date, so text
        return None
    return None


def _date_cell(
    year: int, month: int, day: int, clock: tuple[str | None, ...], date: str, date_time: str
) -> Cell:
    if clock[0] is None:
        serial = to_serial(dt.date(year, month, day))
        return Cell(serial, number_format=NumberFormat("DATE", date))
    hour, minute, second = (int(part or 0) for part in clock)
    serial = to_serial(dt.datetime(year, month, day, hour, minute, second))
    return Cell(serial, number_format=NumberFormat("DATE_TIME", date_time))


def python_cell(value: object, locale: str, time_zone: str) -> Cell | None:
    """A Python value set directly (as a person or Google Forms would): datetimes become
    date-time cells (an aware one is first converted to the spreadsheet's time zone), dates
    date cells, times time cells; text stays text."""
    style = locale_style(locale)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_zone(time_zone))
        return Cell(to_serial(value), number_format=NumberFormat("DATE_TIME", style.date_time))
    if isinstance(value, dt.date):
        return Cell(to_serial(value), number_format=NumberFormat("DATE", style.date))
    if isinstance(value, dt.time):
        return Cell(to_serial(value), number_format=NumberFormat("TIME", "H:mm:ss"))
    return raw_cell(value)


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def python_value(cell: Cell) -> object:
    """What SheetsEmulator.values() hands back for a stored cell."""
    if cell.formula is not None:
        return cell.formula
    value = cell.value
    if isinstance(value, float):
        fmt = cell.number_format
        if fmt is not None and fmt.kind == "DATE_TIME":
            return from_serial(value)
        if fmt is not None and fmt.kind == "DATE":
            return from_serial(value).date()
        if fmt is not None and fmt.kind == "TIME":
            return from_serial(value).time()
        return json_number(value)
    return value


# --- formulas --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(.))")


def evaluate(expression: str) -> float | None:
    """The value of an arithmetic formula ('4/2', ' 1 / 1024', '(1+2)*3^2'), or None for
    anything else: the emulator has no function library and reads no cell references."""
    tokens: list[str | float] = []
    for number, char in _TOKEN.findall(expression.strip()):
        if number:
            tokens.append(float(number))
        elif char in "+-*/^()":
            tokens.append(char)
        elif char.strip():
            return None
    parser = _Arithmetic(tokens)
    try:
        value = parser.sum()
    except (IndexError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return value if parser.done() and math.isfinite(value) else None


class _Arithmetic:
    """Recursive descent over + - * / ^ and parentheses."""

    def __init__(self, tokens: list[str | float]) -> None:
        self.tokens = tokens
        self.at = 0

    def done(self) -> bool:
        return self.at == len(self.tokens)

    def _peek(self) -> str | float | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str | float:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def sum(self) -> float:
        value = self.product()
        while self._peek() in ("+", "-"):
            value = value + self.product() if self._take() == "+" else value - self.product()
        return value

    def product(self) -> float:
        value = self.power()
        while self._peek() in ("*", "/"):
            value = value * self.power() if self._take() == "*" else value / self.power()
        return value

    def power(self) -> float:
        value = self.unary()
        if self._peek() == "^":
            self._take()
            return float(value ** self.power())
        return value

    def unary(self) -> float:
        token = self._take()
        if token == "-":
            return -self.unary()
        if token == "+":
            return self.unary()
        if token == "(":
            value = self.sum()
            if self._take() != ")":
                raise ValueError("unbalanced")
            return value
        if isinstance(token, float):
            return token
        raise ValueError(f"unexpected {token!r}")


# --- output ----------------------------------------------------------------------------------


def json_number(value: float) -> int | float:
    """3.0 -> 3, as Google's JSON writes whole numbers."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def render(cell: Cell, value_render: str, date_render: str, locale: str) -> object:
    """A cell as values.get answers it for the given valueRenderOption/dateTimeRenderOption."""
    if value_render == "FORMULA" and cell.formula is not None:
        return cell.formula
    value = cell.value
    if value is None:
        return cell.formula  # an uncomputed formula shows its text
    if isinstance(value, bool):
        return value if value_render != "FORMATTED_VALUE" else ("TRUE" if value else "FALSE")
    if isinstance(value, str):
        return value
    if value_render == "FORMATTED_VALUE" or (cell.is_date and date_render == "FORMATTED_STRING"):
        return format_number(value, cell.number_format, locale)
    return json_number(value)


def format_number(value: float, fmt: NumberFormat | None, locale: str) -> str:
    """A number as Sheets displays it in the given locale."""
    style = locale_style(locale)
    if fmt is None:
        text = _general(value)
    elif fmt.kind in DATE_KINDS:
        return format_date(from_serial(value), fmt.pattern)
    elif fmt.kind == "PERCENT":
        text = f"{value * 100:.{fmt.decimals}f}%"
    else:
        text = f"{value:,.{fmt.decimals}f}" if fmt.grouping else f"{value:.{fmt.decimals}f}"
    return text.replace(",", "\0").replace(".", style.decimal).replace("\0", style.group)


def _general(value: float) -> str:
    """Sheets' automatic number format: up to 10 decimals, scientific when huge or tiny."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-10:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').rjust(2, '0')}"
    return f"{value:.10f}".rstrip("0").rstrip(".")


_DATE_TOKEN = re.compile(r"yyyy|MM|M|dd|d|HH|H|mm|ss")


def format_date(value: dt.datetime, pattern: str) -> str:
    """Format with the token patterns used here (yyyy MM M dd d HH H mm ss)."""
    fields = {
        "yyyy": f"{value.year:04d}",
        "MM": f"{value.month:02d}",
        "M": str(value.month),
        "dd": f"{value.day:02d}",
        "d": str(value.day),
        "HH": f"{value.hour:02d}",
        "H": str(value.hour),
        "mm": f"{value.minute:02d}",
        "ss": f"{value.second:02d}",
    }
    return _DATE_TOKEN.sub(lambda m: fields[m.group(0)], pattern)
