"""A disk cache of finished replications, keyed by (scenario hash, seed, replication).

A replication's result depends only on the resolved scenario, the seed and the replication
index (its random streams are keyed by ``(seed, replication, purpose, key)``, see
``simulation.streams``), and on the code that simulates it. ``scenario_digest`` hashes all of
that: the scenario as validated (``Scenario.model_dump_json()`` with ``run.seed`` and
``run.replications`` set aside, since a replication does not read them), the forecast CSV data
the loader read (not part of that dump), and ``code_fingerprint()`` (this package's version, a
SHA-256 of the source of the ``simulation`` and ``scenarios`` packages, and the Python, NumPy
and SimPy versions). Editing the engine or upgrading NumPy therefore starts a fresh cache
instead of returning stale results.

Entries are ``zlib``-compressed pickles of ``ReplicationResult`` (about 45 kB for one week of
``global-retail``), written to a temporary file and renamed, so an interrupted run never leaves
a half-written entry and several processes may share the folder. **The cache is trusted local
data**: loading an entry unpickles it, which can run arbitrary code, so never point the cache at
files you did not write yourself. Deleting the folder (default ``results/.cache``, ignored by
git) is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import platform
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from scenarios.schema import Scenario
from simulation.engine import ReplicationResult

CACHE_DIR = Path("results") / ".cache"
"""Default cache folder, relative to the working directory (as run folders are)."""

CACHE_FORMAT = 1
"""Version of the entry layout; part of every digest."""

_PACKAGES = ("simulation", "scenarios")
"""Packages whose source decides a replication's result."""

_MACHINERY = frozenset({"simulation/cache.py", "simulation/executors.py"})
"""Modules that move results around without computing them: left out of the fingerprint."""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def code_fingerprint() -> dict[str, str]:
    """What, besides the scenario, decides a replication's result on this machine.

    ``workbench``: the installed ``staffing-workbench`` version; ``source_sha256``: SHA-256 over
    the ``.py`` files of the ``simulation`` and ``scenarios`` packages (names and bytes, sorted
    by name; ``cache.py`` and ``executors.py`` left out: they compute nothing); ``python``,
    ``numpy``, ``simpy``: versions. The Dask executor compares this
    dictionary between the client and every worker before running anything.
    """
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for source in sorted((root / package).glob("*.py")):
            if f"{package}/{source.name}" in _MACHINERY:
                continue
            digest.update(f"{package}/{source.name}\n".encode())
            digest.update(source.read_bytes())
    return {
        "workbench": _version("staffing-workbench"),
        "source_sha256": digest.hexdigest(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "simpy": _version("simpy"),
    }


def scenario_digest(scenario: Scenario) -> str:
    """Hex SHA-256 naming the results of ``scenario`` (any seed, any replication).

    Covers the validated scenario except ``run.seed`` and ``run.replications`` (the seed is a
    separate part of the cache key, and replication ``r`` does not depend on how many others
    run), the forecast data and ``code_fingerprint()``.
    """
    run = scenario.run.model_copy(update={"seed": 0, "replications": 1})
    plain = scenario.model_copy(update={"run": run})
    document = {
        "format": CACHE_FORMAT,
        "code": code_fingerprint(),
        "scenario": json.loads(plain.model_dump_json(warnings=False)),
        "forecasts": {
            name: json.loads(forecast.model_dump_json(warnings=False))
            for name, forecast in sorted(scenario.forecasts.items())
        },
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ReplicationCache:
    """Finished replications on disk under ``root``, one file per (digest, seed, replication).

    ``hits``, ``misses`` and ``stored`` count this object's lookups and writes.
    """

    root: Path = CACHE_DIR
    hits: int = field(default=0, compare=False)
    misses: int = field(default=0, compare=False)
    stored: int = field(default=0, compare=False)

    def path(self, digest: str, seed: int, replication: int) -> Path:
        """The entry file of one replication."""
        return (
            Path(self.root)
            / "replications"
            / digest[:2]
            / digest
            / f"seed{seed}-rep{replication}.pickle.z"
        )

    def has(self, digest: str, seed: int, replication: int) -> bool:
        """Whether an entry exists (without reading it)."""
        return self.path(digest, seed, replication).is_file()

    def get(self, digest: str, seed: int, replication: int) -> ReplicationResult | None:
        """The cached result, or None when absent or unreadable (an unreadable entry is
        deleted so that it is computed and written again)."""
        path = self.path(digest, seed, replication)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            result = pickle.loads(zlib.decompress(data))
            if not isinstance(result, ReplicationResult) or result.replication != replication:
                raise ValueError("not this replication")
        except Exception:  # a corrupt or foreign entry: drop it and recompute
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, digest: str, seed: int, replication: int, result: ReplicationResult) -> None:
        """Store ``result`` atomically (temporary file in the same folder, then rename)."""
        path = self.path(digest, seed, replication)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stored += 1
