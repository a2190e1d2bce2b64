"""The textbook SimPy model of the Erlang A queue (M/M/c+M), as a yardstick for the engine.

One process per customer races its request for a server against its patience
(``request | timeout``), as in SimPy's ``bank_renege`` example; servers are a
``simpy.Resource``. Random numbers come from ``random.Random`` on the fly. It runs from 0 to
``warmup + horizon + cooldown`` (the engine's whole window) and counts every customer who
arrives in it, as ``ContactTable.contacts`` does.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy


@dataclass
class BareStats:
    """What the bare model records: arrival count, and per answered/abandoned customer the
    arrival time and wait [s]."""

    customers: int = 0
    answered: list[tuple[float, float]] = field(default_factory=list)
    abandoned: list[tuple[float, float]] = field(default_factory=list)

    def service_level(self, start_s: float, end_s: float, target_s: float) -> float:
        """Answered within ``target_s`` / offered, over arrivals in ``[start_s, end_s)``."""
        answered = [w for t, w in self.answered if start_s <= t < end_s]
        abandoned = sum(1 for t, _ in self.abandoned if start_s <= t < end_s)
        offered = len(answered) + abandoned
        within = sum(1 for w in answered if w <= target_s)
        return within / offered if offered else float("nan")

    def abandon_share(self, start_s: float, end_s: float) -> float:
        """Abandoned / offered over arrivals in ``[start_s, end_s)``."""
        answered = sum(1 for t, _ in self.answered if start_s <= t < end_s)
        abandoned = sum(1 for t, _ in self.abandoned if start_s <= t < end_s)
        offered = answered + abandoned
        return abandoned / offered if offered else float("nan")


def customer(
    env: simpy.Environment,
    servers: simpy.Resource,
    stats: BareStats,
    patience: float,
    service: float,
) -> Generator[simpy.Event, Any, None]:
    """One caller: wait for a server or give up after ``patience``; then be served."""
    arrived = env.now
    with servers.request() as req:  # leaving the block cancels an unserved request
        result = yield req | env.timeout(patience)
        if req in result:
            stats.answered.append((arrived, env.now - arrived))
            yield env.timeout(service)
        else:
            stats.abandoned.append((arrived, env.now - arrived))


def source(
    env: simpy.Environment,
    servers: simpy.Resource,
    stats: BareStats,
    rng: random.Random,
    rate_per_s: float,
    mean_patience_s: float,
    mean_service_s: float,
) -> Generator[simpy.Event, Any, None]:
    """Poisson arrivals at ``rate_per_s``, each with exponential patience and service."""
    while True:
        yield env.timeout(rng.expovariate(rate_per_s))
        stats.customers += 1
        patience = rng.expovariate(1.0 / mean_patience_s)
        service = rng.expovariate(1.0 / mean_service_s)
        env.process(customer(env, servers, stats, patience, service))


def run_bare(
    servers: int,
    calls_per_hour: float,
    mean_service_s: float,
    mean_patience_s: float,
    until_s: float,
    seed: int,
) -> BareStats:
    """Simulate the M/M/``servers``+M queue from 0 to ``until_s``."""
    env = simpy.Environment()
    resource = simpy.Resource(env, capacity=servers)
    stats = BareStats()
    rng = random.Random(seed)
    env.process(
        source(env, resource, stats, rng, calls_per_hour / 3600.0, mean_patience_s, mean_service_s)
    )
    env.run(until=until_s)
    return stats
