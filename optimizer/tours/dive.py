"""Integer tours by diving on the LP relaxation: the plan of a model with tours.

A tour works five days (or however many its contract says) from one start, so an integer
search branches on variables that each cover a week of intervals, and HiGHS makes slow progress
on them: on global-retail with a full-time and a part-time contract (1,443 tours) the root
node alone took 33 s, RENS found a plan 77 % above the LP bound in 68 s, and the full search
had no plan covering the needs after 120 s (2026-12-07). Rounding the LP's staffing up day by
day and covering each start's days with the fewest people (``daysoff.min_people``) gave 137,336
against the LP bound of 94,879: the LP spreads a little staffing over many starts.

The dive (a fix-and-resolve rounding heuristic; Berthold 2006, "Primal heuristics for mixed
integer programs", ch. 3) does better: solve the LP, fix the bot levels to the option the LP
weights most, then repeatedly raise the quarter of the fractional tours closest to their next
integer up to that integer (coverage never drops) and re-solve from the last basis,
letting the LP move the rest, until every tour is integral. On the same model: 10 re-solves,
24 s in all, 100,135 (5.5 % above the LP bound; the agent-shift plan of the same round costs
95,331). A large model (``lp.IPM_NONZEROS``) re-solves from scratch by the interior point
method: over four weeks (297,943 nonzeros) a re-solve from the basis took 79-124 s, the
first solve by IPM 58 s (2026-12-07).
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.shifts.lp import IPM_NONZEROS, LpSession
from optimizer.shifts.model import Model

TOLERANCE = 1e-6
"""An LP value this close to an integer is that integer [people]."""
SHARE = 0.25
"""Share of the fractional tours fixed per re-solve: fewer re-solves against a better plan."""


def _fractional(values: np.ndarray) -> np.ndarray:
    """Distance of each value from the nearest integer."""
    return np.abs(values - np.round(values))


def _solve(session: LpSession, cold: bool) -> bool:
    """Re-solve ``session``; from scratch by IPM when ``cold`` (a large model: faster than
    from the basis)."""
    if cold:
        session.highs.clearSolver()
    return session.solve()


def dive(model: Model, time_limit_s: float, solve_limit_s: float | None = None) -> float | None:
    """Set ``model``'s variables to an integer-tour plan (see the module docstring) and return
    the LP relaxation's objective, a lower bound [currency, penalties included]; None (values
    undefined) when an LP solve fails. A tour is rounded up by raising its lower bound, not
    by fixing it: over several weeks a contract's people work in every week
    (``people_week`` rows), so the LP must stay free to add people to a week whose tours were
    rounded up less than another's (fixing every tour made the last LP of a four-week dive
    infeasible, 2026-12-07); a tour raised past its bound that way is rounded again. Once
    ``time_limit_s`` [s] have passed, every tour still fractional is rounded up at once (more
    people never uncover a need) until an LP solve leaves none. Tours whose rounding up
    breaks a cap (``max_agents``, ``people.max``: the LP becomes infeasible) are rounded down
    instead. Each LP solve may take
    ``solve_limit_s`` [s] (default ``time_limit_s``)."""
    began = time.perf_counter()
    session = LpSession(model, time_limit_s if solve_limit_s is None else solve_limit_s)
    if not session.solve():
        return None
    bound = session.objective()
    by_channel: dict[str, list[tuple[float, str]]] = {}
    for (channel, _), var in model.z.items():
        by_channel.setdefault(channel, []).append((float(session.values([var])[0]), var.name))
    if any(_fractional(np.array([v for v, _ in o])).max() > TOLERANCE for o in by_channel.values()):
        for options in by_channel.values():
            chosen = max(options)[1]
            for _, name in options:
                session.fix(name, 1.0 if name == chosen else 0.0)
        if not session.solve():
            return None
    tours = model.integers
    cold = session.highs.getNumNz() >= IPM_NONZEROS
    while True:
        values = session.values(tours)
        open_ = np.where(_fractional(values) > TOLERANCE)[0]
        if open_.size == 0:
            break
        up = np.ceil(values[open_] - TOLERANCE)
        order = open_[np.argsort(up - values[open_], kind="stable")]
        late = time.perf_counter() - began > time_limit_s  # out of time: round the rest up
        picked = order if late else order[: max(1, math.ceil(SHARE * order.size))]
        before = {j: float(session.lower[session.index[tours[j].name]]) for j in picked}
        for j in picked:
            session.bound(tours[j].name, lower=float(math.ceil(values[j] - TOLERANCE)))
        if _solve(session, cold):
            continue
        # rounding these up broke a cap (max_agents, people.max): round them down instead
        for j in picked:
            floor = float(math.floor(values[j] + TOLERANCE))
            session.bound(tours[j].name, lower=before[j], upper=floor)
        if not _solve(session, cold):
            return None
    columns = np.asarray(session.highs.getSolution().col_value, float)
    integral = {var.name for var in tours}
    for var in model.prob.variables():
        value = columns[session.index[var.name]]
        var.varValue = float(round(value)) if var.name in integral else float(value)
    return bound
