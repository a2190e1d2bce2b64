"""Demand as the agent queues see it: bot levels, customer language groups and the sites that
serve them, and expected arrivals and work per interval for every bot level (the demand model
of ``optimizer.requirements``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scenarios.schema import Channel, Scenario
from scenarios.timeline import Demand, Horizon, demand, interval_integrals

# Expected arrivals below this in an interval count as none (float dust of the overlaps).
NO_ARRIVALS = 1e-12


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
    """The :class:`BotVariant` of ``channel`` at containment ``option`` (README "Modelling
    choices", Bot).

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
    starts = np.mod(t0_s + delay_s, length)
    ends = starts + (t1_s - t0_s)
    wrap = ends > length
    starts = np.concatenate([starts, np.zeros(int(wrap.sum()))])
    ends = np.concatenate([np.minimum(ends, length), ends[wrap] - length])
    return interval_integrals(starts, ends, np.concatenate([per_s, per_s[wrap]]), step, n)


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
    inflow: tuple[np.ndarray, np.ndarray] | None = None
    """Repeat contacts and redials coming back to the channel, ``(arrivals, work_s)`` by
    group and interval, added at every bot level (``optimizer.requirements.feedback``)."""

    def effective(self, option: float) -> EffectiveDemand:
        """Contacts reaching the agents at bot level ``option`` (see module docstring), the
        ``inflow`` of repeats and redials included."""
        found = self._effective(option)
        if self.inflow is None:
            return found
        arrivals, work = self.inflow
        return EffectiveDemand(
            found.channel,
            option,
            found.groups,
            found.arrivals + arrivals,
            found.work_s + work,
            found.bot_sessions,
        )

    def _effective(self, option: float) -> EffectiveDemand:
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
