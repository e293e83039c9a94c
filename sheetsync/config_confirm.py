"""[confirmations] in sheetsync.toml: telling requesters their request came in
(docs/confirmations.md).

    [confirmations]
    enabled = true      # false: nobody is told (the Needs tab's confirmed column stays empty)
    within = "2 days"   # only requests that came in this recently are confirmed
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sheetsync.config_followup import parse_duration
from sheetsync.config_sections import table_of
from sheetsync.errors import ConfigError

_KEYS = {"enabled", "within"}


@dataclass(frozen=True)
class ConfirmConfig:
    """Whether requesters are told their request came in, and how late that is still worth
    doing: an older request (the first run after an upgrade finds them all) is marked
    'before confirmations' instead."""

    enabled: bool = True
    within: dt.timedelta = dt.timedelta(days=2)


def read_confirm(data: Mapping[str, Any], where: str) -> ConfirmConfig:
    """[confirmations]: on or off, and how recent a request must be to be confirmed."""
    section = table_of(data, "confirmations", _KEYS, where)
    base = ConfirmConfig()
    enabled = section.get("enabled", base.enabled)
    if not isinstance(enabled, bool):
        raise ConfigError(f"[confirmations] enabled in {where} is true or false (got {enabled!r}).")
    within = base.within
    if "within" in section:
        within = parse_duration(section["within"], f"[confirmations] within in {where}")
    return ConfirmConfig(enabled=enabled, within=within)
