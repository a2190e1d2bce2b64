"""Small scenarios built in code for the engine tests."""

from __future__ import annotations

import copy
from typing import Any

from scenarios.loader import parse
from scenarios.schema import Scenario


def single_queue_raw(
    agents: int,
    per_hour: float = 200.0,
    handle: str = "3m",
    handle_distribution: str = "exponential",
    patience: str | None = None,
    kind: str = "voice",
    days: int = 7,
    replications: int = 10,
    seed: int = 1,
    interval: str = "60m",
    warmup: str = "24h",
) -> dict[str, Any]:
    """One channel, one region, one site staffed by ``agents`` 24/7.

    Arrivals are Poisson at ``per_hour`` around the clock; the roster is one shift starting each
    Monday and lasting a week (or the whole horizon, when shorter), so agents never change except
    at the week boundary. ``days`` must be at most 7 or a multiple of 7.
    """
    if days > 7 and days % 7:
        raise ValueError(f"days must be at most 7 or a multiple of 7, got {days}")
    channel: dict[str, Any] = {
        "name": "c1",
        "kind": kind,
        "volume": {"per": "day", "count": per_hour * 24},
        "hourly_profile": "flat",
        "handle_time": {"mean": handle, "distribution": handle_distribution, "cv": 1.0},
        "target": {"within": "20s", "share": 0.8},
    }
    if patience is not None:
        channel["patience"] = {"mean": patience, "distribution": "exponential"}
    return {
        "format": 1,
        "scenario": {
            "name": "single-queue",
            "start": __import__("datetime").date(2026, 1, 5),
            "days": days,
            "interval": interval,
            "timezone": "UTC",
        },
        "run": {"replications": replications, "seed": seed, "warmup": warmup},
        "regions": [{"name": "all", "timezone": "UTC", "share": 1.0}],
        "channels": [channel],
        "sites": [{"name": "hq", "timezone": "UTC", "skills": ["c1"], "hourly_cost": 10.0}],
        "shifts": [
            {
                "name": "week",
                "starts": {"from": "00:00", "to": "00:00", "every": "1h"},
                "length": f"{24 * min(days, 7)}h",
                "days": ["mon"],
            }
        ],
        "roster": [
            {"site": "hq", "shift": "week", "start": "00:00", "days": ["mon"], "agents": agents}
        ],
    }


def build_scenario(raw: dict[str, Any]) -> Scenario:
    """Validate a scenario dictionary; fail loudly with its problems."""
    scenario, problems = parse(copy.deepcopy(raw))
    if scenario is None:
        raise AssertionError("\n".join(str(p) for p in problems))
    return scenario


def contact_table(
    model: Any,
    rows: list[tuple[float, str, float]],
    patience: dict[int, float] | None = None,
    callback: set[int] | None = None,
    region: int = 0,
    bot_s: dict[int, float] | None = None,
) -> Any:
    """A hand-made ``ContactTable``: ``(t_queue_s, channel name, handle_s)`` per contact.

    Contacts keep the order given (it must be by time); ``patience`` maps a contact's position
    to its patience [s] (default: never abandons); ``callback`` lists the positions of callers
    who accept a callback when offered; ``bot_s`` maps a contact's position to the time it
    spent with the bot before reaching the queue [s] (default 0).
    """
    import numpy as np

    from simulation.arrivals import ContactTable

    names = [c.name for c in model.channels]
    channel = np.array([names.index(r[1]) for r in rows], dtype=np.int64)
    queue = np.array([model.queue_of[(int(c), region)] for c in channel], dtype=np.int64)
    shape = (len(model.channels), model.horizon.n_intervals)
    return ContactTable(
        t_queue_s=np.array([r[0] for r in rows], dtype=float),
        channel=channel,
        queue=queue,
        handle_s=np.array([r[2] for r in rows], dtype=float),
        patience_s=np.array(
            [(patience or {}).get(k, np.inf) for k in range(len(rows))], dtype=float
        ),
        callback=np.array([k in (callback or set()) for k in range(len(rows))], dtype=bool),
        bot_s=np.array([(bot_s or {}).get(k, 0.0) for k in range(len(rows))], dtype=float),
        arrived=np.zeros(shape, dtype=np.int64),
        contained=np.zeros(shape, dtype=np.int64),
        bot_sessions=np.zeros(shape, dtype=np.int64),
        contacts=len(rows),
        region=np.full(len(rows), region, dtype=np.int64),
        segment_arrived=np.zeros(
            (len(model.channels) * len(model.scenario.regions), model.horizon.n_intervals),
            dtype=np.int64,
        ),
        fresh_work_s=np.zeros(shape),
    )
