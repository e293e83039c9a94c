"""The evidence a compared pair shows on the Duplicates tab, in the network's language.

compare.py words each piece in English as it goes (tests and English networks read it as it
always was), and a piece with values in it is a `Said`: a str that keeps its message and
values, so the Duplicates tab can say it again in the organizers' language. A plain str
piece is its own message (marked with gettext_noop where it is written); a plain str value
inside a Said is a name as typed, never translated (a fixed phrase there is a Said too).
The evidence is written again whole each run and never read back: no other language needs
recognising.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Union

from babel.numbers import format_decimal

from sheetsync.form_languages import ENGLISH
from sheetsync.translation import known, number, translate

SEP = "; "  # between the pieces of a pair's evidence
NOTES_SEP = ", "  # between the notes in brackets after the names

Value = Union[str, int, float, "Said", tuple["Value", ...]]


class Said(str):
    """A piece of evidence worded in English, that keeps its message and values."""

    message: str
    values: Mapping[str, Value]

    def __new__(cls, message: str, /, **values: Value) -> Said:
        said = super().__new__(cls, message % {k: _english(v) for k, v in values.items()})
        said.message = message
        said.values = values
        return said

    def __reduce__(self) -> tuple[object, tuple[str, dict[str, Value]]]:
        # str's own would make it again from its English text, read as the message: a
        # name typed with a "%" in it would not format.
        return _remade, (self.message, dict(self.values))

    def said_in(self, language: str) -> str:
        """The piece in a language (English: as it was worded)."""
        if language == ENGLISH:
            return str(self)
        return translate(
            language, self.message, **{k: _in(v, language) for k, v in self.values.items()}
        )


def _remade(message: str, values: dict[str, Value]) -> Said:
    return Said(message, **values)


def evidence_in(pieces: Iterable[str], language: str) -> str:
    """A pair's evidence as the Duplicates tab shows it, in the tabs' language."""
    return SEP.join(
        piece.said_in(language) if isinstance(piece, Said) else translate(language, piece)
        for piece in pieces
    )


def _english(value: Value) -> str:
    if isinstance(value, tuple):
        return NOTES_SEP.join(map(_english, value))
    if isinstance(value, float):
        return f"{value:.2f}"  # a similarity
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _in(value: Value, language: str) -> str:
    if language == ENGLISH:
        return _english(value)
    if isinstance(value, Said):
        return value.said_in(language)
    if isinstance(value, tuple):
        return NOTES_SEP.join(_in(v, language) for v in value)
    if isinstance(value, float):
        return format_decimal(value, format="0.00", locale=known(language))
    if isinstance(value, int):
        return number(value, language)
    return value  # a name as typed: never translated
