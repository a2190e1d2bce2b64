"""The end of a replication's run: the backlog read at interval ends, and how contacts still
waiting or in handling and agents still on the floor are settled when the run stops (README
"Modelling choices": the end-of-run waiting rule)."""

from __future__ import annotations

from simulation.floor import Agent, Floor


def backlog_now(floor: Floor) -> list[int]:
    """Contacts waiting per channel now (abandoned ones excluded)."""
    now = floor.env.now
    counts = [0] * len(floor.names)
    for q, waiting in enumerate(floor.queues):
        c = floor.model.queues[q][0]
        if floor.real_time[c]:
            counts[c] += sum(1 for j in waiting if floor.deadline[j] > now)
        else:
            counts[c] += len(waiting)
    return counts


def close(floor: Floor, agents: list[Agent]) -> None:
    """End of the run: settle contacts still waiting and agents still on the floor.

    A contact still waiting counts as offered and missed (``open_missed``) once its target
    has passed, whatever its kind; only one whose target has not passed yet is taken out of
    ``offered`` (not judged). Async contacts still in handling are missed as well (the
    cool-down is at least the async target, so their deadline has passed)."""
    end = floor.env.now
    for waiting in floor.queues:
        for j in waiting:
            c = floor.chan[j]
            k = floor.interval(floor.tq[j])
            if k < 0:
                continue
            if floor.deadline[j] <= end:
                floor.abandon(j)
            elif floor.callback_at[j] <= end:
                floor.offered[c][k] -= 1
                floor.s_offered[floor.seg[j]][k] -= 1
                floor.offered_cb[c][k] += 1
                if floor.callback_at[j] + floor.cb_within[c] <= end:
                    floor.open_missed_cb[c][k] += 1
            elif floor.clock[j] + floor.target[c] <= end:
                # its target passed while it waited: offered, and missed
                floor.open_missed[c][k] += 1
                floor.s_open_missed[floor.seg[j]][k] += 1
            else:
                floor.offered[c][k] -= 1  # still within its target: not judged yet
                floor.s_offered[floor.seg[j]][k] -= 1
    for counts, missed in (
        (floor.in_service, floor.open_missed),
        (floor.s_in_service, floor.s_open_missed),
    ):
        for row, missed_row in zip(counts, missed, strict=True):
            for k, value in enumerate(row):
                missed_row[k] += value
    for j, since in floor.holding_since.items():
        floor.spread(floor.chat_s[floor.chan[j]], since, end)
    for agent in agents:
        if agent.held > 0:
            floor.spread(floor.busy[agent.site], agent.busy_since, end)
        if agent.present:
            floor.spread(floor.productive[agent.site], agent.on_since, end)
