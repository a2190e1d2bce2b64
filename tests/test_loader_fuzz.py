"""Property tests: whatever bytes or structure a scenario file has, loading never raises.

The example scenarios are mutated at random, at the byte level (what a broken editor or a bad
merge does) and at the structure level (a key dropped, renamed, or given a value of the wrong
type); the CSVs a scenario references are mutated, or drawn whole at random (bytes, rows of
random timestamps, dates and numbers). ``check_file`` and ``parse`` must return either a
``Scenario`` or a non-empty list of problems, each printable as one ``FILE: key.path: message``
line (never repeating a CSV's content); ``workbench validate`` must exit 0 or 2 and never print
a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from typer.testing import CliRunner

from scenarios.loader import check_file, parse
from scenarios.problems import Problem
from scenarios.schema import Scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios"
EXAMPLE_NAMES = ("global-retail.toml", "small-shop.toml")
EXAMPLE_BYTES = {name: (EXAMPLES / name).read_bytes() for name in EXAMPLE_NAMES}
EXAMPLE_RAW = {name: tomllib.loads(data.decode()) for name, data in EXAMPLE_BYTES.items()}

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    # CI re-runs the same examples (a red build is then a regression, never a new draw);
    # developers' runs draw new ones each time
    derandomize=os.environ.get("CI") == "true",
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example of the module (hypothesis reuses it between examples)."""
    return tmp_path_factory.mktemp("fuzz")


# --------------------------------------------------------------------------------------------
# Assertions shared by every property


def _referenced_files(raw: Any, base: Path) -> set[str]:
    """CSV files a (mutated) document points at; their problems name those files."""
    found: set[str] = set()
    if not isinstance(raw, dict):
        return found
    if isinstance(raw.get("roster"), str):
        found.add(str(base / raw["roster"]))
    channels = raw.get("channels")
    for channel in channels if isinstance(channels, list) else []:
        if isinstance(channel, dict) and isinstance(channel.get("forecast"), str):
            found.add(str(base / channel["forecast"]))
    return found


def _stage(problems: list[Problem]) -> str:
    first = problems[0].path if problems else ""
    return "file or TOML" if first.startswith(("line ", "(file)", "(toml)")) else "schema"


def assert_outcome(
    scenario: Scenario | None,
    problems: list[Problem],
    file: str,
    others: set[str] | frozenset[str] = frozenset(),
) -> None:
    """A scenario and only warnings, or no scenario and one or more well-formed problems."""
    if currently_in_test_context():  # shown by pytest --hypothesis-show-statistics
        event("loaded" if scenario is not None else f"problems ({_stage(problems)})")
    if scenario is not None:
        assert isinstance(scenario, Scenario)
        assert all(p.warning for p in problems), [str(p) for p in problems]
        return
    assert problems, "no scenario and no problem reported"
    for problem in problems:
        assert isinstance(problem, Problem)
        line = str(problem)
        assert problem.file == file or problem.file in others, line
        message = f"warning: {problem.message}" if problem.warning else problem.message
        start = f"{problem.file}: {problem.path}: {message}"
        assert line.startswith(start.replace("\r", "\\r").replace("\n", "\\n")), line
        assert problem.path and problem.message, line
        assert "\n" not in line, line  # one problem, one line
        assert "Traceback" not in line


# --------------------------------------------------------------------------------------------
# (a) byte-level mutations


@st.composite
def byte_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example file with 1-4 random byte edits (delete, insert, replace, truncate)."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    data = bytearray(EXAMPLE_BYTES[name])
    junk = st.one_of(
        st.binary(min_size=1, max_size=12),
        st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\x00", b"\xed\xa0\x80", b"\xfe\xff"]),
        st.sampled_from([b"=", b"[", b"]]", b"{", b'"', b"'''", b"\n", b"#", b",", b"."]),
    )
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        at = draw(st.integers(0, size))
        span = draw(st.integers(0, 40))
        op = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        if op == "delete":
            del data[at : at + span]
        elif op == "insert":
            data[at:at] = draw(junk)
        elif op == "replace":
            data[at : at + span] = draw(junk)
        else:
            del data[at:]
    return name, bytes(data)


@st.composite
def line_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example file with a line deleted, duplicated, swapped or its value replaced."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    lines = EXAMPLE_BYTES[name].decode().splitlines()
    literal = st.one_of(
        st.sampled_from(
            ['""', '"x"', "0", "-1", "1.5", "nan", "inf", "-inf", "true", "[]", "{}",
             "[1, 2]", '["voice"]', "2026-03-23", "08:00:00", "1979-05-27T07:32:00Z",
             '"25:00"', '"6 min"', '"9999999999999999999999999999999999999d"', '"0s"',
             '{ a = 1 }', "[{ }]", '"Mars/Base"']
        ),
        st.integers(-(2**63), 2**63 - 1).map(str),
    )  # fmt: skip
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "value"]))
        if op == "delete":
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif "=" in lines[at]:
            key = lines[at].split("=", 1)[0]
            lines[at] = f"{key}= {draw(literal)}"
    return name, ("\n".join(lines) + "\n").encode()


@settings(FUZZ, max_examples=1000)
@given(case=st.one_of(byte_mutations(), line_mutations()))
def test_mutated_bytes_never_raise(workdir: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    path = workdir / name
    path.write_bytes(data)
    scenario, problems = check_file(path)
    try:
        raw = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raw = None
    assert_outcome(scenario, problems, str(path), _referenced_files(raw, workdir))
    if raw is None:
        assert scenario is None


# --------------------------------------------------------------------------------------------
# (b) structural mutations of the parsed document

_leaf_values = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.sampled_from(
        ["", "voice", "riga", "full-8h", "europe", "UTC", "24h", "0s", "-5m", "08:00", "25:00",
         "mon", "week", "lognormal", "x.csv", "../x.csv", "/", "a\x00b"]
    ),
)  # fmt: skip
random_values = st.recursive(
    _leaf_values,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside ``node`` (dict keys and list indexes), parents first."""
    found: list[tuple[Any, ...]] = []
    items: Any = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


def _parent(doc: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def structural_mutations(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An example document with 1-4 random edits to its structure."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    doc = copy.deepcopy(EXAMPLE_RAW[name])
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        shallow = [p for p in paths if len(p) <= 2]  # whole tables and rows, more often
        path = draw(st.one_of(st.sampled_from(shallow), st.sampled_from(paths)))
        parent, key = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "rename", "duplicate"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(random_values)
        elif op == "rename" and isinstance(parent, dict):
            new = draw(
                st.one_of(
                    st.text(max_size=12),
                    st.sampled_from([key[:-1], key + "s", key.upper(), "name", "from", "from_"]),
                )
            )
            parent[new] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][-1]))
    return name, doc


@settings(FUZZ, max_examples=1500)
@given(case=structural_mutations())
def test_mutated_structure_never_raises(workdir: Path, case: tuple[str, dict[str, Any]]) -> None:
    name, doc = case
    scenario, problems = parse(doc, base=workdir, file=name)
    assert_outcome(scenario, problems, name, _referenced_files(doc, workdir))


# A small TOML writer, to run the same structural mutations through the file path as well.

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # fullmatch: "$" would accept a final newline


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def to_toml(value: Any) -> str:
    """A value as a TOML inline literal (tables as inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {to_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_document(doc: dict[str, Any]) -> str:
    """A whole document: one ``key = value`` line per top-level key."""
    return "".join(f"{_toml_key(k)} = {to_toml(v)}\n" for k, v in doc.items())


def _writable(value: Any) -> bool:
    """TOML integers are 64-bit and datetimes with offsets need whole minutes."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, dt.datetime | dt.time):
        return value.tzinfo is None
    if isinstance(value, list):
        return all(_writable(v) for v in value)
    if isinstance(value, dict):
        return all(_writable(v) for v in value.values())
    return True


def _same(a: Any, b: Any) -> bool:
    """Equality with nan equal to nan."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_toml_writer_round_trips_the_examples(name: str) -> None:
    doc = EXAMPLE_RAW[name]
    assert _same(tomllib.loads(write_document(doc)), doc)


@settings(FUZZ, max_examples=400)
@given(case=structural_mutations())
def test_mutated_structure_written_back_never_raises(
    workdir: Path, case: tuple[str, dict[str, Any]]
) -> None:
    name, doc = case
    if not _writable(doc):
        return
    text = write_document(doc)
    assert _same(tomllib.loads(text), doc)  # the writer itself is right
    path = workdir / f"written-{name}"
    path.write_text(text, encoding="utf-8")
    scenario, problems = check_file(path)
    assert_outcome(scenario, problems, str(path), _referenced_files(doc, workdir))


# --------------------------------------------------------------------------------------------
# CSV inputs: forecast and roster files with random content

SMALL_WITH_CSVS = (
    EXAMPLE_BYTES["small-shop.toml"]
    .decode()
    .split("[[roster]]")[0]
    .replace("format = 1\n", 'format = 1\nroster = "roster.csv"\n', 1)
    .replace('volume = { per = "week", count = 700 }', 'forecast = "email.csv"')
)
GOOD_FORECAST = (
    "interval_start,volume,region,aht\n"
    "2026-06-01T08:00:00+03:00,4,home,300\n"
    "2026-06-01T08:30:00+03:00,5.5,,\n"
)
GOOD_ROSTER = "site,shift,start,days,agents\ntallinn,day,08:00,mon tue wed,4\n"
ROSTER_COLUMNS_LINE = "site,shift,start,days,agents\n"


@st.composite
def csv_text(draw: st.DrawFn, good: str) -> bytes:
    """A valid CSV with random cells replaced, rows cut short or lengthened, bytes inserted."""
    rows = [line.split(",") for line in good.splitlines()]
    cell = st.one_of(
        st.text(max_size=10),
        st.sampled_from(["", "-1", "nan", "inf", "1e999", "x", "2026-06-01", "25:00", "mon",
                         "2026-06-01T08:00:00", "2026-06-01T08:00:00Z", '"', "a,b", "\n"]),
    )  # fmt: skip
    for _ in range(draw(st.integers(1, 5))):
        row = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["cell", "short", "long", "dup", "drop"]))
        if op == "cell" and rows[row]:
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(cell)
        elif op == "short" and rows[row]:
            rows[row].pop()
        elif op == "long":
            rows[row].extend(draw(st.lists(cell, min_size=1, max_size=3)))
        elif op == "dup":
            rows.append(list(rows[row]))
        elif len(rows) > 1:
            del rows[row]
    data = ("\n".join(",".join(r) for r in rows) + "\n").encode()
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=6)) + data[at:]
    return data


@settings(FUZZ, max_examples=600)
@given(forecast=csv_text(GOOD_FORECAST), roster=csv_text(GOOD_ROSTER))
def test_mutated_csv_inputs_never_raise(workdir: Path, forecast: bytes, roster: bytes) -> None:
    folder = workdir / "csv"
    folder.mkdir(exist_ok=True)
    (folder / "email.csv").write_bytes(forecast)
    (folder / "roster.csv").write_bytes(roster)
    path = folder / "shop.toml"
    path.write_text(SMALL_WITH_CSVS, encoding="utf-8")
    scenario, problems = check_file(path)
    others = {str(folder / "email.csv"), str(folder / "roster.csv")}
    assert_outcome(scenario, problems, str(path), others)
    if scenario is not None:
        assert scenario.roster_file == "roster.csv"
        assert set(scenario.forecasts) == {"email"}


def test_csv_fixture_files_are_valid(workdir: Path) -> None:
    """The unmutated CSVs load, so mutations above start from a file that works."""
    folder = workdir / "csv-good"
    folder.mkdir()
    (folder / "email.csv").write_text(GOOD_FORECAST, encoding="utf-8")
    (folder / "roster.csv").write_text(GOOD_ROSTER, encoding="utf-8")
    (folder / "shop.toml").write_text(SMALL_WITH_CSVS, encoding="utf-8")
    scenario, problems = check_file(folder / "shop.toml")
    assert problems == []
    assert scenario is not None
    assert scenario.forecasts["email"].volume == (4.0, 5.5)
    assert len(scenario.roster) == 1


# Whole CSV files drawn at random: random bytes, or rows of random timestamps and dates (years
# 1..9999, any offset), numbers (huge, tiny, negative, nan, inf, many digits) and words.

_number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["1e308", "-0", "1e-320", "nan", "inf", "9" * 5000, " 4 ", "4,5", "0x10"]),
)
_stamp_text = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2026-02-30T00:00Z"]
    ),
)
_word = st.one_of(st.text(max_size=8), st.sampled_from(["home", "tallinn", "day", "mon", ""]))
_days_text = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.lists(st.sampled_from(["mon", "tue", "sun", "funday", "2026-06-03"]), max_size=3).map(
        " ".join
    ),
    st.sampled_from(["2026-02-30", "0001-01-01", "9999-12-31", "2026-13-01"]),
)


def _csv_file(header: str, row: st.SearchStrategy[list[str]]) -> st.SearchStrategy[bytes]:
    rows = st.lists(row, max_size=6).map(
        lambda rs: (header + "".join(",".join(r) + "\n" for r in rs)).encode()
    )
    return st.one_of(rows, st.binary(max_size=80))


random_forecasts = _csv_file(
    "interval_start,volume,region,aht\n",
    st.tuples(_stamp_text, _number_text, _word, st.one_of(st.just(""), _number_text)).map(list),
)
random_rosters = _csv_file(
    ROSTER_COLUMNS_LINE,
    st.tuples(_word, _word, st.sampled_from(["08:00", "12:00", "25:00", "8"]), _days_text,
              _number_text).map(list),
)  # fmt: skip


def _write_csv_case(folder: Path, forecast: bytes, roster: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "email.csv").write_bytes(forecast)
    (folder / "roster.csv").write_bytes(roster)
    path = folder / "shop.toml"
    path.write_text(SMALL_WITH_CSVS, encoding="utf-8")
    return path


def _assert_csv_content_not_echoed(problems: list[Problem], csvs: set[str]) -> None:
    for problem in problems:
        if problem.file in csvs:
            assert "(got " not in str(problem), str(problem)


@settings(FUZZ, max_examples=300)
@given(forecast=random_forecasts, roster=random_rosters)
def test_random_csv_files_never_raise(workdir: Path, forecast: bytes, roster: bytes) -> None:
    """Whatever rows or bytes the CSVs hold: a scenario and warnings, or problems, each one
    line naming its file, and none repeating a CSV's content."""
    path = _write_csv_case(workdir / "csv-random", forecast, roster)
    scenario, problems = check_file(path)
    csvs = {str(path.parent / "email.csv"), str(path.parent / "roster.csv")}
    assert_outcome(scenario, problems, str(path), csvs)
    _assert_csv_content_not_echoed(problems, csvs)


@settings(FUZZ, max_examples=25)
@given(forecast=random_forecasts, roster=random_rosters)
def test_cli_validate_on_random_csv_files(workdir: Path, forecast: bytes, roster: bytes) -> None:
    """``workbench validate``: exit 0, or exit 2 with each problem on one line, no traceback."""
    path = _write_csv_case(workdir / "csv-cli", forecast, roster)
    from workbench.cli import app

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    _, problems = check_file(path)
    assert result.exit_code == (2 if any(not p.warning for p in problems) else 0), result.output
    assert result.stderr.splitlines() == [str(p) for p in problems]


# --------------------------------------------------------------------------------------------
# The command line on mutated files


@settings(FUZZ, max_examples=12)
@given(case=st.one_of(byte_mutations(), line_mutations()))
def test_cli_validate_on_mutated_files(workdir: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    path = workdir / f"cli-{name}"
    path.write_bytes(data)
    from workbench.cli import app  # here, so the loader properties run without the CLI stack

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert result.stdout.startswith(f"{path}: ok (")
    else:
        lines = result.stderr.splitlines()
        assert lines
        assert all(line.startswith(str(path)) for line in lines), result.stderr


# --------------------------------------------------------------------------------------------
# Regressions: crashes found by fuzzing (and by probing around them), now reported as problems


def _retail() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE_RAW["global-retail.toml"])


@pytest.mark.parametrize("regions", [3, 2.5, True, "europe", dt.date(2026, 1, 1)])
def test_regions_that_are_not_a_list(workdir: Path, regions: Any) -> None:
    """``regions = 3`` raised TypeError in the loader (iterating an int)."""
    doc = _retail()
    doc["regions"] = regions
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert any(p.path == "regions" and "valid tuple" in p.message for p in problems)
    assert_outcome(scenario, problems, "r.toml")


@pytest.mark.parametrize(("name", "got"), [(["europe"], ' (got ["europe"])'), ({"a": 1}, "")])
def test_region_name_that_is_not_a_string(workdir: Path, name: Any, got: str) -> None:
    """An unhashable region name raised TypeError in the coverage check."""
    doc = _retail()
    doc["regions"][0]["name"] = name
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert [str(p) for p in problems if p.path.endswith(".name")] == [
        f"r.toml: regions[0].name: should be a valid string{got}"
    ]


def test_duration_too_long_to_be_a_number(workdir: Path) -> None:
    """A 400-digit duration parsed to inf and raised OverflowError in the roster check."""
    doc = _retail()
    doc["shifts"][0]["starts"]["every"] = "9" * 400 + "m"
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert [(p.path, p.message) for p in problems] == [
        ("shifts.full-8h.starts.every", "is too long to be a duration")
    ]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("sites", 0, "hourly_cost"), math.inf),
        (("channels", 0, "weekday_weights"), [math.inf, 1, 1, 1, 1, 1, 1]),
        (("channels", 1, "concurrency_slowdown"), [1.0, math.nan]),
        (("optimizer", "mip_gap"), math.nan),
    ],
)
def test_infinite_and_nan_numbers_are_problems(
    workdir: Path, where: tuple[Any, ...], value: Any
) -> None:
    """inf weights loaded and made ``simulate`` crash in numpy; nan and inf are now refused."""
    doc = _retail()
    _parent(doc, where)[where[-1]] = value
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert problems
    assert all("finite number" in p.message for p in problems), problems


@pytest.mark.parametrize("key", ["forecast", "roster"])
def test_csv_path_with_a_nul_character(workdir: Path, key: str) -> None:
    """A NUL in a CSV path raised ValueError from ``Path.read_bytes``."""
    doc = _retail()
    if key == "forecast":
        del doc["channels"][2]["volume"]
        doc["channels"][2]["forecast"] = "a\x00b.csv"
    else:
        doc["roster"] = "a\x00b.csv"
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert [(p.file, p.path, p.message) for p in problems] == [
        (str(workdir / "a\x00b.csv"), "(file)", f"is not a usable path for a {key} file")
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"site,shift,start,days,agents\ntallinn,day,08:00,mon,4,extra\n", "line 2"),
        (b'site,shift,start,days,agents\ntallinn,day,08:00,"mon\n', "line 2"),
    ],
)
def test_roster_csv_crashes(workdir: Path, data: bytes, line: str) -> None:
    """A row longer than the header (AttributeError) and an unclosed quote were crashes."""
    folder = workdir / "roster-regression"
    folder.mkdir(exist_ok=True)
    (folder / "roster.csv").write_bytes(data)
    doc = copy.deepcopy(EXAMPLE_RAW["small-shop.toml"])
    doc["roster"] = "roster.csv"
    scenario, problems = parse(doc, base=folder, file="s.toml")
    assert scenario is None
    assert problems
    assert all(p.file == str(folder / "roster.csv") for p in problems)
    assert any(p.path.startswith(line) for p in problems), problems


def test_forecast_csv_with_a_bare_carriage_return_in_a_field(workdir: Path) -> None:
    """``csv.Error: new-line character seen in unquoted field`` escaped the forecast reader."""
    folder = workdir / "forecast-regression"
    folder.mkdir(exist_ok=True)
    (folder / "email.csv").write_bytes(b"interval_start,volume\n2026-06-01T08:00:00Z,4\r,5\n")
    doc = copy.deepcopy(EXAMPLE_RAW["small-shop.toml"])
    del doc["channels"][2]["volume"]
    doc["channels"][2]["forecast"] = "email.csv"
    scenario, problems = parse(doc, base=folder, file="s.toml")
    assert scenario is None
    assert [str(p) for p in problems] == [
        f"{folder / 'email.csv'}: line 3.interval_start: is not an ISO 8601 timestamp"
    ]


def test_key_with_a_line_break_stays_on_one_line(workdir: Path) -> None:
    """A quoted TOML key such as ``"a\\nb"`` printed a problem over two lines."""
    doc = _retail()
    doc["run"]["a\nb"] = 1
    scenario, problems = parse(doc, base=workdir, file="r.toml")
    assert scenario is None
    assert [str(p) for p in problems] == ["r.toml: run.a\\nb: unknown key (got 1)"]
