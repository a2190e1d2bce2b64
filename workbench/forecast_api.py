"""Forecasting from history in the notebook API (``workbench.api``): make an example history,
forecast it as ``workbench forecast`` does, and put the forecast into a scenario::

    from workbench import api

    desk = api.load("scenarios/nine-to-five.toml")
    history_csv = api.example_history(desk, weeks=20)     # or the path of your own export
    made = api.forecast(history_csv, start=desk.scenario.start, horizon="1w",
                        interval="15m", timezone="Europe/London", holidays="GB")
    made.summary                                          # method and backtest WAPE by channel
    planned = api.use_forecast(desk, made)                # the channels read forecast.csv

The forecast's files (``forecast.csv``, ``backtest.csv``, ``forecast.json``) are written into a
folder (a new temporary one unless ``out`` is given), exactly as the command writes them.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasting.run import Forecast, Request
from scenarios.csvinputs import read_forecast
from scenarios.problems import Collector, Problem, ScenarioError
from scenarios.schema import Scenario

INTERVALS = {"15m": 900, "30m": 1800, "60m": 3600}


@dataclass(frozen=True)
class ForecastRun:
    """A forecast made by :func:`forecast`: the result (``forecasting.run.Forecast``), what was
    asked, and the folder holding its files."""

    result: Forecast
    request: Request
    folder: Path

    @property
    def csv(self) -> Path:
        """``forecast.csv``: the file a scenario channel's ``forecast`` reads."""
        return self.folder / "forecast.csv"

    @property
    def rows(self) -> pd.DataFrame:
        """The forecast rows: ``interval_start`` (local, with offset), ``volume`` [contacts in
        the interval], ``channel``, ``region``, ``aht`` [s] where the history has them."""
        return self.result.rows

    @property
    def backtest(self) -> pd.DataFrame:
        """One row per channel and method: ``folds``, ``wape_interval``, ``mape_interval``,
        ``wape_day``, ``mape_day`` [share], ``wape_interval_vs_seasonal_naive`` [ratio],
        ``chosen``, ``note``."""
        return self.result.backtest

    @property
    def daily(self) -> pd.DataFrame:
        """Daily totals for the chart (``charts.forecast_chart``): ``channel``, ``date``,
        ``kind`` (history or forecast), ``volume``, ``low``, ``high`` [contacts a day]."""
        return self.result.daily

    @property
    def warnings(self) -> list[str]:
        """What the planner should know about the history (gaps, repeated rows), one line each."""
        return self.result.warnings

    @property
    def summary(self) -> pd.DataFrame:
        """One row per channel: ``method`` chosen, ``backtest_wape`` and
        ``seasonal_naive_wape`` (interval WAPE of the backtest [share]), ``improvement`` (1 -
        their ratio [share]), ``forecast_error`` (suggested CV of a day's volume [share]),
        ``contacts`` (forecast over the horizon) and ``contacts_per_day`` (its mean)."""
        rows = []
        for channel, entry in self.result.document["channels"].items():
            ours, naive = entry["backtest_wape_interval"], entry["seasonal_naive_wape_interval"]
            gain = 1 - ours / naive if ours is not None and naive else math.nan
            rows.append(
                {
                    "channel": channel,
                    "method": entry["method"],
                    "backtest_wape": _nan(ours),
                    "seasonal_naive_wape": _nan(naive),
                    "improvement": gain,
                    "forecast_error": _nan(entry["forecast_error"]),
                    "contacts": entry["volume_total"],
                    "contacts_per_day": entry["volume_total"] / self.request.days,
                }
            )
        return pd.DataFrame(rows)


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _problems_text(problems: Iterable[Problem]) -> str:
    return "; ".join(str(p) for p in problems)


def example_history(
    scenario: Scenario,
    weeks: int = 20,
    growth_per_week: float = 0.01,
    day_cv: float = 0.05,
    seed: int = 1,
    path: str | Path | None = None,
) -> Path:
    """Write a made-up history of ``scenario``'s channels that have a ``volume`` and return its
    path: per-interval counts (``interval_start``, ``volume``, ``channel``) every 15 minutes over
    the ``weeks`` weeks before the scenario's first day, in its time zone, with each channel's
    weekday weights and hourly profile; the volume starts at the file's and grows
    ``growth_per_week`` [share of it a week], with a gamma day multiplier of CV ``day_cv`` and
    Poisson counts (seeded by ``seed``). Written to ``path``, or into a new temporary folder."""
    from forecasting import synthetic

    if weeks < 1:
        raise ValueError(f"weeks must be 1 or more, got {weeks!r}")
    info = scenario.scenario
    first = info.start - dt.timedelta(days=7 * weeks)
    frames = []
    for number, channel in enumerate(scenario.channels):
        if channel.volume is None:
            continue
        per_day = channel.volume.count / (7 if channel.volume.per == "week" else 1)
        weights = np.asarray(channel.weekday_weights, dtype=float)
        frame = synthetic.rates(
            first,
            7 * weeks,
            info.timezone,
            15,
            per_day,
            trend_per_week=growth_per_week,
            weekday=weights,
            hourly=np.asarray(channel.hourly_profile, dtype=float),
            day_cv=day_cv,
            seed=seed + number,
        )
        frames.append(synthetic.interval_rows(frame, seed + 100 + number, channel.name))
    if not frames:
        raise ValueError(f"{info.name} has no channel with a volume to make a history of")
    target = Path(path) if path is not None else _folder("workbench-history-") / "history.csv"
    pd.concat(frames, ignore_index=True).to_csv(target, index=False)
    return target


def _folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def forecast(
    history: str | Path,
    start: dt.date | str,
    horizon: str = "4w",
    interval: Literal["15m", "30m", "60m"] = "30m",
    timezone: str = "UTC",
    holidays: str | None = None,
    out: str | Path | None = None,
) -> ForecastRun:
    """``workbench forecast HISTORY --start START --horizon H --interval I --timezone Z
    [--holidays CC]`` in Python: the forecast, its backtest and files (written into ``out``, or
    a new temporary folder). Problems with the history or the options raise ``ScenarioError``,
    one line each, as the command lists them."""
    from forecasting.calendar import SpecialDays, public_holidays
    from forecasting.history import read_history
    from forecasting.outputs import write_forecast
    from forecasting.run import ForecastError
    from forecasting.run import forecast as make_forecast
    from workbench.forecast_cmd import _date, _days, _zone

    report = Collector("forecast")
    zone = _zone(timezone, report)
    days = _days(horizon, report)
    first = start if isinstance(start, dt.date) else _date(start, report)
    if interval not in INTERVALS:
        report("interval", f"must be one of {', '.join(INTERVALS)}", interval)
    if report.problems:
        raise ScenarioError(report.problems)
    found, problems = read_history(Path(history), zone, INTERVALS[interval])
    if found is None:
        raise ScenarioError(problems)
    holiday_dates: dict[dt.date, str] = {}
    if holidays is not None:
        first_year = dt.datetime.fromtimestamp(found.first_s, dt.UTC).year
        years = range(first_year, (first + dt.timedelta(days=days)).year + 1)
        holiday_dates = public_holidays(holidays, years, report) or {}
        if report.problems:
            raise ScenarioError(report.problems)
    request = Request(first, days, zone, INTERVALS[interval])
    try:
        result = make_forecast(found, request, SpecialDays(holiday_dates, {}))
    except ForecastError as error:
        raise ScenarioError([Problem(str(history), "(file)", str(error))]) from None
    folder = Path(out) if out is not None else _folder("workbench-forecast-")
    folder.mkdir(parents=True, exist_ok=True)
    write_forecast(folder, result)
    return ForecastRun(result, request, folder)


def use_forecast(
    scenario: Scenario,
    made: ForecastRun,
    channels: str | Iterable[str] | None = None,
    forecast_error: bool = True,
) -> Scenario:
    """``scenario`` with ``channels`` (default: every channel the forecast has) reading their
    volume from ``made``'s ``forecast.csv`` instead of ``volume``; with ``forecast_error``, each
    also takes the forecast's suggested ``forecast_error`` (the CV of a day's volume from the
    backtest). The forecast must be at the scenario's interval and cover its days; rows are
    checked against its intervals and regions as the loader checks a file's."""
    from workbench.whatif import _names, _validated

    info = scenario.scenario
    if made.request.interval_s != info.interval_s:
        raise ValueError(
            f"the forecast is in {made.request.interval_s // 60}-minute intervals, "
            f"{info.name} in {info.interval_s // 60}-minute ones: forecast at its interval"
        )
    end = info.start + dt.timedelta(days=info.days)
    made_end = made.request.start + dt.timedelta(days=made.request.days)
    if made.request.start > info.start or made_end < end:
        raise ValueError(
            f"the forecast covers {made.request.start} to {made_end - dt.timedelta(days=1)}, "
            f"not {info.name}'s days {info.start} to {end - dt.timedelta(days=1)}"
        )
    known = [str(c) for c in made.result.document["channels"]]
    have = [c.name for c in scenario.channels if c.name in known]
    names = _names(have, channels, "forecast channel", scenario)
    midnight = dt.datetime(info.start.year, info.start.month, info.start.day)
    grid = (midnight.replace(tzinfo=ZoneInfo(info.timezone)).timestamp(), info.interval_s)
    regions = [r.name for r in scenario.regions]
    forecasts = dict(scenario.forecasts)
    updated = []
    for channel in scenario.channels:
        if channel.name in names:
            problems: list[Problem] = []
            rows = read_forecast(
                made.folder, "forecast.csv", regions, grid, problems, None, channel.name
            )
            if rows is None:
                raise ScenarioError(problems)
            forecasts[channel.name] = rows.model_copy(update={"path": str(made.csv)})
            change: dict[str, Any] = {"volume": None, "forecast": str(made.csv)}
            suggested = made.result.document["channels"][channel.name]["forecast_error"]
            if forecast_error and suggested is not None:
                change["forecast_error"] = min(2.0, float(suggested))
            channel = channel.model_copy(update=change)
        updated.append(channel)
    changed = scenario.model_copy(update={"channels": tuple(updated), "forecasts": forecasts})
    return _validated(changed, f"forecast of {', '.join(names)}")
