"""The engine's long-run results against exact queueing formulas.

Each case simulates a stationary single queue (Poisson arrivals at 200/h around the clock,
exponential 3-minute handling, a fixed number of agents 24/7) for 10 replications of 14 days
after a 24 h warm-up, and checks that the 95 % Student-t confidence interval over replications
covers the exact value computed by ``optimizer.queueing.erlang``, with a half-width of at most 1
percentage point.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from optimizer.queueing.erlang import erlang_c_asa, erlang_c_service_level
from optimizer.queueing.erlang_a import erlang_a
from simulation import simulate
from tests.factory import build_scenario, single_queue_raw

LAMBDA_PER_S = 200 / 3600
AHT_S = 180.0
LOAD = LAMBDA_PER_S * AHT_S  # 10 Erlangs
MAX_HALF_WIDTH_SL = 0.01


def _interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95 % Student-t interval of per-replication values."""
    data = values.to_numpy(dtype=float)
    mean = float(data.mean())
    half = float(stats.t.ppf(0.975, len(data) - 1) * data.std(ddof=1) / math.sqrt(len(data)))
    return mean, mean - half, mean + half


def _replications(agents: int, patience: str | None = None, kind: str = "voice") -> pd.DataFrame:
    scenario = build_scenario(single_queue_raw(agents, patience=patience, kind=kind, days=14))
    results = simulate(scenario, workers=2)
    return results.replications[results.replications["channel"] == "c1"]


@pytest.mark.parametrize(
    ("agents", "published_sl", "published_asa"), [(13, 0.7956, 17.12), (14, 0.8884, 7.84)]
)
def test_erlang_c(agents: int, published_sl: float, published_asa: float) -> None:
    """M/M/N without abandonment reproduces Erlang C.

    SL(t) = 1 - C(N, A) exp(-(N - A) t / AHT) and ASA = C(N, A) AHT / (N - A) (A. K. Erlang
    1917; Cooper, *Introduction to Queueing Theory*, 2nd ed., section 3.4). Published values for
    100 calls per 30 min, AHT 180 s, t = 20 s: N = 13 -> SL 0.7956, ASA 17.12 s; N = 14 -> SL
    0.8884, ASA 7.84 s (Call Centre Helper's Erlang C worked example, also in the pyworkforce
    documentation; shared/REFERENCES.md).
    """
    exact_sl = erlang_c_service_level(agents, LOAD, AHT_S, 20.0)
    exact_asa = erlang_c_asa(agents, LOAD, AHT_S)
    assert exact_sl == pytest.approx(published_sl, abs=5e-5)
    assert exact_asa == pytest.approx(published_asa, abs=5e-3)

    reps = _replications(agents)
    assert (reps["abandoned"] == 0).all()
    mean, low, high = _interval(reps["service_level"])
    assert low <= exact_sl <= high, (mean, low, high, exact_sl)
    assert (high - low) / 2 <= MAX_HALF_WIDTH_SL
    mean, low, high = _interval(reps["asa_s"])
    assert low <= exact_asa <= high, (mean, low, high, exact_asa)


def test_erlang_a() -> None:
    """M/M/N+M (exponential patience, mean 180 s), 12 agents, reproduces Erlang A.

    Garnett, Mandelbaum and Reiman (2002), "Designing a call center with impatient customers",
    Manufacturing & Service Operations Management 4(3):208-227: lambda = 200/h, AHT 180 s,
    patience 180 s, N = 12 -> SL counted on offered (answered within 20 s / all offered) 0.8023,
    P(abandon) 0.0531 (shared/REFERENCES.md).
    """
    exact = erlang_a(12, LAMBDA_PER_S, AHT_S, 180.0, 20.0)
    assert exact.sl_offered == pytest.approx(0.8023, abs=5e-5)
    assert exact.p_abandon == pytest.approx(0.0531, abs=5e-5)

    reps = _replications(12, patience="180s")
    mean, low, high = _interval(reps["service_level"])
    assert low <= exact.sl_offered <= high, (mean, low, high, exact.sl_offered)
    assert (high - low) / 2 <= MAX_HALF_WIDTH_SL
    mean, low, high = _interval(reps["abandon_rate"])
    assert low <= exact.p_abandon <= high, (mean, low, high, exact.p_abandon)
    assert (high - low) / 2 <= MAX_HALF_WIDTH_SL


def test_chat_with_concurrency_one_is_voice() -> None:
    """A chat channel holding one contact at a time is the voice queue, draw for draw.

    Streams are keyed by channel name, not kind, so both runs see the same customers; every
    per-replication figure must be identical, not merely close.
    """
    voice = _replications(12, patience="180s", kind="voice").reset_index(drop=True)
    chat = _replications(12, patience="180s", kind="chat").reset_index(drop=True)
    pd.testing.assert_frame_equal(voice, chat)
    assert np.all(voice["answered"] > 0)
