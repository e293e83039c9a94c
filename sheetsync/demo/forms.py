"""Each form's rows: who answers when, and what they answer, before any mess is added."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from sheetsync.demo.build import WINDOW, Build, Draft, Person, one
from sheetsync.demo.data import CHECKIN_NOTES, COMMUNITIES, DETAILS, OFFERS_NOTES, VOLUNTEER_NOTES
from sheetsync.demo.options import (
    AVAILABILITY,
    CAPACITIES,
    CAPACITY_CUM,
    CHECKIN_STATUSES,
    NEEDS,
    OFFERS,
    REQUEST_CONSENTS,
    URGENCIES,
    YES_NO,
)


def make_requests(build: Build, total: int) -> None:
    """`total` Request help rows: one per requester, the rest from requesters asking again."""
    size, rng, people = build.size, build.rng, build.people
    base = _schedule(build, range(size.requesters), total, "t_request")
    n = len(base)
    needs = rng.choices(range(len(NEEDS[0])), cum_weights=NEEDS[1], k=n)
    urgency = rng.choices(URGENCIES, weights=(10, 45, 45), k=n)
    consent = rng.choices(REQUEST_CONSENTS, weights=(80, 12, 8), k=n)
    styles = _name_styles(build, n)
    no_details = _blanks(build, "no_details", n)
    drafts = build.drafts["requests"]
    for row, (i, t) in enumerate(base):
        p = people[i]
        categories = NEEDS[0][needs[row]]
        details = ""
        if row not in no_details:
            com = COMMUNITIES[p.community]
            details = (
                one(rng, com.details)
                if com.details and rng.random() < 0.3
                else one(rng, DETAILS[categories.split(", ")[0]])
            )
        note = ""
        if rng.random() < (0.5 if i >= size.requesters - size.both else 0.1):
            note = one(rng, OFFERS_NOTES)
        build.first_row.setdefault(i, ("requests", row))
        drafts.append(
            Draft(
                t,
                i,
                {
                    "timestamp": 0,
                    "name": _written_name(build, p, styles[row]),
                    "phone": p.phone,
                    "email": p.email,
                    "zone": p.zone,
                    "categories": categories,
                    "details": details,
                    "urgency": urgency[row],
                    "languages": p.languages,
                    "contact_pref": p.contact_pref,
                    "availability": p.availability,
                    "consent": consent[row],
                    "offers_note": note,
                    "recurrence": "Once",
                },
            )
        )


def make_offers(build: Build) -> None:
    """Offer help rows: one per volunteer, the rest from volunteers offering again."""
    size, rng, people = build.size, build.rng, build.people
    volunteers = range(size.requesters - size.both, size.people)
    base = _schedule(build, volunteers, size.offers, "t_offer")
    n = len(base)
    offers = rng.choices(OFFERS[0], cum_weights=OFFERS[1], k=n)
    capacity = rng.choices(CAPACITIES, cum_weights=CAPACITY_CUM, k=n)
    car = rng.choices(YES_NO, weights=(35, 65), k=n)
    consent = rng.choices(YES_NO, weights=(90, 10), k=n)
    styles = _name_styles(build, n)
    no_car, as_int = _blanks(build, "no_car", n), _blanks(build, "int_number", n)
    drafts = build.drafts["offers"]
    for row, (i, t) in enumerate(base):
        p = people[i]
        build.first_row.setdefault(i, ("offers", row))
        drafts.append(
            Draft(
                t,
                i,
                {
                    "timestamp": 0,
                    "name": _written_name(build, p, styles[row]),
                    "phone": p.phone,
                    "email": p.email,
                    "zone": p.zone,
                    "offers": offers[row],
                    "languages": p.languages,
                    "availability": p.availability
                    if row < len(volunteers)
                    else rng.choices(AVAILABILITY[0], cum_weights=AVAILABILITY[1])[0],
                    # Google writes numbers as text; a sheet read unformatted gives an int.
                    "weekly_capacity": capacity[row] if row in as_int else str(capacity[row]),
                    "has_car": "" if row in no_car else car[row],
                    "volunteer_note": one(rng, VOLUNTEER_NOTES) if rng.random() < 0.25 else "",
                    "consent": consent[row],
                },
            )
        )


def make_checkins(build: Build) -> None:
    """Weekly check-in rows, from volunteers after they first offered."""
    size, rng, people = build.size, build.rng, build.people
    n = size.checkins
    volunteers = range(size.requesters - size.both, size.people)
    who = _checkin_times(build, volunteers, n)
    status = rng.choices(range(3), weights=(70, 22, 8), k=n)
    styles = _name_styles(build, n)
    no_hours, as_int = _blanks(build, "no_hours", n), _blanks(build, "int_number", n)
    drafts = build.drafts["checkins"]
    for row, (i, t) in enumerate(who):
        p = people[i]
        lo, hi = ((2, 20), (1, 6), (0, 2))[status[row]]
        hours = lo + int(rng.random() * (hi - lo + 1))
        drafts.append(
            Draft(
                t,
                i,
                {
                    "timestamp": 0,
                    "name": _written_name(build, p, styles[row]),
                    "phone": p.phone,
                    "email": p.email,
                    "checkin_status": CHECKIN_STATUSES[status[row]],
                    "checkin_hours": ""
                    if row in no_hours
                    else hours
                    if row in as_int
                    else str(hours),
                    "checkin_note": one(rng, CHECKIN_NOTES) if rng.random() < 0.2 else "",
                },
            )
        )


def _schedule(build: Build, people: Sequence[int], total: int, attr: str) -> list[tuple[int, int]]:
    """(person, t): each person's first response, then `total - len` more at later times."""
    rng = build.rng
    out = []
    for i in people:
        t = int(rng.random() * WINDOW)
        setattr(build.people[i], attr, t)
        out.append((i, t))
    for i in rng.choices(people, k=total - len(people)) if people else []:
        t0 = getattr(build.people[i], attr)
        out.append((i, t0 + int(rng.random() * (WINDOW - t0))))
    return out


def _checkin_times(build: Build, volunteers: range, n: int) -> list[tuple[int, int]]:
    """(person, t) of n check-ins: one a week at most, from keen volunteers more often."""
    rng, week = build.rng, 7 * 86_400
    slots: list[tuple[float, int, int]] = []
    for i in volunteers:
        keen = rng.random() ** 2 + 0.05
        t0 = build.people[i].t_offer
        for start in range(t0 // week * week, WINDOW, week):
            t = max(start, t0)
            t += int(rng.random() * (start + week - t))
            # Efraimidis-Spirakis: the n largest keys are a weighted sample without replacement.
            slots.append((rng.random() ** (1 / keen), i, t))
    chosen = [(i, t) for _, i, t in heapq.nlargest(n, slots)]
    # More check-ins than volunteer-weeks (a custom size): some check in twice a week.
    for i in rng.choices(volunteers, k=n - len(chosen)) if volunteers else []:
        t0 = build.people[i].t_offer
        chosen.append((i, t0 + int(rng.random() * (WINDOW - t0))))
    return chosen


def _written_name(build: Build, p: Person, style: int) -> str:
    """The name as typed: 0 tidy, 1 upper case, 2 lower case, 3 with stray spaces."""
    if style == 1:
        return f"{p.first} {p.last}".upper()
    if style == 2:
        return f"{p.first} {p.last}".lower()
    if style == 3:
        return (f"{p.first}  {p.last}", f" {p.first} {p.last}", f"{p.first} {p.last} ")[
            build.rng.randrange(3)
        ]
    return f"{p.first} {p.last}"


def _name_styles(build: Build, n: int) -> list[int]:
    """The style of each of n rows' names (see _written_name): mostly tidy."""
    styles = [0] * n
    k = [build.count(kind, n) for kind in ("upper", "lower", "spaces")]
    rows = build.pick(range(n), sum(k))
    for style, lo, hi in ((1, 0, k[0]), (2, k[0], k[0] + k[1]), (3, k[0] + k[1], sum(k))):
        for i in rows[lo:hi]:
            styles[i] = style
    return styles


def _blanks(build: Build, kind: str, n: int) -> set[int]:
    """The rows of n that leave an optional answer blank, or write it another way."""
    return set(build.pick(range(n), build.count(kind, n)))
