"""Paired comparisons on common random numbers: ``workbench compare`` and ``api.compare``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from benchmarks.variance_reduction import measure
from scenarios.loader import load
from simulation import simulate
from workbench import api
from workbench.cli import app
from workbench.compare import (
    ALL,
    COMPARISON_COLUMNS,
    HorizonMismatch,
    mean_ci,
    per_replication,
    run_comparison,
)

ROOT = Path(__file__).resolve().parent.parent
SMALL_SHOP = ROOT / "scenarios" / "small-shop.toml"
NINE_TO_FIVE = ROOT / "scenarios" / "nine-to-five.toml"
runner = CliRunner()


def _row(table: pd.DataFrame, option: str, channel: str, kpi: str) -> pd.Series:
    rows = table[(table.option == option) & (table.channel == channel) & (table.kpi == kpi)]
    assert len(rows) == 1, (option, channel, kpi)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def shop_and_more() -> api.ComparisonResult:
    """small-shop against itself with one more agent on roster row 0, 6 replications."""
    shop = load(SMALL_SHOP)
    return api.compare({"shop": shop, "plus one": api.add_agents(shop, 0)}, replications=6)


def test_an_option_compared_with_itself_differs_by_exactly_zero() -> None:
    shop = load(SMALL_SHOP)
    result = api.compare([shop, shop], replications=4)
    assert result.options == ["small-shop", "small-shop-2"]
    table = result.table
    assert table["diff"].notna().all()
    assert (table["diff"] == 0).all()
    assert (table["diff_ci_low"] == 0).all() and (table["diff_ci_high"] == 0).all()
    first = table[table.option == "small-shop"].reset_index(drop=True)
    second = table[table.option == "small-shop-2"].reset_index(drop=True)
    columns = ["channel", "kpi", "mean", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(first[columns], second[columns])


def test_one_more_agent_raises_service_level_and_labour_cost(
    shop_and_more: api.ComparisonResult,
) -> None:
    table = shop_and_more.table
    phone = _row(table, "plus one", "phone", "service_level")
    assert phone["diff"] > 0 and phone["diff_ci_low"] > 0
    assert _row(table, "plus one", "phone", "asa_s")["diff_ci_high"] < 0
    labour = _row(table, "plus one", ALL, "labor_cost")
    assert labour["diff_ci_low"] > 0
    # one agent, 8 paid hours at 16/h, Mon-Fri day shifts (08:00-16:30 local, no premium),
    # absent with probability 0.04 each: 5 x 128 x 0.96 = 614.4 expected
    assert 500 < labour["diff"] <= 640
    total = _row(table, "plus one", ALL, "total_cost")
    assert total["diff"] == pytest.approx(labour["diff"])  # no bot switched on
    assert _row(table, "plus one", ALL, "bot_cost")["diff"] == 0
    significant = shop_and_more.differences
    assert significant.loc[
        (significant.channel == "phone") & (significant.kpi == "service_level"), "significant"
    ].all()


def test_table_is_tidy_with_the_documented_columns(shop_and_more: api.ComparisonResult) -> None:
    table = shop_and_more.table
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    channels = ["phone", "chat", "email"]
    assert list(dict.fromkeys(table.channel)) == [*channels, ALL]
    kpis = set(table.kpi)
    assert kpis == {
        "service_level",
        "asa_s",
        "abandon_rate",
        "occupancy",
        "labor_cost",
        "bot_cost",
        "total_cost",
    }
    assert len(table) == 2 * (3 * 4 + 3)
    assert list(shop_and_more.wide().columns) == ["shop", "plus one"]
    assert shop_and_more.wide("diff").loc[("phone", "service_level"), "shop"] == 0


def test_means_and_intervals_match_the_run_summary(shop_and_more: api.ComparisonResult) -> None:
    """The comparison's figures are the summary's: same replications, same Student-t."""
    for option, results in shop_and_more.results.items():
        summary = results.summary
        for channel in ("phone", "chat", "email"):
            row = _row(shop_and_more.table, option, channel, "service_level")
            sl = summary["channels"][channel]["service_level"]
            assert row["mean"] == pytest.approx(sl["mean"], abs=1e-12)
            assert [row["ci_low"], row["ci_high"]] == pytest.approx(sl["ci95"], abs=1e-12)
            for kpi in ("asa_s", "abandon_rate", "occupancy"):
                expected = summary["channels"][channel][kpi]
                assert _row(shop_and_more.table, option, channel, kpi)["mean"] == pytest.approx(
                    expected
                )
        for kpi, key in (("labor_cost", "labor"), ("bot_cost", "bot"), ("total_cost", "total")):
            assert _row(shop_and_more.table, option, ALL, kpi)["mean"] == pytest.approx(
                summary["cost"][key]
            )


def test_differences_are_paired_by_replication(shop_and_more: api.ComparisonResult) -> None:
    values = shop_and_more.values
    base = values[values.option == "shop"].set_index(["replication", "channel", "kpi"])
    more = values[values.option == "plus one"].set_index(["replication", "channel", "kpi"])
    expected = more["value"] - base["value"]
    assert np.allclose(more["diff"], expected, equal_nan=True)
    diffs = more.xs(("phone", "service_level"), level=("channel", "kpi"))["diff"].to_numpy()
    mean, low, high = mean_ci(diffs)
    row = _row(shop_and_more.table, "plus one", "phone", "service_level")
    assert (row["diff"], row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(
        (mean, low, high)
    )


def test_labour_cost_per_replication_is_the_sum_over_sites() -> None:
    results = simulate(load(ROOT / "scenarios" / "global-retail.toml"), replications=2)
    values = per_replication(results)
    labour = values[values.kpi == "labor_cost"].set_index("replication")["value"]
    by_site = results.sites.groupby("replication")["labor_cost"].sum()
    assert results.sites["site"].nunique() > 1
    assert np.allclose(labour.sort_index(), by_site.sort_index())
    bot = values[values.kpi == "bot_cost"].set_index("replication")["value"]
    total = values[values.kpi == "total_cost"].set_index("replication")["value"]
    assert (bot > 0).all()
    assert np.allclose(total, labour + bot)


def test_seed_and_replications_come_from_the_first_option_unless_given() -> None:
    shop = load(SMALL_SHOP)
    other = shop.model_copy(update={"run": shop.run.model_copy(update={"seed": 99})})
    result = run_comparison({"a": other, "b": shop}, replications=2)
    assert result.seed == 99 and result.replications == 2
    assert result.results["b"].summary["seed"] == 99
    given = run_comparison({"a": shop, "b": shop}, replications=3, seed=5)
    assert given.seed == 5 and given.results["a"].summary["replications"] == 3


def test_options_planning_another_horizon_are_refused() -> None:
    shop = load(SMALL_SHOP)
    longer = shop.model_copy(update={"scenario": shop.scenario.model_copy(update={"days": 14})})
    with pytest.raises(HorizonMismatch, match=r"days 14 \(not 7\)"):
        api.compare({"week": shop, "fortnight": longer}, replications=2)


def test_mean_ci_edge_cases() -> None:
    assert mean_ci(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0, 2.0)
    mean, low, high = mean_ci(np.array([1.0, math.nan]))
    assert mean == 1.0 and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in mean_ci(np.array([math.nan])))
    mean, low, high = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert mean == 2.0 and high - mean == pytest.approx(4.302652729911275 / math.sqrt(3))


def test_common_random_numbers_shrink_the_variance_of_the_difference() -> None:
    """A one-agent change: the paired difference varies far less on common random numbers
    than with independent streams (the benchmark reports the ratio; here, few replications)."""
    figures = measure(replications=8)
    judged = {(r["channel"], r["kpi"]): r["ratio"] for r in figures["judged"]}
    assert set(judged) == {
        ("phone", "service_level"),
        ("chat", "service_level"),
        ("email", "service_level"),
        (ALL, "total_cost"),
    }
    rows = {(r["channel"], r["kpi"]): r for r in figures["rows"]}
    for key in judged:
        assert rows[key]["var_crn"] < rows[key]["var_independent"], key
    assert rows[(ALL, "total_cost")]["ratio"] > 5


# ------------------------------------------------------------------------------------------
# the command


def test_compare_command_writes_the_folder_and_prints_the_table(tmp_path: Path) -> None:
    more = tmp_path / "more.toml"
    more.write_text(SMALL_SHOP.read_text().replace("agents = 4", "agents = 5", 1), encoding="utf-8")
    out = tmp_path / "cmp"
    result = runner.invoke(
        app, ["compare", str(SMALL_SHOP), str(more), "--replications", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "small-shop" in result.output and "more - small-shop" in result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"comparison.csv", "paired.csv", "manifest.json", "small-shop", "more"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert list(dict.fromkeys(table.option)) == ["small-shop", "more"]
    phone = _row(table, "more", "phone", "service_level")
    assert phone["diff_ci_low"] > 0
    for option in ("small-shop", "more"):
        summary = json.loads((out / option / "summary.json").read_text())
        assert summary["replications"] == 3 and summary["seed"] == 11
        assert (out / option / "replications.csv").is_file()
    assert (out / "more" / "scenario.toml").read_text() == more.read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baseline"] == "small-shop" and manifest["seed"] == 11
    assert [o["option"] for o in manifest["options"]] == ["small-shop", "more"]


def test_compare_command_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["compare", str(SMALL_SHOP), str(SMALL_SHOP), "--replications", "2", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    [folder] = list((tmp_path / "results" / "small-shop").iterdir())
    assert folder.name.endswith("-compare")
    assert {p.name for p in folder.iterdir()} >= {"small-shop", "small-shop-2", "comparison.csv"}
    table = pd.read_csv(folder / "comparison.csv")
    assert (table["diff"].dropna() == 0).all()


def test_compare_command_bad_input_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = runner.invoke(app, ["compare", str(SMALL_SHOP), str(missing)])
    assert result.exit_code == 2
    assert "missing.toml: (file): scenario file not found" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["compare", str(SMALL_SHOP)])
    assert result.exit_code == 2 and "at least two" in result.output


def test_compare_command_refuses_another_horizon(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(SMALL_SHOP), str(NINE_TO_FIVE), "--out", str(out)])
    assert result.exit_code == 2
    assert "nine-to-five.toml: scenario: plans another horizon" in result.output
    assert "start 2026-10-19 (not 2026-06-01)" in result.output
    assert not out.exists()


def test_compare_command_executor_failure_exits_2_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    missing = tmp_path / "scheduler.json"
    result = runner.invoke(
        app,
        [
            "compare",
            str(SMALL_SHOP),
            str(SMALL_SHOP),
            "--replications",
            "2",
            "--executor",
            "dask",
            "--address",
            str(missing),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "--executor dask: Dask scheduler file" in result.output
    assert "Traceback" not in result.output and not out.exists()
