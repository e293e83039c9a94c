"""Find the records of one person among contact records, without merging households.

`find_duplicates(records, region)` normalises (prepare.py), builds candidate pairs from
blocks that share a key (blocking.py), scores each pair (compare.py), then clusters the
certain pairs with a union-find that refuses to join two groups holding records that are
surely different people (clusters.py). The core never drops a record: every id is in
`kept_of`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from sheetsync.dedupe.blocking import candidate_pairs
from sheetsync.dedupe.clusters import Decision, Linkage, Pair, cluster, pair_key
from sheetsync.dedupe.compare import Verdict, compare, find_family_emails
from sheetsync.dedupe.dates import year_until
from sheetsync.dedupe.households import estimate_households
from sheetsync.dedupe.prepare import prepare

__all__ = [
    "Decision",
    "Linkage",
    "Pair",
    "Verdict",
    "find_duplicates",
    "linkage_until",
    "pair_key",
]


def find_duplicates(
    records: pd.DataFrame,
    region: str = "US",
    decisions: Mapping[tuple[str, str], Decision] | None = None,
    *,
    today: dt.date | None = None,
) -> Linkage:
    """Link the records of one person; list the uncertain pairs; mark households.

    `records` holds an `id` column (unique) and any of name (or given_name and family_name),
    phone, email, address, postcode, zone, birth_date. The first record of a cluster, in the
    frame's order, is the one kept. `decisions` maps `pair_key(a, b)` to what organizers
    decided; they override the scores. A "same" that would join a pair decided "different"
    is not applied and is listed in `contradictions`. `today` is the run's date (the
    network's), for two-digit years of birth.
    """
    prepared = prepare(records, region, today)
    prepared.family_emails = find_family_emails(prepared)
    if len(set(prepared.ids)) != len(prepared.ids) or "" in prepared.ids:
        raise ValueError("find_duplicates needs a unique, non-empty id for every record")
    index = {rid: k for k, rid in enumerate(prepared.ids)}
    decided: dict[tuple[int, int], Decision] = {}
    for (a, b), decision in (decisions or {}).items():
        if a in index and b in index and a != b:
            i, j = sorted((index[a], index[b]))
            decided[(i, j)] = Decision(decision)
    pairs = candidate_pairs(prepared)
    estimate = estimate_households(prepared, pairs)
    if estimate.few:
        prepared.few_households = estimate.text
    scored: dict[tuple[int, int], Pair] = {}
    for i, j in sorted(pairs | decided.keys()):
        result = compare(prepared, i, j, explain=(i, j) in decided)
        if result.verdict is Verdict.DIFFERENT and (i, j) not in decided:
            continue
        scored[(i, j)] = Pair(
            a=prepared.ids[i],
            b=prepared.ids[j],
            score=result.score,
            weight=result.weight,
            verdict=result.verdict,
            reason=result.reason,
            evidence=result.evidence,
        )
    return cluster(prepared, scored, decided, compared=len(pairs))


def linkage_until(records: pd.DataFrame, now: dt.datetime) -> dt.datetime:
    """When find_duplicates on these records, with `today` = now.date(), may find another
    linkage by time alone (sheetsync/horizon.py): only birth dates read the date (its year);
    without a birth_date column, never."""
    if "birth_date" not in records.columns:
        return year_until((), now)
    return year_until((str(v) for v in records["birth_date"].fillna("")), now)
