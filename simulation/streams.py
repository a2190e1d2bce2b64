"""Independent random streams per replication and per purpose (common random numbers).

Every stream is a ``numpy.random.Generator`` seeded from ``SeedSequence(seed, spawn_key=(
replication, purpose, crc32(key)))``: the same scenario seed gives the same draws for the same
replication, purpose and key (a channel, a channel-region pair, a shift instance), whatever else
changes in the scenario. Two rosters compared on the same seed therefore see the same customers
(arrival times, handle times, patience, bot outcomes) and differ only by the roster.
"""

from __future__ import annotations

import zlib
from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is used for; part of its seed."""

    ARRIVALS = 1
    HANDLE = 2
    PATIENCE = 3
    BOT = 4
    CALLBACK = 5
    RECONTACT = 6
    FORECAST = 7
    ABSENCE = 8
    OFFLINE = 9


def stream(seed: int, replication: int, purpose: Purpose, key: str) -> np.random.Generator:
    """The generator for ``(seed, replication, purpose, key)``."""
    spawn_key = (int(replication), int(purpose), zlib.crc32(key.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))
