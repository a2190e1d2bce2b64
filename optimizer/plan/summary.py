"""The ``plan.json`` document: solver figures, every iteration, the comparison of the plans
and the fresh-seed verdict."""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.plan.explain import describe_misses, describe_unserved
from optimizer.plan.outcome import Iteration, Plan
from optimizer.tours.tables import people_table
from scenarios.timeline import Horizon
from simulation.controls import MIN_REPLICATIONS


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
        "cost": iteration.cost,
        "simulated_cost": iteration.simulated_cost,
        "blending": None
        if iteration.capacity is None
        else {
            "lp_solves": iteration.capacity.solves,
            "cuts": iteration.capacity.cuts,
            "floors": len(iteration.capacity.floors),
            "lp_bound": iteration.capacity.bound,
            "unmet_agent_intervals": round(iteration.capacity.unmet, 4),
            "unmet_without_max_agents": None
            if iteration.capacity.unmet_without_max is None
            else round(iteration.capacity.unmet_without_max, 4),
            "bot_levels": iteration.capacity.levels,
            "calibration": iteration.calibration,
        },
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
    """The ``plan.json`` document (docs/outputs.md): the same, byte for byte, for the same file
    and seed; solver wall times are in ``plan_timings`` (the run's ``manifest.json``)."""
    horizon = Horizon.of(plan.scenario)
    mode = plan.scenario.optimizer.targets
    last = plan.iterations[plan.chosen].solution
    assert last is not None
    first = plan.iterations[0]
    summary = plan.verified.summary
    utc_labels = horizon.interval_starts_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    labels = utc_labels if mode == "interval" else pd.Index([d.isoformat() for d in horizon.dates])
    document: dict[str, Any] = {
        "scenario": plan.scenario.scenario.name,
        "solver": last.solver,
        "solver_status": last.status,
        "cost": plan.cost,
        "cost_basis": "expected cost over the horizon, the same for a plan wherever it appears: "
        "shifts priced with premiums in site time, absent agents unpaid, expected bot sessions; "
        "simulated costs (overtime and absences drawn) are under simulated_cost",
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
            "first_round": {
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
            "batches": plan.batches,
            "meets_targets": plan.meets_targets,
            "capacity_bound": plan.capacity_bound,
            "cost": plan.cost,
            "simulated_cost": summary["cost"]["total"],
            "cells_short": len(plan.verified_shorts),
            "cells_short_per_cell_test": len(plan.verified_raw_shorts),
            "tolerance": plan.scenario.optimizer.verify.tolerance,
            "test": (
                "one-sided Student-t over replications per cell, H0: expected service level "
                ">= target - verify.tolerance, the expectation estimated with control variates "
                f"(work arrived, agents absent) from {MIN_REPLICATIONS} replications on, where "
                "they narrow the line's cells, else the mean; "
                "Benjamini-Hochberg FDR control across cells at 1 - verify.confidence"
            ),
            "power": plan.power,
            "below_target": plan.below_target,
            "short": [
                {
                    "channel": s.channel,
                    "cell": s.cell,
                    "interval" if mode == "interval" else "day": str(labels[s.cell]),
                    "service_level": round(s.service_level, 4),
                    "target": s.target,
                    "p_value": float(f"{s.p_value:.4g}"),
                }
                for s in plan.verified_shorts
            ],
            "undecided": [
                {
                    "channel": u.channel,
                    "cell": u.cell,
                    "interval" if mode == "interval" else "day": str(labels[u.cell]),
                    "service_level": round(u.service_level, 4),
                    "standard_error": round(u.standard_error, 4),
                    "target": u.target,
                }
                for u in plan.undecided
            ],
            "looks": [
                {"replications": count, "within_confidence": round(level, 6)}
                for count, level in zip(plan.batches, plan.looks, strict=True)
            ],
            "cells_judged": plan.verified_judged,
            "channels": {
                name: {"service_level": kpi["service_level"]["mean"], "met": kpi["met"]}
                for name, kpi in summary["channels"].items()
            },
        },
        "unserved": [
            {
                "channel": u.channel,
                "group": u.group,
                "interval": str(utc_labels[u.interval]),
                "interval_local": horizon.interval_starts_local[u.interval].isoformat(),
                "requirement": round(u.amount, 4),
                "reason": u.reason,
            }
            for u in plan.unserved
        ],
        "notes": plan.notes,
    }
    rows = plan.scenario.schedule_rows
    if rows:  # a plan of people: the head count of people.csv, by site and contract
        table = people_table(plan.scenario, rows)
        document["people"] = [
            {
                "site": r["site"],
                "contract": r["contract"],
                "people": int(r["people"]),
                "existing": None if pd.isna(r["existing"]) else int(r["existing"]),
                "hires": None if pd.isna(r["hires"]) else int(r["hires"]),
                "releases": None if pd.isna(r["releases"]) else int(r["releases"]),
                "fte": round(float(r["fte"]), 2),
            }
            for _, r in table.iterrows()
        ]
    return document


def plan_timings(plan: Plan) -> dict[str, Any]:
    """The optimizer's wall times for ``manifest.json``, which holds a run's times:
    ``solve_s``, the solver's wall time of each iteration [s], in iteration order."""
    return {
        "solve_s": [round(i.solution.solve_s, 3) for i in plan.iterations if i.solution is not None]
    }


def missed_targets(plan: Plan) -> list[str]:
    """Why a plan does not meet every target, one line per reason (empty when it does):
    demand no shift can serve, channels below target over the horizon, cells short in the
    fresh-seed verdict (with their volume and times) and a binding ``max_agents``."""
    horizon = Horizon.of(plan.scenario)
    lines = describe_unserved(plan.unserved, plan.requirements, horizon, plan.bot_levels)
    for name, kpi in plan.verified.summary["channels"].items():
        if not kpi["met"]:
            level = kpi["service_level"]["mean"]
            shown = "undefined" if level is None else f"{100 * level:.1f} %"
            lines.append(
                f"channel '{name}': service level {shown} over the horizon, target "
                f"{100 * kpi['target']['share']:.0f} %"
            )
    mode = plan.scenario.optimizer.targets
    lines += describe_misses(plan.verified_shorts, plan.verified, horizon, mode)
    if plan.undecided:
        replications = plan.verified.summary["replications"]
        what = f"undecided after {replications} replications against target"
        lines += describe_misses(plan.undecided, plan.verified, horizon, mode, what)
        lines.append(
            f"{len(plan.undecided)} cells undecided: neither shown short nor shown less than "
            f"3 points below target; they may meet it: more replications "
            f"([optimizer.verify] max_replications) would decide them (plan.json verification)"
        )
    if plan.capacity_bound:
        lines += [
            n.replace(":\n", ": ").replace("\n", "; ")
            for n in plan.notes
            if "exceed max_agents" in n or "exceeds max_agents" in n
        ]
    return lines


def verdict_line(plan: Plan) -> str:
    """The verdict's figures in one line: shares of cells and of volume below target -
    tolerance with their confidence interval; the probability, at least, that a cell 3 points
    below target fails the check; the power of the per-cell test to call such a cell short
    outright, and how often a cell on its target is shown good, for the weakest line; the
    undecided cells."""
    tolerance = plan.scenario.optimizer.verify.tolerance
    confidence = plan.scenario.optimizer.verify.confidence
    every = plan.below_target.get("all", {})
    parts = []
    for kind, what in (("cells", "of cells"), ("volume", "of contacts")):
        if kind in every:
            f = every[kind]
            parts.append(
                f"{100 * f['estimate']:.1f} % {what} ({100 * confidence:.0f} % CI "
                f"{100 * f['low']:.1f}-{100 * f['high']:.1f} %)"
            )
    line = f"below target - {100 * tolerance:g} points: " + (", ".join(parts) or "no cells judged")
    power = plan.power
    if power.get("median") is None:
        return line
    effect = f"{100 * power['effect']:g}"
    replications = plan.verified.summary["replications"]
    line += (
        f"; a cell {effect} points below target fails this check with probability >= "
        f"{100 * power.get('caught', confidence):g} %"
    )
    weakest = power.get("weakest")
    near = power.get("near_target", {}).get(weakest, {}) if weakest else {}
    needed = power.get("replications_for_0_8")
    line += (
        f"; called short outright with power {power['median']:.2f} (median, {replications} "
        "replications"
        + (
            f"; {weakest} {near['median']:.2f} over its {near['cells']} cells near target"
            if near
            else ""
        )
        + (f"; 0.8 needs about {needed}" if needed else "")
        + ")"
    )
    on_target = power.get("pass_on_target", {}).get(weakest) if weakest else None
    if on_target is not None:
        line += (
            f"; {weakest} cells on their target are shown within {effect} points with "
            f"probability {on_target:.2f}"
        )
    undecided = power.get("undecided", {}).get("cells", 0)
    if undecided:
        line += (
            f"; {undecided} cells undecided (neither shown short nor shown within "
            f"{effect} points of target)"
        )
    return line
