"""Scripted faults: the rules fail(), delay() and before() add, and Google's error bodies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sheetsync_testkit._http import Answer
from sheetsync_testkit._workbook import ApiError, JsonObject

READ_KINDS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})

# Status name and message Google's front end sends with each HTTP status.
STATUS_TEXT = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    408: ("DEADLINE_EXCEEDED", "Request timed out."),
    409: ("ABORTED", "The operation was aborted."),
    429: ("RESOURCE_EXHAUSTED", ""),  # message and details by quota_error()
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad Gateway"),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "Deadline exceeded."),
}


@dataclass
class Rule:
    """The next `times` requests of `kind` ('*': any but the token endpoint) get this."""

    kind: str
    times: int
    status: int = 0
    retry_after: float | None = None
    message: str | None = None
    seconds: float = 0.0
    callback: Callable[[Any], None] | None = None

    def matches(self, kind: str) -> bool:
        return self.kind == kind or (self.kind == "*" and kind != "token")


class Rules:
    """A thread-safe list of rules, each used up after `times` matching requests."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    def add(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def take(self, kind: str, *, first_only: bool = False) -> list[Rule]:
        """The rules matching this request (each counted down), in the order added."""
        with self._lock:
            taken = []
            for rule in list(self._rules):
                if rule.matches(kind):
                    taken.append(rule)
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                    if first_only:
                        break
            return taken


def quota_error(kind: str, message: str | None) -> ApiError:
    """Google's 429 for the per-user read or write quota."""
    what = "Read" if kind in READ_KINDS else "Write"
    default = (
        f"Quota exceeded for quota metric '{what} requests' and limit '{what} requests per "
        "minute per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:1000000000000'."
    )
    details: list[JsonObject] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": f"sheets.googleapis.com/{what.lower()}_requests",
                "quota_limit": f"{what}RequestsPerMinutePerUser",
                "quota_limit_value": "60",
                "quota_location": "global",
                "service": "sheets.googleapis.com",
                "consumer": "projects/1000000000000",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    return ApiError(429, message or default, "RESOURCE_EXHAUSTED", details)


def injected(kind: str, rule: Rule) -> Answer:
    """The answer fail() scripted: Google's error body for the status (the token endpoint
    answers in OAuth's shape), with Retry-After when asked for."""
    headers: tuple[tuple[str, str], ...] = ()
    if rule.retry_after is not None:
        seconds = rule.retry_after
        text = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        headers = (("Retry-After", text),)
    if kind == "token":
        error = {429: "rate_limit_exceeded"}.get(rule.status, "internal_failure")
        if rule.status < 500 and rule.status != 429:
            error = "invalid_grant"
        message = rule.message or STATUS_TEXT.get(rule.status, ("", "Backend Error"))[1]
        return Answer(rule.status, {"error": error, "error_description": message}, headers)
    if rule.status == 429:
        return Answer(429, quota_error(kind, rule.message).body(), headers)
    name, message = STATUS_TEXT.get(rule.status, ("UNKNOWN", "Unknown error."))
    return Answer(rule.status, ApiError(rule.status, rule.message or message, name).body(), headers)
