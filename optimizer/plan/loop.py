"""Simulation-verified optimisation: plan, solve, simulate, calibrate, repeat (README "How the
optimizer works"; its files: docs/outputs.md).

1. Each round (``rounds``) plans the capacity that agents shared between channels need to answer
   every real-time queue on time (``optimizer.blending``: a pooled model of every queue and
   interval, calibrated by the simulations of the rounds before, turned into capacity floors
   by cutting planes on the LP relaxation, bot levels chosen with it), then solves the shift
   MILP (``optimizer.shifts``) for the cheapest roster that meets the floors, carries every
   group's work and meets the asynchronous deadlines.
2. The plan is simulated on the scenario's seed (common random numbers: every round sees the
   same customers); the simulation recalibrates the model, both ways: where a group's cells
   did better than the model said, the next round plans fewer agents for them, where worse,
   more (``blending.calibration``). Asynchronous channels, and every channel with
   ``targets = "daily"``, are raised where short instead (``corrections``). Stationary
   per-interval staffing misses targets after peaks and where skills are pooled (Green,
   Kolesar and Soares 2001, Operations Research 49(4):549-564), which is why the simulation
   has the last word (Avramidis et al. 2010, EJOR 200(3):822-832).
3. The plan kept (``rounds.rank``: the cheapest of those that pass the verdict's test on the
   scenario seed, else the one with the fewest misses) is checked on a fresh seed
   (``verification``), and the verdict says whether it meets every target. The loop stops
   after ``max_iterations`` rounds, when the next round would not fit in ``time_budget``, once
   a passing plan's cost has settled (``rounds.settled``), or once the MILP is bound by
   ``max_agents`` twice in a row.

A cell "falls short" when a one-sided Student-t test over replications rejects "mean service
level >= target - ``verify.tolerance``" at level ``1 - verify.confidence`` (``verdict``); the
verdict applies Benjamini-Hochberg control across cells, and passes a plan only when every
cell is also shown less than 3 points below its target (``verification``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from optimizer.blending.cuts import CapacityPlan
from optimizer.plan.budget import Budget, Round
from optimizer.plan.corrections import raise_requirements
from optimizer.plan.explain import describe_shortfalls, hand_roster_notes, sites_at_max
from optimizer.plan.outcome import Iteration, OptimizeError, Plan
from optimizer.plan.rounds import (
    Context,
    apply_plan,
    calibrate,
    judge,
    rank,
    settled,
    solve_round,
)
from optimizer.plan.verification import verify
from optimizer.shifts.columns import roster_rows
from optimizer.shifts.coverable import Unserved, at_levels
from optimizer.shifts.highs import SolverProgress
from optimizer.shifts.problem import ShiftProblem, Solution
from optimizer.tours.columns import TourError, weeks_of
from optimizer.tours.people import plan_people
from scenarios.schedule import to_roster
from scenarios.schema import RosterRow, Scenario

__all__ = ["Iteration", "OptimizeError", "Plan", "UnsupportedPlan", "optimize", "unsupported_plan"]

UNMET_TOL = 1e-3
"""Blending requirement left unmet by the LP [productive agent-intervals] that counts as the
sites' capacity binding (``max_agents``, or no shift on the floor then)."""


class UnsupportedPlan(ValueError):
    """The scenario asks for a plan this version cannot make; ``str`` says what to change."""


def unsupported_plan(scenario: Scenario) -> str | None:
    """Why optimize cannot plan ``scenario``, or None when it can, found without building
    anything: people on weekly tours (``[optimizer] plan = "people"``, the default with
    ``[[contracts]]``) need a horizon of whole weeks. (That the contracts allow some tour at
    all is known once the rounds' context has built them: ``optimize`` raises then.)"""
    if scenario.effective_plan() != "people":
        return None
    try:
        weeks_of(scenario)
    except TourError as error:
        return str(error)
    return None


NO_TOURS = (
    "the contracts allow no weekly tour: no template of theirs keeps their days, hours, rest "
    "and nights every week at any start; check [[contracts]] against [[shifts]], or set "
    '[optimizer] plan = "shifts"'
)


def _capacity_notes(
    number: int,
    problem: ShiftProblem,
    solution: Solution,
    capacity: CapacityPlan | None,
    ctx: Context,
) -> tuple[list[str], str]:
    """What a round's solve says about capacity: notes for the record, and the note that the
    sites' capacity binds (empty when it does not): analytic requirements proven beyond
    ``max_agents`` (the LP relaxation's least shortfall), or a blending requirement the LP
    could not staff within it (``CapacityPlan.unmet``)."""
    notes: list[str] = []
    bound = ""
    limits = "max_agents and people.max" if problem.tours else "max_agents"
    if solution.status == "infeasible":
        described = describe_shortfalls(
            solution.shortfalls, ctx.horizon, sites_at_max(problem, solution)
        )
        bound = f"round {number + 1}: analytic requirements exceed {limits}:\n{described}"
    elif solution.shortfalls:
        notes.append(
            f"round {number + 1}: the solver's plan falls short of the requirements in "
            f"{len(solution.shortfalls)} channel-group-intervals, not proven necessary "
            f"({solution.message}); simulated as it is"
        )
    if capacity is not None and capacity.unmet > UNMET_TOL:
        at_max = sites_at_max(problem, solution)
        where = ", ".join(f"{s} ({n})" for s, n in at_max.items()) or "none"
        without = capacity.unmet_without_max
        if without is not None and without < capacity.unmet - UNMET_TOL:
            blending = (
                f"round {number + 1}: the blending requirement exceeds {limits}: it asks for "
                f"{capacity.unmet:,.1f} productive agent-intervals more than the sites can give "
                f"within {limits} (at max_agents: {where}), {without:,.1f} without them (LP "
                "relaxation); planned as far as they allow"
            )
            bound = f"{bound}\n{blending}" if bound else blending
        else:
            notes.append(
                f"round {number + 1}: the blending requirement asks for {capacity.unmet:,.1f} "
                "productive agent-intervals the shift templates cannot give at the sites "
                f"that serve those queues ({limits} is not what binds)"
            )
    return notes, bound


def _same_plan(before: Iteration, after: Iteration) -> bool:
    """True if two rounds staffed the same shifts and bot levels."""
    if before.solution is None or after.solution is None:
        return False
    return (
        before.solution.agents == after.solution.agents
        and before.solution.bot_levels == after.solution.bot_levels
    )


def optimize(
    scenario: Scenario,
    workers: int = 1,
    lp_path: str | None = None,
    on_iteration: Callable[[Iteration], None] | None = None,
    max_iterations: int | None = None,
    executor: str = "local",
    address: str | None = None,
    on_round: Callable[[Round], None] | None = None,
    on_solver: Callable[[SolverProgress], None] | None = None,
) -> Plan:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation.

    ``workers``, ``executor`` and ``address`` say where the replications run
    (``simulation.simulate``); the plan does not depend on them. ``on_round`` is called with a
    ``budget.Round`` as each round starts, ``on_solver`` with the MILP search's progress every
    10 s (HiGHS), and ``on_iteration`` when a round ends.

    Time: each round's solver limit is ``time_limit`` scaled with the model's size, and no round
    starts that would leave no time for the verification within ``time_budget``
    (``optimizer.plan.budget``); a HiGHS search that stalls near its gap stops early
    (``solvers.STALL_S``). The plan depends on the machine's speed only through these limits.

    Always returns the best plan found: requirements no candidate shift can cover (a
    language nobody speaks, hours no template covers) are left out of the MILP and listed in
    ``Plan.unserved``; a MILP bound by ``max_agents`` (proven by its LP relaxation) or stopped
    by its time limit with a plan that falls short is simulated as it is, and ``notes`` say so.
    Raises ``OptimizeError`` only when the solver finds no plan at all in the first round, and
    ``UnsupportedPlan`` before any work when people cannot be planned (``unsupported_plan``).
    Planning people (``[optimizer] plan = "people"``, the default with ``[[contracts]]``), the
    shifts are worked by people on weekly tours (``optimizer.tours``): the MILP chooses the
    people per tour, ``tours.people`` names them and rotates them over the weeks, and their
    schedule is what each round simulates; with ``plan = "shifts"`` the contracts are ignored
    (a note says so).
    """
    refusal = unsupported_plan(scenario)
    if refusal is not None:
        raise UnsupportedPlan(refusal)
    config = scenario.optimizer
    ctx = Context.of(scenario, workers, executor, address)
    if scenario.effective_plan() == "people" and not ctx.tours:
        raise UnsupportedPlan(NO_TOURS)
    rounds = config.max_iterations if max_iterations is None else max_iterations
    replications = config.verify.replications
    clock = Budget(config.time_limit, config.time_budget)
    adjust: dict[tuple[str, str, int], float] = {}
    misses: dict[tuple[str, int], int] = {}
    iterations: list[Iteration] = []
    notes: list[str] = []
    if scenario.contracts and not ctx.tours:
        notes.append('[[contracts]] ignored: plan = "shifts" plans agent-shifts, not people')
    best: tuple[tuple[int, float, float], int, Scenario, tuple[RosterRow, ...], dict] | None = None
    unserved: tuple[Unserved, ...] = ()
    capacity_note = ""
    bound_rounds = 0
    for number in range(rounds):
        if number > 0 and not clock.next_round_fits():
            notes.append(
                f"stopped after round {number}: another round and the verification would not "
                f"fit in time_budget ({config.time_budget:g} s; {clock.elapsed():.0f} s spent, "
                f"the longest round took {clock.longest_round_s:.0f} s)"
            )
            break
        round_began = time.monotonic()
        applied = dict(adjust)
        solved = solve_round(
            ctx,
            number,
            applied,
            clock,
            rounds,
            on_round,
            on_solver,
            lp_path if number == 0 else None,
        )
        solution, problem = solved.solution, solved.problem
        if number == 0:
            unserved = solved.uncoverable
        if solution.status == "failed":
            if best is None:
                raise OptimizeError(f"the {solution.solver} solver failed: {solution.message}")
            notes.append(
                f"stopped after round {number}: the solver found no plan in round "
                f"{number + 1} ({solution.message}); the best plan so far is kept"
            )
            break
        capacity = solved.capacity
        notes_now, bound_note = _capacity_notes(number, problem, solution, capacity, ctx)
        notes.extend(notes_now)
        if bound_note:
            capacity_note = bound_note
        bound_rounds = bound_rounds + 1 if bound_note else 0
        levels = {
            c.name: solution.bot_levels.get(c.name, c.bot.containment)
            for c in scenario.channels
            if c.bot is not None
        }
        if ctx.tours:  # people: the simulation runs their schedule as one-off roster rows
            people = plan_people(scenario, ctx.tours, solution.tours)
            rows = to_roster(people.rows)
            candidate = apply_plan(scenario, rows, levels).model_copy(
                update={"schedule_rows": people.rows, "schedule_file": None}
            )
            notes.extend(f"round {number + 1}: {line}" for line in people.notes[:10])
        else:
            rows = roster_rows(scenario, ctx.columns, solution.agents)
            candidate = apply_plan(scenario, rows, levels)
        simulation_began = time.monotonic()
        iteration = judge(ctx, number, solution, candidate, replications)
        now = time.monotonic()
        clock.record(now - round_began, now - simulation_began)
        iteration.adjust = applied
        iteration.capacity = capacity
        calibrate(ctx, iteration, levels)
        iterations.append(iteration)
        if best is None or rank(iteration) < best[0]:
            best = (rank(iteration), number, candidate, rows, levels)
        if on_iteration is not None:
            on_iteration(iteration)
        if bound_rounds >= 2:
            notes.append(
                f"stopped after round {number + 1}: bound by "
                + ("max_agents or people.max" if ctx.tours else "max_agents")
                + " twice in a row, raising the requirements further only grows the shortfall"
            )
            break
        if settled(iterations) if ctx.cells is not None else not iteration.shorts:
            break
        if len(iterations) >= 2 and _same_plan(iterations[-2], iteration):
            notes.append(f"stopped after round {number + 1}: its plan is the round before's")
            break
        # real-time cells with interval targets are planned by the blending model; the rest
        # (asynchronous channels, daily targets) are raised where short
        rest = [
            s
            for s in iteration.shorts
            if ctx.cells is None or s.channel.split(":")[0] in ctx.req.windows
        ]
        raise_requirements(adjust, rest, ctx.req, config.targets, ctx.horizon, misses)
    assert best is not None
    if capacity_note:
        notes.insert(0, capacity_note)
    _, chosen, candidate, rows, levels = best
    reserve = clock.longest_simulation_s if scenario.roster else 0.0
    check = verify(candidate, clock, workers, executor, address, reserve_s=reserve)
    run = candidate.run.model_copy(update={"seed": check.seed, "replications": check.batches[-1]})
    hand = None
    if scenario.roster:
        hand = judge(ctx, -1, None, scenario, replications)
        notes.extend(hand_roster_notes(hand, iterations[chosen].cost))
    return Plan(
        scenario=candidate.model_copy(update={"run": run}),
        roster=rows,
        bot_levels=levels,
        iterations=iterations,
        verified=check.results,
        verified_shorts=check.shorts,
        verified_raw_shorts=check.raw_shorts,
        verified_judged=check.judged,
        fresh_seed=check.seed,
        hand=hand,
        requirements=ctx.req,
        chosen=chosen,
        notes=notes,
        unserved=at_levels(unserved, levels),
        power=check.power,
        below_target=check.below,
        columns=ctx.columns,
        batches=check.batches,
        looks=check.looks,
        undecided=check.undecided,
    )
