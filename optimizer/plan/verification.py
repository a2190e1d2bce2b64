"""The fresh-seed check of the plan ``optimize`` kept: replications added where the verdict is
still open, then the verdict, its power and the shares of cells below target.

A cell (channel, interval) meets its target when its expected service level is at least
target - ``verify.tolerance`` (``verdict``). The check starts with ``verify.replications``
replications on a seed unrelated to the scenario's (``verdict.fresh_seed``), then doubles
them, up to ``verify.max_replications`` and while the time budget allows, as long as some cell
is undecided: not called short by the verdict (after false-discovery-rate control), and not
shown to be within 3 points of its target either (``verdict.undecided_cells``): more
replications settle exactly those cells one way or the other, and a cell 3 points below target
passes unflagged only if it was wrongly shown within 3 points (probability at most
1 - confidence); the cells still undecided at the end are reported. Replications are whole horizons
(a cell cannot get more of its own), and replication ``r`` of a seed is the same whatever the
batch it runs in, so the result is that of one simulation with the final count: the folder's
``optimized.toml`` reproduces it. Looking again after each batch makes the per-cell test a
little less strict than its level says (a sequential test without alpha spending); the
Benjamini-Hochberg control of the final verdict applies to the last look.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from optimizer.plan.budget import Budget
from optimizer.plan.power import verdict_power
from optimizer.plan.verdict import (
    Short,
    below_target_shares,
    fresh_seed,
    shortfalls,
    undecided_cells,
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
    ``judged``, the ``seed``, the ``power`` (``power.verdict_power``), the ``below`` shares
    (``verdict.below_target_shares``) and the replications after each batch (``batches``)."""

    results: Results
    shorts: list[Short]
    raw_shorts: list[Short]
    judged: int
    seed: int
    power: dict[str, Any]
    below: dict[str, Any]
    batches: list[int]


def open_cells(results: Results, mode: str, confidence: float, tolerance: float) -> int:
    """The cells more replications would settle: neither called short by the verdict at
    ``confidence`` nor shown to be within 3 points of their target
    (``verdict.undecided_cells``)."""
    return len(undecided_cells(results, mode, confidence, tolerance))


def verify(
    plan: Scenario,
    clock: Budget,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    reserve_s: float = 0.0,
) -> Verification:
    """Check ``plan`` (a scenario with its roster) on the fresh seed of its ``[run] seed``
    (module docstring). A batch starts only if it fits in ``clock``'s budget with
    ``reserve_s`` [s] left for what follows (the hand roster's simulation)."""
    config = plan.optimizer
    verify_config = config.verify
    confidence, tolerance, mode = verify_config.confidence, verify_config.tolerance, config.targets
    seed = fresh_seed(plan.run.seed)
    model = build(plan)
    done: list[ReplicationResult] = []
    batches: list[int] = []
    count = verify_config.replications
    most = max(count, verify_config.max_replications)
    per_replication = 0.0
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
        done.extend(t.result for t in timed)
        batches.append(len(done))
        per_replication = max(per_replication, (time.monotonic() - began) / len(timed))
        results = aggregate(model, done, seed, confidence)
        more = min(len(done), most - len(done))
        if more <= 0 or not open_cells(results, mode, confidence, tolerance):
            break
        if clock.elapsed() + more * per_replication + reserve_s > clock.budget_s:
            break
        count = len(done) + more
    shorts, judged = shortfalls(results, mode, confidence, control_fdr=True, tolerance=tolerance)
    raw, _ = shortfalls(results, mode, confidence, tolerance=tolerance)
    return Verification(
        results=results,
        shorts=shorts,
        raw_shorts=raw,
        judged=judged,
        seed=seed,
        power=verdict_power(results, mode, confidence, tolerance),
        below=below_target_shares(results, mode, confidence, tolerance, seed),
        batches=batches,
    )
