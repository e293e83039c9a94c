"""The Errors tab's reasons in the network's language (translation.tab_language): every
message intake, the read of a form tab and the end-of-run check write there has its Spanish
in the catalog; each kind of reason reads in Spanish as it should, naming the question as
the row's column is headed and never quoting the answer; English reads as it always has;
and a network that changes language rewrites its reasons without a new or reopened row."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.backends.base import TabData, Value
from sheetsync.cli import cli
from sheetsync.config import Config, FormConfig
from sheetsync.form_languages import ENGLISH, form_language, written_in
from sheetsync.intake.validate import Validated, ValidationContext, validate_form
from sheetsync.match.invariants import (
    Bound,
    Week,
    not_maximal,
    over_capacity,
    overbooked_needs,
    unavailable_proposed,
)
from sheetsync.match.volunteers import DO_NOT_CONTACT, RED, RESTING
from sheetsync.schema import FieldType, TableSchema, load_schemas
from sheetsync.statuses import TaskStatus
from sheetsync.steps.organizer_values import BadValue, _fix, _task_status, value_problem
from sheetsync.tables import FormTable, read_form
from sheetsync.translation import available_languages, number
from tests.conftest import NOW, ZONES, checkin, offer, request, write_cell
from tests.tab_catalog import (
    REASON_MODULES,
    messages_in,
    placeholder_problems,
    untranslated,
)
from tests.test_docs import as_pattern, translated
from tests.test_invariants import helper, plain_task
from tests.test_match import records, volunteer_offer, weekly

SCHEMAS = load_schemas()
REQUESTS = SCHEMAS["requests"]
OTHER_LANGUAGES = sorted(available_languages() - {ENGLISH})


@cache
def reason_messages() -> list[str | tuple[str, str]]:
    """Every message the reasons' modules write, found by Babel's extractor."""
    return messages_in(REASON_MODULES)


# ------------------------------------------------------------------------- the catalog


def test_the_extractor_finds_the_reasons() -> None:
    found = reason_messages()
    assert len(found) > 60
    assert "'%(title)s' is empty; it is required." in found
    assert "it has no @" in found
    assert "is not a value this column takes" in found
    assert any(isinstance(m, tuple) and "does not allow" in m[0] for m in found)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_reason_has_its_translation(language: str) -> None:
    assert untranslated(reason_messages(), language) == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_reason_translation_keeps_its_placeholders(language: str) -> None:
    assert placeholder_problems(reason_messages(), language) == []


# ------------------------------------------------------------- each kind, in Spanish


def _validate(
    schema: TableSchema,
    *rows: dict[str, Value],
    language: str = "es",
    **allowed: list[str],
) -> Validated:
    frame = pd.DataFrame(list(rows), index=range(2, 2 + len(rows)), dtype=object)
    ctx = ValidationContext(
        tab="Form Responses 1",
        region="US",
        dayfirst=False,
        allowed={"network.zones": ZONES, **allowed},
        titles={f.name: f.title for f in schema.fields},
        now=NOW,
        language=language,
    )
    return validate_form(frame, schema, ctx)


def _reasons(schema: TableSchema, answers: dict[str, Value], **allowed: list[str]) -> list[str]:
    return [i.message for i in _validate(schema, answers, **allowed).issues]


@pytest.mark.parametrize(
    ("form", "answers", "reason"),
    [
        (
            "requests",
            request(name="  "),
            "La pregunta 'Your name' está vacía; es obligatoria.",
        ),
        (
            "requests",
            request(phone="", email=""),
            "Hace falta 'Phone number' o 'Email': la respuesta no tiene ninguno de los dos.",
        ),
        (
            "requests",
            request(phone="555-12"),
            "La respuesta a 'Phone number' no es un número de teléfono válido de Estados "
            "Unidos: corríjala, o escríbala empezando con + y el código del país.",
        ),
        (
            "requests",
            request(email="maria@@example.org"),
            "La respuesta a 'Email' no es un correo electrónico válido: tiene más de una @.",
        ),
        (
            "requests",
            request(email="maria example.org"),
            "La respuesta a 'Email' no es un correo electrónico válido: no tiene @.",
        ),
        (
            "requests",
            request(email="maria@example"),
            "La respuesta a 'Email' no es un correo electrónico válido: lo que va después de "
            "la @ no es un dominio como example.org.",
        ),
        (
            "requests",
            request(urgency="Yesterday"),
            "La pregunta 'How urgent is this?' tiene una respuesta que no admite.",
        ),
        (
            "requests",
            request(availability="Night shifts, Weekend"),
            "La pregunta 'When are you available?' tiene 2 respuestas que no admite. "
            "¿Quiso decir 'Weekends'?",
        ),
        (
            "requests",
            request(zone="Eastsid"),
            "La pregunta 'Neighbourhood' tiene una respuesta que no admite (las zonas de "
            "[network] en sheetsync.toml). ¿Quiso decir 'Eastside'?",
        ),
        (
            "requests",
            request(timestamp="not a date"),
            "La respuesta a 'Timestamp' no es una fecha y hora. Escríbala como 2026-11-20 "
            "14:05, 11/20/2026 14:05 o 2026-11-20.",
        ),
        (
            "requests",
            request(timestamp=dt.datetime(2026, 11, 24, 9, 0)),
            "La respuesta a 'Timestamp' está en el futuro (después de esta ejecución, "
            "2026-11-23 09:00): revise el año, y que el día y el mes no estén al revés. Si "
            "todas las respuestas nuevas terminan aquí, ponga en timezone, en [network] de "
            "sheetsync.toml, la zona horaria de la hoja de cálculo.",
        ),
        (
            "requests",
            request(name="x" * 201),
            "La respuesta a 'Your name' tiene más de 200 caracteres (tiene 201): corríjala en "
            "la respuesta o pida a la persona que envíe el formulario de nuevo.",
        ),
        (
            "requests",
            request(details="y" * 12000),
            "La respuesta a 'Tell us more' se acortó de 12.000 a 5.000 caracteres; la "
            "respuesta completa está en Form Responses 1, fila 2.",
        ),
        (
            "offers",
            offer(weekly_capacity="2.5"),
            "La respuesta a 'How many tasks can you take on in a typical week?' debe ser un "
            "número entero.",
        ),
        (
            "offers",
            offer(weekly_capacity="60"),
            "La respuesta a 'How many tasks can you take on in a typical week?' está por "
            "encima del máximo, 50.",
        ),
        (
            "checkins",
            checkin(checkin_hours="lots"),
            "La respuesta a 'How many hours can you give this week?' debe ser un número.",
        ),
        (
            "checkins",
            checkin(checkin_hours="-1,5"),
            "La respuesta a 'How many hours can you give this week?' está por debajo del "
            "mínimo, 0.",
        ),
    ],
)
def test_each_kind_of_form_reason_reads_in_spanish(
    form: str, answers: dict[str, Value], reason: str
) -> None:
    assert _reasons(SCHEMAS[form], answers) == [reason]


def test_a_feedback_code_no_task_has_reads_in_spanish() -> None:
    answers: dict[str, Value] = {
        "timestamp": dt.datetime(2026, 11, 22, 8, 0),
        "code": "ZZ99",
        "role": "Asked for help",
        "happened": "Yes",
    }
    reasons = _reasons(SCHEMAS["feedback"], answers, **{"tasks.feedback_code": ["AB12"]})
    assert (
        "La respuesta a 'Your feedback code' no es el código de ninguna tarea: revise el "
        "código del enlace o del correo (la columna feedback_code de la pestaña Tasks tiene "
        "el de cada tarea)."
    ) in reasons


def test_a_pattern_and_a_date_read_in_spanish() -> None:
    """No shipped form has a pattern or a date-only question yet: a form that adds one."""
    fields = tuple(
        dataclasses.replace(f, pattern=r"[A-Z]{2}\d{2}")
        if f.name == "details"
        else dataclasses.replace(f, type=FieldType.DATE)
        if f.name == "timestamp"
        else f
        for f in REQUESTS.fields
    )
    schema = dataclasses.replace(REQUESTS, fields=fields)
    reasons = _reasons(schema, request(details="no code", timestamp="someday"))
    assert reasons == [
        "La respuesta a 'Timestamp' no es una fecha. Escríbala como 2026-11-20 o 11/20/2026.",
        "La respuesta a 'Tell us more' no tiene la forma esperada.",
    ]


def test_english_reasons_read_as_they_always_have() -> None:
    result = _validate(REQUESTS, request(details="y" * 12000, phone="555-12"), language=ENGLISH)
    assert [i.message for i in result.issues] == [
        "'Phone number' is not a valid US phone number: correct it, or start it with + and "
        "its country code.",
        "'Tell us more' was shortened from 12,000 to 5,000 characters; the full answer is in "
        "Form Responses 1, row 2.",
    ]
    # The cut answer's marker is the Needs tab's, in the tabs' language (intake/shortened.py).
    long = request(details="y" * 12000)
    english = _validate(REQUESTS, long, language=ENGLISH).valid["details"].tolist()
    assert english[0].endswith("[shortened: full answer in Form Responses 1, row 2]")
    spanish = _validate(REQUESTS, long).valid["details"].tolist()
    assert spanish[0].endswith("[acortado: la respuesta completa está en Form Responses 1, fila 2]")
    assert len(spanish[0]) == len(english[0]) == 5000


def test_a_cleaned_answer_is_noted_in_spanish() -> None:
    header = [form_language("es").title("requests", f) for f in REQUESTS.fields]
    row = written_in(REQUESTS, {**request(), "details": "Dos\x00 cosas\x01\ud800"}, "es")
    form = FormConfig(tab="Form Responses 1", languages=("es", ENGLISH))
    table = read_form(TabData("Form Responses 1", [header, row]), REQUESTS, form, "requests", "es")
    [note] = table.cleaned
    assert note.message == (
        "'Cuéntanos más': se cambiaron 2 caracteres de control por espacios y se quitó 1 "
        "carácter dañado; la fila de la respuesta no se modificó."
    )
    english = read_form(TabData("Form Responses 1", [header, row]), REQUESTS, form, "requests")
    assert english.cleaned[0].message == (
        "'Cuéntanos más': replaced 2 control characters with a space and removed 1 broken "
        "character; the response row is unchanged."
    )


# ------------------------------------------------- the column the row answered in


def _mixed_tab(*rows: list[Value]) -> FormTable:
    """A form translated by adding its questions anew: a column per language."""
    english = [f.title for f in REQUESTS.fields]
    spanish = [form_language("es").title("requests", f) for f in REQUESTS.fields]
    header = [*english, *spanish[1:]]  # one Timestamp: Google keeps it
    form = FormConfig(tab="Form Responses 1", languages=("es", ENGLISH))
    return read_form(TabData("Form Responses 1", [header, *rows]), REQUESTS, form, "requests")


def _old_and_new(**new_answers: Value) -> FormTable:
    width = len(REQUESTS.fields) - 1
    old = [request(zone="")[n] for n in REQUESTS.names]
    values = written_in(REQUESTS, {**request(), **new_answers}, "es")
    new = [values[0], *[""] * width, *values[1:]]
    return _mixed_tab(old, new)


def test_a_reason_names_the_column_the_row_answered_in() -> None:
    table = _old_and_new(zone="", phone="555-12")
    ctx = ValidationContext(
        tab=table.tab,
        region="US",
        dayfirst=False,
        allowed={"network.zones": ZONES},
        titles=table.titles,
        now=NOW,
        words=table.words,
        language="es",
        answered_in=table.answered_in,
    )
    result = validate_form(table.frame, table.schema, ctx)
    by_row = {(i.row, i.field): i.message for i in result.issues}
    # The English row is told of the English question, the Spanish row of the Spanish one,
    # an empty answer too (the row answered the rest of the form in Spanish).
    assert by_row[(2, "zone")] == "La pregunta 'Neighbourhood' está vacía; es obligatoria."
    assert by_row[(3, "zone")] == "La pregunta 'Barrio' está vacía; es obligatoria."
    assert by_row[(3, "phone")].startswith("La respuesta a 'Número de teléfono' no es")
    assert table.title("zone", 3) == "Barrio" and table.title("zone", 2) == "Neighbourhood"
    assert table.title("timestamp", 3) == "Timestamp"  # one column: its header


def test_a_tab_in_one_language_keeps_its_titles() -> None:
    header = [form_language("es").title("requests", f) for f in REQUESTS.fields]
    row = written_in(REQUESTS, request(zone=""), "es")
    form = FormConfig(tab="Form Responses 1", languages=("es", ENGLISH))
    table = read_form(TabData("Form Responses 1", [header, row]), REQUESTS, form, "requests")
    assert table.answered_in == {}
    assert table.title("zone", 2) == "Barrio"


# ------------------------------------------------------------- the check's reasons


def _task(task_id: str, need_id: str, volunteer: str) -> dict[str, Any]:
    return plain_task(task_id, volunteer, status="proposed", need_id=need_id)


def test_an_overbooked_need_reads_in_spanish() -> None:
    tasks = [_task("T0001", "N0042", "P0001"), _task("", "N0042", "P0002")]
    [found] = overbooked_needs(tasks, [TaskStatus.PROPOSED] * 2, "es")
    assert found.message == (
        "La necesidad N0042 tiene 2 tareas propuestas o aceptadas (T0001, una tarea para "
        "N0042 (sin task_id)), pero necesita 1 voluntario. En la pestaña Tasks deje una y "
        "marque las demás como rechazada o cancelada."
    )
    [english] = overbooked_needs(tasks, [TaskStatus.PROPOSED] * 2)
    assert english.message.startswith("Need N0042 has 2 tasks proposed or accepted (T0001, a task")


def test_a_volunteer_over_capacity_reads_in_spanish() -> None:
    live = [f"T000{i}" for i in range(1, 8)]
    week = {"P0001": Week(taken=7, live=live)}
    volunteer = helper("P0001", weekly=2)
    [found] = over_capacity([volunteer], week, {"P0009": "P0001"}, {"P0009": "P0001"}, "es")
    assert found.message == (
        "La persona voluntaria P0001 (con las filas vinculadas P0009) tiene 7 tareas esta "
        "semana, pero solo tiene lugar para 2 (lo que ofreció, reducido por su último "
        "chequeo). Tareas activas: T0001, T0002, T0003, T0004, T0005 y 2 más. Pregúntele "
        "cuáles quiere conservar y marque las demás como rechazada en la pestaña Tasks."
    )


@pytest.mark.parametrize(
    ("why", "words"),
    [
        (RED, "cuyo último chequeo fue rojo"),
        (RESTING, "que está descansando (un descanso confirmado en la pestaña Load)"),
        (DO_NOT_CONTACT, "que está marcada para no contactar"),
    ],
)
def test_a_proposal_to_someone_unavailable_reads_in_spanish(why: str, words: str) -> None:
    tasks = [_task("T0007", "N0042", "P0001")]
    [found] = unavailable_proposed(tasks, [TaskStatus.PROPOSED], {"P0001": why}, {}, "es")
    assert found.message == (
        f"T0007 está propuesta a P0001, {words}. Márquela como cancelada en la pestaña Tasks "
        "y su necesidad N0042 pasará a otra persona."
    )
    [english] = unavailable_proposed(tasks, [TaskStatus.PROPOSED], {"P0001": why}, {})
    assert english.message == (
        f"T0007 is proposed to P0001, who is {why}. Mark it cancelled on the Tasks tab, and "
        "its need N0042 goes to someone else."
    )


def test_a_run_that_served_too_few_reads_in_spanish() -> None:
    [found] = not_maximal(3, Bound(1234, "N0042"), "es")
    assert found.message.startswith(
        "Esta ejecución propuso 3 tareas cuando las reglas permitían 1.234 a la vez; la "
        "necesidad N0042 es una que se podía atender."
    )


def test_an_organizer_value_reads_in_spanish(config: Config) -> None:
    spanish = _in_spanish(config)
    spec = SCHEMAS["tasks"].field("status")
    bad = BadValue(
        table="tasks",
        tab="Tasks",
        row=7,
        subject="T0007",
        field="status",
        value="donee",
        problem=value_problem(spec, "donee", dayfirst=False, language="es", table="tasks") or "",
        fix=_fix(spec, "es", table="tasks"),
        meanwhile=_task_status("donee", spanish),
        quoted=True,
        language="es",
    )
    assert bad.reason == (
        "El valor de status en Tasks fila 7, T0007 ('donee') no es un valor que esta columna "
        "acepte: escriba propuesta, aceptada, hecha, rechazada, cancelada, retirada o vencida. "
        "Mientras tanto, sheetsync cuenta la tarea como propuesta: conserva el lugar de su "
        "voluntario y su necesidad sigue asignada, así nadie queda reservado dos veces. "
        "La columna es de los organizadores (sheetsync nunca la sobrescribe); la fila se "
        "marca como resuelta en la primera ejecución que la encuentre bien."
    )
    assert "donee" not in bad.message  # the run report: never the value


@pytest.mark.parametrize(
    ("column", "value", "problem", "fix"),
    [
        ("hours", "-1", "es menor que 0", "escriba un número de 0 o más, p. ej., 1,5"),
        (
            "due",
            "someday",
            "no es una fecha que sheetsync pueda leer",
            "escriba una fecha, p. ej., 2026-11-30",
        ),
    ],
)
def test_a_typed_organizer_column_reads_in_spanish(
    column: str, value: str, problem: str, fix: str
) -> None:
    spec = SCHEMAS["tasks"].field(column)
    assert value_problem(spec, value, dayfirst=False, language="es") == problem
    assert _fix(spec, "es") == fix


# --------------------------------------------------------------------- properties

_ENGLISH_REASONS = [
    as_pattern(msgid)
    for msgid, _ in translated("es")
    if msgid
    in {
        m
        for message in reason_messages()
        for m in (message if isinstance(message, tuple) else (message,))
    }
]


@given(
    email=st.text(alphabet="ab.@ -", max_size=12).map(lambda s: "qz" + s),
    hours=st.text(alphabet="0123456789-,.x", min_size=1, max_size=6).map(lambda s: s + "q"),
    note_length=st.integers(4990, 12000),
    language=st.sampled_from(OTHER_LANGUAGES),
)
def test_a_reason_leaves_no_english_no_placeholder_and_never_the_answer(
    email: str, hours: str, note_length: int, language: str
) -> None:
    answers = checkin(email=email, checkin_hours=hours, checkin_note="z" * note_length)
    issues = _validate(SCHEMAS["checkins"], answers, language=language).issues
    assert {i.field for i in issues} >= {"email", "checkin_hours"}
    for issue in issues:
        text = issue.message
        assert "%(" not in text
        assert [p.pattern for p in _ENGLISH_REASONS if p.search(text)] == []
        assert "qz" not in text and "zzz" not in text


@given(st.integers(201, 10**5), st.sampled_from(sorted(available_languages())))
def test_a_length_is_written_with_the_languages_separators(length: int, language: str) -> None:
    [issue] = _validate(REQUESTS, request(name="x" * length), language=language).issues
    limit, counted = number(200, language), number(length, language)
    if language == ENGLISH:
        assert f"longer than {limit} characters (it has {counted})" in issue.message
        assert counted == f"{length:,}"
    else:
        assert f" {limit} " in issue.message and f" {counted})" in issue.message


# ------------------------------------------------------ the Spanish demo, end to end


@pytest.fixture(scope="module")
def spanish_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-errors")
    config = folder / "sheetsync.toml"
    runner = CliRunner()
    args = ["--config", str(config), "init", "--workbook", str(folder / "network.xlsx")]
    made = runner.invoke(cli, [*args, "--demo", "--history", "3", "--language", "es"])
    assert made.exit_code == 0, made.output
    ran = runner.invoke(cli, ["--config", str(config), "run", "weekly"])
    assert ran.exit_code == 0, ran.output
    return folder


def _errors_tab(folder: Path) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(folder / "network.xlsx")
    rows = book["Errors"].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def test_the_spanish_demos_errors_tab_holds_no_english_reason(spanish_demo: Path) -> None:
    errors = _errors_tab(spanish_demo)
    reasons = [str(e["reason"]) for e in errors]
    pairs = translated("es")
    for reason in reasons:
        for msgid, _msgstr in pairs:
            assert not as_pattern(msgid).search(reason), f"{msgid!r} left in {reason!r}"
    # The check saw Spanish reasons of both writers: intake's and the end-of-run check's.
    assert "La pregunta 'Barrio' está vacía; es obligatoria." in reasons
    assert any(r.startswith("La persona voluntaria ") for r in reasons)
    # The questions are named as the Spanish form heads them.
    assert "Barrio" in [e["fields"] for e in errors]


# -------------------------------------------- a network that changes its language


def _in_spanish(config: Config) -> Config:
    return dataclasses.replace(
        config, email=dataclasses.replace(config.email, organizers_language="es")
    )


def test_changing_language_rewrites_reasons_without_new_or_reopened_rows(
    backend, config, add_responses
) -> None:
    """The reason is never a key: intake's rows are keyed by their response, the check's
    by form, source and column. Switched to Spanish, the same rows say it in Spanish."""
    add_responses("requests", request(), request(name="Ana Diaz", zone=""))
    add_responses("offers", volunteer_offer("Sam Lee", "201-555-0170", "sam@example.net"))
    weekly(backend, config)
    [task] = records(backend, config, "tasks")
    write_cell(backend, config, "tasks", task["task_id"], "status", "donee")
    add_responses("requests", request(name="Lin Wu", phone="555-12", email=""))
    weekly(backend, config, now=NOW + dt.timedelta(hours=1))
    before = records(backend, config, "errors")
    weekly(backend, _in_spanish(config), now=NOW + dt.timedelta(hours=2))
    after = records(backend, config, "errors")
    keep = ("error_id", "form", "source", "fields", "status", "first_seen", "person_id")
    assert [{k: e[k] for k in keep} for e in after] == [{k: e[k] for k in keep} for e in before]
    assert len(after) == 3 and {e["status"] for e in after} == {"open"}
    spanish = {e["source"]: e["reason"] for e in after}
    assert (
        spanish["Form Responses 1:3"] == "La pregunta 'Neighbourhood' está vacía; es obligatoria."
    )
    assert spanish["Form Responses 1:4"].startswith(
        "La respuesta a 'Phone number' no es un número de teléfono válido"
    )
    assert spanish[f"Tasks:{task['task_id']}"].startswith("El valor de status en Tasks fila ")
    # And back: English as it was, still the same rows.
    weekly(backend, config, now=NOW + dt.timedelta(hours=3))
    again = records(backend, config, "errors")
    assert [e["reason"] for e in again] == [e["reason"] for e in before]
    assert [{k: e[k] for k in keep} for e in again] == [{k: e[k] for k in keep} for e in before]


def test_a_word_column_names_its_words_in_the_network_s_language(config: Config) -> None:
    """The values to write are the words the tab shows (status_words), in Spanish; and a
    word sheetsync reads otherwise is named as the tab writes it."""
    decision = SCHEMAS["duplicates"].field("decision")
    assert _fix(decision, "es", table="duplicates") == "escriba misma o diferente, o déjelo vacío"
    assert _fix(decision, "en", table="duplicates") == "write same or different, or leave it empty"
    assert _task_status("in progress", _in_spanish(config)).endswith("aceptada")
    assert _task_status("in progress", config).endswith("accepted")
