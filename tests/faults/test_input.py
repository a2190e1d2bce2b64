"""Bad input files: exit 2 and one line naming the problem, never a traceback, never a hang,
never unbounded memory; CSV content never echoed; suspicious rows are warnings (issue 9, points
5, 9 and 10, loader side).

Each test is named after what it protects. The command line runs as a real process
(``python -m workbench``) with a timeout and a memory limit, so a hang or a read of an endless
device fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import check_file
from scenarios.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SHOP = (ROOT / "scenarios" / "small-shop.toml").read_text(encoding="utf-8")
FORECAST_SHOP = SHOP.replace('volume = { per = "week", count = 700 }', 'forecast = "email.csv"')
ROSTER_SHOP = SHOP.split("[[roster]]")[0].replace(
    "format = 1\n", 'format = 1\nroster = "roster.csv"\n', 1
)
GOOD_FORECAST = (
    "interval_start,volume,region,aht\n"
    "2026-06-01T08:00:00+03:00,4,home,300\n"
    "2026-06-01T08:30:00+03:00,5.5,,\n"
)
ROSTER_HEADER = "site,shift,start,days,agents\n"
GOOD_ROSTER = ROSTER_HEADER + "tallinn,day,08:00,mon tue wed,4\n"
MEMORY_LIMIT = 4 << 30
"""Address space of a CLI process [bytes]: far above what a refusal needs, far below a read of
``/dev/zero`` until memory runs out."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m workbench ARGS`` in a real process: 20 s at most, 4 GB of address space."""
    environ = {k: v for k, v in os.environ.items() if k != "WORKBENCH_DEBUG"}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=environ,
        timeout=20,
        check=False,
        preexec_fn=_limit_memory,
    )


def refused(file: Path, tmp_path: Path, fragment: str, named: Path | None = None) -> str:
    """``validate FILE`` and ``simulate FILE`` both exit 2 with one line, no traceback, naming
    ``named`` (default: ``file``) and containing ``fragment``; simulate writes nothing."""
    line = ""
    out = tmp_path / "never-written"
    for args in (("validate", file), ("simulate", file, "--replications", "1", "--out", out)):
        done = cli(*args)
        lines = [x for x in done.stderr.splitlines() if x.strip()]
        assert done.returncode == 2, (args, done.returncode, done.stderr[-2000:])
        assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
        assert len(lines) == 1, (args, lines)
        assert lines[0].startswith(f"{named or file}: "), lines[0]
        assert fragment in lines[0], lines[0]
        assert not out.exists()
        line = lines[0]
    return line


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def with_forecast(tmp_path: Path, csv: str | bytes) -> Path:
    data = csv.encode() if isinstance(csv, str) else csv
    (tmp_path / "email.csv").write_bytes(data)
    return write(tmp_path, FORECAST_SHOP)


def with_roster(tmp_path: Path, csv: str) -> Path:
    (tmp_path / "roster.csv").write_text(csv, encoding="utf-8")
    return write(tmp_path, ROSTER_SHOP)


# --------------------------------------------------------------------------------------------
# The parser's stack


@pytest.mark.parametrize(
    "value",
    ["[" * 330 + "]" * 330, "{ a = " * 330 + "1" + " }" * 330],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_toml_is_refused_in_one_line(tmp_path: Path, value: str) -> None:
    """330 levels overflowed tomllib's recursion (RecursionError, a traceback)."""
    path = write(tmp_path, SHOP.replace("format = 1\n", f"format = 1\nx = {value}\n", 1))
    line = refused(path, tmp_path, "nested more than 32 levels deep")
    assert line.startswith(f"{path}: line 4: invalid TOML: ")  # the line of x


def test_deeply_nested_dotted_key_is_one_short_line(tmp_path: Path) -> None:
    """A key 3000 tables deep parsed, then rendering its value overflowed the stack."""
    path = write(tmp_path, SHOP.replace("format = 1\n", "format = 1\nx." + "a." * 3000 + "b = 1\n"))
    line = refused(path, tmp_path, "x: unknown key")
    assert len(line) < len(str(path)) + 200


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting(tmp_path: Path) -> None:
    """The nesting check reads strings and comments whole: a valid file is never refused
    (a guard of the check above, not a bug of its own)."""
    deep = "[" * 100
    text = SHOP.replace(
        'description = "',
        f"# {deep}\ndescription = '''{deep}''' # {deep}\nx_unused = \"",
        1,
    ).replace('x_unused = "', 'description2 = "', 1)
    _, problems = check_file(write(tmp_path, text))
    assert [p.path for p in problems] == ["scenario.description2"]  # unknown key, not nesting


# --------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_start_year_1_and_9999_refused_by_validate(tmp_path: Path, start: str) -> None:
    """They validated, then simulate (year 1) and validate itself (9999) raised OverflowError."""
    path = write(tmp_path, SHOP.replace("start = 2026-06-01", f"start = {start}"))
    refused(path, tmp_path, "scenario.start: should be ")


@pytest.mark.parametrize(("start", "days"), [("1900-01-01", 7), ("2200-12-31", 62)])
def test_start_at_either_end_of_its_range_simulates(tmp_path: Path, start: str, days: int) -> None:
    """The range 1900..2200 is one the time-zone conversions and the horizon represent (a
    guard of the range above: both ends run, summary.json holds finite numbers)."""
    text = SHOP.replace("start = 2026-06-01", f"start = {start}").replace(
        "days = 7", f"days = {days}"
    )
    done = cli("simulate", write(tmp_path, text), "--replications", "1", "--out", tmp_path / "o")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = (tmp_path / "o" / "summary.json").read_text(encoding="utf-8")
    assert "Infinity" not in summary and "NaN" not in summary


def test_roster_date_feb_30_is_refused(tmp_path: Path) -> None:
    """``2026-02-30`` in a roster CSV raised ValueError from ``date.fromisoformat``."""
    path = with_roster(tmp_path, GOOD_ROSTER + "tallinn,day,08:00,2026-02-30,2\n")
    line = refused(path, tmp_path, "line 3.days: is not a date", named=tmp_path / "roster.csv")
    assert "2026-02-30" not in line  # a CSV's content is not echoed


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_forecast_timestamp_outside_the_years_is_refused(tmp_path: Path, stamp: str) -> None:
    """A row at year 1 (+01:00) or 9999 (-05:00) raised OverflowError converting to UTC."""
    path = with_forecast(tmp_path, GOOD_FORECAST + f"{stamp},1,,\n")
    refused(path, tmp_path, "lies outside the years 1900..2200", named=tmp_path / "email.csv")


# --------------------------------------------------------------------------------------------
# Files that are not regular files, or too large


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_dev_zero_as_scenario_is_refused_before_reading(tmp_path: Path, device: str) -> None:
    """Read until memory ran out (3.5 GB in 16 s, then MemoryError)."""
    refused(Path(device), tmp_path, "is not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_dev_zero_as_forecast_is_refused_before_reading(tmp_path: Path, device: str) -> None:
    path = write(
        tmp_path, SHOP.replace('volume = { per = "week", count = 700 }', f'forecast = "{device}"')
    )
    refused(path, tmp_path, "is not a regular file", named=Path(device))


def test_dev_zero_as_roster_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, ROSTER_SHOP.replace('"roster.csv"', '"/dev/zero"'))
    refused(path, tmp_path, "is not a regular file", named=Path("/dev/zero"))


def test_fifo_as_scenario_is_refused_without_hanging(tmp_path: Path) -> None:
    """Opening a FIFO without a writer blocked forever."""
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    refused(fifo, tmp_path, "is not a regular file")


def test_fifo_as_forecast_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "email.csv")
    path = write(tmp_path, FORECAST_SHOP)
    refused(path, tmp_path, "is not a regular file", named=tmp_path / "email.csv")


def test_oversized_forecast_is_refused_before_reading(tmp_path: Path) -> None:
    """The size is checked on the open file: a 30 GB sparse file is refused without a read."""
    with open(tmp_path / "email.csv", "wb") as handle:
        handle.truncate(30 << 30)
    path = write(tmp_path, FORECAST_SHOP)
    refused(path, tmp_path, "is larger than 20000000 bytes", named=tmp_path / "email.csv")


# --------------------------------------------------------------------------------------------
# Numbers and names


def test_infinite_hourly_cost_is_refused(tmp_path: Path) -> None:
    """``hourly_cost = 1e308`` loaded and wrote ``Infinity`` into summary.json."""
    path = write(tmp_path, SHOP.replace("hourly_cost = 16.0", "hourly_cost = 1e308"))
    line = refused(path, tmp_path, "sites.tallinn.hourly_cost: should be less than or equal to")
    assert line.endswith("(got 1e+308)")


def test_huge_forecast_volume_is_refused(tmp_path: Path) -> None:
    """A forecast volume of 1e308 loaded and failed every replication in numpy (exit 3)."""
    path = with_forecast(tmp_path, GOOD_FORECAST.replace(",4,home", ",1e308,home"))
    refused(path, tmp_path, "line 2.volume: must be a number from 0 to", tmp_path / "email.csv")


def test_huge_agent_count_in_roster_csv_is_refused(tmp_path: Path) -> None:
    """5000 digits raised ValueError from ``int()`` (Python's digit limit)."""
    path = with_roster(tmp_path, ROSTER_HEADER + "tallinn,day,08:00,mon," + "9" * 5000 + "\n")
    refused(path, tmp_path, "line 2.agents: ", named=tmp_path / "roster.csv")


def _unbounded(node: Any, where: str, found: list[str]) -> None:
    if isinstance(node, dict):
        number = node.get("type") in ("number", "integer")
        # (a constraint on an optional value shows as "le"/"lt" in pydantic's JSON schema)
        if number and not {"maximum", "exclusiveMaximum", "le", "lt"} & node.keys():
            found.append(where)
        for key, child in node.items():
            _unbounded(child, f"{where}.{key}", found)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _unbounded(child, f"{where}[{index}]", found)


def test_every_number_has_a_finite_upper_bound() -> None:
    """Every number a scenario file holds has a range the results can represent (the forecast
    CSV's are checked by its reader, above)."""
    schema = Scenario.model_json_schema()
    found: list[str] = []
    for name, definition in schema["$defs"].items():
        if name != "Forecast":  # loader-only, filled from a checked CSV
            _unbounded(definition, name, found)
    assert found == []


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory"])
def test_localtime_timezone_refused(tmp_path: Path, zone: str) -> None:
    """``localtime`` (this machine's setting) and other database keys that are not IANA names
    loaded."""
    text = SHOP.replace('timezone = "Europe/Tallinn"\n\n[run]', f'timezone = "{zone}"\n\n[run]')
    path = write(tmp_path, text)
    refused(path, tmp_path, "scenario.timezone: is not a known IANA time zone")


def test_markup_and_emoji_codes_in_values_are_shown_as_typed(tmp_path: Path) -> None:
    """``:x:`` became an emoji on stderr; ``[bold]`` must not be swallowed as markup."""
    typed = ":x: [bold]v[/bold]"
    path = write(tmp_path, SHOP.replace('kind = "voice"', f'kind = "{typed}"'))
    line = refused(path, tmp_path, "channels.phone.kind: should be")
    assert line.endswith(f'(got "{typed}")')


# --------------------------------------------------------------------------------------------
# A referenced file's content is never echoed

SECRET = "hunter2-secret-token"


@pytest.mark.parametrize(
    ("kind", "csv", "where"),
    [
        ("forecast", f"interval_start,volume,{SECRET}\n2026-06-01T08:00:00Z,1,x\n", "header"),
        ("forecast", f"interval_start,volume\n2026-06-01T08:00:00Z,{SECRET}\n", "line 2.volume"),
        ("forecast", f"interval_start,volume\n{SECRET} offset,1\n", "line 2.interval_start"),
        ("forecast", f"interval_start,volume,region\n2026-06-01T08:00:00Z,1,{SECRET}\n", "line 2"),
        ("forecast", "interval_start,volume\n2026-06-01T08:00:00Z,1,secret\n", "line 2"),
        ("roster", f"site,shift,start,days,agents\n{SECRET},day,08:00,mon,4\n", "line 2.site"),
        ("roster", f"site,shift,start,days,agents\ntallinn,day,08:00,{SECRET},4\n", "line 2"),
        ("roster", f"{SECRET},shift,start,days,agents\ntallinn,day,08:00,mon,4\n", "header"),
    ],
)
def test_csv_content_never_echoed_in_errors(
    tmp_path: Path, kind: str, csv: str, where: str
) -> None:
    """A CSV's header line, cells or surplus fields were shown in ``(got ...)`` (a scenario can
    point ``forecast`` at any file): messages name the file, line and column only."""
    path = with_forecast(tmp_path, csv) if kind == "forecast" else with_roster(tmp_path, csv)
    named = tmp_path / ("email.csv" if kind == "forecast" else "roster.csv")
    line = refused(path, tmp_path, f": {where}", named=named)
    assert SECRET not in line and "secret" not in line and "(got " not in line, line


def test_non_utf8_csv_bytes_are_not_echoed(tmp_path: Path) -> None:
    """The bytes around an encoding error were shown in hex."""
    path = with_forecast(tmp_path, GOOD_FORECAST.encode() + b"\xffsecret\n")
    line = refused(path, tmp_path, "line 4: is not valid UTF-8 text", tmp_path / "email.csv")
    assert "(got " not in line


# --------------------------------------------------------------------------------------------
# Rows that load but look like a mistake: warnings


def validate_warnings(path: Path) -> list[str]:
    """``validate`` exits 0 and the file loads; its warning lines."""
    done = cli("validate", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{path}: ok (")
    scenario, problems = check_file(path)
    assert scenario is not None and all(p.warning for p in problems)
    return done.stderr.splitlines()


def test_duplicate_forecast_rows_are_warnings(tmp_path: Path) -> None:
    """A row repeating an earlier row's interval and region loaded silently (volumes added)."""
    row = "2026-06-01T08:00:00+03:00,4,home,300\n"
    path = with_forecast(tmp_path, GOOD_FORECAST + row + row)
    csv = tmp_path / "email.csv"
    message = "warning: has the interval_start and region of line 2; the volumes of both rows"
    assert validate_warnings(path) == [
        f"{csv}: line 4: {message} are added",
        f"{csv}: line 5: {message} are added",
    ]


def test_many_duplicate_forecast_rows_are_counted_not_listed(tmp_path: Path) -> None:
    row = "2026-06-01T08:00:00+03:00,4,home,300\n"
    lines = validate_warnings(with_forecast(tmp_path, GOOD_FORECAST + row * 500))
    assert len(lines) == 11
    assert lines[-1] == (
        f"{tmp_path / 'email.csv'}: (file): warning: 490 more rows repeat the interval_start "
        "and region of an earlier row"
    )


def test_off_grid_forecast_timestamps_are_warnings(tmp_path: Path) -> None:
    """A row starting between two intervals loaded silently (it overlaps two intervals)."""
    path = with_forecast(tmp_path, GOOD_FORECAST + "2026-06-01T09:10:00+03:00,1,,\n")
    (line,) = validate_warnings(path)
    assert line.startswith(
        f"{tmp_path / 'email.csv'}: line 4.interval_start: warning: does not start a 30m "
        "interval of the scenario"
    )


def test_duplicate_roster_rows_are_warnings(tmp_path: Path) -> None:
    """The same site, shift, start and days twice loaded silently (agents added)."""
    path = with_roster(tmp_path, GOOD_ROSTER + "tallinn,day,08:00,wed mon tue,2\n")
    assert validate_warnings(path) == [
        f"{tmp_path / 'roster.csv'}: line 3: warning: has the site, shift, start and days of "
        "line 2; the agents of both rows are added"
    ]


def test_duplicate_inline_roster_rows_are_warnings(tmp_path: Path) -> None:
    row = SHOP[SHOP.index("[[roster]]") :].split("\n\n")[0]
    path = write(tmp_path, SHOP + "\n" + row + "\n")
    assert validate_warnings(path) == [
        f"{path}: roster[2]: warning: has the site, shift, start and days of roster[0]; the "
        "agents of both rows are added"
    ]


def test_break_longer_than_shift_names_every_break(tmp_path: Path) -> None:
    """One message named the first bad break only, in seconds ("after 14400s of 32400s")."""
    breaks = (
        'breaks = [{ after = "4h", length = "9h" }, { after = "1h", length = "30m" }, '
        '{ after = "8h", length = "1h" }]'
    )
    path = write(tmp_path, SHOP.replace('breaks = [{ after = "4h", length = "30m" }]', breaks))
    done = cli("validate", path)
    assert done.returncode == 2
    message = 'ends after the shift: after + length is more than the shift\'s length "8h30m"'
    assert done.stderr.splitlines() == [
        f'{path}: shifts.day.breaks[0]: {message} (got {{ after = "4h", length = "9h" }})',
        f'{path}: shifts.day.breaks[2]: {message} (got {{ after = "8h", length = "1h" }})',
    ]
