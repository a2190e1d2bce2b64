"""``workbench sweep``: a grid of variants on common random numbers, one tidy table and a chart.

The executor options and their error handling are shared with the other commands
(``workbench.app``).

Finished replications are kept in a cache (``simulation.cache``: plain data, each entry checked
against its full key before use), by default in ``results/.cache``. ``--cache-dir DIR`` keeps
them in DIR instead (created if missing; a folder shared by several planners or machines works,
entries are written atomically); ``--no-cache`` neither reads nor writes one. The closing line
and ``manifest.json`` (``replications_simulated``, ``replications_from_cache``, ``cache``) say
how many replications were simulated and how many were read back from which folder.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scenarios.loader import read_raw
from scenarios.problems import Problem, ScenarioError
from simulation.cache import CACHE_DIR, ReplicationCache
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
    executor_errors,
    fail,
    load_sources_or_exit,
    out_console,
    progress_bar,
    run_record,
)
from workbench.guards import ForceOption, refuse_oversized
from workbench.kpi_tables import target_labels


def _pct(value: Any) -> str:
    return "-" if value is None or value != value else f"{100 * value:.1f}%"


def sweep_table(
    table: Any, keys: list[str], limit: int = 40, targets: Mapping[str, str] | None = None
) -> Table:
    """Service level by channel with whether it meets the channel's target (``yes``/``NO``:
    the mean over replications reaches the target share), whether the point meets every
    target, and total cost; one row per point (the first ``limit``). ``targets``: each
    channel's target as written (``80% in 20s``) for the column headers."""
    channels = list(dict.fromkeys(table["channel"]))
    shown = Table(
        title="sweep: service level by channel and whether it meets the target (95 % CI in "
        "sweep.csv), total cost"
    )
    for column in keys:
        shown.add_column(column, justify="right", no_wrap=True)
    for channel in channels:
        target = (targets or {}).get(channel)
        shown.add_column(f"{channel} ({target})" if target else channel, justify="right")
    shown.add_column("meets all", justify="right", no_wrap=True)
    shown.add_column("total cost", justify="right", no_wrap=True)
    points = list(dict.fromkeys(table["point"]))
    for point in points[:limit]:
        rows = table[table["point"] == point]
        first = rows.iloc[0]
        by_channel = {row["channel"]: row for _, row in rows.iterrows()}
        cells = []
        for channel in channels:
            row = by_channel.get(channel)
            cells.append(
                "-"
                if row is None
                else f"{_pct(row['service_level'])} {'yes' if row['met'] else 'NO'}"
            )
        shown.add_row(
            *(str(first[k]) for k in keys),
            *cells,
            "yes" if bool(rows["met"].all()) else "NO",
            f"{first['cost_total']:,.0f}",
        )
    meeting = [p for p in points if bool(table[table["point"] == p]["met"].all())]
    caption = f"{len(meeting)} of {len(points)} points meet every target"
    if meeting:
        costs = table.drop_duplicates("point").set_index("point")["cost_total"]
        cheapest = min(meeting, key=lambda p: costs[p])
        caption += f"; the cheapest of them is point {cheapest} ({costs[cheapest]:,.0f})"
    if len(points) > limit:
        caption += f"; ... and {len(points) - limit} more points in sweep.csv"
    shown.caption = caption
    return shown


def _cache_or_exit(file: str, cache: bool, cache_dir: Path | None) -> ReplicationCache | None:
    """The cache the options ask for, its folder created; exit 2 naming the folder if it
    cannot be (before anything is simulated)."""
    if not cache:
        if cache_dir is not None:
            fail([Problem(file, "--cache-dir", f"{cache_dir} given with --no-cache: choose one")])
        return None
    root = CACHE_DIR if cache_dir is None else cache_dir
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK | os.X_OK):
            raise PermissionError("not writable")
    except OSError as error:
        reason = error.strerror or str(error)
        fail([Problem(file, "--cache-dir", f"cannot use {root} as the cache folder: {reason}")])
    return ReplicationCache(root)


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="KEY=V1,V2,... : a key path (channels.voice.volume.count, roster[2].agents) "
            "and its values; repeat for a grid."
        ),
    ] = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = 1,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    cache: Annotated[
        bool,
        typer.Option(
            help="Reuse and keep finished replications in the cache folder (--no-cache: "
            "simulate everything, write no cache)."
        ),
    ] = True,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help=f"Cache folder (default: {CACHE_DIR}); created if missing, may be shared."
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Simulate a grid of variants of FILE on common random numbers; write sweep.csv (one row
    per point and channel) and a chart of the KPI surface (sweep.html, sweep.png)."""
    from workbench.sweep import plan_sweep, run_sweep
    from workbench.sweep_chart import write_sweep
    from workbench.sweep_keys import read_vary

    _, sources = load_sources_or_exit(file)
    store = _cache_or_exit(str(file), cache, cache_dir)
    grid, vary_problems = read_vary(vary or [], str(file))
    try:
        plan = plan_sweep(
            file,
            grid,
            replications=replications,
            seed=seed,
            data=sources.scenario,
            vary_problems=vary_problems,  # reported with the grid's own, all at once
        )
    except ScenarioError as error:
        fail(error.problems)
        return
    for point in plan.points:
        count = plan.replications
        refuse_oversized(
            file,
            point.scenario,
            count,
            workers,
            force=force,
            executor=executor,
            address=address,
            at_once=plan.tasks,
        )
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    with claimed(out, default_out(plan.base, "sweep", started), overwrite) as output:
        with progress_bar() as progress:
            task = progress.add_task(
                f"sweeping {plan.base.scenario.name}: {len(plan.points)} points x "
                f"{plan.replications} replications",
                total=plan.tasks,
            )

            def advance(_: bool) -> None:
                progress.advance(task)

            with executor_errors(file):
                run = run_sweep(
                    plan,
                    workers=workers,
                    executor=executor,
                    address=address,
                    cache=store,
                    on_task=advance,
                )
        manifest: dict[str, Any] = {
            "scenario": plan.base.scenario.name,
            "input": str(file),
            "input_sha256": sources.sha256,
            "vary": plan.vary,
            "points": len(plan.points),
            "seed": plan.seed,
            "replications": plan.replications,
            "replications_simulated": run.computed,
            "replications_from_cache": run.cached,
            "cache": run.cache_dir,
            "executor": executor,
            "address": address,
            "workers": workers,
            **run_record(started, clock),
        }
        written = write_sweep(run, output, manifest, sources)
    targets = target_labels(plan.base, read_raw(file, sources.scenario))
    out_console.print(sweep_table(run.table, list(plan.vary), targets=targets))
    out_console.print(
        f"{len(plan.points)} points x {plan.replications} replications: {run.computed:,} "
        f"simulated, {run.cached:,} from the cache, in {time.perf_counter() - clock:.1f} s; "
        f"results in {written}",
        highlight=False,
    )
