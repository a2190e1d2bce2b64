"""The capacity one round's MILP must provide so that agents shared between channels answer
every real-time queue on time: cutting planes on the LP relaxation, then capacity floors.

Each real-time cell (queue, interval) asks that the blending model
(``optimizer.queueing.pooled``), calibrated by the simulation (``calibration``), reach the
cell's goal. In the two staffing figures the model reads, the agents at the queue's sites
``n`` and in its pool ``N``, the staffing that does so is a convex region bounded by a
decreasing curve: an agent at the queue's sites (``n`` and ``N`` grow) or elsewhere in the
pool (``N`` grows) can stand in for one another at a rate the model gives. Kelley's cutting-
plane method (Kelley 1960, "The cutting-plane method for solving convex programs", J. SIAM
8(4):703-712; used with simulated service levels by Atlason, Epelman and Henderson 2004,
Annals of OR 127:333-358) adds, for each cell the LP's staffing leaves short, the tangents of
that curve where it meets two lines from the LP's point (more agents at the queue's sites;
more agents everywhere in proportion), as rows on the shift variables of the shift model (a site's
productive agents are its columns' coverage times agents; ``optimizer.shifts.model``), and
solves the LP again, until every cell reaches its goal.

A bot changes the demand, and so the curve: each row holds, besides its right-hand side at the
bot levels of the LP's point, the change of that right-hand side for every other level of
every channel's bot, on the level's binary ``z``. The LP so weighs a bot's sessions against
the agents its containment saves across the pool (on global-retail the chat bot at 40 % pays
because a chat kept from the agents frees an agent from every site that voice needs).

The cuts are fractional in every coefficient, which slows the MILP's search for integer
shift counts (2026-12-06, global-retail, round 2: RENS 60 s for a plan 2.8 % above the LP
bound; 200 s of full search reached no better plan). So the round's MILP gets *capacity
floors* instead: per interval, the LP's staffing, brought down along the line to the origin
as far as every cell's goal allows, becomes a floor on each queue's sites together and on
each pool (``ShiftProblem.floors``). Any staffing above the floors meets the cuts (the
coefficients are non-negative), and RENS finds its plan in about 6 s.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from optimizer.blending.calibration import Calibration
from optimizer.blending.cells import BlendCells, CellArrays
from optimizer.queueing.pooled import frontier, level_gradient
from optimizer.shifts.lp import LpSession, Row
from optimizer.shifts.model import Model
from optimizer.shifts.problem import CapacityFloor

LEVEL_TOLERANCE = 0.005
"""A cell within this of its goal (model terms) [share] needs no further cut (0.002 took 8-9
LP solves a round on global-retail where 0.005 takes 5-6, the plans within 0.3 %)."""

MAX_SOLVES = 12
"""Most LP solves of one round's cutting-plane loop."""

UNREACHABLE = 1000.0
"""Right-hand side increase [agents] that stands for a bot level at which a cell's goal cannot
be reached along the cut's line (the slack's penalty then rules the level out)."""


@dataclass(frozen=True)
class CapacityPlan:
    """What the cutting-plane loop hands the round's MILP: ``floors``, the bot ``levels``
    chosen (fixed in the MILP), and for the record the LP ``solves``, the rows added
    (``cuts``), the LP's objective with the cuts and those levels (``bound``, None if it did
    not solve) and ``unmet``, the rows' slack in the last LP [agents]: staffing the model asks
    for that ``max_agents`` (or no shift) allows."""

    floors: tuple[CapacityFloor, ...]
    levels: dict[str, float]
    solves: int
    cuts: int
    bound: float | None
    unmet: float
    staffing: np.ndarray | None = None
    """The last LP's productive agents [site, interval]: where the next round's loop starts."""
    unmet_without_max: float | None = None
    """``unmet`` with every ``max_agents`` bound dropped (None when nothing was unmet or no site
    has one): near 0 proves that ``max_agents`` is what stands in the way; what stays is
    staffing no shift template can give (hours no shift of those sites is on the floor)."""


def plan_capacity(
    model: Model,
    cells: BlendCells,
    calibration: Calibration,
    time_limit_s: float,
    start: CapacityPlan | None = None,
    cutting_s: float | None = None,
) -> CapacityPlan:
    """Run the module's cutting-plane loop on ``model`` and turn its last LP into capacity
    floors; ``time_limit_s`` [s] for each LP solve, and no new cutting round once another
    solve as long as the last would end past ``cutting_s`` [s] (the floors then come from the
    cuts so far: a 28-day, 15-minute model with 6 sites spent 10 minutes cutting; four weeks of
    people on tours took 61, 92 and 159 s for three solves against 165 s, 2026-12-07). With
    ``start`` (the round before's plan) the loop begins with the cuts of every cell at that
    plan's staffing, where the new optimum usually lies close: on global-retail that saves 2-4
    LP solves a round."""
    began = time.perf_counter()
    session = LpSession(model, time_limit_s)
    index = {name: k for k, name in enumerate(cells.sites)}
    x_vars = list(model.x.values())
    position = {var.name: k for k, var in enumerate(x_vars)}
    present = np.zeros((len(cells.sites), cells.n_intervals), bool)
    flat_cell, flat_x, flat_share = [], [], []
    for (name, t), terms in model.site_terms.items():
        present[index[name], t] = True
        for var, share in terms:
            flat_cell.append(index[name] * cells.n_intervals + t)
            flat_x.append(position[var.name])
            flat_share.append(share)
    cell_of, x_of, share_of = np.array(flat_cell), np.array(flat_x), np.array(flat_share)
    servable = np.stack([present[list(q.sites)].any(axis=0) for q in cells.queues])
    z_vars = {key: var for key, var in model.z.items()}

    def staffing() -> np.ndarray:
        agents = np.bincount(
            cell_of, weights=share_of * session.values(x_vars)[x_of], minlength=present.size
        )
        return agents.reshape(present.shape)

    def chosen() -> dict[str, float]:
        levels: dict[str, float] = {}
        for channel in cells.bot_channels:
            options = [(o, var) for (c, o), var in z_vars.items() if c == channel]
            weights = session.values([var for _, var in options])
            levels[channel] = options[int(np.argmax(weights))][0]
        return levels

    cuts = 0
    levels: dict[str, float] = {}
    if start is not None and start.staffing is not None:
        levels = dict(start.levels)
        arrays = cells.arrays(levels)
        goals = calibration.goals(cells, arrays) * servable
        site, pool = cells.staffing(start.staffing)
        rows = _cuts(cells, calibration, arrays, levels, goals, site, pool, goals > 0, model)
        session.add_rows(rows)
        cuts += len(rows)
    for _ in range(MAX_SOLVES):
        solving = time.perf_counter()
        if not session.solve():
            return CapacityPlan((), levels, session.solves, cuts, None, 0.0)
        levels = chosen()
        now = time.perf_counter()
        # stop when the next solve, as long as this one, would end past the cutting time
        if cutting_s is not None and 2 * now - solving - began > cutting_s:
            break
        arrays = cells.arrays(levels)
        goals = calibration.goals(cells, arrays) * servable
        site, pool = cells.staffing(staffing())
        level = cells.levels(arrays, site, pool)
        short = (goals > 0) & (level < goals - LEVEL_TOLERANCE)
        if not short.any():
            break
        rows = _cuts(cells, calibration, arrays, levels, goals, site, pool, short, model)
        session.add_rows(rows)
        cuts += len(rows)
    for (channel, option), var in z_vars.items():
        session.fix(var.name, 1.0 if levels.get(channel) == option else 0.0)
    if not session.solve():
        return CapacityPlan((), levels, session.solves, cuts, None, 0.0)
    arrays = cells.arrays(levels)
    goals = calibration.goals(cells, arrays) * servable
    agents = staffing()
    floors = _floors(cells, arrays, goals, agents)
    bound, unmet = session.objective(), session.slack()
    without = None
    # the limits on the sites' capacity: agents on duty (max_agents), people on a contract
    relaxed = unmet > LEVEL_TOLERANCE and session.relax("max_agents_") + session.relax(
        "people_max_"
    )
    if relaxed and session.solve():
        without = session.slack()
    return CapacityPlan(floors, levels, session.solves, cuts, bound, unmet, agents, without)


Demand = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _demand(cells: BlendCells, arrays: CellArrays, mask: np.ndarray) -> Demand:
    """The demand arrays of the model at the cells of ``mask`` (flattened): pool load, site
    load, rate ahead, handle time, target time."""
    within = np.broadcast_to(cells.within_s, mask.shape)
    return (
        arrays.pool_load[mask],
        arrays.site_load[mask],
        arrays.rate_ahead[mask],
        arrays.aht_s[mask],
        within[mask],
    )


def _cuts(
    cells: BlendCells,
    calibration: Calibration,
    arrays: CellArrays,
    levels: Mapping[str, float],
    goals: np.ndarray,
    site: np.ndarray,
    pool: np.ndarray,
    short: np.ndarray,
    model: Model,
) -> list[Row]:
    """Two tangent rows for every ``short`` cell (module docstring); the model is evaluated
    at those cells only."""
    queue_of, interval_of = np.nonzero(short)
    n = site[short]
    whole = np.maximum(pool[short], n)
    goal = goals[short]
    demand = _demand(cells, arrays, short)
    with np.errstate(divide="ignore", invalid="ignore"):
        mix = np.where(whole > 0, n / np.where(whole > 0, whole, 1.0), 1.0)
    others: dict[tuple[str, float], tuple[Demand, np.ndarray]] = {}
    for channel in cells.bot_channels:
        for option in cells.requirements.options[channel]:
            if option != levels.get(channel):
                alt = cells.arrays({**levels, channel: option})
                others[channel, option] = (
                    _demand(cells, alt, short),
                    calibration.goals(cells, alt)[short],
                )
    ones = np.ones_like(n)
    rows: list[Row] = []
    for number, direction in enumerate([(ones, ones), (mix, ones)]):
        if number == 1 and np.allclose(mix, 1.0):
            break  # every pool is its queue's sites: one line only
        n_star, pool_star = frontier(n, whole, direction, goal, *demand)
        at_site, elsewhere = level_gradient(
            np.nan_to_num(n_star), np.nan_to_num(pool_star), *demand
        )
        reached = np.isfinite(n_star) & (at_site > 1e-9)
        weight = np.where(reached, elsewhere / np.where(reached, at_site, 1.0), 0.0)
        rhs = np.where(reached, n_star + weight * (pool_star - n_star), 0.0)
        shifts: dict[tuple[str, float], np.ndarray] = {}
        for key, (alt_demand, alt_goal) in others.items():
            n_alt, pool_alt = frontier(n, whole, direction, alt_goal, *alt_demand)
            moved = n_alt + weight * (pool_alt - n_alt) - rhs
            shifts[key] = np.where(np.isfinite(moved), moved, UNREACHABLE)
        for j in np.flatnonzero(reached):
            k, t = int(queue_of[j]), int(interval_of[j])
            queue = cells.queues[k]
            coefficients: dict[str, float] = {}
            for s in queue.pool:
                share = 1.0 if s in queue.sites else float(weight[j])
                if share <= 0:
                    continue
                for var, coverage in model.site_terms.get((cells.sites[s], t), ()):
                    coefficients[var.name] = coefficients.get(var.name, 0.0) + share * coverage
            for key, moved in shifts.items():
                if abs(moved[j]) > 1e-9:
                    coefficients[model.z[key].name] = -float(moved[j])
            rows.append(Row(coefficients, float(rhs[j])))
    return rows


def _floors(
    cells: BlendCells, arrays: CellArrays, goals: np.ndarray, agents: np.ndarray
) -> tuple[CapacityFloor, ...]:
    """Capacity floors from the LP's staffing ``agents`` [site, interval]: per cell the
    staffing brought down towards the origin (both figures in proportion) until the cell's
    goal binds, then per interval the largest such figure of every queue's sites and of every
    pool (module docstring). Bringing down only the queue's own sites, the pool's kept, made
    follow-the-sun's plans 1-2 % dearer (2026-12-06)."""
    site, pool = cells.staffing(agents)
    pool = np.maximum(pool, site)
    wanted = goals > 0
    n_star, pool_star = frontier(
        site,
        pool,
        (site, pool),
        goals,
        arrays.pool_load,
        arrays.site_load,
        arrays.rate_ahead,
        arrays.aht_s,
        cells.within_s,
    )
    above = cells.levels(arrays, site, pool) >= goals
    lower = wanted & above & np.isfinite(n_star)
    n_floor = np.where(lower, np.minimum(n_star, site), np.where(wanted, site, 0.0))
    pool_floor = np.where(lower, np.minimum(pool_star, pool), np.where(wanted, pool, 0.0))
    best: dict[tuple[tuple[int, ...], int], float] = {}
    for k, queue in enumerate(cells.queues):
        for members, values in ((queue.sites, n_floor[k]), (queue.pool, pool_floor[k])):
            for t in np.flatnonzero(values > 1e-6):
                key = (members, int(t))
                best[key] = max(best.get(key, 0.0), float(values[t]))
    return tuple(
        CapacityFloor(tuple(cells.sites[s] for s in members), t, round(value, 6))
        for (members, t), value in sorted(best.items())
    )
