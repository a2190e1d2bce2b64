"""``workbench regress``: re-run scenarios and fail (exit 1) when a forecast drifts from its
baseline; ``--update`` rewrites the baselines and says what changed (docs/regression.md)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich import box
from rich.table import Table

from scenarios.loader import check_file
from scenarios.problems import Problem
from scenarios.schema import Scenario
from simulation.output import (
    OutputError,
    check_destination,
    check_file_destination,
    write_file_atomic,
)
from workbench import regress
from workbench.app import (
    EXIT_BAD_INPUT,
    EXIT_DRIFT,
    AddressOption,
    ExecutorOption,
    WorkersOption,
    app,
    err_console,
    executor_errors,
    fail,
    out_console,
    versions,
    warn,
)
from workbench.guards import ForceOption, refuse_oversized

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


def _ours(head: bytes) -> Callable[[Path], bool]:
    """Whether a file starts (within its first 200 bytes) with what this tool writes there."""

    def check(path: Path) -> bool:
        try:
            with open(path, "rb") as handle:
                return head in handle.read(200)
        except OSError:
            return False

    return check


MARKDOWN_HEAD = b"# Service-level regression check ("
JUNIT_HEAD = b'<testsuites name="workbench regress"'


def _check_outputs(update: bool, baselines: Path, markdown: Path, junit: Path) -> None:
    """Exit 2 naming the path, before anything is measured, when an output cannot be written:
    ``--baselines`` (written with ``--update``, else read) and the ``--markdown`` and
    ``--junit`` reports (replaced only when this tool wrote them)."""
    try:
        if update:
            check_destination(baselines, True, regress.is_store, "--baselines")
            return
        if baselines.exists() and not baselines.is_dir():
            _bad_input(f"--baselines {baselines}: is a file, not a folder")
        check_file_destination(markdown, "--markdown", _ours(MARKDOWN_HEAD))
        check_file_destination(junit, "--junit", _ours(JUNIT_HEAD))
    except OutputError as error:
        _bad_input(str(error))


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
    workers: WorkersOption = 1,
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
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    force: ForceOption = False,
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
    _check_outputs(update, baselines, markdown, junit)
    every = not files
    if not files:
        files = sorted(DEFAULT_SCENARIOS.glob("*.toml"))
        if not files:
            _bad_input(f"{DEFAULT_SCENARIOS}: no scenario files (*.toml) to check")
    loaded = _load_all(files)
    for path, scenario in loaded:
        count = regress.replications_for(scenario, mode)
        refuse_oversized(
            path, scenario, count, workers, force=force, executor=executor, address=address
        )
    code = _code_version()
    names = {scenario.scenario.name for _, scenario in loaded}
    orphans = (
        [n for n in regress.stored_scenarios(baselines, mode) if n not in names] if every else []
    )
    clock = time.perf_counter()
    checks: list[regress.Check] = []
    missing: list[str] = []
    updated: list[tuple[regress.Baseline, regress.Check | None]] = []
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
            updated.append((current, check))
        elif check is None:
            missing.append(name)
        else:
            checks.append(check)
    if update:
        try:  # every baseline at once, or none (an interrupted update changes nothing)
            regress.update_store(
                baselines, [b for b, _ in updated], [(name, mode) for name in orphans]
            )
        except OutputError as error:
            _bad_input(str(error))
        for current, check in updated:
            out_console.print(
                f"{current.scenario}: {regress.update_summary(check)}",
                highlight=False,
                soft_wrap=True,
            )
        for name in orphans:
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

    try:
        write_file_atomic(
            markdown,
            regress.markdown_report(checks, mode, settings, baselines, missing, orphans),
            "--markdown",
        )
        write_file_atomic(junit, regress.junit_xml(checks, mode, settings, missing), "--junit")
    except OutputError as error:
        _bad_input(str(error))

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
