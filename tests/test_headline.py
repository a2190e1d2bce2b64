"""``workbench headline`` (``make run``): optimize, compare with the hand roster, report, and
three lines saying where and what was found, true to the files written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w
from typer.testing import CliRunner

from tests.factory import single_queue_raw
from workbench.cli import app

runner = CliRunner()


def tiny_raw(agents: int) -> dict[str, Any]:
    """One day of one voice queue (about 7.5 erlangs) with a hand roster of ``agents``, and an
    optimizer that verifies on 3 replications."""
    raw = single_queue_raw(agents, per_hour=150.0, patience="2m", days=1, replications=3)
    raw["optimizer"] = {"verify": {"replications": 3, "max_replications": 6}, "max_iterations": 2}
    return raw


def headline(tmp_path: Path, agents: int, *args: str) -> tuple[Any, Path]:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(tomli_w.dumps(tiny_raw(agents)))
    out = tmp_path / "run"
    result = runner.invoke(app, ["headline", str(scenario), "--out", str(out), *args])
    return result, out


def stdout_lines(result: Any) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_three_lines_say_where_the_results_are_and_what_they_show(tmp_path: Path) -> None:
    result, out = headline(tmp_path, 5, "--quick")  # 5 agents for 7.5 erlangs: it misses
    assert result.exit_code in (0, 3), result.output
    lines = stdout_lines(result)
    assert len(lines) == 3, lines
    where, hand, plan = lines
    assert f"report {out / 'optimize' / 'report.html'}" in where
    assert f"paired comparison {out / 'compare'}" in where
    assert (out / "optimize" / "report.html").is_file()
    # the hand roster's line: its cost (priced as optimize prices a plan) and what it misses
    costs = json.loads((out / "optimize" / "plan.json").read_text())
    hand_cost, plan_cost = costs["comparison"]["hand_roster"]["cost"], costs["cost"]
    assert hand.startswith(f"hand roster: cost {hand_cost:,.0f} over 1 days; misses c1 ")
    # the plan's line: cost, the paired differences with their intervals, then the verdict
    change = plan_cost - hand_cost
    assert f"cost {plan_cost:,.0f}, {change:+,.0f} ({100 * change / hand_cost:+.1f} %)" in plan
    comparison = pd.read_csv(out / "compare" / "comparison.csv")
    sl = comparison.query("option == 'optimized' and kpi == 'service_level'").iloc[0]
    assert f"c1 {100 * sl['diff']:+.1f} pp [{100 * sl['diff_ci_low']:+.1f}," in plan
    verdict = "meets every target" if result.exit_code == 0 else "does NOT meet every target"
    assert verdict in plan
    checked = costs["verification"]["replications"]  # 3, and 3 more if a cell is undecided
    assert checked in (3, 6) and costs["verification"]["batches"][0] == 3
    assert f"quick preview: 1 round, fresh-seed check on {checked} replications;" in plan
    assert "up to 2 rounds and 6 replications" in plan  # what the file allows


def test_the_comparison_is_what_workbench_compare_computes(tmp_path: Path) -> None:
    result, out = headline(tmp_path, 5, "--quick")
    assert result.exit_code in (0, 3), result.output
    again = tmp_path / "compare-again"
    compared = runner.invoke(
        app,
        [
            "compare",
            str(tmp_path / "tiny.toml"),
            str(out / "optimize" / "optimized.toml"),
            "--replications",
            "3",
            "--out",
            str(again),
        ],
    )
    assert compared.exit_code == 0, compared.output
    mine = pd.read_csv(out / "compare" / "comparison.csv")
    theirs = pd.read_csv(again / "comparison.csv")
    theirs["option"] = theirs["option"].map({"tiny": "hand", "optimized": "optimized"})
    pd.testing.assert_frame_equal(mine, theirs)


def test_without_quick_the_files_settings_are_no_preview(tmp_path: Path) -> None:
    result, out = headline(tmp_path, 9)
    assert result.exit_code in (0, 3), result.output
    plan = stdout_lines(result)[2]
    assert "quick preview" not in plan
    rounds = len(json.loads((out / "optimize" / "plan.json").read_text())["iterations"])
    assert f"(agent-shifts; {rounds} round" in plan  # no contracts: agent-shifts


def test_a_file_with_problems_is_one_line_per_problem_and_exit_2(tmp_path: Path) -> None:
    raw = tiny_raw(5)
    raw["scenario"]["currency"] = "euro"
    bad, out = tmp_path / "bad.toml", tmp_path / "o"
    bad.write_text(tomli_w.dumps(raw))
    result = runner.invoke(app, ["headline", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"{bad}: scenario.currency: must be a 3-letter currency code in capitals, e.g. 'EUR' "
        "or 'USD' (got \"euro\")"
    ]
    assert not out.exists()
