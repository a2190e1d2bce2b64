"""Issue 9, points 7 and 8: the replication cache is data, never code, and random streams of
different keys never collide."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import os
import pickle
import shutil
import threading
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from scenarios.schema import Scenario
from simulation import cache as cache_module
from simulation.arrivals import generate
from simulation.cache import ReplicationCache, scenario_digest
from simulation.engine import ReplicationResult, run
from simulation.model import build
from simulation.runner import replicate
from simulation.streams import Purpose, stream
from tests.factory import build_scenario, single_queue_raw
from workbench.cli import app
from workbench.sweep import plan_sweep, run_sweep

runner = CliRunner()


def _tiny_raw() -> dict[str, Any]:
    """A one-day single-queue scenario (9 agents, 3 replications), as in ``tests/test_sweep``."""
    return single_queue_raw(9, per_hour=150.0, patience="2m", days=1, replications=3)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The tiny scenario as a file."""
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(_tiny_raw()))
    return path


@pytest.fixture
def scenario() -> Scenario:
    """The tiny scenario, loaded."""
    return build_scenario(_tiny_raw())


def _entries(root: Path) -> list[Path]:
    """The entry files under a cache folder (whatever their format), in a stable order."""
    return sorted(p for p in root.rglob("seed*") if p.is_file())


def _sweep(tiny: Path, out: Path, *options: str) -> Any:
    """``workbench sweep`` of 2 points x 2 replications of ``tiny`` into ``out``."""
    args = ["sweep", str(tiny), "--vary", "roster[0].agents=8,10", "--replications", "2"]
    result = runner.invoke(app, [*args, "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return result


class _Payload:
    """Unpickling this creates ``marker``: proof that a cache entry ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


# --------------------------------------------------------------------------------------------
# random streams


def test_streams_for_crc32_colliding_names_differ() -> None:
    """Two keys with the same CRC-32 get different random numbers, and two channels named
    after them get different arrivals (they drew identical ones when streams were keyed by
    ``zlib.crc32``)."""
    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")
    for purpose in Purpose:
        first = stream(1, 0, purpose, "plumless").random(8)
        second = stream(1, 0, purpose, "buckeroo").random(8)
        assert not np.array_equal(first, second), purpose

    raw = single_queue_raw(20, per_hour=60.0, days=1, replications=1)
    (channel,) = raw["channels"]
    raw["channels"] = [dict(copy.deepcopy(channel), name=n) for n in ("plumless", "buckeroo")]
    raw["sites"][0]["skills"] = ["plumless", "buckeroo"]
    model = build(build_scenario(raw))
    contacts = generate(model, 1, 0)
    plumless, buckeroo = (contacts.t_queue_s[contacts.channel == c] for c in (0, 1))
    assert len(plumless) > 100 and len(buckeroo) > 100
    assert not np.array_equal(contacts.arrived[0], contacts.arrived[1])
    assert not np.array_equal(plumless[:100], buckeroo[:100])


# --------------------------------------------------------------------------------------------
# the replication cache


def test_cache_entry_with_pickle_payload_never_executes(scenario: Scenario, tmp_path: Path) -> None:
    """A crafted pickle (raw, zlib-compressed, or inside an ``.npz`` object array) at the path
    of an entry, and at the path entries had when they were pickles, is never unpickled: the
    marker it would create stays absent and the sweep simulates the replication instead."""
    marker = tmp_path / "marker"
    store = ReplicationCache(tmp_path / "cache")
    digest = scenario_digest(scenario)
    entry = store.path(digest, 1, 0)
    legacy = entry.with_name("seed1-rep0.pickle.z")
    entry.parent.mkdir(parents=True)
    crafted = pickle.dumps(_Payload(marker))
    object_npz = tmp_path / "object.npz"
    np.savez(object_npz, meta=np.array([_Payload(marker)], dtype=object))
    for payload in (crafted, zlib.compress(crafted), object_npz.read_bytes()):
        entry.write_bytes(payload)
        legacy.write_bytes(payload)
        assert store.get(digest, 1, 0) is None
        assert not marker.exists()
    plan = plan_sweep(scenario, {"roster[0].agents": [9]}, replications=1, seed=1)
    swept = run_sweep(plan, cache=store)
    assert not marker.exists()
    assert (swept.computed, swept.cached) == (1, 0)
    assert store.get(digest, 1, 0) is not None  # recomputed and overwritten with a real entry


def test_cache_entry_from_another_grid_point_is_a_miss(tiny: Path, tmp_path: Path) -> None:
    """A valid entry copied over the entry of another grid point is not used: that point's
    replication is simulated again, and the table is the one of a clean run."""
    plan = plan_sweep(tiny, {"roster[0].agents": [8, 10]}, replications=2)
    store = ReplicationCache(tmp_path / "cache")
    first = run_sweep(plan, cache=store)
    digests = [scenario_digest(p.scenario) for p in plan.points]
    shutil.copyfile(store.path(digests[0], plan.seed, 0), store.path(digests[1], plan.seed, 0))
    again = run_sweep(plan, cache=ReplicationCache(tmp_path / "cache"))
    assert (again.computed, again.cached) == (1, 3)
    assert again.table.to_csv() == first.table.to_csv()


def test_cache_entry_of_another_seed_is_a_miss(scenario: Scenario, tmp_path: Path) -> None:
    """An entry of the same scenario and replication but another seed, copied to this seed's
    path, is not returned."""
    store = ReplicationCache(tmp_path)
    digest = scenario_digest(scenario)
    store.put(digest, 1, 0, replicate(build(scenario), 1, 0).result)
    store.path(digest, 2, 0).write_bytes(store.path(digest, 1, 0).read_bytes())
    assert store.get(digest, 2, 0) is None
    assert store.get(digest, 1, 0) is not None


def test_cache_entry_of_another_code_version_is_a_miss(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry written by other code (another fingerprint in its key) at this entry's path
    is not returned."""
    store = ReplicationCache(tmp_path)
    digest = scenario_digest(scenario)
    result = replicate(build(scenario), 1, 0).result
    other = {**cache_module.code_fingerprint(), "source_sha256": "0" * 64}
    with monkeypatch.context() as patched:
        patched.setattr(cache_module, "code_fingerprint", lambda: other)
        store.put(digest, 1, 0, result)
    assert store.get(digest, 1, 0) is None
    store.put(digest, 1, 0, result)
    assert store.get(digest, 1, 0) is not None


def test_cache_entry_corrupt_or_not_a_file_is_a_miss_never_a_hang(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO at an entry's path (reading it would wait forever), an empty, truncated or random
    file, an entry with a member this layout does not write and one larger than
    ``MAX_ENTRY_BYTES`` are misses: ``get`` returns None at once (no hang, no exception) and
    ``put`` then overwrites the entry."""
    store = ReplicationCache(tmp_path)
    digest = scenario_digest(scenario)
    result = replicate(build(scenario), 1, 0).result
    entry = store.path(digest, 1, 0)
    entry.parent.mkdir(parents=True)
    os.mkfifo(entry)
    looked: list[object] = []
    reader = threading.Thread(target=lambda: looked.append(store.get(digest, 1, 0)), daemon=True)
    reader.start()
    reader.join(10)
    hung = reader.is_alive()
    if hung:  # blocked opening the FIFO: let it go, then fail
        os.close(os.open(entry, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert not hung and looked == [None]
    entry.unlink()

    store.put(digest, 1, 0, result)
    good = entry.read_bytes()
    surplus = io.BytesIO()
    np.lib.format.write_array(surplus, np.zeros(3))
    with zipfile.ZipFile(io.BytesIO(good)) as original:
        members = {info.filename: original.read(info) for info in original.infolist()}
    extended = io.BytesIO()
    with zipfile.ZipFile(extended, "w") as archive:
        for name, data in {**members, "surplus.npy": surplus.getvalue()}.items():
            archive.writestr(name, data)
    for damaged in (
        b"",
        good[: len(good) // 2],
        np.random.default_rng(0).bytes(4096),
        extended.getvalue(),
    ):
        entry.write_bytes(damaged)
        assert store.get(digest, 1, 0) is None
        store.put(digest, 1, 0, result)
        assert store.get(digest, 1, 0) is not None
    monkeypatch.setattr(cache_module, "MAX_ENTRY_BYTES", len(good) - 1)
    assert store.get(digest, 1, 0) is None


def test_cache_hit_count_counts_only_used_entries(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged entry is simulated again and counted as simulated, in the closing line and in
    the manifest; only entries that were read and used count as "from the cache"."""
    monkeypatch.chdir(tmp_path)  # results/.cache lands here
    first = _sweep(tiny, tmp_path / "one")
    assert "4 simulated, 0 from the cache" in first.output
    entries = _entries(tmp_path / "results" / ".cache")
    assert len(entries) == 4
    entries[0].write_bytes(entries[0].read_bytes()[:100])
    second = _sweep(tiny, tmp_path / "two")
    assert "1 simulated, 3 from the cache" in second.output
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert (manifest["replications_simulated"], manifest["replications_from_cache"]) == (1, 3)
    third = _sweep(tiny, tmp_path / "three")
    assert "0 simulated, 4 from the cache" in third.output  # the damaged entry was rewritten


def test_cache_dir_option_puts_cache_elsewhere(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--cache-dir DIR`` reads and writes the cache in DIR only (``results/.cache`` stays
    absent), records DIR in the manifest, and a second run reads everything back from it."""
    monkeypatch.chdir(tmp_path)
    shared = tmp_path / "shared" / "cache"
    first = _sweep(tiny, tmp_path / "one", "--cache-dir", str(shared))
    assert "4 simulated, 0 from the cache" in first.output
    assert len(_entries(shared)) == 4
    assert not (tmp_path / "results" / ".cache").exists()
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["cache"] == str(shared)
    second = _sweep(tiny, tmp_path / "two", "--cache-dir", str(shared))
    assert "0 simulated, 4 from the cache" in second.output
    off = _sweep(tiny, tmp_path / "three", "--no-cache")
    assert "4 simulated, 0 from the cache" in off.output
    assert not (tmp_path / "results" / ".cache").exists()


def test_cache_dir_that_cannot_be_a_folder_exits_2_before_simulating(
    tiny: Path, tmp_path: Path
) -> None:
    """``--cache-dir`` naming a file, or given with ``--no-cache``, exits 2 with one line
    naming the option and the path, and simulates nothing."""
    a_file = tmp_path / "a-file"
    a_file.write_text("mine")
    args = ["sweep", str(tiny), "--vary", "roster[0].agents=8", "--out", str(tmp_path / "o")]
    for options in (["--cache-dir", str(a_file)], ["--no-cache", "--cache-dir", str(a_file)]):
        result = runner.invoke(app, [*args, *options])
        assert result.exit_code == 2, result.output
        assert "--cache-dir" in result.output and str(a_file) in result.output
        assert "Traceback" not in result.output and "simulated" not in result.output
        assert a_file.read_text() == "mine" and not (tmp_path / "o").exists()


def test_cache_round_trip_is_exact(scenario: Scenario, tmp_path: Path) -> None:
    """``get(put(x))`` equals ``x`` field by field (dtype, shape, values, NaN included; the
    integers and the event trace with their Python types), and the entry is plain data that
    ``numpy.load(..., allow_pickle=False)`` reads."""
    model = build(scenario)
    store = ReplicationCache(tmp_path)
    digest = scenario_digest(scenario)
    traced = run(model, generate(model, 1, 0), 1, 0, trace=True)
    plain = replicate(model, 1, 1).result
    assert traced.trace and plain.trace is None
    for result in (traced, plain):
        store.put(digest, 1, result.replication, result)
        back = store.get(digest, 1, result.replication)
        assert back is not None
        for f in dataclasses.fields(ReplicationResult):
            mine, theirs = getattr(result, f.name), getattr(back, f.name)
            if isinstance(mine, np.ndarray):
                assert isinstance(theirs, np.ndarray), f.name
                assert (theirs.dtype, theirs.shape) == (mine.dtype, mine.shape), f.name
                assert np.array_equal(theirs, mine, equal_nan=mine.dtype.kind == "f"), f.name
            else:
                assert type(theirs) is type(mine) and theirs == mine, f.name
        if result.trace is not None:
            assert back.trace is not None
            assert [tuple(map(type, e)) for e in back.trace] == [
                tuple(map(type, e)) for e in result.trace
            ]
        with np.load(store.path(digest, 1, result.replication), allow_pickle=False) as entry:
            assert np.array_equal(entry["answered"], result.answered)
