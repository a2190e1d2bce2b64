"""The floor of one replication: queues, agents and counters, and the routing rules.

``Floor`` holds the shared state that the engine's processes (``simulation.engine``) act on; its
methods are the routing rules:

- a new contact goes to the longest-idle qualified agent (site skill and language); for chat with
  concurrency, to an agent holding fewer chats of that channel when nobody is idle;
- an agent who can take work picks the waiting contact of the highest-priority channel among its
  skills and languages, oldest first; work in hand is never preempted;
- a break or the offline block begins when the contact in hand ends; at shift end the agent
  finishes the contact in hand (overtime) and leaves.

Contacts are passive records (indices into typed arrays), not processes. A waiting customer with
patience ``p`` who is still waiting at ``t_queue + p`` abandons; the engine resolves that lazily
when the queue head is inspected, which is exact because each queue is FIFO and a waiting
customer affects nothing else (SimPy's ``bank_renege`` races ``request | timeout(patience)``;
this saves that timeout and condition per contact). Callbacks (virtual hold): a caller who
accepts keeps their place in the queue, cannot abandon after ``offer_after``, and is called back
when an agent reaches them.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Generator
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Event, Timeout

from simulation.arrivals import ContactTable
from simulation.model import SimModel

INF = math.inf


class Agent:
    """One agent on one shift."""

    __slots__ = (
        "busy_since",
        "free_event",
        "held",
        "holding",
        "ident",
        "idle_since",
        "leaving",
        "on_since",
        "pending",
        "present",
        "since",
        "site",
        "work",
    )

    def __init__(self, ident: int, site: int) -> None:
        self.ident = ident
        self.site = site
        self.held = 0
        self.holding = -1  # channel of the contacts held (chat concurrency)
        self.idle_since = 0.0
        self.busy_since = 0.0
        self.on_since = 0.0
        self.present = False  # logged in and available (not on break, offline or gone)
        self.leaving = False
        self.free_event: Event | None = None
        # concurrency model "shared": remaining work [s at concurrency 1] of each chat held,
        # as of ``since``, and the one completion timeout still current (others are stale)
        self.work: dict[int, float] = {}
        self.since = 0.0
        self.pending: Event | None = None


class Floor:
    """Queues, agents and counters of one replication; the routing rules are its methods."""

    def __init__(
        self, env: simpy.Environment, model: SimModel, contacts: ContactTable, trace: bool
    ) -> None:
        self.env = env
        self.model = model
        horizon = model.horizon
        self.length = horizon.length_s
        self.step = float(horizon.interval_s)
        n_i = horizon.n_intervals
        n_c = len(model.channels)
        n_s = len(model.scenario.sites)
        self.n_intervals = n_i
        # contact attributes as typed arrays (8 bytes a value, no per-contact objects)
        self.tq = array("d", contacts.t_queue_s.tobytes())
        # start of the response clock: when the customer wrote for async kinds (the bot's time
        # counts against the target), reaching the agent queue (escalation) for real time
        is_async = ~np.array([c.real_time for c in model.channels], dtype=bool)[contacts.channel]
        clock = contacts.t_queue_s - np.where(is_async, contacts.bot_s, 0.0)
        self.clock = array("d", clock.tobytes())
        self.chan = array("q", contacts.channel.astype(np.int64).tobytes())
        self.queue_ix = array("q", contacts.queue.astype(np.int64).tobytes())
        # segment: channel and customer region, row ``channel * regions + region``
        n_r = len(model.scenario.regions)
        segment = contacts.channel.astype(np.int64) * n_r + contacts.region.astype(np.int64)
        self.seg = array("q", segment.tobytes())
        self.handle = array("d", contacts.handle_s.tobytes())
        patience = contacts.patience_s
        deadline = contacts.t_queue_s + patience
        callback_at = np.full(len(patience), INF)
        for spec in model.channels:
            if spec.callback is None:
                continue
            offer_after = spec.callback[0]
            converts = (
                (contacts.channel == spec.index) & contacts.callback & (patience > offer_after)
            )
            callback_at[converts] = contacts.t_queue_s[converts] + offer_after
            deadline[converts] = INF
        self.deadline = array("d", deadline.tobytes())
        self.callback_at = array("d", callback_at.tobytes())
        self.patience = array("d", patience.tobytes())
        # channel parameters
        self.real_time = [c.real_time for c in model.channels]
        self.target = [c.target_s for c in model.channels]
        self.short = [c.short_abandon_s for c in model.channels]
        self.concurrency = [c.concurrency for c in model.channels]
        self.slowdown = [c.slowdown for c in model.channels]
        self.shared = [c.shared for c in model.channels]
        self.cb_within = [c.callback[2] if c.callback else INF for c in model.channels]
        self.names = [c.name for c in model.channels]
        # routing structures
        self.queues: list[deque[int]] = [deque() for _ in model.queues]
        self.queue_sites = model.queue_sites
        self.site_plans = model.site_plans
        self.site_queues_of = [
            {c: qs for c, qs in plan} for plan in model.site_plans
        ]  # site -> channel -> queues
        self.idle: list[dict[Agent, None]] = [{} for _ in range(n_s)]
        self.partial: list[list[list[dict[Agent, None]]]] = [
            [[{} for _ in range(c.concurrency)] for c in model.channels] for _ in range(n_s)
        ]

        # counters [channel][interval]
        def grid() -> list[list[float]]:
            return [[0.0] * n_i for _ in range(n_c)]

        self.offered, self.answered, self.abandoned = grid(), grid(), grid()
        self.short_abandoned, self.within, self.open_missed = grid(), grid(), grid()
        self.wait_sum, self.backlog, self.started = grid(), grid(), grid()
        self.in_service = grid()
        self.offered_cb, self.answered_cb, self.within_cb = grid(), grid(), grid()
        self.open_missed_cb = grid()
        # counters [segment][interval]: the same split by customer region (and so language);
        # the engine sums them into the per-queue (language group) counters
        n_g = n_c * n_r

        def segment_grid() -> list[list[float]]:
            return [[0.0] * n_i for _ in range(n_g)]

        self.s_offered, self.s_answered, self.s_within = (
            segment_grid(),
            segment_grid(),
            segment_grid(),
        )
        self.s_abandoned, self.s_short_abandoned = segment_grid(), segment_grid()
        self.s_open_missed, self.s_in_service = segment_grid(), segment_grid()
        self.s_wait_sum = segment_grid()  # contacts started: s_answered + s_in_service
        self.waits = [array("d") for _ in range(n_c)]
        self.wait_interval = [array("q") for _ in range(n_c)]
        self.productive = [[0.0] * n_i for _ in range(n_s)]
        self.busy = [[0.0] * n_i for _ in range(n_s)]
        self.trace: list[tuple[float, str, int, str, int]] | None = [] if trace else None

    # -- bookkeeping -----------------------------------------------------------------------
    def spread(self, row: list[float], t0: float, t1: float) -> None:
        """Add the part of ``[t0, t1)`` inside the horizon to ``row`` by interval [s]."""
        if t0 < 0.0:
            t0 = 0.0
        if t1 > self.length:
            t1 = self.length
        step = self.step
        while t0 < t1:
            k = int(t0 // step)
            edge = (k + 1) * step
            if edge > t1:
                edge = t1
            row[k] += edge - t0
            t0 = edge

    def interval(self, t: float) -> int:
        """Interval index of time ``t``, or -1 outside the horizon."""
        if 0.0 <= t < self.length:
            return int(t // self.step)
        return -1

    def log(self, event: str, contact: int, agent: int, at: float | None = None) -> None:
        """Append to the event log (only when tracing)."""
        assert self.trace is not None
        name = self.names[self.chan[contact]] if contact >= 0 else ""
        self.trace.append((self.env.now if at is None else at, event, contact, name, agent))

    # -- contacts ---------------------------------------------------------------------------
    def arrive(self, i: int) -> None:
        """Contact ``i`` reaches the agent queue: give it to an agent or let it wait."""
        q = self.queue_ix[i]
        c = self.chan[i]
        k = self.interval(self.tq[i])
        if k >= 0:
            self.offered[c][k] += 1
            self.s_offered[self.seg[i]][k] += 1
        if self.trace is not None:
            self.log("queue", i, -1)
        best: Agent | None = None
        since = INF
        for s in self.queue_sites[q]:
            idle = self.idle[s]
            if idle:
                agent = next(iter(idle))
                if agent.idle_since < since:
                    best, since = agent, agent.idle_since
        if best is None and self.concurrency[c] > 1:
            best = self._least_loaded(q, c)
        if best is None:
            self.queues[q].append(i)
            return
        if best.held == 0:
            del self.idle[best.site][best]
        self.start(best, i)

    def _least_loaded(self, q: int, c: int) -> Agent | None:
        """A chat agent of a qualified site holding the fewest chats of channel ``c``."""
        for held in range(1, self.concurrency[c]):
            for s in self.queue_sites[q]:
                group = self.partial[s][c][held]
                if group:
                    return next(iter(group))
        return None

    def abandon(self, i: int) -> None:
        """Record that waiting contact ``i`` abandoned at its deadline."""
        c = self.chan[i]
        k = self.interval(self.tq[i])
        if k >= 0:
            g = self.seg[i]
            self.abandoned[c][k] += 1
            self.s_abandoned[g][k] += 1
            if self.patience[i] < self.short[c]:
                self.short_abandoned[c][k] += 1
                self.s_short_abandoned[g][k] += 1
        if self.trace is not None:
            self.log("abandon", i, -1, at=self.deadline[i])

    def take(self, queues: tuple[int, ...]) -> int:
        """Pop the oldest live contact at the heads of ``queues`` (-1 if none)."""
        now = self.env.now
        best_q = -1
        best_t = INF
        for q in queues:
            waiting = self.queues[q]
            while waiting:
                j = waiting[0]
                if self.deadline[j] <= now:
                    waiting.popleft()
                    self.abandon(j)
                    continue
                if self.tq[j] < best_t:
                    best_t = self.tq[j]
                    best_q = q
                break
        if best_q < 0:
            return -1
        return self.queues[best_q].popleft()

    def start(self, agent: Agent, i: int) -> None:
        """Agent ``agent`` starts handling contact ``i`` now."""
        now = self.env.now
        c = self.chan[i]
        t_queue = self.tq[i]
        k = self.interval(t_queue)
        if self.callback_at[i] <= now:
            if k >= 0:
                self.offered[c][k] -= 1
                self.s_offered[self.seg[i]][k] -= 1
                self.offered_cb[c][k] += 1
                self.answered_cb[c][k] += 1
                if now - self.callback_at[i] <= self.cb_within[c]:
                    self.within_cb[c][k] += 1
            if self.trace is not None:
                self.log("callback", i, agent.ident)
        else:
            wait = max(0.0, now - self.clock[i])  # the clock may land a hair before t_queue
            if k >= 0:
                g = self.seg[i]
                self.started[c][k] += 1
                self.wait_sum[c][k] += wait
                self.s_wait_sum[g][k] += wait
                self.waits[c].append(wait)
                self.wait_interval[c].append(k)
                if self.real_time[c]:
                    self.answered[c][k] += 1
                    self.s_answered[g][k] += 1
                    if wait <= self.target[c]:
                        self.within[c][k] += 1
                        self.s_within[g][k] += 1
                else:
                    self.in_service[c][k] += 1
                    self.s_in_service[g][k] += 1
            if self.trace is not None:
                self.log("answer", i, agent.ident)
        handle = self.handle[i]
        held = agent.held + 1
        if held == 1:
            agent.busy_since = now
        agent.held = held
        concurrency = self.concurrency[c]
        if concurrency > 1:
            agent.holding = c
            group = self.partial[agent.site][c]
            if held > 1:
                group[held - 1].pop(agent, None)
            if held < concurrency and not agent.leaving:
                group[held][agent] = None
            if self.shared[c]:
                self.share(agent, c, add=i)
                return
            handle *= self.slowdown[c][held - 1]
        done = Timeout(self.env, handle, (agent, i))
        done.callbacks.append(self.finish)

    def share(self, agent: Agent, c: int, add: int = -1, drop: int = -1) -> None:
        """Concurrency model "shared" (limited processor sharing, Luo & Zhang 2013): each of the
        ``n`` chats an agent holds progresses at ``1 / slowdown[n - 1]`` of its solo speed, so
        when ``n`` changes every chat's remaining time is rescaled. Bring the remaining work up
        to now at the old ``n``, add chat ``add`` or drop chat ``drop``, and schedule the
        completion of the chat with the least work left (earlier timeouts become stale).

        Luo, J., Zhang, J. (2013): Staffing and control of instant messaging contact centers,
        Operations Research 61(2), 328-343."""
        now = self.env.now
        work = agent.work
        if work:
            done = (now - agent.since) / self.slowdown[c][len(work) - 1]
            for j in work:
                work[j] -= done
        if drop >= 0:
            del work[drop]
        if add >= 0:
            work[add] = self.handle[add]
        agent.since = now
        if work:
            j = min(work, key=work.__getitem__)
            left = work[j] * self.slowdown[c][len(work) - 1]
            pending = Timeout(self.env, left if left > 0.0 else 0.0, (agent, j))
            pending.callbacks.append(self.shared_finish)
            agent.pending = pending
        else:
            agent.pending = None

    def shared_finish(self, event: Event) -> None:
        """A chat's completion timeout under "shared" fires; ignored if it went stale."""
        agent, i = cast(tuple[Agent, int], event.value)
        if event is not agent.pending:
            return
        self.share(agent, self.chan[i], drop=i)
        self.finish(event)

    def finish(self, event: Event) -> None:
        """An agent finishes a contact (SimPy callback of the handling timeout)."""
        agent, i = cast(tuple[Agent, int], event.value)
        now = self.env.now
        c = self.chan[i]
        if not self.real_time[c]:
            k = self.interval(self.tq[i])
            if k >= 0:
                g = self.seg[i]
                self.in_service[c][k] -= 1
                self.s_in_service[g][k] -= 1
                self.answered[c][k] += 1
                self.s_answered[g][k] += 1
                if now - self.clock[i] <= self.target[c]:
                    self.within[c][k] += 1
                    self.s_within[g][k] += 1
        if self.trace is not None:
            self.log("finish", i, agent.ident)
        held = agent.held - 1
        agent.held = held
        concurrency = self.concurrency[c]
        if concurrency > 1:
            group = self.partial[agent.site][c]
            if held + 1 < concurrency:
                group[held + 1].pop(agent, None)
            if held > 0 and not agent.leaving:
                group[held][agent] = None
        if held == 0:
            agent.holding = -1
            self.spread(self.busy[agent.site], agent.busy_since, now)
        if agent.leaving:
            if held == 0 and agent.free_event is not None:
                free, agent.free_event = agent.free_event, None
                free.succeed()
            return
        self.pull(agent)

    def pull(self, agent: Agent) -> None:
        """Agent ``agent`` can take work: highest-priority channel first, oldest contact first."""
        if agent.held == 0:
            for _, queues in self.site_plans[agent.site]:
                i = self.take(queues)
                if i >= 0:
                    self.start(agent, i)
                    break
            else:
                agent.idle_since = self.env.now
                self.idle[agent.site][agent] = None
                return
        c = agent.holding
        if c >= 0:
            queues = self.site_queues_of[agent.site][c]
            while agent.held < self.concurrency[c]:
                i = self.take(queues)
                if i < 0:
                    break
                self.start(agent, i)

    # -- agents -----------------------------------------------------------------------------
    def log_in(self, agent: Agent) -> None:
        """Agent becomes available (shift start or back from a break)."""
        agent.leaving = False
        agent.present = True
        agent.on_since = self.env.now
        if self.trace is not None:
            self.log("available", -1, agent.ident)
        self.pull(agent)

    def step_out(self, agent: Agent, why: str) -> Generator[Event, Any, None]:
        """Stop taking work, finish what is in hand, then leave the floor."""
        agent.leaving = True
        if agent.holding >= 0:
            for group in self.partial[agent.site][agent.holding]:
                group.pop(agent, None)
        if agent.held > 0:
            agent.free_event = self.env.event()
            yield agent.free_event
        self.idle[agent.site].pop(agent, None)
        agent.present = False
        self.spread(self.productive[agent.site], agent.on_since, self.env.now)
        if self.trace is not None:
            self.log(why, -1, agent.ident)

    def backlog_now(self) -> list[int]:
        """Contacts waiting per channel now (abandoned ones excluded)."""
        now = self.env.now
        counts = [0] * len(self.names)
        for q, waiting in enumerate(self.queues):
            c = self.model.queues[q][0]
            if self.real_time[c]:
                counts[c] += sum(1 for j in waiting if self.deadline[j] > now)
            else:
                counts[c] += len(waiting)
        return counts

    def close(self, agents: list[Agent]) -> None:
        """End of the run: settle contacts still waiting and agents still on the floor.

        A contact still waiting counts as offered and missed (``open_missed``) once its target
        has passed, whatever its kind; only one whose target has not passed yet is taken out of
        ``offered`` (not judged). Async contacts still in handling are missed as well (the
        cool-down is at least the async target, so their deadline has passed)."""
        end = self.env.now
        for waiting in self.queues:
            for j in waiting:
                c = self.chan[j]
                k = self.interval(self.tq[j])
                if k < 0:
                    continue
                if self.deadline[j] <= end:
                    self.abandon(j)
                elif self.callback_at[j] <= end:
                    self.offered[c][k] -= 1
                    self.s_offered[self.seg[j]][k] -= 1
                    self.offered_cb[c][k] += 1
                    if self.callback_at[j] + self.cb_within[c] <= end:
                        self.open_missed_cb[c][k] += 1
                elif self.clock[j] + self.target[c] <= end:
                    # its target passed while it waited: offered, and missed
                    self.open_missed[c][k] += 1
                    self.s_open_missed[self.seg[j]][k] += 1
                else:
                    self.offered[c][k] -= 1  # still within its target: not judged yet
                    self.s_offered[self.seg[j]][k] -= 1
        for counts, missed in (
            (self.in_service, self.open_missed),
            (self.s_in_service, self.s_open_missed),
        ):
            for row, missed_row in zip(counts, missed, strict=True):
                for k, value in enumerate(row):
                    missed_row[k] += value
        for agent in agents:
            if agent.held > 0:
                self.spread(self.busy[agent.site], agent.busy_since, end)
            if agent.present:
                self.spread(self.productive[agent.site], agent.on_since, end)
