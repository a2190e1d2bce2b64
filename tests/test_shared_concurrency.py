"""Chat concurrency models: "assigned" (the default) and "shared" (limited processor sharing).

"assigned" fixes a chat's slowdown factor when it is assigned; "shared" rescales every held
chat's remaining work whenever the number held changes, so with ``n`` chats each progresses at
``1 / slowdown[n - 1]`` of its solo speed (a limited processor-sharing agent, Luo & Zhang 2013,
*Operations Research* 61(2)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build
from tests.factory import build_scenario, single_queue_raw
from tests.test_event_log import events, simulate_log, tiny


def two_chats(model: str) -> list[tuple[float, str, int]]:
    raw = tiny(
        [
            {
                "name": "chat",
                "kind": "chat",
                "concurrency": 2,
                "concurrency_slowdown": [1.0, 2.0],
                "concurrency_model": model,
            }
        ]
    )
    log, _ = simulate_log(raw, [(0.0, "chat", 100.0), (50.0, "chat", 100.0)])
    return events(log, "answer", "finish")


def test_assigned_fixes_the_factor_at_assignment() -> None:
    """Chat 0 alone (factor 1) ends at 100; chat 1, assigned as the second (factor 2), takes
    200 s and ends at 250."""
    assert two_chats("assigned") == [
        (0.0, "answer", 0),
        (50.0, "answer", 1),
        (100.0, "finish", 0),
        (250.0, "finish", 1),
    ]


def test_shared_rescales_remaining_work_when_the_number_held_changes() -> None:
    """Chat 0 does 50 s of work alone; from 50 both run at half speed, so chat 0's last 50 s
    take 100 s (ends at 150) while chat 1 does 50 s of its work; alone again, chat 1's last
    50 s take 50 s (ends at 200)."""
    assert two_chats("shared") == [
        (0.0, "answer", 0),
        (50.0, "answer", 1),
        (150.0, "finish", 0),
        (200.0, "finish", 1),
    ]


def test_concurrency_model_is_for_chat_only() -> None:
    raw = single_queue_raw(1, kind="voice")
    raw["channels"][0]["concurrency_model"] = "shared"
    with pytest.raises(AssertionError, match="concurrency_model: is for chat only"):
        build_scenario(raw)


# --- "shared" against the exact birth-death model ------------------------------------------

K = 3
SLOWDOWN = (1.0, 1.5, 2.0)
MU_PER_S = 1 / 300.0  # exponential work, mean 5 min at concurrency 1
RATES = [n * MU_PER_S / SLOWDOWN[n - 1] for n in range(1, K + 1)]  # total service rate, n held
RHO = 0.7  # lambda / (rate with K held)
LAMBDA_PER_S = RHO * RATES[-1]


def birth_death_mean_number() -> float:
    """Mean number in system L of the birth-death chain with birth rate lambda and death rate
    ``r_n = n mu / slowdown[n - 1]`` for ``n <= K``, ``r_K`` above (one agent holding up to K
    chats, the rest waiting, exponential work, no abandonment): ``p_n = p_0 prod_{i<=n}
    lambda / r_i``, geometric with ratio ``rho = lambda / r_K`` from ``K`` on, so
    ``sum_{n>=K} n p_n = p_K (K / (1 - rho) + rho / (1 - rho)^2)`` (Kleinrock, *Queueing
    Systems* vol. 1, section 3.1)."""
    weights = [1.0]
    for rate in RATES:
        weights.append(weights[-1] * LAMBDA_PER_S / rate)
    tail = weights[K] / (1 - RHO)
    norm = sum(weights[:K]) + tail
    mean = sum(n * w for n, w in enumerate(weights[:K])) + weights[K] * (
        K / (1 - RHO) + RHO / (1 - RHO) ** 2
    )
    return mean / norm


def one_replication(replication: int) -> tuple[float, float]:
    """Time-average number in system over the horizon and mean time in system [s] of the
    contacts arriving in it, from the event log of one 14-day replication."""
    raw = single_queue_raw(
        1, per_hour=LAMBDA_PER_S * 3600, handle="5m", kind="chat", days=14, seed=23
    )
    raw["channels"][0].update(
        concurrency=K, concurrency_slowdown=list(SLOWDOWN), concurrency_model="shared"
    )
    model = build(build_scenario(raw))
    table = generate(model, seed=23, replication=replication)
    result = run(model, table, seed=23, replication=replication, trace=True)
    assert result.trace is not None
    finished = np.full(len(table.t_queue_s), model.end_s)
    for t, kind, contact, _, _ in result.trace:
        if kind == "finish":
            finished[contact] = t
    length = model.horizon.length_s
    overlap = np.clip(finished, 0.0, length) - np.clip(table.t_queue_s, 0.0, length)
    inside = (table.t_queue_s >= 0.0) & (table.t_queue_s < length)
    return float(overlap.sum() / length), float((finished - table.t_queue_s)[inside].mean())


def test_shared_matches_the_birth_death_model() -> None:
    """One agent, K = 3, slowdown (1, 1.5, 2), exponential work of mean 5 min, rho = 0.7:
    exact L = 2.704 chats in system and, by Little's law, W = L / lambda = 772 s. The 95 %
    Student-t intervals over 10 replications of 14 days (24 h warm-up) must cover both, with
    half-widths under 10 % of the value (about 4-5 % is typical)."""
    exact_l = birth_death_mean_number()
    exact_w = exact_l / LAMBDA_PER_S
    assert exact_l == pytest.approx(2.7035, abs=1e-4)  # by hand: 12.99375 / 4.80625
    values = np.array([one_replication(r) for r in range(10)])
    for column, exact in ((0, exact_l), (1, exact_w)):
        data = values[:, column]
        mean = data.mean()
        half = stats.t.ppf(0.975, len(data) - 1) * data.std(ddof=1) / math.sqrt(len(data))
        assert half < 0.1 * exact
        assert mean - half <= exact <= mean + half, (column, mean, half, exact)
