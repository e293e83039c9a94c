"""Digests: each audience's content, consent, Spanish, delivery once per period (outbox and
STARTTLS to a real SMTP server on 127.0.0.1), a retry after a refusal, header injection,
and the preview rendered in headless Chromium."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import json
import re
import smtplib
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sheetsync.config import EmailConfig, Goal
from sheetsync.digest.content import PublicSummary
from sheetsync.digest.deliver import build_digests, preview, send_digests
from sheetsync.digest.mail import DeliveryError, Outbox, Smtp, SmtpSettings, build_message
from sheetsync.digest.render import language_for, render
from sheetsync.digest.volunteers import (
    NOT_EMAILED_DO_NOT_CONTACT,
    NOT_EMAILED_NO_EMAIL,
    volunteer_digests,
)
from sheetsync.errors import SheetChangedError, StepError
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.privacy import Policy
from sheetsync.schema import load_schemas
from sheetsync.tables import records_of
from tests.chromium import chromium_or_skip, headless_flags
from tests.conftest import NOW, checkin, offer, request, write_cell

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def without_digest(config):
    """The weekly job's steps but those that send email (the digest, the follow-up's
    alerts): these tests send by hand."""
    weekly = find_job("weekly", config)
    mailing = ("digest", "followup")
    return dataclasses.replace(weekly, steps=tuple(s for s in weekly.steps if s not in mailing))


def with_email(config, **email_settings):
    base = EmailConfig(outbox=config.workbook.parent / "outbox")
    return dataclasses.replace(config, email=dataclasses.replace(base, **email_settings))


@pytest.fixture
def network(backend, config, add_responses):
    """Maria (consent yes, Spanish) and Ann (consent no) ask; Sam volunteers (opted in)."""
    add_responses(
        "requests",
        request(),  # Maria Garcia, consent Yes, Spanish and English
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            consent="No",
            details="Insulin from the pharmacy",
            languages="English",
            timestamp=dt.datetime(2026, 11, 21, 10, 0),
        ),
    )
    add_responses(
        "offers",
        offer(
            availability="Weekday mornings, Weekends",
            weekly_capacity="5",
            languages="Spanish, English",
        ),
    )
    add_responses("checkins", checkin())
    config = with_email(config, organizers=("org@example.org",), public=("news@example.org",))
    run_job(without_digest(config), backend, config, now=NOW)
    people = read_state(backend, config).tables["people"].frame
    [sam] = people.loc[people["email"] == "sam@example.net", "person_id"]
    write_cell(backend, config, "people", sam, "weekly_email", "yes")
    return backend, config


def by_audience(digests):
    return {d.audience: d for d in digests}


def test_each_audience_gets_what_it_needs_and_consent_decides(network):
    backend, config = network
    digests = by_audience(build_digests(backend, config, NOW))
    organizers = digests["organizers"].rendered
    assert "New requests this week: 2" in organizers.text
    assert "Proposals waiting for a yes: 2" in organizers.text
    # Ann did not consent: initials and her id, everywhere outside the spreadsheet.
    assert "A. B. (P0003)" in organizers.text and "Ann Bell" not in organizers.text
    assert "Maria Garcia (P0002)" in organizers.text
    volunteer = digests["volunteer"]
    assert volunteer.to == "sam@example.net"
    text = volunteer.rendered.text
    # Proposals only: initials, no contact, no details, until Sam says yes.
    assert "Para: M. G." in text and "Para: A. B." in text
    assert "Maria" not in text and "+1201" not in text and "maria@" not in text
    assert "Insulin" not in text
    write_cell(backend, config, "tasks", "T0001", "status", "accepted")
    write_cell(backend, config, "tasks", "T0002", "status", "accepted")
    text = by_audience(build_digests(backend, config, NOW))["volunteer"].rendered.text
    assert "Maria Garcia ((201) 555-0143" not in text  # contact comes cleaned, E.164
    assert "Maria Garcia (+12015550143, maria@example.org)" in text
    assert "Para: A. B." in text and "Ann" not in text and "ann@" not in text
    assert "Insulin" not in text  # Ann's details stay in the spreadsheet
    public = digests["public"].rendered
    for private in ("Maria", "Ann", "Sam", "@", "+1201"):
        assert private not in public.text and private not in public.html
    assert "Requests for help this week: <5" in public.text  # 2: too few to show


def test_the_public_counts_needs_met_this_week_from_tasks_done(network):
    backend, config = network
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    write_cell(backend, config, "tasks", "T0001", "due", NOW.date().isoformat())
    run_job(without_digest(config), backend, config, now=NOW)
    public = by_audience(build_digests(backend, config, NOW))["public"].rendered.text
    # 1 of each: shown as "<5", so that nobody can tell whose need it was.
    assert "Needs met this week: <5" in public
    assert "Volunteers who helped in the last four weeks: <5" in public
    later = by_audience(build_digests(backend, config, NOW + dt.timedelta(days=8)))
    assert "Needs met this week: 0" in later["public"].rendered.text


def test_a_volunteer_who_speaks_spanish_gets_the_spanish_digest(network):
    backend, config = network
    volunteer = by_audience(build_digests(backend, config, NOW))["volunteer"].rendered
    assert volunteer.language == "es"
    assert volunteer.subject == "Tus tareas esta semana (2026-W48)"
    assert "Hola Sam:" in volunteer.text and "Descansar también importa." in volunteer.text
    assert language_for("Haitian Creole, English") == "en"
    assert language_for("Arabic") == "en"  # no catalog yet: English


def test_outbox_delivery_goes_once_per_period_and_is_logged(network):
    backend, config = network
    first = send_digests(backend, config, now=NOW)
    assert sorted((d.audience, d.outcome) for d in first) == [
        ("organizers", "sent"),
        ("public", "sent"),
        ("volunteer", "sent"),
    ]
    outbox = config.email.outbox
    assert len(list(outbox.glob("*.eml"))) == 3 and len(list(outbox.glob("*.html"))) == 3
    again = send_digests(backend, config, now=NOW + dt.timedelta(hours=3))
    assert {d.outcome for d in again} == {"already sent"}
    assert len(list(outbox.glob("*.eml"))) == 3
    log = read_state(backend, config).tables["run_log"].frame
    sent = log[log["job"] == "digest"]
    assert sorted(sent["steps"]) == [
        "organizers 2026-W48",
        "public 2026-W48",
        "volunteer 2026-W48",
    ]
    # Next week is a new period.
    later = send_digests(backend, config, now=NOW + dt.timedelta(days=7))
    assert {d.outcome for d in later} == {"sent"}


def test_html_is_autoescaped_and_a_newline_cannot_inject_a_header():
    data = {"network": "Net<script>", "period": "2026-W48"}
    rendered = render("public", _public(**data))
    assert "Net&lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    message = build_message(
        rendered,
        sender="org@example.org",
        to="sam@example.net",
        to_name="Sam\nBcc: evil@x.org",
        message_id="<public-2026-W48-1.net@sheetsync>",
    )
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert "evil@x.org" in str(parsed["To"])  # kept as part of the display name, harmless
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def _public(network: str, period: str) -> PublicSummary:
    return PublicSummary(network, period, "0", "0", "0", "0", "0", {})


def test_a_person_is_shown_to_organizers_by_consent_with_their_id():
    people = [
        _person("P0001", "Maria Garcia", consent_answer="yes"),
        _person("P0002", "Maria Garcia", consent_answer="first name"),
        _person("P0003", "Maria\nGarcia", consent_answer="no"),
        _person("P0004", "Maria Garcia", consent_answer=""),
    ]
    policy = Policy(people)
    shown = [policy.for_organizers(p["person_id"]) for p in people]
    assert shown == ["Maria Garcia (P0001)", "Maria (P0002)", "M. G. (P0003)", "M. G. (P0004)"]
    assert policy.for_organizers("P0404") == "?"
    assert policy.for_organizers("Sam Lee 201-555-0170") == "?"  # typed in an id column


def _person(pid: str, name: str, **values: str) -> dict[str, str]:
    blank = dict.fromkeys(load_schemas()["people"].names, "")
    return {**blank, "person_id": pid, "name": name, **values}


# --- SMTP on 127.0.0.1, STARTTLS ---


class Inbox:
    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def smtp_server(tmp_path):
    yield from serve(Inbox(), tmp_path)


def serve(inbox, tmp_path):
    """A real SMTP server on 127.0.0.1 (STARTTLS required) handing mail to `inbox`: yields
    the inbox, its port and the certificate to trust."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:  # a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield inbox, controller.port, cert
    finally:
        controller.stop()


def test_starttls_delivery_to_a_real_smtp_server_and_retry_after_a_refusal(network, smtp_server):
    backend, config = network
    inbox, port, cert = smtp_server
    smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
    config = dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))
    inbox.refuse = 1  # the first message is refused
    first = send_digests(backend, config, now=NOW)
    assert [d.outcome for d in first] == ["failed", "sent", "sent"]
    assert "did not take the digest" in first[0].detail and "next run" in first[0].detail
    # Named by its label: the detail goes to the Run log, the log and the terminal.
    assert "the digest organizers-2026-W48-1: 451 Try again later." in first[0].detail
    assert "org@example.org" not in first[0].detail
    assert len(inbox.messages) == 2
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert [d.outcome for d in second] == ["sent", "already sent", "already sent"]
    assert len(inbox.messages) == 3
    received = {str(m["To"]): m for m in inbox.messages}
    organizers = received["org@example.org"]
    assert organizers["Subject"] == "Test network: the week 2026-W48"
    html = organizers.get_body(preferencelist=("html",)).get_content()
    assert "Needs waiting for a volunteer" in html


def test_starttls_is_required_by_the_server_and_a_plain_client_is_refused(smtp_server, network):
    _, port, _ = smtp_server
    backend, config = network
    [digest] = [d for d in build_digests(backend, config, NOW) if d.audience == "public"]
    message = build_message(
        digest.rendered, sender="a@example.org", to="b@example.org", message_id="<t@sheetsync>"
    )
    plain = Smtp(SmtpSettings(host="127.0.0.1", port=port, security="none"))
    with pytest.raises(DeliveryError, match="did not take the digest public-2026-W48-1"):
        plain.send(message, "public-2026-W48-1")


def test_a_password_comes_only_from_the_environment(smtp_server, monkeypatch, network):
    _, port, cert = smtp_server
    backend, config = network
    [digest] = [d for d in build_digests(backend, config, NOW) if d.audience == "public"]
    message = build_message(
        digest.rendered, sender="a@example.org", to="b@example.org", message_id="<t@sheetsync>"
    )
    monkeypatch.delenv("SHEETSYNC_SMTP_PASSWORD", raising=False)
    client = Smtp(SmtpSettings("127.0.0.1", port, user="org", cafile=str(cert)))
    with pytest.raises(DeliveryError, match=r"\$SHEETSYNC_SMTP_PASSWORD is empty"):
        client.send(message, "public-2026-W48-1")


# --- the preview in a real browser ---


def test_the_preview_renders_in_headless_chromium_within_600px(network, tmp_path):
    backend, config = network
    chromium = chromium_or_skip()
    path = preview(backend, config, tmp_path / "preview", now=NOW)
    assert path.name == "organizers-2026-W48.html"
    html = path.read_text(encoding="utf-8")
    probe = path.with_name("probe.html")  # beside the chart it links to
    probe.write_text(
        html.replace(
            "</body>",
            "<script>window.addEventListener('load', () => {"
            "document.body.setAttribute('data-width', "
            "String(document.documentElement.scrollWidth));"
            "const chart = document.querySelector('img');"
            "document.body.setAttribute('data-chart', "
            "chart.complete ? chart.naturalWidth + 'x' + chart.width : 'broken');"
            "});</script></body>",
        ),
        encoding="utf-8",
    )
    flags = headless_flags(tmp_path / "profile", "--window-size=600,1200")
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    width = int(re.search(r'data-width="(\d+)"', dom).group(1))
    assert width <= 600, f"the digest overflows a 600 px window: {width} px wide"
    # The chart is a file beside the preview (cid: in the email), loaded and scaled down.
    natural, shown = re.search(r'data-chart="(\d+)x(\d+)"', dom).groups()
    assert int(natural) == 1120 and 0 < int(shown) <= 568
    assert "Needs waiting for a volunteer" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest-preview.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", path.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 5_000


def test_outbox_writes_eml_and_html(tmp_path):
    rendered = render("public", _public(network="Net", period="2026-W48"))
    message = build_message(
        rendered, sender="a@example.org", to="b@example.org", message_id="<t@sheetsync>"
    )
    where = Outbox(tmp_path).send(message, "public-2026-W48-1")
    assert where == str(tmp_path / "public-2026-W48-1.eml")
    assert Path(where).with_suffix(".html").read_text().startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            smtplib.SMTPRecipientsRefused({"sam@example.net": (550, b"<sam@example.net> no")}),
            "the recipient was refused (550)",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message to sam@example.net rejected"),
            "554 5.7.1 Message to <address> rejected",
        ),
        (ConnectionRefusedError(111, "Connection refused"), "ConnectionRefusedError: [Errno 111]"),
    ],
)
def test_a_refusal_is_told_without_the_recipients_address(error, said):
    from sheetsync.digest.mail import _refusal

    assert _refusal(error).startswith(said)
    assert "sam@" not in _refusal(error)


def test_outbox_files_are_named_by_audience_period_and_recipient_id(network):
    backend, config = network
    send_digests(backend, config, now=NOW)
    people = read_state(backend, config).tables["people"].frame
    [sam] = people.loc[people["email"] == "sam@example.net", "person_id"]
    assert sorted(p.name for p in config.email.outbox.iterdir()) == [
        "organizers-2026-W48-1--chart-2026-W48.png",
        "organizers-2026-W48-1.eml",
        "organizers-2026-W48-1.html",
        "public-2026-W48-1.eml",
        "public-2026-W48-1.html",
        f"volunteer-2026-W48-{sam}.eml",
        f"volunteer-2026-W48-{sam}.html",
    ]


def test_the_weekly_job_sends_each_digest_once_with_the_chart_inline(network):
    backend, config = network
    report = run_job(find_job("weekly", config), backend, config, now=NOW)
    assert report.step("digest").counts == {
        "digests": 3,
        "organizers": 1,
        "volunteer": 1,
        "public": 1,
    }
    assert sorted((d.audience, d.outcome) for d in report.deliveries) == [
        ("organizers", "sent"),
        ("public", "sent"),
        ("volunteer", "sent"),
    ]
    [organizers] = [d for d in report.deliveries if d.audience == "organizers"]
    parsed = email.message_from_bytes(
        Path(organizers.detail).read_bytes(), policy=email.policy.default
    )
    html = parsed.get_body(preferencelist=("html",))
    assert html.get_content_type() == "text/html"
    assert 'src="cid:chart@sheetsync"' in html.get_content()
    [chart] = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert chart["Content-ID"] == "<chart@sheetsync>"
    png = chart.get_content()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1120  # the IHDR width
    # The outbox's .html opens in a browser: the chart is a file beside it.
    opened = Path(organizers.detail).with_suffix(".html").read_text(encoding="utf-8")
    [src] = re.findall(r'<img src="([^"]+)"', opened)
    assert (Path(organizers.detail).parent / src).read_bytes() == png
    again = run_job(find_job("weekly", config), backend, config, now=NOW + dt.timedelta(hours=1))
    assert {d.outcome for d in again.deliveries} == {"already sent"}
    log = read_state(backend, config).tables["run_log"].frame
    assert (log["job"] == "digest").sum() == 3


def test_a_dry_run_lists_the_digests_it_would_send_and_sends_none(network):
    backend, config = network
    report = run_job(find_job("weekly", config), backend, config, now=NOW, dry_run=True)
    assert sorted((d.audience, d.outcome) for d in report.deliveries) == [
        ("organizers", "would send"),
        ("public", "would send"),
        ("volunteer", "would send"),
    ]
    assert not config.email.outbox.exists()


def test_a_dry_run_reads_the_sheet_once_and_knows_what_a_crash_already_sent(network, monkeypatch):
    """The plan comes from the run's own read (one request on Google), and a digest only the
    send journal knows of (a crash before the Run log write) is already sent."""
    backend, config = network
    journal = config.state_dir / "sent.jsonl"
    journal.parent.mkdir(parents=True, exist_ok=True)
    row = {
        "run_id": "M20261123-090000-001",
        "job": "digest",
        "outcome": "sent",
        "steps": f"public {NOW:%G-W%V}",
        "changes": "news@example.org",
    }
    journal.write_text(json.dumps(row) + "\n", encoding="utf-8")
    reads = []
    read_tabs = backend.read_tabs
    monkeypatch.setattr(backend, "read_tabs", lambda tabs: reads.append(tabs) or read_tabs(tabs))
    report = run_job(find_job("weekly", config), backend, config, now=NOW, dry_run=True)
    assert len(reads) == 1
    assert sorted((d.audience, d.outcome) for d in report.deliveries) == [
        ("organizers", "would send"),
        ("public", "already sent"),
        ("volunteer", "would send"),
    ]


def test_a_run_that_reads_the_sheet_again_sends_each_digest_once(network, monkeypatch):
    """The sheet changed before the first write: the run reads and recomputes, and its
    effects (the digests) run once, after the write that went through."""
    backend, config = network
    writes = []
    apply = backend.apply

    def changed_once(changes, formats=None):
        writes.append(changes)
        if len(writes) == 1:
            raise SheetChangedError("an organizer added a row")
        return apply(changes, formats)

    monkeypatch.setattr(backend, "apply", changed_once)
    report = run_job(find_job("weekly", config), backend, config, now=NOW)
    assert report.attempts == 2
    assert sorted((d.audience, d.outcome) for d in report.deliveries) == [
        ("organizers", "sent"),
        ("public", "sent"),
        ("volunteer", "sent"),
    ]
    assert len(list(config.email.outbox.glob("*.eml"))) == 3


def test_a_failed_run_shows_in_the_next_organizers_digest_and_only_there(network, monkeypatch):
    backend, config = network
    import sheetsync.steps.match as match

    def crash(ctx):
        raise RuntimeError("the solver ran out of memory")

    monkeypatch.setattr(match, "run", crash)
    with pytest.raises(StepError):
        run_job(find_job("weekly", config), backend, config, now=NOW - dt.timedelta(days=1))
    monkeypatch.undo()
    organizers = by_audience(build_digests(backend, config, NOW))["organizers"].rendered
    assert "Runs that failed" in organizers.text
    # Named by type and place: another exception's message might quote a cell's value.
    assert "RuntimeError at test_digest.py:" in organizers.text
    assert "out of memory" not in organizers.text
    send_digests(backend, config, now=NOW)
    next_week = NOW + dt.timedelta(days=7)
    organizers = by_audience(build_digests(backend, config, next_week))["organizers"].rendered
    assert "Runs that failed" not in organizers.text  # told once, in the digest after it


def test_the_organizers_digest_has_the_month_and_goal_progress(network):
    backend, config = network
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    write_cell(backend, config, "tasks", "T0001", "due", NOW.date().isoformat())
    config = dataclasses.replace(config, goals=(Goal("households_helped", "month", 500),))
    digests = by_audience(build_digests(backend, config, NOW))
    text = digests["organizers"].rendered.text
    assert "November 2026 (so far): 1 needs met for 1 households (1 people)" in text
    assert "Goal: households (families) helped a month. 1 so far (0%)." in text
    assert "- Nov 10: 0 opened, 0 met" in text and "- Nov 17: 2 opened, 1 met" in text
    public = digests["public"].rendered.text
    assert "Goal: households (families) helped a month. <5 so far." in public
    assert "October 2026" in public


def test_every_message_in_the_templates_has_a_spanish_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from sheetsync.config import GOAL_MEASURES, Goal
    from sheetsync.digest.render import LOCALES, TEMPLATES

    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            TEMPLATES,
            method_map=[("**.html", "jinja2"), ("**.txt", "jinja2"), ("**.subject", "jinja2")],
        )
    }
    found |= {Goal(m, per, 1).label for m in GOAL_MEASURES for per in ("week", "month")}
    found |= {NOT_EMAILED_DO_NOT_CONTACT, NOT_EMAILED_NO_EMAIL, "Other kinds"}
    with (LOCALES / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="es")
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []
    assert len(found) > 40


def test_the_chart_names_a_volunteer_who_did_not_consent_by_initials():
    policy = Policy([_person("P0002", "Ann Bell", consent_answer="no")])
    assert policy.short_name("P0002") == "A. B."
    policy = Policy([_person("P0002", "Ann Bell", consent_answer="yes")])
    assert policy.short_name("P0002") == "Ann B."
    policy = Policy([_person("P0002", "Ann Bell", consent_answer="first name")])
    assert policy.short_name("P0002") == "Ann"
    assert policy.short_name("Sam Lee 201-555-0170") == "?"  # typed in an id column


def test_a_digest_that_cannot_be_made_never_costs_the_sheet_update(network, monkeypatch):
    backend, config = network
    import sheetsync.steps.digest as step

    def broken(*args, **kwargs):
        raise KeyError("weekly_email")

    monkeypatch.setattr(step, "digests_of", broken)
    write_cell(backend, config, "tasks", "T0001", "status", "done")
    report = run_job(find_job("weekly", config), backend, config, now=NOW)
    assert report.outcome == "ok"
    # No digest went; the done task's ask after help (the feedback step's) did.
    assert {d.audience for d in report.deliveries} == {"feedback"}
    assert any("The digests could not be made (KeyError" in n for n in report.notices)
    needs = read_state(backend, config).tables["needs"].frame
    assert "met" in needs["status"].tolist()  # the match step's update was written


def test_long_lists_show_the_most_urgent_lines_and_how_many_more(network):
    backend, config = network
    from sheetsync.digest.content import MAX_LINES, organizer_digest

    state = read_state(backend, config)
    frames = {n: t.frame for n, t in state.tables.items()}
    needs = frames["needs"]
    copies = needs.loc[needs.index.repeat(40)].reset_index(drop=True)
    copies["need_id"] = [f"N{i:04d}" for i in range(len(copies))]
    copies["status"] = "open"
    copies.loc[0, "urgency"] = "Today"
    frames["needs"] = copies
    digest = organizer_digest(frames, "Net", NOW, since=NOW - dt.timedelta(days=7))
    assert digest.counts.waiting == 80 and len(digest.waiting) == MAX_LINES
    assert digest.waiting[0].need_id == "N0000"  # the most urgent stays in the list
    from sheetsync.digest.render import Image

    text = render("organizers", digest, chart=Image("c", "c.png", b"")).text
    assert "Needs waiting for a volunteer: 80" in text
    assert "… and 30 more on the Needs tab." in text


class _Crashing:
    """Hands over the first email, then the process dies (as a power cut would)."""

    def __init__(self, outbox):
        self.outbox, self.sent = outbox, 0

    def send(self, message, label):
        if self.sent:
            raise SystemExit("power cut")
        self.sent += 1
        return self.outbox.send(message, label)

    def find(self, message_id, label):
        return self.outbox.find(message_id, label)


def test_a_crash_half_way_never_sends_twice_and_the_log_is_written_once_per_run(
    network, monkeypatch
):
    backend, config = network
    outbox = Outbox(config.email.outbox)
    with pytest.raises(SystemExit):
        send_digests(backend, config, now=NOW, transport=_Crashing(outbox))
    log = read_state(backend, config).tables["run_log"].frame
    assert (log["job"] == "digest").sum() == 0  # the crash came before the one write
    journal = config.state_dir / "sent.jsonl"
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    # The first noted before and after it went; the second before the power cut.
    assert [line.get("outcome", "pending") for line in lines] == ["pending", "sent", "pending"]
    assert lines[0]["pending"] == lines[1]["message_id"] != lines[2]["pending"]
    writes = []
    apply = backend.apply
    monkeypatch.setattr(
        backend,
        "apply",
        lambda changes, formats=None: writes.append(changes) or apply(changes, formats),
    )
    again = send_digests(backend, config, now=NOW, transport=outbox)
    assert sorted(d.outcome for d in again) == ["already sent", "sent", "sent"]
    assert len(writes) == 1  # the journal's row and the two new ones, in one write
    log = read_state(backend, config).tables["run_log"].frame
    sends = log[log["job"] == "digest"]
    assert sorted(sends["outcome"]) == ["sent", "sent", "sent"]
    assert len(set(sends["changes"])) == 3
    assert not journal.exists()
    assert len(list(config.email.outbox.glob("*.eml"))) == 3


def test_a_task_is_listed_once_when_its_two_helpers_are_one_person(network):
    """A co-volunteer id that is the volunteer's own (typed twice, or a linked duplicate
    row) does not list the task twice in their digest."""
    backend, config = network
    tasks = read_state(backend, config).tables["tasks"].frame
    [sam] = set(tasks["volunteer_id"])
    write_cell(backend, config, "tasks", "T0001", "co_volunteer_id", sam)
    frames = {n: t.frame for n, t in read_state(backend, config).tables.items()}
    policy = Policy(records_of(frames["people"]))
    [digest] = volunteer_digests(frames, config.network_name, NOW, policy).digests
    assert sorted(t.task_id for t in digest.tasks) == ["T0001", "T0002"]


def test_bad_values_in_organizer_columns_are_counted_apart_from_form_responses(network):
    """A task status typed "donee" is a value to fix in the organizers' tabs, not a form
    response to fix: counted on its own line, in English and in Spanish, and not listed
    among the form errors."""
    backend, config = network
    write_cell(backend, config, "tasks", "T0001", "status", "donee")
    run_job(without_digest(config), backend, config, now=NOW + dt.timedelta(hours=1))
    errors = records_of(read_state(backend, config).tables["errors"].frame)
    assert [(e["form"], e["source"]) for e in errors if e["status"] == "open"] == [
        ("organizer column", "Tasks:T0001")
    ]
    text = by_audience(build_digests(backend, config, NOW))["organizers"].rendered.text
    assert "Form responses to fix on the Errors tab: 0" in text
    assert 'Values to fix in your tabs, on the Errors tab (form "organizer column"): 1' in text
    assert "Tasks:T0001" not in text
    spanish = dataclasses.replace(
        config, email=dataclasses.replace(config.email, organizers_language="es")
    )
    text = by_audience(build_digests(backend, spanish, NOW))["organizers"].rendered.text
    assert "Respuestas por corregir en la pestaña Errors: 0" in text
    assert "Valores por corregir en sus pestañas" in text and ": 1" in text


def test_no_value_to_fix_no_line(network):
    backend, config = network
    text = by_audience(build_digests(backend, config, NOW))["organizers"].rendered.text
    assert "Values to fix in your tabs" not in text
    assert "Form responses to fix on the Errors tab: 0" in text
