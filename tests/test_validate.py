"""``workbench validate``: every problem of a file, one line each, as
``FILE: key.path: what is wrong (got VALUE)``.

Bad files are made by editing the text of the example scenarios in ``tmp_path``; each test
asserts the exact key path, a fragment of the message and the exact value shown.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarios.loader import check_file, load
from scenarios.problems import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
RETAIL_FILE = ROOT / "scenarios" / "global-retail.toml"
SHOP_FILE = ROOT / "scenarios" / "small-shop.toml"
RETAIL = RETAIL_FILE.read_text(encoding="utf-8")
SHOP = SHOP_FILE.read_text(encoding="utf-8")


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Replace the first occurrence of each ``old`` by ``new``; ``old`` must be in the text."""
    for old, new in pairs:
        assert old in text, f"the example file no longer contains {old!r}"
        text = text.replace(old, new, 1)
    return text


def problems_of(path: Path) -> list[str]:
    """The problem lines of ``path``, which must not load."""
    scenario, problems = check_file(path)
    assert scenario is None, f"{path} loaded, but problems were expected"
    assert problems
    return [str(p) for p in problems]


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def expect(lines: list[str], file: Path, key: str, fragment: str, got: str | None) -> None:
    """Exactly one line is ``FILE: key: ...fragment... (got GOT)`` (no ``(got`` if ``None``)."""
    prefix = f"{file}: {key}: "
    hits = [
        line
        for line in lines
        if line.startswith(prefix)
        and fragment in line[len(prefix) :]
        and (line.endswith(f" (got {got})") if got is not None else "(got " not in line)
    ]
    shown = "\n".join(lines)
    assert len(hits) == 1, f"want one line {prefix}...{fragment}... (got {got}); have:\n{shown}"


# --------------------------------------------------------------------------------------------
# TOML syntax and unknown keys


@pytest.mark.parametrize(
    ("old", "new", "got"),
    [
        ("days = 7\n", "days = = 7\n", '"days = = 7"'),
        ("[routing]\n", "[routing\n", '"[routing"'),
        ('name = "riga"\n', 'name = "riga\n', '"name = \\"riga"'),
        ("max_agents = 90\n", "max_agents = 90 90\n", '"max_agents = 90 90"'),
    ],
)
def test_toml_syntax_error_names_the_line(tmp_path: Path, old: str, new: str, got: str) -> None:
    """The problem names the line (1-based, as editors count) and shows it."""
    text = edit(RETAIL, (old, new))
    number = text.splitlines().index(new.strip()) + 1
    path = write(tmp_path, text)
    lines = problems_of(path)
    assert len(lines) == 1
    expect(lines, path, f"line {number}", "invalid TOML: ", got)


def test_unknown_top_level_table_suggests_the_right_name(tmp_path: Path) -> None:
    path = write(tmp_path, edit(RETAIL, ("[routing]\n", "[routng]\n")))
    lines = problems_of(path)
    expect(
        lines,
        path,
        "routng",
        "unknown key; did you mean 'routing'?",
        '{ priority = ["voice", "chat", "social", "email"] }',
    )
    assert len(lines) == 1


def test_unknown_top_level_key_and_the_missing_one(tmp_path: Path) -> None:
    path = write(tmp_path, edit(RETAIL, ("format = 1\n", "formt = 1\n")))
    lines = problems_of(path)
    expect(lines, path, "formt", "unknown key; did you mean 'format'?", "1")
    expect(lines, path, "format", "is required but missing", None)
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment", "got"),
    [
        (
            'hourly_profile = "business"',
            'hourly_profil = "business"',
            "channels.voice.hourly_profil",
            "unknown key; did you mean 'hourly_profile'?",
            '"business"',
        ),
        (
            "[run]\n",
            "[run]\nreplicatons = 3\n",
            "run.replicatons",
            "unknown key; did you mean 'replications'?",
            "3",
        ),
        (
            'mean = "6m", cv = 0.7',
            'mean = "6m", cvv = 0.7',
            "channels.voice.handle_time.cvv",
            "unknown key; did you mean 'cv'?",
            "0.7",
        ),
        (
            "verify = { replications = 10, confidence = 0.95 }",
            "verify = { replications = 10, confidense = 0.95 }",
            "optimizer.verify.confidense",
            "unknown key; did you mean 'confidence'?",
            "0.95",
        ),
        (
            'night = { from = "21:00"',
            'night = { form = "21:00"',
            "sites.bogota.night.form",
            "unknown key; did you mean 'from'?",  # the TOML name, not the Python one
            '"21:00"',
        ),
        (
            "agents = 30\n",
            "agents = 30\nagent = 2\n",
            "roster[0].agent",
            "unknown key; did you mean 'agents'?",
            "2",
        ),
    ],
)
def test_unknown_nested_key_suggests_the_right_name(
    tmp_path: Path, old: str, new: str, key: str, fragment: str, got: str
) -> None:
    path = write(tmp_path, edit(RETAIL, (old, new)))
    lines = problems_of(path)
    expect(lines, path, key, fragment, got)


# --------------------------------------------------------------------------------------------
# Time zones and references


@pytest.mark.parametrize(
    ("old", "new", "key", "got"),
    [
        ('timezone = "UTC"', 'timezone = "Mars/Olympus"', "scenario.timezone", '"Mars/Olympus"'),
        (
            'timezone = "Asia/Kolkata"',
            'timezone = "Asia/Calcuta"',
            "regions.apac.timezone",
            '"Asia/Calcuta"',
        ),
        (
            'timezone = "Europe/Riga"',
            'timezone = "Europe/Rigaa"',
            "sites.riga.timezone",
            '"Europe/Rigaa"',
        ),
        ('timezone = "Europe/Riga"', 'timezone = ""', "sites.riga.timezone", '""'),
    ],
)
def test_unknown_time_zone(tmp_path: Path, old: str, new: str, key: str, got: str) -> None:
    path = write(tmp_path, edit(RETAIL, (old, new)))
    lines = problems_of(path)
    expect(lines, path, key, "is not a known IANA time zone", got)
    assert len(lines) == 1


def test_references_to_undefined_channels_and_regions(tmp_path: Path) -> None:
    text = edit(
        RETAIL,
        ('skills = ["chat", "email", "social"]', 'skills = ["chat", "emial", "social"]'),
        (
            'priority = ["voice", "chat", "social", "email"]',
            'priority = ["voice", "chat", "socail", "email"]',
        ),
        (
            'hourly_profile = "flat"\n',
            'hourly_profile = "flat"\n'
            "region_shares = { europe = 0.5, northamerica = 0.3, apac = 0.2 }\n",
        ),
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(
        lines,
        path,
        "sites.manila.skills[1]",
        "is not a defined channel; did you mean 'email'?",
        '"emial"',
    )
    expect(
        lines,
        path,
        "routing.priority[2]",
        "is not a defined channel; did you mean 'social'?",
        '"socail"',
    )
    expect(
        lines,
        path,
        "channels.email.region_shares.northamerica",
        "is not a defined region; did you mean 'north-america'?",
        '"northamerica"',
    )
    assert len(lines) == 3


def test_undefined_sites(tmp_path: Path) -> None:
    text = edit(
        RETAIL,
        ('name = "part-4h"\n', 'name = "part-4h"\nsites = ["rigga"]\n'),
        ('site = "manila"\nshift = "full-8h"', 'site = "manilla"\nshift = "full-8h"'),
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(
        lines,
        path,
        "shifts.part-4h.sites[0]",
        "is not a defined site; did you mean 'riga'?",
        '"rigga"',
    )
    expect(
        lines, path, "roster[4].site", "is not a defined site; did you mean 'manila'?", '"manilla"'
    )
    # roster[6] uses part-4h at riga, which the (mistyped) site list no longer allows
    expect(lines, path, "roster[6].site", "shift 'part-4h' may not be used at this site", '"riga"')
    assert len(lines) == 3


def test_undefined_shift(tmp_path: Path) -> None:
    text = edit(RETAIL, ('shift = "part-4h"', 'shift = "part-4"'))
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(
        lines,
        path,
        "roster[6].shift",
        "is not a defined shift; did you mean 'part-4h'?",
        '"part-4"',
    )
    assert len(lines) == 1


def warnings_of(path: Path) -> list[str]:
    """The warning lines of ``path``, which must still load (and validate with exit 0)."""
    scenario, problems = check_file(path)
    assert scenario is not None, [str(p) for p in problems]
    assert problems and all(p.warning for p in problems)
    from workbench.cli import app

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    return [str(p) for p in problems]


def test_region_language_no_site_speaks(tmp_path: Path) -> None:
    """A warning, not an error: the file simulates (those contacts go unanswered) and
    ``optimize`` reports the language as the cause of infeasibility (exit 3)."""
    path = write(tmp_path, edit(RETAIL, ('language = "pt"', 'language = "es"')))
    lines = warnings_of(path)
    for channel in ("voice", "chat", "email", "social"):
        expect(
            lines,
            path,
            f"channels.{channel}",
            "warning: no site with this skill speaks 'es', the language of region 'latam'",
            f'"{channel}"',
        )
    assert len(lines) == 4


def test_channel_without_a_skilled_site(tmp_path: Path) -> None:
    text = edit(SHOP, ('skills = ["phone", "chat", "email"]', 'skills = ["phone", "chat"]'))
    path = write(tmp_path, text)
    lines = warnings_of(path)
    expect(
        lines,
        path,
        "channels.email",
        "warning: no site has this channel among its skills",
        '"email"',
    )
    assert len(lines) == 1


# --------------------------------------------------------------------------------------------
# Shares and ranges


def test_shift_longer_than_the_horizon(tmp_path: Path) -> None:
    """On a cyclic horizon a shift longer than the horizon would overlap its own copy."""
    text = edit(SHOP, ("days = 7", "days = 1"), ('length = "8h30m"', 'length = "25h"'))
    lines = problems_of(write(tmp_path, text))
    expect(
        lines,
        tmp_path / "scenario.toml",
        "shifts.day.length",
        "is longer than the 24h horizon",
        '"25h"',
    )


def test_region_shares_must_sum_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, edit(RETAIL, ("share = 0.40\n", "share = 0.50\n")))
    lines = problems_of(path)
    expect(lines, path, "regions.share", "region shares must sum to 1", "1.1")
    assert len(lines) == 1


def test_channel_region_shares_must_sum_to_one(tmp_path: Path) -> None:
    text = edit(
        RETAIL,
        (
            'hourly_profile = "flat"\n',
            'hourly_profile = "flat"\n'
            "region_shares = { europe = 0.5, north-america = 0.3, latam = 0.1, apac = 0.05 }\n",
        ),
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(lines, path, "channels.email.region_shares", "shares must sum to 1", "0.95")
    assert len(lines) == 1


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment", "got"),
    [
        (
            "share = 0.40\n",
            "share = 1.2\n",
            "regions.europe.share",
            "less than or equal to 1",
            "1.2",
        ),
        ("days = 7\n", "days = 70\n", "scenario.days", "less than or equal to 62", "70"),
        ("days = 7\n", "days = 0\n", "scenario.days", "greater than or equal to 1", "0"),
        ("agents = 30", "agents = -3", "roster[0].agents", "greater than or equal to 0", "-3"),
        (
            "hourly_cost = 22.0",
            "hourly_cost = -1.0",
            "sites.riga.hourly_cost",
            "greater than or equal to 0",
            "-1.0",
        ),
        (
            "hourly_cost = 22.0",
            "hourly_cost = inf",
            "sites.riga.hourly_cost",
            "finite number",
            "inf",
        ),
        ("mip_gap = 0.01", "mip_gap = nan", "optimizer.mip_gap", "finite number", "nan"),
        (
            "count = 15000",
            'count = "many"',
            "channels.voice.volume.count",
            "valid number",
            '"many"',
        ),
        (
            "replications = 10\nseed",
            "replications = 0\nseed",
            "run.replications",
            "greater than or equal to 1",
            "0",
        ),
    ],
)
def test_out_of_range_numbers(
    tmp_path: Path, old: str, new: str, key: str, fragment: str, got: str
) -> None:
    path = write(tmp_path, edit(RETAIL, (old, new)))
    lines = problems_of(path)
    expect(lines, path, key, fragment, got)


# --------------------------------------------------------------------------------------------
# Durations and times of day


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment", "got"),
    [
        (
            'mean = "6m"',
            'mean = "6 min"',
            "channels.voice.handle_time.mean",
            "is not a duration",
            '"6 min"',
        ),
        (
            'within = "20s"',
            'within = "-20s"',
            "channels.voice.target.within",
            "is not a duration",
            '"-20s"',
        ),
        (
            'time_limit = "120s"',
            "time_limit = 120",
            "optimizer.time_limit",
            "must be a duration string",
            "120",
        ),
        (
            'start = "08:00"',
            'start = "25:00"',
            "roster[0].start",
            "between 00:00 and 23:59",
            '"25:00"',
        ),
        ('start = "08:00"', 'start = "8am"', "roster[0].start", 'write it "HH:MM"', '"8am"'),
        (
            'night = { from = "22:00"',
            'night = { from = "7:00"',
            "sites.riga.night.from",
            "is not a time of day",
            '"7:00"',
        ),
        (
            'starts = { from = "06:00"',
            'starts = { from = "06:60"',
            "shifts.part-4h.starts.from",
            "between 00:00 and 23:59",
            '"06:60"',
        ),
    ],
)
def test_malformed_durations_and_times(
    tmp_path: Path, old: str, new: str, key: str, fragment: str, got: str
) -> None:
    path = write(tmp_path, edit(RETAIL, (old, new)))
    lines = problems_of(path)
    expect(lines, path, key, fragment, got)


# --------------------------------------------------------------------------------------------
# Files that are not scenarios at all


@pytest.mark.parametrize("content", ["", "   \n\t\n  \n"], ids=["empty", "whitespace"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)
    assert problems_of(path) == [f"{path}: (file): the scenario file is empty"]


def test_comments_only_file_reports_the_missing_tables(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing here yet\n")
    lines = problems_of(path)
    for key in ("format", "scenario", "regions", "channels", "sites"):
        expect(lines, path, key, "is required but missing", None)


def test_non_utf8_bytes(tmp_path: Path) -> None:
    data = RETAIL.encode().replace(b"Follow-the-sun", b"F\xff\xfeollow-the-sun", 1)
    line = RETAIL[: RETAIL.index("Follow-the-sun")].count("\n") + 1
    path = tmp_path / "latin.toml"
    path.write_bytes(data)
    assert problems_of(path) == [f'{path}: line {line}: is not valid UTF-8 text (got "fffe6f6c")']


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SHOP.encode())
    scenario, problems = check_file(path)
    assert problems == []
    assert scenario is not None and scenario.scenario.name == "small-shop"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert problems_of(path) == [f"{path}: (file): scenario file not found"]


def test_directory(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [f"{tmp_path}: (file): is a directory, not a scenario file"]


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path, edit(RETAIL, ("days = 7\n", "days = 70\n"), ("agents = 30", "agents = -3"))
    )
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert [str(p) for p in caught.value.problems] == problems_of(path)
    assert len(caught.value.problems) == 2
    assert str(caught.value) == "\n".join(problems_of(path))


# --------------------------------------------------------------------------------------------
# Forecast CSV files

SHOP_FORECAST = edit(SHOP, ('volume = { per = "week", count = 700 }', 'forecast = "email.csv"'))
GOOD_FORECAST = (
    "interval_start,volume,region,aht\n"
    "2026-06-01T08:00:00+03:00,4,home,300\n"
    "2026-06-01T05:30:00Z,5.5,,\n"
)


def forecast_problems(tmp_path: Path, csv_text: str | None) -> tuple[Path, list[str]]:
    """Problems of small-shop with its email volume read from ``email.csv`` (None = no file)."""
    if csv_text is not None:
        (tmp_path / "email.csv").write_text(csv_text, encoding="utf-8")
    return tmp_path / "email.csv", problems_of(write(tmp_path, SHOP_FORECAST))


def test_valid_forecast_csv_loads(tmp_path: Path) -> None:
    (tmp_path / "email.csv").write_text(GOOD_FORECAST, encoding="utf-8")
    scenario, problems = check_file(write(tmp_path, SHOP_FORECAST))
    assert problems == []
    assert scenario is not None
    forecast = scenario.forecasts["email"]
    assert forecast.path == "email.csv"
    first = dt.datetime(2026, 6, 1, 5, 0, tzinfo=dt.UTC).timestamp()
    assert forecast.start_utc_s == (first, first + 1800.0)
    assert forecast.volume == (4.0, 5.5)
    assert forecast.region == ("home", None)
    assert forecast.aht_s == (300.0, None)
    assert scenario.channel("email").volume is None


def test_forecast_file_missing(tmp_path: Path) -> None:
    csv_path, lines = forecast_problems(tmp_path, None)
    assert lines == [f"{csv_path}: (file): forecast file not found"]


def test_forecast_missing_column(tmp_path: Path) -> None:
    csv_path, lines = forecast_problems(
        tmp_path, "interval_start,region\n2026-06-01T08:00:00+03:00,home\n"
    )
    assert lines == [f"{csv_path}: header: missing column(s) volume"]


def test_forecast_unknown_column(tmp_path: Path) -> None:
    csv_path, lines = forecast_problems(
        tmp_path, "interval_start,volume,regoin\n2026-06-01T08:00:00+03:00,4,home\n"
    )
    assert lines == [
        f"{csv_path}: header: column 3 is not one of interval_start, volume, region, aht, "
        "channel; did you mean 'region'?"
    ]


def test_forecast_bad_rows_are_all_reported(tmp_path: Path) -> None:
    csv_path, lines = forecast_problems(
        tmp_path,
        "interval_start,volume,region,aht\n"
        "2026-06-01T08:00:00,4,home,\n"  # no UTC offset
        "2026-06-01T08:30:00+03:00,4,mars,\n"  # unknown region
        "2026-06-01T09:00:00+03:00,-2,home,\n"  # negative volume
        "yesterday,1,home,0\n",  # not a timestamp; aht not > 0
    )
    # a CSV's content is never repeated in a message (issue 9.9): no "(got ...)"
    expect(lines, csv_path, "line 2.interval_start", "needs a UTC offset", None)
    expect(lines, csv_path, "line 3.region", "is not a defined region", None)
    expect(lines, csv_path, "line 4.volume", "must be a number from 0 to 1000000", None)
    expect(lines, csv_path, "line 5.interval_start", "is not an ISO 8601 timestamp", None)
    expect(lines, csv_path, "line 5.aht", "must be a handle time in seconds > 0", None)
    assert len(lines) == 5


def test_forecast_without_rows(tmp_path: Path) -> None:
    csv_path, lines = forecast_problems(tmp_path, "interval_start,volume\n")
    assert lines == [f"{csv_path}: (file): has no rows"]


def test_forecast_and_volume_together(tmp_path: Path) -> None:
    text = edit(
        SHOP,
        (
            'volume = { per = "week", count = 700 }',
            'volume = { per = "week", count = 700 }\nforecast = "email.csv"',
        ),
    )
    (tmp_path / "email.csv").write_text(GOOD_FORECAST, encoding="utf-8")
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(lines, path, "channels.email", "give exactly one of 'volume' and 'forecast'", None)


# --------------------------------------------------------------------------------------------
# Roster CSV files

assert "[[roster]]" in SHOP
SHOP_ROSTER = edit(
    SHOP.split("[[roster]]")[0], ("format = 1\n", 'format = 1\nroster = "roster.csv"\n')
)
ROSTER_HEADER = "site,shift,start,days,agents\n"


def roster_problems(tmp_path: Path, csv_text: str | None) -> tuple[Path, list[str]]:
    if csv_text is not None:
        (tmp_path / "roster.csv").write_text(csv_text, encoding="utf-8")
    return tmp_path / "roster.csv", problems_of(write(tmp_path, SHOP_ROSTER))


def test_valid_roster_csv_loads(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        ROSTER_HEADER + "tallinn,day,08:00,mon tue wed,4\ntallinn,day, 12:00 ,2026-06-03,2\n",
        encoding="utf-8",
    )
    scenario, problems = check_file(write(tmp_path, SHOP_ROSTER))
    assert problems == []
    assert scenario is not None
    assert scenario.roster_file == "roster.csv"
    assert [(r.site, r.shift, r.start, r.days, r.agents) for r in scenario.roster] == [
        ("tallinn", "day", 480, ("mon", "tue", "wed"), 4),
        ("tallinn", "day", 720, dt.date(2026, 6, 3), 2),
    ]


def test_roster_csv_bad_row(tmp_path: Path) -> None:
    csv_path, lines = roster_problems(
        tmp_path,
        ROSTER_HEADER
        + "tallinn,day,08:00,mon tue,4\n"
        + "tallin,night,25:00,mon funday,-1\n"
        + "tallinn,day,08:30,mon,x\n",
    )
    # a CSV's content is never repeated in a message (issue 9.9): no "(got ...)"
    expect(lines, csv_path, "line 3.site", "is not a defined site; did you mean 'tallinn'?", None)
    expect(lines, csv_path, "line 3.shift", "is not a defined shift", None)
    expect(lines, csv_path, "line 3.start", "between 00:00 and 23:59", None)
    expect(lines, csv_path, "line 3.days", "item 2 is not a weekday", None)
    expect(lines, csv_path, "line 3.agents", "should be greater than or equal to 0", None)
    expect(lines, csv_path, "line 4.start", "is not an allowed start of shift 'day'", None)
    expect(lines, csv_path, "line 4.agents", "should be a valid integer", None)
    assert len(lines) == 7


def test_roster_csv_missing_column(tmp_path: Path) -> None:
    csv_path, lines = roster_problems(tmp_path, "site,shift,start,agents\ntallinn,day,08:00,4\n")
    assert lines == [f"{csv_path}: header: missing column(s) days"]


def test_roster_csv_missing_file(tmp_path: Path) -> None:
    csv_path, lines = roster_problems(tmp_path, None)
    assert lines == [f"{csv_path}: (file): roster file not found"]


def test_roster_csv_row_longer_than_the_header(tmp_path: Path) -> None:
    """Regression (found by fuzzing): an extra field crashed the loader with AttributeError."""
    csv_path, lines = roster_problems(tmp_path, ROSTER_HEADER + "tallinn,day,08:00,mon,4,,late\n")
    assert lines == [f"{csv_path}: line 2: has 7 fields, more than the 5 columns"]


def test_roster_csv_with_old_mac_line_endings_loads(tmp_path: Path) -> None:
    """Regression (found by fuzzing): a bare carriage return raised csv.Error."""
    (tmp_path / "roster.csv").write_bytes(
        b"site,shift,start,days,agents\rtallinn,day,08:00,mon,4\r"
    )
    scenario, problems = check_file(write(tmp_path, SHOP_ROSTER))
    assert problems == []
    assert scenario is not None
    assert [(r.site, r.agents) for r in scenario.roster] == [("tallinn", 4)]


# --------------------------------------------------------------------------------------------
# Every problem at once


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    text = edit(
        RETAIL,
        ('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
        ("days = 7\n", "days = 70\n"),
        ('hourly_profile = "business"', 'hourly_profil = "business"'),
        ('mean = "6m"', 'mean = "6 min"'),
        ('site = "manila"\nshift = "full-8h"', 'site = "manilla"\nshift = "full-8h"'),
        (
            'priority = ["voice", "chat", "social", "email"]',
            'priority = ["voice", "chat", "socail", "email"]',
        ),
        ("agents = 30", "agents = -3"),
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(lines, path, "scenario.timezone", "is not a known IANA time zone", '"Mars/Olympus"')
    expect(lines, path, "scenario.days", "less than or equal to 62", "70")
    expect(
        lines, path, "channels.voice.hourly_profil", "did you mean 'hourly_profile'?", '"business"'
    )
    expect(lines, path, "channels.voice.handle_time.mean", "is not a duration", '"6 min"')
    expect(lines, path, "roster[4].site", "is not a defined site", '"manilla"')
    expect(lines, path, "routing.priority[2]", "is not a defined channel", '"socail"')
    expect(lines, path, "roster[0].agents", "greater than or equal to 0", "-3")
    assert len(lines) == 7
    assert len(set(lines)) == 7


def test_problems_of_the_scenario_and_its_csvs_come_together(tmp_path: Path) -> None:
    text = edit(
        SHOP_ROSTER,
        ("days = 7\n", "days = 70\n"),
        ('volume = { per = "week", count = 700 }', 'forecast = "email.csv"'),
    )
    (tmp_path / "roster.csv").write_text(
        ROSTER_HEADER + "tallinn,day,08:00,mon,-1\n", encoding="utf-8"
    )
    path = write(tmp_path, text)
    lines = problems_of(path)
    expect(lines, path, "scenario.days", "less than or equal to 62", "70")
    expect(lines, tmp_path / "roster.csv", "line 2.agents", "greater than or equal to 0", None)
    expect(lines, tmp_path / "email.csv", "(file)", "forecast file not found", None)
    assert len(lines) == 3


# --------------------------------------------------------------------------------------------
# The command line


def run_cli(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``workbench ARGS``, which must not raise."""
    from workbench.cli import app  # here, so the loader tests run without the CLI stack

    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_cli_validate_bad_file_exits_2_with_the_problem_lines_on_stderr(tmp_path: Path) -> None:
    path = write(
        tmp_path, edit(RETAIL, ("days = 7\n", "days = 70\n"), ('mean = "6m"', 'mean = "6 min"'))
    )
    code, out, err = run_cli("validate", str(path))
    assert code == 2
    assert out == ""
    assert err.splitlines() == problems_of(path)
    assert err.splitlines() == [
        f"{path}: scenario.days: should be less than or equal to 62 (got 70)",
        f"{path}: channels.voice.handle_time.mean: is not a duration; write it as "
        f'"20s", "3m", "1h30m" or "24h" (got "6 min")',
    ]


def test_cli_validate_examples_exit_0() -> None:
    code, out, err = run_cli("validate", str(RETAIL_FILE), str(SHOP_FILE))
    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        f"{RETAIL_FILE}: ok (4 channels, 3 sites, 7 roster rows)",
        f"{SHOP_FILE}: ok (3 channels, 1 sites, 2 roster rows)",
    ]


def test_cli_validate_good_and_bad_files_together(tmp_path: Path) -> None:
    bad = write(tmp_path, "")
    missing = tmp_path / "missing.toml"
    code, out, err = run_cli("validate", str(SHOP_FILE), str(bad), str(missing))
    assert code == 2
    assert out.splitlines() == [f"{SHOP_FILE}: ok (3 channels, 1 sites, 2 roster rows)"]
    assert err.splitlines() == [
        f"{bad}: (file): the scenario file is empty",
        f"{missing}: (file): scenario file not found",
    ]


def test_cli_validate_does_not_wrap_long_lines(tmp_path: Path) -> None:
    folder = tmp_path / ("a-rather-long-folder-name-" * 6)
    folder.mkdir()
    good = write(folder, SHOP, "shop.toml")
    bad = write(folder, edit(SHOP, ("days = 7\n", "days = 70\n")), "bad.toml")
    code, out, err = run_cli("validate", str(good), str(bad))
    assert code == 2
    assert out.splitlines() == [f"{good}: ok (3 channels, 1 sites, 2 roster rows)"]
    assert err.splitlines() == [
        f"{bad}: scenario.days: should be less than or equal to 62 (got 70)"
    ]


@pytest.mark.parametrize(
    "content", ['format = 1\n[scenario]\nname = "x"\n', None], ids=["bad", "missing"]
)
def test_cli_simulate_bad_file_exits_2_and_writes_nothing(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, out, err = run_cli("simulate", str(path), "--out", str(out_dir), "--replications", "1")
    assert code == 2
    assert not out_dir.exists()
    assert out == ""
    assert err.splitlines() == problems_of(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["bad.toml"] if content else [])


def test_cli_validate_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"format = 1\n\xff\xfe\n")
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == [f'{path}: line 2: is not valid UTF-8 text (got "fffe0a")']
