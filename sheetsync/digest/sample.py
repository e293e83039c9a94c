"""`sheetsync digest --test-to ADDRESS`: one sample organizers' digest, to check the SMTP
settings before the first real one.

The sample is the organizers' digest of a network with nothing in it yet (the tabs `init`
creates, empty): it never reads the network's people. Its subject starts with [TEST] and its
first line says what it is. It is sent straight to the mail server: no Run log row, no send
journal line, so it never counts as this week's digest. A failure is told in words: a
wrong password, a host not found, a TLS mismatch, a refused address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import smtplib
import socket
import ssl

from sheetsync.config import Config
from sheetsync.digest.deliver import render_organizers_digest
from sheetsync.digest.mail import (
    DeliveryError,
    Smtp,
    SmtpSettings,
    UnconfirmedError,
    build_message,
    message_id_for,
)
from sheetsync.digest.render import Rendered
from sheetsync.errors import SheetsyncError
from sheetsync.schema import load_schemas
from sheetsync.state import local_now
from sheetsync.tables import read_table

SUBJECT_MARK = "[TEST] "
NOTE = (
    "This is a test email from `sheetsync digest --test-to`: it checks the SMTP settings. "
    "The figures below are a sample (an empty network), not your network's."
)


class TestEmailError(SheetsyncError):
    """The sample digest could not be sent; the message says why in words."""

    __test__ = False  # not a pytest test class, whatever its name


def sample_digest(config: Config, now: dt.datetime) -> Rendered:
    """The organizers' digest of an empty network, marked as a test in subject and body."""
    frames = {name: read_table(None, schema, name).frame for name, schema in load_schemas().items()}
    rendered = render_organizers_digest(frames, config, now)
    note = f'<p style="font-weight:bold">{html.escape(NOTE)}</p>'
    body = re.search(r"<body[^>]*>", rendered.html)
    at = body.end() if body else 0
    return dataclasses.replace(
        rendered,
        subject=SUBJECT_MARK + rendered.subject,
        text=f"{NOTE}\n\n{rendered.text}",
        html=rendered.html[:at] + note + rendered.html[at:],
    )


def send_sample(
    config: Config, to: str, *, now: dt.datetime | None = None, timeout: float = 30.0
) -> str:
    """Send the sample digest to `to` over [email.smtp]; return where it went and the
    server's answer. Raises TestEmailError with what to check."""
    if not config.email.smtp:
        raise TestEmailError(
            "There is no [email.smtp] in sheetsync.toml: digests go to the outbox folder, so "
            "there is nothing to test. Add [email.smtp] (host, port, security, user) as "
            "docs/digest.md shows, then try again."
        )
    settings = SmtpSettings(**dict(config.email.smtp))
    now = now or local_now(config)
    label = f"test-{now:%Y%m%d-%H%M%S}"
    message = build_message(
        sample_digest(config, now),
        sender=config.email.sender,
        to=to,
        message_id=message_id_for(config.network_name, label),
    )
    try:
        return Smtp(settings, timeout=timeout).send(message, label)
    except UnconfirmedError as err:
        raise TestEmailError(
            f"The mail server {settings.host}:{settings.port} was handed the test email but "
            "its answer never came: look in the inbox, and in the server's log."
        ) from err
    except DeliveryError as err:
        cause = err.__cause__
        said = str(err) if cause is None else smtp_failure_text(cause, settings, timeout)
        raise TestEmailError(f"The test email was not sent. {said}") from err


def smtp_failure_text(err: BaseException, s: SmtpSettings, timeout: float = 30.0) -> str:
    """What went wrong talking to the mail server, in words, and what to check. Never the
    recipient's address (a server's answer may quote it: masked)."""
    where = f"{s.host}:{s.port}"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return (
            f"The mail server {where} refused the user name or password ({err.smtp_code}): "
            f"check user under [email.smtp] and the password in ${s.password_env}."
        )
    if isinstance(err, socket.gaierror):
        return (
            f"The host {s.host!r} was not found: check host under [email.smtp] (a typo?) "
            "and that this machine is online."
        )
    if isinstance(err, ConnectionRefusedError):
        return (
            f"Nothing answers on {where}: check the port under [email.smtp] (587 with "
            'security = "starttls", 465 with "ssl") and that the mail server is running.'
        )
    if isinstance(err, TimeoutError):
        return (
            f"No answer from {where} within {timeout:.0f} seconds: check the host and port, "
            "and whether a firewall blocks outgoing mail on that port."
        )
    if isinstance(err, ssl.SSLCertVerificationError):
        return (
            f"The mail server's TLS certificate could not be verified ({err.verify_message}): "
            "check that host is the name on its certificate; a server with a certificate of "
            "its own needs cafile under [email.smtp]."
        )
    if isinstance(err, ssl.SSLError):
        return (
            f'TLS with {where} failed ({err.reason or err}): security = "ssl" is for servers '
            'that start with TLS (usually port 465), "starttls" for those that upgrade to it '
            "(usually 587): check which one yours speaks."
        )
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return (
            f'The mail server {where} does not offer STARTTLS: set security = "ssl" if it '
            "starts with TLS (port 465), or use another server."
        )
    return _refused_text(err, where)


def _refused_text(err: BaseException, where: str) -> str:
    """An answer the mail server gave, in words."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(sorted({str(code) for code, _ in err.recipients.values()}))
        return (
            f"The mail server {where} refused the address given ({codes}): check it, and "
            "whether the server sends to other domains for you (it may need a user and "
            "password)."
        )
    if isinstance(err, smtplib.SMTPSenderRefused):
        return (
            f"The mail server {where} refused the sender ({err.smtp_code}): set sender under "
            "[email] in sheetsync.toml to an address it accepts from you."
        )
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return (
            f"The mail server {where} closed the connection: check security (starttls or "
            "ssl) and the port under [email.smtp]."
        )
    if isinstance(err, smtplib.SMTPResponseException):
        said = err.smtp_error
        text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        text = re.sub(r"\S+@\S+", "<address>", text)
        return f"The mail server {where} answered {err.smtp_code} {text}".rstrip() + "."
    return f"Talking to {where} failed: {type(err).__name__}."
