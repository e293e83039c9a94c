"""`sheetsync init`: create the tabs and columns a network's spreadsheet is missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sheetsync.backends.base import Backend, CellUpdate, TabChanges, Value
from sheetsync.config import FORMS, SHEETSYNC_TABS, Config
from sheetsync.errors import MissingColumnError
from sheetsync.normalize import cell_text
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.state import FORM_SCHEMAS, resolve_tab


@dataclass
class InitReport:
    """What init created; all empty when the spreadsheet already had everything."""

    created_tabs: list[str] = field(default_factory=list)
    added_columns: dict[str, list[str]] = field(default_factory=dict)
    demo_responses: int = 0
    history_runs: int = 0  # weekly runs played in the demo's past (--history)
    go_to: str = ""  # the demo's go-to volunteer, whom the Load tab flags

    @property
    def changed(self) -> bool:
        return bool(self.created_tabs or self.added_columns)


def init_spreadsheet(
    backend: Backend,
    config: Config,
    *,
    demo: bool = False,
    history_weeks: int = 0,
    now: dt.datetime | None = None,
) -> InitReport:
    """Create missing tabs (with demo responses in new form tabs when `demo`) and columns.

    With `history_weeks`, the demo's last weeks are played out: their responses arrive
    week by week, the weekly job runs each week and a simulated organizer answers
    (sheetsync/demo/history.py), so Tasks and Load have a past."""
    from sheetsync.state import local_now

    schemas = load_schemas()
    tabs = backend.list_tabs()
    report = InitReport()
    changes: list[TabChanges] = []
    now = now or local_now(config)
    demo_rows = _demo_rows(config, schemas, now) if demo else {}
    played_from = now - dt.timedelta(days=7 * history_weeks)
    later: dict[str, tuple[str, list[list[Value]]]] = {}
    forms = {form: resolve_tab(config.form_tab(form), tabs) for form in FORMS}
    present = [t for t in SHEETSYNC_TABS if config.tabs[t] in tabs]
    names = [tab for tab in forms.values() if tab] + [config.tabs[t] for t in present]
    data = backend.read_tabs(names) if names else {}
    for form, found in forms.items():
        schema = schemas[FORM_SCHEMAS[form]]
        if found is None:
            responses = demo_rows.get(form, [])
            first = [r for r in responses if not _later(r[0], played_from, history_weeks)]
            rest = [r for r in responses if _later(r[0], played_from, history_weeks)]
            rows = [list[Value](schema.titles), *first]
            changes.append(TabChanges(tab=config.form_tab(form), create=True, append=rows))
            report.created_tabs.append(config.form_tab(form))
            report.demo_responses += len(responses)
            if rest:
                later[form] = (config.form_tab(form), rest)
        elif not data[found].rows:  # an empty tab waiting for a form: give it the headers
            changes.append(TabChanges(tab=found, start_row=1, append=[list(schema.titles)]))
            report.added_columns[found] = list(schema.titles)
    for logical in SHEETSYNC_TABS:
        schema, tab = schemas[logical], config.tabs[logical]
        if tab not in data:
            changes.append(TabChanges(tab=tab, create=True, append=[list(schema.titles)]))
            report.created_tabs.append(tab)
            continue
        header = [cell_text(h).strip() for h in data[tab].header]
        missing = [t for t in schema.titles if t not in header]
        if not missing:
            continue
        if not data[tab].rows:
            changes.append(TabChanges(tab=tab, start_row=1, append=[list(schema.titles)]))
        else:
            key = schema.primary_key
            if key in missing and len(data[tab].rows) > 1:
                raise MissingColumnError(
                    f"Column '{key}' is missing from tab '{tab}', which has rows. It holds the "
                    "ids other tabs point to: restore it (Undo, or File → Version history) "
                    "rather than adding it again empty, which would give everyone new ids."
                )
            # After the widest row, not the header: an organizer may have notes there.
            start = max(len(row) for row in data[tab].rows) + 1
            changes.append(
                TabChanges(
                    tab=tab,
                    start_row=len(data[tab].rows) + 1,
                    update=[CellUpdate(1, start + i, title) for i, title in enumerate(missing)],
                )
            )
        report.added_columns[tab] = missing
    if changes:
        backend.apply(changes)
    if later:
        from sheetsync.demo.history import play_history

        history = play_history(backend, config, later, weeks=history_weeks, now=now)
        report.history_runs, report.go_to = history.runs, history.go_to
    return report


def _later(stamp: Value, played_from: dt.datetime, weeks: int) -> bool:
    """Whether a demo response arrives during the played weeks (or after)."""
    return weeks > 0 and (not isinstance(stamp, dt.datetime) or stamp > played_from)


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


def _demo_rows(
    config: Config, schemas: dict[str, TableSchema], now: dt.datetime
) -> dict[str, list[list[Value]]]:
    from sheetsync.demo import DEMO, generate_responses

    responses = generate_responses(DEMO, now=now, zones=config.zones)
    return {
        form: [[r[name] for name in schemas[FORM_SCHEMAS[form]].names] for r in rows]
        for form, rows in responses.items()
    }
