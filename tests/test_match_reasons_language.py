"""The Tasks tab's `reasons` in the network's language (translation.tab_language): why a
volunteer was matched, a first task's co-volunteer, a withdrawal, an expiry and a continuing
volunteer's agreement. Every message has its translation in each catalog, English reads as
it always has, and what sheetsync reads back from a reasons cell (the day a proposal
expired, the task a continuing volunteer agreed on) is understood in every language it
writes: a network may switch language between the run that wrote a cell and the one that
reads it."""

from __future__ import annotations

import datetime as dt
import email
import string
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from babel.messages.catalog import Catalog
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.board.claims import BOARD_REASON, CLAIMED, _claimed
from sheetsync.config import MatchingConfig
from sheetsync.followup.model import task_ref, task_ref_in
from sheetsync.match.eligibility import Need, Volunteer, why
from sheetsync.match.expire import apply_expiries, expired_on, reason
from sheetsync.match.reason_words import duration_in
from sheetsync.match.withdraw import CO_VOLUNTEER_OFF, Withdrawal, apply_withdrawals
from sheetsync.recur.continuing import carried_agreement, continuing_reasons
from sheetsync.recur.series import CONTINUES, CONTINUES_OTHER, Recurrence
from sheetsync.translation import available_languages, translate
from tests.conftest import init_demo
from tests.tab_catalog import (
    KEYWORDS,
    SHEETSYNC,
    TASK_REASON_MODULES,
    messages_in,
    msgid_of,
    placeholder_problems,
    untranslated,
)
from tests.test_docs import as_pattern, catalog

# The modules that word the Tasks tab's reasons, with the help words of a series, a board
# claim's task and the follow-up's name for a task without an id.
REASONS_MODULES = [
    *TASK_REASON_MODULES,
    SHEETSYNC / "recur" / "series.py",
    SHEETSYNC / "board" / "claims.py",
    SHEETSYNC / "followup" / "model.py",
]
# Without `t` (a partial of translate in some modules): board/claims.py calls its tasks t,
# and t["task_id"] is no message.
REASONS_KEYWORDS = {k: v for k, v in KEYWORDS.items() if k != "t"}
OTHER_LANGUAGES = sorted(available_languages() - {"en"})
TODAY = dt.date(2026, 11, 24)


@cache
def reasons_messages() -> list[str | tuple[str, str]]:
    """Every message the reasons' modules write, found by Babel's extractor."""
    return messages_in(REASONS_MODULES, REASONS_KEYWORDS)


def test_the_extractor_finds_the_reasons_messages() -> None:
    found = reasons_messages()
    assert "offers %(help)s" in found
    assert ("%(num)s task in recent weeks", "%(num)s tasks in recent weeks") in found
    assert "continues the weekly help of %(series)s (agreed on %(task)s)" in found
    assert "expired %(day)s: no answer within %(limit)s" in found
    assert "withdrawn %(day)s: checked in red" in found


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_reasons_message_has_its_translation(language: str) -> None:
    assert untranslated(reasons_messages(), language) == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_reasons_translation_keeps_its_placeholders(language: str) -> None:
    assert placeholder_problems(reasons_messages(), language) == []


# ------------------------------------------------------------------ why a match


RIDES = Need("N0001", "P0001", "Rides", "Southside", {"Spanish"}, {"Weekends"}, "today", 2)
DRIVER = Volunteer(
    "P0002", {"Rides"}, {"Spanish", "English"}, "Southside", {"Weekends"}, True, 2, 1
)
CONFIG = MatchingConfig()


def test_a_match_reads_in_english_as_it_always_has() -> None:
    assert why(RIDES, DRIVER, CONFIG) == [
        "offers Rides",
        "speaks Spanish",
        "same zone (Southside)",
        "free weekends",
        "has a car",
        "1 task in recent weeks",
    ]
    assert why(RIDES, DRIVER, CONFIG, "en") == why(RIDES, DRIVER, CONFIG)


def test_a_match_reads_in_spanish_with_the_forms_words() -> None:
    assert why(RIDES, DRIVER, CONFIG, "es") == [
        "ofrece Transporte",
        "habla Español",
        "misma zona (Southside)",
        "disponible: fines de semana",
        "tiene coche",
        "1 tarea en las últimas semanas",
    ]


def test_several_languages_are_joined_as_the_language_joins_them() -> None:
    need = Need("N0001", "P0001", "Groceries", "Northside", {"Spanish", "Chinese"}, set(), "", 0)
    helper = Volunteer(
        "P0002", {"Groceries"}, {"Spanish", "Chinese"}, "Eastside", set(), False, 2, 3
    )
    config = MatchingConfig(neighbours={"Northside": ("Eastside",)})
    assert why(need, helper, config) == [
        "offers Groceries",
        "speaks Chinese and Spanish",
        "neighbouring zone (Eastside)",
        "3 tasks in recent weeks",
    ]
    spanish = why(need, helper, config, "es")
    assert spanish[0] == "ofrece Comida"
    assert spanish[1].startswith("habla ") and " y " in spanish[1]
    assert spanish[2:] == ["zona vecina (Eastside)", "3 tareas en las últimas semanas"]


# ------------------------------------------------------------------ withdrawn, expired


def _task(reasons: str = "offers Groceries") -> dict[str, str]:
    return {
        "task_id": "T0001",
        "need_id": "N0001",
        "volunteer_id": "P0002",
        "co_volunteer_id": "P0003",
        "status": "proposed",
        "reasons": reasons,
    }


@pytest.mark.parametrize(
    ("withdrawal", "english", "spanish"),
    [
        (
            Withdrawal(0, "P0002", "P0002", False, "checked in red"),
            "withdrawn 2026-11-24: checked in red",
            "retirada el 2026-11-24: su chequeo está en rojo",
        ),
        (
            Withdrawal(0, "P0002", "P0002", False, "marked do not contact"),
            "withdrawn 2026-11-24: marked do not contact",
            "retirada el 2026-11-24: marcado para no contactar",
        ),
        (
            Withdrawal(0, "P0002", "P0002", False, "", (2, False)),
            "withdrawn 2026-11-24: no room left this week (capacity 2 a week)",
            "retirada el 2026-11-24: sin hueco esta semana (capacidad de 2 por semana)",
        ),
        (
            Withdrawal(0, "P0003", "P0003", True, "checked in red"),
            "a co-volunteer was taken off 2026-11-24: no longer available",
            "se quitó a un co-voluntario el 2026-11-24: ya no está disponible",
        ),
    ],
)
def test_a_withdrawal_says_why_in_the_networks_language(
    withdrawal: Withdrawal, english: str, spanish: str
) -> None:
    for language, said in (("en", english), ("es", spanish)):
        tasks = [_task()]
        apply_withdrawals(tasks, [withdrawal], TODAY, language)
        assert tasks[0]["reasons"] == f"offers Groceries; {said}"
    assert translate("en", CO_VOLUNTEER_OFF, day="2026-11-24") == (
        "a co-volunteer was taken off 2026-11-24: no longer available"
    )


@pytest.mark.parametrize(
    ("limit", "english", "spanish"),
    [
        (dt.timedelta(days=1), "1 day", "1 día"),
        (dt.timedelta(days=3), "3 days", "3 días"),
        (dt.timedelta(hours=1), "1 hour", "1 hora"),
        (dt.timedelta(hours=4), "4 hours", "4 horas"),
        (dt.timedelta(hours=1.5), "1.5 hours", "1,5 horas"),
        # English as the Tasks tab said it before languages (config_followup.duration_label)
        (dt.timedelta(days=1000), "1000 days", "1.000 días"),
    ],
)
def test_an_expiry_names_its_limit_in_the_networks_language(
    limit: dt.timedelta, english: str, spanish: str
) -> None:
    assert duration_in(limit, "en") == english
    assert duration_in(limit, "es") == spanish
    assert reason(TODAY, limit) == f"expired 2026-11-24: no answer within {english}"
    assert reason(TODAY, limit, "es") == f"caducada el 2026-11-24: sin respuesta en {spanish}"


def test_the_day_a_task_expired_is_read_back_after_the_language_changed() -> None:
    english, spanish = _task(), _task()
    english["reasons"] = "offers Groceries; expired 2026-11-20: no answer within 3 days"
    english["status"] = "expired"
    apply_expiries([spanish], [], TODAY, "es")  # nothing expiring: nothing changes
    assert spanish["reasons"] == "offers Groceries"
    spanish["status"] = "expired"
    spanish["reasons"] = "ofrece Comida; " + reason(TODAY, dt.timedelta(days=1), "es")
    assert expired_on(english) == dt.date(2026, 11, 20)
    assert expired_on(spanish) == TODAY
    # Both, as a cell reads after a switch: the latest said.
    both = {**spanish, "reasons": english["reasons"] + "; " + reason(TODAY, dt.timedelta(1), "es")}
    assert expired_on(both) == TODAY
    # Words in the middle of a reason are not an expiry's.
    other = {**spanish, "reasons": "ofrece Comidacaducada el 2026-11-24: sin respuesta en 1 día"}
    assert expired_on(other) is None


@given(
    language=st.sampled_from(sorted(available_languages())),
    day=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    hours=st.integers(1, 24 * 60),
    before=st.sampled_from(["", "offers Groceries", "ofrece Comida; habla Español"]),
)
def test_the_expiry_day_is_read_back_in_every_language(
    language: str, day: dt.date, hours: int, before: str
) -> None:
    task = _task(before)
    task["status"] = "expired"
    note = reason(day, dt.timedelta(hours=hours), language)
    task["reasons"] = "; ".join(filter(None, [before, note]))
    assert expired_on(task) == day


# ------------------------------------------------------------------ continuing volunteers


def test_a_continuing_task_reads_in_english_as_it_always_has() -> None:
    said = continuing_reasons(CONTINUES[Recurrence.EVERY_WEEK], "N0004", "T0007", "en")
    assert said == "continues the weekly help of N0004 (agreed on T0007)"
    assert carried_agreement(said) == "T0007"


def test_a_continuing_task_reads_in_spanish() -> None:
    said = continuing_reasons(CONTINUES[Recurrence.EVERY_TWO_WEEKS], "N0004", "T0007", "es")
    assert said == "continúa la ayuda quincenal de N0004 (acordado en T0007)"
    assert carried_agreement(said) == "T0007"
    assert carried_agreement("offers Groceries; " + said) is None  # the whole cell only
    assert carried_agreement("ofrece Comida") is None


IDS = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)


@given(
    written_in=st.sampled_from(sorted(available_languages())),
    help_words=st.sampled_from([*CONTINUES.values(), CONTINUES_OTHER]),
    series=IDS,
    agreed_on=IDS,
)
def test_the_agreement_is_read_back_whatever_language_wrote_it(
    written_in: str, help_words: str, series: str, agreed_on: str
) -> None:
    said = continuing_reasons(help_words, series, agreed_on, written_in)
    assert carried_agreement(said) == agreed_on


# ------------------------------------------------------------------ the follow-up's task names


def test_a_task_without_an_id_is_named_in_the_emails_language() -> None:
    assert task_ref("", 19) == "Tasks row 19"  # the key the follow-up matches on stays
    assert task_ref_in("Tasks row 19", "en") == "Tasks row 19"
    assert task_ref_in("Tasks row 19", "es") == "fila 19 de Tasks"
    assert task_ref_in("T0019", "es") == "T0019"


# ------------------------------------------------------------------ the Spanish demo


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-reasons")
    init_demo(folder, "--history", "3", "--language", "es")
    return folder


def _english_in_spanish() -> list[str]:
    """The reasons' English messages (each plural form) Spanish words otherwise."""
    words = catalog("es")
    assert isinstance(words, Catalog)
    found = []
    for message in reasons_messages():
        entry = words.get(msgid_of(message))
        assert entry is not None
        ids = message if isinstance(message, tuple) else (message,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        found += [i for i, s in zip(ids, strings, strict=True) if s != i]
    return found


def test_the_spanish_demos_tasks_reasons_have_no_english(spanish: Path) -> None:
    book = openpyxl.load_workbook(spanish / "network.xlsx", read_only=True)
    rows = list(book["Tasks"].iter_rows(values_only=True))
    column = rows[0].index("reasons")
    cells = [str(r[column]) for r in rows[1:] if r[column]]
    assert len(cells) > 20
    assert any(c.startswith("ofrece ") for c in cells)
    patterns = [as_pattern(m) for m in _english_in_spanish()]
    english = [(c, p.pattern) for c in cells for p in patterns if p.search(c)]
    assert english == []


def test_the_spanish_demos_emails_name_no_tasks_row_in_english(spanish: Path) -> None:
    for path in sorted((spanish / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode("utf-8")
                if "Necesidad" in text:
                    assert "Tasks row" not in text


# ------------------------------------------------------------------ a claim on the board


@pytest.mark.parametrize("written_in", sorted(available_languages()))
def test_a_claims_task_is_known_in_every_language(written_in: str) -> None:
    said = translate(written_in, CLAIMED, board="B0043")
    assert _claimed(f"{said}; offers Rides")
    assert not _claimed(f"offers Rides; {said}")  # only as a claim's task starts
    assert translate("en", CLAIMED, board="B0043") == f"{BOARD_REASON} (B0043)"
    assert translate("es", CLAIMED, board="B0043") == "tomada en el tablero de voluntariado (B0043)"
