"""Memory of a replication per contact, per agent shift and per interval: the constants of
``simulation.sizing``, measured again.

Each variant of ``scenarios/global-retail.toml`` (days, volume factor, roster factor, interval)
runs replication 0 in a fresh interpreter (``python -m benchmarks.sizing --child ...``), which
reports ``VmRSS`` before ``generate`` + ``run`` and ``VmHWM`` after: their difference is the peak
memory the replication added. A least-squares fit of that growth on (contacts, agent shifts,
interval cells, 1) gives the constants; the table compares each run with
``simulation.sizing.estimate``. Linux only (``/proc/self/status``); about 40 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from typing import Any

import numpy as np

from benchmarks import common

VARIANTS: tuple[tuple[int, float, int, str], ...] = (
    (7, 1.0, 1, "30m"),
    (7, 4.0, 1, "30m"),
    (7, 10.0, 1, "30m"),
    (7, 10.0, 10, "30m"),
    (28, 1.0, 1, "30m"),
    (62, 1.0, 1, "30m"),
    (62, 0.001, 10, "60m"),
    (62, 0.001, 1, "15m"),
    (62, 0.001, 1, "60m"),
)
"""(days, volume factor, roster factor, interval) of each measured run."""


def _status(field: str) -> float:
    """A ``/proc/self/status`` figure [B]."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024.0
    raise RuntimeError(f"no {field} in /proc/self/status")


def variant(days: int, volume: float, agents: int, interval: str) -> Any:
    """global-retail over ``days`` with volumes and roster rows scaled (``max_agents`` off)."""
    from scenarios.loader import parse

    raw = tomllib.loads(common.GLOBAL_RETAIL.read_text(encoding="utf-8"))
    raw["scenario"].update(days=days, interval=interval)
    for channel in raw["channels"]:
        channel["volume"]["count"] *= volume
    for row in raw["roster"]:
        row["agents"] *= agents
    for site in raw["sites"]:
        site.pop("max_agents", None)
    scenario, problems = parse(raw, base=common.GLOBAL_RETAIL.parent, file="global-retail")
    if scenario is None:
        raise SystemExit("\n".join(str(p) for p in problems))
    return scenario


def child(days: int, volume: float, agents: int, interval: str) -> dict[str, Any]:
    """Replication 0 of the variant, here; the figures the fit needs."""
    from simulation import sizing
    from simulation.arrivals import generate
    from simulation.engine import run
    from simulation.model import build

    model = build(variant(days, volume, agents, interval))
    size = sizing.estimate(model)
    before = _status("VmRSS")
    contacts = generate(model, model.scenario.run.seed, 0)
    run(model, contacts, model.scenario.run.seed, 0)
    n_i = model.horizon.n_intervals
    return {
        "variant": [days, volume, agents, interval],
        "contacts": contacts.contacts,
        "expected_contacts": size.contacts,
        "agent_shifts": size.agent_shifts,
        "cells": n_i * (len(model.channels) + len(model.queues) + len(model.scenario.sites)),
        "grown_bytes": _status("VmHWM") - before,
        "estimated_bytes": size.replication_bytes,
    }


def measure() -> dict[str, Any]:
    """Every variant in a fresh interpreter, the fit and the figures."""
    runs = []
    for days, volume, agents, interval in VARIANTS:
        spec = json.dumps([days, volume, agents, interval])
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.sizing", "--child", spec],
            cwd=common.ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    design = np.array([[r["contacts"], r["agent_shifts"], r["cells"], 1.0] for r in runs])
    grown = np.array([r["grown_bytes"] for r in runs])
    fit, *_ = np.linalg.lstsq(design, grown, rcond=None)
    names = ("bytes_per_contact", "bytes_per_agent_shift", "bytes_per_cell", "fixed_bytes")
    return {
        "machine": common.machine(),
        "runs": runs,
        "fit": dict(zip(names, fit.tolist(), strict=True)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        days, volume, agents, interval = json.loads(args.child)
        print(json.dumps(child(days, volume, agents, interval)))
        return
    figures = measure()
    head = ("days", "vol", "roster", "intv", "contacts", "expected", "shifts", "grown MiB")
    print(" ".join(f"{h:>9}" for h in (*head, "est. MiB", "est/grown")))
    for r in figures["runs"]:
        days, volume, agents, interval = r["variant"]
        print(
            f"{days:>9} {volume:>9g} {agents:>9} {interval:>9} {r['contacts']:>9,} "
            f"{r['expected_contacts']:>9,.0f} {r['agent_shifts']:>9,} "
            f"{r['grown_bytes'] / 2**20:>9.1f} {r['estimated_bytes'] / 2**20:>9.1f} "
            f"{r['estimated_bytes'] / r['grown_bytes']:>9.2f}"
        )
    print("fit: " + ", ".join(f"{k} {v:,.1f}" for k, v in figures["fit"].items()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
