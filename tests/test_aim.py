"""Aimed two-way corrections of real-time requirements (``optimizer.plan.aim``).

The model inversion is checked against the Erlang C values of Call Centre Helper's worked
example (REFERENCES.md: 100 calls per 30 min, AHT 180 s, 80 % in 20 s: SL(12) = 0.6402,
SL(13) = 0.7956, SL(14) = 0.8884); the moves on a synthetic service-level table built on the
requirements of ``global-retail``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer.plan.aim import FLOOR_STEP, Aim, aim, interpolated_agents
from optimizer.queueing.erlang import erlang_c_service_level
from optimizer.requirements import RealTimeModel, requirements
from scenarios.loader import load


def _erlang(n: int) -> float:
    return erlang_c_service_level(n, 10.0, 180.0, 20.0) if n > 10 else 0.0


def test_inversion_returns_the_integer_staffing_at_its_own_service_level() -> None:
    """At SL(13) exactly the inverse is 13; at SL(14) it is 14 (Erlang C, A = 10)."""
    assert interpolated_agents(_erlang, _erlang(13), 5) == pytest.approx(13.0)
    assert interpolated_agents(_erlang, _erlang(14), 30) == pytest.approx(14.0)


def test_inversion_interpolates_between_staffing_levels() -> None:
    """Half-way between SL(12) = 0.6402 and SL(13) = 0.7956 reads as 12.5 agents; the 80 %
    target reads as a little over 13 (13 agents give 0.7956)."""
    middle = (_erlang(12) + _erlang(13)) / 2
    assert interpolated_agents(_erlang, middle, 1) == pytest.approx(12.5)
    needed = interpolated_agents(_erlang, 0.80, 1)
    assert 13.0 < needed < 13.1


@pytest.fixture(scope="module")
def retail():  # type: ignore[no-untyped-def]
    scenario = load("scenarios/global-retail.toml")
    return scenario, requirements(scenario)


def _cells(req, channel: str, interval: int, levels: dict[str, float]):  # type: ignore[no-untyped-def]
    table = req.table
    option = levels.get(channel, 0.0)
    rows = table[
        (table["channel"] == channel)
        & (table["interval"] == interval)
        & (table["option"] == option)
    ]
    return {str(g): float(a) for g, a in zip(rows["group"], rows["agents"], strict=True)}


def _groups(channel: str, interval: int, levels: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": channel,
            "group": list(levels),
            "cell": interval,
            "n": 10,
            "mean": list(levels.values()),
            "sd": 0.05,
            "target": 0.8,
            "denominator": 40.0,
        }
    )


def _busy_interval(req, channel: str) -> int:  # type: ignore[no-untyped-def]
    table = req.table
    rows = table[(table["channel"] == channel) & (table["group"] == "pt") & (table["option"] == 0)]
    return int(rows.sort_values("agents")["interval"].iloc[-1])


def test_the_raise_goes_only_to_the_short_group(retail) -> None:  # type: ignore[no-untyped-def]
    """Voice 'pt' at 60 % against 80 %, voice 'en' on target: only (voice, pt) is raised,
    by the model's own distance from 60 % to 80 % (more than one agent), not 'en'."""
    scenario, req = retail
    t = _busy_interval(req, "voice")
    base = _cells(req, "voice", t, {})
    allocation = {("bogota", "voice", g, t): a for g, a in base.items()}
    state = Aim()
    aim(state, scenario, req, _groups("voice", t, {"en": 0.80, "pt": 0.60}), allocation, {})
    assert set(state.adjust) == {("voice", "pt", t)}
    assert state.adjust["voice", "pt", t] > 1.0


def test_a_group_far_above_target_is_lowered_by_at_most_half_its_excess(retail) -> None:  # type: ignore[no-untyped-def]
    """Voice 'en' at 99 % with its analytic staffing plus 6 agents: lowered by half of what the
    model says is spare (agents for 99 % less agents for the 80 % target)."""
    scenario, req = retail
    t = _busy_interval(req, "voice")
    base = _cells(req, "voice", t, {})
    allocation = {("riga", "voice", "en", t): base["en"] + 6}
    state = Aim()
    aim(state, scenario, req, _groups("voice", t, {"en": 0.99}), allocation, {})
    table = req.table
    row = table[
        (table["channel"] == "voice")
        & (table["group"] == "en")
        & (table["interval"] == t)
        & (table["option"] == 0)
    ].iloc[0]
    model = RealTimeModel.of(scenario.channel("voice"))
    rate = row["arrivals"] / req.interval_s

    def level(n: int) -> float:
        return model.service_level(n, rate, row["aht_s"]) if n > 0 else 0.0

    spare = interpolated_agents(level, 0.99, 1) - interpolated_agents(level, 0.80, 1)
    requirement = base["en"] + state.adjust["voice", "en", t]
    assert spare > 0
    assert requirement == pytest.approx(base["en"] + 6 - 0.5 * spare)


def test_a_cell_once_short_is_never_lowered_back_below_that_level(retail) -> None:  # type: ignore[no-untyped-def]
    """Short at 20 agents, then far above target at 24: lowered to no less than 20 + FLOOR_STEP."""
    scenario, req = retail
    t = _busy_interval(req, "voice")
    state = Aim()
    aim(
        state,
        scenario,
        req,
        _groups("voice", t, {"en": 0.5}),
        {("riga", "voice", "en", t): 20.0},
        {},
    )
    assert state.floors["voice", "en", t] == 20.0
    aim(
        state,
        scenario,
        req,
        _groups("voice", t, {"en": 0.999}),
        {("riga", "voice", "en", t): 24.0},
        {},
    )
    base = _cells(req, "voice", t, {})["en"]
    assert base + state.adjust["voice", "en", t] >= 20.0 + FLOOR_STEP - 1e-9


def test_cells_consistent_with_target_do_not_move(retail) -> None:  # type: ignore[no-untyped-def]
    """A group at 79 % with a standard error of 1.6 points (sd 0.05, 10 replications) is
    within one standard error of 80 %: no move."""
    scenario, req = retail
    t = _busy_interval(req, "voice")
    state = Aim()
    aim(state, scenario, req, _groups("voice", t, {"en": 0.79}), {}, {})
    assert state.adjust == {}


def test_a_group_is_not_lowered_while_a_neighbour_at_its_sites_is_short(retail) -> None:  # type: ignore[no-untyped-def]
    """Chat 'en' at 99.9 % and voice 'en' at 50 % in the same interval: both are served by
    riga and bogota, so the chat capacity is what the callers lack; voice is raised, chat
    keeps its requirement. Without the short voice group the same chat cell is lowered."""
    scenario, req = retail
    t = _busy_interval(req, "voice")
    cells = pd.concat(
        [_groups("voice", t, {"en": 0.5}), _groups("chat", t, {"en": 0.999})], ignore_index=True
    )
    state = Aim()
    aim(state, scenario, req, cells, {}, {})
    assert ("voice", "en", t) in state.adjust
    assert ("chat", "en", t) not in state.adjust
    alone = Aim()
    aim(alone, scenario, req, _groups("chat", t, {"en": 0.999}), {}, {})
    assert alone.adjust["chat", "en", t] < 0
