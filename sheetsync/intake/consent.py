"""Each person's consent in force, as intake writes it on People (privacy.py has the rules).

A person's newest answer to the consent question wins, on any of their valid responses.
A "No" (or "First name only") on a response that is invalid for another reason (a mistyped
phone, say) still counts when the response can be tied to a person: a withdrawal must not
wait for a typo to be fixed. An organizer's consent_override counts from when sheetsync
first saw it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
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
from sheetsync.privacy import Consent, Settled, consent_of, narrower, settle_consent

Answer = tuple[Consent, str]  # a consent answer and when it was given
CONSENT_FORMS = ("requests", "offers")  # the forms that ask it


def withdrawals(
    invalid: Mapping[str, tuple[str, pd.DataFrame]],
    index: PeopleIndex,
    *,
    region: str,
    dayfirst: bool,
    now: str,
) -> dict[str, list[Answer]]:
    """Person id -> the narrowing consent answers on their invalid responses.

    `invalid`: per form, its tab's ref prefix and the raw cells of its invalid rows (by
    sheet row). A row is tied to a person by its own earlier record, else by an email or
    phone known with the same first name."""
    found: dict[str, list[Answer]] = defaultdict(list)
    for ref_tab, rows in invalid.values():
        for row, raw in rows.iterrows():
            consent = consent_of(cell_text(raw.get("consent", "")))
            if consent is None or consent is Consent.YES:
                continue  # only a withdrawal counts before the row is fixed
            pid = index.by_ref.get(f"{ref_tab}:{row}") or _known(raw, index, region)
            if pid:
                stamp = parse_timestamp(raw.get("timestamp"), dayfirst=dayfirst)
                found[pid].append((consent, format_datetime(stamp) if stamp else now))
    return found


def _known(raw: pd.Series, index: PeopleIndex, region: str) -> str:
    email, _ = normalize_email(cell_text(raw.get("email", "")))
    phone = normalize_phone(cell_text(raw.get("phone", "")), region)
    return index.known(email or "", phone or "", tidy_name(raw.get("name", "")))


def settle_people(
    records: Sequence[dict[str, Any]],
    groups: Mapping[str, list[Response]],
    late: Mapping[str, list[Answer]],
    now: str,
    since: str = "",
) -> list[tuple[dict[str, Any], Settled]]:
    """Write each person's consent in force; return the rows organizers should look at
    (an override not understood, or one a later form answer outdates). `since`: when the
    last run started."""
    flagged: list[tuple[dict[str, Any], Settled]] = []
    for record in records:
        pid = record["person_id"]
        if not pid or not (pid in groups or pid in late or not record["source"]):
            continue  # a row whose responses all went: it keeps what it had
        base = consent_answer(groups[pid]) if pid in groups else _as_written(record)
        settled = settle_consent(record, _newest(base, late.get(pid, [])), now, since)
        if settled is not Settled.FINE:
            flagged.append((record, settled))
    return flagged


def _as_written(record: Mapping[str, Any]) -> Answer | None:
    consent = consent_of(str(record["consent"]))
    return None if consent is None else (consent, str(record["consent_date"]))


def _newest(base: Answer | None, late: list[Answer]) -> Answer | None:
    """The newest of a person's answer and the withdrawals on their invalid rows (a
    withdrawal counts only where it narrows)."""
    answers = [base] if base else []
    answers += [a for a in late if base is None or narrower(a[0], base[0]) is a[0]]
    return max(answers, key=lambda a: a[1]) if answers else None
