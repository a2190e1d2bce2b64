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
    """The estimate of its expected service level (``Results.cells``)."""
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


@dataclass(frozen=True)
class Undecided:
    """A cell the check left open: neither called short nor shown less than ``EFFECT`` below
    its target (``undecided_cells``)."""

    channel: str
    cell: int
    """Interval index (targets = "interval") or planning-day index (targets = "daily")."""
    service_level: float
    """The estimate of its expected service level (``Results.cells``)."""
    standard_error: float
    target: float


def undecided_cells(
    results: Results,
    mode: str,
    confidence: float,
    tolerance: float,
    control_fdr: bool = True,
    within: float | None = None,
) -> pd.DataFrame:
    """The cells the check leaves open: not called short by the verdict (``shortfalls`` at
    ``confidence``, after false-discovery-rate control unless ``control_fdr`` is False), and not
    shown to be less than ``EFFECT`` below their target either: the one-sided test of H0
    "expected level <= target - EFFECT" on the same estimate does not reject at ``within``
    (default ``confidence``; the check spends its error over its looks,
    ``verification.look_confidence``). A cell passes the verdict only when shown within
    ``EFFECT``, so a cell 3 points below target passes with probability at most
    ``1 - within``: it is called short, or left open, which fails the plan too."""
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
    shown = confidence if within is None else within
    above = stats.t.sf(t, np.maximum(cells["dof"].to_numpy(float), 1.0)) < 1.0 - shown
    p = cells["p_value"].to_numpy(float)
    if control_fdr and len(p):
        p = stats.false_discovery_control(p, method="bh")
    return cells[~above & ~(p < 1.0 - confidence)]


def undecided_list(cells: pd.DataFrame) -> list[Undecided]:
    """``undecided_cells``' rows as ``Undecided`` records, in their order."""
    return [
        Undecided(str(c), int(k), float(e), float(s), float(t))
        for c, k, e, s, t in zip(
            cells["channel"],
            cells["cell"],
            cells["estimate"],
            cells["se"],
            cells["target"],
            strict=True,
        )
    ]


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
