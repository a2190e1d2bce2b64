"""The shift-scheduling problem handed to the MILP, and its solution.

A ``ShiftProblem`` is plain data on the horizon's interval grid (interval ``t`` = 0..n-1, the
horizon is cyclic): candidate shift ``Column``s with their cost and coverage, staffing needs per
channel and language group for every bot level, bot choices, and site bounds. It knows nothing
about time zones or scenario files; ``optimizer.shifts.columns`` and
``optimizer.requirements`` build it from a ``Scenario``, and the textbook covering problems
of the tests build it by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from optimizer.tours.tour import Tour


@dataclass(frozen=True)
class Column:
    """A shift that may be staffed: one template at one site from one start on one day.

    ``coverage`` lists ``(interval, productive agents per scheduled agent)``: the expected share
    of the interval an agent of this shift is on the floor and available (breaks, offline share
    and absenteeism taken out), wrapped around the cyclic horizon. ``on_duty`` lists the
    intervals the agent is scheduled on site (for ``max_agents``). ``cost`` is the expected
    labour cost of scheduling one agent on it (premiums included, absent agents unpaid).
    """

    name: str
    site: str
    shift: str
    start_min: int
    day: dt.date | None
    cost: float
    coverage: tuple[tuple[int, float], ...]
    on_duty: tuple[int, ...]


@dataclass(frozen=True)
class RealTimeNeed:
    """Productive agents a real-time channel's language group needs, per interval.

    ``agents[option]`` is the requirement vector (length n) when the channel's bot runs at
    containment ``option``; channels without a bot have one option. ``sites`` may serve it.
    """

    channel: str
    group: str
    sites: tuple[str, ...]
    agents: dict[float, tuple[float, ...]]


@dataclass(frozen=True)
class AsyncNeed:
    """Asynchronous work (email, social) that must be done within ``window`` intervals.

    ``work[option][t]`` is the agent-intervals of handling work arriving in interval ``t``
    (agent-seconds / interval length). The backlog is carried from interval to interval around
    the cyclic horizon; work may wait at most ``window`` intervals.
    """

    channel: str
    group: str
    sites: tuple[str, ...]
    window: int
    work: dict[float, tuple[float, ...]]


@dataclass(frozen=True)
class BotChoice:
    """The bot levels a channel may run at and the cost of each over the horizon."""

    channel: str
    options: tuple[float, ...]
    cost: tuple[float, ...]


@dataclass(frozen=True)
class CapacityFloor:
    """At least ``agents`` productive agents at ``sites`` together in ``interval``, whatever
    they work on: the blending requirement of ``optimizer.blending`` (agents shared between
    channels serve each one only when enough of them are free)."""

    sites: tuple[str, ...]
    interval: int
    agents: float


@dataclass(frozen=True)
class TourGroup:
    """The people of one contract at one site: at most ``max_people`` (none: no limit), and a
    whole weekend off for each at least once every ``weekends_every`` weeks (none: no rule)."""

    contract: str
    site: str
    max_people: int | None = None
    weekends_every: int | None = None


@dataclass(frozen=True)
class ShiftProblem:
    """Everything the MILP needs. ``max_agents[site]`` bounds agents on duty at once;
    ``floors`` are capacity floors over sets of sites (``CapacityFloor``). With ``tours``
    (people planned under contracts: ``optimizer.tours``), the columns are staffed only by the
    people on the tours that work them, and ``tour_groups`` bound those people."""

    n_intervals: int
    interval_s: float
    columns: tuple[Column, ...]
    needs: tuple[RealTimeNeed | AsyncNeed, ...]
    bots: tuple[BotChoice, ...] = ()
    max_agents: dict[str, int] = field(default_factory=dict)
    floors: tuple[CapacityFloor, ...] = ()
    tours: tuple[Tour, ...] = ()
    tour_groups: tuple[TourGroup, ...] = ()


@dataclass(frozen=True)
class Shortfall:
    """Staffing the MILP could not provide: ``amount`` agents (or agent-intervals of work)
    short for ``channel``/``group`` in ``interval``, with the sites that could have served it
    and those of them at ``max_agents`` then."""

    channel: str
    group: str
    interval: int
    amount: float
    sites: tuple[str, ...]
    sites_at_max: tuple[str, ...]


@dataclass(frozen=True)
class Solution:
    """What the solver found.

    ``status``: "optimal", "feasible" (stopped at the time limit with a plan), "infeasible"
    (needs that no plan meets: see ``shortfalls``) or "failed" (no plan, solver error).
    ``objective`` = ``labour_cost + bot_cost``; ``lower_bound`` is the solver's bound on it
    (or the LP relaxation's) and ``mip_gap`` the relative gap; ``agents`` maps column names to
    scheduled agents (non-zero only); ``bot_levels`` maps channels to the chosen containment.
    """

    status: str
    solver: str
    objective: float
    labour_cost: float
    bot_cost: float
    lower_bound: float | None
    mip_gap: float | None
    solve_s: float
    agents: dict[str, int]
    bot_levels: dict[str, float]
    shortfalls: tuple[Shortfall, ...] = ()
    message: str = ""
    allocation: dict[tuple[str, str, str, int], float] = field(default_factory=dict)
    floors_short: float = 0.0
    """Productive agent-intervals the plan falls short of its capacity floors, in all (a
    floor it cannot reach within ``max_agents``; the plan is simulated as it is)."""
    tours: dict[str, int] = field(default_factory=dict)
    """People on each tour, by tour name (non-zero only; empty without tours)."""
