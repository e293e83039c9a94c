"""Issue 22: the faster forms of intake's and planning's hot loops give what the plain
per-row forms gave (kept here as the reference), on named cases and random inputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabChanges, TabData, Value
from sheetsync.changes import _texts_at, row_texts
from sheetsync.ids import Ids
from sheetsync.intake.validate import map_text
from sheetsync.normalize import (
    cell_text,
    clean_text,
    fold,
    fold_uncached,
    storable,
    tidy_name,
    tidy_text,
)
from sheetsync.report import Issue, IssueCode, Severity, TabReport
from sheetsync.schema import load_schemas
from sheetsync.steps.intake import _Rows
from sheetsync.tables import (
    ROW,
    Table,
    _append_rows,
    _clean_answers,
    blank_mask,
    empty_record,
    read_table,
    records_of,
    to_cell,
)

# -- fold, cached -----------------------------------------------------------------------


def test_fold_named_cases() -> None:
    for text in ["José  GARCÍA", "Đức", "", "  ", "Ørsted Łukasz", "ﬁ ligature", "A\tb\nc"]:
        assert fold(text) == fold_uncached(text)
    assert fold("José  GARCÍA") == "jose garcia"
    assert fold("Đức") == "duc"


@given(st.text())
def test_fold_is_fold_uncached(text: str) -> None:
    assert fold(text) == fold_uncached(text)
    assert fold(text) == fold_uncached(text)  # again, from the cache


# -- _append_rows, a column at a time -----------------------------------------------------


def _append_rows_per_row(
    table: Table, added: pd.DataFrame, changes: TabChanges, report: TabReport
) -> None:
    """The reference: _append_rows as it was, a record at a time."""
    specs = {f.name: f for f in table.schema.fields}
    by_column = {i: n for n, i in table.columns.items()}
    width = len(table.header)
    for record in records_of(added):
        cells = [
            to_cell(specs[by_column[i]], str(record.get(by_column[i], "")))
            if i in by_column
            else None
            for i in range(width)
        ]
        changes.append.append(cells)
        report.added.append([cell_text(c) for c in cells])
        key = table.schema.primary_key
        report.added_ids.append(str(record.get(key, "")) if key else "")


SCHEMAS = load_schemas()
# Texts a cell of any field may hold: numbers, sheetsync's dates, dates as organizers type.
CELL_TEXTS = st.one_of(
    st.sampled_from(
        ["", "3", "3.0", "2.5", "x", "2026-11-20", "2026-11-20 14:05", "2026-11-20 14:05:07"]
    ),
    st.sampled_from(["20/11/2026", "-1", "1e3", "nan", "T0001", "P0002", " spaced "]),
    st.text(max_size=6),
)


def _both(table: Table, added: pd.DataFrame) -> None:
    fast, slow = TabChanges(tab=table.tab), TabChanges(tab=table.tab)
    fast_report, slow_report = TabReport(tab=table.tab), TabReport(tab=table.tab)
    _append_rows(table, added, fast, fast_report)
    _append_rows_per_row(table, added, slow, slow_report)
    # repr: the same values of the same types ("nan" is a float NaN, unequal to itself)
    assert [[repr(c) for c in r] for r in fast.append] == [
        [repr(c) for c in r] for r in slow.append
    ]
    assert fast_report.added == slow_report.added
    assert fast_report.added_ids == slow_report.added_ids


def _table(name: str, extra_columns: Sequence[str] = ()) -> Table:
    schema = SCHEMAS[name]
    header: list[Value] = [*(f.title for f in schema.fields), *extra_columns]
    return read_table(TabData(name, [header]), schema, name)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(SCHEMAS)),
    rows=st.integers(0, 8),
    data=st.data(),
    extra=st.booleans(),
    dropped=st.integers(0, 3),
)
def test_append_rows_is_per_row(
    name: str, rows: int, data: st.DataObject, extra: bool, dropped: int
) -> None:
    table = _table(name, ["organizers' own column"] if extra else [])
    names = list(table.schema.names)[dropped:]  # a frame may lack some of the tab's fields
    frame = pd.DataFrame(
        {n: data.draw(st.lists(CELL_TEXTS, min_size=rows, max_size=rows)) for n in names}
    )
    frame[ROW] = 0
    _both(table, frame)


def test_append_rows_named_cases() -> None:
    tasks = _table("tasks")
    frame = pd.DataFrame(
        [
            {**dict.fromkeys(tasks.schema.names, ""), "task_id": "T0001", ROW: 0},
            {**dict.fromkeys(tasks.schema.names, "2026-11-20"), "task_id": "T0002", ROW: 0},
        ]
    )
    _both(tasks, frame)
    _both(tasks, frame.iloc[0:0])
    _both(tasks, frame.drop(columns=["task_id"]))  # no key column: ids are empty
    numbers = pd.DataFrame({ROW: [0, 0]})
    for n in tasks.schema.names:
        numbers[n] = [1, 2.5]  # not text: written as str() of each value, as before
    _both(tasks, numbers)


# -- run_records' row texts ---------------------------------------------------------------


@given(st.lists(st.text(max_size=3), max_size=40), st.sampled_from(sorted(SCHEMAS)))
def test_texts_at_is_row_texts(row: list[str], name: str) -> None:
    table = _table(name)
    at = [table.columns[n] for n in table.schema.names]
    assert _texts_at(row, at) == row_texts(table, row)


# -- validation's per-cell clean-ups, once per distinct text ------------------------------

# Cells as backends give them: text, numbers, booleans, dates, nothing.
CELLS = st.one_of(
    st.sampled_from(["", " a ", "JOSE GARCIA", "x\x0by", "1", "TRUE", "ana  maria"]),
    st.text(max_size=5),
    st.integers(-2, 2),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.datetimes(),
    st.dates(),
)


@given(st.lists(CELLS, max_size=30), st.sampled_from([tidy_text, tidy_name]))
def test_map_text_is_map(cells: list[object], func: Callable[[object], str]) -> None:
    series = pd.Series(cells, index=range(2, 2 + len(cells)), dtype=object, name="phone")
    expected = series.map(func)
    got = map_text(series, func)
    pd.testing.assert_series_equal(got, expected)


def test_map_text_named_cases() -> None:
    cells: list[object] = [1, 1.0, True, "1", "TRUE", None, "", "a", "a", float("nan")]
    series = pd.Series(cells, dtype=object)
    pd.testing.assert_series_equal(map_text(series, tidy_text), series.map(tidy_text))
    empty = pd.Series([], dtype=object)
    pd.testing.assert_series_equal(map_text(empty, tidy_text), empty.map(tidy_text))


# -- intake's new rows --------------------------------------------------------------------


@given(
    st.sampled_from(["people", "needs", "errors"]),
    st.lists(st.tuples(st.sampled_from(["person_id", "need_id", "status", "zz"]), st.text())),
)
def test_rows_add_is_empty_record(name: str, values: list[tuple[str, str]]) -> None:
    schema = SCHEMAS[name]
    rows = _Rows(schema, [], Ids("P", []))
    for _ in range(2):
        record = rows.add(**dict(values))
        expected = empty_record(schema, **dict(values))
        assert record == expected
        assert list(record) == list(expected)  # the same order of fields
    assert rows.added == 2
    assert rows.records[0] is not rows.records[1]


# -- read_form's blank rows ---------------------------------------------------------------


def _blank_mask_per_cell(frame: pd.DataFrame) -> pd.Series:
    """The reference: read_form's blank rows as it found them, every cell as text."""
    return frame.map(cell_text).apply(lambda col: col.str.strip() == "").all(axis=1)


@given(st.integers(0, 4), st.integers(0, 6), st.data())
def test_blank_mask_is_per_cell(width: int, height: int, data: st.DataObject) -> None:
    blankish = st.sampled_from(["", " ", "\t", None, float("nan"), "\n "])
    cell = st.one_of(blankish, blankish, CELLS)
    body = [data.draw(st.lists(cell, min_size=width, max_size=width)) for _ in range(height)]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    frame.index = pd.RangeIndex(2, 2 + height)
    got, expected = blank_mask(frame), _blank_mask_per_cell(frame)
    assert got.tolist() == expected.tolist()
    assert list(got.index) == list(expected.index)


# -- read_form's cleaned answers ------------------------------------------------------------


def _clean_answers_per_cell(
    frame: pd.DataFrame, titles: dict[str, str], tab: str
) -> tuple[pd.DataFrame, list[Issue]]:
    """The reference: tables._clean_answers as it was, every cell looked at."""
    notes: list[Issue] = []
    out = frame.copy()
    for name in frame.columns:
        column = frame[name]
        texts = column[column.map(lambda v: isinstance(v, str) and not storable(v))]
        if texts.empty:
            continue
        cleaned = texts.map(clean_text)
        out.loc[texts.index, name] = cleaned.map(lambda c: c.text)
        changed = cleaned[cleaned.map(bool)]
        title = titles.get(str(name), str(name))
        notes.extend(
            Issue(
                tab=tab,
                row=int(row),
                field=str(name),
                code=IssueCode.CLEANED_TEXT,
                message=f"'{title}': {c.describe()}; the response row is unchanged.",
                severity=Severity.WARNING,
            )
            for row, c in zip(changed.index.tolist(), changed.tolist(), strict=True)
        )
    notes.sort(key=lambda i: i.row)
    return out, notes


@given(st.integers(0, 3), st.integers(0, 6), st.data())
def test_clean_answers_is_per_cell(width: int, height: int, data: st.DataObject) -> None:
    unstorable = st.sampled_from(["a\x0bb", "\ud83d\ude00", "x\ud800", "\x7f", "\ufffe", "ok"])
    cell = st.one_of(unstorable, CELLS)
    body = [data.draw(st.lists(cell, min_size=width, max_size=width)) for _ in range(height)]
    frame = pd.DataFrame(body, columns=[f"q{i}" for i in range(width)], dtype=object)
    frame.index = pd.RangeIndex(2, 2 + height)
    titles = {"q0": "Question 0"}
    got, got_notes = _clean_answers(frame, titles, "Form Responses 1")
    expected, expected_notes = _clean_answers_per_cell(frame, titles, "Form Responses 1")
    pd.testing.assert_frame_equal(got, expected)
    assert got_notes == expected_notes
