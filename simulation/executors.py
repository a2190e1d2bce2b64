"""Where replications run: in this process, in a local process pool, or on a Dask cluster.

A *task* is one replication of one model: ``(point, replication)``, ``point`` indexing the
models passed in (one model for ``simulate``, one per grid point for a sweep). Every executor
runs ``simulation.replication.replicate(models[point], seed, replication)`` and returns the results
in task order, whatever order they finish in. Replication ``r`` draws its random numbers from
streams keyed by ``(seed, r, purpose, key)``, so a result does not depend on the executor, the
number of workers or the machine: the tables aggregated from them are identical byte for byte.

- ``"local"`` with ``workers`` = 1: in this process, one task after the other.
- ``"local"`` with ``workers`` > 1: a fork-based ``ProcessPoolExecutor``; the models reach the
  worker processes once, through fork, and each task sends only ``(point, seed, replication)``.
  A worker process that dies breaks the pool: the unfinished tasks run again on a fresh pool,
  up to ``retries`` times.
- ``"dask"``: a Dask distributed cluster. ``address`` is a scheduler address
  (``tcp://host:8786``) or a scheduler file written by ``dask scheduler --scheduler-file``;
  without an address a ``LocalCluster`` of ``workers`` single-threaded processes is started
  for the run and closed after it. Before any work the client checks that every worker runs the
  same code (``simulation.cache.code_fingerprint``). Each model is scattered once to every
  worker (``broadcast=True``); tasks are submitted with explicit keys naming the point and the
  replication, ``pure=False`` and ``retries``. A task whose worker dies is moved to another
  worker by the scheduler (up to its ``distributed.scheduler.allowed-failures``, default 3); a
  task that raises is run again up to ``retries`` times; tasks whose scattered model was lost
  with its workers are resubmitted with the model scattered again (up to ``retries`` rounds).

Tasks that still fail do not stop the others: every other task finishes (and reaches
``on_done``, which is how the sweep caches it), then ``ReplicationsFailed`` names every failed
replication with its last error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from simulation.dask_run import dask_client, run_dask
from simulation.model import SimModel
from simulation.pool import run_pool
from simulation.replication import Timed, replicate
from simulation.tasks import (
    DEFAULT_RETRIES,
    ExecutorError,
    Failure,
    Outcome,
    ReplicationsFailed,
    Task,
)

__all__ = [
    "DEFAULT_RETRIES",
    "EXECUTORS",
    "ExecutorError",
    "Failure",
    "ReplicationsFailed",
    "Task",
    "run_tasks",
]

EXECUTORS: tuple[str, ...] = ("local", "dask")
"""Executor names accepted by ``run_tasks`` (and ``--executor``)."""


def run_tasks(
    models: Sequence[SimModel],
    seed: int,
    tasks: Sequence[Task],
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    retries: int = DEFAULT_RETRIES,
    on_done: Callable[[int, Timed], None] | None = None,
    on_progress: Callable[[int, float], None] | None = None,
) -> list[Timed]:
    """Run every ``(point, replication)`` task and return the results in task order.

    ``workers``: processes of the local pool, or of the ``LocalCluster`` started when
    ``executor="dask"`` has no ``address`` (a cluster at an address has its own workers).
    ``on_done(index, timed)`` is called in this thread as each task finishes (``index`` into
    ``tasks``). ``on_progress(index, fraction)`` is called in this thread while a task runs, with
    the share of its simulated window done (``simulation.engine.run``): from this process, or
    polled every ``pool.PROGRESS_POLL_S`` from the pool's shared progress slots; not on Dask. Raises
    ``ReplicationsFailed`` naming the tasks that failed after ``retries``, or ``ExecutorError``
    when the cluster cannot be used.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    outcome = Outcome(tasks, on_done, on_progress)
    if not tasks:
        return []
    if executor == "dask":
        with dask_client(address, workers) as client:
            run_dask(client, models, seed, tasks, retries, outcome)
    elif workers <= 1 or len(tasks) <= 1:
        for index, (point, replication) in enumerate(tasks):
            try:
                if on_progress is None:
                    timed = replicate(models[point], seed, replication)
                else:
                    report = functools.partial(on_progress, index)
                    timed = replicate(models[point], seed, replication, on_progress=report)
            except Exception as error:  # reported with the others once every task has run
                outcome.fail(index, error)
            else:
                outcome.done(index, timed)
    else:
        run_pool(models, seed, tasks, workers, retries, outcome)
    return outcome.finish(len(models))
