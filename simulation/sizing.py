"""How big a run is before it runs: contacts and memory, against this machine's memory.

``estimate`` reads the expected volumes of the demand model (the rates ``simulation.arrivals``
draws from; nothing is drawn or simulated); ``check`` raises ``TooLarge`` when the run's peak
memory exceeds ``BUDGET_SHARE`` of ``available_memory()``. A replication's peak is linear in its
contacts, agent shifts and interval cells. The constants were measured on 2026-12-04 (CPython
3.11.7, NumPy 2.4, SimPy 4.1.2, Linux): replication 0 of 9 variants of global-retail (7 to 62
days, volumes x0.001 to x10, rosters x1 and x10, 15 and 60 min intervals), each in a fresh
interpreter, peak RSS growth (``VmHWM`` after minus ``VmRSS`` before ``generate`` + ``run``)
fitted by least squares, in three runs: 125 to 127 B/contact, 1,571 to 1,578 B/agent shift, 58
to 74 B/cell, 0.8 to 1.9 MB fixed. Rounded up, they estimate each variant within -2 % to +25 % of
its measured growth. ``python -m benchmarks.sizing`` repeats it (``benchmarks/README.md``).
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scenarios.schema import Scenario
from simulation.model import SimModel, build

BYTES_PER_CONTACT = 130.0
"""Peak memory of a replication per contact it simulates [B/contact] (measured, see above)."""
BYTES_PER_AGENT_SHIFT = 1600.0
"""Peak memory of a replication per agent shift simulated [B/shift] (measured)."""
BYTES_PER_CELL = 80.0
"""Peak memory of a replication per interval and channel, queue or site [B/cell] (measured)."""
REPLICATION_FIXED_BYTES = 2.0 * 2**20
"""Peak memory of a replication beyond the terms above [B] (measured intercept, rounded up)."""
RESULT_ARRAYS = (17, 4, 2)
"""Float arrays of one value per interval in a ``ReplicationResult``: per channel, queue, site."""
RESULT_COPIES = 3.0
"""Finished results held at the aggregation peak, in copies (``aggregate`` added 0.7-1.8)."""
BUDGET_SHARE = 0.8
"""Share of the available memory a run may plan to use."""
MEMORY_ENV = "WORKBENCH_MEMORY_BYTES"
"""Environment variable that, when set, replaces the available memory [B]."""
CGROUP_FILES = (
    ("", "memory.max", "memory.current", "inactive_file"),
    ("memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),
)
"""Control-group memory files (v2, v1): folder, limit, usage, reclaimable cache in memory.stat."""


@dataclass(frozen=True)
class SizeEstimate:
    """The expected size of a run of one scenario: ``contacts`` per replication (as
    ``ContactTable.contacts`` counts them), ``agent_shifts`` per replication (at most),
    ``replication_bytes`` one replication adds at its peak [B], ``result_bytes`` of one finished
    result [B], ``replications``, and ``parallel`` replications simulated at once here (0 when
    they run on a remote Dask cluster)."""

    contacts: float
    agent_shifts: int
    replication_bytes: float
    result_bytes: float
    replications: int
    parallel: int

    @property
    def run_bytes(self) -> float:
        """Peak memory of the run on this machine [B]: the replications in flight plus every
        finished result, held until aggregated."""
        held = self.replications * self.result_bytes * RESULT_COPIES
        return self.parallel * self.replication_bytes + held


class TooLarge(Exception):
    """A run needs more memory than this machine has available; the message says how much."""

    def __init__(self, estimate: SizeEstimate, available: float) -> None:
        self.estimate = estimate
        self.available = available
        at_once = f" ({estimate.parallel} at once)" if estimate.parallel > 1 else ""
        super().__init__(
            f"about {_count(estimate.contacts)} contacts per replication, "
            f"{estimate.replications} replications{at_once}, need about "
            f"{_bytes(estimate.run_bytes)} of memory, more than {100 * BUDGET_SHARE:.0f} % of "
            f"the {_bytes(available)} this machine has available"
        )


def expected_contacts(model: SimModel) -> float:
    """Expected contacts of one replication of ``model`` (``ContactTable.contacts``).

    Arrivals are Poisson at ``rate_per_s`` on each demand segment, replayed cyclically over the
    window ``[start_s, end_s)`` (``simulation.arrivals``): the expectation is the rate times each
    replayed segment's overlap with the window (the forecast-error multiplier has mean 1). A bot
    channel adds ``containment x recontact_share`` recontacts per arrival; callbacks add none
    (the caller keeps their place in the queue).
    """
    start, end, length = model.start_s, model.end_s, model.horizon.length_s
    tiles = range(math.floor(start / length), math.floor(end / length) + 1)
    total = 0.0
    for spec, demand in zip(model.channels, model.demands, strict=True):
        arrivals = 0.0
        for tile in tiles:
            begin = np.maximum(demand.t0_s + tile * length, start)
            finish = np.minimum(demand.t1_s + tile * length, end)
            arrivals += float(np.sum(demand.rate_per_s * np.clip(finish - begin, 0.0, None)))
        if spec.bot is not None and spec.bot[0] > 0:
            arrivals *= 1.0 + spec.bot[0] * spec.bot[4]
        total += arrivals
    return total


def agent_shifts(model: SimModel) -> int:
    """Agent shifts of one replication, as ``simulation.engine.run`` tiles them over the window
    (every rostered agent: absences, drawn per replication, only lower it)."""
    length = model.horizon.length_s
    first = math.floor((model.start_s - 7 * 86400.0) / length)
    last = math.floor(model.end_s / length)
    return sum(
        inst.agents
        for inst in model.instances
        for shift in range(first, last + 1)
        if inst.end_s + shift * length > model.start_s
        and inst.start_s + shift * length < model.end_s
    )


def estimate(
    scenario: Scenario | SimModel, replications: int | None = None, parallel: int = 1
) -> SizeEstimate:
    """The size of ``replications`` (default ``[run]``) of ``scenario`` with ``parallel``
    replications simulated at once on this machine (workers; 0 on a remote cluster)."""
    model = scenario if isinstance(scenario, SimModel) else build(scenario)
    count = model.scenario.run.replications if replications is None else replications
    contacts, shifts, n_i = expected_contacts(model), agent_shifts(model), model.horizon.n_intervals
    rows = (len(model.channels), len(model.queues), len(model.scenario.sites))
    result = 8.0 * n_i * sum(a * n for a, n in zip(RESULT_ARRAYS, rows, strict=True))
    replication = contacts * BYTES_PER_CONTACT + shifts * BYTES_PER_AGENT_SHIFT
    replication += n_i * sum(rows) * BYTES_PER_CELL + REPLICATION_FIXED_BYTES
    return SizeEstimate(contacts, shifts, replication, result, count, max(0, parallel))


def available_memory() -> float:
    """Memory this process can still use [B]: ``WORKBENCH_MEMORY_BYTES`` when set (else
    ``ValueError``), or ``/proc/meminfo`` ``MemAvailable`` (off Linux ``SC_AVPHYS_PAGES``) capped
    by what the cgroup limit leaves beyond its usage net of reclaimable page cache."""
    given = os.environ.get(MEMORY_ENV)
    if given is not None:
        with contextlib.suppress(ValueError):
            if math.isfinite(value := float(given)) and value > 0:
                return value
        raise ValueError(f"{MEMORY_ENV} must be a positive number of bytes (got {given!r})")
    found = 1024.0 * _read_table(Path("/proc/meminfo")).get("MemAvailable", math.nan)
    if math.isnan(found):
        found = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    for folder, limit, usage, cache in CGROUP_FILES:
        root = Path("/sys/fs/cgroup") / folder
        try:
            cap = float((root / limit).read_text().strip())
            used = float((root / usage).read_text().strip())
        except (OSError, ValueError):  # no such controller, or no limit ("max")
            continue
        used -= _read_table(root / "memory.stat").get(cache, 0.0)
        if cap < 2**60:  # v1 writes "no limit" as a huge number
            found = min(found, max(cap - used, 0.0))
    return found


def check(size: SizeEstimate, available: float | None = None) -> None:
    """Raise ``TooLarge`` when ``size.run_bytes`` exceeds ``BUDGET_SHARE`` of ``available``
    [B] (default ``available_memory()``)."""
    memory = available_memory() if available is None else available
    if size.run_bytes > BUDGET_SHARE * memory:
        raise TooLarge(size, memory)


def _read_table(path: Path) -> dict[str, float]:
    """``name value`` lines (``/proc/meminfo`` in kB, cgroup ``memory.stat`` in B)."""
    try:
        rows = [line.replace(":", " ").split() for line in path.read_text("ascii").splitlines()]
    except (OSError, UnicodeDecodeError):
        return {}
    return {row[0]: float(row[1]) for row in rows if len(row) >= 2 and row[1].isdigit()}


def _count(value: float) -> str:
    """``61,164`` below a million, ``4.1e9`` above."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{value:,.0f}" if value < 1e6 else f"{mantissa}e{int(exponent)}"


def _bytes(value: float) -> str:
    """Bytes in decimal units: ``700 GB``, ``4.2 GB``, ``310 MB``."""
    power = min(max(int(math.log10(max(value, 1.0)) // 3), 1), 4)
    scaled, unit = value / 10.0 ** (3 * power), ("kB", "MB", "GB", "TB")[power - 1]
    return f"{scaled:.1f} {unit}" if scaled < 10 else f"{scaled:,.0f} {unit}"
