"""The Backend protocol on Google Sheets, through gspread and google-auth service accounts.

A run costs a constant number of API requests, whatever the data size:

1. `spreadsheets.get` (list_tabs): the tabs and their grid sizes;
2. `values.batchGet` (read_tabs): every tab in one request, raw values;
3. the check before writing, in one request: `values.batchGet` of the id cells about to be
   updated and of the rows just past each tab's end; or, when tabs must be created or grown,
   one `spreadsheets.batchUpdate` that grows them and returns the same cells in its answer;
4. `values.batchUpdate` with valueInputOption RAW (so form text never becomes a formula),
   split only where a payload passes about 2 MB. The Run log row travels in the last part.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import google.auth.exceptions
from google.oauth2 import service_account
from gspread import Client
from gspread.exceptions import APIError
from gspread.http_client import HTTPClientType, ParamsType
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from sheetsync.backends.base import (
    TabChanges,
    TabData,
    Value,
    changes_to_write,
    guard_text,
    missing_tab_error,
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
)
from sheetsync.files import open_to_others

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
ENDPOINT_ENV = "SHEETSYNC_GOOGLE_ENDPOINT"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
# Google advises keeping a request's payload under 2 MB.
MAX_PAYLOAD = 2_000_000
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
# Grown tabs get this many spare rows, so most runs need no grow request at all.
ROW_HEADROOM = 500
# Only what the check needs from a grow request's answer, not every cell's formats.
GROW_FIELDS = (
    "replies,updatedSpreadsheet(sheets(properties(sheetId,title),"
    "data(startRow,startColumn,rowData(values(effectiveValue,formattedValue)))))"
)
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
    ) -> None:
        self.key = spreadsheet_key(spreadsheet)
        self.credentials_path = Path(credentials)
        self.endpoint = endpoint
        self._client_options: dict[str, Any] = {"policy": policy, "timeout": timeout}
        if sleep is not None:
            self._client_options["sleep"] = sleep
        self._http: SheetsHTTPClient | None = None
        self._sheets: dict[str, SheetInfo] | None = None
        self.client_email = ""
        self.token_uri = ""
        self.properties: dict[str, Any] = {}  # title, locale, timeZone of the spreadsheet

    # The Backend protocol

    def describe(self) -> str:
        title = self.properties.get("title")
        return (
            f"Google spreadsheet {title!r} ({self.key})"
            if title
            else (f"Google spreadsheet {self.key}")
        )

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

    def apply(self, changes: Sequence[TabChanges]) -> None:
        """Check, grow, then write all changes (see Backend.apply and the module docstring)."""
        todo = changes_to_write(changes)
        if not todo:
            return
        sheets = dict(self._known_sheets())
        try:
            grow = self._plan_structure(todo, sheets)
            checks = _check_ranges(todo, sheets)
            if grow:
                found = self._grow_and_read(grow, checks)
            elif checks:
                found = self._read_checks(checks)
            else:
                found = []
            _verify(todo, checks, found)
            parts = _payloads(todo, MAX_PAYLOAD)
            for number, part in enumerate(parts, start=1):
                try:
                    self._call(
                        "write the changes",
                        lambda part=part: self.http.values_batch_update(  # type: ignore[misc]
                            self.key,
                            {
                                "valueInputOption": "RAW",
                                "data": part,
                                "includeValuesInResponse": False,
                            },
                        ),
                    )
                except BackendError as err:
                    if number == 1:
                        raise
                    raise PartlyWrittenError(
                        f"{err} This run's changes were too big for one request: parts 1 to "
                        f"{number - 1} of {len(parts)} were written, the rest and the Run log "
                        "row were not. Run the job again: records are keyed by their form "
                        "response, so it completes the rest without adding anything twice."
                    ) from err
        finally:
            self._sheets = None  # the next read fetches the tabs afresh

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
                self.key, params={"fields": "spreadsheetId,properties,sheets.properties"}
            ),
        )
        self.properties = dict(body.get("properties", {}))
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
        if code == 403 and what in ("write the changes", "create or grow tabs"):
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
        if code == 400 and "Unable to parse range" in message:
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

    def _plan_structure(
        self, todo: list[TabChanges], sheets: dict[str, SheetInfo]
    ) -> list[dict[str, Any]]:
        """addSheet and appendDimension requests, so every write lands inside the grid."""
        requests: list[dict[str, Any]] = []
        used = {s.sheet_id for s in sheets.values()}
        for change in todo:
            rows, cols = _extent(change)
            if change.create:
                clash = [t for t in sheets if t.casefold() == change.tab.casefold()]
                if clash:
                    raise SheetChangedError(
                        f"Tab {clash[0]!r} already exists in {self.describe()}: it was created "
                        f"while sheetsync was working. {RUN_AGAIN}"
                    )
                sheet_id = _new_sheet_id(used)
                used.add(sheet_id)
                new = SheetInfo(
                    sheet_id,
                    change.tab,
                    len(sheets),
                    max(NEW_TAB_ROWS, rows + ROW_HEADROOM),
                    cols + SPARE_COLUMNS,
                )
                requests.append(
                    {
                        "addSheet": {
                            "properties": {
                                "sheetId": new.sheet_id,
                                "title": new.title,
                                "gridProperties": {
                                    "rowCount": new.rows,
                                    "columnCount": new.cols,
                                    "frozenRowCount": 1,
                                },
                            }
                        }
                    }
                )
                sheets[change.tab] = new
                continue
            info = sheets.get(change.tab)
            if info is None:
                raise self._missing_tab(change.tab, list(sheets))
            more_rows = rows - info.rows
            more_cols = cols - info.cols
            if more_rows > 0:
                more_rows += ROW_HEADROOM
                requests.append(_append_dimension(info.sheet_id, "ROWS", more_rows))
            if more_cols > 0:
                requests.append(_append_dimension(info.sheet_id, "COLUMNS", more_cols))
        return requests

    def _grow_and_read(self, grow: list[dict[str, Any]], checks: list[Check]) -> list[Grid]:
        """Grow the grids; the same request's answer carries the cells to check.

        If the answer does not hold one block per range where it was asked, the cells are
        read with a separate values.batchGet instead: the check is never skipped.
        """
        body: dict[str, Any] = {"requests": grow}
        ranges = [check.a1 for check in checks]
        if ranges:
            body.update(
                includeSpreadsheetInResponse=True,
                responseRanges=ranges,
                responseIncludeGridData=True,
            )
        params: ParamsType | None = {"fields": GROW_FIELDS} if ranges else None
        answer = self._call(
            "create or grow tabs",
            lambda: self.http.request(
                "post", SPREADSHEET_BATCH_UPDATE_URL % self.key, json=body, params=params
            ).json(),
        )
        if not ranges:
            return []
        blocks: dict[str, list[Grid]] = {}
        for sheet in answer.get("updatedSpreadsheet", {}).get("sheets", []):
            title = sheet.get("properties", {}).get("title", "")
            blocks[title] = [_grid_from_data(data) for data in sheet.get("data", [])]
        found: list[Grid] = []
        taken: dict[str, int] = {}
        for check in checks:
            tab = check.change.tab
            i = taken.get(tab, 0)
            taken[tab] = i + 1
            tab_blocks = blocks.get(tab, [])
            if i >= len(tab_blocks) or (tab_blocks[i].row0, tab_blocks[i].col0) != (
                check.row0,
                check.col0,
            ):
                return self._read_checks(checks)
            found.append(tab_blocks[i])
        if any(len(blocks.get(tab, [])) != n for tab, n in taken.items()):
            return self._read_checks(checks)
        return found

    def _read_checks(self, checks: list[Check]) -> list[Grid]:
        ranges = [check.a1 for check in checks]
        body = self._call(
            "check the tabs before writing",
            lambda: self.http.values_batch_get(self.key, ranges, params=dict(READ_OPTIONS)),
        )
        answered = body.get("valueRanges", [])
        if len(answered) != len(checks):
            raise BackendError(
                f"Google answered {len(answered)} ranges for the {len(checks)} sheetsync asked "
                f"to check in spreadsheet {self.key}. {RUN_AGAIN}"
            )
        return [
            Grid(check.row0, check.col0, [list(r) for r in value_range.get("values", [])])
            for check, value_range in zip(checks, answered, strict=True)
        ]


@dataclass(frozen=True)
class Grid:
    """Cells read back for a check: rows[0][0] is the cell at (row0, col0), 0-based."""

    row0: int
    col0: int
    rows: list[list[Value]]

    def cell(self, row: int, col: int) -> Value:
        """The value at 1-based (row, col), None if outside what was read."""
        r, c = row - 1 - self.row0, col - 1 - self.col0
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def first_filled(self) -> tuple[int, Value] | None:
        """The first non-empty cell's 1-based row and value."""
        for r, row in enumerate(self.rows):
            for value in row:
                if value not in (None, ""):
                    return self.row0 + r + 1, value
        return None


def _extent(change: TabChanges) -> tuple[int, int]:
    """The rows and columns a change needs the grid to have."""
    rows = change.start_row - 1 + len(change.append)
    cols = max((len(row) for row in change.append), default=0)
    for update in change.update:
        rows, cols = max(rows, update.row), max(cols, update.col)
    return rows, cols


def _append_dimension(sheet_id: int, dimension: str, length: int) -> dict[str, Any]:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def _new_sheet_id(used: set[int]) -> int:
    rng = random.Random()
    while True:
        candidate = rng.randrange(1, 2**31 - 1)
        if candidate not in used:
            return candidate


@dataclass(frozen=True)
class Check:
    """A range to read back before writing: the rows past a tab's end, or guarded ids."""

    a1: str
    change: TabChanges
    past_end: bool
    row0: int  # where the range starts, 0-based, as Google's GridData says it
    col0: int = 0


def _check_ranges(todo: list[TabChanges], sheets: dict[str, SheetInfo]) -> list[Check]:
    """What to read back before writing: the rows past each tab's end, and the guarded ids."""
    checks: list[Check] = []
    for change in todo:
        if change.create:
            continue
        tab = quote_tab(change.tab)
        info = sheets[change.tab]
        if change.start_row <= info.rows:
            a1 = f"{tab}!{change.start_row}:{info.rows}"
            checks.append(Check(a1, change, True, change.start_row - 1))
        by_col: dict[int, list[int]] = {}
        for guard in change.guards:
            by_col.setdefault(guard.col, []).append(guard.row)
        for col, rows in sorted(by_col.items()):
            letter = column_letter(col)
            a1 = f"{tab}!{letter}{min(rows)}:{letter}{max(rows)}"
            checks.append(Check(a1, change, False, min(rows) - 1, col - 1))
    return checks


def _verify(todo: list[TabChanges], checks: list[Check], found: list[Grid]) -> None:
    """Raise SheetChangedError if a tab grew or a guarded id moved since it was read."""
    grids: dict[str, list[Grid]] = {}
    for check, grid in zip(checks, found, strict=True):
        change = check.change
        grids.setdefault(change.tab, []).append(grid)
        if check.past_end:
            filled = grid.first_filled()
            if filled is not None:
                row, _ = filled  # what it holds is not quoted: it may be anyone's answer
                raise SheetChangedError(
                    f"Tab {change.tab!r} changed while sheetsync was working: row {row} is "
                    f"filled now, past the end sheetsync read (row {change.start_row - 1}). "
                    f"{RUN_AGAIN}"
                )
    for change in todo:
        for guard in change.guards:
            actual: Value = None
            for grid in grids.get(change.tab, []):
                value = grid.cell(guard.row, guard.col)
                if value is not None:
                    actual = value
                    break
            if guard_text(actual).strip() != guard.expected.strip():
                cell = f"{column_letter(guard.col)}{guard.row}"
                raise SheetChangedError(
                    f"Tab {change.tab!r} changed while sheetsync was working: cell {cell} no "
                    f"longer holds {guard.expected!r} (rows were moved, inserted or deleted). "
                    f"{RUN_AGAIN}"
                )


class _Parts:
    """values.batchUpdate data split into parts of at most `limit` bytes of JSON."""

    RANGE_COST = 64  # a ValueRange's own keys and its A1 range, roughly

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[list[dict[str, Any]]] = [[]]
        self.size = 0

    def room(self, cost: int) -> bool:
        return not self.parts[-1] or self.size + cost <= self.limit

    def add(self, entry: dict[str, Any], cost: int) -> None:
        if not self.room(cost):
            self.parts.append([])
            self.size = 0
        self.parts[-1].append(entry)
        self.size += cost


def _payloads(todo: list[TabChanges], limit: int) -> list[list[dict[str, Any]]]:
    """values.batchUpdate data, in the order of the changes, split where a part passes `limit`.

    Appended rows fill each part up to the limit, so a big first run takes as few parts as
    its size allows. The last change (the Run log row) always travels in the last part.
    """
    parts = _Parts(limit)
    for change in todo:
        tab = quote_tab(change.tab)
        block: list[list[Any]] = []
        block_cost = _Parts.RANGE_COST
        first = change.start_row

        def flush(block: list[list[Any]], first: int, cost: int, tab: str = tab) -> None:
            width = max((len(r) for r in block), default=1) or 1
            a1 = f"{tab}!A{first}:{column_letter(width)}{first + len(block) - 1}"
            parts.add({"range": a1, "values": block}, cost)

        for i, values in enumerate(change.append):
            cells = [_to_json(v) for v in values]
            cost = len(json.dumps(cells)) + 2  # as requests sends it: ASCII, ", " separators
            if block and parts.size + block_cost + cost > parts.limit:
                flush(block, first, block_cost)
                block, block_cost, first = [], _Parts.RANGE_COST, change.start_row + i
            block.append(cells)
            block_cost += cost
        if block:
            flush(block, first, block_cost)
        for row, col, run in _runs(change):
            a1 = f"{tab}!{column_letter(col)}{row}:{column_letter(col + len(run) - 1)}{row}"
            entry = {"range": a1, "values": [run]}
            parts.add(entry, len(json.dumps(entry)) + 2)
    return [part for part in parts.parts if part]


def _runs(change: TabChanges) -> Iterable[tuple[int, int, list[Any]]]:
    """Cell updates merged into runs of adjacent cells on the same row."""
    cells = sorted((u.row, u.col, _to_json(u.value)) for u in change.update)
    run: tuple[int, int, list[Any]] | None = None
    for row, col, value in cells:
        if run and run[0] == row and run[1] + len(run[2]) == col:
            run[2].append(value)
            continue
        if run:
            yield run
        run = (row, col, [value])
    if run:
        yield run


def _to_json(value: Value) -> Any:
    """A cell for a RAW write: text stays text; "" clears; dates become serial numbers."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return round((value.replace(tzinfo=None) - SHEETS_EPOCH).total_seconds() / 86400, 8)
    if isinstance(value, dt.date):
        return (value - SHEETS_EPOCH.date()).days
    return value


def _grid_from_data(data: dict[str, Any]) -> Grid:
    """A GridData block of a spreadsheets.batchUpdate answer as a Grid of raw values."""
    rows: list[list[Value]] = []
    for row in data.get("rowData", []):
        rows.append([_effective(cell) for cell in row.get("values", [])])
    return Grid(int(data.get("startRow", 0)), int(data.get("startColumn", 0)), rows)


def _effective(cell: dict[str, Any]) -> Value:
    value = cell.get("effectiveValue") or cell.get("userEnteredValue") or {}
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in value:
            return cast(Value, value[kind])
    return cell.get("formattedValue")


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
