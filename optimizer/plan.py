"""Simulation-verified optimisation: solve, simulate, correct, repeat (SPEC sections 2.9, 5).

1. Analytic requirements per interval, channel and language group for every bot level
   (``optimizer.requirements``), candidate shifts (``optimizer.columns``), the MILP
   (``optimizer.milp``): the cheapest roster and bot levels that cover the requirements.
2. The plan is simulated on the scenario's seed (common random numbers: every iteration sees the
   same customers). Where a channel falls short of its target in an interval (or a day, with
   ``targets = "daily"``), its requirement there is raised and the MILP is solved again.
   Stationary per-interval staffing misses targets after peaks and with multi-skill pooling
   (Green, Kolesar and Soares 2001, Operations Research 49(4):549-564), which is why the
   simulation has the last word (Avramidis et al. 2010, EJOR 200(3):822-832).
3. The last plan is simulated again on a fresh seed, and the report says whether it still meets
   every target.

A channel "falls short" in a cell (interval or day) when the Wilson score interval (at
``verify.confidence``) of its service level, pooled over the replications, lies wholly below
the target share: cells with a handful of contacts are not chased on noise.
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

from optimizer.columns import candidate_columns, roster_rows
from optimizer.milp import solve
from optimizer.problem import ShiftProblem, Shortfall, Solution
from optimizer.requirements import Requirements, requirements
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
    upper: float
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
    """

    scenario: Scenario
    roster: tuple[RosterRow, ...]
    bot_levels: dict[str, float]
    iterations: list[Iteration]
    verified: Results
    verified_shorts: list[Short]
    verified_judged: int
    fresh_seed: int
    hand: Iteration | None
    requirements: Requirements
    notes: list[str] = field(default_factory=list)

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


def _wilson_upper(within: np.ndarray, judged: np.ndarray, confidence: float) -> np.ndarray:
    """Upper end of the two-sided Wilson score interval of within/judged (Wilson 1927, JASA
    22(158):209-212)."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = within / judged
        centre = (p + z * z / (2 * judged)) / (1 + z * z / judged)
        half = (
            z * np.sqrt(p * (1 - p) / judged + z * z / (4 * judged * judged)) / (1 + z * z / judged)
        )
    return np.where(judged > 0, centre + half, np.nan)


def shortfalls(results: Results, mode: str, confidence: float) -> tuple[list[Short], int]:
    """Cells significantly below target, and the number of cells judged (with contacts)."""
    cells = results.cells
    key = "interval" if mode == "interval" else "day"
    grouped = (
        cells.groupby(["channel", key], sort=False)
        .agg(within=("within", "sum"), judged=("judged", "sum"), target=("target_share", "first"))
        .reset_index()
    )
    grouped = grouped[grouped["judged"] > 0]
    upper = _wilson_upper(
        grouped["within"].to_numpy(float), grouped["judged"].to_numpy(float), confidence
    )
    level = grouped["within"].to_numpy(float) / grouped["judged"].to_numpy(float)
    short = upper < grouped["target"].to_numpy(float)
    found = [
        Short(str(row.channel), int(getattr(row, key)), float(sl), float(up), float(row.target))
        for row, sl, up, is_short in zip(
            grouped.itertuples(index=False), level, upper, short, strict=True
        )
        if is_short
    ]
    return found, len(grouped)


def _apply(scenario: Scenario, rows: tuple[RosterRow, ...], levels: dict[str, float]) -> Scenario:
    channels = tuple(
        c.model_copy(update={"bot": c.bot.model_copy(update={"containment": levels[c.name]})})
        if c.bot is not None and c.name in levels
        else c
        for c in scenario.channels
    )
    return scenario.model_copy(update={"roster": rows, "roster_file": None, "channels": channels})


def describe_shortfalls(shortfalls: tuple[Shortfall, ...], horizon: Horizon) -> str:
    """One line per (channel, group): where staffing cannot be provided and why."""
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
        reason = (
            f"sites at max_agents: {', '.join(at_max)}"
            if at_max
            else f"sites that could serve it: {', '.join(worst.sites)}"
        )
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
) -> None:
    """Raise the requirement where the simulation fell short (one agent per language group
    with demand there; for async work, a quarter more work, at least half an agent-interval)."""
    table = req.table
    base = table[table["option"] == table.groupby("channel")["option"].transform("min")]
    for short in shorts:
        channel = short.channel.split(":")[0]
        rows = base[base["channel"] == channel]
        if mode == "interval":
            intervals = [short.cell]
        else:
            intervals = [int(k) for k in np.flatnonzero(horizon.interval_day == short.cell)]
        for interval in intervals:
            here = rows[rows["interval"] == interval]
            for row in here.itertuples(index=False):
                demand = row.work_agents if not math.isnan(row.work_agents) else row.agents
                if demand <= 0 and len(here) > 1:
                    continue
                key = (channel, str(row.group), interval)
                if not math.isnan(row.work_agents):
                    adjust[key] = adjust.get(key, 0.0) + max(0.5, 0.25 * row.work_agents)
                else:
                    adjust[key] = adjust.get(key, 0.0) + 1.0


def optimize(
    scenario: Scenario,
    workers: int = 1,
    lp_path: str | None = None,
    on_iteration: Callable[[Iteration], None] | None = None,
    max_iterations: int | None = None,
) -> Plan:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation.

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
    rounds = config.max_iterations if max_iterations is None else max_iterations
    adjust: dict[tuple[str, str, int], float] = {}
    iterations: list[Iteration] = []
    best: tuple[Scenario, tuple[RosterRow, ...], dict[str, float]] | None = None
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
        if solution.status == "infeasible":
            raise OptimizeError(
                "no roster meets the requirements:\n"
                + describe_shortfalls(solution.shortfalls, horizon),
                solution.shortfalls,
            )
        if solution.status == "failed":
            raise OptimizeError(f"the {solution.solver} solver failed: {solution.message}")
        rows = roster_rows(scenario, columns, solution.agents)
        levels = {
            c.name: solution.bot_levels.get(c.name, c.bot.containment)
            for c in scenario.channels
            if c.bot is not None
        }
        candidate = _apply(scenario, rows, levels)
        results = simulate(candidate, replications=replications, seed=seed, workers=workers)
        shorts, judged = shortfalls(results, config.targets, config.verify.confidence)
        iteration = Iteration(
            number, solution, results, shorts, judged, results.summary["cost"]["total"]
        )
        iterations.append(iteration)
        best = (candidate, rows, levels)
        if on_iteration is not None:
            on_iteration(iteration)
        if not shorts:
            break
        _adjust(adjust, shorts, req, config.targets, horizon)
    assert best is not None
    candidate, rows, levels = best
    verify_seed = fresh_seed(seed)
    run = candidate.run.model_copy(update={"seed": verify_seed, "replications": replications})
    candidate = candidate.model_copy(update={"run": run})
    verified = simulate(candidate, workers=workers)
    verified_shorts, verified_judged = shortfalls(
        verified, config.targets, config.verify.confidence
    )
    hand = None
    if scenario.roster:
        hand_results = simulate(scenario, replications=replications, seed=seed, workers=workers)
        hand_shorts, hand_judged = shortfalls(
            hand_results, config.targets, config.verify.confidence
        )
        hand = Iteration(
            -1, None, hand_results, hand_shorts, hand_judged, hand_results.summary["cost"]["total"]
        )
    return Plan(
        scenario=candidate,
        roster=rows,
        bot_levels=levels,
        iterations=iterations,
        verified=verified,
        verified_shorts=verified_shorts,
        verified_judged=verified_judged,
        fresh_seed=verify_seed,
        hand=hand,
        requirements=req,
    )


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
                "upper": round(s.upper, 4),
                "target": s.target,
            }
            for s in iteration.shorts
        ],
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The ``plan.json`` document (SPEC section 5)."""
    horizon = Horizon.of(plan.scenario)
    mode = plan.scenario.optimizer.targets
    last = plan.iterations[-1].solution
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
                "cost": plan.iterations[-1].cost,
                "missed_share": plan.iterations[-1].missed_share,
                "cells_short": len(plan.iterations[-1].shorts),
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
            "cost": summary["cost"]["total"],
            "cells_short": len(plan.verified_shorts),
            "cells_judged": plan.verified_judged,
            "channels": {
                name: {"service_level": kpi["service_level"]["mean"], "met": kpi["met"]}
                for name, kpi in summary["channels"].items()
            },
        },
        "notes": plan.notes,
    }
    return document
