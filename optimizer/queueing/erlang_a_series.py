"""Erlang A (M/M/n+M) internals: the queue-length series and the exact model built on it.

With ``mu = 1/AHT``, ``theta = 1/patience``, ``x = n mu / theta`` and ``y = lambda / theta``, the
stationary distribution of the M/M/n+M birth-death chain is ``pi_k ∝ a^k / k!`` (k <= n) and
``pi_{n+j} = pi_n w_j`` with ``w_j = prod_{i=1..j} y / (x + i)`` (Palm 1943; Garnett, Mandelbaum
and Reiman 2002).  Every performance measure is a closed expression in Erlang B and the Kummer
series ``A(x, y) = sum_j w_j = 1F1(1; x+1; y) = x e^y y^-x gamma(x, y)`` (lower incomplete gamma),
evaluated at ``y`` and at the "tilted" argument ``y_t = y e^{-theta t}``:

* a tagged arrival that finds ``j`` waiting needs a hypoexponential time ``S_j`` with rates
  ``n mu + i theta`` (i = 0..j) to reach an agent; its density collapses to
  ``theta Gamma(x+j+1) / (Gamma(x) j!) e^{-x theta s} (1 - e^{-theta s})^j``, so
  ``P(S_j <= t) = I_{1-e^{-theta t}}(j+1, x)`` (regularized incomplete beta);
* summing over ``j`` with the weights ``w_j`` gives the closed forms used here (derivations in
  the docstrings of :class:`_ErlangAModel`), i.e. the incomplete-gamma formulas of Mandelbaum and
  Zeltyn for the M/M/n+M queue.

``A`` is evaluated exactly as a truncated series (terms below ``e^-50`` of the largest dropped,
which the window bound of :func:`_window` guarantees) in log space, with all tail sums anchored
to the same reference term so that their huge common magnitude cancels exactly; window anchors
use Loader's (2000) saddle-point decomposition of log-gamma differences.  Only for windows of
more than ~4M terms (lambda x patience > ~4e10) is the closed incomplete-gamma form
(``scipy.special.gammainc``) used instead.  Nothing overflows for any n, load or patience; a
full evaluation at n = 20,000 agents and 10,000 Erlangs takes well under a millisecond.

The public functions are in ``optimizer.queueing.erlang_a``; units as in
``optimizer.queueing.erlang``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import integrate, special

from optimizer.queueing.erlang import _TAIL_LOG, _TINY, _log_erlang_b_int, _stirling_g

# Above this many significant terms (~4M) the Erlang A series is replaced by its closed form in
# regularized incomplete gamma functions (only reached when lambda x patience > ~4e10).
_DIRECT_MAX_TERMS = 1 << 22
# Chunk size for long exact series, to bound memory.
_CHUNK = 1 << 16


# --------------------------------------------------------------------------------------------
# Erlang A internals: the queue-length series  w_j = prod_{i=1..j} y / (x + i)
# --------------------------------------------------------------------------------------------


class _Sums(NamedTuple):
    """Sums over (possibly tilted) queue weights, in log space relative to a common anchor.

    ``log_s0 = log sum_j w_j - R``, ``log_s_pos = log sum_{j>=1} w_j - R`` (R = the model's
    anchor, see :class:`_ErlangAModel`), ``mean_j = sum j w_j / sum w_j`` (mean number waiting
    when all agents are busy), ``mean_h = sum h_j w_j / sum w_j`` with
    ``h_j = sum_{k=1..j} 1/(x+k)`` (NaN when not computed).
    """

    log_s0: float
    log_s_pos: float
    mean_j: float
    mean_h: float


def _window(x: float, y: float) -> tuple[int, int]:
    """Index range ``[lo, hi]`` outside which ``w_j < e^-50 max_j w_j`` (dimensionless x, y > 0).

    ``w_j / w_{j-1} = y / (x + j)`` so the weights are log-concave with mode
    ``j* = max(0, floor(y - x))``.  From ``x + j* > y - 1`` one gets
    ``log w_{j*} - log w_{j*+m} >= m (m - 1) / (2 (y + m))`` (and the same bound below ``j*``),
    which exceeds ``T = 50`` for ``m = sqrt(2 T (y+1)) + 2 T + 2``; above the mode every ratio is
    also at most ``r = y / (x + j* + 1)``, giving the geometric bound ``m = T / log(1/r)``.  The
    neglected tails are below ``e^-50 (1 + sqrt(y))`` relative, i.e. < 1e-16 for y < 1e10.
    """
    jstar = max(0, math.floor(y - x))
    m_sq = math.ceil(math.sqrt(2.0 * _TAIL_LOG * (y + 1.0)) + 2.0 * _TAIL_LOG) + 2
    m_hi = m_sq
    log_inv_ratio = math.log1p((x + jstar + 1.0 - y) / y)
    if log_inv_ratio > 0.0:
        m_hi = min(m_hi, math.ceil(_TAIL_LOG / log_inv_ratio) + 1)
    return max(0, jstar - m_sq), jstar + m_hi


def _log_w_ratio(x: float, y: float, j0: int, j1: int) -> float:
    """``log(w_{j1} / w_{j0})`` for the weights ``w_j = y^j Gamma(x+1) / Gamma(x+j+1)``.

    Equal to ``-(G(x + j1, y) - G(x + j0, y))`` with :func:`_stirling_g`, accurate to ~1e-16
    times the size of the G values (not of ``x log x``).
    """
    if j0 == j1:
        return 0.0
    return -(_stirling_g(x + j1, y) - _stirling_g(x + j0, y))


def _series(x: float, y: float, lo: int, hi: int, base: float, with_h: bool) -> _Sums:
    """Exact truncated sums of ``w_j(y)`` over ``j in [lo, hi]``, ``log w_lo - R = base``.

    ``log w_j`` is accumulated as ``base - sum_{i=lo+1..j} log1p((x + i - y) / y)`` and summed
    with a running log-sum-exp in chunks of 65,536 terms, so nothing overflows or underflows and
    memory stays bounded for very long queues.  ``h_j`` is anchored with ``digamma``.
    """
    gap = x - y
    if with_h:
        h_carry = float(special.digamma(x + lo + 1.0) - special.digamma(x + 1.0)) if lo else 0.0
    else:
        h_carry = 0.0
    carry = base
    ref = -math.inf
    s0 = s_pos = s1 = sh = 0.0
    for start in range(lo, hi + 1, _CHUNK):
        stop = min(hi + 1, start + _CHUNK)
        j = np.arange(start, stop, dtype=np.float64)
        inc = -np.log1p((gap + j) / y)
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
    return _Sums(
        log_s0=ref + math.log(s0),
        log_s_pos=ref + math.log(s_pos) if s_pos > 0.0 else -math.inf,
        mean_j=s1 / s0,
        mean_h=sh / s0 if with_h else math.nan,
    )


def _closed_sums(x: float, y: float) -> _Sums | None:
    """Closed form of :class:`_Sums` (anchor R = 0) by regularized incomplete gamma functions.

    With ``P(s, y)`` = ``scipy.special.gammainc`` and ``L = y - x log y + log Gamma(x + 1)``:
    ``A(x, y) = sum_j w_j = e^L P(x, y)``, ``A - 1 = e^L P(x + 1, y)`` and
    ``mean_j = y - x P(x + 1, y) / P(x, y)`` (from ``sum_j (x + j) w_j = y A``).  This is the
    incomplete-gamma form of the M/M/n+M measures (Garnett, Mandelbaum and Reiman 2002, M&SOM
    4(3):208-227; Mandelbaum and Zeltyn 2007).  Only used for windows of more than 4M terms
    (lambda x patience > ~4e10), where its relative accuracy is ~1e-16 y log y.  Returns ``None``
    if ``P`` underflows.
    """
    p0 = float(special.gammainc(x, y))
    p1 = float(special.gammainc(x + 1.0, y))
    if not (p0 > _TINY and p1 > _TINY):
        return None
    big_l = y - x * math.log(y) + float(special.gammaln(x + 1.0))
    return _Sums(
        log_s0=big_l + math.log(p0),
        log_s_pos=big_l + math.log(p1),
        mean_j=max(0.0, y - x * p1 / p0),
        mean_h=math.nan,
    )


@dataclass(frozen=True)
class _ErlangAModel:
    """Stationary M/M/n+M model (finite patience) with the quantities every metric needs.

    ``x = n patience / AHT`` and ``y = lambda patience`` (dimensionless), ``theta = 1/patience``
    [1/s].  Queue weights are held relative to the anchor ``R = log w_lo`` (``lo`` = first index
    of the significant window), and ``log_pi_r = log pi_n + R``; every tail sum is evaluated
    against the same anchor so its (possibly huge) absolute size cancels exactly.  ``closed``
    marks the incomplete-gamma fallback (anchor R = 0).
    """

    n: int
    lam: float
    aht: float
    theta: float
    x: float
    y: float
    lo: int
    closed: bool
    log_pi_r: float
    p_wait: float
    p_abandon: float
    mean_j: float
    mean_h: float

    def _tilted_sums(self, t: float) -> _Sums:
        """Sums of ``w_j(y) e^{-theta t j} = w_j(y_t)``, ``y_t = y e^{-theta t}`` (anchor R)."""
        theta_t = self.theta * t
        y_t = self.y * math.exp(-theta_t)
        if y_t < _TINY:
            # only j = 0 matters: w_0 = 1, i.e. log(w_0) - R = log(w_0 / w_lo)
            rel0 = 0.0 if self.closed else -_log_w_ratio(self.x, self.y, 0, self.lo)
            return _Sums(log_s0=rel0, log_s_pos=-math.inf, mean_j=0.0, mean_h=math.nan)
        lo_t, hi_t = _window(self.x, y_t)
        if self.closed:
            sums = _closed_sums(self.x, y_t)
            if sums is not None:
                return sums
            base = _log_w_ratio(self.x, y_t, 0, lo_t)
        else:
            base = _log_w_ratio(self.x, self.y, self.lo, lo_t) - theta_t * lo_t
        return _series(self.x, y_t, lo_t, hi_t, base, with_h=False)

    def tails(self, t: float) -> tuple[float, float]:
        """``(P(V > t), P(answered and W > t))`` for a threshold ``t`` [s].

        ``V`` is the virtual wait (time to reach an agent with infinite patience).  A tagged
        arrival finding ``j`` waiting needs a hypoexponential time with rates ``n mu + i theta``
        (i = 0..j); its density is ``theta Gamma(x+j+1)/(Gamma(x) j!) e^{-n mu s}
        (1 - e^{-theta s})^j``.  Summing against ``pi_n w_j`` gives
        ``f_V(s) = pi_n n mu e^{-n mu s} exp(y (1 - e^{-theta s}))`` (s > 0), hence with
        ``y_t = y e^{-theta t}``:

        * ``P(V > t) = pi_n exp(y - y_t - n mu t) A(x, y_t)``;
        * answered after waiting more than ``t`` (density ``f_V(s) e^{-theta s}``, own patience
          independent of ``V`` under FCFS): ``pi_n (x / y) exp(y - y_t - n mu t) (A(x, y_t) - 1)``.

        These are the M/M/n+M waiting-time formulas of Garnett, Mandelbaum and Reiman (2002) and
        Mandelbaum and Zeltyn (2007), written through the Kummer series ``A``.
        """
        if t <= 0.0:
            return self.p_wait, self.p_wait - self.p_abandon
        if math.isinf(t):
            return 0.0, 0.0
        sums = self._tilted_sums(t)
        common = self.log_pi_r - self.y * math.expm1(-self.theta * t) - self.n * t / self.aht
        v_gt = math.exp(min(0.0, common + sums.log_s0))
        if sums.log_s_pos == -math.inf:
            ans_gt = 0.0
        else:
            log_ans = common + math.log(self.x) - math.log(self.y) + sums.log_s_pos
            ans_gt = math.exp(min(0.0, log_ans))
        return min(v_gt, self.p_wait), min(ans_gt, self.p_wait - self.p_abandon)

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

    def wait_of_answered(self) -> float:
        """``E[W 1{answered}]`` [s] (mean over all arrivals of the wait of answered ones).

        Little's law on the eventually-answered part of the queue: a customer at position k
        (k - 1 ahead) is answered w.p. ``prod_{i<k} (x+i)/(x+i+1) = x/(x+k)``, so
        ``E[queue of eventually answered] = pi_n x sum_j w_j h_j`` and the mean wait is that
        divided by lambda.  In the incomplete-gamma fallback it is ``int_0^inf P(ans, W > s) ds``
        by adaptive quadrature (``scipy.integrate.quad``).
        """
        if not self.closed:
            return self.p_wait * self.x * self.mean_h / self.lam
        value, _ = integrate.quad(lambda s: self.tails(s)[1], 0.0, math.inf, epsrel=1e-11)
        return float(value)


def _build_model(n: int, lam: float, aht: float, patience: float, with_h: bool) -> _ErlangAModel:
    """Assemble :class:`_ErlangAModel` for ``lam > 0`` [1/s] and finite ``patience`` [s].

    Normalisation: ``sum_{k<n} pi_k = pi_n (1 - B) / B`` with ``B`` = Erlang B, so
    ``pi_n = B / (1 - B + B A)`` and ``P(wait) = A B / (1 - B + A B)`` (Mandelbaum and Zeltyn
    2007); ``E[queue] = pi_n sum_j j w_j`` and ``P(Ab) = theta E[queue] / lambda``.
    """
    a = lam * aht
    x = n * patience / aht
    y = lam * patience
    if not (x > 0.0 and y > 0.0 and math.isfinite(x) and math.isfinite(y)):
        raise ValueError(
            f"patience_s={patience} makes n*patience/AHT={x} or lambda*patience={y} "
            "underflow/overflow; use a patience between ~1e-300 s and ~1e300 s or math.inf"
        )
    lo, hi = _window(x, y)
    sums: _Sums | None = None
    closed = False
    if hi - lo + 1 > _DIRECT_MAX_TERMS:
        sums = _closed_sums(x, y)
        closed = sums is not None
    if sums is None:
        sums = _series(x, y, lo, hi, 0.0, with_h)
        anchor = _log_w_ratio(x, y, 0, lo)
    else:
        anchor = 0.0
    log_b = _log_erlang_b_int(n, a)
    log_one_minus_b = math.log1p(-math.exp(log_b))
    # log pi_n + R = -log((1 - B) / (B e^R) + sum_j w_j / e^R)
    log_pi_r = -float(np.logaddexp(log_one_minus_b - log_b - anchor, sums.log_s0))
    p_wait = math.exp(log_pi_r + sums.log_s0)
    return _ErlangAModel(
        n=n,
        lam=lam,
        aht=aht,
        theta=1.0 / patience,
        x=x,
        y=y,
        lo=0 if closed else lo,
        closed=closed,
        log_pi_r=log_pi_r,
        p_wait=p_wait,
        p_abandon=min(p_wait, p_wait * sums.mean_j / y),
        mean_j=sums.mean_j,
        mean_h=sums.mean_h,
    )
