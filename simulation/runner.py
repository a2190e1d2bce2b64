"""Run replications, in a deterministic order, on the executor asked for.

Replication ``r`` draws every random number from streams keyed by ``(seed, r, purpose, key)``
(see ``simulation.streams``), so its result does not depend on which worker ran it, when, or on
which executor (this process, a local process pool or a Dask cluster, see
``simulation.executors``); results are returned in replication order. Same scenario + seed =>
identical results for any executor and number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from simulation.executors import DEFAULT_RETRIES, run_tasks
from simulation.model import SimModel
from simulation.replication import Timed, replicate

if TYPE_CHECKING:
    from simulation.cache import ReplicationCache

__all__ = ["Timed", "replicate", "run_replications"]


def run_replications(
    model: SimModel,
    seed: int,
    replications: Iterable[int],
    workers: int = 1,
    on_done: Callable[[Timed], None] | None = None,
    executor: str = "local",
    address: str | None = None,
    cache: ReplicationCache | None = None,
    retries: int | None = None,
    on_progress: Callable[[int, float], None] | None = None,
) -> list[Timed]:
    """Simulate ``replications`` of ``model`` and return them in the order given.

    ``executor`` is "local" (this process, or a fork process pool of ``workers`` processes) or
    "dask" (a Dask cluster at ``address``, a scheduler address or scheduler file; without one,
    a ``LocalCluster`` of ``workers`` processes for this call); see ``simulation.executors``.
    ``cache``: read finished replications from it and store the new ones (off by default).
    ``retries``: extra attempts of a failed replication (default
    ``simulation.executors.DEFAULT_RETRIES``).

    ``on_done`` is called in the calling thread as each replication finishes (cached ones
    first), for a progress bar; ``on_progress(replication, fraction)`` while a replication runs,
    with the share of its simulated window done (in this process and in the local pool, not on
    Dask; see ``simulation.executors.run_tasks``). Raises
    ``simulation.executors.ReplicationsFailed`` naming the replications that failed after every
    retry, ``ExecutorError`` when the cluster is unusable.
    """
    from simulation.cache import scenario_digest

    wanted = list(replications)
    found: dict[int, Timed] = {}
    digest = scenario_digest(model.scenario) if cache is not None else ""
    if cache is not None:
        for r in wanted:
            result = cache.get(digest, seed, r)
            if result is not None and r not in found:
                found[r] = Timed(result, 0.0)
                if on_done is not None:
                    on_done(found[r])
    missing = [r for r in dict.fromkeys(wanted) if r not in found]

    def finished(index: int, timed: Timed) -> None:
        if cache is not None:
            cache.put(digest, seed, missing[index], timed.result)
        if on_done is not None:
            on_done(timed)

    def progressed(index: int, fraction: float) -> None:
        assert on_progress is not None
        on_progress(missing[index], fraction)

    computed = run_tasks(
        [model],
        seed,
        [(0, r) for r in missing],
        workers=workers,
        executor=executor,
        address=address,
        retries=DEFAULT_RETRIES if retries is None else retries,
        on_done=finished,
        on_progress=None if on_progress is None else progressed,
    )
    found.update(zip(missing, computed, strict=True))
    return [found[r] for r in wanted]
