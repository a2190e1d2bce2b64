"""Per-language-group counters of the engine (``simulation.groups``): they split the channel
counters exactly, and a group that no site serves is offered and never answered."""

from __future__ import annotations

import numpy as np

from scenarios.loader import load
from simulation import simulate
from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build


def test_group_counters_add_up_to_the_channel_counters() -> None:
    """global-retail queues voice and chat per language (en, pt): summed over a channel's
    queues, answered, answered within target and abandoned equal the channel's counters, for
    every interval (the engine increments both on the same event)."""
    scenario = load("scenarios/global-retail.toml")
    model = build(scenario)
    result = run(model, generate(model, scenario.run.seed, 0), scenario.run.seed, 0)
    for spec in model.channels:
        if not spec.real_time:
            continue
        queues = [q for q, (c, _) in enumerate(model.queues) if c == spec.index]
        assert len(queues) == 2
        for mine, theirs in (
            (result.group_answered, result.answered),
            (result.group_within, result.answered_within),
            (result.group_abandoned, result.abandoned),
            (result.group_short_abandoned, result.short_abandoned),
        ):
            np.testing.assert_array_equal(mine[queues].sum(axis=0), theirs[spec.index])
        assert result.group_answered[queues].sum() > 1000


def test_group_cells_give_each_language_its_own_service_level() -> None:
    """The Portuguese queue (served by one site only) and the English one get separate
    service levels whose denominator-weighted mean is the channel's."""
    scenario = load("scenarios/global-retail.toml")
    results = simulate(scenario, replications=2)
    groups = results.groups
    assert set(groups["group"]) == {"en", "pt"}
    assert set(groups["channel"]) == {"voice", "chat"}
    voice = groups[groups["channel"] == "voice"]
    by_group = voice.groupby("group")["denominator"].sum()
    assert by_group["en"] > 5 * by_group["pt"] > 0
    intervals = results.intervals
    channel = intervals[intervals["channel"] == "voice"]
    assert voice.groupby("cell")["denominator"].sum().sum() == np.float64(
        (channel["answered"] + channel["abandoned"]).sum()
    )
