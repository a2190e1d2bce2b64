"""The solvers the shift MILP runs on, and the LP solves around it: HiGHS (in-process highspy,
interruptible, with a stall rule) or CBC; the LP relaxation's bound and the least shortfall
that proves a model infeasible."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pulp

from optimizer.shifts.highs import InterruptibleHiGHS, SolverProgress, Stall
from optimizer.shifts.model import Model, build_model
from optimizer.shifts.problem import ShiftProblem

SOLVERS = ("highs", "cbc")

STALL_S = 15.0
"""A HiGHS search whose best plan has improved by at most ``STALL_GAIN`` over the last this long
[s of solver time] while its gap is within ``STALL_GAP_FACTOR`` times the requested gap stops
there (``solve(stall_s=...)``). Measured on global-retail (2026-12-04): round 2 found a plan at
gap 1.14 % after 20 s and took 60 s more to reach 0.49 %, 0.65 % cheaper; round 8 took 81 s to
creep from above 1 % to 0.98 %; the correction loop's next round moves the requirements by
more than that."""
STALL_GAP_FACTOR = 2.0
STALL_GAIN = 0.001
"""The least improvement [share of the plan's cost] over ``STALL_S`` that keeps a search going."""


def make_solver(
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    msg: bool,
    mip: bool = True,
    on_progress: Callable[[SolverProgress], None] | None = None,
    stall_s: float | None = None,
    stall_gap: float | None = None,
) -> pulp.LpSolver:
    """A PuLP solver: ``solver`` ("highs" or "cbc") stopping at ``time_limit_s`` [s] or the
    relative ``mip_gap``; ``mip`` False solves the LP relaxation. HiGHS reports its progress
    to ``on_progress`` and, with ``stall_s`` [s], stops once its best plan has improved by at
    most ``STALL_GAIN`` for that long while its gap is within ``stall_gap`` (default
    ``STALL_GAP_FACTOR * mip_gap``)."""
    if solver == "highs":
        highs = InterruptibleHiGHS(mip=mip, msg=msg, timeLimit=time_limit_s, gapRel=mip_gap)
        highs.on_progress = on_progress
        if stall_s is not None:
            window = STALL_GAP_FACTOR * mip_gap if stall_gap is None else stall_gap
            highs.stall = Stall(stall_s, window, STALL_GAIN)
        return highs
    if solver == "cbc":
        with warnings.catch_warnings():
            # PuLP 3.3 announces PULP_CBC_CMD's removal in 4.0; the bundled CBC is what we have.
            warnings.simplefilter("ignore", DeprecationWarning)
            return pulp.PULP_CBC_CMD(mip=mip, msg=msg, timeLimit=time_limit_s, gapRel=mip_gap)
    raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")


def lp_relaxation(
    problem: ShiftProblem | Model,
    solver: str = "highs",
    time_limit_s: float = 120.0,
    msg: bool = False,
) -> float | None:
    """Objective of the LP relaxation [currency], ``x`` and ``z`` continuous, penalty included.

    A lower bound on the MILP's objective (the covering LP of Dantzig 1954). Returns
    ``None`` if the solver does not report an optimal LP. When given a ``Model`` the variables'
    values are overwritten with the relaxation's.
    """
    model = problem if isinstance(problem, Model) else build_model(problem)
    prob = model.prob
    prob.solve(make_solver(solver, time_limit_s, 0.0, msg, mip=False))
    if prob.sol_status != pulp.LpSolutionOptimal:
        return None
    return float(pulp.value(prob.objective) or 0.0)


def minimum_shortfall(
    model: Model, solver: str = "highs", time_limit_s: float = 120.0
) -> float | None:
    """The least total shortfall of any plan with integers relaxed [agents + agent-intervals]:
    the model's constraints with the sum of its shortfall variables as the objective (phase
    one of the simplex method). Above ``SHORTFALL_TOL`` it proves that no plan, integer or
    not, covers every need (within ``max_agents``: requirements no shift can cover are taken
    out before, ``optimizer.shifts.coverable``). ``None`` when the LP did not solve. The
    variables' values are overwritten and the objective is restored."""
    prob = model.prob
    objective = prob.objective
    prob.setObjective(pulp.lpSum(model.short.values()))
    try:
        prob.solve(make_solver(solver, time_limit_s, 0.0, False, mip=False))
        if prob.sol_status != pulp.LpSolutionOptimal:
            return None
        return float(pulp.value(prob.objective) or 0.0)
    finally:
        prob.setObjective(objective)


def solve_lp(prob: pulp.LpProblem, solver: str, time_limit_s: float) -> bool:
    """Solve ``prob``'s LP relaxation in place; True if optimal."""
    prob.solve(make_solver(solver, time_limit_s, 0.0, False, mip=False))
    return bool(prob.sol_status == pulp.LpSolutionOptimal)
