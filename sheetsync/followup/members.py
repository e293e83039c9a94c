"""Everyone has needs: the members carrying too much who wait for help themselves.

A volunteer the Load tab flags (any flag but "check-in due", which says nothing of their
load), or whose latest check-in is red, and who has needs of their own still open or
matched on the Needs tab (joined by person id, a linked duplicate's rows counting as the
person's), is raised in the organizers' digest (digest/followup_week.py). They are
ordered as needs are, by urgency and waiting time: their most urgent need first, then the
one that has waited longest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sheetsync.followup.model import WaitingMember
from sheetsync.form_languages import ENGLISH
from sheetsync.load.flags import FlagCode, flag_codes, flag_name
from sheetsync.match.eligibility import URGENCY_RANK
from sheetsync.members import Checkin, kept_ids, rows_by_person
from sheetsync.normalize import fold
from sheetsync.statuses import NeedStatus
from sheetsync.tables import records_of
from sheetsync.translation import translate

# Flags that say nothing of how much a member carries.
NOT_A_LOAD = frozenset({FlagCode.CHECKIN_DUE})
WAITING = (NeedStatus.OPEN.value, NeedStatus.MATCHED.value)  # a need nobody has met yet


def waiting_members(
    frames: Mapping[str, pd.DataFrame], language: str = ENGLISH
) -> tuple[WaitingMember, ...]:
    """The members flagged on the Load tab or red at their latest check-in, with needs of
    their own open or matched (the kept person's id; their needs' ids, oldest first). Why,
    in the Load tab's words, and a red check-in the tab does not show in `language`."""
    people = records_of(frames["people"])
    kept = kept_ids(people)
    why = _why_flagged(records_of(frames["load"]), kept)
    for pid, rows in rows_by_person(people, kept).items():
        checkin = Checkin.of(rows)
        if checkin.status == "red" and FlagCode.RED_CHECKIN not in flag_codes(why.get(pid, "")):
            red = (
                translate(language, "red check-in on %(date)s", date=checkin.on)
                if checkin.on
                else flag_name(FlagCode.RED_CHECKIN, language)
            )
            why[pid] = ", ".join(x for x in (why.get(pid, ""), red) if x)
    needs_of = _waiting_needs(records_of(frames["needs"]), kept, set(why))
    members = [
        WaitingMember(pid, why[pid], tuple(n["need_id"] for n in needs_of[pid])) for pid in needs_of
    ]
    return tuple(sorted(members, key=lambda m: _order(needs_of[m.person_id], m.person_id)))


def _why_flagged(load: list[dict[str, Any]], kept: Mapping[str, str]) -> dict[str, str]:
    """Kept person id -> their Load flags that speak of their load, in the tab's words."""
    why: dict[str, str] = {}
    for row in load:
        # The tab's words (any language sheetsync writes), told apart by their codes.
        named = zip(_flags(row["flags"]), flag_codes(row["flags"]), strict=True)
        flags = [name for name, code in named if code not in NOT_A_LOAD]
        pid = kept.get(row["person_id"], row["person_id"])
        if flags and pid:
            why[pid] = ", ".join(x for x in (why.get(pid, ""), *flags) if x)
    return why


def _flags(cell: str) -> list[str]:
    """A Load flags cell in its order ("over capacity, stretched")."""
    return [part.strip() for part in cell.split(",") if part.strip()]


def _waiting_needs(
    needs: list[dict[str, Any]], kept: Mapping[str, str], members: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each member's own needs open or matched, the oldest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    for need in needs:
        pid = kept.get(need["person_id"], need["person_id"])
        if pid in members and need["status"] in WAITING:
            found.setdefault(pid, []).append(need)
    for own in found.values():
        own.sort(key=lambda n: (n["opened"] or "9999", n["need_id"]))
    return found


def _order(needs: list[dict[str, Any]], pid: str) -> tuple[int, str, str]:
    """By their most urgent need, then the longest waiting: as needs are ordered."""
    rank = max(URGENCY_RANK.get(fold(n["urgency"]), 0) for n in needs)
    return (-rank, min(n["opened"] or "9999" for n in needs), pid)
