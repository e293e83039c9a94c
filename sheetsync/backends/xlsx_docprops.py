"""A workbook's custom document properties (docProps/custom.xml), where sheetsync keeps the
version of the formatting it applied (formats.FORMAT_KEY).

A custom property is not in any cell, so organizers never see it while they work, and
both Excel and LibreOffice keep custom properties when they save a workbook (File >
Properties > Custom shows them). It is reached from the package's own relationships
(_rels/.rels) and declared in [Content_Types].xml.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr, unescape

from sheetsync.backends.xlsx_xml import attrs

CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_CONTENT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_PART = "docProps/custom.xml"
# The format id every custom property has (ECMA-376 part 1, 22.3.2.2).
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
FIRST_PID = 2  # pids 0 and 1 are reserved

_PROPERTY = re.compile(
    r"<(?:\w+:)?property\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?:\w+:)?property>)", re.S
)


def custom_part(package_rels: str) -> str | None:
    """The custom properties part named in the package's relationships, if any."""
    for found in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*?)/?>", package_rels):
        rel = attrs(found.group(1))
        if rel.get("Type") == CUSTOM_REL:
            return rel.get("Target", "").lstrip("/")
    return None


def read_property(custom: str, name: str) -> str | None:
    """A text property's value in custom.xml's text; None if it has none of that name."""
    for found in _PROPERTY.finditer(custom):
        if attrs(found.group("attrs")).get("name") == name:
            value = re.search(
                r"<(?:\w+:)?lpwstr>(.*?)</(?:\w+:)?lpwstr>", found.group("body") or "", re.S
            )
            return unescape(value.group(1)) if value else None
    return None


def with_property(custom: str | None, name: str, value: str) -> str:
    """custom.xml's text (a new one for None) with text property `name` set to `value`."""
    if custom is None:
        custom = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}"></Properties>'
        )
    vt = re.search(rf'xmlns:(\w+)="{re.escape(VT_NS)}"', custom)
    if vt is None:  # declare the prefix on the root
        custom = re.sub(r"<((?:\w+:)?Properties)\b", rf'<\1 xmlns:vt="{VT_NS}"', custom, count=1)
    px = vt.group(1) if vt else "vt"
    own = f"<{px}:lpwstr>{escape(value)}</{px}:lpwstr>"
    pids = []
    for found in _PROPERTY.finditer(custom):
        found_attrs = attrs(found.group("attrs"))
        if found_attrs.get("name") == name:
            tag = found.group(0)[: found.group(0).index(">") + 1].rstrip("/>") + ">"
            close = re.search(r"</(?:\w+:)?property>\s*$", found.group(0))
            end = close.group(0) if close else "</property>"
            return custom[: found.start()] + tag + own + end + custom[found.end() :]
        pids.append(int(found_attrs.get("pid", "0") or 0))
    pid = max([FIRST_PID - 1, *pids]) + 1
    root = re.search(r"<((?:\w+:)?)Properties\b[^>]*?(/?)>", custom)
    if root is None:
        raise ValueError("not a custom properties part")
    ns = root.group(1)
    prop = f'<{ns}property fmtid="{FMTID}" pid="{pid}" name={quoteattr(name)}>{own}</{ns}property>'
    if root.group(2):  # <Properties/>: open it
        opening = root.group(0)[:-2] + ">"
        return custom[: root.start()] + opening + prop + f"</{ns}Properties>" + custom[root.end() :]
    closing = custom.rfind(f"</{ns}Properties>")
    return custom[:closing] + prop + custom[closing:]
