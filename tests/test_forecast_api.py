"""The forecast in the notebook API: an example history of a scenario, ``api.forecast`` as the
command makes it, and ``api.use_forecast`` putting it into a scenario that simulates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbench import api
from workbench.formatting import unit_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def desk() -> api.Scenario:
    return api.load(ROOT / "scenarios" / "nine-to-five.toml")


@pytest.fixture(scope="module")
def made(desk: api.Scenario, tmp_path_factory: pytest.TempPathFactory) -> api.ForecastRun:
    folder = tmp_path_factory.mktemp("forecast")
    history = api.example_history(desk, weeks=10, growth_per_week=0.0, path=folder / "h.csv")
    return api.forecast(
        history,
        start=desk.scenario.start,
        horizon="1w",
        interval="15m",
        timezone="Europe/London",
        holidays="GB",
        out=folder / "out",
    )


def test_example_history_has_the_scenarios_channels_and_volumes(desk: api.Scenario) -> None:
    path = api.example_history(desk, weeks=4, growth_per_week=0.0, day_cv=0.0)
    rows = pd.read_csv(path)
    assert set(rows["channel"]) == {"phone", "email"}
    first = pd.Timestamp(rows["interval_start"].iloc[0]).date()
    last = pd.Timestamp(rows["interval_start"].iloc[-1]).date()
    assert first >= desk.scenario.start - dt.timedelta(days=28)
    assert last < desk.scenario.start
    weekly = rows.groupby("channel")["volume"].sum() / 4
    assert weekly["phone"] == pytest.approx(1100, rel=0.05)  # the file's 1,100 calls a week
    assert weekly["email"] == pytest.approx(600, rel=0.05)


def test_forecast_writes_the_commands_files_and_a_summary(made: api.ForecastRun) -> None:
    for name in ("forecast.csv", "backtest.csv", "forecast.json"):
        assert (made.folder / name).is_file()
    summary = made.summary.set_index("channel")
    assert list(summary.index) == ["email", "phone"]
    assert (summary["backtest_wape"] <= summary["seasonal_naive_wape"]).all()
    assert summary.loc["phone", "contacts"] == pytest.approx(1100, rel=0.1)
    for column in ("backtest_wape", "seasonal_naive_wape", "improvement", "forecast_error"):
        assert unit_of(column) == "percent"


def test_use_forecast_makes_the_channels_read_it(desk: api.Scenario, made: api.ForecastRun) -> None:
    planned = api.use_forecast(desk, made)
    phone = next(c for c in planned.channels if c.name == "phone")
    assert phone.volume is None and phone.forecast == str(made.csv)
    expected = made.result.document["channels"]["phone"]["forecast_error"]
    assert phone.forecast_error == pytest.approx(expected)
    rows = planned.forecasts["phone"]
    assert sum(rows.volume) == pytest.approx(
        made.summary.set_index("channel").loc["phone", "contacts"], rel=1e-3
    )
    only_email = api.use_forecast(desk, made, channels="email", forecast_error=False)
    kinds = {c.name: c.volume is None for c in only_email.channels}
    assert kinds == {"phone": False, "email": True}
    results = api.simulate(planned, replications=1)
    offered = results.replications.groupby("channel")["offered"].sum()
    assert offered["phone"] == pytest.approx(sum(rows.volume), rel=0.2)


def test_use_forecast_refuses_another_interval_or_too_few_days(
    desk: api.Scenario, made: api.ForecastRun, tmp_path: Path
) -> None:
    history = api.example_history(desk, weeks=6, path=tmp_path / "h.csv")
    hourly = api.forecast(history, start=desk.scenario.start, horizon="1w", interval="60m",
                          timezone="Europe/London")  # fmt: skip
    with pytest.raises(ValueError, match="60-minute intervals"):
        api.use_forecast(desk, hourly)
    later = api.forecast(history, start=desk.scenario.start + dt.timedelta(days=1),
                         horizon="1w", interval="15m", timezone="Europe/London")  # fmt: skip
    with pytest.raises(ValueError, match="not nine-to-five's days"):
        api.use_forecast(desk, later)
    with pytest.raises(ValueError, match="no forecast channel"):
        api.use_forecast(desk, made, channels="chat")


def test_bad_history_or_options_raise_one_line_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("interval_start,volume\n2026-01-05T09:00:00+00:00,-4\n", encoding="utf-8")
    with pytest.raises(api.ScenarioError, match="volume"):
        api.forecast(bad, start="2026-03-02")
    with pytest.raises(api.ScenarioError, match="--horizon"):
        api.forecast(bad, start="2026-03-02", horizon="4 weeks")
