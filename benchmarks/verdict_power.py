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

Run it from the repository root: ``.venv/bin/python -m benchmarks.verdict_power [PLAN]
[--replications 20,60,200] [--workers 2]``; it writes ``benchmarks/out/verdict_power.json``.
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


def measure(path: Path, counts: list[int], workers: int) -> list[dict[str, Any]]:
    """One row per replication count and line with cells near target (module docstring)."""
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
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", default=str(ROOT / "scenarios" / "global-retail.toml"))
    parser.add_argument("--replications", default="20,60,200")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    counts = sorted({int(c) for c in args.replications.split(",")})
    rows = measure(Path(args.plan), counts, args.workers)
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
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "verdict_power.json").write_text(
        json.dumps(
            {
                "date": dt.date.today().isoformat(),
                "plan": str(args.plan),
                "machine": common.machine(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
