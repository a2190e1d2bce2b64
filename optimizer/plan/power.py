"""The power of the verdict (``optimizer.plan.verdict``), and how a passing plan is put in
words.

The verdict fails a plan with a cell ``EFFECT`` (3 points) below its target with probability at
least ``verify.confidence`` whatever the replications: such a cell passes only if wrongly shown
within 3 points (``verdict.undecided_cells``). What the replications buy is the other side:
how often a cell on its target is shown good (``pass_on_target``), and how often a 3-point miss
is called short outright rather than left undecided, the power of the per-cell test, which
follows from the cell's standard error and degrees of freedom (noncentral t). Cells a 3-point
miss would look like are those near their target (``NEAR``): a cell at 99.9 % varies little
and says nothing about one at target - 3, so power is stated per line over those cells, and the
weakest line is quoted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from optimizer.plan.verdict import EFFECT, shortfall_p_values, undecided_cells
from simulation.results import Results


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
    n = np.arange(controls + 2, most + 1, dtype=float)
    reached = np.flatnonzero(power_of(sd / np.sqrt(n), n - 1 - controls, gap, confidence) >= power)
    return int(n[reached[0]]) if len(reached) else None


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
    results: Results, mode: str, confidence: float, tolerance: float, within: float | None = None
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
    within ``EFFECT`` of their target at ``within`` (``undecided_cells``), in all and per line.
    ``caught``: the probability, at least, that a cell ``EFFECT`` below its target fails the
    verdict (called short or left undecided): ``confidence`` by construction, the check
    spending its error over its looks (``verification``). ``pass_on_target``: per line near
    its target, the median probability that a cell exactly on its target is shown within
    ``EFFECT`` at ``within`` (how often a good cell is decided good with these replications).
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
    shown = confidence if within is None else within
    open_ = undecided_cells(results, mode, confidence, tolerance, within=shown)
    out: dict[str, Any] = {
        "effect": EFFECT,
        "caught": confidence,
        "within_confidence": round(shown, 6),
        "pass_on_target": {
            str(name): round(
                float(
                    np.median(
                        power_of(
                            se[near & (line == name)], dof[near & (line == name)], EFFECT, shown
                        )
                    )
                ),
                4,
            )
            for name in sorted(set(line[near]))
        },
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


def meets_in_words(power: dict[str, Any], confidence: float) -> str:
    """How a plan that passed the verdict passed: no cell short and every cell shown less than
    ``EFFECT`` below its target, with the probability, at least, that a cell ``EFFECT`` below
    its target would have failed the check (``verdict_power``'s ``caught``)."""
    effect = f"{100 * power.get('effect', EFFECT):g}"
    caught = 100 * power.get("caught", confidence)
    return (
        f"meets every target: no cell short, and every cell shown less than {effect} points "
        f"below its target (a cell {effect} points below fails this check with probability "
        f">= {caught:g} %)"
    )
