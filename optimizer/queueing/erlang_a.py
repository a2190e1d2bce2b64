"""Exact analytic queueing core, part 2: the Erlang A (M/M/n+M) queue, its service level under
each counting rule, and the staffing searches built on it.

``erlang_a`` evaluates the exact steady state (method: ``optimizer.queueing.erlang_a_series``);
infinite patience gives the Erlang C answer (``optimizer.queueing.erlang``). Units as there:
times in seconds, rates per second, shares in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from optimizer.queueing.erlang import (
    _check_nonneg,
    _check_positive,
    _check_servers,
    erlang_c,
    erlang_c_service_level,
)
from optimizer.queueing.erlang_a_series import _build_model

#: Accepted values of the ``counts`` argument of :func:`service_level`.
COUNTS_RULES: tuple[str, ...] = ("offered", "answered", "offered_excl_short", "virtual")


# --------------------------------------------------------------------------------------------
# Erlang A public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErlangAResult:
    """Steady-state performance of the M/M/n+M (Erlang A) queue.

    Fields (shares are dimensionless in [0, 1], times in seconds):

    * ``p_wait``: P(an arrival finds all agents busy) = P(W > 0) [-];
    * ``p_abandon``: P(an arrival abandons) [-];
    * ``asa_s``: mean wait over ALL arrivals (answered and abandoned) = E[queue] / lambda [s];
    * ``asa_answered_s``: mean wait of answered contacts (0 wait included) [s];
    * ``sl_offered``: answered within t / all arrivals [-];
    * ``sl_answered``: answered within t / answered [-];
    * ``sl_virtual``: P(virtual wait <= t), the wait an infinitely patient arrival would have [-];
    * ``occupancy``: mean busy agents / n = a (1 - P(Ab)) / n [-].
    """

    p_wait: float
    p_abandon: float
    asa_s: float
    asa_answered_s: float
    sl_offered: float
    sl_answered: float
    sl_virtual: float
    occupancy: float


def _erlang_c_result(n: int, a: float, aht_s: float, within_s: float) -> ErlangAResult:
    """Erlang A result for infinite patience, i.e. the Erlang C (M/M/n) answer (Cooper 1981)."""
    if n <= a:
        return ErlangAResult(
            p_wait=1.0,
            p_abandon=0.0,
            asa_s=math.inf,
            asa_answered_s=math.inf,
            sl_offered=0.0,
            sl_answered=0.0,
            sl_virtual=0.0,
            occupancy=1.0,
        )
    c = erlang_c(n, a)
    sl = 1.0 - c * math.exp(-(n - a) * within_s / aht_s)
    asa = c * aht_s / (n - a)
    return ErlangAResult(
        p_wait=c,
        p_abandon=0.0,
        asa_s=asa,
        asa_answered_s=asa,
        sl_offered=sl,
        sl_answered=sl,
        sl_virtual=sl,
        occupancy=a / n,
    )


def _idle_result() -> ErlangAResult:
    """Result for zero arrival rate: nobody waits, every (absent) contact meets the target."""
    return ErlangAResult(
        p_wait=0.0,
        p_abandon=0.0,
        asa_s=0.0,
        asa_answered_s=0.0,
        sl_offered=1.0,
        sl_answered=1.0,
        sl_virtual=1.0,
        occupancy=0.0,
    )


def _check_erlang_a_args(
    n: int, arrival_rate_per_s: float, aht_s: float, patience_s: float, within_s: float
) -> None:
    _check_servers(n, minimum=1)
    _check_nonneg("arrival_rate_per_s", arrival_rate_per_s)
    _check_positive("aht_s", aht_s)
    _check_positive("patience_s", patience_s, allow_inf=True)
    _check_nonneg("within_s", within_s, allow_inf=True)


def erlang_a(
    n: int, arrival_rate_per_s: float, aht_s: float, patience_s: float, within_s: float
) -> ErlangAResult:
    """Exact steady state of the M/M/n+M (Erlang A / Palm) queue with exponential patience.

    Parameters: ``n`` agents (int >= 1); ``arrival_rate_per_s`` lambda [1/s]; ``aht_s`` mean
    handling time 1/mu [s]; ``patience_s`` mean patience 1/theta [s] (``math.inf`` gives the
    Erlang C answer exactly); ``within_s`` service-level threshold t [s].

    Method (exact, see module docstring): stationary law ``pi_k ∝ a^k/k!`` (k <= n),
    ``pi_{n+j} = pi_n prod_{i=1..j} lambda / (n mu + i theta)``; all measures are closed
    expressions in Erlang B and ``A(x, y) = 1F1(1; x+1; y)`` (x = n mu/theta, y = lambda/theta):

    * ``P(wait) = A B / (1 - B + A B)`` and ``pi_n = B / (1 - B + A B)``;
    * ``P(Ab) = E[queue] theta / lambda`` and ``asa_s = E[queue] / lambda`` (Little);
    * ``P(V > t)`` and ``P(answered, W > t)`` from :meth:`_ErlangAModel.tails`;
    * ``asa_answered_s = E[queue of eventually-answered] / (lambda (1 - P(Ab)))`` by Little's law,
      where a customer at position k of the queue is eventually answered w.p. ``x / (x + k)``,
      i.e. ``E[...] = pi_n x sum_j w_j sum_{k=1..j} 1/(x+k)``;
    * ``occupancy = a (1 - P(Ab)) / n``.

    Sources: Palm (1943/1957); Garnett, Mandelbaum and Reiman (2002), "Designing a call center
    with impatient customers", M&SOM 4(3):208-227; Mandelbaum and Zeltyn (2007), "Service
    engineering in action: the Palm/Erlang-A queue, with applications to call centers".
    Numerically stable (log space, no overflow/NaN) for any n, load and patience.  Cost is O(1)
    in ``n`` and proportional to the number of significant queue states, at most
    ``~20 sqrt(lambda patience)`` (e.g. 0.03-0.1 ms at n = 20,000 with realistic patience,
    a few ms when patience is ~1e5 s at critical load); beyond 4M states the incomplete-gamma
    closed form is used.
    """
    _check_erlang_a_args(n, arrival_rate_per_s, aht_s, patience_s, within_s)
    a = arrival_rate_per_s * aht_s
    if arrival_rate_per_s == 0.0:
        return _idle_result()
    if math.isinf(patience_s):
        return _erlang_c_result(n, a, aht_s, within_s)
    model = _build_model(n, arrival_rate_per_s, aht_s, patience_s, with_h=True)
    v_gt, ans_gt = model.tails(within_s)
    p_answered = 1.0 - model.p_abandon
    within = min(1.0, max(0.0, p_answered - ans_gt))
    if p_answered > 0.0:
        asa_answered = model.wait_of_answered() / p_answered
        sl_answered = min(1.0, within / p_answered)
    else:  # everybody abandons (only reachable through rounding under extreme overload)
        asa_answered, sl_answered = math.inf, 0.0
    return ErlangAResult(
        p_wait=model.p_wait,
        p_abandon=model.p_abandon,
        asa_s=model.p_wait * model.mean_j / arrival_rate_per_s,
        asa_answered_s=asa_answered,
        sl_offered=within,
        sl_answered=sl_answered,
        sl_virtual=min(1.0, max(0.0, 1.0 - v_gt)),
        occupancy=min(1.0, a * p_answered / n),
    )


def service_level(
    n: int,
    arrival_rate_per_s: float,
    aht_s: float,
    patience_s: float,
    within_s: float,
    counts: str = "offered",
    short_abandon_s: float = 0.0,
) -> float:
    """Service level of the M/M/n+M queue under one of the industry counting rules.

    Parameters as :func:`erlang_a` (``n`` agents, lambda [1/s], AHT [s], patience [s],
    threshold t [s]); ``short_abandon_s`` [s] only used by ``offered_excl_short``.

    ``counts``:

    * ``"offered"``: answered within t / (answered + abandoned) = / all arrivals;
    * ``"answered"``: answered within t / answered;
    * ``"offered_excl_short"``: answered within t / (arrivals - abandons whose patience (= wait)
      was shorter than ``short_abandon_s``).  For exponential patience the excluded share is
      exact: ``P(Ab, W <= s0) = P(Ab) - e^{-theta s0} P(V > s0) + P(answered, W > s0)``;
    * ``"virtual"``: P(V <= t), the virtual wait of an infinitely patient arrival.

    With ``patience_s = math.inf`` all four rules equal the Erlang C service level
    (0.0 if ``n <= a``).  Sources: Garnett, Mandelbaum and Reiman (2002), M&SOM 4(3):208-227;
    Mandelbaum and Zeltyn (2007); Cooper (1981) for Erlang C.
    """
    if counts not in COUNTS_RULES:
        raise ValueError(f"counts must be one of {COUNTS_RULES}, got {counts!r}")
    _check_erlang_a_args(n, arrival_rate_per_s, aht_s, patience_s, within_s)
    _check_nonneg("short_abandon_s", short_abandon_s, allow_inf=True)
    if arrival_rate_per_s == 0.0:
        return 1.0
    if math.isinf(patience_s):
        return erlang_c_service_level(n, arrival_rate_per_s * aht_s, aht_s, within_s)
    model = _build_model(n, arrival_rate_per_s, aht_s, patience_s, with_h=False)
    if counts == "virtual":
        v_gt, _ = model.tails(within_s)
        return min(1.0, max(0.0, 1.0 - v_gt))
    within = model.answered_within(within_s)
    if counts == "offered":
        return within
    if counts == "answered":
        p_answered = 1.0 - model.p_abandon
        return min(1.0, within / p_answered) if p_answered > 0.0 else 0.0
    remaining = 1.0 - model.abandon_before(short_abandon_s)
    return min(1.0, within / remaining) if remaining > 0.0 else 0.0


def min_servers(arrival_rate_per_s: float, aht_s: float, patience_s: float) -> int:
    """Fewest servers for which the service level is defined [servers].

    Erlang C (``patience_s = inf``) needs a stable queue, ``n > a`` with ``a = lambda AHT``
    [Erlang], i.e. ``floor(a) + 1``; Erlang A (finite patience) is stable for every ``n`` and
    starts at 1.  0 when there are no arrivals.
    """
    if arrival_rate_per_s <= 0.0:
        return 0
    if math.isinf(patience_s):
        return math.floor(arrival_rate_per_s * aht_s) + 1
    return 1


def required_agents(
    arrival_rate_per_s: float,
    aht_s: float,
    within_s: float,
    target_share: float,
    patience_s: float = math.inf,
    counts: str = "offered",
    max_agents: int = 100_000,
    *,
    short_abandon_s: float = 0.0,
) -> int:
    """Smallest number of agents whose service level meets ``target_share``.

    Parameters: lambda [1/s], AHT [s], threshold t [s], ``target_share`` in (0, 1] (e.g. 0.8 for
    80/20), mean patience [s] (``math.inf`` = Erlang C, where ``n > a`` is required), ``counts``
    as in :func:`service_level`, ``max_agents`` search limit, ``short_abandon_s`` [s] (keyword
    only, used by ``counts="offered_excl_short"``).  Returns 0 when there are no arrivals; raises
    ``ValueError`` when even ``max_agents`` agents miss the target.

    Search: exponential then binary search on ``n``, relying on the service level being
    non-decreasing in ``n`` (stochastic monotonicity of the birth-death chain in its service
    rates; checked against a linear scan in the tests for all four rules).
    """
    _check_nonneg("arrival_rate_per_s", arrival_rate_per_s)
    _check_positive("aht_s", aht_s)
    _check_nonneg("within_s", within_s, allow_inf=True)
    _check_positive("patience_s", patience_s, allow_inf=True)
    if math.isnan(target_share) or not 0.0 < target_share <= 1.0:
        raise ValueError(f"target_share must be in (0, 1], got {target_share}")
    if counts not in COUNTS_RULES:
        raise ValueError(f"counts must be one of {COUNTS_RULES}, got {counts!r}")
    _check_nonneg("short_abandon_s", short_abandon_s, allow_inf=True)
    _check_servers(max_agents, minimum=1)
    if arrival_rate_per_s == 0.0:
        return 0
    a = arrival_rate_per_s * aht_s
    lo = min_servers(arrival_rate_per_s, aht_s, patience_s)

    def meets(n: int) -> bool:
        sl = service_level(
            n, arrival_rate_per_s, aht_s, patience_s, within_s, counts, short_abandon_s
        )
        return sl >= target_share

    if lo > max_agents:
        raise ValueError(f"offered load {a:.6g} Erlang needs more than max_agents={max_agents}")
    found = smallest_meeting(meets, lo, max_agents)
    if found is None:
        raise ValueError(f"target {target_share} not reachable with {max_agents} agents")
    return found


def smallest_meeting(
    meets: Callable[[int], bool], lo: int, hi: int, guess: int | None = None
) -> int | None:
    """Smallest ``n`` in ``[lo, hi]`` with ``meets(n)``, for a ``meets`` that is monotone in
    ``n`` (false, then true); ``None`` if even ``hi`` does not meet it.

    Gallops from ``guess`` (default ``lo``) with doubling steps, down while it meets and up
    while it does not, then bisects the bracket: a good guess costs two or three evaluations.
    """
    start = min(max(lo, lo if guess is None else guess), hi)
    step = 1
    if meets(start):
        good, bad = start, lo - 1
        while good > lo:
            candidate = max(lo, good - step)
            if not meets(candidate):
                bad = candidate
                break
            good = candidate
            step *= 2
    else:
        bad = start
        while True:
            if bad >= hi:
                return None
            candidate = min(hi, bad + step)
            if meets(candidate):
                good = candidate
                break
            bad = candidate
            step *= 2
    while good - bad > 1:
        middle = (good + bad) // 2
        if meets(middle):
            good = middle
        else:
            bad = middle
    return good
