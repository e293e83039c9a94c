"""How right intake and dedupe are about who is behind each response, against the truth.

`measure_attribution` puts a generated network's responses in a fresh spreadsheet, runs the
intake job (intake, then dedupe) and scores the People tab it leaves: two valid responses
are attributed to one person when their People rows lead, through `duplicate_of`, to the
same kept row. Scores are pairwise against `Truth.person_ids`; a household merge is a
household pair of the truth attributed to one person. Tests and `make bench` call it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sheetsync.backends.base import Backend, Value
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.config import Config
from sheetsync.demo.responses import generate
from sheetsync.demo.sizes import NetworkSize
from sheetsync.demo.truth import FORMS, Pair, RowRef, Truth
from sheetsync.jobs import find_job, run_job
from sheetsync.schema import load_schemas
from sheetsync.state import FORM_SCHEMAS, read_state
from sheetsync.tables import records_of

K = TypeVar("K", bound=Hashable)
_FIRST_ROW = 2  # a form tab's first response row, under its header


@dataclass(frozen=True)
class AttributionScore:
    """Pairwise scores of who is behind each valid response."""

    responses: int  # valid responses scored
    true_pairs: int  # pairs of them one true person sent
    predicted_pairs: int  # pairs of them attributed to one kept person
    correct_pairs: int  # pairs in both
    household_merges: int  # household pairs of the truth attributed to one person
    unattributed: int  # valid responses on no People row (should be 0: no row is lost)
    # The truth's deliberate pairs (resubmissions and name variants) of valid responses,
    # and those of them attributed to one person; by kind.
    kind_pairs: dict[str, int] = field(default_factory=dict)
    kind_linked: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def measure_attribution(
    size: NetworkSize,
    backend: Backend,
    config: Config,
    *,
    now: dt.datetime,
    seed: int = 7,
) -> AttributionScore:
    """Generate a messy network of `size`, run the intake job on it in `backend` (a fresh,
    empty spreadsheet) and score the People tab against the network's truth."""
    network = generate(size, now=now, zones=config.zones, seed=seed)
    schemas = load_schemas()
    rows: dict[str, list[list[Value]]] = {
        form: [[r[name] for name in schemas[FORM_SCHEMAS[form]].names] for r in responses]
        for form, responses in network.responses.items()
    }
    init_spreadsheet(backend, config, form_rows=rows)
    run_job(find_job("intake", config), backend, config, now=now)
    people = records_of(read_state(backend, config).tables["people"].frame)
    tabs = {form: config.form_tab(form) for form in FORMS}
    return score_attribution(network.truth, people, tabs)


def score_attribution(
    truth: Truth, people: Iterable[Mapping[str, Any]], tabs: Mapping[str, str]
) -> AttributionScore:
    """Score People rows (person_id, source, duplicate_of) against the truth; `tabs` names
    each form's response tab, as the rows' sources do."""
    people = list(people)
    kept_of = _kept_of({str(p["person_id"]): str(p["duplicate_of"]) for p in people})
    person_of_ref = {
        ref: kept_of.get(str(p["person_id"]), str(p["person_id"]))
        for p in people
        for ref in str(p["source"]).split("; ")
        if ref
    }
    true_of: dict[RowRef, int] = {}
    attributed: dict[RowRef, str] = {}
    unattributed = 0
    for form, ids in truth.person_ids.items():
        for row, true_id in enumerate(ids):
            ref = RowRef(form, row)
            if ref in truth.invalid_rows:
                continue
            true_of[ref] = true_id
            kept = person_of_ref.get(f"{tabs[form]}:{row + _FIRST_ROW}")
            if kept is None:
                unattributed += 1
                continue
            attributed[ref] = kept
    true_pairs, predicted_pairs, correct_pairs = pair_counts(true_of, attributed)
    merges = sum(_together(pair, attributed) for pair in truth.households)
    kind_pairs: Counter[str] = Counter()
    kind_linked: Counter[str] = Counter()
    for pair in (*truth.duplicates, *truth.name_variants):
        if pair.first in true_of and pair.second in true_of:
            kind_pairs[pair.kind.value] += 1
            kind_linked[pair.kind.value] += _together(pair, attributed)
    return AttributionScore(
        responses=len(true_of),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct_pairs,
        household_merges=merges,
        unattributed=unattributed,
        kind_pairs=dict(kind_pairs),
        kind_linked=dict(kind_linked),
    )


def pair_counts(true_of: Mapping[K, int], attributed: Mapping[K, str]) -> tuple[int, int, int]:
    """Pairwise counts over responses: (pairs one true person sent, pairs attributed to one
    kept person, pairs in both). `true_of` holds every response scored, `attributed` those
    on a People row, each by the same key (a RowRef, a "Tab:row" ref)."""
    both = Counter((true_of[ref], kept) for ref, kept in attributed.items())
    return (
        _pairs(Counter(true_of.values()).values()),
        _pairs(Counter(attributed.values()).values()),
        _pairs(both.values()),
    )


def _together(pair: Pair, attributed: Mapping[RowRef, str]) -> bool:
    """Whether both rows of a pair are attributed to one person."""
    first = attributed.get(pair.first)
    return first is not None and first == attributed.get(pair.second)


def _kept_of(duplicate_of: Mapping[str, str]) -> dict[str, str]:
    """Each person's kept row, following `duplicate_of` links (a loop stops where it began)."""
    kept: dict[str, str] = {}
    for pid in duplicate_of:
        seen = [pid]
        while duplicate_of.get(seen[-1]) and duplicate_of[seen[-1]] not in seen:
            seen.append(duplicate_of[seen[-1]])
        kept[pid] = seen[-1]
    return kept


def _pairs(counts: Iterable[int]) -> int:
    """How many pairs groups of these sizes hold."""
    return sum(n * (n - 1) // 2 for n in counts)
