"""sheetsync.toml → a typed Config (from_file / from_dict), and the text `init` writes."""

from __future__ import annotations

import difflib
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

from sheetsync.errors import ConfigError

DEFAULT_CONFIG = "sheetsync.toml"
CONFIG_ENV = "SHEETSYNC_CONFIG"

FORMS = ("requests", "offers", "checkins")


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
}
# Google names a form's response tab "Form Responses N" (older) or "Form responses N" (newer).
DEFAULT_FORM_TABS = {
    "requests": "Form Responses 1",
    "offers": "Form Responses 2",
    "checkins": "Form Responses 3",
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
}
_EMAIL_KEYS = {"sender", "organizers", "organizers_language", "public", "outbox", "smtp"}
_SMTP_KEYS = {"host", "port", "security", "user", "password_env", "cafile"}
_MATCHING_KEYS = {
    "neighbours",
    "remote_categories",
    "hours_per_task",
    "recent_weeks",
    "mentor_new_volunteers",
}
# Help given by phone or online: any zone will do.
DEFAULT_REMOTE = ("Emotional support", "Tech help", "Translation", "Benefits help")
_NETWORK_KEYS = {"name", "default_region", "timezone", "locale", "zones"}
_BACKEND_KEYS = {"kind", "workbook", "spreadsheet", "credentials"}
_FORM_KEYS = {"tab", "columns"}
_JOBS_KEYS = {"dir"}
_GOOGLE_KEYS = {"endpoint"}


@dataclass(frozen=True)
class FormConfig:
    """Where a form's responses live and how its question titles map to schema fields."""

    tab: str
    columns: Mapping[str, str] = field(default_factory=dict)  # field name -> header in the tab


@dataclass(frozen=True)
class MatchingConfig:
    """How the match step reads zones, remote help and capacity."""

    neighbours: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # both ways
    remote_categories: tuple[str, ...] = DEFAULT_REMOTE
    hours_per_task: float = 2.0  # turns a check-in's hours into tasks
    recent_weeks: int = 4  # tasks this far back count as a volunteer's recent work
    mentor_new_volunteers: bool = False  # first tasks go with an experienced co-volunteer


@dataclass(frozen=True)
class EmailConfig:
    """Who gets the weekly digests and how they are sent (docs/digest.md)."""

    sender: str = "sheetsync@localhost"
    organizers: tuple[str, ...] = ()
    organizers_language: str = "en"
    public: tuple[str, ...] = ()  # who gets the public summary (a newsletter editor)
    outbox: Path | None = None  # without [email.smtp]: digests are written here
    smtp: Mapping[str, Any] | None = None  # host, port, security, user, password_env, cafile


# What a goal can count, per week or per month ("500 families a month").
GOAL_MEASURES = {
    "households_helped": "households (families) helped",
    "people_helped": "people helped",
    "needs_met": "needs met",
    "volunteers_active": "volunteers active",
    "hours_given": "hours given",
}


@dataclass(frozen=True)
class Goal:
    """A target the network set itself, e.g. households_helped_per_month = 500."""

    measure: str  # a key of GOAL_MEASURES
    per: str  # week or month
    target: float

    @property
    def label(self) -> str:
        return f"{GOAL_MEASURES[self.measure]} a {self.per}"


@dataclass(frozen=True)
class ScheduleConfig:
    """Where `sheetsync tick` keeps its lock and the record of the slots it ran."""

    state_dir: Path | None = None  # default: .sheetsync/ beside sheetsync.toml
    log_file: Path | None = None  # where the installed crontab line appends its log


@dataclass(frozen=True)
class LoadConfig:
    """When the load step flags a member, and how long a suggested rest lasts."""

    yellow_max_tasks: int = 2  # a yellow check-in with more tasks this week than this
    shifts_per_week: int = 3  # this many shifts in 7 days: suggest the next week off
    busy_weeks: int = 4  # busy this many weeks in a row without a week off
    busy_week_tasks: int = 2  # a week with this many tasks is a busy week
    overdue_tasks: int = 2  # this many tasks past their due date: suggest handing some over
    checkin_weeks: int = 3  # no check-in for this many weeks: a friendly check-in
    rest_days: int = 7  # how long a suggested rest lasts
    top_two_share: float = 0.5  # the two busiest hold more than this of 4 weeks' tasks
    share_min_tasks: int = 10  # ... counted once the network has done this many tasks


# [load] key -> (smallest value allowed, what it means) for the whole-number settings.
_LOAD_COUNTS = {
    "yellow_max_tasks": (0, "tasks"),
    "shifts_per_week": (1, "shifts"),
    "busy_weeks": (2, "weeks"),
    "busy_week_tasks": (1, "tasks"),
    "overdue_tasks": (1, "tasks"),
    "checkin_weeks": (1, "weeks"),
    "rest_days": (1, "days"),
    "share_min_tasks": (1, "tasks"),
}


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
        _check_keys(data, _SECTIONS, where)
        network = _section(data, "network", where)
        _check_keys(network, _NETWORK_KEYS, f"[network] in {where}")
        backend = _section(data, "backend", where)
        _check_keys(backend, _BACKEND_KEYS, f"[backend] in {where}")
        jobs = _section(data, "jobs", where)
        _check_keys(jobs, _JOBS_KEYS, f"[jobs] in {where}")
        google = _section(data, "google", where)
        _check_keys(google, _GOOGLE_KEYS, f"[google] in {where}")
        base = base_dir or Path.cwd()

        zones = network.get("zones")
        if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
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
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
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
        if kind == BackendKind.GOOGLE and not backend.get("spreadsheet"):
            raise ConfigError(
                f'[backend] in {where} needs spreadsheet = "KEY" (the long id in the Google '
                "sheet's address, between /d/ and /edit)."
            )
        endpoint = google.get("endpoint")
        if endpoint is not None and not re.match(r"https?://", str(endpoint)):
            raise ConfigError(
                f"[google] endpoint = {endpoint!r} in {where} must be an http(s) address, "
                'e.g. "http://127.0.0.1:8085"; leave it out to use Google itself.'
            )
        credentials = backend.get("credentials")
        return cls(
            network_name=str(network.get("name", "Mutual aid network")),
            zones=tuple(zones),
            default_region=region,
            timezone=tz,
            locale=locale,
            backend=BackendKind(kind),
            workbook=(base / str(workbook)) if workbook else None,
            spreadsheet=str(backend["spreadsheet"]) if backend.get("spreadsheet") else None,
            credentials=(base / str(credentials)) if credentials else None,
            google_endpoint=str(endpoint) if endpoint else None,
            forms=_forms(data, where),
            tabs=_tabs(data, where),
            jobs_dir=(base / str(jobs["dir"])) if jobs.get("dir") else None,
            path=path,
            matching=_matching(data, where, tuple(zones)),
            load=_load(data, where),
            email=_email(data, where, base),
            goals=_goals(data, where),
            schedule=_schedule(data, where, base),
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

    def form_tab(self, form: str) -> str:
        """The tab holding a form's responses."""
        return self.forms[form].tab

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def _section(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{name}] in {where} must be a table (a [{name}] section).")
    return value


def _check_keys(data: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"Unknown setting {key!r} in {where}.{hint} Known: {', '.join(sorted(known))}."
            )


def _forms(data: Mapping[str, Any], where: str) -> dict[str, FormConfig]:
    forms = _section(data, "forms", where)
    _check_keys(forms, set(FORMS), f"[forms] in {where}")
    result = {}
    for form in FORMS:
        section = forms.get(form, {})
        if not isinstance(section, Mapping):
            raise ConfigError(f"[forms.{form}] in {where} must be a table.")
        _check_keys(section, _FORM_KEYS, f"[forms.{form}] in {where}")
        columns = section.get("columns", {})
        if not isinstance(columns, Mapping) or not all(
            isinstance(v, str) for v in columns.values()
        ):
            raise ConfigError(
                f"[forms.{form}.columns] in {where} maps field names to the question titles "
                'in your form, e.g. phone = "Phone Number ".'
            )
        result[form] = FormConfig(
            tab=str(section.get("tab", DEFAULT_FORM_TABS[form])), columns=dict(columns)
        )
    return result


def _matching(data: Mapping[str, Any], where: str, zones: tuple[str, ...]) -> MatchingConfig:
    section = _section(data, "matching", where)
    _check_keys(section, _MATCHING_KEYS, f"[matching] in {where}")
    raw = section.get("neighbours", {})
    example = 'neighbours = { Northside = ["Eastside", "Downtown"] }'
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[matching] neighbours in {where} must be a table, e.g. {example}.")
    neighbours: dict[str, set[str]] = {}
    for zone, near in raw.items():
        if not isinstance(near, list) or not all(isinstance(z, str) for z in near):
            raise ConfigError(f"[matching] neighbours in {where}: write e.g. {example}.")
        for z in (zone, *near):
            if z not in zones:
                raise ConfigError(
                    f"[matching] neighbours in {where} names {z!r}, which is not one of "
                    f"[network] zones ({', '.join(zones)}). Use the zones' exact names."
                )
        for z in near:  # a neighbour of mine has me as a neighbour
            neighbours.setdefault(zone, set()).add(z)
            neighbours.setdefault(z, set()).add(zone)
    remote = section.get("remote_categories", list(DEFAULT_REMOTE))
    if not isinstance(remote, list) or not all(isinstance(c, str) for c in remote):
        raise ConfigError(
            f'[matching] remote_categories in {where} lists categories, e.g. ["Tech help"].'
        )
    hours = section.get("hours_per_task", 2.0)
    weeks = section.get("recent_weeks", 4)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
        raise ConfigError(f"[matching] hours_per_task in {where} must be a number above 0.")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ConfigError(f"[matching] recent_weeks in {where} must be a whole number, 1 or more.")
    mentor = section.get("mentor_new_volunteers", False)
    if not isinstance(mentor, bool):
        raise ConfigError(
            f"[matching] mentor_new_volunteers in {where} must be true or false (no quotes)."
        )
    return MatchingConfig(
        mentor_new_volunteers=mentor,
        neighbours={z: tuple(sorted(n)) for z, n in neighbours.items()},
        remote_categories=tuple(remote),
        hours_per_task=float(hours),
        recent_weeks=weeks,
    )


def _load(data: Mapping[str, Any], where: str) -> LoadConfig:
    section = _section(data, "load", where)
    _check_keys(section, {*_LOAD_COUNTS, "top_two_share"}, f"[load] in {where}")
    values: dict[str, Any] = {}
    for key, (least, unit) in _LOAD_COUNTS.items():
        if key not in section:
            continue
        value = section[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(
                f"[load] {key} in {where} must be a whole number of {unit}, {least} or more "
                f"(the default is {getattr(LoadConfig, key)})."
            )
        values[key] = value
    share = section.get("top_two_share", LoadConfig.top_two_share)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share < 1:
        raise ConfigError(
            f"[load] top_two_share in {where} is a fraction between 0 and 1, e.g. 0.5 for "
            "half of the tasks."
        )
    return LoadConfig(top_two_share=float(share), **values)


def _email(data: Mapping[str, Any], where: str, base: Path) -> EmailConfig:
    section = _section(data, "email", where)
    _check_keys(section, _EMAIL_KEYS, f"[email] in {where}")
    lists = {}
    for key in ("organizers", "public"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, str) and "@" in v and "\n" not in v for v in value
        ):
            raise ConfigError(
                f'[email] {key} in {where} lists email addresses, e.g. ["ana@example.org"].'
            )
        lists[key] = tuple(value)
    smtp = section.get("smtp")
    if smtp is not None:
        if not isinstance(smtp, Mapping) or not smtp.get("host"):
            raise ConfigError(
                f'[email.smtp] in {where} needs host = "smtp.example.org" (and port, '
                'security = "starttls" or "ssl", user; the password goes in '
                "$SHEETSYNC_SMTP_PASSWORD, never in this file)."
            )
        _check_keys(smtp, _SMTP_KEYS, f"[email.smtp] in {where}")
        if smtp.get("security", "starttls") not in ("starttls", "ssl", "none"):
            raise ConfigError(
                f'[email.smtp] security in {where} is "starttls" (port 587), "ssl" (port '
                '465) or "none" (a server on this machine only).'
            )
    return EmailConfig(
        sender=str(section.get("sender", EmailConfig.sender)),
        organizers=lists["organizers"],
        organizers_language=str(section.get("organizers_language", "en")),
        public=lists["public"],
        outbox=base / str(section.get("outbox", "outbox")),
        smtp=dict(smtp) if smtp else None,
    )


def _goals(data: Mapping[str, Any], where: str) -> tuple[Goal, ...]:
    section = _section(data, "goals", where)
    goals = []
    for key, value in section.items():
        measure, _, per = key.rpartition("_per_")
        if measure not in GOAL_MEASURES or per not in ("week", "month"):
            raise ConfigError(
                f"[goals] {key} in {where} is not a goal sheetsync can follow. Write "
                "MEASURE_per_month or MEASURE_per_week, where MEASURE is one of "
                f"{', '.join(GOAL_MEASURES)}; e.g. households_helped_per_month = 500."
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"[goals] {key} in {where} is a number above 0, e.g. 500.")
        goals.append(Goal(measure, per, float(value)))
    return tuple(goals)


def _schedule(data: Mapping[str, Any], where: str, base: Path) -> ScheduleConfig:
    section = _section(data, "schedule", where)
    _check_keys(section, {"state_dir", "log_file"}, f"[schedule] in {where}")
    return ScheduleConfig(
        state_dir=base / str(section["state_dir"]) if section.get("state_dir") else None,
        log_file=base / str(section["log_file"]) if section.get("log_file") else None,
    )


def _tabs(data: Mapping[str, Any], where: str) -> dict[str, str]:
    tabs = _section(data, "tabs", where)
    _check_keys(tabs, set(SHEETSYNC_TABS), f"[tabs] in {where}")
    return {**SHEETSYNC_TABS, **{k: str(v) for k, v in tabs.items()}}


def render_config(
    *,
    backend: str,
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
) -> str:
    """The sheetsync.toml that `sheetsync init` writes, with comments for organizers
    (templates/config/sheetsync.toml.jinja). With `organizers` (the demo), the digests go
    to them in the outbox folder."""
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
    return json.dumps(str(value), ensure_ascii=False)
