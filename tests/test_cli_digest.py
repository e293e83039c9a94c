"""`sheetsync digest`: an unconfirmed digest is told with what to check (exit 1), and
--resend sends it again on purpose (exit 0); a label that is not this week's is a usage
error (exit 2). Against the real SMTP server on 127.0.0.1 of test_digest_once.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.digest.content import period_of
from sheetsync.digest.journal import pending_line
from sheetsync.digest.mail import message_id_for
from sheetsync.state import local_now
from tests.test_digest_once import mail_server, self_signed  # noqa: F401 (fixtures)


@pytest.fixture
def network(tmp_path, mail_server):  # noqa: F811 (the fixture imported above)
    """An initialised workbook whose organizers' digest goes to the test SMTP server."""
    inbox, port, cert = mail_server
    config = tmp_path / "sheetsync.toml"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--config", str(config), "init", "--workbook", str(tmp_path / "network.xlsx")]
    )
    assert result.exit_code == 0, result.output
    text = config.read_text().replace(
        "organizers = []", 'organizers = ["org@example.org"]\nsender = "a@example.org"', 1
    )
    text = text.replace('sender = "sheetsync@localhost"\n', "", 1)
    text += (
        f'\n[email.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\n'
        f'cafile = "{cert}"\n'
    )
    config.write_text(text)
    return config, inbox


def inbox_port(config_path) -> int:
    smtp = Config.from_file(config_path).email.smtp
    assert smtp is not None
    return int(smtp["port"])


def invoke(config, *args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def left_in_doubt(config_path) -> tuple[str, str]:
    """The send journal as a run leaves it that stopped right after handing the
    organizers' digest over: (its label, its Message-ID)."""
    config = Config.from_file(config_path)
    period = period_of(local_now(config))
    label = f"organizers-{period}-1"
    message_id = message_id_for(config.network_name, label)
    line = pending_line(message_id, label, "organizers", period, "org@example.org", "organizers-1")
    config.state_dir.mkdir(parents=True, exist_ok=True)
    (config.state_dir / "sent.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    return label, message_id


def test_an_unconfirmed_digest_is_told_with_what_to_check_and_resend_sends_it(network):
    config, inbox = network
    label, message_id = left_in_doubt(config)
    period = label.split("-", 1)[1].rsplit("-", 1)[0]
    result = invoke(config, "digest")
    assert result.exit_code == 1
    assert result.stdout == (
        f"unconfirmed  organizers {period} organizers-1 Unconfirmed: a run stopped after "
        f"handing the digest {label} to the mail server, before noting its answer, and SMTP "
        "cannot be asked. Not sent again by itself: look for Message-ID "
        f"{message_id} in the mail server's log (or ask the recipient); if it never "
        f"arrived, send it again within {period}: `sheetsync digest --resend {label}`.\n"
    )
    assert result.stderr.endswith(
        f"sheetsync digest {label} unconfirmed (a run stopped while sending it): look for "
        f"Message-ID {message_id} in the mail server's log; if it never arrived: sheetsync "
        f"digest --resend {label}\n"
    )
    assert inbox.messages == []
    again = invoke(config, "digest")  # not sent by itself, however often it runs
    assert again.exit_code == 1 and inbox.messages == []

    resent = invoke(config, "digest", "--resend", label)
    assert resent.exit_code == 0, resent.output
    port = inbox_port(config)
    assert resent.stdout == (
        f"sent         organizers {period} organizers-1 smtp://127.0.0.1:{port} 250 2.0.0 Ok: "
        "queued as Q0001\n"
    )
    assert [str(m["Message-ID"]) for m in inbox.messages] == [message_id]
    after = invoke(config, "digest")
    assert after.exit_code == 0
    assert after.stdout == f"already sent organizers {period} organizers-1\n"


def test_resend_names_a_digest_of_this_week_or_it_is_a_usage_error(network):
    config, inbox = network
    result = invoke(config, "digest", "--resend", "organizers-2020-W01-1")
    assert result.exit_code == 2
    period = period_of(local_now(Config.from_file(config)))
    assert result.stderr == (
        "Usage: cli digest [OPTIONS]\nTry 'cli digest --help' for help.\n\nError: Invalid "
        "value for --resend: There is no digest organizers-2020-W01-1 this week "
        f"({period}): a digest can be sent again in its own week only, by the label its Run "
        f"log row gives. This week's are: organizers-{period}-1.\n"
    )
    assert inbox.messages == []


def test_under_cron_the_next_tick_settles_it_and_its_warning_is_what_cron_mails(
    network, monkeypatch
):
    """The weekly job killed right after the server took the organizers' digest: tick had
    not recorded the run, so the next tick runs the job again; that run does not send the
    digest again, and says so on stderr, which `tick --quiet` leaves for cron to mail."""
    from sheetsync.scheduling.tick import latest_slot, state_path
    from tests.test_digest_once import Killed, stop_after_handing_over

    config_path, inbox = network
    config = Config.from_file(config_path)
    now = local_now(config)
    monday = latest_slot("0 7 * * 1", now)
    records = {
        "weekly": {"slot": (monday - dt.timedelta(days=7)).isoformat(), "outcome": "ok"},
        "intake": {"slot": latest_slot("15 * * * *", now).isoformat(), "outcome": "ok"},
    }
    state_path(config).parent.mkdir(parents=True, exist_ok=True)
    state_path(config).write_text(json.dumps({"jobs": records}))
    with monkeypatch.context() as patch, pytest.raises(Killed):
        stop_after_handing_over(patch, "organizers")
        invoke(config_path, "--quiet", "tick")
    assert len(inbox.messages) == 1  # the server took it; the journal does not know

    result = invoke(config_path, "--quiet", "tick")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # the job ran: nothing to say on stdout
    label = f"organizers-{period_of(monday)}-1"
    message_id = message_id_for(config.network_name, label)
    assert result.stderr.endswith(
        f"sheetsync digest {label} unconfirmed (a run stopped while sending it): look for "
        f"Message-ID {message_id} in the mail server's log; if it never arrived: sheetsync "
        f"digest --resend {label}\n"
    )
    assert len(inbox.messages) == 1  # not sent again


def test_json_tells_an_unconfirmed_digest_as_an_error_with_its_delivery(network):
    config, _ = network
    _, message_id = left_in_doubt(config)
    result = invoke(config, "digest", "--json")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    assert (printed["ok"], printed["command"], printed["mode"]) == (False, "digest", "send")
    assert printed["error"]["type"] == "DigestNotDelivered"
    assert printed["error"]["exit_code"] == 1
    [delivery] = printed["deliveries"]
    assert (delivery["outcome"], delivery["recipient"]) == ("unconfirmed", "organizers-1")
    assert message_id in delivery["detail"]
    assert "org@example.org" not in result.stdout
