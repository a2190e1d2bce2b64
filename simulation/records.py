"""The contact records of one replication: per-contact attributes as typed arrays.

Contacts are passive records, indices into these arrays (8 bytes a value, no per-contact
objects). The arrays start from the contacts drawn up front (``simulation.arrivals``); a
contact created during the run (a repeat or a redial) is appended with :meth:`add`.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from simulation.arrivals import ContactTable
from simulation.model import SimModel

INF = math.inf


class ContactRecords:
    """Per-contact attributes (times in seconds since the horizon start).

    ``tq``: reaches the agent queue; ``clock``: start of the response clock (when the customer
    wrote for asynchronous kinds, so the bot's time counts against the target; reaching the
    queue for real time); ``chan``: channel; ``queue_ix``: channel-language queue; ``seg``:
    segment row ``channel * regions + region``; ``handle``: handle time at concurrency 1;
    ``deadline``: abandons if still waiting then (inf: never); ``callback_at``: becomes a
    callback then (inf: never); ``patience``: patience [s] (inf: never abandons).
    """

    def __init__(self, model: SimModel, contacts: ContactTable) -> None:
        self.n_regions = len(model.scenario.regions)
        self.callbacks = [c.callback for c in model.channels]
        self.tq = array("d", contacts.t_queue_s.tobytes())
        is_async = ~np.array([c.real_time for c in model.channels], dtype=bool)[contacts.channel]
        clock = contacts.t_queue_s - np.where(is_async, contacts.bot_s, 0.0)
        self.clock = array("d", clock.tobytes())
        self.chan = array("q", contacts.channel.astype(np.int64).tobytes())
        self.queue_ix = array("q", contacts.queue.astype(np.int64).tobytes())
        segment = contacts.channel.astype(np.int64) * self.n_regions + contacts.region.astype(
            np.int64
        )
        self.seg = array("q", segment.tobytes())
        self.handle = array("d", contacts.handle_s.tobytes())
        patience = contacts.patience_s
        deadline = contacts.t_queue_s + patience
        callback_at = np.full(len(patience), INF)
        for spec in model.channels:
            if spec.callback is None:
                continue
            offer_after = spec.callback[0]
            converts = (
                (contacts.channel == spec.index) & contacts.callback & (patience > offer_after)
            )
            callback_at[converts] = contacts.t_queue_s[converts] + offer_after
            deadline[converts] = INF
        self.deadline = array("d", deadline.tobytes())
        self.callback_at = array("d", callback_at.tobytes())
        self.patience = array("d", patience.tobytes())

    def add(
        self,
        t_queue: float,
        channel: int,
        queue: int,
        region: int,
        handle: float,
        patience: float,
        accepts_callback: bool,
    ) -> int:
        """Append a contact that reaches the queue at ``t_queue`` without a bot step (its
        response clock starts then); the same callback rule as the drawn contacts. Returns
        its index."""
        deadline = t_queue + patience
        callback_at = INF
        callback = self.callbacks[channel]
        if callback is not None and accepts_callback and patience > callback[0]:
            callback_at = t_queue + callback[0]
            deadline = INF
        self.tq.append(t_queue)
        self.clock.append(t_queue)
        self.chan.append(channel)
        self.queue_ix.append(queue)
        self.seg.append(channel * self.n_regions + region)
        self.handle.append(handle)
        self.deadline.append(deadline)
        self.callback_at.append(callback_at)
        self.patience.append(patience)
        return len(self.tq) - 1
