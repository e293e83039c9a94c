"""Conditional writes: sheetsync moves an organizer's cell (a proposal it withdraws) only from
the text it read. The diff (tables.plan_changes) and the check at write time (readdress)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sheetsync.backends.base import (
    CellUpdate,
    Condition,
    Guard,
    TabChanges,
    TabData,
    TabNow,
    Value,
    readdress,
    tab_now,
)
from sheetsync.errors import SheetChangedError
from sheetsync.schema import TableSchema, load_schemas
from sheetsync.tables import ROW, plan_changes, read_table


def tasks_schema(writes: tuple[str, ...] = ("withdrawn",)) -> TableSchema:
    """The shipped Tasks schema with `withdrawn` among its statuses and, by default, the
    status sheetsync may write (the lead's tasks.yaml declares it; this stands in)."""
    schema = load_schemas()["tasks"]
    status = schema.field("status")
    enum = tuple(dict.fromkeys([*(status.enum or ()), "withdrawn"]))
    new_status = dataclasses.replace(status, enum=enum, sheetsync_writes=writes)
    fields = tuple(new_status if f.name == "status" else f for f in schema.fields)
    return dataclasses.replace(schema, fields=fields)


def tasks_rows(*rows: dict[str, str]) -> list[list[Value]]:
    """The Tasks tab as read: its header, then one row per dict (fields by name)."""
    names = tasks_schema().names
    return [list(names), *[[row.get(n, "") for n in names] for row in rows]]


T1 = {"task_id": "T0001", "need_id": "N0001", "volunteer_id": "P0002", "status": "proposed"}
T2 = {"task_id": "T0002", "need_id": "N0002", "volunteer_id": "P0003", "status": "accepted"}
STATUS = tasks_schema().names.index("status") + 1  # 1-based column of status
NOTES = tasks_schema().names.index("notes") + 1


def plan(edit: dict[str, dict[str, str]], writes: tuple[str, ...] = ("withdrawn",)):
    """What a run writes when a step sets `edit` ({task_id: {field: text}}) on the tasks."""
    table = read_table(TabData("Tasks", tasks_rows(T1, T2)), tasks_schema(writes), "Tasks")
    frame = table.frame.copy()
    for task_id, fields in edit.items():
        for name, text in fields.items():
            frame.loc[frame["task_id"] == task_id, name] = text
    return plan_changes(table, frame)


# The diff: only a move to a value sheetsync may write, with its condition


def test_a_proposal_withdrawn_by_a_step_is_written_with_its_condition():
    changes, report = plan({"T0001": {"status": "withdrawn"}})
    assert changes.update == [CellUpdate(2, STATUS, "withdrawn")]
    assert changes.expect == [Condition(2, STATUS, "proposed")]
    assert changes.guards == [Guard(2, 1, "T0001")]
    assert [(c.row, c.column, c.old, c.new) for c in report.changed] == [
        (2, "status", "proposed", "withdrawn")
    ]
    assert report.cells_changed == 1


@pytest.mark.parametrize("status", ["accepted", "done", "declined", "", "Withdrawn "])
def test_any_other_change_to_an_organizers_status_is_not_written(status):
    changes, report = plan({"T0001": {"status": status}, "T0002": {"notes": "step note"}})
    assert changes.is_empty and changes.expect == [] and changes.guards == []
    assert report.changed == [] and report.cells_changed == 0


def test_without_sheetsync_writes_an_organizers_cell_is_never_written():
    changes, report = plan({"T0001": {"status": "withdrawn"}}, writes=())
    assert changes.is_empty and changes.expect == []
    assert report.changed == []


def test_a_withdrawal_and_sheetsync_cells_on_one_row_share_one_guard():
    changes, report = plan(
        {
            "T0001": {"status": "withdrawn", "reasons": "volunteer resting"},
            "T0002": {"status": "withdrawn"},  # from accepted: the step's choice, written too
        }
    )
    reasons = tasks_schema().names.index("reasons") + 1
    assert changes.update == [
        CellUpdate(2, reasons, "volunteer resting"),
        CellUpdate(2, STATUS, "withdrawn"),
        CellUpdate(3, STATUS, "withdrawn"),
    ]
    assert changes.guards == [Guard(2, 1, "T0001"), Guard(3, 1, "T0002")]
    assert changes.expect == [Condition(2, STATUS, "proposed"), Condition(3, STATUS, "accepted")]
    assert report.cells_changed == 3


def test_a_new_row_carries_its_organizer_cells_without_a_condition():
    table = read_table(TabData("Tasks", tasks_rows(T1)), tasks_schema(), "Tasks")
    new = {**dict.fromkeys(table.schema.names, ""), "task_id": "T0002", "status": "proposed"}
    frame = pd.concat([table.frame, pd.DataFrame([{**new, ROW: 0}])], ignore_index=True)
    changes, report = plan_changes(table, frame)
    assert changes.update == [] and changes.expect == []
    assert changes.append[0][0] == "T0002" and changes.append[0][STATUS - 1] == "proposed"
    assert report.rows_added == 1


# The check at write time (readdress)

WITHDRAW = {
    "update": [CellUpdate(2, STATUS, "withdrawn")],
    "guards": [Guard(2, 1, "T0001")],
    "expect": [Condition(2, STATUS, "proposed")],
}


def change(**fields: object) -> TabChanges:
    base: dict[str, object] = {
        "tab": "Tasks",
        "start_row": 4,
        "header": tasks_schema().names,
        "key_col": 1,
        **WITHDRAW,
    }
    base.update(fields)
    return TabChanges(**base)  # type: ignore[arg-type]


def now(*rows: dict[str, str]) -> TabNow:
    """The tab as the write's check reads it (tab_now: the key, guarded and conditioned
    columns, and the whole rows)."""
    return tab_now(tasks_rows(*rows), change())


def test_the_check_reads_the_conditioned_column():
    assert set(now(T1, T2).columns) == {1, STATUS}


def test_a_cell_still_as_read_is_written():
    placed = readdress(change(), now(T1, T2))
    assert placed.update == [CellUpdate(2, STATUS, "withdrawn")]
    assert placed.expect == [Condition(2, STATUS, "proposed")]


def test_a_row_moved_meanwhile_is_followed_and_its_cell_checked_where_it_is_now():
    """An organizer sorted the tab: T0001 is on row 3 now, and row 2 holds an accepted task.
    The condition follows the row, not the place: the withdrawal is written on row 3."""
    placed = readdress(change(), now(T2, T1))
    assert placed.update == [CellUpdate(3, STATUS, "withdrawn")]
    assert placed.guards == [Guard(3, 1, "T0001")]
    assert placed.expect == [Condition(3, STATUS, "proposed")]


@pytest.mark.parametrize("typed", ["accepted", "", "done", "withdrawn"])
def test_an_organizers_status_typed_meanwhile_stops_the_write(typed):
    """Accepted (or anything but what was read, even the value sheetsync writes: only a
    retry may take that for its own) stops the write; the message names no cell value."""
    with pytest.raises(SheetChangedError) as err:
        readdress(change(), now({**T1, "status": typed}, T2))
    message = str(err.value)
    assert message == (
        "Tab 'Tasks' changed while sheetsync was working: a cell sheetsync was about to "
        f"change (row 2, column {STATUS}, 'status') no longer holds what sheetsync read: "
        "someone typed there meanwhile. Nothing was written; the run reads the sheet again "
        "and leaves what was typed."
    )
    assert "proposed" not in message and "accepted" not in message


def test_a_moved_row_whose_cell_was_typed_stops_the_write_naming_where_it_is_now():
    with pytest.raises(SheetChangedError, match=r"\(row 3, column"):
        readdress(change(), now(T2, {**T1, "status": "accepted"}))


def test_on_a_retry_a_cell_the_lost_write_had_withdrawn_counts_as_written():
    """Google did not confirm the write; the re-read finds `withdrawn` there: nothing of it
    is sent again, and nothing else changes."""
    placed = readdress(change(), now({**T1, "status": "withdrawn"}, T2), retry=True)
    assert placed.update == [] and placed.expect == []
    assert placed.is_empty


def test_on_a_retry_a_cell_not_written_yet_is_written_and_other_updates_stay():
    notes = CellUpdate(3, NOTES, None)  # another update of the run, on another row
    ours = change(
        update=[*WITHDRAW["update"], notes],  # type: ignore[list-item]
        guards=[*WITHDRAW["guards"], Guard(3, 1, "T0002")],  # type: ignore[list-item]
    )
    placed = readdress(ours, now({**T1, "status": "withdrawn"}, T2), retry=True)
    assert placed.update == [notes] and placed.expect == []
    placed = readdress(ours, now(T1, T2), retry=True)
    assert placed.update == [CellUpdate(2, STATUS, "withdrawn"), notes]
    assert placed.expect == [Condition(2, STATUS, "proposed")]


def test_on_a_retry_an_organizers_status_typed_meanwhile_still_stops_the_write():
    with pytest.raises(SheetChangedError, match="no longer holds what sheetsync read"):
        readdress(change(), now({**T1, "status": "accepted"}, T2), retry=True)


def test_a_conditioned_column_the_check_did_not_read_stops_the_write():
    """A backend that forgot to read the column cannot let the write through unchecked."""
    rows = tasks_rows(T1, T2)
    blind = TabNow(rows[0], {1: [r[0] for r in rows]}, len(rows))
    with pytest.raises(SheetChangedError):
        readdress(change(), blind)


def test_changes_without_conditions_are_addressed_as_before():
    plain = change(expect=[])
    placed = readdress(plain, now({**T1, "status": "accepted"}, T2))
    assert placed.update == [CellUpdate(2, STATUS, "withdrawn")] and placed.expect == []
