"""An independent oracle for issue 18's invariants, computed from the tabs after a run.

It reads People, Needs, Tasks, Load, Duplicates and Errors as an organizer would and works
out on its own (never through sheetsync's matching code) what must hold after every run:

- a need has at most one live task (proposed or accepted; a status sheetsync does not know
  counts as proposed); the needs of people still "to review" on Duplicates count as one
  need per category;
- a volunteer's live tasks this week are within their current capacity: the tasks a week
  of their newest offer, lowered to floor(check-in hours / hours_per_task) by their latest
  check-in; rows linked by duplicate_of and pairs still to review (unless a pair in the
  chain was marked different) count as one volunteer, holding a task once;
- nobody red, resting or marked do-not-contact (their own and linked rows) holds a
  proposed task;
- after matching, the needs matched are as many as a max-flow bound over the hard
  constraints allows, the accepted tasks that stay being fixed.

A violation is `by_hand` when only organizers' decisions make it: the live tasks sheetsync
proposed itself (they carry its reasons) are not enough to break it. Each must be reported
as an open Errors row (form "sheetsync check", source "<Tab>:<id>", fields = the code).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ortools.graph.python import max_flow

from sheetsync.config import Config
from sheetsync.state import State
from sheetsync.tables import records_of

CHECK_FORM = "sheetsync check"
NEED_OVERBOOKED = "need-overbooked"
OVER_CAPACITY = "over-capacity"
UNAVAILABLE_PROPOSED = "unavailable-proposed"
NOT_MAXIMAL = "not-maximal"
LIVE = ("proposed", "accepted")
KNOWN = {
    "proposed": "proposed",
    "accepted": "accepted",
    "in progress": "accepted",
    "done": "done",
    "declined": "declined",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "withdrawn": "withdrawn",
    "expired": "expired",
}
RIDES = "Rides"


@dataclass(frozen=True)
class Violation:
    """One broken invariant: its code, the tab it is about and the ids an Errors row may name."""

    code: str
    tab: str  # "Needs", "People" or "Tasks"
    ids: frozenset[str]  # any of these may be named in the Errors row's source
    by_hand: bool  # organizers' decisions alone break it: sheetsync must say so, not fix it
    detail: str  # ids and counts only

    @property
    def sources(self) -> set[str]:
        return {f"{self.tab}:{i}" for i in self.ids}


@dataclass
class Check:
    """What the oracle found after one run."""

    violations: list[Violation]
    reported: set[tuple[str, str]]  # (code, source) of the open "sheetsync check" Errors rows
    matched: int  # need groups (see module doc) holding a live task
    bound: int | None  # the most that could be matched; None when matching did not run
    above_bound: int = 0  # matched beyond the bound: only a broken constraint gets there
    bound_exact: bool = True  # False on a very large network (history_oracle.MAX_ARCS)

    def is_reported(self, v: Violation) -> bool:
        if v.code == NOT_MAXIMAL:
            return any(code == NOT_MAXIMAL for code, _ in self.reported)
        return any((v.code, source) in self.reported for source in v.sources)

    @property
    def unreported(self) -> list[Violation]:
        return [v for v in self.violations if not self.is_reported(v)]

    @property
    def by_sheetsync(self) -> list[Violation]:
        """Violations sheetsync made or could have undone (not organizers' doing alone)."""
        return [v for v in self.violations if not v.by_hand]

    def count(self, code: str) -> int:
        return sum(v.code == code for v in self.violations)


@dataclass
class Unit:
    """One volunteer as the invariants see them: kept rows and to-review partners together."""

    uid: str
    ids: set[str] = field(default_factory=set)
    rows: list[dict[str, Any]] = field(default_factory=list)
    resting: bool = False
    resting_ids: set[str] = field(default_factory=set)  # kept ids whose rest is in force

    def union(self, column: str) -> set[str]:
        return {x.strip() for r in self.rows for x in str(r[column]).split(",") if x.strip()}

    # Read once the unit's rows are all in (read_sheet): the bound asks them many times.
    @cached_property
    def offers(self) -> set[str]:
        return self.union("offers")

    @cached_property
    def languages(self) -> set[str]:
        return self.union("languages")

    @cached_property
    def availability(self) -> set[str]:
        return self.union("availability")

    @property
    def volunteer(self) -> bool:
        return "volunteer" in self.union("roles")

    @property
    def latest(self) -> dict[str, Any] | None:
        dated = [r for r in self.rows if r["checkin_date"]]
        if not dated:
            return None
        return max(dated, key=lambda r: (r["checkin_date"], r["checkin_status"] == "red"))

    def capacity(self, hours_per_task: float, offers_tab: str) -> int:
        """Their newest offer's tasks a week (a later, lower offer lowers it, whichever row
        it landed on), lowered by their latest check-in's hours."""
        cap = _whole(_newest_offer(self.rows, offers_tab)["weekly_capacity"])
        latest = self.latest
        if latest is not None and str(latest["checkin_hours"]).strip():
            try:
                hours = float(latest["checkin_hours"])
            except ValueError:
                return cap
            cap = min(cap, math.floor(hours / hours_per_task))
        return cap

    @property
    def red(self) -> bool:
        latest = self.latest
        return latest is not None and latest["checkin_status"] == "red"

    @property
    def do_not_contact(self) -> bool:
        return any(str(r["do_not_contact"]).strip() for r in self.rows)

    @property
    def unavailable(self) -> bool:
        """Anyone in the unit: no new proposal goes to a unit holding someone who may not
        be asked (rows still to review may be the same person)."""
        return self.red or self.resting or self.do_not_contact

    def why_not(self, kept_id: str, kept: dict[str, str]) -> str:
        """Why this one person (their own and linked rows, not rows joined only by review)
        may not be asked: "red", "resting", "do not contact", or ""."""
        own = [r for r in self.rows if _follow(kept, r["person_id"]) == kept_id]
        dated = [r for r in own if r["checkin_date"]]
        latest = max(
            dated, key=lambda r: (r["checkin_date"], r["checkin_status"] == "red"), default=None
        )
        if latest is not None and latest["checkin_status"] == "red":
            return "red"
        if kept_id in self.resting_ids:
            return "resting"
        return "do not contact" if any(str(r["do_not_contact"]).strip() for r in own) else ""

    @cached_property
    def zone(self) -> str:
        own = [r["zone"] for r in self.rows if r["person_id"] == self.uid and r["zone"]]
        return str((own or [r["zone"] for r in self.rows if r["zone"]] or [""])[0])

    @cached_property
    def households(self) -> set[str]:
        return {r["household"] for r in self.rows if r["household"]}

    @cached_property
    def has_car(self) -> bool:
        return any(str(r["has_car"]).strip().casefold() == "yes" for r in self.rows)


@dataclass
class Sheet:
    """The tabs as records, with who is who worked out."""

    people: list[dict[str, Any]]
    needs: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    units: dict[str, Unit]  # unit id -> unit
    unit_of: dict[str, str]  # any person id -> its unit id
    today: dt.date
    kept: dict[str, str] = field(default_factory=dict)  # person id -> duplicate_of or itself

    def unit(self, pid: str) -> Unit | None:
        uid = self.unit_of.get(pid)
        return self.units.get(uid) if uid else None


def read_sheet(state: State, today: dt.date) -> Sheet:
    """People, Needs and Tasks as records, with units: duplicate_of followed to the kept
    person, and pairs still to review on Duplicates joined into one."""
    people = records_of(state.tables["people"].frame)
    kept = {p["person_id"]: p["duplicate_of"] or p["person_id"] for p in people if p["person_id"]}
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        x = _follow(kept, x)
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    pairs = records_of(state.tables["duplicates"].frame)
    # Pairs organizers marked different are never one volunteer, even through a chain of
    # pairs still to review.
    apart = {
        frozenset((_follow(kept, p["person_a"]), _follow(kept, p["person_b"])))
        for p in pairs
        if str(p["status"]).strip() == "kept apart"
    }
    members: dict[str, set[str]] = {}
    for pair in pairs:
        if str(pair["status"]).strip() == "to review" and pair["person_a"] and pair["person_b"]:
            a, b = root(pair["person_a"]), root(pair["person_b"])
            group_a, group_b = members.get(a, {a}), members.get(b, {b})
            if a != b and not any(frozenset((x, y)) in apart for x in group_a for y in group_b):
                low, high = min(a, b), max(a, b)
                parent[high] = low
                members[low] = group_a | group_b
                members.pop(high, None)
    units: dict[str, Unit] = {}
    unit_of: dict[str, str] = {}
    for p in people:
        if not p["person_id"]:
            continue
        uid = root(p["person_id"])
        unit = units.setdefault(uid, Unit(uid))
        unit.ids.add(p["person_id"])
        unit.rows.append(p)
        unit_of[p["person_id"]] = uid
    for row in records_of(state.tables["load"].frame):
        held = units.get(unit_of.get(row["person_id"], ""))
        if held is not None and str(row["rest_status"]).strip() == "resting":
            held.resting = True
            held.resting_ids.add(_follow(kept, row["person_id"]))
    return Sheet(
        people,
        records_of(state.tables["needs"].frame),
        records_of(state.tables["tasks"].frame),
        units,
        unit_of,
        today,
        kept,
    )


def _newest_offer(rows: list[dict[str, Any]], offers_tab: str) -> dict[str, Any]:
    """The row with a capacity whose source cites the offer furthest down the Offer help
    tab (offers come in down the tab); else the row seen last, then the newer id."""

    def newest(row: dict[str, Any]) -> tuple[bool, int, str, str]:
        rows_on_tab = [
            int(ref.rpartition(":")[2])
            for ref in str(row["source"]).split(";")
            if ref.strip().rpartition(":")[0] == offers_tab and ref.rpartition(":")[2].isdigit()
        ]
        return (
            bool(str(row["weekly_capacity"]).strip()),
            max(rows_on_tab, default=0),
            str(row["last_seen"]),
            str(row["person_id"]),
        )

    return max(rows, key=newest)


def _follow(kept: dict[str, str], pid: str) -> str:
    seen = {pid}
    while kept.get(pid, pid) != pid and kept[pid] not in seen:
        pid = kept[pid]
        seen.add(pid)
    return pid


def _whole(text: Any) -> int:
    try:
        return max(0, int(float(str(text))))
    except ValueError:
        return 0


def status_of(task: dict[str, Any]) -> str:
    """A task's status as the invariants read it: unknown or blank counts as proposed."""
    return KNOWN.get(" ".join(str(task["status"]).split()).casefold(), "proposed")


def by_sheetsync(task: dict[str, Any]) -> bool:
    """Whether sheetsync proposed this task (it writes its reasons); else typed by hand."""
    return bool(str(task["reasons"]).strip())


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None


def this_week(task: dict[str, Any], today: dt.date) -> bool:
    """Whether a live task takes room this week: a proposal always; an accepted task unless
    it is dated beyond the coming week."""
    status = status_of(task)
    if status == "proposed":
        return True
    if status != "accepted":
        return False
    on = _date(task["due"]) or _date(task["proposed"])
    return on is None or on <= today + dt.timedelta(days=6)


# Needs


def need_groups(sheet: Sheet) -> dict[str, list[dict[str, Any]]]:
    """Group key -> needs counted as one: a need alone, or the not-yet-met needs of one
    category among people still to review as maybe the same person."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for need in sheet.needs:
        if not need["need_id"] or need["status"] in ("duplicate", "withdrawn"):
            continue
        unit = sheet.unit(need["person_id"])
        joined = unit is not None and len(unit.ids) > 1 and need["status"] != "met"
        key = f"{unit.uid}|{need['category']}" if joined and unit else need["need_id"]
        groups[key].append(need)
    return groups


def _live_by_need(tasks: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    live: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        if status_of(task) in LIVE:
            live[task["need_id"]].append(task)
    return live


def overbooked(sheet: Sheet, groups: dict[str, list[dict[str, Any]]]) -> list[Violation]:
    live = _live_by_need(sheet.tasks)
    found = []
    for needs in groups.values():
        held = [t for n in needs for t in live.get(n["need_id"], [])]
        if len(held) > 1:
            ours = sum(by_sheetsync(t) for t in held)
            ids = frozenset(n["need_id"] for n in needs)
            found.append(
                Violation(
                    NEED_OVERBOOKED,
                    "Needs",
                    ids,
                    by_hand=ours <= 1,
                    detail=f"{sorted(ids)}: {len(held)} live tasks ({ours} proposed by sheetsync)",
                )
            )
    return found


# Volunteers


def _helpers(task: dict[str, Any]) -> list[str]:
    return [p for p in (task["volunteer_id"], task["co_volunteer_id"]) if p]


def over_capacity(sheet: Sheet, config: Config) -> list[Violation]:
    week: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in sheet.tasks:
        if this_week(task, sheet.today):
            # A task takes one place of each volunteer it occupies: a volunteer and their
            # co-volunteer counted as one person hold it once.
            for uid in dict.fromkeys(sheet.unit_of.get(pid, pid) for pid in _helpers(task)):
                week[uid].append(task)
    found = []
    for uid, held in week.items():
        unit = sheet.units.get(uid)
        capacity = (
            unit.capacity(config.matching.hours_per_task, config.form_tab("offers")) if unit else 0
        )
        if len(held) <= capacity:
            continue
        fixed = sum(status_of(t) == "accepted" or not by_sheetsync(t) for t in held)
        found.append(
            Violation(
                OVER_CAPACITY,
                "People",
                frozenset(unit.ids if unit else {uid}),
                by_hand=fixed > capacity,
                detail=f"{uid}: {len(held)} live tasks this week, capacity {capacity}",
            )
        )
    return found


def unavailable_proposed(sheet: Sheet) -> list[Violation]:
    found = []
    for task in sheet.tasks:
        if status_of(task) != "proposed":
            continue
        for pid in _helpers(task):
            unit = sheet.unit(pid)
            why = unit.why_not(_follow(sheet.kept, pid), sheet.kept) if unit else ""
            if unit is None or not why:
                continue
            found.append(
                Violation(
                    UNAVAILABLE_PROPOSED,
                    "Tasks",
                    frozenset({task["task_id"]} if task["task_id"] else set()),
                    by_hand=not by_sheetsync(task),
                    detail=f"task {task['task_id'] or '(no id)'}: {unit.uid} is {why}",
                )
            )
    return found


# The max-flow bound


def fits(need: dict[str, Any], unit: Unit, config: Config) -> bool:
    """The hard constraints one need and one volunteer share, read from docs/matching.md."""
    category = need["category"]
    if category not in unit.offers:
        return False
    langs, theirs = _items(need["languages"]), unit.languages
    if langs and theirs and not langs & theirs:
        return False
    remote = category in config.matching.remote_categories
    near = {need["zone"], *config.matching.neighbours.get(need["zone"], ())}
    if not remote and unit.zone not in near:
        return False
    avail, free = _items(need["availability"]), unit.availability
    if avail and free and not avail & free:
        return False
    return category != RIDES or unit.has_car


def _items(text: Any) -> set[str]:
    return {x.strip() for x in str(text).split(",") if x.strip()}


@dataclass
class Bound:
    matched: int  # groups holding a live task
    fixed: int  # groups holding an accepted task: they stay
    flow: int  # the most other groups that volunteers' room left could take
    exact: bool = True  # False past MAX_ARCS: needs of one kind then share a node


def matching_bound(sheet: Sheet, groups: dict[str, list[dict[str, Any]]], config: Config) -> Bound:
    """The matched count and the most it could be, the accepted tasks that stay fixed."""
    live = _live_by_need(sheet.tasks)
    declined: dict[str, set[str]] = defaultdict(set)
    accepted_week: dict[str, int] = defaultdict(int)
    for task in sheet.tasks:
        status = status_of(task)
        if status in ("declined", "expired"):  # never asked that need again
            declined[task["need_id"]].add(sheet.unit_of.get(task["volunteer_id"], ""))
        if status == "accepted" and this_week(task, sheet.today):
            for pid in _helpers(task):
                accepted_week[sheet.unit_of.get(pid, pid)] += 1
    waiting: list[list[dict[str, Any]]] = []
    matched = fixed = 0
    for needs in groups.values():
        if any(n["status"] == "met" for n in needs) or _requester_unreachable(sheet, needs):
            continue
        held = [t for n in needs for t in live.get(n["need_id"], [])]
        matched += bool(held)
        if any(status_of(t) == "accepted" for t in held):
            fixed += 1
        else:
            waiting.append(needs)
    room = {
        uid: max(
            0,
            u.capacity(config.matching.hours_per_task, config.form_tab("offers"))
            - accepted_week[uid],
        )
        for uid, u in sheet.units.items()
        if u.volunteer and not u.unavailable
    }
    flow, exact = _max_flow(sheet, waiting, room, declined, config)
    return Bound(matched, fixed, flow, exact)


def _requester_unreachable(sheet: Sheet, needs: list[dict[str, Any]]) -> bool:
    unit = sheet.unit(needs[0]["person_id"])
    return unit is not None and unit.do_not_contact


# Needs sharing their candidates: (category, zone or "" when remote, languages, availability).
Kind = tuple[str, str, frozenset[str], frozenset[str]]
# Past this many need-volunteer arcs (size L), needs of one kind share one node: the bound
# then leaves out who the requester is (self, household, declined) and is a little loose.
MAX_ARCS = 3_000_000


def _kind(need: dict[str, Any], config: Config) -> Kind:
    remote = need["category"] in config.matching.remote_categories
    return (
        need["category"],
        "" if remote else need["zone"],
        frozenset(_items(need["languages"])),
        frozenset(_items(need["availability"])),
    )


def _candidates(
    waiting: list[list[dict[str, Any]]], units: list[Unit], config: Config
) -> list[set[int]]:
    """For each waiting group, the volunteers (indexes) fitting one of its needs by the
    hard constraints they share with every need of a kind; each kind worked out once."""
    by_place: dict[tuple[str, str], list[int]] = defaultdict(list)
    for v, unit in enumerate(units):
        for category in unit.offers:
            by_place[(category, unit.zone)].append(v)
            by_place[(category, "")].append(v)
    of_kind: dict[Kind, list[int]] = {}
    found = []
    for needs in waiting:
        cands: set[int] = set()
        for need in needs:
            kind = _kind(need, config)
            if kind not in of_kind:
                zones = (
                    (kind[1], *config.matching.neighbours.get(kind[1], ())) if kind[1] else ("",)
                )
                pool = {v for z in zones for v in by_place.get((kind[0], z), [])}
                of_kind[kind] = [v for v in sorted(pool) if fits(need, units[v], config)]
            cands.update(of_kind[kind])
        found.append(cands)
    return found


def _max_flow(
    sheet: Sheet,
    waiting: list[list[dict[str, Any]]],
    room: dict[str, int],
    declined: dict[str, set[str]],
    config: Config,
) -> tuple[int, bool]:
    """The most waiting groups volunteers' room could take, and whether it is exact."""
    volunteers = sorted(uid for uid, r in room.items() if r > 0)
    if not waiting or not volunteers:
        return 0, True
    units = [sheet.units[uid] for uid in volunteers]
    candidates = _candidates(waiting, units, config)
    exact = sum(len(c) for c in candidates) <= MAX_ARCS
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    for v, uid in enumerate(volunteers):
        flow.add_arc_with_capacity(2 + v, sink, room[uid])
    node = 2 + len(volunteers)
    if exact:
        for needs, cands in zip(waiting, candidates, strict=True):
            flow.add_arc_with_capacity(source, node, 1)
            for v in cands:
                if _allowed(sheet, needs, units[v], declined):
                    flow.add_arc_with_capacity(node, 2 + v, 1)
            node += 1
    else:
        kinds: dict[tuple[int, ...], int] = defaultdict(int)
        for cands in candidates:
            kinds[tuple(sorted(cands))] += 1
        for cands_key, n in kinds.items():
            flow.add_arc_with_capacity(source, node, n)
            for v in cands_key:
                flow.add_arc_with_capacity(node, 2 + v, n)
            node += 1
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise RuntimeError("max flow did not solve")
    return int(flow.optimal_flow()), exact


def _allowed(
    sheet: Sheet, needs: list[dict[str, Any]], unit: Unit, declined: dict[str, set[str]]
) -> bool:
    """Who the requester is: a volunteer fitting the need may still not take it when they
    are the requester (or maybe them), of their household, or declined it."""
    requester = sheet.unit(needs[0]["person_id"])
    if requester is not None and (
        requester.uid == unit.uid or requester.households & unit.households
    ):
        return False
    return not any(unit.uid in declined.get(n["need_id"], set()) for n in needs)


# Reported


def reported(state: State) -> set[tuple[str, str]]:
    """(code, source) of each open Errors row the invariants check wrote."""
    found = set()
    for row in records_of(state.tables["errors"].frame):
        if row["form"] == CHECK_FORM and str(row["status"]).strip() == "open":
            for code in _items(row["fields"]):
                found.add((code, str(row["source"]).strip()))
    return found


def check(state: State, config: Config, today: dt.date, *, matching_ran: bool) -> Check:
    """Every invariant after a run on `today`; the bound only when matching ran."""
    sheet = read_sheet(state, today)
    groups = need_groups(sheet)
    violations = [
        *overbooked(sheet, groups),
        *over_capacity(sheet, config),
        *unavailable_proposed(sheet),
    ]
    bound = matching_bound(sheet, groups, config)
    most = bound.fixed + bound.flow
    if matching_ran and bound.exact and bound.matched < most:
        violations.append(
            Violation(
                NOT_MAXIMAL,
                "Needs",
                frozenset(),
                by_hand=False,
                detail=f"{bound.matched} needs matched, {most} possible",
            )
        )
    return Check(
        violations,
        reported(state),
        bound.matched,
        most if matching_ran else None,
        max(0, bound.matched - most),
        bound.exact,
    )


# Rows in = records + errors


@dataclass
class Accounting:
    """Form responses not accounted for (on neither People nor open Errors), on both, and
    usable requests without a need."""

    missing: set[str]
    on_both: set[str]
    requests_without_need: set[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.on_both or self.requests_without_need)


def account(state: State, config: Config) -> Accounting:
    """Rows in = records + errors: every response is behind a People row or an open Errors
    row (the invariants check's own rows left aside), never both; every usable request has
    its needs."""
    responses = {form.ref(int(row)) for form in state.forms.values() for row in form.frame.index}
    people = {
        ref
        for sources in state.tables["people"].frame["source"]
        for ref in str(sources).split("; ")
        if ref
    }
    errors = {
        str(row["source"])
        for row in records_of(state.tables["errors"].frame)
        if row["status"] == "open" and row["form"] != CHECK_FORM
    }
    tab = config.form_tab("requests")
    requests = {ref for ref in responses if ref.startswith(f"{tab}:")}
    needs = set(state.tables["needs"].frame["source"])
    return Accounting(
        missing=responses - people - errors,
        on_both=people & errors,
        requests_without_need=requests - errors - needs,
    )
