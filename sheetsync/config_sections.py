"""The sections of sheetsync.toml that tune the steps ([matching], [load], [email], [goals],
[schedule]): each one's typed settings and the reader that checks it, and the checks every
section of the file shares. `sheetsync.config` builds the Config from them and re-exports
the settings classes, so callers import them from there."""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetsync.errors import ConfigError
from sheetsync.privacy import DEFAULT_SENSITIVE
from sheetsync.schema import load_schemas

_EMAIL_KEYS = {
    "sender",
    "organizers",
    "organizers_language",
    "public",
    "public_language",
    "outbox",
    "smtp",
}
_SMTP_KEYS = {"host", "port", "security", "user", "password_env", "cafile"}
_MATCHING_KEYS = {
    "neighbours",
    "remote_categories",
    "hours_per_task",
    "recent_weeks",
    "mentor_new_volunteers",
}
_PRIVACY_KEYS = {"sensitive_categories", "organizer_phone"}
# Help given by phone or online: any zone will do.
DEFAULT_REMOTE = ("Emotional support", "Tech help", "Translation", "Benefits help")


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
    public_language: str = "en"  # the public summary's ([email] public_language)
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


def table_section(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    """The [name] table of the file, empty when it is left out."""
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{name}] in {where} must be a table (a [{name}] section).")
    return value


def check_keys(data: Mapping[str, Any], known: set[str], where: str) -> None:
    """Name the first unknown key, with the closest known one: most are misspellings."""
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"Unknown setting {key!r} in {where}.{hint} Known: {', '.join(sorted(known))}."
            )


def table_of(data: Mapping[str, Any], name: str, known: set[str], where: str) -> Mapping[str, Any]:
    """The [name] table of the file, holding only the keys it knows."""
    section = table_section(data, name, where)
    check_keys(section, known, f"[{name}] in {where}")
    return section


def is_str_list(value: Any) -> bool:
    """A TOML array of strings (perhaps empty)."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_number(value: Any) -> bool:
    """An integer or a float; TOML's true and false are not numbers here."""
    return not isinstance(value, bool) and isinstance(value, int | float)


def _is_whole(value: Any) -> bool:
    """An integer; TOML's true and false are not numbers here."""
    return not isinstance(value, bool) and isinstance(value, int)


def read_matching(data: Mapping[str, Any], where: str, zones: tuple[str, ...]) -> MatchingConfig:
    """[matching]: neighbouring zones, remote help, and how capacity is counted."""
    section = table_of(data, "matching", _MATCHING_KEYS, where)
    neighbours = _neighbours(section.get("neighbours", {}), where, zones)
    remote = section.get("remote_categories", list(DEFAULT_REMOTE))
    if not is_str_list(remote):
        raise ConfigError(
            f'[matching] remote_categories in {where} lists categories, e.g. ["Tech help"].'
        )
    hours = section.get("hours_per_task", 2.0)
    weeks = section.get("recent_weeks", 4)
    if not _is_number(hours) or hours <= 0:
        raise ConfigError(f"[matching] hours_per_task in {where} must be a number above 0.")
    if not _is_whole(weeks) or weeks < 1:
        raise ConfigError(f"[matching] recent_weeks in {where} must be a whole number, 1 or more.")
    mentor = section.get("mentor_new_volunteers", False)
    if not isinstance(mentor, bool):
        raise ConfigError(
            f"[matching] mentor_new_volunteers in {where} must be true or false (no quotes)."
        )
    return MatchingConfig(
        mentor_new_volunteers=mentor,
        neighbours=neighbours,
        remote_categories=tuple(remote),
        hours_per_task=float(hours),
        recent_weeks=weeks,
    )


def _neighbours(raw: Any, where: str, zones: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """[matching] neighbours, made both ways: a neighbour of mine has me as a neighbour.
    Every zone named must be one of [network] zones, spelt exactly."""
    example = 'neighbours = { Northside = ["Eastside", "Downtown"] }'
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[matching] neighbours in {where} must be a table, e.g. {example}.")
    neighbours: dict[str, set[str]] = {}
    for zone, near in raw.items():
        if not is_str_list(near):
            raise ConfigError(f"[matching] neighbours in {where}: write e.g. {example}.")
        for z in (zone, *near):
            if z not in zones:
                raise ConfigError(
                    f"[matching] neighbours in {where} names {z!r}, which is not one of "
                    f"[network] zones ({', '.join(zones)}). Use the zones' exact names."
                )
        for z in near:
            neighbours.setdefault(zone, set()).add(z)
            neighbours.setdefault(z, set()).add(zone)
    return {z: tuple(sorted(n)) for z, n in neighbours.items()}


def read_load(data: Mapping[str, Any], where: str) -> LoadConfig:
    """[load]: when the load step flags a member, each count with its least sensible value."""
    section = table_of(data, "load", {*_LOAD_COUNTS, "top_two_share"}, where)
    values: dict[str, Any] = {}
    for key, (least, unit) in _LOAD_COUNTS.items():
        if key not in section:
            continue
        value = section[key]
        if not _is_whole(value) or value < least:
            raise ConfigError(
                f"[load] {key} in {where} must be a whole number of {unit}, {least} or more "
                f"(the default is {getattr(LoadConfig, key)})."
            )
        values[key] = value
    share = section.get("top_two_share", LoadConfig.top_two_share)
    if not _is_number(share) or not 0 < share < 1:
        raise ConfigError(
            f"[load] top_two_share in {where} is a fraction between 0 and 1, e.g. 0.5 for "
            "half of the tasks."
        )
    return LoadConfig(top_two_share=float(share), **values)


def read_email(data: Mapping[str, Any], where: str, base: Path) -> EmailConfig:
    """[email]: who gets the digests, and the outbox or mail server they go through."""
    section = table_of(data, "email", _EMAIL_KEYS, where)
    organizers = _addresses(section, "organizers", where)
    public = _addresses(section, "public", where)
    smtp = _smtp(section.get("smtp"), where)
    organizers_language = str(section.get("organizers_language", "en"))
    return EmailConfig(
        sender=str(section.get("sender", EmailConfig.sender)),
        organizers=organizers,
        organizers_language=organizers_language,
        public=public,
        # The network's public speaks the organizers' language unless told otherwise.
        public_language=str(section.get("public_language", organizers_language)),
        outbox=base / str(section.get("outbox", "outbox")),
        smtp=smtp,
    )


def _addresses(section: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of email addresses; a line break in one would let it add mail headers."""
    value = section.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and "@" in v and "\n" not in v for v in value
    ):
        raise ConfigError(
            f'[email] {key} in {where} lists email addresses, e.g. ["ana@example.org"].'
        )
    return tuple(value)


def _smtp(smtp: Any, where: str) -> dict[str, Any] | None:
    """[email.smtp], when given: a server to send through. Never a password: that comes
    from the environment."""
    if smtp is None:
        return None
    if not isinstance(smtp, Mapping) or not smtp.get("host"):
        raise ConfigError(
            f'[email.smtp] in {where} needs host = "smtp.example.org" (and port, '
            'security = "starttls" or "ssl", user; the password goes in '
            "$SHEETSYNC_SMTP_PASSWORD, never in this file)."
        )
    check_keys(smtp, _SMTP_KEYS, f"[email.smtp] in {where}")
    security = smtp.get("security", "starttls")
    if security not in ("starttls", "ssl", "none"):
        raise ConfigError(
            f'[email.smtp] security in {where} is "starttls" (port 587), "ssl" (port '
            '465) or "none" (a server on this machine only).'
        )
    if security == "none" and not is_loopback(str(smtp["host"])):
        # Without TLS the password and every digest would cross the network in clear text.
        raise ConfigError(
            f'[email.smtp] in {where} has security = "none" for host = {smtp["host"]!r}: '
            "without encryption the password and the digests would cross the network in "
            'clear text, so "none" is only for a server on this machine. Use security = '
            '"starttls" (port 587) or "ssl" (port 465), or send through a relay on this '
            'machine (host = "127.0.0.1").'
        )
    return dict(smtp)


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class PrivacyConfig:
    """[privacy]: what never goes by email (docs/privacy.md)."""

    # Needs whose details are never emailed: the volunteer calls an organizer for them.
    sensitive_categories: tuple[str, ...] = DEFAULT_SENSITIVE
    organizer_phone: str = ""  # the number volunteers call for what an email leaves out


def read_privacy(data: Mapping[str, Any], where: str) -> PrivacyConfig:
    """[privacy]: the sensitive categories and the organizers' phone."""
    section = table_of(data, "privacy", _PRIVACY_KEYS, where)
    sensitive = section.get("sensitive_categories", list(DEFAULT_SENSITIVE))
    if not is_str_list(sensitive):
        raise ConfigError(
            f"[privacy] sensitive_categories in {where} lists categories whose details are "
            'never emailed, e.g. ["Safety at home", "Immigration help"].'
        )
    known = load_schemas()["requests"].field("categories").enum or ()
    unknown = [c for c in sensitive if c not in known]
    if unknown:
        raise ConfigError(
            f"[privacy] sensitive_categories in {where} names {', '.join(map(repr, unknown))}, "
            f"which the request form does not offer: use its categories ({', '.join(known)}), "
            "or their details could be emailed."
        )
    phone = section.get("organizer_phone", "")
    if not isinstance(phone, str) or "\n" in phone:
        raise ConfigError(
            f'[privacy] organizer_phone in {where} is a phone number as text, e.g. "+1 555 0100".'
        )
    return PrivacyConfig(sensitive_categories=tuple(sensitive), organizer_phone=phone)


def read_goals(data: Mapping[str, Any], where: str) -> tuple[Goal, ...]:
    """[goals]: MEASURE_per_week or MEASURE_per_month = a target above 0."""
    section = table_section(data, "goals", where)
    goals = []
    for key, value in section.items():
        measure, _, per = key.rpartition("_per_")
        if measure not in GOAL_MEASURES or per not in ("week", "month"):
            raise ConfigError(
                f"[goals] {key} in {where} is not a goal sheetsync can follow. Write "
                "MEASURE_per_month or MEASURE_per_week, where MEASURE is one of "
                f"{', '.join(GOAL_MEASURES)}; e.g. households_helped_per_month = 500."
            )
        if not _is_number(value) or value <= 0:
            raise ConfigError(f"[goals] {key} in {where} is a number above 0, e.g. 500.")
        goals.append(Goal(measure, per, float(value)))
    return tuple(goals)


def read_schedule(data: Mapping[str, Any], where: str, base: Path) -> ScheduleConfig:
    """[schedule]: where tick keeps its files, relative to the config's folder."""
    section = table_of(data, "schedule", {"state_dir", "log_file"}, where)
    return ScheduleConfig(
        state_dir=base / str(section["state_dir"]) if section.get("state_dir") else None,
        log_file=base / str(section["log_file"]) if section.get("log_file") else None,
    )
