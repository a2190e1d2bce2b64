"""``workbench compare A.toml B.toml ...``: staffing options on common random numbers.

Every option runs on the same seed and replications (the first file's ``[run]`` unless given),
so replication ``r`` of each option sees the same customers; the command prints each option's
KPIs and its paired difference from the first option with 95 % confidence intervals, and writes
``comparison.csv`` plus one run folder per option (see ``workbench.compare``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from scenarios.loader import Sources, check_file, read_raw
from scenarios.problems import Problem
from scenarios.schema import Scenario
from scenarios.units import format_duration
from simulation.runner import Timed
from workbench.app import (
    EXIT_BAD_INPUT,
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
    out_console,
    progress_bar,
    run_record,
    warn,
)
from workbench.compare import (
    ALL,
    SHARE_KPIS,
    ComparisonResult,
    HorizonMismatch,
    check_horizons,
    comparison_manifests,
    run_comparison,
    write_comparison,
)
from workbench.guards import ForceOption, refuse_oversized
from workbench.kpi_tables import pct, share_text, targets_as_written

KPI_LABELS = {
    "service_level": "SL",
    "asa_s": "ASA [s]",
    "abandon_rate": "abandon",
    "occupancy": "occupancy",
    "labor_cost": "labour cost",
    "bot_cost": "bot cost",
    "total_cost": "total cost",
}


def option_labels(files: list[Path]) -> list[str]:
    """One label per file: its stem, with ``-2``, ``-3`` appended to repeated stems."""
    labels: list[str] = []
    for file in files:
        label, k = file.stem, 1
        while label in labels:
            k += 1
            label = f"{file.stem}-{k}"
        labels.append(label)
    return labels


def _value(kpi: str, value: float, diff: bool = False) -> str:
    if math.isnan(value):
        return "-"
    if kpi in SHARE_KPIS:
        return f"{100 * value:+.1f} pp" if diff else f"{100 * value:.1f}%"
    if kpi == "asa_s":
        return f"{value:+,.1f}" if diff else f"{value:,.1f}"
    return f"{value:+,.0f}" if diff else f"{value:,.0f}"


def _interval(kpi: str, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    if kpi in SHARE_KPIS:
        return f" [{100 * low:.1f}, {100 * high:.1f}]"
    digits = 1 if kpi == "asa_s" else 0
    return f" [{low:,.{digits}f}, {high:,.{digits}f}]"


def _met(comparison: ComparisonResult, option: str, channel: str) -> str:
    """``yes`` or ``NO``: whether ``option`` meets ``channel``'s target over the horizon (its
    mean service level reaches the target share, as in ``summary.json``); ``-`` if it has no
    such channel."""
    kpi = comparison.results[option].summary["channels"].get(channel)
    return "-" if kpi is None else ("yes" if kpi["met"] else "NO")


def _target(comparison: ComparisonResult, channel: str, written: Mapping[str, str]) -> str:
    """The baseline's target of ``channel`` as written in its file: ``80% in 20s``."""
    kpi = comparison.results[comparison.baseline].summary["channels"].get(channel)
    if kpi is None:
        return "target"
    within = written.get(channel) or format_duration(kpi["target"]["within_s"])
    return f"target {share_text(kpi['target']['share'])} in {within}"


def meets_lines(comparison: ComparisonResult) -> list[str]:
    """One line per option: whether it meets every channel's target over the horizon, and
    which channels miss theirs (``hand: misses voice (48.7% < 80%), chat (...)``)."""
    lines = []
    for option in comparison.options:
        channels = comparison.results[option].summary["channels"]
        missed = [
            f"{name} ({pct(kpi['service_level']['mean'])} < {share_text(kpi['target']['share'])})"
            for name, kpi in channels.items()
            if not kpi["met"]
        ]
        lines.append(
            f"{option}: meets every target"
            if not missed
            else f"{option}: misses " + ", ".join(missed)
        )
    return lines


def comparison_rich_table(
    comparison: ComparisonResult, written: Mapping[str, str] | None = None
) -> Table:
    """Each option's mean with its 95 % interval, and for the options after the first their
    paired difference from it (``*`` where that interval excludes 0); below each channel's
    KPIs, whether each option meets the channel's target (``written``: the targets as the
    baseline's file writes them, ``kpi_tables.targets_as_written``)."""
    level = f"{100 * comparison.confidence:g} %"
    table = Table(
        title=f"{len(comparison.options)} options on common random numbers: "
        f"{comparison.replications} replications, seed {comparison.seed}",
        caption=f"[low, high] = {level} Student-t interval over replications; "
        f"differences are paired by replication; * = the interval of the difference "
        f"excludes 0; pp = percentage points",
    )
    table.add_column("channel", no_wrap=True)
    table.add_column("KPI", no_wrap=True)
    for option in comparison.options:
        table.add_column(Text(option), justify="right")
        if option != comparison.baseline:
            table.add_column(Text(f"{option} - {comparison.baseline}"), justify="right")
    rows: dict[tuple[str, str, str], Any] = {
        (r["option"], r["channel"], r["kpi"]): r for r in comparison.table.to_dict("records")
    }
    keys = comparison.table[["channel", "kpi"]].drop_duplicates().itertuples(index=False)
    previous = None

    def target_row(channel: str) -> None:
        cells = ["", _target(comparison, channel, written or {})]
        for option in comparison.options:
            cells.append(_met(comparison, option, channel))
            if option != comparison.baseline:
                cells.append("")
        table.add_row(*(Text(cell) for cell in cells))

    for channel, kpi in keys:
        if previous is not None and channel != previous:
            if previous != ALL:
                target_row(previous)
            table.add_section()
        previous = channel
        cells = [str(channel) if channel != ALL else "cost", KPI_LABELS.get(kpi, kpi)]
        for option in comparison.options:
            if (option, channel, kpi) not in rows:
                cells.append("-")
                if option != comparison.baseline:
                    cells.append("-")
                continue
            row = rows[(option, channel, kpi)]
            cells.append(_value(kpi, row["mean"]) + _interval(kpi, row["ci_low"], row["ci_high"]))
            if option != comparison.baseline:
                low, high = row["diff_ci_low"], row["diff_ci_high"]
                mark = " *" if (low > 0 or high < 0) else ""
                cells.append(_value(kpi, row["diff"], diff=True) + _interval(kpi, low, high) + mark)
        table.add_row(*(Text(cell) for cell in cells))
    if previous is not None and previous != ALL:
        target_row(previous)
    return table


def _load_all(files: list[Path]) -> tuple[list[Scenario], list[Sources]]:
    """Every file loaded with the bytes read; the problems of all files reported together
    (exit 2)."""
    scenarios: list[Scenario] = []
    read: list[Sources] = []
    problems: list[Problem] = []
    for path in files:
        sources = Sources()
        scenario, found = check_file(path, sources)
        problems.extend(found)
        if scenario is not None:
            scenarios.append(scenario)
            read.append(sources)
    if len(scenarios) < len(files):
        fail(problems)
    warn(problems)
    return scenarios, read


@app.command()
def compare(
    files: Annotated[list[Path], typer.Argument(help="Scenario files; the first is the baseline.")],
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = 1,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    force: ForceOption = False,
) -> None:
    """Run every option on the same random streams; print and write each option's KPIs and
    its paired difference from the first option with 95 % confidence intervals."""
    if len(files) < 2:
        err_console.print(
            "compare needs at least two scenario files (the first is the baseline)",
            highlight=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    scenarios, read = _load_all(files)
    labels = option_labels(files)
    options = dict(zip(labels, scenarios, strict=True))
    try:
        check_horizons(options)
    except HorizonMismatch as error:
        for label, differs in error.mismatches.items():
            err_console.print(
                f"{files[labels.index(label)]}: scenario: plans another horizon than "
                f"{files[0]}: {differs}; options are compared replication by replication and "
                f"must share start, days, interval and timezone",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    first = scenarios[0]
    count = first.run.replications if replications is None else replications
    used_seed = first.run.seed if seed is None else seed
    for file, scenario in zip(files, scenarios, strict=True):
        refuse_oversized(
            file, scenario, count, workers, force=force, executor=executor, address=address
        )
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    with claimed(out, default_out(first, "compare", started), overwrite) as output:
        with progress_bar() as progress:
            task = progress.add_task(
                f"simulating {len(options)} options", total=count * len(options)
            )

            def advance(_: Timed) -> None:
                progress.advance(task)

            with executor_errors(files[0]):
                comparison = run_comparison(
                    options,
                    replications=count,
                    seed=used_seed,
                    workers=workers,
                    executor=executor,
                    address=address,
                    on_done=advance,
                )
        common: dict[str, Any] = {
            "seed": used_seed,
            "replications": count,
            "workers": workers,
            "executor": executor,
            **run_record(started, clock),
        }
        inputs, manifest = comparison_manifests(
            comparison,
            {
                label: (sources, str(file))
                for label, file, sources in zip(labels, files, read, strict=True)
            },
            common,
        )
        written = write_comparison(comparison, output, manifest, inputs)
    targets = targets_as_written(read_raw(files[0], read[0].scenario))
    out_console.print(comparison_rich_table(comparison, targets))
    for line in meets_lines(comparison):
        out_console.print(line, highlight=False, markup=False, soft_wrap=True)
    contacts = sum(r.contacts for r in comparison.results.values())
    out_console.print(
        f"{contacts:,} contacts simulated ({len(comparison.options)} options x "
        f"{comparison.replications} replications, warm-up and cool-down included) in "
        f"{time.perf_counter() - clock:.1f} s; results in {written}",
        highlight=False,
    )
