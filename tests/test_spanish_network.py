"""A Spanish-language network end to end: `sheetsync init --demo --language es` with weeks
of history, then the weekly job. Every email sheetsync writes in Spanish is checked for
English left in it: a message of the catalog that Spanish translates, or a category or
urgency named as the English form does."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetsync.cli import cli
from sheetsync.form_languages import form_language
from sheetsync.schema import load_schemas
from tests.test_docs import as_pattern, translated


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-network")
    config = folder / "sheetsync.toml"
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "--config",
            str(config),
            "init",
            "--workbook",
            str(folder / "network.xlsx"),
            "--demo",
            "--history",
            "3",
            "--language",
            "es",
        ],
    )
    assert made.exit_code == 0, made.output
    ran = runner.invoke(cli, ["--config", str(config), "run", "weekly"])
    assert ran.exit_code == 0, ran.output
    return folder


def _parts(path: Path) -> tuple[Message, str, str]:
    message = email.message_from_bytes(path.read_bytes())
    texts = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            texts[part.get_content_type()] = part.get_payload(decode=True).decode("utf-8")
    return message, texts["text/plain"], texts.get("text/html", "")


# Sections that quote what sheetsync wrote on the Summary and Load tabs (a network-wide
# note, a member's flags and next steps): those tabs' texts are English in every network
# for now, so these lines are left out of the checks below and named in the note.
_QUOTING_TABS = ("Para toda la red", "Personas que quizá cargan con demasiado")


def _own_words(text: str) -> str:
    """An email's text without the sections that quote the tabs' notes."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line in _QUOTING_TABS:
            skipping = True
        elif skipping and not line.startswith("- "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def _spanish_emails(folder: Path) -> dict[str, tuple[str, str, str]]:
    """Each Spanish email of the outbox: its subject, text and HTML."""
    found = {}
    for path in sorted((folder / "outbox").glob("*.eml")):
        message, text, html = _parts(path)
        if re.search(r'<html lang="es"', html):
            found[path.name] = (str(message["Subject"]), _own_words(text), html)
    return found


def test_the_organizers_and_the_public_get_spanish_emails(spanish: Path) -> None:
    emails = _spanish_emails(spanish)
    kinds = {name.split("-")[0] for name in emails}
    assert {"organizers", "public", "alerts"} <= kinds


def test_no_english_message_is_left_in_a_spanish_email(spanish: Path) -> None:
    pairs = translated("es")
    assert len(pairs) > 100
    for name, (subject, text, _) in _spanish_emails(spanish).items():
        for msgid, _msgstr in pairs:
            for part, shown in (("subject", subject), ("text", text)):
                assert not as_pattern(msgid).search(shown), f"{name} {part}: {msgid!r} left"


def test_a_spanish_email_names_the_help_in_spanish(spanish: Path) -> None:
    requests = load_schemas()["requests"]
    words = form_language("es")
    english = [
        option
        for field in ("categories", "urgency")
        for option in requests.field(field).enum or ()
        if words.answer("requests", requests.field(field), option) != option
    ]
    assert "Groceries" in english and "When someone can" in english
    named = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, english)) + r")(?![\w-])")
    checked = 0
    for name, (_, text, _html) in _spanish_emails(spanish).items():
        left = named.findall(text)
        assert left == [], f"{name}: {sorted(set(left))}"
        checked += "Comida" in text or "Transporte" in text or "Hoy" in text
    assert checked > 0  # the check saw help named in Spanish


def test_the_quoted_sections_are_left_out_and_nothing_else() -> None:
    text = "A\nPara toda la red\n- an English note\n- another\n\nEnviado por sheetsync."
    assert _own_words(text) == "A\n\nEnviado por sheetsync."
