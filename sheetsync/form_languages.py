"""Forms written in other languages: the words of each shipped language's forms
(sheetsync/locale/LANG/forms.yaml), read back to the schemas' own English.

A network's forms may be in Spanish, or in Spanish and English across versions ([forms]
languages in sheetsync.toml). Their question titles find their columns and their answers
read as the schemas' options, so everything after reading (validation, matching, the Needs
tab) sees the canonical English values only. English is the schemas' own words: it needs
no file and is always read. Adding a language is one file beside es/forms.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sheetsync.errors import SchemaError
from sheetsync.normalize import fold
from sheetsync.schema import FieldSpec, FieldType, TableSchema, load_schemas

ENGLISH = "en"
LOCALES = Path(__file__).resolve().parent / "locale"
FORMS_FILE = "forms.yaml"
_KEYS = {"language", "name", "forms"}
_FIELD_KEYS = {"title", "options"}


@dataclass(frozen=True)
class FormLanguage:
    """One language's words for the forms: titles and option texts by (form, field)."""

    code: str
    name: str  # in English, for messages: "Spanish"
    titles: Mapping[tuple[str, str], str]
    options: Mapping[tuple[str, str], Mapping[str, str]]  # canonical option -> its text

    def title(self, form: str, spec: FieldSpec) -> str:
        """A question's title in this language (the schema's where it has none)."""
        return self.titles.get((form, spec.name), spec.title)

    def answer(self, form: str, spec: FieldSpec, canonical: str) -> str:
        """A canonical answer as a form in this language writes it; a checkbox answer
        ("Groceries, Rides") item by item. Words it has none for stay as they are."""
        words = self.options.get((form, spec.name), {})
        if spec.type is FieldType.LIST:
            items = [i for i in canonical.split(spec.delimiter) if i]
            return spec.delimiter.join(words.get(i, i) for i in items)
        return words.get(canonical, canonical)


def written_in(schema: TableSchema, response: Mapping[str, Any], language: str) -> list[Any]:
    """A response's cells in the form's column order (the schema's), its options as a form
    in `language` writes them: the demo's responses, in the network's language."""
    cells = [response.get(name, "") for name in schema.names]
    if language == ENGLISH:
        return cells
    words = form_language(language)
    return [
        words.answer(schema.name, spec, cell) if isinstance(cell, str) and cell else cell
        for spec, cell in zip(schema.fields, cells, strict=True)
    ]


@cache
def shipped_languages() -> tuple[str, ...]:
    """English first, then every language with a forms file, by code (read once: each
    answer an email or a tab names asks)."""
    found = sorted(p.parent.name for p in LOCALES.glob(f"*/{FORMS_FILE}"))
    return (ENGLISH, *(code for code in found if code != ENGLISH))


@cache
def form_language(code: str) -> FormLanguage:
    """A shipped language's words (English: the schemas' own)."""
    if code == ENGLISH:
        return _english()
    path = LOCALES / code / FORMS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SchemaError(f"Form words {path} cannot be read: {err}") from err
    return _parse(raw, code, path)


def _english() -> FormLanguage:
    titles: dict[tuple[str, str], str] = {}
    options: dict[tuple[str, str], Mapping[str, str]] = {}
    for schema in _form_schemas():
        for spec in schema.fields:
            titles[(schema.name, spec.name)] = spec.title
            if spec.enum:
                options[(schema.name, spec.name)] = {o: o for o in spec.enum}
    return FormLanguage(ENGLISH, "English", titles, options)


def _parse(raw: Any, code: str, path: Path) -> FormLanguage:
    """A forms file, checked for shape (what it covers is the tests' to check)."""
    if not isinstance(raw, dict) or set(raw) - _KEYS or raw.get("language") != code:
        raise SchemaError(
            f"Form words {path} must be a mapping of language ({code!r}), name and forms."
        )
    titles: dict[tuple[str, str], str] = {}
    options: dict[tuple[str, str], Mapping[str, str]] = {}
    forms = raw.get("forms") or {}
    for form, fields in forms.items():
        for name, words in (fields or {}).items():
            if not isinstance(words, dict) or set(words) - _FIELD_KEYS:
                raise SchemaError(
                    f"Form words {path}: {form}.{name} must hold a title and its options."
                )
            if "title" in words:
                titles[(str(form), str(name))] = str(words["title"])
            if words.get("options"):
                options[(str(form), str(name))] = {
                    str(k): str(v) for k, v in words["options"].items()
                }
    return FormLanguage(code, str(raw.get("name") or code), titles, options)


def _form_schemas() -> list[TableSchema]:
    return [s for s in load_schemas().values() if s.kind == "form"]


def reading_order(languages: Sequence[str]) -> tuple[str, ...]:
    """The languages a network's forms are read in: its own, then English (the schemas'
    words, always understood), each once."""
    return tuple(dict.fromkeys([*languages, ENGLISH]))


def language_names(languages: Sequence[str]) -> str:
    """The languages for a person: "Spanish or English"."""
    names = [form_language(code).name for code in reading_order(languages)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True)
class FormWords:
    """One form's words in a network's languages: each question's titles, and its
    answers read back to the schema's options."""

    form: str
    languages: tuple[str, ...]  # reading_order: the network's, then English
    titles: Mapping[str, tuple[str, ...]]  # field -> its titles, in reading order, each once
    answers: Mapping[str, Mapping[str, str]]  # field -> fold(text) -> canonical answer
    texts: Mapping[str, tuple[str, ...]]  # field -> every option text, for suggestions

    @property
    def english_only(self) -> bool:
        return self.languages == (ENGLISH,)

    def canonical(self, spec: FieldSpec, text: str) -> str:
        """An answer as the schema's options write it: a checkbox answer item by item;
        an item in no language read stays as it is (validation then judges it)."""
        words = self.answers.get(spec.name)
        if not words:
            return text
        if spec.type is FieldType.LIST:
            items = [i.strip() for i in text.split(spec.delimiter)]  # as validation splits
            return spec.delimiter.join(words.get(fold(i), i) for i in items if i)
        return words.get(fold(text), text)


@cache
def form_words(form: str, languages: tuple[str, ...] = (ENGLISH,)) -> FormWords:
    """A form's words in `languages` (and English). Where two languages write different
    answers alike, the first language listed wins (the shipped files have no such pair)."""
    order = reading_order(languages)
    schema = load_schemas()[form]
    words = [form_language(code) for code in order]
    titles: dict[str, tuple[str, ...]] = {}
    answers: dict[str, dict[str, str]] = {}
    texts: dict[str, tuple[str, ...]] = {}
    for spec in schema.fields:
        titles[spec.name] = tuple(dict.fromkeys(w.title(form, spec) for w in words))
        found: dict[str, str] = {}
        for w in words:
            for canonical, text in w.options.get((form, spec.name), {}).items():
                found.setdefault(fold(text), canonical)
        if spec.enum:
            for canonical in spec.enum:  # English is read whatever the languages
                found.setdefault(fold(canonical), canonical)
        if found:
            answers[spec.name] = found
            texts[spec.name] = tuple(
                dict.fromkeys(
                    t for w in words for t in w.options.get((form, spec.name), {}).values()
                )
            )
    return FormWords(form, order, titles, answers, texts)
