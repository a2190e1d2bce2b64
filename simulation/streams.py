"""Independent random streams per replication and per purpose (common random numbers).

Every stream is a ``numpy.random.Generator`` seeded from ``SeedSequence(seed, spawn_key=(
replication, purpose, *words(key)))``, where ``words(key)`` is the SHA-256 digest of the key's
UTF-8 bytes read as eight big-endian 32-bit words: the same scenario seed gives the same draws
for the same replication, purpose and key (a channel, a channel-region pair, a shift instance),
whatever else changes in the scenario. Two rosters compared on the same seed therefore see the
same customers (arrival times, handle times, patience, bot outcomes) and differ only by the
roster.

The whole 256-bit digest enters the seed, so two different keys never share a stream in
practice (a SHA-256 collision is not known for any input). A 32-bit checksum is not enough:
``zlib.crc32`` gives ``plumless`` and ``buckeroo`` the same value, and channels with those
names drew identical random numbers until the key was hashed this way.
"""

from __future__ import annotations

import hashlib
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
    REPEAT = 10
    REDIAL = 11


def key_words(key: str) -> tuple[int, ...]:
    """``key``'s SHA-256 digest as eight 32-bit words (big-endian), its part of a spawn key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, len(digest), 4))


def stream(seed: int, replication: int, purpose: Purpose, key: str) -> np.random.Generator:
    """The generator for ``(seed, replication, purpose, key)``."""
    spawn_key = (int(replication), int(purpose), *key_words(key))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))
