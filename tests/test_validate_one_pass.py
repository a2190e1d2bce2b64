"""``workbench validate`` reports every problem of a file in one run.

A table whose fields fail still has its rules across fields checked on the fields that parsed
(``scenarios.table_rules``), the cross-table checks run on every table that is there, and a
check that needs a part that failed is skipped for that part only. Bad files are edits of the
small-shop example, as in ``tests/test_validate.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from scenarios.schema import Channel, Shift
from tests.test_validate import SHOP, SHOP_FORECAST, edit, expect, problems_of, run_cli, write

MISTAKES = (
    # field-level mistakes
    ("hourly_cost = 16.0", 'hourly_cost = "sixteen"'),
    ('mean = "5m", cv = 0.8', 'mean = "5 min", cv = 0.8'),
    ('time = "90s"', 'time = "soon"'),
    (
        'length = "8h30m"\n',
        'length = "8h30m"\ndays = ["mon", "tue", "wed", "thu", "fri", "sat", "xx"]\n',
    ),
    ("[run]\n", "[run]\nreplicatons = 5\n"),
    # rules across the fields of a table whose other fields failed
    ("weekday_weights = [1.3, 1.1, 1.0, 1.0, 1.1, 0.5, 0.0]", "weekday_weights = [1.3, 1.1, 1.0]"),
    ("concurrency_slowdown = [1.0, 1.25]", "concurrency_slowdown = [1.0]"),
    ('paid = "8h"', 'paid = "9h"'),
    # checks across tables
    ('shift = "day"\nstart = "12:00"', 'shift = "dya"\nstart = "12:00"'),
    ('start = "08:00"', 'start = "08:30"'),
    ('priority = ["phone", "chat", "email"]', 'priority = ["phone", "chat", "emial"]'),
)

EXPECTED = [
    ("sites.tallinn.hourly_cost", "should be a valid number", '"sixteen"'),
    ("channels.phone.handle_time.mean", "is not a duration", '"5 min"'),
    ("channels.chat.bot.time", "is not a duration", '"soon"'),
    ("shifts.day.days[6]", "should be 'mon', 'tue'", '"xx"'),
    ("run.replicatons", "unknown key; did you mean 'replications'?", "5"),
    (
        "channels.phone.weekday_weights",
        "needs 7 numbers (one per weekday, Mon..Sun), not 3",
        "[1.3, 1.1, 1.0]",
    ),
    (
        "channels.chat.concurrency_slowdown",
        "needs one factor per contact held (concurrency = 2), not 1",
        "[1.0]",
    ),
    ("shifts.day.paid", "is longer than the shift's length (8h30m)", '"9h"'),
    ("roster[1].shift", "is not a defined shift; did you mean 'day'?", '"dya"'),
    (
        "roster[0].start",
        "is not an allowed start of shift 'day'; it allows 07:00, 08:00, 09:00, 10:00, 11:00, "
        "12:00, 13:00",
        '"08:30"',
    ),
    ("routing.priority[2]", "is not a defined channel; did you mean 'email'?", '"emial"'),
]

LINE = re.compile(
    r"^(?P<file>[^:]+): (?P<key>[\w.\[\]-]+): (?P<what>.+?)(?: \(got (?P<got>.+)\))?$"
)
"""``FILE: key.path: what is wrong (got VALUE)``."""


def test_one_run_reports_every_independent_mistake(tmp_path: Path) -> None:
    """N mistakes of different kinds in different tables: one run names all N, each once, in
    the ``FILE: key.path: what is wrong (got VALUE)`` form, and exits 2."""
    path = write(tmp_path, edit(SHOP, *MISTAKES))
    code, out, err = run_cli("validate", str(path))
    lines = err.splitlines()
    print("\n".join(lines))  # the report shows what a planner sees
    assert code == 2
    assert out == ""
    assert len(lines) == len(MISTAKES) == len(EXPECTED), "\n".join(lines)
    for line in lines:
        match = LINE.match(line)
        assert match is not None and match["file"] == str(path), line
        assert match["got"] is not None, f"no value shown: {line}"
    for key, fragment, got in EXPECTED:
        expect(lines, path, key, fragment, got)


def test_roster_start_not_allowed_names_the_allowed_starts(tmp_path: Path) -> None:
    path = write(tmp_path, edit(SHOP, ('start = "12:00"', 'start = "12:30"')))
    expect(
        problems_of(path),
        path,
        "roster[1].start",
        "is not an allowed start of shift 'day'; it allows 07:00, 08:00, 09:00, 10:00, 11:00, "
        "12:00, 13:00",
        '"12:30"',
    )


def test_many_allowed_starts_are_given_as_a_range_and_the_nearest(tmp_path: Path) -> None:
    text = edit(SHOP, ('every = "1h"', 'every = "15m"'), ('start = "12:00"', 'start = "12:20"'))
    path = write(tmp_path, text)
    expect(
        problems_of(path),
        path,
        "roster[1].start",
        "is not an allowed start of shift 'day'; it allows 07:00 to 13:00 every 15m "
        "(nearest: 12:15, 12:30)",
        '"12:20"',
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment", "got"),
    [
        (
            "concurrency = 2\n",
            'concurrency = 2\ncallback = { offer_after = "2m", accept_share = 0.4, within = "1h" }'
            "\n",
            "channels.chat.callback",
            "is for voice only, not chat",
            '{ offer_after = "2m", accept_share = 0.4, within = "1h" }',
        ),
        (
            'hourly_profile = "flat"',
            "hourly_profile = [0, 0]",
            "channels.email.hourly_profile",
            "needs 24 numbers (one per local hour), not 2",
            "[0, 0]",
        ),
        (
            "weekday_weights = [1.3, 1.1, 1.0, 1.0, 1.1, 0.5, 0.0]",
            "weekday_weights = [0, 0, 0, 0, 0, 0, 0]",
            "channels.phone.weekday_weights",
            "weights are all zero",
            "[0, 0, 0, 0, 0, 0, 0]",
        ),
        (
            'hourly_profile = "flat"',
            'hourly_profile = "flat"\npatience = { mean = "2m" }',
            "channels.email.patience",
            "is for voice and chat only, not email",
            '{ mean = "2m" }',
        ),
    ],
)
def test_channel_rules_run_beside_a_field_error_of_the_same_channel(
    tmp_path: Path, old: str, new: str, key: str, fragment: str, got: str
) -> None:
    """Each channel rule is reported although the channel also has a field error."""
    field_error = ("absenteeism = 0.04", 'absenteeism = 0.04\nmax_agents = "eight"')
    channel_error = ('cv = 0.5, distribution = "gamma"', 'cv = "half", distribution = "gamma"')
    if "email" not in key:
        channel_error = ('mean = "8m", cv = 0.9', 'mean = "8m", cv = "most"')
        if "phone" in key:
            channel_error = ('mean = "5m", cv = 0.8', 'mean = "5m", cv = "most"')
    path = write(tmp_path, edit(SHOP, (old, new), field_error, channel_error))
    lines = problems_of(path)
    expect(lines, path, key, fragment, got)
    expect(lines, path, "sites.tallinn.max_agents", "should be a valid integer", '"eight"')
    assert len(lines) == 3, "\n".join(lines)


def test_a_rule_that_needs_a_field_that_failed_is_skipped(tmp_path: Path) -> None:
    """concurrency does not parse: its slowdown is not also judged against it, and a roster
    row is not judged against the days of a template whose days do not parse."""
    text = edit(
        SHOP,
        ("concurrency = 2\n", 'concurrency = "two"\n'),
        ('length = "8h30m"\n', 'length = "8h30m"\ndays = ["mon", "xx"]\n'),
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    assert [line.split(": ")[1] for line in lines] == [
        "channels.chat.concurrency",
        "shifts.day.days[1]",
    ]


def test_the_rules_still_guard_tables_built_in_code() -> None:
    """The same rules hold for a table built in Python rather than read from a file."""
    with pytest.raises(ValidationError, match="weekday_weights: needs 7 numbers"):
        Channel.model_validate(
            {
                "name": "x",
                "kind": "email",
                "volume": {"per": "week", "count": 1},
                "weekday_weights": [1.0],
                "handle_time": {"mean": "5m"},
                "target": {"within": "1h", "share": 0.9},
            }
        )
    with pytest.raises(ValidationError, match="paid: is longer than the shift's length"):
        Shift.model_validate(
            {
                "name": "s",
                "starts": {"from": "08:00", "to": "09:00", "every": "1h"},
                "length": "8h",
                "paid": "9h",
            }
        )


def test_forecast_rows_are_checked_against_the_grid_beside_other_mistakes(tmp_path: Path) -> None:
    """The interval grid comes from the `[scenario]` table alone: a forecast row off it is
    reported although a site of the same file has a field error."""
    (tmp_path / "email.csv").write_text(
        "interval_start,volume\n2026-06-01T08:10:00+03:00,4\n", encoding="utf-8"
    )
    text = edit(SHOP_FORECAST, ("hourly_cost = 16.0", 'hourly_cost = "sixteen"'))
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(lines, path, "sites.tallinn.hourly_cost", "should be a valid number", '"sixteen"')
    expect(
        lines,
        tmp_path / "email.csv",
        "line 2.interval_start",
        "does not start a 30m interval",
        None,
    )
