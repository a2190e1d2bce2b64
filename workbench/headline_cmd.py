"""``workbench headline FILE``: the main job in one command (``make run``): optimize (with
``--quick``, one round and a short verification), compare the plan with the
file's hand roster (paired differences), write the report, and print where it all is and what
it found in three lines (``workbench.headline``).

The run folder holds ``optimize/`` (what ``workbench optimize`` writes, plus ``report.html``
and its charts) and ``compare/`` (what ``workbench compare FILE optimize/optimized.toml``
writes: ``comparison.csv``, ``paired.csv``, ``hand/`` and ``optimized/``). Progress goes to
stderr; stdout has the three lines. Exit 0 when the plan meets every target, 3 when it does not
(the outputs are written and the third line says what it misses), 2 for bad input.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.plan.files import plan_files
from optimizer.plan.loop import OptimizeError, UnsupportedPlan, unsupported_plan
from optimizer.plan.loop import optimize as run_optimizer
from optimizer.plan.outcome import Plan
from optimizer.plan.summary import plan_timings
from scenarios.files import Sources
from scenarios.loader import read_raw
from scenarios.problems import Problem
from simulation.output import WRITTEN_BY, json_text
from simulation.runfolder import fill_run
from workbench.app import (
    EXIT_INFEASIBLE,
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
    run_record,
)
from workbench.compare import ComparisonResult, comparison_manifests, fill_comparison
from workbench.guards import ForceOption, refuse_oversized
from workbench.headline import HAND, OPTIMIZED, Preview, findings, plan_comparison
from workbench.headline import quick as quick_preview
from workbench.optimize_cmd import ProgressLines


@app.command()
def headline(
    file: Annotated[Path, typer.Argument(help="Scenario file (with its hand-made roster).")],
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A quick preview: one simulate-and-correct round and a fresh-seed check of "
            "[optimizer.verify] replications, twice as many if a cell is undecided (make run: "
            "about 2 minutes on 2 cores for global-retail).",
        ),
    ] = False,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    workers: WorkersOption = 1,
    png: Annotated[
        bool, typer.Option("--png/--no-png", help="Also write the report's charts as PNG.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Optimize, compare the plan with the hand roster, write the report; say what it found
    in three lines."""
    scenario, sources = load_sources_or_exit(file)
    asked = scenario.optimizer
    if quick:
        scenario = quick_preview(scenario)
    refusal = unsupported_plan(scenario)
    if refusal is not None:
        fail([Problem(str(file), "optimizer.plan", refusal)])
    verify = scenario.optimizer.verify.replications
    refuse_oversized(file, scenario, verify, workers, force=force)
    raw = read_raw(file, sources.scenario)
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    with claimed(out, default_out(scenario, "headline", started), overwrite) as output:
        lines = ProgressLines()
        try:
            with executor_errors(file):
                plan = run_optimizer(
                    scenario,
                    workers=workers,
                    on_iteration=lines.on_iteration,
                    on_round=lines.on_round,
                    on_solver=lines.on_solver,
                )
        except OptimizeError as error:
            err_console.print(f"{file}: no plan: {error}", markup=False, highlight=False)
            raise typer.Exit(EXIT_INFEASIBLE) from None
        except UnsupportedPlan as error:
            fail([Problem(str(file), "optimizer.plan", str(error))])
        comparison = plan_comparison(plan)
        common = {"workers": workers, **run_record(started, clock)}
        files = plan_files(raw, plan)
        _write_optimize(output.tmp / "optimize", file, sources, plan, files, common)
        if comparison is not None:
            _write_compare(output.tmp / "compare", file, sources, comparison, files, common)
        err_console.print("writing the report", markup=False, highlight=False)
        from workbench.report import write_report  # Altair imports take seconds: only here

        report = write_report(output.tmp / "optimize", png=png).html.name
        preview = Preview(
            rounds=len(plan.iterations),
            file_rounds=asked.max_iterations,
            checked=plan.batches[-1] if plan.batches else plan.scenario.run.replications,
            file_most=asked.verify.max_replications,
            quick=quick,
        )
        manifest: dict[str, Any] = {
            "scenario": scenario.scenario.name,
            "input": str(file),
            "input_sha256": sources.sha256,
            "quick_preview": quick,
            "rounds": preview.rounds,
            "verification_replications": preview.checked,
            "folders": {"optimize": "optimize", "compare": "compare" if comparison else None},
            **common,
            **run_record(started, clock),  # finished and elapsed with the report written
        }
        written = output.commit(manifest)
    hand, found = findings(plan, comparison, preview, scenario.scenario.currency)
    compared = f", paired comparison {written / 'compare'}" if comparison is not None else ""
    for line in (
        f"{scenario.scenario.name} in {time.perf_counter() - clock:.0f} s: report "
        f"{written / 'optimize' / report}{compared}",
        hand,
        found,
    ):
        out_console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not plan.meets_targets:
        raise typer.Exit(EXIT_INFEASIBLE)


def _write_optimize(
    folder: Path,
    file: Path,
    sources: Sources,
    plan: Plan,
    files: dict[str, bytes],
    common: dict[str, Any],
) -> None:
    """The optimize run folder: what ``workbench optimize`` writes."""
    folder.mkdir()
    run = plan.scenario.run
    manifest = {
        "scenario": plan.scenario.scenario.name,
        "input": str(file),
        "input_sha256": sources.sha256,
        "seed": run.seed,
        "replications": run.replications,
        **common,
        **plan_timings(plan),
        "contacts_simulated": plan.verified.contacts,
    }
    fill_run(folder, plan.verified, sources.scenario, sources.inputs, files, manifest)


def _write_compare(
    folder: Path,
    file: Path,
    sources: Sources,
    comparison: ComparisonResult,
    files: dict[str, bytes],
    common: dict[str, Any],
) -> None:
    """The comparison folder: what ``workbench compare FILE optimize/optimized.toml`` writes
    (the optimized option reads the plan's schedule, when it has one, beside its scenario)."""
    folder.mkdir()
    optimized = Sources(
        scenario=files["optimized.toml"],
        inputs={
            **sources.inputs,
            **{name: files[name] for name in ("schedule.csv",) if name in files},
        },
    )
    shared = {"seed": comparison.seed, "replications": comparison.replications, **common}
    inputs, manifest = comparison_manifests(
        comparison,
        {HAND: (sources, str(file)), OPTIMIZED: (optimized, "optimize/optimized.toml")},
        shared,
    )
    fill_comparison(comparison, folder, inputs)
    manifest["written_by"] = WRITTEN_BY
    (folder / "manifest.json").write_text(json_text(manifest))
