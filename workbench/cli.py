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

from scenarios.loader import check_file
from scenarios.problems import Problem
from scenarios.schema import Scenario
from simulation import simulate as run_simulation
from simulation.results import sha256_of, write_run
from simulation.runner import Timed
from workbench.tables import kpi_table

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
    return scenario


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
            )
    if problems:
        _fail(problems)


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
    elapsed = time.perf_counter() - clock
    target = out if out is not None else default_out(scenario, "simulate", started)
    manifest: dict[str, Any] = {
        "scenario": scenario.scenario.name,
        "input": str(file),
        "input_sha256": sha256_of(file),
        "seed": used_seed,
        "replications": count,
        "workers": workers,
        "command": ["workbench", *sys.argv[1:]],
        "versions": _versions(),
        "started_utc": started.isoformat(),
        "finished_utc": dt.datetime.now(dt.UTC).isoformat(),
        "elapsed_s": round(elapsed, 3),
        "contacts_simulated": results.contacts,
    }
    inputs = [f.path for f in scenario.forecasts.values()]
    if scenario.roster_file:
        inputs.append(scenario.roster_file)
    written = write_run(results, target, manifest, file, inputs)
    out_console.print(kpi_table(results.summary))
    out_console.print(
        f"{results.contacts:,} contacts in {elapsed:.1f} s; results in {written}",
        highlight=False,
    )


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
