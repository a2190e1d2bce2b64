"""The ``workbench`` command line: parse -> load -> build -> run -> save. This module holds
``validate`` and ``simulate``; every other command is a module of its own (``commands``).

Exit codes: 0 success; 1 regression drift; 2 bad input (problems listed, never a traceback);
3 infeasible or solver failure.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from scenarios.loader import check_file, read_raw
from scenarios.problems import Problem
from simulation import simulate as run_simulation
from workbench import signals
from workbench.app import (
    AddressOption,
    ExecutorOption,
    OutOption,
    OverwriteOption,
    ReplicationsOption,
    SeedOption,
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
    progress_bar,
    save_run,
    warn,
)
from workbench.guards import ForceOption, ReplicationProgress, refuse_oversized
from workbench.kpi_tables import contacts_line
from workbench.quiet import quiet_libraries


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
            staff = (
                f"{len({p.person for p in scenario.schedule_rows})} people on "
                f"{len(scenario.schedule_rows)} shifts"
                if scenario.schedule_rows
                else f"{len(scenario.roster)} roster rows"
            )
            out_console.print(
                f"{path}: ok ({len(scenario.channels)} channels, {len(scenario.sites)} sites, "
                f"{staff})",
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
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = 1,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    force: ForceOption = False,
) -> None:
    """Run the scenario, show progress, print a KPI table and write the run folder."""
    scenario, sources = load_sources_or_exit(file)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    count = scenario.run.replications if replications is None else replications
    used_seed = scenario.run.seed if seed is None else seed
    refuse_oversized(
        file, scenario, count, workers, force=force, executor=executor, address=address
    )
    default = default_out(scenario, "simulate", started)
    with claimed(out, default, overwrite) as output:
        with progress_bar() as progress:
            task = progress.add_task(f"simulating {scenario.scenario.name}", total=count)
            bar = ReplicationProgress(progress, task)
            with executor_errors(file):
                results = run_simulation(
                    scenario,
                    replications=count,
                    seed=used_seed,
                    workers=workers,
                    on_done=bar.done,
                    executor=executor,
                    address=address,
                    on_progress=bar.partial,
                )
        written = save_run(
            output, file, sources, scenario, results, started, clock, used_seed, count, workers
        )
    print_kpis(results, scenario, read_raw(file, sources.scenario))
    out_console.print(
        f"{contacts_line(results, scenario, time.perf_counter() - clock)}; results in {written}",
        highlight=False,
    )


def main() -> None:
    """Console entry point: SIGTERM, SIGHUP and Ctrl-C stop a command cleanly (nothing half
    written is left), exit code 128 + the signal number. Library warnings and logs stay off
    stderr (``workbench.quiet``; ``WORKBENCH_DEBUG=1`` shows them)."""
    quiet_libraries()
    signals.install()
    try:
        app()
    except signals.Interrupted as stop:
        err_console.print(
            f"workbench: stopped by {stop.name}; unfinished outputs removed",
            markup=False,
            highlight=False,
        )
        signals.leave(stop.exit_code)


if __name__ == "__main__":
    main()


# further commands register themselves on ``app`` when imported
from workbench import commands  # noqa: E402, F401
