"""The privacy policy (sheetsync/privacy.py): a person's current consent, and what each
audience may be shown. The digests' use of it is tested in test_digest.py and, end to end
with every output scanned, in test_redaction.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sheetsync.digest.content import organizer_digest
from sheetsync.digest.render import Image, render
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.privacy import (
    OTHER_KINDS,
    Consent,
    Policy,
    consent_of,
    current_consent,
    public_by_kind,
    public_count,
    public_detail,
)
from sheetsync.report import IssueCode
from sheetsync.schema import load_schemas
from tests.conftest import NOW, edit_response, request, write_cell


def person(pid: str, name: str = "Maria Garcia", **values: str) -> dict[str, str]:
    blank = dict.fromkeys(load_schemas()["people"].names, "")
    return {**blank, "person_id": pid, "name": name, **values}


@pytest.mark.parametrize(
    ("text", "consent"),
    [
        ("yes", Consent.YES),
        ("Yes", Consent.YES),
        ("first name", Consent.FIRST_NAME),
        ("first_name", Consent.FIRST_NAME),
        ("First name only", Consent.FIRST_NAME),
        (" No ", Consent.NO),
        ("", None),
        ("maybe", None),
    ],
)
def test_consent_values_are_read_as_organizers_and_forms_write_them(text, consent):
    assert consent_of(text) == consent


def test_the_newest_answer_across_linked_rows_wins():
    rows = [
        person("P0001", consent_answer="yes", consent_date="2026-11-01 09:00"),
        person("P0007", consent_answer="no", consent_date="2026-11-20 09:00", duplicate_of="P0001"),
    ]
    assert current_consent(rows) is Consent.NO
    assert Policy(rows).person("P0001").consent is Consent.NO
    assert Policy(rows).person("P0007").person_id == "P0001"
    rows[1]["consent_date"] = "2026-10-01 09:00"
    assert current_consent(rows) is Consent.YES


def test_an_organizers_override_wins_and_one_not_understood_is_read_as_no():
    rows = [person("P0001", consent_answer="no", consent_date="2026-11-20 09:00")]
    rows[0]["consent_override"] = "yes"
    assert current_consent(rows) is Consent.YES
    rows[0]["consent_override"] = "nope!"
    assert current_consent(rows) is Consent.NO
    rows = [
        person("P0001", consent_answer="yes", consent_override="yes"),
        person("P0002", duplicate_of="P0001", consent_override="first name"),
    ]
    assert current_consent(rows) is Consent.FIRST_NAME  # the most careful of the two
    assert current_consent([person("P0003")]) is Consent.NO  # never answered


SEEN = "2026-11-13 09:00 {} (typed after 2026-11-12 09:00)"


def test_an_override_and_answers_on_linked_rows_are_one_persons():
    kept = person("P0001", consent_override="yes", consent_override_seen=SEEN.format("yes"))
    # A No on a linked row, given between the run before and the run that first saw the
    # override: it may be the newer, and it is the narrower: it wins.
    linked = person("P0002", duplicate_of="P0001", consent_answer="no")
    linked["consent_date"] = "2026-11-13 08:00"
    assert current_consent([kept, linked]) is Consent.NO
    assert Policy([kept, linked]).overrides_not_followed() == ["P0001"]
    # A Yes then (wider) may be the older: the override stands.
    linked["consent_answer"] = "yes"
    kept["consent_override_seen"] = SEEN.format("no")
    kept["consent_override"] = "no"
    assert current_consent([kept, linked]) is Consent.NO
    assert Policy([kept, linked]).overrides_not_followed() == []
    # A Yes given after the run that saw the override is surely newer: it wins, and the
    # organizers are asked to look at the override they wrote.
    linked["consent_date"] = "2026-11-14 10:00"
    assert current_consent([kept, linked]) is Consent.YES
    assert Policy([kept, linked]).overrides_not_followed() == ["P0001"]
    # An answer before the run before: the override wins, whatever it says.
    linked["consent_date"] = "2026-11-01 10:00"
    assert current_consent([kept, linked]) is Consent.NO


def test_an_override_typed_since_the_last_run_is_the_newest_of_all():
    rows = [person("P0001", consent_answer="no", consent_date="2026-11-20 09:00")]
    rows[0]["consent_override"] = "first name"  # not seen by a run yet
    assert current_consent(rows) is Consent.FIRST_NAME
    rows[0]["consent_override_seen"] = "2026-11-13 09:00 yes"  # seen, then changed
    assert current_consent(rows) is Consent.FIRST_NAME


def test_a_volunteer_sees_initials_until_they_accept_then_what_consent_allows():
    policy = Policy(
        [
            person("P0001", consent_answer="yes", phone="+12015550143", email="m@example.org"),
            person("P0002", "Ann Bell", consent_answer="first name", phone="+12015550101"),
            person("P0003", "Kim Ode", consent_answer="no", email="k@example.org"),
            person(
                "P0004", "Lee Park", consent_answer="yes", email="l@example.org", do_not_contact="x"
            ),
        ]
    )
    ask = {"category": "Groceries", "details": "Bags for four"}
    proposed = policy.for_volunteer("P0001", accepted=False, **ask)
    assert (proposed.who, proposed.contact, proposed.details) == ("M. G.", "", "")
    shown = policy.for_volunteer("P0001", accepted=True, **ask)
    assert (shown.who, shown.contact, shown.details) == (
        "Maria Garcia",
        "+12015550143, m@example.org",
        "Bags for four",
    )
    shown = policy.for_volunteer("P0002", accepted=True, **ask)
    assert (shown.who, shown.contact, shown.details) == ("Ann", "", "Bags for four")
    shown = policy.for_volunteer("P0003", accepted=True, **ask)
    assert (shown.who, shown.contact, shown.details, shown.ask_organizer) == (
        "K. O.",
        "",
        "",
        True,
    )
    shown = policy.for_volunteer("P0004", accepted=True, **ask)  # do not contact
    assert (shown.contact, shown.details) == ("", "")
    assert not policy.may_email("P0004") and policy.may_email("P0001")
    assert not policy.may_email("P0404")  # nobody we know


def test_a_sensitive_need_or_one_sharing_its_text_sends_no_details_by_email():
    policy = Policy([person("P0001", consent_answer="yes", phone="+12015550143")])
    safety = policy.for_volunteer(
        "P0001", accepted=True, category="Safety at home", details="Partner must not know"
    )
    assert (safety.who, safety.contact, safety.details, safety.ask_organizer) == ("", "", "", True)
    proposed = policy.for_volunteer("P0001", accepted=False, category="Safety at home", details="x")
    assert (proposed.who, proposed.ask_organizer) == ("", False)  # not even initials
    # Someone who asked for a sensitive kind of help: none of their text goes by email.
    needs = [{"person_id": "P0001", "category": "Safety at home"}]
    policy = Policy([person("P0001", consent_answer="yes", phone="+12015550143")], needs=needs)
    groceries = policy.for_volunteer(
        "P0001", accepted=True, category="Groceries", details="Partner must not know"
    )
    assert groceries.details == "" and groceries.ask_organizer
    assert groceries.who == "Maria Garcia"  # what she consented to, for the groceries
    custom = Policy([person("P0001", consent_answer="yes")], sensitive=["Groceries"])
    assert (
        custom.for_volunteer(
            "P0001", accepted=True, **{"category": "Groceries", "details": "x"}
        ).details
        == ""
    )


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (120, "120")])
def test_public_counts_from_1_to_4_are_shown_as_fewer_than_5(n, shown):
    assert public_count(n) == shown
    assert public_detail(n) == (shown == str(n))  # hours, days, percents: not for 1-4


def test_small_categories_are_folded_so_none_can_be_worked_out_from_the_total():
    shown = public_by_kind(Counter({"Groceries": 30, "Rides": 12, "Childcare": 2}))
    # One small category alone could be told from the total: the next smallest joins it.
    assert shown == {"Groceries": "30", OTHER_KINDS: "14"}
    shown = public_by_kind(Counter({"Groceries": 30, "Rides": 3, "Childcare": 1}))
    assert shown == {"Groceries": "30", OTHER_KINDS: "<5"}
    assert public_by_kind(Counter({"Groceries": 8})) == {"Groceries": "8"}
    assert public_by_kind(Counter()) == {}


# --- through the weekly job ---------------------------------------------------------------


def weekly(backend, config, now=NOW):
    return run_job(find_job("weekly", config), backend, config, now=now)


def maria(backend, config) -> dict[str, str]:
    people = read_state(backend, config).tables["people"].frame.to_dict("records")
    return next(p for p in people if p["email"] == "maria@example.org")


def consent_columns(backend, config) -> tuple[str, ...]:
    person = maria(backend, config)
    columns = ("consent", "consent_answer", "consent_date", "consent_override_seen")
    return tuple(person[c] for c in columns)


def weekly_runs(backend, config, *days: int) -> list:
    """The weekly job on these days of November 2026 at 09:00; their reports."""
    return [weekly(backend, config, now=dt.datetime(2026, 11, d, 9)) for d in days]


def consent_codes(report) -> list[str]:
    return [i.code for i in report.issues if "consent" in i.code]


def test_an_override_wins_until_the_person_answers_a_form_again(backend, config, add_responses):
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 10, 9)))
    weekly_runs(backend, config, 12)
    write_cell(backend, config, "people", "P0001", "consent_override", "yes")  # by phone
    first, second = weekly_runs(backend, config, 13, 14)
    assert consent_columns(backend, config) == (
        "yes",
        "no",
        "2026-11-10 09:00",
        "2026-11-13 09:00 yes (typed after 2026-11-12 09:00)",
    )
    assert consent_codes(first) == consent_codes(second) == []
    # Then she takes it back on the form: the form answer is newer, and wins, run after run,
    # with a warning until an organizer clears the override.
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 20, 9)))
    reports = weekly_runs(backend, config, 23, 24, 25)
    assert maria(backend, config)["consent"] == "no"
    assert [consent_codes(r) for r in reports] == [[IssueCode.CONSENT_OVERRIDE_OUTDATED]] * 3
    [issue] = [i for i in reports[0].issues if i.code == IssueCode.CONSENT_OVERRIDE_OUTDATED]
    assert (issue.row, issue.field, issue.severity) == (2, "consent_override", "warning")
    assert "Maria" not in issue.message and "P0001" in issue.message


def test_nothing_changes_between_runs_with_nothing_new(backend, config, add_responses):
    """What sheetsync writes as the result is never read back: three runs, one result."""
    add_responses("requests", request(consent="Yes", timestamp=dt.datetime(2026, 11, 10, 9)))
    weekly_runs(backend, config, 12)
    write_cell(backend, config, "people", "P0001", "consent_override", "no\n(by phone)")
    weekly_runs(backend, config, 13)
    after = consent_columns(backend, config)
    for _ in weekly_runs(backend, config, 14, 15):
        assert consent_columns(backend, config) == after
    assert after[0] == "no"


def test_an_override_not_understood_is_read_as_no_and_said(backend, config, add_responses):
    add_responses("requests", request(consent="Yes"))
    weekly(backend, config)
    write_cell(backend, config, "people", "P0001", "consent_override", "nope!")
    report = weekly(backend, config)
    assert maria(backend, config)["consent"] == "no"
    [issue] = [i for i in report.issues if i.code == IssueCode.UNKNOWN_CONSENT_OVERRIDE]
    assert "yes, first name or no" in issue.message


def test_a_no_on_a_response_with_another_error_still_withdraws(backend, config, add_responses):
    add_responses("requests", request(consent="Yes", timestamp=dt.datetime(2026, 11, 18, 9)))
    weekly_runs(backend, config, 19)
    assert maria(backend, config)["consent"] == "yes"
    # Sent again with "No", and a phone number mistyped: the row goes to Errors, but the
    # withdrawal counts at once (tied to her by her email and first name), run after run.
    add_responses(
        "requests",
        request(consent="No", phone="555-12", timestamp=dt.datetime(2026, 11, 20, 9)),
    )
    [report] = weekly_runs(backend, config, 21)
    assert report.step("intake").counts["invalid"] == 1
    withdrawn = consent_columns(backend, config)
    assert withdrawn[:3] == ("no", "no", "2026-11-20 09:00")
    weekly_runs(backend, config, 22, 23)
    assert consent_columns(backend, config) == withdrawn
    # A "Yes" on an invalid row widens nothing until the row is fixed.
    add_responses(
        "requests",
        request(consent="Yes", phone="555-12", timestamp=dt.datetime(2026, 11, 24, 9)),
    )
    weekly_runs(backend, config, 25)
    assert consent_columns(backend, config) == withdrawn


def test_a_withdrawal_whose_timestamp_cannot_be_read_counts_and_stays_put(
    backend, config, add_responses
):
    add_responses("requests", request(consent="Yes", timestamp=dt.datetime(2026, 11, 18, 9)))
    add_responses("requests", request(consent="No", timestamp="last tuesday"))
    weekly_runs(backend, config, 19)
    withdrawn = consent_columns(backend, config)
    assert withdrawn[:3] == ("no", "no", "2026-11-18 09:00")
    weekly_runs(backend, config, 20, 21)
    assert consent_columns(backend, config) == withdrawn


def test_a_no_given_before_the_run_that_first_sees_an_override_wins_over_it(
    backend, config, add_responses
):
    """The run cannot tell whether a form answer since the last run came before or after
    the override was typed: a narrower one wins, run after run, and organizers are told."""
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 10, 9)))
    weekly_runs(backend, config, 12)
    write_cell(backend, config, "people", "P0001", "consent_override", "yes")  # Monday's call
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 13, 8)))
    reports = weekly_runs(backend, config, 13, 14, 15)
    assert maria(backend, config)["consent"] == "no"
    assert [consent_codes(r) for r in reports] == [[IssueCode.CONSENT_OVERRIDE_OUTDATED]] * 3
    # The organizers' email asks them to look, by id.
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    digest = organizer_digest(frames, "Net", NOW, since=NOW - dt.timedelta(days=7))
    assert digest.consent_to_check == ["P0001"]
    text = render("organizers", digest, chart=Image("c", "c.png", b"")).text
    assert "Consent to check on the People tab (consent_override is not followed): P0001" in text


def test_a_response_edited_to_withdraw_and_left_invalid_still_withdraws(
    backend, config, add_responses, schemas
):
    """Maria gave only a phone. She edits her response: "No", and clears her phone too
    (she has no contact left, so the response is invalid). It was hers: the No counts, on
    every run, and the Errors tab says whose it is."""
    add_responses(
        "requests",
        request(consent="Yes", email="", timestamp=dt.datetime(2026, 11, 10, 9)),
        request(
            consent="Yes", email="", categories="Rides", timestamp=dt.datetime(2026, 11, 11, 9)
        ),
    )
    weekly_runs(backend, config, 12)
    assert maria_by_phone(backend, config)["consent"] == "yes"
    edit_response(
        backend,
        schemas,
        "requests",
        3,
        consent="No",
        phone="",
        timestamp=dt.datetime(2026, 11, 12, 12),
    )
    for _ in weekly_runs(backend, config, 13, 14, 15):
        assert maria_by_phone(backend, config)["consent"] == "no"
    [error] = read_state(backend, config).tables["errors"].frame.to_dict("records")
    assert (error["source"], error["person_id"]) == ("Form Responses 1:3", "P0001")


def maria_by_phone(backend, config) -> dict[str, str]:
    people = read_state(backend, config).tables["people"].frame.to_dict("records")
    return next(p for p in people if p["phone"] == "+12015550143")
