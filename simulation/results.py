"""KPIs of a run as documented tidy tables (``simulation.runfolder`` writes them to disk).

Every figure of ``intervals.csv`` and ``daily.csv`` is the mean over replications of that
replication's figure; every figure of ``summary.json`` is the mean over replications of that
replication's whole-horizon figure (ratio of its sums).
Confidence intervals are Student-t over replications (scipy.stats.t).

Service level (docs/outputs.md): for real-time channels ``answered within target / denominator``
with denominator ``answered + abandoned`` (counts = offered), ``answered`` (answered), or
``answered + abandoned - abandons shorter than short_abandon`` (offered_excl_short), each plus
the contacts still waiting at the end of the run whose target has passed (``open_missed``:
offered and missed; one whose target has not passed yet is left out of ``offered``). For
asynchronous channels it is the share first responded to (reply sent) within the target,
counting a contact still open at the end only once its deadline has passed. Accepted callbacks
leave the voice denominator and form their own line, ``<channel>:callback``, whose service level
is the share called back within ``callback.within``.

The bot (README "Modelling choices"): for asynchronous channels the response clock starts when the
customer wrote, so the time with the bot counts against the target and in ``asa_s``; for real
time the wait starts at escalation. ``summary.json`` gives per channel ``bot_time_s``, the mean
time the contacts reaching agents spent with the bot first (0 without a bot; recontacts skip
it).
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.controls import MIN_REPLICATIONS, expected, for_line, line_controls, plain
from simulation.engine import ReplicationResult
from simulation.groups import group_cells
from simulation.kpis import (
    by_day,
    counting_columns,
    mean_ci,
    ratio,
)
from simulation.lines import Line, lines
from simulation.model import SimModel
from simulation.segments import segment_counters, segment_summary, segment_table
from simulation.summary import channel_summary

__all__ = ["INTERVAL_COLUMNS", "Line", "Results", "aggregate", "lines", "ratio", "sha256_of"]

INTERVAL_COLUMNS: dict[str, str] = {
    "interval_start": "interval start, ISO 8601 UTC",
    "interval_start_local": "interval start on the planning clock, ISO 8601 with offset",
    "channel": "channel name (<channel>:callback for accepted voice callbacks)",
    "arrived": "contacts arriving (bot sessions and recontacts included)",
    "contained": "contacts resolved by the bot",
    "offered": "contacts reaching the agent queue (callbacks moved to their own line)",
    "answered": "answered (real time) or responded to (async)",
    "abandoned": "abandoned while waiting",
    "answered_within": "answered or responded to within the target",
    "service_level": "service level under the channel's counting rule; empty if none offered",
    "service_level_ci_low": "95 % Student-t interval over replications, low end",
    "service_level_ci_high": "95 % Student-t interval over replications, high end",
    "asa_s": "mean wait until an agent took the contact [s] (email, social: from when the "
    "customer wrote, bot time included)",
    "wait_p90_s": "90th percentile of that wait [s]",
    "abandon_rate": "abandoned / (answered + abandoned)",
    "backlog_end": "contacts waiting at the interval end",
    "agents_on_duty": "mean agents logged in and available (not on break/offline) with the skill",
    "occupancy": "busy time / available time of the agents with the skill",
    "repeats": "repeat contacts arriving (unresolved earlier contacts coming back), in arrived",
    "redials": "redials arriving (customers trying again after abandoning), in arrived",
    "fcr": "first-contact resolution: resolved / handled by an agent; empty without resolution",
    "slot_occupancy": "chat: chat time held / (available time x concurrency) of the agents "
    "with the skill; empty for other channels",
}
"""The columns of ``intervals.csv`` with their meaning and units."""


def _cell_stats(
    line: Line, scope: str, sl: np.ndarray, controls: tuple[np.ndarray, np.ndarray] | None
) -> pd.DataFrame:
    """Replication statistics of the service level of every cell (columns of ``sl``), and the
    estimate of its expectation with the ``controls`` (grids and expectations,
    ``simulation.controls.line_controls``) where given."""
    found = plain(sl) if controls is None else for_line(sl, *controls, line.target_share)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return pd.DataFrame(
            {
                "channel": line.name,
                "scope": scope,
                "cell": np.arange(sl.shape[1]),
                "n": np.sum(~np.isnan(sl), axis=0),
                "mean": np.nanmean(sl, axis=0),
                "sd": np.nanstd(sl, axis=0, ddof=1),
                "target": line.target_share,
                "estimate": found.estimate,
                "se": found.se,
                "dof": found.dof,
                "controls": found.controls,
            }
        )


@dataclass
class Results:
    """KPIs of a simulated scenario: tidy tables plus the summary.

    ``intervals``: one row per interval and line, columns ``INTERVAL_COLUMNS``.
    ``daily``: the same by planning-clock day (``day``, ``date``), plus ``p_meet`` (share of
    replications meeting the target that day).
    ``replications``: one row per replication and line, whole-horizon figures.
    ``sites``: one row per replication and site: ``paid_hours``, ``available_hours``,
    ``busy_hours``, ``occupancy``, ``overtime_hours``, ``absent_shifts``, ``labor_cost``.
    ``summary``: the dictionary written to ``summary.json`` (docs/outputs.md).
    ``contacts``: contacts simulated over all replications (warm-up and cool-down included).
    """

    intervals: pd.DataFrame
    daily: pd.DataFrame
    replications: pd.DataFrame
    sites: pd.DataFrame
    summary: dict[str, Any]
    contacts: int
    cells: pd.DataFrame
    """Per line and interval (``scope = "interval"``) or day (``"day"``): the number of
    replications with a defined service level ``n``, their ``mean`` and ``sd`` (ddof 1) and the
    target share; the ``estimate`` of the cell's expected service level with its standard error
    ``se``, Student-t degrees of freedom ``dof`` and number of ``controls`` (the control-variate
    estimator of ``simulation.controls`` with enough replications, else the plain mean): what a
    test of "this cell meets its target" needs."""
    groups: pd.DataFrame
    """Per real-time channel, customer language group and interval: the same statistics
    (``simulation.groups.group_cells``)."""
    segments: pd.DataFrame
    """Per channel, customer region (and language) and planning-clock day: the counting columns
    (``simulation.segments.SEGMENT_COLUMNS``), written as ``segments.csv``."""


def aggregate(
    model: SimModel, reps: Sequence[ReplicationResult], seed: int, confidence: float = 0.95
) -> Results:
    """Turn replication counters into the KPI tables of docs/outputs.md."""
    horizon = model.horizon
    scenario = model.scenario
    reported = lines(model, reps)
    # the control variates' grids, stacked once, and their expectations (simulation.controls)
    grids = (
        (
            np.stack([r.fresh_work_s for r in reps]),
            np.stack([r.absent_s for r in reps]),
            expected(model),
        )
        if len(reps) >= MIN_REPLICATIONS
        else None
    )
    productive = np.stack([r.productive_s for r in reps])  # reps x sites x intervals
    busy = np.stack([r.busy_s for r in reps])
    utc = horizon.interval_starts_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = [t.isoformat() for t in horizon.interval_starts_local]

    frames = []
    cell_frames = []
    for line in reported:
        counts, sl = counting_columns(
            line.offered,
            line.answered,
            line.abandoned,
            line.within,
            line.denominator,
            line.wait_sum,
            line.started,
            confidence,
        )
        cell_frames.append(
            _cell_stats(
                line,
                "interval",
                sl,
                None if grids is None else line_controls(model, line, *grids),
            )
        )
        prod = productive[:, line.sites, :].sum(axis=1)
        bus = busy[:, line.sites, :].sum(axis=1)
        frame = pd.DataFrame(
            {
                "interval_start": utc,
                "interval_start_local": local,
                "channel": line.name,
                "arrived": line.arrived.mean(axis=0),
                "contained": line.contained.mean(axis=0),
                **counts,
                "wait_p90_s": mean_ci(line.wait_p90)[0],
                "backlog_end": line.backlog.mean(axis=0),
                "agents_on_duty": prod.mean(axis=0) / horizon.interval_s,
                "occupancy": mean_ci(ratio(bus, prod))[0],
                "repeats": line.fed("repeats").mean(axis=0),
                "redials": line.fed("redials").mean(axis=0),
                "fcr": mean_ci(line.fcr())[0],
                "slot_occupancy": mean_ci(line.slot_occupancy(line.fed("chat_s"), prod))[0],
            }
        )
        frames.append(frame[list(INTERVAL_COLUMNS)])
    intervals = pd.concat(frames, ignore_index=True)

    # daily, on the planning clock
    day_of = horizon.interval_day
    n_days = len(horizon.dates)
    daily_frames = []
    daily_columns = ["day", "date", *list(INTERVAL_COLUMNS)[2:], "p_meet"]
    for line in reported:

        def days(values: np.ndarray) -> np.ndarray:
            return by_day(values, day_of, n_days)

        counts, sl = counting_columns(
            days(line.offered),
            days(line.answered),
            days(line.abandoned),
            days(line.within),
            days(line.denominator),
            days(line.wait_sum),
            days(line.started),
            confidence,
        )
        cell_frames.append(
            _cell_stats(
                line,
                "day",
                sl,
                None if grids is None else line_controls(model, line, *grids, day_of, n_days),
            )
        )
        with np.errstate(invalid="ignore"):
            meets = np.where(np.isnan(sl), np.nan, (sl >= line.target_share).astype(float))
        prod = days(productive[:, line.sites, :].sum(axis=1))
        bus = days(busy[:, line.sites, :].sum(axis=1))
        interval_counts = np.bincount(day_of, minlength=n_days)
        frame = pd.DataFrame(
            {
                "day": range(n_days),
                "date": [d.isoformat() for d in horizon.dates],
                "channel": line.name,
                "arrived": days(line.arrived).mean(axis=0),
                "contained": days(line.contained).mean(axis=0),
                **counts,
                "wait_p90_s": mean_ci(line.wait_p90_day)[0],
                "backlog_end": [line.backlog[:, day_of == d][:, -1].mean() for d in range(n_days)],
                "agents_on_duty": prod.mean(axis=0) / (interval_counts * horizon.interval_s),
                "occupancy": mean_ci(ratio(bus, prod))[0],
                "repeats": days(line.fed("repeats")).mean(axis=0),
                "redials": days(line.fed("redials")).mean(axis=0),
                "fcr": mean_ci(line.fcr(days))[0],
                "slot_occupancy": mean_ci(line.slot_occupancy(days(line.fed("chat_s")), prod))[0],
                "p_meet": mean_ci(meets)[0],
            }
        )
        daily_frames.append(frame[daily_columns])
    daily = pd.concat(daily_frames, ignore_index=True)

    # per replication, whole horizon
    rep_rows = []
    for line in reported:
        attempts = line.attempts(reps)
        fcr = line.fcr(lambda values: values.sum(axis=1, keepdims=True))
        for k, rep in enumerate(reps):
            answered = line.answered[k].sum()
            abandoned = line.abandoned[k].sum()
            denominator = line.denominator[k].sum()
            started = line.started[k].sum()
            prod = productive[k, line.sites, :].sum()
            bus = busy[k, line.sites, :].sum()
            rep_rows.append(
                {
                    "replication": rep.replication,
                    "channel": line.name,
                    "arrived": line.arrived[k].sum(),
                    "contained": line.contained[k].sum(),
                    "offered": line.offered[k].sum(),
                    "answered": answered,
                    "abandoned": abandoned,
                    "answered_within": line.within[k].sum(),
                    "service_level": line.within[k].sum() / denominator
                    if denominator > 0
                    else math.nan,
                    "asa_s": line.wait_sum[k].sum() / started if started > 0 else math.nan,
                    "wait_p90_s": line.wait_p90_all[k],
                    "abandon_rate": abandoned / (answered + abandoned)
                    if answered + abandoned > 0
                    else math.nan,
                    "occupancy": bus / prod if prod > 0 else math.nan,
                    "bot_cost": rep.bot_cost[line.channel] if ":" not in line.name else 0.0,
                    "repeats": line.fed("repeats")[k].sum(),
                    "redials": line.fed("redials")[k].sum(),
                    "gave_up": line.fed("gave_up")[k].sum(),
                    "attempts": attempts[k],
                    "fcr": fcr[k, 0],
                    "slot_occupancy": line.slot_occupancy(
                        np.array(line.fed("chat_s")[k].sum()), np.array(prod)
                    ).item(),
                }
            )
    replications = pd.DataFrame(rep_rows)

    site_rows = []
    for k, rep in enumerate(reps):
        for s, site in enumerate(scenario.sites):
            prod, bus = productive[k, s].sum(), busy[k, s].sum()
            site_rows.append(
                {
                    "replication": rep.replication,
                    "site": site.name,
                    "paid_hours": rep.paid_s[s] / 3600,
                    "available_hours": prod / 3600,
                    "busy_hours": bus / 3600,
                    "occupancy": bus / prod if prod > 0 else math.nan,
                    "overtime_hours": rep.overtime_s[s] / 3600,
                    "absent_shifts": rep.absent_shifts[s],
                    "labor_cost": rep.labor_cost[s],
                }
            )
    sites = pd.DataFrame(site_rows)
    counters = segment_counters(model, reps)
    summary = channel_summary(model, reported, replications, sites, reps, seed, confidence)
    summary["segments"] = segment_summary(counters, confidence)
    contacts = sum(r.contacts for r in reps)
    cells = pd.concat(cell_frames, ignore_index=True)
    return Results(
        intervals,
        daily,
        replications,
        sites,
        summary,
        contacts,
        cells,
        group_cells(model, reps),
        segment_table(model, counters, confidence),
    )


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
