"""A demo network with a past: weeks of form responses arriving, the weekly job running,
and organizers moving tasks on, so the demo's Load tab has something to show.

Each simulated week the responses of that week arrive, the real weekly job runs at that
week's Monday morning, and a simulated organizer answers the proposals (most accepted,
some declined, some left waiting), marks past tasks done with their hours (a few stay
overdue), and, as busy organizers do, hands a few open needs straight to one go-to
volunteer by phone. That last habit is what the Load tab is for.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sheetsync.backends.base import Backend, CellUpdate, TabChanges, Value
from sheetsync.config import Config
from sheetsync.demo.feedback import answer_feedback, use_demo_key
from sheetsync.demo.recurring import agree_to_continue
from sheetsync.jobs import find_job, run_job
from sheetsync.members import split_list
from sheetsync.normalize import parse_date
from sheetsync.state import read_state
from sheetsync.tables import Table, records_of

GO_TO_TASKS = 3  # open needs handed to the go-to volunteer each week


@dataclass
class History:
    runs: int = 0
    go_to: str = ""  # the go-to volunteer's person id


def play_history(
    backend: Backend,
    config: Config,
    later: Mapping[str, tuple[str, Sequence[list[Value]]]],
    *,
    weeks: int,
    now: dt.datetime,
    seed: int = 11,
) -> History:
    """Append `later` responses (form -> (tab, rows, Timestamp first)) week by week, running
    the weekly job and a simulated organizer after each week; then append the rest."""
    rng = random.Random(seed)
    history = History()
    sent = dict.fromkeys(later, 0)
    job = find_job("weekly", config)
    use_demo_key(config)  # the same feedback codes on every machine
    for k in range(weeks, 0, -1):
        t = (now - dt.timedelta(days=7 * k)).replace(hour=7, minute=0, second=0)
        _arrive(backend, later, sent, until=t)
        run_job(job, backend, config, now=t)
        history.runs += 1
        history.go_to = _organize(backend, config, t, rng, history.go_to)
        agree_to_continue(backend, config)  # a recurring need's volunteer continues
        answer_feedback(backend, config, t)  # those asked after help answer the form
    _arrive(backend, later, sent, until=None)
    return history


def _arrive(
    backend: Backend,
    later: Mapping[str, tuple[str, Sequence[list[Value]]]],
    sent: dict[str, int],
    until: dt.datetime | None,
) -> None:
    changes = []
    for form, (tab, rows) in later.items():
        start = sent[form]
        end = start
        while end < len(rows) and (until is None or _stamp(rows[end][0]) <= until):
            end += 1
        if end > start:
            n_rows = len(backend.read_tabs([tab])[tab].rows)
            changes.append(TabChanges(tab=tab, start_row=n_rows + 1, append=list(rows[start:end])))
            sent[form] = end
    if changes:
        backend.apply(changes)


def _stamp(value: Value) -> dt.datetime:
    # A response with a broken Timestamp (the demo's deliberate mess) arrives last.
    return value if isinstance(value, dt.datetime) else dt.datetime.max


def _organize(
    backend: Backend, config: Config, t: dt.datetime, rng: random.Random, go_to: str
) -> str:
    """One week of an organizer's answers on the Tasks tab. Returns the go-to volunteer."""
    state = read_state(backend, config)
    tasks = state.tables["tasks"]
    today = t.date()
    updates: list[CellUpdate] = []

    def write(row: int, column: str, value: Value) -> None:
        # An organizer types a status in the network's words ("aceptada" in Spanish).
        typed = tasks.written(column, value) if isinstance(value, str) else value
        updates.append(CellUpdate(row, tasks.columns[column] + 1, typed))

    for task in records_of(tasks.frame):
        row, status = int(task["_row"]), task["status"].strip().casefold()
        due = parse_date(task["due"], dayfirst=False)
        if status == "proposed":
            roll = rng.random()
            if roll < 0.8:
                write(row, "status", "accepted")
                write(row, "due", today + dt.timedelta(days=rng.randint(1, 5)))
            elif roll < 0.9:
                write(row, "status", "declined")
        elif status == "accepted" and due is not None and due <= today and rng.random() < 0.85:
            write(row, "status", "done")
            write(row, "hours", rng.choice([1, 1.5, 2, 2, 3, 4]))
    first_week = not go_to
    go_to = go_to or _pick_go_to(state.tables["people"])
    hand = _hand_over(state.tables, tasks, go_to, today, rng)
    changes = [TabChanges(tab=tasks.tab, start_row=tasks.n_rows + 1, update=updates, append=hand)]
    if first_week:
        changes.append(_opt_in(state.tables["people"], go_to))
    backend.apply(changes)
    return go_to


def _opt_in(people: Table, go_to: str, others: int = 2) -> TabChanges:
    """Volunteers who asked for their weekly email: the go-to one and a couple more, the
    last of whom is marked do-not-contact (the digest must skip them, and say so)."""
    volunteers = [
        p
        for p in records_of(people.frame)
        if "volunteer" in p["roles"] and p["email"] and not p["duplicate_of"]
    ]
    chosen = [p for p in volunteers if p["person_id"] == go_to]
    chosen += [p for p in volunteers if p["person_id"] != go_to][:others]
    column = people.columns["weekly_email"] + 1
    update = [CellUpdate(int(p["_row"]), column, "yes") for p in chosen]
    if len(chosen) > 1:  # one of them later asked not to be contacted at all
        mark = CellUpdate(int(chosen[-1]["_row"]), people.columns["do_not_contact"] + 1, "yes")
        update.append(mark)
    return TabChanges(tab=people.tab, start_row=people.n_rows + 1, update=update)


def _pick_go_to(people: Table) -> str:
    """The volunteer who offers the most kinds of help: the one everybody calls."""
    volunteers = [
        p
        for p in records_of(people.frame)
        if "volunteer" in p["roles"] and not p["duplicate_of"] and p["checkin_status"] != "red"
    ]
    best = max(volunteers, key=lambda p: (len(split_list(p["offers"])), p["person_id"]))
    return str(best["person_id"])


def _hand_over(
    tables: Mapping[str, Table], tasks: Table, go_to: str, today: dt.date, rng: random.Random
) -> list[list[Value]]:
    """Tasks rows an organizer types by hand: open needs given to the go-to volunteer."""
    people = {p["person_id"]: p for p in records_of(tables["people"].frame)}
    offers = split_list(people[go_to]["offers"])
    open_needs = [
        n
        for n in records_of(tables["needs"].frame)
        if n["status"] == "open" and n["category"] in offers and n["person_id"] != go_to
    ]
    rows = []
    for need in open_needs[:GO_TO_TASKS]:
        values: dict[str, Any] = {
            "need_id": need["need_id"],
            "volunteer_id": go_to,
            "category": need["category"],
            "zone": need["zone"],
            "status": tasks.written("status", "accepted"),
            # Due in the coming days: the week's GO_TO_TASKS shifts all fall in the next
            # week, whatever else the organizer's answers drew.
            "due": today + dt.timedelta(days=rng.randint(1, 4)),
            "notes": "Asked by phone",
        }
        by_column = {i: name for name, i in tasks.columns.items()}
        rows.append([values.get(by_column.get(i, "")) for i in range(len(tasks.header))])
    return rows
