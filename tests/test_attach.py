"""The right person behind every response: how intake attaches a response to a person."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.demo import DEMO, Pair, PairKind, RowRef, Truth
from sheetsync.demo.attribution import measure_attribution, score_attribution
from sheetsync.demo.sizes import NetworkSize
from sheetsync.intake.names import Fit, name_fit
from sheetsync.intake.people import PeopleIndex
from sheetsync.jobs import Job, find_job, read_state, run_job
from sheetsync.statuses import CHECK_FORM
from tests.conftest import NOW, checkin, make_config, offer, request


def intake(backend, config):
    return run_job(find_job("intake", config), backend, config, now=NOW)


def people(backend, config):
    return read_state(backend, config).tables["people"].frame.to_dict("records")


def later(**answers):
    return request(**{"timestamp": dt.datetime(2026, 11, 21, 9, 0), **answers})


# Attach rules, through the real intake job ------------------------------------------------


@pytest.mark.parametrize("written", ["Wei Zhang", "Zhang Wei", "ZHANG  WEI"])
def test_a_checkin_signed_with_the_first_name_lands_on_the_persons_row(
    backend, config, add_responses, written
):
    # Family name first ("Zhang Wei") put the check-in on a new People row: the first word
    # of the name was compared, "zhang" against "wei".
    add_responses("offers", offer(name=written, email="wei.zhang@example.org", phone=""))
    add_responses("checkins", checkin(name="Wei", email="wei.zhang@example.org", phone=""))
    intake(backend, config)
    [person] = people(backend, config)
    assert person["roles"] == "volunteer"
    assert person["checkin_status"] == "green"
    assert person["name"] == " ".join(written.title().split())  # the full name stays
    assert person["source"] == "Form Responses 2:2; Form Responses 3:2"


MARIA = {"name": "Maria Garcia", "phone": "(201) 555-0143", "email": "maria@example.org"}


@pytest.mark.parametrize(
    ("first", "second", "n_people"),
    [
        (MARIA, {**MARIA, "email": ""}, 1),
        (MARIA, {**MARIA, "phone": ""}, 1),
        ({**MARIA, "name": "Robert Smith"}, {**MARIA, "name": "Bob Smith", "phone": ""}, 1),
        ({**MARIA, "name": "Robert Smith"}, {**MARIA, "name": "Smith Robert", "phone": ""}, 1),
        ({**MARIA, "name": "李娜"}, {**MARIA, "name": "李 娜", "phone": ""}, 1),
        ({**MARIA, "name": "Gerald Smith"}, {**MARIA, "name": "Geralld Smith"}, 1),
        ({**MARIA, "name": "Gerald Smith"}, {**MARIA, "name": "Geralld Smith", "phone": ""}, 2),
        (MARIA, {**MARIA, "name": "Luis Garcia", "email": "luis@example.org"}, 2),
        (MARIA, {**MARIA, "name": "Mario Garcia"}, 2),
        (MARIA, {**MARIA, "name": "Daniela Garcia"}, 2),
        (MARIA, {"name": "Maria Garcia", "phone": "201 555 0199", "email": "m@example.com"}, 2),
    ],
    ids=[
        "same-phone",
        "same-email",
        "nickname",
        "swapped-given-and-family",
        "cjk-spacing",
        "typo-at-the-end-with-phone-and-email",
        "typo-at-the-end-on-one-contact-is-for-dedupe",
        "shared-landline-other-given-name",
        "shared-phone-and-email-brother-and-sister",
        "shared-phone-and-email-other-given-name",
        "name-alone-never-attaches",
    ],
)
def test_a_response_attaches_by_contact_then_by_a_fitting_name(
    backend, config, add_responses, first, second, n_people
):
    add_responses("requests", request(**first), later(**second))
    intake(backend, config)
    rows = people(backend, config)
    assert len(rows) == n_people
    owners = {ref: p["person_id"] for p in rows for ref in p["source"].split("; ")}
    assert owners["Form Responses 1:2"] == "P0001"
    assert owners["Form Responses 1:3"] == ("P0001" if n_people == 1 else "P0002")


def test_a_nickname_with_an_email_of_its_own_is_left_to_dedupe(backend, config, add_responses):
    # "Bob Smith" on Robert Smith's landline with another email may be his son.
    robert = {"name": "Robert Smith", "phone": "201 555 0111", "email": "rob@example.org"}
    add_responses(
        "requests",
        request(**robert),
        later(**{**robert, "name": "Bob Smith", "email": "bob@other.org"}),
        later(**{**robert, "name": "Robert Smith", "email": "robert.work@example.com"}),
    )
    intake(backend, config)
    rows = {p["person_id"]: p["source"] for p in people(backend, config)}
    # The same given name still joins, with another email.
    assert rows == {
        "P0001": "Form Responses 1:2; Form Responses 1:4",
        "P0002": "Form Responses 1:3",
    }


def test_a_row_typed_by_hand_takes_only_responses_with_its_given_name(
    backend, config, add_responses
):
    from sheetsync.tables import records_of

    people_tab = read_state(backend, config).tables["people"]
    typed = {"name": "Robert Smith", "email": "rob@example.org"}
    row = [typed.get(f.name, "") for f in people_tab.schema.fields]
    backend.apply([TabChanges(tab="People", start_row=2, append=[row])])
    add_responses(
        "requests",
        request(name="Bob Smith", phone="", email="rob@example.org"),
        later(name="Robert Smith", phone="", email="rob@example.org"),
    )
    intake(backend, config)
    found = records_of(read_state(backend, config).tables["people"].frame)
    # The nickname is for dedupe to weigh (it never writes on a row typed by hand).
    assert {p["person_id"]: p["source"] for p in found} == {
        "P0001": "Form Responses 1:3",
        "P0002": "Form Responses 1:2",
    }


def test_a_shared_landline_keeps_two_people_and_each_response_finds_its_own(
    backend, config, add_responses
):
    landline = {"phone": "(201) 555-0143", "email": ""}
    add_responses(
        "requests",
        request(name="Maria Garcia", **landline),
        later(name="Luis Garcia", **landline),
        later(name="Luis", **landline, timestamp=dt.datetime(2026, 11, 21, 10, 0)),
        later(name="GARCIA MARIA", **landline, timestamp=dt.datetime(2026, 11, 21, 11, 0)),
    )
    intake(backend, config)
    rows = {p["person_id"]: p for p in people(backend, config)}
    assert {pid: p["source"] for pid, p in rows.items()} == {
        "P0001": "Form Responses 1:2; Form Responses 1:5",
        "P0002": "Form Responses 1:3; Form Responses 1:4",
    }
    assert (rows["P0001"]["name"], rows["P0002"]["name"]) == ("Maria Garcia", "Luis Garcia")


def test_a_household_writing_family_names_first_is_two_people(backend, config, add_responses):
    # "Zhang Wei" and "Zhang Li" share a first word, the family name: two people.
    family = {"phone": "(201) 555-0143", "email": "zhang.family@example.org"}
    add_responses("requests", request(name="Zhang Wei", **family), later(name="Zhang Li", **family))
    add_responses(
        "checkins",
        checkin(name="Li", **family),
        checkin(**{**family, "name": "Zhang", "phone": ""}),
    )
    intake(backend, config)
    rows = {p["person_id"]: p["source"] for p in people(backend, config)}
    # "Zhang" alone fits both: it is nobody's for sure, so it starts a row of its own.
    assert rows == {
        "P0001": "Form Responses 1:2",
        "P0002": "Form Responses 1:3; Form Responses 3:2",
        "P0003": "Form Responses 3:3",
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Maria Jose Lopez", "Jose Lopez"),
        ("Juan Carlos Garcia", "Carlos Garcia"),
        ("Jose Maria Lopez", "Maria Jose Lopez"),
        ("John Smith", "John Smith Jr"),
        ("John Smith Sr.", "John Smith Jr."),
    ],
    ids=["given-name-inside", "second-given-name", "given-names-reordered", "jr", "sr-and-jr"],
)
def test_household_names_inside_one_another_are_two_people(
    backend, config, add_responses, first, second
):
    # "Jose Lopez" read given name last against "Maria Jose Lopez" read so too compared the
    # family name as the given name: Jose's request went on to Maria Jose's People row, and
    # his name and email, the newest, overwrote hers.
    landline = "(201) 555-0143"
    add_responses(
        "requests",
        request(name=first, phone=landline, email="first@example.org"),
        later(name=second, phone=landline, email="second@example.org"),
    )
    intake(backend, config)
    rows = {p["person_id"]: p for p in people(backend, config)}
    assert {pid: (p["name"], p["email"], p["source"]) for pid, p in rows.items()} == {
        "P0001": (first, "first@example.org", "Form Responses 1:2"),
        "P0002": (second, "second@example.org", "Form Responses 1:3"),
    }


def test_a_household_known_by_landline_and_email_keeps_its_own_rows():
    # Maria Jose known by the landline and her email; Jose writes from the landline with an
    # email of his own, and then from hers.
    index = PeopleIndex()
    index.remember("P0001", "mj@example.org", "+12015550143", "Maria Jose Lopez")
    assert index.known("jose@example.org", "+12015550143", "Jose Lopez") == ""
    assert index.known("mj@example.org", "+12015550143", "Jose Lopez") == ""
    assert index.known("mj@example.org", "+12015550143", "Lopez Maria Jose") == "P0001"
    assert index.known("mj@example.org", "+12015550143", "Maria Lopez") == "P0001"


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("J Smith", ["Jane Smith", "John Smith"]),
        ("Sam Lee", ["Samuel Lee", "Samantha Lee"]),
        ("Smith", ["Jane Smith", "John Smith"]),
    ],
    ids=["initial", "nickname-of-both", "family-name-alone"],
)
def test_a_response_fitting_two_people_of_a_contact_gets_a_row_of_its_own(
    backend, config, add_responses, name, known
):
    family = {"phone": "(201) 555-0143", "email": "family@example.org"}
    add_responses(
        "requests",
        request(name=known[0], **family),
        later(name=known[1], **family),
        later(name=name, **family, timestamp=dt.datetime(2026, 11, 21, 10, 0)),
    )
    intake(backend, config)
    rows = {p["person_id"]: (p["name"], p["source"]) for p in people(backend, config)}
    assert rows == {
        "P0001": (known[0], "Form Responses 1:2"),
        "P0002": (known[1], "Form Responses 1:3"),
        "P0003": (name, "Form Responses 1:4"),
    }


def test_the_first_row_a_response_was_given_to_stays_its_row(backend, config, add_responses):
    add_responses("requests", request())
    intake(backend, config)
    # The person's name changed since: the response is theirs still, by its row.
    from sheetsync.schema import load_schemas
    from tests.conftest import edit_response

    edit_response(backend, load_schemas(), "requests", 2, name="Mary Smith")
    intake(backend, config)
    [person] = people(backend, config)
    assert (person["person_id"], person["name"]) == ("P0001", "Mary Smith")


@pytest.mark.parametrize(
    ("names", "kept"),
    [
        (["Michael Thompson", "Thompson Michael"], "Michael Thompson"),
        (["Malik Hughes", "Maliik Hughes"], "Malik Hughes"),
        (["Maliik Hughes", "Malik Hughes", "Malik Hughes"], "Malik Hughes"),
        (["李娜", "李 娜"], "李娜"),
        (["Wei Zhang", "Wei"], "Wei Zhang"),
        (["William Green", "Bill Green"], "Bill Green"),
        (["maria garcia", "Maria Garcia Lopez"], "Maria Garcia Lopez"),
    ],
    ids=["swapped", "typo", "typo-corrected", "cjk-spacing", "first-name", "nickname", "newer"],
)
def test_the_people_row_keeps_the_name_as_the_person_writes_it(
    backend, config, add_responses, names, kept
):
    add_responses(
        "requests",
        *(
            later(name=name, timestamp=dt.datetime(2026, 11, 20, 9 + k))
            for k, name in enumerate(names)
        ),
    )
    intake(backend, config)
    [person] = people(backend, config)
    assert person["name"] == kept


# A role's fields come from its form -------------------------------------------------------


def test_a_request_does_not_change_the_availability_given_as_a_volunteer(
    backend, config, add_responses
):
    sam = {"name": "Sam Lee", "phone": "201-555-0170", "email": "sam@example.net"}
    add_responses("offers", offer(availability="Weekends", **sam))
    add_responses(
        "requests",
        request(availability="Weekday mornings", offers_note="I can lend tools", **sam),
        request(name="Ann Bell", phone="2015550101", email="ann@example.org"),
    )
    intake(backend, config)
    rows = {p["name"]: p for p in people(backend, config)}
    sam_row = rows["Sam Lee"]
    assert sam_row["roles"] == "requester, volunteer"
    assert sam_row["availability"] == "Weekends"
    assert (sam_row["weekly_capacity"], sam_row["has_car"]) == ("3", "Yes")
    assert sam_row["offers_note"] == "I can lend tools"
    assert sam_row["contact_pref"] == "Text"
    assert rows["Ann Bell"]["availability"] == ""  # a requester gives no volunteer hours
    needs = read_state(backend, config).tables["needs"].frame.to_dict("records")
    by_person = {n["person_id"]: n["availability"] for n in needs}
    assert by_person[sam_row["person_id"]] == "Weekday mornings"
    # A newer offer changes it.
    add_responses(
        "offers",
        offer(availability="Weekday evenings", timestamp=dt.datetime(2026, 11, 22, 12, 0), **sam),
    )
    intake(backend, config)
    assert {p["name"]: p["availability"] for p in people(backend, config)}["Sam Lee"] == (
        "Weekday evenings"
    )


# Errors rows that are not form responses --------------------------------------------------


INTAKE_STEP = Job(name="intake-step", schedule="hourly", steps=("intake",))


def add_errors_rows(backend, *rows):
    header = backend.read_tabs(["Errors"])["Errors"].rows[0]
    backend.apply(
        [TabChanges("Errors", start_row=2, append=[[r.get(h, "") for h in header] for r in rows])]
    )


def errors_by_source(backend, config):
    return {
        e["source"]: e
        for e in read_state(backend, config).tables["errors"].frame.to_dict("records")
    }


def test_errors_rows_of_the_check_are_left_alone(backend, config, add_responses):
    broken_rule = {
        "error_id": "E0001",
        "form": CHECK_FORM,
        "status": "open",
        "source": "Tasks:T0042",
        "tab": "Tasks",
        "row": "3",
        "fields": "need-overbooked",
        "reason": "Need N0007 has two live tasks but needs one person.",
        "first_seen": "2026-11-16 07:00",
    }
    add_errors_rows(backend, broken_rule)
    add_responses("requests", request(zone=""))
    # The intake step alone: the intake job's check would resolve the row itself, the rule
    # holding on these tabs.
    run_job(INTAKE_STEP, backend, config, now=NOW)
    errors = errors_by_source(backend, config)
    assert {k: errors["Tasks:T0042"][k] for k in broken_rule} == broken_rule
    assert errors["Form Responses 1:2"]["status"] == "open"
    assert errors["Form Responses 1:2"]["error_id"] == "E0002"
    # The response fixed: its row is resolved, the check's row stays open.
    from sheetsync.schema import load_schemas
    from tests.conftest import edit_response

    edit_response(backend, load_schemas(), "requests", 2, zone="Eastside", timestamp=NOW)
    run_job(INTAKE_STEP, backend, config, now=NOW)
    errors = errors_by_source(backend, config)
    assert {s: e["status"] for s, e in errors.items()} == {
        "Tasks:T0042": "open",
        "Form Responses 1:2": "resolved",
    }


def test_errors_rows_of_a_form_no_longer_configured_are_resolved(backend, config, add_responses):
    # A form renamed or taken out of sheetsync.toml: nobody else would ever resolve its
    # rows (they were resolved before issue 18 too: every row but those still current).
    old_form = {
        "error_id": "E0001",
        "form": "Sign up (2025)",
        "status": "open",
        "source": "Old sign-ups:7",
        "tab": "Old sign-ups",
        "row": "7",
        "reason": "Zone is empty.",
        "first_seen": "2026-01-10 07:00",
    }
    noted = {**old_form, "error_id": "E0002", "status": "noted", "source": "Old sign-ups:8"}
    add_errors_rows(backend, old_form, noted)
    add_responses("requests", request())
    intake(backend, config)
    errors = errors_by_source(backend, config)
    assert {s: e["status"] for s, e in errors.items()} == {
        "Old sign-ups:7": "resolved",
        "Old sign-ups:8": "resolved",
    }
    assert errors["Old sign-ups:7"]["reason"] == "Zone is empty."  # only its status changes


# Names that fit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "fit"),
    [
        ("wei zhang", "wei zhang", Fit.SAME),
        ("zhang wei", "wei zhang", Fit.ORDER),
        ("李娜", "李 娜", Fit.ORDER),
        ("maria garcia", "maria garcia lopez", Fit.GIVEN),
        ("maria garcia", "maria g.", Fit.GIVEN),
        ("wei", "zhang wei", Fit.SIGNATURE),
        ("sam", "sam lee", Fit.GIVEN),
        ("bob", "robert smith", Fit.SIGNATURE),
        ("bob smith", "robert smith", Fit.SIGNATURE),
        ("smith bob", "robert smith", Fit.SIGNATURE),
        ("gerald smith", "geralld smith", Fit.TYPO),
        ("gerald smith", "geradl smith", Fit.TYPO),
        ("maria garcia", "luis garcia", Fit.NONE),
        ("maria garcia", "mario garcia", Fit.NONE),
        ("daniel garcia", "daniela garcia", Fit.NONE),
        ("zhang wei", "zhang li", Fit.NONE),
        ("maria garcia", "maria lopez", Fit.NONE),
        ("ana smith", "anna smith", Fit.NONE),
        ("", "maria garcia", Fit.NONE),
        # Household members: a given name inside another's name, Jr. and Sr.
        ("jose lopez", "maria jose lopez", Fit.NONE),
        ("lopez jose", "maria jose lopez", Fit.NONE),
        ("carlos garcia", "juan carlos garcia", Fit.NONE),
        ("jose maria lopez", "maria jose lopez", Fit.NONE),
        ("john smith jr", "john smith", Fit.NONE),
        ("john smith jr.", "john smith sr.", Fit.NONE),
        ("john smith ii", "john smith iii", Fit.NONE),
        ("maria lopez", "marta lopez", Fit.NONE),
        ("maria lopez", "marian lopez", Fit.NONE),
        # One person: the suffix written alike, the name family first, a middle name left out.
        ("john smith jr.", "smith john jr", Fit.ORDER),
        ("john", "john smith jr", Fit.GIVEN),
        ("lopez maria jose", "maria jose lopez", Fit.ORDER),
        ("maria lopez", "maria jose lopez", Fit.GIVEN),
    ],
)
def test_name_fit(a, b, fit):
    assert name_fit(a, b) is fit
    assert name_fit(b, a) is fit


# Any order, one person; a shared contact, never one person ----------------------------------

_GIVEN = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "James": "Jim",
    "Katherine": "Kate",
    "Gerald": None,
    "Maria": None,
    "Luis": None,
}
_FAMILY = ("Smith", "Zhang", "Garcia Lopez", "O'Brien")


def variants(given: str, family: str, suffix: str = "", alone: bool = True) -> list[str]:
    """The ways one person writes their name on forms. A father and a son of one name (Jr.,
    Sr.) never sign with the first name alone: it is either of them."""
    full = f"{given} {family} {suffix}".strip()
    names = [full, f"{family} {given} {suffix}".strip(), full.upper()]
    alone = alone and not suffix
    if alone:
        names.append(given)
    if len(given) >= 5:
        names.append(f"{given[:-1]}{given[-2:]} {family} {suffix}".strip())  # Geralld
    nickname = _GIVEN.get(given)
    if nickname:
        names.append(f"{nickname} {family} {suffix}".strip())
        if alone:
            names.append(nickname)
    return names


def attach_all(responses: list[tuple[str, str, str]]) -> list[str]:
    """Each response's person, as intake finds them, in order of arrival."""
    index = PeopleIndex()
    ids = iter(f"P{k:04d}" for k in range(1, 1000))
    return [
        index.attach(f"Form Responses 1:{k + 2}", email, phone, name, lambda: next(ids))
        for k, (name, phone, email) in enumerate(responses)
    ]


_SUFFIXES = ("", "Jr", "Jr.", "Sr.", "III")


@st.composite
def one_persons_responses(draw):
    given = draw(st.sampled_from(sorted(_GIVEN)))
    family = draw(st.sampled_from(_FAMILY))
    suffix = draw(st.sampled_from(_SUFFIXES))
    names = draw(st.lists(st.sampled_from(variants(given, family, suffix)), min_size=2, max_size=8))
    return [(name, "+12015550143", "r@example.org") for name in names]


@settings(max_examples=300, deadline=None)
@given(one_persons_responses())
def test_a_persons_responses_attach_to_one_person_in_any_order(responses):
    assert len(set(attach_all(responses))) == 1


# Household members whose names are more than two given names apart: one's given names hold
# the other's ("Maria Jose" / "Jose", "Juan Carlos" / "Carlos") or the same ones in another
# order, and a father and a son of one name. Two given names are written given name first
# only: family first ("Lopez Maria Jose") or alone ("Maria Jose") they read as the given
# name "Jose" after one or two family names, as "Garcia Lopez Elizabeth" and "Zhang Wei"
# do, and "Jose" alone or "Lopez Jose" fits them; that is for dedupe and organizers.
_NAMES_INSIDE = (("Maria Jose", "Jose"), ("Juan Carlos", "Carlos"), ("Jose Maria", "Maria Jose"))
_FATHER_AND_SON = (("", "Jr"), ("Sr.", "Jr."), ("Sr", "Jr"), ("", "III"), ("Jr", "III"))


def household_variants(given: str, family: str, suffix: str, alone: bool) -> list[str]:
    """The ways a household member writes their name (see _NAMES_INSIDE)."""
    if " " in given:
        full = f"{given} {family}"
        return [full, full.upper()]
    return variants(given, family, suffix, alone)


@st.composite
def a_households_responses(draw):
    family = draw(st.sampled_from(_FAMILY))
    kind = draw(st.sampled_from(["two given names", "one inside the other", "father and son"]))
    if kind == "two given names":
        pair = draw(st.lists(st.sampled_from(sorted(_GIVEN)), min_size=2, max_size=2, unique=True))
        people = [(pair[0], ""), (pair[1], "")]
    elif kind == "one inside the other":
        people = [(given, "") for given in draw(st.sampled_from(_NAMES_INSIDE))]
    else:
        given = draw(st.sampled_from(sorted(_GIVEN)))
        people = [(given, suffix) for suffix in draw(st.sampled_from(_FATHER_AND_SON))]
    # A family email, none, or an email each with the landline (Jose writes from his own).
    emails = draw(
        st.sampled_from([("family@example.org",) * 2, ("", ""), ("a@example.org", "b@example.org")])
    )
    tagged = [
        (name, who, email)
        for (given, suffix), who, email in zip(people, "ab", emails, strict=True)
        for name in household_variants(given, family, suffix, kind != "father and son")
    ]
    chosen = draw(st.lists(st.sampled_from(tagged), min_size=2, max_size=10))
    responses = [(name, "+12015550143", email) for name, _, email in chosen]
    return responses, [who for _, who, _ in chosen]


@settings(max_examples=500, deadline=None)
@given(a_households_responses())
def test_household_members_on_a_shared_contact_never_attach_to_one_person(household):
    responses, whose = household
    pids = attach_all(responses)
    of_a = {pid for pid, w in zip(pids, whose, strict=True) if w == "a"}
    of_b = {pid for pid, w in zip(pids, whose, strict=True) if w == "b"}
    assert not of_a & of_b


# Measured on a generated messy network ------------------------------------------------------

BIGGER = NetworkSize(
    "H", requesters=300, volunteers=120, both=30, requests=450, offers=140, checkins=300
)


@pytest.mark.parametrize(("size", "seed"), [(DEMO, 7), (DEMO, 8), (BIGGER, 7), (BIGGER, 5)])
def test_intake_and_dedupe_find_the_right_person_on_a_messy_network(tmp_path, size, seed):
    config = make_config(tmp_path / "network.xlsx")
    score = measure_attribution(size, WorkbookBackend(config.workbook), config, now=NOW, seed=seed)
    assert score.unattributed == 0  # no response is lost
    assert score.household_merges == 0
    # The aim: recall >= 0.95 at precision >= 0.995 with no household merged.
    # Measured: precision 1.000, recall 0.971-0.995 (0.990-0.998 before the attach rules,
    # which left every typo at the end to review). What keeps recall below 1 is the one
    # kind meant to: "Bob" from Robert's phone with another email is left to dedupe and
    # organizers, as it may be his son.
    assert score.precision >= 0.995 and score.recall >= 0.95
    assert score.kind_pairs[PairKind.NICKNAME_NEW_EMAIL] == 1
    assert score.kind_linked.get(PairKind.NICKNAME_NEW_EMAIL, 0) == 0
    # Every other resubmission and name variant of the truth is attributed to one person.
    others = {k: n for k, n in score.kind_pairs.items() if k != PairKind.NICKNAME_NEW_EMAIL}
    assert {k: score.kind_linked.get(k, 0) for k in others} == others
    assert {PairKind.SWAPPED, PairKind.NAME_TYPO, PairKind.NICKNAME} <= set(others)


def test_attribution_scores_pairs_follow_duplicate_of_and_count_household_merges():
    truth = Truth(
        person_ids={"requests": [0, 0, 1, 2, 2], "offers": [], "checkins": []},
        invalid=[],
        duplicates=[],
        households=[Pair(RowRef("requests", 2), RowRef("requests", 3), PairKind.HOUSEHOLD)],
        namesakes=[],
        formula_like=[],
    )
    people = [
        {"person_id": "P1", "source": "R:2", "duplicate_of": ""},
        {"person_id": "P2", "source": "R:3", "duplicate_of": "P1"},  # 0 and 0: right
        {"person_id": "P3", "source": "R:4; R:5", "duplicate_of": ""},  # 1 and 2: wrong
        {"person_id": "P4", "source": "R:6", "duplicate_of": ""},  # 2 apart: missed
    ]
    score = score_attribution(truth, people, {"requests": "R", "offers": "O", "checkins": "C"})
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (2, 2, 1)
    assert (score.precision, score.recall) == (0.5, 0.5)
    assert (score.household_merges, score.unattributed, score.responses) == (1, 0, 5)
