"""summary: the Summary tab, in short sections an organizer reads at a glance: the goals'
progress, what needs attention, whom to recruit (from match's findings in the same run),
what the network achieved this week, this month and last month, and how the work is shared.

Each row is keyed by its hidden `metric`; a figure at 0 is left out unless it is a goal or
a warning (sheetsync/summary/layout.py lays the rows out). An empty network's Summary says
what to do first.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd

from sheetsync.digest.followup_week import escalated_waiting, tasks_past_due
from sheetsync.digest.formats import duration
from sheetsync.horizon import next_midnight
from sheetsync.load.figures import MONTH_WEEKS
from sheetsync.load.flags import FlagCode, flag_codes, flag_name
from sheetsync.normalize import dayfirst_locale
from sheetsync.privacy import Policy
from sheetsync.statuses import (
    CHECK_FORM,
    CHECK_FORMS,
    ORGANIZER_FORM,
    ErrorStatus,
    NeedStatus,
    PairStatus,
)
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import MatchFindings, SummaryFindings
from sheetsync.steps.summary_feedback import feedback_section
from sheetsync.summary.layout import Line, Section, lay_out
from sheetsync.summary.network import TOP_TWO_SHARE, UNSERVED, unserved_lines, work_share
from sheetsync.summary.outcomes import (
    WAITED_LONG,
    Outcomes,
    PeriodFigures,
    figures_for,
    format_number,
    goal_progress,
    period_name,
    said_number,
    waited_until,
)
from sheetsync.tables import records_of
from sheetsync.translation import (
    answer,
    gettext_noop,
    tab_language,
    translate,
    translate_plural,
)


def run(ctx: StepContext) -> StepResult:
    """Recompute every figure and lay the tab out anew; only cells that change are written."""
    # A row linked to an earlier person (duplicate_of) is not another person.
    people = ctx.frames["people"][ctx.frames["people"]["duplicate_of"] == ""]
    language = tab_language(ctx.config)
    computed = figures_for(
        ctx.frames,
        ctx.now.date(),
        dayfirst=dayfirst_locale(ctx.config.locale),
        hours_per_task=ctx.config.matching.hours_per_task,
    )
    sections = [
        _goals(ctx, computed, language),
        _attention(ctx, language),
        _getting_started(ctx, people, language),
        _recruit(ctx, language),
        feedback_section(ctx.frames, language),
        *(
            _period(ctx, fig, people if fig.period.key == "week" else None, language)
            for fig in computed.periods
        ),
        _network(ctx, people, computed, language),
    ]
    frame = lay_out(sections, ctx.frames["summary"], ctx.schemas["summary"])
    # The digest step reuses the outcomes: no step after this one changes their tabs.
    return StepResult(
        frames={"summary": frame},
        counts={"figures": sum(line.shown for s in sections for line in s.lines)},
        findings=SummaryFindings(computed),
        until=_until(ctx),
    )


def _until(ctx: StepContext) -> dt.datetime:
    """When the Summary may next change by time alone (sheetsync/horizon.py): the periods'
    outcomes, the new people, the work share and the tasks past their date read today's
    date only (so the next midnight at the latest); the needs waiting read the time."""
    needs = ctx.frames["needs"]
    waiting = needs[needs["status"] == NeedStatus.OPEN]
    return min(next_midnight(ctx.now), waited_until(_opened(waiting), ctx.now))


def _opened(waiting: pd.DataFrame) -> pd.Series:
    """When each waiting need opened (NaT when unreadable)."""
    return pd.to_datetime(waiting["opened"], errors="coerce", format="ISO8601")


def _n(value: float) -> str:
    return format_number(value)


def _goals(ctx: StepContext, computed: Outcomes, language: str) -> Section:
    """How far along the goals are ([goals] in sheetsync.toml): shown at 0 too."""
    lines = []
    for progress in goal_progress(ctx.config.goals, computed.periods):
        goal = progress.goal
        label = translate(language, goal.label)
        lines.append(
            Line(
                f"goal.{goal.measure}_per_{goal.per}",
                translate(
                    language,
                    "%(goal)s: goal %(target)s",
                    goal=_capitalized(label),
                    target=said_number(goal.target, language),
                ),
                _n(progress.achieved),
                progress.sentence_in(language),
                keep=True,
            )
        )
    return Section("goals", translate(language, "Goals"), lines)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _attention(ctx: StepContext, language: str) -> Section:
    """What waits on the organizers: needs without a volunteer, responses to fix, rules
    broken, pairs of people to decide on, members who may carry too much."""
    needs = ctx.frames["needs"]
    status = needs["status"]
    waiting = needs[status == NeedStatus.OPEN]
    opened = _opened(waiting)
    oldest = (ctx.now - opened.min()).days if opened.notna().any() else 0
    errors = ctx.frames["errors"]
    open_errors = (errors["status"] == ErrorStatus.OPEN) & (errors["fixed"].str.strip() == "")
    rules = errors["form"] == CHECK_FORM  # a rule matching keeps, broken: not a form's
    values = errors["form"] == ORGANIZER_FORM  # a bad value in an organizer's column
    responses = ~errors["form"].isin(CHECK_FORMS)
    duplicates = ctx.frames["duplicates"]
    load = ctx.frames["load"]
    t = functools.partial(translate, language)
    return Section(
        "attention",
        t("Needs attention"),
        [
            Line(
                f"needs.status.{NeedStatus.OPEN.value}",
                t("Needs waiting for a volunteer (Needs tab)"),
                _n(len(waiting)),
                " ".join(
                    x
                    for x in (_breakdown(waiting, ctx, language), _escalated(needs, language))
                    if x
                ),
            ),
            Line(
                "needs.open.over_7_days",
                t("Of them, waiting more than 7 days"),
                _n(int((opened < ctx.now - WAITED_LONG).sum())),
                translate_plural(
                    language,
                    "The oldest has waited %(num)s day.",
                    "The oldest has waited %(num)s days.",
                    oldest,
                )
                if oldest
                else "",
            ),
            Line(
                f"needs.status.{NeedStatus.MATCHED.value}",
                t("Needs with a volunteer proposed or on the way (Tasks tab)"),
                _n(int((status == NeedStatus.MATCHED).sum())),
                _past_due(ctx, language),
            ),
            Line(
                "errors.open",
                t("Form responses to fix (Errors tab)"),
                _n(int((open_errors & responses).sum())),
            ),
            Line(
                "errors.values_to_fix",
                t("Values to fix in your tabs (Errors tab)"),
                _n(int((open_errors & values).sum())),
            ),
            Line(
                "errors.rules_broken",
                t(
                    "Matching rules broken: a need booked twice, a volunteer over capacity "
                    "(Errors tab)"
                ),
                _n(int((open_errors & rules).sum())),
            ),
            Line(
                "duplicates.to_review",
                t("Pairs of people waiting for your decision (Duplicates tab)"),
                _n(int((duplicates["status"] == PairStatus.TO_REVIEW).sum())),
            ),
            Line(
                "load.flagged",
                t("Members who may be carrying too much (Load tab)"),
                _n(int((load["flags"] != "").sum())),
                _flag_counts(load["flags"], language),
            ),
            Line(
                "load.resting",
                t("Members resting (confirmed on the Load tab)"),
                _n(int((load["rest_status"] == "resting").sum())),
            ),
        ],
    )


def _flag_counts(cells: pd.Series, language: str) -> str:
    """How many members carry each flag, e.g. "stretched: 1, check-in due: 6". A cell is
    read in any language sheetsync writes (the network's language may have changed)."""
    found = [set(flag_codes(str(cell))) for cell in cells]
    counts = [(code, sum(code in codes for codes in found)) for code in FlagCode]
    return ", ".join(
        f"{flag_name(code, language)}: {said_number(n, language)}" for code, n in counts if n
    )


def _escalated(needs: pd.DataFrame, language: str) -> str:
    """The waiting needs escalated to organizers (the follow-up), by their latest level."""
    levels = escalated_waiting(records_of(needs))
    if not levels:
        return ""
    by_level = ", ".join(
        f"{duration(level, language)} {said_number(n, language)}"
        for level, n in sorted(levels.items())
    )
    return translate(
        language,
        "Escalated to you, open longer than their urgency allows: %(levels)s.",
        levels=by_level,
    )


def _past_due(ctx: StepContext, language: str) -> str:
    """How many accepted tasks are past their date (the follow-up flags them)."""
    dayfirst = dayfirst_locale(ctx.config.locale)
    late = tasks_past_due(records_of(ctx.frames["tasks"]), ctx.now.date(), dayfirst=dayfirst)
    if not late:
        return ""
    return translate(
        language,
        "Accepted tasks past their date: %(n)s (Tasks tab, follow-up column).",
        n=said_number(late, language),
    )


def _breakdown(waiting: pd.DataFrame, ctx: StepContext, language: str) -> str:
    """E.g. "By category: Groceries 4, Meals 2. By zone: Downtown 6." (most first)."""
    categories = ctx.forms["requests"].schema.field("categories").enum or ()
    parts = []
    for how, column, order in (
        (gettext_noop("By category: %(counts)s."), "category", categories),
        (gettext_noop("By zone: %(counts)s."), "zone", ctx.config.zones),
    ):
        counts = waiting[column].value_counts()
        rank = {name: i for i, name in enumerate(order)}
        named = sorted(
            ((str(k), int(v)) for k, v in counts.items() if str(k)),
            key=lambda kv: (-kv[1], rank.get(kv[0], len(rank)), kv[0]),
        )
        if named:
            # A category in the form's words; a zone is the network's own name for it.
            shown = [
                (answer(k, language, "categories") if column == "category" else k, v)
                for k, v in named
            ]
            listed = ", ".join(f"{k} {said_number(v, language)}" for k, v in shown)
            parts.append(translate(language, how, counts=listed))
    return " ".join(parts)


def _getting_started(ctx: StepContext, people: pd.DataFrame, language: str) -> Section:
    """An empty network: what an organizer can do first."""
    t = functools.partial(translate, language)
    if not people.empty or not ctx.frames["needs"].empty or not ctx.frames["errors"].empty:
        return Section("start", t("Getting started"), [])
    return Section(
        "start",
        t("Getting started"),
        [
            Line(
                "start.share_forms",
                t(
                    "No form responses yet: share the request form and the volunteer offer "
                    "form with your community (in each form: Send, then copy the link)."
                ),
            ),
            Line(
                "start.what_next",
                t(
                    "Each response then shows up on the People tab, each request on the Needs "
                    "tab, and the volunteers proposed for it on the Tasks tab."
                ),
            ),
            Line(
                "start.this_tab",
                t(
                    "This tab will then show what needs attention, whom to recruit and what "
                    "the network achieved each week."
                ),
            ),
        ],
    )


def _recruit(ctx: StepContext, language: str) -> Section:
    """The needs match found no volunteer for, by group: whom to recruit, or who was full.
    Without a match this run, the rows the Summary holds stay as they are."""
    matched = ctx.findings.get(MatchFindings)
    if matched is not None:
        lines = unserved_lines(matched.unserved, language)
    else:
        old = ctx.frames["summary"]
        lines = [
            Line(str(r["metric"]), str(r["item"]), str(r["value"]), str(r["note"]))
            for r in records_of(old[old["metric"].str.startswith(UNSERVED)])
        ]
    return Section(
        "recruit", translate(language, "Needs no volunteer could take: whom to recruit"), lines
    )


def _period(
    ctx: StepContext, fig: PeriodFigures, people: pd.DataFrame | None, language: str
) -> Section:
    """What the network achieved in a period; for the last 7 days, who joined too."""
    t = functools.partial(translate, language)
    p = fig.period
    key = f"period.{p.key}"
    hours = ctx.config.matching.hours_per_task
    estimated = (
        t(
            "Some done tasks had no hours: each counts as %(hours)s hours (the hours per task "
            "set in sheetsync.toml).",
            hours=said_number(hours, language),
        )
        if fig.hours_estimated
        else ""
    )
    lines = [
        Line(f"{key}.needs_opened", t("Needs opened"), _n(fig.needs_opened)),
        Line(
            f"{key}.needs_met",
            t("Needs met (a task done)"),
            _n(fig.needs_met),
            _by_category(fig.met_by_category, language),
        ),
        Line(
            f"{key}.people_helped",
            t("People helped"),
            _n(fig.people_helped),
            translate_plural(
                language, "In %(num)s household.", "In %(num)s households.", fig.households_helped
            )
            if fig.households_helped != fig.people_helped
            else "",
        ),
        Line(
            f"{key}.volunteers_active",
            t("Volunteers who took on a task"),
            _n(fig.volunteers_active),
        ),
        Line(f"{key}.hours_given", t("Hours given"), _n(fig.hours_given), estimated),
        Line(
            f"{key}.median_days_to_match",
            t("Median days from a request to a volunteer's yes"),
            _n(fig.median_days_to_match or 0),
        ),
    ]
    if people is not None:
        lines.append(_new_people(ctx, people, language))
    heading = t("The last 7 days") if p.key == "week" else _capitalized(period_name(p, language))
    return Section(key, heading, lines)


def _by_category(counts: dict[str, int], language: str) -> str:
    """E.g. "Rides 5, Groceries 3." (most first), the categories in the form's words."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    named = [
        f"{answer(name, language, 'categories')} {said_number(n, language)}" for name, n in ranked
    ]
    return ", ".join(named) + "." if named else ""


def _new_people(ctx: StepContext, people: pd.DataFrame, language: str) -> Line:
    """Who joined in the last 7 days, as requesters and as volunteers."""
    week_ago = ctx.now - dt.timedelta(days=7)
    first_seen = pd.to_datetime(people["first_seen"], errors="coerce", format="ISO8601")
    new = people[first_seen >= pd.Timestamp(week_ago.date())]
    asking = int(new["roles"].str.contains("requester").sum())
    offering = int(new["roles"].str.contains("volunteer").sum())
    return Line(
        "people.new_this_week",
        translate(language, "New people"),
        _n(len(new)),
        translate(
            language,
            "%(asking)s asking for help, %(offering)s offering it.",
            asking=said_number(asking, language),
            offering=said_number(offering, language),
        )
        if len(new)
        else "",
    )


def _network(ctx: StepContext, people: pd.DataFrame, computed: Outcomes, language: str) -> Section:
    """Who is in the network, and is the work shared? The two busiest people's share of
    the last four weeks' tasks."""
    # The note goes into the organizers' email too: people as far as their consent allows.
    policy = Policy(records_of(ctx.frames["people"]), ctx.config.privacy.sensitive_categories)
    share = work_share(computed.helps, ctx.now.date())
    cfg = ctx.config.load
    percent = round(100 * share.top_share)
    warning = share.tasks >= cfg.share_min_tasks and share.top_share > cfg.top_two_share
    note = ""
    if warning:
        named = [
            translate(
                language,
                "%(person)s with %(tasks)s",
                person=policy.for_organizers(p),
                tasks=said_number(n, language),
            )
            for p, n in share.top
        ]
        who = functools.reduce(
            lambda one, other: translate(language, "%(one)s and %(other)s", one=one, other=other),
            named,
        )
        note = translate_plural(
            language,
            "%(who)s holds %(percent)s%% of the last %(weeks)s weeks' tasks. One or two people "
            "are carrying most of the work: check in with them, and spread new tasks more "
            "widely (see the Load tab).",
            "%(who)s hold %(percent)s%% of the last %(weeks)s weeks' tasks. One or two people "
            "are carrying most of the work: check in with them, and spread new tasks more "
            "widely (see the Load tab).",
            len(named),
            who=who,
            percent=said_number(percent, language),
            weeks=said_number(MONTH_WEEKS, language),
        )
    return Section(
        "network",
        translate(
            language,
            "The network, and its work in the last %(weeks)s weeks",
            weeks=said_number(MONTH_WEEKS, language),
        ),
        [
            Line(
                "people.total",
                translate(language, "People in the network"),
                _n(len(people)),
                _who(people, language),
            ),
            Line(
                "work.tasks_4_weeks",
                translate(language, "Tasks taken on (accepted or done)"),
                _n(share.tasks),
                translate_plural(language, "By %(num)s person.", "By %(num)s people.", share.people)
                if share.people
                else "",
            ),
            Line(
                TOP_TWO_SHARE,
                translate(language, "Share of those tasks held by the two busiest people (%%)"),
                _n(percent),
                note,
                keep=warning,
            ),
        ],
    )


def _who(people: pd.DataFrame, language: str) -> str:
    """Who the people are, e.g. "23 volunteers. 1 household (…)"."""
    volunteers = int(people["roles"].str.contains("volunteer").sum())
    households = int(people["household"].replace("", pd.NA).nunique())
    parts = [translate_plural(language, "%(num)s volunteer.", "%(num)s volunteers.", volunteers)]
    if households:
        parts.append(
            translate_plural(
                language,
                "%(num)s household (different people sharing a phone or an email).",
                "%(num)s households (different people sharing a phone or an email).",
                households,
            )
        )
    return " ".join(parts)
