"""A FormatPlan written into an .xlsx (xlsx_format, xlsx_styles, xlsx_docprops): what Excel
and openpyxl read back, applied twice without change, organizers' own formatting kept."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheetsync.backends.base import TabChanges
from sheetsync.backends.formats import (
    FORMAT_KEY,
    HEADER_FILL,
    OWNED_FILL,
    OWNED_NOTE,
    ColourRule,
    ColumnFormat,
    FormatPlan,
    TabFormat,
)
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.backends.xlsx_format import LAST_ROW, MARK, width_chars
from sheetsync.backends.xlsx_patch import format_version, patch
from sheetsync.backends.xlsx_xml import WORKSHEET_ORDER

SHEET = "xl/worksheets/sheet2.xml"  # People
DONE_GREEN = "#C6EFCE"
LATE_RED = "#FFC7CE"
ORGANIZER_YELLOW = "FFFFFF00"


def plan(version: str = "v1") -> FormatPlan:
    people = TabFormat(
        "People",
        columns=(
            ColumnFormat(1, 96, owned=True, note=OWNED_NOTE),
            ColumnFormat(2, 250, wrap=True),
            ColumnFormat(3, 100, choices=("open", "done", "cancelled")),
            ColumnFormat(4, 110, number_format="yyyy-mm-dd", date_check=True),
            ColumnFormat(5, 80, owned=True, hidden=True, number_format="0"),
        ),
        rules=(
            ColourRule(3, 4, '=$C2="done"', DONE_GREEN, bold=True),
            ColourRule(1, 5, '=AND($D2<>"",$D2<TODAY())', LATE_RED),
        ),
    )
    return FormatPlan((people,), version)


@pytest.fixture
def workbook() -> bytes:
    """An organizer's workbook: a form tab, and People with their own rule, validation,
    widths and colours on columns sheetsync does not format (F, G)."""
    book = openpyxl.Workbook()
    form = book.active
    assert form is not None
    form.title = "Form Responses 1"
    form.append(["Timestamp", "Your name"])
    form.append([dt.datetime(2026, 1, 2, 10, 0), "Ana"])
    people = book.create_sheet("People")
    people.append(["person_id", "notes", "status", "due", "score", "organizer", "phone"])
    people.append(["P0001", "a long note " * 5, "open", dt.date(2026, 5, 1), 3, "x", "555"])
    people.append(["P0002", "short", "done", dt.date(2026, 4, 1), 4, "y", "556"])
    people["F2"].fill = PatternFill("solid", fgColor=ORGANIZER_YELLOW)
    people.column_dimensions["F"].width = 21
    people.column_dimensions["G"].width = 13
    people.conditional_formatting.add(
        "F2:F50",
        CellIsRule(
            operator="equal", formula=['"x"'], fill=PatternFill("solid", bgColor="FFAAAAAA")
        ),
    )
    check = DataValidation(type="list", formula1='"x,y"', allow_blank=True)
    check.add("F2:F50")
    people.add_data_validation(check)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def formatted(data: bytes, formats: FormatPlan | None = None, *changes: TabChanges) -> bytes:
    out = io.BytesIO()
    patch(io.BytesIO(data), changes, out, formats if formats is not None else plan())
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode()


def load(data: bytes, tmp_path: Path, **options: bool) -> openpyxl.Workbook:
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    return openpyxl.load_workbook(path, **options)


def rgb(colour: str) -> str:
    return "FF" + colour.lstrip("#")


def test_openpyxl_reads_the_frozen_header_widths_and_hidden_columns(workbook, tmp_path):
    sheet = load(formatted(workbook), tmp_path)["People"]
    assert sheet.freeze_panes == "A2"
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEFG"}
    assert widths == {
        "A": width_chars(96),
        "B": width_chars(250),
        "C": width_chars(100),
        "D": width_chars(110),
        "E": width_chars(80),
        "F": 21,
        "G": 13,
    }
    assert [c for c in "ABCDEFG" if sheet.column_dimensions[c].hidden] == ["E"]


def test_header_bold_owned_columns_shaded_wrap_and_number_formats(workbook, tmp_path):
    sheet = load(formatted(workbook), tmp_path)["People"]
    assert [sheet.cell(1, c).font.b for c in range(1, 6)] == [True] * 5
    assert sheet["A1"].fill.fgColor.rgb == rgb(HEADER_FILL)
    assert sheet["C1"].fill.fill_type is None  # an organizer's column: bold, not shaded
    assert [sheet[f"{c}2"].fill.fgColor.rgb for c in "AE"] == [rgb(OWNED_FILL)] * 2
    assert sheet["B2"].alignment.wrap_text and not sheet["C2"].alignment.wrap_text
    assert (sheet["D2"].number_format, sheet["E2"].number_format) == ("yyyy-mm-dd", "0")
    assert sheet["D3"].is_date and sheet["D3"].value == dt.datetime(2026, 4, 1)
    # An organizer's colour on a column sheetsync does not format stays.
    assert sheet["F2"].fill.fgColor.rgb == ORGANIZER_YELLOW


def test_dropdowns_and_date_checks(workbook, tmp_path):
    sheet = load(formatted(workbook), tmp_path)["People"]
    found = {
        str(v.sqref): (v.type, v.formula1, v.errorStyle, v.promptTitle)
        for v in sheet.data_validations.dataValidation
    }
    assert found == {
        "F2:F50": ("list", '"x,y"', None, None),  # the organizer's, kept
        f"C2:C{LAST_ROW}": ("list", '"open,done,cancelled"', "warning", MARK),
        f"D2:D{LAST_ROW}": ("date", "1", "warning", MARK),
    }


def test_header_notes_are_comments(workbook, tmp_path):
    data = formatted(workbook)
    sheet = load(data, tmp_path)["People"]
    notes = {
        c.coordinate: (c.comment.text, c.comment.author) for r in sheet for c in r if c.comment
    }
    assert notes == {"A1": (OWNED_NOTE, "sheetsync")}
    assert 'Extension="vml"' in part(data, "[Content_Types].xml")
    assert "<legacyDrawing " in part(data, SHEET)


def test_an_organizers_comments_are_kept_and_a_noted_header_keeps_theirs(workbook, tmp_path):
    from openpyxl.comments import Comment

    book = load(workbook, tmp_path)
    book["People"]["F3"] = "y"
    book["People"]["F3"].comment = Comment("call first", "Ana")
    book["People"]["A1"].comment = Comment("our ids", "Ana")
    path = tmp_path / "commented.xlsx"
    book.save(path)
    data = formatted(formatted(path.read_bytes()))
    sheet = load(data, tmp_path)["People"]
    notes = {
        c.coordinate: (c.comment.text, c.comment.author) for r in sheet for c in r if c.comment
    }
    assert notes == {"F3": ("call first", "Ana"), "A1": ("our ids", "Ana")}
    moved = TabFormat("People", (ColumnFormat(2, 90, owned=True, note=OWNED_NOTE),))
    again = load(formatted(data, FormatPlan((moved,), "v2")), tmp_path)["People"]
    notes = {
        c.coordinate: (c.comment.text, c.comment.author) for r in again for c in r if c.comment
    }
    assert notes == {
        "F3": ("call first", "Ana"),
        "A1": ("our ids", "Ana"),
        "B1": (OWNED_NOTE, "sheetsync"),
    }


def test_conditional_colours_come_after_the_organizers_rules(workbook, tmp_path):
    book = load(formatted(workbook), tmp_path)
    rules = {
        str(r.sqref): [(x.type, x.formula, x.priority, x.stopIfTrue) for x in r.rules]
        for r in book["People"].conditional_formatting
    }
    assert rules == {
        "F2:F50": [("cellIs", ['"x"'], 1, None)],
        f"C2:D{LAST_ROW}": [("expression", ['AND($C2="done",N("sheetsync")=0)'], 2, True)],
        f"A2:E{LAST_ROW}": [
            ("expression", ['AND(AND($D2<>"",$D2<TODAY()),N("sheetsync")=0)'], 3, True)
        ],
    }
    done = next(r for r in book["People"].conditional_formatting if str(r.sqref).startswith("C"))
    dxf = done.rules[0].dxf
    assert dxf.font.b and dxf.fill.bgColor.rgb == rgb(DONE_GREEN)


def test_applying_the_plan_twice_changes_no_byte_of_sheets_or_styles(workbook):
    once = formatted(workbook)
    twice = formatted(once)
    names = (SHEET, "xl/styles.xml", "docProps/custom.xml", "[Content_Types].xml")
    comments = (
        "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml",
        "xl/worksheets/_rels/sheet2.xml.rels",
    )
    for name in (*names, *comments):
        assert part(twice, name) == part(once, name), name


def test_a_new_version_replaces_sheetsyncs_formatting_and_keeps_the_organizers(workbook, tmp_path):
    once = formatted(workbook)
    other = TabFormat("People", columns=(ColumnFormat(3, 140, choices=("open", "done")),), rules=())
    again = formatted(once, FormatPlan((other,), "v2"))
    sheet = load(again, tmp_path)["People"]
    sqrefs = sorted(str(v.sqref) for v in sheet.data_validations.dataValidation)
    assert sqrefs == [f"C2:C{LAST_ROW}", "F2:F50"]
    assert [str(r.sqref) for r in sheet.conditional_formatting] == ["F2:F50"]
    assert sheet.column_dimensions["F"].width == 21
    assert format_version(io.BytesIO(again)) == "v2"


def test_sheet_elements_stay_in_the_schemas_order(workbook):
    xml = part(formatted(workbook), SHEET)
    body = re.search(r"<worksheet\b[^>]*>(.*)</worksheet>", xml, re.S)
    assert body is not None
    top = re.sub(r"<sheetData>.*?</sheetData>", "<sheetData/>", body.group(1), flags=re.S)
    tags = re.findall(r"<(\w+)\b(?:[^<>]*/>|[^<>]*>(?:(?!<\1\b).)*?</\1>)", top, re.S)
    ranks = [WORKSHEET_ORDER.index(t) for t in tags]
    assert ranks == sorted(ranks)
    assert {"sheetViews", "cols", "conditionalFormatting", "dataValidations"} <= set(tags)


def test_a_column_range_over_plan_and_other_columns_is_split(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "People"
    sheet.append(["a", "b", "c", "d"])
    buffer = io.BytesIO()
    book.save(buffer)
    # One entry for columns A to D, as Excel writes a range given one width.
    data = rebuild(
        buffer.getvalue(),
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(
            "<sheetData>",
            '<cols><col min="1" max="4" width="30" customWidth="1"/></cols><sheetData>',
        ),
    )
    plan_b = FormatPlan((TabFormat("People", (ColumnFormat(2, 75),)),), "v1")
    xml = part(formatted(data, plan_b), "xl/worksheets/sheet1.xml")
    cols = [
        (int(a), int(b), float(w))
        for a, b, w in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml)
    ]
    assert cols == [(1, 1, 30), (2, 2, width_chars(75)), (3, 4, 30)]


def rebuild(data: bytes, name: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, edit(content.decode()) if info.filename == name else content)
    return out.getvalue()


def test_rows_appended_later_look_like_their_column(workbook, tmp_path):
    once = formatted(workbook)
    out = io.BytesIO()
    new_row = ["P0003", "note", "open", dt.date(2026, 6, 1), 5]
    patch(io.BytesIO(once), [TabChanges("People", start_row=4, append=[new_row])], out)
    sheet = load(out.getvalue(), tmp_path)["People"]
    assert sheet["A4"].fill.fgColor.rgb == rgb(OWNED_FILL)
    assert sheet["B4"].alignment.wrap_text
    assert sheet["D4"].number_format == "yyyy-mm-dd" and sheet["D4"].is_date
    assert sheet["E4"].fill.fgColor.rgb == rgb(OWNED_FILL) and sheet["E4"].number_format == "0"
    # Writing adds no style: the column's own is reused.
    assert part(out.getvalue(), "xl/styles.xml") == part(once, "xl/styles.xml")


def test_the_workbook_loads_read_only_too(workbook, tmp_path):
    book = load(formatted(workbook), tmp_path, read_only=True)
    rows = list(book["People"].iter_rows(values_only=True))
    assert rows[2][:4] == ("P0002", "short", "done", dt.datetime(2026, 4, 1))
    book.close()


def test_the_version_is_a_custom_document_property(workbook, tmp_path):
    data = formatted(workbook)
    assert format_version(io.BytesIO(workbook)) is None
    assert format_version(io.BytesIO(data)) == "v1"
    props = load(data, tmp_path).custom_doc_props
    assert [(p.name, p.value) for p in props] == [(FORMAT_KEY, "v1")]
    assert 'PartName="/docProps/custom.xml"' in part(data, "[Content_Types].xml")
    assert "relationships/custom-properties" in part(data, "_rels/.rels")


def test_an_organizers_own_document_property_is_kept(workbook, tmp_path):
    from openpyxl.packaging.custom import StringProperty

    book = load(workbook, tmp_path)
    book.custom_doc_props.append(StringProperty(name="Owner", value="the hub"))
    path = tmp_path / "own.xlsx"
    book.save(path)
    data = formatted(formatted(path.read_bytes()), plan("v2"))
    props = load(data, tmp_path).custom_doc_props
    assert sorted((p.name, p.value) for p in props) == [("Owner", "the hub"), (FORMAT_KEY, "v2")]


def test_the_backend_applies_formats_alone_and_reports_the_version(workbook, tmp_path):
    path = tmp_path / "network.xlsx"
    path.write_bytes(workbook)
    store = WorkbookBackend(path)
    assert store.formats_applied is None
    store.apply([], plan("v1"))
    assert store.formats_applied == "v1"
    assert store.read_tabs(["People"])["People"].rows[1][0] == "P0001"
    assert WorkbookBackend(tmp_path / "missing.xlsx").formats_applied is None


def whole_columns_of_the_organizers(workbook: bytes, tmp_path: Path) -> bytes:
    """The organizer's workbook with a rule and dropdowns from row 2 to the last row, as
    Excel makes them from B2 with Ctrl+Shift+Down: on a column sheetsync does not format
    (G) and on one it does (C)."""
    book = load(workbook, tmp_path)
    people = book["People"]
    people.conditional_formatting.add(
        f"G2:G{LAST_ROW}",
        FormulaRule(formula=['$G2="555"'], fill=PatternFill("solid", bgColor="FFAAAAAA")),
    )
    for sqref, formula in ((f"G2:G{LAST_ROW}", '"555,556"'), (f"C2:C{LAST_ROW}", '"open,done"')):
        check = DataValidation(type="list", formula1=formula, allow_blank=True)
        check.add(sqref)
        people.add_data_validation(check)
    path = tmp_path / "whole.xlsx"
    book.save(path)
    return path.read_bytes()


def test_an_organizers_rules_and_dropdowns_on_whole_columns_are_kept(workbook, tmp_path):
    data = whole_columns_of_the_organizers(workbook, tmp_path)
    other = TabFormat("People", (ColumnFormat(3, 140, choices=("open", "done")),))
    again = formatted(formatted(data), FormatPlan((other,), "v2"))
    sheet = load(again, tmp_path)["People"]
    rules = {
        str(r.sqref): [(x.formula, x.priority) for x in r.rules]
        for r in sheet.conditional_formatting
    }
    assert rules == {"F2:F50": [(['"x"'], 1)], f"G2:G{LAST_ROW}": [(['$G2="555"'], 2)]}
    found = sorted(
        (str(v.sqref), v.formula1, v.promptTitle or "")
        for v in sheet.data_validations.dataValidation
    )
    assert found == [
        (f"C2:C{LAST_ROW}", '"open,done"', ""),  # the organizer's, on a plan column
        (f"C2:C{LAST_ROW}", '"open,done"', MARK),  # sheetsync's, once
        ("F2:F50", '"x,y"', ""),
        (f"G2:G{LAST_ROW}", '"555,556"', ""),
    ]


def test_an_organizers_rule_beside_sheetsyncs_in_one_range_is_kept(workbook, tmp_path):
    # Excel puts a rule added on the same range into the same <conditionalFormatting>.
    ours = f'<conditionalFormatting sqref="C2:D{LAST_ROW}">'
    theirs = (
        '<cfRule type="expression" dxfId="0" priority="9"><formula>$C2="open"</formula></cfRule>'
    )
    data = rebuild(formatted(workbook), SHEET, lambda x: x.replace(ours, ours + theirs))
    sheet = load(formatted(data, plan("v2")), tmp_path)["People"]
    rules = {str(r.sqref): [x.formula[0] for x in r.rules] for r in sheet.conditional_formatting}
    assert rules == {
        "F2:F50": ['"x"'],
        f"C2:D{LAST_ROW}": ['$C2="open"', 'AND($C2="done",N("sheetsync")=0)'],
        f"A2:E{LAST_ROW}": ['AND(AND($D2<>"",$D2<TODAY()),N("sheetsync")=0)'],
    }


def test_a_column_the_organizers_hid_and_grouped_stays_so(workbook, tmp_path):
    book = load(workbook, tmp_path)
    book["People"].column_dimensions.group("C", "D", hidden=True, outline_level=1)
    path = tmp_path / "grouped.xlsx"
    book.save(path)
    sheet = load(formatted(formatted(path.read_bytes())), tmp_path)["People"]
    found = {
        c: (sheet.column_dimensions[c].hidden, sheet.column_dimensions[c].outline_level)
        for c in "BCDE"
    }
    # C and D are the plan's but the organizer's hid them; E is hidden by the plan.
    assert found == {"B": (False, 0), "C": (True, 1), "D": (True, 1), "E": (True, 0)}
    assert [sheet.column_dimensions[c].width for c in "CD"] == [width_chars(100), width_chars(110)]


def test_sheetsyncs_own_are_found_as_libreoffice_saves_them(workbook, tmp_path):
    # LibreOffice escapes a formula's quotes and cuts a validation's range at row 1002.
    def as_libreoffice(xml: str) -> str:
        xml = xml.replace('N("sheetsync")', "N(&quot;sheetsync&quot;)")
        return xml.replace(f'sqref="C2:C{LAST_ROW}"', 'sqref="C2:C1002"')

    data = rebuild(formatted(workbook), SHEET, as_libreoffice)
    sheet = load(formatted(data), tmp_path)["People"]
    assert sorted(str(r.sqref) for r in sheet.conditional_formatting) == [
        f"A2:E{LAST_ROW}",
        f"C2:D{LAST_ROW}",
        "F2:F50",
    ]
    assert sorted(str(v.sqref) for v in sheet.data_validations.dataValidation) == [
        f"C2:C{LAST_ROW}",
        f"D2:D{LAST_ROW}",
        "F2:F50",
    ]
