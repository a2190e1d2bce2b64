"""Service level of a real-time queue whose agents also serve other work (a pooled, priority
model), on arrays of cells (one cell = one queue in one interval).

Why. In the engine (``simulation.floor``) an agent who can take work takes the next contact of
the highest-priority channel waiting, and a new contact goes to the longest-idle qualified
agent. A blended agent holding a chat or an email cannot take a call, so a caller's wait
depends on everything the agents at the caller's sites do, not on the agents a staffing plan
"allocates" to voice: on global-retail the per-channel Erlang requirements give voice 52 %
against its 80 % target while chat sits at 98 % (2026-12-06, 10 replications). Longest-idle
routing spreads work so that agents' idle times even out (Armony 2005, "Dynamic routing in
large-scale service systems with heterogeneous servers", Queueing Systems 51:287-329): on the
kept global-retail plan the occupancy of Bogota (voice, chat, email, social) and Manila (chat,
email, social) agreed within 3 points in every interval (correlation 0.95 over 336 intervals).

The model. For a real-time queue in one interval:

* ``site_agents`` ``n``: productive agents at the sites that may answer it;
* ``pool_agents`` ``N``: productive agents of its pool (every site linked to those by shared
  work), and ``pool_load`` ``L``: the work arriving at the pool [Erlang]: real-time contacts
  at one per agent (a new chat goes to an idle agent before any agent takes a second) and
  asynchronous work as it arrives (agents take it whenever nothing else waits);
* ``site_load`` ``l``: the work only the queue's sites may do (the queue's own and that of
  every queue whose sites are among them) [Erlang];
* the queue's agents are taken to be as busy as the pool's (longest-idle routing evens idle
  times out) unless the work only they may do keeps them busier: ``rho = max(L / N, l / n)``,
  so that they are all busy with probability ``C(n, rho n)``, Erlang C with ``n`` servers and
  offered load ``rho n`` (Erlang 1917; Cooper 1981, ch. 3);
* a waiting contact is served once the contacts of equal or higher priority ahead of it are:
  with every agent busy, agents free up at rate ``n / aht`` and ``rate_ahead`` contacts per
  second join ahead, so the wait given a delay is exponential with rate ``n / aht -
  rate_ahead``, the non-preemptive priority M/M/n result for the highest class (Kella and
  Yechiali 1985, "Waiting times in the non-preemptive priority M/M/c queue", Stochastic Models
  1(2):257-262) applied to the queue's class and those above it.

So ``SL = 1 - C(n, rho n) exp(-max(n / aht - rate_ahead, 0) within)``. With one queue, one
site and no other work (``n = N``, ``L = l = rate aht``, ``rate_ahead = rate``) this is
exactly the Erlang C service level ``1 - C(n, a) exp(-(n - a) within / aht)`` (tested). Without
``l`` (pool occupancy alone), the morning ramp of global-retail's voice went wrong: 13.7 agents
at the voice sites carrying 12 Erlang of calls were modelled at the pool's occupancy of 0.71
(SL 0.83) and simulated at 0.66 (2026-12-06).

It is an approximation: abandonment and handle-time distributions are left out, as are the
carry-over of queues between intervals and chat concurrency beyond the first chat. The
optimizer calibrates it against the simulation before it trusts it
(``optimizer.blending.calibration``); what it gets right is the direction and the relative
size of the effects: an agent added at a site without the queue's skill helps it by freeing
the agents that have it (measured on global-retail: +1.3 points of voice service level for an
agent round the clock in Manila, +2.1 in Bogota; the model gives +1.9 and +2.8).

Units: agents [productive agents], loads [Erlang], rates [1/s], times [s], levels [share].
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from optimizer.queueing.erlang import erlang_c_continuous

RHO_MAX = 0.999
"""Largest pool occupancy used: a pool offered more work than it can do is busy all the time."""

_TINY = 1e-280
"""Below this ``Q(s + 1, a)`` underflows; such cells (``a`` far above ``s``) use the scalar
``erlang_c_continuous``."""


def erlang_c_array(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang C ``P(W > 0)`` for arrays of real ``servers`` [agents] and ``load`` [Erlang].

    The continuous extension of :func:`optimizer.queueing.erlang.erlang_c_continuous`
    (Jagerman 1974): ``B = a^s e^-a / (Gamma(s + 1) Q(s + 1, a))``, ``C = s B / (s - a (1 -
    B))``; 1 where ``load >= servers``, 0 where ``load`` is 0 and ``servers`` > 0.
    """
    s, a = np.broadcast_arrays(np.asarray(servers, float), np.asarray(load, float))
    out = np.ones(s.shape)
    busy = (s > 0) & (a > 0) & (a < s)
    out[(a <= 0) & (s > 0)] = 0.0
    if not busy.any():
        return out
    ss, aa = s[busy], a[busy]
    q = special.gammaincc(ss + 1.0, aa)
    fine = q > _TINY
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_b = ss * np.log(aa) - aa - special.gammaln(ss + 1.0) - np.log(np.where(fine, q, 1.0))
    b = np.minimum(np.exp(log_b), 1.0)
    c = ss * b / (ss - aa * (1.0 - b))
    for k in np.flatnonzero(~fine):
        c[k] = erlang_c_continuous(float(ss[k]), float(aa[k]))
    out[busy] = np.clip(c, 0.0, 1.0)
    return out


def pooled_service_level(
    site_agents: np.ndarray,
    pool_agents: np.ndarray,
    pool_load: np.ndarray,
    site_load: np.ndarray,
    rate_ahead: np.ndarray,
    aht_s: np.ndarray,
    within_s: float | np.ndarray,
) -> np.ndarray:
    """Service level of each cell under the module's model (arrays broadcast together).

    ``site_agents`` [agents] at the queue's sites, ``pool_agents`` [agents] and
    ``pool_load`` [Erlang] of its pool, ``site_load`` [Erlang] the work only the queue's sites
    may do, ``rate_ahead`` [1/s] arrivals of the queue and of the queues of higher priority at
    its sites, ``aht_s`` [s] the queue's mean handle time, ``within_s`` [s] its target time.
    0 where ``site_agents`` is 0.
    """
    n = np.maximum(np.asarray(site_agents, float), 0.0)
    pool = np.maximum(np.asarray(pool_agents, float), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        shared = np.where(pool > 0, pool_load / np.where(pool > 0, pool, 1.0), 1.0)
        own = np.where(n > 0, site_load / np.where(n > 0, n, 1.0), 1.0)
        rho = np.minimum(np.maximum(shared, own), RHO_MAX)
        rate = np.maximum(n / np.asarray(aht_s, float) - rate_ahead, 0.0)
    level = 1.0 - erlang_c_array(n, rho * n) * np.exp(-rate * within_s)
    return np.where(n > 0, level, 0.0)


def level_gradient(
    site_agents: np.ndarray,
    pool_agents: np.ndarray,
    pool_load: np.ndarray,
    site_load: np.ndarray,
    rate_ahead: np.ndarray,
    aht_s: np.ndarray,
    within_s: float | np.ndarray,
    step: float = 0.02,
) -> tuple[np.ndarray, np.ndarray]:
    """What one more productive agent adds to :func:`pooled_service_level` [share per agent]:
    at one of the queue's sites (``site_agents`` and ``pool_agents`` both grow), and at another
    site of its pool (only ``pool_agents`` grows). Central differences of ``step`` agents
    (one-sided at 0), clipped at 0: more agents never lower the level."""
    n = np.asarray(site_agents, float)
    pool = np.maximum(np.asarray(pool_agents, float), n)

    def level(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return pooled_service_level(a, b, pool_load, site_load, rate_ahead, aht_s, within_s)

    back = np.minimum(step, n)
    at_site = (level(n + step, pool + step) - level(n - back, pool - back)) / (step + back)
    back_pool = np.minimum(step, pool - n)
    elsewhere = (level(n, pool + step) - level(n, pool - back_pool)) / (step + back_pool)
    return np.maximum(at_site, 0.0), np.maximum(elsewhere, 0.0)


def frontier(
    site_agents: np.ndarray,
    pool_agents: np.ndarray,
    direction: tuple[np.ndarray, np.ndarray],
    goal: np.ndarray,
    pool_load: np.ndarray,
    site_load: np.ndarray,
    rate_ahead: np.ndarray,
    aht_s: np.ndarray,
    within_s: float | np.ndarray,
    steps: int = 40,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the level reaches ``goal`` on the line from (``site_agents``, ``pool_agents``)
    along ``direction`` = (agents added at the sites, agents added to the pool) per unit
    [agents]: the point (site agents, pool agents) by bisection, above or below the start;
    NaN where the level never reaches ``goal`` on the line (within 100,000 agents)."""
    n = np.asarray(site_agents, float)
    pool = np.asarray(pool_agents, float)
    d_site, d_pool = (np.asarray(d, float) * np.ones_like(n) for d in direction)

    def gap(alpha: np.ndarray) -> np.ndarray:
        a = np.maximum(n + alpha * d_site, 0.0)
        b = np.maximum(pool + alpha * d_pool, a)
        return pooled_service_level(a, b, pool_load, site_load, rate_ahead, aht_s, within_s) - goal

    with np.errstate(divide="ignore", invalid="ignore"):
        emptied = -np.where(d_site > 0, n / np.where(d_site > 0, d_site, 1.0), 0.0)
    above = gap(np.zeros_like(n)) >= 0
    low = np.where(above, emptied, 0.0)
    high = np.where(above, 0.0, 1.0)
    growing = ~above
    while growing.any():
        reached = gap(high) >= 0
        growing &= ~reached & (high < 1e5)
        low = np.where(growing, high, low)
        high = np.where(growing, 2.0 * high, high)
    found = (gap(high) >= 0) & ~(above & (gap(low) >= 0))
    for _ in range(steps):
        middle = 0.5 * (low + high)
        ok = gap(middle) >= 0
        high = np.where(ok, middle, high)
        low = np.where(ok, low, middle)
    site = np.where(found, np.maximum(n + high * d_site, 0.0), math.nan)
    whole = np.where(found, np.maximum(pool + high * d_pool, site), math.nan)
    return site, whole
