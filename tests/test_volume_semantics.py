"""What ``volume``, ``weekday_weights`` and ``hourly_profile`` mean, as docs/scenarios.md says:
``per = "week"`` is the volume of every calendar week of the horizon (14 days get two weeks'
volume), ``per = "day"`` that of the average day; the weekday weights are relative (divided by
their sum for ``week``, by their mean for ``day``), and so is the hourly profile within a day."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.timeline import Horizon, demand
from tests.factory import build_scenario, single_queue_raw

WEIGHTS = [2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]


def _daily_expected(per: str, count: float, days: int, weights: list[float]) -> np.ndarray:
    raw = single_queue_raw(agents=5, days=days)
    raw["channels"][0]["volume"] = {"per": per, "count": count}
    raw["channels"][0]["weekday_weights"] = weights
    scenario = build_scenario(raw)
    horizon = Horizon.of(scenario)
    segments = demand(scenario, scenario.channels[0], horizon)
    per_day = np.zeros(days)
    np.add.at(
        per_day, segments.day.astype(int), segments.rate_per_s * (segments.t1_s - segments.t0_s)
    )
    return per_day


def test_per_week_is_every_calendar_week_so_14_days_get_twice_the_count() -> None:
    per_day = _daily_expected("week", 700.0, 14, WEIGHTS)  # the horizon starts on a Monday
    assert per_day.sum() == pytest.approx(1400.0)
    assert per_day[:7].sum() == pytest.approx(700.0) and per_day[7:].sum() == pytest.approx(700.0)
    # weights divided by their sum (6.5): Monday 2/6.5 of the week, Sunday nothing
    assert per_day[0] == pytest.approx(700.0 * 2.0 / 6.5)
    assert per_day[6] == 0.0


def test_per_day_is_the_average_day_weights_divided_by_their_mean() -> None:
    per_day = _daily_expected("day", 100.0, 14, WEIGHTS)
    assert per_day[:7].sum() == pytest.approx(700.0)
    assert per_day[0] == pytest.approx(100.0 * 2.0 / (6.5 / 7))


def test_only_the_ratios_of_the_weights_count() -> None:
    scaled = [10 * w for w in WEIGHTS]
    for per in ("week", "day"):
        assert _daily_expected(per, 500.0, 7, WEIGHTS) == pytest.approx(
            _daily_expected(per, 500.0, 7, scaled)
        )
