"""``workbench regress``: re-run scenarios and fail (exit 1) when a forecast drifts from its
baseline; ``--update`` rewrites the baselines and says what changed (docs/regression.md)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich import box
from rich.table import Table

from scenarios.loader import check_file
from scenarios.problems import Problem
from scenarios.schema import Scenario
from workbench import regress
from workbench.app import (
    EXIT_BAD_INPUT,
    EXIT_DRIFT,
    app,
    err_console,
    executor_errors,
    fail,
    out_console,
    versions,
    warn,
)

DEFAULT_SCENARIOS = Path("scenarios")
DEFAULT_BASELINES = Path("results/baselines")
DEFAULT_MARKDOWN = Path("results/regress/summary.md")
DEFAULT_JUNIT = Path("results/regress/junit.xml")
CONSOLE_ROWS = 40
"""Most drifting series listed on the console (all of them are in the markdown file)."""


def _say(message: str) -> None:
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def _bad_input(message: str) -> NoReturn:
    _say(message)
    raise typer.Exit(EXIT_BAD_INPUT)


def _code_version() -> dict[str, str]:
    """Package versions plus the git commit of the working tree, when there is one."""
    found = versions()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    if commit:
        found["git_commit"] = commit
    return found


def _load_all(files: list[Path]) -> list[tuple[Path, Scenario]]:
    """Every file loaded, or exit 2 with every problem of every file."""
    problems: list[Problem] = []
    loaded = []
    for path in files:
        scenario, found = check_file(path)
        problems.extend(found)
        if scenario is not None:
            loaded.append((path, scenario))
    if any(not p.warning for p in problems):
        fail(problems)
    warn(problems)
    seen: dict[str, Path] = {}
    for path, scenario in loaded:
        name = scenario.scenario.name
        if name in seen:
            _bad_input(
                f"{path}: scenario.name: is also the name of {seen[name]}; baselines are "
                f"stored by scenario name (got {name!r})"
            )
        seen[name] = path
    return loaded


def _table(title: str, rows: list[dict[str, str]]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in rows[0]:
        left = column in ("scenario", "channel", "verdict", "test", "day", "KPI")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row.values())
    return table


@app.command("regress")
def regress_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files (default: every scenarios/*.toml)."),
    ] = None,
    baselines: Annotated[
        Path, typer.Option(help="Baseline folder (one sub-folder per scenario).")
    ] = DEFAULT_BASELINES,
    update: Annotated[
        bool, typer.Option("--update", help="Rewrite the baselines and say what changed.")
    ] = False,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help=f"Quick mode: at most {regress.QUICK_REPLICATIONS} replications, own baselines.",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Parallel worker processes.")] = 1,
    alpha: Annotated[
        float,
        typer.Option(
            min=1e-9,
            max=0.5,
            help="Chance of a false alarm per unchanged scenario (significance level).",
        ),
    ] = 0.05,
    correction: Annotated[
        str, typer.Option(help="Multiple-comparison correction per scenario: bh or holm.")
    ] = "bh",
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            help="Practical threshold KPI=VALUE (service_level, abandon_rate, occupancy in "
            "share points; asa_s in s; cost relative); repeatable.",
        ),
    ] = None,
    markdown: Annotated[
        Path, typer.Option(help="Markdown summary of the check.")
    ] = DEFAULT_MARKDOWN,
    junit: Annotated[Path, typer.Option(help="JUnit XML, one test case per scenario.")] = (
        DEFAULT_JUNIT
    ),
    executor: Annotated[str, typer.Option(help="Where replications run: local or dask.")] = "local",
    address: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
) -> None:
    """Re-run scenario forecasts and compare them with their baselines; exit 1 on drift."""
    mode = "quick" if quick else "full"
    thresholds, problems = regress.parse_thresholds(threshold or [])
    if problems:
        _bad_input("\n".join(problems))
    if correction not in regress.CORRECTIONS:
        _bad_input(f"--correction: must be bh or holm (got {correction!r})")
    settings = regress.Settings(alpha=alpha, correction=correction, thresholds=thresholds)
    if executor not in ("local", "dask"):
        _bad_input(f"--executor: must be local or dask (got {executor!r})")
    every = not files
    if not files:
        files = sorted(DEFAULT_SCENARIOS.glob("*.toml"))
        if not files:
            _bad_input(f"{DEFAULT_SCENARIOS}: no scenario files (*.toml) to check")
    loaded = _load_all(files)
    code = _code_version()
    names = {scenario.scenario.name for _, scenario in loaded}
    orphans = (
        [n for n in regress.stored_scenarios(baselines, mode) if n not in names] if every else []
    )
    clock = time.perf_counter()
    checks: list[regress.Check] = []
    missing: list[str] = []
    for path, scenario in loaded:
        name = scenario.scenario.name
        try:
            old = regress.read_baseline(baselines, name, mode)
        except regress.BaselineError as error:
            if not update:
                _bad_input(str(error))
            old = None
        with executor_errors(path):
            current = regress.measure(
                scenario,
                mode,
                file=path,
                workers=workers,
                executor=executor,
                address=address,
                code=code,
            )
        _say(
            f"{name}: {len(current.replications)} replications ({mode} mode, seed "
            f"{current.seed}) in {current.seconds:.1f} s"
        )
        check = None if old is None else regress.compare(old, current, settings)
        if update:
            regress.write_baseline(current, baselines)
            out_console.print(
                f"{name}: {regress.update_summary(check)}", highlight=False, soft_wrap=True
            )
        elif check is None:
            missing.append(name)
        else:
            checks.append(check)
    if update:
        for name in orphans:
            regress.remove_baseline(baselines, name, mode)
            out_console.print(
                f"{name}: removed (no scenario file)", highlight=False, soft_wrap=True
            )
        out_console.print(
            f"{mode} baselines of {len(loaded)} scenario(s) written to {baselines} in "
            f"{time.perf_counter() - clock:.1f} s",
            highlight=False,
            soft_wrap=True,
        )
        return

    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(
        regress.markdown_report(checks, mode, settings, baselines, missing, orphans),
        encoding="utf-8",
    )
    junit.parent.mkdir(parents=True, exist_ok=True)
    junit.write_bytes(regress.junit_xml(checks, mode, settings, missing))

    out_console.print(
        _table(f"regression check ({mode} mode)", regress.scenario_rows(checks, missing))
    )
    drifted = regress.drift_rows(checks)
    if drifted:
        shown = drifted[:CONSOLE_ROWS]
        out_console.print(_table("drift", shown))
        if len(drifted) > len(shown):
            out_console.print(f"... and {len(drifted) - len(shown)} more in {markdown}")
    for name in orphans:
        _say(f"{baselines / name}: baseline without a scenario file (not checked)")
    for name in missing:
        _say(
            f"{name}: no {mode} baseline in {baselines}; run workbench regress"
            f"{' --quick' if quick else ''} --update and commit it"
        )
    failed = [c.scenario for c in checks if c.verdict == regress.DRIFT] + missing
    verdict = f"FAILED ({', '.join(failed)})" if failed else "passed"
    out_console.print(
        f"regression check {verdict}: {len(checks) + len(missing)} scenario(s) in "
        f"{time.perf_counter() - clock:.1f} s; summary in {markdown}, JUnit in {junit}",
        highlight=False,
        soft_wrap=True,
    )
    if failed:
        raise typer.Exit(EXIT_DRIFT)
