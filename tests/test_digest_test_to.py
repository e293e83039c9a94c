"""`sheetsync digest --test-to ADDRESS`: one sample digest, marked [TEST], through the real
SMTP server on 127.0.0.1 (aiosmtpd, STARTTLS) the digest tests use; never the network's
people, never a Run log row or a send journal line; each failure told in words."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.digest.sample import NOTE
from tests.conftest import FORM_OF, request
from tests.test_digest import self_signed

ADDRESS = "tester@example.org"


class Inbox:
    """Takes every message; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 <" + address + ">: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 2.0.0 Ok: queued as Q0001"


def only_secret(server, session, envelope, mechanism, auth_data):
    """The server's password check: user "sheetsync", password "secret"."""
    ok = auth_data.login == b"sheetsync" and auth_data.password == b"secret"
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture
def server(tmp_path):
    """A real SMTP server on 127.0.0.1: STARTTLS required, then a user and password."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=only_secret,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, controller.port, cert
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def network(tmp_path, server, schemas, monkeypatch):
    """An initialised workbook with Maria's request, organizers listed, and [email.smtp]
    pointing at the test server with user sheetsync (its password in the environment)."""
    inbox, port, cert = server
    config = tmp_path / "sheetsync.toml"
    assert invoke(config, "init", "--workbook", str(tmp_path / "network.xlsx")).exit_code == 0
    store = WorkbookBackend(tmp_path / "network.xlsx")
    row = [request()[name] for name in schemas["requests"].names]
    store.apply([TabChanges(tab=FORM_OF["requests"], start_row=2, append=[row])])
    assert invoke(config, "run", "weekly").exit_code == 0
    text = config.read_text().replace(
        "organizers = []", 'organizers = ["org@example.org"]\nsender = "a@example.org"', 1
    )
    text = text.replace('sender = "sheetsync@localhost"\n', "", 1)
    config.write_text(text + smtp_section(port, cert))
    monkeypatch.setenv("SHEETSYNC_SMTP_PASSWORD", "secret")
    return config, store, inbox


def smtp_section(port: int, cert, *, host: str = "127.0.0.1", cafile: bool = True) -> str:
    ca = f'cafile = "{cert}"\n' if cafile else ""
    return (
        f'\n[email.smtp]\nhost = "{host}"\nport = {port}\nsecurity = "starttls"\n'
        f'user = "sheetsync"\n{ca}'
    )


def invoke(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def with_smtp(config, **kwargs) -> None:
    """Replace the [email.smtp] section."""
    text = config.read_text()
    text = text[: text.index("\n[email.smtp]")]
    config.write_text(text + smtp_section(**kwargs))


def test_it_sends_one_sample_marked_test_and_notes_nothing(network):
    config, store, inbox = network
    state = Config.from_file(config).state_dir
    before = (store.path.read_bytes(), sorted(state.rglob("*")) if state.exists() else [])
    result = invoke(config, "digest", "--test-to", ADDRESS)
    assert result.exit_code == 0, result.output
    port = Config.from_file(config).email.smtp["port"]  # type: ignore[index]
    assert result.stdout == (
        "Sent a test digest (subject starting [TEST]) to the address given: "
        f"smtp://127.0.0.1:{port} 250 2.0.0 Ok: queued as Q0001. Look for it in that inbox "
        "(and its spam folder). It is not noted in the Run log.\n"
    )
    [message] = inbox.messages
    assert message["To"] == ADDRESS and message["From"] == "a@example.org"
    assert message["Subject"].startswith("[TEST] ")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith(NOTE)
    assert NOTE.split(":")[0] in message.get_body(preferencelist=("html",)).get_content()
    for personal in ("Maria", "Garcia", "maria@example.org", "555-0143", "Weekly shop"):
        assert personal not in message.as_string()
    after = (store.path.read_bytes(), sorted(state.rglob("*")) if state.exists() else [])
    assert after == before  # no Run log row, no send journal line
    # The week's real digest is still to send: the test did not count as it.
    assert invoke(config, "digest").stdout.startswith("sent ")


def test_json_says_it_was_sent(network):
    config, _, inbox = network
    result = invoke(config, "digest", "--test-to", ADDRESS, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["ok"], data["mode"], data["sent"]) == (True, "test", True)
    assert data["detail"].endswith("250 2.0.0 Ok: queued as Q0001")
    assert ADDRESS not in result.stdout and len(inbox.messages) == 1


def test_a_wrong_password_is_told_in_words(network, monkeypatch):
    config, _, inbox = network
    monkeypatch.setenv("SHEETSYNC_SMTP_PASSWORD", "wrong")
    result = invoke(config, "digest", "--test-to", ADDRESS)
    assert result.exit_code == 1
    port = Config.from_file(config).email.smtp["port"]  # type: ignore[index]
    assert result.stderr.endswith(
        f"Error: The test email was not sent. The mail server 127.0.0.1:{port} refused the "
        "user name or password (535): check user under [email.smtp] and the password in "
        "$SHEETSYNC_SMTP_PASSWORD.\n"
    )
    assert inbox.messages == []


def test_a_host_not_found_is_told_in_words(network, monkeypatch):
    config, _, _ = network
    with_smtp(config, port=587, cert="", host="mail.nowhere.invalid", cafile=False)

    def not_found(host, *args, **kwargs):  # no DNS lookup leaves the machine
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    result = invoke(config, "digest", "--test-to", ADDRESS, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["exit_code"]) == ("TestEmailError", 1)
    assert error["message"] == (
        "The test email was not sent. The host 'mail.nowhere.invalid' was not found: check "
        "host under [email.smtp] (a typo?) and that this machine is online."
    )


def test_nothing_listening_is_told_in_words(network):
    config, _, _ = network
    port = free_port()
    with_smtp(config, port=port, cert="", cafile=False)
    result = invoke(config, "digest", "--test-to", ADDRESS)
    assert result.exit_code == 1
    assert f"Nothing answers on 127.0.0.1:{port}: check the port" in result.stderr


def test_an_untrusted_certificate_is_told_as_tls(network, server):
    config, _, inbox = network
    _, port, cert = server
    with_smtp(config, port=port, cert=cert, cafile=False)  # the test CA not trusted
    result = invoke(config, "digest", "--test-to", ADDRESS)
    assert result.exit_code == 1
    assert "The mail server's TLS certificate could not be verified (" in result.stderr
    assert "needs cafile under [email.smtp]" in result.stderr
    assert inbox.messages == []


def test_a_refused_address_is_told_without_repeating_it(network):
    config, _, inbox = network
    result = invoke(config, "digest", "--test-to", "someone@refused.example")
    assert result.exit_code == 1
    port = Config.from_file(config).email.smtp["port"]  # type: ignore[index]
    assert result.stderr.endswith(
        f"Error: The test email was not sent. The mail server 127.0.0.1:{port} refused the "
        "address given (550): check it, and whether the server sends to other domains for "
        "you (it may need a user and password).\n"
    )
    assert "refused.example" not in result.stderr and inbox.messages == []


def test_without_smtp_settings_there_is_nothing_to_test(network):
    config, _, _ = network
    text = config.read_text()
    config.write_text(text[: text.index("\n[email.smtp]")])
    result = invoke(config, "digest", "--test-to", ADDRESS)
    assert result.exit_code == 1
    assert "There is no [email.smtp] in sheetsync.toml" in result.stderr


@pytest.mark.parametrize("given", ["tester", "a@b@c", ""])
def test_not_an_address_is_wrong_usage(network, given):
    config, _, inbox = network
    result = invoke(config, "digest", "--test-to", given)
    assert result.exit_code == 2
    assert "give one email address, e.g. you@example.org." in result.stderr
    assert inbox.messages == []


def test_it_is_not_combined_with_preview_or_resend(network):
    config, _, inbox = network
    for other in (["--preview"], ["--resend", "organizers-2026-W48-1"]):
        result = invoke(config, "digest", "--test-to", ADDRESS, *other, "--json")
        assert result.exit_code == 2
        error = json.loads(result.stdout)["error"]
        assert error["message"].startswith("--test-to sends one sample only")
    assert inbox.messages == []
