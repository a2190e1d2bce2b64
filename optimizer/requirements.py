"""Staffing requirements per channel, language group, interval and bot level.

``requirements(scenario)`` turns a scenario's demand into the productive agents (real-time
channels) or the work (asynchronous channels) that every interval of the horizon needs, for
every bot containment level the optimizer may choose, and hands them to the shift MILP as
:class:`optimizer.shifts.problem.RealTimeNeed` / :class:`optimizer.shifts.problem.AsyncNeed` /
:class:`optimizer.shifts.problem.BotChoice`.

Demand model (the engine's, in expectation; README "Modelling choices"):

* Arrivals are the expected values of the piecewise-constant rates of
  :func:`scenarios.timeline.demand`; the per-day ``forecast_error`` multiplier has mean 1 and is
  ignored here (the simulation draws it).  Rates are integrated over the horizon's interval grid
  (segments that straddle intervals are split by overlap).
* Contacts are grouped as the engine queues them: per channel and customer language (the
  region's ``language``; regions with language ``any`` form their own group ``"any"``).
* A contact belongs to the interval in which it reaches the agent queue.  With a bot at
  containment ``c > 0`` that is ``bot.time`` after arrival for the escalated share ``1 - c``
  (handle time times ``escalated_handle_time_factor``), and ``bot.time + recontact_after``
  after arrival for the share ``c * recontact_share`` that comes back without the bot (channel
  handle time).  The delays wrap around the cyclic horizon.  ``c = 0`` is "bot off": no
  session, no delay, no cost.
* Real-time channels are staffed interval by interval with stationary formulas (SIPP; Green,
  Kolesar and Soares 2001, Operations Research 49(4):549-564): Erlang A with the mean patience
  (Erlang C without patience) for voice, :func:`optimizer.queueing.chat_required_agents` for
  chat.  The simulate-and-correct loop adds agents where the simulation shows a miss
  (``Requirements.needs(adjust)``).
* Asynchronous channels (email, social) hand the MILP their work per interval and a window of
  ``ceil(target.within / interval)`` intervals; the ``agents`` column shows a feasible capacity
  profile (:func:`optimizer.queueing.async_required_agents`) for reporting.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from optimizer.queueing.models import (
    async_required_agents,
    chat_required_agents,
    chat_service_level,
    required_servers,
)
from optimizer.shifts.problem import AsyncNeed, BotChoice, RealTimeNeed
from scenarios.schema import Channel, Scenario
from scenarios.timeline import Demand, Horizon, demand

__all__ = [
    "TABLE_COLUMNS",
    "BotVariant",
    "ChannelDemand",
    "EffectiveDemand",
    "Requirements",
    "bot_options",
    "bot_variants",
    "channel_demand",
    "daily_allocation",
    "effective_demand",
    "group_sites",
    "language_groups",
    "productive_share",
    "requirements",
]

TABLE_COLUMNS: tuple[str, ...] = (
    "channel",
    "group",
    "interval",
    "option",
    "arrivals",
    "aht_s",
    "agents",
    "work_agents",
    "scheduled",
)
"""Columns of :attr:`Requirements.table`, in order."""

# Expected arrivals below this in an interval count as none (float dust of the overlaps).
_NO_ARRIVALS = 1e-12
# Binary-rounding guard when grossing up integer requirements (14 / 0.7 = 20.000000000000004).
_ROUND_GUARD = 1e-9


# --------------------------------------------------------------------------------------------
# bots
# --------------------------------------------------------------------------------------------


class BotVariant(NamedTuple):
    """How one bot level changes the contacts that reach the agents of a channel.

    ``escalated_share``: share of arrivals escalated to the agent queue (``1 - c``);
    ``aht_factor``: handle-time multiplier of escalated contacts; ``recontact_share``: share of
    *all arrivals* that come back later as new contacts without the bot
    (``c * bot.recontact_share``); ``recontact_delay_s`` [s]: from arrival to the recontact
    reaching the queue (``bot.time + recontact_after``); ``bot_delay_s`` [s]: from arrival to
    escalation (``bot.time``).
    """

    escalated_share: float
    aht_factor: float
    recontact_share: float
    recontact_delay_s: float
    bot_delay_s: float


_NO_BOT = BotVariant(1.0, 1.0, 0.0, 0.0, 0.0)


def bot_options(channel: Channel) -> tuple[float, ...]:
    """Bot levels the optimizer may choose for ``channel``.

    ``bot.options`` if given, else ``(bot.containment,)``; ``(0.0,)`` for a channel without a
    bot.  Duplicates are dropped, the file order is kept.
    """
    if channel.bot is None:
        return (0.0,)
    chosen = channel.bot.options or (channel.bot.containment,)
    return tuple(dict.fromkeys(float(option) for option in chosen))


def bot_variants(channel: Channel, option: float) -> BotVariant:
    """The :class:`BotVariant` of ``channel`` at containment ``option`` (SPEC section 2.4).

    Containment 0 (or a channel without a bot) means the bot is off: every contact goes
    straight to the agents with the channel's handle time.
    """
    if not 0.0 <= option <= 1.0:
        raise ValueError(f"bot containment must be in [0, 1], got {option}")
    bot = channel.bot
    if bot is None or option == 0.0:
        return _NO_BOT
    return BotVariant(
        escalated_share=1.0 - option,
        aht_factor=bot.escalated_handle_time_factor,
        recontact_share=option * bot.recontact_share,
        recontact_delay_s=bot.time + bot.recontact_after,
        bot_delay_s=bot.time,
    )


# --------------------------------------------------------------------------------------------
# language groups and sites
# --------------------------------------------------------------------------------------------


def language_groups(scenario: Scenario) -> tuple[str, ...]:
    """Customer language groups in region order (``"any"`` is a group of its own)."""
    return tuple(dict.fromkeys(region.language for region in scenario.regions))


def group_sites(scenario: Scenario, channel: str, group: str) -> tuple[str, ...]:
    """Names of the sites with ``channel`` among their skills that serve language ``group``.

    Same rule as the engine's routing: ``any`` on either side matches everything.
    """
    return tuple(
        site.name for site in scenario.sites if channel in site.skills and site.serves(group)
    )


def productive_share(scenario: Scenario, sites: tuple[str, ...]) -> float:
    """Expected share of a scheduled agent-interval that is productive, over ``sites``.

    ``(1 - absenteeism)(1 - offline_share)(1 - break share)``, each loss averaged over the
    sites weighted by their ``max_agents`` (equal weights unless every site has a positive
    bound); a site's break share is the mean over the shift templates it may use of the break
    time over the shift length (0 without templates).  NaN when no site is given.  Used for the
    ``scheduled`` column only; the MILP takes the same three losses out of each shift column's
    own coverage, per site and per interval.
    """
    if not sites:
        return math.nan
    rows = [scenario.site(name) for name in sites]
    bounds = [site.max_agents for site in rows]
    weights = np.array(
        [float(b) for b in bounds if b is not None]
        if all(b is not None and b > 0 for b in bounds)
        else [1.0] * len(rows)
    )
    weights = weights / weights.sum()
    absent = [site.absenteeism for site in rows]
    offline = [site.offline_share for site in rows]
    breaks: list[float] = []
    for site in rows:
        shares = [
            sum(b.length for b in shift.breaks) / shift.length
            for shift in scenario.shifts
            if shift.sites is None or site.name in shift.sites
        ]
        breaks.append(float(np.mean(shares)) if shares else 0.0)

    def mean(values: list[float]) -> float:
        return float(np.dot(weights, np.asarray(values, dtype=float)))

    return (1.0 - mean(absent)) * (1.0 - mean(offline)) * (1.0 - mean(breaks))


# --------------------------------------------------------------------------------------------
# demand on the interval grid
# --------------------------------------------------------------------------------------------


def _interval_sums(
    t0_s: np.ndarray, t1_s: np.ndarray, per_s: np.ndarray, horizon: Horizon, delay_s: float
) -> np.ndarray:
    """Integral of a piecewise-constant function over each interval of the cyclic horizon.

    Segment ``k`` holds ``per_s[k]`` (e.g. arrivals per second) on ``[t0_s[k], t1_s[k])``, moved
    ``delay_s`` [s] later and wrapped around the horizon; segments that straddle intervals are
    split by overlap.  Returns one value per interval (e.g. expected arrivals).
    """
    length, step, n = horizon.length_s, float(horizon.interval_s), horizon.n_intervals
    out = np.zeros(n)
    if len(t0_s) == 0:
        return out
    starts = np.mod(t0_s + delay_s, length)
    ends = starts + (t1_s - t0_s)
    wrap = ends > length
    starts = np.concatenate([starts, np.zeros(int(wrap.sum()))])
    ends = np.concatenate([np.minimum(ends, length), ends[wrap] - length])
    values = np.concatenate([per_s, per_s[wrap]])
    first = np.minimum(np.floor(starts / step).astype(np.int64), n - 1)
    last = np.clip(np.ceil(ends / step).astype(np.int64) - 1, first, n - 1)
    for k in range(int((last - first).max()) + 1):
        index = first + k
        inside = index <= last
        overlap = np.minimum(ends, (index + 1) * step) - np.maximum(starts, index * step)
        np.add.at(out, index[inside], (values * np.maximum(overlap, 0.0))[inside])
    return out


@dataclass(frozen=True, eq=False)
class EffectiveDemand:
    """Contacts of one channel reaching its agent queues at one bot level.

    ``arrivals[g, t]``: expected contacts of language group ``groups[g]`` reaching the agent
    queue in interval ``t``; ``work_s[g, t]``: their expected handling work [agent-s] at
    concurrency 1 (so ``work_s / arrivals`` is their mean handle time [s]);
    ``bot_sessions``: expected bot sessions over the horizon (0 when the bot is off).
    """

    channel: str
    option: float
    groups: tuple[str, ...]
    arrivals: np.ndarray
    work_s: np.ndarray
    bot_sessions: float


@dataclass(frozen=True, eq=False)
class ChannelDemand:
    """One channel's expected arrivals on the interval grid, by language group and delay.

    ``by_delay[d]`` = ``(arrivals, work_s)`` arrays (groups x intervals) of the channel's
    arrivals moved ``d`` seconds later (cyclic); ``expected`` = horizon volume.
    """

    channel: Channel
    groups: tuple[str, ...]
    by_delay: dict[float, tuple[np.ndarray, np.ndarray]]
    expected: float

    def effective(self, option: float) -> EffectiveDemand:
        """Contacts reaching the agents at bot level ``option`` (see module docstring)."""
        variant = bot_variants(self.channel, option)
        if variant is _NO_BOT:
            arrivals, work = self.by_delay[0.0]
            return EffectiveDemand(
                self.channel.name, option, self.groups, arrivals.copy(), work.copy(), 0.0
            )
        esc_arr, esc_work = self.by_delay[variant.bot_delay_s]
        back_arr, back_work = self.by_delay[variant.recontact_delay_s]
        arrivals = variant.escalated_share * esc_arr + variant.recontact_share * back_arr
        work = (
            variant.escalated_share * variant.aht_factor * esc_work
            + variant.recontact_share * back_work
        )
        return EffectiveDemand(
            self.channel.name, option, self.groups, arrivals, work, self.expected
        )


def channel_demand(
    scenario: Scenario,
    channel: Channel,
    horizon: Horizon | None = None,
    segments: Demand | None = None,
) -> ChannelDemand:
    """Expected arrivals and work of ``channel`` per language group and interval.

    ``segments`` defaults to :func:`scenarios.timeline.demand` (expected rates; the
    forecast-error multiplier, mean 1, is ignored).  Mean handle time of a segment is its own
    (forecast CSV ``aht``) or the channel's.  Groups are the languages of the regions that send
    the channel any contacts, in region order.  The delays needed by every bot option are
    precomputed.
    """
    horizon = Horizon.of(scenario) if horizon is None else horizon
    segments = demand(scenario, channel, horizon) if segments is None else segments
    active = segments.rate_per_s > 0.0
    language_of = np.array([region.language for region in scenario.regions], dtype=object)
    used = {int(r) for r in segments.region[active]}
    groups = tuple(
        dict.fromkeys(region.language for k, region in enumerate(scenario.regions) if k in used)
    )
    aht = np.where(np.isnan(segments.aht_s), channel.handle_time.mean, segments.aht_s)
    delays = {0.0}
    for option in bot_options(channel):
        variant = bot_variants(channel, option)
        delays.update({variant.bot_delay_s, variant.recontact_delay_s})
    by_delay: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    n = horizon.n_intervals
    for delay in sorted(delays):
        arrivals = np.zeros((len(groups), n))
        work = np.zeros((len(groups), n))
        for g, group in enumerate(groups):
            rows = active & (language_of[segments.region] == group)
            t0, t1, rate = segments.t0_s[rows], segments.t1_s[rows], segments.rate_per_s[rows]
            arrivals[g] = _interval_sums(t0, t1, rate, horizon, delay)
            work[g] = _interval_sums(t0, t1, rate * aht[rows], horizon, delay)
        by_delay[delay] = (arrivals, work)
    return ChannelDemand(channel, groups, by_delay, segments.expected)


def effective_demand(
    scenario: Scenario, channel: Channel, option: float, horizon: Horizon | None = None
) -> EffectiveDemand:
    """Contacts of ``channel`` reaching the agents at bot level ``option``, per group/interval.

    Shortcut for ``channel_demand(scenario, channel, horizon).effective(option)``: interval
    ``t`` receives ``(1 - c)`` times the arrivals moved by ``bot.time`` (handle time x factor)
    plus ``c * recontact_share`` times the arrivals moved by ``bot.time + recontact_after``
    (channel handle time), cyclic over the horizon; ``bot_sessions`` = horizon volume when
    ``c > 0`` (recontacts skip the bot), else 0.
    """
    return channel_demand(scenario, channel, horizon).effective(option)


# --------------------------------------------------------------------------------------------
# real-time staffing: per interval, and per day (daily targets)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RealTimeModel:
    """The service-level model of one real-time channel (parameters in seconds)."""

    channel: Channel
    patience_s: float

    @classmethod
    def of(cls, channel: Channel) -> _RealTimeModel:
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
    model: _RealTimeModel, rates: np.ndarray, aht: np.ndarray
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


def _real_time_agents(
    model: _RealTimeModel,
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
    busy = arrivals > _NO_ARRIVALS
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


# --------------------------------------------------------------------------------------------
# the requirements
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Requirements:
    """Staffing requirements of a scenario, per channel, group, interval and bot level.

    ``table`` (tidy, one row per channel x group x option x interval), columns
    :data:`TABLE_COLUMNS`:

    * ``channel``, ``group`` (customer language), ``interval`` (0..n-1 on the horizon grid),
      ``option`` (bot containment; 0.0 for channels without a bot);
    * ``arrivals``: expected contacts reaching the agent queue in the interval;
    * ``aht_s``: their mean handle time at concurrency 1 [s] (NaN without arrivals);
    * ``agents``: required productive agents.  Real time: the smallest number meeting the
      channel target in that interval (Erlang A/C, chat model), or the day's greedy allocation
      when ``optimizer.targets = "daily"``; 0 without arrivals.  Asynchronous: the capacity
      profile of :func:`optimizer.queueing.async_required_agents` (work spread over its
      window), for reporting;
    * ``work_agents``: asynchronous work arriving in the interval [agent-intervals] =
      ``arrivals * aht_s / interval_s`` (NaN for real-time channels);
    * ``scheduled``: ``agents`` grossed up for absenteeism, offline share and breaks with
      :func:`productive_share` of the group's sites (rounded up for real-time channels, NaN
      when no site serves the group).  The MILP does not use it: each shift column's own
      coverage takes the same three losses out per site and per interval.

    ``bot_costs[channel][option]``: expected bot cost over the horizon (sessions x
    ``cost_per_session``; 0 at containment 0), for channels with a bot.  ``sites[(channel,
    group)]``: the sites that may serve that group; ``windows[channel]``: async window
    [intervals] = ``ceil(target.within / interval_s)``; ``options[channel]``: bot levels.
    """

    table: pd.DataFrame
    bot_costs: dict[str, dict[float, float]]
    n_intervals: int
    interval_s: float
    sites: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=dict)
    options: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def needs(
        self, adjust: dict[tuple[str, str, int], float] | None = None
    ) -> tuple[RealTimeNeed | AsyncNeed, ...]:
        """The MILP's needs, one per channel and language group, every bot level included.

        ``adjust[(channel, group, interval)]`` is added to that interval's requirement for
        every option: extra productive agents for real-time channels, extra agent-intervals of
        work for asynchronous ones (the simulate-and-correct loop uses it).  Results are
        clipped at 0.
        """
        adjust = adjust or {}
        n = self.n_intervals
        table = self.table
        channels = table["channel"].to_numpy()
        groups = table["group"].to_numpy()
        options = table["option"].to_numpy(dtype=float)
        intervals = table["interval"].to_numpy(dtype=np.int64)
        out: list[RealTimeNeed | AsyncNeed] = []
        for (channel, group), sites in self.sites.items():
            extra = np.array([adjust.get((channel, group, t), 0.0) for t in range(n)])
            asynchronous = channel in self.windows
            values = table["work_agents" if asynchronous else "agents"].to_numpy(dtype=float)
            rows = (channels == channel) & (groups == group)
            vectors: dict[float, tuple[float, ...]] = {}
            for option in self.options[channel]:
                mine = rows & (options == option)
                need = np.zeros(n)
                need[intervals[mine]] = values[mine]
                vectors[option] = tuple(float(v) for v in np.maximum(need + extra, 0.0))
            if asynchronous:
                # work of interval u is due by the end of u + W - 1 here; the MILP's window
                # counts the intervals after u, so it gets W - 1
                window = self.windows[channel] - 1
                out.append(AsyncNeed(channel, group, sites, window, vectors))
            else:
                out.append(RealTimeNeed(channel, group, sites, vectors))
        return tuple(out)

    def bot_choices(self) -> tuple[BotChoice, ...]:
        """One :class:`BotChoice` per channel with a bot: its options and their costs."""
        return tuple(
            BotChoice(
                channel, self.options[channel], tuple(costs[o] for o in self.options[channel])
            )
            for channel, costs in self.bot_costs.items()
        )


def requirements(scenario: Scenario, horizon: Horizon | None = None) -> Requirements:
    """Required agents and work of ``scenario`` per channel, group, interval and bot level.

    See :class:`Requirements` for the table and the module docstring for the demand model.
    Real-time requirement per interval: :func:`optimizer.queueing.required_servers` (same as
    ``optimizer.queueing.erlang.required_agents``) with the channel's ``target.share``, ``within``,
    ``counts`` rule and ``short_abandon``, and the patience mean as exponential patience
    (``None`` = nobody abandons: Erlang C; a non-exponential patience distribution is replaced
    by an exponential one with its mean); chat via
    :func:`optimizer.queueing.chat_required_agents`.  Only the mean handle time enters (the
    M/M/n formulas treat handle times as exponential whatever their distribution).  Callbacks
    (virtual hold) are ignored: callers who accept one leave the service-level denominator but
    stay in the queue and do not abandon; at target staffing few callers wait until
    ``offer_after``, and the simulation checks the net effect.  With
    ``scenario.optimizer.targets == "daily"`` each day's requirement is lowered by
    :func:`daily_allocation`.  Results for equal (rate, handle time) pairs are computed once.
    """
    horizon = Horizon.of(scenario) if horizon is None else horizon
    n = horizon.n_intervals
    step = float(horizon.interval_s)
    starts = np.arange(n) * step
    lengths = np.minimum(starts + step, horizon.length_s) - starts
    days = horizon.interval_day if scenario.optimizer.targets == "daily" else None
    columns: dict[str, list[np.ndarray]] = {name: [] for name in TABLE_COLUMNS}
    bot_costs: dict[str, dict[float, float]] = {}
    sites: dict[tuple[str, str], tuple[str, ...]] = {}
    windows: dict[str, int] = {}
    options: dict[str, tuple[float, ...]] = {}
    for channel in scenario.channels:
        base = channel_demand(scenario, channel, horizon)
        options[channel.name] = bot_options(channel)
        if not channel.real_time:
            windows[channel.name] = max(1, math.ceil(channel.target.within / step - 1e-9))
        model = _RealTimeModel.of(channel) if channel.real_time else None
        cache: dict[tuple[float, float], int] = {}
        shares = {}
        for group in base.groups:
            sites[(channel.name, group)] = group_sites(scenario, channel.name, group)
            shares[group] = productive_share(scenario, sites[(channel.name, group)])
        costs: dict[float, float] = {}
        for option in options[channel.name]:
            effective = base.effective(option)
            cost = (
                0.0
                if channel.bot is None
                else effective.bot_sessions * (channel.bot.cost_per_session)
            )
            costs[option] = cost
            for g, group in enumerate(effective.groups):
                arrivals = np.where(
                    effective.arrivals[g] > _NO_ARRIVALS, effective.arrivals[g], 0.0
                )
                work = np.where(arrivals > 0.0, effective.work_s[g], 0.0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    aht = np.where(arrivals > 0.0, work / arrivals, math.nan)
                share = shares[group]
                if model is not None:
                    where = f"channel {channel.name!r}, group {group!r}, bot level {option:g}"
                    agents = _real_time_agents(
                        model, arrivals, aht, lengths, days, cache, where
                    ).astype(float)
                    work_agents = np.full(n, math.nan)
                    scheduled = np.ceil(agents / share - _ROUND_GUARD)
                else:
                    work_agents = work / step
                    agents = np.asarray(
                        async_required_agents(work_agents, windows[channel.name], cyclic=True)
                    )
                    scheduled = agents / share
                columns["channel"].append(np.full(n, channel.name, dtype=object))
                columns["group"].append(np.full(n, group, dtype=object))
                columns["interval"].append(np.arange(n, dtype=np.int64))
                columns["option"].append(np.full(n, float(option)))
                columns["arrivals"].append(arrivals)
                columns["aht_s"].append(aht)
                columns["agents"].append(agents)
                columns["work_agents"].append(work_agents)
                columns["scheduled"].append(scheduled)
        if channel.bot is not None:
            bot_costs[channel.name] = costs
    table = pd.DataFrame(
        {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()},
        columns=list(TABLE_COLUMNS),
    )
    table["interval"] = table["interval"].astype(np.int64)
    return Requirements(
        table=table,
        bot_costs=bot_costs,
        n_intervals=n,
        interval_s=step,
        sites=sites,
        windows=windows,
        options=options,
    )
