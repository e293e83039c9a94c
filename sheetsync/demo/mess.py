"""The mess real forms collect: resubmissions, invalid answers and formula-like text."""

from __future__ import annotations

from sheetsync.demo.build import WINDOW, Build, Draft
from sheetsync.demo.data import NICKNAMES
from sheetsync.demo.people import ascii_name, format_phone
from sheetsync.demo.truth import PairKind, Problem

# Free text a spreadsheet would take for a formula if written unescaped.
FORMULA_LIKE = (
    '=HYPERLINK("http://example.com","click")',
    "+1 more bag please",
    "-- call after 5",
    "@home most days",
)
# Where each FORMULA_LIKE text is placed, in the same order.
_FORMULA_TARGETS = (
    ("requests", "details"),
    ("requests", "details"),
    ("checkins", "checkin_note"),
    ("offers", "volunteer_note"),
)
BAD_PHONES = ("555-12", "201-555-01", "555 0143", "12345")
# A request that asks for a sensitive kind of help beside an ordinary one: its text covers
# both, so it must never reach the groceries volunteer's email.
SENSITIVE_CATEGORIES = "Groceries, Safety at home"
SENSITIVE_DETAILS = "Please leave the bags at the door: my partner must not know I asked."


def count_resubmissions(build: Build) -> tuple[int, int]:
    """How many requests are sent again with the same answers and with another phone format.

    Resubmissions are extra rows: a tiny custom size may leave room for fewer, so the
    nicknamed (who resubmit too) may be cut here.
    """
    size = build.size
    n_same = build.count("same_answers", size.requests)
    n_phone = build.count("phone_format", size.requests)
    spare = size.requests - size.requesters
    build.nicknamed = build.nicknamed[:spare]
    n_phone = min(n_phone, spare - len(build.nicknamed))
    n_same = min(n_same, spare - len(build.nicknamed) - n_phone)
    return n_same, n_phone


def add_resubmissions(build: Build, n_same: int, n_phone: int) -> None:
    """Requests sent again: the nicknamed, then n_same with the same answers, n_phone with
    the phone written another way; households' rows are left alone."""
    for row, kind in _plan_resubmissions(build, n_same, n_phone):
        _resubmit(build, row, kind)


def _plan_resubmissions(build: Build, n_same: int, n_phone: int) -> list[tuple[int, PairKind]]:
    """(request row, kind) of each resubmission, in the order they are appended."""
    people, drafts = build.people, build.drafts["requests"]
    reserved = build.reserved["requests"]
    for a, b in build.households:
        reserved.update((build.first_row[a][1], build.first_row[b][1]))
    plans: list[tuple[int, PairKind]] = [
        (build.first_row[i][1], PairKind.NICKNAME) for i in build.nicknamed
    ]
    reserved.update(row for row, _ in plans)
    free = [r for r in range(len(drafts)) if r not in reserved]
    same = build.pick(free, n_same)
    reserved.update(same)
    with_phone = [r for r in free if r not in reserved and people[drafts[r].person].digits]
    plans += [(r, PairKind.SAME_ANSWERS) for r in same]
    plans += [(r, PairKind.PHONE_FORMAT) for r in build.pick(with_phone, n_phone)]
    return plans


def _resubmit(build: Build, row: int, kind: PairKind) -> None:
    """Append a copy of a request row, sent again later as `kind` says."""
    rng, drafts = build.rng, build.drafts["requests"]
    original = drafts[row]
    p = build.people[original.person]
    values = dict(original.values)
    if kind is PairKind.SAME_ANSWERS:
        delta = rng.choice((rng.randint(40, 150), 86_400 + rng.randint(-3600, 3600)))
    else:
        delta = rng.randint(3600, 5 * 86_400)
    if kind is PairKind.PHONE_FORMAT:
        values["phone"] = format_phone(p.digits, (p.fmt + rng.randint(1, 7)) % 8)
    elif kind is PairKind.NICKNAME:
        values["name"] = f"{NICKNAMES[p.first]} {p.last}"
        values["phone"] = ""
    if original.t + delta >= WINDOW:  # keep the resubmission after, and before now
        original.t -= delta
    t = original.t + delta
    build.reserved["requests"].update((row, len(drafts)))
    build.pairs.append(("requests", row, "requests", len(drafts), kind))
    drafts.append(Draft(t, original.person, values))


def add_invalid(build: Build) -> None:
    """Requests missing a required answer or with a broken email; offers with a broken phone."""
    taken = build.reserved["requests"]
    free = [r for r in range(len(build.drafts["requests"])) if r not in taken]
    _add_missing(build, free)
    _add_invalid_emails(build, free)
    _add_invalid_phones(build)


def _add_missing(build: Build, free: list[int]) -> None:
    requests = build.drafts["requests"]
    rows = build.pick(free, build.count("missing", build.size.requests))
    for k, row in enumerate(rows):
        field = ("zone", "urgency", "categories", "consent")[k % 4]
        requests[row].values[field] = ""
        build.invalid.append(("requests", row, field, Problem.MISSING))
    build.reserved["requests"].update(rows)


def _add_invalid_emails(build: Build, free: list[int]) -> None:
    people, requests, taken = build.people, build.drafts["requests"], build.reserved["requests"]
    # The person's phone stays, so the email is the row's only problem.
    free = [r for r in free if r not in taken and people[requests[r].person].digits]
    for row in build.pick(free, build.count("invalid_email", build.size.requests)):
        p = people[requests[row].person]
        email = p.email or f"{ascii_name(p.first)}@example.org"
        requests[row].values["email"] = email.replace("@", "@@")
        build.invalid.append(("requests", row, "email", Problem.INVALID_EMAIL))
        taken.add(row)


def _add_invalid_phones(build: Build) -> None:
    people, offers = build.people, build.drafts["offers"]
    free = [r for r in range(len(offers)) if people[offers[r].person].email]
    for k, row in enumerate(build.pick(free, build.count("invalid_phone", build.size.offers))):
        offers[row].values["phone"] = BAD_PHONES[k % len(BAD_PHONES)]
        build.invalid.append(("offers", row, "phone", Problem.INVALID_PHONE))
        build.reserved["offers"].add(row)


def add_formulas(build: Build) -> None:
    """Free text a spreadsheet would take for a formula: every FORMULA_LIKE text at least once."""
    total = build.count("formula", build.size.responses)
    if build.mess:
        total = max(total, len(FORMULA_LIKE))
    targets: dict[tuple[str, str], list[int]] = {}
    for k in range(total):
        targets.setdefault(_FORMULA_TARGETS[k % 4], []).append(k % 4)
    for (form, field), texts in targets.items():
        drafts, taken = build.drafts[form], build.reserved[form]
        free = [r for r in range(len(drafts)) if r not in taken]
        for row, text in zip(build.pick(free, len(texts)), texts, strict=False):
            drafts[row].values[field] = FORMULA_LIKE[text]
            build.formula.append((form, row, field))
            taken.add(row)


def add_privacy_cases(build: Build) -> None:
    """What privacy must get right: a person who withdraws their consent (their request sent
    again with "No" after "Yes"), and a request for a sensitive kind of help beside an
    ordinary one. No random draws, so the other rows stay as they were."""
    if not build.mess:
        return
    drafts, taken = build.drafts["requests"], build.reserved["requests"]
    for k, (form, a, other, b, kind) in enumerate(build.pairs):
        if form == other == "requests" and kind is PairKind.SAME_ANSWERS:
            drafts[a].values["consent"], drafts[b].values["consent"] = "Yes", "No"
            build.pairs[k] = (form, a, other, b, PairKind.CONSENT_WITHDRAWN)
            break
    for row, draft in enumerate(drafts):
        asks = draft.values
        if row not in taken and asks["categories"] == "Groceries" and asks["consent"] == "Yes":
            asks["categories"], asks["details"] = SENSITIVE_CATEGORIES, SENSITIVE_DETAILS
            taken.add(row)
            break
