"""From a history to a forecast: day tables in local time, gaps, special days, the backtest
that picks a method per channel, the forecast itself split by region with handle times, and
the handle-time and patience fits. Returns documented tables; ``forecasting.outputs`` writes
them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from forecasting.backtest import FOLDS, MIN_TRAINING_DAYS, Score, backtest, choose, forecast_error
from forecasting.calendar import SpecialDays, clock_changes
from forecasting.fitting import fit_handle_time, fit_patience
from forecasting.history import History
from forecasting.methods import (
    AVERAGE_WEEKS,
    Future,
    Training,
    holiday_factor,
    predict,
    weekday_average,
)
from forecasting.tables import DayTables, day_tables, find_gaps, local_dates, local_grid

MIN_HISTORY_DAYS = 7
"""Local days of history needed to forecast at all."""
BAND = (0.1, 0.9)
"""Quantiles of the backtest's actual / forecast daily ratio that bound the forecast band."""
CHART_HISTORY_DAYS = 12 * 7
"""Days of history shown before the forecast in the chart."""


class ForecastError(Exception):
    """The history cannot give the forecast asked for; ``str()`` is one line."""


@dataclass(frozen=True)
class Request:
    """What to forecast: ``days`` local days of ``timezone`` from ``start``, in intervals of
    ``interval_s`` seconds; by ``method`` (one of ``forecasting.methods.METHODS``) when given,
    else by the method the backtest chooses per channel (benchmarks force a method to score
    it out of sample)."""

    start: dt.date
    days: int
    timezone: ZoneInfo
    interval_s: int
    method: str | None = None


@dataclass(frozen=True)
class Forecast:
    """The forecast and how it was made.

    ``rows``: ``interval_start`` (ISO 8601, local time of the request's zone with its offset),
    ``volume`` (expected contacts in the interval), and ``channel``, ``region``, ``aht`` [s]
    where the history has them. ``backtest``: one row per channel and method (see
    ``forecasting.backtest``). ``document``: what ``forecast.json`` holds. ``warnings``: one
    line each, for the planner. ``daily``: daily totals per channel for the chart: ``channel``,
    ``date`` (local), ``kind`` (``history`` or ``forecast``), ``volume``, and for the forecast
    ``low`` and ``high``, its 80 % band (NaN when the method was not backtested).
    """

    rows: pd.DataFrame
    backtest: pd.DataFrame
    document: dict[str, Any]
    warnings: list[str]
    daily: pd.DataFrame


def _training(
    tables: DayTables, dates: list[dt.date], gaps: np.ndarray, channel: str, special: SpecialDays
) -> Training:
    volume = np.where(gaps[:, None], np.nan, tables.volume)
    return Training(
        volume=volume,
        special=np.array([special.is_special(d, channel) for d in dates]),
        factor=np.array([_nan(special.factor(d, channel)) for d in dates]),
        weekday=np.array([d.weekday() for d in dates]),
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _future(dates: list[dt.date], channel: str, special: SpecialDays) -> Future:
    return Future(
        weekday=np.array([d.weekday() for d in dates]),
        special=np.array([special.is_special(d, channel) for d in dates]),
        factor=np.array([_nan(special.factor(d, channel)) for d in dates]),
    )


def _region_shares(tables: DayTables, training: Training) -> dict[str, np.ndarray]:
    """Share of each region in each weekday and clock interval (7 x intervals), from the last
    weeks of ordinary days; the region's overall share where an interval had no contacts."""
    averages = {
        r: weekday_average(
            np.where(np.isnan(training.clean), np.nan, t), training.weekday, AVERAGE_WEEKS
        )
        for r, t in tables.by_region.items()
    }
    total = sum(averages.values())
    assert isinstance(total, np.ndarray)
    grand = float(total.sum())
    shares = {}
    for region, average in averages.items():
        overall = float(average.sum()) / grand if grand > 0 else 1.0 / len(averages)
        shares[region] = np.divide(
            average, total, out=np.full_like(average, overall), where=total > 0
        )
    return shares


def _aht(tables: DayTables, training: Training) -> np.ndarray | None:
    """Mean handle time [s] by weekday and clock interval over the last weeks of ordinary days
    (the channel's mean over those weeks where an interval had none); None without any."""
    known = ~training.special & ~np.all(np.isnan(training.volume), axis=1)
    sums, counts = np.zeros((7, tables.aht_n.shape[1])), np.zeros((7, tables.aht_n.shape[1]))
    for wd in range(7):
        rows = np.flatnonzero(known & (training.weekday == wd))[-AVERAGE_WEEKS:]
        sums[wd] = tables.aht_sum_s[rows].sum(axis=0)
        counts[wd] = tables.aht_n[rows].sum(axis=0)
    if counts.sum() <= 0:
        return None
    overall = sums.sum() / counts.sum()
    return np.divide(sums, counts, out=np.full_like(sums, overall), where=counts > 0)


def _score_row(channel: str, score: Score, naive: Score | None, chosen: str) -> dict[str, Any]:
    ratio = (
        score.wape_interval / naive.wape_interval
        if naive is not None and naive.wape_interval > 0
        else math.nan
    )
    return {
        "channel": channel,
        "method": score.method,
        "folds": score.folds,
        "wape_interval": score.wape_interval,
        "mape_interval": score.mape_interval,
        "wape_day": score.wape_day,
        "mape_day": score.mape_day,
        "wape_interval_vs_seasonal_naive": ratio,
        "chosen": score.method == chosen,
        "note": score.failed or "",
    }


def forecast(history: History, request: Request, special: SpecialDays) -> Forecast:
    """Forecast ``request`` from ``history`` (see the module docstring)."""
    warnings: list[str] = []
    first, last = local_dates(history, request.timezone)
    days = (last - first).days + 1
    if days < MIN_HISTORY_DAYS:
        raise ForecastError(
            f"the history covers {days} local day{'s' if days != 1 else ''}; at least "
            f"{MIN_HISTORY_DAYS} are needed"
        )
    if request.start <= last:
        raise ForecastError(
            f"--start {request.start} must come after the history's last day {last} "
            f"(local days of {request.timezone.key})"
        )
    grid = local_grid(first, days, request.timezone, request.interval_s)
    tables = day_tables(history, grid)
    dates = [first + dt.timedelta(days=d) for d in range(days)]
    gap_runs = find_gaps(tables, first, special)
    gaps = np.zeros(days, dtype=bool)
    for begin, end, usual in gap_runs:
        gaps[(begin - first).days : (end - first).days + 1] = True
        warnings.append(
            f"{history.file}: (file): warning: {_days_text(begin, end)} "
            f"{'has' if begin == end else 'have'} no or few contacts although that weekday "
            f"usually has {usual:.0f}: treated as missing data (a gap, or a day the export cut "
            "short), not as days without contacts"
        )
    lead = (request.start - last).days - 1
    future_dates = [last + dt.timedelta(days=1 + d) for d in range(lead + request.days)]
    out_grid = local_grid(request.start, request.days, request.timezone, request.interval_s)
    stamps = (
        pd.DatetimeIndex(pd.to_datetime(out_grid.start_s, unit="s", utc=True))
        .tz_convert(request.timezone)
        .map(lambda t: t.isoformat())
    )
    frames: list[pd.DataFrame] = []
    daily_frames: list[pd.DataFrame] = []
    score_rows: list[dict[str, Any]] = []
    channels: dict[str, Any] = {}
    for channel, table in tables.items():
        training = _training(table, dates, gaps, channel, special)
        scores = backtest(training, request.days)
        best = choose(scores)
        naive = next((s for s in scores if s.method == "seasonal_naive" and s.failed is None), None)
        method = best.method if best is not None else "seasonal_average"
        if request.method is not None:
            method = request.method
        elif best is None:
            warnings.append(
                f"{history.file}: (file): warning: channel {channel or '(all)'}: {days} days of "
                "history are too "
                f"few to backtest a {request.days}-day horizon (needs {MIN_TRAINING_DAYS} + "
                f"{request.days}); the seasonal average is used untested"
            )
        volume, parameters = predict(method, training, _future(future_dates, channel, special))
        volume = volume[lead:]
        values = volume[out_grid.day, out_grid.slot]
        base = {"interval_start": stamps, "channel": channel}
        wd = np.array([d.weekday() for d in future_dates[lead:]])[out_grid.day]
        aht = _aht(table, training) if history.has_aht else None
        aht_values = np.full(len(values), np.nan) if aht is None else aht[wd, out_grid.slot]
        aht_values = np.round(aht_values, 1)
        if table.by_region:
            for region, share in _region_shares(table, training).items():
                part = values * share[wd, out_grid.slot]
                frames.append(
                    pd.DataFrame({**base, "region": region, "volume": part, "aht": aht_values})
                )
        else:
            frames.append(pd.DataFrame({**base, "region": "", "volume": values, "aht": aht_values}))
        score_rows.extend(_score_row(channel, s, naive, method) for s in scores)
        band = _band(best)
        totals = np.bincount(out_grid.day, weights=values, minlength=request.days)
        shown = slice(max(0, days - CHART_HISTORY_DAYS), days)
        past = np.nansum(training.volume[shown], axis=1)
        daily_frames += [
            pd.DataFrame(
                {
                    "channel": channel or "(all)",
                    "date": dates[shown],
                    "kind": "history",
                    "volume": np.where(gaps[shown], np.nan, past),
                }
            ),
            pd.DataFrame(
                {
                    "channel": channel or "(all)",
                    "date": [request.start + dt.timedelta(days=d) for d in range(request.days)],
                    "kind": "forecast",
                    "volume": totals,
                    "low": totals * band[0],
                    "high": totals * band[1],
                }
            ),
        ]
        channels[channel or "(all)"] = _channel_document(
            history, channel, method, parameters, best, naive, training, values
        )
        channels[channel or "(all)"]["daily_band_80"] = [_r(band[0]), _r(band[1])]
    rows = pd.concat(frames, ignore_index=True)
    rows["volume"] = rows["volume"].round(4)
    columns = ["interval_start", "volume"]
    columns += ["channel"] if history.has_channel else []
    columns += ["region"] if history.has_region else []
    columns += ["aht"] if history.has_aht else []
    document = {
        "history": {
            "file": history.file,
            "kind": history.kind,
            "rows": len(history.rows),
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "interval_min": history.step_s / 60 if history.kind == "intervals" else None,
            "gaps": [
                {"first": a.isoformat(), "last": b.isoformat(), "usual_volume": round(u, 1)}
                for a, b, u in gap_runs
            ],
            "clock_changes": clock_changes(request.timezone, first, last),
        },
        "timezone": request.timezone.key,
        "interval_min": request.interval_s // 60,
        "start": request.start.isoformat(),
        "days": request.days,
        "backtest": {"folds": FOLDS, "horizon_days": request.days, "choice": "interval WAPE"},
        "special_days": {
            "holidays": {
                d.isoformat(): name
                for d, name in special.holidays.items()
                if first <= d <= future_dates[-1]
            },
            "factors": [
                {"date": d.isoformat(), "channel": c, "factor": f}
                for (d, c), f in sorted(special.factors.items())
            ],
        },
        "channels": channels,
        "warnings": warnings,
    }
    daily = pd.concat(daily_frames, ignore_index=True)
    return Forecast(rows[columns], pd.DataFrame(score_rows), document, warnings, daily)


def _band(best: Score | None) -> tuple[float, float]:
    """The ``BAND`` quantiles of actual / forecast daily totals in the backtest of the chosen
    method (an empirical prediction interval, Hyndman & Athanasopoulos section 5.5); NaN when
    it was not backtested."""
    if best is None:
        return math.nan, math.nan
    actual, predicted = best.daily
    usable = predicted > 0
    if usable.sum() < 7:
        return math.nan, math.nan
    low, high = np.quantile(actual[usable] / predicted[usable], BAND)
    return float(low), float(high)


def _channel_document(
    history: History,
    channel: str,
    method: str,
    parameters: dict[str, Any],
    best: Score | None,
    naive: Score | None,
    training: Training,
    values: np.ndarray,
) -> dict[str, Any]:
    """The ``forecast.json`` entry of one channel."""
    found: dict[str, Any] = {
        "method": method,
        "parameters": parameters,
        "holiday_factor": round(holiday_factor(training), 4),
        "backtest_wape_interval": _r(best.wape_interval) if best else None,
        "seasonal_naive_wape_interval": _r(naive.wape_interval) if naive else None,
        "backtest_wape_day": _r(best.wape_day) if best else None,
        "seasonal_naive_wape_day": _r(naive.wape_day) if naive else None,
        "forecast_error": forecast_error(best) if best else None,
        "volume_total": round(float(values.sum()), 1),
    }
    if history.contacts is not None:
        contacts = history.contacts
        mine = (contacts["channel"] == channel).to_numpy()
        found["handle_time"] = fit_handle_time(contacts["handle_time_s"].to_numpy()[mine])
        found["patience"] = fit_patience(
            contacts["wait_s"].to_numpy()[mine], contacts["abandoned"].to_numpy()[mine]
        )
    return found


def _days_text(begin: dt.date, end: dt.date) -> str:
    return f"{begin}" if begin == end else f"{begin} to {end}"


def _r(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None
