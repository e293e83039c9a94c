"""Numbers, dates, periods, durations and plurals in an email's language (digest/formats.py,
Babel): a Spanish email never shows an English month, unit or plural."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.messages.pofile import read_po
from babel.numbers import parse_decimal
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.digest import formats
from sheetsync.digest.render import LOCALES, _environment, _translations, available_languages
from sheetsync.summary.outcomes import periods

LANGUAGES = sorted(available_languages())


def test_numbers_take_the_language_separators_and_text_stays_as_it_is() -> None:
    assert formats.number(12345.5, "en") == "12,345.5"
    assert formats.number(12345.5, "es") == "12.345,5"
    assert formats.number(7, "es") == "7"
    assert formats.number("<5", "es") == "<5"  # a count the public sees (privacy.public_count)
    assert formats.number(True, "en") is True  # not a count


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(LANGUAGES))
def test_a_count_reads_back_as_itself_in_every_language(n: int, language: str) -> None:
    shown = formats.number(n, language)
    assert parse_decimal(shown, locale=language) == n


@pytest.mark.parametrize(
    ("label", "language", "shown"),
    [
        ("4 hours", "en", "4 hours"),
        ("4 hours", "es", "4 horas"),
        ("1 day", "es", "1 día"),
        ("7d", "es", "7 días"),
        ("2 weeks", "es", "2 semanas"),
        ("1.5 days", "es", "1,5 días"),
        ("after lunch", "es", "after lunch"),  # typed by hand: shown as typed
    ],
)
def test_an_escalation_level_reads_in_the_language(label: str, language: str, shown: str) -> None:
    assert formats.duration(label, language) == shown


def test_dates_read_in_the_language_and_other_text_stays() -> None:
    assert formats.day("2026-11-23", "en") == "Nov 23, 2026"
    assert formats.day("2026-11-23", "es") == "23 nov 2026"
    assert formats.day(dt.date(2026, 11, 17), "es") == "17 nov 2026"
    assert formats.day_of_month(dt.date(2026, 11, 17), "en") == "Nov 17"
    assert formats.day_of_month(dt.date(2026, 11, 17), "es") == "17 nov"
    assert formats.day("next Tuesday", "es") == "next Tuesday"
    assert formats.day_of_month(None, "es") is None


def test_summary_periods_are_named_in_the_language() -> None:
    week, month, last_month = periods(dt.date(2026, 11, 23))

    def named(period: formats.PeriodLike, language: str) -> str:
        return formats.period(period, language, _translations(language).gettext)

    assert named(month, "en") == month.label == "November 2026 (so far)"
    assert named(last_month, "en") == last_month.label == "October 2026"
    assert named(week, "en") == week.label == "the last 7 days"
    assert named(month, "es") == "noviembre de 2026 (hasta hoy)"
    assert named(last_month, "es") == "octubre de 2026"
    assert named(week, "es") == "los últimos 7 días"


@pytest.mark.parametrize("language", LANGUAGES)
@given(days=st.integers(min_value=0, max_value=400))
def test_days_late_take_the_plural_of_their_number(language: str, days: int) -> None:
    template = _environment(language, False).from_string(
        '{{ ngettext("%(num)s day late", "%(num)s days late", days) }}'
    )
    shown = template.render(days=days)
    singular = {"en": f"{days} day late", "es": f"{days} día de retraso"}
    plural = {"en": f"{days} days late", "es": f"{days} días de retraso"}
    assert shown == (singular if days == 1 else plural)[language]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_translation_keeps_its_placeholders_and_plurals_have_every_form(
    language: str,
) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    plurals = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            plurals += 1
            assert len(message.string) == catalog.num_plurals == 2, message.id
            assert all(message.string), f"a plural form is missing: {message.id}"
            wanted = _placeholders(message.id[1])
            for index, form in enumerate(message.string):
                # The "one" form may say the number in words ("una respuesta"), as the
                # English one may ("an answer"): it alone may leave out %(num)s.
                said = _placeholders(form) | ({"num"} & wanted if index == 0 else set())
                assert said == wanted, message.id
        else:
            assert _placeholders(message.string) == _placeholders(message.id), message.id
    assert plurals >= 5  # days, days late, open days and hours, earlier failures


def test_a_spanish_email_names_the_help_as_the_spanish_form_does() -> None:
    assert formats.answer("Groceries", "es", "categories") == "Comida"
    assert formats.answer("Today", "es", "urgency") == "Hoy"
    assert formats.answer("Groceries", "en", "categories") == "Groceries"
    assert formats.answer("Other: a ramp", "es", "categories") == "Other: a ramp"  # as typed
    assert formats.answer("Groceries", "fr", "categories") == "Groceries"  # no forms file
    env = _environment("es", False)
    shown = env.from_string(
        '{{ c|category }} ({{ u|urgency }}); {{ cs|map("category")|join(", ") }}'
    ).render(c="Rides", u="This week", cs=["Meals", "Medicine pickup"])
    assert shown == "Transporte (Esta semana); Comidas preparadas, Recoger medicinas"


@given(
    st.sampled_from(sorted(available_languages())),
    st.sampled_from(["categories", "urgency"]),
    st.data(),
)
def test_a_named_answer_reads_back_as_the_same_canonical_value(
    language: str, field: str, data: st.DataObject
) -> None:
    """What an email calls a category is what the network's form would take in for it."""
    from sheetsync.form_languages import form_words
    from sheetsync.schema import load_schemas

    spec = load_schemas()["requests"].field(field)
    assert spec.enum is not None
    canonical = data.draw(st.sampled_from(spec.enum))
    shown = formats.answer(canonical, language, field)
    assert form_words("requests", (language,)).canonical(spec, shown) == canonical


def test_the_public_summary_speaks_the_organizers_language_unless_told() -> None:
    from pathlib import Path

    from sheetsync.config_sections import read_email

    base = Path("/tmp")
    assert read_email({}, "t", base).public_language == "en"
    spanish = {"email": {"organizers_language": "es"}}
    assert read_email(spanish, "t", base).public_language == "es"
    told = {"email": {"organizers_language": "es", "public_language": "en"}}
    assert read_email(told, "t", base).public_language == "en"
