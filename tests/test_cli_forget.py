"""`sheetsync forget`: exact messages and exit codes; a dry run and a refusal change nothing;
the output names rows by tab, row and id, never the person."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.forget import NOT_ERASED
from tests.conftest import FORM_OF, all_values, offer, request

MARIA = ("Maria", "Garcia", "maria@example.org", "+12015550143", "Weekly shop")


@pytest.fixture
def network(tmp_path, schemas):
    """A config file and a workbook after a weekly run: Sam (P0001) offers groceries, Maria
    (P0002) asked for them; her need has a task for Sam."""
    config = tmp_path / "sheetsync.toml"
    workbook = tmp_path / "network.xlsx"
    assert invoke(config, "init", "--workbook", str(workbook)).exit_code == 0
    store = WorkbookBackend(workbook)
    for form, answers in (
        ("requests", request()),
        ("offers", offer(availability="Weekday mornings")),
    ):
        row = [answers[name] for name in schemas[form].names]
        store.apply([TabChanges(tab=FORM_OF[form], start_row=2, append=[row])])
    assert invoke(config, "run", "weekly").exit_code == 0
    return config, store


def invoke(config, *args, input=None):
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)


def preview(store):
    return [
        f"To forget P0002 on {store.describe()}, sheetsync would empty:",
        "  Form Responses 1 row 2: 12 cells",
        "  People row 3 (P0002): 13 cells; do_not_contact: forgotten",
        "  Needs row 2 (N0001): 8 cells; status: withdrawn",
        "  Tasks row 2 (T0001): 1 cell; status: cancelled",
        "In all: 37 cells (Form Responses 1 12, People 14, Needs 9, Tasks 2); would remove 0 "
        "outbox files and 0 lines of the send journal and log; would remove 3 backups of the "
        "workbook.",
    ]


BY_HAND = [
    "sheetsync cannot erase these; please see to them by hand:",
    *(f"  - {item}" for item in NOT_ERASED),
]


def test_a_dry_run_shows_what_it_would_empty_and_changes_nothing(network):
    config, store = network
    before = all_values(store)
    result = invoke(config, "forget", "P0002", "--dry-run")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        *preview(store),
        *BY_HAND,
        "Nothing was changed (--dry-run).",
    ]
    assert all_values(store) == before


def test_it_asks_first_and_a_no_changes_nothing(network):
    config, store = network
    before = all_values(store)
    result = invoke(config, "forget", "P0002", input="n\n")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        *preview(store),
        "Forget P0002 for good? It cannot be undone [y/N]: n",
        "Aborted!",
    ]
    assert all_values(store) == before


def test_a_yes_forgets_and_says_what_sheetsync_cannot_erase(network):
    config, store = network
    result = invoke(config, "forget", "P0002", input="y\n")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        *preview(store),
        "Forget P0002 for good? It cannot be undone [y/N]: y",
        f"Forgot P0002 on {store.describe()}.",
        "In all: 37 cells (Form Responses 1 12, People 14, Needs 9, Tasks 2); removed 0 outbox "
        "files and 0 lines of the send journal and log; removed 4 backups of the workbook.",
        *BY_HAND,
    ]
    assert not [w for w in MARIA for row in all_values(store).values() for r in row if w in str(r)]
    again = invoke(config, "forget", "P0002", "--yes")
    assert again.output.splitlines()[0] == (
        f"Nothing of P0002 is left to clear on {store.describe()}: they were forgotten already."
    )


def test_yes_and_json_print_what_was_emptied_without_asking(network):
    config, _ = network
    result = invoke(config, "forget", "P0002", "--yes", "--json")
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert (printed["person_id"], printed["linked"], printed["dry_run"]) == ("P0002", [], False)
    assert printed["cells_by_tab"] == {"Form Responses 1": 12, "People": 14, "Needs": 9, "Tasks": 2}
    assert printed["rows"][1] == {
        "tab": "People",
        "row": 3,
        "id": "P0002",
        "cleared": printed["rows"][1]["cleared"],
        "marked": {"do_not_contact": "forgotten"},
    }
    assert {"name", "phone", "email", "source", "consent"} <= set(printed["rows"][1]["cleared"])
    assert printed["not_erased"] == list(NOT_ERASED)
    assert not [w for w in MARIA if w in result.output]


def test_an_unknown_id_fails_and_says_where_ids_are(network):
    config, _ = network
    result = invoke(config, "forget", "P0099")
    assert result.exit_code == 1
    assert result.output == (
        "Error: No person 'P0099' on the 'People' tab. Give their id from its person_id column "
        "(e.g. P0042): find their row in the spreadsheet (Edit → Find, on their name), then "
        "copy the id. sheetsync never takes a name, email or phone here, so that none stays in "
        "your shell's history.\n"
    )


@pytest.mark.parametrize("given", ["Maria Garcia", "maria@example.org", "+12015550143"])
def test_a_name_email_or_phone_is_refused_as_wrong_usage(network, given):
    config, store = network
    before = all_values(store)
    result = invoke(config, "forget", given)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for PERSON_ID: give their id from the People tab's person_id "
        "column, e.g. P0042: never a name, email or phone (command lines stay in your shell's "
        "history)."
    )
    assert all_values(store) == before
