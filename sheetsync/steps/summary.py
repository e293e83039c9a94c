"""summary: the Summary tab's figures, one row per figure with a stable key, and the
network-wide flags in the note column: is the work shared, which needs found no volunteer
(from match's findings in the same run), how many members the Load tab flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from sheetsync.load.figures import MONTH_WEEKS
from sheetsync.load.flags import FlagCode
from sheetsync.normalize import dayfirst_locale
from sheetsync.privacy import Policy
from sheetsync.statuses import CHECK_FORM, ErrorStatus, NeedStatus, PairStatus
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings, SummaryFindings
from sheetsync.summary.network import TOP_TWO_SHARE, UNSERVED, group_unserved, work_share
from sheetsync.summary.outcomes import Outcomes, figures_for, format_number, goal_progress
from sheetsync.tables import ROW, frame_of, records_of

Add = Callable[..., None]  # add(section, item, metric, value, note="")
Figure = tuple[str, str, str, float, str]  # section, item, metric, value, note


def run(ctx: StepContext) -> StepResult:
    """Recompute every figure; rows are keyed by `metric`, so only changed values are written."""
    # A row linked to an earlier person (duplicate_of) is not another person.
    people = ctx.frames["people"][ctx.frames["people"]["duplicate_of"] == ""]
    categories = ctx.forms["requests"].schema.field("categories").enum or ()

    figures: list[Figure] = []

    def add(section: str, item: str, key: str, value: float, note: str = "") -> None:
        figures.append((section, item, key, value, note))

    _needs(ctx, add, categories)
    _people(ctx, add, people)
    _to_fix(ctx, add, people)
    computed = figures_for(
        ctx.frames,
        ctx.now.date(),
        dayfirst=dayfirst_locale(ctx.config.locale),
        hours_per_task=ctx.config.matching.hours_per_task,
    )
    _periods(ctx, add, categories, computed)
    _sharing(ctx, add, computed)
    _load_flags(ctx, add)
    # A row copied by hand would repeat a metric: the first one is the one sheetsync updates.
    old = ctx.frames["summary"].drop_duplicates("metric").set_index("metric")
    matched = ctx.findings.get(MatchFindings)
    if matched is not None:
        _unserved(add, matched, old)
    # The digest step reuses the outcomes: no step after this one changes their tabs.
    return StepResult(
        frames={"summary": _summary_frame(ctx, figures, old)},
        counts={"figures": len(figures)},
        findings=SummaryFindings(computed),
    )


def _needs(ctx: StepContext, add: Add, categories: tuple[str, ...]) -> None:
    """Needs by status; waiting, met and not yet met, by category and zone; how long the
    waiting ones have waited."""
    needs = ctx.frames["needs"]
    status = needs["status"]
    for need_status in NeedStatus:
        name = need_status.value
        add("Needs by status", name, f"needs.status.{name}", int((status == name).sum()))
    waiting = needs[status == NeedStatus.OPEN]
    met = needs[status == NeedStatus.MET]
    unmet = needs[status.isin([NeedStatus.OPEN, NeedStatus.MATCHED])]
    zones = ctx.config.zones
    for heading, state, subset, column, values in (
        ("Needs waiting for a volunteer, by category", "open", waiting, "category", categories),
        ("Needs waiting for a volunteer, by zone", "open", waiting, "zone", zones),
        ("Needs met, by category", "met", met, "category", categories),
        ("Needs met, by zone", "met", met, "zone", zones),
        ("Needs not yet met, by category", "unmet", unmet, "category", categories),
    ):
        counts = subset[column].value_counts()
        for name in values:
            add(heading, name, f"needs.{state}.{column}.{name}", int(counts.get(name, 0)))
    opened = pd.to_datetime(waiting["opened"], errors="coerce", format="ISO8601")
    oldest = (ctx.now - opened.min()).days if opened.notna().any() else 0
    add("Waiting", "Days the oldest waiting need has waited", "needs.open.oldest_days", oldest)
    add(
        "Waiting",
        "Needs waiting more than 7 days",
        "needs.open.over_7_days",
        int((opened < ctx.now - dt.timedelta(days=7)).sum()),
    )


def _people(ctx: StepContext, add: Add, people: pd.DataFrame) -> None:
    """Who joined in the last 7 days, as requesters and as volunteers; who is in the network."""
    week_ago = ctx.now - dt.timedelta(days=7)
    first_seen = pd.to_datetime(people["first_seen"], errors="coerce", format="ISO8601")
    new = people[first_seen >= pd.Timestamp(week_ago.date())]
    add("This week", "New people", "people.new_this_week", len(new))
    add(
        "This week",
        "New people asking for help",
        "people.new_requesters_this_week",
        int(new["roles"].str.contains("requester").sum()),
    )
    add(
        "This week",
        "New volunteers",
        "people.new_volunteers_this_week",
        int(new["roles"].str.contains("volunteer").sum()),
    )
    add("People", "People in the network", "people.total", len(people))
    add(
        "People",
        "Volunteers",
        "people.volunteers",
        int(people["roles"].str.contains("volunteer").sum()),
    )


def _to_fix(ctx: StepContext, add: Add, people: pd.DataFrame) -> None:
    """What waits on the organizers: form responses to fix and pairs of people to decide
    on; and the households the dedupe step found."""
    errors = ctx.frames["errors"]
    waiting = (errors["status"] == ErrorStatus.OPEN) & (errors["fixed"].str.strip() == "")
    rules = errors["form"] == CHECK_FORM  # a rule matching keeps, broken: not a form's
    add(
        "Errors",
        "Form responses waiting to be fixed (Errors tab)",
        "errors.open",
        int((waiting & ~rules).sum()),
    )
    add(
        "Errors",
        "Matching rules broken: a need booked twice, a volunteer over capacity (Errors tab)",
        "errors.rules_broken",
        int((waiting & rules).sum()),
    )
    duplicates = ctx.frames["duplicates"]
    add(
        "Duplicates",
        "Pairs of people waiting for your decision (Duplicates tab)",
        "duplicates.to_review",
        int((duplicates["status"] == PairStatus.TO_REVIEW).sum()),
    )
    add(
        "Duplicates",
        "Households (different people sharing a phone or an email)",
        "people.households",
        people["household"].replace("", pd.NA).nunique(),
    )


def _unserved(add: Add, matched: MatchFindings, old: pd.DataFrame) -> None:
    """The needs match found no volunteer for, by group: whom to recruit, or who was full.
    A group listed before and met since keeps its row, at 0."""
    groups = group_unserved(matched.unserved)
    for group in groups:
        section = (
            "Needs no volunteer could take: whom to recruit"
            if group.nobody
            else "Needs that waited: volunteers were full or resting"
        )
        add(section, group.label, group.key, group.needs, group.sentence)
    current = {group.key for group in groups}
    for key, was in old.iterrows():
        if str(key).startswith(UNSERVED) and key not in current:
            add(str(was["section"]), str(was["item"]), str(key), 0)


def _summary_frame(ctx: StepContext, figures: list[Figure], old: pd.DataFrame) -> pd.DataFrame:
    """The Summary tab anew: each figure on its metric's row (new metrics appended), and
    the rows of figures no longer computed as they were."""
    records: list[dict[str, Any]] = []
    for section, item, key, value, note in figures:
        row = int(str(old.at[key, ROW])) if key in old.index else 0
        records.append(
            {
                "section": section,
                "item": item,
                "value": format_number(value),
                "metric": key,
                "note": note,
                ROW: row,
            }
        )
    known = {f[2] for f in figures}
    # Figures no longer computed keep their rows: sheetsync never deletes a row.
    kept = ctx.frames["summary"][~ctx.frames["summary"]["metric"].isin(known)]
    return pd.concat([kept, frame_of(records, ctx.schemas["summary"])], ignore_index=True)


def _periods(ctx: StepContext, add: Add, categories: tuple[str, ...], computed: Outcomes) -> None:
    """What the network achieved in the last 7 days, this month so far and last month, and
    how far along its goals are ([goals] in sheetsync.toml)."""
    for fig in computed.periods:
        p = fig.period
        section = f"Achieved in {p.label}"
        key = f"period.{p.key}"
        add(section, "Needs opened", f"{key}.needs_opened", fig.needs_opened)
        add(section, "Needs met (a task done)", f"{key}.needs_met", fig.needs_met)
        add(section, "People helped", f"{key}.people_helped", fig.people_helped)
        add(section, "Households helped", f"{key}.households_helped", fig.households_helped)
        add(section, "Volunteers active", f"{key}.volunteers_active", fig.volunteers_active)
        estimated = (
            f"Some done tasks had no hours: each counts {ctx.config.matching.hours_per_task:g} "
            "hours ([matching] hours_per_task)."
            if fig.hours_estimated
            else ""
        )
        add(section, "Hours given", f"{key}.hours_given", fig.hours_given, estimated)
        median = fig.median_days_to_match
        add(
            section,
            "Median days from a request to a volunteer's yes",
            f"{key}.median_days_to_match",
            median if median is not None else 0,
            "" if median is not None else "No need was matched in this period.",
        )
        for name in categories:
            met, unmet = fig.met_by_category.get(name, 0), fig.unmet_by_category.get(name, 0)
            add(section, f"Met: {name}", f"{key}.met.{name}", met)
            add(section, f"Opened, not met yet: {name}", f"{key}.unmet.{name}", unmet)
    for progress in goal_progress(ctx.config.goals, computed.periods):
        goal = progress.goal
        add(
            "Goals ([goals] in sheetsync.toml)",
            f"{goal.label[0].upper()}{goal.label[1:]}: goal {format_number(goal.target)}",
            f"goal.{goal.measure}_per_{goal.per}",
            progress.achieved,
            progress.sentence,
        )


def _sharing(ctx: StepContext, add: Add, computed: Outcomes) -> None:
    """Is the work shared? The two busiest people's share of the last four weeks' tasks."""
    # The note goes into the organizers' email too: people as far as their consent allows.
    policy = Policy(records_of(ctx.frames["people"]), ctx.config.privacy.sensitive_categories)
    share = work_share(computed.helps, ctx.now.date())
    cfg = ctx.config.load
    section = f"Sharing the work (last {MONTH_WEEKS} weeks)"
    add(section, "Tasks taken on (accepted or done)", "work.tasks_4_weeks", share.tasks)
    add(section, "People who took them on", "work.people_4_weeks", share.people)
    percent = round(100 * share.top_share)
    note = ""
    if share.tasks >= cfg.share_min_tasks and share.top_share > cfg.top_two_share:
        who = " and ".join(f"{policy.for_organizers(p)} with {n}" for p, n in share.top)
        verb = "hold" if len(share.top) > 1 else "holds"
        note = (
            f"{who} {verb} {percent}% of the last {MONTH_WEEKS} weeks' tasks. One or two "
            "people are carrying most of the work: check in with them, and spread new tasks "
            "more widely (see the Load tab)."
        )
    add(section, "Share held by the two busiest people (%)", TOP_TWO_SHARE, percent, note)


def _load_flags(ctx: StepContext, add: Add) -> None:
    """How many members the Load tab flags, by flag, and how many rest."""
    load = ctx.frames["load"]
    flags = load["flags"].str.split(", ")
    section = "Load: members who may be carrying too much (Load tab)"
    add(section, "Members flagged", "load.flagged", int((load["flags"] != "").sum()))
    for code in FlagCode:
        count = int(flags.map(lambda found, c=code.value: c in found).sum())
        add(section, f"Flagged: {code.value}", f"load.flag.{code.value}", count)
    add(
        section,
        "Resting (confirmed)",
        "load.resting",
        int((load["rest_status"] == "resting").sum()),
    )
