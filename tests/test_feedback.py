"""Feedback after help through the real pipeline (docs/feedback.md), on the local workbook
and on Google through real gspread against the local Sheets emulator: a done task's
requester and volunteer are asked once each (email, else the Call list), and their answers
close the need (met), reopen it (not met) or flag it to organizers (follow-up wanted); an
unknown code goes to the Errors tab; the emails hold nobody else's data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import Backend, CellUpdate, TabChanges, Value
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config, EmailConfig
from sheetsync.feedback.codes import ALPHABET, LENGTH
from sheetsync.feedback.model import Role
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.tables import records_of
from tests.conftest import NOW, offer, request

HOUR = dt.timedelta(hours=1)
REQUESTER = "I asked for help"
VOLUNTEER = "I helped"
# What Maria (the requester) and Sam (the volunteer) told the network about themselves.
MARIA = ("Maria", "maria@example.org", "555-0143", "5550143", "Weekly shop")
SAM = ("Sam", "sam@example.net", "555-0170", "5550170")


class World:
    """A network on a backend, its config with an outbox, and its clock."""

    def __init__(self, backend: Backend, config: Config, outbox: Path) -> None:
        self.backend = backend
        self.config = dataclasses.replace(config, email=EmailConfig(outbox=outbox))
        self.outbox = outbox
        self.now = NOW
        self.schemas = load_schemas()

    def add(self, form: str, *responses: dict[str, Value]) -> None:
        tab = self.config.form_tab(form)
        rows = self.backend.read_tabs([tab])[tab].rows
        names = self.schemas[form].names
        append = [[r.get(n, "") for n in names] for r in responses]
        self.backend.apply([TabChanges(tab=tab, start_row=len(rows) + 1, append=append)])

    def answer(self, code: str, role: str, happened: str, **more: Value) -> None:
        values: dict[str, Value] = {"code": code, "role": role, "happened": happened}
        self.add("feedback", {"timestamp": self.now - dt.timedelta(minutes=5), **values, **more})

    def type(self, logical: str, key: str, column: str, value: str) -> None:
        table = read_state(self.backend, self.config).tables[logical]
        [row] = [r["_row"] for r in records_of(table.frame) if r[table.schema.primary_key] == key]
        update = CellUpdate(int(row), table.columns[column] + 1, value)
        self.backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=[update])])

    def run(self, job: str = "intake") -> RunReport:
        self.now += HOUR
        report = run_job(find_job(job, self.config), self.backend, self.config, now=self.now)
        assert report.outcome == "ok", report
        return report

    def tab(self, logical: str) -> list[dict[str, Any]]:
        return records_of(read_state(self.backend, self.config).tables[logical].frame)

    def task(self, task_id: str = "T0001") -> dict[str, Any]:
        [task] = [t for t in self.tab("tasks") if t["task_id"] == task_id]
        return task

    def need(self, need_id: str = "N0001") -> dict[str, Any]:
        [need] = [n for n in self.tab("needs") if n["need_id"] == need_id]
        return need

    def emails(self) -> list[email.message.EmailMessage]:
        if not self.outbox.exists():
            return []
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(self.outbox.glob("feedback-*.eml"))
        ]


def helped(world: World, **requester: Value) -> World:
    """Maria asks for groceries; Sam (on the weekly email) is proposed, and the task done."""
    world.add("requests", request(**{"contact_pref": "Email", "languages": "English", **requester}))
    world.add("offers", offer(availability="Weekday mornings, Weekends"))
    world.run("weekly")
    sam = next(p for p in world.tab("people") if p["name"] == "Sam Lee")
    world.type("people", sam["person_id"], "weekly_email", "yes")
    world.type("tasks", "T0001", "status", "accepted")
    world.run()
    world.type("tasks", "T0001", "status", "done")
    return world


@pytest.fixture
def world(backend, config, tmp_path) -> World:
    return World(backend, config, tmp_path / "outbox")


@pytest.fixture
def google_world(sheets_emulator, service_account_key, tmp_path) -> World:
    from tests.test_google_backend import Network

    net = Network(sheets_emulator, service_account_key, tmp_path)
    init_spreadsheet(net.backend(), net.config)
    return World(net.backend(), net.config, tmp_path / "outbox")


@pytest.fixture(params=["workbook", "google"])
def any_world(request: pytest.FixtureRequest) -> World:
    world: World = request.getfixturevalue(
        "world" if request.param == "workbook" else "google_world"
    )
    return world


def body(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# --- Asked once each -------------------------------------------------------------------


def test_a_done_task_gets_a_code_and_both_people_are_emailed_once(any_world):
    world = helped(any_world)
    code = world.task()["feedback_code"]
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    report = world.run()
    counts = report.step("feedback").counts
    assert (counts["feedback_emailed"], counts["feedback_to_call"]) == (2, 0)
    task = world.task()
    assert task["feedback_code"] == code  # given once, when accepted; never changed
    assert [m.split(" ")[:2] for m in task["feedback_asked"].split("; ")] == [
        ["requester", "emailed"],
        ["volunteer", "emailed"],
    ]
    sent = world.emails()
    assert sorted(str(m["To"]) for m in sent) == [
        "Maria Garcia <maria@example.org>",
        "Sam Lee <sam@example.net>",
    ]
    assert all(code in body(m) and "T0001" in str(m["Subject"]) for m in sent)
    # Runs again: the first reads the send log's new rows, so it runs in full and asks
    # nobody again; it changes nothing, so the next ones are skipped (fingerprints.py).
    agains = [world.run() for _ in range(3)]
    assert not agains[0].skipped_for
    for again in agains:
        feedback = again.step("feedback")
        if feedback is None:
            assert again.skipped_for and again.deliveries == []
        else:
            counts = feedback.counts
            assert (counts["feedback_emailed"], counts["feedback_to_call"]) == (0, 0)
    assert len(world.emails()) == 2
    assert world.task()["feedback_asked"] == task["feedback_asked"]


def test_the_link_is_prefilled_with_the_tasks_code(world):
    url = "https://docs.google.com/forms/d/e/abc/viewform?usp=pp_url&entry.123={code}"
    world.config = dataclasses.replace(
        world.config, feedback=dataclasses.replace(world.config.feedback, form_url=url)
    )
    helped(world)
    world.run()
    code = world.task()["feedback_code"]
    assert all(url.replace("{code}", code) in body(m) for m in world.emails())


def test_a_requester_who_prefers_a_call_is_on_the_call_list_in_their_language(world):
    helped(world, contact_pref="Call", languages="Spanish, English")
    counts = world.run().step("feedback").counts
    assert (counts["feedback_emailed"], counts["feedback_to_call"]) == (1, 1)
    [call] = world.tab("call_list")
    code = world.task()["feedback_code"]
    assert (call["reason"], call["task_id"], call["language"]) == ("feedback", "T0001", "es")
    assert call["what_to_say"].startswith("Hola, le llamamos de Test network.")
    assert code in call["what_to_say"] and "Sam" not in call["what_to_say"]
    world.run()
    assert len(world.tab("call_list")) == 1


def test_a_requester_marked_do_not_contact_is_not_asked(world):
    helped(world)
    maria = next(p for p in world.tab("people") if p["name"] == "Maria Garcia")
    world.type("people", maria["person_id"], "do_not_contact", "yes")
    counts = world.run().step("feedback").counts
    assert (counts["feedback_emailed"], counts["feedback_not_asked"]) == (1, 1)
    assert "requester not asked: marked do not contact" in world.task()["feedback_asked"]
    assert [str(m["To"]) for m in world.emails()] == ["Sam Lee <sam@example.net>"]


# --- Answers ---------------------------------------------------------------------------


def test_met_closes_the_need_and_the_summary_counts_it(any_world):
    world = helped(any_world)
    world.run()
    code = world.task()["feedback_code"]
    world.answer(code.lower(), REQUESTER, "Yes", how="Lovely, thank you")  # typed in lower case
    world.answer(code, VOLUNTEER, "Yes", **{"continue": "Yes"})
    report = world.run("weekly")
    counts = report.step("feedback").counts
    assert (counts["feedback_met"], counts["feedback_answers_new"]) == (2 - 1, 2)
    task = world.task()
    assert (task["status"], task["help_came"], task["volunteer_continues"]) == (
        "done",
        "yes",
        "yes",
    )
    assert "“Lovely, thank you”" in task["feedback"] and task["feedback"].startswith("Requester")
    assert world.need()["status"] == "met"
    summary = {r["metric"]: r for r in world.tab("summary")}
    assert summary["feedback.met"]["value"] == "1"
    intake = report.step("intake").counts
    assert intake["responses"] == intake["valid"] + intake["invalid"]
    assert not [p for p in world.tab("people") if p["source"].startswith("Form Responses 4")]


def test_not_met_reopens_the_need_while_the_task_stays_done(any_world):
    world = helped(any_world)
    world.run()
    code = world.task()["feedback_code"]
    world.answer(code, REQUESTER, "No", how="Nobody came")
    report = world.run("weekly")
    assert report.step("feedback").counts["needs_reopened"] == 1
    assert (world.task()["status"], world.task()["help_came"]) == ("done", "no")
    need = world.need()
    # Open again, so the weekly matching looked for someone: open, or matched anew.
    assert need["status"] in ("open", "matched")
    summary = {r["metric"]: r for r in world.tab("summary")}
    assert summary["feedback.not_met"]["value"] == "1"
    # Later runs keep it open: the done task does not meet it again.
    world.run()
    assert world.need()["status"] in ("open", "matched")


def test_an_edited_answer_replaces_the_earlier_one(world):
    helped(world)
    world.run()
    code = world.task()["feedback_code"]
    world.answer(code, REQUESTER, "No")
    world.run()
    assert world.need()["status"] in ("open", "matched")
    # Google rewrites an edited response's row with a new timestamp.
    tab = world.config.form_tab("feedback")
    names = world.schemas["feedback"].names
    n_rows = len(world.backend.read_tabs([tab])[tab].rows)
    world.backend.apply(
        [
            TabChanges(
                tab=tab,
                start_row=n_rows + 1,
                update=[
                    CellUpdate(2, names.index("timestamp") + 1, world.now),
                    CellUpdate(2, names.index("happened") + 1, "Yes"),
                ],
            )
        ]
    )
    world.run()
    task = world.task()
    assert task["help_came"] == "yes" and "did not" not in task["feedback"]
    assert len(task["feedback_from"].split("; ")) == 1


def test_follow_up_wanted_puts_them_on_the_call_list_for_organizers(any_world):
    world = helped(any_world)
    world.run()
    code = world.task()["feedback_code"]
    world.answer(code, REQUESTER, "Partly", follow_up="Yes, please contact me")
    report = world.run()
    assert report.step("feedback").counts["feedback_follow_up"] == 1
    assert any("ask an organizer to get in touch" in n for n in report.notices)
    [call] = [c for c in world.tab("call_list") if c["reason"] == "follow-up"]
    assert (call["task_id"], call["name"]) == ("T0001", "Maria Garcia")
    assert world.need()["status"] == "met"  # partly: not reopened, flagged
    world.run("weekly")
    summary = {r["metric"]: r for r in world.tab("summary")}
    assert summary["feedback.follow_up"]["value"] == "1"
    met = summary["feedback.met"]  # partly is not met: a note on that line, shown at 0
    assert (met["value"], met["note"]) == ("0", "Partly met, they said: 1.")

    assert len([c for c in world.tab("call_list") if c["reason"] == "follow-up"]) == 1


def test_an_unknown_code_is_on_the_errors_tab_and_nothing_is_lost(any_world):
    world = helped(any_world)
    world.run()
    world.answer("K7QF22", REQUESTER, "Yes")
    report = world.run()
    counts = report.step("intake").counts
    assert counts["responses"] == counts["valid"] + counts["invalid"]
    [error] = [e for e in world.tab("errors") if e["source"].startswith("Form Responses 4")]
    assert (error["status"], error["form"], error["fields"]) == (
        "open",
        "Feedback after help",
        "Your feedback code",
    )
    assert "matches no task's code" in error["reason"]
    assert world.task()["feedback"] == ""


# --- Privacy ---------------------------------------------------------------------------


def test_the_emails_hold_no_other_persons_data(world):
    helped(world, categories="Groceries")
    world.run()
    by_to = {str(m["To"]): m for m in world.emails()}
    to_maria = body(by_to["Maria Garcia <maria@example.org>"]) + str(
        by_to["Maria Garcia <maria@example.org>"].get_body(("html",))
    )
    to_sam = body(by_to["Sam Lee <sam@example.net>"]) + str(
        by_to["Sam Lee <sam@example.net>"].get_body(("html",))
    )
    assert not [x for x in SAM if x in to_maria]  # the volunteer is never named to the requester
    assert not [x for x in MARIA[1:] if x in to_sam]  # nor the requester's contact or details
    assert "Maria" not in to_sam


def test_a_sensitive_category_is_not_named_in_the_email(world):
    world.add(
        "requests", request(contact_pref="Email", categories="Medicine pickup", languages="English")
    )
    world.add("offers", offer(availability="Weekday mornings, Weekends", offers="Medicine pickup"))
    world.run("weekly")
    world.type("tasks", "T0001", "status", "done")
    world.run()
    [sent] = world.emails()
    assert "Medicine" not in body(sent) and "the help you requested" in body(sent)


# --- Older spreadsheets ----------------------------------------------------------------


def test_a_spreadsheet_without_the_feedback_tab_keeps_working_and_says_to_run_init(world, config):
    assert config.workbook is not None
    book = openpyxl.load_workbook(config.workbook)
    del book["Form Responses 4"]
    book.save(config.workbook)
    world.add("requests", request())
    report = world.run("weekly")
    assert any("sheetsync init" in n and "Feedback after help" in n for n in report.notices)
    init_spreadsheet(world.backend, world.config)
    assert "Form Responses 4" in world.backend.list_tabs()
    assert not any("Feedback after help" in n for n in world.run().notices)


# --- Asked once per role, whatever happens between runs (hypothesis) --------------------

ACTIONS = st.lists(
    st.sampled_from(["intake", "weekly", "done", "accepted", "answer yes", "answer no", "edit"]),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def start(tmp_path_factory) -> tuple[Path, Config]:
    """Two needs, Sam proposed for both (as helped() leaves one): the sheet each example
    copies."""
    from sheetsync.backends.workbook import WorkbookBackend
    from tests.conftest import make_config

    folder = tmp_path_factory.mktemp("start")
    config = make_config(folder / "network.xlsx")
    backend = WorkbookBackend(folder / "network.xlsx")
    init_spreadsheet(backend, config)
    world = World(backend, config, folder / "outbox")
    world.add(
        "requests",
        request(contact_pref="Email", languages="English"),
        request(
            name="Ann Bell",
            phone="201 555 0101",
            email="ann@example.org",
            contact_pref="Call",
            languages="English",
            timestamp=dt.datetime(2026, 11, 21, 10, 0),
        ),
    )
    world.add("offers", offer(availability="Weekday mornings, Weekends"))
    world.run("weekly")
    sam = next(p for p in world.tab("people") if p["name"] == "Sam Lee")
    world.type("people", sam["person_id"], "weekly_email", "yes")
    assert [t["task_id"] for t in world.tab("tasks")] == ["T0001", "T0002"]
    return folder / "network.xlsx", config


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS, which=st.lists(st.sampled_from(["T0001", "T0002"]), min_size=8, max_size=8))
def test_each_person_is_asked_once_per_task_across_runs(start, actions, which):
    from sheetsync.backends.workbook import WorkbookBackend

    source, config = start
    folder = Path(tempfile.mkdtemp(dir=source.parent))
    shutil.copy(source, folder / "network.xlsx")
    config = dataclasses.replace(config, workbook=folder / "network.xlsx")
    world = World(WorkbookBackend(folder / "network.xlsx"), config, folder / "outbox")
    world.now = NOW + dt.timedelta(hours=2)
    ever_done: set[str] = set()
    for action, task_id in zip(actions, which, strict=False):
        if action in ("done", "accepted"):
            world.type("tasks", task_id, "status", action)
            continue
        if action.startswith("answer") or action == "edit":
            code = world.task(task_id)["feedback_code"]
            if code:
                world.answer(code, REQUESTER, "Yes" if action != "answer no" else "No")
            continue
        world.run(action)
        tasks = {t["task_id"]: t for t in world.tab("tasks")}
        ever_done |= {t for t, task in tasks.items() if task["status"] == "done"}
        for task_id_, task in tasks.items():
            roles = [m.split(" ")[0] for m in task["feedback_asked"].split("; ") if m]
            assert len(roles) == len(set(roles)), task["feedback_asked"]
            if task_id_ in ever_done and task["status"] == "done":
                assert set(roles) == {"requester", "volunteer"}
        labels = [p.name.rsplit("-", 1)[0] for p in (folder / "outbox").glob("feedback-*.eml")]
        assert len(labels) == len(set(labels))  # one email per (task, role), ever
        calls = [(c["reason"], c["person_id"], c["task_id"]) for c in world.tab("call_list")]
        assert len(calls) == len(set(calls))


# --- The ask's templates ---------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("category", ["Groceries", ""])
def test_the_ask_renders_in_every_language_translated(role, category):
    from sheetsync.digest.formats import answer
    from sheetsync.digest.render import available_languages, render
    from sheetsync.feedback.content import FeedbackAsk
    from tests.test_docs import check_shape, check_translated

    data = FeedbackAsk(
        network="Eastside & Friends",
        first_name="Maria",
        role=role.value,
        category=category,
        task_id="T0042",
        code="K7QF2M",
        link="https://forms.example/viewform?entry.1=K7QF2M",
        organizer_phone="555-0100",
        recurring=role is Role.VOLUNTEER,
    )
    renders = {lang: render("feedback", data, lang) for lang in sorted(available_languages())}
    for language, rendered in renders.items():
        text = check_shape(rendered.html, language)
        assert "T0042" in rendered.subject and "\n" not in rendered.subject
        for shown in (rendered.text, text):
            assert "K7QF2M" in shown and "555-0100" in shown and "Maria" in shown
            # The help named as the form in the language names it ("Comida" in Spanish).
            named = answer(category, language, "categories")
            assert (named in shown) if category else ("Groceries" not in shown)
    assert 'href="https://forms.example/viewform?entry.1=K7QF2M"' in renders["en"].html
    check_translated(renders)


# --- [feedback] settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"enabled": "yes"},
            "[feedback] enabled in the config is true (ask after help) or false, without quotes.",
        ),
        (
            {"form_url": "docs.google.com/forms"},
            "[feedback] form_url in the config is the Feedback form's link, starting with https://",
        ),
        (
            {"form": "x"},
            "Unknown setting 'form' in [feedback] in the config. Did you mean 'form_url'?",
        ),
    ],
)
def test_a_wrong_feedback_setting_says_what_to_write(tmp_path, section, message):
    from sheetsync.errors import ConfigError

    data = {
        "network": {"name": "N", "zones": ["Eastside"]},
        "backend": {"kind": "local", "workbook": "n.xlsx"},
        "feedback": section,
    }
    with pytest.raises(ConfigError) as raised:
        Config.from_dict(data, base_dir=tmp_path)
    assert message in str(raised.value)


def test_the_feedback_settings_are_read_and_the_link_takes_the_code(tmp_path):
    url = "https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&entry.9={code}"
    data = {
        "network": {"name": "N", "zones": ["Eastside"]},
        "backend": {"kind": "local", "workbook": "n.xlsx"},
        "feedback": {"enabled": False, "form_url": url},
    }
    config = Config.from_dict(data, base_dir=tmp_path)
    assert (config.feedback.enabled, config.feedback.link("K7QF2M")) == (
        False,
        url.replace("{code}", "K7QF2M"),
    )
    assert Config.from_dict(
        {k: v for k, v in data.items() if k != "feedback"}, base_dir=tmp_path
    ).feedback.enabled


def test_disabled_feedback_gives_no_codes_and_asks_nobody(world):
    world.config = dataclasses.replace(
        world.config, feedback=dataclasses.replace(world.config.feedback, enabled=False)
    )
    helped(world)
    world.run()
    assert (world.task()["feedback_code"], world.task()["feedback_asked"], world.emails()) == (
        "",
        "",
        [],
    )
