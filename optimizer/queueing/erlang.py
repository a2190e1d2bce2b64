"""Exact analytic queueing core, part 1: Erlang B, Erlang C (M/M/n) and square-root staffing.

Units used throughout (here and in ``optimizer.queueing.erlang_a``):

* times (``aht_s``, ``patience_s``, ``within_s``, ``short_abandon_s``, ASA) in seconds [s];
* rates (``arrival_rate_per_s``) in [1/s];
* offered load ``a = lambda * AHT`` in Erlangs [Erlang];
* probabilities and service levels are dimensionless shares in [0, 1].

All functions are pure (no I/O, no global state). Erlang B uses the textbook recursion up to
200 agents and the regularized incomplete gamma form above; the log-gamma and Poisson building
blocks follow Loader (2000) and are shared with the Erlang A series
(``optimizer.queueing.erlang_a_series``). The Erlang A (M/M/n+M) queue, the service level
under each counting rule and the staffing searches are in ``optimizer.queueing.erlang_a``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

# Terms of the queue-length series smaller than exp(-_TAIL_LOG) times the largest term are
# dropped (e^-50 ~ 2e-22, far below 1e-16 relative even after summing a long geometric tail).
_TAIL_LOG = 50.0
# Erlang B: the textbook recursion is used up to this n, the incomplete-gamma form above it.
_RECURSION_MAX_N = 200
# Regularized incomplete gamma values below this are treated as underflowed.
_TINY = 1e-280


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _check_servers(n: int, minimum: int = 0) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"number of agents must be an int, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"number of agents must be >= {minimum}, got {n}")


def _check_nonneg(name: str, value: float, allow_inf: bool = False) -> None:
    if math.isnan(value) or value < 0.0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")


def _check_positive(name: str, value: float, allow_inf: bool = False) -> None:
    if math.isnan(value) or value <= 0.0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be > 0, got {value}")


# --------------------------------------------------------------------------------------------
# Accurate log-gamma / Poisson building blocks (Loader 2000)
# --------------------------------------------------------------------------------------------

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _bd0(p: float, y: float) -> float:
    """Deviance term ``p log(p / y) + y - p`` (>= 0) without cancellation, p >= 0, y > 0.

    Dimensionless.  Source: Loader (2000), "Fast and accurate computation of binomial
    probabilities" (function ``bd0``): for ``|p - y| < 0.1 (p + y)`` it sums the series
    ``(p - y) v + 2 p sum_k v^(2k+1) / (2k+1)`` with ``v = (p - y) / (p + y)``.
    """
    if p == 0.0:
        return y
    diff = p - y
    if abs(diff) < 0.1 * (p + y):
        v = diff / (p + y)
        total = diff * v
        ej = 2.0 * p * v
        v2 = v * v
        k = 1
        while True:
            ej *= v2
            new_total = total + ej / (2 * k + 1)
            if new_total == total:
                return new_total
            total = new_total
            k += 1
    return p * math.log(p / y) + y - p


def _stirling_g(p: float, y: float) -> float:
    """``G(p, y) = log Gamma(p + 1) - p log y + y - log(2 pi) / 2`` for p >= 0, y > 0.

    Dimensionless.  Evaluated as ``bd0(p, y) + log(p) / 2 + delta(p)`` with the Stirling error
    ``delta(p) = 1/(12p) - 1/(360p^3) + 1/(1260p^5) - 1/(1680p^7) + 1/(1188p^9)`` for p >= 15
    (Loader 2000; Abramowitz and Stegun 6.1.40), directly from ``gammaln`` below.  Its error is
    ~1e-16 times ``G`` itself, not times ``p log p``, so differences ``G(p1) - G(p0)`` of
    neighbouring arguments are accurate even for p ~ 1e10.
    """
    if p >= 15.0:
        r = 1.0 / (p * p)
        delta = (
            1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r / 1188.0)))
        ) / p
        return _bd0(p, y) + 0.5 * math.log(p) + delta
    return (
        _bd0(p, y)
        + float(special.gammaln(p + 1.0))
        - float(special.xlogy(p, p))
        + p
        - _HALF_LOG_2PI
    )


def _log_poisson_pmf(s: float, a: float) -> float:
    """``log(a^s e^-a / Gamma(s + 1))`` for real s >= 0 [agents], a > 0 [Erlang] (Loader 2000)."""
    return -_stirling_g(s, a) - _HALF_LOG_2PI


# --------------------------------------------------------------------------------------------
# Erlang B
# --------------------------------------------------------------------------------------------


def _erlang_b_recursion(n: int, a: float) -> float:
    """Erlang B by the stable recursion ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``.

    ``n`` [agents], ``a`` [Erlang].  Source: Cooper (1981), *Introduction to Queueing Theory*,
    2nd ed., ch. 3 (Erlang loss formula and its recursion).  O(n) Python loop: used for small n.
    """
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _inv_erlang_b_series(s: float, a: float) -> float:
    """``1 / B(s, a) = sum_{i>=0} prod_{m<i} (s - m) / a`` for ``a`` much larger than ``s``.

    ``s`` [agents, may be real], ``a`` [Erlang].  For integer ``s`` the sum is finite and exact
    (it is ``sum_k s! / (k! a^(s-k))``, Erlang 1917).  For real ``s`` it is the asymptotic
    expansion of ``e^a a^-s Gamma(s+1, a)`` whose remainder is bounded by the first omitted
    term once ``i > s`` (DLMF 8.11.2); it is only called where ``Q(s+1, a) < 1e-280``, i.e.
    ``a > s + 36 sqrt(a)``, where the terms fall below ``e^-50`` after ``O(sqrt(a))`` steps.
    """
    if s == 0.0:
        return 1.0
    count = math.ceil(_TAIL_LOG / math.log(a / s)) + 2
    if float(s).is_integer():
        count = min(count, int(s) + 1)
    m = np.arange(count, dtype=np.float64)
    terms = np.cumprod((s - m) / a)
    return 1.0 + float(terms.sum())


def _log_erlang_b(s: float, a: float) -> float:
    """Natural log of the Erlang B blocking probability for real ``s >= 0`` servers.

    ``s`` [agents], ``a`` [Erlang] > 0.  Uses ``B(s, a) = (a^s e^-a / Gamma(s+1)) / Q(s+1, a)``
    with ``Q`` the regularized upper incomplete gamma function (``scipy.special.gammaincc``).
    For integer ``s`` this is ``Poisson pmf(s; a) / Poisson cdf(s; a)`` (Erlang 1917); for real
    ``s`` it is Jagerman's continuous extension ``1/B(s, a) = a int_0^inf e^{-a t} (1 + t)^s dt``
    (Jagerman 1974, Bell System Technical Journal 53(3):525-551).  When ``Q`` underflows (``a``
    far above ``s``) the series of :func:`_inv_erlang_b_series` is used instead.
    """
    if s == 0.0:
        return 0.0
    q = float(special.gammaincc(s + 1.0, a))
    if q > _TINY:
        return _log_poisson_pmf(s, a) - math.log(q)
    return -math.log(_inv_erlang_b_series(s, a))


def _log_erlang_b_int(n: int, a: float) -> float:
    """Natural log of Erlang B for integer ``n`` [agents] and ``a`` [Erlang] > 0 (see erlang_b)."""
    if n <= _RECURSION_MAX_N:
        b = _erlang_b_recursion(n, a)
        if b > _TINY:
            return math.log(b)
    return _log_erlang_b(float(n), a)


def erlang_b(n: int, a: float) -> float:
    """Erlang B blocking probability of the M/M/n/n loss system.

    Parameters: ``n`` number of agents (int >= 0), ``a`` offered load [Erlang] = arrival rate
    [1/s] x AHT [s].  Returns ``B(n, a) = (a^n / n!) / sum_{k=0..n} a^k / k!`` (dimensionless).

    Source: Erlang (1917); computed with the stable recursion ``B(0) = 1,
    B(k) = a B(k-1) / (k + a B(k-1))`` (Cooper 1981, *Introduction to Queueing Theory*, 2nd ed.,
    ch. 3) for ``n <= 200``, and above that with the equivalent closed form
    ``B = Poisson pmf(n; a) / Poisson cdf(n; a)`` in log space (pmf by Loader's 2000 saddle-point
    form, cdf by ``scipy.special.gammaincc``): O(1) and accurate to ~1e-13 relative at n = 20,000.
    """
    _check_servers(n)
    _check_nonneg("offered load a", a)
    if a == 0.0:
        return 1.0 if n == 0 else 0.0
    if n <= _RECURSION_MAX_N:
        return _erlang_b_recursion(int(n), a)
    return math.exp(_log_erlang_b(float(n), a))


def erlang_b_continuous(s: float, a: float) -> float:
    """Erlang B for a real (non-integer) number of servers ``s >= 0`` [agents], ``a`` [Erlang].

    Jagerman's continuous extension ``1/B(s, a) = a int_0^inf e^{-a t} (1 + t)^s dt
    = e^a a^{-s} Gamma(s + 1, a)`` (Jagerman 1974, Bell System Technical Journal 53(3):525-551),
    which coincides with :func:`erlang_b` at integers and is smooth and decreasing in ``s``.
    Used when a staffing formula such as ``N = R + beta sqrt(R)`` yields a non-integer ``N``.
    """
    _check_nonneg("number of servers s", s)
    _check_nonneg("offered load a", a)
    if a == 0.0:
        return 1.0 if s == 0.0 else 0.0
    return math.exp(_log_erlang_b(float(s), a))


# --------------------------------------------------------------------------------------------
# Erlang C
# --------------------------------------------------------------------------------------------


def _c_from_b(n: float, a: float, b: float) -> float:
    """Erlang C from Erlang B: ``C = n B / (n - a (1 - B))`` (Cooper 1981, ch. 3)."""
    return n * b / (n - a * (1.0 - b))


def erlang_c(n: int, a: float) -> float:
    """Erlang C probability of wait ``P(W > 0)`` of the M/M/n queue.

    Parameters: ``n`` number of agents (int), ``a`` offered load [Erlang].  Returns 1.0 when
    ``n <= a`` (no steady state: every arrival eventually waits).

    Source: Erlang (1917); Cooper (1981), *Introduction to Queueing Theory*, 2nd ed., ch. 3,
    via the stable relation ``C = n B / (n - a (1 - B))`` with ``B`` = :func:`erlang_b`.
    """
    _check_servers(n)
    _check_nonneg("offered load a", a)
    if n <= a:
        return 1.0
    return _c_from_b(float(n), a, erlang_b(n, a))


def erlang_c_continuous(s: float, a: float) -> float:
    """Erlang C ``P(W > 0)`` for a real number of servers ``s`` [agents], ``a`` [Erlang].

    ``C(s, a) = s B(s, a) / (s - a (1 - B(s, a)))`` with ``B`` Jagerman's continuous extension
    (:func:`erlang_b_continuous`; Jagerman 1974).  Equal to :func:`erlang_c` at integer ``s``;
    1.0 when ``s <= a``.  This is the convention used for square-root staffing
    ``N = R + beta sqrt(R)`` when ``N`` is not an integer.
    """
    _check_nonneg("number of servers s", s)
    _check_nonneg("offered load a", a)
    if s <= a:
        return 1.0
    return _c_from_b(float(s), a, erlang_b_continuous(s, a))


def erlang_c_service_level(n: int, a: float, aht_s: float, within_s: float) -> float:
    """Erlang C service level ``P(W <= t) = 1 - C exp(-(n - a) t / AHT)``.

    Parameters: ``n`` agents, ``a`` offered load [Erlang], ``aht_s`` mean handling time [s],
    ``within_s`` answer-time threshold ``t`` [s].  Returns 0.0 if unstable (``n <= a``).
    Source: Cooper (1981), ch. 3 (waiting-time distribution of the M/M/n FCFS queue); Call Centre
    Helper's Erlang C worked example.
    """
    _check_positive("aht_s", aht_s)
    _check_nonneg("within_s", within_s, allow_inf=True)
    c = erlang_c(n, a)
    if n <= a:
        return 0.0
    return 1.0 - c * math.exp(-(n - a) * within_s / aht_s)


def erlang_c_asa(n: int, a: float, aht_s: float) -> float:
    """Erlang C average speed of answer ``ASA = C AHT / (n - a)`` [s].

    Parameters: ``n`` agents, ``a`` offered load [Erlang], ``aht_s`` [s].  Returns ``math.inf``
    if unstable (``n <= a``).  Source: Cooper (1981), ch. 3 (mean wait of the M/M/n queue).
    """
    _check_positive("aht_s", aht_s)
    c = erlang_c(n, a)
    if n <= a:
        return math.inf
    return c * aht_s / (n - a)


# --------------------------------------------------------------------------------------------
# square-root staffing (Halfin and Whitt 1981) and shrinkage
# --------------------------------------------------------------------------------------------


def halfin_whitt_p_wait(beta: float) -> float:
    """Halfin-Whitt limit of P(wait) for ``N = R + beta sqrt(R)``: ``[1 + beta Phi/phi]^-1``.

    ``beta`` >= 0 is the dimensionless quality-of-service parameter; Phi and phi are the standard
    normal cdf and density (evaluated in log space with ``scipy.special.log_ndtr``).
    Source: Halfin and Whitt (1981), "Heavy-traffic limits for queues with many exponential
    servers", Operations Research 29(3):567-588.
    """
    _check_nonneg("beta", beta)
    if beta == 0.0:
        return 1.0
    log_phi = -0.5 * beta * beta - 0.5 * math.log(2.0 * math.pi)
    ratio = math.exp(min(700.0, float(special.log_ndtr(beta)) - log_phi))
    return 1.0 / (1.0 + beta * ratio)


def square_root_staffing(offered_load: float, beta: float) -> float:
    """Square-root staffing level ``N = R + beta sqrt(R)`` [agents] (may be non-integer).

    ``offered_load`` R [Erlang].  Source: Halfin and Whitt (1981), Operations Research
    29(3):567-588.  Exact P(wait) at a non-integer N is defined by
    :func:`erlang_c_continuous` (Jagerman's continuous extension); at integer N it is
    :func:`erlang_c`.
    """
    _check_nonneg("offered_load", offered_load)
    return offered_load + beta * math.sqrt(offered_load)


def halfin_whitt_required_agents(
    arrival_rate_per_s: float, aht_s: float, within_s: float, target_share: float
) -> int:
    """Rule-of-thumb staffing: smallest integer N meeting the target under the QED approximation.

    Uses ``SL(N) ~ 1 - alpha(beta_N) exp(-(N - a) t / AHT)`` with ``beta_N = (N - a)/sqrt(a)``
    and ``alpha`` = :func:`halfin_whitt_p_wait` (Halfin and Whitt 1981, Operations Research
    29(3):567-588), i.e. the square-root-staffing convention; lambda [1/s], AHT [s], t [s].
    It typically undershoots the exact Erlang C answer by about one agent at small loads.
    """
    _check_positive("arrival_rate_per_s", arrival_rate_per_s)
    _check_positive("aht_s", aht_s)
    _check_nonneg("within_s", within_s)
    if not 0.0 < target_share < 1.0:
        raise ValueError(f"target_share must be in (0, 1), got {target_share}")
    a = arrival_rate_per_s * aht_s
    root = math.sqrt(a)
    n = math.floor(a) + 1
    while True:
        beta = (n - a) / root
        sl = 1.0 - halfin_whitt_p_wait(beta) * math.exp(-(n - a) * within_s / aht_s)
        if sl >= target_share:
            return n
        n += 1


def scheduled_agents(required: int, shrinkage: float) -> int:
    """Agents to schedule so that ``required`` remain after shrinkage: ``ceil(N / (1 - s))``.

    ``required`` [agents], ``shrinkage`` share in [0, 1) of paid time lost (breaks, training,
    absence).  A 1e-9 guard absorbs binary rounding (14 / 0.7 = 20.000000000000004).
    Source: Call Centre Helper Erlang C worked example (14 required, 30 % shrinkage -> 20).
    """
    _check_servers(required)
    if math.isnan(shrinkage) or not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    return math.ceil(required / (1.0 - shrinkage) - 1e-9)
