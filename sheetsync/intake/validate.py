"""Validate a form's responses against its schema, column by column over the whole frame.

Every problem of every row is found in one pass and returned as data (report.Issue); the
valid rows come back normalised (phones in E.164, emails normalised, options canonical).
A message names the question and describes what is wrong; it never quotes the answer: it
reaches the terminal, the log, the Errors tab and the organizers' email.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sheetsync.form_languages import FormWords, language_names
from sheetsync.horizon import NEVER
from sheetsync.normalize import (
    date_examples,
    format_datetime,
    normalize_email,
    normalize_phone,
    parse_timestamp,
    response_place,
    shorten,
    tidy_name,
    tidy_text,
)
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.schema import FieldSpec, FieldType, TableSchema


@dataclass
class Validated:
    """The outcome of validating one form tab."""

    valid: pd.DataFrame  # normalised rows that passed, indexed by sheet row number
    issues: list[Issue]  # every problem found and every answer cleaned, in row then column order
    invalid_rows: list[int]  # sheet rows with at least one problem (an error)
    # When validating the same frame again could give another outcome by time alone
    # (sheetsync/horizon.py): a `past` date stops being in the future.
    until: dt.datetime = NEVER

    @property
    def noted_rows(self) -> list[int]:
        """Valid rows with an answer cleaned or shortened on the way in (warnings only)."""
        invalid = set(self.invalid_rows)
        return sorted({i.row for i in self.issues if i.row not in invalid})


@dataclass(frozen=True)
class ValidationContext:
    """What validation needs besides the schema."""

    tab: str
    region: str
    dayfirst: bool
    allowed: Mapping[str, Sequence[str]]  # enumFrom source ("network.zones") -> values
    titles: Mapping[str, str]  # field name -> the header it was read from
    now: dt.datetime | None = None  # the run's time, naive local: a `past` date is not after it
    tz: dt.tzinfo | None = None  # the network's time zone, for a time written with an offset
    ref_tab: str = ""  # how records name the tab (FormTable.ref_tab); `tab` when empty
    # The form's words in the network's languages (tables.read_form read its answers back
    # to the options with them): an answer in none is refused naming the languages tried.
    words: FormWords | None = None

    def where(self, row: int) -> str:
        """Where a response is, for a person: "Form Responses 1, row 17"."""
        return response_place(self.ref_tab or self.tab, row)


# enumFrom of the Feedback form's code question: the codes on the Tasks tab.
FEEDBACK_CODES = "tasks.feedback_code"

# A form's clock and the computer running sheetsync may differ by a little: a Timestamp up
# to this far after the run's time is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


def validate_form(
    frame: pd.DataFrame,
    schema: TableSchema,
    ctx: ValidationContext,
    notes: Sequence[Issue] = (),
) -> Validated:
    """Check and normalise every column; rows with any problem are left out of `valid`.
    `notes` (warnings, e.g. the answers tables.read_form cleaned) join the issues in order."""
    clean = pd.DataFrame(index=frame.index)
    problems: list[pd.DataFrame] = []
    for spec in schema.fields:
        raw = frame[spec.name] if spec.name in frame else pd.Series("", index=frame.index)
        values, bad = _check_field(raw, spec, ctx)
        clean[spec.name] = values
        if spec.type is FieldType.LIST and spec.enum and OTHER in spec.enum:
            clean[f"{spec.name}_other"] = _other_text(raw, spec)
        if bad is not None and not bad.empty:
            problems.append(bad)
    problems.extend(_check_required_one_of(frame, schema, ctx))
    issues = _to_issues(problems, schema, ctx.tab)
    if notes:
        order = {name: i for i, name in enumerate(schema.names)}
        issues = sorted([*issues, *notes], key=lambda i: (i.row, order.get(i.field, 0)))
    invalid = sorted({i.row for i in issues if i.severity is Severity.ERROR})
    valid = clean.drop(index=invalid)
    return Validated(valid, issues, invalid, _until(clean, schema, ctx))


def _until(clean: pd.DataFrame, schema: TableSchema, ctx: ValidationContext) -> dt.datetime:
    """When the outcome may change by time alone. Only a `past` date reads the clock: one
    in the future becomes valid CLOCK_SKEW before it, but until then its message names the
    run's time, so the Errors tab's reason would change at any moment: `now`. Without a
    date in the future, the outcome never changes by time alone."""
    if ctx.now is None:
        return NEVER
    latest = ctx.now + CLOCK_SKEW
    for spec in schema.fields:
        if spec.past and spec.name in clean:
            dates = clean[spec.name]
            if dates.map(lambda v: v != "" and v > latest).any():
                return ctx.now
    return NEVER


def _check_required_one_of(
    frame: pd.DataFrame, schema: TableSchema, ctx: ValidationContext
) -> list[pd.DataFrame]:
    """The rows that answer none of a group of questions (neither a phone nor an email)."""
    found = []
    for group in schema.required_one_of:
        present = pd.Series(False, index=frame.index)
        for name in group:
            # Given but invalid still counts as given: its own problem is reported already.
            if name in frame:
                present |= map_text(frame[name], tidy_text).ne("")
        missing = ~present
        if missing.any():
            titles = " or ".join(f"'{ctx.titles.get(n, n)}'" for n in group)
            found.append(
                _problems(
                    missing,
                    group[0],
                    IssueCode.REQUIRED_ONE_OF,
                    f"Needs {titles}: the response has neither.",
                )
            )
    return found


def _problems(
    mask: pd.Series,
    field: str,
    code: IssueCode,
    message: str | pd.Series,
    severity: Severity = Severity.ERROR,
) -> pd.DataFrame:
    rows = mask[mask].index
    text = message[rows] if isinstance(message, pd.Series) else message
    return pd.DataFrame(
        {"row": rows, "field": field, "code": code, "message": text, "severity": severity}
    )


def _to_issues(problems: list[pd.DataFrame], schema: TableSchema, tab: str) -> list[Issue]:
    if not problems:
        return []
    order = {name: i for i, name in enumerate(schema.names)}
    table = pd.concat(problems, ignore_index=True)
    table["order"] = table["field"].map(order)
    table = table.sort_values(["row", "order"], kind="stable")
    return [
        Issue(
            tab=tab,
            row=int(row),
            field=str(field),
            code=IssueCode(code),
            message=str(message),
            severity=Severity(severity),
        )
        for row, field, code, message, severity in zip(
            table["row"],
            table["field"],
            table["code"],
            table["message"],
            table["severity"],
            strict=True,
        )
    ]


def _check_field(
    raw: pd.Series, spec: FieldSpec, ctx: ValidationContext
) -> tuple[pd.Series, pd.DataFrame | None]:
    title = ctx.titles.get(spec.name, spec.title)
    text = map_text(raw, tidy_name if spec.name == "name" else tidy_text)
    empty = text.eq("")
    found: list[pd.DataFrame] = []
    if spec.required and empty.any():
        found.append(
            _problems(empty, spec.name, IssueCode.REQUIRED, f"'{title}' is empty; it is required.")
        )
    filled = ~empty
    values: pd.Series = text
    checker = _CHECKERS.get(spec.type)
    if checker is not None:
        values, bad = checker(text, filled, spec, ctx, title, raw)
        found.extend(bad)
    if spec.max_length is not None:
        values, long = _check_length(text, values, spec, ctx, title)
        found.extend(long)
    return values, (pd.concat(found, ignore_index=True) if found else None)


def _check_length(
    text: pd.Series, values: pd.Series, spec: FieldSpec, ctx: ValidationContext, title: str
) -> Checked:
    """Free text past its maxLength is shortened, with a pointer to the response that holds
    it all (a warning: the need is not lost); any other answer that long is an error."""
    limit = spec.max_length or 0
    lengths = text.str.len()
    long = lengths > limit
    if not long.any():
        return values, []
    if not _free_text(spec):
        why = lengths.map(
            lambda n: (
                f"'{title}' is longer than {limit:,} characters (it has {n:,}): correct "
                "it in the response, or ask the person to send the form again."
            )
        )
        return values, [_problems(long, spec.name, IssueCode.MAX_LENGTH, why)]
    rows = pd.Series(text.index, index=text.index)[long]
    cut = rows.map(lambda row: shorten(text[row], limit, ctx.where(row)))
    why = rows.map(
        lambda row: (
            f"'{title}' was shortened from {lengths[row]:,} to {limit:,} characters; "
            f"the full answer is in {ctx.where(row)}."
        )
    )
    shortened = values.copy()
    shortened[long] = cut
    return shortened, [
        _problems(long, spec.name, IssueCode.SHORTENED, why, severity=Severity.WARNING)
    ]


def _free_text(spec: FieldSpec) -> bool:
    """Whether an answer is prose that stays useful shortened (a "Tell us more"), not a
    name, a contact, an option or a list, which a cut would make wrong."""
    return (
        spec.type is FieldType.STRING
        and spec.name != "name"
        and not (spec.format or spec.enum or spec.enum_from or spec.pattern)
    )


Checked = tuple[pd.Series, list[pd.DataFrame]]
OTHER = "Other"  # the option Google Forms can add to a checkbox question


def _check_string(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: str,
    raw: pd.Series,
) -> Checked:
    found: list[pd.DataFrame] = []
    values = text
    if spec.format == "phone":
        phones = _map_unique(text.where(filled, ""), lambda s: normalize_phone(s, ctx.region) or "")
        bad = filled & phones.eq("")
        if bad.any():
            why = (
                f"'{title}' is not a valid {ctx.region} phone number: correct it, or start "
                "it with + and its country code."
            )
            found.append(_problems(bad, spec.name, IssueCode.FORMAT_PHONE, why))
        values = phones.where(filled, "")
    elif spec.format == "email":
        parsed = _map_unique(
            text.where(filled, ""), lambda s: normalize_email(s) if s else ("", "")
        )
        emails = parsed.map(lambda p: p[0] or "")
        bad = filled & emails.eq("")
        if bad.any():
            # Messages for the rows that need one only (_problems picks those).
            msg = text[bad].map(
                lambda s: f"'{title}' is not a valid email address: {_email_problem(s)}."
            )
            found.append(_problems(bad, spec.name, IssueCode.FORMAT_EMAIL, msg))
        values = emails
    allowed = _allowed(spec, ctx)
    if allowed is not None:
        canon = {a.casefold(): a for a in allowed}
        mapped = text.map(lambda s: canon.get(s.casefold(), ""))
        bad = filled & mapped.eq("")
        if bad.any():
            msg = text[bad].map(lambda s: _not_allowed([s], title, allowed, spec, ctx.words))
            found.append(_problems(bad, spec.name, IssueCode.ENUM, msg))
        values = mapped.where(filled, "")
    if spec.pattern:
        pattern = re.compile(spec.pattern)
        bad = filled & ~text.map(lambda s: bool(pattern.fullmatch(s)))
        if bad.any():
            found.append(
                _problems(
                    bad, spec.name, IssueCode.PATTERN, f"'{title}' does not have the expected form."
                )
            )
    return values, found


def _check_list(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: str,
    raw: pd.Series,
) -> Checked:
    items = text.map(lambda s: [i.strip() for i in s.split(spec.delimiter) if i.strip()])
    allowed = _allowed(spec, ctx)
    if allowed is None:
        # Free lists (languages): tidy the case so "spanish" and "Spanish" are one language.
        return items.map(lambda xs: [x[:1].upper() + x[1:] for x in xs]), []
    return _check_choices(items, spec, allowed, title, ctx.words)


def _check_choices(
    items: pd.Series,
    spec: FieldSpec,
    allowed: Sequence[str],
    title: str,
    words: FormWords | None = None,
) -> Checked:
    """Checkbox answers as their options, in the options' order; an unknown answer is a problem."""
    canon = {a.casefold(): a for a in allowed}
    found: list[pd.DataFrame] = []
    if OTHER in allowed:
        # Google writes what was typed next to "Other" instead of "Other": not an error.
        items = items.map(lambda xs: [x if x.casefold() in canon else OTHER for x in xs])
    else:
        found = _unknown_choices(items, spec, allowed, title, words)
    order = {a: i for i, a in enumerate(allowed)}
    values = items.map(
        lambda xs: sorted(
            {canon[x.casefold()] for x in xs if x.casefold() in canon}, key=order.__getitem__
        )
    )
    return values, found


def _unknown_choices(
    items: pd.Series,
    spec: FieldSpec,
    allowed: Sequence[str],
    title: str,
    words: FormWords | None = None,
) -> list[pd.DataFrame]:
    """The rows with an answer that is none of the options, each answer named in the message."""
    known = {a.casefold() for a in allowed}
    unknown = items.map(lambda xs: [x for x in xs if x.casefold() not in known])
    bad = unknown.map(bool)
    if not bad.any():
        return []
    msg = unknown[bad].map(lambda xs: _not_allowed(xs, title, allowed, spec, words))
    return [_problems(bad, spec.name, IssueCode.ENUM, msg)]


def _other_text(raw: pd.Series, spec: FieldSpec) -> pd.Series:
    """What people typed in a checkbox question's "Other" box, per row."""
    known = {a.casefold() for a in spec.enum or ()}
    parts = map_text(raw, tidy_text).map(lambda s: [x.strip() for x in s.split(spec.delimiter)])
    return parts.map(lambda xs: ", ".join(x for x in xs if x and x.casefold() not in known))


def _check_number(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: str,
    raw: pd.Series,
) -> Checked:
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False).where(filled), errors="coerce")
    found: list[pd.DataFrame] = []
    kind = "a whole number" if spec.type is FieldType.INTEGER else "a number"
    bad = filled & numbers.isna()
    if spec.type is FieldType.INTEGER:
        bad |= filled & numbers.notna() & (numbers % 1 != 0)
    if bad.any():
        found.append(
            _problems(
                bad,
                spec.name,
                IssueCode.TYPE_INTEGER if spec.type is FieldType.INTEGER else IssueCode.TYPE_NUMBER,
                f"'{title}' should be {kind}.",
            )
        )
    if spec.minimum is not None:
        low = numbers < spec.minimum
        if low.any():
            found.append(
                _problems(
                    low,
                    spec.name,
                    IssueCode.MINIMUM,
                    f"'{title}' is below the minimum, {spec.minimum:g}.",
                )
            )
    if spec.maximum is not None:
        high = numbers > spec.maximum
        if high.any():
            found.append(
                _problems(
                    high,
                    spec.name,
                    IssueCode.MAXIMUM,
                    f"'{title}' is above the maximum, {spec.maximum:g}.",
                )
            )
    values = numbers.map(lambda v: "" if pd.isna(v) else (int(v) if v % 1 == 0 else float(v)))
    return values.where(~bad, ""), found


def _check_datetime(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: str,
    raw: pd.Series,
) -> Checked:
    # Parse the raw cell: the backend may give a date, a serial number or text.
    parsed = raw.map(lambda v: parse_timestamp(v, dayfirst=ctx.dayfirst, tz=ctx.tz))
    bad = filled & parsed.isna()
    found = []
    if bad.any():
        timed = spec.type is FieldType.DATETIME
        what = "a date and time" if timed else "a date"
        forms = date_examples(ctx.dayfirst, with_time=timed)
        found.append(
            _problems(
                bad,
                spec.name,
                IssueCode.TYPE_DATETIME,
                f"'{title}' is not {what}. Write it as {forms}.",
            )
        )
    if spec.past and ctx.now is not None:
        latest = ctx.now + CLOCK_SKEW
        future = parsed.map(lambda v: v is not None and not pd.isna(v) and v > latest)
        if future.any():
            why = (
                f"'{title}' is in the future (after this run, {format_datetime(ctx.now)}): "
                "check the year, and that day and month are not the wrong way round. If "
                "every new response lands here, set timezone under [network] in "
                "sheetsync.toml to the spreadsheet's time zone."
            )
            found.append(_problems(future, spec.name, IssueCode.FUTURE_DATE, why))
    return parsed.where(parsed.notna(), ""), found


_CHECKERS: dict[FieldType, Callable[..., Checked]] = {
    FieldType.STRING: _check_string,
    FieldType.LIST: _check_list,
    FieldType.INTEGER: _check_number,
    FieldType.NUMBER: _check_number,
    FieldType.DATETIME: _check_datetime,
    FieldType.DATE: _check_datetime,
}


def _allowed(spec: FieldSpec, ctx: ValidationContext) -> Sequence[str] | None:
    if spec.enum_from:
        return ctx.allowed.get(spec.enum_from, ())
    return spec.enum


def _not_allowed(
    values: list[str],
    title: str,
    allowed: Sequence[str],
    spec: FieldSpec,
    words: FormWords | None = None,
) -> str:
    """The answers are not options of the question: say how many, the languages tried
    when the forms are in more than English, and the closest options (the network's own
    words, in those languages; the answers themselves are not quoted)."""
    if spec.enum_from == FEEDBACK_CODES:
        # The codes are the tasks', not words to suggest: a near one is another task's.
        return (
            f"'{title}' matches no task's code: check the code in the link or email "
            "(the Tasks tab's feedback_code column has each task's)."
        )
    options = list(allowed)
    where = " (the zones listed in sheetsync.toml under [network])" if spec.enum_from else ""
    if words is not None and not words.english_only and not spec.enum_from:
        options = list(dict.fromkeys([*words.texts.get(spec.name, ()), *allowed]))
        where = f" in {language_names(words.languages)}"
    close = [
        match[0]
        for value in values
        if (match := difflib.get_close_matches(value, options, n=1, cutoff=0.6))
    ]
    hint = f" Did you mean {' or '.join(repr(c) for c in dict.fromkeys(close))}?" if close else ""
    what = "an answer" if len(values) == 1 else f"{len(values)} answers"
    return f"'{title}' has {what} that it does not allow{where}.{hint}"


def _email_problem(text: str) -> str:
    """What is wrong with an address, in words that do not repeat it."""
    if "@" not in text:
        return "it has no @"
    if text.count("@") > 1:
        return "it has more than one @"
    if any(c.isspace() for c in text):
        return "it has a space in it"
    local, _, domain = text.partition("@")
    if not local:
        return "nothing comes before the @"
    if "." not in domain.strip("."):
        return "the part after the @ is not a domain such as example.org"
    return "it holds characters or a form an address cannot have"


def _map_unique(series: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply a slow scalar function once per distinct value (phones, emails repeat)."""
    cache = {v: func(v) for v in series.unique()}
    return series.map(cache)


def map_text(series: pd.Series, func: Callable[[object], str]) -> pd.Series:
    """`series.map(func)`, a text cell repeated in the column computed once (answers
    repeat: options, zones, languages). Other cells are computed each time: 1, 1.0 and
    True are equal keys but different cells."""
    cache: dict[str, str] = {}
    out: list[str] = []
    for value in series.tolist():
        if type(value) is str:
            done = cache.get(value)
            if done is None:
                done = cache[value] = func(value)
        else:
            done = func(value)
        out.append(done)
    return pd.Series(out, index=series.index, name=series.name)
