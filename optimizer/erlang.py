"""Exact analytic queueing core: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Units used throughout:

* times (``aht_s``, ``patience_s``, ``within_s``, ``short_abandon_s``, ASA) in seconds [s];
* rates (``arrival_rate_per_s``) in [1/s];
* offered load ``a = lambda * AHT`` in Erlangs [Erlang];
* probabilities and service levels are dimensionless shares in [0, 1].

All functions are pure (no I/O, no global state).

Erlang A method (see :func:`erlang_a`)
---------------------------------------
With ``mu = 1/AHT``, ``theta = 1/patience``, ``x = n mu / theta`` and ``y = lambda / theta``, the
stationary distribution of the M/M/n+M birth-death chain is ``pi_k ∝ a^k / k!`` (k <= n) and
``pi_{n+j} = pi_n w_j`` with ``w_j = prod_{i=1..j} y / (x + i)`` (Palm 1943; Garnett, Mandelbaum
and Reiman 2002).  Every performance measure is a closed expression in Erlang B and the Kummer
series ``A(x, y) = sum_j w_j = 1F1(1; x+1; y) = x e^y y^-x gamma(x, y)`` (lower incomplete gamma),
evaluated at ``y`` and at the "tilted" argument ``y e^{-theta t}``:

* a tagged arrival that finds ``j`` waiting needs a hypoexponential time ``S_j`` with rates
  ``n mu + i theta`` (i = 0..j) to reach a server; its density collapses to
  ``theta Gamma(x+j+1) / (Gamma(x) j!) e^{-x theta s} (1 - e^{-theta s})^j``, so
  ``P(S_j <= t) = I_{1-e^{-theta t}}(j+1, x)`` (regularized incomplete beta);
* summing over ``j`` with the weights ``w_j`` gives the closed forms used here
  (derivation in the docstrings of the private helpers), identical to the incomplete-gamma
  formulas of Mandelbaum and Zeltyn for the M/M/n+M queue.

``A`` is evaluated in log space either by the exact truncated series (terms below
``e^-50`` of the largest term dropped; this is the default, used whenever the window of
significant terms has at most 32768 terms) or by the closed form through
``scipy.special.gammainc`` (regularized lower incomplete gamma) for very wide windows.
Nothing overflows for any n, load or patience; a full evaluation at n = 20,000 agents and
10,000 Erlangs takes well under a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import special

__all__ = [
    "COUNTS_RULES",
    "ErlangAResult",
    "erlang_a",
    "erlang_b",
    "erlang_b_continuous",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_continuous",
    "erlang_c_service_level",
    "halfin_whitt_p_wait",
    "halfin_whitt_required_agents",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "square_root_staffing",
]

#: Accepted values of the ``counts`` argument of :func:`service_level`.
COUNTS_RULES: tuple[str, ...] = ("offered", "answered", "offered_excl_short", "virtual")

# Terms of the queue-length series smaller than exp(-_TAIL_LOG) times the largest term are
# dropped (e^-50 ~ 2e-22, far below 1e-16 relative even after summing a long geometric tail).
_TAIL_LOG = 50.0
# Above this many significant terms the Erlang A series is replaced by its closed form in
# regularized incomplete gamma functions (only reached for absurdly long patience / huge loads).
_DIRECT_MAX_TERMS = 1 << 15
# Chunk size for the (rare) very long exact series, to bound memory.
_CHUNK = 1 << 16
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
    term once ``i > s``; it is only called where ``a > s + 36 sqrt(a)``, where the terms fall
    below ``e^-50`` after ``O(sqrt(a))`` steps (DLMF 8.11.2).
    """
    if s == 0.0:
        return 1.0
    ratio = s / a
    count = int(math.ceil(_TAIL_LOG / -math.log(ratio))) + 2
    if float(s).is_integer():
        count = min(count, int(s) + 1)
    m = np.arange(count, dtype=np.float64)
    terms = np.cumprod((s - m) / a)
    return 1.0 + float(terms.sum())


def _log_erlang_b(s: float, a: float) -> float:
    """Natural log of the Erlang B blocking probability for real ``s >= 0`` servers.

    ``s`` [agents], ``a`` [Erlang] > 0.  Uses
    ``B(s, a) = (a^s e^-a / Gamma(s+1)) / Q(s+1, a)`` with ``Q`` the regularized upper incomplete
    gamma function (``scipy.special.gammaincc``).  For integer ``s`` this is
    ``Poisson pmf(s; a) / Poisson cdf(s; a)`` (Erlang 1917); for real ``s`` it is Jagerman's
    continuous extension ``1/B(s, a) = a int_0^inf e^{-a t} (1 + t)^s dt`` (Jagerman 1974, Bell
    System Technical Journal 53(3):525-551).  When ``Q`` underflows (``a`` far above ``s``) the
    series of :func:`_inv_erlang_b_series` is used instead.
    """
    if s == 0.0:
        return 0.0
    q = float(special.gammaincc(s + 1.0, a))
    if q > _TINY:
        return float(special.xlogy(s, a)) - a - float(special.gammaln(s + 1.0)) - math.log(q)
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
    ``B = Poisson pmf(n; a) / Poisson cdf(n; a)`` evaluated in log space with
    ``scipy.special.gammaincc`` / ``gammaln`` (O(1), accurate to ~1e-13 relative at n = 20,000).
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
    which coincides with :func:`erlang_b` at integers and is increasing-smooth in ``s``.  Used
    when a staffing formula such as ``N = R + beta sqrt(R)`` yields a non-integer ``N``.
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
# Erlang A internals: the queue-length series  w_j = prod_{i=1..j} y / (x + i)
# --------------------------------------------------------------------------------------------


class _QueueSums(NamedTuple):
    """Sums over the waiting-queue weights ``w_j`` (all-busy states, j = number waiting).

    ``log_s0 = log sum_j w_j`` (= log A(x, y)), ``log_s_pos = log sum_{j>=1} w_j``
    (= log(A - 1)), ``mean_j = sum j w_j / sum w_j`` (mean queue length given all agents busy),
    ``mean_h = sum h_j w_j / sum w_j`` with ``h_j = sum_{k=1..j} 1/(x+k)`` (NaN if not computed).
    """

    log_s0: float
    log_s_pos: float
    mean_j: float
    mean_h: float


def _window(x: float, y: float) -> tuple[int, int]:
    """Index range ``[lo, hi]`` outside which ``w_j < e^-50 max_j w_j`` (dimensionless x, y).

    ``w_j / w_{j-1} = y / (x + j)`` so the weights are log-concave with mode
    ``j* = max(0, floor(y - x))``.  From ``x + j* > y - 1`` one gets
    ``log w_{j*} - log w_{j*+m} >= m (m - 1) / (2 (y + m))`` (and the same bound below ``j*``),
    which exceeds ``_TAIL_LOG`` for ``m = sqrt(2 T (y+1)) + 2 T + 2``; above the mode the ratio is
    also at most ``r = y / (x + j* + 1)``, giving the geometric bound ``m = T / log(1/r)``.
    """
    jstar = max(0, math.floor(y - x))
    m_sq = math.ceil(math.sqrt(2.0 * _TAIL_LOG * (y + 1.0)) + 2.0 * _TAIL_LOG) + 2
    m_hi = m_sq
    log_inv_ratio = math.log(x + jstar + 1.0) - math.log(y)
    if log_inv_ratio > 0.0:
        m_hi = min(m_hi, math.ceil(_TAIL_LOG / log_inv_ratio) + 1)
    lo = max(0, jstar - m_sq)
    return lo, jstar + m_hi


def _queue_sums_direct(x: float, y: float, with_h: bool) -> _QueueSums:
    """Exact truncated series for :class:`_QueueSums` (x = n mu/theta, y = lambda/theta > 0).

    ``log w_j`` is accumulated as a cumulative sum of ``log y - log(x + j)`` (the start of a window
    that does not begin at 0 is anchored with ``gammaln``), and the sums are formed with a running
    log-sum-exp, in chunks of 65,536 terms, so nothing overflows or underflows.
    """
    lo, hi = _window(x, y)
    log_y = math.log(y)
    if lo == 0:
        carry = 0.0
        h_carry = 0.0
    else:
        carry = lo * log_y - float(special.gammaln(x + lo + 1.0) - special.gammaln(x + 1.0))
        h_carry = float(special.digamma(x + lo + 1.0) - special.digamma(x + 1.0))
    ref = -math.inf
    s0 = s_pos = s1 = sh = 0.0
    for start in range(lo, hi + 1, _CHUNK):
        stop = min(hi + 1, start + _CHUNK)
        j = np.arange(start, stop, dtype=np.float64)
        inc = log_y - np.log(x + j)
        if start == lo:
            inc[0] = 0.0
        logw = carry + np.cumsum(inc)
        carry = float(logw[-1])
        top = float(logw.max())
        if top > ref:
            scale = math.exp(ref - top) if ref > -math.inf else 0.0
            s0, s_pos, s1, sh = s0 * scale, s_pos * scale, s1 * scale, sh * scale
            ref = top
        e = np.exp(logw - ref)
        s0 += float(e.sum())
        s_pos += float(e[1:].sum()) if start == 0 else float(e.sum())
        s1 += float(np.dot(j, e))
        if with_h:
            hinc = 1.0 / (x + j)
            if start == lo:
                hinc[0] = 0.0
            h = h_carry + np.cumsum(hinc)
            h_carry = float(h[-1])
            sh += float(np.dot(h, e))
    log_s_pos = ref + math.log(s_pos) if s_pos > 0.0 else -math.inf
    return _QueueSums(
        log_s0=ref + math.log(s0),
        log_s_pos=log_s_pos,
        mean_j=s1 / s0,
        mean_h=sh / s0 if with_h else math.nan,
    )


def _queue_sums_closed(x: float, y: float) -> _QueueSums | None:
    """Closed form of :class:`_QueueSums` through regularized incomplete gamma functions.

    With ``P(s, y)`` = ``scipy.special.gammainc`` and ``L = y - x log y + log Gamma(x + 1)``:
    ``A(x, y) = sum_j w_j = e^L P(x, y)``, ``A - 1 = e^L P(x + 1, y)`` and
    ``mean_j = y - x P(x + 1, y) / P(x, y)`` (from ``sum_j (x + j) w_j = y A``).  This is the
    incomplete-gamma form of Garnett, Mandelbaum and Reiman (2002), M&SOM 4(3):208-227 and
    Mandelbaum and Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A queue".
    Returns ``None`` if ``P`` underflows (then the exact series is used).
    """
    p0 = float(special.gammainc(x, y))
    p1 = float(special.gammainc(x + 1.0, y))
    if not (p0 > _TINY and p1 > _TINY):
        return None
    big_l = y - x * math.log(y) + float(special.gammaln(x + 1.0))
    return _QueueSums(
        log_s0=big_l + math.log(p0),
        log_s_pos=big_l + math.log(p1),
        mean_j=max(0.0, y - x * p1 / p0),
        mean_h=math.nan,
    )


def _queue_sums(x: float, y: float, with_h: bool = False) -> _QueueSums:
    """Dispatch between the exact series and the incomplete-gamma closed form (see module doc)."""
    if y <= 0.0:
        return _QueueSums(log_s0=0.0, log_s_pos=-math.inf, mean_j=0.0, mean_h=0.0)
    lo, hi = _window(x, y)
    if not with_h and hi - lo + 1 > _DIRECT_MAX_TERMS:
        closed = _queue_sums_closed(x, y)
        if closed is not None:
            return closed
    return _queue_sums_direct(x, y, with_h)


@dataclass(frozen=True)
class _ErlangAModel:
    """Stationary M/M/n+M model (finite patience) with the quantities every metric needs.

    ``x = n patience / AHT``, ``y = lambda patience`` (dimensionless), ``theta = 1/patience``
    [1/s], ``log_pi_n`` = log P(exactly n in system), ``p_wait`` = P(all n busy at arrival),
    ``p_abandon`` = theta E[queue] / lambda, ``mean_h`` as in :class:`_QueueSums`.
    """

    n: int
    lam: float
    aht: float
    theta: float
    x: float
    y: float
    log_pi_n: float
    p_wait: float
    p_abandon: float
    mean_j: float
    mean_h: float

    def tails(self, t: float) -> tuple[float, float]:
        """``(P(V > t), P(answered and W > t))`` for a threshold ``t`` [s].

        ``V`` is the virtual wait (time to reach an agent with infinite patience).  Summing the
        hypoexponential densities of the "number ahead" chain against ``w_j`` gives
        ``f_V(s) = pi_n n mu e^{-n mu s} exp(y (1 - e^{-theta s}))`` for ``s > 0``, hence with
        ``y_t = y e^{-theta t}``:

        * ``P(V > t) = pi_n exp(y - y_t - n mu t) A(x, y_t)``;
        * answered after waiting more than ``t`` (density ``f_V(s) e^{-theta s}``):
          ``pi_n (x / y) exp(y - y_t - n mu t) (A(x, y_t) - 1)``.

        (Garnett, Mandelbaum and Reiman 2002; Mandelbaum and Zeltyn 2007, M/M/n+M formulas.)
        """
        if t <= 0.0:
            return self.p_wait, self.p_wait - self.p_abandon
        y_t = self.y * math.exp(-self.theta * t)
        sums = _queue_sums(self.x, y_t)
        common = self.log_pi_n - self.y * math.expm1(-self.theta * t) - self.n * t / self.aht
        v_gt = math.exp(common + sums.log_s0) if math.isfinite(common) else 0.0
        ans_gt = (
            math.exp(common + math.log(self.x) - math.log(self.y) + sums.log_s_pos)
            if math.isfinite(common) and sums.log_s_pos > -math.inf
            else 0.0
        )
        return min(v_gt, self.p_wait), min(ans_gt, self.p_wait)

    def answered_within(self, t: float) -> float:
        """Share of all arrivals answered with wait ``<= t`` [s]: ``1 - P(Ab) - P(ans, W > t)``."""
        _, ans_gt = self.tails(t)
        return min(1.0, max(0.0, 1.0 - self.p_abandon - ans_gt))

    def abandon_before(self, s0: float) -> float:
        """Share of arrivals abandoning with patience (= their wait) shorter than ``s0`` [s].

        ``P(Ab, W <= s0) = P(Ab) - [P(still waiting at s0) - P(answered, W > s0)]`` with
        ``P(still waiting at s0) = e^{-theta s0} P(V > s0)`` (own exponential patience is
        independent of the virtual wait under FCFS).
        """
        if s0 <= 0.0:
            return 0.0
        v_gt, ans_gt = self.tails(s0)
        still = math.exp(-self.theta * s0) * v_gt
        return min(self.p_abandon, max(0.0, self.p_abandon - still + ans_gt))


def _build_model(
    n: int, lam: float, aht: float, patience: float, with_h: bool
) -> _ErlangAModel:
    """Assemble :class:`_ErlangAModel` for ``lam > 0`` [1/s], finite ``patience`` [s].

    Normalisation: ``sum_{k<n} pi_k = pi_n (1 - B) / B`` with ``B`` = Erlang B, so
    ``pi_n = B / (1 - B + B A)`` and ``P(wait) = A B / (1 - B + A B)`` (Mandelbaum and Zeltyn
    2007); ``E[queue] = pi_n sum_j j w_j`` and ``P(Ab) = theta E[queue] / lambda``.
    """
    a = lam * aht
    theta = 1.0 / patience
    x = n * patience / aht
    y = lam * patience
    log_b = _log_erlang_b_int(n, a)
    sums = _queue_sums(x, y, with_h)
    log_num = sums.log_s0 + log_b
    log_one_minus_b = math.log1p(-math.exp(log_b))
    log_den = float(np.logaddexp(log_one_minus_b, log_num))
    p_wait = math.exp(log_num - log_den)
    return _ErlangAModel(
        n=n,
        lam=lam,
        aht=aht,
        theta=theta,
        x=x,
        y=y,
        log_pi_n=log_b - log_den,
        p_wait=p_wait,
        p_abandon=min(p_wait, p_wait * sums.mean_j / y),
        mean_j=sums.mean_j,
        mean_h=sums.mean_h,
    )


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
    Numerically stable (log space, no overflow/NaN) for any n, load and patience; O(1) in ``n``
    and O(sqrt(lambda patience)) in the worst case for ``asa_answered_s``; typically ~0.1 ms.
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
    wait_answered = model.p_wait * model.x * model.mean_h / arrival_rate_per_s
    return ErlangAResult(
        p_wait=model.p_wait,
        p_abandon=model.p_abandon,
        asa_s=model.p_wait * model.mean_j / arrival_rate_per_s,
        asa_answered_s=wait_answered / p_answered,
        sl_offered=within,
        sl_answered=min(1.0, within / p_answered),
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
        return min(1.0, within / (1.0 - model.p_abandon))
    excluded = model.abandon_before(short_abandon_s)
    return min(1.0, within / (1.0 - excluded))


def required_agents(
    arrival_rate_per_s: float,
    aht_s: float,
    within_s: float,
    target_share: float,
    patience_s: float = math.inf,
    counts: str = "offered",
    max_agents: int = 100_000,
) -> int:
    """Smallest number of agents whose service level meets ``target_share``.

    Parameters: lambda [1/s], AHT [s], threshold t [s], ``target_share`` in (0, 1] (e.g. 0.8 for
    80/20), mean patience [s] (``math.inf`` = Erlang C, where ``n > a`` is required), ``counts``
    as in :func:`service_level`, ``max_agents`` search limit.  Returns 0 when there are no
    arrivals; raises ``ValueError`` when even ``max_agents`` agents miss the target.

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
    _check_servers(max_agents, minimum=1)
    if arrival_rate_per_s == 0.0:
        return 0
    a = arrival_rate_per_s * aht_s
    lo = math.floor(a) + 1 if math.isinf(patience_s) else 1

    def meets(n: int) -> bool:
        sl = service_level(n, arrival_rate_per_s, aht_s, patience_s, within_s, counts)
        return sl >= target_share

    if lo > max_agents:
        raise ValueError(f"offered load {a:.6g} Erlang needs more than max_agents={max_agents}")
    # exponential search for an upper bracket, then bisection on (bad, good]
    bad, step, good = lo - 1, 1, lo
    while not meets(good):
        if good >= max_agents:
            raise ValueError(f"target {target_share} not reachable with {max_agents} agents")
        bad = good
        good = min(max_agents, good + step)
        step *= 2
    while good - bad > 1:
        mid = (bad + good) // 2
        if meets(mid):
            good = mid
        else:
            bad = mid
    return good


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
