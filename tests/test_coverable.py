"""``optimizer.shifts.coverable``: requirements no candidate shift can cover are found before
solving, taken out of the MILP and reported (issue 10 point 1). Checked against the
definition by brute force: an interval's requirement is coverable exactly when setting its
shortfall variable to zero leaves the LP feasible, i.e. when some column of a serving site is
on the floor then (real time) or within the work's window (asynchronous)."""

from __future__ import annotations

import random

import pytest

from optimizer.shifts.coverable import NO_SHIFT, NO_SITE, at_levels, split_uncoverable
from optimizer.shifts.milp import solve
from optimizer.shifts.model import build_model
from optimizer.shifts.problem import AsyncNeed, Column, RealTimeNeed, ShiftProblem
from optimizer.shifts.solvers import minimum_shortfall


def column(name: str, site: str, intervals: list[int]) -> Column:
    return Column(
        name, site, name, 0, None, 1.0, tuple((t, 0.9) for t in intervals), tuple(intervals)
    )


def test_hours_without_a_shift_and_languages_without_a_site() -> None:
    """Site A works intervals 0-3 of 6; voice needs agents in every interval; chat needs a
    site nobody has; email (window 1) arriving at 3 can still be done at 3, arriving at 4 not
    (4 and 5 are uncovered), arriving at 5 wraps to 0 (covered)."""
    problem = ShiftProblem(
        6,
        3600.0,
        (column("early", "A", [0, 1, 2, 3]),),
        (
            RealTimeNeed("voice", "en", ("A",), {0.0: (1, 2, 3, 4, 5, 6)}),
            RealTimeNeed("chat", "fi", (), {0.0: (0, 1, 0, 0, 0, 0)}),
            AsyncNeed("email", "en", ("A",), 1, {0.0: (0, 0, 0, 2, 2, 2)}),
        ),
    )
    kept, unserved = split_uncoverable(problem)
    found = {(u.channel, u.interval, u.amount, u.reason) for u in unserved}
    assert found == {
        ("voice", 4, 5.0, NO_SHIFT),
        ("voice", 5, 6.0, NO_SHIFT),
        ("chat", 1, 1.0, NO_SITE),
        ("email", 4, 2.0, NO_SHIFT),
    }
    voice, chat, email = kept.needs
    assert isinstance(voice, RealTimeNeed) and voice.agents[0.0] == (1, 2, 3, 4, 0, 0)
    assert isinstance(chat, RealTimeNeed) and chat.agents[0.0] == (0, 0, 0, 0, 0, 0)
    assert isinstance(email, AsyncNeed) and email.work[0.0] == (0, 0, 0, 2, 0, 2)
    # what is left is coverable: the plan meets it without a shortfall
    solution = solve(kept, mip_gap=0.0)
    assert solution.status == "optimal" and not solution.shortfalls


def test_unserved_at_the_chosen_bot_level() -> None:
    """Chat is open in intervals 0-3 only, but at bot level 0.45 the bot's recontacts arrive
    in interval 4 too. Before solving, interval 4 is unserved at the worst level (0.45); once
    the plan runs the bot at 0 nothing there is unserved (small-shop without its cap of eight
    exited 3 naming 16 recontacts after 21:30 although its plan had no bot); at 0.45 the
    amount reported is that level's."""
    problem = ShiftProblem(
        6,
        3600.0,
        (column("day", "A", [0, 1, 2, 3]),),
        (
            RealTimeNeed(
                "chat", "any", ("A",), {0.0: (1, 2, 2, 1, 0, 0), 0.45: (1, 1, 1, 1, 0.4, 0)}
            ),
        ),
    )
    _, unserved = split_uncoverable(problem)
    assert [(u.interval, u.amount) for u in unserved] == [(4, 0.4)]
    assert at_levels(unserved, {"chat": 0.0}) == ()
    assert [(u.interval, u.amount) for u in at_levels(unserved, {"chat": 0.45})] == [(4, 0.4)]
    # a channel without a bot keeps what was found
    assert at_levels(unserved, {}) == unserved


@pytest.mark.parametrize("seed", range(20))
def test_uncoverable_agrees_with_the_lp_on_random_instances(seed: int) -> None:
    """Random sites, shifts, languages and windows: after the split the LP relaxation's least
    shortfall is zero (everything left can be covered), and putting back any one reported
    requirement alone makes it positive (everything reported is really uncoverable)."""
    rng = random.Random(seed)
    n = rng.randint(4, 10)
    sites = ["A", "B", "C"]
    columns = []
    for j in range(rng.randint(1, 4)):
        start, length = rng.randrange(n), rng.randint(1, n - 1)
        columns.append(
            column(f"c{j}", rng.choice(sites[:2]), [(start + k) % n for k in range(length)])
        )
    needs: list[RealTimeNeed | AsyncNeed] = []
    for k in range(3):
        serving = tuple(rng.sample(sites, rng.randint(0, 2)))
        values = tuple(float(rng.choice([0, 0, 1, 3])) for _ in range(n))
        if rng.random() < 0.5:
            needs.append(RealTimeNeed(f"rt{k}", "en", serving, {0.0: values}))
        else:
            needs.append(AsyncNeed(f"as{k}", "en", serving, rng.randint(0, 3), {0.0: values}))
    problem = ShiftProblem(n, 900.0, tuple(columns), tuple(needs))
    kept, unserved = split_uncoverable(problem)
    least = minimum_shortfall(build_model(kept))
    assert least is not None and least == pytest.approx(0.0, abs=1e-7)
    for item in unserved:
        alone = []
        for need in kept.needs:
            vector = [0.0] * n
            if need.channel == item.channel:
                vector[item.interval] = item.amount
            values = {0.0: tuple(vector)}
            alone.append(
                RealTimeNeed(need.channel, need.group, need.sites, values)
                if isinstance(need, RealTimeNeed)
                else AsyncNeed(need.channel, need.group, need.sites, need.window, values)
            )
        back = ShiftProblem(n, 900.0, tuple(columns), tuple(alone))
        shortfall = minimum_shortfall(build_model(back))
        assert shortfall is not None and shortfall > 1e-6, item
