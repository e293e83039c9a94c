"""Digest emails: multipart/alternative (plain text, then HTML), headers that a name with a
newline cannot break, and delivery by SMTP (STARTTLS or SSL) or into an outbox folder.

Each digest's Message-ID is made from what it is (network, audience, week, recipient id),
so every attempt to send it carries the same one: a repeat can be recognised by whoever
receives it, and the outbox can be asked whether it already holds it."""

from __future__ import annotations

import contextlib
import email.policy
import errno
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from sheetsync.digest.render import Rendered
from sheetsync.errors import SheetsyncError
from sheetsync.files import (
    private_dir,
    remove_quietly,
    replace_private_bytes,
    write_private_bytes,
)
from sheetsync.normalize import one_line


class DeliveryError(SheetsyncError):
    """An email could not be handed over; the digest is retried on the next run."""


class UnconfirmedError(DeliveryError):
    """An email was handed over whole but the server's answer never came: it may have gone,
    so it is not tried again by itself."""

    def __init__(self, why: str) -> None:
        super().__init__(f"{why[:1].upper()}{why[1:]}.")
        self.why = why  # a clause, for a sentence that goes on with what to do


class NoSuchDigestError(SheetsyncError):
    """A digest asked for by its label (--resend) is not among this period's."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls, ssl or none (none: only to 127.0.0.1)
    user: str = ""
    password_env: str = "SHEETSYNC_SMTP_PASSWORD"
    cafile: str | None = None  # a CA to trust besides the system's (a test server's)


def message_id_for(network: str, label: str, domain: str = "sheetsync") -> str:
    """The Message-ID of a digest, the same on every attempt to send it: its label (e.g.
    volunteer-2026-W48-P0042, no name or address in it) and the network, e.g.
    <volunteer-2026-W48-P0042.test-network@sheetsync>."""
    network_part = _safe(network.casefold())[:40].strip("-.") or "network"
    return f"<{_safe(label)}.{network_part}@{domain}>"


def build_message(
    rendered: Rendered, *, sender: str, to: str, to_name: str = "", message_id: str
) -> EmailMessage:
    """The email for one recipient. Names are made one line before they reach a header.
    `message_id`: message_id_for(...), so that a second attempt is known as a repeat."""
    message = EmailMessage()
    message["Subject"] = one_line(rendered.subject)
    message["From"] = sender
    message["To"] = formataddr((one_line(to_name), one_line(to)))
    message["Message-ID"] = one_line(message_id)
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
        """Hand the message over; return where it went (and the server's answer). Raise
        DeliveryError when it surely did not go, UnconfirmedError (a DeliveryError) when it
        was handed over but the answer that says it was taken was lost. `label` names the
        digest without personal data (e.g. volunteer-2026-W48-P0042): the outbox's file
        name, and how messages and logs refer to it."""
        ...

    def find(self, message_id: str, label: str) -> str | None:
        """After a crash between handing a message over and noting it: where it is if it
        surely went, "" if it surely did not, None if this transport cannot tell."""
        ...


# What to do about a file that could not be written, by errno.
_WRITE_ADVICE = {
    errno.ENOSPC: "free some space on the disk that holds it",
    errno.EDQUOT: "free some space (your disk quota is used up)",
    errno.EACCES: "check that you may write to it (its permissions)",
    errno.EPERM: "check that you may write to it (its permissions)",
    errno.EROFS: "mount that disk writable, or choose another folder",
}


class Outbox:
    """Without SMTP settings: each digest as .eml (the whole email) and .html (to open),
    named by its label, never by its recipient's name or address; private to the user.

    Each file is written whole or not at all (a temporary, fsynced, renamed), the .eml
    last: an .eml in the outbox is a digest handed over, complete."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, label: str) -> str:
        written: list[Path] = []
        try:
            return self._write(message, _safe(label), written)
        except OSError as err:
            for path in written:  # the .html and chart of a digest that is not there
                remove_quietly(path)
            advice = _WRITE_ADVICE.get(err.errno or 0, "check that the folder can be written")
            raise DeliveryError(
                f"The digest {label} could not be written to the outbox folder {self.folder} "
                f"({err.strerror or err}), so it was not sent and nothing of it was left "
                f"there: {advice} ([email] outbox in sheetsync.toml sets the folder). It "
                "will be written on the next run."
            ) from err

    def find(self, message_id: str, label: str) -> str | None:
        """The .eml's path if the outbox holds this very message, else "": the .eml
        appears whole or not at all, so its absence means it was not handed over."""
        path = self.folder / f"{_safe(label)}.eml"
        try:
            with path.open("rb") as eml:
                headers = BytesParser(policy=email.policy.default).parse(eml, headersonly=True)
        except (FileNotFoundError, NotADirectoryError):  # no such file: not handed over
            return ""
        except OSError as err:
            raise DeliveryError(
                f"The outbox file {path} cannot be read ({err.strerror or err}), so "
                "sheetsync cannot tell whether that digest went: check its permissions."
            ) from err
        return str(path) if str(headers.get("Message-ID", "")).strip() == message_id else ""

    def _write(self, message: EmailMessage, stem: str, written: list[Path]) -> str:
        private_dir(self.folder)
        # Temporaries a killed run left (a failed write removes its own).
        for stale in [*self.folder.glob(f".{stem}.*.tmp"), *self.folder.glob(f".{stem}--*.tmp")]:
            stale.unlink(missing_ok=True)

        def put(name: str, data: bytes) -> None:
            path = self.folder / name
            if not path.exists():
                written.append(path)  # removed again if the digest fails
            replace_private_bytes(path, data)

        html = message.get_body(preferencelist=("html",))
        if html is not None:
            text = html.get_content()
            for part in message.walk():
                cid = str(part.get("Content-ID", "")).strip("<>")
                data = part.get_payload(decode=True)
                if cid and part.get_filename() and isinstance(data, bytes):
                    name = f"{stem}--{_safe(str(part.get_filename()))}"
                    put(name, data)
                    text = text.replace(f"cid:{cid}", name)
            put(f"{stem}.html", text.encode("utf-8"))
        put(f"{stem}.eml", bytes(message))  # last: the .eml says the digest is there
        return str(self.folder / f"{stem}.eml")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80] or "digest"


class Smtp:
    """SMTP delivery; the password comes from an environment variable, never the config.

    Whether a failure means "not sent" depends on when it came. Until the server has given
    its 354 go-ahead to DATA and the whole message has been sent, it surely has nothing
    (DeliveryError, tried again next run); from then until its answer, it may have taken
    it (UnconfirmedError); once it answered 250 the email is taken, whatever QUIT then
    brings. `timeout`: seconds to wait for each answer (tests shorten it)."""

    def __init__(self, settings: SmtpSettings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, message: EmailMessage, label: str) -> str:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        password = os.environ.get(s.password_env, "")
        if s.user and not password:
            raise DeliveryError(
                f"SMTP user {s.user!r} is set but ${s.password_env} is empty: set the "
                "password in that environment variable (never in sheetsync.toml)."
            )
        client: _Client | None = None
        try:
            client = self._connect(context)
            if s.security == "starttls":
                client.starttls(context=context)
            if s.user:
                client.login(s.user, password)
            client.send_message(message)
        except (smtplib.SMTPException, OSError) as err:
            if client is not None and client.stage is _Stage.HANDED_OVER:
                raise UnconfirmedError(
                    f"the mail server {s.host}:{s.port} was handed the whole digest {label} "
                    f"but its answer never came ({_refusal(err)}), so sheetsync cannot tell "
                    "whether it took it"
                ) from err
            raise DeliveryError(
                f"The mail server {s.host}:{s.port} did not take the digest {label}: "
                f"{_refusal(err)}. It will be tried again on the next run."
            ) from err
        else:
            answer = client.answer
            # 250 in hand: the email is taken, so an odd answer to QUIT changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
        finally:
            if client is not None:
                client.close()
        return f"smtp://{s.host}:{s.port} {answer}".rstrip()

    def _connect(self, context: ssl.SSLContext) -> _Client:
        s = self.settings
        if s.security == "ssl":
            return _SslClient(s.host, s.port, context=context, timeout=self.timeout)
        return _Client(s.host, s.port, timeout=self.timeout)

    def find(self, message_id: str, label: str) -> str | None:
        """SMTP has no command to ask whether a message was taken: None, cannot tell."""
        return None


class _Stage(Enum):
    """How far the DATA command of the one message has gone."""

    BEFORE = "before DATA"
    ASKED = "DATA sent"
    GO_AHEAD = "354 received"
    HANDED_OVER = "message sent, no answer yet"
    ANSWERED = "answered"


class _Client(smtplib.SMTP):
    """smtplib.SMTP keeping the server's answer to DATA ("250 2.0.0 Ok: queued as
    4F2A1"), which send_message drops: the queue id finds the email in the server's log.
    And how far DATA went (`stage`): a failure while the server holds the whole message
    without having answered leaves it unknown whether the server took it."""

    answer = ""
    stage = _Stage.BEFORE

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.stage = _Stage.ASKED
        code, said = super().data(msg)
        text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        self.answer = one_line(f"{code} {_ADDRESS.sub('<address>', text)}")[:200]
        return code, said

    def getreply(self) -> tuple[int, bytes]:
        code, said = super().getreply()
        if self.stage is _Stage.ASKED and code == 354:
            self.stage = _Stage.GO_AHEAD
        elif self.stage is _Stage.HANDED_OVER:
            self.stage = _Stage.ANSWERED  # 250 taken, or a refusal: either way, known
        return code, said

    def send(self, s: Any) -> None:
        super().send(s)
        if self.stage is _Stage.GO_AHEAD:  # the message, ending in "." (smtplib.data)
            self.stage = _Stage.HANDED_OVER


class _SslClient(_Client, smtplib.SMTP_SSL):
    """_Client over TLS from the start (security = "ssl")."""


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
