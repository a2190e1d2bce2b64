"""The local process pool of ``simulation.executors``: a fork-based ``ProcessPoolExecutor``
whose workers receive the models once, through fork, die with their parent, and report each
task's progress through shared slots; a pool broken by a dying worker is restarted for the
unfinished tasks, up to ``retries`` times."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulation.model import SimModel
from simulation.replication import Timed, replicate
from simulation.tasks import Outcome, Task

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
    slots: Any, indices: Iterable[int], shown: dict[int, float], outcome: Outcome
) -> None:
    """Pass on the progress of the running tasks ``indices`` that changed since last shown."""
    assert outcome.on_progress is not None
    for index in sorted(indices):
        fraction = slots[index]
        if fraction != shown.get(index, 0.0):
            shown[index] = fraction
            outcome.on_progress(index, fraction)


def run_pool(
    models: Sequence[SimModel],
    seed: int,
    tasks: Sequence[Task],
    workers: int,
    retries: int,
    outcome: Outcome,
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
