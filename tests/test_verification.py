"""The fresh-seed check of an optimized plan (``optimizer.plan.verification``): a second batch
up to ``max_replications`` while a cell is undecided, within the budget, its error spent over
the two looks, and the result that of one simulation with the final count."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from optimizer.plan.budget import Budget
from optimizer.plan.verdict import fresh_seed, undecided_cells
from optimizer.plan.verification import look_confidence, open_cells, verify
from simulation import simulate
from tests.factory import build_scenario, single_queue_raw


def _plan(agents: int, replications: int, most: int) -> Any:
    """One day of hourly cells, 200 calls an hour, ``agents`` round the clock; a target of
    80 % in 20 s that 14 agents meet by a few points and 13 miss by a few."""
    raw = single_queue_raw(agents, days=1, replications=4, seed=3, warmup="2h")
    raw["optimizer"] = {"verify": {"replications": replications, "max_replications": most}}
    return build_scenario(raw)


def test_a_second_batch_runs_while_cells_stay_open_and_matches_one_simulation() -> None:
    """With cells near their target, the check goes 4 -> 16, the most allowed, spending
    1/4 of its error at the first look and 3/4 at the second; its tables are those of one
    simulation of 16 replications on the fresh seed (replication r of a seed is the same
    whatever the batch)."""
    plan = _plan(13, 4, 16)
    check = verify(plan, Budget(120.0, 3600.0))
    assert check.batches == [4, 16]
    assert check.looks == pytest.approx([1 - 0.05 / 4, 1 - 0.05 * 3 / 4])
    assert check.seed == fresh_seed(plan.run.seed)
    whole = simulate(plan, replications=16, seed=check.seed)
    pd.testing.assert_frame_equal(check.results.intervals, whole.intervals)
    assert check.results.summary == whole.summary


def test_no_batch_is_added_without_open_cells_or_time() -> None:
    """Far above target no cell is open: one batch. Near it, a budget already spent stops
    the second batch."""
    easy = verify(_plan(30, 4, 64), Budget(120.0, 3600.0))
    assert easy.batches == [4]
    spent = Budget(120.0, 1.0)
    spent.began -= 10.0
    assert verify(_plan(13, 4, 64), spent).batches == [4]


def test_open_cells_are_the_verdicts_undecided_cells() -> None:
    """The cells that trigger another batch are those neither called short nor shown within
    3 points of target (``verdict.undecided_cells``): on a plan a few points short they exist
    and are at most the judged cells."""
    plan = _plan(13, 4, 4)
    results = simulate(plan, replications=6, seed=1)
    cells = results.cells[(results.cells["scope"] == "interval") & (results.cells["n"] >= 2)]
    count = open_cells(results, "interval", 0.95, 0.02, 0.95)
    assert count == len(undecided_cells(results, "interval", 0.95, 0.02))
    assert 0 < count <= len(cells)


def test_the_error_spent_over_the_looks_adds_up_to_the_level() -> None:
    """``look_confidence``: one look at the most replications gets the level itself; looks
    at 10 then 60 of 60 spend 1/6 and 5/6 of the error; a second look cut short by the
    budget spends less, never more."""
    assert look_confidence(0, 60, 60, 0.95) == pytest.approx(0.95)
    first, second = look_confidence(0, 10, 60, 0.95), look_confidence(10, 60, 60, 0.95)
    assert (1 - first) + (1 - second) == pytest.approx(0.05)
    assert first == pytest.approx(1 - 0.05 / 6)
    assert look_confidence(10, 30, 60, 0.95) > second
