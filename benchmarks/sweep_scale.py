"""Scale of a scenario sweep: the local process pool against a Dask ``LocalCluster``.

The grid (``grid(points)``) varies three keys of ``scenarios/global-retail.toml`` that change
what is simulated: voice volume (``points / 20`` values from 12,000 a week in steps of 500),
chat bot containment (0.0, 0.1, 0.2, 0.3, 0.4) and the agents of roster row 0 (26, 28, 30,
32): 200 points by default, each with ``replications`` replications on the scenario's seed.

Each executor runs the whole grid with the cache off (every replication is simulated):

- ``local``: ``run_sweep(plan, workers=W)``, a fork process pool of W processes;
- ``dask``: ``run_sweep(plan, executor="dask", address=...)`` on a ``LocalCluster`` of W
  single-threaded worker processes started beforehand (its start-up is timed separately).

Timed: ``run_sweep`` from its call to its table (model builds, scheduling, the replications,
transfers of results, aggregation of every point). Reported: wall time, replications per
minute, the mean time of one replication inside a worker, and the Dask overhead
``dask wall / local wall - 1``. The two tables are checked to be identical.

Not part of ``python -m benchmarks`` (both executors together took about 25 minutes on 2
cores at the default size). Run ``python -m benchmarks.sweep_scale [--points 40]
[--replications 10]``; it prints a table and one JSON line, and writes
``benchmarks/out/sweep_scale.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from typing import Any

from benchmarks import common
from workbench.sweep import SweepRun, plan_sweep, run_sweep

CONTAINMENTS = [0.0, 0.1, 0.2, 0.3, 0.4]
AGENTS = [26, 28, 30, 32]


def grid(points: int) -> dict[str, list[Any]]:
    """The swept keys for ``points`` grid points (a multiple of 20)."""
    if points % 20 or points <= 0:
        raise SystemExit(f"--points must be a positive multiple of 20, got {points}")
    volumes = [12_000 + 500 * i for i in range(points // 20)]
    return {
        "channels.voice.volume.count": volumes,
        "channels.chat.bot.containment": CONTAINMENTS,
        "roster[0].agents": AGENTS,
    }


def _figures(run: SweepRun, seconds: float) -> dict[str, Any]:
    count = run.computed
    inside = run.replication_seconds
    return {
        "seconds": seconds,
        "replications": count,
        "replications_per_min": count * 60.0 / seconds,
        "mean_replication_s": sum(inside) / len(inside) if inside else None,
    }


def load() -> float | None:
    """1-minute load average."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def measure(points: int, replications: int, workers: int, executors: list[str]) -> dict[str, Any]:
    """Run the grid on each executor; figures, and whether the tables are identical."""
    plan = plan_sweep(common.GLOBAL_RETAIL, grid(points), replications=replications)
    out: dict[str, Any] = {
        "machine": common.machine(),
        "points": len(plan.points),
        "replications_per_point": replications,
        "workers": workers,
        "runs": {},
    }
    tables = {}
    for name in executors:
        before = load()
        if name == "local":
            began = time.perf_counter()
            run = run_sweep(plan, workers=workers)
            took = time.perf_counter() - began
            out["runs"][name] = _figures(run, took)
        else:
            from distributed import LocalCluster

            began = time.perf_counter()
            with LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster:
                started = time.perf_counter() - began
                began = time.perf_counter()
                run = run_sweep(plan, executor="dask", address=cluster.scheduler_address)
                took = time.perf_counter() - began
            out["runs"][name] = {**_figures(run, took), "cluster_start_s": started}
        out["runs"][name]["load_average_1m_before"] = before
        out["runs"][name]["load_average_1m_after"] = load()
        tables[name] = run.table.to_csv(index=False)
        print(f"... {name}: {took:.1f} s", flush=True)
    if "local" in out["runs"] and "dask" in out["runs"]:
        out["dask_overhead"] = out["runs"]["dask"]["seconds"] / out["runs"]["local"]["seconds"] - 1
    out["tables_identical"] = len(set(tables.values())) == 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep_scale", description=__doc__)
    parser.add_argument("--points", type=int, default=200, help="grid points, multiple of 20")
    parser.add_argument("--replications", type=int, default=10, help="per point (10)")
    parser.add_argument("--workers", type=int, default=2, help="processes per executor (2)")
    parser.add_argument(
        "--executors", default="local,dask", help="comma-separated, run in this order"
    )
    args = parser.parse_args()
    figures = measure(args.points, args.replications, args.workers, args.executors.split(","))
    print(
        f"{figures['points']} points x {figures['replications_per_point']} replications of "
        f"global-retail, {figures['workers']} workers; tables identical: "
        f"{figures['tables_identical']}"
    )
    for name, run in figures["runs"].items():
        extra = ""
        if "cluster_start_s" in run:
            extra = f", cluster start {run['cluster_start_s']:.1f} s"
        print(
            f"{name:<6} {run['seconds']:8.1f} s  {run['replications_per_min']:7.0f} reps/min  "
            f"{run['mean_replication_s']:.3f} s/rep in a worker{extra}  (load "
            f"{run['load_average_1m_before']:.2f} -> {run['load_average_1m_after']:.2f})"
        )
    if "dask_overhead" in figures:
        print(f"dask overhead vs local pool: {100 * figures['dask_overhead']:+.1f} %")
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = common.OUT_DIR / "sweep_scale.json"
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
