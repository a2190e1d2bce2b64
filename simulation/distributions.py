"""Random durations with a given mean and coefficient of variation, via ``scipy.stats``."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def draw(
    rng: np.random.Generator, distribution: str, mean: float, cv: float, size: int
) -> np.ndarray:
    """``size`` draws [same unit as ``mean``] of ``distribution`` with ``mean`` and ``cv``.

    lognormal: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2 (Johnson, Kotz and
    Balakrishnan, *Continuous Univariate Distributions* vol. 1, ch. 14); gamma: shape 1/cv^2,
    scale mean cv^2; exponential: cv is 1 by definition; fixed, or cv = 0: the mean itself.
    """
    if distribution == "fixed" or (cv == 0 and distribution != "exponential"):
        return np.full(size, float(mean))
    if distribution == "exponential":
        return np.asarray(stats.expon(scale=mean).rvs(size=size, random_state=rng), dtype=float)
    if distribution == "gamma":
        shape = 1.0 / cv**2
        law = stats.gamma(a=shape, scale=mean / shape)
        return np.asarray(law.rvs(size=size, random_state=rng), dtype=float)
    if distribution == "lognormal":
        sigma2 = math.log1p(cv**2)
        law = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))
        return np.asarray(law.rvs(size=size, random_state=rng), dtype=float)
    raise ValueError(f"unknown distribution {distribution!r}")
