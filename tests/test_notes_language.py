"""The notes sheetsync writes on the tabs in the network's language (issue 23): the Tasks
tab's feedback, feedback_from and feedback_asked (sheetsync/feedback/), the Duplicates tab's
evidence (dedupe/evidence.py), and the Phone log's "how to reach them" label in a need's
details (intake/phone_log.py), with the "[shortened: ...]" and "[Other: ...]" markers
(intake/shortened.py). Every message has its
Spanish in the catalog, English reads byte for byte as it always has, and what is read back
(the role a feedback_asked or feedback_from cell names, the answers it lists) is recognised
in every language sheetsync writes, so a network that switches language asks nobody twice
and takes no answer in twice."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.dedupe import find_duplicates
from sheetsync.dedupe.evidence import Said, evidence_in
from sheetsync.dedupe.households import HouseholdEstimate
from sheetsync.feedback.answers import take_answers
from sheetsync.feedback.asks import Ask, Way, asked_roles, reached_roles
from sheetsync.feedback.model import Answer, Happened, Role, noted_answers, role_of_word
from sheetsync.intake.phone_log import with_reach
from sheetsync.intake.shortened import shorten_answer, with_other
from sheetsync.translation import available_languages
from tests.conftest import init_demo
from tests.tab_catalog import KEYWORDS, SHEETSYNC
from tests.test_docs import as_pattern, catalog, translated

NOTE_MODULES = [
    SHEETSYNC / "feedback" / "model.py",
    SHEETSYNC / "feedback" / "answers.py",
    SHEETSYNC / "feedback" / "asks.py",
    SHEETSYNC / "intake" / "phone_log.py",
    SHEETSYNC / "intake" / "shortened.py",
    SHEETSYNC / "dedupe" / "compare.py",
    SHEETSYNC / "dedupe" / "households.py",
]
LANGUAGES = sorted(available_languages())
STAMP = dt.datetime(2026, 11, 27, 7, 30)
NOW = dt.datetime(2026, 11, 27, 7, 0)


def _messages() -> list[str]:
    found: list[str] = []
    for path in NOTE_MODULES:
        for _line, message, _c, _x in extract_from_file("python", str(path), keywords=KEYWORDS):
            key = message[0] if isinstance(message, tuple) else message
            if key not in found:
                found.append(key)
    return found


def test_the_extractor_finds_the_notes_messages() -> None:
    found = _messages()
    assert {"requester emailed %(when)s", "Will keep helping."} <= set(found)
    assert "[How to reach them: %(reach)s]" in found
    assert "[shortened: full answer in %(tab)s, row %(row)s]" in found
    assert len(found) >= 16


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_note_message_has_its_translation(language: str) -> None:
    words = catalog(language)
    assert isinstance(words, Catalog)
    missing = [m for m in _messages() if words.get(m) is None or not words[m].string]
    assert missing == []
    problems = [(m.id, e) for m, e in words.check() if m.id in set(_messages())]
    assert problems == []


def answer(
    role: Role = Role.REQUESTER,
    happened: Happened = Happened.PARTLY,
    *,
    ref: str = "Form Responses 4:7",
    stamp: dt.datetime = STAMP,
    how: str = "",
    follow_up: bool = False,
    continues: str = "",
) -> Answer:
    return Answer("T-1", role, ref, stamp, happened, how, follow_up, continues)


def task(**cells: str) -> dict[str, str]:
    blank = {"feedback": "", "feedback_from": "", "help_came": "", "volunteer_continues": ""}
    return {"task_id": "T-1", **blank, **cells}


def written(answers: list[Answer], language: str, before: dict[str, str] | None = None):
    row = before or task()
    taken = take_answers([row], {"T-1": answers}, language)
    return row, taken


# ------------------------------------------------------------------ English as it was


def test_english_notes_read_as_they_always_have() -> None:
    row, _ = written(
        [
            answer(how="Some of it came.", follow_up=True),
            answer(Role.VOLUNTEER, Happened.YES, ref="Form Responses 4:8", continues="yes"),
        ],
        "en",
    )
    assert row["feedback"] == (
        "Requester (2026-11-27): partly. “Some of it came.” Asked to be contacted. "
        "Volunteer (2026-11-27): the help happened. Will keep helping."
    )
    assert row["feedback_from"] == (
        "requester Form Responses 4:7 2026-11-27 07:30:00; "
        "volunteer Form Responses 4:8 2026-11-27 07:30:00"
    )
    ask = Ask("T-1", "N-1", Role.REQUESTER, "P-1", Way.CALL)
    assert ask.mark(NOW) == "requester on the Call list 2026-11-27 07:00"
    assert with_reach({"reach": "via Ana", "details": "Rice"}, "requests")["details"] == (
        "[How to reach them: via Ana] Rice"
    )


# ------------------------------------------------------------------ Spanish


def test_the_feedback_column_in_spanish() -> None:
    row, _ = written(
        [
            answer(happened=Happened.NO, follow_up=True),
            answer(Role.VOLUNTEER, Happened.YES, ref="Form Responses 4:8", continues="no"),
        ],
        "es",
    )
    assert row["feedback"] == (
        "Solicitante (2026-11-27): no llegó. Pidió que le contacten. "
        "Voluntario (2026-11-27): la ayuda llegó. No seguirá."
    )
    assert row["feedback_from"] == (
        "solicitante Form Responses 4:7 2026-11-27 07:30:00; "
        "voluntario Form Responses 4:8 2026-11-27 07:30:00"
    )
    # canonical values stay canonical: they are read back (statuses, the Summary)
    assert row["help_came"] == "no"


@pytest.mark.parametrize(
    ("way", "mark"),
    [
        (Way.EMAIL, "solicitante preguntado por email 2026-11-27 07:00"),
        (Way.CALL, "solicitante en la Call list 2026-11-27 07:00"),
        (
            Way.DO_NOT_CONTACT,
            "solicitante sin preguntar: marcado como no contactar 2026-11-27 07:00",
        ),
        (Way.NO_WAY, "solicitante sin preguntar: sin email ni teléfono 2026-11-27 07:00"),
    ],
)
def test_feedback_asked_in_spanish(way: Way, mark: str) -> None:
    assert Ask("T-1", "N-1", Role.REQUESTER, "P-1", way).mark(NOW, "es") == mark


def test_the_phone_logs_reach_label_in_spanish() -> None:
    offer = with_reach({"reach": "via Ana", "volunteer_note": ""}, "offers", "es")
    assert offer["volunteer_note"] == "[Cómo contactar: via Ana]"
    assert with_reach({"reach": " ", "details": "Rice"}, "requests", "es")["details"] == "Rice"


@pytest.mark.parametrize(
    ("language", "end"),
    [
        ("en", " … [shortened: full answer in Form Responses 1, row 17]"),
        ("es", " … [acortado: la respuesta completa está en Form Responses 1, fila 17]"),
    ],
)
def test_a_shortened_answer_says_where_the_rest_is(language: str, end: str) -> None:
    cut = shorten_answer("word " * 200, 120, "Form Responses 1", 17, language)
    assert cut.endswith(end)
    assert len(cut) <= 120
    assert shorten_answer("short", 120, "Form Responses 1", 17, language) == "short"


@given(st.text(max_size=300), st.integers(1, 200), st.sampled_from(LANGUAGES))
def test_a_shortened_answer_fits_its_limit_in_any_language(
    text: str, limit: int, language: str
) -> None:
    cut = shorten_answer(text, limit, "Form Responses 1", 3, language)
    assert len(cut) <= max(limit, 0) or cut == text
    assert cut == text or len(text) > limit


def test_the_other_label_in_spanish() -> None:
    assert with_other("Dog walking", "Small dog") == "[Other: Dog walking] Small dog"
    assert with_other("Paseo", "", "es") == "[Otro: Paseo]"


# ------------------------------------------------------------------ read back in any language


@pytest.mark.parametrize("word", ["requester", "Solicitante", "voluntario", "VOLUNTEER"])
def test_a_role_word_is_known_in_any_language(word: str) -> None:
    assert role_of_word(word) is not None


def test_a_typed_word_names_no_role() -> None:
    assert role_of_word("neighbour") is None
    assert noted_answers("called her on Tuesday") == set()
    assert asked_roles("called her on Tuesday") == set()


@given(
    st.sampled_from(LANGUAGES),
    st.sampled_from(LANGUAGES),
    st.sets(st.sampled_from(list(Way)), min_size=1, max_size=2),
)
def test_asked_roles_across_a_language_switch(before: str, after: str, ways: set[Way]) -> None:
    """A cell written in one language and then another names every role it asked, and the
    ones reached by email or call, whatever the languages."""
    marks = [
        Ask("T-1", "N-1", role, "P-1", way).mark(NOW, language)
        for (role, way), language in zip(
            zip(Role, sorted(ways), strict=False), (before, after), strict=False
        )
    ]
    cell = "; ".join(marks)
    roles = [role for role, _ in zip(Role, sorted(ways), strict=False)]
    assert asked_roles(cell) == set(roles)
    reached = [r for r, w in zip(Role, sorted(ways), strict=False) if w in (Way.EMAIL, Way.CALL)]
    assert reached_roles(cell) == reached


@given(
    st.sampled_from(LANGUAGES),
    st.sampled_from(LANGUAGES),
    st.lists(
        st.tuples(
            st.sampled_from(list(Role)),
            st.sampled_from(list(Happened)),
            st.integers(2, 400),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_answers_taken_once_across_a_language_switch(
    before: str, after: str, drawn: list[tuple[Role, Happened, int, int]]
) -> None:
    """Answers noted in one language are not new when the tab is written in another: a
    follow-up call asked for is made once. The cell is rewritten in the new language."""
    answers = [
        answer(role, happened, ref=f"Form Responses 4:{row}", stamp=STAMP + dt.timedelta(minutes=m))
        for role, happened, row, m in drawn
    ]
    first, taken = written(answers, before)
    assert taken.new
    again, retaken = written(answers, after, before=dict(first))
    assert retaken.new == []
    assert noted_answers(again["feedback_from"]) == {a.ident for a in answers}


def test_an_edited_answer_is_new_in_any_language() -> None:
    first, _ = written([answer()], "en")
    edited = answer(stamp=STAMP + dt.timedelta(minutes=5))
    _, taken = written([answer(), edited], "es", before=dict(first))
    assert taken.new == [edited]


# ------------------------------------------------------------------ Duplicates' evidence

NAMES = "names '%(a)s' / '%(b)s' %(score)s (%(notes)s)"


def test_evidence_in_spanish_keeps_the_names_as_typed() -> None:
    names = Said(NAMES, a="Jesús", b="Chuy", score=0.74, notes=(Said("first names: nickname"),))
    pieces = (names, "same phone", "different emails")
    assert evidence_in(pieces, "en") == (
        "names 'Jesús' / 'Chuy' 0.74 (first names: nickname); same phone; different emails"
    )
    assert evidence_in(pieces, "es") == (
        "nombres 'Jesús' / 'Chuy' 0,74 (nombres de pila: apodo); mismo teléfono; emails distintos"
    )


def test_few_households_in_spanish_with_its_separators() -> None:
    text = HouseholdEstimate(pairs=1200, households=3).text
    assert text.startswith("this list has few households: 3 of the 1,200 pairs")
    assert text.said_in("es").startswith("esta lista tiene pocos hogares: 3 de los 1.200 pares")


@given(
    st.text(min_size=1, max_size=12),
    st.text(min_size=1, max_size=12),
    st.floats(0, 1),
    st.sampled_from(LANGUAGES),
)
def test_a_name_is_never_translated_nor_read_as_a_format(
    a: str, b: str, score: float, language: str
) -> None:
    """Whatever a person typed as their name ("100%", "same phone") shows as typed."""
    said = Said("names '%(a)s' / '%(b)s' %(score)s", a=a, b=b, score=score)
    assert str(said) == f"names '{a}' / '{b}' {score:.2f}"
    assert f"'{a}' / '{b}' " in said.said_in(language)
    copied = pickle.loads(pickle.dumps(said))
    assert copied == said
    assert copied.said_in(language) == said.said_in(language)


def test_a_pairs_evidence_reads_in_english_as_it_always_has() -> None:
    people = pd.DataFrame(
        {
            "id": ["P-1", "P-2"],
            "name": ["Teresa Vega", "Teresa Vegas"],
            "phone": ["+12015550101", "+12015550101"],
            "email": ["", ""],
        }
    )
    linkage = find_duplicates(people)
    [pair] = [*linkage.links, *linkage.review]
    assert pair.reason_in("en") == pair.reason
    assert pair.reason.endswith("; same phone")
    assert pair.reason_in("es").endswith("; mismo teléfono")
    assert pair.reason_in("es").startswith("nombres 'Teresa Vega' / 'Teresa Vegas' ")


# ------------------------------------------------------------------ the Spanish demo

_TASK_NOTES = ("feedback", "feedback_from", "feedback_asked")


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-notes")
    init_demo(folder, "--history", "3", "--language", "es")
    return folder


def _cells(folder: Path, tab: str, columns: tuple[str, ...]) -> list[str]:
    book = openpyxl.load_workbook(folder / "network.xlsx")
    rows = book[tab].iter_rows(values_only=True)
    header = list(next(rows))
    return [str(row[header.index(c)]) for row in rows for c in columns if row[header.index(c)]]


def test_the_spanish_demos_feedback_notes_hold_no_english_message(spanish: Path) -> None:
    # What a person wrote on the form (“…”) is in their words: only sheetsync's are checked.
    cells = [re.sub(r"“[^”]*”", "", c) for c in _cells(spanish, "Tasks", _TASK_NOTES)]
    pairs = translated("es")
    for cell in cells:
        for msgid, _msgstr in pairs:
            assert not as_pattern(msgid).search(cell), f"{msgid!r} left in {cell!r}"
    # the check saw the notes in Spanish
    assert any(c.startswith("Solicitante (") for c in cells)
    assert any(" en la Call list " in c for c in cells)
    assert any(c.startswith("solicitante Form Responses ") for c in cells)


def test_the_spanish_demos_duplicates_evidence_holds_no_english_message(spanish: Path) -> None:
    # The names quoted ('…') are as people typed them: only sheetsync's words are checked.
    cells = [re.sub(r"'[^']*'", "", c) for c in _cells(spanish, "Duplicates", ("evidence",))]
    pairs = translated("es")
    for cell in cells:
        for msgid, _msgstr in pairs:
            assert not as_pattern(msgid).search(cell), f"{msgid!r} left in {cell!r}"
    assert any(c.startswith("nombres ") and "mismo teléfono" in c for c in cells)
