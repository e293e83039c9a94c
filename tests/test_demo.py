"""The demo generator: deterministic, schema-true responses and a truth that matches them."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import email_validator
import phonenumbers
import pytest
import yaml

from sheetsync import demo
from sheetsync.demo import (
    DEMO,
    FORMULA_LIKE,
    SIZES,
    GeneratedNetwork,
    NetworkSize,
    PairKind,
    Problem,
    RowRef,
    generate,
    generate_responses,
)
from sheetsync.demo.mess import BAD_PHONES
from sheetsync.demo.people import LINES

NOW = dt.datetime(2026, 11, 23, 9, 0)
ZONES = ("Northside", "Eastside", "Southside", "Westside", "Downtown")
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
FORM_FILES = {
    "requests": "request_form.yaml",
    "offers": "offer_form.yaml",
    "checkins": "checkin_form.yaml",
}


@cache
def schema(form: str) -> dict[str, Any]:
    return yaml.safe_load((SCHEMAS / FORM_FILES[form]).read_text(encoding="utf-8"))


def fields(form: str) -> list[dict[str, Any]]:
    return schema(form)["fields"]


@cache
def network(size: NetworkSize, seed: int = 7, mess: bool = True) -> GeneratedNetwork:
    return generate(size, now=NOW, zones=ZONES, seed=seed, mess=mess)


def digits(phone: object) -> str:
    return re.sub(r"\D", "", str(phone))[-10:]


def tidy(name: object) -> str:
    return " ".join(str(name).split()).casefold()


def is_valid_phone(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "US"))
    except phonenumbers.NumberParseException:
        return False


def is_valid_email(text: str) -> bool:
    try:
        email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def problems(form: str, row: dict[str, demo.Value]) -> set[str]:
    """The fields of a row that break its schema: an independent check of the generator."""
    bad: set[str] = set()
    for spec in fields(form):
        name, value = spec["name"], row[spec["name"]]
        rules = spec.get("constraints", {})
        if value == "":
            if rules.get("required"):
                bad.add(name)
            continue
        if spec["type"] == "datetime":
            ok = isinstance(value, dt.datetime) and value.tzinfo is None
        elif spec["type"] in ("integer", "number"):
            ok = (isinstance(value, int) or (isinstance(value, str) and value.isdigit())) and (
                rules.get("minimum", 0) <= int(value) <= rules.get("maximum", 10**9)
            )
        elif spec["type"] == "list":
            options = rules.get("enum", demo.LANGUAGES)
            items = str(value).split(spec["delimiter"])
            ok = all(i in options for i in items) and [options.index(i) for i in items] == sorted(
                {options.index(i) for i in items}
            )
        elif spec.get("enumFrom") == "network.zones":
            ok = value in ZONES
        elif "enum" in rules:
            ok = value in rules["enum"]
        elif spec.get("format") == "phone":
            ok = is_valid_phone(str(value))
        elif spec.get("format") == "email":
            ok = is_valid_email(str(value))
        else:
            ok = isinstance(value, str) and len(value) <= rules.get("maxLength", 10**9)
        if not ok:
            bad.add(name)
    if not any(row[name] for name in schema(form)["requiredOneOf"][0]):
        bad.add("phone/email")
    return bad


def all_problems(net: GeneratedNetwork) -> dict[RowRef, set[str]]:
    return {
        RowRef(form, i): found
        for form, rows in net.responses.items()
        for i, row in enumerate(rows)
        if (found := problems(form, row))
    }


CASES = [
    (DEMO, 7, True),
    (DEMO, 8, True),
    (DEMO, 7, False),
    (SIZES["S"], 7, True),
    (SIZES["S"], 3, False),
    (SIZES["M"], 7, True),
    (SIZES["M"], 7, False),
]
CASE_IDS = [f"{s.name}-seed{seed}-{'mess' if mess else 'clean'}" for s, seed, mess in CASES]


# Determinism ----------------------------------------------------------------------------------


def test_same_seed_same_output_and_different_seed_different_output():
    first = generate(DEMO, now=NOW, zones=ZONES, seed=11)
    again = generate(DEMO, now=NOW, zones=ZONES, seed=11)
    other = generate(DEMO, now=NOW, zones=ZONES, seed=12)
    assert first == again
    assert first.responses != other.responses


def test_generate_responses_is_generate_without_the_truth():
    assert generate_responses(DEMO, now=NOW, zones=ZONES) == network(DEMO).responses


def test_uses_its_own_random_generator_only():
    import random

    random.seed(1)
    state = random.getstate()
    before = generate(DEMO, now=NOW, zones=ZONES)
    assert random.getstate() == state
    random.seed(99)
    assert generate(DEMO, now=NOW, zones=ZONES) == before


def test_an_aware_now_uses_its_wall_clock():
    aware = NOW.replace(tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    assert generate(DEMO, now=aware, zones=ZONES) == network(DEMO)


# Shape: the schemas' fields, options and order --------------------------------------------


@pytest.mark.parametrize(("size", "seed", "mess"), CASES, ids=CASE_IDS)
def test_keys_are_the_schema_field_names_in_order(size, seed, mess):
    net = network(size, seed, mess)
    assert list(net.responses) == ["requests", "offers", "checkins"]
    for form, rows in net.responses.items():
        names = [f["name"] for f in fields(form)]
        assert all(list(row) == names for row in rows), form


@pytest.mark.parametrize(("size", "seed", "mess"), CASES, ids=CASE_IDS)
def test_the_only_invalid_rows_are_those_the_truth_reports(size, seed, mess):
    net = network(size, seed, mess)
    found = all_problems(net)
    assert found == {bad.ref: {bad.field} for bad in net.truth.invalid}
    assert net.truth.invalid_rows == set(found)


@pytest.mark.parametrize(("size", "seed", "mess"), CASES, ids=CASE_IDS)
def test_timestamps_ascend_within_eight_weeks_before_now(size, seed, mess):
    for form, rows in network(size, seed, mess).responses.items():
        stamps = [row["timestamp"] for row in rows]
        assert stamps == sorted(stamps), form
        assert all(isinstance(t, dt.datetime) and t.tzinfo is None for t in stamps)
        assert NOW - dt.timedelta(weeks=8) <= stamps[0] and stamps[-1] < NOW


@pytest.mark.parametrize(("size", "seed", "mess"), CASES, ids=CASE_IDS)
def test_answers_are_text_except_some_numbers(size, seed, mess):
    for form, rows in network(size, seed, mess).responses.items():
        for row in rows:
            for name, value in row.items():
                if name in ("weekly_capacity", "checkin_hours"):
                    assert isinstance(value, (str, int)), (form, name, value)
                elif name != "timestamp":
                    assert isinstance(value, str), (form, name, value)


def test_numbers_are_mostly_text_digits_and_sometimes_int():
    kinds = Counter(type(r["weekly_capacity"]) for r in network(SIZES["M"]).responses["offers"])
    assert kinds[str] > kinds[int] > 0
    clean = network(SIZES["M"], mess=False).responses
    assert all(isinstance(r["checkin_hours"], str) for r in clean["checkins"])


@pytest.mark.parametrize(("size", "seed", "mess"), CASES, ids=CASE_IDS)
def test_sizes_are_as_defined(size, seed, mess):
    net = network(size, seed, mess)
    ids = net.truth.person_ids
    assert {f: len(rows) for f, rows in net.responses.items()} == {
        "requests": size.requests,
        "offers": size.offers,
        "checkins": size.checkins,
    }
    assert {f: len(ids[f]) for f in ids} == {f: len(rows) for f, rows in net.responses.items()}
    assert len(set(ids["requests"])) == size.requesters
    assert len(set(ids["offers"])) == size.volunteers
    assert len(set(ids["requests"]) & set(ids["offers"])) == size.both
    assert set(ids["checkins"]) <= set(ids["offers"])
    assert net.truth.people == size.people


def test_demo_is_about_forty_people_and_a_hundred_and_twenty_responses():
    assert (DEMO.people, DEMO.responses) == (40, 120)
    assert {f: len(rows) for f, rows in network(DEMO).responses.items()} == {
        "requests": 48,
        "offers": 24,
        "checkins": 48,
    }


def test_the_named_sizes():
    s, m, large = SIZES["S"], SIZES["M"], SIZES["L"]
    assert list(SIZES) == ["S", "M", "L"]
    assert s.people == 30
    assert (m.requests, m.volunteers) == (2_000, 300)
    assert (large.requests, large.volunteers) == (100_000, 20_000)
    assert 100_000 <= large.people <= demo.MAX_PEOPLE  # every person can get their own phone


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (NetworkSize("x", 5, 5, 4, 5, 0), "each requester needs a request"),
        (NetworkSize("x", 5, 5, 5, 5, 0, both=6), "both <= requesters"),
        (NetworkSize("x", 0, 0, 0, 0, 3), "check-ins come"),
        (NetworkSize("x", demo.MAX_PEOPLE, 1, demo.MAX_PEOPLE, 1, 0), "distinct phone"),
    ],
)
def test_impossible_sizes_are_refused(size, message):
    with pytest.raises(ValueError, match=message):
        generate(size, now=NOW, zones=ZONES)


def test_zones_are_required():
    with pytest.raises(ValueError, match="zones"):
        generate(DEMO, now=NOW, zones=[])


def test_generating_m_makes_no_network_access(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the generator tried to use the network")

    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    net = generate(SIZES["M"], now=NOW, zones=ZONES, seed=5)
    assert len(net.responses["requests"]) == 2_000


# People ---------------------------------------------------------------------------------------


def test_contacts_are_fictional_and_unique_to_a_person():
    net = network(SIZES["M"])
    bad = net.truth.invalid_rows
    phone_owner: dict[str, set[int]] = defaultdict(set)
    email_owner: dict[str, set[int]] = defaultdict(set)
    for form, rows in net.responses.items():
        for i, (row, person) in enumerate(zip(rows, net.truth.person_ids[form], strict=True)):
            if RowRef(form, i) in bad:
                continue
            if row["phone"]:
                assert digits(row["phone"])[3:6] == "555"
                phone_owner[digits(row["phone"])].add(person)
            if row["email"]:
                assert str(row["email"]).rsplit("@", 1)[1] in {
                    "example.org",
                    "example.com",
                    "example.net",
                }
                email_owner[str(row["email"])].add(person)
    household_phones = {
        digits(net.responses["requests"][p.first.row]["phone"]) for p in net.truth.households
    }
    shared = {d for d, people in phone_owner.items() if len(people) > 1}
    assert shared == household_phones
    assert all(len(people) == 1 for people in email_owner.values())


@pytest.mark.parametrize("area", demo.AREA_CODES)
def test_every_area_code_gives_valid_phones(area):
    lines = [LINES[i] for i in (0, 99, 100, 5_000, len(LINES) - 1)]
    assert all(is_valid_phone(f"({area}) 555-{line}") for line in lines)


def test_phones_come_in_many_formats():
    net = network(DEMO)
    shapes = {
        re.sub(r"\d", "9", str(r["phone"]))
        for rows in net.responses.values()
        for r in rows
        if r["phone"]
    } - {re.sub(r"\d", "9", b) for b in BAD_PHONES}
    assert {
        "(999) 999-9999",
        "999.999.9999",
        "+9 999 999 9999",  # "+1 201 555 0143"
        "9999999999",
        "999-999-9999",
    } <= shapes
    clean = network(DEMO, mess=False)
    assert {
        re.sub(r"\d", "9", str(r["phone"])) for rows in clean.responses.values() for r in rows
    } == {"(999) 999-9999"}


def test_names_are_diverse_and_some_strangers_share_one():
    net = network(SIZES["M"])
    names_of: dict[str, set[int]] = defaultdict(set)
    firsts = set()
    for form, rows in net.responses.items():
        for row, person in zip(rows, net.truth.person_ids[form], strict=True):
            names_of[tidy(row["name"])].add(person)
            firsts.add(tidy(row["name"]).split(" ")[0])
    assert len(firsts) > 150
    assert sum(len(people) > 1 for people in names_of.values()) >= 5


def test_languages_are_weighted_towards_english():
    rows = network(SIZES["M"]).responses["requests"]
    spoken = Counter(
        lang for r in rows if r["languages"] for lang in str(r["languages"]).split(", ")
    )
    assert set(spoken) == set(demo.LANGUAGES)
    assert spoken.most_common(1)[0][0] == "English"


def test_answers_look_like_a_real_network():
    net = network(SIZES["M"])
    requests, offers = net.responses["requests"], net.responses["offers"]
    checkins = net.responses["checkins"]
    valid = [
        r for i, r in enumerate(requests) if RowRef("requests", i) not in net.truth.invalid_rows
    ]
    urgency = Counter(r["urgency"] for r in valid)
    assert (
        urgency["Today"] < urgency["This week"] and urgency["Today"] < urgency["When someone can"]
    )
    assert {len(str(r["categories"]).split(", ")) for r in valid} == {1, 2, 3}
    assert Counter(r["consent"] for r in valid).most_common(1)[0][0] == "Yes"
    assert {len(str(r["offers"]).split(", ")) for r in offers} == {1, 2, 3, 4, 5}
    assert {r["has_car"] for r in offers} == {"Yes", "No", ""}
    assert sum(1 <= int(r["weekly_capacity"]) <= 5 for r in offers) > 0.9 * len(offers)
    status = Counter(str(r["checkin_status"]).split(" ")[0] for r in checkins)
    assert status["Green"] > status["Yellow"] > status["Red"] > 0
    assert {int(r["checkin_hours"]) for r in checkins if r["checkin_hours"] != ""} <= set(range(21))
    assert sum(bool(r["offers_note"]) for r in requests) > 0


# Mess and the truth about it ----------------------------------------------------------------


def test_demo_has_one_row_of_each_invalid_kind():
    net = network(DEMO)
    kinds = [(bad.ref.form, bad.field, bad.problem) for bad in net.truth.invalid]
    assert sorted(kinds) == [
        ("offers", "phone", Problem.INVALID_PHONE),
        ("requests", "email", Problem.INVALID_EMAIL),
        ("requests", "zone", Problem.MISSING),
    ]
    rows = {bad.problem: net.responses[bad.ref.form][bad.ref.row] for bad in net.truth.invalid}
    assert "@@" in str(rows[Problem.INVALID_EMAIL]["email"])
    assert is_valid_phone(str(rows[Problem.INVALID_EMAIL]["phone"]))  # the email is the problem
    assert rows[Problem.INVALID_PHONE]["email"]


def test_a_clean_network_has_no_mess():
    truth = network(SIZES["M"], mess=False).truth
    assert truth.invalid == truth.duplicates == truth.households == truth.formula_like == []
    assert len(truth.namesakes) == 1  # strangers sharing a name are not mess


@pytest.mark.parametrize("size", [DEMO, SIZES["M"]], ids=["demo", "M"])
def test_duplicates_are_one_person_resubmitting(size):
    net = network(size)
    kinds = Counter(pair.kind for pair in net.truth.duplicates)
    # The demo's one same-answers resubmission is the one that withdraws consent.
    assert set(kinds) | {PairKind.SAME_ANSWERS} == {
        PairKind.SAME_ANSWERS,
        PairKind.CONSENT_WITHDRAWN,
        PairKind.PHONE_FORMAT,
        PairKind.NICKNAME,
    }
    assert kinds[PairKind.CONSENT_WITHDRAWN] == 1
    for first, second, kind in net.truth.duplicates:
        a = net.responses[first.form][first.row]
        b = net.responses[second.form][second.row]
        assert first.form == second.form == "requests" and first.row < second.row
        ids = net.truth.person_ids["requests"]
        assert ids[first.row] == ids[second.row]
        same = ("timestamp", "name", "phone", "consent")
        rest = {k: v for k, v in a.items() if k not in same}
        assert rest == {k: v for k, v in b.items() if k not in same}
        if kind is PairKind.CONSENT_WITHDRAWN:  # a person taking back their "Yes"
            assert (a["consent"], b["consent"]) == ("Yes", "No")
            blank = {"timestamp": None, "consent": None}
            assert {**a, **blank} == {**b, **blank}
        elif kind is PairKind.SAME_ANSWERS:
            assert {**a, "timestamp": None} == {**b, "timestamp": None}
            gap = b["timestamp"] - a["timestamp"]
            assert dt.timedelta(seconds=30) <= gap <= dt.timedelta(days=1, hours=1)
        elif kind is PairKind.PHONE_FORMAT:
            assert a["phone"] != b["phone"] and digits(a["phone"]) == digits(b["phone"])
        else:
            assert a["email"] and a["email"] == b["email"] and b["phone"] == ""
            old, new = tidy(a["name"]).split(" "), tidy(b["name"]).split(" ")
            assert old[-1] == new[-1] and old[0] != new[0]


@pytest.mark.parametrize("size", [DEMO, SIZES["M"]], ids=["demo", "M"])
def test_households_share_a_phone_and_surname_but_not_a_first_name(size):
    net = network(size)
    assert net.truth.households
    ids = net.truth.person_ids["requests"]
    for first, second, kind in net.truth.households:
        assert kind is PairKind.HOUSEHOLD and first.form == second.form == "requests"
        a, b = net.responses["requests"][first.row], net.responses["requests"][second.row]
        assert ids[first.row] != ids[second.row]
        assert digits(a["phone"]) == digits(b["phone"])
        assert tidy(a["name"]).split(" ")[0] != tidy(b["name"]).split(" ")[0]
        assert tidy(a["name"]).split(" ")[-1] == tidy(b["name"]).split(" ")[-1]
        assert a["email"] and b["email"] and a["email"] != b["email"]


def test_namesakes_are_strangers_with_one_name():
    net = network(DEMO)
    [(first, second, _)] = net.truth.namesakes
    a = net.responses[first.form][first.row]
    b = net.responses[second.form][second.row]
    assert (first.form, second.form) == ("requests", "offers")
    assert tidy(a["name"]) == tidy(b["name"])
    assert (
        net.truth.person_ids[first.form][first.row] != net.truth.person_ids[second.form][second.row]
    )
    assert digits(a["phone"]) != digits(b["phone"]) or not a["phone"]


@pytest.mark.parametrize("size", [DEMO, SIZES["M"]], ids=["demo", "M"])
def test_formula_like_text_is_exactly_where_the_truth_says(size):
    net = network(size)
    cells = {
        (RowRef(form, i), name)
        for form, rows in net.responses.items()
        for i, row in enumerate(rows)
        for name, value in row.items()
        if value in FORMULA_LIKE
    }
    assert cells == set(net.truth.formula_like)
    texts = {net.responses[ref.form][ref.row][name] for ref, name in cells}
    assert texts == set(FORMULA_LIKE)


def test_demo_has_every_kind_of_mess():
    net = network(DEMO)
    rows = [r for form_rows in net.responses.values() for r in form_rows]
    names = [str(r["name"]) for r in rows]
    assert any(n.isupper() for n in names) and any(n.islower() for n in names)
    assert any(n != " ".join(n.split()) for n in names)
    assert any(r["phone"] and not r["email"] for r in rows)
    assert any(r["email"] and not r["phone"] for r in rows)
    requests = net.responses["requests"]
    for name in ("details", "languages", "availability", "contact_pref"):
        assert any(r[name] == "" for r in requests), name
    assert any(isinstance(r["weekly_capacity"], int) for r in net.responses["offers"])
    assert any(r["has_car"] == "" for r in net.responses["offers"])
    assert any(r["checkin_hours"] == "" for r in net.responses["checkins"])


def test_a_clean_network_answers_every_question_but_the_notes():
    net = network(SIZES["S"], mess=False)
    for form, rows in net.responses.items():
        for row in rows:
            empty = {k for k, v in row.items() if v == ""}
            assert empty <= {"offers_note", "volunteer_note", "checkin_note"}, (form, empty)


@pytest.mark.parametrize("size", [DEMO, SIZES["M"]], ids=["demo", "M"])
def test_volunteers_check_in_at_most_weekly_after_signing_up(size):
    net = network(size)
    start = NOW - dt.timedelta(weeks=8)
    signed_up: dict[int, dt.datetime] = {}
    for row, person in zip(net.responses["offers"], net.truth.person_ids["offers"], strict=True):
        signed_up.setdefault(person, row["timestamp"])
    weeks = Counter()
    for row, person in zip(
        net.responses["checkins"], net.truth.person_ids["checkins"], strict=True
    ):
        assert row["timestamp"] >= signed_up[person]
        weeks[person, (row["timestamp"] - start) // dt.timedelta(weeks=1)] += 1
    assert max(weeks.values()) == 1
