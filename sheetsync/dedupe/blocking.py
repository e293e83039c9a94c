"""Candidate pairs: only records sharing a blocking key are compared, so work grows ~linearly.

Keys: the phone, the email, the address, the birth date; and, with the postcode (or zone),
the name's phonetic keys in either order (swapped names), and a phonetic key of each
family name with the given name's initial; the family name's key, and the given name's,
with the house number.
Two rows with the same name and nothing else in common are not worth asking about, so no
key is the name alone.
A key shared by more than MAX_BLOCK records (a shelter's phone), or a name key by more than
MAX_NAME_BLOCK ("Maria Garcia" in a big city), is too weak to compare all its pairs; those
records still meet through their other keys.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from sheetsync.dedupe.prepare import Prepared, family_key

MAX_BLOCK = 60
# Name keys are weak: a pair they alone bring must still agree on a phone, email, address
# or birth date to be asked about, and those have keys of their own. So common names with
# a place are compared only in small groups.
MAX_NAME_BLOCK = 15


def blocking_keys(p: Prepared, k: int) -> list[str]:
    """The keys of record k."""
    keys = []
    if p.phone[k]:
        keys.append("p" + p.phone[k])
    if p.email[k]:
        keys.append("e" + p.email[k])
    if p.address[k]:
        keys.append("a" + p.address[k])
    if p.birth[k]:
        keys.append("b" + p.birth[k])
    number = p.address[k].split(" ", 1)[0] if p.address[k] else ""
    place = p.postcode[k] or p.zone[k]
    # A nickname blocks with its formal name: "bob" with "robert".
    given = family_key(min(p.formal[k])) if p.given[k] else ""
    for word in p.family_tokens[k]:
        code = family_key(word)
        if given:  # in either order, for swapped names
            first, second = sorted((given, code))
            keys.append(f"n{first}|{second}|{place}")
        keys.append(f"f{code}|{given[:1]}|{place}")
        if number:  # the house number and family name: a typo in the street or postcode
            keys.append(f"h{number}|{code}")
    if given and number:  # the house number and given name: a typo in the family name too
        keys.append(f"h{number}|{given}")
    if given and not p.family_tokens[k]:
        keys.append(f"g{given}|{place}")
    return keys


def candidate_pairs(p: Prepared) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, of records that share at least one key."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for k in range(len(p)):
        for key in blocking_keys(p, k):
            blocks[key].append(k)
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        limit = MAX_BLOCK if key[0] in "peab" else MAX_NAME_BLOCK
        if 1 < len(members) <= limit:
            pairs.update(combinations(members, 2))
    return pairs
