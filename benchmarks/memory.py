"""Peak memory of one long global-retail replication, measured in a fresh interpreter.

``measure_in_subprocess(days)`` starts ``python -m benchmarks.memory --days N`` so that the
peak RSS (``ru_maxrss``) belongs to this run alone and not to the benchmarks before it; the
child prints its figures as one JSON line. With ``--tracemalloc`` the child also traces the
Python heap (NumPy buffers included); that slows allocation and inflates RSS, so it is a
second, separate run.

Caveat (Linux): ``ru_maxrss`` survives ``fork`` + ``execve``. A child started by a parent whose
RSS once peaked at X reports ``ru_maxrss >= X`` even before it has done anything. The child
therefore also reports ``VmHWM`` from ``/proc/self/status`` (its own address space's peak, reset
at ``execve``); ``python -m benchmarks`` runs this benchmark first, while the parent is still
small, so that both figures agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

from benchmarks import common


def _rss_mib() -> float:
    """Peak resident set size of this process so far [MiB] (``ru_maxrss`` is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _vm_hwm_mib() -> float | None:
    """Peak RSS of this address space [MiB] (``VmHWM``; Linux only, else None)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def measure(days: int, trace: bool) -> dict[str, Any]:
    """Build and simulate replication 0 of global-retail over ``days`` days, here."""
    from simulation.arrivals import generate
    from simulation.engine import run
    from simulation.model import build

    scenario = common.global_retail(days)
    seed = scenario.run.seed
    rss_before = _rss_mib()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    model = build(scenario)
    built = time.perf_counter()
    contacts = generate(model, seed, 0)
    result = run(model, contacts, seed, 0)
    ended = time.perf_counter()
    figures: dict[str, Any] = {
        "days": days,
        "contacts": contacts.contacts,
        "build_s": built - began,
        "seconds": ended - built,
        "contacts_per_s": contacts.contacts / (ended - built),
        "rss_before_mib": rss_before,
        "peak_rss_mib": _rss_mib(),
        "vm_hwm_mib": _vm_hwm_mib(),
        "answered": float(result.answered.sum()),
    }
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures["tracemalloc_peak_mib"] = peak / (1024.0 * 1024.0)
    return figures


def measure_in_subprocess(days: int, trace: bool = False) -> dict[str, Any]:
    """``measure(days, trace)`` in a fresh ``python -m benchmarks.memory`` process."""
    command = [sys.executable, "-m", "benchmarks.memory", "--days", str(days)]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(
        command, cwd=common.ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.days, args.tracemalloc)))


if __name__ == "__main__":
    main()
