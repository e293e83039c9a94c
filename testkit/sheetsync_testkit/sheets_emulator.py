"""A local Google Sheets API v4 emulator (with its OAuth token endpoint and the few Drive v3
calls clients make) that answers the way Google does, as real recorded traffic shows.

    with SheetsEmulator() as emulator:
        key = write_service_account_key(tmp_path / "key.json", emulator)
        book = emulator.create_spreadsheet("Network", editors=[key["client_email"]])
        # point the client at emulator.url for https://sheets.googleapis.com and
        # https://www.googleapis.com; the key file's token_uri is the emulator's

Pure stdlib: http.server in a daemon thread, state in memory. tests/test_sheets_emulator.py
replays 93 recordings of the real API against it. Where Google's behaviour is not recorded:

- a read, clear or write naming cells outside the grid answers 400 "exceeds grid limits";
  open sides ('A2:Z', 'A:A', 'Tab') run to the grid's edge instead;
- arithmetic formulas ('=4/2', '= 1 / 1024') are computed; any other formula is stored and
  every render option gives back its text (no function library, no cell references);
- USER_ENTERED parses numbers, grouped numbers, percents, TRUE/FALSE, a leading "'",
  dates with a four-digit year (ISO or the locale's order), times; not currencies;
- FORMATTED values follow the locale for en_US, day-first English (en_GB, en_AU...), es, fr
  and de (dates, decimal comma); any other locale formats like en_US;
- values.append appends below the filled region touching the range that ends lowest (then
  rightmost), as the recordings show for a gap in the first row;
- delay() applies a request at once and answers late: a client that timed out may retry a
  write that has already happened, as with Google; lose_answer() applies it and then drops
  the connection or answers a 5xx, as a Google front end may after the work is done;
- appendCells appends below the last row holding a value in the whole sheet and inserts the
  rows it needs; wider rows than the grid answer 400 (Google's wording, seen in a public
  bug report); a cell of more than 50,000 characters answers 400;
- batchUpdate errors carry Google's 'Invalid requests[i].<request>: ' prefix; a request or
  method Google has but the emulator lacks answers 501 UNIMPLEMENTED, never a silent no-op.
"""

from __future__ import annotations

import json
import random
import secrets
import string
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sheetsync_testkit import _api, _drive
from sheetsync_testkit._a1 import MAX_COLUMNS, parse_bounds
from sheetsync_testkit._auth import Authority, OAuthError, PublicKey, Token, require_scope
from sheetsync_testkit._batch import new_sheet_id
from sheetsync_testkit._cells import Cell, python_cell, python_value, user_entered_cell
from sheetsync_testkit._faults import READ_KINDS, Rule, Rules, injected
from sheetsync_testkit._http import Answer, Incoming, Server, request_kind
from sheetsync_testkit._workbook import (
    ApiError,
    JsonObject,
    Sheet,
    Spreadsheet,
    invalid,
    new_sheet_props,
)

__all__ = [
    "DRIVE_KINDS",
    "KINDS",
    "SHEETS_KINDS",
    "EmulatorRequest",
    "SheetsEmulator",
    "request_kind",
    "write_service_account_key",
]

SHEETS_KINDS = frozenset(
    {
        "spreadsheets.get",
        "spreadsheets.batchUpdate",
        "values.get",
        "values.batchGet",
        "values.update",
        "values.batchUpdate",
        "values.append",
        "values.clear",
        "values.batchClear",
    }
)
DRIVE_KINDS = frozenset(
    {"drive.files.create", "drive.files.get", "drive.files.list", "drive.files.delete"}
)
KINDS = SHEETS_KINDS | DRIVE_KINDS | {"token"}
_ID_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class EmulatorRequest:
    """One request as the emulator received and answered it."""

    kind: str  # one of KINDS, 'unimplemented' or 'unknown'
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, list[str]]
    body: Any  # parsed JSON, the form fields of a token request, or None
    body_bytes: int
    status: int
    spreadsheet_id: str | None = None
    client_email: str | None = None  # whose access token it carried


class SheetsEmulator:
    """Google Sheets API v4 on 127.0.0.1: start(), point a client at url, stop().

    requests keeps every request, failed ones included. fail(), delay(), lose_answer() and
    before() script the next requests of a kind (one of KINDS, or '*' for any but the token
    endpoint).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[EmulatorRequest] = []
        self.errors: list[BaseException] = []  # before() callbacks that raised; emulator bugs
        self._lock = threading.RLock()
        self._books: dict[str, Spreadsheet] = {}
        self._authority = Authority()
        self._rng = random.Random()
        self._fails = Rules()
        self._delays = Rules()
        self._befores = Rules()
        self._losses = Rules()
        self._server: Server | None = None
        self._stopping = threading.Event()

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """'http://127.0.0.1:PORT', the base of /v4/spreadsheets/... and /drive/v3/files."""
        if self._server is None:
            raise RuntimeError("SheetsEmulator.url is known once start() has run.")
        return f"http://{self.host}:{self._server.port}"

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def start(self) -> SheetsEmulator:
        if self._server is None:
            self._stopping.clear()
            self._server = Server((self.host, self.port), self._respond)
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; a delayed answer is cut short."""
        if self._server is not None:
            self._stopping.set()
            self._server.stop()
            self._server = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- direct access (a person at the Sheets UI, or Google Forms) ---------------------------

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        *,
        sheets: Mapping[str, Sequence[Sequence[object]]] | None = None,
        locale: str = "en_US",
        time_zone: str = "America/New_York",
        editors: Iterable[str] = (),
        spreadsheet_id: str | None = None,
        rows: int = 1000,
        cols: int = 26,
    ) -> str:
        """A new spreadsheet; returns its id (44 characters, like Google's). Each tab is
        rows x cols, grown to fit its data. Only editors (client emails) may use it through
        the API; share() adds one."""
        with self._lock:
            book_id = spreadsheet_id or "1" + "".join(secrets.choice(_ID_CHARS) for _ in range(43))
            if book_id in self._books:
                raise ValueError(f"A spreadsheet with id {book_id!r} already exists.")
            props = {"title": title, "locale": locale, "autoRecalc": "ON_CHANGE"}
            props["timeZone"] = time_zone
            book = Spreadsheet(book_id, props, [], set(editors))
            for index, (tab, values) in enumerate((sheets or {"Sheet1": []}).items()):
                sheet_id = 0 if index == 0 else new_sheet_id(book, self._rng)
                sheet = Sheet(new_sheet_props(sheet_id, tab, index, rows, cols))
                book.sheets.append(sheet)
                self._put(book, sheet, 0, 0, values)
            book.check_cell_limit()
            self._books[book_id] = book
            return book_id

    def share(self, spreadsheet_id: str, email: str) -> None:
        """Give a service account (its client_email) editor access."""
        with self._lock:
            self._book(spreadsheet_id).editors.add(email)

    def values(self, spreadsheet_id: str, tab: str) -> list[list[object]]:
        """A tab's stored cells: str, int, float, bool, datetime (date-time cells), date, time,
        or a formula's text; '' for an empty cell before a filled one; trailing empty cells
        and rows trimmed."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, tab)
            rows, cols = sheet.extent()
            grid: list[list[object]] = [["" for _ in range(cols)] for _ in range(rows)]
            for (r, c), cell in sheet.cells.items():
                grid[r][c] = python_value(cell)
            for row in grid:
                while row and row[-1] == "":
                    row.pop()
            return grid

    def set_values(
        self,
        spreadsheet_id: str,
        tab: str,
        start: str,
        rows: Sequence[Sequence[object]],
        *,
        user_entered: bool = False,
    ) -> None:
        """Edit cells from start ('A2') on, growing the grid as needed. The Python type decides
        the cell: datetime -> a date-time cell (serial number shown in the locale's format,
        like a Forms Timestamp; an aware one is converted to the spreadsheet's time zone),
        date, time, int, float, bool, str (always text, even '=1+1' or '42', unless
        user_entered=True parses it as if typed). None leaves a cell alone, '' empties it."""
        bounds = parse_bounds(start)
        if bounds is None or bounds.row0 is None or bounds.col0 is None:
            raise ValueError(f"start must be a cell such as 'A2', not {start!r}")
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet = self._sheet(spreadsheet_id, tab)
            self._put(book, sheet, bounds.row0, bounds.col0, rows, user_entered=user_entered)
            book.touch()

    def _put(
        self,
        book: Spreadsheet,
        sheet: Sheet,
        row0: int,
        col0: int,
        rows: Sequence[Sequence[object]],
        *,
        user_entered: bool = False,
    ) -> None:
        width = max((len(row) for row in rows), default=0)
        if rows and width:
            sheet.grow_to(row0 + len(rows), min(col0 + width, MAX_COLUMNS))
        time_zone = str(book.props.get("timeZone", "Etc/GMT"))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                cell: Cell | None
                if user_entered:
                    cell = user_entered_cell(value, book.locale)
                else:
                    cell = python_cell(value, book.locale, time_zone)
                sheet.put(row0 + i, col0 + j, cell)

    def add_sheet(
        self, spreadsheet_id: str, title: str, rows: Sequence[Sequence[object]] = ()
    ) -> None:
        """Add a tab (1000 x 26, grown to fit rows) after the others, as a person would."""
        with self._lock:
            book = self._book(spreadsheet_id)
            if book.find_title(title) is not None:
                raise ValueError(f"{title!r} is already a tab of {spreadsheet_id}")
            sheet_id = new_sheet_id(book, self._rng)
            sheet = Sheet(new_sheet_props(sheet_id, title, len(book.sheets), 1000, 26))
            book.sheets.append(sheet)
            self._put(book, sheet, 0, 0, rows)
            book.touch()

    def rename_sheet(self, spreadsheet_id: str, old: str, new: str) -> None:
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet = self._sheet(spreadsheet_id, old)
            other = book.find_title(new)
            if other is not None and other is not sheet:
                raise ValueError(f"{new!r} is already a tab of {spreadsheet_id}")
            sheet.props["title"] = new
            book.touch()

    def grid(self, spreadsheet_id: str, tab: str) -> tuple[int, int]:
        """(rowCount, columnCount) of a tab."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, tab)
            return sheet.rows, sheet.cols

    def _book(self, spreadsheet_id: str) -> Spreadsheet:
        try:
            return self._books[spreadsheet_id]
        except KeyError:
            raise KeyError(f"No spreadsheet {spreadsheet_id!r} in the emulator") from None

    def _sheet(self, spreadsheet_id: str, tab: str) -> Sheet:
        book = self._book(spreadsheet_id)
        sheet = next((s for s in book.sheets if s.title == tab), None)
        if sheet is None:
            titles = [s.title for s in book.sheets]
            raise KeyError(f"No tab {tab!r} in spreadsheet {spreadsheet_id}; tabs: {titles}")
        return sheet

    # --- the request log and scripted faults ---------------------------------------------------

    def api_requests(self) -> list[EmulatorRequest]:
        """The requests but those to the token endpoint."""
        with self._lock:
            return [r for r in self.requests if r.kind != "token"]

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def fail(
        self,
        kind: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """The next `times` requests of this kind answer `status` with Google's error body for
        it (429 RESOURCE_EXHAUSTED with quota details, 500 INTERNAL, 503 UNAVAILABLE...) and a
        Retry-After header when given. Nothing is applied."""
        self._fails.add(_checked(Rule(kind, times, status, retry_after, message)))

    def delay(self, kind: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` requests of this kind are applied at once but answered `seconds`
        late, so a client timeout fires after the work is done."""
        self._delays.add(_checked(Rule(kind, times, seconds=seconds)))

    def lose_answer(self, kind: str, status: int | None = None, *, times: int = 1) -> None:
        """The next `times` requests of this kind are applied, then their answer is lost: the
        connection is closed without one (status None), or Google's error body for `status`
        (500, 502, 503, 504) is sent instead of the result. A client cannot tell whether the
        request was applied. A request that fails on its own is answered as usual."""
        self._losses.add(_checked(Rule(kind, times, status or 0)))

    def before(
        self, kind: str, callback: Callable[[SheetsEmulator], None], *, times: int = 1
    ) -> None:
        """Call callback(emulator) just before each of the next `times` requests of this kind
        is handled (an organizer editing between a run's read and its write). A rule a
        callback adds applies from the following request on."""
        self._befores.add(_checked(Rule(kind, times, callback=callback)))

    # --- accounts -----------------------------------------------------------------------------

    def register_public_key(self, client_email: str, modulus: int, exponent: int) -> None:
        """Let a service account get tokens: its JWTs are checked against this RSA key."""
        with self._lock:
            self._authority.register(client_email, PublicKey(modulus, exponent))

    def expire_tokens(self) -> None:
        """Expire every access token issued so far (the next API call answers 401)."""
        with self._lock:
            self._authority.expire_all()

    # --- answering ----------------------------------------------------------------------------

    def _respond(self, incoming: Incoming) -> Answer:
        """Answer one request: before() callbacks, then a scripted failure or the real work;
        log it; then any delay()."""
        seen: dict[str, str] = {}
        body: Any = None
        try:
            body = _parse_body(incoming)
        except ApiError as err:
            answer = Answer(err.code, err.body())
        else:
            answer = self._answer(incoming, body, seen)
        record = EmulatorRequest(
            incoming.kind,
            incoming.method,
            incoming.path,
            incoming.query,
            body,
            len(incoming.raw),
            answer.status,
            seen.get("spreadsheet_id", incoming.params.get("id")),
            seen.get("client_email"),
        )
        with self._lock:
            self.requests.append(record)
        for rule in self._delays.take(incoming.kind):
            self._stopping.wait(rule.seconds)
        return answer

    def _answer(self, incoming: Incoming, body: Any, seen: dict[str, str]) -> Answer:
        for rule in self._befores.take(incoming.kind):
            assert rule.callback is not None
            try:
                rule.callback(self)
            except Exception as err:  # a broken test callback must not pass unseen
                self.errors.append(err)
                error = ApiError(500, f"before() callback raised {err!r}", "INTERNAL")
                return Answer(500, error.body())
        for rule in self._fails.take(incoming.kind, first_only=True):
            return injected(incoming.kind, rule)
        try:
            with self._lock:
                answer = self._handle(incoming, body, seen)
        except ApiError as err:
            return Answer(err.code, err.body())
        except OAuthError as err:
            return Answer(err.code, err.body)
        except Exception as err:  # an emulator bug: answer 500 and keep it for the test
            self.errors.append(err)
            message = f"Sheets emulator bug: {err!r}\n{traceback.format_exc()}"
            return Answer(500, ApiError(500, message, "INTERNAL").body())
        if answer.status < 400:
            for rule in self._losses.take(incoming.kind, first_only=True):
                return injected(incoming.kind, rule) if rule.status else Answer(0, drop=True)
        return answer

    def _handle(self, incoming: Incoming, body: Any, seen: dict[str, str]) -> Answer:
        kind, params = incoming.kind, incoming.params
        if kind == "token":
            form = body if isinstance(body, dict) else {}
            return Answer(200, self._authority.grant(form, self.token_uri))
        if kind == "unknown":
            return Answer(404, ApiError(404, "Method not found.", "NOT_FOUND").body())
        if kind == "unimplemented":
            message = "The Sheets emulator does not implement this method."
            return Answer(501, ApiError(501, message, "UNIMPLEMENTED").body())
        service = "drive.googleapis.com" if kind in DRIVE_KINDS else "sheets.googleapis.com"
        token = self._authority.caller(incoming.authorization, service)
        seen["client_email"] = token.email
        _check_scope(kind, incoming.method, token, service)
        if body is not None and not isinstance(body, dict):
            raise invalid("Invalid JSON payload received. Expected an object.")
        body = body or {}
        if kind in DRIVE_KINDS:
            return self._drive(incoming, body, token, seen)
        book = self._books.get(params["id"])
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if token.email not in book.editors:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return Answer(200, self._sheets(incoming, body, book, token.email))

    def _sheets(
        self, incoming: Incoming, body: JsonObject, book: Spreadsheet, caller: str = ""
    ) -> JsonObject:
        kind, params, query = incoming.kind, incoming.params, incoming.query
        if kind == "spreadsheets.get":
            return _api.get_spreadsheet(book, query)
        if kind == "values.get":
            return _api.values_get(book, params["range"], query)
        if kind == "values.batchGet":
            return _api.values_batch_get(book, query)
        work = book.copy()  # a write is committed only if all of it succeeds
        work.caller = caller  # a protected range's first editor is whoever added it
        if kind == "spreadsheets.batchUpdate":
            result = _api.batch_update(work, body, self._rng, query)
        elif kind == "values.update":
            result = _api.values_update(work, params["range"], query, body)
        elif kind == "values.batchUpdate":
            result = _api.values_batch_update(work, body)
        elif kind == "values.append":
            result = _api.values_append(work, params["range"], query, body)
        elif kind == "values.clear":
            result = _api.values_clear(work, params["range"], body)
        else:
            result = _api.values_batch_clear(work, body)
        work.touch()
        self._books[book.id] = work
        return result

    def _drive(
        self, incoming: Incoming, body: JsonObject, token: Token, seen: dict[str, str]
    ) -> Answer:
        kind, query = incoming.kind, incoming.query
        timestamps = bool(query.get("fields"))
        if kind == "drive.files.create":
            if body.get("mimeType") != _drive.SPREADSHEET_MIME:
                message = "The emulator's Drive only creates spreadsheets."
                raise ApiError(501, message, "UNIMPLEMENTED")
            title = str(body.get("name") or "Untitled spreadsheet")
            # Sheets made through Drive by a service account are en_US and Etc/GMT.
            book_id = self.create_spreadsheet(title, time_zone="Etc/GMT", editors=[token.email])
            seen["spreadsheet_id"] = book_id
            resource = _drive.file_resource(self._books[book_id], timestamps=False)
            return Answer(200, _api.masked(resource, query))
        if kind == "drive.files.list":
            q = query.get("q", [""])[-1]
            books = [b for b in self._books.values() if token.email in b.editors]
            books = sorted(
                (b for b in books if _drive.matches(b, q)), key=lambda b: b.modified, reverse=True
            )
            listing = {
                "kind": "drive#fileList",
                "incompleteSearch": False,
                "files": [_drive.file_resource(b, timestamps=timestamps) for b in books],
            }
            return Answer(200, _api.masked(listing, query))
        file_id = incoming.params["id"]
        book = self._books.get(file_id)
        if book is None or token.email not in book.editors:
            raise _drive.not_found(file_id)
        if kind == "drive.files.delete":
            del self._books[book.id]
            return Answer(204)
        return Answer(200, _api.masked(_drive.file_resource(book, timestamps=timestamps), query))


def _checked(rule: Rule) -> Rule:
    if rule.kind != "*" and rule.kind not in KINDS:
        raise ValueError(f"Unknown request kind {rule.kind!r}; kinds: {sorted(KINDS)}")
    if rule.times < 1:
        raise ValueError("times must be at least 1")
    return rule


def _check_scope(kind: str, method: str, token: Token, service: str) -> None:
    if kind in DRIVE_KINDS:
        readonly = ("drive.readonly", "drive.metadata.readonly") if method == "GET" else ()
        require_scope(token, ("drive", "drive.file", *readonly), service)
    else:
        readonly = ("spreadsheets.readonly", "drive.readonly") if kind in READ_KINDS else ()
        require_scope(token, ("spreadsheets", "drive", "drive.file", *readonly), service)


def _parse_body(incoming: Incoming) -> Any:
    if not incoming.raw:
        return None
    text = incoming.raw.decode("utf-8", errors="replace")
    if incoming.kind == "token":
        return {key: values[-1] for key, values in parse_qs(text).items()}
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise invalid(f"Invalid JSON payload received. {err.msg}.") from None


# --- the service-account key file -------------------------------------------------------------

_KEY_LOCK = threading.Lock()
_KEY_CACHE: dict[str, tuple[str, int, int]] = {}  # one RSA key per process: generating is slow


def _rsa_key() -> tuple[str, int, int]:
    """(PKCS#8 PEM, modulus, public exponent) of this process's RSA 2048 key."""
    with _KEY_LOCK:
        if "key" not in _KEY_CACHE:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            numbers = key.public_key().public_numbers()
            _KEY_CACHE["key"] = (pem, numbers.n, numbers.e)
        return _KEY_CACHE["key"]


def write_service_account_key(
    path: Path,
    emulator: SheetsEmulator,
    client_email: str = "sheetsync@mutual-aid-test.iam.gserviceaccount.com",
) -> dict[str, str]:
    """Write a service-account key file whose token_uri is the emulator's, let the emulator
    check that key's signatures, and return the file's contents."""
    pem, modulus, exponent = _rsa_key()
    info = {
        "type": "service_account",
        "project_id": client_email.split("@")[-1].split(".")[0],
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": client_email,
        "client_id": str(10**20 + secrets.randbelow(9 * 10**20)),  # 21 digits, like Google's
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": emulator.token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + client_email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    emulator.register_public_key(client_email, modulus, exponent)
    Path(path).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    Path(path).chmod(0o600)  # as the README says to keep a key (sheetsync warns otherwise)
    return info
