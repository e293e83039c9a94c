"""The Backend protocol on Google Sheets, through gspread and google-auth service accounts.

A run costs at most four API requests, whatever the data size:

1. `spreadsheets.get` (list_tabs): the tabs, their ids and grid sizes;
2. `values.batchGet` (read_tabs): every tab in one request, raw values;
3. the check, before every write: one `values.batchGet` of each touched tab's header row
   and its key, guarded and conditioned columns, whole (`'Tab'!1:1`, `'Tab'!C:C`).
   `readdress` then finds each updated row by its id where it is now (an organizer may have
   sorted or inserted rows), and stops the run (it reads again and recomputes) if the
   columns moved, an organizer typed a row with an id the run was about to give a new row
   (ids are handed out as the highest seen plus one), or an organizer's cell the run may
   move on (a proposal it withdraws: TabChanges.expect) no longer holds what was read;
4. one `spreadsheets.batchUpdate`, atomic: addSheet and appendDimension (columns) as
   needed, then per tab updateCells of the changed cells and appendCells of the new rows,
   values as userEnteredValue (stringValue for text, so form text never becomes a formula;
   dates as serial numbers with their number format, DATED_FIELDS).
   It is split only where a payload passes about 6 MB (MAX_PAYLOAD); the Run log row
   travels in the last part. When the tabs' formatting is due (init, or the first run
   after an upgrade changed it: Backend.formats_applied), its requests follow the cells in
   the last part (backends.google_format); spreadsheets.get reads what it needs.

The Sheets API has no conditional write: nothing makes a batchUpdate apply only if the sheet
is still as the check saw it. An organizer who inserts or deletes rows in the second between
the check and the batchUpdate can shift that write's updates by a row (appended rows are
safe: appendCells finds the tab's end itself), and one who types a status in that second
can see it replaced. The check keeps that window to one request.

Google does not say whether a batchUpdate that got no answer (a timeout, a dropped
connection, a 5xx) was applied, and sending it again could append rows twice. So it is
resent unread only after a 429; otherwise the write waits (the retry policy's backoff),
reads the sheet again (spreadsheets.get and the check, of whole tabs this time), drops the
rows the lost write had written (the same cells under the same id) and sends what is
missing, as long as the policy's attempts and its ~70 s budget last.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import random
import re
import shlex
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

import google.auth.exceptions
from google.oauth2 import service_account
from gspread import Client
from gspread.exceptions import APIError
from gspread.http_client import HTTPClientType, ParamsType
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from sheetsync.backends.base import (
    SHEETS_CELL_LIMIT,
    TabChanges,
    TabData,
    TabNow,
    Value,
    changes_to_write,
    checked_columns,
    missing_tab_error,
    readdress,
    storable_text,
    tab_now,
)
from sheetsync.backends.formats import DATE_PATTERN, DATETIME_PATTERN, FormatPlan
from sheetsync.backends.google_format import (
    METADATA_FIELDS,
    FormatsFound,
    format_requests,
    formats_found,
)
from sheetsync.backends.google_http import RetryPolicy, SheetsHTTPClient
from sheetsync.errors import (
    AccessDeniedError,
    BackendError,
    ConfigError,
    MissingTabError,
    PartlyWrittenError,
    SheetChangedError,
    SheetsyncError,
    UnconfirmedWriteError,
)
from sheetsync.files import open_to_others

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
ENDPOINT_ENV = "SHEETSYNC_GOOGLE_ENDPOINT"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
# Where a write is split. Google sets no hard size for a Sheets request (its front end
# refuses bodies over 10 MiB) and recommends 2 MB "to speed up requests". CellData
# (appendCells) takes about 2.5 times the bytes of the RAW values sent before, so 2 MB
# would split an M network's first run in three. 6 MB keeps it one atomic request (5.4 MB
# since the follow-up columns: days open, escalations) and stays well under the hard limit.
MAX_PAYLOAD = 6_000_000
# Raw values: numbers as numbers, dates as serial numbers (days since 1899-12-30, in the
# spreadsheet's time zone), so nothing depends on the spreadsheet's locale.
READ_OPTIONS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
SHEETS_EPOCH = dt.datetime(1899, 12, 30)
NEW_TAB_ROWS = 1000
# New tabs get a few spare columns for organizers' own notes, not Google's usual 26: a
# spreadsheet holds at most 10 million cells, counted on grid size, and big networks get near.
SPARE_COLUMNS = 4
# Written cells take their value only: formats and notes organizers set stay as they are.
CELL_FIELDS = "userEnteredValue"
# Dates also take their number format where sheetsync writes them: the formatting plan
# formats only the rows a tab has when it runs, so a serial in a row appended later would
# show as 46350.42. Appended rows holding a date, and runs of updated date cells, are written
# with this mask. In such a row the other cells, an empty date cell among them, get no number
# format (Google's automatic one, which shows a number as it is); an update that later writes
# a date there gives it its format. An update sets the number format of the date cells it
# writes (sheetsync's own columns) and nothing else of any cell's format. The patterns are
# the formatting plan's (backends.formats).
DATED_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
DATE_FORMAT = {"type": "DATE", "pattern": DATE_PATTERN}
DATETIME_FORMAT = {"type": "DATE_TIME", "pattern": DATETIME_PATTERN}
RUN_AGAIN = "Nothing was written. Run the job again: sheetsync will read the sheet afresh."
_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_KEY = re.compile(r"[A-Za-z0-9_-]{20,}")

T = TypeVar("T")
log = logging.getLogger(__name__)


def spreadsheet_key(text: str) -> str:
    """The spreadsheet's key, from the key itself or from its address."""
    text = text.strip()
    found = _KEY_IN_URL.search(text)
    if found:
        return found.group(1)
    if _KEY.fullmatch(text):
        return text
    raise ConfigError(
        f"{text!r} is not a Google spreadsheet key or address. Copy the sheet's address "
        "from the browser (https://docs.google.com/spreadsheets/d/KEY/edit), or just the KEY."
    )


def quote_tab(tab: str) -> str:
    """A tab name for A1 notation: always quoted, quotes doubled."""
    return "'" + tab.replace("'", "''") + "'"


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class SheetInfo:
    """A tab as spreadsheets.get describes it."""

    sheet_id: int
    title: str
    index: int
    rows: int
    cols: int


class GoogleBackend:
    """The Backend protocol on one Google spreadsheet, as a service account."""

    def __init__(
        self,
        spreadsheet: str,
        credentials: str | os.PathLike[str],
        *,
        endpoint: str | None = None,
        policy: RetryPolicy | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.key = spreadsheet_key(spreadsheet)
        self.credentials_path = Path(credentials)
        self.endpoint = endpoint
        self._client_options: dict[str, Any] = {"policy": policy, "timeout": timeout}
        if sleep is not None:
            self._client_options["sleep"] = sleep
        if clock is not None:  # tests pass a fake clock with a fake sleep
            self._client_options["clock"] = clock
        self._http: SheetsHTTPClient | None = None
        self._sheets: dict[str, SheetInfo] | None = None
        self.client_email = ""
        self.token_uri = ""
        self.properties: dict[str, Any] = {}  # title, locale, timeZone of the spreadsheet
        self._found: FormatsFound | None = None  # sheetsync's formatting, as last fetched

    # The Backend protocol

    def describe(self) -> str:
        title = self.properties.get("title")
        return (
            f"Google spreadsheet {title!r} ({self.key})"
            if title
            else (f"Google spreadsheet {self.key}")
        )

    def tab_tokens(self) -> None:
        """The Sheets API has no cheap token of a tab's cells: a run hashes what it reads."""
        return None

    def list_tabs(self) -> list[str]:
        """The tabs in the spreadsheet's order (one spreadsheets.get, kept for the run)."""
        sheets = self._fetch_metadata()
        return [s.title for s in sorted(sheets.values(), key=lambda s: s.index)]

    def read_tabs(self, names: Iterable[str]) -> dict[str, TabData]:
        """Every named tab in one values.batchGet; a missing tab raises MissingTabError."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        sheets = self._known_sheets()
        for name in wanted:
            if name not in sheets:
                raise self._missing_tab(name, list(sheets))
        body = self._call(
            "read the tabs",
            lambda: self.http.values_batch_get(
                self.key, [quote_tab(n) for n in wanted], params=dict(READ_OPTIONS)
            ),
        )
        ranges = body.get("valueRanges", [])
        return {
            name: TabData(name, [list(row) for row in ranges[i].get("values", [])])
            for i, name in enumerate(wanted)
        }

    @property
    def formats_applied(self) -> str | None:
        """The formatting version stored in the spreadsheet (see Backend): its developer
        metadata, from this run's spreadsheets.get (or one now)."""
        if self._found is None:
            self._fetch_metadata()
        return self._found.version if self._found else None

    def apply(self, changes: Sequence[TabChanges], formats: FormatPlan | None = None) -> None:
        """Write all changes in one spreadsheets.batchUpdate (see the module docstring);
        with `formats`, their requests go after the changes in the same batchUpdate."""
        todo = changes_to_write(changes)
        if not todo and formats is None:
            return
        try:
            self._write(todo, formats)
        finally:
            self._sheets = None  # the next read fetches the tabs afresh
            self._found = None

    @property
    def time_zone(self) -> str | None:
        """The spreadsheet's time zone (its form Timestamps are wall-clock times there)."""
        return self.properties.get("timeZone")

    @property
    def notices(self) -> list[str]:
        """A warning when other users of this machine can read the key file."""
        notice = key_file_notice(self.credentials_path)
        return [notice] if notice else []

    # Connection

    @property
    def http(self) -> SheetsHTTPClient:
        """gspread's HTTP client for this spreadsheet, created on first use."""
        if self._http is None:
            credentials = self._load_credentials()
            factory = functools.partial(
                SheetsHTTPClient, endpoint=self._endpoint(), **self._client_options
            )
            client = Client(credentials, http_client=cast(HTTPClientType, factory))
            self._http = cast(SheetsHTTPClient, client.http_client)
        return self._http

    @property
    def requests_sent(self) -> int:
        """API requests sent so far, retries included (token requests not counted)."""
        return self._http.requests_sent if self._http else 0

    def _endpoint(self) -> str | None:
        return os.environ.get(ENDPOINT_ENV) or self.endpoint or None

    def _load_credentials(self) -> service_account.Credentials:
        path = self.credentials_path
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            # google-auth ships py.typed but leaves this classmethod unannotated: without the
            # ignore mypy --strict rejects the call, and the annotation keeps its Any out.
            credentials: service_account.Credentials = (
                service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                    info, scopes=list(SCOPES)
                )
            )
        except FileNotFoundError:
            raise ConfigError(
                f"The service account key file {path} does not exist. Set credentials under "
                f"[backend] in sheetsync.toml (or ${CREDENTIALS_ENV}) to the JSON key you "
                "downloaded from Google Cloud console (IAM & Admin → Service accounts → Keys)."
            ) from None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
            raise ConfigError(
                f"{path} is not a usable service account key ({type(err).__name__}: {err}). "
                "Download a new JSON key: Google Cloud console → IAM & Admin → Service "
                "accounts → your account → Keys → Add key → JSON."
            ) from err
        self.client_email = credentials.service_account_email
        self.token_uri = str(info.get("token_uri", ""))
        notice = key_file_notice(path)
        if notice:  # info, not warning: cron mails warnings, and tick reads it every few minutes
            log.info("%s", notice)
        if self._endpoint():
            # A local endpoint means an offline setup: skip google-auth's background
            # regional-access-boundary lookup, which would call a Google host. google-auth's
            # only switch is process-wide (an environment variable), so this instance's
            # private hook is replaced on purpose.
            credentials._is_regional_access_boundary_lookup_required = lambda: False  # type: ignore[method-assign]
        return credentials

    def _known_sheets(self) -> dict[str, SheetInfo]:
        """The tabs as read by this run's list_tabs, or read now."""
        return self._sheets if self._sheets is not None else self._fetch_metadata()

    def _fetch_metadata(self) -> dict[str, SheetInfo]:
        body = self._call(
            "open the spreadsheet",
            lambda: self.http.fetch_sheet_metadata(
                self.key,
                params={"fields": f"spreadsheetId,properties,sheets.properties,{METADATA_FIELDS}"},
            ),
        )
        self.properties = dict(body.get("properties", {}))
        self._found = formats_found(body)
        self._sheets = {}
        for sheet in body.get("sheets", []):
            props = sheet.get("properties", {})
            if props.get("sheetType", "GRID") != "GRID":
                continue  # charts and data-source sheets hold no cells
            grid = props.get("gridProperties", {})
            info = SheetInfo(
                sheet_id=int(props.get("sheetId", 0)),
                title=str(props.get("title", "")),
                index=int(props.get("index", 0)),
                rows=int(grid.get("rowCount", 0)),
                cols=int(grid.get("columnCount", 0)),
            )
            self._sheets[info.title] = info
        return self._sheets

    def _call(self, what: str, request: Callable[[], T]) -> T:
        """Run one API call, turning Google's and google-auth's errors into sheetsync's."""
        try:
            return request()
        except APIError as err:
            raise self._api_error(what, err) from err
        except google.auth.exceptions.GoogleAuthError as err:
            raise AccessDeniedError(
                f"Could not get an access token for {self.client_email or 'the service account'} "
                f"from {self.token_uri or 'Google'}: {err}. Check the machine's network "
                f"connection, and that the key in {self.credentials_path} has not been deleted "
                "or disabled (Google Cloud console → IAM & Admin → Service accounts → Keys)."
            ) from err

    def _api_error(self, what: str, err: APIError) -> SheetsyncError:
        code = err.response.status_code
        message = str(err.error.get("message", "")) if isinstance(err.error, dict) else str(err)
        who = self.client_email or "the service account"
        reasons = _reasons(err)
        if code == 403 and "SERVICE_DISABLED" in reasons:
            return AccessDeniedError(
                f"The Google Sheets API is not enabled in {who}'s Google Cloud project (Google "
                f"said: {message}). Enable it: Google Cloud console → APIs & Services → Library "
                "→ Google Sheets API → Enable, then run again in a few minutes."
            )
        if code == 403 and what == "write the changes":
            return AccessDeniedError(
                f"The service account {who} can read spreadsheet {self.key} but not edit it "
                f"(Google said: {message}). Nothing was written. Share the spreadsheet with "
                f"{who} as Editor, not Viewer or Commenter."
            )
        if code == 403:
            return AccessDeniedError(
                f"The service account {who} may not open spreadsheet {self.key} (Google said: "
                f"{message}). Share the spreadsheet with {who} as Editor: open it in Google "
                "Sheets, click Share, paste that address and choose Editor."
            )
        if code == 404:
            return BackendError(
                f"Spreadsheet {self.key} was not found. Check spreadsheet under [backend] in "
                "sheetsync.toml: it is the long id in the sheet's address, between /d/ and /edit."
            )
        if code == 401:
            return AccessDeniedError(
                f"Google did not accept the credentials of {who} (Google said: {message}). "
                f"Download a new key for it and point credentials in sheetsync.toml at it."
            )
        if code == 400 and ("Unable to parse range" in message or "No grid with id" in message):
            return MissingTabError(
                f"A tab sheetsync uses was renamed or deleted while it was working (Google "
                f"said: {message}). {RUN_AGAIN} If you renamed it, rename it back or set the "
                "new name under [tabs] or [forms.NAME] in sheetsync.toml."
            )
        if code == 400 and "already exists" in message:
            return SheetChangedError(
                f"Someone created a tab sheetsync was about to create (Google said: "
                f"{message}). {RUN_AGAIN}"
            )
        # Google quotes a value it refused ("Invalid value at 'data[0].values[3]' … "…"):
        # the message goes to the log and the Run log, so quoted text is left out.
        said = re.sub(r'"[^"]*"', '"…"', message)
        return BackendError(
            f"Google Sheets refused to {what} in spreadsheet {self.key}: HTTP {code}: {said}"
        )

    def _missing_tab(self, tab: str, existing: list[str]) -> MissingTabError:
        return missing_tab_error(tab, existing, self.describe())

    # Writing

    def _write(self, todo: list[TabChanges], formats: FormatPlan | None = None) -> None:
        """Check the tabs and send the write; if Google does not confirm it, wait, read the
        sheet again and send what is missing, within the retry policy's bounds."""
        sheets = dict(self._known_sheets())
        began = self.http.clock()
        attempt = 0
        while True:
            attempt += 1
            ready = [c for c in self._readdressed(todo, sheets, attempt > 1) if not c.is_empty]
            if formats is not None and self._formatted(formats):
                formats = None  # a lost write had applied them
            if not ready and formats is None:
                return  # the lost write had been applied: everything is there
            try:
                self._send(ready, sheets, formats)
                return
            except UnconfirmedWriteError as err:
                wait = self._wait_to_resend(attempt, began, err)
                log.info("Google did not confirm the write (%s); reading the sheet again", err)
                self.http.sleep(wait)
                sheets = dict(self._fetch_metadata())

    def _wait_to_resend(self, attempt: int, began: float, err: UnconfirmedWriteError) -> float:
        """Seconds to wait before reading the sheet again, or the error past the policy's
        bounds (a 503 burst lasts seconds: tries without a wait would all fall in it)."""
        policy = self.http.policy
        spent = self.http.clock() - began
        left = policy.total_seconds - spent
        if attempt >= policy.attempts or left <= 0:
            raise UnconfirmedWriteError(
                f"{err} sheetsync read the sheet again and sent what was missing, {attempt} "
                f"tries over {spent:.0f} s, and Google confirmed none of them. Run the job "
                "again in a few minutes: it sees what was written and adds nothing twice."
            ) from err
        return min(policy.delay(attempt, None, self.http.rng), left)

    def _readdressed(
        self, todo: list[TabChanges], sheets: dict[str, SheetInfo], retry: bool
    ) -> list[TabChanges]:
        """The changes addressed against the tabs as they are now (one values.batchGet)."""
        existing = [_as_existing(c) if retry and c.create and c.tab in sheets else c for c in todo]
        for change in existing:
            if not change.create and change.tab not in sheets:
                raise self._missing_tab(change.tab, list(sheets))
        to_check = [c for c in existing if not c.create]
        now = self._read_whole(to_check) if retry else self._read_now(to_check)
        return [
            readdress(c, now[c.tab], retry=retry, as_stored=_as_read) if c.tab in now else c
            for c in existing
        ]

    def _read_now(self, changes: list[TabChanges]) -> dict[str, TabNow]:
        """Each tab's header row and its key, guarded and conditioned columns, whole, as
        they are now: one range each, all in one request."""
        wanted: list[tuple[str, int]] = []  # (tab, column); column 0 is the header row
        for change in changes:
            cols = checked_columns(change)
            wanted += [(change.tab, 0), *((change.tab, col) for col in sorted(cols))]
        answered = self._check([_range_of(tab, col) for tab, col in wanted])
        headers: dict[str, list[Value]] = {}
        columns: dict[str, dict[int, list[Value]]] = {}
        for (tab, col), rows in zip(wanted, answered, strict=True):
            if col == 0:
                headers[tab] = list(rows[0]) if rows else []
            else:
                columns.setdefault(tab, {})[col] = [row[0] if row else None for row in rows]
        return {
            tab: TabNow(header, columns.get(tab, {}), _last_row(header, columns.get(tab, {})))
            for tab, header in headers.items()
        }

    def _read_whole(self, changes: list[TabChanges]) -> dict[str, TabNow]:
        """Each tab whole, as it is now: a retry compares the rows a lost write may have
        written with its own, cell by cell. Retries are rare, so the bigger read is fine."""
        answered = self._check([quote_tab(change.tab) for change in changes])
        return {c.tab: tab_now(rows, c) for c, rows in zip(changes, answered, strict=True)}

    def _check(self, ranges: list[str]) -> list[list[list[Value]]]:
        """The rows of each range, in one values.batchGet."""
        if not ranges:
            return []
        body = self._call(
            "check the tabs before writing",
            lambda: self.http.values_batch_get(self.key, ranges, params=dict(READ_OPTIONS)),
        )
        answered = body.get("valueRanges", [])
        if len(answered) != len(ranges):
            raise BackendError(
                f"Google answered {len(answered)} ranges for the {len(ranges)} sheetsync asked "
                f"to check in spreadsheet {self.key}. {RUN_AGAIN}"
            )
        return [[list(row) for row in r.get("values", [])] for r in answered]

    def _formatted(self, formats: FormatPlan) -> bool:
        """Whether the spreadsheet already holds this formatting (a lost write applied it)."""
        return self._found is not None and self._found.version == formats.version

    def _send(
        self,
        ready: list[TabChanges],
        sheets: dict[str, SheetInfo],
        formats: FormatPlan | None = None,
    ) -> None:
        """One spreadsheets.batchUpdate, or several where the payload passes MAX_PAYLOAD;
        the formatting goes last, after the cells (and tabs) it formats exist."""
        structure = self._plan_structure(ready, sheets)
        parts = _batches(ready, sheets, structure, MAX_PAYLOAD)
        if formats is not None:
            ids = {title: info.sheet_id for title, info in sheets.items()}
            styling = format_requests(formats, ids, self._found or FormatsFound())
            parts = [*parts[:-1], [*parts[-1], *styling]] if parts else [styling]
        for number, part in enumerate(parts, start=1):
            try:
                self._call("write the changes", lambda part=part: self._batch_update(part))  # type: ignore[misc]
            except UnconfirmedWriteError:
                raise  # _write reads the sheet again and sends what is missing
            except BackendError as err:
                if number == 1:
                    raise
                raise PartlyWrittenError(
                    f"{err} This run's changes were too big for one request: parts 1 to "
                    f"{number - 1} of {len(parts)} were written, the rest and the Run log "
                    "row were not. Run the job again: records are keyed by their form "
                    "response, so it completes the rest without adding anything twice."
                ) from err

    def _batch_update(self, requests: list[dict[str, Any]]) -> Any:
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        # Only the id back: the replies of thousands of requests are of no use here.
        params: ParamsType = {"fields": "spreadsheetId"}
        # Compact UTF-8 JSON: CellData is wordy, and every byte counts towards MAX_PAYLOAD.
        data = _compact({"requests": requests})
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        return self.http.request("post", url, params=params, data=data, headers=headers).json()

    def _plan_structure(
        self, todo: list[TabChanges], sheets: dict[str, SheetInfo]
    ) -> list[dict[str, Any]]:
        """addSheet and appendDimension requests, so every cell written lands inside the grid.

        appendCells inserts the rows it needs itself; columns must be there beforehand.
        """
        requests: list[dict[str, Any]] = []
        used = {s.sheet_id for s in sheets.values()}
        for change in todo:
            rows, cols = _extent(change)
            if change.create:
                new = self._new_tab(change, sheets, used, cols)
                requests.append(_add_sheet(new))
                sheets[change.tab] = new
                continue
            info = sheets.get(change.tab)
            if info is None:
                raise self._missing_tab(change.tab, list(sheets))
            if rows > info.rows:
                requests.append(_append_dimension(info.sheet_id, "ROWS", rows - info.rows))
            if cols > info.cols:
                requests.append(_append_dimension(info.sheet_id, "COLUMNS", cols - info.cols))
        return requests

    def _new_tab(
        self, change: TabChanges, sheets: dict[str, SheetInfo], used: set[int], cols: int
    ) -> SheetInfo:
        clash = [t for t in sheets if t.casefold() == change.tab.casefold()]
        if clash:
            raise SheetChangedError(
                f"Tab {clash[0]!r} already exists in {self.describe()}: it was created "
                f"while sheetsync was working. {RUN_AGAIN}"
            )
        sheet_id = _new_sheet_id(used)
        used.add(sheet_id)
        return SheetInfo(sheet_id, change.tab, len(sheets), NEW_TAB_ROWS, cols + SPARE_COLUMNS)


def _as_existing(change: TabChanges) -> TabChanges:
    """A tab to create that exists now (the write that created it lost its answer): its
    header and keyed rows are dropped by readdress if they are there."""
    return replace(change, create=False, start_row=1, header=[])


def _range_of(tab: str, col: int) -> str:
    """'Tab'!1:1 for the header row (col 0), 'Tab'!C:C for a whole column."""
    if col == 0:
        return f"{quote_tab(tab)}!1:1"
    letter = column_letter(col)
    return f"{quote_tab(tab)}!{letter}:{letter}"


def _last_row(header: list[Value], columns: dict[int, list[Value]]) -> int:
    """The last row holding anything among the cells read (appendCells finds the real end:
    a row typed with only other columns filled still goes above the appended rows)."""
    last = 1 if any(v not in (None, "") for v in header) else 0
    for cells in columns.values():
        filled = [i + 1 for i, v in enumerate(cells) if v not in (None, "")]
        last = max([last, *filled])
    return last


def _extent(change: TabChanges) -> tuple[int, int]:
    """The rows and columns the grid must have before the write (appended rows excepted)."""
    rows = max((u.row for u in change.update), default=0)
    cols = max((len(row) for row in change.append), default=0)
    return rows, max([cols, *(u.col for u in change.update)])


def _add_sheet(new: SheetInfo) -> dict[str, Any]:
    grid = {"rowCount": new.rows, "columnCount": new.cols, "frozenRowCount": 1}
    properties = {"sheetId": new.sheet_id, "title": new.title, "gridProperties": grid}
    return {"addSheet": {"properties": properties}}


def _append_dimension(sheet_id: int, dimension: str, length: int) -> dict[str, Any]:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def _new_sheet_id(used: set[int]) -> int:
    rng = random.Random()
    while True:
        candidate = rng.randrange(1, 2**31 - 1)
        if candidate not in used:
            return candidate


class _Parts:
    """batchUpdate requests split into parts of at most `limit` bytes of JSON."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[list[dict[str, Any]]] = [[]]
        self.size = 0

    def room(self, cost: int) -> bool:
        return not self.parts[-1] or self.size + cost <= self.limit

    def add(self, request: dict[str, Any], cost: int | None = None) -> None:
        cost = _cost(request) if cost is None else cost
        if not self.room(cost):
            self.parts.append([])
            self.size = 0
        self.parts[-1].append(request)
        self.size += cost


def _compact(item: Any) -> bytes:
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _cost(item: Any) -> int:
    """Bytes of JSON as _batch_update sends it, with the comma before it."""
    return len(_compact(item)) + 1


APPEND_COST = 80  # an appendCells request's own keys, sheetId and fields


def _batches(
    todo: list[TabChanges],
    sheets: dict[str, SheetInfo],
    structure: list[dict[str, Any]],
    limit: int,
) -> list[list[dict[str, Any]]]:
    """The batchUpdate requests, in the order of the changes, split where a part passes `limit`.

    Grid changes come first, then per tab its updateCells and its appendCells. Appended rows
    fill each part up to the limit, so a big first run takes as few parts as its size allows.
    The last change (the Run log row) always travels in the last part.
    """
    parts = _Parts(limit)
    for request in structure:
        parts.add(request)
    for change in todo:
        sheet_id = sheets[change.tab].sheet_id
        for row, col, run in _runs(change):
            parts.add(_update_cells(sheet_id, row, col, run))
        block: list[dict[str, Any]] = []
        block_cost = APPEND_COST
        for values in change.append:
            row_data = {"values": [_cell_data(v) for v in values]}
            cost = _cost(row_data)
            if block and parts.size + block_cost + cost > parts.limit:
                parts.add(_append_cells(sheet_id, block), block_cost)
                block, block_cost = [], APPEND_COST
            block.append(row_data)
            block_cost += cost
        if block:
            parts.add(_append_cells(sheet_id, block), block_cost)
    return [part for part in parts.parts if part]


def _update_cells(sheet_id: int, row: int, col: int, run: list[dict[str, Any]]) -> dict[str, Any]:
    start = {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": col - 1}
    fields = DATED_FIELDS if _has_dates(run) else CELL_FIELDS
    return {"updateCells": {"start": start, "rows": [{"values": run}], "fields": fields}}


def _append_cells(sheet_id: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """New rows; with the date mask where they hold a date (a new row has no organizer's
    format to keep)."""
    fields = DATED_FIELDS if any(_has_dates(row["values"]) for row in rows) else CELL_FIELDS
    return {"appendCells": {"sheetId": sheet_id, "rows": rows, "fields": fields}}


def _has_dates(cells: list[dict[str, Any]]) -> bool:
    return any("userEnteredFormat" in cell for cell in cells)


def _runs(change: TabChanges) -> Iterable[tuple[int, int, list[dict[str, Any]]]]:
    """Cell updates merged into runs of adjacent cells on the same row; a run holds dates
    only or no dates, so that only the date cells take a number format (the other cells'
    formats, an organizer's among them, stay)."""
    cells = sorted(change.update, key=lambda u: (u.row, u.col))
    run: tuple[int, int, list[dict[str, Any]]] | None = None
    for update in cells:
        value = _cell_data(update.value)
        if (
            run
            and run[0] == update.row
            and run[1] + len(run[2]) == update.col
            and _has_dates(run[2]) == _has_dates([value])
        ):
            run[2].append(value)
            continue
        if run:
            yield run
        run = (update.row, update.col, [value])
    if run:
        yield run


def _cell_data(value: Value) -> dict[str, Any]:
    """A CellData whose userEnteredValue is `value` as a RAW write would store it: text stays
    text (stringValue is never parsed, so "=1+1" is not a formula), dates become serial
    numbers with their number format (see DATED_FIELDS), and None or "" is an empty CellData,
    which clears the cell."""
    value = _as_written(value)
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, dt.datetime | dt.date):
        number_format = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        return {
            "userEnteredValue": {"numberValue": _serial(value)},
            "userEnteredFormat": {"numberFormat": dict(number_format)},
        }
    return {"userEnteredValue": {"stringValue": str(value)}}


def _as_written(value: Value) -> Value:
    """Text cleaned as both backends clean it (no lone surrogate can break the JSON), and
    short enough for a Sheets cell."""
    return storable_text(value, SHEETS_CELL_LIMIT) if isinstance(value, str) else value


def _as_read(value: Value) -> Value:
    """A cell as the check reads it back once written: dates as serial numbers."""
    value = _as_written(value)
    if isinstance(value, dt.datetime | dt.date):
        return _serial(value)
    return value


def _serial(value: dt.date) -> float | int:
    """A date or date-time as a Sheets serial number (days since 1899-12-30)."""
    if isinstance(value, dt.datetime):
        return round((value.replace(tzinfo=None) - SHEETS_EPOCH).total_seconds() / 86400, 8)
    return (value - SHEETS_EPOCH.date()).days


def key_file_notice(path: Path) -> str:
    """A warning for a service account key other users of this machine can read or change
    (anyone who reads it can open the spreadsheet as sheetsync); "" when it is private."""
    if not open_to_others(path):
        return ""
    mode = stat.S_IMODE(path.stat().st_mode)
    return (
        f"The service account key {path} is open to other users of this machine (mode "
        f"{mode:o}): whoever reads it can open the spreadsheet as sheetsync. Make it yours "
        f"alone: chmod 600 {shlex.quote(str(path))}"
    )


def open_google_backend(
    spreadsheet: str, credentials: str | os.PathLike[str] | None, endpoint: str | None
) -> GoogleBackend:
    """A GoogleBackend, with the key file from the config or $GOOGLE_APPLICATION_CREDENTIALS."""
    path = credentials or os.environ.get(CREDENTIALS_ENV)
    if not path:
        raise ConfigError(
            'No service account key: set credentials = "service-account.json" under '
            f"[backend] in sheetsync.toml, or ${CREDENTIALS_ENV}. The README's Google Sheets "
            "section shows how to create one."
        )
    return GoogleBackend(spreadsheet, path, endpoint=endpoint)


def _reasons(err: APIError) -> set[str]:
    """The ErrorInfo reasons in a Google error body, e.g. SERVICE_DISABLED."""
    details = err.error.get("details", []) if isinstance(err.error, dict) else []
    return {str(d.get("reason", "")) for d in details if isinstance(d, dict)}
