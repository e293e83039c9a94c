"""A spreadsheet an earlier version wrote: its dates held as text are written once more,
as dates, by the next run (then left alone); a run that changes nothing formats the tabs it
has, even without the Changes tab."""

from __future__ import annotations

import datetime as dt

from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import offer, request, write_cell

NOW = dt.datetime(2026, 11, 23, 7, 0)


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def people_cells(backend, column: str) -> list:
    rows = backend.read_tabs(["People"])["People"].rows
    col = [str(h) for h in rows[0]].index(column)
    return [row[col] if col < len(row) else None for row in rows[1:]]


def test_dates_are_dates_and_text_dates_are_written_once_as_dates(backend, config, add_responses):
    add_responses("requests", request(name="Ana Ruiz", email="ana@example.org"))
    add_responses("offers", offer(name="Bo Chen", email="bo@example.org"))
    weekly(backend, config)
    first_seen = people_cells(backend, "first_seen")
    assert first_seen and all(isinstance(v, dt.date) for v in first_seen), first_seen

    # As an earlier version left it: the date as text.
    person = read_state(backend, config).tables["people"].frame.iloc[0]
    write_cell(backend, config, "people", person["person_id"], "first_seen", person["first_seen"])
    assert isinstance(people_cells(backend, "first_seen")[0], str)

    again = weekly(backend, config, NOW + dt.timedelta(minutes=5))
    people = again.tab("People")
    assert people is not None
    rewritten = [c for c in people.changed if c.column == "first_seen"]
    assert [(c.key, c.old, c.new) for c in rewritten] == [
        (person["person_id"], person["first_seen"], person["first_seen"])
    ]
    assert all(isinstance(v, dt.date) for v in people_cells(backend, "first_seen"))

    third = weekly(backend, config, NOW + dt.timedelta(minutes=10))
    assert third.tab("People") is None or not [
        c for c in third.tab("People").changed if c.column == "first_seen"
    ]


def test_a_quiet_run_on_an_older_spreadsheet_formats_the_tabs_it_has(backend, config, monkeypatch):
    """An older spreadsheet has no Changes tab and no formatting version: the first run after
    the upgrade formats what is there, even when it changes nothing (the Changes tab is made
    and formatted by the first run that has something to record)."""
    import openpyxl

    from sheetsync.backends.workbook import WorkbookBackend

    weekly(backend, config)
    book = openpyxl.load_workbook(config.workbook)
    del book["Changes"]
    book.save(config.workbook)
    monkeypatch.setattr(WorkbookBackend, "formats_applied", property(lambda self: None))
    quiet = weekly(backend, config, NOW + dt.timedelta(minutes=5))
    assert quiet.rows_added == quiet.cells_changed == 0
    # every sheetsync tab but Changes, and the Phone log (the organizers', formatted by init)
    assert quiet.formatted == len(config.tabs) - 1 + 1
    assert "Changes" not in backend.list_tabs()
