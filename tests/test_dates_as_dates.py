"""sheetsync's own dates are written as dates, and a date an earlier version wrote as text is
written once more, as a date, by the next run (then left alone)."""

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
