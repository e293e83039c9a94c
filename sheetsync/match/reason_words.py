"""The words of the Tasks tab's `reasons`, in the network's language, and how sheetsync
reads back what it wrote there in any language it writes.

A reasons cell outlives the language it was written in: an organizer may switch the network
from English to Spanish, and the agreement to continue (recur/continuing.py) and the day a
proposal expired (match/expire.py) are read back from cells written before the switch. So a
message read back is matched as every shipped catalog words it, never as one regex written
by hand for English only.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from sheetsync.config_followup import duration_label
from sheetsync.form_languages import ENGLISH
from sheetsync.match.volunteers import DO_NOT_CONTACT, RED, RESTING
from sheetsync.translation import (
    available_languages,
    gettext_noop,
    known,
    ngettext_noop,
    number,
    translate_plural,
    translations,
)

# A proposal withdrawn as its volunteer may not be asked now (match/volunteers.py' words):
# whole messages, so each language words each reason as its sentence needs.
WITHDRAWN_AS = {
    RED: gettext_noop("withdrawn %(day)s: checked in red"),
    RESTING: gettext_noop("withdrawn %(day)s: resting (a rest confirmed on the Load tab)"),
    DO_NOT_CONTACT: gettext_noop("withdrawn %(day)s: marked do not contact"),
}
WITHDRAWN = gettext_noop("withdrawn %(day)s: %(why)s")
# A new volunteer's proposal (steps/match.py): with an experienced co-volunteer, or alone.
FIRST_TASK_ALONE = gettext_noop("a first task: no experienced co-volunteer is free")
FIRST_TASK_WITH = gettext_noop("a first task, so with %(mentor)s (%(done)s tasks done)")
_DAYS = ngettext_noop("%(num)s day", "%(num)s days")
_HOURS = ngettext_noop("%(num)s hour", "%(num)s hours")
_MARK = "\x00"  # stands for a placeholder while a translation is turned into a regex


def duration_in(delta: dt.timedelta, language: str) -> str:
    """ "4 hours", "1 day", "14 days" in `language` (config_followup.duration_label's
    words, which the docs and the settings use, in English: English is that label itself,
    "1000 days" without a separator, as the Tasks tab said it before it had languages)."""
    if known(language) == ENGLISH:
        return duration_label(delta)
    hours = delta.total_seconds() / 3600
    if hours % 24 == 0:
        return translate_plural(language, *_DAYS, int(hours // 24))
    whole = int(hours)
    if hours == whole:
        return translate_plural(language, *_HOURS, whole)
    # A part of an hour ("1.5 hours", "1,5 horas"): the plural, the language's separator.
    plural = translations(known(language)).ngettext(*_HOURS, 2)
    return plural % {"num": number(round(hours, 1), language)}


@cache
def _patterns(message: str, groups: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], ...]:
    """`message` as each shipped language words it, each placeholder a named group."""
    found: list[re.Pattern[str]] = []
    for language in sorted(available_languages()):
        worded = translations(language).gettext(message)
        marked = worded % {name: f"{_MARK}{name}{_MARK}" for name, _ in groups}
        parts = marked.split(_MARK)
        regex = "".join(
            re.escape(part) if k % 2 == 0 else f"(?P<{part}>{dict(groups)[part]})"
            for k, part in enumerate(parts)
        )
        pattern = re.compile(regex)
        if pattern not in found:
            found.append(pattern)
    return tuple(found)


def read_back(
    message: str, text: str, *, whole: bool = False, **groups: str
) -> list[re.Match[str]]:
    """Every place `text` says `message` (in any shipped language), in the order they
    appear: each placeholder read by the regex given for it in `groups`. With `whole`, only
    a `text` that says nothing else."""
    found: list[re.Match[str]] = []
    for pattern in _patterns(message, tuple(sorted(groups.items()))):
        if whole:
            found += filter(None, [pattern.fullmatch(text)])
        else:
            found += pattern.finditer(text)
    return sorted(found, key=lambda m: m.start())
