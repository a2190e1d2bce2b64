"""The first plan of a shift-MILP solve, before (or instead of) HiGHS's full search: for a model
with tours, a dive on the LP relaxation (``optimizer.tours.dive``); otherwise RENS, the MIP over
the roundings of the LP relaxation (``rounding.rens_bounds``). Either gives the LP bound and a
plan that starts the search, or ends the solve when it is close enough to the bound."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pulp

from optimizer.shifts.highs import SolverProgress
from optimizer.shifts.model import Model
from optimizer.shifts.problem import Solution
from optimizer.shifts.readback import Read, covering_solution, gap_over
from optimizer.shifts.readback import read as read_plan
from optimizer.shifts.rounding import rens_bounds
from optimizer.shifts.solvers import lp_relaxation, make_solver
from optimizer.tours.dive import dive

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


@dataclass(frozen=True)
class FirstPlan:
    """What the first phase found: the LP relaxation's objective (``bound``, None if its LP
    did not solve), its ``plan`` (None if none; RENS's covers every need, the dive's may fall
    short and still starts the search), the ``stall_gap`` the full search
    should use (1.0 for a model whose bound is weak: floors or tours; None otherwise), and
    ``done``, the solution when the phase already ends the solve."""

    bound: float | None
    plan: Read | None
    stall_gap: float | None
    done: Solution | None = None


def first_plan(
    model: Model,
    time_limit_s: float,
    mip_gap: float,
    msg: bool,
    on_progress: Callable[[SolverProgress], None] | None,
    stall_s: float | None,
    began: float,
) -> FirstPlan:
    """The dive (a model with tours) or RENS (otherwise) within ``time_limit_s`` [s] counted
    from ``began`` (``time.perf_counter``); ``done`` when its plan covers every need within
    ``TOUR_GAP`` (dive), ``mip_gap`` or, for a model with floors, ``FLOORED_STALL_GAP`` (RENS)
    of the LP bound."""
    # a floored model's bound is weak: its searches stall whatever their gap
    stall_gap = 1.0 if model.floor_short or model.tour else None
    if model.tour:  # people on tours: the dive's plan starts the search (tours.dive)
        bound = dive(model, DIVE_SHARE * time_limit_s, time_limit_s)
        plan = None if bound is None else read_plan(model)
        if (
            plan is not None
            and bound is not None
            and not plan.shortfalls
            and gap_over(plan, bound) <= TOUR_GAP
        ):
            return FirstPlan(
                bound,
                plan,
                stall_gap,
                covering_solution(
                    plan,
                    "feasible",
                    "highs",
                    bound,
                    time.perf_counter() - began,
                    "integer tours by diving on the LP relaxation, within "
                    f"{100 * TOUR_GAP:g} % of its bound: the full search is skipped",
                ),
            )
    else:
        bound, plan = rens(model, time_limit_s, mip_gap, msg, on_progress, stall_s, stall_gap)
    solve_s = time.perf_counter() - began
    usable = plan if plan is not None and not plan.shortfalls else None
    if usable is not None and bound is not None and gap_over(usable, bound) <= mip_gap:
        done = covering_solution(
            usable,
            "optimal",
            "highs",
            bound,
            solve_s,
            "RENS (the MIP over the roundings of the LP relaxation) is within the gap of "
            "the LP bound",
        )
        return FirstPlan(bound, plan, stall_gap, done)
    floored = usable is not None and bound is not None and stall_gap is not None
    if floored and gap_over(usable, bound) <= FLOORED_STALL_GAP:  # type: ignore[arg-type]
        done = covering_solution(
            usable,  # type: ignore[arg-type]
            "feasible",
            "highs",
            bound,
            solve_s,
            f"RENS is within {100 * FLOORED_STALL_GAP:g} % of the LP bound of a model with "
            "capacity floors, whose bound is weak: the full search is skipped",
        )
        return FirstPlan(bound, plan, stall_gap, done)
    return FirstPlan(bound, plan, stall_gap)


def start_of(model: Model, plan: Read) -> dict[str, float]:
    """``plan``'s shift and bot variables by name, a start for the MIP search."""
    start = {var.name: float(plan.agents.get(name, 0)) for name, var in model.x.items()}
    for name, var in model.tour.items():
        start[var.name] = float((plan.tours or {}).get(name, 0))
    for (channel, option), var in model.z.items():
        start[var.name] = 1.0 if plan.bot_levels.get(channel) == option else 0.0
    return start


def rens(
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
            make_solver(
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
