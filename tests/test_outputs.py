"""Run folders (docs/outputs.md), determinism across workers, common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.loader import load
from simulation import simulate
from simulation.arrivals import generate
from simulation.model import build
from simulation.results import INTERVAL_COLUMNS
from simulation.runfolder import write_run
from simulation.segments import SEGMENT_COLUMNS
from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
runner = CliRunner()


def _simulate(args: list[str]) -> None:
    result = runner.invoke(app, ["simulate", *args])
    assert result.exit_code == 0, result.output


def test_same_seed_gives_identical_files_for_one_and_two_workers(tmp_path: Path) -> None:
    """Byte-identical outputs whatever the number of worker processes."""
    scenario = str(ROOT / "scenarios" / "small-shop.toml")
    _simulate([scenario, "--replications", "4", "--workers", "1", "--out", str(tmp_path / "a")])
    _simulate([scenario, "--replications", "4", "--workers", "2", "--out", str(tmp_path / "b")])
    for name in (
        "intervals.csv",
        "daily.csv",
        "segments.csv",
        "replications.csv",
        "sites.csv",
        "summary.json",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    _simulate([scenario, "--replications", "4", "--seed", "12", "--out", str(tmp_path / "c")])
    assert (tmp_path / "a" / "intervals.csv").read_bytes() != (
        tmp_path / "c" / "intervals.csv"
    ).read_bytes()


def test_run_folder_contents(tmp_path: Path) -> None:
    """Every file of docs/outputs.md with its documented columns and keys."""
    source = ROOT / "scenarios" / "global-retail.toml"
    out = tmp_path / "run"
    _simulate([str(source), "--replications", "2", "--out", str(out)])
    names = {p.name for p in out.iterdir()}
    assert {
        "manifest.json",
        "scenario.toml",
        "intervals.csv",
        "daily.csv",
        "segments.csv",
        "replications.csv",
        "summary.json",
    } <= names
    assert (out / "scenario.toml").read_bytes() == source.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "global-retail" and manifest["replications"] == 2
    assert len(manifest["input_sha256"]) == 64 and manifest["seed"] == 20260323

    intervals = pd.read_csv(out / "intervals.csv")
    assert list(intervals.columns) == list(INTERVAL_COLUMNS)
    assert set(intervals["channel"]) == {"voice", "voice:callback", "chat", "email", "social"}
    assert len(intervals) == 5 * 336
    nothing = intervals[(intervals["offered"] == 0) & (intervals["channel"] == "voice")]
    assert nothing["service_level"].isna().all()  # empty, not zero
    assert intervals["service_level"].dropna().between(0, 1).all()

    daily = pd.read_csv(out / "daily.csv")
    assert "p_meet" in daily.columns and len(daily) == 5 * 7

    segments = pd.read_csv(out / "segments.csv")
    assert list(segments.columns) == list(SEGMENT_COLUMNS)
    assert len(segments) == 4 * 4 * 7  # voice, chat, email, social x 4 regions x 7 days
    assert daily["p_meet"].dropna().isin([0.0, 0.5, 1.0]).all()

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {
        "scenario",
        "replications",
        "seed",
        "channels",
        "segments",
        "sites",
        "cost",
    }
    voice = summary["channels"]["voice"]
    assert set(voice) >= {
        "arrived",
        "offered",
        "service_level",
        "target",
        "met",
        "asa_s",
        "abandon_rate",
        "occupancy",
    }
    assert voice["target"] == {"within_s": 20.0, "share": 0.8, "counts": "offered"}
    low, high = voice["service_level"]["ci95"]
    assert low <= voice["service_level"]["mean"] <= high
    assert set(summary["sites"]) == {"riga", "bogota", "manila"}
    cost = summary["cost"]
    assert cost["total"] == pytest.approx(cost["labor"] + cost["bot"])
    assert cost["labor"] == pytest.approx(sum(s["cost"] for s in summary["sites"].values()))

    # the summary figure is the mean over replications of each replication's ratio of sums
    reps = pd.read_csv(out / "replications.csv")
    voice_reps = reps[reps["channel"] == "voice"]
    assert voice["service_level"]["mean"] == pytest.approx(voice_reps["service_level"].mean())
    sums = voice_reps["answered_within"] / (voice_reps["answered"] + voice_reps["abandoned"])
    assert np.allclose(voice_reps["service_level"], sums)


def test_interrupted_write_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run interrupted while writing leaves neither the folder nor a temporary one."""
    scenario = load(ROOT / "scenarios" / "small-shop.toml")
    results = simulate(scenario, replications=1)
    calls = {"n": 0}
    original = pd.DataFrame.to_csv

    def interrupted(self: pd.DataFrame, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        write_run(results, out, {}, (ROOT / "scenarios" / "small-shop.toml").read_bytes(), {})
    assert list(tmp_path.iterdir()) == []


def test_common_random_numbers_across_rosters() -> None:
    """One more agent changes nothing about the customers: same arrivals and handle times."""
    scenario = load(ROOT / "scenarios" / "small-shop.toml")
    rows = list(scenario.roster)
    rows[0] = rows[0].model_copy(update={"agents": rows[0].agents + 1})
    more = scenario.model_copy(update={"roster": tuple(rows)})
    a = generate(build(scenario), seed=11, replication=3)
    b = generate(build(more), seed=11, replication=3)
    assert np.array_equal(a.t_queue_s, b.t_queue_s)
    assert np.array_equal(a.handle_s, b.handle_s)
    other = generate(build(scenario), seed=11, replication=4)
    assert not np.array_equal(a.t_queue_s[:50], other.t_queue_s[:50])


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_library_scenario_simulates(path: Path) -> None:
    """Every scenario in scenarios/ loads and runs; every channel reports a service level."""
    scenario = load(path)
    results = simulate(scenario, replications=2)
    for name, kpi in results.summary["channels"].items():
        if ":" not in name:
            assert kpi["offered"] > 0, name
            assert 0 <= kpi["service_level"]["mean"] <= 1, name
    assert results.summary["cost"]["labor"] > 0
