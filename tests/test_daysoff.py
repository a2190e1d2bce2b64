"""Tests of days-off scheduling (optimizer/tours/daysoff.py), the first block of weekly tours.

The problem is Baker's: Baker, K. R. (1974), "Scheduling a full-time workforce to meet cyclic
staffing requirements", Management Science 20(12):1561-1568: the fewest full-time people, each
working 5 days a week with 2 consecutive days off, covering a need per weekday. The implicit
tour formulations this module is the first part of are those of Brusco, M. J. and Jacobs, L. W.
(2000), "Optimal models for meal-break and start-time flexibility in continuous tour
scheduling", Management Science 46(12):1630-1641.

Known answers come from an exhaustive enumeration written here, independent of the solver: for
k = 0, 1, 2, ... every multiset of k patterns is tried (``combinations_with_replacement``), and
the first k that covers the needs is the optimum.

Bounds. With W people each working ``days_per_week`` = D days, W >= max daily need and
W >= ceil(total need / D) (``lower_bound``). With days off anywhere the two are always attained
(fill people day after day, wrapping around). With 2 consecutive days off they are not; a third
term holds: for three pairwise non-adjacent weekdays j, j+2, j+4 (mod 7), a block of 2
consecutive days off contains at most one of them, so each person works at most 3 of the other 4
days and W >= ceil((total need - n_j - n_(j+2) - n_(j+4)) / 3). These are the vertices of the
dual of the covering LP (computed exactly, 2026-12-07: the unit vectors, 1/5 on every day, and
1/3 on those 4 days for each of the 7 j). Enumeration on every need vector in 0..4 (78,125 of
them) and 300 random ones in 0..12 found the optimum equal to the largest of the three
(``_three_term_bound``), as Baker's three-bound result for this case states.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from optimizer.tours.daysoff import (
    DAYS_OFF,
    DaysOff,
    DaysOffPlan,
    Pattern,
    lower_bound,
    min_people,
    patterns,
)

ALL_DAYS = frozenset(range(7))

Instance = tuple[int, DaysOff, tuple[int, ...], int, int]
"""(days per week, days off, need, fewest people, smallest largest surplus), enumerated."""

# (days per week, days off, largest daily need, instances): the random small instances of the
# exactness tests. Needs stay small where there are many patterns, for the enumeration's sake.
FAMILIES: tuple[tuple[int, DaysOff, int, int], ...] = (
    (5, "consecutive", 4, 30),
    (5, "any", 2, 6),
    (4, "consecutive", 4, 6),
    (6, "consecutive", 4, 6),
    (3, "any", 1, 4),
)


def _working(counts: Sequence[int], pats: Sequence[Pattern]) -> list[int]:
    """People working each weekday."""
    return [sum(n * p[d] for n, p in zip(counts, pats, strict=True)) for d in range(7)]


def enumerate_optimum(need: Sequence[int], pats: Sequence[Pattern]) -> tuple[int, int]:
    """(fewest people, smallest largest daily surplus among plans with that many) by trying
    every multiset of k patterns for k = 0, 1, 2, ..."""
    for k in itertools.count():
        best: int | None = None
        for team in itertools.combinations_with_replacement(pats, k):
            working = [sum(p[d] for p in team) for d in range(7)]
            if all(w >= n for w, n in zip(working, need, strict=True)):
                spread = max(w - n for w, n in zip(working, need, strict=True))
                best = spread if best is None else min(best, spread)
        if best is not None:
            return k, best
    raise AssertionError("unreachable")


def _three_term_bound(need: Sequence[int]) -> int:
    """Lower bound on people working 5 days with 2 consecutive days off (module docstring)."""
    total = sum(need)
    third = max(
        math.ceil((total - need[j] - need[(j + 2) % 7] - need[(j + 4) % 7]) / 3) for j in range(7)
    )
    return max(max(need), math.ceil(total / 5), third)


def _check_plan(plan: DaysOffPlan, need: Sequence[int], pats: Sequence[Pattern]) -> None:
    """The plan covers the needs, and its totals and surpluses are its own counts'."""
    assert plan.patterns == tuple(pats)
    assert all(n >= 0 for n in plan.people)
    working = _working(plan.people, pats)
    assert all(w >= n for w, n in zip(working, need, strict=True))
    assert plan.total == sum(plan.people)
    assert plan.surplus == tuple(w - n for w, n in zip(working, need, strict=True))
    assert plan.working == tuple(working)


@pytest.fixture(scope="module")
def instances() -> list[Instance]:
    """Seeded random small instances with their enumerated optimum."""
    rng = random.Random(20261207)
    found: list[Instance] = []
    for days, off, top, count in FAMILIES:
        pats = patterns(days, off)
        for _ in range(count):
            need = tuple(rng.randint(0, top) for _ in range(7))
            found.append((days, off, need, *enumerate_optimum(need, pats)))
    return found


# --- patterns ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "off", "count"),
    [
        (5, "consecutive", 7),
        (5, "any", 21),  # C(7, 2)
        (6, "consecutive", 7),
        (6, "any", 7),
        (7, "consecutive", 1),
        (7, "any", 1),
        (4, "consecutive", 7),
        (4, "any", 35),  # C(7, 3)
        (1, "any", 7),
    ],
)
def test_pattern_counts(days: int, off: DaysOff, count: int) -> None:
    found = patterns(days, off)
    assert len(found) == count
    assert len(set(found)) == count
    assert all(len(p) == 7 and sum(p) == days and set(p) <= {0, 1} for p in found)
    assert list(found) == sorted(found, reverse=True)


def test_consecutive_days_off_wrap_from_sunday_to_monday() -> None:
    found = patterns(5, "consecutive")
    assert (0, 1, 1, 1, 1, 1, 0) in found  # Sunday and Monday off
    assert found[0] == (1, 1, 1, 1, 1, 0, 0)  # Saturday and Sunday off, first
    assert (1, 1, 0, 1, 1, 1, 0) not in found  # Wednesday and Sunday: two blocks
    assert (1, 1, 0, 1, 1, 1, 0) in patterns(5, "any")
    assert patterns(7, "consecutive") == ((1,) * 7,)


def test_workable_days_are_honoured() -> None:
    no_sunday = frozenset(range(6))
    anywhere = patterns(5, "any", no_sunday)
    assert len(anywhere) == 6  # C(6, 5)
    assert all(p[6] == 0 for p in anywhere)
    # Sunday is off, so the other day off is Saturday or Monday
    assert patterns(5, "consecutive", no_sunday) == ((1, 1, 1, 1, 1, 0, 0), (0, 1, 1, 1, 1, 1, 0))
    assert patterns(5, "any", frozenset({0, 1, 2, 3})) == ()
    assert patterns(5, "any", ALL_DAYS) == patterns(5, "any")


def test_bad_pattern_arguments_are_all_reported() -> None:
    with pytest.raises(ValueError) as raised:
        patterns(0, "sometimes", frozenset({7}))  # type: ignore[arg-type]
    message = str(raised.value)
    assert "days_per_week must be an integer from 1 to 7, got 0" in message
    assert "days_off must be one of ('consecutive', 'any'), got 'sometimes'" in message
    assert "workable days must be weekday indices 0..6, got [7]" in message


# --- lower bound -------------------------------------------------------------------------


def test_lower_bound() -> None:
    assert lower_bound([3, 3, 3, 3, 3, 0, 0], 5) == 3  # largest daily need
    assert lower_bound([3, 3, 3, 3, 3, 3, 3], 5) == 5  # ceil(21 / 5)
    assert lower_bound([0] * 7, 5) == 0
    assert lower_bound([1] * 7, 7) == 1
    with pytest.raises(ValueError, match="need must have 7 values"):
        lower_bound([1, 2, 3], 5)
    with pytest.raises(ValueError, match=r"need\[Tue\] must be a non-negative integer, got -1"):
        lower_bound([0, -1, 0, 0, 0, 0, 0], 5)


# --- exactness ---------------------------------------------------------------------------


def test_min_people_is_the_enumerated_optimum(instances: list[Instance]) -> None:
    assert len(instances) >= 30
    for days, off, need, best, spread in instances:
        pats = patterns(days, off)
        plan = min_people(need, pats)
        _check_plan(plan, need, pats)
        assert plan.total == best, (days, off, need)
        # the second solve: of the fewest-people plans, one with the smallest largest surplus
        assert max(plan.surplus) == spread, (days, off, need)


def test_simple_bound_is_attained_wherever_enumeration_attains_it(
    instances: list[Instance],
) -> None:
    attained = 0
    for days, off, need, best, _ in instances:
        bound = lower_bound(need, days)
        assert best >= bound
        if off == "any":  # wrap-around filling always attains it
            assert best == bound, need
        if best == bound:
            attained += 1
            assert min_people(need, patterns(days, off)).total == bound
    assert attained > 0


def test_simple_bound_not_attained_with_consecutive_days_off() -> None:
    """The first need vector in 0/1 (lexicographic order) where 2 consecutive days off take more
    people than the simple bound: 1 on Tuesday, Thursday, Saturday and Sunday. One person would
    have to be off on two of Monday, Wednesday, Friday, which are not adjacent."""
    pats = patterns(5, "consecutive")
    found = next(
        need
        for need in itertools.product((0, 1), repeat=7)
        if enumerate_optimum(need, pats)[0] > lower_bound(need, 5)
    )
    assert found == (0, 1, 0, 1, 0, 1, 1)
    best, _ = enumerate_optimum(found, pats)
    plan = min_people(found, pats)
    assert plan.total == best == 2
    assert lower_bound(found, 5) == 1
    assert _three_term_bound(found) == 2  # (4 - 0 - 0 - 0) / 3 with j = Monday


def test_three_term_bound_equals_enumeration(instances: list[Instance]) -> None:
    """The third term (module docstring) is exact on this file's instances as well."""
    checked = [i for i in instances if i[:2] == (5, "consecutive")]
    assert len(checked) == 30
    assert any(best > lower_bound(need, 5) for _, _, need, best, _ in checked)
    for _, _, need, best, _ in checked:
        assert _three_term_bound(need) == best, need


# --- size, determinism, edge cases -------------------------------------------------------


@pytest.mark.parametrize("scale", [300, 3000])
def test_large_instances_solve_to_a_proven_optimum_quickly(scale: int) -> None:
    """Needs in the hundreds and thousands: the model is still 7 rows. A plan that covers the
    needs with as many people as a valid lower bound is optimal."""
    rng = random.Random(scale)
    need = [rng.randint(scale // 3, scale) for _ in range(7)]

    began = time.perf_counter()
    consecutive = min_people(need, patterns(5, "consecutive"))
    anywhere = min_people(need, patterns(5, "any"))
    elapsed_s = time.perf_counter() - began

    _check_plan(consecutive, need, patterns(5, "consecutive"))
    _check_plan(anywhere, need, patterns(5, "any"))
    assert consecutive.total == _three_term_bound(need)
    assert anywhere.total == lower_bound(need, 5)
    assert elapsed_s < 5.0  # about 0.03 s alone (2026-12-07); slack for a loaded machine


def test_same_input_same_plan() -> None:
    need = [3, 3, 3, 3, 3, 3, 3]  # many optimal plans: ties everywhere
    for off in DAYS_OFF:
        pats = patterns(5, off)
        first, second = min_people(need, pats), min_people(list(need), pats)
        assert first == second
        assert first.total == 5


def test_seven_day_week_and_zero_need() -> None:
    every_day = patterns(7, "any")
    plan = min_people([2, 0, 5, 1, 0, 0, 3], every_day)
    assert plan.people == (5,)
    assert plan.surplus == (3, 5, 0, 4, 5, 5, 2)
    empty = min_people([0] * 7, patterns(5, "consecutive"))
    assert empty.total == 0
    assert empty.used() == {}


def test_used_lists_the_patterns_someone_works() -> None:
    plan = min_people([2, 2, 2, 2, 2, 0, 0], patterns(5, "consecutive"))
    assert plan.used() == {(1, 1, 1, 1, 1, 0, 0): 2}
    assert plan.surplus == (0,) * 7


def test_a_needed_day_no_pattern_works_is_named() -> None:
    no_weekend = patterns(5, "any", frozenset(range(5)))
    with pytest.raises(ValueError, match="no pattern works Sat, Sun, which need people"):
        min_people([1, 1, 1, 1, 1, 1, 2], no_weekend)
    # a day nobody works is fine when it needs nobody
    assert min_people([1, 1, 1, 1, 1, 0, 0], no_weekend).total == 1


def test_bad_min_people_input_is_all_reported() -> None:
    with pytest.raises(ValueError) as raised:
        min_people([1, 1, 1, -2, 1, 1], [(1, 1), (1, 1)])
    message = str(raised.value)
    assert "need must have 7 values (Monday first), got 6" in message
    assert "need[Thu] must be a non-negative integer, got -2" in message
    assert "a pattern must be 7 values of 0/1, got (1, 1)" in message
    assert "patterns must be distinct" in message
    with pytest.raises(ValueError, match="patterns must not be empty"):
        min_people([0] * 7, [])


def test_lp_file_names_variables_and_rows_from_their_index(tmp_path: Path) -> None:
    lp = tmp_path / "days_off.lp"
    min_people([1, 1, 1, 1, 1, 1, 1], patterns(5, "consecutive"), lp_path=lp)
    text = lp.read_text()
    for name in ("x_1111100", "x_0111110", "cover_Mon", "cover_Sun"):
        assert name in text
