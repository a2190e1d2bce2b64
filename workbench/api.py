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

Costs are in the currency of the sites' ``hourly_cost``, over the whole planning horizon.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic.fields import FieldInfo

from optimizer.plan.loop import OptimizeError, Plan, UnsupportedPlan
from optimizer.plan.loop import optimize as run_optimizer
from scenarios.checks import check_raw, item_label
from scenarios.loader import load as load_file
from scenarios.problems import Problem, ScenarioError
from scenarios.schema import RosterRow, Scenario
from scenarios.units import format_duration, format_time_of_day, parse_duration, parse_time_of_day
from simulation import simulate as run_simulation
from simulation.results import Results
from workbench.compare import (
    COMPARISON_COLUMNS,
    ComparisonResult,
    HorizonMismatch,
    run_comparison,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "ComparisonResult",
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
    "iterations",
    "kpis",
    "load",
    "optimize",
    "roster",
    "row_index",
    "scale_handle_time",
    "scale_volume",
    "set_absenteeism",
    "set_bot",
    "simulate",
]


# ------------------------------------------------------------------------------------------
# Loading and validating


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ``ScenarioError`` listing every problem."""
    return load_file(path)


def _parser(field: FieldInfo) -> Callable[[object], Any] | None:
    """``parse_duration`` or ``parse_time_of_day`` if the field holds that unit, else None."""
    found: list[Any] = list(field.metadata)
    stack: list[Any] = [field.annotation]
    while stack:
        annotation = stack.pop()
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            found.extend(args[1:])
            stack.append(args[0])
        else:
            stack.extend(args)
    for item in found:
        if isinstance(item, BeforeValidator) and item.func in (parse_duration, parse_time_of_day):
            return item.func
    return None


def _duration_text(seconds: float) -> str:
    """A duration string the loader reads back, exact to the microsecond."""
    if float(seconds).is_integer():
        return format_duration(seconds)
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def _raw(value: Any, parser: Callable[[object], Any] | None) -> Any:
    if isinstance(value, BaseModel):
        return document(value)
    if isinstance(value, tuple | list):
        return [_raw(item, parser) for item in value]
    if isinstance(value, dict):
        return {key: _raw(item, parser) for key, item in value.items()}
    if parser is parse_duration and isinstance(value, int | float):
        return _duration_text(float(value))
    if parser is parse_time_of_day and isinstance(value, int):
        return format_time_of_day(value)
    return value


def document(model: BaseModel) -> dict[str, Any]:
    """A scenario (or one of its tables) in the form of a parsed TOML file: keys as written
    in the file, durations as strings (``"330s"``), times of day as ``"HH:MM"``, arrays as
    lists, unset optional keys left out. ``Scenario.model_validate(document(s))`` gives ``s``
    back (without the loader's CSV data: forecasts and the roster file name)."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.exclude or value is None:
            continue
        out[field.alias or name] = _raw(value, _parser(field))
    for key, value in (model.model_extra or {}).items():  # a contract's people by site
        out[key] = _raw(value, None)
    return out


def _path_of(loc: Sequence[int | str], raw: dict[str, Any]) -> str:
    """Key path of a pydantic error location, list rows named as the loader names them."""
    node: Any = raw
    parts: list[str] = []
    for key in loc:
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            table = parts.pop() if parts else ""
            parts.append(item_label(table, key, node[key]))
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, str):
            parts.append(key)
            node = node.get(key)
        # anything else is a union member's tag, not a key of the document
    return ".".join(parts) or "(top level)"


def _validated(scenario: Scenario, change: str) -> Scenario:
    """``scenario`` re-validated as a file would be; ``ScenarioError`` names what is wrong."""
    raw = document(scenario)
    source = f"{scenario.scenario.name} ({change})"
    problems: list[Problem] = []

    def report(path: str, message: str, value: Any) -> None:
        problems.append(Problem(source, path, message, value))

    check_raw(raw, report, warn=lambda *_: None)
    checked: Scenario | None = None
    try:
        checked = Scenario.model_validate(raw)
    except ValidationError as error:
        errors = error.errors()
        for item in errors:
            loc = item["loc"]
            if item["type"] == "too_short" and any(
                len(other["loc"]) > len(loc) and other["loc"][: len(loc)] == loc for other in errors
            ):
                continue  # a table whose rows failed is not also "too short"
            message = str(item["msg"]).removeprefix("Value error, ")
            message = message.replace("Input should be", "should be")
            path = _path_of(item["loc"], raw)
            value = item.get("input")
            if isinstance(value, dict) or "input" not in item:
                problems.append(Problem(source, path, message))
            else:
                problems.append(Problem(source, path, message, value))
    if problems or checked is None:
        raise ScenarioError(problems)
    return checked.model_copy(
        update={"forecasts": scenario.forecasts, "roster_file": scenario.roster_file}
    )


# ------------------------------------------------------------------------------------------
# Modifiers


def _factor(factor: float, what: str, zero_ok: bool) -> float:
    value = float(factor)
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        bound = ">= 0" if zero_ok else "> 0"
        raise ValueError(f"{what} factor must be a finite number {bound}, got {factor!r}")
    return value


def _names(
    known: Sequence[str], wanted: str | Iterable[str] | None, what: str, scenario: Scenario
) -> list[str]:
    if wanted is None:
        return list(known)
    chosen = [wanted] if isinstance(wanted, str) else list(wanted)
    for name in chosen:
        if name not in known:
            raise ValueError(
                f"{scenario.scenario.name} has no {what} {name!r} ({what}s: {', '.join(known)})"
            )
    return chosen


def scale_volume(
    scenario: Scenario, factor: float, channels: str | Iterable[str] | None = None
) -> Scenario:
    """Multiply the expected contacts of ``channels`` (default: all) by ``factor`` (>= 0).

    A channel with ``volume`` gets ``count x factor``; a channel with a ``forecast`` CSV gets
    every row's volume ``x factor`` (the CSV file is not touched). The demand pattern (weekday
    weights, hourly profile, region shares) is unchanged.
    """
    value = _factor(factor, "volume", zero_ok=True)
    names = _names([c.name for c in scenario.channels], channels, "channel", scenario)
    updated = []
    forecasts = dict(scenario.forecasts)
    for channel in scenario.channels:
        if channel.name in names and channel.volume is not None:
            volume = channel.volume.model_copy(update={"count": channel.volume.count * value})
            channel = channel.model_copy(update={"volume": volume})
        if channel.name in names and channel.name in forecasts:
            rows = forecasts[channel.name]
            forecasts[channel.name] = rows.model_copy(
                update={"volume": tuple(v * value for v in rows.volume)}
            )
        updated.append(channel)
    changed = scenario.model_copy(update={"channels": tuple(updated), "forecasts": forecasts})
    return _validated(changed, f"volume x {value:g}")


def scale_handle_time(
    scenario: Scenario, factor: float, channels: str | Iterable[str] | None = None
) -> Scenario:
    """Multiply the mean handle time of ``channels`` (default: all) by ``factor`` (> 0).

    ``handle_time.mean`` [s] and, for forecast channels, every row's ``aht`` [s] are scaled;
    the coefficient of variation, the bot's escalation factor and the chat slowdown are kept.
    """
    value = _factor(factor, "handle time", zero_ok=False)
    names = _names([c.name for c in scenario.channels], channels, "channel", scenario)
    updated = []
    forecasts = dict(scenario.forecasts)
    for channel in scenario.channels:
        if channel.name in names:
            handle = channel.handle_time.model_copy(
                update={"mean": channel.handle_time.mean * value}
            )
            channel = channel.model_copy(update={"handle_time": handle})
            if channel.name in forecasts:
                rows = forecasts[channel.name]
                aht = tuple(None if a is None else a * value for a in rows.aht_s)
                forecasts[channel.name] = rows.model_copy(update={"aht_s": aht})
        updated.append(channel)
    changed = scenario.model_copy(update={"channels": tuple(updated), "forecasts": forecasts})
    return _validated(changed, f"handle time x {value:g}")


def set_bot(
    scenario: Scenario,
    channel: str,
    containment: float,
    options: Sequence[float] | None = None,
) -> Scenario:
    """Set the bot containment [share 0..1] of ``channel`` (the level simulated).

    ``options``, if given, replaces the levels the optimizer may choose from: pass
    ``[containment]`` to make ``optimize`` plan for exactly this level. The channel must
    already have a ``bot`` table (its time and cost per session come from the file).
    """
    names = _names([c.name for c in scenario.channels], channel, "channel", scenario)
    target = scenario.channel(names[0])
    if target.bot is None:
        raise ValueError(
            f"channel {channel!r} of {scenario.scenario.name} has no bot; add a bot table "
            f"(time, cost_per_session, ...) to the channel in the scenario file first"
        )
    update: dict[str, Any] = {"containment": containment}
    if options is not None:
        update["options"] = tuple(options)
    bot = target.bot.model_copy(update=update)
    channels = tuple(
        c.model_copy(update={"bot": bot}) if c.name == target.name else c for c in scenario.channels
    )
    changed = scenario.model_copy(update={"channels": channels})
    return _validated(changed, f"bot of {channel} at {containment!r}")


RowSelector = int | tuple[str, str, str | int] | Mapping[str, Any]
"""A roster row: its 0-based index, ``(site, shift, start)`` with start ``"HH:MM"``, or a
mapping of any of ``site``, ``shift``, ``start``, ``days`` to match."""


def _match(row: RosterRow, wanted: Mapping[str, Any]) -> bool:
    for key, value in wanted.items():
        if key == "start":
            start = parse_time_of_day(value) if isinstance(value, str) else value
            if row.start != start:
                return False
        elif key == "days":
            days = tuple(value) if isinstance(value, list | tuple) else value
            if row.days != days:
                return False
        elif getattr(row, key) != value:
            return False
    return True


def row_index(scenario: Scenario, row: RowSelector) -> int:
    """The 0-based index of the roster row ``row`` selects (see ``RowSelector``); a selector
    matching no row, or several, raises ``ValueError`` listing the rows (``roster(scenario)``
    shows them)."""
    rows = scenario.roster
    if isinstance(row, bool):
        raise ValueError(f"a roster row is an index or (site, shift, start), got {row!r}")
    if isinstance(row, int):
        if not -len(rows) <= row < len(rows):
            raise ValueError(
                f"{scenario.scenario.name} has {len(rows)} roster rows (0..{len(rows) - 1}), "
                f"not row {row}"
            )
        return row % len(rows)
    if isinstance(row, tuple):
        if len(row) != 3:
            raise ValueError(f"select a roster row as (site, shift, start), got {row!r}")
        wanted: Mapping[str, Any] = dict(zip(("site", "shift", "start"), row, strict=True))
    elif isinstance(row, Mapping):
        unknown = set(row) - {"site", "shift", "start", "days"}
        if unknown:
            raise ValueError(f"roster rows are matched by site, shift, start, days; not {unknown}")
        wanted = row
    else:
        raise ValueError(f"a roster row is an index or (site, shift, start), got {row!r}")
    found = [k for k, r in enumerate(rows) if _match(r, wanted)]
    if len(found) != 1:
        listing = "; ".join(
            f"{k}: {r.site} {r.shift} {format_time_of_day(r.start)} {_days_text(r)}"
            for k, r in enumerate(rows)
        )
        which = "no" if not found else f"{len(found)} ({', '.join(map(str, found))})"
        raise ValueError(
            f"{dict(wanted)} matches {which} roster rows of {scenario.scenario.name}; give "
            f"one row (by index or with days). Rows: {listing}"
        )
    return found[0]


def add_agents(scenario: Scenario, row: RowSelector, n: int = 1) -> Scenario:
    """Put ``n`` more agents (fewer if negative) on one roster row (see ``RowSelector``).

    On the same seed the other options' customers and agents are unchanged (common random
    numbers): only the row's extra agents differ.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"n must be a whole number of agents, got {n!r}")
    index = row_index(scenario, row)
    rows = list(scenario.roster)
    rows[index] = rows[index].model_copy(update={"agents": rows[index].agents + n})
    changed = scenario.model_copy(update={"roster": tuple(rows), "roster_file": None})
    return _validated(changed, f"{n:+d} agents on roster row {index}")


def set_absenteeism(
    scenario: Scenario,
    value: float | None = None,
    *,
    factor: float | None = None,
    sites: str | Iterable[str] | None = None,
) -> Scenario:
    """Set the absenteeism [probability 0..1 that a scheduled agent-shift is absent] of
    ``sites`` (default: all) to ``value``, or multiply it by ``factor`` (give exactly one).

    ``set_absenteeism(s, factor=2)`` doubles it; a result above 1 raises ``ScenarioError``.
    """
    if (value is None) == (factor is None):
        raise ValueError("give exactly one of value and factor")
    names = _names([s.name for s in scenario.sites], sites, "site", scenario)
    scale = None if factor is None else _factor(factor, "absenteeism", zero_ok=True)
    updated = []
    for site in scenario.sites:
        if site.name in names:
            new = site.absenteeism * scale if scale is not None else value
            site = site.model_copy(update={"absenteeism": new})
        updated.append(site)
    changed = scenario.model_copy(update={"sites": tuple(updated)})
    what = f"absenteeism x {scale:g}" if scale is not None else f"absenteeism {value!r}"
    return _validated(changed, what)


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


def optimize(scenario: Scenario, workers: int = 1, max_iterations: int | None = None) -> Plan:
    """The cheapest roster and bot levels meeting every target, verified by simulation.

    ``max_iterations`` limits the simulate-and-correct rounds (default ``[optimizer]``; 1-2
    keeps a notebook quick). The ``Plan`` has ``scenario`` (the input with the optimized roster
    and bot levels, its ``[run]`` set to the verification seed), ``roster``, ``bot_levels``
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
    return run_optimizer(scenario, workers=workers, max_iterations=max_iterations)


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


def _days_text(row: RosterRow) -> str:
    return " ".join(row.days) if isinstance(row.days, tuple) else row.days.isoformat()


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
