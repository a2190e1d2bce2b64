"""LP rounding: a plan that covers every need when the MILP search found none in its time.

The covering model has only ``>=`` requirements on what shifts provide (``optimizer.shifts.model``):
more agents on a shift never uncover a need. So the LP relaxation's staffing rounded *up*
covers every need the LP covers, as long as no site's ``max_agents`` is crossed. Steps:

1. Solve the LP relaxation (cost plus shortfall penalty).
2. Fix each bot's level to the option the LP gave most weight (a fractional mix has no
   requirement of its own) and solve the LP again.
3. Round every shift's agents up, fix them and solve the LP of the rest (allocation,
   backlogs, shortfalls). The plan is kept only if that LP leaves no shortfall.

The result costs more than the optimum (on global-retail's first round, 111,352 against the
LP bound 94,240: 18 %), so it is a fallback that guarantees a plan, not a substitute for the
search: ``milp.solve_model`` uses it only when HiGHS ends without a plan that covers the needs
while the LP shows one exists, and only if it is cheaper than the search's plan with its
shortfall penalised (on a 28-day variant of global-retail the search's plan was 0.001
agent-intervals short and the rounding 14 % dearer: the search's plan is kept). The
variables' bounds are restored whatever happens; on success their values are the rounded
plan's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pulp

from optimizer.shifts.model import Model

SOLVED_TOL = 1e-6
"""An LP value this close to an integer is that integer when rounding up [agents]."""


def round_up(
    model: Model, solve_lp: Callable[[pulp.LpProblem], bool], shortfall_tol: float
) -> bool:
    """Set ``model``'s variables to a rounded-up plan with no shortfall above
    ``shortfall_tol``; False (values undefined) if there is none this way. ``solve_lp`` solves
    the model's LP relaxation in place and says whether it found an optimum."""
    fixed: list[tuple[pulp.LpVariable, float | None, float | None]] = []

    def fix(var: pulp.LpVariable, value: float) -> None:
        fixed.append((var, var.lowBound, var.upBound))
        var.lowBound = var.upBound = value

    try:
        if not solve_lp(model.prob):
            return False
        by_channel: dict[str, list[tuple[float, pulp.LpVariable]]] = {}
        for (channel, _), var in model.z.items():
            by_channel.setdefault(channel, []).append((var.varValue or 0.0, var))
        fractional = False
        for options in by_channel.values():
            chosen = max(options, key=lambda o: o[0])[1]
            for value, var in options:
                fractional = fractional or SOLVED_TOL < value < 1 - SOLVED_TOL
                fix(var, 1.0 if var is chosen else 0.0)
        if fractional and not solve_lp(model.prob):
            return False
        for var in model.integers:
            fix(var, float(math.ceil((var.varValue or 0.0) - SOLVED_TOL)))
        if not solve_lp(model.prob):
            return False
        return all((v.varValue or 0.0) <= shortfall_tol for v in model.short.values())
    finally:
        for var, low, up in reversed(fixed):
            var.lowBound, var.upBound = low, up


@contextmanager
def rens_bounds(model: Model) -> Iterator[None]:
    """Within the block, every shift's agents are bounded to the floor and ceiling of their
    current values (the LP relaxation's): the neighbourhood of RENS, the relaxation-enforced
    neighbourhood search of Berthold (2014), "RENS: the optimal rounding", Mathematical
    Programming Computation 6(1):33-54. A MIP over it is small (most shifts are fixed, the
    rest choose between two values) and contains every rounding of the LP, the one of
    ``round_up`` included. The bounds are restored on leaving."""
    saved = [(var, var.lowBound, var.upBound) for var in model.integers]
    try:
        for var, _, _ in saved:
            x = var.varValue or 0.0
            var.lowBound = float(math.floor(x + SOLVED_TOL))
            var.upBound = float(math.ceil(x - SOLVED_TOL))
        yield
    finally:
        for var, low, up in saved:
            var.lowBound, var.upBound = low, up
