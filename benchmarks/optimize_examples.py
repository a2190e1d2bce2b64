"""Whole ``optimize`` runs on the example scenarios: wall time, iterations, costs, verdict.

Run with ``.venv/bin/python -m benchmarks.optimize_examples`` (about 6 minutes on 2 cores;
not part of ``python -m benchmarks``). Goal (issue 3): a whole optimize of global-retail within
10 minutes on this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

from optimizer.plan.loop import OptimizeError, optimize
from optimizer.plan.summary import plan_json, plan_timings
from scenarios.loader import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("small-shop", "global-retail")


def run(name: str, workers: int = 2) -> dict[str, object]:
    """Optimize one example scenario and return the figures."""
    scenario = load(ROOT / "scenarios" / f"{name}.toml")
    began = time.perf_counter()
    try:
        plan = optimize(scenario, workers=workers)
    except OptimizeError as error:
        return {"scenario": name, "error": str(error), "wall_s": time.perf_counter() - began}
    wall = time.perf_counter() - began
    document = plan_json(plan)
    comparison = document["comparison"]
    return {
        "scenario": name,
        "wall_s": round(wall, 1),
        "iterations": len(plan.iterations),
        "solve_s": [round(s, 1) for s in plan_timings(plan)["solve_s"]],
        "bot_levels": plan.bot_levels,
        "hand_roster": comparison["hand_roster"],
        "first_round": comparison["first_round"],
        "corrected_plan": comparison["corrected_plan"],
        "verification": {
            k: v for k, v in document["verification"].items() if k not in ("short", "test")
        },
        "notes": plan.notes,
    }


def main() -> None:
    """Print the figures of every example as JSON lines."""
    print(
        f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    for name in EXAMPLES:
        print(json.dumps(run(name), indent=1, default=str))


if __name__ == "__main__":
    main()
