"""dedupe: link People rows of one person, ask organizers about uncertain pairs, mark households.

Runs after intake on every run and recomputes from scratch, so the result depends only on
the People rows and the organizers' decisions on the Duplicates tab: a decision changed or
cleared is undone on the next run. Nothing is deleted, and no row's own name or contact
details change. A linked row gets `duplicate_of`; its needs point to the kept person, and
the kept person's roles, offers and latest check-in include the linked rows' (only on rows
intake recomputes from the forms, so that an undo leaves nothing behind). Later steps read
`duplicate_of` for the rest.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from sheetsync.dedupe import Decision, Linkage, Pair, find_duplicates, linkage_until, pair_key
from sheetsync.ids import Ids, id_number
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.members import latest_checkin, split_list
from sheetsync.normalize import cell_text, fold, format_datetime, one_line
from sheetsync.privacy import Policy, consent_of, row_override
from sheetsync.recur.series import is_repeat
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.statuses import NeedStatus, PairStatus, update_need_statuses
from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import ROW, empty_record, frame_of, records_of
from sheetsync.translation import tab_language

# What organizers may write in the decision column, folded; English and Spanish.
DECISIONS = {
    **dict.fromkeys(
        ("same", "yes", "y", "si", "s", "same person", "misma", "mismo"), Decision.SAME
    ),
    **dict.fromkeys(
        ("different", "no", "n", "not same", "diferente", "distinct"), Decision.DIFFERENT
    ),
}


_CHECKIN = ("checkin_status", "checkin_hours", "checkin_date", "checkin_note")
# Needs that still wait for help: a second ask for the same category joins the first.
_STANDING = (NeedStatus.OPEN, NeedStatus.MATCHED)


def run(ctx: StepContext) -> StepResult:
    """Link, review and mark households among People; fold repeated needs into one."""
    people = records_of(ctx.frames["people"])
    pairs_rows = records_of(ctx.frames["duplicates"])
    decisions, issues = _read_decisions(ctx, pairs_rows)
    # The earliest id is kept: order by the id's number, rows without one at the end.
    people.sort(key=lambda r: (id_number(r["person_id"]), r[ROW]))
    by_id: dict[str, dict[str, Any]] = {}
    for record in people:
        pid = record["person_id"]
        if pid in by_id:
            issues.append(_copied_row(ctx, by_id[pid], record))
        elif pid:
            by_id[pid] = record
    frame = pd.DataFrame(
        {name: [r[name] for r in by_id.values()] for name in ("name", "phone", "email", "zone")}
    )
    frame.insert(0, "id", list(by_id))
    linkage = find_duplicates(frame, ctx.config.default_region, decisions, today=ctx.now.date())
    linked = _apply_links(by_id, linkage)
    rows_of = {pair_key(r["person_a"], r["person_b"]): int(r[ROW]) for r in pairs_rows}
    issues.extend(_warnings(ctx, by_id, linkage, rows_of))
    households = _apply_households(by_id, linkage)
    issues.extend(_consent_in_force(ctx, people))
    needs, repeated = _fold_needs(ctx, linkage)
    pairs, to_review, stamped = _pairs_tab(ctx, pairs_rows, by_id, linkage, decisions)
    people.sort(key=lambda r: r[ROW] or float("inf"))
    return StepResult(
        frames={
            "people": frame_of(people, ctx.schemas["people"]),
            "needs": needs,
            "duplicates": pairs,
        },
        counts={
            "compared": linkage.compared,
            "linked_people": linked,
            "to_review": to_review,
            "households": households,
            "repeated_needs": repeated,
        },
        issues=issues,
        # The Duplicates rows this run adds or changes hold the run's time: another moment's
        # run would write another. Else only birth dates read the clock (their year).
        until=ctx.now if stamped else linkage_until(frame, ctx.now),
    )


def _copied_row(ctx: StepContext, first: dict[str, Any], copy: dict[str, Any]) -> Issue:
    tab = ctx.tables["people"].tab
    return Issue(
        tab=tab,
        row=int(copy[ROW]),
        field="person_id",
        code=IssueCode.REPEATED_ID,
        message=(
            f"{tab} rows {first[ROW]} and {copy[ROW]} both have id {copy['person_id']}: "
            f"sheetsync uses row {first[ROW]} and leaves row {copy[ROW]} out of the "
            "duplicate check. If it is a copy, delete it; if it is another person, clear "
            "its person_id and sheetsync will give it a new one."
        ),
        severity=Severity.WARNING,
    )


def _read_decisions(
    ctx: StepContext, rows: list[dict[str, Any]]
) -> tuple[dict[tuple[str, str], Decision], list[Issue]]:
    """The organizers' marks, by pair; a mark that is neither same nor different is reported."""
    decisions: dict[tuple[str, str], Decision] = {}
    issues: list[Issue] = []
    tab = ctx.tables["duplicates"].tab
    for row in rows:
        mark = fold(row["decision"])
        if not mark or not row["person_a"] or not row["person_b"]:
            continue
        decision = DECISIONS.get(mark)
        if decision is None:
            issues.append(
                Issue(
                    tab=tab,
                    row=int(row[ROW]),
                    field="decision",
                    code=IssueCode.UNKNOWN_DECISION,
                    message=(
                        f"The decision on {tab} row {row[ROW]} ({row['pair_id']}) is not "
                        "understood: write same or different, or leave it empty. Until "
                        "then sheetsync treats the pair as undecided."
                    ),
                    severity=Severity.WARNING,
                )
            )
            continue
        decisions[pair_key(row["person_a"], row["person_b"])] = decision
    return decisions, issues


def _apply_links(by_id: dict[str, dict[str, Any]], linkage: Linkage) -> int:
    """Set duplicate_of; give each kept person the roles, offers and check-in of their rows."""
    for pid, record in by_id.items():
        kept = linkage.kept_of[pid]
        record["duplicate_of"] = "" if kept == pid else kept
    linked = 0
    for kept, members in linkage.cluster_members().items():
        linked += len(members) - 1
        target = by_id[kept]
        # A row added by hand is never recomputed by intake: what dedupe wrote there could
        # not be taken back on an undo, so it is left as typed.
        if len(members) == 1 or not target["source"]:
            continue
        rows = [by_id[m] for m in members]
        latest = latest_checkin(rows)  # as match and load read it: red wins a same-day tie
        if latest["checkin_date"]:
            for name in _CHECKIN:
                target[name] = latest[name]
        for name in ("roles", "offers"):
            target[name] = ", ".join(sorted(set().union(*(split_list(r[name]) for r in rows))))
    return linked


def _consent_in_force(ctx: StepContext, people: list[dict[str, Any]]) -> list[Issue]:
    """Write on each People row its person's consent in force (privacy.current_consent, over
    all their linked rows); warn where an organizer's consent_override is not followed."""
    policy = Policy(people)
    for record in people:
        if record["person_id"]:  # never answered (or forgotten): empty, read as no
            person = policy.person(record["person_id"])
            record["consent"] = person.consent.value if person.answered else ""
    not_followed = set(policy.overrides_not_followed())
    issues, tab = [], ctx.tables["people"].tab
    for record in people:
        pid = policy.person(record["person_id"]).person_id if record["person_id"] else ""
        if pid not in not_followed or row_override(record) is None:
            continue
        not_followed.discard(pid)  # once per person, on the first row with an override
        row = int(record[ROW])
        if consent_of(one_line(record["consent_override"])) is None:
            code, message = (
                IssueCode.UNKNOWN_CONSENT_OVERRIDE,
                (
                    f"consent_override of {record['person_id']} ({tab} row {row}) is not "
                    "understood, so sheetsync reads it as no (organizers only): write yes, "
                    "first name or no."
                ),
            )
        else:
            code, message = (
                IssueCode.CONSENT_OVERRIDE_OUTDATED,
                (
                    f"{pid} answered the consent question on a form after consent_override on "
                    f"{tab} row {row} was written: sheetsync follows that answer. Clear "
                    "consent_override, or write it again if they have told you otherwise since."
                ),
            )
        issues.append(Issue(tab, row, "consent_override", code, message, Severity.WARNING))
    return issues


def _warnings(
    ctx: StepContext,
    by_id: dict[str, dict[str, Any]],
    linkage: Linkage,
    rows_of: dict[tuple[str, str], int],
) -> list[Issue]:
    """A do-not-contact mark the kept person lacks; decisions that contradict each other."""
    tab, issues = ctx.tables["people"].tab, []
    for pid, record in by_id.items():
        kept = by_id[linkage.kept_of[pid]]
        if record["do_not_contact"].strip() and not kept["do_not_contact"].strip():
            issues.append(
                Issue(
                    tab=tab,
                    row=int(record[ROW]),
                    field="do_not_contact",
                    code=IssueCode.DO_NOT_CONTACT_ON_DUPLICATE,
                    message=(
                        f"{pid} is marked do not contact and is the same person as "
                        f"{kept['person_id']} ({tab} row {kept[ROW]}): mark that row too, so "
                        "nobody contacts them."
                    ),
                    severity=Severity.WARNING,
                )
            )
    for a, b in linkage.contradictions:
        issues.append(
            Issue(
                tab=ctx.tables["duplicates"].tab,
                row=rows_of.get(pair_key(a, b), 0),
                field="decision",
                code=IssueCode.CONTRADICTING_DECISIONS,
                message=(
                    f"{a} and {b} are marked same, but with the other pairs marked same that "
                    "would make people marked different one person. sheetsync kept them "
                    f"apart until the decisions on the rows with {a} or {b} agree."
                ),
                severity=Severity.WARNING,
            )
        )
    return issues


def _apply_households(by_id: dict[str, dict[str, Any]], linkage: Linkage) -> int:
    """Mark different people sharing a phone, address or email as one household."""
    for record in by_id.values():
        record["household"] = ""
    firsts = set()
    for pid, first in linkage.household_of.items():
        by_id[pid]["household"] = f"H{first[1:]}" if first[:1] == "P" else f"H-{first}"
        firsts.add(first)
    return len(firsts)


def _fold_needs(ctx: StepContext, linkage: Linkage) -> tuple[pd.DataFrame, int]:
    """Needs follow the kept person; a repeated ask for a standing need joins the first one."""
    needs = records_of(ctx.frames["needs"])
    # What organizers recorded on Tasks first: a need met since the last weekly run is met.
    update_need_statuses(needs, records_of(ctx.frames["tasks"]))
    for need in needs:
        need["person_id"] = linkage.kept_of.get(need["person_id"], need["person_id"])
    by_id = {n["need_id"]: n for n in needs if n["need_id"]}
    _unfold_stale(needs, by_id)
    _fold_repeats(needs)
    repeated = [n for n in needs if n["status"] == NeedStatus.DUPLICATE]
    _raise_urgency(repeated, by_id)
    return frame_of(needs, ctx.schemas["needs"]), len(repeated)


def _unfold_stale(needs: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> None:
    """Reopen a folded repeat whose first need no longer stands for the same ask."""
    for need in needs:
        if need["status"] != NeedStatus.DUPLICATE:
            need["duplicate_of"] = ""
            continue
        # Once folded, a repeat shares its need's fate (met with it), as long as both are
        # still the same person's ask for the same category.
        first = by_id.get(need["duplicate_of"])
        still = (
            first is not None
            and first["status"] in (*_STANDING, NeedStatus.MET)
            and (first["person_id"], first["category"]) == (need["person_id"], need["category"])
        )
        if not still:
            need["status"], need["duplicate_of"] = NeedStatus.OPEN.value, ""


def _fold_repeats(needs: list[dict[str, Any]]) -> None:
    """Among a person's standing needs in one category, the later open ones repeat the first
    (a recurring series' repeats aside).
    The first is the earliest with a need_id: a row typed by hand without one cannot be
    pointed to, though it can repeat an earlier one."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for need in needs:
        # A recurring need's repeat is that period's help, never a repeated ask (recur/).
        if need["person_id"] and need["status"] in _STANDING and not is_repeat(need):
            groups[(need["person_id"], need["category"])].append(need)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda n: (n["opened"], id_number(n["need_id"])))
        first = next((n for n in group if n["need_id"]), None)
        if first is None:
            continue
        later = group[group.index(first) + 1 :]
        for need in later:
            if need["status"] == NeedStatus.OPEN:  # one with a task on it: organizers judge
                need["status"], need["duplicate_of"] = NeedStatus.DUPLICATE.value, first["need_id"]


def _raise_urgency(repeated: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> None:
    """A first need takes the urgency of its most urgent repeat."""
    for need in repeated:  # every run: intake resets the first need's urgency to its own
        first = by_id[need["duplicate_of"]]
        if _urgency_rank(need["urgency"]) > _urgency_rank(first["urgency"]):
            first["urgency"] = need["urgency"]


def _urgency_rank(urgency: str) -> int:
    """Higher is more urgent, as match ranks it."""
    return URGENCY_RANK.get(fold(urgency), 0)


def _pairs_tab(
    ctx: StepContext,
    rows: list[dict[str, Any]],
    by_id: dict[str, dict[str, Any]],
    linkage: Linkage,
    decisions: dict[tuple[str, str], Decision],
) -> tuple[pd.DataFrame, int, bool]:
    """Bring the Duplicates tab up to date; rows are found by their pair of ids. Also:
    whether a row was added or changed (stamped with the run's time)."""
    now = format_datetime(ctx.now)
    stamped = False
    ids = Ids("D", (r["pair_id"] for r in rows))
    by_pair = {pair_key(r["person_a"], r["person_b"]): r for r in rows if r["person_a"]}
    found = _pairs_found(linkage)
    for key in dict.fromkeys([*found, *by_pair]):
        record = by_pair.get(key)
        if record is None:
            first = found[key]  # person_a is the earlier id: the person kept
            record = empty_record(
                ctx.schemas["duplicates"],
                pair_id=ids(),
                person_a=first.a,
                person_b=first.b,
                first_seen=now,
            )
            by_pair[key] = record
            rows.append(record)
            stamped = True
        pair = found.get(key) or linkage.pairs.get(key)
        new = _pair_cells(record, pair, by_id, tab_language(ctx.config))
        new["status"] = _status(key, linkage, decisions, key in found)
        if any(record[k] != v for k, v in new.items()):
            record.update(new, updated=now)
            stamped = True
    to_review = sum(r["status"] == PairStatus.TO_REVIEW for r in rows)
    return frame_of(rows, ctx.schemas["duplicates"]), to_review, stamped


def _pairs_found(linkage: Linkage) -> dict[tuple[str, str], Pair]:
    """This run's pairs by key: those to review, most alike first, then those linked."""
    found: dict[tuple[str, str], Pair] = {}
    for listed in sorted(linkage.review, key=lambda p: (-p.score, p.a, p.b)):
        found[pair_key(listed.a, listed.b)] = listed
    for linked in linkage.links:
        found.setdefault(pair_key(linked.a, linked.b), linked)
    return found


def _pair_cells(
    record: dict[str, Any], pair: Pair | None, by_id: dict[str, dict[str, Any]], language: str
) -> dict[str, str]:
    """A pair's names as People has them now; its score and evidence as last compared, in
    the tabs' language."""
    return {
        "name_a": _name(by_id, record["person_a"], record["name_a"]),
        "name_b": _name(by_id, record["person_b"], record["name_b"]),
        # as the sheet gives a number back: "1", "0.95"
        "score": cell_text(pair.score) if pair else record["score"],
        "evidence": pair.reason_in(language) if pair else record["evidence"],
    }


def _name(by_id: dict[str, dict[str, Any]], pid: str, old: str) -> str:
    return str(by_id[pid]["name"]) if pid in by_id else old


def _status(
    key: tuple[str, str],
    linkage: Linkage,
    decisions: dict[tuple[str, str], Decision],
    found: bool,
) -> PairStatus:
    decision = decisions.get(key)
    together = linkage.kept_of.get(key[0], key[0]) == linkage.kept_of.get(key[1], key[1])
    if decision is Decision.DIFFERENT:
        return PairStatus.KEPT_APART
    if decision is Decision.SAME:
        return PairStatus.LINKED_BY_ORGANIZERS if together else PairStatus.CONTRADICTED
    if together:
        return PairStatus.LINKED
    return PairStatus.TO_REVIEW if found else PairStatus.NO_LONGER_ALIKE
