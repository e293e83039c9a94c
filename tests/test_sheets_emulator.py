"""The Sheets API emulator: real Google recordings replayed against it, then direct checks of
what the recordings do not show (tokens, errors, locales, fault injection)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth.jwt
import gspread
import pytest
import requests
from google.auth import crypt
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from sheetsync_testkit._batch import HANDLERS
from sheetsync_testkit._format import NO_FIELDS
from sheetsync_testkit.sheets_emulator import (
    DRIVE_KINDS,
    KINDS,
    SHEETS_KINDS,
    SheetsEmulator,
    request_kind,
    write_service_account_key,
)

# conftest loads these too; naming them here keeps this file runnable on its own.
pytest_plugins = ["tests.emulator_fixtures"]

RECORDINGS = Path(__file__).parent / "data" / "google-sheets-recordings"
SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
RECORDED_ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"
DRIVE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

# --- replaying real traffic ------------------------------------------------------------------

# gspread's own test suite against the real API (2018-2026), replayed request by request.
REPLAYED = [
    # cells: update then read, numbers as Google formats them
    "CellTest.test_a1_value",
    "CellTest.test_equality",
    "CellTest.test_numeric_value",
    "CellTest.test_properties",
    "CellTest.test_update_named_range_no_args",
    # clients, Drive create/get/list/delete, 403 and 404 bodies
    "ClientTest.test_access_non_existing_spreadsheet",
    "ClientTest.test_access_private_spreadsheet",
    "ClientTest.test_add_timeout",
    "ClientTest.test_create",
    "ClientTest.test_list_spreadsheet_files",
    "ClientTest.test_no_found_exeption",
    "ClientTest.test_open_by_key_has_metadata",
    "ClientTest.test_open_by_name_has_metadata",
    # spreadsheets: tabs added, deleted, hidden, listed; properties; values(:batch)get
    "SpreadsheetTest.test_add_del_worksheet",
    "SpreadsheetTest.test_bad_json_api_error",
    "SpreadsheetTest.test_creationTime_prop",
    "SpreadsheetTest.test_get_lastUpdateTime",
    "SpreadsheetTest.test_get_worksheet",
    "SpreadsheetTest.test_get_worksheet_by_id",
    "SpreadsheetTest.test_lastUpdateTime_prop",
    "SpreadsheetTest.test_properties",
    "SpreadsheetTest.test_sheet1",
    "SpreadsheetTest.test_timezone_and_locale",
    "SpreadsheetTest.test_update_title",
    "SpreadsheetTest.test_values_batch_get",
    "SpreadsheetTest.test_values_get",
    "SpreadsheetTest.test_worksheet",
    "SpreadsheetTest.test_worksheet_iteration",
    "SpreadsheetTest.test_worksheets",
    "SpreadsheetTest.test_worksheets_exclude_hidden",
    # worksheets: every values method, table detection, resizing, render options, tab props
    "WorksheetTest.test_acell",
    "WorksheetTest.test_append_row",
    "WorksheetTest.test_append_row_with_empty_value",
    "WorksheetTest.test_append_row_with_empty_value_and_table_range",
    "WorksheetTest.test_attributes",
    "WorksheetTest.test_batch_clear",
    "WorksheetTest.test_batch_get",
    "WorksheetTest.test_batch_update",
    "WorksheetTest.test_cell",
    "WorksheetTest.test_cell_return_first",
    "WorksheetTest.test_clear",
    "WorksheetTest.test_clear_tab_color",
    "WorksheetTest.test_delete_cols",
    "WorksheetTest.test_delete_row",
    "WorksheetTest.test_find",
    "WorksheetTest.test_findall",
    "WorksheetTest.test_freeze",
    "WorksheetTest.test_get_all_records",
    "WorksheetTest.test_get_all_records_different_header",
    "WorksheetTest.test_get_all_records_duplicate_keys",
    "WorksheetTest.test_get_all_records_numericise_unformatted",
    "WorksheetTest.test_get_all_records_pad_more_than_one_key",
    "WorksheetTest.test_get_all_records_pad_one_key",
    "WorksheetTest.test_get_all_records_pad_values",
    "WorksheetTest.test_get_all_records_value_render_options",
    "WorksheetTest.test_get_all_records_with_all_values_blank",
    "WorksheetTest.test_get_all_records_with_blank_final_headers",
    "WorksheetTest.test_get_all_records_with_keys_blank",
    "WorksheetTest.test_get_all_records_with_some_values_blank",
    "WorksheetTest.test_get_all_values",
    "WorksheetTest.test_get_all_values_date_time_render_options",
    "WorksheetTest.test_get_all_values_title_is_a1_notation",
    "WorksheetTest.test_get_and_get_values_have_same_signature",
    "WorksheetTest.test_get_returns_ValueRange_with_metadata",
    "WorksheetTest.test_get_values_and_maintain_size",
    "WorksheetTest.test_get_values_can_emulate_get_with_kwargs",
    "WorksheetTest.test_get_values_returns_padded_get_as_listoflists",
    "WorksheetTest.test_get_values_with_args_or_kwargs",
    "WorksheetTest.test_hide_gridlines",
    "WorksheetTest.test_hide_show_worksheet",
    "WorksheetTest.test_insert_cols",
    "WorksheetTest.test_insert_row",
    "WorksheetTest.test_range",
    "WorksheetTest.test_range_get_all_values",
    "WorksheetTest.test_range_reversed",
    "WorksheetTest.test_range_unbounded",
    "WorksheetTest.test_reorder_worksheets",
    "WorksheetTest.test_resize",
    "WorksheetTest.test_set_tab_color",
    "WorksheetTest.test_show_gridlines",
    "WorksheetTest.test_update_acell",
    "WorksheetTest.test_update_and_get",
    "WorksheetTest.test_update_cell",
    "WorksheetTest.test_update_cell_multiline",
    "WorksheetTest.test_update_cell_objects",
    "WorksheetTest.test_update_cell_unicode",
    "WorksheetTest.test_update_cells",
    "WorksheetTest.test_update_cells_noncontiguous",
    "WorksheetTest.test_update_cells_unicode",
    "WorksheetTest.test_update_tab_color",
    "WorksheetTest.test_update_title",
    "WorksheetTest.test_update_works_with_swapped_values_and_range",
    "WorksheetTest.test_worksheet_update_index",
    # formatting: formats, notes, validation, protected ranges, hidden columns (issue 19)
    "WorksheetTest.test_format",
    "WorksheetTest.test_add_validation",
    "WorksheetTest.test_add_protected_range_warning",
    "WorksheetTest.test_add_protected_range_normal",
    "WorksheetTest.test_delete_protected_range",
    "WorksheetTest.test_worksheet_notes",
    "WorksheetTest.test_get_notes",
    "WorksheetTest.test_get_notes_2nd_sheet",
    "WorksheetTest.test_hide_columns_rows",
]

# The rest of the 124 recordings use what the emulator leaves out (it answers 501 for those
# requests rather than pretend), or depend on state outside the recording.
_UNEMULATED = "a request the emulator does not implement"
EXCLUDED = {
    "CellTest.test_define_named_range": f"{_UNEMULATED}: named ranges",
    "CellTest.test_delete_named_range": f"{_UNEMULATED}: named ranges",
    "CellTest.test_update_named_range": f"{_UNEMULATED}: named ranges",
    "CellTest.test_merge_cells": f"{_UNEMULATED}: mergeCells",
    "ClientTest.test_client_export_spreadsheet": "Drive export is not emulated",
    "ClientTest.test_copy": "Drive copy and comments are not emulated",
    "ClientTest.test_import_csv": "Drive v2 upload (CSV import) is not emulated",
    "ClientTest.test_open_all_has_metadata": "lists spreadsheets left in Google's test account",
    "ClientTest.test_openall": "lists spreadsheets left in Google's test account",
    "SpreadsheetTest.test_export_spreadsheet": "Drive export is not emulated",
    "WorksheetTest.test_auto_resize_columns": f"{_UNEMULATED}: column metadata",
    "WorksheetTest.test_basic_filters": f"{_UNEMULATED}: basic filters",
    "WorksheetTest.test_batch_merged_cells": f"{_UNEMULATED}: mergeCells",
    "WorksheetTest.test_copy_cut_range": f"{_UNEMULATED}: copyPaste, cutPaste",
    "WorksheetTest.test_get_merge_cells_and_unmerge_cells": f"{_UNEMULATED}: mergeCells",
    "WorksheetTest.test_get_values_and_combine_merged_cells": f"{_UNEMULATED}: mergeCells",
    "WorksheetTest.test_get_values_merge_cells_from_centre_of_sheet": f"{_UNEMULATED}: merges",
    "WorksheetTest.test_get_values_merge_cells_outside_of_range": f"{_UNEMULATED}: merges",
    "WorksheetTest.test_get_values_merge_cells_with_named_range": f"{_UNEMULATED}: merges",
    "WorksheetTest.test_group_columns": f"{_UNEMULATED}: dimension groups",
    "WorksheetTest.test_group_rows": f"{_UNEMULATED}: dimension groups",
    "WorksheetTest.test_sort": f"{_UNEMULATED}: sortRange",
}
# A spreadsheet the recording opens without having created it: someone else's, not shared.
PRESEEDED = {
    "ClientTest.test_access_private_spreadsheet": "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"
}
# Implemented batchUpdate requests no recording sends: the direct tests below cover them.
NOT_IN_RECORDINGS = {
    "appendCells",
    "appendDimension",
    "addConditionalFormatRule",
    "deleteConditionalFormatRule",
    "createDeveloperMetadata",
    "updateDeveloperMetadata",
    "deleteDeveloperMetadata",
}


def load_recording(name: str) -> list[dict[str, Any]]:
    interactions: list[dict[str, Any]] = json.loads(
        (RECORDINGS / f"{name}.json").read_text(encoding="utf-8")
    )["interactions"]
    return interactions


class Replay:
    """Sends a recording's requests to the emulator, mapping Google's ids to the emulator's,
    and compares each answer with Google's: status, key sets, every value."""

    def __init__(self, emulator: SheetsEmulator, session: requests.Session, name: str) -> None:
        self.emulator = emulator
        self.session = session
        self.name = name
        self.ids: dict[str, str] = {}
        self.sheet_ids: dict[int, int] = {0: 0}
        self.protected_ids: dict[int, int] = {}  # ids Google hands out, learned likewise
        # The account the recordings were made with is this test's service account here.
        self.ids[RECORDED_ACCOUNT] = session.credentials.service_account_email  # type: ignore[attr-defined]

    def run(self) -> int:
        if self.name in PRESEEDED:
            book = PRESEEDED[self.name]
            self.emulator.create_spreadsheet("Someone else's", spreadsheet_id=book)
            self.ids[book] = book
        interactions = load_recording(self.name)
        for number, interaction in enumerate(interactions):
            self.step(number, interaction["request"], interaction["response"])
        return len(interactions)

    def step(self, number: int, request: dict[str, Any], response: dict[str, Any]) -> None:
        split = urlsplit(request["uri"])
        url = self.emulator.url + self.map_ids(request["uri"].split(split.netloc, 1)[1])
        payload = None
        if request["body"]:
            payload = json.dumps(self.map_ids(json.loads(request["body"]))).encode()
        answer = self.session.request(
            request["method"],
            url,
            data=payload,
            headers={"Content-Type": "application/json"} if payload else {},
        )
        where = f"{self.name} #{number} {request['method']} {split.path}"
        assert answer.status_code == response["status"]["code"], f"{where}: {answer.text}"
        text = response["body"]["string"]
        if not text:
            assert answer.content == b"", where
            return
        expected, got = json.loads(text), answer.json()
        if request["method"] == "POST" and split.path == "/drive/v3/files":
            self.ids[expected["id"]] = got["id"]
        self.compare(self.map_ids(expected), got, where)

    def map_ids(self, value: Any) -> Any:
        """Google's spreadsheet ids (anywhere in strings) and sheet ids -> the emulator's."""
        if isinstance(value, dict):
            return {
                key: self.sheet_ids.get(item, item)
                if key == "sheetId" and isinstance(item, int)
                else self.protected_ids.get(item, item)
                if key == "protectedRangeId" and isinstance(item, int)
                else self.map_ids(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.map_ids(item) for item in value]
        if isinstance(value, str):
            for google_id, emulator_id in self.ids.items():
                value = value.replace(google_id, emulator_id)
        return value

    def compare(self, expected: Any, got: Any, where: str) -> None:
        if isinstance(expected, dict):
            assert isinstance(got, dict) and set(got) == set(expected), (
                f"{where}: keys {sorted(got) if isinstance(got, dict) else got!r} "
                f"!= {sorted(expected)}"
            )
            for key, value in expected.items():
                if key in ("createdTime", "modifiedTime"):  # Drive clock: shape only
                    assert DRIVE_TIME.fullmatch(got[key]), f"{where}.{key}: {got[key]!r}"
                elif key == "sheetId" and isinstance(value, int):
                    # A tab Google created in this recording: learn its id on first sight.
                    mapped = self.sheet_ids.setdefault(value, got[key])
                    assert got[key] == mapped, f"{where}.sheetId: {got[key]} != {mapped}"
                elif key == "protectedRangeId" and isinstance(value, int):
                    mapped = self.protected_ids.setdefault(value, got[key])
                    assert got[key] == mapped, f"{where}.{key}: {got[key]} != {mapped}"
                else:
                    self.compare(value, got[key], f"{where}.{key}")
        elif isinstance(expected, list):
            assert isinstance(got, list) and len(got) == len(expected), (
                f"{where}: {json.dumps(got)[:500]} != {json.dumps(expected)[:500]}"
            )
            for index, (item, answer) in enumerate(zip(expected, got, strict=True)):
                self.compare(item, answer, f"{where}[{index}]")
        else:
            assert got == expected and type(got) is type(expected), (
                f"{where}: {got!r} != {expected!r}"
            )


_PARSED: dict[tuple[str, str, tuple[str, ...]], service_account.Credentials] = {}


def credentials_for(
    key_file: Path, emulator: SheetsEmulator, scopes: tuple[str, ...]
) -> service_account.Credentials:
    """Parsing a private key takes ~80 ms: parse each key once, then aim a copy at this test's
    emulator (the helper reuses one RSA key per process)."""
    info = json.loads(key_file.read_text())
    cache_key = (info["client_email"], info["private_key"], scopes)
    if cache_key not in _PARSED:
        _PARSED[cache_key] = service_account.Credentials.from_service_account_info(
            info, scopes=list(scopes)
        )
    creds: service_account.Credentials = _PARSED[cache_key].with_token_uri(emulator.token_uri)
    return creds


@pytest.fixture
def replay_session(
    sheets_emulator: SheetsEmulator, service_account_key: Path
) -> Iterator[requests.Session]:
    """An AuthorizedSession for the emulator with the Sheets and Drive scopes."""
    creds = credentials_for(service_account_key, sheets_emulator, (SPREADSHEETS_SCOPE, DRIVE_SCOPE))
    with AuthorizedSession(creds) as session:
        session.trust_env = False  # no proxy lookups: everything is on 127.0.0.1
        yield session


@pytest.mark.parametrize("name", REPLAYED)
def test_a_real_recording_replays_with_the_same_answers(
    name: str, sheets_emulator: SheetsEmulator, replay_session: requests.Session
) -> None:
    steps = Replay(sheets_emulator, replay_session, name).run()
    answered = sheets_emulator.api_requests()
    assert len(answered) == steps
    assert [r.kind for r in sheets_emulator.requests].count("token") == 1


def test_every_recording_is_replayed_or_excluded_with_a_reason() -> None:
    assert not set(REPLAYED) & set(EXCLUDED)
    assert len(set(REPLAYED) | set(EXCLUDED)) == 124  # the recordings' README count
    assert sorted(p.stem for p in RECORDINGS.glob("*.json")) == sorted(REPLAYED)
    assert all(reason for reason in EXCLUDED.values())


def test_every_implemented_kind_is_exercised_by_a_replayed_recording() -> None:
    kinds: set[str] = set()
    requests_sent: set[str] = set()
    for name in REPLAYED:
        for interaction in load_recording(name):
            request = interaction["request"]
            kinds.add(request_kind(request["method"], request["uri"]))
            if request["uri"].split("?")[0].endswith(":batchUpdate"):
                for item in json.loads(request["body"]).get("requests", []):
                    requests_sent.update(item)
    # The token endpoint is not in the recordings: every replay above fetched its token.
    assert kinds - {"unknown", "unimplemented"} == (SHEETS_KINDS | DRIVE_KINDS)
    assert "token" in KINDS
    assert requests_sent == set(HANDLERS) - NOT_IN_RECORDINGS


# --- direct checks -------------------------------------------------------------------------


class Api:
    """A thin authorised client for the emulator: get/put/post return (status, JSON)."""

    def __init__(self, emulator: SheetsEmulator, session: requests.Session, book: str) -> None:
        self.emulator = emulator
        self.session = session
        self.book = book

    def url(self, path: str) -> str:
        return f"{self.emulator.url}/v4/spreadsheets/{self.book}{path}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        answer = self.session.request(method, self.url(path), json=body, params=params)
        return answer.status_code, (answer.json() if answer.content else None)

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.call("GET", path, **params)

    def values(self, rng: str, **params: Any) -> Any:
        status, body = self.get(f"/values/{rng}", **params)
        assert status == 200, body
        return body

    def put(self, rng: str, values: list[list[Any]], option: str = "RAW") -> tuple[int, Any]:
        return self.call("PUT", f"/values/{rng}", {"values": values}, valueInputOption=option)

    def batch_update(self, *requests_: dict[str, Any]) -> tuple[int, Any]:
        return self.call("POST", ":batchUpdate", {"requests": list(requests_)})


@pytest.fixture
def session(
    sheets_emulator: SheetsEmulator, service_account_key: Path
) -> Iterator[requests.Session]:
    creds = credentials_for(service_account_key, sheets_emulator, (SPREADSHEETS_SCOPE,))
    with AuthorizedSession(creds) as authorized:
        authorized.trust_env = False  # no proxy lookups: everything is on 127.0.0.1
        yield authorized


@pytest.fixture
def email(service_account_key: Path) -> str:
    return str(json.loads(service_account_key.read_text())["client_email"])


@pytest.fixture
def api(sheets_emulator: SheetsEmulator, session: requests.Session, email: str) -> Api:
    book = sheets_emulator.create_spreadsheet(
        "Eastside",
        sheets={"Sheet1": [], "Form Responses 1": [["Timestamp", "Name"]]},
        editors=[email],
    )
    return Api(sheets_emulator, session, book)


def test_the_key_file_is_a_service_account_key_for_the_emulator(
    tmp_path: Path, sheets_emulator: SheetsEmulator
) -> None:
    info = write_service_account_key(
        tmp_path / "k.json", sheets_emulator, "bot@x.iam.gserviceaccount.com"
    )
    assert json.loads((tmp_path / "k.json").read_text()) == info
    assert info["type"] == "service_account"
    assert info["token_uri"] == sheets_emulator.token_uri
    assert info["client_email"] == "bot@x.iam.gserviceaccount.com"
    assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert info["universe_domain"] == "googleapis.com"
    assert set(info) == {
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "client_id",
        "auth_uri",
        "token_uri",
        "auth_provider_x509_cert_url",
        "client_x509_cert_url",
        "universe_domain",
    }


def test_gspread_and_google_auth_work_end_to_end(
    sheets_emulator: SheetsEmulator, service_account_key: Path, email: str
) -> None:
    base = sheets_emulator.url

    class EmulatorHTTPClient(gspread.HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            for host in ("https://sheets.googleapis.com", "https://www.googleapis.com"):
                endpoint = endpoint.replace(host, base)
            return super().request(method, endpoint, *args, **kwargs)

    book = sheets_emulator.create_spreadsheet(
        "Eastside", sheets={"Form Responses 1": [["Timestamp", "Name"]]}, editors=[email]
    )
    sheets_emulator.set_values(
        book, "Form Responses 1", "A2", [[dt.datetime(2023, 8, 31, 19, 8, 16), "Ann"]]
    )
    creds = service_account.Credentials.from_service_account_file(
        str(service_account_key), scopes=[SPREADSHEETS_SCOPE]
    )
    client = gspread.Client(creds, http_client=EmulatorHTTPClient)
    try:
        worksheet = client.open_by_key(book).worksheet("Form Responses 1")
        assert worksheet.get_all_values() == [["Timestamp", "Name"], ["8/31/2023 19:08:16", "Ann"]]
        worksheet.update([["Bob"]], "B3")
        assert worksheet.get(
            "A1:B3", value_render_option=gspread.utils.ValueRenderOption.unformatted
        ) == [
            ["Timestamp", "Name"],
            [45169.79740740741, "Ann"],
            ["", "Bob"],
        ]
    finally:
        client.http_client.session.close()
    assert sheets_emulator.values(book, "Form Responses 1")[2] == ["", "Bob"]
    kinds = [r.kind for r in sheets_emulator.requests]
    assert kinds[0] == "token" and kinds.count("token") == 1
    assert {r.client_email for r in sheets_emulator.api_requests()} == {email}


def _assertion(key_file: Path, **claims: Any) -> str:
    info = json.loads(key_file.read_text())
    now = int(time.time())
    payload = {
        "iss": info["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "scope": SPREADSHEETS_SCOPE,
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    signer = _PARSED_SIGNERS.get(info["private_key"])
    if signer is None:
        signer = _PARSED_SIGNERS[info["private_key"]] = crypt.RSASigner.from_service_account_info(
            info
        )
    return google.auth.jwt.encode(signer, payload).decode()


_PARSED_SIGNERS: dict[str, crypt.RSASigner] = {}


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type", "Invalid grant_type: password"),
        (
            {"iss": "nobody@x.iam.gserviceaccount.com"},
            "invalid_grant",
            "Invalid grant: account not found",
        ),
        (
            {"exp": int(time.time()) - 10},
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token",
        ),
        (
            {"aud": "https://example.org/token"},
            "invalid_grant",
            "Invalid JWT: Failed audience check",
        ),
        ({"scope": ""}, "invalid_scope", "Invalid OAuth scope or ID token audience provided."),
        ({"tamper": True}, "invalid_grant", "Invalid JWT Signature."),
    ],
)
def test_the_token_endpoint_refuses_as_google_does(
    sheets_emulator: SheetsEmulator,
    service_account_key: Path,
    form: dict[str, Any],
    error: str,
    description: str,
) -> None:
    grant_type = form.pop("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
    tamper = form.pop("tamper", False)
    assertion = _assertion(service_account_key, **form)
    if tamper:
        head, _, signature = assertion.rpartition(".")
        assertion = f"{head}.{signature[::-1]}"
    answer = requests.post(
        sheets_emulator.token_uri,
        data={"grant_type": grant_type, "assertion": assertion},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert answer.json()["error_description"].startswith(description)
    [logged] = sheets_emulator.requests
    assert (logged.kind, logged.status, logged.body["grant_type"]) == ("token", 400, grant_type)


def test_a_good_assertion_gets_a_bearer_token(
    sheets_emulator: SheetsEmulator, service_account_key: Path
) -> None:
    answer = requests.post(
        sheets_emulator.token_uri,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": _assertion(service_account_key, aud=sheets_emulator.token_uri),
        },
        timeout=5,
    )
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["access_token"].startswith("ya29.")
    assert (body["expires_in"], body["token_type"]) == (3599, "Bearer")


def test_401_bodies_for_a_missing_or_unknown_token(api: Api) -> None:
    url = api.url("")
    missing = requests.get(url, timeout=5)
    unknown = requests.get(url, headers={"Authorization": "Bearer ya29.nope"}, timeout=5)
    for answer, reason in (
        (missing, "CREDENTIALS_MISSING"),
        (unknown, "ACCESS_TOKEN_TYPE_UNSUPPORTED"),
    ):
        error = answer.json()["error"]
        assert (answer.status_code, error["code"], error["status"]) == (401, 401, "UNAUTHENTICATED")
        assert error["details"][0]["reason"] == reason
    assert missing.json()["error"]["message"].startswith(
        "Request is missing required authentication"
    )
    assert unknown.json()["error"]["message"].startswith("Request had invalid authentication")


def test_an_expired_token_is_refreshed_by_google_auth(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    assert api.get("")[0] == 200
    sheets_emulator.expire_tokens()
    assert api.get("")[0] == 200  # 401, then AuthorizedSession fetched a new token
    statuses = [(r.kind, r.status) for r in sheets_emulator.requests]
    assert statuses == [
        ("token", 200),
        ("spreadsheets.get", 200),
        ("spreadsheets.get", 401),
        ("token", 200),
        ("spreadsheets.get", 200),
    ]


def test_a_token_without_a_sheets_scope_is_refused(
    sheets_emulator: SheetsEmulator, service_account_key: Path, email: str
) -> None:
    book = sheets_emulator.create_spreadsheet(editors=[email])
    creds = service_account.Credentials.from_service_account_file(
        str(service_account_key), scopes=["https://www.googleapis.com/auth/userinfo.email"]
    )
    with AuthorizedSession(creds) as session:
        answer = session.get(f"{sheets_emulator.url}/v4/spreadsheets/{book}")
    error = answer.json()["error"]
    assert (answer.status_code, error["status"]) == (403, "PERMISSION_DENIED")
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_a_spreadsheet_not_shared_is_403_until_shared_and_an_unknown_one_404(
    sheets_emulator: SheetsEmulator, session: requests.Session, email: str
) -> None:
    book = sheets_emulator.create_spreadsheet("Someone else's")
    api = Api(sheets_emulator, session, book)
    assert api.get("") == (
        403,
        {
            "error": {
                "code": 403,
                "message": "The caller does not have permission",
                "status": "PERMISSION_DENIED",
            }
        },
    )
    sheets_emulator.share(book, email)
    assert api.get("")[0] == 200
    assert Api(sheets_emulator, session, "1" + "x" * 43).get("") == (
        404,
        {
            "error": {
                "code": 404,
                "message": "Requested entity was not found.",
                "status": "NOT_FOUND",
            }
        },
    )


def test_spreadsheets_get_shows_tabs_and_honours_field_masks(
    sheets_emulator: SheetsEmulator, api: Api
) -> None:
    status, full = api.get("")
    assert status == 200
    assert full["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{api.book}/edit"
    assert (full["properties"]["locale"], full["properties"]["timeZone"]) == (
        "en_US",
        "America/New_York",
    )
    assert [s["properties"]["title"] for s in full["sheets"]] == ["Sheet1", "Form Responses 1"]
    assert [s["properties"]["index"] for s in full["sheets"]] == [0, 1]
    assert full["sheets"][0]["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }
    assert api.get("", fields="sheets.properties.title")[1] == {
        "sheets": [
            {"properties": {"title": "Sheet1"}},
            {"properties": {"title": "Form Responses 1"}},
        ]
    }
    masked = api.get("", fields="properties(title,locale),sheets.properties.sheetId")[1]
    assert masked["properties"] == {"title": "Eastside", "locale": "en_US"}
    status, grid = api.get("", includeGridData="true", fields="sheets.data.columnMetadata")
    assert status == 200
    # An empty tab: one row and one column of metadata, Google's default width.
    assert grid["sheets"][0] == {"data": [{"columnMetadata": [{"pixelSize": 100}]}]}


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("'Form Responses 1'", "'Form Responses 1'!A1:Z1000"),
        ("Form Responses 1!A1:B", "'Form Responses 1'!A1:B1000"),
        ("sheet1!b2", "Sheet1!B2"),
        ("A2:Z", "Sheet1!A2:Z1000"),
        ("A:A", "Sheet1!A1:A1000"),
        ("1:2", "Sheet1!A1:Z2"),
        ("Sheet1!A1:1", "Sheet1!A1:Z1"),
        ("Sheet1!D4:A1", "Sheet1!A1:D4"),
        ("'Sheet1'!C3", "Sheet1!C3"),
    ],
)
def test_ranges_are_normalised_as_google_does(api: Api, asked: str, answered: str) -> None:
    assert api.values(asked)["range"] == answered


def test_a_tab_title_that_reads_as_a_cell_is_quoted(
    sheets_emulator: SheetsEmulator, api: Api
) -> None:
    sheets_emulator.add_sheet(api.book, "D3", [["x"]])
    sheets_emulator.add_sheet(api.book, "It's", [["y"]])
    assert api.values("'D3'")["range"] == "'D3'!A1:Z1000"
    assert api.values("'It''s'!A1")["values"] == [["y"]]
    assert api.values("'It''s'!A1")["range"] == "'It''s'!A1"


@pytest.mark.parametrize("asked", ["Nope!A1", "'Nope'", "Sheet1!A1:", "Sheet1!ZZZZ1"])
def test_a_range_naming_no_tab_is_400_unable_to_parse(api: Api, asked: str) -> None:
    status, body = api.get(f"/values/{asked}")
    assert (status, body["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert body["error"]["message"] == f"Unable to parse range: {asked}"


def test_writing_past_the_grid_is_400_and_grows_nothing(
    sheets_emulator: SheetsEmulator, email: str, session: requests.Session
) -> None:
    book = sheets_emulator.create_spreadsheet(
        sheets={"Tab": []}, rows=981, cols=24, editors=[email]
    )
    api = Api(sheets_emulator, session, book)
    status, body = api.put("Tab!Y1", [["x"]])
    assert (status, body["error"]["message"]) == (
        400,
        "Range (Tab!Y1) exceeds grid limits. Max rows: 981, max columns: 24",
    )
    status, body = api.put("Tab!X981", [["x", "y"]])
    assert (status, body["error"]["message"]) == (
        400,
        "Range (Tab!X981:Y981) exceeds grid limits. Max rows: 981, max columns: 24",
    )
    assert sheets_emulator.grid(book, "Tab") == (981, 24)
    assert sheets_emulator.values(book, "Tab") == []


def test_reading_past_the_grid_is_400_but_open_ranges_stop_at_the_edge(api: Api) -> None:
    status, body = api.get("/values/Sheet1!A1:B2000")
    assert (status, body["error"]["message"]) == (
        400,
        "Range (Sheet1!A1:B2000) exceeds grid limits. Max rows: 1000, max columns: 26",
    )
    assert api.values("Sheet1!Z5:5")["range"] == "Sheet1!Z5"


def test_a_bounded_range_bounds_the_data(api: Api) -> None:
    status, body = api.put("Sheet1!A1:B2", [["a", "b", "c"]])
    assert (status, body["error"]["message"]) == (
        400,
        "Requested writing within range [Sheet1!A1:B2], but tried writing to column [C]",
    )
    status, body = api.put("Sheet1!A1:B1", [["a"], ["b"]])
    assert body["error"]["message"].endswith("but tried writing to row [2]")


def test_raw_keeps_text_and_user_entered_parses_it_like_the_ui(api: Api) -> None:
    typed = [
        "=1+1",
        "0042",
        "TRUE",
        "'0042",
        "2020-01-01",
        "2,000,000.01",
        "12.5%",
        "= 1 / 1024",
        "=SUM(A1:A2)",
    ]
    assert api.put("Sheet1!A1", [typed], "RAW")[0] == 200
    assert api.put("Sheet1!A2", [typed], "USER_ENTERED")[0] == 200
    formatted = api.values("Sheet1!A1:I2")["values"]
    unformatted = api.values("Sheet1!A1:I2", valueRenderOption="UNFORMATTED_VALUE")["values"]
    formula = api.values("Sheet1!A2:I2", valueRenderOption="FORMULA")["values"]
    assert formatted[0] == typed and unformatted[0] == typed  # RAW: text stays text
    assert formatted[1] == [
        "2",
        "42",
        "TRUE",
        "0042",
        "2020-01-01",
        "2,000,000.01",
        "12.50%",
        "0.0009765625",
        "=SUM(A1:A2)",
    ]
    assert unformatted[1] == [
        2,
        42,
        True,
        "0042",
        43831,
        2000000.01,
        0.125,
        0.0009765625,
        "=SUM(A1:A2)",
    ]
    assert formula[0] == [
        "=1+1",
        42,
        True,
        "0042",
        43831,
        2000000.01,
        0.125,
        "= 1 / 1024",
        "=SUM(A1:A2)",
    ]


def test_json_numbers_and_booleans_stay_typed_even_raw(api: Api) -> None:
    api.put("Sheet1!A1", [[3, 3.5, True, ""]], "RAW")
    assert api.values("Sheet1!A1:D1")["values"] == [["3", "3.5", "TRUE"]]
    assert api.values("Sheet1!A1:D1", valueRenderOption="UNFORMATTED_VALUE")["values"] == [
        [3, 3.5, True]
    ]


def test_null_leaves_a_cell_and_empty_text_clears_it(api: Api) -> None:
    api.put("Sheet1!A1", [["a", "b", "c"]])
    status, body = api.put("Sheet1!A1", [[None, "", None]])
    assert (status, body["updatedRange"], body["updatedCells"]) == (200, "Sheet1!B1", 1)
    assert api.values("Sheet1!A1:C1")["values"] == [["a", "", "c"]]


def test_trailing_empties_are_trimmed_and_an_empty_range_has_no_values(api: Api) -> None:
    api.put("Sheet1!A1", [["a", "", "c", ""], ["", "", "", ""], ["", "b"]])
    assert api.values("Sheet1") == {
        "range": "Sheet1!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["a", "", "c"], [], ["", "b"]],
    }
    assert api.values("Sheet1", majorDimension="COLUMNS")["values"] == [["a"], ["", "", "b"], ["c"]]
    assert "values" not in api.values("Sheet1!D5:F9")


def test_append_finds_the_table_and_grows_the_grid(
    sheets_emulator: SheetsEmulator, email: str, session: requests.Session
) -> None:
    book = sheets_emulator.create_spreadsheet(
        sheets={"Log": [["when", "what"], ["mon", "a"]]}, rows=2, cols=2, editors=[email]
    )
    api = Api(sheets_emulator, session, book)
    status, body = api.call(
        "POST", "/values/Log:append", {"values": [["tue", "b", "extra"]]}, valueInputOption="RAW"
    )
    assert status == 200
    assert body["tableRange"] == "Log!A1:B2"
    assert body["updates"]["updatedRange"] == "Log!A3:C3"
    assert sheets_emulator.grid(book, "Log") == (3, 3)
    assert sheets_emulator.values(book, "Log")[-1] == ["tue", "b", "extra"]


def test_values_batch_update_is_all_or_nothing(api: Api, sheets_emulator: SheetsEmulator) -> None:
    body = {
        "valueInputOption": "RAW",
        "data": [
            {"range": "Sheet1!A1", "values": [["kept?"]]},
            {"range": "Nope!A1", "values": [["x"]]},
        ],
    }
    status, error = api.call("POST", "/values:batchUpdate", body)
    assert (status, error["error"]["message"]) == (400, "Unable to parse range: Nope!A1")
    assert sheets_emulator.values(api.book, "Sheet1") == []
    body["data"] = [body["data"][0], {"range": "Sheet1!A3:B3", "values": [["x", "y"]]}]
    status, done = api.call("POST", "/values:batchUpdate", body)
    assert status == 200
    assert (done["totalUpdatedRows"], done["totalUpdatedColumns"], done["totalUpdatedCells"]) == (
        2,
        2,
        3,
    )
    assert [r["updatedRange"] for r in done["responses"]] == ["Sheet1!A1", "Sheet1!A3:B3"]


def test_batch_update_is_all_or_nothing_and_prefixes_errors(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    status, body = api.batch_update(
        {"addSheet": {"properties": {"title": "People"}}},
        {"addSheet": {"properties": {"title": "people"}}},
    )
    assert (status, body["error"]["message"]) == (
        400,
        'Invalid requests[1].addSheet: A sheet with the name "people" already exists. '
        "Please enter another name.",
    )
    assert [s["properties"]["title"] for s in api.get("")[1]["sheets"]] == [
        "Sheet1",
        "Form Responses 1",
    ]
    status, body = api.batch_update({"addSheet": {"properties": {"title": "People"}}})
    reply = body["replies"][0]["addSheet"]["properties"]
    assert (status, reply["title"], reply["index"]) == (200, "People", 2)
    assert reply["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_unknown_and_unimplemented_requests_are_refused(api: Api) -> None:
    status, body = api.batch_update({"frobnicate": {}})
    assert status == 400
    assert body["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "frobnicate" at '
        "'requests[0]': Cannot find field."
    )
    assert body["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    status, body = api.batch_update({"mergeCells": {}})
    assert (status, body["error"]["status"]) == (501, "UNIMPLEMENTED")


def test_grid_requests_resize_insert_delete_and_freeze(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    sheets_emulator.set_values(api.book, "Sheet1", "A1", [["h"], ["1"], ["2"]])
    status, _ = api.batch_update(
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}},
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
            }
        },
        {
            "deleteDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}
            }
        },
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount",
            }
        },
    )
    assert status == 200
    assert sheets_emulator.grid(api.book, "Sheet1") == (1005, 28)
    assert sheets_emulator.values(api.book, "Sheet1") == [["h"], [], ["2"]]
    grid = api.get("", fields="sheets.properties.gridProperties")[1]["sheets"][0]
    assert grid["properties"]["gridProperties"]["frozenRowCount"] == 1


def test_update_cells_writes_typed_values_and_text_never_becomes_a_formula(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    cells = [
        {"userEnteredValue": {"stringValue": "=1+1"}},
        {"userEnteredValue": {"numberValue": 3}},
        {"userEnteredValue": {"boolValue": False}},
        {"userEnteredValue": {"formulaValue": "=2*3"}},
    ]
    status, _ = api.batch_update(
        {
            "updateCells": {
                "rows": [{"values": cells}],
                "fields": "userEnteredValue",
                "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
            }
        }
    )
    assert status == 200
    assert api.values("Sheet1!B2:E2", valueRenderOption="UNFORMATTED_VALUE")["values"] == [
        ["=1+1", 3, False, 6]
    ]
    status, body = api.batch_update(
        {
            "updateCells": {
                "rows": [{"values": cells}],
                "fields": "userEnteredValue",
                "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 24},
            }
        }
    )
    assert (status, body["error"]["message"]) == (
        400,
        "Invalid requests[0].updateCells: Range (Sheet1!Y1:AB1) exceeds grid limits. "
        "Max rows: 1000, max columns: 26",
    )


def _text(value: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": value}}


def _append(sheet_id: int, *rows: list[dict[str, Any]], fields: str | None = "userEnteredValue"):
    body: dict[str, Any] = {"sheetId": sheet_id, "rows": [{"values": row} for row in rows]}
    if fields is not None:
        body["fields"] = fields
    return {"appendCells": body}


def test_append_cells_goes_below_the_last_row_with_data_in_any_column_and_inserts_rows(
    sheets_emulator: SheetsEmulator, session: requests.Session, email: str
) -> None:
    book = sheets_emulator.create_spreadsheet(
        "Small", sheets={"Tasks": [["id", "what", "note"]]}, editors=[email], rows=4, cols=3
    )
    api = Api(sheets_emulator, session, book)
    sheets_emulator.set_values(book, "Tasks", "C3", [["typed by hand, no id"]])
    rows = [
        [_text("T1"), _text("=1+1"), {"userEnteredValue": {"numberValue": 2.5}}],
        [_text("T2"), {}, {"userEnteredValue": {"boolValue": True}}],
        [_text("T3")],
    ]
    status, body = api.batch_update(_append(0, *rows))
    assert (status, body["replies"]) == (200, [{}])
    assert sheets_emulator.values(book, "Tasks") == [
        ["id", "what", "note"],
        [],
        ["", "", "typed by hand, no id"],
        ["T1", "=1+1", 2.5],  # text stays text: stringValue is never parsed
        ["T2", "", True],
        ["T3"],
    ]
    assert sheets_emulator.grid(book, "Tasks") == (6, 3)  # 4 rows, 2 inserted for the append
    formulas = api.values("Tasks!B4", valueRenderOption="FORMULA")["values"]
    assert formulas == [["=1+1"]]


def test_append_cells_refuses_a_missing_mask_an_unknown_sheet_and_rows_wider_than_the_grid(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    row = [_text("x")]
    cases = [
        (_append(0, row, fields=None), NO_FIELDS),
        (_append(0, row, fields=""), NO_FIELDS),
        (_append(123, row), "No grid with id: 123"),
        (
            _append(0, [_text(str(i)) for i in range(27)]),
            "Attempting to write column: 26, beyond the last requested column of: 25",
        ),
    ]
    for request, message in cases:
        status, body = api.batch_update(request)
        assert (status, body["error"]["message"]) == (
            400,
            f"Invalid requests[0].appendCells: {message}",
        )
        assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert sheets_emulator.values(api.book, "Sheet1") == []
    status, body = api.batch_update(_append(0, row, fields="note"))
    assert (status, body["error"]["status"]) == (501, "UNIMPLEMENTED")  # never a silent no-op


def test_a_batch_of_updates_and_appends_applies_in_order_and_all_or_nothing(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    sheets_emulator.set_values(api.book, "Sheet1", "A1", [["id", "status"], ["N1", "open"]])
    update = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
            "rows": [{"values": [_text("met")]}],
            "fields": "userEnteredValue",
        }
    }
    wide = _append(0, [_text("N2"), *([{}] * 30), _text("too far")])
    status, body = api.batch_update(update, _append(0, [_text("N2")]), wide)
    assert status == 400
    assert body["error"]["message"].startswith("Invalid requests[2].appendCells: ")
    assert sheets_emulator.values(api.book, "Sheet1") == [["id", "status"], ["N1", "open"]]
    # In order: the second append goes below the first; the grid grows for the new columns.
    grow = {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 6}}
    status, _ = api.batch_update(update, _append(0, [_text("N2")]), grow, wide)
    assert status == 200
    values = sheets_emulator.values(api.book, "Sheet1")
    assert values[:3] == [["id", "status"], ["N1", "met"], ["N2"]]
    assert values[3][0] == "N2" and values[3][31] == "too far" and len(values) == 4


def test_update_cells_takes_exactly_one_of_start_or_range_and_clears_with_empty_cells(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    sheets_emulator.set_values(api.book, "Sheet1", "A1", [["a", "b", "c"]])
    both = {
        "start": {"sheetId": 0},
        "range": {"sheetId": 0},
        "rows": [{"values": [_text("x")]}],
        "fields": "userEnteredValue",
    }
    status, body = api.batch_update({"updateCells": both})
    assert status == 400 and "Oneof field 'area' is already set" in body["error"]["message"]
    del both["start"], both["range"]
    status, body = api.batch_update({"updateCells": both})
    assert (status, body["error"]["message"]) == (
        400,
        "Invalid requests[0].updateCells: Either start or range must be set.",
    )
    clear = {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 1},
        "rows": [{"values": [{}, _text("")]}],
        "fields": "userEnteredValue",
    }
    status, _ = api.batch_update({"updateCells": clear})
    assert status == 200
    assert sheets_emulator.values(api.book, "Sheet1") == [["a"]]
    del clear["fields"]
    status, body = api.batch_update({"updateCells": clear})
    assert (status, body["error"]["message"]) == (
        400,
        f"Invalid requests[0].updateCells: {NO_FIELDS}",
    )


@pytest.mark.parametrize("kind", ["updateCells", "appendCells"])
def test_a_cell_over_50000_characters_is_refused(
    api: Api, sheets_emulator: SheetsEmulator, kind: str
) -> None:
    def request(text: str) -> dict[str, Any]:
        if kind == "appendCells":
            return _append(0, [_text("ok"), _text(text)])
        start = {"sheetId": 0, "rowIndex": 0, "columnIndex": 0}
        rows = [{"values": [_text("ok"), _text(text)]}]
        return {"updateCells": {"start": start, "rows": rows, "fields": "userEnteredValue"}}

    status, body = api.batch_update(request("x" * 50_001))
    assert (status, body["error"]["message"]) == (
        400,
        f"Invalid requests[0].{kind}: Your input contains more than the maximum of 50000 "
        "characters in a single cell.",
    )
    assert sheets_emulator.values(api.book, "Sheet1") == []  # not even the cell before it
    status, _ = api.batch_update(request("x" * 50_000))
    assert status == 200
    assert sheets_emulator.values(api.book, "Sheet1") == [["ok", "x" * 50_000]]


@pytest.mark.parametrize("status", [None, 500, 503])
def test_lose_answer_applies_the_request_then_loses_its_answer(
    api: Api, sheets_emulator: SheetsEmulator, status: int | None
) -> None:
    sheets_emulator.lose_answer("spreadsheets.batchUpdate", status)
    if status is None:
        with pytest.raises(requests.ConnectionError):
            api.batch_update(_append(0, [_text("applied")]))
    else:
        answered, body = api.batch_update(_append(0, [_text("applied")]))
        assert (answered, body["error"]["code"]) == (status, status)
    assert sheets_emulator.values(api.book, "Sheet1") == [["applied"]]
    answered, _ = api.batch_update(_append(0, [_text("next")]))  # the rule is used up
    assert answered == 200
    assert sheets_emulator.values(api.book, "Sheet1") == [["applied"], ["next"]]


def test_lose_answer_leaves_a_refused_request_answered_as_usual(api: Api, sheets_emulator) -> None:
    sheets_emulator.lose_answer("spreadsheets.batchUpdate", 500)
    status, body = api.batch_update(_append(99, [_text("x")]))
    assert (status, body["error"]["message"]) == (
        400,
        "Invalid requests[0].appendCells: No grid with id: 99",
    )
    status, _ = api.batch_update(_append(0, [_text("x")]))
    assert status == 500  # the rule was still there for the first request applied


def test_gspread_batch_update_appends_and_updates_cells(
    sheets_emulator: SheetsEmulator, service_account_key: Path, email: str
) -> None:
    base = sheets_emulator.url

    class EmulatorHTTPClient(gspread.HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(
                method, endpoint.replace("https://sheets.googleapis.com", base), *args, **kwargs
            )

    book = sheets_emulator.create_spreadsheet(
        "Eastside", sheets={"Tasks": [["id", "what"], ["T1", "old"]]}, editors=[email]
    )
    creds = service_account.Credentials.from_service_account_file(
        str(service_account_key), scopes=[SPREADSHEETS_SCOPE]
    )
    client = gspread.Client(creds, http_client=EmulatorHTTPClient)
    try:
        worksheet = client.open_by_key(book).worksheet("Tasks")
        sheets_emulator.set_values(book, "Tasks", "A3", [["typed", "by an organizer"]])
        answer = worksheet.spreadsheet.batch_update(
            {
                "requests": [
                    {
                        "updateCells": {
                            "start": {"sheetId": worksheet.id, "rowIndex": 1, "columnIndex": 1},
                            "rows": [{"values": [_text("new")]}],
                            "fields": "userEnteredValue",
                        }
                    },
                    _append(worksheet.id, [_text("T2"), _text("=SUM(1)")]),
                ]
            }
        )
        assert answer["replies"] == [{}, {}]
        assert worksheet.get_all_values() == [
            ["id", "what"],
            ["T1", "new"],
            ["typed", "by an organizer"],
            ["T2", "=SUM(1)"],
        ]
        with pytest.raises(gspread.exceptions.APIError, match="No grid with id: 7"):
            worksheet.spreadsheet.batch_update({"requests": [_append(7, [_text("x")])]})
    finally:
        client.http_client.session.close()


def test_the_ten_million_cell_limit_counts_grid_size(api: Api) -> None:
    status, body = api.batch_update(
        {
            "addSheet": {
                "properties": {
                    "title": "Big",
                    "gridProperties": {"rowCount": 400_000, "columnCount": 26},
                }
            }
        }
    )
    assert status == 400
    assert body["error"]["message"] == (
        "Invalid requests[0].addSheet: This action would increase the number of cells in the "
        "workbook above the limit of 10000000 cells."
    )


@pytest.mark.parametrize(
    ("locale", "formatted", "typed"),
    [
        ("en_US", "8/31/2023 19:08:16", "8/31/2023 19:08:16"),
        ("en_GB", "31/08/2023 19:08:16", "31/08/2023 19:08:16"),
        ("de_DE", "31.08.2023 19:08:16", "31.08.2023 19:08:16"),
    ],
)
def test_date_times_render_in_the_spreadsheet_locale(
    sheets_emulator: SheetsEmulator,
    session: requests.Session,
    email: str,
    locale: str,
    formatted: str,
    typed: str,
) -> None:
    stamp = dt.datetime(2023, 8, 31, 19, 8, 16)
    book = sheets_emulator.create_spreadsheet(
        sheets={"Form responses 1": [["Timestamp"], [stamp]]}, locale=locale, editors=[email]
    )
    api = Api(sheets_emulator, session, book)
    rng = "'Form responses 1'!A2"
    assert api.values(rng)["values"] == [[formatted]]
    serial = api.values(rng, valueRenderOption="UNFORMATTED_VALUE")["values"][0][0]
    assert serial == pytest.approx(45169 + (19 * 3600 + 8 * 60 + 16) / 86400)
    assert api.values(
        rng, valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING"
    )["values"] == [[formatted]]
    api.put(rng, [[typed]], "USER_ENTERED")
    assert api.values(rng, valueRenderOption="UNFORMATTED_VALUE")["values"] == [[serial]]
    assert sheets_emulator.values(book, "Form responses 1")[1] == [stamp]


def test_fail_answers_googles_429_with_retry_after_and_changes_nothing(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    sheets_emulator.fail("values.update", 429, times=2, retry_after=3)
    for _ in range(2):
        answer = api.session.put(
            api.url("/values/Sheet1!A1"),
            json={"values": [["x"]]},
            params={"valueInputOption": "RAW"},
        )
        error = answer.json()["error"]
        assert (answer.status_code, answer.headers["Retry-After"]) == (429, "3")
        assert error["status"] == "RESOURCE_EXHAUSTED"
        assert error["message"].startswith("Quota exceeded for quota metric 'Write requests'")
        assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert sheets_emulator.values(api.book, "Sheet1") == []
    assert api.put("Sheet1!A1", [["x"]])[0] == 200
    assert [r.status for r in sheets_emulator.api_requests()] == [429, 429, 200]


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        (500, "INTERNAL", "Internal error encountered."),
        (503, "UNAVAILABLE", "The service is currently unavailable."),
        (403, "PERMISSION_DENIED", "The caller does not have permission"),
    ],
)
def test_fail_bodies_for_other_statuses(
    api: Api, sheets_emulator: SheetsEmulator, status: int, name: str, message: str
) -> None:
    sheets_emulator.fail("*", status)
    assert api.get("") == (status, {"error": {"code": status, "message": message, "status": name}})
    assert api.get("")[0] == 200


def test_fail_checks_the_kind_name(sheets_emulator: SheetsEmulator) -> None:
    with pytest.raises(ValueError, match=r"Unknown request kind 'values\.write'"):
        sheets_emulator.fail("values.write", 500)


def test_delay_trips_a_client_timeout_after_applying_the_write(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    late = 3.0
    sheets_emulator.delay("values.update", late)
    sent = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.put(
            api.url("/values/Sheet1!A1"),
            json={"values": [["late"]]},
            params={"valueInputOption": "RAW"},
            timeout=0.1,
        )
    # Applied at once, while the answer is held back: on a loaded machine the write may
    # land after the client gave up, but always well before the late answer goes out.
    while sheets_emulator.values(api.book, "Sheet1") != [["late"]]:
        assert time.monotonic() - sent < late, "the write waited for the late answer"
        time.sleep(0.01)
    assert api.put("Sheet1!A2", [["on time"]])[0] == 200


def test_before_runs_a_callback_between_a_read_and_a_write(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    seen: list[int] = []

    def organizer_edits(emulator: SheetsEmulator) -> None:
        seen.append(len(emulator.api_requests()))
        emulator.set_values(api.book, "Sheet1", "B1", [["by hand"]])
        emulator.before("values.get", lambda e: e.rename_sheet(api.book, "Sheet1", "Renamed"))

    sheets_emulator.before("values.update", organizer_edits)
    api.put("Sheet1!A1", [["by run"]])
    assert seen == [0]  # ran before the write was handled (and logged)
    assert sheets_emulator.values(api.book, "Sheet1") == [["by run", "by hand"]]
    status, body = api.get("/values/Sheet1!A1")  # the nested rule fires on this read
    assert (status, body["error"]["message"]) == (400, "Unable to parse range: Sheet1!A1")
    assert sheets_emulator.values(api.book, "Renamed") == [["by run", "by hand"]]


def test_the_request_log_records_every_request(api: Api, sheets_emulator: SheetsEmulator) -> None:
    sheets_emulator.reset_requests()
    api.put("Sheet1!A1", [["x"]])
    api.get("/values:batchGet", ranges=["Sheet1!A1", "Nope"])
    put, batch_get = sheets_emulator.api_requests()
    assert (put.kind, put.method, put.path, put.status) == (
        "values.update",
        "PUT",
        f"/v4/spreadsheets/{api.book}/values/Sheet1!A1",
        200,
    )
    assert put.query == {"valueInputOption": ["RAW"]}
    assert put.body == {"values": [["x"]]} and put.body_bytes == len(b'{"values": [["x"]]}')
    assert (batch_get.kind, batch_get.status, batch_get.query["ranges"]) == (
        "values.batchGet",
        400,
        ["Sheet1!A1", "Nope"],
    )
    assert put.spreadsheet_id == api.book
    threads = threading.active_count()
    sheets_emulator.reset_requests()
    assert sheets_emulator.requests == [] and threading.active_count() == threads


def test_direct_edits_as_a_person_or_google_forms(sheets_emulator: SheetsEmulator) -> None:
    book = sheets_emulator.create_spreadsheet(
        sheets={"Form Responses 1": [["Timestamp", "Q"]]}, cols=1
    )
    assert sheets_emulator.grid(book, "Form Responses 1") == (1000, 2)  # grown to fit
    sheets_emulator.set_values(
        book, "Form Responses 1", "A2", [[dt.datetime(2023, 8, 31, 9, 0), "=1+1", 3, None, True]]
    )
    sheets_emulator.set_values(book, "Form Responses 1", "B3", [["=1+1"]], user_entered=True)
    sheets_emulator.add_sheet(book, "People", [["name"]])
    sheets_emulator.rename_sheet(book, "People", "Members")
    assert sheets_emulator.values(book, "Form Responses 1") == [
        ["Timestamp", "Q"],
        [dt.datetime(2023, 8, 31, 9, 0), "=1+1", 3, "", True],
        ["", "=1+1"],
    ]
    assert sheets_emulator.values(book, "Members") == [["name"]]
    with pytest.raises(KeyError, match="No tab 'People'"):
        sheets_emulator.values(book, "People")


# --- formatting requests (issue 19) ------------------------------------------------------------

WHOLE_B = {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2}
RED_FILL = {"red": 0.95686275, "green": 0.78039217, "blue": 0.7647059}


def _rule(formula: str, ranges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "addConditionalFormatRule": {
            "rule": {
                "ranges": [WHOLE_B] if ranges is None else ranges,
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": formula}],
                    },
                    "format": {"backgroundColor": {"red": 244 / 255, "green": 199 / 255}},
                },
            }
        }
    }


def test_formats_notes_validation_and_widths_are_kept_and_read_back(api: Api) -> None:
    status, body = api.batch_update(
        {
            "repeatCell": {
                "range": WHOLE_B,
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColor": RED_FILL,
                        "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"},
                    }
                },
                "fields": "userEnteredFormat(backgroundColor,numberFormat)",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 1},
                "rows": [{"values": [{"note": "Written by sheetsync"}]}],
                "fields": "note",
            }
        },
        {
            "setDataValidation": {
                "range": WHOLE_B,
                "rule": {
                    "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "done"}]},
                    "strict": False,
                    "showCustomUi": True,
                },
            }
        },
        {
            "updateDimensionProperties": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2},
                "properties": {"pixelSize": 240, "hiddenByUser": True},
                "fields": "pixelSize,hiddenByUser",
            }
        },
    )
    assert (status, body["replies"]) == (200, [{}, {}, {}, {}])
    status, got = api.get(
        "",
        ranges="Sheet1!B1:B2",
        fields="sheets.data(rowData.values(note,userEnteredFormat,dataValidation),columnMetadata)",
    )
    assert status == 200
    [block] = got["sheets"][0]["data"]
    header, below = (row["values"][0] for row in block["rowData"])
    assert header == {"note": "Written by sheetsync"}
    assert below["userEnteredFormat"] == {
        "backgroundColor": RED_FILL,
        "backgroundColorStyle": {"rgbColor": RED_FILL},
        "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"},
    }
    assert below["dataValidation"] == {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "done"}]},
        "showCustomUi": True,
    }
    assert block["columnMetadata"] == [{"pixelSize": 240, "hiddenByUser": True}]


def test_rules_protected_ranges_and_developer_metadata_are_kept_with_their_ids(
    api: Api, sheets_emulator: SheetsEmulator
) -> None:
    status, body = api.batch_update(
        _rule('=$B2="red"'),
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": WHOLE_B,
                    "description": "sheetsync: written by sheetsync",
                    "warningOnly": True,
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "sheetsync_format",
                    "metadataValue": "v1",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    assert status == 200, body
    rule_reply, protected_reply, metadata_reply = body["replies"]
    assert rule_reply == {}
    protected = protected_reply["addProtectedRange"]["protectedRange"]
    assert protected["description"] == "sheetsync: written by sheetsync"
    assert (protected["warningOnly"], protected["editors"]) == (True, {})
    metadata = metadata_reply["createDeveloperMetadata"]["developerMetadata"]
    assert metadata["location"] == {"locationType": "SPREADSHEET", "spreadsheet": True}
    status, body = api.batch_update(
        {
            "updateDeveloperMetadata": {
                "dataFilters": [
                    {"developerMetadataLookup": {"metadataId": metadata["metadataId"]}}
                ],
                "developerMetadata": {"metadataValue": "v2"},
                "fields": "metadataValue",
            }
        },
        {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}},
        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
    )
    assert status == 200, body
    assert (
        body["replies"][0]["updateDeveloperMetadata"]["developerMetadata"][0]["metadataValue"]
        == "v2"
    )
    assert body["replies"][2]["deleteConditionalFormatRule"]["rule"]["ranges"] == [
        # as given: the open end stays open
        {"startRowIndex": 1, "startColumnIndex": 1, "endColumnIndex": 2}
    ]
    got = api.get("", fields="sheets(conditionalFormats,protectedRanges),developerMetadata")[1]
    assert got["sheets"][0] == {}
    assert [m["metadataValue"] for m in got["developerMetadata"]] == ["v2"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {
                "repeatCell": {
                    "range": WHOLE_B,
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.boldly",
                }
            },
            "Cannot find matching fields for path 'cell.userEnteredFormat.textFormat.boldly'.",
        ),
        (
            {
                "repeatCell": {
                    "range": {**WHOLE_B, "endRowIndex": 1001},
                    "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                    "fields": "userEnteredFormat.wrapStrategy",
                }
            },
            "Range (Sheet1!B2:B1001) exceeds grid limits. Max rows: 1000, max columns: 26",
        ),
        (
            {
                "repeatCell": {
                    "range": {**WHOLE_B, "sheetId": 77},
                    "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                    "fields": "userEnteredFormat.wrapStrategy",
                }
            },
            "No grid with id: 77",
        ),
        (
            {
                "repeatCell": {
                    "range": WHOLE_B,
                    "cell": {"userEnteredFormat": {"backgroundColor": {"red": 238}}},
                    "fields": "userEnteredFormat.backgroundColor",
                }
            },
            "Invalid color value at 'cell.backgroundColor.red': 238 is not in [0, 1].",
        ),
        (
            {
                "setDataValidation": {
                    "range": WHOLE_B,
                    "rule": {"condition": {"type": "ONE_OF_LIST", "values": []}},
                }
            },
            "Invalid rule.condition: ONE_OF_LIST must have at least one non-empty value.",
        ),
        (
            _rule('=$B2="red"', ranges=[]),
            "At least one range must be specified for a conditional format rule.",
        ),
        (
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                    "properties": {"pixelSize": 10},
                    "fields": "width",
                }
            },
            "Cannot find matching fields for path 'properties.width'.",
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRows",
                }
            },
            "Cannot find matching fields for path 'properties.gridProperties.frozenRows'.",
        ),
        ({"deleteProtectedRange": {"protectedRangeId": 5}}, "No protected range with id: 5"),
    ],
)
def test_malformed_formatting_requests_are_refused_as_google_does(
    api: Api, request_: dict[str, Any], message: str
) -> None:
    status, body = api.batch_update(request_)
    [kind] = request_
    assert (status, body["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert body["error"]["message"] == f"Invalid requests[0].{kind}: {message}"
    sheets = api.get("", fields="sheets(conditionalFormats,protectedRanges)")[1]["sheets"]
    assert all(sheet == {} for sheet in sheets)  # nothing of the refused batch was kept


def test_inserted_rows_move_formats_notes_and_widths_with_their_cells(api: Api) -> None:
    status, _ = api.batch_update(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 2, "columnIndex": 0},
                "rows": [{"values": [{"note": "third row"}]}],
                "fields": "note",
            }
        },
        {
            "insertDimension": {
                "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3},
                "inheritFromBefore": True,
            }
        },
    )
    assert status == 200
    got = api.get("", ranges="Sheet1!A5", fields="sheets.data.rowData.values.note")[1]
    assert got["sheets"][0]["data"][0]["rowData"] == [{"values": [{"note": "third row"}]}]
