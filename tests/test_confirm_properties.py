"""Confirmations over run histories (hypothesis): requests arrive at random times, hourly
runs come at random times, and the mail server refuses whole runs at random. Each request
is confirmed at most once by email and at most once on the Call list, and exactly once
when it is reachable (the first run after it came within [confirmations] within), unless
all its retries failed and no run has come since to hand it to the Call list."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sheetsync.backends.base import TabChanges
from sheetsync.backends.workbook import WorkbookBackend
from sheetsync.bootstrap import init_spreadsheet
from sheetsync.digest import deliver
from sheetsync.digest.mail import DeliveryError, Outbox
from sheetsync.followup.ledger import RETRY_FOR
from sheetsync.jobs import find_job, read_state, run_job
from sheetsync.report import Audience, DeliveryOutcome
from sheetsync.schema import load_schemas
from sheetsync.tables import records_of
from tests.conftest import NOW, make_config, request
from tests.test_digest import with_email

WITHIN = dt.timedelta(days=2)


class Refusing(Outbox):
    """An outbox the test tells, run by run, to refuse everything."""

    refusing = False

    def send(self, message, label):
        if self.refusing:
            raise DeliveryError(f"the mail server did not take {label}: 451 Try again later.")
        return super().send(message, label)


def answers(k: int, by_phone: bool, at: dt.datetime) -> dict:
    """Request k: a person of their own (no duplicates), by email or by phone only."""
    return request(
        name=f"Asker Number{chr(65 + k)}",
        phone=f"201 555 01{k:02d}",
        email="" if by_phone else f"asker{k}@example.org",
        contact_pref="Call" if by_phone else "Email",
        languages="Spanish" if k % 2 else "English",
        timestamp=at,
    )


arrivals = st.lists(
    st.tuples(st.integers(0, 96), st.booleans()), min_size=1, max_size=4
)  # (hours after the start, by phone)
runs = st.lists(
    st.tuples(st.integers(0, 130), st.booleans()), min_size=1, max_size=6
)  # (hours after the start, the mail server refuses)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(arrivals=arrivals, runs=runs)
def test_each_request_is_confirmed_once_whatever_the_history(monkeypatch, arrivals, runs):
    folder = Path(tempfile.mkdtemp())
    config = with_email(make_config(folder / "network.xlsx"))
    backend = WorkbookBackend(config.workbook)
    init_spreadsheet(backend, config)
    transport = Refusing(config.email.outbox)
    monkeypatch.setattr(deliver, "transport_for", lambda _config: transport)
    start = NOW - dt.timedelta(days=5)
    at = [start + dt.timedelta(hours=h, minutes=k) for k, (h, _) in enumerate(arrivals)]
    times = sorted({(start + dt.timedelta(hours=h, minutes=30), r) for h, r in runs})
    job = find_job("intake", config)
    names = load_schemas()["requests"].names
    added: list[int] = []  # the requests on the form, in the order they came
    emails: dict[str, int] = {}
    for when, refuse in times:
        due = sorted(
            (k for k in range(len(at)) if at[k] <= when and k not in added), key=at.__getitem__
        )
        if due:
            rows = [answers(k, arrivals[k][1], at[k]) for k in due]
            tab = config.form_tab("requests")
            append = [[r.get(n, "") for n in names] for r in rows]
            backend.apply([TabChanges(tab=tab, start_row=len(added) + 2, append=append)])
            added += due
        transport.refusing = refuse
        report = run_job(job, backend, config, now=when)
        for d in report.deliveries:
            assert d.audience == Audience.CONFIRMATION
            emails[d.to] = emails.get(d.to, 0) + (d.outcome == DeliveryOutcome.SENT)
    calls = records_of(read_state(backend, config).tables["call_list"].frame)
    called = [c["phone"] for c in calls]
    assert len(called) == len(set(called))  # at most once on the Call list
    assert all(n <= 1 for n in emails.values())  # at most once by email
    for k, (_, by_phone) in enumerate(arrivals):
        address, phone = f"asker{k}@example.org", f"+1201555010{k}"
        told = (0 if by_phone else emails.get(address, 0)) + called.count(phone)
        assert told == _expected(at[k], by_phone, times), (k, emails, called)


def _expected(arrived: dt.datetime, by_phone: bool, times: list) -> int:
    """How many times request k is told by the end, worked out from the rules."""
    first = next(((when, refuse) for when, refuse in times if when >= arrived), None)
    if first is None or first[0] - arrived > WITHIN:
        return 0  # never taken in, or taken in too late: 'before confirmations'
    if by_phone:
        return 1
    stamp = first[0]
    window = [refuse for when, refuse in times if stamp <= when <= stamp + RETRY_FOR]
    if not all(window):
        return 1  # a run within the retries sent it
    return int(any(when > stamp + RETRY_FOR for when, _ in times))  # the Call list took over
