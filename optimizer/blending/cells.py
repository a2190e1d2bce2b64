"""The cells the blending model judges: every real-time queue (channel and customer language
group) in every interval, with what :func:`optimizer.queueing.pooled.pooled_service_level`
needs to know about it besides the staffing.

A queue's *sites* are those that may answer it; its *pool* is every site linked to those by
work they share (a site that answers chat shares the chat queue with every other site that
does): agents of the pool take each other's work, so the pool's load is what keeps the queue's
own agents busy. Demand comes from the requirements table (``optimizer.requirements``), at
the bot level chosen for each channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from optimizer.queueing.pooled import pooled_service_level
from optimizer.requirements import Requirements
from scenarios.schema import Scenario


@dataclass(frozen=True)
class Queue:
    """One real-time queue: ``sites`` and ``pool`` are indexes into ``BlendCells.sites``."""

    channel: str
    group: str
    sites: tuple[int, ...]
    pool: tuple[int, ...]
    within_s: float
    target: float


@dataclass(frozen=True)
class CellArrays:
    """Demand of every cell at one choice of bot levels, shape (queues, intervals):
    ``arrivals`` [contacts in the interval], ``aht_s`` [s] (1 where nothing arrives),
    ``rate_ahead`` [1/s] (the queue's arrivals and those of higher-priority real-time queues
    sharing a site with it), ``pool_load`` [Erlang] (all work arriving at the queue's pool:
    real-time contacts at one per agent, asynchronous work as it arrives) and ``site_load``
    [Erlang] (the part of it only the queue's sites may do: the work of every queue, the
    queue's own included, whose sites are all among them)."""

    arrivals: np.ndarray
    aht_s: np.ndarray
    rate_ahead: np.ndarray
    pool_load: np.ndarray
    site_load: np.ndarray

    def load_change(self) -> np.ndarray:
        """``pool_load`` minus that of the interval before (cyclic horizon) [Erlang]."""
        return self.pool_load - np.roll(self.pool_load, 1, axis=1)


@dataclass(frozen=True, eq=False)
class BlendCells:
    """Real-time queues of a scenario, their sites and pools, and their demand per bot level.

    ``sites``: site names (the order of the first axis of a staffing array, see
    :func:`site_agents`); ``bot_channels``: channels whose bot level the MILP chooses.
    """

    queues: tuple[Queue, ...]
    sites: tuple[str, ...]
    n_intervals: int
    interval_s: float
    requirements: Requirements
    rank: dict[str, int]
    bot_channels: tuple[str, ...]
    pool_of: tuple[tuple[int, ...], ...]
    """Per site, the sites of its pool."""
    _cache: dict[tuple[tuple[str, float], ...], CellArrays] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, req: Requirements) -> BlendCells:
        """The cells of ``scenario`` with demand from ``req``."""
        sites = tuple(s.name for s in scenario.sites)
        index = {name: k for k, name in enumerate(sites)}
        parent = list(range(len(sites)))

        def root(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for served in req.sites.values():
            for name in served[1:]:
                parent[root(index[name])] = root(index[served[0]])
        pool_of = tuple(
            tuple(k for k in range(len(sites)) if root(k) == root(j)) for j in range(len(sites))
        )
        queues = []
        for (channel, group), served in req.sites.items():
            spec = scenario.channel(channel)
            if not spec.real_time or not served:
                continue
            mine = tuple(index[name] for name in served)
            queues.append(
                Queue(channel, group, mine, pool_of[mine[0]], spec.target.within, spec.target.share)
            )
        order = scenario.priority_order()
        return cls(
            queues=tuple(queues),
            sites=sites,
            n_intervals=req.n_intervals,
            interval_s=req.interval_s,
            requirements=req,
            rank={name: order.index(name) for name in order},
            bot_channels=tuple(req.bot_costs),
            pool_of=pool_of,
        )

    def arrays(self, levels: Mapping[str, float]) -> CellArrays:
        """Demand of every cell with each channel's bot at ``levels[channel]`` (its first
        option where not given); computed once per choice."""
        req = self.requirements
        chosen = {c: float(levels.get(c, options[0])) for c, options in req.options.items()}
        key = tuple(sorted(chosen.items()))
        found = self._cache.get(key)
        if found is not None:
            return found
        n = self.n_intervals
        table = req.table
        arrivals: dict[tuple[str, str], np.ndarray] = {}
        load: dict[tuple[str, str], np.ndarray] = {}
        aht: dict[tuple[str, str], np.ndarray] = {}
        for (channel, group), part in table[
            table["option"].to_numpy(float) == table["channel"].map(chosen).to_numpy(float)
        ].groupby(["channel", "group"], sort=False):
            t = part["interval"].to_numpy(int)
            count, seconds = np.zeros(n), np.ones(n)
            count[t] = part["arrivals"].to_numpy(float)
            handle = part["aht_s"].to_numpy(float)
            seconds[t] = np.where(np.isfinite(handle) & (count[t] > 0), handle, 1.0)
            arrivals[channel, group] = count
            aht[channel, group] = seconds
            load[channel, group] = np.where(count > 0, count * seconds, 0.0) / self.interval_s
        pools: dict[tuple[int, ...], np.ndarray] = {}
        served_by: list[tuple[set[int], np.ndarray]] = []
        for (channel, group), served in req.sites.items():
            if not served or (channel, group) not in load:
                continue
            pool = self.pool_of[self.sites.index(served[0])]
            pools[pool] = pools.get(pool, np.zeros(n)) + load[channel, group]
            served_by.append(({self.sites.index(s) for s in served}, load[channel, group]))
        shape = (len(self.queues), n)
        out = CellArrays(*(np.zeros(shape) for _ in range(5)))
        for k, queue in enumerate(self.queues):
            mine = (queue.channel, queue.group)
            out.arrivals[k] = arrivals.get(mine, 0.0)
            out.aht_s[k] = aht.get(mine, 1.0)
            out.pool_load[k] = pools.get(queue.pool, 0.0)
            for members, work in served_by:
                if members <= set(queue.sites):
                    out.site_load[k] += work
            for other in self.queues:
                ahead = self.rank[other.channel] <= self.rank[queue.channel]
                if ahead and set(other.sites) & set(queue.sites):
                    key_other = (other.channel, other.group)
                    out.rate_ahead[k] += arrivals.get(key_other, 0.0) / self.interval_s
        self._cache[key] = out
        return out

    @property
    def within_s(self) -> np.ndarray:
        """Each queue's target time [s], shape (queues, 1)."""
        return np.array([[q.within_s] for q in self.queues])

    def levels(self, arrays: CellArrays, site: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """The pooled model's service level of every cell (``optimizer.queueing.pooled``) with
        ``site`` and ``pool`` agents per cell (``staffing``) at the demand ``arrays``."""
        return pooled_service_level(
            site,
            pool,
            arrays.pool_load,
            arrays.site_load,
            arrays.rate_ahead,
            arrays.aht_s,
            self.within_s,
        )

    def staffing(self, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per cell, productive agents at the queue's sites and in its pool, from ``agents``
        [site, interval] (shape (queues, intervals) each)."""
        site = np.stack([agents[list(q.sites)].sum(axis=0) for q in self.queues])
        pool = np.stack([agents[list(q.pool)].sum(axis=0) for q in self.queues])
        return site, pool


def site_agents(
    sites: tuple[str, ...],
    n_intervals: int,
    coverage: Mapping[str, tuple[str, tuple[tuple[int, float], ...]]],
    agents: Mapping[str, float],
) -> np.ndarray:
    """Productive agents per site and interval [agents], shape (sites, intervals), of a plan
    with ``agents[column]`` on each column; ``coverage[column]`` = (site, (interval,
    productive agents per scheduled agent) pairs), as ``Column.coverage``."""
    index = {name: k for k, name in enumerate(sites)}
    out = np.zeros((len(sites), n_intervals))
    for name, count in agents.items():
        if count:
            site, pairs = coverage[name]
            for t, share in pairs:
                out[index[site], t] += share * count
    return out
