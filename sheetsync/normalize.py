"""Scalar clean-ups shared by validation and intake: phones, emails, names, cell text."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

_SPACES = re.compile(r"\s+")
# Control characters a spreadsheet cannot store (a vertical tab pasted from Word, say).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A spreadsheet evaluates text starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Google Sheets and Excel count days from 1899-12-30 (serial number dates).
SHEETS_EPOCH = dt.datetime(1899, 12, 30)


def cell_text(value: object) -> str:
    """A cell's value as canonical text: "" for empty, 3 for 3.0, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_datetime(value: dt.datetime) -> str:
    """sheetsync writes datetimes as sortable text, e.g. 2026-11-23 07:00."""
    if value.second or value.microsecond:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%d %H:%M")


def tidy_text(value: object) -> str:
    """Text from a form, trimmed, control characters made spaces; numbers back into text."""
    return _CONTROL.sub(" ", cell_text(value)).strip()


def one_line(value: object) -> str:
    """Text on one line: control characters and line breaks become single spaces (safe in
    an email header)."""
    return _SPACES.sub(" ", tidy_text(value))


def tidy_name(value: object) -> str:
    """Collapse spaces; fix names typed all in capitals or all in lower case."""
    name = one_line(value)
    if name and (name.isupper() or name.islower()):
        name = " ".join(_title_word(w) for w in name.split(" "))
    return name


def _title_word(word: str) -> str:
    # "o'brien" -> "O'Brien", "garcia-lopez" -> "Garcia-Lopez"
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())


# Letters Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"})


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "José  GARCÍA" -> "jose garcia", "Đức" -> "duc"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def normalize_phone(raw: str, region: str) -> str | None:
    """E.164 form of a phone number, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> tuple[str | None, str]:
    """(normalised address, "") or (None, the reason it is not an address). No DNS look-up."""
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as err:
        return None, str(err)
    return info.normalized, ""


def parse_timestamp(value: object, *, dayfirst: bool) -> dt.datetime | None:
    """A form Timestamp as a naive local datetime, from a date cell, serial number or text."""
    if isinstance(value, dt.datetime):
        return _to_second(value.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _to_second(SHEETS_EPOCH + dt.timedelta(days=float(value)))
    text = tidy_text(value)
    if not text:
        return None
    for fmt in _text_formats(dayfirst):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(text: str, *, dayfirst: bool) -> dt.date | None:
    """A date an organizer typed, as read back from the sheet: a serial number (Google's
    unformatted value), ISO text, or the spreadsheet locale's short date. None otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        serial = float(text)
    except ValueError:
        parsed = parse_timestamp(text, dayfirst=dayfirst)
        return parsed.date() if parsed else None
    if not 1 <= serial < 2_958_466:  # 1899-12-31 .. 9999-12-31
        return None
    return (SHEETS_EPOCH + dt.timedelta(days=serial)).date()


def _to_second(value: dt.datetime) -> dt.datetime:
    """Round to the second: a date stored as a float serial reads back as 09:59:59.99999."""
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _text_formats(dayfirst: bool) -> tuple[str, ...]:
    local = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
    us = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
    iso = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
    return (*(local if dayfirst else us), *iso)


def dayfirst_locale(locale: str) -> bool:
    """Whether a spreadsheet locale writes dates day first (en_GB 31/08/2023) or not (en_US)."""
    return locale.replace("-", "_") not in _MONTH_FIRST_LOCALES


# Locales whose short dates put the month first; all others put the day first.
_MONTH_FIRST_LOCALES = {
    "en_US",
    "en_PH",
    "es_US",
    "en_CA_US",
    "fil_PH",
    "en",
    "en_AS",
    "en_GU",
    "en_MH",
    "en_MP",
    "en_PR",
    "en_UM",
    "en_VI",
}


def safe_text(text: str) -> bool:
    """Whether text would be read as a formula if typed into a spreadsheet."""
    return not text.startswith(FORMULA_PREFIXES)
