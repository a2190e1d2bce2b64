"""The counters of one replication, by channel (or segment, or site) and interval, and the
bookkeeping of time on the horizon's interval grid.

``Counters`` is the base of ``simulation.floor.Floor``: the routing rules add to these grids,
and the engine reads them into a ``ReplicationResult``. A contact belongs to the interval in
which it reached the agent queue; agent time is spread over the intervals it covers.
"""

from __future__ import annotations

from array import array

from simulation.model import SimModel


class Counters:
    """Counter grids ``[row][interval]`` of one replication (counts, or seconds for ``*_sum``,
    ``productive`` and ``busy``)."""

    def __init__(self, model: SimModel) -> None:
        horizon = model.horizon
        self.length = horizon.length_s
        self.step = float(horizon.interval_s)
        n_i = horizon.n_intervals
        n_c = len(model.channels)
        n_s = len(model.scenario.sites)
        n_r = len(model.scenario.regions)
        self.n_intervals = n_i

        # counters [channel][interval]
        def grid() -> list[list[float]]:
            return [[0.0] * n_i for _ in range(n_c)]

        self.offered, self.answered, self.abandoned = grid(), grid(), grid()
        self.short_abandoned, self.within, self.open_missed = grid(), grid(), grid()
        self.wait_sum, self.backlog, self.started = grid(), grid(), grid()
        self.in_service = grid()
        self.offered_cb, self.answered_cb, self.within_cb = grid(), grid(), grid()
        self.open_missed_cb = grid()
        # counters [segment][interval]: the same split by customer region (and so language);
        # the engine sums them into the per-queue (language group) counters
        n_g = n_c * n_r

        def segment_grid() -> list[list[float]]:
            return [[0.0] * n_i for _ in range(n_g)]

        self.s_offered, self.s_answered, self.s_within = (
            segment_grid(),
            segment_grid(),
            segment_grid(),
        )
        self.s_abandoned, self.s_short_abandoned = segment_grid(), segment_grid()
        self.s_open_missed, self.s_in_service = segment_grid(), segment_grid()
        self.s_wait_sum = segment_grid()  # contacts started: s_answered + s_in_service
        self.waits = [array("d") for _ in range(n_c)]
        self.wait_interval = [array("q") for _ in range(n_c)]
        # chat time: each chat's holding time, summed per channel and interval [s]
        self.chat_s = grid()
        self.productive = [[0.0] * n_i for _ in range(n_s)]
        self.busy = [[0.0] * n_i for _ in range(n_s)]

    def spread(self, row: list[float], t0: float, t1: float) -> None:
        """Add the part of ``[t0, t1)`` inside the horizon to ``row`` by interval [s]."""
        if t0 < 0.0:
            t0 = 0.0
        if t1 > self.length:
            t1 = self.length
        step = self.step
        while t0 < t1:
            k = int(t0 // step)
            edge = (k + 1) * step
            if edge > t1:
                edge = t1
            row[k] += edge - t0
            t0 = edge

    def interval(self, t: float) -> int:
        """Interval index of time ``t``, or -1 outside the horizon."""
        if 0.0 <= t < self.length:
            return int(t // self.step)
        return -1
