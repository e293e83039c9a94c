"""RunReport and Issue: what a run did and found, as data (rendered by the CLI, or --json)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

T = TypeVar("T")


class Severity(StrEnum):
    ERROR = "error"  # the row was not used; it is on the Errors tab
    WARNING = "warning"  # the row was used; something in it deserves a look (a form
    # response's warning is on the Errors tab too, with status "noted")


class IssueCode(StrEnum):
    """What kind of problem an Issue is, one word or a few joined by hyphens (--json)."""

    # A form response breaks its schema (intake/validate.py); the row is on the Errors tab.
    REQUIRED = "required"
    REQUIRED_ONE_OF = "required-one-of"
    MAX_LENGTH = "max-length"
    FORMAT_PHONE = "format-phone"
    FORMAT_EMAIL = "format-email"
    ENUM = "enum"
    PATTERN = "pattern"
    TYPE_INTEGER = "type-integer"
    TYPE_NUMBER = "type-number"
    TYPE_DATETIME = "type-datetime"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    FUTURE_DATE = "future-date"
    # A form answer was cleaned on the way in (a warning): the row is used, and noted on
    # the Errors tab so organizers can see what was changed.
    CLEANED_TEXT = "cleaned-text"
    SHORTENED = "shortened"
    # A Phone log row's empty When, read as when sheetsync first took the row in (a warning).
    EMPTY_WHEN = "empty-when"
    # Something typed in a tab sheetsync keeps deserves a look (a warning).
    REPEATED_ID = "repeated-id"
    UNKNOWN_DECISION = "unknown-decision"
    DO_NOT_CONTACT_ON_DUPLICATE = "do-not-contact-on-duplicate"
    CONTRADICTING_DECISIONS = "contradicting-decisions"
    UNKNOWN_TASK_STATUS = "unknown-task-status"
    UNDATED_TASK = "undated-task"
    UNREADABLE_REST = "unreadable-rest"
    UNKNOWN_CONSENT_OVERRIDE = "unknown-consent-override"
    CONSENT_OVERRIDE_OUTDATED = "consent-override-outdated"
    # A value in an organizer's column breaks its schema (steps/organizer_values.py): a
    # warning, and a row on the Errors tab (form "organizer column") until it is fixed.
    ORGANIZER_VALUE = "organizer-value"
    # A rule matching keeps is broken, whoever broke it (match/invariants.py, the end of
    # run check): a warning, and a row on the Errors tab (form "sheetsync check").
    NEED_OVERBOOKED = "need-overbooked"
    OVER_CAPACITY = "over-capacity"
    UNAVAILABLE_PROPOSED = "unavailable-proposed"
    NOT_MAXIMAL = "not-maximal"


class RunOutcome(StrEnum):
    """How a run of a job ended (the Run log's outcome column)."""

    RUNNING = "running"  # not ended yet; never written
    OK = "ok"
    FAILED = "failed"


class DeliveryOutcome(StrEnum):
    """What became of one digest (the Run log's outcome for job "digest": sent, failed or
    unconfirmed)."""

    SENT = "sent"
    FAILED = "failed"
    # Handed to the mail server by a run that stopped before it noted the server's yes:
    # not sent again by itself; an organizer checks, and sends it again if it never came.
    UNCONFIRMED = "unconfirmed"
    ALREADY_SENT = "already sent"  # sent earlier this period: not sent again
    WOULD_SEND = "would send"  # a dry run


class Audience(StrEnum):
    """Who a digest is for."""

    ORGANIZERS = "organizers"
    VOLUNTEER = "volunteer"
    PUBLIC = "public"
    ALERTS = "alerts"  # the organizers' same-day follow-up email (escalations, tasks past due)
    REMINDER = "reminder"  # a volunteer's reminder of a task past its due date
    CONFIRMATION = "confirmation"  # a requester's: your request came in, what happens next
    FEEDBACK = "feedback"  # after help, to the requester and the volunteer: did it happen?


@dataclass(frozen=True)
class Issue:
    """One problem with one cell or row of a form response."""

    tab: str
    row: int
    field: str
    code: IssueCode
    message: str
    severity: Severity = Severity.ERROR

    @property
    def source(self) -> str:
        return f"{self.tab}:{self.row}"


@dataclass
class CellChange:
    """One cell a run changes (or would change, in a dry run): where (the sheet row, and
    the row's id, `key`, by which organizers know it), which column (field name), the text
    before and after. `personal`: the column holds personal data (a `pii` field), so the
    values are never shown on the terminal nor put in --json. The Changes tab's record is
    built from these too (changes.py)."""

    row: int
    column: str
    old: str
    new: str
    key: str = ""
    personal: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As --json gives it: the values only for a column that is not personal."""
        where: dict[str, Any] = {"row": self.row, "key": self.key, "column": self.column}
        return where if self.personal else {**where, "old": self.old, "new": self.new}


@dataclass
class TabReport:
    """What a run adds to and changes in one tab."""

    tab: str
    created: bool = False
    rows_added: int = 0
    cells_changed: int = 0
    added: list[list[str]] = field(default_factory=list)  # the new rows, as text
    added_ids: list[str] = field(default_factory=list)  # their ids (primary key), in order
    header: list[str] = field(default_factory=list)
    changed: list[CellChange] = field(default_factory=list)


@dataclass
class StepReport:
    """One step's figures and time."""

    name: str
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """One digest handed over, refused, or not sent again (already sent this period)."""

    audience: Audience
    to: str  # the address: in the send log (the Run log tab), never in logs or --json
    period: str  # the ISO week, e.g. 2026-W48; an alert or reminder: its run, 2026-12-03T1015
    outcome: DeliveryOutcome
    detail: str = ""  # where it went, or why it was refused
    recipient: str = ""  # who, without personal data: a person_id, or organizers-1


class Findings:
    """What the steps of a run found, one dataclass per step that has something to pass on
    (steps/findings.py), looked up by its type: `findings.get(MatchFindings)`."""

    def __init__(self) -> None:
        self._found: dict[type, object] = {}

    def add(self, found: object) -> None:
        """Keep a step's findings; a second of the same type replaces the first."""
        self._found[type(found)] = found

    def get(self, kind: type[T]) -> T | None:
        """The findings of this type, or None when no step of the run made them."""
        return cast(T | None, self._found.get(kind))

    def __iter__(self) -> Iterator[object]:
        return iter(self._found.values())


@dataclass(frozen=True)
class Wording:
    """A message as the catalog holds it (marked with translation.gettext_noop) and its
    values: the Run log writes it in the network's language (run_log.py), while the
    terminal, the log and --json show its English (RunReport.message). A row problem
    (Issue) is different: its message is also the Errors tab's reason, worded once in the
    organizers' language, so the terminal and --json show it in that language too."""

    message: str
    values: dict[str, str] = field(default_factory=dict)
    plural: str = ""  # a plural message's other form (ngettext_noop), chosen by `num`
    num: int = 0

    @property
    def english(self) -> str:
        chosen = self.plural if self.plural and self.num != 1 else self.message
        return chosen % self.values


@dataclass
class RunReport:
    """Everything one run of a job did and found."""

    job: str
    started: dt.datetime
    dry_run: bool = False
    finished: dt.datetime | None = None
    outcome: RunOutcome = RunOutcome.RUNNING
    message: str = ""
    run_id: str = ""
    steps: list[StepReport] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tabs: list[TabReport] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    attempts: int = 1
    deliveries: list[Delivery] = field(default_factory=list)  # a digest step's emails
    formatted: int = 0  # tabs this run's write formatted (the first run after an upgrade)
    # The settled run whose inputs this run read again: it was skipped (fingerprints.py).
    skipped_for: str = ""
    # This run changed nothing and settled its inputs until then (dt.datetime.max: no
    # time limit); None when it did not settle.
    settled_until: dt.datetime | None = None
    # The steps' typed findings; not in to_dict (they hold frames' worth of data).
    findings: Findings = field(default_factory=Findings, repr=False, compare=False)
    # `message` as the catalog words it, for the Run log (None: a failure's, or none);
    # not in to_dict, which has the message itself.
    wording: Wording | None = field(default=None, repr=False, compare=False)

    @property
    def rows_added(self) -> int:
        return sum(t.rows_added for t in self.tabs)

    @property
    def cells_changed(self) -> int:
        return sum(t.cells_changed for t in self.tabs)

    def say(self, message: str, **values: str) -> None:
        """Set the run's message: `message` is the catalog's (gettext_noop), in English
        here and in the network's language on the Run log."""
        self.wording = Wording(message, values)
        self.message = self.wording.english

    def say_plural(self, forms: tuple[str, str], num: int, **values: str) -> None:
        """Set the run's message to a plural message of the catalog (ngettext_noop): its
        words follow `num` in each language."""
        self.wording = Wording(forms[0], values, forms[1], num)
        self.message = self.wording.english

    def step(self, name: str) -> StepReport | None:
        return next((s for s in self.steps if s.name == name), None)

    def tab(self, name: str) -> TabReport | None:
        return next((t for t in self.tabs if t.tab == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO strings), without personal data: rows are
        named by id, changed cells by row and column, digests by recipient id."""
        # The findings stay out: they hold whole tabs' worth of data; the wording too: the
        # message is there.
        data = {
            f.name: _plain(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("findings", "wording")
        }
        data["tabs"] = [_tab_without_values(t) for t in self.tabs]
        data["deliveries"] = [
            {k: v for k, v in asdict(d).items() if k != "to"} for d in self.deliveries
        ]
        data["started"] = self.started.isoformat(timespec="seconds")
        data["finished"] = self.finished.isoformat(timespec="seconds") if self.finished else None
        until = self.settled_until
        data["settled_until"] = (
            None
            if until is None
            else "never"
            if until == dt.datetime.max
            else until.isoformat(timespec="seconds")
        )
        data["rows_added"] = self.rows_added
        data["cells_changed"] = self.cells_changed
        return data


def _tab_without_values(tab: TabReport) -> dict[str, Any]:
    """A tab's report as data: the rows it adds by their id, the cells it changes by row,
    key and column, with old and new values only for columns that are not personal."""
    data = asdict(tab)
    data["added"] = list(tab.added_ids)
    del data["added_ids"]
    data["changed"] = [c.to_dict() for c in tab.changed]
    return data


def _plain(value: Any) -> Any:
    """A field's value as asdict would give it: dataclasses in lists as dicts."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value
