"""Handle-time and patience distributions from per-contact records (SciPy).

- **Handle time**: lognormal and gamma fitted by maximum likelihood (location 0); the one with
  the higher log-likelihood is suggested (both have two parameters, so this is also the lower
  AIC), with its mean and coefficient of variation, as a channel's ``handle_time``.
- **Patience** (real-time channels): a customer's wait ends either by abandoning (the patience
  is observed: an event) or by being answered (the patience is only known to be longer than
  the wait: right-censored). The Kaplan-Meier estimator (``scipy.stats.ecdf`` on
  ``CensoredData``) gives the survival curve without assuming a shape; the exponential fit is
  the censored maximum-likelihood estimate, mean patience = total waiting time of everyone /
  number who abandoned (Klein & Moeschberger, *Survival Analysis*, 2nd ed., section 3.5 and
  4.2). The mean of abandoned waits alone is biased low: the patient customers are answered
  before they would have abandoned, so only short patience times are ever seen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

MIN_CONTACTS = 30
"""Handle times (or waits) needed for a fit."""
SURVIVAL_AT_S = (30, 60, 120, 300, 600)
"""Waits [s] at which the Kaplan-Meier share still waiting is reported."""


def _r(value: float, digits: int = 4) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def fit_handle_time(seconds: np.ndarray) -> dict[str, Any] | None:
    """Lognormal vs gamma by likelihood on the positive handle times [s]; None with fewer than
    ``MIN_CONTACTS``."""
    x = seconds[np.isfinite(seconds) & (seconds > 0)]
    if len(x) < MIN_CONTACTS:
        return None
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())  # closed-form MLE with location 0
    lognormal_ll = float(np.sum(stats.lognorm.logpdf(x, sigma, scale=math.exp(mu))))
    shape, _, scale = stats.gamma.fit(x, floc=0)
    gamma_ll = float(np.sum(stats.gamma.logpdf(x, shape, scale=scale)))
    candidates = {
        "lognormal": {
            "mean_s": math.exp(mu + sigma**2 / 2),
            "cv": math.sqrt(math.expm1(sigma**2)),
            "log_likelihood": lognormal_ll,
        },
        "gamma": {
            "mean_s": shape * scale,
            "cv": 1 / math.sqrt(shape),
            "log_likelihood": gamma_ll,
        },
    }
    best = max(candidates, key=lambda k: candidates[k]["log_likelihood"])
    chosen = candidates[best]
    return {
        "distribution": best,
        "mean_s": _r(chosen["mean_s"], 2),
        "cv": _r(chosen["cv"]),
        "contacts": len(x),
        "sample_mean_s": _r(float(x.mean()), 2),
        "candidates": {
            name: {key: _r(value, 2) for key, value in fit.items()}
            for name, fit in candidates.items()
        },
        "scenario": {
            "mean": f"{chosen['mean_s']:.0f}s",
            "cv": round(chosen["cv"], 2),
            "distribution": best,
        },
    }


def fit_patience(wait_s: np.ndarray, abandoned: np.ndarray) -> dict[str, Any] | None:
    """Patience from waits [s] and whether each contact abandoned (1) or was answered (0):
    Kaplan-Meier and the censored exponential MLE. None without ``MIN_CONTACTS`` waits or
    without any abandonment."""
    known = np.isfinite(wait_s) & np.isfinite(abandoned) & (wait_s >= 0)
    wait, gave_up = wait_s[known], abandoned[known] == 1.0
    events = int(gave_up.sum())
    if len(wait) < MIN_CONTACTS or events == 0:
        return None
    exposure = float(wait.sum())
    mean = exposure / events
    # exact 95 % interval of an exponential mean from `events` events (chi-square, 2 events dof)
    low = 2 * exposure / stats.chi2.ppf(0.975, 2 * events)
    high = 2 * exposure / stats.chi2.ppf(0.025, 2 * events)
    data = stats.CensoredData(uncensored=wait[gave_up], right=wait[~gave_up])
    survival = stats.ecdf(data).sf
    below_half = np.flatnonzero(survival.probabilities <= 0.5)
    median = float(survival.quantiles[below_half[0]]) if len(below_half) else math.nan
    return {
        "distribution": "exponential",
        "mean_s": _r(mean, 2),
        "mean_95ci_s": [_r(low, 2), _r(high, 2)],
        "contacts": len(wait),
        "abandoned": events,
        "kaplan_meier": {
            "median_s": _r(median, 2),
            "still_waiting": {f"{t}s": _r(float(survival.evaluate(t))) for t in SURVIVAL_AT_S},
        },
        "mean_of_abandoned_waits_s": _r(float(wait[gave_up].mean()), 2),
        "scenario": {"mean": f"{mean:.0f}s", "distribution": "exponential"},
    }
