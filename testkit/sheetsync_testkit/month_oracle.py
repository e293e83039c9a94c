"""An independent oracle for issue 20's follow-up, read after every run from the tabs, the
Run log and the outbox only (never through sheetsync.match or sheetsync.followup):

- urgent-not-proposed: after a run, an open urgent need (or one whose proposal expired)
  holds no live task although a volunteer could take it: eligible by the hard constraints
  (history_oracle.fits, and not the requester, their household or someone who declined or
  let it expire), may be asked (not red, resting or do not contact) and with room this
  week, counted as matching counts it (proposals, accepted tasks dated by the coming week
  or undated, work done in the last 7 days);
- stale-proposal: a proposal sheetsync made still says proposed after its urgency's
  [followup] expire_after (real time, right across DST);
- escalation-emails: each (need, level) the Needs tab's ledger (escalated) shows was
  carried by exactly one sent alert email per organizer (outbox, send log "alerts ...");
- reminder-too-soon: a task's volunteer reminded (Tasks reminded) again sooner than
  remind_every_days; reminder-emails: a reminder email in the outbox for each volunteer
  reminded on the Tasks tab at a run, and none other;
- rows in = records + errors (history_oracle.account);
- digest-counts: the weekly organizers' digest's follow-up counts agree with the sheet;
- unlogged-email: every alert and reminder email in the outbox has its "sent" send log row.

Every finding is ids and counts only.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetsync.clock import elapsed
from sheetsync.config import Config
from sheetsync.members import parse_datetime
from sheetsync.state import State
from sheetsync.tables import records_of
from sheetsync_testkit.history_oracle import (
    Sheet,
    Unit,
    _allowed,
    account,
    fits,
    need_groups,
    read_sheet,
    status_of,
)

URGENT_NOT_PROPOSED = "urgent-not-proposed"
STALE_PROPOSAL = "stale-proposal"
ESCALATION_EMAILS = "escalation-emails"
REMINDER_TOO_SOON = "reminder-too-soon"
REMINDER_EMAILS = "reminder-emails"
UNLOGGED_EMAIL = "unlogged-email"
ROWS_UNACCOUNTED = "rows-unaccounted"
DIGEST_COUNTS = "digest-counts"
# An outbox file: "<audience>-<period>-<who>.eml", e.g. alerts-2026-10-20T0915-organizers-1.
OUTBOX_NAME = re.compile(
    r"^(?P<audience>[a-z]+)-(?P<period>\d{4}-W\d\d|\d{4}-\d\d-\d\dT\d{4}|\d{4}-\d\d-\d\d)"
    r"-(?P<who>.+)\.eml$"
)
ALERT_PERIOD = re.compile(r"^\d{4}-\d\d-\d\dT\d{4}$")
NEED_ID = re.compile(r"\bN\d{3,}\b")
TASK_ID = re.compile(r"\bT\d{3,}\b")
EXPIRED_ON = re.compile(r"\bexpired (\d{4}-\d\d-\d\d)\b")


@dataclass(frozen=True)
class Finding:
    """One broken rule: its code, the run's clock and ids or counts only."""

    code: str
    at: dt.datetime
    detail: str


@dataclass(frozen=True)
class Mail:
    """One email in the outbox, by its file name, with its plain text."""

    audience: str
    period: str
    who: str
    text: str

    @property
    def stamp(self) -> dt.datetime | None:
        if not ALERT_PERIOD.match(self.period):
            return None
        return dt.datetime.strptime(self.period, "%Y-%m-%dT%H%M")


def read_outbox(folder: Path) -> list[Mail]:
    """Every .eml in the outbox, with its plain text part (or the HTML without tags)."""
    mails = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        named = OUTBOX_NAME.match(path.name)
        if named is None:
            continue
        with path.open("rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        mails.append(Mail(named["audience"], named["period"], named["who"], text))
    return mails


LEVEL = re.compile(r"Level: ([^.\n]+)")


def carried(text: str, levels: Iterable[str]) -> set[tuple[str, str]]:
    """The (need id, level) an alert email carries: a need id on a line with its level
    ("Level: 7 days"), else the level label on that line or on the nearest heading above."""
    labels = sorted(set(levels), key=len, reverse=True)
    found: set[tuple[str, str]] = set()
    heading = ""
    for line in text.splitlines():
        named = LEVEL.search(line)
        here = named[1].strip() if named else next((x for x in labels if x in line), "")
        ids = NEED_ID.findall(line)
        if not ids and here:
            heading = here
        for need_id in ids:
            if here or heading:
                found.add((need_id, here or heading))
    return found


# The organizers' digest's follow-up lines (templates/digest/organizers.txt, in English).
DIGEST_LINES = {
    "escalated": re.compile(r"Needs escalated to you: (\d+)"),
    "tasks_past_due": re.compile(r"Accepted tasks past their date now: (\d+)"),
    "proposals_expired": re.compile(r"Proposals that expired without an answer: (\d+)"),
    "tasks_reminded": re.compile(r"Tasks whose volunteer was reminded: (\d+)"),
}


def digest_counts(text: str) -> dict[str, int]:
    """The follow-up counts an organizers' digest states (0 for a line it leaves out: the
    section shows only when it has something to say)."""
    counts = {}
    for name, pattern in DIGEST_LINES.items():
        found = pattern.search(text)
        counts[name] = int(found[1]) if found else 0
    return counts


@dataclass
class Room:
    """Room this week per unit, counted as matching counts it."""

    left: dict[str, int]


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None


def status(task: Mapping[str, Any]) -> str:
    """A task's status as the invariants read it (history_oracle.status_of), expired too."""
    if " ".join(str(task["status"]).split()).casefold() == "expired":
        return "expired"
    return status_of(dict(task))


def takes_room(task: Mapping[str, Any], today: dt.date) -> bool:
    """A task holding a place in its volunteer's week: a proposal; an accepted task dated
    by the coming week or undated; work done in the last 7 days (dated by due, else the
    day it was proposed)."""
    status_now = status(task)
    if status_now == "proposed":
        return True
    on = _date(task["due"]) or _date(task["proposed"])
    if status_now == "accepted":
        return on is None or on <= today + dt.timedelta(days=6)
    if status_now == "done" and on is not None:
        return today - dt.timedelta(days=7) < on <= today + dt.timedelta(days=6)
    return False


def room_left(sheet: Sheet, config: Config) -> dict[str, int]:
    """Unit id -> tasks they could still take this week (0 for anyone who may not be asked)."""
    held: Counter[str] = Counter()
    for task in sheet.tasks:
        if takes_room(task, sheet.today):
            helpers = {task["volunteer_id"], task["co_volunteer_id"]} - {""}
            for uid in {sheet.unit_of.get(pid, pid) for pid in helpers}:
                held[uid] += 1
    offers = config.form_tab("offers")
    return {
        uid: max(0, unit.capacity(config.matching.hours_per_task, offers) - held[uid])
        for uid, unit in sheet.units.items()
        if unit.volunteer and not unit.unavailable
    }


def could_take(
    sheet: Sheet, need: dict[str, Any], room: Mapping[str, int], config: Config
) -> list[str]:
    """The units that could take `need` now (ids)."""
    turned: dict[str, set[str]] = defaultdict(set)
    for task in sheet.tasks:
        if status(task) in ("declined", "expired"):
            turned[task["need_id"]].add(
                sheet.unit_of.get(task["volunteer_id"], task["volunteer_id"])
            )
    able = []
    for uid, left in room.items():
        unit: Unit = sheet.units[uid]
        if left > 0 and fits(need, unit, config) and _allowed(sheet, [need], unit, turned):
            able.append(uid)
    return able


def expired_needs(sheet: Sheet) -> set[str]:
    return {t["need_id"] for t in sheet.tasks if status(t) == "expired"}


@dataclass
class MonthOracle:
    """Follows a network run after run; `findings` holds every rule broken."""

    config: Config
    outbox: Path
    findings: list[Finding] = field(default_factory=list)
    ledger: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)  # (need, level)
    reminded: dict[str, list[dt.datetime]] = field(default_factory=lambda: defaultdict(list))
    urgent_needs: set[str] = field(default_factory=set)
    urgent_proposed: set[str] = field(default_factory=set)
    expired_tasks: set[str] = field(default_factory=set)
    past_due_tasks: set[str] = field(default_factory=set)
    runs: int = 0
    digests_checked: int = 0
    reminder_emails: int = 0
    reminder_pairs: set[tuple[str, dt.datetime]] = field(default_factory=set)
    checked_digests: set[str] = field(default_factory=set)

    @property
    def tz(self) -> Any:
        return self.config.tz

    def after_run(self, state: State, now: dt.datetime, *, weekly: bool) -> None:
        """Every check that holds right after a run at `now`."""
        self.runs += 1
        sheet = read_sheet(state, now.date())
        self._urgent(sheet, now)
        self._stale(sheet, now)
        self._ledger(sheet, now)
        self._reminders(sheet, now)
        if weekly:
            self.check_digest(state, now)
        books = account(state, self.config)
        if not books.ok:
            detail = (
                f"{len(books.missing)} responses on neither People nor Errors, "
                f"{len(books.on_both)} on both, {len(books.requests_without_need)} requests "
                "without a need"
            )
            self.findings.append(Finding(ROWS_UNACCOUNTED, now, detail))

    def _urgent(self, sheet: Sheet, now: dt.datetime) -> None:
        followup = self.config.followup
        room = room_left(sheet, self.config)
        again = expired_needs(sheet)
        live = {t["need_id"] for t in sheet.tasks if status(t) in ("proposed", "accepted")}
        for needs in need_groups(sheet).values():
            for need in needs:
                if followup.is_urgent(str(need["urgency"])):
                    self.urgent_needs.add(need["need_id"])
                    if need["need_id"] in live:
                        self.urgent_proposed.add(need["need_id"])
            if any(n["need_id"] in live for n in needs) or any(n["status"] == "met" for n in needs):
                continue
            unit = sheet.unit(needs[0]["person_id"])
            if unit is not None and unit.do_not_contact:
                continue
            for need in needs:
                wanted = followup.is_urgent(str(need["urgency"])) or need["need_id"] in again
                if need["status"] == "open" and wanted:
                    able = could_take(sheet, need, room, self.config)
                    if able:
                        self.findings.append(
                            Finding(
                                URGENT_NOT_PROPOSED,
                                now,
                                f"{need['need_id']}: open, {len(able)} volunteers with room "
                                f"(e.g. {sorted(able)[0]})",
                            )
                        )
                        break

    def _stale(self, sheet: Sheet, now: dt.datetime) -> None:
        urgency = {n["need_id"]: str(n["urgency"]) for n in sheet.needs}
        for task in sheet.tasks:
            now_status = status(task)
            if now_status == "expired":
                self.expired_tasks.add(task["task_id"])
            proposed = parse_datetime(str(task["proposed"]))
            if now_status != "proposed" or proposed is None or not str(task["reasons"]).strip():
                continue
            limit = self.config.followup.expires(urgency.get(task["need_id"], ""))
            waited = elapsed(proposed, now, self.tz)
            if waited > limit:
                hours = waited.total_seconds() / 3600
                self.findings.append(
                    Finding(STALE_PROPOSAL, now, f"task {task['task_id']}: proposed {hours:.1f} h")
                )

    def _ledger(self, sheet: Sheet, now: dt.datetime) -> None:
        for need in sheet.needs:
            level = str(need.get("escalated", "")).strip()
            if level and (need["need_id"], level) not in self.ledger:
                when = parse_datetime(str(need.get("escalated_at", ""))) or now
                self.ledger[(need["need_id"], level)] = when
        for task in sheet.tasks:
            if str(task.get("overdue_flagged", "")).strip():
                self.past_due_tasks.add(task["task_id"])

    def _reminders(self, sheet: Sheet, now: dt.datetime) -> None:
        every = dt.timedelta(days=self.config.followup.remind_every_days)
        for task in sheet.tasks:
            when = parse_datetime(str(task.get("reminded", "")))
            seen = self.reminded[task["task_id"]]
            if when is None or (seen and seen[-1] == when):
                continue
            self.reminder_pairs.add((task["volunteer_id"], when))
            if seen and elapsed(seen[-1], when, self.tz) < every:
                gap = elapsed(seen[-1], when, self.tz).total_seconds() / 3600
                detail = f"task {task['task_id']}: reminded again {gap:.0f} hours after the last"
                self.findings.append(Finding(REMINDER_TOO_SOON, now, detail))
            seen.append(when)

    # At the end: the outbox against the ledger

    def mails(self) -> list[Mail]:
        return read_outbox(self.outbox)

    def check_emails(self, state: State, now: dt.datetime, levels: Iterable[str]) -> None:
        """Each escalation in the ledger carried by exactly one alert email per organizer;
        a reminder email for each volunteer reminded on the Tasks tab at a run; each alert
        and reminder email in the send log (Run log: job digest, "<audience> <period>",
        sent) as many times as the outbox holds such emails."""
        mails = self.mails()
        logged: Counter[str] = Counter(
            str(row["steps"])
            for row in records_of(state.tables["run_log"].frame)
            if row["job"] == "digest" and row["outcome"] == "sent"
        )
        held = Counter(
            f"{m.audience} {m.period}" for m in mails if m.audience in ("alerts", "reminder")
        )
        for steps, n in sorted(held.items()):
            if logged[steps] != n:
                detail = f"{steps}: {n} emails in the outbox, {logged[steps]} sent in the Run log"
                self.findings.append(Finding(UNLOGGED_EMAIL, now, detail))
        organizers = len(self.config.email.organizers)
        carriers: Counter[tuple[str, str]] = Counter()
        for mail in mails:
            if mail.audience == "alerts":
                for pair in carried(mail.text, levels):
                    carriers[pair] += 1
        for pair in sorted(self.ledger):
            if carriers[pair] != organizers:
                self.findings.append(
                    Finding(
                        ESCALATION_EMAILS,
                        now,
                        f"{pair[0]} at {pair[1]}: in {carriers[pair]} alert emails, "
                        f"{organizers} organizers",
                    )
                )
        # Each reminder email is a volunteer reminded on the Tasks tab at that run, and back.
        emailed = {(m.who, m.stamp) for m in mails if m.audience == "reminder" and m.stamp}
        self.reminder_emails = len(emailed)
        for who, stamp in sorted(emailed ^ self.reminder_pairs, key=str):
            where = "no Tasks reminded" if (who, stamp) in emailed else "no reminder email"
            self.findings.append(Finding(REMINDER_EMAILS, now, f"{who} at {stamp}: {where}"))

    def check_digest(self, state: State, now: dt.datetime) -> None:
        """After a weekly run: the organizers' digests it sent state the week's follow-up
        counts as the sheet shows them."""
        sheet = week_counts(state, self.config, now.date())
        for mail in self.mails():
            key = f"{mail.audience}-{mail.period}-{mail.who}"
            if mail.audience != "organizers" or key in self.checked_digests:
                continue
            self.checked_digests.add(key)
            self.digests_checked += 1
            stated = digest_counts(mail.text)
            expected = {
                "escalated": sheet.escalated,
                "tasks_past_due": sheet.tasks_past_due,
                "proposals_expired": sheet.proposals_expired,
                "tasks_reminded": sheet.tasks_reminded,
            }
            if stated != expected:
                self.findings.append(
                    Finding(DIGEST_COUNTS, now, f"{key}: digest {stated}, sheet {expected}")
                )

    def by_code(self) -> dict[str, int]:
        return dict(Counter(f.code for f in self.findings))


@dataclass(frozen=True)
class WeekCounts:
    """The follow-up counts of the week up to `day` (that day included), from the sheet,
    as the organizers' digest words them (digest/followup_week.py's definitions)."""

    escalated: int
    tasks_past_due: int
    proposals_expired: int
    tasks_reminded: int


def week_counts(state: State, config: Config, day: dt.date) -> WeekCounts:
    """The week's follow-up counts counted again from the tabs."""
    start = day - dt.timedelta(days=6)

    def this_week(text: Any) -> bool:
        when = _date(text)
        return when is not None and start <= when <= day

    needs = records_of(state.tables["needs"].frame)
    tasks = records_of(state.tables["tasks"].frame)
    escalated = sum(
        bool(str(n["escalated"]).strip()) and this_week(n["escalated_at"]) for n in needs
    )
    past_due = 0
    expired = reminded = 0
    for task in tasks:
        now_status = status(task)
        due = _date(task["due"]) or _date(task["due_from_urgency"])
        if now_status == "accepted" and due is not None and due < day:
            past_due += 1
        on = EXPIRED_ON.search(str(task["reasons"]))
        if now_status == "expired" and on and this_week(on[1]):
            expired += 1
        if this_week(task["reminded"]):
            reminded += 1
    return WeekCounts(escalated, past_due, expired, reminded)
