"""validate_form: every problem of every row, as structured issues; valid rows normalised."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sheetsync.intake.validate import ValidationContext, validate_form
from tests.conftest import ZONES, request


def run(schemas, *rows, dayfirst=False, region="US"):
    frame = pd.DataFrame(list(rows), index=range(2, 2 + len(rows)), dtype=object)
    ctx = ValidationContext(
        tab="Form Responses 1",
        region=region,
        dayfirst=dayfirst,
        allowed={"network.zones": ZONES},
        titles={f.name: f.title for f in schemas["requests"].fields},
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
        ({"details": "x" * 5001}, "details", "max-length", "longer than 5000 characters"),
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
