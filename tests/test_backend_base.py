"""readdress(): a write re-addressed against the tab as it is just before writing."""

from __future__ import annotations

import pytest

from sheetsync.backends.base import (
    SHEETS_CELL_LIMIT,
    SHORTENED,
    CellUpdate,
    Guard,
    TabChanges,
    TabNow,
    Value,
    fit_cell,
    readdress,
)
from sheetsync.errors import SheetChangedError

HEADER = ["task_id", "need_id", "status"]


def tasks(*rows: list[Value]) -> list[list[Value]]:
    """The Tasks tab as read: the header and `rows`."""
    return [list(HEADER), *rows]


def now_of(rows: list[list[Value]]) -> TabNow:
    """What the Google backend's check reads: the header row and the key column, whole."""
    keys = [row[0] if row else None for row in rows]
    last = max(
        (i + 1 for i, row in enumerate(rows) if any(v not in (None, "") for v in row)), default=0
    )
    return TabNow(header=list(rows[0]) if rows else [], columns={1: keys}, last_row=last)


def change(**fields: object) -> TabChanges:
    base: dict[str, object] = {
        "tab": "Tasks",
        "start_row": 3,
        "header": list(HEADER),
        "key_col": 1,
    }
    base.update(fields)
    return TabChanges(**base)  # type: ignore[arg-type]


# Read: T1 on row 2. The run sets T1's status and appends T2.
READ = tasks(["T1", "N1", "open"])
RUN = {
    "update": [CellUpdate(2, 3, "done")],
    "guards": [Guard(2, 1, "T1")],
    "append": [["T2", "N2", "open"]],
}


def test_unchanged_tab_keeps_the_addresses() -> None:
    done = readdress(change(**RUN), now_of(READ))
    assert (done.start_row, done.update, done.append) == (3, RUN["update"], RUN["append"])


def test_row_moved_the_update_follows_it_and_appends_go_below_the_typed_row() -> None:
    # An organizer typed a task above T1 (inserted a row): T1 is on row 3 now.
    now = now_of(tasks(["T9", "N9", "typed"], ["T1", "N1", "open"]))
    done = readdress(change(**RUN), now)
    assert done.update == [CellUpdate(3, 3, "done")]
    assert done.guards == [Guard(3, 1, "T1")]
    assert (done.start_row, done.append) == (4, [["T2", "N2", "open"]])


def test_row_deleted_stops_the_write() -> None:
    with pytest.raises(SheetChangedError, match=r"'Tasks'.*row 2\) is gone.*reads the sheet again"):
        readdress(change(**RUN), now_of(tasks(["T7", "N7", "open"])))


def test_duplicate_id_stops_the_write_without_quoting_the_id() -> None:
    now = now_of(tasks(["T0", "N0", "x"], ["T1", "N1", "open"], ["T1", "N1", "copy"]))
    with pytest.raises(SheetChangedError, match="is now on 2 rows") as caught:
        readdress(change(**RUN), now)
    assert "T1" not in str(caught.value)  # an id is not personal, but cell values never go out


def test_columns_moved_stop_the_write() -> None:
    moved = [["need_id", "task_id", "status"], ["N1", "T1", "open"]]
    with pytest.raises(SheetChangedError, match=r"columns moved \(column 1 was 'task_id'\)"):
        readdress(change(**RUN), now_of(moved))


def test_key_already_present_after_a_lost_write_is_not_appended_again() -> None:
    # The write was applied, its answer lost: T2 is there and T1 already says done.
    now = now_of(tasks(["T1", "N1", "done"], ["T2", "N2", "open"]))
    more = change(**{**RUN, "append": [["T2", "N2", "open"], ["T3", "N3", "open"]]})
    done = readdress(more, now)
    assert done.append == [["T3", "N3", "open"]]
    assert done.update == [CellUpdate(2, 3, "done")]  # the same value again: idempotent
    assert done.start_row == 4


def test_header_only_empty_tab_gets_its_header_once() -> None:
    # The tab existed but was empty: the run writes the header, then its rows.
    first = change(start_row=1, header=[], append=[list(HEADER), ["T1", "N1", "open"]])
    empty = TabNow(header=[], columns={1: []}, last_row=0)
    assert readdress(first, empty).append == first.append
    # The lost write had written the header and T1: nothing is left to append.
    written = now_of(tasks(["T1", "N1", "open"]))
    assert readdress(first, written).append == []
    # Only the header row there (another run wrote it): the rows still go in, once.
    header_only = now_of(tasks())
    assert readdress(first, header_only).append == [["T1", "N1", "open"]]


def test_a_header_written_by_a_lost_write_is_not_written_again_even_without_a_key() -> None:
    # `sheetsync init` creates tabs with their header only, and no key column to go by.
    header_only = TabChanges("Notes", start_row=1, append=[["when", "what"]])
    assert readdress(header_only, TabNow(["when", "what"], {}, 1)).append == []
    assert readdress(header_only, TabNow([], {}, 0)).append == [["when", "what"]]


def test_a_created_tab_is_left_as_it_is() -> None:
    new = change(create=True, start_row=1, header=[], append=[list(HEADER)])
    assert readdress(new, TabNow([], {}, 0)) is new


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("x" * SHEETS_CELL_LIMIT, True),
        ("x" * (SHEETS_CELL_LIMIT + 1), False),
        (12.5, True),
        (None, True),
    ],
)
def test_fit_cell_shortens_only_text_over_the_limit(value: Value, fits: bool) -> None:
    fitted = fit_cell(value, SHEETS_CELL_LIMIT)
    if fits:
        assert fitted == value
    else:
        assert isinstance(fitted, str) and len(fitted) == SHEETS_CELL_LIMIT
        assert fitted.endswith(SHORTENED)
