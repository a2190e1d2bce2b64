"""Shared pieces of the command line: the typer app, consoles, exit codes, loading with
problems reported (exit 2), and saving run folders with their manifest."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.loader import check_file
from scenarios.problems import Problem
from scenarios.schema import Scenario
from simulation.executors import ExecutorError, ReplicationsFailed
from simulation.results import Results, sha256_of
from simulation.runfolder import write_run

EXIT_OK, EXIT_DRIFT, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

app = typer.Typer(
    help="Staffing and SLA simulation workbench for multichannel customer support.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)


def fail(problems: list[Problem]) -> None:
    for problem in problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_or_exit(path: Path) -> Scenario:
    scenario, problems = check_file(path)
    if scenario is None:
        fail(problems)
    assert scenario is not None
    warn(problems)
    return scenario


def warn(problems: list[Problem]) -> None:
    for problem in problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)


def versions() -> dict[str, str]:
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


def run_record(started: dt.datetime, clock: float) -> dict[str, Any]:
    """The manifest fields every command records: the command line, package versions, start
    and finish (UTC) and elapsed wall time [s] since ``clock`` (``time.perf_counter()``)."""
    return {
        "command": ["workbench", *sys.argv[1:]],
        "versions": versions(),
        "started_utc": started.isoformat(),
        "finished_utc": dt.datetime.now(dt.UTC).isoformat(),
        "elapsed_s": round(time.perf_counter() - clock, 3),
    }


def save_run(
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
        **run_record(started, clock),
        "contacts_simulated": results.contacts,
    }
    inputs = [f.path for f in scenario.forecasts.values()]
    if scenario.roster_file:
        inputs.append(scenario.roster_file)
    return write_run(results, target, manifest, file, inputs, extra_files)


ExecutorOption = Annotated[
    Literal["local", "dask"],
    typer.Option(
        help="Where replications run: local (this machine, --workers processes) or dask "
        "(the cluster at --address; without one, a local Dask cluster of --workers processes)."
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address (tcp://HOST:PORT) or scheduler file (JSON), with "
        "--executor dask."
    ),
]


@contextmanager
def executor_errors(file: Path | str) -> Iterator[None]:
    """Turn executor failures into a one-line message and an exit code, no traceback: 2 when
    the cluster cannot be used (no scheduler at the address, no worker, workers running other
    code), 3 when replications failed after every retry (a failure to compute, each named)."""
    try:
        yield
    except ReplicationsFailed as error:
        err_console.print(f"{file}: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except ExecutorError as error:
        err_console.print(
            f"{file}: --executor dask: {error}", markup=False, highlight=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None


def progress_bar() -> Progress:
    """The progress bar of the simulating commands (on stderr; shown on a terminal, or when
    ``WORKBENCH_PROGRESS=1``)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal and os.environ.get("WORKBENCH_PROGRESS") != "1",
    )
