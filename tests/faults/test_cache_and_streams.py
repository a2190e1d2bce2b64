"""Issue 9, points 7 and 8: the replication cache is data, never code, and random streams of
different keys never collide."""

from __future__ import annotations

import copy
import zlib

import numpy as np

from simulation.arrivals import generate
from simulation.model import build
from simulation.streams import Purpose, stream
from tests.factory import build_scenario, single_queue_raw

# --------------------------------------------------------------------------------------------
# random streams


def test_streams_for_crc32_colliding_names_differ() -> None:
    """Two keys with the same CRC-32 get different random numbers, and two channels named
    after them get different arrivals (they drew identical ones when streams were keyed by
    ``zlib.crc32``)."""
    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")
    for purpose in Purpose:
        first = stream(1, 0, purpose, "plumless").random(8)
        second = stream(1, 0, purpose, "buckeroo").random(8)
        assert not np.array_equal(first, second), purpose

    raw = single_queue_raw(20, per_hour=60.0, days=1, replications=1)
    (channel,) = raw["channels"]
    raw["channels"] = [dict(copy.deepcopy(channel), name=n) for n in ("plumless", "buckeroo")]
    raw["sites"][0]["skills"] = ["plumless", "buckeroo"]
    model = build(build_scenario(raw))
    contacts = generate(model, 1, 0)
    plumless, buckeroo = (contacts.t_queue_s[contacts.channel == c] for c in (0, 1))
    assert len(plumless) > 100 and len(buckeroo) > 100
    assert not np.array_equal(contacts.arrived[0], contacts.arrived[1])
    assert not np.array_equal(plumless[:100], buckeroo[:100])
