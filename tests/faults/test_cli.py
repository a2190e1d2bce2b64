"""The command line's own messages and options: values shown as typed, one unwrapped line per
problem, options checked against the scenario format's bounds, no library chatter, no hang on a
bad Dask scheduler file, strict JSON, ``plan.json`` identical run to run (issue 9, points 5 and
10, command-line side).

Each test is named after what it protects. What needs the real process (stderr that is not a
terminal, warning filters installed by ``workbench.cli.main``) runs ``python -m workbench`` in a
subprocess; the rest runs in-process through typer's ``CliRunner``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scenarios.schema import RunConfig
from tests.factory import single_queue_raw
from tests.test_optimize import day_scenario
from workbench.app import REPLICATIONS_RANGE, SEED_RANGE
from workbench.cli import app

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "small-shop.toml"
runner = CliRunner()


def cli(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    """``python -m workbench ARGS`` with stderr and stdout captured (so neither is a terminal),
    80 columns, no ``PYTHONWARNINGS`` and no ``WORKBENCH_DEBUG`` unless ``env`` sets them."""
    environ = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "WORKBENCH_DEBUG")
    }
    environ.update({"COLUMNS": "80", "PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=environ,
        timeout=300,
        check=False,
    )


def invoke(args: list[str]) -> Any:
    """The CLI in-process; an exception other than an exit is a failure."""
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}\n{result.output}"
    )
    return result


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def one_line(text: str) -> str:
    """The only non-blank line of ``text`` (no traceback, no panel, no wrapped tail)."""
    found = lines(text)
    assert len(found) == 1, text
    assert "Traceback" not in text
    return found[0]


def tiny_raw(name: str = "c1") -> dict[str, Any]:
    """One channel, one site, one day, a handful of contacts: simulates in a blink."""
    raw = single_queue_raw(agents=2, per_hour=4.0, days=1, replications=1, warmup="1h")
    raw["channels"][0]["name"] = name
    raw["sites"][0]["skills"] = [name]
    return raw


def write_toml(path: Path, raw: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(raw))
    return path


def strict_json(path: Path) -> Any:
    """``path`` read as RFC 8259 JSON: NaN and Infinity are refused."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"{path.name} holds {name}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small-shop simulated once (1 replication) by the current code."""
    out = tmp_path_factory.mktemp("cli") / "run"
    result = invoke(["simulate", str(SMALL), "--replications", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def copy_run(run_folder: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(run_folder, target)
    return target


# --------------------------------------------------------------------------------------------
# messages


def test_emoji_code_in_value_is_shown_as_typed(tmp_path: Path) -> None:
    """``:x:``, ``[bold]`` and ``[/]`` in a file name or a channel name reach stdout and stderr
    exactly as typed: no emoji, no markup swallowed (also in table cells and headers)."""
    folder = tmp_path / ":x: [bold]b[red]"
    scenario = write_toml(folder / "s.toml", tiny_raw("[bold]:x:[/]"))
    done = cli(["simulate", str(scenario), "--out", str(tmp_path / "out")])
    assert done.returncode == 0, done.stderr
    assert "[bold]:x:[/]" in done.stdout  # the channel's row of the KPI table
    assert "\N{CROSS MARK}" not in done.stdout + done.stderr
    missing = folder / ":x: [/] gone.toml"
    done = cli(["validate", str(scenario), str(missing)])
    assert done.returncode == 2
    assert f"{scenario}: ok" in done.stdout
    assert one_line(done.stderr).startswith(f"{missing}: ")
    assert "\N{CROSS MARK}" not in done.stdout + done.stderr


def test_long_message_not_wrapped_off_terminal(tmp_path: Path) -> None:
    """A problem about a 300-character scenario path is one line on a stderr that is not a
    terminal (a CI log), whatever COLUMNS says: the optimizer's verdict, a usage
    error and a missing file."""
    deep = tmp_path / ("d" * (300 - len(str(tmp_path)) - len("/s.toml") - 1))
    raw = day_scenario()
    raw["regions"] = [
        {"name": "here", "timezone": "UTC", "share": 0.8, "language": "en"},
        {"name": "there", "timezone": "UTC", "share": 0.2, "language": "fi"},
    ]
    scenario = write_toml(deep / "s.toml", raw)
    assert len(str(scenario)) == 300
    done = cli(["optimize", str(scenario), "--out", str(tmp_path / "out")])
    assert done.returncode == 3, done.stderr
    verdict = [line for line in lines(done.stderr) if "target missed" in line]
    assert verdict and verdict[0].startswith(f"{scenario}: target missed: "), done.stderr
    done = cli(["simulate", str(scenario), "--replications", "0"])
    assert done.returncode == 2
    assert "--replications" in one_line(done.stderr)
    done = cli(["validate", str(deep / "missing.toml")])
    assert done.returncode == 2
    assert one_line(done.stderr).startswith(str(deep / "missing.toml"))


# --------------------------------------------------------------------------------------------
# options


def _commands_with(tmp_path: Path, scenario: Path) -> dict[str, list[str]]:
    """Every command with a scenario and its other arguments, up to the options under test."""
    out = str(tmp_path / f"out-{uuid.uuid4().hex}")
    return {
        "simulate": ["simulate", str(scenario), "--out", out],
        "optimize": ["optimize", str(scenario), "--out", out],
        "compare": ["compare", str(scenario), str(scenario), "--out", out],
        "sweep": ["sweep", str(scenario), "--vary", "roster[0].agents=2,3", "--out", out],
        "regress": ["regress", str(scenario), "--baselines", str(tmp_path / "b")],
    }


def test_address_without_dask_executor_is_refused(tmp_path: Path) -> None:
    """``--address`` without ``--executor dask`` is a usage error in every command that has
    both: exit 2, one line naming ``--address``, before anything runs."""
    scenario = write_toml(tmp_path / "s.toml", tiny_raw())
    for name, args in _commands_with(tmp_path, scenario).items():
        for extra in (
            ["--address", "tcp://127.0.0.1:1"],
            ["--address", "tcp://127.0.0.1:1", "--executor", "local"],
        ):
            result = invoke([*args, *extra])
            assert result.exit_code == 2, f"{name} {extra}: {result.output}"
            line = one_line(result.output)
            assert "'--address'" in line and "--executor dask" in line, line
    assert not any(p.name.startswith("out-") for p in tmp_path.iterdir())


def test_cli_seed_out_of_range_refused(tmp_path: Path) -> None:
    """``--seed`` accepts exactly the scenario format's ``[run] seed`` range, ``--replications``
    its ``[run] replications`` range, ``--workers`` 1..256: anything else is exit 2 and one
    line naming the option, in every command that has the option."""
    rules = {rule.__class__.__name__: rule for rule in RunConfig.model_fields["seed"].metadata}
    assert (rules["Ge"].ge, rules["Le"].le) == SEED_RANGE == (0, 2**63 - 1)
    assert REPLICATIONS_RANGE == (1, 10_000)
    scenario = write_toml(tmp_path / "s.toml", tiny_raw())
    commands = _commands_with(tmp_path, scenario)
    bad = {
        "--seed": ["-1", str(2**63), str(10**30)],
        "--replications": ["0", "10001"],
        "--workers": ["0", "257"],
    }
    having = {
        "--seed": ("simulate", "compare", "sweep"),
        "--replications": ("simulate", "compare", "sweep"),
        "--workers": ("simulate", "optimize", "compare", "sweep", "regress"),
    }
    for option, values in bad.items():
        for name in having[option]:
            for value in values:
                result = invoke([*commands[name], option, value])
                assert result.exit_code == 2, f"{name} {option} {value}: {result.output}"
                assert f"'{option}'" in one_line(result.output)
    assert not any(p.name.startswith("out-") for p in tmp_path.iterdir())


def test_every_vary_problem_reported(tmp_path: Path) -> None:
    """Every problem of a ``--vary`` list in one run, one line each, exit 2: malformed items,
    a key given twice, a key naming nothing, a fixed key, duplicate values and the values of the
    keys that do name something."""
    done = invoke(
        [
            "sweep",
            str(SMALL),
            "--vary",
            "no-equals-sign",
            "--vary",
            "channels.phone.volume.count=-1,x",
            "--vary",
            "channels.phone.volume.count=3",
            "--vary",
            "channels.nope.count=1",
            "--vary",
            "run.seed=4",
            "--vary",
            "channels.chat.bot.containment=2,2",
            "--vary",
            "sites.tallinn.max_agents=",
            "--replications",
            "1",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert done.exit_code == 2, done.output
    found = lines(done.output)
    expected = [
        '--vary: must be KEY=V1,V2,... (got "no-equals-sign")',
        "channels.phone.volume.count: is varied twice",
        "sites.tallinn.max_agents: --vary needs values",
        "channels.nope.count: channels has no row named 'nope'",
        "run.seed: a sweep runs every point on the same seed",
        "channels.chat.bot.containment: lists a value twice (got 2)",
        "channels.phone.volume.count: should be greater than or equal to 0 (got -1)",
        "channels.phone.volume.count: should be a valid number, unable to parse string as a "
        'number (got "x")',
        "channels.chat.bot.containment: should be less than or equal to 1 (got 2)",
    ]
    for text in expected:
        assert sum(text in line for line in found) == 1, f"{text!r} not once in:\n{done.output}"
    assert len(found) == len(expected), done.output
    assert all(line.startswith(str(SMALL)) for line in found)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# report inputs


def test_report_on_malformed_summary_exits_2(run_folder: Path, tmp_path: Path) -> None:
    """``workbench report`` on a run folder whose summary.json is not JSON, not an object,
    holds NaN or Infinity, lacks a key or has a value of the wrong type or nested beyond
    reason, or whose manifest.json or intervals.csv is malformed: exit 2 and one line naming
    the file, never a traceback or a report of garbage."""
    summary = json.loads((run_folder / "summary.json").read_text())

    def with_key(path: tuple[str, ...], value: Any) -> str:
        document = json.loads(json.dumps(summary))
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return json.dumps(document)

    manifest = json.loads((run_folder / "manifest.json").read_text())
    cases = {
        "summary.json": [
            "{oops",
            "[1, 2]",
            with_key(("channels", "phone", "service_level", "mean"), float("nan")),
            with_key(("cost", "total"), float("inf")),
            json.dumps(summary).replace('"total": ', '"total": 1e999, "was": ', 1),
            with_key(("channels", "phone", "target", "share"), "x"),
            with_key(("channels", "phone", "service_level", "ci95"), 5),
            with_key(("channels", "phone", "offered"), "many"),
            with_key(("cost", "labor"), None),
            with_key(("sites", "tallinn"), [1]),
            json.dumps({"channels": {"phone": {}}, "sites": {}}),
            "[" * 100_000 + "]" * 100_000,
        ],
        "manifest.json": [
            json.dumps({**manifest, "command": 5}),
            json.dumps({**manifest, "versions": [1]}),
            "[" * 100_000 + "]" * 100_000,
        ],
        "intervals.csv": ["a,b\n1,2\n", '\x00garbage\n"unterminated'],
    }
    for name, texts in cases.items():
        for k, text in enumerate(texts):
            folder = copy_run(run_folder, tmp_path, f"{Path(name).stem}-{k}")
            (folder / name).write_text(text)
            result = invoke(["report", str(folder), "--no-png"])
            assert result.exit_code == 2, f"{name} case {k}: {result.output}"
            line = one_line(result.output)
            assert line.startswith(f"{folder}: "), line
            assert name in line or "manifest.json" in line, line
            assert not (folder / "report.html").exists()


# --------------------------------------------------------------------------------------------
# determinism and JSON


def test_plan_json_byte_identical_across_runs(tmp_path: Path) -> None:
    """``plan.json`` is the same byte for byte when ``optimize`` runs the same file twice: the
    solver's wall times are in ``manifest.json`` (``solve_s``, one per iteration), with the
    run's other times, and still printed on stderr."""
    scenario = write_toml(tmp_path / "day.toml", day_scenario())
    texts = []
    for run in ("a", "b"):
        result = invoke(["optimize", str(scenario), "--out", str(tmp_path / run)])
        assert result.exit_code == 0, result.output
        assert " s); " in result.output and "cells short on the scenario seed" in result.output
        texts.append((tmp_path / run / "plan.json").read_bytes())
    assert texts[0] == texts[1]
    plan = json.loads(texts[0])
    assert "solve_s" not in texts[0].decode()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert len(manifest["solve_s"]) == len(plan["iterations"])
    assert all(isinstance(s, float) and s >= 0 for s in manifest["solve_s"])


def test_json_outputs_never_contain_nan_or_infinity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every JSON file a command writes is RFC 8259 JSON: a value that is not finite (no data:
    a gap or bound the solver does not have, a service level with nothing offered) is written
    ``null``, never ``NaN`` or ``Infinity``, which jq and browsers refuse."""
    import optimizer.plan.files as files

    real = files.plan_json

    def without_data(plan: Any) -> dict[str, Any]:
        document = real(plan)
        document["mip_gap"] = float("nan")
        document["lower_bound"] = float("inf")
        document["iterations"][0]["missed_share"] = float("-inf")
        return document

    monkeypatch.setattr(files, "plan_json", without_data)
    scenario = write_toml(tmp_path / "day.toml", day_scenario())
    result = invoke(["optimize", str(scenario), "--out", str(tmp_path / "opt")])
    assert result.exit_code == 0, result.output
    plan = strict_json(tmp_path / "opt" / "plan.json")
    assert plan["mip_gap"] is None and plan["lower_bound"] is None
    assert plan["iterations"][0]["missed_share"] is None
    tiny = write_toml(tmp_path / "tiny.toml", tiny_raw())
    swp = str(tmp_path / "swp")
    for args in (
        ["simulate", str(tiny), "--out", str(tmp_path / "sim")],
        ["compare", str(tiny), str(tiny), "--out", str(tmp_path / "cmp")],
        ["sweep", str(tiny), "--vary", "roster[0].agents=2,3", "--no-cache", "--out", swp],
    ):
        result = invoke(args)
        assert result.exit_code == 0, result.output
    written = sorted(tmp_path.glob("*/**/*.json"))
    assert len(written) >= 6
    for path in written:
        strict_json(path)


# --------------------------------------------------------------------------------------------
# library chatter and Dask


def test_library_warnings_do_not_reach_stderr(run_folder: Path, tmp_path: Path) -> None:
    """A warning raised inside a library (pandas guessing the date format of an
    ``intervals.csv`` a spreadsheet rewrote) does not reach stderr, while the tool's own notes
    about that file do; ``WORKBENCH_DEBUG=1`` shows it (so the case really warns). The
    simulating commands print nothing on stderr off a terminal."""
    folder = copy_run(run_folder, tmp_path, "excel")
    intervals = pd.read_csv(folder / "intervals.csv")
    starts = pd.to_datetime(intervals["interval_start"], utc=True)
    intervals["interval_start"] = starts.dt.strftime("%d/%m/%Y %H:%M")
    intervals.to_csv(folder / "intervals.csv", index=False)
    done = cli(["report", str(folder), "--no-png"])
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and ".py:" not in done.stderr, done.stderr
    assert f"{folder}: left out: " in done.stderr  # the tool's own messages stay
    debug = cli(["report", str(folder), "--no-png", "--overwrite"], {"WORKBENCH_DEBUG": "1"})
    assert "UserWarning" in debug.stderr, debug.stderr
    for args in (
        ["simulate", "scenarios/global-retail.toml", "--replications", "2", "--workers", "2"],
        ["optimize", str(write_toml(tmp_path / "day.toml", day_scenario()))],
    ):
        done = cli([*args, "--out", str(tmp_path / f"out-{args[0]}")])
        assert done.returncode == 0, done.stderr
        progress = ("round ", "solver ")  # the optimizer's own progress lines
        chatter = [line for line in lines(done.stderr) if not line.lstrip().startswith(progress)]
        assert chatter == [], done.stderr


def test_empty_dask_scheduler_file_fails_fast(tmp_path: Path) -> None:
    """An empty, non-JSON or address-less Dask scheduler file, or an ``--address`` that is no
    address, is refused before any connection is tried: exit 2, one line naming it, within
    seconds (Dask itself polls such a file for 40 s, then prints a traceback)."""
    scenario = write_toml(tmp_path / "s.toml", tiny_raw())
    files = {
        "empty.json": "",
        "blank.json": "  \n",
        "garbage.json": "{not json",
        "list.json": "[1, 2]",
        "no-address.json": json.dumps({"type": "Scheduler", "id": "x"}),
        "number.json": json.dumps({"address": 8786}),
        "bare.json": json.dumps({"address": "localhost"}),
    }
    addresses = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        addresses[str(tmp_path / name)] = name
    addresses.update(
        {
            "nonsense": "nonsense",
            "127.0.0.1:8786": "did you mean tcp://127.0.0.1:8786",
            "http://127.0.0.1:8786": "unknown scheme",
            str(tmp_path): "not a regular file",
            str(tmp_path / "missing.json"): "not found",
        }
    )
    for address, named in addresses.items():
        began = time.perf_counter()
        out = str(tmp_path / "out")
        result = invoke(
            ["simulate", str(scenario), "--executor", "dask", "--address", address, "--out", out]
        )
        assert time.perf_counter() - began < 10, address
        assert result.exit_code == 2, f"{address}: {result.output}"
        line = one_line(result.output)
        assert named in line and line.startswith(f"{scenario}: --executor dask: "), line
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# fuzzing the options

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
    derandomize=os.environ.get("CI") == "true",  # CI: the same examples, red = regression
)

_INTS = st.one_of(
    st.sampled_from(["1", "2", "3"]),  # values that run, so that the runs are fuzzed too
    st.sampled_from(["0", "-1", "256", "257", "10000", "10001", str(2**63 - 1), str(2**63)]),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(max_size=6),
)
_INT_OPTIONS = {  # option -> values that run quickly
    "--seed": st.one_of(_INTS, st.sampled_from([str(2**63 - 1), "0"])),
    "--workers": st.one_of(st.sampled_from(["1", "2"]), _INTS),
    "--replications": st.one_of(st.sampled_from(["1", "2"]), _INTS),
}
_SCENARIOS = st.sampled_from(
    ["tiny.toml"] * 6 + ["missing.toml", "", ".", "/dev/null", "run", "a b :x:/s.toml"]
)
_FOLDERS = st.sampled_from(["run"] * 3 + ["missing", "", ".", "tiny.toml", "/dev/null"])
_ADDRESSES = st.sampled_from(["missing.json", "tiny.toml", "nonsense", "tcp://", "", "run"])
_VARY = st.one_of(
    st.sampled_from(
        [
            "roster[0].agents=2,3",
            "channels.c1.volume.count=10,20",
            "roster[9].agents=1",
            "channels.c1.volume.count=-5",
            "run.seed=1",
            "=",
            "x",
            "sites.hq.hourly_cost=1e308",
            "channels.c1.handle_time.mean=0s",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command and random option values; what runs runs a tiny scenario briefly."""
    command = draw(st.sampled_from(["validate", "simulate", "sweep", "compare", "report"]))
    if command == "validate":
        return [command, *draw(st.lists(_SCENARIOS, min_size=1, max_size=3))]
    if command == "report":
        flags = draw(st.lists(st.sampled_from(["--no-png", "--overwrite", "--bogus"])))
        return [command, draw(_FOLDERS), *flags, "--no-png"]  # PNGs take seconds each
    files = draw(st.lists(_SCENARIOS, min_size=2, max_size=3)) if command == "compare" else []
    args = [command, *(files or [draw(_SCENARIOS)])]
    for option in draw(st.lists(st.sampled_from([*_INT_OPTIONS, "--address"]), max_size=4)):
        args += [option, draw(_INT_OPTIONS.get(option, _ADDRESSES))]
    if draw(st.booleans()):
        args += ["--executor", draw(st.sampled_from(["local", "dask", "gpu"]))]
    if command == "sweep":
        for item in draw(st.lists(_VARY, max_size=3)):
            args += ["--vary", item]
        args.append("--no-cache")
    if "--replications" not in args:
        args += ["--replications", "1"]
    if "dask" in args and "--address" not in args:
        args += ["--address", "missing.json"]  # never start a local Dask cluster here
    return args


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny scenario, one in a folder with markup in its name, and a run folder ``run``."""
    folder = tmp_path_factory.mktemp("cli-fuzz")
    write_toml(folder / "tiny.toml", tiny_raw())
    write_toml(folder / "a b :x:" / "s.toml", tiny_raw())
    result = invoke(["simulate", str(folder / "tiny.toml"), "--out", str(folder / "run")])
    assert result.exit_code == 0, result.output
    return folder


@FUZZ
@given(args=command_lines())
def test_random_cli_options_exit_0_or_2_without_traceback(fuzz_dir: Path, args: list[str]) -> None:
    """Whatever option values ``validate``, ``simulate``, ``sweep``, ``compare`` and
    ``report`` get (numbers at and over their bounds, negative, huge, text, paths that do not
    exist, malformed ``--vary`` items), the exit code is 0 or 2 and nothing is a traceback."""
    if args[0] in ("simulate", "sweep", "compare"):
        args = [*args, "--out", f"out-{uuid.uuid4().hex}"]  # a new folder for each example
    old = Path.cwd()
    os.chdir(fuzz_dir)
    try:
        result = runner.invoke(app, args)
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}"
    )
    assert result.exit_code in (0, 2), f"{args}: exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, result.output
