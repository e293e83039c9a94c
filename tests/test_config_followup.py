"""[followup] in sheetsync.toml: defaults, times in words by urgency, and clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.config import Config
from sheetsync.config_followup import FollowupConfig, duration_label, parse_duration
from sheetsync.errors import ConfigError

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def config(**followup) -> Config:
    data = {"network": {"zones": ["Northside"]}, "backend": {"workbook": "n.xlsx"}}
    return Config.from_dict({**data, "followup": followup} if followup else data)


def test_the_defaults_are_the_documented_ones():
    f = config().followup
    assert f == FollowupConfig()
    assert f.is_urgent("today") and f.is_urgent("This Week") and not f.is_urgent("When someone can")
    assert (f.expires("Today"), f.expires("This week"), f.expires("")) == (D, 3 * D, 3 * D)
    assert (f.due("Today"), f.due("This week"), f.due("When someone can")) == (D, 7 * D, 14 * D)
    assert f.levels("Today") == (("4 hours", 4 * H), ("7 days", 7 * D), ("14 days", 14 * D))
    assert f.levels("This week") == (("2 days", 2 * D), ("7 days", 7 * D), ("14 days", 14 * D))
    assert f.levels("When someone can") == (("7 days", 7 * D), ("14 days", 14 * D))
    assert f.remind_every_days == 3


def test_an_urgency_left_out_of_a_table_keeps_its_default():
    f = config(expire_after={"Today": "12 hours"}, escalate_days=[10, 3]).followup
    assert (f.expires("today"), f.expires("This week")) == (12 * H, 3 * D)
    # Levels are sorted and unique; a day level below the urgency's first is left out.
    assert f.levels("Today") == (("4 hours", 4 * H), ("3 days", 3 * D), ("10 days", 10 * D))
    assert f.levels("When someone can") == (("7 days", 7 * D), ("10 days", 10 * D))


@pytest.mark.parametrize(
    ("text", "delta"),
    [("4 hours", 4 * H), ("1 day", D), ("3 days", 3 * D), ("2w", 14 * D), ("1.5 h", 1.5 * H)],
)
def test_times_in_words(text, delta):
    assert parse_duration(text, "x") == delta


@pytest.mark.parametrize(
    ("delta", "label"), [(4 * H, "4 hours"), (H, "1 hour"), (D, "1 day"), (14 * D, "14 days")]
)
def test_durations_read_back_as_words(delta, label):
    assert duration_label(delta) == label
    assert parse_duration(label, "x") == delta


@pytest.mark.parametrize(
    ("followup", "says"),
    [
        ({"expire_after": {"Today": "soon"}}, "[followup] expire_after.Today in the config is a"),
        ({"expire_after": {"Today": "0 days"}}, "expire_after.Today"),
        ({"due_after": {"default": "5000000 days"}}, "up to 3650 days"),
        ({"escalate_after": "4 hours"}, "is a table by urgency"),
        ({"escalate_days": [7, 0]}, "escalate_days"),
        ({"escalate_days": [99999]}, "up to 3650"),
        ({"remind_every_days": 0}, "remind_every_days"),
        ({"remind_every_days": True}, "remind_every_days"),
        ({"urgent": "Today"}, 'urgent = ["Today", "This week"]'),
        ({"expire_afterr": {}}, "Did you mean 'expire_after'?"),
    ],
)
def test_a_wrong_setting_says_what_to_write(followup, says):
    with pytest.raises(ConfigError) as err:
        config(**followup)
    assert says in str(err.value)
