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

**The cache is data, never code.** An entry is a NumPy ``.npz`` archive (zip of ``.npy``
arrays, ``numpy.savez_compressed``) holding every field of one ``ReplicationResult``: each array
field as an array of its own dtype and shape, the integer fields and the event trace (as five
column arrays, or none) described in a ``meta`` member, a JSON text that also carries the
entry's full key (``CACHE_FORMAT``, scenario digest, seed, replication and
``code_fingerprint()``). Entries are read with ``allow_pickle=False`` and nothing in them is
executed. An entry is used only when its key equals the key asked for; one that is missing,
truncated, corrupt, oversized, of another layout or of another key (a file copied from another
grid point, seed or code version, or anything else placed there) is a miss: the replication is
simulated again and its entry overwritten. Such a file is never trusted and never a crash.

Entries are written to a temporary file in the same folder and renamed (``os.replace``), so an
interrupted run never leaves a half-written entry and several processes may share the folder.
The default folder is ``results/.cache`` (ignored by git); ``workbench sweep --cache-dir DIR``
puts it elsewhere (a shared disk, say) and ``--no-cache`` turns it off for one run. Deleting the
folder is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import tempfile
import typing
import zipfile
from dataclasses import dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.schema import Scenario
from simulation.engine import ReplicationResult

CACHE_DIR = Path("results") / ".cache"
"""Default cache folder, relative to the working directory (as run folders are)."""

CACHE_FORMAT = 2
"""Version of the entry layout; part of every digest and of every entry's key (1: pickles)."""

MAX_ENTRY_BYTES = 256 * 2**20
"""Largest entry read, on disk and uncompressed [bytes]; a larger file is a miss (one week of
``global-retail`` takes about 52 kB on disk, 0.3 MB uncompressed)."""

_PACKAGES = ("simulation", "scenarios")
"""Packages whose source decides a replication's result."""

_MACHINERY = frozenset(
    {
        "simulation/cache.py",
        "simulation/executors.py",
        "simulation/tasks.py",
        "simulation/pool.py",
        "simulation/dask_run.py",
    }
)
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
    by name; ``cache.py`` and the executors' modules, ``executors.py``, ``tasks.py``,
    ``pool.py`` and ``dask_run.py``, left out: they compute nothing); ``python``,
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


def entry_key(digest: str, seed: int, replication: int) -> dict[str, Any]:
    """The full key of one entry, stored in it and compared on every read."""
    return {
        "format": CACHE_FORMAT,
        "digest": digest,
        "seed": int(seed),
        "replication": int(replication),
        "code": code_fingerprint(),
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
            / f"seed{seed}-rep{replication}.npz"
        )

    def get(self, digest: str, seed: int, replication: int) -> ReplicationResult | None:
        """The cached result, or None (a miss) when the entry is absent, unreadable, not an
        entry of this layout or not the entry of exactly this key. Nothing is deleted: the
        caller simulates the replication and ``put`` overwrites the entry."""
        path = self.path(digest, seed, replication)
        result = read_entry(path, entry_key(digest, seed, replication))
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    def put(self, digest: str, seed: int, replication: int, result: ReplicationResult) -> None:
        """Store ``result`` atomically (temporary file in the same folder, then rename)."""
        path = self.path(digest, seed, replication)
        path.parent.mkdir(parents=True, exist_ok=True)
        members = encode(result, entry_key(digest, seed, replication))
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as partial:
            try:
                np.savez_compressed(partial, allow_pickle=False, **members)
                partial.close()
                os.replace(partial.name, path)
            except BaseException:
                Path(partial.name).unlink(missing_ok=True)
                raise
        self.stored += 1


# --------------------------------------------------------------------------------------------
# entries: every field of a ReplicationResult as plain arrays and JSON, nothing executable

_TRACE = ("trace_time_s", "trace_event", "trace_contact", "trace_name", "trace_agent")
"""Member names of the event trace's columns: (time [s], event, contact, name, agent)."""

_TRACE_TYPES = (float, str, int, str, int)
"""Python type of each trace column, as the engine records it."""


def _field_kinds() -> dict[str, str]:
    """``ReplicationResult`` field -> how an entry stores it: "array", "int" or "trace"."""
    hints = typing.get_type_hints(ReplicationResult)
    kinds: dict[str, str] = {}
    for f in fields(ReplicationResult):
        hint = hints[f.name]
        if f.name == "trace":
            kinds[f.name] = "trace"
        elif hint is np.ndarray:
            kinds[f.name] = "array"
        elif hint is int:
            kinds[f.name] = "int"
        else:  # a new kind of field: teach encode and decode about it (and bump CACHE_FORMAT)
            raise TypeError(f"simulation.cache cannot store ReplicationResult.{f.name}: {hint}")
    return kinds


_KINDS = _field_kinds()


def encode(result: ReplicationResult, key: dict[str, Any]) -> dict[str, np.ndarray]:
    """The members of ``result``'s entry: one array per array field and per trace column, and
    ``meta`` (JSON text: the key, the integer fields, whether there is a trace)."""
    members: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {"key": key, "ints": {}, "trace": result.trace is not None}
    for name, kind in _KINDS.items():
        value = getattr(result, name)
        if kind == "array":
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"ReplicationResult.{name} has dtype {array.dtype}")
            members[name] = array
        elif kind == "int":
            meta["ints"][name] = int(value)
    if result.trace is not None:
        columns = list(zip(*result.trace, strict=True)) or [()] * len(_TRACE)
        for name, column, python in zip(_TRACE, columns, _TRACE_TYPES, strict=True):
            members[name] = np.array(column, dtype=np.int64 if python is int else python)
    members["meta"] = np.array(json.dumps(meta, sort_keys=True, allow_nan=False))
    return members


def decode(members: dict[str, np.ndarray], key: dict[str, Any]) -> ReplicationResult | None:
    """The result stored in ``members``, or None unless they are exactly an entry of ``key``."""
    meta = json.loads(str(members.pop("meta")[()]))
    if not isinstance(meta, dict) or meta.get("key") != key:
        return None
    ints = meta.get("ints")
    if not isinstance(ints, dict) or meta.get("trace") not in (True, False):
        return None
    values: dict[str, Any] = {}
    for name, kind in _KINDS.items():
        if kind == "array":
            array = members.pop(name, None)
            if array is None or array.dtype.kind not in "biuf":
                return None
            values[name] = array
        elif kind == "int":
            number = ints.pop(name, None)
            if type(number) is not int:
                return None
            values[name] = number
    if meta["trace"]:
        columns = [c for c in (members.pop(name, None) for name in _TRACE) if c is not None]
        if len(columns) != len(_TRACE) or any(c.ndim != 1 for c in columns):
            return None
        if len({len(c) for c in columns}) != 1:
            return None
        values["trace"] = [
            tuple(python(v) for python, v in zip(_TRACE_TYPES, row, strict=True))
            for row in zip(*(c.tolist() for c in columns), strict=True)
        ]
    if members or ints:  # something this layout does not write: not our entry
        return None
    return ReplicationResult(**values)


def read_entry(path: Path, key: dict[str, Any]) -> ReplicationResult | None:
    """The result in the entry file at ``path`` if it is a well-formed entry of ``key``, else
    None. Only a regular file of at most ``MAX_ENTRY_BYTES`` is opened; its members are read
    with ``allow_pickle=False`` (a pickle, an object array or any other code is refused)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        members: dict[str, np.ndarray] = {}
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_ENTRY_BYTES:
                return None
            for info in infos:
                name = info.filename.removesuffix(".npy")
                if name == info.filename or name in members:
                    return None
                with archive.open(info) as member:
                    members[name] = np.lib.format.read_array(member, allow_pickle=False)
        if "meta" not in members:
            return None
        return decode(members, key)
    except Exception:  # unreadable or not an entry (zip, npy, JSON, unicode, memory): a miss
        return None
