"""Whole ``optimize`` runs on the example scenarios: wall time, iterations, costs, verdict.

Run with ``.venv/bin/python -m benchmarks.optimize_examples`` (about 8 minutes on 2 cores;
not part of ``python -m benchmarks``). Goals: a whole optimize of global-retail within 10 minutes
on this machine (issue 3), with people on tours within 5 minutes (issue 11); the price of
workable tours is global-retail's people plan against the same file planned as agent-shifts
(``plan = "shifts"``, the contracts ignored).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Literal

from optimizer.plan.loop import OptimizeError, optimize
from optimizer.plan.summary import plan_json, plan_timings
from scenarios.loader import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES: tuple[tuple[str, Literal["people", "shifts"] | None], ...] = (
    ("small-shop", None),
    ("global-retail", None),
    ("global-retail", "shifts"),
)
"""(scenario, ``[optimizer] plan`` override): the library files plan people (their contracts)."""


def run(
    name: str, planning: Literal["people", "shifts"] | None = None, workers: int = 2
) -> dict[str, object]:
    """Optimize one example scenario (planning ``planning``, default the file's) and return
    the figures."""
    scenario = load(ROOT / "scenarios" / f"{name}.toml").planning(planning)
    began = time.perf_counter()
    try:
        plan = optimize(scenario, workers=workers)
    except OptimizeError as error:
        return {"scenario": name, "error": str(error), "wall_s": time.perf_counter() - began}
    wall = time.perf_counter() - began
    document = plan_json(plan)
    comparison = document["comparison"]
    head = document.get("people") or []
    return {
        "scenario": name,
        "plan": scenario.effective_plan(),
        "wall_s": round(wall, 1),
        "people": head[-1] if head else None,
        "meets_targets": plan.meets_targets,
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
    for name, plan in EXAMPLES:
        print(json.dumps(run(name, plan), indent=1, default=str), flush=True)


if __name__ == "__main__":
    main()
