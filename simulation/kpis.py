"""The counting rules and replication statistics shared by every KPI table of a run.

``simulation.results`` (channels: ``intervals.csv``, ``daily.csv``, ``summary.json``) and
``simulation.segments`` (channel x region x language: ``segments.csv``) compute their
service level, ASA and abandonment with these functions, so a segment is counted exactly as a
channel is. Arrays are shaped (replications, cells); a figure of a table is the mean over
replications of that replication's figure, with a 95 % Student-t interval over replications
(scipy.stats.t), ignoring replications where the figure is undefined.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import stats


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[Any, Any, Any]:
    """Mean and Student-t interval over axis 0, ignoring NaN (undefined replications)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        n = np.sum(~np.isnan(values), axis=0)
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1)
        tq = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n >= 2, tq * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    return mean, mean - half, mean + half


def clip_share(low: Any, high: Any) -> tuple[Any, Any]:
    """A service-level interval cannot leave [0, 1]; the Student-t one can, so clip it."""
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` where the denominator is positive, NaN elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def service_level_denominator(
    real_time: bool,
    counts: str,
    answered: np.ndarray,
    abandoned: np.ndarray,
    short_abandoned: np.ndarray,
    open_missed: np.ndarray,
) -> np.ndarray:
    """The service level's denominator under a channel's counting rule: ``answered + abandoned``
    (counts = offered), ``answered`` (answered), or ``answered + abandoned - abandons shorter
    than short_abandon`` (offered_excl_short), each plus the contacts still waiting at the end
    whose target has passed; asynchronous channels count ``answered`` (responded to) plus those."""
    if not real_time or counts == "answered":
        return answered + open_missed
    if counts == "offered_excl_short":
        return answered + open_missed + abandoned - short_abandoned
    return answered + open_missed + abandoned


def by_day(values: np.ndarray, day_of: np.ndarray, n_days: int) -> np.ndarray:
    """Sum interval counters (replications x intervals) into days (replications x days);
    ``day_of`` gives each interval's day index."""
    out = np.zeros((values.shape[0], n_days))
    for d in range(n_days):
        out[:, d] = values[:, day_of == d].sum(axis=1)
    return out


def counting_columns(
    offered: np.ndarray,
    answered: np.ndarray,
    abandoned: np.ndarray,
    within: np.ndarray,
    denominator: np.ndarray,
    wait_sum_s: np.ndarray,
    started: np.ndarray,
    confidence: float = 0.95,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The counting columns of a table (means over replications, per cell) and the service
    level of every replication and cell (for cell statistics):

    ``offered``, ``answered``, ``abandoned``, ``answered_within``; ``service_level``
    (``within / denominator``, empty where nothing counts) with its clipped Student-t interval
    ``service_level_ci_low`` / ``_high``; ``asa_s`` (``wait_sum_s / started`` [s]) and
    ``abandon_rate`` (``abandoned / (answered + abandoned)``)."""
    sl = ratio(within, denominator)
    sl_mean, sl_low, sl_high = mean_ci(sl, confidence)
    sl_low, sl_high = clip_share(sl_low, sl_high)
    columns = {
        "offered": offered.mean(axis=0),
        "answered": answered.mean(axis=0),
        "abandoned": abandoned.mean(axis=0),
        "answered_within": within.mean(axis=0),
        "service_level": sl_mean,
        "service_level_ci_low": sl_low,
        "service_level_ci_high": sl_high,
        "asa_s": mean_ci(ratio(wait_sum_s, started))[0],
        "abandon_rate": mean_ci(ratio(abandoned, answered + abandoned))[0],
    }
    return columns, sl
