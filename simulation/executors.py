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

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import multiprocessing
import os
import signal
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulation.cache import code_fingerprint
from simulation.model import SimModel
from simulation.replication import Timed, replicate

if TYPE_CHECKING:
    from distributed import Client

EXECUTORS: tuple[str, ...] = ("local", "dask")
"""Executor names accepted by ``run_tasks`` (and ``--executor``)."""

DEFAULT_RETRIES = 2
"""Extra attempts of a failed task (Dask ``retries=``) and pool restarts after a worker dies."""

CONNECT_TIMEOUT_S = 20.0
"""How long to wait for the Dask scheduler, and then for its first worker [s]."""

Task = tuple[int, int]
"""``(point, replication)``: replication ``replication`` of ``models[point]``."""


class ExecutorError(RuntimeError):
    """The work could not be run: no scheduler at the address, no workers, workers running other
    code, or replications that failed (``ReplicationsFailed``)."""


@dataclass(frozen=True)
class Failure:
    """A task that failed after its retries, with its last error (``Type: message``)."""

    point: int
    replication: int
    error: str


class ReplicationsFailed(ExecutorError):
    """Some replications failed after every retry; ``failures`` names each one.

    The replications that did finish were passed to ``on_done`` (and, in a sweep, cached), so a
    second run computes only the failed ones.
    """

    def __init__(self, failures: Sequence[Failure], total: int, points: int = 1) -> None:
        self.failures = list(failures)
        self.total = total
        shown = []
        for failure in self.failures[:10]:
            where = f"replication {failure.replication}"
            if points > 1:
                where = f"point {failure.point} {where}"
            shown.append(f"{where}: {failure.error}")
        more = len(self.failures) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        super().__init__(f"{len(self.failures)} of {total} replications failed: {text}")


def describe(error: BaseException | str) -> str:
    """One line for an error: ``Type: message``, at most 300 characters."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}".rstrip(": ")
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


class _Outcome:
    """Results in task order, the failures, and the caller's ``on_done``."""

    def __init__(
        self,
        tasks: Sequence[Task],
        on_done: Callable[[int, Timed], None] | None,
        on_progress: Callable[[int, float], None] | None = None,
    ) -> None:
        self.tasks = tasks
        self.results: list[Timed | None] = [None] * len(tasks)
        self.failures: dict[int, str] = {}
        self.first_error: BaseException | None = None
        self.on_done = on_done
        self.on_progress = on_progress

    def done(self, index: int, timed: Timed) -> None:
        self.results[index] = timed
        if self.on_done is not None:
            self.on_done(index, timed)

    def fail(self, index: int, error: BaseException | str) -> None:
        self.failures[index] = describe(error)
        if self.first_error is None and isinstance(error, BaseException):
            self.first_error = error  # the cause shown under the error's traceback

    def finish(self, points: int) -> list[Timed]:
        if self.failures:
            failures = [
                Failure(self.tasks[i][0], self.tasks[i][1], error)
                for i, error in sorted(self.failures.items())
            ]
            raise ReplicationsFailed(failures, len(self.tasks), points) from self.first_error
        return [t for t in self.results if t is not None]


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
    polled every ``PROGRESS_POLL_S`` from the pool's shared progress slots; not on Dask. Raises
    ``ReplicationsFailed`` naming the tasks that failed after ``retries``, or ``ExecutorError``
    when the cluster cannot be used.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    outcome = _Outcome(tasks, on_done, on_progress)
    if not tasks:
        return []
    if executor == "dask":
        with dask_client(address, workers) as client:
            _run_dask(client, models, seed, tasks, retries, outcome)
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
        _run_pool(models, seed, tasks, workers, retries, outcome)
    return outcome.finish(len(models))


# --------------------------------------------------------------------------------------------
# local process pool

_WORKER_MODELS: tuple[SimModel, ...] = ()
_WORKER_PROGRESS: Any = None
"""In a pool worker: the shared progress slots (one double per task, written by the worker
running the task, read by the parent), or None when nobody asked for progress."""
PROGRESS_POLL_S = 0.25
"""How often the parent reads the progress slots of the running tasks [s]."""
PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal a process gets when its parent dies (Linux)."""


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (even by SIGKILL); elsewhere a
    no-op, and the parent's clean-up still stops its workers."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return


def _init_worker(models: tuple[SimModel, ...], parent: int, progress: Any = None) -> None:
    global _WORKER_MODELS, _WORKER_PROGRESS
    _WORKER_MODELS = models
    _WORKER_PROGRESS = progress
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool on Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop every worker process of ``pool`` at once (on an interrupt: running replications are
    abandoned, not waited for)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, AttributeError):
            process.kill()


def _replicate_in_worker(index: int, point: int, seed: int, replication: int) -> Timed:
    slots = _WORKER_PROGRESS
    if slots is None:
        return replicate(_WORKER_MODELS[point], seed, replication)

    def report(fraction: float) -> None:
        slots[index] = fraction  # one aligned double: no lock, nothing to break if we die

    return replicate(_WORKER_MODELS[point], seed, replication, on_progress=report)


def _report_progress(
    slots: Any, indices: Iterable[int], shown: dict[int, float], outcome: _Outcome
) -> None:
    """Pass on the progress of the running tasks ``indices`` that changed since last shown."""
    assert outcome.on_progress is not None
    for index in sorted(indices):
        fraction = slots[index]
        if fraction != shown.get(index, 0.0):
            shown[index] = fraction
            outcome.on_progress(index, fraction)


def _run_pool(
    models: Sequence[SimModel],
    seed: int,
    tasks: Sequence[Task],
    workers: int,
    retries: int,
    outcome: _Outcome,
) -> None:
    """Fork pool; after a worker process dies, the unfinished tasks go to a fresh pool.

    With ``outcome.on_progress``, the workers write each task's progress into a shared array
    of doubles (one slot per task, inherited through fork) that this process polls."""
    context = multiprocessing.get_context("fork")
    slots = None if outcome.on_progress is None else context.RawArray("d", len(tasks))
    shown: dict[int, float] = {}
    pending = list(range(len(tasks)))
    restarts = 0
    while pending:
        broken: list[int] = []
        if slots is not None:
            for i in pending:  # a task run again starts from 0
                slots[i] = 0.0
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(pending)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(tuple(models), os.getpid(), slots),
        )
        try:
            running: dict[Future[Timed], int] = {
                pool.submit(_replicate_in_worker, i, tasks[i][0], seed, tasks[i][1]): i
                for i in pending
            }
            while running:
                finished, _ = wait(
                    running,
                    timeout=None if slots is None else PROGRESS_POLL_S,
                    return_when=FIRST_COMPLETED,
                )
                for future in sorted(finished, key=running.__getitem__):
                    index = running.pop(future)
                    try:
                        timed = future.result()
                    except BrokenProcessPool:
                        broken.append(index)
                    except Exception as error:
                        outcome.fail(index, error)
                    else:
                        outcome.done(index, timed)
                if slots is not None:
                    _report_progress(slots, running.values(), shown, outcome)
        except BaseException:
            _kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=not broken, cancel_futures=True)
        restarts += 1
        if broken and restarts > retries:
            for index in broken:
                outcome.fail(
                    index, f"a worker process died ({restarts} pools tried, retries={retries})"
                )
            broken = []
        pending = sorted(broken)


# --------------------------------------------------------------------------------------------
# Dask distributed


@contextlib.contextmanager
def dask_client(address: str | None, workers: int = 1) -> Iterator[Client]:
    """A Dask client for ``address`` (scheduler address or scheduler file), checked and closed
    on exit; with no address, a ``LocalCluster`` of ``workers`` single-threaded worker processes
    that is closed too. Raises ``ExecutorError`` when there is no scheduler, no worker within
    ``CONNECT_TIMEOUT_S``, or a worker runs other code (``code_fingerprint``); at once, before
    Dask is imported, when ``address`` is neither (``simulation.dask_address``)."""
    from simulation.dask_address import scheduler_address

    target = None if address is None else scheduler_address(address)
    from distributed import Client, LocalCluster

    cluster: LocalCluster | None = None
    client: Client | None = None
    try:
        try:
            if address is None:
                cluster = LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster, set_as_default=False)
            else:
                client = Client(target, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            where = "a local Dask cluster" if address is None else address
            raise ExecutorError(f"cannot reach {where}: {describe(error)}") from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as error:
            raise ExecutorError(
                f"no Dask worker joined the scheduler at {address} within "
                f"{CONNECT_TIMEOUT_S:g} s ({describe(error)})"
            ) from None
        _check_workers(client)
        yield client
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client: Client) -> None:
    """Every worker must run the code this client runs, or results could differ."""
    here = code_fingerprint()
    try:
        found: dict[str, dict[str, str]] = client.run(code_fingerprint)
    except Exception as error:
        raise ExecutorError(
            "cannot run the workbench on the Dask workers (is the same staffing-workbench "
            f"installed there?): {describe(error)}"
        ) from None
    for worker, theirs in sorted(found.items()):
        differ = [f"{k} {theirs.get(k)} here {v}" for k, v in here.items() if theirs.get(k) != v]
        if differ:
            raise ExecutorError(
                f"Dask worker {worker} runs other code than this client ({'; '.join(differ)}); "
                "install the same staffing-workbench, Python, NumPy and SimPy everywhere"
            )


def _run_dask(
    client: Client,
    models: Sequence[SimModel],
    seed: int,
    tasks: Sequence[Task],
    retries: int,
    outcome: _Outcome,
) -> None:
    from distributed import as_completed

    pending = list(range(len(tasks)))
    rounds = 0
    while pending:
        points = sorted({tasks[i][0] for i in pending})
        scattered = client.scatter([models[p] for p in points], broadcast=True, hash=False)
        shared: dict[int, Any] = dict(zip(points, scattered, strict=True))
        token = uuid.uuid4().hex[:12]
        index: dict[str, int] = {}
        futures = []
        for i in pending:
            point, replication = tasks[i]
            key = f"replicate-{token}-{point}-{replication}"
            index[key] = i
            futures.append(
                client.submit(
                    replicate,
                    shared[point],
                    seed,
                    replication,
                    key=key,
                    pure=False,
                    retries=retries,
                )
            )
        lost: list[int] = []
        for future in as_completed(futures, loop=client.loop):
            i = index[str(future.key)]
            if future.status == "error":
                outcome.fail(i, future.exception())
            else:
                try:
                    timed = future.result()
                except CancelledError:  # the scattered model (or the result) died with the
                    lost.append(i)  # workers holding it: submit again with a fresh scatter
                else:
                    outcome.done(i, timed)
            future.release()
        del futures, scattered, shared
        rounds += 1
        if lost and rounds > retries:
            for i in lost:
                outcome.fail(i, f"its model was lost with the workers ({rounds} rounds)")
            lost = []
        pending = sorted(lost)
