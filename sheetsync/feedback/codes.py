"""Each task's feedback code: short, unguessable, unique, and written once.

A code is 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 887
million codes: typed from a phone call it is hard to get wrong, and nobody can guess
another task's. It is an HMAC of the task's id under the network's key, a random secret
kept in sheetsync's folder (.sheetsync/feedback.key, private, made on first use), so the
same spreadsheet gives the same codes run after run and tests are repeatable with a key
of their own. Once written on the Tasks tab a code never changes: it is in the links sent.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from collections.abc import Collection
from pathlib import Path

from sheetsync.files import write_private_text

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, 1, I, L, O
LENGTH = 6
KEY_FILE = "feedback.key"


def network_key(state_dir: Path) -> bytes:
    """The network's feedback key, made (random) the first time it is needed."""
    path = state_dir / KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode()
    key = secrets.token_hex(32)
    write_private_text(path, key + "\n")
    return key.encode()


def new_code(key: bytes, task_id: str, taken: Collection[str]) -> str:
    """A code for a task, not among `taken` (codes already on the Tasks tab)."""
    for attempt in itertools.count():  # a clash is one in millions: the next try is free
        digest = hmac.new(key, f"{task_id}:{attempt}".encode(), hashlib.sha256).digest()
        number = int.from_bytes(digest[:8], "big")
        chars = []
        for _ in range(LENGTH):
            number, index = divmod(number, len(ALPHABET))
            chars.append(ALPHABET[index])
        code = "".join(chars)
        if code.casefold() not in taken:
            return code
    raise AssertionError("unreachable")  # pragma: no cover
