"""The call sheet: this week's open calls from the Call list tab, as a page to print.

Organizers phone people from paper, or hand the page to a phone-tree volunteer. So the page
is an output that leaves the spreadsheet, and follows docs/privacy.md as a volunteer's
email does: a call is on it only when its person may be given to someone who is not an
organizer, i.e. their current consent is "yes" (a "no", given or withdrawn, and "first
name" keep their contact with the organizers), and never when any of their linked People
rows is marked do not contact (checked again now: the Call list keeps rows made before the
mark). Those left out stay on the tab; the result counts them, and never names them.

The week is the ISO week, in the network's time zone, of the Call list's `added` stamp;
a call is open until someone writes in its `called` column (an `outcome` alone, such as
"no answer", leaves it to make, as the Summary counts follow-ups still to call).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import phonenumbers
from babel import Locale
from babel.dates import format_date, format_interval

from sheetsync.backends.base import Backend
from sheetsync.calls import CallReason
from sheetsync.config import Config
from sheetsync.digest.render import available_languages, render_page
from sheetsync.errors import InputFileError
from sheetsync.files import write_private_text
from sheetsync.members import parse_datetime
from sheetsync.privacy import Consent, Policy
from sheetsync.state import read_sheet, table_of
from sheetsync.tables import records_of

log = logging.getLogger(__name__)
# The page's order: a new request first (they wait to hear), then people who asked for a
# call, then the asks after help.
REASONS = (CallReason.CONFIRMATION, CallReason.FOLLOW_UP, CallReason.FEEDBACK)
TEMPLATE = "calls/sheet.html"
# CLDR's paperSize data: the territories printing on US Letter; A4 everywhere else.
LETTER_TERRITORIES = frozenset(
    ("BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE")
)


class Paper(StrEnum):
    """The page size the print stylesheet asks for (@page size)."""

    A4 = "A4"
    LETTER = "Letter"


class LeftOut(StrEnum):
    """Why an open call of the week is not on the page (counted, never named)."""

    DO_NOT_CONTACT = "do_not_contact"
    NO_CONSENT = "no_consent"  # their consent is not "yes": the call is for organizers
    NO_PHONE = "no_phone"  # the row's phone is empty (a person forgotten, say)
    NOT_ON_PEOPLE = "not_on_people"  # an id People does not have: nothing to check marks on


@dataclass(frozen=True)
class SheetCall:
    """One row of the page: what the caller needs, in the Call list's words."""

    call_id: str
    reason: CallReason
    name: str
    phone: str
    language: str
    what_to_say: str
    added: str


@dataclass(frozen=True)
class Selection:
    """The week's open calls split into those on the page and those left out."""

    calls: tuple[SheetCall, ...]
    left_out: Mapping[LeftOut, int]
    done: int  # the week's calls already marked called
    earlier_open: int  # open calls added before the week (or with no date in added): on it


@dataclass(frozen=True)
class CallSheet:
    """The page's content: the network, the week, the calls by reason, what was left out."""

    network: str
    week: str  # ISO week, e.g. 2026-W49
    made: dt.datetime  # network time
    language: str  # the page's own labels
    locale: str  # dates and language names (Babel)
    paper: Paper
    selection: Selection
    region: str = "US"  # phones are shown as dialled from here

    def groups(self) -> list[tuple[CallReason, list[SheetCall]]]:
        """The calls by reason, in REASONS order; reasons without calls left out."""
        by_reason = {r: [c for c in self.selection.calls if c.reason == r] for r in REASONS}
        return [(r, calls) for r, calls in by_reason.items() if calls]

    def to_dict(self) -> dict[str, Any]:
        """The page's keys in `call-sheet --json` (docs/json.md): the week, its language
        and paper, and the counts."""
        return {
            "week": self.week,
            "language": self.language,
            "paper": self.paper.value,
            **self.counts(),
        }

    def counts(self) -> dict[str, Any]:
        """Figures for the terminal and --json: never a name, phone or script."""
        by_reason = Counter(c.reason.value for c in self.selection.calls)
        return {
            "calls": len(self.selection.calls),
            "by_reason": {r.value: by_reason[r.value] for r in REASONS},
            "left_out": {k.value: self.selection.left_out.get(k, 0) for k in LeftOut},
            "done": self.selection.done,
            "earlier_open": self.selection.earlier_open,
        }

    @property
    def file_name(self) -> str:
        """The default file: the week, never a person (calls-2026-W49.html)."""
        return f"calls-{self.week}.html"


def week_of(when: dt.datetime | dt.date) -> str:
    """The ISO week of a date, as the digests name it: 2026-W49."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> dt.datetime:
    """The Monday 00:00 an ISO week (2026-W49) starts; ValueError if it is not one."""
    found = re.fullmatch(r"(\d{4})-W(\d\d?)", week.strip(), re.I)
    if found is None:
        raise ValueError(f"not an ISO week: {week!r}")
    monday = dt.date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    return dt.datetime.combine(monday, dt.time())


def select_calls(rows: Iterable[Mapping[str, Any]], policy: Policy, week: str) -> Selection:
    """The calls still to make by the end of `week` that may go on paper, oldest first:
    the open calls added in the week, those of earlier weeks still open, and those whose
    `added` is not a date (typed over: they cannot be placed in a week, so they are not
    hidden either). The others are counted by why they are left out; calls added after
    the week are the later weeks'."""
    start = week_start(week)
    end = start + dt.timedelta(days=7)
    calls: list[SheetCall] = []
    left_out: Counter[LeftOut] = Counter()
    done = earlier = 0
    for row in rows:
        added = parse_datetime(str(row["added"]))
        if added is not None and added >= end:
            continue
        this_week = added is not None and added >= start
        if str(row["called"]).strip():
            done += this_week
            continue
        why = _left_out(row, policy)
        if why is not None:
            left_out[why] += 1
            continue
        calls.append(_sheet_call(row))
        earlier += not this_week
    calls.sort(key=lambda c: (c.added, c.call_id))
    return Selection(tuple(calls), dict(left_out), done, earlier)


def _left_out(row: Mapping[str, Any], policy: Policy) -> LeftOut | None:
    """Why a call may not go on paper (None: it may), from the person's marks as they are
    now: do not contact first, whatever their consent."""
    person = policy.person(str(row["person_id"]))
    if not person.person_id:
        return LeftOut.NOT_ON_PEOPLE
    if person.do_not_contact:
        return LeftOut.DO_NOT_CONTACT
    if person.consent is not Consent.YES:
        return LeftOut.NO_CONSENT
    if not str(row["phone"]).strip():
        return LeftOut.NO_PHONE
    return None


def _sheet_call(row: Mapping[str, Any]) -> SheetCall:
    reason = str(row["reason"]).strip()
    return SheetCall(
        call_id=str(row["call_id"]),
        # A reason typed over by hand is shown with the follow-ups: organizers asked for it.
        reason=CallReason(reason) if reason in set(CallReason) else CallReason.FOLLOW_UP,
        name=str(row["name"]),
        phone=str(row["phone"]),
        language=str(row["language"]).strip() or "en",
        what_to_say=str(row["what_to_say"]),
        added=str(row["added"]),
    )


def page_language(config: Config) -> str:
    """The page's language: the network's locale's (es_MX: es) when sheetsync has it."""
    language = config.locale.split("_")[0].casefold()
    return language if language in available_languages() else "en"


def paper_of(config: Config) -> Paper:
    """Letter where the network's locale prints on it (en_US, es_MX), A4 elsewhere."""
    _, _, territory = config.locale.partition("_")
    return Paper.LETTER if territory.upper() in LETTER_TERRITORIES else Paper.A4


def read_call_sheet(
    backend: Backend,
    config: Config,
    now: dt.datetime,
    *,
    week: str | None = None,
    paper: Paper | None = None,
) -> CallSheet:
    """The call sheet of `week` (default: now's), from the Call list and People tabs as
    they are: one read of the two tabs."""
    tabs = read_sheet(backend, config, cells_of={"call_list", "people"})
    calls = table_of(tabs, config, "call_list").frame
    people = records_of(table_of(tabs, config, "people").frame)
    week = week or week_of(now)
    sheet = CallSheet(
        network=config.network_name,
        week=week,
        made=now,
        language=page_language(config),
        locale=config.locale,
        paper=paper or paper_of(config),
        selection=select_calls(records_of(calls), Policy(people), week),
        region=config.default_region,
    )
    counts = sheet.counts()
    left = sum(counts["left_out"].values())
    log.info("call sheet %s: %s calls, %s left out", week, counts["calls"], left)
    return sheet


def write_page(path: Path, html: str) -> None:
    """Write the page as a private file (0600): it names people and their phones."""
    try:
        write_private_text(path, html)
    except OSError as err:
        raise InputFileError(
            f"--out {path}: cannot write it ({err.strerror}). Give a file in a folder you "
            "can write to."
        ) from err


def render_call_sheet(sheet: CallSheet) -> str:
    """The page as HTML: autoescaped, in the network's language, inert in a spreadsheet."""
    start = week_start(sheet.week)
    return render_page(
        TEMPLATE,
        sheet.language,
        s=sheet,
        groups=sheet.groups(),
        made=format_date(sheet.made.date(), "long", locale=sheet.locale),
        days=format_interval(
            start.date(), start.date() + dt.timedelta(days=6), "yMMMd", locale=sheet.locale
        ),
        spoken=_language_names(sheet),
        dial=lambda phone: dialled(phone, sheet.region),
        is_phone=lambda phone: is_phone(phone, sheet.region),
    )


def _language_names(sheet: CallSheet) -> dict[str, str]:
    """Each call's language (es) by its name in the page's language (Spanish, español)."""
    names = Locale.parse(sheet.language).languages
    found = {c.language for c in sheet.selection.calls}
    return {code: _capitalised(names.get(code, code)) for code in found}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def is_phone(text: str, region: str) -> bool:
    """Whether a Call list phone cell holds a number, not a note on how to reach someone
    without a phone (calls.py: "through her neighbour at no. 12"), shown as a note."""
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


def dialled(phone: str, region: str) -> str:
    """A phone as it is dialled from the network's country: (201) 555-0143 at home, with
    the international prefix abroad (011 52 55…); as written when it is not a number.

    Never starting with + for a number it reads: a cell starting with + would be taken
    for a formula by a spreadsheet opening the page, and get a leading '."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    if not phonenumbers.is_possible_number(number):
        return phone
    if phonenumbers.region_code_for_number(number) == region.upper():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_out_of_country_calling_number(number, region.upper())


def summary_lines(sheet: CallSheet) -> list[str]:
    """What the command says about the page: counts only, and what to do about the rest."""
    counts = sheet.counts()
    by = counts["by_reason"]
    lines = [
        f"{counts['calls']} calls to make in {sheet.week}: {by['confirmation']} confirmations, "
        f"{by['follow-up']} follow-ups, {by['feedback']} asks after help."
    ]
    left = counts["left_out"]
    if left["no_consent"]:
        lines.append(
            f"{left['no_consent']} calls are not on the page: the person has not agreed to "
            "share their contact beyond the organizers. Call them from the Call list tab."
        )
    others = left["do_not_contact"] + left["no_phone"] + left["not_on_people"]
    if others:
        lines.append(
            f"{others} calls are not on the page: marked do not contact on People, no phone "
            "on the row, or a person_id People does not have."
        )
    if counts["earlier_open"]:
        lines.append(
            f"{counts['earlier_open']} of these calls are from before {sheet.week} (or have "
            "no date in their added column) and are still open: they are on the page too."
        )
    return lines
