"""The Spanish demo's status columns end to end: `sheetsync init --demo --language es` and a
weekly run write Spanish statuses on Tasks, Needs, Errors and Duplicates; an organizer who
types "hecha", "Hecho" or "done" gets the same task done, and none of those cells is
rewritten for its word; undo puts back what the run wrote and leaves what was typed."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.cli import cli
from sheetsync.config import Config
from sheetsync.forget import forget_person
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.normalize import cell_text
from sheetsync.report import IssueCode, RunReport
from sheetsync.status_words import COLUMNS, TYPED_ONLY, status_language
from sheetsync.tables import records_of
from sheetsync.undo import undo_run

SPANISH = status_language("es")
LABEL = re.compile(r"\d+(,\d+)? (hora|horas|día|días)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spanish-statuses")
    config = str(folder / "sheetsync.toml")
    runner = CliRunner()
    args = ["init", "--workbook", str(folder / "network.xlsx"), "--demo", "--history", "3"]
    made = runner.invoke(cli, ["--config", config, *args, "--language", "es"])
    assert made.exit_code == 0, made.output
    ran = runner.invoke(cli, ["--config", config, "run", "weekly"])
    assert ran.exit_code == 0, ran.output
    return folder


@pytest.fixture
def network(built: Path, tmp_path: Path) -> Iterator[tuple[WorkbookBackend, Config]]:
    """A copy of the built network (each test edits its own)."""
    folder = tmp_path / "network"
    shutil.copytree(built, folder)
    config = Config.from_file(folder / "sheetsync.toml")
    assert config.workbook is not None
    yield WorkbookBackend(config.workbook), config


def _cells(backend: WorkbookBackend, tab: str, column: str) -> dict[int, str]:
    """Sheet row -> the column's text, as it is on the sheet."""
    rows = backend.read_tabs([tab])[tab].rows
    at = [cell_text(h) for h in rows[0]].index(column)
    return {n: cell_text(r[at]) if at < len(r) else "" for n, r in enumerate(rows[1:], start=2)}


@pytest.mark.parametrize("column", [c for c in COLUMNS if c not in TYPED_ONLY])
def test_the_spanish_demo_writes_spanish_statuses(network, column: tuple[str, str]) -> None:
    backend, config = network
    words = {ws[0] for ws in SPANISH.words[column].values()}
    typed = set(_cells(backend, config.tabs[column[0]], column[1]).values()) - {""}
    assert typed and typed <= words


def test_the_spanish_demo_writes_spanish_escalation_labels(network) -> None:
    backend, config = network
    labels = set(_cells(backend, config.tabs["needs"], "escalated").values()) - {""}
    assert labels and all(LABEL.fullmatch(label) for label in labels)


def _type(backend: WorkbookBackend, tab: str, col: int, typed: dict[int, str]) -> None:
    update = [CellUpdate(row, col, text) for row, text in typed.items()]
    backend.apply([TabChanges(tab=tab, start_row=1, update=update)])


def _organizer_types_done(backend: WorkbookBackend, config: Config) -> dict[str, str]:
    """Three accepted tasks of three needs marked done, each in other words: task -> need."""
    tasks = read_state(backend, config).tables["tasks"]
    accepted = [t for t in records_of(tasks.frame) if t["status"] == "accepted"]
    chosen = list({t["need_id"]: t for t in accepted}.values())[:3]
    assert len(chosen) == 3
    words = dict(zip([int(t["_row"]) for t in chosen], ["hecha", "Hecho", "done"], strict=True))
    _type(backend, tasks.tab, tasks.columns["status"] + 1, words)
    return {t["task_id"]: t["need_id"] for t in chosen}


def _changed(report: RunReport, tab: str, column: str) -> set[int]:
    return {c.row for t in report.tabs if t.tab == tab for c in t.changed if c.column == column}


def test_hecha_hecho_and_done_all_mark_a_task_done_and_stay_as_typed(network) -> None:
    backend, config = network
    done = _organizer_types_done(backend, config)
    before = _cells(backend, config.tabs["tasks"], "status")
    report = run_job(find_job("weekly", config), backend, config)
    assert report.outcome == "ok"
    # Nothing typed is rewritten: no Tasks status cell typed by the organizer changed.
    typed_rows = {r for r, text in before.items() if text in ("hecha", "Hecho", "done")}
    assert typed_rows and not typed_rows & _changed(report, config.tabs["tasks"], "status")
    after = _cells(backend, config.tabs["tasks"], "status")
    assert {r: after[r] for r in typed_rows} == {r: before[r] for r in typed_rows}
    # Each is read as done: no value to fix, and its need is met, written in Spanish.
    assert not [i for i in report.issues if i.code is IssueCode.ORGANIZER_VALUE]
    state = read_state(backend, config)
    tasks = {t["task_id"]: t for t in records_of(state.tables["tasks"].frame)}
    assert {tasks[t]["status"] for t in done} == {"done"}
    needs = {n["need_id"]: n for n in records_of(state.tables["needs"].frame)}
    assert {needs[n]["status"] for n in done.values()} == {"met"}
    on_sheet = _cells(backend, config.tabs["needs"], "status")
    assert {on_sheet[int(needs[n]["_row"])] for n in done.values()} == {"atendida"}


def test_a_run_over_spanish_words_alone_rewrites_no_status(network) -> None:
    backend, config = network
    job = find_job("weekly", config)
    run_job(job, backend, config)
    report = run_job(job, backend, config)
    for logical, name in COLUMNS:
        assert not _changed(report, config.tabs[logical], name)


def test_undo_puts_back_the_spanish_words_the_run_wrote(network) -> None:
    backend, config = network
    done = _organizer_types_done(backend, config)
    needs_tab = config.tabs["needs"]
    before = _cells(backend, needs_tab, "status")
    typed = _cells(backend, config.tabs["tasks"], "status")
    run_job(find_job("weekly", config), backend, config)
    assert _cells(backend, needs_tab, "status") != before
    undone = undo_run(backend, config)
    assert [c for c in undone.left if c.column == "status"] == []
    assert _cells(backend, needs_tab, "status") == before
    assert _cells(backend, config.tabs["tasks"], "status") == typed
    assert done


def test_forget_cancels_and_withdraws_in_spanish_and_keeps_a_word_already_typed(network) -> None:
    backend, config = network
    state = read_state(backend, config)
    needs = records_of(state.tables["needs"].frame)
    live = {
        t["need_id"]: t
        for t in records_of(state.tables["tasks"].frame)
        if t["status"] == "proposed"
    }
    # Someone with a need proposed to a volunteer, and another need, which an organizer
    # marked withdrawn in English.
    need, other = next(
        (n, o)
        for n in needs
        if n["need_id"] in live and n["status"] == "matched"
        for o in needs
        if o["person_id"] == n["person_id"]
        and o["need_id"] != n["need_id"]
        and o["status"] != "met"
    )
    needs_tab = state.tables["needs"]
    _type(
        backend, needs_tab.tab, needs_tab.columns["status"] + 1, {int(other["_row"]): "Withdrawn"}
    )
    forget_person(backend, config, need["person_id"])
    tasks = _cells(backend, config.tabs["tasks"], "status")
    on_needs = _cells(backend, config.tabs["needs"], "status")
    assert tasks[int(live[need["need_id"]]["_row"])] == "cancelada"
    assert on_needs[int(need["_row"])] == "retirada"
    assert on_needs[int(other["_row"])] == "Withdrawn"  # already said: left as typed


@pytest.mark.parametrize(
    ("word", "status"), [("Diferente", "kept apart"), ("misma", "linked by organizers")]
)
def test_a_decision_typed_in_spanish_is_applied_and_stays_as_typed(
    network, word: str, status: str
) -> None:
    backend, config = network
    pairs = read_state(backend, config).tables["duplicates"]
    row = next(int(p["_row"]) for p in records_of(pairs.frame) if p["status"] == "to review")
    _type(backend, pairs.tab, pairs.columns["decision"] + 1, {row: word})
    report = run_job(find_job("weekly", config), backend, config)
    assert report.outcome == "ok"
    # Read as decided, the pair's status written in Spanish; no value to fix (the check
    # reads the word as the schema's), and the word typed is left as it is.
    codes = {IssueCode.ORGANIZER_VALUE, IssueCode.UNKNOWN_DECISION}
    assert not [i for i in report.issues if i.code in codes and i.tab == pairs.tab]
    assert _cells(backend, pairs.tab, "decision")[row] == word
    spanish = SPANISH.word(("duplicates", "status"), status)
    assert _cells(backend, pairs.tab, "status")[row] == spanish


@pytest.mark.parametrize(
    ("logical", "name", "word"),
    [
        ("people", "weekly_email", "Sí"),
        ("tasks", "continues", "si"),
    ],
)
def test_a_yes_or_no_typed_in_spanish_is_read_and_stays_as_typed(
    network, logical: str, name: str, word: str
) -> None:
    backend, config = network
    table = read_state(backend, config).tables[logical]
    row = int(records_of(table.frame)[0]["_row"])
    _type(backend, table.tab, table.columns[name] + 1, {row: word})
    report = run_job(find_job("weekly", config), backend, config)
    assert report.outcome == "ok"
    mine = [i for i in report.issues if i.code is IssueCode.ORGANIZER_VALUE and i.tab == table.tab]
    assert not [i for i in mine if i.row == row]
    assert _cells(backend, table.tab, name)[row] == word
