"""The SimPy discrete-event engine and its KPIs.

``simulate(scenario)`` is the one call most users need: it resolves the scenario, runs its
replications (in parallel processes when ``workers`` > 1) and returns ``Results`` tables.
"""

from __future__ import annotations

from collections.abc import Callable

from scenarios.schema import Scenario
from simulation.model import SimModel, build
from simulation.results import Results, aggregate
from simulation.runner import Timed, run_replications

__all__ = ["Results", "SimModel", "build", "simulate"]


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    on_done: Callable[[Timed], None] | None = None,
    confidence: float = 0.95,
    executor: str = "local",
    address: str | None = None,
    on_progress: Callable[[int, float], None] | None = None,
) -> Results:
    """Simulate ``scenario`` and return its KPI tables.

    ``replications`` and ``seed`` default to the scenario's ``[run]`` table; ``on_done`` is
    called after each replication and ``on_progress(replication, fraction)`` while one runs
    (progress reporting); ``confidence`` is the level of the Student-t intervals over
    replications; ``executor`` and ``address`` choose where the replications run (see
    ``simulation.runner.run_replications``): results are identical.
    """
    model = build(scenario)
    seed = scenario.run.seed if seed is None else seed
    count = scenario.run.replications if replications is None else replications
    timed = run_replications(
        model,
        seed,
        range(count),
        workers=workers,
        on_done=on_done,
        executor=executor,
        address=address,
        on_progress=on_progress,
    )
    return aggregate(model, [t.result for t in timed], seed, confidence)
