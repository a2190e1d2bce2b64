"""Who counts in the service level: contacts left waiting at the end of the run.

Rule under test (README, "Cyclic horizon"): a contact still waiting when the run ends counts
as offered and missed once its target has passed, under every counting rule; it is left out
only while its target has not passed yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build
from simulation.results import aggregate, lines, ratio
from tests.factory import build_scenario, contact_table
from tests.test_event_log import tiny

HOUR = 3600.0


def evening_gap(channel: dict[str, Any], agents: int = 3) -> dict[str, Any]:
    """One day; agents work 08:00-16:00 only, so contacts arriving from 16:00 on wait past the
    end of the run (cool-down 2 h; the next day's copy of the shift starts at 32 h)."""
    raw = tiny([channel], agents=agents)
    raw["roster"][0]["start"] = "08:00"
    return raw


def test_contacts_waiting_at_the_end_count_once_their_target_passed() -> None:
    """Exact log: a call waiting since 17:00 is offered and missed; one at 23:30 whose 3 h
    target runs until 26:30, after the run ends at 26:00, is left out."""
    raw = evening_gap(
        {"name": "voice", "kind": "voice", "target": {"within": "3h", "share": 0.8}}, agents=1
    )
    model = build(build_scenario(raw))
    assert model.end_s == 26 * HOUR
    table = contact_table(model, [(17 * HOUR, "voice", 60.0), (23.5 * HOUR, "voice", 60.0)])
    result = run(model, table, seed=3, replication=0)
    assert result.answered.sum() == 0
    assert result.offered[0, 17] == 1  # target passed at 20:00: counted, and missed
    assert result.open_missed[0, 17] == 1
    assert result.offered[0, 23] == 0  # target still running at the end: not judged
    [line] = lines(model, [result])
    assert line.denominator.sum() == 1
    assert line.within.sum() == 0


@pytest.mark.parametrize("counts", ["offered", "answered", "offered_excl_short"])
def test_calls_after_the_last_agent_left_are_offered_and_missed(counts: str) -> None:
    """Calls arrive around the clock, agents leave at 16:00 and nobody abandons: every call of
    16:00-24:00 is still waiting at the end, long past its 20 s target. Each counts as offered
    and missed, so offered equals arrived (no bot, no target still pending), whatever the
    counting rule. Before the fix these calls vanished from ``offered``."""
    raw = evening_gap(
        {
            "name": "voice",
            "kind": "voice",
            "volume": {"per": "day", "count": 480},
            "handle_time": {"mean": "3m", "distribution": "exponential", "cv": 1.0},
            "target": {"within": "20s", "share": 0.8, "counts": counts},
        }
    )
    model = build(build_scenario(raw))
    table = generate(model, seed=11, replication=0)
    result = run(model, table, seed=11, replication=0)
    evening = slice(16, 24)
    assert result.arrived[0, evening].sum() > 100
    assert result.answered[0, evening].sum() == 0
    np.testing.assert_array_equal(result.offered, result.arrived)
    [line] = lines(model, [result])
    np.testing.assert_array_equal(line.denominator, result.arrived)
    assert ratio(line.within, line.denominator)[0, evening].tolist() == [0.0] * 8
    results = aggregate(model, [result], seed=11)
    voice = results.summary["channels"]["voice"]
    assert voice["offered"] == voice["arrived"]
    assert voice["service_level"]["mean"] == pytest.approx(
        result.answered_within.sum() / result.arrived.sum()
    )
    daily = results.daily.iloc[0]
    assert daily["offered"] == daily["arrived"]
    groups = results.groups
    assert groups["denominator"].to_numpy() == pytest.approx(result.arrived[0])
