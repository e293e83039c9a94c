"""validate_form: every problem of every row, as structured issues; valid rows normalised."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from sheetsync.intake.validate import ValidationContext, validate_form
from sheetsync.normalize import clean_text, parse_iso, shorten
from sheetsync.schema import load_schemas
from tests.conftest import FORM_OF, NOW, ZONES, checkin, offer, request


def run(schemas, *rows, dayfirst=False, region="US", now=NOW):
    frame = pd.DataFrame(list(rows), index=range(2, 2 + len(rows)), dtype=object)
    ctx = ValidationContext(
        tab="Form Responses 1",
        region=region,
        dayfirst=dayfirst,
        allowed={"network.zones": ZONES},
        titles={f.name: f.title for f in schemas["requests"].fields},
        now=now,
    )
    return validate_form(frame, schemas["requests"], ctx)


@pytest.mark.parametrize(
    ("answers", "field", "code", "message"),
    [
        ({"name": "  "}, "name", "required", "'Your name' is empty; it is required."),
        ({"zone": "Eastsid"}, "zone", "enum", "Did you mean 'Eastside'?"),
        (
            {"phone": "555-12"},
            "phone",
            "format-phone",
            "'Phone number' is not a valid US phone number: correct it",
        ),
        (
            {"email": "maria@@example.org"},
            "email",
            "format-email",
            "'Email' is not a valid email address: it has more than one @.",
        ),
        (
            {"email": "maria@example"},
            "email",
            "format-email",
            "the part after the @ is not a domain such as example.org",
        ),
        (
            {"phone": "", "email": ""},
            "phone",
            "required-one-of",
            "Needs 'Phone number' or 'Email': the response has neither.",
        ),
        (
            {"availability": "Weekends, Night shifts"},
            "availability",
            "enum",
            "'When are you available?' has an answer that it does not allow.",
        ),
        (
            {"availability": "Night shifts, Weekend"},
            "availability",
            "enum",
            "has 2 answers that it does not allow. Did you mean 'Weekends'?",
        ),
        ({"urgency": "Yesterday"}, "urgency", "enum", "has an answer that it does not allow"),
        ({"timestamp": "not a date"}, "timestamp", "type-datetime", "is not a date and time"),
        ({"name": "x" * 201}, "name", "max-length", "longer than 200 characters (it has 201)"),
        ({"timestamp": dt.datetime(2026, 11, 24, 9, 0)}, "timestamp", "future-date", "future"),
    ],
)
def test_each_problem_is_reported_with_its_field_and_code(schemas, answers, field, code, message):
    result = run(schemas, request(**answers))
    assert [(i.row, i.field, i.code) for i in result.issues] == [(2, field, code)]
    assert message in result.issues[0].message
    # The answer is described, never quoted: messages reach logs and the organizers' email.
    for value in answers.values():
        for part in str(value).split(", "):
            assert f"'{part.strip()}'" not in result.issues[0].message
    assert result.invalid_rows == [2]
    assert result.valid.empty


def test_every_problem_of_every_row_is_found_in_one_pass(schemas):
    result = run(schemas, request(name="", zone="Mars"), request(), request(urgency="", phone="12"))
    assert [(i.row, i.field, i.code) for i in result.issues] == [
        (2, "name", "required"),
        (2, "zone", "enum"),
        (4, "phone", "format-phone"),
        (4, "urgency", "required"),
    ]
    assert result.invalid_rows == [2, 4]
    assert list(result.valid.index) == [3]


def test_valid_rows_come_back_normalised(schemas):
    result = run(
        schemas,
        request(
            phone="+1 (201) 555-0143",
            email="Maria@Example.ORG",
            zone="eastside",
            categories="Rides, Groceries",
            languages="spanish, English",
            name="maria GARCIA",
        ),
    )
    assert result.issues == []
    row = result.valid.loc[2]
    assert row["phone"] == "+12015550143"
    assert row["email"] == "Maria@example.org"
    assert row["zone"] == "Eastside"
    assert row["categories"] == ["Groceries", "Rides"]  # the form's option order
    assert row["languages"] == ["Spanish", "English"]
    assert row["name"] == "maria GARCIA"  # mixed case is someone's choice: kept


@pytest.mark.parametrize(
    ("value", "dayfirst", "expected"),
    [
        ("8/31/2023 19:08:16", False, dt.datetime(2023, 8, 31, 19, 8, 16)),
        ("31/08/2023 19:08:16", True, dt.datetime(2023, 8, 31, 19, 8, 16)),
        (45169.797407407408, False, dt.datetime(2023, 8, 31, 19, 8, 16)),
        (dt.date(2023, 8, 31), False, dt.datetime(2023, 8, 31)),
        (dt.datetime(2023, 8, 31, 19, 8, 16), False, dt.datetime(2023, 8, 31, 19, 8, 16)),
        ("2023-08-31 19:08", False, dt.datetime(2023, 8, 31, 19, 8)),
        (dt.datetime(2023, 8, 31, 19, 8, 15, 999_990), False, dt.datetime(2023, 8, 31, 19, 8, 16)),
    ],
    ids=["en_US-text", "en_GB-text", "serial", "date-cell", "datetime-cell", "iso", "float-noise"],
)
def test_timestamps_in_every_shape_a_sheet_gives(schemas, value, dayfirst, expected):
    result = run(schemas, request(timestamp=value), dayfirst=dayfirst)
    assert result.issues == []
    assert result.valid.loc[2, "timestamp"] == expected


def test_phone_without_country_code_uses_the_network_region(schemas):
    result = run(schemas, request(phone="020 7946 0018"), region="GB")
    assert result.valid.loc[2, "phone"] == "+442079460018"


def test_a_phone_number_the_sheet_turned_into_a_number(schemas):
    result = run(schemas, request(phone=2015550143.0))
    assert result.valid.loc[2, "phone"] == "+12015550143"


def test_text_typed_next_to_other_counts_as_other(schemas):
    result = run(schemas, request(categories="Groceries, Dog walking, Other"))
    assert result.issues == []
    assert result.valid.loc[2, "categories"] == ["Groceries", "Other"]
    assert result.valid.loc[2, "categories_other"] == "Dog walking"


def test_messages_describe_values_and_never_quote_them(schemas):
    result = run(
        schemas,
        request(
            email="x" * 300 + "@@example.org",
            phone="call Jo at work",
            zone="Jo's street",
            timestamp="Jo's birthday",
        ),
        request(availability="Weekends, Jo's shift"),
    )
    assert sorted((i.row, i.code) for i in result.issues) == [
        (2, "enum"),
        (2, "format-email"),
        (2, "format-phone"),
        (2, "max-length"),  # an email is at most 254 characters
        (2, "type-datetime"),
        (3, "enum"),
    ]
    for issue in result.issues:
        assert len(issue.message) < 250
        assert "xxx" not in issue.message and "Jo" not in issue.message, issue.message


def run_form(schemas, form, *rows, dayfirst=False):
    frame = pd.DataFrame(list(rows), index=range(2, 2 + len(rows)), dtype=object)
    ctx = ValidationContext(
        tab=FORM_OF[form],
        region="US",
        dayfirst=dayfirst,
        allowed={"network.zones": ZONES},
        titles={f.name: f.title for f in schemas[form].fields},
        now=NOW,
    )
    return validate_form(frame, schemas[form], ctx)


LIMITED = [
    (form, spec.name)
    for form in ("requests", "offers", "checkins")
    for spec in load_schemas()[form].fields
    if spec.max_length is not None
]
# Prose stays useful cut short; a name, a contact or a list cut short would be wrong.
SHORTENED = {"details", "offers_note", "volunteer_note", "checkin_note"}


@pytest.mark.parametrize(("form", "field"), LIMITED, ids=[f"{f}-{n}" for f, n in LIMITED])
def test_an_answer_past_its_max_length_is_shortened_or_an_error(schemas, form, field):
    make = {"requests": request, "offers": offer, "checkins": checkin}[form]
    limit = schemas[form].field(field).max_length
    result = run_form(schemas, form, make(), make(**{field: "x" * 40_000}))
    assert {(i.row, i.field) for i in result.issues} == {(3, field)}
    # A phone or email of 40,000 x's is not one either: that is said too.
    [issue] = [i for i in result.issues if i.code in ("shortened", "max-length")]
    if field in SHORTENED:
        assert (issue.code, issue.severity) == ("shortened", "warning")
        assert result.invalid_rows == [] and list(result.valid.index) == [2, 3]
        kept = result.valid.loc[3, field]
        assert len(kept) == limit
        assert kept.endswith(f" … [shortened: full answer in {FORM_OF[form]}, row 3]")
        assert issue.message.endswith(
            f"was shortened from 40,000 to {limit:,} characters; the full answer is in "
            f"{FORM_OF[form]}, row 3."
        )
    else:
        assert (issue.code, issue.severity) == ("max-length", "error")
        assert result.invalid_rows == [3] and list(result.valid.index) == [2]
    assert "xxx" not in issue.message


@pytest.mark.parametrize(
    ("dayfirst", "hint"),
    [
        (False, "Write it as 2026-11-20 14:05, 11/20/2026 14:05 or 2026-11-20."),
        (True, "Write it as 2026-11-20 14:05, 20/11/2026 14:05 or 2026-11-20."),
    ],
    ids=["month-first", "day-first"],
)
def test_an_unreadable_date_says_how_to_write_one(schemas, dayfirst, hint):
    result = run(schemas, request(timestamp="next Tuesday"), dayfirst=dayfirst)
    [issue] = result.issues
    assert (issue.code, issue.message) == (
        "type-datetime",
        f"'Timestamp' is not a date and time. {hint}",
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (NOW + dt.timedelta(minutes=5), None),  # a form's clock a little ahead: fine
        (NOW + dt.timedelta(minutes=6), "future-date"),
        ("2026-11-23T09:04:00", None),
        ("2027-11-20 10:00", "future-date"),
        ("11/23/2027", "future-date"),
    ],
    ids=["skew", "past-skew", "iso-skew", "next-year", "us-text"],
)
def test_a_timestamp_may_not_be_in_the_future(schemas, value, code):
    result = run(schemas, request(timestamp=value))
    assert [i.code for i in result.issues] == ([code] if code else [])
    assert result.invalid_rows == ([2] if code else [])


@pytest.mark.parametrize(
    ("text", "cleaned", "controls", "removed"),
    [
        ("Ann\x0bBell", "Ann Bell", 1, 0),
        ("\x00Ann", " Ann", 1, 0),
        ("Ann\x7f\x85\x9f", "Ann   ", 3, 0),
        ("line\none\ttab\r\n", "line\none\ttab\r\n", 0, 0),  # kept: text may have lines
        ("Ann\ud800", "Ann", 0, 1),
        ("\udfffAnn\ufffe\uffff", "Ann", 0, 3),
        ("Hi \ud83d\ude00", "Hi 😀", 0, 0),  # a pair in two halves: joined
        ("Hi 😀 José", "Hi 😀 José", 0, 0),
    ],
)
def test_clean_text_takes_out_what_a_workbook_refuses(text, cleaned, controls, removed):
    result = clean_text(text)
    assert (result.text, result.controls, result.removed) == (cleaned, controls, removed)
    result.text.encode("utf-8")  # no surrogate left: it would not encode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", dt.datetime(2026, 11, 20)),
        ("2026-11-20T14:05", dt.datetime(2026, 11, 20, 14, 5)),
        ("2026-11-20T14:05:00.4", dt.datetime(2026, 11, 20, 14, 5)),
        ("2026-11-20 14:05Z", dt.datetime(2026, 11, 20, 8, 5)),
        ("2026-11-20T14:05:00-06:00", dt.datetime(2026, 11, 20, 14, 5)),
        ("20261120", None),  # a number, not a date
        ("2026-11-31", None),
        ("2026-11-20 at noon", None),
    ],
)
def test_parse_iso_reads_iso_dates_into_the_networks_time_zone(text, expected):
    assert parse_iso(text, ZoneInfo("America/Chicago")) == expected


def test_shorten_keeps_what_fits_and_says_where_the_rest_is():
    assert shorten("short", 10, "Form Responses 1, row 2") == "short"
    assert shorten("word " * 100, 60, "Form Responses 1, row 2") == (
        "word w … [shortened: full answer in Form Responses 1, row 2]"
    )
    assert len(shorten("x" * 40_000, 5000, "Form Responses 1, row 2")) == 5000
