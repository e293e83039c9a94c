"""Scalar clean-ups shared by validation and intake: phones, emails, names, cell text."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

_SPACES = re.compile(r"\s+")
# Control characters (C0 but tab and line breaks, DEL, C1): a spreadsheet cannot store most
# of them, and none is text a person meant (a vertical tab pasted from Word, say).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Code points that are no character at all: halves of a surrogate pair (a JSON or xlsx
# reader can hand one over unpaired) and the non-characters U+FFFE and U+FFFF.
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
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
    return clean_text(cell_text(value)).text.strip()


@dataclass(frozen=True)
class Cleaned:
    """Text with what a spreadsheet cannot hold taken out, and how much was."""

    text: str
    controls: int = 0  # control characters, each made a space
    removed: int = 0  # code points that are not characters (lone surrogates), dropped

    def __bool__(self) -> bool:
        return bool(self.controls or self.removed)

    def describe(self) -> str:
        """What was done, in words: "replaced 1 control character with a space"."""
        done = []
        if self.controls:
            what = _count(self.controls, "control character", "control characters")
            done.append(f"replaced {what} with a space")
        if self.removed:
            done.append(f"removed {_count(self.removed, 'broken character', 'broken characters')}")
        return " and ".join(done)


def storable(text: str) -> bool:
    """Whether a workbook can hold `text` as it is (clean_text would leave it alone)."""
    return _UNSTORABLE.search(text) is None


def clean_text(text: str) -> Cleaned:
    """`text` without characters a workbook refuses: control characters (but tab, line feed
    and carriage return) become spaces, a surrogate pair split in two is joined again, and
    lone surrogates and the non-characters U+FFFE/U+FFFF are dropped."""
    if not _UNSTORABLE.search(text):
        return Cleaned(text)
    text, controls = _CONTROL.subn(" ", text)
    if _NOT_TEXT.search(text):
        # A pair kept as two code points (\ud83d\ude00) is one emoji: join it first.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    text, removed = _NOT_TEXT.subn("", text)
    return Cleaned(text, controls, removed)


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n:,} {many}"


_SHORTENED = " … [shortened: full answer in {where}]"


def shorten(text: str, limit: int, where: str) -> str:
    """`text` cut to at most `limit` characters, ending with a marker that says where the
    full text is (`response_place`); unchanged when it fits."""
    return cut_with(text, limit, _SHORTENED.format(where=where))


def cut_with(text: str, limit: int, marker: str) -> str:
    """`text` cut to at most `limit` characters, ending with `marker` (intake/shortened.py
    words it in the tabs' language); unchanged when it fits."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker[:limit]


def response_place(tab: str, row: int) -> str:
    """Where a form response is, for a person: "Form Responses 1, row 17" (records name it
    "Form Responses 1:17", FormTable.ref)."""
    return f"{tab}, row {row}"


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


# fold runs millions of times in a large network's run (every step keys names and
# options by it) on far fewer distinct texts: each is folded once, while it is in use.
_FOLDED_KEPT = 1 << 18


@functools.lru_cache(maxsize=_FOLDED_KEPT)
def fold(text: str) -> str:
    """Case- and accent-insensitive key: "José  GARCÍA" -> "jose garcia", "Đức" -> "duc"."""
    return fold_uncached(text)


def fold_uncached(text: str) -> str:
    """fold without its cache (the reference its tests compare it with)."""
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


def parse_timestamp(
    value: object, *, dayfirst: bool, tz: dt.tzinfo | None = None
) -> dt.datetime | None:
    """A form Timestamp as a naive local datetime, from a date cell, serial number or text.
    A time with an offset (`Z`, `+01:00`) is moved into `tz`, the network's time zone."""
    if isinstance(value, dt.datetime):
        return _to_second(_local(value, tz))
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
    return parse_iso(text, tz)


# ISO 8601 as people and programs write it: a date, then maybe a time after T or a space.
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?")


def parse_iso(text: str, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """An ISO date or datetime ("2026-11-20", "2026-11-20T14:05", "2026-11-20 14:05:00Z",
    "…+01:00") as a naive datetime, moved into `tz` when it has an offset; None otherwise."""
    text = text.strip()
    if not _ISO.fullmatch(text):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace(" Z", "Z"))
    except ValueError:
        return None
    return _to_second(_local(parsed, tz))


def _local(value: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A naive datetime: one with an offset moved into `tz` first (kept as written without)."""
    if value.tzinfo is not None and tz is not None:
        value = value.astimezone(tz)
    return value.replace(tzinfo=None)


def date_examples(dayfirst: bool, *, with_time: bool = True) -> str:
    """The forms a date may be written in, for a message: "2026-11-20 14:05, 20/11/2026 14:05
    or 2026-11-20" (day first or month first, as the spreadsheet's locale writes dates)."""
    local = "20/11/2026" if dayfirst else "11/20/2026"
    if not with_time:
        return f"2026-11-20 or {local}"
    return f"2026-11-20 14:05, {local} 14:05 or 2026-11-20"


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


def date_cell_text(value: object, *, date_only: bool) -> object:
    """A cell of one of sheetsync's date columns as the text sheetsync wrote there: a serial
    number (Google's unformatted value) or a workbook's datetime back to ISO text (a date
    alone when `date_only` and it has no time); anything else (text that earlier versions
    wrote, an edit) as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return value
    when = parse_timestamp(value, dayfirst=False)
    if when is None:
        return value
    if date_only and when.time() == dt.time(0):
        return when.date().isoformat()
    return format_datetime(when)


# Text as sheetsync writes a date or a date-time (format_datetime).
ISO_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _to_second(value: dt.datetime) -> dt.datetime:
    """Round to the second: a date stored as a float serial reads back as 09:59:59.99999."""
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _text_formats(dayfirst: bool) -> tuple[str, ...]:
    local = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
    us = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
    # ISO without an offset; parse_iso reads the rest (T without seconds, Z, +01:00).
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
