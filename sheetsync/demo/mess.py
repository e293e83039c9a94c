"""The mess real forms collect: resubmissions, invalid answers and formula-like text."""

from __future__ import annotations

from sheetsync.demo.build import WINDOW, Build, Draft, Person
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


# Name variants (add_name_variants): rates of requests (the first three) and of check-ins.
_VARIANT_RATES = {
    PairKind.NAME_TYPO: 0.003,
    PairKind.SWAPPED: 0.003,
    PairKind.CJK_SPACING: 0.002,
    PairKind.FIRST_NAME_ONLY: 0.02,
    PairKind.NICKNAME_NEW_EMAIL: 0.002,
}
# How some of the Chinese community's names are written in Han characters.
_HAN_FAMILY = {
    "Wang": "王",
    "Li": "李",
    "Zhang": "张",
    "Liu": "刘",
    "Chen": "陈",
    "Yang": "杨",
    "Huang": "黄",
    "Zhao": "赵",
    "Wu": "吴",
    "Zhou": "周",
    "Xu": "徐",
    "Sun": "孙",
    "Ma": "马",
    "Zhu": "朱",
    "Hu": "胡",
    "Guo": "郭",
    "Lin": "林",
    "He": "何",
    "Gao": "高",
    "Luo": "罗",
}
_HAN_GIVEN = {
    "Wei": "伟",
    "Jing": "静",
    "Min": "敏",
    "Hui": "慧",
    "Ying": "英",
    "Jun": "军",
    "Yan": "燕",
    "Lei": "磊",
    "Ming": "明",
    "Hong": "红",
    "Fang": "芳",
    "Qiang": "强",
    "Mei": "梅",
    "Ling": "玲",
    "Xin": "欣",
    "Na": "娜",
}


def add_name_variants(build: Build) -> None:
    """With mess, a few people write their name another way on one response, with the same
    phone and email: a request sent again with a typo at the end of the given name, with
    the names swapped or (in Han characters) with a space, and check-ins signed with the
    first name only. Drawn last, so that the rows drawn before stay as they were."""
    if not build.mess:
        return
    used = {i for pair in build.households for i in pair} | set(build.nicknamed)
    used |= {i for pair in build.namesakes for i in pair}
    for kind in (PairKind.NAME_TYPO, PairKind.SWAPPED, PairKind.CJK_SPACING):
        _resubmit_with_variant(build, kind, used)
    _sign_with_first_name(build, used)
    _sign_with_nickname(build, used)


def _count_variants(build: Build, kind: PairKind, n: int) -> int:
    """As Build.count: at least one of n when there is mess."""
    return min(n, max(1, round(_VARIANT_RATES[kind] * n))) if build.mess and n else 0


def _resubmit_with_variant(build: Build, kind: PairKind, used: set[int]) -> None:
    """A later request of a person becomes their first request sent again, the name
    written as `kind` says."""
    drafts, taken = build.drafts["requests"], build.reserved["requests"]
    candidates = [
        (i, a, b)
        for i, a, b in _later_requests(build, used)
        if _fits(build.people[i], kind) and a not in taken and b not in taken
    ]
    for k in build.pick(range(len(candidates)), _count_variants(build, kind, len(drafts))):
        i, a, b = candidates[k]
        p, first, later = build.people[i], drafts[a], drafts[b]
        later.values = {**first.values, "timestamp": later.values["timestamp"]}
        if kind is PairKind.NAME_TYPO:
            # "Gerald" -> "Geralld": the letter before the last typed twice.
            later.values["name"] = f"{p.first[:-1]}{p.first[-2:]} {p.last}"
        elif kind is PairKind.SWAPPED:
            later.values["name"] = f"{p.last} {p.first}"
        else:
            family, given = _HAN_FAMILY[p.last], _HAN_GIVEN[p.first]
            for form_drafts in build.drafts.values():
                for draft in form_drafts:
                    if draft.person == i:
                        draft.values["name"] = f"{family}{given}"
            later.values["name"] = f"{family} {given}"
        used.add(i)
        taken.update((a, b))
        build.pairs.append(("requests", a, "requests", b, kind))


def _later_requests(build: Build, used: set[int]) -> list[tuple[int, int, int]]:
    """(person, first request row, a later request row) of people with a phone and an
    email who asked more than once."""
    firsts: dict[int, int] = {}
    later: dict[int, int] = {}
    for row, draft in enumerate(build.drafts["requests"]):
        i = draft.person
        if i in firsts:
            later.setdefault(i, row)
        else:
            firsts[i] = row
    people = build.people
    return [
        (i, firsts[i], b)
        for i, b in later.items()
        if i not in used and people[i].digits and people[i].email
    ]


def _fits(p: Person, kind: PairKind) -> bool:
    """Whether a person's name can be written as `kind` says."""
    if kind is PairKind.NAME_TYPO:
        return len(p.first) >= 5 and p.first.isalpha()
    if kind is PairKind.SWAPPED:
        return p.first != p.last
    return p.first in _HAN_GIVEN and p.last in _HAN_FAMILY


def _sign_with_first_name(build: Build, used: set[int]) -> None:
    """Some check-ins signed with the first name only, by volunteers with a phone and email."""
    drafts = build.drafts["checkins"]
    n = _count_variants(build, PairKind.FIRST_NAME_ONLY, len(drafts))
    for row in build.pick(_free_checkins(build, used), n):
        i = drafts[row].person
        drafts[row].values["name"] = build.people[i].first
        build.reserved["checkins"].add(row)
        used.add(i)
        build.pairs.append((*build.first_row[i], "checkins", row, PairKind.FIRST_NAME_ONLY))


def _sign_with_nickname(build: Build, used: set[int]) -> None:
    """A check-in signed "Bob Smith" from Robert Smith's phone with another email: his son
    could share the phone, so it takes dedupe (or organizers) to say it is him."""
    drafts, people = build.drafts["checkins"], build.people
    free = [r for r in _free_checkins(build, used) if people[drafts[r].person].first in NICKNAMES]
    n = _count_variants(build, PairKind.NICKNAME_NEW_EMAIL, len(drafts))
    for row in build.pick(free, n):
        i = drafts[row].person
        nickname, last = NICKNAMES[people[i].first], people[i].last
        drafts[row].values["name"] = f"{nickname} {last}"
        drafts[row].values["email"] = f"{ascii_name(nickname)}.{ascii_name(last)}.new@example.net"
        build.reserved["checkins"].add(row)
        used.add(i)
        build.pairs.append((*build.first_row[i], "checkins", row, PairKind.NICKNAME_NEW_EMAIL))


def _free_checkins(build: Build, used: set[int]) -> list[int]:
    """Check-in rows no mess has touched, of volunteers giving their phone and email."""
    drafts, taken, people = build.drafts["checkins"], build.reserved["checkins"], build.people
    return [
        row
        for row, draft in enumerate(drafts)
        if row not in taken
        and draft.person not in used
        and people[draft.person].digits
        and people[draft.person].email
        and draft.values["phone"] == people[draft.person].phone
    ]
