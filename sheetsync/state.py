"""The spreadsheet as a run reads it: every form tab and sheetsync tab, checked, in one read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sheetsync.backends.base import Backend, TabData, Value
from sheetsync.config import CREATED_BY_RUN, FORMS, LATER_FORMS, SHEETSYNC_TABS, Config, FormConfig
from sheetsync.errors import MissingTabError
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.tables import FormTable, Table, read_form, read_table
from sheetsync.translation import tab_language

FORM_SCHEMAS = {
    "requests": "requests",
    "offers": "offers",
    "checkins": "checkins",
    "feedback": "feedback",
    "phone_log": "phone_log",
}


@dataclass
class State:
    """The spreadsheet as read at the start of a run."""

    forms: dict[str, FormTable]
    tables: dict[str, Table]
    schemas: dict[str, TableSchema] = field(default_factory=dict)
    # Every tab's cells as read, by tab title: kept only when asked (forget empties cells
    # that no frame holds, such as columns organizers added).
    data: dict[str, TabData] = field(default_factory=dict)


def resolve_tab(name: str, tabs: list[str]) -> str | None:
    """A tab by name; Google's 'Form Responses 1' and 'Form responses 1' are the same tab."""
    if name in tabs:
        return name
    folded = [t for t in tabs if t.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


@dataclass
class Sheet:
    """The spreadsheet's cells as read, before any tab is made a frame (state_of): a run
    whose inputs are settled needs no more (fingerprints.py)."""

    schemas: dict[str, TableSchema]
    form_tabs: dict[str, str]  # form -> its tab's title, for the form tabs there
    own: dict[str, str]  # logical name -> title, for sheetsync's tabs there
    later: dict[str, FormTable]  # the forms added later whose tab is not there yet
    data: dict[str, TabData]  # every tab read, by title


def read_state(backend: Backend, config: Config, *, keep_cells: bool = False) -> State:
    """Read every form tab and sheetsync tab in one go; stop on a missing tab or column.
    With keep_cells, the State keeps every tab's cells as read too."""
    return state_of(read_sheet(backend, config), config, keep_cells=keep_cells)


def read_sheet(
    backend: Backend, config: Config, *, cells_of: Collection[str] | None = None
) -> Sheet:
    """Every form tab and sheetsync tab's cells, in one read; stop on a missing tab. With
    `cells_of` (logical names of sheetsync's tabs), only those tabs' cells are read."""
    schemas = load_schemas()
    tabs = backend.list_tabs()
    if not tabs:
        raise MissingTabError(
            f"{backend.describe()} has no tabs, or does not exist yet. Run `sheetsync init` "
            "to create it with the tabs sheetsync needs, or check the path in sheetsync.toml."
        )
    form_tabs: dict[str, str] = {}
    later = _later_forms(schemas, config, tabs)
    for form in FORMS:
        wanted = config.form_tab(form)
        found = resolve_tab(wanted, tabs)
        if form in later:
            continue
        if found is None:
            raise MissingTabError(
                f"The {schemas[FORM_SCHEMAS[form]].title!r} form's tab {wanted!r} is not in "
                f"{backend.describe()} (tabs: {', '.join(tabs) or 'none'}). If the form writes "
                f'to another tab, set it in sheetsync.toml:\n  [forms.{form}]\n  tab = "…"'
            )
        form_tabs[form] = found
    own: dict[str, str] = {}
    for logical in SHEETSYNC_TABS:
        title = config.tabs[logical]
        if title not in tabs and logical in CREATED_BY_RUN:
            continue  # read as not there yet (read_table(None)): the run's write creates it
        if title not in tabs:
            raise MissingTabError(
                f"sheetsync's tab {title!r} is not in {backend.describe()}. If you renamed it, "
                f'rename it back, or tell sheetsync its new name:\n  [tabs]\n  {logical} = "…"\n'
                "If it was never created, run `sheetsync init`."
            )
        own[logical] = title
    if cells_of is None:
        data = backend.read_tabs([*form_tabs.values(), *own.values()])
    else:
        data = backend.read_tabs([title for name, title in own.items() if name in cells_of])
    return Sheet(schemas, form_tabs, own, later, data)


def table_of(sheet: Sheet, config: Config, logical: str) -> Table:
    """One of sheetsync's tabs from the cells read (not there yet: read as empty)."""
    title = config.tabs[logical]
    # Its status words are written in the organizers' language, as its messages are.
    language = tab_language(config)
    return read_table(sheet.data.get(title), sheet.schemas[logical], title, language)


def state_of(sheet: Sheet, config: Config, *, keep_cells: bool = False) -> State:
    """The forms and sheetsync's tabs as frames, checked: a missing column stops here."""
    schemas, data = sheet.schemas, sheet.data
    forms = {
        form: read_form(
            data[tab], schemas[FORM_SCHEMAS[form]], config.forms[form], form, tab_language(config)
        )
        for form, tab in sheet.form_tabs.items()
    } | sheet.later
    tables = {
        logical: table_of(sheet, config, logical)
        for logical in SHEETSYNC_TABS
        if logical in sheet.own or logical in CREATED_BY_RUN
    }
    return State(forms, tables, schemas, data if keep_cells else {})


def _later_forms(
    schemas: dict[str, TableSchema], config: Config, tabs: list[str]
) -> dict[str, FormTable]:
    """The forms added after the spreadsheet was made whose tab it lacks: read as no
    answers yet, with a word on what to do."""
    return {
        form: _no_responses(schemas[FORM_SCHEMAS[form]], config.forms[form], form)
        for form in LATER_FORMS
        if resolve_tab(config.form_tab(form), tabs) is None
    }


def _no_responses(schema: TableSchema, form: FormConfig, name: str) -> FormTable:
    """A form tab the spreadsheet does not have yet, read as a header and no answers, with
    a notice saying what to do (none for the Phone log: no form waits to be linked, and
    `sheetsync init` adds it for a network that wants it)."""
    header: list[Value] = [form.columns.get(f.name, f.title) for f in schema.fields]
    table = read_form(TabData(form.tab, [[h for h in header if h != ""]]), schema, form, name)
    table.header = ()  # not there: nothing to format (formatting_phone.py)
    if name == "phone_log":  # nothing to link: it is there for whoever wants it
        return table
    table.notices.append(
        f"The {schema.title!r} form's tab {form.tab!r} is not in the spreadsheet yet: run "
        "`sheetsync init` to add it (nothing else changes), then link the form to it. Until "
        "then, sheetsync reads it as having no answers."
    )
    return table


def local_now(config: Config) -> dt.datetime:
    """The network's wall-clock time, naive like the forms' timestamps."""
    return dt.datetime.now(config.tz).replace(tzinfo=None, microsecond=0)
