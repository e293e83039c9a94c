"""The Phone log's look: its header in view and bold, a dropdown for each one-answer
question (in the network's first form language), a date check on When.

The tab is the organizers' own, typed by hand, so nothing in it is shaded as sheetsync's;
a dropdown only warns (the sheet accepts any text, and sheetsync reports an answer it
cannot read on the Errors tab). Questions with several answers ("Groceries, Rides") get
no dropdown: a sheet's dropdown takes one answer per cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sheetsync.backends.formats import ColumnFormat, TabFormat
from sheetsync.config import Config
from sheetsync.form_languages import form_language
from sheetsync.normalize import cell_text
from sheetsync.schema import FieldSpec, FieldType, TableSchema

PHONE_LOG = "phone_log"
_WIDE = frozenset({"details", "reach", "help"})  # long answers wrap
_WIDTHS = {FieldType.DATETIME: 130, FieldType.INTEGER: 90, FieldType.LIST: 170}


def phone_log_format(
    schemas: Mapping[str, TableSchema], headers: Mapping[str, Sequence[object]], config: Config
) -> TabFormat | None:
    """The Phone log's formatting, if the spreadsheet has it with its header written."""
    schema = schemas.get(PHONE_LOG)
    tab = config.forms[PHONE_LOG].tab if PHONE_LOG in config.forms else None
    if schema is None or tab is None or not headers.get(tab):
        return None
    words = form_language(config.form_languages[0])
    at = {cell_text(h).strip(): col for col, h in enumerate(headers[tab], start=1)}
    columns = []
    for spec in schema.fields:
        col = at.get(words.title(PHONE_LOG, spec)) or at.get(spec.title)
        if col is not None:
            columns.append(_column(spec, col, _choices(spec, config)))
    return TabFormat(tab=tab, columns=tuple(sorted(columns, key=lambda c: c.col)))


def _choices(spec: FieldSpec, config: Config) -> tuple[str, ...]:
    """A one-answer question's options as the network's forms write them; the zones."""
    if spec.type is FieldType.LIST:
        return ()
    if spec.enum_from == "network.zones":
        return tuple(config.zones)
    words = form_language(config.form_languages[0])
    return tuple(words.answer(PHONE_LOG, spec, option) for option in spec.enum or ())


def _column(spec: FieldSpec, col: int, choices: tuple[str, ...]) -> ColumnFormat:
    wide = spec.name in _WIDE
    return ColumnFormat(
        col=col,
        width=300 if wide else _WIDTHS.get(spec.type, 130),
        wrap=wide,
        choices=choices,
        date_check=spec.type is FieldType.DATETIME,
    )
