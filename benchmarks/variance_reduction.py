"""Variance of a paired difference: common random numbers against independent streams.

The change is one more agent on one roster row (default: ``scenarios/small-shop.toml``, row 0).
Both options run ``replications`` replications. With common random numbers (CRN, what
``workbench compare`` does) option B uses option A's seed, so replication ``r`` of both sees the
same customers and the same absences; with independent streams B uses another seed. For each KPI
the per-replication difference ``d_r = B_r - A_r`` is formed and its sample variance (ddof 1)
compared: ``ratio = var(d | independent) / var(d | CRN)``; the goal is a ratio of at least 5
for the service level of every channel and for the total cost. The variance of a Student-t
interval's mean is ``var(d) / n``, so a ratio of 5 is the same precision with 5x fewer
replications (Law 2015, *Simulation Modeling and Analysis*, 5th ed., section 11.2).

Run it from the repository root: ``.venv/bin/python -m benchmarks.variance_reduction``; it
prints a table and writes ``benchmarks/out/variance_reduction.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import common
from simulation import simulate
from workbench import api
from workbench.compare import ALL, per_replication

SMALL_SHOP = common.ROOT / "scenarios" / "small-shop.toml"
GOAL = 5.0
"""var(difference) with independent streams / with common random numbers, at least."""


def _differences(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    keys = ["replication", "channel", "kpi"]
    merged = b.merge(a, on=keys, suffixes=("_b", "_a"))
    merged["diff"] = merged["value_b"] - merged["value_a"]
    return merged[[*keys, "diff"]]


def _ratio(var_independent: float, var_crn: float) -> float:
    """``var_independent / var_crn``; inf when only CRN removes all variance, NaN when both
    are 0 (a KPI the change does not touch, e.g. the abandonment of email)."""
    if var_crn > 0:
        return var_independent / var_crn
    return float("inf") if var_independent > 0 else float("nan")


def measure(
    path: Path = SMALL_SHOP,
    row: int = 0,
    replications: int = 30,
    seed: int | None = None,
    other_seed: int | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Variance of ``B - A`` per KPI under CRN and with independent streams, and their ratio.

    A is the scenario at ``path``, B the same with one more agent on roster row ``row``.
    ``seed`` defaults to the scenario's; ``other_seed`` (B's seed for independent streams) to
    ``seed + 1``. Returns the figures as a JSON-ready dictionary; ``rows`` has one entry per
    channel and KPI with ``mean_diff_crn``, ``mean_diff_independent``, ``var_crn``,
    ``var_independent`` and ``ratio``.
    """
    a = api.load(path)
    b = api.add_agents(a, row)
    seed = a.run.seed if seed is None else seed
    other_seed = seed + 1 if other_seed is None else other_seed
    began = time.perf_counter()
    base = per_replication(simulate(a, replications=replications, seed=seed, workers=workers))
    crn = per_replication(simulate(b, replications=replications, seed=seed, workers=workers))
    independent = per_replication(
        simulate(b, replications=replications, seed=other_seed, workers=workers)
    )
    seconds = time.perf_counter() - began
    paired = _differences(base, crn)
    unpaired = _differences(base, independent)
    rows: list[dict[str, Any]] = []
    for (channel, kpi), group in paired.groupby(["channel", "kpi"], sort=False):
        d_crn = group["diff"].to_numpy(float)
        other = unpaired[(unpaired["channel"] == channel) & (unpaired["kpi"] == kpi)]
        d_ind = other["diff"].to_numpy(float)
        d_crn, d_ind = d_crn[~np.isnan(d_crn)], d_ind[~np.isnan(d_ind)]
        var_crn = float(np.var(d_crn, ddof=1)) if len(d_crn) > 1 else float("nan")
        var_ind = float(np.var(d_ind, ddof=1)) if len(d_ind) > 1 else float("nan")
        rows.append(
            {
                "channel": channel,
                "kpi": kpi,
                "mean_diff_crn": float(d_crn.mean()) if len(d_crn) else float("nan"),
                "mean_diff_independent": float(d_ind.mean()) if len(d_ind) else float("nan"),
                "var_crn": var_crn,
                "var_independent": var_ind,
                "ratio": _ratio(var_ind, var_crn),
            }
        )
    judged = [
        r
        for r in rows
        if (r["kpi"] == "service_level" and r["channel"] != ALL)
        or (r["kpi"] == "total_cost" and r["channel"] == ALL)
    ]
    target = a.roster[row]
    return {
        "scenario": str(path.relative_to(common.ROOT))
        if path.is_relative_to(common.ROOT)
        else str(path),
        "change": f"+1 agent on roster row {row} ({target.site} {target.shift} "
        f"{target.start // 60:02d}:{target.start % 60:02d}, {target.agents} -> "
        f"{target.agents + 1} agents)",
        "replications": replications,
        "seed": seed,
        "independent_seed": other_seed,
        "simulate_seconds": seconds,
        "goal_ratio": GOAL,
        "rows": rows,
        "judged": [{"channel": r["channel"], "kpi": r["kpi"], "ratio": r["ratio"]} for r in judged],
        "goal_met": all(r["ratio"] >= GOAL for r in judged),
    }


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as null (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _times(ratio: float) -> str:
    return "-" if math.isnan(ratio) else f"{ratio:.1f}x"


def _table(figures: dict[str, Any]) -> list[str]:
    lines = [
        f"{'channel':<16} {'kpi':<14} {'mean diff CRN':>14} {'mean diff ind.':>14} "
        f"{'var CRN':>12} {'var ind.':>12} {'ratio':>9}",
        "-" * 97,
    ]
    for r in figures["rows"]:
        judged = (r["kpi"] == "service_level") or (r["kpi"] == "total_cost")
        lines.append(
            f"{r['channel']:<16} {r['kpi']:<14} {r['mean_diff_crn']:>14.5g} "
            f"{r['mean_diff_independent']:>14.5g} {r['var_crn']:>12.4g} "
            f"{r['var_independent']:>12.4g} {_times(r['ratio']):>9}"
            + (" <- goal" if judged else "")
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.variance_reduction", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scenario", type=Path, default=SMALL_SHOP, help="scenario file")
    parser.add_argument("--row", type=int, default=0, help="roster row given one more agent")
    parser.add_argument("--replications", type=int, default=30, help="replications (30)")
    parser.add_argument("--seed", type=int, default=None, help="seed (the scenario's)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    args = parser.parse_args()
    info = common.machine()
    figures = measure(
        args.scenario.resolve(), args.row, args.replications, args.seed, None, args.workers
    )
    figures["machine"] = info
    print(f"date       {info['date_utc']}")
    print(f"scenario   {figures['scenario']}: {figures['change']}")
    print(
        f"runs       {figures['replications']} replications; CRN seed {figures['seed']}, "
        f"independent seed {figures['independent_seed']}; 3 x simulate() in "
        f"{figures['simulate_seconds']:.1f} s\n"
    )
    print("\n".join(_table(figures)))
    worst = min(r["ratio"] for r in figures["judged"])
    verdict = "met" if figures["goal_met"] else "MISSED"
    print(f"\nsmallest ratio among the goal rows: {worst:.1f}x (goal >= {GOAL:g}x): {verdict}")
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = common.OUT_DIR / "variance_reduction.json"
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(_json_safe(figures), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
