"""Shared pieces of the command line: the typer app, consoles, exit codes, loading with
problems reported (exit 2), and saving run folders with their manifest."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.loader import Sources, check_file
from scenarios.problems import Problem
from scenarios.schema import RunConfig, Scenario
from simulation.executors import ExecutorError, ReplicationsFailed
from simulation.output import Output, OutputError, claim_output
from simulation.results import Results
from simulation.runfolder import fill_run, is_run_folder
from workbench.kpi_tables import channel_table, site_table, targets_as_written
from workbench.tables import segments_table
from workbench.usage import OneLineErrors

EXIT_OK, EXIT_DRIFT, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

app = typer.Typer(
    help="Staffing and SLA simulation workbench for multichannel customer support.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)
# Values are printed as typed (no rich markup, emoji codes or highlighting: a ``:x:`` or
# ``[bold]`` in a file name stays as it is; tables wrap theirs in ``Text``), and a message is
# never cut into lines (soft wrap: a long problem line stays one line in a CI log).
out_console = Console(
    width=None if sys.stdout.isatty() else 120,
    markup=False,
    emoji=False,
    highlight=False,
    soft_wrap=True,
)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)


def fail(problems: list[Problem]) -> None:
    for problem in problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_or_exit(path: Path) -> Scenario:
    """The scenario at ``path``, or exit 2 with every problem; warnings are shown."""
    return load_sources_or_exit(path)[0]


def load_sources_or_exit(path: Path) -> tuple[Scenario, Sources]:
    """The scenario at ``path`` with the bytes of every file the loader read (to hash and copy
    into the run folder: what ran, even if a file is edited during the run)."""
    sources = Sources()
    scenario, problems = check_file(path, sources)
    if scenario is None:
        fail(problems)
    assert scenario is not None
    warn(problems)
    return scenario, sources


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
    """``results/<scenario name>/<UTC timestamp>-<command>/`` (``claimed`` adds ``-2``, ``-3``,
    ... when another run took the name)."""
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
    output: Output,
    file: Path,
    sources: Sources,
    scenario: Scenario,
    results: Results,
    started: dt.datetime,
    clock: float,
    seed: int,
    replications: int,
    workers: int,
    extra_files: dict[str, bytes] | None = None,
    timings: dict[str, Any] | None = None,
) -> Path:
    """Fill the claimed run folder ``output`` and put it in place, with its manifest;
    ``timings`` (wall times of the command's own steps, e.g. the solver's) go into the manifest
    with the other times, never into the files that are identical for the same file + seed."""
    manifest: dict[str, Any] = {
        "scenario": scenario.scenario.name,
        "input": str(file),
        "input_sha256": sources.sha256,
        "seed": seed,
        "replications": replications,
        "workers": workers,
        **run_record(started, clock),
        **(timings or {}),
        "contacts_simulated": results.contacts,
    }
    fill_run(output.tmp, results, sources.scenario, sources.inputs, extra_files)
    return output.commit(manifest)


OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace the run folder at --out when it is an earlier run of this tool (a folder "
        "holding anything else is never replaced).",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        help="Output folder: new, empty, or an earlier run folder with --overwrite (default: "
        "a new results/<scenario>/<UTC time>-<command>/)."
    ),
]


def say_output_error(error: OutputError) -> None:
    """Print an output problem (one line)."""
    err_console.print(str(error), markup=False, highlight=False, soft_wrap=True)


@contextmanager
def claimed(
    out: Path | None,
    default: Path,
    overwrite: bool,
    needed_bytes: int = 0,
    what: str = "--out",
    recognise: Callable[[Path], bool] = is_run_folder,
) -> Iterator[Output]:
    """Claim the output folder before computing (``simulation.output.claim_output``); any
    output problem, then or when writing, is one line and exit 2. Leaving the block without
    ``commit`` removes what was written."""
    try:
        with claim_output(
            out, default, overwrite, needed_bytes, what, recognise=recognise
        ) as output:
            yield output
    except OutputError as error:
        say_output_error(error)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _address_needs_dask(ctx: typer.Context, address: str | None) -> str | None:
    """``--address`` names a Dask scheduler: refused (a usage error) without ``--executor dask``
    (``--executor`` is eager, so it is known here whatever the order on the command line)."""
    if address is not None and ctx.params.get("executor") != "dask":
        raise typer.BadParameter(f"is used only with --executor dask (got {address!r})")
    return address


ExecutorOption = Annotated[
    Literal["local", "dask"],
    typer.Option(
        is_eager=True,
        help="Where replications run: local (this machine, --workers processes) or dask "
        "(the cluster at --address; without one, a local Dask cluster of --workers processes).",
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        callback=_address_needs_dask,
        help="Dask scheduler address (tcp://HOST:PORT) or scheduler file (JSON), with "
        "--executor dask.",
    ),
]


def _run_bounds(field: str) -> tuple[int, int]:
    """The bounds of ``[run] FIELD`` in the scenario format (``ge``/``le`` of ``RunConfig``):
    a command-line override accepts exactly what the file accepts."""
    low = high = None
    for rule in RunConfig.model_fields[field].metadata:
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    assert low is not None and high is not None, f"run.{field} has no bounds"
    return int(low), int(high)


SEED_RANGE = _run_bounds("seed")
REPLICATIONS_RANGE = _run_bounds("replications")
WORKERS_RANGE = (1, 256)
"""Worker processes of one command (its own pool or local Dask cluster)."""

SeedOption = Annotated[
    int | None,
    typer.Option(
        min=SEED_RANGE[0],
        max=SEED_RANGE[1],
        help="Seed (default: [run] seed of the scenario file; of the first file for compare).",
    ),
]
ReplicationsOption = Annotated[
    int | None,
    typer.Option(
        min=REPLICATIONS_RANGE[0],
        max=REPLICATIONS_RANGE[1],
        help="Replications (default: [run] replications of the scenario file; of the first file "
        "for compare; per point for sweep).",
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option(min=WORKERS_RANGE[0], max=WORKERS_RANGE[1], help="Parallel worker processes."),
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
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal and os.environ.get("WORKBENCH_PROGRESS") != "1",
    )


def print_kpis(results: Results, scenario: Scenario, raw: dict[str, Any]) -> None:
    """The KPI tables by channel and by site (``workbench.kpi_tables``; ``raw``, the parsed
    file, gives the targets as written), then the segments below target."""
    out_console.print(channel_table(results, scenario, targets_as_written(raw)))
    out_console.print(site_table(results, scenario))
    print_segments(results.summary)


def print_segments(summary: dict[str, Any]) -> None:
    """The segments below target, when the scenario has several regions or languages."""
    segments = segments_table(summary)
    if isinstance(segments, str):
        out_console.print(segments, highlight=False, markup=False)
    elif segments is not None:
        out_console.print(segments)
