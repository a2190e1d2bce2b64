"""``python -m benchmarks``: run every benchmark, print a table, write ``out/latest.json``."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from benchmarks import common, engine_speed, memory, parallel

GOALS = {
    "erlang_a_ratio": 0.60,
    "global_retail_contacts_per_s": 25_000.0,
    "peak_rss_mib": 2048.0,
}
"""Engine >= 60 % of bare SimPy; global-retail >= 25,000 contacts/s; 28-day peak RSS < 2 GB."""


def _check(name: str, value: float, goal: float, higher_is_better: bool) -> dict[str, Any]:
    met = value >= goal if higher_is_better else value < goal
    op = ">=" if higher_is_better else "<"
    return {"name": name, "value": value, "goal": goal, "op": op, "met": met}


def _row(label: str, figure: str, goal: str = "", met: bool | None = None) -> str:
    status = "" if met is None else ("ok" if met else "MISSED")
    return f"{label:<44} {figure:>30}  {goal:<14} {status}"


def _table(figures: dict[str, Any]) -> list[str]:
    erl = figures["erlang_a"]
    gr = figures["global_retail"]
    mem = figures["memory_28d"]
    par = figures["parallel"]
    goals = {g["name"]: g for g in figures["goals"]}
    days = erl["days"]
    lines = [
        _row("Benchmark", "Figure", "Goal", None) + "Status",
        "-" * 100,
        _row(
            f"Erlang A engine, {days} d (generate + run)",
            f"{erl['engine']['contacts_per_s']:,.0f} contacts/s",
        ),
        _row(
            f"  {erl['engine']['contacts']:,} contacts, best of "
            f"{len(erl['engine']['all_seconds'])}",
            f"{erl['engine']['seconds']:.3f} s",
        ),
        _row(
            "Erlang A bare SimPy M/M/12+M", f"{erl['bare_simpy']['contacts_per_s']:,.0f} contacts/s"
        ),
        _row(
            f"  {erl['bare_simpy']['contacts']:,} customers, best of "
            f"{len(erl['bare_simpy']['all_seconds'])}",
            f"{erl['bare_simpy']['seconds']:.3f} s",
        ),
        _row(
            "Erlang A engine / bare SimPy",
            f"{erl['ratio']:.0%}",
            ">= 60 %",
            goals["erlang_a_ratio"]["met"],
        ),
        _row(
            "  service level (engine / bare)",
            f"{erl['engine']['service_level']:.3f} / {erl['bare_simpy']['service_level']:.3f}",
        ),
        _row(
            "  abandoned share (engine / bare)",
            f"{erl['engine']['abandon_share']:.3f} / {erl['bare_simpy']['abandon_share']:.3f}",
        ),
        _row(
            f"global-retail rep 0, {gr['days']} d (generate + run)",
            f"{gr['contacts_per_s']:,.0f} contacts/s",
            ">= 25,000/s",
            goals["global_retail_contacts_per_s"]["met"],
        ),
        _row(
            f"  {gr['contacts']:,} contacts, best of {len(gr['all_seconds'])}",
            f"{gr['seconds']:.3f} s",
        ),
        _row(
            f"global-retail {mem['days']} d, peak RSS (fresh process)",
            f"{mem['peak_rss_mib']:,.0f} MiB",
            "< 2 GB",
            goals["peak_rss_mib"]["met"],
        ),
        _row("  RSS after imports, before the run", f"{mem['rss_before_mib']:,.0f} MiB"),
    ]
    if mem.get("vm_hwm_mib") is not None:
        lines.append(_row("  VmHWM (own peak, /proc)", f"{mem['vm_hwm_mib']:,.0f} MiB"))
    if "tracemalloc_peak_mib" in mem:
        lines.append(
            _row("  tracemalloc peak (Python heap)", f"{mem['tracemalloc_peak_mib']:,.1f} MiB")
        )
    lines.append(
        _row(
            f"global-retail {mem['days']} d speed ({mem['contacts']:,} contacts)",
            f"{mem['contacts_per_s']:,.0f} contacts/s",
        )
    )
    for run in par["runs"].values():
        lines.append(
            _row(
                f"simulate() global-retail {par['replications']} reps, workers={run['workers']}",
                f"{run['seconds']:.2f} s, {run['replications_per_min']:.0f} reps/min",
                f"x{run['speedup']:.2f}",
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--erlang-days", type=int, default=28, help="horizon of the Erlang A case (default 28)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs, best kept (3)")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the traced (slower) memory run"
    )
    parser.add_argument(
        "--profile", action="store_true", help="always print the global-retail profile"
    )
    args = parser.parse_args()

    began = time.perf_counter()
    info = common.machine()
    load = info["load_average_1m"]
    print(f"date       {info['date_utc']}")
    print(
        f"machine    {info['platform']} ({info['machine']}), cpu_count={info['cpu_count']}, "
        f"usable={info['usable_cpus']}, load average (1 min) "
        + ("?" if load is None else f"{load:.2f}")
    )
    print(
        f"python     {info['python']} ({info['python_implementation']}); "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    )
    print(f"one core   every speed figure is one process, no pool (pid {os.getpid()})\n")

    # first, while this process is small: a child's ru_maxrss includes its parent's peak
    print("... global-retail 28 days, peak memory in a fresh process", flush=True)
    mem = memory.measure_in_subprocess(28)
    if not args.no_tracemalloc:
        traced = memory.measure_in_subprocess(28, trace=True)
        mem["tracemalloc_peak_mib"] = traced["tracemalloc_peak_mib"]
        mem["traced_peak_rss_mib"] = traced["peak_rss_mib"]
    print("... Erlang A: engine vs bare SimPy", flush=True)
    erl = engine_speed.erlang_a(args.erlang_days, args.repeats)
    print("... global-retail, one replication", flush=True)
    gr = engine_speed.global_retail(args.repeats)
    print("... simulate() with 1 and 2 workers", flush=True)
    par = parallel.measure(10, (1, 2), repeats=2)

    goals = [
        _check("erlang_a_ratio", erl["ratio"], GOALS["erlang_a_ratio"], True),
        _check(
            "global_retail_contacts_per_s",
            gr["contacts_per_s"],
            GOALS["global_retail_contacts_per_s"],
            True,
        ),
        _check("peak_rss_mib", mem["peak_rss_mib"], GOALS["peak_rss_mib"], False),
    ]
    figures: dict[str, Any] = {
        "machine": info,
        "erlang_a": erl,
        "global_retail": gr,
        "memory_28d": mem,
        "parallel": par,
        "goals": goals,
    }
    print()
    print("\n".join(_table(figures)))

    missed = [g["name"] for g in goals if not g["met"]]
    if missed or args.profile:
        if missed:
            print(f"\nMISSED: {', '.join(missed)}")
        print("\ncProfile of one global-retail replication (generate + run), top 15 by tottime:")
        figures["profile"] = engine_speed.profile_global_retail(15).rstrip()
        print(figures["profile"])

    from benchmarks import milp_scale  # the shift-covering MILP, last (README "MILP scale")

    figures["milp_scale"] = milp_scale.report()
    figures["total_s"] = time.perf_counter() - began
    figures["load_average_1m_at_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = common.OUT_DIR / "latest.json"
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    print(f"\nwrote {path.relative_to(common.ROOT)} ({figures['total_s']:.0f} s in all)")


if __name__ == "__main__":
    main()
