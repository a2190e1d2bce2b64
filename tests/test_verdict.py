"""The optimizer's verdict (``optimizer.plan.verdict``), issue 10 points 2 and 7: the test it
runs is the one its docstrings and ``plan.json`` name, its power is what a Monte Carlo of that
test gives, and the shares below target come with an interval that covers them.

Independent references: ``scipy.stats.ttest_1samp(..., alternative="less")`` on the raw
replications for the per-cell p-values; ``scipy.stats.false_discovery_control`` for
Benjamini and Hochberg (1995, JRSS B 57(1):289-300); a Monte Carlo of normal replications for
the power of the one-sided t-test (Cohen 1988, Statistical Power Analysis, ch. 2).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from optimizer.plan.power import replications_for_power, t_test_power, verdict_power
from optimizer.plan.verdict import below_target_shares, shortfall_p_values, shortfalls


def results_from(samples: list[np.ndarray], target: float = 0.8) -> Any:
    """A stand-in for ``Results`` with one interval cell per sample (replications' service
    levels) on one channel, 10 contacts offered in each, estimated by the plain mean."""
    cells = pd.DataFrame(
        {
            "channel": "voice",
            "scope": "interval",
            "cell": range(len(samples)),
            "n": [len(s) for s in samples],
            "mean": [float(np.mean(s)) for s in samples],
            "sd": [float(np.std(s, ddof=1)) for s in samples],
            "target": target,
            "estimate": [float(np.mean(s)) for s in samples],
            "se": [float(np.std(s, ddof=1) / np.sqrt(len(s))) for s in samples],
            "dof": [len(s) - 1.0 for s in samples],
            "controls": 0,
        }
    )
    intervals = pd.DataFrame(
        {
            "interval_start": [f"2026-01-05T{k:02d}:00:00Z" for k in range(len(samples))],
            "channel": "voice",
            "offered": [10.0 * (k + 1) for k in range(len(samples))],
        }
    )
    return SimpleNamespace(cells=cells, intervals=intervals)


def test_p_values_are_scipys_one_sided_t_test_against_target_minus_tolerance() -> None:
    """H0 "mean >= target - tolerance", one-sided, replications as observations: the same
    p-values as scipy's one-sample t-test on the raw replications."""
    rng = np.random.default_rng(3)
    samples = [rng.normal(m, 0.05, size=12) for m in (0.70, 0.77, 0.79, 0.80, 0.85)]
    results = results_from(samples)
    for tolerance in (0.0, 0.02):
        cells = shortfall_p_values(results, "interval", tolerance)
        expected = [
            stats.ttest_1samp(s, 0.8 - tolerance, alternative="less").pvalue for s in samples
        ]
        assert cells["p_value"].to_numpy() == pytest.approx(expected, rel=1e-9)


def test_final_verdict_is_benjamini_hochberg_on_those_p_values() -> None:
    rng = np.random.default_rng(4)
    samples = [rng.normal(m, 0.05, size=10) for m in np.linspace(0.70, 0.82, 30)]
    results = results_from(samples)
    raw = np.array(
        [stats.ttest_1samp(s, 0.78, alternative="less").pvalue for s in samples], dtype=float
    )
    adjusted = stats.false_discovery_control(raw, method="bh")
    short, judged = shortfalls(results, "interval", 0.95, control_fdr=True, tolerance=0.02)
    assert judged == 30
    assert sorted(s.cell for s in short) == sorted(np.flatnonzero(adjusted < 0.05).tolist())
    per_cell, _ = shortfalls(results, "interval", 0.95, tolerance=0.02)
    assert sorted(s.cell for s in per_cell) == sorted(np.flatnonzero(raw < 0.05).tolist())


def test_tolerance_lets_a_cell_one_point_below_target_pass() -> None:
    """A cell at 0.79 with little noise is short against 0.80 but meets 0.80 - 0.02."""
    samples = [np.array([0.789, 0.790, 0.791, 0.790, 0.789, 0.791])]
    results = results_from(samples)
    assert len(shortfalls(results, "interval", 0.95)[0]) == 1
    assert shortfalls(results, "interval", 0.95, tolerance=0.02)[0] == []


@pytest.mark.parametrize(("sd", "n", "gap"), [(0.05, 10, 0.03), (0.1, 30, 0.03), (0.05, 60, 0.01)])
def test_power_matches_a_monte_carlo_of_the_test(sd: float, n: int, gap: float) -> None:
    """The noncentral-t power against 40,000 simulated cells ``gap`` below the threshold."""
    rng = np.random.default_rng(5)
    threshold = 0.78
    draws = rng.normal(threshold - gap, sd, size=(40_000, n))
    p = stats.ttest_1samp(draws, threshold, axis=1, alternative="less").pvalue
    simulated = float(np.mean(p < 0.05))
    computed = float(t_test_power(np.array([sd]), np.array([n]), gap, 0.95)[0])
    assert computed == pytest.approx(simulated, abs=0.01)


def test_replications_for_power_is_the_first_n_reaching_it() -> None:
    needed = replications_for_power(0.05, 0.01, 0.95)
    assert needed is not None
    power = t_test_power(np.array([0.05, 0.05]), np.array([needed - 1, needed]), 0.01, 0.95)
    assert power[0] < 0.8 <= power[1]
    assert replications_for_power(0.0, 0.01, 0.95) is None


def test_verdict_power_states_the_3_point_miss() -> None:
    rng = np.random.default_rng(6)
    results = results_from([rng.normal(0.85, 0.05, size=10) for _ in range(20)])
    power = verdict_power(results, "interval", 0.95, 0.02)
    assert power["effect"] == 0.03 and power["cells"] == 20
    assert power["median"] is not None and 0 < power["median"] < 0.5
    assert power["replications_for_0_8"] is not None and power["replications_for_0_8"] > 10


def test_the_detectable_miss_is_where_the_power_reaches_0_8() -> None:
    """The miss reported (from a standard error and degrees of freedom) is the one the test
    catches with probability 0.8 (noncentral t, checked against ``t_test_power`` on the
    replications behind that standard error), larger with fewer replications."""
    from optimizer.plan.power import detectable_miss

    miss = detectable_miss(0.15 / np.sqrt(60), 59, 0.95, 0.02)
    assert miss is not None
    at = t_test_power(np.array([0.15]), np.array([60]), miss - 0.02, 0.95)[0]
    assert at == pytest.approx(0.8, abs=1e-6)
    fewer = detectable_miss(0.15 / np.sqrt(10), 9, 0.95, 0.02)
    assert fewer is not None and fewer > miss
    assert detectable_miss(0.0, 9, 0.95, 0.02) is None


def test_shares_below_target_estimate_and_interval() -> None:
    """Half the cells well below 0.78, half well above: the estimate is exact, the interval
    covers it, the volume share weighs each cell by its contacts, and the same seed gives the
    same figures."""
    rng = np.random.default_rng(7)
    samples = [rng.normal(0.6 if k % 2 else 0.95, 0.03, size=10) for k in range(10)]
    results = results_from(samples)
    shares = below_target_shares(results, "interval", 0.95, 0.02, seed=11)
    cells = shares["all"]["cells"]
    assert cells["estimate"] == 0.5 and cells["low"] <= 0.5 <= cells["high"]
    volume = shares["voice"]["volume"]
    offered = np.arange(1, 11) * 10.0
    assert volume["estimate"] == pytest.approx(offered[1::2].sum() / offered.sum(), abs=1e-4)
    assert below_target_shares(results, "interval", 0.95, 0.02, seed=11) == shares
    # a cell right at the threshold is uncertain: the interval is wide
    edge = results_from([rng.normal(0.78, 0.05, size=10) for _ in range(40)])
    wide = below_target_shares(edge, "interval", 0.95, 0.02, seed=1)["all"]["cells"]
    assert wide["high"] - wide["low"] > 0.1


def test_the_share_below_target_lies_within_its_interval_when_most_cells_sit_just_above() -> None:
    """Many cells a standard error above the line and few below, as on global-retail, where
    the share of cell means below the line (3.7 %) fell outside its bootstrap interval
    (3.8-5.1 %): the estimate is the expected share, the mean of the bootstrap's draws."""
    rng = np.random.default_rng(8)
    samples = [rng.normal(0.80, 0.05, size=10) for _ in range(90)]
    samples += [rng.normal(0.70, 0.05, size=10) for _ in range(10)]
    results = results_from(samples)
    cells = below_target_shares(results, "interval", 0.95, 0.02, seed=3)["all"]["cells"]
    assert cells["low"] <= cells["estimate"] <= cells["high"]
    means = np.array([s.mean() for s in samples])
    naive = float((means < 0.78).mean())
    assert cells["estimate"] > naive  # the naive share is biased low here


def test_power_is_stated_per_line_near_target_and_the_weakest_line_leads() -> None:
    """Voice cells near target that vary a lot and chat cells near target that vary little,
    plus voice cells far above target: the power near target is given per line from each
    cell's standard error (``power_of``), voice is the weakest, and the replications it would
    need are the figure at the top."""
    from optimizer.plan.power import power_of

    rng = np.random.default_rng(9)
    noisy = [rng.normal(0.0, 0.15, size=30) for _ in range(12)]
    voice = results_from([0.80 + x - x.mean() for x in noisy])
    voice.cells = pd.concat(
        [voice.cells, results_from([rng.normal(0.99, 0.01, size=30) for _ in range(12)]).cells],
        ignore_index=True,
    )
    voice.cells["cell"] = range(len(voice.cells))
    chat = results_from([rng.normal(0.90, 0.02, size=30) for _ in range(12)], target=0.9).cells
    chat["channel"], chat["cell"] = "chat", range(12)
    voice.cells = pd.concat([voice.cells, chat], ignore_index=True)
    power = verdict_power(voice, "interval", 0.95, 0.02)
    near = power["near_target"]
    assert set(near) == {"voice", "chat"} and near["voice"]["cells"] == 12
    expected = power_of(voice.cells["se"][:12], voice.cells["dof"][:12], 0.01, 0.95)
    assert near["voice"]["median"] == pytest.approx(float(np.median(expected)), abs=1e-4)
    assert near["voice"]["median"] < 0.3 < 0.8 < near["chat"]["median"]
    assert power["weakest"] == "voice"
    assert power["replications_for_0_8"] == near["voice"]["replications_for_0_8"] > 100
    assert power["variance_ratio"] == {}  # no cell estimated with control variates


def test_undecided_cells_are_neither_shown_short_nor_shown_within_3_points() -> None:
    """Against scipy's one-sample t-tests in both directions: a cell is undecided when
    "mean >= 0.78" is not rejected and "mean <= 0.77" is not rejected either, at 5 %."""
    from optimizer.plan.verdict import undecided_cells

    rng = np.random.default_rng(10)
    samples = [
        rng.normal(m, sd, size=12)
        for m, sd in [(0.70, 0.01), (0.85, 0.01), (0.79, 0.15), (0.80, 0.002), (0.775, 0.002)]
    ]
    samples += [rng.normal(0.78, 0.05, size=12) for _ in range(20)]
    results = results_from(samples)
    found = set(undecided_cells(results, "interval", 0.95, 0.02, control_fdr=False)["cell"])
    expected = {
        k
        for k, s in enumerate(samples)
        if stats.ttest_1samp(s, 0.78, alternative="less").pvalue >= 0.05
        and stats.ttest_1samp(s, 0.77, alternative="greater").pvalue >= 0.05
    }
    assert found == expected
    assert 2 in found and not {0, 1, 3, 4} & found
    final = undecided_cells(results, "interval", 0.95, 0.02)  # after FDR control: more open
    assert found <= set(final["cell"])
    assert verdict_power(results, "interval", 0.95, 0.02)["undecided"]["cells"] == len(final)


def test_a_cell_3_points_below_target_is_flagged_with_the_confidence_level() -> None:
    """The guarantee behind ``undecided_cells``: of 4,000 cells exactly 3 points below their
    target, the share neither called short by the final verdict (after FDR control) nor left
    undecided (wrongly shown within 3 points) is the test's level, 5 % (binomial 99.9 % band),
    whatever the replications."""
    from optimizer.plan.verdict import undecided_cells

    rng = np.random.default_rng(11)
    for n in (10, 60):
        results = results_from([rng.normal(0.77, 0.12, size=n) for _ in range(4000)])
        short, _ = shortfalls(results, "interval", 0.95, control_fdr=True, tolerance=0.02)
        flagged = len(short) + len(undecided_cells(results, "interval", 0.95, 0.02))
        missed = 1 - flagged / 4000
        assert abs(missed - 0.05) < 3.3 * np.sqrt(0.05 * 0.95 / 4000)


def _passed_two_looks(samples: list[np.ndarray], first: float, second: float) -> float:
    """Share of single-cell checks that pass: each cell's first look at 10 replications with
    the "shown within" test at ``first``; a cell decided there (shown within, or called
    short) stops, the others look again at all their replications with ``second``. A check
    passes when its last look shows the cell within 3 points and does not call it short.
    One cell per check is the worst case for stopping early (nothing else keeps it open)."""
    from optimizer.plan.verdict import undecided_cells

    def passing(results: Any, within: float) -> tuple[set[int], set[int]]:
        every = set(range(len(results.cells)))
        short = {s.cell for s in shortfalls(results, "interval", 0.95, tolerance=0.02)[0]}
        kept = undecided_cells(results, "interval", 0.95, 0.02, control_fdr=False, within=within)
        open_ = set(kept["cell"])
        return every - open_ - short, open_

    passed, open_ = passing(results_from([s[:10] for s in samples]), first)
    again = sorted(open_)
    later, _ = passing(results_from([samples[k] for k in again]), second)
    return (len(passed) + len(later)) / len(samples)


def test_a_cell_3_points_below_target_fails_the_two_look_check_with_the_confidence_level() -> None:
    """The verdict's guarantee with its looks (``verification``): of 4,000 checks of a cell
    exactly 3 points below target (10 replications, then 60 if undecided), at most 5 % pass
    (binomial 99.9 % band) when the error is spent over the looks (1/6 then 5/6:
    ``look_confidence``, a Bonferroni bound); looking twice at the full 5 % lets more
    through, which is why the level is split."""
    from optimizer.plan.verification import look_confidence

    rng = np.random.default_rng(12)
    samples = [rng.normal(0.77, 0.12, size=60) for _ in range(4000)]
    band = 3.3 * np.sqrt(0.05 * 0.95 / 4000)
    spent = _passed_two_looks(
        samples, look_confidence(0, 10, 60, 0.95), look_confidence(10, 60, 60, 0.95)
    )
    assert spent < 0.05 + band
    naive = _passed_two_looks(samples, 0.95, 0.95)
    assert naive > 0.05 + band
