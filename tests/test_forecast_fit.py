"""Handle-time and patience fits recover known parameters from 50,000 synthetic contacts, and
ignoring censoring is shown to be biased."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.fitting import fit_handle_time, fit_patience

CONTACTS = 50_000


def lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    sigma2 = math.log(1 + cv**2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)


def gamma(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    shape = 1 / cv**2
    return rng.gamma(shape, mean / shape, n)


@pytest.mark.parametrize(
    ("draw", "name", "mean", "cv"),
    [(lognormal, "lognormal", 360.0, 0.7), (gamma, "gamma", 300.0, 0.5)],
)
def test_handle_time_distribution_mean_and_cv_are_recovered_within_5_percent(
    draw: object, name: str, mean: float, cv: float
) -> None:
    rng = np.random.default_rng(7)
    seconds = draw(rng, mean, cv, CONTACTS)  # type: ignore[operator]
    fit = fit_handle_time(seconds)
    assert fit is not None
    assert fit["distribution"] == name
    assert fit["mean_s"] == pytest.approx(mean, rel=0.05)
    assert fit["cv"] == pytest.approx(cv, rel=0.05)
    assert fit["scenario"]["distribution"] == name
    other = "gamma" if name == "lognormal" else "lognormal"
    likelihoods = fit["candidates"]
    assert likelihoods[name]["log_likelihood"] > likelihoods[other]["log_likelihood"]


def queue(rng: np.random.Generator, patience_mean: float, wait_mean: float, n: int):
    """Each contact would wait ``offered`` to be answered and gives up after ``patience``: the
    observed wait is the shorter; abandoned when patience ran out first."""
    patience = rng.exponential(patience_mean, n)
    offered = rng.exponential(wait_mean, n)
    abandoned = patience < offered
    return np.minimum(patience, offered), abandoned.astype(float)


def test_censored_exponential_patience_is_recovered_within_5_percent() -> None:
    rng = np.random.default_rng(11)
    wait, abandoned = queue(rng, 180.0, 90.0, CONTACTS)
    fit = fit_patience(wait, abandoned)
    assert fit is not None
    assert fit["mean_s"] == pytest.approx(180.0, rel=0.05)
    low, high = fit["mean_95ci_s"]
    assert low < fit["mean_s"] < high
    # Kaplan-Meier, with no shape assumed: median of an exponential is mean * ln 2
    assert fit["kaplan_meier"]["median_s"] == pytest.approx(180.0 * math.log(2), rel=0.05)
    assert fit["kaplan_meier"]["still_waiting"]["60s"] == pytest.approx(
        math.exp(-60 / 180), rel=0.05
    )


def test_ignoring_censoring_underestimates_patience() -> None:
    rng = np.random.default_rng(12)
    wait, abandoned = queue(rng, 180.0, 90.0, CONTACTS)
    fit = fit_patience(wait, abandoned)
    assert fit is not None
    naive = fit["mean_of_abandoned_waits_s"]
    # the abandoned waits are min(patience, offered wait) given patience < offered: a mean of
    # 1 / (1/180 + 1/90) = 60 s, a third of the true patience
    assert naive == pytest.approx(60.0, rel=0.05)
    assert naive < 0.5 * fit["mean_s"]
    assert float(np.mean(wait)) < 0.5 * 180.0  # averaging every wait is no better


def test_no_fit_without_abandonment_or_with_too_few_contacts() -> None:
    waits = np.full(100, 30.0)
    assert fit_patience(waits, np.zeros(100)) is None
    assert fit_patience(waits[:5], np.ones(5)) is None
    assert fit_handle_time(np.array([10.0, 20.0])) is None
