"""readdress(): a write re-addressed against the tab as it is just before writing."""

from __future__ import annotations

import datetime as dt

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
    """What the Google backend's check reads: the header row and the key column, whole, and
    on a retry the whole rows too."""
    keys = [row[0] if row else None for row in rows]
    last = max(
        (i + 1 for i, row in enumerate(rows) if any(v not in (None, "") for v in row)), default=0
    )
    header = list(rows[0]) if rows else []
    return TabNow(header=header, columns={1: keys}, last_row=last, rows=rows)


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


def test_a_row_a_lost_write_had_added_is_not_appended_again_on_the_retry() -> None:
    # The write was applied, its answer lost: T2 is there and T1 already says done.
    now = now_of(tasks(["T1", "N1", "done"], ["T2", "N2", "open"]))
    more = change(**{**RUN, "append": [["T2", "N2", "open"], ["T3", "N3", "open"]]})
    done = readdress(more, now, retry=True)
    assert done.append == [["T3", "N3", "open"]]
    assert done.update == [CellUpdate(2, 3, "done")]  # the same value again: idempotent
    assert done.start_row == 4


def test_a_row_typed_with_the_id_the_run_was_about_to_give_stops_the_write() -> None:
    # Ids are the highest seen plus one: an organizer typed T2 by hand after the read. The
    # run's T2 (for another need) must not be dropped, nor added beside it: recompute.
    now = now_of(tasks(["T1", "N1", "open"], ["T2", "N7", "typed"]))
    with pytest.raises(SheetChangedError, match=r"row typed meanwhile \(row 3\) holds the id") as e:
        readdress(change(**RUN), now)
    assert "T2" not in str(e.value)  # cell values never go out in messages
    # Even a row that looks the same is not this run's on a first try: nothing was sent.
    same = now_of(tasks(["T1", "N1", "open"], ["T2", "N2", "open"]))
    with pytest.raises(SheetChangedError, match="holds the id"):
        readdress(change(**RUN), same)


@pytest.mark.parametrize(
    "held",
    [
        [["T2", "N7", "typed"]],  # typed meanwhile, the lost write not applied
        [["T2", "N2", "open"], ["T2", "N7", "typed"]],  # applied, and one typed too
    ],
)
def test_on_a_retry_a_row_holding_the_key_but_other_cells_stops_the_write(
    held: list[list[Value]],
) -> None:
    now = now_of(tasks(["T1", "N1", "open"], *held))
    with pytest.raises(SheetChangedError, match="holds the id"):
        readdress(change(**RUN), now, retry=True)


def test_on_a_retry_rows_compare_as_the_store_reads_them_back() -> None:
    # Google reads a date back as a serial number, and 2.0 as 2: the same row all the same.
    row: list[Value] = ["T2", "N2", dt.date(2026, 11, 20), 2.0, None]
    now = now_of(tasks(["T1", "N1", "open"], ["T2", "N2", 46346, 2]))
    as_serial = {dt.date(2026, 11, 20): 46346}
    done = readdress(change(append=[row]), now, retry=True, as_stored=lambda v: as_serial.get(v, v))
    assert done.append == []
    with pytest.raises(SheetChangedError):
        readdress(change(append=[row]), now, retry=True)


def test_header_only_empty_tab_gets_its_header_once() -> None:
    # The tab existed but was empty: the run writes the header, then its rows.
    first = change(start_row=1, header=[], append=[list(HEADER), ["T1", "N1", "open"]])
    empty = TabNow(header=[], columns={1: []}, last_row=0)
    assert readdress(first, empty).append == first.append
    # The lost write had written the header and T1: nothing is left to append.
    written = now_of(tasks(["T1", "N1", "open"]))
    assert readdress(first, written, retry=True).append == []
    # Only the header row there (another run wrote it): the rows still go in, once.
    header_only = now_of(tasks())
    assert readdress(first, header_only).append == [["T1", "N1", "open"]]


@pytest.mark.parametrize("retry", [False, True])
@pytest.mark.parametrize("typed", [[["T5", "N5", "typed"]], [[], ["T5", "N5", "typed"]]])
def test_a_row_typed_into_a_tab_that_was_empty_stops_the_write(
    retry: bool, typed: list[list[Value]]
) -> None:
    # Empty when read; an organizer typed a task into row 1 (or 2) before the write.
    # Appending below it, header and all, would leave the tab unreadable to the next run.
    first = change(start_row=1, header=[], append=[list(HEADER), ["T1", "N1", "open"]])
    with pytest.raises(SheetChangedError, match="it was empty, and now holds rows"):
        readdress(first, now_of(typed), retry=retry)


def test_a_header_written_by_a_lost_write_is_not_written_again_even_without_a_key() -> None:
    # `sheetsync init` creates tabs with their header only, and no key column to go by.
    header_only = TabChanges("Notes", start_row=1, append=[["when", "what"]])
    assert readdress(header_only, TabNow(["when", "what"], {}, 1)).append == []
    assert readdress(header_only, TabNow([], {}, 0)).append == [["when", "what"]]


def test_a_row_without_an_id_is_updated_only_where_it_was_read() -> None:
    # A row without an id on row 2; the run updates it.
    blank = change(update=[CellUpdate(2, 3, "done")], guards=[Guard(2, 1, "")], start_row=4)
    read = tasks(["", "N1", "open"], ["T1", "N2", "open"])
    assert readdress(blank, now_of(read)).update == [CellUpdate(2, 3, "done")]
    # Sorted (or deleted and another typed): the one blank row now is on row 3. Nothing
    # says it is the same row, so the update must not follow it there: stop.
    moved = tasks(["T1", "N2", "open"], ["", "N5", "typed"])
    with pytest.raises(SheetChangedError, match=r"\(row 2\) has no id"):
        readdress(blank, now_of(moved))


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
