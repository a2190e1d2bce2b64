"""The requirements table: staffing requirements per channel, language group, interval and bot
level.

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
* Repeat contacts (``resolution``) and redials (``redial``) come back as volume of their own,
  the fixed point of :mod:`optimizer.requirements.feedback`, computed at the simulated bot
  levels and added to every bot level of the channel they come back to.
* Real-time channels are staffed interval by interval with stationary formulas (SIPP; Green,
  Kolesar and Soares 2001, Operations Research 49(4):549-564): Erlang A with the mean patience
  (Erlang C without patience) for voice, :func:`optimizer.queueing.chat_required_agents` for
  chat: each group's own requirement, which a plan of blended agents does not meet (the
  optimizer plans those with ``optimizer.blending`` and hands the MILP each group's work
  alone, ``Requirements.needs(fluid=True)``); with daily targets the loop raises it where the
  simulation shows a miss (``Requirements.needs(adjust)``).
* Asynchronous channels (email, social) hand the MILP their work per interval and a window of
  ``ceil(target.within / interval)`` intervals; the ``agents`` column shows a feasible capacity
  profile (:func:`optimizer.queueing.async_required_agents`) for reporting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.queueing.models import async_required_agents
from optimizer.requirements.demand import (
    NO_ARRIVALS,
    bot_options,
    channel_demand,
    group_sites,
    productive_share,
)
from optimizer.requirements.feedback import with_feedback
from optimizer.requirements.staffing import RealTimeModel, real_time_agents
from optimizer.shifts.problem import AsyncNeed, BotChoice, RealTimeNeed
from scenarios.schema import Scenario
from scenarios.timeline import Horizon

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

# Binary-rounding guard when grossing up integer requirements (14 / 0.7 = 20.000000000000004).
_ROUND_GUARD = 1e-9


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
    carry: dict[str, float] = field(default_factory=dict)
    """Per real-time channel, productive agents per Erlang of its work at the concurrency that
    needs the fewest: ``min over k of slowdown[k-1] / k`` (1 for voice)."""

    def needs(
        self, adjust: dict[tuple[str, str, int], float] | None = None, fluid: bool = False
    ) -> tuple[RealTimeNeed | AsyncNeed, ...]:
        """The MILP's needs, one per channel and language group, every bot level included.

        ``adjust[(channel, group, interval)]`` is added to that interval's requirement for
        every option: extra productive agents for real-time channels, extra agent-intervals of
        work for asynchronous ones (the simulate-and-correct loop uses it).  Results are
        clipped at 0.  With ``fluid`` a real-time need is its work alone, the fewest agents
        that can carry it (arrivals x AHT / interval x ``carry``), not the staffing that meets
        its target: the optimizer's blending requirement (``optimizer.blending``) sees to
        the targets of queues that share agents, which per-group stationary staffing
        overstates (each group's own safety margin, no pooling).
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
            if asynchronous:
                values = table["work_agents"].to_numpy(dtype=float)
            elif fluid:
                work = table["arrivals"].to_numpy(float) * table["aht_s"].to_numpy(float)
                values = np.nan_to_num(work / self.interval_s) * self.carry[channel]
            else:
                values = table["agents"].to_numpy(dtype=float)
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
    ``optimizer.queueing.erlang_a.required_agents``) with the channel's ``target.share``,
    ``within``, ``counts`` rule and ``short_abandon``, and the patience mean as exponential patience
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
    carry: dict[str, float] = {}
    bases = with_feedback(
        scenario,
        horizon,
        {channel.name: channel_demand(scenario, channel, horizon) for channel in scenario.channels},
    )
    for channel in scenario.channels:
        base = bases[channel.name]
        options[channel.name] = bot_options(channel)
        if not channel.real_time:
            windows[channel.name] = max(1, math.ceil(channel.target.within / step - 1e-9))
        model = RealTimeModel.of(channel) if channel.real_time else None
        if channel.real_time:
            slowdown = channel.concurrency_slowdown or (1.0,) * channel.concurrency
            carry[channel.name] = min(f / k for k, f in enumerate(slowdown, start=1))
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
                arrivals = np.where(effective.arrivals[g] > NO_ARRIVALS, effective.arrivals[g], 0.0)
                work = np.where(arrivals > 0.0, effective.work_s[g], 0.0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    aht = np.where(arrivals > 0.0, work / arrivals, math.nan)
                share = shares[group]
                if model is not None:
                    where = f"channel {channel.name!r}, group {group!r}, bot level {option:g}"
                    agents = real_time_agents(
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
        carry=carry,
    )
