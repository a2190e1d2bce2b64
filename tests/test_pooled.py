"""The pooled, priority model of a real-time queue whose agents also serve other work
(``optimizer.queueing.pooled``).

Exact reference: with one queue, its own site and no other work, the model is the M/M/n
(Erlang C) service level ``1 - C(n, a) exp(-(n - a) t / AHT)`` (Erlang 1917; Cooper 1981,
Introduction to Queueing Theory, 2nd ed., ch. 3), computed by the scalar functions of
``optimizer.queueing.erlang`` that the REFERENCES.md values test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.queueing.erlang import erlang_c_continuous, erlang_c_service_level
from optimizer.queueing.pooled import (
    erlang_c_array,
    frontier,
    level_gradient,
    pooled_service_level,
)


def test_erlang_c_array_is_the_scalar_continuous_erlang_c() -> None:
    """On a grid of real server counts and loads, including loads a hair below the servers,
    tens of thousands of servers and loads above them (C = 1)."""
    servers = np.array([0.5, 1.0, 1.7, 5.0, 13.0, 13.4, 40.2, 300.0, 20_000.0, 3.0, 8.0])
    loads = np.array([0.2, 0.9, 1.6, 2.5, 12.9, 10.0, 33.3, 290.0, 19_800.0, 3.5, 0.0])
    expected = [
        erlang_c_continuous(float(s), float(a)) for s, a in zip(servers, loads, strict=True)
    ]
    assert erlang_c_array(servers, loads) == pytest.approx(expected, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize(
    ("agents", "calls_per_hour", "aht_s", "within_s"),
    [
        (13, 200.0, 180.0, 20.0),
        (14, 200.0, 180.0, 20.0),
        (4, 30.0, 360.0, 30.0),
        (60, 1500, 120, 15),
    ],
)
def test_one_queue_alone_is_erlang_c(
    agents: int, calls_per_hour: float, aht_s: float, within_s: float
) -> None:
    """Site = pool, the pool's load (and the sites' own) is the queue's, and the rate ahead is
    its own arrival rate: the model is Erlang C's service level exactly."""
    rate = calls_per_hour / 3600.0
    load = rate * aht_s
    level = pooled_service_level(
        np.array([float(agents)]),
        np.array([float(agents)]),
        np.array([load]),
        np.array([load]),
        np.array([rate]),
        np.array([aht_s]),
        within_s,
    )
    assert level[0] == pytest.approx(erlang_c_service_level(agents, load, aht_s, within_s), 1e-12)


def _cells() -> dict[str, np.ndarray]:
    """Twenty cells of a voice queue sharing a pool with other work."""
    k = np.arange(20)
    rate = 0.01 + 0.002 * k
    return {
        "site": 8.0 + k,
        "pool": 20.0 + 2.0 * k,
        "load": 14.0 + 1.5 * k,
        "own": rate * 360.0,
        "rate": rate,
        "aht": np.full(20, 360.0),
    }


def test_the_work_only_its_sites_may_do_keeps_a_queue_busy() -> None:
    """Voice sites carrying 12 Erlang of calls on 13.7 agents are busier than a pool at 71 %
    occupancy: the level is that of the sites' own load, lower than the pool's would give
    (global-retail's Monday morning, simulated at 0.66, modelled at 0.83 before)."""
    args = (np.array([13.7]), np.array([45.7]), np.array([32.4]))
    rate, aht = np.array([60.3 / 1800]), np.array([360.0])
    alone = pooled_service_level(*args, np.array([0.0]), rate, aht, 20.0)
    busy = pooled_service_level(*args, rate * aht, rate, aht, 20.0)
    assert alone[0] > 0.8 > 0.7 > busy[0]


def test_more_agents_anywhere_in_the_pool_never_lower_the_level() -> None:
    """Monotone in both staffing figures; an agent at the queue's own sites helps at least as
    much as one elsewhere in the pool, and both help (the blending effect)."""
    c = _cells()
    base = pooled_service_level(
        c["site"], c["pool"], c["load"], c["own"], c["rate"], c["aht"], 20.0
    )
    more_site = pooled_service_level(
        c["site"] + 1, c["pool"] + 1, c["load"], c["own"], c["rate"], c["aht"], 20.0
    )
    more_pool = pooled_service_level(
        c["site"], c["pool"] + 1, c["load"], c["own"], c["rate"], c["aht"], 20.0
    )
    assert (more_site >= base).all() and (more_pool >= base).all()
    assert (more_site - base >= more_pool - base - 1e-12).all()
    assert (more_pool > base).any()
    at_site, elsewhere = level_gradient(
        c["site"], c["pool"], c["load"], c["own"], c["rate"], c["aht"], 20.0
    )
    assert (at_site >= elsewhere - 1e-9).all() and (elsewhere >= 0).all()


def test_gradient_is_the_slope_of_the_level() -> None:
    """Against a one-sided difference of a tenth of an agent."""
    c = _cells()
    at_site, elsewhere = level_gradient(
        c["site"], c["pool"], c["load"], c["own"], c["rate"], c["aht"], 20
    )

    def level(site: np.ndarray, pool: np.ndarray) -> np.ndarray:
        return pooled_service_level(site, pool, c["load"], c["own"], c["rate"], c["aht"], 20.0)

    base = level(c["site"], c["pool"])
    assert at_site == pytest.approx(
        (level(c["site"] + 0.1, c["pool"] + 0.1) - base) / 0.1, abs=2e-3
    )
    assert elsewhere == pytest.approx((level(c["site"], c["pool"] + 0.1) - base) / 0.1, abs=2e-3)


@pytest.mark.parametrize("direction", ["site", "pool"])
def test_the_frontier_is_where_the_level_reaches_the_goal(direction: str) -> None:
    """Up or down the line from the start, to 1e-6 of the goal; NaN where a line never gets
    there (more agents elsewhere cannot lift a queue with no agent of its own)."""
    c = _cells()
    goal = np.full(20, 0.8)
    step = (np.ones(20), np.ones(20)) if direction == "site" else (np.zeros(20), np.ones(20))
    site, pool = frontier(
        c["site"], c["pool"], step, goal, c["load"], c["own"], c["rate"], c["aht"], 20.0
    )
    found = np.isfinite(site)
    assert found.any()
    level = pooled_service_level(
        site[found], pool[found], c["load"][found], c["own"][found], c["rate"][found], 360.0, 20.0
    )
    assert level == pytest.approx(0.8, abs=1e-6)
    empty = frontier(
        np.zeros(1),
        np.array([10.0]),
        (np.zeros(1), np.ones(1)),
        np.array([0.8]),
        np.array([5.0]),
        np.array([3.6]),
        np.array([0.01]),
        np.array([360.0]),
        20.0,
    )
    assert math.isnan(float(empty[0][0]))
