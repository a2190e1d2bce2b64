"""Analytic models beyond plain Erlang: warm-started staffing search, chat, asynchronous backlog.

Units used throughout:

* times (``aht_s``, ``patience_s``, ``within_s``, ``short_abandon_s``) in seconds [s];
* rates (``arrival_rate_per_s``) in [1/s];
* asynchronous work and capacity in agent-intervals (agent-seconds / interval length), the
  ``window`` in intervals;
* service levels are dimensionless shares in [0, 1].

All functions are pure (no I/O, no global state).  The real-time models are stationary
approximations of a time-varying system (stationary independent period-by-period staffing,
SIPP; Green, Kolesar and Soares 2001, Operations Research 49(4):549-564): the workbench's
optimizer checks every plan by simulation and recalibrates its requirements from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from optimizer.queueing.erlang_a import min_servers, service_level, smallest_meeting

__all__ = [
    "MAX_SERVERS",
    "async_backlog",
    "async_constant_level",
    "async_required_agents",
    "chat_required_agents",
    "chat_service_level",
    "min_servers",
    "required_servers",
]

MAX_SERVERS = 100_000
"""Search limit of the staffing functions [servers] (as ``erlang.required_agents``)."""

# Lateness below this share of the total work is floating-point noise of the cumulative sums.
_LATE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------
# real-time staffing search
# --------------------------------------------------------------------------------------------


def required_servers(
    arrival_rate_per_s: float,
    aht_s: float,
    within_s: float,
    share: float,
    patience_s: float = math.inf,
    counts: str = "offered",
    short_abandon_s: float = 0.0,
    *,
    guess: int | None = None,
    max_servers: int = MAX_SERVERS,
) -> int:
    """Smallest number of servers of the M/M/n(+M) queue whose service level meets ``share``.

    Same answer as :func:`optimizer.queueing.erlang_a.required_agents` (lambda [1/s], AHT [s],
    threshold [s], mean exponential patience [s] (``math.inf`` = Erlang C), ``counts`` rule,
    ``short_abandon_s`` [s]) but searched from a warm start: ``guess`` (e.g. the answer of the
    previous interval), by default ``a + sqrt(a)``; it gallops up or down from there with
    doubling steps and then bisects, so a good guess costs two or three service-level
    evaluations instead of ~15.  Correct because the service level is non-decreasing in ``n``
    under every counting rule (see ``erlang.required_agents``).

    ``share = 0`` returns :func:`min_servers` (no target: just a defined service level);
    0 when there are no arrivals.  Raises ``ValueError`` when ``max_servers`` miss the target.
    Sources: Erlang C (Erlang 1917; Cooper 1981, ch. 3) and Erlang A (Garnett, Mandelbaum and
    Reiman 2002, M&SOM 4(3):208-227) as implemented in :mod:`optimizer.queueing.erlang_a`.
    """
    if math.isnan(share) or not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    if arrival_rate_per_s < 0.0 or math.isnan(arrival_rate_per_s):
        raise ValueError(f"arrival_rate_per_s must be >= 0, got {arrival_rate_per_s}")
    if arrival_rate_per_s == 0.0:
        return 0
    lo = min_servers(arrival_rate_per_s, aht_s, patience_s)
    if lo > max_servers:
        raise ValueError(
            f"offered load {arrival_rate_per_s * aht_s:.6g} Erlang needs more than "
            f"{max_servers} servers"
        )

    def meets(n: int) -> bool:
        sl = service_level(
            n, arrival_rate_per_s, aht_s, patience_s, within_s, counts, short_abandon_s
        )
        return sl >= share

    if guess is None:
        a = arrival_rate_per_s * aht_s
        guess = math.ceil(a + math.sqrt(a))
    found = smallest_meeting(meets, lo, max_servers, guess)
    if found is None:
        raise ValueError(f"target {share} not reachable with {max_servers} servers")
    return found


# --------------------------------------------------------------------------------------------
# chat with concurrency
# --------------------------------------------------------------------------------------------


def _slowdowns(concurrency: int, slowdown: Sequence[float] | None) -> tuple[float, ...]:
    if isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    factors = (1.0,) * concurrency if slowdown is None else tuple(float(s) for s in slowdown)
    if len(factors) != concurrency:
        raise ValueError(
            f"slowdown needs one factor per contact held ({concurrency}), got {len(factors)}"
        )
    if any(not f > 0.0 for f in factors):
        raise ValueError(f"slowdown factors must be > 0, got {factors}")
    return factors


def chat_service_level(
    agents: int,
    arrival_rate_per_s: float,
    aht_s: float,
    patience_s: float,
    within_s: float,
    counts: str,
    concurrency: int,
    slowdown: Sequence[float] | None = None,
    short_abandon_s: float = 0.0,
) -> float:
    """Service level of ``agents`` chat agents under the model of :func:`chat_required_agents`.

    The best over ``k' = 1..concurrency`` of the M/M/(agents k')+M service level with handle
    time ``aht_s * slowdown[k'-1]``: agents may hold fewer chats when that serves better.
    Parameters and units as :func:`chat_required_agents`; 1.0 without arrivals, 0.0 with
    arrivals and no agent.
    """
    factors = _slowdowns(concurrency, slowdown)
    if arrival_rate_per_s <= 0.0:
        return 1.0
    if agents <= 0:
        return 0.0
    return max(
        service_level(
            agents * k,
            arrival_rate_per_s,
            aht_s * factors[k - 1],
            patience_s,
            within_s,
            counts,
            short_abandon_s,
        )
        for k in range(1, concurrency + 1)
    )


def chat_required_agents(
    arrival_rate_per_s: float,
    aht_s: float,
    within_s: float,
    share: float,
    patience_s: float,
    counts: str,
    concurrency: int,
    slowdown: Sequence[float] | None,
    short_abandon_s: float = 0.0,
    *,
    guess: int | None = None,
) -> int:
    """Chat agents needed when each agent may hold up to ``concurrency`` chats [agents].

    Parameters: lambda [1/s] of chats reaching the agent queue, ``aht_s`` [s] handle time of a
    chat held alone, threshold ``within_s`` [s], target ``share``, mean exponential patience
    [s] (``math.inf`` = nobody abandons), ``counts`` rule as
    :func:`optimizer.queueing.erlang_a.service_level`,
    ``concurrency`` k >= 1, ``slowdown`` handle-time factors by number held (``None`` = all 1),
    ``short_abandon_s`` [s]; ``guess`` an optional warm start in agents.

    Model: agents working at full concurrency ``k'`` act as ``n k'`` independent servers of the
    M/M/(n k')+M queue with handle time ``aht_s * slowdown[k'-1]`` (each chat slowed down as if
    the agent always held ``k'``).  For each ``k' = 1..k`` the required servers ``s(k')`` come
    from :func:`required_servers` and the agents from ``ceil(s(k') / k')``; the answer is the
    minimum over ``k'``, since agents may hold fewer chats when the load is low or the slowdown
    steep.  With ``k = 1`` this is exactly the voice (Erlang A/C) requirement.

    This is an approximation: a real agent holding fewer than ``k'`` chats works faster than
    the model says, and the "one agent = k' servers" pooling ignores that chats of one agent
    share that agent.  It follows the many-server view of chat systems of Tezcan and Zhang
    (2014), "Routing and staffing in customer service chat systems with impatient customers",
    Operations Research 62(4).  The workbench's simulation (which assigns chats to the
    longest-idle agent or the one holding fewest, each slowed down by the factor of the number
    held) checks every plan built on it.
    """
    factors = _slowdowns(concurrency, slowdown)
    if arrival_rate_per_s <= 0.0:
        return 0
    best: int | None = None
    for k in range(1, concurrency + 1):
        servers = required_servers(
            arrival_rate_per_s,
            aht_s * factors[k - 1],
            within_s,
            share,
            patience_s,
            counts,
            short_abandon_s,
            guess=None if guess is None else guess * k,
        )
        agents = math.ceil(servers / k)
        best = agents if best is None else min(best, agents)
    assert best is not None
    return best


# --------------------------------------------------------------------------------------------
# asynchronous channels: FIFO backlog with a deadline window
# --------------------------------------------------------------------------------------------


def _as_profile(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one value per interval")
    if not np.all(np.isfinite(array)) or np.any(array < 0.0):
        raise ValueError(f"{name} must be finite and >= 0")
    return array


def _check_window(window: int) -> int:
    if isinstance(window, bool) or int(window) != window or window < 1:
        raise ValueError(f"window must be an int >= 1 [intervals], got {window!r}")
    return int(window)


def async_backlog(
    work_per_interval: Sequence[float] | np.ndarray,
    capacity_per_interval: Sequence[float] | np.ndarray,
    window: int,
    cyclic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """FIFO backlog of asynchronous work and the work that misses its window.

    Parameters: ``work_per_interval[t]`` work arriving in interval ``t`` and
    ``capacity_per_interval[t]`` work the agents can do in it, both in agent-intervals;
    ``window`` W >= 1 [intervals]; ``cyclic``: the horizon repeats (the default, as in the
    simulation).

    Returns ``(backlog, late)``, one value per interval [agent-intervals]: ``backlog[t]`` is
    the work still open at the end of interval ``t``; ``late[t]`` is the part of the work that
    arrived in ``t`` and is not done by the end of interval ``t + W - 1`` (it waited longer
    than ``W`` intervals counting its own), so ``late.sum() / work.sum()`` is the share late.

    Method: fluid FIFO queue.  Work is done first come, first served as fast as capacity
    allows, and capacity not used in an interval is lost: Lindley's recursion
    ``B_t = max(0, B_{t-1} + w_t - c_t)`` (Lindley 1952, Proc. Cambridge Philos. Soc. 48(2)),
    evaluated as the reflected cumulative sum ``B_t = S_t - min(0, min_{u<=t} S_u)`` with
    ``S = cumsum(w - c)``.  The work done by the end of ``t`` is ``D_t = cumsum(w)_t - B_t``;
    under FIFO the work of interval ``s`` occupies positions ``(W_{s-1}, W_s]`` of the
    cumulative work ``W``, so its late part is ``min(w_s, max(0, W_s - D_{s+W-1}))``.

    Cyclic: the backlog at the start is the steady one, found by running the profile for one
    cycle from empty first (when total capacity covers total work this is exactly periodic:
    a second warm-up cycle would end with the same backlog); deadlines past the end use the
    next cycle's capacity.  When total capacity is below total work no steady state exists and
    the result is that of the second cycle.  Not cyclic: the backlog starts empty, nothing is
    done after the horizon, and work whose deadline lies past the end must be done by the end.
    """
    work = _as_profile("work_per_interval", work_per_interval)
    capacity = _as_profile("capacity_per_interval", capacity_per_interval)
    if work.shape != capacity.shape:
        raise ValueError(
            f"work and capacity need the same number of intervals, got {len(work)} and "
            f"{len(capacity)}"
        )
    window = _check_window(window)
    n = len(work)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if cyclic:
        cycles = 2 + math.ceil((window - 1) / n)
        offset = n
    else:
        cycles, offset = 1, 0
    w_all = np.tile(work, cycles)
    c_all = np.tile(capacity, cycles)
    net = np.cumsum(w_all - c_all)
    backlog_all = net - np.minimum(0.0, np.minimum.accumulate(net))
    backlog_all = np.maximum(backlog_all, 0.0)
    cum_work = np.cumsum(w_all)
    done = cum_work - backlog_all
    cohorts = np.arange(offset, offset + n)
    deadlines = np.minimum(cohorts + window - 1, len(w_all) - 1)
    late = np.minimum(work, np.maximum(0.0, cum_work[cohorts] - done[deadlines]))
    noise = _LATE_TOLERANCE * max(1.0, float(work.sum()))
    late[late < noise] = 0.0
    backlog = backlog_all[offset : offset + n].copy()
    backlog[backlog < noise] = 0.0
    return backlog, late


def async_required_agents(
    work_per_interval: Sequence[float] | np.ndarray, window: int, cyclic: bool = True
) -> list[float]:
    """A smallest-waste capacity profile that finishes all asynchronous work within its window.

    Parameters: ``work_per_interval`` [agent-intervals] arriving per interval, ``window`` W
    [intervals] (as :func:`async_backlog`), ``cyclic`` horizon.  Returns the capacity per
    interval [agents = agent-intervals per interval].

    Rule ("spread each interval's work over its window"): the work arriving in interval ``v``
    is spread evenly over intervals ``v .. v+W-1``, i.e. the capacity is the trailing moving
    average ``c_t = sum_{v=t-W+1..t} w_v / W`` (wrapping around a cyclic horizon; without
    wrap, work near the end is spread over the intervals left).  It is feasible for the FIFO
    backlog of :func:`async_backlog`: ``sum_{u<=t} c_u`` lies between the work due by ``t``
    and the work arrived by ``t``, so capacity is never idle and every interval's work is done
    by its deadline (no late work).  It wastes nothing (its total equals the total work), its
    peak is at most the peak of the work, and it follows the demand shape, which makes it a
    readable "agents needed for email at 10:00" figure.  Its peak can still exceed the
    smallest possible peak, :func:`async_constant_level`.  Used for reporting and as a sanity
    bound; the MILP uses the backlog formulation itself.
    """
    work = _as_profile("work_per_interval", work_per_interval)
    window = _check_window(window)
    n = len(work)
    if n == 0:
        return []
    if cyclic:
        full, rest = divmod(window, n)
        total = float(work.sum())
        doubled = np.concatenate([[0.0], np.cumsum(np.concatenate([work, work]))])
        # sum of the last ``rest`` intervals ending at t (cyclic): indices t-rest+1 .. t
        t = np.arange(n)
        partial = doubled[t + n + 1] - doubled[t + n + 1 - rest]
        profile = (full * total + partial) / window
    else:
        lengths = np.minimum(window, n - np.arange(n))
        diff = np.zeros(n + 1)
        per = work / lengths
        np.add.at(diff, np.arange(n), per)
        np.add.at(diff, np.arange(n) + lengths, -per)
        profile = np.cumsum(diff[:n])
    profile = np.maximum(profile, 0.0)
    return [float(x) for x in profile]


def async_constant_level(
    work_per_interval: Sequence[float] | np.ndarray, window: int, cyclic: bool = True
) -> float:
    """Smallest constant capacity [agents] that finishes all work within its window.

    ``max`` over runs of consecutive intervals ``[s, e]`` of (work arriving in
    ``[s, e - W + 1]``) / (``e - s + 1``): the work that arrives in a run and is due inside it
    must be done inside it, and under FIFO (earliest deadline first, since every contact has
    the same window) this demand bound is also sufficient (Baruah, Rosier and Howell 1990,
    "Algorithms and complexity concerning the preemptive scheduling of periodic, real-time
    tasks on one processor", Real-Time Systems 2(4):301-324).  Cyclic runs may wrap around the
    horizon and a cyclic level is at least the mean work; without wrap, work due past the end
    is due at the end (as in :func:`async_backlog`).  Parameters as
    :func:`async_required_agents`.  A lower bound on the peak of any feasible profile.
    """
    work = _as_profile("work_per_interval", work_per_interval)
    window = _check_window(window)
    n = len(work)
    if n == 0 or not work.any():
        return 0.0
    if cyclic:
        # runs starting at s of length m <= n + window - 1 over the tiled profile
        reps = 2 + math.ceil(window / n)
        tiled = np.tile(work, reps)
        cum = np.concatenate([[0.0], np.cumsum(tiled)])
        best = float(work.sum()) / n
        for m in range(window, n + window):
            due = m - window + 1  # intervals whose work is due inside the run
            sums = cum[np.arange(n) + due] - cum[np.arange(n)]
            best = max(best, float(sums.max()) / m)
        return best
    cum = np.concatenate([[0.0], np.cumsum(work)])
    best = 0.0
    for e in range(n):
        s = np.arange(e + 1)
        last_due = e - window + 1 if e < n - 1 else e  # at the end everything is due
        if last_due < 0:
            continue
        starts = s[s <= last_due]
        sums = cum[last_due + 1] - cum[starts]
        best = max(best, float((sums / (e - starts + 1)).max()))
    return best
