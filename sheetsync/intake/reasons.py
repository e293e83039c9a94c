"""The words of the Errors tab's reasons for form responses, in the organizers' language
(translation.tab_language): the pieces validate.py puts in its messages (lists joined with
"or", the forms a date may take, what is wrong with an email address, the languages tried).

Every piece names the question as its column is headed and never repeats the answer: a
reason reaches the terminal, the log, the Errors tab and the organizers' email.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import pandas as pd
from babel import Locale

from sheetsync.form_languages import ENGLISH, language_names, reading_order
from sheetsync.translation import gettext_noop, known, translate


def either(items: Sequence[str], language: str) -> str:
    """Alternatives as a reason lists them: "'Phone' or 'Email'" (each joined by "or")."""
    return reduce(
        lambda one, other: translate(language, "%(one)s or %(other)s", one=one, other=other), items
    )


def one_of(items: Sequence[str], language: str) -> str:
    """A list read as one choice among them: "a, b or c"."""
    if len(items) == 1:
        return items[0]
    return translate(language, "%(one)s or %(other)s", one=", ".join(items[:-1]), other=items[-1])


def languages_tried(languages: Sequence[str], language: str) -> str:
    """The form's languages, named in the organizers' own: "Spanish or English", "español
    o inglés"."""
    if language == ENGLISH:
        return language_names(languages)
    names = [
        Locale.parse(code).get_display_name(known(language)) or code
        for code in reading_order(languages)
    ]
    return one_of(names, language)


def region_name(region: str, language: str) -> str:
    """The phone region a number is read in: "US" in English, as the config writes it;
    the country's name elsewhere ("Estados Unidos")."""
    if language == ENGLISH:
        return region
    return str(Locale.parse(known(language)).territories.get(region, region))


def date_forms(dayfirst: bool, language: str, *, with_time: bool = True) -> str:
    """The forms a date may be written in (day first or month first, as the spreadsheet's
    locale writes dates): "2026-11-20 14:05, 20/11/2026 14:05 or 2026-11-20". The dates are
    written as the tabs write them, whatever the language."""
    local = "20/11/2026" if dayfirst else "11/20/2026"
    if not with_time:
        return one_of(["2026-11-20", local], language)
    return one_of(["2026-11-20 14:05", f"{local} 14:05", "2026-11-20"], language)


# What is wrong with an email address, in words that do not repeat it.
_NO_AT = gettext_noop("it has no @")
_MANY_AT = gettext_noop("it has more than one @")
_SPACE = gettext_noop("it has a space in it")
_NOTHING_BEFORE = gettext_noop("nothing comes before the @")
_NO_DOMAIN = gettext_noop("the part after the @ is not a domain such as example.org")
_MALFORMED = gettext_noop("it holds characters or a form an address cannot have")


def email_problem(text: str, language: str) -> str:
    """What is wrong with an address, in words that do not repeat it."""
    return translate(language, _email_problem(text))


def _email_problem(text: str) -> str:
    if "@" not in text:
        return _NO_AT
    if text.count("@") > 1:
        return _MANY_AT
    if any(c.isspace() for c in text):
        return _SPACE
    local, _, domain = text.partition("@")
    if not local:
        return _NOTHING_BEFORE
    if "." not in domain.strip("."):
        return _NO_DOMAIN
    return _MALFORMED


def say(
    mask: pd.Series, titles: pd.Series, language: str, message: str, **values: object
) -> pd.Series:
    """A message for each row in `mask`, naming the question as that row's column is
    headed; worded once per distinct title (most questions have one)."""
    rows = titles[mask]
    worded = {t: translate(language, message, title=t, **values) for t in rows.unique()}
    return rows.map(worded)
