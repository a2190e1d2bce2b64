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
from collections import deque
from collections.abc import Generator
from typing import Any, cast

import simpy
from simpy.events import Event, Timeout

from simulation.arrivals import ContactTable
from simulation.counters import Counters
from simulation.feedback import Feedback
from simulation.model import SimModel
from simulation.records import ContactRecords

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


class Floor(Counters):
    """Queues and agents of one replication (counters: the base class); the routing rules are
    its methods."""

    def __init__(
        self,
        env: simpy.Environment,
        model: SimModel,
        contacts: ContactTable,
        trace: bool,
        seed: int = 0,
        replication: int = 0,
    ) -> None:
        super().__init__(model)
        self.env = env
        self.model = model
        n_s = len(model.scenario.sites)
        # contact attributes (simulation.records), aliased for speed
        self.records = records = ContactRecords(model, contacts)
        self.tq, self.clock, self.chan = records.tq, records.clock, records.chan
        self.queue_ix, self.seg, self.handle = records.queue_ix, records.seg, records.handle
        self.deadline, self.callback_at = records.deadline, records.callback_at
        self.patience = records.patience
        # channel parameters
        self.real_time = [c.real_time for c in model.channels]
        self.target = [c.target_s for c in model.channels]
        self.short = [c.short_abandon_s for c in model.channels]
        self.concurrency = [c.concurrency for c in model.channels]
        self.slowdown = [c.slowdown for c in model.channels]
        self.shared = [c.shared for c in model.channels]
        self.cb_within = [c.callback[2] if c.callback else INF for c in model.channels]
        self.names = [c.name for c in model.channels]
        self.redials = [c.redial is not None for c in model.channels]
        self.resolves = [c.resolution is not None for c in model.channels]
        # repeats and redials (simulation.feedback): contacts created during the run
        self.feedback = Feedback(self, model, seed, replication)
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
        self.trace: list[tuple[float, str, int, str, int]] | None = [] if trace else None
        self.holding_since: dict[int, float] = {}
        """Chats in hand (concurrency > 1) and when they were taken [s]."""

    # -- bookkeeping -----------------------------------------------------------------------
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
            if self.redials[c]:
                self.feedback.watch(i)
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
        if self.redials[c]:
            self.feedback.waiting.discard(i)
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
            self.holding_since[i] = now
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
        if self.resolves[c]:
            self.feedback.resolve(i)
        if self.trace is not None:
            self.log("finish", i, agent.ident)
        held = agent.held - 1
        agent.held = held
        concurrency = self.concurrency[c]
        if concurrency > 1:
            self.spread(self.chat_s[c], self.holding_since.pop(i), now)
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
