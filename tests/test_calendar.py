"""Calendars: horizon length on daylight-saving days, local-hour demand in offset zones,
forecast CSV input and the per-day forecast error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scenarios.loader import load
from scenarios.timeline import Horizon, demand, local_hour_starts
from simulation.arrivals import generate
from simulation.model import build
from tests.factory import build_scenario, single_queue_raw


def _raw(**scenario: Any) -> dict[str, Any]:
    raw = single_queue_raw(5, days=int(scenario.get("days", 7)))
    raw["scenario"].update(scenario)
    return raw


@pytest.mark.parametrize(
    ("start", "hours"),
    [(dt.date(2026, 3, 29), 23), (dt.date(2026, 10, 25), 25), (dt.date(2026, 3, 30), 24)],
)
def test_horizon_has_23_or_25_hours_on_clock_change_days(start: dt.date, hours: int) -> None:
    """Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25 (EU rules)."""
    raw = _raw(start=start, days=1, timezone="Europe/Berlin", interval="15m")
    raw["shifts"][0]["days"] = [start.strftime("%a").lower()]
    raw["roster"][0]["days"] = [start.strftime("%a").lower()]
    horizon = Horizon.of(build_scenario(raw))
    assert horizon.length_s == hours * 3600
    assert horizon.n_intervals == hours * 4


def test_local_hours_on_clock_change_days() -> None:
    """23 local hours when clocks spring forward (02:00 missing), 25 when they fall back."""
    berlin = ZoneInfo("Europe/Berlin")
    spring = local_hour_starts(dt.date(2026, 3, 29), berlin)
    autumn = local_hour_starts(dt.date(2026, 10, 25), berlin)
    assert [h for h, _ in spring] == [0, 1, *range(3, 24)]
    assert [h for h, _ in autumn] == [0, 1, 2, 2, *range(3, 24)]


@pytest.mark.parametrize(("zone", "minutes"), [("Asia/Kolkata", 30), ("Asia/Kathmandu", 15)])
def test_demand_follows_local_hours_in_offset_zones(zone: str, minutes: int) -> None:
    """Kolkata is UTC+5:30 and Kathmandu UTC+5:45: rate steps fall at :30 and :15 UTC."""
    raw = _raw()
    raw["regions"][0]["timezone"] = zone
    raw["channels"][0]["hourly_profile"] = "business"
    scenario = build_scenario(raw)
    horizon = Horizon.of(scenario)
    table = demand(scenario, scenario.channels[0], horizon)
    inner = table.t0_s[table.t0_s > 0]
    assert set(np.round(inner % 3600 / 60).astype(int)) == {minutes}
    assert table.expected == pytest.approx(4800 * 7, rel=1e-9)


def test_daylight_saving_day_keeps_its_volume() -> None:
    """On a 23-hour local day the day's volume is spread over the hours that exist."""
    raw = _raw(start=dt.date(2026, 3, 23), days=7, timezone="Europe/Berlin")
    raw["regions"][0]["timezone"] = "Europe/Berlin"
    raw["channels"][0]["hourly_profile"] = "business"
    scenario = build_scenario(raw)
    horizon = Horizon.of(scenario)
    table = demand(scenario, scenario.channels[0], horizon)
    sunday = table.day == 6
    assert np.sum(table.rate_per_s[sunday] * (table.t1_s - table.t0_s)[sunday]) == (
        pytest.approx(4800)
    )
    assert sunday.sum() == 23
    assert table.expected == pytest.approx(7 * 4800)


def test_arrivals_match_the_hourly_profile() -> None:
    """Simulated arrivals per local hour agree with the profile (Poisson, 5 sigma)."""
    raw = _raw()
    raw["regions"][0]["timezone"] = "Asia/Kathmandu"
    raw["channels"][0]["hourly_profile"] = "evening"
    model = build(build_scenario(raw))
    counts = np.zeros(24)
    for replication in range(5):
        table = generate(model, seed=9, replication=replication)
        inside = table.t_queue_s[(table.t_queue_s >= 0) & (table.t_queue_s < 7 * 86400)]
        local_hour = ((inside + 5.75 * 3600) // 3600 % 24).astype(int)
        counts += np.bincount(local_hour, minlength=24)
    profile = np.array(model.scenario.channels[0].hourly_profile)
    expected = 5 * 7 * 4800 * profile / profile.sum()
    assert np.all(np.abs(counts - expected) <= 5 * np.sqrt(expected))


def test_forecast_csv_drives_arrivals_and_handle_time(tmp_path: Path) -> None:
    """A forecast CSV gives the volume per interval and, where given, the mean handle time."""
    rows = ["interval_start,volume,aht"]
    for hour in range(24 * 7):
        stamp = dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
        volume = 100 if hour % 24 == 12 else 0
        rows.append(f"{stamp.isoformat()},{volume},{600 if volume else ''}")
    (tmp_path / "fc.csv").write_text("\n".join(rows) + "\n")
    raw = _raw()
    del raw["channels"][0]["volume"]
    raw["channels"][0]["forecast"] = "fc.csv"
    raw["channels"][0]["handle_time"] = {"mean": "3m", "distribution": "fixed"}
    text = _toml(raw)
    (tmp_path / "s.toml").write_text(text)
    model = build(load(tmp_path / "s.toml"))
    table = generate(model, seed=2, replication=0)
    inside = (table.t_queue_s >= 0) & (table.t_queue_s < 7 * 86400)
    hours = (table.t_queue_s[inside] // 3600 % 24).astype(int)
    assert set(hours) == {12}
    assert abs(inside.sum() - 700) <= 5 * np.sqrt(700)
    assert np.allclose(table.handle_s[inside], 600.0)


def test_forecast_error_spreads_daily_volume() -> None:
    """Daily volume with a gamma multiplier (mean 1, CV c) has variance m + m^2 c^2
    (a Poisson mixed by a gamma, i.e. negative binomial; Johnson, Kemp and Kotz,
    *Univariate Discrete Distributions*, 3rd ed., section 5.3)."""
    raw = _raw()
    raw["channels"][0]["forecast_error"] = 0.2
    raw["channels"][0]["volume"] = {"per": "day", "count": 1000}
    model = build(build_scenario(raw))
    daily = []
    for replication in range(60):
        arrived = generate(model, seed=4, replication=replication).arrived[0]
        daily.extend(arrived.reshape(7, 24).sum(axis=1))
    data = np.array(daily, dtype=float)
    assert data.mean() == pytest.approx(1000, rel=0.03)
    expected_sd = np.sqrt(1000 + 1000**2 * 0.04)
    assert data.std(ddof=1) == pytest.approx(expected_sd, rel=0.2)


def _toml(raw: dict[str, Any]) -> str:
    """A minimal TOML writer for the scenario dictionaries of these tests."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v + '"'
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"format = {raw['format']}"]
    for key, body in raw.items():
        if isinstance(body, dict):
            lines.append(f"[{key}]")
            lines.extend(f'"{k}" = {value(v)}' for k, v in body.items())
        elif isinstance(body, list):
            for row in body:
                lines.append(f"[[{key}]]")
                lines.extend(f'"{k}" = {value(v)}' for k, v in row.items())
    return "\n".join(lines) + "\n"
