"""One replication as every executor runs it: draw its contacts, simulate them, time it.

Shared by ``simulation.runner`` (which orders and caches replications) and
``simulation.executors`` (which runs them here, in a process pool or on Dask), so that neither
imports the other for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from simulation.arrivals import generate
from simulation.engine import ReplicationResult, run
from simulation.model import SimModel


@dataclass(frozen=True)
class Timed:
    """A replication result with the wall-clock time it took [s] (0 when read from a cache)."""

    result: ReplicationResult
    seconds: float


def replicate(
    model: SimModel,
    seed: int,
    replication: int,
    on_progress: Callable[[float], None] | None = None,
) -> Timed:
    """Draw the contacts of ``replication`` and simulate it; ``on_progress(fraction)`` is called
    as its simulated clock advances (``simulation.engine.run``)."""
    began = time.perf_counter()
    contacts = generate(model, seed, replication)
    result = run(model, contacts, seed, replication, on_progress=on_progress)
    return Timed(result, time.perf_counter() - began)
