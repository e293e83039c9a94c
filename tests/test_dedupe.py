"""The dedupe step through the real pipeline on a temp workbook: People, Needs, Duplicates."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.demo import SIZES, generate
from sheetsync.errors import MissingTabError
from sheetsync.jobs import find_job, read_state, run_job
from tests.conftest import FORM_OF, NOW, ZONES, checkin, offer, request, write_cell

# The runs come after every response these tests make (the last, later(5), on the 25th): a
# Timestamp after the run's time is in the future, and goes to the Errors tab instead.
RUN = dt.datetime(2026, 11, 26, 9, 0)


def weekly(backend, config, **kwargs):
    return run_job(find_job("weekly", config), backend, config, now=RUN, **kwargs)


def records(backend, config, logical):
    return read_state(backend, config).tables[logical].frame.to_dict("records")


def people(backend, config):
    return {p["person_id"]: p for p in records(backend, config, "people")}


def decide(backend, config, pair_id, decision):
    """An organizer writes in the Duplicates tab's decision column."""
    write_cell(backend, config, "duplicates", pair_id, "decision", decision)


def later(days, **answers):
    return request(timestamp=dt.datetime(2026, 11, 20, 10, 0) + dt.timedelta(days=days), **answers)


# Robert and, a day later, "Bob" on the same phone with another email: a father and son
# could share the landline, so dedupe asks organizers.
ROBERT = {"name": "Robert Smith", "phone": "201 555 0111", "email": "rob@example.org"}
BOB = {"name": "Bob Smith", "phone": "2015550111", "email": "bob@other.org"}


def robert_and_bob(add_responses, *more, **bob):
    add_responses("requests", request(**ROBERT), later(1, **{**BOB, **bob}), *more)


def test_nickname_with_the_same_email_is_linked_and_explained(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Robert Smith", phone="201 555 0111", email="rob.smith@gmail.com"),
        later(1, name="Bob Smith", phone="", email="robsmith+help@gmail.com", categories="Rides"),
    )
    report = weekly(backend, config)
    assert report.step("dedupe").counts["linked_people"] == 1
    found = people(backend, config)
    assert found["P0002"]["duplicate_of"] == "P0001"
    assert found["P0001"]["duplicate_of"] == ""
    assert found["P0002"]["name"] == "Bob Smith"  # the duplicate row keeps its own data
    [pair] = records(backend, config, "duplicates")
    assert (pair["person_a"], pair["person_b"], pair["status"]) == ("P0001", "P0002", "linked")
    assert "first names: nickname" in pair["evidence"]
    assert "same email" in pair["evidence"]
    # Its need follows the kept person.
    needs = {n["category"]: n for n in records(backend, config, "needs")}
    assert needs["Rides"]["person_id"] == "P0001"


def test_typo_phone_format_and_swapped_names(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Maria Garcia", phone="(201) 555-0143", email="maria@example.org"),
        later(1, name="Garcia Maria", phone="+1 201 555 0143", email="maria@example.org"),
        later(2, name="Maira Garcia", phone="201.555.0143", email="maria@example.org"),
    )
    weekly(backend, config)
    found = people(backend, config)
    # With the same phone and email, intake already joins the swapped and the misspelt
    # names to the person (intake/names.py): nothing is left for dedupe.
    [person] = found.values()
    assert person["source"] == "Form Responses 1:2; Form Responses 1:3; Form Responses 1:4"
    assert person["name"] == "Maria Garcia"
    assert records(backend, config, "duplicates") == []


def test_uncertain_pair_waits_for_organizers_and_decision_is_remembered(
    backend, config, add_responses
):
    robert_and_bob(add_responses)
    report = weekly(backend, config)
    assert report.step("dedupe").counts["to_review"] == 1
    [pair] = records(backend, config, "duplicates")
    assert pair["status"] == "to review"
    assert pair["evidence"].startswith("names 'Robert Smith' / 'Bob Smith'")
    assert "same phone" in pair["evidence"]
    assert people(backend, config)["P0002"]["duplicate_of"] == ""

    decide(backend, config, pair["pair_id"], "Different")
    report = weekly(backend, config)
    [pair] = records(backend, config, "duplicates")
    assert pair["status"] == "kept apart"
    assert report.step("dedupe").counts["to_review"] == 0
    # Never asked again: a third run changes nothing on the tab.
    third = weekly(backend, config)
    assert all(t.tab != "Duplicates" for t in third.tabs)
    assert people(backend, config)["P0002"]["duplicate_of"] == ""


def test_same_decision_links_and_clearing_it_undoes(backend, config, add_responses):
    robert_and_bob(add_responses, categories="Rides")
    weekly(backend, config)
    [pair] = records(backend, config, "duplicates")
    decide(backend, config, pair["pair_id"], "same")
    weekly(backend, config)
    assert people(backend, config)["P0002"]["duplicate_of"] == "P0001"
    assert records(backend, config, "duplicates")[0]["status"] == "linked by organizers"
    rides = [n for n in records(backend, config, "needs") if n["category"] == "Rides"]
    assert rides[0]["person_id"] == "P0001"

    decide(backend, config, pair["pair_id"], "")
    weekly(backend, config)
    assert people(backend, config)["P0002"]["duplicate_of"] == ""
    assert records(backend, config, "duplicates")[0]["status"] == "to review"
    rides = [n for n in records(backend, config, "needs") if n["category"] == "Rides"]
    assert rides[0]["person_id"] == "P0002"


def test_undoing_an_automatic_link_restores_both_people(backend, config, add_responses):
    # Gmail ignores dots: one mailbox to dedupe, two emails to intake, which would join
    # "Sam" to "Samuel" on one email itself.
    add_responses("offers", offer(name="Samuel Lee", phone="", email="sam.lee@gmail.com"))
    add_responses(
        "requests", request(name="Sam Lee", phone="201-555-0170", email="samlee@gmail.com")
    )
    add_responses("checkins", checkin(name="Sam Lee", email="samlee@gmail.com"))
    weekly(backend, config)
    found = people(backend, config)
    kept, linked = found["P0001"], found["P0002"]
    # Each row keeps its own name and contacts; the kept person carries the linked row's
    # role and check-in.
    assert (kept["name"], kept["phone"]) == ("Samuel Lee", "")
    assert (linked["name"], linked["phone"]) == ("Sam Lee", "+12015550170")
    assert kept["roles"] == "requester, volunteer"
    assert kept["checkin_status"] == "green"
    needs = records(backend, config, "needs")
    assert {n["person_id"] for n in needs} == {"P0001"}

    [pair] = records(backend, config, "duplicates")
    assert pair["status"] == "linked"
    decide(backend, config, pair["pair_id"], "different")
    weekly(backend, config)
    found = people(backend, config)
    assert found["P0002"]["duplicate_of"] == ""
    assert (found["P0001"]["name"], found["P0001"]["roles"]) == ("Samuel Lee", "volunteer")
    assert found["P0001"]["checkin_status"] == ""
    assert found["P0002"]["checkin_status"] == "green"
    assert {n["person_id"] for n in records(backend, config, "needs")} == {"P0002"}
    assert records(backend, config, "duplicates")[0]["status"] == "kept apart"


def test_household_sharing_a_phone_and_email_stays_two_people(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Ana Ruiz", phone="201 555 0100", email="ruiz.family@example.org"),
        later(1, name="Luis Ruiz", phone="201 555 0100", email="ruiz.family@example.org"),
        later(2, name="Mario Ruiz", phone="201 555 0100", email="", categories="Rides"),
        later(3, name="Maria Ruiz", phone="201 555 0100", email="", categories="Rides"),
    )
    report = weekly(backend, config)
    found = people(backend, config)
    assert len(found) == 4
    assert {p["duplicate_of"] for p in found.values()} == {""}
    assert {p["household"] for p in found.values()} == {"H0001"}
    assert report.step("dedupe").counts["households"] == 1
    assert records(backend, config, "duplicates") == []
    # Household members' needs stay their own.
    rides = [n["person_id"] for n in records(backend, config, "needs") if n["category"] == "Rides"]
    assert rides == ["P0003", "P0004"]


def test_repeated_request_for_an_open_need_is_one_need(backend, config, add_responses):
    add_responses(
        "requests",
        request(categories="Groceries, Rides", urgency="This week"),
        later(2, categories="Groceries", urgency="Today", details="Still need food"),
    )
    report = weekly(backend, config)
    assert report.step("dedupe").counts["repeated_needs"] == 1
    needs = records(backend, config, "needs")
    status = [(n["need_id"], n["category"], n["status"], n["duplicate_of"]) for n in needs]
    assert status == [
        ("N0001", "Groceries", "open", ""),
        ("N0002", "Rides", "open", ""),
        ("N0003", "Groceries", "duplicate", "N0001"),
    ]
    # The need keeps its first date (it has waited since then) and takes the higher urgency.
    assert needs[0]["opened"] == "2026-11-20 10:00"
    assert needs[0]["urgency"] == "Today"
    summary = {r["metric"]: r["value"] for r in records(backend, config, "summary")}
    assert summary["needs.status.open"] == "2"
    assert "needs.status.duplicate" not in summary  # a repeat is not a figure of its own
    again = weekly(backend, config)
    assert (again.rows_added, again.cells_changed) == (0, 0)


def test_a_repeat_shares_the_fate_of_the_need_it_repeats(backend, config, add_responses):
    add_responses("requests", request(), later(2, urgency="Today"))
    weekly(backend, config)
    # The first need is met (as the match step will record it): the repeat was the same ask.
    table = read_state(backend, config).tables["needs"]
    column = table.columns["status"] + 1
    backend.apply(
        [TabChanges(tab="Needs", start_row=table.n_rows + 1, update=[CellUpdate(2, column, "met")])]
    )
    weekly(backend, config)
    needs = records(backend, config, "needs")
    assert [(n["status"], n["duplicate_of"]) for n in needs] == [
        ("met", ""),
        ("duplicate", "N0001"),
    ]
    # A new ask after the first was met is a new need.
    add_responses("requests", later(5, details="Food again"))
    weekly(backend, config)
    needs = records(backend, config, "needs")
    assert [(n["need_id"], n["status"]) for n in needs][2] == ("N0003", "open")


def test_unknown_decision_is_reported_and_the_pair_stays_undecided(backend, config, add_responses):
    robert_and_bob(add_responses)
    weekly(backend, config)
    [pair] = records(backend, config, "duplicates")
    decide(backend, config, pair["pair_id"], "maybe?")
    report = weekly(backend, config)
    [issue] = [i for i in report.issues if i.code == "unknown-decision"]
    assert issue.tab == "Duplicates" and issue.row == 2 and issue.field == "decision"
    assert "write same or different" in issue.message
    assert records(backend, config, "duplicates")[0]["status"] == "to review"


def test_network_without_duplicates_changes_nothing(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Maria Garcia"),
        later(1, name="Ann Bell", phone="201 555 0101", email="ann@example.org"),
        later(2, name="Tariq Ali", phone="201 555 0102", email="tariq@example.org"),
    )
    add_responses("offers", offer())
    first = weekly(backend, config)
    assert first.step("dedupe").counts == {
        "compared": 0,
        "linked_people": 0,
        "to_review": 0,
        "households": 0,
        "repeated_needs": 0,
    }
    assert all(p["duplicate_of"] == p["household"] == "" for p in people(backend, config).values())
    assert records(backend, config, "duplicates") == []
    second = weekly(backend, config)
    assert [t.tab for t in second.tabs] == []
    assert second.rows_added == 0 and second.cells_changed == 0


def test_a_workbook_from_before_dedupe_is_upgraded_by_init(backend, config, add_responses):
    add_responses("requests", request())
    weekly(backend, config)
    # The workbook as the previous release left it: no Duplicates tab, no new columns.
    book = openpyxl.load_workbook(config.workbook)
    del book["Duplicates"]
    for tab, header in (
        ("People", "duplicate_of"),
        ("People", "household"),
        ("Needs", "duplicate_of"),
    ):
        sheet = book[tab]
        titles = [c.value for c in sheet[1]]
        sheet.delete_cols(titles.index(header) + 1)
    book.save(config.workbook)

    with pytest.raises(MissingTabError, match="run `sheetsync init`"):
        weekly(backend, config)
    report = init_spreadsheet(backend, config)
    assert report.created_tabs == ["Duplicates"]
    assert report.added_columns == {
        "People": ["duplicate_of", "household"],
        "Needs": ["duplicate_of"],
    }
    assert weekly(backend, config).outcome == "ok"
    assert [p["name"] for p in people(backend, config).values()] == ["Maria Garcia"]


@pytest.mark.parametrize(("size", "seed"), [("S", 3), ("M", 7)])
def test_generated_network_duplicates_households_and_namesakes(
    backend, config, add_responses, size, seed
):
    """The demo generator knows who is who: resubmissions are one person, the rest are not."""
    network = generate(SIZES[size], now=NOW, zones=ZONES, seed=seed)
    for form, rows in network.responses.items():
        add_responses(form, *rows)
    weekly(backend, config)
    kept_of = {}
    household_of = {}
    for person in records(backend, config, "people"):
        for ref in person["source"].split("; "):
            kept_of[ref] = person["duplicate_of"] or person["person_id"]
            household_of[ref] = person["household"]

    def sheet_ref(row):
        return f"{FORM_OF[row.form]}:{row.row + 2}"

    truth = network.truth
    invalid = {sheet_ref(r) for r in truth.invalid_rows}

    def valid(pairs):
        pairs = [(sheet_ref(p.first), sheet_ref(p.second)) for p in pairs]
        return [(a, b) for a, b in pairs if a not in invalid and b not in invalid]

    assert truth.duplicates and truth.households
    for a, b in valid(truth.duplicates):
        assert kept_of[a] == kept_of[b], (a, b)
    for a, b in valid(truth.households):
        assert kept_of[a] != kept_of[b], (a, b)
        assert household_of[a] == household_of[b] != "", (a, b)
    for a, b in valid(truth.namesakes):
        assert kept_of[a] != kept_of[b], (a, b)


def test_relatives_with_similar_names_and_a_family_email_are_a_household_not_linked(
    backend, config, add_responses
):
    # Issue 18: a brother and sister by their names' endings (Patrick/Patricia), on the
    # family's phone and email, are a household; before, they were asked about.
    add_responses(
        "requests",
        request(name="Patrick Smith", phone="201 555 0111", email="smiths@example.org"),
        later(1, name="Patricia Smith", phone="201 555 0111", email="smiths@example.org"),
    )
    report = weekly(backend, config)
    found = people(backend, config)
    assert {p["duplicate_of"] for p in found.values()} == {""}
    assert (found["P0001"]["name"], found["P0002"]["name"]) == ("Patrick Smith", "Patricia Smith")
    assert {p["household"] for p in found.values()} == {"H0001"}
    assert records(backend, config, "duplicates") == []
    assert report.step("dedupe").counts["households"] == 1


def test_new_response_after_a_link_stays_with_its_own_row_and_undo_is_complete(
    backend, config, add_responses, schemas
):
    robert_and_bob(add_responses)
    weekly(backend, config)
    [pair] = records(backend, config, "duplicates")
    decide(backend, config, pair["pair_id"], "same")
    weekly(backend, config)
    add_responses("requests", later(3, name="Bob Smith", phone="", email="bob@other.org"))
    weekly(backend, config)
    found = people(backend, config)
    assert found["P0002"]["source"] == "Form Responses 1:3; Form Responses 1:4"
    assert found["P0001"]["name"] == "Robert Smith"
    decide(backend, config, pair["pair_id"], "different")
    weekly(backend, config)
    found = people(backend, config)
    assert [(p["name"], p["duplicate_of"]) for p in found.values()] == [
        ("Robert Smith", ""),
        ("Bob Smith", ""),
    ]
    assert {n["person_id"] for n in records(backend, config, "needs")} == {"P0001", "P0002"}


def test_a_person_added_by_hand_is_never_rewritten(backend, config, add_responses):
    people_tab = read_state(backend, config).tables["people"]
    hand = {"person_id": "", "name": "Robert Smith", "email": "rob@example.org", "roles": ""}
    row = [hand.get(f.name, "") for f in people_tab.schema.fields]
    backend.apply([TabChanges(tab="People", start_row=2, append=[row])])
    add_responses(
        "requests", request(name="Rob Smith", phone="2015550111", email="rob@example.org")
    )
    add_responses("checkins", checkin(name="Rob Smith", email="rob@example.org"))
    weekly(backend, config)
    found = people(backend, config)
    assert found["P0002"]["duplicate_of"] == "P0001"
    assert found["P0001"]["email"] == "rob@example.org"
    # Nothing copied onto the hand-typed row: an undo could not take it back.
    assert (found["P0001"]["roles"], found["P0001"]["checkin_status"]) == ("", "")
    [pair] = records(backend, config, "duplicates")
    decide(backend, config, pair["pair_id"], "different")
    weekly(backend, config)
    assert people(backend, config)["P0001"]["name"] == "Robert Smith"


def test_contradicting_decisions_are_reported_and_keep_people_apart(backend, config, add_responses):
    robert_and_bob(
        add_responses, later(2, name="Robbie Smith", phone="2015550111", email="robbie@else.org")
    )
    weekly(backend, config)
    pairs = {
        (r["person_a"], r["person_b"]): r["pair_id"] for r in records(backend, config, "duplicates")
    }
    decide(backend, config, pairs[("P0001", "P0002")], "same")
    decide(backend, config, pairs[("P0002", "P0003")], "same")
    decide(backend, config, pairs[("P0001", "P0003")], "different")
    report = weekly(backend, config)
    [issue] = [i for i in report.issues if i.code == "contradicting-decisions"]
    assert "sheetsync kept them apart" in issue.message
    found = people(backend, config)
    assert found["P0003"]["duplicate_of"] == ""
    status = {
        (r["person_a"], r["person_b"]): r["status"] for r in records(backend, config, "duplicates")
    }
    assert status[("P0001", "P0003")] == "kept apart"
    assert status[("P0002", "P0003")] == "contradicts another decision"


def test_a_copied_people_row_is_reported_and_the_run_goes_on(backend, config, add_responses):
    add_responses("requests", request(), later(1, name="Ann Bell", email="ann@example.org"))
    weekly(backend, config)
    table = read_state(backend, config).tables["people"]
    first = table.frame.drop(columns="_row").iloc[0].tolist()
    backend.apply([TabChanges(tab="People", start_row=table.n_rows + 1, append=[first])])
    report = weekly(backend, config)
    assert report.outcome == "ok"
    [issue] = [i for i in report.issues if i.code == "repeated-id"]
    assert issue.row == 4
    assert "People rows 2 and 4 both have id P0001" in issue.message


def test_do_not_contact_on_a_linked_row_is_reported(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Robert Smith", email="rob.smith@gmail.com"),
        later(1, name="Bob Smith", phone="", email="robsmith+x@gmail.com"),
    )
    weekly(backend, config)
    table = read_state(backend, config).tables["people"]
    column = table.columns["do_not_contact"] + 1
    backend.apply(
        [TabChanges(tab="People", start_row=table.n_rows + 1, update=[CellUpdate(3, column, "x")])]
    )
    report = weekly(backend, config)
    [issue] = [i for i in report.issues if i.code == "do-not-contact-on-duplicate"]
    assert "P0002 is marked do not contact and is the same person as P0001" in issue.message


def test_the_hourly_intake_job_keeps_what_the_weekly_job_linked(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Robert Smith", email="rob.smith@gmail.com"),
        later(1, name="Bob Smith", phone="", email="robsmith+x@gmail.com", categories="Rides"),
        later(2, name="Ana Ruiz", phone="201 555 0100", email="ana@example.org"),
        later(3, name="Luis Ruiz", phone="201 555 0100", email=""),
    )
    weekly(backend, config)
    hourly = run_job(find_job("intake", config), backend, config, now=RUN)
    assert (hourly.rows_added, hourly.cells_changed) == (0, 0)


def test_a_second_run_over_linked_and_asked_pairs_changes_nothing(backend, config, add_responses):
    add_responses(
        "requests",
        request(name="Robert Smith", phone="201 555 0111", email="rob.smith@gmail.com"),
        later(1, name="Bob Smith", phone="", email="robsmith+x@gmail.com"),
        later(2, name="Ann Bell", phone="201 555 0199", email="ann@example.org"),
        later(3, name="Annie Bell", phone="2015550199", email="annie@other.org"),
    )
    weekly(backend, config)
    assert sorted(r["status"] for r in records(backend, config, "duplicates")) == [
        "linked",
        "to review",
    ]
    again = weekly(backend, config)
    assert (again.rows_added, again.cells_changed) == (0, 0)


@pytest.mark.parametrize(
    ("opened", "typed_row", "ask"),
    [
        # Older than the form's ask: nothing to point to, so both stay open (it used to crash).
        ("2026-11-01 09:00", ("open", ""), ("open", "")),
        # Newer: it repeats the ask, as any second ask does.
        ("2026-11-22 09:00", ("duplicate", "N0001"), ("open", "")),
    ],
)
def test_a_need_typed_by_hand_without_an_id_folds_like_any_other(
    backend, config, add_responses, opened, typed_row, ask
):
    """An organizer's Needs row without a need_id, for a person's category they asked for on
    the form: the run goes on, and the row folds only where it has something to point to."""
    add_responses("requests", request())
    weekly(backend, config)
    needs = read_state(backend, config).tables["needs"]
    [person] = {r["person_id"] for r in needs.frame.to_dict("records")}
    row = [""] * len(needs.header)
    for column, value in {
        "person_id": person,
        "category": "Groceries",
        "status": "open",
        "opened": opened,
        "notes": "typed in from a phone call",
    }.items():
        row[needs.columns[column]] = value
    backend.apply([TabChanges(tab=needs.tab, start_row=needs.n_rows + 1, append=[row])])
    assert weekly(backend, config).outcome == "ok"
    after = read_state(backend, config).tables["needs"].frame.to_dict("records")
    [asked] = [(n["status"], n["duplicate_of"]) for n in after if n["need_id"]]
    [typed] = [(n["status"], n["duplicate_of"]) for n in after if not n["need_id"]]
    assert (typed, asked) == (typed_row, ask)
