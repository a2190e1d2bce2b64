"""Real-time staffing per interval (stationary Erlang A/C and chat models), and per day when
targets are daily (``daily_allocation``)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimizer.queueing.models import chat_required_agents, chat_service_level, required_servers
from optimizer.requirements.demand import NO_ARRIVALS
from scenarios.schema import Channel


@dataclass(frozen=True)
class RealTimeModel:
    """The service-level model of one real-time channel (parameters in seconds)."""

    channel: Channel
    patience_s: float

    @classmethod
    def of(cls, channel: Channel) -> RealTimeModel:
        patience = math.inf if channel.patience is None else channel.patience.mean
        return cls(channel, patience)

    @property
    def _slowdown(self) -> tuple[float, ...]:
        return self.channel.concurrency_slowdown or (1.0,) * self.channel.concurrency

    def required(self, rate: float, aht: float, guess: int | None) -> int:
        """Required agents at arrival rate ``rate`` [1/s] and handle time ``aht`` [s]."""
        target = self.channel.target
        if self.channel.kind == "chat":
            return chat_required_agents(
                rate,
                aht,
                target.within,
                target.share,
                self.patience_s,
                target.counts,
                self.channel.concurrency,
                self._slowdown,
                target.short_abandon,
                guess=guess,
            )
        return required_servers(
            rate,
            aht,
            target.within,
            target.share,
            self.patience_s,
            target.counts,
            target.short_abandon,
            guess=guess,
        )

    def service_level(self, agents: int, rate: float, aht: float) -> float:
        """Service level of ``agents`` agents (same model as :meth:`required`)."""
        target = self.channel.target
        return chat_service_level(
            agents,
            rate,
            aht,
            self.patience_s,
            target.within,
            target.counts,
            self.channel.concurrency,
            self._slowdown,
            target.short_abandon,
        )

    def fewest(self, rate: float, aht: float) -> int:
        """Fewest agents with a defined service level: 1 with abandonment, else a stable
        queue at some concurrency ``k``: ``n k > a_k`` with ``a_k = rate aht slowdown[k-1]``."""
        if math.isfinite(self.patience_s):
            return 1
        return min(
            math.floor(rate * aht * factor / k) + 1
            for k, factor in enumerate(self._slowdown, start=1)
        )


def daily_allocation(
    weights: np.ndarray,
    service_level: Callable[[int, int], float],
    fewest: np.ndarray,
    ceiling: np.ndarray,
    share: float,
) -> np.ndarray:
    """Fewest agent-intervals meeting a day's offered-weighted service level (greedy).

    Parameters: ``weights[t]`` expected contacts of interval ``t`` (> 0), ``service_level(t,
    n)`` the interval's service level with ``n`` agents, ``fewest[t]`` the smallest ``n`` with a
    defined service level (start), ``ceiling[t]`` the per-interval requirement (meets
    ``share`` on its own), ``share`` the target.  Returns ``n[t]`` with
    ``sum_t w_t SL_t(n_t) >= share sum_t w_t`` at (near) fewest ``sum_t n_t``.

    Method: marginal allocation.  Start every interval at ``fewest`` and add agents where the
    gain in weighted service level per agent, ``w_t (SL_t(n_t + m) - SL_t(n_t)) / m``, is
    largest, until the day meets the target; then drop, one at a time, agents whose removal
    still leaves the day on target (cheapest loss first).  For concave ``SL_t`` the best
    step is always ``m = 1`` and the greedy is optimal (Gross 1956; Fox 1966, "Discrete
    optimization via marginal analysis", Management Science 13(3):210-216): minimising
    ``sum n_t`` subject to ``sum w_t SL_t(n_t) >= goal`` is a separable concave resource
    allocation, after ``k`` greedy steps the allocation maximises the weighted service level
    among all allocations with ``k`` added agents (an exchange argument: every marginal gain
    taken is at least every gain left, and concavity makes the gains left only smaller), so
    the first ``k`` that meets the goal is the fewest possible.  Koole and van der Sluis
    (2003), "Optimal shift scheduling with a global service level constraint", IIE
    Transactions 35(11):1049-1055, use the same argument for call centres.

    The Erlang C service level is concave for ``n > a`` (checked numerically in the tests).
    Erlang A is S-shaped: convex for few agents (while most callers abandon), concave from
    around SL 0.5; and the chat model (a maximum over concurrency levels) need not be concave.
    Looking ahead ``m`` agents (up to ``ceiling[t] + 2``, while the average gain grows)
    follows the upper concave envelope across the convex part, and the final pass removes
    the overshoot of the last jump; there the result is a good heuristic, not a proven
    optimum, and it always meets the target.
    Safeguard: a result above the per-interval requirement's total is replaced by
    ``ceiling``.
    """
    size = len(fewest)
    agents = fewest.astype(np.int64).copy()
    if size == 0:
        return agents
    goal = share * float(weights.sum())
    tolerance = 1e-12 * max(1.0, goal)
    reached = sum(float(weights[t]) * service_level(t, int(agents[t])) for t in range(size))
    budget = int(ceiling.sum())
    heap: list[tuple[float, int, int]] = []

    def push(t: int) -> None:
        n = int(agents[t])
        here = service_level(t, n)
        best_rate, best_m = -math.inf, 1
        for m in range(1, max(1, int(ceiling[t]) + 2 - n) + 1):
            rate = float(weights[t]) * (service_level(t, n + m) - here) / m
            if rate <= best_rate:
                break  # past the tangent point of the S-shape: the average gain only falls
            best_rate, best_m = rate, m
        heapq.heappush(heap, (-best_rate, t, best_m))

    for t in range(size):
        push(t)
    while reached < goal - tolerance:
        if int(agents.sum()) >= budget or not heap:
            return ceiling.astype(np.int64).copy()
        _, t, m = heapq.heappop(heap)
        before = service_level(t, int(agents[t]))
        agents[t] += m
        reached += float(weights[t]) * (service_level(t, int(agents[t])) - before)
        push(t)
    while True:  # trim the overshoot
        best_loss, best_t = math.inf, -1
        for t in range(size):
            n = int(agents[t])
            if n <= fewest[t]:
                continue
            loss = float(weights[t]) * (service_level(t, n) - service_level(t, n - 1))
            if loss < best_loss:
                best_loss, best_t = loss, t
        if best_t < 0 or reached - best_loss < goal - tolerance:
            break
        agents[best_t] -= 1
        reached -= best_loss
    if int(agents.sum()) > budget:
        return ceiling.astype(np.int64).copy()
    return agents


def _level_curves(
    model: RealTimeModel, rates: np.ndarray, aht: np.ndarray
) -> Callable[[int, int], float]:
    """``SL(t, n)`` of the intervals with ``rates`` [1/s] and ``aht`` [s], memoised."""
    curves: dict[tuple[int, int], float] = {}

    def level(t: int, count: int) -> float:
        value = curves.get((t, count))
        if value is None:
            value = model.service_level(count, float(rates[t]), float(aht[t]))
            curves[(t, count)] = value
        return value

    return level


def real_time_agents(
    model: RealTimeModel,
    arrivals: np.ndarray,
    aht: np.ndarray,
    lengths_s: np.ndarray,
    days: np.ndarray | None,
    cache: dict[tuple[float, float], int],
    where: str,
) -> np.ndarray:
    """Required agents per interval (per-interval targets; daily targets when ``days``)."""
    n = len(arrivals)
    agents = np.zeros(n, dtype=np.int64)
    rates = arrivals / lengths_s
    busy = arrivals > NO_ARRIVALS
    previous: int | None = None
    for t in np.flatnonzero(busy):
        key = (float(rates[t]), float(aht[t]))
        found = cache.get(key)
        if found is None:
            try:
                found = model.required(key[0], key[1], previous)
            except ValueError as exc:
                raise ValueError(f"{where}, interval {t}: {exc}") from exc
            cache[key] = found
        agents[t] = found
        previous = found
    if days is None or model.channel.target.share <= 0.0:
        return agents
    for day in np.unique(days):
        index = np.flatnonzero(busy & (days == day))
        if len(index) == 0:
            continue
        day_rates, day_aht = rates[index], aht[index]
        fewest = np.array(
            [model.fewest(float(r), float(h)) for r, h in zip(day_rates, day_aht, strict=True)]
        )
        level = _level_curves(model, day_rates, day_aht)
        agents[index] = daily_allocation(
            arrivals[index], level, fewest, agents[index], model.channel.target.share
        )
    return agents
