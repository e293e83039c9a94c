"""A month of a network's life, hour by hour, on a fake clock: issue 20's follow-up tried as
cron would run it.

`MonthSim(folder, seed=...)` generates a small network (histories.HistorySim) in
America/New_York with the organizers' alerts and digests going to an outbox folder. `play()`
then moves the clock on every hour (at :00 and :15) from START to END, across the night the
clocks fall back (2026-11-01), and at each step calls scheduling.tick.tick() with the real
jobs/ (the weekly job on Mondays at 07:00, the hourly one at :15). Between ticks come the
month's events, drawn from the seed: new requests (Today, This week or When someone can) at
random hours, organizers typing what each volunteer answers (some never answer, some accept
and never finish, some accept and finish by their due date), new volunteers, capacity
changes, a red check-in. After every tick that ran a job, the oracle (month_oracle) reads the
tabs and the outbox.

Each volunteer's way of answering comes from their person id and the seed (`manner`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sheetsync.backends.base import CellUpdate, TabChanges, Value
from sheetsync.demo import NetworkSize
from sheetsync.jobs import Job, jobs_folder, list_jobs
from sheetsync.members import parse_datetime
from sheetsync.report import RunOutcome
from sheetsync.scheduling.tick import TickAction, TickResult, tick
from sheetsync.state import State
from sheetsync.tables import records_of
from sheetsync_testkit.histories import HistorySim
from sheetsync_testkit.month_oracle import MonthOracle, status

TZ = "America/New_York"
START = dt.datetime(2026, 10, 19, 0, 0)  # a Monday; the clocks fall back on 2026-11-01
END = dt.datetime(2026, 11, 16, 0, 0)
ORGANIZERS = ["organizer1@example.org", "organizer2@example.org"]
# A network small enough for a month of hourly runs, with room for about a request a day
# per two volunteers.
MONTH = NetworkSize(
    "month", requesters=8, volunteers=14, both=2, requests=10, offers=14, checkins=6
)
URGENCY_WEIGHTS = {"Today": 0.35, "This week": 0.25, "When someone can": 0.40}


class Manner(StrEnum):
    """How a volunteer answers the proposals organizers pass on."""

    SILENT = "never answers"
    NEVER_DONE = "accepts, never marks done"
    FINISHES = "accepts and finishes"


def manner(person_id: str, seed: int) -> Manner:
    roll = int(hashlib.sha256(f"{seed}:{person_id}".encode()).hexdigest()[:8], 16) % 10
    return Manner.SILENT if roll < 3 else Manner.NEVER_DONE if roll < 5 else Manner.FINISHES


def month_settings(folder: Path) -> dict[str, Any]:
    return {
        "network": {"timezone": TZ},
        "email": {"organizers": ORGANIZERS, "outbox": str(folder / "outbox")},
    }


@dataclass
class MonthSim:
    """A network driven hour by hour through tick(), checked by MonthOracle after each run."""

    folder: Path
    seed: int = 20
    start: dt.datetime = START
    end: dt.datetime = END
    requests_per_hour: float = 0.15
    size: NetworkSize = MONTH
    settings: dict[str, Any] = field(default_factory=dict)  # sheetsync.toml sections over ours
    ticks: list[TickResult] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.sim = HistorySim(
            self.folder,
            size=self.size,
            seed=self.seed,
            now=self.start,
            settings={**month_settings(self.folder), **self.settings},
        )
        self.config = self.sim.config
        self.tz = ZoneInfo(TZ)
        self.rng = random.Random(self.seed)
        self.jobs: list[Job] = list_jobs(jobs_folder(self.config))
        self.oracle = MonthOracle(self.config, self.config.email.outbox or self.folder / "outbox")
        self.opted_in = False
        self._ran: list[str] = []

    # The clock

    def hours(self) -> list[dt.datetime]:
        """Each tick's local wall-clock time: every real half hour from start to end, at :00
        and :15 local (fall back: the hour from 01:00 comes twice, ticks and all)."""
        first = self.start.replace(tzinfo=self.tz).astimezone(dt.UTC)
        last = self.end.replace(tzinfo=self.tz).astimezone(dt.UTC)
        times, at = [], first
        while at <= last:
            for minutes in (0, 15):
                local = (at + dt.timedelta(minutes=minutes)).astimezone(self.tz)
                times.append(local.replace(tzinfo=None))
            at += dt.timedelta(hours=1)
        return times

    def play(self) -> MonthOracle:
        """The whole month; returns the oracle with what it found."""
        for now in self.hours():
            self.step(now)
        self.oracle.check_emails(self.sim.state(), self.end, self._levels())
        return self.oracle

    def step(self, now: dt.datetime) -> list[TickResult]:
        """One tick at `now`, then the oracle after a run, then the events of the next
        quarter hours (between this tick and the next)."""
        self.sim.flush()
        self.sim.clock = now
        self._ran = []
        results = tick(self.config, self.jobs, now, self._run, self._last_runs)
        self.ticks.extend(results)
        if self._ran:
            state = self.sim.state()
            self.oracle.after_run(state, now, weekly="weekly" in self._ran)
            self._after_run(state, now)
        return results

    def _run(self, job: Job) -> RunOutcome:
        report = self.sim.run_job(job.name)
        self._ran.append(job.name)
        self.counts[f"runs {job.name}"] += 1
        return report.outcome

    def _last_runs(self) -> dict[str, dt.datetime]:
        return {r.job: r.now for r in self.sim.runs}

    def _levels(self) -> set[str]:
        followup = self.config.followup
        return {label for u in URGENCY_WEIGHTS for label, _ in followup.levels(u)}

    # Between runs

    def _after_run(self, state: State, now: dt.datetime) -> None:
        """What comes in before the next run: organizers' answers now, forms a little later."""
        if not self.opted_in or "weekly" in self._ran:  # organizers' Monday round
            self._opt_in(state)
        self._answer(state, now)
        at = now + dt.timedelta(minutes=20)
        if now.minute == 15 and self.rng.random() < self.requests_per_hour:
            self._new_request(at)
        day = (now.date() - self.start.date()).days
        if now.minute == 15 and now.hour == 10 and day % 7 == 2:  # Wednesdays: a newcomer
            self.sim.clock = at
            self.sim.new_offer(self.rng.randrange(1_000_000))
            self.counts["new volunteers"] += 1
        if now.minute == 15 and now.hour == 18 and day % 7 == 4:  # Fridays: a capacity change
            self.sim.clock = at
            if self.sim.change_capacity(self.rng.randrange(1_000_000), self.rng.randint(1, 3)):
                self.counts["capacity changes"] += 1
        if now.minute == 15 and now.hour == 9 and day == 9:  # a red check-in, once
            self.sim.clock = at
            if self.sim.check_in(self.rng.randrange(1_000_000), "red", 0, False):
                self.counts["red check-ins"] += 1

    def _new_request(self, at: dt.datetime) -> None:
        known = [i for i, p in enumerate(self.sim.people) if p.first and (p.phone or p.email)]
        urgency = self.rng.choices(list(URGENCY_WEIGHTS), list(URGENCY_WEIGHTS.values()))[0]
        self.sim.clock = at - dt.timedelta(minutes=7)  # request() moves the clock 7 minutes on
        self.sim.request(self.rng.choice(known), self.rng.randrange(1_000_000), urgency=urgency)
        self.counts[f"requests {urgency}"] += 1

    def _opt_in(self, state: State) -> None:
        """Organizers mark weekly_email yes for volunteers with an email not marked yet: every
        one who accepts and never finishes (so that reminders go out), every other one
        besides (by id)."""
        table = state.tables["people"]
        column = table.columns["weekly_email"] + 1
        updates = [
            CellUpdate(int(p["_row"]), column, "yes")
            for p in records_of(table.frame)
            if "volunteer" in p["roles"]
            and p["email"]
            and not p["weekly_email"].strip()
            and (
                int("0" + "".join(filter(str.isdigit, p["person_id"]))) % 2 == 0
                or manner(p["person_id"], self.seed) == Manner.NEVER_DONE
            )
        ]
        if updates:
            change = TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=updates)
            self.sim.backend.apply([change])
        self.counts["opted in"] += len(updates)
        self.opted_in = True

    def _answer(self, state: State, now: dt.datetime) -> None:
        """Organizers type what volunteers answered: a proposal accepted a few hours on (a
        due date typed for half of them), an accepted task done on its due day by those
        who finish; silent volunteers' proposals stay proposed."""
        table = state.tables["tasks"]
        urgency = {n["need_id"]: n["urgency"] for n in records_of(state.tables["needs"].frame)}
        updates: list[CellUpdate] = []

        def write(row: int, column: str, value: Value) -> None:
            updates.append(CellUpdate(row, table.columns[column] + 1, value))

        for task in records_of(table.frame):
            row, how = int(task["_row"]), manner(task["volunteer_id"], self.seed)
            proposed = parse_datetime(str(task["proposed"]))
            if status(task) == "proposed" and how != Manner.SILENT and proposed is not None:
                delay = 1 + int(hashlib.sha256(task["task_id"].encode()).hexdigest()[:2], 16) % 5
                if now - proposed >= dt.timedelta(hours=delay):
                    write(row, "status", "accepted")
                    if row % 2:
                        days = 1 if urgency.get(task["need_id"]) == "Today" else 3
                        write(row, "due", now.date() + dt.timedelta(days=days))
                    self.counts["accepted"] += 1
            elif status(task) == "accepted" and how == Manner.FINISHES:
                due = _day(task["due"]) or _day(task["due_from_urgency"])
                if due is not None and due <= now.date() and now.hour >= 17:
                    write(row, "status", "done")
                    write(row, "hours", 2)
                    self.counts["done"] += 1
        if updates:
            change = TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=updates)
            self.sim.backend.apply([change])

    def ran(self, action: TickAction) -> int:
        return sum(r.action == action for r in self.ticks)


def _day(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None
