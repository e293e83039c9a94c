"""The demo's confirmations (docs/confirmations.md): make sure `make demo`'s weekly run
emails one and puts one on the Call list.

Nearly every generated requester asks to be reached by phone (Call, Text, WhatsApp), so the
newest request the run will find within [confirmations] within asks for Email instead: the
run emails it, and the others of those days go on the Call list. The played weeks
(--history) confirm only what came in the two days before each of their runs; what came
in between was never confirmed in time and is marked 'before confirmations', as after an
upgrade.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.backends.base import Value
from sheetsync.config_confirm import ConfirmConfig
from sheetsync.schema import load_schemas


def prefer_email_lately(rows: list[list[Value]], now: dt.datetime) -> None:
    """The newest request of the last [confirmations] within with an email asks to be
    reached by email (rows: the request form's, in its schema's column order)."""
    names = load_schemas()["requests"].names
    stamp, email, pref = (names.index(n) for n in ("timestamp", "email", "contact_pref"))
    since = now - ConfirmConfig().within
    recent = []
    for row in rows:
        when = row[stamp]
        if isinstance(when, dt.datetime) and since < when <= now and "@" in str(row[email]):
            recent.append((when, row))
    if recent:
        max(recent, key=lambda found: found[0])[1][pref] = "Email"
