"""Checks the simulating commands run before any replication and before any output folder:
a run that needs more memory than this machine has is refused (exit 2, one line) unless
``--force`` (``simulation.sizing``); and the progress of a replication while it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID

from scenarios.schema import Scenario
from simulation import sizing
from simulation.runner import Timed
from workbench.app import EXIT_BAD_INPUT, err_console

ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Run even when the size check estimates that the run needs more memory than this "
        "machine has available.",
    ),
]


def refuse_oversized(
    file: Path | str,
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    *,
    force: bool = False,
    executor: str = "local",
    address: str | None = None,
    at_once: int | None = None,
) -> None:
    """Exit 2 with one line naming ``file`` when ``replications`` of ``scenario`` need more than
    ``sizing.BUDGET_SHARE`` of the available memory; nothing is checked with ``force``.

    ``workers`` replications run at once (at most ``at_once``, default ``replications``: the
    tasks of the run); on a Dask cluster at ``address`` (``executor = "dask"``) none runs here,
    only the results come back.
    """
    if force:
        return
    remote = executor == "dask" and address is not None
    parallel = 0 if remote else max(1, min(workers, replications if at_once is None else at_once))
    try:
        sizing.check(sizing.estimate(scenario, replications, parallel))
    except sizing.TooLarge as error:
        size = error.estimate
        fits = size.replication_bytes <= sizing.BUDGET_SHARE * error.available
        if size.parallel * size.replication_bytes <= size.run_bytes / 2:
            advice = "run fewer replications"
        elif fits and size.parallel > 1:
            advice = "lower --workers, shorten scenario.days or lower the volumes"
        else:
            advice = "shorten scenario.days or lower the volumes"
        _say(f"{file}: {error}; {advice}, or pass --force")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ValueError as error:  # WORKBENCH_MEMORY_BYTES that is not a number of bytes
        _say(f"{file}: {error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _say(message: str) -> None:
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


class ReplicationProgress:
    """Moves a progress bar of ``total`` replications by each finished replication (``done``)
    and by the simulated share of each one still running (``partial``)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task
        self.finished = 0
        self.running: dict[int, float] = {}

    def done(self, timed: Timed) -> None:
        """``on_done``: replication ``timed.result.replication`` finished."""
        self.running.pop(timed.result.replication, None)
        self.finished += 1
        self._show()

    def partial(self, replication: int, fraction: float) -> None:
        """``on_progress``: ``fraction`` of ``replication``'s simulated window is done."""
        self.running[replication] = fraction
        self._show()

    def _show(self) -> None:
        self.progress.update(self.task, completed=self.finished + sum(self.running.values()))
