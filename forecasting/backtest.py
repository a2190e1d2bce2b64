"""Rolling-origin backtest: each method forecasts the requested horizon from several origins in
the history, and is scored on what happened (Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed., section 5.10, "time series cross-validation").

Origins are ``FOLD_STEP_DAYS`` apart, the last one a horizon before the end of the history; each
needs ``MIN_TRAINING_DAYS`` of history before it. Scores, over every fold:

- WAPE = sum |forecast - actual| / sum actual (weighted absolute percentage error), at the
  forecast interval and on daily totals;
- MAPE = mean of |forecast - actual| / actual over the intervals (days) with contacts.

Gap days are not scored. The method with the lowest interval WAPE is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from forecasting.methods import METHODS, Future, Training, predict

FOLDS = 4
"""Forecast origins of the backtest, at most."""
FOLD_STEP_DAYS = 7
"""Days between two origins."""
MIN_TRAINING_DAYS = 28
"""History before an origin, at least."""


@dataclass(frozen=True)
class Score:
    """Backtest accuracy of one method on one channel (NaN: nothing to score)."""

    method: str
    folds: int
    wape_interval: float
    mape_interval: float
    wape_day: float
    mape_day: float
    failed: str | None = None
    """Why the method could not forecast (e.g. too little history), or None."""
    daily: tuple[np.ndarray, np.ndarray] = field(default=(np.zeros(0), np.zeros(0)), repr=False)
    """(actual, forecast) daily totals of every scored day [contacts]."""


def origins(days: int, horizon: int) -> list[int]:
    """Forecast origins (index of the first forecast day), earliest first."""
    last = days - horizon
    found = [last - FOLD_STEP_DAYS * j for j in range(FOLDS)]
    return sorted(o for o in found if o >= MIN_TRAINING_DAYS)


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = float(np.sum(actual))
    return float(np.sum(np.abs(forecast - actual)) / total) if total > 0 else math.nan


def _mape(actual: np.ndarray, forecast: np.ndarray) -> float:
    some = actual > 0
    if not some.any():
        return math.nan
    return float(np.mean(np.abs(forecast[some] - actual[some]) / actual[some]))


def backtest(training: Training, horizon: int) -> list[Score]:
    """Score every method on the rolling origins of ``training`` for ``horizon`` days."""
    days = len(training.volume)
    starts = origins(days, horizon)
    scores = []
    for method in METHODS:
        actual_i: list[np.ndarray] = []
        forecast_i: list[np.ndarray] = []
        actual_d: list[np.ndarray] = []
        forecast_d: list[np.ndarray] = []
        failed = None if starts else "too little history for one backtest fold"
        for origin in starts:
            end = origin + horizon
            future = Future(
                training.weekday[origin:end],
                training.special[origin:end],
                training.factor[origin:end],
            )
            try:
                forecast, _ = predict(method, training.until(origin), future)
            except ValueError as error:
                failed = str(error)
                break
            actual = training.volume[origin:end]
            cells = ~np.isnan(actual)
            scored = cells.any(axis=1)
            actual_i.append(actual[cells])
            forecast_i.append(forecast[cells])
            actual_d.append(np.nansum(actual, axis=1)[scored])
            forecast_d.append(np.where(cells, forecast, 0.0).sum(axis=1)[scored])
        if failed is not None:
            nan = math.nan
            scores.append(Score(method, 0, nan, nan, nan, nan, failed))
            continue
        a_i, f_i = np.concatenate(actual_i), np.concatenate(forecast_i)
        a_d, f_d = np.concatenate(actual_d), np.concatenate(forecast_d)
        scores.append(
            Score(
                method,
                len(starts),
                _wape(a_i, f_i),
                _mape(a_i, f_i),
                _wape(a_d, f_d),
                _mape(a_d, f_d),
                daily=(a_d, f_d),
            )
        )
    return scores


def choose(scores: list[Score]) -> Score | None:
    """The method with the lowest interval WAPE (the earlier, simpler one on a tie); None when
    no method could be scored."""
    scored = [s for s in scores if s.failed is None and math.isfinite(s.wape_interval)]
    return min(scored, key=lambda s: s.wape_interval) if scored else None


def forecast_error(score: Score) -> float | None:
    """Suggested ``forecast_error``: the coefficient of variation of a per-day volume
    multiplier, from the backtest's daily totals.

    Daily volume is modelled as Poisson given the day's rate ``F * m``, with ``m`` the
    multiplier (mean 1, CV c): Var(A / F) = c^2 + (1 + c^2) / F ~ c^2 + 1/F (a mixed Poisson,
    e.g. Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed., section 4.2). So
    c^2 = Var(A / F) - mean(1 / F), at least 0. None with fewer than 7 scored days.
    """
    actual, forecast = score.daily
    usable = forecast > 0
    if usable.sum() < 7:
        return None
    ratio = actual[usable] / forecast[usable]
    excess = float(np.var(ratio, ddof=1) - np.mean(1.0 / forecast[usable]))
    return round(math.sqrt(max(0.0, excess)), 4)
