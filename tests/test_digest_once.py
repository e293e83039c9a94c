"""Nothing lost, nothing stuck (issue 17): a digest goes once even when a run stops between
the mail server's yes and the note of it; an outbox write is whole or absent; a full disk
is a failed delivery with what to do, sent by the next run. With the real SMTP server on
127.0.0.1 (aiosmtpd, STARTTLS) that test_digest.py uses, and real files."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import email
import email.policy
import errno
import json
import os
import pickle
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

import sheetsync.digest.deliver as deliver
import sheetsync.files as files
from sheetsync.digest.deliver import build_digests, send_digests
from sheetsync.digest.journal import open_journal, pending_line, read_journal
from sheetsync.digest.mail import Outbox, Smtp, SmtpSettings, message_id_for
from sheetsync.jobs import read_state
from tests.conftest import NOW
from tests.test_digest import network, self_signed, serve  # noqa: F401 (network: a fixture)

REPO = Path(__file__).resolve().parents[1]


class QueuingInbox:
    """A mail server that answers DATA as Postfix does, with a queue id."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return f"250 2.0.0 Ok: queued as Q{len(self.messages):04d}"

    def count(self, message_id: str) -> int:
        return sum(str(m["Message-ID"]) == message_id for m in self.messages)


@pytest.fixture
def mail_server(tmp_path):
    yield from serve(QueuingInbox(), tmp_path)


@pytest.fixture
def by_smtp(network, mail_server):  # noqa: F811 (network is the fixture imported above)
    backend, config = network
    inbox, port, cert = mail_server
    smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
    config = dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))
    return backend, config, inbox


class Killed(BaseException):
    """The process stops here (as SystemExit or a power cut would: no except catches it)."""


def stop_after_handing_over(monkeypatch, audience: str) -> None:
    """The run stops right after transport.send returned for this audience's digest,
    before the journal notes that it went."""
    hand_over = deliver._hand_over

    def then_stop(digest, *args, **kwargs):
        delivery = hand_over(digest, *args, **kwargs)
        if digest.audience == audience:
            raise Killed(f"stopped after handing over {audience}")
        return delivery

    monkeypatch.setattr(deliver, "_hand_over", then_stop)


def send_log(backend, config) -> list[dict[str, str]]:
    log = read_state(backend, config).tables["run_log"].frame
    return [r for r in log.to_dict("records") if r["job"] == "digest"]


def outcomes(deliveries) -> dict[str, str]:
    return {d.audience: d.outcome for d in deliveries}


ORGANIZERS_ID = message_id_for("Test network", "organizers-2026-W48-1")


# --- SMTP: at most once, and a person told what to check ---


def test_smtp_a_stop_after_the_server_took_it_never_sends_it_again_and_says_what_to_check(
    by_smtp, monkeypatch
):
    backend, config, inbox = by_smtp
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "organizers")
        send_digests(backend, config, now=NOW)
    assert inbox.count(ORGANIZERS_ID) == 1  # the server has it; the journal does not know
    assert ORGANIZERS_ID == "<organizers-2026-W48-1.test-network@sheetsync>"  # no address

    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert outcomes(second) == {"organizers": "unconfirmed", "volunteer": "sent", "public": "sent"}
    assert inbox.count(ORGANIZERS_ID) == 1  # not sent again
    assert len(inbox.messages) == 3
    [organizers] = [d for d in second if d.audience == "organizers"]
    assert organizers.detail == (
        "Unconfirmed: a run stopped after handing the digest organizers-2026-W48-1 to the "
        "mail server, before noting its answer, and SMTP cannot be asked. Not sent again by "
        f"itself: look for Message-ID {ORGANIZERS_ID} in the mail server's log (or ask the "
        "recipient); if it never arrived, send it again within 2026-W48: `sheetsync digest "
        "--resend organizers-2026-W48-1`."
    )
    assert "org@example.org" not in organizers.detail
    # The server's answer to DATA is kept: its queue id finds the email in the server's log.
    [public] = [d for d in second if d.audience == "public"]
    assert public.detail.endswith("250 2.0.0 Ok: queued as Q0003")
    rows = {r["steps"]: r for r in send_log(backend, config)}
    assert rows["organizers 2026-W48"]["outcome"] == "unconfirmed"
    assert rows["organizers 2026-W48"]["message"] == organizers.detail  # whole, with its id
    assert "queued as Q0003" in rows["public 2026-W48"]["message"]

    third = send_digests(backend, config, now=NOW + dt.timedelta(hours=2))
    assert outcomes(third) == {
        "organizers": "unconfirmed",
        "volunteer": "already sent",
        "public": "already sent",
    }
    assert len(inbox.messages) == 3

    # An organizer found no trace of it: sent again on purpose, with the same Message-ID.
    again = send_digests(
        backend, config, now=NOW + dt.timedelta(hours=3), resend=["organizers-2026-W48-1"]
    )
    assert outcomes(again) == {"organizers": "sent"}
    assert inbox.count(ORGANIZERS_ID) == 2
    after = send_digests(backend, config, now=NOW + dt.timedelta(hours=4))
    assert set(outcomes(after).values()) == {"already sent"}
    assert len(inbox.messages) == 4


def test_smtp_every_attempt_carries_the_same_message_id(by_smtp):
    """A refused digest tried again by the next run is the same email to the receiver."""
    backend, config, inbox = by_smtp
    [digest] = [d for d in build_digests(backend, config, NOW) if d.audience == "public"]
    client = Smtp(SmtpSettings(**config.email.smtp))
    message = deliver.build_message(
        digest.rendered, sender="a@example.org", to=digest.to, message_id="<x.net@sheetsync>"
    )
    for _ in range(2):
        deliver._hand_over(digest, message, client, "2026-W48", "<x.net@sheetsync>")
    assert [str(m["Message-ID"]) for m in inbox.messages] == ["<x.net@sheetsync>"] * 2


def test_smtp_a_killed_process_never_sends_twice(by_smtp, tmp_path):
    """A real SIGKILL right after the server's yes (no finally, no flush runs)."""
    backend, config, inbox = by_smtp
    saved = tmp_path / "config.pickle"
    saved.write_bytes(pickle.dumps(config))
    script = f"""
import os, pickle, signal
import sheetsync.digest.deliver as deliver
from sheetsync.backends.workbook import WorkbookBackend
from tests.conftest import NOW
config = pickle.loads(open({str(saved)!r}, "rb").read())
hand_over = deliver._hand_over
def then_die(digest, *args, **kwargs):
    delivery = hand_over(digest, *args, **kwargs)
    if digest.audience == "volunteer":
        os.kill(os.getpid(), signal.SIGKILL)
    return delivery
deliver._hand_over = then_die
deliver.send_digests(WorkbookBackend(config.workbook), config, now=NOW)
"""
    killed = subprocess.run([sys.executable, "-c", script], cwd=REPO, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert len(inbox.messages) == 2  # organizers, then the volunteer's
    later = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert outcomes(later) == {
        "organizers": "already sent",  # noted before the kill
        "volunteer": "unconfirmed",
        "public": "sent",
    }
    assert len(inbox.messages) == 3
    assert len({str(m["Message-ID"]) for m in inbox.messages}) == 3
    assert {r["outcome"] for r in send_log(backend, config)} == {"sent", "unconfirmed"}


# --- SMTP: the server's answer lost in the middle of a run ---


class LosesTheAnswer(QueuingInbox):
    """Takes the first message whole, then never answers it (a slow filter, a stalled
    link) or hangs up without answering; the others it answers as usual."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how, self.lost = how, 0

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if not self.lost:
            self.lost += 1
            if self.how == "hangs up":
                server.transport.close()
            else:
                await asyncio.sleep(3)  # well past the client's timeout
        return answer


class RefusesOnce(QueuingInbox):
    """Refuses (or hangs up on) the first recipient, before DATA: nothing was handed over."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how, self.refused = how, 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if not self.refused:
            self.refused += 1
            if self.how == "hangs up":
                server.transport.close()
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class OddAnswerToQuit(QueuingInbox):
    """Takes every message (250), then answers QUIT with an error instead of 221."""

    async def handle_QUIT(self, server, session, envelope):
        return "500 5.5.1 Not now"


def with_smtp(config, port: int, cert: Path):
    smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
    return dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))


served = contextlib.contextmanager(serve)


@pytest.mark.parametrize(
    ("how", "cause"),
    [
        (
            "never answers",
            "SMTPServerDisconnected: Connection unexpectedly closed: The read operation timed out",
        ),
        ("hangs up", "SMTPServerDisconnected: Connection unexpectedly closed"),
    ],
)
def test_smtp_a_message_whose_answer_is_lost_is_unconfirmed_and_not_sent_again(
    network,  # noqa: F811
    tmp_path,
    how,
    cause,
):
    """The server has the whole message but its "250 queued" never arrives: it may have
    taken it, so the digest is unconfirmed (a person checks), never sent again by itself."""
    backend, config = network
    inbox = LosesTheAnswer(how)
    with served(inbox, tmp_path) as (_, port, cert):
        config = with_smtp(config, port, cert)
        transport = Smtp(SmtpSettings(**config.email.smtp), timeout=0.5)
        first = send_digests(backend, config, now=NOW, transport=transport)
        assert outcomes(first) == {
            "organizers": "unconfirmed",
            "volunteer": "sent",
            "public": "sent",
        }
        assert inbox.count(ORGANIZERS_ID) == 1
        [organizers] = [d for d in first if d.audience == "organizers"]
        assert organizers.detail == (
            f"Unconfirmed: the mail server 127.0.0.1:{port} was handed the whole digest "
            f"organizers-2026-W48-1 but its answer never came ({cause}), so sheetsync cannot "
            "tell whether it took it. Not sent again by itself: look for Message-ID "
            f"{ORGANIZERS_ID} in the mail server's log (or ask the recipient); if it never "
            "arrived, send it again within 2026-W48: `sheetsync digest --resend "
            "organizers-2026-W48-1`."
        )
        rows = {r["steps"]: r for r in send_log(backend, config)}
        assert rows["organizers 2026-W48"]["outcome"] == "unconfirmed"
        assert rows["organizers 2026-W48"]["message"] == organizers.detail

        second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1), transport=transport)
        assert outcomes(second) == {
            "organizers": "unconfirmed",
            "volunteer": "already sent",
            "public": "already sent",
        }
        assert inbox.count(ORGANIZERS_ID) == 1 and len(inbox.messages) == 3


@pytest.mark.parametrize("how", ["refuses", "hangs up"])
def test_smtp_a_failure_before_the_message_is_handed_over_is_failed_and_sent_next_run(
    network,  # noqa: F811
    tmp_path,
    how,
):
    """Refused (or cut off) at RCPT, before DATA: surely not delivered, so tried again."""
    backend, config = network
    inbox = RefusesOnce(how)
    with served(inbox, tmp_path) as (_, port, cert):
        config = with_smtp(config, port, cert)
        transport = Smtp(SmtpSettings(**config.email.smtp), timeout=0.5)
        first = send_digests(backend, config, now=NOW, transport=transport)
        assert outcomes(first) == {"organizers": "failed", "volunteer": "sent", "public": "sent"}
        [organizers] = [d for d in first if d.audience == "organizers"]
        assert organizers.detail.startswith(
            f"The mail server 127.0.0.1:{port} did not take the digest organizers-2026-W48-1: "
        )
        assert organizers.detail.endswith(". It will be tried again on the next run.")
        second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1), transport=transport)
        assert outcomes(second) == {
            "organizers": "sent",
            "volunteer": "already sent",
            "public": "already sent",
        }
        assert inbox.count(ORGANIZERS_ID) == 1 and len(inbox.messages) == 3


def test_smtp_an_odd_answer_to_quit_after_250_is_still_sent(network, tmp_path):  # noqa: F811
    """The server said 250 (taken): what it answers to QUIT changes nothing."""
    backend, config = network
    inbox = OddAnswerToQuit()
    with served(inbox, tmp_path) as (_, port, cert):
        config = with_smtp(config, port, cert)
        first = send_digests(backend, config, now=NOW)
        assert outcomes(first) == {"organizers": "sent", "volunteer": "sent", "public": "sent"}
        [organizers] = [d for d in first if d.audience == "organizers"]
        assert organizers.detail == f"smtp://127.0.0.1:{port} 250 2.0.0 Ok: queued as Q0001"
        second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
        assert set(outcomes(second).values()) == {"already sent"}
        assert inbox.count(ORGANIZERS_ID) == 1 and len(inbox.messages) == 3


def test_an_email_that_cannot_be_built_is_failed_not_in_doubt_and_sent_next_run(
    by_smtp, monkeypatch
):
    """Built before the journal notes it as about to go: a digest that never became an
    email is failed (tried again next run), never unconfirmed waiting for a person."""
    backend, config, inbox = by_smtp
    build = deliver.build_message
    noted = []

    def broken(rendered, **kwargs):
        if kwargs["to"] == "org@example.org":
            raise ValueError("cannot encode org@example.org")
        return build(rendered, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(deliver, "build_message", broken)
        record = deliver.open_journal

        @contextlib.contextmanager
        def watched(path):
            with record(path) as write:
                yield lambda values: noted.append(values) or write(values)

        patch.setattr(deliver, "open_journal", watched)
        first = send_digests(backend, config, now=NOW)
    assert outcomes(first) == {"organizers": "failed", "volunteer": "sent", "public": "sent"}
    [organizers] = [d for d in first if d.audience == "organizers"]
    assert re.fullmatch(
        r"The digest organizers-2026-W48-1 could not be made into an email \(ValueError at "
        r"test_digest_once\.py:\d+\), so it was not sent\. Please report this with the log; "
        r"the next run tries it again\.",
        organizers.detail,
    )
    assert not any(line.get("pending") == ORGANIZERS_ID for line in noted)  # never in doubt
    assert inbox.count(ORGANIZERS_ID) == 0
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert outcomes(second) == {
        "organizers": "sent",
        "volunteer": "already sent",
        "public": "already sent",
    }
    assert inbox.count(ORGANIZERS_ID) == 1
    organizer_rows = [r for r in send_log(backend, config) if r["steps"].startswith("org")]
    assert [r["outcome"] for r in organizer_rows] == ["failed", "sent"]


# --- the outbox: exactly once, checked by looking ---


def test_outbox_a_stop_after_the_file_was_written_is_found_there_and_not_written_again(
    network,  # noqa: F811
    monkeypatch,
):
    backend, config = network
    outbox = config.email.outbox
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "organizers")
        send_digests(backend, config, now=NOW)
    eml = outbox / "organizers-2026-W48-1.eml"
    written = (eml.read_bytes(), eml.stat().st_mtime_ns)
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert outcomes(second) == {"organizers": "already sent", "volunteer": "sent", "public": "sent"}
    assert (eml.read_bytes(), eml.stat().st_mtime_ns) == written  # not written again
    assert sorted(p.name for p in outbox.glob("*.eml")) == [
        "organizers-2026-W48-1.eml",
        "public-2026-W48-1.eml",
        "volunteer-2026-W48-P0001.eml",
    ]
    rows = {r["steps"]: r for r in send_log(backend, config)}
    assert rows["organizers 2026-W48"]["outcome"] == "sent"
    assert rows["organizers 2026-W48"]["message"] == (
        f"{eml} (found there after a run stopped) (Message-ID {ORGANIZERS_ID})"
    )
    assert len(rows) == 3 and not (config.state_dir / "sent.jsonl").exists()


def stop_before_the_outbox_writes(backend, config, monkeypatch) -> None:
    """A week's digests sent to the outbox, the run stopping as the first is handed over:
    noted as pending, never written."""

    def stopped(self, message, label):
        raise Killed("stopped before writing")

    with monkeypatch.context() as patch, pytest.raises(Killed):
        patch.setattr(Outbox, "send", stopped)
        send_digests(backend, config, now=NOW)


def test_outbox_a_stop_before_the_file_was_written_sends_it_on_the_next_run(
    network,  # noqa: F811
    monkeypatch,
):
    """Noted as pending, then stopped before the outbox had it: not there, so not handed
    over, so the next run sends it (once)."""
    backend, config = network

    stop_before_the_outbox_writes(backend, config, monkeypatch)
    assert [line["label"] for line in read_journal(config.state_dir / "sent.jsonl").in_doubt] == [
        "organizers-2026-W48-1"
    ]
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert set(outcomes(second).values()) == {"sent"}
    assert len(list(config.email.outbox.glob("*.eml"))) == 3
    assert sorted(r["outcome"] for r in send_log(backend, config)) == ["sent"] * 3


# --- a full disk, no permission, a read-only disk ---


class _FillsUp:
    """A file that takes half of what is written, then fails as a full disk does (or
    the process stops there, when `error` is an exception)."""

    def __init__(self, handle, error: int | BaseException) -> None:
        self.handle, self.error = handle, error

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        if isinstance(self.error, BaseException):
            raise self.error
        raise OSError(self.error, os.strerror(self.error))

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def failing_writes(monkeypatch, error: int | BaseException, name: str) -> None:
    """Writing a file whose name holds `name` (itself, or a temporary for it) fails half
    way with `error`."""
    open_private = files.open_private

    def opening(path, mode="w", **kwargs):
        handle = open_private(path, mode, **kwargs)
        return _FillsUp(handle, error) if name in path.name else handle

    monkeypatch.setattr(files, "open_private", opening)


@pytest.mark.parametrize(
    ("error", "said", "advice"),
    [
        (errno.ENOSPC, "No space left on device", "free some space on the disk that holds it"),
        (errno.EACCES, "Permission denied", "check that you may write to it (its permissions)"),
        (
            errno.EROFS,
            "Read-only file system",
            "mount that disk writable, or choose another folder",
        ),
    ],
)
@pytest.mark.parametrize("which", ["organizers-2026-W48-1.eml", "organizers-2026-W48-1.html"])
def test_outbox_a_write_that_fails_leaves_nothing_and_the_next_run_sends_it_once(
    network,  # noqa: F811
    monkeypatch,
    error,
    said,
    advice,
    which,
):
    backend, config = network
    outbox = config.email.outbox
    with monkeypatch.context() as patch:
        failing_writes(patch, error, which)
        first = send_digests(backend, config, now=NOW)
    assert outcomes(first) == {"organizers": "failed", "volunteer": "sent", "public": "sent"}
    [failed] = [d for d in first if d.outcome == "failed"]
    assert failed.detail == (
        f"The digest organizers-2026-W48-1 could not be written to the outbox folder {outbox} "
        f"({said}), so it was not sent and nothing of it was left there: {advice} ([email] "
        "outbox in sheetsync.toml sets the folder). It will be written on the next run."
    )
    # Nothing of the organizers' digest: no .eml, no temporary, no .html or chart alone.
    assert sorted(p.name for p in outbox.iterdir()) == [
        "public-2026-W48-1.eml",
        "public-2026-W48-1.html",
        "volunteer-2026-W48-P0001.eml",
        "volunteer-2026-W48-P0001.html",
    ]
    assert [r["outcome"] for r in send_log(backend, config) if r["steps"].startswith("org")] == [
        "failed"
    ]
    # Space freed (the patch is gone): the next run.
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert outcomes(second) == {
        "organizers": "sent",
        "volunteer": "already sent",
        "public": "already sent",
    }
    assert len(list(outbox.glob("organizers-*.eml"))) == 1
    assert not list(outbox.glob(".*"))
    parsed = email.message_from_bytes(
        (outbox / "organizers-2026-W48-1.eml").read_bytes(), policy=email.policy.default
    )
    assert str(parsed["Message-ID"]) == ORGANIZERS_ID and parsed.get_body() is not None


def test_a_run_stopped_while_writing_the_eml_leaves_no_eml_and_the_next_writes_it_whole(
    network,  # noqa: F811
    monkeypatch,
):
    backend, config = network
    outbox = config.email.outbox
    with monkeypatch.context() as patch, pytest.raises(Killed):
        failing_writes(
            patch, Killed("power cut half way through the .eml"), "organizers-2026-W48-1.eml"
        )
        send_digests(backend, config, now=NOW)
    assert not list(outbox.glob("*.eml"))  # half an .eml is never under its own name
    second = send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    assert set(outcomes(second).values()) == {"sent"}
    parsed = email.message_from_bytes(
        (outbox / "organizers-2026-W48-1.eml").read_bytes(), policy=email.policy.default
    )
    chart = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert str(parsed["Message-ID"]) == ORGANIZERS_ID and len(chart) == 1  # whole
    assert len(list(outbox.glob("*.eml"))) == 3 and not list(outbox.glob(".*"))


def test_a_temporary_a_killed_run_left_in_the_outbox_is_cleared_by_the_next_write(tmp_path):
    leftover = tmp_path / ".public-2026-W48-1.eml.4242.tmp"
    leftover.write_bytes(b"From: half")
    other = tmp_path / ".public-2026-W48-10.eml.4242.tmp"  # another digest's: not ours
    other.write_bytes(b"From: half")
    digest = deliver.Digest(
        "public", "b@example.org", "", _public_rendered(), "public-1"
    )  # a minimal digest
    message = deliver.build_message(
        digest.rendered, sender="a@example.org", to=digest.to, message_id="<p@sheetsync>"
    )
    Outbox(tmp_path).send(message, "public-2026-W48-1")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".public-2026-W48-10.eml.4242.tmp",
        "public-2026-W48-1.eml",
        "public-2026-W48-1.html",
    ]


def _public_rendered():
    from sheetsync.digest.content import PublicSummary
    from sheetsync.digest.render import render

    return render("public", PublicSummary("Net", "2026-W48", "0", "0", "0", "0", "0", {}))


# --- the send journal: a line cut short ---


def test_a_journal_line_cut_short_loses_neither_it_nor_the_next_line(tmp_path):
    path = tmp_path / "sent.jsonl"
    first = pending_line("<a@sheetsync>", "public-2026-W48-1", "public", "2026-W48", "x", "p-1")
    with open_journal(path) as record:
        record(first)
    with path.open("ab") as journal:  # the sent row, cut short by a power cut
        journal.write(b'{"run_id": "M20261123-090000-001", "job": "dig')
    second = pending_line(
        "<b@sheetsync>", "organizers-2026-W48-1", "organizers", "2026-W48", "y", ""
    )
    with open_journal(path) as record:
        record(second)
    journal = read_journal(path)
    # The first is in doubt (its row was cut), the second too; neither is lost.
    assert [line["pending"] for line in journal.in_doubt] == ["<a@sheetsync>", "<b@sheetsync>"]
    assert journal.rows == []
    assert path.read_bytes().count(b"\n") == 3


def test_a_journal_that_cannot_be_written_stops_the_sending_with_what_to_do(
    network,  # noqa: F811
    monkeypatch,
):
    """A full disk under the journal: no email goes that cannot be noted first."""
    backend, config = network
    import sheetsync.digest.journal as journal

    class FullDisk:
        """The os module as the journal sees it, on a full disk."""

        def write(self, fd, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(os, name)

    monkeypatch.setattr(journal, "os", FullDisk())
    with pytest.raises(deliver.DeliveryError) as raised:
        send_digests(backend, config, now=NOW)
    assert str(raised.value) == (
        f"The send journal {config.state_dir / 'sent.jsonl'} cannot be written (No space left "
        "on device), so sheetsync stopped sending: it notes each email before and after it "
        "goes, and sends none it cannot note. Free some space on that disk and check that "
        "the folder can be written ([schedule] state_dir in sheetsync.toml moves it); the "
        "next run sends the rest, and checks the one it was sending."
    )
    assert not config.email.outbox.exists() or not list(config.email.outbox.iterdir())


# --- stops at random points, run after run ---


class Stops:
    """A transport around the real one that stops the process at a chosen point."""

    def __init__(self, transport, journal: Path, rng: random.Random, chance: float, handed):
        self.transport, self.journal, self.rng, self.chance = transport, journal, rng, chance
        self.handed = handed  # label -> how many times the real transport took it

    def send(self, message, label):
        where = self.rng.choice(["before", "after", "cut", "none", "none"])
        if where == "before" and self.rng.random() < self.chance:
            raise Killed("before handing over")
        sent = self.transport.send(message, label)
        self.handed[label] += 1
        if where == "after" and self.rng.random() < self.chance:
            raise Killed("after handing over, before the note")
        if where == "cut" and self.rng.random() < self.chance:
            with self.journal.open("ab") as cut:  # the note, cut short
                cut.write(b'{"run_id": "M2026')
            raise Killed("while noting")
        return sent

    def find(self, message_id, label):
        return self.transport.find(message_id, label)


def stop_writing_the_log_sometimes(monkeypatch, backend, rng, chance) -> None:
    apply = backend.apply

    def maybe(changes, formats=None):
        if rng.random() < chance:
            raise Killed("before the Run log write")
        applied = apply(changes, formats)
        if rng.random() < chance:
            raise Killed("after the Run log write, before the journal is removed")
        return applied

    monkeypatch.setattr(backend, "apply", maybe)


def run_until_done(backend, config, transport, rng, week: dt.datetime, digests, handed):
    journal = config.state_dir / "sent.jsonl"
    for attempt in range(12):
        chance = 0.5 if attempt < 8 else 0.0  # stops become rarer, then stop
        try:
            return send_digests(
                backend,
                config,
                digests,
                now=week + dt.timedelta(minutes=attempt),
                transport=Stops(transport, journal, rng, chance, handed),
            )
        except Killed:
            continue
    raise AssertionError("never finished")


@pytest.mark.parametrize("kind", ["outbox", "smtp"])
def test_stops_anywhere_run_after_run_never_send_a_digest_twice_nor_forget_one(
    network,  # noqa: F811
    mail_server,
    monkeypatch,
    kind,
):
    """Each week, runs stop at random points (before or after handing an email over, while
    noting it, around the Run log write) until one finishes. Over SMTP every digest
    reaches the server at most once, and each is sent (received once) or unconfirmed
    (received at most once); into the outbox each is written exactly once, and sent.
    Seeded, so a failure can be replayed (hypothesis is not among the dev tools)."""
    backend, config = network
    inbox, port, cert = mail_server
    if kind == "smtp":
        smtp = {"host": "127.0.0.1", "port": port, "security": "starttls", "cafile": str(cert)}
        config = dataclasses.replace(config, email=dataclasses.replace(config.email, smtp=smtp))
    transport = deliver.transport_for(config)
    unconfirmed = 0
    handed = collections.Counter()
    for seed in range(10):
        rng = random.Random(seed)
        week = NOW + dt.timedelta(days=7 * seed)
        digests = build_digests(backend, config, week)
        with monkeypatch.context() as patch:
            stop_writing_the_log_sometimes(patch, backend, rng, 0.2)
            final = run_until_done(backend, config, transport, rng, week, digests, handed)
        period = f"{week:%G-W%V}"
        for d in final:
            message_id = message_id_for(config.network_name, _label(d, period))
            assert handed[_label(d, period)] <= 1, (seed, d)  # handed over at most once
            if kind == "smtp":
                received = inbox.count(message_id)
                assert received <= 1, (seed, d)
                assert d.outcome in ("sent", "already sent", "unconfirmed"), (seed, d)
                if d.outcome != "unconfirmed":
                    assert received == 1, (seed, d)
                unconfirmed += d.outcome == "unconfirmed"
            else:
                assert d.outcome in ("sent", "already sent"), (seed, d)
                assert handed[_label(d, period)] == 1, (seed, d)  # exactly once
                [eml] = config.email.outbox.glob(f"{_label(d, period)}.eml")
                assert str(email.message_from_bytes(eml.read_bytes())["Message-ID"]) == message_id
        rows = [r for r in send_log(backend, config) if r["steps"].endswith(period)]
        settled = {(r["steps"], r["changes"]) for r in rows if r["outcome"] != "failed"}
        assert len(settled) == len(digests), seed  # every digest sent or unconfirmed
    if kind == "outbox":
        assert len(list(config.email.outbox.glob(".*"))) == 0  # no temporary left
    else:
        assert unconfirmed > 0  # the seeds do stop after a hand-over


def _label(delivery, period: str) -> str:
    who = delivery.recipient.removeprefix(f"{delivery.audience}-")
    return f"{delivery.audience}-{period}-{who}"


def test_journal_rows_name_the_recipient_by_id_only_outside_changes(by_smtp, monkeypatch):
    """The Message-ID and the label in the journal and the Run log message have no address."""
    backend, config, _ = by_smtp
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "public")
        send_digests(backend, config, now=NOW)
    lines = (config.state_dir / "sent.jsonl").read_text().splitlines()
    for line in map(json.loads, lines):
        for key, value in line.items():
            if key != "changes":  # the address, as the Run log's changes column has it
                assert "@example" not in value.replace("@sheetsync", ""), (key, value)


def test_an_unconfirmed_digest_is_in_the_next_organizers_digest_once(by_smtp, monkeypatch):
    backend, config, _ = by_smtp
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "public")  # the organizers' went, noted
        send_digests(backend, config, now=NOW)
    send_digests(backend, config, now=NOW + dt.timedelta(hours=1))
    week = NOW + dt.timedelta(days=7)
    [organizers] = [d for d in build_digests(backend, config, week) if d.audience == "organizers"]
    assert "Runs that failed" in organizers.rendered.text
    assert (
        "Unconfirmed: a run stopped after handing the digest public-2026-W48-1 to the mail "
        "server, before noting its answer" in organizers.rendered.text
    )
    assert "news@example.org" not in organizers.rendered.text
    send_digests(backend, config, now=week)
    [later] = [
        d
        for d in build_digests(backend, config, week + dt.timedelta(days=7))
        if d.audience == "organizers"
    ]
    assert "public-2026-W48-1" not in later.rendered.text  # told once


def test_ssl_from_the_start_keeps_the_servers_answer_too(tmp_path):
    """security = "ssl" (port 465): TLS from the first byte; DATA's answer is kept."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = QueuingInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        client = Smtp(SmtpSettings("127.0.0.1", port, security="ssl", cafile=str(cert)))
        message = deliver.build_message(
            _public_rendered(), sender="a@example.org", to="b@example.org", message_id="<s@x>"
        )
        where = client.send(message, "public-2026-W48-1")
    finally:
        controller.stop()
    assert where == f"smtp://127.0.0.1:{port} 250 2.0.0 Ok: queued as Q0001"
    assert [str(m["Message-ID"]) for m in inbox.messages] == ["<s@x>"]


def test_a_digest_left_in_doubt_last_week_is_reported_by_this_weeks_run(by_smtp, monkeypatch):
    """The next run is a week later: last week's email in doubt is still settled and shown
    (with its own week), and this week's digests go as usual."""
    backend, config, inbox = by_smtp
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "organizers")
        send_digests(backend, config, now=NOW)
    later = send_digests(backend, config, now=NOW + dt.timedelta(days=7))
    shown = sorted((d.audience, d.period, d.outcome) for d in later)
    assert shown == [
        ("organizers", "2026-W48", "unconfirmed"),
        ("organizers", "2026-W49", "sent"),
        ("public", "2026-W49", "sent"),
        ("volunteer", "2026-W49", "sent"),
    ]
    assert inbox.count(ORGANIZERS_ID) == 1


def test_an_outbox_digest_never_written_before_its_week_ended_is_a_failed_delivery(
    network,  # noqa: F811
    monkeypatch,
):
    backend, config = network

    stop_before_the_outbox_writes(backend, config, monkeypatch)
    later = send_digests(backend, config, now=NOW + dt.timedelta(days=7))
    [old] = [d for d in later if d.period == "2026-W48"]
    assert (old.audience, old.outcome) == ("organizers", "failed")
    assert old.detail == (
        "The digest organizers-2026-W48-1 was not handed over: a run stopped just before, "
        "and its week is over. `sheetsync digest` sends only the current week's digests."
    )
    assert not list(config.email.outbox.glob("*-2026-W48-*.eml"))


def test_a_resend_in_the_same_second_as_the_send_gets_its_own_send_log_row(by_smtp):
    """Send log rows are keyed by run_id, and a row whose id the Run log holds is taken for
    one written already: a second send in the same second must not reuse the first's id."""
    backend, config, inbox = by_smtp
    first = send_digests(backend, config, now=NOW)
    again = send_digests(backend, config, now=NOW, resend=["organizers-2026-W48-1"])

    assert outcomes(again) == {"organizers": "sent"}
    rows = send_log(backend, config)
    assert len(rows) == len(first) + 1 == len(inbox.messages)
    assert len({r["run_id"] for r in rows}) == len(rows)
    assert sum(r["steps"] == "organizers 2026-W48" for r in rows) == 2
