"""Text in a language: the gettext catalogs (sheetsync/locale/LANG/LC_MESSAGES/messages.po,
read with Babel) and Babel's numbers and months, for every text sheetsync writes.

It sits in the foundation, under the engines, because the texts of the Summary and Load tabs
are worded by the engines that work them out (summary/, load/), and the digests, which quote
those tabs, import those engines: the engines cannot import digest/. digest/render.py reads
its catalogs from here too, so an email and a tab say a message alike.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from sheetsync.config import Config
from sheetsync.form_languages import ENGLISH, form_language, shipped_languages
from sheetsync.schema import load_schemas

LOCALES = Path(__file__).resolve().parent / "locale"


def tab_language(config: Config) -> str:
    """The language of the texts sheetsync writes on the Summary and Load tabs: the
    organizers' ([email] organizers_language, which `init --language` sets), since they
    read those tabs, and their digest quotes them."""
    return config.email.organizers_language


@cache
def available_languages() -> frozenset[str]:
    """English, and each language with a catalog (read once: every message asks)."""
    return frozenset(
        {ENGLISH} | {p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir()}
    )


def known(language: str) -> str:
    """The language if sheetsync has a catalog for it, else English."""
    return language if language in available_languages() else ENGLISH


@cache
def translations(language: str) -> gettext.NullTranslations:
    """A language's catalog (English: the messages as they are)."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == ENGLISH or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_noop(message: str) -> str:
    """A message to translate later, marked as one (its words are chosen before the
    language is known): the catalog checks find it as they find translate's."""
    return message


def ngettext_noop(one: str, other: str) -> tuple[str, str]:
    """A plural message to translate later with translate_plural, marked as one."""
    return one, other


def translate(language: str, message: str, **values: Any) -> str:
    """One message of the catalog in a language (English where it has none), filled in."""
    return translations(known(language)).gettext(message) % values


def translate_plural(language: str, one: str, other: str, num: int, **values: Any) -> str:
    """A message whose words follow a number (ngettext): `num` fills %(num)s, written with
    the language's separators."""
    chosen = translations(known(language)).ngettext(one, other, num)
    return chosen % {"num": number(num, language), **values}


def number(value: float, language: str) -> str:
    """A count or an amount with the language's separators: 1,234.5 or 1.234,5."""
    return format_decimal(value, locale=known(language))


def month(day: dt.date, language: str) -> str:
    """A month and its year as the language names them: "November 2026", "noviembre de 2026"."""
    return format_skeleton("yMMMM", day, locale=known(language))


def weekday(day: dt.date, language: str) -> str:
    """A day's short weekday name: "Fri", "vie"."""
    return format_skeleton("EEE", day, locale=known(language))


def answer(value: str, language: str, field: str) -> str:
    """A request form's answer kept canonical on the tabs ("Groceries", "Spanish") in the
    words the form uses in the language ("Comida", "Español"); an answer the form does not
    offer is shown as it is."""
    if language == ENGLISH or language not in shipped_languages():
        return value
    spec = load_schemas()["requests"].field(field)
    return form_language(language).answer("requests", spec, value)
