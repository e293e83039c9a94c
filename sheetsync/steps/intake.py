"""intake: form responses → People, Needs and Errors. Idempotent; keyed by response row.

A response is identified by its tab and row ("Form Responses 1:17"), as Google identifies it:
an edited response rewrites its own row with a new Timestamp, so it updates its records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Set
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import pandas as pd

from sheetsync.errors import FormRowsMovedError, MissingTabError
from sheetsync.feedback.model import FeedbackAnswers, feedback_codes
from sheetsync.horizon import earliest
from sheetsync.ids import Ids
from sheetsync.intake.consent import CONSENT_FORMS, tie_invalid, withdrawals, write_answers
from sheetsync.intake.people import PeopleIndex, forget_gone, merge_person
from sheetsync.intake.phone_log import PHONE_LOG, views, with_reach, with_when
from sheetsync.intake.responses import Response, answer_text, ref_key, split_refs
from sheetsync.intake.row_moves import (
    Recorded,
    cleared_note,
    find_move,
    newest_stamps,
    recorded,
    reused,
    taken_over,
)
from sheetsync.intake.shortened import shorten_answer, with_other
from sheetsync.intake.validate import Validated, ValidationContext, validate_form
from sheetsync.members import kept_ids
from sheetsync.normalize import (
    cell_text,
    dayfirst_locale,
    fold,
    format_datetime,
    parse_timestamp,
)
from sheetsync.recur.series import recurrence_of
from sheetsync.report import Issue, RunOutcome
from sheetsync.run_log import DIGEST_JOB
from sheetsync.schema import TableSchema
from sheetsync.statuses import CHECK_FORMS, ErrorStatus, NeedStatus
from sheetsync.steps import StepContext, StepResult
from sheetsync.tables import FormTable, empty_record, frame_of, records_of
from sheetsync.translation import tab_language

FORM_ORDER = ("requests", "offers", "checkins", "feedback", "phone_log")
# Forms whose answers are about a task, not from a person to the People tab: the feedback
# step takes the valid ones in (steps/feedback.py).
TASK_FORMS = frozenset({"feedback"})
# A need its response still asks for; dropped from the response, it is withdrawn.
_STILL_ASKED = (NeedStatus.OPEN, NeedStatus.DUPLICATE, NeedStatus.MATCHED)
# The longest a need's details and a name on the Errors tab may be when their form sets no
# maxLength, and an unreadable Timestamp copied there (enough to find the response by):
# longer text is cut, with a pointer to the response that holds all of it.
_LONGEST_TEXT = 5000
_LONGEST_NAME = 200
_LONGEST_TIME = 100


def run(ctx: StepContext) -> StepResult:
    """Validate every response, then bring People, Needs and Errors up to date."""
    forms = _forms(ctx)
    parts = _parts(ctx, forms)
    validated, every = _validate(ctx, parts)
    responses, answers = _about_tasks(every)
    responses.sort(key=lambda r: (r.ts, FORM_ORDER.index(r.form), r.row))
    kept = kept_ids(records_of(ctx.frames["people"]))
    records = recorded(
        records_of(ctx.frames["needs"]),
        records_of(ctx.frames["errors"]),
        records_of(ctx.frames["people"]),
        kept,
    )
    _check_phone_log_there(ctx, forms, records)
    _check_rows_stayed(ctx, forms, responses, records, kept)
    at_end = _cleared_at_end(ctx, forms)
    _check_one_taken_back(forms, at_end, records)
    invalid_refs, gone = _not_standing(ctx, parts, validated, at_end)
    # Rows holding a new response where another one was: each gets records of its own.
    taken = _reused(ctx, forms, records) | _taken_over(ctx, responses, records, kept)

    people, person_of, new_people, tied, stamped = _people(
        ctx, responses, gone, validated, parts, taken
    )
    requests = [r for r in responses if r.form == "requests"]
    # A Phone log row typed anew as an offer asks for nothing any more (a form's never can).
    others = {r.ref for r in responses if r.form != "requests"}
    needs, new_needs = _needs(ctx, requests, person_of, gone | others, taken)
    issues = [i for v in validated.values() for i in v.issues]
    notes = _cleared_notes(ctx, forms, at_end, records)
    whose = {**tied, **person_of}
    errors, new_errors = _errors(ctx, validated, parts, issues, whose, notes, taken)
    rows_in = sum(len(t.frame) for t in ctx.forms.values())
    return StepResult(
        frames={"people": people, "needs": needs, "errors": errors},
        counts={
            "responses": rows_in,
            # of which typed on the Phone log (docs/phone-log.md)
            "phone_log": len(ctx.forms[PHONE_LOG].frame) if PHONE_LOG in ctx.forms else 0,
            "valid": len(responses) + len(answers),
            "feedback_answers": len(answers),
            "invalid": len(invalid_refs),
            "noted": sum(len(v.noted_rows) for v in validated.values()),
            "blank_rows": sum(len(t.blank_rows) for t in ctx.forms.values()),
            "new_people": new_people,
            "new_needs": new_needs,
            "new_errors": new_errors,
        },
        issues=issues,
        notices=[n for t in ctx.forms.values() for n in t.notices],
        findings=FeedbackAnswers(answers),
        until=_until(ctx, validated, stamped=stamped or new_errors > 0),
    )


def _not_standing(
    ctx: StepContext,
    parts: dict[str, FormTable],
    validated: dict[str, Validated],
    at_end: set[str],
) -> tuple[set[str], set[str]]:
    """The responses now invalid, and all that no longer stand: invalid, or cleared by an
    organizer (a blank row, or past the tab's end). Their records stay (nothing is deleted)
    but stop pointing at them, and their needs are withdrawn."""
    invalid = {parts[key].ref(row) for key, v in validated.items() for row in v.invalid_rows}
    cleared = {t.ref(row) for t in ctx.forms.values() for row in t.blank_rows}
    return invalid, invalid | cleared | at_end


def _until(ctx: StepContext, validated: dict[str, Validated], *, stamped: bool) -> dt.datetime:
    """When intake's output on these frames may next change by time alone (horizon.py).
    Only validation reads the clock (a Timestamp in the future); the rest is the responses
    and the tabs, and `_last_run` is the Run log's, not the clock's: it is written only with
    an override seen for the first time. That stamp, and a new Errors row's first_seen, hold
    the run's time: a run that writes one would write another at any other moment."""
    if stamped:
        return ctx.now
    return earliest((v.until for v in validated.values()), ctx.now)


def _about_tasks(responses: list[Response]) -> tuple[list[Response], tuple[Response, ...]]:
    """The responses from people (to People), and the Feedback form's (about tasks)."""
    answers = tuple(r for r in responses if r.form in TASK_FORMS)
    return [r for r in responses if r.form not in TASK_FORMS], answers


def _forms(ctx: StepContext) -> dict[str, FormTable]:
    """The forms' tabs as intake reads them: the Phone log's rows with an empty When read
    as when sheetsync first took them in (phone_log.with_when: the Errors tab's first_seen
    of their row, else the run's time), and noted."""
    table = ctx.forms.get(PHONE_LOG)
    if table is None:
        return dict(ctx.forms)
    # Only a standing note on the row's empty When: a resolved error, or the note on a row
    # cleared earlier, was about another response (a new call typed on that row is new).
    when = table.titles.get("timestamp", "When")
    seen = {
        str(e["source"]): str(e["first_seen"])
        for e in records_of(ctx.frames["errors"])
        if e["first_seen"]
        and e["status"] in (ErrorStatus.OPEN, ErrorStatus.NOTED)
        and when in str(e["fields"]).split(", ")
    }
    filled = with_when(table, seen, ctx.now, tab_language(ctx.config))
    return {**ctx.forms, PHONE_LOG: filled}


def _parts(ctx: StepContext, forms: dict[str, FormTable]) -> dict[str, FormTable]:
    """What intake validates, by name: each form's tab, but the Phone log's, whose rows are
    read as the form their kind names (phone_log.py): "phone_log.requests" and so on."""
    parts: dict[str, FormTable] = {}
    for form in FORM_ORDER:
        if form == PHONE_LOG and form in forms:
            parts.update((v.key, v.table) for v in views(forms[form], ctx.schemas))
        elif form != PHONE_LOG:
            parts[form] = forms[form]
    return parts


def _form_of(key: str) -> str:
    """The form a part's valid rows are taken in as: a Phone log request is a request."""
    return key.rpartition(".")[2]


def _validate(
    ctx: StepContext, parts: dict[str, FormTable]
) -> tuple[dict[str, Validated], list[Response]]:
    """Each part's responses validated (the answers read_form cleaned noted among the
    issues), and the valid ones as Responses of their form."""
    validated: dict[str, Validated] = {}
    responses: list[Response] = []
    for key, table in parts.items():
        form = _form_of(key)
        vctx = ValidationContext(
            tab=table.tab,
            region=ctx.config.default_region,
            dayfirst=dayfirst_locale(ctx.config.locale),
            allowed={"network.zones": ctx.config.zones, **feedback_codes(ctx.frames["tasks"])},
            titles=table.titles,
            now=ctx.now,
            tz=ctx.config.tz,
            ref_tab=table.ref_tab,
            words=table.words,
            language=tab_language(ctx.config),
            answered_in=table.answered_in,
        )
        result = validate_form(table.frame, table.schema, vctx, notes=table.cleaned)
        validated[key] = result
        for row, values in zip(result.valid.index, records_of(result.valid), strict=True):
            if table.form == PHONE_LOG:
                values = with_reach(values, form, vctx.language)
            responses.append(Response(form, table.ref(int(row)), int(row), values))
    return validated, responses


def _record_refs(ctx: StepContext) -> list[str]:
    """Every response the People, Needs and Errors tabs point to."""
    return [
        *(ref for text in ctx.frames["people"]["source"] for ref in split_refs(text)),
        *ctx.frames["needs"]["source"],
        *ctx.frames["errors"]["source"],
    ]


def _cleared_at_end(ctx: StepContext, forms: dict[str, FormTable]) -> set[str]:
    """The rows past a tab's end that records point to: cleared. A sheet reads cleared last
    rows as no rows at all: an organizer clearing a spam or test response, a phone
    volunteer a row typed by mistake. A row deleted above them moves the rows below it too,
    and _check_rows_stayed has stopped the run already (intake/row_moves.py)."""
    ends = {t.ref_tab or t.tab: t.last_row for t in forms.values()}
    return {
        ref
        for ref in _record_refs(ctx)
        if ref_key(ref)[0] in ends and ref_key(ref)[1] > ends[ref_key(ref)[0]]
    }


def _check_phone_log_there(
    ctx: StepContext, forms: dict[str, FormTable], records: Recorded
) -> None:
    """Stop if the Phone log's tab is gone (renamed or deleted) while records point to
    responses on it: read as having no rows, it would withdraw every need taken by phone.
    Before anyone types a call it may well be missing (state.py reads it as empty)."""
    table = forms.get(PHONE_LOG)
    if table is None or table.header:
        return
    tab = table.ref_tab or table.tab
    pointing = sum(ref_key(ref)[0] == tab for ref in records.standing)
    if pointing:
        raise MissingTabError(
            f"The Phone log's tab {table.tab!r} is not in the spreadsheet, but {pointing} "
            "responses sheetsync took in are on it. sheetsync stopped before writing anything. "
            "If you renamed it, rename it back, or tell sheetsync its new name in "
            f'sheetsync.toml:\n  [forms.{PHONE_LOG}]\n  tab = "…"\nIf it was deleted, restore '
            "it (File → Version history) and run again."
        )


def _check_one_taken_back(forms: dict[str, FormTable], at_end: set[str], records: Recorded) -> None:
    """Stop if a run would take back more than one response at a tab's end. One cleared
    last response is the common case (spam, a test, a row typed by mistake) and is taken
    back; several at once are more often rows deleted or a range cleared by mistake, and
    taking them back would withdraw every need they asked for with no word before."""
    gone: dict[str, list[int]] = defaultdict(list)
    for ref in at_end & records.standing:
        tab, row = ref_key(ref)
        gone[tab].append(row)
    titles = {t.ref_tab or t.tab: t.tab for t in forms.values()}
    for tab, rows in sorted(gone.items()):
        if len(rows) > 1:
            raise FormRowsMovedError(
                f"{len(rows)} responses are gone from the end of tab '{titles.get(tab, tab)}' "
                f"(rows {min(rows)} to {max(rows)}): their rows were deleted or cleared. "
                f"{_MANY_TAKEN_BACK}"
            )


def _check_rows_stayed(
    ctx: StepContext,
    forms: dict[str, FormTable],
    responses: list[Response],
    records: Recorded,
    kept: dict[str, str],
) -> None:
    """Stop if rows were deleted above others or sorted: records would point at the wrong
    rows (intake/row_moves.py). Rows cleared stop nothing here (several at the tab's end at
    once: _check_one_taken_back)."""
    whose = _whose(ctx, responses, kept)
    for table in forms.values():
        tab = table.ref_tab or table.tab
        of_row = (lambda _row: "") if table.form == PHONE_LOG else partial(whose, tab)
        move = find_move(table, records, lambda v: _timestamp_text(v, ctx), of_row)
        if move is not None:
            raise FormRowsMovedError(
                f"Rows were sorted or deleted in tab '{move.tab}': row {move.row} now holds "
                f"the response sheetsync read at row {move.was_at}. {_ROWS_MOVED}"
            )
    tabs = {t.ref_tab: t for t in forms.values() if t.form != PHONE_LOG}
    # An edit only ever gives a form's row a newer Timestamp; an older one means rows were
    # moved. (A Phone log's date may be put right earlier: it is an edit there.)
    seen = {r.ref: r.ts for r in responses if ref_key(r.ref)[0] in tabs}
    for source, updated in zip(
        ctx.frames["needs"]["source"], ctx.frames["needs"]["updated"], strict=True
    ):
        ts = seen.get(source)
        if ts is not None and updated and format_datetime(ts) < updated:
            tab, row = ref_key(source)
            raise FormRowsMovedError(
                f"Rows were sorted or deleted in tab '{tabs[tab].tab if tab in tabs else tab}': "
                f"row {row} now holds an older response than the one sheetsync read there. "
                f"{_ROWS_MOVED}"
            )


def _whose(
    ctx: StepContext, responses: list[Response], kept: dict[str, str]
) -> Callable[[str, int], str]:
    """Who a row's valid response is: the person its email or phone and name are known as
    on People before this run ("" for none, or no valid response there). Worked out only
    for the rows asked (offers and check-ins: their records keep no Timestamp)."""
    at = {ref_key(r.ref): r.values for r in responses if "name" in r.values}
    index: list[PeopleIndex] = []  # read once, when first asked

    @cache
    def whose(tab: str, row: int) -> str:
        v = at.get((tab, row))
        if v is None:
            return ""
        if not index:
            index.append(PeopleIndex.read(records_of(ctx.frames["people"]), lambda: ""))
        pid = index[0].known(v.get("email") or "", v.get("phone") or "", v["name"])
        return kept.get(pid, pid)

    return whose


def _taken_over(
    ctx: StepContext, responses: list[Response], records: Recorded, kept: dict[str, str]
) -> set[str]:
    """Rows recorded as one person's response that hold another person's now: the last
    response cleared and the next one landing on its row before a run (row_moves.taken_over)."""
    whose = _whose(ctx, responses, kept)
    rows = {
        r.ref: ((format_datetime(r.values["timestamp"]), fold(str(r.values["name"]))), r.values)
        for r in responses
        if "name" in r.values and r.ref in records.owners
    }
    people = records_of(ctx.frames["people"])
    return taken_over(records, rows, people, lambda ref: whose(*ref_key(ref)))


def _reused(ctx: StepContext, forms: dict[str, FormTable], records: Recorded) -> set[str]:
    """Rows taken back earlier that hold a new response now (row_moves.reused)."""
    needs = records_of(ctx.frames["needs"])
    newest = newest_stamps(needs)
    sources = {str(n["source"]) for n in needs}
    stamp = lambda v: _timestamp_text(v, ctx)  # noqa: E731
    return {ref for t in forms.values() for ref in reused(t, records, sources, stamp, newest)}


def _cleared_notes(
    ctx: StepContext, forms: dict[str, FormTable], at_end: set[str], records: Recorded
) -> dict[str, dict[str, str]]:
    """The Errors tab's note on each response gone past its tab's end (cleared, or its row
    deleted at the end): what happened, and what to do if it was a mistake. Kept noted
    while the row stays gone; resolved once a response is on the row again."""
    noted = {
        str(e["source"])
        for e in records_of(ctx.frames["errors"])
        if e["status"] == ErrorStatus.NOTED and not e["timestamp"] and not e["fields"]
    }
    tables = {t.ref_tab or t.tab: t for t in forms.values()}
    language = tab_language(ctx.config)
    notes = {}
    for ref in sorted(at_end & (records.standing | noted), key=ref_key):
        tab, row = ref_key(ref)
        table = tables[tab]
        notes[ref] = {
            "form": table.schema.title,
            "tab": tab,
            "row": str(row),
            "timestamp": "",
            "name": "",
            "fields": "",
            "reason": cleared_note(language, table.tab),
            "person_id": records.owners.get(ref, ""),
        }
    return notes


_MANY_TAKEN_BACK = (
    "sheetsync takes back one cleared last response a run, so it stopped before writing "
    "anything: several at once are more often a mistake than meant. If it was a mistake, undo "
    "it (Edit → Undo, or File → Version history) and run again. If they were meant to go, put "
    "them back, then clear them one at a time from the last row up, with a run after each."
)

_ROWS_MOVED = (
    "sheetsync knows each response by its row, so it stopped before writing anything. Undo "
    "the change (Edit → Undo, or File → Version history) and run again. To remove a response, "
    "clear its cells instead of deleting its row; to see rows in another order, use a filter "
    "view."
)


@dataclass
class _Rows:
    """One of intake's tabs as it updates it: the records as read, then the rows it adds."""

    schema: TableSchema
    records: list[dict[str, Any]]
    ids: Ids  # the next id for a row: P0001, N0001, E0001
    added: int = 0

    @classmethod
    def read(cls, ctx: StepContext, name: str, id_field: str, prefix: str) -> _Rows:
        """A tab as earlier steps left it; new ids follow the largest in `id_field`."""
        records = records_of(ctx.frames[name])
        return cls(ctx.schemas[name], records, Ids(prefix, (r[id_field] for r in records)))

    def add(self, **values: Any) -> dict[str, Any]:
        """A new row with these values, at the end of the tab."""
        record = empty_record(self.schema, **values)
        self.records.append(record)
        self.added += 1
        return record


def _people(
    ctx: StepContext,
    responses: list[Response],
    gone: set[str],
    validated: dict[str, Validated],
    parts: dict[str, FormTable],
    taken: set[str],
) -> tuple[pd.DataFrame, dict[str, str], int, dict[str, str], bool]:
    """Find each response's person (a new one if nobody matches), then update each person,
    their consent answer last (intake/consent.py). Also: whose each invalid response is, and
    whether an override was seen for the first time (its row holds the run's time). A row
    holding a new response (`taken`) is no longer its old person's."""
    people = _Rows.read(ctx, "people", "person_id", "P")
    forget_gone(people.records, taken)
    index = PeopleIndex.read(people.records, people.ids)
    person_of: dict[str, str] = {}
    groups: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        v = response.values
        pid = index.attach(response.ref, v["email"], v["phone"], v["name"], people.ids)
        if pid not in index.by_id:
            index.by_id[pid] = people.add(person_id=pid)
        person_of[response.ref] = pid
        groups[pid].append(response)
    for pid, group in groups.items():
        merge_person(index.by_id[pid], group)
    invalid = {
        key: (table.ref_tab or table.tab, table.frame.loc[validated[key].invalid_rows])
        for key, table in parts.items()
        if _form_of(key) not in TASK_FORMS
    }
    before = {e["source"]: e["person_id"] for e in records_of(ctx.frames["errors"])}
    tied = tie_invalid(invalid, index, before, region=ctx.config.default_region)
    # A Phone log row of neither kind may still say "No" to sharing: it narrows too.
    consent_forms = {k: v for k, v in invalid.items() if _form_of(k) in {*CONSENT_FORMS, PHONE_LOG}}
    late = withdrawals(consent_forms, tied, dayfirst=dayfirst_locale(ctx.config.locale))
    now, last_run = format_datetime(ctx.now), _last_run(ctx)
    stamped = write_answers(people.records, groups, late, now=now, last_run=last_run)
    forget_gone(people.records, gone)
    return frame_of(people.records, people.schema), person_of, people.added, tied, stamped


def _last_run(ctx: StepContext) -> str:
    """When the last run that took in responses started (the Run log: a run that ended
    well, with an intake step), "" before the first."""
    log = ctx.frames["run_log"]
    took_in = (log["outcome"] == RunOutcome.OK) & log["steps"].str.contains(r"\bintake\b")
    started = log.loc[took_in & (log["job"] != DIGEST_JOB), "started"]
    return str(started.max()) if len(started) else ""


def _needs(
    ctx: StepContext,
    requests: list[Response],
    person_of: dict[str, str],
    gone: set[str],
    taken: set[str],
) -> tuple[pd.DataFrame, int]:
    """A need per request and category, kept up to date with the request's newest answers.
    A row taken back and now holding a new response (`taken`) gets new needs: its old ones
    stay, withdrawn, and stop naming the row (as People's sources do, intake/people.py)."""
    needs = _Rows.read(ctx, "needs", "need_id", "N")
    for old in needs.records:
        if old["source"] in taken:
            old["source"] = ""
            old["recurrence"] = ""  # its series stops with it (recur/)
            if old["status"] in _STILL_ASKED:
                old["status"] = NeedStatus.WITHDRAWN.value
    request_tab = ctx.forms["requests"]
    details_limit = request_tab.schema.field("details").max_length or _LONGEST_TEXT
    language = tab_language(ctx.config)  # the words of the markers in details
    by_key = {(r["source"], r["category"]): r for r in needs.records if r["need_id"]}
    # A response no longer standing asks for nothing.
    asked: dict[str, Set[str]] = dict.fromkeys(gone, frozenset())
    for response in requests:
        v = response.values
        asked[response.ref] = set(v["categories"])
        answers = _need_answers(v, person_of[response.ref])
        for category in v["categories"]:
            record = by_key.get((response.ref, category))
            if record is None:
                record = needs.add(
                    need_id=needs.ids(),
                    status=NeedStatus.OPEN.value,
                    opened=answers["updated"],
                    source=response.ref,
                    category=category,
                )
                by_key[(response.ref, category)] = record
            elif record["status"] in (NeedStatus.WITHDRAWN, ""):
                record["status"] = NeedStatus.OPEN.value  # asked again, or emptied by hand
            if not record["opened"]:
                record["opened"] = answers["updated"]
            record.update(answers)
            if category == "Other" and v.get("categories_other"):
                # Google writes the text typed next to "Other", not the word "Other".
                other = with_other(v["categories_other"], v["details"], language)
                where = request_tab.ref_tab or request_tab.tab
                record["details"] = shorten_answer(
                    other, details_limit, where, response.row, language
                )
    _withdraw_unasked(needs.records, asked)
    return frame_of(needs.records, needs.schema), needs.added


def _need_answers(v: dict[str, Any], person_id: str) -> dict[str, str]:
    """The cells a request's answers give each of its needs."""
    return {
        "person_id": person_id,
        "name": v["name"],
        "zone": v["zone"],
        "urgency": v["urgency"],
        "details": v["details"],
        "languages": answer_text(v["languages"]),
        "availability": answer_text(v["availability"]),
        "contact_pref": v["contact_pref"],
        "recurrence": recurrence_of(v.get("recurrence")),
        "updated": format_datetime(v["timestamp"]),
    }


def _withdraw_unasked(records: list[dict[str, Any]], asked: dict[str, Set[str]]) -> None:
    """Withdraw a need still asked for whose response no longer asks for it."""
    for record in records:
        categories = asked.get(record["source"])
        taken_out = categories is not None and record["category"] not in categories
        if taken_out:
            record["recurrence"] = ""  # nor asked again: its series stops (recur/)
        if taken_out and record["status"] in _STILL_ASKED:
            # The response was edited to drop this category, made invalid, or cleared.
            record["status"] = NeedStatus.WITHDRAWN.value


def _errors(
    ctx: StepContext,
    validated: dict[str, Validated],
    parts: dict[str, FormTable],
    issues: list[Issue],
    whose: dict[str, str],
    notes: dict[str, dict[str, str]],
    taken: set[str],
) -> tuple[pd.DataFrame, int]:
    """A row per response with an issue: open when it could not be used, noted when it was
    used after an answer was cleaned or shortened, or is gone past its tab's end (`notes`);
    resolved once none is so any more. A row reused for another response (resolved, the
    note on a row gone, or `taken`) is first seen again: an empty When reads as it."""
    errors = _Rows.read(ctx, "errors", "error_id", "E")
    # Every row but the end-of-run check's (a broken rule on the Tasks tab: "Tasks:T0042";
    # a value in an organizer's column) is intake's, those of a form renamed or taken out of
    # the config too: they resolve.
    mine = [r for r in errors.records if r["form"] not in CHECK_FORMS]
    by_source = {r["source"]: r for r in mine if r["source"]}
    by_row: dict[tuple[str, int], list[Issue]] = defaultdict(list)
    for issue in issues:
        by_row[(issue.tab, issue.row)].append(issue)
    current: set[str] = set()
    for key, result in validated.items():
        table = parts[key]
        invalid = set(result.invalid_rows)
        for row in sorted(invalid | set(result.noted_rows)):
            ref = table.ref(row)
            current.add(ref)
            record = by_source.get(ref)
            if record is None:
                first_seen = format_datetime(ctx.now)
                record = errors.add(error_id=errors.ids(), source=ref, first_seen=first_seen)
                by_source[ref] = record
            elif ref in taken or _about_another(record):
                record["first_seen"] = format_datetime(ctx.now)
            record.update(_error_cells(ctx, table, row, by_row[(table.tab, row)]))
            record["status"] = (ErrorStatus.OPEN if row in invalid else ErrorStatus.NOTED).value
            record["person_id"] = whose.get(ref, "")
    _note_cleared(ctx, errors, by_source, notes)
    _resolve_fixed(mine, current | set(notes))
    return frame_of(errors.records, errors.schema), errors.added


def _about_another(record: dict[str, Any]) -> bool:
    """Whether an Errors row was about another response than its row holds now: resolved,
    or the note on a response gone past its tab's end (_cleared_notes)."""
    if record["status"] == ErrorStatus.RESOLVED:
        return True
    return (
        record["status"] == ErrorStatus.NOTED and not record["timestamp"] and not record["fields"]
    )


def _note_cleared(
    ctx: StepContext,
    errors: _Rows,
    by_source: dict[str, dict[str, Any]],
    notes: dict[str, dict[str, str]],
) -> None:
    """Write each note on a response gone past its tab's end (_cleared_notes), noted."""
    for ref, cells in notes.items():
        record = by_source.get(ref)
        if record is None:
            first_seen = format_datetime(ctx.now)
            record = errors.add(error_id=errors.ids(), source=ref, first_seen=first_seen)
            by_source[ref] = record
        record.update(cells, status=ErrorStatus.NOTED.value)


def _error_cells(
    ctx: StepContext, table: FormTable, row: int, found: list[Issue]
) -> dict[str, str]:
    """What the Errors tab says of a response: where it is, whose, and what is wrong or was
    cleaned. The name and timestamp are the response's cells, cut short if they are long;
    the questions are named as the columns the response answered in are headed."""
    raw = table.frame.loc[row]
    fields = dict.fromkeys(table.title(i.field, row) for i in found)
    named = "name" in table.schema.names  # the Feedback form asks no name
    name_limit = (table.schema.field("name").max_length if named else None) or _LONGEST_NAME
    tab, language = table.ref_tab or table.tab, tab_language(ctx.config)
    return {
        "form": table.schema.title,
        "tab": table.ref_tab or table.tab,
        "row": str(row),
        "timestamp": shorten_answer(
            _timestamp_text(raw["timestamp"], ctx), _LONGEST_TIME, tab, row, language
        ),
        "name": shorten_answer(
            cell_text(raw["name"] if named else "").strip(), name_limit, tab, row, language
        ),
        "fields": ", ".join(fields),
        "reason": " ".join(i.message for i in found),
    }


def _resolve_fixed(records: list[dict[str, Any]], current: set[str]) -> None:
    """An open or noted row whose response no longer has an issue is resolved (`records`:
    intake's rows, not the check's)."""
    for record in records:
        standing = record["status"] in (ErrorStatus.OPEN, ErrorStatus.NOTED)
        if standing and record["source"] not in current:
            record["status"] = ErrorStatus.RESOLVED.value


def _timestamp_text(value: object, ctx: StepContext) -> str:
    """A response's Timestamp as sortable text; as it stands in the form when unreadable."""
    parsed = parse_timestamp(value, dayfirst=dayfirst_locale(ctx.config.locale), tz=ctx.config.tz)
    return format_datetime(parsed) if parsed else cell_text(value).strip()
