"""Solving the shift-covering MILP built by ``optimizer.shifts.model``: HiGHS (in-process
highspy) or CBC, the solution read back with its costs, bound, gap and shortfalls."""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pulp

from optimizer.shifts.highs import InterruptibleHiGHS, SolverProgress, Stall
from optimizer.shifts.model import Model, build_model
from optimizer.shifts.problem import (
    ShiftProblem,
    Solution,
)
from optimizer.shifts.readback import SHORTFALL_TOL, Read
from optimizer.shifts.readback import read as read_plan
from optimizer.shifts.rounding import rens_bounds, round_up
from optimizer.tours.dive import dive

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
RENS_FLOORED_GAP = 0.02
"""The gap at which RENS's MIP over the roundings stops for a model with capacity floors.
global-retail rounds 1-3 (2026-12-06): 7, 10 and 16 s for plans within 0.5 % of those the 1 %
gap found in 10, 28 and 31 s."""
DIVE_SHARE = 0.75
"""Share of a model with tours' time limit the dive may take before it rounds up what is left:
the search after it only helps a dive plan that falls short (four weeks of global-retail's
people: the dive's first LP alone takes 60-110 s)."""
TOUR_GAP = 0.08
"""A model with tours (people on weekly tours, ``optimizer.tours``): a dive plan that covers
every need within this gap of the LP bound ends the solve; else HiGHS searches from it, its
search stalling whatever its gap. global-retail round 1 (2026-12-07): the dive's plan 5.3 %
above the bound in 25 s, where HiGHS's root node took 33 s and its search found no covering
plan in 120 s."""
FLOORED_STALL_GAP = 0.04
"""For a model with capacity floors (``optimizer.blending``), whose LP bound is weak: a RENS
plan within this gap of the LP bound ends the solve, and its searches stall (``STALL_S``
without a gain of ``STALL_GAIN``) whatever their gap (a round-1 RENS search sat at 4.3 % for
40 s, 2026-12-06). Measured on global-retail's second round (2026-12-06): RENS found 111,894
in 6 s, 2.3 % above the LP bound; 200 s of full search found no better plan (112,063) and
moved the bound by 0.8 %; in a fifth round a RENS plan 3.2 % above the bound was followed by
15 s of search that improved it by 0.1 %."""


def _solver(
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    msg: bool,
    mip: bool = True,
    on_progress: Callable[[SolverProgress], None] | None = None,
    stall_s: float | None = None,
    stall_gap: float | None = None,
) -> pulp.LpSolver:
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
    prob.solve(_solver(solver, time_limit_s, 0.0, msg, mip=False))
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
        prob.solve(_solver(solver, time_limit_s, 0.0, False, mip=False))
        if prob.sol_status != pulp.LpSolutionOptimal:
            return None
        return float(pulp.value(prob.objective) or 0.0)
    finally:
        prob.setObjective(objective)


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
    bound: float | None = None
    stalled: SolverProgress | None = None
    lp_bound: float | None = None
    rens: Read | None = None
    if solver == "cbc":
        # CBC exposes no bound through PuLP: the LP relaxation gives one. Solved first, because
        # every solve overwrites the variables' values.
        bound = lp_relaxation(model, "cbc", time_limit_s, msg)
        remaining = max(1.0, time_limit_s - (time.perf_counter() - began))
        prob.solve(_solver("cbc", remaining, mip_gap, msg))
    else:
        if on_progress is not None:  # one clock for the RENS and the full search
            heard = on_progress

            def on_progress(progress: SolverProgress) -> None:
                heard(dataclasses.replace(progress, elapsed_s=time.perf_counter() - began))

        # a floored model's bound is weak: its searches stall whatever their gap
        stall_gap = 1.0 if model.floor_short or model.tour else None
        if model.tour:  # people on tours: the dive's plan starts the search (tours.dive)
            lp_bound = dive(model, DIVE_SHARE * time_limit_s, time_limit_s)
            rens = None if lp_bound is None else read_plan(model)
            solve_s = time.perf_counter() - began
            if (
                rens is not None
                and lp_bound is not None
                and not rens.shortfalls
                and _gap(rens, lp_bound) <= TOUR_GAP
            ):
                return _solution(
                    rens,
                    "feasible",
                    solver,
                    lp_bound,
                    solve_s,
                    "integer tours by diving on the LP relaxation, within "
                    f"{100 * TOUR_GAP:g} % of its bound: the full search is skipped",
                )
        else:
            lp_bound, rens = _rens(
                model, time_limit_s, mip_gap, msg, on_progress, stall_s, stall_gap
            )
        solve_s = time.perf_counter() - began
        usable = rens if rens is not None and not rens.shortfalls else None
        if usable is not None and lp_bound is not None and _gap(usable, lp_bound) <= mip_gap:
            return _solution(
                usable,
                "optimal",
                solver,
                lp_bound,
                solve_s,
                "RENS (the MIP over the roundings of the LP relaxation) is within the gap of "
                "the LP bound",
            )
        floored = usable is not None and lp_bound is not None and stall_gap is not None
        if floored and _gap(usable, lp_bound) <= FLOORED_STALL_GAP:  # type: ignore[arg-type]
            return _solution(
                usable,  # type: ignore[arg-type]
                "feasible",
                solver,
                lp_bound,
                solve_s,
                f"RENS is within {100 * FLOORED_STALL_GAP:g} % of the LP bound of a model with "
                "capacity floors, whose bound is weak: the full search is skipped",
            )
        highs = _solver(
            "highs",
            max(0.0, time_limit_s - solve_s),
            mip_gap,
            msg,
            on_progress=on_progress,
            stall_s=stall_s,
            stall_gap=stall_gap,
        )
        assert isinstance(highs, InterruptibleHiGHS)
        highs.start = None if rens is None else _start(model, rens)
        prob.solve(highs)
        stalled = None if highs.stall is None else highs.stall.stopped
    solve_s = time.perf_counter() - began

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
    if solver == "highs" and rens is not None and (read is None or _worse(read, rens)):
        read, stalled = rens, None  # the search did not beat its start
    rounded = None
    least: float | None = None
    if read is None or read.shortfalls:
        # the proof gets a time limit of its own: what a 120 s MILP left of its limit (1 s on
        # global-retail at 15-minute intervals) was too little for the LP, never "proven"
        least = minimum_shortfall(model, solver, time_limit_s)
        # the LP covers every need while the search has no plan that does: round it up
        covered = least is not None and least <= SHORTFALL_TOL
        if covered and round_up(
            model, lambda lp: _solve_lp(lp, solver, time_limit_s), SHORTFALL_TOL
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
        return _solution(
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
        return _from_read(read, status, solver, None, gap, solve_s, message)
    return _solution(read, status, solver, bound, solve_s, message)


def _solution(
    read: Read, status: str, solver: str, bound: float | None, solve_s: float, message: str
) -> Solution:
    """The ``Solution`` of a plan that covers every need, its gap against ``bound``."""
    # a bound a hair above the incumbent is solver tolerance, not information
    cost = read.labour_cost + read.bot_cost
    lower_bound = None if bound is None else min(bound, cost)
    gap = None if lower_bound is None else _gap(read, lower_bound)
    return _from_read(read, status, solver, lower_bound, gap, solve_s, message)


def _from_read(
    read: Read,
    status: str,
    solver: str,
    lower_bound: float | None,
    gap: float | None,
    solve_s: float,
    message: str,
) -> Solution:
    """A ``Solution`` of the plan ``read``, with its shortfalls."""
    return Solution(
        status=status,
        solver=solver,
        objective=read.labour_cost + read.bot_cost,
        labour_cost=read.labour_cost,
        bot_cost=read.bot_cost,
        lower_bound=lower_bound,
        mip_gap=gap,
        solve_s=solve_s,
        agents=read.agents,
        bot_levels=read.bot_levels,
        shortfalls=read.shortfalls,
        message=message,
        allocation=read.allocation,
        floors_short=read.floors_short,
        tours=read.tours or {},
    )


def _gap(plan: Read, bound: float) -> float:
    """Relative gap of a covering plan's cost over ``bound`` [share]."""
    cost = plan.labour_cost + plan.bot_cost
    return max(0.0, (cost - bound) / max(abs(cost), 1e-9))


def _worse(plan: Read, than: Read) -> bool:
    """True if ``plan`` falls short or costs more than the covering plan ``than``."""
    return bool(plan.shortfalls) or plan.penalised > than.penalised


def _start(model: Model, plan: Read) -> dict[str, float]:
    """``plan``'s shift and bot variables by name, a start for the MIP search."""
    start = {var.name: float(plan.agents.get(name, 0)) for name, var in model.x.items()}
    for name, var in model.tour.items():
        start[var.name] = float((plan.tours or {}).get(name, 0))
    for (channel, option), var in model.z.items():
        start[var.name] = 1.0 if plan.bot_levels.get(channel) == option else 0.0
    return start


def _rens(
    model: Model,
    time_limit_s: float,
    mip_gap: float,
    msg: bool,
    on_progress: Callable[[SolverProgress], None] | None,
    stall_s: float | None,
    stall_gap: float | None = None,
) -> tuple[float | None, Read | None]:
    """The LP relaxation's objective (a bound) and the best covering plan of the RENS MIP
    (``rounding.rens_bounds``): the LP is given half of ``time_limit_s`` [s], RENS half of what
    is left; None for either when not found (a model whose LP takes longer goes to the full
    search at once). On global-retail (2026-12-04) RENS gave 95,092 in 7 s where the full search
    took 25 s for 95,197, and 116,126 in 7 s against 116,582 in 15 s."""
    began = time.perf_counter()
    bound = lp_relaxation(model, "highs", 0.5 * time_limit_s, msg)
    if bound is None:
        return None, None
    left = time_limit_s - (time.perf_counter() - began)
    if left < 1.0:
        return bound, None
    with rens_bounds(model):
        model.prob.solve(
            _solver(
                "highs",
                0.5 * left,
                mip_gap if stall_gap is None else max(mip_gap, RENS_FLOORED_GAP),
                msg,
                on_progress=on_progress,
                stall_s=stall_s,
                stall_gap=stall_gap,
            )
        )
        solved = model.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        found = solved and model.prob.solverModel.getInfo().primal_solution_status == 2
        plan = read_plan(model) if found else None
    return bound, None if plan is None or plan.shortfalls else plan


def _solve_lp(prob: pulp.LpProblem, solver: str, time_limit_s: float) -> bool:
    """Solve ``prob``'s LP relaxation in place; True if optimal."""
    prob.solve(_solver(solver, time_limit_s, 0.0, False, mip=False))
    return bool(prob.sol_status == pulp.LpSolutionOptimal)


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
