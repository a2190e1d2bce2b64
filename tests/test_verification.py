"""The fresh-seed check of an optimized plan (``optimizer.plan.verification``): replications
added in doubling batches while a cell looks short without being proven short, within the
budget, and the result that of one simulation with the final count."""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.plan.budget import Budget
from optimizer.plan.verdict import fresh_seed, undecided_cells
from optimizer.plan.verification import open_cells, verify
from simulation import simulate
from tests.factory import build_scenario, single_queue_raw


def _plan(agents: int, replications: int, most: int) -> Any:
    """One day of hourly cells, 200 calls an hour, ``agents`` round the clock; a target of
    80 % in 20 s that 14 agents meet by a few points and 13 miss by a few."""
    raw = single_queue_raw(agents, days=1, replications=4, seed=3, warmup="2h")
    raw["optimizer"] = {"verify": {"replications": replications, "max_replications": most}}
    return build_scenario(raw)


def test_batches_double_while_cells_stay_open_and_match_one_simulation() -> None:
    """With cells near their target, the check doubles 4 -> 8 -> 16 and stops at the most
    allowed; its tables are those of one simulation of 16 replications on the fresh seed
    (replication r of a seed is the same whatever the batch)."""
    plan = _plan(13, 4, 16)
    check = verify(plan, Budget(120.0, 3600.0))
    assert check.batches == [4, 8, 16]
    assert check.seed == fresh_seed(plan.run.seed)
    whole = simulate(plan, replications=16, seed=check.seed)
    pd.testing.assert_frame_equal(check.results.intervals, whole.intervals)
    assert check.results.summary == whole.summary


def test_no_batch_is_added_without_open_cells_or_time() -> None:
    """Far above target no cell is open: one batch. Near it, a budget already spent stops
    the doubling after the first batch."""
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
    count = open_cells(results, "interval", 0.95, 0.02)
    assert count == len(undecided_cells(results, "interval", 0.95, 0.02))
    assert 0 < count <= len(cells)
