"""The blending requirement of the optimizer (``optimizer.blending``): the cells it judges, its
calibration against the simulation, the cutting-plane loop and the capacity floors it hands the
MILP (``optimizer.shifts.model.add_floors``, ``optimizer.shifts.lp``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optimizer.blending.calibration import (
    DEVIATION_MAX,
    GOAL_MAX,
    MARGIN,
    MIN_CELLS,
    SLOPE_RANGE,
    Calibration,
    Fit,
    fit_queue,
    predict,
)
from optimizer.blending.cells import BlendCells, site_agents
from optimizer.blending.cuts import LEVEL_TOLERANCE, plan_capacity
from optimizer.queueing.pooled import pooled_service_level
from optimizer.requirements import requirements
from optimizer.shifts import lp
from optimizer.shifts.columns import candidate_columns
from optimizer.shifts.lp import LpSession, Row
from optimizer.shifts.milp import solve_model
from optimizer.shifts.model import build_model
from optimizer.shifts.problem import CapacityFloor, ShiftProblem
from optimizer.shifts.solvers import lp_relaxation
from scenarios.loader import parse
from scenarios.schema import Scenario
from scenarios.timeline import Horizon


def blended_day(max_agents: int | None = None) -> Scenario:
    """One day, hourly: voice answered only at ``front`` (also chat and email), chat and email
    also at the cheaper ``back``; a chat bot the optimizer may switch on."""
    hours = [0.2] * 7 + [1.0] * 12 + [0.2] * 5
    front: dict[str, Any] = {
        "name": "front",
        "timezone": "UTC",
        "skills": ["voice", "chat", "email"],
        "hourly_cost": 20.0,
    }
    back: dict[str, Any] = {
        "name": "back",
        "timezone": "UTC",
        "skills": ["chat", "email"],
        "hourly_cost": 12.0,
    }
    if max_agents is not None:
        front["max_agents"] = back["max_agents"] = max_agents
    raw: dict[str, Any] = {
        "format": 1,
        "scenario": {"name": "blend", "start": dt.date(2026, 1, 5), "days": 1, "interval": "60m"},
        "run": {"replications": 4, "seed": 3, "warmup": "6h"},
        "regions": [{"name": "here", "timezone": "UTC", "share": 1.0}],
        "channels": [
            {
                "name": "voice",
                "kind": "voice",
                "volume": {"per": "day", "count": 600},
                "hourly_profile": hours,
                "handle_time": {"mean": "5m", "distribution": "exponential"},
                "target": {"within": "20s", "share": 0.8},
            },
            {
                "name": "chat",
                "kind": "chat",
                "volume": {"per": "day", "count": 500},
                "hourly_profile": hours,
                "handle_time": {"mean": "8m", "distribution": "exponential"},
                "target": {"within": "60s", "share": 0.9},
                "bot": {
                    "containment": 0.0,
                    "options": [0.0, 0.4],
                    "time": "1m",
                    "cost_per_session": 0.05,
                },
            },
            {
                "name": "email",
                "kind": "email",
                "volume": {"per": "day", "count": 200},
                "handle_time": {"mean": "6m", "distribution": "exponential"},
                "target": {"within": "8h", "share": 0.9},
            },
        ],
        "sites": [front, back],
        "shifts": [
            {
                "name": "four",
                "starts": {"from": "00:00", "to": "20:00", "every": "1h"},
                "length": "4h",
            }
        ],
        "routing": {"priority": ["voice", "chat", "email"]},
    }
    scenario, problems = parse(raw)
    assert scenario is not None, problems
    return scenario


def _problem(scenario: Scenario) -> tuple[ShiftProblem, BlendCells]:
    horizon = Horizon.of(scenario)
    req = requirements(scenario, horizon)
    problem = ShiftProblem(
        n_intervals=horizon.n_intervals,
        interval_s=float(horizon.interval_s),
        columns=candidate_columns(scenario, horizon),
        needs=req.needs(),
        bots=req.bot_choices(),
        max_agents={s.name: s.max_agents for s in scenario.sites if s.max_agents is not None},
    )
    return problem, BlendCells.of(scenario, req)


def test_cells_queues_pools_and_what_is_ahead() -> None:
    """Voice at front only, chat at both: one pool of both sites; chat's rate ahead counts
    voice (higher priority, shares front), voice's does not count chat; the pool's load is
    every channel's work [Erlang] (email included)."""
    scenario = blended_day()
    _, cells = _problem(scenario)
    queues = {(q.channel, q.group): q for q in cells.queues}
    assert set(queues) == {("voice", "any"), ("chat", "any")}
    assert queues["voice", "any"].sites == (0,) and queues["chat", "any"].sites == (0, 1)
    assert queues["voice", "any"].pool == queues["chat", "any"].pool == (0, 1)
    arrays = cells.arrays({"chat": 0.0})
    table = cells.requirements.table
    at = table[table["option"] == 0.0]
    work = (at["arrivals"] * at["aht_s"].fillna(0.0)).groupby(at["interval"]).sum() / 3600.0
    for k in range(len(cells.queues)):
        assert arrays.pool_load[k] == pytest.approx(work.to_numpy())
    voice = next(k for k, q in enumerate(cells.queues) if q.channel == "voice")
    chat = 1 - voice
    # only front answers voice: its sites carry voice's work alone; chat's sites are the pool
    voice_work = arrays.arrivals[voice] * arrays.aht_s[voice] / 3600.0
    assert arrays.site_load[voice] == pytest.approx(voice_work)
    assert arrays.site_load[chat] == pytest.approx(arrays.pool_load[chat])
    assert arrays.rate_ahead[voice] == pytest.approx(arrays.arrivals[voice] / 3600.0)
    both = (arrays.arrivals[voice] + arrays.arrivals[chat]) / 3600.0
    assert arrays.rate_ahead[chat] == pytest.approx(both)
    # the bot at 0.4 takes chats away from the pool
    assert cells.arrays({"chat": 0.4}).pool_load.sum() < arrays.pool_load.sum()


def _observations(a: float, b: float, c: float, n: int, seed: int, queue: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    model = rng.uniform(0.4, 0.99, n)
    change = rng.normal(0.0, 3.0, n)
    own = rng.normal(0.0, 0.02, n)
    se = rng.uniform(0.01, 0.06, n)
    simulated = a + b * model + c * change + own + rng.normal(0.0, 1.0, n) * se
    return pd.DataFrame(
        {
            "round": 0,
            "queue": queue,
            "interval": np.arange(n),
            "model": model,
            "simulated": simulated,
            "se": se,
            "load_change": change,
        }
    )


def test_calibration_recovers_a_known_line_and_the_model_error() -> None:
    """Simulated = 0.3 + 0.7 model + 0.005 dL + own deviation (sd 0.02) + noise of known
    standard error: least squares recovers the line, and the residual variance less the mean
    squared standard error recovers the deviation's variance (0.0004)."""
    fit = fit_queue(_observations(0.3, 0.7, 0.005, 4000, seed=1))
    assert fit.intercept == pytest.approx(0.3, abs=0.02)
    assert fit.slope == pytest.approx(0.7, abs=0.02)
    assert fit.load_change == pytest.approx(0.005, abs=0.0005)
    assert fit.tau2 == pytest.approx(0.0004, rel=0.25)


def test_a_flat_queue_gets_a_slope_within_its_limits() -> None:
    """Cells all at 99.9 % whatever the model says (chat on global-retail): the slope is held
    at its lower limit instead of 0, which would make every goal infinite."""
    frame = _observations(0.999, 0.0, 0.0, 200, seed=2)
    frame["simulated"] = 0.999
    assert fit_queue(frame).slope == SLOPE_RANGE[0]


def test_goals_use_the_model_as_it_is_until_a_queue_has_enough_cells() -> None:
    """Before ``MIN_CELLS`` observations the goal is target + margin in model terms."""
    scenario = blended_day()
    _, cells = _problem(scenario)
    arrays = cells.arrays({})
    goals = Calibration().goals(cells, arrays)
    for k, queue in enumerate(cells.queues):
        busy = arrays.arrivals[k] > 0
        assert goals[k][busy] == pytest.approx(queue.target + MARGIN)
        assert (goals[k][~busy] == 0).all()


def test_a_short_cell_raises_only_its_own_group_there() -> None:
    """Issue 10 point 7: the correction goes only to the group that is short. A cell of one
    queue simulated below its fitted level gets a higher goal (by the shrunk deviation over
    the slope); every other cell of that queue, and every cell of the other queue, keeps the
    goal of the fit."""
    scenario = blended_day()
    _, cells = _problem(scenario)
    arrays = cells.arrays({})
    calibration = Calibration()
    n = cells.n_intervals
    for k in range(len(cells.queues)):
        calibration.fits[k] = Fit(0.1, 0.9, 0.0, 0.0004, 100)
        calibration.deviation[k] = np.zeros(n)
    before = calibration.goals(cells, arrays)
    short = 0
    calibration.deviation[short][12] = -0.05  # simulated 5 points below its fitted level
    after = calibration.goals(cells, arrays)
    assert after[short][12] == pytest.approx(before[short][12] + 0.05 / 0.9)
    changed = np.argwhere(~np.isclose(after, before))
    assert changed.tolist() == [[short, 12]]
    assert (after <= GOAL_MAX).all()


def test_observing_a_round_fits_each_queue_and_shrinks_noisy_cells() -> None:
    """``Calibration.observe`` reads the simulation's group cells: with enough cells a queue
    is fitted, and a cell's residual is shrunk by tau2 / (tau2 + se^2): a cell whose
    replications agree (se 0) keeps all of it (up to ``DEVIATION_MAX``), a noisy one less."""
    scenario = blended_day()
    _, cells = _problem(scenario)
    arrays = cells.arrays({})
    site = np.full(arrays.arrivals.shape, 30.0)
    pool = np.full(arrays.arrivals.shape, 40.0)
    rows = []
    for queue in cells.queues:
        for t in range(cells.n_intervals):
            low = t in (5, 6)
            rows.append(
                {
                    "channel": queue.channel,
                    "group": queue.group,
                    "cell": t,
                    "n": 10,
                    "mean": 0.84 if low else 0.88 + 0.01 * (t % 3),
                    "sd": 0.0 if t == 5 else 0.1,
                    "target": queue.target,
                    "denominator": 50.0,
                }
            )
    calibration = Calibration()
    for _ in range(MIN_CELLS // cells.n_intervals + 1):
        calibration.observe(cells, arrays, site, pool, pd.DataFrame(rows))
    last = calibration.observations[-1]
    for k in range(len(cells.queues)):
        fit = calibration.fits[k]
        assert fit.cells >= MIN_CELLS
        mine = last[last["queue"] == k].set_index("interval")
        fitted = predict(fit, mine["model"].to_numpy(), mine["load_change"].to_numpy())
        residual = mine["simulated"].to_numpy() - fitted
        weight = fit.tau2 / (fit.tau2 + mine["se"].to_numpy() ** 2)
        expected = np.clip(weight * residual, -DEVIATION_MAX, DEVIATION_MAX)
        deviation = calibration.deviation[k][mine.index.to_numpy()]
        assert deviation == pytest.approx(expected)
        five, six = list(mine.index).index(5), list(mine.index).index(6)
        assert abs(residual[five]) < DEVIATION_MAX
        assert deviation[five] == pytest.approx(residual[five])
        assert 0 > deviation[six] > residual[six]


def test_the_lp_session_is_the_lp_relaxation_and_rows_raise_it() -> None:
    """The session's optimum is PuLP's LP relaxation of the same model; a row asking for more
    agents at ``back`` in one interval raises it; a row no staffing can meet is carried by its
    penalised slack, not reported infeasible."""
    problem, _ = _problem(blended_day())
    model = build_model(problem)
    session = LpSession(model, 30.0)
    assert session.solve()
    assert session.objective() == pytest.approx(lp_relaxation(build_model(problem)), rel=1e-7)
    before = session.objective()
    terms = {v.name: a for v, a in model.site_terms["back", 12]}
    session.add_rows([Row(terms, 30.0)])
    assert session.solve() and session.objective() > before + 1.0 and session.slack() < 1e-6
    session.add_rows([Row({}, 1.0)])
    assert session.solve() and session.slack() == pytest.approx(1.0)


def _staffing(
    cells: BlendCells, floors: tuple[CapacityFloor, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the staffing the floors guarantee: (queue's sites, pool)."""
    by_set = {(f.sites, f.interval): f.agents for f in floors}
    shape = (len(cells.queues), cells.n_intervals)
    site, pool = np.zeros(shape), np.zeros(shape)
    for k, q in enumerate(cells.queues):
        mine = tuple(cells.sites[s] for s in q.sites)
        every = tuple(cells.sites[s] for s in q.pool)
        for t in range(cells.n_intervals):
            site[k, t] = by_set.get((mine, t), 0.0)
            pool[k, t] = max(by_set.get((every, t), 0.0), site[k, t])
    return site, pool


def test_the_floors_meet_every_goal_and_the_plan_meets_the_floors() -> None:
    """After the cutting-plane loop every cell's goal is met (model terms) by the staffing the
    floors alone guarantee; the MILP with the floors returns a plan that meets them, with its
    bot fixed at the level the LP chose, and floor constraints named from their index."""
    scenario = blended_day()
    problem, cells = _problem(scenario)
    model = build_model(problem)
    calibration = Calibration()
    plan = plan_capacity(model, cells, calibration, 30.0)
    assert plan.floors and plan.unmet == pytest.approx(0.0, abs=1e-6)
    arrays = cells.arrays(plan.levels)
    goals = calibration.goals(cells, arrays)
    site, pool = _staffing(cells, plan.floors)
    within = np.array([[q.within_s] for q in cells.queues])
    level = pooled_service_level(
        site, pool, arrays.pool_load, arrays.site_load, arrays.rate_ahead, arrays.aht_s, within
    )
    assert (level[goals > 0] >= goals[goals > 0] - 2 * LEVEL_TOLERANCE).all()
    floored = build_model(
        ShiftProblem(**{**problem.__dict__, "floors": plan.floors})  # type: ignore[arg-type]
    )
    for (channel, option), var in floored.z.items():
        var.lowBound = var.upBound = float(plan.levels[channel] == option)
    assert any(name.startswith("floor_front_back_") for name in floored.index)
    solution = solve_model(floored, time_limit_s=30.0)
    assert solution.floors_short == 0.0 and not solution.shortfalls
    assert solution.bot_levels == plan.levels
    coverage = {c.name: (c.site, c.coverage) for c in problem.columns}
    agents = site_agents(cells.sites, cells.n_intervals, coverage, solution.agents)
    for floor in plan.floors:
        have = sum(agents[cells.sites.index(s), floor.interval] for s in floor.sites)
        assert have >= floor.agents - 1e-6


def test_staffing_max_agents_forbids_is_reported_not_fatal() -> None:
    """With two agents at most per site, the model's staffing cannot be reached: the loop's
    rows keep a slack (``unmet``, reported), which the same LP without ``max_agents`` does
    not need (so raising them would help), the floors are what the LP could staff, and the
    MILP still returns a plan (its floor shortfall, if any, counted in ``floors_short``)."""
    scenario = blended_day(max_agents=2)
    problem, cells = _problem(scenario)
    model = build_model(problem)
    plan = plan_capacity(model, cells, Calibration(), 30.0)
    assert plan.unmet > 0
    # proven to be max_agents: without the bounds the LP staffs every goal
    assert plan.unmet_without_max == pytest.approx(0.0, abs=1e-6)
    floored = build_model(
        ShiftProblem(**{**problem.__dict__, "floors": plan.floors})  # type: ignore[arg-type]
    )
    solution = solve_model(floored, time_limit_s=30.0)
    assert solution.status == "infeasible" and solution.agents  # proven: max_agents binds
    coverage = {c.name: (c.site, c.coverage) for c in problem.columns}
    agents = site_agents(cells.sites, cells.n_intervals, coverage, solution.agents)
    missing = sum(
        max(0.0, f.agents - sum(agents[cells.sites.index(s), f.interval] for s in f.sites))
        for f in plan.floors
    )
    assert solution.floors_short == pytest.approx(missing, abs=1e-6)


def test_the_lp_sessions_time_limit_is_per_solve_and_large_models_start_by_ipm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS's ``time_limit`` is on a run clock that adds up over an instance's solves
    (``getRunTime``), so a session that only set it once gave its tenth solve what its first
    nine left: the dive on global-retail over four weeks failed its second LP ('Time limit
    reached') after a first one of 108 s under a 114 s limit. Each solve now gets the whole
    limit after the run time so far. With ``IPM_NONZEROS`` lowered below the model, a cold
    solve runs the interior point method and leaves a basis; the same optimum either way."""
    problem, _ = _problem(blended_day())
    session = LpSession(build_model(problem), 5.0)
    for _ in range(3):
        session.highs.clearSolver()
        before = session.highs.getRunTime()
        assert session.solve()
        assert session.highs.getOptionValue("time_limit")[1] == pytest.approx(before + 5.0)
    simplex = session.objective()
    monkeypatch.setattr(lp, "IPM_NONZEROS", 1)
    session = LpSession(build_model(problem), 5.0)
    assert session.solve() and session.highs.getBasis().valid
    assert session.objective() == pytest.approx(simplex, rel=1e-7)
    assert session.highs.getOptionValue("solver")[1] == "choose"
