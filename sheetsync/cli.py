"""The sheetsync command: parse options, call the core, render the result, exit 0/1/2."""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import phonenumbers

from sheetsync import __version__
from sheetsync.backends import open_backend
from sheetsync.backends.base import Backend
from sheetsync.bootstrap import InitReport, detect_form_tabs, init_spreadsheet
from sheetsync.cli_render import Progress, forgotten_lines, not_erased_lines, render_report
from sheetsync.cli_undo import undo_command
from sheetsync.config import CONFIG_ENV, DEFAULT_CONFIG, BackendKind, Config, render_config
from sheetsync.contacts import check_output, dedupe_contacts, read_contacts, write_contacts
from sheetsync.demo.network import DemoReport, create_demo
from sheetsync.errors import SheetsyncError, trace_text
from sheetsync.files import PrivateFileHandler, private_dir, write_private_text
from sheetsync.jobs import (
    check_spreadsheet,
    find_job,
    jobs_folder,
    list_jobs,
    run_job,
)
from sheetsync.members import parse_datetime
from sheetsync.report import DeliveryOutcome
from sheetsync.run_log import last_runs
from sheetsync.scheduling.lock import NetworkLock
from sheetsync.state import local_now

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
        try:
            return func(*args, **kwargs)
        except SheetsyncError as err:
            context = click.get_current_context(silent=True)
            if context is not None and isinstance(context.obj, Settings) and context.obj.verbose:
                click.echo(trace_text(err), err=True)
            raise click.ClickException(str(err)) from err

    return wrapper  # type: ignore[return-value]


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


@cli.command()
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
) -> None:
    """Write sheetsync.toml and create the tabs and columns the spreadsheet is missing.

    Running it again changes nothing.
    """
    path = settings.config_path
    if path.exists():
        given = [
            f"--{name}"
            for name, value in (
                ("workbook", workbook),
                ("spreadsheet", spreadsheet),
                ("credentials", credentials),
            )
            if value
        ]
        unused = (
            f" {', '.join(given)} not used: to change them, edit [backend] in {path} "
            "or remove it and run init again."
            if given
            else ""
        )
        click.echo(f"Kept {path}: it exists already.{unused}")
    elif backend == BackendKind.LOCAL:
        if workbook is None:
            raise click.UsageError("--workbook PATH is needed to create a config.")
        private_dir(path.parent)
        write_private_text(
            path,
            render_config(
                backend=backend,
                workbook=_relative(workbook, path),
                organizers=("organizers@example.org",) if demo else (),
                public=("newsletter@example.org",) if demo else (),
            ),
        )
        click.echo(f"Wrote {path}: check the zones, region and time zone in it.")
    else:
        _write_google_config(path, spreadsheet, credentials)
    config = settings.config()
    store = open_backend(config)
    if history_weeks and not demo:
        raise click.UsageError("--history plays out the demo's past: use it with --demo.")
    if demo:
        made = create_demo(store, config, history_weeks=history_weeks)
        _echo_init(store, made.init, made)
    else:
        _echo_init(store, init_spreadsheet(store, config), None)


def _echo_init(store: Backend, report: InitReport, demo: DemoReport | None) -> None:
    """What init created, then what the demo added."""
    for tab in report.created_tabs:
        click.echo(f"Created tab {tab!r}.")
    for tab, columns in report.added_columns.items():
        click.echo(f"Added columns to {tab!r}: {', '.join(columns)}.")
    if demo and demo.responses:
        click.echo(f"Added {demo.responses} demo form responses.")
    if demo and demo.history_runs:
        click.echo(
            f"Played {demo.history_runs} past weeks: the weekly job and a simulated organizer "
            f"(who hands many tasks to {demo.go_to}: see the Load tab)."
        )
    if not report.changed:
        click.echo(f"{store.describe()} has every tab and column sheetsync needs.")


def _relative(target: Path, config_path: Path) -> str:
    return Path(os.path.relpath(target.resolve(), config_path.parent.resolve())).as_posix()


def _write_google_config(path: Path, spreadsheet: str | None, credentials: Path | None) -> None:
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
    click.echo(f"Opened {store.describe()} as {store.client_email}.")
    for form, tab in form_tabs.items():
        click.echo(f"Found the {form} form's responses in tab {tab!r}.")
    write_private_text(
        path,
        render_config(
            backend=BackendKind.GOOGLE,
            spreadsheet=store.key,
            credentials=_relative(key_file, path) if credentials else None,
            timezone=str(store.properties.get("timeZone") or "UTC"),
            locale=str(store.properties.get("locale") or "en_US"),
            form_tabs=form_tabs,
        ),
    )
    click.echo(f"Wrote {path}: check the zones and region in it.")


@cli.command()
@pass_settings
@handle_errors
def check(settings: Settings) -> None:
    """Check the config, the tabs and every form response; change nothing.

    Exits 1 when the spreadsheet cannot be processed (a missing tab or column).
    """
    config = settings.config()
    store = open_backend(config)
    result = check_spreadsheet(store, config)
    for notice in result.notices:
        click.echo(f"Note: {notice}")
    counts = result.counts
    click.echo(
        f"{store.describe()}: {counts['responses']} form responses, "
        f"{counts['valid']} usable, {counts['invalid']} with problems."
    )
    for issue in result.issues:
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


@cli.command()
@click.argument("job")
@click.option(
    "--dry-run", is_flag=True, help="Compute everything, print the changes, write nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@pass_settings
@handle_errors
def run(settings: Settings, job: str, dry_run: bool, as_json: bool) -> None:
    """Run JOB (a file in jobs/, e.g. weekly) on the spreadsheet."""
    config = settings.config()
    store = open_backend(config)
    progress = Progress(enabled=not as_json)
    try:
        with NetworkLock(config, f"run {job}"):
            report = run_job(
                find_job(job, config), store, config, dry_run=dry_run, on_step=progress.on_step
            )
    finally:
        progress.stop()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
        return
    render_report(report, store.describe(), verbose=settings.verbose)
    if any(d.outcome in NEEDS_A_PERSON for d in report.deliveries):
        raise SystemExit(1)


@cli.command("forget")
@click.argument("person_id")
@click.option("--dry-run", is_flag=True, help="Show what would be emptied; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before forgetting them.")
@click.option("--json", "as_json", is_flag=True, help="Print what was emptied as JSON.")
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
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    lines = [*forgotten_lines(result, store.describe(), rows=not ask), *not_erased_lines()]
    if dry_run:
        lines.append("Nothing was changed (--dry-run).")
    click.echo("\n".join(lines))


@cli.command("dedupe")
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
@pass_settings
@handle_errors
def dedupe_command(
    settings: Settings,
    input_path: Path,
    out_path: Path,
    columns: tuple[str, ...],
    sheet: str | None,
    region: str | None,
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
    if region is None:
        region = settings.config().default_region if settings.config_path.exists() else "US"
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise click.BadParameter(
            f"{region!r} is not a country code: use two letters, such as US, MX or GB.",
            param_hint="--region",
        )
    check_output(out_path)
    frame = read_contacts(input_path, sheet)
    result = dedupe_contacts(frame, region.upper(), mapping)
    write_contacts(result.frame, out_path)
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


@cli.command("digest")
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
@pass_settings
@handle_errors
def digest_command(
    settings: Settings, preview: bool, out_dir: Path, resend: tuple[str, ...]
) -> None:
    """Send this week's digests (organizers, volunteers who asked, public), each once.

    Without [email.smtp] in sheetsync.toml they go to the outbox folder as .eml and .html.
    Exits 1 when one was refused (the next run tries it again) or is unconfirmed (check
    the mail server's log for its Message-ID; --resend sends it again).
    """
    from sheetsync.digest.deliver import preview as write_preview
    from sheetsync.digest.deliver import send_digests
    from sheetsync.digest.mail import NoSuchDigestError

    config = settings.config()
    store = open_backend(config)
    if preview:
        click.echo(str(write_preview(store, config, out_dir)))
        return
    try:
        with NetworkLock(config, "digest"):
            deliveries = send_digests(store, config, resend=resend)
    except NoSuchDigestError as err:
        raise click.BadParameter(str(err), param_hint="--resend") from err
    for d in deliveries:
        click.echo(f"{d.outcome:12} {d.audience:10} {d.period} {d.recipient} {d.detail}".rstrip())
    if not deliveries:
        click.echo(
            "No digests to send: list organizers under [email] in sheetsync.toml, and write "
            "yes in People's weekly_email for volunteers who want theirs."
        )
    if any(d.outcome in NEEDS_A_PERSON for d in deliveries):
        raise SystemExit(1)


@cli.command("jobs")
@pass_settings
@handle_errors
def jobs_command(settings: Settings) -> None:
    """List the jobs, their schedules and their last run."""
    config = settings.config() if settings.config_path.exists() else None
    latest = last_runs(open_backend(config), config) if config else {}
    for job in list_jobs(jobs_folder(config)):
        last = latest.get(job.name)
        when = f"last run {last['started']} ({last['outcome']})" if last else "never run"
        click.echo(f"{job.name:<10} {job.schedule:<14} {when:<36} {job.description}")


@cli.command("schedule")
@click.option("--install", is_flag=True, help="Add the lines to your crontab (again: no change).")
@click.option(
    "--every",
    type=click.IntRange(1, 30),
    default=5,
    show_default=True,
    help="Minutes between ticks: a job starts at most this late.",
)
@pass_settings
@handle_errors
def schedule_command(settings: Settings, install: bool, every: int) -> None:
    """Print the crontab lines that run this network's jobs (or --install them).

    Cron runs `sheetsync tick` every few minutes; tick runs each job in jobs/ when its
    schedule says, one run at a time, and catches up a missed run once.
    """
    from sheetsync.scheduling.crontab import crontab_block
    from sheetsync.scheduling.crontab import install as install_block

    config = settings.config()
    block = crontab_block(config, list_jobs(jobs_folder(config)), every=every)
    if not install:
        click.echo("\n".join(block))
        click.echo("# To add these lines to your crontab: sheetsync schedule --install", err=True)
        return
    if install_block(block):
        click.echo("Installed in your crontab (`crontab -l` shows it):\n" + "\n".join(block))
    else:
        click.echo("Your crontab has these lines already; nothing changed.")


@cli.command("tick")
@click.option(
    "--now",
    "now_text",
    metavar="'YYYY-MM-DD HH:MM'",
    help="Say what would run at this time (network time zone); run and record nothing.",
)
@pass_settings
@handle_errors
def tick_command(settings: Settings, now_text: str | None) -> None:
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
    for r in results:
        if settings.quiet and r.action != TickAction.FAILED:
            continue
        missed = f" (caught up {r.missed} missed slots)" if r.missed else ""
        line = f"{r.job:<10} {r.action:<10} slot {r.slot:%Y-%m-%d %H:%M}{missed} {r.detail}"
        click.echo(line.rstrip())
    if any(r.action == TickAction.FAILED for r in results):
        raise SystemExit(1)


cli.add_command(undo_command)
