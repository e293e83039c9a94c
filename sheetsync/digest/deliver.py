"""Build, render and deliver every digest of the period, once per recipient.

The send log is the Run log tab: each email handed over (or refused) gets its own row at
once, job "digest", steps "<audience> <period>", changes "<recipient>", outcome "sent" or
"failed". A digest with a "sent" row is never sent again for that period, however often
the command runs or wherever it crashed; a "failed" one is tried again on the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.config import Config
from sheetsync.digest.content import (
    organizer_digest,
    period_of,
    public_summary,
    volunteer_digests,
)
from sheetsync.digest.mail import (
    DeliveryError,
    Outbox,
    Smtp,
    SmtpSettings,
    Transport,
    build_message,
)
from sheetsync.digest.render import Rendered, language_for, render
from sheetsync.jobs import State, local_now, log_cells, read_state
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.tables import records_of


@dataclass(frozen=True)
class Digest:
    audience: str  # organizers, volunteer, public
    to: str
    name: str
    rendered: Rendered


@dataclass(frozen=True)
class Delivery:
    audience: str
    to: str
    period: str
    outcome: str  # sent, failed, already sent
    detail: str = ""


def build_digests(backend: Backend, config: Config, now: dt.datetime) -> list[Digest]:
    """Every digest of the period, rendered, in its recipient's language."""
    return _digests(read_state(backend, config), config, now)


def _digests(state: State, config: Config, now: dt.datetime) -> list[Digest]:
    frames = {name: table.frame for name, table in state.tables.items()}
    network = config.network_name
    digests = []
    organizers = organizer_digest(frames, network, now, since=now - dt.timedelta(days=7))
    for address in config.email.organizers:
        rendered = render("organizers", organizers, config.email.organizers_language)
        digests.append(Digest("organizers", address, "", rendered))
    people = {p["person_id"]: p for p in records_of(frames["people"])}
    for volunteer in volunteer_digests(frames, network, now):
        person = people[volunteer.person_id]
        rendered = render("volunteer", volunteer, language_for(person["languages"]))
        digests.append(Digest("volunteer", person["email"], person["name"], rendered))
    summary = public_summary(frames, network, now, dayfirst=dayfirst_locale(config.locale))
    for address in config.email.public:
        digests.append(Digest("public", address, "", render("public", summary)))
    return digests


def transport_for(config: Config) -> Transport:
    smtp = config.email.smtp
    if smtp:
        return Smtp(SmtpSettings(**{k: v for k, v in smtp.items()}))
    assert config.email.outbox is not None
    return Outbox(config.email.outbox)


def send_digests(
    backend: Backend,
    config: Config,
    *,
    now: dt.datetime | None = None,
    transport: Transport | None = None,
) -> list[Delivery]:
    """Send the period's digests that have not gone yet; log each in the Run log tab."""
    now = now or local_now(config)
    period = period_of(now)
    transport = transport or transport_for(config)
    state = read_state(backend, config)
    log = state.tables["run_log"]
    sent = {
        (r["steps"], r["changes"])
        for r in records_of(log.frame)
        if r["job"] == "digest" and r["outcome"] == "sent"
    }
    n_rows = log.n_rows
    deliveries = []
    for number, digest in enumerate(_digests(state, config, now), start=1):
        what = f"{digest.audience} {period}"
        if (what, digest.to) in sent:
            deliveries.append(Delivery(digest.audience, digest.to, period, "already sent"))
            continue
        message = build_message(
            digest.rendered, sender=config.email.sender, to=digest.to, to_name=digest.name
        )
        try:
            where = transport.send(message)
            delivery = Delivery(digest.audience, digest.to, period, "sent", where)
        except DeliveryError as err:
            delivery = Delivery(digest.audience, digest.to, period, "failed", str(err))
        deliveries.append(delivery)
        values = {
            "run_id": f"M{now:%Y%m%d-%H%M%S}-{number:03d}",
            "job": "digest",
            "started": format_datetime(now),
            "finished": format_datetime(now if now else local_now(config)),
            "outcome": delivery.outcome,
            "steps": what,
            "changes": digest.to,
            "problems": "0" if delivery.outcome == "sent" else "1",
            "message": delivery.detail[:500],
        }
        changes = TabChanges(tab=log.tab, start_row=n_rows + 1, append=[log_cells(log, values)])
        if n_rows == 0:
            changes.append.insert(0, list(log.header))
            n_rows += 1
        backend.apply([changes])  # at once: a crash after this never sends it twice
        n_rows += 1
    return deliveries


def preview(backend: Backend, config: Config, folder: Path, now: dt.datetime | None = None) -> Path:
    """Write the organizers' digest as HTML (and its text beside it); return the HTML's path."""
    now = now or local_now(config)
    state = read_state(backend, config)
    frames = {name: table.frame for name, table in state.tables.items()}
    data = organizer_digest(frames, config.network_name, now, since=now - dt.timedelta(days=7))
    rendered = render("organizers", data, config.email.organizers_language)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"organizers-{period_of(now)}.html"
    path.write_text(rendered.html, encoding="utf-8")
    path.with_suffix(".txt").write_text(rendered.text, encoding="utf-8")
    return path


__all__ = ["Delivery", "DeliveryError", "build_digests", "preview", "send_digests"]
