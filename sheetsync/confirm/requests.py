"""What each request needs done to confirm it, read from the Needs tab (no I/O).

A request is one form response (the Needs' source); it made a need per category. It is
known by its first need's id (its reference, e.g. N0107: the send log's period, the Call
list's need_id), and is confirmed once: what was done is written in the confirmed column
of each of its needs, and a need with that column filled is never confirmed again (a need
an edit of the request added later gets its request's mark).

- Not confirmed yet: a request that came in within [confirmations] within of the run (its
  first need's opened) is emailed or put on the Call list (reach.py), or marked why not;
  an older one is marked 'before confirmations' and nobody is told (the first run after an
  upgrade finds every request unconfirmed). A request whose needs are all withdrawn
  waits.
- 'emailed <time>' with no sent (or unconfirmed) row in the send log: the email never
  went. It is sent again, under the same reference, while the mark is under RETRY_FOR
  old; past that the mark says the email failed and, when the requester may be phoned,
  the Call list takes over.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from sheetsync.clock import elapsed
from sheetsync.confirm.reach import Way, way_to_confirm
from sheetsync.followup.ledger import RETRY_FOR
from sheetsync.horizon import reached_at
from sheetsync.ids import id_number
from sheetsync.members import parse_datetime
from sheetsync.normalize import format_datetime
from sheetsync.privacy import Person
from sheetsync.statuses import NeedStatus

EMAILED = "emailed"
ON_CALL_LIST = "on the call list"
BEFORE = "before confirmations"
EMAIL_FAILED = "email failed"
_EMAILED_AT = re.compile(rf"^{EMAILED} (\d{{4}}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)$")


@dataclass(frozen=True)
class Request:
    """One form response as its needs on the Needs tab show it."""

    reference: str  # its first need's id
    person_id: str
    need_ids: tuple[str, ...]
    categories: tuple[str, ...]  # those still asked for (not withdrawn), in the tab's order
    urgency: str
    languages: str
    contact_pref: str
    opened: dt.datetime | None
    confirmed: str  # the mark its needs carry ("" none yet)
    unmarked: tuple[str, ...]  # its needs whose confirmed column is empty


@dataclass(frozen=True)
class Decision:
    """What to do for a request: the mark for its needs ("" to leave them), and whether to
    send its email (for the first time or again) or add its call."""

    request: Request
    mark: str = ""
    email: bool = False
    call: bool = False
    retry: bool = False  # the email is sent again
    # When the decision for the same request may turn by time alone (sheetsync/horizon.py):
    # the run's now when its mark is stamped with the run's clock, None never.
    turns_at: dt.datetime | None = None


def _need_order(need_id: str) -> tuple[float, str]:
    return (id_number(need_id), need_id)  # N9999 before N10000


def requests_of(needs: pd.DataFrame) -> list[Request]:
    """The Needs tab's requests, in the order they came in.

    One pass over the tab's columns as lists, grouping rows by source in a dict (in the
    order each source first appears, as groupby(sort=False) gives): the tab's rows are
    never looked up one by one in pandas."""
    columns = ["need_id", "person_id", "category", "urgency", "languages", "contact_pref"]
    frame = needs[[*columns, "status", "opened", "source", "confirmed"]].astype(str)
    rows = list(zip(*(frame[c].tolist() for c in frame.columns), strict=True))
    groups: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        groups.setdefault(row[8], []).append(row)
    withdrawn = NeedStatus.WITHDRAWN.value
    found = []
    for source, group in groups.items():
        if not source.strip():
            continue  # a row typed by hand: no request to confirm
        if len(group) > 1:
            group.sort(key=lambda r: _need_order(r[0]))
        first = group[0]
        marks = [r[9] for r in group if r[9].strip()]
        found.append(
            Request(
                reference=first[0],
                person_id=first[1],
                need_ids=tuple(r[0] for r in group),
                categories=tuple(r[2] for r in group if r[6] != withdrawn),
                urgency=first[3],
                languages=first[4],
                contact_pref=first[5],
                opened=parse_datetime(first[7]),
                confirmed=marks[0].strip() if marks else "",
                unmarked=tuple(r[0] for r in group if not r[9].strip()),
            )
        )
    return sorted(found, key=lambda r: _need_order(r.reference))


@dataclass(frozen=True)
class Rules:
    """What decide() needs besides the request: the run's clock, the setting, and the
    references whose email the send log (or journal) says went."""

    now: dt.datetime
    tz: ZoneInfo
    within: dt.timedelta
    settled: Collection[str]  # references with a sent or unconfirmed email


def decide(request: Request, person_of: Callable[[str], Person], rules: Rules) -> Decision:
    """What to do for one request (see the module's docstring). `person_of` (Policy.person)
    is asked for the requester only when the decision depends on them: a city's older
    requests are marked without working out who asked."""
    if request.confirmed:
        return _after(request, person_of, rules)
    if not request.categories:
        return Decision(request)  # all withdrawn: nothing to confirm, unless asked again
    opened = request.opened
    if opened is None or elapsed(opened, rules.now, rules.tz) > rules.within:
        return Decision(request, BEFORE)
    way = _way(request, person_of(request.person_id))
    stamp = format_datetime(rules.now)
    if way is Way.EMAIL:
        return Decision(request, f"{EMAILED} {stamp}", email=True, turns_at=rules.now)
    if way is Way.CALL:
        return Decision(request, f"{ON_CALL_LIST} {stamp}", call=True, turns_at=rules.now)
    # Past `within`, the request is one from before confirmations instead.
    return Decision(request, way.value, turns_at=reached_at(opened, rules.within, rules.tz))


def _way(request: Request, person: Person) -> Way:
    return way_to_confirm(
        email=person.email,
        phone=person.phone,
        contact_pref=request.contact_pref,
        do_not_contact=person.do_not_contact and bool(person.person_id),
    )


def _after(request: Request, person_of: Callable[[str], Person], rules: Rules) -> Decision:
    """A request confirmed already: its needs without the mark get it; an email that
    never went is sent again, or given up for the Call list."""
    keep = request.confirmed if request.unmarked else ""
    emailed = _EMAILED_AT.match(request.confirmed)
    if emailed is None or request.reference in rules.settled:
        return Decision(request, keep)
    person = person_of(request.person_id)
    if person.do_not_contact:  # marked since: nothing more goes
        return Decision(request, Way.DO_NOT_CONTACT.value)
    when = parse_datetime(emailed[1])
    fresh = when is not None and elapsed(when, rules.now, rules.tz) <= RETRY_FOR
    if fresh and when is not None and person.email.strip():
        # Past RETRY_FOR, the email failed: the Call list takes over.
        turns = reached_at(when, RETRY_FOR, rules.tz)
        return Decision(request, keep, email=True, retry=True, turns_at=turns)
    if person.phone.strip():
        stamp = format_datetime(rules.now)
        mark = f"{EMAIL_FAILED}; {ON_CALL_LIST} {stamp}"
        return Decision(request, mark, call=True, turns_at=rules.now)
    return Decision(request, f"{EMAIL_FAILED} ({emailed[1]})")
