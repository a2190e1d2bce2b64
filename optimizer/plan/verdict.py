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


def shortfall_p_values(results: Results, mode: str) -> pd.DataFrame:
    """One-sided Student-t test per cell of H0 "the cell meets its target" (mean service level
    over replications >= target share), replications being the independent observations
    (contacts in one interval share a queue). Cells with fewer than two replications with a
    defined service level are not judged. A cell whose replications all agree (sd 0) is short
    exactly when its mean is below target."""
    cells = results.cells[results.cells["scope"] == ("interval" if mode == "interval" else "day")]
    cells = cells[cells["n"] >= 2].copy()
    n = cells["n"].to_numpy(float)
    gap = cells["mean"].to_numpy(float) - cells["target"].to_numpy(float)
    error = cells["sd"].to_numpy(float) / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            error > 0, gap / np.where(error > 0, error, 1.0), np.where(gap < 0, -np.inf, np.inf)
        )
    cells["p_value"] = stats.t.cdf(t, n - 1)
    return cells


def shortfalls(
    results: Results, mode: str, confidence: float, control_fdr: bool = False
) -> tuple[list[Short], int]:
    """Cells significantly below target, and the number of cells judged.

    A cell is short when its one-sided p-value (``shortfall_p_values``) is below
    ``1 - confidence``. With ``control_fdr`` the p-values are first adjusted for the number of
    cells tested (Benjamini and Hochberg 1995, JRSS B 57(1):289-300), so that among a thousand
    cells that all meet their target about none, not 2.5 %, are called short: the final verdict
    uses it; the correction loop does not, to chase every likely miss.
    """
    cells = shortfall_p_values(results, mode)
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
