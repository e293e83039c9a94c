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
    add_responses(
        "requests",
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
    config = with_email(config)
    config = dataclasses.replace(
        config, privacy=dataclasses.replace(config.privacy, organizer_phone=PHONE)
    )
    return backend, config


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
    assert "Recibimos tu pedido de ayuda con: Groceries, Rides." in text
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
    assert "Childcare" in call["what_to_say"] and "Two kids" not in call["what_to_say"]
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
