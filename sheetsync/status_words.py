"""Status words in the network's language: what sheetsync writes in a status column, and
every word it reads back there as the canonical status (the StrEnums of statuses.py).

Organizers read and type the Tasks, Needs, Errors and Duplicates status columns every day,
so a Spanish network's cells say "propuesta", "hecha", "abierta". The code never sees
those words: tables.read_table turns each cell, in any shipped language, into the
canonical status right after reading (as form answers are read, form_languages.py), and
the diff (tables.plan_changes) turns a status back into the network's word only for the
cells it writes. The diff compares canonical statuses, so a cell an organizer typed
"Hecho" or "done" reads as done and is never rewritten "hecha" for its word alone.

The Needs tab's escalated column ("14 days", "14 días") is read and written alike, and so
are the other columns of a few fixed words (COLUMNS): the Duplicates decision organizers
type ("misma"), the check-in lights ("rojo") and Load's rest_status ("sugerido").

English is the statuses' own words and needs no file; another language is one file,
sheetsync/locale/LANG/statuses.yaml.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sheetsync.config_followup import duration_label
from sheetsync.errors import SchemaError
from sheetsync.form_languages import ENGLISH
from sheetsync.normalize import fold
from sheetsync.statuses import ErrorStatus, NeedStatus, PairStatus, TaskStatus

LOCALES = Path(__file__).resolve().parent / "locale"
STATUS_FILE = "statuses.yaml"

Column = tuple[str, str]  # (schema name, field): ("tasks", "status")


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(s.value for s in enum if s.value)


# The columns holding a closed set of words, and the set (canonical, as the schemas' enums).
# The statuses' own StrEnums where this module may import them; else the words alone, which
# tests/test_column_words.py checks against the schema's enum and the module reading them:
# the Duplicates decision (dedupe.clusters.Decision, read by steps/dedupe.py), Load's
# rest_status (load.rest.RestStatus), the check-in lights (intake/people.py) and the Call
# list's reason (calls.CallReason).
TASK_STATUS: Column = ("tasks", "status")
DECISION: Column = ("duplicates", "decision")
COLUMNS: Mapping[Column, tuple[str, ...]] = {
    TASK_STATUS: _values(TaskStatus),
    ("needs", "status"): _values(NeedStatus),
    ("errors", "status"): _values(ErrorStatus),
    ("duplicates", "status"): _values(PairStatus),
    # Typed by organizers, never written by sheetsync: read in any language, and its
    # dropdown lists the network's words.
    DECISION: ("same", "different"),
    ("load", "rest_status"): ("suggested", "resting", "back"),
    ("load", "checkin"): ("green", "yellow", "red"),
    ("people", "checkin_status"): ("green", "yellow", "red"),
    ("call_list", "reason"): ("confirmation", "feedback", "follow-up"),
    # Yes and no: organizers' (the first two) and the consent sheetsync writes on People
    # (privacy.Consent). Not consent_override: consent_override_seen keeps the text typed
    # there and a run compares the two (privacy.row_override), so a cell read otherwise
    # would look newly typed. The hidden columns of form answers stay English.
    ("people", "weekly_email"): ("yes", "no"),
    ("tasks", "continues"): ("yes", "no"),
    ("people", "consent"): ("yes", "first name", "no"),
}
# The columns only organizers type: read in any language, listed in the network's words
# by their dropdown, never written by sheetsync (a demo shows none until someone decides).
TYPED_ONLY: frozenset[Column] = frozenset(
    {DECISION, ("people", "weekly_email"), ("tasks", "continues")}
)
# The Needs tab's escalation label: a duration, "14 days".
ESCALATED: Column = ("needs", "escalated")
# A unit's hours, and its English words (one, many), as config_followup writes and reads them.
_UNIT_HOURS = {"hour": 1, "day": 24, "week": 24 * 7}
_ENGLISH_UNITS = {
    "hour": ("hour", "hours", "h"),
    "day": ("day", "days", "d"),
    "week": ("week", "weeks", "w"),
}
_LABEL = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(\S.*?)\s*$")
_KEYS = {"language", "columns", "units", "decimal"}


@dataclass(frozen=True)
class StatusLanguage:
    """One language's status words: by column, each status's words (the one written first)."""

    code: str
    words: Mapping[Column, Mapping[str, tuple[str, ...]]]
    units: Mapping[str, tuple[str, ...]]  # "day" -> ("día", "días")
    decimal: str = "."

    def word(self, column: Column, status: str) -> str:
        """The word written for a status (the status itself where the file has none)."""
        found = self.words.get(column, {}).get(status)
        return found[0] if found else status

    def label(self, hours: float) -> str:
        """An escalation level in this language's words: "14 días", "2,5 horas"."""
        english = duration_label(dt.timedelta(hours=hours))
        if self.code == ENGLISH:
            return english
        number, unit = english.split(" ", 1)
        one, many = self.units[unit.rstrip("s")][:2]
        return f"{number.replace('.', self.decimal)} {one if number == '1' else many}"


def shipped_status_languages() -> tuple[str, ...]:
    """English first, then every language with a status file, by code."""
    found = sorted(p.parent.name for p in LOCALES.glob(f"*/{STATUS_FILE}"))
    return (ENGLISH, *(code for code in found if code != ENGLISH))


@cache
def status_language(code: str) -> StatusLanguage:
    """A language's status words; English, and a language without a file, the statuses'
    own (a network in a language sheetsync has no words for writes English)."""
    path = LOCALES / code / STATUS_FILE
    if code == ENGLISH or not path.exists():
        return _english()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SchemaError(f"Status words {path} cannot be read: {err}") from err
    return _parse(raw, code, path)


def _english() -> StatusLanguage:
    words = {column: {s: (s,) for s in values} for column, values in COLUMNS.items()}
    units = {unit: names[:2] for unit, names in _ENGLISH_UNITS.items()}
    return StatusLanguage(ENGLISH, words, units)


def _parse(raw: Any, code: str, path: Path) -> StatusLanguage:
    """A status file, checked for shape (what it covers is the tests' to check)."""
    if not isinstance(raw, dict) or set(raw) - _KEYS or raw.get("language") != code:
        raise SchemaError(
            f"Status words {path} must be a mapping of language ({code!r}), columns, units "
            "and decimal."
        )
    words: dict[Column, dict[str, tuple[str, ...]]] = {}
    for key, statuses in (raw.get("columns") or {}).items():
        tab, _, name = str(key).partition(".")
        words[(tab, name)] = {str(s): _words(w) for s, w in (statuses or {}).items()}
    units = {str(unit): _words(w) for unit, w in (raw.get("units") or {}).items()}
    if set(units) != set(_UNIT_HOURS) or any(len(w) != 2 for w in units.values()):
        raise SchemaError(f"Status words {path}: units must give hour, day and week, one and many.")
    return StatusLanguage(code, words, units, str(raw.get("decimal") or "."))


def _words(value: Any) -> tuple[str, ...]:
    return tuple(str(w) for w in value) if isinstance(value, list) else (str(value),)


@cache
def reading(column: Column) -> Mapping[str, str]:
    """fold(word) -> status, for every word of the column in every shipped language. Where
    two languages read a word differently the first listed wins (the tests keep the shipped
    files free of such a word).

    Not the English synonyms of a task's status ("in progress"): those stay as typed, read
    by statuses.task_status and listed as values to fix, as they always were
    (docs/errors.md); a language's own words are its file's, read as the status."""
    found: dict[str, str] = {}
    for code in shipped_status_languages():
        for status, words in status_language(code).words.get(column, {}).items():
            for word in words:
                found.setdefault(fold(word), status)
    return found


@cache
def _statuses(column: Column) -> frozenset[str]:
    return frozenset(COLUMNS.get(column, ()))


@cache
def _unit_reading() -> Mapping[str, str]:
    """fold(unit word) -> unit, in every shipped language."""
    found = {fold(w): unit for unit, words in _ENGLISH_UNITS.items() for w in words}
    for code in shipped_status_languages():
        for unit, words in status_language(code).units.items():
            for word in words:
                found.setdefault(fold(word), unit)
    return found


def is_worded(column: Column) -> bool:
    """Whether sheetsync reads and writes the column's words through this module."""
    return column in COLUMNS or column == ESCALATED


def read_word(column: Column, text: str) -> str:
    """A cell of the column as sheetsync works with it: the canonical status (or English
    label) for a word in any shipped language; anything else as it is (the checks judge
    it)."""
    if column == ESCALATED:
        return read_label(text)
    return reading(column).get(fold(text), text) if text.strip() else text


def written_word(column: Column, value: str, language: str) -> str:
    """What sheetsync writes for a canonical value in the network's language; a value that
    is no status of the column (an organizer's own word carried over) as it is."""
    if column == ESCALATED:
        hours = label_hours(value)
        return value if hours is None else status_language(language).label(hours)
    if value not in _statuses(column):
        return value
    return status_language(language).word(column, value)


def label_hours(text: str) -> float | None:
    """The hours an escalation label says, in any shipped language ("14 días": 336);
    None when it says none."""
    found = _LABEL.match(text)
    unit = _unit_reading().get(fold(found[2])) if found else None
    if found is None or unit is None:
        return None
    hours = float(found[1].replace(",", ".")) * _UNIT_HOURS[unit]
    return hours if hours > 0 else None


def read_label(text: str) -> str:
    """An escalation label in any shipped language as the English one sheetsync compares
    ("14 días" -> "14 days"); any other text as it is."""
    hours = label_hours(text)
    return text if hours is None else duration_label(dt.timedelta(hours=hours))
