"""The notebook API: modifiers return new, validated scenarios; tables are documented frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scenarios.problems import ScenarioError
from scenarios.schema import PeopleLimit, Scenario
from simulation.arrivals import generate
from simulation.model import build
from workbench import api

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def shop() -> Scenario:
    return api.load(ROOT / "scenarios" / "small-shop.toml")


@pytest.fixture(scope="module")
def sun() -> Scenario:
    """follow-the-sun: email from a forecast CSV (with per-row handle times), roster from CSV."""
    return api.load(ROOT / "scenarios" / "follow-the-sun.toml")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_document_round_trip_gives_the_same_scenario(path: Path) -> None:
    """A scenario written back to its TOML form validates to an equal scenario."""
    scenario = api.load(path)
    document = api.document(scenario)
    assert isinstance(document["channels"], list)
    assert Scenario.model_validate(document).model_copy(
        update={"forecasts": scenario.forecasts, "roster_file": scenario.roster_file}
    ) == (scenario)


def test_document_writes_durations_and_times_as_the_file_does(shop: Scenario) -> None:
    document = api.document(shop)
    phone = document["channels"][0]
    assert phone["handle_time"]["mean"] == "5m"
    assert phone["target"]["within"] == "30s"
    assert document["roster"][1]["start"] == "12:00"
    assert document["sites"][0]["night"]["from"] == "22:00"
    assert document["shifts"][0]["length"] == "8h30m"
    assert document["run"]["warmup"] == "24h"


def test_scale_volume(shop: Scenario) -> None:
    busier = api.scale_volume(shop, 1.1)
    assert [c.volume.count for c in busier.channels if c.volume] == pytest.approx(
        [990.0, 1540.0, 770.0]
    )
    assert shop.channel("phone").volume is not None
    assert shop.channel("phone").volume.count == 900  # the input is untouched
    only_chat = api.scale_volume(shop, 2, channels="chat")
    assert only_chat.channel("chat").volume.count == 2800  # type: ignore[union-attr]
    assert only_chat.channel("phone") == shop.channel("phone")
    more = generate(build(busier), seed=1, replication=0)
    less = generate(build(shop), seed=1, replication=0)
    assert len(more.t_queue_s) > len(less.t_queue_s) * 1.05


def test_scale_volume_scales_forecast_rows(sun: Scenario) -> None:
    busier = api.scale_volume(sun, 1.5, channels=["email"])
    before, after = sun.forecasts["email"], busier.forecasts["email"]
    assert after.volume == pytest.approx([1.5 * v for v in before.volume])
    assert after.aht_s == before.aht_s
    assert busier.channel("email").forecast == sun.channel("email").forecast


def test_scale_handle_time(shop: Scenario, sun: Scenario) -> None:
    slower = api.scale_handle_time(shop, 1.1)
    assert slower.channel("phone").handle_time.mean == pytest.approx(330.0)
    assert slower.channel("chat").handle_time.mean == pytest.approx(528.0)
    assert slower.channel("chat").handle_time.cv == shop.channel("chat").handle_time.cv
    forecast = api.scale_handle_time(sun, 2.0, channels="email").forecasts["email"]
    original = sun.forecasts["email"].aht_s
    assert any(a is not None for a in original)
    assert forecast.aht_s == tuple(None if a is None else 2 * a for a in original)
    with pytest.raises(ValueError, match="handle time factor must be a finite number > 0"):
        api.scale_handle_time(shop, 0)


def test_set_bot(shop: Scenario) -> None:
    bot = api.set_bot(shop, "chat", 0.3)
    assert bot.channel("chat").bot is not None
    assert bot.channel("chat").bot.containment == 0.3
    assert bot.channel("chat").bot.options == shop.channel("chat").bot.options  # type: ignore[union-attr]
    fixed = api.set_bot(shop, "chat", 0.45, options=[0.45])
    assert fixed.channel("chat").bot.options == (0.45,)  # type: ignore[union-attr]
    with pytest.raises(ScenarioError) as error:
        api.set_bot(shop, "chat", 1.5)
    assert str(error.value) == (
        "small-shop (bot of chat at 1.5): channels.chat.bot.containment: "
        "should be less than or equal to 1 (got 1.5)"
    )
    with pytest.raises(ValueError, match="channel 'phone' of small-shop has no bot"):
        api.set_bot(shop, "phone", 0.2)
    with pytest.raises(ValueError, match=r"no channel 'chatt' \(channels: phone, chat, email\)"):
        api.set_bot(shop, "chatt", 0.2)


def test_add_agents_by_index_and_by_match(shop: Scenario) -> None:
    by_index = api.add_agents(shop, 0)
    assert [r.agents for r in by_index.roster] == [5, 3]
    by_match = api.add_agents(shop, ("tallinn", "day", "12:00"), n=2)
    assert [r.agents for r in by_match.roster] == [4, 5]
    by_mapping = api.add_agents(shop, {"start": "08:00"})
    assert by_mapping == by_index
    assert api.add_agents(shop, -1) == api.add_agents(shop, 1, n=1)
    with pytest.raises(ValueError, match="matches no roster rows"):
        api.add_agents(shop, ("tallinn", "day", "09:00"))
    with pytest.raises(ValueError, match="matches 2"):
        api.add_agents(shop, {"site": "tallinn"})
    with pytest.raises(ValueError, match="has 2 roster rows"):
        api.add_agents(shop, 5)
    with pytest.raises(ScenarioError, match=r"roster\[0\]\.agents: should be greater than"):
        api.add_agents(shop, 0, n=-5)


def test_add_agents_to_a_roster_from_csv(sun: Scenario) -> None:
    assert sun.roster_file is not None
    more = api.add_agents(sun, 0)
    assert more.roster_file is None  # the roster now differs from the CSV
    assert more.roster[0].agents == sun.roster[0].agents + 1
    assert more.roster[1:] == sun.roster[1:]


def test_set_absenteeism(shop: Scenario, sun: Scenario) -> None:
    doubled = api.set_absenteeism(shop, factor=2)
    assert doubled.site("tallinn").absenteeism == pytest.approx(0.08)
    assert api.set_absenteeism(shop, 0.1).site("tallinn").absenteeism == 0.1
    one = api.set_absenteeism(sun, 0.2, sites="madrid")
    assert [s.absenteeism for s in one.sites] == [
        0.2 if s.name == "madrid" else s.absenteeism for s in sun.sites
    ]
    with pytest.raises(ScenarioError, match=r"sites\.tallinn\.absenteeism: should be less"):
        api.set_absenteeism(shop, factor=30)
    with pytest.raises(ValueError, match="exactly one of value and factor"):
        api.set_absenteeism(shop, 0.1, factor=2)
    with pytest.raises(ValueError, match="has no site 'riga'"):
        api.set_absenteeism(shop, 0.1, sites=["riga"])


def test_load_reports_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n")
    with pytest.raises(ScenarioError, match="scenario: is required but missing"):
        api.load(bad)


def test_simulate_and_tables(shop: Scenario) -> None:
    results = api.simulate(shop, replications=2, seed=4)
    assert results.summary["seed"] == 4 and results.summary["replications"] == 2
    kpis = api.kpis(results)
    assert list(kpis.columns) == [
        "channel",
        "offered",
        "service_level",
        "service_level_ci_low",
        "service_level_ci_high",
        "target_share",
        "target_within_s",
        "met",
        "asa_s",
        "abandon_rate",
        "occupancy",
    ]
    assert list(kpis.channel) == ["phone", "chat", "email"]
    assert kpis.set_index("channel").loc["phone", "target_within_s"] == 30.0
    costs = api.costs(results).set_index("component")
    assert list(costs.index) == ["labor: tallinn", "labor", "bot", "total"]
    assert costs.loc["total", "cost"] == pytest.approx(
        costs.loc["labor", "cost"] + costs.loc["bot", "cost"]
    )
    assert costs.loc["labor", "cost"] == pytest.approx(
        results.sites.groupby("replication")["labor_cost"].sum().mean()
    )
    roster = api.roster(shop)
    assert roster.to_dict("records")[0] == {
        "site": "tallinn",
        "shift": "day",
        "start": "08:00",
        "days": "mon tue wed thu fri",
        "agents": 4,
        "paid_hours": 8.0,
    }


def test_one_more_agent_raises_service_level(shop: Scenario) -> None:
    base = api.kpis(api.simulate(shop, replications=3)).set_index("channel")
    more = api.kpis(api.simulate(api.add_agents(shop, 0), replications=3)).set_index("channel")
    assert (more["service_level"] > base["service_level"]).all()


def test_optimize_with_few_iterations(shop: Scenario) -> None:
    plan = api.optimize(shop, max_iterations=1)
    assert len(plan.iterations) == 1
    table = api.iterations(plan)
    assert list(table.iteration) == [-1, 0]
    assert table.loc[0, "status"] == "hand roster" and pd.isna(table.loc[0, "objective"])
    assert table.loc[1, "cost"] == pytest.approx(plan.iterations[0].cost)
    assert api.roster(plan.scenario)["agents"].sum() == sum(r.agents for r in plan.roster)
    # small-shop plans people (its full-time contract, at most eight)
    head = api.people(plan)
    assert list(head["site"]) == ["tallinn", "all"] and 0 < head["people"].iloc[-1] <= 8
    schedule = api.schedule(plan)
    assert len(schedule) == len(plan.scenario.schedule_rows) > 0
    assert schedule["person"].nunique() == head["people"].iloc[-1]
    # the verdicts side by side: the head count's total, the bot level, cost and verdict
    side = api.plans({"eight": plan})
    assert list(side.index) == ["eight"]
    assert side.loc["eight", "people"] == head["people"].iloc[-1]
    assert side.loc["eight", "hires"] == head["hires"].iloc[-1]
    assert side.loc["eight", "chat_bot_share"] == plan.bot_levels["chat"]
    assert side.loc["eight", "cost"] == pytest.approx(plan.cost)
    assert side.loc["eight", "meets_targets"] == plan.meets_targets
    assert side.loc["eight", "capacity_bound"] == plan.capacity_bound


def test_set_people_lifts_or_sets_a_contracts_cap(shop: Scenario) -> None:
    """``set_people`` replaces the contract's ``people`` limits (existing kept unless given);
    a bad value is a ``ScenarioError`` naming the key, an unknown contract a ``ValueError``."""
    assert shop.contract("full-time").people_at("tallinn").max == 8
    lifted = api.set_people(shop, "full-time", None)
    limits = lifted.contract("full-time").people_at("tallinn")
    assert limits.max is None and limits.existing == 8
    assert api.set_people(shop, "full-time", 12, existing=3).contract("full-time").people_at(
        "tallinn"
    ) == PeopleLimit(max=12, existing=3)
    with pytest.raises(ScenarioError, match=r"contracts\.full-time\.people\.max"):
        api.set_people(shop, "full-time", -1)
    with pytest.raises(ValueError, match="has no contract 'nights'"):
        api.set_people(shop, "nights", 3)


def test_compare_labels_a_list_by_scenario_name(shop: Scenario) -> None:
    result = api.compare([shop, api.add_agents(shop, 0), shop], replications=2)
    assert result.options == ["small-shop", "small-shop-2", "small-shop-3"]
    assert result.baseline == "small-shop"
    assert set(result.differences.option) == {"small-shop-2", "small-shop-3"}
