"""How sheetsync's tabs look: the formatting a backend applies, described once for both.

A FormatPlan is plain data, like TabChanges: core code (sheetsync.formatting) builds it from
the schemas and the tabs' headers; each backend turns it into its own requests (Google: one
spreadsheets.batchUpdate; a workbook: the same patch that writes the cells). Applying a plan
twice gives the same spreadsheet: nothing is added twice (no second rule, no second
protected range), and what organizers added themselves (their own colours, rules,
validations, notes on other cells, protected ranges) is kept.

Coordinates are 1-based sheet columns, as in TabChanges, in the tab as it is after the write
the plan goes with. Formats cover the whole column below the header (row 2 down), so rows
added later look the same.
"""

from __future__ import annotations

from dataclasses import dataclass

# Colours, as #RRGGBB: both backends take them as they are.
OWNED_FILL = "#EEF2F7"  # columns sheetsync writes: a light grey-blue
HEADER_FILL = "#DDE5F0"  # the header of a column sheetsync writes
OWNED_NOTE = "Written by sheetsync: your edits here are replaced on the next run."
# The number formats of sheetsync's dates and date-times: the columns' format in the plan,
# and the one Google gives each date sheetsync writes (rows added after the plan ran).
DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class ColumnFormat:
    """One column's look, and what the sheet checks as organizers type."""

    col: int
    width: int  # in pixels (Google pixelSize; a workbook converts to character widths)
    wrap: bool = False  # long text wraps (reasons, notes); short columns clip
    # A number format pattern both Google and Excel read, e.g. "yyyy-mm-dd",
    # "yyyy-mm-dd hh:mm", "0", "0.0"; None leaves the cells' own format.
    number_format: str | None = None
    # Written by sheetsync: shaded (OWNED_FILL below the header, HEADER_FILL on it), and on
    # Google a warning-only protected range (a person editing it is asked to confirm).
    owned: bool = False
    note: str | None = None  # the header cell's note (comment), e.g. OWNED_NOTE or a hint
    hidden: bool = False  # detail columns hidden from view (the data stays, unhide to see)
    # An organizer's column with a fixed set of answers: a dropdown of these. It warns on
    # another value but accepts it (sheetsync reports it on the Errors tab, with advice).
    choices: tuple[str, ...] = ()
    # An organizer's date column: the sheet warns on a value that is not a date (it accepts
    # it; sheetsync reports it). Not set together with choices.
    date_check: bool = False


@dataclass(frozen=True)
class ColourRule:
    """Fill the cells of columns first_col..last_col (row 2 down) where `formula` holds.

    The formula is written for row 2 with $-anchored column letters, e.g. '=$K2="red"' or
    '=AND($F2="today",$H2>=1)'; it is relative down the rows as in both Google Sheets and
    Excel, which read the same text. Rules of one tab are tried in order; the first that
    holds wins (Excel: stopIfTrue; Google: the first matching rule's format).
    """

    first_col: int
    last_col: int
    formula: str
    fill: str  # #RRGGBB
    bold: bool = False


@dataclass(frozen=True)
class TabFormat:
    """One tab's formatting."""

    tab: str
    columns: tuple[ColumnFormat, ...]
    rules: tuple[ColourRule, ...] = ()
    frozen_rows: int = 1  # the header stays in view
    bold_header: bool = True


@dataclass(frozen=True)
class FormatPlan:
    """The formatting of sheetsync's tabs, and its version.

    `version` is a digest of what sheetsync's formatting is (sheetsync.formatting): a backend
    stores it in the spreadsheet where organizers don't see it (Google: developer metadata
    with key FORMAT_KEY; a workbook: a custom document property of that name) when it
    applies the plan, and Backend.formats_applied returns it, so a run formats again only
    after an upgrade changed it (or a tab was created).
    """

    tabs: tuple[TabFormat, ...]
    version: str


FORMAT_KEY = "sheetsync_format"
