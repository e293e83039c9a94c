"""Deduplicate any contact list (CSV or XLSX): the standalone `sheetsync dedupe` command.

The output is the input, every row and column in its order, plus four columns:
cluster_id (rows of one person share it), duplicate_of (the row number of the person's
first row, when this row repeats it), match_score and match_reason. Rows are named by
their row number in the file (the header is row 1), as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils.exceptions import IllegalCharacterError

from sheetsync.dedupe import Linkage, Pair, find_duplicates
from sheetsync.dedupe.dates import looks_like_birth_dates
from sheetsync.errors import InputFileError
from sheetsync.files import write_csv, write_xlsx
from sheetsync.normalize import fold

OUTPUT_COLUMNS = ("cluster_id", "duplicate_of", "match_score", "match_reason")
# Field -> headers it is recognised by (folded, punctuation as spaces); English and Spanish.
# Exact matches win; otherwise a header containing one of the longer names as words.
HEADERS: dict[str, tuple[str, ...]] = {
    "given_name": ("first name", "given name", "forename", "first", "primer nombre"),
    "family_name": ("last name", "surname", "family name", "last", "apellido", "apellidos"),
    # after the two above, so that "First name" is not taken for a full name
    "name": ("name", "full name", "your name", "contact name", "nombre", "nombre completo"),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cell phone",
        "mobile number",
        "whatsapp",
        "telefono",
        "celular",
        "movil",
    ),
    "email": ("email", "e mail", "email address", "mail", "correo", "correo electronico"),
    "address": ("address", "street address", "street", "home address", "direccion", "domicilio"),
    "postcode": ("postcode", "post code", "postal code", "zip", "zip code", "codigo postal"),
    "zone": ("zone", "neighbourhood", "neighborhood", "area", "district", "barrio", "zona"),
    "birth_date": (
        "date of birth",
        "dob",
        "d o b",
        "birth date",
        "birthdate",
        "birthday",
        "born",
        "fecha de nacimiento",
        "fecha nacimiento",
        "f nacimiento",
        "nacimiento",
        "fec nac",
        "f nac",
    ),
}
# Underscores too: "date_of_birth" reads as "date of birth".
_PUNCTUATION = re.compile(r"[\W_]+")
# Names also recognised inside a longer header ("Phone number (WhatsApp ok)"); short or
# common words such as "first", "last" or "name" only as the whole header.
_LOOSE = {
    *("full name", "your name", "first name", "given name", "last name", "surname"),
    *("family name", "apellido", "apellidos", "phone", "telephone", "mobile", "whatsapp"),
    *("telefono", "celular", "email", "e mail", "correo", "address", "direccion"),
    *("postcode", "postal code", "zip code", "codigo postal", "neighbourhood", "neighborhood"),
    *("barrio", "date of birth", "birth date", "birthdate", "fecha de nacimiento"),
    *("fecha nacimiento", "nacimiento"),
}
# Dates that are not birth dates, whatever their values look like.
_OTHER_DATES = re.compile(
    r"\b(timestamp|marca temporal|created|updated|modified|submitted|registered|joined|signed"
    r"|visit|last|next|start|end|due|fecha de (alta|registro|visita))\b"
)
OUTPUT_SUFFIXES = (".csv", ".xlsx")


@dataclass
class ContactsResult:
    """The deduplicated list and what was found."""

    frame: pd.DataFrame
    columns: dict[str, str]  # field -> the header used
    linkage: Linkage
    notices: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        clusters = self.linkage.cluster_members().values()
        return {
            "rows": len(self.frame),
            "people": len(clusters),
            "duplicate_rows": sum(len(m) - 1 for m in clusters),
            "to_review": len(self.linkage.review),
            "households": len(set(self.linkage.household_of.values())),
        }


def read_contacts(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file's rows as text; for a workbook, its first sheet unless named."""
    if not path.exists():
        raise InputFileError(f"{path} does not exist. Give the path of a .csv or .xlsx file.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(
                path, sheet_name=sheet or 0, dtype=str, keep_default_na=False, engine="calamine"
            )
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=_separator(path)
            )
        else:
            raise InputFileError(
                f"{path}: sheetsync reads .csv and .xlsx files. Save the list as one of them "
                "(File → Download → CSV, in Google Sheets)."
            )
    except UnicodeDecodeError as err:
        raise InputFileError(
            f"{path} is not UTF-8 text ({err.reason} at byte {err.start}). Save it as "
            "'CSV UTF-8' and try again."
        ) from err
    except ValueError as err:  # unknown sheet name, a file that is not a workbook
        raise InputFileError(f"{path} cannot be read: {err}") from err
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _separator(path: Path) -> str:
    """Comma, semicolon (European Excel), tab or bar, from the file's first lines."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        sample = f.read(64_000)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:  # one column, or too little to tell
        return ","


def check_output(path: Path) -> None:
    """Refuse an output file type sheetsync does not write."""
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputFileError(
            f"--out {path}: sheetsync writes .csv or .xlsx files; name the output e.g. "
            f"{path.with_suffix('.csv').name}."
        )


def recognise_columns(
    headers: list[str], mapping: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Field -> header, from --column mappings first, then common header names."""
    given = mapping or {}
    found = _mapped_columns(headers, given)
    notices = _guess_columns(headers, found)
    if {"given_name", "family_name"} <= found.keys() and "name" not in given:
        found.pop("name", None)  # separate first and last names say more than a full name
    _require_name(found, headers)
    return found, notices


def _mapped_columns(headers: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The --column mappings, refused when the field or the header does not exist."""
    found: dict[str, str] = {}
    for name, header in mapping.items():
        if name not in HEADERS:
            raise InputFileError(
                f"--column {name}=…: {name!r} is not a field sheetsync compares. "
                f"Use one of {', '.join(HEADERS)}."
            )
        if header not in headers:
            close = difflib.get_close_matches(header, headers, n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise InputFileError(
                f"--column {name}={header}: no column is titled '{header}'.{hint} "
                f"The columns are: {', '.join(headers)}."
            )
        found[name] = header
    return found


def _guess_columns(headers: list[str], found: dict[str, str]) -> list[str]:
    """Add to found, in HEADERS order, a header not yet taken for each field not mapped;
    return a notice for each field that several headers could be."""
    notices: list[str] = []
    taken = set(found.values())
    folded = {h: _PUNCTUATION.sub(" ", fold(h)).strip() for h in headers}
    for name, known in HEADERS.items():
        if name in found:
            continue
        free = [h for h in headers if h not in taken]
        matches = _headers_named(free, folded, known)
        if matches:
            found[name] = matches[0]
            taken.add(matches[0])
            if len(matches) > 1:
                notices.append(
                    f"Columns {', '.join(repr(m) for m in matches)} could all be the {name}; "
                    f"used '{matches[0]}'. Choose another with --column {name}=HEADER."
                )
    return notices


def _headers_named(headers: list[str], folded: dict[str, str], known: tuple[str, ...]) -> list[str]:
    """The headers that are one of the known names; failing that, those that hold one of
    its loose names as words ("Phone number (WhatsApp ok)")."""
    exact = [h for h in headers if folded[h] in known]
    if exact:
        return exact
    loose = [rf"\b{re.escape(k)}\b" for k in known if k in _LOOSE]
    return [h for h in headers if any(re.search(pattern, folded[h]) for pattern in loose)]


def _birth_dates_by_value(
    frame: pd.DataFrame, columns: dict[str, str], region: str, today: dt.date | None
) -> list[str]:
    """With no birth-date header, the first other column whose values are mostly birth
    dates becomes the birth date (added to columns); a notice says which."""
    if "birth_date" in columns:
        return []
    taken = set(columns.values())
    for header in frame.columns:
        folded = _PUNCTUATION.sub(" ", fold(str(header))).strip()
        if header in taken or _OTHER_DATES.search(folded):
            continue
        values = ["" if v is None or v != v else str(v) for v in frame[header].tolist()]
        if looks_like_birth_dates(values, region, today):
            columns["birth_date"] = header
            return [
                f"Column '{header}' holds dates of birth, so it is compared as the birth date. "
                "If it is not, name the right one with --column birth_date=HEADER."
            ]
    return []


def _require_name(found: dict[str, str], headers: list[str]) -> None:
    """Refuse a list without a name column: names are what the comparison starts from."""
    if not ({"name", "given_name", "family_name"} & found.keys()):
        raise InputFileError(
            "No name column found (looked for "
            f"{', '.join(repr(h) for h in (*HEADERS['name'][:2], 'first name', 'last name'))}"
            f"…). The columns are: {', '.join(headers)}. Say which holds the name with "
            "--column name=HEADER (or given_name= and family_name=)."
        )


def dedupe_contacts(
    frame: pd.DataFrame,
    region: str,
    mapping: Mapping[str, str] | None = None,
    *,
    today: dt.date | None = None,
) -> ContactsResult:
    """Find the duplicates in a contact list; return it with the four result columns.
    `today`: the network's date when there is one (two-digit years of birth)."""
    columns, notices = recognise_columns(list(frame.columns), mapping)
    notices += _birth_dates_by_value(frame, columns, region, today)
    replaced = [c for c in OUTPUT_COLUMNS if c in frame.columns]
    if replaced:
        notices.append(f"The input already had {', '.join(replaced)}: replaced with new results.")
        frame = frame.drop(columns=replaced)
    rows = [str(n) for n in range(2, len(frame) + 2)]  # as the file numbers them
    records = pd.DataFrame({"id": rows})
    for name, header in columns.items():
        records[name] = frame[header].tolist()
    linkage = find_duplicates(records, region, today=today)
    return ContactsResult(_with_results(frame, rows, linkage), columns, linkage, notices)


def _with_results(frame: pd.DataFrame, rows: list[str], linkage: Linkage) -> pd.DataFrame:
    """A copy of the list with cluster_id, duplicate_of, match_score and match_reason."""
    cluster_of = _cluster_ids(linkage)
    notes = _MatchNotes.of(linkage)
    out = frame.copy()
    out["cluster_id"] = [cluster_of[r] for r in rows]
    out["duplicate_of"] = [linkage.kept_of[r] if linkage.kept_of[r] != r else "" for r in rows]
    out["match_score"] = [notes.score.get(r, "") for r in rows]
    out["match_reason"] = [notes.reason.get(r, "") for r in rows]
    return out


def _cluster_ids(linkage: Linkage) -> dict[str, str]:
    """Row -> its person's cluster id, C0001 on, numbered in the order of their first rows."""
    cluster_of: dict[str, str] = {}
    for number, members in enumerate(
        (m for _, m in sorted(linkage.cluster_members().items(), key=lambda kv: int(kv[0]))),
        start=1,
    ):
        for member in members:
            cluster_of[member] = f"C{number:04d}"
    return cluster_of


@dataclass
class _MatchNotes:
    """Row -> match_score and match_reason. A row repeating an earlier one says which, by
    its best link; an uncertain pair says "maybe" on rows with nothing surer to say; then
    household members name each other."""

    score: dict[str, str] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, linkage: Linkage) -> _MatchNotes:
        notes = cls()
        notes.add_links(linkage.links)
        notes.add_reviews(linkage.review)
        notes.add_households(linkage.household_of)
        return notes

    def add_links(self, links: list[Pair]) -> None:
        """The later row of each linked pair repeats the earlier; its best link says so."""
        score, reason = self.score, self.reason
        for pair in links:
            later = max(pair.a, pair.b, key=int)
            if later not in reason or float(score[later]) < pair.score:
                score[later] = f"{pair.score:.2f}"
                reason[later] = f"same person as row {min(pair.a, pair.b, key=int)}: {pair.reason}"

    def add_reviews(self, review: list[Pair]) -> None:
        """Both rows of an uncertain pair, most likely pairs first, unless already noted."""
        score, reason = self.score, self.reason
        for pair in sorted(review, key=lambda p: -p.score):
            for this, other in ((pair.a, pair.b), (pair.b, pair.a)):
                if this not in reason:
                    score[this] = f"{pair.score:.2f}"
                    reason[this] = f"maybe the same person as row {other} (check): {pair.reason}"

    def add_households(self, household_of: dict[str, str]) -> None:
        """Rows of one household kept apart name the others, unless already noted."""
        homes: dict[str, list[str]] = {}
        for rid, first in household_of.items():
            homes.setdefault(first, []).append(rid)
        for members in homes.values():
            for rid in members:
                others = ", ".join(m for m in sorted(members, key=int) if m != rid)
                self.reason.setdefault(
                    rid, f"a different person in one household with row {others}"
                )


def write_contacts(frame: pd.DataFrame, path: Path) -> None:
    """Write the result as CSV (UTF-8, as Excel and Google Sheets open it) or XLSX: a
    private file whose text cannot run as a formula (files.inert)."""
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    try:
        if path.suffix.lower() == ".xlsx":
            write_xlsx(path, header, rows)
        else:
            write_csv(path, header, rows)
    except OSError as err:
        raise InputFileError(f"Cannot write {path}: {err.strerror}.") from err
    except IllegalCharacterError as err:
        raise InputFileError(
            f"Cannot write {path}: a cell holds a control character a workbook cannot store. "
            "Write a .csv instead, or remove the character from the input."
        ) from err


def _cell(value: object) -> object:
    """A frame's value as a cell: empty for missing, numbers as numbers, the rest as text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str | numbers.Real):
        return value
    return str(value)
