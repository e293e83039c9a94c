"""Whether a response tab's rows moved, or were only cleared: records know a row by its number.

sheetsync knows a response by its tab and row ("Form Responses 1:17"). Taking a response
back keeps every other one on its row: its cells cleared (a blank row), or the tab's last
rows cleared (a sheet then ends above them: records point past its end). A row deleted in
the middle, or the tab sorted, moves responses onto rows whose records are someone else's:
each would update another person's People row and needs. Only that stops a run.

The two are told apart by a fingerprint of each response as the last run recorded it,
kept in the records themselves (nothing more is stored, and nothing personal):

- its Timestamp, to the second, and its name folded: a need's `updated` and `name`, or an
  Errors row's `timestamp` and `name` for a response that was not used;
- on a form's tab only (Google writes its rows; a Phone log row is retyped at will), its
  person: the People row listing the response, found again by its email or phone and name.

A row whose response has no stamp recorded, and whose person is unknown on either side
(a Phone log offer: its person is never looked up), can't be told: it is taken as
holding its own response, never as another row's.

A row holds a moved response when it holds something other than what was recorded there,
that is what was recorded for another row, and that other row no longer holds it (it holds
a third response, or is past the tab's end). An edit gives a row new answers, never
another row's recorded ones; a swap of two rows' answers by hand reads as a sort, and
stops the run, which asks to undo it: a guess either way could point records at the wrong
person, a stop costs a retyped cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.intake.responses import ref_key, split_refs
from sheetsync.normalize import cell_text, fold
from sheetsync.statuses import ErrorStatus
from sheetsync.tables import FormTable
from sheetsync.translation import gettext_noop, translate

# A response as recorded: (its Timestamp as sortable text, its name folded).
Stamp = tuple[str, str]


@dataclass(frozen=True)
class Move:
    """A row now holding the response sheetsync read at another row."""

    tab: str  # the tab's title, as the organizer sees it
    row: int
    was_at: int


@dataclass
class Recorded:
    """The responses the last run took in, as its records remember them."""

    standing: set[str] = field(default_factory=set)  # used, or on the Errors tab unused
    stamps: dict[str, Stamp] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # ref -> its person (kept id)
    by_stamp: defaultdict[Stamp, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_owner: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def holds(self, ref: str, stamp: Stamp, who: str) -> bool:
        """Whether a row's content (its stamp, and whose it is: "" unknown) is the response
        recorded at `ref`. A ref without a stamp is compared by person if both are known;
        else nothing tells, and it is taken as holding it: a Phone log offer (no stamp, and
        its person never looked up) with the When and Name of a request typed in the same
        call must not read as that request moved when the request is edited or cleared."""
        if ref in self.stamps:
            return self.stamps[ref] == stamp
        owner = self.owners.get(ref, "")
        return not owner or not who or owner == who

    def recorded_as(self, stamp: Stamp, who: str) -> set[str]:
        """The refs whose recorded response this content could be."""
        by_person = {r for r in self.by_owner.get(who, set()) if r not in self.stamps}
        return self.by_stamp.get(stamp, set()) | (by_person if who else set())


def recorded(
    needs: Iterable[Mapping[str, Any]],
    errors: Iterable[Mapping[str, Any]],
    people: Iterable[Mapping[str, Any]],
    kept: Mapping[str, str],
) -> Recorded:
    """What the records say of each response: standing (a People row lists it, or an open
    Errors row names it: it was not used), its stamp (the open Errors row's, else its newest
    need's), its person (`kept`: person id -> the id it counts as). A noted Errors row's
    response was used: People lists it."""
    found = Recorded()
    for person in people:
        for ref in split_refs(str(person["source"])):
            found.standing.add(ref)
            found.owners[ref] = kept.get(str(person["person_id"]), str(person["person_id"]))
    newest = newest_stamps(needs)
    found.stamps.update((ref, s) for ref, s in newest.items() if ref in found.standing)
    for error in errors:
        if error["status"] != ErrorStatus.OPEN:
            continue
        ref = str(error["source"])
        found.standing.add(ref)
        stamp = (str(error["timestamp"]), fold(str(error["name"])))
        if stamp[0]:
            found.stamps[ref] = stamp
    for ref, stamp in found.stamps.items():
        found.by_stamp[stamp].add(ref)
    for ref, owner in found.owners.items():
        found.by_owner[owner].add(ref)
    return found


def find_move(
    table: FormTable,
    records: Recorded,
    stamp_of: Callable[[object], str],
    whose: Callable[[int], str],
) -> Move | None:
    """The first row of `table` holding a response recorded at another row, if any.
    `stamp_of` reads a Timestamp cell as recorded; `whose`: row -> the person its valid
    response is found to be by contact, "" if none (always, for the Phone log: see the
    module's docs). It is asked only of rows whose stamp settles nothing."""
    frame = table.frame
    # Each row's cells read once (a .loc per row is slow on a large tab).
    rows = [int(r) for r in frame.index]
    times = dict(zip(rows, frame["timestamp"].tolist(), strict=True))
    names = frame["name"].tolist() if "name" in frame.columns else [""] * len(rows)
    named = dict(zip(rows, names, strict=True))

    def content(row: int) -> tuple[Stamp, int] | None:
        """A row's stamp (and the row, to ask whose); None past the tab's end or blank
        (a blank row is not in the frame)."""
        if row not in times:
            return None
        return (stamp_of(times[row]), fold(cell_text(named[row]))), row

    def holds(ref: str, now: tuple[Stamp, int]) -> bool:
        stamp, row = now
        return records.holds(ref, stamp, "" if ref in records.stamps else whose(row))

    tab = table.ref_tab or table.tab
    for ref in sorted(records.standing, key=ref_key):
        at_tab, row = ref_key(ref)
        now = content(row) if at_tab == tab else None
        if now is None or holds(ref, now):
            continue  # cleared, or still (or edited into) its own response
        for other in sorted(records.recorded_as(now[0], whose(row)), key=ref_key):
            other_tab, other_row = ref_key(other)
            if other_tab != tab or other_row == row:
                continue
            there = content(other_row)
            gone = other_row > table.last_row  # past the end: moved up
            if gone or (there is not None and not holds(other, there)):
                return Move(table.tab, row, other_row)
    return None


def reused(
    table: FormTable,
    records: Recorded,
    sources: Iterable[str],
    stamp_of: Callable[[object], str],
    newest: Mapping[str, Stamp],
) -> set[str]:
    """The rows taken back earlier (their records stay, standing no more) that now hold a
    new response: the next response after a cleared last one lands on its row. Their old
    needs are not that response's (steps/intake.py gives it new ones). `sources`: the refs
    records point to; `newest`: each ref's newest need's stamp."""
    tab = table.ref_tab or table.tab
    found = set()
    for ref in set(sources) - records.standing:
        at_tab, row = ref_key(ref)
        if at_tab != tab or ref not in newest or row not in table.frame.index:
            continue  # a blank row is not in the frame
        cells = table.frame.loc[row]
        stamp = (stamp_of(cells["timestamp"]), fold(cell_text(cells["name"])))
        if newest[ref] != stamp:
            found.add(ref)
    return found


def taken_over(
    records: Recorded,
    rows: Mapping[str, tuple[Stamp, Mapping[str, Any]]],
    people: Iterable[Mapping[str, Any]],
    whose: Callable[[str], str],
) -> set[str]:
    """The rows recorded as one person's response that now hold another person's: the last
    response cleared and the next one landing on its row before a run reads it. Like
    reused() rows, each gets records of its own; the old person's stay, no longer naming it.

    `rows`: each valid response's ref -> its stamp and answers; `whose`: ref -> the person
    its contact and name are known as on People ("" for nobody). A row whose stamp is
    unchanged holds its response. A changed one is an edit unless its person is someone
    else known; or nobody known, its time changed too (a new response's Timestamp, a new
    call's When) and it shares no email, phone or name with the recorded person. An
    organizer putting a name right keeps the time: a caller reached only through a note,
    whose name was all that tied the row to them, stays the same person."""
    listed = {ref: p for p in people for ref in split_refs(str(p["source"]))}
    found = set()
    for ref, (stamp, answers) in rows.items():
        owner = records.owners.get(ref, "")
        if not owner or ref not in listed or records.stamps.get(ref) == stamp:
            continue
        who = whose(ref)
        recorded = records.stamps.get(ref)
        retimed = recorded is not None and recorded[0] != stamp[0]
        if (who and who != owner) or (
            not who and retimed and not _shares_contact(listed[ref], answers)
        ):
            found.add(ref)
    return found


def _shares_contact(person: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether a response gives a People row's email, phone or name (folded)."""
    pairs = (
        (str(person["email"]).casefold(), str(answers.get("email") or "").casefold()),
        (str(person["phone"]), str(answers.get("phone") or "")),
        (fold(str(person["name"])), fold(str(answers.get("name") or ""))),
    )
    return any(known and known == given for known, given in pairs)


def newest_stamps(needs: Iterable[Mapping[str, Any]]) -> dict[str, Stamp]:
    """Each ref's newest need's stamp (`updated`, name folded)."""
    newest: dict[str, Stamp] = {}
    for need in needs:
        stamp = (str(need["updated"]), fold(str(need["name"])))
        ref = str(need["source"])
        if ref and stamp[0] and stamp > newest.get(ref, ("", "")):
            newest[ref] = stamp
    return newest


_CLEARED = gettext_noop(
    "This response is gone from tab '%(tab)s': its row was cleared, or deleted at the tab's "
    "end. sheetsync withdrew its needs and kept its person. If that was a mistake, undo it "
    "(Edit → Undo, or File → Version history) and run again; otherwise there is nothing to do."
)


def cleared_note(language: str, tab: str) -> str:
    """The Errors tab's note on a response gone past its tab's end, in the tab's language."""
    return translate(language, _CLEARED, tab=tab)
