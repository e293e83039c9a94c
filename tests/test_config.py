"""Config: from_dict/from_file checks every key and value, with messages that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.config import Config, render_config
from sheetsync.errors import ConfigError


def base(**sections):
    data = {"network": {"zones": ["Eastside"]}, "backend": {"workbook": "network.xlsx"}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return data


def test_defaults(tmp_path):
    config = Config.from_dict(base(), base_dir=tmp_path)
    assert config.workbook == tmp_path / "network.xlsx"
    assert config.form_tab("requests") == "Form Responses 1"
    assert config.tabs["run_log"] == "Run log"
    assert (config.default_region, config.timezone, config.locale) == ("US", "UTC", "en_US")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            base(network={"zone": ["x"]}),
            "Unknown setting 'zone' in [network] in the config. Did you mean 'zones'?",
        ),
        ({"network": {}, "backend": {"workbook": "x.xlsx"}}, "zones in the config must list"),
        (base(network={"default_region": "XX"}), "is not a country code"),
        (base(network={"timezone": "Mars/Olympus"}), "is not a known time zone"),
        (base(network={"timezone": "America"}), "is not a known time zone"),  # a folder
        (base(backend={"kind": "dropbox"}), 'use "local"'),
        ({"network": {"zones": ["a"]}}, 'needs workbook = "network.xlsx"'),
        (base(forms={"request": {}}), "Did you mean 'requests'?"),
        (base(forms={"requests": {"columns": {"phone": 3}}}), "maps field names to the question"),
        (base(tabs={"peeple": "Members"}), "Did you mean 'people'?"),
    ],
)
def test_bad_settings_are_explained(data, message):
    with pytest.raises(ConfigError) as err:
        Config.from_dict(data)
    assert message in str(err.value)


def test_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="Create one with `sheetsync init`"):
        Config.from_file(tmp_path / "sheetsync.toml")


def test_bad_toml_names_the_problem(tmp_path):
    path = tmp_path / "sheetsync.toml"
    path.write_text("[network\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        Config.from_file(path)


def test_rendered_config_loads_back(tmp_path):
    path = tmp_path / "sheetsync.toml"
    path.write_text(render_config(backend="local", workbook="network.xlsx"))
    config = Config.from_file(path)
    assert config.workbook == tmp_path / "network.xlsx"
    assert config.zones[0] == "Northside"
    assert config.timezone == "America/Chicago"


@pytest.mark.parametrize(
    ("name", "workbook"),
    [
        ('Pod "7", 2nd floor', "network.xlsx"),
        ("Vecinos \\ Ayuda", "C:\\redes\\red.xlsx"),
        ("Tab\tand\x7fdelete", "network.xlsx"),
    ],
)
def test_init_writes_quotes_and_backslashes_as_valid_toml(
    tmp_path: Path, name: str, workbook: str
) -> None:
    """Names and paths go through TOML string escaping: the file always reads back."""
    path = tmp_path / "sheetsync.toml"
    path.write_text(render_config(backend="local", workbook=workbook, network_name=name))
    config = Config.from_file(path)
    assert config.network_name == name
    assert config.workbook == tmp_path / workbook


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.1.1", "localhost", "LOCALHOST", "::1", "[::1]", "localhost."]
)
def test_smtp_without_encryption_is_accepted_to_this_machine(host):
    smtp = {"host": host, "port": 25, "security": "none"}
    config = Config.from_dict(base(email={"smtp": smtp}))
    assert config.email.smtp == smtp


@pytest.mark.parametrize(
    "host", ["smtp.example.org", "10.0.0.5", "192.168.1.2", "::ffff:8.8.8.8", "localhost.evil.org"]
)
def test_smtp_without_encryption_to_another_host_is_refused_when_the_config_loads(
    tmp_path, host, only_loopback
):
    path = tmp_path / "sheetsync.toml"
    path.write_text(
        render_config(backend="local", workbook="network.xlsx")
        + f'\n[email.smtp]\nhost = "{host}"\nsecurity = "none"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        Config.from_file(path)
    assert str(err.value) == (
        f'[email.smtp] in {path} has security = "none" for host = {host!r}: without '
        "encryption the password and the digests would cross the network in clear text, so "
        '"none" is only for a server on this machine. Use security = "starttls" (port 587) '
        'or "ssl" (port 465), or send through a relay on this machine (host = "127.0.0.1").'
    )
    assert only_loopback == []  # refused before any connection was tried
