"""The followup step's emails: the organizers' same-day alert and volunteers' reminders.
What each may say (privacy), the volunteer's language, and delivery once per (period,
recipient) through the digest send log (outbox, and STARTTLS to a real SMTP server on
127.0.0.1), a refusal logged failed and tried again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.digest.alerts import SendAlerts, alert_digests
from sheetsync.digest.deliver import send_digests
from sheetsync.digest.mail import DeliveryError, Outbox
from sheetsync.digest.render import render
from sheetsync.followup.model import Escalation, FollowupFindings, PastDue, Reminder, alert_period
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import Audience, DeliveryOutcome
from sheetsync.tables import records_of
from tests.conftest import NOW, offer, request, write_cell
from tests.test_digest import Inbox, serve, with_email, without_digest
from tests.test_docs import check_shape, check_translated

STAMP = NOW + dt.timedelta(days=1)  # 2026-11-24 09:00, a Tuesday
PERIOD = alert_period(STAMP)
RECIPIENTS = ("organizers-1", "organizers-2", "P0001", "P0002")  # on followup_network
DETAILS = ("Insulin from the pharmacy", "Two kids", "Weekly shop")


@pytest.fixture
def followup_network(backend, config, add_responses):
    """Maria (Groceries, consent yes) is helped by Rosa (Spanish), Ann (Medicine pickup, a
    sensitive category, consent yes) by Sam (English); both tasks accepted and past due;
    Ona's Childcare for today waits with nobody on it. Sam and Rosa opted in."""
    add_responses(
        "requests",
        request(),
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            categories="Medicine pickup",
            details=DETAILS[0],
            languages="English",
            urgency="Today",
            timestamp=dt.datetime(2026, 11, 21, 10, 0),
        ),
        request(
            name="Ona Ruiz",
            phone="201 555 0102",
            email="ona@example.org",
            consent="No",
            categories="Childcare",
            details=DETAILS[1],
            languages="English",
            urgency="Today",
            timestamp=dt.datetime(2026, 11, 22, 10, 0),
        ),
    )
    both = {"offers": "Groceries, Medicine pickup", "weekly_capacity": "5"}
    add_responses(
        "offers",
        offer(availability="Weekday mornings, Weekends", **both),
        offer(
            name="Rosa Diaz",
            phone="201 555 0180",
            email="rosa@example.net",
            availability="Weekday mornings, Weekends",
            languages="Spanish",
            **both,
        ),
    )
    config = with_email(config, organizers=("org@example.org", "second@example.org"))
    run_job(without_digest(config), backend, config, now=NOW)
    tasks = read_state(backend, config).tables["tasks"].frame
    assert sorted(zip(tasks["task_id"], tasks["need_id"], tasks["volunteer_id"], strict=True)) == [
        ("T0001", "N0002", "P0001"),  # Ann's medicine, Sam
        ("T0002", "N0001", "P0002"),  # Maria's groceries, Rosa
    ]
    for task in ("T0001", "T0002"):
        write_cell(backend, config, "tasks", task, "status", "accepted")
    write_cell(backend, config, "tasks", "T0001", "due", "2026-11-21")
    write_cell(backend, config, "tasks", "T0002", "due_from_urgency", "2026-11-23")
    for person in ("P0001", "P0002"):
        write_cell(backend, config, "people", person, "weekly_email", "yes")
    return backend, config


def findings(**changes) -> FollowupFindings:
    """What the followup step would find at STAMP on followup_network."""
    opened = dt.datetime(2026, 11, 22, 10, 0)
    base = FollowupFindings(
        stamp=STAMP,
        escalations=(Escalation("N0003", "4 hours", "Today", "Childcare", opened, STAMP - opened),),
        past_due=(
            PastDue("T0001", "N0002", "P0001", dt.date(2026, 11, 21), False, 3),
            PastDue("T0002", "N0001", "P0002", dt.date(2026, 11, 23), True, 1),
        ),
        reminders=(Reminder("P0001", ("T0001",)), Reminder("P0002", ("T0002",))),
    )
    return dataclasses.replace(base, **changes)


def frames_of(backend, config):
    return {n: t.frame for n, t in read_state(backend, config).tables.items()}


def by_recipient(digests):
    return {d.recipient_id: d for d in digests}


def test_the_alert_tells_organizers_what_waits_and_what_to_do_without_details(followup_network):
    backend, config = followup_network
    digests = by_recipient(alert_digests(findings(), frames_of(backend, config), config))
    assert sorted(digests) == ["P0001", "P0002", "organizers-1", "organizers-2"]
    alert = digests["organizers-1"]
    assert (alert.audience, alert.to, alert.period) == ("alerts", "org@example.org", PERIOD)
    assert digests["organizers-2"].to == "second@example.org"
    assert alert.label(alert.period) == "alerts-2026-11-24T0900-organizers-1"
    text = alert.rendered.text
    subject = "Test network: needs waiting and tasks past due (2026-11-24 09:00)"
    assert alert.rendered.subject == subject
    # Ona did not consent: initials and her id; opened 47 hours before.
    assert "- N0003 Childcare, Eastside (Today): O. R. (P0005). Open 47 hours. Level: 4 hours" in (
        text
    )
    assert (
        "- T0001 (Need N0002, Medicine pickup): Sam Lee (P0001). Due Nov 21, 2026, 3 days late"
        in (text)
    )
    assert (
        "- T0002 (Need N0001, Groceries): Rosa Diaz (P0002). Due Nov 23, 2026 (from its urgency: "
        "no date was typed), 1 day late"
    ) in text
    assert "set the task's status to cancelled on the Tasks tab" in text
    assert "Call the volunteer" in text
    html = check_shape(alert.rendered.html, "en")
    for shown in (text, html):
        for private in (*DETAILS, "@", "555"):
            assert private not in shown


def test_a_reminder_lists_only_its_volunteers_tasks_and_never_a_sensitive_categorys_details(
    followup_network,
):
    backend, config = followup_network
    # Sam asked about both tasks: only his own is his to see.
    both = findings(reminders=(Reminder("P0001", ("T0001", "T0002")),))
    [sam] = [
        d
        for d in alert_digests(both, frames_of(backend, config), config)
        if d.recipient_id == "P0001"
    ]
    assert (sam.audience, sam.to, sam.name, sam.period) == (
        "reminder",
        "sam@example.net",
        "Sam Lee",
        PERIOD,
    )
    assert sam.rendered.language == "en"
    text, html = sam.rendered.text, check_shape(sam.rendered.html, "en")
    for shown in (text, html):
        assert "Hello Sam," in shown
        assert "Medicine pickup, Eastside" in shown
        assert "Due Nov 21, 2026, 3 days late" in shown
        # A sensitive category: not even the requester's initials, and no details.
        assert "The details are not sent by email: please call an organizer for them." in shown
        for private in ("Insulin", "Ann", "A. B.", "ann@example.org", "555 0101"):
            assert private not in shown
        # Rosa's task is not his.
        for other in ("Groceries", "Maria", "Weekly shop", "Nov 23, 2026"):
            assert other not in shown
        assert "Done already? Tell an organizer, so they can mark it done." in shown
        assert "tell an organizer and someone else will take it" in shown


def test_a_spanish_volunteer_gets_the_reminder_in_spanish_with_no_english_left(followup_network):
    backend, config = followup_network
    [rosa] = [
        d
        for d in alert_digests(findings(), frames_of(backend, config), config)
        if d.recipient_id == "P0002"
    ]
    assert rosa.rendered.language == "es"
    assert (
        rosa.rendered.subject == "Un recordatorio de tus tareas con la fecha pasada (Test network)"
    )
    text = rosa.rendered.text
    assert "Hola Rosa:" in text
    # Maria consented: her name, contact and details go to the volunteer who accepted.
    assert "Maria Garcia (+12015550143, maria@example.org)" in text
    assert "Weekly shop" in text
    late = "Para el 23 nov 2026 (según su urgencia: nadie escribió una fecha), 1 día de retraso"
    assert late in text
    check_shape(rosa.rendered.html, "es")


@pytest.mark.parametrize("audience", ["alerts", "reminder"])
def test_every_english_message_is_translated_in_the_spanish_email(followup_network, audience):
    backend, config = followup_network
    frames = frames_of(backend, config)
    config = dataclasses.replace(
        config, privacy=dataclasses.replace(config.privacy, organizer_phone="+1 555 0100")
    )
    made = [d for d in alert_digests(findings(), frames, config) if d.audience == audience]
    data = _data_of(audience, frames, config)
    renders = {lang: render(audience, data, lang) for lang in ("en", "es")}
    assert made[0].rendered.text in {r.text for r in renders.values()}
    check_translated(renders)


def _data_of(audience, frames, config):
    """The alert's or Sam's reminder's data, to render in each language."""
    from sheetsync.digest.alert_content import alert_email, may_remind, reminder_email
    from sheetsync.digest.deliver import policy_of
    from sheetsync.tables import records_of

    tabs = {n: records_of(frames[n]) for n in ("needs", "tasks", "people")}
    policy = policy_of(frames, config)
    found = findings()
    if audience == "alerts":
        return alert_email(
            "Test network", PERIOD, STAMP, found.escalations, found.past_due, tabs, policy
        )
    person = may_remind("P0001", tabs["people"])
    past_due = {p.task_id: p for p in found.past_due}
    data = reminder_email(
        "Test network",
        PERIOD,
        found.reminders[0],
        past_due,
        person,
        tabs,
        policy,
        today=STAMP.date(),
    )
    assert data is not None
    data.organizer_phone = config.privacy.organizer_phone
    return data


@pytest.mark.parametrize(
    ("column", "value"),
    [("weekly_email", ""), ("do_not_contact", "x"), ("email", "")],
    ids=["not opted in", "do not contact", "no email"],
)
def test_nobody_who_may_not_be_emailed_gets_a_reminder(followup_network, column, value):
    backend, config = followup_network
    write_cell(backend, config, "people", "P0001", column, value)
    digests = alert_digests(findings(), frames_of(backend, config), config)
    assert sorted(d.recipient_id for d in digests) == ["P0002", "organizers-1", "organizers-2"]


def test_a_reminder_whose_tasks_are_no_longer_past_due_or_accepted_is_not_sent(followup_network):
    backend, config = followup_network
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    later = findings(past_due=(), escalations=())
    digests = alert_digests(later, frames_of(backend, config), config)
    # Nothing to alert organizers of; Rosa's task is past due on the Tasks tab.
    assert [d.recipient_id for d in digests] == ["P0002"]


def test_running_the_effect_twice_sends_each_email_once_and_logs_it(followup_network):
    backend, config = followup_network
    effect = SendAlerts(findings(), frames_of(backend, config))
    assert {(d.recipient, d.outcome) for d in effect.plan(backend, config, STAMP)} == {
        ("organizers-1", "would send"),
        ("organizers-2", "would send"),
        ("P0001", "would send"),
        ("P0002", "would send"),
    }
    first = effect.run(backend, config, STAMP)
    assert sorted((d.audience, d.recipient, d.period, d.outcome) for d in first) == [
        ("alerts", "organizers-1", PERIOD, "sent"),
        ("alerts", "organizers-2", PERIOD, "sent"),
        ("reminder", "P0001", PERIOD, "sent"),
        ("reminder", "P0002", PERIOD, "sent"),
    ]
    later = STAMP + dt.timedelta(minutes=5)  # the same run's effect again (a retried tick)
    again = effect.run(backend, config, later)
    assert {d.outcome for d in again} == {DeliveryOutcome.ALREADY_SENT}
    assert {d.outcome for d in effect.plan(backend, config, later)} == {"already sent"}
    assert len(list(config.email.outbox.glob("*.eml"))) == 4
    assert sorted(p.name for p in config.email.outbox.glob("*.eml"))[0] == (
        "alerts-2026-11-24T0900-organizers-1.eml"
    )
    log = read_state(backend, config).tables["run_log"].frame
    sent = log[log["job"] == "digest"]
    assert sorted(zip(sent["steps"], sent["changes"], sent["outcome"], strict=True)) == [
        (f"alerts {PERIOD}", "org@example.org", "sent"),
        (f"alerts {PERIOD}", "second@example.org", "sent"),
        (f"reminder {PERIOD}", "rosa@example.net", "sent"),
        (f"reminder {PERIOD}", "sam@example.net", "sent"),
    ]
    # The next run's alert is another email: its own period.
    next_run = findings(stamp=STAMP + dt.timedelta(hours=1), reminders=())
    assert [
        d.outcome
        for d in SendAlerts(next_run, frames_of(backend, config)).run(backend, config, STAMP)
    ] == ["sent"] * 2


def test_alerts_and_reminders_leave_the_weeks_digests_alone(followup_network):
    """An alert run in the week of the weekly digests neither sends nor settles them."""
    from sheetsync.digest.deliver import build_digests

    backend, config = followup_network
    SendAlerts(findings(), frames_of(backend, config)).run(backend, config, STAMP)
    weekly = send_digests(backend, config, build_digests(backend, config, STAMP), now=STAMP)
    assert {(d.audience, d.outcome) for d in weekly} == {
        ("organizers", "sent"),
        ("volunteer", "sent"),
    }


@pytest.fixture
def smtp_inbox(tmp_path):
    yield from serve(Inbox(refuse=1), tmp_path)


def test_through_a_real_smtp_server_a_refused_alert_is_logged_failed_and_tried_again(
    followup_network, smtp_inbox
):
    backend, config = followup_network
    inbox, port, cert = smtp_inbox
    smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
    config = dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))
    effect = SendAlerts(findings(reminders=()), frames_of(backend, config))
    first = effect.run(backend, config, STAMP)
    assert [(d.recipient, d.outcome) for d in first] == [
        ("organizers-1", "failed"),
        ("organizers-2", "sent"),
    ]
    assert "451 Try again later" in first[0].detail
    assert "org@example.org" not in first[0].detail
    log = read_state(backend, config).tables["run_log"].frame
    assert sorted(log.loc[log["job"] == "digest", "outcome"]) == ["failed", "sent"]
    second = effect.run(backend, config, STAMP + dt.timedelta(minutes=1))
    assert [(d.recipient, d.outcome) for d in second] == [
        ("organizers-1", "sent"),
        ("organizers-2", "already sent"),
    ]
    assert [m["To"] for m in inbox.messages] == ["second@example.org", "org@example.org"]
    message = inbox.messages[0]
    assert message["Subject"] == "Test network: needs waiting and tasks past due (2026-11-24 09:00)"
    body = message.get_body(("plain",)).get_content()
    assert "N0003 Childcare" in body and "Insulin" not in body


class Flaky(Outbox):
    """An outbox that refuses the emails a test says, run by run."""

    def __init__(self, folder, refused: set[str]) -> None:
        super().__init__(folder)
        self.refused = refused

    def send(self, message, label):
        if label in self.refused:
            raise DeliveryError(f"the mail server did not take {label}: 451 Try again later.")
        return super().send(message, label)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(refusals=st.lists(st.sets(st.sampled_from(RECIPIENTS)), min_size=1, max_size=4))
def test_whatever_is_refused_run_after_run_each_email_goes_once(followup_network, refusals):
    """Any pattern of refusals over runs of the same alerts: each recipient gets the email
    once when a run did not refuse it, never twice, and the send log says so."""
    backend, config = fresh_copy(*followup_network)
    digests = alert_digests(findings(), frames_of(backend, config), config)
    labels = {d.recipient_id: d.label(PERIOD) for d in digests}
    got: dict[str, int] = {}
    for number, refused in enumerate(refusals):
        transport = Flaky(config.email.outbox, {labels[r] for r in refused})
        now = STAMP + dt.timedelta(minutes=number)
        for d in send_digests(backend, config, digests, now=now, transport=transport):
            got[d.recipient] = got.get(d.recipient, 0) + (d.outcome == DeliveryOutcome.SENT)
    # Sent once after the first run that did not refuse it; never sent while refused.
    expected = {r: int(any(r not in refused for refused in refusals)) for r in RECIPIENTS}
    assert got == expected
    log = read_state(backend, config).tables["run_log"].frame
    sent = log[(log["job"] == "digest") & (log["outcome"] == "sent")]
    assert len(sent) == sum(expected.values()) == len(list(config.email.outbox.glob("*.eml")))
    assert set(sent["steps"]) <= {f"alerts {PERIOD}", f"reminder {PERIOD}"}


def fresh_copy(backend, config):
    """The network's workbook copied to a folder of its own (its own send journal and
    outbox): each hypothesis example starts from the same sheet."""
    folder = Path(tempfile.mkdtemp(dir=config.workbook.parent))
    workbook = folder / "network.xlsx"
    shutil.copy(config.workbook, workbook)
    email = dataclasses.replace(config.email, outbox=folder / "outbox")
    config = dataclasses.replace(config, workbook=workbook, email=email)
    return WorkbookBackend(workbook), config


def test_audiences_of_the_followup_are_known_to_the_report():
    assert {Audience.ALERTS, Audience.REMINDER} <= set(Audience)


def test_the_summary_says_how_many_needs_were_escalated_and_tasks_are_past_due(
    followup_network,
):
    backend, config = followup_network
    write_cell(backend, config, "needs", "N0003", "escalated", "4 hours")
    summary_only = dataclasses.replace(find_job("weekly", config), steps=("summary",))
    run_job(summary_only, backend, config, now=STAMP)
    rows = {r["metric"]: r for r in records_of(read_state(backend, config).tables["summary"].frame)}
    assert rows["needs.status.open"]["note"] == (
        "By category: Childcare 1. By zone: Eastside 1. "
        "Escalated to you, open longer than their urgency allows: 4 hours 1."
    )
    assert rows["needs.status.matched"]["note"] == (
        "Accepted tasks past their date: 2 (Tasks tab, follow-up column)."
    )


class Stopped(BaseException):
    """The process stops here (no except catches it)."""


def stop_before_the_outbox_writes(monkeypatch, send) -> None:
    """The run stops as the first email is handed over: noted as pending, never written."""

    def stopped(self, message, label):
        raise Stopped(label)

    with monkeypatch.context() as patch, pytest.raises(Stopped):
        patch.setattr(Outbox, "send", stopped)
        send()


def test_an_alert_a_stopped_run_never_wrote_is_sent_by_its_rerun_or_failed_for_the_next(
    followup_network, monkeypatch
):
    backend, config = followup_network
    first = SendAlerts(findings(reminders=()), frames_of(backend, config))
    stop_before_the_outbox_writes(monkeypatch, lambda: first.run(backend, config, STAMP))
    # The same run's effect again (the tick retried): it sends them, once.
    again = first.run(backend, config, STAMP + dt.timedelta(minutes=2))
    assert [(d.recipient, d.outcome) for d in again] == [
        ("organizers-1", "sent"),
        ("organizers-2", "sent"),
    ]
    # A run stopped the same way, and the next run's alert: the one never written is
    # failed (the followup step carries what it said into its own alert), the new sent.
    hour = dt.timedelta(hours=1)
    stopped = SendAlerts(findings(stamp=STAMP + hour, reminders=()), frames_of(backend, config))
    stop_before_the_outbox_writes(monkeypatch, lambda: stopped.run(backend, config, STAMP + hour))
    nxt = findings(stamp=STAMP + 2 * hour, reminders=())
    deliveries = SendAlerts(nxt, frames_of(backend, config)).run(backend, config, nxt.stamp)
    assert [(d.recipient, d.period, d.outcome) for d in deliveries] == [
        ("organizers-1", "2026-11-24T1000", "failed"),
        ("organizers-1", "2026-11-24T1100", "sent"),
        ("organizers-2", "2026-11-24T1100", "sent"),
    ]
    assert deliveries[0].detail == (
        "The email alerts-2026-11-24T1000-organizers-1 was not handed over: a run stopped "
        "just before. The next follow-up run sends what it said again, in its own email."
    )
    assert len(list(config.email.outbox.glob("*.eml"))) == 4


def test_a_weeks_digest_a_stopped_run_never_wrote_is_left_to_the_digest_run(
    followup_network, monkeypatch
):
    """An alert run between a stopped digest run and the next leaves the week's digest
    unsettled: the digest run sends it."""
    from sheetsync.digest.deliver import build_digests

    backend, config = followup_network

    def weekly():
        return send_digests(backend, config, build_digests(backend, config, STAMP), now=STAMP)

    stop_before_the_outbox_writes(monkeypatch, weekly)
    alerts = SendAlerts(findings(reminders=()), frames_of(backend, config)).run(
        backend, config, STAMP
    )
    assert {(d.audience, d.outcome) for d in alerts} == {("alerts", "sent")}
    assert {(d.audience, d.outcome) for d in weekly()} == {
        ("organizers", "sent"),
        ("volunteer", "sent"),
    }
    log = read_state(backend, config).tables["run_log"].frame
    digest_rows = log[log["job"] == "digest"]
    # Two organizers and two volunteers for the week, two organizers alerted.
    assert sorted(digest_rows["outcome"]) == ["sent"] * 6


def test_a_long_alert_lists_the_most_urgent_first_and_says_how_many_more(followup_network):
    backend, config = followup_network
    opened = dt.datetime(2026, 11, 1, 10, 0)
    many = tuple(
        Escalation(f"N{i:04d}", "7 days", "When someone can", "Rides", opened, STAMP - opened)
        for i in range(100, 160)
    )
    today = Escalation("N0003", "4 hours", "Today", "Childcare", opened, dt.timedelta(hours=5))
    late = findings(escalations=(*many, today), reminders=())
    alert = alert_digests(late, frames_of(backend, config), config)[0]
    lines = [line for line in alert.rendered.text.splitlines() if line.startswith("- N")]
    assert len(lines) == 50
    assert lines[0].startswith("- N0003 Childcare")  # for today: first, however short its wait
    assert lines[1].startswith("- N0100 Rides")
    assert "Needs open longer than their urgency allows: 61" in alert.rendered.text
    assert "- … and 11 more on the Needs tab." in alert.rendered.text
    assert "… and 11 more on the Needs tab." in alert.rendered.html
