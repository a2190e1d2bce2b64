"""Reports that scale to weeks (issue 14 point 6, docs/report.md): on a 14-day run the report
has a daily service level chart per channel with its target and p_meet (from daily.csv), the
interval view as one panel per day, a week to a row, and the roster as an HTML table instead
of the scenario's TOML; the same page works for a one-day optimize folder.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.test_report import Page, dump_dom, needs_chromium, optimized, specs_of
from workbench import day_charts
from workbench.charts import WIDTH
from workbench.cli import app

__all__ = ["optimized"]  # the one-day optimize folder of test_report, reported

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
DAYS = 14


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small-shop over 14 days (2 replications), reported without PNGs."""
    tmp = tmp_path_factory.mktemp("weeks")
    text = (ROOT / "scenarios" / "small-shop.toml").read_text()
    text, count = re.subn(r"(?m)^days = 7$", f"days = {DAYS}", text)
    assert count == 1
    source = tmp / "small-shop-14.toml"
    source.write_text(text)
    out = tmp / "run"
    result = runner.invoke(app, ["simulate", str(source), "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out), "--no-png"])
    assert result.exit_code == 0, result.output
    return out


def rows_of(spec: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows a (sub)specification's ``data`` names."""
    return spec["datasets"][data["name"]] if "name" in data else data["values"]


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every layer of a specification, depth first."""
    out = []
    for key in ("layer", "vconcat", "hconcat"):
        for sub in spec.get(key, []):
            out += [sub, *layers(sub)]
    if "spec" in spec:
        out += [spec["spec"], *layers(spec["spec"])]
    return out


def target_rules(spec: dict[str, Any]) -> list[Any]:
    """The y values of the dashed rules of a chart (the target lines): a constant, or the
    values of the rule's own data."""
    found: list[Any] = []
    for layer in layers(spec):
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "rule" and mark.get("strokeDash"):
            y = layer["encoding"]["y"]
            if "datum" in y:
                found.append(y["datum"])
            else:
                found.append([r[y["field"]] for r in rows_of(spec, layer["data"])])
    return found


def test_daily_chart_per_channel_has_its_target_and_p_meet(fortnight: Path) -> None:
    specs = specs_of((fortnight / "report.html").read_text())
    summary = pd.read_json(fortnight / "summary.json", typ="series")
    daily = pd.read_csv(fortnight / "daily.csv")
    for channel, kpi in summary["channels"].items():
        spec = specs[f"chart-daily-service-level-{channel}"]
        top, bottom = spec["vconcat"]
        share = kpi["target"]["share"]
        assert target_rules(spec) == [[pytest.approx(share, abs=1e-4)]]
        # the days and their p_meet are daily.csv's, in date order
        rows = rows_of(spec, top["layer"][0]["data"])
        mine = daily[daily["channel"] == channel].sort_values("day")
        assert [r["date"] for r in rows] == list(mine["date"])
        assert len(rows) == DAYS
        for column in ("p_meet", "service_level"):  # null where nothing was offered
            drawn = [math.nan if r[column] is None else r[column] for r in rows]
            assert drawn == pytest.approx(list(mine[column]), abs=1e-4, nan_ok=True)
        # p_meet is drawn (bars, labelled) under the service level
        fields = {layer["encoding"]["y"]["field"] for layer in bottom["layer"]}
        assert fields == {"p_meet"}
        assert "p_meet" in " ".join(spec["title"]["subtitle"])


def test_interval_view_is_one_panel_per_day_a_week_to_a_row(fortnight: Path) -> None:
    specs = specs_of((fortnight / "report.html").read_text())
    intervals = pd.read_csv(fortnight / "intervals.csv")
    summary = pd.read_json(fortnight / "summary.json", typ="series")
    start = dt.date(2026, 6, 1)
    labels = [day_charts._day_label(start + dt.timedelta(days=k)) for k in range(DAYS)]
    for channel, kpi in summary["channels"].items():
        spec = specs[f"chart-service-level-{channel}"]
        assert spec["facet"]["field"] == "day" and spec["facet"]["sort"] == labels
        assert spec["columns"] == 7
        rows = rows_of(spec, spec["data"])
        assert len(rows) == len(intervals[intervals["channel"] == channel]) == DAYS * 48
        assert {r["day"] for r in rows} == set(labels)
        assert all(0 <= r["hour"] < 24 for r in rows)
        assert target_rules(spec) == [pytest.approx(kpi["target"]["share"])]
        # panels share the page width
        assert spec["spec"]["width"] == (WIDTH - 8 * 6) // 7


class RosterTable(HTMLParser):
    """The rows of ``<table class="roster">`` as lists of cell texts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = self.cell = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "roster") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.rows[-1].append("")
            self.cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        if tag in ("td", "th"):
            self.cell = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.cell:
            self.rows[-1][-1] += data


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_roster_is_a_table_with_the_agents_of_each_shift_and_date(fortnight: Path) -> None:
    """Each roster row of small-shop gives its agents on every date of its weekdays over the
    two weeks (checked from the TOML, not through the loader), and no TOML is on the page."""
    html = (fortnight / "report.html").read_text()
    text = html[: html.index('<script type="application/json"')]
    assert "<pre>" not in text and "[[roster]]" not in text and "[scenario]" not in text
    rows = RosterTable(text).rows
    dates = [dt.date(2026, 6, 1) + dt.timedelta(days=k) for k in range(DAYS)]
    assert rows[1] == [f"{d:%a}{d.day}" for d in dates]  # weekday and day of the month
    scenario = tomllib.loads((fortnight / "scenario.toml").read_text())
    for entry in scenario["roster"]:
        label = f"{entry['shift']} {entry['start']}-"
        [row] = [r for r in rows if r[0].startswith(label)]
        cells = row[1 : 1 + DAYS]
        expected = [
            str(entry["agents"]) if WEEKDAYS[d.weekday()] in entry["days"] else "" for d in dates
        ]
        assert cells == expected, entry
        assert row[1 + DAYS] == str(entry["agents"] * sum(c != "" for c in expected))
    totals = [r for r in rows if r[0].endswith(": all shifts")]
    assert len(totals) == len({e["site"] for e in scenario["roster"]})
    agent_shifts = sum(
        entry["agents"] * sum(WEEKDAYS[d.weekday()] in entry["days"] for d in dates)
        for entry in scenario["roster"]
    )
    assert sum(int(r[1 + DAYS].replace(",", "")) for r in totals) == agent_shifts


def test_a_one_day_optimize_folder_gets_one_wide_panel_and_its_roster(optimized: Path) -> None:
    html = (optimized / "report.html").read_text()
    specs = specs_of(html)
    panel = specs["chart-service-level-voice"]
    assert panel["columns"] == 1 and panel["spec"]["width"] == WIDTH
    daily = specs["chart-daily-service-level-voice"]
    assert len(rows_of(daily, daily["vconcat"][0]["layer"][0]["data"])) == 1
    roster = pd.read_csv(optimized / "roster.csv")
    rows = RosterTable(html[: html.index('<script type="application/json"')]).rows
    totals = [r for r in rows if r[0].endswith(": all shifts")]
    assert sum(int(r[-2].replace(",", "")) for r in totals) == roster["agents"].sum()


def test_a_folder_without_daily_csv_or_with_a_damaged_one_leaves_out_the_daily_charts(
    fortnight: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(fortnight, copy)
    (copy / "daily.csv").unlink()
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "left out: service level by day: the folder has no daily.csv" in result.output
    specs = specs_of((copy / "report.html").read_text())
    assert not any(name.startswith("chart-daily-") for name in specs)
    assert "chart-service-level-phone" in specs
    daily = pd.read_csv(fortnight / "daily.csv").drop(columns="p_meet")
    daily.to_csv(copy / "daily.csv", index=False)
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (
        "left out: Service level by day: phone: daily_service_level_chart needs the column(s) "
        "p_meet" in result.output
    )
    (copy / "daily.csv").write_bytes(b"\xff\xfe\x00bad")
    result = runner.invoke(app, ["report", str(copy), "--no-png", "--overwrite"])
    assert result.exit_code == 2 and "daily.csv cannot be read" in result.output


def test_a_clock_change_splits_the_line_of_its_day() -> None:
    """Autumn: the repeated hour's intervals get the same hours of the day under two offsets
    (two line pieces); none is moved to another day."""
    starts = pd.date_range("2026-10-25T00:00Z", periods=4, freq="30min")
    local = starts.tz_convert("Europe/Berlin")
    frame = pd.DataFrame(
        {
            "interval_start": starts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "interval_start_local": [t.isoformat() for t in local],
            "channel": "voice",
            "offered": 1.0,
            "service_level": 0.5,
            "service_level_ci_low": 0.4,
            "service_level_ci_high": 0.6,
        }
    )
    table = day_charts.interval_days_table(frame, "voice")
    assert list(table["hour"]) == [2.0, 2.5, 2.0, 2.5]
    assert list(table["offset"]) == ["+0200", "+0200", "+0100", "+0100"]
    assert set(table["day"]) == {"Sun 25 Oct"}


@needs_chromium
def test_the_fortnight_page_draws_in_headless_chromium_offline(
    fortnight: Path, tmp_path: Path
) -> None:
    html = (fortnight / "report.html").read_text()
    dom = Page(dump_dom(fortnight / "report.html", tmp_path))
    assert list(dom.charts) == list(specs_of(html))
    for name, attrs in dom.charts.items():
        assert attrs.get("data-rendered") == "true", (name, attrs.get("data-error"))
        assert int(attrs["data-marks"]) > 0, name
    # the two weeks of panels draw two rows: taller than one
    assert int(dom.charts["chart-service-level-phone"]["data-height"]) > 250
