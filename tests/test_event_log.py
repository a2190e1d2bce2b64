"""Tiny exact event logs, one per queueing rule (README "Modelling choices").

Each test builds a one-day scenario with a handful of agents, feeds hand-made contacts with
fixed handle times into the engine, and compares the event log with what the rule prescribes.
Log entries are ``(time [s], event, contact, channel, agent)``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from simulation.arrivals import generate
from simulation.engine import run
from simulation.model import build
from tests.factory import build_scenario, contact_table


def tiny(
    channels: list[dict[str, Any]],
    agents: int = 1,
    breaks: list[dict[str, str]] | None = None,
    length: str = "8h",
    rows: list[dict[str, Any]] | None = None,
    priority: list[str] | None = None,
    site: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A one-day scenario on UTC, one site with every channel as a skill."""
    import datetime as dt

    names = [c["name"] for c in channels]
    for channel in channels:
        channel.setdefault("volume", {"per": "day", "count": 10})
        channel.setdefault("handle_time", {"mean": "1m", "distribution": "fixed"})
        channel.setdefault("target", {"within": "20s", "share": 0.8})
    site_row = {"name": "s", "timezone": "UTC", "skills": names, "hourly_cost": 10.0}
    site_row.update(site or {})
    return {
        "format": 1,
        "scenario": {
            "name": "tiny",
            "start": dt.date(2026, 1, 5),
            "days": 1,
            "interval": "60m",
            "timezone": "UTC",
        },
        "run": {"replications": 1, "seed": 3, "warmup": "0s"},
        "regions": [{"name": "r", "timezone": "UTC", "share": 1.0}],
        "channels": channels,
        "sites": [site_row],
        "shifts": [
            {
                "name": "day",
                "starts": {"from": "00:00", "to": "23:00", "every": "1h"},
                "length": length,
                "breaks": breaks or [],
            }
        ],
        "routing": {"priority": priority or names},
        "roster": rows
        or [{"site": "s", "shift": "day", "start": "00:00", "days": ["mon"], "agents": agents}],
    }


def simulate_log(
    raw: dict[str, Any], contacts: list[tuple[float, str, float]], **kwargs: Any
) -> tuple[list[tuple[float, str, int, str, int]], Any]:
    model = build(build_scenario(raw))
    table = contact_table(model, contacts, **kwargs)
    result = run(model, table, seed=3, replication=0, trace=True)
    assert result.trace is not None
    horizon = model.horizon.length_s
    return [e for e in result.trace if e[0] < horizon], result


def events(log: list[tuple[float, str, int, str, int]], *kinds: str) -> list[tuple[Any, ...]]:
    return [(t, kind, c) for t, kind, c, _, _ in log if kind in kinds]


def agent_of(log: list[tuple[float, str, int, str, int]], contact: int) -> int:
    return next(a for _, kind, c, _, a in log if kind == "answer" and c == contact)


def test_priority_beats_age() -> None:
    """A freed agent takes the highest-priority channel first, even if email waited longer."""
    raw = tiny(
        [
            {"name": "voice", "kind": "voice"},
            {"name": "email", "kind": "email", "target": {"within": "1h", "share": 0.8}},
        ],
        priority=["voice", "email"],
    )
    log, _ = simulate_log(
        raw, [(0.0, "voice", 100.0), (10.0, "email", 50.0), (20.0, "voice", 30.0)]
    )
    assert events(log, "answer") == [(0.0, "answer", 0), (100.0, "answer", 2), (130.0, "answer", 1)]


def test_oldest_first_within_a_channel() -> None:
    """Within a channel, the oldest waiting contact is taken first (FIFO)."""
    raw = tiny([{"name": "voice", "kind": "voice"}])
    log, _ = simulate_log(raw, [(0.0, "voice", 100.0), (10.0, "voice", 5.0), (20.0, "voice", 5.0)])
    assert events(log, "answer") == [(0.0, "answer", 0), (100.0, "answer", 1), (105.0, "answer", 2)]


def test_new_contact_goes_to_longest_idle_agent() -> None:
    """Of two idle agents, the one idle longer gets the new contact."""
    raw = tiny([{"name": "voice", "kind": "voice"}], agents=2)
    log, _ = simulate_log(
        raw, [(10.0, "voice", 10.0), (30.0, "voice", 10.0), (35.0, "voice", 10.0)]
    )
    first, second, third = agent_of(log, 0), agent_of(log, 1), agent_of(log, 2)
    # contact 0 went to one agent (idle since 0, freed at 20); the other has been idle since 0
    assert second != first
    # at 35 the first agent (idle since 20) has waited longer than the second (busy until 40)
    assert third == first


def test_break_starts_when_contact_in_hand_ends() -> None:
    """A break due at 1 h waits for the contact in hand, then lasts its full length."""
    raw = tiny([{"name": "voice", "kind": "voice"}], breaks=[{"after": "1h", "length": "15m"}])
    log, _ = simulate_log(raw, [(3500.0, "voice", 200.0), (3650.0, "voice", 10.0)])
    kinds = [(t, kind) for t, kind, c, _, _ in log if kind in ("break", "available")]
    assert kinds == [(0.0, "available"), (3700.0, "break"), (4600.0, "available")]
    assert events(log, "answer")[-1] == (4600.0, "answer", 1)


def test_shift_end_finishes_contact_in_hand_then_next_shift_starts_on_time() -> None:
    """At shift end the agent finishes the contact (overtime), the next shift starts on time."""
    rows = [
        {"site": "s", "shift": "day", "start": "00:00", "days": ["mon"], "agents": 1},
        {"site": "s", "shift": "day", "start": "08:00", "days": ["mon"], "agents": 1},
    ]
    raw = tiny([{"name": "voice", "kind": "voice"}], rows=rows)
    end = 8 * 3600.0
    log, result = simulate_log(raw, [(end - 60, "voice", 180.0), (end + 10, "voice", 30.0)])
    assert events(log, "answer") == [(end - 60, "answer", 0), (end + 10, "answer", 1)]
    assert agent_of(log, 0) != agent_of(log, 1)
    logout = [t for t, kind, _, _, a in log if kind == "logout" and a == agent_of(log, 0)]
    assert logout == [end + 120]
    assert result.overtime_s[0] == pytest.approx(120.0)


def test_chat_concurrency_with_slowdown() -> None:
    """An agent holds up to two chats; the second one takes 1.5 times as long."""
    raw = tiny(
        [{"name": "chat", "kind": "chat", "concurrency": 2, "concurrency_slowdown": [1.0, 1.5]}]
    )
    log, _ = simulate_log(raw, [(0.0, "chat", 100.0), (10.0, "chat", 100.0), (20.0, "chat", 100.0)])
    assert events(log, "answer", "finish") == [
        (0.0, "answer", 0),
        (10.0, "answer", 1),
        (100.0, "finish", 0),
        (100.0, "answer", 2),
        (160.0, "finish", 1),
        (250.0, "finish", 2),
    ]


def test_abandonment_at_patience() -> None:
    """A waiting customer abandons when patience runs out; abandoned ones are never answered."""
    raw = tiny(
        [{"name": "voice", "kind": "voice", "patience": {"mean": "1m", "distribution": "fixed"}}]
    )
    log, result = simulate_log(
        raw,
        [(0.0, "voice", 200.0), (10.0, "voice", 10.0), (150.0, "voice", 10.0)],
        patience={1: 60.0, 2: 100.0},
    )
    assert events(log, "answer", "abandon") == [
        (0.0, "answer", 0),
        (70.0, "abandon", 1),
        (200.0, "answer", 2),
    ]
    assert result.abandoned.sum() == 1
    assert result.answered_within.sum() == 1  # contact 0 at once; contact 2 waited 50 s


def test_callback_keeps_place_and_cannot_abandon() -> None:
    """Virtual hold: an accepting caller keeps their place and is called back; others abandon."""
    raw = tiny(
        [
            {
                "name": "voice",
                "kind": "voice",
                "patience": {"mean": "100s", "distribution": "fixed"},
                "callback": {"offer_after": "60s", "accept_share": 1.0, "within": "1h"},
            }
        ]
    )
    contacts = [(0.0, "voice", 500.0), (10.0, "voice", 10.0), (20.0, "voice", 10.0)]
    log, result = simulate_log(raw, contacts, patience={1: 100.0, 2: 100.0}, callback={1})
    assert events(log, "answer", "abandon", "callback") == [
        (0.0, "answer", 0),
        (120.0, "abandon", 2),
        (500.0, "callback", 1),
    ]
    assert result.offered_cb.sum() == 1 and result.within_cb.sum() == 1
    assert result.offered.sum() == 2  # the callback left the voice denominator


def test_language_routing() -> None:
    """A contact goes only to agents of a site that speaks its region's language."""
    raw = tiny([{"name": "voice", "kind": "voice"}])
    raw["regions"] = [
        {"name": "de", "timezone": "UTC", "share": 0.5, "language": "de"},
        {"name": "fr", "timezone": "UTC", "share": 0.5, "language": "fr"},
    ]
    raw["sites"][0]["languages"] = ["de"]
    raw["sites"].append(
        {
            "name": "t",
            "timezone": "UTC",
            "skills": ["voice"],
            "languages": ["fr"],
            "hourly_cost": 10.0,
        }
    )
    raw["roster"].append(
        {"site": "t", "shift": "day", "start": "00:00", "days": ["mon"], "agents": 1}
    )
    model = build(build_scenario(raw))
    french = contact_table(model, [(0.0, "voice", 100.0), (10.0, "voice", 10.0)], region=1)
    result = run(model, french, seed=3, replication=0, trace=True)
    assert result.trace is not None
    answers = [(t, c) for t, kind, c, _, _ in result.trace if kind == "answer"]
    assert answers == [(0.0, 0), (100.0, 1)]  # the idle German agent never takes French calls


def test_bot_escalation_and_recontact() -> None:
    """Bot: escalated contacts reach the queue after the bot time with longer handling;
    contained ones that come back arrive recontact_after later, without the bot; containment
    0 switches the bot off."""
    bot = {"time": "2m", "cost_per_session": 0.5, "escalated_handle_time_factor": 1.2}
    base = tiny(
        [
            {
                "name": "chat",
                "kind": "chat",
                "volume": {"per": "day", "count": 500},
                "handle_time": {"mean": "5m", "distribution": "fixed"},
                "bot": {"containment": 0.0, **bot},
            }
        ]
    )
    off = build(build_scenario(base))
    plain = generate(off, seed=5, replication=0)
    assert np.allclose(plain.handle_s, 300.0)
    assert plain.bot_sessions.sum() == 0 and plain.arrived.sum() > 0
    assert run(off, plain, seed=5, replication=0).bot_cost.sum() == 0

    half = copy.deepcopy(base)
    half["channels"][0]["bot"]["containment"] = 0.5
    model = build(build_scenario(half))
    table = generate(model, seed=5, replication=0)
    assert np.allclose(table.handle_s, 360.0)  # 5 min x 1.2
    assert table.bot_sessions.sum() == plain.arrived.sum()  # the same customers
    inside = (table.t_queue_s >= 2 * 60) & (table.t_queue_s < 86400 + 2 * 60)
    assert table.contained.sum() + inside.sum() == table.bot_sessions.sum()
    assert abs(table.contained.sum() / table.bot_sessions.sum() - 0.5) < 0.1

    back = copy.deepcopy(base)
    back["channels"][0]["bot"].update(containment=1.0, recontact_share=1.0, recontact_after="3h")
    model = build(build_scenario(back))
    recontacts = generate(model, seed=5, replication=0)
    assert np.allclose(recontacts.handle_s, 300.0)  # recontacts are handled at the normal time
    # every customer of the bot-less run comes back 3 h 2 min after arriving
    shifted = plain.t_queue_s + 3 * 3600.0 + 120.0
    shifted = shifted[shifted < model.end_s]
    assert np.allclose(np.sort(recontacts.t_queue_s), np.sort(shifted))
    result = run(model, recontacts, seed=5, replication=0)
    assert result.bot_cost.sum() == pytest.approx(0.5 * recontacts.bot_sessions.sum())


def test_absent_agents_are_unpaid_and_offline_block_is_taken() -> None:
    """Absent agents cost nothing; the offline block removes its share of available time."""
    raw = tiny([{"name": "voice", "kind": "voice"}], agents=3, site={"absenteeism": 1.0})
    model = build(build_scenario(raw))
    result = run(model, contact_table(model, []), seed=1, replication=0)
    assert result.labor_cost.sum() == 0 and result.absent_shifts.sum() == 3
    assert result.productive_s.sum() == 0

    raw = tiny([{"name": "voice", "kind": "voice"}], agents=2, site={"offline_share": 0.25})
    model = build(build_scenario(raw))
    result = run(model, contact_table(model, []), seed=1, replication=0)
    assert result.productive_s.sum() == pytest.approx(2 * 8 * 3600 * 0.75)
    assert result.labor_cost.sum() == pytest.approx(2 * 8 * 10.0)


def test_night_and_weekend_premiums_in_site_time() -> None:
    """Pay: 20:00-04:00 on Friday (site time) with night 22-06 +50 % and weekend +25 %.

    2 h plain + 2 h night on Friday + 4 h night on Saturday = 2 + 2 x 1.5 + 4 x 1.75 = 12
    weighted hours at 10 an hour = 120.
    """
    import datetime as dt

    raw = tiny(
        [{"name": "voice", "kind": "voice"}],
        rows=[{"site": "s", "shift": "day", "start": "20:00", "days": ["fri"], "agents": 1}],
        site={
            "timezone": "America/New_York",
            "night": {"from": "22:00", "to": "06:00", "premium": 0.5},
            "weekend_premium": 0.25,
        },
    )
    raw["scenario"].update(start=dt.date(2026, 1, 5), days=7)
    model = build(build_scenario(raw))
    (instance,) = model.instances
    assert instance.cost_per_agent == pytest.approx(120.0)
    # 20:00 in New York in January is 01:00 UTC on Saturday, day 5 of the horizon
    assert instance.start_s == pytest.approx(5 * 86400 + 3600)
    assert math.isclose(instance.end_s - instance.start_s, 8 * 3600)


def test_cyclic_horizon_wraps_shifts_and_replays_warmup() -> None:
    """A Sunday-night shift that runs past the end of the week also staffs Monday 00:00-06:00
    (cyclic horizon), and the warm-up replays the end of the week before time 0."""
    import datetime as dt

    raw = tiny(
        [{"name": "voice", "kind": "voice", "volume": {"per": "day", "count": 200}}],
        rows=[{"site": "s", "shift": "day", "start": "22:00", "days": ["sun"], "agents": 2}],
    )
    raw["scenario"].update(start=dt.date(2026, 1, 5), days=7)
    raw["run"]["warmup"] = "24h"
    model = build(build_scenario(raw))
    table = generate(model, seed=1, replication=0)
    assert table.t_queue_s.min() < -20 * 3600  # warm-up arrivals, a day's worth
    result = run(model, table, seed=1, replication=0)
    available = result.productive_s.sum(axis=0)
    assert available[:6] == pytest.approx([2 * 3600.0] * 6)  # Monday 00-06 from Sunday's shift
    assert available[6:-2].sum() == 0  # nobody else all week
    assert available[-2:] == pytest.approx([2 * 3600.0] * 2)  # Sunday 22-24
    assert result.labor_cost.sum() == pytest.approx(2 * 8 * 10.0)  # paid once, not twice


def test_site_ahead_of_the_planning_clock_on_a_one_day_horizon() -> None:
    """A Tokyo shift on Monday 08:00 starts at 23:00 UTC on Sunday, before a one-day UTC
    horizon for Monday: the cyclic horizon wraps it to the end, so it still staffs Monday
    00:00-08:00 UTC (Monday morning in Tokyo) instead of vanishing."""
    raw = tiny(
        [{"name": "voice", "kind": "voice"}],
        rows=[{"site": "s", "shift": "day", "start": "08:00", "days": ["mon"], "agents": 2}],
        site={"timezone": "Asia/Tokyo"},
    )
    model = build(build_scenario(raw))
    (instance,) = model.instances
    assert instance.start_s == pytest.approx(23 * 3600.0)
    result = run(model, contact_table(model, []), seed=1, replication=0)
    available = result.productive_s.sum(axis=0)
    assert available[:7] == pytest.approx([2 * 3600.0] * 7)
    assert available[7:23].sum() == 0
    assert available[23] == pytest.approx(2 * 3600.0)


def test_chat_time_held_for_slot_occupancy() -> None:
    """The log above: chats held 0-100, 10-160 and 100-250 s, 400 s of chat time, while the
    agent held at least one chat from 0 to 250 s. Occupancy counts the 250 s busy, the share of
    slots used counts 400 s of 2 slots (README "KPIs")."""
    raw = tiny(
        [{"name": "chat", "kind": "chat", "concurrency": 2, "concurrency_slowdown": [1.0, 1.5]}]
    )
    _, result = simulate_log(
        raw, [(0.0, "chat", 100.0), (10.0, "chat", 100.0), (20.0, "chat", 100.0)]
    )
    assert result.chat_s.sum() == 400.0
    assert result.busy_s.sum() == 250.0
