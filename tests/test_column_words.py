"""The word columns beyond the statuses in the network's language (sheetsync/status_words.py):
the Duplicates decision organizers type, Load's rest_status and check-in light, People's
check-in light. Each reads back in any shipped language, agrees with the schema and with
the code reading it, is never rewritten for its word, and is shown (dropdown, colours) in
the network's words; an English network's formatting stays as it was.

The round trip and no-collision properties over every column are tests/test_status_words.py's
(they run over status_words.COLUMNS, these columns included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.backends.base import TabData
from sheetsync.calls import CallReason
from sheetsync.config import Config
from sheetsync.dedupe import Decision
from sheetsync.followup.reach import opted_in
from sheetsync.formatting import format_plan
from sheetsync.load.rest import RestStatus
from sheetsync.normalize import fold
from sheetsync.privacy import Consent, consent_of
from sheetsync.schema import load_schemas
from sheetsync.status_words import (
    COLUMNS,
    DECISION,
    TYPED_ONLY,
    read_word,
    shipped_status_languages,
    status_language,
    written_word,
)
from sheetsync.steps.dedupe import DECISIONS
from sheetsync.tables import ROW, plan_changes, read_table, records_of

LANGUAGES = shipped_status_languages()
LIGHTS = (("load", "checkin"), ("people", "checkin_status"))
REST = ("load", "rest_status")
YES_NO = (
    ("people", "weekly_email"),
    ("tasks", "continues"),
    ("people", "consent"),
)
NEW = (DECISION, *LIGHTS, REST, ("call_list", "reason"), *YES_NO)


@pytest.mark.parametrize("column", list(COLUMNS))
def test_each_column_words_are_its_schema_enum(column: tuple[str, str]) -> None:
    spec = load_schemas()[column[0]].field(column[1])
    assert set(COLUMNS[column]) == set(spec.enum or ())


def test_the_words_only_columns_agree_with_the_code_reading_them() -> None:
    # status_words (a foundation module) cannot import these: the tests hold them together.
    assert COLUMNS[DECISION] == tuple(d.value for d in Decision)
    assert COLUMNS[REST] == tuple(s.value for s in RestStatus if s.value)
    assert set(COLUMNS[("call_list", "reason")]) == {r.value for r in CallReason}
    assert set(COLUMNS[("people", "consent")]) == {c.value for c in Consent}


def test_consent_override_is_read_as_typed() -> None:
    # consent_override_seen holds the text typed and a run compares them
    # (privacy.row_override): a cell read as another word would look newly typed.
    assert ("people", "consent_override") not in COLUMNS
    assert read_word(("people", "consent_override"), "Yes") == "Yes"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_yes_and_no_word_means_to_its_readers_what_it_reads_as(language: str) -> None:
    for column in YES_NO:
        for value, words in status_language(language).words[column].items():
            for word in words:
                read = read_word(column, word)
                assert read == value
                if "consent" in column[1]:
                    assert consent_of(read) == Consent(value)
                elif column[1] == "weekly_email":
                    assert opted_in(read) == (value == "yes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_decision_word_means_to_the_dedupe_step_what_it_reads_as(language: str) -> None:
    for decision, words in status_language(language).words[DECISION].items():
        for word in words:
            read = read_word(DECISION, word)
            assert read == decision
            # The step reads the canonical word; a word it also knows on its own agrees.
            assert DECISIONS[fold(read)] == Decision(decision)
            assert DECISIONS.get(fold(word), Decision(decision)) == Decision(decision)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("misma", "same"),
        ("Misma persona", "same"),
        ("MISMO", "same"),
        ("Diferente", "different"),
        ("distinto", "different"),
        ("same", "same"),
        ("different", "different"),
        # Words the dedupe step reads itself (and the check lists to fix) stay as typed.
        ("yes", "yes"),
        ("sí", "sí"),
        ("no", "no"),
        ("maybe", "maybe"),
    ],
)
def test_what_organizers_type_as_a_decision_reads_as_it(typed: str, read: str) -> None:
    assert read_word(DECISION, typed) == read


@pytest.mark.parametrize(
    ("column", "typed", "read"),
    [
        (("load", "checkin"), "Rojo", "red"),
        (("load", "checkin"), "amarilla", "yellow"),
        (("people", "checkin_status"), "verde", "green"),
        (("people", "checkin_status"), "green", "green"),
        (REST, "Sugerido", "suggested"),
        (REST, "en descanso", "resting"),
        (REST, "de vuelta", "back"),
        (REST, "", ""),  # no rest: nothing to write in any language
        (("call_list", "reason"), "Confirmación", "confirmation"),
        (("call_list", "reason"), "seguimiento", "follow-up"),
        (("call_list", "reason"), "opinion", "feedback"),
        (("people", "weekly_email"), "Sí", "yes"),
        (("people", "weekly_email"), "x", "x"),  # read by opted_in, as before
        (("tasks", "continues"), "si", "yes"),
        (("tasks", "continues"), "NO", "no"),
        (("people", "consent"), "Solo el nombre", "first name"),
    ],
)
def test_the_lights_and_rests_read_back_in_any_language(
    column: tuple[str, str], typed: str, read: str
) -> None:
    assert read_word(column, typed) == read
    assert written_word(column, read, "en") == read


def _tab(logical: str, rows: list[dict[str, str]], language: str) -> Any:
    schema = load_schemas()[logical]
    header = [f.title for f in schema.fields]
    body: list[list[Any]] = [[row.get(f.name, "") for f in schema.fields] for row in rows]
    return read_table(TabData(schema.title, [header, *body]), schema, schema.title, language)


PAIRS = [
    {"pair_id": "D1", "person_a": "P1", "person_b": "P2", "decision": "Misma"},
    {"pair_id": "D2", "person_a": "P3", "person_b": "P4", "decision": "same"},
    {"pair_id": "D3", "person_a": "P5", "person_b": "P6", "decision": "diferente"},
    {"pair_id": "D4", "person_a": "P7", "person_b": "P8", "decision": "yes"},
    {"pair_id": "D5", "person_a": "P9", "person_b": "P10", "decision": ""},
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_decisions_are_read_in_any_language_and_never_rewritten(language: str) -> None:
    table = _tab("duplicates", PAIRS, language)
    assert table.frame["decision"].tolist() == ["same", "same", "different", "yes", ""]
    assert table.typed == {(2, "decision"): "Misma", (4, "decision"): "diferente"}
    # A run that changes the pair's status leaves the decision as typed.
    frame = table.frame.copy()
    frame["status"] = "linked by organizers"
    changes, report = plan_changes(table, frame)
    assert {u.col for u in changes.update} == {table.columns["status"] + 1}
    assert {c.column for c in report.changed} == {"status"}


@given(
    st.lists(
        st.sampled_from(
            [w for c in NEW for ws in status_language("es").words[c].values() for w in ws]
            + ["same", "different", "red", "green", "resting", "back"]
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(LANGUAGES),
)
def test_any_words_typed_in_these_columns_are_never_rewritten(
    typed: list[str], language: str
) -> None:
    for logical, name in NEW:
        key = load_schemas()[logical].primary_key or "person_id"
        rows = [{key: f"X{i}", name: word} for i, word in enumerate(typed)]
        table = _tab(logical, rows, language)
        changes, _ = plan_changes(table, table.frame.copy())
        assert changes.update == []


def test_a_new_load_row_is_written_in_spanish_and_reads_back() -> None:
    table = _tab("load", [], "es")
    new = {f: "" for f in table.schema.names} | {ROW: 0}
    new |= {"person_id": "P9", "checkin": "red", "rest_status": "suggested"}
    frame = table.frame.iloc[0:0].copy()
    frame.loc[0] = new
    changes, report = plan_changes(table, frame)
    row = changes.append[-1]
    assert (row[table.columns["checkin"]], row[table.columns["rest_status"]]) == (
        "rojo",
        "sugerido",
    )
    written = dict(zip(table.schema.names, report.added[0], strict=True))
    [back] = records_of(_tab("load", [written], "es").frame)
    assert (back["checkin"], back["rest_status"]) == ("red", "suggested")


def test_a_rest_that_changes_is_written_in_the_network_words() -> None:
    table = _tab("load", [{"person_id": "P1", "checkin": "Rojo", "rest_status": "sugerido"}], "es")
    frame = table.frame.copy()
    frame["rest_status"] = "resting"
    changes, report = plan_changes(table, frame)
    [update] = changes.update
    assert update.value == "descansando"
    [change] = report.changed
    assert (change.old, change.new) == ("sugerido", "descansando")


# --- dropdowns and colours -----------------------------------------------------------------


def _formats(tmp_path: Path, language: str) -> dict[str, Any]:
    config = Config.from_dict(
        {
            "network": {"name": "Red", "zones": ["Norte"], "timezone": "America/Chicago"},
            "backend": {"kind": "local", "workbook": str(tmp_path / "red.xlsx")},
            "email": {"organizers_language": language},
        },
        base_dir=tmp_path,
    )
    schemas = load_schemas()
    logicals = ("duplicates", "load", "people")
    headers = {config.tabs[t]: [f.title for f in schemas[t].fields] for t in logicals}
    plan = format_plan(schemas, headers, config)
    return {tab.tab: tab for tab in plan.tabs}


@pytest.mark.parametrize(
    ("language", "words"), [("es", ("misma", "diferente")), ("en", ("same", "different"))]
)
def test_the_decision_dropdown_lists_the_network_words(
    tmp_path: Path, language: str, words: tuple[str, ...]
) -> None:
    duplicates = _formats(tmp_path, language)["Duplicates"]
    col = load_schemas()["duplicates"].names.index("decision") + 1
    [column] = [c for c in duplicates.columns if c.col == col]
    assert column.choices == words
    assert DECISION in TYPED_ONLY


@pytest.mark.parametrize(("language", "words"), [("es", ("sí", "no")), ("en", ("yes", "no"))])
def test_the_weekly_email_dropdown_lists_the_network_words(
    tmp_path: Path, language: str, words: tuple[str, ...]
) -> None:
    people = _formats(tmp_path, language)["People"]
    col = load_schemas()["people"].names.index("weekly_email") + 1
    [column] = [c for c in people.columns if c.col == col]
    assert column.choices == words


@pytest.mark.parametrize(("tab", "name"), [("Load", "checkin"), ("People", "checkin_status")])
def test_a_spanish_network_colours_a_light_by_its_word_and_the_english_one(
    tmp_path: Path, tab: str, name: str
) -> None:
    spanish = {r.formula for r in _formats(tmp_path, "es")[tab].rules}
    english = {r.formula for r in _formats(tmp_path, "en")[tab].rules}
    for word, light in (("rojo", "red"), ("amarillo", "yellow"), ("verde", "green")):
        assert any(f'="{word}"' in f and f'="{light}"' in f and "OR(" in f for f in spanish)
        # English: the formula as it always was, one test of the English word.
        assert any(f.startswith("=$") and f.endswith(f'2="{light}"') for f in english)
    assert all("OR(" not in f for f in english)
