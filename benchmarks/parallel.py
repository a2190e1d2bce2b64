"""Wall time of ``simulation.simulate`` on global-retail with one and with two workers.

``simulate`` builds the model, runs the replications (a fork process pool when workers > 1)
and aggregates the KPI tables; all of that is timed. Runs alternate between the worker counts
and the best of ``repeats`` is kept for each.
"""

from __future__ import annotations

import functools
from typing import Any

from benchmarks import common
from simulation import simulate


def measure(
    replications: int = 10, workers: tuple[int, ...] = (1, 2), repeats: int = 2
) -> dict[str, Any]:
    """``simulate(scenario, replications, workers=w)`` for each ``w``: seconds and reps/min."""
    scenario = common.global_retail()
    seconds: dict[int, list[float]] = {w: [] for w in workers}
    for _ in range(repeats):
        for w in workers:
            _, took = common.timed(
                functools.partial(simulate, scenario, replications=replications, workers=w)
            )
            seconds[w].append(took)
    runs: dict[str, Any] = {}
    for w in workers:
        best = min(seconds[w])
        runs[str(w)] = {
            "workers": w,
            "seconds": best,
            "all_seconds": seconds[w],
            "replications_per_min": replications * 60.0 / best,
            "speedup": min(seconds[workers[0]]) / best,
        }
    return {"replications": replications, "repeats": repeats, "runs": runs}
