"""The statistics of the check: two-sided Student-t tests of a mean difference (paired and
Welch's) with their confidence intervals, and the Benjamini-Hochberg and Holm
multiple-comparison adjustments of p-values. Plain arrays in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class TTest:
    """A two-sided Student-t test of the mean difference now - baseline.

    ``n``: pairs (paired) or the smaller sample (Welch); ``difference``: mean difference, in
    the KPI's unit; ``low``, ``high``: its confidence interval; ``p``: two-sided p-value.
    """

    n: int
    difference: float
    low: float
    high: float
    p: float


def _t_result(difference: float, se: float, df: float, confidence: float, n: int) -> TTest:
    if not se > 0:  # no spread at all: the difference is certain
        return TTest(n, difference, difference, difference, 0.0 if difference != 0 else 1.0)
    t = difference / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return TTest(n, difference, difference - half, difference + half, p)


def paired_t(base: np.ndarray, now: np.ndarray, confidence: float = 0.95) -> TTest | None:
    """Paired t test on the per-replication differences ``now - base`` (pairs where both are
    defined), as ``scipy.stats.ttest_rel``; None with fewer than 2 pairs."""
    mask = ~np.isnan(base) & ~np.isnan(now)
    d = now[mask] - base[mask]
    n = len(d)
    if n < 2:
        return None
    se = float(np.std(d, ddof=1)) / math.sqrt(n)
    return _t_result(float(np.mean(d)), se, n - 1, confidence, n)


def welch_t(base: np.ndarray, now: np.ndarray, confidence: float = 0.95) -> TTest | None:
    """Welch's unequal-variance t test of ``mean(now) - mean(base)`` with Welch-Satterthwaite
    degrees of freedom (Welch 1947, Biometrika 34: 28-35), as
    ``scipy.stats.ttest_ind(equal_var=False)``; None when a side has fewer than 2 values."""
    a, b = base[~np.isnan(base)], now[~np.isnan(now)]
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = float(np.var(a, ddof=1)) / len(a), float(np.var(b, ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    denominator = va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)
    df = (va + vb) ** 2 / denominator if denominator > 0 else float(len(a) + len(b) - 2)
    return _t_result(float(np.mean(b) - np.mean(a)), se, df, confidence, min(len(a), len(b)))


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (Benjamini and Hochberg 1995): the i-th smallest of
    m is multiplied by m / i, made monotone from the largest down and capped at 1. Reject where
    adjusted p <= alpha (as ``scipy.stats.false_discovery_control(p, method="bh")``)."""
    values = np.asarray(p, dtype=float)
    m = len(values)
    if m == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = adjusted
    return out


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979): the i-th smallest of m is multiplied by
    (m - i + 1), made monotone and capped at 1. Reject where adjusted p <= alpha."""
    values = np.asarray(p, dtype=float)
    m = len(values)
    if m == 0:
        return values.copy()
    order = np.argsort(values, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * values[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out
