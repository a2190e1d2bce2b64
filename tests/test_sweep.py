"""``workbench sweep`` and ``workbench.sweep``: key paths, values, validation of every point,
common random numbers, the cache, the run folder and the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from scenarios.loader import load
from scenarios.problems import ScenarioError
from simulation import executors, simulate
from simulation.cache import ReplicationCache
from tests.factory import single_queue_raw
from workbench.cli import app
from workbench.sweep import SWEEP_COLUMNS, plan_sweep, run_sweep, sweep
from workbench.sweep_chart import sweep_chart
from workbench.sweep_keys import parse_value, parse_vary, set_key

ROOT = Path(__file__).resolve().parent.parent
GLOBAL_RETAIL = ROOT / "scenarios" / "global-retail.toml"
runner = CliRunner()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A one-day single-queue scenario file (9 agents, 3 replications)."""
    path = tmp_path / "tiny.toml"
    raw = single_queue_raw(9, per_hour=150.0, patience="2m", days=1, replications=3)
    path.write_text(tomli_w.dumps(raw))
    return path


# --------------------------------------------------------------------------------------------
# values and key paths


def test_values_are_read_like_toml_scalars() -> None:
    assert parse_value("9000") == 9000 and isinstance(parse_value("9000"), int)
    assert parse_value("0.25") == 0.25
    assert parse_value("true") is True
    assert parse_value('"6m"') == "6m"
    assert parse_value("6m") == "6m"  # not TOML: kept as text (a duration)
    assert parse_value("08:30") == "08:30"
    assert parse_value("[1.0, 1.25]") == [1.0, 1.25]
    vary = parse_vary(["a.b=1,2.5,6m", 'c="x,y",[1, 2]'])
    assert vary == {"a.b": [1, 2.5, "6m"], "c": ["x,y", [1, 2]]}


def test_malformed_vary_items_are_all_reported() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_vary(["nokey", "a=1,,2", "b=1", "b=2"], "f.toml")
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        'f.toml: --vary: must be KEY=V1,V2,... (got "nokey")',
        'f.toml: a: --vary needs values V1,V2,... (one is empty) (got "a=1,,2")',
        "f.toml: b: is varied twice; give all its values at once",
    ]


def test_key_paths_name_rows_by_name_or_index() -> None:
    raw: dict[str, Any] = {
        "channels": [{"name": "voice", "volume": {"count": 1}}, {"name": "chat"}],
        "roster": [{"agents": 1}, {"agents": 2}],
        "shifts": [{"name": "early", "breaks": [{"length": "15m"}]}],
    }
    assert set_key(raw, "channels.voice.volume.count", 5) is None
    assert set_key(raw, "roster[1].agents", 7) is None
    assert set_key(raw, "shifts.early.breaks[0].length", "20m") is None
    assert set_key(raw, "channels.chat.bot.containment", 0.3) is None  # new table
    assert set_key(raw, "optimizer.mip_gap", 0.02) is None
    assert raw["channels"][0]["volume"]["count"] == 5
    assert raw["roster"][1]["agents"] == 7
    assert raw["shifts"][0]["breaks"][0]["length"] == "20m"
    assert raw["channels"][1]["bot"] == {"containment": 0.3}
    assert raw["optimizer"] == {"mip_gap": 0.02}
    assert set_key(raw, "channels.vocie.volume.count", 1) == (
        "channels has no row named 'vocie'; did you mean 'voice'?"
    )
    assert set_key(raw, "roster[5].agents", 1) == "roster has 2 rows (0..1)"
    assert (
        set_key(raw, "channels.voice", 1) == "channels.voice is a whole row; name one of its keys"
    )
    assert "is a value, not a table" in str(set_key(raw, "channels.voice.volume.count.x", 1))
    assert "--seed" in str(set_key(raw, "run.seed", 3))
    assert "not a key path" in str(set_key(raw, "channels..voice", 3))
    assert "read from r.csv" in str(set_key({"roster": "r.csv"}, "roster[0].agents", 3))


def test_bad_keys_and_values_are_reported_per_point(tiny: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(tiny, {"roster[0].agents": [5, -1], "channels.c1.patience.mean": ["2m", "x"]})
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f'{tiny} {{roster[0].agents=5, channels.c1.patience.mean="x"}}: ')
    assert "channels.c1.patience.mean: is not a duration" in lines[0]
    assert "roster[0].agents:" in lines[1] and "(got -1)" in lines[1]
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(tiny, {"channels.c2.volume.count": [1], "sites.hq.agents": [3, 3]})
    lines = [str(p) for p in caught.value.problems]
    assert lines[0] == f"{tiny}: channels.c2.volume.count: channels has no row named 'c2'"
    assert lines[1] == f"{tiny}: sites.hq.agents: lists a value twice (got 3)"
    # every problem at once: the point's scenario is still checked, and sites have no 'agents'
    assert lines[2].startswith(f"{tiny} {{sites.hq.agents=3}}: sites.hq.agents: unknown key")
    assert len(lines) == 3


# --------------------------------------------------------------------------------------------
# running


def test_sweep_table_on_common_random_numbers(tiny: Path, tmp_path: Path) -> None:
    table = sweep(
        tiny, {"roster[0].agents": [7, 9, 11], "channels.c1.volume.count": [3600]}, cache=False
    )
    keys = ["roster[0].agents", "channels.c1.volume.count"]
    fixed = [c for c in SWEEP_COLUMNS if c != "<key>"]
    assert list(table.columns) == ["point", *keys, *fixed[1:]]
    assert list(table["point"]) == [0, 1, 2] and list(table["roster[0].agents"]) == [7, 9, 11]
    # the 9-agent point is the base scenario: the same customers give the same figures
    base = simulate(load(tiny)).summary["channels"]["c1"]
    assert table.loc[1, "service_level"] == base["service_level"]["mean"]
    assert table.loc[1, "asa_s"] == base["asa_s"]
    # same customers everywhere: the arrivals do not change, service improves with agents
    assert table["offered"].nunique() <= 3 and table["service_level"].is_monotonic_increasing
    assert table["cost_total"].is_monotonic_increasing
    assert (table["service_level_ci_low"] <= table["service_level"]).all()


def test_sweep_accepts_a_loaded_scenario(tiny: Path) -> None:
    vary = {"roster[0].agents": [8, 10]}
    from_file = sweep(tiny, vary, replications=2, cache=False)
    from_object = sweep(load(tiny), vary, replications=2, cache=False)
    pd.testing.assert_frame_equal(from_file, from_object)


def test_second_run_is_read_from_the_cache_and_a_partial_one_fills_the_gaps(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_sweep(tiny, {"roster[0].agents": [8, 10]}, replications=3)
    first = run_sweep(plan, cache=ReplicationCache(tmp_path / "c"))
    assert (first.computed, first.cached) == (6, 0)
    entries = sorted((tmp_path / "c").rglob("*.npz"))
    assert len(entries) == 6
    for entry in entries[:2]:
        entry.unlink()
    calls: list[int] = []
    real = executors.replicate

    def counted(model: Any, seed: int, replication: int) -> Any:
        calls.append(replication)
        return real(model, seed, replication)

    monkeypatch.setattr(executors, "replicate", counted)
    partial = run_sweep(plan, cache=ReplicationCache(tmp_path / "c"))
    assert (partial.computed, partial.cached, len(calls)) == (2, 4, 2)
    again = run_sweep(plan, cache=ReplicationCache(tmp_path / "c"))
    assert (again.computed, again.cached, len(calls)) == (0, 6, 2)
    assert first.table.to_csv() == partial.table.to_csv() == again.table.to_csv()


def test_chart_is_a_line_for_one_key_and_heatmaps_for_two() -> None:
    rows = [
        {"point": i, "a": a, "b": b, "channel": c, "service_level": 0.8, "cost_total": 1.0}
        for i, (a, b) in enumerate([(1, "x"), (1, "y"), (2, "x"), (2, "y")])
        for c in ("voice", "chat")
    ]
    table = pd.DataFrame(rows)
    for column in ("service_level_ci_low", "service_level_ci_high", "asa_s"):
        table[column] = 0.5
    line = sweep_chart(table, ["a"]).to_dict()
    marks = json.dumps(line)
    assert '"line"' in marks and '"area"' in marks and '"rect"' not in marks
    heat = json.dumps(sweep_chart(table, ["a", "b"]).to_dict())
    assert '"rect"' in heat and '"facet"' in heat
    assert '"title": "a"' in heat and '"title": "b"' in heat


# --------------------------------------------------------------------------------------------
# command line


def test_cli_writes_the_run_folder_and_resumes_from_the_cache(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # results/.cache and results/ land here
    args = ["sweep", str(tiny), "--vary", "roster[0].agents=8,10", "--replications", "2"]
    result = runner.invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "4 simulated, 0 from the cache" in result.output
    (folder,) = (tmp_path / "results" / "single-queue").iterdir()
    assert folder.name.endswith("-sweep")
    names = {p.name for p in folder.iterdir()}
    assert names == {"sweep.csv", "sweep.html", "sweep.png", "manifest.json", "scenario.toml"}
    assert (folder / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (
        "<script" in (folder / "sweep.html").read_text()
        and "cdn" not in (folder / "sweep.html").read_text()
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["vary"] == {"roster[0].agents": [8, 10]}
    assert (manifest["points"], manifest["replications"], manifest["seed"]) == (2, 2, 1)
    assert (tmp_path / "results" / ".cache" / "replications").is_dir()
    result = runner.invoke(app, [*args, "--out", "again"])
    assert result.exit_code == 0, result.output
    assert "0 simulated, 4 from the cache" in result.output
    assert (tmp_path / "again" / "sweep.csv").read_bytes() == (folder / "sweep.csv").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders


def test_cli_bad_key_or_value_exits_2_with_the_problem(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["sweep", str(tiny), "--vary", "sites.hq.absenteeism=0.1,1.5", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert f"{tiny} {{sites.hq.absenteeism=1.5}}: sites.hq.absenteeism:" in result.output
    assert "(got 1.5)" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["sweep", str(tiny), "--out", str(out)])
    assert result.exit_code == 2 and "give at least one key to vary" in result.output
    result = runner.invoke(app, ["sweep", str(tiny), "--vary", "run.seed=1,2"])
    assert result.exit_code == 2 and "use --seed instead" in result.output
    assert not out.exists()


def test_global_retail_keys_from_the_issue_resolve() -> None:
    plan = plan_sweep(
        GLOBAL_RETAIL,
        {
            "channels.voice.volume.count": [15000],
            "channels.chat.bot.containment": [0.1, 0.3],
            "sites.riga.max_agents": [80],
            "optimizer.mip_gap": [0.02],
            "roster[2].agents": [5],
            "channels.voice.handle_time.mean": ["6m"],
        },
        replications=1,
    )
    assert len(plan.points) == 2 and plan.tasks == 2
    second = plan.points[1].scenario
    assert second.channel("chat").bot is not None and second.channel("chat").bot.containment == 0.3
    assert second.site("riga").max_agents == 80 and second.optimizer.mip_gap == 0.02
    assert second.roster[2].agents == 5 and second.channel("voice").handle_time.mean == 360.0
