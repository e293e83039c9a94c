"""Fixtures for the local Google Sheets API emulator: the emulator and a key file for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.auth.credentials import CredentialsWithRegionalAccessBoundary
from sheetsync_testkit.sheets_emulator import SheetsEmulator, write_service_account_key


@pytest.fixture
def no_regional_access_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth 2.55+ looks up a 'regional access boundary' at a Google host in a background
    thread after each token refresh; tests talk to 127.0.0.1 only, so skip that lookup."""
    monkeypatch.setattr(
        CredentialsWithRegionalAccessBoundary,
        "_is_regional_access_boundary_lookup_required",
        lambda self: False,
    )


@pytest.fixture
def sheets_emulator(no_regional_access_boundary: None) -> Iterator[SheetsEmulator]:
    """A started emulator, stopped after the test; a before() callback that raised or an
    emulator bug (answered as HTTP 500) fails the test."""
    emulator = SheetsEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()
    if emulator.errors:
        raise emulator.errors[0]


@pytest.fixture
def service_account_key(tmp_path: Path, sheets_emulator: SheetsEmulator) -> Path:
    """A service-account key file whose token_uri is the emulator's; its client_email may get
    tokens (share a spreadsheet with it to let it in)."""
    path = tmp_path / "service-account.json"
    write_service_account_key(path, sheets_emulator)
    return path
