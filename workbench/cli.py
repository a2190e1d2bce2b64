"""The ``workbench`` command line: parse -> load -> build -> run -> save.

Exit codes: 0 success; 1 regression drift; 2 bad input (problems listed, never a traceback);
3 infeasible or solver failure.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from optimizer.plan.files import plan_files
from optimizer.plan.loop import Iteration, OptimizeError
from optimizer.plan.loop import optimize as run_optimizer
from optimizer.plan.summary import plan_json
from scenarios.loader import check_file, read_raw
from scenarios.problems import Problem
from simulation import simulate as run_simulation
from simulation.runner import Timed
from workbench.app import (
    EXIT_INFEASIBLE,
    AddressOption,
    ExecutorOption,
    app,
    err_console,
    executor_errors,
    fail,
    load_or_exit,
    out_console,
    progress_bar,
    save_run,
    warn,
)
from workbench.tables import comparison_table, kpi_table


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files; list every problem as FILE: key.path: what is wrong (got VALUE)."""
    problems: list[Problem] = []
    for path in files:
        scenario, found = check_file(path)
        problems.extend(found)
        if scenario is not None:
            out_console.print(
                f"{path}: ok ({len(scenario.channels)} channels, {len(scenario.sites)} sites, "
                f"{len(scenario.roster)} roster rows)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if any(not p.warning for p in problems):
        fail(problems)
    warn(problems)


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    replications: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="Replications (default: [run]).")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: [run].seed).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Parallel worker processes.")] = 1,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
) -> None:
    """Run the scenario, show progress, print a KPI table and write the run folder."""
    scenario = load_or_exit(file)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    count = scenario.run.replications if replications is None else replications
    used_seed = scenario.run.seed if seed is None else seed
    with progress_bar() as progress:
        task = progress.add_task(f"simulating {scenario.scenario.name}", total=count)

        def advance(_: Timed) -> None:
            progress.advance(task)

        with executor_errors(file):
            results = run_simulation(
                scenario,
                replications=count,
                seed=used_seed,
                workers=workers,
                on_done=advance,
                executor=executor,
                address=address,
            )
    written = save_run(
        "simulate", file, scenario, results, out, started, clock, used_seed, count, workers
    )
    out_console.print(kpi_table(results.summary))
    out_console.print(
        f"{results.contacts:,} contacts in {time.perf_counter() - clock:.1f} s; "
        f"results in {written}",
        highlight=False,
    )


@app.command()
def optimize(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Parallel worker processes.")] = 1,
    lp: Annotated[Path | None, typer.Option(help="Write the first MILP to this .lp file.")] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option(min=1, max=100, help="Simulate-and-correct rounds ([optimizer])."),
    ] = None,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
) -> None:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation."""
    scenario = load_or_exit(file)
    raw = read_raw(file)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()

    def report(iteration: Iteration) -> None:
        solution = iteration.solution
        assert solution is not None
        gap = "-" if solution.mip_gap is None else f"{100 * solution.mip_gap:.2f}%"
        err_console.print(
            f"iteration {iteration.number}: {solution.status}, objective "
            f"{solution.objective:,.0f} (gap {gap}, {solution.solve_s:.1f} s); simulated cost "
            f"{iteration.cost:,.0f}; {len(iteration.shorts)} of {iteration.judged_cells} "
            f"cells short",
            highlight=False,
        )

    try:
        with executor_errors(file):
            plan = run_optimizer(
                scenario,
                workers=workers,
                lp_path=str(lp) if lp else None,
                on_iteration=report,
                max_iterations=max_iterations,
                executor=executor,
                address=address,
            )
    except OptimizeError as error:
        err_console.print(f"{file}: infeasible: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    verify = plan.scenario.run
    written = save_run(
        "optimize",
        file,
        plan.scenario,
        plan.verified,
        out,
        started,
        clock,
        verify.seed,
        verify.replications,
        workers,
        plan_files(raw, plan),
    )
    out_console.print(kpi_table(plan.verified.summary))
    out_console.print(comparison_table(plan_json(plan)))
    verdict = "meets every target" if plan.meets_targets else "does NOT meet every target"
    for note in plan.notes:
        out_console.print(f"note: {note}", highlight=False, markup=False)
    out_console.print(
        f"verified on fresh seed {verify.seed}: the plan {verdict}; results in {written}",
        highlight=False,
    )
    if not plan.meets_targets and plan.capacity_bound:
        err_console.print(
            f"{file}: infeasible: the targets cannot be met within max_agents; "
            f"{plan.notes[-1] if plan.notes else ''}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_INFEASIBLE)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()


# further commands register themselves on ``app`` when imported
from workbench import commands  # noqa: E402, F401
