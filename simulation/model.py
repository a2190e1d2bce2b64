"""What the engine needs from a scenario, resolved once: channels, queues, sites, shifts.

``build(scenario)`` turns the frozen ``Scenario`` into a ``SimModel`` of plain numbers on the
UTC time line (seconds since the horizon start). It is built once per run and shared by every
replication (pickled to worker processes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scenarios.schema import Scenario
from scenarios.timeline import Demand, Horizon, ShiftInstance, demand, shift_instances

MIN_COOLDOWN_S = 2 * 3600.0
"""Shortest time simulated after the horizon so that its last contacts can finish [s]."""
FEEDBACK_WARMUP = 3.0
"""With repeats or redials, the warm-up is at least this many times the longest mean delay
(``resolution.repeat_after``, ``redial.after``), so the contacts coming back at the start of
the horizon are those of a run in steady state (the share of an exponential delay longer than
three means is e^-3 = 5 %, and those repeats of earlier days are missing)."""


@dataclass(frozen=True)
class ChannelSpec:
    """One channel's parameters as the engine uses them (durations in seconds)."""

    index: int
    name: str
    kind: str
    real_time: bool
    target_s: float
    target_share: float
    counts: str
    short_abandon_s: float
    concurrency: int
    slowdown: tuple[float, ...]
    shared: bool
    """Chat concurrency model "shared": held chats' remaining work is rescaled whenever the
    number held changes (False: the factor is fixed at assignment)."""
    handle: tuple[str, float, float]
    patience: tuple[str, float, float] | None
    callback: tuple[float, float, float] | None
    bot: tuple[float, float, float, float, float, float] | None
    """(containment, time_s, cost_per_session, escalated factor, recontact share, after_s)."""
    redial: tuple[float, float] | None = None
    """(share of abandoning customers who try again, mean delay before they do [s])."""
    resolution: tuple[float, float, int] | None = None
    """(first-contact resolution share, mean delay of a repeat [s], channel index of the
    repeats)."""


@dataclass(frozen=True)
class SimModel:
    """A scenario resolved for simulation.

    ``queues[q] = (channel index, language)``: one FIFO queue per channel and customer language;
    ``queue_of[(channel, region)]`` is the queue of a region's contacts; ``queue_sites[q]`` the
    sites whose agents may take them; ``site_plans[s]`` the channels a site handles in routing
    priority order, each with the queues it serves.
    """

    scenario: Scenario
    horizon: Horizon
    channels: tuple[ChannelSpec, ...]
    demands: tuple[Demand, ...]
    queues: tuple[tuple[int, str], ...]
    queue_of: dict[tuple[int, int], int]
    queue_sites: tuple[tuple[int, ...], ...]
    site_plans: tuple[tuple[tuple[int, tuple[int, ...]], ...], ...]
    instances: tuple[ShiftInstance, ...]
    warmup_s: float
    cooldown_s: float

    @property
    def start_s(self) -> float:
        """First simulated instant (warm-up start) [s]."""
        return -self.warmup_s

    @property
    def end_s(self) -> float:
        """Last simulated instant (cool-down end) [s]."""
        return self.horizon.length_s + self.cooldown_s


def _channel_spec(index: int, scenario: Scenario, name: str) -> ChannelSpec:
    channel = scenario.channel(name)
    slowdown = channel.concurrency_slowdown or (1.0,) * channel.concurrency
    ht = channel.handle_time
    patience = channel.patience
    callback = channel.callback
    bot = channel.bot
    redial = channel.redial
    resolution = channel.resolution
    names = [c.name for c in scenario.channels]
    return ChannelSpec(
        index=index,
        name=channel.name,
        kind=channel.kind,
        real_time=channel.real_time,
        target_s=channel.target.within,
        target_share=channel.target.share,
        counts=channel.target.counts,
        short_abandon_s=channel.target.short_abandon,
        concurrency=channel.concurrency,
        slowdown=tuple(slowdown),
        shared=channel.concurrency_model == "shared" and channel.concurrency > 1,
        handle=(ht.distribution, ht.mean, ht.cv),
        patience=None if patience is None else (patience.distribution, patience.mean, patience.cv),
        callback=None
        if callback is None
        else (callback.offer_after, callback.accept_share, callback.within),
        bot=None
        if bot is None
        else (
            bot.containment,
            bot.time,
            bot.cost_per_session,
            bot.escalated_handle_time_factor,
            bot.recontact_share,
            bot.recontact_after,
        ),
        redial=None if redial is None else (redial.share, redial.after),
        resolution=None
        if resolution is None
        else (
            resolution.first_contact,
            resolution.repeat_after,
            names.index(resolution.repeat_channel or channel.name),
        ),
    )


def build(scenario: Scenario) -> SimModel:
    """Resolve ``scenario`` for the engine."""
    horizon = Horizon.of(scenario)
    names = [c.name for c in scenario.channels]
    channels = tuple(_channel_spec(k, scenario, n) for k, n in enumerate(names))
    demands = tuple(demand(scenario, c, horizon) for c in scenario.channels)
    queues: list[tuple[int, str]] = []
    queue_of: dict[tuple[int, int], int] = {}
    for c_index in range(len(channels)):
        for r_index, region in enumerate(scenario.regions):
            key = (c_index, region.language)
            if key not in queues:
                queues.append(key)
            queue_of[(c_index, r_index)] = queues.index(key)
    queue_sites = tuple(
        tuple(
            s_index
            for s_index, site in enumerate(scenario.sites)
            if names[c_index] in site.skills and site.serves(language)
        )
        for c_index, language in queues
    )
    order = scenario.priority_order()
    site_plans = tuple(
        tuple(
            (
                names.index(name),
                tuple(
                    q
                    for q, sites in enumerate(queue_sites)
                    if s_index in sites and queues[q][0] == names.index(name)
                ),
            )
            for name in order
            if name in site.skills
        )
        for s_index, site in enumerate(scenario.sites)
    )
    async_windows = [c.target_s for c in channels if not c.real_time]
    callback_windows = [c.callback[2] for c in channels if c.callback is not None]
    cooldown = max([MIN_COOLDOWN_S, *async_windows, *callback_windows])
    return SimModel(
        scenario=scenario,
        horizon=horizon,
        channels=channels,
        demands=demands,
        queues=tuple(queues),
        queue_of=queue_of,
        queue_sites=queue_sites,
        site_plans=site_plans,
        instances=tuple(shift_instances(scenario, horizon)),
        warmup_s=max(
            [scenario.run.warmup]
            + [FEEDBACK_WARMUP * c.resolution[1] for c in channels if c.resolution is not None]
            + [FEEDBACK_WARMUP * c.redial[1] for c in channels if c.redial is not None]
        ),
        cooldown_s=math.ceil(cooldown),
    )
