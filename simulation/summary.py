"""The whole-horizon figures of ``summary.json``: per channel line the mean over replications
of each replication's figure (ratio of its sums), with a 95 % Student-t interval for the
service level; per site hours, occupancy and cost; the cost of labour and bots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulation.engine import ReplicationResult
from simulation.kpis import clip_share, mean_ci, ratio
from simulation.lines import Line
from simulation.model import SimModel


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def channel_summary(
    model: SimModel,
    lines: list[Line],
    replications: pd.DataFrame,
    sites: pd.DataFrame,
    reps: Sequence[ReplicationResult],
    seed: int,
    confidence: float,
) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for line in lines:
        rows = replications[replications["channel"] == line.name]
        sl = rows["service_level"].to_numpy(dtype=float)
        mean, low, high = mean_ci(sl[:, None], confidence)
        low, high = clip_share(low, high)
        spec = model.channels[line.channel]
        channels[line.name] = {
            "arrived": _number(rows["arrived"].mean()),
            "offered": _number(rows["offered"].mean()),
            "service_level": {
                "mean": _number(mean[0]),
                "ci95": [_number(low[0]), _number(high[0])],
            },
            "target": {
                "within_s": line.target_s,
                "share": line.target_share,
                "counts": spec.counts if ":" not in line.name else "offered",
            },
            "met": bool(not math.isnan(mean[0]) and mean[0] >= line.target_share),
            "asa_s": _number(rows["asa_s"].mean()),
            "abandon_rate": _number(rows["abandon_rate"].mean()),
            "occupancy": _number(rows["occupancy"].mean()),
            "slot_occupancy": _number(rows["slot_occupancy"].mean()),
            "fcr": _number(rows["fcr"].mean()),
            "repeats": _number(rows["repeats"].mean()),
            "redials": _number(rows["redials"].mean()),
            "attempts": _number(rows["attempts"].mean()),
            "gave_up": _number(rows["gave_up"].mean()),
        }
        if ":" not in line.name:
            channels[line.name]["bot_time_s"] = _number(
                np.nanmean(
                    ratio(
                        np.array([r.bot_time_sum_s[line.channel] for r in reps]),
                        np.array([r.queued[line.channel] for r in reps]),
                    )
                )
                if any(r.queued[line.channel] > 0 for r in reps)
                else math.nan
            )
    site_summary = {}
    for site in model.scenario.sites:
        rows = sites[sites["site"] == site.name]
        site_summary[site.name] = {
            "paid_hours": float(rows["paid_hours"].mean()),
            "occupancy": _number(rows["occupancy"].mean()),
            "cost": float(rows["labor_cost"].mean()),
            "overtime_hours": float(rows["overtime_hours"].mean()),
        }
    labor = float(np.mean([r.labor_cost.sum() for r in reps]))
    bot = float(np.mean([r.bot_cost.sum() for r in reps]))
    return {
        "scenario": model.scenario.scenario.name,
        "replications": len(reps),
        "seed": seed,
        "channels": channels,
        "sites": site_summary,
        "cost": {"labor": labor, "bot": bot, "total": labor + bot},
    }
