"""The SimPy discrete-event model of the contact center (one replication).

Actors are plain generator functions: ``source`` feeds contacts into the queues, one
``agent_shift`` per scheduled agent runs that agent's working day (log in, breaks, offline block,
shift end, overtime), and ``interval_clock`` reads the backlog at every interval end. The
routing rules are the methods of ``Floor`` (``simulation.floor``), the shared state of queues and
agents; contacts are passive records (indices into typed arrays), not processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from simpy.events import Event

from simulation.arrivals import ContactTable
from simulation.floor import Agent, Floor
from simulation.model import SimModel
from simulation.settle import backlog_now, close
from simulation.streams import Purpose, stream


@dataclass
class ReplicationResult:
    """Counters of one replication, per channel (rows) and interval (columns).

    Contacts belong to the interval in which they reached the agent queue. ``*_cb`` rows are
    the accepted callbacks of voice channels. Times in seconds, money in the scenario's currency.
    """

    replication: int
    arrived: np.ndarray
    contained: np.ndarray
    bot_sessions: np.ndarray
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    short_abandoned: np.ndarray
    answered_within: np.ndarray
    open_missed: np.ndarray
    """Contacts still waiting (or, async, in handling) at the end of the run whose target had
    passed: offered and missed."""
    started: np.ndarray
    """Contacts an agent started handling (answered for real time, picked up for async)."""
    wait_sum_s: np.ndarray
    wait_p90_s: np.ndarray
    backlog_end: np.ndarray
    offered_cb: np.ndarray
    answered_cb: np.ndarray
    within_cb: np.ndarray
    open_missed_cb: np.ndarray
    wait_p90_day_s: np.ndarray
    """90th percentile of the wait of answered contacts, per channel and planning day [s]."""
    wait_p90_all_s: np.ndarray
    """Whole-horizon 90th percentile of the wait of answered contacts, per channel [s]."""
    group_answered: np.ndarray
    """Real-time contacts answered, per queue (channel and customer language, the rows of
    ``SimModel.queues``) and interval; summed over a channel's queues it is ``answered``."""
    group_within: np.ndarray
    """Real-time contacts answered within target, per queue and interval."""
    group_abandoned: np.ndarray
    """Contacts abandoned, per queue and interval."""
    group_short_abandoned: np.ndarray
    """Contacts abandoned before ``short_abandon``, per queue and interval."""
    group_open_missed: np.ndarray
    """Real-time contacts still waiting at the end past their target, per queue and interval."""
    segment_arrived: np.ndarray
    """Contacts arriving, per segment (channel and customer region, row
    ``channel * len(scenario.regions) + region``) and interval; summed over a channel's
    segments it is ``arrived``. The other ``segment_*`` counters split the channel counters
    of the same name the same way (callbacks excluded, as in ``offered``)."""
    segment_offered: np.ndarray
    segment_answered: np.ndarray
    segment_within: np.ndarray
    segment_abandoned: np.ndarray
    segment_short_abandoned: np.ndarray
    segment_open_missed: np.ndarray
    segment_started: np.ndarray
    segment_wait_sum_s: np.ndarray
    productive_s: np.ndarray
    """Agent time logged in and not on break or offline, per site and interval [s]."""
    busy_s: np.ndarray
    """Agent time holding at least one contact, per site and interval [s]."""
    paid_s: np.ndarray
    labor_cost: np.ndarray
    overtime_s: np.ndarray
    absent_shifts: np.ndarray
    bot_cost: np.ndarray
    queued: np.ndarray
    """Contacts reaching the agent queue inside the horizon, per channel (before callbacks
    leave the line and pending contacts are taken out of ``offered``)."""
    bot_time_sum_s: np.ndarray
    """Time those contacts spent with the bot before reaching the queue, per channel [s]."""
    contacts: int
    handled: np.ndarray
    """Contacts whose handling by an agent ended, per channel with ``resolution`` (0 for the
    others) and interval in which they reached the queue."""
    unresolved: np.ndarray
    """Those of ``handled`` that come back as repeat contacts (``1 - fcr`` of them)."""
    repeats: np.ndarray
    """Repeat contacts arriving, per channel they come back on and interval of arrival (also
    counted in ``arrived``)."""
    redials: np.ndarray
    """Redials (another try after abandoning) arriving, per channel and interval (also counted
    in ``arrived``)."""
    gave_up: np.ndarray
    """Abandoned contacts whose customer did not try again, per channel with ``redial`` and
    interval of the abandoned try."""
    chat_s: np.ndarray
    """Chat time held per chat channel (concurrency > 1) and interval: every chat's time in an
    agent's hands [s] (0 for other channels)."""
    segment_repeats: np.ndarray
    segment_redials: np.ndarray
    fresh_work_s: np.ndarray
    """Handle time of the contacts arriving, per channel and interval [s]
    (``ContactTable.fresh_work_s``); with ``absent_s`` the control variates of
    ``simulation.controls``."""
    absent_s: np.ndarray
    """Shift time of the agents who did not show up, per site and interval [s]."""
    trace: list[tuple[float, str, int, str, int]] | None = None


# ------------------------------------------------------------------------------------------
# Processes


def source(env: simpy.Environment, floor: Floor) -> Generator[Event, Any, None]:
    """Feed every contact into the queues at the time it reaches them."""
    times = floor.tq
    arrive = floor.arrive
    timeout = env.timeout
    for i in range(len(times)):
        delay = times[i] - env.now
        if delay > 0:
            yield timeout(delay)
        arrive(i)


def agent_shift(
    env: simpy.Environment,
    floor: Floor,
    agent: Agent,
    start: float,
    end: float,
    aways: list[tuple[float, float, str]],
    overtime: list[float] | None,
) -> Generator[Event, Any, None]:
    """One agent's shift: log in at ``start``, take ``aways`` (absolute start, length, kind),
    leave at ``end`` after the contact in hand (overtime added to ``overtime[0]``)."""
    if start > env.now:
        yield env.timeout(start - env.now)
    floor.log_in(agent)
    for at, length, kind in aways:
        if at >= end:
            break
        if at > env.now:
            yield env.timeout(at - env.now)
        yield from floor.step_out(agent, kind)
        back = min(env.now + length, end)
        if back > env.now:
            yield env.timeout(back - env.now)
        if env.now >= end:
            if floor.trace is not None:
                floor.log("logout", -1, agent.ident)
            return
        floor.log_in(agent)
    if end > env.now:
        yield env.timeout(end - env.now)
    yield from floor.step_out(agent, "logout")
    if overtime is not None:
        overtime[0] += env.now - end


def interval_clock(env: simpy.Environment, floor: Floor) -> Generator[Event, Any, None]:
    """Read the backlog of every channel at the end of each interval."""
    for k in range(floor.n_intervals):
        edge = min((k + 1) * floor.step, floor.length)
        if edge > env.now:
            yield env.timeout(edge - env.now)
        for c, count in enumerate(backlog_now(floor)):
            floor.backlog[c][k] = count


# ------------------------------------------------------------------------------------------
# One replication

PROGRESS_STEPS = 100
"""Progress reports per replication when a progress callback is given (one per 1 % of the
simulated window)."""


def advance(
    env: simpy.Environment,
    start_s: float,
    end_s: float,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Run ``env`` from ``start_s`` until ``end_s`` [s]; with ``on_progress``, in
    ``PROGRESS_STEPS`` equal steps, reporting the share done after each.

    Stopping and resuming does not change the simulation: ``env.run(until=t)`` only adds a stop
    event at ``t`` that is processed before every other event at ``t`` (SimPy's ``URGENT``
    priority), and the other events keep their order (time, priority, then insertion), so the
    results are bit-identical to one ``env.run(until=end_s)``.
    """
    if on_progress is None:
        env.run(until=end_s)
        return
    span = end_s - start_s
    for step in range(1, PROGRESS_STEPS + 1):
        until = end_s if step == PROGRESS_STEPS else start_s + span * step / PROGRESS_STEPS
        if until > env.now:
            env.run(until=until)
        on_progress(step / PROGRESS_STEPS)


def _grid(rows: list[list[float]], n_intervals: int) -> np.ndarray:
    """Counter rows as a 2-D array (shape rows x intervals, also when there are no rows)."""
    return np.array(rows, dtype=float).reshape(len(rows), n_intervals)


def _by_group(model: SimModel, floor: Floor) -> Callable[[list[list[float]]], np.ndarray]:
    """Sum segment counters into the per-queue (channel, language group) counters, real-time
    channels only (counts are whole numbers, so the sums are exact)."""
    n_r = len(model.scenario.regions)
    n_i = model.horizon.n_intervals
    member = np.zeros((len(model.queues), len(model.channels) * n_r))
    for (c, r), q in model.queue_of.items():
        if model.channels[c].real_time:
            member[q, c * n_r + r] = 1.0

    def groups(rows: list[list[float]]) -> np.ndarray:
        return member @ _grid(rows, n_i)

    return groups


def _p90(values: np.ndarray) -> float:
    return float(np.percentile(values, 90)) if len(values) else math.nan


def run(
    model: SimModel,
    contacts: ContactTable,
    seed: int,
    replication: int,
    trace: bool = False,
    on_progress: Callable[[float], None] | None = None,
) -> ReplicationResult:
    """Simulate one replication of ``model`` with the given ``contacts``.

    ``on_progress(fraction)``, when given, is called ``PROGRESS_STEPS`` times as the simulated
    clock advances, with the share of the simulated window (warm-up to cool-down end) done so
    far, in (0, 1]; the results do not depend on it (see ``advance``).
    """
    env = simpy.Environment(initial_time=model.start_s)
    floor = Floor(env, model, contacts, trace, seed, replication)
    scenario = model.scenario
    n_s = len(scenario.sites)
    paid = np.zeros(n_s)
    cost = np.zeros(n_s)
    absent = np.zeros(n_s)
    absent_s = [[0.0] * model.horizon.n_intervals for _ in range(n_s)]
    overtime = [[0.0] for _ in range(n_s)]
    agents: list[Agent] = []
    length = model.horizon.length_s
    first = math.floor((model.start_s - 7 * 86400.0) / length)
    last = math.floor(model.end_s / length)
    for inst in model.instances:
        site = scenario.sites[inst.site]
        duration = inst.end_s - inst.start_s
        u_absent = stream(seed, replication, Purpose.ABSENCE, inst.key).random(inst.agents)
        u_offline = stream(seed, replication, Purpose.OFFLINE, inst.key).random(inst.agents)
        offline_s = site.offline_share * duration
        for n in range(inst.agents):
            shows_up = u_absent[n] >= site.absenteeism
            if shows_up:
                paid[inst.site] += inst.paid_s
                cost[inst.site] += inst.cost_per_agent
            else:
                absent[inst.site] += 1
                for tile in range(first, last + 1):
                    begin = inst.start_s + tile * length
                    floor.spread(absent_s[inst.site], begin, begin + duration)
                continue
            for tile in range(first, last + 1):
                begin = inst.start_s + tile * length
                finish = inst.end_s + tile * length
                if finish <= model.start_s or begin >= model.end_s:
                    continue
                aways = [(begin + after, brk, "break") for after, brk in inst.breaks]
                if offline_s > 0:
                    at = begin + u_offline[n] * (duration - offline_s)
                    aways.append((at, offline_s, "offline"))
                aways.sort()
                agent = Agent(len(agents), inst.site)
                agents.append(agent)
                env.process(
                    agent_shift(
                        env,
                        floor,
                        agent,
                        begin,
                        finish,
                        aways,
                        overtime[inst.site] if tile == 0 else None,
                    )
                )
    env.process(source(env, floor))
    env.process(interval_clock(env, floor))
    advance(env, model.start_s, model.end_s, on_progress)
    close(floor, agents)

    n_c = len(model.channels)
    n_i = model.horizon.n_intervals
    wait_p90 = np.full((n_c, model.horizon.n_intervals), np.nan)
    wait_p90_all = np.full(n_c, np.nan)
    day_of = model.horizon.interval_day
    wait_p90_day = np.full((n_c, len(model.horizon.dates)), np.nan)
    for c in range(n_c):
        waits = np.frombuffer(floor.waits[c], dtype=float) if floor.waits[c] else np.zeros(0)
        index = (
            np.frombuffer(floor.wait_interval[c], dtype=np.int64)
            if floor.wait_interval[c]
            else np.zeros(0, dtype=np.int64)
        )
        wait_p90_all[c] = _p90(waits)
        for d in range(wait_p90_day.shape[1]):
            wait_p90_day[c, d] = _p90(waits[day_of[index] == d]) if len(waits) else math.nan
        if len(waits):
            order = np.argsort(index, kind="stable")
            bounds = np.searchsorted(index[order], np.arange(model.horizon.n_intervals + 1))
            sorted_waits = waits[order]
            for k in range(model.horizon.n_intervals):
                if bounds[k + 1] > bounds[k]:
                    wait_p90[c, k] = _p90(sorted_waits[bounds[k] : bounds[k + 1]])
    bot_cost = np.array(
        [
            contacts.bot_sessions[c.index].sum() * (c.bot[2] if c.bot and c.bot[0] > 0 else 0.0)
            for c in model.channels
        ]
    )
    groups = _by_group(model, floor)
    feedback = floor.feedback
    inside = (contacts.t_queue_s >= 0.0) & (contacts.t_queue_s < length)
    queued_channel = contacts.channel[inside]
    segment_repeats = _grid(feedback.s_repeats, n_i)
    segment_redials = _grid(feedback.s_redials, n_i)
    return ReplicationResult(
        replication=replication,
        arrived=contacts.arrived + _grid(feedback.repeats, n_i) + _grid(feedback.redials, n_i),
        contained=contacts.contained.astype(float),
        bot_sessions=contacts.bot_sessions.astype(float),
        offered=np.array(floor.offered),
        answered=np.array(floor.answered),
        abandoned=np.array(floor.abandoned),
        short_abandoned=np.array(floor.short_abandoned),
        answered_within=np.array(floor.within),
        open_missed=np.array(floor.open_missed),
        started=np.array(floor.started),
        wait_sum_s=np.array(floor.wait_sum),
        wait_p90_s=wait_p90,
        backlog_end=np.array(floor.backlog),
        offered_cb=np.array(floor.offered_cb),
        answered_cb=np.array(floor.answered_cb),
        within_cb=np.array(floor.within_cb),
        open_missed_cb=np.array(floor.open_missed_cb),
        wait_p90_day_s=wait_p90_day,
        wait_p90_all_s=wait_p90_all,
        group_answered=groups(floor.s_answered),
        group_within=groups(floor.s_within),
        group_abandoned=groups(floor.s_abandoned),
        group_short_abandoned=groups(floor.s_short_abandoned),
        group_open_missed=groups(floor.s_open_missed),
        segment_arrived=contacts.segment_arrived + segment_repeats + segment_redials,
        segment_offered=_grid(floor.s_offered, n_i),
        segment_answered=_grid(floor.s_answered, n_i),
        segment_within=_grid(floor.s_within, n_i),
        segment_abandoned=_grid(floor.s_abandoned, n_i),
        segment_short_abandoned=_grid(floor.s_short_abandoned, n_i),
        segment_open_missed=_grid(floor.s_open_missed, n_i),
        # every contact started is answered (real time), or responded to or still in handling
        segment_started=_grid(floor.s_answered, n_i) + _grid(floor.s_in_service, n_i),
        segment_wait_sum_s=_grid(floor.s_wait_sum, n_i),
        productive_s=np.array(floor.productive),
        busy_s=np.array(floor.busy),
        paid_s=paid,
        labor_cost=cost,
        overtime_s=np.array([o[0] for o in overtime]),
        absent_shifts=absent,
        bot_cost=bot_cost,
        queued=np.bincount(queued_channel, minlength=n_c).astype(float),
        bot_time_sum_s=np.bincount(
            queued_channel, weights=contacts.bot_s[inside], minlength=n_c
        ).astype(float),
        contacts=contacts.contacts + feedback.created,
        handled=_grid(feedback.handled, n_i),
        unresolved=_grid(feedback.unresolved, n_i),
        repeats=_grid(feedback.repeats, n_i),
        redials=_grid(feedback.redials, n_i),
        gave_up=_grid(feedback.gave_up, n_i),
        chat_s=_grid(floor.chat_s, n_i),
        segment_repeats=segment_repeats,
        segment_redials=segment_redials,
        fresh_work_s=contacts.fresh_work_s,
        absent_s=np.array(absent_s),
        trace=sorted(floor.trace, key=lambda e: e[0]) if floor.trace is not None else None,
    )
