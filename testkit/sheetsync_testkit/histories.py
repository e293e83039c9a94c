"""A network's history, run after run: a generated network in a local workbook, then the
events organizers and forms bring between runs, and the truth behind them.

`HistorySim(folder, size=..., seed=...)` generates a network (sheetsync.demo), writes it to
`folder/network.xlsx` and keeps, for every form response, the true person behind it. Its
event methods then act as a form or an organizer would, through the backend only: a form
appends a response row; an organizer edits a cell they own (Tasks status, Load rest_until,
People do_not_contact) or types a Tasks row. `run_weekly()` and `run_hourly()` run the real
jobs at the history's clock. Each event takes a `pick` (any int) that chooses whom it is
about, so hypothesis can drive it; it returns what it did (ids and counts only), or None
when nobody fits.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetsync.backends.base import CellUpdate, TabChanges, Value
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config
from sheetsync.demo import CATEGORIES, CHECKIN_STATUSES, URGENCIES, NetworkSize, generate
from sheetsync.demo.attribution import AttributionScore, pair_counts
from sheetsync.jobs import Job, find_job, run_job
from sheetsync.report import RunReport
from sheetsync.schema import load_schemas
from sheetsync.state import FORM_SCHEMAS, State, read_state
from sheetsync.tables import Table, records_of

ZONES = ("Northside", "Eastside", "Southside", "Westside", "Downtown")
START = dt.datetime(2026, 11, 23, 7, 0)  # a Monday, when the weekly job runs
# Small enough for a hypothesis example to run in a second, with volunteers enough to match.
SMALL = NetworkSize(
    "history", requesters=10, volunteers=18, both=3, requests=14, offers=20, checkins=8
)
# Names new people arrive with: each has a variant a resubmission can use.
NEW_NAMES = (
    ("Gerald", "Moore"),
    ("Robert", "Nguyen"),
    ("William", "Okafor"),
    ("Katherine", "Silva"),
    ("Wei", "Zhang"),
    ("娜", "李"),  # written 李娜: family name first
    ("伟", "王"),
    ("Margaret", "Haddad"),
)
HOUSEHOLD_NAMES = (
    "Ana",
    "Luis",
    "Rosa",
    "Tomas",
    "Ines",
    "Pablo",
    "Marta",
    "Hugo",
    "Elena",
    "Ivan",
)
NICKNAMES = {"Robert": "Bob", "William": "Bill", "Katherine": "Kate", "Margaret": "Maggie"}
VARIANTS = ("typo", "swap", "spacing", "nickname")
STATUS_WORDS = {
    "green": CHECKIN_STATUSES[0],
    "yellow": CHECKIN_STATUSES[1],
    "red": CHECKIN_STATUSES[2],
}


def history_config(folder: Path, settings: Mapping[str, Any] | None = None) -> Config:
    """A network config on folder/network.xlsx, as the tests' make_config writes it;
    `settings` adds or replaces sections (a section's keys over the defaults')."""
    data: dict[str, Any] = {
        "network": {
            "name": "History network",
            "zones": list(ZONES),
            "default_region": "US",
            "timezone": "America/Chicago",
        },
        "backend": {"kind": "local", "workbook": str(folder / "network.xlsx")},
    }
    for section, values in (settings or {}).items():
        data[section] = {**data.get(section, {}), **values}
    return Config.from_dict(data, base_dir=folder)


@dataclass
class Person:
    """A true person, as they answer forms (their first answers; a variant changes a name)."""

    first: str
    last: str
    phone: str
    email: str
    zone: str
    languages: str = ""
    availability: str = ""
    offer: dict[str, Value] | None = None  # their latest offer's answers
    requested: bool = False
    written: str = ""  # the name as they write it, when not "first last" (CJK: family first)

    @property
    def cjk(self) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in self.name)

    @property
    def name(self) -> str:
        return self.written or " ".join(filter(None, (self.first, self.last)))


def name_variant(person: Person, variant: str) -> str | None:
    """The person's name as they might write it another time; None when it has no such
    variant: a typo at the end of the given name, given and family names swapped, CJK
    spacing (李娜 / 李 娜), a nickname."""
    if variant == "spacing":
        if not person.cjk:
            return None
        squeezed = "".join(person.name.split())
        return squeezed if squeezed != person.name else f"{squeezed[0]} {squeezed[1:]}"
    if person.cjk or not person.last:
        return None
    if variant == "typo" and len(person.first) >= 3:
        first = person.first[:-1] + person.first[-2] + person.first[-1]  # Gerald -> Geralld
        return f"{first} {person.last}"
    if variant == "swap":
        return f"{person.last} {person.first}"
    if variant == "nickname" and person.first in NICKNAMES:
        return f"{NICKNAMES[person.first]} {person.last}"
    return None


@dataclass
class HandMade:
    """A violation an organizer made on purpose: sheetsync must report it."""

    code: str
    ids: tuple[str, ...]


@dataclass
class RunRecord:
    job: str
    now: dt.datetime
    report: RunReport


@dataclass
class HistorySim:
    """A generated network on a workbook, with events between runs and the truth kept."""

    folder: Path
    size: NetworkSize = SMALL
    seed: int = 1
    now: dt.datetime = START
    people: list[Person] = field(default_factory=list)
    truth: dict[str, list[int]] = field(default_factory=dict)  # form -> person per response
    households: set[tuple[int, int]] = field(default_factory=set)  # pairs of true people
    hand_made: list[HandMade] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    settings: Mapping[str, Any] = field(default_factory=dict)  # sheetsync.toml over the defaults

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = history_config(self.folder, self.settings)
        assert self.config.workbook is not None
        self.backend = WorkbookBackend(self.config.workbook)
        self.schemas = load_schemas()
        self.rng = random.Random(self.seed)
        self.clock = self.now
        self._serial = 0
        self._pending: dict[str, list[list[Value]]] = {}
        network = generate(self.size, now=self.now, zones=ZONES, seed=self.seed)
        rows = {f: [self._row(f, r) for r in rs] for f, rs in network.responses.items()}
        init_spreadsheet(self.backend, self.config, form_rows=rows)
        self.truth = {form: list(ids) for form, ids in network.truth.person_ids.items()}
        self._learn_people(network.responses, network.truth.invalid_rows)
        for pair in network.truth.households:
            a = self.truth[pair.first.form][pair.first.row]
            b = self.truth[pair.second.form][pair.second.row]
            self.households.add((min(a, b), max(a, b)))

    # Setting up

    def _row(self, form: str, answers: Mapping[str, Value]) -> list[Value]:
        return [answers.get(n, "") for n in self.schemas[FORM_SCHEMAS[form]].names]

    def _learn_people(
        self, responses: Mapping[str, Sequence[Mapping[str, Value]]], invalid: set[Any]
    ) -> None:
        """Each true person's answers, from their first valid response."""
        known: dict[int, Person] = {}
        bad = {(r.form, r.row) for r in invalid}
        for form in ("offers", "requests", "checkins"):
            for i, answers in enumerate(responses[form]):
                who = self.truth[form][i]
                if (form, i) in bad:
                    continue
                person = known.get(who)
                if person is None:
                    written = " ".join(str(answers["name"]).split())
                    first, _, last = written.partition(" ")
                    person = Person(
                        first,
                        last,
                        str(answers.get("phone", "")),
                        str(answers.get("email", "")),
                        str(answers.get("zone", "")) or ZONES[0],
                        str(answers.get("languages", "")),
                        str(answers.get("availability", "")),
                        written=written if written != f"{first} {last}" else "",
                    )
                    known[who] = person
                if form == "offers":
                    person.offer = dict(answers)
                person.requested |= form == "requests"
        top = max((p for ids in self.truth.values() for p in ids), default=-1)
        self.people = [known.get(i) or Person("", "", "", "", ZONES[0]) for i in range(top + 1)]

    # Time and runs

    def tick(self, minutes: int = 7) -> dt.datetime:
        self.clock += dt.timedelta(minutes=minutes)
        return self.clock

    def run_weekly(self) -> RunReport:
        """The weekly job, next Monday at 07:00."""
        days = (7 - self.clock.weekday()) % 7 or 7
        self.clock = (self.clock + dt.timedelta(days=days)).replace(hour=7, minute=0)
        return self._run("weekly")

    def run_hourly(self) -> RunReport:
        """The hourly job (forms intake and duplicates), an hour on."""
        self.clock += dt.timedelta(hours=1)
        return self._run("intake")

    def run_job(self, job: str) -> RunReport:
        """A job (by name) at the history's clock, as tick would run it."""
        return self._run(job)

    def _run(self, job: str) -> RunReport:
        self.flush()
        report = run_job(find_job(job, self.config), self.backend, self.config, now=self.clock)
        self.runs.append(RunRecord(job, self.clock, report))
        return report

    def state(self) -> State:
        self.flush()
        return read_state(self.backend, self.config)

    # Forms

    def _append(self, form: str, answers: dict[str, Value], who: int) -> None:
        """A form response, written with the others waiting at the next read or run (the
        form tabs are the forms' alone: the history knows how many rows each holds)."""
        self._pending.setdefault(form, []).append(self._row(form, answers))
        self.truth[form].append(who)

    def flush(self) -> None:
        """Write the responses waiting, each form's below its last row, in one go."""
        changes = []
        for form, rows in self._pending.items():
            start = len(self.truth[form]) - len(rows) + 2  # header on row 1
            changes.append(TabChanges(tab=self.config.form_tab(form), start_row=start, append=rows))
        if changes:
            self.backend.apply(changes)
        self._pending = {}

    def _pick(self, candidates: Sequence[int], pick: int) -> int | None:
        return candidates[pick % len(candidates)] if candidates else None

    def new_person(self, pick: int, *, volunteer: bool, household_of: int | None = None) -> int:
        """Someone new (or a new member of a household: same phone and surname, a given name
        of their own) sends a request or an offer."""
        first, last = NEW_NAMES[pick % len(NEW_NAMES)]
        self._serial += 1
        phone = f"(415) 555-{9000 + self._serial:04d}"
        email = f"history{self._serial}@example.net"
        zone = ZONES[pick % len(ZONES)]
        who = len(self.people)
        if household_of is not None:
            head = self.people[household_of]
            taken = {p.first for p in self.people if p.phone == head.phone}
            first = next(g for g in HOUSEHOLD_NAMES if g not in taken)  # a name of their own
            last, phone, zone = head.last, head.phone, head.zone
            email = ""
            self.households.add((household_of, who))
        person = Person(first, last, phone, email, zone, "English", "Weekends")
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            person.written = last + first
        self.people.append(person)
        if volunteer:
            self.offer(who, capacity=1 + pick % 3)
        else:
            self.request(who, pick)
        return who

    def new_household_member(self, pick: int) -> str | None:
        sizes: dict[str, int] = defaultdict(int)
        for p in self.people:
            sizes[p.phone] += 1
        heads = [
            i
            for i, p in enumerate(self.people)
            if p.phone and p.requested and not p.cjk and sizes[p.phone] < len(HOUSEHOLD_NAMES)
        ]
        head = self._pick(heads, pick)
        if head is None:
            return None
        who = self.new_person(pick, volunteer=False, household_of=head)
        return self._did(f"household member {who} of {head}")

    def request(
        self, who: int, pick: int, name: str | None = None, urgency: str | None = None
    ) -> None:
        person = self.people[who]
        answers: dict[str, Value] = {
            "timestamp": self.tick(),
            "name": name or person.name,
            "phone": person.phone,
            "email": person.email,
            "zone": person.zone,
            "categories": CATEGORIES[pick % 4],  # the categories most volunteers offer
            "details": "History request",
            "urgency": urgency or URGENCIES[pick % len(URGENCIES)],
            "languages": person.languages,
            "contact_pref": "Text",
            "availability": person.availability,
            "consent": "Yes",
            "offers_note": "",
        }
        person.requested = True
        self._append("requests", answers, who)

    def offer(self, who: int, *, capacity: int, name: str | None = None) -> None:
        person = self.people[who]
        answers: dict[str, Value] = dict(person.offer or {})
        answers.update(
            {
                "timestamp": self.tick(),
                "name": name or person.name,
                "phone": person.phone,
                "email": person.email,
                "zone": person.zone,
                "weekly_capacity": str(capacity),
                "consent": "Yes",
            }
        )
        answers.setdefault("offers", "Groceries, Meals, Medicine pickup, Childcare")
        answers.setdefault("languages", person.languages)
        answers.setdefault("availability", person.availability)
        answers.setdefault("has_car", "Yes")
        person.offer = answers
        self._append("offers", answers, who)

    def _volunteers(self) -> list[int]:
        return [i for i, p in enumerate(self.people) if p.offer and (p.email or p.phone)]

    def _did(self, what: str) -> str:
        self.events.append(what)
        return what

    def new_request(self, pick: int) -> str:
        """Someone known (or new) asks for help."""
        known = [i for i, p in enumerate(self.people) if p.first and (p.phone or p.email)]
        who = self._pick(known, pick)
        if who is None or pick % 5 == 0:
            who = self.new_person(pick, volunteer=False)
            return self._did(f"new requester {who}")
        self.request(who, pick)
        return self._did(f"request by {who}")

    def new_offer(self, pick: int) -> str:
        who = self.new_person(pick, volunteer=True)
        return self._did(f"new volunteer {who}")

    def resubmit(self, pick: int, variant: str) -> str | None:
        """Someone sends a form again under a name variant, with the same phone and email."""
        able = [
            i
            for i, p in enumerate(self.people)
            if p.phone and p.email and name_variant(p, variant) is not None
        ]
        who = self._pick(able, pick)
        if who is None:
            return None
        name = name_variant(self.people[who], variant)
        person = self.people[who]
        if person.offer is not None and pick % 2:
            self.offer(who, capacity=int(str(person.offer.get("weekly_capacity") or 1)), name=name)
        else:
            self.request(who, pick, name=name)
        return self._did(f"resubmission ({variant}) by {who}")

    def change_capacity(self, pick: int, capacity: int) -> str | None:
        """A volunteer sends the offer form again with another weekly capacity."""
        who = self._pick(self._volunteers(), pick)
        if who is None:
            return None
        self.offer(who, capacity=capacity)
        return self._did(f"capacity {capacity} for {who}")

    def check_in(
        self, pick: int, status: str, hours: int | None, first_name_only: bool
    ) -> str | None:
        """A volunteer checks in (green, yellow or red), maybe signing with their first name
        only, with their email (else phone)."""
        who = self._pick([i for i in self._volunteers() if self.people[i].email], pick)
        if who is None:
            return None
        person = self.people[who]
        answers: dict[str, Value] = {
            "timestamp": self.tick(),
            "name": person.first if first_name_only and not person.cjk else person.name,
            "phone": "",
            "email": person.email,
            "checkin_status": STATUS_WORDS[status],
            "checkin_hours": "" if hours is None else str(hours),
            "checkin_note": "",
        }
        self._append("checkins", answers, who)
        return self._did(f"check-in {status} {hours} by {who}")

    # Organizers

    def _update(self, table: Table, row: int, cells: Mapping[str, Value]) -> None:
        """An organizer types `cells` (column -> value) on one row of a tab just read."""
        update = [CellUpdate(row, table.columns[c] + 1, v) for c, v in cells.items()]
        self.backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=update)])

    def kept_volunteer_ids(self, state: State | None = None) -> list[str]:
        people = records_of((state or self.state()).tables["people"].frame)
        return [
            p["person_id"]
            for p in people
            if p["person_id"] and not p["duplicate_of"] and "volunteer" in p["roles"]
        ]

    def rest(self, pick: int) -> str | None:
        """An organizer confirms a rest on the Load tab: rest_until a week from today."""
        table = self.state().tables["load"]
        rows = [
            r
            for r in records_of(table.frame)
            if r["person_id"] and not str(r["rest_until"]).strip()
        ]
        if not rows:
            return None
        row = rows[pick % len(rows)]
        until = (self.clock.date() + dt.timedelta(days=7)).isoformat()
        self._update(table, int(row["_row"]), {"rest_until": until})
        return self._did(f"rest for {row['person_id']}")

    def do_not_contact(self, pick: int) -> str | None:
        state = self.state()
        ids = self.kept_volunteer_ids(state)
        if not ids:
            return None
        pid = ids[pick % len(ids)]
        table = state.tables["people"]
        [row] = [int(p["_row"]) for p in records_of(table.frame) if p["person_id"] == pid]
        self._update(table, row, {"do_not_contact": "yes"})
        return self._did(f"do not contact {pid}")

    def organize(self, pick: int, action: str) -> str | None:
        """An organizer accepts or declines a proposal, or marks an accepted task done."""
        wanted = "accepted" if action == "done" else "proposed"
        table = self.state().tables["tasks"]
        rows = [t for t in records_of(table.frame) if str(t["status"]).strip().casefold() == wanted]
        if not rows:
            return None
        task = rows[pick % len(rows)]
        cells: dict[str, Value] = {"status": action}
        if action == "accepted":
            cells["due"] = self.clock.date() + dt.timedelta(days=1 + pick % 5)
        if action == "done":
            cells["hours"] = 1 + pick % 3
        self._update(table, int(task["_row"]), cells)
        return self._did(f"{action} {task['task_id']}")

    def hand_accept_second(self, pick: int) -> str | None:
        """An organizer types a second accepted task for a need that already has a live one,
        for a volunteer of their choosing: a violation sheetsync must report."""
        state = self.state()
        tasks = records_of(state.tables["tasks"].frame)
        live = [t for t in tasks if str(t["status"]).strip().casefold() in ("proposed", "accepted")]
        volunteers = self.kept_volunteer_ids(state)
        if not live or not volunteers:
            return None
        task = live[pick % len(live)]
        others = [v for v in volunteers if v != task["volunteer_id"]]
        if not others:
            return None
        volunteer = others[pick % len(others)]
        self._serial += 1
        table = state.tables["tasks"]
        values: dict[str, Value] = {
            "task_id": "" if pick % 2 else f"T9{self._serial:03d}",
            "need_id": task["need_id"],
            "volunteer_id": volunteer,
            "category": task["category"],
            "zone": task["zone"],
            "status": "accepted",
            "due": self.clock.date() + dt.timedelta(days=1),
            "notes": "Asked by phone",
        }
        by_column = {i: name for name, i in table.columns.items()}
        row = [values.get(by_column.get(i, ""), "") for i in range(len(table.header))]
        self.backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, append=[row])])
        self.hand_made.append(HandMade("need-overbooked", (task["need_id"],)))
        return self._did(f"hand-accepted a second task on {task['need_id']}")

    def answer_proposals(self, rng: random.Random) -> int:
        """A week of an organizer's answers, in one write: each proposal accepted (60%,
        due within five days), declined (20%) or left waiting; accepted tasks due by today
        mostly marked done with their hours. Returns how many cells were typed."""
        table = self.state().tables["tasks"]
        today = self.clock.date()
        updates: list[CellUpdate] = []

        def write(row: int, column: str, value: Value) -> None:
            updates.append(CellUpdate(row, table.columns[column] + 1, value))

        for task in records_of(table.frame):
            row, status, roll = int(task["_row"]), str(task["status"]).strip(), rng.random()
            if status == "proposed" and roll < 0.6:
                write(row, "status", "accepted")
                write(row, "due", today + dt.timedelta(days=rng.randint(1, 5)))
            elif status == "proposed" and roll < 0.8:
                write(row, "status", "declined")
            elif status == "accepted" and str(task["due"]) <= today.isoformat() and roll < 0.85:
                write(row, "status", "done")
                write(row, "hours", rng.choice([1, 1.5, 2, 3]))
        self.backend.apply([TabChanges(tab=table.tab, start_row=table.n_rows + 1, update=updates)])
        self._did(f"organizer typed {len(updates)} task cells")
        return len(updates)

    # The truth behind People

    def person_of(self, ref: str) -> int | None:
        """The true person behind a response ("Form Responses 1:17")."""
        tab, _, row = ref.rpartition(":")
        for form in self.truth:
            if self.config.form_tab(form) == tab:
                i = int(row) - 2
                return self.truth[form][i] if 0 <= i < len(self.truth[form]) else None
        return None

    # Between weekly runs (issue 20, expire and urgent): time that passes with no run, and
    # a request of a chosen urgency.

    def wait(self, hours: int) -> dt.datetime:
        """Hours pass with no run (the machine was off, a quiet night): the next run comes
        later than an hour on, and finds proposals that waited past their limit."""
        self.clock += dt.timedelta(hours=hours)
        self._did(f"waited {hours} hours")
        return self.clock

    def request_of_urgency(self, pick: int, urgency: str) -> str | None:
        """Someone known sends a request of `urgency` (the form's answer)."""
        known = [i for i, p in enumerate(self.people) if p.first and (p.phone or p.email)]
        who = self._pick(known, pick)
        if who is None:
            return None
        self.request(who, pick)
        self._pending["requests"][-1][self._field("requests", "urgency")] = urgency
        return self._did(f"{urgency} request by {who}")

    def _field(self, form: str, name: str) -> int:
        return self.schemas[FORM_SCHEMAS[form]].names.index(name)


def dedupe_score(sim: HistorySim, state: State) -> AttributionScore:
    """Every response on People, with the kept person it is attributed to and its true
    person, scored pairwise as sheetsync.demo.attribution scores the demo's; a household
    merge is two true people of one household attributed to one kept person."""
    people = records_of(state.tables["people"].frame)
    kept = {p["person_id"]: p["duplicate_of"] or p["person_id"] for p in people if p["person_id"]}
    true_of: dict[str, int] = {}
    attributed: dict[str, str] = {}
    for p in people:
        for ref in str(p["source"]).split("; "):
            who = sim.person_of(ref) if ref else None
            if who is not None:
                true_of[ref] = who
                attributed[ref] = kept.get(p["person_id"], p["person_id"])
    true_pairs, predicted, correct = pair_counts(true_of, attributed)
    people_of: dict[str, set[int]] = defaultdict(set)
    for ref, person in attributed.items():
        people_of[person].add(true_of[ref])
    merges = sum(
        (a, b) in sim.households for group in people_of.values() for a in group for b in group
    )
    return AttributionScore(len(true_of), true_pairs, predicted, correct, merges, unattributed=0)


def play_week(sim: HistorySim, rng: random.Random, *, scale: int, hand_accepts: int = 1) -> None:
    """A week's events between two weekly runs, about `scale` of each kind: organizers'
    answers, new requests and volunteers, resubmissions under name variants, check-ins,
    capacity changes, a do-not-contact mark, and `hand_accepts` second tasks typed by hand.
    (No rests: a fresh run on the final data could not know them; see fresh_run.)"""

    def pick() -> int:
        return rng.randrange(1_000_000)

    sim.answer_proposals(rng)
    for _ in range(3 * scale):
        sim.new_request(pick())
    for _ in range(scale):
        sim.new_offer(pick())
        sim.resubmit(pick(), rng.choice(VARIANTS))
        sim.change_capacity(pick(), rng.randint(0, 4))
        sim.new_household_member(pick())
    for _ in range(2 * scale):
        status = rng.choice(["green", "yellow", "red"])
        sim.check_in(pick(), status, rng.choice([None, 2, 4, 6]), rng.random() < 0.3)
    sim.do_not_contact(pick())
    for _ in range(hand_accepts):
        sim.hand_accept_second(pick())


# A fresh run on the final data

# The organizers' decisions that stay: what they typed in a task's status (a proposal
# nobody answered is sheetsync's, not theirs, and a fresh run makes its own), and the
# proposals that expired: like a decline, the volunteer is never asked that need again.
DECISIONS = ("accepted", "in progress", "done", "declined", "cancelled", "canceled", "expired")


def fresh_run(sim: HistorySim, folder: Path) -> State:
    """One weekly run, at the history's clock, on the history's final data in a new
    workbook: every form response as it stands, and the organizers' decisions that stay
    (Tasks rows accepted, done, declined, cancelled or expired, typed in as an organizer
    would, with their need and volunteer found again by the responses behind them).
    Returns its state."""
    folder.mkdir(parents=True, exist_ok=True)
    config = history_config(folder)
    assert config.workbook is not None
    backend = WorkbookBackend(config.workbook)
    tabs = {form: sim.config.form_tab(form) for form in sim.truth}
    data = sim.backend.read_tabs(list(tabs.values()))
    init_spreadsheet(backend, config, form_rows={f: data[t].rows[1:] for f, t in tabs.items()})
    # Forms into People and Needs only: the hourly job would also propose for urgent needs
    # before the organizers' decisions are in.
    people_and_needs = Job("people and needs", "", ("intake", "dedupe"))
    run_job(people_and_needs, backend, config, now=sim.clock - dt.timedelta(minutes=1))
    old, new = sim.state(), read_state(backend, config)
    table = new.tables["tasks"]
    backend.apply(
        [
            TabChanges(tab=table.tab, start_row=table.n_rows + 1, append=_decisions(old, new)),
            _do_not_contact(old, new),
        ]
    )
    run_job(find_job("weekly", config), backend, config, now=sim.clock)
    return read_state(backend, config)


def _decisions(old: State, new: State) -> list[list[Value]]:
    """The history's decided Tasks rows, with ids of the fresh workbook's People and Needs."""
    need_of = _by_source(new, "needs", "need_id", with_category=True)
    person_of = _by_source(new, "people", "person_id", with_category=False)
    old_need = {n["need_id"]: n for n in records_of(old.tables["needs"].frame)}
    old_person = {p["person_id"]: p for p in records_of(old.tables["people"].frame)}
    table = new.tables["tasks"]
    by_column = {i: name for name, i in table.columns.items()}
    rows: list[list[Value]] = []
    for task in records_of(old.tables["tasks"].frame):
        if " ".join(str(task["status"]).split()).casefold() not in DECISIONS:
            continue
        need = old_need.get(task["need_id"])
        values: dict[str, Value] = {k: task[k] for k in ("category", "zone", "proposed")}
        values.update({k: task[k] for k in ("status", "due", "hours", "notes")})
        values["task_id"] = task["task_id"]
        values["need_id"] = need_of.get(f"{need['source']}|{need['category']}", "") if need else ""
        for column in ("volunteer_id", "co_volunteer_id"):
            person = old_person.get(task[column])
            refs = str(person["source"]).split("; ") if person else []
            values[column] = next((person_of[r] for r in refs if r in person_of), "")
        rows.append([values.get(by_column.get(i, ""), "") for i in range(len(table.header))])
    return rows


def _do_not_contact(old: State, new: State) -> TabChanges:
    """The history's do-not-contact marks, on the fresh People rows behind the same responses."""
    marked = {
        ref
        for p in records_of(old.tables["people"].frame)
        if str(p["do_not_contact"]).strip()
        for ref in str(p["source"]).split("; ")
    }
    people = new.tables["people"]
    column = people.columns["do_not_contact"] + 1
    update = [
        CellUpdate(int(p["_row"]), column, "yes")
        for p in records_of(people.frame)
        if marked & set(str(p["source"]).split("; "))
    ]
    return TabChanges(tab=people.tab, start_row=people.n_rows + 1, update=update)


def _by_source(state: State, logical: str, key: str, *, with_category: bool) -> dict[str, str]:
    """A record's id by the response behind it (Needs: and its category)."""
    found: dict[str, str] = {}
    for record in records_of(state.tables[logical].frame):
        for ref in str(record["source"]).split("; "):
            if ref:
                found[f"{ref}|{record['category']}" if with_category else ref] = record[key]
    return found
