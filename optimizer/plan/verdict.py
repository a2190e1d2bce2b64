"""Which cells of a simulated plan fall short of their targets, and by what test.

A cell is a (channel, interval) pair, or a (channel, planning day) pair with
``targets = "daily"``. Replications are the independent observations (contacts in one interval
share a queue).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulation.results import Results


@dataclass(frozen=True)
class Short:
    """A cell where simulation shows a channel significantly below its target."""

    channel: str
    cell: int
    """Interval index (targets = "interval") or planning-day index (targets = "daily")."""
    service_level: float
    """Mean over replications."""
    p_value: float
    """One-sided p-value of "meets the target" (FDR-adjusted in the final verdict)."""
    target: float


def fresh_seed(seed: int) -> int:
    """A verification seed derived from the scenario seed, unrelated to it as a stream."""
    digest = hashlib.sha256(f"verify:{seed}".encode()).hexdigest()
    return int(digest[:15], 16)


def shortfall_p_values(results: Results, mode: str, tolerance: float = 0.0) -> pd.DataFrame:
    """One-sided Student-t test per cell of H0 "the cell meets its target" (mean service level
    over replications >= target share - ``tolerance``), replications being the independent
    observations (contacts in one interval share a queue). Cells with fewer than two
    replications with a defined service level are not judged. A cell whose replications all
    agree (sd 0) is short exactly when its mean is below the threshold. Adds the columns
    ``threshold`` and ``p_value``."""
    cells = results.cells[results.cells["scope"] == ("interval" if mode == "interval" else "day")]
    cells = cells[cells["n"] >= 2].copy()
    n = cells["n"].to_numpy(float)
    cells["threshold"] = cells["target"].to_numpy(float) - tolerance
    gap = cells["mean"].to_numpy(float) - cells["threshold"].to_numpy(float)
    error = cells["sd"].to_numpy(float) / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            error > 0, gap / np.where(error > 0, error, 1.0), np.where(gap < 0, -np.inf, np.inf)
        )
    cells["p_value"] = stats.t.cdf(t, n - 1)
    return cells


def shortfalls(
    results: Results,
    mode: str,
    confidence: float,
    control_fdr: bool = False,
    tolerance: float = 0.0,
) -> tuple[list[Short], int]:
    """Cells significantly below target - ``tolerance``, and the number of cells judged.

    A cell is short when its one-sided p-value (``shortfall_p_values``) is below
    ``1 - confidence``. With ``control_fdr`` the p-values are first adjusted for the number of
    cells tested (Benjamini and Hochberg 1995, JRSS B 57(1):289-300), so that among a thousand
    cells that all meet their target about none, not 2.5 %, are called short: the final verdict
    uses it; the correction loop does not, to chase every likely miss.
    """
    cells = shortfall_p_values(results, mode, tolerance)
    p = cells["p_value"].to_numpy(float)
    if control_fdr and len(p):
        p = stats.false_discovery_control(p, method="bh")
    short = p < 1 - confidence
    channels = [str(c) for c in cells["channel"]]
    cell = cells["cell"].to_numpy(int)
    level = cells["mean"].to_numpy(float)
    target = cells["target"].to_numpy(float)
    found = [
        Short(channels[k], int(cell[k]), float(level[k]), float(p[k]), float(target[k]))
        for k in np.flatnonzero(short)
    ]
    return found, len(cells)


EFFECT = 0.03
"""The miss the verdict's power is stated for: a cell 3 points (0.03) below its target."""


def t_test_power(sd: np.ndarray, n: np.ndarray, gap: float, confidence: float) -> np.ndarray:
    """Power of the one-sided per-cell t-test at level ``1 - confidence`` to call a cell short
    whose true service level is ``gap`` below the test's threshold, with ``n`` replications of
    standard deviation ``sd``: P(T' < -t[1-alpha, n-1]) for T' noncentral t with n - 1 degrees of
    freedom and noncentrality -gap sqrt(n) / sd (e.g. Cohen 1988, Statistical Power Analysis,
    ch. 2). NaN where ``sd`` is 0 or undefined."""
    sd = np.asarray(sd, float)
    n = np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(sd > 0, -gap * np.sqrt(n) / np.where(sd > 0, sd, 1.0), np.nan)
    critical = stats.t.ppf(confidence, n - 1)
    return np.where(np.isfinite(shift), stats.nct.cdf(-critical, n - 1, shift), np.nan)


def replications_for_power(
    sd: float, gap: float, confidence: float, power: float = 0.8, most: int = 10_000
) -> int | None:
    """Fewest replications giving ``power`` against a cell ``gap`` below the threshold at
    standard deviation ``sd`` (None when not reached by ``most``, or ``sd`` undefined)."""
    if not (np.isfinite(sd) and sd > 0 and gap > 0):
        return None
    for n in range(2, most + 1):
        if t_test_power(np.array([sd]), np.array([n]), gap, confidence)[0] >= power:
            return n
    return None


def detectable_miss(
    sd: float, n: float, confidence: float, tolerance: float, power: float = 0.8
) -> float | None:
    """The smallest miss [share below target] the per-cell test catches with ``power`` at
    standard deviation ``sd`` over ``n`` replications (bisection on the miss; None when even a
    cell at 0 % would not be caught that often, or ``sd`` is undefined)."""
    if not (np.isfinite(sd) and sd > 0 and n >= 2):
        return None

    def caught(miss: float) -> float:
        return float(t_test_power(np.array([sd]), np.array([n]), miss - tolerance, confidence)[0])

    low, high = tolerance, 1.0
    if caught(high) < power:
        return None
    for _ in range(50):
        middle = 0.5 * (low + high)
        low, high = (low, middle) if caught(middle) >= power else (middle, high)
    return high


def verdict_power(
    results: Results, mode: str, confidence: float, tolerance: float
) -> dict[str, float | int | None]:
    """What the per-cell test can see: against a cell ``EFFECT`` below its target, i.e.
    ``EFFECT - tolerance`` below the threshold, the median power over the judged cells with a
    positive sd, the share of them with power >= 0.8, the replications that would give 0.8
    at the median sd, and the miss the test catches with 0.8 at the median sd and the
    replications run (``detectable_miss``). The FDR control of the final verdict lowers the
    power further."""
    cells = shortfall_p_values(results, mode, tolerance)
    gap = EFFECT - tolerance
    sd = cells["sd"].to_numpy(float)
    n = cells["n"].to_numpy(float)
    varied = np.isfinite(sd) & (sd > 0)
    if gap <= 0 or not varied.any():
        return {
            "effect": EFFECT,
            "cells": int(varied.sum()),
            "median": None,
            "share_at_0_8": None,
            "replications_for_0_8": None,
            "detectable_miss": None,
        }
    power = t_test_power(sd[varied], n[varied], gap, confidence)
    median_sd = float(np.median(sd[varied]))
    miss = detectable_miss(median_sd, float(np.median(n[varied])), confidence, tolerance)
    return {
        "effect": EFFECT,
        "cells": int(varied.sum()),
        "median": round(float(np.median(power)), 4),
        "share_at_0_8": round(float(np.mean(power >= 0.8)), 4),
        "replications_for_0_8": replications_for_power(median_sd, gap, confidence),
        "detectable_miss": None if miss is None else round(miss, 4),
    }


def offered_by_cell(results: Results, mode: str) -> dict[tuple[str, int], float]:
    """Mean contacts offered per (line, cell): per interval index (``mode = "interval"``) or
    planning day, from the ``intervals`` or ``daily`` table."""
    if mode == "interval":
        table = results.intervals
        order = {t: k for k, t in enumerate(pd.unique(table["interval_start"]))}
        keys = table["interval_start"].map(order)
    else:
        table = results.daily
        keys = table["day"]
    return {
        (str(c), int(k)): float(v)
        for c, k, v in zip(table["channel"], keys, table["offered"], strict=True)
    }


def below_target_shares(
    results: Results,
    mode: str,
    confidence: float,
    tolerance: float,
    seed: int,
    draws: int = 2000,
) -> dict[str, dict[str, dict[str, float]]]:
    """Share of judged cells, and of the contacts offered in them, whose mean service level is
    below target - ``tolerance``, per line and for all lines (``"all"``), each as
    ``{estimate, low, high}``. Each cell's expected level is uncertain: given its replications
    it is taken as mean + sd / sqrt(n) x a Student-t variable with n - 1 degrees of freedom,
    cells independent. The estimate is the expected share under that, the sum over cells of
    P(level < target - tolerance) (weighted by contacts for the volume share); the interval at
    ``confidence`` is the percentile interval of ``draws`` draws of it (a parametric
    bootstrap from a generator seeded by ``seed``: the same plan gives the same figures). The
    share of cell means below the line is not the estimate: near the line more cells sit above
    than below, so it is biased low, and it fell outside its own interval on global-retail
    (3.7 % of cells, interval 3.8-5.1 %, 2026-12-04)."""
    cells = shortfall_p_values(results, mode, tolerance)
    offered = offered_by_cell(results, mode)
    volume = np.array(
        [
            offered.get((str(c), int(k)), 0.0)
            for c, k in zip(cells["channel"], cells["cell"], strict=True)
        ]
    )
    mean = cells["mean"].to_numpy(float)
    n = cells["n"].to_numpy(float)
    se = np.nan_to_num(cells["sd"].to_numpy(float) / np.sqrt(n))
    threshold = cells["threshold"].to_numpy(float)
    rng = np.random.default_rng(seed)
    drawn = mean + se * rng.standard_t(np.maximum(n - 1, 1), size=(draws, len(mean)))
    below_drawn = drawn < threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (threshold - mean) / se
    below = np.where(se > 0, stats.t.cdf(z, np.maximum(n - 1, 1)), (mean < threshold).astype(float))
    alpha = 1 - confidence
    channels = cells["channel"].to_numpy(str)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in [*sorted(set(channels)), "all"]:
        mine = np.ones(len(mean), bool) if name == "all" else channels == name
        if not mine.any():
            continue
        weight = volume[mine]
        figures: dict[str, dict[str, float]] = {}
        for kind, w in (("cells", np.ones(int(mine.sum()))), ("volume", weight)):
            total = float(w.sum())
            if total <= 0:
                continue
            estimate = float((below[mine] * w).sum() / total)
            shares = (below_drawn[:, mine] * w).sum(axis=1) / total
            low, high = np.quantile(shares, [alpha / 2, 1 - alpha / 2])
            figures[kind] = {
                "estimate": round(estimate, 4),
                "low": round(float(low), 4),
                "high": round(float(high), 4),
            }
        out[name] = figures
    return out
