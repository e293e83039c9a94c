"""sheetsync.toml → a typed Config (from_file / from_dict), and the text `init` writes."""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2
import phonenumbers

from sheetsync.config_board import BoardConfig as BoardConfig
from sheetsync.config_board import read_board

# The sections that tune the steps live beside this module; callers import them from here.
from sheetsync.config_confirm import ConfirmConfig, read_confirm
from sheetsync.config_feedback import FeedbackConfig as FeedbackConfig
from sheetsync.config_feedback import read_feedback
from sheetsync.config_followup import FollowupConfig as FollowupConfig
from sheetsync.config_followup import read_followup
from sheetsync.config_sections import DEFAULT_REMOTE as DEFAULT_REMOTE
from sheetsync.config_sections import GOAL_MEASURES as GOAL_MEASURES
from sheetsync.config_sections import EmailConfig as EmailConfig
from sheetsync.config_sections import Goal as Goal
from sheetsync.config_sections import LoadConfig as LoadConfig
from sheetsync.config_sections import MatchingConfig as MatchingConfig
from sheetsync.config_sections import PrivacyConfig as PrivacyConfig
from sheetsync.config_sections import ScheduleConfig as ScheduleConfig
from sheetsync.config_sections import (
    check_keys,
    is_str_list,
    read_email,
    read_goals,
    read_load,
    read_matching,
    read_privacy,
    read_schedule,
    table_of,
    table_section,
)
from sheetsync.errors import ConfigError
from sheetsync.form_languages import ENGLISH, shipped_languages

DEFAULT_CONFIG = "sheetsync.toml"
CONFIG_ENV = "SHEETSYNC_CONFIG"

# The Phone log is read as a form too: organizers type its rows (docs/phone-log.md).
FORMS = ("requests", "offers", "checkins", "feedback", "phone_log")
# Forms added after networks had their spreadsheets: a missing tab reads as no responses,
# with a notice to run `sheetsync init` (state.read_state), rather than stopping the run.
LATER_FORMS = frozenset({"feedback", "phone_log"})


class BackendKind(StrEnum):
    """Where a network's spreadsheet lives ([backend] kind)."""

    LOCAL = "local"  # an .xlsx workbook on this machine
    GOOGLE = "google"  # a Google spreadsheet, through the Sheets API


# Logical name -> default tab title of every tab sheetsync maintains.
SHEETSYNC_TABS = {
    "people": "People",
    "needs": "Needs",
    "tasks": "Tasks",
    "errors": "Errors",
    "duplicates": "Duplicates",
    "load": "Load",
    "summary": "Summary",
    "run_log": "Run log",
    "changes": "Changes",
    "call_list": "Call list",
    "fingerprints": "Fingerprints",
}
# sheetsync's tabs a run creates itself when a spreadsheet made before them lacks them
# (rather than stopping until `sheetsync init`): nothing in them is an organizer's.
CREATED_BY_RUN = frozenset({"changes", "call_list", "fingerprints"})
KEEP_RUNS = 5  # [changes] keep_runs: how many runs the Changes tab keeps (docs/undo.md)
# Google names a form's response tab "Form Responses N" (older) or "Form responses N" (newer).
DEFAULT_FORM_TABS = {
    "requests": "Form Responses 1",
    "offers": "Form Responses 2",
    "checkins": "Form Responses 3",
    "feedback": "Form Responses 4",
    "phone_log": "Phone log",  # not a Google form's: `sheetsync init` creates it
}

_SECTIONS = {
    "network",
    "backend",
    "google",
    "forms",
    "tabs",
    "jobs",
    "matching",
    "load",
    "email",
    "goals",
    "schedule",
    "privacy",
    "changes",
    "followup",
    "confirmations",
    "board",
    "feedback",
}
_NETWORK_KEYS = {"name", "default_region", "timezone", "locale", "zones"}
_BACKEND_KEYS = {"kind", "workbook", "spreadsheet", "credentials", "backups"}
DEFAULT_BACKUPS = 10  # copies of a local workbook kept before writes (docs/backups.md)
_FORM_KEYS = {"tab", "columns"}
_JOBS_KEYS = {"dir"}
_GOOGLE_KEYS = {"endpoint"}
_CHANGES_KEYS = {"keep_runs"}


@dataclass(frozen=True)
class FormConfig:
    """Where a form's responses live and how its question titles map to schema fields."""

    tab: str
    columns: Mapping[str, str] = field(default_factory=dict)  # field name -> header in the tab
    # [forms] languages: the languages its titles and answers may be written in, the first
    # the one init writes a new tab's header in (English is always read: form_languages.py)
    languages: tuple[str, ...] = (ENGLISH,)


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know about one network's spreadsheet."""

    network_name: str
    zones: tuple[str, ...]
    default_region: str = "US"
    timezone: str = "UTC"
    locale: str = "en_US"
    backend: BackendKind = BackendKind.LOCAL
    workbook: Path | None = None
    workbook_backups: int = DEFAULT_BACKUPS
    spreadsheet: str | None = None
    credentials: Path | None = None
    google_endpoint: str | None = None
    forms: Mapping[str, FormConfig] = field(default_factory=dict)
    tabs: Mapping[str, str] = field(default_factory=lambda: dict(SHEETSYNC_TABS))
    jobs_dir: Path | None = None
    path: Path | None = None
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    load: LoadConfig = field(default_factory=LoadConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    goals: tuple[Goal, ...] = ()
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    confirmations: ConfirmConfig = field(default_factory=ConfirmConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    keep_runs: int = KEEP_RUNS  # [changes] keep_runs
    board: BoardConfig | None = None  # [board]: the volunteer board, if the network has one

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Config:
        """Read sheetsync.toml; relative paths in it are relative to the file's folder."""
        p = Path(path)
        if not p.exists():
            raise ConfigError(
                f"Config file {p} not found. Create one with `sheetsync init` "
                f"(or point to it with --config or ${CONFIG_ENV})."
            )
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"{p} is not valid TOML: {err}. Fix the line it names.") from err
        return cls.from_dict(data, base_dir=p.parent, path=p)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, base_dir: Path | None = None, path: Path | None = None
    ) -> Config:
        """Build a Config from parsed TOML, checking every key and value."""
        where = str(path) if path else "the config"
        check_keys(data, _SECTIONS, where)
        # Every key of these four is checked before any value: a misspelt key is named first.
        network = table_of(data, "network", _NETWORK_KEYS, where)
        backend = table_of(data, "backend", _BACKEND_KEYS, where)
        jobs = table_of(data, "jobs", _JOBS_KEYS, where)
        google = table_of(data, "google", _GOOGLE_KEYS, where)
        base = base_dir or Path.cwd()
        place = _network(network, where)
        store = _backend(backend, where, base)
        endpoint = _google_endpoint(google, where)
        return cls(
            network_name=place.name,
            zones=place.zones,
            default_region=place.default_region,
            timezone=place.timezone,
            locale=place.locale,
            backend=store.kind,
            workbook=store.workbook,
            workbook_backups=store.backups,
            spreadsheet=store.spreadsheet,
            credentials=store.credentials,
            google_endpoint=endpoint,
            forms=_forms(data, where),
            tabs=_tabs(data, where),
            jobs_dir=(base / str(jobs["dir"])) if jobs.get("dir") else None,
            path=path,
            matching=read_matching(data, where, place.zones),
            load=read_load(data, where),
            email=read_email(data, where, base),
            goals=read_goals(data, where),
            schedule=read_schedule(data, where, base),
            privacy=read_privacy(data, where),
            followup=read_followup(data, where),
            confirmations=read_confirm(data, where),
            feedback=read_feedback(data, where),
            keep_runs=_keep_runs(data, where),
            board=read_board(
                data, where, base, workbook=store.workbook, spreadsheet=store.spreadsheet
            ),
        )

    @property
    def state_dir(self) -> Path:
        """sheetsync's own files for this network (the run lock, tick's records, the send
        journal): [schedule] state_dir, else .sheetsync/ beside sheetsync.toml."""
        if self.schedule.state_dir is not None:
            return self.schedule.state_dir
        if self.path is not None:
            return self.path.parent / ".sheetsync"
        if self.workbook is not None:  # a config built in code, without a file
            return self.workbook.parent / ".sheetsync"
        return Path.cwd() / ".sheetsync"

    @property
    def form_languages(self) -> tuple[str, ...]:
        """[forms] languages: those the network's forms are written in, the first first."""
        first = next(iter(self.forms.values()), None)
        return first.languages if first else (ENGLISH,)

    def form_tab(self, form: str) -> str:
        """The tab holding a form's responses."""
        return self.forms[form].tab

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class _Network:
    """[network], checked: the network's name and zones, and how its sheet reads."""

    name: str
    zones: tuple[str, ...]
    default_region: str
    timezone: str
    locale: str


def _network(network: Mapping[str, Any], where: str) -> _Network:
    """[network]: zones are the Neighbourhood question's answers; the region reads phone
    numbers without a country code; time zone and locale are the spreadsheet's."""
    zones = network.get("zones")
    if not is_str_list(zones) or not zones:
        raise ConfigError(
            f"[network] zones in {where} must list your neighbourhoods, e.g. "
            'zones = ["Northside", "Eastside"]: they are the answers to the '
            "Neighbourhood question."
        )
    region = str(network.get("default_region", "US")).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"[network] default_region = {region!r} in {where} is not a country code "
            'phone numbers know; use a two-letter code such as "US", "GB" or "MX".'
        )
    tz = str(network.get("timezone", "UTC"))
    try:
        zoneinfo.ZoneInfo(tz)
    # "US" or "America" name folders of the time zone database: an OSError, not NotFound.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as err:
        raise ConfigError(
            f"[network] timezone = {tz!r} in {where} is not a known time zone; "
            'use a name such as "America/Chicago" or "Europe/London".'
        ) from err
    locale = str(network.get("locale", "en_US"))
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Za-z0-9]{2,4})?", locale):
        raise ConfigError(
            f"[network] locale = {locale!r} in {where} is not a locale name; use the "
            'spreadsheet\'s locale as language_COUNTRY, e.g. "en_US" or "es_MX".'
        )
    name = str(network.get("name", "Mutual aid network"))
    return _Network(name, tuple(zones), region, tz, locale)


@dataclass(frozen=True)
class _Backend:
    """[backend], checked: which store holds the spreadsheet, and where."""

    kind: BackendKind
    workbook: Path | None
    spreadsheet: str | None
    credentials: Path | None
    backups: int = DEFAULT_BACKUPS


def _backend(backend: Mapping[str, Any], where: str, base: Path) -> _Backend:
    """[backend]: a local workbook needs its file, a Google sheet its key; paths are
    relative to the config's folder."""
    kind = str(backend.get("kind", BackendKind.LOCAL))
    if kind not in set(BackendKind):
        raise ConfigError(
            f'[backend] kind = {kind!r} in {where}: use "local" (an .xlsx workbook) '
            'or "google" (Google Sheets).'
        )
    workbook = backend.get("workbook")
    if kind == BackendKind.LOCAL and not workbook:
        raise ConfigError(
            f'[backend] in {where} needs workbook = "network.xlsx" (the local workbook).'
        )
    spreadsheet = backend.get("spreadsheet")
    if kind == BackendKind.GOOGLE and not spreadsheet:
        raise ConfigError(
            f'[backend] in {where} needs spreadsheet = "KEY" (the long id in the Google '
            "sheet's address, between /d/ and /edit)."
        )
    credentials = backend.get("credentials")
    backups = backend.get("backups", DEFAULT_BACKUPS)
    if isinstance(backups, bool) or not isinstance(backups, int) or backups < 0:
        raise ConfigError(
            f"[backend] backups = {backups!r} in {where} must be a whole number of copies "
            f"of the workbook to keep, e.g. {DEFAULT_BACKUPS}; 0 keeps none."
        )
    return _Backend(
        kind=BackendKind(kind),
        workbook=(base / str(workbook)) if workbook else None,
        spreadsheet=str(spreadsheet) if spreadsheet else None,
        credentials=(base / str(credentials)) if credentials else None,
        backups=backups,
    )


def _google_endpoint(google: Mapping[str, Any], where: str) -> str | None:
    """[google] endpoint: another address for the Sheets API (the emulator in tests)."""
    endpoint = google.get("endpoint")
    if endpoint is not None and not re.match(r"https?://", str(endpoint)):
        raise ConfigError(
            f"[google] endpoint = {endpoint!r} in {where} must be an http(s) address, "
            'e.g. "http://127.0.0.1:8085"; leave it out to use Google itself.'
        )
    return str(endpoint) if endpoint else None


def _forms(data: Mapping[str, Any], where: str) -> dict[str, FormConfig]:
    """[forms.NAME]: each form's response tab, and its renamed questions."""
    forms = table_section(data, "forms", where)
    check_keys(forms, {*FORMS, "languages"}, f"[forms] in {where}")
    languages = _form_languages(forms, where)
    result = {}
    for form in FORMS:
        section = forms.get(form, {})
        if not isinstance(section, Mapping):
            raise ConfigError(f"[forms.{form}] in {where} must be a table.")
        check_keys(section, _FORM_KEYS, f"[forms.{form}] in {where}")
        columns = section.get("columns", {})
        if not isinstance(columns, Mapping) or not all(
            isinstance(v, str) for v in columns.values()
        ):
            raise ConfigError(
                f"[forms.{form}.columns] in {where} maps field names to the question titles "
                'in your form, e.g. phone = "Phone Number ".'
            )
        result[form] = FormConfig(
            tab=str(section.get("tab", DEFAULT_FORM_TABS[form])),
            columns=dict(columns),
            languages=languages,
        )
    return result


def _form_languages(forms: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """[forms] languages: the languages the forms are written in, each shipped."""
    languages = forms.get("languages", [ENGLISH])
    shipped = shipped_languages()
    if not is_str_list(languages) or not languages:
        raise ConfigError(
            f"[forms] languages in {where} lists the languages your forms are written in, "
            f'e.g. languages = ["es", "en"]; sheetsync has forms in {", ".join(shipped)}.'
        )
    unknown = [code for code in languages if code not in shipped]
    if unknown:
        raise ConfigError(
            f"[forms] languages in {where} lists {unknown[0]!r}, a language sheetsync has no "
            f"form words for. Use one of: {', '.join(shipped)} (to add one, see "
            "docs/forms.md, Forms in other languages)."
        )
    return tuple(dict.fromkeys(languages))


def _keep_runs(data: Mapping[str, Any], where: str) -> int:
    """[changes] keep_runs: how many runs the Changes tab keeps, so the last can be undone."""
    section = table_of(data, "changes", _CHANGES_KEYS, where)
    keep = section.get("keep_runs", KEEP_RUNS)
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= 100:
        raise ConfigError(
            f"[changes] keep_runs in {where} is how many runs the Changes tab keeps for "
            f"`sheetsync undo`: a whole number from 1 to 100, e.g. {KEEP_RUNS}."
        )
    return keep


def _tabs(data: Mapping[str, Any], where: str) -> dict[str, str]:
    """[tabs]: the titles organizers gave sheetsync's tabs, over the defaults."""
    tabs = table_section(data, "tabs", where)
    check_keys(tabs, set(SHEETSYNC_TABS), f"[tabs] in {where}")
    return {**SHEETSYNC_TABS, **{k: str(v) for k, v in tabs.items()}}


def render_config(
    *,
    backend: BackendKind | str,
    workbook: str | None = None,
    spreadsheet: str | None = None,
    credentials: str | None = None,
    network_name: str = "Our mutual aid network",
    zones: tuple[str, ...] = ("Northside", "Eastside", "Southside", "Westside", "Downtown"),
    default_region: str = "US",
    timezone: str = "America/Chicago",
    locale: str = "en_US",
    form_tabs: Mapping[str, str] | None = None,
    organizers: tuple[str, ...] = (),
    public: tuple[str, ...] = (),
    board_workbook: str | None = None,
    form_languages: tuple[str, ...] = (ENGLISH,),
    organizers_language: str = ENGLISH,
) -> str:
    """The sheetsync.toml that `sheetsync init` writes, with comments for organizers
    (templates/config/sheetsync.toml.jinja). With `organizers` (the demo), the digests go
    to them in the outbox folder. With `board_workbook` (the demo), a [board] section.
    With forms in other languages than English alone, a [forms] languages line."""
    return _config_template().render(
        backend=BackendKind(backend).value,
        workbook=workbook,
        spreadsheet=spreadsheet,
        credentials=credentials,
        network_name=network_name,
        zones=list(zones),
        default_region=default_region,
        timezone=timezone,
        locale=locale,
        form_tabs={**DEFAULT_FORM_TABS, **(form_tabs or {})},
        organizers=list(organizers),
        public=list(public),
        board_workbook=board_workbook,
        form_languages=list(form_languages),
        organizers_language=organizers_language,
    )


@functools.cache
def _config_template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sheetsync", "templates/config"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # TOML, not HTML: the toml filter does the quoting
    )
    env.filters["toml"] = _toml_value
    return env.get_template("sheetsync.toml.jinja")


def _toml_value(value: str | list[str]) -> str:
    """A TOML basic string, or an inline array of them. A JSON string is a valid TOML basic
    string (the same escapes), so a quote or backslash in a name or path stays harmless."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON leaves DEL (U+007F) as it is; TOML allows it only escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
