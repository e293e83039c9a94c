"""Digest emails: multipart/alternative (plain text, then HTML), headers that a name with a
newline cannot break, and delivery by SMTP (STARTTLS or SSL) or into an outbox folder."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Protocol

from sheetsync.digest.render import Rendered
from sheetsync.errors import SheetsyncError
from sheetsync.files import private_dir, write_private_bytes, write_private_text
from sheetsync.normalize import one_line


class DeliveryError(SheetsyncError):
    """An email could not be handed over; the digest is retried on the next run."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls, ssl or none (none: only to 127.0.0.1)
    user: str = ""
    password_env: str = "SHEETSYNC_SMTP_PASSWORD"
    cafile: str | None = None  # a CA to trust besides the system's (a test server's)


def build_message(
    rendered: Rendered, *, sender: str, to: str, to_name: str = "", domain: str = "sheetsync"
) -> EmailMessage:
    """The email for one recipient. Names are made one line before they reach a header."""
    message = EmailMessage()
    message["Subject"] = one_line(rendered.subject)
    message["From"] = sender
    message["To"] = formataddr((one_line(to_name), one_line(to)))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Content-Language"] = rendered.language
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if rendered.images:
        html = message.get_body(preferencelist=("html",))
        assert html is not None
        for image in rendered.images:  # the HTML part becomes multipart/related
            html.add_related(
                image.png, "image", "png", cid=f"<{image.cid}>", filename=image.filename
            )
    return message


def html_with_files(rendered: Rendered, folder: Path) -> str:
    """The HTML to open from a folder: each picture written beside it, cid: links made
    file links (the outbox, the preview)."""
    html = rendered.html
    for image in rendered.images:
        write_private_bytes(folder / image.filename, image.png)
        html = html.replace(image.src, image.filename)
    return html


class Transport(Protocol):
    def send(self, message: EmailMessage, label: str) -> str:
        """Hand the message over; return where it went. Raise DeliveryError. `label` names
        the digest without personal data (e.g. volunteer-2026-W48-P0042): the outbox's file
        name, and how messages and logs refer to it."""
        ...


class Outbox:
    """Without SMTP settings: each digest as .eml (the whole email) and .html (to open),
    named by its label, never by its recipient's name or address; private to the user."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, label: str) -> str:
        try:
            return self._write(message, _safe(label))
        except OSError as err:
            raise DeliveryError(
                f"The digest {label} could not be written to the outbox folder {self.folder}: "
                f"{err.strerror or err}. Check that the folder ([email] outbox in "
                "sheetsync.toml) can be written; it will be tried again on the next run."
            ) from err

    def _write(self, message: EmailMessage, stem: str) -> str:
        private_dir(self.folder)
        write_private_bytes(self.folder / f"{stem}.eml", bytes(message))
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            text = html.get_content()
            for part in message.walk():
                cid = str(part.get("Content-ID", "")).strip("<>")
                data = part.get_payload(decode=True)
                if cid and part.get_filename() and isinstance(data, bytes):
                    name = f"{stem}--{_safe(str(part.get_filename()))}"
                    write_private_bytes(self.folder / name, data)
                    text = text.replace(f"cid:{cid}", name)
            write_private_text(self.folder / f"{stem}.html", text)
        return str(self.folder / f"{stem}.eml")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80] or "digest"


class Smtp:
    """SMTP delivery; the password comes from an environment variable, never the config."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage, label: str) -> str:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        password = os.environ.get(s.password_env, "")
        if s.user and not password:
            raise DeliveryError(
                f"SMTP user {s.user!r} is set but ${s.password_env} is empty: set the "
                "password in that environment variable (never in sheetsync.toml)."
            )
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, context=context, timeout=30)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=30)
            with client:
                if s.security == "starttls":
                    client.starttls(context=context)
                if s.user:
                    client.login(s.user, password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as err:
            raise DeliveryError(
                f"The mail server {s.host}:{s.port} did not take the digest {label}: "
                f"{_refusal(err)}. It will be tried again on the next run."
            ) from err
        return f"smtp://{s.host}:{s.port}"


_ADDRESS = re.compile(r"[^\s<>()\[\]'\",;:]+@[^\s<>()\[\]'\",;:]+")


def _refusal(err: smtplib.SMTPException | OSError) -> str:
    """Why the server refused, without the recipient's address (the message goes to the
    Run log, the log and the terminal): its codes and words, any address in them masked."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in err.recipients.values()})
        return f"the recipient was refused ({', '.join(map(str, codes))})"
    if isinstance(err, smtplib.SMTPResponseException):
        said = err.smtp_error
        text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        return f"{err.smtp_code} {_ADDRESS.sub('<address>', text)}".strip()
    return _ADDRESS.sub("<address>", f"{type(err).__name__}: {err}")
