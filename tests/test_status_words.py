"""Status words in the network's language (sheetsync/status_words.py): every word sheetsync
writes, in every shipped language, reads back as its status; no word reads as two statuses;
the diff compares statuses, not words, so nothing an organizer typed is rewritten for its
word; the Needs tab's escalation labels are read and written alike; the dropdowns and the
colours use the network's words."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.backends.base import TabData
from sheetsync.config import Config
from sheetsync.config_followup import duration_label
from sheetsync.formatting import format_plan
from sheetsync.normalize import fold
from sheetsync.schema import load_schemas
from sheetsync.status_words import (
    COLUMNS,
    ESCALATED,
    LOCALES,
    STATUS_FILE,
    read_label,
    read_word,
    shipped_status_languages,
    status_language,
    written_word,
)
from sheetsync.statuses import TASK_SYNONYMS, task_status
from sheetsync.tables import ROW, plan_changes, read_table, records_of

LANGUAGES = shipped_status_languages()
SPELLED_ALIKE = frozenset({"no"})
CELLS = [
    (column, str(s), lang) for column, enum in COLUMNS.items() for s in enum for lang in LANGUAGES
]


def test_spanish_is_shipped_and_english_comes_first() -> None:
    assert LANGUAGES[0] == "en" and "es" in LANGUAGES


@pytest.mark.parametrize("language", [c for c in LANGUAGES if c != "en"])
@pytest.mark.parametrize("column", list(COLUMNS))
def test_every_status_has_its_own_word_in_every_language(
    language: str, column: tuple[str, str]
) -> None:
    words = status_language(language).words[column]
    assert set(words) == {str(s) for s in COLUMNS[column]}
    # A word of its own, written first (but a word both languages spell alike: "no").
    assert all(words[s] and (words[s][0] != s or s in SPELLED_ALIKE) for s in words)


def _words_of_each_file() -> dict[tuple[str, str], dict[str, set[str]]]:
    """column -> fold(word) -> the statuses it names, over every file and the synonyms,
    read from the files themselves (not through reading(), which keeps the first)."""
    found: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for column, enum in COLUMNS.items():
        for status in enum:
            found[column][fold(status)].add(str(status))
        if column == ("tasks", "status"):  # read by task_status: no file word may clash
            for word, status in TASK_SYNONYMS.items():
                found[column][fold(word)].add(str(status))
    for path in LOCALES.glob(f"*/{STATUS_FILE}"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, statuses in raw["columns"].items():
            tab, _, name = key.partition(".")
            for status, words in statuses.items():
                for word in words if isinstance(words, list) else [words]:
                    found[(tab, name)][fold(word)].add(status)
    return found


def test_no_word_reads_as_two_statuses_of_a_column_in_any_language() -> None:
    clashes = {
        (column, word): statuses
        for column, words in _words_of_each_file().items()
        for word, statuses in words.items()
        if len(statuses) > 1
    }
    assert clashes == {}


def test_the_files_name_only_columns_and_statuses_there_are() -> None:
    for column, words in _words_of_each_file().items():
        assert column in COLUMNS
        assert {s for names in words.values() for s in names} <= {str(s) for s in COLUMNS[column]}


@given(st.sampled_from(CELLS), st.sampled_from([str, str.upper, str.title, " {} ".format]))
def test_a_written_status_reads_back_as_itself(cell: tuple[Any, str, str], typed: Any) -> None:
    column, status, language = cell
    word = written_word(column, status, language)
    assert read_word(column, word) == status
    assert read_word(column, typed(word)) == status  # as an organizer might type it
    for other in LANGUAGES:  # a network reads every language's words
        assert read_word(column, status_language(other).word(column, status)) == status


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("Hecho", "done"),
        ("hecha", "done"),
        ("done", "done"),
        ("DONE ", "done"),
        ("En curso", "accepted"),
        ("Cancelado", "cancelled"),
        ("propuesta", "proposed"),
    ],
)
def test_what_organizers_type_in_a_task_reads_as_its_status(typed: str, status: str) -> None:
    assert read_word(("tasks", "status"), typed) == status
    # Steps see the word read: task_status reads the canonical word (and English).
    assert task_status(read_word(("tasks", "status"), typed)) == status


@pytest.mark.parametrize(
    ("typed", "status"), [("in progress", "accepted"), ("canceled", "cancelled")]
)
def test_an_english_synonym_stays_as_typed_for_the_check_to_list(typed: str, status: str) -> None:
    # Read as its status where it is used (task_status), and still a value to fix
    # (docs/errors.md), as before there were status words.
    assert read_word(("tasks", "status"), typed) == typed
    assert task_status(typed) == status


KNOWN_TASK_WORDS = frozenset(_words_of_each_file()[("tasks", "status")])


@given(st.text(max_size=20))
def test_text_that_is_no_status_is_read_as_typed(text: str) -> None:
    if fold(text) not in KNOWN_TASK_WORDS - set(TASK_SYNONYMS):
        assert read_word(("tasks", "status"), text) == text


@pytest.mark.parametrize(
    ("label", "language", "written"),
    [
        ("14 days", "es", "14 días"),
        ("1 day", "es", "1 día"),
        ("4 hours", "es", "4 horas"),
        ("1 hour", "es", "1 hora"),
        ("2.5 hours", "es", "2,5 horas"),
        ("14 days", "en", "14 days"),
    ],
)
def test_an_escalation_label_is_written_in_the_network_language(
    label: str, language: str, written: str
) -> None:
    assert written_word(ESCALATED, label, language) == written
    assert read_word(ESCALATED, written) == label


@given(
    st.one_of(
        st.integers(1, 3650).map(lambda d: d * 24.0),
        st.integers(1, 23 * 2).map(lambda h: h / 2),
    ),
    st.sampled_from(LANGUAGES),
)
def test_every_escalation_label_reads_back_in_every_language(hours: float, language: str) -> None:
    label = duration_label(dt.timedelta(hours=hours))
    assert read_label(written_word(ESCALATED, label, language)) == label


def test_an_escalation_label_typed_otherwise_reads_as_written() -> None:
    assert read_label("2 semanas") == "14 days"
    assert read_label("4h") == "4 hours"
    assert read_label("call Ana first") == "call Ana first"
    assert written_word(ESCALATED, "call Ana first", "es") == "call Ana first"


# --- the tabs: read, diffed, written -------------------------------------------------------


def _tab(logical: str, rows: list[dict[str, str]], language: str) -> Any:
    schema = load_schemas()[logical]
    header = [f.title for f in schema.fields]
    body: list[list[Any]] = [[row.get(f.name, "") for f in schema.fields] for row in rows]
    return read_table(TabData(schema.title, [header, *body]), schema, schema.title, language)


TASKS = [
    {"task_id": "T1", "need_id": "N1", "status": "Hecho"},
    {"task_id": "T2", "need_id": "N2", "status": "done"},
    {"task_id": "T3", "need_id": "N3", "status": "Propuesta"},
    {"task_id": "T4", "need_id": "N4", "status": "donee"},
]


def test_a_spanish_tab_reads_canonical_statuses_and_keeps_what_was_typed() -> None:
    table = _tab("tasks", TASKS, "es")
    assert table.frame["status"].tolist() == ["done", "done", "proposed", "donee"]
    assert table.typed == {(2, "status"): "Hecho", (4, "status"): "Propuesta"}
    assert table.typed_frame()["status"].tolist() == ["Hecho", "done", "Propuesta", "donee"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_status_that_did_not_change_is_not_rewritten_for_its_word(language: str) -> None:
    table = _tab("tasks", TASKS, language)
    changes, report = plan_changes(table, table.frame.copy())
    assert changes.update == [] and report.changed == []


def test_a_withdrawn_proposal_is_written_in_spanish_over_what_was_typed() -> None:
    table = _tab("tasks", TASKS, "es")
    frame = table.frame.copy()
    frame.loc[frame["task_id"] == "T3", "status"] = "withdrawn"
    changes, report = plan_changes(table, frame)
    [update] = changes.update
    assert (update.row, update.value) == (4, "retirada")
    assert [(c.row, c.expected) for c in changes.expect] == [(4, "Propuesta")]
    [change] = report.changed
    assert (change.old, change.new) == ("Propuesta", "retirada")


def test_an_english_network_writes_english_words() -> None:
    table = _tab("tasks", TASKS, "en")
    frame = table.frame.copy()
    frame.loc[frame["task_id"] == "T3", "status"] = "withdrawn"
    changes, _ = plan_changes(table, frame)
    assert [u.value for u in changes.update] == ["withdrawn"]
    assert [c.expected for c in changes.expect] == ["Propuesta"]


def test_a_new_need_is_written_with_its_status_and_escalation_in_spanish() -> None:
    table = _tab("needs", [], "es")
    new = {f: "" for f in table.schema.names} | {ROW: 0}
    new |= {"need_id": "N9", "status": "open", "escalated": "14 days"}
    frame = table.frame.iloc[0:0].copy()
    frame.loc[0] = new
    changes, report = plan_changes(table, frame)
    row = changes.append[-1]
    assert row[table.columns["status"]] == "abierta"
    assert row[table.columns["escalated"]] == "14 días"
    # and what was written reads back as it was meant
    written = dict(zip(table.schema.names, report.added[0], strict=True))
    [need] = records_of(_tab("needs", [written], "es").frame)
    assert (need["status"], need["escalated"]) == ("open", "14 days")


SPANISH_TASK_WORDS = [
    w for ws in status_language("es").words[("tasks", "status")].values() for w in ws
]


@given(
    st.lists(
        st.sampled_from([*SPANISH_TASK_WORDS, *(str(s) for s in COLUMNS[("tasks", "status")])]),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(LANGUAGES),
)
def test_any_words_typed_are_never_rewritten_while_their_status_holds(
    typed: list[str], language: str
) -> None:
    rows = [{"task_id": f"T{i}", "need_id": f"N{i}", "status": w} for i, w in enumerate(typed)]
    table = _tab("tasks", rows, language)
    changes, _ = plan_changes(table, table.frame.copy())
    assert changes.update == []


# --- dropdowns and colours -----------------------------------------------------------------


def _config(tmp_path: Path, language: str) -> Config:
    return Config.from_dict(
        {
            "network": {"name": "Red", "zones": ["Norte"], "timezone": "America/Chicago"},
            "backend": {"kind": "local", "workbook": str(tmp_path / "red.xlsx")},
            "email": {"organizers_language": language},
        },
        base_dir=tmp_path,
    )


def _formats(tmp_path: Path, language: str) -> dict[str, Any]:
    config = _config(tmp_path, language)
    schemas = load_schemas()
    headers = {
        config.tabs[t]: [f.title for f in schemas[t].fields] for t in ("tasks", "needs", "errors")
    }
    plan = format_plan(schemas, headers, config)
    return {tab.tab: tab for tab in plan.tabs}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ("propuesta", "aceptada", "hecha", "rechazada", "cancelada", "retirada", "vencida")),
        ("en", ("proposed", "accepted", "done", "declined", "cancelled", "withdrawn", "expired")),
    ],
)
def test_the_task_status_dropdown_lists_the_network_words(
    tmp_path: Path, language: str, words: tuple[str, ...]
) -> None:
    tasks = _formats(tmp_path, language)["Tasks"]
    status_col = load_schemas()["tasks"].names.index("status") + 1
    [column] = [c for c in tasks.columns if c.col == status_col]
    assert column.choices == words


def test_the_colours_of_a_spanish_network_match_its_word_and_the_english_one(
    tmp_path: Path,
) -> None:
    formats = _formats(tmp_path, "es")
    errors = [r.formula for r in formats["Errors"].rules]
    assert any("OR(" in f and '="abierta"' in f and '="open"' in f for f in errors)
    needs = [r.formula for r in formats["Needs"].rules if "ISNUMBER" in r.formula]
    assert needs and all('="abierta"' in f and '="open"' in f for f in needs)
    english = [
        r.formula for r in _formats(tmp_path, "en")["Needs"].rules if "ISNUMBER" in r.formula
    ]
    assert english and all(f.startswith("=AND($") and '2="open",' in f for f in english)
