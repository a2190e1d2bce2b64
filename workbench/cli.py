"""The ``workbench`` command line: parse -> load -> build -> run -> save.

Exit codes: 0 success; 1 regression drift; 2 bad input (problems listed, never a traceback);
3 infeasible or solver failure.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from optimizer.output import plan_files
from optimizer.plan import Iteration, OptimizeError, plan_json
from optimizer.plan import optimize as run_optimizer
from scenarios.loader import check_file, read_raw
from scenarios.problems import Problem
from scenarios.schema import Scenario
from simulation import simulate as run_simulation
from simulation.results import Results, sha256_of, write_run
from simulation.runner import Timed
from workbench.tables import comparison_table, kpi_table

EXIT_OK, EXIT_DRIFT, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

app = typer.Typer(
    help="Staffing and SLA simulation workbench for multichannel customer support.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)


def _fail(problems: list[Problem]) -> None:
    for problem in problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _load(path: Path) -> Scenario:
    scenario, problems = check_file(path)
    if scenario is None:
        _fail(problems)
    assert scenario is not None
    _warn(problems)
    return scenario


def _warn(problems: list[Problem]) -> None:
    for problem in problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("staffing-workbench", "simpy", "numpy", "pandas", "scipy", "pydantic"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


def default_out(scenario: Scenario, command: str, now: dt.datetime) -> Path:
    """``results/<scenario name>/<UTC timestamp>-<command>/``."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return Path("results") / scenario.scenario.name / f"{stamp}-{command}"


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
        _fail(problems)
    _warn(problems)


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    replications: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="Replications (default: [run]).")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: [run].seed).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Parallel worker processes.")] = 1,
) -> None:
    """Run the scenario, show progress, print a KPI table and write the run folder."""
    scenario = _load(file)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    count = scenario.run.replications if replications is None else replications
    used_seed = scenario.run.seed if seed is None else seed
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal and os.environ.get("WORKBENCH_PROGRESS") != "1",
    ) as progress:
        task = progress.add_task(f"simulating {scenario.scenario.name}", total=count)

        def advance(_: Timed) -> None:
            progress.advance(task)

        results = run_simulation(
            scenario, replications=count, seed=used_seed, workers=workers, on_done=advance
        )
    written = _save(
        "simulate", file, scenario, results, out, started, clock, used_seed, count, workers
    )
    out_console.print(kpi_table(results.summary))
    out_console.print(
        f"{results.contacts:,} contacts in {time.perf_counter() - clock:.1f} s; "
        f"results in {written}",
        highlight=False,
    )


def _save(
    command: str,
    file: Path,
    scenario: Scenario,
    results: Results,
    out: Path | None,
    started: dt.datetime,
    clock: float,
    seed: int,
    replications: int,
    workers: int,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write the run folder (atomically) with its manifest."""
    target = out if out is not None else default_out(scenario, command, started)
    manifest: dict[str, Any] = {
        "scenario": scenario.scenario.name,
        "input": str(file),
        "input_sha256": sha256_of(file),
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "command": ["workbench", *sys.argv[1:]],
        "versions": _versions(),
        "started_utc": started.isoformat(),
        "finished_utc": dt.datetime.now(dt.UTC).isoformat(),
        "elapsed_s": round(time.perf_counter() - clock, 3),
        "contacts_simulated": results.contacts,
    }
    inputs = [f.path for f in scenario.forecasts.values()]
    if scenario.roster_file:
        inputs.append(scenario.roster_file)
    return write_run(results, target, manifest, file, inputs, extra_files)


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
) -> None:
    """Find the cheapest roster and bot levels meeting every target, verified by simulation."""
    scenario = _load(file)
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
        plan = run_optimizer(
            scenario,
            workers=workers,
            lp_path=str(lp) if lp else None,
            on_iteration=report,
            max_iterations=max_iterations,
        )
    except OptimizeError as error:
        err_console.print(f"{file}: infeasible: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    verify = plan.scenario.run
    written = _save(
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
