"""Headless Chromium for tests that look at a page as a browser draws it (the digest's
preview, the printed call sheet): where it is, or a skip that says how to install it, and
the flags that keep it from reaching out or keeping anything between runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_MISSING = (
    "Chromium is not installed, and `make test` installs it only as root or with "
    "passwordless sudo: run `sudo apt-get install chromium`, then `make test` again"
)


def chromium_or_skip() -> str:
    """The chromium program; without it the test is skipped, except on CI, which must
    have it."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        # make test installs it where it can (root, passwordless sudo); CI runs as root.
        assert not os.environ.get("CI"), "make test installs Debian's chromium as root"
        pytest.skip(CHROMIUM_MISSING)
    return chromium


def headless_flags(profile: Path, *extra: str) -> list[str]:
    """Headless, with no sandbox (tests run as root in CI), no GPU, none of Chromium's
    own network traffic (updates, sync), and a fresh profile in `profile`."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *extra,
    ]
