"""Staffing requirements: analytic queueing beyond Erlang, demand on the grid, bots, daily targets.

Published values come from shared/REFERENCES.md (Call Centre Helper's Erlang C worked example;
Garnett, Mandelbaum and Reiman 2002 for Erlang A); the rest are exact identities of the models
documented in ``optimizer.queueing.models`` and ``optimizer.requirements``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.queueing.erlang_a import required_agents, service_level
from optimizer.queueing.models import (
    async_backlog,
    async_constant_level,
    async_required_agents,
    chat_required_agents,
    chat_service_level,
    required_servers,
)
from optimizer.requirements import (
    TABLE_COLUMNS,
    Requirements,
    bot_options,
    bot_variants,
    channel_demand,
    daily_allocation,
    effective_demand,
    requirements,
)
from optimizer.shifts.problem import AsyncNeed, RealTimeNeed
from scenarios.loader import load
from scenarios.schema import Scenario
from scenarios.timeline import Horizon, demand
from tests.factory import build_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CALLS_PER_30_MIN = 100.0
RATE_PER_S = CALLS_PER_30_MIN / 1800.0  # 200 calls per hour
AHT_S = 180.0


# --------------------------------------------------------------------------------------------
# scenarios built in code


def _raw(
    channels: list[dict[str, Any]],
    site: dict[str, Any] | None = None,
    days: int = 1,
    targets: str = "interval",
    regions: list[dict[str, Any]] | None = None,
    shifts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A scenario on the UTC clock with 30-minute intervals and one site with every skill."""
    names = [c["name"] for c in channels]
    base_site: dict[str, Any] = {
        "name": "hq",
        "timezone": "UTC",
        "skills": names,
        "hourly_cost": 10.0,
    }
    base_site.update(site or {})
    return {
        "format": 1,
        "scenario": {
            "name": "requirements-test",
            "start": dt.date(2026, 1, 5),
            "days": days,
            "interval": "30m",
            "timezone": "UTC",
        },
        "regions": regions or [{"name": "all", "timezone": "UTC", "share": 1.0}],
        "channels": channels,
        "sites": [base_site],
        "shifts": shifts or [],
        "optimizer": {"targets": targets},
    }


def _one_hour_voice(
    name: str = "voice",
    kind: str = "voice",
    patience: str | None = None,
    counts: str = "offered",
    **extra: Any,
) -> dict[str, Any]:
    """200 contacts a day, all between 09:00 and 10:00: 100 per 30-minute interval, AHT 3 min."""
    profile = [0.0] * 24
    profile[9] = 1.0
    channel: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "volume": {"per": "day", "count": 2 * CALLS_PER_30_MIN},
        "hourly_profile": profile,
        "handle_time": {"mean": "3m", "distribution": "exponential", "cv": 1.0},
        "target": {"within": "20s", "share": 0.8, "counts": counts},
    }
    if patience is not None:
        channel["patience"] = {"mean": patience, "distribution": "exponential"}
    channel.update(extra)
    return channel


def _table(scenario: Scenario, channel: str, option: float = 0.0) -> Any:
    table = requirements(scenario).table
    return table[(table["channel"] == channel) & (table["option"] == option)]


@pytest.fixture(scope="module")
def global_retail() -> Scenario:
    return load(SCENARIOS / "global-retail.toml")


@pytest.fixture(scope="module")
def small_shop() -> Scenario:
    return load(SCENARIOS / "small-shop.toml")


@pytest.fixture(scope="module")
def global_requirements(global_retail: Scenario) -> Requirements:
    return requirements(global_retail)


# --------------------------------------------------------------------------------------------
# published values through a scenario


def test_call_centre_helper_example_needs_14() -> None:
    """100 calls per 30 min, AHT 180 s, 80 % in 20 s (A = 10 Erlangs) needs N = 14.

    Call Centre Helper's Erlang C worked example (also in the pyworkforce documentation;
    shared/REFERENCES.md: "Required N = 14 (13 misses by 0.4 pp)").  The scenario puts all
    200 calls of the day between 09:00 and 10:00, i.e. 100 in each of two intervals; every
    other interval has no arrivals and needs nobody.
    """
    rows = _table(build_scenario(_raw([_one_hour_voice()])), "voice")
    busy = rows[rows["arrivals"] > 0]
    assert list(busy["interval"]) == [18, 19]
    assert busy["arrivals"].to_numpy() == pytest.approx([100.0, 100.0], rel=1e-12)
    assert busy["aht_s"].to_numpy() == pytest.approx([AHT_S, AHT_S], rel=1e-12)
    assert list(busy["agents"]) == [14, 14]
    assert (rows.loc[rows["arrivals"] == 0, "agents"] == 0).all()
    assert rows["work_agents"].isna().all()


@pytest.mark.parametrize(
    ("patience", "counts", "expected"),
    [("3m", "offered", 12), ("1m", "answered", 10), ("1m", "offered", 12)],
)
def test_erlang_a_published_requirements(patience: str, counts: str, expected: int) -> None:
    """Erlang A (M/M/N+M) staffing for lambda = 200/h, AHT 180 s, 80/20.

    Garnett, Mandelbaum and Reiman (2002), M&SOM 4(3):208-227, as tabulated in
    shared/REFERENCES.md: "Erlang A with 180 s patience 12 under all three rules; with 60 s
    patience 10 (answered), 11 (virtual), 12 (offered)".
    """
    scenario = build_scenario(_raw([_one_hour_voice(patience=patience, counts=counts)]))
    rows = _table(scenario, "voice")
    assert list(rows.loc[rows["arrivals"] > 0, "agents"]) == [expected, expected]


def test_scheduled_with_30_percent_shrinkage_is_20() -> None:
    """14 required agents with 30 % shrinkage means 20 scheduled.

    Call Centre Helper's Erlang C worked example (shared/REFERENCES.md: "with 30 % shrinkage,
    20 scheduled"); here the shrinkage is the site's absenteeism (no offline time, no breaks).
    """
    scenario = build_scenario(_raw([_one_hour_voice()], site={"absenteeism": 0.3}))
    rows = _table(scenario, "voice")
    busy = rows[rows["arrivals"] > 0]
    assert list(busy["agents"]) == [14, 14]
    assert list(busy["scheduled"]) == [20, 20]


def test_scheduled_takes_out_absence_offline_and_breaks() -> None:
    """``scheduled = agents / ((1 - absenteeism)(1 - offline_share)(1 - break share))``.

    One 8 h template with a 48-minute break (a 10 % break share): 14 / (0.9 * 0.9 * 0.9)
    = 19.2, rounded up to 20.
    """
    shifts = [
        {
            "name": "day",
            "starts": {"from": "08:00", "to": "08:00", "every": "30m"},
            "length": "8h",
            "breaks": [{"after": "4h", "length": "48m"}],
        }
    ]
    site = {"absenteeism": 0.1, "offline_share": 0.1}
    scenario = build_scenario(_raw([_one_hour_voice()], site=site, shifts=shifts))
    busy = _table(scenario, "voice").query("arrivals > 0")
    assert list(busy["scheduled"]) == [math.ceil(14 / 0.9**3)] * 2


# --------------------------------------------------------------------------------------------
# staffing search and chat


def test_required_servers_matches_erlang_required_agents() -> None:
    """The warm-started search returns exactly ``erlang.required_agents`` (same monotone
    service level, same smallest n), whatever the guess."""
    rng = np.random.default_rng(3)
    for _ in range(150):
        rate = float(rng.uniform(0.001, 1.5))
        aht = float(rng.uniform(30.0, 900.0))
        within = float(rng.choice([0.0, 20.0, 60.0, 300.0]))
        share = float(rng.choice([0.5, 0.8, 0.9, 0.95]))
        patience = float(rng.choice([math.inf, 30.0, 180.0, 600.0]))
        counts = str(rng.choice(["offered", "answered", "offered_excl_short"]))
        expected = required_agents(rate, aht, within, share, patience, counts, short_abandon_s=5.0)
        for guess in (None, 1, expected, 5 * expected + 7):
            found = required_servers(rate, aht, within, share, patience, counts, 5.0, guess=guess)
            assert found == expected


@pytest.mark.parametrize("patience", [math.inf, 60.0, 180.0])
def test_chat_with_concurrency_one_equals_voice(patience: float) -> None:
    """A chat agent holding one chat at a time is a voice agent: M/M/N(+M) with the same AHT
    (Erlang C: Cooper 1981 ch. 3; Erlang A: Garnett et al. 2002)."""
    for rate in (0.01, RATE_PER_S, 0.4):
        voice = required_agents(rate, AHT_S, 20.0, 0.8, patience, "offered")
        chat = chat_required_agents(rate, AHT_S, 20.0, 0.8, patience, "offered", 1, None)
        assert chat == voice


def test_chat_concurrency_one_equals_voice_in_requirements() -> None:
    """The same demand as voice and as chat with concurrency 1 needs the same agents."""
    channels = [
        _one_hour_voice(patience="3m"),
        _one_hour_voice(name="chat", kind="chat", patience="3m"),
    ]
    table = requirements(build_scenario(_raw(channels))).table
    voice = table[table["channel"] == "voice"]["agents"].to_numpy()
    chat = table[table["channel"] == "chat"]["agents"].to_numpy()
    assert voice.max() == 12
    np.testing.assert_array_equal(voice, chat)


@pytest.mark.parametrize("patience", [math.inf, 180.0])
def test_chat_concurrency_two_without_slowdown_halves_the_agents(patience: float) -> None:
    """Concurrency 2 with slowdown [1, 1]: 2n servers of the same M/M/.(+M) queue, so the
    agents are ceil(required servers / 2) (Tezcan and Zhang 2014's many-server view)."""
    for rate in (0.02, RATE_PER_S, 0.5):
        servers = required_agents(rate, AHT_S, 20.0, 0.8, patience, "offered")
        chat = chat_required_agents(rate, AHT_S, 20.0, 0.8, patience, "offered", 2, [1.0, 1.0])
        assert chat == math.ceil(servers / 2)


def test_chat_takes_the_best_concurrency() -> None:
    """With a steep slowdown holding fewer chats may need fewer agents: the result is the
    minimum over k' of ceil(servers(k') / k') with AHT x slowdown[k'-1]."""
    slowdown = [1.0, 2.5, 4.0]
    rate, patience = 0.2, 120.0
    per_k = [
        math.ceil(required_agents(rate, AHT_S * f, 20.0, 0.8, patience, "offered") / k)
        for k, f in enumerate(slowdown, start=1)
    ]
    found = chat_required_agents(rate, AHT_S, 20.0, 0.8, patience, "offered", 3, slowdown)
    assert found == min(per_k)
    assert per_k.index(min(per_k)) < 2  # a lower concurrency wins here
    level = chat_service_level(found, rate, AHT_S, patience, 20.0, "offered", 3, slowdown)
    below = chat_service_level(found - 1, rate, AHT_S, patience, 20.0, "offered", 3, slowdown)
    assert level >= 0.8 > below


# --------------------------------------------------------------------------------------------
# bots


def _bot_scenario(bot: dict[str, Any], days: int = 2) -> Scenario:
    profile = [float(1 + (h % 5)) for h in range(24)]  # steps every hour
    channel = {
        "name": "chat",
        "kind": "chat",
        "volume": {"per": "day", "count": 960.0},
        "hourly_profile": profile,
        "handle_time": {"mean": "8m", "distribution": "lognormal", "cv": 0.8},
        "patience": {"mean": "2m"},
        "target": {"within": "60s", "share": 0.85},
        "bot": bot,
    }
    return build_scenario(_raw([channel], days=days))


BOT = {
    "containment": 0.3,
    "options": [0.0, 0.3, 0.5],
    "time": "30m",
    "cost_per_session": 0.5,
    "escalated_handle_time_factor": 1.5,
    "recontact_share": 0.2,
    "recontact_after": "1h",
}


def test_bot_variants() -> None:
    """Containment c: share 1 - c escalates after bot.time with AHT x factor; c x
    recontact_share of arrivals come back bot.time + recontact_after later; c = 0 is "off"
    (README "Modelling choices", Bot)."""
    channel = _bot_scenario(BOT).channel("chat")
    assert bot_variants(channel, 0.3) == pytest.approx((0.7, 1.5, 0.06, 5400.0, 1800.0))
    assert tuple(bot_variants(channel, 0.0)) == (1.0, 1.0, 0.0, 0.0, 0.0)
    assert bot_options(channel) == (0.0, 0.3, 0.5)
    no_options = _bot_scenario({**BOT, "options": []}).channel("chat")
    assert bot_options(no_options) == (0.3,)


def test_bot_shifts_scales_and_costs() -> None:
    """Arrivals at containment c in interval t = (1 - c) x arrivals of t - 1 (bot time = one
    interval) + c x recontact_share x arrivals of t - 3 (bot time + 1 h), cyclic; work mixes
    AHT x factor (escalated) and AHT (recontacts); bot cost = sessions (all arrivals of the
    horizon) x cost_per_session, 0 with the bot off."""
    scenario = _bot_scenario(BOT)
    reqs = requirements(scenario)
    table = reqs.table
    base = table[table["option"] == 0.0]
    arrivals0 = base["arrivals"].to_numpy()
    work0 = (base["arrivals"] * base["aht_s"]).to_numpy()
    volume = 2 * 960.0
    assert arrivals0.sum() == pytest.approx(volume, rel=1e-12)
    for c in (0.3, 0.5):
        rows = table[table["option"] == c]
        expected = (1 - c) * np.roll(arrivals0, 1) + c * 0.2 * np.roll(arrivals0, 3)
        np.testing.assert_allclose(rows["arrivals"].to_numpy(), expected, rtol=1e-12)
        expected_work = 1.5 * (1 - c) * np.roll(work0, 1) + c * 0.2 * np.roll(work0, 3)
        work = (rows["arrivals"] * rows["aht_s"]).to_numpy()
        np.testing.assert_allclose(work, expected_work, rtol=1e-12)
        assert rows["arrivals"].sum() == pytest.approx(volume * (1 - c + c * 0.2), rel=1e-12)
        assert reqs.bot_costs["chat"][c] == pytest.approx(volume * 0.5, rel=1e-12)
    assert reqs.bot_costs["chat"][0.0] == 0.0
    choice = reqs.bot_choices()[0]
    assert choice.channel == "chat" and choice.options == (0.0, 0.3, 0.5)
    assert choice.cost == pytest.approx((0.0, volume * 0.5, volume * 0.5))


def test_bot_delay_splits_intervals_by_overlap() -> None:
    """A 10-minute bot moves a third of each 30-minute interval's contacts into the next one
    (rates are constant within an interval here), cyclic over the horizon."""
    scenario = _bot_scenario({**BOT, "time": "10m", "recontact_share": 0.0}, days=1)
    channel = scenario.channel("chat")
    off = effective_demand(scenario, channel, 0.0)
    on = effective_demand(scenario, channel, 0.3)
    base = off.arrivals[0]
    expected = 0.7 * (base * 2 / 3 + np.roll(base, 1) / 3)
    np.testing.assert_allclose(on.arrivals[0], expected, rtol=1e-12)
    assert on.bot_sessions == pytest.approx(960.0) and off.bot_sessions == 0.0


# --------------------------------------------------------------------------------------------
# asynchronous channels


def test_async_backlog_hand_example() -> None:
    """Work 2, 0, 0, 0 with capacity 1 per interval: FIFO leaves 1 open after the first
    interval and none after (Lindley's recursion B_t = max(0, B_{t-1} + w_t - c_t)).  With a
    window of 1 interval that unit is late; with 2 it is on time."""
    for cyclic in (True, False):
        backlog, late = async_backlog([2, 0, 0, 0], [1, 1, 1, 1], 1, cyclic=cyclic)
        np.testing.assert_allclose(backlog, [1, 0, 0, 0])
        np.testing.assert_allclose(late, [1, 0, 0, 0])
        backlog, late = async_backlog([2, 0, 0, 0], [1, 1, 1, 1], 2, cyclic=cyclic)
        np.testing.assert_allclose(late, [0, 0, 0, 0])


def test_async_backlog_cyclic_carries_the_steady_backlog() -> None:
    """Work arriving in the last interval of a cyclic horizon is done at its start: the
    backlog wraps around (steady state), and lateness is charged to the arrival interval."""
    backlog, late = async_backlog([0, 0, 0, 3], [2, 1, 0, 0], 2, cyclic=True)
    np.testing.assert_allclose(backlog, [1, 0, 0, 3])
    np.testing.assert_allclose(late, [0, 0, 0, 1])  # 2 done within 2 intervals, 1 late
    backlog, late = async_backlog([0, 0, 0, 3], [2, 1, 0, 0], 2, cyclic=False)
    np.testing.assert_allclose(backlog, [0, 0, 0, 3])
    np.testing.assert_allclose(late, [0, 0, 0, 3])  # nothing is done after the horizon


@pytest.mark.parametrize("cyclic", [True, False])
def test_async_required_agents_never_leaves_late_work(cyclic: bool) -> None:
    """The spread profile finishes every interval's work within the window (checked with the
    FIFO backlog), wastes nothing, and its peak is at least the smallest constant level, which
    is itself feasible and (without wrap) cannot be lowered."""
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(1, 60))
        work = rng.gamma(0.5, 2.0, size=n) * (rng.random(n) < 0.7)
        window = int(rng.integers(1, 2 * n + 2))
        profile = np.asarray(async_required_agents(work, window, cyclic=cyclic))
        assert (profile >= 0).all() and len(profile) == n
        _, late = async_backlog(work, profile, window, cyclic=cyclic)
        assert late.sum() <= 1e-9 * max(1.0, work.sum())
        assert profile.sum() == pytest.approx(work.sum(), rel=1e-9, abs=1e-12)
        level = async_constant_level(work, window, cyclic=cyclic)
        assert profile.max() >= level - 1e-9
        _, late = async_backlog(work, np.full(n, level), window, cyclic=cyclic)
        assert late.sum() <= 1e-9 * max(1.0, work.sum())
        if not cyclic and level > 0:
            _, late = async_backlog(work, np.full(n, level * 0.999), window, cyclic=False)
            assert late.sum() > 0


def test_async_requirements_table_and_window(global_requirements: Requirements) -> None:
    """Async rows: work_agents = arrivals x AHT / interval; the window is ceil(within /
    interval) intervals (email 24 h -> 48, social 1 h -> 2 on 30-minute intervals)."""
    table = global_requirements.table
    email = table[table["channel"] == "email"]
    np.testing.assert_allclose(
        email["work_agents"], (email["arrivals"] * email["aht_s"] / 1800.0).fillna(0.0)
    )
    assert global_requirements.windows == {"email": 48, "social": 2}
    needs = {(x.channel, x.group): x for x in global_requirements.needs()}
    need = needs[("email", "en")]
    # due by the end of interval u + 47: the MILP's window counts intervals after u
    assert isinstance(need, AsyncNeed) and need.window == 47
    rows = email[email["group"] == "en"]
    np.testing.assert_allclose(need.work[0.0], rows["work_agents"].to_numpy())


# --------------------------------------------------------------------------------------------
# scenarios from the library


def test_language_groups_of_global_retail(
    global_retail: Scenario, global_requirements: Requirements
) -> None:
    """Groups follow the regions' languages: en (europe, north-america, apac) and pt (latam
    only, 10 % of every channel's weekly volume); pt can only be served by bogota."""
    table = global_requirements.table
    horizon = Horizon.of(global_retail)
    latam = [r.name for r in global_retail.regions].index("latam")
    for channel in global_retail.channels:
        rows = table[(table["channel"] == channel.name) & (table["option"] == 0.0)]
        assert tuple(dict.fromkeys(rows["group"])) == ("en", "pt")
        segments = demand(global_retail, channel, horizon)
        only_latam = segments.region == latam
        pt = rows[rows["group"] == "pt"]["arrivals"].to_numpy()
        assert pt.sum() == pytest.approx(
            float(np.sum((segments.rate_per_s * (segments.t1_s - segments.t0_s))[only_latam])),
            rel=1e-9,
        )
        assert channel.volume is not None  # one week: latam's week is whole (no clock change)
        assert pt.sum() == pytest.approx(0.1 * channel.volume.count, rel=1e-9)
        assert global_requirements.sites[(channel.name, "pt")] == ("bogota",)
    en_sites = global_requirements.sites[("voice", "en")]
    assert en_sites == ("riga", "bogota")  # manila has no voice skill


def _check_library_requirements(scenario: Scenario, reqs: Requirements) -> None:
    table = reqs.table
    assert list(table.columns) == list(TABLE_COLUMNS)
    n = Horizon.of(scenario).n_intervals
    assert (table["agents"] >= 0).all() and np.isfinite(table["agents"]).all()
    assert (table["arrivals"] >= 0).all()
    horizon = Horizon.of(scenario)
    for channel in scenario.channels:
        rows = table[table["channel"] == channel.name]
        for option in bot_options(channel):
            part = rows[rows["option"] == option]
            assert len(part) == n * part["group"].nunique()
        if 0.0 in bot_options(channel):
            volume = rows[rows["option"] == 0.0]["arrivals"].sum()
            assert volume == pytest.approx(demand(scenario, channel, horizon).expected, rel=1e-6)
        if channel.real_time:
            assert rows["work_agents"].isna().all()
            assert (rows["agents"] == np.round(rows["agents"])).all()
        else:
            assert (rows["work_agents"] >= 0).all()
    needs = reqs.needs()
    for need in needs:
        vectors = need.agents if isinstance(need, RealTimeNeed) else need.work
        assert set(vectors) == set(bot_options(scenario.channel(need.channel)))
        assert all(len(v) == n and min(v) >= 0 for v in vectors.values())
        assert need.sites


def test_global_retail_requirements(
    global_retail: Scenario, global_requirements: Requirements
) -> None:
    """Every channel, group and bot option of global-retail has finite, non-negative needs;
    option 0 (no bot) carries the channel's whole expected horizon volume
    (``timeline.demand(...).expected``); chat at containment 0.4 needs fewer agents than
    without the bot and escalated chats take 1.2 x the AHT."""
    _check_library_requirements(global_retail, global_requirements)
    table = global_requirements.table
    chat = table[table["channel"] == "chat"]
    by_option = chat.groupby("option")["agents"].sum()
    assert by_option[0.4] < by_option[0.0]
    assert set(global_requirements.bot_costs) == {"chat", "social"}
    assert global_requirements.bot_costs["chat"][0.0] == 0.0
    assert len(global_requirements.bot_choices()) == 2


def test_small_shop_requirements(small_shop: Scenario) -> None:
    """small-shop: one language group ``any``, the same checks as global-retail; the phone is
    closed at night and on Sunday, so those intervals need nobody."""
    reqs = requirements(small_shop)
    _check_library_requirements(small_shop, reqs)
    table = reqs.table
    assert set(table["group"]) == {"any"}
    phone = table[table["channel"] == "phone"]
    assert (phone.loc[phone["arrivals"] == 0, "agents"] == 0).all()
    assert (phone["arrivals"] == 0).sum() > 0


def test_needs_adjust_adds_to_every_option(global_requirements: Requirements) -> None:
    """``adjust[(channel, group, t)]`` adds productive agents (real time) or agent-intervals of
    work (async) to interval t for every bot option, and nothing elsewhere."""
    plain = {(x.channel, x.group): x for x in global_requirements.needs()}
    adjust = {("chat", "en", 5): 2.0, ("email", "pt", 7): 1.5}
    moved = {(x.channel, x.group): x for x in global_requirements.needs(adjust)}
    chat_before, chat_after = plain[("chat", "en")], moved[("chat", "en")]
    assert isinstance(chat_before, RealTimeNeed) and isinstance(chat_after, RealTimeNeed)
    for option, vector in chat_before.agents.items():
        diff = np.array(chat_after.agents[option]) - np.array(vector)
        assert diff[5] == 2.0 and np.count_nonzero(diff) == 1
    email_before, email_after = plain[("email", "pt")], moved[("email", "pt")]
    assert isinstance(email_before, AsyncNeed) and isinstance(email_after, AsyncNeed)
    diff = np.array(email_after.work[0.0]) - np.array(email_before.work[0.0])
    assert diff[7] == pytest.approx(1.5) and np.count_nonzero(diff) == 1
    assert moved[("voice", "en")] == plain[("voice", "en")]


def test_channel_demand_groups_skip_regions_without_contacts(small_shop: Scenario) -> None:
    """Demand is grouped by region language; a channel's groups are those of regions that send
    it contacts, and the grid sums keep the volume."""
    channel = small_shop.channel("email")
    base = channel_demand(small_shop, channel)
    assert base.groups == ("any",)
    assert base.by_delay[0.0][0].sum() == pytest.approx(700.0, rel=1e-9)


# --------------------------------------------------------------------------------------------
# daily targets


def _daily_scenario(patience: str | None) -> tuple[Scenario, Scenario]:
    channel = {
        "name": "voice",
        "kind": "voice",
        "volume": {"per": "day", "count": 2400.0},
        "hourly_profile": "business",
        "handle_time": {"mean": "5m", "distribution": "exponential", "cv": 1.0},
        "target": {"within": "20s", "share": 0.8},
    }
    if patience is not None:
        channel["patience"] = {"mean": patience}
    interval = build_scenario(_raw([channel], days=2))
    daily = build_scenario(_raw([channel], days=2, targets="daily"))
    return interval, daily


@pytest.mark.parametrize("patience", [None, "3m"])
def test_daily_targets_need_fewer_agent_intervals(patience: str | None) -> None:
    """With ``targets = "daily"`` each day needs fewer agent-intervals than with every interval
    on target, and the day's offered-weighted service level sum(arrivals x SL(n_t)) /
    sum(arrivals), recomputed with ``erlang.service_level``, still meets the 80 % target."""
    interval, daily = _daily_scenario(patience)
    per_interval = requirements(interval).table
    per_day = requirements(daily).table
    assert per_day["agents"].sum() < per_interval["agents"].sum()
    horizon = Horizon.of(daily)
    patience_s = math.inf if patience is None else 180.0
    for day in range(2):
        rows = per_day[horizon.interval_day == day]
        rows = rows[rows["arrivals"] > 0]
        levels = [
            service_level(int(n), a / 1800.0, h, patience_s, 20.0, "offered")
            for n, a, h in zip(rows["agents"], rows["arrivals"], rows["aht_s"], strict=True)
        ]
        weighted = float(np.dot(rows["arrivals"], levels) / rows["arrivals"].sum())
        assert weighted >= 0.8 - 1e-12


def test_daily_chat_targets_small_shop(small_shop: Scenario) -> None:
    """small-shop with daily targets: chat (concurrency 2, slowdown [1, 1.25]) and phone still
    meet each day's offered-weighted target with the chat model's service level."""
    daily = small_shop.model_copy(
        update={"optimizer": small_shop.optimizer.model_copy(update={"targets": "daily"})}
    )
    interval = small_shop.model_copy(
        update={"optimizer": small_shop.optimizer.model_copy(update={"targets": "interval"})}
    )
    table = requirements(daily).table
    baseline = requirements(interval).table
    assert table["agents"].sum() < baseline["agents"].sum()
    horizon = Horizon.of(daily)
    chat = daily.channel("chat")
    for option in bot_options(chat):
        rows = table[(table["channel"] == "chat") & (table["option"] == option)]
        for day in range(len(horizon.dates)):
            part = rows[(horizon.interval_day == day) & (rows["arrivals"] > 0).to_numpy()]
            if part.empty:
                continue
            levels = [
                chat_service_level(int(n), a / 1800.0, h, 120.0, 60.0, "offered", 2, (1.0, 1.25))
                for n, a, h in zip(part["agents"], part["arrivals"], part["aht_s"], strict=True)
            ]
            weighted = float(np.dot(part["arrivals"], levels) / part["arrivals"].sum())
            assert weighted >= 0.85 - 1e-12


def test_daily_allocation_is_optimal_for_erlang_c() -> None:
    """For concave service levels (Erlang C, n > a) the greedy marginal allocation uses the
    fewest agents meeting the weighted target (Fox 1966): checked by brute force."""
    loads = [2.5, 6.0, 11.0, 4.0]  # Erlangs, AHT 300 s, t = 20 s
    weights = np.array([30.0, 70.0, 130.0, 50.0])

    def level(t: int, n: int) -> float:
        return service_level(n, loads[t] / 300.0, 300.0, math.inf, 20.0)

    fewest = np.array([math.floor(a) + 1 for a in loads])
    for share in (0.6, 0.8, 0.9):
        ceiling = np.array([required_agents(a / 300.0, 300.0, 20.0, share) for a in loads])
        found = daily_allocation(weights, level, fewest, ceiling, share)
        goal = share * weights.sum()
        assert (
            sum(w * level(t, int(n)) for t, (w, n) in enumerate(zip(weights, found, strict=True)))
            >= goal
        )
        ranges = [range(f, c + 4) for f, c in zip(fewest, ceiling, strict=True)]
        best = min(
            sum(combo)
            for combo in itertools.product(*ranges)
            if sum(w * level(t, n) for t, (w, n) in enumerate(zip(weights, combo, strict=True)))
            >= goal
        )
        assert int(found.sum()) == best


def test_erlang_c_service_level_is_concave_above_the_load() -> None:
    """The concavity that makes the daily greedy optimal for Erlang C: second differences of
    SL(n) = 1 - C(n, a) exp(-(n - a) t / AHT) are <= 0 for n > a (numerical check)."""
    for erlangs in (0.3, 2.5, 10.0, 48.0, 150.0):
        for within in (0.0, 20.0, 60.0, 300.0):
            first = math.floor(erlangs) + 1
            ns = range(first, first + int(3 * erlangs + 20))
            levels = np.array(
                [service_level(n, erlangs / 180.0, 180.0, math.inf, within) for n in ns]
            )
            assert np.diff(levels, 2).max() <= 1e-12
