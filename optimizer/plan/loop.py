"""Simulation-verified optimisation: solve, simulate, correct, repeat (SPEC sections 2.9, 5).

1. Analytic requirements per interval, channel and language group for every bot level
   (``optimizer.requirements``), candidate shifts (``optimizer.shifts.columns``), the MILP
   (``optimizer.shifts.milp``): the cheapest roster and bot levels that cover the requirements.
2. The plan is simulated on the scenario's seed (common random numbers: every iteration sees the
   same customers). Where a channel falls short of its target in an interval (or a day, with
   ``targets = "daily"``), its requirement there is raised and the MILP is solved again.
   Stationary per-interval staffing misses targets after peaks and with multi-skill pooling
   (Green, Kolesar and Soares 2001, Operations Research 49(4):549-564), which is why the
   simulation has the last word (Avramidis et al. 2010, EJOR 200(3):822-832).
3. The plan kept (the iteration with the fewest cells short, the cheaper on a tie; the loop
   stops early once the MILP is bound by ``max_agents`` twice in a row) is simulated again on a
   fresh seed, and the report says whether it still meets every target.

A channel "falls short" in a cell (interval or day) when the Student-t interval over
replications (at ``verify.confidence``) of its service level lies wholly below the target
share: cells with a handful of contacts are not chased on noise.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from optimizer.requirements import Requirements, requirements
from optimizer.shifts.columns import candidate_columns, roster_rows
from optimizer.shifts.milp import solve
from optimizer.shifts.problem import ShiftProblem, Shortfall, Solution
from scenarios.schema import RosterRow, Scenario
from scenarios.timeline import Horizon
from simulation import simulate
from simulation.results import Results


class OptimizeError(Exception):
    """No plan can meet the requirements, or the solver failed; ``str`` names the cause."""

    def __init__(self, message: str, shortfalls: tuple[Shortfall, ...] = ()) -> None:
        super().__init__(message)
        self.shortfalls = shortfalls


@dataclass(frozen=True)
class Short:
    """A cell where simulation shows a channel significantly below its target."""

    channel: str
    cell: int
    """Interval index (targets = "interval") or planning-day index (targets = "daily")."""
    service_level: float
    """Mean over replications."""
    p_value: float
    """One-sided p-value of "meets the target" (FDR-adjusted in the final verdict)."""
    target: float


@dataclass
class Iteration:
    """One round of solve and simulate."""

    number: int
    solution: Solution | None
    """The MILP solution (None for the hand-made roster)."""
    results: Results
    shorts: list[Short]
    judged_cells: int
    cost: float

    @property
    def missed_share(self) -> float:
        """Share of judged (channel, cell) pairs significantly short of target."""
        return len(self.shorts) / self.judged_cells if self.judged_cells else 0.0


@dataclass
class Plan:
    """The outcome of ``optimize``.

    ``scenario``: the input with the optimized roster and bot levels, its ``[run]`` set to the
    fresh verification seed and replications (so simulating it reproduces ``verified``).
    ``iterations[0]`` is the plan from analytic requirements alone.
    ``hand``: the input roster simulated the same way, for comparison (None without a roster).
    ``notes``: where the analytic requirements could not be covered (max_agents).
    """

    scenario: Scenario
    roster: tuple[RosterRow, ...]
    bot_levels: dict[str, float]
    iterations: list[Iteration]
    verified: Results
    verified_shorts: list[Short]
    """Cells short on the fresh seed after false-discovery-rate control (the verdict)."""
    verified_raw_shorts: list[Short]
    """Cells short on the fresh seed by the per-cell test alone (for the record)."""
    verified_judged: int
    fresh_seed: int
    hand: Iteration | None
    requirements: Requirements
    chosen: int
    """Index of the iteration whose plan was kept (the fewest cells short, then the cheaper)."""
    notes: list[str] = field(default_factory=list)

    @property
    def capacity_bound(self) -> bool:
        """True if the kept plan's MILP could not cover the requirements within ``max_agents``."""
        last = self.iterations[self.chosen].solution
        return last is not None and last.status == "infeasible"

    @property
    def meets_targets(self) -> bool:
        """True if the fresh-seed check shows no significant shortfall and every channel's
        whole-horizon service level meets its target."""
        channels_met = all(kpi["met"] for kpi in self.verified.summary["channels"].values())
        return channels_met and not self.verified_shorts


def fresh_seed(seed: int) -> int:
    """A verification seed derived from the scenario seed, unrelated to it as a stream."""
    digest = hashlib.sha256(f"verify:{seed}".encode()).hexdigest()
    return int(digest[:15], 16)


def shortfall_p_values(results: Results, mode: str) -> pd.DataFrame:
    """One-sided Student-t test per cell of H0 "the cell meets its target" (mean service level
    over replications >= target share), replications being the independent observations
    (contacts in one interval share a queue). Cells with fewer than two replications with a
    defined service level are not judged. A cell whose replications all agree (sd 0) is short
    exactly when its mean is below target."""
    cells = results.cells[results.cells["scope"] == ("interval" if mode == "interval" else "day")]
    cells = cells[cells["n"] >= 2].copy()
    n = cells["n"].to_numpy(float)
    gap = cells["mean"].to_numpy(float) - cells["target"].to_numpy(float)
    error = cells["sd"].to_numpy(float) / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            error > 0, gap / np.where(error > 0, error, 1.0), np.where(gap < 0, -np.inf, np.inf)
        )
    cells["p_value"] = stats.t.cdf(t, n - 1)
    return cells


def shortfalls(
    results: Results, mode: str, confidence: float, control_fdr: bool = False
) -> tuple[list[Short], int]:
    """Cells significantly below target, and the number of cells judged.

    A cell is short when its one-sided p-value (``shortfall_p_values``) is below
    ``1 - confidence``. With ``control_fdr`` the p-values are first adjusted for the number of
    cells tested (Benjamini and Hochberg 1995, JRSS B 57(1):289-300), so that among a thousand
    cells that all meet their target about none, not 2.5 %, are called short: the final verdict
    uses it; the correction loop does not, to chase every likely miss.
    """
    cells = shortfall_p_values(results, mode)
    p = cells["p_value"].to_numpy(float)
    if control_fdr and len(p):
        p = stats.false_discovery_control(p, method="bh")
    short = p < 1 - confidence
    channels = [str(c) for c in cells["channel"]]
    cell = cells["cell"].to_numpy(int)
    level = cells["mean"].to_numpy(float)
    target = cells["target"].to_numpy(float)
    found = [
        Short(channels[k], int(cell[k]), float(level[k]), float(p[k]), float(target[k]))
        for k in np.flatnonzero(short)
    ]
    return found, len(cells)


def _apply(scenario: Scenario, rows: tuple[RosterRow, ...], levels: dict[str, float]) -> Scenario:
    channels = tuple(
        c.model_copy(update={"bot": c.bot.model_copy(update={"containment": levels[c.name]})})
        if c.bot is not None and c.name in levels
        else c
        for c in scenario.channels
    )
    return scenario.model_copy(update={"roster": rows, "roster_file": None, "channels": channels})


def sites_at_max(problem: ShiftProblem, solution: Solution) -> dict[str, int]:
    """Sites whose ``max_agents`` the plan reaches in some interval, with the bound."""
    on_duty: dict[tuple[str, int], int] = {}
    for column in problem.columns:
        count = solution.agents.get(column.name, 0)
        for t in set(column.on_duty) if count else ():
            on_duty[column.site, t] = on_duty.get((column.site, t), 0) + count
    return {
        site: bound
        for site, bound in problem.max_agents.items()
        if any(on_duty.get((site, t), 0) >= bound for t in range(problem.n_intervals))
    }


def describe_shortfalls(
    shortfalls: tuple[Shortfall, ...], horizon: Horizon, binding: dict[str, int] | None = None
) -> str:
    """One line per (channel, group): where staffing cannot be provided and why; ``binding``
    names sites whose max_agents is reached at some time (shifts covering a short interval may
    be blocked by the bound at another time of the same shift)."""
    lines = []
    seen: dict[tuple[str, str], list[Shortfall]] = {}
    for item in shortfalls:
        seen.setdefault((item.channel, item.group), []).append(item)
    for (channel, group), items in seen.items():
        first = horizon.interval_starts_utc[items[0].interval].strftime("%Y-%m-%dT%H:%MZ")
        worst = max(items, key=lambda s: s.amount)
        if not worst.sites:
            lines.append(
                f"channel '{channel}', language '{group}': no site has the skill and speaks "
                f"the language ({len(items)} intervals with demand, first {first})"
            )
            continue
        at_max = sorted({s for item in items for s in item.sites_at_max})
        elsewhere = sorted(s for s in (binding or {}) if s in worst.sites and s not in at_max)
        if at_max:
            reason = f"sites at max_agents then: {', '.join(at_max)}"
        elif elsewhere:
            reason = "max_agents reached at other hours of the same shifts: " + ", ".join(
                f"{s} ({(binding or {})[s]})" for s in elsewhere
            )
        else:
            reason = f"sites that could serve it: {', '.join(worst.sites)}"
        lines.append(
            f"channel '{channel}', language '{group}': up to {worst.amount:.1f} agents short in "
            f"{len(items)} intervals, first {first}; {reason}"
        )
    return "\n".join(lines)


def _adjust(
    adjust: dict[tuple[str, str, int], float],
    shorts: list[Short],
    req: Requirements,
    mode: str,
    horizon: Horizon,
    misses: dict[tuple[str, int], int],
) -> None:
    """Raise the requirement where the simulation fell short: for each language group with
    demand there, one more agent the first time a cell is short, two the second time and so on
    (real time), or a quarter more work, at least half an agent-interval, as often (async, so
    the MILP schedules more capacity inside the window). ``misses`` counts shortfalls per cell
    across iterations."""
    table = req.table
    base = table[table["option"] == table.groupby("channel")["option"].transform("min")]
    for short in shorts:
        channel = short.channel.split(":")[0]
        misses[channel, short.cell] = misses.get((channel, short.cell), 0) + 1
        times = misses[channel, short.cell]
        rows = base[base["channel"] == channel]
        if mode == "interval":
            intervals = [short.cell]
        else:
            intervals = [int(k) for k in np.flatnonzero(horizon.interval_day == short.cell)]
        for interval in intervals:
            here = rows[rows["interval"] == interval]
            groups = [str(g) for g in here["group"]]
            agents = here["agents"].to_numpy(dtype=float)
            work = here["work_agents"].to_numpy(dtype=float)
            for group, need, load in zip(groups, agents, work, strict=True):
                asynchronous = not math.isnan(load)
                demand = load if asynchronous else need
                if demand <= 0 and len(groups) > 1:
                    continue
                key = (channel, group, interval)
                step = max(0.5, 0.25 * load) if asynchronous else 1.0
                adjust[key] = adjust.get(key, 0.0) + step * times


def optimize(
    scenario: Scenario,
    workers: int = 1,
    lp_path: str | None = None,
    on_iteration: Callable[[Iteration], None] | None = None,
    max_iterations: int | None = None,
    executor: str = "local",
    address: str | None = None,
) -> Plan:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation.

    ``workers``, ``executor`` and ``address`` say where the verification replications run
    (``simulation.simulate``); the plan does not depend on them.

    Raises ``OptimizeError`` naming the channel, language, interval and sites when no roster
    can cover the requirements (a language nobody speaks, sites at ``max_agents``), or when the
    solver fails.
    """
    config = scenario.optimizer
    horizon = Horizon.of(scenario)
    req = requirements(scenario, horizon)
    columns = candidate_columns(scenario, horizon)
    max_agents = {s.name: s.max_agents for s in scenario.sites if s.max_agents is not None}
    seed = scenario.run.seed
    replications = config.verify.replications
    confidence = config.verify.confidence
    rounds = config.max_iterations if max_iterations is None else max_iterations
    adjust: dict[tuple[str, str, int], float] = {}
    iterations: list[Iteration] = []
    notes: list[str] = []
    misses: dict[tuple[str, int], int] = {}

    def judge(number: int, solution: Solution | None, staffed: Scenario) -> Iteration:
        """Simulate ``staffed`` on the scenario seed and find its cells short of target."""
        results = simulate(
            staffed,
            replications=replications,
            seed=seed,
            workers=workers,
            confidence=confidence,
            executor=executor,
            address=address,
        )
        shorts, judged = shortfalls(results, config.targets, confidence)
        return Iteration(
            number, solution, results, shorts, judged, results.summary["cost"]["total"]
        )

    best: tuple[int, float, int, Scenario, tuple[RosterRow, ...], dict[str, float]] | None = None
    capacity_note = ""
    bound_rounds = 0
    for number in range(rounds):
        problem = ShiftProblem(
            n_intervals=horizon.n_intervals,
            interval_s=float(horizon.interval_s),
            columns=columns,
            needs=req.needs(adjust),
            bots=req.bot_choices(),
            max_agents=max_agents,
        )
        solution = solve(
            problem,
            solver=config.solver,
            time_limit_s=config.time_limit,
            mip_gap=config.mip_gap,
            lp_path=lp_path if number == 0 else None,
        )
        if solution.status == "failed":
            raise OptimizeError(f"the {solution.solver} solver failed: {solution.message}")
        if solution.status == "infeasible":
            unserved = tuple(s for s in solution.shortfalls if not s.sites)
            binding = sites_at_max(problem, solution)
            if unserved or not binding:
                raise OptimizeError(
                    "no roster can meet the requirements:\n"
                    + describe_shortfalls(unserved or solution.shortfalls, horizon, binding),
                    solution.shortfalls,
                )
            # bound by max_agents: simulate the best plan anyway (pooling across channels
            # often does better than per-channel requirements), and say so
            capacity = describe_shortfalls(solution.shortfalls, horizon, binding)
            capacity_note = f"iteration {number}: analytic requirements exceed max_agents:\n"
            capacity_note += capacity
            bound_rounds += 1
        else:
            bound_rounds = 0
        rows = roster_rows(scenario, columns, solution.agents)
        levels = {
            c.name: solution.bot_levels.get(c.name, c.bot.containment)
            for c in scenario.channels
            if c.bot is not None
        }
        candidate = _apply(scenario, rows, levels)
        iteration = judge(number, solution, candidate)
        shorts = iteration.shorts
        iterations.append(iteration)
        # the plan kept is the one with the fewest cells short (the cheaper on a tie)
        if best is None or (len(shorts), iteration.cost) < best[:2]:
            best = (len(shorts), iteration.cost, number, candidate, rows, levels)
        if on_iteration is not None:
            on_iteration(iteration)
        if not shorts:
            break
        if bound_rounds >= 2:
            notes.append(
                f"stopped after iteration {number}: bound by max_agents twice in a row, raising "
                "the requirements further only grows the shortfall"
            )
            break
        _adjust(adjust, shorts, req, config.targets, horizon, misses)
    assert best is not None
    if capacity_note:
        notes.insert(0, capacity_note)
    _, _, chosen, candidate, rows, levels = best
    verify_seed = fresh_seed(seed)
    run = candidate.run.model_copy(update={"seed": verify_seed, "replications": replications})
    candidate = candidate.model_copy(update={"run": run})
    verified = simulate(
        candidate, workers=workers, confidence=confidence, executor=executor, address=address
    )
    verified_shorts, verified_judged = shortfalls(
        verified, config.targets, confidence, control_fdr=True
    )
    raw_shorts, _ = shortfalls(verified, config.targets, confidence)
    hand = None
    if scenario.roster:
        hand = judge(-1, None, scenario)
        notes.extend(_hand_roster_notes(hand, iterations[chosen].cost))
    return Plan(
        scenario=candidate,
        roster=rows,
        bot_levels=levels,
        iterations=iterations,
        verified=verified,
        verified_shorts=verified_shorts,
        verified_raw_shorts=raw_shorts,
        verified_judged=verified_judged,
        fresh_seed=verify_seed,
        hand=hand,
        requirements=req,
        chosen=chosen,
        notes=notes,
    )


def _hand_roster_notes(hand: Iteration, plan_cost: float) -> list[str]:
    """Why the plan may cost more than the hand-made roster: the targets it misses."""
    missed = [
        f"{name} {100 * (kpi['service_level']['mean'] or 0):.1f} % "
        f"(target {100 * kpi['target']['share']:.0f} %)"
        for name, kpi in hand.results.summary["channels"].items()
        if not kpi["met"]
    ]
    if not missed and not hand.shorts:
        difference = plan_cost - hand.cost
        verdict = "saves" if difference < 0 else "costs"
        return [
            f"the hand-made roster meets the targets; the plan {verdict} {abs(difference):,.0f}"
        ]
    return [
        f"the hand-made roster misses the targets ({', '.join(missed) or 'in some intervals'}; "
        f"{len(hand.shorts)} of {hand.judged_cells} cells short), so it is no benchmark for "
        f"cost: the plan costs {plan_cost - hand.cost:+,.0f} "
        f"({100 * (plan_cost / hand.cost - 1):+.1f} %) against it"
    ]


def _iteration_json(iteration: Iteration, horizon: Horizon, mode: str) -> dict[str, Any]:
    solution = iteration.solution
    assert solution is not None
    labels = (
        horizon.interval_starts_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        if mode == "interval"
        else pd.Index([d.isoformat() for d in horizon.dates])
    )
    return {
        "iteration": iteration.number,
        "solver_status": solution.status,
        "objective": solution.objective,
        "mip_gap": solution.mip_gap,
        "lower_bound": solution.lower_bound,
        "solve_s": round(solution.solve_s, 3),
        "simulated_cost": iteration.cost,
        "channels_short": sorted({s.channel for s in iteration.shorts}),
        "cells_short": len(iteration.shorts),
        "cells_judged": iteration.judged_cells,
        "missed_share": iteration.missed_share,
        "short": [
            {
                "channel": s.channel,
                "interval" if mode == "interval" else "day": str(labels[s.cell]),
                "service_level": round(s.service_level, 4),
                "p_value": float(f"{s.p_value:.4g}"),
                "target": s.target,
            }
            for s in iteration.shorts
        ],
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The ``plan.json`` document (SPEC section 5)."""
    horizon = Horizon.of(plan.scenario)
    mode = plan.scenario.optimizer.targets
    last = plan.iterations[plan.chosen].solution
    assert last is not None
    first = plan.iterations[0]
    summary = plan.verified.summary
    document: dict[str, Any] = {
        "scenario": plan.scenario.scenario.name,
        "solver": last.solver,
        "solver_status": last.status,
        "objective": {
            "total": last.objective,
            "labour": last.labour_cost,
            "bot": last.bot_cost,
        },
        "mip_gap": last.mip_gap,
        "lower_bound": last.lower_bound,
        "bot_levels": plan.bot_levels,
        "targets": mode,
        "iterations": [_iteration_json(i, horizon, mode) for i in plan.iterations],
        "comparison": {
            "analytic_plan": {
                "cost": first.cost,
                "missed_share": first.missed_share,
                "cells_short": len(first.shorts),
            },
            "corrected_plan": {
                "iteration": plan.chosen,
                "cost": plan.iterations[plan.chosen].cost,
                "missed_share": plan.iterations[plan.chosen].missed_share,
                "cells_short": len(plan.iterations[plan.chosen].shorts),
            },
            "hand_roster": None
            if plan.hand is None
            else {
                "cost": plan.hand.cost,
                "missed_share": plan.hand.missed_share,
                "cells_short": len(plan.hand.shorts),
                "meets_targets": not plan.hand.shorts
                and all(k["met"] for k in plan.hand.results.summary["channels"].values()),
            },
        },
        "verification": {
            "seed": plan.fresh_seed,
            "replications": summary["replications"],
            "meets_targets": plan.meets_targets,
            "capacity_bound": plan.capacity_bound,
            "cost": summary["cost"]["total"],
            "cells_short": len(plan.verified_shorts),
            "cells_short_per_cell_test": len(plan.verified_raw_shorts),
            "test": (
                "one-sided Student-t over replications per cell, H0: service level >= target; "
                "Benjamini-Hochberg FDR control across cells at 1 - verify.confidence"
            ),
            "short": [
                {
                    "channel": s.channel,
                    "cell": s.cell,
                    "service_level": round(s.service_level, 4),
                    "p_value": float(f"{s.p_value:.4g}"),
                }
                for s in plan.verified_shorts
            ],
            "cells_judged": plan.verified_judged,
            "channels": {
                name: {"service_level": kpi["service_level"]["mean"], "met": kpi["met"]}
                for name, kpi in summary["channels"].items()
            },
        },
        "notes": plan.notes,
    }
    return document
