"""Dask distributed for ``simulation.executors``: the client (a scheduler at an address or in
a scheduler file, or a ``LocalCluster``), checked to run the same code, and the tasks submitted
to it with their models scattered once to every worker."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any

from simulation.cache import code_fingerprint
from simulation.model import SimModel
from simulation.replication import replicate
from simulation.tasks import ExecutorError, Outcome, Task, describe

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT_S = 20.0
"""How long to wait for the Dask scheduler, and then for its first worker [s]."""


@contextlib.contextmanager
def dask_client(address: str | None, workers: int = 1) -> Iterator[Client]:
    """A Dask client for ``address`` (scheduler address or scheduler file), checked and closed
    on exit; with no address, a ``LocalCluster`` of ``workers`` single-threaded worker processes
    that is closed too. Raises ``ExecutorError`` when there is no scheduler, no worker within
    ``CONNECT_TIMEOUT_S``, or a worker runs other code (``code_fingerprint``); at once, before
    Dask is imported, when ``address`` is neither (``simulation.dask_address``)."""
    from simulation.dask_address import scheduler_address

    target = None if address is None else scheduler_address(address)
    from distributed import Client, LocalCluster

    cluster: LocalCluster | None = None
    client: Client | None = None
    try:
        try:
            if address is None:
                cluster = LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster, set_as_default=False)
            else:
                client = Client(target, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            where = "a local Dask cluster" if address is None else address
            raise ExecutorError(f"cannot reach {where}: {describe(error)}") from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as error:
            raise ExecutorError(
                f"no Dask worker joined the scheduler at {address} within "
                f"{CONNECT_TIMEOUT_S:g} s ({describe(error)})"
            ) from None
        _check_workers(client)
        yield client
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client: Client) -> None:
    """Every worker must run the code this client runs, or results could differ."""
    here = code_fingerprint()
    try:
        found: dict[str, dict[str, str]] = client.run(code_fingerprint)
    except Exception as error:
        raise ExecutorError(
            "cannot run the workbench on the Dask workers (is the same staffing-workbench "
            f"installed there?): {describe(error)}"
        ) from None
    for worker, theirs in sorted(found.items()):
        differ = [f"{k} {theirs.get(k)} here {v}" for k, v in here.items() if theirs.get(k) != v]
        if differ:
            raise ExecutorError(
                f"Dask worker {worker} runs other code than this client ({'; '.join(differ)}); "
                "install the same staffing-workbench, Python, NumPy and SimPy everywhere"
            )


def run_dask(
    client: Client,
    models: Sequence[SimModel],
    seed: int,
    tasks: Sequence[Task],
    retries: int,
    outcome: Outcome,
) -> None:
    from distributed import as_completed

    pending = list(range(len(tasks)))
    rounds = 0
    while pending:
        points = sorted({tasks[i][0] for i in pending})
        scattered = client.scatter([models[p] for p in points], broadcast=True, hash=False)
        shared: dict[int, Any] = dict(zip(points, scattered, strict=True))
        token = uuid.uuid4().hex[:12]
        index: dict[str, int] = {}
        futures = []
        for i in pending:
            point, replication = tasks[i]
            key = f"replicate-{token}-{point}-{replication}"
            index[key] = i
            futures.append(
                client.submit(
                    replicate,
                    shared[point],
                    seed,
                    replication,
                    key=key,
                    pure=False,
                    retries=retries,
                )
            )
        lost: list[int] = []
        for future in as_completed(futures, loop=client.loop):
            i = index[str(future.key)]
            if future.status == "error":
                outcome.fail(i, future.exception())
            else:
                try:
                    timed = future.result()
                except CancelledError:  # the scattered model (or the result) died with the
                    lost.append(i)  # workers holding it: submit again with a fresh scatter
                else:
                    outcome.done(i, timed)
            future.release()
        del futures, scattered, shared
        rounds += 1
        if lost and rounds > retries:
            for i in lost:
                outcome.fail(i, f"its model was lost with the workers ({rounds} rounds)")
            lost = []
        pending = sorted(lost)
