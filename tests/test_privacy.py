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
from tests.conftest import NOW, request, write_cell


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
        person("P0001", consent="yes", consent_date="2026-11-01 09:00"),
        person("P0007", consent="no", consent_date="2026-11-20 09:00", duplicate_of="P0001"),
    ]
    assert current_consent(rows) is Consent.NO
    assert Policy(rows).person("P0001").consent is Consent.NO
    assert Policy(rows).person("P0007").person_id == "P0001"
    rows[1]["consent_date"] = "2026-10-01 09:00"
    assert current_consent(rows) is Consent.YES


def test_an_organizers_override_wins_and_one_not_understood_is_read_as_no():
    rows = [person("P0001", consent="no", consent_date="2026-11-20 09:00")]
    rows[0]["consent_override"] = "yes"
    assert current_consent(rows) is Consent.YES
    rows[0]["consent_override"] = "nope!"
    assert current_consent(rows) is Consent.NO
    rows = [
        person("P0001", consent="yes", consent_override="yes"),
        person("P0002", duplicate_of="P0001", consent_override="first name"),
    ]
    assert current_consent(rows) is Consent.FIRST_NAME  # the most careful of the two
    assert current_consent([person("P0003")]) is Consent.NO  # never answered


def test_a_volunteer_sees_initials_until_they_accept_then_what_consent_allows():
    policy = Policy(
        [
            person("P0001", consent="yes", phone="+12015550143", email="m@example.org"),
            person("P0002", "Ann Bell", consent="first name", phone="+12015550101"),
            person("P0003", "Kim Ode", consent="no", email="k@example.org"),
            person("P0004", "Lee Park", consent="yes", email="l@example.org", do_not_contact="x"),
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
    policy = Policy([person("P0001", consent="yes", phone="+12015550143")])
    safety = policy.for_volunteer(
        "P0001", accepted=True, category="Safety at home", details="Partner must not know"
    )
    assert (safety.who, safety.contact, safety.details, safety.ask_organizer) == ("", "", "", True)
    proposed = policy.for_volunteer("P0001", accepted=False, category="Safety at home", details="x")
    assert (proposed.who, proposed.ask_organizer) == ("", False)  # not even initials
    # Someone who asked for a sensitive kind of help: none of their text goes by email.
    needs = [{"person_id": "P0001", "category": "Safety at home"}]
    policy = Policy([person("P0001", consent="yes", phone="+12015550143")], needs=needs)
    groceries = policy.for_volunteer(
        "P0001", accepted=True, category="Groceries", details="Partner must not know"
    )
    assert groceries.details == "" and groceries.ask_organizer
    assert groceries.who == "Maria Garcia"  # what she consented to, for the groceries
    custom = Policy([person("P0001", consent="yes")], sensitive=["Groceries"])
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


def test_an_override_wins_until_the_person_answers_a_form_again(backend, config, add_responses):
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 10, 9)))
    weekly(backend, config, now=dt.datetime(2026, 11, 12, 9))
    write_cell(backend, config, "people", "P0001", "consent_override", "yes")  # by phone
    report = weekly(backend, config, now=dt.datetime(2026, 11, 13, 9))
    person = maria(backend, config)
    assert (person["consent"], person["consent_date"]) == ("yes", "2026-11-13 09:00")
    assert person["consent_override_seen"] == "2026-11-13 09:00 yes"
    assert not [i for i in report.issues if "consent" in i.code]
    weekly(backend, config, now=dt.datetime(2026, 11, 14, 9))  # seen once: stays as it was
    assert maria(backend, config)["consent_override_seen"] == "2026-11-13 09:00 yes"
    # Then she takes it back on the form: the form answer is newer, and wins.
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 20, 9)))
    report = weekly(backend, config)
    assert maria(backend, config)["consent"] == "no"
    [issue] = [i for i in report.issues if i.code == IssueCode.CONSENT_OVERRIDE_OUTDATED]
    assert (issue.row, issue.field, issue.severity) == (2, "consent_override", "warning")
    assert "Maria" not in issue.message and "P0001" in issue.message
    weekly(backend, config)  # and it stays withdrawn
    assert maria(backend, config)["consent"] == "no"


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
    weekly(backend, config)
    assert maria(backend, config)["consent"] == "yes"
    # Sent again with "No", and a phone number mistyped: the row goes to Errors, but the
    # withdrawal counts at once (tied to her by her email and first name).
    add_responses(
        "requests",
        request(consent="No", phone="555-12", timestamp=dt.datetime(2026, 11, 20, 9)),
    )
    report = weekly(backend, config)
    assert report.step("intake").counts["invalid"] == 1
    person = maria(backend, config)
    assert (person["consent"], person["consent_date"]) == ("no", "2026-11-20 09:00")
    # A "Yes" on an invalid row widens nothing until the row is fixed.
    add_responses(
        "requests",
        request(consent="Yes", phone="555-12", timestamp=dt.datetime(2026, 11, 21, 9)),
    )
    weekly(backend, config)
    assert maria(backend, config)["consent"] == "no"


def test_a_no_given_before_the_run_that_first_sees_an_override_wins_over_it(
    backend, config, add_responses
):
    """The run cannot tell whether a form answer since the last run came before or after
    the override was typed: the narrower one wins, and organizers are asked to look."""
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 10, 9)))
    weekly(backend, config, now=dt.datetime(2026, 11, 12, 9))
    write_cell(backend, config, "people", "P0001", "consent_override", "yes")  # Monday's call
    add_responses("requests", request(consent="No", timestamp=dt.datetime(2026, 11, 13, 8)))
    report = weekly(backend, config, now=dt.datetime(2026, 11, 13, 9))
    assert maria(backend, config)["consent"] == "no"
    assert [i.code for i in report.issues if "consent" in i.code] == [
        IssueCode.CONSENT_OVERRIDE_OUTDATED
    ]
    # The organizers' email asks them to look, by id.
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    digest = organizer_digest(frames, "Net", NOW, since=NOW - dt.timedelta(days=7))
    assert digest.consent_to_check == ["P0001"]
    text = render("organizers", digest, chart=Image("c", "c.png", b"")).text
    assert "Consent to check on the People tab (consent_override is not followed): P0001" in text
