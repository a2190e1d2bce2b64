"""Which cells of a simulated plan fall short of their targets, and by what test.

A cell is a (channel, interval) pair, or a (channel, planning day) pair with
``targets = "daily"``. Replications are the independent observations (contacts in one interval
share a queue). A cell's expected service level is estimated with control variates (the work
that arrived and the agents absent, whose expectations are known: ``simulation.controls``)
once there are enough replications, else by the plain mean; the tests below use that
estimate, its standard error and its Student-t degrees of freedom (``Results.cells``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

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
    """One-sided Student-t test per cell of H0 "the cell meets its target" (expected service
    level >= target share - ``tolerance``) on the cell's ``estimate``, standard error ``se``
    and ``dof`` degrees of freedom (module docstring), replications being the independent
    observations. Cells with fewer than two replications with a defined service level are not
    judged. A cell whose replications all agree (se 0) is short exactly when its estimate is
    below the threshold. Adds the columns ``threshold`` and ``p_value``."""
    cells = results.cells[results.cells["scope"] == ("interval" if mode == "interval" else "day")]
    cells = cells[cells["n"] >= 2].copy()
    cells["threshold"] = cells["target"].to_numpy(float) - tolerance
    gap = cells["estimate"].to_numpy(float) - cells["threshold"].to_numpy(float)
    error = np.nan_to_num(cells["se"].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            error > 0, gap / np.where(error > 0, error, 1.0), np.where(gap < 0, -np.inf, np.inf)
        )
    cells["p_value"] = stats.t.cdf(t, cells["dof"].to_numpy(float))
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
    level = cells["estimate"].to_numpy(float)
    target = cells["target"].to_numpy(float)
    found = [
        Short(channels[k], int(cell[k]), float(level[k]), float(p[k]), float(target[k]))
        for k in np.flatnonzero(short)
    ]
    return found, len(cells)


EFFECT = 0.03
"""The miss the verdict's power is stated for: a cell 3 points (0.03) below its target."""


def power_of(se: np.ndarray, dof: np.ndarray, gap: float, confidence: float) -> np.ndarray:
    """Power of the one-sided per-cell t-test at level ``1 - confidence`` to call a cell short
    whose true service level is ``gap`` below the test's threshold, for an estimate of standard
    error ``se`` with ``dof`` degrees of freedom: P(T' < -t[1-alpha, dof]) for T' noncentral t
    with ``dof`` degrees of freedom and noncentrality -gap / se (e.g. Cohen 1988, Statistical
    Power Analysis, ch. 2). NaN where ``se`` is 0 or undefined."""
    se = np.asarray(se, float)
    dof = np.asarray(dof, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(se > 0, -gap / np.where(se > 0, se, 1.0), np.nan)
    critical = stats.t.ppf(confidence, dof)
    return np.where(np.isfinite(shift), stats.nct.cdf(-critical, dof, shift), np.nan)


def t_test_power(sd: np.ndarray, n: np.ndarray, gap: float, confidence: float) -> np.ndarray:
    """``power_of`` the plain mean of ``n`` replications of standard deviation ``sd``
    (standard error sd / sqrt(n), n - 1 degrees of freedom)."""
    n = np.asarray(n, float)
    return power_of(np.asarray(sd, float) / np.sqrt(n), n - 1, gap, confidence)


def replications_for_power(
    sd: float,
    gap: float,
    confidence: float,
    power: float = 0.8,
    most: int = 10_000,
    controls: int = 0,
) -> int | None:
    """Fewest replications giving ``power`` against a cell ``gap`` below the threshold when one
    replication contributes standard deviation ``sd`` (the standard error times sqrt(n)) and the
    estimate spends ``controls`` degrees of freedom (None when not reached by ``most``, or
    ``sd`` undefined)."""
    if not (np.isfinite(sd) and sd > 0 and gap > 0):
        return None
    for n in range(controls + 2, most + 1):
        if (
            power_of(np.array([sd / np.sqrt(n)]), np.array([n - 1 - controls]), gap, confidence)[0]
            >= power
        ):
            return n
    return None


def detectable_miss(
    se: float, dof: float, confidence: float, tolerance: float, power: float = 0.8
) -> float | None:
    """The smallest miss [share below target] the per-cell test catches with ``power`` for an
    estimate of standard error ``se`` with ``dof`` degrees of freedom (bisection on the miss;
    None when even a cell at 0 % would not be caught that often, or ``se`` is undefined)."""
    if not (np.isfinite(se) and se > 0 and dof >= 1):
        return None

    def caught(miss: float) -> float:
        return float(power_of(np.array([se]), np.array([dof]), miss - tolerance, confidence)[0])

    low, high = tolerance, 1.0
    if caught(high) < power:
        return None
    for _ in range(50):
        middle = 0.5 * (low + high)
        low, high = (low, middle) if caught(middle) >= power else (middle, high)
    return high


def undecided_cells(
    results: Results, mode: str, confidence: float, tolerance: float
) -> pd.DataFrame:
    """The cells the check leaves open: not called short by the per-cell test at
    ``confidence``, and not shown to be less than ``EFFECT`` below their target either (the
    one-sided test of H0 "expected level <= target - EFFECT" on the same estimate does not
    reject at ``confidence``). A cell 3 points below target that the test does not call short
    is one of these (with probability ``confidence`` at least), so more replications are spent
    on them, and their number is reported."""
    cells = shortfall_p_values(results, mode, tolerance)
    floor = cells["target"].to_numpy(float) - EFFECT
    level = cells["estimate"].to_numpy(float)
    se = np.nan_to_num(cells["se"].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            se > 0,
            (level - floor) / np.where(se > 0, se, 1.0),
            np.where(level > floor, np.inf, -np.inf),
        )
    above = stats.t.sf(t, np.maximum(cells["dof"].to_numpy(float), 1.0)) < 1.0 - confidence
    short = cells["p_value"].to_numpy(float) < 1.0 - confidence
    return cells[~above & ~short]


NEAR = 0.05
"""Cells whose estimate lies within this of their target share are "near the target": their
spread is that of a cell the test has to decide (a cell at 99.9 % varies little, and says
nothing of how a cell at target - 3 points would vary)."""


def _power_figures(
    se: np.ndarray,
    dof: np.ndarray,
    n: np.ndarray,
    controls: np.ndarray,
    confidence: float,
    tolerance: float,
) -> dict[str, Any]:
    """Power figures of a set of cells (``verdict_power``)."""
    power = power_of(se, dof, EFFECT - tolerance, confidence)
    miss = detectable_miss(float(np.median(se)), float(np.median(dof)), confidence, tolerance)
    return {
        "cells": len(se),
        "median": round(float(np.median(power)), 4),
        "share_at_0_8": round(float(np.mean(power >= 0.8)), 4),
        "replications_for_0_8": replications_for_power(
            float(np.median(se * np.sqrt(n))),
            EFFECT - tolerance,
            confidence,
            controls=int(np.median(controls)),
        ),
        "detectable_miss": None if miss is None else round(miss, 4),
    }


def verdict_power(
    results: Results, mode: str, confidence: float, tolerance: float
) -> dict[str, Any]:
    """What the per-cell test can see, against a cell ``EFFECT`` below its target (that is
    ``EFFECT - tolerance`` below the threshold), from each judged cell's standard error and
    degrees of freedom (``power_of``).

    ``median`` and ``share_at_0_8``: over every judged cell with a positive standard error.
    ``near_target``: per line, over its cells within ``NEAR`` of the target, the cells a
    3-point miss would look like: their median power, the share with power >= 0.8, the
    replications that would give 0.8 at their median per-replication spread
    (``replications_for_power``) and ``detectable_miss``, the miss caught with 0.8 at their
    median standard error. ``weakest``: the line with the lowest median power near its
    target, whose ``replications_for_0_8`` and ``detectable_miss`` are also given at the top
    level (else those of all cells). ``undecided``: the cells neither called short nor shown
    within ``EFFECT`` of their target (``undecided_cells``), in all and per line.
    ``variance_ratio``: per line, the median over its cells
    estimated with control variates of their variance over that of the plain mean (1: no
    gain). The FDR control of the final verdict lowers the power further."""
    cells = shortfall_p_values(results, mode, tolerance)
    se = cells["se"].to_numpy(float)
    dof = cells["dof"].to_numpy(float)
    n = cells["n"].to_numpy(float)
    controls = cells["controls"].to_numpy(int)
    line = cells["channel"].to_numpy(str)
    varied = np.isfinite(se) & (se > 0)
    near = varied & (
        np.abs(cells["estimate"].to_numpy(float) - cells["target"].to_numpy(float)) <= NEAR
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = se**2 * n / cells["sd"].to_numpy(float) ** 2
    open_ = undecided_cells(results, mode, confidence, tolerance)
    out: dict[str, Any] = {
        "effect": EFFECT,
        "undecided": {
            "cells": len(open_),
            "by_line": {str(k): int(v) for k, v in open_["channel"].value_counts().items()},
        },
        "cells": int(varied.sum()),
        "median": None,
        "share_at_0_8": None,
        "near_target": {},
        "weakest": None,
        "replications_for_0_8": None,
        "detectable_miss": None,
        "variance_ratio": {
            name: round(float(np.median(ratio[varied & (controls > 0) & (line == name)])), 4)
            for name in sorted(set(line[varied & (controls > 0)]))
        },
    }
    if EFFECT - tolerance <= 0 or not varied.any():
        return out
    every = _power_figures(
        se[varied], dof[varied], n[varied], controls[varied], confidence, tolerance
    )
    out["median"], out["share_at_0_8"] = every["median"], every["share_at_0_8"]
    for name in sorted(set(line[near])):
        mine = near & (line == name)
        out["near_target"][name] = _power_figures(
            se[mine], dof[mine], n[mine], controls[mine], confidence, tolerance
        )
    chosen = every
    if out["near_target"]:
        weakest = min(out["near_target"], key=lambda name: out["near_target"][name]["median"])
        out["weakest"], chosen = weakest, out["near_target"][weakest]
    out["replications_for_0_8"] = chosen["replications_for_0_8"]
    out["detectable_miss"] = chosen["detectable_miss"]
    return out


def meets_in_words(power: dict[str, Any], confidence: float, check: str = "test") -> str:
    """How a plan that passed the verdict passed, from ``verdict_power``'s figures: with no
    undecided cell, every cell was shown less than ``EFFECT`` below its target; else the
    undecided cells are counted and the power quoted (that of the weakest line near its
    target, else the median over all cells). ``check`` names the check in the sentence."""
    effect = f"{100 * power.get('effect', EFFECT):g}"
    undecided = power.get("undecided", {}).get("cells", 0)
    if not undecided:
        return (
            f"meets every target: no cell short, and every cell shown less than {effect} "
            f"points below its target ({100 * confidence:g} %)"
        )
    weakest = power.get("weakest")
    median = power["near_target"][weakest]["median"] if weakest else power.get("median")
    where = f" for {weakest} cells near target" if weakest else ""
    quoted = "" if median is None else f", power {median:.2f}{where} against a {effect}-point miss"
    return (
        f"meets every target the {check} can see ({undecided} cells undecided{quoted}; "
        "raise [optimizer.verify] max_replications for a stronger verdict)"
    )


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
    it is taken as estimate + se x a Student-t variable with the cell's ``dof`` (module
    docstring), cells independent. The estimate is the expected share under that, the sum over
    cells of P(level < target - tolerance) (weighted by contacts for the volume share); the
    interval at ``confidence`` is the percentile interval of ``draws`` draws of it (a parametric
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
    mean = cells["estimate"].to_numpy(float)
    dof = np.maximum(cells["dof"].to_numpy(float), 1.0)
    se = np.nan_to_num(cells["se"].to_numpy(float))
    threshold = cells["threshold"].to_numpy(float)
    rng = np.random.default_rng(seed)
    drawn = mean + se * rng.standard_t(dof, size=(draws, len(mean)))
    below_drawn = drawn < threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (threshold - mean) / se
    below = np.where(se > 0, stats.t.cdf(z, dof), (mean < threshold).astype(float))
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
