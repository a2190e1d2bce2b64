"""Executors: identical results on the local pool and a real Dask ``LocalCluster``, worker
deaths survived, failures named, the replication cache (hits, partial fills, keys)."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

from scenarios.schema import Scenario
from simulation import dask_run, executors, simulate
from simulation.cache import ReplicationCache, code_fingerprint, scenario_digest
from simulation.executors import ExecutorError, ReplicationsFailed, run_tasks
from simulation.model import build
from simulation.results import Results
from simulation.runner import Timed, run_replications
from tests.factory import build_scenario, single_queue_raw
from workbench.cli import app
from workbench.sweep import plan_sweep, run_sweep

distributed = pytest.importorskip("distributed")

REPLICATIONS = 8


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two single-threaded worker processes, closed (and checked gone) at the end."""
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    try:
        yield local
    finally:
        local.close()
    for child in multiprocessing.active_children():
        child.join(timeout=10)
    left = [c.name for c in multiprocessing.active_children() if "Dask" in c.name]
    assert not left, f"worker processes left running: {left}"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    """One day, one queue with abandonment: about 60 ms a replication."""
    return build_scenario(
        single_queue_raw(9, per_hour=150.0, patience="2m", days=1, replications=REPLICATIONS)
    )


@pytest.fixture(scope="module")
def reference(tiny: Scenario) -> Results:
    return simulate(tiny)


def _same(a: Results, b: Results) -> None:
    """Byte-identical tables and summary."""
    assert json.dumps(a.summary) == json.dumps(b.summary)
    for name in ("intervals", "daily", "replications", "sites"):
        assert getattr(a, name).to_csv() == getattr(b, name).to_csv(), name


def _spy(cluster: Any) -> Any:
    return distributed.Client(cluster.scheduler_address, set_as_default=False)


def test_local_pool_and_dask_cluster_give_identical_results(
    cluster: Any, tiny: Scenario, reference: Results
) -> None:
    _same(reference, simulate(tiny, workers=2))
    on_cluster = simulate(tiny, executor="dask", address=cluster.scheduler_address)
    _same(reference, on_cluster)
    assert reference.summary["replications"] == REPLICATIONS


def test_sweep_table_identical_on_every_executor(cluster: Any, tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(single_queue_raw(9, per_hour=150.0, days=1, replications=3)))
    plan = plan_sweep(path, {"roster[0].agents": [8, 10], "channels.c1.handle_time.mean": ["3m"]})
    tables = [
        run_sweep(plan).table.to_csv(index=False),
        run_sweep(plan, workers=2).table.to_csv(index=False),
        run_sweep(plan, executor="dask", address=cluster.scheduler_address).table.to_csv(
            index=False
        ),
    ]
    assert tables[0] == tables[1] == tables[2]
    assert tables[0].count("\n") == 3  # header + 2 points x 1 channel


def _broken(scenario: Scenario) -> Any:
    """A model whose every replication raises KeyError (no queue for any region)."""
    return dataclasses.replace(build(scenario), queue_of={})


@pytest.mark.parametrize("how", ["in-process", "pool", "dask"])
def test_failed_replications_are_named_after_retries(
    how: str, cluster: Any, tiny: Scenario
) -> None:
    model = build(tiny)
    models = [model, _broken(tiny)]
    tasks = [(0, 0), (1, 0), (0, 1), (1, 1)]
    done: list[int] = []
    kwargs: dict[str, Any] = {"in-process": {}, "pool": {"workers": 2}}.get(
        how, {"executor": "dask", "address": cluster.scheduler_address}
    )
    with pytest.raises(ReplicationsFailed) as caught:
        run_tasks(models, 1, tasks, retries=1, on_done=lambda i, _: done.append(i), **kwargs)
    error = caught.value
    assert [(f.point, f.replication) for f in error.failures] == [(1, 0), (1, 1)]
    assert all("KeyError" in f.error for f in error.failures)
    assert "2 of 4 replications failed" in str(error)
    assert "point 1 replication 0: KeyError" in str(error)
    assert sorted(done) == [0, 2]  # the good ones finished and were reported


def _pool_children() -> list[Any]:
    """The local pool's worker processes (forked; the Dask workers are spawned)."""
    return [
        c
        for c in multiprocessing.active_children()
        if type(c).__name__ == "ForkProcess" and c.is_alive()
    ]


def test_a_killed_pool_worker_is_retried_on_a_fresh_pool(
    tiny: Scenario, reference: Results
) -> None:
    killed: list[int] = []

    def kill_one(_: Timed) -> None:
        children = _pool_children()
        if not killed and children:
            os.kill(children[0].pid, signal.SIGKILL)
            killed.append(children[0].pid)

    survived = simulate(tiny, workers=2, on_done=kill_one)
    assert killed
    _same(reference, survived)


def test_pool_worker_deaths_beyond_retries_name_the_lost_replications(tiny: Scenario) -> None:
    def kill_all(_: Timed) -> None:
        for child in _pool_children():
            os.kill(child.pid, signal.SIGKILL)

    with pytest.raises(ReplicationsFailed) as caught:
        run_replications(
            build(tiny), 1, range(REPLICATIONS), workers=2, on_done=kill_all, retries=0
        )
    assert caught.value.failures
    assert all("worker process died" in f.error for f in caught.value.failures)
    assert {f.replication for f in caught.value.failures} < set(range(REPLICATIONS))


def test_unreachable_scheduler_and_missing_scheduler_file(
    monkeypatch: pytest.MonkeyPatch, tiny: Scenario, tmp_path: Path
) -> None:
    monkeypatch.setattr(dask_run, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(ExecutorError, match=r"cannot reach tcp://127\.0\.0\.1:9"):
        simulate(tiny, replications=2, executor="dask", address="tcp://127.0.0.1:9")
    with pytest.raises(ExecutorError, match=r"scheduler file .* not found"):
        simulate(tiny, replications=2, executor="dask", address=str(tmp_path / "none.json"))


def test_cli_executor_failures_exit_without_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(single_queue_raw(9, days=1, replications=2)))
    runner = CliRunner()
    missing = tmp_path / "scheduler.json"
    args = ["simulate", str(path), "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--executor", "dask", "--address", str(missing)])
    assert result.exit_code == 2, result.output
    assert "scheduler file" in result.output and "Traceback" not in result.output

    def fails(model: Any, seed: int, replication: int, **_: Any) -> Timed:
        raise MemoryError(f"replication {replication} ran out of memory")

    monkeypatch.setattr(executors, "replicate", fails)
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output  # a failure to compute, named
    assert "2 of 2 replications failed: replication 0: MemoryError" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_cli_simulate_on_a_cluster_writes_the_same_files(cluster: Any, tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(single_queue_raw(9, days=1, replications=3)))
    runner = CliRunner()
    for name, extra in (
        ("local", []),
        ("dask", ["--executor", "dask", "--address", cluster.scheduler_address]),
    ):
        result = runner.invoke(app, ["simulate", str(path), "--out", str(tmp_path / name), *extra])
        assert result.exit_code == 0, result.output
    for name in ("intervals.csv", "daily.csv", "replications.csv", "sites.csv", "summary.json"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


# --------------------------------------------------------------------------------------------
# cache


def test_cache_hits_every_replication_on_a_second_run(
    monkeypatch: pytest.MonkeyPatch, tiny: Scenario, tmp_path: Path
) -> None:
    model = build(tiny)
    cache = ReplicationCache(tmp_path)
    first = run_replications(model, 3, range(5), cache=cache)
    assert cache.stored == 5 and cache.hits == 0
    assert all(t.seconds > 0 for t in first)

    def must_not_run(*_: Any) -> Timed:
        raise AssertionError("simulated although cached")

    monkeypatch.setattr(executors, "replicate", must_not_run)
    again = ReplicationCache(tmp_path)
    second = run_replications(model, 3, range(5), cache=again)
    assert again.hits == 5 and again.stored == 0
    assert all(t.seconds == 0.0 for t in second)
    for a, b in zip(first, second, strict=True):
        assert a.result.replication == b.result.replication
        assert (a.result.answered_within == b.result.answered_within).all()


def test_partially_filled_cache_computes_only_the_missing(tiny: Scenario, tmp_path: Path) -> None:
    model = build(tiny)
    digest = scenario_digest(tiny)
    full = run_replications(model, 3, range(6), cache=ReplicationCache(tmp_path))
    cache = ReplicationCache(tmp_path)
    cache.path(digest, 3, 1).unlink()
    cache.path(digest, 3, 4).write_bytes(b"not a pickle")  # corrupt: recomputed too
    again = run_replications(model, 3, range(6), workers=2, cache=cache)
    assert cache.hits == 4 and cache.stored == 2
    assert [t.seconds > 0 for t in again] == [False, True, False, False, True, False]
    reference = simulate(tiny, replications=6, seed=3)
    from simulation.results import aggregate

    _same(reference, aggregate(model, [t.result for t in again], 3))
    assert [t.result.replication for t in full] == list(range(6))


def test_cache_key_follows_what_changes_a_replication() -> None:
    raw = single_queue_raw(9, days=1)
    base = scenario_digest(build_scenario(raw))
    reseeded = dict(raw, run={**raw["run"], "seed": 77, "replications": 3})
    assert scenario_digest(build_scenario(reseeded)) == base  # seed is a separate key part
    staffed = single_queue_raw(10, days=1)
    assert scenario_digest(build_scenario(staffed)) != base
    warm = dict(raw, run={**raw["run"], "warmup": "12h"})
    assert scenario_digest(build_scenario(warm)) != base
    assert set(code_fingerprint()) == {"workbench", "source_sha256", "python", "numpy", "simpy"}


# --------------------------------------------------------------------------------------------
# worker deaths on the cluster (last: they leave it with restarted workers)


def test_a_killed_dask_worker_does_not_lose_the_run(
    cluster: Any, tiny: Scenario, reference: Results
) -> None:
    """SIGKILL the worker process that is running tasks as soon as the first result is in;
    the scheduler moves its tasks to the other worker and the results do not change."""
    with _spy(cluster) as spy:
        spy.wait_for_workers(2, timeout=30)
        pids: dict[str, int] = spy.run(os.getpid)
        killed: list[tuple[str, int]] = []

        def kill_a_busy_worker(_: Timed) -> None:
            if killed:
                return
            busy = [w for w, keys in spy.processing().items() if keys and w in pids]
            assert busy, "no task in flight to lose"
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append((busy[0], pids[busy[0]]))

        survived = simulate(
            tiny, executor="dask", address=cluster.scheduler_address, on_done=kill_a_busy_worker
        )
        assert killed
        _same(reference, survived)
        assert pids[killed[0][0]] not in spy.run(os.getpid).values()


def test_lost_scattered_model_is_scattered_again(
    cluster: Any, tiny: Scenario, reference: Results
) -> None:
    """Every worker killed: the broadcast model is gone with them; the tasks are resubmitted
    with the model scattered again once the nannies have restarted the workers."""
    with _spy(cluster) as spy:
        pids: dict[str, int] = spy.run(os.getpid)
        killed: list[int] = []

        def kill_every_worker(_: Timed) -> None:
            if not killed:
                for pid in pids.values():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

        survived = simulate(
            tiny, executor="dask", address=cluster.scheduler_address, on_done=kill_every_worker
        )
        assert len(killed) == len(pids) >= 1
        _same(reference, survived)
