"""Measuring a scenario: its per-replication KPI values as a ``Baseline``.

A *baseline* holds, for one scenario and one mode (``full`` or ``quick``), the per-replication
values of every compared *series*: a (channel line, day, KPI) triple, where the day is a
planning-clock date or ``"week"`` for the whole horizon. The KPIs are those of docs/outputs.md:
``service_level`` [share], ``asa_s`` [s], ``abandon_rate`` [share] and ``occupancy`` [share] per
channel line, daily and weekly; plus the cost of the whole horizon (line ``"all"``, day
``"week"``): ``labor_cost`` (sum of the sites' labour cost), ``bot_cost`` and ``total_cost``
[scenario currency]. Labour is paid per agent-shift, so cost has no daily series.

``measure`` runs the scenario and returns the ``Baseline``; ``workbench.regress.baselines``
stores it, ``workbench.regress.check`` compares two of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios.schema import Scenario
from simulation.engine import ReplicationResult
from simulation.model import SimModel, build
from simulation.results import Results, aggregate, lines, ratio, sha256_of
from simulation.runner import Timed, run_replications

MODES = ("full", "quick")
"""``full``: the scenario's ``[run]`` replications; ``quick``: at most ``QUICK_REPLICATIONS``."""
QUICK_REPLICATIONS = 5
"""Replications of the quick mode (pull requests); the seed stays the scenario's."""
KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy")
"""Per channel line, daily and weekly: [share], [s], [share], [share]."""
SHARE_KPIS = frozenset({"service_level", "abandon_rate", "occupancy"})
"""The KPIs in [share] (formatted in % and percentage points)."""
COSTS = ("labor_cost", "bot_cost", "total_cost")
"""Whole-horizon cost per replication [scenario currency], on line ``ALL``."""
WEEK = "week"
"""The ``day`` label of whole-horizon values."""
ALL = "all"
"""The ``channel`` label of cost values."""
COLUMNS = ("scenario", "mode", "replication", "channel", "day", "kpi", "value")
"""Columns of a baseline CSV (one row per replication and series)."""


def replications_for(scenario: Scenario, mode: str) -> int:
    """Replications run in ``mode``: the scenario's, or at most ``QUICK_REPLICATIONS``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    count = scenario.run.replications
    return min(count, QUICK_REPLICATIONS) if mode == "quick" else count


def daily_kpis(model: SimModel, reps: Sequence[ReplicationResult]) -> dict[str, dict[str, Any]]:
    """Per-replication KPIs of every line by planning day: ``{line: {kpi: array}}``, each array
    of shape (replications, days), NaN where undefined (nothing offered, nobody available).

    The ratios are those of ``daily.csv`` (``simulation.results.aggregate``) before its mean over
    replications: service level [share], ASA = wait of started contacts / started [s],
    abandonment = abandoned / (answered + abandoned) [share], occupancy = busy / available time
    of the agents with the channel's skill [share].
    """
    day_of = model.horizon.interval_day
    n_days = len(model.horizon.dates)
    productive = np.stack([r.productive_s for r in reps])  # reps x sites x intervals
    busy = np.stack([r.busy_s for r in reps])

    def by_day(values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], n_days))
        for d in range(n_days):
            out[:, d] = values[:, day_of == d].sum(axis=1)
        return out

    found: dict[str, dict[str, Any]] = {}
    for line in lines(model, reps):
        answered, abandoned = by_day(line.answered), by_day(line.abandoned)
        found[line.name] = {
            "service_level": ratio(by_day(line.within), by_day(line.denominator)),
            "asa_s": ratio(by_day(line.wait_sum), by_day(line.started)),
            "abandon_rate": ratio(abandoned, answered + abandoned),
            "occupancy": ratio(
                by_day(busy[:, line.sites, :].sum(axis=1)),
                by_day(productive[:, line.sites, :].sum(axis=1)),
            ),
        }
    return found


def kpi_values(
    model: SimModel, reps: Sequence[ReplicationResult], results: Results, mode: str
) -> pd.DataFrame:
    """The tidy baseline table (``COLUMNS``) of one run: daily values from ``daily_kpis``,
    weekly ones from ``results.replications`` (whole-horizon ratios of sums), cost per
    replication from the replication counters (labour summed over sites, bot over channels)."""
    name = model.scenario.scenario.name
    days = [d.isoformat() for d in model.horizon.dates]
    ids = [r.replication for r in reps]
    weekly = {
        (str(row["channel"]), int(row["replication"])): row
        for row in results.replications.to_dict("records")
    }
    rows: list[tuple[str, str, int, str, str, str, float]] = []
    for line, kpis in daily_kpis(model, reps).items():
        for d, day in enumerate(days):
            for kpi in KPIS:
                values = kpis[kpi][:, d]
                rows.extend(
                    (name, mode, r, line, day, kpi, float(v))
                    for r, v in zip(ids, values, strict=True)
                )
        for kpi in KPIS:
            rows.extend(
                (name, mode, r, line, WEEK, kpi, float(weekly[(line, r)][kpi])) for r in ids
            )
    for kpi in COSTS:
        for rep in reps:
            labor = float(rep.labor_cost.sum())
            bot = float(rep.bot_cost.sum())
            value = {"labor_cost": labor, "bot_cost": bot, "total_cost": labor + bot}[kpi]
            rows.append((name, mode, rep.replication, ALL, WEEK, kpi, value))
    return pd.DataFrame(rows, columns=list(COLUMNS))


@dataclass(frozen=True)
class Baseline:
    """Per-replication KPI values of one scenario in one mode, and how they were made.

    ``values`` has the columns ``COLUMNS``; ``meta`` is the JSON beside the CSV: scenario
    name, mode, seed, replications, the file and the sha256 of it and of its CSV inputs, and the
    code version. ``seconds`` is the wall-clock time of the run that made it [s] (0 when read).
    """

    scenario: str
    mode: str
    seed: int
    replications: tuple[int, ...]
    values: pd.DataFrame
    meta: dict[str, Any]
    seconds: float = 0.0


def input_hashes(file: Path, scenario: Scenario) -> dict[str, str]:
    """sha256 of the scenario file and of the forecast, roster and schedule CSVs it names."""
    found = {file.name: sha256_of(file)}
    extra = [f.path for f in scenario.forecasts.values()]
    extra += [f for f in (scenario.roster_file, scenario.schedule_file) if f]
    for relative in sorted(set(extra)):
        path = file.parent / relative
        if path.is_file():
            found[relative] = sha256_of(path)
    return found


def measure(
    scenario: Scenario,
    mode: str = "full",
    *,
    file: Path | None = None,
    seed: int | None = None,
    replications: int | None = None,
    workers: int = 1,
    executor: str = "local",
    address: str | None = None,
    on_done: Callable[[Timed], None] | None = None,
    code: Mapping[str, str] | None = None,
) -> Baseline:
    """Simulate ``scenario`` in ``mode`` and return its per-replication KPIs as a ``Baseline``.

    ``seed`` and ``replications`` default to the scenario's seed and ``replications_for``;
    ``workers``, ``executor`` and ``address`` choose where replications run (results are
    identical whatever they are); ``file`` (the scenario file) is hashed into the meta and
    ``code`` (versions) copied into it.
    """
    clock = _now()
    model = build(scenario)
    used_seed = scenario.run.seed if seed is None else seed
    count = replications_for(scenario, mode) if replications is None else replications
    timed = run_replications(
        model,
        used_seed,
        range(count),
        workers=workers,
        on_done=on_done,
        executor=executor,
        address=address,
    )
    reps = [t.result for t in timed]
    results = aggregate(model, reps, used_seed)
    values = kpi_values(model, reps, results, mode)
    name = scenario.scenario.name
    meta: dict[str, Any] = {
        "scenario": name,
        "mode": mode,
        "seed": used_seed,
        "replications": count,
        "file": None if file is None else file.as_posix(),
        "sha256": {} if file is None else input_hashes(file, scenario),
        "code": dict(code or {}),
        "series": int(values.groupby(["channel", "day", "kpi"]).ngroups),
    }
    return Baseline(name, mode, used_seed, tuple(range(count)), values, meta, _now() - clock)


def _now() -> float:
    return time.perf_counter()
