"""HiGHS driven from a thread of its own, so the command stays responsive while it solves:
signals are handled within ``POLL_S``, progress is reported every ``PROGRESS_S``, and a search
that stalls near its gap is stopped (``Stall``). Used by ``optimizer.shifts.milp``."""

from __future__ import annotations

import atexit
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp


@dataclass(frozen=True)
class SolverProgress:
    """Where a running MIP search is: ``elapsed_s`` [s, wall] since the solve began, the best plan's
    penalised objective ``best`` (inf before one is found), the ``bound`` and the relative
    ``gap`` between them [share], as HiGHS reports them."""

    elapsed_s: float
    best: float
    bound: float
    gap: float


@dataclass
class Stall:
    """A MIP search has stalled when, while its gap is at most ``gap`` [share], its best plan
    has improved by no more than ``min_gain`` [share of its cost] over the last ``after_s``
    [s of solver time]. ``stopped``: where it was when it stalled."""

    after_s: float
    gap: float
    min_gain: float = 0.0
    seen: list[tuple[float, float]] = field(default_factory=list)
    """(solver time [s], best objective) at each improvement."""
    stopped: SolverProgress | None = None

    def stop(self, now: SolverProgress) -> bool:
        """True the first time the search, now at ``now``, has stalled."""
        if not self.seen or now.best < self.seen[-1][1]:
            self.seen.append((now.elapsed_s, now.best))
        if self.stopped is not None or now.gap > self.gap:
            return False
        then = now.elapsed_s - self.after_s
        earlier = [best for elapsed, best in self.seen if elapsed <= then]
        if not earlier or not math.isfinite(earlier[-1]):
            return False
        if earlier[-1] - now.best <= self.min_gain * abs(now.best):
            self.stopped = now
            return True
        return False


class InterruptibleHiGHS(pulp.HiGHS):
    """PuLP's in-process HiGHS, solving in a thread of highspy's while this thread waits.

    ``highspy.Highs.run`` releases the GIL but does not return to Python until the solve ends,
    so a signal handler (Ctrl-C, SIGTERM: ``workbench.signals``) would run only after a solve
    of up to ``time_limit_s``. Here the calling thread waits in steps of ``POLL_S``, so a
    handler runs within that step; whatever it raises asks HiGHS to stop (its user interrupt)
    and goes on after at most ``CANCEL_WAIT_S``. HiGHS checks the interrupt only in its
    simplex, IPM and branch-and-bound loops (measured on the week of ``benchmarks.milp_scale``
    on 2026-12-04: 0.3 to 13 s after the request, depending on the phase), so the solver
    thread (a daemon) may compute on until then. A command leaving with ``signals.leave`` ends it
    at once; an interpreter that exits normally first waits for it to stop (``_wait_abandoned``),
    since HiGHS's threads, torn down mid-solve, abort the process ("terminate called without an
    active exception", exit -6). Results are those of ``run``: the solver thread is the only one
    touching the model.
    """

    POLL_S = 0.1
    """How often the waiting thread returns to Python [s]."""
    CANCEL_WAIT_S = 0.5
    """How long an interrupted solve may take to stop before the exception goes on [s]."""
    PROGRESS_S = 10.0
    """How often ``on_progress`` hears of a running MIP solve [s]."""

    on_progress: Callable[[SolverProgress], None] | None = None
    """Called in the calling thread every ``PROGRESS_S`` with the MIP search's latest figures."""
    stall: Stall | None = None
    """Stops the MIP search when it stalls near its gap (None: never)."""
    start: dict[str, float] | None = None
    """A plan to start the MIP search from: values of (some of) the variables, by name; HiGHS
    completes the rest."""

    def callSolver(self, lp: pulp.LpProblem) -> None:
        highs = lp.solverModel
        latest: list[SolverProgress] = []
        stall = self.stall

        def capture(event: Any) -> None:  # in the solver thread, at HiGHS's MIP checkpoints
            out = event.data_out
            now = SolverProgress(
                float(out.running_time),
                float(out.mip_primal_bound),
                float(out.mip_dual_bound),
                float(out.mip_gap),
            )
            latest[:] = [now]
            if stall is not None and stall.stop(now):
                highs.cancelSolve()

        highs.cbMipInterrupt += capture
        if self.start:
            index = {v.name: v.index for v in lp.variables()}
            names = [n for n in self.start if n in index]
            highs.setSolution(
                len(names),
                np.array([index[n] for n in names], dtype=np.int32),
                np.array([self.start[n] for n in names], dtype=np.float64),
            )
        began = time.monotonic()
        next_report = began + self.PROGRESS_S

        def tick() -> None:
            nonlocal next_report
            if self.on_progress is not None and time.monotonic() >= next_report:
                next_report += self.PROGRESS_S
                # HiGHS reports nothing during presolve and the root LP: no plan yet
                known = latest[0] if latest else SolverProgress(0.0, math.inf, -math.inf, math.inf)
                self.on_progress(dataclasses.replace(known, elapsed_s=time.monotonic() - began))

        run_in_thread(highs, tick)


def run_in_thread(highs: Any, tick: Callable[[], None] | None = None) -> None:
    """Run ``highs`` (a ``highspy.Highs`` with its model) in HiGHS's own thread while this one
    waits in steps of ``InterruptibleHiGHS.POLL_S``, calling ``tick`` after each step. Whatever
    is raised meanwhile (a signal handler's exception) asks HiGHS to stop and goes on after at
    most ``InterruptibleHiGHS.CANCEL_WAIT_S``; a solve that has not stopped by then is left to
    ``_wait_abandoned``."""
    highs.HandleUserInterrupt = True
    highs.startSolve()
    try:
        while not highs.wait(InterruptibleHiGHS.POLL_S)[0]:
            if tick is not None:
                tick()
    except BaseException:
        highs.cancelSolve()
        if not highs.wait(InterruptibleHiGHS.CANCEL_WAIT_S)[0]:
            _ABANDONED.append(highs)
        raise


_ABANDONED: list[Any] = []
"""Interrupted solves still running when their caller went on (``highspy.Highs`` objects)."""


@atexit.register
def _wait_abandoned() -> None:
    """At a normal interpreter exit, wait for interrupted solves to stop (HiGHS honours its
    interrupt within seconds) rather than tear HiGHS down under them."""
    while _ABANDONED:
        _ABANDONED.pop().wait()
