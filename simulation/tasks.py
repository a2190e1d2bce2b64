"""A run of replication tasks: what a task is, the results gathered in task order, the failures
named after their retries, and the errors an executor raises (``simulation.executors``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulation.replication import Timed

DEFAULT_RETRIES = 2
"""Extra attempts of a failed task (Dask ``retries=``) and pool restarts after a worker dies."""

Task = tuple[int, int]
"""``(point, replication)``: replication ``replication`` of ``models[point]``."""


class ExecutorError(RuntimeError):
    """The work could not be run: no scheduler at the address, no workers, workers running other
    code, or replications that failed (``ReplicationsFailed``)."""


@dataclass(frozen=True)
class Failure:
    """A task that failed after its retries, with its last error (``Type: message``)."""

    point: int
    replication: int
    error: str


class ReplicationsFailed(ExecutorError):
    """Some replications failed after every retry; ``failures`` names each one.

    The replications that did finish were passed to ``on_done`` (and, in a sweep, cached), so a
    second run computes only the failed ones.
    """

    def __init__(self, failures: Sequence[Failure], total: int, points: int = 1) -> None:
        self.failures = list(failures)
        self.total = total
        shown = []
        for failure in self.failures[:10]:
            where = f"replication {failure.replication}"
            if points > 1:
                where = f"point {failure.point} {where}"
            shown.append(f"{where}: {failure.error}")
        more = len(self.failures) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        super().__init__(f"{len(self.failures)} of {total} replications failed: {text}")


def describe(error: BaseException | str) -> str:
    """One line for an error: ``Type: message``, at most 300 characters."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}".rstrip(": ")
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


class Outcome:
    """Results in task order, the failures, and the caller's ``on_done``."""

    def __init__(
        self,
        tasks: Sequence[Task],
        on_done: Callable[[int, Timed], None] | None,
        on_progress: Callable[[int, float], None] | None = None,
    ) -> None:
        self.tasks = tasks
        self.results: list[Timed | None] = [None] * len(tasks)
        self.failures: dict[int, str] = {}
        self.first_error: BaseException | None = None
        self.on_done = on_done
        self.on_progress = on_progress

    def done(self, index: int, timed: Timed) -> None:
        self.results[index] = timed
        if self.on_done is not None:
            self.on_done(index, timed)

    def fail(self, index: int, error: BaseException | str) -> None:
        self.failures[index] = describe(error)
        if self.first_error is None and isinstance(error, BaseException):
            self.first_error = error  # the cause shown under the error's traceback

    def finish(self, points: int) -> list[Timed]:
        if self.failures:
            failures = [
                Failure(self.tasks[i][0], self.tasks[i][1], error)
                for i, error in sorted(self.failures.items())
            ]
            raise ReplicationsFailed(failures, len(self.tasks), points) from self.first_error
        return [t for t in self.results if t is not None]
