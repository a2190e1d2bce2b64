"""Scenarios, timing helpers and machine facts shared by the benchmarks."""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import sys
import time
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from scenarios.loader import parse
from scenarios.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""
GLOBAL_RETAIL = ROOT / "scenarios" / "global-retail.toml"
OUT_DIR = Path(__file__).resolve().parent / "out"

T = TypeVar("T")

# The Erlang A case: M/M/12+M at 200 calls an hour, mean handle time 3 min, mean patience 180 s.
ERLANG_AGENTS = 12
ERLANG_CALLS_PER_HOUR = 200.0
ERLANG_HANDLE_S = 180.0
ERLANG_PATIENCE_S = 180.0
ERLANG_TARGET_S = 20.0
ERLANG_WARMUP_S = 86400.0
ERLANG_SEED = 20260105


def erlang_a_raw(days: int) -> dict[str, Any]:
    """The Erlang A scenario as a parsed-TOML dictionary (12 agents on duty 24/7)."""
    return {
        "format": 1,
        "scenario": {
            "name": "erlang-a-bench",
            "description": "M/M/12+M: one voice queue, constant 200 calls/h, 12 agents 24/7.",
            "start": dt.date(2026, 1, 5),  # a Monday
            "days": days,
            "interval": "60m",
            "timezone": "UTC",
        },
        "run": {"replications": 1, "seed": ERLANG_SEED, "warmup": "24h"},
        "regions": [{"name": "all", "timezone": "UTC", "share": 1.0, "language": "any"}],
        "channels": [
            {
                "name": "voice",
                "kind": "voice",
                "volume": {"per": "day", "count": ERLANG_CALLS_PER_HOUR * 24},
                "hourly_profile": "flat",
                "handle_time": {"mean": "3m", "distribution": "exponential"},
                "patience": {"mean": "180s", "distribution": "exponential"},
                "target": {"within": "20s", "share": 0.80},
            }
        ],
        "sites": [{"name": "hub", "timezone": "UTC", "skills": ["voice"], "hourly_cost": 10.0}],
        "shifts": [
            {
                "name": "week",
                "starts": {"from": "00:00", "to": "00:00", "every": "1h"},
                "length": "168h",
                "days": ["mon"],
            }
        ],
        "roster": [
            {
                "site": "hub",
                "shift": "week",
                "start": "00:00",
                "days": ["mon"],
                "agents": ERLANG_AGENTS,
            }
        ],
    }


def _validated(raw: dict[str, Any], base: Path, file: str) -> Scenario:
    scenario, problems = parse(raw, base=base, file=file)
    if scenario is None:
        print(f"scenario {file} does not validate:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2)
    return scenario


def erlang_a(days: int) -> Scenario:
    """The validated Erlang A scenario over ``days`` planning days."""
    return _validated(erlang_a_raw(days), ROOT, "<erlang-a benchmark>")


def global_retail(days: int | None = None) -> Scenario:
    """``scenarios/global-retail.toml``, optionally with another horizon length in days."""
    raw = tomllib.loads(GLOBAL_RETAIL.read_text(encoding="utf-8"))
    if days is not None:
        raw["scenario"]["days"] = days
    return _validated(raw, GLOBAL_RETAIL.parent, str(GLOBAL_RETAIL))


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and its wall time [s], after a full garbage collection."""
    gc.collect()
    began = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - began


def version(package: str) -> str:
    """Installed version of ``package``, or ``"?"``."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine() -> dict[str, Any]:
    """Where and when the figures were taken."""
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "?",
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": {p: version(p) for p in ("simpy", "numpy", "scipy", "pydantic")},
    }
