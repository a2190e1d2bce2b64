"""Synthetic history with known structure, for tests, benchmarks and the notebook: a weekly
pattern, an intraday pattern by local clock hour (one for all days, or one per weekday), a
linear trend, public holidays at a known factor, day-to-day noise beyond Poisson, and Poisson
counts; written as per-interval rows (zero intervals left out, as exports do) or per-contact
records. Outage days (nothing logged) are taken out of the rows afterwards (:func:`drop_days`).

Everything is built from the local clock of each instant in ``timezone``, so a 10:00 peak stays
at 10:00 local time across clock changes.
"""

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
WEEKEND_HOURLY = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3.5,
     4.0, 4.2, 4.0, 3.8, 3.5, 3.2, 3.0, 2.8, 2.2, 1.5, 0.8, 0.4]
)  # fmt: skip
"""Relative volume by local clock hour on Saturday and Sunday (a later, flatter day)."""


def by_weekday(
    weekday_profile: np.ndarray = HOURLY, weekend: np.ndarray = WEEKEND_HOURLY
) -> np.ndarray:
    """A 7 x 24 intraday profile: ``weekday_profile`` Monday to Friday, ``weekend`` on
    Saturday and Sunday."""
    return np.vstack([weekday_profile] * 5 + [weekend] * 2)


def rates(
    first: dt.date,
    days: int,
    timezone: str,
    step_min: int,
    per_day: float,
    trend_per_week: float = 0.0,
    holidays: Iterable[dt.date] = (),
    holiday_factor: float = 0.2,
    weekday: np.ndarray = WEEKDAY,
    hourly: np.ndarray = HOURLY,
    day_cv: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Expected contacts of every interval of ``step_min`` minutes over ``days`` local days of
    ``timezone`` from ``first``: columns ``start`` (tz-aware, local) and ``rate`` [contacts].

    ``per_day``: mean contacts a day at the start [contacts]; ``trend_per_week``: linear growth
    [share of ``per_day`` a week]; ``holidays``: local dates at ``holiday_factor`` of an
    ordinary day; ``weekday``: 7 relative weights, Monday..Sunday; ``hourly``: 24 weights by
    local clock hour, or 7 x 24 (one row per weekday); ``day_cv``: coefficient of variation of
    a gamma multiplier (mean 1) drawn per local day with ``seed`` (0: none).
    """
    begin = pd.Timestamp(first).tz_localize(timezone)
    end = pd.Timestamp(first + dt.timedelta(days=days)).tz_localize(timezone)
    starts = pd.date_range(
        begin.tz_convert("UTC"), end.tz_convert("UTC"), freq=f"{step_min}min", inclusive="left"
    ).tz_convert(timezone)
    local_midnight = starts.tz_localize(None).normalize()
    local_day = np.asarray((local_midnight - pd.Timestamp(first)).days)
    wd = starts.day_of_week.to_numpy()
    hour = starts.hour.to_numpy()
    profile = np.atleast_2d(np.asarray(hourly, dtype=float))
    profile = np.broadcast_to(profile, (7, 24))
    day_share = profile[wd, hour] / profile.sum(axis=1)[wd] * step_min / 60
    level = per_day * (1 + trend_per_week * local_day / 7)
    factor = np.ones(len(starts))
    wanted = {pd.Timestamp(d) for d in holidays}
    if wanted:
        factor[np.asarray(local_midnight.isin(list(wanted)))] = holiday_factor
    if day_cv > 0:
        rng = np.random.default_rng(seed)
        shape = 1 / day_cv**2
        factor = factor * rng.gamma(shape, 1 / shape, days)[local_day]
    weights = np.asarray(weekday, dtype=float)
    weekly = weights[wd] / weights.mean()
    return pd.DataFrame({"start": starts, "rate": level * weekly * day_share * factor})


def interval_rows(frame: pd.DataFrame, seed: int, channel: str | None = None) -> pd.DataFrame:
    """Poisson counts of ``rates`` as per-interval history rows (``interval_start`` ISO 8601
    with the local offset, ``volume`` [contacts], ``channel`` when given), zero intervals left
    out."""
    rng = np.random.default_rng(seed)
    volume = rng.poisson(frame["rate"].to_numpy())
    stamps = (
        frame["start"]
        .dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        .str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    )
    rows = pd.DataFrame({"interval_start": stamps.to_numpy(), "volume": volume})
    if channel is not None:
        rows["channel"] = channel
    return rows[rows["volume"] > 0]


def drop_days(rows: pd.DataFrame, days: Iterable[dt.date], after: str = "00:00") -> pd.DataFrame:
    """``rows`` without the intervals of the local ``days`` from the local clock time ``after``
    on: an outage that logged nothing (``"00:00"``: the whole day), or an export cut short."""
    stamps = rows["interval_start"].astype(str)
    dates = stamps.str.slice(0, 10)
    clock = stamps.str.slice(11, 16)
    wanted = {d.isoformat() for d in days}
    return rows[~(dates.isin(wanted) & (clock >= after))]


def write(rows: pd.DataFrame, path: Path) -> Path:
    """``rows`` as a CSV at ``path`` (no index); returns ``path``."""
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
    ``created_at`` in UTC with ``Z``): lognormal handle times [s] of mean ``handle_mean_s`` and
    CV ``handle_cv``, and with ``patience_mean_s`` [s] an exponential patience racing an
    exponential wait to be answered of mean ``wait_mean_s`` [s] (abandoned contacts have no
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
