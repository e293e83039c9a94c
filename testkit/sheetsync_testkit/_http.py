"""The emulator's HTTP side: a threading server on 127.0.0.1, routing of Google's URLs."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Incoming:
    """A request as received: its kind ('values.get', 'token', 'unknown'...), path parameters
    (spreadsheet 'id', 'range'), the raw body and the Authorization header."""

    kind: str
    method: str
    path: str  # percent-decoded
    query: dict[str, list[str]]
    params: dict[str, str]
    raw: bytes
    authorization: str | None


@dataclass
class Answer:
    status: int
    body: Any = None  # JSON-able, or None for an empty body
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False  # close the connection without answering (a reset, as the client sees it)


def request_kind(method: str, path: str) -> str:
    """The kind of request a method and URL make: 'values.get', 'token', ..., 'unimplemented'
    for a Google method the emulator lacks, 'unknown' for anything else."""
    return route(method.upper(), urlsplit(path).path)[0]


def route(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    """(kind, path parameters) for a method and a raw (still percent-encoded) path."""
    parts = raw_path.split("/")
    if raw_path == "/token":
        return ("token", {}) if method == "POST" else ("unknown", {})
    if parts[1:3] == ["v4", "spreadsheets"]:
        return _route_sheets(method, parts[3:])
    if parts[1:4] == ["drive", "v3", "files"]:
        rest = parts[4:]
        if not rest and method == "POST":
            return "drive.files.create", {}
        if not rest and method == "GET":
            return "drive.files.list", {}
        if len(rest) == 1 and method in ("GET", "DELETE"):
            kind = "drive.files.get" if method == "GET" else "drive.files.delete"
            return kind, {"id": unquote(rest[0])}
    return "unknown", {}


def _route_sheets(method: str, raw: list[str]) -> tuple[str, dict[str, str]]:
    parts = [unquote(p) for p in raw]
    if not parts and method == "POST":
        return "unimplemented", {}  # spreadsheets.create: no recording to check it against
    if len(parts) == 1:
        if parts[0].endswith(":batchUpdate") and method == "POST":
            return "spreadsheets.batchUpdate", {"id": parts[0].removesuffix(":batchUpdate")}
        if method == "GET":
            return "spreadsheets.get", {"id": parts[0]}
    if len(parts) == 2:
        batch = {
            ("GET", "values:batchGet"): "values.batchGet",
            ("POST", "values:batchUpdate"): "values.batchUpdate",
            ("POST", "values:batchClear"): "values.batchClear",
        }.get((method, parts[1]))
        if batch:
            return batch, {"id": parts[0]}
    if len(parts) >= 3 and parts[1] == "values":
        # The range is one segment ('/' in a tab title arrives as %2F); ':append' and ':clear'
        # are read before decoding, so a ':' inside the range cannot pass for them.
        segment = "/".join(raw[2:])
        for suffix, kind in ((":append", "values.append"), (":clear", "values.clear")):
            if segment.endswith(suffix) and method == "POST":
                return kind, {"id": parts[0], "range": unquote(segment.removesuffix(suffix))}
        if method in ("GET", "PUT"):
            kind = "values.get" if method == "GET" else "values.update"
            return kind, {"id": parts[0], "range": unquote(segment)}
    if _UNIMPLEMENTED.fullmatch("/".join(parts)):
        return "unimplemented", {}
    return "unknown", {}


# Sheets methods the emulator lacks: it answers 501 rather than a misleading 404.
_UNIMPLEMENTED = re.compile(
    r"[^/]+:getByDataFilter|[^/]+/values:batch(Get|Update|Clear)ByDataFilter"
    r"|[^/]+/sheets/\d+:copyTo|[^/]+/developerMetadata(/.*|:search)?"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # with one buffered write per answer: no 40 ms ACK waits
    wbufsize = -1
    server: Server

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        kind, params = route(self.command, split.path)
        length = int(self.headers.get("Content-Length") or 0)
        incoming = Incoming(
            kind=kind,
            method=self.command,
            path=unquote(split.path),
            query=parse_qs(split.query, keep_blank_values=True),
            params=params,
            raw=self.rfile.read(length) if length else b"",
            authorization=self.headers.get("Authorization"),
        )
        self._send(self.server.respond(incoming))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _send(self, answer: Answer) -> None:
        if answer.drop:
            self.close_connection = True
            return
        payload = b"" if answer.body is None else json.dumps(answer.body, indent=2).encode()
        try:
            self.send_response(answer.status)
            if answer.body is not None:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client gave up (a timeout) or the emulator is stopping
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator keeps its own request log."""


class Server(ThreadingHTTPServer):
    """A threading HTTP server that closes its open keep-alive connections when stopped."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], respond: Callable[[Incoming], Answer]) -> None:
        super().__init__(address, _Handler)
        self.respond = respond
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.005},  # shutdown() waits up to one poll
            name="sheets-emulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, end every open connection, close the socket, join the threads."""
        self.shutdown()
        with self._open_lock:
            open_now = list(self._open.items())
        for sock, _ in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, thread in open_now:
            thread.join(timeout=5)
        self.server_close()
        if self._thread is not None:
            self._thread.join()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._open_lock:
            self._open[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(request, None)
