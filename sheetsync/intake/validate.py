"""Validate a form's responses against its schema, column by column over the whole frame.

Every problem of every row is found in one pass and returned as data (report.Issue); the
valid rows come back normalised (phones in E.164, emails normalised, options canonical).
A message names the question and describes what is wrong; it never quotes the answer: it
reaches the terminal, the log, the Errors tab and the organizers' email. It is worded in the
organizers' language (ValidationContext.language; the pieces in intake/reasons.py), and
names the question as the column the row answered it in is headed: on a tab with a column
per language, the Spanish one for an answer given in Spanish.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from sheetsync.form_languages import ENGLISH, FormWords
from sheetsync.horizon import NEVER
from sheetsync.intake.reasons import (
    date_forms,
    either,
    email_problem,
    languages_tried,
    region_name,
    say,
)
from sheetsync.intake.shortened import shorten_answer
from sheetsync.normalize import (
    format_datetime,
    normalize_email,
    normalize_phone,
    parse_timestamp,
    response_place,
    tidy_name,
    tidy_text,
)
from sheetsync.report import Issue, IssueCode, Severity
from sheetsync.schema import FieldSpec, FieldType, TableSchema
from sheetsync.translation import gettext_noop, number, translate, translate_plural


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
    language: str = ENGLISH  # the organizers' (translation.tab_language): the messages'
    # FormTable.answered_in: a question read from a column per language, the header of
    # the one each row answered in.
    answered_in: Mapping[str, pd.Series] = field(default_factory=dict)

    def where(self, row: int) -> str:
        """Where a response is, for a person: "Form Responses 1, row 17"."""
        return response_place(self.ref_tab or self.tab, row)

    def titles_of(self, name: str, index: pd.Index, default: str = "") -> pd.Series:
        """Each row's title for a question: the header of the column it answered in."""
        title = self.titles.get(name, default or name)
        headers = self.answered_in.get(name)
        if headers is None:
            return pd.Series(title, index=index, dtype=object)
        return headers.reindex(index).fillna(title).astype(object)


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
            quoted = [ctx.titles_of(n, frame.index)[missing].map("'{}'".format) for n in group]
            named = pd.concat(quoted, axis=1).agg(tuple, axis=1)
            # Worded once per set of titles: nearly every row has the same ones.
            worded = {
                titles: translate(
                    ctx.language,
                    "Needs %(titles)s: the response has neither.",
                    titles=either(titles, ctx.language),
                )
                for titles in named.unique()
            }
            why = named.map(worded)
            found.append(_problems(missing, group[0], IssueCode.REQUIRED_ONE_OF, why))
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
    title = ctx.titles_of(spec.name, raw.index, spec.title)
    text = map_text(raw, tidy_name if spec.name == "name" else tidy_text)
    empty = text.eq("")
    found: list[pd.DataFrame] = []
    if spec.required and empty.any():
        why = say(empty, title, ctx.language, gettext_noop("'%(title)s' is empty; it is required."))
        found.append(_problems(empty, spec.name, IssueCode.REQUIRED, why))
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
    text: pd.Series, values: pd.Series, spec: FieldSpec, ctx: ValidationContext, title: pd.Series
) -> Checked:
    """Free text past its maxLength is shortened, with a pointer to the response that holds
    it all (a warning: the need is not lost); any other answer that long is an error."""
    limit = spec.max_length or 0
    lengths = text.str.len()
    long = lengths > limit
    if not long.any():
        return values, []
    language = ctx.language
    rows = pd.Series(text.index, index=text.index)[long]
    if not _free_text(spec):
        why = rows.map(
            lambda row: translate(
                language,
                "'%(title)s' is longer than %(limit)s characters (it has %(length)s): correct "
                "it in the response, or ask the person to send the form again.",
                title=title[row],
                limit=number(limit, language),
                length=number(lengths[row], language),
            )
        )
        return values, [_problems(long, spec.name, IssueCode.MAX_LENGTH, why)]
    # The marker in the cut answer is the Needs tab's, in the tabs' language.
    tab = ctx.ref_tab or ctx.tab
    cut = rows.map(lambda row: shorten_answer(text[row], limit, tab, row, language))
    why = rows.map(
        lambda row: translate(
            language,
            "'%(title)s' was shortened from %(length)s to %(limit)s characters; the full "
            "answer is in %(tab)s, row %(row)s.",
            title=title[row],
            length=number(lengths[row], language),
            limit=number(limit, language),
            tab=ctx.ref_tab or ctx.tab,
            row=row,
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
    title: pd.Series,
    raw: pd.Series,
) -> Checked:
    found: list[pd.DataFrame] = []
    values = text
    if spec.format == "phone":
        phones = _map_unique(text.where(filled, ""), lambda s: normalize_phone(s, ctx.region) or "")
        bad = filled & phones.eq("")
        if bad.any():
            why = say(
                bad,
                title,
                ctx.language,
                gettext_noop(
                    "'%(title)s' is not a valid %(region)s phone number: correct it, or start "
                    "it with + and its country code."
                ),
                region=region_name(ctx.region, ctx.language),
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
            msg = pd.Series(
                [
                    translate(
                        ctx.language,
                        "'%(title)s' is not a valid email address: %(problem)s.",
                        title=title[row],
                        problem=email_problem(text[row], ctx.language),
                    )
                    for row in text.index[bad]
                ],
                index=text.index[bad],
                dtype=object,
            )
            found.append(_problems(bad, spec.name, IssueCode.FORMAT_EMAIL, msg))
        values = emails
    allowed = _allowed(spec, ctx)
    if allowed is not None:
        canon = {a.casefold(): a for a in allowed}
        mapped = text.map(lambda s: canon.get(s.casefold(), ""))
        bad = filled & mapped.eq("")
        if bad.any():
            msg = pd.Series(
                [_not_allowed([text[r]], title[r], allowed, spec, ctx) for r in text.index[bad]],
                index=text.index[bad],
                dtype=object,
            )
            found.append(_problems(bad, spec.name, IssueCode.ENUM, msg))
        values = mapped.where(filled, "")
    if spec.pattern:
        pattern = re.compile(spec.pattern)
        bad = filled & ~text.map(lambda s: bool(pattern.fullmatch(s)))
        if bad.any():
            why = say(
                bad,
                title,
                ctx.language,
                gettext_noop("'%(title)s' does not have the expected form."),
            )
            found.append(_problems(bad, spec.name, IssueCode.PATTERN, why))
    return values, found


def _check_list(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: pd.Series,
    raw: pd.Series,
) -> Checked:
    items = text.map(lambda s: [i.strip() for i in s.split(spec.delimiter) if i.strip()])
    allowed = _allowed(spec, ctx)
    if allowed is None:
        # Free lists (languages): tidy the case so "spanish" and "Spanish" are one language.
        return items.map(lambda xs: [x[:1].upper() + x[1:] for x in xs]), []
    return _check_choices(items, spec, allowed, title, ctx)


def _check_choices(
    items: pd.Series,
    spec: FieldSpec,
    allowed: Sequence[str],
    title: pd.Series,
    ctx: ValidationContext,
) -> Checked:
    """Checkbox answers as their options, in the options' order; an unknown answer is a problem."""
    canon = {a.casefold(): a for a in allowed}
    found: list[pd.DataFrame] = []
    if OTHER in allowed:
        # Google writes what was typed next to "Other" instead of "Other": not an error.
        items = items.map(lambda xs: [x if x.casefold() in canon else OTHER for x in xs])
    else:
        found = _unknown_choices(items, spec, allowed, title, ctx)
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
    title: pd.Series,
    ctx: ValidationContext,
) -> list[pd.DataFrame]:
    """The rows with an answer that is none of the options, each answer named in the message."""
    known = {a.casefold() for a in allowed}
    unknown = items.map(lambda xs: [x for x in xs if x.casefold() not in known])
    bad = unknown.map(bool)
    if not bad.any():
        return []
    msg = pd.Series(
        [_not_allowed(unknown[r], title[r], allowed, spec, ctx) for r in unknown.index[bad]],
        index=unknown.index[bad],
        dtype=object,
    )
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
    title: pd.Series,
    raw: pd.Series,
) -> Checked:
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False).where(filled), errors="coerce")
    found: list[pd.DataFrame] = []
    whole = spec.type is FieldType.INTEGER
    bad = filled & numbers.isna()
    if whole:
        bad |= filled & numbers.notna() & (numbers % 1 != 0)
    if bad.any():
        kind = _WHOLE_NUMBER if whole else _NUMBER
        why = say(bad, title, ctx.language, kind)
        code = IssueCode.TYPE_INTEGER if whole else IssueCode.TYPE_NUMBER
        found.append(_problems(bad, spec.name, code, why))
    limits = [
        (spec.minimum, numbers < (spec.minimum or 0), IssueCode.MINIMUM, _BELOW),
        (spec.maximum, numbers > (spec.maximum or 0), IssueCode.MAXIMUM, _ABOVE),
    ]
    for limit, out, code, message in limits:
        if limit is not None and out.any():
            why = say(out, title, ctx.language, message, limit=number(limit, ctx.language))
            found.append(_problems(out, spec.name, code, why))
    values = numbers.map(lambda v: "" if pd.isna(v) else (int(v) if v % 1 == 0 else float(v)))
    return values.where(~bad, ""), found


_WHOLE_NUMBER = gettext_noop("'%(title)s' should be a whole number.")
_NUMBER = gettext_noop("'%(title)s' should be a number.")
_BELOW = gettext_noop("'%(title)s' is below the minimum, %(limit)s.")
_ABOVE = gettext_noop("'%(title)s' is above the maximum, %(limit)s.")


def _check_datetime(
    text: pd.Series,
    filled: pd.Series,
    spec: FieldSpec,
    ctx: ValidationContext,
    title: pd.Series,
    raw: pd.Series,
) -> Checked:
    # Parse the raw cell: the backend may give a date, a serial number or text.
    parsed = raw.map(lambda v: parse_timestamp(v, dayfirst=ctx.dayfirst, tz=ctx.tz))
    bad = filled & parsed.isna()
    found = []
    if bad.any():
        timed = spec.type is FieldType.DATETIME
        what = (
            gettext_noop("'%(title)s' is not a date and time. Write it as %(forms)s.")
            if timed
            else gettext_noop("'%(title)s' is not a date. Write it as %(forms)s.")
        )
        forms = date_forms(ctx.dayfirst, ctx.language, with_time=timed)
        why = say(bad, title, ctx.language, what, forms=forms)
        found.append(_problems(bad, spec.name, IssueCode.TYPE_DATETIME, why))
    if spec.past and ctx.now is not None:
        latest = ctx.now + CLOCK_SKEW
        future = parsed.map(lambda v: v is not None and not pd.isna(v) and v > latest)
        if future.any():
            why = say(
                future,
                title,
                ctx.language,
                gettext_noop(
                    "'%(title)s' is in the future (after this run, %(now)s): check the year, "
                    "and that day and month are not the wrong way round. If every new "
                    "response lands here, set timezone under [network] in sheetsync.toml to "
                    "the spreadsheet's time zone."
                ),
                now=format_datetime(ctx.now),
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
    ctx: ValidationContext,
) -> str:
    """The answers are not options of the question: say how many, the languages tried
    when the forms are in more than English, and the closest options (the network's own
    words, in those languages; the answers themselves are not quoted)."""
    language, words = ctx.language, ctx.words
    if spec.enum_from == FEEDBACK_CODES:
        # The codes are the tasks', not words to suggest: a near one is another task's.
        return translate(
            language,
            "'%(title)s' matches no task's code: check the code in the link or email "
            "(the Tasks tab's feedback_code column has each task's).",
            title=title,
        )
    options = list(allowed)
    where = (
        translate(language, " (the zones listed in sheetsync.toml under [network])")
        if spec.enum_from
        else ""
    )
    if words is not None and not words.english_only and not spec.enum_from:
        options = list(dict.fromkeys([*words.texts.get(spec.name, ()), *allowed]))
        named = languages_tried(words.languages, language)
        where = translate(language, " in %(languages)s", languages=named)
    close = [
        match[0]
        for value in values
        if (match := difflib.get_close_matches(value, options, n=1, cutoff=0.6))
    ]
    hint = ""
    if close:
        suggested = either([repr(c) for c in dict.fromkeys(close)], language)
        hint = translate(language, " Did you mean %(options)s?", options=suggested)
    return translate_plural(
        language,
        "'%(title)s' has an answer that it does not allow%(where)s.%(hint)s",
        "'%(title)s' has %(num)s answers that it does not allow%(where)s.%(hint)s",
        len(values),
        title=title,
        where=where,
        hint=hint,
    )


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
