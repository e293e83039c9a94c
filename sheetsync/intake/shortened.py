"""An answer too long for its column, cut with a marker saying where the whole answer is,
in the tabs' language: " … [shortened: full answer in Form Responses 1, row 17]".

The marker is written into Needs' details (and an Errors row's cells) and never read back:
a network that changes its language gets the new words when the row is next written.
"""

from __future__ import annotations

from sheetsync.form_languages import ENGLISH
from sheetsync.normalize import cut_with, response_place, shorten
from sheetsync.translation import gettext_noop, translate

SHORTENED = gettext_noop("[shortened: full answer in %(tab)s, row %(row)s]")
OTHER = gettext_noop("[Other: %(other)s]")  # the text typed next to a request's "Other"


def shorten_answer(text: str, limit: int, tab: str, row: int, language: str = ENGLISH) -> str:
    """`text` cut to at most `limit` characters, ending with the marker in `language` that
    names the tab and row holding it all; unchanged when it fits."""
    if language == ENGLISH:
        return shorten(text, limit, response_place(tab, row))  # as it always read
    return cut_with(text, limit, " … " + translate(language, SHORTENED, tab=tab, row=row))


def with_other(other: str, details: str, language: str = ENGLISH) -> str:
    """A request's details with the text typed next to "Other" first, labelled."""
    return f"{translate(language, OTHER, other=other)} {details}".strip()
