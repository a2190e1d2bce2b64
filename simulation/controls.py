"""Control variates for the service level of a cell (a line's interval or planning day).

Much of what makes one replication's service level in a cell differ from another's is known
before any contact is handled: how much work arrived (the forecast-error multiplier and the
Poisson counts), on this channel and on the channels that share its agents, and how many agents
did not show up. Those inputs have expectations known exactly from the scenario, so the cell's
expected service level can be estimated with the classic regression control-variate estimator
(Lavenberg and Welch 1981, Management Science 27(3):322-335; Law 2015, Simulation Modeling and
Analysis, 5th ed., section 11.4): regress the replications' service level ``y`` on the controls
centred at their expectations, ``y = b0 + b'(X - mu) + e``; the intercept ``b0`` is unbiased for
E[y] when (y, X) are jointly normal and its ordinary-least-squares standard error, with
``n - 1 - m`` degrees of freedom for ``m`` controls, is exact then (Nelson 1990, Operations
Research 38(6):974-992). The controls of a cell:

* ``own``: handle time [s] of the contacts arriving on the line's channel in the cell;
* ``shared``: the same for every other channel that agents of the line's sites may take,
  each divided by its chat concurrency (one agent holds several chats);
* ``before`` (intervals only): ``own + shared`` of the interval before;
* ``absent``: shift time [s] of the agents of the line's sites who did not show up.

The expectations: arrivals are Poisson at the demand segments' rates times a forecast-error
multiplier of mean 1, and a handle-time draw has mean the segment's handle time
(``simulation.arrivals``); an agent is absent with probability ``absenteeism`` over the whole
shift (``simulation.engine.run``). The estimator is used in a cell only with at least
``MIN_REPLICATIONS`` replications and ``MIN_DOF`` residual degrees of freedom, and on a line
only when the controls narrow its cells at the median (``for_line``); elsewhere the plain mean
and its standard error stand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.timeline import interval_integrals
from simulation.lines import Line
from simulation.model import SimModel

MIN_REPLICATIONS = 20
"""Fewest replications with a defined service level for the control-variate estimator."""

MIN_DOF = 10
"""Fewest residual degrees of freedom (replications - 1 - controls used) it keeps."""


@dataclass(frozen=True)
class Expected:
    """Exact expectations of one replication's control grids."""

    work_s: np.ndarray
    """Handle time of the contacts arriving, per channel and interval [s]."""
    absent_s: np.ndarray
    """Shift time of absent agents, per site and interval [s]."""


def expected(model: SimModel) -> Expected:
    """The expectations of ``ReplicationResult.fresh_work_s`` and ``absent_s`` (module
    docstring), replaying the demand segments and shift instances over the same tiles of the
    cyclic horizon as the simulation does."""
    horizon = model.horizon
    length, step, n = horizon.length_s, float(horizon.interval_s), horizon.n_intervals
    work = np.zeros((len(model.channels), n))
    for spec, demand in zip(model.channels, model.demands, strict=True):
        aht = np.where(np.isnan(demand.aht_s), spec.handle[1], demand.aht_s)
        for tile in range(math.floor(model.start_s / length), math.floor(model.end_s / length) + 1):
            begin = np.maximum(demand.t0_s + tile * length, model.start_s)
            end = np.minimum(demand.t1_s + tile * length, model.end_s)
            work[spec.index] += interval_integrals(begin, end, demand.rate_per_s * aht, step, n)
    sites = model.scenario.sites
    absent = np.zeros((len(sites), n))
    first = math.floor((model.start_s - 7 * 86400.0) / length)
    last = math.floor(model.end_s / length)
    tiles = np.arange(first, last + 1) * length
    for s in range(len(sites)):
        mine = [inst for inst in model.instances if inst.site == s]
        if not mine or sites[s].absenteeism <= 0:
            continue
        starts = np.array([inst.start_s for inst in mine])[:, None] + tiles[None]
        ends = np.array([inst.end_s for inst in mine])[:, None] + tiles[None]
        share = np.array([sites[s].absenteeism * inst.agents for inst in mine], float)
        absent[s] = interval_integrals(
            starts.ravel(), ends.ravel(), np.repeat(share, len(tiles)), step, n
        )
    return Expected(work, absent)


def _shared_weights(model: SimModel, line: Line) -> np.ndarray:
    """Weight of each channel in the ``shared`` control of ``line``: 1 / concurrency for the
    other channels some site of the line handles, 0 for the line's own and the rest."""
    weights = np.zeros(len(model.channels))
    for spec in model.channels:
        if spec.index == line.channel:
            continue
        if any(spec.name in model.scenario.sites[s].skills for s in line.sites):
            weights[spec.index] = 1.0 / spec.concurrency
    return weights


def line_controls(
    model: SimModel,
    line: Line,
    work: np.ndarray,
    absent_by_site: np.ndarray,
    expect: Expected,
    day_of: np.ndarray | None = None,
    n_days: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The controls of ``line`` per replication and cell, shape (reps, cells, m), and their
    expectations, shape (cells, m): per interval, or per planning day when ``day_of`` (the
    planning day of every interval) is given. ``work`` and ``absent_by_site``: the
    replications' ``fresh_work_s`` and ``absent_s`` stacked (reps x channels or sites x
    intervals)."""
    absent = absent_by_site[:, line.sites, :].sum(axis=1)
    weights = _shared_weights(model, line)
    own = work[:, line.channel, :]
    shared = np.einsum("rci,c->ri", work, weights)
    mu_own = expect.work_s[line.channel]
    mu_shared = weights @ expect.work_s
    mu_absent = expect.absent_s[line.sites].sum(axis=0)
    if day_of is None:

        def before(x: np.ndarray) -> np.ndarray:
            out = np.zeros_like(x)
            out[..., 1:] = x[..., :-1]
            return out

        grids = [own, shared, before(own + shared), absent]
        means = [mu_own, mu_shared, before(mu_own + mu_shared), mu_absent]
    else:

        def by_day(x: np.ndarray) -> np.ndarray:
            out = np.zeros((*x.shape[:-1], n_days))
            for d in range(n_days):
                out[..., d] = x[..., day_of == d].sum(axis=-1)
            return out

        grids = [by_day(own), by_day(shared), by_day(absent)]
        means = [by_day(mu_own), by_day(mu_shared), by_day(mu_absent)]
    return np.stack(grids, axis=-1), np.stack(means, axis=-1)


@dataclass(frozen=True)
class CellEstimates:
    """Per cell: the estimate of the expected service level, its standard error, the degrees of
    freedom of its Student-t, and the controls used (0: the plain mean)."""

    estimate: np.ndarray
    se: np.ndarray
    dof: np.ndarray
    controls: np.ndarray


def plain(y: np.ndarray) -> CellEstimates:
    """Mean over replications (rows of ``y``, NaN where the cell had nothing to count), its
    standard error and n - 1 degrees of freedom, per cell."""
    n = np.sum(~np.isnan(y), axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nansum(y, axis=0) / n
        sq = np.nansum((y - mean) ** 2, axis=0)
        se = np.sqrt(sq / (n - 1) / n)
    se = np.where(n >= 2, se, np.nan)
    return CellEstimates(mean, se, n - 1, np.zeros(y.shape[1], dtype=np.int64))


def with_controls(y: np.ndarray, x: np.ndarray, mu: np.ndarray) -> CellEstimates:
    """The regression control-variate estimate per cell (module docstring) of the mean of
    ``y`` (reps x cells, NaN where undefined) with controls ``x`` (reps x cells x m) of exact
    expectations ``mu`` (cells x m); the plain mean where too few replications or degrees of
    freedom remain. Controls constant within a cell drop out (they are not counted)."""
    base = plain(y)
    valid = ~np.isnan(y)
    n = valid.sum(axis=0)
    centred = np.where(valid[..., None], x - mu[None], 0.0)
    count = np.maximum(n, 1)[:, None]
    spread = np.sqrt(
        np.maximum((centred**2).sum(axis=0) / count - (centred.sum(axis=0) / count) ** 2, 0.0)
    )
    usable = spread > 1e-9 * (1.0 + np.abs(mu))
    scaled = np.where(usable[None], centred / np.where(usable, spread, 1.0)[None], 0.0)
    design = np.concatenate([valid[..., None].astype(float), scaled], axis=-1)  # r x k x (1+m)
    design = np.moveaxis(design, 1, 0)  # k x r x (1+m)
    target = np.where(valid, y, 0.0).T  # k x r
    gram = np.einsum("kri,krj->kij", design, design)
    moment = np.einsum("kri,kr->ki", design, target)
    inverse = np.linalg.pinv(gram, rcond=1e-10, hermitian=True)
    beta = np.einsum("kij,kj->ki", inverse, moment)
    residual = np.where(valid.T, target - np.einsum("kri,ki->kr", design, beta), 0.0)
    used = usable.sum(axis=1)
    dof = n - 1 - used
    rss = (residual**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(rss / dof * inverse[:, 0, 0])
    ok = (n >= MIN_REPLICATIONS) & (dof >= MIN_DOF) & (used > 0) & np.isfinite(se) & (base.se > 0)
    return CellEstimates(
        estimate=np.where(ok, beta[:, 0], base.estimate),
        se=np.where(ok, se, base.se),
        dof=np.where(ok, dof, base.dof).astype(float),
        controls=np.where(ok, used, 0),
    )


NEAR_TARGET = 0.10
"""Cells whose plain mean lies within this of the target share decide a line's estimator."""


def for_line(y: np.ndarray, x: np.ndarray, mu: np.ndarray, target: float) -> CellEstimates:
    """``with_controls`` for the cells of one line, unless the controls do not narrow them:
    where they hardly vary with the service level (a chat line at 99 %), estimating their
    coefficients costs more than they remove (about (n - 2) / (n - m - 2) of the variance,
    1.3 at 20 replications with 4 controls). If the median, over the line's cells whose plain
    mean is within ``NEAR_TARGET`` of the ``target`` share (the cells a verdict turns on; all
    cells if none is), of the estimated variance with controls over that of the plain mean
    is not below 1, the whole line keeps the plain mean: one decision per line, over many
    cells, not a choice per cell of the smaller of two noisy standard errors."""
    found, base = with_controls(y, x, mu), plain(y)
    used = found.controls > 0
    near = used & (np.abs(base.estimate - target) <= NEAR_TARGET)
    judged = near if near.any() else used
    if judged.any() and float(np.median(found.se[judged] ** 2 / base.se[judged] ** 2)) >= 1.0:
        return base
    return found
