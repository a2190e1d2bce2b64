"""The bot's time: against the target for email and social, reported apart for voice and chat.

Rule under test (README, "Bot"): for email and social the response clock starts when the
customer wrote, so the time with the bot counts against the target (and in ``asa_s``); for
voice and chat the wait starts at escalation, and the time with the bot is reported as
``bot_time_s`` in the summary (mean over the contacts reaching agents; recontacts skip the bot).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build
from simulation.results import aggregate
from tests.factory import build_scenario
from tests.test_event_log import tiny


def bot_channel(kind: str) -> dict[str, Any]:
    """Bot time 10 min, handling 10 min (fixed), target 15 min; half the contacts escalate."""
    return {
        "name": kind,
        "kind": kind,
        "volume": {"per": "day", "count": 48},
        "handle_time": {"mean": "10m", "distribution": "fixed"},
        "target": {"within": "15m", "share": 0.8},
        "bot": {"containment": 0.5, "time": "10m"},
    }


def around_the_clock(kind: str) -> dict[str, Any]:
    """Twenty agents on a 24 h shift: no contact ever waits for an agent."""
    return tiny([bot_channel(kind)], agents=20, length="24h")


@pytest.mark.parametrize("kind", ["email", "social"])
def test_async_response_clock_starts_when_the_customer_wrote(kind: str) -> None:
    """Email behind a 10-minute bot, 10-minute handling, target 15 minutes, idle agents: every
    customer gets the reply 20 minutes after writing, so the service level is 0 and the wait
    until an agent took the contact is the bot's 600 s. All times are fixed, so the figures
    are exact (before the fix: service level 1.0 and 0 s)."""
    model = build(build_scenario(around_the_clock(kind)))
    table = generate(model, seed=5, replication=0)
    result = run(model, table, seed=5, replication=0)
    assert result.answered.sum() > 10
    assert result.answered_within.sum() == 0
    channel = aggregate(model, [result], seed=5).summary["channels"][kind]
    assert channel["service_level"]["mean"] == 0.0
    assert channel["asa_s"] == pytest.approx(600.0)
    assert channel["bot_time_s"] == pytest.approx(600.0)


def test_async_without_the_bot_still_meets_the_target() -> None:
    """The same email channel with the bot switched off (containment 0): reply after 10 min."""
    raw = around_the_clock("email")
    raw["channels"][0]["bot"]["containment"] = 0.0
    model = build(build_scenario(raw))
    result = run(model, generate(model, seed=5, replication=0), seed=5, replication=0)
    channel = aggregate(model, [result], seed=5).summary["channels"]["email"]
    assert channel["service_level"]["mean"] == 1.0
    assert channel["asa_s"] == 0.0
    assert channel["bot_time_s"] == 0.0


def test_real_time_wait_starts_at_escalation_and_bot_time_is_reported() -> None:
    """Chat behind the same bot: the wait starts at escalation (answered at once, service level
    1, 0 s) and the 600 s with the bot are reported as ``bot_time_s``."""
    model = build(build_scenario(around_the_clock("chat")))
    result = run(model, generate(model, seed=5, replication=0), seed=5, replication=0)
    channel = aggregate(model, [result], seed=5).summary["channels"]["chat"]
    assert channel["service_level"]["mean"] == 1.0
    assert channel["asa_s"] == 0.0
    assert channel["bot_time_s"] == pytest.approx(600.0)


def test_recontacts_skip_the_bot_and_its_time() -> None:
    """Contained customers who come back reach the queue without the bot: their response clock
    starts when they come back, and they add 0 s of bot time."""
    raw = around_the_clock("email")
    raw["channels"][0]["bot"].update(containment=1.0, recontact_share=1.0, recontact_after="1h")
    model = build(build_scenario(raw))
    result = run(model, generate(model, seed=5, replication=0), seed=5, replication=0)
    channel = aggregate(model, [result], seed=5).summary["channels"]["email"]
    assert result.answered.sum() > 10
    assert channel["service_level"]["mean"] == 1.0
    assert channel["bot_time_s"] == 0.0


def test_mixed_bot_time_is_the_mean_over_contacts_reaching_agents() -> None:
    """Half escalate (600 s with the bot), the contained half all come back (0 s): the mean
    bot time of contacts reaching agents lies strictly between."""
    raw = copy.deepcopy(around_the_clock("chat"))
    raw["channels"][0]["bot"].update(recontact_share=1.0, recontact_after="1h")
    model = build(build_scenario(raw))
    result = run(model, generate(model, seed=5, replication=0), seed=5, replication=0)
    channel = aggregate(model, [result], seed=5).summary["channels"]["chat"]
    assert 0.0 < channel["bot_time_s"] < 600.0
