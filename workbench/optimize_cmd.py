"""``workbench optimize FILE``: the cheapest roster and bot levels meeting every target,
verified by simulation (``optimizer.plan.loop``), with its progress on stderr, the KPI tables,
the plans compared and the verdict; exit 3 when the plan misses a target."""

from __future__ import annotations

import datetime as dt
import enum
import math
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.plan.budget import Round
from optimizer.plan.files import plan_files
from optimizer.plan.loop import Iteration, OptimizeError, UnsupportedPlan, unsupported_plan
from optimizer.plan.loop import optimize as run_optimizer
from optimizer.plan.power import meets_in_words
from optimizer.plan.summary import missed_targets, plan_json, plan_timings, verdict_line
from optimizer.shifts.highs import SolverProgress
from optimizer.tours.tables import people_table
from scenarios.loader import Sources, read_raw
from scenarios.problems import Problem
from scenarios.schema import Scenario
from simulation.output import Output, OutputError, check_file_destination
from workbench.app import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    AddressOption,
    ExecutorOption,
    OutOption,
    OverwriteOption,
    WorkersOption,
    app,
    claimed,
    default_out,
    err_console,
    executor_errors,
    fail,
    load_sources_or_exit,
    out_console,
    print_kpis,
    save_run,
    say_output_error,
)
from workbench.guards import ForceOption, refuse_oversized
from workbench.tables import comparison_table, headcount_table


class PlanChoice(enum.StrEnum):
    """What ``optimize --plan`` plans."""

    people = "people"
    shifts = "shifts"


@app.command()
def optimize(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = 1,
    lp: Annotated[Path | None, typer.Option(help="Write the first MILP to this .lp file.")] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100,
            help="Simulate-and-correct rounds (default: [optimizer] max_iterations).",
        ),
    ] = None,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    force: ForceOption = False,
    plan: Annotated[
        PlanChoice | None,
        typer.Option(
            help="What to plan: people on weekly tours under the contracts, or independent "
            "agent-shifts (default: the file's optimizer plan; people when it has contracts)."
        ),
    ] = None,
) -> None:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation."""
    scenario, sources = load_sources_or_exit(file)
    scenario = scenario.planning(None if plan is None else plan.value)
    refusal = unsupported_plan(scenario)
    if refusal is not None:  # before any work: people that cannot be planned
        fail([Problem(str(file), "optimizer.plan", refusal)])
    verify = scenario.optimizer.verify.replications
    refuse_oversized(
        file, scenario, verify, workers, force=force, executor=executor, address=address
    )
    raw = read_raw(file, sources.scenario)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    if lp is not None:
        try:
            check_file_destination(lp, "--lp", ours=_is_lp_file)
        except OutputError as error:
            say_output_error(error)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    with claimed(out, default_out(scenario, "optimize", started), overwrite) as output:
        _optimize(
            file,
            sources,
            raw,
            scenario,
            output,
            started,
            clock,
            workers,
            lp,
            max_iterations,
            executor,
            address,
        )


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``: a wall time for the progress lines."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class ProgressLines:
    """The progress of an optimize on stderr, one line each: a round as it starts (with the
    time spent and left), the solver's search every 10 s, and the round's plan."""

    def __init__(self) -> None:
        self.limit_s = 0.0
        """The solver time limit of the round being solved [s]."""

    def on_round(self, at: Round) -> None:
        self.limit_s = at.time_limit_s
        if at.number == 0:
            left = "time left known after the first round"
        else:
            per_round = at.elapsed_s / at.number
            # the rounds left, then the fresh-seed verification and the hand roster (about one)
            estimate = min(per_round * (at.rounds - at.number + 1), at.budget_left_s)
            left = f"at most about {_duration(estimate)} left"
        err_console.print(
            f"round {at.number + 1} of {at.rounds}: solving ({_duration(at.elapsed_s)} elapsed, "
            f"{left}; solver limit {_duration(at.time_limit_s)})",
            highlight=False,
            markup=False,
        )

    def on_solver(self, progress: SolverProgress) -> None:
        if math.isfinite(progress.best):
            found = (
                f"best {progress.best:,.0f}, bound {progress.bound:,.0f}, "
                f"gap {100 * progress.gap:.2f}%"
            )
        else:
            found = "no plan yet (presolve and root LP)"
        err_console.print(
            f"  solver {progress.elapsed_s:.0f} s of at most {self.limit_s:.0f} s: {found}",
            highlight=False,
            markup=False,
        )

    def on_iteration(self, iteration: Iteration) -> None:
        solution = iteration.solution
        assert solution is not None
        # a plan that falls short has no gap on its cost (HiGHS's is on the penalised objective)
        gap = (
            "-"
            if solution.mip_gap is None or solution.shortfalls
            else f"{100 * solution.mip_gap:.2f}%"
        )
        err_console.print(
            f"round {iteration.number + 1}: {solution.status}, cost {iteration.cost:,.0f} "
            f"(gap {gap}, {solution.solve_s:.1f} s); {len(iteration.shorts)} of "
            f"{iteration.judged_cells} cells short on the scenario seed",
            highlight=False,
        )


def _is_lp_file(path: Path) -> bool:
    """An LP file as PuLP writes it (first line a ``\\* ... *\\`` comment): --lp may replace it."""
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"\\*"
    except OSError:
        return False


def _place_lp(tmp: Path | None, lp: Path | None) -> None:
    """Move the LP file written at ``tmp`` to ``lp`` (one rename: never half-written)."""
    if tmp is not None and lp is not None and tmp.exists():
        tmp.replace(lp)


def _optimize(
    file: Path,
    sources: Sources,
    raw: dict[str, Any],
    scenario: Scenario,
    output: Output,
    started: dt.datetime,
    clock: float,
    workers: int,
    lp: Path | None,
    max_iterations: int | None,
    executor: str,
    address: str | None,
) -> None:
    """The optimize command once its output folder is claimed."""

    lines = ProgressLines()

    # the LP file is written beside its destination and moved there only with the run folder
    lp_tmp = None if lp is None else lp.parent / f".{lp.name}.tmp-{os.getpid()}-0"
    try:
        with executor_errors(file):
            plan = run_optimizer(
                scenario,
                workers=workers,
                lp_path=str(lp_tmp) if lp_tmp else None,
                on_iteration=lines.on_iteration,
                on_round=lines.on_round,
                on_solver=lines.on_solver,
                max_iterations=max_iterations,
                executor=executor,
                address=address,
            )
    except OptimizeError as error:
        _place_lp(lp_tmp, lp)  # kept: the model is what explains a solver failure
        err_console.print(f"{file}: no plan: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except UnsupportedPlan as error:  # contracts that allow no tour: the output is discarded
        if lp_tmp is not None:
            lp_tmp.unlink(missing_ok=True)
        fail([Problem(str(file), "optimizer.plan", str(error))])
    except BaseException:
        if lp_tmp is not None:
            lp_tmp.unlink(missing_ok=True)
        raise
    _place_lp(lp_tmp, lp)
    verify = plan.scenario.run
    written = save_run(
        output,
        file,
        sources,
        plan.scenario,
        plan.verified,
        started,
        clock,
        verify.seed,
        verify.replications,
        workers,
        plan_files(raw, plan),
        timings=plan_timings(plan),
    )
    if plan.scenario.schedule_rows:  # a plan of people: who to employ, first
        out_console.print(headcount_table(people_table(plan.scenario, plan.scenario.schedule_rows)))
    print_kpis(plan.verified, plan.scenario, raw)
    out_console.print(comparison_table(plan_json(plan)))
    verdict = (
        meets_in_words(plan.power, plan.scenario.optimizer.verify.confidence)
        if plan.meets_targets
        else "does NOT meet every target"
    )
    for note in plan.notes:
        out_console.print(f"note: {note}", highlight=False, markup=False)
    out_console.print(verdict_line(plan), highlight=False, markup=False, soft_wrap=True)
    batches = " + ".join(
        str(b - a) for a, b in zip([0, *plan.batches[:-1]], plan.batches, strict=True)
    )
    out_console.print(
        f"cost of the plan {plan.cost:,.0f} (expected; simulated on the fresh seed "
        f"{plan.verified.summary['cost']['total']:,.0f})",
        highlight=False,
    )
    out_console.print(
        f"verified on fresh seed {verify.seed} with {verify.replications} replications "
        f"({batches}): the plan {verdict}; results in {written}",
        highlight=False,
    )
    if not plan.meets_targets:
        for reason in missed_targets(plan):
            err_console.print(
                f"{file}: target missed: {reason}", markup=False, highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_INFEASIBLE)
