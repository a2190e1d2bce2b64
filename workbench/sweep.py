"""Scenario sweeps: a grid of variants of one scenario, every point on common random numbers.

``sweep("scenarios/global-retail.toml", {"channels.voice.volume.count": [12000, 15000],
"channels.chat.bot.containment": [0.1, 0.2, 0.3]})`` simulates the 6 combinations with the
same seed and the same replications (the same customers, see ``simulation.streams``), so the
differences between points come from the varied keys alone, and returns one tidy table.

Keys are dotted paths into the scenario file as the planner wrote it (``workbench.sweep_keys``:
``channels.voice.volume.count``, ``roster[2].agents``). Every variant is written into the parsed
TOML document (``scenarios.loader.read_raw``) and validated exactly as a file is
(``scenarios.loader.parse``): a value the format does not allow is reported as
``FILE {point}: key.path: what is wrong (got VALUE)``.

Replications run on any executor (``simulation.executors``) and are cached on disk
(``simulation.cache``): a re-run of the same sweep reads every replication back, an interrupted
one computes only what is missing, and a sweep sharing points with an earlier one reuses them.

The table has one row per point and channel line, columns ``SWEEP_COLUMNS`` (the varied keys
come after ``point``). ``workbench.sweep_chart`` draws the KPI surface and writes a run folder
with ``sweep.csv``, ``sweep.html``, ``sweep.png`` and ``manifest.json``.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.loader import parse, read_raw
from scenarios.problems import Problem, ScenarioError, show_value
from scenarios.schema import Scenario
from simulation.cache import ReplicationCache, scenario_digest
from simulation.engine import ReplicationResult
from simulation.executors import DEFAULT_RETRIES, run_tasks
from simulation.model import SimModel, build
from simulation.results import aggregate
from simulation.runner import Timed, replicate
from workbench.sweep_keys import set_key

SWEEP_COLUMNS: dict[str, str] = {
    "point": "grid point, 0-based, in the order of the grid (last key varies fastest)",
    "<key>": "one column per varied key (its dotted path), the value at this point",
    "channel": "channel line (<channel>:callback for accepted voice callbacks)",
    "offered": "contacts reaching the agent queue over the horizon, mean over replications",
    "service_level": "whole-horizon service level, mean over replications [share 0..1]",
    "service_level_ci_low": "95 % Student-t interval over replications, low end [share]",
    "service_level_ci_high": "95 % Student-t interval over replications, high end [share]",
    "target_share": "the channel's target share [share 0..1]",
    "met": "whether the mean service level reaches the target share",
    "asa_s": "mean wait until an agent took the contact [s]",
    "abandon_rate": "abandoned / (answered + abandoned) [share 0..1]",
    "occupancy": "busy time / available time of the agents with the skill [share 0..1]",
    "cost_labor": "labour cost of the point over the horizon (same on every line of a point)",
    "cost_bot": "bot cost of the point over the horizon (same on every line of a point)",
    "cost_total": "labour + bot cost of the point over the horizon",
}
"""The columns of ``sweep.csv`` with their meaning and units (money in the scenario's
currency)."""


# --------------------------------------------------------------------------------------------
# the plan: validated points


@dataclass(frozen=True)
class Point:
    """One grid point: the value of every varied key, and the validated scenario."""

    index: int
    values: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class SweepPlan:
    """A validated grid: every point's scenario, on one seed and one number of replications."""

    source: str
    """The scenario file (or the scenario's name when it came as an object)."""
    base: Scenario
    vary: dict[str, list[Any]]
    points: tuple[Point, ...]
    seed: int
    replications: int

    @property
    def tasks(self) -> int:
        """Replications to run over all points."""
        return len(self.points) * self.replications


def _label(values: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={show_value(v)}" for k, v in values.items()) + "}"


def _document_of(scenario: Scenario) -> dict[str, Any]:
    if scenario.forecasts:
        raise ValueError(
            "this scenario reads forecast CSV files: pass the scenario file's path to sweep it"
        )
    from workbench.api import document  # a scenario written back in its TOML form

    return document(scenario)


def plan_sweep(
    source: str | Path | Scenario,
    vary: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    data: bytes | None = None,
    vary_problems: Sequence[Problem] = (),
) -> SweepPlan:
    """Validate every point of the grid ``vary`` (key -> values; last key varies fastest).

    ``replications`` and ``seed`` default to the scenario's ``[run]`` table; ``data`` is the
    scenario file's bytes when already read (``scenarios.loader.Sources``). Raises
    ``ScenarioError`` with every problem: of the scenario file itself, ``vary_problems`` found
    before (the malformed ``--vary`` items of ``read_vary``), of a key that names nothing, of
    a value the format does not allow (each distinct problem once, labelled with the first
    point where it occurs; the values of the keys that name something are checked even when
    another key is wrong).
    """
    if isinstance(source, Scenario):
        raw, base_dir, file = _document_of(source), Path("."), source.scenario.name
    else:
        path = Path(source)
        file, base_dir = str(path), path.parent
        raw = read_raw(path, data)
    base, problems = parse(copy.deepcopy(raw), base=base_dir, file=file)
    if base is None:
        raise ScenarioError(problems)
    grid = {str(k): list(v) for k, v in vary.items()}
    errors: list[Problem] = list(vary_problems)
    if not grid and not errors:
        errors.append(Problem(file, "--vary", "give at least one key to vary"))
    settable: dict[str, list[Any]] = {}  # the keys whose values can be checked
    for key, options in grid.items():
        if not options:
            errors.append(Problem(file, key, "has no values to vary over"))
            continue
        duplicates = [v for i, v in enumerate(options) if v in options[:i]]
        if duplicates:
            errors.append(Problem(file, key, "lists a value twice", duplicates[0]))
        message = set_key(copy.deepcopy(raw), key, options[0])
        if message is not None:
            errors.append(Problem(file, key, message))
        else:
            settable[key] = options
    points: list[Point] = []
    seen: set[tuple[str, str]] = set()
    combinations = itertools.product(*settable.values()) if settable else iter(())
    for index, combination in enumerate(combinations):
        values = dict(zip(settable, combination, strict=True))
        document = copy.deepcopy(raw)
        for key, value in values.items():
            set_key(document, key, value)
        scenario, found = parse(document, base=base_dir, file=f"{file} {_label(values)}")
        for problem in found:
            if problem.warning or (problem.path, problem.message) in seen:
                continue  # the base file's warnings were shown once; each problem once
            seen.add((problem.path, problem.message))
            errors.append(problem)
        if scenario is not None:
            points.append(Point(index, values, scenario))
    if errors:
        raise ScenarioError(errors)
    return SweepPlan(
        source=file,
        base=base,
        vary=grid,
        points=tuple(points),
        seed=base.run.seed if seed is None else seed,
        replications=base.run.replications if replications is None else replications,
    )


# --------------------------------------------------------------------------------------------
# running it


@dataclass
class SweepRun:
    """A finished sweep: the plan, the tidy table and where its replications came from."""

    plan: SweepPlan
    table: pd.DataFrame
    """One row per point and channel line, columns ``SWEEP_COLUMNS``."""
    computed: int
    """Replications simulated by this run (a cache entry that could not be used counts here)."""
    cached: int
    """Replications read back from the cache and used in the table."""
    seconds: float
    """Wall time of ``run_sweep`` [s]."""
    executor: str = "local"
    workers: int = 1
    address: str | None = None
    cache_dir: str | None = None
    replication_seconds: list[float] = field(default_factory=list)
    """Wall time of each replication simulated by this run [s]."""


def _rows(point: Point, summary: dict[str, Any]) -> list[dict[str, Any]]:
    cost = summary["cost"]
    rows = []
    for name, kpi in summary["channels"].items():
        low, high = kpi["service_level"]["ci95"]
        rows.append(
            {
                "point": point.index,
                **point.values,
                "channel": name,
                "offered": kpi["offered"],
                "service_level": kpi["service_level"]["mean"],
                "service_level_ci_low": low,
                "service_level_ci_high": high,
                "target_share": kpi["target"]["share"],
                "met": kpi["met"],
                "asa_s": kpi["asa_s"],
                "abandon_rate": kpi["abandon_rate"],
                "occupancy": kpi["occupancy"],
                "cost_labor": cost["labor"],
                "cost_bot": cost["bot"],
                "cost_total": cost["total"],
            }
        )
    return rows


def run_sweep(
    plan: SweepPlan,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    cache: ReplicationCache | None = None,
    on_task: Callable[[bool], None] | None = None,
    retries: int = DEFAULT_RETRIES,
    confidence: float = 0.95,
) -> SweepRun:
    """Simulate every point of ``plan`` and build its table.

    Replications whose cache entry reads back (``ReplicationCache.get``: the entry of exactly
    this key, well formed) are used instead of simulated; the others run on the executor (see
    ``simulation.executors``) and are stored in the cache as each finishes, so an interrupted
    sweep loses at most the replications in flight. A point read entirely from the cache is
    aggregated at once; any other point as soon as its last replication is in (its cached
    replications are read again then, and one that can no longer be read is simulated on the
    spot). Its replications are then dropped from memory. ``cached`` counts the entries that
    were read and used, ``computed`` every replication simulated. ``on_task(cached)`` is called
    once per replication (for a progress bar). Raises
    ``simulation.executors.ReplicationsFailed`` naming the points and replications that failed
    (every other replication is cached first).
    """
    began = time.perf_counter()
    seed, count = plan.seed, plan.replications
    models: list[SimModel] = [build(p.scenario) for p in plan.points]
    digests = [scenario_digest(p.scenario) for p in plan.points]
    held: dict[int, dict[int, ReplicationResult]] = {}
    rows: dict[int, list[dict[str, Any]]] = {}
    seconds: list[float] = []
    used = {"cached": 0, "computed": 0}  # replications that went into the table, by origin

    def result_of(i: int, r: int) -> ReplicationResult:
        if r in held.get(i, {}):
            return held[i][r]
        found = cache.get(digests[i], seed, r) if cache is not None else None
        if found is None:  # an entry that vanished or was damaged since it was read: simulate
            found = replicate(models[i], seed, r).result
            used["computed"] += 1
            if cache is not None:
                cache.put(digests[i], seed, r, found)
        else:
            used["cached"] += 1
        return found

    def close_point(i: int) -> None:
        reps = [result_of(i, r) for r in range(count)]
        results = aggregate(models[i], reps, seed, confidence)
        rows[i] = _rows(plan.points[i], results.summary)
        held.pop(i, None)

    tasks: list[tuple[int, int]] = []
    missing: list[int] = []
    for i in range(len(plan.points)):
        found = {
            r: result
            for r in range(count)
            if cache is not None and (result := cache.get(digests[i], seed, r)) is not None
        }
        missing.append(count - len(found))
        if on_task is not None:
            for _ in found:
                on_task(True)
        if missing[i] == 0:  # every replication read back: aggregate now, keep nothing
            results = aggregate(models[i], [found[r] for r in range(count)], seed, confidence)
            rows[i] = _rows(plan.points[i], results.summary)
            used["cached"] += count
        else:  # read the cached ones again when the point closes (memory stays per point)
            tasks.extend((i, r) for r in range(count) if r not in found)

    def finished(index: int, timed: Timed) -> None:
        i, r = tasks[index]
        if cache is not None:
            cache.put(digests[i], seed, r, timed.result)
        held.setdefault(i, {})[r] = timed.result
        used["computed"] += 1
        seconds.append(timed.seconds)
        missing[i] -= 1
        if on_task is not None:
            on_task(False)
        if missing[i] == 0:
            close_point(i)

    run_tasks(
        models,
        seed,
        tasks,
        workers=workers,
        executor=executor,
        address=address,
        retries=retries,
        on_done=finished,
    )
    for i in range(len(plan.points)):
        if i not in rows:
            close_point(i)
    table = pd.DataFrame([row for i in sorted(rows) for row in rows[i]])
    return SweepRun(
        plan=plan,
        table=table,
        computed=used["computed"],
        cached=used["cached"],
        seconds=time.perf_counter() - began,
        executor=executor,
        workers=workers,
        address=address,
        cache_dir=None if cache is None else str(cache.root),
        replication_seconds=seconds,
    )


def sweep(
    path_or_scenario: str | Path | Scenario,
    vary: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    cache: bool | str | Path = True,
) -> pd.DataFrame:
    """Simulate a grid of variants of a scenario on common random numbers; the tidy table.

    ``path_or_scenario``: a scenario file, or a loaded ``Scenario`` (one without forecast CSVs).
    ``vary``: key path -> values, e.g. ``{"channels.voice.volume.count": [12000, 15000]}``
    (values as TOML would read them: durations as ``"6m"``). ``replications`` and ``seed``
    default to the scenario's ``[run]`` table and are the same for every point. ``workers``,
    ``executor`` and ``address``: where replications run (``simulation.executors``); the table
    does not depend on them. ``cache``: True for ``results/.cache``, a folder, or False.

    Returns one row per point and channel line, columns ``SWEEP_COLUMNS``. Raises
    ``ScenarioError`` for a key or value the scenario format does not allow.
    """
    store = None
    if cache is not False:
        store = ReplicationCache() if cache is True else ReplicationCache(Path(cache))
    plan = plan_sweep(path_or_scenario, vary, replications=replications, seed=seed)
    run = run_sweep(plan, workers=workers, executor=executor, address=address, cache=store)
    return run.table
