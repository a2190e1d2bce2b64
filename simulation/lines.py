"""The reported lines of a run: every channel, and ``<channel>:callback`` for the accepted
voice callbacks, with their counters stacked over replications and the service-level
denominator of the channel's counting rule (``simulation.kpis``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulation.engine import ReplicationResult
from simulation.kpis import ratio, service_level_denominator
from simulation.model import SimModel


@dataclass
class Line:
    """Counters of one reported line (a channel or a callback line), shape (reps, intervals)."""

    name: str
    channel: int
    target_s: float
    target_share: float
    counts: str
    arrived: np.ndarray
    contained: np.ndarray
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    within: np.ndarray
    denominator: np.ndarray
    started: np.ndarray
    wait_sum: np.ndarray
    wait_p90: np.ndarray
    wait_p90_day: np.ndarray
    wait_p90_all: np.ndarray
    backlog: np.ndarray
    sites: list[int] = field(default_factory=list)
    feedback: dict[str, np.ndarray] = field(default_factory=dict)
    """Repeats and redials (``simulation.feedback``): ``handled``, ``unresolved``, ``repeats``,
    ``redials``, ``gave_up``, and the chat time held ``chat_s`` [s], shape (reps, intervals);
    empty for a callback line (all 0)."""
    concurrency: int = 1
    """Chats an agent may hold at once (1: not a chat channel with concurrency)."""
    resolves: bool = False
    """The channel has a ``resolution`` (else its ``fcr`` is empty)."""

    def fed(self, name: str) -> np.ndarray:
        """The feedback counter ``name`` (zeros for a callback line)."""
        found = self.feedback.get(name)
        return np.zeros_like(self.offered) if found is None else found

    def fcr(self, group: Callable[[np.ndarray], np.ndarray] = lambda values: values) -> np.ndarray:
        """First-contact resolution ``1 - unresolved / handled`` per replication and cell, the
        cells being the intervals summed by ``group`` (intervals by default); NaN without a
        ``resolution`` or where nothing was handled."""
        handled = group(self.fed("handled"))
        if not self.resolves:
            return np.full_like(handled, np.nan)
        return 1.0 - ratio(group(self.fed("unresolved")), handled)

    def slot_occupancy(self, chat_s: np.ndarray, available_s: np.ndarray) -> np.ndarray:
        """Share of chat slots used: chat time held / (available time x concurrency) of the
        agents with the skill, per replication and cell; NaN unless concurrency > 1."""
        if self.concurrency <= 1 or ":" in self.name:
            return np.full_like(available_s, np.nan, dtype=float)
        return ratio(chat_s, available_s * self.concurrency)

    def attempts(self, reps: Sequence[ReplicationResult]) -> np.ndarray:
        """Every try reaching the agent queue inside the horizon, per replication: the contacts
        drawn up front, repeats and redials (0 for a callback line)."""
        if ":" in self.name:
            return np.zeros(len(reps))
        c = self.channel
        return np.array([r.queued[c] + r.repeats[c].sum() + r.redials[c].sum() for r in reps])


def lines(model: SimModel, reps: Sequence[ReplicationResult]) -> list[Line]:
    """The reported lines (channels, then ``<channel>:callback``) with their counters stacked
    over replications; ``denominator`` follows the counting rule of the module docstring."""

    def stack(name: str, c: int) -> np.ndarray:
        return np.stack([getattr(r, name)[c] for r in reps])

    scenario = model.scenario
    zeros = np.zeros((len(reps), model.horizon.n_intervals))
    nans = np.full_like(zeros, np.nan)
    out = []
    for spec in model.channels:
        c = spec.index
        answered, abandoned = stack("answered", c), stack("abandoned", c)
        counted = service_level_denominator(
            spec.real_time,
            spec.counts,
            answered,
            abandoned,
            stack("short_abandoned", c),
            stack("open_missed", c),
        )
        sites = [k for k, s in enumerate(scenario.sites) if spec.name in s.skills]
        out.append(
            Line(
                spec.name,
                c,
                spec.target_s,
                spec.target_share,
                spec.counts,
                stack("arrived", c),
                stack("contained", c),
                stack("offered", c),
                answered,
                abandoned,
                stack("answered_within", c),
                counted,
                stack("started", c),
                stack("wait_sum_s", c),
                stack("wait_p90_s", c),
                stack("wait_p90_day_s", c),
                np.array([r.wait_p90_all_s[c] for r in reps]),
                stack("backlog_end", c),
                sites,
                {
                    name: stack(name, c)
                    for name in (
                        "handled",
                        "unresolved",
                        "repeats",
                        "redials",
                        "gave_up",
                        "chat_s",
                    )
                },
                spec.concurrency,
                spec.resolution is not None,
            )
        )
        if spec.callback is not None:
            answered_cb = stack("answered_cb", c)
            out.append(
                Line(
                    f"{spec.name}:callback",
                    c,
                    spec.callback[2],
                    spec.target_share,
                    "offered",
                    zeros,
                    zeros,
                    stack("offered_cb", c),
                    answered_cb,
                    zeros,
                    stack("within_cb", c),
                    answered_cb + stack("open_missed_cb", c),
                    zeros,
                    zeros,
                    nans,
                    np.full((len(reps), len(model.horizon.dates)), np.nan),
                    np.full(len(reps), np.nan),
                    zeros,
                    sites,
                )
            )
    return out
