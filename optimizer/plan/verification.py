"""The fresh-seed check of the plan ``optimize`` kept: a first look, more replications where
the verdict is still open, then the verdict, its power and the shares of cells below target.

A cell (channel, interval) meets its target when its expected service level is at least
target - ``verify.tolerance`` (``verdict``). The plan passes only when no cell is called short
(after false-discovery-rate control) **and** every cell is shown, by a one-sided test, to be
less than 3 points below its target (``verdict.undecided_cells``): the burden of proof is on
the plan, so a cell 3 points below target makes the verdict fail (called short, or left
undecided) with probability at least ``verify.confidence``, whatever the replications. The
replications decide how often a good cell is shown good, not how often a bad one slips.

The check looks twice at most: at ``verify.replications`` replications on a seed unrelated to
the scenario's (``verdict.fresh_seed``), then, if some cell is undecided and the time budget
allows, at ``verify.max_replications`` (or as many as fit). Stopping early when every cell is
decided would let a bad cell that looked good at the first look through more often than the
level says, so the error ``1 - confidence`` is spent over the looks in proportion to the
replications each adds (``look_confidence``; a union bound, Bonferroni over the looks): with
10 then 60 replications, 1/6 of it at the first look and 5/6 at the second. Replications are
whole horizons (a cell cannot get more of its own), and replication ``r`` of a seed is the
same whatever the batch it runs in, so the result is that of one simulation with the final
count: the folder's ``optimized.toml`` reproduces it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from optimizer.plan.budget import Budget
from optimizer.plan.power import verdict_power
from optimizer.plan.verdict import (
    Short,
    Undecided,
    below_target_shares,
    fresh_seed,
    shortfalls,
    undecided_cells,
    undecided_list,
)
from scenarios.schema import Scenario
from simulation import build
from simulation.engine import ReplicationResult
from simulation.results import Results, aggregate
from simulation.runner import run_replications


@dataclass(frozen=True)
class Verification:
    """The fresh-seed check: ``results`` over all replications, the verdict's ``shorts``
    (after false-discovery-rate control) and ``raw_shorts`` (per-cell test alone), the cells
    ``judged``, the cells left ``undecided`` (``verdict.undecided_cells`` at the last look's
    confidence), the ``seed``, the ``power`` (``power.verdict_power``), the ``below`` shares
    (``verdict.below_target_shares``), the replications after each batch (``batches``) and
    the confidence of the "shown within 3 points" test at each look (``looks``)."""

    results: Results
    shorts: list[Short]
    raw_shorts: list[Short]
    judged: int
    undecided: list[Undecided]
    seed: int
    power: dict[str, Any]
    below: dict[str, Any]
    batches: list[int]
    looks: list[float]


def look_confidence(before: int, after: int, most: int, confidence: float) -> float:
    """The confidence of the "shown within 3 points" test at a look that brings the
    replications from ``before`` to ``after``, of at most ``most``: the error
    ``1 - confidence`` spent in proportion to the replications added, so that the looks
    together spend at most ``1 - confidence`` (module docstring). One look at ``most``
    replications gets ``confidence`` itself."""
    share = (after - before) / max(most, after)
    return 1.0 - (1.0 - confidence) * share


def open_cells(
    results: Results, mode: str, confidence: float, tolerance: float, within: float
) -> int:
    """The cells more replications would settle: neither called short by the verdict at
    ``confidence`` nor shown, at ``within``, to be within 3 points of their target
    (``verdict.undecided_cells``)."""
    return len(undecided_cells(results, mode, confidence, tolerance, within=within))


def verify(
    plan: Scenario,
    clock: Budget,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    reserve_s: float = 0.0,
) -> Verification:
    """Check ``plan`` (a scenario with its roster) on the fresh seed of its ``[run] seed``
    (module docstring). The second batch is cut to the replications that fit in ``clock``'s
    budget with ``reserve_s`` [s] left for what follows (the hand roster's simulation), at the
    first batch's wall time per replication, and skipped if none fits."""
    config = plan.optimizer
    verify_config = config.verify
    confidence, tolerance, mode = verify_config.confidence, verify_config.tolerance, config.targets
    seed = fresh_seed(plan.run.seed)
    model = build(plan)
    done: list[ReplicationResult] = []
    batches: list[int] = []
    looks: list[float] = []
    count = verify_config.replications
    most = max(count, verify_config.max_replications)
    while True:
        began = time.monotonic()
        timed = run_replications(
            model,
            seed,
            range(len(done), count),
            workers=workers,
            executor=executor,
            address=address,
        )
        looks.append(look_confidence(len(done), count, most, confidence))
        done.extend(t.result for t in timed)
        batches.append(len(done))
        per_replication = (time.monotonic() - began) / len(timed)
        results = aggregate(model, done, seed, confidence)
        if len(done) >= most or not open_cells(results, mode, confidence, tolerance, looks[-1]):
            break
        left = clock.budget_s - clock.elapsed() - reserve_s
        more = min(most - len(done), int(left / per_replication) if per_replication > 0 else 0)
        if more < 1:
            break
        count = len(done) + more
    shorts, judged = shortfalls(results, mode, confidence, control_fdr=True, tolerance=tolerance)
    raw, _ = shortfalls(results, mode, confidence, tolerance=tolerance)
    undecided = undecided_cells(results, mode, confidence, tolerance, within=looks[-1])
    return Verification(
        results=results,
        shorts=shorts,
        raw_shorts=raw,
        judged=judged,
        undecided=undecided_list(undecided),
        seed=seed,
        power=verdict_power(results, mode, confidence, tolerance, within=looks[-1]),
        below=below_target_shares(results, mode, confidence, tolerance, seed),
        batches=batches,
        looks=looks,
    )
