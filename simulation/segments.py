"""KPIs by segment: channel x customer region (and so language), by planning-clock day.

A channel's service level can hide the customers of one region waiting: in a follow-the-sun
operation the Brazilian customers, say, arriving while no Portuguese-speaking site is open. The
engine counts every contact into its segment as well as its channel
(``ReplicationResult.segment_*``, row ``channel * len(scenario.regions) + region``), with the
channel's counting rules (``simulation.kpis``): summed over a channel's segments, ``arrived``,
``offered``, ``answered``, ``abandoned`` and ``answered_within`` equal the channel's. Accepted
voice callbacks leave ``offered`` as they leave the channel's (their own line is not split by
region). A region whose language no site serves shows as offered and never answered.

``segment_table`` gives ``segments.csv`` (``SEGMENT_COLUMNS``); ``segment_summary`` the
whole-horizon ``segments`` entry of ``summary.json``. Segments with no contact in any
replication (a region a channel's ``region_shares`` leaves out) are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.engine import ReplicationResult
from simulation.kpis import by_day, counting_columns, service_level_denominator
from simulation.model import SimModel

SEGMENT_COLUMNS: dict[str, str] = {
    "day": "day index on the planning clock (0 = scenario.start)",
    "date": "that day's date on the planning clock",
    "channel": "channel name",
    "region": "customer region",
    "language": "language the region's customers need",
    "arrived": "contacts arriving (bot sessions and recontacts included)",
    "offered": "contacts reaching the agent queue (accepted callbacks left out)",
    "answered": "answered (real time) or responded to (async)",
    "abandoned": "abandoned while waiting",
    "answered_within": "answered or responded to within the target",
    "service_level": "service level under the channel's counting rule; empty if none offered",
    "service_level_ci_low": "95 % Student-t interval over replications, low end",
    "service_level_ci_high": "95 % Student-t interval over replications, high end",
    "asa_s": "mean wait until an agent took the contact [s] (email, social: from when the "
    "customer wrote, bot time included)",
    "abandon_rate": "abandoned / (answered + abandoned)",
    "redials": "redials arriving (customers trying again after abandoning), in arrived",
    "repeats": "repeat contacts arriving (unresolved earlier contacts coming back), in arrived",
}
"""The columns of ``segments.csv`` with their meaning and units (means over replications)."""


@dataclass(frozen=True)
class SegmentCounters:
    """The segments' counters stacked over replications, shape (replications, segments,
    intervals), for the segments kept (``channel``, ``region``, ``language``: one per segment)."""

    channel: list[str]
    region: list[str]
    language: list[str]
    target_share: list[float]
    arrived: np.ndarray
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    within: np.ndarray
    denominator: np.ndarray
    started: np.ndarray
    wait_sum_s: np.ndarray
    redials: np.ndarray
    repeats: np.ndarray


def segment_counters(model: SimModel, reps: Sequence[ReplicationResult]) -> SegmentCounters:
    """The counters of every segment with at least one contact in some replication."""

    def stack(name: str) -> np.ndarray:
        return np.stack([getattr(r, f"segment_{name}") for r in reps])

    regions = model.scenario.regions
    n_r = len(regions)
    arrived, offered = stack("arrived"), stack("offered")
    answered, abandoned = stack("answered"), stack("abandoned")
    short, missed = stack("short_abandoned"), stack("open_missed")
    denominator = np.zeros_like(answered)
    for spec in model.channels:
        rows = slice(spec.index * n_r, (spec.index + 1) * n_r)
        denominator[:, rows] = service_level_denominator(
            spec.real_time,
            spec.counts,
            answered[:, rows],
            abandoned[:, rows],
            short[:, rows],
            missed[:, rows],
        )
    keep = [
        g
        for g in range(len(model.channels) * n_r)
        if arrived[:, g].any() or offered[:, g].any() or denominator[:, g].any()
    ]
    return SegmentCounters(
        channel=[model.channels[g // n_r].name for g in keep],
        region=[regions[g % n_r].name for g in keep],
        language=[regions[g % n_r].language for g in keep],
        target_share=[model.channels[g // n_r].target_share for g in keep],
        arrived=arrived[:, keep],
        offered=offered[:, keep],
        answered=answered[:, keep],
        abandoned=abandoned[:, keep],
        within=stack("within")[:, keep],
        denominator=denominator[:, keep],
        started=stack("started")[:, keep],
        wait_sum_s=stack("wait_sum_s")[:, keep],
        redials=stack("redials")[:, keep],
        repeats=stack("repeats")[:, keep],
    )


def segment_table(
    model: SimModel, counters: SegmentCounters, confidence: float = 0.95
) -> pd.DataFrame:
    """``segments.csv``: one row per segment and planning-clock day (segment-major), columns
    ``SEGMENT_COLUMNS``; every figure is the mean over replications of that replication's."""
    horizon = model.horizon
    n_days = len(horizon.dates)
    n_reps, n_seg, n_int = counters.offered.shape

    def days(values: np.ndarray) -> np.ndarray:
        """(reps, segments, intervals) -> (reps, segments * days), segment-major."""
        flat = by_day(values.reshape(n_reps * n_seg, n_int), horizon.interval_day, n_days)
        return flat.reshape(n_reps, n_seg * n_days)

    columns, _ = counting_columns(
        days(counters.offered),
        days(counters.answered),
        days(counters.abandoned),
        days(counters.within),
        days(counters.denominator),
        days(counters.wait_sum_s),
        days(counters.started),
        confidence,
    )
    frame = pd.DataFrame(
        {
            "day": np.tile(np.arange(n_days), n_seg),
            "date": np.tile([d.isoformat() for d in horizon.dates], n_seg),
            "channel": np.repeat(counters.channel, n_days),
            "region": np.repeat(counters.region, n_days),
            "language": np.repeat(counters.language, n_days),
            "arrived": days(counters.arrived).mean(axis=0),
            **columns,
            "redials": days(counters.redials).mean(axis=0),
            "repeats": days(counters.repeats).mean(axis=0),
        }
    )
    return frame[list(SEGMENT_COLUMNS)]


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def segment_summary(counters: SegmentCounters, confidence: float = 0.95) -> list[dict[str, Any]]:
    """The ``segments`` entry of ``summary.json``: per segment, whole-horizon figures (the mean
    over replications of each replication's ratio of sums), the service level with its
    interval, the channel's target share and whether the mean meets it."""

    def total(values: np.ndarray) -> np.ndarray:
        return values.sum(axis=2)

    columns, _ = counting_columns(
        total(counters.offered),
        total(counters.answered),
        total(counters.abandoned),
        total(counters.within),
        total(counters.denominator),
        total(counters.wait_sum_s),
        total(counters.started),
        confidence,
    )
    arrived = total(counters.arrived).mean(axis=0)
    redials = total(counters.redials).mean(axis=0)
    repeats = total(counters.repeats).mean(axis=0)
    out = []
    for g, channel in enumerate(counters.channel):
        mean = _number(columns["service_level"][g])
        out.append(
            {
                "channel": channel,
                "region": counters.region[g],
                "language": counters.language[g],
                "arrived": float(arrived[g]),
                "offered": float(columns["offered"][g]),
                "answered": float(columns["answered"][g]),
                "abandoned": float(columns["abandoned"][g]),
                "service_level": {
                    "mean": mean,
                    "ci95": [
                        _number(columns["service_level_ci_low"][g]),
                        _number(columns["service_level_ci_high"][g]),
                    ],
                },
                "target_share": counters.target_share[g],
                "met": mean is not None and mean >= counters.target_share[g],
                "asa_s": _number(columns["asa_s"][g]),
                "abandon_rate": _number(columns["abandon_rate"][g]),
                "redials": float(redials[g]),
                "repeats": float(repeats[g]),
            }
        )
    return out
