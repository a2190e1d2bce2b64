"""The tidy tables the charts draw, computed from a scenario or from runs' summaries.

Pure pandas, no drawing: :mod:`workbench.charts` turns these tables into charts (and re-exports
them, so ``charts.agents_on_duty(...)`` keeps working). All rates are shares in [0, 1], times in
seconds, costs in the scenario's currency:

* ``intervals``: ``intervals.csv`` or ``Results.intervals``, columns
  ``simulation.results.INTERVAL_COLUMNS``; :func:`with_targets` adds a ``target`` column.
* :func:`agents_on_duty`: ``site``, ``interval``, ``interval_start``, ``interval_start_local``,
  ``site_time``, ``agents``.
* :func:`agents_required`: ``channel``, ``interval``, ``interval_start``,
  ``interval_start_local``, ``required``.
* :func:`heatmap_table`: ``channel``, ``date``, ``day``, ``hour``, ``intervals``, the value.
* :func:`cost_table`: ``option``, ``component``, ``kind``, ``cost``.
* :func:`tradeoff_table`: ``label``, ``channel``, ``target_share``, ``target_within_s``,
  ``service_level``, ``met``, ``all_met``, ``labor_cost``, ``bot_cost``, ``total_cost`` and any
  further values given per option (e.g. ``containment``).
* :func:`plan_table`: ``plan``, ``cost``, ``cells_short``, ``missed_share``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from optimizer.requirements import requirements
from scenarios.schema import Scenario
from scenarios.timeline import Horizon, shift_instances
from workbench.chart_time import UTC_FORMAT, _require, _times

Basis = Literal["productive", "rostered"]


def targets(summary: Mapping[str, Any]) -> dict[str, float]:
    """Target share of every line of a ``summary.json`` dictionary (channel -> share in [0, 1])."""
    return {name: float(kpi["target"]["share"]) for name, kpi in summary["channels"].items()}


def with_targets(intervals: pd.DataFrame, summary_or_targets: Mapping[str, Any]) -> pd.DataFrame:
    """``intervals`` plus a ``target`` column (the channel's target share, in [0, 1]).

    ``summary_or_targets``: a ``summary.json`` dictionary, or a mapping channel -> share.
    Lines without a target get NaN.
    """
    shares = (
        targets(summary_or_targets)
        if "channels" in summary_or_targets
        else {str(k): float(v) for k, v in summary_or_targets.items()}
    )
    out = intervals.copy()
    out["target"] = out["channel"].map(shares).astype(float)
    return out


def _spread(
    out: np.ndarray, begin: float, end: float, weight: float, step: float, length: float
) -> None:
    """Add ``weight`` x the seconds of ``[begin, end)`` falling in each interval of ``out``.

    The time line wraps at ``length`` [s] (cyclic horizon), intervals are ``step`` [s] long
    (the last one may be shorter).
    """
    while begin < end:
        base = math.floor(begin / length) * length
        low, high = begin - base, min(end - base, length)
        for k in range(int(low // step), min(math.ceil(high / step), len(out))):
            overlap = min(high, (k + 1) * step, length) - max(low, k * step)
            if overlap > 0:
                out[k] += weight * overlap
        begin = base + high


def agents_on_duty(scenario: Scenario, basis: Basis = "productive") -> pd.DataFrame:
    """Agents of the scenario's roster on duty per site and interval (the plan, not a simulation).

    Computed from the roster's shift instances (``scenarios.timeline.shift_instances``, the
    same ones the engine runs, on the cyclic horizon) rather than from ``sites.csv``, which
    only holds whole-horizon hours per site. ``agents`` is the mean number over the interval:

    * ``basis="productive"``: agents on shift and not on a planned break, times
      ``(1 - absenteeism)(1 - offline_share)`` of the site: the expected productive agents,
      comparable with the ``agents`` column of ``optimizer.requirements`` and with the
      simulated ``agents_on_duty`` of ``intervals.csv`` (which moves a break to the end of
      the contact in hand and adds overtime);
    * ``basis="rostered"``: every rostered agent from shift start to end, breaks included,
      nobody absent: comparable with the ``scheduled`` column of the requirements.

    Columns: ``site``, ``interval`` (0..n-1), ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local`` (planning clock, ISO 8601 with offset), ``site_time`` (the site's
    wall clock, ``YYYY-MM-DD HH:MM``), ``agents`` [agents].
    """
    horizon = Horizon.of(scenario)
    n, step, length = horizon.n_intervals, float(horizon.interval_s), horizon.length_s
    starts = np.arange(n) * step
    seconds = np.minimum(starts + step, length) - starts
    cover = {site.name: np.zeros(n) for site in scenario.sites}
    for instance in shift_instances(scenario, horizon):
        site = scenario.sites[instance.site]
        weight = float(instance.agents)
        pieces = [(instance.start_s, instance.end_s)]
        if basis == "productive":
            weight *= (1.0 - site.absenteeism) * (1.0 - site.offline_share)
            pieces = _without_breaks(instance.start_s, instance.end_s, instance.breaks)
        for begin, end in pieces:
            _spread(cover[site.name], begin, end, weight, step, length)
    utc = horizon.interval_starts_utc
    local = [t.isoformat() for t in horizon.interval_starts_local]
    frames = [
        pd.DataFrame(
            {
                "site": site.name,
                "interval": np.arange(n, dtype=np.int64),
                "interval_start": utc.strftime(UTC_FORMAT),
                "interval_start_local": local,
                "site_time": utc.tz_convert(site.timezone).strftime("%Y-%m-%d %H:%M"),
                "agents": cover[site.name] / seconds,
            }
        )
        for site in scenario.sites
    ]
    return pd.concat(frames, ignore_index=True)


def _without_breaks(
    start: float, end: float, breaks: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``[start, end)`` minus the planned breaks ``(after_s, length_s)`` from the start."""
    pieces = []
    cursor = start
    for after, length in sorted(breaks):
        b0, b1 = min(max(start + after, cursor), end), min(start + after + length, end)
        if b0 > cursor:
            pieces.append((cursor, b0))
        cursor = max(cursor, b1)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def _at_simulated_bot_levels(scenario: Scenario) -> Scenario:
    """The scenario with each bot's ``options`` narrowed to its simulated ``containment``."""
    channels = []
    for channel in scenario.channels:
        bot = channel.bot
        if bot is not None:
            bot = bot.model_copy(update={"options": (bot.containment,)})
        channels.append(channel.model_copy(update={"bot": bot}))
    return scenario.model_copy(update={"channels": tuple(channels)})


def agents_required(scenario: Scenario, basis: Basis = "productive") -> pd.DataFrame:
    """Agents required per channel and interval at the scenario's bot levels (analytic).

    From ``optimizer.requirements.requirements`` (Erlang A/C, chat concurrency, async backlog;
    see its docstring), summed over the customer-language groups of each channel, with every
    bot at its simulated ``containment``:

    * ``basis="productive"``: the ``agents`` column, productive agents needed;
    * ``basis="rostered"``: the ``scheduled`` column, grossed up for absenteeism, offline share
      and breaks (groups no site serves count 0).

    Columns: ``channel``, ``interval``, ``interval_start`` (ISO 8601 UTC),
    ``interval_start_local`` (planning clock), ``required`` [agents].
    """
    horizon = Horizon.of(scenario)
    table = requirements(_at_simulated_bot_levels(scenario), horizon).table
    column = "agents" if basis == "productive" else "scheduled"
    summed = (
        table.groupby(["channel", "interval"], sort=False)[column]
        .sum(min_count=1)
        .fillna(0.0)
        .rename("required")
        .reset_index()
    )
    utc = horizon.interval_starts_utc.strftime(UTC_FORMAT)
    local = [t.isoformat() for t in horizon.interval_starts_local]
    index = summed["interval"].to_numpy(dtype=np.int64)
    summed["interval_start"] = np.asarray(utc)[index]
    summed["interval_start_local"] = np.asarray(local, dtype=object)[index]
    return summed[["channel", "interval", "interval_start", "interval_start_local", "required"]]


Run = tuple[str, Mapping[str, Any]] | tuple[str, Mapping[str, Any], Mapping[str, Any]]
"""An option to compare: ``(label, summary)`` or ``(label, summary, values)``; ``values`` adds
columns such as ``{"containment": 0.3}`` to the :func:`tradeoff_table` row."""


def cost_table(runs: Iterable[Run]) -> pd.DataFrame:
    """Cost by component of each option, from ``(label, summary)`` pairs (summary.json dicts).

    One row per option and component: labour of each site (``summary["sites"][s]["cost"]``)
    and the bot (``summary["cost"]["bot"]``). Columns: ``option`` (the label), ``component``
    (``labour <site>`` or ``bot``), ``kind`` (``labour`` or ``bot``), ``cost`` (mean over
    replications, the scenario's currency).
    """
    rows = []
    for run in runs:
        label, summary = run[0], run[1]
        for site, figures in summary["sites"].items():
            rows.append(
                {
                    "option": label,
                    "component": f"labour {site}",
                    "kind": "labour",
                    "cost": float(figures["cost"]),
                }
            )
        rows.append(
            {
                "option": label,
                "component": "bot",
                "kind": "bot",
                "cost": float(summary["cost"]["bot"]),
            }
        )
    return pd.DataFrame(rows, columns=["option", "component", "kind", "cost"])


def tradeoff_table(runs: Iterable[Run], channel: str | None = None) -> pd.DataFrame:
    """One row per option, for :func:`tradeoff_chart`.

    ``runs``: ``(label, summary)`` or ``(label, summary, values)`` with ``summary`` a
    ``summary.json`` dictionary (from a sweep, repeated optimize runs or ``compare``) and
    ``values`` further columns, e.g. ``{"containment": 0.3}`` (the summary does not hold bot
    levels). ``channel`` picks the line whose target and service level are reported (default:
    the first channel of the first summary).

    Columns: ``label``, ``channel``, ``target_share`` [share], ``target_within_s`` [s],
    ``service_level`` [share, whole horizon], ``met`` (that channel), ``all_met`` (every line),
    ``labor_cost``, ``bot_cost``, ``total_cost`` (currency), then the ``values`` keys.
    """
    rows = []
    for run in runs:
        label, summary = run[0], run[1]
        values: Mapping[str, Any] = run[2] if len(run) > 2 else {}
        name = channel if channel is not None else next(iter(summary["channels"]))
        if name not in summary["channels"]:
            raise ValueError(f"option {label!r} has no channel {name!r}")
        kpi = summary["channels"][name]
        row: dict[str, Any] = {
            "label": label,
            "channel": name,
            "target_share": float(kpi["target"]["share"]),
            "target_within_s": float(kpi["target"]["within_s"]),
            "service_level": kpi["service_level"]["mean"],
            "met": bool(kpi["met"]),
            "all_met": all(bool(k["met"]) for k in summary["channels"].values()),
            "labor_cost": float(summary["cost"]["labor"]),
            "bot_cost": float(summary["cost"]["bot"]),
            "total_cost": float(summary["cost"]["total"]),
        }
        row.update(values)
        rows.append(row)
    return pd.DataFrame(rows)


_HEAT: dict[str, tuple[str, str, str | None, str]] = {
    # value: (title, aggregation over the intervals of one local hour, weight, d3 format)
    "service_level": ("service level", "weighted", "offered", ".0%"),
    "backlog_end": ("backlog [contacts]", "last", None, ".1f"),
    "abandon_rate": ("abandon rate", "weighted", "offered", ".0%"),
    "occupancy": ("occupancy", "weighted", "agents_on_duty", ".0%"),
    "asa_s": ("mean wait to answer [s]", "weighted", "answered", ".0f"),
    "offered": ("offered [contacts]", "sum", None, ".1f"),
    "agents_on_duty": ("agents on duty", "mean", None, ".1f"),
}


def heatmap_table(
    intervals: pd.DataFrame, value: str = "service_level", channel: str | None = None
) -> pd.DataFrame:
    """Day-by-hour cells of one KPI, on the planning clock (the data of :func:`heatmap_chart`).

    Day and hour come from ``interval_start_local``. The intervals of one local hour are
    combined as follows: ``service_level`` and ``abandon_rate`` weighted by ``offered``,
    ``asa_s`` by ``answered``, ``occupancy`` by ``agents_on_duty``; ``backlog_end`` is the last
    interval's (the stock at the end of the hour); ``offered`` is summed; ``agents_on_duty``
    averaged. A repeated hour (clock going back) is one cell; a skipped hour has none.

    Columns: ``channel``, ``date`` (ISO local date), ``day`` (``Mon 2026-06-01``), ``hour``
    (0..23, local), ``intervals`` (how many were combined), ``<value>``.
    """
    if value not in _HEAT:
        raise ValueError(f"heatmap value must be one of {', '.join(_HEAT)}, got {value!r}")
    _, how, weight, _ = _HEAT[value]
    needed = ["interval_start", "interval_start_local", "channel", value]
    if weight is not None:
        needed.append(weight)
    _require(intervals, needed, "heatmap_chart")
    frame = intervals if channel is None else intervals[intervals["channel"] == channel]
    if frame.empty:
        raise ValueError(f"heatmap_chart: no rows for channel {channel!r}")
    frame = _times(frame)
    local = frame["interval_start_local"].astype(str)
    work = pd.DataFrame(
        {
            "channel": frame["channel"].to_numpy(),
            "date": local.str.slice(0, 10).to_numpy(),
            "hour": local.str.slice(11, 13).astype(int).to_numpy(),
            "order": pd.to_datetime(frame["interval_start"], utc=True).to_numpy(),
            "value": frame[value].to_numpy(dtype=float),
            "weight": frame[weight].to_numpy(dtype=float) if weight else 1.0,
        }
    ).sort_values("order", kind="stable")
    rows = []
    for (name, date, hour), cell in work.groupby(["channel", "date", "hour"], sort=False):
        values, weights = cell["value"].to_numpy(), cell["weight"].to_numpy()
        known = ~np.isnan(values)
        if how == "last":
            result = values[-1]
        elif how == "sum":
            result = float(np.nansum(values))
        elif how == "mean":
            result = float(np.nanmean(values)) if known.any() else math.nan
        else:
            total = weights[known].sum()
            result = float(np.dot(values[known], weights[known]) / total) if total > 0 else math.nan
        day = dt.date.fromisoformat(str(date))
        rows.append(
            {
                "channel": name,
                "date": date,
                "day": f"{day:%a} {date}",
                "hour": int(cast(int, hour)),
                "intervals": len(cell),
                value: result,
            }
        )
    order = {name: k for k, name in enumerate(dict.fromkeys(frame["channel"]))}
    table = pd.DataFrame(rows)
    table["rank"] = table["channel"].map(order)
    table = table.sort_values(["rank", "date", "hour"], ignore_index=True)
    return table.drop(columns="rank")


def _comparison_costs(table: pd.DataFrame) -> pd.DataFrame:
    """A ``workbench compare`` table (``option``, ``kpi``, ``mean``) as a cost table."""
    names = {"labor_cost": ("labour", "labour"), "bot_cost": ("bot", "bot")}
    rows = table[table["kpi"].isin(list(names))]
    return pd.DataFrame(
        {
            "option": rows["option"].to_numpy(),
            "component": [names[k][0] for k in rows["kpi"]],
            "kind": [names[k][1] for k in rows["kpi"]],
            "cost": rows["mean"].to_numpy(dtype=float),
        }
    )


def plan_table(plan: Mapping[str, Any]) -> pd.DataFrame:
    """The rosters compared in ``plan.json``: hand roster, analytic plan, corrected plan and
    the verified plan (fresh seed; the corrected plan's roster, so its cost).

    Columns: ``plan``, ``cost`` [currency, the plan's expected cost], ``cells_short`` (cells
    failing the one-sided test), ``missed_share`` [share of judged cells; NaN for the verified
    plan, whose test controls the false discovery rate instead].
    """
    labels = {
        "hand_roster": "hand roster",
        "first_round": "first round (model alone)",
        "corrected_plan": "corrected by simulation",
    }
    rows = []
    for key, label in labels.items():
        entry = plan.get("comparison", {}).get(key)
        if entry:
            rows.append(
                {
                    "plan": label,
                    "cost": float(entry["cost"]),
                    "cells_short": int(entry["cells_short"]),
                    "missed_share": float(entry["missed_share"]),
                }
            )
    verification = plan.get("verification")
    if verification:
        judged = verification.get("cells_judged")
        rows.append(
            {
                "plan": "verified (fresh seed)",
                "cost": float(verification["cost"]),
                "cells_short": int(verification["cells_short"]),
                "missed_share": verification["cells_short"] / judged if judged else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["plan", "cost", "cells_short", "missed_share"])
