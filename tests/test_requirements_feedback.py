"""The optimizer's requirements with repeat contacts and redials (the fixed point of
``optimizer.requirements.feedback``) against closed forms: volume / first_contact in steady
state, B / (1 - s p) with redials, repeats moved to their channel, the delay kernel."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.queueing.erlang_a import erlang_a
from optimizer.requirements import requirements
from optimizer.requirements.feedback import delay_kernel
from scenarios.loader import load
from tests.factory import build_scenario, single_queue_raw


def _table(raw: dict[str, Any]) -> Any:
    return requirements(build_scenario(raw)).table


def test_delay_kernel_sums_to_one_with_mean_lag() -> None:
    """Contacts uniform in an interval, exponential delay with mean m: the lag in intervals
    floor(U + D / interval) has mean exactly m / interval (the fractional part of U + x is
    uniform), and the folded kernel keeps every contact."""
    for mean_s in (300.0, 1800.0, 7200.0, 86400.0):
        kernel = delay_kernel(2000, 1800.0, mean_s)
        assert kernel.min() >= 0.0
        assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
        mean_lag = float(np.dot(np.arange(2000), kernel))
        assert mean_lag == pytest.approx(mean_s / 1800.0, rel=1e-9)
    # folded onto a short cycle it still sums to 1
    assert delay_kernel(7, 3600.0, 86400.0).sum() == pytest.approx(1.0, abs=1e-12)


def test_steady_state_volume_is_base_over_first_contact() -> None:
    """Flat 200 calls an hour, nobody abandons, every unresolved contact back on the same
    channel: every interval receives 200 / 0.8 = 250 an hour, and the requirement is exactly
    that of a plain scenario at 250 an hour (Erlang C): 14 agents grow to 16."""
    plain = single_queue_raw(agents=14, per_hour=200.0, days=7)
    repeats = copy.deepcopy(plain)
    repeats["channels"][0]["resolution"] = {"first_contact": 0.8, "repeat_after": "1d"}
    heavier = single_queue_raw(agents=14, per_hour=250.0, days=7)
    base, grown, direct = _table(plain), _table(repeats), _table(heavier)
    assert grown["arrivals"].to_numpy() == pytest.approx(base["arrivals"].to_numpy() / 0.8)
    assert grown["arrivals"].sum() == pytest.approx(200.0 * 168 / 0.8, rel=1e-9)
    assert np.array_equal(grown["agents"].to_numpy(), direct["agents"].to_numpy())
    assert base["agents"].max() == 14 and grown["agents"].max() == 16
    assert grown["aht_s"].to_numpy() == pytest.approx(180.0)


def test_first_contact_one_changes_nothing() -> None:
    plain = single_queue_raw(agents=14, per_hour=200.0, days=7)
    resolved = copy.deepcopy(plain)
    resolved["channels"][0]["resolution"] = {"first_contact": 1.0, "repeat_after": "1h"}
    assert _table(plain).equals(_table(resolved))


def test_profiled_volume_keeps_its_mass_and_moves_later() -> None:
    """Office-hours demand: repeats after a mean of 4 h spread into the evening, the week's
    total is still base / first_contact (the cyclic kernel keeps every contact), and the
    requirement grows where the repeats land (never shrinks)."""
    plain = single_queue_raw(agents=14, per_hour=200.0, days=7)
    plain["channels"][0]["hourly_profile"] = "business"
    repeats = copy.deepcopy(plain)
    repeats["channels"][0]["resolution"] = {"first_contact": 0.7, "repeat_after": "4h"}
    base, grown = _table(plain), _table(repeats)
    assert grown["arrivals"].sum() == pytest.approx(base["arrivals"].sum() / 0.7, rel=1e-9)
    extra = grown["arrivals"].to_numpy() - base["arrivals"].to_numpy()
    assert extra.min() >= -1e-9
    assert (grown["agents"].to_numpy() >= base["agents"].to_numpy()).all()
    assert grown["agents"].sum() > base["agents"].sum()
    # the share of the extra volume at night (22:00-06:00) exceeds the base's: repeats lag
    hours = (grown["interval"].to_numpy() % 24).astype(int)
    night = (hours >= 22) | (hours < 6)
    assert extra[night].sum() / extra.sum() > base["arrivals"][night].sum() / base["arrivals"].sum()


def test_repeats_move_to_their_channel() -> None:
    """Voice resolved at 0.75, the rest come back as email: email receives 0.25 x the voice
    volume (nobody abandons voice) with email's handle time; voice keeps its own volume."""
    raw = single_queue_raw(agents=14, per_hour=200.0, days=7)
    mail = copy.deepcopy(raw["channels"][0])
    mail.update(name="mail", kind="email", target={"within": "24h", "share": 0.9})
    mail["volume"] = {"per": "day", "count": 240.0}
    mail["handle_time"] = {"mean": "6m", "distribution": "exponential", "cv": 1.0}
    raw["channels"].append(mail)
    raw["sites"][0]["skills"] = ["c1", "mail"]
    without = _table(raw)
    raw["channels"][0]["resolution"] = {
        "first_contact": 0.75,
        "repeat_after": "1d",
        "repeat_channel": "mail",
    }
    table = _table(raw)
    voice, email = table[table["channel"] == "c1"], table[table["channel"] == "mail"]
    before = without[without["channel"] == "c1"]
    assert voice["arrivals"].sum() == pytest.approx(before["arrivals"].sum())
    assert email["arrivals"].sum() == pytest.approx(240.0 * 7 + 0.25 * 200.0 * 168, rel=1e-9)
    assert email["aht_s"].to_numpy() == pytest.approx(360.0)


def test_redials_fixed_point_matches_erlang_a() -> None:
    """Flat demand, patience 1 minute, half the abandoning callers try again: the volume V
    of every interval solves V (1 - s P(V)) = B with P the Erlang A abandonment at the
    requirement for V (checked here with ``erlang_a`` directly), and it exceeds B."""
    raw = single_queue_raw(agents=14, per_hour=200.0, days=7, patience="1m")
    base = _table(raw)
    raw["channels"][0]["redial"] = {"share": 0.5, "after": "5m"}
    table = _table(raw)
    volume = float(table["arrivals"].iloc[10])
    agents = int(table["agents"].iloc[10])
    p = erlang_a(agents, volume / 3600.0, 180.0, 60.0, 20.0).p_abandon
    assert p > 0.01
    assert volume * (1.0 - 0.5 * p) == pytest.approx(200.0, rel=1e-7)
    assert volume > float(base["arrivals"].iloc[10])
    assert math.isclose(table["arrivals"].sum(), 168 * volume, rel_tol=1e-9)


def test_small_shop_with_redials_and_repeats_settles(tmp_path: Path) -> None:
    """small-shop with phone redials (0.4 after 5 minutes) and phone repeats to email: the
    staffing steps make the abandonment flip between rounds here, and the fixed point still
    ends (capped rounds, the larger abandonment kept). Email receives 0.2 x the phone calls
    handled on top of its 700 a week; phone grows by its redials."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "scenarios" / "small-shop.toml").read_text(encoding="utf-8")
    text = text.replace(
        'target = { within = "30s", share = 0.80 }\n',
        'target = { within = "30s", share = 0.80 }\nredial = { share = 0.4, after = "5m" }\n'
        'resolution = { first_contact = 0.8, repeat_after = "1d", repeat_channel = "email" }\n',
        1,
    )
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load(path)
    table = requirements(scenario).table
    phone = table[table["channel"] == "phone"]["arrivals"].sum()
    email = table[table["channel"] == "email"]["arrivals"].sum()
    assert 900.0 < phone < 900.0 / (1 - 0.4)
    handled = email - 700.0
    assert 0.2 * 900.0 * 0.5 < handled < 0.2 * phone
