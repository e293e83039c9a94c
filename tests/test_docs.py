"""Meta-tests, as sqlite-utils' test_docs.py: every command has help and is documented, and
every command line the docs show names real commands and options; every digest template
renders for every audience in every language; every schema field is documented, as its
schema declares it, in its own section of docs/schemas.md (and each form question in
docs/forms.md); every file in schemas/ and jobs/ loads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import click
import pandas as pd
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from click.testing import CliRunner
from markupsafe import escape

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.cli import cli
from sheetsync.config import Goal
from sheetsync.digest.content import (
    MAX_FAILED_RUNS,
    MAX_LINES,
    organizer_digest,
    public_summary,
)
from sheetsync.digest.render import LOCALES, Image, Rendered, available_languages, render
from sheetsync.digest.volunteers import volunteer_digests
from sheetsync.jobs import find_job, list_jobs, load_job, run_job
from sheetsync.privacy import Policy
from sheetsync.schema import FieldSpec, TableSchema, load_schema, load_schemas
from sheetsync.state import read_state
from sheetsync.tables import records_of
from tests.conftest import FORM_OF, NOW, checkin, make_config, offer, request, write_cell
from tests.tab_catalog import tab_only_messages

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def flat(text: str) -> str:
    """Text with every run of whitespace made one space: click rewraps help text."""
    return " ".join(text.split())


# --- Commands ----------------------------------------------------------------------------


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The words after `sheetsync` of the group and of every command and subgroup in it."""
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


COMMANDS = list(walk(cli))


def test_the_walk_finds_every_command():
    assert len(COMMANDS) >= 1 + len(cli.commands) >= 9
    assert {("run",), ("dedupe",), ("tick",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("sheetsync", *p)))
def test_every_command_has_help_with_its_summary_and_options(path):
    command = command_at(path)
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="sheetsync")
    assert result.exit_code == 0, result.output
    usage = " ".join(("sheetsync", *path))
    assert result.output.startswith(f"Usage: {usage} ")
    output = flat(result.output)
    assert command.help, f"`{usage}` has no docstring"
    assert flat(command.help.splitlines()[0]) in output
    for param in command.params:
        if isinstance(param, click.Argument):
            assert param.human_readable_name in result.output.splitlines()[0]
        elif isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{usage} {param.opts[0]} has no help text"
            for opt in (*param.opts, *param.secondary_opts):
                assert opt in output
            assert flat(param.help) in output
    assert "--help" in output


@pytest.mark.parametrize("path", COMMANDS[1:], ids=lambda p: " ".join(("sheetsync", *p)))
def test_every_command_is_documented(path):
    name = " ".join(("sheetsync", *path))
    pattern = re.compile(rf"\b{re.escape(name)}\b(?!-)")
    documented = [doc.name for doc in DOCS if pattern.search(doc.read_text(encoding="utf-8"))]
    assert documented, f"`{name}` is in neither README.md nor docs/*.md"


def shown_command_lines() -> list[tuple[str, str]]:
    """(file, line) for each `sheetsync …` the docs show: inline code and code blocks."""
    shown = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        shown += [(doc.name, m) for m in re.findall(r"`(sheetsync [a-z][^`\n]*)`", text)]
        for block in re.findall(r"(?ms)^\s*```[a-z]*\n(.*?)^\s*```", text):
            block = block.replace("\\\n", " ")  # a command continued on the next line
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if re.match(r"sheetsync [a-z-]", line):
                    shown.append((doc.name, line.split(" #")[0].strip()))
    return shown


SHOWN = shown_command_lines()


def test_the_docs_show_command_lines():
    assert len(SHOWN) > 20
    assert ("README.md", "sheetsync run weekly --dry-run") in SHOWN


@pytest.mark.parametrize(("doc", "line"), SHOWN, ids=[f"{d}: {line}" for d, line in SHOWN])
def test_every_command_line_in_the_docs_names_a_real_command_and_options(doc, line):
    words = shlex.split(line)[1:]
    command: click.Command = cli
    options = {o for p in cli.params for o in (*p.opts, *p.secondary_opts)}
    for word in words:
        word = word.strip("[]")  # an optional part, e.g. [--out DIR]
        if word.startswith("-"):
            option = word.split("=")[0]
            assert option in options | {"--help"}, f"{doc}: {line!r}: no option {option}"
        elif isinstance(command, click.Group):
            assert word in command.commands, f"{doc}: {line!r}: no command {word!r}"
            command = command.commands[word]
            options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    assert command is not cli, f"{doc}: {line!r} names no command"


# --- What to type after `make demo` --------------------------------------------------


def demo_next_in_readme() -> list[str]:
    """The code block README.md shows after `make demo`: what to type next."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"(?ms)^`make demo` ends by showing.*?^```\n(.*?)^```", text)
    assert block, "README.md: the block after `make demo` ends by showing… is gone"
    return block.group(1).splitlines()


def test_make_demo_prints_the_next_commands_the_readme_shows():
    made = subprocess.run(
        ["make", "-s", "--no-print-directory", "demo-next"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = [line.removeprefix("    ") for line in made.stdout.splitlines()]
    shown = demo_next_in_readme()
    assert printed[printed.index(shown[0]) :] == shown
    assert "The demo is ready: open demo/network.xlsx." in made.stdout


def test_the_next_commands_work_as_typed_after_make_demo(tmp_path):
    """The README's lines, run by bash as typed in a fresh shell whose PATH has no
    sheetsync, beside this venv (as .venv) and a demo built as `make demo` builds it."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file(), "the tests run in the project's venv"
    (tmp_path / ".venv").symlink_to(venv)
    built = subprocess.run(
        [
            str(venv / "bin" / "sheetsync"),
            "--config",
            "demo/sheetsync.toml",
            "init",
            "--backend",
            "local",
            "--workbook",
            "demo/network.xlsx",
            "--demo",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    lines = demo_next_in_readme()
    script = "\n".join(
        f'{line}\necho "exit $? after: {line}"' if line.startswith("sheetsync ") else line
        for line in lines
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    ran = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert "command not found" not in ran.stderr and "Traceback" not in ran.stderr
    codes = re.findall(r"^exit (\d+) after: (.*)$", ran.stdout, re.M)
    commands = [line for line in lines if line.startswith("sheetsync ")]
    assert [c for _, c in codes] == commands and len(commands) >= 3
    # 0 done, 1 when check finds something to fix: never 2 (usage) or 127 (not found).
    assert all(code in ("0", "1") for code, _ in codes), ran.stdout + ran.stderr
    assert "Job weekly on workbook demo/network.xlsx: dry run, nothing written" in ran.stdout
    assert (tmp_path / "digest-preview").is_dir()


# --- Digest templates --------------------------------------------------------------------

LANGUAGES = sorted(available_languages())
AUDIENCES = ("organizers", "volunteer", "public")
NETWORK = "Eastside Mutual Aid & Friends"  # an ampersand: escaped in the HTML, not the text
GOALS = (Goal("households_helped", "month", 500), Goal("needs_met", "week", 20))
CHART = Image("chart@sheetsync", "chart.png", b"")


def test_every_template_is_rendered_here():
    folder = ROOT / "sheetsync" / "templates" / "digest"
    # The follow-up's alerts and reminders are rendered in tests/test_alerts.py, the
    # confirmations in tests/test_confirm.py, the asks after help in tests/test_feedback.py.
    audiences = (*AUDIENCES, "alerts", "reminder", "confirmation", "feedback")
    shown = {f"{a}.{kind}" for a in audiences for kind in ("subject", "txt", "html")}
    assert {p.name for p in folder.iterdir()} == shown | {"base.html"}
    assert {"en", "es"} <= set(LANGUAGES)


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tabs of a small network after two weekly runs: three requests (one consenting,
    one not, one nobody can serve), two volunteers (one stretched, one who asked for the
    weekly email) and a task done."""
    folder = tmp_path_factory.mktemp("network")
    config = make_config(folder / "network.xlsx", name=NETWORK)
    store = WorkbookBackend(folder / "network.xlsx")
    init_spreadsheet(store, config)
    responses = {
        "requests": [
            request(),
            request(
                name="Ann Bell",
                phone="201 555 0101",
                email="ann@example.org",
                consent="No",
                details="Insulin from the pharmacy",
                languages="English",
                timestamp=dt.datetime(2026, 11, 21, 10, 0),
            ),
            request(
                name="Kim Ode",
                phone="201 555 0109",
                email="kim@example.org",
                zone="Westside",
                categories="Childcare",
                urgency="Today",
                timestamp=dt.datetime(2026, 11, 22, 9, 0),
            ),
        ],
        "offers": [
            offer(
                availability="Weekday mornings, Weekends",
                weekly_capacity="5",
                languages="Spanish, English",
            ),
            offer(
                name="Lee Park",
                phone="201 555 0188",
                email="lee@example.net",
                availability="Weekday mornings",
                timestamp=dt.datetime(2026, 11, 10, 18, 0),
            ),
        ],
        "checkins": [
            checkin(),
            checkin(
                name="Lee Park", email="lee@example.net", checkin_status="Red – I need a break"
            ),
        ],
    }
    schemas = load_schemas()
    store.apply(
        [
            TabChanges(
                tab=FORM_OF[form],
                start_row=2,
                append=[[r.get(n, "") for n in schemas[form].names] for r in rows],
            )
            for form, rows in responses.items()
        ]
    )
    weekly = find_job("weekly", config)
    sheet_only = dataclasses.replace(weekly, steps=tuple(s for s in weekly.steps if s != "digest"))
    run_job(sheet_only, store, config, now=NOW - dt.timedelta(days=1))
    people = read_state(store, config).tables["people"].frame
    [sam] = people.loc[people["email"] == "sam@example.net", "person_id"]
    write_cell(store, config, "people", sam, "weekly_email", "yes")
    write_cell(store, config, "tasks", "T0002", "status", "done")  # Ann's groceries
    write_cell(store, config, "tasks", "T0002", "due", "2026-11-22")
    write_cell(store, config, "tasks", "T0001", "due", "2026-11-26")  # Maria's
    write_cell(store, config, "tasks", "T0001", "status", "accepted")
    run_job(sheet_only, store, config, now=NOW)
    return {name: table.frame for name, table in read_state(store, config).tables.items()}


@pytest.fixture(scope="module")
def empty_frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tabs of a network that has just run `sheetsync init`: nothing in them."""
    folder = tmp_path_factory.mktemp("empty")
    config = make_config(folder / "network.xlsx", name=NETWORK)
    store = WorkbookBackend(folder / "network.xlsx")
    init_spreadsheet(store, config)
    return {name: table.frame for name, table in read_state(store, config).tables.items()}


def digest_data(frames: dict[str, pd.DataFrame], audience: str):
    if audience == "organizers":
        since = NOW - dt.timedelta(days=7)
        return organizer_digest(frames, NETWORK, NOW, since=since, goals=GOALS)
    if audience == "public":
        return public_summary(frames, NETWORK, NOW, goals=GOALS)
    return volunteer_digests(frames, NETWORK, NOW, Policy(records_of(frames["people"]))).digests


@cache
def catalog(language: str) -> Catalog | None:
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return None
    with po.open("rb") as f:
        return read_po(f, locale=language)


def translated(language: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) for every message the language's catalog translates differently."""
    found = catalog(language)
    if found is None:
        return []
    pairs: list[tuple[str, str]] = []
    for m in found:
        if not m.id or not m.string:
            continue
        # A plural message pairs each English form with the language's form of that number
        # (both have two: one, other).
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        pairs += [(i, t) for i, t in zip(ids, strings, strict=True) if t and t != i]
    return pairs


def say(language: str, msgid: str, **values: object) -> str:
    """A message as the digest writes it in a language."""
    message = catalog(language).get(msgid) if catalog(language) else None
    return (message.string if message and message.string else msgid) % values


def say_plural(language: str, one: str, other: str, num: int) -> str:
    """A plural message (ngettext) as the digest writes it for a number in a language
    (English and Spanish both say the one form for 1 only)."""
    message = catalog(language).get(one) if catalog(language) else None
    forms = message.string if message and message.string else (one, other)
    return forms[0 if num == 1 else 1] % {"num": num}


def as_pattern(message: str) -> re.Pattern[str]:
    """A message with its %(name)s placeholders matching any text on one line, whole words
    only. A placeholder at either end adds nothing to look for: it is left out, which
    also keeps the search fast on long lines."""
    parts = re.split(r"%\(\w+\)s", message.replace("%%", "%"))
    start = r"(?<!\w)" if parts[0] else ""
    end = r"(?!\w)" if parts[-1] else ""
    parts = parts[1 if not parts[0] else 0 : -1 if not parts[-1] else None]
    return re.compile(start + r"[^\n<>]*?".join(re.escape(p) for p in parts) + end)


class Shape(HTMLParser):
    """Collects an HTML page's text and checks that every element is closed in order."""

    VOID = frozenset({"meta", "br", "img", "hr", "input", "link", "col", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_shape(html: str, language: str) -> str:
    """The HTML's text, after checking it is well formed; its lang is the language."""
    shape = Shape()
    shape.feed(html)
    shape.close()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert shape.problems == [] and shape.open == []
    assert shape.lang == language
    return flat(" ".join(shape.text))


def rendered_all(data: object, audience: str) -> dict[str, Rendered]:
    return {lang: render(audience, data, lang, chart=CHART) for lang in LANGUAGES}


def check_rendered(rendered: Rendered, language: str, period: str) -> tuple[str, str]:
    """Subject, text and HTML are there and well formed: the text and the HTML's text."""
    assert rendered.language == language
    assert rendered.subject.strip() and "\n" not in rendered.subject
    assert period in rendered.subject
    assert rendered.text.strip()
    assert NETWORK in rendered.text  # the footer names the network, at least
    html_text = check_shape(rendered.html, language)
    assert NETWORK in html_text
    assert "Eastside Mutual Aid &amp; Friends" in rendered.html
    return rendered.text, html_text


def check_translated(renders: dict[str, Rendered], quoted: tuple[str, ...] = ()) -> None:
    """What English shows of the catalog is shown translated, and no English is left. The
    tabs' words are left out, the messages only the tabs say and the text quoted from them
    (`quoted`): the tabs hold them in their network's language, English for these frames
    (a Spanish network's: tests/test_spanish_network.py, tests/test_tab_messages.py)."""
    english = renders["en"]
    for language, rendered in renders.items():
        for msgid, msgstr in translated(language):
            if msgid in tab_only_messages():
                continue  # the tabs' words: a digest shows them only as the tabs hold them
            for part in ("subject", "text", "html"):
                shown = _unquoted(getattr(english, part), quoted, html=part == "html")
                there = _unquoted(getattr(rendered, part), quoted, html=part == "html")
                if as_pattern(msgid).search(shown):
                    assert as_pattern(msgstr).search(there), f"{language} {part}: no {msgstr!r}"
                assert not as_pattern(msgid).search(there), f"{language} {part}: {msgid!r} left"


def _unquoted(text: str, quoted: tuple[str, ...], *, html: bool) -> str:
    for q in quoted:
        text = text.replace(str(escape(q)) if html else q, "")
    return text


def _tab_quotes(data: object) -> tuple[str, ...]:
    """What an organizers' digest quotes from the Summary and Load tabs' texts."""
    notes = getattr(data, "notes", [])
    flagged = getattr(data, "flagged", [])
    return (*notes, *(m.flags for m in flagged), *(m.next_steps for m in flagged if m.next_steps))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_template_renders_in_every_language_with_real_data(frames, audience):
    data = digest_data(frames, audience)
    if audience == "volunteer":
        [data] = data  # Sam asked for the weekly email; Lee did not
        assert data.first_name == "Sam"
    renders = rendered_all(data, audience)
    for language, rendered in renders.items():
        text, html_text = check_rendered(rendered, language, "2026-W48")
        for shown in (text, html_text):
            if audience == "organizers":
                assert say(language, "New requests this week: %(n)s", n=3) in shown
                assert say(language, "Runs that failed") not in shown
                assert "A. B. (P0" in shown and "Ann Bell" not in shown
                assert say(language, "Members who may be carrying too much") in shown
                assert say(language, "For the whole network") in shown
            elif audience == "volunteer":
                assert say(language, "Hello %(name)s,", name="Sam") in shown
                assert "Maria Garcia (+12015550143, maria@example.org)" in shown
                assert "Insulin" not in shown
                assert say(language, "Status") + ": " + say(language, "accepted") in shown
            else:
                met = "Needs met so far: %(n)s, for %(people)s neighbours"
                # One need met, for one person: too few to show (a household could be named).
                assert say(language, met, n="<5", people="<5") in shown
                assert say(language, "Other kinds") + ": <5" in shown
                assert say(language, "Needs met, by kind") in shown
                for private in ("Maria", "Ann", "Sam", "Lee", "@", "+1201"):
                    assert private not in shown
    check_translated(renders, _tab_quotes(data))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_template_renders_in_every_language_with_empty_lists(empty_frames, frames, audience):
    if audience == "volunteer":
        # A volunteer with nothing to do gets no email; the template copes all the same.
        policy = Policy(records_of(empty_frames["people"]))
        assert volunteer_digests(empty_frames, NETWORK, NOW, policy).digests == []
        [data] = digest_data(frames, audience)
        data = dataclasses.replace(data, tasks=[])
    else:
        data = digest_data(empty_frames, audience)
    renders = rendered_all(data, audience)
    for language, rendered in renders.items():
        text, html_text = check_rendered(rendered, language, "2026-W48")
        for shown in (text, html_text):
            if audience == "organizers":
                assert say(language, "New requests this week: %(n)s", n=0) in shown
                assert say(language, "Proposals waiting for a yes: %(n)s", n=0) in shown
                assert say(language, "Members who may be carrying too much") not in shown
            elif audience == "volunteer":
                assert say(language, "Status") not in shown
            else:
                assert say(language, "Requests for help this week: %(n)s", n=0) in shown
                assert say(language, "Needs met, by kind") not in shown
    check_translated(renders)


def test_a_list_longer_than_the_cap_shows_how_many_more_in_every_language(frames):
    long = dict(frames)
    needs, tasks = frames["needs"], frames["tasks"]
    long["needs"] = needs.loc[needs.index.repeat(MAX_LINES)].reset_index(drop=True)
    long["needs"]["need_id"] = [f"N{i:04d}" for i in range(len(long["needs"]))]
    long["needs"]["status"] = "open"
    long["tasks"] = tasks.loc[tasks.index.repeat(MAX_LINES)].reset_index(drop=True)
    long["tasks"]["task_id"] = [f"T{i:04d}" for i in range(len(long["tasks"]))]
    long["tasks"]["status"] = "proposed"
    failed = pd.DataFrame(
        [
            {
                **dict.fromkeys(frames["run_log"].columns, ""),
                "run_id": f"R20261122-{i:06d}",
                "job": "intake",
                "started": f"2026-11-22 {i:02d}:15",
                "outcome": "failed",
                "message": "The 'Request help' form's tab is missing.",
            }
            for i in range(MAX_FAILED_RUNS + 2)
        ]
    )
    long["run_log"] = pd.concat([frames["run_log"], failed], ignore_index=True)
    data = digest_data(long, "organizers")
    needs_more, tasks_more = len(long["needs"]) - MAX_LINES, len(long["tasks"]) - MAX_LINES
    assert needs_more > 0 and tasks_more > 0
    renders = rendered_all(data, "organizers")
    for language, rendered in renders.items():
        text, html_text = check_rendered(rendered, language, "2026-W48")
        more = "… and %(n)s more on the %(tab)s tab."
        for shown in (text, html_text):
            assert shown.count(say(language, more, n=needs_more, tab="Needs")) == 2
            assert shown.count(say(language, more, n=tasks_more, tab="Tasks")) == 1
            earlier = (
                "And %(num)s earlier failure: see the Run log tab.",
                "And %(num)s earlier failures: see the Run log tab.",
            )
            assert say_plural(language, *earlier, num=2) in shown
            assert say(language, "Runs that failed") in shown
        # Need lines ("- N0100 …"), not the weeks' ("- Nov 10: …").
        lines = [line for line in text.splitlines() if re.match(r"- N\d", line)]
        assert len(lines) == MAX_LINES
    check_translated(renders)


def test_the_catalog_check_sees_english_left_in_a_translation():
    [(msgid, msgstr)] = [m for m in translated("es") if m[0] == "Hello %(name)s,"]
    assert as_pattern(msgid).search("Hello Sam,\n") and not as_pattern(msgid).search("Hola Sam:")
    assert as_pattern(msgstr).search("<h1>Hola Sam:</h1>")
    assert not as_pattern("met").search("metric") and as_pattern("met").search("1 met, 2")
    assert len(translated("es")) > 40


# --- Schemas -----------------------------------------------------------------------------

SCHEMAS_DOC = (ROOT / "docs" / "schemas.md").read_text(encoding="utf-8")


def section_of(schema: TableSchema) -> str:
    """A schema's section of docs/schemas.md: the `###` heading naming its file (the form
    schemas) or its title (sheetsync's tabs), down to the next heading."""
    sections = re.split(r"(?m)^(?=#{1,3} )", SCHEMAS_DOC)
    assert schema.path is not None
    found = [
        s
        for s in sections
        if s.startswith("### ")
        and (f"`{schema.path.name}`" in s.splitlines()[0] or s.splitlines()[0][4:] == schema.title)
    ]
    assert len(found) == 1, f"docs/schemas.md needs one section for {schema.path.name}"
    return found[0]


def table_rows(section: str) -> dict[str, dict[str, str]]:
    """The section's table, a row per field: {field name: {column heading: cell}}."""
    lines = [line.strip() for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    heading = cells[0]
    return {row[0].strip("`"): dict(zip(heading, row, strict=True)) for row in cells[2:]}


def documented_type(field: FieldSpec) -> str:
    text = field.type.value
    if text == "list":
        text += f' (`"{field.delimiter}"`)'
    if field.format:
        text += f", format `{field.format}`"
    return text


def documented_constraints(field: FieldSpec) -> list[str]:
    """What the Constraints cell must say, as schemas.md writes it."""
    said = []
    if field.enum:
        said.append("enum: " + ", ".join(f"`{v}`" for v in field.enum))
    if field.enum_from:
        said.append(f"enumFrom `{field.enum_from}`")
    for word, value in (
        ("minimum", field.minimum),
        ("maximum", field.maximum),
        ("maxLength", field.max_length),
    ):
        if value is not None:
            said.append(f"{word} {value:g}")
    if field.pattern:
        said.append(f"pattern `{field.pattern}`")
    if field.past:
        said.append("past")
    return said


SCHEMAS = sorted(load_schemas().values(), key=lambda s: s.name)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_every_schema_field_is_documented_in_its_section(schema):
    rows = table_rows(section_of(schema))
    assert list(rows) == schema.names
    for field in schema.fields:
        row = rows[field.name]
        where = f"docs/schemas.md, {schema.name}.{field.name}"
        assert row["Type"] == documented_type(field), where
        assert row["pii"] == ("yes" if field.pii else ""), where
        constraints = row.get("Constraints", row.get("Other constraints"))
        for said in documented_constraints(field):
            assert said in constraints, f"{where}: add {said!r}"
        if schema.kind == "form":
            assert row["Column title"] == field.title, where
            assert row["Required"] == ("yes" if field.required else ""), where
        else:
            assert row["Owner"] == field.owner.value, where
            assert row["Description"] == field.description, where


FORMS_DOC = (ROOT / "docs" / "forms.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("schema", [s for s in SCHEMAS if s.kind == "form"], ids=lambda s: s.name)
def test_every_form_question_is_in_its_form_section_of_forms_md(schema):
    [section] = [
        s
        for s in re.split(r"(?m)^(?=## )", FORMS_DOC)
        if re.match(rf"## Form \d: {schema.title}\n", s)
    ]
    lines = [line.strip() for line in section.splitlines() if line.startswith("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    by_name = {row[-1].strip("`"): row for row in rows}
    assert list(by_name) == schema.names
    for field in schema.fields:
        _, title, _, required, options, _ = by_name[field.name]
        where = f"docs/forms.md, {schema.title}: {field.title}"
        assert title == f"`{field.title}`", where
        # Google fills the Timestamp itself: "(always filled)".
        assert required.startswith(("Yes", "(always filled)") if field.required else "No"), where
        if field.enum:
            assert options == " · ".join(f"`{v}`" for v in field.enum), where


SHIPPED = sorted([*(ROOT / "schemas").iterdir(), *(ROOT / "jobs").iterdir()])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_in_schemas_and_jobs_loads_and_is_used(path):
    """Each file loads on its own, and the loaders read it: none is skipped for its
    extension or shadowed by another file of the same name."""
    if path.parent.name == "schemas":
        schema = load_schema(path)
        assert schema.path == path
        assert load_schemas(path.parent)[schema.name].path == path
    else:
        job = load_job(path)
        assert job.name == path.stem and job.steps
        assert job in list_jobs(path.parent)
