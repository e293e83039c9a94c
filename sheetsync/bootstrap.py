"""`sheetsync init`: create the tabs and columns a network's spreadsheet is missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheetsync.backends.base import Backend, CellUpdate, TabChanges, TabData, Value
from sheetsync.config import FORMS, SHEETSYNC_TABS, Config
from sheetsync.errors import MissingColumnError
from sheetsync.formatting import format_plan
from sheetsync.normalize import cell_text
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.state import FORM_SCHEMAS, resolve_tab


@dataclass
class InitReport:
    """What init created; all empty when the spreadsheet already had everything."""

    created_tabs: list[str] = field(default_factory=list)
    added_columns: dict[str, list[str]] = field(default_factory=dict)
    formatted: int = 0  # tabs whose formatting init applied (0: it was already there)

    @property
    def changed(self) -> bool:
        return bool(self.created_tabs or self.added_columns)


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
    plan = format_plan(schemas, _headers_after(data, changes), config)
    if backend.formats_applied == plan.version:
        if changes:
            backend.apply(changes)
        return report
    backend.apply(changes, formats=plan)
    report.formatted = len(plan.tabs)
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
    """Create missing form tabs (with their `form_rows`); give empty ones their header."""
    changes: list[TabChanges] = []
    for form, found in forms.items():
        schema = schemas[FORM_SCHEMAS[form]]
        if found is None:
            rows = [list[Value](schema.titles), *form_rows.get(form, [])]
            changes.append(TabChanges(tab=config.form_tab(form), create=True, append=rows))
            report.created_tabs.append(config.form_tab(form))
        elif not data[found].rows:  # an empty tab waiting for a form: give it the headers
            changes.append(TabChanges(tab=found, start_row=1, append=[list(schema.titles)]))
            report.added_columns[found] = list(schema.titles)
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
        header = [cell_text(h).strip() for h in data[tab].header]
        missing = [t for t in schema.titles if t not in header]
        if missing:
            changes.append(_add_columns(tab, schema, data[tab], missing))
            report.added_columns[tab] = missing
    return changes


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
    number nor the name says which form it is; the questions do. Every tab is scored by the
    titles only its form asks; forms with no recognisable tab keep their default tab names.
    """
    schemas = load_schemas()
    own = set(SHEETSYNC_TABS.values())
    candidates = [t for t in backend.list_tabs() if t not in own]
    data = backend.read_tabs(candidates) if candidates else {}
    scores: list[tuple[int, str, str]] = []
    for tab, tab_data in data.items():
        header = {cell_text(h).strip().casefold() for h in tab_data.header}
        for form in FORMS:
            titles = {t.strip().casefold() for t in schemas[FORM_SCHEMAS[form]].titles}
            # Timestamp, name, phone and email are on every form: count what sets them apart.
            score = len(header & (titles - _COMMON_TITLES))
            if score >= 2:
                scores.append((score, tab, form))
    found: dict[str, str] = {}
    for _, tab, form in sorted(scores, reverse=True):
        if form not in found and tab not in found.values():
            found[form] = tab
    return found


_COMMON_TITLES = {"timestamp", "your name", "phone number", "email", "email address"}
