"""The follow-up's ledger of alerts made but never settled in the send log.

An escalation, a task past due or a reminder is stamped in sheetsync's own column
(escalated_at, overdue_flagged, reminded) by the run that makes it, and its email is sent
after that run's write, noted in the Run log (job "digest", steps "alerts <period>" or
"reminder <period>", alert_period of the stamp). A stamp of the last 2 days with no "sent"
or "unconfirmed" row for its period was never delivered (the send failed, or the run
stopped before it): the next run carries the item again and moves its stamp to its own
clock, so that a failed send is retried by the next hourly run and nothing is sent twice.
Rows the send journal holds that the Run log does not yet (a crash, or a failed write of
the send log) count as the Run log's (steps/followup.py). Retries end RETRY_FOR after the
news arose (`since`), however often the stamp moved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

from sheetsync.clock import elapsed
from sheetsync.followup.model import alert_period
from sheetsync.horizon import reached_at
from sheetsync.members import parse_datetime
from sheetsync.report import Audience, DeliveryOutcome
from sheetsync.run_log import DIGEST_JOB

# How long an alert that never went out is tried again: past it, the news is stale (the
# weekly digest counts it anyway, from the sheet).
RETRY_FOR = dt.timedelta(days=2)
_parsed = lru_cache(maxsize=4096)(parse_datetime)  # stamps repeat: one per run
_INSTANT = dt.timedelta(microseconds=1)  # the clock's least step
_SETTLED = (DeliveryOutcome.SENT.value, DeliveryOutcome.UNCONFIRMED.value)


@dataclass(frozen=True)
class Ledger:
    """Which alert stamps are settled in the send log, at this run's clock."""

    now: dt.datetime
    tz: ZoneInfo
    settled: frozenset[str]  # steps of settled send log rows: "alerts 2026-12-03T1015"
    settled_to: frozenset[tuple[str, str]]  # (steps, recipient) of the same rows
    _periods: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, run_log: pd.DataFrame | None, now: dt.datetime, tz: ZoneInfo) -> Ledger:
        """From the Run log tab's frame (None or empty: nothing was ever sent)."""
        if run_log is None or run_log.empty:
            return cls(now, tz, frozenset(), frozenset())
        rows = run_log[(run_log["job"] == DIGEST_JOB) & run_log["outcome"].isin(_SETTLED)]
        steps = rows["steps"].tolist()
        return cls(
            now,
            tz,
            frozenset(steps),
            frozenset(zip(steps, rows["changes"].tolist(), strict=True)),
        )

    def _period(self, stamp: str) -> str:
        """The alert period of a stamp still to be tried (before now, within RETRY_FOR);
        "" otherwise. Stamps repeat (one per run): each is read once."""
        if stamp not in self._periods:
            when = parse_datetime(stamp) if stamp else None
            fresh = (
                when is not None
                and when < self.now
                and elapsed(when, self.now, self.tz) <= RETRY_FOR
            )
            self._periods[stamp] = alert_period(when) if fresh and when else ""
        return self._periods[stamp]

    def to_carry(
        self, stamp: str, audience: Audience, recipient: str = "", *, since: dt.datetime
    ) -> bool:
        """Whether the alert stamped `stamp` (a cell's text) is to be carried again: made
        before this run, within RETRY_FOR, and its email never settled. With a recipient
        (a reminder's address, as the send log names it), only that recipient's send log
        row settles it. `since`: when the news it carries arose (a need reaching its level,
        the day after a task's due date); carrying moves the stamp on, so the retries stop
        RETRY_FOR after that, not after the last failed send: an address that always
        refuses is not retried every hour for ever (the weekly digest counts it all)."""
        if since > self.now or elapsed(since, self.now, self.tz) > RETRY_FOR:
            return False
        period = self._period(stamp)
        if not period:
            return False
        steps = f"{audience} {period}"
        if recipient:
            return (steps, recipient) not in self.settled_to
        return steps not in self.settled

    def turns_at(
        self, stamp: str, audience: Audience, recipient: str = "", *, since: dt.datetime
    ) -> list[dt.datetime]:
        """The times at which `to_carry`'s answer for the same cell may turn, for the
        step's horizon (sheetsync/horizon.py; some may be past): when the news arises
        (`since`), right after the stamp, and when RETRY_FOR runs out after each (the
        instant before that turn: early, which is safe). Nothing when the stamp is no time
        or its email settled: then the answer is no whatever the clock."""
        when = _parsed(stamp) if stamp else None
        if when is None:
            return []
        steps = f"{audience} {alert_period(when)}"
        if (steps, recipient) in self.settled_to if recipient else steps in self.settled:
            return []
        return [
            since,
            when + _INSTANT,  # carried only after its stamp: right after it, were it now
            reached_at(since, RETRY_FOR, self.tz),
            reached_at(when, RETRY_FOR, self.tz),
        ]
