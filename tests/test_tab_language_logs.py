"""The Run log, the Changes tab and Needs' recurrence notes in the network's language
(translation.tab_language): every message run_log.py, skip.py, undo.py, changes.py and
recur/ write has its Spanish in the catalog, a Spanish network's tabs hold no English
message, English reads as it always has, and what sheetsync reads back is understood in
any language it writes: undo on a Changes tab written in two languages, recur's own notes
after the network's language changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.changes import HOW_TO_UNDO, ChangeKind, added_records, read_records
from sheetsync.cli import cli
from sheetsync.config import Config, MatchingConfig
from sheetsync.errors import (
    AccessDeniedError,
    ConfigError,
    FormRowsMovedError,
    GoogleUnavailableError,
    MissingColumnError,
    MissingTabError,
    SheetChangedError,
    SheetsyncError,
    StepError,
    WorkbookLockedError,
)
from sheetsync.match.eligibility import Need, Volunteer
from sheetsync.match.volunteers import DO_NOT_CONTACT, RED, RESTING
from sheetsync.recur.continuing import why_not
from sheetsync.recur.series import STOPPED, WAITING, recomputed_starts
from sheetsync.report import RunOutcome, RunReport, TabReport
from sheetsync.run_log import log_values, pending_path, remember_failure
from sheetsync.skip import SKIPPED, SKIPPED_UNTIL
from sheetsync.state import read_state
from sheetsync.steps.recur import KEPT, _own_note, _say
from sheetsync.translation import available_languages, translate
from sheetsync.undo import CellLeft, Undone, _run_report, undo_run
from tests.conftest import make_config, write_cell
from tests.tab_catalog import messages_in, placeholder_problems, untranslated
from tests.test_docs import as_pattern, translated
from tests.test_recurring import friday, hourly, monday, needs, start, weekly

SHEETSYNC = Path(__file__).resolve().parents[1] / "sheetsync"
# The modules that word the Run log's, the Changes tab's and the recurrence notes' texts.
LOG_MODULES = [
    SHEETSYNC / "run_log.py",
    SHEETSYNC / "skip.py",
    SHEETSYNC / "undo.py",
    SHEETSYNC / "changes.py",
    *sorted((SHEETSYNC / "recur").glob("*.py")),
    SHEETSYNC / "steps" / "recur.py",
]
# Where the message is among a call's arguments (Babel's extractor: 1-based; two for a
# plural). These modules bind no `t`: tests/tab_catalog.py's would take t["task_id"].
KEYWORDS = {
    "translate": (2,),
    "translate_plural": (2, 3),
    "gettext_noop": (1,),
    "ngettext_noop": (1, 2),
}
LANGUAGES = sorted(available_languages())


@cache
def log_messages() -> list[str | tuple[str, str]]:
    """Every message the modules write, found in their code by Babel's extractor."""
    return messages_in(LOG_MODULES, KEYWORDS)


# ------------------------------------------------------------------------- the catalog


def test_the_extractor_finds_the_logs_messages() -> None:
    found = log_messages()
    assert len(found) >= 35
    assert {"no changes", HOW_TO_UNDO, STOPPED, WAITING, SKIPPED, KEPT} <= set(found)
    assert ("%(count)s row added", "%(count)s rows added") in found


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_log_message_has_its_translation(language: str) -> None:
    assert untranslated(log_messages(), language) == []


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_log_translation_keeps_its_placeholders(language: str) -> None:
    """Babel's python-format checker: a msgstr names the msgid's %(name)s and no other."""
    assert placeholder_problems(log_messages(), language) == []


# ------------------------------------------------------------------------- the Run log

STARTED = dt.datetime(2026, 12, 4, 7, 0)


def _report(**fields: object) -> RunReport:
    return RunReport(job="weekly", started=STARTED, run_id="R20261204-070000", **fields)


def test_a_run_without_changes_says_so_in_the_language() -> None:
    assert log_values(_report(), "en")["changes"] == "no changes"
    assert log_values(_report(), "es")["changes"] == "sin cambios"
    tabs = [TabReport("Needs", rows_added=2, cells_changed=3)]
    assert log_values(_report(tabs=tabs), "es")["changes"] == "Needs +2 ~3"


def test_a_skipped_runs_message_reads_in_english_as_it_always_has() -> None:
    report = _report()
    report.say(SKIPPED_UNTIL, run="R20261204-060000", until="2026-12-05 00:00")
    assert report.message == (
        "Nothing new since run R20261204-060000, which changed nothing: skipped (a run "
        "reading the same until 2026-12-05 00:00 computes the same; `sheetsync run --full` "
        "runs it anyway)."
    )
    assert log_values(report, "en")["message"] == report.message
    assert log_values(report, "es")["message"] == (
        "Nada nuevo desde la ejecución R20261204-060000, que no cambió nada: omitida (una "
        "ejecución que lee lo mismo hasta el 2026-12-05 00:00 calcula lo mismo; `sheetsync "
        "run --full` la hace de todos modos)."
    )
    assert "wording" not in report.to_dict()  # --json has the message, in English


@pytest.mark.parametrize(
    ("left", "english", "spanish"),
    [
        (0, "Undid run R1.", "Se deshizo la ejecución R1."),
        (
            1,
            "Undid run R1; 1 cells or rows left as they were changed since.",
            "Se deshizo la ejecución R1; 1 celda o fila quedó como estaba porque cambió después.",
        ),
        (
            3,
            "Undid run R1; 3 cells or rows left as they were changed since.",
            "Se deshizo la ejecución R1; 3 celdas o filas quedaron como estaban porque "
            "cambiaron después.",
        ),
    ],
)
def test_an_undos_run_log_message_follows_its_number(left: int, english: str, spanish: str) -> None:
    undone = Undone(
        "R1", left=[CellLeft("Needs", f"N{i}", "status", "changed since") for i in range(left)]
    )
    report = _run_report("U1", STARTED, [], undone)
    assert report.message == english
    assert log_values(report, "es")["message"] == spanish


FAILURES = [
    (SheetChangedError("The tab 'Needs' changed."), "La hoja cambió mientras"),
    (WorkbookLockedError("Close network.xlsx."), "El libro estaba abierto"),
    (AccessDeniedError("Share it."), "sheetsync no tiene permiso"),
    (GoogleUnavailableError("Google is down."), "No se pudo leer o escribir"),
    (MissingTabError("Tab 'Needs' not found."), "Falta una pestaña"),
    (MissingColumnError("Column 'zone' not found."), "Falta una columna"),
    (FormRowsMovedError("Rows moved."), "Se borraron u ordenaron filas"),
    (ConfigError("Bad zone."), "Hay que corregir sheetsync.toml"),
    (StepError("match failed."), "Falló un paso"),
    (SheetsyncError("Something."), "La ejecución falló."),
]


@pytest.mark.parametrize(("err", "start"), FAILURES)
def test_a_failure_is_told_in_the_language_then_in_its_own_words(
    err: SheetsyncError, start: str
) -> None:
    report = _report(outcome=RunOutcome.FAILED, message=str(err))
    assert log_values(report, "en", err)["message"] == str(err)  # English as it always was
    spanish = log_values(report, "es", err)["message"]
    assert spanish.startswith(start)
    assert spanish.endswith(f" Detalles, en inglés: {err}")


def test_a_failure_kept_for_later_is_worded_in_the_networks_language(tmp_path: Path) -> None:
    config = _spanish(make_config(tmp_path / "network.xlsx"))
    err = MissingTabError("Tab 'Needs' not found: run `sheetsync init` again.")
    report = _report(outcome=RunOutcome.FAILED, message=str(err))
    remember_failure(config, report, err)
    [kept] = json.loads(pending_path(config).read_text(encoding="utf-8"))["runs"]
    assert kept["message"] == (
        "Falta una pestaña que sheetsync necesita, o se le cambió el nombre. Detalles, en "
        f"inglés: {err} [Anotada por una ejecución posterior: esta ejecución no pudo "
        "escribir en la hoja de cálculo.]"
    )


# ------------------------------------------------------------------------ the Changes tab


@pytest.mark.parametrize(
    ("rows", "english", "spanish"),
    [(1, "1 row added", "1 fila añadida"), (3, "3 rows added", "3 filas añadidas")],
)
def test_rows_added_are_counted_in_the_language(rows: int, english: str, spanish: str) -> None:
    checks = [(f"T{i:04d}", "00000000") for i in range(rows)]
    [record] = added_records("R1", "Tasks", checks, "en")
    assert record.new == english
    [record] = added_records("R1", "Tasks", checks, "es")
    assert (record.new, record.kind) == (spanish, ChangeKind.ROWS_ADDED)  # the kind as ever
    assert record.rows.splitlines()[0] == "T0000:00000000"


def test_a_full_record_counts_its_rows_in_plain_digits() -> None:
    checks = [(f"T{i:05d}", "00000000") for i in range(1001)]
    first, second = added_records("R1", "Tasks", checks, "en")
    assert (first.new, second.new) == ("1000 rows added", "1 row added")


# ------------------------------------------------------------------- recurrence notes


def _spanish(config: Config) -> Config:
    return dataclasses.replace(
        config, email=dataclasses.replace(config.email, organizers_language="es")
    )


def _need(category: str = "Groceries") -> Need:
    return Need("N0002", "P0002", category, "Eastside", {"English"}, {"Weekday mornings"}, "", 0)


def _volunteer(**fields: object) -> Volunteer:
    base: dict[str, object] = {
        "person_id": "P0001",
        "offers": {"Groceries"},
        "languages": {"English"},
        "zone": "Eastside",
        "availability": {"Weekday mornings"},
        "has_car": False,
        "capacity": 2,
        "recent": 0,
    }
    return Volunteer(**{**base, **fields})


@pytest.mark.parametrize(
    ("volunteer", "english", "spanish"),
    [
        (None, "no longer offers help", "ya no ofrece ayuda"),
        (_volunteer(unavailable=RED), "is checked in red", "su chequeo está en rojo"),
        (
            _volunteer(unavailable=RESTING),
            "is resting (a rest confirmed on the Load tab)",
            "está descansando (un descanso confirmado en la pestaña Load)",
        ),
        (
            _volunteer(unavailable=DO_NOT_CONTACT),
            "is marked do not contact",
            "está marcado para no contactar",
        ),
        (_volunteer(capacity=0), "has no room left this week", "no tiene más lugar esta semana"),
        (_volunteer(offers={"Rides"}), "no longer offers Groceries", "ya no ofrece Comida"),
    ],
)
def test_why_a_volunteer_cannot_continue_reads_in_the_language(
    volunteer: Volunteer | None, english: str, spanish: str
) -> None:
    assert why_not(_need(), volunteer, MatchingConfig(), "en") == english
    assert why_not(_need(), volunteer, MatchingConfig(), "es") == spanish


def test_a_stopped_series_note_follows_the_networks_language_both_ways(
    backend: WorkbookBackend, config: Config, add_responses
) -> None:
    """Written in English, then the network switches to Spanish and back: the words recur
    recomputes are replaced each time (never kept as an organizer's), the words written
    once stay as they were written."""
    start(backend, config, add_responses)
    write_cell(backend, config, "tasks", "T0001", "continues", "yes")
    hourly(backend, config, friday(1))
    write_cell(backend, config, "needs", "N0001", "end_recurrence", "x")
    weekly(backend, config, monday(1))
    kept = "Kept with P0001, who agreed on T0001."
    english = f"{kept} No more repeats: end_recurrence is marked on N0001 (clear it to restart)."
    assert needs(backend, config)["N0002"]["recurrence_note"] == english
    spanish = _spanish(config)
    hourly(backend, spanish, friday(2))
    assert needs(backend, spanish)["N0002"]["recurrence_note"] == (
        f"{kept} No hay más repeticiones: end_recurrence está marcado en N0001 (bórrelo para "
        "reanudarla)."
    )
    hourly(backend, config, friday(2) + dt.timedelta(hours=1))
    assert needs(backend, config)["N0002"]["recurrence_note"] == english


def test_a_spanish_series_keeps_its_volunteer_with_a_spanish_note(
    backend: WorkbookBackend, config: Config, add_responses
) -> None:
    spanish = _spanish(config)
    start(backend, spanish, add_responses)
    write_cell(backend, spanish, "tasks", "T0001", "continues", "yes")
    hourly(backend, spanish, friday(1))
    assert needs(backend, spanish)["N0002"]["recurrence_note"] == (
        "Sigue con P0001, que aceptó en T0001."
    )


_REASONS = [
    "the request of %(id)s was withdrawn",
    "the request of %(id)s now says once",
    "the request of %(id)s no longer asks for it regularly",
    "the requester is marked do not contact",
]


@st.composite
def recomputed(draw: st.DrawFn, language: str) -> str:
    """Words recur writes afresh each run, in `language`."""
    if draw(st.booleans()):
        day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31))).isoformat()
        need = f"N{draw(st.integers(1, 9999)):04d}"
        return translate(language, WAITING, day=day, need=need)
    reason = translate(language, draw(st.sampled_from(_REASONS)), id="N0107")
    return translate(language, STOPPED, reason=reason)


@given(
    old=st.sampled_from(LANGUAGES),
    new=st.sampled_from(LANGUAGES),
    own=st.one_of(
        st.text(max_size=80),
        st.sampled_from(LANGUAGES).map(lambda lang: translate(lang, KEPT, who="P1", task="T1")),
    ),
    data=st.data(),
)
def test_recurs_own_words_are_known_in_any_language_it_wrote_them(
    old: str, new: str, own: str, data: st.DataObject
) -> None:
    """A note's recomputed words, written in the old language, are cut off (what is left
    is the organizer's or written once); after this run's words in the new language, the
    same again."""
    assume(all(start.rstrip() not in own for start in recomputed_starts()))
    need = {"recurrence_note": own}
    _say(need, data.draw(recomputed(old)))
    assert _own_note(need["recurrence_note"]) == own.rstrip()
    need["recurrence_note"] = _own_note(need["recurrence_note"])
    _say(need, data.draw(recomputed(new)))
    assert _own_note(need["recurrence_note"]) == own.rstrip()


# -------------------------------------------------------- undo across languages


def test_undo_reverts_runs_recorded_in_either_language(
    backend: WorkbookBackend, config: Config, add_responses
) -> None:
    """An English run, then the network turns Spanish and runs again: the Changes tab holds
    both, under a Spanish how-to row; undo reverts the Spanish run, then the English one."""
    start(backend, config, add_responses)  # the English run (Monday's weekly)
    spanish = _spanish(config)
    first = weekly(backend, spanish, monday(1))
    table = read_state(backend, spanish).tables["changes"]
    records = read_records(table)
    assert {r.new for r in records if r.kind == ChangeKind.ROWS_ADDED} >= {"1 row added"}
    assert table.frame["run_id"].iloc[0] == translate("es", HOW_TO_UNDO)
    newest = undo_run(backend, spanish, now=monday(1) + dt.timedelta(minutes=5))
    assert newest.run_id == first.run_id and newest.reverted
    english_run = records[-1].run_id
    older = undo_run(backend, spanish, english_run, now=monday(1) + dt.timedelta(minutes=6))
    assert older.run_id == english_run
    assert {r.what for r in older.reverted} >= {"row blanked"}
    assert [n["need_id"] for n in needs(backend, spanish).values() if n["need_id"]] == []


# ---------------------------------------------------- a Spanish network end to end


@pytest.fixture(scope="module")
def spanish_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spanish demo with weeks of history, its weekly job, then `sheetsync undo`."""
    folder = tmp_path_factory.mktemp("spanish-logs")
    config = str(folder / "sheetsync.toml")
    runner = CliRunner()
    workbook = str(folder / "network.xlsx")
    init = ["init", "--workbook", workbook, "--demo", "--history", "3", "--language", "es"]
    made = runner.invoke(cli, ["--config", config, *init])
    assert made.exit_code == 0, made.output
    ran = runner.invoke(cli, ["--config", config, "run", "weekly"])
    assert ran.exit_code == 0, ran.output
    undone = runner.invoke(cli, ["--config", config, "undo"])
    assert undone.exit_code == 0, undone.output
    return folder


def _rows(folder: Path, tab: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(folder / "network.xlsx")
    rows = book[tab].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def _english_left(cells: list[str]) -> list[tuple[str, str]]:
    """(message, cell) for each English message of the catalog a cell still holds."""
    patterns = [(msgid, as_pattern(msgid)) for msgid, _ in translated("es")]
    return [(m, cell) for cell in cells for m, p in patterns if p.search(cell)]


def test_the_spanish_run_log_holds_no_english_message(spanish_network: Path) -> None:
    rows = _rows(spanish_network, "Run log")
    cells = [str(r[c]) for r in rows for c in ("steps", "changes", "message") if r[c]]
    assert _english_left(cells) == []
    undo = [r for r in rows if r["job"] == "undo"]
    assert len(undo) == 1 and str(undo[0]["message"]).startswith("Se deshizo la ejecución R")
    assert {r["outcome"] for r in rows} <= {"ok", "sent"}  # what other code reads: as ever


def test_the_spanish_changes_tab_holds_no_english_message(spanish_network: Path) -> None:
    rows = _rows(spanish_network, "Changes")
    how_to = str(rows[0]["run_id"])
    assert how_to == translate("es", HOW_TO_UNDO) != HOW_TO_UNDO
    counts = [str(r["new"]) for r in rows if r["kind"] == ChangeKind.ROWS_ADDED]
    assert counts and all("añadida" in c for c in counts)
    assert _english_left([how_to, *counts]) == []
    # The undo's own records are on top: `sheetsync undo` read the Spanish tab.
    assert str(rows[1]["run_id"]).startswith("U")


def test_the_spanish_needs_notes_hold_no_english_message(spanish_network: Path) -> None:
    notes = [str(r["recurrence_note"]) for r in _rows(spanish_network, "Needs")]
    notes = [n for n in notes if n and n != "None"]
    assert any(n.startswith("Ninguna necesidad nueva el ") for n in notes)
    assert _english_left(notes) == []
