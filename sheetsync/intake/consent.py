"""Each People row's newest answer to the consent question, as intake writes it
(consent_answer, consent_date), and the memory of organizers' overrides. What is in force
for a person is worked out from these by privacy.current_consent, never read back.

A "No" (or "First name only") on a response that is invalid for another reason (a mistyped
phone, say) still counts when sheetsync can tell whose response it is (tie_invalid, kept on
the Errors tab's person_id): a withdrawal must not wait for a typo to be fixed. It only ever
narrows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sheetsync.intake.people import PeopleIndex, consent_answer
from sheetsync.intake.responses import Response
from sheetsync.normalize import (
    cell_text,
    format_datetime,
    normalize_email,
    normalize_phone,
    parse_timestamp,
    tidy_name,
)
from sheetsync.privacy import Answer, Consent, consent_of, narrower, note_override, row_answer

CONSENT_FORMS = ("requests", "offers")  # the forms that ask it


def tie_invalid(
    invalid: Mapping[str, tuple[str, pd.DataFrame]],
    index: PeopleIndex,
    before: Mapping[str, str],
    *,
    region: str,
) -> dict[str, str]:
    """Response ref -> the person an invalid response belongs to: as the Errors tab tied it
    on an earlier run (`before`), else the person its row belonged to while it was valid,
    else by an email or phone known with a name that fits its own. Refs tied to nobody are left out.
    `invalid`: per form, its tab's ref prefix and the raw cells of its invalid rows."""
    tied = {}
    for ref_tab, rows in invalid.values():
        for row, raw in rows.iterrows():
            ref = f"{ref_tab}:{row}"
            pid = before.get(ref) or index.by_ref.get(ref) or known_person(raw, index, region)
            if pid:
                tied[ref] = pid
    return tied


def withdrawals(
    invalid: Mapping[str, tuple[str, pd.DataFrame]], tied: Mapping[str, str], *, dayfirst: bool
) -> dict[str, list[Answer]]:
    """Person id -> the narrowing consent answers on their invalid responses. When a
    timestamp can't be read, the answer has no date ("") and counts as given with the
    person's own newest answer."""
    found: dict[str, list[Answer]] = defaultdict(list)
    for ref_tab, rows in invalid.values():
        for row, raw in rows.iterrows():
            consent = consent_of(cell_text(raw.get("consent", "")))
            pid = tied.get(f"{ref_tab}:{row}")
            if pid and consent is not None and consent is not Consent.YES:
                stamp = parse_timestamp(raw.get("timestamp"), dayfirst=dayfirst)
                found[pid].append((consent, format_datetime(stamp) if stamp else ""))
    return found


def known_person(raw: Mapping[str, Any] | pd.Series, index: PeopleIndex, region: str) -> str:
    """The person a response's raw cells belong to, as intake ties a new response: an
    email or phone known with a name that fits ("" if none)."""
    email, _ = normalize_email(cell_text(raw.get("email", "")))
    phone = normalize_phone(cell_text(raw.get("phone", "")), region)
    return index.known((email or "").casefold(), phone or "", tidy_name(raw.get("name", "")))


def write_answers(
    records: list[dict[str, Any]],
    groups: Mapping[str, list[Response]],
    late: Mapping[str, list[Answer]],
    *,
    now: str,
    last_run: str,
) -> bool:
    """Each row's newest consent answer (its valid responses', narrowed by withdrawals on
    its invalid ones), and when an override was first seen. A row whose responses all went
    keeps the answer it had, unless a withdrawal narrows it. Whether an override was seen
    for the first time: its row then holds `now`, a run at another time writes another."""
    stamped = False
    for record in records:
        pid = record["person_id"]
        if pid in groups or pid in late:
            base = consent_answer(groups[pid]) if pid in groups else row_answer(record)
            answer = _narrowed(base, late.get(pid, []))
            record["consent_answer"] = answer[0].value if answer else ""
            record["consent_date"] = answer[1] if answer else ""
        if pid:
            seen = record.get("consent_override_seen", "")
            note_override(record, now=now, last_run=last_run)
            stamped |= bool(record["consent_override_seen"]) and (
                record["consent_override_seen"] != seen
            )
    return stamped


def _narrowed(base: Answer | None, late: list[Answer]) -> Answer | None:
    """A row's answer after the withdrawals on its invalid responses: the newest of them
    that is narrower than the answer (one without a date counts as given with it)."""
    if not late:
        return base
    answer = base or (Consent.NO, "")
    for consent, when in sorted(late, key=lambda a: a[1]):
        narrows = narrower(consent, answer[0]) is consent and consent is not answer[0]
        if narrows and (when >= answer[1] or not when):
            answer = (consent, when or answer[1])
    return answer if base or answer[1] else base
