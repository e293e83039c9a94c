"""The Summary's layout as data: sections laid out from the top on sheetsync's rows, a typed
or copied row left where it is, the groups of needs without a volunteer kept short, and a
write that moves keys from row to row while the tab grows."""

from __future__ import annotations

import pytest

from sheetsync.backends.base import CellUpdate, Guard, TabChanges, TabData, readdress, tab_now
from sheetsync.errors import SheetChangedError
from sheetsync.match.unserved import Unserved
from sheetsync.schema import load_schemas
from sheetsync.summary.layout import Line, Section, lay_out
from sheetsync.summary.network import MAX_GROUPS, unserved_lines
from sheetsync.tables import ROW, frame_of, plan_changes, read_table

SCHEMA = load_schemas()["summary"]


def read(*rows: tuple[str, str, str, str, str]) -> object:
    """The Summary as read: rows from sheet row 2 down (section, item, value, metric, note)."""
    records = [
        {**dict(zip(SCHEMA.names, row, strict=True)), ROW: number}
        for number, row in enumerate(rows, start=2)
    ]
    return frame_of(records, SCHEMA)


def laid_out(sections, *rows):
    frame = lay_out(sections, read(*rows), SCHEMA)
    return sorted(
        (int(r[ROW]), r["section"], r["item"], r["value"], r["metric"])
        for r in frame.to_dict("records")
    )


SECTIONS = [
    Section("attention", "Needs attention", [Line("errors.open", "Responses to fix", "0")]),
    Section(
        "network",
        "The network",
        [Line("people.total", "People", "4"), Line("goal.x", "A goal", "0", keep=True)],
    ),
]


def test_zero_lines_and_empty_sections_are_left_out_and_rows_emptied():
    old = [
        ("Needs attention", "", "", "section.attention", ""),
        ("", "Responses to fix", "3", "errors.open", ""),
        ("The network", "", "", "section.network", ""),
        ("", "People", "4", "people.total", ""),
    ]
    assert laid_out(SECTIONS, *old) == [
        (2, "The network", "", "", "section.network"),
        (3, "", "People", "4", "people.total"),
        (4, "", "A goal", "0", "goal.x"),
        (5, "", "", "", ""),  # emptied: sheetsync never deletes a row
    ]


def test_typed_and_copied_rows_stay_and_blank_rows_are_reused():
    old = [
        ("The network", "", "", "section.network", ""),
        ("Our count", "Boxes", "12", "", ""),  # typed: no metric
        ("", "", "", "", ""),  # blank: free
        ("", "People", "4", "people.total", ""),
        ("", "People (copy)", "4", "people.total", ""),  # a copy: the later one is theirs
    ]
    assert laid_out(SECTIONS, *old) == [
        (2, "The network", "", "", "section.network"),
        (3, "Our count", "Boxes", "12", ""),
        (4, "", "People", "4", "people.total"),  # on the blank row
        (5, "", "A goal", "0", "goal.x"),  # on the row People was on
        (6, "", "People (copy)", "4", "people.total"),
    ]
    # One more line than rows to put it on: appended below everything.
    more = [*SECTIONS, Section("extra", "Extra", [Line("extra.one", "One", "1")])]
    assert laid_out(more, *old)[:2] == [
        (0, "", "One", "1", "extra.one"),
        (0, "Extra", "", "", "section.extra"),
    ]


def need(category: str, zone: str, nobody: bool = True) -> Unserved:
    return Unserved(category, zone, frozenset(), False, nobody)


def test_groups_without_a_volunteer_beyond_the_largest_share_one_row():
    unserved = [need("Rides", "Northside")] * 3 + [
        need(c, "Eastside") for c in ("Meals", "Childcare", "Groceries", "Tech help", "Other")
    ]
    unserved += [need("Meals", "Westside", nobody=False)] * 2
    lines = unserved_lines(unserved)
    assert [(x.key, x.value) for x in lines] == [
        ("unserved.nobody.Rides.Northside.", "3"),
        ("unserved.nobody.Childcare.Eastside.", "1"),
        ("unserved.nobody.Groceries.Eastside.", "1"),
        ("unserved.nobody.Meals.Eastside.", "1"),
        ("unserved.nobody.more", "2"),
        ("unserved.full", "2"),
    ]
    assert MAX_GROUPS == 4
    assert lines[4].note == (
        "2 more needs had no volunteer (Other in Eastside: 1; Tech help in Eastside: 1): "
        "recruit volunteers for these too."
    )
    assert lines[5].note == (
        "2 needs waited (Meals in Westside: 2): the volunteers who could help were full, "
        "resting, had declined it, or are family."
    )
    assert all(x.keep for x in lines)


def test_a_key_moving_down_past_the_end_is_appended_not_taken_for_a_typed_row():
    # Row 3 held "b"; the new layout writes "a2" there and appends "b" below.
    rows = [["section", "item", "value", "metric", "note"], ["", "A", 1, "a", ""]]
    rows.append(["", "B", 2, "b", ""])
    change = TabChanges(
        "Summary",
        start_row=4,
        header=rows[0],
        key_col=4,
        update=[CellUpdate(3, 2, "A2"), CellUpdate(3, 4, "a2")],
        guards=[Guard(3, 4, "b")],
        append=[["", "B", 2, "b", ""]],
    )
    placed = readdress(change, tab_now(rows, change))
    assert placed.append == [["", "B", 2, "b", ""]] and placed.start_row == 4
    # A row typed meanwhile holding that key is still someone else's.
    rows.append(["", "Typed", 9, "b", ""])
    with pytest.raises(SheetChangedError, match="holds the id of a row sheetsync"):
        readdress(change, tab_now(rows, change))


def test_a_retry_after_a_lost_write_that_moved_keys_writes_nothing_twice():
    change = TabChanges(
        "Summary",
        start_row=4,
        header=["section", "item", "value", "metric", "note"],
        key_col=4,
        update=[CellUpdate(3, 2, "A2"), CellUpdate(3, 4, "a2")],
        guards=[Guard(3, 4, "b")],
        append=[["", "B", 2, "b", ""]],
    )
    # The lost write was applied: row 3 holds the new key, the moved row is below.
    rows = [change.header, ["", "A", 1, "a", ""], ["", "A2", 2, "a2", ""], ["", "B", 2, "b", ""]]
    placed = readdress(change, tab_now(rows, change), retry=True)
    assert placed.append == [] and [u.row for u in placed.update] == [3, 3]


def _copied_below():
    """Last run wrote a heading and lines a, b; an organizer copied line b below, in their
    words. This run a new line comes first: b must go on a new row, below the copy."""
    header = list(SCHEMA.titles)
    rows = [
        header,
        ["Sec", None, None, "section.s", None],
        [None, "A", 1, "a", None],
        [None, "B", 2, "b", None],
        [None, "B on 1 Dec", 2, "b", "my snapshot"],
    ]
    sections = [
        Section(
            "s",
            "Sec",
            [Line("new", "New", "1", keep=True), Line("a", "A", "1"), Line("b", "B", "3")],
        )
    ]
    table = read_table(TabData("Summary", rows), SCHEMA, "Summary")
    changes, _ = plan_changes(table, lay_out(sections, table.frame, SCHEMA))
    return rows, changes


def test_a_row_appended_below_a_copy_of_it_is_no_clash():
    rows, changes = _copied_below()
    assert changes.append == [[None, "B", 3, "b", None]] and changes.kept_keys == {"b": 1}
    placed = readdress(changes, tab_now(rows, changes))
    assert placed.append == changes.append and placed.start_row == 6
    # On a retry after a lost write, the row written below the copy is this run's.
    written = [*rows[:2], [None, "New", 1, "new", None], [None, "A", 1, "a", None], rows[4]]
    written.append([None, "B", 3, "b", None])
    again = readdress(changes, tab_now(written, changes), retry=True)
    assert again.append == []


def test_a_row_typed_meanwhile_with_the_key_of_a_row_to_add_still_stops_the_write():
    rows, changes = _copied_below()
    typed = [*rows, [None, "Mine", 7, "b", None]]  # a second copy, typed after the read
    with pytest.raises(SheetChangedError, match="row 6"):
        readdress(changes, tab_now(typed, changes))


def test_a_copy_above_sheetsyncs_row_is_told_apart_by_its_words():
    sections = [Section("s", "Sec", [Line("a", "A", "5"), Line("b", "B", "6")])]
    got = laid_out(
        sections,
        ("Sec", "", "", "section.s", ""),
        ("", "A", "1", "a", ""),
        ("", "B on 1 Dec", "2", "b", "my snapshot"),  # the copy, above sheetsync's row
        ("", "B", "2", "b", ""),
    )
    assert got == [
        (2, "Sec", "", "", "section.s"),
        (3, "", "A", "5", "a"),
        (4, "", "B on 1 Dec", "2", "b"),
        (5, "", "B", "6", "b"),
    ]
