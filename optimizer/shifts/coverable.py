"""Demand no roster can serve, found before solving: planned around, reported as unserved.

A need's requirement in interval ``t`` can only be covered by shift columns of the sites that
serve it which are on the floor in ``t`` (asynchronous work arriving in ``u``: in any of
``u .. u + window``). Where no such column exists (no site has the skill and speaks the
language, or no shift template of those sites covers those hours), no choice of staffing
changes anything there. Left in the MILP, such a requirement only adds a fixed penalty (and
makes a gap computed on the penalised objective meaningless); taking it out first lets the
optimizer plan the rest and say plainly what stays unserved and why.

This is a structural cause found before solving: what ``split_uncoverable`` reports is
proven unservable by the candidate shifts, whatever the solver does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from optimizer.shifts.problem import AsyncNeed, RealTimeNeed, ShiftProblem

NO_SITE = "no site has the skill and speaks the language"
NO_SHIFT = "no shift template of the sites that serve it covers these hours"


@dataclass(frozen=True)
class Unserved:
    """A requirement no candidate shift can cover: ``amount`` productive agents (real time) or
    agent-intervals of work (asynchronous, arriving in ``interval``) for ``channel``/``group``,
    the largest over the bot levels; ``reason`` is ``NO_SITE`` or ``NO_SHIFT``.
    ``by_option`` holds the amount at each bot level of the channel, as (level, amount) pairs:
    a bot's recontacts may be all that reaches these hours, so at some levels nothing may be
    unserved."""

    channel: str
    group: str
    interval: int
    amount: float
    reason: str
    by_option: tuple[tuple[float, float], ...] = ()

    def at(self, level: float | None) -> float:
        """The amount at bot level ``level`` (``amount`` when the level is not one of
        ``by_option``'s, as for a channel without a bot)."""
        for option, value in self.by_option:
            if level is not None and abs(option - level) < 1e-9:
                return value
        return self.amount


def at_levels(unserved: tuple[Unserved, ...], levels: dict[str, float]) -> tuple[Unserved, ...]:
    """The items of ``unserved`` still unserved at the chosen bot ``levels`` (channel ->
    containment), each with ``amount`` at that level."""
    kept = []
    for item in unserved:
        value = item.at(levels.get(item.channel))
        if value > 0:
            kept.append(dataclasses.replace(item, amount=value))
    return tuple(kept)


def _on_floor(problem: ShiftProblem) -> dict[str, np.ndarray]:
    """Per site, whether some candidate column has productive agents in each interval."""
    floor: dict[str, np.ndarray] = {}
    for column in problem.columns:
        mask = floor.setdefault(column.site, np.zeros(problem.n_intervals, dtype=bool))
        for t, share in column.coverage:
            if share > 0:
                mask[t] = True
    return floor


def _servable(need: RealTimeNeed | AsyncNeed, floor: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Intervals whose requirement (work arriving then, for async needs) can be covered."""
    served = np.zeros(n, dtype=bool)
    for site in need.sites:
        if site in floor:
            served |= floor[site]
    if isinstance(need, RealTimeNeed):
        return served
    # work arriving in u may be done in u .. u + window (cyclic horizon)
    window = min(need.window, n - 1)
    reach = served.copy()
    for k in range(1, window + 1):
        reach |= np.roll(served, -k)
    return reach


def split_uncoverable(problem: ShiftProblem) -> tuple[ShiftProblem, tuple[Unserved, ...]]:
    """``problem`` with every requirement no candidate column can cover set to 0, and those
    requirements (one ``Unserved`` per need and interval with a positive requirement)."""
    n = problem.n_intervals
    floor = _on_floor(problem)
    needs: list[RealTimeNeed | AsyncNeed] = []
    unserved: list[Unserved] = []
    for need in problem.needs:
        servable = _servable(need, floor, n)
        vectors = need.agents if isinstance(need, RealTimeNeed) else need.work
        if servable.all():
            needs.append(need)
            continue
        arrays = {option: np.asarray(vec, dtype=float) for option, vec in vectors.items()}
        worst = np.max(np.vstack(list(arrays.values())), axis=0)
        reason = NO_SITE if not need.sites else NO_SHIFT
        for t in np.flatnonzero(~servable & (worst > 0)):
            by_option = tuple((option, float(values[t])) for option, values in arrays.items())
            unserved.append(
                Unserved(need.channel, need.group, int(t), float(worst[t]), reason, by_option)
            )
        kept = {
            option: tuple(float(v) for v in np.where(servable, values, 0.0))
            for option, values in arrays.items()
        }
        if isinstance(need, RealTimeNeed):
            needs.append(dataclasses.replace(need, agents=kept))
        else:
            needs.append(dataclasses.replace(need, work=kept))
    return dataclasses.replace(problem, needs=tuple(needs)), tuple(unserved)
