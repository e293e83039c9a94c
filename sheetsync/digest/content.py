"""What each audience's digest says, as plain data built from the tabs (no I/O).

- organizers: new requests, needs waiting (days open), proposals waiting for a yes, pairs
  to review, responses to fix, load flags, the network-wide flags, failed runs;
- a volunteer (who opted in): their tasks, with only what they need to do them, and the
  requester's name and contact only as the requester consented;
- the public: counts only, no personal data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.config import Goal
from sheetsync.digest.privacy import may_share_contact, shown_name
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.members import Help, kept_ids, parse_datetime
from sheetsync.normalize import fold, one_line
from sheetsync.report import RunOutcome
from sheetsync.statuses import (
    LIVE,
    REAL_NEEDS,
    ErrorStatus,
    NeedStatus,
    PairStatus,
    TaskStatus,
    task_status,
)
from sheetsync.summary.network import network_notes, work_share
from sheetsync.summary.outcomes import (
    GoalProgress,
    Outcomes,
    PeriodFigures,
    WeekCount,
    figures_for,
    goal_progress,
    weekly_series,
)
from sheetsync.tables import records_of

MAX_FAILED_RUNS = 10
MAX_LINES = 50  # a list longer than this shows its first lines and "and N more"
STALE_DAYS = 7  # a need open this long, or a proposal unanswered this long, is stale


def period_of(now: dt.datetime) -> str:
    """The digest period: the ISO week, e.g. 2026-W48."""
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class NeedLine:
    need_id: str
    who: str
    category: str
    zone: str
    urgency: str
    days_open: int


@dataclass(frozen=True)
class ProposalLine:
    """A task proposed to a volunteer, waiting for their yes."""

    task_id: str
    volunteer: str
    category: str
    zone: str
    days: int  # since it was proposed
    who: str  # the requester, as their consent allows


@dataclass(frozen=True)
class ErrorLine:
    """A form response on the Errors tab that nobody has fixed yet."""

    source: str  # its tab and row, e.g. "Form Responses 1:17"
    reason: str


@dataclass(frozen=True)
class FlagLine:
    """A member the Load tab flags."""

    name: str
    flags: str
    next_steps: str


@dataclass(frozen=True)
class FailedRun:
    """A run of a job that failed (from the Run log tab)."""

    job: str
    started: str
    message: str


@dataclass
class ListCounts:
    """Each list's full length: the digest shows the first MAX_LINES of a list."""

    new_needs: int = 0
    waiting: int = 0
    stale: int = 0  # waiting for STALE_DAYS or more
    proposals: int = 0
    errors: int = 0


@dataclass
class OrganizerDigest:
    network: str
    period: str
    new_needs: list[NeedLine] = field(default_factory=list)
    waiting: list[NeedLine] = field(default_factory=list)  # open, most urgent first
    proposals: list[ProposalLine] = field(default_factory=list)  # waiting for a yes
    to_review: int = 0
    errors: list[ErrorLine] = field(default_factory=list)
    flagged: list[FlagLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # network-wide flags (Summary notes)
    failed_runs: list[FailedRun] = field(default_factory=list)
    counts: ListCounts = field(default_factory=ListCounts)
    more_failed_runs: int = 0  # older failures not listed (see the Run log tab)
    chart: list[WeekCount] = field(default_factory=list)  # needs opened and met, 8 weeks
    spread: list[tuple[str, int]] = field(default_factory=list)  # tasks per volunteer, 4 weeks
    month: PeriodFigures | None = None  # this calendar month so far
    goals: list[GoalProgress] = field(default_factory=list)

    def more(self, name: str) -> int:
        """How many lines of a list the digest leaves out (they are in the tabs)."""
        return int(getattr(self.counts, name)) - len(getattr(self, name))


@dataclass
class TaskLine:
    task_id: str
    category: str
    zone: str
    status: TaskStatus
    due: str
    who: str
    contact: str  # "" unless the requester consented
    details: str  # "" unless the requester consented
    languages: str
    availability: str


@dataclass
class VolunteerDigest:
    network: str
    period: str
    person_id: str
    first_name: str
    tasks: list[TaskLine]
    name: str = ""  # for the To header
    email: str = ""
    languages: str = ""  # theirs, for the digest's language


@dataclass
class PublicSummary:
    network: str
    period: str
    needs_this_week: int
    met_this_week: int
    needs_met_total: int
    people_helped: int
    volunteers_active: int  # took on a task in the last four weeks
    met_by_category: dict[str, int]
    periods: list[PeriodFigures] = field(default_factory=list)  # week, month, last month
    goals: list[GoalProgress] = field(default_factory=list)


def _days(now: dt.datetime, text: str) -> int:
    when = parse_datetime(text)
    return 0 if when is None else max(0, (now - when).days)


def _need_line(need: dict[str, Any], now: dt.datetime) -> NeedLine:
    return NeedLine(
        need_id=need["need_id"],
        who=shown_name(need["name"], need["consent"], need["zone"]),
        category=need["category"],
        zone=need["zone"],
        urgency=need["urgency"],
        days_open=_days(now, need["opened"]),
    )


def organizer_digest(
    frames: dict[str, pd.DataFrame],
    network: str,
    now: dt.datetime,
    since: dt.datetime,
    *,
    dayfirst: bool = False,
    hours_per_task: float = 2.0,
    goals: tuple[Goal, ...] = (),
    computed: Outcomes | None = None,
) -> OrganizerDigest:
    """`since`: failed runs from then on are listed (the last organizers' digest)."""
    needs = records_of(frames["needs"])
    week_ago = now - dt.timedelta(days=7)
    digest = OrganizerDigest(network, period_of(now))
    new, waiting = [], []
    for need in needs:
        opened = parse_datetime(need["opened"])
        if need["status"] in REAL_NEEDS and opened and opened >= week_ago:
            new.append(need)
        if need["status"] == NeedStatus.OPEN:
            waiting.append(need)
    # Most urgent first, then the longest waiting; lines only for what the digest shows.
    waiting.sort(key=lambda n: (-URGENCY_RANK.get(fold(n["urgency"]), 0), n["opened"] or "9999"))
    digest.new_needs = [_need_line(n, now) for n in new[:MAX_LINES]]
    digest.waiting = [_need_line(n, now) for n in waiting[:MAX_LINES]]
    names = {p["person_id"]: p["name"] for p in records_of(frames["people"])}
    by_need = {n["need_id"]: n for n in needs}
    proposed = [
        t for t in records_of(frames["tasks"]) if task_status(t["status"]) == TaskStatus.PROPOSED
    ]
    proposed.sort(key=lambda t: t["proposed"] or "9999")  # the longest waiting first
    for task in proposed[:MAX_LINES]:
        need = by_need.get(task["need_id"], {})
        digest.proposals.append(
            ProposalLine(
                task_id=task["task_id"],
                volunteer=one_line(names.get(task["volunteer_id"], task["volunteer_id"])),
                category=task["category"],
                zone=task["zone"],
                days=_days(now, task["proposed"]),
                who=shown_name(need.get("name", ""), need.get("consent", ""), task["zone"]),
            )
        )
    digest.counts = ListCounts(
        new_needs=len(new),
        waiting=len(waiting),
        stale=sum(_days(now, n["opened"]) >= STALE_DAYS for n in waiting),
        proposals=len(proposed),
    )
    digest.to_review = int((frames["duplicates"]["status"] == PairStatus.TO_REVIEW).sum())
    for error in records_of(frames["errors"]):
        if error["status"] == ErrorStatus.OPEN and not error["fixed"].strip():
            digest.errors.append(ErrorLine(error["source"], error["reason"]))
    for row in records_of(frames["load"]):
        if row["flags"]:
            digest.flagged.append(FlagLine(one_line(row["name"]), row["flags"], row["next_steps"]))
    digest.notes = network_notes(frames["summary"])
    for run in records_of(frames["run_log"]):
        started = parse_datetime(run["started"])
        if run["outcome"] == RunOutcome.FAILED and started and since <= started <= now:
            digest.failed_runs.append(FailedRun(run["job"], run["started"], run["message"]))
    digest.counts.errors = len(digest.errors)
    digest.errors = digest.errors[:MAX_LINES]
    if len(digest.failed_runs) > MAX_FAILED_RUNS:  # the newest, and how many more
        digest.more_failed_runs = len(digest.failed_runs) - MAX_FAILED_RUNS
        digest.failed_runs = digest.failed_runs[-MAX_FAILED_RUNS:]
    computed = computed or figures_for(
        frames, now.date(), dayfirst=dayfirst, hours_per_task=hours_per_task
    )
    digest.chart = weekly_series(computed.needs, now.date())
    digest.spread = _spread(computed.helps, records_of(frames["people"]), now.date())
    digest.month = computed.month
    digest.goals = goal_progress(goals, computed.periods)
    return digest


def _spread(
    worked: list[Help], people: list[dict[str, Any]], today: dt.date
) -> list[tuple[str, int]]:
    """Tasks per volunteer over the last four weeks, busiest first, as "Ming W.", or by
    initials and zone for someone who did not consent to share their name."""
    by_id = {p["person_id"]: p for p in people}
    ranked = work_share(worked, today).ranked  # as the Summary's "two busiest" counts
    return [(_chart_name(by_id.get(pid), pid), n) for pid, n in ranked]


def _chart_name(person: dict[str, Any] | None, person_id: str) -> str:
    if person is None:
        return person_id
    consented = person["volunteer_consent"] == "yes" and person["requester_consent"] != "no"
    if consented:
        return _short(person["name"])
    return shown_name(person["name"], "no", person["zone"])


def _short(name: str) -> str:
    parts = one_line(name).split()
    if len(parts) < 2:
        return parts[0] if parts else "?"
    return f"{parts[0]} {parts[-1][0]}."


def volunteer_digests(
    frames: dict[str, pd.DataFrame], network: str, now: dt.datetime
) -> list[VolunteerDigest]:
    """One digest per volunteer who opted in (People's weekly_email, an organizer column)
    and has tasks proposed or accepted."""
    if not frames["people"]["weekly_email"].map(_opted_in).any():
        return []  # nobody asked: nothing to build (a large network's tasks are many)
    people = records_of(frames["people"])
    kept = kept_ids(people)
    by_id = {p["person_id"]: p for p in people}
    opted = {p["person_id"] for p in people if _opted_in(p["weekly_email"]) and p["email"]}
    needs = {n["need_id"]: n for n in records_of(frames["needs"])}
    tasks_of: dict[str, list[TaskLine]] = {}
    for task in records_of(frames["tasks"]):
        status = task_status(task["status"])
        helpers = {kept.get(h, h) for h in (task["volunteer_id"], task["co_volunteer_id"]) if h}
        if status is None or status not in LIVE or not helpers & opted:
            continue
        need = needs.get(task["need_id"])
        if need is None:
            continue
        requester = by_id.get(need["person_id"], {})
        consent = need["consent"]
        share = may_share_contact(consent) and not requester.get("do_not_contact", "").strip()
        contact = ""
        if share:
            contact = one_line(
                ", ".join(x for x in (requester.get("phone", ""), requester.get("email", "")) if x)
            )
        line = TaskLine(
            task_id=task["task_id"],
            category=task["category"],
            zone=task["zone"],
            status=status,
            due=task["due"],
            who=shown_name(need["name"], consent, need["zone"]),
            contact=contact,
            details=one_line(need["details"]) if share else "",
            languages=need["languages"],
            availability=need["availability"],
        )
        for helper in (task["volunteer_id"], task["co_volunteer_id"]):
            if helper:
                tasks_of.setdefault(kept.get(helper, helper), []).append(line)
    digests = []
    for pid, lines in sorted(tasks_of.items()):
        person = by_id.get(pid)
        if person is None or pid not in opted:
            continue
        digests.append(
            VolunteerDigest(
                network,
                period_of(now),
                pid,
                one_line(person["name"]).split(" ")[0],
                lines,
                name=person["name"],
                email=person["email"],
                languages=person["languages"],
            )
        )
    return digests


def _opted_in(weekly_email: str) -> bool:
    return weekly_email.strip().casefold() in ("yes", "y", "sí", "si", "x")


def public_summary(
    frames: dict[str, pd.DataFrame],
    network: str,
    now: dt.datetime,
    *,
    dayfirst: bool = False,
    hours_per_task: float = 2.0,
    goals: tuple[Goal, ...] = (),
    computed: Outcomes | None = None,
) -> PublicSummary:
    """Counts only, from the same outcomes as the Summary tab: this week is its last 7
    days, a need is met on its first task done, and a person is counted once."""
    computed = computed or figures_for(
        frames, now.date(), dayfirst=dayfirst, hours_per_task=hours_per_task
    )
    met = [o for o in computed.needs if o.status == NeedStatus.MET]
    week = computed.week
    return PublicSummary(
        network=network,
        period=period_of(now),
        needs_this_week=week.needs_opened,
        met_this_week=week.needs_met,
        needs_met_total=len(met),
        people_helped=len({o.person_id for o in met}),
        volunteers_active=work_share(computed.helps, now.date()).people,
        met_by_category=dict(Counter(o.category for o in met).most_common()),
        periods=computed.periods,
        goals=goal_progress(goals, computed.periods),
    )
