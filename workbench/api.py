"""The Python API for notebooks: load a scenario, change it in code, simulate, optimize, compare.

Every modifier returns a new, validated ``Scenario`` and leaves its input (and the file) alone::

    from workbench import api

    shop = api.load("scenarios/small-shop.toml")
    busier = api.scale_volume(shop, 1.1)              # 10 % more contacts on every channel
    one_more = api.add_agents(shop, 0)                # one more agent on roster row 0
    result = api.compare({"today": shop, "busier": busier, "one more": one_more},
                         replications=5)
    result.table                                      # tidy DataFrame, see ComparisonResult

A modified scenario goes through the same validation as a file: it is written back to its TOML
form (durations as ``"330s"``, times of day as ``"HH:MM"``), checked across tables
(``scenarios.checks.check_raw``) and validated by the pydantic schema. A change the format does
not allow (a containment above 1, absenteeism doubled past 1, a negative agent count) raises
``ScenarioError`` naming the key and the value, as ``workbench validate`` would. Arguments that
name nothing in the scenario (an unknown channel, site or roster row) raise ``ValueError``.

Tables (pandas DataFrames) and their units:

- ``Results.intervals``: one row per interval and channel line, columns
  ``simulation.results.INTERVAL_COLUMNS`` (``interval_start`` ISO 8601 UTC,
  ``interval_start_local``, ``channel``; means over replications of ``arrived``, ``contained``,
  ``offered``, ``answered``, ``abandoned``, ``answered_within``, ``backlog_end`` [contacts],
  ``service_level`` with ``service_level_ci_low``/``_ci_high`` [share 0..1, empty when nothing
  is offered], ``asa_s`` and ``wait_p90_s`` [s], ``abandon_rate`` and ``occupancy``
  [share 0..1], ``agents_on_duty`` [agents]).
- ``Results.daily``: the same by planning-clock day (``day`` index, ``date``), plus ``p_meet``
  (share of replications meeting the target that day).
- ``Results.replications``: one row per replication and channel line, whole-horizon figures
  (same columns as ``intervals`` without the intervals, plus ``bot_cost`` [currency]).
- ``Results.sites``: one row per replication and site: ``paid_hours``, ``available_hours``,
  ``busy_hours``, ``overtime_hours`` [h], ``occupancy`` [share], ``absent_shifts``
  [agent-shifts], ``labor_cost`` [currency].
- ``kpis(results)``, ``costs(results)``, ``roster(scenario)``, ``iterations(plan)``: see each.
- ``ComparisonResult.table``: see ``workbench.compare.ComparisonResult``.

``show(frame)`` displays any of these tables formatted (percent, seconds, money, hours) without
changing its numbers: see ``workbench.formatting``.

Costs are in the currency of the sites' ``hourly_cost``, over the whole planning horizon.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from optimizer.plan.loop import OptimizeError, Plan, UnsupportedPlan
from optimizer.plan.loop import optimize as run_optimizer
from optimizer.tours.tables import people_table, schedule_table
from scenarios.loader import load as load_file
from scenarios.problems import ScenarioError
from scenarios.schema import Scenario
from scenarios.units import format_time_of_day
from simulation import simulate as run_simulation
from simulation.results import Results
from workbench.compare import (
    COMPARISON_COLUMNS,
    ComparisonResult,
    HorizonMismatch,
    run_comparison,
)
from workbench.forecast_api import ForecastRun, example_history, forecast, use_forecast
from workbench.formatting import show
from workbench.whatif import (
    _days_text,
    add_agents,
    document,
    row_index,
    scale_handle_time,
    scale_volume,
    set_absenteeism,
    set_bot,
    set_people,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "ComparisonResult",
    "ForecastRun",
    "HorizonMismatch",
    "OptimizeError",
    "Plan",
    "Results",
    "Scenario",
    "ScenarioError",
    "UnsupportedPlan",
    "add_agents",
    "compare",
    "costs",
    "document",
    "example_history",
    "forecast",
    "iterations",
    "kpis",
    "load",
    "optimize",
    "people",
    "plans",
    "roster",
    "row_index",
    "scale_handle_time",
    "scale_volume",
    "schedule",
    "set_absenteeism",
    "set_bot",
    "set_people",
    "show",
    "simulate",
    "use_forecast",
]


# ------------------------------------------------------------------------------------------
# Loading


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ``ScenarioError`` listing every problem."""
    return load_file(path)


# ------------------------------------------------------------------------------------------
# Running


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
) -> Results:
    """Simulate ``scenario``: ``Results`` with the tables of this module's docstring.

    ``replications`` and ``seed`` default to the scenario's ``[run]``; the same scenario and
    seed give identical results whatever ``workers`` (parallel processes).
    """
    return run_simulation(scenario, replications=replications, seed=seed, workers=workers)


def optimize(
    scenario: Scenario,
    workers: int = 1,
    max_iterations: int | None = None,
    plan: Literal["people", "shifts"] | None = None,
) -> Plan:
    """The cheapest roster and bot levels meeting every target, verified by simulation.

    ``max_iterations`` limits the simulate-and-correct rounds (default ``[optimizer]``; 1-2
    keeps a notebook quick); ``plan`` overrides ``[optimizer] plan`` (``"people"`` on weekly
    tours under the contracts, ``"shifts"`` independent agent-shifts). The ``Plan`` has
    ``scenario`` (the input with the optimized roster and bot levels, its ``[run]`` set to the
    verification seed), ``roster``, ``bot_levels``
    (containment [share] by channel), ``verified`` (``Results`` on a fresh seed),
    ``meets_targets``, ``capacity_bound`` (the sites' ``max_agents`` bind) and ``notes``; see
    ``iterations(plan)`` and ``roster(plan.scenario)``. The best plan found is always
    returned: with ``max_agents`` binding (``capacity_bound``), and with demand no shift can
    serve (a language nobody speaks, hours no template covers) planned around and listed in
    ``plan.unserved``. ``OptimizeError`` only when the solver finds no plan in the first round;
    ``UnsupportedPlan`` (a ``ValueError``) before any work when the people of its
    ``[[contracts]]`` cannot be planned (a horizon that is not whole weeks). With contracts,
    ``plan.scenario.schedule_rows`` holds the people's schedule.
    """
    return run_optimizer(scenario.planning(plan), workers=workers, max_iterations=max_iterations)


def compare(
    scenarios: Mapping[str, Scenario] | Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    confidence: float = 0.95,
    executor: str = "local",
    address: str | None = None,
) -> ComparisonResult:
    """Simulate every option on the same random streams and compare each with the first.

    ``scenarios``: a mapping label -> scenario (the first is the baseline), or a list labelled
    by scenario name (``-2``, ``-3`` appended to repeated names). ``replications`` and ``seed``
    default to the first option's ``[run]``. Returns a ``ComparisonResult``: ``table`` is
    one row per option, channel and KPI with ``mean``, ``ci_low``, ``ci_high`` and the paired
    difference from the baseline ``diff``, ``diff_ci_low``, ``diff_ci_high`` (Student-t over
    replications at ``confidence``); KPIs ``service_level``, ``abandon_rate``, ``occupancy``
    [share 0..1] and ``asa_s`` [s] per channel, ``labor_cost``, ``bot_cost``, ``total_cost``
    [currency over the horizon] for channel ``"all"``. ``wide()``, ``differences``, ``values``
    (per replication) and ``results`` (each option's ``Results``) give other views. Options
    planning another horizon than the first raise ``HorizonMismatch`` (a ``ValueError``).
    ``workers``, ``executor`` (``"local"`` or ``"dask"``) and ``address`` (Dask scheduler) say
    where replications run; the figures do not depend on them.
    """
    if isinstance(scenarios, Mapping):
        options = dict(scenarios)
    else:
        options = {}
        for scenario in scenarios:
            label, k = scenario.scenario.name, 1
            while label in options:
                k += 1
                label = f"{scenario.scenario.name}-{k}"
            options[label] = scenario
    return run_comparison(
        options,
        replications=replications,
        seed=seed,
        workers=workers,
        confidence=confidence,
        executor=executor,
        address=address,
    )


# ------------------------------------------------------------------------------------------
# Tables


def kpis(results: Results) -> pd.DataFrame:
    """Whole-horizon KPIs, one row per channel line (means over replications).

    Columns: ``channel``; ``offered`` [contacts reaching agents]; ``service_level``,
    ``service_level_ci_low``, ``service_level_ci_high`` [share 0..1, 95 % Student-t];
    ``target_share`` [share]; ``target_within_s`` [s]; ``met`` (mean service level >= target
    share); ``asa_s`` [s]; ``abandon_rate`` [share]; ``occupancy`` [share].
    """
    rows = []
    for name, kpi in results.summary["channels"].items():
        low, high = kpi["service_level"]["ci95"]
        rows.append(
            {
                "channel": name,
                "offered": kpi["offered"],
                "service_level": kpi["service_level"]["mean"],
                "service_level_ci_low": low,
                "service_level_ci_high": high,
                "target_share": kpi["target"]["share"],
                "target_within_s": kpi["target"]["within_s"],
                "met": kpi["met"],
                "asa_s": kpi["asa_s"],
                "abandon_rate": kpi["abandon_rate"],
                "occupancy": kpi["occupancy"],
            }
        )
    return pd.DataFrame(rows).astype({"met": bool})


def costs(results: Results) -> pd.DataFrame:
    """Cost over the horizon by component, mean over replications.

    Columns: ``component`` (``labor: <site>`` for each site, then ``labor``, ``bot``,
    ``total``), ``cost`` [currency of ``hourly_cost``], ``paid_hours`` [h] (sites and labour
    only, else NaN).
    """
    summary = results.summary
    rows = [
        {"component": f"labor: {name}", "cost": site["cost"], "paid_hours": site["paid_hours"]}
        for name, site in summary["sites"].items()
    ]
    paid = sum(site["paid_hours"] for site in summary["sites"].values())
    rows.append({"component": "labor", "cost": summary["cost"]["labor"], "paid_hours": paid})
    rows.append({"component": "bot", "cost": summary["cost"]["bot"], "paid_hours": math.nan})
    rows.append({"component": "total", "cost": summary["cost"]["total"], "paid_hours": paid})
    return pd.DataFrame(rows)


def roster(scenario: Scenario) -> pd.DataFrame:
    """The roster, one row per roster row (the index is the row number ``add_agents`` takes).

    Columns: ``site``, ``shift``, ``start`` (``"HH:MM"`` site-local), ``days`` (``"mon tue"``
    or one ISO date), ``agents`` [agents on each of these shifts], ``paid_hours`` [h paid per
    agent-shift].
    """
    return pd.DataFrame(
        [
            {
                "site": r.site,
                "shift": r.shift,
                "start": format_time_of_day(r.start),
                "days": _days_text(r),
                "agents": r.agents,
                "paid_hours": scenario.shift(r.shift).paid_s / 3600,
            }
            for r in scenario.roster
        ],
        columns=["site", "shift", "start", "days", "agents", "paid_hours"],
    )


def iterations(plan: Plan) -> pd.DataFrame:
    """The optimizer's simulate-and-correct rounds, one row each (``hand roster`` first when
    the scenario had one, simulated the same way).

    Columns: ``iteration`` (-1 for the hand roster), ``status`` (solver status), ``objective``
    [currency, MILP labour + bot], ``cost`` [currency, the plan's expected cost: shifts priced
    with premiums, absent agents unpaid, bot sessions], ``simulated_cost`` [currency, mean
    total over the scenario-seed replications], ``cells_short`` (channel x interval or day
    cells significantly below target), ``cells_judged``, ``missed_share`` [share of judged
    cells short].
    """
    rounds = ([plan.hand] if plan.hand is not None else []) + list(plan.iterations)
    return pd.DataFrame(
        [
            {
                "iteration": it.number,
                "status": "hand roster" if it.solution is None else it.solution.status,
                "objective": math.nan if it.solution is None else it.solution.objective,
                "cost": it.cost,
                "simulated_cost": it.simulated_cost,
                "cells_short": len(it.shorts),
                "cells_judged": it.judged_cells,
                "missed_share": it.missed_share,
            }
            for it in rounds
        ],
        columns=[
            "iteration",
            "status",
            "objective",
            "cost",
            "simulated_cost",
            "cells_short",
            "cells_judged",
            "missed_share",
        ],
    )


def people(plan: Plan) -> pd.DataFrame:
    """Headcount of a plan of people (``[[contracts]]``): one row per site and contract, then
    the total (``people.csv``; columns in ``optimizer.tours.tables.people_table``: people,
    existing, hires, releases, FTE, paid hours per person per week [h], nights and weekend days
    per person, cost [currency]). Empty for a plan of agent-shifts."""
    rows = plan.scenario.schedule_rows
    return people_table(plan.scenario, rows) if rows else pd.DataFrame()


def schedule(plan: Plan) -> pd.DataFrame:
    """The people's schedule of a plan (``schedule.csv``): one row per person and working date
    with site, contract, site-local date, shift, start and end, paid hours [h] and night and
    weekend flags. Empty for a plan of agent-shifts."""
    rows = plan.scenario.schedule_rows
    return schedule_table(plan.scenario, rows) if rows else pd.DataFrame()


def plans(options: Mapping[str, Plan]) -> pd.DataFrame:
    """The verdict and head count of several plans side by side, one row per option (label ->
    plan): ``people``, ``hires``, ``releases`` and ``fte`` (the ``all`` row of ``people``;
    missing for a plan of agent-shifts), ``bot_<channel>`` (containment, a share),
    ``cost`` [currency, the plan's expected cost], ``meets_targets`` (the fresh-seed
    verdict) and ``capacity_bound`` (True where ``max_agents`` or ``people.max``, not the
    targets, stopped the optimizer)."""
    records = []
    for label, plan in options.items():
        record: dict[str, object] = {"option": label}
        heads = people(plan)
        total = (
            heads[(heads["site"] == "all") & (heads["contract"] == "all")] if len(heads) else heads
        )
        for column in ("people", "hires", "releases", "fte"):
            record[column] = total[column].iloc[0] if len(total) else math.nan
        for channel, level in plan.bot_levels.items():
            record[f"{channel}_bot_share"] = level
        record["cost"] = plan.cost
        record["meets_targets"] = plan.meets_targets
        record["capacity_bound"] = plan.capacity_bound
        records.append(record)
    return pd.DataFrame(records).set_index("option")
