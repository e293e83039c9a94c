"""styles.xml edited by sheetsync (xlsx_styles.Styles): what is there is reused, never
added twice; a date keeps a cell format that shows one."""

from __future__ import annotations

import re

import pytest

from sheetsync.backends.xlsx_styles import Look, Styles

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def styles(xfs: str, num_fmts: str = "") -> Styles:
    return Styles(
        f'<styleSheet xmlns="{NS}">{num_fmts}<fonts count="1"><font><sz val="11"/></font></fonts>'
        '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border/></borders>'
        f'<cellXfs count="{xfs.count("<xf")}">{xfs}</cellXfs></styleSheet>'
    )


PLAIN = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'


@pytest.mark.parametrize(
    ("number_format", "kind"),
    [
        ('numFmtId="14"', "date"),
        ('numFmtId="22"', "datetime"),
        ('numFmtId="20"', None),  # h:mm: a time of day only
        ('numFmtId="0"', None),
        ('numFmtId="164"', "date"),  # yyyy-mm-dd
        ('numFmtId="165"', "datetime"),  # yyyy-mm-dd hh:mm
        ('numFmtId="166"', None),  # 0.0 "days"
    ],
)
def test_which_cell_formats_show_a_date(number_format: str, kind: str | None):
    found = styles(
        f'{PLAIN}<xf {number_format} fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
        '<numFmt numFmtId="166" formatCode="0.0 &quot;days&quot;"/></numFmts>',
    )
    assert found.date_kind(1) == kind


def test_a_look_added_once_then_found_again():
    first = styles(PLAIN)
    look = Look(number_format="yyyy-mm-dd", fill="#EEF2F7", bold=True, wrap=True)
    index = first.cell_format(0, look)
    assert index == 1
    again = Styles(first.xml)
    assert again.cell_format(0, look) == 1 and not again.changed
    # Applying the look on top of itself finds the same format.
    assert again.cell_format(1, look) == 1 and not again.changed
    counts = {t: len(re.findall(rf"<{t}\b", first.xml)) for t in ("numFmt", "font", "fill", "xf")}
    assert counts == {"numFmt": 1, "font": 2, "fill": 3, "xf": 2}


def test_a_built_in_format_is_used_by_its_id():
    found = styles(PLAIN)
    index = found.cell_format(0, Look(number_format="0"))
    assert 'numFmtId="1"' in found.cell_formats()[index] and "<numFmts" not in found.xml


def test_conditional_formats_are_reused():
    found = styles(PLAIN)
    assert [
        found.dxf("#FFC7CE", True),
        found.dxf("#FFC7CE", True),
        found.dxf("#C6EFCE", False),
    ] == [
        0,
        0,
        1,
    ]
    assert re.search(r"</cellXfs><dxfs count=\"2\">", found.xml)
