"""Whole ``optimize`` on global-retail and on larger variants of it: wall time, rounds, solver
time and status per round, cost and verdict.

Run with ``.venv/bin/python -m benchmarks.optimize_scale [VARIANT ...]`` (all seven by default;
each takes up to its ``[optimizer] time_budget``, 20 minutes, on 2 cores). Prints one JSON
document per variant and writes them to ``benchmarks/out/optimize_scale.json``. Goals (issue
10 point 5): a plan (exit 0, or an honest exit 3 with the plan written) within 20 minutes for
every variant; global-retail itself within 3 minutes.

Variants of ``scenarios/global-retail.toml`` (the file is read, changed and written to a
temporary folder; nothing else differs). All but the ``people`` ones plan independent
agent-shifts (``[optimizer] plan = "shifts"``: the file's contracts are ignored):

* ``global-retail``: as it is (3 sites, 7 days, 30-minute intervals);
* ``6-sites``: three more sites (Lisbon, Krakow, Mexico City), with their own costs, languages
  and ``max_agents``;
* ``15-minutes``: 15-minute intervals;
* ``28-days``: four weeks (the volumes are per week, so four times the contacts);
* ``6-sites-28-days-15-minutes-2x``: all three at once with twice the volume;
* ``people``: people on weekly tours under two contracts (``CONTRACTS``), issue 11;
* ``people-28-days``: the same over four weeks (3 sites, 30-minute intervals: issue 11's
  "4-week, 3-site, 30-minute horizon with contracts within 20 minutes").
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from optimizer.plan.loop import OptimizeError, optimize
from optimizer.plan.summary import plan_json
from scenarios.loader import load

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "scenarios" / "global-retail.toml"
OUT = Path(__file__).resolve().parent / "out" / "optimize_scale.json"

MORE_SITES = (
    {
        "name": "lisbon",
        "timezone": "Europe/Lisbon",
        "skills": ["voice", "chat", "email", "social"],
        "languages": ["en", "pt"],
        "hourly_cost": 19.0,
        "night": {"from": "22:00", "to": "06:00", "premium": 0.25},
        "weekend_premium": 0.15,
        "absenteeism": 0.05,
        "offline_share": 0.05,
        "max_agents": 50,
    },
    {
        "name": "krakow",
        "timezone": "Europe/Warsaw",
        "skills": ["voice", "chat", "email"],
        "languages": ["en"],
        "hourly_cost": 17.0,
        "night": {"from": "22:00", "to": "06:00", "premium": 0.25},
        "weekend_premium": 0.15,
        "absenteeism": 0.05,
        "offline_share": 0.05,
        "max_agents": 50,
    },
    {
        "name": "mexico",
        "timezone": "America/Mexico_City",
        "skills": ["voice", "chat", "social"],
        "languages": ["en"],
        "hourly_cost": 14.0,
        "night": {"from": "21:00", "to": "06:00", "premium": 0.30},
        "weekend_premium": 0.10,
        "absenteeism": 0.07,
        "offline_share": 0.05,
        "max_agents": 50,
    },
)


def _six_sites(raw: dict[str, Any]) -> None:
    raw["sites"] = [*raw["sites"], *MORE_SITES]


def _fifteen_minutes(raw: dict[str, Any]) -> None:
    raw["scenario"]["interval"] = "15m"


def _four_weeks(raw: dict[str, Any]) -> None:
    raw["scenario"]["days"] = 28


def _twice_the_volume(raw: dict[str, Any]) -> None:
    for channel in raw["channels"]:
        channel["volume"]["count"] *= 2


CONTRACTS = (
    {
        "name": "full-time",
        "shifts": ["full-8h"],
        "days_per_week": 5,
        "hours_per_week": {"max": "40h"},
        "min_rest": "11h",
        "weekends_off": {"every": 3},
    },
    {
        "name": "part-time",
        "shifts": ["part-4h"],
        "days_per_week": 4,
        "days_off": "any",
        "hours_per_week": {"max": "20h"},
    },
)
"""A planner's contracts for global-retail: full-time 5 x 8 h with two consecutive days off,
11 h rest and a weekend off every 3 weeks; part-time 4 x 4 h on weekdays."""


def _people(raw: dict[str, Any]) -> None:
    raw["contracts"] = [dict(c) for c in CONTRACTS]


def _agent_shifts(raw: dict[str, Any]) -> None:
    """Independent agent-shifts: the file's contracts are ignored (``[optimizer] plan``)."""
    raw["optimizer"]["plan"] = "shifts"


VARIANTS: dict[str, tuple[Callable[[dict[str, Any]], None], ...]] = {
    "global-retail": (_agent_shifts,),
    "6-sites": (_agent_shifts, _six_sites),
    "15-minutes": (_agent_shifts, _fifteen_minutes),
    "28-days": (_agent_shifts, _four_weeks),
    "6-sites-28-days-15-minutes-2x": (
        _agent_shifts,
        _six_sites,
        _four_weeks,
        _fifteen_minutes,
        _twice_the_volume,
    ),
    "people": (_people,),
    "people-28-days": (_people, _four_weeks),
}


def variant(name: str, folder: Path) -> Path:
    """Write the variant ``name`` of global-retail into ``folder`` and return its path."""
    raw = tomllib.loads(SOURCE.read_text())
    for change in VARIANTS[name]:
        change(raw)
    raw["scenario"]["name"] = name
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def run(name: str, workers: int = 2) -> dict[str, Any]:
    """Optimize one variant and return its figures."""
    with tempfile.TemporaryDirectory() as folder:
        scenario = load(variant(name, Path(folder)))
    began = time.perf_counter()
    try:
        plan = optimize(scenario, workers=workers)
    except OptimizeError as error:
        return {"variant": name, "error": str(error), "wall_s": time.perf_counter() - began}
    wall = time.perf_counter() - began
    document = plan_json(plan)
    verification = document["verification"]
    return {
        "variant": name,
        "wall_s": round(wall, 1),
        "time_budget_s": scenario.optimizer.time_budget,
        "rounds": [
            {
                "status": i.solution.status if i.solution else None,
                "solve_s": round(i.solution.solve_s, 1) if i.solution else None,
                "gap": i.solution.mip_gap if i.solution else None,
                "message": i.solution.message if i.solution else None,
                "cost": round(i.cost, 2),
                "simulated_cost": round(i.simulated_cost, 2),
                "cells_short": len(i.shorts),
                "cells_judged": i.judged_cells,
            }
            for i in plan.iterations
        ],
        "people": (document.get("people") or [None])[-1],
        "kept_round": plan.chosen + 1,
        "kept_cost": round(plan.iterations[plan.chosen].cost, 2),
        "meets_targets": plan.meets_targets,
        "exit_code": 0 if plan.meets_targets else 3,
        "unserved": len(plan.unserved),
        "below_target": verification.get("below_target"),
        "verification_batches": verification.get("batches"),
        "undecided": len(verification.get("undecided", [])),
        "power_near_target": (verification.get("power") or {}).get("near_target"),
        "pass_on_target": (verification.get("power") or {}).get("pass_on_target"),
        "notes": plan.notes,
    }


def main(argv: list[str]) -> None:
    """Run the variants named in ``argv`` (all by default) and print their figures."""
    names = argv or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    header = (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    print(f"# {header}", flush=True)
    found = []
    for name in names:
        figures = run(name)
        found.append(figures)
        print(json.dumps(figures, indent=1, default=str), flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"machine": header, "variants": found}, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
