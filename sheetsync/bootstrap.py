"""`sheetsync init`: create the tabs and columns a network's spreadsheet is missing.

A column missing from a tab that has rows may have been renamed: init gives it its name
back when it recognises it (one column whose header is the title but for case, spaces,
underscores or a small typo, and whose values fit the field: a status column mostly
holding statuses), whoever owns it. Renaming is surer for an organizer's column than for
one sheetsync writes, since every run would overwrite the column taken: an organizer's
column may also be recognised by a header holding its title with words naming the tab
("Task status"), but not with others ("Old status (2024)"); a column sheetsync writes
only by its title but for case and spacing, or a small typo when its values can be checked
and fit ("Decline reasons", an organizer's own column, is never taken for Tasks' reasons).
When a column might be it but is not recognised for sure, init stops with advice and
writes nothing: adding the column again empty would reset every organizer's values (or
sheetsync's history) in it. A column nothing in the tab could be is added at the end: it
is new in this version of sheetsync, or it was deleted with its values (docs/errors.md).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheetsync.backends.base import Backend, CellUpdate, TabChanges, TabData, Value
from sheetsync.board.store import init_board
from sheetsync.config import FORMS, SHEETSYNC_TABS, Config
from sheetsync.errors import MissingColumnError
from sheetsync.form_languages import form_language, shipped_languages
from sheetsync.formatting import write_formatted
from sheetsync.normalize import cell_text, dayfirst_locale
from sheetsync.schema import FieldSpec, Owner, TableSchema, load_schemas
from sheetsync.state import FORM_SCHEMAS, resolve_tab
from sheetsync.status_words import is_worded, read_word
from sheetsync.steps.organizer_values import value_problem

# A header this close to a title (difflib's ratio, after tidying) names the same column.
CLOSE_NAME = 0.8
# ... and one this close might: init asks rather than guess.
LOOSE_NAME = 0.6
# The share of a column's values that must fit a field for init to take it for that field.
FITTING = 0.8


@dataclass
class InitReport:
    """What init created; all empty when the spreadsheet already had everything."""

    created_tabs: list[str] = field(default_factory=list)
    added_columns: dict[str, list[str]] = field(default_factory=dict)
    # tab -> (the header found, the title given back) for each renamed column init restored
    renamed_columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    formatted: int = 0  # tabs whose formatting init applied (0: it was already there)
    board_tab: str | None = None  # the volunteer board's tab, when init created it

    @property
    def changed(self) -> bool:
        return bool(
            self.created_tabs or self.added_columns or self.renamed_columns or self.board_tab
        )


def init_spreadsheet(
    backend: Backend,
    config: Config,
    *,
    form_rows: Mapping[str, Sequence[list[Value]]] | None = None,
) -> InitReport:
    """Create the tabs and columns the spreadsheet is missing, in one write.

    `form_rows` (form -> rows in its schema's column order) go under the header of each form
    tab init creates; a form tab that exists already gets at most its header, never rows.
    """
    schemas = load_schemas()
    tabs = backend.list_tabs()
    forms = {form: resolve_tab(config.form_tab(form), tabs) for form in FORMS}
    present = [config.tabs[t] for t in SHEETSYNC_TABS if config.tabs[t] in tabs]
    names = [tab for tab in forms.values() if tab] + present
    data = backend.read_tabs(names) if names else {}
    report = InitReport()
    changes = _form_tab_changes(config, schemas, forms, data, form_rows or {}, report)
    changes += _own_tab_changes(config, schemas, data, report)
    headers = _headers_after(data, changes)
    report.formatted = write_formatted(backend, changes, schemas, headers, config)
    report.board_tab = init_board(config)  # the volunteer board: a store of its own
    return report


def _headers_after(
    data: Mapping[str, TabData], changes: list[TabChanges]
) -> dict[str, list[Value]]:
    """Each tab's header row as it is once `changes` are written (formatting finds its
    columns there)."""
    headers = {tab: list(tab_data.header) for tab, tab_data in data.items()}
    for change in changes:
        header = headers.setdefault(change.tab, [])
        if (
            change.create or change.start_row == 1
        ) and change.append:  # a new tab, or an empty one's header
            headers[change.tab] = list(change.append[0])
        for update in change.update:
            if update.row == 1:
                header += [""] * (update.col - len(header))
                header[update.col - 1] = update.value
    return headers


def _form_tab_changes(
    config: Config,
    schemas: Mapping[str, TableSchema],
    forms: Mapping[str, str | None],
    data: Mapping[str, TabData],
    form_rows: Mapping[str, Sequence[list[Value]]],
    report: InitReport,
) -> list[TabChanges]:
    """Create missing form tabs (with their `form_rows`); give empty ones their header,
    in the first of the forms' languages ([forms] languages)."""
    changes: list[TabChanges] = []
    words = form_language(config.form_languages[0])
    for form, found in forms.items():
        schema = schemas[FORM_SCHEMAS[form]]
        titles = [words.title(schema.name, spec) for spec in schema.fields]
        if found is None:
            rows = [list[Value](titles), *form_rows.get(form, [])]
            changes.append(TabChanges(tab=config.form_tab(form), create=True, append=rows))
            report.created_tabs.append(config.form_tab(form))
        elif not data[found].rows:  # an empty tab waiting for a form: give it the headers
            changes.append(TabChanges(tab=found, start_row=1, append=[list[Value](titles)]))
            report.added_columns[found] = titles
    return changes


def _own_tab_changes(
    config: Config,
    schemas: Mapping[str, TableSchema],
    data: Mapping[str, TabData],
    report: InitReport,
) -> list[TabChanges]:
    """Create sheetsync's missing tabs; add the columns missing from those it has."""
    changes: list[TabChanges] = []
    for logical in SHEETSYNC_TABS:
        schema, tab = schemas[logical], config.tabs[logical]
        if tab not in data:
            changes.append(TabChanges(tab=tab, create=True, append=[list(schema.titles)]))
            report.created_tabs.append(tab)
            continue
        change = _column_changes(tab, schema, data[tab], report, dayfirst_locale(config.locale))
        if change is not None:
            changes.append(change)
    return changes


def _column_changes(
    tab: str, schema: TableSchema, tab_data: TabData, report: InitReport, dayfirst: bool
) -> TabChanges | None:
    """One tab's renamed columns named back and missing ones added, in one change."""
    header = [cell_text(h).strip() for h in tab_data.header]
    missing = [t for t in schema.titles if t not in header]
    if not missing:
        return None
    renames = []
    if len(tab_data.rows) > 1:
        renames = _renamed_columns(tab, schema, tab_data, missing, dayfirst=dayfirst)
    change = _rename_columns(tab, tab_data, renames)
    if renames:
        report.renamed_columns[tab] = [(header[i], title) for i, title in renames]
    missing = [t for t in missing if t not in {title for _, title in renames}]
    if not missing:
        return change
    added = _add_columns(tab, schema, tab_data, missing)
    report.added_columns[tab] = missing
    added.update[:0] = change.update
    return added


def _tidy(header: str) -> str:
    """A header as compared with a title: case, spaces, underscores and hyphens aside."""
    return " ".join(re.sub(r"[_\-]+", " ", header).casefold().split())


def _ratio(header: str, title: str) -> float:
    """How alike a header and a title are, tidied: 1.0 the same."""
    return difflib.SequenceMatcher(None, _tidy(header), _tidy(title)).ratio()


def _tab_words(header: str, title: str, tab: str) -> bool:
    """The header is the title with words naming its tab only: "Task status" on Tasks.
    "Old status (2024)" or "Decline reasons" add words of their own: another column."""
    h, t = _tidy(header), _tidy(title)
    found = re.search(rf"\b{re.escape(t)}\b", h)
    if found is None:
        return False
    rest = re.findall(r"\w+", h[: found.start()] + " " + h[found.end() :])
    naming = {w for w in re.findall(r"\w+", _tidy(tab))}
    naming |= {w.removesuffix("s") for w in naming}
    return bool(rest) and set(rest) <= naming


def _fit(spec: FieldSpec, values: list[str], *, dayfirst: bool) -> float | None:
    """The share of the column's values that fit the field's words or type; None when
    nothing says (no values, or a field that takes any text)."""
    typed = [v for v in values if v.strip()]
    if not typed or not (spec.enum is not None or spec.type.value not in ("string", "list")):
        return None
    good = sum(value_problem(spec, v, dayfirst=dayfirst) is None for v in typed)
    return good / len(typed)


def _renamed_columns(
    tab: str, schema: TableSchema, tab_data: TabData, missing: list[str], *, dayfirst: bool
) -> list[tuple[int, str]]:
    """(0-based column, title) for each missing column init recognises under another header.
    Stops with advice when a column might be a missing one but is not recognised for sure."""
    named, columns = _unknown_columns(schema, tab_data)
    sure: dict[str, list[int]] = {}
    maybe: dict[str, list[int]] = {}
    for spec in (f for f in schema.fields if f.title in missing):
        column = (schema.name, spec.name)
        for i, values in columns.items():
            if is_worded(column):  # a status in any language fits as the run reads it
                values = [read_word(column, v) for v in values]
            verdict = _could_be(tab, spec, named[i], values, dayfirst=dayfirst)
            if verdict is not None:
                (sure if verdict else maybe).setdefault(spec.title, []).append(i)
    renames = _recognised(sure)
    done = {title for _, title in renames}
    doubtful = {
        title: sure.get(title, []) + maybe.get(title, [])
        for title in missing
        if title not in done and title in sure.keys() | maybe.keys()
    }
    if doubtful:
        raise _unsure(tab, schema, doubtful, named)
    return renames


def _recognised(sure: dict[str, list[int]]) -> list[tuple[int, str]]:
    """The renames init is sure of: a title one column alone could be, and that column
    could be no other title."""
    claimed = [i for found in sure.values() for i in found]
    return [
        (found[0], title)
        for title, found in sure.items()
        if len(found) == 1 and claimed.count(found[0]) == 1
    ]


def _could_be(
    tab: str, spec: FieldSpec, header: str, values: list[str], *, dayfirst: bool
) -> bool | None:
    """Whether a column is the field's, renamed: True when init recognises it, False when
    it might be, None when it is not."""
    fit = _fit(spec, values, dayfirst=dayfirst)
    verdict = None
    if _tidy(header):
        named = _sheetsync_named if spec.owner is Owner.SHEETSYNC else _organizers_named
        verdict = named(tab, spec, header, fit)
    if verdict is None and _might_be(header, spec, fit):
        return False
    return verdict


def _sheetsync_named(tab: str, spec: FieldSpec, header: str, fit: float | None) -> bool | None:
    """A column sheetsync writes, which every run would overwrite: taken by its title but
    for case and spacing, or a small typo whose values are checked and fit; the title
    among other words ("Decline reasons"), or a typo with nothing to check, is a doubt."""
    same = _tidy(header) == _tidy(spec.title)
    close = _ratio(header, spec.title) >= CLOSE_NAME
    checked = fit is not None and fit >= FITTING
    if (same and (fit is None or checked)) or (close and checked):
        return True
    return False if same or close or _tidy_word(header, spec.title) else None


def _organizers_named(tab: str, spec: FieldSpec, header: str, fit: float | None) -> bool | None:
    """An organizer's column: taken by its title but for case, spacing or a small typo, or
    with words naming the tab ("Task status"), when its values fit; the title among words
    of its own ("Old status (2024)") is a doubt."""
    fits = fit is None or fit >= FITTING
    same = _tidy(header) == _tidy(spec.title)
    close = _ratio(header, spec.title) >= CLOSE_NAME
    if (same or close or _tab_words(header, spec.title, tab)) and fits:
        return True
    return False if _tidy_word(header, spec.title) else None


def _tidy_word(header: str, title: str) -> bool:
    """The title as a word of the header ("Old status (2024)"): it might be its column."""
    return re.search(rf"\b{re.escape(_tidy(title))}\b", _tidy(header)) is not None


def _unknown_columns(
    schema: TableSchema, tab_data: TabData
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """The tab's columns whose header is none of the schema's titles (untitled ones with
    values too), by 0-based column: their header, and their values as text."""
    header = [cell_text(h).strip() for h in tab_data.header]
    header += [""] * (max(len(r) for r in tab_data.rows) - len(header))
    unknown = [i for i, h in enumerate(header) if h not in set(schema.titles)]
    columns = {
        i: [cell_text(r[i]) if i < len(r) else "" for r in tab_data.rows[1:]] for i in unknown
    }
    return {i: header[i] for i in unknown}, columns


def _might_be(header: str, spec: FieldSpec, fit: float | None) -> bool:
    """A column that could be the field's, renamed past recognition: a header somewhat
    like its title, or values that fit its list of words."""
    return _ratio(header, spec.title) >= LOOSE_NAME or (
        spec.enum is not None and fit is not None and fit >= FITTING
    )


def _unsure(
    tab: str, schema: TableSchema, doubtful: dict[str, list[int]], named: dict[int, str]
) -> MissingColumnError:
    """The advice when init cannot tell which column a missing one became."""
    title, found = next(iter(doubtful.items()))
    spec = next(f for f in schema.fields if f.title == title)
    owner = (
        "the organizers' (sheetsync reads it and never overwrites it)"
        if spec.owner is Owner.ORGANIZER
        else "written by sheetsync, and it keeps what later runs need"
    )
    candidates = ", ".join(
        f"'{named[i]}' (column {_letter(i)})" if named[i] else f"the untitled column {_letter(i)}"
        for i in found
    )
    more = f" ({len(doubtful) - 1} more columns alike)" if len(doubtful) > 1 else ""
    return MissingColumnError(
        f"Column '{title}' is missing from tab '{tab}', which has rows; it may have been "
        f"renamed: {candidates} could be it, but sheetsync cannot tell for sure{more}. The "
        f"column is {owner}: adding it again empty would lose its values, so init changed "
        f"nothing. Rename the right column back to '{title}' and run `sheetsync init` again; "
        f"if none of them is it, restore the column (Undo, or File → Version history), or, "
        f"if it was deleted on purpose, add an empty column headed '{title}'."
    )


def _letter(index: int) -> str:
    """A 0-based column's letter, as the spreadsheet shows it: 0 -> A, 27 -> AB."""
    letters, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _rename_columns(tab: str, tab_data: TabData, renames: list[tuple[int, str]]) -> TabChanges:
    """The change that gives renamed columns their titles back, and nothing else."""
    return TabChanges(
        tab=tab,
        start_row=len(tab_data.rows) + 1,
        update=[CellUpdate(1, i + 1, title) for i, title in renames],
    )


def _add_columns(
    tab: str, schema: TableSchema, tab_data: TabData, missing: list[str]
) -> TabChanges:
    """The change that adds `missing` columns to a tab: the whole header when it is empty."""
    if not tab_data.rows:
        return TabChanges(tab=tab, start_row=1, append=[list(schema.titles)])
    key = schema.primary_key
    if key in missing and len(tab_data.rows) > 1:
        raise MissingColumnError(
            f"Column '{key}' is missing from tab '{tab}', which has rows. It holds the "
            "ids other tabs point to: restore it (Undo, or File → Version history) "
            "rather than adding it again empty, which would give everyone new ids."
        )
    # After the widest row, not the header: an organizer may have notes there.
    start = max(len(row) for row in tab_data.rows) + 1
    return TabChanges(
        tab=tab,
        start_row=len(tab_data.rows) + 1,
        update=[CellUpdate(1, start + i, title) for i, title in enumerate(missing)],
    )


def detect_form_tabs(backend: Backend) -> dict[str, str]:
    """Which tab holds which form's responses, told apart by their question titles.

    Google numbers response tabs in the order forms were linked, and names them in the
    owner's language ('Form responses 1', 'Respuestas de formulario 1'), so neither the
    number nor the name says which form it is; the questions do, in any shipped language.
    Every tab is scored by the titles only its form asks; forms with no recognisable tab
    keep their default tab names.
    """
    schemas = load_schemas()
    own = set(SHEETSYNC_TABS.values())
    candidates = [t for t in backend.list_tabs() if t not in own]
    data = backend.read_tabs(candidates) if candidates else {}
    scores: list[tuple[int, str, str]] = []
    for tab, tab_data in data.items():
        header = {cell_text(h).strip().casefold() for h in tab_data.header}
        for form in FORMS:
            if form == "phone_log":  # init names it; no form writes to it
                continue
            titles = _distinct_titles(schemas[FORM_SCHEMAS[form]])
            score = len(header & titles)
            if score >= 2:
                scores.append((score, tab, form))
    found: dict[str, str] = {}
    for _, tab, form in sorted(scores, reverse=True):
        if form not in found and tab not in found.values():
            found[form] = tab
    return found


_COMMON_TITLES = {"timestamp", "your name", "phone number", "email", "email address"}
_COMMON_FIELDS = {"timestamp", "name", "phone", "email"}


def _distinct_titles(schema: TableSchema) -> set[str]:
    """A form's question titles in every shipped language, folded to compare, but those
    every form asks (Timestamp, name, phone and email): what sets the form apart."""
    titles = {
        form_language(code).title(schema.name, spec).strip().casefold()
        for code in shipped_languages()
        for spec in schema.fields
        if spec.name not in _COMMON_FIELDS
    }
    return titles - _COMMON_TITLES
