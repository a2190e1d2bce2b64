"""Aimed corrections of real-time requirements, both ways, from the simulation's service level
of each language group in each interval.

Stationary formulas misjudge what a plan delivers where agents are shared: a blended agent
holding a chat cannot take a call, and a new chat goes to the longest-idle agent whatever the
site, so idle voice capacity fills with chats (README "Optimizer"). The simulation measures
the result. For each real-time (channel, language group, interval) cell this module reads the
group's simulated service level ``s`` (mean over replications, standard error ``se``) and the
productive agents the plan gave that group there (``planned``, the MILP's allocation summed over
sites), and asks the group's stationary model (Erlang A/C, or the chat model;
``optimizer.requirements.RealTimeModel``) two questions:

* ``n_eff``: how many agents would deliver ``s`` in the model (the plan "behaves like"
  ``n_eff`` agents);
* ``n_star``: how many agents the model needs for the target share.

Both are real numbers, interpolated linearly between integer staffing levels. The requirement
of the cell becomes ``planned + (n_star - n_eff) / rho``: the model's own slope turns the
simulated service-level gap into agents, and ``rho`` says how much of a planned agent the
simulation actually showed in that cell the last time it moved (the secant: realised gain in
service level over the gain the model predicted for that move, clipped to ``[RHO_MIN, 1]``; 1
before the first move). Blending is where ``rho`` falls below 1: an agent added to a site that
also takes chat is partly taken by chats. This is the finite-difference step of simulation-based
staffing
(Atlason, Epelman and Henderson 2004, Annals of OR 127:333-358; Cezik and L'Ecuyer 2008,
Management Science 54(2):310-323; Avramidis et al. 2010, EJOR 200(3):822-832, who correct
staffing by such local moves), with the slope taken from the calibrated model instead of a
second simulation per cell.

Moves are guarded against noise and oscillation:

* a cell moves only when its target lies outside ``s +- Z * se`` (``Z = 1``), so cells whose
  simulated level is consistent with the target stay put;
* a cell is lowered only when ``s - Z * se`` exceeds the target by ``LOWER_MARGIN``, by at most
  half the model's excess, and never below ``FLOOR_STEP`` agents above the highest requirement
  at which it was short before (``floors``);
* a cell is never lowered once another real-time cell served by one of its sites has been
  short in the same interval, in this round or an earlier one: the capacity it would give up is
  what the short one was missing (a chat group far above target at a site whose callers wait is
  above target because it takes the agents the callers need; lowering it sends its chats to
  those agents, measured on global-retail as voice falling from 78 % back to 68 % in three
  rounds when only the current round's shortfalls held the move back);
* only the group that is short (or over) moves: the other groups of the channel keep their
  requirement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.requirements import RealTimeModel, Requirements
from scenarios.schema import Scenario

Z = 1.0
"""Standard errors of the simulated service level within which a cell counts as on target."""

LOWER_MARGIN = 0.01
"""A cell is lowered only when its service level is this far above target (beyond ``Z se``)."""

FLOOR_STEP = 0.5
"""Agents kept above the highest requirement at which a cell was short, when lowering."""

SATURATION = 0.999
"""Simulated levels above this are read as this (the model's inverse diverges at 1)."""

RHO_MIN = 0.25
"""Least share of a planned agent a cell is assumed to see (caps a step at 4 model steps)."""


def interpolated_agents(level: Callable[[int], float], share: float, start: int) -> float:
    """Real-valued agents at which ``level`` (service level of ``n`` agents, non-decreasing in
    ``n``) reaches ``share``: the smallest integer ``n`` with ``level(n) >= share``, less the
    linear-interpolation fraction from ``n - 1``. ``start`` is a first guess [agents]."""
    share = min(share, SATURATION)
    low, high = 0, max(1, start)
    while level(high) < share:
        low, high = high, 2 * high
        if high > 100_000:
            return float(high)
    while high - low > 1:
        middle = (low + high) // 2
        if level(middle) >= share:
            high = middle
        else:
            low = middle
    below, above = level(high - 1) if high > 0 else 0.0, level(high)
    if above <= below:
        return float(high)
    return high - (above - share) / (above - below)


@dataclass
class Aim:
    """State of the aimed corrections across rounds: ``adjust[(channel, group, interval)]``
    is added to the analytic requirement [productive agents] (negative where the analytic
    requirement is more than the plan needs); ``floors`` the highest requirement at which
    each cell was short; ``moves`` what the last round changed, for the record."""

    adjust: dict[tuple[str, str, int], float] = field(default_factory=dict)
    floors: dict[tuple[str, str, int], float] = field(default_factory=dict)
    last: dict[tuple[str, str, int], tuple[float, float, float]] = field(default_factory=dict)
    """Per cell, the last move: (planned agents, simulated level, model agents ``n_eff``)."""
    short_at: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    """Per (site, interval), the cells ("channel/group") served there ever found short."""
    moves: list[dict[str, object]] = field(default_factory=list)


def aim(
    state: Aim,
    scenario: Scenario,
    req: Requirements,
    groups: pd.DataFrame,
    allocation: dict[tuple[str, str, str, int], float],
    levels: dict[str, float],
) -> None:
    """Move the requirement of every real-time (channel, group, interval) cell whose simulated
    service level (``groups``: ``Results.groups``) is off target; see the module docstring.

    ``allocation`` is the MILP's productive agents per (site, channel, group, interval);
    ``levels`` the bot level chosen per channel (requirements are read at that level).
    """
    planned: dict[tuple[str, str, int], float] = {}
    for (_, channel, group, t), agents in allocation.items():
        planned[channel, group, t] = planned.get((channel, group, t), 0.0) + agents
    table = req.table
    lookup = {
        (str(c), str(g), float(o), int(t)): (float(a), float(r), float(h))
        for c, g, o, t, a, r, h in zip(
            table["channel"],
            table["group"],
            table["option"],
            table["interval"],
            table["agents"],
            table["arrivals"],
            table["aht_s"],
            strict=True,
        )
        if str(c) not in req.windows
    }
    models = {c.name: RealTimeModel.of(c) for c in scenario.channels if c.real_time}
    state.moves = []
    rows = groups[(groups["n"] >= 2) & (groups["denominator"] > 0)]
    error = rows["sd"].fillna(0.0).to_numpy(float) / np.sqrt(rows["n"].to_numpy(float))
    is_short = rows["mean"].to_numpy(float) + Z * error < rows["target"].to_numpy(float)
    short_at = state.short_at
    for channel, group, t in zip(
        rows["channel"][is_short], rows["group"][is_short], rows["cell"][is_short], strict=True
    ):
        for site in req.sites.get((str(channel), str(group)), ()):
            short_at.setdefault((site, int(t)), set()).add(f"{channel}/{group}")
    for channel, group, t, n, mean, sd, target in zip(
        rows["channel"],
        rows["group"],
        rows["cell"],
        rows["n"],
        rows["mean"],
        rows["sd"],
        rows["target"],
        strict=True,
    ):
        key = (str(channel), str(group), int(t))
        model = models.get(key[0])
        if model is None:
            continue
        se = float(sd) / math.sqrt(float(n)) if np.isfinite(sd) else 0.0
        short = mean + Z * se < target
        over = mean - Z * se > target + LOWER_MARGIN
        if not (short or over):
            continue
        found = lookup.get((key[0], key[1], float(levels.get(key[0], 0.0)), key[2]))
        if found is None:
            continue
        base, arrivals, aht = found
        if base <= 0 or arrivals <= 0 or not math.isfinite(aht):
            continue
        rate = arrivals / req.interval_s
        given = planned.get(key, base + state.adjust.get(key, 0.0))

        def level(
            agents: int, rate: float = rate, aht: float = aht, m: RealTimeModel = model
        ) -> float:
            return m.service_level(agents, rate, aht) if agents > 0 else 0.0

        n_eff = interpolated_agents(level, float(mean), int(base))
        n_star = interpolated_agents(level, float(target), int(base))
        rho = _responsiveness(state.last.get(key), given, float(mean), level)
        step = (n_star - n_eff) / rho
        if short:
            state.floors[key] = max(state.floors.get(key, 0.0), given)
            step = max(step, 0.25)
        else:
            neighbours = set().union(
                *(short_at.get((site, key[2]), set()) for site in req.sites.get(key[:2], ()))
            )
            if neighbours - {f"{key[0]}/{key[1]}"}:
                continue
            step = min(0.0, 0.5 * step)
            floor = state.floors.get(key)
            if floor is not None:
                step = max(step, floor + FLOOR_STEP - given)
            if step >= 0.0:
                continue
        requirement = max(0.0, given + step)
        state.last[key] = (given, float(mean), n_eff)
        old = state.adjust.get(key, 0.0)
        state.adjust[key] = requirement - base
        state.moves.append(
            {
                "channel": key[0],
                "group": key[1],
                "interval": key[2],
                "service_level": float(mean),
                "planned": given,
                "requirement": requirement,
                "change": state.adjust[key] - old,
                "rho": rho,
            }
        )


def _level_at(level: Callable[[int], float], agents: float) -> float:
    """``level`` interpolated linearly at real-valued ``agents``."""
    low = math.floor(agents)
    below = level(low) if low > 0 else 0.0
    return below + (agents - low) * (level(low + 1) - below)


def _responsiveness(
    last: tuple[float, float, float] | None,
    given: float,
    mean: float,
    level: Callable[[int], float],
) -> float:
    """``rho`` of the module docstring: realised over model-predicted service-level gain of
    the cell's last move (from ``last`` = (planned, level, n_eff) to ``given`` planned agents
    and ``mean`` level now), clipped to ``[RHO_MIN, 1]``; 1 when the last move was too small
    (under a quarter agent, or a predicted gain under half a point) to say."""
    if last is None:
        return 1.0
    before, seen, n_eff = last
    moved = given - before
    if abs(moved) < 0.25:
        return 1.0
    predicted = _level_at(level, max(0.0, n_eff + moved)) - seen
    if abs(predicted) < 0.005:
        return 1.0
    return min(1.0, max(RHO_MIN, (mean - seen) / predicted))
