"""The .xlsx patch writer: only touched rows change; every other part stays as it was."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook

from sheetsync.backends.base import CellUpdate, TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.backends.xlsx_patch import patch


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def rebuild(data: bytes, edit) -> bytes:
    """A copy of an xlsx with some parts' text edited by `edit(name, text) -> text`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in parts(data).items():
            z.writestr(
                name, edit(name, content.decode()) if name.endswith((".xml", ".rels")) else content
            )
    return out.getvalue()


def patched(data: bytes, *changes: TabChanges) -> bytes:
    out = io.BytesIO()
    patch(io.BytesIO(data), changes, out)
    return out.getvalue()


def values(data: bytes, tab: str) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(tab).to_python(skip_empty_area=False)


@pytest.fixture
def workbook() -> bytes:
    book = openpyxl.Workbook()
    form = book.active
    form.title = "Form Responses 1"
    form.append(["Timestamp", "Your name"])
    form.append(["1/2/2026 10:00:00", "Ana"])
    chart = BarChart()
    chart.add_data(Reference(form, min_col=1, min_row=1, max_row=2))
    form.add_chart(chart, "D2")
    people = book.create_sheet("People")
    people.append(["person_id", "name", "notes"])
    people.append(["P0001", "Ana", "organizer note"])
    people["A2"].fill = PatternFill("solid", fgColor="FFFF00")
    people.column_dimensions["B"].width = 33
    people["A10"].fill = PatternFill("solid", fgColor="00FF00")  # formatted, empty
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_untouched_parts_are_copied_unchanged(workbook):
    before = parts(workbook)
    after = parts(patched(workbook, TabChanges("People", start_row=3, append=[["P0002", "Ben"]])))
    people = "xl/worksheets/sheet2.xml"
    assert set(after) == set(before)
    assert {n for n in before if before[n] != after[n]} == {people}
    assert any(n.startswith("xl/charts/") for n in after)  # the chart survives


def raw_members(data: bytes) -> dict[str, tuple[int, int, int, bytes]]:
    """Each member's CRC, compression, size and compressed bytes, as stored in the zip."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
            start = info.header_offset + 30 + name_length + extra_length
            raw = data[start : start + info.compress_size]
            found[info.filename] = (info.CRC, info.compress_type, info.file_size, raw)
    return found


def test_untouched_parts_keep_their_compressed_bytes(workbook):
    """An unchanged part is copied as it was compressed, not inflated and deflated again."""
    before = raw_members(workbook)
    data = patched(workbook, TabChanges("People", start_row=3, append=[["P0002", "Ben"]]))
    after = raw_members(data)
    people = "xl/worksheets/sheet2.xml"
    assert {n for n in before if before[n] != after[n]} == {people}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
    # And again on the patched file: the copy reads back as a zip like any other.
    again = patched(data, TabChanges("People", start_row=4, append=[["P0003", "Cy"]]))
    assert {n for n in after if after[n] != raw_members(again)[n]} == {people}
    assert values(again, "People")[3][:2] == ["P0003", "Cy"]


def test_stored_and_zip64_members_are_copied_raw(workbook):
    """A member stored without compression, or written with zip64 headers, is copied as
    stored; both read back the same."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in parts(workbook).items():
            info = zipfile.ZipInfo(name)
            stored = name.endswith(".rels")
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=name.endswith("styles.xml")) as f:
                f.write(content)
    source = out.getvalue()
    data = patched(source, TabChanges("People", start_row=3, append=[["P0002", "Ben"]]))
    assert {n: c for n, c in parts(data).items() if "sheet2" not in n} == {
        n: c for n, c in parts(source).items() if "sheet2" not in n
    }
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None


def test_cached_formula_values_of_other_cells_survive(workbook):
    def add_formula(name: str, text: str) -> str:
        if not name.endswith("sheet2.xml"):
            return text
        return text.replace(
            "</row></sheetData>", '<c r="D2"><f>1+1</f><v>2</v></c></row></sheetData>'
        )

    with_formula = rebuild(workbook, add_formula)
    assert values(with_formula, "People")[1][3] == 2.0
    result = patched(with_formula, TabChanges("People", start_row=3, append=[["P0002", "Ben"]]))
    assert values(result, "People")[1][3] == 2.0
    assert "<f>1+1</f><v>2</v>" in parts(result)["xl/worksheets/sheet2.xml"].decode()


def test_appending_into_a_formatted_empty_row_keeps_its_format(workbook, tmp_path: Path):
    rows = [[f"P{i:04d}", f"Person {i}"] for i in range(2, 12)]
    result = patched(workbook, TabChanges("People", start_row=3, append=rows))
    path = tmp_path / "out.xlsx"
    path.write_bytes(result)
    sheet = openpyxl.load_workbook(path)["People"]
    assert [sheet.cell(r, 1).value for r in range(2, 13)] == ["P0001", *[r[0] for r in rows]]
    assert sheet["A10"].fill.fgColor.rgb == "0000FF00"
    assert sheet["A2"].fill.fgColor.rgb == "00FFFF00"
    assert sheet.column_dimensions["B"].width == 33
    xml = parts(result)["xl/worksheets/sheet2.xml"].decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))
    assert re.search(r'<dimension ref="A1:C12"\s*/>', xml)


def test_updates_keep_the_cell_style_and_clear_keeps_it_too(workbook, tmp_path: Path):
    result = patched(
        workbook,
        TabChanges(
            "People",
            start_row=3,
            update=[CellUpdate(2, 1, "P0009"), CellUpdate(2, 3, None), CellUpdate(5, 2, "new row")],
        ),
    )
    path = tmp_path / "out.xlsx"
    path.write_bytes(result)
    sheet = openpyxl.load_workbook(path)["People"]
    assert (sheet["A2"].value, sheet["C2"].value, sheet["B5"].value) == ("P0009", None, "new row")
    assert sheet["A2"].fill.fgColor.rgb == "00FFFF00"


def test_overwriting_a_formula_drops_the_stale_calc_chain(workbook):
    def add_chain(name: str, text: str) -> str:
        if name.endswith("sheet2.xml"):
            return text.replace(
                '<c r="C2" t="inlineStr"><is><t>organizer note</t></is></c>',
                '<c r="C2"><f>1+1</f><v>2</v></c>',
            )
        if name == "[Content_Types].xml":
            return text.replace(
                "</Types>",
                '<Override PartName="/xl/calcChain.xml" ContentType='
                '"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                'calcChain+xml"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            return text.replace(
                "</Relationships>",
                '<Relationship Id="rId99" Type="http://'
                "schemas.openxmlformats.org/officeDocument/2006/relationships/"
                'calcChain" Target="calcChain.xml"/></Relationships>',
            )
        return text

    buffer = io.BytesIO(rebuild(workbook, add_chain))
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr(
            "xl/calcChain.xml",
            '<calcChain xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><c r="C2" i="2"/></calcChain>',
        )
    source = buffer.getvalue()
    assert "xl/calcChain.xml" in parts(source)
    result = parts(
        patched(source, TabChanges("People", start_row=3, update=[CellUpdate(2, 3, "text now")]))
    )
    assert "xl/calcChain.xml" not in result
    assert "calcChain" not in result["[Content_Types].xml"].decode()
    assert "calcChain" not in result["xl/_rels/workbook.xml.rels"].decode()
    assert "<f>" not in result["xl/worksheets/sheet2.xml"].decode()


def test_a_sheet_written_with_a_namespace_prefix(workbook):
    def prefixed(name: str, text: str) -> str:
        if not name.endswith("sheet2.xml"):
            return text
        text = text.replace(
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        )
        return re.sub(r"<(/?)(?!\?)(\w+)", r"<\1x:\2", text)

    source = rebuild(workbook, prefixed)
    assert "<x:sheetData>" in parts(source)["xl/worksheets/sheet2.xml"].decode()
    result = patched(
        source,
        TabChanges(
            "People", start_row=3, append=[["P0002", "Ben"]], update=[CellUpdate(2, 2, "Ana B.")]
        ),
    )
    assert values(result, "People")[:3] == [
        ["person_id", "name", "notes"],
        ["P0001", "Ana B.", "organizer note"],
        ["P0002", "Ben", ""],
    ]


def test_new_tabs_are_added_in_order_with_a_frozen_header(workbook, tmp_path: Path):
    result = patched(
        workbook,
        TabChanges("Run log", create=True, append=[["run_id"], ["R1"]]),
        TabChanges("Errors", create=True, append=[["error_id"]]),
    )
    path = tmp_path / "out.xlsx"
    path.write_bytes(result)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Form Responses 1", "People", "Run log", "Errors"]
    assert book["Run log"].freeze_panes == "A2"
    assert CalamineWorkbook.from_path(path).sheet_names == book.sheetnames
    assert values(result, "Run log") == [["run_id"], ["R1"]]


@pytest.mark.parametrize("text", ['a & b < c > d "quoted"', "  spaced  ", "Hương Vũ", "tab\there"])
def test_text_round_trips_exactly(workbook, text):
    result = patched(workbook, TabChanges("People", start_row=3, append=[["P0002", text]]))
    assert values(result, "People")[2][1] == text


def test_a_new_workbook_is_created_with_every_tab(tmp_path: Path):
    store = WorkbookBackend(tmp_path / "new.xlsx")
    store.apply(
        [
            TabChanges("People", create=True, append=[["person_id"], ["P0001"]]),
            TabChanges("Needs", create=True, append=[["need_id"]]),
        ]
    )
    assert store.list_tabs() == ["People", "Needs"]
    assert store.read_tabs(["People"])["People"].rows == [["person_id"], ["P0001"]]
