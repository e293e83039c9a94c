"""The Summary and Load tabs' texts in the network's language (sheetsync/translation.py):
every message summary/ and load/ write has its Spanish in the catalog, the Spanish reads as
it should, English reads as it always has, and the texts read back (a Load flags cell) are
understood in any language sheetsync writes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.config import Goal, LoadConfig
from sheetsync.followup.members import _why_flagged
from sheetsync.load.figures import Figures
from sheetsync.load.flags import FlagCode, Member, flag_codes, flag_name, flags_for, offer_rest
from sheetsync.load.rest import Rest, RestStatus, read_rest
from sheetsync.match.unserved import Unserved
from sheetsync.members import Checkin
from sheetsync.schema import load_schemas
from sheetsync.steps.summary import _flag_counts
from sheetsync.summary.network import UnservedGroup, unserved_lines
from sheetsync.summary.outcomes import GoalProgress, Period, period_name
from sheetsync.translation import available_languages, number, translate_plural
from tests.tab_catalog import placeholder_problems, tab_messages, untranslated
from tests.test_docs import as_pattern, translated

TODAY = dt.date(2026, 12, 4)


def test_the_extractor_finds_the_tabs_messages() -> None:
    found = tab_messages()
    assert len(found) > 90
    assert "Needs attention" in found
    assert ("%(num)s shift in the last 7 days.", "%(num)s shifts in the last 7 days.") in found


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_tab_message_has_its_translation(language: str) -> None:
    assert untranslated(tab_messages(), language) == []


@pytest.mark.parametrize("language", sorted(available_languages() - {"en"}))
def test_every_tab_translation_keeps_its_placeholders(language: str) -> None:
    """Babel's python-format checker: a msgstr names the msgid's %(name)s and no other."""
    assert placeholder_problems(tab_messages(), language) == []


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


# ------------------------------------------------------------------ the Summary's words


GROUP = UnservedGroup("Groceries", "Westside", "Spanish", True, 4, 1)


def test_a_group_reads_in_english_as_it_always_has() -> None:
    assert GROUP.label == "Groceries in Westside, Spanish-speaking"
    assert GROUP.sentence == (
        "4 Spanish-speaking Groceries needs in Westside (1 urgent) had no volunteer: nobody "
        "who offers it is within reach, speaks the language and is free at those times. "
        "Recruit Spanish-speaking volunteers for Groceries in Westside."
    )


@pytest.mark.parametrize(
    ("group", "label", "sentence"),
    [
        (
            GROUP,
            "Comida en Westside, idioma: Español",
            "4 necesidades de Comida en Westside (idioma: Español) (1 urgente) no tuvieron "
            "voluntario: nadie que ofrezca esa ayuda está a su alcance, habla el idioma y "
            "tiene tiempo en esos horarios. Busque voluntarios que hablen Español para "
            "Comida en Westside.",
        ),
        (
            UnservedGroup("Rides", "", "", True, 1, 0),
            "Transporte por teléfono o en línea",
            "1 necesidad de Transporte no tuvo voluntario: nadie que ofrezca esa ayuda está a "
            "su alcance, habla el idioma y tiene tiempo en esos horarios. Busque voluntarios "
            "para Transporte.",
        ),
        (
            UnservedGroup("Meals", "Downtown", "Chinese or Haitian Creole", False, 2, 2),
            "Comidas preparadas en Downtown, idioma: Chino o Criollo haitiano",
            "2 necesidades de Comidas preparadas en Downtown (idioma: Chino o Criollo "
            "haitiano) (2 urgentes) esperaron: los voluntarios que podían ayudar estaban "
            "completos, descansando, las habían rechazado o son familia.",
        ),
    ],
)
def test_a_group_reads_in_spanish(group: UnservedGroup, label: str, sentence: str) -> None:
    assert group.label_in("es") == label
    assert group.sentence_in("es") == sentence
    assert group.key.startswith("unserved.")  # the row's key stays the canonical words
    assert group.category in group.key


def _unserved(category: str, zone: str, *, nobody: bool = True) -> Unserved:
    return Unserved(category, zone, frozenset(), False, nobody)


def test_the_recruit_rows_in_spanish_keep_their_keys() -> None:
    needs = [
        _unserved(c, z)
        for c, z in [("Rides", "Northside"), ("Meals", "Eastside"), ("Childcare", "Westside")]
    ]
    needs += [_unserved("Groceries", z) for z in ("Downtown", "Southside", "Northside")]
    needs += [_unserved("Rides", "Southside", nobody=False)]
    lines = unserved_lines(needs, "es")
    english = unserved_lines(needs)
    assert [line.key for line in lines] == [line.key for line in english]
    more, full = lines[-2], lines[-1]
    assert more.item == "2 grupos más de necesidades que ningún voluntario pudo tomar"
    assert more.note.startswith("2 necesidades más no tuvieron voluntario (")
    assert more.note.endswith("): busque voluntarios también para ellas.")
    assert full.note == (
        "1 necesidad esperó (Transporte en Southside: 1): los voluntarios que podían ayudar "
        "estaban completos, descansando, la habían rechazado o son familia."
    )
    # English as it was, but one group is one group.
    assert english[-2].item == "2 more groups of needs no volunteer could take"


@pytest.mark.parametrize(
    ("key", "start", "english", "spanish"),
    [
        ("week", dt.date(2026, 11, 28), "the last 7 days", "los últimos 7 días"),
        ("month", dt.date(2026, 12, 1), "December 2026 (so far)", "diciembre de 2026 (hasta hoy)"),
        ("last_month", dt.date(2026, 11, 1), "November 2026", "noviembre de 2026"),
    ],
)
def test_a_period_is_named_in_the_language(
    key: str, start: dt.date, english: str, spanish: str
) -> None:
    period = Period(key, english, start, TODAY)
    assert period_name(period, "en") == english == period.label
    assert period_name(period, "es") == spanish


def test_a_goal_reads_in_spanish_with_its_pace() -> None:
    month = Period("month", "December 2026 (so far)", dt.date(2026, 12, 1), TODAY)
    progress = GoalProgress(Goal("households_helped", "month", 500), 40.0, month)
    assert progress.sentence == (
        "40 of 500 households (families) helped (8%) in December 2026 (so far); at this "
        "pace, 310 by the end of the month."
    )
    assert progress.sentence_in("es") == (
        "40 de 500 hogares (familias) apoyados (8%) en diciembre de 2026 (hasta hoy); a "
        "este ritmo, 310 para fin de mes."
    )


def test_the_flag_counts_read_cells_in_either_language() -> None:
    cells = pd.Series(["chequeo pendiente", "check-in due, stretched", "", "typed by hand"])
    assert _flag_counts(cells, "en") == "stretched: 1, check-in due: 2"
    assert _flag_counts(cells, "es") == "va justo: 1, chequeo pendiente: 2"


# ------------------------------------------------------------------------ the Load tab


def _member(checkin: Checkin, figures: Figures, name: str = "Ming Wang") -> Member:
    return Member("P0011", name, dt.date(2026, 9, 1), 2, checkin, figures)


def test_a_members_flags_read_in_spanish() -> None:
    member = _member(
        Checkin("yellow", 3.0, dt.date(2026, 11, 18)),
        Figures(tasks_week=3, shifts_7_days=3, overdue=1),
    )
    config = LoadConfig(overdue_tasks=1, checkin_weeks=2)
    flags = flags_for(member, config, TODAY, "es")
    assert [f.code for f in flags] == [
        FlagCode.OVER_CAPACITY,
        FlagCode.STRETCHED,
        FlagCode.MANY_SHIFTS,
        FlagCode.OVERDUE,
        FlagCode.CHECKIN_DUE,
    ]
    assert [f.reason for f in flags] == [
        "3 tareas esta semana; dijo que puede dar 2 por semana.",
        "Su chequeo del 2026-11-18 decía que va justo, y tiene 3 tareas esta semana.",
        "3 turnos en los últimos 7 días.",
        "1 tarea con la fecha vencida sigue con esta persona.",
        "Sin chequeo desde el 2026-11-18.",
    ]
    assert flags[0].next_step == (
        "Agradezca a Ming, pregúntele cómo le va y ofrézcale pasar una tarea a otra persona."
    )
    english = flags_for(member, config, TODAY)
    assert english[3].reason == "1 task past its due date is waiting with them."
    assert english[1].reason == (
        "Their check-in on 2026-11-18 said they are stretched, and they have 3 tasks this week."
    )


def test_a_member_without_a_name_is_this_person() -> None:
    member = _member(Checkin("red", None, dt.date(2026, 12, 3)), Figures(), name=" ")
    (flag,) = flags_for(member, LoadConfig(), TODAY, "es")
    assert flag.reason == "Su chequeo del 2026-12-03 fue rojo."
    assert flag.next_step.startswith("Agradezca de corazón a esta persona.")


def test_the_rest_offer_reads_in_spanish() -> None:
    until = dt.date(2026, 12, 11)
    assert offer_rest("Ming Wang", until) == (
        "Offer Ming a rest until Fri 2026-12-11; if they would like it, write 2026-12-11 "
        "(or yes) in rest_until."
    )
    assert offer_rest("Ming Wang", until, language="es") == (
        "Ofrezca a Ming un descanso hasta el vie 2026-12-11; si lo quiere, escriba "
        "2026-12-11 (o sí) en rest_until."
    )
    assert offer_rest("Ming Wang", until, yes_works=False, language="es").endswith(
        "escriba 2026-12-11 en rest_until."
    )


@pytest.mark.parametrize(
    ("rest", "english", "spanish"),
    [
        (
            Rest(RestStatus.BACK, dt.date(2026, 12, 1), back_checkin="green", back_on=TODAY),
            "they checked in green on 2026-12-04",
            "su chequeo del 2026-12-04 fue verde",
        ),
        (
            Rest(RestStatus.BACK, dt.date(2026, 12, 1), back_on=dt.date(2026, 12, 2)),
            "their rest ended on 2026-12-01",
            "su descanso terminó el 2026-12-01",
        ),
    ],
)
def test_why_a_rest_ended_reads_in_the_language(rest: Rest, english: str, spanish: str) -> None:
    assert rest.why_back == english
    assert rest.why_back_in("es") == spanish


def test_the_followup_reads_a_spanish_flags_cell() -> None:
    """A check-in due says nothing of a member's load, in Spanish too; the other flags are
    quoted in the tab's words."""
    rows = [
        {"person_id": "P1", "flags": "chequeo pendiente"},
        {"person_id": "P2", "flags": "va justo, chequeo pendiente"},
    ]
    assert _why_flagged(rows, {}) == {"P2": "va justo"}


# ------------------------------------------------------------------------- properties

LANGUAGES = sorted(available_languages())
CATEGORIES = list(load_schemas()["requests"].field("categories").enum or ())
SPOKEN = ["Spanish", "Chinese", "Haitian Creole", "Arabic"]
_ENGLISH = [(as_pattern(msgid), msgid) for msgid, _ in translated("es")]


@given(
    st.lists(st.sampled_from(list(FlagCode)), unique=True),
    st.sampled_from(LANGUAGES),
)
def test_a_flags_cell_reads_back_as_its_flags(codes: list[FlagCode], language: str) -> None:
    cell = ", ".join(flag_name(code, language) for code in codes)
    assert flag_codes(cell) == codes
    assert flag_codes(cell.upper()) == codes  # typed over in capitals: still the flags


@given(
    category=st.sampled_from(CATEGORIES),
    zone=st.sampled_from(["", "Westside", "Downtown"]),
    spoken=st.lists(st.sampled_from(SPOKEN), unique=True, max_size=2),
    nobody=st.booleans(),
    needs=st.integers(1, 2000),
    data=st.data(),
)
def test_a_spanish_group_leaves_no_english_and_no_placeholder(
    category: str, zone: str, spoken: list[str], nobody: bool, needs: int, data: st.DataObject
) -> None:
    urgent = data.draw(st.integers(0, needs))
    group = UnservedGroup(category, zone, " or ".join(spoken), nobody, needs, urgent)
    for text in (group.label_in("es"), group.sentence_in("es")):
        assert "%(" not in text
        left = [m for m, _ in _ENGLISH if m.search(text)]
        assert left == [], text


@given(st.integers(0, 10**6), st.sampled_from(LANGUAGES))
def test_a_plural_message_shows_its_number_in_the_language(num: int, language: str) -> None:
    text = translate_plural(language, "%(num)s volunteer.", "%(num)s volunteers.", num)
    assert text.startswith(number(num, language) + " ")
    one = translate_plural(language, "%(num)s volunteer.", "%(num)s volunteers.", 1)[2:]
    assert text.endswith(one) == (num == 1)


def test_the_spanish_offers_yes_as_si_and_si_confirms_it() -> None:
    """The Spanish offer says "(o sí)": sí confirms the suggested rest as yes does."""
    row = {
        "rest_until": "Sí",
        "rest_suggested": "2026-12-11",
        "resting_until": "",
        "rest_confirmed": "",
    }
    rest = read_rest(row, Checkin("", None, None), TODAY, dayfirst=False)
    assert (rest.status, rest.until) == (RestStatus.RESTING, dt.date(2026, 12, 11))
