"""Wall time of ``simulation.simulate`` on global-retail with one and with two workers."""

from __future__ import annotations

from typing import Any

from benchmarks import common
from simulation import simulate


def measure(replications: int = 10, workers: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    """``simulate(scenario, replications, workers=w)`` for each ``w``: seconds and reps/min."""
    scenario = common.global_retail()
    runs: dict[str, Any] = {}
    for w in workers:
        _, seconds = common.timed(
            lambda w=w: simulate(scenario, replications=replications, workers=w)
        )
        runs[str(w)] = {
            "workers": w,
            "seconds": seconds,
            "replications_per_min": replications * 60.0 / seconds,
        }
    first = runs[str(workers[0])]["seconds"]
    for figures in runs.values():
        figures["speedup"] = first / figures["seconds"]
    return {"replications": replications, "runs": runs}
