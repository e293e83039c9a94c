"""The sheetsync command: parse options, call the core, render the result, exit 0/1/2."""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import phonenumbers

from sheetsync import __version__
from sheetsync.backends import open_backend
from sheetsync.backends.base import Backend
from sheetsync.bootstrap import InitReport, detect_form_tabs, init_spreadsheet
from sheetsync.cli_json import (
    JsonCommand,
    check_data,
    delivery_dict,
    emit,
    error_object,
    error_of,
    finish,
)
from sheetsync.cli_render import (
    Progress,
    forgotten_lines,
    not_erased_lines,
    render_report,
    values_to_fix_lines,
)
from sheetsync.cli_undo import SHOWN as UNDO_SHOWN
from sheetsync.cli_undo import undone_lines
from sheetsync.config import CONFIG_ENV, DEFAULT_CONFIG, BackendKind, Config, render_config
from sheetsync.contacts import check_output, dedupe_contacts, read_contacts, write_contacts
from sheetsync.demo.board import DEMO_BOARD
from sheetsync.demo.network import DemoReport, create_demo
from sheetsync.errors import SheetsyncError, trace_text
from sheetsync.files import PrivateFileHandler, private_dir, write_private_text
from sheetsync.form_languages import ENGLISH, shipped_languages
from sheetsync.jobs import (
    Job,
    check_spreadsheet,
    find_job,
    jobs_folder,
    list_jobs,
    run_job,
)
from sheetsync.members import parse_datetime
from sheetsync.report import Delivery, DeliveryOutcome, IssueCode
from sheetsync.run_log import last_runs
from sheetsync.scheduling.command import Rendering, Scheduler
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.state import local_now
from sheetsync.undo import undo_run

F = TypeVar("F", bound=Callable[..., Any])
# Digest outcomes that make a command exit 1: refused (tried again by the next run), or
# unconfirmed (an organizer checks the mail server's log, and may --resend it).
NEEDS_A_PERSON = (DeliveryOutcome.FAILED, DeliveryOutcome.UNCONFIRMED)


@dataclass
class Settings:
    config_path: Path
    verbose: bool
    quiet: bool = False

    def config(self) -> Config:
        return Config.from_file(self.config_path)


def handle_errors(func: F) -> F:
    """Turn sheetsync's failures into a message and exit code 1 (click gives 2 for usage)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context(silent=True)
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except SheetsyncError as err:
            if context is not None and isinstance(context.obj, Settings) and context.obj.verbose:
                click.echo(trace_text(err), err=True)
            if as_json:
                emit(_command_name(context), error=error_of(err))
            raise click.ClickException(str(err)) from err
        except (click.ClickException, click.Abort) as err:  # a usage error, a "no" to confirm
            if as_json:
                emit(_command_name(context), error=error_of(err))
            raise

    return wrapper  # type: ignore[return-value]


def _command_name(context: click.Context | None) -> str:
    return (context.command.name or "") if context is not None else ""


def json_option(what: str) -> Callable[[F], F]:
    """--json: print `what` as one JSON object on stdout (docs/json.md), failures too."""
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


@click.group()
@click.version_option(__version__, prog_name="sheetsync")
@click.option(
    "--config",
    "config_path",
    envvar=CONFIG_ENV,
    default=DEFAULT_CONFIG,
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The network's settings file (or ${CONFIG_ENV}).",
)
@click.option("--verbose", "-v", is_flag=True, help="Say more: every change and every problem.")
@click.option(
    "--quiet", "-q", is_flag=True, help="On stderr, only warnings and failures (cron mails them)."
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append the log (a line per step, per run, per email) to this file.",
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path, verbose: bool, quiet: bool, log_file: Path | None
) -> None:
    """sheetsync: a careful helper for mutual aid organizers, inside their own spreadsheet."""
    ctx.obj = Settings(config_path, verbose, quiet)
    setup_logging(quiet=quiet, log_file=log_file)


LOG_FORMAT = "%(asctime)s sheetsync %(message)s"


def setup_logging(*, quiet: bool, log_file: Path | None) -> None:
    """sheetsync's log lines on stderr (from INFO, or WARNING when quiet) and in a file."""
    logger = logging.getLogger("sheetsync")
    for old in [h for h in logger.handlers if getattr(h, "sheetsync_cli", False)]:
        logger.removeHandler(old)
        old.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setLevel(logging.WARNING if quiet else logging.INFO)
    if log_file is not None:  # private: it names rows and ids (never values, names or emails)
        handlers.append(PrivateFileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
        handler.sheetsync_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


pass_settings = click.make_pass_decorator(Settings)


@cli.command(cls=JsonCommand)
@click.option(
    "--backend",
    type=click.Choice([kind.value for kind in BackendKind]),
    default=BackendKind.LOCAL.value,
    show_default=True,
    help="Where the network's spreadsheet lives: a local .xlsx workbook or Google Sheets.",
)
@click.option(
    "--workbook",
    type=click.Path(dir_okay=False, path_type=Path),
    help="local: the .xlsx workbook (created if missing).",
)
@click.option("--spreadsheet", help="google: the spreadsheet's address or key.")
@click.option(
    "--credentials",
    type=click.Path(dir_okay=False, path_type=Path),
    help="google: the service account's JSON key (or $GOOGLE_APPLICATION_CREDENTIALS).",
)
@click.option("--demo", is_flag=True, help="Fill new form tabs with a demo network's responses.")
@click.option(
    "--history",
    "history_weeks",
    type=click.IntRange(0, 8),
    default=0,
    show_default=True,
    help="With --demo: play out the demo's last WEEKS weeks (responses arriving, the weekly "
    "job, an organizer answering), so Tasks and Load have a past.",
    metavar="WEEKS",
)
@click.option(
    "--language",
    type=click.Choice(shipped_languages()),
    default=ENGLISH,
    show_default=True,
    help="The language of the network's forms and organizers' digests: the new config reads "
    "form tabs in it and in English, and new form tabs (the demo's too) are written in it.",
)
@json_option("what init wrote and created")
@pass_settings
@handle_errors
def init(
    settings: Settings,
    backend: str,
    workbook: Path | None,
    spreadsheet: str | None,
    credentials: Path | None,
    demo: bool,
    history_weeks: int,
    language: str,
    as_json: bool,
) -> None:
    """Write sheetsync.toml and create the tabs and columns the spreadsheet is missing.

    Running it again changes nothing.
    """
    path = settings.config_path
    say = Lines(echo=not as_json)
    written = not path.exists()
    if path.exists():
        say(_kept(path, workbook, spreadsheet, credentials, language))
    elif backend == BackendKind.LOCAL:
        if workbook is None:
            raise click.UsageError("--workbook PATH is needed to create a config.")
        private_dir(path.parent)
        write_private_text(
            path,
            render_config(
                backend=backend,
                workbook=_relative(workbook, path),
                **_demo_settings(demo),
                **_language_settings(language),
            ),
        )
        say(f"Wrote {path}: check the zones, region and time zone in it.")
    else:
        _write_google_config(path, spreadsheet, credentials, say, language)
    config = settings.config()
    store = open_backend(config)
    if history_weeks and not demo:
        raise click.UsageError("--history plays out the demo's past: use it with --demo.")
    made = create_demo(store, config, history_weeks=history_weeks) if demo else None
    report = made.init if made else init_spreadsheet(store, config)
    for line in _init_lines(store, report, made):
        say(line)
    if as_json:
        finish("init", _init_data(path, written, store, report, made) | {"messages": say.lines})


def _kept(
    path: Path,
    workbook: Path | None,
    spreadsheet: str | None,
    credentials: Path | None,
    language: str,
) -> str:
    """The config exists: init keeps it, and says which options it did not use."""
    backend = [
        f"--{name}"
        for name, value in (
            ("workbook", workbook),
            ("spreadsheet", spreadsheet),
            ("credentials", credentials),
        )
        if value
    ]
    given = backend + (["--language"] if language != ENGLISH else [])
    if not given:
        return f"Kept {path}: it exists already."
    sections = " and ".join(
        section
        for section, named in (("[backend]", backend), ("[forms] languages", language != ENGLISH))
        if named
    )
    return (
        f"Kept {path}: it exists already. {', '.join(given)} not used: to change them, edit "
        f"{sections} in {path} or remove it and run init again."
    )


def _language_settings(language: str, *, locale: bool = True) -> dict[str, Any]:
    """A network in another language than English: its forms read in it (and English),
    its organizers' digests in it, and (unless the spreadsheet says) its locale."""
    if language == ENGLISH:
        return {}
    settings: dict[str, Any] = {
        "form_languages": (language, ENGLISH),
        "organizers_language": language,
    }
    if locale:  # the defaults are the United States': dates month first, as in es_US
        settings["locale"] = f"{language}_US"
    return settings


def _demo_settings(demo: bool) -> dict[str, Any]:
    """The demo's sheetsync.toml: digests to the outbox, and a volunteer board."""
    if not demo:
        return {}
    return {
        "organizers": ("organizers@example.org",),
        "public": ("newsletter@example.org",),
        "board_workbook": DEMO_BOARD,
    }


class Lines:
    """A command's lines of text: echoed as they come, and kept (for --json's "messages")."""

    def __init__(self, *, echo: bool) -> None:
        self.echo = echo
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if self.echo:
            click.echo(line)


def _init_lines(store: Backend, report: InitReport, demo: DemoReport | None) -> Iterator[str]:
    """What init created, then what the demo added."""
    for tab in report.created_tabs:
        yield f"Created tab {tab!r}."
    for tab, columns in report.added_columns.items():
        yield f"Added columns to {tab!r}: {', '.join(columns)}."
    for tab, renames in report.renamed_columns.items():
        for found, title in renames:
            yield (f"Named column {found!r} of {tab!r} back to {title!r}: its values are kept.")
    if report.board_tab:
        yield f"Created the volunteer board's tab {report.board_tab!r} (docs/board.md)."
    if report.formatted:
        yield (
            f"Formatted {report.formatted} tabs: headers, widths, dropdowns, colours; the "
            "columns sheetsync writes are shaded (docs/sheet.md)."
        )
    if demo and demo.responses:
        yield f"Added {demo.responses} demo form responses."
    if demo and demo.history_runs:
        yield (
            f"Played {demo.history_runs} past weeks: the weekly job and a simulated organizer "
            f"(who hands many tasks to {demo.go_to}: see the Load tab)."
        )
    if demo and demo.board_claim:
        yield (
            f"A volunteer claimed need {demo.board_claim} on the volunteer board "
            f"({DEMO_BOARD}): the next weekly run makes it their task."
        )
    if not report.changed:
        yield f"{store.describe()} has every tab and column sheetsync needs."


def _init_data(
    path: Path, written: bool, store: Backend, report: InitReport, demo: DemoReport | None
) -> dict[str, Any]:
    """init's keys in --json (docs/json.md)."""
    return {
        "config": str(path),
        "config_written": written,
        "spreadsheet": store.describe(),
        "created_tabs": list(report.created_tabs),
        "added_columns": {tab: list(cols) for tab, cols in report.added_columns.items()},
        "renamed_columns": {
            tab: [list(pair) for pair in pairs] for tab, pairs in report.renamed_columns.items()
        },
        "formatted": report.formatted,
        "demo": (
            {"responses": demo.responses, "history_runs": demo.history_runs}
            if demo is not None
            else None
        ),
    }


def _relative(target: Path, config_path: Path) -> str:
    return Path(os.path.relpath(target.resolve(), config_path.parent.resolve())).as_posix()


def _write_google_config(
    path: Path,
    spreadsheet: str | None,
    credentials: Path | None,
    say: Lines,
    language: str = ENGLISH,
) -> None:
    """Check access to the spreadsheet, then write a config matching what it holds."""
    from sheetsync.backends.google import CREDENTIALS_ENV, GoogleBackend

    if not spreadsheet:
        raise click.UsageError("--spreadsheet KEY_OR_ADDRESS is needed to create a config.")
    key_file = credentials or (
        Path(os.environ[CREDENTIALS_ENV]) if os.environ.get(CREDENTIALS_ENV) else None
    )
    if key_file is None:
        raise click.UsageError(
            f"--credentials service-account.json (or ${CREDENTIALS_ENV}) is needed: the JSON "
            "key of the service account the spreadsheet is shared with."
        )
    store = GoogleBackend(spreadsheet, key_file, endpoint=None)
    form_tabs = detect_form_tabs(store)  # reads the spreadsheet: fails here if not shared
    say(f"Opened {store.describe()} as {store.client_email}.")
    for form, tab in form_tabs.items():
        say(f"Found the {form} form's responses in tab {tab!r}.")
    write_private_text(
        path,
        render_config(
            backend=BackendKind.GOOGLE,
            spreadsheet=store.key,
            credentials=_relative(key_file, path) if credentials else None,
            timezone=str(store.properties.get("timeZone") or "UTC"),
            locale=str(store.properties.get("locale") or "en_US"),
            form_tabs=form_tabs,
            **_language_settings(language, locale=False),
        ),
    )
    say(f"Wrote {path}: check the zones and region in it.")


@cli.command(cls=JsonCommand)
@json_option("what was checked and the problems found")
@pass_settings
@handle_errors
def check(settings: Settings, as_json: bool) -> None:
    """Check the config, the tabs and every form response; change nothing.

    Exits 1 when the spreadsheet cannot be processed (a missing tab or column), or when a
    value in the organizers' own columns needs fixing (a task status sheetsync does not know).
    """
    config = settings.config()
    store = open_backend(config)
    result = check_spreadsheet(store, config)
    values = [i for i in result.issues if i.code is IssueCode.ORGANIZER_VALUE]
    if as_json:
        problem = (
            error_object(
                "ValuesToFix",
                f"{len(values)} values in the organizers' tabs need fixing: see issues "
                "(code organizer-value).",
                1,
            )
            if values
            else None
        )
        finish("check", check_data(store.describe(), result), problem)
        return
    for notice in result.notices:
        click.echo(f"Note: {notice}")
    counts = result.counts
    click.echo(
        f"{store.describe()}: {counts['responses']} form responses, "
        f"{counts['valid']} usable, {counts['invalid']} with problems."
    )
    for issue in result.issues:
        if issue.code is not IssueCode.ORGANIZER_VALUE:
            click.echo(f"  {issue.source}  {issue.message}")
    if counts["invalid"]:
        click.echo(
            "Fix these in the form responses; `sheetsync run` lists them on the "
            "Errors tab and uses every other row."
        )
    if counts.get("noted"):
        click.echo(
            f"{counts['noted']} usable responses had an answer cleaned on the way in "
            "(a control character, or a long answer shortened); `sheetsync run` notes "
            "them on the Errors tab. Nothing to fix."
        )
    for line in values_to_fix_lines(values, None):
        click.echo(line)
    if values:
        raise SystemExit(1)


@cli.command(cls=JsonCommand)
@click.argument("job")
@click.option(
    "--dry-run", is_flag=True, help="Compute everything, print the changes, write nothing."
)
@click.option(
    "--full",
    is_flag=True,
    help="Run every step even when nothing is new since a run that changed nothing "
    "(such a run is otherwise skipped: docs/performance.md).",
)
@json_option("the run report")
@pass_settings
@handle_errors
def run(settings: Settings, job: str, dry_run: bool, full: bool, as_json: bool) -> None:
    """Run JOB (a file in jobs/, e.g. weekly) on the spreadsheet."""
    config = settings.config()
    store = open_backend(config)
    progress = Progress(enabled=not as_json)
    try:
        with NetworkLock(config, f"run {job}"):
            report = run_job(
                find_job(job, config),
                store,
                config,
                dry_run=dry_run,
                on_step=progress.on_step,
                full=full,
            )
    finally:
        progress.stop()
    waiting = [d for d in report.deliveries if d.outcome in NEEDS_A_PERSON]
    if as_json:
        finish("run", report.to_dict(), _digests_waiting(waiting))
        return
    render_report(report, store.describe(), verbose=settings.verbose)
    if waiting:
        raise SystemExit(1)


def _digests_waiting(waiting: list[Delivery]) -> dict[str, Any] | None:
    """The error object of digests refused or unconfirmed (their deliveries say which)."""
    if not waiting:
        return None
    labels = ", ".join(f"{d.audience} {d.recipient}".strip() for d in waiting)
    return error_object(
        "DigestNotDelivered",
        f"{len(waiting)} digests were refused or are unconfirmed ({labels}): their "
        "deliveries say what to do.",
        1,
    )


@cli.command("forget", cls=JsonCommand)
@click.argument("person_id")
@click.option("--dry-run", is_flag=True, help="Show what would be emptied; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before forgetting them.")
@json_option("what was emptied")
@pass_settings
@handle_errors
def forget_command(
    settings: Settings, person_id: str, dry_run: bool, yes: bool, as_json: bool
) -> None:
    """Remove a person on request: empty their form responses, their rows and cells on
    sheetsync's tabs, and sheetsync's files naming them.

    PERSON_ID is their id in the People tab's person_id column (e.g. P0042), never a name,
    email or phone: command lines stay in your shell's history. Their linked duplicate rows
    go too; household members and everyone else are left as they are.
    """
    from sheetsync.forget import forget_person

    if not re.fullmatch(r"[A-Za-z]+-?[0-9]+", person_id.strip()):
        raise click.BadParameter(
            "give their id from the People tab's person_id column, e.g. P0042: never a "
            "name, email or phone (command lines stay in your shell's history).",
            param_hint="PERSON_ID",
        )
    config = settings.config()
    store = open_backend(config)
    result = forget_person(store, config, person_id, dry_run=True)
    ask = not (dry_run or yes or result.nothing_left)
    if ask:
        if not as_json:
            click.echo("\n".join(forgotten_lines(result, store.describe())))
        click.confirm(
            f"Forget {result.person_id} for good? It cannot be undone", abort=True, err=True
        )
    if not (dry_run or result.nothing_left):
        result = forget_person(store, config, person_id)  # reads the sheet again, locked
    if as_json:
        finish("forget", result.to_dict())
        return
    lines = [*forgotten_lines(result, store.describe(), rows=not ask), *not_erased_lines()]
    if dry_run:
        lines.append("Nothing was changed (--dry-run).")
    click.echo("\n".join(lines))


@cli.command("dedupe", cls=JsonCommand)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the result (.csv or .xlsx).",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Use the column HEADER for FIELD (name, given_name, family_name, phone, email, "
    "address, postcode, zone, birth_date). Repeatable.",
)
@click.option("--sheet", help="For a workbook: the sheet to read (default: the first).")
@click.option(
    "--region",
    help="Phone numbers without a country code are from this country (default: the "
    "network's default_region in sheetsync.toml, else US).",
)
@json_option("the columns compared and the figures")
@pass_settings
@handle_errors
def dedupe_command(
    settings: Settings,
    input_path: Path,
    out_path: Path,
    columns: tuple[str, ...],
    sheet: str | None,
    region: str | None,
    as_json: bool,
) -> None:
    """Find the duplicates in a contact list (CSV or XLSX) and write it with cluster_id,
    duplicate_of, match_score and match_reason added. The input file is not changed."""
    mapping = {}
    for item in columns:
        name, sep, header = item.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise click.BadParameter(f"{item!r}: write FIELD=HEADER, e.g. phone='Mobile'.")
        mapping[name.strip()] = header.strip()
    if out_path.resolve() == input_path.resolve():
        raise click.BadParameter("--out must be another file: the input is never changed.")
    # The network's date, when there is one (two-digit years of birth read by it).
    today = local_now(settings.config()).date() if settings.config_path.exists() else None
    if region is None:
        region = settings.config().default_region if settings.config_path.exists() else "US"
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise click.BadParameter(
            f"{region!r} is not a country code: use two letters, such as US, MX or GB.",
            param_hint="--region",
        )
    check_output(out_path)
    frame = read_contacts(input_path, sheet)
    result = dedupe_contacts(frame, region.upper(), mapping, today=today)
    write_contacts(result.frame, out_path)
    if as_json:  # the headers compared and figures, as the text says: no row's values
        data = {
            "out": str(out_path),
            "columns": dict(result.columns),
            "counts": dict(result.counts),
            "notices": list(result.notices),
        }
        finish("dedupe", data)
        return
    for notice in result.notices:
        click.echo(f"Note: {notice}", err=True)
    used = ", ".join(f"{name} = '{header}'" for name, header in result.columns.items())
    counts = result.counts
    click.echo(f"Columns compared: {used}.")
    click.echo(
        f"{counts['rows']} rows, {counts['people']} people: {counts['duplicate_rows']} rows "
        f"repeat an earlier one, {counts['to_review']} pairs to check by hand (match_reason "
        f"starts 'maybe'), {counts['households']} households kept apart."
    )
    click.echo(f"Wrote {out_path}.")


@cli.command("digest", cls=JsonCommand)
@click.option(
    "--preview",
    is_flag=True,
    help="Write the organizers' digest as HTML and print its path; send nothing.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("digest-preview"),
    show_default=True,
    help="With --preview: the folder to write to.",
)
@click.option(
    "--resend",
    "resend",
    metavar="LABEL",
    multiple=True,
    help="Send this week's digest LABEL again, whatever the Run log says (e.g. one left "
    "unconfirmed that never arrived: volunteer-2026-W48-P0042). Sends only those.",
)
@click.option(
    "--test-to",
    "test_to",
    metavar="ADDRESS",
    help="Send one sample digest (an empty network's, subject marked [TEST]) to ADDRESS "
    "by [email.smtp], to check the mail settings; send nothing else, note nothing.",
)
@json_option("what was sent, refused or written")
@pass_settings
@handle_errors
def digest_command(
    settings: Settings,
    preview: bool,
    out_dir: Path,
    resend: tuple[str, ...],
    test_to: str | None,
    as_json: bool,
) -> None:
    """Send this week's digests (organizers, volunteers who asked, public), each once.

    Without [email.smtp] in sheetsync.toml they go to the outbox folder as .eml and .html.
    Exits 1 when one was refused (the next run tries it again) or is unconfirmed (check
    the mail server's log for its Message-ID; --resend sends it again).
    """
    from sheetsync.digest.deliver import preview as write_preview
    from sheetsync.digest.deliver import send_digests
    from sheetsync.digest.mail import NoSuchDigestError

    if test_to is not None and (preview or resend):
        raise click.UsageError(
            "--test-to sends one sample only: use it without --preview or --resend."
        )
    config = settings.config()
    if test_to is not None:
        _send_test_digest(config, test_to, as_json)
        return
    store = open_backend(config)
    if preview:
        path = write_preview(store, config, out_dir)
        if as_json:
            finish("digest", {"mode": "preview", "preview": str(path), "deliveries": []})
            return
        click.echo(str(path))
        return
    try:
        with NetworkLock(config, "digest"):
            deliveries = send_digests(store, config, resend=resend)
    except NoSuchDigestError as err:
        raise click.BadParameter(str(err), param_hint="--resend") from err
    waiting = [d for d in deliveries if d.outcome in NEEDS_A_PERSON]
    if as_json:
        data = {"mode": "send", "deliveries": [delivery_dict(d) for d in deliveries]}
        finish("digest", data, _digests_waiting(waiting))
        return
    for d in deliveries:
        click.echo(f"{d.outcome:12} {d.audience:10} {d.period} {d.recipient} {d.detail}".rstrip())
    if not deliveries:
        click.echo(
            "No digests to send: list organizers under [email] in sheetsync.toml, and write "
            "yes in People's weekly_email for volunteers who want theirs."
        )
    if waiting:
        raise SystemExit(1)


def _send_test_digest(config: Config, address: str, as_json: bool) -> None:
    """digest --test-to: one sample digest by SMTP, reported in words (docs/digest.md)."""
    from email_validator import EmailNotValidError, validate_email

    from sheetsync.digest.sample import send_sample

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as err:
        raise click.BadParameter(
            "give one email address, e.g. you@example.org.", param_hint="--test-to"
        ) from err
    where = send_sample(config, address)
    if as_json:  # the address is the one given: not repeated, as in the text
        finish("digest", {"mode": "test", "sent": True, "detail": where, "deliveries": []})
        return
    click.echo(
        f"Sent a test digest (subject starting [TEST]) to the address given: {where}. "
        "Look for it in that inbox (and its spam folder). It is not noted in the Run log."
    )


@cli.command("call-sheet", cls=JsonCommand)
@click.option(
    "--out",
    "out_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the page to FILE (private, 0600); - prints it on stdout. Default: "
    "calls-WEEK.html in this folder (e.g. calls-2026-W49.html).",
)
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="Print another ISO week's open calls, e.g. 2026-W48 (default: this week, in the "
    "network's time zone).",
)
@click.option(
    "--paper",
    type=click.Choice(["A4", "Letter"], case_sensitive=False),
    help="The paper to print on (default: Letter where the network's locale uses it, such "
    "as en_US or es_MX, else A4).",
)
@json_option("the page written and its counts")
@pass_settings
@handle_errors
def call_sheet_command(
    settings: Settings, out_path: Path | None, week: str | None, paper: str | None, as_json: bool
) -> None:
    """Write this week's open calls from the Call list tab as a page to print.

    One row per call, by kind (confirmations, follow-ups, asks after help): the name, the
    phone, the language to speak, what to say, and boxes for the outcome. Only people whose
    consent lets their contact go to a volunteer, and never anyone marked do not contact.
    """
    from sheetsync import call_sheet as calls

    if week is not None:
        try:
            week = calls.week_of(calls.week_start(week))  # 2026-w9 -> 2026-W09
        except ValueError as err:
            raise click.BadParameter(
                "write an ISO week, e.g. 2026-W49.", param_hint="--week"
            ) from err
    to_stdout = str(out_path) == "-"
    if to_stdout and as_json:
        raise click.UsageError("--json prints the counts on stdout: give --out a FILE.")
    config = settings.config()
    chosen = calls.Paper(paper) if paper else None
    sheet = calls.read_call_sheet(
        open_backend(config), config, local_now(config), week=week, paper=chosen
    )
    path = out_path or Path(sheet.file_name)
    html = calls.render_call_sheet(sheet)
    if to_stdout:
        click.echo(html, nl=False)
    else:
        calls.write_page(path, html)
    if as_json:
        finish("call-sheet", {"out": str(path), **sheet.to_dict()})
        return
    for line in calls.summary_lines(sheet):
        click.echo(line, err=to_stdout)
    if not to_stdout:
        click.echo(f"Wrote {path}: open it in a browser and print it.")


@cli.command("jobs", cls=JsonCommand)
@json_option("the jobs")
@pass_settings
@handle_errors
def jobs_command(settings: Settings, as_json: bool) -> None:
    """List the jobs, their schedules and their last run."""
    config = settings.config() if settings.config_path.exists() else None
    latest = last_runs(open_backend(config), config) if config else {}
    jobs = list_jobs(jobs_folder(config))
    if as_json:
        finish("jobs", {"jobs": [_job_dict(job, latest.get(job.name)) for job in jobs]})
        return
    for job in jobs:
        last = latest.get(job.name)
        when = f"last run {last['started']} ({last['outcome']})" if last else "never run"
        click.echo(f"{job.name:<10} {job.schedule:<14} {when:<36} {job.description}")


def _job_dict(job: Job, last: dict[str, str] | None) -> dict[str, Any]:
    """A job in `jobs --json`: its last run as the Run log says (started, outcome)."""
    return {
        "name": job.name,
        "schedule": job.schedule,
        "steps": list(job.steps),
        "description": job.description,
        "last_run": {"started": last["started"], "outcome": last["outcome"]} if last else None,
    }


@cli.command("schedule", cls=JsonCommand)
@click.option(
    "--for",
    "scheduler",
    type=click.Choice([s.value for s in Scheduler]),
    default="cron",
    show_default=True,
    help="The scheduler: cron or systemd (Linux), launchd (Mac), windows (Task "
    "Scheduler), github (GitHub Actions, for a Google spreadsheet).",
)
@click.option(
    "--install",
    is_flag=True,
    help="Install it for you (cron, systemd, launchd; again: no change).",
)
@click.option(
    "--every",
    type=click.IntRange(1, 30),
    help="Minutes between ticks: a job starts at most this late.  [default: 5; 30 for github]",
)
@click.option(
    "--package",
    metavar="SPEC",
    help="github: where the runner installs sheetsync from, a git address with a tag or "
    "commit (docs/schedule.md).",
)
@click.option(
    "--xml",
    "task_xml",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="windows: save the task as Task Scheduler XML in FILE (no window, runs on "
    "battery) and print the schtasks line that imports it.",
)
@json_option("the text, its files and commands, and whether they were installed")
@pass_settings
@handle_errors
def schedule_command(
    settings: Settings,
    scheduler: str,
    install: bool,
    every: int | None,
    package: str | None,
    task_xml: Path | None,
    as_json: bool,
) -> None:
    """Print what runs this network's jobs on a schedule (or --install it).

    The scheduler runs `sheetsync tick` every few minutes; tick runs each job in jobs/
    when its schedule says, one run at a time, and catches up a missed run once.
    """
    from sheetsync.scheduling.schedulers import default_every, install_schedule, render_schedule
    from sheetsync.scheduling.windows import save_task_xml

    config = settings.config()
    chosen = Scheduler(scheduler)
    if package is not None and chosen is not Scheduler.GITHUB:
        raise click.UsageError(
            "--package is what a GitHub runner installs: use it with --for github."
        )
    if task_xml is not None and chosen is not Scheduler.WINDOWS:
        raise click.UsageError("--xml saves a Windows task: use it with --for windows.")
    rendering = render_schedule(
        config,
        list_jobs(jobs_folder(config)),
        chosen,
        every=every or default_every(chosen),
        home=Path.home(),
        environ=os.environ,
        uid=getattr(os, "getuid", lambda: 0)(),  # launchd's gui/<uid>; Windows has none
        package=package,
        task_xml=task_xml,
    )
    changed = install_schedule(rendering, config, platform=sys.platform) if install else False
    if task_xml is not None:
        save_task_xml(rendering)
    if as_json:
        finish("schedule", _schedule_dict(rendering, install, changed))
    elif not install:
        click.echo(rendering.text, nl=False)
        click.echo(rendering.hint, err=True)
    else:
        click.echo(rendering.installed if changed else rendering.unchanged)


def _schedule_dict(rendering: Rendering, install: bool, changed: bool) -> dict[str, Any]:
    """`schedule --json`: the printed lines, and the files and commands behind them."""
    return {
        "lines": rendering.text.splitlines(),
        "install": install,
        "changed": changed,
        "scheduler": rendering.scheduler.value,
        "files": [
            {"path": str(f.path), "mode": f"{f.mode:04o}", "text": f.text} for f in rendering.files
        ],
        "commands": [list(command) for command in rendering.commands],
    }


@cli.command("tick", cls=JsonCommand)
@click.option(
    "--now",
    "now_text",
    metavar="'YYYY-MM-DD HH:MM'",
    help="Say what would run at this time (network time zone); run and record nothing.",
)
@json_option("what each job did")
@pass_settings
@handle_errors
def tick_command(settings: Settings, now_text: str | None, as_json: bool) -> None:
    """Run the jobs that are due (cron runs this every few minutes; see `schedule`).

    Prints a line per job; with --quiet, only for jobs that failed (cron mails those).
    """
    from sheetsync.scheduling.tick import TickAction, tick_network

    config = settings.config()
    now = local_now(config)
    if now_text:
        given = parse_datetime(now_text)
        if given is None:
            raise click.BadParameter(f"{now_text!r}: write e.g. '2026-11-23 07:05'.")
        now = given
    results = tick_network(config, open_backend(config), now, dry_run=now_text is not None)
    failed = [r.job for r in results if r.action == TickAction.FAILED]
    if as_json:
        data = {
            "dry_run": now_text is not None,
            "now": now.isoformat(timespec="minutes"),
            "results": [
                {
                    "job": r.job,
                    "action": str(r.action),
                    "slot": r.slot.isoformat(timespec="minutes"),
                    "missed": r.missed,
                    "detail": r.detail,
                }
                for r in results
            ],
        }
        error = error_object(
            "JobFailed", f"These jobs failed: {', '.join(failed)} (see each one's detail).", 1
        )
        finish("tick", data, error if failed else None)
        return
    for r in results:
        if settings.quiet and r.action != TickAction.FAILED:
            continue
        missed = f" (caught up {r.missed} missed slots)" if r.missed else ""
        line = f"{r.job:<10} {r.action:<10} slot {r.slot:%Y-%m-%d %H:%M}{missed} {r.detail}"
        click.echo(line.rstrip())
    if failed:
        raise SystemExit(1)


@cli.command("undo", cls=JsonCommand)
@click.option("--run", "run_id", metavar="RUN_ID", help="The run to undo (default: the newest).")
@click.option("--dry-run", is_flag=True, help="Show what would be reverted; change nothing.")
@json_option("what was reverted and left")
@pass_settings
@handle_errors
def undo_command(settings: Settings, run_id: str | None, dry_run: bool, as_json: bool) -> None:
    """Revert the last run's changes, as the Changes tab records them.

    Each cell gets back what it held before the run, and rows the run added are blanked,
    unless changed since (by an organizer): those are left as they are, and listed. The
    undo is recorded too, so running `sheetsync undo` again reverts it.
    """
    config = settings.config()
    store = open_backend(config)
    result = undo_run(store, config, run_id, dry_run=dry_run)
    if as_json:
        finish("undo", result.to_dict())
        return
    limit = None if settings.verbose else UNDO_SHOWN
    for line in undone_lines(result, store.describe(), limit=limit):
        click.echo(line)
