"""Run replications, one process each, in a deterministic order.

Replication ``r`` draws every random number from streams keyed by ``(seed, r, purpose, key)``
(see ``simulation.streams``), so its result does not depend on which worker ran it or when;
results are returned in replication order. Same scenario + seed => identical results for any
number of workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from simulation.arrivals import generate
from simulation.engine import ReplicationResult, run
from simulation.model import SimModel


@dataclass(frozen=True)
class Timed:
    """A replication result with the wall-clock time it took [s]."""

    result: ReplicationResult
    seconds: float


def replicate(model: SimModel, seed: int, replication: int) -> Timed:
    """Draw the contacts of ``replication`` and simulate it."""
    began = time.perf_counter()
    contacts = generate(model, seed, replication)
    result = run(model, contacts, seed, replication)
    return Timed(result, time.perf_counter() - began)


_WORKER_MODEL: SimModel | None = None


def _init_worker(model: SimModel) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _replicate_in_worker(seed: int, replication: int) -> Timed:
    assert _WORKER_MODEL is not None
    return replicate(_WORKER_MODEL, seed, replication)


def run_replications(
    model: SimModel,
    seed: int,
    replications: Iterable[int],
    workers: int = 1,
    on_done: Callable[[Timed], None] | None = None,
    executor: str = "local",
    address: str | None = None,
) -> list[Timed]:
    """Simulate ``replications`` of ``model``; ``workers`` > 1 uses a process pool.

    ``executor`` is "local" (this machine; a process pool when ``workers`` > 1) or "dask" (a
    Dask distributed cluster at ``address``).

    ``on_done`` is called in the parent as each replication finishes (for a progress bar).
    The returned list is in the order of ``replications`` whatever the finishing order.
    """
    wanted = list(replications)
    if executor != "local":
        raise NotImplementedError(f"executor {executor!r} is not available yet")
    if workers <= 1 or len(wanted) <= 1:
        out = []
        for r in wanted:
            timed = replicate(model, seed, r)
            if on_done is not None:
                on_done(timed)
            out.append(timed)
        return out
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(wanted)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(model,),
    ) as pool:
        futures: list[Future[Timed]] = [pool.submit(_replicate_in_worker, seed, r) for r in wanted]
        if on_done is not None:
            for future in futures:
                future.add_done_callback(lambda f: on_done(f.result()))
        return [f.result() for f in futures]
