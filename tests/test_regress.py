"""``workbench regress``: baselines, the identical / drift-vs-noise verdicts, their calibration
(false alarms at most alpha, +5 % handle time flagged), the reports and the command."""

from __future__ import annotations

import json
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import tomli_w
from scipy import stats
from typer.testing import CliRunner

from scenarios.loader import load
from scenarios.schema import Scenario
from simulation import simulate
from tests.factory import build_scenario, single_queue_raw
from workbench import regress
from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
runner = CliRunner()

CALIBRATION_PAIRS = 40
"""Seed pairs of the false-alarm tests."""
ZERO_THRESHOLDS = dict.fromkeys(regress.DEFAULT_THRESHOLDS, 0.0)
"""No practical threshold: the false-alarm tests judge the statistical test alone."""


def tiny_raw(seed: int = 1, replications: int = 5, handle: str = "3m") -> dict[str, Any]:
    """One voice queue, 60 calls an hour around the clock for 2 days, 3 min handle time, 2 min
    mean patience, 4 agents on daily 24 h shifts: 3 Erlangs on 4 agents (occupancy about 0.66,
    service level about 0.74), busy enough for a handle-time change to matter."""
    raw = single_queue_raw(
        agents=4,
        per_hour=60.0,
        handle=handle,
        patience="2m",
        days=2,
        replications=replications,
        seed=seed,
    )
    raw["scenario"]["name"] = "tiny"
    raw["shifts"][0].update(length="24h", days=WEEKDAYS)
    raw["roster"][0].update(days=WEEKDAYS)
    return raw


def tiny(seed: int = 1, replications: int = 5) -> Scenario:
    return build_scenario(tiny_raw(seed, replications))


def with_handle_time(scenario: Scenario, channel: str, factor: float) -> Scenario:
    """``scenario`` with the mean handle time of ``channel`` multiplied by ``factor``."""
    channels = tuple(
        c.model_copy(
            update={
                "handle_time": c.handle_time.model_copy(
                    update={"mean": c.handle_time.mean * factor}
                )
            }
        )
        if c.name == channel
        else c
        for c in scenario.channels
    )
    return scenario.model_copy(update={"channels": channels})


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": seed})})


def write_tiny(path: Path, **kwargs: Any) -> Path:
    path.write_text(tomli_w.dumps(tiny_raw(**kwargs)))
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["regress", *args])


# ------------------------------------------------------------------------------------------
# Per-replication KPIs


def test_values_agree_with_the_simulate_tables() -> None:
    """Daily per-replication values average to daily.csv; weekly ones are replications.csv;
    cost averages to summary.json (same seed and replications, so the same runs)."""
    scenario = load(ROOT / "scenarios" / "global-retail.toml")
    baseline = regress.measure(scenario, replications=2)
    results = simulate(scenario, replications=2)
    values = baseline.values
    assert list(values.columns) == list(regress.COLUMNS)
    assert set(values["replication"]) == {0, 1}
    lines = set(results.daily["channel"])
    assert set(values["channel"]) == lines | {regress.ALL}
    for row in results.daily.itertuples():
        for kpi in regress.KPIS:
            mine = values[
                (values["channel"] == row.channel)
                & (values["day"] == row.date)
                & (values["kpi"] == kpi)
            ]["value"].to_numpy()
            assert len(mine) == 2
            expected = getattr(row, kpi)
            if math.isnan(expected):
                assert np.isnan(mine).all()
            else:
                assert np.nanmean(mine) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    weekly = values[values["day"] == regress.WEEK]
    for row in results.replications.itertuples():
        for kpi in regress.KPIS:
            mine = weekly[
                (weekly["channel"] == row.channel)
                & (weekly["kpi"] == kpi)
                & (weekly["replication"] == row.replication)
            ]["value"]
            assert len(mine) == 1
            np.testing.assert_array_equal(mine.to_numpy(), [getattr(row, kpi)])
    cost = weekly[weekly["channel"] == regress.ALL].groupby("kpi")["value"].mean()
    assert cost["total_cost"] == pytest.approx(results.summary["cost"]["total"], rel=1e-12)
    assert cost["labor_cost"] == pytest.approx(results.summary["cost"]["labor"], rel=1e-12)
    assert cost["labor_cost"] > 0


# ------------------------------------------------------------------------------------------
# Statistics


def test_tests_match_scipy() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0.8, 0.02, 7)
    now = base + rng.normal(0.01, 0.01, 7)
    paired = regress.paired_t(base, now)
    reference = stats.ttest_rel(now, base)
    assert paired is not None and paired.n == 7
    assert paired.p == pytest.approx(reference.pvalue, rel=1e-9)
    interval = reference.confidence_interval(0.95)
    assert (paired.low, paired.high) == pytest.approx((interval.low, interval.high), rel=1e-9)

    other = rng.normal(0.82, 0.05, 5)
    welch = regress.welch_t(base, other)
    reference = stats.ttest_ind(other, base, equal_var=False)
    assert welch is not None
    assert welch.p == pytest.approx(reference.pvalue, rel=1e-9)
    interval = reference.confidence_interval(0.95)
    assert (welch.low, welch.high) == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert welch.difference == pytest.approx(other.mean() - base.mean())


def test_tests_without_spread_or_data() -> None:
    base = np.array([1.0, 2.0, 3.0])
    shifted = regress.paired_t(base, base + 0.5)
    assert shifted is not None and shifted.p == 0.0 and shifted.difference == pytest.approx(0.5)
    same = regress.paired_t(base, base.copy())
    assert same is not None and same.p == 1.0
    assert regress.paired_t(np.array([1.0, np.nan]), np.array([2.0, 3.0])) is None
    assert regress.welch_t(np.array([1.0]), np.array([2.0, 3.0])) is None
    # undefined replications are left out, not counted as zero
    gappy = regress.welch_t(np.array([1.0, np.nan, 1.2, 0.8]), np.array([1.1, 0.9, 1.0]))
    assert gappy is not None and gappy.n == 3


def test_corrections() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(regress.holm(p), [0.03, 0.06, 0.06, 0.02])
    rng = np.random.default_rng(1)
    many = rng.uniform(0, 0.2, 30)
    np.testing.assert_allclose(
        regress.benjamini_hochberg(many), stats.false_discovery_control(many, method="bh")
    )
    assert len(regress.holm([])) == 0


def test_thresholds_parse() -> None:
    found, problems = regress.parse_thresholds(["asa_s=5", "cost=0.01"])
    assert not problems and found["asa_s"] == 5.0 and found["cost"] == 0.01
    assert found["service_level"] == regress.DEFAULT_THRESHOLDS["service_level"]
    _, problems = regress.parse_thresholds(["speed=1", "asa_s=-1", "occupancy"])
    assert len(problems) == 3


# ------------------------------------------------------------------------------------------
# Baselines and verdicts


def test_baseline_files_round_trip_bit_for_bit(tmp_path: Path) -> None:
    file = write_tiny(tmp_path / "tiny.toml")
    scenario = load(file)
    baseline = regress.measure(scenario, "quick", file=file, code={"x": "1"})
    csv_path, json_path = regress.write_baseline(baseline, tmp_path / "baselines")
    assert csv_path == tmp_path / "baselines" / "tiny" / "quick.csv"
    meta = json.loads(json_path.read_text())
    assert meta["seed"] == 1 and meta["replications"] == 5 and meta["mode"] == "quick"
    assert len(meta["sha256"]["tiny.toml"]) == 64 and meta["code"] == {"x": "1"}
    back = regress.read_baseline(tmp_path / "baselines", "tiny", "quick")
    assert back is not None and back.seed == 1 and back.replications == tuple(range(5))
    a, b = baseline.values["value"].to_numpy(), back.values["value"].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)
    assert (a.view(np.uint64)[~np.isnan(a)] == b.view(np.uint64)[~np.isnan(b)]).all()
    text = csv_path.read_text().splitlines()
    assert text[0] == ",".join(regress.COLUMNS)
    assert any(",week,service_level," in line for line in text)
    assert any(",2026-01-06,asa_s," in line for line in text)
    check = regress.compare(back, regress.measure(scenario, "quick", file=file))
    assert check.verdict == regress.IDENTICAL and check.test == "paired t"
    assert check.count(regress.IDENTICAL) == len(check.rows) == meta["series"]
    assert regress.read_baseline(tmp_path / "baselines", "tiny", "full") is None


def test_rerun_on_two_workers_is_identical() -> None:
    scenario = load(ROOT / "scenarios" / "small-shop.toml")
    one = regress.measure(scenario, "quick", workers=1)
    two = regress.measure(scenario, "quick", workers=2)
    check = regress.compare(one, two)
    assert check.verdict == regress.IDENTICAL
    assert len(check.failing) == 0 and check.count(regress.IDENTICAL) == len(check.rows)


def _shifted(baseline: regress.Baseline, shifts: dict[tuple[str, str, str], float]) -> Any:
    """``baseline`` with constant shifts added to some series (same seed: paired)."""
    values = baseline.values.copy()
    for (channel, day, kpi), delta in shifts.items():
        rows = (values["channel"] == channel) & (values["day"] == day) & (values["kpi"] == kpi)
        assert rows.sum() == 5
        values.loc[rows, "value"] += delta
    return regress.Baseline(
        baseline.scenario,
        baseline.mode,
        baseline.seed,
        baseline.replications,
        values,
        baseline.meta,
    )


def test_practical_threshold_separates_tiny_significant_differences() -> None:
    baseline = regress.measure(tiny())
    labor = float(baseline.values.query("kpi == 'labor_cost'")["value"].iloc[0])
    now = _shifted(
        baseline,
        {
            ("c1", "week", "service_level"): -0.001,  # 0.1 pp: certain, but below 0.5 pp
            ("c1", "2026-01-05", "service_level"): -0.01,  # 1 pp
            ("c1", "week", "asa_s"): 1.0,  # below 2 s
            ("c1", "2026-01-06", "asa_s"): 3.0,
            ("all", "week", "labor_cost"): 0.001 * labor,  # 0.1 %
            ("all", "week", "total_cost"): 0.01 * labor,  # 1 %
        },
    )
    check = regress.compare(baseline, now)
    status = check.rows.set_index(["channel", "day", "kpi"])["status"]
    assert status[("c1", "week", "service_level")] == regress.SMALL
    assert status[("c1", "2026-01-05", "service_level")] == regress.DRIFT
    assert status[("c1", "week", "asa_s")] == regress.SMALL
    assert status[("c1", "2026-01-06", "asa_s")] == regress.DRIFT
    assert status[("all", "week", "labor_cost")] == regress.SMALL
    assert status[("all", "week", "total_cost")] == regress.DRIFT
    assert check.count(regress.IDENTICAL) == len(check.rows) - 6
    assert check.verdict == regress.DRIFT
    lenient = regress.Settings(thresholds={**regress.DEFAULT_THRESHOLDS, "asa_s": 5.0})
    relaxed = regress.compare(baseline, now, lenient).rows.set_index(["channel", "day", "kpi"])
    assert relaxed.loc[("c1", "2026-01-06", "asa_s"), "status"] == regress.SMALL


def test_added_or_removed_series_fail() -> None:
    baseline = regress.measure(tiny())
    values = baseline.values
    renamed = values.assign(channel=values["channel"].replace({"c1": "voice"}))
    now = regress.Baseline("tiny", "full", 1, baseline.replications, renamed, baseline.meta)
    check = regress.compare(baseline, now)
    assert check.count(regress.NEW) == check.count(regress.REMOVED) == 12
    assert check.verdict == regress.DRIFT


# ------------------------------------------------------------------------------------------
# Calibration


@pytest.fixture(scope="module")
def seed_pairs() -> list[tuple[regress.Baseline, regress.Baseline]]:
    """The unchanged tiny model run on seeds s and s + 1000: what a code change that alters
    random-number use (but not the model) looks like."""
    scenario = tiny()
    return [
        (
            regress.measure(with_seed(scenario, s)),
            regress.measure(with_seed(scenario, s + 1000)),
        )
        for s in range(CALIBRATION_PAIRS)
    ]


def _tolerance(alpha: float) -> float:
    """Most false alarms a test calibrated at ``alpha`` shows in ``CALIBRATION_PAIRS`` pairs
    with 99 % probability (binomial)."""
    return float(stats.binom.ppf(0.99, CALIBRATION_PAIRS, alpha))


@pytest.mark.parametrize("correction", ["bh", "holm"])
def test_welch_false_alarm_rate_at_most_alpha(
    seed_pairs: list[tuple[regress.Baseline, regress.Baseline]], correction: str
) -> None:
    """Different seeds: the unpaired (Welch) path, judged without practical thresholds."""
    settings = regress.Settings(alpha=0.05, correction=correction, thresholds=ZERO_THRESHOLDS)
    checks = [regress.compare(a, b, settings) for a, b in seed_pairs]
    assert {c.test for c in checks} == {"Welch t"}
    assert all(c.count(regress.IDENTICAL) == 3 for c in checks)  # labour, bot, total cost
    alarms = sum(c.verdict == regress.DRIFT for c in checks)
    assert alarms <= _tolerance(0.05)
    # the per-series tests are not trivially conservative: raw p <= 0.05 happens
    raw = pd.concat([c.rows for c in checks])["p"].dropna()
    assert 0.01 < (raw <= 0.05).mean() < 0.15


def test_paired_test_stays_calibrated_when_random_numbers_change(
    seed_pairs: list[tuple[regress.Baseline, regress.Baseline]],
) -> None:
    """A paired test on pairs that share nothing (as after a change of random-number use)
    is still a valid test of the mean: false alarms stay at most alpha."""
    settings = regress.Settings(alpha=0.05, thresholds=ZERO_THRESHOLDS)
    checks = [regress.compare(a, b, settings, paired=True) for a, b in seed_pairs]
    assert {c.test for c in checks} == {"paired t"}
    assert sum(c.verdict == regress.DRIFT for c in checks) <= _tolerance(0.05)


def test_handle_time_plus_5_percent_is_flagged() -> None:
    """Same seed and replications (paired path), default thresholds: flagged on every seed,
    in the direction a longer handle time must move things."""
    for seed in range(8):
        scenario = tiny(seed=seed)
        baseline = regress.measure(scenario)
        check = regress.compare(baseline, regress.measure(with_handle_time(scenario, "c1", 1.05)))
        assert check.test == "paired t"
        assert check.verdict == regress.DRIFT, check.rows
        week = check.rows[check.rows["day"] == regress.WEEK].set_index("kpi")
        assert week.loc["occupancy", "status"] == regress.DRIFT
        assert week.loc["occupancy", "low"] > 0.01
        assert week.loc["service_level", "difference"] < 0
        assert week.loc["asa_s", "difference"] > 0
        assert week.loc["labor_cost", "status"] == regress.IDENTICAL
    # and the same change of -5 %... is flagged the other way
    smaller = regress.compare(baseline, regress.measure(with_handle_time(scenario, "c1", 0.95)))
    assert smaller.rows.set_index(["day", "kpi"]).loc[("week", "occupancy"), "high"] < 0


# ------------------------------------------------------------------------------------------
# The command


def test_command_passes_on_identical_rerun_and_writes_reports(tmp_path: Path) -> None:
    file = write_tiny(tmp_path / "tiny.toml")
    baselines, md, xml = tmp_path / "baselines", tmp_path / "out" / "s.md", tmp_path / "j.xml"
    result = invoke(str(file), "--baselines", str(baselines), "--quick", "--update")
    assert result.exit_code == 0, result.output
    assert "tiny: new baseline" in result.output
    assert (baselines / "tiny" / "quick.csv").is_file()
    result = invoke(
        str(file),
        "--baselines",
        str(baselines),
        "--quick",
        "--markdown",
        str(md),
        "--junit",
        str(xml),
    )
    assert result.exit_code == 0, result.output
    assert "regression check passed" in result.output
    assert "No drift." in md.read_text() and "| tiny | identical | paired t |" in md.read_text()
    case = ET.parse(xml).getroot().find("testsuite/testcase")
    assert case is not None and case.get("name") == "tiny" and case.find("failure") is None
    # quick baselines are not full baselines: a full run has none, and fails
    result = invoke(
        str(file), "--baselines", str(baselines), "--markdown", str(md), "--junit", str(xml)
    )
    assert result.exit_code == 1
    assert "no full baseline" in result.output
    failure = ET.parse(xml).getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "missing-baseline"


def test_command_flags_a_handle_time_change_then_updates(tmp_path: Path) -> None:
    file = write_tiny(tmp_path / "tiny.toml")
    baselines, md, xml = tmp_path / "baselines", tmp_path / "s.md", tmp_path / "j.xml"
    assert invoke(str(file), "--baselines", str(baselines), "--update").exit_code == 0
    write_tiny(file, handle="189s")  # 3 min + 5 %
    args = [str(file), "--baselines", str(baselines), "--markdown", str(md), "--junit", str(xml)]
    result = invoke(*args, "--workers", "2")
    assert result.exit_code == 1, result.output
    assert "regression check FAILED (tiny)" in result.output
    text = md.read_text()
    assert "FAILED" in text and "| tiny | drift | paired t | 5/5 | changed |" in text
    drift_table = text.split("## Drift")[1]
    assert "| tiny | c1 | week | occupancy |" in drift_table
    assert " pp [+" in drift_table  # a difference with its interval
    failure = ET.parse(xml).getroot().find("testsuite/testcase/failure")
    assert failure is not None and "c1 week occupancy" in (failure.text or "")
    result = invoke(str(file), "--baselines", str(baselines), "--update")
    assert result.exit_code == 0
    assert "tiny: changed:" in result.output and "c1/week/occupancy (drift)" in result.output
    assert invoke(*args).exit_code == 0


def test_command_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n[scenario]\nname = 'x'\n")
    result = invoke(str(bad), "--baselines", str(tmp_path))
    assert result.exit_code == 2 and "bad.toml" in result.output
    file = write_tiny(tmp_path / "tiny.toml")
    assert invoke(str(file), "--threshold", "speed=1").exit_code == 2
    assert invoke(str(file), "--correction", "bonferroni").exit_code == 2
    broken = tmp_path / "b" / "tiny"
    broken.mkdir(parents=True)
    (broken / "full.csv").write_text("a,b\n1,2\n")
    (broken / "full.json").write_text("{}")
    result = invoke(str(file), "--baselines", str(tmp_path / "b"))
    assert result.exit_code == 2 and "columns must be" in result.output


def test_command_default_files_new_and_removed_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    write_tiny(tmp_path / "scenarios" / "tiny.toml")
    assert runner.invoke(app, ["regress", "--quick", "--update"]).exit_code == 0
    stored = tmp_path / "results" / "baselines"
    assert regress.stored_scenarios(stored, "quick") == ["tiny"]
    shutil.copytree(stored / "tiny", stored / "gone")
    result = runner.invoke(app, ["regress", "--quick"])
    assert result.exit_code == 0, result.output
    summary = (tmp_path / "results" / "regress" / "summary.md").read_text()
    assert "without a scenario file (not checked): gone" in summary
    assert (tmp_path / "results" / "regress" / "junit.xml").is_file()
    result = runner.invoke(app, ["regress", "--quick", "--update"])
    assert "gone: removed" in result.output and "tiny: identical" in result.output
    assert regress.stored_scenarios(stored, "quick") == ["tiny"]
    assert not (stored / "gone").exists()


# ------------------------------------------------------------------------------------------
# Committed baselines


@pytest.mark.parametrize("mode", regress.MODES)
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_committed_baselines_cover_every_example_scenario(path: Path, mode: str) -> None:
    scenario = load(path)
    baseline = regress.read_baseline(ROOT / "results" / "baselines", scenario.scenario.name, mode)
    assert baseline is not None, f"run: workbench regress {'--quick ' * (mode == 'quick')}--update"
    assert baseline.seed == scenario.run.seed
    assert len(baseline.replications) == regress.replications_for(scenario, mode)
    assert baseline.meta["mode"] == mode
    assert baseline.values.groupby(["channel", "day", "kpi"]).ngroups == baseline.meta["series"]
    lines = {c.name for c in scenario.channels}
    assert lines <= set(baseline.values["channel"])
