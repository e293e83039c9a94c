"""Build, render and deliver every digest of the period, once per recipient.

The send log is the Run log tab: each email handed over (or refused) gets a row, job
"digest", steps "<audience> <period>", changes "<recipient>", outcome "sent", "failed" or
"unconfirmed". Each email is built, then noted in the send journal (journal.py) before it
is handed over and after, and the journal goes to the tab in one write. A digest with a
"sent" row is never sent again for that period; a "failed" one is tried again on the next
run. One the journal shows was being handed over when the run stopped is checked: found in
the outbox, it is "sent"; over SMTP, which cannot be asked, it is "unconfirmed", told to
the organizers with its Message-ID, and sent again only when they ask (--resend). So is
one the mail server was handed whole but whose answer never came (a lost connection).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from sheetsync.backends.base import Backend, TabChanges
from sheetsync.config import Config
from sheetsync.digest.chart import chart_png
from sheetsync.digest.content import organizer_digest, period_end, period_of, public_summary
from sheetsync.digest.followup_week import followup_week
from sheetsync.digest.journal import JOURNAL, Journal, open_journal, pending_line, read_journal
from sheetsync.digest.mail import (
    DeliveryError,
    NoSuchDigestError,
    Outbox,
    Smtp,
    SmtpSettings,
    Transport,
    UnconfirmedError,
    build_message,
    html_with_files,
    message_id_for,
)
from sheetsync.digest.render import Image, Rendered, language_for, render
from sheetsync.digest.volunteers import volunteer_digests
from sheetsync.errors import failure_text, trace_text
from sheetsync.files import private_dir, write_private_text
from sheetsync.horizon import NEVER
from sheetsync.normalize import dayfirst_locale, format_datetime
from sheetsync.privacy import Policy
from sheetsync.report import Audience, Delivery, DeliveryOutcome
from sheetsync.run_log import DIGEST_JOB, MESSAGE_MAX, fresh_run_id, log_cells
from sheetsync.schema import load_schemas
from sheetsync.state import local_now, read_state
from sheetsync.summary.outcomes import Outcomes, figures_for
from sheetsync.tables import Table, appended, read_table, records_of

log = logging.getLogger(__name__)
CHART_CID = "chart@sheetsync"
# What a send log row says of a digest that is not sent again by itself.
SETTLED = (DeliveryOutcome.SENT, DeliveryOutcome.UNCONFIRMED)
# The audiences whose period is the ISO week (the others carry their own: Digest.period).
WEEKLY = frozenset({Audience.ORGANIZERS, Audience.VOLUNTEER, Audience.PUBLIC})


@dataclass(frozen=True)
class Digest:
    audience: Audience
    to: str
    name: str
    rendered: Rendered
    # Who it is for, without personal data: a volunteer's person_id, or organizers-N and
    # public-N for the Nth address listed under [email] in sheetsync.toml.
    recipient_id: str = ""
    # The send log's period: "" for the ISO week of the run (the weekly digests); the
    # follow-up's alerts and reminders carry their own (followup.model.alert_period).
    period: str = ""

    def period_at(self, now: dt.datetime) -> str:
        """The digest's period for a run at `now`."""
        return self.period or period_of(now)

    def key(self, now: dt.datetime) -> tuple[str, str]:
        """What the send log knows it by: (steps, changes), "volunteer 2026-W48" and the
        address. Once a row with this key says sent, it is never sent again."""
        return (f"{self.audience} {self.period_at(now)}", self.to)

    def label(self, period: str) -> str:
        """The digest's name in file names and log lines, e.g. volunteer-2026-W48-P0042."""
        # Without an id, a short hash of the address: stable, and not the address itself.
        who = self.recipient_id.removeprefix(f"{self.audience}-") or _short_hash(self.to)
        return f"{self.audience}-{period}-{who}"


def weekly_until(digests: Iterable[Digest], now: dt.datetime) -> dt.datetime:
    """When a run at another time would send other digests than these (sheetsync/
    horizon.py). Each goes once per recipient and period, and who gets one is read from the
    tabs and the config, not the clock: only a new period makes a new one due. A weekly
    digest's period is the ISO week, which ends next Monday at 00:00; a digest carrying its
    own period keeps it (an alert's: the followup step says when the next is due)."""
    if not any(not d.period for d in digests):
        return NEVER
    return period_end(now)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.casefold().encode()).hexdigest()[:8]


@runtime_checkable
class Emails(Protocol):
    """An effect that sends emails through the send log: SendDigests, SendAlerts."""

    run_log: Table | None

    def rendered(self, config: Config) -> tuple[Digest, ...]:
        """Its emails, rendered (no I/O)."""
        ...


@dataclass(frozen=True)
class SendDigests:
    """The digest step's effect: the job sends the rendered digests once the sheet is
    written (steps.Effect)."""

    digests: tuple[Digest, ...]
    run_log: Table | None = None  # the Run log as the run read it: a dry run plans from it

    def run(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        return send_digests(backend, config, list(self.digests), now=now)

    def rendered(self, config: Config) -> tuple[Digest, ...]:
        return self.digests

    def combine(self, other: object, config: Config) -> SendDigests | None:
        """With the next email effect, one send: one read, check and write of the send log."""
        if not isinstance(other, Emails):
            return None
        run_log = self.run_log if self.run_log is not None else other.run_log
        return SendDigests((*self.digests, *other.rendered(config)), run_log)

    def idle(self, backend: Backend, config: Config, now: dt.datetime) -> bool:
        """Nothing to send: each email went already, or waits for a person (unconfirmed)."""
        planned = self.plan(backend, config, now)
        return all(d.outcome is not DeliveryOutcome.WOULD_SEND for d in planned)

    def plan(self, backend: Backend, config: Config, now: dt.datetime) -> list[Delivery]:
        if not self.digests:
            return []
        run_log = self.run_log if self.run_log is not None else _read_run_log(backend, config)
        journal = read_journal(config.state_dir / JOURNAL)
        found = _check_in_doubt(journal, config, now, self.digests)  # read only: the outbox
        return pending_deliveries(run_log, list(self.digests), now, journal=journal.rows + found)


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
        frames,
        network,
        now,
        policy,
        organizer_phone=config.privacy.organizer_phone,
        board_link=None if config.board is None else config.board.link,
    )
    if config.email.organizers:
        rendered = render_organizers_digest(
            frames, config, now, computed, policy, volunteers.not_emailed
        )
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
        rendered = render(Audience.PUBLIC, summary, config.email.public_language)
        digests += _to_each(Audience.PUBLIC, config.email.public, rendered)
    return digests


def _to_each(audience: Audience, addresses: tuple[str, ...], rendered: Rendered) -> list[Digest]:
    """One digest per configured address, known as e.g. organizers-1 by its place in the
    list (the address itself stays out of file names and logs)."""
    return [
        Digest(audience, to, "", rendered, f"{audience}-{number}")
        for number, to in enumerate(addresses, start=1)
    ]


def render_organizers_digest(
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
    dayfirst = dayfirst_locale(config.locale)
    followup = followup_week(
        frames,
        now,
        config.followup,
        config.tz,
        policy,
        dayfirst=dayfirst,
        language=config.email.organizers_language,
    )
    data = organizer_digest(
        frames,
        config.network_name,
        now,
        since=since,
        dayfirst=dayfirst,
        hours_per_task=config.matching.hours_per_task,
        goals=config.goals,
        computed=computed,
        policy=policy,
        not_emailed=dict(not_emailed or {}),
        followup=followup,
    )
    chart = Image(CHART_CID, f"chart-{data.period}.png", chart_png(data.chart, data.spread))
    return render(Audience.ORGANIZERS, data, config.email.organizers_language, chart=chart)


def policy_of(frames: Mapping[str, pd.DataFrame], config: Config) -> Policy:
    """The privacy policy over the tabs as they are, with the network's sensitive categories."""
    people = records_of(frames["people"])
    needs = records_of(frames["needs"][["person_id", "category"]])  # all Policy reads of them
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


def _settled(run_log: Table, unlogged: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    """(audience and period, recipient) of every digest not to send again by itself, with
    what its newest such row says (sent, or unconfirmed and what to do): in the Run log
    tab, or only in the journal still (a crash or a failed write came between)."""
    rows = [*records_of(run_log.frame), *unlogged]
    return {
        (r["steps"], r["changes"]): r["message"]
        if r["outcome"] == DeliveryOutcome.UNCONFIRMED
        else ""
        for r in rows
        if r["job"] == DIGEST_JOB and r["outcome"] in SETTLED
    }


def pending_deliveries(
    run_log: Table,
    digests: list[Digest],
    now: dt.datetime,
    *,
    journal: list[dict[str, str]] | None = None,
) -> list[Delivery]:
    """What a run would send (a dry run): "would send", "already sent" or "unconfirmed"
    per digest."""
    settled = _settled(run_log, _not_logged(journal or [], run_log))
    return [
        _not_again(d, d.period_at(now), settled[d.key(now)])
        if d.key(now) in settled
        else _delivery(d, d.period_at(now), DeliveryOutcome.WOULD_SEND)
        for d in digests
    ]


def _delivery(digest: Digest, period: str, outcome: DeliveryOutcome, detail: str = "") -> Delivery:
    return Delivery(
        digest.audience, digest.to, period, outcome, detail, recipient=digest.recipient_id
    )


def _not_again(digest: Digest, period: str, unconfirmed: str) -> Delivery:
    """A digest not sent again: already sent, or unconfirmed (with what to do about it)."""
    if unconfirmed:
        return _delivery(digest, period, DeliveryOutcome.UNCONFIRMED, unconfirmed)
    return _delivery(digest, period, DeliveryOutcome.ALREADY_SENT)


def send_digests(
    backend: Backend,
    config: Config,
    digests: list[Digest] | None = None,
    *,
    now: dt.datetime | None = None,
    transport: Transport | None = None,
    resend: Collection[str] = (),
) -> list[Delivery]:
    """Send the period's digests that have not gone yet; log them in the Run log tab.

    Without `digests`, they are built from the spreadsheet as it is. Each email is noted in
    the send journal (.sheetsync/sent.jsonl) before it is handed over and after, and the
    journal goes to the Run log in one write at the end: one write per run, not per email.
    Rows a crash or a failed write left in the journal are written on the next run, and
    count meanwhile; an email the journal shows in doubt is checked first (see the
    module's docstring). `resend`: labels (volunteer-2026-W48-P0042) of this period's
    digests to send again whatever the send log says, when an organizer has checked that
    an unconfirmed one never arrived.
    """
    now = now or local_now(config)
    if digests is None:
        digests = build_digests(backend, config, now)
    if not digests:
        return []
    if resend:  # only those: a deliberate act, not a run of the week's digests
        digests = _named(digests, resend, now)
    transport = transport or transport_for(config)
    run_log = _read_run_log(backend, config)
    path = config.state_dir / JOURNAL
    journal = read_journal(path)
    rows = _not_logged(journal.rows, run_log)
    with open_journal(path) as record:
        checked = _check_in_doubt(journal, config, now, digests, transport, run_log)
        for row in checked:
            record(row)
        rows += checked
        settled = _settled(run_log, rows)
        deliveries = _elsewhere(checked, digests, now)
        for number, digest in enumerate(digests, start=1):
            period = digest.period_at(now)
            if digest.key(now) in settled and digest.label(period) not in resend:
                deliveries.append(_not_again(digest, period, settled[digest.key(now)]))
                continue
            run_id = fresh_run_id(_run_id(now, number), run_log, rows)
            delivery, values = _send_one(digest, transport, config, now, run_id, record)
            deliveries.append(delivery)
            rows.append(values)
    if rows:
        backend.apply([_run_log_changes(run_log, rows)])
    path.unlink(missing_ok=True)  # all of it is in the Run log now
    return deliveries


def _named(digests: list[Digest], labels: Collection[str], now: dt.datetime) -> list[Digest]:
    """This period's digests with these labels; each label must name one."""
    period = period_of(now)
    known = {d.label(d.period_at(now)) for d in digests}
    unknown = sorted(set(labels) - known)
    if unknown:
        raise NoSuchDigestError(
            f"There is no digest {unknown[0]} this week ({period}): a digest can be sent "
            "again in its own week only, by the label its Run log row gives. This week's "
            f"are: {', '.join(sorted(known))}."
        )
    return [d for d in digests if d.label(d.period_at(now)) in labels]


def _send_one(
    digest: Digest,
    transport: Transport,
    config: Config,
    now: dt.datetime,
    run_id: str,
    record: Callable[[dict[str, str]], None],
) -> tuple[Delivery, dict[str, str]]:
    """Build, note, hand over, note: what became of the digest, and its send log row.
    Built before the note, so that an email that cannot be built is never left in doubt."""
    period = digest.period_at(now)
    label = digest.label(period)
    message_id = message_id_for(config.network_name, label)
    message = _message(digest, config.email.sender, label, message_id)
    if isinstance(message, str):  # not built, so surely not sent: failed, tried next run
        delivery = _delivery(digest, period, DeliveryOutcome.FAILED, message)
    else:
        record(
            pending_line(message_id, label, digest.audience, period, digest.to, digest.recipient_id)
        )
        delivery = _hand_over(digest, message, transport, period, message_id)
    values = _send_log_row(delivery, run_id, now, local_now(config), message_id)
    record(values)  # at once: a crash before this leaves the email in doubt, checked next run
    return delivery, values


def _check_in_doubt(
    journal: Journal,
    config: Config,
    now: dt.datetime,
    digests: Collection[Digest] = (),
    transport: Transport | None = None,
    run_log: Table | None = None,
) -> list[dict[str, str]]:
    """A send log row for each email the journal shows in doubt (the run stopped after
    noting it and before noting what became of it): "sent" when the transport finds it;
    none when it surely did not go and is this week's digest or one of this run's `digests`
    (a run sends it), "failed" otherwise; "unconfirmed" when the transport cannot tell
    (SMTP), with what to do."""
    if not journal.in_doubt:
        return []
    transport = transport or transport_for(config)
    ours = {d.key(now) for d in digests}
    rows: list[dict[str, str]] = []
    for number, line in enumerate(journal.in_doubt, start=1):
        where = transport.find(line["pending"], line["label"])
        if where == "" and _sent_by_a_run(line, ours, now):
            continue  # surely not handed over: a run sends it, as any other not sent
        outcome, detail = _what_became_of(line, where)
        delivery = Delivery(
            Audience(line["audience"]),
            line["changes"],
            line["period"],
            outcome,
            detail,
            recipient=line["recipient"],
        )
        run_id = _run_id(now, number, "C")  # C: checked, apart from the run's own numbers
        if run_log is not None:  # rows are keyed by run_id: a taken one would be left out
            run_id = fresh_run_id(run_id, run_log, rows)
        rows.append(_send_log_row(delivery, run_id, now, local_now(config), line["pending"]))
    return rows


def _sent_by_a_run(
    line: Mapping[str, str], ours: Collection[tuple[str, str]], now: dt.datetime
) -> bool:
    """Whether an email in doubt that surely did not go is sent by a run as any other not
    sent: one of this run's, or a weekly digest of this week (the next digest run's)."""
    if (f"{line['audience']} {line['period']}", line["changes"]) in ours:
        return True
    return line["audience"] in WEEKLY and line["period"] == period_of(now)


def _what_became_of(line: Mapping[str, str], where: str | None) -> tuple[DeliveryOutcome, str]:
    """An email in doubt, its outcome and detail, from what the transport found of it."""
    label, message_id = line["label"], line["pending"]
    if where:
        return DeliveryOutcome.SENT, f"{where} (found there after a run stopped)"
    if where == "" and line["audience"] not in WEEKLY:
        return DeliveryOutcome.FAILED, (
            f"The email {label} was not handed over: a run stopped just before. "
            + _AGAIN.get(line["audience"], _AGAIN_DEFAULT)
        )
    if where == "":
        return DeliveryOutcome.FAILED, (
            f"The digest {label} was not handed over: a run stopped just before, and its "
            "week is over. `sheetsync digest` sends only the current week's digests."
        )
    why = (
        f"a run stopped after handing the digest {label} to the mail server, before noting "
        "its answer, and SMTP cannot be asked"
    )
    return DeliveryOutcome.UNCONFIRMED, _unconfirmed(
        why,
        "a run stopped while sending it",
        label,
        message_id,
        line["period"],
        weekly=line["audience"] in WEEKLY,
        audience=line["audience"],
    )


# Where what an email that is not sent again said stays, by audience.
_SAID_ON = {
    "confirmation": "the Needs tab says so (confirmed); call them if unsure",
    "feedback": "the Tasks tab says so (feedback_asked); ask them again by phone if unsure",
}
# What becomes of an email that was never handed over, by audience.
_AGAIN = {
    "confirmation": "A later run sends it again for two days, then lists them on the Call list.",
    "feedback": "It is not sent again: ask them by phone (the task's feedback_code).",
}
_AGAIN_DEFAULT = "The next follow-up run sends what it said again, in its own email."
_SAID_ON_DEFAULT = "what it said is on the Needs tab (escalated) and the Tasks tab (follow_up)"


def _unconfirmed(
    why: str,
    short: str,
    label: str,
    message_id: str,
    period: str,
    *,
    weekly: bool = True,
    audience: str = "",
) -> str:
    """What to do about a digest that may or may not have reached the mail server (`why`),
    logged as a warning too (`short`): `tick --quiet` shows warnings, so cron mails it
    within minutes. An alert or reminder is not sent again (`weekly` False): what it said
    stays on the Needs and Tasks tabs."""
    if not weekly:
        log.warning(
            "email %s unconfirmed (%s): look for Message-ID %s in the mail server's log",
            label,
            short,
            message_id,
        )
        return (
            f"Unconfirmed: {why}. Not sent again by itself: look for Message-ID {message_id} "
            "in the mail server's log (or ask the recipient); if it never arrived, "
            f"{_SAID_ON.get(audience, _SAID_ON_DEFAULT)}."
        )
    log.warning(
        "digest %s unconfirmed (%s): look for Message-ID %s in the mail server's log; if it "
        "never arrived: sheetsync digest --resend %s",
        label,
        short,
        message_id,
        label,
    )
    return (
        f"Unconfirmed: {why}. Not sent again by itself: look for Message-ID {message_id} in "
        "the mail server's log (or ask the recipient); if it never arrived, send it again "
        f"within {period}: `sheetsync digest --resend {label}`."
    )


def _elsewhere(
    checked: list[dict[str, str]], digests: list[Digest], now: dt.datetime
) -> list[Delivery]:
    """The checked emails that are none of this run's digests (another period's)."""
    ours = {d.key(now) for d in digests}
    return [
        Delivery(
            Audience(audience),
            r["changes"],
            period,
            DeliveryOutcome(r["outcome"]),
            r["detail"],
            recipient=r["recipient"],
        )
        for r in checked
        if (r["steps"], r["changes"]) not in ours
        for audience, _, period in [r["steps"].partition(" ")]
    ]


def _not_logged(journal: list[dict[str, str]], run_log: Table) -> list[dict[str, str]]:
    """The journal's rows that are not in the Run log tab yet (a crash or a failed write
    came between)."""
    logged = {_key(r) for r in records_of(run_log.frame) if r["job"] == DIGEST_JOB}
    return [v for v in journal if _key(v) not in logged]


def _message(digest: Digest, sender: str, label: str, message_id: str) -> EmailMessage | str:
    """The digest's email, or why it could not be built (a bug: for the log and the Run
    log, without the values, as any failure of a step)."""
    try:
        return build_message(
            digest.rendered, sender=sender, to=digest.to, to_name=digest.name, message_id=message_id
        )
    except Exception as err:  # one digest that cannot be built must not stop the others
        log.error("digest %s could not be built:\n%s", label, trace_text(err))
        return (
            f"The digest {label} could not be made into an email ({failure_text(err)}), so it "
            "was not sent. Please report this with the log; the next run tries it again."
        )


def _hand_over(
    digest: Digest, message: EmailMessage, transport: Transport, period: str, message_id: str
) -> Delivery:
    """Send one digest: "sent" with where it went, "failed" with why, or "unconfirmed" with
    what to check. The log names the recipient by id (person_id, organizers-1), never by
    name or address."""
    what, who, label = f"{digest.audience} {period}", digest.recipient_id, digest.label(period)
    try:
        where = transport.send(message, label)
    except UnconfirmedError as err:
        detail = _unconfirmed(
            err.why,
            "its answer was lost",
            label,
            message_id,
            period,
            weekly=digest.audience in WEEKLY,
            audience=str(digest.audience),
        )
        return _delivery(digest, period, DeliveryOutcome.UNCONFIRMED, detail)
    except DeliveryError as err:
        log.error("digest %s for %s not sent: %s", what, who, err)
        return _delivery(digest, period, DeliveryOutcome.FAILED, str(err))
    log.info("digest %s sent to %s", what, who)
    return _delivery(digest, period, DeliveryOutcome.SENT, where)


def _run_id(now: dt.datetime, number: int, kind: str = "") -> str:
    """A send log row's run_id: M, the run's start, its place in the run."""
    return f"M{now:%Y%m%d-%H%M%S}-{kind}{number:03d}"


def _send_log_row(
    delivery: Delivery, run_id: str, now: dt.datetime, finished: dt.datetime, message_id: str
) -> dict[str, str]:
    """A delivery's row in the send log (the Run log tab), by column name, and what only
    the journal keeps: the Message-ID, the delivery's detail and recipient id."""
    message = delivery.detail
    if message_id not in message:  # the Message-ID finds it in the mail server's log
        message = f"{message} (Message-ID {message_id})"
    return {
        "run_id": run_id,
        "job": DIGEST_JOB,
        "started": format_datetime(now),
        "finished": format_datetime(max(now, finished)),
        "outcome": delivery.outcome.value,
        "steps": f"{delivery.audience} {delivery.period}",
        "changes": delivery.to,
        "problems": "0" if delivery.outcome == DeliveryOutcome.SENT else "1",
        "message": message if len(message) <= MESSAGE_MAX else delivery.detail[:MESSAGE_MAX],
        "message_id": message_id,
        "detail": delivery.detail,
        "recipient": delivery.recipient,
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


def preview(backend: Backend, config: Config, folder: Path, now: dt.datetime | None = None) -> Path:
    """Write the organizers' digest as HTML (its chart and text beside it); return its path."""
    now = now or local_now(config)
    state = read_state(backend, config)
    rendered = render_organizers_digest({n: t.frame for n, t in state.tables.items()}, config, now)
    private_dir(folder)
    path = folder / f"organizers-{period_of(now)}.html"
    write_private_text(path, html_with_files(rendered, folder))
    write_private_text(path.with_suffix(".txt"), rendered.text)
    return path


__all__ = [
    "JOURNAL",
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
