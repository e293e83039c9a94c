"""The demo's recurring needs: a few requests ask for their help every week (or every two
weeks), and in the played weeks the organizers agree that one series' volunteer continues,
so the demo's Needs tab shows series with their repeats, one kept with the same volunteer.

Chosen after generation, without drawing from the generator (a new draw would change every
row after it, build.py): every request gets a `recurrence` answer, empty but for the first
few fitting ones in time order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sheetsync.backends.base import Backend, CellUpdate, TabChanges
from sheetsync.config import Config
from sheetsync.demo.truth import GeneratedNetwork, Pair, RowRef
from sheetsync.recur.continuing import carried_agreement
from sheetsync.state import read_state
from sheetsync.statuses import WORK, task_status
from sheetsync.tables import records_of

# The answers given, in order, to the first fitting requests.
ANSWERS = ("Every week", "Every week", "Every two weeks")
# Help people ask for on a regular day: a request asking only for these.
REGULAR = frozenset({"Groceries", "Meals", "Medicine pickup", "Rides"})
# Asked in the weeks before the last month: in by the first played week (--history 4).
EARLIEST, LATEST = dt.timedelta(days=56), dt.timedelta(days=29)


def add_recurrence(network: GeneratedNetwork, now: dt.datetime, *, mess: bool = True) -> None:
    """Give every request its "How often do you need this?" answer: with `mess` the others
    leave the optional question unanswered (once), else they answer Once."""
    requests = network.responses["requests"]
    now = now.replace(tzinfo=None)
    truth = network.truth
    odd = truth.invalid_rows | {ref for ref, _ in truth.formula_like}
    odd |= _rows(truth.duplicates + truth.households + truth.namesakes + truth.name_variants)
    asks = Counter(truth.person_ids["requests"])
    fitting = [
        row
        for row, r in enumerate(requests)
        if RowRef("requests", row) not in odd
        and asks[truth.person_ids["requests"][row]] == 1
        and set(str(r["categories"]).split(", ")) <= REGULAR
        and isinstance(r["timestamp"], dt.datetime)
        and now - EARLIEST <= r["timestamp"] <= now - LATEST
    ]
    for r in requests:
        r["recurrence"] = "" if mess else "Once"
    for row, answer in zip(fitting, ANSWERS, strict=False):
        requests[row]["recurrence"] = answer


def _rows(pairs: Iterable[Pair]) -> set[RowRef]:
    return {ref for pair in pairs for ref in (pair.first, pair.second)}


def agree_to_continue(backend: Backend, config: Config) -> None:
    """The organizers write yes in `continues` on the task of the first series' latest
    need (accepted or done), as after a phone call with its volunteer; once is enough."""
    state = read_state(backend, config)
    needs = records_of(state.tables["needs"].frame)
    series = sorted(n["need_id"] for n in needs if n["series"] and n["series"] == n["need_id"])
    if not series:
        return
    ours = [n for n in needs if n["series"] == series[0]]
    latest = max(ours, key=lambda n: (n["opened"], n["need_id"]))["need_id"]
    tasks = state.tables["tasks"]
    column = tasks.columns["continues"] + 1
    update = [
        CellUpdate(int(t["_row"]), column, "yes")
        for t in records_of(tasks.frame)
        if t["need_id"] == latest
        and task_status(t["status"]) in WORK
        and not str(t["continues"]).strip()
        # A task made for a continuing volunteer carries the agreement on by itself.
        and carried_agreement(str(t["reasons"])) is None
    ]
    if update:
        backend.apply([TabChanges(tab=tasks.tab, start_row=tasks.n_rows + 1, update=update)])
