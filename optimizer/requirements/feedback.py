"""Repeat contacts and redials in the requirements: the volume that comes back, as a fixed point.

Contacts come back in the engine (``simulation.feedback``) in two ways:

* **repeats** (``resolution``): a share ``1 - first_contact`` of the contacts an agent handles
  of a channel come back after an exponential delay with mean ``repeat_after`` as contacts of
  ``repeat_channel``, with that channel's mean handle time;
* **redials** (``redial``): a share ``share`` of the abandoning customers of a real-time
  channel try again after an exponential delay with mean ``after``, with the same handle time.

Both depend on the volume they add to (repeats of repeats, redials of redials), so the volume
reaching the agents is the fixed point

    V_c = B_c + sum over channels e repeating into c of (1 - f_e) K_e * H_e(V_e)
              + s_c K'_c * P_c(V_c) V_c,

where ``B`` is the volume without them (bot applied), ``H_e = (1 - P_e) V_e`` the handled
contacts, ``P`` the abandonment probability of the Erlang A model at the staffing that the
requirements give that volume (the same model as ``optimizer.requirements.staffing``; 0 for
asynchronous channels and without patience), and ``K`` the exponential delay on the cyclic
interval grid (:func:`delay_kernel`). Per channel, customer language and interval. With
``P`` fixed the map is linear with gain below 1 (``first_contact > 0``, and ``s P < 1`` at any
staffing the requirements give), so it is solved by iteration to a relative change below
``TOLERANCE``; ``P`` is then recomputed from the new volume, until it changes by less than
``TOLERANCE`` (``P`` hardly moves: staffing follows the volume). Staffing is a whole number,
so near a step ``P`` may flip between two values from round to round: after ``MAX_ABANDON_ROUNDS``
rounds the larger of the last two is kept (a little more redial volume, the safe side).

In steady state with every contact handled and repeats on the same channel the total is
``B / first_contact`` (the geometric series ``B (1 + (1-f) + (1-f)^2 + ...)``); with redials
and abandonment ``p`` alone it is ``B / (1 - s p)``.

Approximations (the simulation checks the plan): a contact comes back counted from the
interval in which it reached the queue (the engine counts the delay from the end of handling,
or from the abandonment; minutes against the usual hours of ``repeat_after``); the volume is
computed at the bot levels used when simulating (``bot.containment``) and added to every bot
option of the channel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from optimizer.queueing.erlang_a import erlang_a
from optimizer.requirements.demand import NO_ARRIVALS, ChannelDemand
from optimizer.requirements.staffing import RealTimeModel
from scenarios.schema import Channel, Scenario
from scenarios.timeline import Horizon

TOLERANCE = 1e-9
"""Relative change of the volume (and of the abandonment shares) at which iteration stops."""
MAX_ROUNDS = 100_000
"""Most iterations of the linear solve; reaching it is an error (it does not happen with valid
input: the gain of the linear map is at most ``max(1 - first_contact, share)`` < 1)."""
MAX_ABANDON_ROUNDS = 30
"""Most updates of the abandonment shares (each one a linear solve and an Erlang A search per
interval); then the larger of the last two is kept."""


def delay_kernel(n: int, interval_s: float, mean_s: float) -> np.ndarray:
    """Share of contacts arriving uniformly in an interval that come back ``k`` intervals
    later after an exponential delay with mean ``mean_s`` [s], folded onto the cyclic grid of
    ``n`` intervals (``k`` mod ``n``); sums to 1.

    With ``r = exp(-interval / mean)`` and ``x`` uniform in the interval: lag 0 gets
    ``1 - (mean / interval)(1 - r)``, lag ``k >= 1`` gets ``r^(k-1) (1 - r)^2 mean / interval``
    (integrate the exponential law over the interval ``k`` and over ``x``); lags ``k + j n``
    fold onto ``k`` (the sum of the geometric tail)."""
    ratio = interval_s / mean_s
    r = math.exp(-ratio)
    lags = np.arange(n, dtype=float)
    tail = r ** np.maximum(lags - 1.0, 0.0) * (1.0 - r) ** 2 / ratio
    folded = tail / (1.0 - r**n)  # lag k and every k + j n, j >= 1
    kernel = folded.copy()
    kernel[0] = 1.0 - (1.0 - r) / ratio + r ** (n - 1) * (1.0 - r) ** 2 / ratio / (1.0 - r**n)
    return kernel


def _shift(values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Circular convolution of each row of ``values`` with ``kernel`` (FFT), clipped at 0."""
    n = values.shape[-1]
    out = np.fft.irfft(np.fft.rfft(values, axis=-1) * np.fft.rfft(kernel), n=n, axis=-1)
    return np.maximum(out, 0.0)


@dataclass
class _Flow:
    """One channel's volume on the language x interval grid."""

    base_arrivals: np.ndarray
    base_work: np.ndarray
    arrivals: np.ndarray
    work: np.ndarray
    abandon: np.ndarray
    """Abandonment share per language and interval (0 for asynchronous channels)."""


def _abandon_share(model: RealTimeModel, agents: int, rate: float, aht: float) -> float:
    """Share of arrivals that abandon with ``agents`` (Erlang A; a chat agent holding ``k``
    chats counts as ``k`` servers at ``aht`` x slowdown, the ``k`` that serves best)."""
    if not math.isfinite(model.patience_s) or agents <= 0:
        return 0.0 if agents > 0 else 1.0
    channel = model.channel
    within = channel.target.within
    slowdown = channel.concurrency_slowdown or (1.0,) * channel.concurrency
    best = max(
        (
            erlang_a(agents * k, rate, aht * slowdown[k - 1], model.patience_s, within)
            for k in range(1, channel.concurrency + 1)
        ),
        key=lambda result: result.sl_offered,
    )
    return best.p_abandon


def _abandonment(
    channel: Channel, flow: _Flow, lengths_s: np.ndarray, cache: dict[tuple[float, float], float]
) -> np.ndarray:
    """Abandonment share per language and interval at the staffing the requirements give."""
    out = np.zeros_like(flow.arrivals)
    if not channel.real_time or channel.patience is None:
        return out
    model = RealTimeModel.of(channel)
    guess: int | None = None
    for g, t in zip(*np.nonzero(flow.arrivals > NO_ARRIVALS), strict=True):
        rate = float(flow.arrivals[g, t] / lengths_s[t])
        aht = float(flow.work[g, t] / flow.arrivals[g, t])
        key = (rate, aht)
        if key not in cache:
            guess = model.required(rate, aht, guess)
            cache[key] = _abandon_share(model, guess, rate, aht)
        out[g, t] = cache[key]
    return out


def _solve_linear(
    scenario: Scenario, flows: dict[str, _Flow], kernels: dict[str, np.ndarray]
) -> None:
    """Volumes with the abandonment shares held fixed (iterated in place)."""
    for _ in range(MAX_ROUNDS):
        extra = {name: np.zeros_like(f.arrivals) for name, f in flows.items()}
        extra_work = {name: np.zeros_like(f.work) for name, f in flows.items()}
        for channel in scenario.channels:
            flow = flows[channel.name]
            if channel.resolution is not None:
                into = channel.resolution.repeat_channel or channel.name
                aht = scenario.channel(into).handle_time.mean
                back = (1.0 - channel.resolution.first_contact) * _shift(
                    flow.arrivals * (1.0 - flow.abandon), kernels[f"repeat:{channel.name}"]
                )
                extra[into] += back
                extra_work[into] += back * aht
            if channel.redial is not None:
                kernel = kernels[f"redial:{channel.name}"]
                extra[channel.name] += channel.redial.share * _shift(
                    flow.arrivals * flow.abandon, kernel
                )
                extra_work[channel.name] += channel.redial.share * _shift(
                    flow.work * flow.abandon, kernel
                )
        change = 0.0
        for name, flow in flows.items():
            arrivals = flow.base_arrivals + extra[name]
            scale = max(1.0, float(np.abs(arrivals).max()))
            change = max(change, float(np.abs(arrivals - flow.arrivals).max()) / scale)
            flow.arrivals, flow.work = arrivals, flow.base_work + extra_work[name]
        if change <= TOLERANCE:
            return
    raise ValueError("the volume of repeat contacts and redials does not converge")


def with_feedback(
    scenario: Scenario, horizon: Horizon, bases: dict[str, ChannelDemand]
) -> dict[str, ChannelDemand]:
    """``bases`` with each channel's repeat and redial volume as its ``inflow`` (see the
    module docstring); unchanged when no channel has ``resolution`` or ``redial``."""
    if not any(c.resolution is not None or c.redial is not None for c in scenario.channels):
        return bases
    languages = tuple(dict.fromkeys(region.language for region in scenario.regions))
    n, step = horizon.n_intervals, float(horizon.interval_s)
    starts = np.arange(n) * step
    lengths = np.minimum(starts + step, horizon.length_s) - starts
    kernels: dict[str, np.ndarray] = {}
    flows: dict[str, _Flow] = {}
    for channel in scenario.channels:
        base = bases[channel.name]
        option = channel.bot.containment if channel.bot is not None else 0.0
        effective = base.effective(option)
        arrivals = np.zeros((len(languages), n))
        work = np.zeros((len(languages), n))
        for g, group in enumerate(effective.groups):
            arrivals[languages.index(group)] = effective.arrivals[g]
            work[languages.index(group)] = effective.work_s[g]
        flows[channel.name] = _Flow(arrivals, work, arrivals.copy(), work.copy(), 0 * arrivals)
        if channel.resolution is not None:
            kernels[f"repeat:{channel.name}"] = delay_kernel(
                n, step, channel.resolution.repeat_after
            )
        if channel.redial is not None:
            kernels[f"redial:{channel.name}"] = delay_kernel(n, step, channel.redial.after)
    caches: dict[str, dict[tuple[float, float], float]] = {c.name: {} for c in scenario.channels}
    for round_ in range(MAX_ABANDON_ROUNDS):
        _solve_linear(scenario, flows, kernels)
        change = 0.0
        for channel in scenario.channels:
            flow = flows[channel.name]
            abandon = _abandonment(channel, flow, lengths, caches[channel.name])
            change = max(change, float(np.abs(abandon - flow.abandon).max(initial=0.0)))
            if round_ == MAX_ABANDON_ROUNDS - 1:
                abandon = np.maximum(abandon, flow.abandon)  # flipping at a staffing step
            flow.abandon = abandon
        if change <= TOLERANCE:
            break
    else:
        _solve_linear(scenario, flows, kernels)
    out = {}
    for channel in scenario.channels:
        base, flow = bases[channel.name], flows[channel.name]
        extra = flow.arrivals - flow.base_arrivals
        extra_work = flow.work - flow.base_work
        used = [lang for g, lang in enumerate(languages) if extra[g].max(initial=0.0) > NO_ARRIVALS]
        groups = base.groups + tuple(lang for lang in used if lang not in base.groups)
        rows = [languages.index(group) for group in groups]
        pad = len(groups) - len(base.groups)
        by_delay = {
            delay: (np.pad(arr, ((0, pad), (0, 0))), np.pad(wrk, ((0, pad), (0, 0))))
            for delay, (arr, wrk) in base.by_delay.items()
        }
        out[channel.name] = replace(
            base, groups=groups, by_delay=by_delay, inflow=(extra[rows], extra_work[rows])
        )
    return out
