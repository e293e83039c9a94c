"""Forms in any language: every shipped language file covers the forms, a tab is read in
any of the network's languages, and what comes out is the schemas' canonical English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabData, Value
from sheetsync.config import Config, FormConfig, render_config
from sheetsync.errors import ConfigError, MissingColumnError
from sheetsync.form_languages import (
    ENGLISH,
    LOCALES,
    form_language,
    form_words,
    language_names,
    shipped_languages,
    written_in,
)
from sheetsync.intake.validate import Validated, ValidationContext, validate_form
from sheetsync.normalize import fold
from sheetsync.schema import FieldType, TableSchema, load_schemas
from sheetsync.tables import FormTable, read_form
from tests.conftest import NOW, ZONES, init_demo, request, spanish_network

FORMS = [s for s in load_schemas().values() if s.kind == "form"]
OTHER_LANGUAGES = [code for code in shipped_languages() if code != ENGLISH]
SPANISH = ("es", ENGLISH)


# -- every shipped language file ----------------------------------------------------------


def test_spanish_ships_and_english_comes_first() -> None:
    assert shipped_languages()[0] == ENGLISH
    assert "es" in shipped_languages()
    assert {p.parent.name for p in LOCALES.glob("*/forms.yaml")} == set(OTHER_LANGUAGES)


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("schema", FORMS, ids=lambda s: s.name)
def test_a_language_file_gives_every_question_a_title(code: str, schema: TableSchema) -> None:
    words = form_language(code)
    missing = [f.name for f in schema.fields if (schema.name, f.name) not in words.titles]
    assert missing == []


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_a_language_file_names_only_questions_the_forms_ask(code: str) -> None:
    words = form_language(code)
    known = {(s.name, f.name) for s in FORMS for f in s.fields}
    assert sorted(set(words.titles) - known) == []
    assert sorted(set(words.options) - known) == []


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("schema", FORMS, ids=lambda s: s.name)
def test_a_language_file_gives_every_option_its_words(code: str, schema: TableSchema) -> None:
    """Every option of every choice question, no more; words for a question that takes any
    answer only where it is a list (Languages you speak); empty words nowhere."""
    words = form_language(code)
    for spec in schema.fields:
        given = words.options.get((schema.name, spec.name), {})
        if spec.enum:
            assert set(given) == set(spec.enum), spec.name
        elif given:
            assert spec.type is FieldType.LIST and not spec.enum_from, spec.name
        assert all(text.strip() for text in given.values()), spec.name


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("schema", FORMS, ids=lambda s: s.name)
def test_no_two_options_read_alike_in_a_language_or_beside_english(
    code: str, schema: TableSchema
) -> None:
    """Two options whose words fold alike (case, accents, spaces) would read as one; an
    option's words like another option's English would read as that one. A checkbox
    option cannot hold its question's delimiter: it would read as two."""
    for spec in schema.fields:
        given = form_language(code).options.get((schema.name, spec.name), {})
        english = {o: o for o in spec.enum or ()}
        seen: dict[str, str] = {}
        for canonical, text in [*given.items(), *english.items()]:
            key = fold(text)
            assert seen.setdefault(key, canonical) == canonical, (spec.name, canonical)
        if spec.type is FieldType.LIST:
            assert not [t for t in given.values() if spec.delimiter in t], spec.name


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("schema", FORMS, ids=lambda s: s.name)
def test_no_two_questions_share_a_title_in_a_language_or_beside_english(
    code: str, schema: TableSchema
) -> None:
    """A title two questions have would read one column as both."""
    words = form_language(code)
    seen: dict[str, str] = {}
    for spec in schema.fields:
        for title in {words.title(schema.name, spec), spec.title}:
            assert seen.setdefault(title.strip().casefold(), spec.name) == spec.name, title


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_option_written_in_a_language_reads_back(code: str) -> None:
    for schema in FORMS:
        words = form_words(schema.name, (code,))
        for spec in schema.fields:
            for canonical in spec.enum or ():
                text = form_language(code).answer(schema.name, spec, canonical)
                assert words.canonical(spec, text) == canonical


# -- [forms] languages in sheetsync.toml --------------------------------------------------


def _config(tmp_path: Path, **forms: Any) -> Config:
    data = {
        "network": {"zones": list(ZONES)},
        "backend": {"kind": "local", "workbook": "network.xlsx"},
        "forms": forms,
    }
    return Config.from_dict(data, base_dir=tmp_path)


def test_forms_are_in_english_unless_the_config_says(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert config.form_languages == (ENGLISH,)
    assert {f.languages for f in config.forms.values()} == {(ENGLISH,)}


def test_the_config_lists_the_forms_languages_first_first(tmp_path: Path) -> None:
    config = _config(tmp_path, languages=["es", "en"])
    assert config.form_languages == ("es", "en")
    assert config.forms["offers"].languages == ("es", "en")


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        (
            ["es", "fr"],
            "lists 'fr', a language sheetsync has no form words for. Use one of: en, es",
        ),
        ([], 'e.g. languages = ["es", "en"]; sheetsync has forms in en, es.'),
        ("es", 'e.g. languages = ["es", "en"]; sheetsync has forms in en, es.'),
    ],
)
def test_an_unknown_language_is_a_config_error_naming_the_shipped_ones(
    tmp_path: Path, languages: Any, message: str
) -> None:
    with pytest.raises(ConfigError, match="languages") as err:
        _config(tmp_path, languages=languages)
    assert message in str(err.value)


def test_the_config_template_writes_languages_only_when_not_english_alone() -> None:
    english = render_config(backend="local", workbook="network.xlsx")
    spanish = render_config(
        backend="local",
        workbook="network.xlsx",
        form_languages=("es", "en"),
        organizers_language="es",
    )
    assert "languages =" not in english and "[forms]\n" not in english
    assert '[forms]\nlanguages = ["es", "en"]\n' in spanish
    assert '\norganizers_language = "es"\n' in spanish
    assert Config.from_dict(_toml(spanish), base_dir=Path(".")).form_languages == ("es", "en")


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


# -- reading a tab ------------------------------------------------------------------------


REQUESTS = load_schemas()["requests"]


def _tab(header: list[str], *rows: list[Value]) -> TabData:
    return TabData("Form Responses 1", [list(header), *[list(r) for r in rows]])


def _spanish_header(schema: TableSchema = REQUESTS) -> list[str]:
    return [form_language("es").title(schema.name, f) for f in schema.fields]


def _read(data: TabData, languages: tuple[str, ...] = SPANISH, **columns: str) -> FormTable:
    form = FormConfig(tab="Form Responses 1", columns=columns, languages=languages)
    return read_form(data, REQUESTS, form, "requests")


def _validate(table: FormTable) -> Validated:
    ctx = ValidationContext(
        tab=table.tab,
        region="US",
        dayfirst=False,
        allowed={"network.zones": ZONES},
        titles=table.titles,
        now=NOW,
        words=table.words,
    )
    return validate_form(table.frame, table.schema, ctx, notes=table.cleaned)


def _spanish_request(**answers: Value) -> list[Value]:
    values = {**request(), **answers}
    return written_in(REQUESTS, values, "es")


def test_a_column_is_found_by_its_spanish_title() -> None:
    table = _read(_tab(_spanish_header(), _spanish_request()))
    assert table.titles["categories"] == "¿Con qué necesitas ayuda?"
    assert table.titles["timestamp"] == "Marca temporal"
    assert table.notices == []


def test_a_spanish_request_row_is_taken_in_with_canonical_values() -> None:
    row = _spanish_request(
        categories="Groceries, Rides",
        urgency="Today",
        languages="Spanish, English",
        availability="Weekday evenings, Weekends",
        consent="First name only",
        recurrence="Every week",
    )
    assert row[REQUESTS.names.index("categories")] == "Comida, Transporte"
    result = _validate(_read(_tab(_spanish_header(), row)))
    assert result.issues == []
    [answers] = result.valid.to_dict("records")
    assert answers["categories"] == ["Groceries", "Rides"]
    assert answers["urgency"] == "Today"
    assert answers["languages"] == ["Spanish", "English"]
    assert answers["availability"] == ["Weekday evenings", "Weekends"]
    assert answers["consent"] == "First name only"
    assert answers["recurrence"] == "Every week"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("comida,  TRANSPORTE", ["Groceries", "Rides"]),  # case and spaces
        ("Traduccion", ["Translation"]),  # without its accent
        ("Groceries, Transporte", ["Groceries", "Rides"]),  # English and Spanish in one
    ],
)
def test_answers_read_as_forgivingly_as_english_ones(typed: str, canonical: list[str]) -> None:
    result = _validate(_read(_tab(_spanish_header(), _spanish_request(categories=typed))))
    assert [i.code for i in result.issues] == []
    assert result.valid["categories"].tolist() == [canonical]


def test_an_answer_in_no_language_is_refused_naming_the_languages_tried() -> None:
    secret = "Comdia para mi abuela María"
    row = _spanish_request(urgency="Mañana tal vez", categories=f"Comida, {secret}")
    row[REQUESTS.names.index("availability")] = "Noches entre semna"
    result = _validate(_read(_tab(_spanish_header(), row)))
    by_field = {i.field: i for i in result.issues}
    assert result.invalid_rows == [2]
    assert by_field["urgency"].code == "enum"
    assert by_field["urgency"].message == (
        "'¿Qué tan urgente es?' has an answer that it does not allow in Spanish or English."
    )
    assert by_field["availability"].message == (
        "'¿Cuándo estás disponible?' has an answer that it does not allow in Spanish or "
        "English. Did you mean 'Noches entre semana'?"
    )
    # "Other" takes what people type: not refused, kept as the Other text.
    assert "categories" not in by_field
    for issue in result.issues:
        assert "abuela" not in issue.message and "Mañana" not in issue.message


def test_an_english_network_refuses_spanish_as_before() -> None:
    header = [f.title for f in REQUESTS.fields]
    row = [request(urgency="Hoy")[n] for n in REQUESTS.names]
    result = _validate(_read(_tab(header, row), languages=(ENGLISH,)))
    [issue] = result.issues
    assert issue.message == "'How urgent is this?' has an answer that it does not allow."


def test_a_mixed_tab_reads_english_rows_and_spanish_rows_alike() -> None:
    """A form translated in place: Google keeps each question's column and adds one for
    each new title; old rows answer the English columns, new rows the Spanish ones."""
    english = [f.title for f in REQUESTS.fields]
    header = [*english, *_spanish_header()[1:]]  # one Timestamp: Google keeps it
    width = len(REQUESTS.fields) - 1
    old = [request(categories="Meals")[n] for n in REQUESTS.names]
    new_values = _spanish_request(categories="Meals, Rides", urgency="Today")
    new = [new_values[0], *[""] * width, *new_values[1:]]
    table = _read(_tab(header, old, new))
    assert table.notices == []  # a translation is expected, not something to rename
    assert table.titles["categories"] == "What do you need help with?"
    result = _validate(table)
    assert result.issues == []
    assert result.valid["categories"].tolist() == [["Meals"], ["Meals", "Rides"]]
    assert result.valid["urgency"].tolist() == ["This week", "Today"]


def test_two_columns_of_one_title_still_give_the_notice() -> None:
    header = [*_spanish_header(), "Barrio"]
    table = _read(_tab(header, _spanish_request()))
    assert table.notices == [
        "Tab 'Form Responses 1' has 2 columns titled 'Barrio'; sheetsync uses the first "
        "answer given. Rename one question to tell them apart."
    ]


def test_the_columns_mapping_still_wins_over_the_titles() -> None:
    header = _spanish_header()
    header[REQUESTS.names.index("name")] = "Nombre completo"
    table = _read(_tab(header, _spanish_request()), name="Nombre completo")
    assert table.titles["name"] == "Nombre completo"


def test_a_missing_question_names_its_title_in_each_language() -> None:
    header = [h for h in _spanish_header() if h != "Barrio"]
    with pytest.raises(MissingColumnError) as err:
        _read(_tab(header))
    assert str(err.value).startswith(
        "Column 'Barrio' (or 'Neighbourhood') not found in tab 'Form Responses 1'."
    )


def test_a_spanish_only_network_still_reads_english() -> None:
    header = [f.title for f in REQUESTS.fields]
    row = [request(categories="Groceries, Rides")[n] for n in REQUESTS.names]
    result = _validate(_read(_tab(header, row), languages=("es",)))
    assert result.issues == []
    assert language_names(("es",)) == "Spanish or English"


# -- the property: any answers, any configured language per row ---------------------------


def _choices(options: tuple[str, ...], *, many: bool) -> st.SearchStrategy[list[str]]:
    if many:
        return st.lists(st.sampled_from(options), min_size=1, unique=True)
    return st.sampled_from(options).map(lambda o: [o])


_CHOICE_FIELDS = [f for f in REQUESTS.fields if f.enum]
_ROW = st.fixed_dictionaries(
    {f.name: _choices(f.enum or (), many=f.type is FieldType.LIST) for f in _CHOICE_FIELDS}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(_ROW, st.sampled_from(SPANISH)), min_size=1, max_size=6),
    case=st.sampled_from([str, str.upper, str.lower]),
)
def test_any_answers_in_any_configured_language_read_back_canonical(
    rows: list[tuple[dict[str, list[str]], str]], case: Any
) -> None:
    """Each row in English or Spanish, as typed in any case: every choice reads back as
    the canonical option, in the options' order."""
    cells = []
    for answers, language in rows:
        values = request(**{name: ", ".join(chosen) for name, chosen in answers.items()})
        written = written_in(REQUESTS, values, language)
        cells.append(
            [case(v) if isinstance(v, str) and i > 0 else v for i, v in enumerate(written)]
        )
    names = [f.name for f in _CHOICE_FIELDS]
    header = _spanish_header()
    result = _validate(_read(_tab(header, *cells)))
    assert [i for i in result.issues if i.field in names] == []
    for (answers, _), (_, got) in zip(rows, result.valid.iterrows(), strict=True):
        for spec in _CHOICE_FIELDS:
            order = spec.enum or ()
            want = sorted(answers[spec.name], key=order.index)
            assert (got[spec.name] if spec.type is FieldType.LIST else [got[spec.name]]) == want


# -- through intake, on a workbook --------------------------------------------------------


def test_intake_takes_spanish_responses_in_with_canonical_needs(tmp_path: Path) -> None:
    from sheetsync.backends.base import TabChanges
    from sheetsync.jobs import find_job, read_state, run_job

    store, config = spanish_network(tmp_path)
    header = store.read_tabs(["Form Responses 1"])["Form Responses 1"].header
    assert header == _spanish_header()
    row = _spanish_request(categories="Groceries, Medicine pickup", urgency="Today")
    store.apply([TabChanges(tab="Form Responses 1", start_row=2, append=[row])])
    report = run_job(find_job("weekly", config), store, config, now=NOW)
    assert report.step("intake").counts["invalid"] == 0
    state = read_state(store, config)
    needs = state.tables["needs"].frame
    assert sorted(needs["category"]) == ["Groceries", "Medicine pickup"]
    assert set(needs["urgency"]) == {"Today"}
    [person] = state.tables["people"].frame.to_dict("records")
    assert person["languages"] == "Spanish, English"
    assert person["consent"] == "yes"


# -- `sheetsync init --demo --language es`, then the weekly job ---------------------------


def _demo(folder: Path, *language: str) -> dict[str, list[list[Value]]]:
    from sheetsync.backends.workbook import WorkbookBackend

    init_demo(folder, *language)
    store = WorkbookBackend(folder / "network.xlsx")
    return {tab: data.rows for tab, data in store.read_tabs(store.list_tabs()).items()}


def _column(rows: list[list[Value]], title: str) -> list[Value]:
    i = rows[0].index(title)
    return [r[i] if i < len(r) else None for r in rows[1:]]


def test_the_spanish_demo_runs_and_takes_in_what_the_english_one_does(tmp_path: Path) -> None:
    spanish = _demo(tmp_path / "es", "--language", "es")
    english = _demo(tmp_path / "en")
    toml = (tmp_path / "es" / "sheetsync.toml").read_text(encoding="utf-8")
    assert '[forms]\nlanguages = ["es", "en"]' in toml
    assert 'organizers_language = "es"' in toml
    requests = spanish["Form Responses 1"]
    assert requests[0][:2] == ["Marca temporal", "Tu nombre"]
    asked = {
        c for cell in _column(requests, "¿Con qué necesitas ayuda?") for c in str(cell).split(", ")
    }
    assert "Comida" in asked and "Groceries" not in asked
    # The same responses, in Spanish: the same needs, people and errors, all canonical but
    # the word columns (statuses, consent), which say it in Spanish and read back as the
    # English ones.
    from sheetsync.status_words import is_worded, read_word

    def read(tab: str, title: str) -> list[Any]:
        column = (tab.lower(), title)
        return [
            read_word(column, v) if is_worded(column) and isinstance(v, str) else v
            for v in _column(spanish[tab], title)
        ]

    for tab, titles in {
        "Needs": ["need_id", "category", "urgency", "languages", "availability", "status"],
        "People": ["person_id", "languages", "availability", "consent", "has_car"],
        "Errors": ["source", "status"],
    }.items():
        for title in titles:
            assert read(tab, title) == _column(english[tab], title), (tab, title)
    categories = set(REQUESTS.field("categories").enum or ())
    assert set(_column(spanish["Needs"], "category")) <= categories
    assert not [r for r in _column(spanish["Errors"], "reason") if "does not allow" in str(r)]
    digest = next((tmp_path / "es" / "outbox").glob("organizers-*.html")).read_text("utf-8")
    assert "Resumen para organizadores" in digest


# -- init ---------------------------------------------------------------------------------


def test_init_tells_spanish_form_tabs_apart_by_their_questions(tmp_path: Path) -> None:
    from sheetsync.backends.base import TabChanges
    from sheetsync.backends.workbook import WorkbookBackend
    from sheetsync.bootstrap import detect_form_tabs

    schemas = load_schemas()
    store = WorkbookBackend(tmp_path / "network.xlsx")
    tabs = {"Respuestas de formulario 1": "offers", "Respuestas de formulario 2": "requests"}
    store.apply(
        [
            TabChanges(tab=tab, create=True, append=[_spanish_header(schemas[form])])
            for tab, form in tabs.items()
        ]
    )
    assert detect_form_tabs(store) == {form: tab for tab, form in tabs.items()}


def test_init_again_with_a_language_keeps_the_config_and_says_where_to_change_it(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from sheetsync.cli import cli

    config = tmp_path / "sheetsync.toml"
    args = ["--config", str(config), "init", "--workbook", str(tmp_path / "network.xlsx")]
    assert CliRunner().invoke(cli, args).exit_code == 0
    again = CliRunner().invoke(cli, [*args, "--language", "es"])
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == (
        f"Kept {config}: it exists already. --workbook, --language not used: to change them, "
        f"edit [backend] and [forms] languages in {config} or remove it and run init again."
    )
    refused = CliRunner().invoke(cli, [*args, "--language", "xx"])
    assert refused.exit_code == 2
    assert "'xx' is not one of 'en', 'es'" in refused.output
