"""The optimizer's own files: ``roster.csv``, ``optimized.toml`` and ``plan.json``."""

from __future__ import annotations

import copy
import io
from typing import Any

import pandas as pd
import tomli_w

from optimizer.plan.loop import Plan
from optimizer.plan.summary import plan_json
from scenarios.schema import RosterRow
from scenarios.units import format_time_of_day
from simulation.output import json_text


def _days(row: RosterRow) -> Any:
    return list(row.days) if isinstance(row.days, tuple) else row.days


def roster_csv(rows: tuple[RosterRow, ...]) -> str:
    """The roster in the CSV format of SPEC section 2.7 (days as ``mon tue`` or a date)."""
    table = pd.DataFrame(
        {
            "site": [r.site for r in rows],
            "shift": [r.shift for r in rows],
            "start": [format_time_of_day(r.start) for r in rows],
            "days": [
                " ".join(r.days) if isinstance(r.days, tuple) else r.days.isoformat() for r in rows
            ],
            "agents": [r.agents for r in rows],
        }
    )
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue()


def optimized_toml(raw: dict[str, Any], plan: Plan) -> str:
    """The input document with the roster and bot levels filled in, and ``[run]`` set to the
    verification seed and replications, so that ``workbench simulate`` reproduces them."""
    document = copy.deepcopy(raw)
    run = dict(document.get("run", {}))
    run.update(seed=plan.fresh_seed, replications=plan.scenario.run.replications)
    document["run"] = run
    for channel in document.get("channels", []):
        if channel.get("name") in plan.bot_levels and isinstance(channel.get("bot"), dict):
            channel["bot"]["containment"] = plan.bot_levels[channel["name"]]
    document["roster"] = [
        {
            "site": r.site,
            "shift": r.shift,
            "start": format_time_of_day(r.start),
            "days": _days(r),
            "agents": r.agents,
        }
        for r in plan.roster
    ]
    header = (
        f"# Optimized by `workbench optimize`: roster and bot levels chosen by the MILP and\n"
        f"# verified by simulation on seed {plan.fresh_seed}.\n"
    )
    return header + tomli_w.dumps(document)


def plan_files(raw: dict[str, Any], plan: Plan) -> dict[str, bytes]:
    """File name -> content of the optimizer's files for the run folder."""
    return {
        "roster.csv": roster_csv(plan.roster).encode(),
        "optimized.toml": optimized_toml(raw, plan).encode(),
        "plan.json": json_text(plan_json(plan)).encode(),  # strict JSON: NaN -> null
    }
