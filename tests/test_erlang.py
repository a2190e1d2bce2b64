"""Tests of the exact analytic queueing core (optimizer/queueing/erlang*.py).

Every published number of /work/shared/REFERENCES.md sections "Erlang C", "Erlang A" and
"Square-root staffing" is recomputed here with the project's own implementation and checked to
the published rounding (abs 5e-5 for 4-decimal shares, 0.005 s for 2-decimal ASA, 5e-4 for
3-decimal occupancy, 5e-7 for 6-decimal values).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from optimizer.queueing import erlang as E
from optimizer.queueing import erlang_a_series as S
from optimizer.queueing.erlang import (
    erlang_b,
    erlang_b_continuous,
    erlang_c,
    erlang_c_asa,
    erlang_c_continuous,
    erlang_c_service_level,
    halfin_whitt_p_wait,
    halfin_whitt_required_agents,
    scheduled_agents,
    square_root_staffing,
)
from optimizer.queueing.erlang_a import (
    COUNTS_RULES,
    ErlangAResult,
    erlang_a,
    required_agents,
    service_level,
)

SHARE_4DP = 5e-5  # published shares with 4 decimals
ASA_2DP = 0.005  # published ASA [s] with 2 decimals
OCC_3DP = 5e-4  # published occupancy with 3 decimals
SHARE_6DP = 5e-7  # published shares with 6 decimals

# Call Centre Helper worked example: 100 calls per 30 min, AHT 180 s, 80/20 -> A = 10 Erlang.
CCH_RATE = 100 / 1800  # [1/s]
CCH_AHT = 180.0  # [s]
CCH_LOAD = CCH_RATE * CCH_AHT  # [Erlang]

# Garnett, Mandelbaum and Reiman (2002) example: lambda = 200/h, AHT 180 s, t = 20 s.
GMR_RATE = 200 / 3600  # [1/s]
GMR_AHT = 180.0  # [s]
GMR_T = 20.0  # [s]


# ---------------------------------------------------------------------------------------------
# independent brute-force reference for the M/M/n+M queue
# ---------------------------------------------------------------------------------------------


def brute_force_erlang_a(
    n: int, lam: float, aht: float, patience: float, t: float, depth: int = 6000
) -> dict[str, float]:
    """Erlang A by explicit truncation of the birth-death chain (independent of the module).

    State probabilities ``pi_k ∝ a^k/k!`` (k <= n), ``pi_{n+j} = pi_n prod lambda/(n mu + i theta)``
    truncated at ``depth`` waiting customers; per-state answer probabilities use the
    hypoexponential "number ahead" chain: ``P(V <= t | j) = I_u(j+1, x)``,
    ``P(answered within t | j) = x/(x+j+1) I_u(j+1, x+1)`` with ``u = 1 - e^{-theta t}`` and
    ``x = n mu/theta``, and the answered wait ``E[W 1{ans} | j] = x/(x+j+1) sum_{i=0..j}
    1/(theta (x+i+1))`` (stage by stage, each stage Exp(n mu + i theta + theta)).
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    a = lam * aht
    k = np.arange(n + 1, dtype=float)
    log_low = k * math.log(a) - special.gammaln(k + 1)
    j = np.arange(depth, dtype=float)
    steps = np.log(lam) - np.log(n * mu + theta * np.arange(1, depth, dtype=float))
    log_q = log_low[-1] + np.concatenate([[0.0], np.cumsum(steps)])
    logp = np.concatenate([log_low[:-1], log_q])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    pq = p[n:]
    assert pq[-1] < 1e-25 * pq.max(), "truncation depth too small"
    x = n * mu / theta
    u = -math.expm1(-theta * t)
    p_wait = float(pq.sum())
    mean_q = float((j * pq).sum())
    p_ab = theta * mean_q / lam
    served = x / (x + j + 1)
    within = 1 - p_wait + float((pq * served * special.betainc(j + 1, x + 1, u)).sum())
    virtual = 1 - p_wait + float((pq * special.betainc(j + 1, x, u)).sum())
    stage_time = (special.digamma(x + j + 2) - special.digamma(x + 1)) / theta
    wait_ans = float((pq * served * stage_time).sum())
    occupancy = float((p[:n] * k[:n]).sum() + n * p_wait) / n
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "asa_s": mean_q / lam,
        "asa_answered_s": wait_ans / (1 - p_ab),
        "sl_offered": within,
        "sl_answered": within / (1 - p_ab),
        "sl_virtual": virtual,
        "occupancy": occupancy,
    }


# ---------------------------------------------------------------------------------------------
# Erlang C: Call Centre Helper worked example
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "p_wait", "sl20", "asa", "occupancy"),
    [
        (11, 0.6821, 0.3896, 122.78, 0.909),
        (12, 0.4494, 0.6402, 40.44, 0.833),
        (13, 0.2853, 0.7956, 17.12, 0.769),
        (14, 0.1741, 0.8884, 7.84, 0.714),
        (15, 0.1020, 0.9415, 3.67, 0.667),
    ],
)
def test_erlang_c_call_centre_helper_table(
    n: int, p_wait: float, sl20: float, asa: float, occupancy: float
) -> None:
    """Call Centre Helper Erlang C worked example (also in the pyworkforce documentation).

    100 calls / 30 min, AHT 180 s -> A = 10 Erlang; table N = 11..15 of P(wait), SL(20 s),
    ASA [s] and occupancy.
    """
    assert math.isclose(CCH_LOAD, 10.0, rel_tol=1e-12)
    assert erlang_c(n, CCH_LOAD) == pytest.approx(p_wait, abs=SHARE_4DP)
    assert erlang_c_service_level(n, CCH_LOAD, CCH_AHT, 20.0) == pytest.approx(sl20, abs=SHARE_4DP)
    assert erlang_c_asa(n, CCH_LOAD, CCH_AHT) == pytest.approx(asa, abs=ASA_2DP)
    res = erlang_a(n, CCH_RATE, CCH_AHT, math.inf, 20.0)
    assert res.occupancy == pytest.approx(occupancy, abs=OCC_3DP)
    assert res.occupancy == pytest.approx(CCH_LOAD / n, rel=1e-15)


def test_erlang_c_call_centre_helper_required_and_shrinkage() -> None:
    """Call Centre Helper worked example: required N = 14 for 80/20; 13 misses by 0.4 pp;
    with 30 % shrinkage 20 agents are scheduled (ceil(14 / 0.7))."""
    assert required_agents(CCH_RATE, CCH_AHT, 20.0, 0.80) == 14
    miss_pp = 100 * (0.80 - erlang_c_service_level(13, CCH_LOAD, CCH_AHT, 20.0))
    assert round(miss_pp, 1) == 0.4
    assert scheduled_agents(14, 0.30) == 20


def test_erlang_c_360_calls_case() -> None:
    """Call Centre Helper / pyworkforce: 360 calls / 30 min, AHT 240 s (A = 48), N = 55,
    T = 15 s -> P(wait) 0.2387, SL 0.8459, ASA 8.18 s."""
    a = 360 / 1800 * 240
    assert a == pytest.approx(48.0)
    assert erlang_c(55, a) == pytest.approx(0.2387, abs=SHARE_4DP)
    assert erlang_c_service_level(55, a, 240.0, 15.0) == pytest.approx(0.8459, abs=SHARE_4DP)
    assert erlang_c_asa(55, a, 240.0) == pytest.approx(8.18, abs=ASA_2DP)


def test_erlang_c_aht_600_case_and_square_root_convention() -> None:
    """Call Centre Helper: 100 calls / 30 min, AHT 600 s, 80/20 (A = 33.3) -> exact Erlang C
    N = 40 with SL 0.8473; square-root rules of thumb say 38-39.

    Conventions: the exact answer is the smallest integer N with Erlang C SL >= 80 %
    (:func:`required_agents`).  The rule-of-thumb answer used here is the Halfin-Whitt (1981)
    QED approximation ``SL ~ 1 - alpha(beta) exp(-(N - A) t / AHT)``,
    ``beta = (N - A)/sqrt(A)`` (:func:`halfin_whitt_required_agents`), which gives 39; the
    plain ``A + sqrt(A)`` = 39.1 rule gives 39 when rounded down.
    """
    rate = 100 / 1800
    a = rate * 600.0
    assert a == pytest.approx(33.333333, abs=1e-6)
    assert required_agents(rate, 600.0, 20.0, 0.80) == 40
    assert erlang_c_service_level(40, a, 600.0, 20.0) == pytest.approx(0.8473, abs=SHARE_4DP)
    assert erlang_c_service_level(39, a, 600.0, 20.0) < 0.80
    rule_of_thumb = halfin_whitt_required_agents(rate, 600.0, 20.0, 0.80)
    assert rule_of_thumb in (38, 39)
    assert math.floor(square_root_staffing(a, 1.0)) in (38, 39)
    assert rule_of_thumb < 40


@pytest.mark.parametrize(
    ("load", "expected_n"),
    [
        (1, 3),
        (2, 4),
        (5, 8),
        (10, 14),
        (20, 25),
        (50, 57),
        (100, 108),
        (200, 210),
        (500, 513),
        (1000, 1015),
    ],
)
def test_erlang_c_economies_of_scale(load: float, expected_n: int) -> None:
    """Call Centre Helper economies-of-scale list: required N for 80/20 at AHT 300 s,
    A = 1 -> 3, 2 -> 4, 5 -> 8, 10 -> 14, 20 -> 25, 50 -> 57, 100 -> 108, 200 -> 210,
    500 -> 513, 1000 -> 1015."""
    n = required_agents(load / 300.0, 300.0, 20.0, 0.80)
    assert n == expected_n
    assert erlang_c_service_level(n, load, 300.0, 20.0) >= 0.80
    assert erlang_c_service_level(n - 1, load, 300.0, 20.0) < 0.80


def test_erlang_c_unstable_conventions() -> None:
    """Erlang C (Cooper 1981): no steady state when N <= A -> P(wait) 1, SL 0, ASA inf."""
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(9, 10.0) == 1.0
    assert erlang_c_service_level(10, 10.0, 180.0, 20.0) == 0.0
    assert erlang_c_asa(10, 10.0, 180.0) == math.inf
    res = erlang_a(10, 10 / 180, 180.0, math.inf, 20.0)
    assert res.p_wait == 1.0 and res.sl_offered == 0.0 and res.asa_s == math.inf


def test_erlang_b_recursion_matches_closed_form() -> None:
    """Erlang B recursion B(k) = A B(k-1)/(k + A B(k-1)) (Cooper 1981) equals the closed form
    Poisson pmf / Poisson cdf used above n = 200, across loads and sizes."""
    for n in (1, 5, 50, 199, 200, 201, 350, 1000, 3000):
        for a in (0.5, 10.0, 0.5 * n, 0.95 * n, float(n), 1.2 * n, 3.0 * n, 50.0 * n):
            recursion = E._erlang_b_recursion(n, a)
            closed = math.exp(E._log_erlang_b(float(n), a))
            assert closed == pytest.approx(recursion, rel=1e-11), (n, a)
            log_cdf = float(stats.poisson.logcdf(n, a))
            if log_cdf > -500.0:
                scipy_ref = math.exp(float(stats.poisson.logpmf(n, a)) - log_cdf)
                assert erlang_b(n, a) == pytest.approx(scipy_ref, rel=1e-9), (n, a)
    assert erlang_b(0, 5.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0


# ---------------------------------------------------------------------------------------------
# Erlang A: Garnett, Mandelbaum and Reiman (2002)
# ---------------------------------------------------------------------------------------------

GMR_TABLE = [
    # patience, N, P(wait), P(abandon), ASA, SL_off, SL_ans, SL_virt
    (60.0, 10, 0.4234, 0.1575, 9.45, 0.7180, 0.8523, 0.7421),
    (60.0, 11, 0.3268, 0.1118, 6.71, 0.7965, 0.8968, 0.8171),
    (60.0, 12, 0.2404, 0.0759, 4.55, 0.8603, 0.9310, 0.8768),
    (180.0, 11, 0.4170, 0.0834, 15.01, 0.7054, 0.7696, 0.7121),
    (180.0, 12, 0.3032, 0.0531, 9.56, 0.8023, 0.8473, 0.8080),
    (180.0, 13, 0.2084, 0.0322, 5.80, 0.8751, 0.9042, 0.8795),
    (600.0, 12, 0.3668, 0.0300, 18.00, 0.7340, 0.7567, 0.7356),
    (600.0, 13, 0.2459, 0.0165, 9.92, 0.8376, 0.8517, 0.8389),
]


@pytest.mark.parametrize(
    ("patience", "n", "p_wait", "p_ab", "asa", "sl_off", "sl_ans", "sl_virt"), GMR_TABLE
)
def test_erlang_a_gmr_table(
    patience: float,
    n: int,
    p_wait: float,
    p_ab: float,
    asa: float,
    sl_off: float,
    sl_ans: float,
    sl_virt: float,
) -> None:
    """Garnett, Mandelbaum and Reiman (2002), M&SOM 4(3):208-227, Erlang A example:
    lambda = 200/h, AHT 180 s, t = 20 s; every column of the REFERENCES.md table (ASA over all
    arrivals = E[queue]/lambda)."""
    res = erlang_a(n, GMR_RATE, GMR_AHT, patience, GMR_T)
    assert res.p_wait == pytest.approx(p_wait, abs=SHARE_4DP)
    assert res.p_abandon == pytest.approx(p_ab, abs=SHARE_4DP)
    assert res.asa_s == pytest.approx(asa, abs=ASA_2DP)
    assert res.sl_offered == pytest.approx(sl_off, abs=SHARE_4DP)
    assert res.sl_answered == pytest.approx(sl_ans, abs=SHARE_4DP)
    assert res.sl_virtual == pytest.approx(sl_virt, abs=SHARE_4DP)
    for counts, value in (("offered", sl_off), ("answered", sl_ans), ("virtual", sl_virt)):
        sl = service_level(n, GMR_RATE, GMR_AHT, patience, GMR_T, counts)
        assert sl == pytest.approx(value, abs=SHARE_4DP)


def test_erlang_a_required_agents_by_counting_rule() -> None:
    """Garnett, Mandelbaum and Reiman (2002) example (lambda = 200/h, AHT 180 s, 80/20):
    Erlang C needs 14; Erlang A with 180 s patience 12 under all three rules; with 60 s
    patience 10 (answered), 11 (virtual), 12 (offered)."""
    assert required_agents(GMR_RATE, GMR_AHT, GMR_T, 0.80) == 14
    for counts in ("offered", "answered", "virtual"):
        assert required_agents(GMR_RATE, GMR_AHT, GMR_T, 0.80, 180.0, counts) == 12
    assert required_agents(GMR_RATE, GMR_AHT, GMR_T, 0.80, 60.0, "answered") == 10
    assert required_agents(GMR_RATE, GMR_AHT, GMR_T, 0.80, 60.0, "virtual") == 11
    assert required_agents(GMR_RATE, GMR_AHT, GMR_T, 0.80, 60.0, "offered") == 12


@pytest.mark.parametrize(
    ("load", "n", "expected"),
    [(10.0, 10, 0.542070), (10.0, 12, 0.303224), (100.0, 100, 0.513299), (100.0, 110, 0.170560)],
)
def test_erlang_a_poisson_identity_when_patience_equals_aht(
    load: float, n: int, expected: float
) -> None:
    """Exact identity (REFERENCES.md, Erlang A section; Garnett, Mandelbaum and Reiman 2002):
    with mean patience = AHT the M/M/N+M queue has the M/M/inf law, the number in system is
    Poisson(R), so P(wait) = P(Poisson(R) >= N): 0.542070, 0.303224, 0.513299, 0.170560."""
    aht = 180.0
    res = erlang_a(n, load / aht, aht, aht, 20.0)
    assert res.p_wait == pytest.approx(expected, abs=SHARE_6DP)
    assert res.p_wait == pytest.approx(stats.poisson.sf(n - 1, load), rel=1e-11)
    # and P(Ab) = E[(X - N)^+] / R for X ~ Poisson(R)  (theta E[queue] / lambda with theta = mu)
    xs = np.arange(n, n + 2000)
    mean_excess = float(((xs - n) * stats.poisson.pmf(xs, load)).sum())
    assert res.p_abandon == pytest.approx(mean_excess / load, rel=1e-10)


def test_erlang_a_tends_to_erlang_c() -> None:
    """Erlang A tends to Erlang C as patience grows without bound (REFERENCES.md; Garnett,
    Mandelbaum and Reiman 2002); Call Centre Helper example, N = 12 and 14.

    The gap in every field (P(wait), the three service levels, relative ASA of all and of
    answered contacts, P(Ab)) shrinks like 1/patience: a factor ~10 per decade, below 1e-6 at
    patience 1e10 s.
    """
    patiences = [10.0**k for k in range(3, 11)]
    for n in (12, 14):
        c = erlang_c(n, CCH_LOAD)
        sl_c = erlang_c_service_level(n, CCH_LOAD, CCH_AHT, 20.0)
        asa_c = erlang_c_asa(n, CCH_LOAD, CCH_AHT)
        gaps = []
        for patience in patiences:
            res = erlang_a(n, CCH_RATE, CCH_AHT, patience, 20.0)
            gap = max(
                abs(res.p_wait - c),
                abs(res.sl_offered - sl_c),
                abs(res.sl_answered - sl_c),
                abs(res.sl_virtual - sl_c),
                abs(res.asa_s - asa_c) / asa_c,
                abs(res.asa_answered_s - asa_c) / asa_c,
                res.p_abandon,
            )
            gaps.append(gap)
        ratios = [earlier / later for earlier, later in itertools.pairwise(gaps)]
        assert all(r > 1.0 for r in ratios)
        assert all(9.0 < r < 11.0 for r in ratios[2:])  # first order in 1/patience
        assert gaps[-1] < 1e-6


def test_erlang_a_infinite_patience_equals_erlang_c() -> None:
    """erlang_a(patience = inf) returns exactly the Erlang C answer (Cooper 1981) in every field;
    all counting rules of service_level coincide with the Erlang C service level."""
    for n in (11, 12, 14, 20):
        res = erlang_a(n, CCH_RATE, CCH_AHT, math.inf, 20.0)
        c = erlang_c(n, CCH_LOAD)
        sl = erlang_c_service_level(n, CCH_LOAD, CCH_AHT, 20.0)
        asa = erlang_c_asa(n, CCH_LOAD, CCH_AHT)
        assert res == ErlangAResult(
            p_wait=c,
            p_abandon=0.0,
            asa_s=asa,
            asa_answered_s=asa,
            sl_offered=sl,
            sl_answered=sl,
            sl_virtual=sl,
            occupancy=CCH_LOAD / n,
        )
        for counts in COUNTS_RULES:
            got = service_level(n, CCH_RATE, CCH_AHT, math.inf, 20.0, counts, 5.0)
            assert got == sl


@pytest.mark.parametrize(
    ("n", "load", "patience", "t"),
    [
        (1, 0.5, 60.0, 20.0),
        (3, 2.0, 10.0, 5.0),
        (10, 10.0, 60.0, 20.0),
        (12, 10.0, 600.0, 20.0),
        (5, 12.0, 120.0, 30.0),  # overloaded
        (20, 35.0, 300.0, 60.0),  # overloaded
        (50, 48.0, 1800.0, 15.0),
        (8, 6.0, 2.0, 1.0),  # very impatient
    ],
)
def test_erlang_a_matches_brute_force_chain(n: int, load: float, patience: float, t: float) -> None:
    """All ErlangAResult fields agree with an explicit truncation of the M/M/n+M chain using
    per-state incomplete-beta answer probabilities (Garnett, Mandelbaum and Reiman 2002 model;
    independent of the generating-function closed forms in the module)."""
    aht = 180.0
    res = erlang_a(n, load / aht, aht, patience, t)
    ref = brute_force_erlang_a(n, load / aht, aht, patience, t)
    for field, value in ref.items():
        assert getattr(res, field) == pytest.approx(value, rel=1e-9, abs=1e-12), field


def test_erlang_a_internal_identities() -> None:
    """Identities of the M/M/n+M queue (Garnett, Mandelbaum and Reiman 2002): E[W] = P(Ab)
    x patience, occupancy = A (1 - P(Ab)) / N, and P(wait) - P(Ab) = answered after waiting."""
    for patience in (30.0, 180.0, 900.0):
        for n in (8, 11, 14):
            res = erlang_a(n, GMR_RATE, GMR_AHT, patience, GMR_T)
            a = GMR_RATE * GMR_AHT
            assert res.asa_s == pytest.approx(res.p_abandon * patience, rel=1e-12)
            assert res.occupancy == pytest.approx(a * (1 - res.p_abandon) / n, rel=1e-12)
            assert 0.0 <= res.asa_answered_s <= res.asa_s / (1 - res.p_abandon) * 1.000001
            assert res.sl_offered <= res.sl_answered
            assert res.sl_offered == pytest.approx(
                service_level(n, GMR_RATE, GMR_AHT, patience, GMR_T, "offered"), abs=1e-15
            )


def test_offered_excl_short_abandons() -> None:
    """offered_excl_short: the share of arrivals abandoning with patience < s0 equals
    int_0^s0 theta e^{-theta s} P(V > s) ds (own exponential patience independent of the virtual
    wait; Garnett, Mandelbaum and Reiman 2002).  With s0 = 0 it is the offered rule."""
    n, patience, s0 = 10, 60.0, 5.0
    args = (n, GMR_RATE, GMR_AHT, patience, GMR_T)
    offered = service_level(*args, counts="offered")
    assert service_level(*args, counts="offered_excl_short", short_abandon_s=0.0) == offered
    model = S._build_model(n, GMR_RATE, GMR_AHT, patience, with_h=False)
    theta = 1.0 / patience

    def density(s: float) -> float:
        return theta * math.exp(-theta * s) * model.tails(s)[0]

    short, _ = integrate.quad(density, 0.0, s0, epsabs=1e-14, epsrel=1e-12)
    assert model.abandon_before(s0) == pytest.approx(short, rel=1e-9)
    expected = model.answered_within(GMR_T) / (1.0 - short)
    got = service_level(*args, counts="offered_excl_short", short_abandon_s=s0)
    assert got == pytest.approx(expected, rel=1e-9)
    assert offered < got
    # all abandons are "short" when s0 -> inf: the rule becomes answered within / answered
    every = service_level(*args, counts="offered_excl_short", short_abandon_s=1e9)
    assert every == pytest.approx(service_level(*args, counts="answered"), rel=1e-12)


def test_required_agents_excluding_short_abandons() -> None:
    """required_agents forwards short_abandon_s: excluding short abandons can only lower the
    requirement vs the offered rule, and equals the offered rule when nothing is excluded
    (Garnett, Mandelbaum and Reiman 2002 example, 60 s patience, 80/20)."""
    args = (GMR_RATE, GMR_AHT, GMR_T, 0.80, 60.0)
    offered = required_agents(*args, "offered")
    assert required_agents(*args, "offered_excl_short", short_abandon_s=0.0) == offered
    excl = required_agents(*args, "offered_excl_short", short_abandon_s=10.0)
    assert excl <= offered
    assert service_level(excl, GMR_RATE, GMR_AHT, 60.0, GMR_T, "offered_excl_short", 10.0) >= 0.8
    assert service_level(excl - 1, GMR_RATE, GMR_AHT, 60.0, GMR_T, "offered_excl_short", 10.0) < 0.8


@pytest.mark.parametrize("counts", COUNTS_RULES)
@pytest.mark.parametrize("patience", [20.0, 60.0, 600.0, math.inf])
def test_required_agents_bisection_matches_linear_scan(counts: str, patience: float) -> None:
    """required_agents (exponential + binary search) returns the smallest N found by a linear
    scan, for every counting rule (numerical check of the monotonicity in N it relies on)."""
    for load, aht, target in ((3.0, 240.0, 0.8), (25.0, 180.0, 0.9), (60.0, 300.0, 0.7)):
        rate = load / aht
        found = required_agents(rate, aht, 20.0, target, patience, counts)
        n = 1
        while service_level(n, rate, aht, patience, 20.0, counts) < target:
            n += 1
        assert found == n


# ---------------------------------------------------------------------------------------------
# Square-root staffing: Halfin and Whitt (1981)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("beta", "approx", "exact"),
    [(0.5, 0.5045, 0.5157), (1.0, 0.2234, 0.2370), (1.5, 0.0847, 0.0954), (2.0, 0.0269, 0.0332)],
)
def test_halfin_whitt_square_root_staffing(beta: float, approx: float, exact: float) -> None:
    """Halfin and Whitt (1981), Operations Research 29(3):567-588: with N = R + beta sqrt(R),
    P(wait) -> [1 + beta Phi(beta)/phi(beta)]^-1; at R = 100 approximate vs exact 0.5045/0.5157,
    0.2234/0.2370, 0.0847/0.0954, 0.0269/0.0332.

    At R = 100, N = 100 + 10 beta = 105, 110, 115, 120 is an integer, so the exact values are
    plain Erlang C; for a non-integer N the module's convention is Jagerman's continuous
    extension (erlang_c_continuous), which coincides with Erlang C at integers.
    """
    r = 100.0
    n_real = square_root_staffing(r, beta)
    assert n_real == pytest.approx(100.0 + 10.0 * beta)
    n = round(n_real)
    assert n == pytest.approx(n_real, abs=1e-12)
    assert halfin_whitt_p_wait(beta) == pytest.approx(approx, abs=SHARE_4DP)
    assert erlang_c(n, r) == pytest.approx(exact, abs=SHARE_4DP)
    assert erlang_c_continuous(n_real, r) == pytest.approx(erlang_c(n, r), rel=1e-12)


def test_continuous_erlang_extension_is_monotone_between_integers() -> None:
    """Jagerman (1974) continuous Erlang B/C: equal to the integer formulas at integers and
    strictly decreasing in the (real) number of servers in between."""
    r = 100.0
    grid = np.linspace(101.0, 121.0, 81)
    values = [erlang_c_continuous(float(s), r) for s in grid]
    assert all(b < a for a, b in itertools.pairwise(values))
    for s in (101, 107, 121):
        assert erlang_b_continuous(float(s), r) == pytest.approx(erlang_b(s, r), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# numerical stability at scale
# ---------------------------------------------------------------------------------------------


def _assert_sane(res: ErlangAResult) -> None:
    for field in ("p_wait", "p_abandon", "sl_offered", "sl_answered", "sl_virtual", "occupancy"):
        value = getattr(res, field)
        assert math.isfinite(value) and 0.0 <= value <= 1.0, (field, value)
    assert math.isfinite(res.asa_s) and res.asa_s >= 0.0
    assert math.isfinite(res.asa_answered_s) and res.asa_answered_s >= 0.0
    assert res.p_abandon <= res.p_wait


@pytest.mark.parametrize("load", [10_000.0, 19_990.0])
@pytest.mark.parametrize("patience", [1.0, 60.0, 180.0, 3600.0, 1e5])
def test_stability_at_twenty_thousand_agents(load: float, patience: float) -> None:
    """n = 20,000 agents at 10,000 and 19,990 Erlangs: finite results in [0, 1] for Erlang B/C
    and every Erlang A field and counting rule, no overflow or NaN."""
    n, aht = 20_000, 180.0
    rate = load / aht
    for value in (erlang_b(n, load), erlang_c(n, load)):
        assert math.isfinite(value) and 0.0 <= value <= 1.0
    sl_c = erlang_c_service_level(n, load, aht, 20.0)
    assert math.isfinite(sl_c) and 0.0 <= sl_c <= 1.0
    res = erlang_a(n, rate, aht, patience, 20.0)
    _assert_sane(res)
    for counts in COUNTS_RULES:
        sl = service_level(n, rate, aht, patience, 20.0, counts, short_abandon_s=5.0)
        assert math.isfinite(sl) and 0.0 <= sl <= 1.0
    if load == 10_000.0:
        assert res.p_wait < 1e-300 and res.sl_offered == 1.0
    else:
        assert 0.0 < res.p_wait < erlang_c(n, load)


def test_stability_overloaded_and_extreme() -> None:
    """Overloaded and extreme inputs stay finite: N far below A, tiny and huge patience."""
    aht = 180.0
    for n, load, patience in (
        (10_000, 20_000.0, 180.0),
        (1, 10_000.0, 60.0),
        (20_000, 19_990.0, 1e-6),
        (5, 4.0, 1e-3),
        (12, 10.0, 1e9),
    ):
        res = erlang_a(n, load / aht, aht, patience, 20.0)
        _assert_sane(res)
    heavy = erlang_a(10_000, 20_000.0 / aht, aht, 180.0, 20.0)
    assert heavy.p_wait == pytest.approx(1.0) and heavy.p_abandon == pytest.approx(0.5)


def test_closed_form_fallback_matches_series(monkeypatch: pytest.MonkeyPatch) -> None:
    """The incomplete-gamma closed form (Garnett, Mandelbaum and Reiman 2002; Mandelbaum and
    Zeltyn 2007), used only for enormous windows, agrees with the exact series path."""
    cases = [(12, 10.0, 600.0), (10, 10.0, 60.0), (5, 12.0, 120.0), (200, 195.0, 900.0)]
    direct = [erlang_a(n, a / 180.0, 180.0, p, 20.0) for n, a, p in cases]
    monkeypatch.setattr(S, "_DIRECT_MAX_TERMS", 1)
    for (n, a, p), ref in zip(cases, direct, strict=True):
        got = erlang_a(n, a / 180.0, 180.0, p, 20.0)
        assert S._build_model(n, a / 180.0, 180.0, p, with_h=False).closed
        for field in ErlangAResult.__dataclass_fields__:
            assert getattr(got, field) == pytest.approx(getattr(ref, field), rel=1e-8), field


def test_input_validation() -> None:
    """Invalid inputs raise instead of returning garbage."""
    with pytest.raises(ValueError):
        service_level(10, 0.05, 180.0, 60.0, 20.0, counts="abandoned")
    with pytest.raises(ValueError):
        erlang_a(0, 0.05, 180.0, 60.0, 20.0)
    with pytest.raises(ValueError):
        erlang_a(10, 0.05, 180.0, 0.0, 20.0)
    with pytest.raises(ValueError):
        erlang_a(10, 1e-200, 180.0, 1e-200, 20.0)  # lambda x patience underflows
    with pytest.raises(TypeError):
        erlang_c(10.5, 5.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        required_agents(0.05, 180.0, 20.0, 1.5)
    with pytest.raises(ValueError):
        required_agents(10.0, 180.0, 20.0, 0.8, max_agents=100)
    assert required_agents(0.0, 180.0, 20.0, 0.8) == 0
    idle = erlang_a(3, 0.0, 180.0, 60.0, 20.0)
    assert idle.p_wait == 0.0 and idle.sl_offered == 1.0
