"""Synthetic history with known structure for the forecast tests: a weekly pattern, an intraday
pattern by local clock hour, a linear trend, public holidays at a known factor, and Poisson
counts; per-interval rows (zero intervals left out, as exports do) or per-contact records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

WEEKDAY = np.array([1.3, 1.15, 1.0, 1.0, 0.95, 0.55, 0.3])
"""Relative volume Monday..Sunday."""
HOURLY = np.array(
    [0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 1.2, 3.0, 5.0, 6.0, 5.5,
     5.0, 5.0, 5.2, 4.8, 4.2, 3.5, 2.5, 1.8, 1.2, 0.8, 0.4, 0.2]
)  # fmt: skip
"""Relative volume by local clock hour (peak at 10:00)."""


def rates(
    first: dt.date,
    days: int,
    timezone: str,
    step_min: int,
    per_day: float,
    trend_per_week: float = 0.0,
    holidays: Iterable[dt.date] = (),
    holiday_factor: float = 0.2,
) -> pd.DataFrame:
    """Expected contacts of every UTC interval of ``days`` local days from ``first``: columns
    ``start`` (tz-aware, local) and ``rate``. Built from the local clock of each instant."""
    begin = pd.Timestamp(first).tz_localize(timezone)
    end = pd.Timestamp(first + dt.timedelta(days=days)).tz_localize(timezone)
    starts = pd.date_range(begin.tz_convert("UTC"), end.tz_convert("UTC"), freq=f"{step_min}min",
                           inclusive="left").tz_convert(timezone)  # fmt: skip
    local_day = np.array([(t.date() - first).days for t in starts])
    weekday = starts.day_of_week.to_numpy()
    hour = starts.hour.to_numpy()
    day_share = HOURLY[hour] / HOURLY.sum() * step_min / 60
    level = per_day * (1 + trend_per_week * local_day / 7)
    factor = np.ones(len(starts))
    dates = np.array([t.date() for t in starts])
    for holiday in holidays:
        factor[dates == holiday] = holiday_factor
    weekly = WEEKDAY[weekday] / WEEKDAY.mean()
    return pd.DataFrame({"start": starts, "rate": level * weekly * day_share * factor})


def interval_rows(frame: pd.DataFrame, seed: int, channel: str | None = None) -> pd.DataFrame:
    """Poisson counts of ``rates`` as per-interval history rows, zero intervals left out."""
    rng = np.random.default_rng(seed)
    volume = rng.poisson(frame["rate"].to_numpy())
    rows = pd.DataFrame(
        {"interval_start": [t.isoformat() for t in frame["start"]], "volume": volume}
    )
    if channel is not None:
        rows["channel"] = channel
    return rows[rows["volume"] > 0]


def write(rows: pd.DataFrame, path: Path) -> Path:
    rows.to_csv(path, index=False)
    return path


def contact_rows(
    frame: pd.DataFrame,
    seed: int,
    handle_mean_s: float,
    handle_cv: float,
    patience_mean_s: float | None = None,
    wait_mean_s: float = 60.0,
) -> pd.DataFrame:
    """Per-contact records drawn from ``rates`` (Poisson counts, uniform within the interval;
    ``created_at`` in UTC with ``Z``): lognormal handle times, and with ``patience_mean_s`` an
    exponential patience racing an exponential wait to be answered (abandoned contacts have no
    handle time)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(frame["rate"].to_numpy())
    step = (frame["start"].iloc[1] - frame["start"].iloc[0]).total_seconds()
    starts = np.repeat(frame["start"].dt.tz_convert("UTC").to_numpy(), counts)
    offsets = pd.to_timedelta(rng.uniform(0, step, len(starts)).round(), unit="s")
    created = pd.DatetimeIndex(starts) + offsets
    n = len(created)
    sigma2 = np.log(1 + handle_cv**2)
    handle = rng.lognormal(np.log(handle_mean_s) - sigma2 / 2, np.sqrt(sigma2), n).round(1)
    rows = pd.DataFrame({"created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ")})
    if patience_mean_s is None:
        rows["handle_time_s"] = handle
        return rows
    patience = rng.exponential(patience_mean_s, n)
    offered = rng.exponential(wait_mean_s, n)
    abandoned = patience < offered
    rows["handle_time_s"] = np.where(abandoned, np.nan, handle)
    rows["wait_s"] = np.minimum(patience, offered).round(1)
    rows["abandoned"] = np.where(abandoned, "true", "false")
    return rows
