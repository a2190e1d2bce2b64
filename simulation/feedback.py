"""Contacts that come back during the run: repeat contacts and redials (README "Modelling
choices", Repeats and redials).

- **Repeats** (``resolution``): when an agent finishes a contact of a channel with a
  ``resolution``, the contact is unresolved with probability ``1 - first_contact`` and the
  customer comes back after an exponential delay with mean ``repeat_after``, as a new contact
  of ``repeat_channel`` (the same customer region, so the same language). Every contact an agent
  handles is judged, repeats too, so on one channel the volume grows geometrically: base
  volume / ``first_contact`` in steady state.
- **Redials** (``redial``, Erlang X retrials): a waiting customer who abandons tries again with
  probability ``share``, after an exponential delay with mean ``after``, as a new contact of the
  same channel and queue with the same handle time (the same request) and a fresh patience
  (and callback acceptance). Each try is judged on its own, so a customer who abandons every
  try makes a geometric number of attempts, mean ``1 / (1 - share)``.

New contacts skip the bot (as the bot's recontacts do) and start their response clock when
they reach the queue. Their randomness comes from streams of their own (``Purpose.REPEAT``,
``Purpose.REDIAL``), drawn in event order in blocks: with the features off nothing is drawn and
every other stream is untouched, so results are bit-identical to a scenario without them.

Abandonment is otherwise resolved lazily (``Floor.take``); a customer of a channel with
``redial`` gets a timer at their deadline, which decides the redial at that instant if they
are still waiting (a contact is never started at or after its deadline).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np
from simpy.events import Event, Timeout

from simulation.distributions import draw
from simulation.model import SimModel
from simulation.streams import Purpose, stream

if TYPE_CHECKING:
    from simulation.floor import Floor

BLOCK = 256
"""Draws taken from a stream at a time."""


class Pool:
    """Draws of one random quantity handed out one at a time, taken ``BLOCK`` at a time."""

    __slots__ = ("_at", "_sampler", "_values")

    def __init__(self, sampler: Callable[[int], np.ndarray]) -> None:
        self._sampler = sampler
        self._values: list[float] = []
        self._at = 0

    def next(self) -> float:
        """The next draw."""
        if self._at == len(self._values):
            self._values = [float(v) for v in self._sampler(BLOCK)]
            self._at = 0
        value = self._values[self._at]
        self._at += 1
        return value


def _uniform(rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    return lambda n: rng.random(n)


def _duration(
    rng: np.random.Generator, law: tuple[str, float, float]
) -> Callable[[int], np.ndarray]:
    distribution, mean, cv = law
    return lambda n: draw(rng, distribution, mean, cv, n)


def _exponential(rng: np.random.Generator, mean: float) -> Callable[[int], np.ndarray]:
    return lambda n: rng.exponential(mean, n)


class Feedback:
    """Repeats and redials of one replication, and their counters ``[channel][interval]``.

    ``handled``: contacts whose handling by an agent ended (channels with ``resolution``);
    ``unresolved``: those of them that come back (whenever they do); ``repeats`` and
    ``redials``: repeat and redial contacts arriving (reaching the agent queue), by interval of
    arrival; ``gave_up``: abandoned contacts whose customer did not try again, by interval of
    the abandoned try; ``s_repeats``, ``s_redials``: the same by segment (channel x region).
    """

    def __init__(self, floor: Floor, model: SimModel, seed: int, replication: int) -> None:
        self.floor = floor
        self.model = model
        self.end_s = model.end_s
        n_c, n_i = len(model.channels), model.horizon.n_intervals
        self.n_regions = n_r = len(model.scenario.regions)

        def grid(rows: int) -> list[list[float]]:
            return [[0.0] * n_i for _ in range(rows)]

        self.handled, self.unresolved, self.gave_up = grid(n_c), grid(n_c), grid(n_c)
        self.repeats, self.redials = grid(n_c), grid(n_c)
        self.s_repeats, self.s_redials = grid(n_c * n_r), grid(n_c * n_r)
        self.created = 0
        self.resolution = [c.resolution for c in model.channels]
        self.redial = [c.redial for c in model.channels]
        self.waiting: set[int] = set()
        """Contacts of redial channels waiting in a queue (their deadline timer is pending)."""
        # per channel: the pools its new contacts draw from (only channels that need them)
        self.pools: dict[tuple[str, int], Pool] = {}
        for spec in model.channels:
            name, c = spec.name, spec.index
            if spec.resolution is not None:
                after = spec.resolution[1]
                self._pool("resolved", c, _uniform, Purpose.REPEAT, seed, replication)
                rng = stream(seed, replication, Purpose.REPEAT, f"{name}|delay")
                self.pools[("delay", c)] = Pool(_exponential(rng, after))
            if spec.redial is not None:
                self._pool("redials", c, _uniform, Purpose.REDIAL, seed, replication)
                rng = stream(seed, replication, Purpose.REDIAL, f"{name}|delay")
                self.pools[("after", c)] = Pool(_exponential(rng, spec.redial[1]))
        for spec in model.channels:
            # attributes of new contacts arriving on channel ``spec``
            comes_back = any(r is not None and r[2] == spec.index for r in self.resolution) or (
                spec.redial is not None
            )
            if not comes_back:
                continue
            name, c = spec.name, spec.index
            rng = stream(seed, replication, Purpose.REPEAT, f"{name}|handle")
            self.pools[("handle", c)] = Pool(_duration(rng, spec.handle))
            if spec.patience is not None:
                for purpose, word in ((Purpose.REPEAT, "repeat"), (Purpose.REDIAL, "redial")):
                    rng = stream(seed, replication, purpose, f"{name}|patience")
                    self.pools[(f"{word}-patience", c)] = Pool(_duration(rng, spec.patience))
            if spec.callback is not None:
                for purpose, word in ((Purpose.REPEAT, "repeat"), (Purpose.REDIAL, "redial")):
                    rng = stream(seed, replication, purpose, f"{name}|callback")
                    self.pools[(f"{word}-callback", c)] = Pool(_uniform(rng))

    def _pool(
        self,
        what: str,
        c: int,
        sampler: Callable[[np.random.Generator], Callable[[int], np.ndarray]],
        purpose: Purpose,
        seed: int,
        replication: int,
    ) -> None:
        rng = stream(seed, replication, purpose, f"{self.model.channels[c].name}|{what}")
        self.pools[(what, c)] = Pool(sampler(rng))

    # -- repeats ----------------------------------------------------------------------------
    def resolve(self, i: int) -> None:
        """An agent finished contact ``i`` of a channel with ``resolution``: resolved, or a
        repeat contact of the repeat channel after an exponential delay."""
        floor = self.floor
        c = floor.chan[i]
        first, _, d = cast(tuple[float, float, int], self.resolution[c])
        k = floor.interval(floor.tq[i])
        if k >= 0:
            self.handled[c][k] += 1
        if self.pools[("resolved", c)].next() < first:
            return
        if k >= 0:
            self.unresolved[c][k] += 1
        at = floor.env.now + self.pools[("delay", c)].next()
        if at >= self.end_s:
            return
        spec = self.model.channels[d]
        region = floor.seg[i] - c * self.n_regions
        patience = (
            self.pools[("repeat-patience", d)].next() if spec.patience is not None else math.inf
        )
        accepts = (
            spec.callback is not None
            and self.pools[("repeat-callback", d)].next() < spec.callback[1]
        )
        handle = self.pools[("handle", d)].next()
        j = floor.records.add(
            at, d, self.model.queue_of[(d, region)], region, handle, patience, accepts
        )
        self._schedule(j, at, self.repeats, self.s_repeats)

    # -- redials ----------------------------------------------------------------------------
    def watch(self, i: int) -> None:
        """Contact ``i`` of a redial channel starts waiting: a timer at its deadline."""
        floor = self.floor
        deadline = floor.deadline[i]
        if deadline >= self.end_s:
            return
        self.waiting.add(i)
        timer = Timeout(floor.env, deadline - floor.env.now, i)
        timer.callbacks.append(self._expire)

    def _expire(self, event: Event) -> None:
        """A redial channel's customer reaches their deadline: if still waiting they abandon
        now, and try again with probability ``redial.share``."""
        i = cast(int, event.value)
        if i not in self.waiting:
            return  # answered in time
        self.waiting.discard(i)
        floor = self.floor
        c = floor.chan[i]
        share, _ = cast(tuple[float, float], self.redial[c])
        if self.pools[("redials", c)].next() >= share:
            k = floor.interval(floor.tq[i])
            if k >= 0:
                self.gave_up[c][k] += 1
            return
        at = floor.env.now + self.pools[("after", c)].next()
        if at >= self.end_s:
            return
        spec = self.model.channels[c]
        patience = self.pools[("redial-patience", c)].next()
        accepts = (
            spec.callback is not None
            and self.pools[("redial-callback", c)].next() < spec.callback[1]
        )
        region = floor.seg[i] - c * self.n_regions
        j = floor.records.add(at, c, floor.queue_ix[i], region, floor.handle[i], patience, accepts)
        self._schedule(j, at, self.redials, self.s_redials)

    # -- both -------------------------------------------------------------------------------
    def _schedule(
        self, j: int, at: float, counts: list[list[float]], s_counts: list[list[float]]
    ) -> None:
        """New contact ``j`` reaches the agent queue at ``at``."""
        floor = self.floor
        self.created += 1

        def reach(_: Event) -> None:
            k = floor.interval(at)
            if k >= 0:
                counts[floor.chan[j]][k] += 1
                s_counts[floor.seg[j]][k] += 1
            floor.arrive(j)

        timer = Timeout(floor.env, at - floor.env.now, j)
        timer.callbacks.append(reach)
