"""What each audience's digest says, as plain data built from the tabs (no I/O).

- organizers: new requests, needs waiting (days open), proposals waiting for a yes, pairs
  to review, responses to fix, load flags, the network-wide flags, failed runs; each person
  as far as their consent allows, with their id to look them up in the sheet;
- a volunteer (who opted in): their own tasks, with only what they need to do them
  (volunteers.py);
- the public: counts only, a count of 1 to 4 shown as "<5".
What each audience may see is decided in one place, privacy.Policy (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheetsync.config import Goal
from sheetsync.digest.followup_week import FollowupWeek
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.members import Help, parse_datetime
from sheetsync.normalize import fold, one_line
from sheetsync.privacy import (
    Policy,
    public_by_kind,
    public_count,
    public_detail,
)
from sheetsync.report import DeliveryOutcome, RunOutcome
from sheetsync.statuses import (
    CHECK_FORM,
    CHECK_FORMS,
    ORGANIZER_FORM,
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


def period_end(now: dt.datetime) -> dt.datetime:
    """When the digest period of `now` ends: the next Monday at 00:00."""
    monday = now.date() + dt.timedelta(days=7 - now.weekday())
    return dt.datetime.combine(monday, dt.time())


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

    name: str  # as far as their consent allows, with their id
    flags: str
    next_steps: str  # "" when they name someone who did not consent (see the Load tab)


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
    rules_broken: int = 0  # Errors rows of the end of run check, open and not marked fixed
    values_to_fix: int = 0  # bad values in organizers' columns, open and not marked fixed


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
    not_emailed: dict[str, int] = field(default_factory=dict)  # volunteers, reason -> count
    consent_to_check: list[str] = field(default_factory=list)  # person ids (People tab)
    # The follow-up between digests: escalations, tasks past due, expired proposals,
    # reminders, members waiting for help (digest/followup_week.py); None: not counted.
    followup: FollowupWeek | None = None

    def more(self, name: str) -> int:
        """How many lines of a list the digest leaves out (they are in the tabs)."""
        return int(getattr(self.counts, name)) - len(getattr(self, name))


@dataclass(frozen=True)
class PublicPeriod:
    """A period's figures for the public: counts of people as privacy.public_count shows them."""

    key: str  # week, month, last_month
    label: str
    start: dt.date
    needs_met: str
    households_helped: str
    people_helped: str
    volunteers_active: str
    hours_given: int | None  # None: too few needs met to say
    median_days_to_match: float | None


@dataclass(frozen=True)
class PublicGoal:
    goal: Goal
    done: str  # as public_count shows it
    percent: str  # "" while the count is too small to show


@dataclass
class PublicSummary:
    """Counts only; every count of people or needs as privacy.public_count shows it."""

    network: str
    period: str
    needs_this_week: str
    met_this_week: str
    needs_met_total: str
    people_helped: str
    volunteers_active: str  # took on a task in the last four weeks
    met_by_category: dict[str, str]  # small ones folded together (other_kinds)
    periods: list[PublicPeriod] = field(default_factory=list)  # week, month, last month
    goals: list[PublicGoal] = field(default_factory=list)


def _days(now: dt.datetime, text: str) -> int:
    when = parse_datetime(text)
    return 0 if when is None else max(0, (now - when).days)


def _need_line(need: dict[str, Any], now: dt.datetime, policy: Policy) -> NeedLine:
    return NeedLine(
        need_id=need["need_id"],
        who=policy.for_organizers(need["person_id"]),
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
    policy: Policy | None = None,
    not_emailed: dict[str, int] | None = None,
    followup: FollowupWeek | None = None,
) -> OrganizerDigest:
    """What the organizers' digest says, one part per section. `since`: failed runs from
    then on are listed (the last organizers' digest). `not_emailed`: volunteers who asked
    for their digest and get none, by reason."""
    needs = records_of(frames["needs"])
    people = records_of(frames["people"])
    policy = policy or Policy(people)
    new, waiting = _new_and_waiting(needs, now)
    proposed = _proposed(frames["tasks"])
    errors = _open_errors(frames["errors"])
    failed = _failed_runs(frames["run_log"], since, now)
    computed = computed or figures_for(
        frames, now.date(), dayfirst=dayfirst, hours_per_task=hours_per_task
    )
    return OrganizerDigest(
        network,
        period_of(now),
        # Lines only for what the digest shows; the counts say how long each list is.
        new_needs=[_need_line(n, now, policy) for n in new[:MAX_LINES]],
        waiting=[_need_line(n, now, policy) for n in waiting[:MAX_LINES]],
        proposals=_proposal_lines(proposed[:MAX_LINES], needs, policy, now),
        to_review=int((frames["duplicates"]["status"] == PairStatus.TO_REVIEW).sum()),
        errors=errors[:MAX_LINES],
        flagged=_flagged(frames["load"], policy),
        notes=network_notes(frames["summary"]),
        failed_runs=failed[-MAX_FAILED_RUNS:],  # the newest, and how many more
        counts=ListCounts(
            new_needs=len(new),
            waiting=len(waiting),
            stale=sum(_days(now, n["opened"]) >= STALE_DAYS for n in waiting),
            proposals=len(proposed),
            errors=len(errors),
            rules_broken=_open_of(frames["errors"], CHECK_FORM),
            values_to_fix=_open_of(frames["errors"], ORGANIZER_FORM),
        ),
        more_failed_runs=max(0, len(failed) - MAX_FAILED_RUNS),
        chart=weekly_series(computed.needs, now.date()),
        spread=_spread(computed.helps, policy, now.date()),
        month=computed.month,
        goals=goal_progress(goals, computed.periods),
        not_emailed=dict(sorted((not_emailed or {}).items())),
        consent_to_check=policy.overrides_not_followed(),
        followup=followup,
    )


def _new_and_waiting(
    needs: list[dict[str, Any]], now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The needs opened in the last 7 days (real ones: not withdrawn, not a repeat), and
    the needs waiting for a volunteer, the most urgent first, then the longest waiting."""
    week_ago = now - dt.timedelta(days=7)
    new, waiting = [], []
    for need in needs:
        opened = parse_datetime(need["opened"])
        if need["status"] in REAL_NEEDS and opened and opened >= week_ago:
            new.append(need)
        if need["status"] == NeedStatus.OPEN:
            waiting.append(need)
    waiting.sort(key=lambda n: (-URGENCY_RANK.get(fold(n["urgency"]), 0), n["opened"] or "9999"))
    return new, waiting


def _proposed(tasks: pd.DataFrame) -> list[dict[str, Any]]:
    """The tasks proposed to a volunteer and not answered yet, the longest waiting first."""
    proposed = [t for t in records_of(tasks) if task_status(t["status"]) == TaskStatus.PROPOSED]
    proposed.sort(key=lambda t: t["proposed"] or "9999")
    return proposed


def _proposal_lines(
    proposed: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    policy: Policy,
    now: dt.datetime,
) -> list[ProposalLine]:
    """Proposed tasks as the digest lists them: the volunteer and the requester as far as
    their consent allows."""
    by_need = {n["need_id"]: n for n in needs}
    lines = []
    for task in proposed:
        need = by_need.get(task["need_id"], {})
        lines.append(
            ProposalLine(
                task_id=task["task_id"],
                volunteer=policy.for_organizers(task["volunteer_id"]),
                category=task["category"],
                zone=task["zone"],
                days=_days(now, task["proposed"]),
                who=policy.for_organizers(need.get("person_id", "")),
            )
        )
    return lines


def _open_errors(errors: pd.DataFrame) -> list[ErrorLine]:
    """The form responses on the Errors tab still open and not marked fixed (the rows of
    CHECK_FORMS, a matching rule broken or a bad value in an organizer's column, are
    counted apart: _open_of)."""
    return [
        ErrorLine(e["source"], e["reason"])
        for e in records_of(errors)
        if e["status"] == ErrorStatus.OPEN
        and not e["fixed"].strip()
        and e["form"] not in CHECK_FORMS
    ]


def _open_of(errors: pd.DataFrame, form: str) -> int:
    """The Errors rows of `form` (CHECK_FORM: matching rules the end of run check found
    broken; ORGANIZER_FORM: bad values in organizers' columns) open and not marked fixed."""
    return sum(
        e["form"] == form and e["status"] == ErrorStatus.OPEN and not e["fixed"].strip()
        for e in records_of(errors)
    )


def _flagged(load: pd.DataFrame, policy: Policy) -> list[FlagLine]:
    """The members the Load tab flags, with its next steps: those name the member by first
    name, so they are left to the Load tab for someone who did not consent to it."""
    lines = []
    for row in records_of(load):
        if not row["flags"]:
            continue
        pid = row["person_id"]
        steps = one_line(row["next_steps"]) if policy.may_name(pid) else ""
        lines.append(FlagLine(policy.for_organizers(pid), row["flags"], steps))
    return lines


def _failed_runs(run_log: pd.DataFrame, since: dt.datetime, now: dt.datetime) -> list[FailedRun]:
    """The runs that failed from `since` to `now`, in the Run log's order, and the digests
    left unconfirmed (their message says what to check and how to send one again)."""
    failed = []
    for run in records_of(run_log):
        started = parse_datetime(run["started"])
        told = run["outcome"] in (RunOutcome.FAILED, DeliveryOutcome.UNCONFIRMED)
        if told and started and since <= started <= now:
            failed.append(FailedRun(run["job"], run["started"], run["message"]))
    return failed


def _spread(worked: list[Help], policy: Policy, today: dt.date) -> list[tuple[str, int]]:
    """Tasks per volunteer over the last four weeks, busiest first, as "Ming W.", or by
    initials for someone who did not consent to share their name."""
    ranked = work_share(worked, today).ranked  # as the Summary's "two busiest" counts
    return [(policy.short_name(pid), n) for pid, n in ranked]


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
        needs_this_week=public_count(week.needs_opened),
        met_this_week=public_count(week.needs_met),
        needs_met_total=public_count(len(met)),
        people_helped=public_count(len({o.person_id for o in met})),
        volunteers_active=public_count(work_share(computed.helps, now.date()).people),
        met_by_category=public_by_kind(Counter(o.category for o in met)),
        periods=[_public_period(f) for f in computed.periods],
        goals=[_public_goal(g) for g in goal_progress(goals, computed.periods)],
    )


def _public_period(f: PeriodFigures) -> PublicPeriod:
    """A period for the public: its hours and days to match only with enough needs met
    that they can't tell a small count again (privacy.public_detail)."""
    detail = public_detail(f.needs_met)
    return PublicPeriod(
        key=f.period.key,
        label=f.period.label,
        start=f.period.start,
        needs_met=public_count(f.needs_met),
        households_helped=public_count(f.households_helped),
        people_helped=public_count(f.people_helped),
        volunteers_active=public_count(f.volunteers_active),
        hours_given=round(f.hours_given) if detail else None,
        median_days_to_match=f.median_days_to_match if detail else None,
    )


def _public_goal(g: GoalProgress) -> PublicGoal:
    done = round(g.achieved)
    return PublicGoal(g.goal, public_count(done), str(g.percent) if public_detail(done) else "")
