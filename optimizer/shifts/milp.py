"""Solving the shift-covering MILP built by ``optimizer.shifts.model``: HiGHS (in-process
highspy) or CBC, the solution read back with its costs, bound, gap and shortfalls.

A HiGHS solve runs in three phases: a first plan (``first_plan``: a dive for a model with
tours, RENS otherwise), which may end the solve; HiGHS's full search started from it
(``solvers``); then ``_conclude``: the plan read back, a plan that falls short repaired by
rounding the LP relaxation up (``rounding``) and, when none covers, the least shortfall that
proves it (``solvers.minimum_shortfall``)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from pathlib import Path

import pulp

from optimizer.shifts.first_plan import first_plan, start_of
from optimizer.shifts.highs import InterruptibleHiGHS, SolverProgress
from optimizer.shifts.model import Model, build_model
from optimizer.shifts.problem import ShiftProblem, Solution
from optimizer.shifts.readback import SHORTFALL_TOL, Read, covering_solution, solution_of, worse
from optimizer.shifts.readback import read as read_plan
from optimizer.shifts.rounding import round_up
from optimizer.shifts.solvers import (
    SOLVERS,
    STALL_GAIN,
    lp_relaxation,
    make_solver,
    minimum_shortfall,
    solve_lp,
)


def solve_model(
    model: Model,
    solver: str = "highs",
    time_limit_s: float = 120.0,
    mip_gap: float = 0.01,
    lp_path: str | Path | None = None,
    msg: bool = False,
    on_progress: Callable[[SolverProgress], None] | None = None,
    stall_s: float | None = None,
) -> Solution:
    """Solve a built ``Model``; see ``solve``. ``solve_s`` is the wall time of the solver runs [s]
    (for CBC including the LP relaxation that gives the bound), not of the model build.
    ``on_progress`` (HiGHS only) hears of the MIP search every ``InterruptibleHiGHS.PROGRESS_S``."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    prob = model.prob
    if lp_path is not None:
        prob.writeLP(str(lp_path))

    began = time.perf_counter()
    if solver == "cbc":
        # CBC exposes no bound through PuLP: the LP relaxation gives one. Solved first, because
        # every solve overwrites the variables' values.
        bound = lp_relaxation(model, "cbc", time_limit_s, msg)
        remaining = max(1.0, time_limit_s - (time.perf_counter() - began))
        prob.solve(make_solver("cbc", remaining, mip_gap, msg))
        return _conclude(model, solver, time_limit_s, began, bound, None, None, stall_s, mip_gap)
    if on_progress is not None:  # one clock for the first plan and the full search
        heard = on_progress

        def on_progress(progress: SolverProgress) -> None:
            heard(dataclasses.replace(progress, elapsed_s=time.perf_counter() - began))

    first = first_plan(model, time_limit_s, mip_gap, msg, on_progress, stall_s, began)
    if first.done is not None:
        return first.done
    highs = make_solver(
        "highs",
        max(0.0, time_limit_s - (time.perf_counter() - began)),
        mip_gap,
        msg,
        on_progress=on_progress,
        stall_s=stall_s,
        stall_gap=first.stall_gap,
    )
    assert isinstance(highs, InterruptibleHiGHS)
    highs.start = None if first.plan is None else start_of(model, first.plan)
    prob.solve(highs)
    stalled = None if highs.stall is None else highs.stall.stopped
    return _conclude(
        model, solver, time_limit_s, began, first.bound, first.plan, stalled, stall_s, mip_gap
    )


def _conclude(
    model: Model,
    solver: str,
    time_limit_s: float,
    began: float,
    lp_bound: float | None,
    start: Read | None,
    stalled: SolverProgress | None,
    stall_s: float | None,
    mip_gap: float,
) -> Solution:
    """The ``Solution`` after the search: the solver's plan read back (or the first plan
    ``start`` if the search did not beat it), its bound (HiGHS's dual bound, at least the LP
    relaxation's ``lp_bound``; for CBC ``lp_bound`` alone), a plan that falls short replaced by
    the LP relaxation rounded up when that covers every need, and a plan still short judged:
    "infeasible" only when the least shortfall proves it."""
    prob = model.prob
    bound = lp_bound
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if solver == "highs":
        info = prob.solverModel.getInfo()
        has_solution = has_solution and (
            info.primal_solution_status == 2  # kSolutionStatusFeasible
        )
        dual = float(info.mip_dual_bound)
        bound = dual if math.isfinite(dual) else None
        if lp_bound is not None:
            bound = lp_bound if bound is None else max(bound, lp_bound)
    read = read_plan(model) if has_solution else None
    if solver == "highs" and start is not None and (read is None or worse(read, start)):
        read, stalled = start, None  # the search did not beat its start
    solve_s = time.perf_counter() - began
    rounded = None
    least: float | None = None
    if read is None or read.shortfalls:
        # the proof gets a time limit of its own: what a 120 s MILP left of its limit (1 s on
        # global-retail at 15-minute intervals) was too little for the LP, never "proven"
        least = minimum_shortfall(model, solver, time_limit_s)
        # the LP covers every need while the search has no plan that does: round it up
        covered = least is not None and least <= SHORTFALL_TOL
        if covered and round_up(
            model, lambda lp: solve_lp(lp, solver, time_limit_s), SHORTFALL_TOL
        ):
            rounded = read_plan(model)
        solve_s = time.perf_counter() - began
    if read is None and rounded is None:
        return Solution(
            status="failed",
            solver=solver,
            objective=math.nan,
            labour_cost=math.nan,
            bot_cost=math.nan,
            lower_bound=bound,
            mip_gap=None,
            solve_s=solve_s,
            agents={},
            bot_levels={},
            message=(
                f"{solver}: no plan found (status {pulp.LpStatus[prob.status]}, solution "
                f"{pulp.LpSolution[prob.sol_status]}, time limit {time_limit_s:g} s)"
            ),
        )
    if rounded is not None and (read is None or rounded.penalised < read.penalised):
        searched = (
            "no plan"
            if read is None
            else f"only a plan {sum(s.amount for s in read.shortfalls):.6g} short"
        )
        return covering_solution(
            rounded,
            "feasible",
            solver,
            bound,
            solve_s,
            f"the search found {searched} in {time_limit_s:g} s; the LP relaxation rounded up "
            "(optimizer.shifts.rounding) covers every need",
        )
    assert read is not None
    shortfalls, penalised = read.shortfalls, read.penalised

    status = "optimal" if prob.sol_status == pulp.LpSolutionOptimal else "feasible"
    message = "" if status == "optimal" else f"stopped at the time limit ({time_limit_s:g} s)"
    if stalled is not None:
        message = (
            f"stopped after {stalled.elapsed_s:.0f} s: the best plan improved by at most "
            f"{100 * STALL_GAIN:g} % in {stall_s:g} s, at gap {100 * stalled.gap:.2f} % "
            f"(requested {100 * mip_gap:g} %)"
        )
    if shortfalls:
        # the bound is on the penalised objective: no bound on the cost of a plan meeting needs
        gap = None if bound is None else max(0.0, (penalised - bound) / max(abs(penalised), 1e-9))
        found = (
            f"{len(shortfalls)} channel-group-intervals short, "
            f"{sum(s.amount for s in shortfalls):.6g} in all; solver status {status}; "
            f"penalised objective {penalised:.6g}, bound "
            + ("none" if bound is None else f"{bound:.6g}")
        )
        if least is not None and least > SHORTFALL_TOL:
            status = "infeasible"
            message = (
                f"{found}; proven: even with fractional staffing at least {least:.6g} stays "
                "short (the LP relaxation's least shortfall)"
            )
        else:
            message = f"{found}; not proven necessary: " + (
                "the LP relaxation covers every need"
                if least is not None
                else "the LP relaxation did not solve"
            )
        return solution_of(read, status, solver, None, gap, solve_s, message)
    return covering_solution(read, status, solver, bound, solve_s, message)


def solve(
    problem: ShiftProblem,
    solver: str = "highs",
    time_limit_s: float = 120.0,
    mip_gap: float = 0.01,
    lp_path: str | Path | None = None,
    msg: bool = False,
    on_progress: Callable[[SolverProgress], None] | None = None,
    stall_s: float | None = None,
) -> Solution:
    """Cheapest staffing and bot levels that meet every need (Dantzig 1954 set covering with
    site capacity allocation and async backlogs; see the module docstring).

    ``solver``: "highs" (in-process highspy; the bound is HiGHS's MIP dual bound) or "cbc"
    (PuLP's bundled CBC; the bound is the LP relaxation's, weaker, so ``mip_gap`` may exceed the
    requested gap even when the status is "optimal"). ``time_limit_s`` [s] and ``mip_gap``
    (relative, 0.01 = 1 %) stop the search; ``lp_path`` writes the model as a CPLEX LP file
    before solving; ``msg`` shows the solver's log; ``on_progress`` receives a
    ``SolverProgress`` every 10 s of a HiGHS MIP solve, in the calling thread. With
    ``stall_s`` [s] a HiGHS search also stops once its best plan has not improved for that long
    while its gap is within ``STALL_GAP_FACTOR * mip_gap`` (status "feasible", ``message`` says
    so).

    Status: "optimal" (proven within ``mip_gap``), "feasible" (stopped at the time limit with a
    plan), "infeasible" (the best plan falls short and ``minimum_shortfall`` proves that every
    plan does; a plan that falls short without that proof, e.g. the incumbent of a solve
    stopped by its time limit, keeps "optimal" or "feasible" and its ``shortfalls``, and
    ``message`` says it is not proven; ``shortfalls`` lists every channel,
    group and interval short, by how much [agents, or agent-intervals of async work written off
    in that interval], the sites that could serve it and those of them at ``max_agents``; then
    ``lower_bound`` is None and ``mip_gap`` refers to the penalised objective) or "failed" (no
    plan; ``message`` says why; costs are NaN). ``objective = labour_cost + bot_cost`` [currency
    over the horizon] excludes the shortfall penalty; ``mip_gap = (objective - lower_bound) /
    |objective|``. ``agents`` maps column names to agents (>= 1 only), ``bot_levels`` channels
    to the chosen containment. ``solve_s`` is the solver's wall time [s], not the model build.
    Raises ``ValueError`` for an unknown solver or invalid data (every problem listed).
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    return solve_model(
        build_model(problem), solver, time_limit_s, mip_gap, lp_path, msg, on_progress, stall_s
    )
