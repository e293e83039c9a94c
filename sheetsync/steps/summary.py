"""summary: the Summary tab's figures, one row per figure with a stable key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import ROW, frame_of


def run(ctx: StepContext) -> StepResult:
    """Recompute every figure; rows are keyed by `metric`, so only changed values are written."""
    needs = ctx.frames["needs"]
    # A row linked to an earlier person (duplicate_of) is not another person.
    people = ctx.frames["people"][ctx.frames["people"]["duplicate_of"] == ""]
    errors = ctx.frames["errors"]
    categories = ctx.forms["requests"].schema.field("categories").enum or ()
    week_ago = ctx.now - dt.timedelta(days=7)

    figures: list[tuple[str, str, str, float]] = []

    def add(section: str, item: str, key: str, value: float) -> None:
        figures.append((section, item, key, value))

    status = needs["status"]
    for name in ("open", "matched", "met", "withdrawn", "duplicate"):
        add("Needs by status", name, f"needs.status.{name}", int((status == name).sum()))
    waiting = needs[status == "open"]
    met = needs[status == "met"]
    unmet = needs[status.isin(["open", "matched"])]
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
        int((opened < week_ago).sum()),
    )

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

    waiting_errors = errors[(errors["status"] == "open") & (errors["fixed"].str.strip() == "")]
    add(
        "Errors",
        "Form responses waiting to be fixed (Errors tab)",
        "errors.open",
        len(waiting_errors),
    )

    duplicates = ctx.frames["duplicates"]
    add(
        "Duplicates",
        "Pairs of people waiting for your decision (Duplicates tab)",
        "duplicates.to_review",
        int((duplicates["status"] == "to review").sum()),
    )
    add(
        "Duplicates",
        "Households (different people sharing a phone or an email)",
        "people.households",
        people["household"].replace("", pd.NA).nunique(),
    )

    # A row copied by hand would repeat a metric: the first one is the one sheetsync updates.
    old = ctx.frames["summary"].drop_duplicates("metric").set_index("metric")
    records: list[dict[str, Any]] = []
    for section, item, key, value in figures:
        row = int(str(old.at[key, ROW])) if key in old.index else 0
        records.append(
            {"section": section, "item": item, "value": _number(value), "metric": key, ROW: row}
        )
    known = {key for _, _, key, _ in figures}
    # Figures no longer computed keep their rows: sheetsync never deletes a row.
    kept = ctx.frames["summary"][~ctx.frames["summary"]["metric"].isin(known)]
    frame: pd.DataFrame = pd.concat(
        [kept, frame_of(records, ctx.schemas["summary"])], ignore_index=True
    )
    return StepResult(frames={"summary": frame}, counts={"figures": len(figures)})


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
