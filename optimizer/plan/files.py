"""The optimizer's own files: ``roster.csv``, ``optimized.toml``, ``plan.json`` and
``requirements.csv`` and ``costs.csv``."""

from __future__ import annotations

import copy
import io
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from optimizer.blending.cells import site_agents
from optimizer.plan.outcome import Plan
from optimizer.plan.summary import plan_json
from optimizer.tours.tables import people_table, schedule_table
from scenarios.schema import RosterRow
from scenarios.timeline import Horizon
from scenarios.units import format_time_of_day
from simulation.output import json_text


def _days(row: RosterRow) -> Any:
    return list(row.days) if isinstance(row.days, tuple) else row.days


SCHEDULE_FILE = "schedule.csv"
"""The people plan's schedule, beside ``optimized.toml`` (which names it)."""


def roster_csv(rows: tuple[RosterRow, ...]) -> str:
    """The roster in the CSV form of docs/roster.md (days as ``mon tue`` or a date)."""
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
    if plan.scenario.schedule_rows:  # people: their schedule, which simulate reads
        document.pop("roster", None)
        document["schedule"] = SCHEDULE_FILE
    else:
        document.pop("schedule", None)
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


REQUIREMENT_COLUMNS: dict[str, str] = {
    "interval_start": "interval start, ISO 8601 UTC",
    "interval_start_local": "interval start on the planning clock, ISO 8601 with offset",
    "channel": "channel",
    "group": "customer language group",
    "site": "a site that may serve the group (empty when none does)",
    "analytic": "the group's analytic requirement at the chosen bot level: productive agents "
    "(real time: Erlang A/C or the chat model, the group alone) or work arriving "
    "[agent-intervals] (email, social); the same on each site row",
    "raise": "what the kept plan's requirement adds to it: for a real-time group, the blending "
    "requirement (productive agents at the group's sites together, whatever they answer) less "
    "the analytic one; for email, social and daily targets, the correction loop's raise",
    "planned": "productive agents of this site in the kept plan: all of them for a real-time "
    "group (they answer every queue they may), the MILP's allocation to the group for email "
    "and social or with daily targets",
    "service_level": "the group's simulated mean service level on the fresh seed (real time), "
    "or the channel's (email, social); empty without contacts",
}
"""The columns of ``requirements.csv``, one row per interval, channel, group and site."""


def requirements_table(plan: Plan) -> pd.DataFrame:
    """Staffing against requirement for the kept plan (``REQUIREMENT_COLUMNS``)."""
    kept = plan.iterations[plan.chosen]
    solution = kept.solution
    allocation = {} if solution is None else solution.allocation
    req = plan.requirements
    horizon = Horizon.of(plan.scenario)
    n = horizon.n_intervals
    utc = horizon.interval_starts_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = [t.isoformat() for t in horizon.interval_starts_local]
    table = req.table
    groups = plan.verified.groups.set_index(["channel", "group", "cell"])["mean"]
    cells = plan.verified.cells
    channel_level = cells[cells["scope"] == "interval"].set_index(["channel", "cell"])["mean"]
    floors = (
        {}
        if kept.capacity is None
        else {(f.sites, f.interval): f.agents for f in kept.capacity.floors}
    )
    names = tuple(s.name for s in plan.scenario.sites)
    coverage = {c.name: (c.site, c.coverage) for c in plan.columns}
    agents = site_agents(names, n, coverage, {} if solution is None else solution.agents)
    frames = []
    for (channel, group), sites in req.sites.items():
        option = plan.bot_levels.get(channel, req.options[channel][0])
        asynchronous = channel in req.windows
        blended = kept.capacity is not None and not asynchronous
        mine = table[
            (table["channel"] == channel) & (table["group"] == group) & (table["option"] == option)
        ]
        analytic = np.zeros(n)
        values = mine["work_agents" if asynchronous else "agents"].to_numpy(float)
        analytic[mine["interval"].to_numpy(int)] = values
        if blended:
            required = np.array([floors.get((tuple(sites), t), 0.0) for t in range(n)])
            raised = np.where(required > 0, required - analytic, 0.0)
        else:
            raised = np.array([kept.adjust.get((channel, group, t), 0.0) for t in range(n)])
        if asynchronous:
            level = [channel_level.get((channel, t), np.nan) for t in range(n)]
        else:
            level = [groups.get((channel, group, t), np.nan) for t in range(n)]
        for site in sites or ("",):
            if blended and site:
                planned = agents[names.index(site)]
            else:
                planned = np.array(
                    [allocation.get((site, channel, group, t), 0.0) for t in range(n)]
                )
            frames.append(
                pd.DataFrame(
                    {
                        "interval_start": utc,
                        "interval_start_local": local,
                        "channel": channel,
                        "group": group,
                        "site": site,
                        "analytic": np.round(analytic, 4),
                        "raise": np.round(raised, 4),
                        "planned": np.round(planned, 4),
                        "service_level": np.round(np.asarray(level, float), 4),
                    }
                )
            )
    columns = list(REQUIREMENT_COLUMNS)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


COST_COLUMNS: dict[str, str] = {
    "site": "site (empty for a bot)",
    "shift": "shift template, or bot:<channel> for a channel's bot",
    "day": "site-local date the shifts start on (ISO 8601)",
    "agents": "agents scheduled on such shifts that day (bot: the containment chosen)",
    "cost": "expected cost [currency]: paid hours with premiums, absent agents unpaid, as the "
    "MILP priced them; bot: sessions x cost per session over the horizon",
}
"""The columns of ``costs.csv``: where the kept plan's money goes."""


def cost_table(plan: Plan) -> pd.DataFrame:
    """The kept plan's cost by site, template and day, then one row per bot (``COST_COLUMNS``);
    the rows sum to the plan's MILP objective (``plan.json`` ``objective.total``)."""
    solution = plan.iterations[plan.chosen].solution
    rows: dict[tuple[str, str, str], list[float]] = {}
    if solution is not None:
        for column in plan.columns:
            count = solution.agents.get(column.name, 0)
            if count:
                day = "" if column.day is None else column.day.isoformat()
                entry = rows.setdefault((column.site, column.shift, day), [0.0, 0.0])
                entry[0] += count
                entry[1] += count * column.cost
    records = [
        {"site": site, "shift": shift, "day": day, "agents": int(a), "cost": round(c, 2)}
        for (site, shift, day), (a, c) in sorted(rows.items())
    ]
    for channel, level in sorted(plan.bot_levels.items()):
        cost = plan.requirements.bot_costs.get(channel, {}).get(level, 0.0)
        records.append(
            {
                "site": "",
                "shift": f"bot:{channel}",
                "day": "",
                "agents": level,
                "cost": round(cost, 2),
            }
        )
    return pd.DataFrame(records, columns=list(COST_COLUMNS))


def plan_files(raw: dict[str, Any], plan: Plan) -> dict[str, bytes]:
    """File name -> content of the optimizer's files for the run folder; a plan of people
    adds ``schedule.csv`` (which ``optimized.toml`` names) and ``people.csv``."""
    files = {
        "roster.csv": roster_csv(plan.roster).encode(),
        "optimized.toml": optimized_toml(raw, plan).encode(),
        "plan.json": json_text(plan_json(plan)).encode(),  # strict JSON: NaN -> null
        "requirements.csv": requirements_table(plan).to_csv(index=False).encode(),
        "costs.csv": cost_table(plan).to_csv(index=False).encode(),
    }
    rows = plan.scenario.schedule_rows
    if rows:
        files[SCHEDULE_FILE] = schedule_table(plan.scenario, rows).to_csv(index=False).encode()
        files["people.csv"] = people_table(plan.scenario, rows).to_csv(index=False).encode()
    return files
