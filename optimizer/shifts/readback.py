"""Reading a plan back from a solved model's variable values: agents per shift, bot levels,
costs, allocation and every shortfall (``milp`` and ``rounding`` read the same way)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pulp

from optimizer.shifts.model import FLOOR_PENALTY, PENALTY, Model
from optimizer.shifts.problem import Shortfall, Solution

SHORTFALL_TOL = 1e-6
"""A shortfall variable above this value [agents or agent-intervals] makes the plan infeasible."""


def value(var: pulp.LpVariable) -> float:
    v = var.varValue
    return 0.0 if v is None else float(v)


@dataclass(frozen=True)
class Read:
    """A plan read back from the model's variable values."""

    agents: dict[str, int]
    labour_cost: float
    bot_levels: dict[str, float]
    bot_cost: float
    shortfalls: tuple[Shortfall, ...]
    allocation: dict[tuple[str, str, str, int], float]
    penalised: float
    floors_short: float = 0.0
    """Productive agent-intervals short of the capacity floors, in all."""
    tours: dict[str, int] | None = None
    """People per tour (non-zero only), when the model has tours."""


def read(model: Model) -> Read:
    """The plan in ``model``'s variable values (read before another solve overwrites them)."""
    problem = model.problem
    agents = {c: round(value(v)) for c, v in model.x.items()}
    agents = {c: k for c, k in agents.items() if k >= 1}
    cost_of = {c.name: c.cost for c in problem.columns}
    labour_cost = float(sum(cost_of[c] * k for c, k in agents.items()))
    bot_levels: dict[str, float] = {}
    bot_cost = 0.0
    for b in problem.bots:
        chosen = max(range(len(b.options)), key=lambda i: value(model.z[b.channel, b.options[i]]))
        bot_levels[b.channel] = b.options[chosen]
        bot_cost += b.cost[chosen]
    allocation = {k: value(v) for k, v in model.y.items() if value(v) > 1e-9}
    short = sum(value(v) for v in model.short.values())
    floors = sum(value(v) for v in model.floor_short.values())
    return Read(
        agents,
        labour_cost,
        bot_levels,
        bot_cost,
        shortfalls(model, agents),
        allocation,
        labour_cost + bot_cost + PENALTY * short + FLOOR_PENALTY * floors,
        floors if floors > SHORTFALL_TOL else 0.0,
        {k: n for k, v in model.tour.items() if (n := round(value(v))) >= 1} or None,
    )


def shortfalls(model: Model, agents: dict[str, int]) -> tuple[Shortfall, ...]:
    """Every shortfall variable above ``SHORTFALL_TOL``, with the sites at ``max_agents`` then."""
    problem = model.problem
    on_duty: dict[tuple[str, int], int] = defaultdict(int)
    for c in problem.columns:
        k = agents.get(c.name, 0)
        if k:
            for t in set(c.on_duty):
                on_duty[c.site, t] += k
    found: list[Shortfall] = []
    for need in problem.needs:
        for t in range(problem.n_intervals):
            amount = value(model.short[need.channel, need.group, t])
            if amount > SHORTFALL_TOL:
                at_max = tuple(
                    s
                    for s in need.sites
                    if s in problem.max_agents
                    and on_duty[s, t] >= problem.max_agents[s] - SHORTFALL_TOL
                )
                found.append(
                    Shortfall(need.channel, need.group, t, amount, tuple(need.sites), at_max)
                )
    return tuple(found)


def covering_solution(
    read: Read, status: str, solver: str, bound: float | None, solve_s: float, message: str
) -> Solution:
    """The ``Solution`` of a plan that covers every need, its gap against ``bound``."""
    # a bound a hair above the incumbent is solver tolerance, not information
    cost = read.labour_cost + read.bot_cost
    lower_bound = None if bound is None else min(bound, cost)
    gap = None if lower_bound is None else gap_over(read, lower_bound)
    return solution_of(read, status, solver, lower_bound, gap, solve_s, message)


def solution_of(
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


def gap_over(plan: Read, bound: float) -> float:
    """Relative gap of a covering plan's cost over ``bound`` [share]."""
    cost = plan.labour_cost + plan.bot_cost
    return max(0.0, (cost - bound) / max(abs(cost), 1e-9))


def worse(plan: Read, than: Read) -> bool:
    """True if ``plan`` falls short or costs more than the covering plan ``than``."""
    return bool(plan.shortfalls) or plan.penalised > than.penalised
