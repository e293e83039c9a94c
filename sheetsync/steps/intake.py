"""intake: form responses → People, Needs and Errors. Idempotent; keyed by response row.

A response is identified by its tab and row ("Form Responses 1:17"), as Google identifies it:
an edited response rewrites its own row with a new Timestamp, so it updates its records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sheetsync.errors import FormRowsMovedError
from sheetsync.intake.validate import Validated, ValidationContext, validate_form
from sheetsync.normalize import (
    cell_text,
    dayfirst_locale,
    fold,
    format_datetime,
    parse_timestamp,
)
from sheetsync.report import Issue
from sheetsync.statuses import ErrorStatus, NeedStatus
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.ids import Ids
from sheetsync.tables import empty_record, frame_of, records_of

FORM_ORDER = ("requests", "offers", "checkins")
CONSENT = {"Yes": "yes", "First name only": "first_name", "No": "no"}
CHECKIN = {"Green": "green", "Yellow": "yellow", "Red": "red"}
SOURCE_SEP = "; "
# A need its response still asks for; dropped from the response, it is withdrawn.
_STILL_ASKED = (NeedStatus.OPEN, NeedStatus.DUPLICATE, NeedStatus.MATCHED)


@dataclass
class Response:
    """One valid form response."""

    form: str
    ref: str
    row: int
    values: dict[str, Any]

    @property
    def ts(self) -> Any:
        return self.values["timestamp"]


def run(ctx: StepContext) -> StepResult:
    """Validate every response, then bring People, Needs and Errors up to date."""
    validated: dict[str, Validated] = {}
    responses: list[Response] = []
    for form in FORM_ORDER:
        table = ctx.forms[form]
        vctx = ValidationContext(
            tab=table.tab,
            region=ctx.config.default_region,
            dayfirst=dayfirst_locale(ctx.config.locale),
            allowed={"network.zones": ctx.config.zones},
            titles=table.titles,
        )
        result = validate_form(table.frame, table.schema, vctx)
        validated[form] = result
        for row, values in zip(result.valid.index, records_of(result.valid), strict=True):
            responses.append(Response(form, table.ref(int(row)), int(row), values))
    invalid_refs = {
        ctx.forms[form].ref(row) for form, v in validated.items() for row in v.invalid_rows
    }
    # Responses that no longer stand: now invalid, or cleared by an organizer. Their records
    # stay (nothing is deleted) but stop pointing at them, and their needs are withdrawn.
    gone = invalid_refs | {t.ref(row) for t in ctx.forms.values() for row in t.blank_rows}
    responses.sort(key=lambda r: (r.ts, FORM_ORDER.index(r.form), r.row))
    _check_rows_stayed(ctx, responses)

    people, person_of, new_people = _people(ctx, responses, gone)
    requests = [r for r in responses if r.form == "requests"]
    needs, new_needs = _needs(ctx, requests, person_of, gone)
    issues = [i for v in validated.values() for i in v.issues]
    errors, new_errors = _errors(ctx, validated, issues)
    rows_in = sum(len(t.frame) for t in ctx.forms.values())
    return StepResult(
        frames={"people": people, "needs": needs, "errors": errors},
        counts={
            "responses": rows_in,
            "valid": len(responses),
            "invalid": len(invalid_refs),
            "blank_rows": sum(len(t.blank_rows) for t in ctx.forms.values()),
            "new_people": new_people,
            "new_needs": new_needs,
            "new_errors": new_errors,
        },
        issues=issues,
        notices=[n for t in ctx.forms.values() for n in t.notices],
    )


def _check_rows_stayed(ctx: StepContext, responses: list[Response]) -> None:
    """Stop if form rows were deleted or sorted: every record would point at the wrong row."""
    tabs = {t.ref_tab: t for t in ctx.forms.values()}
    refs = [
        *(ref for text in ctx.frames["people"]["source"] for ref in _split(text)),
        *ctx.frames["needs"]["source"],
        *ctx.frames["errors"]["source"],
    ]
    for ref in refs:
        tab, row = _ref_key(ref)
        if tab in tabs and row > tabs[tab].last_row:
            raise FormRowsMovedError(
                f"Rows were deleted from tab '{tabs[tab].tab}': sheetsync's records point to "
                f"row {row}, but the tab now ends at row {tabs[tab].last_row}. {_ROWS_MOVED}"
            )
    # An edit only ever gives a row a newer Timestamp; an older one means rows were moved.
    seen = {r.ref: r.ts for r in responses}
    for source, updated in zip(
        ctx.frames["needs"]["source"], ctx.frames["needs"]["updated"], strict=True
    ):
        ts = seen.get(source)
        if ts is not None and updated and format_datetime(ts) < updated:
            tab, row = _ref_key(source)
            raise FormRowsMovedError(
                f"Rows were sorted or deleted in tab '{tabs[tab].tab if tab in tabs else tab}': "
                f"row {row} now holds an older response than the one sheetsync read there. "
                f"{_ROWS_MOVED}"
            )


_ROWS_MOVED = (
    "sheetsync knows each response by its row, so it stopped before writing anything. Undo "
    "the change (Edit → Undo, or File → Version history) and run again. To remove a response, "
    "clear its cells instead of deleting its row; to see rows in another order, use a filter "
    "view."
)


def _split(text: str, sep: str = SOURCE_SEP) -> list[str]:
    return [part for part in text.split(sep) if part]


def _ref_key(ref: str) -> tuple[str, int]:
    tab, _, row = ref.rpartition(":")
    return tab, int(row) if row.isdigit() else 0


def _people(
    ctx: StepContext, responses: list[Response], gone: set[str]
) -> tuple[pd.DataFrame, dict[str, str], int]:
    schema = ctx.schemas["people"]
    records: list[dict[str, Any]] = records_of(ctx.frames["people"])
    ids = Ids("P", (r["person_id"] for r in records))
    by_id: dict[str, dict[str, Any]] = {}
    by_ref: dict[str, str] = {}
    # Contact -> the people known by it, with their first names: a shared household phone or
    # email links only responses that give the same first name.
    by_contact: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def remember(pid: str, email: str, phone: str, name: str) -> None:
        first = _first_name(name)
        for contact in (email.casefold(), phone):
            if contact and (pid, first) not in by_contact[contact]:
                by_contact[contact].append((pid, first))

    def known(email: str, phone: str, name: str) -> str:
        first = _first_name(name)
        for contact in (email.casefold(), phone):
            for pid, their_first in by_contact.get(contact, ()):
                if first and their_first == first:
                    return pid
        return ""

    for record in records:
        if not record["person_id"] and record["name"]:
            record["person_id"] = ids()  # a person an organizer added by hand
        pid = record["person_id"]
        if not pid:
            continue
        by_id[pid] = record
        for ref in _split(record["source"]):
            by_ref.setdefault(ref, pid)
        remember(pid, record["email"], record["phone"], record["name"])

    person_of: dict[str, str] = {}
    groups: dict[str, list[Response]] = defaultdict(list)
    new_people = 0
    for response in responses:
        v = response.values
        email, phone, name = v["email"], v["phone"], v["name"]
        pid = by_ref.get(response.ref) or known(email, phone, name)
        if not pid:
            pid = ids()
            record = empty_record(schema, person_id=pid)
            by_id[pid] = record
            records.append(record)
            new_people += 1
        by_ref.setdefault(response.ref, pid)
        remember(pid, email, phone, name)
        person_of[response.ref] = pid
        groups[pid].append(response)

    for pid, group in groups.items():
        _merge_person(by_id[pid], group)
    for record in records:
        refs = _split(record["source"])
        if any(ref in gone for ref in refs):
            record["source"] = SOURCE_SEP.join(ref for ref in refs if ref not in gone)
    return frame_of(records, schema), person_of, new_people


def _first_name(name: str) -> str:
    """The folded first word of a name: "José  García" -> "jose"."""
    return fold(name).partition(" ")[0]


def _latest(group: list[Response], field: str, forms: tuple[str, ...]) -> Any:
    """The newest non-empty answer to a field among a person's responses to some forms."""
    for response in reversed(group):
        if response.form in forms:
            value = response.values.get(field, "")
            if value not in ("", None, []):
                return value
    return None


def _text(value: Any, sep: str = ", ") -> str:
    if isinstance(value, list):
        return sep.join(value)
    return cell_text(value)


def _merge_person(record: dict[str, Any], group: list[Response]) -> None:
    """Update a person from their responses (oldest first): the newest answer wins."""
    both = ("requests", "offers", "checkins")
    sources = ("requests", "offers")
    fields = {
        "name": both,
        "phone": both,
        "email": both,
        "zone": sources,
        "languages": sources,
        "availability": sources,
        "contact_pref": ("requests",),
        "offers": ("offers",),
        "offers_note": ("requests",),
        "weekly_capacity": ("offers",),
        "has_car": ("offers",),
        "volunteer_note": ("offers",),
    }
    # Recomputed from the responses alone, so that what dedupe copied from a linked row
    # goes away when organizers undo the link.
    for field, forms in fields.items():
        value = _latest(group, field, forms)
        record[field] = "" if value is None else _text(value)
    # Two questions, two answers: sharing a requester's contact with their volunteer, and a
    # volunteer's contact with the people they help. One must never stand in for the other.
    for form, column in (("requests", "requester_consent"), ("offers", "volunteer_consent")):
        consent = _latest(group, "consent", (form,))
        record[column] = "" if consent is None else CONSENT.get(consent, "no")
    checkin = next((r for r in reversed(group) if r.form == "checkins"), None)
    record.update(checkin_status="", checkin_hours="", checkin_date="", checkin_note="")
    if checkin is not None:
        status = checkin.values["checkin_status"].split(" ", 1)[0]
        record["checkin_status"] = CHECKIN.get(status, "")
        record["checkin_hours"] = cell_text(checkin.values["checkin_hours"])
        record["checkin_date"] = checkin.ts.date().isoformat()
        record["checkin_note"] = checkin.values["checkin_note"]
    roles = set()
    if any(r.form == "requests" for r in group):
        roles.add("requester")
    if any(r.form in ("offers", "checkins") for r in group):
        roles.add("volunteer")
    record["roles"] = ", ".join(sorted(roles))
    record["first_seen"] = group[0].ts.date().isoformat()
    record["last_seen"] = group[-1].ts.date().isoformat()
    refs = set(_split(record["source"]))
    refs.update(r.ref for r in group)
    record["source"] = SOURCE_SEP.join(sorted(refs, key=_ref_key))


def _needs(
    ctx: StepContext, requests: list[Response], person_of: dict[str, str], gone: set[str]
) -> tuple[pd.DataFrame, int]:
    schema = ctx.schemas["needs"]
    records: list[dict[str, Any]] = records_of(ctx.frames["needs"])
    ids = Ids("N", (r["need_id"] for r in records))
    by_key = {(r["source"], r["category"]): r for r in records if r["need_id"]}
    asked: dict[str, set[str]] = {ref: set() for ref in gone}
    new_needs = 0
    for response in requests:
        v = response.values
        asked[response.ref] = set(v["categories"])
        for category in v["categories"]:
            record = by_key.get((response.ref, category))
            if record is None:
                record = empty_record(
                    schema,
                    need_id=ids(),
                    status=NeedStatus.OPEN.value,
                    opened=format_datetime(v["timestamp"]),
                    source=response.ref,
                    category=category,
                )
                by_key[(response.ref, category)] = record
                records.append(record)
                new_needs += 1
            elif record["status"] in (NeedStatus.WITHDRAWN, ""):
                record["status"] = NeedStatus.OPEN.value  # asked again, or emptied by hand
            if not record["opened"]:
                record["opened"] = format_datetime(v["timestamp"])
            details = v["details"]
            if category == "Other" and v.get("categories_other"):
                # Google writes the text typed next to "Other", not the word "Other".
                details = f"[Other: {v['categories_other']}] {details}".strip()
            record.update(
                person_id=person_of[response.ref],
                name=v["name"],
                zone=v["zone"],
                urgency=v["urgency"],
                details=details,
                languages=_text(v["languages"]),
                availability=_text(v["availability"]),
                contact_pref=v["contact_pref"],
                consent=CONSENT.get(v["consent"], "no"),
                updated=format_datetime(v["timestamp"]),
            )
    for record in records:
        categories = asked.get(record["source"])
        taken_out = categories is not None and record["category"] not in categories
        if taken_out and record["status"] in _STILL_ASKED:
            # The response was edited to drop this category, made invalid, or cleared.
            record["status"] = NeedStatus.WITHDRAWN.value
    return frame_of(records, schema), new_needs


def _errors(
    ctx: StepContext, validated: dict[str, Validated], issues: list[Issue]
) -> tuple[pd.DataFrame, int]:
    schema = ctx.schemas["errors"]
    records: list[dict[str, Any]] = records_of(ctx.frames["errors"])
    ids = Ids("E", (r["error_id"] for r in records))
    by_source = {r["source"]: r for r in records if r["source"]}
    by_row: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_row[issue.source].append(issue)
    new_errors = 0
    for form, result in validated.items():
        table = ctx.forms[form]
        for row in result.invalid_rows:
            ref = table.ref(row)
            found = by_row[ref]
            record = by_source.get(ref)
            if record is None:
                record = empty_record(
                    schema, error_id=ids(), source=ref, first_seen=format_datetime(ctx.now)
                )
                by_source[ref] = record
                records.append(record)
                new_errors += 1
            raw = table.frame.loc[row]
            fields = dict.fromkeys(table.titles.get(i.field, i.field) for i in found)
            record.update(
                form=table.schema.title,
                tab=table.ref_tab or table.tab,
                row=str(row),
                timestamp=_timestamp_text(raw["timestamp"], ctx),
                name=cell_text(raw["name"]).strip(),
                fields=", ".join(fields),
                reason=" ".join(i.message for i in found),
                status=ErrorStatus.OPEN.value,
            )
    current = {ctx.forms[f].ref(r) for f, v in validated.items() for r in v.invalid_rows}
    for record in records:
        if record["status"] == ErrorStatus.OPEN and record["source"] not in current:
            record["status"] = ErrorStatus.RESOLVED.value
    return frame_of(records, schema), new_errors


def _timestamp_text(value: object, ctx: StepContext) -> str:
    """A response's Timestamp as sortable text; as it stands in the form when unreadable."""
    parsed = parse_timestamp(value, dayfirst=dayfirst_locale(ctx.config.locale))
    return format_datetime(parsed) if parsed else cell_text(value)
