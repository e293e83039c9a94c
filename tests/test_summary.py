"""The summary step: short sections of figures keyed by metric, laid out anew on each run,
zero figures left out, only changed cells rewritten."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from sheetsync.backends.base import TabChanges
from sheetsync.config import Goal
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.schema import Owner, load_schemas
from sheetsync.summary.layout import HEADING_PREFIX
from tests.conftest import NOW, offer, request, write_cell


def summary_rows(backend, config):
    """The Summary's rows as read, blank ones included, in sheet order."""
    return read_state(backend, config).tables["summary"].frame.to_dict("records")


def figures(backend, config):
    return {r["metric"]: r["value"] for r in summary_rows(backend, config) if r["metric"]}


def by_metric(backend, config):
    return {r["metric"]: r for r in summary_rows(backend, config) if r["metric"]}


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
    rows = by_metric(backend, config)
    got = {k: r["value"] for k, r in rows.items()}
    assert got["needs.status.open"] == "3"
    assert rows["needs.status.open"]["note"] == (
        "By category: Groceries 2, Meals 1. By zone: Eastside 2, Westside 1. "
        # The follow-up escalated all three (the weekly job runs it before the Summary):
        # Maria's two needs open 22 days, Ann's This week need open 3 days.
        "Escalated to you, open longer than their urgency allows: 14 days 2, 2 days 1."
    )
    assert got["needs.open.over_7_days"] == "2"
    assert rows["needs.open.over_7_days"]["note"] == "The oldest has waited 22 days."
    assert got["people.total"] == "3"
    assert got["people.new_this_week"] == "2"  # Ann and Sam; Maria came on 1 November
    assert rows["people.new_this_week"]["note"] == "1 asking for help, 1 offering it."
    assert got["errors.open"] == "1"
    # Zero figures are left out: no task was done, nothing was broken, nobody is flagged.
    for absent in ("errors.rules_broken", "load.flagged", "period.week.needs_met"):
        assert absent not in got


def test_a_week_later_only_changed_figures_are_rewritten(backend, config, add_responses):
    add_responses("requests", request())
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    same = run_job(job, backend, config, now=NOW)
    assert same.tab("Summary") is None or not same.tab("Summary").changed
    later = run_job(job, backend, config, now=NOW + dt.timedelta(days=7))
    summary = later.tab("Summary")
    assert summary is not None
    # The need has now waited more than 7 days: a row appears under the waiting needs.
    rows = by_metric(backend, config)
    assert rows["needs.open.over_7_days"]["value"] == "1"
    assert rows["needs.open.over_7_days"]["note"] == "The oldest has waited 9 days."


def test_weekly_and_monthly_figures_and_goals_first(backend, config, add_responses):
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
        config,
        goals=(
            Goal("households_helped", "month", 4),
            Goal("needs_met", "week", 2),
            Goal("hours_given", "week", 10),
        ),
    )
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    tasks = read_state(backend, config).tables["tasks"].frame
    first = tasks["task_id"].iloc[0]
    write_cell(backend, config, "tasks", first, "status", "done")
    write_cell(backend, config, "tasks", first, "due", "2026-11-23")
    second = tasks["task_id"].iloc[1]
    write_cell(backend, config, "tasks", second, "status", "accepted")
    write_cell(backend, config, "tasks", second, "due", "2026-12-10")  # matched today all the same
    run_job(job, backend, config, now=NOW)

    rows = summary_rows(backend, config)
    # The goals come first, each shown even at 0 (no hours were entered: 2 per task).
    assert [(r["section"], r["item"], r["value"]) for r in rows[:4]] == [
        ("Goals", "", ""),
        ("", "Households (families) helped a month: goal 4", "1"),
        ("", "Needs met a week: goal 2", "1"),
        ("", "Hours given a week: goal 10", "2"),
    ]
    summary = {r["metric"]: r for r in rows if r["metric"]}
    got = {k: r["value"] for k, r in summary.items()}
    assert got["period.week.needs_opened"] == "2"
    assert got["period.week.needs_met"] == "1"
    assert summary["period.week.needs_met"]["note"] == "Groceries 1."
    assert got["period.week.people_helped"] == "1"
    assert got["period.week.volunteers_active"] == "1"
    assert got["period.week.hours_given"] == "2"
    assert summary["period.week.hours_given"]["note"] == (
        "Some done tasks had no hours: each counts as 2 hours (the hours per task set in "
        "sheetsync.toml)."
    )
    assert got["period.month.needs_opened"] == "2"
    assert got["period.last_month.needs_opened"] == "1"
    assert "period.last_month.needs_met" not in got  # 0: left out
    # Matched on the day proposed (23 November), whatever the due date; opened on the 20th
    # and the 21st.
    assert got["period.week.median_days_to_match"] == "2.5"
    assert summary[HEADING_PREFIX + "period.month"]["section"] == "November 2026 (so far)"
    assert summary[HEADING_PREFIX + "period.last_month"]["section"] == "October 2026"
    assert summary["goal.households_helped_per_month"]["note"] == (
        "1 of 4 households (families) helped (25%) in November 2026 (so far); at this pace, "
        "1 by the end of the month."
    )
    assert summary["goal.needs_met_per_week"]["note"] == (
        "1 of 2 needs met (50%) in the last 7 days."
    )


def test_the_demo_summary_is_short_plain_and_leaves_zeros_out(tmp_path):
    from sheetsync.backends import open_backend
    from sheetsync.config import Config
    from tests.golden_demo import NOW as DEMO_NOW
    from tests.golden_demo import build_demo

    build_demo(tmp_path)
    config = Config.from_file(tmp_path / "sheetsync.toml")
    # The same network with goals: they come first, at 0 too.
    config = dataclasses.replace(
        config, goals=(Goal("needs_met", "week", 5), Goal("households_helped", "month", 20))
    )
    store = open_backend(config)
    run_job(find_job("weekly", config), store, config, now=DEMO_NOW)
    rows = [r for r in summary_rows(store, config) if any(r[n] for n in ("section", "item"))]
    # 40, the Feedback after help section (issue 21), and the week's median days to a yes,
    # which shows once the week has an accepted task (the demo's board claim gives it one).
    assert 20 <= len(rows) <= 45
    assert [r["metric"] for r in rows[:3]] == [
        HEADING_PREFIX + "goals",
        "goal.needs_met_per_week",
        "goal.households_helped_per_month",
    ]
    assert rows[1]["value"] == "0"  # a goal at 0 stays
    headings = [r for r in rows if r["metric"].startswith(HEADING_PREFIX)]
    assert [h["section"] for h in headings] == [
        "Goals",
        "Needs attention",
        "Needs no volunteer could take: whom to recruit",
        "Feedback after help",
        "The last 7 days",
        "November 2026 (so far)",
        "October 2026",
        "The network, and its work in the last 4 weeks",
    ]
    for row in rows:
        heading = row["metric"].startswith(HEADING_PREFIX)
        # The heading rule (formatting._summary_rules): a heading row has a section and no
        # item; a figure the reverse.
        assert (row["section"] != "", row["item"] == "") == (heading, heading)
        if not heading and not row["metric"].startswith("goal."):
            assert row["value"] != "0", row["metric"]
        for text in (row["section"], row["item"], row["note"]):
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text
    # The whole tab is visible but its key.
    schema = load_schemas()["summary"]
    assert [f.name for f in schema.fields if f.hidden] == ["metric"]


def test_an_empty_network_says_what_to_do_first(backend, config):
    run_job(find_job("weekly", config), backend, config, now=NOW)
    rows = summary_rows(backend, config)
    assert [(r["section"], r["item"], r["value"], r["metric"]) for r in rows] == [
        ("Getting started", "", "", "section.start"),
        (
            "",
            "No form responses yet: share the request form and the volunteer offer form "
            "with your community (in each form: Send, then copy the link).",
            "",
            "start.share_forms",
        ),
        (
            "",
            "Each response then shows up on the People tab, each request on the Needs tab, "
            "and the volunteers proposed for it on the Tasks tab.",
            "",
            "start.what_next",
        ),
        (
            "",
            "This tab will then show what needs attention, whom to recruit and what the "
            "network achieved each week.",
            "",
            "start.this_tab",
        ),
    ]


def test_a_figure_going_to_zero_empties_its_row_and_keeps_an_organizers_row(
    backend, config, add_responses
):
    from sheetsync.backends.base import CellUpdate, TabChanges

    people = [("Maria Garcia", "2015550143"), ("Ann Bell", "2015550101")]
    people += [(f"Person {k}", f"20155501{20 + k}") for k in range(3)]
    add_responses(
        "requests",
        *(
            request(name=name, phone=phone, email=f"r{k}@example.org")
            for k, (name, phone) in enumerate(people)
        ),
    )
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    assert figures(backend, config)["needs.status.open"] == "5"
    before = [r for r in summary_rows(backend, config) if r["metric"]]
    # An organizer types a row of their own below the figures.
    table = read_state(backend, config).tables["summary"]
    mine = len(before) + 3
    backend.apply(
        [
            TabChanges(
                table.tab,
                start_row=table.n_rows + 1,
                update=[
                    CellUpdate(mine, 1, "Our own count"),
                    CellUpdate(mine, 2, "Food bank boxes"),
                    CellUpdate(mine, 3, 12),
                ],
            )
        ]
    )
    # A volunteer with room for all five joins: nothing waits any more, nobody to recruit.
    add_responses("offers", offer(weekly_capacity="5", availability="Weekday mornings"))
    report = run_job(job, backend, config, now=NOW)
    assert report.tab("Summary") is not None and report.tab("Summary").rows_added == 0
    after = summary_rows(backend, config)
    got = {r["metric"]: r["value"] for r in after if r["metric"]}
    for gone in ("needs.status.open", "needs.open.over_7_days"):
        assert gone not in got
    assert any(r["metric"].startswith("unserved.") for r in before)
    assert not any(k.startswith("unserved.") for k in got)
    # The figures still above 0 are there, in order from the top; the rows left over are
    # empty, and the organizer's row is where they typed it, as typed.
    shown = [r for r in after if r["metric"]]
    assert [r["_row"] for r in shown] == list(range(2, 2 + len(shown)))
    assert len(shown) < len(before)
    assert (got["people.total"], got["needs.status.matched"]) == ("6", "5")
    leftover = [r for r in after if not r["metric"] and r["_row"] != mine]
    assert leftover and all(
        not any(r[n] for n in ("section", "item", "value", "note")) for r in leftover
    )
    [typed] = [r for r in after if r["_row"] == mine]
    assert (typed["section"], typed["item"], typed["value"]) == (
        "Our own count",
        "Food bank boxes",
        "12",
    )
    # Once more: nothing changes, and the organizer's row stays.
    again = run_job(job, backend, config, now=NOW)
    assert again.tab("Summary") is None or not again.tab("Summary").changed
    assert summary_rows(backend, config) == after


@pytest.mark.parametrize(
    ("tab", "most"),
    [("people", 15), ("load", 15)],
)
def test_people_and_load_show_what_organizers_read_and_hide_details(tab, most):
    schema = load_schemas()[tab]
    visible = [f.name for f in schema.fields if not f.hidden]
    assert len(visible) <= most
    assert {f.name for f in schema.fields if f.owner is Owner.ORGANIZER} <= set(visible)
    assert {"person_id", "name"} <= set(visible)


def test_load_shows_the_week_and_the_rest_at_a_glance():
    visible = [f.name for f in load_schemas()["load"].fields if not f.hidden]
    for name in (
        "flags",
        "reasons",
        "next_steps",
        "tasks_this_week",
        "hours_this_week",
        "weekly_capacity",
        "checkin",
        "rest_suggested",
        "rest_until",
        "rest_status",
        "notes",
    ):
        assert name in visible


def test_an_old_summary_is_laid_out_anew_and_its_old_rows_emptied(backend, config, add_responses):
    from sheetsync.backends.base import TabChanges

    # The Summary as an earlier sheetsync wrote it: a row per figure, zeros included.
    old = [
        ["Needs by status", "open", 1, "needs.status.open", None],
        ["Needs by status", "withdrawn", 0, "needs.status.withdrawn", None],
        *(
            [f"Needs {state}, by category", name, 0, f"needs.{state}.category.{name}", None]
            for state in ("met", "unmet")
            for name in ("Groceries", "Meals", "Rides", "Childcare", "Translation", "Tech help")
        ),
        ["Errors", "Form responses waiting to be fixed (Errors tab)", 0, "errors.open", None],
        [
            "Needs no volunteer could take: whom to recruit",
            "Rides in Northside",
            0,
            "unserved.nobody.Rides.Northside.",
            None,
        ],
    ]
    table = read_state(backend, config).tables["summary"]
    backend.apply([TabChanges(table.tab, start_row=table.n_rows + 1, append=old)])
    add_responses(
        "requests", request(), request(name="Ann Bell", phone="2015550101", email="a@example.org")
    )
    run_job(find_job("weekly", config), backend, config, now=NOW)
    rows = summary_rows(backend, config)
    shown = [r for r in rows if r["metric"]]
    # The new layout is shorter: the rows below it are emptied (read as nothing).
    assert len(rows) == len(shown) < len(old)
    assert [r["_row"] for r in shown] == list(range(2, 2 + len(shown)))
    assert shown[0]["metric"] == "section.attention"
    assert {r["metric"] for r in shown}.isdisjoint(
        {"needs.status.withdrawn", "errors.open", "unserved.nobody.Rides.Northside."}
    )
    assert figures(backend, config)["needs.status.open"] == "2"
    cells = read_state(backend, config).tables["summary"]
    assert cells.n_rows == 1 + len(shown)


def _copy_scenario(backend_of, config, add_requests, type_row):
    """An organizer copies the Summary's last row below it, with words of their own; the
    next runs need one more row, whose metric the copy holds: the run appends it below the
    copy, and every later run keeps the copy as typed."""
    job = find_job("weekly", config)
    add_requests(request())
    run_job(job, backend_of(), config, now=NOW)
    rows = backend_of().read_tabs(["Summary"])["Summary"].rows
    copy = list(rows[-1])
    assert copy[3] == "people.total"
    copy[1] = f"{copy[1]} on 24 Nov"
    copy[4] = "kept by us"
    type_row(len(rows) + 1, copy)
    copied = read_state(backend_of(), config).tables["summary"].frame.to_dict("records")[-1]
    # A response to fix and a new person: "Form responses to fix" comes in, so the lines
    # need one row more than the tab has; the last one, people.total, is appended.
    add_requests(
        request(name="", email="x@example.org", phone="(201) 555-0199"),
        request(name="Ann Bell", email="ann@example.org", phone="2015550101"),
    )
    for day in (1, 2):
        report = run_job(job, backend_of(), config, now=NOW + dt.timedelta(days=day))
        assert report.outcome == "ok", report
        after = summary_rows(backend_of(), config)
        [kept] = [r for r in after if r["_row"] == copied["_row"]]
        assert kept == copied
        [ours] = [r for r in after if r["metric"] == "people.total" and r != kept]
        assert ours["_row"] == copied["_row"] + 1 and ours["value"] == "2"
        assert ours["item"] == "People in the network"
        assert [r["metric"] for r in after].count("errors.open") == 1


def test_an_organizers_copy_of_the_last_row_is_kept_and_runs_go_on(backend, config, add_responses):
    def type_row(row, cells):
        backend.apply([TabChanges("Summary", start_row=row, append=[cells])])

    _copy_scenario(lambda: backend, config, lambda *r: add_responses("requests", *r), type_row)


def test_on_google_an_organizers_copy_of_the_last_row_is_kept_and_runs_go_on(
    sheets_emulator, service_account_key, tmp_path
):
    from sheetsync.bootstrap import init_spreadsheet
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)

    def type_row(row, cells):
        net.emulator.set_values(net.id, "Summary", f"A{row}", [cells])

    _copy_scenario(
        net.backend, net.config, lambda *r: net.add_form_rows("requests", list(r)), type_row
    )


def test_a_bad_value_in_an_organizer_column_is_a_value_to_fix_not_a_form_response(
    backend, config, add_responses
):
    add_responses("requests", request())
    add_responses("offers", offer(availability="Weekday mornings, Weekends"))
    job = find_job("weekly", config)
    run_job(job, backend, config, now=NOW)
    assert "errors.values_to_fix" not in figures(backend, config)  # a warning: shown at 1
    write_cell(backend, config, "tasks", "T0001", "status", "donee")
    run_job(job, backend, config, now=NOW + dt.timedelta(hours=1))
    rows = by_metric(backend, config)
    assert rows["errors.values_to_fix"]["value"] == "1"
    assert rows["errors.values_to_fix"]["item"] == "Values to fix in your tabs (Errors tab)"
    assert "errors.open" not in rows  # no form response to fix
