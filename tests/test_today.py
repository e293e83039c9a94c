""" "Today" is the network's: the run's clock (ctx.now) or state.local_now(config), never the
machine's date, which differs from the network's for hours a day when they are in different
time zones."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

import sheetsync
from sheetsync.dedupe import find_duplicates
from sheetsync.dedupe.dates import birth_key, looks_like_birth_dates

SOURCE = Path(sheetsync.__file__).parent
# The machine's clock, read without the network's time zone.
MACHINE_CLOCK = re.compile(r"date\.today\(\)|datetime\.now\(\)|datetime\.today\(\)|utcnow\(")
# Where the machine's date is right: a contact list checked without any network.
ALLOWED = {("dedupe/dates.py", "return (today or dt.date.today()).year")}


def test_no_module_reads_the_machines_date_instead_of_the_networks():
    found = {
        (str(path.relative_to(SOURCE)), line.strip())
        for path in SOURCE.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if MACHINE_CLOCK.search(line)
    }
    assert found == ALLOWED


@pytest.mark.parametrize(
    ("today", "iso"),
    [
        (dt.date(2026, 12, 31), "1927-01-02"),  # 27 is not after 2026: 1927
        (dt.date(2027, 1, 1), "2027-01-02"),  # New Year in the network's time zone: 2027
    ],
)
def test_a_two_digit_year_of_birth_is_read_by_the_networks_date(today, iso):
    assert birth_key("1/2/27", "US", today) == iso


def test_a_column_of_birth_dates_is_judged_by_the_networks_year():
    born = ["2010-05-01", "2011-06-02", "2012-07-03", "2009-08-04", "2010-09-05"]
    # A median birth year of 2010 is 16 years ago in 2026, not yet in 2025.
    assert looks_like_birth_dates(born, "US", dt.date(2026, 1, 1))
    assert not looks_like_birth_dates(born, "US", dt.date(2025, 12, 31))


def test_find_duplicates_reads_birth_dates_by_the_run_date():
    records = pd.DataFrame(
        {
            "id": ["R1", "R2"],
            "name": ["Ana Ruiz", "Ana Ruiz"],
            "birth_date": ["1/2/27", "2027-01-02"],
        }
    )
    # On 1 January 2027 both say the same day; on 31 December 2026 they are 100 years apart.
    same = find_duplicates(records, "US", today=dt.date(2027, 1, 1))
    apart = find_duplicates(records, "US", today=dt.date(2026, 12, 31))
    assert same.kept_of["R2"] == "R1"
    assert apart.kept_of["R2"] == "R2"
