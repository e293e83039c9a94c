"""Digests rendered from jinja2 templates (sheetsync/templates/digest/): HTML (autoescaped)
and plain text, in the recipient's language where a translation exists (gettext catalogs
in sheetsync/locale/LANG/LC_MESSAGES/messages.po, read with Babel), English otherwise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from sheetsync.digest import formats
from sheetsync.files import FORMULA_STARTS
from sheetsync.followup.model import task_ref_in
from sheetsync.translation import LOCALES as LOCALES
from sheetsync.translation import available_languages as available_languages
from sheetsync.translation import translate as translate
from sheetsync.translation import translations as _translations

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
# A language as People's languages column writes it -> its catalog.
LANGUAGE_CODES = {"english": "en", "spanish": "es", "español": "es", "espanol": "es"}


@dataclass(frozen=True)
class Image:
    """A picture shown inside the HTML: its template variable holds it, and the HTML
    refers to it as cid:<cid> (the email's inline part)."""

    cid: str
    filename: str
    png: bytes

    @property
    def src(self) -> str:
        return f"cid:{self.cid}"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str
    images: tuple[Image, ...] = ()


def language_for(spoken: str) -> str:
    """The first language someone listed that sheetsync has a translation for; else en."""
    have = available_languages()
    for name in spoken.split(","):
        code = LANGUAGE_CODES.get(name.strip().casefold(), name.strip().casefold())
        if code in have:
            return code
    return "en"


# Text at the start of an element: what a spreadsheet opening the .html takes for a cell
# (leading white space, tabs and returns included, is dropped there).
_FORMULA = "".join(c for c in FORMULA_STARTS if not c.isspace())
_CELL_START = re.compile(r"(>\s*)(?=[" + re.escape(_FORMULA) + "])")
_STYLE = re.compile(r"(<style\b.*?</style>)", re.S | re.I)


def inert_html(html: str) -> str:
    """HTML whose elements' text, were the file opened in a spreadsheet (Excel opens .html
    as a sheet), never starts like a formula: such text gets a leading ' (OWASP), as in the
    exports. Text further in an element (a phone after a name) and style sheets are left
    as they are."""
    parts = _STYLE.split(html)  # odd parts: <style> blocks
    return "".join(p if k % 2 else _CELL_START.sub(r"\1'", p) for k, p in enumerate(parts))


@cache
def _environment(language: str, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = _translations(language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=lambda v: formats.number(v, language),
        day=lambda v: formats.day(v, language),
        day_of_month=lambda v: formats.day_of_month(v, language),
        duration=lambda v: formats.duration(v, language),
        category=lambda v: formats.answer(v, language, "categories"),
        urgency=lambda v: formats.answer(v, language, "urgency"),
        task_ref=lambda v: task_ref_in(str(v), language),
        period=lambda v: formats.period(v, language, translations.gettext),
    )
    return env


def render(audience: str, data: Any, language: str = "en", **extra: Any) -> Rendered:
    """An audience's digest (organizers, volunteer, public) in a language. An Image among
    `extra` goes with the email as an inline part."""
    if language not in available_languages():
        language = "en"
    values = {"d": data, "lang": language, **extra}
    html = inert_html(
        _environment(language, True).get_template(f"digest/{audience}.html").render(values)
    )
    text = _environment(language, False).get_template(f"digest/{audience}.txt").render(values)
    subject = (
        _environment(language, False).get_template(f"digest/{audience}.subject").render(values)
    )
    images = tuple(v for v in extra.values() if isinstance(v, Image))
    return Rendered(" ".join(subject.split()), text, html, language, images)


def render_page(template: str, language: str, **values: Any) -> str:
    """A page of its own (the call sheet: templates/calls/) as autoescaped HTML in a
    language, made inert as the digests' HTML is; `lang` is its language."""
    if language not in available_languages():
        language = "en"
    page = _environment(language, True).get_template(template)
    return inert_html(page.render({"lang": language, **values}))
