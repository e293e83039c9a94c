"""Build, render and deliver every digest of the period, once per recipient.

The send log is the Run log tab: each email handed over (or refused) gets a row, job
"digest", steps "<audience> <period>", changes "<recipient>", outcome "sent" or "failed".
Each row goes first, at once, to a journal file beside the config, then to the tab in one
write. A digest with a "sent" row is never sent again for that period, however often the
command runs or wherever it crashed; a "failed" one is tried again on the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.config import Config
from sheetsync.digest.chart import chart_png
from sheetsync.digest.content import organizer_digest, period_of, public_summary
from sheetsync.digest.mail import (
    DeliveryError,
    Outbox,
    Smtp,
    SmtpSettings,
    Transport,
    build_message,
    html_with_files,
)
from sheetsync.digest.render import Image, Rendered, language_for, render
from sheetsync.digest.volunteers import volunteer_digests
from sheetsync.files import open_private, private_dir, write_private_text
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.privacy import Policy
from sheetsync.report import Audience, Delivery, DeliveryOutcome
from sheetsync.run_log import DIGEST_JOB, log_cells
from sheetsync.schema import load_schemas
from sheetsync.state import local_now, read_state
from sheetsync.summary.outcomes import Outcomes, figures_for
from sheetsync.tables import Table, appended, read_table, records_of

log = logging.getLogger(__name__)
CHART_CID = "chart@sheetsync"
JOURNAL = "sent.jsonl"  # the send journal, in the network's state folder


@dataclass(frozen=True)
class Digest:
    audience: Audience
    to: str
    name: str
    rendered: Rendered
    # Who it is for, without personal data: a volunteer's person_id, or organizers-N and
    # public-N for the Nth address listed under [email] in sheetsync.toml.
    recipient_id: str = ""

    def label(self, period: str) -> str:
        """The digest's name in file names and log lines, e.g. volunteer-2026-W48-P0042."""
        # Without an id, a short hash of the address: stable, and not the address itself.
        who = self.recipient_id.removeprefix(f"{self.audience}-") or _short_hash(self.to)
        return f"{self.audience}-{period}-{who}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.casefold().encode()).hexdigest()[:8]


@dataclass(frozen=True)
class SendDigests:
    """The digest step's effect: the job sends the rendered digests once the sheet is
    written (steps.Effect)."""

    digests: tuple[Digest, ...]
    run_log: Table | None = None  # the Run log as the run read it: a dry run plans from it

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        return send_digests(backend, config, list(self.digests), now=now)

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        if not self.digests:
            return []
        run_log = self.run_log if self.run_log is not None else _read_run_log(backend, config)
        journal = _read_journal(config.state_dir / JOURNAL)
        return pending_deliveries(run_log, list(self.digests), now, journal=journal)


def build_digests(backend: Backend, config: Config, now: dt.datetime) -> list[Digest]:
    """Every digest of the period from the spreadsheet as it is, rendered."""
    state = read_state(backend, config)
    return digests_of({n: t.frame for n, t in state.tables.items()}, config, now)


def digests_of(
    frames: dict[str, pd.DataFrame],
    config: Config,
    now: dt.datetime,
    computed: Outcomes | None = None,
) -> list[Digest]:
    """Every digest of the period, rendered in its recipient's language (no I/O).
    `computed`: the period figures, when the summary step has worked them out already."""
    network = config.network_name
    dayfirst = dayfirst_locale(config.locale)
    if computed is None and (config.email.organizers or config.email.public):
        computed = figures_for(
            frames, now.date(), dayfirst=dayfirst, hours_per_task=config.matching.hours_per_task
        )
    digests = []
    policy = policy_of(frames, config)
    volunteers = volunteer_digests(
        frames, network, now, policy, organizer_phone=config.privacy.organizer_phone
    )
    if config.email.organizers:
        rendered = _organizers(frames, config, now, computed, policy, volunteers.not_emailed)
        digests += _to_each(Audience.ORGANIZERS, config.email.organizers, rendered)
    for volunteer in volunteers.digests:
        rendered = render(Audience.VOLUNTEER, volunteer, language_for(volunteer.languages))
        digests.append(
            Digest(
                Audience.VOLUNTEER, volunteer.email, volunteer.name, rendered, volunteer.person_id
            )
        )
    if config.email.public:
        summary = public_summary(
            frames,
            network,
            now,
            dayfirst=dayfirst,
            hours_per_task=config.matching.hours_per_task,
            goals=config.goals,
            computed=computed,
        )
        rendered = render(Audience.PUBLIC, summary)
        digests += _to_each(Audience.PUBLIC, config.email.public, rendered)
    return digests


def _to_each(audience: Audience, addresses: tuple[str, ...], rendered: Rendered) -> list[Digest]:
    """One digest per configured address, known as e.g. organizers-1 by its place in the
    list (the address itself stays out of file names and logs)."""
    return [
        Digest(audience, to, "", rendered, f"{audience}-{number}")
        for number, to in enumerate(addresses, start=1)
    ]


def _organizers(
    frames: dict[str, pd.DataFrame],
    config: Config,
    now: dt.datetime,
    computed: Outcomes | None = None,
    policy: Policy | None = None,
    not_emailed: Mapping[str, int] | None = None,
) -> Rendered:
    """The organizers' digest with its chart. Failed runs are those since the last
    organizers' digest went out (or the last 7 days, before the first)."""
    policy = policy or policy_of(frames, config)
    since = last_sent(frames["run_log"], Audience.ORGANIZERS, now) or now - dt.timedelta(days=7)
    data = organizer_digest(
        frames,
        config.network_name,
        now,
        since=since,
        dayfirst=dayfirst_locale(config.locale),
        hours_per_task=config.matching.hours_per_task,
        goals=config.goals,
        computed=computed,
        policy=policy,
        not_emailed=dict(not_emailed or {}),
    )
    chart = Image(CHART_CID, f"chart-{data.period}.png", chart_png(data.chart, data.spread))
    return render(Audience.ORGANIZERS, data, config.email.organizers_language, chart=chart)


def policy_of(frames: Mapping[str, pd.DataFrame], config: Config) -> Policy:
    """The privacy policy over the tabs as they are, with the network's sensitive categories."""
    people, needs = records_of(frames["people"]), records_of(frames["needs"])
    return Policy(people, config.privacy.sensitive_categories, needs)


def last_sent(run_log: pd.DataFrame, audience: Audience, now: dt.datetime) -> dt.datetime | None:
    """When a digest for an audience was last handed over before `now`, from the send log."""
    sent = run_log[
        (run_log["job"] == DIGEST_JOB)
        & (run_log["outcome"] == DeliveryOutcome.SENT)
        & run_log["steps"].str.startswith(f"{audience} ")
    ]
    started = pd.to_datetime(sent["started"], errors="coerce", format="ISO8601")
    when = started[started <= pd.Timestamp(now)].max()
    return None if pd.isna(when) else when.to_pydatetime()


def transport_for(config: Config) -> Transport:
    smtp = config.email.smtp
    if smtp:
        return Smtp(SmtpSettings(**{k: v for k, v in smtp.items()}))
    assert config.email.outbox is not None
    return Outbox(config.email.outbox)


def _sent(run_log: Table, unlogged: list[dict[str, str]]) -> set[tuple[str, str]]:
    """(audience and period, recipient) of every digest sent: in the Run log tab, or only in
    the journal still (a crash or a failed write came between)."""
    rows = [*records_of(run_log.frame), *unlogged]
    return {
        (r["steps"], r["changes"])
        for r in rows
        if r["job"] == DIGEST_JOB and r["outcome"] == DeliveryOutcome.SENT
    }


def pending_deliveries(
    run_log: Table,
    digests: list[Digest],
    now: dt.datetime,
    *,
    journal: list[dict[str, str]] | None = None,
) -> list[Delivery]:
    """What a run would send (a dry run): "would send" or "already sent" per digest."""
    period = period_of(now)
    sent = _sent(run_log, _not_logged(journal or [], run_log))
    return [
        Delivery(
            d.audience,
            d.to,
            period,
            DeliveryOutcome.ALREADY_SENT
            if (f"{d.audience} {period}", d.to) in sent
            else DeliveryOutcome.WOULD_SEND,
            recipient=d.recipient_id,
        )
        for d in digests
    ]


def send_digests(
    backend: Backend,
    config: Config,
    digests: list[Digest] | None = None,
    *,
    now: dt.datetime | None = None,
    transport: Transport | None = None,
) -> list[Delivery]:
    """Send the period's digests that have not gone yet; log them in the Run log tab.

    Without `digests`, they are built from the spreadsheet as it is. Each email handed
    over (or refused) is written at once to the send journal (.sheetsync/sent.jsonl), and
    the journal goes to the Run log in one write at the end: one write per run, not per
    email. Rows a crash or a failed write left in the journal are written on the next run,
    and count as sent meanwhile.
    """
    now = now or local_now(config)
    if digests is None:
        digests = build_digests(backend, config, now)
    if not digests:
        return []
    period = period_of(now)
    transport = transport or transport_for(config)
    run_log = _read_run_log(backend, config)
    journal = config.state_dir / JOURNAL
    rows = _not_logged(_read_journal(journal), run_log)
    sent = _sent(run_log, rows)
    deliveries = []
    with _open_journal(journal) as record:
        for number, digest in enumerate(digests, start=1):
            if (f"{digest.audience} {period}", digest.to) in sent:
                deliveries.append(
                    Delivery(
                        digest.audience,
                        digest.to,
                        period,
                        DeliveryOutcome.ALREADY_SENT,
                        recipient=digest.recipient_id,
                    )
                )
                continue
            delivery = _hand_over(digest, transport, config.email.sender, period)
            deliveries.append(delivery)
            values = _send_log_row(delivery, number, now, local_now(config))
            record(values)  # at once: a crash after this never sends it twice
            rows.append(values)
    if rows:
        backend.apply([_run_log_changes(run_log, rows)])
    journal.unlink(missing_ok=True)  # all of it is in the Run log now
    return deliveries


def _not_logged(journal: list[dict[str, str]], run_log: Table) -> list[dict[str, str]]:
    """The journal's rows that are not in the Run log tab yet (a crash or a failed write
    came between)."""
    logged = {_key(r) for r in records_of(run_log.frame) if r["job"] == DIGEST_JOB}
    return [v for v in journal if _key(v) not in logged]


def _hand_over(digest: Digest, transport: Transport, sender: str, period: str) -> Delivery:
    """Send one digest: "sent" with where it went, or "failed" with why. The log names the
    recipient by id (person_id, organizers-1), never by name or address."""
    what, who = f"{digest.audience} {period}", digest.recipient_id
    message = build_message(digest.rendered, sender=sender, to=digest.to, to_name=digest.name)
    try:
        where = transport.send(message, digest.label(period))
    except DeliveryError as err:
        log.error("digest %s for %s not sent: %s", what, who, err)
        return Delivery(
            digest.audience, digest.to, period, DeliveryOutcome.FAILED, str(err), recipient=who
        )
    log.info("digest %s sent to %s", what, who)
    return Delivery(digest.audience, digest.to, period, DeliveryOutcome.SENT, where, recipient=who)


def _send_log_row(
    delivery: Delivery, number: int, now: dt.datetime, finished: dt.datetime
) -> dict[str, str]:
    """A delivery's row in the send log (the Run log tab), by column name."""
    return {
        "run_id": f"M{now:%Y%m%d-%H%M%S}-{number:03d}",
        "job": DIGEST_JOB,
        "started": format_datetime(now),
        "finished": format_datetime(max(now, finished)),
        "outcome": delivery.outcome.value,
        "steps": f"{delivery.audience} {delivery.period}",
        "changes": delivery.to,
        "problems": "0" if delivery.outcome == DeliveryOutcome.SENT else "1",
        "message": delivery.detail[:500],
    }


def _run_log_changes(run_log: Table, rows: list[dict[str, str]]) -> TabChanges:
    """The send log's rows appended to the Run log tab (its header first, if it has none)."""
    return appended(run_log, [log_cells(run_log, v) for v in rows])


def _read_run_log(backend: Backend, config: Config) -> Table:
    """The Run log tab as it is now (the send log is in it)."""
    tab = config.tabs["run_log"]
    return read_table(backend.read_tabs([tab])[tab], load_schemas()["run_log"], tab)


def _key(values: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(str(values[k]) for k in ("run_id", "steps", "changes", "outcome"))


def _read_journal(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash: its email is unsure
            log.warning("send journal %s: line %d is cut short and skipped", path, number)
    return rows


@contextlib.contextmanager
def _open_journal(path: Path) -> Iterator[Callable[[dict[str, str]], None]]:
    """A function writing one journal line, flushed to disk before it returns."""
    try:
        handle = open_private(path, "a")
    except OSError as err:
        raise DeliveryError(
            f"The send journal {path} cannot be written ({err}), so no digest was sent: "
            "sheetsync must note each email the moment it goes. Check that the folder can "
            "be written ([schedule] state_dir in sheetsync.toml moves it)."
        ) from err

    def record(values: dict[str, str]) -> None:
        handle.write(json.dumps(values, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())

    with handle:
        yield record


def preview(backend: Backend, config: Config, folder: Path, now: dt.datetime | None = None) -> Path:
    """Write the organizers' digest as HTML (its chart and text beside it); return its path."""
    now = now or local_now(config)
    state = read_state(backend, config)
    rendered = _organizers({n: t.frame for n, t in state.tables.items()}, config, now)
    private_dir(folder)
    path = folder / f"organizers-{period_of(now)}.html"
    write_private_text(path, html_with_files(rendered, folder))
    write_private_text(path.with_suffix(".txt"), rendered.text)
    return path


__all__ = [
    "Delivery",
    "DeliveryError",
    "Digest",
    "SendDigests",
    "build_digests",
    "digests_of",
    "pending_deliveries",
    "preview",
    "send_digests",
]
