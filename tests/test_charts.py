"""Charts (``workbench.charts``): the data and the encoding of every chart, the time axes, and
the tables behind them (agents on duty, agents required, costs, trade-offs)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import vl_convert

from optimizer.requirements import requirements
from scenarios.loader import load
from simulation import simulate
from tests.factory import build_scenario, single_queue_raw
from workbench import charts

SMALL_SHOP = "scenarios/small-shop.toml"


# --------------------------------------------------------------------------------------------
# helpers


def rows_of(spec: dict[str, Any], unit: dict[str, Any]) -> list[dict[str, Any]]:
    """The data rows of one (layer of a) chart spec, resolving named datasets."""
    data = unit.get("data", spec.get("data"))
    assert data is not None, "no data"
    if "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def mark_of(unit: dict[str, Any]) -> str:
    mark = unit["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def svg_texts(spec: dict[str, Any]) -> list[str]:
    """Every text drawn in the SVG that Vega renders for ``spec`` (axis labels, titles)."""
    svg = vl_convert.vegalite_to_svg(spec)
    return [t.replace("&amp;", "&") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


TALLINN = ZoneInfo("Europe/Tallinn")


def intervals_table(
    zone: str = "Europe/Tallinn",
    start: dt.datetime = dt.datetime(2026, 6, 1, tzinfo=TALLINN),
    count: int = 6,
    step: dt.timedelta = dt.timedelta(minutes=30),
    channels: tuple[str, ...] = ("phone", "chat"),
) -> pd.DataFrame:
    """A small intervals.csv-like table: ``count`` intervals per channel from ``start``."""
    rows = []
    first = start.astimezone(dt.UTC)
    for name in channels:
        for k in range(count):
            utc = first + k * step
            sl = None if k == 0 else 0.5 + 0.05 * k
            rows.append(
                {
                    "interval_start": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "interval_start_local": utc.astimezone(ZoneInfo(zone)).isoformat(),
                    "channel": name,
                    "offered": 0.0 if k == 0 else float(k),
                    "answered": 0.0 if k == 0 else float(k),
                    "service_level": sl,
                    "service_level_ci_low": None if sl is None else sl - 0.1,
                    "service_level_ci_high": None if sl is None else min(1.0, sl + 0.1),
                    "backlog_end": float(10 * k),
                    "agents_on_duty": 2.0,
                    "occupancy": 0.5,
                    "abandon_rate": 0.1,
                    "asa_s": 12.0,
                }
            )
    return pd.DataFrame(rows)


def summary(
    sites: dict[str, float] | None = None,
    bot: float = 0.0,
    shares: dict[str, float] | None = None,
    met: bool = True,
) -> dict[str, Any]:
    """A summary.json-like dictionary."""
    sites = {"tallinn": 1000.0} if sites is None else sites
    shares = {"phone": 0.8, "chat": 0.85} if shares is None else shares
    labour = sum(sites.values())
    return {
        "scenario": "test",
        "replications": 2,
        "seed": 1,
        "channels": {
            name: {
                "offered": 100.0,
                "service_level": {"mean": share + 0.01, "ci95": [share - 0.02, share + 0.04]},
                "target": {"within_s": 20.0, "share": share, "counts": "offered"},
                "met": met,
                "asa_s": 10.0,
                "abandon_rate": 0.05,
                "occupancy": 0.7,
            }
            for name, share in shares.items()
        },
        "sites": {
            name: {"paid_hours": cost / 10, "occupancy": 0.7, "cost": cost, "overtime_hours": 1.0}
            for name, cost in sites.items()
        },
        "cost": {"labor": labour, "bot": bot, "total": labour + bot},
    }


# --------------------------------------------------------------------------------------------
# service level


def test_service_level_chart_layers_band_line_target_and_local_axis() -> None:
    intervals = charts.with_targets(intervals_table(), summary())
    chart = charts.service_level_chart(intervals, "phone")
    spec = chart.to_dict()
    layers = spec["layer"]
    assert [mark_of(layer) for layer in layers] == ["area", "line", "rule", "rule"]
    band, line, target, axis = layers

    # the CI band spans ci_low..ci_high over the UTC instants of the phone intervals only
    assert band["encoding"]["y"]["field"] == "service_level_ci_low"
    assert band["encoding"]["y2"]["field"] == "service_level_ci_high"
    assert band["encoding"]["x"] | {"axis": None} == {
        "field": "interval_start",
        "type": "temporal",
        "scale": {"type": "utc"},
        "axis": None,
    }
    band_rows = rows_of(spec, band)
    assert len(band_rows) == 6
    assert {r["channel"] for r in band_rows} == {"phone"}
    assert band_rows[0]["service_level"] is None  # nothing offered: null, the line breaks
    assert band_rows[3]["service_level_ci_low"] == pytest.approx(0.55)
    assert line["encoding"]["y"]["field"] == "service_level"
    assert line["encoding"]["y"]["type"] == "quantitative"
    assert rows_of(spec, line) == band_rows

    # the target rule: one row, at the channel's target share
    assert target["encoding"]["y"]["field"] == "target"
    assert rows_of(spec, target) == [{"channel": "phone", "target": 0.8}]
    assert band["encoding"]["y"]["scale"]["domain"] == [0, 1]

    # UTC axis at the bottom, the planning clock on top, on one shared scale
    assert band["encoding"]["x"]["axis"]["orient"] == "bottom"
    assert band["encoding"]["x"]["axis"]["title"] == "UTC"
    assert axis["encoding"]["x"]["axis"]["orient"] == "top"
    assert axis["encoding"]["x"]["axis"]["title"] == "planning clock (UTC+03:00)"
    assert line["encoding"]["x"]["axis"] is None
    assert spec["resolve"] == {"axis": {"x": "independent"}}


def test_service_level_chart_every_channel_and_explicit_targets() -> None:
    spec = charts.service_level_chart(
        intervals_table(), targets={"phone": 0.8, "chat": 0.9}
    ).to_dict()
    band, _, target, _ = spec["layer"]
    assert len(rows_of(spec, band)) == 12
    assert rows_of(spec, target) == [
        {"channel": "phone", "target": 0.8},
        {"channel": "chat", "target": 0.9},
    ]
    assert band["encoding"]["color"]["field"] == "channel"
    assert band["encoding"]["color"]["scale"]["domain"] == ["phone", "chat"]


def test_service_level_chart_needs_targets_and_known_channel() -> None:
    with pytest.raises(ValueError, match="with_targets"):
        charts.service_level_chart(intervals_table(), "phone")
    with pytest.raises(ValueError, match="no rows for channel 'fax'"):
        charts.service_level_chart(intervals_table(), "fax", targets={"fax": 0.8})
    with pytest.raises(ValueError, match="service_level_ci_low"):
        charts.service_level_chart(intervals_table().drop(columns="service_level_ci_low"))


def test_axes_label_utc_and_the_planning_clock() -> None:
    """Ticks sit on local midnights; the top axis reads them on the planning clock (UTC+3
    in June in Tallinn), the bottom one in UTC."""
    start = dt.datetime(2026, 6, 1, tzinfo=ZoneInfo("Europe/Tallinn"))
    table = charts.with_targets(intervals_table(count=96, start=start), summary())
    texts = svg_texts(charts.service_level_chart(table, "phone").to_dict())
    assert "Mon 00:00" in texts and "Tue 00:00" in texts  # local midnights, top
    assert "Sun 21:00" in texts and "Mon 21:00" in texts  # the same instants in UTC, bottom
    assert "planning clock (UTC+03:00)" in texts and "UTC" in texts


def test_local_axis_follows_a_clock_change() -> None:
    """London goes from UTC+0 to UTC+1 on 2026-03-29: local midnight of the 30th is 23:00 UTC
    of the 29th, and the top axis still reads 00:00."""
    london = ZoneInfo("Europe/London")
    table = intervals_table(
        zone="Europe/London",
        start=dt.datetime(2026, 3, 28, tzinfo=london),
        count=72,
        step=dt.timedelta(hours=1),
        channels=("voice",),
    )
    texts = svg_texts(charts.service_level_chart(table, targets={"voice": 0.8}).to_dict())
    assert texts.count("Sat 00:00") == 2  # before the change: local = UTC
    assert texts.count("Mon 00:00") == 1  # top: local midnight after the change
    assert "Sun 23:00" in texts  # bottom: the same instant in UTC
    assert "planning clock (UTC+00:00, UTC+01:00)" in texts


# --------------------------------------------------------------------------------------------
# heatmaps


def test_heatmap_service_level_weights_by_offered_on_local_hours() -> None:
    table = intervals_table(count=6)  # 00:00..02:30 local, 30-minute intervals
    spec = charts.heatmap_chart(table, "service_level", channel="phone").to_dict()
    assert mark_of(spec) == "rect"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("hour", "ordinal")
    assert (enc["y"]["field"], enc["y"]["type"]) == ("day", "ordinal")
    assert (enc["color"]["field"], enc["color"]["type"]) == ("service_level", "quantitative")
    assert enc["color"]["scale"]["domain"] == [0, 1]
    assert "row" not in enc
    rows = rows_of(spec, spec)
    assert [(r["day"], r["hour"], r["intervals"]) for r in rows] == [
        ("Mon 2026-06-01", 0, 2),
        ("Mon 2026-06-01", 1, 2),
        ("Mon 2026-06-01", 2, 2),
    ]
    # hour 0: interval 0 offered nothing (SL empty), interval 1 alone counts
    assert rows[0]["service_level"] == pytest.approx(0.55)
    # hour 1: (0.6 x 2 + 0.65 x 3) / 5 offered
    assert rows[1]["service_level"] == pytest.approx((0.6 * 2 + 0.65 * 3) / 5)


def test_heatmap_backlog_takes_the_end_of_the_hour_and_facets_channels() -> None:
    spec = charts.heatmap_chart(intervals_table(count=6), "backlog_end").to_dict()
    rows = rows_of(spec, spec)
    assert len(rows) == 2 * 3  # two channels x three local hours
    assert [r["backlog_end"] for r in rows if r["channel"] == "phone"] == [10.0, 30.0, 50.0]
    assert spec["encoding"]["row"]["field"] == "channel"
    assert spec["encoding"]["row"]["sort"] == ["phone", "chat"]
    assert spec["encoding"]["color"]["field"] == "backlog_end"
    assert spec["encoding"]["color"]["scale"]["domainMin"] == 0
    assert spec["resolve"] == {"scale": {"color": "independent"}}  # one scale per channel
    quiet = intervals_table(count=6, channels=("phone", "phone:callback"))
    quiet.loc[quiet["channel"] == "phone:callback", "backlog_end"] = 0.0
    spec = charts.heatmap_chart(quiet, "backlog_end").to_dict()
    assert {r["channel"] for r in rows_of(spec, spec)} == {"phone"}
    assert spec["title"]["subtitle"] == ["always 0: phone:callback"]
    shares = charts.heatmap_chart(intervals_table(count=6)).to_dict()
    assert "resolve" not in shares  # service level: one 0..100 % scale for every channel


def test_heatmap_rejects_an_unknown_value() -> None:
    with pytest.raises(ValueError, match="heatmap value must be one of"):
        charts.heatmap_chart(intervals_table(), "colour")


# --------------------------------------------------------------------------------------------
# agents on duty and required


def shift_scenario(absenteeism: float = 0.1, start: str = "08:00") -> Any:
    """One day, 30-minute intervals, one site in UTC+2 (Tallinn in winter), 2 agents on an
    8h30 shift with a 30-minute break 4 h after the start."""
    raw = single_queue_raw(agents=2, days=1, interval="30m")
    raw["scenario"]["timezone"] = "Europe/Tallinn"
    raw["sites"][0].update(timezone="Europe/Tallinn", absenteeism=absenteeism)
    raw["shifts"] = [
        {
            "name": "day",
            "starts": {"from": "00:00", "to": "23:30", "every": "30m"},
            "length": "8h30m",
            "breaks": [{"after": "4h", "length": "30m"}],
        }
    ]
    raw["roster"] = [{"site": "hq", "shift": "day", "start": start, "days": ["mon"], "agents": 2}]
    return build_scenario(raw)


def test_agents_on_duty_follow_the_roster_breaks_and_absenteeism() -> None:
    scenario = shift_scenario()
    productive = charts.agents_on_duty(scenario)
    rostered = charts.agents_on_duty(scenario, basis="rostered")
    assert len(productive) == 48 and set(productive["site"]) == {"hq"}
    by_local = productive.set_index(productive["interval_start_local"].str.slice(11, 16))
    expected = {"07:30": 0.0, "08:00": 1.8, "11:30": 1.8, "12:00": 0.0, "12:30": 1.8}
    expected |= {"16:00": 1.8, "16:30": 0.0}
    for clock, agents in expected.items():
        assert by_local.loc[clock, "agents"] == pytest.approx(agents), clock
    assert productive["agents"].sum() == pytest.approx(2 * 0.9 * 16)  # 8 h worked, 30 min slots
    assert rostered["agents"].sum() == pytest.approx(2 * 17)  # 8h30 on site, break included
    assert productive.loc[16, "interval_start"] == "2026-01-05T06:00:00Z"  # 08:00 at UTC+2
    assert productive.loc[16, "site_time"] == "2026-01-05 08:00"


def test_agents_on_duty_wrap_around_the_cyclic_horizon() -> None:
    """A shift starting at 20:00 on the last day runs on into the start of the horizon."""
    on_duty = charts.agents_on_duty(shift_scenario(absenteeism=0.0, start="20:00"), "rostered")
    agents = on_duty["agents"].to_numpy()
    assert agents[40:48].tolist() == [2.0] * 8  # 20:00-24:00
    assert agents[0:9].tolist() == [2.0] * 9  # 00:00-04:30 after wrapping
    assert agents[9] == 0.0
    assert agents.sum() == pytest.approx(2 * 17)


def test_agents_required_sums_language_groups_at_the_simulated_bot_level() -> None:
    scenario = load(SMALL_SHOP)
    required = charts.agents_required(scenario)
    table = requirements(scenario).table
    n = scenario.scenario.days * 48
    assert len(required) == 3 * n
    assert list(required.columns) == [
        "channel",
        "interval",
        "interval_start",
        "interval_start_local",
        "required",
    ]
    chat = table[(table["channel"] == "chat") & (table["option"] == 0.0)]
    expected = chat.groupby("interval")["agents"].sum().to_numpy()
    got = required[required["channel"] == "chat"]["required"].to_numpy()
    np.testing.assert_allclose(got, expected)
    assert got.max() > 0
    # at a containment that is not among bot.options the requirement is still computed
    raw_bot = scenario.channel("chat").bot
    assert raw_bot is not None
    bot = raw_bot.model_copy(update={"containment": 0.5})
    channels = tuple(
        c.model_copy(update={"bot": bot}) if c.name == "chat" else c for c in scenario.channels
    )
    more_bot = charts.agents_required(scenario.model_copy(update={"channels": channels}))
    assert more_bot[more_bot["channel"] == "chat"]["required"].sum() < got.sum()
    scheduled = charts.agents_required(scenario, basis="rostered")
    assert (scheduled["required"].to_numpy() >= required["required"].to_numpy() - 1e-9).all()


def test_agents_on_duty_line_up_with_the_simulation() -> None:
    """The roster's expected productive agents and the simulated agents on duty rise and fall
    together, interval by interval (same clock, same breaks)."""
    scenario = load(SMALL_SHOP)
    results = simulate(scenario, replications=2, seed=3)
    simulated = results.intervals[results.intervals["channel"] == "phone"]
    planned = charts.agents_on_duty(scenario)
    assert list(planned["interval_start"]) == list(simulated["interval_start"])
    a, b = planned["agents"].to_numpy(), simulated["agents_on_duty"].to_numpy()
    assert np.corrcoef(a, b)[0, 1] > 0.95
    assert b.sum() == pytest.approx(a.sum(), rel=0.08)


def test_staffing_chart_stacks_sites_against_the_required_line() -> None:
    raw = single_queue_raw(agents=2, days=1, interval="60m")
    raw["sites"].append(dict(raw["sites"][0], name="annex", timezone="Asia/Tokyo"))
    raw["shifts"] = [
        {"name": "day", "starts": {"from": "00:00", "to": "23:00", "every": "1h"}, "length": "8h"}
    ]
    raw["roster"] = [
        {"site": "hq", "shift": "day", "start": "08:00", "days": ["mon"], "agents": 2},
        # 17:00 on the Tokyo clock is 08:00 UTC
        {"site": "annex", "shift": "day", "start": "17:00", "days": ["mon"], "agents": 1},
    ]
    scenario = build_scenario(raw)
    on_duty = charts.agents_on_duty(scenario)
    required = charts.agents_required(scenario)
    spec = charts.staffing_chart(on_duty, required).to_dict()
    area, line, axis = spec["layer"]
    assert (mark_of(area), mark_of(line), mark_of(axis)) == ("area", "line", "rule")
    assert area["mark"]["interpolate"] == "step-after"
    assert area["encoding"]["y"]["field"] == "agents"
    assert area["encoding"]["y"]["stack"] == "zero"
    assert area["encoding"]["color"]["field"] == "series"
    assert area["encoding"]["color"]["scale"]["domain"] == [
        "hq",
        "annex",
        "required (all channels)",
    ]
    area_rows = rows_of(spec, area)
    assert len(area_rows) == 2 * 24 + 2  # two sites x 24 hours, plus a closing step each
    for site, agents in (("hq", 2.0), ("annex", 1.0)):
        mine = [r for r in area_rows if r["site"] == site][:24]
        assert [r["agents"] for r in mine] == [0.0] * 8 + [agents] * 8 + [0.0] * 8, site
    annex = [r for r in area_rows if r["site"] == "annex"]
    assert annex[8]["interval_start"] == "2026-01-05T08:00:00Z"
    assert annex[8]["site_time"] == "2026-01-05 17:00"  # the Tokyo clock in the tooltip
    assert annex[-1]["interval_start"] == "2026-01-06T00:00:00Z"  # closing step
    assert {t["field"] for t in area["encoding"]["tooltip"]} >= {
        "interval_start",
        "interval_start_local",
        "site_time",
    }
    line_rows = rows_of(spec, line)
    assert len(line_rows) == 24 + 1
    assert line["encoding"]["y"]["field"] == "required"
    assert line_rows[0]["required"] == pytest.approx(required["required"].iloc[0])
    assert area["encoding"]["x"]["axis"]["title"] == "UTC"
    assert axis["encoding"]["x"]["axis"]["title"] == "planning clock (UTC+00:00)"


# --------------------------------------------------------------------------------------------
# cost, trade-off, plans


def test_cost_chart_stacks_labour_by_site_and_bot_per_option() -> None:
    costs = charts.cost_table(
        [
            ("hand", summary({"riga": 100.0, "manila": 50.0}, bot=0.0)),
            ("bot 30%", summary({"riga": 80.0, "manila": 40.0}, bot=20.0)),
        ]
    )
    spec = charts.cost_chart(costs).to_dict()
    assert mark_of(spec) == "bar"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["x"]["sort"]) == (
        "option",
        "nominal",
        ["hand", "bot 30%"],
    )
    assert (enc["y"]["field"], enc["y"]["stack"]) == ("cost", "zero")
    assert enc["color"]["field"] == "component"
    rows = rows_of(spec, spec)
    assert len(rows) == 2 * 3
    bars = {o: sum(r["cost"] for r in rows if r["option"] == o) for o in ("hand", "bot 30%")}
    assert bars == {"hand": 150.0, "bot 30%": 140.0}
    assert {r["component"] for r in rows} == {"labour riga", "labour manila", "bot"}


def test_cost_chart_takes_a_summary_or_a_comparison_table() -> None:
    one = charts.cost_chart(summary({"a": 10.0}, bot=5.0)).to_dict()
    assert [(r["option"], r["component"], r["cost"]) for r in rows_of(one, one)] == [
        ("test", "labour a", 10.0),
        ("test", "bot", 5.0),
    ]
    comparison = pd.DataFrame(
        {
            "option": ["A", "A", "A", "B", "B", "B"],
            "channel": ["all"] * 6,
            "kpi": ["labor_cost", "bot_cost", "total_cost"] * 2,
            "mean": [100.0, 0.0, 100.0, 90.0, 15.0, 105.0],
        }
    )
    spec = charts.cost_chart(comparison).to_dict()
    rows = rows_of(spec, spec)
    assert [(r["option"], r["component"], r["cost"]) for r in rows] == [
        ("A", "labour", 100.0),
        ("A", "bot", 0.0),
        ("B", "labour", 90.0),
        ("B", "bot", 15.0),
    ]


def test_tradeoff_table_and_chart_of_cost_against_containment() -> None:
    runs = [
        ("bot 0.3", summary(bot=30.0, sites={"s": 800.0}), {"containment": 0.3}),
        ("bot 0", summary(bot=0.0, sites={"s": 1000.0}), {"containment": 0.0}),
        ("bot 0.6", summary(bot=60.0, sites={"s": 700.0}, met=False), {"containment": 0.6}),
    ]
    table = charts.tradeoff_table(runs, channel="chat")
    assert list(table["total_cost"]) == [830.0, 1000.0, 760.0]
    assert list(table["target_share"]) == [0.85] * 3
    assert list(table["all_met"]) == [True, True, False]
    spec = charts.tradeoff_chart(table, x="containment", y="total_cost").to_dict()
    line, points = spec["layer"]
    assert (mark_of(line), mark_of(points)) == ("line", "point")
    enc = spec["encoding"] if "encoding" in spec else line["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("containment", "quantitative")
    assert enc["y"]["field"] == "cost"
    rows = rows_of(spec, line)
    assert [(r["containment"], r["cost"]) for r in rows] == [
        (0.0, 1000.0),
        (0.3, 830.0),
        (0.6, 760.0),
    ]
    both = charts.tradeoff_chart(table, y=["labor_cost", "bot_cost"]).to_dict()
    rows = rows_of(both, both["layer"][0])
    assert len(rows) == 6 and {r["measure"] for r in rows} == {"labour cost", "bot cost"}


def test_tradeoff_chart_of_cost_against_the_target() -> None:
    runs = [
        (f"{share:.0%}", summary(shares={"voice": share}, sites={"s": cost}))
        for share, cost in ((0.9, 1300.0), (0.7, 900.0), (0.8, 1000.0))
    ]
    table = charts.tradeoff_table(runs)
    spec = charts.tradeoff_chart(table, x="target_share").to_dict()
    line = spec["layer"][0]
    enc = spec.get("encoding", line.get("encoding"))
    assert enc["x"]["field"] == "target_share"
    assert [r["target_share"] for r in rows_of(spec, line)] == [0.7, 0.8, 0.9]
    with pytest.raises(ValueError, match="containment"):
        charts.tradeoff_chart(table)  # no containment column: named in the error


def test_plan_chart_compares_the_rosters_of_plan_json() -> None:
    plan = {
        "comparison": {
            "first_round": {"cost": 7600.0, "missed_share": 0.12, "cells_short": 85},
            "corrected_plan": {"cost": 7500.0, "missed_share": 0.0, "cells_short": 0},
            "hand_roster": {"cost": 4800.0, "missed_share": 0.3, "cells_short": 200},
        },
        "verification": {"cost": 7450.0, "cells_short": 1, "cells_judged": 100},
    }
    spec = charts.plan_chart(plan).to_dict()
    bars, text = spec["layer"]
    assert (mark_of(bars), mark_of(text)) == ("bar", "text")
    rows = rows_of(spec, bars)
    assert [r["plan"] for r in rows] == [
        "hand roster",
        "first round (model alone)",
        "corrected by simulation",
        "verified (fresh seed)",
    ]
    assert [r["cost"] for r in rows] == [4800.0, 7600.0, 7500.0, 7450.0]
    assert rows[-1]["label"] == "1 cells short (1%)"
    assert text["encoding"]["text"]["field"] == "label"


def test_every_chart_is_valid_vega_lite_and_renders() -> None:
    """Schema-valid specs (``to_dict`` validates) that vl-convert draws to a PNG."""
    table = charts.with_targets(intervals_table(), summary())
    made = [
        charts.service_level_chart(table),
        charts.heatmap_chart(table),
        charts.cost_chart(summary()),
    ]
    for chart in made:
        png = vl_convert.vegalite_to_png(copy.deepcopy(chart.to_dict()))
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_duration_text() -> None:
    assert [charts.duration_text(s) for s in (20, 60, 90, 5400, 86400)] == [
        "20 s",
        "1 min",
        "1 min 30 s",
        "1 h 30 min",
        "24 h",
    ]
