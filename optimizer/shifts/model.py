"""The shift-covering MILP's formulation: which shifts to staff, how many agents on each, and
the bot levels; ``build_model`` turns a ``ShiftProblem`` into a PuLP problem (``milp`` solves it).

Formulation
-----------
Set covering over candidate shifts, after Dantzig, G. B. (1954), "A comment on Edie's 'Traffic
delays at toll booths'", Journal of the Operations Research Society of America 2(3):339-341: one
integer variable per candidate shift (``Column``) counts the agents scheduled on it, and each
interval's requirement must be covered by the shifts on the floor then. Three extensions:

* **Multi-skill by site capacity split (allocation).** A site's productive agents in interval
  ``t`` (the sum of ``coverage(c, t) * x[c]`` over its columns) are split over the needs it may
  serve by continuous allocation variables ``y[site, channel, group, t]``; every real-time need
  must be covered by the allocations of its sites. The split is fractional: an agent may divide an
  interval between channels, which is what a blended agent does on average.
* **Bot levels.** One binary per (channel, containment option) with exactly one chosen; the
  requirement of a channel's needs is that of the chosen level, and the level's cost is paid.
* **Asynchronous work (backlog).** Email-like work arriving in interval ``t`` may be done in
  ``t`` or any of the next ``window`` intervals. A backlog ``B[t]`` [agent-intervals of work]
  carries undone work around the cyclic horizon (``B[t] = B[t-1] + work[t] - done[t]``), and at
  the end of every interval it may only hold work that is not yet due: ``B[t] <= work arrived in
  intervals t-window+1 .. t``. Work is done oldest first, so this is exactly the deadline: work
  arriving in ``u`` is done by the end of ``u + window``. Here the shortfall is work written off
  (``short[t]`` leaves the backlog unprocessed), not a relaxed deadline: with the slack in the
  deadline alone, the cyclic balance would still force total work done = total work arrived,
  and a need no site can serve would make the model infeasible.

Every requirement has a penalised shortfall variable (``short_...``, cost ``PENALTY`` per unit),
so the model is always feasible and, when no plan meets the needs, the solution shows where and
by how much it falls short (``Solution.shortfalls``) instead of a bare "infeasible".

Units: ``x`` [scheduled agents], ``y`` [productive agents], ``B`` and async shortfalls
[agent-intervals of work], real-time shortfalls [productive agents], costs in the scenario's
currency over the whole horizon.

Every variable and constraint is named from its index (PuLP's ``BeerDistributionProblem`` style):

==========================================  =================================================
name                                        meaning
==========================================  =================================================
``x_<column>``                              agents on a shift column (integer)
``z_<channel>_<option>``                    bot level chosen (binary)
``y_<site>_<channel>_<group>_<t>``          productive agents of a site on a need in ``t``
``short_<channel>_<group>_<t>``             shortfall (penalised)
``B_<channel>_<group>_<t>``                 async backlog at the end of ``t``
``one_level_<channel>``                     exactly one bot level
``capacity_<site>_<t>``                     allocations <= productive agents on site
``cover_<channel>_<group>_<t>``             real-time requirement
``backlog_<channel>_<group>_<t>``           async backlog balance
``deadline_<channel>_<group>_<t>``          async backlog holds only work not yet due
``max_agents_<site>_<t>``                   agents on duty <= the site's bound
``floor_<sites>_<t>``                       capacity floor over a set of sites
``short_floor_<sites>_<t>``                 shortfall of a floor (``FLOOR_PENALTY``)
``t_<tour>``, ``tour_link_<column>``, ...   people on tours (``optimizer.tours.model``)
==========================================  =================================================

Capacity floors (``ShiftProblem.floors``, the blending requirement of ``optimizer.blending``)
are written on the shift variables themselves, ``sum over the sites' columns of coverage x``:
with a variable per site and interval defined by an equality instead, HiGHS's RENS took 30 s
and found a plan 2 % dearer than in 6 s without (global-retail, 2026-12-06).

Index parts are sanitised to ``[A-Za-z0-9_]`` (``0.25`` -> ``0_25``); a name that would clash is
suffixed ``__2``, ``__3``... ``Model.index`` maps every name back to its index tuple.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulp

from optimizer.shifts.problem import (
    AsyncNeed,
    BotChoice,
    CapacityFloor,
    RealTimeNeed,
    ShiftProblem,
)

PENALTY = 1e6
"""Objective cost of one unit of shortfall: one productive agent missing for one interval
(real-time) or one agent-interval of async work not done by its deadline. It only has to exceed
what covering that unit could cost (a shift's cost over its coverage share, a few hundred at
most), so that the solver never prefers a shortfall to staffing; 1e6 leaves a wide margin while
keeping the coefficients well scaled for HiGHS and CBC."""

FLOOR_PENALTY = 1e4
"""Objective cost of a capacity floor short by one productive agent-interval: above what an
agent-interval costs (a few hundred at most), below ``PENALTY``, so that a plan that cannot
meet both (``max_agents`` binding) gives up capacity floors before the work itself
(small-shop, 2026-12-06: at equal penalties the plans left work undone to get closer to
floors 2,500 agent-intervals beyond ``max_agents``)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _sanitise(part: object) -> str:
    """An index part as it appears in an LP name: every character outside [A-Za-z0-9_] -> ``_``."""
    return _UNSAFE.sub("_", str(part))


class _Namer:
    """Unique, readable LP names built from index tuples, with the reverse mapping."""

    def __init__(self) -> None:
        self.index: dict[str, tuple[Any, ...]] = {}

    def __call__(self, prefix: str, *parts: object) -> str:
        base = "_".join([prefix, *(_sanitise(p) for p in parts)])
        name, k = base, 2
        while name in self.index:
            name, k = f"{base}__{k}", k + 1
        self.index[name] = (prefix, *parts)
        return name


def _expr(terms: Iterable[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> Any:
    """A PuLP affine expression from (variable, coefficient) pairs; repeated variables add up."""
    coef: dict[pulp.LpVariable, float] = {}
    for var, a in terms:
        coef[var] = coef.get(var, 0.0) + a
    return pulp.LpAffineExpression(coef, constant=constant)


@dataclass
class Model:
    """The PuLP model of a ``ShiftProblem`` and its variables by index.

    ``x`` by column name; ``z`` by (channel, option); ``y`` by (site, channel, group, interval),
    only where the site has a column covering the interval (elsewhere it would be fixed at 0);
    ``short`` and ``backlog`` by (channel, group, interval). ``index`` maps every variable and
    constraint name to its index tuple, whose first item is the name's prefix.
    """

    problem: ShiftProblem
    prob: pulp.LpProblem
    x: dict[str, pulp.LpVariable]
    z: dict[tuple[str, float], pulp.LpVariable]
    y: dict[tuple[str, str, str, int], pulp.LpVariable]
    short: dict[tuple[str, str, int], pulp.LpVariable]
    backlog: dict[tuple[str, str, int], pulp.LpVariable]
    index: dict[str, tuple[Any, ...]] = field(repr=False)
    build_s: float = 0.0
    site_terms: dict[tuple[str, int], list[tuple[pulp.LpVariable, float]]] = field(
        default_factory=dict, repr=False
    )
    """Per (site, interval) a column covers: (shift variable, productive agents per scheduled
    agent) pairs, whose sum is the site's productive agents then."""
    floor_short: dict[tuple[tuple[str, ...], int], pulp.LpVariable] = field(default_factory=dict)
    name: Any = field(default=None, repr=False)
    """The model's name maker (``_Namer``), for constraints added later (``add_floors``)."""
    tour: dict[str, pulp.LpVariable] = field(default_factory=dict)
    """People per tour by tour name (``optimizer.tours.model``; empty without tours)."""

    @property
    def integers(self) -> list[pulp.LpVariable]:
        """The integer decisions: people per tour when the problem has tours (the shift
        variables then follow from them), else agents per shift column."""
        return list(self.tour.values()) if self.tour else list(self.x.values())

    @property
    def nonzeros(self) -> int:
        """Nonzero coefficients of the constraint matrix (the model's size for time limits)."""
        return sum(len(c) for c in self.prob.constraints())


def validate(problem: ShiftProblem) -> None:
    """Check a problem's data; raise one ``ValueError`` listing every problem found, one a line."""
    errors: list[str] = []
    n = problem.n_intervals
    if not isinstance(n, int) or n < 1:
        errors.append(f"n_intervals must be a positive integer, got {n!r}")
        raise ValueError("\n".join(errors))
    if not problem.interval_s > 0:
        errors.append(f"interval_s must be positive, got {problem.interval_s!r}")

    seen_columns: set[str] = set()
    for c in problem.columns:
        if c.name in seen_columns:
            errors.append(f"column name {c.name!r} is used twice")
        seen_columns.add(c.name)
        if not (math.isfinite(c.cost) and c.cost >= 0):
            errors.append(f"column {c.name!r}: cost must be finite and >= 0, got {c.cost!r}")
        for t, a in c.coverage:
            if not 0 <= t < n:
                errors.append(
                    f"column {c.name!r}: coverage interval must be in 0..{n - 1}, got {t}"
                )
            if not (math.isfinite(a) and a >= 0):
                errors.append(f"column {c.name!r}: coverage must be finite and >= 0, got {a!r}")
        bad = [t for t in c.on_duty if not 0 <= t < n]
        if bad:
            errors.append(f"column {c.name!r}: on_duty intervals must be in 0..{n - 1}, got {bad}")

    bots: dict[str, BotChoice] = {}
    for b in problem.bots:
        if b.channel in bots:
            errors.append(f"bot choice for channel {b.channel!r} is given twice")
        bots[b.channel] = b
        if not b.options:
            errors.append(f"bot choice {b.channel!r}: options must not be empty")
        if len(set(b.options)) != len(b.options):
            errors.append(f"bot choice {b.channel!r}: options must be distinct, got {b.options}")
        if len(b.cost) != len(b.options):
            errors.append(
                f"bot choice {b.channel!r}: {len(b.options)} options but {len(b.cost)} costs"
            )
        if not all(math.isfinite(v) for v in b.cost):
            errors.append(f"bot choice {b.channel!r}: costs must be finite, got {b.cost}")

    seen_needs: set[tuple[str, str]] = set()
    for need in problem.needs:
        label = f"need {need.channel!r}/{need.group!r}"
        if (need.channel, need.group) in seen_needs:
            errors.append(f"{label} is given twice")
        seen_needs.add((need.channel, need.group))
        vectors = need.agents if isinstance(need, RealTimeNeed) else need.work
        if need.channel in bots:
            missing = [o for o in bots[need.channel].options if o not in vectors]
            if missing:
                errors.append(f"{label}: no requirement for bot options {missing}")
        elif len(vectors) != 1:
            errors.append(
                f"{label}: channel has no bot choice, so exactly one option is expected, "
                f"got {sorted(vectors)}"
            )
        for option, vec in vectors.items():
            if len(vec) != n:
                errors.append(f"{label}, option {option}: {len(vec)} values, expected {n}")
            if not all(math.isfinite(v) and v >= 0 for v in vec):
                errors.append(f"{label}, option {option}: values must be finite and >= 0")
        if isinstance(need, AsyncNeed) and not (isinstance(need.window, int) and need.window >= 0):
            errors.append(f"{label}: window must be an integer >= 0, got {need.window!r}")

    for site, bound in problem.max_agents.items():
        if not (isinstance(bound, int) and bound >= 0):
            errors.append(f"max_agents[{site!r}] must be an integer >= 0, got {bound!r}")
    if errors:
        raise ValueError("\n".join(errors))


def _requirement_terms(
    need_vectors: dict[float, tuple[float, ...]],
    options: tuple[float, ...] | None,
    z: dict[tuple[str, float], pulp.LpVariable],
    channel: str,
    values_at: Sequence[int] | int,
) -> tuple[list[tuple[pulp.LpVariable, float]], float]:
    """The requirement summed over the intervals ``values_at``: (z terms, constant).

    With a bot choice the requirement is ``sum_o z[channel, o] * value[o]`` (no constant);
    without one it is the single option's value.
    """
    ts = [values_at] if isinstance(values_at, int) else list(values_at)
    if options is None:
        (vec,) = need_vectors.values()
        return [], float(sum(vec[t] for t in ts))
    return [(z[channel, o], float(sum(need_vectors[o][t] for t in ts))) for o in options], 0.0


def build_model(problem: ShiftProblem) -> Model:
    """Build the PuLP model of ``problem`` (see the module docstring for the formulation).

    The data are validated first (``validate``). Objective [currency over the horizon]:
    ``sum cost[c] x[c] + sum bot_cost[ch][o] z[ch, o] + PENALTY * sum short``.
    """
    began = time.perf_counter()
    validate(problem)
    n = problem.n_intervals
    name = _Namer()
    prob = pulp.LpProblem("shift_covering", pulp.LpMinimize)
    objective: list[tuple[pulp.LpVariable, float]] = []

    # x: agents per column, and each site's coverage / on-duty terms per interval (integer,
    # unless people on tours staff the columns: then the tours are the integers)
    shift_kind = pulp.LpContinuous if problem.tours else pulp.LpInteger
    x: dict[str, pulp.LpVariable] = {}
    cover_terms: dict[str, dict[int, list[tuple[pulp.LpVariable, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    duty_terms: dict[str, dict[int, list[pulp.LpVariable]]] = defaultdict(lambda: defaultdict(list))
    for c in problem.columns:
        var = prob.add_variable(name("x", c.name), lowBound=0, cat=shift_kind)
        x[c.name] = var
        objective.append((var, c.cost))
        for t, a in c.coverage:
            if a > 0:
                cover_terms[c.site][t].append((var, a))
        for t in set(c.on_duty):
            duty_terms[c.site][t].append(var)

    # z: one bot level per channel
    z: dict[tuple[str, float], pulp.LpVariable] = {}
    options: dict[str, tuple[float, ...]] = {}
    for b in problem.bots:
        options[b.channel] = b.options
        for o, cost in zip(b.options, b.cost, strict=True):
            z[b.channel, o] = prob.add_variable(name("z", b.channel, o), cat=pulp.LpBinary)
            objective.append((z[b.channel, o], cost))
        prob.addConstraint(
            pulp.LpConstraint(
                _expr((z[b.channel, o], 1.0) for o in b.options),
                pulp.LpConstraintEQ,
                name("one_level", b.channel),
                1.0,
            )
        )

    # y: allocation of each site's productive agents to the needs it may serve
    y: dict[tuple[str, str, str, int], pulp.LpVariable] = {}
    site_alloc: dict[tuple[str, int], list[pulp.LpVariable]] = defaultdict(list)
    short: dict[tuple[str, str, int], pulp.LpVariable] = {}
    backlog: dict[tuple[str, str, int], pulp.LpVariable] = {}
    for need in problem.needs:
        ch, g = need.channel, need.group
        opts = options.get(ch)
        sites = tuple(dict.fromkeys(need.sites))
        for t in range(n):
            for s in sites:
                if cover_terms.get(s, {}).get(t):
                    var = prob.add_variable(name("y", s, ch, g, t), lowBound=0)
                    y[s, ch, g, t] = var
                    site_alloc[s, t].append(var)
            short[ch, g, t] = prob.add_variable(name("short", ch, g, t), lowBound=0)
            objective.append((short[ch, g, t], PENALTY))
        served = [[y[s, ch, g, t] for s in sites if (s, ch, g, t) in y] for t in range(n)]

        if isinstance(need, RealTimeNeed):
            for t in range(n):
                req, const = _requirement_terms(need.agents, opts, z, ch, t)
                terms = [(v, 1.0) for v in served[t]] + [(short[ch, g, t], 1.0)]
                terms += [(v, -a) for v, a in req]
                prob.addConstraint(
                    pulp.LpConstraint(
                        _expr(terms), pulp.LpConstraintGE, name("cover", ch, g, t), const
                    )
                )
        else:
            for t in range(n):
                backlog[ch, g, t] = prob.add_variable(name("B", ch, g, t), lowBound=0)
            window = min(need.window, n)
            for t in range(n):
                # B[t] - B[t-1] + done[t] + written_off[t] = work[t]
                work, work_const = _requirement_terms(need.work, opts, z, ch, t)
                terms = [(backlog[ch, g, t], 1.0), (backlog[ch, g, (t - 1) % n], -1.0)]
                terms += [(v, 1.0) for v in served[t]] + [(short[ch, g, t], 1.0)]
                terms += [(v, -a) for v, a in work]
                prob.addConstraint(
                    pulp.LpConstraint(
                        _expr(terms), pulp.LpConstraintEQ, name("backlog", ch, g, t), work_const
                    )
                )
                # B[t] <= work arrived in t-window+1 .. t (not yet due)
                recent = [(t - k) % n for k in range(window)]
                due, due_const = _requirement_terms(need.work, opts, z, ch, recent)
                terms = [(backlog[ch, g, t], 1.0)] + [(v, -a) for v, a in due]
                prob.addConstraint(
                    pulp.LpConstraint(
                        _expr(terms), pulp.LpConstraintLE, name("deadline", ch, g, t), due_const
                    )
                )

    for s, t in sorted(site_alloc, key=lambda k: (str(k[0]), k[1])):
        terms = [(v, 1.0) for v in site_alloc[s, t]] + [(v, -a) for v, a in cover_terms[s][t]]
        prob.addConstraint(
            pulp.LpConstraint(_expr(terms), pulp.LpConstraintLE, name("capacity", s, t), 0.0)
        )

    for s, bound in problem.max_agents.items():
        for t in sorted(duty_terms.get(s, {})):
            prob.addConstraint(
                pulp.LpConstraint(
                    _expr((v, 1.0) for v in duty_terms[s][t]),
                    pulp.LpConstraintLE,
                    name("max_agents", s, t),
                    float(bound),
                )
            )

    prob.setObjective(_expr(objective))
    model = Model(
        problem=problem,
        prob=prob,
        x=x,
        z=z,
        y=y,
        short=short,
        backlog=backlog,
        index=name.index,
        site_terms={(s, t): terms for s, by_t in cover_terms.items() for t, terms in by_t.items()},
        name=name,
    )
    add_floors(model, problem.floors)
    if problem.tours:
        from optimizer.tours.model import add_tours  # it builds on this module

        add_tours(model)
    model.build_s = time.perf_counter() - began
    return model


def add_floors(model: Model, floors: Iterable[CapacityFloor]) -> None:
    """Add capacity floors: the productive agents of the floor's sites (their columns'
    coverage times agents) plus ``short_floor`` >= ``agents``, the shortfall penalised at
    ``FLOOR_PENALTY``."""
    prob = model.prob
    for floor in floors:
        t = floor.interval
        terms = [pair for s in floor.sites for pair in model.site_terms.get((s, t), [])]
        key = (tuple(floor.sites), t)
        short = prob.add_variable(model.name("short_floor", "_".join(floor.sites), t), lowBound=0)
        model.floor_short[key] = short
        prob.objective += FLOOR_PENALTY * short
        prob.addConstraint(
            pulp.LpConstraint(
                _expr([*terms, (short, 1.0)]),
                pulp.LpConstraintGE,
                model.name("floor", "_".join(floor.sites), t),
                float(floor.agents),
            )
        )
