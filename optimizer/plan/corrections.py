"""Corrections of the requirements where the simulation showed a plan short of target."""

from __future__ import annotations

import math

import numpy as np

from optimizer.plan.verdict import Short
from optimizer.requirements import Requirements
from scenarios.timeline import Horizon


def raise_requirements(
    adjust: dict[tuple[str, str, int], float],
    shorts: list[Short],
    req: Requirements,
    mode: str,
    horizon: Horizon,
    misses: dict[tuple[str, int], int],
) -> None:
    """Raise the requirement where the simulation fell short: for each language group with
    demand there, one more agent the first time a cell is short, two the second time and so on
    (real time), or a quarter more work, at least half an agent-interval, as often (async, so
    the MILP schedules more capacity inside the window). ``misses`` counts shortfalls per cell
    across iterations."""
    table = req.table
    base = table[table["option"] == table.groupby("channel")["option"].transform("min")]
    for short in shorts:
        channel = short.channel.split(":")[0]
        misses[channel, short.cell] = misses.get((channel, short.cell), 0) + 1
        times = misses[channel, short.cell]
        rows = base[base["channel"] == channel]
        if mode == "interval":
            intervals = [short.cell]
        else:
            intervals = [int(k) for k in np.flatnonzero(horizon.interval_day == short.cell)]
        for interval in intervals:
            here = rows[rows["interval"] == interval]
            groups = [str(g) for g in here["group"]]
            agents = here["agents"].to_numpy(dtype=float)
            work = here["work_agents"].to_numpy(dtype=float)
            for group, need, load in zip(groups, agents, work, strict=True):
                asynchronous = not math.isnan(load)
                demand = load if asynchronous else need
                if demand <= 0 and len(groups) > 1:
                    continue
                key = (channel, group, interval)
                step = max(0.5, 0.25 * load) if asynchronous else 1.0
                adjust[key] = adjust.get(key, 0.0) + step * times
