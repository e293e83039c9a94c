"""A Spanish-language network end to end: `sheetsync init --demo --language es` with weeks
of history, then the weekly job. Every email sheetsync writes in Spanish, and every text it
writes on the Summary and Load tabs (which the organizers' digest quotes), is checked for
English left in it: a message of the catalog that Spanish translates, or a category or
urgency named as the English form does."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path

import openpyxl
import pytest

from sheetsync.form_languages import form_language
from sheetsync.schema import load_schemas
from tests.conftest import init_demo
from tests.test_docs import as_pattern, translated


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-network")
    init_demo(folder, "--history", "3", "--language", "es")
    return folder


def _parts(path: Path) -> tuple[Message, str, str]:
    message = email.message_from_bytes(path.read_bytes())
    texts = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            texts[part.get_content_type()] = part.get_payload(decode=True).decode("utf-8")
    return message, texts["text/plain"], texts.get("text/html", "")


def _spanish_emails(folder: Path) -> dict[str, tuple[str, str, str]]:
    """Each Spanish email of the outbox: its subject, text and HTML."""
    found = {}
    for path in sorted((folder / "outbox").glob("*.eml")):
        message, text, html = _parts(path)
        if re.search(r'<html lang="es"', html):
            found[path.name] = (str(message["Subject"]), text, html)
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


def _english_answers() -> re.Pattern[str]:
    """The request form's categories and urgencies as the English form words them, where
    Spanish words them otherwise, as whole words."""
    requests = load_schemas()["requests"]
    words = form_language("es")
    english = [
        option
        for field in ("categories", "urgency")
        for option in requests.field(field).enum or ()
        if words.answer("requests", requests.field(field), option) != option
    ]
    assert "Groceries" in english and "When someone can" in english
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, english)) + r")(?![\w-])")


def test_a_spanish_email_names_the_help_in_spanish(spanish: Path) -> None:
    named = _english_answers()
    checked = 0
    for name, (_, text, _html) in _spanish_emails(spanish).items():
        left = named.findall(text)
        assert left == [], f"{name}: {sorted(set(left))}"
        checked += "Comida" in text or "Transporte" in text or "Hoy" in text
    assert checked > 0  # the check saw help named in Spanish


# The columns of the Summary and Load tabs that hold sheetsync's texts (the others hold
# figures, dates, ids, names and canonical values such as a check-in's "green").
_TEXTS = {"Summary": ("section", "item", "note"), "Load": ("flags", "reasons", "next_steps")}


def _tab_texts(folder: Path) -> dict[str, list[str]]:
    """Each tab's texts, cell by cell, as the Spanish network's workbook holds them."""
    book = openpyxl.load_workbook(folder / "network.xlsx")
    found: dict[str, list[str]] = {}
    for tab, columns in _TEXTS.items():
        rows = book[tab].iter_rows(values_only=True)
        header = list(next(rows))
        wanted = [header.index(c) for c in columns]
        found[tab] = [str(row[i]) for row in rows for i in wanted if row[i]]
    return found


def test_the_summary_and_load_tabs_hold_no_english_message(spanish: Path) -> None:
    pairs = translated("es")
    texts = _tab_texts(spanish)
    for tab, cells in texts.items():
        for cell in cells:
            for msgid, _msgstr in pairs:
                assert not as_pattern(msgid).search(cell), f"{tab}: {msgid!r} left in {cell!r}"
    # The check saw the tabs' texts in Spanish: a heading, a recruiting note, a flag.
    assert "Necesita atención" in texts["Summary"]
    assert any("no tuvo voluntario" in c or "no tuvieron voluntario" in c for c in texts["Summary"])
    assert any("chequeo pendiente" in c for c in texts["Load"])


def test_the_summary_names_the_help_in_spanish(spanish: Path) -> None:
    named = _english_answers()
    summary = _tab_texts(spanish)["Summary"]
    assert [c for c in summary if named.search(c)] == []
    assert any("Comida" in c for c in summary)
