"""Days-off scheduling: which days of the week people work, and the fewest people covering
the people needed each day.

A week pattern is a 7-tuple of 0/1, Monday first (index 0 = Monday ... 6 = Sunday): 1 on the
days worked. ``patterns`` lists those a contract allows (``days_per_week`` working days, the days
off in one block on the cyclic week or anywhere, only on workable weekdays); ``min_people`` finds
the fewest people, as a count per pattern, such that every weekday has at least the people it
needs, the days-off scheduling problem of Baker, K. R. (1974), "Scheduling a full-time workforce
to meet cyclic staffing requirements", Management Science 20(12):1561-1568.

Formulation (integer covering over the patterns, after Dantzig 1954, as in ``optimizer.shifts``):
one integer variable per pattern counts the people on it, one covering row per weekday. The
model has 7 rows and at most C(7, 3) = 35 columns whatever the number of people, so it solves in
milliseconds even for thousands of people. It is solved twice, lexicographically and exactly
(HiGHS with zero MIP gap): first the fewest people, then, with that many people, the smallest
largest daily surplus, so that spare people are spread over the week rather than piled on one
day. Any tie left is broken by HiGHS, which is deterministic: the same input gives the same plan.

========================  ========================================================
name                      meaning
========================  ========================================================
``x_<pattern>``           people working the pattern, e.g. ``x_1111100`` (integer)
``spread``                largest daily surplus [people] (second solve)
``cover_<day>``           people working ``day`` >= people needed that day
``surplus_<day>``         people working ``day`` - need <= ``spread`` (second solve)
``total``                 people = the first solve's optimum (second solve)
========================  ========================================================
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import Literal

import pulp

from optimizer.shifts.highs import InterruptibleHiGHS

DAYS = 7
"""Days in a week."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday names by index, Monday = 0 (as ``datetime.date.weekday``)."""
DaysOff = Literal["consecutive", "any"]
"""How a contract's days off may fall (``[[contracts]] days_off``): in one block, or anywhere."""
DAYS_OFF: tuple[DaysOff, ...] = ("consecutive", "any")

Pattern = tuple[int, ...]
"""A week pattern: 7 values of 0/1, Monday first, 1 on the days worked."""


@dataclass(frozen=True)
class DaysOffPlan:
    """The fewest people covering a week's daily needs, by days-off pattern.

    ``people[i]`` people work ``patterns[i]``; ``total`` is their sum [people], the optimum.
    ``need`` and ``surplus`` are by weekday, Monday first [people]: ``surplus[d]`` is how many
    more people work day ``d`` than it needs (>= 0).
    """

    need: tuple[int, ...]
    patterns: tuple[Pattern, ...]
    people: tuple[int, ...]
    total: int
    surplus: tuple[int, ...]

    @property
    def working(self) -> tuple[int, ...]:
        """People working each weekday, Monday first [people]."""
        return tuple(n + s for n, s in zip(self.need, self.surplus, strict=True))

    def used(self) -> dict[Pattern, int]:
        """The patterns someone works, with their people [people], in ``patterns`` order."""
        return {p: n for p, n in zip(self.patterns, self.people, strict=True) if n > 0}


def _check_days_per_week(days_per_week: object, errors: list[str]) -> None:
    if not isinstance(days_per_week, Integral) or not 1 <= int(days_per_week) <= DAYS:
        errors.append(f"days_per_week must be an integer from 1 to {DAYS}, got {days_per_week!r}")


def _check_need(need: Sequence[int], errors: list[str]) -> None:
    if len(need) != DAYS:
        errors.append(f"need must have {DAYS} values (Monday first), got {len(need)}")
    for d, n in enumerate(need):
        if not isinstance(n, Integral) or n < 0:
            day = WEEKDAYS[d] if d < DAYS else d
            errors.append(f"need[{day}] must be a non-negative integer, got {n!r}")


def _raise(errors: list[str]) -> None:
    if errors:
        raise ValueError("\n".join(errors))


def _consecutive(pattern: Pattern) -> bool:
    """True when the days off form one block on the cyclic week (Sunday-Monday consecutive), or
    there are none: at most one change from a day off to a day worked around the week."""
    return sum(1 for d in range(DAYS) if pattern[d - 1] == 0 and pattern[d] == 1) <= 1


def patterns(
    days_per_week: int,
    days_off: DaysOff,
    workable: frozenset[int] = frozenset(range(DAYS)),
) -> tuple[Pattern, ...]:
    """Every week pattern with ``days_per_week`` working days [days], all on ``workable``
    weekdays (0 = Monday ... 6 = Sunday); with ``days_off="consecutive"`` the ``7 -
    days_per_week`` days off form one block on the cyclic week (Sunday-Monday counts as
    consecutive), with ``"any"`` they may fall anywhere.

    Sorted in descending lexicographic order (Monday-to-Friday, ``1111100``, before patterns
    that work fewer early days). Empty when too few weekdays are workable. With 2 consecutive
    days off there are 7 patterns, with 2 days off anywhere C(7, 2) = 21, with 7 days one.
    """
    errors: list[str] = []
    _check_days_per_week(days_per_week, errors)
    if days_off not in DAYS_OFF:
        errors.append(f"days_off must be one of {DAYS_OFF}, got {days_off!r}")
    bad = sorted(d for d in workable if not (isinstance(d, Integral) and 0 <= d < DAYS))
    if bad:
        errors.append(f"workable days must be weekday indices 0..{DAYS - 1}, got {bad}")
    _raise(errors)

    found = []
    for days in itertools.combinations(sorted(workable), int(days_per_week)):
        pattern = tuple(int(d in days) for d in range(DAYS))
        if days_off == "any" or _consecutive(pattern):
            found.append(pattern)
    return tuple(sorted(found, reverse=True))


def lower_bound(need: Sequence[int], days_per_week: int) -> int:
    """A lower bound on the people covering ``need`` (people needed each weekday, Monday first)
    when each works ``days_per_week`` days: max(largest daily need, ceil(total need /
    days_per_week)) [people] (Baker 1974's first two bounds).

    Attained when the days off may fall anywhere on any weekday (people's working days are
    filled day after day, wrapping around, as in McNaughton's rule), but not always with
    consecutive days off: with 2 consecutive days off, needs of 1 on Tuesday, Thursday,
    Saturday and Sunday take 2 people where this bound is 1. There a third term holds: a block
    of 2 days off holds at most one of three non-adjacent weekdays j, j+2, j+4 (mod 7), so each
    person works at most 3 of the other 4 and people >= ceil((total need - need[j] - need[j+2]
    - need[j+4]) / 3); ``tests/test_daysoff.py`` checks the three against enumeration.
    """
    errors: list[str] = []
    _check_need(need, errors)
    _check_days_per_week(days_per_week, errors)
    _raise(errors)
    return max(max(need), -(-sum(need) // int(days_per_week)))


def min_people(
    need: Sequence[int],
    patterns: Sequence[Pattern],
    time_limit_s: float = 60.0,
    lp_path: str | Path | None = None,
) -> DaysOffPlan:
    """The fewest people on ``patterns`` covering ``need`` [people needed each weekday, Monday
    first]: every weekday has at least its need at work; of those plans, one whose largest
    daily surplus is smallest. Exact (an integer program solved to a zero gap, see the module
    docstring); the same input gives the same plan.

    ``time_limit_s`` [s] bounds each of the two solves; ``lp_path`` writes the first (the
    fewest people) as an ``.lp`` file. Raises ``ValueError`` for bad input, listing every
    problem, including weekdays that need people but no pattern works; ``RuntimeError`` if
    the solver does not prove an optimum.
    """
    errors: list[str] = []
    _check_need(need, errors)
    if not patterns:
        errors.append("patterns must not be empty")
    for p in patterns:
        if len(p) != DAYS or any(a not in (0, 1) for a in p):
            errors.append(f"a pattern must be {DAYS} values of 0/1, got {p!r}")
    if len(set(map(tuple, patterns))) != len(patterns):
        errors.append("patterns must be distinct")
    _raise(errors)
    need = tuple(int(n) for n in need)
    patterns = tuple(tuple(int(a) for a in p) for p in patterns)
    unworked = [WEEKDAYS[d] for d in range(DAYS) if need[d] > 0 and not any(p[d] for p in patterns)]
    if unworked:
        raise ValueError(
            f"no pattern works {', '.join(unworked)}, which need people "
            f"(need {dict(zip(WEEKDAYS, need, strict=True))})"
        )

    prob = pulp.LpProblem("days_off", pulp.LpMinimize)
    x = [
        prob.add_variable("x_" + "".join(map(str, p)), lowBound=0, cat=pulp.LpInteger)
        for p in patterns
    ]
    working = [pulp.lpSum(v for v, p in zip(x, patterns, strict=True) if p[d]) for d in range(DAYS)]
    people = pulp.lpSum(x)
    prob.setObjective(people)
    for d in range(DAYS):
        prob += working[d] >= need[d], f"cover_{WEEKDAYS[d]}"
    if lp_path is not None:
        prob.writeLP(str(lp_path))
    _solve(prob, time_limit_s, "fewest people")
    total = round(pulp.value(people))

    spread = prob.add_variable("spread", lowBound=0, cat=pulp.LpInteger)
    prob += people == total, "total"
    for d in range(DAYS):
        prob += working[d] - need[d] <= spread, f"surplus_{WEEKDAYS[d]}"
    prob.setObjective(spread)
    _solve(prob, time_limit_s, "smallest largest surplus")

    counts = tuple(round(v.value()) for v in x)
    worked = [sum(n for n, p in zip(counts, patterns, strict=True) if p[d]) for d in range(DAYS)]
    return DaysOffPlan(
        need=need,
        patterns=patterns,
        people=counts,
        total=sum(counts),
        surplus=tuple(w - n for w, n in zip(worked, need, strict=True)),
    )


def _solve(prob: pulp.LpProblem, time_limit_s: float, what: str) -> None:
    """Solve ``prob`` exactly with the project's HiGHS (zero relative and absolute MIP gap);
    raise ``RuntimeError`` naming ``what`` was solved unless an optimum is proven."""
    solver = InterruptibleHiGHS(msg=False, timeLimit=time_limit_s, gapRel=0.0, gapAbs=0.0)
    prob.solve(solver)
    if prob.sol_status != pulp.LpSolutionOptimal or not math.isfinite(pulp.value(prob.objective)):
        raise RuntimeError(
            f"days off ({what}): no proven optimum (status {pulp.LpStatus[prob.status]}, "
            f"solution {pulp.LpSolution[prob.sol_status]}, time limit {time_limit_s:g} s)"
        )
