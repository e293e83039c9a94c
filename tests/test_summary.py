"""The summary step: figures keyed by metric, rewritten only where they change."""

from __future__ import annotations

import datetime as dt

from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import NOW, offer, request


def figures(backend, config):
    frame = read_state(backend, config).tables["summary"].frame
    return dict(zip(frame["metric"], frame["value"], strict=True))


def test_summary_counts_needs_people_and_errors(backend, config, add_responses):
    add_responses(
        "requests",
        request(timestamp=dt.datetime(2026, 11, 1, 9), categories="Groceries, Meals"),
        request(
            name="Ann Bell",
            email="ann@example.org",
            phone="2015550101",
            zone="Westside",
            timestamp=dt.datetime(2026, 11, 20, 9),
        ),
        request(name="", email="x@example.org"),
    )
    add_responses("offers", offer())
    run_job(find_job("weekly", config), backend, config, now=NOW)
    got = figures(backend, config)
    assert got["needs.status.open"] == "3"
    assert got["needs.open.category.Groceries"] == "2"
    assert got["needs.open.category.Meals"] == "1"
    assert got["needs.open.zone.Eastside"] == "2"
    assert got["needs.open.zone.Westside"] == "1"
    assert got["needs.open.oldest_days"] == "22"
    assert got["needs.open.over_7_days"] == "2"
    assert got["people.total"] == "3"
    assert got["people.new_this_week"] == "2"  # Ann and Sam; Maria came on 1 November
    assert got["people.new_volunteers_this_week"] == "1"
    assert got["errors.open"] == "1"


def test_a_week_later_only_changed_figures_are_rewritten(backend, config, add_responses):
    add_responses("requests", request())
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    later = run_job(job, backend, config, now=NOW + dt.timedelta(days=7))
    summary = later.tab("Summary")
    assert summary is not None and summary.rows_added == 0
    assert {c.column for c in summary.changed} == {"value"}
    changed = {figures(backend, config)[k] for k in ("needs.open.oldest_days",)}
    assert changed == {"9"}


def test_met_and_unmet_needs_are_counted_by_category_and_zone(backend, config, add_responses):
    from sheetsync.backends.base import CellUpdate, TabChanges

    add_responses(
        "requests",
        request(categories="Groceries, Meals"),
        request(name="Ann Bell", email="ann@example.org", phone="2015550101", zone="Westside"),
    )
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    needs = backend.read_tabs(["Needs"])["Needs"]
    header = [str(h) for h in needs.header]
    meals_row = next(
        i + 1 for i, row in enumerate(needs.rows) if row[header.index("category")] == "Meals"
    )
    # Tasks drive this later; here the Needs status is set the way a finished task would.
    backend.apply(
        [
            TabChanges(
                "Needs",
                start_row=len(needs.rows) + 1,
                update=[CellUpdate(meals_row, header.index("status") + 1, "met")],
            )
        ]
    )
    run_job(job, backend, config, now=NOW)
    got = figures(backend, config)
    assert got["needs.met.zone.Eastside"] == "1"
    assert got["needs.met.zone.Westside"] == "0"
    assert got["needs.met.category.Meals"] == "1"
    assert got["needs.unmet.category.Meals"] == "0"
    assert got["needs.unmet.category.Groceries"] == "2"


def test_weekly_and_monthly_figures_and_a_goal(backend, config, add_responses):
    import dataclasses

    import pytest

    from sheetsync.config import Goal
    from tests.conftest import write_cell

    add_responses(
        "requests",
        request(timestamp=dt.datetime(2026, 11, 20, 9)),  # Maria, Groceries
        request(
            name="Ann Bell",
            email="ann@example.org",
            phone="2015550101",
            timestamp=dt.datetime(2026, 11, 21, 9),
        ),
        request(
            name="Old Request",
            email="old@example.org",
            phone="2015550111",
            timestamp=dt.datetime(2026, 10, 5, 9),
            categories="Meals",
        ),
    )
    add_responses("offers", offer(weekly_capacity="5", availability="Weekday mornings, Weekends"))
    config = dataclasses.replace(
        config, goals=(Goal("households_helped", "month", 4), Goal("needs_met", "week", 2))
    )
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    tasks = read_state(backend, config).tables["tasks"].frame
    first = tasks["task_id"].iloc[0]
    write_cell(backend, config, "tasks", first, "status", "done")
    write_cell(backend, config, "tasks", first, "due", "2026-11-23")
    write_cell(backend, config, "tasks", first, "hours", "3")
    second = tasks["task_id"].iloc[1]
    write_cell(backend, config, "tasks", second, "status", "accepted")
    write_cell(backend, config, "tasks", second, "due", "2026-12-10")  # matched today all the same
    run_job(job, backend, config, now=NOW)

    state = read_state(backend, config)
    summary = state.tables["summary"].frame.set_index("metric")
    got = summary["value"].to_dict()
    assert got["period.week.needs_opened"] == "2"
    assert got["period.week.needs_met"] == "1"
    assert got["period.week.people_helped"] == "1"
    assert got["period.week.households_helped"] == "1"
    assert got["period.week.volunteers_active"] == "1"
    assert got["period.week.hours_given"] == "3"
    assert got["period.week.met.Groceries"] == "1"
    assert got["period.week.unmet.Groceries"] == "1"  # opened this week, accepted, not done
    assert got["period.month.needs_opened"] == "2"
    assert got["period.last_month.needs_opened"] == "1"
    assert got["period.last_month.unmet.Meals"] == "1"
    assert got["period.last_month.needs_met"] == "0"
    # Matched on the day proposed (23 November), whatever the due date; opened on the 20th
    # and the 21st.
    assert got["period.week.median_days_to_match"] == "2.5"
    assert summary.at["period.month.needs_met", "section"] == "Achieved in November 2026 (so far)"
    assert summary.at["period.last_month.needs_met", "section"] == "Achieved in October 2026"
    assert got["goal.households_helped_per_month"] == "1"
    assert summary.at["goal.households_helped_per_month", "note"] == (
        "1 of 4 households (families) helped (25%) in November 2026 (so far); at this pace, "
        "1 by the end of the month."
    )
    assert summary.at["goal.needs_met_per_week", "note"] == (
        "1 of 2 needs met (50%) in the last 7 days."
    )
    assert summary.at["period.month.median_days_to_match", "note"] == ""
    assert summary.at["period.last_month.median_days_to_match", "note"] == (
        "No need was matched in this period."
    )
    with pytest.raises(Exception, match="households_helped_per_month = 500"):
        from sheetsync.config import read_goals

        read_goals({"goals": {"families_per_month": 500}}, "sheetsync.toml")
