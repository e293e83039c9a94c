"""Confirmations to requesters through the real pipeline (run_job on a workbook): once per
request, in the requester's language, by email or on the Call list; nothing for someone
marked do not contact; older requests (an upgrade) marked, not confirmed; a refused email
sent again by a later run, and given up for the Call list once its time is over."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy

import pytest

from sheetsync.confirm.reach import Way, way_to_confirm
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import Audience, DeliveryOutcome
from sheetsync.tables import records_of
from tests.conftest import NOW, request, write_cell
from tests.test_digest import Inbox, serve, with_email

JUST_NOW = NOW - dt.timedelta(hours=2)  # 2026-11-23 07:00: within 2 days of the run
PHONE = "+1 555 0100"


def hourly(config):
    return find_job("intake", config)


@pytest.fixture
def net(backend, config, add_responses):
    """Maria (Spanish, Groceries and Rides, best reached by email), Ann (English, by email,
    Medicine pickup: a sensitive category), Luis (Spanish, phone only)."""
    add_responses("requests", *_three_requests())
    config = with_email(config)
    config = dataclasses.replace(
        config, privacy=dataclasses.replace(config.privacy, organizer_phone=PHONE)
    )
    return backend, config


def _three_requests():
    return (
        request(categories="Groceries, Rides", contact_pref="Email", timestamp=JUST_NOW),
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            categories="Medicine pickup",
            details="Insulin from the pharmacy",
            languages="English",
            urgency="Today",
            contact_pref="",
            timestamp=JUST_NOW,
        ),
        request(
            name="Luis Ortega",
            phone="201 555 0102",
            email="",
            categories="Childcare",
            details="Two kids after school",
            languages="Spanish",
            urgency="When someone can",
            contact_pref="Call",
            timestamp=JUST_NOW,
        ),
    )


def tabs(backend, config):
    return {n: t.frame for n, t in read_state(backend, config).tables.items()}


def outbox(config):
    """The emails in the outbox, by file name (confirmation-N0001-P0001.eml...)."""
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(config.email.outbox.glob("*.eml"))
    ]


def confirmed(backend, config) -> dict[str, str]:
    needs = tabs(backend, config)["needs"]
    return dict(zip(needs["need_id"], needs["confirmed"], strict=True))


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_request_is_confirmed_once_in_its_language(net):
    backend, config = net
    report = run_job(hourly(config), backend, config, now=NOW)
    sent = [d for d in report.deliveries if d.audience == Audience.CONFIRMATION]
    assert sorted((d.recipient, d.period, d.outcome) for d in sent) == [
        ("P0001", "N0001", DeliveryOutcome.SENT),
        ("P0002", "N0003", DeliveryOutcome.SENT),
    ]
    assert confirmed(backend, config) == {
        "N0001": "emailed 2026-11-23 09:00",
        "N0002": "emailed 2026-11-23 09:00",
        "N0003": "emailed 2026-11-23 09:00",
        "N0004": "on the call list 2026-11-23 09:00",
    }
    maria, ann = outbox(config)
    assert maria["To"] == "Maria Garcia <maria@example.org>"
    assert maria["Subject"] == "Test network: recibimos tu pedido (N0001)"
    text = body(maria)
    assert "Hola Maria:" in text
    assert "Recibimos tu pedido de ayuda con: Comida, Transporte." in text
    assert "buscamos a alguien voluntario en los próximos días" in text
    assert f"Llama al {PHONE}" in text and "Weekly shop" not in text
    # Ann's category is sensitive: not named, even to her (someone may share her inbox).
    text = body(ann)
    assert ann["Subject"] == "Test network: your request came in (N0003)"
    assert "We got your request for help with the help you asked for." in text
    assert "Medicine" not in text and "Insulin" not in text
    assert "we look for a volunteer today" in text
    [call] = records_of(tabs(backend, config)["call_list"])
    assert (call["reason"], call["person_id"], call["need_id"], call["language"]) == (
        "confirmation",
        "P0003",
        "N0004",
        "es",
    )
    assert call["phone"] == "+12015550102" and call["name"] == "Luis Ortega"
    assert call["what_to_say"].startswith("Hola, te llamamos de Test network.")
    assert "Cuidado de niños" in call["what_to_say"] and "Two kids" not in call["what_to_say"]
    assert report.steps[[s.name for s in report.steps].index("confirm")].counts == {
        "confirmations_emailed": 2,
        "confirmations_sent_again": 0,
        "confirmations_to_call": 1,
        "confirmations_not_sent": 0,
        "before_confirmations": 0,
    }
    # Later runs, hourly and weekly: nothing goes twice.
    for later in (NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=1)):
        for job in (hourly(config), find_job("weekly", config)):
            again = run_job(job, backend, config, now=later)
            assert [d for d in again.deliveries if d.audience == Audience.CONFIRMATION] == []
    assert len(outbox(config)) == 2  # no digest: no organizers, nobody opted in


def without_confirm(config):
    """The weekly job but its confirmations (and the emails of the digest and follow-up)."""
    weekly = find_job("weekly", config)
    left = ("confirm", "digest", "followup")
    return dataclasses.replace(weekly, steps=tuple(s for s in weekly.steps if s not in left))


def test_nobody_marked_do_not_contact_is_told_anything(net):
    backend, config = net
    run_job(without_confirm(config), backend, config, now=NOW - dt.timedelta(hours=1))
    for person in ("P0001", "P0003"):  # Maria (by email), Luis (by phone)
        write_cell(backend, config, "people", person, "do_not_contact", "asked by phone")
    report = run_job(hourly(config), backend, config, now=NOW)
    assert [d.recipient for d in report.deliveries] == ["P0002"]
    marks = confirmed(backend, config)
    assert [marks[n] for n in ("N0001", "N0002", "N0004")] == ["do not contact"] * 3
    assert records_of(tabs(backend, config)["call_list"]) == []


@pytest.mark.parametrize(
    ("email", "phone", "pref", "dnc", "way"),
    [
        ("a@example.org", "+15550100", "", False, Way.EMAIL),
        ("a@example.org", "+15550100", "Email", False, Way.EMAIL),
        ("a@example.org", "+15550100", "Text", False, Way.CALL),
        ("a@example.org", "+15550100", "WhatsApp", False, Way.CALL),
        ("a@example.org", "", "Call", False, Way.EMAIL),  # the only way they left
        ("", "+15550100", "Email", False, Way.CALL),
        ("", "", "", False, Way.NO_WAY),
        ("a@example.org", "+15550100", "Email", True, Way.DO_NOT_CONTACT),
    ],
)
def test_the_rule_of_how_a_requester_is_told(email, phone, pref, dnc, way):
    assert way_to_confirm(email=email, phone=phone, contact_pref=pref, do_not_contact=dnc) is way


def test_the_first_run_after_an_upgrade_confirms_only_the_recent_requests(
    backend, config, add_responses
):
    """Before the upgrade, weeks of requests (never confirmed); the first run with the
    confirm step tells only the one of the last [confirmations] within."""
    old = [
        request(
            name=f"Old Asker{k}",
            email=f"old{k}@example.org",
            contact_pref="Email",
            timestamp=NOW - dt.timedelta(days=3 + k),
        )
        for k in range(3)
    ]
    add_responses("requests", *old)
    config = with_email(config)
    run_job(without_confirm(config), backend, config, now=NOW - dt.timedelta(days=2, hours=1))
    add_responses("requests", request(contact_pref="Email", timestamp=JUST_NOW))
    report = run_job(hourly(config), backend, config, now=NOW)
    assert [(d.recipient, d.period) for d in report.deliveries] == [("P0004", "N0004")]
    assert confirmed(backend, config) == {
        "N0001": "before confirmations",
        "N0002": "before confirmations",
        "N0003": "before confirmations",
        "N0004": "emailed 2026-11-23 09:00",
    }
    counts = report.steps[[s.name for s in report.steps].index("confirm")].counts
    assert counts["before_confirmations"] == 3 and counts["confirmations_emailed"] == 1


def test_a_need_an_edit_adds_gets_its_requests_mark_and_no_second_email(net, schemas):
    from tests.conftest import edit_response

    backend, config = net
    run_job(hourly(config), backend, config, now=NOW)
    edit_response(
        backend,
        schemas,
        "requests",
        2,
        categories="Groceries, Rides, Meals",
        timestamp=NOW + dt.timedelta(minutes=30),
    )
    report = run_job(hourly(config), backend, config, now=NOW + dt.timedelta(hours=1))
    assert report.deliveries == []
    marks = confirmed(backend, config)
    assert marks["N0005"] == marks["N0001"] == "emailed 2026-11-23 09:00"
    assert len(outbox(config)) == 2


def test_a_dry_run_says_what_it_would_send_and_changes_nothing(net):
    backend, config = net
    report = run_job(hourly(config), backend, config, now=NOW, dry_run=True)
    assert sorted((d.recipient, d.outcome) for d in report.deliveries) == [
        ("P0001", DeliveryOutcome.WOULD_SEND),
        ("P0002", DeliveryOutcome.WOULD_SEND),
    ]
    assert outbox(config) == []
    assert tabs(backend, config)["needs"].empty  # nothing written


def test_confirmations_can_be_turned_off(net):
    backend, config = net
    config = dataclasses.replace(
        config, confirmations=dataclasses.replace(config.confirmations, enabled=False)
    )
    report = run_job(hourly(config), backend, config, now=NOW)
    assert report.deliveries == [] and outbox(config) == []
    assert set(confirmed(backend, config).values()) == {""}
    assert records_of(tabs(backend, config)["call_list"]) == []


@pytest.fixture
def refusing_smtp(tmp_path, request):
    yield from serve(Inbox(refuse=request.param), tmp_path)


def smtp_config(config, port, cert):
    smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
    return dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))


@pytest.mark.parametrize("refusing_smtp", [1], indirect=True)
def test_a_refused_confirmation_is_sent_by_the_next_run_and_only_once(net, refusing_smtp):
    backend, config = net
    inbox, port, cert = refusing_smtp
    config = smtp_config(config, port, cert)
    first = run_job(hourly(config), backend, config, now=NOW)
    assert [(d.recipient, d.outcome) for d in first.deliveries] == [
        ("P0001", DeliveryOutcome.FAILED),
        ("P0002", DeliveryOutcome.SENT),
    ]
    assert "451 Try again later" in first.deliveries[0].detail
    second = run_job(hourly(config), backend, config, now=NOW + dt.timedelta(hours=1))
    assert [(d.recipient, d.outcome) for d in second.deliveries] == [
        ("P0001", DeliveryOutcome.SENT)
    ]
    counts = second.steps[[s.name for s in second.steps].index("confirm")].counts
    assert counts["confirmations_sent_again"] == 1
    third = run_job(hourly(config), backend, config, now=NOW + dt.timedelta(hours=2))
    assert third.deliveries == []
    assert [m["To"] for m in inbox.messages] == [
        "Ann Bell <ann@example.org>",
        "Maria Garcia <maria@example.org>",
    ]
    assert confirmed(backend, config)["N0001"] == "emailed 2026-11-23 09:00"
    log = tabs(backend, config)["run_log"]
    rows = log[log["steps"] == "confirmation N0001"]
    assert list(rows["outcome"]) == ["failed", "sent"]


@pytest.mark.parametrize("refusing_smtp", [100], indirect=True)
def test_an_email_refused_for_two_days_gives_way_to_the_call_list(net, refusing_smtp):
    backend, config = net
    inbox, port, cert = refusing_smtp
    config = smtp_config(config, port, cert)
    for hours in (0, 1, 30):
        report = run_job(hourly(config), backend, config, now=NOW + dt.timedelta(hours=hours))
        assert {d.outcome for d in report.deliveries} == {DeliveryOutcome.FAILED}
    later = NOW + dt.timedelta(days=2, hours=1)
    report = run_job(hourly(config), backend, config, now=later)
    assert report.deliveries == [] and inbox.messages == []
    marks = confirmed(backend, config)
    assert marks["N0001"] == marks["N0003"] == "email failed; on the call list 2026-11-25 10:00"
    calls = records_of(tabs(backend, config)["call_list"])
    assert sorted((c["person_id"], c["need_id"]) for c in calls) == [
        ("P0001", "N0001"),
        ("P0002", "N0003"),
        ("P0003", "N0004"),
    ]
    run_job(hourly(config), backend, config, now=later + dt.timedelta(hours=1))
    assert len(records_of(tabs(backend, config)["call_list"])) == 3


def test_on_google_each_request_is_confirmed_once_in_its_language(
    sheets_emulator, service_account_key, tmp_path
):
    """The same through real gspread against the local Sheets emulator."""
    from sheetsync.bootstrap import init_spreadsheet
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    net.add_form_rows("requests", list(_three_requests()))
    config = net.config
    for hours in (0, 1):
        report = run_job(hourly(config), net.backend(), config, now=NOW + dt.timedelta(hours=hours))
        got = sorted((d.recipient, d.period, d.outcome) for d in report.deliveries)
        assert got == (
            [("P0001", "N0001", DeliveryOutcome.SENT), ("P0002", "N0003", DeliveryOutcome.SENT)]
            if hours == 0
            else []
        )
    maria, ann = outbox(config)
    assert maria["Subject"] == "Test network: recibimos tu pedido (N0001)"
    assert ann["Subject"] == "Test network: your request came in (N0003)"
    assert confirmed(net.backend(), config) == {
        "N0001": "emailed 2026-11-23 09:00",
        "N0002": "emailed 2026-11-23 09:00",
        "N0003": "emailed 2026-11-23 09:00",
        "N0004": "on the call list 2026-11-23 09:00",
    }
    [call] = records_of(tabs(net.backend(), config)["call_list"])
    assert (call["person_id"], call["need_id"], call["language"]) == ("P0003", "N0004", "es")


@pytest.mark.parametrize("when", ["today", "this week", "later", ""])
@pytest.mark.parametrize(("categories", "unnamed"), [(["Groceries"], 0), (["Rides"], 1), ([], 2)])
@pytest.mark.parametrize("phone", ["", PHONE])
def test_the_confirmation_renders_in_every_language_with_nothing_left_untranslated(
    when, categories, unnamed, phone
):
    from sheetsync.confirm.content import ConfirmationEmail, call_script
    from sheetsync.digest.render import render
    from tests.test_docs import NETWORK, check_rendered, check_translated, say

    data = ConfirmationEmail(NETWORK, "N0107", "Maria", categories, unnamed, when, phone)
    renders = {lang: render(Audience.CONFIRMATION, data, lang) for lang in ("en", "es")}
    check_translated(renders)
    for language, rendered in renders.items():
        text, html_text = check_rendered(rendered, language, "N0107")
        script = call_script(data, language)
        for shown in (text, html_text, script):
            assert say(
                language, "Your request's reference is %(reference)s.", reference="N0107"
            ) in (shown)
            if phone:
                assert phone in shown
    assert renders["es"].subject == f"{NETWORK}: recibimos tu pedido (N0107)"


def test_the_demos_weekly_run_emails_a_confirmation_and_fills_the_call_list(tmp_path):
    """`make demo`: four played weeks confirm only what came in just before each of their
    runs (the rest is marked, not sent), then the weekly run emails one requester and puts
    the others of the last two days on the Call list."""
    from sheetsync.backends.workbook import WorkbookBackend
    from sheetsync.demo.network import create_demo
    from tests.conftest import make_config

    config = with_email(make_config(tmp_path / "network.xlsx"))
    backend = WorkbookBackend(config.workbook)
    create_demo(backend, config, history_weeks=4, now=NOW)
    played = {p.name for p in config.email.outbox.glob("confirmation-*.eml")}
    report = run_job(find_job("weekly", config), backend, config, now=NOW + dt.timedelta(minutes=1))
    sent = [d for d in report.deliveries if d.audience == Audience.CONFIRMATION]
    assert [d.outcome for d in sent] == [DeliveryOutcome.SENT]
    added = [
        c
        for c in records_of(tabs(backend, config)["call_list"])
        if c["added"] > str(NOW) and c["reason"] == "confirmation"
    ]
    assert added
    marks = [m.split(" 20")[0] for m in confirmed(backend, config).values()]
    assert marks.count("before confirmations") > len(played) + len(added)
    sources = tabs(backend, config)["needs"]["source"]
    assert "" not in {m for m, s in zip(marks, sources, strict=True) if s}


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, (True, dt.timedelta(days=2))),
        ({"enabled": False}, (False, dt.timedelta(days=2))),
        ({"within": "12 hours"}, (True, dt.timedelta(hours=12))),
        ({"enabled": "no"}, "[confirmations] enabled in the config is true or false"),
        ({"within": "soon"}, "[confirmations] within in the config is a time in words"),
        ({"whithin": "1 day"}, "Unknown setting 'whithin' in [confirmations] in the config."),
    ],
)
def test_the_confirmations_settings(tmp_path, section, expected):
    from sheetsync.config import Config
    from sheetsync.errors import ConfigError

    data = {
        "network": {"name": "N", "zones": ["Eastside"]},
        "backend": {"kind": "local", "workbook": "n.xlsx"},
        "confirmations": section,
    }
    if isinstance(expected, str):
        with pytest.raises(ConfigError) as raised:
            Config.from_dict(data, base_dir=tmp_path)
        assert str(raised.value).startswith(expected)
    else:
        found = Config.from_dict(data, base_dir=tmp_path).confirmations
        assert (found.enabled, found.within) == expected


def test_forgetting_a_person_empties_their_call_and_they_are_not_called_again(net):
    from sheetsync.forget import forget_person

    backend, config = net
    run_job(hourly(config), backend, config, now=NOW)
    forget_person(backend, config, "P0003")
    [call] = records_of(tabs(backend, config)["call_list"])
    assert (call["call_id"], call["reason"], call["person_id"], call["need_id"]) == (
        "C0001",
        "confirmation",
        "P0003",
        "N0004",
    )
    assert call["name"] == call["phone"] == call["what_to_say"] == ""
    assert confirmed(backend, config)["N0004"] == "on the call list 2026-11-23 09:00"
    run_job(hourly(config), backend, config, now=NOW + dt.timedelta(hours=1))
    assert len(records_of(tabs(backend, config)["call_list"])) == 1
