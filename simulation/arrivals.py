"""The contacts of one replication, drawn up front from the demand model.

Arrivals are a non-homogeneous Poisson process with piecewise-constant rate: in a segment of
length L with rate r the count is Poisson(r L) and the instants are uniform within it (Ross,
*Simulation*, 5th ed., section 5.5). The horizon is cyclic: the warm-up before ``t = 0`` and
the cool-down after the end replay the rates of ``t mod length``. Every contact's attributes
(handle time, patience, bot outcome, callback acceptance, recontact) are drawn here, from their
own streams, in arrival order: the same customer behaves the same whatever the roster.

The bot step is resolved here too, since its duration is fixed (containment 0 means the bot
is switched off: no session, no delay, no cost): a bot-handled contact reaches the
agent queue ``bot.time`` after arriving, or is contained; a contained customer who comes back is
a new contact, without the bot, ``recontact_after`` later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.distributions import draw
from simulation.model import SimModel
from simulation.streams import Purpose, stream


@dataclass(frozen=True)
class ContactTable:
    """The contacts that reach an agent queue, sorted by ``t_queue_s``, plus demand counters.

    Per contact: ``t_queue_s`` (time it reaches the queue [s]), ``channel``, ``queue`` (index of
    the channel-language queue), ``handle_s`` (handle time at concurrency 1 [s]), ``patience_s``
    (inf = never abandons), ``callback`` (True if the caller accepts a callback when offered),
    ``bot_s`` (time spent with the bot before reaching the queue [s]: the bot's ``time`` for an
    escalated contact, 0 for a recontact or without a bot), ``region`` (index of the customer's
    region in ``scenario.regions``).
    ``arrived``, ``contained`` and ``bot_sessions`` count per channel and interval of arrival
    (shape channels x intervals); ``segment_arrived`` counts arrivals per segment (row
    ``channel * regions + region``) and interval; ``contacts`` is the number of contacts
    generated over the whole simulated window (warm-up and cool-down included).
    """

    t_queue_s: np.ndarray
    channel: np.ndarray
    queue: np.ndarray
    handle_s: np.ndarray
    patience_s: np.ndarray
    callback: np.ndarray
    bot_s: np.ndarray
    arrived: np.ndarray
    contained: np.ndarray
    bot_sessions: np.ndarray
    contacts: int
    region: np.ndarray
    segment_arrived: np.ndarray
    fresh_work_s: np.ndarray
    """Handle time [s] of the contacts arriving (not recontacts), per channel and interval of
    arrival, as drawn before the bot's escalation factor: a control variate of the service
    level whose expectation is known (``simulation.controls``)."""


def _per_interval(model: SimModel, times: np.ndarray) -> np.ndarray:
    horizon = model.horizon
    inside = times[(times >= 0) & (times < horizon.length_s)]
    index = (inside // horizon.interval_s).astype(np.int64)
    return np.bincount(index, minlength=horizon.n_intervals)[: horizon.n_intervals]


def _work_per_interval(model: SimModel, times: np.ndarray, work: np.ndarray) -> np.ndarray:
    """Sum of ``work`` [s] of the contacts arriving at ``times``, per interval of the horizon."""
    horizon = model.horizon
    inside = (times >= 0) & (times < horizon.length_s)
    index = (times[inside] // horizon.interval_s).astype(np.int64)
    return np.bincount(index, weights=work[inside], minlength=horizon.n_intervals)[
        : horizon.n_intervals
    ]


def _arrival_times(
    model: SimModel, c_index: int, seed: int, replication: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival instants, regions and mean handle times [s] of one channel over the window."""
    spec = model.channels[c_index]
    demand = model.demands[c_index]
    scenario = model.scenario
    cv = scenario.channels[c_index].forecast_error
    days = len(model.horizon.dates)
    if cv > 0:
        shape = 1.0 / cv**2
        rng = stream(seed, replication, Purpose.FORECAST, spec.name)
        multiplier = rng.gamma(shape, 1.0 / shape, size=days)
    else:
        multiplier = np.ones(days)
    length = model.horizon.length_s
    first = math.floor(model.start_s / length)
    last = math.floor(model.end_s / length)
    times, regions, ahts = [], [], []
    for r_index, region in enumerate(scenario.regions):
        rows = demand.region == r_index
        if not rows.any():
            continue
        rng = stream(seed, replication, Purpose.ARRIVALS, f"{spec.name}|{region.name}")
        t0, t1 = demand.t0_s[rows], demand.t1_s[rows]
        expected = demand.rate_per_s[rows] * (t1 - t0) * multiplier[demand.day[rows]]
        for tile in range(first, last + 1):
            offset = tile * length
            counts = rng.poisson(expected)
            segment = np.repeat(np.arange(len(t0)), counts)
            instants = offset + t0[segment] + rng.random(len(segment)) * (t1 - t0)[segment]
            keep = (instants >= model.start_s) & (instants < model.end_s)
            times.append(instants[keep])
            regions.append(np.full(int(keep.sum()), r_index))
            ahts.append(demand.aht_s[rows][segment][keep])
    if not times:
        return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0)
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    aht = np.concatenate(ahts)[order]
    aht = np.where(np.isnan(aht), spec.handle[1], aht)
    return t[order], np.concatenate(regions)[order].astype(np.int64), aht


def generate(model: SimModel, seed: int, replication: int) -> ContactTable:
    """All contacts of ``replication`` (docs/demand.md; the bot: README "Modelling choices")."""
    n_channels, n_intervals = len(model.channels), model.horizon.n_intervals
    n_regions = len(model.scenario.regions)
    arrived = np.zeros((n_channels, n_intervals), dtype=np.int64)
    segment_arrived = np.zeros((n_channels * n_regions, n_intervals), dtype=np.int64)
    fresh_work = np.zeros((n_channels, n_intervals))
    contained = np.zeros_like(arrived)
    sessions = np.zeros_like(arrived)
    parts: list[tuple[np.ndarray, ...]] = []
    total = 0
    for spec in model.channels:
        c = spec.index
        t, region, aht = _arrival_times(model, c, seed, replication)
        n = len(t)
        total += n
        distribution, _, cv = spec.handle
        rng = stream(seed, replication, Purpose.HANDLE, spec.name)
        handle = draw(rng, distribution, 1.0, cv, n) * aht
        fresh_work[c] = _work_per_interval(model, t, handle)
        if spec.patience is not None:
            rng = stream(seed, replication, Purpose.PATIENCE, spec.name)
            patience = draw(rng, spec.patience[0], spec.patience[1], spec.patience[2], n)
        else:
            patience = np.full(n, math.inf)
        if spec.callback is not None:
            rng = stream(seed, replication, Purpose.CALLBACK, spec.name)
            accepts = rng.random(n) < spec.callback[1]
        else:
            accepts = np.zeros(n, dtype=bool)
        t_queue = t
        bot_s = np.zeros(n)
        arrived[c] += _per_interval(model, t)
        for r in range(n_regions):
            segment_arrived[c * n_regions + r] += _per_interval(model, t[region == r])
        if spec.bot is not None and spec.bot[0] > 0:
            containment, bot_time, _, factor, recontact_share, after = spec.bot
            is_contained = stream(seed, replication, Purpose.BOT, spec.name).random(n) < (
                containment
            )
            comes_back = stream(seed, replication, Purpose.RECONTACT, spec.name).random(n) < (
                recontact_share
            )
            sessions[c] += _per_interval(model, t)
            contained[c] += _per_interval(model, t[is_contained])
            back = is_contained & comes_back
            t_back = t[back] + bot_time + after
            arrived[c] += _per_interval(model, t_back)
            for r in range(n_regions):
                segment_arrived[c * n_regions + r] += _per_interval(
                    model, t_back[region[back] == r]
                )
            escalated = ~is_contained
            t_queue = np.concatenate([t[escalated] + bot_time, t_back])
            handle = np.concatenate([handle[escalated] * factor, handle[back]])
            patience = np.concatenate([patience[escalated], patience[back]])
            accepts = np.concatenate([accepts[escalated], accepts[back]])
            region = np.concatenate([region[escalated], region[back]])
            bot_s = np.concatenate([np.full(int(escalated.sum()), bot_time), np.zeros(len(t_back))])
            total += int(back.sum())
        keep = t_queue < model.end_s
        lookup = np.array(
            [model.queue_of[(c, r)] for r in range(len(model.scenario.regions))], dtype=np.int64
        )
        queue = lookup[region[keep]]
        parts.append(
            (
                t_queue[keep],
                np.full(int(keep.sum()), c),
                queue,
                handle[keep],
                patience[keep],
                accepts[keep],
                bot_s[keep],
                region[keep],
            )
        )
    t_all = np.concatenate([p[0] for p in parts])
    order = np.argsort(t_all, kind="stable")
    return ContactTable(
        t_queue_s=t_all[order],
        channel=np.concatenate([p[1] for p in parts])[order].astype(np.int64),
        queue=np.concatenate([p[2] for p in parts])[order],
        handle_s=np.concatenate([p[3] for p in parts])[order],
        patience_s=np.concatenate([p[4] for p in parts])[order],
        callback=np.concatenate([p[5] for p in parts])[order],
        bot_s=np.concatenate([p[6] for p in parts])[order],
        arrived=arrived,
        contained=contained,
        bot_sessions=sessions,
        contacts=total,
        region=np.concatenate([p[7] for p in parts])[order].astype(np.int64),
        segment_arrived=segment_arrived,
        fresh_work_s=fresh_work,
    )
