"""The numbers a planner reads in the terminal: units, targets as written, currency, cost per
contact by channel, FTE, paid hours and occupancy by site, a contact count that matches the
table (``workbench.kpi_tables``); compare and sweep say which options meet each target."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from scenarios.loader import load
from simulation import simulate
from tests.factory import single_queue_raw
from workbench.cli import app
from workbench.kpi_tables import cost_per_contact, money, share_text, wait
from workbench.sweep_chart import sweep_chart

runner = CliRunner()


def two_channel_raw(agents: int, currency: str | None = "EUR") -> dict[str, Any]:
    """One day, a voice queue (target 80 % in 20s) and email (95 % in 24h) served by one site."""
    raw = single_queue_raw(agents, per_hour=60.0, patience="2m", days=1, replications=3)
    raw["channels"][0]["name"] = "voice"
    raw["channels"].append(
        {
            "name": "email",
            "kind": "email",
            "volume": {"per": "day", "count": 240},
            "handle_time": {"mean": "4m", "distribution": "exponential"},
            "target": {"within": "24h", "share": 0.95},
        }
    )
    raw["sites"][0]["skills"] = ["voice", "email"]
    if currency is not None:
        raw["scenario"]["currency"] = currency
    return raw


def write(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(raw))
    return path


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write(tmp_path / "shop.toml", two_channel_raw(6))


def rows_of(output: str, first: str) -> list[list[str]]:
    """The cells of the table rows whose first cell is ``first``."""
    found = []
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == first:
            found.append(cells)
    return found


def test_units_and_targets_as_a_planner_writes_them() -> None:
    assert wait(12.34) == "12.3 s"
    assert wait(300.0) == "5.0 min"
    assert wait(7200.0) == "2.0 h"
    assert wait(None) == "-"
    assert share_text(0.8) == "80%" and share_text(0.875) == "87.5%"
    assert money(1234.4, "EUR") == "EUR 1,234" and money(1234.4, None) == "1,234"


def test_simulate_prints_units_targets_currency_sites_and_a_matching_count(
    shop: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["simulate", str(shop), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    out = result.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    # targets as written, never in seconds
    assert "80% in 20s" in out and "95% in 24h" in out
    assert "86400s" not in out and "/20s" not in out
    # channel rows: a unit on the ASA, money with the currency, no occupancy column
    header = next(line for line in out.splitlines() if "cost/contact" in line)
    assert "occupancy" not in header
    voice = rows_of(out, "voice")[0]
    assert voice[7].endswith((" s", " min", " h")), voice
    assert voice[9].startswith("EUR "), voice
    # the site table: paid hours with their unit, FTE = paid hours a week / 40 h, occupancy
    site = rows_of(out, "hq")[0]
    paid = summary["sites"]["hq"]["paid_hours"]
    assert site[1] == f"{paid:,.0f} h"
    assert site[2] == f"{paid / (1 / 7) / 40:,.1f}"
    assert site[3] == f"{100 * summary['sites']['hq']['occupancy']:.1f}%"
    assert rows_of(out, "total cost")[0][-1] == f"EUR {summary['cost']['total']:,.0f}"
    # the count printed is the table's: contacts arrived over the channels
    arrived = sum(kpi["arrived"] for kpi in summary["channels"].values())
    assert f"{arrived:,.0f} contacts arrived in the 1 days" in out
    shown = sum(float(rows_of(out, name)[0][1].replace(",", "")) for name in ("voice", "email"))
    assert shown == pytest.approx(arrived, abs=1.0)


def test_cost_per_contact_splits_the_whole_cost_between_channels(shop: Path) -> None:
    scenario = load(shop)
    results = simulate(scenario, replications=3)
    per_contact = cost_per_contact(results, scenario)
    arrived = {n: k["arrived"] for n, k in results.summary["channels"].items()}
    total = sum(per_contact[n] * arrived[n] for n in ("voice", "email"))
    assert total == pytest.approx(results.summary["cost"]["total"], rel=1e-9)
    # labour is split by handled work: per contact answered, it follows the mean handle time
    assert per_contact["email"] / per_contact["voice"] == pytest.approx(4 / 3, rel=0.15)


def test_without_a_currency_money_is_a_plain_number(tmp_path: Path) -> None:
    shop = write(tmp_path / "plain.toml", two_channel_raw(6, currency=None))
    result = runner.invoke(app, ["simulate", str(shop), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "EUR" not in result.output
    assert re.fullmatch(r"[\d,]+", rows_of(result.output, "total cost")[0][-1])


@pytest.mark.parametrize("code", ["eur", "EURO", "E1R", ""])
def test_a_currency_that_is_not_a_3_letter_code_is_one_line_and_exit_2(
    tmp_path: Path, code: str
) -> None:
    shop = write(tmp_path / "bad.toml", two_channel_raw(6, currency=code))
    result = runner.invoke(app, ["validate", str(shop)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and "scenario.currency: must be a 3-letter currency code" in lines[0]


def test_compare_says_which_option_meets_each_target(tmp_path: Path) -> None:
    few = write(tmp_path / "few.toml", two_channel_raw(3))
    many = write(tmp_path / "many.toml", two_channel_raw(12))
    result = runner.invoke(
        app, ["compare", str(few), str(many), "--replications", "3", "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    target = rows_of(result.output, "")
    voice = next(r for r in target if r[1] == "target 80% in 20s")
    assert voice[2:4] == ["NO", "yes"], voice  # few, many (the difference column is empty)
    assert any(r[1] == "target 95% in 24h" for r in target)
    assert "few: misses voice" in result.output
    assert "many: meets every target" in result.output
    # the closing count says what it counts
    simulated = sum(
        json.loads((tmp_path / "c" / option / "manifest.json").read_text())["contacts_simulated"]
        for option in ("few", "many")
    )
    assert f"{simulated:,} contacts simulated (2 options x 3 replications, warm-up and " in (
        result.output
    )


def test_sweep_table_says_which_points_meet_every_target(shop: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sweep",
            str(shop),
            "--vary",
            "roster[0].agents=3,12",
            "--replications",
            "3",
            "--no-cache",
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "voice (80% in 20s)" in result.output and "meets all" in result.output
    few, many = rows_of(result.output, "3")[0], rows_of(result.output, "12")[0]
    assert few[1].endswith(" NO") and few[3] == "NO"
    assert many[1].endswith(" yes") and many[3] == "yes"
    assert "1 of 2 points meet every target; the cheapest of them is point 1" in result.output


def sweep_rows(keys: dict[str, list[Any]]) -> pd.DataFrame:
    rows = []
    points = [dict(zip(keys, values, strict=True)) for values in _product(list(keys.values()))]
    for i, values in enumerate(points):
        for channel, target, level in (("voice", 0.8, 0.7 + 0.1 * i), ("chat", 0.9, 0.95)):
            rows.append(
                {
                    "point": i,
                    **values,
                    "channel": channel,
                    "service_level": level,
                    "service_level_ci_low": level - 0.02,
                    "service_level_ci_high": level + 0.02,
                    "target_share": target,
                    "met": level >= target,
                    "asa_s": 5.0,
                    "cost_total": 100.0 + i,
                }
            )
    return pd.DataFrame(rows)


def _product(values: list[list[Any]]) -> list[tuple[Any, ...]]:
    import itertools

    return list(itertools.product(*values))


def _marks(spec: Any) -> list[dict[str, Any]]:
    """Every unit chart (a dict with ``mark``) in a Vega-Lite spec, depth first."""
    found = []
    if isinstance(spec, dict):
        if "mark" in spec:
            found.append(spec)
        for value in spec.values():
            found.extend(_marks(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(_marks(value))
    return found


def _type(mark: Any) -> str:
    return str(mark["type"] if isinstance(mark, dict) else mark)


def test_sweep_chart_draws_each_channels_target_as_a_rule() -> None:
    spec = sweep_chart(sweep_rows({"agents": [8, 10, 12]}), ["agents"]).to_dict()
    rules = [m for m in _marks(spec) if _type(m["mark"]) == "rule"]
    assert len(rules) == 1
    assert rules[0]["encoding"]["y"]["field"] == "target_share"
    data = spec["datasets"][rules[0]["data"]["name"]]
    assert {(d["channel"], d["target_share"]) for d in data} == {("voice", 0.8), ("chat", 0.9)}


def test_sweep_heatmap_outlines_the_cells_below_target() -> None:
    spec = sweep_chart(sweep_rows({"a": [1, 2], "b": ["x", "y"]}), ["a", "b"]).to_dict()
    outlined = [m for m in _marks(spec) if isinstance(m["mark"], dict) and m["mark"].get("stroke")]
    assert outlined, "no outline layer"
    assert "met" in json.dumps(outlined[0].get("transform", []))
