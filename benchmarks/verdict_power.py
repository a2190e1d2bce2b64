"""The power of the optimizer's verdict, with and without control variates (issue 10 point 2).

The verdict calls a cell (channel, interval) short when a one-sided Student-t test says its
expected service level is below target - ``verify.tolerance`` (``optimizer.plan.verdict``).
Its power against a cell 3 points below target depends on the cell's standard error; the
control-variate estimator (``simulation.controls``) lowers it. For a plan (an
``optimized.toml``, or any scenario with a roster) simulated on its fresh verification seed,
this prints per line, over the cells within 5 points of their target, for each replication
count asked: the cells, the median standard error of the plain mean and of the control-variate
estimate, the median ratio of their variances, the median power of the test with each, and the
replications that would give power 0.8.

With ``--coverage``, it also checks the estimator on the simulation itself rather than on
normal data: the replications are cut into disjoint batches of 20, 40 and 60; for every line
cell within 10 points of its target, the batch's estimate is compared with the plain mean of
all the other replications (independent of the batch), z = difference / sqrt(se_batch^2 +
se_rest^2); the share of |z| < 1.96 is the coverage of the 95 % interval (0.95 if the standard
errors are right) and the mean z its bias in standard errors, for the control-variate estimate
and for the plain mean. Cells are chosen on the mean over all the replications (uncorrelated
with the difference; choosing on the batch's or the rest's mean biases z). The batches share
their cells, so the cells' z are not independent.

Run it from the repository root: ``.venv/bin/python -m benchmarks.verdict_power [PLAN]
[--replications 20,60,200] [--coverage] [--workers 2]``; it writes
``benchmarks/out/verdict_power.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import common
from optimizer.plan.power import NEAR, power_of, replications_for_power, t_test_power
from optimizer.plan.verdict import EFFECT, fresh_seed
from scenarios.loader import load
from simulation import aggregate, build, run_replications

ROOT = Path(__file__).resolve().parents[1]


def measure(
    path: Path, counts: list[int], workers: int, with_coverage: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per replication count and line with cells near target, and the ``coverage``
    rows when asked (module docstring)."""
    scenario = load(path)
    tolerance = scenario.optimizer.verify.tolerance
    confidence = scenario.optimizer.verify.confidence
    gap = EFFECT - tolerance
    model = build(scenario)
    seed = fresh_seed(scenario.run.seed)
    reps = [t.result for t in run_replications(model, seed, range(max(counts)), workers=workers)]
    rows = []
    for count in counts:
        cells = aggregate(model, reps[:count], seed, confidence).cells
        cells = cells[(cells["scope"] == "interval") & (cells["n"] >= 2)]
        sd, n = cells["sd"].to_numpy(float), cells["n"].to_numpy(float)
        se = cells["se"].to_numpy(float)
        near = (
            (np.abs(cells["estimate"].to_numpy(float) - cells["target"].to_numpy(float)) <= NEAR)
            & (se > 0)
            & (sd > 0)
        )
        for line in sorted(set(cells["channel"][near])):
            mine = near & (cells["channel"] == line).to_numpy()
            plain_se = sd[mine] / np.sqrt(n[mine])
            used = int(np.median(cells["controls"].to_numpy(int)[mine]))
            rows.append(
                {
                    "replications": count,
                    "line": line,
                    "cells": int(mine.sum()),
                    "se_plain": float(np.median(plain_se)),
                    "se_controls": float(np.median(se[mine])),
                    "variance_ratio": float(np.median(se[mine] ** 2 / plain_se**2)),
                    "power_plain": float(
                        np.median(t_test_power(sd[mine], n[mine], gap, confidence))
                    ),
                    "power_controls": float(
                        np.median(
                            power_of(se[mine], cells["dof"].to_numpy(float)[mine], gap, confidence)
                        )
                    ),
                    "for_0_8_plain": replications_for_power(
                        float(np.median(sd[mine])), gap, confidence
                    ),
                    "for_0_8_controls": replications_for_power(
                        float(np.median(se[mine] * np.sqrt(n[mine]))),
                        gap,
                        confidence,
                        controls=used,
                    ),
                }
            )
    return rows, coverage(model, reps, seed) if with_coverage else []


def coverage(
    model: Any, reps: list[Any], seed: int, sizes: tuple[int, ...] = (20, 40, 60)
) -> list[dict[str, Any]]:
    """Coverage and bias of the 95 % interval per batch size and line (module docstring)."""
    rows = []
    every = aggregate(model, reps, seed).cells
    for size in sizes:
        found: dict[str, dict[str, list[float]]] = {}
        for b in range(len(reps) // size):
            batch = aggregate(model, reps[b * size : (b + 1) * size], seed).cells
            rest = aggregate(model, reps[: b * size] + reps[(b + 1) * size :], seed).cells
            # cells chosen on the mean over all replications, which is uncorrelated with the
            # difference batch - rest; choosing on either side's mean biases z
            mine = (
                (batch["scope"] == "interval")
                & (batch["n"] >= 2)
                & (batch["sd"] > 0)
                & ((every["mean"] - every["target"]).abs() <= 0.10)
            ).to_numpy()
            rest_se = (rest["sd"] / np.sqrt(rest["n"])).to_numpy()
            truth = rest["mean"].to_numpy()
            for kind, level, se in (
                ("controls", batch["estimate"], batch["se"]),
                ("plain", batch["mean"], batch["sd"] / np.sqrt(batch["n"])),
            ):
                with np.errstate(divide="ignore", invalid="ignore"):
                    z = (level.to_numpy() - truth) / np.sqrt(se.to_numpy() ** 2 + rest_se**2)
                for line in set(batch["channel"][mine]):
                    keep = mine & (batch["channel"] == line).to_numpy() & np.isfinite(z)
                    found.setdefault(line, {}).setdefault(kind, []).extend(z[keep].tolist())
        for line, kinds in sorted(found.items()):
            z_cv, z_plain = np.array(kinds["controls"]), np.array(kinds["plain"])
            rows.append(
                {
                    "batch": size,
                    "line": line,
                    "cells": len(z_cv),
                    "coverage_controls": float(np.mean(np.abs(z_cv) < 1.96)),
                    "bias_controls": float(np.mean(z_cv)),
                    "coverage_plain": float(np.mean(np.abs(z_plain) < 1.96)),
                    "bias_plain": float(np.mean(z_plain)),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", default=str(ROOT / "scenarios" / "global-retail.toml"))
    parser.add_argument("--replications", default="20,60,200")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--coverage", action="store_true")
    args = parser.parse_args()
    counts = sorted({int(c) for c in args.replications.split(",")})
    rows, cover = measure(Path(args.plan), counts, args.workers, args.coverage)
    print(
        f"{'reps':>5} {'line':<16} {'cells':>5} {'se plain':>9} {'se cv':>7} {'var ratio':>9} "
        f"{'power plain':>11} {'power cv':>8} {'0.8 plain':>9} {'0.8 cv':>7}"
    )
    for r in rows:
        print(
            f"{r['replications']:>5} {r['line']:<16} {r['cells']:>5} {r['se_plain']:>9.4f} "
            f"{r['se_controls']:>7.4f} {r['variance_ratio']:>9.2f} {r['power_plain']:>11.2f} "
            f"{r['power_controls']:>8.2f} {r['for_0_8_plain']!s:>9} {r['for_0_8_controls']!s:>7}"
        )
    if cover:
        print(
            f"\n{'batch':>5} {'line':<16} {'cells':>5} {'cover cv':>8} {'bias cv':>7} "
            f"{'cover plain':>11} {'bias plain':>10}"
        )
    for r in cover:
        print(
            f"{r['batch']:>5} {r['line']:<16} {r['cells']:>5} {r['coverage_controls']:>8.3f} "
            f"{r['bias_controls']:>7.3f} {r['coverage_plain']:>11.3f} {r['bias_plain']:>10.3f}"
        )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "verdict_power.json").write_text(
        json.dumps(
            {
                "date": dt.date.today().isoformat(),
                "plan": str(args.plan),
                "machine": common.machine(),
                "rows": rows,
                "coverage": cover,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
