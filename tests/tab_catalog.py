"""The messages the Summary and Load tabs' texts are worded with (sheetsync/summary/,
sheetsync/load/ and their steps), the Errors tab's reasons (REASON_MODULES) and the Tasks
tab's (TASK_REASON_MODULES), found in the code by Babel's extractor: the catalog checks of
tests/test_tab_messages.py, tests/test_errors_language.py and
tests/test_match_reasons_language.py, and tests/test_docs.py, which leaves out what only the
tabs say when it checks digests quoting an English network's tabs in another language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_file

from sheetsync.config import GOAL_MEASURES, Goal
from sheetsync.load.flags import FlagCode

SHEETSYNC = Path(__file__).resolve().parents[1] / "sheetsync"
# The modules that word the Errors tab's reasons: intake's, a form tab's cleaned answers,
# the end-of-run check's broken rules and organizer values (steps/check.py only passes the
# language on).
REASON_MODULES = [
    *sorted((SHEETSYNC / "intake").glob("*.py")),
    SHEETSYNC / "tables.py",
    SHEETSYNC / "match" / "invariants.py",
    SHEETSYNC / "steps" / "organizer_values.py",
]
# The modules that word the Tasks tab's reasons (tests/test_match_reasons_language.py).
TASK_REASON_MODULES = [
    SHEETSYNC / "match" / "eligibility.py",
    SHEETSYNC / "match" / "reason_words.py",
    SHEETSYNC / "match" / "withdraw.py",
    SHEETSYNC / "match" / "expire.py",
    SHEETSYNC / "recur" / "continuing.py",
    # the continuing reasons by recurrence (CONTINUES), and the Needs tab's
    # recurrence_note, which only the tab says
    SHEETSYNC / "recur" / "series.py",
    SHEETSYNC / "steps" / "recur.py",
]
# The modules that word the Summary and Load tabs' texts, the Errors tab's and the Tasks
# tab's reasons.
TAB_MODULES = [
    *sorted((SHEETSYNC / "summary").glob("*.py")),
    *sorted((SHEETSYNC / "load").glob("*.py")),
    SHEETSYNC / "steps" / "summary.py",
    SHEETSYNC / "steps" / "summary_feedback.py",
    SHEETSYNC / "steps" / "load.py",
    *REASON_MODULES,
    *TASK_REASON_MODULES,
]
# Where the message is among a call's arguments (Babel's extractor: 1-based; two for a
# plural). `t` is a module's translate bound to the tab's language (functools.partial).
KEYWORDS = {
    "translate": (2,),
    "translate_plural": (2, 3),
    "gettext_noop": (1,),
    "ngettext_noop": (1, 2),
    "t": (1,),
}


def messages_in(
    paths: Iterable[Path], keywords: Mapping[str, tuple[int, ...]] = KEYWORDS
) -> list[str | tuple[str, str]]:
    """Every message the modules write, once each in the order found: Babel's extractor over
    their code (the catalog checks of each tab's texts use it)."""
    found: list[str | tuple[str, str]] = []
    for path in paths:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=dict(keywords)
        ):
            if message not in found:
                found.append(message)
    return found


@cache
def tab_messages() -> list[str | tuple[str, str]]:
    """Every message the tabs' modules write: found in their code by Babel's extractor, and
    those named by data (a flag's code, a goal's measure and label)."""
    found = messages_in(TAB_MODULES)
    found += [code.value for code in FlagCode]
    found += list(GOAL_MEASURES.values())
    found += [Goal(m, per, 1).label for m in GOAL_MEASURES for per in ("week", "month")]
    return found


def msgid_of(message: str | tuple[str, ...]) -> str:
    """A message's catalog key: a plural's singular."""
    return message[0] if isinstance(message, tuple) else message


@cache
def tab_only_messages() -> frozenset[str]:
    """The msgids only the tabs' code says (both forms of a plural): a flag's name, and
    each message of the tabs' modules whose words no other source or template holds."""
    others = [
        p.read_text(encoding="utf-8")
        for p in sorted(SHEETSYNC.rglob("*"))
        if p.suffix in (".py", ".html", ".txt", ".subject") and p not in TAB_MODULES
    ]
    extracted = [m for m in tab_messages() if not _is_data(m)]
    only = {
        form
        for m in extracted
        if not any(msgid_of(m) in text for text in others)
        for form in (m if isinstance(m, tuple) else (m,))
    }
    return frozenset(only | {code.value for code in FlagCode})


def _is_data(message: str | tuple[str, str]) -> bool:
    """A message named by data, not by the tabs' code (a goal's measure or label)."""
    labels = {Goal(m, per, 1).label for m in GOAL_MEASURES for per in ("week", "month")}
    return msgid_of(message) in set(GOAL_MEASURES.values()) | labels


def untranslated(messages: Iterable[str | tuple[str, str]], language: str) -> list[object]:
    """The messages the language's catalog lacks, or holds with an empty form or another
    plural: what a catalog check lists as missing."""
    from tests.test_docs import catalog  # test_docs imports this module

    words = catalog(language)
    assert words is not None, f"no catalog for {language}"
    missing: list[object] = []
    for message in messages:
        entry = words.get(msgid_of(message))
        strings = entry.string if entry is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or not all(forms) or (isinstance(message, tuple) and entry.id != message):
            missing.append(message)
    return missing


def placeholder_problems(
    messages: Iterable[str | tuple[str, str]], language: str
) -> list[tuple[object, list[object]]]:
    """Babel's python-format checker over the messages' entries: a msgstr names the msgid's
    %(name)s and no other."""
    from tests.test_docs import catalog

    words = catalog(language)
    assert words is not None, f"no catalog for {language}"
    keys = {msgid_of(m) for m in messages}
    return [(m.id, list(errors)) for m, errors in words.check() if m.id and msgid_of(m.id) in keys]
