"""`sheetsync init --demo`: a spreadsheet holding the demo network, optionally with a past."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sheetsync.backends.base import Backend, Value
from sheetsync.bootstrap import InitReport, init_spreadsheet
from sheetsync.config import Config
from sheetsync.demo.board import claim_on_demo_board
from sheetsync.demo.confirmations import prefer_email_lately
from sheetsync.demo.history import play_history
from sheetsync.demo.responses import generate_responses
from sheetsync.demo.sizes import DEMO
from sheetsync.form_languages import written_in
from sheetsync.schema import load_schemas
from sheetsync.state import FORM_SCHEMAS, local_now

# form -> its responses as rows, in the form schema's column order
FormRows = dict[str, list[list[Value]]]


@dataclass
class DemoReport:
    """What `init --demo` did: init's own report, then the demo's responses and past weeks."""

    init: InitReport
    responses: int = 0  # demo form responses added, those of the played weeks included
    history_runs: int = 0  # weekly runs played in the demo's past (--history)
    board_claim: str | None = None  # the need a volunteer claimed on the demo's board
    go_to: str = ""  # the demo's go-to volunteer, whom the Load tab flags


def create_demo(
    backend: Backend, config: Config, *, history_weeks: int = 0, now: dt.datetime | None = None
) -> DemoReport:
    """Create the missing tabs and columns, with the demo's responses in new form tabs.

    With `history_weeks`, the demo's last weeks are played out: their responses arrive
    week by week, the weekly job runs each week and a simulated organizer answers
    (history.py), so Tasks and Load have a past. A form tab that exists already is left
    as it is, without demo responses.
    """
    now = now or local_now(config)
    rows = _demo_rows(config, now)
    prefer_email_lately(rows["requests"], now)
    first, later = _split(rows, now - dt.timedelta(days=7 * history_weeks), history_weeks)
    init = init_spreadsheet(backend, config, form_rows=first)
    created = [form for form in rows if config.form_tab(form) in init.created_tabs]
    report = DemoReport(init, responses=sum(len(rows[form]) for form in created))
    to_play = {form: (config.form_tab(form), later[form]) for form in created if later[form]}
    if to_play:
        history = play_history(backend, config, to_play, weeks=history_weeks, now=now)
        report.history_runs, report.go_to = history.runs, history.go_to
        report.board_claim = claim_on_demo_board(backend, config, now)
    return report


def _demo_rows(config: Config, now: dt.datetime) -> FormRows:
    """The demo's responses, generated at `now`, their answers in the first of the forms'
    languages (`init --demo --language es`: as a Spanish form writes them)."""
    schemas = load_schemas()
    responses = generate_responses(DEMO, now=now, zones=config.zones)
    language = config.form_languages[0]
    return {
        form: [written_in(schemas[FORM_SCHEMAS[form]], r, language) for r in rows]
        for form, rows in responses.items()
    }


def _split(rows: FormRows, played_from: dt.datetime, weeks: int) -> tuple[FormRows, FormRows]:
    """Each form's responses from before the played weeks, and those arriving in them."""
    first: FormRows = {}
    later: FormRows = {}
    for form, responses in rows.items():
        first[form] = [r for r in responses if not _later(r[0], played_from, weeks)]
        later[form] = [r for r in responses if _later(r[0], played_from, weeks)]
    return first, later


def _later(stamp: Value, played_from: dt.datetime, weeks: int) -> bool:
    """Whether a demo response arrives during the played weeks (or after)."""
    return weeks > 0 and (not isinstance(stamp, dt.datetime) or stamp > played_from)
