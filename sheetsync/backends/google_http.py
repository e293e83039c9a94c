"""gspread's HTTP client, made to point at any Sheets endpoint and to retry with bounds.

gspread takes the client class through its supported `http_client=` parameter, so nothing
here patches gspread's module constants. gspread 6.2.1's own BackOffHTTPClient is not used:
it retries a persistent 429 by recursion until Python's recursion limit.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import requests
from google.auth.credentials import Credentials
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType
from requests import Response, Session

from sheetsync.errors import GoogleUnavailableError, UnconfirmedWriteError

GOOGLE_SHEETS = "https://sheets.googleapis.com"
# Answers worth another try: quota (429), request timeout (408) and Google's own faults (5xx).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in total time and, but for 429, in attempts.

    70 s in all: Sheets' quotas are per minute, so a 429 lasting the rest of the window is
    waited out; the last wait is cut to what remains of the budget rather than given up. A
    429 is bounded by time only: a short Retry-After (1 s) must not use up the attempts long
    before the quota window turns.
    """

    attempts: int = 12
    total_seconds: float = 70.0
    first_delay: float = 1.0
    max_delay: float = 32.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1): the backoff,
        or Retry-After if Google asks for longer."""
        ceiling = min(self.max_delay, self.first_delay * 2 ** (attempt - 1))
        backoff = rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            return min(max(retry_after, backoff), self.max_delay * 2)
        return backoff


@dataclass(frozen=True)
class _Failure:
    """An attempt that did not succeed: what went wrong, and whether Google answered."""

    problem: str
    answered: bool
    status: int = 0
    retry_after: float | None = None


class SheetsHTTPClient(HTTPClient):
    """An HTTPClient with an endpoint override, bounded retries and a request counter."""

    def __init__(
        self,
        auth: Credentials,
        session: Session | None = None,
        *,
        endpoint: str | None = None,
        policy: RetryPolicy | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(auth, session)
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.requests_sent = 0  # every HTTP request to the Sheets API, retries included

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> Response:
        """Send one API call, retrying 429, 408, 5xx and timeouts within the policy's bounds.

        spreadsheets.batchUpdate is not idempotent (appendCells twice appends twice): it is
        sent again only after a 429, which Google did not apply; any other unconfirmed answer
        raises UnconfirmedWriteError so the caller re-reads the sheet before trying again.
        """
        url = self._url(endpoint)
        began = self.clock()
        attempt = 0
        while True:
            attempt += 1
            self.requests_sent += 1
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    json=json,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (google.auth.exceptions.RefreshError, google.auth.exceptions.TransportError):
                raise  # the token endpoint: GoogleBackend explains it with the key file's details
            except (requests.Timeout, requests.ConnectionError) as err:
                failure = _Failure(f"no answer ({type(err).__name__})", answered=False)
            else:
                if response.ok:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise APIError(response)
                failure = _Failure(
                    f"HTTP {response.status_code}",
                    answered=True,
                    status=response.status_code,
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
            if _not_idempotent(method, url) and failure.status != 429:
                raise UnconfirmedWriteError(
                    f"Google did not confirm a change to the spreadsheet ({failure.problem}); "
                    "it may or may not have been applied."
                )
            self.sleep(self._wait(attempt, failure, began, method))

    def _wait(self, attempt: int, failure: _Failure, began: float, method: str) -> float:
        """Seconds to wait before the next attempt, or GoogleUnavailableError past the bounds."""
        spent = self.clock() - began
        left = self.policy.total_seconds - spent
        # A 429 is refused, not applied, and over when the quota window turns: only the time
        # budget bounds it. Anything else may go on for good: the attempts bound it too.
        out_of_attempts = attempt >= self.policy.attempts and failure.status != 429
        if out_of_attempts or left <= 0:
            raise GoogleUnavailableError(_give_up_message(attempt, spent, failure, method))
        return min(self.policy.delay(attempt, failure.retry_after, self.rng), left)

    def _url(self, url: str) -> str:
        if self.endpoint and url.startswith(GOOGLE_SHEETS):
            return self.endpoint + url[len(GOOGLE_SHEETS) :]
        return url


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _give_up_message(attempt: int, spent: float, failure: _Failure, method: str) -> str:
    tried = f"after {attempt} attempts over {spent:.0f} s (last answer: {failure.problem})"
    if failure.status == 429:
        return (
            f"Google Sheets refused the request as over quota (HTTP 429) {tried}. Nothing "
            "more was written by this run. Wait a few minutes and run the job again; if it "
            "keeps happening, make sure no other program uses the same service account (Google "
            "Cloud console → APIs & Services → Google Sheets API → Quotas shows the use)."
        )
    outcome = (
        "Google may have applied the last attempt, which got no answer; run the job again "
        "and sheetsync will see what was written."
        if not failure.answered and method.lower() != "get"
        else "Nothing more was written by this run."
    )
    return (
        f"Google Sheets did not accept the request {tried}. {outcome} Run the job again in a "
        "few minutes; https://www.google.com/appsstatus shows whether Google Sheets is down."
    )


def _not_idempotent(method: str, url: str) -> bool:
    """spreadsheets.batchUpdate (not values:batchUpdate): sending it twice may apply it twice."""
    path = url.split("?", 1)[0]
    return method.lower() == "post" and path.endswith(":batchUpdate") and "/values" not in path
