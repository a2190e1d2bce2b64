"""The synthetic history generator (``forecasting.synthetic``) that the benchmarks and the
notebook use: its weekday intraday profiles, day noise and outage days have the structure
asked for."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forecasting import synthetic

FIRST = dt.date(2026, 1, 5)  # a Monday


def test_expected_volume_per_day_follows_weekday_weights_and_trend() -> None:
    flat = synthetic.rates(FIRST, 7, "Europe/Madrid", 30, 700.0)
    assert flat["rate"].sum() == pytest.approx(7 * 700.0)  # a week of 700 a day on average
    frame = synthetic.rates(FIRST, 28, "Europe/Madrid", 30, 700.0, trend_per_week=0.1)
    daily = frame.groupby(frame["start"].dt.date)["rate"].sum().to_numpy()
    weights = synthetic.WEEKDAY / synthetic.WEEKDAY.mean()
    assert daily[0] == pytest.approx(700.0 * weights[0])
    assert daily[7] == pytest.approx(700.0 * 1.1 * weights[0])  # a week later, 10 % more
    assert daily[6] == pytest.approx(700.0 * (1 + 0.1 * 6 / 7) * weights[6])


def test_weekend_profile_is_its_own() -> None:
    frame = synthetic.rates(FIRST, 7, "UTC", 60, 100.0, hourly=synthetic.by_weekday())
    hour = frame["start"].dt.hour.to_numpy()
    weekday = frame["start"].dt.day_of_week.to_numpy()
    monday, sunday = frame["rate"].to_numpy()[weekday == 0], frame["rate"].to_numpy()[weekday == 6]
    assert hour[weekday == 0][monday.argmax()] == 10
    assert hour[weekday == 6][sunday.argmax()] == 13


def test_day_noise_keeps_the_mean_and_varies_by_day() -> None:
    plain = synthetic.rates(FIRST, 400, "UTC", 60, 100.0, weekday=np.ones(7))
    noisy = synthetic.rates(FIRST, 400, "UTC", 60, 100.0, weekday=np.ones(7), day_cv=0.1, seed=3)
    factor = (noisy["rate"] / plain["rate"]).to_numpy().reshape(400, 24)
    assert np.allclose(factor, factor[:, :1])  # one multiplier a day
    assert factor[:, 0].mean() == pytest.approx(1.0, abs=0.02)
    assert factor[:, 0].std() == pytest.approx(0.1, rel=0.15)


def test_drop_days_removes_an_outage_and_the_end_of_a_day_cut_short() -> None:
    rows = synthetic.interval_rows(synthetic.rates(FIRST, 3, "Europe/Madrid", 30, 5000.0), 1)
    kept = synthetic.drop_days(rows, [FIRST])
    assert not kept["interval_start"].str.startswith("2026-01-05").any()
    cut = synthetic.drop_days(rows, [FIRST + dt.timedelta(days=1)], after="12:00")
    tuesday = cut[cut["interval_start"].str.startswith("2026-01-06")]["interval_start"]
    assert tuesday.str.slice(11, 16).max() == "11:30"
    assert len(cut[cut["interval_start"].str.startswith("2026-01-07")]) == 48
