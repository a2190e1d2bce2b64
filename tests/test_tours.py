"""People on weekly tours in the optimizer (``optimizer.tours``): the tours a contract allows,
the MILP rows that tie people to shifts, the dive that makes tours integral, and ``optimize``
planning people end to end.

Sources: the days-off covering of Baker (1974) for the shape of the tours; the dive is the
fix-and-resolve rounding of Berthold (2006, ch. 3); rules as ``scenarios.rules`` states them.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pulp
import pytest
import tomli_w
from typer.testing import CliRunner

from optimizer.plan.loop import UnsupportedPlan, optimize, unsupported_plan
from optimizer.plan.rounds import Context
from optimizer.shifts.first_plan import TOUR_GAP
from optimizer.shifts.milp import solve_model
from optimizer.shifts.model import build_model
from optimizer.tours.columns import build_tours
from optimizer.tours.daysoff import patterns
from optimizer.tours.dive import dive
from scenarios.loader import load, parse
from scenarios.rules import breaches
from scenarios.schema import Scenario
from workbench.cli import app

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "scenarios" / "small-shop.toml"
FULL_TIME = {"name": "full-time", "days_per_week": 5, "hours_per_week": {"max": "40h"}}


def _shop(
    contracts: list[dict[str, Any]], max_agents: int | None = None, **scenario: Any
) -> Scenario:
    raw = tomllib.loads(SHOP.read_text())
    raw["contracts"] = contracts
    raw["scenario"].update(scenario)
    if max_agents is not None:
        raw["sites"][0]["max_agents"] = max_agents
    loaded, problems = parse(raw, base=SHOP.parent)
    assert loaded is not None, problems
    return loaded


def test_tours_are_every_start_and_days_off_pattern_the_contract_allows() -> None:
    """small-shop's one template starts hourly 07:00-13:00 (7 starts); 5 days with two
    consecutive days off is 7 patterns: 49 tours a week, each working 5 shifts of its start on
    its pattern's days, costing their sum."""
    scenario = _shop([FULL_TIME])
    ctx = Context.of(scenario, 1, "local", None)
    tours = ctx.tours
    assert len(tours) == 7 * len(patterns(5, "consecutive")) == 49
    cost = {c.name: c.cost for c in ctx.columns}
    for tour in tours:
        assert len(tour.columns) == 5 == sum(tour.pattern)
        assert [d.weekday() for d in tour.dates] == [d for d in range(7) if tour.pattern[d]]
        assert tour.cost == pytest.approx(sum(cost[c] for c in tour.columns))
    two_weeks = Context.of(_shop([FULL_TIME], days=14), 1, "local", None)
    assert len(two_weeks.tours) == 2 * 49


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        ({"days_off": "any"}, 7 * 21),
        ({"days_per_week": 3, "min_rest": "16h", "days_off": "any"}, 7 * 7),
        ({"days_per_week": 4, "hours_per_week": {"min": "30h", "max": "32h"}}, 7 * 7),
    ],
)
def test_contract_rules_filter_the_tours(contract: dict[str, Any], expected: int) -> None:
    """Days off anywhere: C(7, 2) patterns per start; rest too short for consecutive days
    (24 h - 8h30m = 15h30m against 16 h) leaves the 7 patterns of 3 days with no two adjacent
    on the cyclic week; 4 days of 8 h fit 30-32 h."""
    scenario = _shop([{**FULL_TIME, **contract}])
    ctx = Context.of(scenario, 1, "local", None)
    assert len(build_tours(scenario, ctx.columns)) == expected


def test_a_horizon_of_whole_weeks_is_needed() -> None:
    """People work whole weeks: a 10-day horizon is refused before any work (exit 2 in the
    CLI), with what to change."""
    assert unsupported_plan(_shop([FULL_TIME])) is None
    refusal = unsupported_plan(_shop([FULL_TIME], days=10))
    assert refusal is not None and "whole weeks" in refusal
    with pytest.raises(UnsupportedPlan, match="whole weeks"):
        optimize(_shop([FULL_TIME], days=10), max_iterations=1)


def _solved(scenario: Scenario, exact: bool) -> tuple[Any, Any]:
    """The first round's model and solution: by the dive, or (``exact``) by HiGHS to a zero
    gap (the tours' variables as a plain MILP, the dive skipped)."""
    ctx = Context.of(scenario, 1, "local", None)
    problem, _ = ctx.problem(ctx.req.needs({}, fluid=False))
    model = build_model(problem)
    if not exact:
        return model, solve_model(model, "highs", time_limit_s=120, mip_gap=0.0)
    model.prob.solve(pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=300))
    return model, None


def test_the_dive_covers_every_need_with_whole_people_close_to_the_optimum() -> None:
    """small-shop's first round with people on tours and room for them (``max_agents`` 20):
    the dive's plan covers every need with integral people, every shift's agents are the
    people of the tours that work it, and it costs within ``TOUR_GAP`` (8 %) of HiGHS's
    optimum of the same MILP solved to a zero gap."""
    scenario = _shop([FULL_TIME], max_agents=20)
    model, solution = _solved(scenario, exact=False)
    assert not solution.shortfalls
    assert all(float(v).is_integer() for v in solution.tours.values())
    agents: dict[str, int] = {}
    for tour in model.problem.tours:
        for column in tour.columns:
            agents[column] = agents.get(column, 0) + solution.tours.get(tour.name, 0)
    assert {k: v for k, v in agents.items() if v} == solution.agents
    exact_model, _ = _solved(scenario, exact=True)
    assert exact_model.prob.status == pulp.LpStatusOptimal
    optimum = pulp.value(exact_model.prob.objective)
    assert optimum - 1e-6 <= solution.objective <= (1 + TOUR_GAP) * optimum


def test_where_max_agents_binds_highs_searches_from_the_dive() -> None:
    """small-shop with at most eight agents on duty (``max_agents = 8`` binds): the dive's
    plan falls short, so HiGHS searches from it; the plan keeps whole people on tours and the
    shortfall is proven (status "infeasible": the LP relaxation falls short too)."""
    _, solution = _solved(_shop([FULL_TIME], max_agents=8), exact=False)
    assert solution.status == "infeasible" and solution.shortfalls
    assert solution.tours and all(float(v).is_integer() for v in solution.tours.values())


def test_people_limits_and_weekends_off_bind_the_model() -> None:
    """``people.max`` caps the people of a contract at a site; ``weekends_off = { every = 2 }``
    makes at least half of them take the weekend off in each week."""
    limited = _shop([{**FULL_TIME, "people": {"max": 6}, "weekends_off": {"every": 2}}])
    _, solution = _solved(limited, exact=False)
    people = sum(solution.tours.values())
    assert people <= 6
    weekend_off = sum(n for name, n in solution.tours.items() if name.split("|")[5][5:] == "00")
    assert 2 * weekend_off >= people


def test_four_weeks_with_a_weekend_off_every_three_give_each_person_two() -> None:
    """Over 4 weeks (cyclic, as the rotation and ``scenarios.rules`` judge them) with
    ``weekends_off = { every = 3 }`` each person needs 2 weekends off: one in 3 a week (the
    weekly rows alone) gives 4/3 per person, and the 28-day global-retail plan left 10 people
    at Bogota without a whole weekend off in 3 weeks. The horizon's row asks for 2 per person,
    and the rotation of the solved tours then breaks no rule."""
    from optimizer.tours.people import plan_people

    scenario = _shop(
        [{**FULL_TIME, "weekends_off": {"every": 3}, "min_rest": "11h"}], max_agents=20, days=28
    )
    model, solution = _solved(scenario, exact=False)
    by_week = [0.0, 0.0, 0.0, 0.0]
    off = 0.0
    for tour in model.problem.tours:
        count = solution.tours.get(tour.name, 0)
        by_week[tour.week] += count
        off += count * tour.weekend_off
    people = by_week[0]
    assert people > 0 and off >= 2 * people
    assert "weekends_off_full_time_tallinn" in model.prob.constraints
    ctx = Context.of(scenario, 1, "local", None)
    found = plan_people(scenario, ctx.tours, solution.tours)
    broken = breaches(scenario, found.rows, cyclic=True)
    assert [b for b in broken if b.rule == "weekends_off"] == []


def test_a_tour_has_the_weekend_off_as_the_rotation_and_the_rules_judge_it() -> None:
    """``Tour.weekend_off`` (the MILP's rows) agrees with the rotation's slot flag (working any
    time from Saturday 00:00 to Monday 00:00, timed as ``scenarios.rules`` times shifts) on
    every tour of global-retail's contracts; a Friday shift running past midnight works the
    weekend, which the days-off pattern alone missed."""
    import datetime as dt

    from optimizer.tours.rotation import slot

    scenario = load(ROOT / "scenarios" / "global-retail.toml")
    tours = Context.of(scenario, 1, "local", None).tours
    origin = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert all(t.weekend_off == (not slot(scenario, t, origin).weekend) for t in tours)
    friday_nights = [t for t in tours if t.pattern[4] and not t.pattern[5] and not t.pattern[6]]
    assert any(t.overnight and not t.weekend_off for t in friday_nights)
    assert any(not t.overnight and t.weekend_off for t in friday_nights)


def test_weeks_keep_the_same_people() -> None:
    """Over two weeks, the people of the contract are as many in each week."""
    model, solution = _solved(_shop([FULL_TIME], max_agents=20, days=14), exact=False)
    by_week = [0, 0]
    for tour in model.problem.tours:
        by_week[tour.week] += solution.tours.get(tour.name, 0)
    assert by_week[0] == by_week[1] > 0


def test_optimize_plans_people_who_keep_their_contract(tmp_path: Path) -> None:
    """``workbench optimize`` on small-shop with a full-time contract (two weeks): the CLI
    shows the head count first; ``schedule.csv`` and ``people.csv`` are written;
    ``optimized.toml`` names the schedule and, simulated again, gives the verified results byte
    for byte; no person breaks a rule of the contract (cyclic horizon)."""
    raw = tomllib.loads(SHOP.read_text())
    raw["contracts"] = [{**FULL_TIME, "people": {"existing": 8}, "weekends_off": {"every": 2}}]
    raw["scenario"]["days"] = 14
    raw["run"]["replications"] = 4
    raw["optimizer"] = {"max_iterations": 2, "verify": {"replications": 4, "max_replications": 4}}
    path = tmp_path / "shop.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["optimize", str(path), "--out", str(out)])
    assert result.exit_code in (0, 3), result.output
    assert result.output.index("people by site and contract") < result.output.index("SL 95% CI")
    assert (out / "schedule.csv").is_file() and (out / "people.csv").is_file()
    optimized = load(out / "optimized.toml")
    assert optimized.schedule_file == "schedule.csv" and not any(
        "[[roster]]" in line for line in (out / "optimized.toml").read_text().splitlines()
    )
    assert breaches(optimized, cyclic=True) == []
    again = tmp_path / "again"
    rerun = CliRunner().invoke(app, ["simulate", str(out / "optimized.toml"), "--out", str(again)])
    assert rerun.exit_code == 0, rerun.output
    assert (again / "summary.json").read_bytes() == (out / "summary.json").read_bytes()
    people = (out / "people.csv").read_text().splitlines()
    assert people[0].startswith("site,contract,people,existing,hires,releases,fte")
    head = json.loads((out / "plan.json").read_text())["people"]
    assert head[-1]["site"] == "all" and head[-1]["existing"] == 8
    assert head[-1]["people"] == len({r.person for r in optimized.schedule_rows})
    hires, releases = head[-1]["hires"], head[-1]["releases"]
    assert hires - releases == head[-1]["people"] - 8 and min(hires, releases) == 0


@pytest.mark.parametrize("name", ["people", "people-28-days"])
def test_the_benchmarks_people_variants_plan_people(tmp_path: Path, name: str) -> None:
    """The scale benchmark's contracts for global-retail validate and give tours to plan."""
    from benchmarks.optimize_scale import variant

    scenario = load(variant(name, tmp_path))
    assert scenario.effective_plan() == "people" and unsupported_plan(scenario) is None


def test_contracts_that_allow_no_tour_are_refused_before_any_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should the contracts allow no tour at all (validation names every case it knows of, so
    this is forced here), ``optimize`` raises ``UnsupportedPlan`` naming what to check once
    the rounds' context has built the tours, before any solve."""
    monkeypatch.setattr("optimizer.plan.rounds.build_tours", lambda *_: ())
    with pytest.raises(UnsupportedPlan, match="allow no weekly tour"):
        optimize(_shop([FULL_TIME]), max_iterations=1)


def test_the_library_small_shop_employs_at_most_its_eight_and_plan_shifts_ignores_them(
    tmp_path: Path,
) -> None:
    """The library's small-shop caps its full-time contract at eight people
    (``people = { max = 8, existing = 8 }``): the people plan employs at most eight, whatever
    the targets ask. ``--plan shifts`` plans agent-shifts on the same file: a roster, no
    schedule or people files."""
    raw = tomllib.loads(SHOP.read_text())
    raw["run"]["replications"] = 3
    raw["optimizer"].update(max_iterations=1, verify={"replications": 3, "max_replications": 3})
    path = tmp_path / "shop.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    people, shifts = tmp_path / "people", tmp_path / "shifts"
    result = CliRunner().invoke(app, ["optimize", str(path), "--out", str(people)])
    assert result.exit_code in (0, 3), result.output
    total = json.loads((people / "plan.json").read_text())["people"][-1]
    assert total["site"] == "all" and 0 < total["people"] <= 8 and total["existing"] == 8
    result = CliRunner().invoke(
        app, ["optimize", str(path), "--out", str(shifts), "--plan", "shifts"]
    )
    assert result.exit_code in (0, 3), result.output
    assert not (shifts / "schedule.csv").exists() and not (shifts / "people.csv").exists()
    assert "[[roster]]" in (shifts / "optimized.toml").read_text()


def test_a_dive_out_of_time_over_several_weeks_still_ends_with_whole_people() -> None:
    """With no time at all (every fractional tour rounded up at once) over three weeks, the
    dive still ends with integral tours, as many people in every week of each contract and
    site (the ``people_week`` rows), and a finite bound: tours are rounded up by their lower
    bound, so the LP can add people to a week rounded up less than another. Fixing every tour
    at its rounded value made the last LP of a four-week dive infeasible (2026-12-07)."""
    ctx = Context.of(_shop([FULL_TIME], max_agents=20, days=21), 1, "local", None)
    problem, _ = ctx.problem(ctx.req.needs({}, fluid=False))
    model = build_model(problem)
    bound = dive(model, 0.0, solve_limit_s=60.0)
    assert bound is not None and bound > 0
    by_week = [0.0, 0.0, 0.0]
    for tour in problem.tours:
        value = model.tour[tour.name].varValue
        assert float(value).is_integer()
        by_week[tour.week] += value
    assert by_week[0] == by_week[1] == by_week[2] > 0
